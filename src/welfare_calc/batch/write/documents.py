"""What an office files, as the batch's figures laid out: titles, the 资金汇总 table,
sign-off lines, the run stamp and the 公示 list's masked names.

An office does not file amounts; it files documents (docs/documents.md): the
补发名册 a clerk signs, the fund summary by town the county allocates money
from, and the public notice posted in each village. What they say is made
here, from the run's exact figures, as text; how a page is printed is
:mod:`welfare_calc.batch.write.workbook`'s. Pure: no file is read or written.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO

from welfare_calc.batch.rows.groups import COUNTERS, NO_LOCALITY, Key, Tally
from welfare_calc.core.engine import fen_text
from welfare_calc.core.errors import BadOption
from welfare_calc.core.months import Month
from welfare_calc.core.table import Document
from welfare_calc.core.words import _, listed

TOTAL = "合计"
SUBTOTAL = "小计"
TOTAL_WORDS = frozenset({TOTAL, SUBTOTAL, "总计", NO_LOCALITY})
"""What the documents' total rows are labelled (and 总计, which a reader takes for one),
and the label of the group of empty cells: no group may be named so (:func:`label_taken`)."""
BLANK = "________"
"""Where a person writes by hand on the printed page."""
SIGN_OFF = ("经办人", "审核人", "负责人", "日期")
"""Who signs every document money is paid from, and the date they sign: the 补发名册 (each
group's part of it, and its 合计), the 资金汇总 and a household's 计算单 alike. The clerk
who made it is its 经办人, as the provincial platform records the clerk (docs/documents.md,
"Sign-off")."""
SHEET_SIGN_OFF = SIGN_OFF
"""Who signs a single household's 计算单 (the page's printout): the same people."""
SEAL = "（公章）"
"""Where the office's seal goes, at the right of the lines signed, with room to stamp it."""
PAGE_NUMBERS = "&C&9第 &P 页 共 &N 页"
"""A printed sheet's page numbers, centred in its footer (Excel's header/footer codes),
where the sheet's pages cannot be counted when it is written (:func:`page_numbers`)."""
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


def sign_off(roles: Sequence[str] = SIGN_OFF) -> str:
    """The line the people named sign on: ``经办人：________　　审核人：________ …``."""
    return "　　".join(f"{role}：{BLANK}" for role in roles)


def page_numbers(pages: int | None) -> str:
    """A printed sheet's page numbers in its footer: ``第 &P 页 共 5 页``, the sheet's own
    pages counted when it was laid out (None: not counted; Excel's ``&N`` then).

    ``&N`` is the pages of everything printed at once: LibreOffice, printing a whole
    workbook, counts every sheet's, so a village's one-page 公示 list said 第1页共5页.
    A count written in is the sheet's own in any program (its first page numbered 1,
    :meth:`~welfare_calc.batch.write.workbook.SheetWriter.paginate`)."""
    return PAGE_NUMBERS if pages is None else f"&C&9第 &P 页 共 {pages} 页"


def basis_text(document: Document) -> str:
    """What a raise's documents say they rest on, under their title: the notice, the day
    it was issued and, where it sets one, the deadline for the back-pay in its own words
    (issue 28): ``依据：淄民〔2024〕10号（2024年4月3日印发）　　发放期限：2024年4月30日前
    （1-3月份增补资金务必于4月30日前发放到位）``."""
    issued = (f"{date_text(document.issued)}印发" if document.issued is not None
              else "印发日期未查到")
    text = f"依据：{document.number}（{issued}）"
    if document.backpay_due is not None:
        text += f"　　发放期限：{date_text(document.backpay_due)}前"
        if document.backpay_note:
            text += f"（{document.backpay_note}）"
    return text


def issued_text(document: Document) -> str:
    """The day a notice was issued, for the 资金汇总's notes (未查到 where not known)."""
    return date_text(document.issued) if document.issued is not None else "未查到"


def due_text(document: Document) -> str:
    """The notice's deadline for the back-pay, for the 资金汇总's notes, in its own words
    where it gives them (标准表未载明 where the table records none)."""
    if document.backpay_due is None:
        return "标准表未载明"
    due = f"{date_text(document.backpay_due)}前"
    return f"{due}（{document.backpay_note}）" if document.backpay_note else due


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

    def footer(self, pages: int | None = None) -> str:
        """The stamp in a page footer (left and right of the page numbers, :func:`page_numbers`),
        in small type."""
        source = self.input_sha256 or "-"
        return (f"&L&6welfare-calc {self.version}  标准表 SHA-256 {self.table_sha256}"
                f"{page_numbers(pages)}&R&6输入 SHA-256 {source}")


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
    printed: list[str]
    """The header as printed: each name broken into lines between its words."""


FUND_TOTALS = (("户数合计",), ("人数合计",), ("增补金额", "合计", "（元）"), ("多发金额", "（元）"),
               ("因提标", "新纳入", "户数"))
"""The 资金汇总's last columns, each name as the words it is made of."""


