"""Numbers as people type them: huge ones, full-width ones, spaced ones, one rule everywhere.

A cell or option of thousands of digits is refused on its own (the batch
goes on with the other rows); full-width digits, as Chinese input methods
type them, are read as the digits they are, in every numeric cell and
option, in the CLI and the batch alike.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from welfare_calc.cli import cli
from welfare_calc.core.money import RoundingMode, parse_money, quantize

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages

HEADER = "id,category,persons,income,start,end,paid\n"
GOOD = "H0,urban-dibao,3,200,,,\n"


def batch(tmp_path: Path, rows: str) -> tuple[Result, list[dict[str, str]], list[dict[str, str]]]:
    source = tmp_path / "in.csv"
    source.write_text(HEADER + GOOD + rows, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["batch", str(source), "--through", "2020-08", "-o",
                                      str(out)], catch_exceptions=False)
    with out.open(encoding="utf-8", newline="") as written, \
            (tmp_path / "out.csv.errors.csv").open(encoding="utf-8", newline="") as errors:
        return result, list(csv.DictReader(written)), list(csv.DictReader(errors))


HUGE = "9" * 5000


@pytest.mark.parametrize(("row", "column"), [
    (f"H1,urban-dibao,{HUGE},0,,,\n", "persons"),
    (f"H1,urban-dibao,1,{HUGE},,,\n", "income"),
    (f"H1,urban-dibao,1,0,,,{HUGE}\n", "paid"),
    (f"H1,urban-dibao, {HUGE} ,0,,,\n", "persons"),
    (f"H1,urban-dibao,1, {HUGE}.5 ,,,\n", "income"),
    (f"H1,urban-dibao,1,0,,,{'1' * 30}\n", "paid"),
    (f"H1,urban-dibao,1,0,,, {'1' * 30} \n", "paid"),
    ("H1,urban-dibao,1000,0,,,\n", "persons"),
], ids=["persons", "income", "paid", "persons spaced", "income spaced", "30-digit paid",
        "30-digit paid spaced", "a thousand persons"])
def test_a_huge_number_rejects_its_row_only(tmp_path: Path, row: str, column: str) -> None:
    result, written, errors = batch(tmp_path, row)
    assert result.exit_code == 1
    assert [line["id"] for line in written] == ["H0"]
    assert [(line["line"], line["column"]) for line in errors] == [("3", column)]
    assert len(errors[0]["reason"]) < 200  # the message quotes a shortened value


def test_a_huge_amount_is_rounded_exactly() -> None:
    # Beyond Decimal's default 28 digits, rounding neither raises nor loses a digit.
    value = Fraction(10**40 + 1, 12)
    assert quantize(value, Decimal("0.01"), RoundingMode.HALF_UP) == Decimal(
        "833333333333333333333333333333333333333.42")


@pytest.mark.parametrize(("typed", "plain"), [
    ("３", "3"), ("２００．５０", "200.50"), ("２０２０-０５", "2020-05"),
    ("２０２０－０５", "2020-05"), (" ２ ", "2"),
], ids=["persons", "income", "month", "month with a full-width minus", "spaced"])
def test_full_width_digits_are_the_digits_they_are(tmp_path: Path, typed: str,
                                                   plain: str) -> None:
    # The same household written with ASCII digits and with full-width ones
    # gives the same amounts, in the batch and on the command line.
    column = {"３": 2, "２００．５０": 3, " ２ ": 2}.get(typed, 4)
    cells = ["H1", "urban-dibao", "1", "0", "", "", ""]
    cells[column] = typed
    ascii_cells = list(cells)
    ascii_cells[column] = plain
    ascii_cells[0] = "H2"
    result, written, errors = batch(tmp_path, ",".join(cells) + "\n" + ",".join(ascii_cells)
                                    + "\n")
    assert errors == []
    assert result.exit_code == 0
    assert [(row["months"], row["backpay"], row["monthly"]) for row in written[1:]] == [
        (written[2]["months"], written[2]["backpay"], written[2]["monthly"])] * 2
    option = {2: "--persons", 3: "--income", 4: "--start"}[column]
    answers = []
    for value in (typed, plain):
        args = ["-c", "urban-dibao", "-n", "1", "--through", "2020-08", "--format", "json",
                option, value]
        done = CliRunner().invoke(cli, ["backpay", *args], catch_exceptions=False)
        assert done.exit_code == 0, done.stderr
        answers.append({key: value for key, value in json.loads(done.stdout).items()
                        if key in ("months", "backpay", "due")})
    assert answers[0] == answers[1]


@pytest.mark.parametrize("typed", ["²", "①", "3²", "1e3", "-3", "٣.٥٠٠"])
def test_what_is_not_a_decimal_digit_stays_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="is not an amount of yuan"):
        parse_money(typed)


def test_other_decimal_digits_count_too() -> None:
    assert parse_money("٣.٥٠") == Decimal("3.50")  # Arabic-Indic digits are digits
    assert parse_money("３") == Decimal(3)
