"""Files that look right but are not (issue 17 §6): last run's result fed back in, Excel's
"Unicode 文本" export, and cells separated by something other than commas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from welfare_calc.cli import cli

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages


def refused(tmp_path: Path, name: str, content: bytes, *options: str) -> str:
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "out.csv"
    done = CliRunner().invoke(cli, ["batch", str(source), "--through", "2020-08", "-o", str(out),
                                    *options])
    assert done.exit_code == 2, done.output
    assert not out.exists()
    assert done.stderr.count("\n") == 1
    return done.stderr


@pytest.mark.parametrize(("header", "column"), [
    pytest.param("id,category,persons,income,start,end,months,backpay,monthly,overpaid,"
                 "newly_eligible", "months", id="an English result"),
    pytest.param("编号,类别,保障人数,家庭月人均收入,起始月份,截止月份,增补月数,增补金额,月保障金,"
                 "多发金额,因提标新纳入", "增补月数", id="a Chinese result"),
    pytest.param("id,category,persons,income,start,end,Backpay", "Backpay",
                 id="one computed column in another case"),
    pytest.param("身份证号,保障类别,保障人数,家庭月人均收入（元）,起始月份,截止月份,增补金额（元）",
                 "增补金额（元）", id="a computed column with its unit"),
])
def test_a_column_the_run_computes_is_refused_in_the_input(tmp_path: Path, header: str,
                                                          column: str) -> None:
    message = refused(tmp_path, "last-month.csv", (header + "\n").encode("utf-8"))
    assert f"the input has a column {column!r}, which this run computes" in message
    assert "is it the result of an earlier run?" in message


def test_last_months_workbook_result_is_refused_as_input(tmp_path: Path) -> None:
    roster = tmp_path / "in.csv"
    roster.write_text("id,category,persons,income,start,end\nH1,urban-dibao,3,200,,\n",
                      encoding="utf-8")
    result = tmp_path / "结果.xlsx"
    first = CliRunner().invoke(cli, ["batch", str(roster), "--through", "2020-08", "-o",
                                     str(result)])
    assert first.exit_code == 0, first.output
    message = refused(tmp_path, "结果.xlsx", result.read_bytes())
    assert "which this run computes (months)" in message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_excels_unicode_text_export_is_named_for_what_it_is(tmp_path: Path,
                                                            encoding: str) -> None:
    text = "编号\t保障类别\t保障人数\r\nH1\t城市低保\t3\r\n"
    message = refused(tmp_path, "花名册.txt", text.encode(encoding))
    assert "the file is UTF-16 text (what Excel saves as \"Unicode 文本\"" in message
    assert "CR only" not in message


@pytest.mark.parametrize(("separator", "name"), [("\t", "tabs"), (";", "semicolons"),
                                                  ("|", "vertical bars")])
def test_another_delimiter_is_named(tmp_path: Path, separator: str, name: str) -> None:
    header = separator.join(["id", "category", "persons", "income", "start", "end"])
    row = separator.join(["H1", "urban-dibao", "3", "200", "", ""])
    message = refused(tmp_path, "in.csv", f"{header}\n{row}\n".encode())
    assert f"the header's cells are separated by {name}, not commas" in message


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
@pytest.mark.parametrize("output", ["out.csv", "out.xlsx"])
def test_an_endless_device_as_input_is_refused_not_read_for_ever(tmp_path: Path,
                                                                  output: str) -> None:
    # A workbook's output once counted the input's rows first: for ever, on a device.
    done = subprocess.run([sys.executable, "-m", "welfare_calc", "batch", "/dev/zero",
                           "--through", "2020-08", "-o", str(tmp_path / output)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == "Error: /dev/zero: line 1: the header has no line end\n"