def fund_columns(levels: Sequence[str], short_names: Sequence[str]
                 ) -> tuple[list[str], list[str], list[str]]:
    """The 资金汇总's header, the same as printed, and each column's kind: the group's levels
    (单位 without --group-by), then 户数, 人数 and 增补金额 per category, then the totals.

    A printed name breaks between the words it is made of (城市低保 / 增补金额 / （元）),
    never within one, as a cell's own wrapping would (增补金额合计（ / 元）); the CSV's
    names are the same words unbroken."""
    words: list[tuple[str, ...]] = [(level,) for level in levels] or [("单位",)]
    kinds = ["text"] * len(words)
    for name in short_names:
        words += [(name, "户数"), (name, "人数"), (name, "增补金额", "（元）")]
        kinds += ["whole", "whole", "money"]
    words += FUND_TOTALS
    kinds += ["whole", "whole", "money", "money", "whole"]
    return ["".join(parts) for parts in words], ["\n".join(parts) for parts in words], kinds


def _figures(tally: Tally) -> list[str]:
    """A tally's cells in the columns of :func:`fund_columns` (after the group's)."""
    cells: list[str] = []
    for households, persons, backpay, *_rest in tally:  # (in the order of COUNTERS)
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
    header, printed, kinds = fund_columns(levels, short_names)
    width = max(len(levels), 1)
    rows = [[*(NO_LOCALITY if part is None else part for part in key), *_figures(tally)]
            for key, tally in (groups or {}).items()]
    return FundTable(header, rows, [TOTAL, *[""] * (width - 1), *_figures(total)], kinds,
                     printed)


def mask_name(name: str) -> str:
    """A name as a 公示 list prints it: its first character, and ``*`` for each other
    (``张三英`` → ``张**``; a name of one character is printed as it is)."""
    name = name.strip()
    return name[:1] + NOT_PRINTED_MASK * (len(name) - 1)


NAME_HEADERS = ("户主姓名", "姓名", "户主", "name", "head_name")
"""Header cells taken as the household head's name, in this order of preference."""
NUMBER_HEADER = "序号"
"""The column a roster numbers its households in: the 补发名册 numbers them anew, from 1 in
each group (:func:`number_column`)."""
LOCALITY = re.compile(r"(所属)?(属地|地区|单位|乡镇|街道|乡镇街道|乡镇[（(]街道[）)]|村|社区|村居|"
                      r"村[（(]居[）)]|村[（(]社区[）)]|行政区划|行政区划代码|区划代码)(名称)?")
"""A header naming the household's locality (its 属地): town, village or their code."""
ACCOUNT = re.compile(r"(账号|帐号|卡号)")
"""A header naming the bank account money is paid into (账号, 银行账号, 银行卡号)."""
PRINTED_KEYS = ("id", "category", "persons", "income", "paid", "supplement")
"""Our columns an office files on its printed 补发名册 (start and end months are not)."""
NOT_PRINTED_COMPUTED = ("newly_eligible",)
"""Computed columns left off the printed 补发名册 by default: a yes/no, not an amount (the
资金汇总 counts the households newly covered)."""
ALL_COLUMNS = "all"
"""``--print-column all``: print every column, as the output holds them."""


def _bare(header: str) -> str:
    """A header without spaces (offices space them out: 序　号)."""
    return "".join(header.split())


def number_column(names: Sequence[str]) -> int | None:
    """Where the roster's 序号 column is, if it has one."""
    return next((at for at, name in enumerate(names) if _bare(name) == NUMBER_HEADER), None)


def printed_by_default(key: str, name: str, computed: bool, levels: Sequence[str]) -> bool:
    """Whether the 补发名册 prints a column unless told otherwise: the columns an office
    files (docs/documents.md): 序号, 属地 (and the --group-by columns), 姓名, 身份证号,
    保障类别, 保障人数, income, months, the amounts, and 账号 where present. The rest
    (phone, address, bank name, coverage months …) stay in the sheet, hidden from print.

    Told from the data, not from a list of amounts: every computed column prints but the
    yes/no :data:`NOT_PRINTED_COMPUTED`, so an amount column a run adds prints too."""
    if computed:
        return key not in NOT_PRINTED_COMPUTED
    bare = _bare(name)
    return (key in PRINTED_KEYS or bare == NUMBER_HEADER or bare in NAME_HEADERS
            or bare.lower() in NAME_HEADERS or bare in levels
            or LOCALITY.fullmatch(bare) is not None or ACCOUNT.search(bare) is not None)


def printed_columns(keys: Sequence[str], names: Sequence[str], computed: Sequence[bool],
                    levels: Sequence[str], chosen: Sequence[str],
                    other_names: Sequence[str] = ()) -> list[bool]:
    """Which columns of the 补发名册 print: ``chosen`` (``--print-column``, each named as
    the sheet heads it, or by our key, or by our key's Chinese name ``other_names``;
    ``all`` for every one), else :func:`printed_by_default`.
    A name that is no column is :class:`~welfare_calc.core.errors.BadOption`, told with
    the columns there are."""
    if not chosen:
        return [printed_by_default(key, name, made, levels)
                for key, name, made in zip(keys, names, computed, strict=True)]
    if any(given.strip().lower() == ALL_COLUMNS for given in chosen):
        return [True] * len(keys)
    spellings = [{_bare(name), key, *([other] if other else [])} for key, name, other in
                 zip(keys, names, [*other_names, *[""] * (len(keys) - len(other_names))],
                     strict=True)]
    printed = [False] * len(keys)
    for given in chosen:
        at = next((at for at, known in enumerate(spellings) if _bare(given) in known), None)
        if at is None:
            raise BadOption(_("--print-column {given}: the 补发名册 has no such column; its "
                              "columns: {names}").format(given=given.strip(),
                                                         names=listed(names)))
        printed[at] = True
    return printed
