"""Core results as reports: the fields each command outputs, under stable keys.

The keys here are a contract with scripts (docs/json.md). Values are
text taken from the results; nothing is computed here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from welfare_calc.core import timeline
from welfare_calc.core.calc import AnnualAmount, Backpay, MonthAmount
from welfare_calc.core.households import Coverage
from welfare_calc.core.money import quantize
from welfare_calc.core.months import Month
from welfare_calc.core.table import (
    CareTier,
    CareValue,
    Known,
    StandardsTable,
    StandardValue,
    in_force_on,
)
from welfare_calc.core.timeline import AppliedStandard
from welfare_calc.output.formats import Lang
from welfare_calc.output.render import Cell, Record, Report
from welfare_calc.output.text import exact_text, money_text


def _month(month: Month | None) -> str | None:
    return None if month is None else str(month)


def _standard_monthly(standard: AppliedStandard, for_people: bool) -> str:
    # People read the exact figure (429.1666…); scripts get the fen value.
    if for_people:
        return exact_text(standard.monthly)
    return money_text(standard.monthly_rounded)


def _standard(standard: AppliedStandard, for_people: bool) -> dict[str, Cell]:
    effective = standard.value.effective
    return {
        "standard": money_text(standard.value.amount),
        "unit": str(standard.value.unit),
        "monthly_standard": _standard_monthly(standard, for_people),
        "effective": effective.isoformat() if effective is not None else None,
        "document": standard.document.number,
    }


def _coverage(period: Coverage) -> dict[str, Cell]:
    return {"start": _month(period.start), "end": _month(period.end)}


def entitlement_report(month: MonthAmount, year: AnnualAmount, *, newly_eligible: bool,
                       for_people: bool) -> Report:
    """The entitlement command's output: one month and one calendar year."""
    house = year.household
    summary: dict[str, Cell] = {
        "category": house.category,
        "category_name": month.standard.category.name_zh,
        "persons": house.persons,
        "income": money_text(house.income),
        "month": str(month.month),
        **_standard(month.standard, for_people),
        "eligible": month.eligible,
        "newly_eligible": newly_eligible,
        "supplement": None if house.supplement is None else str(house.supplement),
        "monthly_base": money_text(month.amount),
        "monthly_supplement": money_text(month.supplement_amount),
        "monthly": money_text(month.total_amount),
        "year": year.year,
        **_coverage(year.coverage),
        "months_covered": len(year.months),
        "annual": money_text(year.amount),
        "rounding": str(year.point),
    }
    return Report(summary)


def backpay_report(result: Backpay, *, detail: bool, for_people: bool) -> Report:
    """The backpay command's output, with the per-month table when asked."""
    house = result.household
    summary: dict[str, Cell] = {
        "category": house.category,
        "category_name": result.category.name_zh,
        "persons": house.persons,
        "income": money_text(house.income),
        **_coverage(result.coverage),
        "through": str(result.through),
        "supplement": None if house.supplement is None else str(house.supplement),
        "months": result.months_counted,
        "due": money_text(result.due_total),
        "paid": money_text(result.paid_total),
        "paid_source": "given" if result.paid_given is not None else "computed",
        "backpay": money_text(result.amount),
        "overpaid": money_text(result.overpaid),
        "rounding": str(result.point),
        "raise": str(result.raised.first_month),
        "document": result.raise_document.number,
    }
    rows: list[Record] = []
    if detail:
        rows = [{
            "month": str(row.month),
            "standard_paid": _standard_monthly(row.paid_standard, for_people),
            "standard_due": _standard_monthly(row.due_standard, for_people),
            "amount_paid": money_text(row.paid.total_amount),
            "amount_due": money_text(row.due.total_amount),
            "difference": money_text(row.difference_rounded),
        } for row in result.months]
    return Report(summary, rows, detail_key="months_detail")


KNOWN_WORDS = {Known.NOTICE: ("通知原文", "the notice's text"),
               Known.REISSUE: ("转发原文", "re-issued word for word"),
               Known.REPORT: ("报道", "reports of it")}
"""How a figure is known, as a person reads it (scripts get the value itself)."""


