"""Streams and the process environment (issue 17 §5): every one of these ends in one
``Error:`` line and a non-zero exit (2 where nothing was done), never a traceback, and
never exit 0 with the result lost."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from synthetic import write_households
from welfare_calc.batch.run import ledger
from welfare_calc.batch.write import staging
from welfare_calc.cli import cli

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "households.csv"
WELFARE_CALC = shutil.which("welfare-calc", path=str(Path(sys.executable).parent))
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="POSIX shells and descriptors")
BACKPAY = ["backpay", "-c", "urban-dibao", "-n", "3", "--income", "200", "--through", "2020-08"]


def shell(command: str, cwd: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """``welfare-calc …`` through sh, so the test can close and redirect descriptors."""
    assert WELFARE_CALC is not None
    return subprocess.run(["sh", "-c", command.replace("welfare-calc", f"'{WELFARE_CALC}'")],
                          cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **environment}, check=False)


def one_error_line(done: subprocess.CompletedProcess[str], code: int, said: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: "), lines[0]
    assert said in lines[0], lines[0]


@POSIX_ONLY
@pytest.mark.parametrize("command", [
    pytest.param("welfare-calc " + " ".join(BACKPAY), id="backpay"),
    pytest.param("welfare-calc entitlement -c rural-tekun -n 1 --format json", id="entitlement"),
    pytest.param(f"welfare-calc batch '{EXAMPLE}' --through 2020-08", id="batch to stdout"),
    pytest.param(f"welfare-calc batch '{EXAMPLE}' --through 2020-08 -o out.csv --summary -",
                 id="batch summary to stdout"),
])
def test_a_closed_stdout_is_an_error_not_a_lost_result(tmp_path: Path, command: str) -> None:
    done = shell(command + " >&-", tmp_path)
    one_error_line(done, 2, "standard output is closed, so the result would be lost")
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize("command", [
    pytest.param("welfare-calc " + " ".join(BACKPAY), id="backpay"),
    pytest.param("welfare-calc " + " ".join(BACKPAY) + " --format json --explain",
                 id="backpay as JSON"),
    pytest.param(f"welfare-calc batch '{EXAMPLE}' --through 2020-08", id="batch"),
])
def test_stdout_on_a_full_disk_is_an_error(tmp_path: Path, command: str) -> None:
    done = shell(command + " > /dev/full", tmp_path)
    one_error_line(done, 2, "cannot write to standard output: the disk is full")


@POSIX_ONLY
def test_a_closed_stdin_is_an_error(tmp_path: Path) -> None:
    done = shell("welfare-calc batch - --through 2020-08 -o out.csv <&-", tmp_path)
    one_error_line(done, 2, "standard input is closed")
    assert list(tmp_path.iterdir()) == []


@POSIX_ONLY
def test_without_stderr_the_run_still_writes_its_files(tmp_path: Path) -> None:
    done = shell(f"welfare-calc batch '{EXAMPLE}' --through 2020-08 -o out.csv 2>&-", tmp_path)
    assert done.returncode == 1  # the example has rejected rows
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").startswith("id,")
    assert (tmp_path / "out.csv.errors.csv").exists()


def test_with_no_stderr_object_at_all_as_under_pythonw(tmp_path: Path) -> None:
    """pythonw.exe, a scheduled task or a service: ``sys.stderr`` is None, not a stream."""
    code = ("import sys; sys.stderr = None; sys.argv = ['welfare-calc', 'batch', sys.argv[1], "
            "'--through', '2020-08', '-o', 'out.xlsx']\n"
            "from welfare_calc.cli import main\nmain()")
    done = subprocess.run([sys.executable, "-c", code, str(EXAMPLE)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    assert (tmp_path / "out.xlsx").stat().st_size > 1000


class FullTemporary:
    """A temporary file on a full TMPDIR: every write fails as a full disk does."""

    def __init__(self) -> None:
        self.closed = False

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    flush = write

    def close(self) -> None:
        self.closed = True


def test_a_full_temporary_directory_is_one_line(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger.tempfile, "TemporaryFile", FullTemporary)
    done = CliRunner().invoke(cli, ["batch", str(EXAMPLE), "--through", "2020-08", "-o",
                                    str(tmp_path / "out.csv")])
    assert done.exit_code == 2
    assert done.stderr.endswith(": the disk is full; nothing was replaced\n")
    assert "welfare-calc-*" in done.stderr
    assert list(tmp_path.iterdir()) == []


def big_roster(folder: Path, rows: int = 20_000) -> Path:
    path = folder / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_households(handle, rows)
    return path


def test_a_really_full_temporary_directory(tmp_path: Path, small_disk: Path) -> None:
    done = shell(f"welfare-calc batch '{big_roster(tmp_path)}' --through 2020-08 -o out.csv",
                 tmp_path, TMPDIR=str(small_disk))
    one_error_line(done, 2, f"cannot write {small_disk}/welfare-calc-*: the disk is full")


def test_a_full_disk_during_a_workbook_is_one_line(tmp_path: Path, small_disk: Path) -> None:
    done = shell(f"welfare-calc batch '{big_roster(tmp_path)}' --through 2020-08 "
                 f"-o '{small_disk}/out.xlsx'", tmp_path)
    one_error_line(done, 2, "the disk is full; nothing was replaced")
    assert os.listdir(small_disk) == []


def test_a_failing_workbook_write_leaves_no_noise(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The archive XlsxWriter leaves behind must not try to finish itself later: pytest
    turns such an "Exception ignored" into an error of this test."""
    put = staging._Raw.put

    def full(self: staging._Raw, data: bytes, /) -> int:
        if self.label.name == "out.xlsx":
            raise OSError(errno.ENOSPC, "No space left on device")
        return put(self, data)

    monkeypatch.setattr(staging._Raw, "put", full)
    done = CliRunner().invoke(cli, ["batch", str(big_roster(tmp_path, 2000)), "--through",
                                    "2020-08", "-o", str(tmp_path / "out.xlsx")])
    assert done.exit_code == 2
    assert done.stderr == (f"Error: cannot write {tmp_path / 'out.xlsx'}: the disk is full; "
                           "nothing was replaced\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["big.csv"]


@POSIX_ONLY
@pytest.mark.parametrize("limit", [9, 10, 12, 16])
@pytest.mark.parametrize("output", ["out.csv", "out.xlsx"])
def test_too_few_file_descriptors_is_one_line_or_a_run(tmp_path: Path, limit: int,
                                                       output: str) -> None:
    roster = big_roster(tmp_path, 5000)
    done = shell(f"ulimit -n {limit} && welfare-calc batch '{roster}' --through 2020-08 "
                 f"-o {output}", tmp_path)
    assert "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr
    if done.returncode == 0:
        assert (tmp_path / output).exists()
    else:
        one_error_line(done, 2, "")
        assert not (tmp_path / output).exists()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_valid_long_name_is_written(tmp_path: Path, suffix: str) -> None:
    name = "增补名单" * 19 + suffix  # 228 bytes of UTF-8, and the suffix: under 255
    assert 230 < len(name.encode()) <= 240
    roster = tmp_path / "in.csv"
    roster.write_text("id,category,persons,income,start,end\nH1,urban-dibao,3,200,,\n",
                      encoding="utf-8")
    done = CliRunner().invoke(cli, ["batch", str(roster), "--through", "2020-08", "-o",
                                    str(tmp_path / name)])
    assert done.exit_code == 0, done.output
    assert (tmp_path / name).exists()


def test_a_name_too_long_for_the_system_is_one_line(tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["batch", str(EXAMPLE), "--through", "2020-08", "-o",
                                    str(tmp_path / ("x" * 300 + ".csv"))])
    assert done.exit_code == 2
    assert done.stderr.count("\n") == 1
    assert "too long for this system" in done.stderr


@POSIX_ONLY
def test_a_workbook_killed_midway_leaves_nothing_in_tmpdir_and_the_next_run_cleans_up(
        tmp_path: Path) -> None:
    assert WELFARE_CALC is not None
    roster = big_roster(tmp_path, 100_000)
    private = tmp_path / "tmp"
    private.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    process = subprocess.Popen([WELFARE_CALC, "batch", str(roster), "--through", "2020-08",
                                "-o", str(work / "out.xlsx")], stderr=subprocess.DEVNULL,
                               env={**os.environ, "TMPDIR": str(private)})
    deadline = time.monotonic() + 60
    while not any(path.is_dir() for path in work.iterdir()):  # XlsxWriter's scratch
        assert time.monotonic() < deadline
        assert process.poll() is None
        time.sleep(0.02)
    time.sleep(0.3)
    process.kill()
    process.wait(timeout=30)
    assert list(private.iterdir()) == []  # no ids or names left in the shared TMPDIR
    assert any(path.name.endswith(".partial") for path in work.iterdir())
    small = tmp_path / "small.csv"
    small.write_text("id,category,persons,income,start,end\nH1,urban-dibao,3,200,,\n",
                     encoding="utf-8")
    again = CliRunner().invoke(cli, ["batch", str(small), "--through", "2020-08", "-o",
                                     str(work / "out.xlsx")])
    assert again.exit_code == 0, again.output
    assert [path.name for path in work.iterdir()] == ["out.xlsx"]
