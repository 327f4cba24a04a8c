"""The change roster (变动名册): what changed in the payroll since last month, household by
household, and why (issue 30 §2).

A town office reports each month what changed since the month before, as the provincial
platform's monthly change table has it (its ``samBaseMonthChange`` pages): households added
(新增), stopped (停发), paid more (增发) or less (减发). This module compares two months'
households, matched by their canonical id, and says for each change its reasons in the
clerk's words: the standard raised, the persons, the income, the category, the care tier,
the 分类施保, the coverage's start or end, or a household missing from one roster.

Nothing here restates a household rule. Each month's amount is the core's
(:func:`welfare_calc.core.engine.month_amount`: the standard in force that month, rule 4;
its basic amount, 分类施保 and care standard, rules 2, 3, 11 and 17), and whether a
household is covered in a month is :meth:`Coverage.covers`. A household is *paid* in a
month when it is covered and its amount is more than 0 fen: a dibao household whose income
is at or above the standard is covered but paid nothing, and a raise that brings it under
the standard is a 新增 for the standard raised (rule 10).

The classes partition the union of the households paid in either month:

- 新增: paid this month, not last;  停发: paid last month, not this;
- 增发 / 减发: paid both months, more / less;  unchanged: paid both, the same.

Memory: the last month is held as a dict of id → a small tuple (:class:`_Kept`), this
month streamed (its ids paid kept in a set, to refuse one paid twice); only the changes
are kept, the unchanged households counted (bench/bench_payroll_changes.py measures it).

The documents (the rows, the statistics, a sheet in a workbook, CSV) are
:mod:`welfare_calc.payroll.changes_writing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple, Protocol

from welfare_calc.batch.rows.groups import Key
from welfare_calc.core import identity
from welfare_calc.core.engine import Rate, fen_text, half_up_fen, month_amount, stretches
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.households import Coverage, Household, Supplement, category_label
from welfare_calc.core.months import Month
from welfare_calc.core.table import CareTier, StandardsTable
from welfare_calc.core.words import N_, _


class Kind(StrEnum):
    """A household's change between two months (the provincial platform's classes)."""

    NEW = "new"
    """新增: paid this month, not last."""
    STOPPED = "stopped"
    """停发: paid last month, not this."""
    MORE = "more"
    """增发: paid both months, more this month."""
    LESS = "less"
    """减发: paid both months, less this month."""
    SAME = "same"
    """Paid both months, the same amount: not on the change roster, only counted."""

    @property
    def zh(self) -> str:
        """The class as the change roster names it."""
        return KIND_ZH[self]


KIND_ZH = {Kind.NEW: "新增", Kind.STOPPED: "停发", Kind.MORE: "增发", Kind.LESS: "减发",
           Kind.SAME: "未变"}
CHANGED = (Kind.NEW, Kind.STOPPED, Kind.MORE, Kind.LESS)
"""The classes the change table counts, in its order (新增, 停保, 保障金增加, 保障金减少)."""


class Reason(StrEnum):
    """Why a household's payment changed; several may hold at once."""

    STANDARD = "standard"
    """The standard in force differs (a raise): the category's, or the care tier's."""
    PERSONS = "persons"
    INCOME = "income"
    CATEGORY = "category"
    CARE = "care"
    """The care tier (护理等级)."""
    SUPPLEMENT = "supplement"
    """The 分类施保."""
    START = "start"
    """The coverage begins this month (起始月份), or its start was changed."""
    END = "end"
    """The coverage ended (截止月份 passed), or its end was changed."""
    ABSENT = "absent"
    """The household is missing from one month's roster."""
    OTHER = "other"
    """Nothing the rosters give differs: the standards table's rules do."""


class Why(NamedTuple):
    """One reason, with what it was and what it is, as written for the clerk; ``how``
    chooses its words where a reason has more than one way (:data:`_WORDS`)."""

    reason: Reason
    before: str = ""
    after: str = ""
    how: str = ""

    def text(self) -> str:
        """The reason in the clerk's words, in the language in use."""
        return _(_WORDS[self.reason, self.how]).format(before=self.before, after=self.after)


