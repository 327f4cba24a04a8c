"""The 公示 list: the households a village posts on its wall, without personal data.

A public notice shows who receives support, so that neighbours can object:
the household head's name (masked as 张** unless ``--names full``), the
category, the persons covered and, with ``--amounts``, the monthly amount.
Nothing else of the roster is ever printed: no ID number, bank account,
income, phone or address, nor any other column; the list is built from
those four fields alone, never by dropping columns from the roster, so that
a column added to a roster can not slip through.

The roster is read, checked and computed by the batch
(:mod:`welfare_calc.batch.run.pipeline`), run for the month given alone
(:class:`~welfare_calc.core.engine.MonthPlan`), so a row the batch refuses is not
listed and is reported; the list takes what the run made of each row it wrote (its
category and persons as read, its coverage of the month and the month's amount, every
part included: its 分类施保 supplement, its care amount), and reads none again. A
household is listed when that month is in its coverage and its amount is above zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Literal, NamedTuple

from welfare_calc.batch.rows.groups import NO_LOCALITY, GroupBy, Key
from welfare_calc.batch.rows.parsing import header_names, no_column
from welfare_calc.batch.write.documents import (
    BLANK,
    NAME_HEADERS,
    SEAL,
    group_label,
    mask_name,
    page_numbers,
)
from welfare_calc.batch.write.workbook import SEAL_HEIGHT, Paper
from welfare_calc.core.engine import fen_text, written_fen
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.months import Month
from welfare_calc.core.personal import personal_numbers
from welfare_calc.core.table import StandardsTable
from welfare_calc.core.words import N_, _, listed
from welfare_calc.output.text import csv_safe

if TYPE_CHECKING:
    from welfare_calc.output.text import CsvRows

COLUMNS = ("序号", "姓名", "保障类别", "保障人数")
AMOUNT_COLUMN = "月保障金额（元）"
DIGITS = re.compile(r"\d")
"""Any digit, in any script: a name that holds one may hold an id, and is not printed."""


@dataclass(frozen=True)
class PublicityOptions:
    """What the list shows, and when."""

    month: Month
    """The month whose coverage and amount the list shows."""
    period: str
    """The 公示期, as the office writes it (e.g. 2020年8月12日至8月18日)."""
    names: Literal["masked", "full"] = "masked"
    amounts: bool = False
    name_column: str | None = None
    """The header of the names column (None: the first of :data:`NAME_HEADERS`)."""
    office: str | None = None
    hotline: str | None = None
    """``--hotline``: the 监督电话 printed under the list, where objections are phoned."""


def name_position(names: Sequence[str], given: str | None) -> int:
    """Where the household head's name is in the header, or why it cannot be found."""
    stripped = header_names(names)
    wanted = (given.strip(),) if given else NAME_HEADERS
    for header in wanted:
        if header in stripped:
            return stripped.index(header)
    if given:
        raise no_column(stripped, given, f"--name-column {given}")
    raise UnusableInput(_("the header has no column of names (户主姓名, 姓名 or name); name it "
                          "with --name-column HEADER; its columns: {names}").format(
                              names=listed(stripped)))


REGION_DIGITS = 6
"""An ID number's first digits, the county that issued it (GB 11643; public, as the masked
ID numbers NewCosmos shows keep them): ``--group-by 身份证号:6`` groups by county."""
ADDRESS_HEADERS = ("地址", "住址", "address")
"""A header holding one of these names an address: no cell tells an address by its look,
as :func:`~welfare_calc.core.personal.personal_numbers` tells an ID or a phone number."""
PRIVATE_ID = N_("--group-by {option}: that is the roster's id column; a 公示 list is "
                "posted in public and never prints an id: group by the village (村（社区）) "
                "or the town (乡镇（街道）)")
PRIVATE_NAME = N_("--group-by {option}: that is the column of names; a 公示 list is posted "
                  "in public and prints names only masked: group by the village (村（社区）) "
                  "or the town (乡镇（街道）)")
PRIVATE_ADDRESS = N_("--group-by {option}: the column holds addresses; a 公示 list is "
                     "posted in public and never prints an address: group by the village "
                     "(村（社区）) or the town (乡镇（街道）)")
PRIVATE_NUMBERS = N_("--group-by {option}: the column holds long numbers such as ID, phone "
                     "or account numbers; a 公示 list is posted in public and never prints "
                     "them: group by the village (村（社区）) or the town (乡镇（街道）), or by "
                     "the first 9 characters of a 12-digit code (--group-by 行政区划代码:9)")


def _option(level: tuple[str, int | None]) -> str:
    """A ``--group-by`` level as the clerk gave it (``HEADER`` or ``HEADER:N``)."""
    header, count = level
    return header if count is None else f"{header}:{count}"


