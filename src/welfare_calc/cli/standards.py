"""The ``standards`` command: the timeline of standards, with documents and how each figure
is known; ``standards diff A B`` compares two months."""

from __future__ import annotations

from datetime import date

import click

from welfare_calc.cli.group import (
    Settings,
    WelfareCalc,
    as_bad_parameter,
    emit,
    output_options,
)
from welfare_calc.cli.types import DateType, MonthType
from welfare_calc.core import timeline
from welfare_calc.core.errors import MonthOutOfRange
from welfare_calc.core.households import category_label
from welfare_calc.core.months import Month
from welfare_calc.core.table import StandardsTable, floor_shortfalls
from welfare_calc.core.words import _
from welfare_calc.output.formats import Format, Lang
from welfare_calc.output.language import spoken
from welfare_calc.output.reports import standards_diff_report, standards_report
from welfare_calc.output.text import exact_text


def _warn_floors(table: StandardsTable, *months: Month) -> None:
    """Say on stderr where a standard is below the floor its category names (docs/rules.md
    rule 16), in any of ``months`` (none: in any month): a warning, never a refusal, and
    nothing on stdout, where the data goes."""
    for short in floor_shortfalls(table):
        if months and not any(short.first <= month <= short.last for month in months):
            continue
        click.echo(_("Warning: {category} {standard} yuan/person/month in {first}..{last} is "
                     "below {times} × {other} {compared} = {least} ({rule}); a warning, not "
                     "a refusal").format(
            category=category_label(table, short.category),
            standard=exact_text(short.standard.monthly), first=short.first, last=short.last,
            times=short.floor.times, other=category_label(table, short.floor.of),
            compared=exact_text(short.compared.monthly), least=exact_text(short.least),
            rule=short.floor.rule), err=True)


@click.group(cls=WelfareCalc, invoke_without_command=True)
@click.option("--on", "on", type=DateType(), default=None)
@output_options
@click.pass_context
def standards(ctx: click.Context, on: date | None, fmt: str, lang: str | None) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["standards"]`` in
    :mod:`welfare_calc.output.help_texts` (class ``Bilingual`` puts it in place)."""
    if ctx.invoked_subcommand is not None:
        return

    settings: Settings = ctx.obj
    table = settings.standards().table
    if on is not None:
        with as_bad_parameter({"month": "'--on'"}):
            for key in table.categories:  # a day the table cannot vouch for is refused
                if (Month.of(on) > table.covers_through
                        or table.categories[key].value_on(on) is None):
                    raise MonthOutOfRange(timeline.unknown_month(table, key, Month.of(on)))
    language = Lang(lang) if lang else spoken()
    emit(standards_report(table, on, for_people=Format(fmt) is Format.TABLE, lang=language),
         fmt, lang)
    _warn_floors(table, *(() if on is None else (Month.of(on),)))


@standards.command()
@click.argument("a", metavar="A", type=MonthType())
@click.argument("b", metavar="B", type=MonthType())
@output_options
@click.pass_obj
def diff(settings: Settings, a: Month, b: Month, fmt: str, lang: str | None) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["diff"]`` in
    :mod:`welfare_calc.output.help_texts`."""
    table = settings.standards().table
    language = Lang(lang) if lang else spoken()
    with as_bad_parameter({"month": "'A' / 'B'"}):
        report = standards_diff_report(table, a, b, for_people=Format(fmt) is Format.TABLE,
                                       lang=language)
    emit(report, fmt, lang)
    _warn_floors(table, a, b)
