"""Render a report as a table, JSON or CSV: the one place output is formatted.

Commands build a :class:`Report` (English keys, text values) and hand it
here; no command formats output by hand. Table output uses Chinese or
English labels; JSON and CSV keys are always the English keys.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring
from typing import NamedTuple

from welfare_calc.output.formats import Format, Lang
from welfare_calc.output.text import csv_safe

Cell = str | int | bool | None
Record = Mapping[str, Cell]


class Report(NamedTuple):
    """What a command outputs: an optional summary record and optional detail rows.

    JSON nests the detail under ``detail_key``; CSV writes the detail rows
    when there are any, else the summary as one row; a table shows both.
    """

    summary: Record | None
    detail: Sequence[Record] = ()
    detail_key: str = "rows"


LABELS: dict[str, tuple[str, str]] = {
    "category": ("类别", "category"),
    "category_name": ("名称", "name"),
    "persons": ("保障人数", "persons"),
    "income": ("家庭月人均收入（元）", "per-capita monthly income (yuan)"),
    "month": ("月份", "month"),
    "monthly": ("月发放合计（元）", "monthly amount in all (yuan)"),
    "monthly_base": ("月保障金（元）", "monthly amount (yuan)"),
    "monthly_supplement": ("月分类施保金（元）", "monthly supplement (yuan)"),
    "supplement": ("分类施保", "supplement (分类施保)"),
    "care": ("护理等级", "care tier"),
    "care_standard": ("照料护理标准（元/人·月）", "care standard (yuan/person/month)"),
    "monthly_care": ("月照料护理费（元）", "monthly care (yuan)"),
    "annual_care": ("其中年度照料护理费（元）", "of which care, in the year (yuan)"),
    "care_due": ("其中照料护理费应发（元）", "of which care due (yuan)"),
    "care_paid": ("其中照料护理费已发（元）", "of which care paid (yuan)"),
    "care_backpay": ("其中照料护理费增补（元）", "of which care back-pay (yuan)"),
    "year": ("年度", "year"),
    "annual": ("年度保障金（元）", "annual amount (yuan)"),
    "months_covered": ("年度覆盖月数", "months covered in year"),
    "eligible": ("是否符合条件", "eligible"),
    "newly_eligible": ("因提标新纳入（应保尽保）", "newly eligible by the raise"),
    "standard": ("保障标准（元）", "standard (yuan)"),
    "unit": ("单位", "unit"),
    "monthly_standard": ("月标准（元/人·月）", "monthly standard (yuan/person/month)"),
    "effective": ("起始日期", "in force from"),
    "tier": ("护理等级", "care tier"),
    "known_through": ("已知执行至", "known in force through"),
    "known": ("来源", "how known"),
    "seen": ("所见出处", "where seen"),
    "note": ("备注", "note"),
    "a": ("对比月份", "compared month"),
    "b": ("目标月份", "month"),
    "monthly_a": ("对比月份标准（元/人·月）", "standard then (yuan/person/month)"),
    "monthly_b": ("目标月份标准（元/人·月）", "standard at the month (yuan/person/month)"),
    "change": ("变化", "change"),
    "document": ("依据文件", "document"),
    "raise": ("提标起始月", "raise in force from"),
    "start": ("覆盖起始月", "coverage start"),
    "end": ("覆盖截止月", "coverage end"),
    "through": ("按原标准发放截至", "paid at old standard through"),
    "months": ("增补月数", "months counted"),
    "due": ("按新标准应发（元）", "due at new standard (yuan)"),
    "paid": ("已发（元）", "paid (yuan)"),
    "paid_source": ("已发金额来源", "paid amount from"),
    "backpay": ("增补金额（元）", "back-pay (yuan)"),
    "overpaid": ("多发金额（元）", "overpaid (yuan)"),
    "rounding": ("舍入方式", "rounding"),
    "standard_paid": ("原标准（元/人·月）", "standard paid (yuan/person/month)"),
    "standard_due": ("新标准（元/人·月）", "standard due (yuan/person/month)"),
    "amount_paid": ("已发金额（元）", "amount paid (yuan)"),
    "amount_due": ("应发金额（元）", "amount due (yuan)"),
    "difference": ("差额（元）", "difference (yuan)"),
    "outcome": ("结果", "outcome"),
    "count": ("笔数", "payments"),
    "amount": ("金额（元）", "amount (yuan)"),
}

_YES_NO = {Lang.ZH: ("是", "否"), Lang.EN: ("yes", "no")}


def label(key: str, lang: Lang) -> str:
    """The human label of a key, falling back to the key itself."""
    names = LABELS.get(key)
    if names is None:
        return key
    return lang.of(*names)


def table_cell(value: Cell, lang: Lang) -> str:
    """A value as a person reads it: 是/否 (yes/no), — for none."""
    if isinstance(value, bool):
        yes, no = _YES_NO[lang]
        return yes if value else no
    return "—" if value is None else str(value)


def _csv_cell(value: Cell) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else csv_safe(str(value))


def _json_value(value: Cell) -> str:
    """A cell as JSON writes it (:func:`json.dumps`, ``ensure_ascii=False``)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    return encode_basestring(value)


