"""The batch fast path against the core, and the batch against garbage (hypothesis)."""

from __future__ import annotations

import csv
import io
import random
import tempfile
from array import array
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import oracle
from welfare_calc.batch.rows import lane as lane_module
from welfare_calc.batch.rows.ids import id_digest, overlapping, repeated_positions, span
from welfare_calc.batch.rows.lane import unquoted
from welfare_calc.batch.rows.parsing import RowParser, read_header
from welfare_calc.batch.run.chunk_result import ChunkResult
from welfare_calc.batch.run.chunks import LANE_ROWS, ChunkProcessor
from welfare_calc.batch.run.pipeline import BatchFiles, BatchOptions, run_batch
from welfare_calc.core import checks, fields, households, timeline
from welfare_calc.core.engine import OPEN_END, OPEN_START, BackpayEngine
from welfare_calc.core.errors import WelfareCalcError
from welfare_calc.core.money import RoundingPoint, parse_money
from welfare_calc.core.months import Month
from welfare_calc.core.table import Payment, StandardsTable
from welfare_calc.standards.loader import parse_standards, read_standards, shipped_standards

SHIPPED = shipped_standards().table


def shipped_with(amounts: dict[str, str]) -> StandardsTable:
    """The shipped table with some amounts changed (old text → new text)."""
    text = (Path(__file__).parents[1] / "data" / "standards_2020.yaml").read_text(
        encoding="utf-8")
    for old, new in amounts.items():
        assert f'amount: "{old}"' in text
        text = text.replace(f'amount: "{old}"', f'amount: "{new}"')
    return parse_standards(text, f"shipped with {amounts}")


def to_index(month: Month | None, *, end: bool) -> int:
    """A coverage bound as the plan's month index, open bounds as its sentinels."""
    if month is None:
        return OPEN_END if end else OPEN_START
    return month.index


def from_fen(fen: int) -> Decimal:
    """Fen as a Decimal of yuan, for comparing with the core."""
    return Decimal(fen).scaleb(-2)


HALVES = shipped_with({"5150": "5150.5", "7500": "7500.5"})
"""The shipped table with yearly standards of 5150.50 and 7500.50 yuan: back-pay and
monthly amounts can fall on exactly half a fen, which rounds up."""
TIMELINE = read_standards(Path(__file__).parent / "standards_files" / "zibo_timeline.yaml").table

def throughs(table: StandardsTable) -> list[Month]:
    """Every month a back-pay window of ``table`` may end in: a raise in force by then,
    and every month from it known (the shipped table knows no month of 2021)."""
    valid = []
    for index in range(Month(2020, 1).index, table.covers_through.index + 1):
        through = Month.from_index(index)
        try:
            raised = timeline.choose_raise(table, through)
            for month in range(raised.first_month.index, index + 1):
                timeline.standard_in_force(table, "urban-dibao", Month.from_index(month))
        except WelfareCalcError:
            continue
        valid.append(through)
    return valid


THROUGHS = {id(SHIPPED): throughs(SHIPPED), id(TIMELINE): throughs(TIMELINE),
            id(HALVES): throughs(HALVES)}
"""The months a window of each table may end in."""

MONTHS = st.integers(min_value=Month(2019, 1).index, max_value=Month(2025, 12).index).map(
    Month.from_index)
OPTIONAL_MONTH = st.none() | MONTHS
FEN = st.integers(min_value=0, max_value=2_000_000)


@st.composite
def cases(draw: st.DrawFn) -> tuple[StandardsTable, Month, households.Household,
                                    households.Coverage, Decimal | None]:
    table = draw(st.sampled_from([SHIPPED, TIMELINE]))
    through = draw(st.sampled_from(THROUGHS[id(table)]))
    # Both rounding points (docs/rules.md rule 5): each month as paid, or the total.
    table = table.rounded_at(draw(st.sampled_from(list(RoundingPoint))))
    # Persons past 99 leave the batch's inline arithmetic for the plan.
    house = checks.household(table, draw(st.sampled_from(sorted(table.categories))),
                           draw(st.integers(min_value=1, max_value=9) | st.just(120)),
                           from_fen(draw(st.integers(min_value=0, max_value=150_000))))
    first, second = draw(OPTIONAL_MONTH), draw(OPTIONAL_MONTH)
    if first is not None and second is not None and first > second:
        first, second = second, first
    paid = draw(st.none() | FEN.map(from_fen))
    return table, through, house, households.Coverage(first, second), paid


