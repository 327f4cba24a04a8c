"""The documents of a finished run, written from its spools: the workbook (the 补发名册,
the 资金汇总 and the reconciliation), the 公示 list, the 资金汇总 as CSV, and a
workbook's errors file.

Each is staged with the run's other files (:mod:`welfare_calc.batch.run.staged_files`)
and appears with them or not at all; the spool it is written from is then discarded.
The layouts are :mod:`welfare_calc.batch.write`'s; what is said here is which figures
of this run go where.
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Literal

from welfare_calc.batch.input.encodings import display_name
from welfare_calc.batch.rows import groups
from welfare_calc.batch.rows.parsing import ZH_HEADERS, Columns
from welfare_calc.batch.run.chunk_result import LEDGER_WORDS, from_ledger_code
from welfare_calc.batch.run.errors_file import ErrorsFile, as_is_marked, unencodable
from welfare_calc.batch.run.options import BatchOptions, Side, Written
from welfare_calc.batch.run.output_file import OutputFile
from welfare_calc.batch.run.staged_files import StagedFiles
from welfare_calc.batch.run.summary import Summary
from welfare_calc.batch.run.tallies import Tallies
from welfare_calc.batch.write.documents import (
    SUBTOTAL,
    TOTAL,
    FundTable,
    RunStamp,
    basis_text,
    date_text,
    due_text,
    fund_table,
    group_label,
    issued_text,
    number_column,
    period_text,
    printed_columns,
)
from welfare_calc.batch.write.files import BatchFiles
from welfare_calc.batch.write.staging import (
    Destination,
    scratch_beside,
)
from welfare_calc.core.engine import BackpayEngine, MonthPlan, fen_text
from welfare_calc.core.errors import BadOption, UnusableInput
from welfare_calc.core.table import StandardsTable
from welfare_calc.core.words import _
from welfare_calc.output.text import csv_safe, kept_as_text


def printed(options: BatchOptions, columns: Columns, language: Literal["en", "zh"]
            ) -> list[bool]:
    """Which columns the printed 补发名册 shows (``--print-column``, else those an office
    files); a name that is no column is refused before a row is read."""
    from welfare_calc.batch.write.workbook import chinese_names  # noqa: PLC0415 - XlsxWriter

    computed = set(columns.computed)
    keys = [*columns.keys, *columns.computed]
    names = (chinese_names(columns.output_keys) if language == "zh"
             else columns.output_keys)  # (as the sheet heads them)
    try:
        return printed_columns(keys, names, [key in computed for key in keys],
                               [header for header, _ in options.group_by],
                               options.printed,
                               [ZH_HEADERS.get(key, "") for key in keys])
    except BadOption as error:
        raise UnusableInput(str(error)) from None


def grouped(spool: IO[bytes], group_at: tuple[tuple[int, int | None], ...],
            positions: dict[groups.Key, array[int]] | None = None
            ) -> list[tuple[groups.Key, Iterator[list[str]]]]:
    """The rows of a spool (UTF-8 CSV, its header first) group by group, in the order
    groups first appear (a town's villages together: :func:`groups.nested`), each
    group's rows in their own order; ``positions``, if given, is told each group's
    rows' positions in the spool (from 0).

    A roster need not be sorted by town. The spool is read once to find where
    each row begins (8 bytes a row kept, whatever the rows hold), then each
    group's rows are read back from there: memory stays flat, and a row with a
    line break inside a quoted cell is read whole.
    """
    spool.seek(0)
    at = 0
    starts: list[int] = []

    def lines() -> Iterator[str]:
        nonlocal at
        for line in spool:
            starts.append(at)
            at += len(line)
            yield line.decode("utf-8")

    where: dict[groups.Key, array[int]] = {}
    reader = csv.reader(lines())
    next(reader, None)  # the header
    pulled = len(starts)
    for position, cells in enumerate(reader):
        key = groups.key_of(cells, group_at)
        where.setdefault(key, array("q")).append(starts[pulled])
        pulled = len(starts)
        if positions is not None:
            positions.setdefault(key, array("q")).append(position)
    starts.clear()

    def members(offsets: array[int]) -> Iterator[list[str]]:
        for offset in offsets:
            spool.seek(offset)
            yield next(csv.reader(line.decode("utf-8") for line in spool))

    return [(key, members(where[key])) for key in groups.nested(where)]


@dataclass
class RunDocuments:
    """A finished run's figures and spools, and the documents written from them."""

    table: StandardsTable
    plan: BackpayEngine
    options: BatchOptions
    files: BatchFiles
    staged: StagedFiles
    output: OutputFile
    errors: ErrorsFile
    tallies: Tallies
    columns: Columns
    stamp: RunStamp | None
    """The run stamp printed on the documents, the input's digest in it."""
    printed: list[bool]
    """Which of the output's columns the printed 补发名册 shows (a workbook's)."""
    households: array[int] | None = None
    """A 公示 list's: each row's household as the run read it, in output order
    (:meth:`~welfare_calc.batch.run.ledger.Ledger.households`)."""
    side: Side | None = None
    """What a :class:`~welfare_calc.batch.run.options.Chunkwise` documents maker makes of
    a chunk's rows (it made them in the workers, chunk by chunk)."""
    keeps_rows: bool = True
    """Whether the output spool holds every row written (else the maker is given none:
    :attr:`~welfare_calc.batch.run.options.BatchOptions.keep_rows`)."""

    def _again(self) -> Iterator[bytes]:
        """What the documents maker makes of the rows kept, made again here from the
        run's spool, rows rejected at the end gone, a block of rows at a time."""
        side, households = self.side, self.households
        assert side is not None, "made again by the maker that made them"
        assert households is not None, "the rows kept's households, as the run read them"
        first = 0
        for data, count in self.output.blocks():
            ledger = array("q", bytes(8 * LEDGER_WORDS * count))
            ledger[2::LEDGER_WORDS] = households[first:first + count]
            first += count
            yield side(data, ledger.tobytes())

    def fund(self) -> FundTable:
        """The 资金汇总 of this run: a row per group (with --group-by), and the 合计."""
        tallies = self.tallies
        return fund_table([header for header, _ in self.options.group_by],
                          [self.table.categories[key].short_zh for key in tallies.keys],
                          tallies.groups if tallies.group_at else None,
                          tallies.total_tally())

    def write_fund_csv(self, target: Destination) -> None:
        """``--summary-csv``: the 资金汇总 as CSV, its cells neutralised as every CSV's are
        (a locality is roster text)."""
        fund = self.fund()
        self._neutralised(target, [fund.header, *fund.rows, fund.total],
                          lambda _number: _("--summary-csv: a value cannot be written"))

    def _neutralised(self, target: Destination, rows: Iterable[list[str]],
                     said: Callable[[int], str]) -> None:
        """CSV rows into a staged file, every cell neutralised (and for Excel, digits it
        would change kept as text); a cell the output encoding cannot hold is one line
        (``said``, from the row's number, tells where)."""
        writer = self.staged.stage(target).csv_writer()
        mark = kept_as_text if self.options.excel else as_is_marked
        for number, cells in enumerate(rows, 1):
            try:
                writer.writerow([mark(csv_safe(cell)) for cell in cells])
            except UnicodeEncodeError as error:
                raise unencodable(said(number), self.options.output_encoding,
                                  error) from None

    def _roster_lines(self, rows: Iterator[list[str]]) -> Iterator[tuple[str, list[str]]]:
        """The 补发名册's lines: each row, then the 合计; with --group-by, group by group
        (in the order groups first appear, a town's villages together), each closed by its
        小计. The roster's 序号 column numbers the rows printed, from 1 in each group: the
        roster's own numbers (1, 4, 7 … of a town, in a county's roster) say nothing on a
        town's pages (they stay in the roster, and in a CSV output)."""
        keys = [*self.columns.keys, *self.columns.computed]
        width = len(self.columns.output_keys)
        number_at = number_column(self.columns.names)
        tallies = self.tallies

        def numbered(members: Iterable[list[str]]) -> Iterator[tuple[str, list[str]]]:
            for number, cells in enumerate(members, 1):
                if number_at is not None:
                    cells[number_at] = str(number)
                yield "row", cells

        def closing(label: str, tally: groups.Tally) -> list[str]:
            households, persons, backpay, overpaid, _ = (
                sum(column) for column in zip(*tally, strict=True))
            cells = [""] * width
            cells[0] = f"{label}（{households}户）"
            for key, value in (("persons", str(persons)), ("backpay", fen_text(backpay)),
                               ("overpaid", fen_text(overpaid))):
                if key in keys:
                    cells[keys.index(key)] = value
            return cells

        if tallies.group_at:
            self.output.file.text.flush()
            for key, members in grouped(self.output.file.binary, tallies.group_at):
                yield from numbered(members)
                yield "subtotal", closing(f"{SUBTOTAL}：{group_label(key)}",
                                          tallies.groups[key])
        else:
            yield from numbered(rows)
        yield "total", closing(TOTAL, tallies.total_tally())

    def _made(self) -> str:
        """The date printed on this run's documents (``made``, else today)."""
        return date_text(self.options.made or date.today())

    def write_publicity(self, summary: Summary) -> None:
        """The 公示 list of this run (:mod:`welfare_calc.batch.write.publicity`): one list per
        group (with --group-by), as a workbook or CSV, staged in place of the spool."""
        from welfare_calc.batch.write import publicity  # noqa: PLC0415 - XlsxWriter

        chosen = self.options.publicity
        target = self.files.output
        assert chosen is not None, "a list has its options"
        names = self.columns.names
        households = self.households
        assert households is not None, "a list's run keeps its households"
        # What the list takes of each row is the month's: its run is the month's alone.
        assert isinstance(self.plan, MonthPlan), "a 公示 list's run is its month's alone"
        assert self.plan.through == chosen.month, "a 公示 list's run is of its month"
        lister = publicity.Lister(self.table, [*self.columns.keys, *self.columns.computed],
                                  publicity.name_position(names, chosen.name_column), chosen)
        spool, rows = self.output.file, self.output.rows()
        spool.text.flush()
        group_at = self.tallies.group_at

        def row(position: int, cells: list[str]) -> publicity.Row:
            # Each row with its household as the run read it: the list reads no row again.
            category, _newly, persons = from_ledger_code(households[position])
            return publicity.Row(cells, category, persons)

        listed: list[tuple[groups.Key | None, Iterator[publicity.Row]]] = [
            (None, (row(position, cells) for position, cells in enumerate(rows)))]
        if group_at:
            at: dict[groups.Key, array[int]] = {}
            listed = [(key, (row(position, cells)
                             for position, cells in zip(at[key], members, strict=True)))
                      for key, members in grouped(spool.binary, group_at, at)]
        publicity.refuse_private_groups(self.options.group_by, (key for key, _ in listed))
        where = target.name if isinstance(target, Path) else str(target)
        if isinstance(target, Path) and target.suffix.lower() == ".xlsx":
            book = self.staged.stage(target, raw=True)
            publicity.write_workbook(book.binary, lister, listed, self._made(), where)
        else:
            text = self.staged.stage(target)
            publicity.write_csv(text.csv_writer(), lister,
                                [header for header, _ in self.options.group_by], listed, where)
        summary.rows_left_out = lister.left_out
        self.staged.discard(spool)

    def write_documents(self, summary: Summary) -> None:
        """The documents :attr:`BatchOptions.documents` makes of the rows written, staged
        in place of the spool (:class:`~welfare_calc.batch.run.options.Written`)."""
        make = self.options.documents
        assert make is not None, "documents have their maker"
        spool, rows = self.output.file, self.output.rows()
        spool.text.flush()
        group_at = self.tallies.group_at
        listed: list[tuple[groups.Key | None, Iterator[list[str]]]] = (
            [] if not self.keeps_rows else
            list(grouped(spool.binary, group_at)) if group_at else [(None, rows)])
        make(Written(keys=[*self.columns.keys, *self.columns.computed],
                     names=[name.strip() for name in self.columns.names], groups=listed,
                     stage=self.staged.for_documents, made=self._made(), stamp=self.stamp,
                     sheet=self.errors.sheet,
                     encoding=self.options.output_encoding, summary=summary,
                     again=self._again if self.side is not None and self.households is not None
                     else None))
        self.staged.discard(spool)

    def write_workbook(self, summary: Summary,
                       progress: Callable[[int], None] | None) -> None:
        """The workbook of this run (:mod:`welfare_calc.batch.write.workbook`), staged
        in place of the CSV it is written from; the rejected rows on a sheet of their own."""
        from welfare_calc.batch.write.workbook import (  # noqa: PLC0415 - XlsxWriter
            PrintLayout,
            SummaryLine,
            chinese_names,
            write_workbook,
        )

        target = self.files.output
        assert isinstance(target, Path), "a workbook is a file"
        book = self.staged.stage(target, raw=True)
        spool, rows = self.output.file, self.output.rows()
        header = self.columns.output_keys
        names = chinese_names(header) if self.output.language == "zh" else header
        keys = [*self.columns.keys, *self.columns.computed]
        errors = self.errors.file
        rejected = (csv.reader(errors.reread()) if summary.rows_rejected else None)
        about = list(self.options.about)
        if self.errors.sheet is not None:
            about.insert(1, ("工作表", "sheet", self.errors.sheet))
        if summary.encoding is not None:
            about.insert(1, ("文件编码", "encoding", display_name(summary.encoding)))
        if summary.merged_ranges is not None:
            about.insert(2, ("读取的合并单元格区域", "merged ranges read",
                             str(summary.merged_ranges)))
        # The raise's notice (issue 28): its issue date and deadline under its number.
        document = self.table.document(self.plan.raised.document)
        cited = next((at + 1 for at, (zh, _en, _value) in enumerate(about)
                      if zh == "标准文件"), len(about))
        about[cited:cited] = [("印发日期", "issued", issued_text(document)),
                              ("增补发放期限", "back-pay due", due_text(document))]
        lines = [SummaryLine(*line) for line in about] + [
            SummaryLine("增补起始月份", "back-pay from", str(self.plan.window_start)),
            SummaryLine("增补截至月份", "back-pay through", summary.through),
            SummaryLine("读取行数", "rows read", str(summary.rows_read)),
            SummaryLine("写入行数", "rows written", str(summary.rows_written)),
            SummaryLine("拒绝行数", "rows rejected", str(summary.rows_rejected)),
            SummaryLine("舍入方式", "rounding", summary.rounding),
            SummaryLine("增补合计（元）", "back-pay total (yuan)", fen_text(summary.backpay_fen)),
            SummaryLine("多发合计（元，未抵减）", "overpaid total (yuan, not netted)",
                        fen_text(summary.overpaid_fen)),
        ]
        period = period_text(self.plan.window_start, self.plan.through)
        layout = PrintLayout(
            roster_title=f"{period}提标增补名册", fund_title=f"{period}提标增补资金汇总表",
            office=self.options.office,
            made=self._made(),
            stamp=self.stamp or RunStamp("", "", None),
            basis=basis_text(document), printed=self.printed)
        with scratch_beside(target) as scratch:
            write_workbook(book.binary, keys, names, self._roster_lines(rows), self.fund(),
                           lines, rejected, progress, layout=layout,
                           chinese=self.output.language == "zh", scratch=scratch)
        if self.files.errors is not None:
            self._errors_beside(self.files.errors)
        for file in (spool, errors):
            self.staged.discard(file)

    def _errors_beside(self, target: Destination) -> None:
        """The errors file a workbook's run was asked for, from its spool, neutralised
        as every CSV file is."""
        self._neutralised(target, csv.reader(self.errors.file.reread()),
                          lambda number: _("line {line} of the errors file cannot be written"
                                           ).format(line=number))
