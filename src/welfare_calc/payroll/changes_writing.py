"""The change roster as an office files it (issue 30 §2): the 变动名册 (one row a household
changed: its class, last month's amount, this month's, the difference and why) and the
变动情况统计表 (per group, as the provincial platform's monthly change table has it:
新增, 停发, 保障金增加 and 保障金减少, each as 户数, 人数 and 金额, and a 合计 row).

Two forms: sheets added to the payroll's workbook, printed as the 补发名册 is (title,
制表单位 and date, header on every page, page numbers, 小计 per group, sign-off and run
stamp: :mod:`welfare_calc.batch.write.workbook`), or CSV files beside the 发放明细
(:func:`beside`). Writing into a target is the caller's staging (nothing half-written):
these functions write to an open stream or a workbook being made, never to a path.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from welfare_calc.batch.write.documents import SUBTOTAL, TOTAL, group_label, period_text
from welfare_calc.batch.write.workbook import (
    LANDSCAPE,
    PrintLayout,
    SheetWriter,
    print_styles,
)
from welfare_calc.core.engine import fen_text
from welfare_calc.output.text import csv_safe, kept_as_text
from welfare_calc.payroll.changes import CHANGED, FIGURES, Change, Changes, Counts, Kind

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

ROSTER_SHEET, TABLE_SHEET = "变动名册", "变动统计"

ROW_KEYS = ("number", "id", "name", "group", "change", "last_month", "this_month",
            "difference", "reasons")
ROW_ZH = ("序号", "编号", "姓名", "属地", "变动类别", "上月金额（元）", "本月金额（元）",
          "增减金额（元）", "变动原因")
ROW_KINDS = ("whole", "text", "text", "text", "text", "money", "money", "money", "text")

CLASS_ZH = ("新增", "停发", "保障金增加", "保障金减少")
"""The change table's classes, as the provincial platform heads them (its 停保 is this
tool's 停发: a payment stopped)."""
CLASS_EN = ("new", "stopped", "more", "less")
FIGURE_ZH = ("户数", "人数", "金额（元）")
FIGURE_EN = ("households", "persons", "fen")
NET_ZH = "合计增减金额（元）"
NET_EN = "net"
KIND_EN = {Kind.NEW: "new", Kind.STOPPED: "stopped", Kind.MORE: "more", Kind.LESS: "less",
           Kind.SAME: "same"}


def titles(changes: Changes) -> tuple[str, str]:
    """The two documents' titles: ``2024年5月城乡低保、特困供养变动名册`` and
    ``…变动情况统计表``."""
    month = period_text(changes.this_month, changes.this_month)
    return (f"{month}城乡低保、特困供养变动名册", f"{month}城乡低保、特困供养变动情况统计表")


def compared_line(changes: Changes) -> str:
    """What the documents compare, under their title."""
    return (f"上月：{period_text(changes.last_month, changes.last_month)}"
            f"　　本月：{period_text(changes.this_month, changes.this_month)}")


def _row(number: int, change: Change, chinese: bool) -> list[str]:
    return [str(number), change.id, change.name, group_label(change.group),
            change.kind.zh if chinese else KIND_EN[change.kind], fen_text(change.last_fen),
            fen_text(change.this_fen), fen_text(change.difference), change.reasons_text()]


def roster_rows(changes: Changes, chinese: bool = True) -> Iterator[list[str]]:
    """The 变动名册's rows, header first, in the months' order, numbered from 1."""
    yield list(ROW_ZH if chinese else ROW_KEYS)
    for number, change in enumerate(changes.rows, 1):
        yield _row(number, change, chinese)


def table_header(chinese: bool = True) -> list[str]:
    """The 变动情况统计表's columns, flat (``新增户数``, …), as CSV has them."""
    classes, figures = (CLASS_ZH, FIGURE_ZH) if chinese else (CLASS_EN, FIGURE_EN)
    joiner = "" if chinese else "_"
    return (["属地" if chinese else "group"]
            + [f"{name}{joiner}{figure}" for name in classes for figure in figures]
            + [NET_ZH if chinese else NET_EN])


def _figures(counts: Counts) -> list[str]:
    return [fen_text(value) if at % FIGURES == FIGURES - 1 else str(value)
            for at, value in enumerate(counts)] + [fen_text(Changes.net(counts))]


def table_rows(changes: Changes, chinese: bool = True) -> Iterator[list[str]]:
    """The 变动情况统计表's rows, header first: a row per group, then 合计 (English: total);
    金额 in yuan, to the fen (新增: this month's amount; 停发: last month's; 增加/减少:
    the difference)."""
    yield table_header(chinese)
    if any(changes.groups):  # grouped (``--group-by``): a row a group, then the 合计
        for key, counts in changes.groups.items():
            yield [group_label(key), *_figures(counts)]
    yield [TOTAL if chinese else "total", *_figures(changes.total)]


TABLE_KINDS = ("text", *(("whole", "whole", "money") * len(CHANGED)), "money")


def _written(cells: Sequence[str], kinds: Sequence[str], excel: bool) -> list[str]:
    """CSV cells neutralised (no formula can start), an id of digits kept as text for
    Excel (``kept_as_text``) as the batch's CSV has it."""
    return [kept_as_text(csv_safe(cell), digits=kind == "id") if excel else csv_safe(cell)
            for cell, kind in zip(cells, kinds, strict=True)]