@settings(max_examples=300)
@given(cases())
def test_fast_path_equals_the_core(case: tuple[StandardsTable, Month, households.Household,
                                               households.Coverage, Decimal | None]) -> None:
    table, through, house, period, paid = case
    plan = BackpayEngine(table, through)
    income_fen = int(house.income * 100)
    months, backpay, monthly, overpaid, newly = plan.compute(
        house.category, house.persons, income_fen, to_index(period.start, end=False),
        to_index(period.end, end=True), None if paid is None else int(paid * 100))[:5]
    core = oracle.backpay(table, house, through, period, paid)
    first = oracle.monthly_amount(table, house, core.raised.first_month)
    assert (months, from_fen(backpay), from_fen(monthly), from_fen(overpaid), newly) == (
        core.months_counted, core.amount, first.amount, core.overpaid,
        oracle.newly_eligible(table, house, core.raised))


def processor_for(table: StandardsTable, through: Month, header: list[str], *,
                  lane_rows: int = LANE_ROWS, encoding: str = "utf-8",
                  output_encoding: str = "utf-8", newline: str = "\n",
                  text_marks: bool = False) -> ChunkProcessor:
    columns = read_header(header)
    return ChunkProcessor(
        parser=RowParser(table, columns), plan=BackpayEngine(table, through), columns=columns,
        categories=list(table.categories), encoding=encoding, output_encoding=output_encoding,
        newline=newline, jsonl=False, lane_rows=lane_rows, text_marks=text_marks)


@settings(max_examples=300)
@given(cases(), st.booleans(), st.sampled_from([1, LANE_ROWS]))
def test_a_batch_row_equals_the_core(case: tuple[StandardsTable, Month, households.Household,
                                                 households.Coverage, Decimal | None],
                                     paid_column: bool, lane_rows: int) -> None:
    # The row goes through the batch's own paths: the column-wise lane (a
    # chunk of one line is made to take it) or the row-by-row path, written
    # as a finance office would write it, with or without the paid column.
    table, through, house, period, paid = case
    if not paid_column:
        paid = None
    names = ["id", "category", "persons", "income", "start", "end"]
    processor = processor_for(table, through, [*names, "paid"] if paid_column else names,
                              lane_rows=lane_rows)
    cells = ["H1", house.category, str(house.persons), str(house.income),
             str(period.start or ""), str(period.end or "")]
    if paid_column:
        cells.append("" if paid is None else str(paid))
    line = ",".join(cells)
    result = processor.process(2, (line + "\n").encode())
    written = result.output.decode().rstrip("\n").split(",")
    core = oracle.backpay(table, house, through, period, paid)
    first = oracle.monthly_amount(table, house, core.raised.first_month)
    assert written[:len(cells)] == cells
    assert (int(written[-5]), Decimal(written[-4]), Decimal(written[-3]),
            Decimal(written[-2]), written[-1]) == (
        core.months_counted, core.amount, first.amount, core.overpaid,
        "true" if oracle.newly_eligible(table, house, core.raised) else "false")
    assert result.accepted.tolist() == [2]
    assert result.ids.tolist() == [id_digest("H1")]


