"""One household's call, from checked inputs to its report: what the CLI's ``backpay`` and
``entitlement`` print and what the page and its JSON API give, made once.

The page must say exactly what the command line says (the same JSON, the
same written-out calculation), so both front ends call these; neither holds
a rule or a step of its own. Errors are the core's
(:class:`~welfare_calc.core.errors.WelfareCalcError`, with the field they concern).
"""

from __future__ import annotations

from decimal import Decimal

from welfare_calc.core import engine, households, timeline
from welfare_calc.core.months import Month
from welfare_calc.core.table import Raise, StandardsTable
from welfare_calc.output.formats import Lang
from welfare_calc.output.render import Report
from welfare_calc.output.reports import backpay_report, entitlement_report


def backpay_call(table: StandardsTable, house: households.Household, period: households.Coverage,
                 through: Month, paid: Decimal | None, *, raised: Raise | None = None,
                 detail: bool, for_people: bool, explain: bool,
                 lang: Lang) -> tuple[Report, str | None]:
    """The back-pay of one household, as ``welfare-calc backpay`` reports it (for the raise
    ``raised``, else the latest in force by ``through``: docs/rules.md rule 14)."""
    result = engine.backpay(table, house, through, period, paid, raised)
    care = house.category in table.care_categories
    report = backpay_report(result, detail=detail, for_people=for_people, care_paid=care,
                            lang=lang)
    if not explain:
        return report, None
    from welfare_calc.output.explain import explain_backpay  # noqa: PLC0415 - --explain only

    return report, explain_backpay(result, lang, care_paid=care)


def entitlement_call(table: StandardsTable, house: households.Household,
                     period: households.Coverage, month: Month | None, year: int | None, *,
                     for_people: bool,
                     explain: bool, lang: Lang) -> tuple[Report, str | None]:
    """One month's and one year's entitlement, as ``welfare-calc entitlement`` reports it."""
    chosen = timeline.shown_month(table, house, period, month, year)
    monthly = engine.month_amount(table, house, chosen)
    annual = engine.annual_amount(table, house, year or chosen.year, period)
    in_force = table.raise_by(chosen)
    newly = in_force is not None and engine.newly_eligible(table, house, in_force)
    raised = (engine.raise_rates(table, house.category, in_force)
              if newly and in_force is not None else None)
    care = house.category in table.care_categories
    report = entitlement_report(monthly, annual, newly_eligible=newly, for_people=for_people,
                                care_paid=care, lang=lang)
    if not explain:
        return report, None
    from welfare_calc.output.explain import explain_entitlement  # noqa: PLC0415 - --explain

    return report, explain_entitlement(monthly, annual, lang, care_paid=care, newly=raised)
