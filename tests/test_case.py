"""Whose case a 计算单 is (issue 29 §1): ``backpay --explain`` and ``entitlement --explain``
take ``--name``, ``--id`` and ``--locality``, print them at the head of the written-out
calculation, and nowhere else: never in JSON or CSV, never in a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from helpers import invoker
from welfare_calc.output.case import Case
from welfare_calc.output.formats import Lang

NAME, ID, LOCALITY = "欧阳秀英", "11010519000101001X", "周村区王村镇萌水村"
BACKPAY = ("backpay", "-c", "城市低保", "-n", "3", "--income", "200", "--through", "2020-08")
ENTITLEMENT = ("entitlement", "-c", "农村特困", "-n", "1", "--month", "2020-05")
CASE = ("--name", NAME, "--id", ID, "--locality", LOCALITY)
run = invoker()


def explanation(done: Result) -> list[str]:
    """The written-out calculation's lines (after the table)."""
    assert done.exit_code == 0, done.stderr
    return done.stdout.split("\n\n", 1)[1].splitlines()


@pytest.mark.parametrize("command", [BACKPAY, ENTITLEMENT], ids=["backpay", "entitlement"])
def test_the_case_heads_the_written_out_calculation(command: tuple[str, ...]) -> None:
    done = run(*command, "--explain", *CASE)
    lines = explanation(done)
    assert lines[0] == f"户主姓名：{NAME}　身份证号：{ID}　属地：{LOCALITY}"
    assert lines[1].startswith(("提标增补计算过程：", "计算过程："))
    # Only there: the table above it is the command's, as without a case.
    assert done.stdout.split("\n\n", 1)[0] == run(*command).stdout.rstrip("\n")
    assert done.stdout.count(NAME) == 1
    assert done.stderr == ""


def test_in_english_and_with_only_some_fields() -> None:
    lines = explanation(run(*BACKPAY, "--explain", "--lang", "en", "--name", NAME,
                            "--locality", f"  {LOCALITY} "))
    assert lines[0] == f"Head of household: {NAME}; Locality: {LOCALITY}"
    assert lines[1].startswith("Back-pay calculation:")
    # A field given empty is no field: the calculation is as without one.
    done = run(*BACKPAY, "--explain", "--name", " ", "--id", "")
    assert done.stdout == run(*BACKPAY, "--explain").stdout


@pytest.mark.parametrize("extra", [
    pytest.param((), id="without --explain"),
    pytest.param(("--explain", "--format", "json"), id="JSON"),
    pytest.param(("--explain", "--format", "csv"), id="CSV"),
    pytest.param(("--format", "json"), id="JSON without --explain"),
])
@pytest.mark.parametrize("command", [BACKPAY, ENTITLEMENT], ids=["backpay", "entitlement"])
@pytest.mark.parametrize("given", [("--name", NAME), ("--id", ID), ("--locality", LOCALITY)],
                         ids=["name", "id", "locality"])
def test_the_case_is_never_written_into_data(command: tuple[str, ...], extra: tuple[str, ...],
                                             given: tuple[str, str]) -> None:
    # Refused, not dropped: a script that gives them learns they go nowhere it can keep.
    done = run(*command, *extra, *given)
    assert done.exit_code == 2
    assert done.stdout == ""
    assert done.stderr == ("错误：--name、--id 和 --locality 只打印在计算过程上：请同时给出 "
                           "--explain，且不用 --format json 或 csv（这些信息从不写入数据）\n")
    assert given[1] not in done.stderr


@pytest.mark.parametrize(("typed", "said"), [
    pytest.param("110105190001010011", "身份证号码未通过 GB 11643 校验（最后一位应为 X）",
                 id="a wrong check digit"),
    pytest.param("11010519000101001", "有 17 位", id="a digit missed"),
    pytest.param("ZC-0012", "不是居民身份证号码", id="a case number"),
])
def test_an_id_that_is_no_id_number_is_said_and_printed_as_typed(typed: str, said: str) -> None:
    done = run(*BACKPAY, "--explain", "--id", typed)
    assert done.exit_code == 0  # (a typo told, never a refusal: the calculation stands)
    assert done.stderr.startswith("提示：--id：")
    assert said in done.stderr
    assert done.stderr.endswith("；计算过程中照录所填\n")
    assert explanation(done)[0] == f"身份证号：{typed}"


@pytest.mark.parametrize("typed", ["11010519000101001X", "11010519000101001x", "110105000101001",
                                   "110105 19000101 001X"],
                         ids=["18 digits", "a lower-case x", "a first-generation card",
                              "in groups"])
def test_an_id_number_however_typed_is_printed_as_typed_and_not_questioned(typed: str) -> None:
    done = run(*BACKPAY, "--explain", "--id", typed)
    assert done.stderr == ""
    assert explanation(done)[0] == f"身份证号：{typed}"


@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)).map(lambda born: born.strftime("%Y%m%d")),
       st.integers(110000, 659999),
       st.integers(0, 999))
def test_every_valid_id_number_passes_and_every_other_check_digit_fails(
        born: str, region: int, order: int) -> None:
    body = f"{region}{born}{order:03d}"
    right = body + ric.calc_check_digit(body + "0")
    assert Case(id=right).id_problem() is None
    for wrong in "0123456789X":
        if wrong != right[-1]:
            assert "校验" in (Case(id=body + wrong).id_problem() or "")


def test_a_case_is_never_shown_by_its_repr() -> None:
    case = Case.typed(NAME, ID, None)
    assert NAME not in repr(case)
    assert ID not in repr(case)
    assert repr(case) == "Case(name=…, id=…)"
    assert case.line(Lang.ZH) == f"户主姓名：{NAME}　身份证号：{ID}"
    assert not Case.typed(" ", None, "")


def test_nothing_of_the_case_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The one file a call writes is the standards table's cache: it holds no case.
    cache = tmp_path / "cache"
    monkeypatch.setenv("WELFARE_CALC_CACHE", str(cache))
    monkeypatch.setenv("HOME", str(tmp_path))
    for command in (BACKPAY, ENTITLEMENT):
        assert run(*command, "--explain", *CASE).exit_code == 0
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert written  # (the cache was written, so the search is not vacuous)
    for path in written:
        data = path.read_bytes()
        for value in (NAME, ID, LOCALITY):
            assert value.encode() not in data, path
