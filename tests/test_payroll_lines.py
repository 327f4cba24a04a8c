"""The month's lines made column-wise in the batch's workers (payroll/lines.py) held to the
same lines made one row at a time, from the rows the batch wrote: every cell the way a
CSV file writes it (quoted, neutralised, kept as text for Excel), every account checked,
every group numbered from 1, the rows rejected at the end (an id paid twice) left out,
the bank file's lines in the same order; rosters large enough for several chunks, the
column-wise lane and worker processes, with the rows a lane leaves to the row path."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from welfare_calc.batch.rows import groups
from welfare_calc.batch.rows.groups import NO_LOCALITY, parse_group_by
from welfare_calc.batch.run.options import BatchOptions, Written
from welfare_calc.batch.run.pipeline import run_batch
from welfare_calc.batch.write.documents import SUBTOTAL, TOTAL, group_label
from welfare_calc.batch.write.files import BatchFiles
from welfare_calc.core import fields, households
from welfare_calc.core.engine import MonthPlan, fen_text, written_fen
from welfare_calc.core.months import Month
from welfare_calc.core.table import StandardsTable
from welfare_calc.output.text import CsvRows, csv_safe, kept_as_text
from welfare_calc.payroll.accounts import BadAccount, account_digits, cards_hold
from welfare_calc.payroll.detail import PAID_AS, BankTarget, Payroll, PayrollOptions
from welfare_calc.payroll.layouts import resolve_layout
from welfare_calc.payroll.lines import HELD, SEND

MONTH = Month(2024, 5)
TOWNS = ["青年路街道", "萌水镇", " 萌水镇", "王村镇", "南郊镇,东", '北"郊"', "=HYPERLINK()",
         "0533", ""]
NAMES = ["张秀英", "李 建国", " 王桂兰", "赵明 ", "+吴", "Ünal", "钱\u3000", "x" * 200, "陈" * 50,
         "张%d三", "100%",
         ""]
"""Names a bank file carries too."""
QUOTED = ["孙,丽", '周"强"', "郑\r冬", "吴\n芳"]
"""Names a CSV file quotes, which no bank file carries (its program does not unquote)."""


def _card(number: int) -> str:
    body = f"622202{number:012d}"
    return body + luhn.calc_check_digit(body)


def _account(rng: random.Random, number: int) -> str:
    card = _card(number)
    return rng.choice([card, card, card, card[:-1] + str((int(card[-1]) + 1) % 10), "",
                       " ".join([card[:4], card[4:8], card[8:12], card[12:]]),
                       "'" + card, card + " ", "12345", "6222-" + card[5:], "４" + card[1:]])


def roster_rows(rng: random.Random, count: int, names: Sequence[str], *, twice: bool = True,
                towns: Sequence[str] = TOWNS) -> list[list[str]]:
    """Households in the usual layout (the lane's), with towns, names and accounts as
    offices type them; some ids given twice (unless not ``twice``), some rows the lane
    leaves to the row path."""
    rows = []
    for number in range(count):
        category = rng.choice(["urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun"])
        tekun = category.endswith("tekun")
        persons = "1" if tekun else str(rng.randint(1, 6))
        income = "0" if tekun else rng.choice(["0", "120", "300.5", "1500", "88.08"])
        start = rng.choice(["", "", "2024-01", "2024-06"])
        end = rng.choice(["", "", "", "2024-04", "2024-12"])
        ident = f"ZC{number:07d}"
        if twice and number and rng.random() < 0.002:
            ident = f"ZC{rng.randrange(number):07d}"  # (an id given twice)
        rows.append([ident, category, persons, income, start, end, rng.choice(towns),
                     rng.choice(names), _account(rng, number)])
    return rows


HEADER = ["id", "category", "persons", "income", "start", "end", "乡镇", "姓名", "账号"]


def expected(table: StandardsTable, written: Written, rows: list[list[str]],
             levels: Sequence[str], *, excel: bool) -> tuple[str, list[tuple[str, str, int]]]:
    """The 发放明细 as CSV, and the payments to send, made one row at a time from the rows
    the batch wrote (``rows``, in the 发放明细's order), as the payroll made them before
    it made them column-wise."""
    keys, names = written.keys, written.names
    at = {key: keys.index(key) for key in ("id", "category", "persons", "months", "monthly")}
    name_at, account_at = names.index("姓名"), names.index("账号")
    group_at = (groups.positions(names, parse_group_by(tuple(levels)), "--group-by")
                if levels else ())
    categories = list(table.categories)
    out = io.StringIO()
    writer = CsvRows(out, "\r\n" if excel else "\n")  # (a lone CR quoted, as every CSV's)

    def text(cell: str, digits: bool) -> str:
        cell = csv_safe(cell)
        return kept_as_text(cell, digits=digits) if excel else cell

    writer.writerow(["序号", *levels, "姓名", "id", "保障类别", "保障人数", "发放方式",
                     "基本保障金（元）", "分类施保金（元）", "照料护理费（元）", "户月保障金（元）",
                     "账号", "发放状态"])
    width = 12 + len(levels)
    sums = [0, 0, 0, 0]
    persons_in_all = households_in_all = 0
    sent, sent_fen, held, held_fen = [], 0, 0, 0
    by_group: dict[groups.Key | None, list[list[str]]] = {}
    for cells in rows:
        key = groups.key_of(cells, group_at) if levels else None
        by_group.setdefault(key, []).append(cells)
    order = groups.nested([key for key in by_group if key is not None]) if levels else [None]
    for key in order:
        number = 0
        group_sum = group_persons = 0
        for cells in by_group[key]:
            fen = written_fen(cells[at["monthly"]])
            if cells[at["months"]] != "1" or fen <= 0:
                continue
            number += 1
            code = categories.index(households.resolve_category(table, cells[at["category"]]))
            persons = fields.read_persons(cells[at["persons"]])
            category = table.categories[categories[code]]
            ident, name = cells[at["id"]].strip(), cells[name_at].strip()
            try:
                account = account_digits(cells[account_at])
                status = SEND
                sent.append((ident, account, fen))
                sent_fen += fen
            except BadAccount as error:
                account, status = cells[account_at].strip(), f"{HELD}：{error}"
                held += 1
                held_fen += fen
            place = [] if key is None else [NO_LOCALITY if part is None else part
                                            for part in key]
            writer.writerow([str(number), *(text(part, False) for part in place),
                             text(name, False), text(ident, True), category.short_zh,
                             str(persons), PAID_AS[category.payment], fen_text(fen), "0.00",
                             "0.00", fen_text(fen), text(account, True), status])
            group_sum += fen
            group_persons += persons
            households_in_all += 1
        persons_in_all += group_persons
        sums[0] += group_sum
        if key is not None:
            closing = [""] * width
            closing[0] = f"{SUBTOTAL}：{group_label(key)}（{number}户）"
            closing[len(levels) + 4] = str(group_persons)
            closing[len(levels) + 6] = closing[len(levels) + 9] = fen_text(group_sum)
            closing[len(levels) + 7] = closing[len(levels) + 8] = "0.00"
            writer.writerow([csv_safe(cell) for cell in closing])
    for label, persons_, amounts in (
            (f"{TOTAL}（{households_in_all}户）", str(persons_in_all),
             [sums[0], 0, 0, sums[0]]),
            (f"其中：{SEND}（{len(sent)}户）", "", [None, None, None, sent_fen]),
            (f"其中：{HELD}（{held}户）", "", [None, None, None, held_fen])):
        closing = [""] * width
        closing[0] = label
        closing[len(levels) + 4] = persons_
        for position, amount in enumerate(amounts):
            if amount is not None:
                closing[len(levels) + 6 + position] = fen_text(amount)
        writer.writerow([csv_safe(cell) for cell in closing])
    return out.getvalue(), sent


class Setup(NamedTuple):
    """A roster written as CSV, and a payroll maker of it that keeps what the batch wrote
    (``seen``) and the rows it told (``told``), for :func:`expected` to make again."""

    roster: Path
    out: Path
    bank_file: Path
    told: list[list[str]]
    seen: list[Written]
    maker: Payroll


def set_up(tmp_path: Path, table: StandardsTable, rows: list[list[str]], *,
           levels: Sequence[str] = (), excel: bool = False, layout: str | None = "csv",
           bank_name: str = "代发.csv") -> Setup:
    roster = tmp_path / "r.csv"
    with roster.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    out, bank_file = tmp_path / "发放明细.csv", tmp_path / bank_name
    told: list[list[str]] = []
    seen: list[Written] = []

    def each(written: Written) -> object:
        seen.append(written)
        return told.append

    options = PayrollOptions(month=MONTH, output=out, excel=excel, each=each,
                             bank=None if layout is None else BankTarget(
                                 bank_file, resolve_layout(layout), "周村区民政局", "B1"))
    return Setup(roster, out, bank_file, told, seen, Payroll(table, options, list(levels)))


@pytest.mark.parametrize(("levels", "excel", "bank"), [
    ((), False, True), (("乡镇",), False, True), (("乡镇",), True, True), ((), True, False),
    (("乡镇",), False, False)])
def test_the_lines_made_column_wise_are_those_made_row_by_row(
        tmp_path: Path, table: StandardsTable, levels: tuple[str, ...], excel: bool,
        bank: bool) -> None:
    """A roster of several chunks (the lane's, and rows it leaves), in worker processes:
    the 发放明细 is, byte for byte, the one made row by row from the rows the batch wrote;
    the bank file holds the payments sent, in its order."""
    rng = random.Random(2024 + len(levels) + excel + 2 * bank)
    rows = roster_rows(rng, 24_000, NAMES if bank else [*NAMES, *QUOTED])
    roster, out, bank_file, told, seen, maker = set_up(
        tmp_path, table, rows, levels=levels, excel=excel, layout="csv" if bank else None)
    with roster.open("rb") as source:
        summary = run_batch(table, MonthPlan(table, MONTH), source,
                            BatchFiles(output=out, errors=tmp_path / "e.csv"),
                            BatchOptions(fmt="documents", headers=None, documents=maker,
                                         excel=excel,
                                         group_by=parse_group_by(levels) if levels else ()),
                            workers=2)
    assert summary.rows_rejected > 0  # (ids given twice: rejected at the end)
    detail, sent = expected(table, seen[0], told, levels, excel=excel)
    assert out.read_bytes().decode("utf-8-sig" if excel else "utf-8") == detail
    assert maker.summary.sent == len(sent)
    if not bank:
        assert not bank_file.exists()
        return
    lines = bank_file.read_text(encoding="utf-8-sig").splitlines()[1:-1]
    assert [(line.split(",")[2].strip(), line.split(",")[3].strip(), line.split(",")[4])
            for line in lines] == [(ident, account, fen_text(fen)) for ident, account, fen
                                   in sent]
    assert [int(line.split(",")[0]) for line in lines] == list(range(1, len(sent) + 1))


@pytest.mark.parametrize(("layout", "excel", "encoding", "twice"), [
    ("csv", False, "utf-8", False), ("csv", True, "utf-8", False),
    ("pipe", False, "utf-8", False), ("pipe", True, "utf-8", True),
    (None, False, "utf-8", False), ("csv", False, "gbk", False), ("csv", False, "gbk", True)])
def test_lines_written_as_the_run_goes_are_those_made_row_by_row(
        tmp_path: Path, table: StandardsTable, monkeypatch: pytest.MonkeyPatch,
        layout: str | None, excel: bool, encoding: str, twice: bool) -> None:
    """Without --group-by the lines are written into the staged 发放明细 (in UTF-8) and
    bank file (its summary last) as the chunks come, handed to the disk as they go, and
    taken back and written again when the run rejects rows at its end: the same bytes as
    made row by row, in UTF-8 or GBK, with a bank file whose summary is first or last, or
    none; nothing else left."""
    from welfare_calc.payroll import detail  # noqa: PLC0415

    monkeypatch.setattr(detail, "WRITE_BEHIND", 1)  # (handed to the disk every chunk)
    rng = random.Random(30 + excel + 2 * twice + (layout == "pipe"))
    names = [name for name in NAMES if name != "Ünal"]  # (GBK has no Ü)
    rows = roster_rows(rng, 24_000, names if layout else [*names, *QUOTED], twice=twice)
    roster, out, bank_file, told, seen, maker = set_up(
        tmp_path, table, rows, excel=excel, layout=layout, bank_name="代发.txt")
    with roster.open("rb") as source:
        summary = run_batch(table, MonthPlan(table, MONTH), source,
                            BatchFiles(output=out, errors=tmp_path / "e.csv"),
                            BatchOptions(fmt="documents", headers=None, documents=maker,
                                         excel=excel, output_encoding=encoding), workers=2)
    assert summary.rows_written
    assert (seen[0].again is not None) == twice  # (ids given twice: rejected at the end)
    detail, sent = expected(table, seen[0], told, (), excel=excel)
    assert out.read_bytes().decode("utf-8-sig" if excel else encoding) == detail
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == sorted(["r.csv", "e.csv", out.name, *([bank_file.name] if layout else [])])
    if layout is None:
        return
    lines = bank_file.read_text(encoding="utf-8-sig" if layout == "csv" else "gbk"
                                ).splitlines()
    lines = lines[1:-1] if layout == "csv" else lines[1:]
    cells = [line.split("," if layout == "csv" else "|") for line in lines]
    assert [(cell[2], cell[3].strip(), cell[4]) for cell in cells] == [
        (ident, account, fen_text(fen)) for ident, account, fen in sent]
    assert [int(cell[0]) for cell in cells] == list(range(1, len(sent) + 1))
    assert maker.bank_totals is not None
    assert (maker.bank_totals.count, maker.bank_totals.fen) == (
        len(sent), sum(fen for _ident, _account, fen in sent))


@pytest.mark.parametrize(("levels", "excel", "mixed", "every"), [
    ((), False, False, False), (("乡镇",), True, False, False), ((), False, True, False),
    (("乡镇",), False, True, False), ((), False, False, True)])
def test_lines_of_rows_the_lane_wrote_are_made_from_where_it_found_their_cells(
        tmp_path: Path, table: StandardsTable, monkeypatch: pytest.MonkeyPatch,
        levels: tuple[str, ...], excel: bool, mixed: bool, every: bool) -> None:
    """A chunk whose rows the column-wise lane wrote every one has its lines made from its
    cells where the lane found them (not cut from the rows written again), any other
    chunk from its rows cut into cells: the same bytes as made row by row either way,
    with names and towns spaced, long, holding a %, accounts held back (and, ``mixed``, a
    row in some chunks that the lane leaves to the row path; ``every``: no row refused,
    every line a row)."""
    from welfare_calc.payroll.lines import LineMaker  # noqa: PLC0415

    known: list[bool] = []
    make = LineMaker.make

    def spied(self: LineMaker, output: bytes, ledger: bytes, cells: object = None) -> object:
        known.append(cells is not None)
        return make(self, output, ledger, cells)  # type: ignore[arg-type]

    monkeypatch.setattr(LineMaker, "make", spied)
    rng = random.Random(7 + excel + 2 * mixed + len(levels))
    names = [name for name in NAMES if name[:1] not in ("+", "=")]  # (the lane takes them)
    towns = [town for town in TOWNS if town[:1] != "=" and not set(town) & set(',"')]
    rows = roster_rows(rng, 30_000, names, twice=False, towns=towns)  # (chunks of the lane)
    if mixed:  # (a name that starts like a formula: its row written one at a time)
        rows[1000][7] = "+吴"
    if every:  # (no coverage that ends before it starts: no row refused)
        for row in rows:
            row[5] = "" if row[4] > row[5] else row[5]
    roster, out, bank_file, told, seen, maker = set_up(tmp_path, table, rows, levels=levels,
                                                       excel=excel)
    with roster.open("rb") as source:
        run_batch(table, MonthPlan(table, MONTH), source,
                  BatchFiles(output=out, errors=tmp_path / "e.csv"),
                  BatchOptions(fmt="documents", headers=None, documents=maker, excel=excel,
                               group_by=parse_group_by(levels) if levels else ()),
                  workers=1)  # (in this process: the maker spied on)
    assert len(known) >= 2  # (the first chunk's lines cut from its rows when mixed)
    assert known == [not mixed, *[True] * (len(known) - 1)]
    detail, sent = expected(table, seen[0], told, levels, excel=excel)
    assert out.read_bytes().decode("utf-8-sig" if excel else "utf-8") == detail
    assert "待核实账号：" in detail
    lines = bank_file.read_text(encoding="utf-8-sig").splitlines()[1:-1]
    assert [(line.split(",")[2], line.split(",")[3].strip(), line.split(",")[4])
            for line in lines] == [(ident, account, fen_text(fen)) for ident, account, fen
                                   in sent]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("0123456789 -'a４"), max_size=24),
                max_size=40))
def test_accounts_checked_at_once_are_those_account_digits_takes_as_written(
        accounts: list[str]) -> None:
    """cards_hold accepts an account as written exactly where account_digits gives it back
    unchanged (16 to 19 digits, the Luhn digit holding: python-stdnum's rule)."""
    texts = np.array([account.encode("utf-8") for account in accounts] or [b""],
                     dtype=np.bytes_)[:len(accounts)]
    width = max(texts.itemsize, 1)
    matrix = np.zeros((len(accounts), width), dtype=np.uint8)
    for row, account in enumerate(accounts):
        raw = account.encode("utf-8")
        matrix[row, :len(raw)] = list(raw)
    lengths = np.array([len(account.encode("utf-8")) for account in accounts], dtype=np.int64)
    got = cards_hold(matrix, lengths).tolist()

    def unchanged(account: str) -> bool:
        try:
            return account_digits(account) == account
        except BadAccount:
            return False

    assert got == [unchanged(account) for account in accounts]
    assert got == [account.isascii() and account.isdigit() and 16 <= len(account) <= 19
                   and luhn.is_valid(account) for account in accounts]


@pytest.mark.parametrize(("name", "town", "line"), [("张\U0001f600", "青年路街道", "1"),
                                                    ("张三", "镇\U0001f600", "1"),
                                                    ("张三", "镇\U0001f600", "小计")])
def test_a_cell_the_output_encoding_cannot_hold_is_one_line_and_nothing_is_written(
        tmp_path: Path, name: str, town: str, line: str) -> None:
    """--output-encoding gbk and a name or a locality GBK has no character for (a
    household's line, or a 小计's label when none of the town is listed): one line naming
    the line, exit 2, no file."""
    from helpers import invoker  # noqa: PLC0415

    months = ("", "2024-04") if line == "小计" else ("", "")
    roster = tmp_path / "r.csv"
    roster.write_text("id,category,persons,income,start,end,乡镇,姓名,账号\n"
                      f"A1,urban-dibao,1,0,{months[0]},{months[1]},{town},{name},"
                      f"{_card(1)}\n", encoding="utf-8")
    done = invoker()("payroll", str(roster), "--month", "2024-05", "-o",
                     str(tmp_path / "o.csv"), "--output-encoding", "gbk", "--group-by", "乡镇")
    assert done.exit_code == 2, done.output
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"发放明细第 {line}" in done.stderr, done.stderr
    assert "gb18030" in done.stderr, done.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["r.csv"]


@pytest.mark.parametrize("lane", [False, True])
def test_workers_started_by_spawn_make_the_same_lines(
        tmp_path: Path, table: StandardsTable, monkeypatch: pytest.MonkeyPatch,
        lane: bool) -> None:
    """Windows has no fork: with it made unavailable, the workers start by spawn (the line
    maker pickled to them, the words in the clerk's language), and the 发放明细 and the
    bank file are the same bytes as with fork: chunks read row by row, or (``lane``)
    chunks the column-wise lane wrote whole."""
    from helpers import spawn_only  # noqa: PLC0415
    from welfare_calc.batch.input import reading  # noqa: PLC0415

    names = [name for name in NAMES if name != "Ünal"]
    if lane:  # (chunks of a megabyte, no row the lane leaves)
        rows = roster_rows(random.Random(7), 24_000, [
            name for name in names if name[:1] != "+"], towns=[
                town for town in TOWNS if town[:1] != "=" and not set(town) & set(',"')])
    else:
        monkeypatch.setattr(reading, "CHUNK", 256 << 10)  # several chunks: workers run
        rows = roster_rows(random.Random(7), 12_000, names)
    roster = tmp_path / "r.csv"
    with roster.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    used: list[str | None] = []
    made = []
    for method in ("fork", "spawn"):
        if method == "spawn":
            used = spawn_only(monkeypatch)
        out, bank = tmp_path / f"{method}.csv", tmp_path / f"{method}-代发.csv"
        options = PayrollOptions(month=MONTH, output=out, bank=BankTarget(
            bank, resolve_layout("pipe"), "周村区民政局", "B1"))
        with roster.open("rb") as source:
            run_batch(table, MonthPlan(table, MONTH), source,
                      BatchFiles(output=out, errors=tmp_path / f"{method}-e.csv"),
                      BatchOptions(fmt="documents", headers=None,
                                   documents=Payroll(table, options, [])), workers=2)
        made.append((out.read_bytes(), bank.read_bytes()))
    assert used == ["spawn"]
    assert made[0] == made[1]
    assert "待核实账号：".encode() in made[0][0]


@pytest.mark.parametrize(("layout", "name", "said"), [
    ("pipe", "Ünal", "无法用代发文件格式规定的编码 gbk 写入"),
    ("pipe", "张|三", "含有分隔符"),
    ("csv", "张,三", "含有分隔符"),
])
def test_a_name_the_bank_layout_cannot_carry_is_refused_naming_its_payment(
        tmp_path: Path, layout: str, name: str, said: str) -> None:
    """The pipe layout (GBK, fields split by |): a name it cannot write, or one holding its
    delimiter, is one line naming the payment's key, exit 2, and no file is written (the
    发放明细 neither: they appear together or not at all); the csv layout, whose lines and
    the 发放明细's are written into their staged files as the run goes, likewise."""
    from helpers import invoker  # noqa: PLC0415

    roster = tmp_path / "r.csv"
    rows = [[f"ZC{number:07d}", "urban-dibao", "1", "0", "", "", "萌水镇",
             name if number == 5000 else "张三", _card(number)] for number in range(6000)]
    with roster.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    done = invoker()("payroll", str(roster), "--month", "2024-05", "-o",
                     str(tmp_path / "o.csv"), "--bank-file", str(tmp_path / "代发.txt"),
                     "--bank-layout", layout, "--office", "周村区民政局")
    assert done.exit_code == 2, done.output
    assert done.stderr.count("\n") == 1, done.stderr
    assert "2024-05:ZC0005000" in done.stderr, done.stderr
    assert said in done.stderr, done.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["r.csv"]
