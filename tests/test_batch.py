"""Batch back-pay: golden files, every rejection, reconciliation, exit codes, no half files."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import oracle
from helpers import Run, csv_rows, invoker, spawn_only
from synthetic import write_households
from welfare_calc.batch.input import reading
from welfare_calc.batch.run.pipeline import BatchFiles, BatchOptions, run_batch
from welfare_calc.core import checks
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.households import resolve_category
from welfare_calc.core.months import Month
from welfare_calc.standards.loader import shipped_standards

FILES = Path(__file__).parent / "batch_files"
GOLDEN = FILES / "golden"
TABLE = shipped_standards().table


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.delenv("WELFARE_CALC_STANDARDS", raising=False)
    return invoker("batch")


def read_rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    return csv_rows(path, encoding)


GOLDEN_CASES = [
    ("households.csv", [], "expected.csv"),
    ("households_bom.csv", [], "expected.csv"),
    ("households_gbk.csv", ["--encoding", "gbk"], "expected.csv"),
    ("households_gb18030.csv", ["--encoding", "gb18030"], "expected.csv"),
    ("households.csv", ["--excel", "--headers", "zh"], "expected_excel_zh.csv"),
    ("households.csv", ["--format", "jsonl"], "expected.jsonl"),
    ("households.csv", ["--output-encoding", "gbk"], "expected_gbk.csv"),
]


@pytest.mark.parametrize(("source", "options", "golden"), GOLDEN_CASES,
                         ids=["utf-8", "utf-8 with BOM and CRLF", "gbk", "gb18030",
                              "excel with Chinese headers", "json lines", "gbk output"])
def test_golden_output(run: Run, tmp_path: Path, source: str, options: list[str],
                       golden: str) -> None:
    out = tmp_path / "out"
    result = run(str(FILES / source), "--through", "2020-08", "-o", str(out), *options)
    assert result.exit_code == 1  # the file holds bad rows on purpose
    assert out.read_bytes() == (GOLDEN / golden).read_bytes()
    errors = tmp_path / "out.errors.csv"
    expected_errors = (GOLDEN / "expected.errors.csv").read_bytes()
    if "--excel" in options:
        expected_errors = b"\xef\xbb\xbf" + expected_errors.replace(b"\n", b"\r\n")
        # An id of digits is kept as text for Excel, in the errors file as in the output.
        expected_errors = expected_errors.replace(b"21,110105194912310021,",
                                                  b"21,110105194912310021\t,")
    if "--output-encoding" in options:
        expected_errors = expected_errors.decode("utf-8").encode("gbk")
    assert errors.read_bytes() == expected_errors


def test_golden_output_in_english(run: Run, tmp_path: Path) -> None:
    # The same rows and the same errors file, its reasons in English when asked: the
    # columns of both files, and the exit code, do not change with the language.
    out = tmp_path / "out"
    result = run(str(FILES / "households.csv"), "--through", "2020-08", "-o", str(out),
                 "--lang", "en")
    assert result.exit_code == 1
    assert out.read_bytes() == (GOLDEN / "expected.csv").read_bytes()
    assert (tmp_path / "out.errors.csv").read_bytes() == (
        GOLDEN / "expected_en.errors.csv").read_bytes()
    assert result.stderr.splitlines()[-1] == (
        f"Error: 13 rows rejected; see {tmp_path / 'out.errors.csv'}")


def test_excel_output_is_bom_crlf_and_chinese(tmp_path: Path, run: Run) -> None:
    out = tmp_path / "finance.csv"
    run(str(FILES / "households.csv"), "--through", "2020-08", "-o", str(out), "--excel",
        "--headers", "zh")
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == data.count(b"\n")
    header = data[3:].decode("utf-8").splitlines()[0]
    assert header == ("编号,类别,保障人数,家庭月人均收入,起始月份,截止月份,已发金额,"
                      "增补月数,增补金额,月保障金,多发金额,因提标新纳入")


def test_summary_reconciles_to_the_fen(run: Run, tmp_path: Path) -> None:
    out, summary = tmp_path / "out.csv", tmp_path / "summary.json"
    result = run(str(FILES / "households.csv"), "--through", "2020-08", "-o", str(out),
                 "--summary", str(summary))
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data == json.loads((GOLDEN / "summary.json").read_text(encoding="utf-8"))
    rows = read_rows(out)
    assert data["rows_read"] == data["rows_written"] + data["rows_rejected"]
    assert len(rows) == data["rows_written"]
    assert sum(Decimal(row["backpay"]) for row in rows) == Decimal(data["backpay_total"])
    by_category = {key: Decimal(0) for key in TABLE.categories}
    for row in rows:
        by_category[resolve_category(TABLE, row["category"])] += Decimal(row["backpay"])
    assert {key: f"{value:.2f}" for key, value in by_category.items()} == (
        data["backpay_by_category"])
    # Households and persons, recounted from the rows written (issue 19 §1).
    households = dict.fromkeys(TABLE.categories, 0)
    persons = dict.fromkeys(TABLE.categories, 0)
    for row in rows:
        key = resolve_category(TABLE, row["category"])
        households[key] += 1
        persons[key] += int(row["persons"])
    assert (households, persons) == (data["households_by_category"],
                                     data["persons_by_category"])
    assert sum(households.values()) == data["rows_written"]
    errors = read_rows(tmp_path / "out.csv.errors.csv")
    assert len({row["line"] for row in errors}) == data["rows_rejected"]
    assert ("读取 28 行，写出 15 行，拒收 13 行；增补合计 7975.24 元（城市低保 4196.00 元，"
            "8 户 12 人；农村低保 1220.12 元，3 户 5 人；城市特困 1620.00 元，2 户 3 人；"
            "农村特困 939.12 元，2 户 2 人）；多发合计 720.00 元（未抵减）；因提标新纳入 2 户"
            ) in result.stderr
    english = run(str(FILES / "households.csv"), "--through", "2020-08", "-o", str(out),
                  "--lang", "en")
    assert ("rows read 28, written 15, rejected 13; back-pay total 7975.24 (urban-dibao "
            "4196.00, 8 households, 12 persons; rural-dibao 1220.12, 3 households, 5 persons; "
            "urban-tekun 1620.00, 2 households, 3 persons; rural-tekun 939.12, 2 households, "
            "2 persons); overpaid total 720.00 (not netted); newly eligible by the raise: 2 "
            "households") in english.stderr
    assert data["overpaid_total"] == "720.00"  # ZC-0026 was paid 6000.00 for 5280.00 due
    assert data["rounding"] == "household-month"


REASONS = {
    "13": ("category", "没有保障类别 'urban-dibo'；是不是 urban-dibao 或 rural-dibao？"),
    "14": ("persons", "保障人数 0：每户至少 1 人"),
    "15": ("persons", "'1.5' 不是整数人数；请填整数，如 3"),
    "16": ("income", "'-5' 不是金额"),
    "17": ("income", "'10.005' 不是金额；请用数字填写，最多两位小数"),
    "18": ("start", "'2020-13' 的月份 13 不存在"),
    "19": ("start", "起始月份 2020-06 晚于截止月份 2020-02"),
    "20": ("id", "编号为空；每一行都须填写编号或身份证号"),
    "21": ("id", "身份证号码未通过 GB 11643 校验（最后一位应为 X）"),
    "22": ("", "应与表头一样有 7 列，实际为 8 列"),
    "23": ("paid", "'1e3' 不是金额"),
    "24": ("id", "与第 25 行编号相同且保障期间重叠：可能重复发放"),
    "25": ("id", "与第 24 行编号相同且保障期间重叠：可能重复发放"),
}


def test_every_rejection_has_its_line_column_and_reason() -> None:
    errors = read_rows(GOLDEN / "expected.errors.csv")
    found = {row["line"]: (row["column"], row["reason"]) for row in errors}
    assert set(found) == set(REASONS)
    for line, (column, reason) in REASONS.items():
        assert found[line][0] == column
        assert found[line][1].startswith(reason), found[line]
    original = {row["line"]: row["row"] for row in errors}
    assert original["14"] == "ZC-0013,urban-dibao,0,0,,,"


def core_says(row: dict[str, str]) -> tuple[int, Decimal, Decimal]:
    """Months, back-pay and monthly amount of an output row, computed by the core."""
    start, end, paid = row["start"], row["end"], row.get("paid")
    house = checks.household(TABLE, row["category"], int(row["persons"]), Decimal(row["income"]))
    result = oracle.backpay(TABLE, house, Month(2020, 8),
                          checks.coverage(Month.parse(start) if start else None,
                                        Month.parse(end) if end else None),
                          Decimal(paid) if paid else None)
    monthly = oracle.monthly_amount(TABLE, house, Month(2020, 1))
    return result.months_counted, result.amount, monthly.amount


def batch_says(row: dict[str, str]) -> tuple[int, Decimal, Decimal]:
    """Months, back-pay and monthly amount as the batch wrote them."""
    return int(row["months"]), Decimal(row["backpay"]), Decimal(row["monthly"])


def test_golden_values_match_the_core() -> None:
    for row in read_rows(GOLDEN / "expected.csv"):
        assert batch_says(row) == core_says(row), row


def test_formula_cells_are_neutralised_and_numbers_kept(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end,note\n"
                      "=HYPERLINK(\"http://x\"),urban-tekun,1,0,,,+SUM(A1)\n"
                      "@cmd,urban-tekun,1,0,,,-2+3\n"
                      "\tH3,urban-tekun,1,0,,,ok\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(out)).exit_code == 0
    rows = read_rows(out)
    assert [(row["id"], row["note"]) for row in rows] == [
        ("'=HYPERLINK(\"http://x\")", "'+SUM(A1)"), ("'@cmd", "'-2+3"), ("'\tH3", "ok")]
    assert [row["backpay"] for row in rows] == ["720.00"] * 3


def test_an_amount_paid_beyond_what_is_due_is_overpaid_not_negative(run: Run,
                                                                      tmp_path: Path) -> None:
    # 990 × 8 = 7920 due, 8000 paid: back-pay 0.00 and 80.00 overpaid, a total of its own.
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end,paid\n"
                      "H1,urban-tekun,1,0,,,8000\nH2,urban-tekun,1,0,,,7000\n",
                      encoding="utf-8")
    out, summary = tmp_path / "out.csv", tmp_path / "s.json"
    run(str(source), "--through", "2020-08", "-o", str(out), "--summary", str(summary))
    assert [(row["backpay"], row["overpaid"]) for row in read_rows(out)] == [
        ("0.00", "80.00"), ("920.00", "0.00")]
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert (data["backpay_total"], data["overpaid_total"]) == ("920.00", "80.00")
    assert data["overpaid_by_category"]["urban-tekun"] == "80.00"


def test_all_rows_good_exits_0(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end\nH1,城市低保,3,200,,\n\n",
                      encoding="utf-8")
    result = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0
    assert read_rows(tmp_path / "out.csv")[0]["backpay"] == "1440.00"
    assert read_rows(tmp_path / "out.csv.errors.csv") == []


def test_stdout_and_stdin(run: Run) -> None:
    result = run("-", "--through", "2020-08",
                 stdin=(FILES / "households.csv").read_bytes())
    assert result.exit_code == 1
    assert result.stdout.encode() == (GOLDEN / "expected.csv").read_bytes()
    errors_csv, _, rest = result.stderr.partition("读取")
    assert errors_csv.startswith("line,id,column,reason,row\n")
    assert "读取 28 行，写出 15 行，拒收 13 行" in "读取" + rest


UNUSABLE = [
    ("missing_columns.csv", [], "第 1 行：缺少 家庭月人均收入、起始月份、截止月份 列"),
    ("undecodable.csv", [], "文件既不是 UTF-8 文本（第 7 行不是），也不是 GB18030（GBK）文本"),
    ("undecodable.csv", ["--encoding", "utf-8"],
     "第 7 行：无法按 --encoding 指定的编码 utf-8 读取"),
    ("households.csv", ["--encoding", "latin-9x"], "不认识的编码 'latin-9x'"),
    ("households.csv", ["--through", "2019-12"],
     "增补截至月份 2019-12 早于第一次提标执行的 2020-01"),
    ("households.csv", ["--through", "2025-01"],
     "增补截至月份 2025-01 晚于标准表所覆盖的最后一个月 2024-12"),
    ("households.csv", ["--through", "2021-06"],
     "2021-01：城市低保（urban-dibao）当月执行的标准未知：2021 年的调标文件不在标准表中"),
    ("households.csv", ["--through", "2020/08"], "'2020/08' 不是月份"),
]


@pytest.mark.parametrize(("source", "options", "message"), UNUSABLE,
                         ids=["missing columns", "undecodable", "undecodable as given",
                              "unknown encoding",
                              "through before the raise", "through after the table",
                              "through in the year no notice covers",
                              "through misspelt"])
def test_unusable_input_exits_2_and_writes_nothing(run: Run, tmp_path: Path, source: str,
                                                   options: list[str], message: str) -> None:
    out = tmp_path / "out.csv"
    out.write_text("an earlier run\n", encoding="utf-8")
    through = [] if "--through" in options else ["--through", "2020-08"]
    result = run(str(FILES / source), *through, "-o", str(out), "--summary",
                 str(tmp_path / "s.json"), *options)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == "an earlier run\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.parametrize("rows", [1, 5_000], ids=["row by row", "NumPy lane"])
def test_a_value_the_output_encoding_cannot_hold_exits_2(run: Run, tmp_path: Path,
                                                          rows: int) -> None:
    # GBK has no emoji; 5,000 rows of Chinese category names take the lane,
    # which copies input lines and so has to transcode them.
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end\n"
                      + "H1,城市低保,1,0,,\n" * rows + "H\U0001f600,城市低保,1,0,,\n",
                      encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run(str(source), "--through", "2020-08", "-o", str(out),
                 "--output-encoding", "gbk")
    assert result.exit_code == 2
    assert "gbk 编码无法表示 '\U0001f600'；请改用 --output-encoding gb18030" in (
        result.stderr)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


def test_gbk_in_excel_out_through_the_lane(run: Run, tmp_path: Path) -> None:
    # The finance office's round trip: a GBK file from Chinese Windows Excel,
    # more than LANE_ROWS rows, written back as UTF-8 with BOM and CRLF.
    source = tmp_path / "in.csv"
    source.write_bytes(("id,category,persons,income,start,end\r\n"
                        + "".join(f"H{number},农村低保,2,100.5,,\r\n" for number in range(5_000))
                        ).encode("gbk"))
    out = tmp_path / "out.csv"
    result = run(str(source), "--through", "2020-08", "-o", str(out), "--encoding", "gbk",
                 "--excel")
    assert result.exit_code == 0
    lines = out.read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[1] == "H0,农村低保,2,100.5,,,8,813.36,759.00,0.00,false"
    assert lines[5_000] == "H4999,农村低保,2,100.5,,,8,813.36,759.00,0.00,false"
    assert lines[5_001:] == [""]


def test_undecodable_line_is_the_line_with_the_bad_byte() -> None:
    data = (FILES / "undecodable.csv").read_bytes()
    assert data[: data.index(b"\xff")].count(b"\n") + 1 == 7


def test_empty_input_and_output_over_input(run: Run, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = run(str(empty), "--through", "2020-08")
    assert (result.exit_code, result.stdout) == (2, "")
    assert "empty" in result.stderr
    same = tmp_path / "same.csv"
    shutil.copy(FILES / "households.csv", same)
    result = run(str(same), "--through", "2020-08", "-o", str(same))
    assert result.exit_code == 2
    assert "这是输入文件，会被覆盖" in result.stderr


def test_repeated_id_without_overlap_is_accepted(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end\n"
                      "H1,urban-dibao,1,0,,2020-03\n"
                      "H1,urban-dibao,1,0,2020-06,\n"
                      "H2,urban-dibao,1,0,,\n"
                      "H2,urban-tekun,1,0,2020-08,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run(str(source), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 1
    assert [row["id"] for row in read_rows(out)] == ["H1", "H1"]
    assert [row["line"] for row in read_rows(tmp_path / "out.csv.errors.csv")] == ["4", "5"]


def generated(path: Path, rows: int, extra: str = "") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        write_households(handle, rows, seed=7)
        handle.write(extra)
    return path


def test_parallel_chunks_give_the_single_process_result(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # 40,000 rows in chunks of 256 KB is several chunks, so worker processes
    # run; an id repeated 39,999 rows later (another chunk) is still caught.
    monkeypatch.setattr(reading, "CHUNK", 256 << 10)
    source = generated(tmp_path / "big.csv", 40_000, "H000000005,urban-dibao,1,0,,,\n")
    plan = BackpayEngine(TABLE, Month(2020, 8))
    outputs = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}.csv"
        with source.open("rb") as handle:
            summary = run_batch(TABLE, plan, handle, BatchFiles(out), BatchOptions(),
                                workers=workers)
        assert (summary.rows_read, summary.rows_written, summary.rows_rejected) == (
            40_001, 39_999, 2)
        outputs.append((out.read_bytes(), summary.as_json()))
        errors = read_rows(tmp_path / f"out{workers}.csv.errors.csv")
        assert [row["line"] for row in errors] == ["7", "40002"]
    assert outputs[0] == outputs[1]


def test_workers_started_by_spawn_give_the_same_bytes(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows has no fork (macOS should not use it): with fork made unavailable,
    # as there, the workers start by spawn, and the files are the same bytes.
    monkeypatch.setattr(reading, "CHUNK", 256 << 10)  # several chunks: workers run
    source = generated(tmp_path / "big.csv", 40_000, "H000000005,urban-dibao,1,0,,,\n")
    plan = BackpayEngine(TABLE, Month(2020, 8))
    used: list[str | None] = []
    outputs = []
    for method in ("fork", "spawn"):
        if method == "spawn":
            used = spawn_only(monkeypatch)
        out = tmp_path / f"out-{method}.csv"
        with source.open("rb") as handle:
            summary = run_batch(TABLE, plan, handle, BatchFiles(out), BatchOptions(), workers=2)
        outputs.append((out.read_bytes(), (tmp_path / f"out-{method}.csv.errors.csv").read_bytes(),
                        summary.as_json()))
    assert used == ["spawn"]
    assert outputs[0] == outputs[1]
    assert outputs[0][2]["rows_rejected"] == 2


def test_every_generated_row_equals_the_core(tmp_path: Path) -> None:
    source = generated(tmp_path / "gen.csv", 5_000)  # more than LANE_ROWS: the NumPy lane
    out = tmp_path / "out.csv"
    with source.open("rb") as handle:
        summary = run_batch(TABLE, BackpayEngine(TABLE, Month(2020, 8)), handle,
                            BatchFiles(out), BatchOptions())
    rows = read_rows(out)
    assert len(rows) == summary.rows_written == 5_000
    total = Decimal(0)
    for row in rows:
        core = core_says(row)
        assert batch_says(row) == core, row
        total += core[1]
    assert f"{total:.2f}" == summary.as_json()["backpay_total"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_a_run_killed_midway_leaves_no_partial_file(tmp_path: Path, signum: int) -> None:
    # The input comes through a pipe that the test keeps open, so the run is
    # surely midway (several chunks done, waiting for more) when the signal comes.
    rows = io.StringIO()
    write_households(rows, 100_000)
    out = tmp_path / "out.csv"
    out.write_text("yesterday's output\n", encoding="utf-8")
    exe = shutil.which("welfare-calc", path=str(Path(sys.executable).parent))
    assert exe is not None
    process = subprocess.Popen([exe, "batch", "-", "--through", "2020-08", "-o", str(out),
                                "--summary", str(tmp_path / "summary.json")],
                               stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write(rows.getvalue().encode("utf-8"))
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while not any(path.name.endswith(".partial") for path in tmp_path.iterdir()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.5)  # let it process what it was given
    assert process.poll() is None
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode != 0
    assert b"Traceback" not in stderr
    assert out.read_text(encoding="utf-8") == "yesterday's output\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.csv"]


def test_progress_only_on_a_terminal(run: Run, tmp_path: Path) -> None:
    result = run(str(FILES / "households.csv"), "--through", "2020-08", "-o",
                 str(tmp_path / "o.csv"))
    assert "rows/s" not in result.stderr


def test_bom_and_crlf_on_an_unseekable_stream(tmp_path: Path) -> None:
    plan = BackpayEngine(TABLE, Month(2020, 8))
    source = io.BytesIO(b"\xef\xbb\xbfid,category,persons,income,start,end\r\n"
                        b"H1,rural-tekun,1,0,,\r\n")
    summary = run_batch(TABLE, plan, source, BatchFiles(tmp_path / "o.csv"), BatchOptions())
    assert summary.as_json()["backpay_total"] == "536.64"
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").splitlines() == [
        "id,category,persons,income,start,end,months,backpay,monthly,overpaid,newly_eligible",
        "H1,rural-tekun,1,0,,,8,536.64,625.00,0.00,false"]


def test_the_same_id_written_two_ways_is_still_one_id(run: Run, tmp_path: Path) -> None:
    # One row takes the fast lane, the other the careful path (spaces, a
    # neutralised formula start); they are still the same household.
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end\n"
                      "H1,urban-dibao,1,0,,\n"
                      " H1 ,urban-dibao,1,0,2020-05,\n"
                      "=H2,urban-dibao,1,0,,\n"
                      "\t=H2,urban-dibao,1,0,2020-03,2020-03\n"
                      "'=H2,urban-dibao,1,0,,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(out)).exit_code == 1
    # Lines 2 and 3 are H1; lines 4 to 6 are =H2 (a tab is stripped like a
    # space, and line 6's apostrophe is Excel's text prefix, no part of an id:
    # docs/rules.md rule 12).
    assert [row["line"] for row in read_rows(tmp_path / "out.csv.errors.csv")] == [
        "2", "3", "4", "5", "6"]
    assert read_rows(out) == []


def test_an_id_with_a_trailing_tab_is_the_same_id(run: Run, tmp_path: Path) -> None:
    # The careful path strips the tab; the id's digest must be the stripped
    # id's too, or the double payment would go unseen.
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end\n"
                      "H1\t,urban-dibao,1,0,,\n"
                      "H1,urban-dibao,1,0,2020-05,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(out)).exit_code == 1
    assert [row["line"] for row in read_rows(tmp_path / "out.csv.errors.csv")] == ["2", "3"]


@pytest.mark.parametrize("line_break", ["\r", "\n"], ids=["CR", "LF"])
def test_an_id_holding_a_line_break_is_rejected(run: Run, tmp_path: Path,
                                                line_break: str) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(f'id,category,persons,income,start,end\n"H{line_break}1",'
                       f'urban-dibao,1,0,,\nH2,urban-dibao,1,0,,\n'.encode())
    out = tmp_path / "out.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(out)).exit_code == 1
    assert [row["id"] for row in read_rows(out)] == ["H2"]
    errors = read_rows(tmp_path / "out.csv.errors.csv")
    assert [(row["line"], row["reason"]) for row in errors] == [
        ("2", "编号中有换行符")]


def test_a_cell_holding_a_carriage_return_stays_one_cell(run: Run, tmp_path: Path) -> None:
    # The csv module would leave a lone CR unquoted with LF line ends, and the
    # row would come apart in Excel and in any csv reader.
    source = tmp_path / "in.csv"
    source.write_bytes(b'id,category,persons,income,start,end,note\n'
                       b'H1,urban-dibao,1,0,,,"a\rb"\n')
    out = tmp_path / "out.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(out)).exit_code == 0
    assert out.read_bytes().split(b"\n")[1] == (b'H1,urban-dibao,1,0,,,"a\rb",8,480.00,'
                                                b'660.00,0.00,false')
    assert [row["note"] for row in read_rows(out)] == ["a\rb"]


def test_a_pipe_as_target_is_written_into_not_replaced(run: Run, tmp_path: Path) -> None:
    # `--errors /dev/null` once renamed a temporary file over /dev/null: a
    # device or a pipe must be written into. A named pipe stands in for both.
    fifo = tmp_path / "errors.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run(str(FILES / "households.csv"), "--through", "2020-08", "-o",
                 str(tmp_path / "out.csv"), "--errors", str(fifo))
    reader.join(timeout=10)
    assert result.exit_code == 1
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received == [(GOLDEN / "expected.errors.csv").read_bytes()]


@pytest.mark.parametrize("rows", [10, 5_000], ids=["row by row", "NumPy lane"])
def test_doubled_rows_leave_the_newly_eligible_and_household_counts(tmp_path: Path,
                                                                    rows: int) -> None:
    # A doubled row is rejected: it no longer counts as newly eligible either.
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end\n"
                      + "".join(f"H{n},urban-dibao,1,630,,\n" for n in range(rows))
                      + "D1,urban-dibao,1,630,,2020-05\nD1,urban-dibao,1,630,2020-04,\n",
                      encoding="utf-8")
    with source.open("rb") as handle:
        summary = run_batch(TABLE, BackpayEngine(TABLE, Month(2020, 8)), handle,
                            BatchFiles(tmp_path / "out.csv"), BatchOptions(), workers=1)
    assert (summary.rows_written, summary.rows_rejected) == (rows, 2)
    assert summary.newly_by_category["urban-dibao"] == rows
    assert summary.backpay_fen == rows * 30 * 8 * 100
    # Nor as a household, nor its persons (issue 19 §1).
    assert summary.households_by_category["urban-dibao"] == rows
    assert summary.persons_by_category["urban-dibao"] == rows


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_workers_start_with_stop_signals_held_until_their_handlers_are_set() -> None:
    # A worker forked with the parent's handler would raise Interrupted in itself
    # (a traceback) if a stop signal came before its initializer: the parent holds
    # the signals while workers start, and each worker lets them in once it is ready.
    probe = (
        "import signal\n"
        "from welfare_calc.batch.run import signals, workers as run\n"
        "with signals.held_signals():\n"
        "    held = signal.pthread_sigmask(signal.SIG_BLOCK, [])\n"
        "    run._start_worker(None)\n"
        "    after = signal.pthread_sigmask(signal.SIG_BLOCK, [])\n"
        "print(signals.HELD <= held, sorted(signals.HELD & after),\n"
        "      signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "True [] True"


@given(seed=st.integers(0, 10_000), rows=st.sampled_from([40, 5_000]),
       doubled=st.integers(0, 5))
@settings(max_examples=12)
def test_households_and_persons_are_counted_exactly(seed: int, rows: int,
                                                    doubled: int) -> None:
    """The summary's 户数 and 人数 are the rows written and their persons, by category,
    whichever path read them (row by row, or the lane), doubled ids taken out."""
    import tempfile  # noqa: PLC0415 - hypothesis runs the test many times in one tmp_path

    with tempfile.TemporaryDirectory() as folder:
        text = io.StringIO()
        write_households(text, rows, seed)
        lines = text.getvalue().splitlines(keepends=True)
        # Repeat some ids with overlapping coverage: those rows are rejected at the end.
        lines += [line.replace(line.split(",")[0], lines[1].split(",")[0], 1)
                  for line in lines[2:2 + doubled]]
        source = Path(folder) / "in.csv"
        source.write_text("".join(lines), encoding="utf-8")
        out = Path(folder) / "out.csv"
        with source.open("rb") as handle:
            summary = run_batch(TABLE, BackpayEngine(TABLE, Month(2020, 8)), handle,
                                BatchFiles(out), BatchOptions(), workers=1)
        households = dict.fromkeys(TABLE.categories, 0)
        persons = dict.fromkeys(TABLE.categories, 0)
        for row in read_rows(out):
            key = resolve_category(TABLE, row["category"])
            households[key] += 1
            persons[key] += int(row["persons"])
        assert summary.households_by_category == households
        assert summary.persons_by_category == persons
        assert sum(households.values()) == summary.rows_written