def _value(table: StandardsTable, key: str, name: str, value: StandardValue | CareValue,
           tier: CareTier | None, for_people: bool, lang: Lang) -> dict[str, Cell]:
    """One value of a timeline, with its document and how it is known."""
    amount = value.amount(tier) if isinstance(value, CareValue) and tier else value.amount
    monthly = (value.monthly(tier) if isinstance(value, CareValue) and tier
               else value.monthly if isinstance(value, StandardValue) else None)
    assert isinstance(amount, Decimal)
    assert monthly is not None
    document = table.document(value.document)
    ids: dict[str, Cell] = ({} if for_people else  # (a person reads the name; scripts, ids)
                            {"category": key, "tier": None if tier is None else tier.value})
    return {
        **ids, "category_name": name,
        "standard": money_text(amount),
        "unit": str(value.unit),
        "monthly_standard": (exact_text(monthly) if for_people
                             else money_text(quantize(monthly, table.rounding.unit,
                                                      table.rounding.mode))),
        "effective": value.effective.isoformat() if value.effective is not None else None,
        "known_through": _month(value.through),
        "document": document.number,
        "known": lang.of(*KNOWN_WORDS[value.known]) if for_people else value.known.value,
        "seen": value.seen,
        "note": value.note,
    }


def _care_name(tier: CareTier, lang: Lang) -> str:
    return lang.of(f"特困人员照料护理标准（{tier.name_zh}）",
                   f"tekun care standard ({tier.value}, {tier.name_zh})")


def standards_report(table: StandardsTable, on: date | None, *, for_people: bool,
                     lang: Lang = Lang.ZH) -> Report:
    """Every value of the table's timelines, care included, or only those in force on
    ``on`` (:meth:`Category.value_on`), with documents and how each figure is known."""
    rows: list[Record] = []
    for key, category in table.categories.items():
        values = category.values
        if on is not None:
            current = category.value_on(on)
            values = (current,) if current is not None else ()
        rows.extend(_value(table, key, category.name_zh, value, None, for_people, lang)
                    for value in values)
    care = table.care
    if on is not None:
        current_care = in_force_on(care, on)
        care = (current_care,) if current_care is not None else ()
    rows.extend(_value(table, "care", _care_name(tier, lang), value, tier, for_people, lang)
                for value in care for tier in CareTier)
    return Report(None, rows, detail_key="standards")


CHANGES = {"raised": ("由 {a} 元提高到 {b} 元", "raised from {a} to {b}"),
           "lowered": ("由 {a} 元降低到 {b} 元", "lowered from {a} to {b}"),
           "unchanged": ("继续执行", "unchanged (继续执行)")}
"""How a standard changed between two months, in words (scripts get the key)."""


Dated = StandardValue | CareValue


def _compared(table: StandardsTable, key: str, name: str, tier: CareTier | None,
              a: tuple[Month, Dated], b: tuple[Month, Dated], *, for_people: bool,
              lang: Lang) -> Record:
    def monthly(value: Dated) -> Fraction:
        return value.monthly(tier) if isinstance(value, CareValue) and tier else (
            value.monthly if isinstance(value, StandardValue) else Fraction(0))

    def shown(value: Dated) -> str:
        return (exact_text(monthly(value)) if for_people else
                money_text(quantize(monthly(value), table.rounding.unit, table.rounding.mode)))

    old, new = monthly(a[1]), monthly(b[1])
    change = "raised" if new > old else "lowered" if new < old else "unchanged"
    ids: dict[str, Cell] = ({} if for_people else
                            {"category": key, "tier": None if tier is None else tier.value})
    return {**ids, "category_name": name,
            "monthly_a": shown(a[1]), "monthly_b": shown(b[1]),
            "change": (lang.of(*CHANGES[change]).format(a=shown(a[1]), b=shown(b[1]))
                       if for_people else change),
            "document": table.document(b[1].document).number}


def standards_diff_report(table: StandardsTable, a: Month, b: Month, *, for_people: bool,
                          lang: Lang = Lang.ZH) -> Report:
    """Each standard in month ``a`` and in month ``b`` (monthly, per person), how it
    changed, and the document in force at ``b``; the care standards where both months
    know them. A month the table does not know is refused (:func:`timeline.standard_in_force`)."""
    rows: list[Record] = []
    for key, category in table.categories.items():
        old = timeline.standard_in_force(table, key, a).value
        new = timeline.standard_in_force(table, key, b).value
        rows.append(_compared(table, key, category.name_zh, None, (a, old), (b, new),
                              for_people=for_people, lang=lang))
    old_care, new_care = table.care_in(a), table.care_in(b)
    if old_care is not None and new_care is not None:
        rows.extend(_compared(table, "care", _care_name(tier, lang), tier, (a, old_care),
                              (b, new_care), for_people=for_people, lang=lang)
                    for tier in CareTier)
    return Report({"a": str(a), "b": str(b)}, rows, detail_key="standards")
