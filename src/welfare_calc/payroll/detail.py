"""The month's 发放明细 and its statistics (issue 30 §1): what a town office pays each
household in a month, the households held back for their bank account, and the figures
a county sends up.

The roster is read, checked and computed by the batch (:mod:`welfare_calc.batch.run.pipeline`)
with the core's plan of the month alone (:class:`~welfare_calc.core.engine.MonthPlan`):
for each household it writes ``months`` (1 when the month is in its coverage) and the
month's amount with its parts (``monthly``; ``monthly_base``, ``monthly_supplement``,
``monthly_care`` where the roster gives 分类施保 or care tiers). This module only reads
those cells back (:class:`~welfare_calc.batch.run.options.Written`): it restates no household
rule and computes no amount; it adds them up, to the fen.

- A household is listed when the month is in its coverage and its amount is above zero;
  the others are counted as not listed (``not_listed``).
- A listed household whose bank account is missing or fails its check
  (:func:`~welfare_calc.payroll.accounts.account_digits`) is 待核实账号: listed and
  counted, its amount in the held-back total; every other is to be sent, and goes to the
  :class:`~welfare_calc.payroll.payments.PaymentSpool` the bank file is written from.
  sent + held back = 合计, to the fen.
- The statistics (户数, 人数, 金额 and 补助水平 per category, per group and in all) are
  counted from the lines listed, as they are written.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

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
    scratch_beside,
)
from welfare_calc.core import fields, households, identity, timeline
from welfare_calc.core.engine import fen_text, written_fen
from welfare_calc.core.errors import UnusableInput, WelfareCalcError
from welfare_calc.core.money import round_ratio
from welfare_calc.core.months import Month
from welfare_calc.core.table import Payment as PaidAs
from welfare_calc.core.table import StandardsTable
from welfare_calc.core.words import _, listed
from welfare_calc.output.text import csv_safe, kept_as_text
from welfare_calc.payroll.accounts import BadAccount, account_digits
from welfare_calc.payroll.payments import Payment, PaymentSpool

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

    from welfare_calc.batch.run.options import Stage, Written
    from welfare_calc.batch.write.workbook import PrintLayout

ACCOUNT_HEADERS = ("账号", "银行账号", "银行卡号", "卡号", "account")
"""Header cells taken as the bank account money is paid into, in this order."""
BANK_HEADERS = ("开户银行", "开户行", "bank")
"""Header cells taken as the bank the account is held at."""
SEND = "发放"
HELD = "待核实账号"
"""A line's status: to be sent to the bank, or held back for its account."""
PAID_AS = {PaidAs.GAP_FILLING: "补差", PaidAs.FULL_STANDARD: "全额"}
"""How the basic amount is paid (docs/rules.md rules 2 and 3), as the 发放明细 says it."""
AMOUNTS = ("monthly_base", "monthly_supplement", "monthly_care", "monthly")
"""The amounts of a line, in the order of its columns."""
TITLE = "城乡低保、特困供养"
"""What the documents are of, in their titles."""

