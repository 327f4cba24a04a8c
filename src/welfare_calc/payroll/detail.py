"""The month's 发放明细 and its statistics (issue 30 §1): what a town office pays each
household in a month, the households held back for their bank account, and the figures
a county sends up.

The roster is read, checked and computed by the batch (:mod:`welfare_calc.batch.run.pipeline`)
with the core's plan of the month alone (:class:`~welfare_calc.core.engine.MonthPlan`):
for each household it writes ``months`` (1 when the month is in its coverage) and the
month's amount with its parts (``monthly``; ``monthly_base``, ``monthly_supplement``,
``monthly_care`` where the roster gives 分类施保 or care tiers). In the batch's workers,
chunk by chunk, :class:`~welfare_calc.payroll.lines.LineMaker` makes the lines of those
rows (:class:`Payroll` is the batch's
:class:`~welfare_calc.batch.run.options.Chunkwise` documents maker); this module numbers
them, adds them up to the fen and writes the documents. It restates no household rule
and computes no amount.

- A household is listed when the month is in its coverage and its amount is above zero;
  the others are counted as not listed (``not_listed``).
- A listed household whose bank account is missing or fails its check
  (:func:`~welfare_calc.payroll.accounts.account_digits`) is 待核实账号: listed and
  counted, its amount in the held-back total; every other is to be sent, and its bank
  line goes to the bank file (:class:`~welfare_calc.payroll.bank.BankFile`) in the
  发放明细's order. sent + held back = 合计, to the fen.
- The statistics (户数, 人数, 金额 and 补助水平 per category, per group and in all) are
  counted from the lines listed.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import pickle
import tempfile
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from welfare_calc.batch.rows import groups
from welfare_calc.batch.rows.groups import NO_LOCALITY, Key
from welfare_calc.batch.write.documents import (
    NAME_HEADERS,
    SUBTOTAL,
    TOTAL,
    FundTable,
    RunStamp,
    group_label,
)
from welfare_calc.batch.write.staging import (
    Destination,
    StagedText,
    scratch_beside,
)
from welfare_calc.core import timeline
from welfare_calc.core.engine import fen_text
from welfare_calc.core.errors import UnusableInput, WelfareCalcError
from welfare_calc.core.money import round_ratio
from welfare_calc.core.months import Month
from welfare_calc.core.table import Payment as PaidAs
from welfare_calc.core.table import StandardsTable
from welfare_calc.core.words import _, listed
from welfare_calc.output.text import csv_safe, kept_as_text
from welfare_calc.payroll.lines import (
    HELD,
    SEND,
    BankLines,
    BankSpec,
    ChunkLines,
    LineMaker,
    Packed,
)

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

    from welfare_calc.batch.run.options import Stage, Written
    from welfare_calc.batch.write.workbook import PrintLayout
    from welfare_calc.payroll.bank import BankFile, BankTotals
    from welfare_calc.payroll.layouts import Layout

ACCOUNT_HEADERS = ("账号", "银行账号", "银行卡号", "卡号", "account")
"""Header cells taken as the bank account money is paid into, in this order."""
BANK_HEADERS = ("开户银行", "开户行", "bank")
"""Header cells taken as the bank the account is held at."""
PAID_AS = {PaidAs.GAP_FILLING: "补差", PaidAs.FULL_STANDARD: "全额"}
"""How the basic amount is paid (docs/rules.md rules 2 and 3), as the 发放明细 says it."""
AMOUNTS = ("monthly_base", "monthly_supplement", "monthly_care", "monthly")
"""The amounts of a line, in the order of its columns."""
TITLE = "城乡低保、特困供养"
"""What the documents are of, in their titles."""
WRITE_BEHIND = 16 << 20
"""Bytes of lines written into the staged files as the run goes after which what they
hold is handed to the disk (:meth:`~welfare_calc.batch.write.staging.StagedText.
write_behind`)."""


@dataclass(frozen=True)
class BankTarget:
    """``--bank-file``: where, in which layout, and what its summary says."""

    target: Path
    layout: Layout
    office: str
    batch_no: str
    day: date | None = None
    """The date the summary carries (None: today)."""


Each = Callable[["Written"], Callable[[list[str]], None]]
"""Given the rows' keys and the run's staging once
(:class:`~welfare_calc.batch.run.options.Written`), a function told each row the batch
wrote, listed or not."""


@dataclass(frozen=True)
class PayrollOptions:
    """What the month's payroll writes, and where."""

    month: Month
    output: Destination
    """The 发放明细: a workbook (``.xlsx``) or CSV (a file, or stdout)."""
    workbook: bool = False
    summary: Destination | None = None
    """``--summary``: the statistics and totals as JSON."""
    summary_csv: Destination | None = None
    """``--summary-csv``: the statistics table as CSV."""
    account_column: str | None = None
    """``--column account=HEADER``: the header of the accounts (None: the first of
    :data:`ACCOUNT_HEADERS` the roster has)."""
    excel: bool = False
    """CSV for Excel: ids and accounts kept as text (:func:`kept_as_text`)."""
    office: str | None = None
    about: tuple[tuple[str, str], ...] = ()
    """Lines (label, value) under the statistics: the input, the standards, the program."""
    bank: BankTarget | None = None
    """The bank file of the payments to send, staged with the 发放明细 (whole with it, or
    not at all)."""
    each: Each | None = None
    """Told every row the batch wrote, in the order the 发放明细 reads them (group by
    group), listed or not: its cells keyed as ``Written.keys`` (the roster's fields and
    the month's ``months``, ``monthly`` and parts). The change roster's view of this
    month, read in the same pass; what it stages is put in place with the rest."""
    sheets: Callable[[Workbook, PrintLayout], None] | None = None
    """Given the workbook once the 发放明细 and its statistics are written (every row
    told to ``each``), with their print layout: sheets of its own (the change roster)."""
    beside: Callable[[Stage], None] | None = None
    """Given the run's staging once the 发放明细 is written (every row told to ``each``):
    files of its own, put in place with it (the change roster as CSV)."""