def _flat_json(record: Record) -> str:
    """A record of cells as ``json.dumps(record, ensure_ascii=False, indent=2)`` writes it,
    made directly: json.dumps takes its pure-Python way whenever it indents, and a single
    call's JSON is most of what the page's API adds to the core (docs/performance.md)."""
    if not record:
        return "{}\n"
    return "{\n" + ",\n".join(f"  {encode_basestring(key)}: {_json_value(value)}"
                               for key, value in record.items()) + "\n}\n"


def render(report: Report, fmt: Format, lang: Lang) -> str:
    """The text of ``report`` in ``fmt``, ending with a newline."""
    if fmt is Format.JSON and report.summary is not None and not report.detail:
        return _flat_json(report.summary)
    if fmt is Format.JSON:
        payload: object = [dict(row) for row in report.detail]
        if report.summary is not None:
            nested: dict[str, object] = dict(report.summary)
            if report.detail:
                nested[report.detail_key] = payload
            payload = nested
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if fmt is Format.CSV:
        rows = list(report.detail) if report.detail else (
            [report.summary] if report.summary is not None else [])
        keys = list(rows[0]) if rows else []
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(keys)
        writer.writerows([_csv_cell(row.get(key)) for key in keys] for row in rows)
        return buffer.getvalue()
    parts = []
    if report.summary is not None:
        parts.append(simple_table(
            [[label(key, lang), table_cell(value, lang)] for key, value in report.summary.items()]))
    if report.detail:
        keys = list(report.detail[0])
        parts.append(simple_table(
            [[table_cell(row.get(key), lang) for key in keys] for row in report.detail],
            [label(key, lang) for key in keys]))
    return "\n\n".join(parts) + "\n"


def _plain_width(text: str) -> int | None:
    """The columns a terminal gives ``text`` when it is plain: printable ASCII (1 a
    character), wide East Asian characters (2: Chinese, full-width punctuation) and
    narrow or ambiguous ones (1: —, ·); None for anything else (a line break, a
    control or combining character, a character outside the Basic Multilingual Plane),
    whose width only wcwidth knows."""
    if text.isascii():
        return len(text) if text.isprintable() else None
    width = 0
    for character in text:
        if (not character.isprintable() or unicodedata.combining(character)
                or ord(character) > 0xFFFF or unicodedata.category(character) == "Cf"):
            return None
        width += 2 if unicodedata.east_asian_width(character) in "WF" else 1
    return width


def simple_table(rows: list[list[str]], headers: list[str] | None = None) -> str:
    """Rows as tabulate's ``simple`` table, every cell text, left-aligned.

    The same text as ``tabulate(rows, headers, tablefmt="simple", disable_numparse=True)``
    (``tests/test_render.py`` holds it to that), drawn here for the cells a report holds:
    importing tabulate and wcwidth costs a single call more than all the rest of its
    work. A cell that is not plain (:func:`_plain_width`) goes to tabulate itself."""
    named = list(headers or ())  # (tabulate strips a cell, not a column's name)
    if any(_plain_width(text) is None for row in [*rows, named] for text in row):
        from tabulate import tabulate  # noqa: PLC0415 - what only wcwidth measures

        return tabulate(rows, headers=headers or (), tablefmt="simple", disable_numparse=True)
    cells = [[cell.strip() for cell in row] for row in rows]
    columns = len(named) if named else max((len(row) for row in cells), default=0)
    widths = [max((_plain_width(row[at]) or 0 for row in cells if at < len(row)), default=0)
              for at in range(columns)]
    if named:  # (tabulate gives a named column two more than its name)
        widths = [max(width, (_plain_width(name) or 0) + 2)
                  for width, name in zip(widths, named, strict=True)]

    def line(texts: list[str]) -> str:
        padded = [text + " " * (width - (_plain_width(text) or 0))
                  for text, width in zip(texts, widths, strict=False)]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * width for width in widths).rstrip()
    body = [line(row) for row in cells]
    if named:
        return "\n".join([line(named), rule, *body])
    return "\n".join([rule, *body, rule])
