"""One chunk of a batch input in, its output text and bookkeeping out.

A chunk is whole records (cut by :func:`welfare_calc.batch.read_chunks` at a
line end outside quotes) with the number of its first line. Processing one
touches no file and no shared state, so chunks can go to worker processes
and come back in order; :mod:`welfare_calc.batch` writes the results.

Speed: a row of the usual layout (``id,category,persons,income,start,end``
and optionally ``paid``, no quotes) is copied to the output as its own text
plus the three computed cells, without a round trip through the csv module.
Its arithmetic is done inline with :meth:`BackpayPlan.lane`'s constants
when no amount paid is given, else by the plan; the result for the same
cells after the id is remembered. Any other row takes the general path:
:meth:`RowParser.parse`, :class:`BackpayPlan`, csv.writer. All paths read
cells with the same cached parsers (``RowParser.amount``, ``.month``), and
``tests/test_batch_properties.py`` holds every path to the core.
"""

from __future__ import annotations

import csv
import io
import json
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

from welfare_calc.batch_rows import (
    OPTIONAL,
    REQUIRED,
    Columns,
    Problem,
    RowParser,
    wrong_check_digit,
)
from welfare_calc.fastpath import CENTS, OPEN_END, OPEN_START, BackpayPlan, fen_text
from welfare_calc.text import FORMULA_START, csv_safe

VALIDATED = tuple(name for name in (*REQUIRED, *OPTIONAL) if name != "id")
"""Columns whose accepted values cannot start a formula (numbers, months, names)."""

CACHE_LIMIT = 1 << 14
"""Results remembered by the cells after the id (bounded, so memory stays flat)."""

_PERSONS = {str(count): count for count in range(1, 100)}
"""Persons as the fast lane reads them (any other count takes the checked path)."""

_RISKY_START = "".join(FORMULA_START) + " "
"""An id starting with one of these takes the general path (neutralised or stripped)."""


Rejection = tuple[int, str, list[Problem], list[str]]
"""A rejected row: line, id as given, its problems, its cells."""


@dataclass
class ChunkResult:
    """What a chunk produced, for the writer to put in place."""

    output: bytes = b""
    rejections: list[Rejection] = field(default_factory=list)
    accepted: array[int] = field(default_factory=lambda: array("q"))
    """Input line of every row written, in output order."""
    ids: array[int] = field(default_factory=lambda: array("q"))
    """``hash()`` of the id of every row written, in output order (forked workers
    share the parent's hash seed). Hashes, not strings: a million fit in far
    less memory, and the end-of-run check compares the ids themselves."""
    totals: list[int] = field(default_factory=list)
    """Back-pay written per category (table order), in fen."""
    rows_read: int = 0
    undecodable_line: int | None = None


@dataclass
class _Written:
    """Input line and id hash of every row written, as the chunk goes (lists:
    appending to a list is three times cheaper than to an array)."""

    lines: list[int] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)


class _Pieces(list[str]):
    """Output text collected in memory; ``write`` lets csv.writer append to it."""

    write = list.append


