"""The bank file (issue 30 §3): layouts as data, the writer's lines and summary, byte for
byte, and what it refuses, with nothing written."""

from __future__ import annotations

import os
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import luhn

from welfare_calc.core.engine import fen_text
from welfare_calc.core.months import Month
from welfare_calc.payroll.accounts import BadAccount, account_digits
from welfare_calc.payroll.bank import (
    BankFileRefused,
    BankTotals,
    plainly_a_card,
    stage_bank_file,
    text_fen,
    write_bank_file,
)
from welfare_calc.payroll.layouts import (
    SHIPPED,
    BadLayout,
    parse_layout,
    resolve_layout,
    shipped,
)
from welfare_calc.payroll.payments import Payment

MAY = Month.parse("2024-05")
PAYMENTS = [
    Payment(MAY, "110105190001011012", "张秀英", "6222 0212 3456 7890 128", 126000),
    Payment(MAY, "110105190001011020", "李建国", "6217000012345678907", 58350),
    Payment(MAY, "11010519491231002X", "王桂兰", "6228-4800-1122-3344-554", 137305),
]
WRITTEN = {"month": MAY, "office": "周村区民政局", "batch_no": "202405001",
           "day": date(2024, 5, 20)}

CSV_TEXT = (
    "\ufeff序号,姓名,身份证号,账号,金额,批次号,键\r\n"
    "1,张秀英,110105190001011012\t,6222021234567890128\t,1260.00,202405001,"
    "2024-05:110105190001011012\r\n"
    "2,李建国,110105190001011020\t,6217000012345678907\t,583.50,202405001,"
    "2024-05:110105190001011020\r\n"
    "3,王桂兰,11010519491231002X,6228480011223344554\t,1373.05,202405001,"
    "2024-05:11010519491231002X\r\n"
    "合计,3,3216.55\r\n")
"""The csv layout: a BOM, the header, ids and accounts followed by the tab that keeps them
text in Excel (an id ending in X is text already), amounts with two decimals, the key
last, and the 合计 line: 1260.00 + 583.50 + 1373.05 = 3216.55."""
PIPE_TEXT = (
    "20240520|周村区民政局|3|3216.55\r\n"
    "1|张秀英|110105190001011012|6222021234567890128|1260.00|202405001|"
    "2024-05:110105190001011012\r\n"
    "2|李建国|110105190001011020|6217000012345678907|583.50|202405001|"
    "2024-05:110105190001011020\r\n"
    "3|王桂兰|11010519491231002X|6228480011223344554|1373.05|202405001|"
    "2024-05:11010519491231002X\r\n")
"""The pipe layout: the summary first (date, office, count, total), then the lines as a
bank's program reads them, in GBK, with no spreadsheet marks."""


def card(stem: str) -> str:
    """A card number with its Luhn check digit."""
    return stem + luhn.calc_check_digit(stem)


def test_the_csv_layout_worked_example(tmp_path: Path) -> None:
    target = tmp_path / "代发.csv"
    totals = write_bank_file(PAYMENTS, shipped("csv"), target, **WRITTEN)  # type: ignore[arg-type]
    assert totals == BankTotals(3, 321655)
    assert target.read_bytes() == CSV_TEXT.encode("utf-8")
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_pipe_layout_worked_example(tmp_path: Path) -> None:
    target = tmp_path / "代发.txt"
    totals = write_bank_file(PAYMENTS, shipped("pipe"), target, **WRITTEN)  # type: ignore[arg-type]
    assert totals == BankTotals(3, 321655)
    assert target.read_bytes() == PIPE_TEXT.encode("gbk")


def test_a_new_bank_file_is_its_owners_alone_and_leaves_nothing_beside_it(
        tmp_path: Path) -> None:
    target = tmp_path / "代发.txt"
    write_bank_file(PAYMENTS, shipped("pipe"), target, **WRITTEN)  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == ["代发.txt"]
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("fen", "text"), [(0, "0.00"), (1, "0.01"), (10, "0.10"),
                                           (100, "1.00"), (123456, "1234.56"),
                                           (10**15 + 7, "10000000000000.07")])
