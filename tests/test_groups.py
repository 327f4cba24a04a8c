"""Totals by locality (issue 19 §2): every row written is in exactly one group, an empty
cell is a group of its own, and the groups add up to the run's totals to the fen."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import csv_rows
from synthetic import write_households
from welfare_calc.batch.rows.groups import parse_group_by
from welfare_calc.batch.rows.parsing import RowParser, read_header
from welfare_calc.batch.run.chunks import ChunkProcessor
from welfare_calc.batch.run.pipeline import BatchFiles, BatchOptions, run_batch
from welfare_calc.cli import cli
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.errors import BadOption
from welfare_calc.core.months import Month
from welfare_calc.standards.loader import shipped_standards

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages

TABLE = shipped_standards().table
TOWNS = ["370303001", "370303002", "370303101", ""]
"""Town codes (9 digits: county 370303, then the town), and an empty cell."""


def roster(seed: int, rows: int, doubled: int) -> str:
    """Synthetic households with a 行政区划代码 column, some empty, some ids doubled."""
    text = io.StringIO()
    write_households(text, rows, seed)
    lines = text.getvalue().splitlines()
    out = [lines[0] + ",行政区划代码"]
    for number, line in enumerate(lines[1:]):
        town = TOWNS[(number * 7 + seed) % len(TOWNS)]
        out.append(f"{line},{town}{'001' if town else ''}")
    first_id = lines[1].split(",")[0]
    for line in out[2:2 + doubled]:
        out.append(line.replace(line.split(",")[0], first_id, 1))
    return "\n".join(out) + "\n"


@given(seed=st.integers(0, 10_000), rows=st.integers(1, 300), doubled=st.integers(0, 4),
       width=st.sampled_from([None, 6, 9]))
@settings(max_examples=25)
def test_groups_add_up_and_hold_every_row_once(seed: int, rows: int, doubled: int,
                                               width: int | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.csv"
        source.write_text(roster(seed, rows, doubled), encoding="utf-8")
        out = Path(folder) / "out.csv"
        options = BatchOptions(group_by=(("行政区划代码", width),))
        with source.open("rb") as handle:
            summary = run_batch(TABLE, BackpayEngine(TABLE, Month(2020, 8)), handle,
                                BatchFiles(out), options, workers=1)
        groups = summary.groups
        assert groups is not None
        # Σ groups = totals, category by category, to the fen.
        for key in TABLE.categories:
            assert sum(Decimal(str(group["by_category"][key]["backpay"]))  # type: ignore[index]
                       for group in groups) == Decimal(summary.by_category[key]).scaleb(-2)
            assert sum(group["by_category"][key]["households"]  # type: ignore[index]
                       for group in groups) == summary.households_by_category[key]
            assert sum(group["by_category"][key]["persons"]  # type: ignore[index]
                       for group in groups) == summary.persons_by_category[key]
        # Every row written in exactly one group: recount the output by its cell.
        recount: dict[str | None, list[int]] = {}
        for row in csv_rows(out):
            cell = row["行政区划代码"][:width] if width else row["行政区划代码"]
            counters = recount.setdefault(cell or None, [0, 0])
            counters[0] += 1
            counters[1] += int(row["persons"])
        assert {group["group"]: [group["households"], group["persons"]]
                for group in groups if group["households"]} == recount
        assert len({json.dumps(group["group"]) for group in groups}) == len(groups)


def test_groups_come_in_the_order_they_first_appear_and_an_empty_cell_is_kept(
        tmp_path: Path) -> None:
    # A town's villages together (城北街道's 二村, met last, follows its 一村), towns and
    # villages in the order they first appear.
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end,乡镇（街道）,村（社区）\n"
                      "H1,urban-dibao,3,200,,,城北街道,一村\n"
                      "H2,urban-dibao,1,0,,,,\n"
                      "H3,rural-tekun,1,0,,,南郊镇,二村\n"
                      "H4,urban-dibao,1,0,,,城北街道,二村\n", encoding="utf-8")
    summary = tmp_path / "s.json"
    done = CliRunner().invoke(cli, ["batch", str(source), "--through", "2020-08", "-o",
                                    str(tmp_path / "o.csv"), "--summary", str(summary),
                                    "--group-by", "乡镇（街道）", "--group-by", "村（社区）"])
    assert done.exit_code == 0, done.output
    groups = json.loads(summary.read_text(encoding="utf-8"))["groups"]
    assert [(group["group"], group["households"], group["persons"], group["backpay"])
            for group in groups] == [
        (["城北街道", "一村"], 1, 3, "1440.00"),  # (660 − 200) × 3 − (600 − 200) × 3, 8 months
        (["城北街道", "二村"], 1, 1, "480.00"),
        ([None, None], 1, 1, "480.00"),  # 未填属地: kept, never dropped
        (["南郊镇", "二村"], 1, 1, "536.64")]


@pytest.mark.parametrize(("given", "said"), [
    (["a", "b", "c"], "at most 2 levels"),
    (["代码:x"], "after the colon, how many characters"),
    (["代码:0"], "after the colon, how many characters"),
    ([":6"], "name a column of the roster"),
])
def test_a_wrong_group_by_is_refused(given: list[str], said: str) -> None:
    with pytest.raises(BadOption, match=said):
        parse_group_by(given)


def test_a_group_column_the_roster_lacks_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end\nH1,urban-dibao,3,200,,\n",
                      encoding="utf-8")
    done = CliRunner().invoke(cli, ["batch", str(source), "--through", "2020-08",
                                    "--group-by", "乡镇"])
    assert done.exit_code == 2
    assert "--group-by 乡镇: the header has no column '乡镇'" in done.stderr


# --- the column-wise lane counts groups as the row path does ------------------------------

LOCALITIES = ["城北街道", " 城北街道 ", "南郊镇", "", "=1+2", "-5", "+镇", "@镇", "镇\x00",
              "长" * 40, "南郊,镇", '"引"', "370303001001", "3703030010"]
"""Locality cells: plain, spaced, empty, formula-like, a NUL, past GROUP_MAX bytes, with
a comma or quotes (quoted in the CSV), codes to cut to their first characters."""


def grouped_processor(header: list[str], group_at: tuple[tuple[int, int | None], ...],
                      lane_rows: int) -> ChunkProcessor:
    columns = read_header(header)
    return ChunkProcessor(
        parser=RowParser(TABLE, columns), plan=BackpayEngine(TABLE, Month(2020, 8)),
        columns=columns, categories=list(TABLE.categories), encoding="utf-8",
        output_encoding="utf-8", newline="\n", jsonl=False, lane_rows=lane_rows,
        group_at=group_at)


def grouped_roster(rows: list[tuple[str, str, int, int, str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for number, (town, village, persons, income, name) in enumerate(rows):
        writer.writerow([f"H{number}", "urban-dibao" if number % 3 else "农村特困",
                         str(persons if number % 3 else 1), f"{income / 100:.2f}", "", "",
                         town, village, name])
    return text.getvalue().encode("utf-8")


HEADER = ["id", "category", "persons", "income", "start", "end", "乡镇（街道）", "村（社区）",
          "姓名"]


@given(st.lists(st.tuples(st.sampled_from(LOCALITIES), st.sampled_from(["一村", "二村", ""]),
                          st.integers(1, 6), st.integers(0, 70_000),
                          st.sampled_from(["张三", "=cmd", "李 四", ""])),
                min_size=1, max_size=60),
       st.sampled_from([((6, None),), ((6, 9),), ((6, 3), (7, None)), ((7, None), (6, None))]))
def test_the_lane_groups_rows_as_the_row_path_does(
        rows: list[tuple[str, str, int, int, str]],
        group_at: tuple[tuple[int, int | None], ...]) -> None:
    data = grouped_roster(rows)
    lane, by_rows = (grouped_processor(HEADER, group_at, lane_rows).process(2, data)
                     for lane_rows in (0, 1 << 30))
    assert lane.output == by_rows.output
    assert lane.accepted.tolist() == by_rows.accepted.tolist()
    assert lane.rejections == by_rows.rejections
    # The same groups, with the same figures, in the same order (first appearance).
    assert list(lane.groups.items()) == list(by_rows.groups.items())


def test_the_lane_takes_plain_rows_with_a_locality() -> None:
    # Not vacuous: rows with carried columns and a locality are the lane's own.
    rows = [("城北街道", "一村", 2, 0, "张三"), ("南郊镇", "", 1, 50, "李四")] * 50
    processor = grouped_processor(HEADER, ((6, None),), 0)
    lane = processor.lane()
    assert lane is not None
    read = lane.run(grouped_roster(rows))
    assert read.taken.all()
    assert read.group_keys is not None
    assert sorted(read.group_keys) == [("南郊镇",), ("城北街道",)]


def test_a_cell_near_the_chunks_end_is_read_where_it_is() -> None:
    # Found by the property test in CI: with a long locality in the chunk, the cells were
    # read 96 bytes wide past a padding of 64, so the last line's window slid back onto
    # other bytes, and a NUL in its cell went unseen (镇\x00 grouped as 镇).
    rows = [("城北街道", "一村", 1, 0, "张三"), ("长" * 40, "一村", 1, 0, "张三"),
            ("镇\x00", "一村", 1, 0, "张三")]
    data = grouped_roster(rows)
    lane, by_rows = (grouped_processor(HEADER, ((6, None),), lane_rows).process(2, data)
                     for lane_rows in (0, 1 << 30))
    assert list(lane.groups) == list(by_rows.groups) == [("城北街道",), ("长" * 40,),
                                                         ("镇\x00",)]
