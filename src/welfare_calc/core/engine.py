"""Back-pay for many households at once: the core's rules in integer units.

A batch of a million households cannot afford a :class:`~fractions.Fraction`
per month. Every monthly standard is a whole number of 1/1200 yuan (a
yearly figure in fen divided by 12 is a whole number of twelfths of a fen),
and so is every income, so the whole of docs/rules.md rules 2, 3, 4 and 7 can be
done in exact integers, and rounded with the table's rule: each month's amount
(household-month, the default) or the window's total once (total).

The integer rules are written once, as the functions below (:func:`owed`,
:func:`newly`, :func:`months_covered`, :func:`half_up_fen`,
:func:`window_backpay`), in arithmetic only (``value * (value > 0)`` for a
maximum with zero), so that the same code runs on Python integers, for one
household (:meth:`BackpayEngine.compute`), and on NumPy arrays, for a chunk
of a million (:mod:`welfare_calc.batch.lane`). The fractions of
:func:`welfare_calc.core.calc.backpay` stay, for ``--explain`` and as the
oracle: ``tests/test_batch_properties.py`` holds this engine to them with
hypothesis for any household.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeAlias

from welfare_calc.core import calc, checks, households, timeline
from welfare_calc.core.money import RoundingMode, RoundingPoint, round_ratio
from welfare_calc.core.months import Month
from welfare_calc.core.table import Payment, StandardsTable, StandardValue

UNITS_PER_YUAN = 1200
"""1/12 of a fen: the unit in which every monthly standard is a whole number."""

UNITS_PER_FEN = UNITS_PER_YUAN // 100

OPEN_START = 0
"""Month index standing for "covered since before the window"."""
OPEN_END = (1 << 17) - 1
"""Month index standing for "still covered" (after year 9999)."""


Whole: TypeAlias = Any
"""A whole number of units: a Python ``int``, or a NumPy array of them (the lane's). The
functions that take it use arithmetic and comparison only, which both have."""


def clipped(value: Whole) -> Whole:
    """``max(value, 0)``, by arithmetic alone, for an int or a NumPy array alike."""
    return value * (value > 0)


def owed(standard: Whole, income: Whole, gap: Whole) -> Whole:
    """What a standard owes one person a month, in units (docs/rules.md rules 2 and 3):
    ``max(0, S − y)`` where ``gap`` is 1 (dibao, 补差), ``S`` where it is 0 (tekun, 全额)."""
    return clipped(standard - income * gap)


def newly(gap: Whole, old: Whole, new: Whole, income: Whole) -> Whole:
    """Whether the raise makes a household eligible (rule 10, :func:`calc.newly_eligible`):
    dibao, an old standard there was (``old`` ≥ 0), income at or above it and below the
    new one."""
    return (gap > 0) & (old >= 0) & (income >= old) & (income < new)


def months_covered(start: Whole, end: Whole, first: Whole, last: Whole) -> Whole:
    """Months of the run ``first``..``last`` inside coverage ``start``..``end``."""
    later = start + (first - start) * (first > start)
    sooner = end + (last - end) * (last < end)
    return clipped(sooner - later + 1)


def half_up_fen(units: Whole, step: int = UNITS_PER_FEN, unit_fen: int = 1) -> Whole:
    """Non-negative ``units`` of 1/1200 yuan rounded half-up (四舍五入) to the rounding unit
    (``step`` units, ``unit_fen`` fen), in fen."""
    return (2 * units + step) // (2 * step) * unit_fen


def window_backpay(months: Whole, persons: Whole, due: Whole, paid: Whole, *,
                   each_month: bool) -> Whole:
    """Back-pay in fen of ``months`` equal months, a person's ``due`` and ``paid`` in units,
    rounded half-up to the fen (rule 5): each household-month as it is paid, or the
    window's exact total once."""
    if each_month:
        return months * (half_up_fen(persons * due) - half_up_fen(persons * paid))
    return half_up_fen(months * persons * (due - paid))


def monthly_units(value: StandardValue) -> int:
    """The exact monthly standard per person in 1/1200 yuan (5150/year → 515000)."""
    return int(value.amount * UNITS_PER_YUAN) // value.unit.months


CENTS = tuple(f"{cents:02d}" for cents in range(100))
"""``"00"`` … ``"99"``: the fen part of an amount, for writing it without a format call."""


def fen_text(fen: int) -> str:
    """An amount in fen written as yuan with two decimals (``-5`` → ``-0.05``)."""
    if fen < 0:
        return "-" + fen_text(-fen)
    return f"{fen // 100}.{CENTS[fen % 100]}"


_Stretch = tuple[int, int, int, int]
"""Consecutive window months (first, last) with the same standards (due, paid) in units."""

_Plan = tuple[bool, tuple[_Stretch, ...], int, int]
"""Per category: gap-filling?, the runs of the window, the new monthly standard in units,
and the old one (before the raise; -1 for none) for the newly-eligible rule."""


class Outcome(NamedTuple):
    """One household's batch result."""

    months: int
    """Months of the window counted."""
    backpay: int
    """Back-pay in fen: what is still owed, never negative."""
    monthly: int
    """The monthly amount under the new standard, in fen, its supplement included."""
    overpaid: int = 0
    """Paid beyond what is due, in fen (0 unless the amount paid exceeds it)."""
    newly_eligible: bool = False
    """Whether the raise makes the household eligible (:func:`calc.newly_eligible`)."""
    monthly_base: int = 0
    """The monthly amount without its 分类施保 supplement, in fen."""
    monthly_supplement: int = 0
    """The monthly 分类施保 supplement, in fen (``monthly`` is both)."""


class BackpayEngine:
    """The back-pay window of one table and one ``through``, ready for many households.

    Building it checks ``through`` with the core, so a plan exists only for
    a window the core accepts.
    """

    def __init__(self, table: StandardsTable, through: Month,
                 named: Month | None = None) -> None:
        self.through = through
        self.raised = timeline.choose_raise(table, through, named)  # raises for a bad window
        self.window_start = self.raised.first_month
        unit_fen = table.rounding.unit * 100
        if unit_fen != unit_fen.to_integral_value():
            raise ValueError("the rounding unit must be a whole number of fen")
        self._unit_fen = int(unit_fen)
        self._step = self._unit_fen * UNITS_PER_FEN
        self._mode = table.rounding.mode
        self.point = table.rounding.point
        self._monthly = self.point is RoundingPoint.HOUSEHOLD_MONTH
        self.plans: dict[str, _Plan] = {}
        for key in table.categories:
            probe = checks.household(table, key, 1)
            result = calc.backpay(table, probe, through, raised=self.raised)
            runs: list[_Stretch] = []
            for row in result.months:
                due = monthly_units(row.due_standard.value)
                paid = monthly_units(row.paid_standard.value)
                index = row.month.index
                if runs and runs[-1][2:] == (due, paid) and runs[-1][1] == index - 1:
                    runs[-1] = (runs[-1][0], index, due, paid)
                else:
                    runs.append((index, index, due, paid))
            old, first = timeline.raise_standards(table, key, self.raised)
            self.plans[key] = (table.categories[key].payment is Payment.GAP_FILLING,
                               tuple(runs), monthly_units(first.value),
                               monthly_units(old.value))

    def _fen(self, units: int) -> int:
        if units >= 0 and self._mode is RoundingMode.HALF_UP:
            return int(half_up_fen(units, self._step, self._unit_fen))
        return round_ratio(units, self._step, self._mode) * self._unit_fen

    def lane(self, category: str) -> tuple[bool, int, int, int, int, int, int] | None:
        """Constants for the arithmetic of :mod:`welfare_calc.batch.lane`, usual case only.

        (gap-filling?, first and last month index of the window, due and
        paid standards, the new monthly standard and the old one in units) when
        the window is one run of equal standards and rounding is to the fen,
        half-up; else None. With them the lane runs this module's functions
        (:func:`owed`, :func:`months_covered`, :func:`window_backpay`,
        :func:`newly`) on whole chunks, exactly as :meth:`compute` runs them on one
        household, for a household with no amount paid given and due ≥ paid.
        """
        gap, runs, new_standard, old_standard = self.plans[category]
        if (len(runs) != 1 or self._step != UNITS_PER_FEN or self._unit_fen != 1
                or self._mode is not RoundingMode.HALF_UP):
            return None
        first, last, due, paid = runs[0]
        return gap, first, last, due, paid, new_standard, old_standard

    def compute(self, category: str, persons: int, income_fen: int, start: int, end: int,
                paid_fen: int | None, supplement: households.Supplement | None = None) -> Outcome:
        """Months counted, back-pay and new monthly amount of one household.

        ``start`` and ``end`` are month indexes (:attr:`Month.index`), or
        :data:`OPEN_START` / :data:`OPEN_END`. ``supplement``: its 分类施保
        supplement (docs/rules.md rule 11), paid with each month of dibao.
        """
        gap, runs, new_standard, old_standard = self.plans[category]
        income = income_fen * UNITS_PER_FEN
        raised = bool(newly(int(gap), old_standard, new_standard, income))
        extra = _Extra.of(supplement)
        # Rounded at the total, amounts stay exact: with a percentage, in units scaled
        # by SHARE_SCALE so that every month's supplement is whole.
        scale = 1 if extra is None or self._monthly else SHARE_SCALE
        months = due_total = paid_total = 0
        for run_first, run_last, due_standard, paid_standard in runs:
            count = months_covered(start, end, run_first, run_last)
            if count:
                months += count
                due = owed(due_standard, income, int(gap))
                paid = owed(paid_standard, income, int(gap))
                if self._monthly:  # each month as paid, in fen
                    due_total += count * self._paid_month(due * persons, extra)
                    paid_total += count * self._paid_month(paid * persons, extra)
                else:
                    due_total += count * _exact_month(due * persons, extra, scale)
                    paid_total += count * _exact_month(paid * persons, extra, scale)
        base_units = owed(new_standard, income, int(gap)) * persons
        base_fen = self._fen(base_units)
        supplement_fen = (self._paid_month(base_units, extra) - base_fen if self._monthly
                          else self._rounded(_exact_month(base_units, extra, SHARE_SCALE)
                                             - base_units * SHARE_SCALE, SHARE_SCALE))
        total_fen = base_fen + supplement_fen
        if self._monthly:
            net = due_total - (paid_total if paid_fen is None else paid_fen)
            return Outcome(months, net if net > 0 else 0, total_fen, -net if net < 0 else 0,
                           raised, base_fen, supplement_fen)
        if paid_fen is not None:
            paid_total = paid_fen * UNITS_PER_FEN * scale
        net = due_total - paid_total
        return Outcome(months, self._rounded(net, scale) if net >= 0 else 0, total_fen,
                       self._rounded(-net, scale) if net < 0 else 0, raised, base_fen,
                       supplement_fen)

    def _rounded(self, units: int, scale: int) -> int:
        """``units / scale`` of 1/1200 yuan rounded to the table's unit, in fen."""
        if scale == 1:
            return self._fen(units)
        return round_ratio(units, self._step * scale, self._mode) * self._unit_fen

    def _paid_month(self, units: int, extra: _Extra | None) -> int:
        """A month as paid, in fen: the amount rounded, and its supplement rounded (a
        percentage of the rounded amount), when there is dibao that month."""
        paid = self._fen(units)
        if extra is None or units <= 0:
            return paid
        if extra.fixed_fen is not None:
            return paid + extra.fixed_fen
        return paid + round_ratio(paid * extra.share, SHARE_SCALE * self._unit_fen,
                                  self._mode) * self._unit_fen


SHARE_SCALE = 10_000
"""A percentage with two decimals is a whole number of 1/10000 (20% is 2000)."""


class _Extra(NamedTuple):
    """A 分类施保 supplement in integers: a fixed amount in fen, or a share in 1/10000."""

    fixed_fen: int | None
    share: int

    @classmethod
    def of(cls, supplement: households.Supplement | None) -> _Extra | None:
        if supplement is None:
            return None
        if supplement.fixed is not None:
            return cls(int(supplement.fixed * 100), 0)
        assert supplement.percent is not None
        return cls(None, int(supplement.percent * 100))


def _exact_month(units: int, extra: _Extra | None, scale: int) -> int:
    """A month's exact amount and supplement, in 1/1200 yuan times ``scale``."""
    if extra is None or units <= 0:
        return units * scale
    if extra.fixed_fen is not None:
        return (units + extra.fixed_fen * UNITS_PER_FEN) * scale
    return units * scale + units * extra.share * scale // SHARE_SCALE
