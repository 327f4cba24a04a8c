"""What a run answers: its reconciliation (read = written + rejected) and its totals.

Made by :func:`welfare_calc.batch.run.pipeline.run_batch`; written as the summary file
(:meth:`Summary.as_json`) and told on stderr (:meth:`Summary.as_text`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from welfare_calc.batch.input.encodings import display_name, is_utf8
from welfare_calc.core.engine import fen_text
from welfare_calc.core.households import category_label
from welfare_calc.core.table import StandardsTable
from welfare_calc.core.words import _, ngettext


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
