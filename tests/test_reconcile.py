"""``welfare-calc reconcile SENT RETURN`` (issue 30 §4): sent = succeeded + failed to the
fen, the failures as a 重发名单, and a return that does not answer what was sent refused
whole, naming its lines, with nothing written."""

from __future__ import annotations

import importlib.util
import json
import os
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import luhn

from helpers import Run, csv_rows, invoker
from test_no_english import english_in
from welfare_calc.core.months import Month
from welfare_calc.payroll.bank import BankTotals, write_bank_file
from welfare_calc.payroll.layouts import Layout, shipped
from welfare_calc.payroll.payments import Payment
from welfare_calc.payroll.reconcile import reconcile

MAY = Month.parse("2024-05")
PAYMENTS = [
    Payment(MAY, "110105190001011012", "张秀英", "6222021234567890128", 126000),
    Payment(MAY, "110105190001011020", "李建国", "6217000012345678907", 58350),
    Payment(MAY, "11010519491231002X", "王桂兰", "6228480011223344554", 137305),
]
FAILED = {"110105190001011020": "户名不符"}


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE", "WELFARE_CALC_LANG"):
        monkeypatch.delenv(name, raising=False)
    return invoker()


def sent_file(folder: Path, layout_name: str = "csv",
              payments: list[Payment] = PAYMENTS) -> Path:
    target = folder / ("代发.csv" if layout_name == "csv" else "代发.txt")
    write_bank_file(payments, shipped(layout_name), target, month=MAY, office="周村区民政局",
                    batch_no="202405001", day=date(2024, 5, 20))
    return target


def answer(sent: Path, layout: Layout, failed: dict[str, str], *, encoding: str | None = None,
           target: Path | None = None) -> Path:
    """The bank's return of ``sent``: its lines with 处理结果 and 失败原因 (the summary left
    out), in ``encoding`` (the sent file's by default)."""
    codec = "utf-8-sig" if layout.encoding == "utf-8-sig" else layout.encoding
    lines = []
    for line in sent.read_text(encoding=codec).splitlines():
        cells = line.split(layout.delimiter)
        if len(cells) != len(layout.columns):
            continue
        if cells[0] == "序号":
            lines.append(layout.delimiter.join([*cells, "处理结果", "失败原因"]))
            continue
        reason = failed.get(cells[2].strip())
        lines.append(layout.delimiter.join([*cells, "失败" if reason else "成功", reason or ""]))
    target = target or sent.with_name("回盘" + sent.suffix)
    target.write_text("\r\n".join(lines) + "\r\n", encoding=encoding or codec)
    return target


def edited(path: Path, old: str, new: str, encoding: str = "utf-8-sig") -> Path:
    with path.open(encoding=encoding, newline="") as handle:
        text = handle.read()
    assert old in text
    with path.open("w", encoding=encoding, newline="") as handle:
        handle.write(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("layout_name", ["csv", "pipe"])
def test_the_worked_example_adds_up_and_writes_the_resend_list(run: Run, tmp_path: Path,
                                                               layout_name: str) -> None:
    sent = sent_file(tmp_path, layout_name)
    back = answer(sent, shipped(layout_name), FAILED)
    resend = tmp_path / "重发名单.csv"
    result = run("reconcile", str(sent), str(back), "-o", str(resend))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "结果    笔数    金额（元）\n"
        "------  ------  ------------\n"
        "发送    3       3216.55\n"
        "成功    2       2633.05\n"
        "失败    1       583.50\n")
    assert result.stderr == f"1 笔发放失败，已写入重发名单 {resend}\n"
    assert csv_rows(resend) == [{
        "身份证号": "110105190001011020\t", "姓名": "李建国", "账号": "6217000012345678907\t",
        "金额": "583.50", "月份": "2024-05", "失败原因": "户名不符",
        "键": "2024-05:110105190001011020"}]


def test_json_and_csv_reports_are_for_scripts(run: Run, tmp_path: Path) -> None:
    sent = sent_file(tmp_path)
    back = answer(sent, shipped("csv"), FAILED)
    shown = run("reconcile", str(sent), str(back), "--format", "json")
    assert json.loads(shown.stdout) == [
        {"outcome": "sent", "count": 3, "amount": "3216.55"},
        {"outcome": "succeeded", "count": 2, "amount": "2633.05"},
        {"outcome": "failed", "count": 1, "amount": "583.50"}]
    as_csv = run("reconcile", str(sent), str(back), "--format", "csv")
    assert as_csv.stdout == ("outcome,count,amount\nsent,3,3216.55\nsucceeded,2,2633.05\n"
                             "failed,1,583.50\n")