_WORDS = {
    (Reason.STANDARD, "raised"): N_("standard raised: {before} → {after} yuan a person a "
                                    "month"),
    (Reason.STANDARD, "lowered"): N_("standard lowered: {before} → {after} yuan a person a "
                                     "month"),
    (Reason.STANDARD, "care raised"): N_("care standard raised: {before} → {after} yuan a "
                                         "person a month"),
    (Reason.STANDARD, "care lowered"): N_("care standard lowered: {before} → {after} yuan a "
                                          "person a month"),
    (Reason.PERSONS, ""): N_("persons covered: {before} → {after}"),
    (Reason.INCOME, ""): N_("per-capita monthly income: {before} → {after}"),
    (Reason.CATEGORY, ""): N_("category: {before} → {after}"),
    (Reason.CARE, ""): N_("care tier: {before} → {after}"),
    (Reason.SUPPLEMENT, ""): N_("分类施保: {before} → {after}"),
    (Reason.START, "from"): N_("covered from {after} (起始月份)"),
    (Reason.START, ""): N_("起始月份 changed: {before} → {after}"),
    (Reason.END, "ended"): N_("covered through {before} (截止月份): ended"),
    (Reason.END, ""): N_("截止月份 changed: {before} → {after}"),
    (Reason.ABSENT, "last"): N_("not in last month's roster"),
    (Reason.ABSENT, "this"): N_("not in this month's roster"),
    (Reason.OTHER, ""): N_("no field of the roster changed: the standards table's rules did"),
}
"""Each reason's words, by (reason, how)."""

NONE_WRITTEN = "—"
"""A value a roster leaves empty (no care tier, no 分类施保, open coverage)."""


class Listed(NamedTuple):
    """One household of one month's roster, as the change roster needs it: its canonical
    id, its name, the core's household, its coverage, its group (``--group-by``; ``()``
    without one), whether it is covered that month, and what the month pays it, in fen:
    the core's amount, every part included (:func:`listed` makes one from the engine; a
    command that computed the month on its own path gives the same total)."""

    id: str
    name: str
    household: Household
    coverage: Coverage
    group: Key
    covered: bool
    fen: int
    """0: not covered, or nothing owed (income at or above the standard)."""


def listed(table: StandardsTable, month: Month, ident: str, household: Household,
           coverage: Coverage = Coverage(), group: Key = (), name: str = "") -> Listed:
    """A roster's household in ``month``: its amount the core's
    (:func:`~welfare_calc.core.engine.month_amount`, at the standard in force that month)
    where it is covered then, the id in its canonical form. Last month's households are
    made with last month's table and month, this month's with this month's: each month at
    its own standard. A month the table cannot vouch for is the core's refusal."""
    covered = coverage.covers(month)
    fen = month_amount(table, household, month).pay.total if covered else 0
    return Listed(identity.canonical_id(ident), name, household, coverage, group, covered, fen)


class _Month(Protocol):
    """A household's month as the reasons read it: a :class:`Listed`, or last month's
    :class:`_Kept`."""

    @property
    def fen(self) -> int: ...
    @property
    def covered(self) -> bool: ...
    @property
    def name(self) -> str: ...
    @property
    def group(self) -> Key: ...
    @property
    def coverage(self) -> Coverage: ...
    @property
    def household(self) -> Household: ...


class _Kept(NamedTuple):
    """Last month's household as the comparison keeps it until this month's is read: the
    household's values in a tuple (a :class:`Household` object costs twice as much), its
    coverage and group shared among the households that have the same."""

    fen: int
    covered: bool
    name: str
    group: Key
    coverage: Coverage
    category: str
    persons: int
    income: Decimal
    supplement: Supplement | None
    care: CareTier | None

    @property
    def household(self) -> Household:
        """The household again (for a change's reasons only)."""
        return Household(self.category, self.persons, self.income, self.supplement, self.care)


class Change(NamedTuple):
    """A household on the change roster (or, :attr:`Kind.SAME`, counted only)."""

    id: str
    name: str
    group: Key
    """This month's group; last month's for a household no longer in this month's roster."""
    kind: Kind
    last_fen: int
    """Paid last month, in fen (0: not paid)."""
    this_fen: int
    persons: int
    """The persons counted: this month's (last month's for a 停发)."""
    reasons: tuple[Why, ...]

    @property
    def difference(self) -> int:
        """This month's amount less last month's, in fen."""
        return self.this_fen - self.last_fen

    def reasons_text(self) -> str:
        """The reasons as one cell, in the language in use."""
        return "；".join(why.text() for why in self.reasons)


FIGURES = 3
"""Each class is counted as 户数, 人数 and 金额 (fen)."""
Counts = list[int]
"""A group's figures: for each class of :data:`CHANGED`, households, persons and fen
(新增: this month's amount; 停发: last month's; 增发/减发: the difference, a positive
number either way)."""


