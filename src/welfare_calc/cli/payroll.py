"""The ``payroll`` command: the month's 发放明细 of a roster, its statistics, and the
households held back for their bank account (issue 30)."""

from __future__ import annotations

import hashlib
import itertools
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from welfare_calc import __version__
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
from welfare_calc.core.errors import (
    BadOption,
    TargetError,
    TargetProblem,
    UnusableInput,
    WelfareCalcError,
)
from welfare_calc.core.months import Month
from welfare_calc.core.words import _, ngettext

if TYPE_CHECKING:
    from welfare_calc.batch.rows.groups import GroupBy
    from welfare_calc.core.table import StandardsTable
    from welfare_calc.payroll.changes import Changes
    from welfare_calc.payroll.detail import BankTarget
    from welfare_calc.payroll.month_changes import ChangeRoster

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
@roster_options
@click.option("--previous", "previous", default=None, metavar="LAST_MONTH_ROSTER",
              type=FilePath(exists=True, dir_okay=False, path_type=Path))
@click.option("--changes", "changes_path", default=None, metavar="FILE")
@click.option("--bank-file", "bank_file", default=None, metavar="FILE")
@click.option("--bank-layout", "bank_layout", default=None, metavar="NAME|FILE.yaml")
@click.option("--batch-no", "batch_no", default=None, metavar="TEXT")
@click.option("--group-by", "group_by", multiple=True, metavar="HEADER[:N]")
@language_option
@click.pass_obj
def payroll(settings: Settings, input_path: Path, month: Month, output: str,
            errors_path: str | None, summary_path: str | None, summary_csv: str | None,
            office: str | None, encoding: str | None, output_encoding: str, excel: bool,
            sheet: str | None, header_row: int | None, columns: tuple[str, ...],
            group_by: tuple[str, ...], previous: Path | None, changes_path: str | None,
            bank_file: str | None, bank_layout: str | None, batch_no: str | None) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["payroll"]`` in
    :mod:`welfare_calc.output.help_texts` (class ``Bilingual`` puts it in place)."""
    from welfare_calc.batch.input.sheet_reading import is_workbook  # noqa: PLC0415
    from welfare_calc.batch.rows.groups import parse_group_by  # noqa: PLC0415
    from welfare_calc.batch.rows.parsing import column_choices  # noqa: PLC0415
    from welfare_calc.batch.run.options import BatchOptions, RowsNeeded  # noqa: PLC0415
    from welfare_calc.batch.run.roster import run_roster  # noqa: PLC0415
    from welfare_calc.batch.write.documents import RunStamp, file_sha256  # noqa: PLC0415
    from welfare_calc.batch.write.files import fits_a_sheet  # noqa: PLC0415
    from welfare_calc.core.engine import MonthPlan, fen_text  # noqa: PLC0415
    from welfare_calc.payroll.detail import Payroll, PayrollOptions  # noqa: PLC0415

    workbook = str(input_path) != "-" and is_workbook(input_path)
    if output != "-" and not output.lower().endswith((".xlsx", ".csv")):
        raise UsageProblem(_("-o {output}: a 发放明细 is .xlsx (to print), .csv, or - (CSV on "
                             "stdout)").format(output=output))
    to_workbook = output.lower().endswith(".xlsx")
    if office is not None and not office.strip():
        raise UsageProblem(_("--office: give the 制表单位's name, e.g. --office 周村区民政局"))
    if office is not None and not to_workbook and bank_file is None:
        raise UsageProblem(_("--office is printed on a workbook's documents; give -o FILE.xlsx"))
    bank = _bank_choices(bank_file, bank_layout, batch_no, month, office)
    changes_targets = _changes_targets(previous, changes_path, output, to_workbook)
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
    files, errors_label = roster_files(
        input_path, output, errors_path, summary_path, summary_csv=summary_csv,
        others=[*([("--bank-file", bank_file)] if bank_file is not None else []),
                *(("--changes", str(target)) for target in changes_targets)])
    if to_workbook and not workbook and not reading_stdin:
        try:
            fits_a_sheet(input_path)
        except BadOption as error:
            raise UsageProblem(str(error)) from None
    roster = None
    if previous is not None:
        if any(Path(os.path.realpath(previous)) == target for target in files.paths()):
            raise UsageProblem(_("--previous {path}: is a file this run writes, which would be "
                                 "replaced; choose another file").format(path=previous))
        roster = _last_month(table, previous, month, office, mapping, levels, encoding,
                             changes_targets, excel)
    stamp = (RunStamp(__version__, loaded.sha256,
                      file_sha256(str(input_path)) if workbook else None)
             if to_workbook else None)
    chosen = PayrollOptions(
        month=month, output=files.output, workbook=to_workbook, summary=files.summary,
        summary_csv=files.summary_csv,
        account_column=account[0].partition("=")[2] if account else None, excel=excel,
        office=office.strip() if office else None, bank=bank,
        each=roster.each if roster else None,
        sheets=roster.sheets if roster and to_workbook else None,
        beside=roster.stage_csv if roster and changes_targets else None,
        about=(("输入文件", str(input_path)),
               ("标准表", f"{loaded.source} (sha256 {loaded.digest})"),
               ("程序版本", f"welfare-calc {__version__}")))
    # Without --previous the payroll reads none of the rows the batch writes, and keeps
    # no copy of them (BatchOptions.keep_rows), unless the roster cannot be read twice
    # (standard input): a run that finds rows to reject at its end (an id paid twice, a
    # locality named 合计), which are taken out of that copy, is run again keeping them.
    keep_rows = reading_stdin or roster is not None
    try:
        while True:
            maker = Payroll(table, chosen, [header for header, _count in levels])
            options = BatchOptions(encoding=encoding, output_encoding=output_encoding,
                                   excel=excel, headers=None, fmt="documents",
                                   columns=mapping, group_by=levels, stamp=stamp,
                                   documents=maker, keep_rows=keep_rows)
            try:
                with roster_problems(input_path):
                    summary = run_roster(input_path, workbook, sheet, header_row, mapping,
                                         table, plan, files, options, on_a_terminal)
                break
            except RowsNeeded:
                keep_rows = True  # (nothing was written: the same run, keeping them)
    finally:
        if roster is not None:
            roster.close()
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
                     rejected=summary.rows_rejected)
               + ("" if maker.bank_totals is None else
                  _("; to the bank file {where}: {count}, {total}").format(
                      where=bank_file, total=fen_text(maker.bank_totals.fen),
                      count=ngettext("{count} payment", "{count} payments",
                                     maker.bank_totals.count).format(
                                         count=maker.bank_totals.count))),
               err=True)
    if roster is not None and roster.changes is not None:
        _say_changes(roster.changes)
    if summary.rows_rejected:
        raise BatchRejected(ngettext("{count} row rejected and not listed; see {where}",
                                     "{count} rows rejected and not listed; see {where}",
                                     summary.rows_rejected).format(
                                         count=summary.rows_rejected, where=errors_label))


def _households(count: int) -> str:
    return ngettext("{count} household", "{count} households", count).format(count=count)


BATCH_DIGITS = 4
"""The digits after the month in a default batch number (``--batch-no``)."""


def default_batch_no(month: Month, office: str) -> str:
    """The batch number a bank file carries unless ``--batch-no`` names one: the month
    (``202405``) and four digits worked from the office's name (SHA-256), ``2024050731``.

    Digits only, so that no bank's program finds a delimiter, a letter or a space in it;
    the same for a month and office however often the payroll is run (a re-run's file
    is the same batch, which a bank refuses twice, as it refuses a key twice); and two
    offices sending one bank their month rarely share one."""
    digest = int.from_bytes(hashlib.sha256(office.encode("utf-8")).digest()[:8], "big")
    return f"{month.year:04d}{month.month:02d}{digest % 10 ** BATCH_DIGITS:0{BATCH_DIGITS}d}"


def _bank_choices(bank_file: str | None, bank_layout: str | None, batch_no: str | None,
                  month: Month, office: str | None) -> BankTarget | None:
    """``--bank-file`` and what goes with it, or None; :class:`UsageProblem` (exit 2,
    before anything is read) for a layout or batch number that cannot be used."""
    from welfare_calc.payroll.detail import BankTarget  # noqa: PLC0415
    from welfare_calc.payroll.layouts import BadLayout, Total, resolve_layout  # noqa: PLC0415

    if bank_file is None:
        for given, option in ((bank_layout, "--bank-layout"), (batch_no, "--batch-no")):
            if given is not None:
                raise UsageProblem(_("{option} is for the bank file; give --bank-file FILE "
                                     "too").format(option=option))
        return None
    if bank_file == "-" or not bank_file.strip():
        raise UsageProblem(_("--bank-file {given}: name a file for the bank file, e.g. "
                             "--bank-file 代发.csv").format(given=bank_file))
    try:
        layout = resolve_layout(bank_layout or "csv")
    except BadLayout as error:
        raise UsageProblem(str(error)) from None
    named = (office or "").strip()
    if layout.summary is not None and Total.OFFICE in layout.summary.holds and not named:
        raise UsageProblem(_("--bank-layout {layout}: its summary line names the office; give "
                             "--office NAME").format(layout=layout.name))
    if batch_no is not None and not batch_no.strip():
        raise UsageProblem(_("--batch-no: give the batch number, e.g. --batch-no 202405001"))
    return BankTarget(Path(bank_file), layout, named,
                      batch_no.strip() if batch_no else default_batch_no(month, named))


def _changes_targets(previous: Path | None, changes: str | None, output: str,
                     to_workbook: bool) -> list[Path]:
    """Where the change roster and its statistics go as CSV (a workbook holds them as
    sheets, and as CSV too where --changes is given); :class:`UsageProblem` for --changes
    that cannot be used."""
    if previous is None:
        if changes is not None:
            raise UsageProblem(_("--changes is the change roster against last month; give "
                                 "--previous LAST_MONTH_ROSTER too"))
        return []
    # (the change roster's modules, and the workbook writer they use, imported only for it)
    from welfare_calc.payroll.month_changes import csv_targets  # noqa: PLC0415

    if to_workbook and changes is None:
        return []  # (sheets of the workbook; --changes writes them as CSV too)
    if changes is not None and (changes == "-" or not changes.lower().endswith(".csv")):
        raise UsageProblem(_("--changes {given}: name a .csv file for the change roster").format(
            given=changes))
    if output == "-" and changes is None:
        raise UsageProblem(_("--previous with -o -: name the change roster's file, e.g. "
                             "--changes 变动名册.csv"))
    return list(csv_targets(Path(output), None if changes is None else Path(changes)))


def _last_month(table: StandardsTable, previous: Path, month: Month, office: str | None,
                mapping: tuple[tuple[str, str], ...], levels: GroupBy, encoding: str | None,
                targets: list[Path], excel: bool) -> ChangeRoster:
    """Last month computed from its roster at its standard (the month before ``month``),
    by a run of the batch of its own; the change roster that compares this month with
    it. :class:`UsageProblem` (exit 2, nothing written) for a roster of another office,
    one the batch cannot read, or one with rows it rejects (a household left out of last
    month would be reported 新增)."""
    from welfare_calc.batch.input.reading import csv_records  # noqa: PLC0415
    from welfare_calc.batch.input.sheet_reading import is_workbook, sheet_records  # noqa: PLC0415
    from welfare_calc.batch.run.pipeline import BatchFiles, BatchOptions, run_batch  # noqa: PLC0415
    from welfare_calc.core.engine import MonthPlan  # noqa: PLC0415
    from welfare_calc.payroll.changes import (  # noqa: PLC0415
        OtherOffice,
        as_roster_header,
        check_office,
    )
    from welfare_calc.payroll.month_changes import (  # noqa: PLC0415
        ChangeRoster,
        LastMonth,
        MonthSpool,
        month_before,
    )

    before = month_before(month)
    try:
        plan = MonthPlan(table, before)
    except WelfareCalcError as error:
        raise UsageProblem(_("--previous {path}: {problem}").format(path=previous,
                                                                    problem=error)) from None
    spool = MonthSpool(table, levels)
    try:
        try:
            if is_workbook(previous):
                check_office(office, _recorded_office(previous))
                records = sheet_records(previous, None, None, mapping)
                records.header = as_roster_header(records.header)
                summary = run_batch(table, plan, records, BatchFiles(output="spool"),
                                    BatchOptions(fmt="documents", headers=None,
                                                 columns=mapping, group_by=levels,
                                                 documents=LastMonth(spool)))
            else:
                with previous.open("rb") as source:
                    records = csv_records(source, encoding)
                    records.header = as_roster_header(records.header)
                    summary = run_batch(table, plan, records, BatchFiles(output="spool"),
                                        BatchOptions(fmt="documents", headers=None,
                                                     columns=mapping, group_by=levels,
                                                     documents=LastMonth(spool)))
        except (OtherOffice, UnusableInput) as error:
            raise UsageProblem(_("--previous {path}: {problem}").format(
                path=previous, problem=error)) from None
        except (TargetError, TargetProblem) as error:
            raise UsageProblem(str(error)) from None
        if summary.rows_rejected:
            raise UsageProblem(ngettext(
                "--previous {path}: {count} row rejected (above); last month is compared "
                "whole: correct it, or give last month's roster as it was paid",
                "--previous {path}: {count} rows rejected (above); last month is compared "
                "whole: correct them, or give last month's roster as it was paid",
                summary.rows_rejected).format(path=previous, count=summary.rows_rejected))
    except BaseException:
        spool.close()
        raise
    roster_csv, table_csv = targets if targets else (None, None)
    return ChangeRoster(table, month, levels, spool, roster_csv, table_csv, excel)


def _recorded_office(path: Path) -> str | None:
    """The 制表单位 a workbook records above its table (the payroll's own documents do),
    read from the first rows of the sheet the batch reads; None where none is."""
    from welfare_calc.batch.input.workbook_cells import open_sheet  # noqa: PLC0415
    from welfare_calc.payroll.changes import recorded_office  # noqa: PLC0415

    rows = open_sheet(path).rows
    lines = ["　".join(cell for cell in row if isinstance(cell, str))
             for row in itertools.islice(rows, TITLE_ROWS)]
    return recorded_office(lines)


TITLE_ROWS = 6
"""The rows above a document's header where its title and 制表单位 are."""


def _say_changes(changes: Changes) -> None:
    """The change roster's line on stderr: each class's households and the net change."""
    from welfare_calc.core.engine import fen_text  # noqa: PLC0415
    from welfare_calc.payroll.changes import CHANGED, FIGURES  # noqa: PLC0415

    total = changes.total
    counts = {kind: total[at * FIGURES] for at, kind in enumerate(CHANGED)}
    click.echo(_("change roster against {month}: 新增 {new}, 停发 {stopped}, 增发 {more}, "
                 "减发 {less}, unchanged {same}; net {net}").format(
                     month=changes.last_month, new=counts[CHANGED[0]], stopped=counts[CHANGED[1]],
                     more=counts[CHANGED[2]], less=counts[CHANGED[3]],
                     same=changes.unchanged, net=fen_text(changes.net(total))), err=True)
