"""What personal data looks like (docs/rules.md rule 13), and the 公示 list that refuses to
group by it (issue 26 §6): ``publicity --group-by 身份证号`` printed every ID number of
the list as its groups' titles, and 联系电话 or 家庭住址 every phone number or address."""

from __future__ import annotations

import csv
import gettext
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from helpers import invoker
from test_documents import HEADER, ROWS, every_cell, resident_id, roster
from welfare_calc.core import words
from welfare_calc.core.personal import personal_numbers


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages asserted in English, whatever language an earlier test chose."""
    monkeypatch.setenv("WELFARE_CALC_LANG", "en")
    monkeypatch.setattr(words, "_catalogue", gettext.NullTranslations())


WITH_X = "37030319000101018X"


@pytest.mark.parametrize(("text", "found"), [
    pytest.param(WITH_X, ["37030319000101018", WITH_X], id="an ID number"),
    pytest.param("370303 19000101 018x", ["37030319000101018", WITH_X],
                 id="an ID number in groups, lower-case x"),
    pytest.param("370303  19000101  018X", [WITH_X], id="groups split by two spaces"),
    pytest.param("３７０３０３１９０００１０１０１８Ｘ", ["37030319000101018", WITH_X],
                 id="full-width digits"),
    pytest.param("37030319\u200b000101018X", ["37030319000101018", WITH_X],
                 id="a zero-width space inside"),
    pytest.param("张37030319000101018X", ["37030319000101018", WITH_X], id="inside a name"),
    pytest.param("13805331234", ["13805331234"], id="a mobile phone number"),
    pytest.param("138-0533-1234", ["13805331234"], id="a mobile number with dashes"),
    pytest.param("电话 138 0533 1234", ["13805331234"], id="a mobile number with spaces"),
    pytest.param("0533-6181234", ["05336181234"], id="a landline with its area code"),
    pytest.param("6217 0024 3001 2345 678", ["6217002430012345678"], id="a bank card"),
    pytest.param("6228480000000000017", ["6228480000000000017"], id="an account"),
    pytest.param("370303001001", ["370303001001"],
                 id="a village's 12-digit code: not told from an account"),
])
def test_personal_numbers_are_found(text: str, found: list[str]) -> None:
    assert personal_numbers(text) == found


@pytest.mark.parametrize("text", [
    "青年路街道", "A社区", "2020年8月12日至8月18日", "2020-08-12", "青年路12号", "1440.00",
    "370303001", "H000000001", "ZC-2020-001", "6181234", "公示期：2020年8月12日至8月18日",
    "萌水镇人民政府", "",
])
def test_what_a_notice_may_print_is_not_found(text: str) -> None:
    assert personal_numbers(text) == []


@given(st.integers(0, 10**17 - 1), st.sampled_from(["", " ", "-", "\u3000"]),
       st.text(st.characters(categories=("Lo",)), max_size=3))
def test_every_id_number_is_found_however_it_is_split(body: int, mark: str,
                                                      around: str) -> None:
    ident = f"{body:017d}" + ric.calc_check_digit(f"{body:017d}0")
    written = f"{around}{ident[:6]}{mark}{ident[6:14]}{mark}{ident[14:]}{around}"
    assert ident in personal_numbers(written)


# --- the 公示 list refuses a group whose titles would print them -------------------------

COLUMNS = [*HEADER, "行政区划代码"]


def extended(rows: list[list[str]]) -> list[list[str]]:
    return [[*row, f"370303{index:03d}{index:03d}"] for index, row in enumerate(rows)]


def publicity(tmp_path: Path, *group_by: str, rows: list[list[str]] | None = None,
              options: tuple[str, ...] = ()) -> tuple[int, str, Path]:
    out = tmp_path / "公示名单.xlsx"
    arguments = [argument for level in group_by for argument in ("--group-by", level)]
    done = invoker()("publicity", str(roster(tmp_path, extended(rows or ROWS), COLUMNS)),
                     "--month", "2020-08", "-o", str(out), "--period", "2020年8月",
                     *arguments, *options)
    return done.exit_code, done.stderr, out


@pytest.mark.parametrize(("group_by", "says"), [
    pytest.param(["身份证号"], "--group-by 身份证号: that is the roster's id column",
                 id="the ids"),
    pytest.param(["乡镇（街道）", "身份证号:7"], "--group-by 身份证号:7: that is the roster's id",
                 id="an id's birth year"),
    pytest.param(["姓名"], "--group-by 姓名: that is the column of names", id="the names"),
    pytest.param(["家庭住址"], "--group-by 家庭住址: the column holds addresses",
                 id="the addresses"),
    pytest.param(["联系电话"], "--group-by 联系电话: the column holds long numbers",
                 id="the phone numbers"),
    pytest.param(["银行账号"], "--group-by 银行账号: the column holds long numbers",
                 id="the accounts"),
    pytest.param(["乡镇（街道）", "银行账号:12"], "--group-by 银行账号:12: the column holds",
                 id="an account's first 12 digits, as a second level"),
    pytest.param(["行政区划代码"], "or by the first 9 characters of a 12-digit code",
                 id="a village's 12-digit code: said how to group by it"),
])
def test_a_list_is_never_grouped_by_personal_data(tmp_path: Path, group_by: list[str],
                                                  says: str) -> None:
    code, stderr, out = publicity(tmp_path, *group_by)
    assert code == 2
    assert stderr.count("\n") == 1
    assert stderr.startswith("Error: ")
    assert says in stderr
    assert not out.exists()


def test_a_name_column_given_by_its_header_is_refused_too(tmp_path: Path) -> None:
    code, stderr, _ = publicity(tmp_path, "开户银行", options=("--name-column", "开户银行"))
    assert code == 2
    assert "--group-by 开户银行: that is the column of names" in stderr


def test_a_phone_number_in_one_cell_refuses_the_column(tmp_path: Path) -> None:
    # One household's village typed as its phone number: the column is refused, not the
    # list printed with the number on a sheet's title.
    rows = [list(row) for row in ROWS]
    rows[3][8] = "13905330000"
    code, stderr, out = publicity(tmp_path, "乡镇（街道）", "村（社区）", rows=rows)
    assert code == 2
    assert "--group-by 村（社区）: the column holds long numbers" in stderr
    assert not out.exists()


@pytest.mark.parametrize("group_by", [["乡镇（街道）", "村（社区）"], ["行政区划代码:9"],
                                      ["身份证号:6"], ["联系电话:3"]],
                         ids=["town and village", "a town's code", "an id's county",
                              "a phone's first digits"])
def test_groups_that_print_nothing_personal_are_listed(tmp_path: Path,
                                                       group_by: list[str]) -> None:
    code, _, out = publicity(tmp_path, *group_by)
    assert code == 0
    for text in every_cell(out):
        assert not personal_numbers(text), text


def test_the_batch_groups_by_any_column_for_finance(tmp_path: Path) -> None:
    # The batch's 资金汇总 goes to finance with the output, which holds every column of
    # the roster, ids and accounts too: grouping by one shows nothing new, and a
    # village's 12-digit code, which the scan cannot tell from an account, is a group
    # finance uses.
    source = roster(tmp_path, extended(ROWS), COLUMNS)
    summary = tmp_path / "汇总.csv"
    done = invoker()("batch", str(source), "--through", "2020-08", "-o",
                     str(tmp_path / "out.csv"), "--group-by", "行政区划代码",
                     "--summary-csv", str(summary))
    assert done.exit_code == 0, done.output
    with summary.open(encoding="utf-8-sig", newline="") as handle:
        groups = [row[0] for row in csv.reader(handle)][1:-1]
    assert groups == [f"370303{index:03d}{index:03d}" for index in range(len(ROWS))]


def test_an_id_column_is_refused_before_a_row_is_read(tmp_path: Path) -> None:
    rows = [list(ROWS[0]), ["X" * 10, *ROWS[1][1:]]]  # (a bad row is not even reported)
    code, stderr, _ = publicity(tmp_path, "身份证号", rows=rows)
    assert code == 2
    assert "rejected" not in stderr
    assert resident_id(1) not in stderr
