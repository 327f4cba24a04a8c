"""One person, one id: every spelling of a resident ID number is compared and written in
one canonical form (issue 17 §3), in the core, the row path and the fast lane."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from welfare_calc.cli import cli
from welfare_calc.core.errors import InvalidId
from welfare_calc.core.identity import canonical_id, check_id, is_canonical_id

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages

# Synthetic ID numbers (region 370303, born 1900-01-01 and 1985-07-12), check digits by GB 11643.
WITH_X = "37030319000101018X"
OLD = "370303850712001"
OLD_AS_NEW = "370303198507120016"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_the_worked_ids_are_real_check_digits() -> None:
    assert ric.calc_check_digit(WITH_X) == "X"  # (born 1900: no region then)
    assert OLD_AS_NEW[:17] == OLD[:6] + "19" + OLD[6:]
    assert ric.is_valid(OLD_AS_NEW)


@pytest.mark.parametrize(("typed", "canonical"), [
    pytest.param(WITH_X, WITH_X, id="already canonical"),
    pytest.param(WITH_X.lower(), WITH_X, id="lower-case x as clerks type it"),
    pytest.param(WITH_X.translate(FULL_WIDTH), WITH_X, id="full-width digits and X"),
    pytest.param(WITH_X[:17].translate(FULL_WIDTH) + "ｘ", WITH_X, id="full-width lower x"),
    pytest.param(f"  {WITH_X.lower()} ", WITH_X, id="spaces around"),
    pytest.param(OLD, OLD_AS_NEW, id="15-digit first-generation number"),
    pytest.param(OLD.translate(FULL_WIDTH), OLD_AS_NEW, id="15-digit in full-width digits"),
    pytest.param("370303201300001", "370303201300001", id="15-digit case number: no date"),
    pytest.param("H1", "H1", id="a case number"),
    pytest.param("编号１２", "编号12", id="a case number with full-width digits"),
])
def test_every_spelling_has_one_canonical_form(typed: str, canonical: str) -> None:
    assert canonical_id(typed) == canonical
    assert check_id(typed) == canonical
    assert is_canonical_id(canonical)
    assert is_canonical_id(typed) == (typed == canonical)


@pytest.mark.parametrize(("typed", "message"), [
    pytest.param("370303190001010181", "last character should be X", id="wrong check digit"),
    pytest.param("370303190001010181".translate(FULL_WIDTH), "last character should be X",
                 id="wrong check digit in full-width digits"),
    pytest.param("   ", "empty id", id="blank"),
])
def test_a_wrong_id_is_refused_in_every_spelling(typed: str, message: str) -> None:
    with pytest.raises(InvalidId, match=message):
        check_id(typed)


@given(st.integers(0, 99999999999999999).map(lambda n: f"{n:017d}"))
def test_the_spellings_of_any_id_meet(body: str) -> None:
    ident = body + ric.calc_check_digit(body + "0")
    spellings = {ident, ident.lower(), ident.translate(FULL_WIDTH), f" {ident}\u3000"}
    assert {canonical_id(spelling) for spelling in spellings} == {ident}


def run_batch(tmp_path: Path, rows: list[str], *options: str) -> tuple[int, list[list[str]],
                                                                          list[dict[str, str]]]:
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end\n" + "".join(rows),
                      encoding="utf-8")
    out = tmp_path / "out.csv"
    done = CliRunner().invoke(cli, ["batch", str(source), "--through", "2020-08", "-o",
                                    str(out), *options], catch_exceptions=False)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.reader(handle))
    errors = tmp_path / "out.csv.errors.csv"
    rejected = []
    if errors.exists():
        with errors.open(encoding="utf-8-sig", newline="") as handle:
            rejected = list(csv.DictReader(handle))
    return done.exit_code, written, rejected


PLAIN = [f"H{number},urban-dibao,3,200,,\n" for number in range(5000)]
"""Enough plain rows for the fast lane to read the chunk."""


@pytest.mark.parametrize("lane", [False, True], ids=["row by row", "with the fast lane"])
@pytest.mark.parametrize(("first", "second"), [
    pytest.param(WITH_X, WITH_X.lower(), id="X and x"),
    pytest.param(OLD_AS_NEW, OLD, id="18 and 15 digits"),
    pytest.param(WITH_X, WITH_X.translate(FULL_WIDTH), id="ASCII and full-width"),
    pytest.param(OLD.translate(FULL_WIDTH), OLD_AS_NEW.lower(), id="full-width 15 and 18"),
])
def test_one_person_under_two_spellings_is_paid_once(tmp_path: Path, lane: bool, first: str,
                                                     second: str) -> None:
    filler = PLAIN if lane else []
    code, written, rejected = run_batch(tmp_path, [
        *filler, f"{first},urban-dibao,3,200,,\n", f"{second},urban-dibao,3,200,2020-05,\n"])
    assert code == 1
    assert [row["reason"] for row in rejected] == [
        f"same id as line {len(filler) + 3} with overlapping coverage: possible double payment",
        f"same id as line {len(filler) + 2} with overlapping coverage: possible double payment"]
    assert len(written) == 1 + len(filler)


@pytest.mark.parametrize("lane", [False, True], ids=["row by row", "with the fast lane"])
def test_the_canonical_form_is_written_instead_of_what_was_typed(tmp_path: Path,
                                                                 lane: bool) -> None:
    filler = PLAIN if lane else []
    code, written, _ = run_batch(tmp_path, [
        *filler, f"{WITH_X.lower()},urban-dibao,3,200,,\n", f"{OLD},urban-dibao,3,200,,\n",
        f"{WITH_X[:10].translate(FULL_WIDTH)}Z,urban-dibao,3,200,,\n"])
    assert code == 0
    assert [row[0] for row in written[-3:]] == [WITH_X, OLD_AS_NEW, WITH_X[:10] + "Z"]
    assert written[-2][-5:] == ["8", "1440.00", "1380.00", "0.00", "false"]