def test_amounts_are_text_with_two_decimals_from_integer_fen(fen: int, text: str) -> None:
    assert fen_text(fen) == text
    assert text_fen(text) == fen


@pytest.mark.parametrize("text", ["", "1,234.56", "1e3", "-5.00", "1.234", "12.", ".5",
                                  "１２.００", " ", "1 000.00", "NaN"])
def test_what_is_no_amount_is_read_as_none(text: str) -> None:
    assert text_fen(text) is None


payments = st.lists(
    st.tuples(st.integers(min_value=1, max_value=10**9),
              st.from_regex(r"[1-9][0-9]{14}", fullmatch=True)),
    min_size=0, max_size=40, unique_by=lambda pair: pair[1])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=payments, layout_name=st.sampled_from(["csv", "pipe"]))
def test_the_summary_is_the_sum_of_the_lines(tmp_path: Path, chosen: list[tuple[int, str]],
                                             layout_name: str) -> None:
    layout = shipped(layout_name)
    sent = [Payment(MAY, f"{stem[:6]}19000101{stem[6:10]}", "张三", card(stem), fen)
            for fen, stem in chosen]
    target = tmp_path / f"代发.{layout_name}"
    totals = write_bank_file(sent, layout, target, **WRITTEN)  # type: ignore[arg-type]
    lines = target.read_bytes().decode("utf-8-sig" if layout_name == "csv" else "gbk")
    rows = [line.split(layout.delimiter) for line in lines.split("\r\n")[:-1]]
    if layout_name == "csv":
        _header, *body, summary = rows
        assert summary[0] == "合计"
        count, total = summary[1:]
    else:
        summary, *body = rows
        count, total = summary[2:]
    assert int(count) == totals.count == len(body) == len(sent)
    amounts = [text_fen(row[4]) for row in body]
    assert text_fen(total) == totals.fen == sum(fen for fen, _ in chosen)
    assert sum(amount or 0 for amount in amounts) == totals.fen
    assert [row[6] for row in body] == [payment.key for payment in sent]


ACCOUNT_SPELLINGS = ["6222 0212 3456 7890 128", "6222-0212-3456-7890-128", "'6222021234567890128",
                     "6222\u30000212\u300034567890128", " 6222021234567890128\t"]
"""A clerk's ways of writing one card number: grouped with spaces or dashes, with Excel's
text prefix, an ideographic space, stray white space."""


@pytest.mark.parametrize("spelling", ACCOUNT_SPELLINGS)
def test_an_account_is_sent_as_its_digits_however_typed(tmp_path: Path, spelling: str) -> None:
    target = tmp_path / "代发.txt"
    write_bank_file([Payment(MAY, "110105190001011012", "张秀英", spelling, 100)],
                    shipped("pipe"), target, **WRITTEN)  # type: ignore[arg-type]
    assert "|6222021234567890128|" in target.read_text(encoding="gbk")


@pytest.mark.parametrize(("account", "said"), [
    ("6222021234567890127", "校验位不符"),   # one digit off: Luhn fails
    ("", "银行账号"),
    ("6222 0212 3456", "位"),               # too short for a card
    ("6222O21234567890128", "银行账号"),     # a letter O for a zero
])
def test_an_account_that_fails_is_never_written(tmp_path: Path, account: str,
                                                said: str) -> None:
    target = tmp_path / "代发.csv"
    target.write_bytes(b"last month's file")
    bad = [*PAYMENTS[:2], Payment(MAY, "110105190001011039", "赵明", account, 100)]
    with pytest.raises(BankFileRefused) as refused:
        write_bank_file(bad, shipped("csv"), target, **WRITTEN)  # type: ignore[arg-type]
    assert "2024-05:110105190001011039" in str(refused.value)
    assert said in str(refused.value)
    assert "待核实账号" in str(refused.value)
    assert target.read_bytes() == b"last month's file"  # nothing half-written, nothing lost
    assert os.listdir(tmp_path) == ["代发.csv"]


