"""The ``entitlement`` command: one household's monthly and annual amount."""

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
from welfare_calc.cli.types import MonthType, WholeRange
from welfare_calc.core import checks, households
from welfare_calc.core.months import Month
from welfare_calc.core.table import CareTier
from welfare_calc.output.calls import entitlement_call
from welfare_calc.output.case import with_case
from welfare_calc.output.formats import Format, Lang
from welfare_calc.output.language import spoken


@click.command(cls=Bilingual)
@household_options
@click.option("--month", type=MonthType(), default=None)
@click.option("--year", type=WholeRange(1, 9999), default=None)
@case_options
@output_options
@click.pass_obj
def entitlement(settings: Settings, category: str, persons: int, income: Decimal,
                start: Month | None, end: Month | None, supplement: households.Supplement | None,
                care: CareTier | None,
                explain: bool, rounding: str | None, month: Month | None, year: int | None,
                case_name: str | None, case_id: str | None, case_locality: str | None,
                fmt: str, lang: str | None) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["entitlement"]`` in
    :mod:`welfare_calc.output.help_texts` (class ``Bilingual`` puts it in place)."""
    case = case_of(case_name, case_id, case_locality, explain=explain, fmt=fmt)
    table = rounded_table(settings, rounding)
    language = Lang(lang) if lang else spoken()
    with as_bad_parameter({**FIELDS, "month": "'--month' / '--year'"}):
        house, period = checks.call(table, category, persons, income, start, end, supplement,
                                    care)
        report, explanation = entitlement_call(
            table, house, period, month, year,
            for_people=Format(fmt) is Format.TABLE, explain=explain, lang=language)
    emit(report, fmt, lang, explanation and with_case(explanation, case, language))