PLAIN_CELL = st.one_of(
    st.text(alphabet=st.characters(exclude_characters=',"\r\n'), max_size=12),
    st.sampled_from([
        "", "H1", "H2", "h-3", "=H1", "+1", "-1", "@x", " H1", "H1 ", "H\t1", "x" * 32, "x" * 33,
        "11010519491231002X", "110105194912310021", "11010519491231002x", "编号1",
        "urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun", "Urban-dibao",
        "城市低保", "农村特困", "农村特困人员救助供养基本生活标准", "农村特困人员救助供养基本生活",
        "0", "1", "2", "6", "9", "10", "99", "100", "01", "1.0", "٣",
        "0.00", "5.", ".5", "5.5", "5.55", "5.555", "123456789.12", "1234567890", "00.50",
        "300", "1000000", "2019-12", "2020-01", "2020-03", "2020-08", "2020-12", "2021-01",
        "2020-00", "2020-13", "0000-05", "2020-1", "2020-011", "２０２０-01", "9999-12"]),
)


SPELLINGS = sorted({*households.category_names(SHIPPED), *households.category_names(TIMELINE)})


@st.composite
def income_texts(draw: st.DrawFn) -> str:
    """An amount to the fen, written in any of the ways the careful path reads it."""
    yuan, fen = divmod(draw(st.integers(min_value=0, max_value=60_000)
                            | st.integers(min_value=0, max_value=200_000)), 100)
    whole = draw(st.sampled_from(["", "0", "00"])) + str(yuan)
    if fen % 10 == 0:
        return whole + draw(st.sampled_from(["" if fen == 0 else f".{fen // 10}",
                                             f".{fen // 10}", f".{fen:02d}"]))
    return f"{whole}.{fen:02d}"


NEAR_MISSES = (
    # Cells one step from what the lane reads, column by column.
    ["", "=H1", "+1", "-1", "@x", " H1", "H1 ", "H1\t", "H1\u3000", "H\t1", "x" * 32, "x" * 33,
     "编号1",
     "11010519491231002x", "110105194912310021"],
    ["", "Urban-dibao", "urban-dibao ", "urban", "农村特困人员救助供养基本生活",
     "农村特困人员救助供养基本生活标则", "城市低保x"],
    ["0", "01", "100", "٣", " 1", "1.0", "+1", ""],
    ["", "5.", ".5", "5.555", "1234567890", "0123456789.5", "-1", "+1", " 5", "1e3", "５"],
    ["2020-00", "2020-13", "0000-05", "2020-1", "2020-011", "２０２０-01", "2020/01", " 2020-01"],
    ["2020-00", "2020-13", "2020-1", "2019-12", "9999-12"],
    ["0.5", "100", "-1", "x"],
)


@st.composite
def plain_rows(draw: st.DrawFn, width: int) -> list[str]:
    """Mostly a well-written row; some cells a near miss or garbage, some rows all garbage."""
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        return draw(st.lists(PLAIN_CELL, max_size=width + 1))
    month = st.just("") | MONTHS.map(str)
    cells = [draw(st.sampled_from(["H1", "H2", "a-1", "11010519491231002X", "x" * 32,
                                   "110105190001010028", "0123", "7"])
                  | st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E,
                                        exclude_characters=',"'), min_size=1, max_size=34)),
             draw(st.sampled_from(SPELLINGS)),
             str(draw(st.integers(min_value=1, max_value=9) | st.integers(min_value=1,
                                                                          max_value=99))),
             draw(income_texts()), draw(month), draw(month)]
    if width > len(cells):
        cells.append(draw(st.sampled_from(["", "", "", "100", "0.5"])))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        column = draw(st.integers(min_value=0, max_value=width - 1))
        cells[column] = draw(st.sampled_from(NEAR_MISSES[column]) | PLAIN_CELL)
    return cells


def compare_paths(data: bytes, table: StandardsTable, through: Month, header: list[str],
                  encoding: str = "utf-8", output_encoding: str = "utf-8",
                  newline: str = "\n", text_marks: bool = False) -> ChunkResult:
    """Process ``data`` column-wise and row by row; assert both say the same, return it."""
    lane, rows_path = (processor_for(table, through, header, lane_rows=lane_rows,
                                     encoding=encoding, output_encoding=output_encoding,
                                     newline=newline, text_marks=text_marks).process(2, data)
                       for lane_rows in (0, 1 << 30))
    assert lane.undecodable_line is None
    assert lane.output == rows_path.output
    assert lane.accepted.tolist() == rows_path.accepted.tolist()
    assert lane.ids.tolist() == rows_path.ids.tolist()
    assert lane.rejections == rows_path.rejections
    assert (lane.totals, lane.rows_read) == (rows_path.totals, rows_path.rows_read)
    return lane