def test_a_gbk_return_is_read(run: Run, tmp_path: Path) -> None:
    sent = sent_file(tmp_path)
    back = answer(sent, shipped("csv"), {"11010519491231002X": "账户已冻结"}, encoding="gbk")
    resend = tmp_path / "重发名单.xlsx"
    result = run("reconcile", str(sent), str(back), "-o", str(resend))
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(resend).active
    assert sheet is not None
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["身份证号", "姓名", "账号", "金额", "月份", "失败原因", "键"],
        ["11010519491231002X", "王桂兰", "6228480011223344554", "1373.05", "2024-05",
         "账户已冻结", "2024-05:11010519491231002X"]]


def test_the_layout_is_found_from_the_sent_file(run: Run, tmp_path: Path) -> None:
    sent = sent_file(tmp_path, "pipe")
    back = answer(sent, shipped("pipe"), {})
    result = run("reconcile", str(sent), str(back), "--format", "csv")
    assert result.stdout.splitlines()[1:] == ["sent,3,3216.55", "succeeded,3,3216.55",
                                              "failed,0,0.00"]


def test_another_layouts_headers_are_mapped_with_column(run: Run, tmp_path: Path) -> None:
    sent = sent_file(tmp_path)
    back = answer(sent, shipped("csv"), FAILED)
    edited(back, "金额,批次号,键,处理结果,失败原因", "交易金额,批次号,业务键,交易状态,备注")
    plain = run("reconcile", str(sent), str(back))
    assert plain.exit_code == 2
    assert plain.stderr == (f"错误：{back} 第 1 行：没有 键、金额、处理结果 列；"
                            "请用 --column KEY=表头 指明\n")
    mapped = run("reconcile", str(sent), str(back), "--column", "key=业务键",
                 "--column", "amount=交易金额", "--column", "处理结果=交易状态",
                 "--column", "reason=备注", "--format", "csv")
    assert mapped.exit_code == 0, mapped.stderr
    assert mapped.stdout.splitlines()[3] == "failed,1,583.50"


FAULTS = {
    "an amount altered": (
        ",583.50,202405001,2024-05:110105190001011020",
        ",585.30,202405001,2024-05:110105190001011020",
        "错误：回盘第 3 行：键 2024-05:110105190001011020 的金额为 '585.30'，而发送的是 583.50"
        "（代发文件第 3 行）\n"),
    "a line missing": (
        "3,王桂兰,11010519491231002X,6228480011223344554\t,1373.05,202405001,"
        "2024-05:11010519491231002X,成功,\r\n", "",
        "错误：代发文件第 4 行：键 2024-05:11010519491231002X 在回盘中没有结果\n"),
    "a line doubled": (
        "1,张秀英", "1,张秀英,110105190001011012\t,6222021234567890128\t,1260.00,202405001,"
        "2024-05:110105190001011012,成功,\r\n1,张秀英", None),
    "an unknown key": (
        "2024-05:11010519491231002X", "2024-04:11010519491231002X",
        "错误：回盘第 4 行：键 2024-04:11010519491231002X 不在所发的代发文件中\n"
        "错误：代发文件第 4 行：键 2024-05:11010519491231002X 在回盘中没有结果\n"),
    "a result that is neither": (
        "成功,\r\n2,", "已入账,\r\n2,",
        "错误：回盘第 2 行：处理结果为 '已入账'；应为 成功 或 失败\n"),
}


@pytest.mark.parametrize(("old", "new", "said"), FAULTS.values(), ids=FAULTS.keys())
def test_a_return_that_does_not_answer_what_was_sent_is_refused_naming_its_lines(
        run: Run, tmp_path: Path, old: str, new: str, said: str | None) -> None:
    sent = sent_file(tmp_path)
    back = edited(answer(sent, shipped("csv"), FAILED), old, new)
    resend = tmp_path / "重发名单.csv"
    result = run("reconcile", str(sent), str(back), "-o", str(resend))
    assert result.exit_code == 2
    assert result.stdout == ""
    if said is None:  # the doubled line: the first and the second named
        said = (f"错误：{back} 第 2 行和第 3 行：键 2024-05:110105190001011012 重复出现\n")
    assert result.stderr == said
    assert not resend.exists()  # nothing written
    assert english_in(result.stderr) == []