@dataclass
class Figures:
    """Households, persons and fen of each category (in the table's order)."""

    counts: list[list[int]]

    @classmethod
    def empty(cls, categories: int) -> Figures:
        return cls([[0, 0, 0] for _ in range(categories)])

    def add_many(self, code: int, households: int, persons: int, fen: int) -> None:
        counters = self.counts[code]
        counters[0] += households
        counters[1] += persons
        counters[2] += fen

    def total(self) -> list[int]:
        """Households, persons and fen of every category."""
        return [sum(column) for column in zip(*self.counts, strict=True)]


@dataclass
class PayrollSummary:
    """The month's reconciliation: every row read is rejected, not listed or listed, and
    every household listed is sent or held back; totals in fen."""

    month: str
    rows_read: int = 0
    rows_rejected: int = 0
    not_listed: int = 0
    """Rows written by the batch but not listed: the month not in their coverage, or
    nothing due in it."""
    sent: int = 0
    sent_fen: int = 0
    held: int = 0
    held_fen: int = 0
    categories: list[str] = field(default_factory=list)
    figures: Figures = field(default_factory=lambda: Figures([]))
    groups: dict[Key, Figures] = field(default_factory=dict)

    @property
    def listed(self) -> int:
        return self.sent + self.held

    @property
    def total_fen(self) -> int:
        """The 合计: sent and held back."""
        return self.sent_fen + self.held_fen

    def as_json(self, table: StandardsTable, levels: Sequence[str]) -> dict[str, object]:
        """The ``--summary`` file: counts, and amounts to the fen as text."""
        def by_category(figures: Figures) -> dict[str, object]:
            return {key: _figures_json(table, counters)
                    for key, counters in zip(self.categories, figures.counts, strict=True)}

        return {
            "month": self.month,
            "rows_read": self.rows_read,
            "rows_rejected": self.rows_rejected,
            "not_listed": self.not_listed,
            "households_listed": self.listed,
            "households_sent": self.sent,
            "households_held_back": self.held,
            "total": fen_text(self.total_fen),
            "sent": fen_text(self.sent_fen),
            "held_back": fen_text(self.held_fen),
            "by_category": by_category(self.figures),
            **({"groups": [{"group": list(key) if len(key) > 1 else key[0],
                            **_figures_json(table, figures.total()),
                            "by_category": by_category(figures)}
                           for key, figures in self.groups.items()]} if levels else {}),
        }


def _figures_json(table: StandardsTable, counters: Sequence[int]) -> dict[str, object]:
    households_, persons, fen = counters
    return {"households": households_, "persons": persons, "amount": fen_text(fen),
            "level": level_text(table, fen, persons)}


