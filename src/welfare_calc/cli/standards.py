"""The ``standards`` command: the table of standards, with its documents."""

from __future__ import annotations

from datetime import date

import click

from welfare_calc.cli.group import Settings, cli, emit, output_options
from welfare_calc.cli.types import DateType
from welfare_calc.core.months import Month
from welfare_calc.core.words import _
from welfare_calc.output.formats import Format


@cli.command()
@click.option("--on", "on", type=DateType(), default=None)
@output_options
@click.pass_obj
def standards(settings: Settings, on: date | None, fmt: str, lang: str | None) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["standards"]`` in
    :mod:`welfare_calc.output.help_texts` (class ``Bilingual`` puts it in place)."""
    from welfare_calc.output.reports import standards_report  # noqa: PLC0415 - see the imports

    table = settings.standards().table
    if on is not None and Month.of(on) > table.covers_through:
        raise click.BadParameter(
            _("{day} is after {last}, the last month the table covers").format(
                day=on, last=table.covers_through), param_hint="'--on'")
    emit(standards_report(table, on, for_people=Format(fmt) is Format.TABLE), fmt, lang)
