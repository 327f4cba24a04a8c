"""The ``backpay`` command: one household's back-pay (提标增补)."""

from __future__ import annotations

from decimal import Decimal

import click

from welfare_calc.cli.group import (
    FIELDS,
    Bilingual,
    Settings,
    as_bad_parameter,
    case_of,
    case_options,
    emit,
    household_options,
    output_options,
    rounded_table,
)
from welfare_calc.cli.types import MonthType, PaidType
from welfare_calc.core import checks, households, timeline
from welfare_calc.core.months import Month
from welfare_calc.core.table import CareTier
from welfare_calc.output.calls import backpay_call
from welfare_calc.output.case import with_case
from welfare_calc.output.formats import Format, Lang
from welfare_calc.output.language import spoken


@click.command(cls=Bilingual)
@household_options
@click.option("--through", required=True, type=MonthType())
@click.option("--raise", "named_raise", type=MonthType(), default=None)
@click.option("--paid", type=PaidType(), default=None)
@click.option("--detail", is_flag=True)
@case_options
@output_options
@click.pass_obj
def backpay(settings: Settings, category: str, persons: int, income: Decimal,
            start: Month | None, end: Month | None, supplement: households.Supplement | None,
            care: CareTier | None,
            explain: bool, rounding: str | None, through: Month, named_raise: Month | None,
            paid: Decimal | None, detail: bool, case_name: str | None, case_id: str | None,
            case_locality: str | None, fmt: str, lang: str | None) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["backpay"]`` in
    :mod:`welfare_calc.output.help_texts` (class ``Bilingual`` puts it in place)."""
    case = case_of(case_name, case_id, case_locality, explain=explain, fmt=fmt)
    table = rounded_table(settings, rounding)
    language = Lang(lang) if lang else spoken()
    with as_bad_parameter({**FIELDS, "month": "'--through'", "through": "'--through'",
                           "raise": "'--raise'"}):
        house, period = checks.call(table, category, persons, income, start, end, supplement,
                                    care, paid=paid)
        raised = timeline.choose_raise(table, through, named_raise)
        report, explanation = backpay_call(
            table, house, period, through, paid, raised=raised,
            detail=detail,
            for_people=Format(fmt) is Format.TABLE, explain=explain, lang=language)
    emit(report, fmt, lang, explanation and with_case(explanation, case, language))
