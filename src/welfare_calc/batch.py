"""Batch back-pay: stream a CSV of households into a CSV (or JSON lines) of results.

Guarantees, in the order a finance office would ask for them:

- every input row ends up in exactly one place: the output (in input order)
  or the errors file (with its line number, column and reason); rows read =
  rows written + rows rejected, always;
- the totals in the summary are sums of the fen written, so they reconcile
  exactly with the output column;
- nothing is half-written (:mod:`welfare_calc.staging`): an interrupted run
  (Ctrl-C, ``kill``) leaves every target as it was;
- rows sharing an id with overlapping coverage are all rejected, as a
  possible double payment. That can only be known at the end, so rows go to
  a temporary file first and are filtered there in the rare case it is
  needed; memory grows only with the index of ids.

Speed: a row of the usual layout (``id,category,persons,income,start,end``
and optionally ``paid``, no quotes) is copied to the output as its own text
plus the three computed cells, without a round trip through the csv module,
and the result for the same cells after the id is remembered. Any other row
takes the general path: :class:`RowParser`, :class:`BackpayPlan`, csv.writer.
Both paths apply the same checks (``RowParser.quick``) and the same plan.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import signal
import sys
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import BinaryIO, Literal

from stdnum.cn import ric

from welfare_calc import calc
from welfare_calc.batch_rows import (
    COMPUTED,
    OPTIONAL,
    REQUIRED,
    ZH_HEADERS,
    Columns,
    Problem,
    RowParser,
    UnusableInput,
    looks_like_resident_id,
    read_header,
)
from welfare_calc.fastpath import OPEN_END, OPEN_START, BackpayPlan, fen_text
from welfare_calc.model import StandardsTable
from welfare_calc.months import Month
from welfare_calc.staging import BOM, StagedText
from welfare_calc.text import FORMULA_START, csv_safe

ERROR_COLUMNS = ("line", "id", "column", "reason", "row")
VALIDATED = tuple(name for name in (*REQUIRED, *OPTIONAL) if name != "id")
"""Columns whose accepted values cannot start a formula (numbers, months, names)."""

CHUNK = 1 << 20
"""Bytes read at a time."""
CACHE_LIMIT = 1 << 16
"""Results remembered by the cells after the id (bounded, so memory stays flat)."""
_RISKY_START = "".join(FORMULA_START) + " "
"""An id starting with one of these takes the general path (neutralised or stripped)."""


@dataclass(frozen=True)
class BatchOptions:
    """How to read and write; everything a run needs besides its files."""

    encoding: str = "utf-8"
    output_encoding: str = "utf-8"
    excel: bool = False
    headers: Literal["en", "zh"] = "en"
    fmt: Literal["csv", "jsonl"] = "csv"


@dataclass(frozen=True)
class BatchFiles:
    """Where a run writes: ``None`` output means stdout (errors then go to stderr)."""

    output: Path | None
    errors: Path | None = None
    summary: Path | None = None

    def errors_target(self) -> Path | None:
        """The errors file: as given, else beside the output, else stderr (None)."""
        if self.errors is not None or self.output is None:
            return self.errors
        return self.output.with_name(self.output.name + ".errors.csv")


@dataclass
class Summary:
    """The reconciliation of a run: read = written + rejected; totals in fen."""

    through: str
    rows_read: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    by_category: dict[str, int] = field(default_factory=dict)

    @property
    def backpay_fen(self) -> int:
        """Total back-pay written, in fen."""
        return sum(self.by_category.values())

    def as_json(self) -> dict[str, object]:
        """The summary file's content: counts, and totals to the fen as text."""
        return {
            "through": self.through,
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "rows_rejected": self.rows_rejected,
            "backpay_total": fen_text(self.backpay_fen),
            "backpay_by_category": {key: fen_text(value)
                                    for key, value in self.by_category.items()},
        }

    def as_text(self) -> str:
        """The summary for a person reading stderr."""
        by = ", ".join(f"{key} {fen_text(value)}" for key, value in self.by_category.items())
        return (f"rows read {self.rows_read}, written {self.rows_written}, rejected "
                f"{self.rows_rejected}; back-pay total {fen_text(self.backpay_fen)} ({by})")


class Interrupted(Exception):
    """SIGTERM arrived: stop, and leave no partial file."""


