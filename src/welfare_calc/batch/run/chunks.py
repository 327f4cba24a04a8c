"""One chunk of a batch input in, its output text and bookkeeping out.

A chunk is whole records (cut by :func:`welfare_calc.batch.input.reading.read_records`
at a line end outside quotes) with the number of its first line. Processing one
touches no file and no shared state, so chunks can go to worker processes
and come back in order; :mod:`welfare_calc.batch.run.pipeline` writes the results.

Two ways through, one answer:

- a large chunk of the usual layout (``id,category,persons,income,start,end``
  and optionally ``paid``; no quotes, or quotes only around whole cells)
  goes to :mod:`welfare_calc.batch.rows.lane`, which reads it column-wise in
  NumPy and hands back the lines it does not take;
- every other row is read by :meth:`RowParser.parse_all` (its quick reading,
  a chunk's rows put to the core's rules at once, else its careful one), and
  written one at a time: the plan, and the output line. A line of
  the usual layout without quotes whose cells need no neutralising is
  copied as it came, plus the three computed cells; any other is written
  by csv.writer (or as JSON).

``tests/test_batch_properties.py`` holds every path to the core, and the
lane to the row-by-row paths.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from welfare_calc.batch.input.encodings import ascii_compatible, cannot_encode, same_codec
from welfare_calc.batch.input.reading import HEAD, Unreadable
from welfare_calc.batch.rows import groups
from welfare_calc.batch.rows.ids import id_digest, span
from welfare_calc.batch.rows.parsing import (
    COMPUTED,
    OPTIONAL,
    REQUIRED,
    Columns,
    ParsedRow,
    RowParser,
    RowProblem,
    json_line,
    line_at,
)
from welfare_calc.batch.run.chunk_result import (
    AMOUNT_BITS,
    LEDGER_WORDS,
    ChunkResult,
    Rejection,
    Written,
    ledger_code,
    split_amount,
)
from welfare_calc.batch.run.options import Side
from welfare_calc.core.engine import BackpayEngine, fen_text
from welfare_calc.core.errors import WelfareCalcError
from welfare_calc.core.words import _
from welfare_calc.output.text import CsvRows, csv_safe, digits_column, kept_as_text

if TYPE_CHECKING:
    from welfare_calc.batch.rows.lane import Lane, LaneOutput, WrittenCells

VALIDATED = tuple(name for name in (*REQUIRED, *OPTIONAL) if name != "id")
"""Columns whose accepted values cannot start a formula (numbers, months, names)."""

READ_AT_ONCE = 128
"""Rows the row path reads at once (:meth:`RowParser.parse_all`): enough for the core's
rules to be asked of many together, few enough that what is made for them does not pile
up for the garbage collector to look through."""

LANE_ROWS = 4096
"""Lines from which a chunk goes to the column-wise lane (it needs NumPy, a
fifth of a second to import: not worth it for a handful of rows)."""


def _count(result: ChunkResult, code: int, net: int, newly: bool, persons: int) -> None:
    """A written row's back-pay, or its overpaid amount, into the chunk's totals."""
    if net >= 0:
        result.totals[code] += net
    else:
        result.overpaid[code] -= net
    result.newly[code] += newly
    result.households[code] += 1
    result.persons[code] += persons


class _Pieces(list[str]):
    """Output text collected in memory; ``write`` lets csv.writer append to it."""

    write = list.append


@dataclass
class ChunkProcessor:
    """Turns chunks into results with one table, plan, header and set of options."""

    parser: RowParser
    plan: BackpayEngine
    columns: Columns
    categories: list[str]
    encoding: str
    output_encoding: str
    newline: str
    jsonl: bool
    neutralise: bool = True
    """Whether text cells that start like a formula are neutralised (not in the CSV
    a workbook is written from: a workbook's text cells never run)."""
    text_marks: bool = False
    """Whether cells of digits that a spreadsheet would change are kept as text
    (:func:`~welfare_calc.output.text.kept_as_text`): CSV for Excel (``--excel``)."""
    lane_rows: int = LANE_ROWS
    """Lines from which a chunk goes to the column-wise lane."""
    words: tuple[str, str] = ("false", "true")
    """How the yes/no columns are written (no, yes): English, or 否/是."""
    group_at: tuple[tuple[int, int | None], ...] = ()
    """With ``--group-by``: where each level's column is (and how much of it counts)."""
    side: Side | None = None
    """What the run's documents make of each chunk's written rows, here in the worker
    (:class:`~welfare_calc.batch.run.options.Chunkwise`: the month's 发放明细 lines),
    given the chunk's output and ledger (and where its cells are, when the lane wrote
    every row); None: nothing."""
    keep_rows: bool = True
    """Whether the rows written are joined and handed back for the run's copy of them
    (:attr:`~welfare_calc.batch.run.options.BatchOptions.keep_rows`); when not, a chunk
    whose lines the :attr:`side` makes from the lane's cells hands back none."""
    _lane: Lane | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._code = {key: position for position, key in enumerate(self.categories)}

    @property
    def plain(self) -> bool:
        """Whether the header is the usual layout that the fast paths read: the required
        columns first, in order, then ``paid`` or not, then any columns carried through
        (a locality, a name) but no ``supplement`` and no ``care`` (a care tier's amounts
        are the row path's: docs/rules.md rule 17)."""
        where = self.columns.position
        order = [*REQUIRED, *(("paid",) if "paid" in where else ())]
        return (not self.jsonl and "supplement" not in where and "care" not in where
                and all(where.get(key) == index for index, key in enumerate(order)))

    def lane(self) -> Lane | None:
        """The column-wise lane for this header and these encodings, if they allow one.

        Built once (it imports NumPy); :mod:`welfare_calc.batch.run.pipeline` builds it
        before forking, so that the workers share it.
        """
        from welfare_calc.batch.rows.lane import Lane  # noqa: PLC0415 - NumPy

        if self._lane is None and self.plain and ascii_compatible(self.encoding):
            try:
                self._lane = Lane(self.parser.table, self.plan, self.parser.names,
                                  self.categories, self.encoding,
                                  self.newline, self.columns.width, self.words,
                                  paid_column="paid" in self.columns.position,
                                  group_at=self.group_at, text_marks=self._text_columns())
            except UnicodeEncodeError:
                return None  # the yes/no words cannot be written in the input's encoding
        return self._lane

    def process(self, first_line: int, data: bytes | Unreadable) -> ChunkResult:
        """Every record of ``data``, whose first line is ``first_line``; with a
        :attr:`side`, what it makes of the rows written too (a chunk that cannot be
        read or written stops the run, and is given none)."""
        result, cells = self._process(first_line, data)
        if (self.side is not None and result.undecodable_line is None
                and result.unencodable is None):
            result.side = self.side(result.output, result.ledger, cells)
        return result

    def _process(self, first_line: int, data: bytes | Unreadable
                 ) -> tuple[ChunkResult, WrittenCells | None]:
        """The chunk's result, and where its written cells are when the lane wrote every
        row (:meth:`_columnwise`)."""
        result = ChunkResult(totals=[0] * len(self.categories),
                             overpaid=[0] * len(self.categories),
                             newly=[0] * len(self.categories),
                             households=[0] * len(self.categories),
                             persons=[0] * len(self.categories))
        if isinstance(data, Unreadable):
            result.rows_read = 1
            if data.cells is not None:
                row = list(data.cells)
            else:
                head = data.head.decode(self.encoding, "replace")[:HEAD]
                row = [head + "…" if len(head) == HEAD else head]
            result.rejections.append(Rejection(first_line, data.ident,
                                               [RowProblem(data.column, data.reason)], row))
            return result, None
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError as error:
            result.undecodable_line = first_line + data.count(b"\n", 0, error.start)
            return result, None
        if "\r" in text:
            text = text.replace("\r\n", "\n")
            data = data.replace(b"\r\n", b"\n")
        if self.plain and "\r" not in text:  # no stray CR: every line is a record
            if text.count("\n") >= self.lane_rows and self.lane() is not None:
                from welfare_calc.batch.rows.lane import unquoted  # noqa: PLC0415 - NumPy

                # Quotes that only wrap whole cells say nothing: without them,
                # every line is a row that the lane reads.
                bare = unquoted(data) if '"' in text else data
                if bare is not None:
                    return result, self._columnwise(
                        bare if bare.endswith(b"\n") else bare + b"\n", first_line, result)
            if '"' not in text:
                lines = text.split("\n")
                if lines[-1] == "":
                    lines.pop()
                self._plain(lines, first_line, result)
                return result, None
        self._rows(text, first_line, result)
        return result, None

    def _finish(self, result: ChunkResult, written: list[Written], lines: list[int]) -> None:
        """Output and bookkeeping of the rows written one at a time, in order."""
        result.output = self._encoded("".join([row.text for row in written]), lines, result)
        result.ids = array("q", [row.digest for row in written])
        result.ledger = array("q", [word for line, row in zip(lines, written, strict=True)
                                    for word in (line, row.span,
                                                 ledger_code(row.code, row.newly,
                                                             row.persons),
                                                 *split_amount(row.net))]).tobytes()
        for row in written:
            _count(result, row.code, row.net, row.newly, row.persons)

    def _read(self, rows: Iterable[tuple[int, list[str], str | None]]
              ) -> Iterator[tuple[int, list[str], str | None, ParsedRow | list[RowProblem]]]:
        """Each (line, cells, text) with its household or its problems, read
        :data:`READ_AT_ONCE` rows at a time (:meth:`RowParser.parse_all`)."""
        pending = iter(rows)
        while batch := list(itertools.islice(pending, READ_AT_ONCE)):
            read = self.parser.parse_all([cells for _line, cells, _text in batch])
            for (line, cells, text), parsed in zip(batch, read, strict=True):
                yield line, cells, text, parsed

    def _rows(self, text: str, first_line: int, result: ChunkResult) -> None:
        """Any chunk, read by the csv module (quoted fields, line breaks in them, stray CRs)."""
        general = self._general(result)
        reader = csv.reader(io.StringIO(text, newline=""))

        def rows() -> Iterator[tuple[int, list[str], str | None]]:
            ended = 0
            for row in reader:
                line = first_line + ended
                ended = reader.line_num
                if row:  # a blank line is not a row
                    yield line, row, None

        written: list[Written] = []
        lines: list[int] = []
        for line, row, _text, parsed in self._read(rows()):
            result.rows_read += 1
            done = general(line, row, None, parsed)
            if done is not None:
                written.append(done)
                lines.append(line)
        self._finish(result, written, lines)

    def _plain(self, lines: list[str], first_line: int, result: ChunkResult) -> None:
        """A chunk of the usual layout without quotes, a line at a time."""
        general = self._general(result)
        written: list[Written] = []
        numbers: list[int] = []
        for number, row, text, parsed in self._read(
                (number, text.split(","), text) for number, text in enumerate(lines, first_line)
                if text):  # (a blank line is not a row)
            result.rows_read += 1
            done = general(number, row, text, parsed)
            if done is not None:
                written.append(done)
                numbers.append(number)
        self._finish(result, written, numbers)

    def _columnwise(self, data: bytes, first_line: int, result: ChunkResult
                    ) -> WrittenCells | None:
        """The lane's lines, with the lines it left read one at a time in their places;
        where the written cells are, when the lane wrote every row (with a :attr:`side`)."""
        import numpy as np  # noqa: PLC0415 - see lane()

        lane = self.lane()
        assert lane is not None
        read = lane.run(data)
        general = self._general(result)
        taken, digests, pieces, spans = read.taken.copy(), read.digests, read.pieces, read.spans
        codes, backpays, newly, persons = read.codes, read.backpays, read.newly, read.persons
        wide: dict[int, int] = {}  # lines read one at a time whose back-pay passes 64 bits
        blank = 0
        first_seen: dict[groups.Key, int] = {}  # (--group-by) each group's first line

        def left() -> Iterator[tuple[int, list[str], str | None]]:
            """The lines the lane did not take (a blank one is not a row)."""
            nonlocal blank
            for line in np.flatnonzero(~read.taken).tolist():
                text = pieces[2 * line].decode(self.encoding)
                pieces[2 * line] = pieces[2 * line + 1] = b""
                if text:
                    yield line, text.split(","), text
                else:
                    blank += 1

        for line, row, text, parsed in self._read(left()):
            assert text is not None
            done = general(first_line + line, row, text, parsed)
            if done is not None:
                digests[line], spans[line] = done.digest, done.span
                codes[line] = done.code
                if -(1 << 63) <= done.net < 1 << 63:
                    backpays[line] = done.net
                else:
                    wide[line] = done.net
                pieces[2 * line] = done.text.encode(self.encoding)  # a line of the input, retold
                taken[line] = True
                _count(result, done.code, done.net, done.newly, done.persons)
                newly[line] = done.newly
                persons[line] = done.persons
                if self.group_at:
                    first_seen.setdefault(groups.key_of(text.split(","), self.group_at), line)
        if self.group_at:
            self._lane_groups(read, first_seen, result)
        rows = np.flatnonzero(taken)
        # The lane's cells serve the side: a chunk whose rows it wrote every one, in the
        # encoding it read, nothing marked (a row written one at a time, or cells written
        # otherwise, are cut from the rows written instead).
        from_cells = (self.side is not None and np.array_equal(taken, read.taken)
                      and same_codec(self.encoding, self.output_encoding)
                      and not self._text_columns())
        result.output = b"" if from_cells and not self.keep_rows else b"".join(pieces)
        if not same_codec(self.encoding, self.output_encoding):
            result.output = self._encoded(result.output.decode(self.encoding),
                                          (rows + first_line).tolist(), result)
        for code, amount in enumerate(read.totals):
            result.totals[code] += amount
        for code, count in enumerate(read.newly_counts):
            result.newly[code] += count
        for code, (households, people) in enumerate(zip(read.households, read.persons_counts,
                                                         strict=True)):
            result.households[code] += households
            result.persons[code] += people
        result.rows_read += len(taken) - blank
        result.ids = array("q", digests[rows].tobytes())
        ledger = np.empty((len(rows), LEDGER_WORDS), dtype=np.int64)
        ledger[:, 0] = rows + first_line
        ledger[:, 1] = spans[rows]
        ledger[:, 2] = ledger_code(codes[rows], newly[rows], persons[rows])
        ledger[:, 3] = backpays[rows] >> AMOUNT_BITS
        ledger[:, 4] = backpays[rows] & ((1 << AMOUNT_BITS) - 1)
        for line, amount in wide.items():
            ledger[np.searchsorted(rows, line), 3:5] = split_amount(amount)
        result.ledger = ledger.tobytes()
        if not from_cells:
            return None
        if len(rows) == len(taken):  # (every line a row: the lane's arrays as they are)
            return read.cells
        return read.cells.of_rows(rows)

    def _lane_groups(self, read: LaneOutput, first_seen: dict[groups.Key, int],
                     result: ChunkResult) -> None:
        """Add the lane's lines to the chunk's groups (those of the lines read one at a
        time are counted already, first seen at ``first_seen``), in the order groups
        first appear in the chunk. Counted in integers (NumPy's ``add.at``), never floats."""
        import numpy as np  # noqa: PLC0415 - see lane()

        assert read.group_of is not None
        assert read.group_keys is not None
        lines = np.flatnonzero(read.taken)
        count = len(self.categories)
        slots = len(read.group_keys) * count
        at = read.group_of[lines] * count + read.codes[lines]
        sums = np.zeros((4, slots), dtype=np.int64)
        for row, values in enumerate((np.ones(len(lines), dtype=np.int64),
                                      read.persons[lines], read.backpays[lines],
                                      read.newly[lines])):
            np.add.at(sums[row], at, values)
        first = np.full(len(read.group_keys), len(read.taken), dtype=np.int64)
        np.minimum.at(first, read.group_of[lines], lines)
        for position, key in enumerate(read.group_keys):
            tally = result.groups.get(key)
            if tally is None:
                tally = result.groups[key] = groups.new_tally(count)
            for code in range(count):
                households, persons, backpay, newly = sums[:, position * count + code].tolist()
                counters = tally[code]
                counters[0] += households
                counters[1] += persons
                counters[2] += backpay  # (the lane takes no line paid beyond what is due)
                counters[4] += newly
            seen = first_seen.get(key)
            first_seen[key] = int(first[position]) if seen is None else min(seen,
                                                                            int(first[position]))
        result.groups = dict(sorted(result.groups.items(), key=lambda item: first_seen[item[0]]))

    def _encoded(self, text: str, lines: Sequence[int], result: ChunkResult) -> bytes:
        """The output text in the output encoding; where it cannot be, say which cell.

        ``lines``: the input line of each row of ``text``, in order.
        """
        try:
            return text.encode(self.output_encoding)
        except UnicodeEncodeError as error:
            char = error.object[error.start]
        if self.jsonl:
            records = [json.loads(line) for line in text.splitlines()]
            rows = [[str(value) for value in record.values()] for record in records]
            keys = list(records[0])
        else:
            rows = list(csv.reader(io.StringIO(text, newline="")))
            keys = self.columns.output_keys
        for index, cells in enumerate(rows):
            for key, cell in zip(keys, cells, strict=False):
                if char in cell:
                    result.unencodable = cannot_encode(
                        _("{where}, column {key}: a value cannot be written").format(
                            where=line_at(lines[index]), key=repr(key)),
                        self.output_encoding, char)
                    return b""
        result.unencodable = cannot_encode(_("a value cannot be written"), self.output_encoding,
                                           char)
        return b""

    def _text_columns(self) -> tuple[tuple[int, bool], ...]:
        """For Excel (:attr:`text_marks`): the columns whose cells of digits may be kept
        as text, each with whether every such cell is: the id, and a column whose header
        names an account, a card, an ID number or a phone
        (:func:`~welfare_calc.output.text.digits_column`); in the others, a long one or
        one with a leading zero. A column the batch reads as a number or a month never
        is (its cells are the roster's figures)."""
        if not (self.neutralise and self.text_marks):
            return ()
        where = self.columns.position
        validated = {where[name] for name in VALIDATED if name in where}
        return tuple((index, index == where["id"] or digits_column(name))
                     for index, name in enumerate(self.columns.names)
                     if index not in validated)

    def _general(self, result: ChunkResult) -> Callable[
            [int, list[str], str | None, ParsedRow | list[RowProblem]], Written | None]:
        """The one way a row is written one at a time, once read (:meth:`RowParser.parse_all`:
        the quick reading, else the careful one): the plan, and the output line.

        ``text``, for a line of the usual layout without quotes or CR, is the
        line as it came: when no cell needs neutralising, it is the output as
        csv.writer would write it, and is copied rather than written again.
        A rejected row goes to ``result.rejections`` and gives None.
        """
        columns = self.columns
        pieces = _Pieces()
        writer = CsvRows(pieces, self.newline)
        validated = {columns.position[name] for name in VALIDATED if name in columns.position}
        free = [index for index in range(columns.width)
                if index not in validated and self.neutralise]
        keys = columns.output_keys
        id_at = columns.position["id"]
        split = columns.computed[len(COMPUTED):]  # the monthly amount's parts, if any
        marks = dict(self._text_columns())

        def written(index: int, cell: str) -> str:
            """A free cell as the CSV output writes it: neutralised, and for Excel kept
            as text where it is digits a spreadsheet would change."""
            safe = csv_safe(cell)
            return kept_as_text(safe, digits=marks[index]) if marks else safe

        def general(line: int, row: list[str], text: str | None,
                    parsed: ParsedRow | list[RowProblem]) -> Written | None:
            if isinstance(parsed, list):
                result.rejections.append(
                    Rejection(line, row[id_at] if len(row) > id_at else "", parsed, row))
                return None
            try:
                outcome = self.plan.compute(
                    parsed.category, parsed.persons, parsed.income_fen, parsed.start,
                    parsed.end, parsed.paid_fen, parsed.supplement, parsed.care)
            except WelfareCalcError as error:  # (a care tier in a window without care)
                result.rejections.append(Rejection(
                    line, row[id_at], [RowProblem(error.field or "", error.message)], row))
                return None
            if parsed.id != row[id_at].strip():  # an ID number, written in its one form
                row = [*row[:id_at], parsed.id, *row[id_at + 1:]]
                text = None
            months, backpay, monthly, overpaid, newly = outcome[:5]
            computed = (f"{months},{fen_text(backpay)},{fen_text(monthly)},"
                        f"{fen_text(overpaid)},{self.words[newly]}")
            for part in split:
                computed += "," + fen_text(getattr(outcome, part))
            if self.jsonl:
                text = json_line(keys, [*row, *computed.split(",")])
            elif text is not None and all(written(index, row[index]) == row[index]
                                          for index in free):
                text = f"{text},{computed}{self.newline}"
            else:
                cells = list(row)
                for index in free:
                    cells[index] = written(index, cells[index])
                pieces.clear()
                writer.writerow([*cells, *computed.split(",")])
                text = "".join(pieces)
            if self.group_at:
                tally = result.groups.get(key := groups.key_of(row, self.group_at))
                if tally is None:
                    tally = result.groups[key] = groups.new_tally(len(self.categories))
                groups.count(tally, self._code[parsed.category], parsed.persons,
                             backpay - overpaid, int(newly))
            return Written(text, id_digest(parsed.id), self._code[parsed.category],
                           backpay - overpaid, span(parsed.start, parsed.end), newly,
                           parsed.persons)

        return general