@pytest.mark.parametrize("table", [SHIPPED, HALVES], ids=["shipped", "halves"])
@pytest.mark.parametrize("paid_column", [False, True], ids=["no-paid", "paid"])
def test_every_near_miss_leaves_the_lane_as_the_row_path_would(table: StandardsTable,
                                                               paid_column: bool) -> None:
    # One well-written row per category and household size, then the same
    # row with each cell replaced in turn by each near miss.
    header = ["id", "category", "persons", "income", "start", "end", *(["paid"] * paid_column)]
    good = [[f"H{number}", spelling, str(persons), income, start, end, *([""] * paid_column)]
            for number, (spelling, persons, income, start, end) in enumerate([
                ("rural-dibao", 3, "0", "2020-08", ""), ("农村特困", 3, "12.5", "", "2020-03"),
                ("urban-dibao", 1, "599.99", "2020-02", "2020-06"),
                ("城市特困", 99, "0.00", "", ""),
                ("农村特困人员救助供养基本生活标准", 5, "7", "", "")])]
    rows = [*good]
    for column, misses in enumerate(NEAR_MISSES[:len(header)]):
        for miss in misses:
            rows.append([*good[0][:column], miss, *good[0][column + 1:]])
    text = "".join(",".join(row) + "\n" for row in rows)
    result = compare_paths(text.encode("utf-8"), table, Month(2020, 8), header)
    assert result.accepted.tolist()[:len(good)] == list(range(2, 2 + len(good)))
    assert result.rejections  # the near misses the careful path refuses


def spelled(spellings: list[str], table: StandardsTable) -> list[int]:
    """The lane's category position of each cell, one line per cell."""
    text = "".join(f"H{number},{cell},1,0,,\n" for number, cell in enumerate(spellings))
    processor = processor_for(table, Month(2020, 8), ["id", "category", "persons", "income",
                                                      "start", "end"])
    lane = processor.lane()
    assert lane is not None
    chunk = lane_module.ChunkBytes(text.encode("utf-8"))
    begin, length, _ = lane._cells_of(chunk.buf)
    return lane._spellings.find(chunk, begin[:, 1], length[:, 1]).tolist()


def test_the_lane_finds_every_spelling_and_no_near_miss() -> None:
    keys = list(SHIPPED.categories)
    names = households.category_names(SHIPPED)
    spellings = sorted(names)
    assert spelled(spellings, SHIPPED) == [keys.index(households.resolve_category(SHIPPED, name))
                                           for name in spellings]
    assert spelled(NEAR_MISSES[1], SHIPPED) == [-1] * len(NEAR_MISSES[1])