def test_a_sent_file_whose_summary_is_not_its_lines_is_refused(run: Run,
                                                               tmp_path: Path) -> None:
    sent = sent_file(tmp_path)
    back = answer(sent, shipped("csv"), FAILED)
    edited(sent, "合计,3,3216.55", "合计,3,3216.56")
    result = run("reconcile", str(sent), str(back))
    assert result.exit_code == 2
    assert result.stderr == (f"错误：{sent} 第 5 行：汇总行为 3 笔、3216.56 元，而明细为 3 笔、"
                             "3216.55 元\n")


def test_a_key_twice_in_the_sent_file_is_refused(run: Run, tmp_path: Path) -> None:
    sent = sent_file(tmp_path)
    text = sent.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    doubled = [*text[:2], text[1].replace("1,", "2,", 1), *text[2:]]
    sent.write_text("".join(doubled).replace("合计,3,3216.55", "合计,4,4476.55"),
                    encoding="utf-8-sig")
    back = answer(sent, shipped("csv"), {})
    result = run("reconcile", str(sent), str(back))
    assert result.exit_code == 2
    assert result.stderr == (f"错误：{sent} 第 2 行和第 3 行：键 2024-05:110105190001011012 "
                             "重复出现\n")


def test_many_problems_are_named_twenty_then_counted(tmp_path: Path, run: Run) -> None:
    many = [Payment(MAY, f"1101051900010{n:05d}", "张三", "6222021234567890128", 100)
            for n in range(30)]
    sent = sent_file(tmp_path, "csv", many)
    back = tmp_path / "回盘.csv"
    back.write_text("序号,姓名,身份证号,账号,金额,批次号,键,处理结果,失败原因\r\n",
                    encoding="utf-8")
    result = run("reconcile", str(sent), str(back))
    lines = result.stderr.splitlines()
    assert len(lines) == 21
    assert lines[-1] == "错误：另有 10 处问题"


@pytest.mark.parametrize(("args", "said"), [
    (["--bank-layout", "tab"], "--bank-layout tab：应为 csv 或 pipe"),
    (["-o", "重发名单.txt"], "重发名单应为 .csv 或 .xlsx"),
    (["--column", "key"], "应写作 KEY=表头"),
    (["--column", "phone=电话"], "不是回盘的列"),
])
def test_bad_options_are_one_chinese_line(run: Run, tmp_path: Path, args: list[str],
                                          said: str) -> None:
    sent = sent_file(tmp_path)
    back = answer(sent, shipped("csv"), FAILED)
    result = run("reconcile", str(sent), str(back), *args)
    assert result.exit_code == 2
    assert said in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert english_in(result.stderr) == []


def test_a_bad_layout_file_is_exit_2(run: Run, tmp_path: Path) -> None:
    sent = sent_file(tmp_path)
    back = answer(sent, shipped("csv"), FAILED)
    layout = tmp_path / "bank.yaml"
    layout.write_text("name: x\nencoding: gbk\n", encoding="utf-8")
    result = run("reconcile", str(sent), str(back), "--bank-layout", str(layout))
    assert result.exit_code == 2
    assert result.stderr == f"错误：{layout}：delimiter：缺少此项；请在此填写\n"


def test_the_resend_list_is_never_an_input(run: Run, tmp_path: Path) -> None:
    sent = sent_file(tmp_path)
    back = answer(sent, shipped("csv"), FAILED)
    before = back.read_bytes()
    result = run("reconcile", str(sent), str(back), "-o", str(back))
    assert result.exit_code == 2
    assert back.read_bytes() == before