@dataclass
class ChunkProcessor:
    """Turns chunks into results with one table, plan, header and set of options."""

    parser: RowParser
    plan: BackpayPlan
    columns: Columns
    categories: list[str]
    encoding: str
    output_encoding: str
    newline: str
    jsonl: bool
    _cache: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._code = {key: position for position, key in enumerate(self.categories)}
        self._usual: dict[str, tuple[bool, int, int, int, int, int, int]] = {}
        """Every spelling of a category → its BackpayPlan.lane constants and position."""
        for name, key in self.parser.names.items():
            lane = self.plan.lane(key)
            if lane is not None:
                self._usual[name] = (*lane, self._code[key])

    @property
    def plain(self) -> bool:
        """Whether the header is the usual layout that the fast lane reads."""
        names = [name.strip().lower() for name in self.columns.names]
        return not self.jsonl and names in (list(REQUIRED), [*REQUIRED, "paid"])

    def process(self, first_line: int, data: bytes) -> ChunkResult:
        """Every record of ``data``, whose first line is ``first_line``."""
        result = ChunkResult(totals=[0] * len(self.categories))
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError as error:
            result.undecodable_line = first_line + data.count(b"\n", 0, error.start)
            return result
        pieces = _Pieces()
        written = _Written()
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        if self.plain and '"' not in text and "\r" not in text:
            # No quotes, no stray CR: every line is a row, the fast lane reads them.
            lines = text.split("\n")
            if lines[-1] == "":
                lines.pop()
            self._plain(lines, first_line, pieces, written, result)
        else:
            self._rows(text, first_line, pieces, written, result)
        result.output = "".join(pieces).encode(self.output_encoding)
        result.accepted = array("q", written.lines)
        result.ids = array("q", written.ids)
        return result

    def _rows(self, text: str, first_line: int, pieces: _Pieces, written: _Written,
              result: ChunkResult) -> None:
        """Any chunk, read by the csv module (quoted fields, line breaks in them, stray CRs)."""
        general = self._general(pieces, written, result)
        reader = csv.reader(io.StringIO(text, newline=""))
        ended = 0
        for row in reader:
            line = first_line + ended
            ended = reader.line_num
            if row:  # a blank line is not a row
                result.rows_read += 1
                general(line, row)

    def _plain(self, lines: list[str], first_line: int, pieces: _Pieces, written: _Written,
               result: ChunkResult) -> None:
        """The fast lane: the usual layout, no quotes; see the module docstring."""
        general = self._general(pieces, written, result)
        computed = self._computed
        totals = result.totals
        keep_line = written.lines.append
        keep_id = written.ids.append
        digest = hash
        put = pieces.append
        cache = self._cache
        recall = cache.get
        usual_of = self._usual.get
        persons_of = _PERSONS.get
        income_of = self.parser.amounts.get
        read_income = self.parser.amount
        month_of = self.parser.months.get
        read_month = self.parser.month
        cells_after_id = self.columns.width - 1
        paid_column = self.columns.width > len(REQUIRED)
        newline = self.newline
        blank = 0
        number = first_line - 1
        for text in lines:
            number += 1
            if not text:
                blank += 1  # a blank line is not a row
                continue
            ident, _, rest = text.partition(",")
            hit = recall(rest)
            if hit is None:
                # The usual row, inline (see BackpayPlan.lane): a category whose
                # window is one run, plainly written cells, no amount paid
                # given. Any other row goes to _computed, or fails its checks.
                cells = rest.split(",")
                usual = count = income = first = last = None
                if len(cells) == cells_after_id and not (paid_column and cells[-1]):
                    usual = usual_of(cells[0])
                    count = persons_of(cells[1])
                    income = income_of(cells[2])
                    if income is None:
                        income = read_income(cells[2])
                    start, end = cells[3], cells[4]
                    first = OPEN_START if not start else month_of(start) or read_month(start)
                    last = OPEN_END if not end else month_of(end) or read_month(end)
                if (usual is None or count is None or income is None or first is None
                        or last is None or first > last):
                    hit = computed(cells)
                else:
                    gap, window_first, window_last, due, paid, new, code = usual
                    months = ((last if last < window_last else window_last)
                              - (first if first > window_first else window_first) + 1)
                    months = max(months, 0)
                    if gap:
                        twelfths = income * 12
                        due, paid, new = due - twelfths, paid - twelfths, new - twelfths
                        units = months * count * ((due if due > 0 else 0)
                                                  - (paid if paid > 0 else 0))
                        monthly = (new * count + 6) // 12 if new > 0 else 0
                    else:
                        units = months * count * (due - paid)
                        monthly = (new * count + 6) // 12
                    if units < 0:  # a standard that went down: the plan rounds that
                        hit = computed(cells)
                    else:
                        backpay = (units + 6) // 12
                        hit = (f",{months},{backpay // 100}.{CENTS[backpay % 100]},"
                               f"{monthly // 100}.{CENTS[monthly % 100]}{newline}",
                               backpay, code)
                if hit is None:
                    general(number, text.split(","))
                    continue
                if len(cache) < CACHE_LIMIT:
                    cache[rest] = hit
            if (not ident or ident[0] in _RISKY_START or ident[-1] == " "
                    or (len(ident) == 18 and wrong_check_digit(ident) is not None)):
                general(number, text.split(","))
                continue
            tail, backpay, code = hit
            put(text + tail)
            keep_line(number)
            keep_id(digest(ident))
            totals[code] += backpay
        result.rows_read += len(lines) - blank

    def _computed(self, cells: list[str]) -> tuple[str, int, int] | None:
        """The computed cells for the cells after the id, or None when they need a look.

        Returns (the text to append to the line, back-pay in fen, category
        position), computed by the plan, for the rows the inline arithmetic
        of :meth:`_plain` leaves: an amount paid given, a window of several
        runs, cells written unusually (all checked by ``RowParser.quick``).
        """
        if len(cells) != self.columns.width - 1:
            return None
        category, persons, income, start, end = cells[:5]
        paid = cells[5] if len(cells) > 5 else ""
        household = self.parser.quick(category, persons, income, start, end, paid)
        if household is None:
            return None
        months, backpay, monthly = self.plan.compute(*household)
        return (f",{months},{fen_text(backpay)},{fen_text(monthly)}{self.newline}",
                backpay, self._code[household[0]])

    def _general(self, pieces: _Pieces, written: _Written,
                 result: ChunkResult) -> Callable[[int, list[str]], None]:
        """The path every row may take: full checks, csv.writer, neutralised cells."""
        columns = self.columns
        writer = csv.writer(pieces, lineterminator=self.newline)
        validated = {columns.position[name] for name in VALIDATED if name in columns.position}
        free = [index for index in range(columns.width) if index not in validated]
        keys = [name.strip() for name in columns.names]
        id_at = columns.position["id"]

        def general(line: int, row: list[str]) -> None:
            parsed = self.parser.parse(row)
            if isinstance(parsed, list):
                result.rejections.append(
                    (line, row[id_at] if len(row) > id_at else "", parsed, row))
                return
            months, backpay, monthly = self.plan.compute(
                parsed.category, parsed.persons, parsed.income_fen, parsed.start, parsed.end,
                parsed.paid_fen)
            if self.jsonl:
                record: dict[str, object] = dict(zip(keys, row, strict=True))
                record.update(months=months, backpay=fen_text(backpay),
                              monthly=fen_text(monthly))
                pieces.append(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                cells = list(row)
                for index in free:
                    cells[index] = csv_safe(cells[index])
                writer.writerow([*cells, str(months), fen_text(backpay), fen_text(monthly)])
            written.lines.append(line)
            written.ids.append(hash(parsed.id))
            result.totals[self._code[parsed.category]] += backpay

        return general
