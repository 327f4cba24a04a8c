"""The ``payroll`` command: the month's 发放明细 of a roster, its statistics, and the
households held back for their bank account (issue 30)."""

from __future__ import annotations

from pathlib import Path

import click

from welfare_calc import __version__
from welfare_calc.cli.group import Bilingual, Settings, as_bad_parameter, language_option
from welfare_calc.cli.problems import BatchRejected, UsageProblem
from welfare_calc.cli.progress import on_a_terminal, roster_problems
from welfare_calc.cli.types import EncodingType, FilePath, MonthType, WholeRange
from welfare_calc.core.errors import BadOption, TargetError, TargetProblem
from welfare_calc.core.months import Month
from welfare_calc.core.words import _, ngettext
from welfare_calc.output import streams

ACCOUNT_KEY = "account"
"""``--column account=HEADER``: the payroll's own column, which the batch does not read."""


@click.command(cls=Bilingual)
@click.argument("input_path", metavar="ROSTER", type=FilePath(exists=True, dir_okay=False,
                                                                allow_dash=True, path_type=Path))
@click.option("--month", required=True, type=MonthType())
@click.option("-o", "--output", required=True)
@click.option("--errors", "errors_path", default=None)
@click.option("--summary", "summary_path", default=None)
@click.option("--summary-csv", "summary_csv", default=None, metavar="FILE")
@click.option("--office", default=None, metavar="NAME")
@click.option("--encoding", type=EncodingType(reading=True), default=None)
@click.option("--output-encoding", type=EncodingType(reading=False), default="utf-8")
@click.option("--excel", is_flag=True)
@click.option("--sheet", default=None)
@click.option("--header-row", type=WholeRange(min=1), default=None)
@click.option("--column", "columns", multiple=True, metavar="KEY=HEADER")
@click.option("--group-by", "group_by", multiple=True, metavar="HEADER[:N]")
@language_option
@click.pass_obj
def payroll(settings: Settings, input_path: Path, month: Month, output: str,
            errors_path: str | None, summary_path: str | None, summary_csv: str | None,
            office: str | None, encoding: str | None, output_encoding: str, excel: bool,
            sheet: str | None, header_row: int | None, columns: tuple[str, ...],
            group_by: tuple[str, ...]) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["payroll"]`` in
    :mod:`welfare_calc.output.help_texts` (class ``Bilingual`` puts it in place)."""
    from welfare_calc.batch.input.sheet_reading import is_workbook  # noqa: PLC0415
    from welfare_calc.batch.rows.groups import parse_group_by  # noqa: PLC0415
    from welfare_calc.batch.rows.parsing import column_choices  # noqa: PLC0415
    from welfare_calc.batch.run.options import BatchOptions  # noqa: PLC0415
    from welfare_calc.batch.run.roster import run_roster  # noqa: PLC0415
    from welfare_calc.batch.write.documents import RunStamp, file_sha256  # noqa: PLC0415
    from welfare_calc.batch.write.files import batch_files, fits_a_sheet  # noqa: PLC0415
    from welfare_calc.core.engine import MonthPlan, fen_text  # noqa: PLC0415
    from welfare_calc.payroll.detail import Payroll, PayrollOptions  # noqa: PLC0415

    workbook = str(input_path) != "-" and is_workbook(input_path)
    if output != "-" and not output.lower().endswith((".xlsx", ".csv")):
        raise UsageProblem(_("-o {output}: a 发放明细 is .xlsx (to print), .csv, or - (CSV on "
                             "stdout)").format(output=output))
    to_workbook = output.lower().endswith(".xlsx")
    if office is not None and not office.strip():
        raise UsageProblem(_("--office: give the 制表单位's name, e.g. --office 周村区民政局"))
    if office is not None and not to_workbook:
        raise UsageProblem(_("--office is printed on a workbook's documents; give -o FILE.xlsx"))
    for given, option in ((sheet, "--sheet"), (header_row, "--header-row")):
        if given is not None and not workbook:
            raise UsageProblem(_("{option} is for a workbook ROSTER (.xlsx, .xls); {path} is "
                                 "read as CSV").format(option=option, path=input_path))
    account = [given for given in columns
               if given.partition("=")[0].strip().lower() == ACCOUNT_KEY]
    if len(account) > 1 or (account and not account[0].partition("=")[2].strip()):
        raise UsageProblem(_("--column account=HEADER: give the header of the bank accounts "
                             "once, e.g. --column account=银行卡号"))
    try:
        mapping = column_choices(tuple(given for given in columns if given not in account))
        levels = parse_group_by(group_by)
    except BadOption as error:
        raise UsageProblem(str(error)) from None
    loaded = settings.standards()
    table = loaded.table
    with as_bad_parameter({"month": "'--month'", "through": "'--month'"}):
        plan = MonthPlan(table, month)
    reading_stdin = str(input_path) == "-"
    try:
        files, errors_label = batch_files(None if reading_stdin else input_path, output,
                                          errors_path, summary_path, summary_csv=summary_csv)
        if reading_stdin:
            streams.check_open("stdin")
        if "stdout" in (files.output, files.errors, files.summary, files.summary_csv):
            streams.check_open("stdout")
    except (TargetError, TargetProblem) as error:
        raise UsageProblem(str(error)) from None
    if to_workbook and not workbook and not reading_stdin:
        try:
            fits_a_sheet(input_path)
        except BadOption as error:
            raise UsageProblem(str(error)) from None
    stamp = (RunStamp(__version__, loaded.sha256,
                      file_sha256(str(input_path)) if workbook else None)
             if to_workbook else None)
    chosen = PayrollOptions(
        month=month, output=files.output, workbook=to_workbook, summary=files.summary,
        summary_csv=files.summary_csv,
        account_column=account[0].partition("=")[2] if account else None, excel=excel,
        office=office.strip() if office else None,
        about=(("输入文件", str(input_path)),
               ("标准表", f"{loaded.source} (sha256 {loaded.digest})"),
               ("程序版本", f"welfare-calc {__version__}")))
    maker = Payroll(table, chosen, [header for header, _count in levels])
    options = BatchOptions(encoding=encoding, output_encoding=output_encoding, excel=excel,
                           headers=None, fmt="documents", columns=mapping, group_by=levels,
                           stamp=stamp, documents=maker)
    with roster_problems(input_path):
        summary = run_roster(input_path, workbook, sheet, header_row, mapping, table, plan,
                             files, options, on_a_terminal)
    made = maker.summary
    where = _("standard output") if output == "-" else output
    click.echo(_("{month}: {listed} listed in {where}, total {total}: to send {sent} "
                 "({sent_count}), held back for their bank account (待核实账号) {held} "
                 "({held_count}); {left_out} not listed (not covered in {month}, or nothing "
                 "due); {rejected} rejected").format(
                     month=month, listed=_households(made.listed), where=where,
                     total=fen_text(made.total_fen), sent=fen_text(made.sent_fen),
                     sent_count=_households(made.sent), held=fen_text(made.held_fen),
                     held_count=_households(made.held), left_out=made.not_listed,
                     rejected=summary.rows_rejected), err=True)
    if summary.rows_rejected:
        raise BatchRejected(ngettext("{count} row rejected and not listed; see {where}",
                                     "{count} rows rejected and not listed; see {where}",
                                     summary.rows_rejected).format(
                                         count=summary.rows_rejected, where=errors_label))


def _households(count: int) -> str:
    return ngettext("{count} household", "{count} households", count).format(count=count)