def test_a_sent_file_of_another_layout_is_named(run: Run, tmp_path: Path) -> None:
    sent = sent_file(tmp_path, "pipe")
    back = answer(sent, shipped("pipe"), {})
    result = run("reconcile", str(sent), str(back), "--bank-layout", "csv")
    assert result.exit_code == 2
    assert result.stderr == (f"错误：{sent}：第 1 行不是 UTF-8 编码的文本，"
                             "而 csv 格式规定用此编码；请用 --bank-layout 指明格式\n")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(st.integers(min_value=1, max_value=10**8), min_size=1, max_size=30),
       failing=st.sets(st.integers(min_value=0, max_value=29)),
       layout_name=st.sampled_from(["csv", "pipe"]))
def test_succeeded_and_failed_are_what_was_sent(tmp_path: Path, amounts: list[int],
                                                failing: set[int], layout_name: str) -> None:
    payments = [Payment(MAY, f"1101051900010{n:05d}", "张三",
                        f"62220212345{n:05d}" + "00", fen) for n, fen in enumerate(amounts)]
    payments = [Payment(p.month, p.id, p.name, p.account[:-1]
                        + luhn.calc_check_digit(p.account[:-1]), p.fen) for p in payments]
    layout = shipped(layout_name)
    sent = sent_file(tmp_path, layout_name, payments)
    failed = {payments[n].id: "账户已销户" for n in failing if n < len(payments)}
    back = answer(sent, layout, failed)
    outcome = reconcile(sent, back, layout)
    assert outcome.sent == BankTotals(len(amounts), sum(amounts))
    assert outcome.succeeded.count + outcome.failed.count == outcome.sent.count
    assert outcome.succeeded.fen + outcome.failed.fen == outcome.sent.fen
    assert outcome.failed.fen == sum(amounts[n] for n in failing if n < len(amounts))
    assert {failure.id for failure in outcome.failures} == set(failed)
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")]  # no leftovers


def test_the_docs_example_files_are_what_the_writer_writes(tmp_path: Path) -> None:
    # docs/bank.md's sessions read examples/; its script makes them with the writer.
    root = Path(__file__).parents[1]
    spec = importlib.util.spec_from_file_location("make_bank_files",
                                                  root / "examples" / "make_bank_files.py")
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.HERE = tmp_path
    script.main()
    made = sorted(path.name for path in tmp_path.iterdir())
    assert made == ["代发_2024-05.csv", "代发_2024-05.txt", "回盘_2024-05.csv",
                    "回盘_2024-05.txt", "回盘_错误.csv"]
    for name in made:
        assert (tmp_path / name).read_bytes() == (root / "examples" / name).read_bytes(), name


@pytest.mark.parametrize("layout_name", ["csv", "pipe"])
def test_a_return_repeating_the_summary_line_is_read(run: Run, tmp_path: Path,
                                                     layout_name: str) -> None:
    layout = shipped(layout_name)
    sent = sent_file(tmp_path, layout_name)
    back = answer(sent, layout, FAILED)
    codec = "utf-8-sig" if layout_name == "csv" else "gbk"
    with back.open(encoding=codec, newline="") as handle:
        text = handle.read()
    text = (text + "合计,3,3216.55\r\n" if layout_name == "csv"
            else "20240520|周村区民政局|3|3216.55\r\n" + text)
    with back.open("w", encoding=codec, newline="") as handle:
        handle.write(text)
    result = run("reconcile", str(sent), str(back), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == ["sent,3,3216.55", "succeeded,2,2633.05",
                                              "failed,1,583.50"]


def test_keys_that_share_a_first_digest_are_told_apart_by_the_second(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every key one first digest: each lookup walks the run and the second decides.
    from welfare_calc.payroll import reconcile as reconciling  # noqa: PLC0415

    digests = reconciling.key_digests
    monkeypatch.setattr(reconciling, "key_digests", lambda key: (7, digests(key)[1]))
    sent = sent_file(tmp_path)
    back = answer(sent, shipped("csv"), FAILED)
    result = run("reconcile", str(sent), str(back), "--format", "csv")
    assert result.stdout.splitlines()[1:] == ["sent,3,3216.55", "succeeded,2,2633.05",
                                              "failed,1,583.50"]
    edited(back, "2024-05:11010519491231002X", "2024-04:11010519491231002X")
    refused = run("reconcile", str(sent), str(back))
    assert refused.stderr.splitlines() == [
        "错误：回盘第 4 行：键 2024-04:11010519491231002X 不在所发的代发文件中",
        "错误：代发文件第 4 行：键 2024-05:11010519491231002X 在回盘中没有结果"]