def test_spellings_that_mix_to_one_number_go_row_by_row(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    # With the mixing made weak (the first 8 bytes only), spellings that begin alike
    # collide, and their rows go to the per-row path, which writes them as the lane
    # would; a spelling whose first 8 bytes are its own is still found.
    monkeypatch.setattr(lane_module, "_mixed", lambda first, _second, _length: first.copy())
    spellings = sorted(households.category_names(SHIPPED))
    heads = [spelling.encode("utf-8")[:8] for spelling in spellings]
    alone = [heads.count(head) == 1 for head in heads]
    assert any(alone)
    assert not all(alone)
    found = spelled(spellings, SHIPPED)
    assert [code != -1 for code in found] == alone
    rows = "".join(f"H{number},{spelling},2,10,,\n" for number, spelling in enumerate(SPELLINGS))
    result = compare_paths(rows.encode("utf-8"), SHIPPED, Month(2020, 8),
                           ["id", "category", "persons", "income", "start", "end"])
    assert len(result.accepted) > 0


DIGIT_CELLS = st.sampled_from(["", "0", "7", "01", "0123", "12345678901", "123456789012",
                               "6230000000000001", "6210000000000000003", "110105190001010028",
                               "11010519491231002X", "x12", "6230 0000",
                               # longer than the lane looks at once: asked alone
                               "1" * 40, "0" * 33, "1" * 33 + "x"]) | st.from_regex(
    r"[0-9]{1,20}", fullmatch=True)
"""Cells of a column carried through: digits a spreadsheet would change, and not."""


@st.composite
def plain_chunks(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """A header of the usual layout and rows of cells without quotes or line breaks;
    sometimes an account column and a note carried through, often of digits."""
    header = ["id", "category", "persons", "income", "start", "end"]
    if draw(st.booleans()):
        header.append("paid")
    rows = draw(st.lists(plain_rows(len(header)), max_size=30))
    if draw(st.booleans()):
        header += ["银行账号", "备注"]
        rows = [[*row, draw(DIGIT_CELLS), draw(DIGIT_CELLS)] for row in rows]
    return header, rows


@settings(max_examples=300)
@given(plain_chunks(), st.sampled_from([SHIPPED, TIMELINE, HALVES]),
       st.integers(min_value=0, max_value=59),
       st.sampled_from([("utf-8", "utf-8", "\n"), ("gb18030", "gb18030", "\r\n"),
                        ("gbk", "utf-8", "\n")]), st.booleans(),
       st.sampled_from(["none", "all", "some"]), st.randoms(use_true_random=False),
       st.booleans())
def test_the_lane_writes_what_the_row_path_writes(
        chunk: tuple[list[str], list[list[str]]], table: StandardsTable, through: int,
        encodings: tuple[str, str, str], crlf: bool, quoting: str, rng: random.Random,
        text_marks: bool) -> None:
    # The same chunk, once column-wise in NumPy and once row by row (by the
    # csv module when it has quotes): the same bytes out, the same rows
    # accepted with the same id digests, the same rejections and totals.
    # Garbage cells make the lane hand lines back.
    header, rows = chunk
    encoding, output_encoding, newline = encodings
    valid = THROUGHS[id(table)]
    month = valid[through % len(valid)]
    quoted = [[f'"{cell}"' if quoting == "all" or (quoting == "some" and rng.random() < 0.3)
               else cell for cell in row] for row in rows]
    text = (("\r\n" if crlf else "\n").join(",".join(row) for row in quoted)
            + ("\n" if rows else ""))
    compare_paths(text.encode(encoding, "replace"), table, month, header, encoding,
                  output_encoding, newline, text_marks)


@pytest.mark.parametrize(("data", "expected"), [
    (b'"H1","urban-dibao",1,0,,\n', b"H1,urban-dibao,1,0,,\n"),
    (b'H1,"",1\n"",x\n', b"H1,,1\n,x\n"),
    (b'"a,b",1\n', None),           # a comma inside: one cell, not two
    (b'"a""b",1\n', None),          # a doubled quote inside
    (b'a"b",1\n', None),            # a quote in the middle of a cell
    (b'"a\nb",1\n', None),          # a line break inside
    (b'1,"a\n', None),              # never closed
    (b'x\n""\ny\n', None),          # a row of one empty cell, not a blank line
    (b'"H1" ,1\n', None),           # text after the closing quote
])
def test_quotes_go_only_when_they_wrap_whole_cells(data: bytes, expected: bytes | None) -> None:
    assert unquoted(data) == expected


CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "urban-dibao", "农村低保", "城市特困", "rural-tekun", "3", "0", "-1",
                     "1.5", "200", "200.5", "200.555", "2020-03", "2020-13", "2020-3", "2021-01",
                     "11010519491231002X", "110105194912310021", "=1+1", " 7 ", "H1"]),
)
ROW = st.lists(CELL, min_size=6, max_size=8)