def _new_counts() -> Counts:
    return [0] * (len(CHANGED) * FIGURES)


class OtherOffice(UnusableInput):
    """A previous roster that is another office's: comparing it would report every
    household as 新增 or 停发 (exit 2, nothing written)."""


@dataclass
class Changes:
    """Two months compared: the changes, in this month's order then last month's, the
    figures per group (every group of either month, this month's first, in the order
    they are met; a group nothing changed in counts 0) and the months' totals."""

    last_month: Month
    this_month: Month
    rows: list[Change] = field(default_factory=list)
    groups: dict[Key, Counts] = field(default_factory=dict)
    last_fen: int = 0
    """Paid last month, in all: the sum of the households paid."""
    this_fen: int = 0
    last_households: int = 0
    this_households: int = 0
    unchanged: int = 0
    """Households paid both months the same amount."""

    def count(self, change: Change) -> None:
        """``change`` counted in its group's figures (and kept, unless unchanged)."""
        if change.kind is Kind.SAME:
            self.unchanged += 1
            return
        self.rows.append(change)
        counts = self.groups.get(change.group)
        if counts is None:
            counts = self.groups[change.group] = _new_counts()
        at = CHANGED.index(change.kind) * FIGURES
        counts[at] += 1
        counts[at + 1] += change.persons
        counts[at + 2] += abs(change.difference)

    @property
    def total(self) -> Counts:
        """The 合计 row: every group's figures added."""
        total = _new_counts()
        for counts in self.groups.values():
            total = [left + right for left, right in zip(total, counts, strict=True)]
        return total

    @staticmethod
    def net(counts: Counts) -> int:
        """The money a group's changes add, in fen: 新增 − 停发 + 增加 − 减少. Over every
        group it is this month's total less last month's, to the fen."""
        return counts[2] - counts[5] + counts[8] - counts[11]


def _yuan(units: int) -> str:
    """A monthly standard per person as a clerk reads it: in yuan, to the fen (display
    only; 5150 a year is 429.17 a month)."""
    return fen_text(half_up_fen(units))


def _rate(table: StandardsTable, category: str, tier: CareTier | None, month: Month) -> Rate:
    """The standard in force in ``month`` for a category and care tier (rules 4 and 17), as
    the engine plans it (:func:`~welfare_calc.core.engine.stretches`, made once per table,
    category, tier and month)."""
    ((_first, _last, rate),) = stretches(table, category, tier, month, month)
    return rate


def _standard(table: StandardsTable, last: _Month, this: _Month, last_month: Month,
              this_month: Month) -> list[Why]:
    """The standard in force differs, of the same category (a raise), or the care tier's
    care standard differs, of the same tier; each per person a month."""
    found: list[Why] = []
    if not (last.covered and this.covered
            and last.household.category == this.household.category):
        return found
    tier = last.household.care if last.household.care == this.household.care else None
    category = this.household.category
    before, after = _rate(table, category, tier, last_month), _rate(table, category, tier,
                                                                    this_month)
    if before.units != after.units:
        found.append(Why(Reason.STANDARD, _yuan(before.units), _yuan(after.units),
                         "raised" if after.units > before.units else "lowered"))
    if before.care_units != after.care_units:
        found.append(Why(Reason.STANDARD, _yuan(before.care_units), _yuan(after.care_units),
                         "care raised" if after.care_units > before.care_units
                         else "care lowered"))
    return found


def _written(value: object) -> str:
    return NONE_WRITTEN if value is None else str(value)


def _fields(table: StandardsTable, last: Household, this: Household) -> list[Why]:
    """What the rosters give differently: category, persons, income, care tier, 分类施保."""
    found = []
    if last.category != this.category:
        found.append(Why(Reason.CATEGORY, _category(table, last.category),
                         _category(table, this.category)))
    if last.persons != this.persons:
        found.append(Why(Reason.PERSONS, str(last.persons), str(this.persons)))
    if last.income != this.income:
        found.append(Why(Reason.INCOME, f"{last.income:.2f}", f"{this.income:.2f}"))
    if last.care != this.care:
        found.append(Why(Reason.CARE, _written(None if last.care is None else last.care.name_zh),
                         _written(None if this.care is None else this.care.name_zh)))
    if last.supplement != this.supplement:
        found.append(Why(Reason.SUPPLEMENT, _written(last.supplement),
                         _written(this.supplement)))
    return found


def _category(table: StandardsTable, key: str) -> str:
    return category_label(table, key)


