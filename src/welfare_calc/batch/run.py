"""Batch back-pay: stream a CSV of households into a CSV (or JSON lines) of results.

Guarantees, in the order a finance office would ask for them:

- every input row ends up in exactly one place: the output (in input order)
  or the errors file (with its line number, column and reason); rows read =
  rows written + rows rejected, always;
- the totals in the summary are sums of the fen written, so they reconcile
  exactly with the output column;
- nothing is half-written (:mod:`welfare_calc.batch.staging`): an interrupted run
  (Ctrl-C, ``kill``) leaves every target as it was;
- rows sharing an id with overlapping coverage are all rejected, as a
  possible double payment. That can only be known at the end, so rows go to
  a temporary file first and are filtered there in the rare case it is
  needed; memory grows only with the index of ids.

Speed: the input is cut into chunks of whole records, processed by
:mod:`welfare_calc.batch.chunks` (column-wise in NumPy for the usual layout)
in worker processes (one per CPU) when there is more than one chunk, and
written back in input order; under ``fork`` chunks and results pass through
shared memory rather than pipes (:mod:`welfare_calc.batch.shared_slots`).
Memory is bounded: a few chunks in flight, plus the index of ids (an 8-byte
digest a row).
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import itertools
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, BinaryIO, Literal, Protocol

from welfare_calc.batch import groups
from welfare_calc.batch.chunks import (
    LEDGER_WORDS,
    ChunkProcessor,
    ChunkResult,
    from_ledger_code,
    join_amount,
)
from welfare_calc.batch.documents import (
    SUBTOTAL,
    TOTAL,
    FundTable,
    HashingReader,
    RunStamp,
    basis_text,
    date_text,
    due_text,
    fund_table,
    group_label,
    issued_text,
    label_taken,
    number_column,
    period_text,
    printed_columns,
)
from welfare_calc.batch.encodings import cannot_encode, display_name, is_utf8
from welfare_calc.batch.ids import overlapping, repeated_positions, written_id
from welfare_calc.batch.reading import Job, Records, csv_records, line_at, undecodable
from welfare_calc.batch.rows import (
    YES_NO,
    ZH_HEADERS,
    Columns,
    Mapping,
    RowParser,
    RowProblem,
    json_line,
    read_header,
    roster_language,
)
from welfare_calc.batch.shared_slots import InSlot, SharedSlots
from welfare_calc.batch.staging import (
    PARTIAL,
    Destination,
    StagedText,
    commit_all,
    describe,
    temp_prefix,
)
from welfare_calc.batch.targets import locked
from welfare_calc.core.engine import BackpayEngine, fen_text
from welfare_calc.core.errors import BadOption, Interrupted, TargetError, UnusableInput
from welfare_calc.core.households import category_label
from welfare_calc.core.table import StandardsTable
from welfare_calc.core.words import _, ngettext
from welfare_calc.output.formats import Lang
from welfare_calc.output.language import in_use, speak
from welfare_calc.output.text import CsvRows, csv_safe, kept_as_text

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from welfare_calc.batch.publicity import PublicityOptions

ERROR_COLUMNS = ("line", "id", "column", "reason", "row")



@dataclass(frozen=True)
class BatchOptions:
    """How to read and write; everything a run needs besides its files."""

    encoding: str | None = None
    """A CSV input's encoding; None: UTF-8 or GB18030, found from its bytes
    (:func:`~welfare_calc.batch.reading.found_encoding`)."""
    output_encoding: str = "utf-8"
    excel: bool = False
    headers: Literal["en", "zh"] | None = "en"
    """The computed columns' names and yes/no words: English, Chinese, or (None) the
    roster's own language (:func:`~welfare_calc.batch.rows.roster_language`)."""
    fmt: Literal["csv", "jsonl", "xlsx", "publicity", "documents"] = "csv"
    """The output: CSV, JSON lines, a workbook, (``publicity``) a 公示 list, or
    (``documents``) what :attr:`documents` makes of the rows written."""
    publicity: PublicityOptions | None = None
    """For a 公示 list: what it shows (:mod:`welfare_calc.batch.publicity`)."""
    documents: Callable[[Written], None] | None = None
    """For ``fmt="documents"``: a command's own documents made from the rows the batch
    wrote (the month's payroll, :mod:`welfare_calc.payroll.detail`), staged with the run's
    other files (:class:`Written`)."""
    columns: Mapping = ()
    """``--column KEY=HEADER`` choices."""
    group_by: groups.GroupBy = ()
    """``--group-by`` levels: totals by locality (:mod:`welfare_calc.batch.groups`)."""
    about: tuple[tuple[str, str, str], ...] = ()
    """For a workbook's reconciliation sheet: lines (Chinese label, English label,
    value) that say where the figures come from (input, standards, version)."""
    office: str | None = None
    """``--office``: the 制表单位 printed on the documents."""
    made: date | None = None
    """The date printed on the documents (None: today)."""
    stamp: RunStamp | None = None
    """The program version and the standards table's digest, for the printed stamp (the
    input's digest is the run's own, of the bytes it read)."""
    printed: tuple[str, ...] = ()
    """``--print-column``: the columns the printed 补发名册 shows (none given: those an
    office files, :func:`~welfare_calc.batch.documents.printed_by_default`)."""

    @property
    def text_marks(self) -> bool:
        """Whether the CSV output keeps cells of digits that a spreadsheet would change as
        text (:func:`~welfare_calc.output.text.kept_as_text`): CSV for Excel only; a
        script's CSV and JSON lines are left as the roster gave them."""
        return self.excel and self.fmt == "csv"

    @property
    def neutralise(self) -> bool:
        """Whether text cells that start like a formula are neutralised (CSV output,
        which a spreadsheet would run); a workbook's text cells never run."""
        return self.fmt not in ("xlsx", "publicity", "documents")