def write_roster_csv(target: TextIO, changes: Changes, *, chinese: bool = True,
                     excel: bool = True) -> int:
    """The 变动名册 as CSV into ``target`` (opened by the caller with ``newline=""``, in
    the output's encoding); the rows written, header not counted."""
    writer = csv.writer(target)
    kinds = ["id" if key == "id" else "text" for key in ROW_KEYS]
    rows = roster_rows(changes, chinese)
    writer.writerow(next(rows))
    written = 0
    for cells in rows:
        writer.writerow(_written(cells, kinds, excel))
        written += 1
    return written


def write_table_csv(target: TextIO, changes: Changes, *, chinese: bool = True) -> None:
    """The 变动情况统计表 as CSV into ``target`` (as :func:`write_roster_csv`)."""
    writer = csv.writer(target)
    for cells in table_rows(changes, chinese):
        writer.writerow([csv_safe(cell) for cell in cells])


def beside(output: Path, word: str = "变动") -> Path:
    """A CSV beside the 发放明细 whose name holds ``word``: ``2024年5月发放明细.csv`` →
    ``2024年5月发放明细-变动.csv`` (``变动统计`` for the table)."""
    return output.with_name(f"{output.stem}-{word}.csv")


def _ordered(changes: Changes) -> list[tuple[tuple[str | None, ...], list[Change]]]:
    """The changes group by group, in the order the groups are counted."""
    grouped: dict[tuple[str | None, ...], list[Change]] = {key: [] for key in changes.groups}
    for change in changes.rows:
        grouped[change.group].append(change)
    return list(grouped.items())


def _sums(label: str, rows: Sequence[Change]) -> list[str]:
    return [label, "", "", "", f"{len(rows)}户",
            fen_text(sum(row.last_fen for row in rows)),
            fen_text(sum(row.this_fen for row in rows)),
            fen_text(sum(row.difference for row in rows)), ""]


def add_changes_sheets(book: Workbook, changes: Changes, layout: PrintLayout,
                       styles: dict[str, Any] | None = None) -> None:
    """The 变动名册 and the 变动情况统计表 as two printed sheets of ``book`` (an XlsxWriter
    workbook the payroll is writing; constant-memory mode allows it, each sheet written
    whole in turn): laid out as the 补发名册 is, with ``layout``'s 制表单位, date and run
    stamp, the months compared under the title. Grouped, the roster has a 小计 per group,
    each signed and ending its page, then the 合计."""
    styles = styles or print_styles(book)
    bold = book.add_format({"bold": True})
    roster_title, table_title = titles(changes)
    lines = [compared_line(changes), *layout.lines()]
    roster = SheetWriter(book.add_worksheet(ROSTER_SHEET), ROSTER_SHEET, bold)
    roster.titled(roster_title, lines, len(ROW_ZH), styles)
    roster.header(list(ROW_ZH), styles["header"], wrap=True)
    cells = {"style": styles["cell"], "money": styles["money"], "whole": styles["whole"]}
    grouped = _ordered(changes)
    number = 0
    for key, rows in grouped:
        for change in rows:
            number += 1
            roster.write(_row(number, change, True), ROW_KINDS, **cells)
        if key and len(grouped) > 1:
            roster.closing(_sums(f"{SUBTOTAL}：{group_label(key)}", rows), ROW_KINDS, styles)
            roster.signed(styles, keep=roster.row_height)
            roster.page_break()
    roster.closing(_sums(TOTAL, changes.rows), ROW_KINDS, styles)
    roster.signed(styles, keep=roster.row_height)
    _stamped(roster, layout, styles)
    table = SheetWriter(book.add_worksheet(TABLE_SHEET), TABLE_SHEET, bold)
    header = ["属地", *(f"{name}\n{figure}" for name in CLASS_ZH for figure in FIGURE_ZH),
              NET_ZH]
    table.titled(table_title, lines, len(header), styles)
    table.header(header, styles["header"], wrap=True)
    *groups, total = list(table_rows(changes))[1:]
    for cells_of in groups:
        table.write(cells_of, TABLE_KINDS, **cells)
    table.closing(total, TABLE_KINDS, styles, counted=True)
    table.note("")
    for line in notes(changes):
        table.note(line, styles["plain"])
    table.signed(styles)
    _stamped(table, layout, styles)


def _stamped(sheet: SheetWriter, layout: PrintLayout, styles: dict[str, Any]) -> None:
    sheet.note("")
    for line in layout.stamp.lines():
        sheet.note(line, styles["small"])
    sheet.finish(LANDSCAPE, layout.stamp.footer)


def notes(changes: Changes) -> list[str]:
    """The reconciliation under the table: each month's households and amount, and that
    the changes account for the difference to the fen (上月 + 合计增减 = 本月)."""
    net = Changes.net(changes.total)
    return [f"上月发放：{changes.last_households}户，{fen_text(changes.last_fen)}元",
            f"本月发放：{changes.this_households}户，{fen_text(changes.this_fen)}元",
            f"未变：{changes.unchanged}户",
            f"上月 {fen_text(changes.last_fen)} + 合计增减 {fen_text(net)} = 本月 "
            f"{fen_text(changes.last_fen + net)}元"]