def refuse_private_columns(names: Sequence[str], group_by: GroupBy, id_at: int,
                           name_at: int) -> None:
    """Refuse (:class:`UnusableInput`) a ``--group-by`` column whose cells a list would print
    as its groups' titles and that are personal: the ids (past their first
    :data:`REGION_DIGITS`), the names (a title is never masked), an address. Told from the
    header, before a row is read."""
    stripped = header_names(names)
    for level in group_by:
        header, count = level
        at = stripped.index(header) if header in stripped else -1
        if at == id_at and (count is None or count > REGION_DIGITS):
            raise UnusableInput(_(PRIVATE_ID).format(option=_option(level)))
        if at == name_at:
            raise UnusableInput(_(PRIVATE_NAME).format(option=_option(level)))
        if any(name in header.lower() for name in ADDRESS_HEADERS):
            raise UnusableInput(_(PRIVATE_ADDRESS).format(option=_option(level)))


def refuse_private_groups(group_by: GroupBy, keys: Iterable[Key | None]) -> None:
    """Refuse (:class:`UnusableInput`) a ``--group-by`` column of which a group, as a list
    would print it, holds an ID, phone or account number
    (:func:`~welfare_calc.core.personal.personal_numbers`)."""
    for key in keys:
        for level, part in zip(group_by, key or (), strict=False):
            if part is not None and personal_numbers(part):
                raise UnusableInput(_(PRIVATE_NUMBERS).format(option=_option(level)))


@dataclass(frozen=True)
class Listed:
    """One household on the list: its cells, in :data:`COLUMNS` order (and the amount)."""

    cells: list[str]
    kinds: list[str]


class Row(NamedTuple):
    """A row the run wrote, with its household as the run read it: the list takes these,
    and reads no cell of the roster's again."""

    cells: list[str]
    """As written: the roster's cells, then the computed ones (``months``, ``monthly``)."""
    category: int
    """Its category's position in the table."""
    persons: int


def _last(keys: Sequence[str], key: str) -> int:
    """Where a computed column is in a written row (the computed columns come last)."""
    return len(keys) - 1 - list(keys)[::-1].index(key)


class Lister:
    """Turns the batch's written rows into the list's lines, one group at a time.

    The run is the month's own (:class:`~welfare_calc.core.engine.MonthPlan`): a row's
    ``months`` is 1 when the month is in its coverage, and its ``monthly`` the month's
    amount, every part included. The list takes those, and the household's category and
    persons as the run read them (:class:`Row`): it neither reads a household again nor
    computes an amount of its own."""

    def __init__(self, table: StandardsTable, keys: Sequence[str], name_at: int,
                 options: PublicityOptions) -> None:
        self.table = table
        self.options = options
        self.name_at = name_at
        self.id_at = keys.index("id")
        self.months_at = _last(keys, "months")
        self.monthly_at = _last(keys, "monthly")
        self.categories = [category.short_zh for category in table.categories.values()]
        """Each category's 保障类别 as the list prints it, in table order."""
        self.left_out = 0
        """Rows written by the batch but not listed (not covered that month, or nothing due)."""

    def header(self) -> list[str]:
        return [*COLUMNS, *((AMOUNT_COLUMN,) if self.options.amounts else ())]

    def kinds(self) -> list[str]:
        return ["whole", "text", "text", "whole", *(("money",) if self.options.amounts else ())]

    def lines(self, rows: Iterable[Row], where: str) -> Iterator[list[str]]:
        """The list's lines of these rows (a group's), numbered from 1."""
        number = 0
        for cells, category, persons in rows:
            # The run's own figures, as it wrote them: months 0 or 1, the amount in yuan.
            amount = written_fen(cells[self.monthly_at])
            if cells[self.months_at] == "0" or amount <= 0:
                self.left_out += 1
                continue
            ident = cells[self.id_at].strip()  # (the id in its one form: the run wrote it)
            name = cells[self.name_at].strip() if self.name_at < len(cells) else ""
            if not name:
                raise UnusableInput(_("{where}: household {id} has no name in the names "
                                      "column; a 公示 list names every household").format(
                                          where=where, id=ident))
            if self.options.names == "full" and DIGITS.search(name):
                raise UnusableInput(_("{where}: the name of household {id} holds a digit; a 公示 "
                                      "list never prints an id or a number in a name: correct "
                                      "the roster").format(where=where, id=ident))
            number += 1
            shown = name if self.options.names == "full" else mask_name(name)
            line = [str(number), shown, self.categories[category], str(persons)]
            if self.options.amounts:
                line.append(fen_text(amount))
            yield line


def title(key: Key | None) -> str:
    """A list's title: its village (or town), then what it lists."""
    return ("" if key is None else group_label(key) + " ") + "城乡低保和特困供养对象公示名单"