class Stage(Protocol):
    """Stages a target with a run's files (:attr:`Written.stage`)."""

    def __call__(self, target: Destination, text: bool, encoding: str | None = None
                 ) -> StagedText: ...


@dataclass(frozen=True)
class Written:
    """The rows a run wrote, handed to :attr:`BatchOptions.documents` once every row is
    read and checked (rows sharing an id with overlapping coverage already rejected), and
    before anything is put in place: what it stages is committed with the run's other
    files, or none is."""

    keys: list[str]
    """Each written cell's key: our column (``id``, ``persons`` …) for a column the batch
    reads, the header for a column carried through, then the computed ones
    (``months``, ``monthly`` …, :attr:`~welfare_calc.batch.rows.Columns.computed`)."""
    names: list[str]
    """The roster's header cells (stripped), for the columns carried through."""
    groups: list[tuple[groups.Key | None, Iterator[list[str]]]]
    """The rows, group by group in the order groups first appear (``--group-by``), each
    group's rows in input order; one group, keyed None, without ``--group-by``. Read
    once, in this order."""
    stage: Stage
    """A target staged with the run's files: ``stage(target, text)`` gives the file to
    write; ``text``: CSV in the output's encoding and line ending (``--excel``: a BOM and
    CRLF; its ``csv_writer()``), else bytes as given (a workbook: its ``binary``), or
    text in ``encoding`` when one is given (a bank file in its layout's)."""
    made: str
    """The date printed on the documents."""
    stamp: RunStamp | None
    """The run stamp printed on them (the input's digest included)."""
    sheet: str | None
    """The workbook sheet read (None for CSV)."""
    encoding: str
    """The output's encoding (``--output-encoding``), which a text file is written in."""
    summary: Summary
    """The run's reconciliation so far: rows read, written and rejected."""


@dataclass(frozen=True)
class BatchFiles:
    """Where a run writes: files, or ``"stdout"`` / ``"stderr"``.

    :func:`welfare_calc.batch.targets.check_distinct` has made sure that no two
    are one file and none is the input.
    """

    output: Destination
    errors: Destination | None = None
    """None: beside the output (``OUTPUT.errors.csv``), or stderr when the output is stdout."""
    summary: Destination | None = None
    summary_csv: Destination | None = None
    """``--summary-csv``: the 资金汇总 table as CSV, for offices without the workbook."""
    workbook: bool = False
    """The output is a workbook, which holds the rejected rows on a sheet of its own."""
    others: tuple[Path, ...] = ()
    """Files the run's documents write besides these (the payroll's bank file), locked
    with them for the run."""

    def errors_target(self) -> Destination:
        """The errors file: as given, else beside the output, else stderr; a
        workbook's rejected rows go to its own sheet (from a spool)."""
        if self.errors is not None:
            return self.errors
        if self.workbook:
            return "spool"
        if isinstance(self.output, Path):
            return self.output.with_name(self.output.name + ".errors.csv")
        return "stderr"

    def paths(self) -> list[Path]:
        """The files (not streams) a run writes."""
        return [*(where for where in (self.output, self.errors_target(), self.summary,
                                      self.summary_csv) if isinstance(where, Path)),
                *self.others]


@dataclass
class Summary:
    """The reconciliation of a run: read = written + rejected; totals in fen."""

    through: str
    rows_read: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    overpaid_by_category: dict[str, int] = field(default_factory=dict)
    """What rows paid beyond what is due, in fen: never netted into the back-pay."""
    rounding: str = ""
    """Where amounts were rounded (docs/rules.md rule 5): household-month or total."""
    newly_by_category: dict[str, int] = field(default_factory=dict)
    """Rows written that the raise makes newly eligible (应保尽保), by category."""
    households_by_category: dict[str, int] = field(default_factory=dict)
    """Rows written (户数), by category."""
    persons_by_category: dict[str, int] = field(default_factory=dict)
    """Covered persons of the rows written (人数), by category."""
    sheet: str | None = None
    """The workbook sheet read (None for CSV): the one a clerk sees, unless --sheet."""
    encoding: str | None = None
    """The encoding a CSV input was read in (None for a workbook): the one ``--encoding``
    gave, or the one found from its bytes (UTF-8 or GB18030)."""
    merged_ranges: int | None = None
    """The sheet's merged ranges read, each cell as the range's value (None for CSV)."""
    groups: list[dict[str, object]] | None = None
    """With ``--group-by``: each group's figures, in the order groups first appear (a town's
    villages together)."""
    rows_left_out: int = 0
    """A 公示 list's rows written but not listed (not covered that month, nothing due)."""

    @property
    def backpay_fen(self) -> int:
        """Total back-pay written, in fen: what finance pays out."""
        return sum(self.by_category.values())

    @property
    def overpaid_fen(self) -> int:
        """Total paid beyond what was due, in fen."""
        return sum(self.overpaid_by_category.values())

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
            "overpaid_total": fen_text(self.overpaid_fen),
            "overpaid_by_category": {key: fen_text(value)
                                     for key, value in self.overpaid_by_category.items()},
            "newly_eligible_by_category": dict(self.newly_by_category),
            "households_by_category": dict(self.households_by_category),
            "persons_by_category": dict(self.persons_by_category),
            "rounding": self.rounding,
            **({} if self.sheet is None else {"sheet": self.sheet}),
            **({} if self.encoding is None else {"encoding": self.encoding}),
            **({} if self.merged_ranges is None else {"merged_ranges": self.merged_ranges}),
            **({} if self.groups is None else {"groups": self.groups}),
        }

    def as_text(self, table: StandardsTable) -> str:
        """The summary for a person reading stderr, in the language in use (a category by
        its Chinese name in Chinese: :func:`~welfare_calc.core.households.category_label`)."""
        by = _("; ").join(_("{category} {amount}, {households}, {persons}").format(
            category=category_label(table, key), amount=fen_text(value),
            households=_households(self.households_by_category.get(key, 0)),
            persons=_persons(self.persons_by_category.get(key, 0)))
            for key, value in self.by_category.items())
        more = (_("; overpaid total {amount} (not netted)").format(
            amount=fen_text(self.overpaid_fen)) if self.overpaid_fen else "")
        newly = sum(self.newly_by_category.values())
        if newly:
            more += ngettext("; newly eligible by the raise: {count} household",
                             "; newly eligible by the raise: {count} households",
                             newly).format(count=newly)
        read = "" if self.sheet is None else _("sheet {sheet}: ").format(sheet=repr(self.sheet))
        if self.encoding is not None and not is_utf8(self.encoding):  # (UTF-8 goes unsaid)
            read += _("read as {encoding}: ").format(encoding=display_name(self.encoding))
        if self.merged_ranges:
            more += "; " + ngettext(
                "{count} merged range read, each cell as the range's value",
                "{count} merged ranges read, each cell as the range's value",
                self.merged_ranges).format(count=self.merged_ranges)
        return _("{sheet}rows read {read}, written {written}, rejected {rejected}; back-pay "
                 "total {total} ({by}){more}").format(
                     sheet=read, read=self.rows_read, written=self.rows_written,
                     rejected=self.rows_rejected, total=fen_text(self.backpay_fen), by=by,
                     more=more)


