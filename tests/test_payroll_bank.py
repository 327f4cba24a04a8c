"""``payroll --bank-file`` (issue 30 §3): the bank file written with the 发放明细, whole or
not at all; its lines add to its summary and to the 发放明细's 其中：发放, and it leaves the
待核实账号 households out."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import csv_rows, invoker
from test_payroll import BAD, GOOD, HEADER, ROSTER, closing, households, households_, write_roster
from welfare_calc.cli.payroll import default_batch_no
from welfare_calc.core.months import Month


def fen(text: str) -> int:
    """An amount with two decimals, in fen (exact: no float)."""
    whole, _point, cents = text.partition(".")
    return int(whole) * 100 + int(cents.ljust(2, "0"))


def bank_lines(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """The csv layout's payment lines (by its header), and its 合计 line's cells."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    header, *lines, total = rows
    return [dict(zip(header, line, strict=True)) for line in lines], total


def test_the_bank_file_holds_the_payments_sent_and_says_so(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    done = invoker()("payroll", str(roster), "--month", "2024-05", "-o",
                     str(tmp_path / "发放明细.csv"), "--bank-file", str(tmp_path / "代发.csv"),
                     "--batch-no", "202405001")
    assert done.exit_code == 0, done.output
    lines, total = bank_lines(tmp_path / "代发.csv")
    # 张秀英 2417.00 and 王桂兰 2005.00 (her account typed with spaces); 李建国 (a check
    # digit mistyped) and 赵明 (no account) are 待核实账号, held back.
    assert [(line["姓名"], line["账号"].strip(), line["金额"], line["批次号"], line["键"])
            for line in lines] == [
        ("张秀英", GOOD, "2417.00", "202405001", "2024-05:110105190001011012"),
        ("王桂兰", GOOD, "2005.00", "202405001", "2024-05:110105190001011039")]
    assert total == ["合计", "2", "4422.00"]
    assert closing(tmp_path / "发放明细.csv", "其中：发放")["户月保障金（元）"] == "4422.00"
    assert done.stderr.strip().endswith("；写入代发文件 {}：2 笔，4422.00 元".format(
        tmp_path / "代发.csv"))


def test_the_pipe_layout_needs_the_office_its_summary_names(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    args = ("payroll", str(roster), "--month", "2024-05", "-o", str(tmp_path / "o.csv"),
            "--bank-file", str(tmp_path / "代发.txt"), "--bank-layout", "pipe")
    refused = invoker()(*args)
    assert refused.exit_code == 2
    assert "--office" in refused.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["r.csv"]
    done = invoker()(*args, "--office", "周村区民政局")
    assert done.exit_code == 0, done.output
    summary, *lines = (tmp_path / "代发.txt").read_text(encoding="gbk").splitlines()
    assert summary.split("|")[1:] == ["周村区民政局", "2", "4422.00"]
    batch = default_batch_no(Month(2024, 5), "周村区民政局")
    assert [line.split("|")[5] for line in lines] == [batch, batch]


def test_the_default_batch_number_is_digits_stable_for_a_month_and_office() -> None:
    may = Month(2024, 5)
    number = default_batch_no(may, "周村区民政局")
    assert number.isascii()
    assert number.isdigit()
    assert len(number) == 10
    assert number.startswith("202405")
    assert default_batch_no(may, "周村区民政局") == number
    assert default_batch_no(Month(2024, 6), "周村区民政局")[6:] == number[6:]
    assert default_batch_no(may, "萌水镇人民政府") != number


@pytest.mark.parametrize("same", ["roster", "output", "summary"])
def test_a_bank_file_that_is_another_file_of_the_run_is_refused(tmp_path: Path,
                                                                same: str) -> None:
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    before = roster.read_bytes()
    target = {"roster": roster, "output": tmp_path / "o.csv",
              "summary": tmp_path / "s.json"}[same]
    done = invoker()("payroll", str(roster), "--month", "2024-05", "-o", str(tmp_path / "o.csv"),
                     "--summary", str(tmp_path / "s.json"), "--bank-file", str(target))
    assert done.exit_code == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("错误：--bank-file"), lines
    assert sorted(path.name for path in tmp_path.iterdir()) == ["r.csv"]
    assert roster.read_bytes() == before


@pytest.mark.parametrize(("options", "words"), [
    (("--bank-layout", "pipe"), "--bank-file"),
    (("--batch-no", "1"), "--bank-file"),
    (("--bank-file", "-"), "--bank-file"),
    (("--bank-file", "b.csv", "--bank-layout", "tsv"), "--bank-layout tsv"),
    (("--bank-file", "b.csv", "--batch-no", " "), "--batch-no"),
])
def test_bank_options_that_cannot_be_used(tmp_path: Path, options: tuple[str, ...],
                                          words: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    done = invoker()("payroll", str(roster), "--month", "2024-05", "-o", "o.csv", *options)
    assert done.exit_code == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("错误："), lines
    assert words in lines[0], lines
    assert sorted(path.name for path in tmp_path.iterdir()) == ["r.csv"]


@pytest.mark.parametrize("output", ["o.csv", "o.xlsx"])
def test_a_fault_in_the_bank_writer_leaves_nothing_written(
        tmp_path: Path, output: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bank writer fails half-way, after the 发放明细 is written: no
    file of the run is put in place, the old ones are kept, and no temporary file (with
    names, ids or accounts) is left, here or in the temporary folder."""
    from welfare_calc.payroll import bank  # noqa: PLC0415

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    real = bank.BankFile.add
    calls = []

    def failing(self: bank.BankFile, text: bytes, count: int, fen: int) -> None:
        calls.append(count)
        real(self, text[:len(text) // 2], count, fen)  # (half its lines written, then it fails)
        raise bank.BankFileRefused("injected: the writer fails half-way")

    monkeypatch.setattr(bank.BankFile, "add", failing)
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    (tmp_path / "代发.csv").write_bytes(b"last month's")
    (tmp_path / output).write_bytes(b"last month's")
    done = invoker()("payroll", str(roster), "--month", "2024-05", "-o",
                     str(tmp_path / output), "--summary", str(tmp_path / "s.json"),
                     "--bank-file", str(tmp_path / "代发.csv"))
    assert done.exit_code == 2
    assert "injected" in done.stderr
    assert calls == [2]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        ["r.csv", "tmp", "代发.csv", output])
    assert (tmp_path / "代发.csv").read_bytes() == b"last month's"
    assert (tmp_path / output).read_bytes() == b"last month's"
    assert list(scratch.iterdir()) == []


def test_the_bank_file_is_locked_with_the_run(tmp_path: Path) -> None:
    """Another run writing the same bank file is refused before anything is read."""
    from filelock import FileLock  # noqa: PLC0415

    from welfare_calc.batch.write.targets import lock_path  # noqa: PLC0415

    roster = write_roster(tmp_path / "r.csv", ROSTER)
    target = tmp_path / "代发.csv"
    with FileLock(lock_path(target)):
        done = invoker()("payroll", str(roster), "--month", "2024-05", "-o",
                         str(tmp_path / "o.csv"), "--bank-file", str(target))
    assert done.exit_code == 2
    assert str(target) in done.stderr
    assert not target.exists()
    assert not (tmp_path / "o.csv").exists()


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=st.lists(households_(), min_size=1, max_size=30))
def test_lines_add_to_the_summary_and_to_the_sent_total(drawn: list[list[str]]) -> None:
    """Σ lines = the bank file's 合计 = the 发放明细's 其中：发放, and the bank file holds
    exactly the households sent (none held back as 待核实账号), over random rosters with
    bad and missing accounts."""
    rows = [[str(number), "萌水镇", f"户{number}", f"1101051900{number:08d}", *cells[:7],
             "银行", cells[7]] for number, cells in enumerate(drawn, 1)]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        roster = write_roster(tmp / "r.csv", rows, [*HEADER[:3], "编号", *HEADER[4:]])
        done = invoker()("payroll", str(roster), "--month", "2024-05", "-o",
                         str(tmp / "out.csv"), "--bank-file", str(tmp / "代发.csv"))
        assert done.exit_code in (0, 1), done.output
        lines, total = bank_lines(tmp / "代发.csv")
        listed = households(tmp / "out.csv")
        sent_total = closing(tmp / "out.csv", "其中：发放")["户月保障金（元）"]
    sent = [row for row in listed if row["发放状态"] == "发放"]
    assert total[0] == "合计"
    assert int(total[1]) == len(lines) == len(sent)
    assert sum(fen(line["金额"]) for line in lines) == fen(total[2]) == fen(sent_total)
    assert [line["键"] for line in lines] == [f"2024-05:{row['编号']}" for row in sent]
    assert [fen(line["金额"]) for line in lines] == [fen(row["户月保障金（元）"])
                                                    for row in sent]
    assert BAD not in {line["账号"].strip() for line in lines}


def test_csv_rows_helper_reads_the_bank_file_too(tmp_path: Path) -> None:
    """(The bank file's csv layout is a CSV a spreadsheet reads: its header by name.)"""
    roster = write_roster(tmp_path / "r.csv", ROSTER)
    assert invoker()("payroll", str(roster), "--month", "2024-05", "-o",
                     str(tmp_path / "o.csv"), "--bank-file",
                     str(tmp_path / "b.csv")).exit_code == 0
    assert [row["序号"] for row in csv_rows(tmp_path / "b.csv")] == ["1", "2", "合计"]


def test_the_examples_bank_file_is_what_the_command_writes(tmp_path: Path) -> None:
    """docs/payroll.md reconciles examples/payroll_代发_2024-05.csv: the bank file the
    payroll writes of examples/payroll_roster.csv (the csv layout carries no date)."""
    examples = Path(__file__).parent.parent / "examples"
    done = invoker()("payroll", str(examples / "payroll_roster.csv"), "--month", "2024-05",
                     "-o", str(tmp_path / "o.csv"), "--bank-file", str(tmp_path / "代发.csv"))
    assert done.exit_code == 0, done.output
    assert (tmp_path / "代发.csv").read_bytes() == (
        examples / "payroll_代发_2024-05.csv").read_bytes()
