"""Core results as reports: the fields each command outputs, under stable keys.

The keys here are a contract with scripts (docs/json.md). Values are
text taken from the results; nothing is computed here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from welfare_calc.core import timeline
from welfare_calc.core.engine import UNITS_PER_YUAN, Annual, Backpay, Rate, Rounder, Run, fen_text
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
from welfare_calc.output.formats import Lang
from welfare_calc.output.render import Cell, Record, Report
from welfare_calc.output.text import exact_text, money_text, units_text


def _month(month: Month | None) -> str | None:
    return None if month is None else str(month)


def _per_person(units: int, rounder: Rounder, for_people: bool) -> str:
    # People read the exact figure (429.1666…); scripts get the fen value.
    if for_people:
        return units_text(units, UNITS_PER_YUAN)
    return fen_text(rounder.fen(units))


def _standard(rate: Rate, rounder: Rounder, for_people: bool) -> dict[str, Cell]:
    effective = rate.value.effective
    return {
        "standard": money_text(rate.value.amount),
        "unit": str(rate.value.unit),
        "monthly_standard": _per_person(rate.units, rounder, for_people),
        "effective": effective.isoformat() if effective is not None else None,
        "document": rate.document.number,
    }


def _coverage(period: Coverage) -> dict[str, Cell]:
    return {"start": _month(period.start), "end": _month(period.end)}


NO_TIER = ("未给出（只计基本生活标准，不含照料护理标准）",
           "not given (the basic standard alone, without a care standard)")
"""What a table says of the care tier of a household of a category paid care standards
when none was given (docs/rules.md rule 17)."""


def _care_tier(tier: CareTier | None, for_people: bool, lang: Lang) -> Cell:
    """The care tier: its id for scripts (null: not given); its name for people."""
    if not for_people:
        return None if tier is None else tier.value
    if tier is None:
        return lang.of(*NO_TIER)
    return lang.of(tier.name_zh, f"{tier.value} ({tier.name_zh})")


def _cared(summary: dict[str, Cell], keys: tuple[str, ...], *, shown: bool,
           tier: CareTier | None, for_people: bool) -> dict[str, Cell]:
    """``summary`` as a report gives it: for scripts every key, always (the JSON keys are
    a contract); for people, the care keys only for a category paid care standards
    (``shown``), and of them only the tier where none was given."""
    if not for_people:
        return summary
    dropped = keys if not shown else keys[1:] if tier is None else ()
    return {key: value for key, value in summary.items() if key not in dropped}


ENTITLEMENT_CARE = ("care", "care_standard", "monthly_care", "annual_care")
BACKPAY_CARE = ("care", "care_due", "care_paid", "care_backpay")
DETAIL_CARE = ("care_paid", "care_due")


def entitlement_report(month: Run, year: Annual, *, newly_eligible: bool, for_people: bool,
                       care_paid: bool = False, lang: Lang = Lang.ZH) -> Report:
    """The entitlement command's output: one month and one calendar year; ``care_paid``:
    whether the category pays care standards (docs/rules.md rule 17)."""
    house = year.household
    rate, pay, rounder = month.rate, month.pay, year.rounder
    summary: dict[str, Cell] = {
        "category": house.category,
        "category_name": rate.category.name_zh,
        "persons": house.persons,
        "income": money_text(house.income),
        "month": str(month.first),
        **_standard(rate, rounder, for_people),
        "eligible": month.eligible,
        "newly_eligible": newly_eligible,
        "supplement": None if house.supplement is None else str(house.supplement),
        "care": _care_tier(house.care, for_people, lang),
        "care_standard": (None if rate.tier is None
                          else _per_person(rate.care_units, rounder, for_people)),
        "monthly_base": fen_text(pay.base),
        "monthly_supplement": fen_text(pay.supplement),
        "monthly_care": fen_text(pay.care),
        "monthly": fen_text(pay.total),
        "year": year.year,
        **_coverage(year.coverage),
        "months_covered": year.months,
        "annual": fen_text(year.total),
        "annual_care": fen_text(year.care),
        "rounding": str(year.point),
    }
    return Report(_cared(summary, ENTITLEMENT_CARE, shown=care_paid, tier=house.care,
                         for_people=for_people))


def backpay_report(result: Backpay, *, detail: bool, for_people: bool, care_paid: bool = False,
                   lang: Lang = Lang.ZH) -> Report:
    """The backpay command's output, with the per-month table when asked; ``care_paid``:
    whether the category pays care standards (the care parts are reported apart)."""
    house = result.household
    given = result.paid_given is not None
    parts_known = not given and result.overpaid == 0
    summary: dict[str, Cell] = {
        "category": house.category,
        "category_name": result.category.name_zh,
        "persons": house.persons,
        "income": money_text(house.income),
        **_coverage(result.coverage),
        "through": str(result.through),
        "supplement": None if house.supplement is None else str(house.supplement),
        "care": _care_tier(house.care, for_people, lang),
        "months": result.months_counted,
        "due": fen_text(result.due),
        "paid": fen_text(result.paid),
        "paid_source": "given" if given else "computed",
        "backpay": fen_text(result.amount),
        "overpaid": fen_text(result.overpaid),
        "care_due": fen_text(result.care_due),
        "care_paid": None if given else fen_text(result.care_paid),
        "care_backpay": (fen_text(result.care_due - result.care_paid) if parts_known
                         else None),
        "rounding": str(result.point),
        "raise": str(result.raised.first_month),
        "document": result.raise_document.number,
    }
    rows: list[Record] = []
    if detail:
        rounder = result.rounder
        shown = not for_people or house.care is not None
        rows = [{
            "month": str(row.month),
            "standard_paid": _per_person(row.paid.rate.units, rounder, for_people),
            "standard_due": _per_person(row.due.rate.units, rounder, for_people),
            "amount_paid": fen_text(row.paid.pay.total),
            "amount_due": fen_text(row.due.pay.total),
            "difference": fen_text(row.difference),
            **({"care_paid": fen_text(row.paid.pay.care), "care_due": fen_text(row.due.pay.care)}
               if shown else {}),
        } for row in result.months()]
    return Report(_cared(summary, BACKPAY_CARE, shown=care_paid, tier=house.care,
                         for_people=for_people), rows, detail_key="months_detail")


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