@settings(max_examples=60)
@given(st.lists(ROW, max_size=12), st.booleans(), st.booleans())
def test_garbage_never_crashes_and_every_row_is_accounted_for(rows: list[list[str]],
                                                              paid_column: bool,
                                                              many: bool) -> None:
    # With many, 4,100 well-written rows come first, so that the chunk goes
    # to the NumPy lane and the garbage is handed back from there.
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["id", "category", "persons", "income", "start", "end",
                     *(["paid"] if paid_column else [])])
    if many:
        writer.writerows([f"W{number}", "rural-dibao", "2", "100.5", "", "",
                          *([""] if paid_column else [])] for number in range(4_100))
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out.csv"
        summary = run_batch(SHIPPED, BackpayEngine(SHIPPED, Month(2020, 8)),
                            io.BytesIO(text.getvalue().encode("utf-8")), BatchFiles(out),
                            BatchOptions())
        with out.open(newline="", encoding="utf-8") as handle:
            written = list(csv.reader(handle))[1:]
        with (Path(folder) / "out.csv.errors.csv").open(newline="", encoding="utf-8") as handle:
            errors = list(csv.DictReader(handle))
    records = [row for row in csv.reader(io.StringIO(text.getvalue(), newline="")) if row][1:]
    assert summary.rows_read == len(records)
    assert summary.rows_read == summary.rows_written + summary.rows_rejected
    assert len(written) == summary.rows_written
    assert len({row["line"] for row in errors}) == summary.rows_rejected
    assert all(row["reason"] for row in errors)
    assert sum(Decimal(row[-4]) for row in written) == from_fen(summary.backpay_fen)
    assert sum(Decimal(row[-2]) for row in written) == from_fen(summary.overpaid_fen)
    assert sum(row[-1] == "true" for row in written) == sum(
        summary.newly_by_category.values())


@given(st.lists(st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1))
       | st.lists(st.integers(min_value=-3, max_value=3)))
def test_repeated_positions_are_exactly_those_of_values_seen_twice(values: list[int]) -> None:
    # The index of ids at the end of a run: 8-byte hashes, sorted in NumPy.
    expected = [at for at, value in enumerate(values) if values.count(value) > 1]
    assert repeated_positions(array("q", values)).tolist() == expected


@pytest.mark.parametrize("standard", [100_000, 10**15], ids=["large", "too-large"])
def test_large_standards_are_exact(standard: int) -> None:
    # 100,000 yuan a month for 99 persons is past the lane's table of number
    # texts (it writes those digits itself); 10**15 would overflow 64-bit
    # integers, so the lane leaves that category to Python's integers.
    table = shipped_with({"660": str(standard)})
    header = ["id", "category", "persons", "income", "start", "end"]
    result = compare_paths(b"H1,urban-dibao,99,0,,\nH2,urban-tekun,1,0,,\n", table,
                           Month(2020, 12), header)
    assert result.output.decode().splitlines()[0].split(",")[-5:] == [
        "12", f"{(standard - 600) * 99 * 12}.00", f"{standard * 99}.00", "0.00", "false"]


@pytest.mark.parametrize("rows", [10, 5_000], ids=["row by row", "NumPy lane"])
def test_a_doubled_row_past_64_bits_leaves_the_totals_exact(tmp_path: Path, rows: int) -> None:
    # The doubled-id pass takes each dropped row's back-pay back from the
    # totals: with a standard of 10**15 yuan, 99 persons' back-pay is past
    # 64 bits of fen, and must come back exactly all the same.
    table = shipped_with({"660": str(10**15)})
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end\n"
                      + "".join(f"H{n},urban-tekun,1,0,,\n" for n in range(rows))
                      + "D1,urban-dibao,99,0,,2020-05\nD1,urban-dibao,99,0,2020-04,\n"
                      + "D2,urban-dibao,99,0,,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    with source.open("rb") as handle:
        summary = run_batch(table, BackpayEngine(table, Month(2020, 12)), handle,
                            BatchFiles(out), BatchOptions(), workers=1)
    assert (summary.rows_written, summary.rows_rejected) == (rows + 1, 2)
    with out.open(encoding="utf-8", newline="") as written:
        total = sum(Decimal(row["backpay"]) for row in csv.DictReader(written))
    assert from_fen(summary.backpay_fen) == total
    assert summary.by_category["urban-dibao"] == (10**15 - 600) * 99 * 12 * 100