def _coverage(last: _Month | None, this: _Month | None, last_month: Month,
              this_month: Month) -> list[Why]:
    """The coverage begins this month, or ended with last month (or earlier), as the
    rosters' 起始月份 and 截止月份 say; or the clerk changed them."""
    found = []
    start = this.coverage.start if this is not None else None
    if last is not None and this is not None and last.coverage.start != this.coverage.start:
        found.append(Why(Reason.START, _written(last.coverage.start), _written(start)))
    elif start is not None and last_month < start <= this_month:
        found.append(Why(Reason.START, "", str(start), "from"))
    if last is not None and this is not None and last.coverage.end != this.coverage.end:
        found.append(Why(Reason.END, _written(last.coverage.end), _written(this.coverage.end)))
    else:
        ended = this or last
        assert ended is not None
        end = ended.coverage.end
        if end is not None and last_month <= end < this_month:
            found.append(Why(Reason.END, str(end), "", "ended"))
    return found


def _reasons(last: _Month | None, this: _Month | None, last_month: Month, this_month: Month,
            table: StandardsTable) -> tuple[Why, ...]:
    """Every reason the two months of a household differ (None: not in that month's
    roster): missing from a roster, the coverage's start or end, the category, persons,
    income, care tier, 分类施保, the standard in force; :attr:`Reason.OTHER` when none."""
    found: list[Why] = []
    if last is None:
        found.append(Why(Reason.ABSENT, how="last"))
    if this is None:
        found.append(Why(Reason.ABSENT, how="this"))
    found += _coverage(last, this, last_month, this_month)
    if last is not None and this is not None:
        found += _fields(table, last.household, this.household)
        found += _standard(table, last, this, last_month, this_month)
    return tuple(found) or (Why(Reason.OTHER),)


def _kind(last_fen: int, this_fen: int) -> Kind:
    if not last_fen:
        return Kind.NEW
    if not this_fen:
        return Kind.STOPPED
    if this_fen > last_fen:
        return Kind.MORE
    return Kind.LESS if this_fen < last_fen else Kind.SAME


def _doubled(ident: str, month: Month) -> UnusableInput:
    return UnusableInput(_("{month}: household {id} is paid twice in that month's roster; "
                           "a household is paid once a month").format(month=month, id=ident))


def _read_last(last: Iterable[Listed], month: Month) -> dict[str, _Kept]:
    """Last month's households by id; of rows sharing an id, the one covered that month
    (the batch's doubled-id check allows rows of one id whose coverage does not
    overlap: an ended row and a new one)."""
    kept: dict[str, _Kept] = {}
    coverages: dict[Coverage, Coverage] = {}
    groups: dict[Key, Key] = {}
    for entry in last:
        held = kept.get(entry.id)
        if held is not None and held.fen and entry.fen:
            raise _doubled(entry.id, month)
        if held is None or entry.fen or (entry.covered and not held.covered):
            house = entry.household
            kept[entry.id] = _Kept(
                entry.fen, entry.covered, entry.name, groups.setdefault(entry.group, entry.group),
                coverages.setdefault(entry.coverage, entry.coverage), house.category,
                house.persons, house.income, house.supplement, house.care)
    return kept


def _same_place(last: Iterable[_Kept], this: Iterable[Key]) -> bool:
    """Whether the months share a locality: a first level of a group key (``--group-by``)
    that is not empty, in both."""
    places = {key[0] for key in this if key and key[0] is not None}
    return any(entry.group and entry.group[0] in places for entry in last)


