"""The ``publicity`` command: the 公示 list a village posts, without personal data."""

from __future__ import annotations

import re
from pathlib import Path

import click

from welfare_calc.batch.input.sheet_reading import is_workbook
from welfare_calc.batch.rows.groups import parse_group_by
from welfare_calc.batch.rows.parsing import column_choices
from welfare_calc.batch.run.pipeline import BatchOptions
from welfare_calc.batch.run.roster import run_roster
from welfare_calc.batch.write.publicity import PublicityOptions
from welfare_calc.cli.group import (
    Bilingual,
    Settings,
    as_bad_parameter,
    language_option,
    roster_options,
)
from welfare_calc.cli.problems import BatchRejected, UsageProblem
from welfare_calc.cli.progress import on_a_terminal, roster_problems
from welfare_calc.cli.roster_files import roster_files
from welfare_calc.cli.types import FilePath, MonthType
from welfare_calc.core.engine import BackpayEngine, MonthPlan
from welfare_calc.core.errors import BadOption
from welfare_calc.core.months import Month
from welfare_calc.core.words import _, ngettext

PHONE = re.compile(r"(?=.*\d)[\d \-－—()（）、，,/转]{3,40}")
"""A 监督电话 as offices print it: digits, with the separators they write (0533-6412345,
（0533）6412345 转 8001, two numbers apart), never a sentence."""


@click.command(cls=Bilingual)
@click.argument("input_path", metavar="ROSTER", type=FilePath(exists=True, dir_okay=False,
                                                                allow_dash=True, path_type=Path))
@click.option("--month", required=True, type=MonthType())
@click.option("-o", "--output", required=True)
@click.option("--period", required=True)
@click.option("--group-by", "group_by", multiple=True, metavar="HEADER[:N]")
@click.option("--names", type=click.Choice(["masked", "full"]), default="masked")
@click.option("--amounts", is_flag=True)
@click.option("--name-column", default=None, metavar="HEADER")
@click.option("--office", default=None, metavar="NAME")
@click.option("--hotline", default=None, metavar="PHONE")
@click.option("--errors", "errors_path", default=None)
@roster_options
@language_option
@click.pass_obj
def publicity(settings: Settings, input_path: Path, month: Month, output: str, period: str,
              group_by: tuple[str, ...], names: str, amounts: bool, name_column: str | None,
              office: str | None, hotline: str | None, errors_path: str | None,
              encoding: str | None, output_encoding: str, excel: bool, sheet: str | None,
              header_row: int | None, columns: tuple[str, ...]) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["publicity"]`` in
    :mod:`welfare_calc.output.help_texts` (class ``Bilingual`` puts it in place)."""
    workbook = str(input_path) != "-" and is_workbook(input_path)
    if output != "-" and not output.lower().endswith((".xlsx", ".csv")):
        raise UsageProblem(_("-o {output}: a 公示 list is .xlsx (to print), .csv, or - (CSV on "
                             "stdout)").format(output=output))
    if not period.strip():
        raise UsageProblem(_("--period: give the 公示期, e.g. --period 2020年8月12日至8月18日"))
    for printed, option in ((office, "--office"), (hotline, "--hotline")):
        if printed is not None and not output.lower().endswith(".xlsx"):
            raise UsageProblem(_("{option} is printed on a workbook's list; give -o "
                                 "FILE.xlsx").format(option=option))
    if hotline is not None and not PHONE.fullmatch(hotline.strip()):
        raise UsageProblem(_("--hotline {given}: give the 监督电话 as the number to dial, e.g. "
                             "--hotline 0533-6412345").format(given=repr(hotline)))
    for given, option in ((sheet, "--sheet"), (header_row, "--header-row")):
        if given is not None and not workbook:
            raise UsageProblem(_("{option} is for a workbook ROSTER (.xlsx, .xls); {path} is "
                                 "read as CSV").format(option=option, path=input_path))
    try:
        mapping = column_choices(columns)
        levels = parse_group_by(group_by)
    except BadOption as error:
        raise UsageProblem(str(error)) from None
    table = settings.standards().table
    with as_bad_parameter({"month": "'--month'", "through": "'--month'"}):
        BackpayEngine(table, month)  # (a month before the table's first raise is refused)
        # The run is the month's alone: each row's coverage of it and its amount in it,
        # which the list takes as the run computed them.
        plan = MonthPlan(table, month)
    files, errors_label = roster_files(input_path, output, errors_path, None)
    chosen = PublicityOptions(month=month, period=period.strip(),
                              names="full" if names == "full" else "masked", amounts=amounts,
                              name_column=name_column, office=office.strip() if office else None,
                              hotline=hotline.strip() if hotline else None)
    options = BatchOptions(encoding=encoding, output_encoding=output_encoding, excel=excel,
                           headers=None, fmt="publicity", columns=mapping, group_by=levels,
                           publicity=chosen)
    with roster_problems(input_path):
        summary = run_roster(input_path, workbook, sheet, header_row, mapping, table, plan,
                             files, options, on_a_terminal)
    listed = summary.rows_written - summary.rows_left_out
    where = _("standard output") if output == "-" else output
    click.echo(ngettext("{count} household listed in {where}; {left_out} not listed (not "
                        "covered in {month}, or nothing due); {rejected} rejected",
                        "{count} households listed in {where}; {left_out} not listed (not "
                        "covered in {month}, or nothing due); {rejected} rejected",
                        listed).format(count=listed, where=where,
                                       left_out=summary.rows_left_out, month=month,
                                       rejected=summary.rows_rejected), err=True)
    if summary.rows_rejected:
        raise BatchRejected(ngettext("{count} row rejected and not listed; see {where}",
                                     "{count} rows rejected and not listed; see {where}",
                                     summary.rows_rejected).format(
                                         count=summary.rows_rejected, where=errors_label))