@settings(max_examples=300)
@given(rows=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 30),
                               st.integers(0, 30)), max_size=60))
def test_overlapping_finds_every_row_of_an_overlapping_pair(
        rows: list[tuple[int, int, int, int]]) -> None:
    # Against the quadratic definition: a row is doubled when another row with
    # the same keys overlaps it; each pair reported really overlaps.
    spans = [(min(a, b), max(a, b)) for _, _, a, b in rows]
    first = np.array([row[0] for row in rows], dtype=np.int64)
    second = np.array([row[1] for row in rows], dtype=np.int64)
    packed = np.array([span(a, b) for a, b in spans], dtype=np.int64)
    found, partners = overlapping([first, second], packed)
    expected = {i for i in range(len(rows)) for j in range(len(rows))
                if i != j and rows[i][:2] == rows[j][:2]
                and spans[i][0] <= spans[j][1] and spans[j][0] <= spans[i][1]}
    assert set(found.tolist()) | set(partners.tolist()) == expected
    for i, j in zip(found.tolist(), partners.tolist(), strict=True):
        assert i != j
        assert rows[i][:2] == rows[j][:2]
        assert spans[i][0] <= spans[j][1]
        assert spans[j][0] <= spans[i][1]


def core_verdict(table: StandardsTable, through: Month, cells: list[str]
                 ) -> tuple[int, Decimal, Decimal, Decimal, str] | None:
    """What the core makes of a row's cells as typed: months, back-pay, monthly
    amount and overpaid, or None when it refuses the household. Only the core's
    own readers."""
    category, persons, income, start, end, paid = cells
    try:
        house = checks.household(table, category, fields.read_persons(persons),
                               parse_money(income))
        first = Month.parse(start) if start.strip() else None
        last = Month.parse(end) if end.strip() else None
        result = oracle.backpay(table, house, through, checks.coverage(first, last),
                              parse_money(paid) if paid.strip() else None)
    except (WelfareCalcError, ValueError):
        return None
    monthly = oracle.monthly_amount(table, house, result.raised.first_month)
    return (result.months_counted, result.amount, monthly.amount, result.overpaid,
            "true" if oracle.newly_eligible(table, house, result.raised) else "false")