@pytest.mark.parametrize("layout_name", ["csv", "pipe"])
def test_a_key_seen_twice_is_refused_naming_both_lines(tmp_path: Path, layout_name: str) -> None:
    target = tmp_path / "代发"
    doubled = [*PAYMENTS, PAYMENTS[1]]
    with pytest.raises(BankFileRefused) as refused:
        write_bank_file(doubled, shipped(layout_name), target, **WRITTEN)  # type: ignore[arg-type]
    assert str(refused.value) == ("发放 2024-05:110105190001011020 重复出现（第 2 笔和第 4 笔）；"
                                  "每户每月只发放一次")
    assert not target.exists()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(("payment", "said"), [
    (Payment(MAY, "110105190001011012", "张|秀英", "6222021234567890128", 100), "分隔符"),
    (Payment(MAY, "110105190001011012", "张秀英", "6222021234567890128", 0), "不是有效的发放金额"),
    (Payment(MAY + 1, "110105190001011012", "张秀英", "6222021234567890128", 100), "晚于"),
    (Payment(MAY, "110105190001011012", "张\U00020bb7", "6222021234567890128", 100), "GBK"),
])
def test_a_line_the_bank_cannot_read_is_refused(tmp_path: Path, payment: Payment,
                                                said: str) -> None:
    target = tmp_path / "代发.txt"
    with pytest.raises(BankFileRefused) as refused:
        write_bank_file([payment], shipped("pipe"), target, **WRITTEN)  # type: ignore[arg-type]
    assert said in str(refused.value).upper() or said in str(refused.value)
    assert not target.exists()


def test_a_name_that_starts_like_a_formula_cannot_run_in_a_spreadsheet(tmp_path: Path) -> None:
    target = tmp_path / "代发.csv"
    write_bank_file([Payment(MAY, "110105190001011012", "=HYPERLINK(1)", card("622202123456789"),
                             100)], shipped("csv"), target, **WRITTEN)  # type: ignore[arg-type]
    assert ",'=HYPERLINK(1)," in target.read_text(encoding="utf-8-sig")


def test_the_summary_first_layout_streams_through_a_private_spool(tmp_path: Path) -> None:
    # A generator: the payments are seen once, as a payroll run yields them.
    target = tmp_path / "代发.txt"
    file, totals = stage_bank_file((payment for payment in PAYMENTS), shipped("pipe"), target,
                                   **WRITTEN)  # type: ignore[arg-type]
    try:
        assert totals == BankTotals(3, 321655)
        assert not target.exists()  # staged, not yet in place
        assert file.temp_path is not None
        assert file.temp_path.parent == tmp_path
    finally:
        file.discard()
    assert os.listdir(tmp_path) == []


GOOD = """name: mine
encoding: gbk
delimiter: ","
header: true
columns: [键, 姓名, 账号, 金额]
summary: {at: first, holds: [笔数, 总金额, 批次号]}
"""


def test_a_layout_of_ones_own_is_data(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD, encoding="utf-8")
    layout = resolve_layout(str(path))
    target = tmp_path / "代发.csv"
    write_bank_file(PAYMENTS[:1], layout, target, **WRITTEN)  # type: ignore[arg-type]
    assert target.read_bytes().decode("gbk") == (
        "键,姓名,账号,金额\r\n1,1260.00,202405001\r\n"
        "2024-05:110105190001011012,张秀英,6222021234567890128,1260.00\r\n")


