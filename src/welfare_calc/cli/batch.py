"""The ``batch`` command: back-pay for every household of a roster (CSV or workbook)."""

from __future__ import annotations

from pathlib import Path

import click

from welfare_calc import __version__
from welfare_calc.batch.input.sheet_reading import is_workbook
from welfare_calc.batch.rows.groups import parse_group_by
from welfare_calc.batch.rows.parsing import column_choices
from welfare_calc.batch.run.pipeline import BatchOptions
from welfare_calc.batch.run.roster import run_roster
from welfare_calc.batch.write.documents import RunStamp, file_sha256
from welfare_calc.batch.write.files import fits_a_sheet
from welfare_calc.cli.group import (
    Bilingual,
    Settings,
    as_bad_parameter,
    language_option,
    roster_options,
    rounded_table,
    rounding_option,
)
from welfare_calc.cli.problems import BatchRejected, UsageProblem
from welfare_calc.cli.progress import on_a_terminal, roster_problems
from welfare_calc.cli.roster_files import roster_files
from welfare_calc.cli.types import FilePath, MonthType
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.errors import BadOption
from welfare_calc.core.months import Month
from welfare_calc.core.words import _, ngettext


@click.command(cls=Bilingual)
@click.argument("input_path", metavar="INPUT", type=FilePath(exists=True, dir_okay=False,
                                                               allow_dash=True, path_type=Path))
@click.option("--through", required=True, type=MonthType())
@click.option("--raise", "named_raise", type=MonthType(), default=None)
@click.option("-o", "--output", default="-")
@click.option("--errors", "errors_path", default=None)
@click.option("--summary", "summary_path", default=None)
@click.option("--summary-csv", "summary_csv", default=None, metavar="FILE")
@click.option("--office", default=None, metavar="NAME")
@click.option("--headers", type=click.Choice(["en", "zh"]), default=None)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv")
@roster_options
@click.option("--group-by", "group_by", multiple=True, metavar="HEADER[:N]")
@click.option("--print-column", "print_columns", multiple=True, metavar="HEADER")
@rounding_option
@language_option
@click.pass_obj
def batch(settings: Settings, input_path: Path, through: Month, named_raise: Month | None,
          output: str,
          errors_path: str | None, summary_path: str | None, summary_csv: str | None,
          office: str | None, encoding: str | None,
          output_encoding: str, excel: bool, headers: str | None, fmt: str, sheet: str | None,
          header_row: int | None, columns: tuple[str, ...], group_by: tuple[str, ...],
          print_columns: tuple[str, ...], rounding: str | None) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["batch"]`` in
    :mod:`welfare_calc.output.help_texts` (class ``Bilingual`` puts it in place)."""
    workbook = str(input_path) != "-" and is_workbook(input_path)
    try:
        mapping = column_choices(columns)
        levels = parse_group_by(group_by)
    except BadOption as error:
        raise UsageProblem(str(error)) from None
    for given, option in ((sheet, "--sheet"), (header_row, "--header-row")):
        if given is not None and not workbook:
            raise UsageProblem(_("{option} is for a workbook INPUT (.xlsx, .xls); {path} is "
                                 "read as CSV").format(option=option, path=input_path))
    to_workbook = output != "-" and output.lower().endswith(".xlsx")
    if to_workbook and fmt == "jsonl":
        raise UsageProblem(_("--format jsonl cannot be written to {output}, a workbook; give a "
                             ".jsonl file, or leave --format out").format(output=output))
    loaded = settings.standards()
    table = rounded_table(settings, rounding)
    with as_bad_parameter({"month": "'--through'", "through": "'--through'",
                           "raise": "'--raise'"}):
        plan = BackpayEngine(table, through, named_raise)
    reading_stdin = str(input_path) == "-"
    files, errors_label = roster_files(input_path, output, errors_path, summary_path,
                                       workbook=to_workbook, summary_csv=summary_csv)
    document = table.document(plan.raised.document)
    about = (("输入文件", "input", str(input_path)),
             ("标准文件", "standards document", document.number + (
                 f"《{document.title}》" if document.title else "")),
             ("标准表", "standards table", f"{loaded.source} (sha256 {loaded.digest})"),
             ("程序版本", "program", f"welfare-calc {__version__}"))
    if office is not None and not office.strip():
        raise UsageProblem(_("--office: give the 制表单位's name, e.g. --office 周村区民政局"))
    if office is not None and not to_workbook:
        raise UsageProblem(_("--office is printed on a workbook's documents; give -o FILE.xlsx"))
    if print_columns and not to_workbook:
        raise UsageProblem(_("--print-column chooses what a workbook's 补发名册 prints; give -o "
                             "FILE.xlsx"))
    # The printed stamp: a workbook input is read by its own reader, so hashed here; a
    # CSV input is hashed by the run as it reads it.
    stamp = (RunStamp(__version__, loaded.sha256,
                      file_sha256(str(input_path)) if workbook else None)
             if to_workbook else None)
    options = BatchOptions(encoding=encoding, output_encoding=output_encoding, excel=excel,
                           headers="zh" if headers == "zh" else "en" if headers else None,
                           fmt="xlsx" if to_workbook else "jsonl" if fmt == "jsonl" else "csv",
                           columns=mapping, group_by=levels, about=about,
                           office=office.strip() if office else None, stamp=stamp,
                           printed=print_columns)
    if to_workbook and not workbook and not reading_stdin:
        try:
            fits_a_sheet(input_path)
        except BadOption as error:
            raise UsageProblem(str(error)) from None
    with roster_problems(input_path):
        summary = run_roster(input_path, workbook, sheet, header_row, mapping, table, plan,
                             files, options, on_a_terminal)
    click.echo(summary.as_text(table), err=True)
    if summary.rows_rejected:
        raise BatchRejected(ngettext("{count} row rejected; see {where}",
                                     "{count} rows rejected; see {where}",
                                     summary.rows_rejected).format(
                                         count=summary.rows_rejected, where=errors_label))