def level_text(table: StandardsTable, fen: int, persons: int) -> str:
    """补助水平: the amount a person, 金额 ÷ 人数, rounded to the fen by the table's
    rounding (its mode, docs/rules.md rule 5: the core's one rounding function); empty
    where there is no one."""
    if not persons:
        return ""
    return fen_text(round_ratio(fen, persons, table.rounding.mode))


def statistics_table(table: StandardsTable, levels: Sequence[str], categories: Sequence[str],
                     summary: PayrollSummary) -> FundTable:
    """The month's statistics as a county sends them up: a row per group (with
    --group-by) and the 合计; per category 户数, 人数, 金额 and 补助水平, then the same of
    every category."""
    words: list[tuple[str, ...]] = [(level,) for level in levels] or [("单位",)]
    kinds = ["text"] * len(words)
    for key in categories:
        name = table.categories[key].short_zh
        words += [(name, "户数"), (name, "人数"), (name, "金额", "（元）"),
                  (name, "补助水平", "（元/人）")]
        kinds += ["whole", "whole", "money", "money"]
    words += [("户数合计",), ("人数合计",), ("金额合计", "（元）"), ("补助水平", "（元/人）")]
    kinds += ["whole", "whole", "money", "money"]

    def cells(figures: Figures) -> list[str]:
        found: list[str] = []
        for counters in [*figures.counts, figures.total()]:
            households_, persons, fen = counters
            found += [str(households_), str(persons), fen_text(fen),
                      level_text(table, fen, persons)]
        return found

    width = max(len(levels), 1)
    rows = [[*(NO_LOCALITY if part is None else part for part in key), *cells(figures)]
            for key, figures in summary.groups.items()] if levels else []
    return FundTable(["".join(parts) for parts in words], rows,
                     [TOTAL, *[""] * (width - 1), *cells(summary.figures)], kinds,
                     ["\n".join(parts) for parts in words])


def _at(names: Sequence[str], wanted: Sequence[str]) -> int | None:
    """Where the first of ``wanted`` is among the header's names (spaces and case not
    counted: offices space them out, 账　号)."""
    bare = ["".join(name.split()).lower() for name in names]
    for header in wanted:
        if header.lower() in bare:
            return bare.index(header.lower())
    return None


def _found(at: dict[str, int | None], key: str) -> int:
    """Where a column the batch always writes is (``id``, ``months``, ``monthly`` …)."""
    found = at[key]
    assert found is not None, "the batch writes every household's " + key
    return found


