"""Core results as reports: the fields each command outputs, under stable keys.

The keys here are a contract with scripts (docs/json.md). Values are
text taken from the results; nothing is computed here.
"""

from __future__ import annotations

from datetime import date

from welfare_calc.core.calc import (
    AnnualAmount,
    AppliedStandard,
    Backpay,
    Coverage,
    MonthAmount,
    apply_standard,
)
from welfare_calc.core.months import Month
from welfare_calc.core.table import StandardsTable
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


def standards_report(table: StandardsTable, on: date | None, *, for_people: bool) -> Report:
    """Every value of the table, or only those in force on ``on``."""
    rows: list[Record] = []
    for key, category in table.categories.items():
        values = category.values
        if on is not None:
            current = category.value_on(on)
            values = (current,) if current is not None else ()
        for value in values:
            rows.append({"category": key, "category_name": category.name_zh,
                         **_standard(apply_standard(table, key, value), for_people)})
    return Report(None, rows, detail_key="standards")
