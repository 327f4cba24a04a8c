"""The ``reconcile`` command: a bank's return (回盘) checked against the bank file sent,
its totals reported, and its failed payments written as a 重发名单 (issue 30 §4)."""

from __future__ import annotations

from pathlib import Path

import click

from welfare_calc.cli.group import Bilingual, emit, output_options
from welfare_calc.cli.problems import UsageProblem
from welfare_calc.cli.types import FilePath
from welfare_calc.core.errors import BadOption, TargetError, TargetProblem, UnusableInput
from welfare_calc.core.words import _, ngettext
from welfare_calc.output.formats import Format, Lang
from welfare_calc.output.language import spoken

RESEND_SUFFIXES = (".csv", ".xlsx")


@click.command(cls=Bilingual)
@click.argument("sent_path", metavar="SENT", type=FilePath(exists=True, dir_okay=False,
                                                             path_type=Path))
@click.argument("return_path", metavar="RETURN", type=FilePath(exists=True, dir_okay=False,
                                                                 path_type=Path))
@click.option("--bank-layout", "bank_layout", default=None, metavar="NAME|FILE.yaml")
@click.option("--column", "columns", multiple=True, metavar="KEY=HEADER")
@click.option("-o", "--output", default=None, metavar="FILE")
@output_options
def reconcile(sent_path: Path, return_path: Path, bank_layout: str | None,
              columns: tuple[str, ...], output: str | None, fmt: str,
              lang: str | None) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["reconcile"]`` in
    :mod:`welfare_calc.output.help_texts` (class ``Bilingual`` puts it in place)."""
    from welfare_calc.batch.write.targets import check_distinct, resolve  # noqa: PLC0415
    from welfare_calc.output.render import Report  # noqa: PLC0415
    from welfare_calc.payroll import layouts  # noqa: PLC0415
    from welfare_calc.payroll import reconcile as reconciling  # noqa: PLC0415

    target: Path | None = None
    try:
        layout = (layouts.resolve_layout(bank_layout) if bank_layout is not None
                  else reconciling.detect_layout(sent_path))
        mapping = reconciling.column_mapping(columns)
        if output is not None:
            if not output.lower().endswith(RESEND_SUFFIXES):
                raise UsageProblem(_("-o {output}: a 重发名单 is .csv or .xlsx").format(
                    output=output))
            named = resolve("-o", output)
            check_distinct(sent_path, [named])
            check_distinct(return_path, [named])
            assert isinstance(named.destination, Path)
            target = named.destination
        outcome = reconciling.reconcile(sent_path, return_path, layout, mapping=mapping)
        if target is not None:
            reconciling.write_resend(outcome.failures, target)
    except (BadOption, UnusableInput, TargetError, TargetProblem) as error:
        raise UsageProblem(str(error)) from None
    language = Lang(lang) if lang else spoken()
    readable = Format(fmt) is Format.TABLE
    rows: list[dict[str, str | int | bool | None]] = []
    for code, chinese, english, totals in (
            ("sent", "发送", "sent", outcome.sent),
            ("succeeded", "成功", "succeeded", outcome.succeeded),
            ("failed", "失败", "failed", outcome.failed)):
        rows.append({"outcome": language.of(chinese, english) if readable else code,
                     "count": totals.count, "amount": totals.amount})
    emit(Report(None, rows, "outcomes"), fmt, lang)
    if output is not None:
        click.echo(ngettext("{count} failed payment written to {output} (重发名单)",
                            "{count} failed payments written to {output} (重发名单)",
                            outcome.failed.count).format(count=outcome.failed.count,
                                                         output=output), err=True)
