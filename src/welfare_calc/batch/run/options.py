"""What a run is asked: how to read the roster and how to write its results.

:class:`BatchOptions` is everything a run needs besides its files
(:class:`~welfare_calc.batch.write.files.BatchFiles`); the entry that takes both is
:func:`welfare_calc.batch.run.pipeline.run_batch`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from welfare_calc.batch.rows import groups
from welfare_calc.batch.rows.parsing import Mapping
from welfare_calc.batch.write.documents import RunStamp

if TYPE_CHECKING:
    from welfare_calc.batch.rows.lane import WrittenCells
    from welfare_calc.batch.run.summary import Summary
    from welfare_calc.batch.write.publicity import PublicityOptions
    from welfare_calc.batch.write.staging import Destination, StagedText


class RowsNeeded(Exception):
    """A run that kept no copy of its rows (:attr:`BatchOptions.keep_rows`) found rows to
    reject at its end (an id paid twice, a locality that reads as a total): nothing is
    written, and the caller runs it again keeping them. Rare, and exact either way."""


@dataclass(frozen=True)
class BatchOptions:
    """How to read and write; everything a run needs besides its files."""

    encoding: str | None = None
    """A CSV input's encoding; None: UTF-8 or GB18030, found from its bytes
    (:func:`~welfare_calc.batch.input.reading.found_encoding`)."""
    output_encoding: str = "utf-8"
    excel: bool = False
    headers: Literal["en", "zh"] | None = "en"
    """The computed columns' names and yes/no words: English, Chinese, or (None) the
    roster's own language (:func:`~welfare_calc.batch.rows.parsing.roster_language`)."""
    fmt: Literal["csv", "jsonl", "xlsx", "publicity", "documents"] = "csv"
    """The output: CSV, JSON lines, a workbook, (``publicity``) a 公示 list, or
    (``documents``) what :attr:`documents` makes of the rows written."""
    publicity: PublicityOptions | None = None
    """For a 公示 list: what it shows (:mod:`welfare_calc.batch.write.publicity`)."""
    documents: Callable[[Written], None] | None = None
    """For ``fmt="documents"``: a command's own documents made from the rows the batch
    wrote (the month's payroll, :mod:`welfare_calc.payroll.detail`), staged with the run's
    other files (:class:`Written`)."""
    columns: Mapping = ()
    """``--column KEY=HEADER`` choices."""
    group_by: groups.GroupBy = ()
    """``--group-by`` levels: totals by locality (:mod:`welfare_calc.batch.rows.groups`)."""
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
    office files, :func:`~welfare_calc.batch.write.documents.printed_by_default`)."""
    keep_rows: bool = True
    """Whether the run keeps a copy of the rows it writes for its documents. A
    :class:`Chunkwise` maker that reads none of them (the payroll without ``--previous``)
    spares the rows of every chunk whose lines are made from the lane's cells: they are
    neither joined in the workers nor spooled (about a tenth of the payroll's time). A
    run that then finds rows to reject at its end, which are taken out of that copy,
    raises :class:`RowsNeeded`, for its caller to run again keeping them."""

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


class Side(Protocol):
    """What a :class:`Chunkwise` maker makes of a chunk's written rows, in the worker: given
    the chunk's output, its ledger and, when the column-wise lane wrote every row, where
    their cells are (:class:`~welfare_calc.batch.rows.lane.WrittenCells`; None: the
    output is to be cut into cells)."""

    def __call__(self, output: bytes, ledger: bytes, cells: WrittenCells | None = None, /
                 ) -> bytes: ...


@runtime_checkable
class Chunkwise(Protocol):
    """A documents maker (:attr:`BatchOptions.documents`) that does its per-row work in
    the batch's workers, chunk by chunk, rather than in one process after them.

    Once the header is read, :meth:`chunkwise` is asked with the written rows' keys, the
    roster's header (as :class:`Written` has them), the spool's line end, where the
    --group-by columns are, and the run's staging (:attr:`Written.stage`: a file staged now
    may be written as the run goes, and is put in place with the others or discarded with
    them); what it gives (None: nothing here) is called in the worker
    with each chunk's output (the spool's UTF-8 CSV rows, no header), its ledger
    (:attr:`~welfare_calc.batch.run.chunk_result.ChunkResult.ledger`: a row's category
    position and persons among its words) and where the cells are when the lane wrote
    every row (:class:`Side`), and gives bytes of its own, told to
    :meth:`take` in the run's process as the run goes, in output order (made again
    without the rows rejected at the end, should there be any: :attr:`Written.again`).
    It must pickle (workers are spawned on Windows)."""

    def chunkwise(self, keys: list[str], names: list[str], newline: str,
                  group_at: tuple[tuple[int, int | None], ...], stage: Stage
                  ) -> Side | None: ...

    def take(self, side: bytes) -> None:
        """Told, in the run's process, what was made of each chunk, in output order, as
        the run goes."""


@dataclass(frozen=True)
class Written:
    """The rows a run wrote, handed to :attr:`BatchOptions.documents` once every row is
    read and checked (rows sharing an id with overlapping coverage already rejected), and
    before anything is put in place: what it stages is committed with the run's other
    files, or none is."""

    keys: list[str]
    """Each written cell's key: our column (``id``, ``persons`` …) for a column the batch
    reads, the header for a column carried through, then the computed ones
    (``months``, ``monthly`` …, :attr:`~welfare_calc.batch.rows.parsing.Columns.computed`)."""
    names: list[str]
    """The roster's header cells (stripped), for the columns carried through."""
    groups: list[tuple[groups.Key | None, Iterator[list[str]]]]
    """The rows, group by group in the order groups first appear (``--group-by``), each
    group's rows in input order; one group, keyed None, without ``--group-by``. Read
    once, in this order. None at all where the run kept no copy of them
    (:attr:`BatchOptions.keep_rows`)."""
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
    again: Callable[[], Iterator[bytes]] | None = None
    """With a :class:`Chunkwise` maker whose run rejected rows at the end (an id paid
    twice): what it makes of the rows kept, made again in this process from the run's
    rows, block by block, in output order (what it was told as the run went held those
    rows too); None when no row was rejected at the end."""