def mostly(usual: st.SearchStrategy[str], odd: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``usual`` three times in four, ``odd`` else: most rows are whole, so that the
    fast paths (which take only whole rows) meet every kind of value too."""
    return usual | usual | usual | odd


def near(bound: int) -> st.SearchStrategy[str]:
    """Whole numbers just around a bound."""
    return st.integers(min_value=-2, max_value=2).map(lambda step: str(bound + step))


ODD_NUMBERS = st.sampled_from([" 3 ", "+3", "3.0", "1e1", "３", "٣", "03", "", " ", "9" * 40,
                               "-0", "3,", "三"])
TYPED_PERSONS = mostly(st.integers(min_value=1, max_value=99).map(str),
                       near(checks.MAX_PERSONS) | near(1) | near(99) | near(100) | ODD_NUMBERS)
# Amounts of every size, not only small ones: a rule about large incomes must be met.
TYPED_AMOUNTS = mostly(
    st.integers(min_value=0, max_value=13).flatmap(
        lambda digits: st.integers(min_value=0, max_value=10**digits)).map(
        lambda fen: str(from_fen(fen))),
    st.sampled_from(["0", "200", "200.5", "200.55", "200.555", "-1", "1e2", " 200 ", "２００",
                     "２００．５", "0200", ".5", "5.", "9" * 16, "9" * 17, "0" * 20 + "1", "NaN",
                     "inf", ""]))
TYPED_MONTHS = mostly(
    st.just("") | st.integers(min_value=Month(2019, 6).index,
                              max_value=Month(2021, 6).index).map(
        lambda index: str(Month.from_index(index))),
    st.sampled_from(["2020-13", "2020-00", "0000-01", "9999-12", "2020-8", " 2020-05 ",
                     "２０２０-０５", "2020/05", "202005", "x"]))
TYPED_CATEGORY = mostly(
    st.sampled_from(["urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun", "城市低保",
                     "农村特困"]),
    st.sampled_from([" rural-tekun ", "Urban-Dibao", "urban-dibo", "", "dibao"]))
TYPED_PAID = mostly(st.just(""), TYPED_AMOUNTS)


@settings(max_examples=400)
@given(rows=st.lists(st.tuples(TYPED_CATEGORY, TYPED_PERSONS, TYPED_AMOUNTS, TYPED_MONTHS,
                               TYPED_MONTHS, TYPED_PAID),
                     min_size=1, max_size=12),
       lane_rows=st.sampled_from([1, LANE_ROWS]))
def test_the_batch_accepts_a_row_exactly_when_the_core_does(
        rows: list[tuple[str, str, str, str, str, str]], lane_rows: int) -> None:
    # Rows as typed, not built by the core's constructors: values just outside
    # every bound, spaces, signs, exponents, other digits. The batch (lane or
    # row by row) rejects a row if and only if the core refuses it, and
    # writes the core's amounts when it accepts one.
    through = Month(2020, 8)
    processor = processor_for(SHIPPED, through,
                              ["id", "category", "persons", "income", "start", "end", "paid"],
                              lane_rows=lane_rows)
    text = "".join(f"H{number}," + ",".join(row) + "\n" for number, row in enumerate(rows))
    result = processor.process(2, text.encode())
    rejected = {line for line, _, _, _ in result.rejections}
    written = iter(csv.reader(io.StringIO(result.output.decode(), newline="")))
    for number, row in enumerate(rows):
        verdict = core_verdict(SHIPPED, through, list(row))
        line = number + 2
        assert (line in rejected) == (verdict is None), (row, verdict)
        if verdict is not None:
            cells = next(written)
            assert (int(cells[-5]), Decimal(cells[-4]), Decimal(cells[-3]),
                    Decimal(cells[-2]), cells[-1]) == verdict, row


SUPPLEMENTS = (st.integers(min_value=0, max_value=30_000).map(
                   lambda fen: f"{fen // 100}.{fen % 100:02d}")
               | st.integers(min_value=0, max_value=10_000).map(
                   lambda bp: f"{bp // 100}.{bp % 100:02d}%")
               | st.integers(min_value=1, max_value=100).map(lambda whole: f"{whole}%"))


@settings(max_examples=300)
@given(cases(), SUPPLEMENTS)
def test_a_row_with_a_supplement_equals_the_core(
        case: tuple[StandardsTable, Month, households.Household, households.Coverage,
                    Decimal | None],
        supplement: str) -> None:
    # docs/rules.md rule 11: a 分类施保 supplement, fixed or a percentage, at both
    # rounding points; the batch computes it in integers, the core in fractions.
    table, through, house, period, paid = case
    names = ["id", "category", "persons", "income", "start", "end", "paid", "supplement"]
    processor = processor_for(table, through, names)
    cells = ["H1", house.category, str(house.persons), str(house.income),
             str(period.start or ""), str(period.end or ""), "" if paid is None else str(paid),
             supplement]
    result = processor.process(2, (",".join(cells) + "\n").encode())
    given = fields.read_supplement(supplement)
    if table.categories[house.category].payment is not Payment.GAP_FILLING:
        assert [problem.column for problem in result.rejections[0].problems] == ["supplement"]
        return
    core_house = checks.household(table, house.category, house.persons, house.income, given)
    core = oracle.backpay(table, core_house, through, period, paid)
    first = oracle.monthly_amount(table, core_house, core.raised.first_month)
    written = result.output.decode().rstrip("\n").split(",")
    assert written[-7:] == [
        str(core.months_counted), str(core.amount), str(first.total_amount), str(core.overpaid),
        "true" if oracle.newly_eligible(table, core_house, core.raised) else "false",
        str(first.amount),
        str(first.supplement_amount)]