class Payroll:
    """Makes the month's documents of the rows the batch wrote (``BatchOptions.documents``):
    the 发放明细, its statistics, the summaries and (``send``) the bank file."""

    def __init__(self, table: StandardsTable, options: PayrollOptions,
                 levels: Sequence[str]) -> None:
        self.table = table
        self.options = options
        self.levels = list(levels)
        """The --group-by columns' headers."""
        self.categories = list(table.categories)
        self.code_of = {key: code for code, key in enumerate(self.categories)}
        self.summary = PayrollSummary(str(options.month), categories=self.categories,
                                      figures=Figures.empty(len(self.categories)))
        self.group_at: tuple[tuple[int, int | None], ...] = ()
        self.line_end = "\r\n" if options.excel else "\n"
        """How the 发放明细's CSV lines end (as its staged file ends them)."""
        self.bank_totals: BankTotals | None = None
        """What the bank file holds, once written."""
        self._at: dict[str, int | None] = {}
        self._taken: _GroupSpool | None = None
        """The lines taken as the run went (:meth:`take`), numbered."""
        self._numbers: dict[Key | None, int] = {}
        """The next 序号 of each group, as the lines are taken."""
        self._sent = 0
        """Bank lines numbered as the run went (without --group-by)."""
        self._sums: dict[Key | None, list[int]] = {}
        """Each group's basic amounts, 分类施保, care standards and 户月保障金, in fen."""
        self._detail: StagedText | None = None
        """The 发放明细 as CSV without --group-by, staged as the run begins."""
        self._streaming = False
        """Whether its lines are written into it as they are taken (in UTF-8: their
        order is the file's, and they are its bytes), from :attr:`_start` on."""
        self._start = 0
        self._ahead = 0
        """Bytes written into the staged files since they were last handed to the disk."""
        self._bank: BankFile | None = None
        """The bank file, staged as the run begins and its lines written into it as they
        are taken (without --group-by, the summary last or none)."""

    def header(self, names: Sequence[str], at: dict[str, int | None]) -> list[str]:
        """The 发放明细's columns."""
        return ["序号", *self.levels, *(["姓名"] if at["name"] is not None else []),
                names[at["id"]] if at["id"] is not None else "编号", "保障类别", "保障人数",
                "发放方式", "基本保障金（元）", "分类施保金（元）", "照料护理费（元）",
                "户月保障金（元）", *(["开户银行"] if at["bank"] is not None else []),
                *(["账号"] if at["account"] is not None else []), "发放状态"]

    def keys(self, at: dict[str, int | None]) -> list[str]:
        """Each column's kind for a workbook (the batch's keys: ``persons``, the amounts)."""
        return ["序号", *self.levels, *(["name"] if at["name"] is not None else []), "id",
                "category", "persons", "paid_as", *AMOUNTS,
                *(["bank"] if at["bank"] is not None else []),
                *(["account"] if at["account"] is not None else []), "status"]

    def positions(self, keys: list[str], names: list[str]) -> dict[str, int | None]:
        """Where each cell the 发放明细 reads is in a written row (the category and persons
        it takes from the ledger, as the batch read them)."""
        account = self.options.account_column
        at: dict[str, int | None] = {key: (keys.index(key) if key in keys else None)
                                     for key in ("id", "months", *AMOUNTS)}
        inputs = names
        at["name"] = _at(inputs, NAME_HEADERS)
        at["bank"] = _at(inputs, BANK_HEADERS)
        if account is not None:
            at["account"] = _at(inputs, (account.strip(),))
            if at["account"] is None:
                raise UnusableInput(_("--column account={header}: the roster has no column "
                                      "{header}; its columns: {names}").format(
                                          header=account.strip(), names=listed(inputs)))
        else:
            at["account"] = _at(inputs, ACCOUNT_HEADERS)
        return at

    def chunkwise(self, keys: list[str], names: list[str], newline: str,
                  group_at: tuple[tuple[int, int | None], ...], stage: Stage) -> LineMaker:
        """The maker of each chunk's lines, in the batch's workers
        (:class:`~welfare_calc.batch.run.options.Chunkwise`): where the cells it reads are in
        a written row, and what every line shares.

        Without --group-by, the lines come in the order they are written: a CSV 发放明细
        and a bank file whose summary is last (or none) are staged now, and the lines
        written into them as they are taken, while the workers make the next (rather than
        kept in a spool and copied after the run: a quarter of a second of a million rows'
        payroll, with nothing else to do)."""
        at = self._at = self.positions(keys, names)
        self.group_at = group_at
        if not group_at and not self.options.workbook:
            chosen = self.options.bank
            if chosen is not None and (chosen.layout.summary is None
                                       or chosen.layout.summary.at == "last"):
                self._bank = self._bank_file(stage)
            self._detail = stage(self.options.output, True)
            if codecs.lookup(self._detail.encoding).name in ("utf-8", "utf-8-sig"):
                self._streaming = True
                self._detail.csv_writer().writerow(
                    [csv_safe(cell) for cell in self.header(names, at)])
                self._detail.text.flush()
                self._start = self._detail.binary.tell()
        gaps = tuple(PAID_AS[self.table.categories[key].payment] for key in self.categories)
        short = tuple(self.table.categories[key].short_zh for key in self.categories)
        bank = self.options.bank
        return LineMaker(
            width=len(keys), spool_newline=newline, id_at=_found(at, "id"),
            months_at=_found(at, "months"), monthly_at=_found(at, "monthly"),
            parts_at=(at["monthly_base"], at["monthly_supplement"], at["monthly_care"]),
            name_at=at["name"], bank_at=at["bank"], account_at=at["account"],
            group_at=self.group_at, short=short, paid_as=gaps, csv=not self.options.workbook,
            excel=self.options.excel, line_end=self.line_end,
            bank=None if bank is None else BankSpec(bank.layout, str(self.options.month),
                                                    bank.batch_no))

    def take(self, side: bytes) -> None:
        """One chunk's lines, in order, as the run goes (the pipeline hands each on as it
        comes: :class:`~welfare_calc.batch.run.options.Chunkwise`): counted and numbered
        now, while the workers make the next chunks, and kept in a private spool
        (:class:`_GroupSpool`) group by group; the run's end puts them in order. A run
        that rejects rows at the end (an id paid twice) has them made again without those
        (:meth:`lines`)."""
        if self._taken is None:
            self._taken = _GroupSpool()
        chunk: ChunkLines = pickle.loads(side)  # our own workers' bytes
        for key, segment in self._counted(chunk):
            first = self._numbers.get(key, 1)
            self._numbers[key] = first + len(segment.lines)  # (counted before numbering)
            bank, sent = segment.bank, segment.count
            if bank is not None and not self.group_at:  # (without groups: in sending order)
                bank = Packed(bank.text(self._sent + 1), bank.lengths[:0], numbered=False)
                self._sent += sent
                if self._bank is not None:
                    self._bank.add(bank.data, sent, segment.sent_fen)
                    self._ahead += len(bank.data)
                    bank = None
            lines = Packed(segment.lines.text(first), segment.lines.lengths[:0],
                           numbered=False)
            if self._streaming:
                assert self._detail is not None, "streamed into the staged 发放明细"
                self._detail.binary.write(lines.data)
                self._ahead += len(lines.data)
                lines = Packed(b"", lines.lengths, numbered=False)
            if not self._streaming or bank is not None:  # (a group with no line listed:
                # kept all the same, its 小计 says so)
                self._taken.add(key, _Segment(lines, bank, segment.sent_fen, sent))
        if self._ahead >= WRITE_BEHIND:  # (on disk as the run goes: not all at its end)
            for staged in (self._detail, None if self._bank is None else self._bank.file):
                if staged is not None:
                    staged.write_behind()
            self._ahead = 0

    def _counted(self, chunk: ChunkLines) -> list[tuple[Key | None, _Segment]]:
        """A chunk's lines group by group, counted into the summary (the workers counted
        each group's)."""
        summary = self.summary
        count = len(self.categories)
        summary.not_listed += chunk.rows - int(chunk.listed.sum())
        lines_at = [0, *np.cumsum(chunk.listed).tolist()]
        sent_at = [0, *np.cumsum(chunk.sent).tolist()]
        found = []
        for position, key in enumerate(chunk.keys):
            figures = summary.figures if key is None else summary.groups.setdefault(
                key, Figures.empty(count))
            for at, (households, persons, fen) in enumerate(
                    chunk.figures[position].tolist()):
                figures.add_many(at, households, persons, fen)
            *amounts, sent_fen, held_fen = chunk.sums[position].tolist()
            sums = self._sums.setdefault(key, [0, 0, 0, 0])
            for at, amount in enumerate(amounts):
                sums[at] += amount
            sent = int(chunk.sent[position])
            summary.sent += sent
            summary.sent_fen += sent_fen
            summary.held += int(chunk.listed[position]) - sent
            summary.held_fen += held_fen
            bank = (None if chunk.bank is None else
                    chunk.bank.part(sent_at[position], sent_at[position + 1]))
            found.append((key, _Segment(
                chunk.lines.part(lines_at[position], lines_at[position + 1]), bank,
                sent_fen)))
        return found

    def _again(self, written: Written) -> None:
        """Every line taken anew, made again from the rows the run kept (rows rejected at
        the end gone: :attr:`~welfare_calc.batch.run.options.Written.again`)."""
        assert written.again is not None, "made again only when rows were rejected at the end"
        if self._taken is not None:
            self._taken.close()
            self._taken = None
        if self._streaming:  # (the lines written so far taken back)
            assert self._detail is not None, "streamed into the staged 发放明细"
            self._detail.binary.seek(self._start)
            self._detail.binary.truncate()
        if self._bank is not None:
            self._bank.rewind()
        summary = self.summary
        summary.not_listed = summary.sent = summary.sent_fen = 0
        summary.held = summary.held_fen = 0
        summary.figures = Figures.empty(len(self.categories))
        summary.groups = {}
        self._sums, self._numbers, self._sent = {}, {}, 0
        for side in written.again():
            self.take(side)

    def lines(self, written: Written, width: int, bank: BankFile | None
              ) -> Generator[tuple[str, list[str] | bytes]]:
        """The 发放明细's lines in order: each group's households (their lines as bytes,
        numbered from 1 in the group), its 小计, then the 合计 and what it is made of (sent,
        held back). The bank file is told the lines it sends in the same order.

        The lines were counted and numbered as the run went (:meth:`take`), or are made
        again here when rows were rejected at the end."""
        summary = self.summary
        money_from = 1 + len(self.levels) + (self._at["name"] is not None) + 4  # (id … 发放方式)
        if written.again is not None:
            self._again(written)
        spool = self._taken or _GroupSpool()  # (no row written: none taken)
        self._taken = None
        order = ([None] if not self.group_at else
                 list(groups.nested([key for key in spool.groups() if key is not None])))
        sent = 0
        try:
            for key in order:
                for segment in spool.read(key):
                    if segment.lines.data:  # (numbered as they were taken)
                        yield "lines", segment.lines.data
                    if bank is not None and segment.bank is not None:
                        bank.add(segment.bank.text(sent + 1), segment.count, segment.sent_fen)
                        sent += segment.count
                if key is not None:
                    group = summary.groups.setdefault(key, Figures.empty(len(self.categories)))
                    households_, persons_, _fen_total = group.total()
                    yield "subtotal", self._closing(
                        f"{SUBTOTAL}：{group_label(key)}（{households_}户）", width, money_from,
                        persons_, self._sums.get(key, [0, 0, 0, 0]))
        finally:
            spool.close()
        if self.group_at:
            summary.groups = {key: summary.groups[key] for key in order if key is not None}
            for figures in summary.groups.values():  # (each category's statistics, in all)
                for mine, theirs in zip(summary.figures.counts, figures.counts, strict=True):
                    for position, value in enumerate(theirs):
                        mine[position] += value
        every = [sum(sums[at] for sums in self._sums.values()) for at in range(4)]
        households_, persons_, _fen_total = summary.figures.total()
        yield "part", self._closing(f"{TOTAL}（{households_}户）", width, money_from, persons_,
                                    every)
        yield "part", self._closing(f"其中：{SEND}（{summary.sent}户）", width, money_from,
                                    None, [None, None, None, summary.sent_fen])
        yield "total", self._closing(f"其中：{HELD}（{summary.held}户）", width, money_from,
                                     None, [None, None, None, summary.held_fen])

    @staticmethod
    def _closing(label: str, width: int, money_from: int, persons: int | None,
                 amounts: Sequence[int | None]) -> list[str]:
        cells = [""] * width
        cells[0] = label
        if persons is not None:
            cells[money_from - 2] = str(persons)
        for position, fen in enumerate(amounts):
            if fen is not None:
                cells[money_from + position] = fen_text(fen)
        return cells

    def __call__(self, written: Written) -> None:
        """The documents of the rows written: the 发放明细 (workbook or CSV), the
        summaries, and the bank file, all staged with the run."""
        self.summary.rows_read = written.summary.rows_read
        self.summary.rows_rejected = written.summary.rows_rejected
        header = self.header(written.names, self._at)
        if self.options.each is not None:  # (the change roster's view of this month)
            told = self.options.each(written)
            for _key, rows in written.groups:
                for cells in rows:
                    told(cells)
        bank = self._bank
        if bank is None and self.options.bank is not None:
            bank = self._bank_file(written.stage)
        counted = self.lines(written, len(header), bank)
        try:
            if self.options.workbook:
                self._workbook(written, header, counted)
            else:
                self._csv(written, header, counted)
            if self.options.beside is not None:
                self.options.beside(written.stage)
            summary = self.summary
            if summary.sent + summary.held + summary.not_listed != written.summary.rows_written:
                raise AssertionError("every row written is listed or not")  # pragma: no cover
            if self.options.summary_csv is not None:
                fund = statistics_table(self.table, self.levels, self.categories, summary)
                writer = written.stage(self.options.summary_csv, True).csv_writer()
                mark = kept_as_text if self.options.excel else _plain
                for row in [fund.header, *fund.rows, fund.total]:
                    writer.writerow([mark(csv_safe(cell)) for cell in row])
            if self.options.summary is not None:
                report = written.stage(self.options.summary, False)
                report.binary.write((json.dumps(summary.as_json(self.table, self.levels),
                                                ensure_ascii=False, indent=2) + "\n"
                                     ).encode("utf-8"))
            if bank is not None:
                self.bank_totals = bank.finish()
                if (self.bank_totals.count, self.bank_totals.fen) != (summary.sent,
                                                                       summary.sent_fen):
                    raise AssertionError("the bank file holds every payment to send"
                                         )  # pragma: no cover
        except BaseException:
            if bank is not None:
                bank.discard()
            raise
        finally:
            counted.close()  # (its spool closed, however the documents ended)

    def _bank_file(self, stage: Stage) -> BankFile:
        """The bank file, staged with the run (its header written)."""
        from welfare_calc.payroll.bank import BankFile  # noqa: PLC0415 - a bank file's

        chosen = self.options.bank
        assert chosen is not None, "a bank file is asked for"
        return BankFile(chosen.layout, chosen.target, office=chosen.office,
                        batch_no=chosen.batch_no, day=chosen.day or date.today(),
                        staging=lambda target, encoding: stage(target, True, encoding))

    def _csv(self, written: Written, header: list[str],
             lines: Iterator[tuple[str, list[str] | bytes]]) -> None:
        """The 发放明细 as CSV: the header, the lines, the 小计s, the 合计 and its parts.
        Every cell that holds the roster's text (a place, a name, an id, a bank, an
        account) is neutralised, as in every CSV file we write (the others are our
        numbers and words); for Excel, ids and accounts are kept as text (the workers did
        that to the households' lines: :class:`~welfare_calc.payroll.lines.LineMaker`)."""
        staged = self._detail or written.stage(self.options.output, True)
        assert staged.newline == self.line_end, "the workers ended the lines as the file does"
        writer = staged.csv_writer()
        if not self._streaming:  # (else written as the run began, the lines after it)
            writer.writerow([csv_safe(cell) for cell in header])
        utf8 = codecs.lookup(staged.encoding).name in ("utf-8", "utf-8-sig")
        for _kind, cells in lines:
            if isinstance(cells, bytes):
                text = cells
                staged.text.flush()
                if not utf8:
                    text = _recoded(text, staged.encoding)
                staged.binary.write(text)
            else:
                try:
                    writer.writerow([csv_safe(cell) for cell in cells])
                except UnicodeEncodeError as error:  # (a locality, in a 小计's label)
                    raise UnusableInput(_(
                        "the 发放明细's line {line}: {text} cannot be written in {encoding}; "
                        "use --output-encoding gb18030 or utf-8").format(
                            line=cells[0], text=repr(error.object[error.start:error.end]),
                            encoding=staged.encoding)) from None
        staged.text.flush()

    def _workbook(self, written: Written, header: list[str],
                  lines: Iterator[tuple[str, list[str] | bytes]]) -> None:
        """The 发放明细 as a workbook laid out as the 补发名册 is (title, 制表单位 and date,
        the header on every page, page numbers, sign-off, run stamp), with the month's
        statistics on its second sheet."""
        from welfare_calc.batch.write.workbook import (  # noqa: PLC0415 - XlsxWriter
            PrintLayout,
            SummaryLine,
            write_workbook,
        )

        target = self.options.output
        assert isinstance(target, Path), "a workbook is a file"
        book = written.stage(target, False)
        sheets = self.options.sheets
        month = self.options.month
        period = f"{month.year}年{month.month}月"
        layout = PrintLayout(
            roster_title=f"{period}{TITLE}发放明细", fund_title=f"{period}{TITLE}发放统计表",
            office=self.options.office, made=written.made,
            stamp=written.stamp or RunStamp("", "", None), basis=self.basis())

        def notes() -> list[SummaryLine]:
            summary = self.summary
            return [SummaryLine(label, "", value) for label, value in (
                *self.options.about,
                ("发放年月", str(month)),
                ("读取行数", str(summary.rows_read)),
                ("拒绝行数", str(summary.rows_rejected)),
                ("未列入户数（当月不在保障期内或无应发金额）", str(summary.not_listed)),
                ("列入发放明细户数", str(summary.listed)),
                ("发放合计（元）", fen_text(summary.total_fen)),
                ("其中：发放（元）", f"{fen_text(summary.sent_fen)}（{summary.sent}户）"),
                ("其中：待核实账号（元）", f"{fen_text(summary.held_fen)}（{summary.held}户）"),
                ("舍入方式", str(self.table.rounding.point)))]

        with scratch_beside(target) as scratch:
            write_workbook(book.binary, self.keys(self._at), header, _cells(lines),
                           lambda: statistics_table(self.table, self.levels, self.categories,
                                                    self.summary),
                           notes, None, layout=layout, chinese=True, scratch=scratch,
                           more=(None if sheets is None else
                                 lambda book: sheets(book, layout)))

    def basis(self) -> str:
        """The notices the month's standards rest on (rule 4: those in force in it)."""
        month = self.options.month
        numbers: list[str] = []
        for key in self.categories:
            try:
                number = timeline.standard_in_force(self.table, key, month).document.number
            except WelfareCalcError:  # (the plan refused such a month before a row was read)
                continue
            if number not in numbers:
                numbers.append(number)
        care = self.table.care_in(month)
        if care is not None:
            number = self.table.document(care.document).number
            if number not in numbers:
                numbers.append(number)
        return "依据：" + "、".join(numbers) if numbers else ""