@pytest.mark.parametrize(("text", "said"), [
    (GOOD.replace("gbk", "klingon"), "encoding：不认识的编码"),
    (GOOD.replace("[键, 姓名, 账号, 金额]", "[姓名, 账号, 金额]"),
     "columns：columns 中必须包含 键"),
    (GOOD.replace("[键, 姓名, 账号, 金额]", "[键, 键, 账号, 金额]"), "每个字段只能出现一次"),
    (GOOD.replace("[键, 姓名, 账号, 金额]", "[键, 电话, 账号, 金额]"), "columns.1：实际为 '电话'"),
    (GOOD.replace("header: true", "header: maybe"), "header：应为 true 或 false"),
    (GOOD.replace("holds: [笔数, 总金额, 批次号]", "holds: [笔数]"), "至少应包含 笔数 和 总金额"),
    (GOOD.replace("at: first", "at: last"), "须以标签开头"),
    (GOOD.replace('","', '"ab"'), "分隔符应为"),
    (GOOD + "quoting: none\n", "未知的键"),
    (GOOD.replace("name: mine", "name: [mine"), "不是有效的格式文件"),
    ("- a list\n", "应由键和值组成"),
])
def test_a_bad_layout_file_is_one_chinese_line_naming_it(tmp_path: Path, text: str,
                                                         said: str) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadLayout) as refused:
        resolve_layout(str(path))
    message = str(refused.value)
    assert message.startswith(str(path))
    assert said in message
    assert "\n" not in message


@pytest.mark.parametrize(("given", "said"), [("tab", "应为 csv 或 pipe"),
                                             ("no-such.yaml", "文件不存在")])
def test_an_unknown_layout_is_refused(given: str, said: str) -> None:
    with pytest.raises(BadLayout, match=said):
        resolve_layout(given)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_layout_read_as_written_is_the_one_its_file_validates_to(name: str) -> None:
    """A shipped layout is read without pydantic (the package's own file): the same layout
    as its file checked by the validator, as a layout file given is."""
    text = resources.files("welfare_calc.payroll").joinpath("layouts", f"{name}.yaml").read_text(
        encoding="utf-8")
    assert shipped(name) == parse_layout(text, f"{name}.yaml")
    assert shipped(name) == resolve_layout(name)


def test_the_shipped_layouts_are_what_the_issue_asks() -> None:
    csv_layout, pipe = shipped("csv"), shipped("pipe")
    assert [field.value for field in csv_layout.columns] == [
        "序号", "姓名", "身份证号", "账号", "金额", "批次号", "键"]
    assert (csv_layout.encoding, csv_layout.header, csv_layout.excel) == ("utf-8-sig", True, True)
    assert (pipe.encoding, pipe.header, pipe.excel, pipe.delimiter) == ("gbk", False, False, "|")
    assert csv_layout.summary is not None
    assert csv_layout.summary.at == "last"
    assert pipe.summary is not None
    assert pipe.summary.at == "first"
    assert [item.value for item in pipe.summary.holds] == ["日期", "单位", "笔数", "总金额"]
    assert parse_layout(GOOD, "x").name == "mine"


@given(text=st.one_of(
    st.from_regex(r"[0-9]{14,20}", fullmatch=True),
    st.text(alphabet="0123456789 -'\u3000x", min_size=0, max_size=24)))
def test_the_quick_card_check_accepts_only_what_the_careful_one_returns_unchanged(
        text: str) -> None:
    try:
        careful: str | None = account_digits(text)
    except BadAccount:
        careful = None
    assert plainly_a_card(text) == (careful == text)
    if text.isascii() and text.isdigit() and 16 <= len(text) <= 19:
        assert plainly_a_card(text) == luhn.is_valid(text)


def test_keys_that_share_a_digest_are_told_apart(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Every key one digest: each line is a candidate, and the keys themselves decide.
    monkeypatch.setattr("welfare_calc.payroll.bank.id_digest", lambda key: 7)
    target = tmp_path / "代发.txt"
    assert write_bank_file(PAYMENTS, shipped("pipe"), target, **WRITTEN).count == 3  # type: ignore[arg-type]
    assert target.read_bytes() == PIPE_TEXT.encode("gbk")
    with pytest.raises(BankFileRefused, match="第 1 笔和第 3 笔"):
        write_bank_file([*PAYMENTS[:2], PAYMENTS[0]], shipped("csv"), tmp_path / "代发.csv",
                        **WRITTEN)  # type: ignore[arg-type]
