"""The ``standards`` command: the table of standards, with its documents."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from welfare_calc.core.months import Month
from welfare_calc.output.formats import Format

if TYPE_CHECKING:  # (only what the annotations need)
    pass

# Help texts, in English and Chinese, are in welfare_calc/help_texts.py, found by
# each command's and option's name (class Bilingual).
#
# Rendering (tabulate), explanations and the batch machinery are imported by
# the commands that use them, so that each command starts no slower than it must.
from welfare_calc.cli.group import Settings, cli, emit, output_options
from welfare_calc.cli.types import DateType


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
            f"{on} is after {table.covers_through}, the last month the table covers",
            param_hint="'--on'")
    emit(standards_report(table, on, for_people=Format(fmt) is Format.TABLE), fmt, lang)