def _plain(cell: str, *, digits: bool = False) -> str:
    return cell


@dataclass(frozen=True)
class _Segment:
    """Lines of one group from one chunk: the 发放明细's, and the bank file's of those sent
    (their amounts ``sent_fen`` in all). As taken (:meth:`Payroll.take`) the 发放明细's
    lines are numbered; the bank's are too without --group-by, else numbered in the
    groups' order at the end."""

    lines: Packed
    bank: BankLines | None
    sent_fen: int
    sent: int = -1
    """Bank lines (when they are numbered already, their lengths are not kept)."""

    @property
    def count(self) -> int:
        """The bank lines sent."""
        if self.sent >= 0:
            return self.sent
        return 0 if self.bank is None else len(self.bank)


def _cells(lines: Iterator[tuple[str, list[str] | bytes]]
           ) -> Iterator[tuple[str, list[str]]]:
    """The lines as a workbook takes them: each household's cells (its line read back as
    CSV: the workers made it plain for a workbook, nothing neutralised or marked)."""
    for kind, cells in lines:
        if isinstance(cells, bytes):
            for row in csv.reader(io.StringIO(cells.decode("utf-8"), newline="")):
                yield "row", row
        else:
            yield kind, cells


def _recoded(text: bytes, encoding: str) -> bytes:
    """UTF-8 lines in the output's encoding; a line it cannot hold refused, naming it."""
    decoded = text.decode("utf-8")
    try:
        return decoded.encode(encoding)
    except UnicodeEncodeError as error:
        line = decoded[decoded.rfind("\n", 0, error.start) + 1:].split("\n", 1)[0]
        raise UnusableInput(_("the 发放明细's line {line}: {text} cannot be written in "
                              "{encoding}; use --output-encoding gb18030 or utf-8").format(
                                  line=line.split(",", 1)[0],
                                  text=repr(decoded[error.start:error.end]),
                                  encoding=encoding)) from None