def _households(count: int) -> str:
    """``1 household``, ``2 households`` (``2 户``)."""
    return ngettext("{count} household", "{count} households", count).format(count=count)


def _persons(count: int) -> str:
    """``1 person``, ``2 persons`` (``2 人``)."""
    return ngettext("{count} person", "{count} persons", count).format(count=count)


def row_at(row: int, sheet: str | None) -> str:
    """Where an input row is, for messages: a CSV file's line, or a sheet's row as Excel
    numbers it."""
    return line_at(row) if sheet is None else _("row {row}").format(row=row)


def _unencodable(what: str, encoding: str, error: UnicodeEncodeError) -> UnusableInput:
    """The error for text the output encoding cannot hold: ``what`` could not be written."""
    return UnusableInput(cannot_encode(what, encoding, error.object[error.start:error.end]))


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT")
                     if hasattr(signal, name))
"""Signals that end a run as Ctrl-C does (Windows has only SIGTERM of these)."""


def run_batch(table: StandardsTable, plan: BackpayEngine, source: BinaryIO | Records,
              files: BatchFiles, options: BatchOptions,
              progress: Callable[[int, int], None] | None = None,
              workers: int | None = None,
              writing: Callable[[int], None] | None = None) -> Summary:
    """Process a whole input; its files appear together, or none does.

    On :class:`UnusableInput`, :class:`~welfare_calc.batch.staging.TargetError`
    or an interruption, no file is replaced and no temporary file is left.
    ``workers``: processes to use (default: one per CPU; 1 for none).
    ``writing``: told the rows written so far while a workbook is written.
    """
    staged: list[StagedText] = []
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
                summary = run.execute(records, progress, workers or _cpus())
            finally:
                run.side.close()
            if reading is not None and options.stamp is not None:
                run.stamp = replace(options.stamp, input_sha256=reading.hexdigest())
            if options.fmt == "xlsx":
                run.write_workbook(summary, writing)
            if options.fmt == "publicity":
                run.write_publicity()
            if options.fmt == "documents":
                run.write_documents()
            # (documents write summaries of their own, from what they count)
            if files.summary_csv is not None and options.fmt != "documents":
                run.write_fund_csv(files.summary_csv)
            if files.summary is not None and options.fmt != "documents":
                report = StagedText(files.summary, "utf-8", excel=False)
                staged.append(report)
                report.text.write(json.dumps(summary.as_json(), ensure_ascii=False, indent=2)
                                  + "\n")
            if run.errors_file.stream == "stderr" and not summary.rows_rejected:
                staged.remove(run.errors_file)  # nothing to say on stderr
                run.errors_file.discard()
            committing = True
            commit_all(staged, {"stdout": sys.stdout.buffer, "stderr": sys.stderr.buffer})
            return summary
    finally:
        for file in staged:
            file.discard()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _grouped(spool: IO[bytes], group_at: tuple[tuple[int, int | None], ...]
             ) -> list[tuple[groups.Key, Iterator[list[str]]]]:
    """The rows of a spool (UTF-8 CSV, its header first) group by group, in the order
    groups first appear (a town's villages together: :func:`groups.nested`), each
    group's rows in their own order.

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
    for cells in reader:
        where.setdefault(groups.key_of(cells, group_at), array("q")).append(starts[pulled])
        pulled = len(starts)
    starts.clear()

    def members(offsets: array[int]) -> Iterator[list[str]]:
        for offset in offsets:
            spool.seek(offset)
            yield next(csv.reader(line.decode("utf-8") for line in spool))

    return [(key, members(where[key])) for key in groups.nested(where)]


def _cell(value: object) -> str:
    """A JSON-lines value as the CSV cell it was made from (``true``, ``8``, text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _as_is(text: str) -> str:
    return text


def _as_is_marked(text: str, *, digits: bool = False) -> str:
    return text


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_PROCESSOR: ChunkProcessor | None = None
"""The processor of this worker process (set by :func:`_start_worker`)."""


_SLOTS: SharedSlots | None = None
"""Under ``fork``: the shared memory chunks and results pass through (inherited)."""


def _in_worker(job: Job) -> ChunkResult:
    assert _PROCESSOR is not None, "a worker runs only after _start_worker"
    return _PROCESSOR.process(*job)


def _in_worker_slot(first_line: int, where: InSlot) -> ChunkResult:
    """A chunk whose input is in a shared slot; its results go back there."""
    assert _PROCESSOR is not None, "a worker runs only after _start_worker"
    assert _SLOTS is not None, "slots exist only in forked workers"
    return _SLOTS.keep(where.slot, _PROCESSOR.process(first_line, _SLOTS.get(where)))


def _start_worker(processor: ChunkProcessor | None, lang: Lang | None = None) -> None:
    """Each worker's start: its processor, its language, and signals left to the parent.

    Under ``fork`` (Linux) the worker already holds the parent's processor and
    the language it speaks, and ``processor`` and ``lang`` are None: nothing is
    copied. Under ``spawn`` (Windows, macOS) the worker is a fresh interpreter:
    the processor arrives pickled, once per worker, and the worker is told the
    language, so that the reasons it gives rejected rows are in the parent's.
    """
    global _PROCESSOR  # noqa: PLW0603 - one processor per worker process
    if processor is not None:
        _PROCESSOR = processor
    if lang is not None:
        speak(lang)
    # The parent handles Ctrl-C and the stop signals and ends the workers
    # itself; a worker that gets one dies quietly, without a traceback. They
    # were held back while it started (see _results), and arrive now.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)


HELD = {signal.SIGINT, *STOP_SIGNALS}
"""Signals held back while workers start: a worker forked with the parent's handler
would raise Interrupted in itself, with a traceback, if one came before its
initializer replaced that handler."""


@contextmanager
def _held_signals() -> Iterator[None]:
    """Hold the stop signals back (POSIX) while worker processes are created: the
    workers inherit the mask and let them in once their own handlers are set; the
    parent lets them in at once afterwards. Windows has no signal masks, nor fork."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


START_METHOD_VAR = "WELFARE_CALC_START_METHOD"
"""Environment variable naming how workers start (``fork`` or ``spawn``), for tests
and benchmarks; by default ``fork`` where the platform has it, else ``spawn``."""


def start_method() -> str:
    """``fork`` where the platform has it (Linux: the workers share the parent's
    memory and start at once), else ``spawn`` (Windows; macOS, where fork is unsafe
    with system libraries), or what :data:`START_METHOD_VAR` names."""
    methods = multiprocessing.get_all_start_methods()
    chosen = os.environ.get(START_METHOD_VAR, "")
    if chosen in methods:
        return chosen
    return "fork" if "fork" in methods and sys.platform != "darwin" else "spawn"


def _results(processor: ChunkProcessor, jobs: Iterator[Job],
             workers: int) -> Iterator[ChunkResult]:
    """Results in input order; in worker processes when there is more than one chunk.

    At most two chunks per worker are in flight, so memory stays bounded
    however long the input.
    """
    first = next(jobs, None)
    if first is None:
        return
    second = next(jobs, None)
    if second is None or workers < 2:
        yield processor.process(*first)
        if second is not None:
            yield processor.process(*second)
            for job in jobs:
                yield processor.process(*job)
        return
    global _PROCESSOR, _SLOTS  # noqa: PLW0603 - inherited by forked workers, read-only there
    method = start_method()
    forking = method == "fork"
    in_flight = 2 * workers
    if forking:
        _PROCESSOR = processor
        try:
            _SLOTS = SharedSlots(in_flight)
        except (OSError, MemoryError):  # no address space to spare (ulimit -v): the pipes
            _SLOTS = None
        processor.lane()  # imports NumPy once, here, for every worker
        # Objects that exist now are the workers' read-only inheritance: frozen,
        # the workers' garbage collector never walks them, so their pages stay
        # shared instead of being copied into every worker.
        gc.freeze()
    slots = _SLOTS
    pool: Pool | None = None
    try:
        with _held_signals():  # a stop signal during the start comes in just after
            pool = multiprocessing.get_context(method).Pool(
                workers, initializer=_start_worker,
                initargs=(None, None) if forking else (processor, in_use()))
        pending: deque[AsyncResult[ChunkResult]] = deque()
        for number, (first_line, data) in enumerate(itertools.chain([first, second], jobs)):
            # A chunk's slot was last used by the chunk in_flight before it, whose
            # result was taken (copied out) before this chunk was read.
            where = (slots.put(number, data) if slots is not None and isinstance(data, bytes)
                     else None)
            pending.append(pool.apply_async(_in_worker, ((first_line, data),)) if where is None
                           else pool.apply_async(_in_worker_slot, (first_line, where)))
            if len(pending) >= in_flight:
                yield _taken(slots, pending.popleft().get())
        while pending:
            yield _taken(slots, pending.popleft().get())
        pool.close()
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        if forking:
            gc.unfreeze()
        if slots is not None:
            slots.close()
        _PROCESSOR = _SLOTS = None


def _taken(slots: SharedSlots | None, result: ChunkResult) -> ChunkResult:
    """A worker's result, whole: what it left in a shared slot copied out of it."""
    return result if slots is None else slots.take(result)


class _BatchRun:
    """One pass over the input, then the rare second pass for repeated ids."""

    def __init__(self, table: StandardsTable, plan: BackpayEngine, files: BatchFiles,
                 options: BatchOptions, staged: list[StagedText]) -> None:
        self.table = table
        self.plan = plan
        self.options = options
        self.staged = staged
        self.files = files
        self.keys = list(table.categories)
        self.code_of = {key: position for position, key in enumerate(self.keys)}
        self.summary = Summary(through=str(plan.through), rounding=str(plan.point))
        self.totals = [0] * len(self.keys)
        self.overpaid = [0] * len(self.keys)
        self.newly = [0] * len(self.keys)
        self.households = [0] * len(self.keys)
        self.persons = [0] * len(self.keys)
        self.groups: dict[groups.Key, groups.Tally] = {}
        self.group_at: tuple[tuple[int, int | None], ...] = ()
        self.order = array("q")
        """The id digest of every row written, in output order: the index of ids,
        8 bytes a row, the one thing in memory that grows with the input."""
        self.written = 0
        # A workbook is written at the end from spools of plain CSV (nothing
        # neutralised: its text cells never run); an errors file named beside it
        # is made from the spool too.
        workbook = options.fmt in ("xlsx", "publicity", "documents")
        self.output = self._stage("spool" if workbook else files.output)
        self.errors_file = self._stage("spool" if options.fmt == "xlsx"
                                       else files.errors_target())
        self.errors = self.errors_file.csv_writer()
        self.sheet: str | None = None
        self.printed: list[bool] = []
        """Which of the output's columns the printed 补发名册 shows (a workbook's)."""
        self.stamp = options.stamp
        """The run stamp printed on the documents (the input's digest added at the end)."""
        self.language: Literal["en", "zh"] = options.headers or "en"
        """The language of the computed columns' names and words (set from the header)."""
        """The sheet a workbook's rows are on: the errors file names it, and rows by
        the numbers Excel shows."""
        # The ledger of every row written (chunks.ChunkResult.ledger), in output
        # order, 40 bytes a row: needed only where ids
        # repeat, so kept on disk, not in memory (it holds no personal data).
        # run_batch closes it.
        try:
            self.side: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        except OSError as error:
            raise TargetError(describe(error, Path(tempfile.gettempdir()) / "welfare-calc-*",
                                       "create")) from None

    @staticmethod
    def _temporary_failed(error: OSError) -> TargetError:
        """A write to the ledger failed: the temporary directory (TMPDIR, %TEMP%) is full."""
        return TargetError(describe(error, Path(tempfile.gettempdir()) / "welfare-calc-*"))

    def _stage(self, target: Destination) -> StagedText:
        if target == "spool":  # read back, never shown: UTF-8 whatever is asked
            file = StagedText(target, "utf-8", excel=False)
        else:
            file = StagedText(target, self.options.output_encoding, self.options.excel)
        self.staged.append(file)
        return file

    def reject(self, line: int, ident: str, problems: list[RowProblem], row: list[str]) -> None:
        """Write a row's problems to the errors file, one line each."""
        original = io.StringIO()
        CsvRows(original, "").writerow(row)
        shown = self.errors_file.destination != "spool"
        safe = csv_safe if shown else _as_is
        # For Excel, an id (or a one-cell row) of digits is kept as text, as in the output.
        mark = kept_as_text if shown and self.options.excel else _as_is_marked
        text = mark(safe(original.getvalue()))
        for problem in problems:
            cells = [str(line), mark(safe(ident), digits=True), problem.column,
                     safe(problem.reason), text]
            if self.sheet is not None:
                cells.insert(0, safe(self.sheet))
            try:
                self.errors.writerow(cells)
            except UnicodeEncodeError as error:
                raise _unencodable(_("{where}: the rejected row cannot be written to the "
                                     "errors file").format(where=row_at(line, self.sheet)),
                                   self.options.output_encoding, error) from None

    def execute(self, records: Records, progress: Callable[[int, int], None] | None,
                workers: int) -> Summary:
        """Read everything, write every row to the output or the errors."""
        encoding = records.encoding
        self.sheet = records.sheet
        self.summary.sheet = records.sheet
        self.summary.merged_ranges = records.merged_ranges
        self.errors.writerow(ERROR_COLUMNS if self.sheet is None else ("sheet", *ERROR_COLUMNS))
        columns = read_header(records.header, records.where_header, self.options.columns)
        self.columns = columns
        self.language = self.options.headers or roster_language(columns)
        if self.options.fmt == "xlsx":
            self.printed = self._printed(columns)
        self.group_at = (groups.positions(columns.names, self.options.group_by,
                                          records.where_header)
                         if self.options.group_by else ())
        chosen = self.options.publicity
        if chosen is not None and self.group_at:  # (a 公示 list's titles are its groups)
            from welfare_calc.batch import publicity  # noqa: PLC0415 - a list's only

            publicity.refuse_private_columns(
                columns.names, self.options.group_by, columns.position["id"],
                publicity.name_position(columns.names, chosen.name_column))
        self._write_header(columns)
        self.output.text.flush()
        processor = ChunkProcessor(
            parser=RowParser(self.table, columns), plan=self.plan, columns=columns,
            categories=self.keys, encoding=encoding,
            output_encoding=self.output.encoding, newline=self.output.newline,
            jsonl=self.options.fmt == "jsonl", neutralise=self.options.neutralise,
            text_marks=self.options.text_marks,
            words=YES_NO["en" if self.options.fmt == "jsonl" else self.language],
            group_at=self.group_at)
        done: deque[int] = deque()

        def jobs() -> Iterator[Job]:
            for job, reached in records.jobs:
                done.append(reached)
                yield job

        try:
            for result in _results(processor, jobs(), workers):
                if result.undecodable_line is not None:
                    raise undecodable(result.undecodable_line, records.read_as or encoding,
                                      found=records.found)
                if result.unencodable is not None:
                    raise UnusableInput(result.unencodable)
                self._take(result)
                reached = done.popleft()
                if progress is not None:
                    progress(self.summary.rows_read, reached)
        except UnicodeEncodeError as error:
            raise _unencodable(_("a value cannot be written"), self.options.output_encoding,
                               error) from None
        summary = self.summary
        summary.encoding = records.read_as  # (known now that every chunk is read)
        summary.rows_written = self.written
        summary.rows_rejected = summary.rows_read - summary.rows_written
        doubled, partners = self._doubled_lines(columns)
        drops = {position: RowProblem(
            "id", _("same id as {where} with overlapping coverage: possible double "
                    "payment").format(where=row_at(partner, self.sheet)))
            for position, partner in zip(doubled.tolist(), partners.tolist(), strict=True)}
        taken = [key for key in self.groups if any(part is not None and label_taken(part)
                                                   for part in key)]
        if taken:
            drops.update(self._named_as_totals(columns, taken, drops))
        if drops:
            self._drop(columns, drops)
        for key in taken:
            del self.groups[key]
        self.groups = {key: self.groups[key] for key in groups.nested(self.groups)}
        summary.by_category = dict(zip(self.keys, self.totals, strict=True))
        summary.overpaid_by_category = dict(zip(self.keys, self.overpaid, strict=True))
        summary.newly_by_category = dict(zip(self.keys, self.newly, strict=True))
        summary.households_by_category = dict(zip(self.keys, self.households, strict=True))
        summary.persons_by_category = dict(zip(self.keys, self.persons, strict=True))
        if self.group_at:
            summary.groups = [self._group_figures(key, tally) for key, tally in self.groups.items()]
        return summary

    def _group_figures(self, key: groups.Key, tally: groups.Tally) -> dict[str, object]:
        """A group as the summary gives it: its cell text (a list for two levels), totals,
        and the same by category; money in yuan as text."""
        def figures(counters: list[int]) -> dict[str, object]:
            households, persons, backpay, overpaid, newly = counters
            return {"households": households, "persons": persons,
                    "backpay": fen_text(backpay), "overpaid": fen_text(overpaid),
                    "newly_eligible": newly}
        total = [sum(column) for column in zip(*tally, strict=True)]
        return {"group": key[0] if len(key) == 1 else list(key), **figures(total),
                "by_category": {name: figures(counters)
                                for name, counters in zip(self.keys, tally, strict=True)}}

    def total_tally(self) -> groups.Tally:
        """The run's totals in a group's form (:data:`groups.COUNTERS` per category): the
        合计 that the groups add up to."""
        return [[households, persons, backpay, overpaid, newly]
                for households, persons, backpay, overpaid, newly in zip(
                    self.households, self.persons, self.totals, self.overpaid, self.newly,
                    strict=True)]

    def fund(self) -> FundTable:
        """The 资金汇总 of this run: a row per group (with --group-by), and the 合计."""
        return fund_table([header for header, _ in self.options.group_by],
                          [self.table.categories[key].short_zh for key in self.keys],
                          self.groups if self.group_at else None, self.total_tally())

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
        writer = self._stage(target).csv_writer()
        mark = kept_as_text if self.options.excel else _as_is_marked
        for number, cells in enumerate(rows, 1):
            try:
                writer.writerow([mark(csv_safe(cell)) for cell in cells])
            except UnicodeEncodeError as error:
                raise _unencodable(said(number), self.options.output_encoding,
                                   error) from None

    def _printed(self, columns: Columns) -> list[bool]:
        """Which columns the printed 补发名册 shows (``--print-column``, else those an office
        files); a name that is no column is refused before a row is read."""
        from welfare_calc.batch.workbook_writing import chinese_names  # noqa: PLC0415

        computed = set(columns.computed)
        keys = [*columns.keys, *columns.computed]
        names = (chinese_names(columns.output_keys) if self.language == "zh"
                 else columns.output_keys)  # (as the sheet heads them)
        try:
            return printed_columns(keys, names, [key in computed for key in keys],
                                   [header for header, _ in self.options.group_by],
                                   self.options.printed,
                                   [ZH_HEADERS.get(key, "") for key in keys])
        except BadOption as error:
            raise UnusableInput(str(error)) from None

    def _roster_lines(self, rows: Iterator[list[str]]) -> Iterator[tuple[str, list[str]]]:
        """The 补发名册's lines: each row, then the 合计; with --group-by, group by group
        (in the order groups first appear, a town's villages together), each closed by its
        小计. The roster's 序号 column numbers the rows printed, from 1 in each group: the
        roster's own numbers (1, 4, 7 … of a town, in a county's roster) say nothing on a
        town's pages (they stay in the roster, and in a CSV output)."""
        keys = [*self.columns.keys, *self.columns.computed]
        width = len(self.columns.output_keys)
        number_at = number_column(self.columns.names)

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

        if self.group_at:
            self.output.text.flush()
            for key, members in _grouped(self.output.binary, self.group_at):
                yield from numbered(members)
                yield "subtotal", closing(f"{SUBTOTAL}：{group_label(key)}", self.groups[key])
        else:
            yield from numbered(rows)
        yield "total", closing(TOTAL, self.total_tally())

    def _made(self) -> str:
        """The date printed on this run's documents (``made``, else today)."""
        return date_text(self.options.made or date.today())

    def write_publicity(self) -> None:
        """The 公示 list of this run (:mod:`welfare_calc.batch.publicity`): one list per
        group (with --group-by), as a workbook or CSV, staged in place of the spool."""
        from welfare_calc.batch import publicity  # noqa: PLC0415 - XlsxWriter

        chosen = self.options.publicity
        target = self.files.output
        assert chosen is not None, "a list has its options"
        names = self.columns.names
        lister = publicity.Lister(self.table, [*self.columns.keys, *self.columns.computed],
                                  publicity.name_position(names, chosen.name_column), chosen)
        spool, rows = self._written_rows()
        self.output.text.flush()
        listed: list[tuple[groups.Key | None, Iterator[list[str]]]] = (
            list(_grouped(self.output.binary, self.group_at)) if self.group_at
            else [(None, rows)])
        publicity.refuse_private_groups(self.options.group_by, (key for key, _ in listed))
        where = target.name if isinstance(target, Path) else str(target)
        if isinstance(target, Path) and target.suffix.lower() == ".xlsx":
            book = StagedText(target, "utf-8", excel=False)
            self.staged.append(book)
            publicity.write_workbook(book.binary, lister, listed, self._made(), where)
        else:
            text = self._stage(target)
            publicity.write_csv(text.csv_writer(), lister,
                                [header for header, _ in self.options.group_by], listed, where)
        self.summary.rows_left_out = lister.left_out
        self.staged.remove(spool)
        spool.discard()

    def write_documents(self) -> None:
        """The documents :attr:`BatchOptions.documents` makes of the rows written, staged
        in place of the spool (:class:`Written`)."""
        make = self.options.documents
        assert make is not None, "documents have their maker"
        spool, rows = self._written_rows()
        self.output.text.flush()
        grouped: list[tuple[groups.Key | None, Iterator[list[str]]]] = (
            list(_grouped(self.output.binary, self.group_at)) if self.group_at
            else [(None, rows)])

        def stage(target: Destination, text: bool, encoding: str | None = None
                  ) -> StagedText:
            if text and encoding is None:
                return self._stage(target)
            file = StagedText(target, encoding or "utf-8", excel=False)
            self.staged.append(file)
            return file

        make(Written(keys=[*self.columns.keys, *self.columns.computed],
                     names=[name.strip() for name in self.columns.names], groups=grouped,
                     stage=stage, made=self._made(), stamp=self.stamp, sheet=self.sheet,
                     encoding=self.options.output_encoding, summary=self.summary))
        self.staged.remove(spool)
        spool.discard()

    def write_workbook(self, summary: Summary,
                       progress: Callable[[int], None] | None) -> None:
        """The workbook of this run (:mod:`welfare_calc.batch.workbook_writing`), staged
        in place of the CSV it is written from; the rejected rows on a sheet of their own."""
        from welfare_calc.batch.workbook_writing import (  # noqa: PLC0415 - XlsxWriter
            PrintLayout,
            SummaryLine,
            chinese_names,
            write_workbook,
        )

        target = self.files.output
        assert isinstance(target, Path), "a workbook is a file"
        book = StagedText(target, "utf-8", excel=False)
        self.staged.append(book)
        spool, rows = self._written_rows()
        header = self.columns.output_keys
        names = chinese_names(header) if self.language == "zh" else header
        keys = [*self.columns.keys, *self.columns.computed]
        rejected = (csv.reader(self.errors_file.reread()) if summary.rows_rejected else None)
        about = list(self.options.about)
        if self.sheet is not None:
            about.insert(1, ("工作表", "sheet", self.sheet))
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
        try:
            scratch = tempfile.mkdtemp(dir=target.parent, prefix=temp_prefix(target),
                                       suffix=PARTIAL)
        except OSError as error:
            raise TargetError(describe(error, target)) from None
        try:
            write_workbook(book.binary, keys, names, self._roster_lines(rows), self.fund(),
                           lines, rejected, progress, layout=layout,
                           chinese=self.language == "zh", scratch=scratch)
        except OSError as error:
            raise TargetError(describe(error, target)) from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if self.files.errors is not None:
            self._errors_beside(self.files.errors)
        for file in (spool, self.errors_file):
            self.staged.remove(file)
            file.discard()

    def _errors_beside(self, target: Destination) -> None:
        """The errors file a workbook's run was asked for, from its spool, neutralised
        as every CSV file is."""
        self._neutralised(target, csv.reader(self.errors_file.reread()),
                          lambda number: _("line {line} of the errors file cannot be written"
                                           ).format(line=number))

    def _take(self, result: ChunkResult) -> None:
        """Put one chunk's results in place, in input order."""
        self.output.binary.write(result.output)
        for line, ident, problems, row in result.rejections:
            self.reject(line, ident, problems, row)
        try:
            self.side.write(result.ledger)
        except OSError as error:
            raise self._temporary_failed(error) from None
        self.written += result.rows_written
        self.summary.rows_read += result.rows_read
        for code, amount in enumerate(result.totals):
            self.totals[code] += amount
        for code, amount in enumerate(result.overpaid):
            self.overpaid[code] += amount
        for code, count in enumerate(result.newly):
            self.newly[code] += count
        for code, count in enumerate(result.households):
            self.households[code] += count
        for code, count in enumerate(result.persons):
            self.persons[code] += count
        groups.merge(self.groups, result.groups, len(self.keys))
        self.order.extend(result.ids)

    def _write_header(self, columns: Columns) -> None:
        if self.options.fmt == "jsonl":
            return
        keys = columns.output_keys
        if self.language == "zh":
            keys = [ZH_HEADERS.get(key.lower(), key) for key in keys]
        for key in keys:
            try:
                key.encode(self.output.encoding)
            except UnicodeEncodeError:
                raise UnusableInput(_(
                    "{where}, column {key}: the header cell cannot be written in {encoding}; "
                    "use --output-encoding gb18030 or utf-8").format(
                        where=line_at(1), key=repr(key),
                        encoding=self.options.output_encoding)) from None
        # A header cell is text like any other: one that starts a formula is neutralised.
        safe = csv_safe if self.options.neutralise else _as_is
        self.output.csv_writer().writerow([safe(key) for key in keys])

    def _written_rows(self) -> tuple[StagedText, Iterator[list[str]]]:
        """Re-read the staged output as rows of cells (input columns first)."""
        old = self.output
        written = old.reread()
        if self.options.fmt != "jsonl":
            reader = csv.reader(written)
            next(reader)  # the header
            return old, reader
        return old, ([_cell(value) for value in json.loads(text).values()] for text in written)

    def _doubled_lines(self, columns: Columns
                       ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Output positions of rows whose id another row with overlapping coverage
        shares (ascending), and the line of such a row for each.

        Near-linear: only rows whose id digest repeats are looked at, in
        NumPy (:func:`overlapping`). A shared digest may be two ids, so where
        rows overlap, their ids are told apart by a second, independent
        digest of the id as written (BLAKE2b, 64 bits), read back from the
        output: rows are one id when both digests agree (for two different
        ids, a chance of about 2**-119).
        """
        import numpy as np  # noqa: PLC0415 - only a batch needs it, and only here

        candidates = repeated_positions(self.order)
        nothing = np.zeros(0, dtype=np.int64)
        if not len(candidates):
            return nothing, nothing
        digests = np.frombuffer(self.order, dtype=np.int64)
        try:
            self.side.flush()
        except OSError as error:
            raise self._temporary_failed(error) from None
        side = np.memmap(self.side, dtype=np.int64, mode="r", shape=(self.written, LEDGER_WORDS))
        lines, spans = side[:, 0], side[:, 1]
        first, _ = overlapping([digests[candidates]], spans[candidates])
        if not len(first):
            return nothing, nothing
        suspects = candidates[np.isin(digests[candidates],
                                      np.unique(digests[candidates[first]]))]
        del candidates, first
        second = self._second_digests(columns, suspects)
        rows, partners = overlapping([digests[suspects], second], spans[suspects])
        # Each row of a pair names the other; a row in several pairs, its first.
        keys = np.empty(2 * len(rows), dtype=np.int64)
        keys[0::2], keys[1::2] = suspects[partners], suspects[rows]
        named = np.empty_like(keys)
        named[0::2], named[1::2] = keys[1::2], keys[0::2]
        positions, first_named = np.unique(keys, return_index=True)
        return positions, np.asarray(lines[named[first_named]])

    def _second_digests(self, columns: Columns, positions: npt.NDArray[np.int64]
                        ) -> npt.NDArray[np.int64]:
        """A BLAKE2b digest of the written id of each row at ``positions`` (ascending)."""
        import numpy as np  # noqa: PLC0415

        wanted = positions.tolist()
        result = np.empty(len(wanted), dtype=np.int64)
        id_at = columns.position["id"]
        _, rows = self._written_rows()
        found = 0
        for position, cells in enumerate(rows):
            if found == len(wanted):
                break
            if position == wanted[found]:
                ident = written_id(cells[id_at]).encode("utf-8", "surrogatepass")
                result[found] = int.from_bytes(hashlib.blake2b(ident, digest_size=8).digest(),
                                               "big", signed=True)
                found += 1
        return result

    def _named_as_totals(self, columns: Columns, taken: list[groups.Key],
                         dropped: dict[int, RowProblem]) -> dict[int, RowProblem]:
        """The rows (output positions) of the groups named as the documents label their
        total rows (:func:`~welfare_calc.batch.documents.label_taken`), with why: the
        locality that reads 合计, 小计, 总计 or 未填属地. Rows already dropped are left."""
        found: dict[int, RowProblem] = {}
        wanted = set(taken)
        names = columns.names
        _header, rows = self._written_rows()
        for position, cells in enumerate(rows):
            if position in dropped or groups.key_of(cells, self.group_at) not in wanted:
                continue
            for index, count in self.group_at:
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

    def _drop(self, columns: Columns, drops: dict[int, RowProblem]) -> None:
        """Copy the staged output without the rows at the positions of ``drops``,
        reporting each with its problem, and take them out of every total.

        Streams from the first temporary file to a second one, so memory
        stays flat however large the output.
        """
        old, rows = self._written_rows()
        fresh = StagedText(old.destination, self.options.output_encoding, self.options.excel)
        self.staged[self.staged.index(old)] = fresh
        self.output = fresh
        self._write_header(columns)
        writer = fresh.csv_writer()
        width, id_at = columns.width, columns.position["id"]
        keys = columns.output_keys
        for position, cells in enumerate(rows):
            problem = drops.get(position)
            if problem is None:
                if self.options.fmt != "jsonl":
                    writer.writerow(cells)
                else:
                    fresh.text.write(json_line(keys, cells))
                continue
            self.side.seek(8 * LEDGER_WORDS * position)
            line, _spans, coded, high, low = array("q", self.side.read(8 * LEDGER_WORDS))
            code, newly, persons = from_ledger_code(coded)
            self.reject(line, cells[id_at], [problem], cells[:width])
            self.newly[code] -= newly
            self.households[code] -= 1
            self.persons[code] -= persons
            net = join_amount(high, low)
            if self.group_at:
                groups.count(self.groups[groups.key_of(cells, self.group_at)], code, persons,
                             net, newly, sign=-1)
            if net >= 0:
                self.totals[code] -= net
            else:
                self.overpaid[code] += net
            self.summary.rows_written -= 1
            self.summary.rows_rejected += 1
        old.discard()