def run_batch(table: StandardsTable, plan: BackpayPlan, source: BinaryIO,
              files: BatchFiles, options: BatchOptions,
              progress: Callable[[int, int], None] | None = None) -> Summary:
    """Process a whole input. On :class:`UnusableInput` or an interruption nothing is written."""
    staged: list[StagedText] = []
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        raise Interrupted

    signal.signal(signal.SIGTERM, on_term)
    try:
        run = _Run(table, plan, files, options, staged)
        summary = run.execute(source, progress)
        if files.summary is not None:
            report = StagedText(files.summary, "utf-8", excel=False)
            staged.append(report)
            report.text.write(json.dumps(summary.as_json(), ensure_ascii=False, indent=2) + "\n")
        if run.errors_file.target is None and not summary.rows_rejected:
            staged.remove(run.errors_file)  # nothing to say on stderr
            run.errors_file.discard()
        for file in staged:
            file.commit(sys.stderr.buffer if file is run.errors_file else sys.stdout.buffer)
        return summary
    finally:
        for file in staged:
            file.discard()
        signal.signal(signal.SIGTERM, previous)


def _chunks(source: BinaryIO, encoding: str,
            progress: Callable[[int, int], None] | None) -> Iterator[list[str]]:
    """The input as lists of lines (without their "\\n"), a megabyte at a time.

    Chunks are cut after a b"\\n", which no byte of a UTF-8, GBK or GB18030
    character can be, so every chunk decodes on its own, and a bad byte is
    reported with its exact line. A leading UTF-8 BOM is dropped, and then
    the input is read as UTF-8 whatever ``encoding`` says.
    """
    carry = b""
    lines_before = 0
    done = 0
    first = True
    while True:
        block = source.read(CHUNK)
        data = carry + block
        if first and data.startswith(BOM):
            data, encoding = data[len(BOM):], "utf-8"
        first = False
        if not data:
            return
        cut = data.rfind(b"\n") + 1 if block else len(data)
        if cut == 0:
            carry = data
            continue
        piece, carry = data[:cut], data[cut:]
        try:
            text = piece.decode(encoding)
        except UnicodeDecodeError as error:
            line = lines_before + piece.count(b"\n", 0, error.start) + 1
            raise UnusableInput(
                f"line {line}: cannot be decoded as {encoding}; give --encoding gbk or "
                "gb18030 for a file saved in a Chinese Windows encoding") from None
        lines_before += piece.count(b"\n")
        done += len(piece)
        if progress is not None:
            progress(lines_before, done)
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        yield lines


class _Pieces(list[str]):
    """Output text collected in memory and written a chunk at a time.

    ``write`` lets csv.writer and json lines append to it too, so rows from
    both paths keep their order.
    """

    write = list.append