Send = Callable[[PaymentSpool, "Stage"], None]
"""What is done with the payments to send, staged with the 发放明细 (the bank file)."""
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
    send: Send | None = None
    """Given the payments to send once the 发放明细 is written (the bank file's writer);
    what it stages is put in place with the 发放明细, or nothing is."""
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

    def add(self, code: int, persons: int, fen: int) -> None:
        counters = self.counts[code]
        counters[0] += 1
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
        self._category: dict[str, int] = {}
        self._persons: dict[str, int] = {}

    # Reading a written row again: the batch has checked every cell, and the core's own
    # readers give its values (memoised: a roster spells a category a few ways).

    def category_code(self, text: str) -> int:
        code = self._category.get(text)
        if code is None:
            code = self._category[text] = self.code_of[
                households.resolve_category(self.table, text)]
        return code

    def persons(self, text: str) -> int:
        count = self._persons.get(text)
        if count is None:
            count = self._persons[text] = fields.read_persons(text)
        return count

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

    def positions(self, written: Written) -> dict[str, int | None]:
        """Where each cell the 发放明细 reads is in a written row."""
        keys, names = written.keys, written.names
        account = self.options.account_column
        at: dict[str, int | None] = {key: (keys.index(key) if key in keys else None)
                                     for key in ("id", "category", "persons", "months",
                                                 *AMOUNTS)}
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

    def lines(self, written: Written, at: dict[str, int | None], width: int,
              spool: PaymentSpool | None) -> Iterator[tuple[str, list[str]]]:
        """The 发放明细's lines: each household listed, numbered from 1 in each group, each
        group closed by its 小计, then the 合计 and what it is made of (sent, held back).
        Counts as it goes; each payment to send goes to ``spool`` (None: none is kept, no
        bank file being asked for)."""
        summary, month = self.summary, self.options.month
        id_at, category_at, persons_at, months_at, monthly_at = (
            _found(at, key) for key in ("id", "category", "persons", "months", "monthly"))
        amount_at = [at[key] for key in AMOUNTS]
        name_at, bank_at, account_at = at["name"], at["bank"], at["account"]
        gaps = [PAID_AS[self.table.categories[key].payment] for key in self.categories]
        short = [self.table.categories[key].short_zh for key in self.categories]
        money_from = 1 + len(self.levels) + (name_at is not None) + 4  # (id … 发放方式)
        every = [0, 0, 0, 0]
        base_at, supplement_at, care_at = amount_at[:3]
        told = None if self.options.each is None else self.options.each(written)
        for key, rows in written.groups:
            place = [] if key is None else [NO_LOCALITY if part is None else part
                                            for part in key]
            group = Figures.empty(len(self.categories))
            counts = group.counts
            base_sum = supplement_sum = care_sum = total_sum = 0
            number = 0
            for cells in rows:
                if told is not None:
                    told(cells)
                if cells[months_at] != "1":  # (the month not in its coverage)
                    summary.not_listed += 1
                    continue
                total = written_fen(cells[monthly_at])
                if total <= 0:
                    summary.not_listed += 1
                    continue
                # (no part given: the whole is the basic amount)
                base = total if base_at is None else written_fen(cells[base_at])
                supplement = 0 if supplement_at is None else written_fen(cells[supplement_at])
                care = 0 if care_at is None else written_fen(cells[care_at])
                code = self.category_code(cells[category_at])
                persons = self.persons(cells[persons_at])
                ident = cells[id_at].strip()
                status = SEND
                try:
                    account = account_digits("" if account_at is None else cells[account_at])
                except BadAccount as error:
                    account = ""
                    status = f"{HELD}：{error}"
                name = "" if name_at is None else cells[name_at].strip()
                if status is SEND:
                    summary.sent += 1
                    summary.sent_fen += total
                    if spool is not None:
                        spool.add(Payment(month, identity.canonical_id(ident), name, account,
                                          total))
                else:
                    summary.held += 1
                    summary.held_fen += total
                counters = counts[code]
                counters[0] += 1
                counters[1] += persons
                counters[2] += total
                base_sum += base
                supplement_sum += supplement
                care_sum += care
                total_sum += total
                number += 1
                line = [str(number), *place]
                if name_at is not None:
                    line.append(name)
                line += (ident, short[code], str(persons), gaps[code], fen_text(base),
                         fen_text(supplement), fen_text(care), fen_text(total))
                if bank_at is not None:
                    line.append(cells[bank_at].strip())
                if account_at is not None:
                    line.append(account or cells[account_at].strip())
                line.append(status)
                yield "row", line
            sums = [base_sum, supplement_sum, care_sum, total_sum]
            every = [mine + theirs for mine, theirs in zip(every, sums, strict=True)]
            for mine, theirs in zip(summary.figures.counts, counts, strict=True):
                for position, value in enumerate(theirs):
                    mine[position] += value
            if key is not None:
                summary.groups[key] = group
                households_, persons_, _fen_total = group.total()
                yield "subtotal", self._closing(
                    f"{SUBTOTAL}：{group_label(key)}（{households_}户）", width, money_from,
                    persons_, sums)
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
        summaries, and what ``send`` makes of the payments, all staged with the run."""
        self.summary.rows_read = written.summary.rows_read
        self.summary.rows_rejected = written.summary.rows_rejected
        at = self.positions(written)
        header = self.header(written.names, at)
        spool = PaymentSpool(self.options.month) if self.options.send is not None else None
        try:
            counted = self.lines(written, at, len(header), spool)
            if self.options.workbook:
                self._workbook(written, header, at, counted)
            else:
                self._csv(written, header, at, counted)
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
            if self.options.send is not None and spool is not None:
                self.options.send(spool, written.stage)
        finally:
            if spool is not None:
                spool.close()

    def _csv(self, written: Written, header: list[str], at: dict[str, int | None],
             lines: Iterator[tuple[str, list[str]]]) -> None:
        """The 发放明细 as CSV: the header, the lines, the 小计s, the 合计 and its parts.
        Every cell that holds the roster's text (a place, a name, an id, a bank, an
        account) is neutralised, as in every CSV file we write (the others are our
        numbers and words); for Excel, ids and accounts are kept as text."""
        staged = written.stage(self.options.output, True)
        writer = staged.csv_writer()
        # A row whose texts hold no carriage return is written by the csv module itself;
        # one that holds one, by CsvRows, which quotes it (output.text.CsvRows).
        quick = csv.writer(staged.text, lineterminator=staged.newline).writerow
        id_column = 1 + len(self.levels) + (at["name"] is not None)
        texts = [*range(1, id_column + 1),
                 *(header.index(name) for name in ("开户银行", "账号") if name in header)]
        digits = {id_column, *([header.index("账号")] if "账号" in header else [])}
        excel = self.options.excel
        writer.writerow([csv_safe(cell) for cell in header])
        for kind, cells in lines:
            if kind != "row":
                writer.writerow([csv_safe(cell) for cell in cells])
                continue
            returns = False
            for column in texts:
                cell = csv_safe(cells[column])
                returns = returns or "\r" in cell
                cells[column] = (kept_as_text(cell, digits=column in digits) if excel
                                 else cell)
            if returns:
                writer.writerow(cells)
            else:
                quick(cells)

    def _workbook(self, written: Written, header: list[str], at: dict[str, int | None],
                  lines: Iterator[tuple[str, list[str]]]) -> None:
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
            write_workbook(book.binary, self.keys(at), header, lines,
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

