"""Batch back-pay: stream a CSV of households into a CSV (or JSON lines) of results.

Guarantees, in the order a finance office would ask for them:

- every input row ends up in exactly one place: the output (in input order)
  or the errors file (with its line number, column and reason); rows read =
  rows written + rows rejected, always;
- the totals in the summary are sums of the fen written, so they reconcile
  exactly with the output column;
- nothing is half-written (:mod:`welfare_calc.batch.write.staging`): an interrupted run
  (Ctrl-C, ``kill``) leaves every target as it was;
- rows sharing an id with overlapping coverage are all rejected, as a
  possible double payment. That can only be known at the end, so rows go to
  a temporary file first and are filtered there in the rare case it is
  needed; memory grows only with the index of ids.

Speed: the input is cut into chunks of whole records, processed by
:mod:`welfare_calc.batch.run.chunks` (column-wise in NumPy for the usual layout)
in worker processes (one per CPU) when there is more than one chunk, and
written back in input order; under ``fork`` chunks and results pass through
shared memory rather than pipes (:mod:`welfare_calc.batch.run.shared_slots`).
Memory is bounded: a few chunks in flight, plus the index of ids (an 8-byte
digest a row).

This module holds the run's course; each concern it drives is a module of its own:
what it is asked and answers (:mod:`~welfare_calc.batch.run.options`,
:mod:`~welfare_calc.batch.run.summary`), the workers
(:mod:`~welfare_calc.batch.run.workers`), the files staged
(:mod:`~welfare_calc.batch.run.staged_files`), the output and its header
(:mod:`~welfare_calc.batch.run.output_file`), the errors file
(:mod:`~welfare_calc.batch.run.errors_file`), the counts
(:mod:`~welfare_calc.batch.run.tallies`), the ledger and the doubled-id search
(:mod:`~welfare_calc.batch.run.ledger`), and the documents
(:mod:`~welfare_calc.batch.run.run_documents`).
"""

from __future__ import annotations

import json
import signal
import sys
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import replace
from types import FrameType
from typing import BinaryIO

from welfare_calc.batch.input.reading import Job, Records, csv_records, undecodable
from welfare_calc.batch.rows import groups
from welfare_calc.batch.rows.parsing import (
    YES_NO,
    Columns,
    RowParser,
    RowProblem,
    read_header,
    roster_language,
)
from welfare_calc.batch.run.chunks import ChunkProcessor
from welfare_calc.batch.run.errors_file import ErrorsFile, row_at, unencodable
from welfare_calc.batch.run.ledger import Ledger
from welfare_calc.batch.run.options import BatchOptions, Chunkwise, RowsNeeded, Side
from welfare_calc.batch.run.output_file import OutputFile
from welfare_calc.batch.run.run_documents import RunDocuments, printed
from welfare_calc.batch.run.signals import STOP_SIGNALS
from welfare_calc.batch.run.staged_files import StagedFiles
from welfare_calc.batch.run.summary import Summary
from welfare_calc.batch.run.tallies import Tallies
from welfare_calc.batch.run.workers import cpus, results
from welfare_calc.batch.write.documents import HashingReader, RunStamp, label_taken
from welfare_calc.batch.write.files import BatchFiles
from welfare_calc.batch.write.staging import commit_all
from welfare_calc.batch.write.targets import locked
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.errors import Interrupted, UnusableInput
from welfare_calc.core.table import StandardsTable
from welfare_calc.core.words import _

__all__ = ["BatchFiles", "BatchOptions", "Summary", "run_batch"]
"""The run's entry: what callers (the CLI, the page, a monthly payroll) import from here.
:class:`BatchFiles` lives with the file policy (:mod:`welfare_calc.batch.write.files`),
:class:`BatchOptions` and :class:`Summary` in modules of their own; all are handed on
from here."""