class _Run:
    """One pass over the input, then the rare second pass for repeated ids."""

    def __init__(self, table: StandardsTable, plan: BackpayPlan, files: BatchFiles,
                 options: BatchOptions, staged: list[StagedText]) -> None:
        self.table = table
        self.plan = plan
        self.options = options
        self.staged = staged
        self.keys = list(table.categories)
        self.code_of = {key: position for position, key in enumerate(self.keys)}
        self.summary = Summary(through=str(plan.through))
        self.totals = [0] * len(self.keys)
        self.accepted = array("q")
        """The input line of every row written, in output order."""
        self.seen: set[str] = set()
        """Every accepted id: the one thing kept per row (about 90 MB a million)."""
        self.repeated: set[str] = set()
        """Ids accepted more than once; checked for overlapping coverage at the end."""
        self.pieces = _Pieces()
        self.output = self._stage(files.output)
        self.errors_file = self._stage(files.errors_target())
        self.errors = self.errors_file.csv_writer()
        self.errors.writerow(ERROR_COLUMNS)

    def _stage(self, target: Path | None) -> StagedText:
        file = StagedText(target, self.options.output_encoding, self.options.excel)
        self.staged.append(file)
        return file

    def reject(self, line: int, ident: str, problems: list[Problem], row: list[str]) -> None:
        """Write a row's problems to the errors file, one line each."""
        original = io.StringIO()
        csv.writer(original, lineterminator="").writerow(row)
        text = csv_safe(original.getvalue())
        for problem in problems:
            self.errors.writerow([str(line), csv_safe(ident), problem.column,
                                  csv_safe(problem.reason), text])

    def _flush(self) -> None:
        self.output.text.write("".join(self.pieces))
        self.pieces.clear()

    def execute(self, source: BinaryIO,
                progress: Callable[[int, int], None] | None) -> Summary:
        """Read everything, write every row to the output or the errors."""
        chunks = _chunks(source, self.options.encoding, progress)
        first = next(chunks, None)
        if not first:
            raise UnusableInput("the input is empty; it needs a header row")
        header = first[0].removesuffix("\r")
        if header.count('"') % 2:
            raise UnusableInput("line 1: the header has an unclosed quote")
        cells = next(csv.reader([header])) if '"' in header else header.split(",")
        columns = read_header(cells)
        try:
            self._body(itertools.chain([first[1:]], chunks), columns)
        except UnicodeEncodeError as error:
            raise UnusableInput(
                f"a value cannot be written in {self.options.output_encoding} "
                f"({error.object[error.start:error.end]!r}); use --output-encoding gb18030 "
                "or utf-8") from None
        summary = self.summary
        summary.rows_written = len(self.accepted)
        summary.rows_rejected = summary.rows_read - summary.rows_written
        if self.repeated:
            self._drop_doubled(columns)
        summary.by_category = dict(zip(self.keys, self.totals, strict=True))
        return summary

    def _body(self, chunks: Iterator[list[str]], columns: Columns) -> None:
        parser = RowParser(self.table, columns)
        names = [name.strip().lower() for name in columns.names]
        plain = self.options.fmt == "csv" and names in (list(REQUIRED), [*REQUIRED, "paid"])
        self._header(columns)
        general = self._general_row(parser, columns)
        # The usual layout: see the module docstring. Locals for speed.
        quick = parser.quick
        compute = self.plan.compute
        newline = self.output.newline
        no_paid = columns.width == len(REQUIRED)
        code_of = self.code_of
        totals = self.totals
        keep_line = self.accepted.append
        put = self.pieces.append
        seen = self.seen
        remember = seen.add
        repeated = self.repeated.add
        cache: dict[str, tuple[str, int, int]] = {}
        recall = cache.get
        read = 0
        number = 1  # the header
        pending: list[str] = []
        quotes = 0
        for lines in chunks:
            for raw in lines:
                number += 1
                if pending or '"' in raw:  # quoted cells: the csv module reads them
                    pending.append(raw)
                    quotes += raw.count('"')
                    if quotes % 2:
                        continue  # a quoted field goes on to the next line
                    read += 1
                    general(number - len(pending) + 1, next(csv.reader(["\n".join(pending)])))
                    pending, quotes = [], 0
                    continue
                text = raw[:-1] if raw[-1:] == "\r" else raw
                if not text:
                    continue  # a blank line is not a row
                read += 1
                if not plain:
                    general(number, text.split(","))
                    continue
                ident, _, rest = text.partition(",")
                hit = recall(rest)
                if hit is None:
                    cells = rest.split(",")
                    if no_paid:
                        cells.append("")
                    household = quick(cells[0], cells[1], cells[2], cells[3], cells[4],
                                      cells[5]) if len(cells) == 6 else None
                    if household is None:
                        general(number, text.split(","))
                        continue
                    key, persons, income, start, end, paid = household
                    months, backpay, monthly = compute(key, persons, income, start, end, paid)
                    hit = (f",{months},{fen_text(backpay)},{fen_text(monthly)}{newline}",
                           backpay, code_of[key])
                    if len(cache) < CACHE_LIMIT:
                        cache[rest] = hit
                if (not ident or ident[0] in _RISKY_START or ident[-1] == " "
                        or (len(ident) == 18 and looks_like_resident_id(ident)
                            and ric.calc_check_digit(ident.upper()) != ident[17].upper())):
                    general(number, text.split(","))
                    continue
                if ident in seen:
                    repeated(ident)
                else:
                    remember(ident)
                put(text + hit[0])
                keep_line(number)
                totals[hit[2]] += hit[1]
            self._flush()
        if pending:  # a quote never closed: let the row checks reject what it holds
            read += 1
            general(number - len(pending) + 1, next(csv.reader(["\n".join(pending)])))
        self.summary.rows_read = read
        self._flush()

    def _header(self, columns: Columns) -> None:
        if self.options.fmt != "csv":
            return
        keys = [name.strip() for name in columns.names] + list(COMPUTED)
        if self.options.headers == "zh":
            keys = [ZH_HEADERS.get(key.lower(), key) for key in keys]
        self.output.csv_writer().writerow(keys)

    def _general_row(self, parser: RowParser,
                     columns: Columns) -> Callable[[int, list[str]], None]:
        """The path every row may take: full checks, csv.writer, neutralised cells."""
        writer = csv.writer(self.pieces, lineterminator=self.output.newline)
        validated = {columns.position[name] for name in VALIDATED if name in columns.position}
        free = [index for index in range(columns.width) if index not in validated]
        keys = [name.strip() for name in columns.names]
        jsonl = self.options.fmt == "jsonl"
        id_at = columns.position["id"]

        def general(line: int, row: list[str]) -> None:
            parsed = parser.parse(row)
            if isinstance(parsed, list):
                self.reject(line, row[id_at] if len(row) > id_at else "", parsed, row)
                return
            months, backpay, monthly = self.plan.compute(
                parsed.category, parsed.persons, parsed.income_fen, parsed.start, parsed.end,
                parsed.paid_fen)
            if parsed.id in self.seen:
                self.repeated.add(parsed.id)
            self.seen.add(parsed.id)
            if jsonl:
                record: dict[str, object] = dict(zip(keys, row, strict=True))
                record.update(months=months, backpay=fen_text(backpay),
                              monthly=fen_text(monthly))
                self.pieces.append(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                cells = list(row)
                for index in free:
                    cells[index] = csv_safe(cells[index])
                writer.writerow([*cells, str(months), fen_text(backpay), fen_text(monthly)])
            self.accepted.append(line)
            self.totals[self.code_of[parsed.category]] += backpay

        return general

    def _written_rows(self) -> tuple[StagedText, Iterator[list[str]]]:
        """Re-read the staged output as rows of cells (input columns first)."""
        old = self.output
        written = old.reread()
        if self.options.fmt == "csv":
            reader = csv.reader(written)
            next(reader)  # the header
            return old, reader
        return old, ([str(value) for value in json.loads(text).values()] for text in written)

    def _doubled_lines(self, columns: Columns) -> dict[int, int]:
        """line → another line with the same id and overlapping coverage."""
        spans: dict[str, list[tuple[int, int, int]]] = {}
        id_at = columns.position["id"]
        bounds = columns.position["start"], columns.position["end"]
        _, rows = self._written_rows()
        for position, cells in enumerate(rows):
            ident = cells[id_at].strip()
            if ident in self.repeated:
                first, last = (cells[at].strip() for at in bounds)
                spans.setdefault(ident, []).append((
                    self.accepted[position],
                    Month.parse(first).index if first else OPEN_START,
                    Month.parse(last).index if last else OPEN_END))
        doubled: dict[int, int] = {}
        for rows_of_id in spans.values():
            for number, (line, start, end) in enumerate(rows_of_id):
                for other, other_start, other_end in rows_of_id[:number]:
                    if other_start <= end and start <= other_end:
                        doubled.setdefault(other, line)
                        doubled.setdefault(line, other)
        return doubled

    def _drop_doubled(self, columns: Columns) -> None:
        """Copy the staged output without the rows of doubled ids, reporting each.

        Streams from the first temporary file to a second one, so memory
        stays flat however large the output.
        """
        doubled = self._doubled_lines(columns)
        if not doubled:
            return
        old, rows = self._written_rows()
        fresh = StagedText(old.target, self.options.output_encoding, self.options.excel)
        self.staged[self.staged.index(old)] = fresh
        self.output = fresh
        self.pieces.clear()
        self._header(columns)
        writer = csv.writer(self.pieces, lineterminator=fresh.newline)
        width, id_at = columns.width, columns.position["id"]
        category_at = columns.position["category"]
        keys = [name.strip() for name in columns.names] + list(COMPUTED)
        for position, cells in enumerate(rows):
            line = self.accepted[position]
            if line not in doubled:
                if self.options.fmt == "csv":
                    writer.writerow(cells)
                else:
                    record: dict[str, object] = dict(zip(keys, cells, strict=True))
                    record["months"] = int(cells[width])
                    self.pieces.append(json.dumps(record, ensure_ascii=False) + "\n")
                if len(self.pieces) > 4096:
                    self._flush()
                continue
            self.reject(line, cells[id_at], [Problem(
                "id", f"same id as line {doubled[line]} with overlapping coverage: "
                      "possible double payment")], cells[:width])
            key = calc.resolve_category(self.table, cells[category_at])
            self.totals[self.code_of[key]] -= int(Decimal(cells[width + 1]) * 100)
            self.summary.rows_written -= 1
            self.summary.rows_rejected += 1
        self._flush()
        old.discard()
