"""One household's call, from checked inputs to its report: what the CLI's ``backpay`` and
``entitlement`` print and what the page and its JSON API give, made once.

The page must say exactly what the command line says (the same JSON, the
same written-out calculation), so both front ends call these; neither holds
a rule or a step of its own. Errors are the core's
(:class:`~welfare_calc.core.errors.WelfareCalcError`, with the field they concern).
"""

from __future__ import annotations

from decimal import Decimal

from welfare_calc.core import calc, households, timeline
from welfare_calc.core.months import Month
from welfare_calc.core.table import Raise, StandardsTable
from welfare_calc.output.explain import explain_backpay, explain_entitlement
from welfare_calc.output.formats import Lang
from welfare_calc.output.render import Report
from welfare_calc.output.reports import backpay_report, entitlement_report


def backpay_call(table: StandardsTable, house: households.Household, period: households.Coverage,
                 through: Month, paid: Decimal | None, *, raised: Raise | None = None,
                 detail: bool, for_people: bool, explain: bool,
                 lang: Lang) -> tuple[Report, str | None]:
    """The back-pay of one household, as ``welfare-calc backpay`` reports it (for the raise
    ``raised``, else the latest in force by ``through``: docs/rules.md rule 14)."""
    result = calc.backpay(table, house, through, period, paid, raised)
    return (backpay_report(result, detail=detail, for_people=for_people),
            explain_backpay(result, lang) if explain else None)


def entitlement_call(table: StandardsTable, house: households.Household,
                     period: households.Coverage, month: Month | None, year: int | None, *,
                     for_people: bool,
                     explain: bool, lang: Lang) -> tuple[Report, str | None]:
    """One month's and one year's entitlement, as ``welfare-calc entitlement`` reports it."""
    chosen = timeline.shown_month(table, house, period, month, year)
    monthly = calc.monthly_amount(table, house, chosen)
    annual = calc.annual_amount(table, house, year or chosen.year, period)
    in_force = table.raise_by(chosen)
    newly = in_force is not None and calc.newly_eligible(table, house, in_force)
    raised = (timeline.raise_standards(table, house.category, in_force)
              if newly and in_force is not None else None)
    return (entitlement_report(monthly, annual, newly_eligible=newly, for_people=for_people),
            explain_entitlement(monthly, annual, lang, raised) if explain else None)
