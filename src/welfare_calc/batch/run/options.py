"""What a run is asked: how to read the roster and how to write its results.

:class:`BatchOptions` is everything a run needs besides its files
(:class:`~welfare_calc.batch.write.files.BatchFiles`); the entry that takes both is
:func:`welfare_calc.batch.run.pipeline.run_batch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from welfare_calc.batch.rows import groups
from welfare_calc.batch.rows.parsing import Mapping
from welfare_calc.batch.write.documents import RunStamp

if TYPE_CHECKING:
    from welfare_calc.batch.write.publicity import PublicityOptions


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
    fmt: Literal["csv", "jsonl", "xlsx", "publicity"] = "csv"
    """The output: CSV, JSON lines, a workbook, or (``publicity``) a 公示 list."""
    publicity: PublicityOptions | None = None
    """For a 公示 list: what it shows (:mod:`welfare_calc.batch.write.publicity`)."""
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
        return self.fmt not in ("xlsx", "publicity")
