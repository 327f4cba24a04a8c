"""What an office files, as the batch's figures laid out: titles, the 资金汇总 table,
sign-off lines, the run stamp and the 公示 list's masked names.

An office does not file amounts; it files documents (docs/documents.md): the
补发名册 a clerk signs, the fund summary by town the county allocates money
from, and the public notice posted in each village. What they say is made
here, from the run's exact figures, as text; how a page is printed is
:mod:`welfare_calc.batch.workbook_writing`'s. Pure: no file is read or written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO

from welfare_calc.batch.groups import COUNTERS, NO_LOCALITY, Key, Tally
from welfare_calc.core.engine import fen_text
from welfare_calc.core.months import Month

TOTAL = "合计"
SUBTOTAL = "小计"
TOTAL_WORDS = frozenset({TOTAL, SUBTOTAL, "总计", NO_LOCALITY})
"""What the documents' total rows are labelled (and 总计, which a reader takes for one),
and the label of the group of empty cells: no group may be named so (:func:`label_taken`)."""
BLANK = "________"
"""Where a person writes by hand on the printed page."""
ROSTER_SIGN_OFF = ("制表人", "审核人", "负责人", "日期")
"""Who signs a 补发名册 (and the date they sign it)."""
FUND_SIGN_OFF = ("经办人", "审核人", "负责人", "日期")
"""Who signs a 资金汇总 (the county allocates money from it)."""
SHEET_SIGN_OFF = ("经办人", "审核人", "日期")
"""Who signs a single household's 计算单 (the page's printout)."""
PAGE_NUMBERS = "&C&9第 &P 页 共 &N 页"
"""A printed sheet's page numbers, centred in its footer (Excel's header/footer codes)."""
NOT_PRINTED_MASK = "*"
"""What stands for each hidden character of a name on a 公示 list."""


def period_text(first: Month, through: Month) -> str:
    """The months a document covers as offices write them: ``2020年1—8月``, or
    ``2020年11月—2021年2月`` across a year's end (one month: ``2020年3月``)."""
    if first == through:
        return f"{first.year}年{first.month}月"
    if first.year == through.year:
        return f"{first.year}年{first.month}—{through.month}月"
    return f"{first.year}年{first.month}月—{through.year}年{through.month}月"


def date_text(day: date) -> str:
    """A date as a Chinese document writes it: ``2026年12月1日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def sign_off(roles: Sequence[str]) -> str:
    """The line the people named sign on: ``制表人：________　　审核人：________ …``."""
    return "　　".join(f"{role}：{BLANK}" for role in roles)


def label_taken(text: str) -> bool:
    """Whether a locality, as written in the roster, reads as a label the documents give
    a row of their own: 合计 and 小计 (the total rows), 总计, or 未填属地 (the group of
    empty cells), spaces within it not counted (offices space them out: 合　计).

    A group so named would stand in the 资金汇总 as a second 合计 row, which a finance
    office could take for the total and pay from; so its rows are refused
    (docs/documents.md), never relabelled.
    """
    return "".join(text.split()) in TOTAL_WORDS


def group_label(key: Key) -> str:
    """A group as a person reads it: its cells joined, 未填属地 for an empty one."""
    return " / ".join(NO_LOCALITY if part is None else part for part in key)


@dataclass(frozen=True)
class RunStamp:
    """What traces a printed page to the run that made it."""

    version: str
    table_sha256: str
    input_sha256: str | None
    """None where the input was not read as one file (it is then said so)."""

    def lines(self) -> list[str]:
        """The stamp as lines after the sign-off."""
        source = self.input_sha256 or "（输入未作为文件读取，无摘要）"
        return [f"程序：welfare-calc {self.version}",
                f"标准表 SHA-256：{self.table_sha256}",
                f"输入文件 SHA-256：{source}"]

    def footer(self) -> str:
        """The stamp in a page footer (left and right of the page number), in small type."""
        source = self.input_sha256 or "-"
        return (f"&L&6welfare-calc {self.version}  标准表 SHA-256 {self.table_sha256}"
                f"{PAGE_NUMBERS}&R&6输入 SHA-256 {source}")


class HashingReader:
    """A binary input that keeps the SHA-256 of what has been read from it.

    The stamp's input digest is of the bytes the run read, not of a file
    read again afterwards (which may have changed, or be a pipe).
    """

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def file_sha256(path: str) -> str:
    """The SHA-256 of a file (a workbook, read by its own reader)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True)
class FundTable:
    """The 资金汇总: one row per group and a 合计 row, as text cells.

    ``kinds`` says which columns are money (``money``) or counts (``whole``),
    for a workbook to write them as numbers.
    """

    header: list[str]
    rows: list[list[str]]
    total: list[str]
    kinds: list[str]


def fund_columns(levels: Sequence[str], short_names: Sequence[str]) -> tuple[list[str], list[str]]:
    """The 资金汇总's header and each column's kind: the group's levels (单位 without
    --group-by), then 户数, 人数 and 增补金额 per category, then the totals."""
    header = list(levels) or ["单位"]
    kinds = ["text"] * len(header)
    for name in short_names:
        header += [f"{name}户数", f"{name}人数", f"{name}增补金额（元）"]
        kinds += ["whole", "whole", "money"]
    header += ["户数合计", "人数合计", "增补金额合计（元）", "多发金额（元）", "因提标新纳入户数"]
    kinds += ["whole", "whole", "money", "money", "whole"]
    return header, kinds


def _figures(tally: Tally) -> list[str]:
    """A tally's cells in the columns of :func:`fund_columns` (after the group's)."""
    cells: list[str] = []
    for households, persons, backpay, _, _ in tally:  # (in the order of COUNTERS)
        cells += [str(households), str(persons), fen_text(backpay)]
    households, persons, backpay, overpaid, newly = (
        [sum(column) for column in zip(*tally, strict=True)] or [0] * len(COUNTERS))
    return [*cells, str(households), str(persons), fen_text(backpay), fen_text(overpaid),
            str(newly)]


def fund_table(levels: Sequence[str], short_names: Sequence[str],
               groups: dict[Key, Tally] | None, total: Tally) -> FundTable:
    """The 资金汇总 of a run: ``groups`` in the order they first appear (None: no
    --group-by, the 合计 row alone), and ``total``, the run's own totals (which the
    groups add up to: each row written is in exactly one group)."""
    header, kinds = fund_columns(levels, short_names)
    width = max(len(levels), 1)
    rows = [[*(NO_LOCALITY if part is None else part for part in key), *_figures(tally)]
            for key, tally in (groups or {}).items()]
    return FundTable(header, rows, [TOTAL, *[""] * (width - 1), *_figures(total)], kinds)


def mask_name(name: str) -> str:
    """A name as a 公示 list prints it: its first character, and ``*`` for each other
    (``张三英`` → ``张**``; a name of one character is printed as it is)."""
    name = name.strip()
    return name[:1] + NOT_PRINTED_MASK * (len(name) - 1)