def run_batch(table: StandardsTable, plan: BackpayEngine, source: BinaryIO | Records,
              files: BatchFiles, options: BatchOptions,
              progress: Callable[[int, int], None] | None = None,
              workers: int | None = None,
              writing: Callable[[int], None] | None = None) -> Summary:
    """Process a whole input; its files appear together, or none does.

    On :class:`UnusableInput`, :class:`~welfare_calc.batch.write.staging.TargetError`
    or an interruption, no file is replaced and no temporary file is left.
    ``workers``: processes to use (default: one per CPU; 1 for none).
    ``writing``: told the rows written so far while a workbook is written.
    """
    staged = StagedFiles(options)
    handled = (signal.SIGINT, *STOP_SIGNALS)
    previous = {signum: signal.getsignal(signum) for signum in handled}
    committing = False

    def on_stop(_signum: int, _frame: FrameType | None) -> None:
        # Once the renames have begun, they finish (or are undone) as one:
        # a signal then lets them, and the set is whole either way.
        if not committing:
            raise Interrupted

    for signum in handled:
        signal.signal(signum, on_stop)
    try:
        with locked(files.paths()):
            run = _BatchRun(table, plan, files, options, staged)
            # The printed stamp's input digest: of the bytes read, as they are read.
            reading = (HashingReader(source) if options.stamp is not None
                       and not isinstance(source, Records) else None)
            try:
                records = (source if isinstance(source, Records)
                           else csv_records(reading or source, options.encoding))
                summary = run.execute(records, progress, workers or cpus())
            finally:
                run.ledger.close()
            stamp = options.stamp
            if reading is not None and stamp is not None:
                stamp = replace(stamp, input_sha256=reading.hexdigest())
            documents = run.documents(stamp)
            if options.fmt == "xlsx":
                documents.write_workbook(summary, writing)
            if options.fmt == "publicity":
                documents.write_publicity(summary)
            if options.fmt == "documents":
                documents.write_documents(summary)
            # (documents write summaries of their own, from what they count)
            if files.summary_csv is not None and options.fmt != "documents":
                documents.write_fund_csv(files.summary_csv)
            if files.summary is not None and options.fmt != "documents":
                report = staged.stage(files.summary, raw=True)
                report.text.write(json.dumps(summary.as_json(), ensure_ascii=False, indent=2)
                                  + "\n")
            if run.errors.file.stream == "stderr" and not summary.rows_rejected:
                staged.discard(run.errors.file)  # nothing to say on stderr
            committing = True
            commit_all(staged.files, {"stdout": sys.stdout.buffer, "stderr": sys.stderr.buffer})
            return summary
    finally:
        staged.discard_all()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class _BatchRun:
    """One pass over the input, then the rare second pass for the rows it rejects at the
    end (a doubled id; a locality that reads as a total)."""

    def __init__(self, table: StandardsTable, plan: BackpayEngine, files: BatchFiles,
                 options: BatchOptions, staged: StagedFiles) -> None:
        self.table = table
        self.plan = plan
        self.options = options
        self.files = files
        self.staged = staged
        self.keys = list(table.categories)
        self.summary = Summary(through=str(plan.through), rounding=str(plan.point))
        self.tallies = Tallies(self.keys)
        self.output = OutputFile(staged, options, files.output)
        # A workbook's rejected rows go to a sheet of its own, from a spool; an errors
        # file named beside it is made from the spool too.
        self.errors = ErrorsFile(
            staged.stage("spool" if options.fmt == "xlsx" else files.errors_target()),
            options.excel, options.output_encoding)
        self.ledger = Ledger()  # (run_batch closes it)
        self.columns: Columns | None = None
        self.printed: list[bool] = []
        """Which of the output's columns the printed 补发名册 shows (a workbook's)."""
        self.households: array[int] | None = None
        """A 公示 list's: each row kept's household as read (:meth:`Ledger.households`)."""
        self.side: Side | None = None
        """With a :class:`Chunkwise` documents maker: what it makes of a chunk's rows."""
        self.keeps_rows = True
        """Whether the output spool holds every row written (:attr:`BatchOptions.keep_rows`,
        for a :class:`Chunkwise` maker; any other reads them)."""

    def execute(self, records: Records, progress: Callable[[int, int], None] | None,
                workers: int) -> Summary:
        """Read everything, write every row to the output or the errors."""
        encoding = records.encoding
        options, tallies = self.options, self.tallies
        self.summary.sheet = records.sheet
        self.summary.merged_ranges = records.merged_ranges
        self.errors.start(records.sheet)
        columns = read_header(records.header, records.where_header, options.columns)
        self.columns = columns
        self.output.language = language = options.headers or roster_language(columns)
        if options.fmt == "xlsx":
            self.printed = printed(options, columns, language)
        tallies.group_at = (groups.positions(columns.names, options.group_by,
                                             records.where_header)
                            if options.group_by else ())
        chosen = options.publicity
        if chosen is not None and tallies.group_at:  # (a 公示 list's titles are its groups)
            from welfare_calc.batch.write import publicity  # noqa: PLC0415 - a list's only

            publicity.refuse_private_columns(
                columns.names, options.group_by, columns.position["id"],
                publicity.name_position(columns.names, chosen.name_column))
        self.output.write_header(columns)
        self.output.file.text.flush()
        side = None
        if options.fmt == "documents" and isinstance(options.documents, Chunkwise):
            side = self.side = options.documents.chunkwise(
                [*columns.keys, *columns.computed], [name.strip() for name in columns.names],
                self.output.file.newline, tallies.group_at, self.staged.for_documents)
        self.keeps_rows = options.keep_rows or side is None
        processor = ChunkProcessor(
            parser=RowParser(self.table, columns), plan=self.plan, columns=columns,
            categories=self.keys, encoding=encoding,
            output_encoding=self.output.file.encoding, newline=self.output.file.newline,
            jsonl=options.fmt == "jsonl", neutralise=options.neutralise,
            text_marks=options.text_marks,
            words=YES_NO["en" if options.fmt == "jsonl" else language],
            group_at=tallies.group_at, side=side, keep_rows=self.keeps_rows)
        done: deque[int] = deque()

        def jobs() -> Iterator[Job]:
            for job, reached in records.jobs:
                done.append(reached)
                yield job

        try:
            for result in results(processor, jobs(), workers):
                if result.undecodable_line is not None:
                    raise undecodable(result.undecodable_line, records.read_as or encoding,
                                      found=records.found)
                if result.unencodable is not None:
                    raise UnusableInput(result.unencodable)
                # One chunk's results put in place, in input order.
                self.output.file.binary.write(result.output)
                if side is not None:  # (told as the run goes, in order)
                    assert isinstance(options.documents, Chunkwise)
                    options.documents.take(result.side)
                for line, ident, problems, row in result.rejections:
                    self.errors.reject(line, ident, problems, row)
                self.ledger.add(result)
                tallies.add(result)
                self.summary.rows_read += result.rows_read
                reached = done.popleft()
                if progress is not None:
                    progress(self.summary.rows_read, reached)
        except UnicodeEncodeError as error:
            raise unencodable(_("a value cannot be written"), options.output_encoding,
                              error) from None
        summary = self.summary
        summary.encoding = records.read_as  # (known now that every chunk is read)
        summary.rows_written = self.ledger.written
        summary.rows_rejected = summary.rows_read - summary.rows_written
        self._reject_at_the_end(columns)
        summary.by_category = tallies.by_category(tallies.totals)
        summary.overpaid_by_category = tallies.by_category(tallies.overpaid)
        summary.newly_by_category = tallies.by_category(tallies.newly)
        summary.households_by_category = tallies.by_category(tallies.households)
        summary.persons_by_category = tallies.by_category(tallies.persons)
        if tallies.group_at:
            summary.groups = tallies.group_figures()
        return summary

    def _reject_at_the_end(self, columns: Columns) -> None:
        """The rows only the whole run shows to be wrong, taken out of the output and
        every count, and reported: rows that pay one id twice, and the rows of a
        locality named as the documents label their total rows."""
        doubled, partners = self.ledger.doubled(self._kept_rows, columns.position["id"])
        drops = {position: RowProblem(
            "id", _("same id as {where} with overlapping coverage: possible double "
                    "payment").format(where=row_at(partner, self.errors.sheet)))
            for position, partner in zip(doubled.tolist(), partners.tolist(), strict=True)}
        taken = [key for key in self.tallies.groups
                 if any(part is not None and label_taken(part) for part in key)]
        if taken and not self.keeps_rows:
            raise RowsNeeded
        if taken:
            drops.update(self._named_as_totals(columns, taken, drops))
        if drops:
            width, id_at = columns.width, columns.position["id"]

            def dropped(position: int, cells: list[str]) -> None:
                line, code, newly, persons, net = self.ledger.entry(position)
                self.errors.reject(line, cells[id_at], [drops[position]], cells[:width])
                self.tallies.take_back(cells, code, newly, persons, net)
                self.summary.rows_written -= 1
                self.summary.rows_rejected += 1

            self.output.rewrite_without(columns, drops, dropped)
        self.tallies.settle(taken)
        if self.options.publicity is not None or (drops and self.side is not None):
            self.households = self.ledger.households(drops)

    def _kept_rows(self) -> Iterator[list[str]]:
        """The rows written, from the output spool; :class:`RowsNeeded` if it holds only
        some (the ledger asks only when ids are shared by rows whose coverage overlaps)."""
        if not self.keeps_rows:
            raise RowsNeeded
        return self.output.rows()

    def _named_as_totals(self, columns: Columns, taken: list[groups.Key],
                         dropped: dict[int, RowProblem]) -> dict[int, RowProblem]:
        """The rows (output positions) of the groups named as the documents label their
        total rows (:func:`~welfare_calc.batch.write.documents.label_taken`), with why: the
        locality that reads 合计, 小计, 总计 or 未填属地. Rows already dropped are left."""
        found: dict[int, RowProblem] = {}
        wanted = set(taken)
        names = columns.names
        group_at = self.tallies.group_at
        for position, cells in enumerate(self.output.rows()):
            if position in dropped or groups.key_of(cells, group_at) not in wanted:
                continue
            for index, count in group_at:
                value = cells[index].strip()[:count]
                if value and label_taken(value):
                    column = names[index].strip()
                    found[position] = RowProblem(column, _(
                        "{column} reads {value!r}, a label the 资金汇总 and the 补发名册 "
                        "give rows of their own (合计, 小计, 总计, 未填属地): a total row of "
                        "the roster is no household, so delete it; a place must be named "
                        "otherwise, or its row would read as the total").format(
                        column=column, value=value))
                    break
        return found

    def documents(self, stamp: RunStamp | None) -> RunDocuments:
        """The finished run's documents, to be written from its spools."""
        assert self.columns is not None, "documents come after the run"
        return RunDocuments(self.table, self.plan, self.options, self.files, self.staged,
                            self.output, self.errors, self.tallies, self.columns, stamp,
                            self.printed, self.households, self.side, self.keeps_rows)