def compare(last: Iterable[Listed], this: Iterable[Listed], last_month: Month,
            this_month: Month, table: StandardsTable) -> Changes:
    """The change roster of ``this_month`` against ``last_month``: every household paid in
    either month in exactly one class, each change with its reasons (``table``: the
    standards each month is paid at, and the categories' names as a clerk reads them).

    ``last`` is read whole (a dict of id → its :class:`Listed`); ``this`` is streamed,
    a household not covered this month held until its id's rows are all seen, and the
    ids paid kept (a set) to refuse one paid twice. A side paying one id twice is refused
    (:class:`UnusableInput`), and so is a last month that is another office's
    (:class:`OtherOffice`): both months list households, no id is in both, and no
    locality (the first level of ``--group-by``) is either.
    """
    before = _read_last(last, last_month)
    last_groups = dict.fromkeys(entry.group for entry in before.values())
    changes = Changes(last_month, this_month)
    changes.last_fen = sum(entry.fen for entry in before.values())
    changes.last_households = sum(1 for entry in before.values() if entry.fen)
    unpaid: dict[str, Listed] = {}
    paid: set[str] = set()
    common = False
    groups = changes.groups
    for entry in this:
        if entry.group not in groups:
            groups[entry.group] = _new_counts()
        ident, fen = entry.id, entry.fen
        if not fen:
            if ident not in paid:
                held = unpaid.get(ident)
                if held is None or (entry.covered and not held.covered):
                    unpaid[ident] = entry
            continue
        if ident in paid:
            raise _doubled(ident, this_month)
        paid.add(ident)
        changes.this_fen += fen
        earlier = before.pop(ident, None)
        if earlier is not None:
            common = True
            unpaid.pop(ident, None)
            if earlier.fen == fen:  # (the usual household: the same as last month)
                changes.unchanged += 1
                continue
        else:
            unpaid.pop(ident, None)
        changes.count(_change(ident, earlier, entry, last_month, this_month, table))
    changes.this_households = len(paid)
    this_groups = list(groups)
    for ident, entry in unpaid.items():
        earlier = before.pop(ident, None)
        common = common or earlier is not None
        if earlier is not None and earlier.fen:
            changes.count(_change(ident, earlier, entry, last_month, this_month, table))
    if before and not common and (paid or unpaid) and not _same_place(before.values(),
                                                                      this_groups):
        raise OtherOffice(_(
            "the previous roster shares no household with this month's, nor a locality: is "
            "it another office's? Give last month's roster of this office"))
    for ident, kept in before.items():
        if kept.fen:
            changes.count(_change(ident, kept, None, last_month, this_month, table))
    for key in last_groups:  # (a group of last month's only: its row too, of 停发 or 0)
        groups.setdefault(key, _new_counts())
    return changes


def _change(ident: str, last: _Month | None, this: _Month | None, last_month: Month,
            this_month: Month, table: StandardsTable) -> Change:
    last_fen = last.fen if last is not None else 0
    this_fen = this.fen if this is not None else 0
    kind = _kind(last_fen, this_fen)
    if kind is Kind.SAME:
        assert this is not None
        return Change(ident, this.name, this.group, kind, last_fen, this_fen,
                      this.household.persons, ())
    counted = last if kind is Kind.STOPPED else this
    assert counted is not None
    name = (this.name if this is not None else "") or (last.name if last is not None else "")
    return Change(ident, name, counted.group, kind, last_fen, this_fen,
                  counted.household.persons,
                  _reasons(last, this, last_month, this_month, table))


def check_office(given: str | None, recorded: str | None) -> None:
    """Refuse a previous roster that records another 制表单位 than this run's ``--office``
    (:class:`OtherOffice`); spaces (offices space names out) do not count, and either
    one unknown refuses nothing."""
    if given is None or recorded is None:
        return
    if "".join(given.split()) != "".join(recorded.split()):
        raise OtherOffice(_("the previous roster was made by {recorded}, this month's by "
                            "{given}: give last month's roster of this office").format(
                                recorded=recorded.strip(), given=given.strip()))


OFFICE_LINE = "制表单位："


def recorded_office(lines: Iterable[str]) -> str | None:
    """The 制表单位 a document records above its table (``制表单位：周村区民政局　　制表日期：
    …``, as :class:`~welfare_calc.batch.write.workbook.PrintLayout` writes it), if one is
    filled in."""
    for line in lines:
        for part in line.splitlines():
            at = part.find(OFFICE_LINE)
            if at < 0:
                continue
            name = part[at + len(OFFICE_LINE):].split("　")[0].strip()
            return name if name and set(name) != {"_"} else None
    return None


def as_roster_header(cells: list[str]) -> list[str]:
    """A previous month's header made a roster's: the columns an earlier run computed
    (``月保障金``, ``monthly``, … which the batch refuses in a roster, lest a stale amount
    be taken for an input) renamed ``上月·…``, so that they are carried through and never
    read. Last month's amounts are computed again, from its roster at its standard."""
    from welfare_calc.batch.rows.parsing import COMPUTED_NAMES, header_names  # noqa: PLC0415

    names = header_names(cells)
    bare = [_bare(name) for name in names]
    return [f"上月·{name}" if key in COMPUTED_NAMES or key.lower() in COMPUTED_NAMES else cell
            for cell, name, key in zip(cells, names, bare, strict=True)]


def _bare(name: str) -> str:
    for unit in ("（元）", "(元)"):
        name = name.removesuffix(unit).strip()
    return name

