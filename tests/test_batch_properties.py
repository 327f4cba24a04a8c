"""The batch fast path against the core, and the batch against garbage (hypothesis)."""

from __future__ import annotations

import csv
import io
import tempfile
from array import array
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from welfare_calc import calc
from welfare_calc.batch import BatchFiles, BatchOptions, repeated_values, run_batch
from welfare_calc.batch_chunks import ChunkProcessor
from welfare_calc.batch_rows import RowParser, read_header
from welfare_calc.fastpath import BackpayPlan, from_fen, to_index
from welfare_calc.loader import read_standards, shipped_standards
from welfare_calc.model import StandardsTable
from welfare_calc.months import Month

SHIPPED = shipped_standards().table
TIMELINE = read_standards(Path(__file__).parent / "standards_files" / "zibo_timeline.yaml").table

MONTHS = st.integers(min_value=Month(2019, 1).index, max_value=Month(2025, 12).index).map(
    Month.from_index)
OPTIONAL_MONTH = st.none() | MONTHS
FEN = st.integers(min_value=0, max_value=2_000_000)


@st.composite
def cases(draw: st.DrawFn) -> tuple[StandardsTable, Month, calc.Household, calc.Coverage,
                                    Decimal | None]:
    table = draw(st.sampled_from([SHIPPED, TIMELINE]))
    last = Month(2020, 12) if table is SHIPPED else Month(2024, 12)
    through = draw(st.integers(min_value=Month(2020, 1).index, max_value=last.index).map(
        Month.from_index))
    # Persons past 99 leave the batch's inline arithmetic for the plan.
    house = calc.household(table, draw(st.sampled_from(sorted(table.categories))),
                           draw(st.integers(min_value=1, max_value=9) | st.just(120)),
                           from_fen(draw(st.integers(min_value=0, max_value=150_000))))
    first, second = draw(OPTIONAL_MONTH), draw(OPTIONAL_MONTH)
    if first is not None and second is not None and first > second:
        first, second = second, first
    paid = draw(st.none() | FEN.map(from_fen))
    return table, through, house, calc.Coverage(first, second), paid


@settings(max_examples=300)
@given(cases())
def test_fast_path_equals_the_core(case: tuple[StandardsTable, Month, calc.Household,
                                               calc.Coverage, Decimal | None]) -> None:
    table, through, house, period, paid = case
    plan = BackpayPlan(table, through)
    income_fen = int(house.income * 100)
    months, backpay, monthly = plan.compute(
        house.category, house.persons, income_fen, to_index(period.start, end=False),
        to_index(period.end, end=True), None if paid is None else int(paid * 100))
    core = calc.backpay(table, house, through, period, paid)
    first = calc.monthly_amount(table, house, table.retroactive_raise.first_month)
    assert (months, from_fen(backpay), from_fen(monthly)) == (
        core.months_counted, core.amount, first.amount)


@settings(max_examples=300)
@given(cases(), st.booleans())
def test_a_batch_row_equals_the_core(case: tuple[StandardsTable, Month, calc.Household,
                                                 calc.Coverage, Decimal | None],
                                     paid_column: bool) -> None:
    # The row goes through the batch's own lane (and its inline arithmetic for
    # the usual household), written as a finance office would write it, with
    # or without the optional paid column.
    table, through, house, period, paid = case
    if not paid_column:
        paid = None
    names = ["id", "category", "persons", "income", "start", "end"]
    columns = read_header([*names, "paid"] if paid_column else names)
    processor = ChunkProcessor(
        parser=RowParser(table, columns), plan=BackpayPlan(table, through), columns=columns,
        categories=list(table.categories), encoding="utf-8", output_encoding="utf-8",
        newline="\n", jsonl=False)
    cells = ["H1", house.category, str(house.persons), str(house.income),
             str(period.start or ""), str(period.end or "")]
    if paid_column:
        cells.append("" if paid is None else str(paid))
    line = ",".join(cells)
    result = processor.process(2, (line + "\n").encode())
    written = result.output.decode().rstrip("\n").split(",")
    core = calc.backpay(table, house, through, period, paid)
    first = calc.monthly_amount(table, house, table.retroactive_raise.first_month)
    assert written[:len(cells)] == cells
    assert (int(written[-3]), Decimal(written[-2]), Decimal(written[-1])) == (
        core.months_counted, core.amount, first.amount)
    assert result.accepted.tolist() == [2]
    assert result.ids.tolist() == [hash("H1")]


CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "urban-dibao", "农村低保", "城市特困", "rural-tekun", "3", "0", "-1",
                     "1.5", "200", "200.5", "200.555", "2020-03", "2020-13", "2020-3", "2021-01",
                     "11010519491231002X", "110105194912310021", "=1+1", " 7 ", "H1"]),
)
ROW = st.lists(CELL, min_size=6, max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(ROW, max_size=12), st.booleans())
def test_garbage_never_crashes_and_every_row_is_accounted_for(rows: list[list[str]],
                                                              paid_column: bool) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["id", "category", "persons", "income", "start", "end",
                     *(["paid"] if paid_column else [])])
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out.csv"
        summary = run_batch(SHIPPED, BackpayPlan(SHIPPED, Month(2020, 8)),
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
    assert sum(Decimal(row[-2]) for row in written) == from_fen(summary.backpay_fen)


@given(st.lists(st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1))
       | st.lists(st.integers(min_value=-3, max_value=3)))
def test_repeated_values_are_exactly_those_seen_twice(values: list[int]) -> None:
    # The index of ids at the end of a run: 8-byte hashes, sorted in NumPy.
    expected = {value for value in values if values.count(value) > 1}
    assert repeated_values(array("q", values)) == expected