class _GroupSpool:
    """Each group's lines as the chunks give them, kept on disk until every chunk is in
    (a roster need not be sorted by town), then read back group by group. An anonymous
    temporary file (unlinked at once on POSIX, deleted when closed on Windows), so that
    no name, id or account outlives the run; what is kept in memory is where each
    group's pieces are (a few numbers a group a chunk)."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._where: dict[Key | None, list[tuple[int, tuple[tuple[int, int, bool], ...],
                                                 int, int]]] = {}

    def groups(self) -> list[Key | None]:
        """The groups, in the order they first appear."""
        return list(self._where)

    def add(self, key: Key | None, segment: _Segment) -> None:
        packs = [segment.lines, *([segment.bank] if segment.bank is not None else [])]
        self._file.seek(0, 2)
        at = self._file.tell()
        for pack in packs:
            self._file.write(pack.lengths.tobytes())
            self._file.write(pack.data)
        self._where.setdefault(key, []).append(
            (at, tuple((len(pack), len(pack.data), pack.numbered) for pack in packs),
             segment.sent_fen, segment.count))

    def read(self, key: Key | None) -> Iterator[_Segment]:
        for at, shapes, fen, sent in self._where.get(key, []):
            self._file.seek(at)
            packs = []
            for count, size, numbered in shapes:
                lengths = np.frombuffer(self._file.read(4 * count), dtype=np.int32)
                packs.append(Packed(self._file.read(size), lengths, numbered))
            yield _Segment(packs[0], packs[1] if len(packs) > 1 else None, fen, sent)

    def close(self) -> None:
        self._file.close()

    def __del__(self) -> None:  # (a run that fails before its documents drops it)
        self._file.close()
