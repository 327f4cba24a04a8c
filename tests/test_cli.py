"""The clerk's and the script's CLI: every command, format and error path."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from welfare_calc.cli import cli
from welfare_calc.cli.group import COMMANDS

FILES = Path(__file__).parent / "standards_files"
Invoke = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "WELFARE_CALC_STANDARDS"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def as_json(result: Result) -> dict[str, object]:
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


BACKPAY_EXAMPLES = [
    pytest.param(["-c", "urban-dibao", "-n", "3", "--income", "200"], "1440.00", 8,
                 id="urban dibao worked example"),
    pytest.param(["-c", "rural-dibao", "-n", "1", "--income", "0"], "406.64", 8,
                 id="rural dibao worked example"),
    pytest.param(["-c", "rural-tekun", "-n", "1"], "536.64", 8, id="rural tekun worked example"),
    pytest.param(["-c", "城市低保", "-n", "3", "--income", "200"], "1440.00", 8,
                 id="Chinese short name"),
    pytest.param(["-c", "农村特困救助供养基本生活标准", "-n", "1"], "536.64", 8,
                 id="full name from the notice"),
    pytest.param(["-c", "rural-dibao", "-n", "1", "--rounding", "total"], "406.67", 8,
                 id="rural dibao rounded at the total"),
    pytest.param(["-c", "rural-dibao", "-n", "2", "--income", "100"], "813.36", 8,
                 id="rural dibao, 2 persons"),
    pytest.param(["-c", "rural-dibao", "-n", "2", "--income", "100", "--rounding", "total"],
                 "813.33", 8, id="rural dibao, 2 persons, at the total"),
    pytest.param(["-c", "urban-dibao", "-n", "3", "--income", "200", "--start", "2020-03"],
                 "1080.00", 6, id="enrolled in March"),
]


@pytest.mark.parametrize(("household", "backpay", "months"), BACKPAY_EXAMPLES)
def test_backpay_json(run: Invoke, household: list[str], backpay: str, months: int) -> None:
    data = as_json(run("backpay", *household, "--through", "2020-08", "--format", "json"))
    assert (data["backpay"], data["months"]) == (backpay, months)


def test_backpay_json_contract(run: Invoke) -> None:
    data = as_json(run("backpay", "--category", "urban-dibao", "--persons", "3", "--income",
                       "200", "--through", "2020-08", "--format", "json", "--detail"))
    assert {key: data[key] for key in ("category", "persons", "income", "through", "months",
                                       "backpay", "due", "paid", "paid_source")} == {
        "category": "urban-dibao", "persons": 3, "income": "200.00", "through": "2020-08",
        "months": 8, "backpay": "1440.00", "due": "11040.00", "paid": "9600.00",
        "paid_source": "computed"}
    detail = data["months_detail"]
    assert isinstance(detail, list)
    assert len(detail) == 8
    assert detail[0] == {"month": "2020-01", "standard_paid": "600.00", "standard_due": "660.00",
                         "amount_paid": "1200.00", "amount_due": "1380.00",
                         "difference": "180.00", "care_paid": "0.00", "care_due": "0.00"}
    # No care tier (a dibao household has none): the care parts are there, and nothing.
    assert (data["care"], data["care_due"], data["care_paid"], data["care_backpay"]) == (
        None, "0.00", "0.00", "0.00")


def test_backpay_with_amount_actually_paid(run: Invoke) -> None:
    data = as_json(run("backpay", "-c", "urban-dibao", "-n", "3", "--income", "200",
                       "--through", "2020-08", "--paid", "9000", "--format", "json"))
    assert (data["paid"], data["paid_source"], data["backpay"]) == ("9000.00", "given", "2040.00")


def test_entitlement_json_contract(run: Invoke) -> None:
    data = as_json(run("entitlement", "-c", "urban-dibao", "-n", "3", "--income", "200",
                       "--format", "json"))
    assert {key: data[key] for key in ("category", "persons", "income", "month", "monthly",
                                       "year", "annual", "eligible")} == {
        "category": "urban-dibao", "persons": 3, "income": "200.00", "month": "2020-01",
        "monthly": "1380.00", "year": 2020, "annual": "16560.00", "eligible": True}
    assert (data["standard"], data["document"]) == ("660.00", "周政办字〔2020〕29号")


def test_entitlement_coverage_and_ineligible(run: Invoke) -> None:
    data = as_json(run("entitlement", "-c", "rural-dibao", "-n", "2", "--income", "100",
                       "--start", "2020-04", "--end", "2020-09", "--format", "json"))
    assert (data["month"], data["monthly"], data["months_covered"], data["annual"]) == (
        "2020-04", "760.00", 6, "4560.00")
    data = as_json(run("entitlement", "-c", "urban-dibao", "-n", "1", "--income", "660",
                       "--format", "json"))
    assert (data["eligible"], data["monthly"], data["annual"]) == (False, "0.00", "0.00")


def test_entitlement_csv(run: Invoke) -> None:
    result = run("entitlement", "-c", "rural-tekun", "-n", "1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1
    assert (rows[0]["monthly"], rows[0]["annual"], rows[0]["eligible"]) == (
        "625.00", "7500.00", "true")


def test_backpay_csv_detail_is_one_header_then_months(run: Invoke) -> None:
    result = run("backpay", "-c", "rural-dibao", "-n", "1", "--through", "2020-03",
                 "--detail", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0] == ("month,standard_paid,standard_due,amount_paid,amount_due,difference,"
                        "care_paid,care_due")
    assert lines[1:] == [f"2020-0{m},429.17,480.00,429.17,480.00,50.83,0.00,0.00"
                         for m in (1, 2, 3)]


def test_table_is_chinese_by_default_and_english_on_request(run: Invoke) -> None:
    zh = run("backpay", "-c", "urban-dibao", "-n", "3", "--income", "200", "--through", "2020-08")
    assert "增补金额（元）" in zh.stdout
    assert "1440.00" in zh.stdout
    en = run("backpay", "-c", "urban-dibao", "-n", "3", "--income", "200", "--through",
             "2020-08", "--lang", "en")
    assert "back-pay (yuan)" in en.stdout
    by_locale = run("backpay", "-c", "urban-dibao", "-n", "3", "--income", "200", "--through",
                    "2020-08", env={"LANG": "en_US.UTF-8"})
    assert by_locale.stdout == en.stdout


def test_explain_backpay_in_chinese(run: Invoke) -> None:
    result = run("backpay", "-c", "rural-dibao", "-n", "1", "--through", "2020-08", "--explain")
    text = result.stdout
    assert "提标增补计算过程" in text
    assert "周政办字〔2020〕29号" in text
    assert "5150.00 ÷ 12 = 429.1666…" in text
    assert ("(429.1666… - 0.00) × 1 = 429.1666…，按月舍入到分为 429.17 元/月 × 8 个月 = "
            "3433.36 元") in text
    assert "3840.00 - 3433.36 = 406.64 元（金额按户按月舍入到分，与实际发放一致）" in text
    total = run("backpay", "-c", "rural-dibao", "-n", "1", "--through", "2020-08", "--explain",
                "--rounding", "total").stdout
    assert ("3840.00 - 3433.3333… = 406.6666…，四舍五入到分为 406.67 元"
            "（只在最后一步舍入一次）") in total


def test_overpaid_is_said_in_json_table_and_explanation(run: Invoke) -> None:
    args = ["backpay", "-c", "urban-dibao", "-n", "3", "--income", "200", "--through",
            "2020-08", "--paid", "12040"]
    data = as_json(run(*args, "--format", "json"))
    assert (data["backpay"], data["overpaid"], data["rounding"]) == (
        "0.00", "1000.00", "household-month")
    text = run(*args, "--explain").stdout
    assert "多发金额（元）" in text
    assert ("5. 已发合计超过应发合计：11040.00 - 12040.00 = -1000.00。增补金额为 0.00 元；"
            "多发金额 1000.00 元单独列出，不与其他款项冲抵。") in text


def test_explain_entitlement_in_english(run: Invoke) -> None:
    result = run("entitlement", "-c", "urban-dibao", "-n", "3", "--income", "200",
                 "--explain", "--lang", "en")
    assert "(660.00 - 200.00) × 3 = 1380.00" in result.stdout
    assert "Source: 周政办字〔2020〕29号" in result.stdout


def test_explain_keeps_machine_output_clean(run: Invoke) -> None:
    data = as_json(run("backpay", "-c", "urban-dibao", "-n", "1", "--through", "2020-08",
                       "--explain", "--format", "json"))
    assert "提标增补计算过程" in str(data["explanation"])
    result = run("backpay", "-c", "urban-dibao", "-n", "1", "--through", "2020-08",
                 "--explain", "--format", "csv")
    assert len(result.stdout.splitlines()) == 2
    assert "提标增补计算过程" in result.stderr


def test_standards_table_json_and_on(run: Invoke) -> None:
    table = run("standards")
    assert "429.1666…" in table.stdout
    assert "周政办字〔2020〕29号" in table.stdout
    rows = json.loads(run("standards", "--format", "json").stdout)
    assert len(rows) == 4 * 6 + 2 * 3  # six values a category; two of care, three tiers
    assert {row["known"] for row in rows} == {"notice", "reissue", "report"}
    assert all(row["seen"] and row["document"] for row in rows)
    current = json.loads(run("standards", "--on", "2020-06-01", "--format", "json").stdout)
    assert [(row["category"], row["standard"], row["monthly_standard"]) for row in current] == [
        ("urban-dibao", "660.00", "660.00"), ("rural-dibao", "5760.00", "480.00"),
        ("urban-tekun", "990.00", "990.00"), ("rural-tekun", "7500.00", "625.00")]


def test_version_names_the_standards(run: Invoke) -> None:
    result = run("--version")
    assert result.exit_code == 0
    # The document of the latest raise in the table.
    assert result.stdout.startswith("welfare-calc 0.1.0（标准：淄民〔2024〕10号")
    assert "sha256 " in result.stdout
    english = run("--version", env={"WELFARE_CALC_LANG": "en"})
    assert english.stdout.startswith("welfare-calc 0.1.0 (standards: 淄民〔2024〕10号")


def test_other_standards_file_by_option_and_env(run: Invoke) -> None:
    other = str(FILES / "zibo_timeline.yaml")
    by_option = as_json(run("--standards", other, "entitlement", "-c", "rural-dibao", "-n", "1",
                            "--month", "2024-03", "--format", "json"))
    assert by_option["monthly"] == "877.00"
    by_env = as_json(run("entitlement", "-c", "rural-dibao", "-n", "1", "--month", "2024-03",
                         "--format", "json", env={"WELFARE_CALC_STANDARDS": other}))
    assert by_env == by_option


ERRORS = [
    (["entitlement", "-c", "urban-dibo", "-n", "1"],
     "'--category' 的取值无效：没有保障类别 'urban-dibo'；是不是 urban-dibao 或 rural-dibao？"),
    (["entitlement", "-c", "城市底保", "-n", "1"], "是不是 城市低保？"),
    (["entitlement", "-c", "urban-dibao", "-n", "0"], "'--persons'"),
    (["entitlement", "-c", "urban-dibao", "-n", "1.5"], "'1.5' 不是整数人数"),
    (["entitlement", "-c", "urban-dibao", "-n", "三"], "'三' 不是整数人数"),
    (["entitlement", "-c", "urban-dibao", "-n", "1", "--income", "-5"],
     "'--income' 的取值无效"),
    (["entitlement", "-c", "urban-dibao", "-n", "1", "--income", "10.005"],
     "最多两位小数"),
    (["entitlement", "-c", "urban-dibao", "-n", "1", "--month", "2020-13"],
     "'--month' 的取值无效"),
    (["entitlement", "-c", "urban-dibao", "-n", "1", "--month", "2020/08"],
     "请按 YYYY-MM 填写"),
    (["entitlement", "-c", "urban-dibao", "-n", "1", "--month", "2021-01"],
     "2021-01：城市低保（urban-dibao）当月执行的标准未知：2021 年的调标文件不在标准表中"),
    (["entitlement", "-c", "urban-dibao", "-n", "1", "--year", "2021"],
     "2021 年没有哪个月既在保障期间（--start/--end）内、又有标准表中城市低保"),
    (["entitlement", "-c", "urban-dibao", "-n", "1", "--month", "2025-01"],
     "晚于标准表所覆盖的最后一个月 2024-12"),
    (["entitlement", "-c", "urban-dibao", "-n", "1", "--month", "2019-12"],
     "2019-12 早于 2020-01"),
    (["entitlement", "-c", "urban-dibao", "-n", "1", "--start", "2020-05", "--month", "2020-02"],
     "2020-02 不在 --start/--end 给出的保障期间内"),
    (["entitlement", "-c", "urban-dibao", "-n", "1", "--start", "2020-05", "--end", "2020-04"],
     "起始月份 2020-05 晚于截止月份 2020-04"),
    (["entitlement", "-c", "urban-dibao"], "缺少选项 '--persons'"),
    (["backpay", "-c", "urban-dibao", "-n", "1"], "缺少选项 '--through'"),
    (["backpay", "-c", "urban-dibao", "-n", "1", "--through", "2019-12"],
     "'--through' 的取值无效：增补截至月份 2019-12 早于第一次提标执行的 2020-01"),
    (["backpay", "-c", "urban-dibao", "-n", "1", "--through", "2021-02"],
     "'--through' 的取值无效：2021-01：城市低保（urban-dibao）当月执行的标准未知："
     "2021 年的调标文件不在标准表中"),
    (["backpay", "-c", "urban-dibao", "-n", "1", "--through", "9999-12"],
     "'--through' 的取值无效：增补截至月份 9999-12 晚于标准表所覆盖的最后一个月 2024-12"),
    (["backpay", "-c", "urban-dibao", "-n", "1", "--through", "0000-01"],
     "'--through' 的取值无效：'0000-01' 的年份不能是 0000"),
    (["backpay", "-c", "urban-dibao", "-n", "9" * 30, "--through", "2020-08"],
     "'--persons' / '-n' 的取值无效：保障人数 99999999999999999999…：一户超过 999 人"),
    (["backpay", "-c", "urban-dibao", "-n", "1000", "--through", "2020-08"],
     "'--persons' / '-n' 的取值无效：保障人数 1000：一户超过 999 人"),
    (["backpay", "-c", "urban-dibao", "-n", "1", "--through", "2020-08", "--paid", "9" * 30],
     "'--paid' 的取值无效：'999999999999999999999999999999' 的整数部分超过 16 位"),
    (["backpay", "-c", "urban-dibao", "-n", "1", "--through", "2020-08", "--income",
      "1" * 5000], "'--income' 的取值无效：'11111111111111111111…11111111' 的整数部分超过"),
    (["backpay", "-c", "urban-dibao", "-n", "1", "--through", "2020-08", "--paid", "1,000"],
     "'--paid' 的取值无效"),
    (["backpay", "-c", "urban-dibao", "-n", "1", "--through", "2020-08", "--format", "xml"],
     "'--format' 的取值无效"),
    (["standards", "--on", "2020-02-30"], "'2020-02-30' 不是日期"),
    (["standards", "--on", "2021-02-01"], "2021-02：城市低保（urban-dibao）当月执行的标准未知"),
    (["standards", "--on", "2025-01-01"], "晚于标准表所覆盖的最后一个月 2024-12"),
    (["standards", "diff", "2020-06", "2021-06"],
     "2021-06：城市低保（urban-dibao）当月执行的标准未知"),
    (["standards", "diff", "2020-06"], "缺少参数 'B'"),
    (["standards", "--colour"], "没有选项 '--colour'"),
]


@pytest.mark.parametrize(("args", "message"), ERRORS,
                         ids=[" ".join(args) for args, _ in ERRORS])
def test_errors_exit_2_with_one_line_and_no_stdout(run: Invoke, args: list[str],
                                                    message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("错误：")
    assert message in lines[0]


BAD_FILES = sorted(path.name for path in FILES.glob("*.yaml")
                   if path.name not in ("valid_minimal.yaml", "zibo_timeline.yaml"))


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_standards_file_exit_2_with_place(run: Invoke, name: str) -> None:
    path = str(FILES / name)
    result = run("--standards", path, "standards")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"错误：{path}:")
    assert "Traceback" not in result.stderr


def test_every_command_has_help(run: Invoke) -> None:
    assert isinstance(cli, __import__("click").Group)
    for name, command in cli.every_command().items():
        assert command.help, name
        result = run(name, "--help")
        assert result.exit_code == 0
        # Every command that prints a result lets scripts choose its format; a 公示 list
        # and a 发放明细 are documents, their format chosen by the file's name; serve
        # prints none.
        assert ("--format" in result.stdout) == (
            name not in ("publicity", "payroll", "serve")), name


def test_installed_entry_point_runs_as_a_subprocess() -> None:
    exe = shutil.which("welfare-calc", path=str(Path(sys.executable).parent))
    assert exe is not None, "welfare-calc is not installed next to this Python"
    done = subprocess.run(
        [exe, "backpay", "--category", "urban-dibao", "--persons", "3", "--income", "200",
         "--through", "2020-08", "--format", "json"],
        capture_output=True, text=True, check=False, cwd="/")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["backpay"] == "1440.00"
    module = subprocess.run([sys.executable, "-m", "welfare_calc", "--version"],
                            capture_output=True, text=True, check=False, cwd="/")
    assert module.returncode == 0
    assert module.stdout.startswith("welfare-calc ")
    bad = subprocess.run([exe, "backpay", "-c", "x", "-n", "1", "--through", "2020-08"],
                         capture_output=True, text=True, check=False)
    assert (bad.returncode, bad.stdout) == (2, "")


def test_entitlement_year_alone_shows_that_years_month(run: Invoke) -> None:
    # The monthly amount beside a year's annual amount is of that year: the first
    # month of it that is covered (issue: it was 2020-01 beside 2021's annual).
    timeline = str(FILES / "zibo_timeline.yaml")
    data = as_json(run("--standards", timeline, "entitlement", "-c", "urban-dibao", "-n", "1",
                       "--year", "2021", "--format", "json"))
    assert (data["month"], data["monthly"], data["annual"]) == ("2021-01", "800.00", "9600.00")
    later = as_json(run("--standards", timeline, "entitlement", "-c", "urban-dibao", "-n", "1",
                        "--year", "2021", "--start", "2021-04", "--format", "json"))
    assert (later["month"], later["months_covered"]) == ("2021-04", 9)
    none = run("--standards", timeline, "entitlement", "-c", "urban-dibao", "-n", "1",
               "--year", "2021", "--end", "2020-06")
    assert none.exit_code == 2
    assert "2021 年没有哪个月既在保障期间（--start/--end）内" in none.stderr


def test_supplement_splits_the_monthly_amount(run: Invoke) -> None:
    data = as_json(run("entitlement", "-c", "urban-dibao", "-n", "3", "--income", "200",
                       "--supplement", "20%", "--format", "json"))
    assert (data["supplement"], data["monthly_base"], data["monthly_supplement"],
            data["monthly"]) == ("20%", "1380.00", "276.00", "1656.00")
    paid = as_json(run("backpay", "-c", "urban-dibao", "-n", "3", "--income", "200",
                       "--through", "2020-08", "--supplement", "20%", "--format", "json"))
    assert (paid["supplement"], paid["backpay"]) == ("20%", "1728.00")
    text = run("backpay", "-c", "urban-dibao", "-n", "3", "--income", "200", "--through",
               "2020-08", "--supplement", "20%", "--explain").stdout
    assert "分类施保金：月保障金的 20%（按舍入到分后的月保障金计算，再舍入到分）" in text
    assert "1380.00 元 + 分类施保金 276.00 元 = 1656.00 元/月 × 8 个月 = 13248.00 元" in text
    refused = run("backpay", "-c", "urban-tekun", "-n", "1", "--through", "2020-08",
                  "--supplement", "50")
    assert refused.exit_code == 2
    assert refused.stderr == ("错误：'--supplement' 的取值无效：城市特困（urban-tekun）"
                              "没有分类施保：分类施保只随低保发放，特困供养按全额标准发放\n")
    english = run("backpay", "-c", "urban-tekun", "-n", "1", "--through", "2020-08",
                  "--supplement", "50", "--lang", "en")
    assert english.stderr == ("Error: Invalid value for '--supplement': urban-tekun (城市特困) "
                              "has no 分类施保 supplement: it is paid with dibao (低保) only, and "
                              "tekun (特困供养) pays the full standard\n")


def test_entitlement_says_when_the_raise_makes_a_household_eligible(run: Invoke) -> None:
    data = as_json(run("entitlement", "-c", "城市低保", "-n", "1", "--income", "630.50",
                       "--format", "json"))
    assert (data["newly_eligible"], data["monthly"]) == (True, "29.50")
    text = run("entitlement", "-c", "城市低保", "-n", "1", "--income", "630.50",
               "--explain").stdout
    assert ("5. 家庭月人均收入 630.50 元不低于原标准 600.00 元、低于新标准 660.00 元：本户因提标"
            "新纳入保障范围（应保尽保）") in text
    before = as_json(run("entitlement", "-c", "城市低保", "-n", "1", "--income", "599.99",
                         "--format", "json"))
    assert before["newly_eligible"] is False


def test_standards_diff_names_each_change_and_the_later_document(run: Invoke) -> None:
    rows = json.loads(run("standards", "diff", "2023-06", "2024-06", "--format",
                          "json").stdout)["standards"]
    assert [(row["category"], row["tier"], row["monthly_a"], row["monthly_b"], row["change"],
             row["document"]) for row in rows] == [
        ("urban-dibao", None, "924.00", "989.00", "raised", "淄民〔2024〕10号"),
        ("rural-dibao", None, "801.00", "877.00", "raised", "淄民〔2024〕10号"),
        ("urban-tekun", None, "1320.00", "1320.00", "unchanged", "淄民〔2024〕10号"),
        ("rural-tekun", None, "1050.00", "1140.00", "raised", "淄民〔2024〕10号"),
        ("care", "self-care", "240.00", "240.00", "unchanged",
         "淄博市 2022 年提标通知（文号未查到）"),
        ("care", "partial-care", "685.00", "685.00", "unchanged",
         "淄博市 2022 年提标通知（文号未查到）"),
        ("care", "full-care", "1090.00", "1090.00", "unchanged",
         "淄博市 2022 年提标通知（文号未查到）")]
    people = run("standards", "diff", "2023-06", "2024-06", "--lang", "zh").stdout
    assert "由 924.00 元提高到 989.00 元" in people
    assert "继续执行" in people
    # 2020 has no care standard: the care rows are left out, not invented.
    early = json.loads(run("standards", "diff", "2020-06", "2022-06", "--format",
                           "json").stdout)["standards"]
    assert [row["category"] for row in early] == [
        "urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun"]
    assert early[1]["monthly_a"] == "480.00"  # 5760 a year, compared by the month


def test_the_standards_warn_of_a_tekun_standard_below_its_floor(run: Invoke) -> None:
    # Rural 2024: 1140 against 877 × 1.3 = 1140.1: within a yuan, but below (warned only).
    result = run("standards", "--format", "json", "--lang", "en",
                 env={"WELFARE_CALC_LANG": "en"})
    assert result.exit_code == 0
    json.loads(result.stdout)  # stdout holds the data alone
    warned = [line for line in result.stderr.splitlines() if "rural-tekun" in line]
    assert warned == ["Warning: rural-tekun 1140.00 yuan/person/month in 2024-01..2024-12 is "
                      "below 1.3 × rural-dibao 877.00 = 1140.10 (国发〔2016〕14号 原则上不低于"
                      "当地低保标准的1.3倍); a warning, not a refusal"]
    assert "urban-tekun" not in result.stderr


def test_each_command_is_imported_only_when_it_runs() -> None:
    # The group names its commands (cli.group.COMMANDS) and imports one only to run it:
    # --help lists every command with its short help, importing none; a single call
    # imports its own command's module, and neither the batch, NumPy nor the web stack,
    # nor the written-out calculation it was not asked for, nor tabulate for its table.
    probe = (
        "import json, sys\n"
        "from welfare_calc.cli import cli\n"
        "try:\n"
        "    cli.main(sys.argv[1:], prog_name='welfare-calc', standalone_mode=False)\n"
        "finally:\n"
        "    watched = ('welfare_calc.cli.', 'welfare_calc.batch', 'welfare_calc.web',\n"
        "               'welfare_calc.output.explain', 'numpy', 'uvicorn', 'starlette',\n"
        "               'tabulate', 'wcwidth')\n"
        "    print(json.dumps(sorted(name for name in sys.modules\n"
        "                            if name.startswith(watched))), file=sys.stderr)\n")
    environment = {**os.environ, "WELFARE_CALC_LANG": "en"}

    def loaded(*args: str) -> tuple[str, set[str]]:
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True,
                              text=True, check=True, env=environment)
        return done.stdout, set(json.loads(done.stderr.splitlines()[-1]))

    shown, modules = loaded("--help")
    assert {name.removeprefix("welfare_calc.cli.") for name in modules} == {
        "click_words", "group", "problems", "types"}
    for name in COMMANDS:
        assert re.search(rf"^  {name} +\S", shown, re.MULTILINE), name
    _, modules = loaded("entitlement", "-c", "rural-dibao", "-n", "2", "--income", "100")
    assert modules == {"welfare_calc.cli.click_words", "welfare_calc.cli.group",
                       "welfare_calc.cli.problems", "welfare_calc.cli.types",
                       "welfare_calc.cli.entitlement"}


def test_the_entry_freezes_what_it_imported_and_collects_as_usual_after() -> None:
    # welfare-calc's entry (welfare_calc.__main__, pyproject.toml) imports the command line
    # with the garbage collector held off, then freezes those objects out of its sight
    # (never looked through again, at exit included), and turns it back on for the
    # command, a batch's as much as a single call's.
    probe = (
        "import atexit, gc, json, sys\n"
        "atexit.register(lambda: print(json.dumps([gc.isenabled(), gc.get_freeze_count()]),\n"
        "                              file=sys.stderr))\n"
        "sys.argv = ['welfare-calc', *sys.argv[1:]]\n"
        "from welfare_calc.__main__ import main\n"
        "main()\n")
    done = subprocess.run([sys.executable, "-c", probe, "standards", "--format", "json"],
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "WELFARE_CALC_LANG": "en"})
    assert done.returncode == 0, done.stderr
    enabled, frozen = json.loads(done.stderr.splitlines()[-1])
    assert enabled
    assert frozen > 10_000  # click's, the core's and the command line's objects
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["scripts"] == {"welfare-calc": "welfare_calc.__main__:main"}


def test_a_category_is_completed_from_its_short_names() -> None:
    from welfare_calc.cli.types import CategoryType  # noqa: PLC0415 - the one test of it

    ctx = click.Context(cli)
    param = click.Option(["--category"])
    assert [item.value for item in CategoryType().shell_complete(ctx, param, "rural")] == [
        "rural-dibao", "rural-tekun"]
    assert [item.value for item in CategoryType().shell_complete(ctx, param, "城市")] == [
        "城市低保", "城市特困"]


def test_every_command_named_is_the_command_of_that_name() -> None:
    commands = cli.every_command()
    assert sorted(commands) == sorted(COMMANDS)
    for name, command in commands.items():
        assert command.name == name