def write_csv(writer: CsvRows, lister: Lister, levels: Sequence[str],
              groups: Iterable[tuple[Key | None, Iterable[Row]]], where: str) -> None:
    """The list as CSV: the group's columns first (with --group-by), then the list's;
    every cell neutralised, as in every CSV file we write."""
    writer.writerow([csv_safe(cell) for cell in (*levels, *lister.header())])
    for key, rows in groups:
        place = [] if key is None else [NO_LOCALITY if part is None else part for part in key]
        for line in lister.lines(rows, where):
            writer.writerow([csv_safe(cell) for cell in (*place, *line)])


SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
"""Characters a sheet's name may not hold (Excel's, and control characters, which no sheet
tab shows)."""
SHEET_NAME_UNITS = 31
"""Excel's longest sheet name, in UTF-16 code units (a character beyond the BMP, such as
a rare 𠀀 in a village's name, takes two)."""
RESERVED_SHEET_NAMES = ("History",)
"""Names Excel keeps for itself, in any case."""
UNNAMED_SHEET = "公示名单"
"""A list's sheet without a group, and the stem of a group whose name leaves nothing."""


def sheet_names(keys: Sequence[Key | None]) -> list[str]:
    """A sheet name per group that Excel accepts, each once: the group's label with the
    characters a name cannot hold made ``_``, no apostrophe at either end, at most 31
    characters (as Excel counts them), not a name Excel keeps, and told apart from the
    names before it, in any case, by ``(2)``, ``(3)`` … The sheet's title shows the
    label itself (:func:`title`)."""
    names: list[str] = []
    taken = {name.casefold() for name in RESERVED_SHEET_NAMES}
    for key in keys:
        label = UNNAMED_SHEET if key is None else group_label(key)
        base = SHEET_NAME.sub("_", label).strip("'") or UNNAMED_SHEET
        name, count = _clipped(base, SHEET_NAME_UNITS), 1
        while name.casefold() in taken:
            count += 1
            suffix = f"({count})"
            name = _clipped(base, SHEET_NAME_UNITS - len(suffix)) + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _clipped(text: str, units: int) -> str:
    """The longest start of ``text`` within ``units`` UTF-16 code units, with no apostrophe
    at its end (a sheet name may not end with one)."""
    kept, used = [], 0
    for char in text:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            break
        kept.append(char)
    return "".join(kept).rstrip("'") or "_"


POSTED = Paper(landscape=False, left=0.6, right=0.6, top=0.75, bottom=0.75)
"""A 公示 list's paper: A4 portrait, to post on a wall."""
POSTED_TYPE = 12
"""A posted list's type, in points: read standing, at a wall."""
POSTED_ROW = 24
"""A posted list's rows, in points (about 22 households a page, as NewCosmos prints)."""


def write_workbook(target: IO[bytes], lister: Lister,
                   groups: Sequence[tuple[Key | None, Iterable[Row]]],
                   made: str, where: str) -> None:
    """The list as a workbook: a sheet per group (a town's villages together), each laid
    out to print and post (A4 portrait, its title rows on every page, ruled), its pages
    numbered by themselves: a village's one page says 第 1 页 共 1 页, whatever other
    villages the workbook holds. No program name or version is printed on a notice posted
    in public (the 补发名册 and the 资金汇总, filed, carry the run stamp)."""
    import xlsxwriter  # noqa: PLC0415 - only a workbook needs it

    from welfare_calc.batch.write.workbook import (  # noqa: PLC0415
        SheetWriter,
        print_styles,
    )

    # In memory: a village's list is small, and no temporary file holds its names.
    book = xlsxwriter.Workbook(target, {
        "in_memory": True,
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False})
    try:
        styles = print_styles(book, POSTED_TYPE)
        header, kinds = lister.header(), lister.kinds()
        options = lister.options
        ending = [f"公示单位：{options.office or BLANK}　　制表日期：{made}",
                  "如有异议，请在公示期内向公示单位反映。",
                  *([f"监督电话：{options.hotline}"] if options.hotline else [])]
        keys = [key for key, _ in groups]
        for name, (key, rows) in zip(sheet_names(keys), groups, strict=True):
            listed = SheetWriter(book.add_worksheet(name), name, styles["header"])
            listed.row_height = POSTED_ROW
            listed.fill = True
            listed.titled(title(key), [f"公示期：{options.period}"], len(header), styles,
                          POSTED)
            listed.header(header, styles["header"], wrap=True)
            for line in lister.lines(rows, where):
                listed.write(line, kinds, style=styles["cell"], money=styles["money"],
                             whole=styles["whole"])
            listed.note("", height=POSTED_ROW)
            for text in ending:
                listed.note(text, styles["plain"], height=POSTED_ROW)
            listed.note(SEAL, styles["seal"], height=SEAL_HEIGHT)
            assert listed.pages is not None, "a printed sheet has its pages"
            listed.pages.block([POSTED_ROW] * (len(ending) + 1) + [SEAL_HEIGHT])
            listed.finish(POSTED, page_numbers)
        if not keys:
            book.add_worksheet(UNNAMED_SHEET).write_string(0, 0, "（无公示对象）")
    except BaseException:
        book.close()
        raise
    book.close()
