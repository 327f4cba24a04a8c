"""Batch files and faults: no input replaced, the three files together or not at all.

Each test names a kind of mistake or fault (a target that is the input, two
targets that are one file, a failed rename, a full disk, a signal, a second
run) and tries it in several spellings. After a refusal or a failure the
old files are unchanged and no temporary file is left.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from filelock import FileLock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import Run, invoker
from synthetic import write_households
from welfare_calc.batch.write import staging, targets
from welfare_calc.batch.write.targets import Named, check_distinct
from welfare_calc.cli import cli
from welfare_calc.core.errors import TargetProblem

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages

ROSTER = ("id,category,persons,income,start,end\n"
          "H1,urban-dibao,3,200,,\n"
          "H2,urban-dibao,0,0,,\n")
"""One good row (back-pay 1440.00) and one rejected row (persons 0)."""
OUTPUT = ("id,category,persons,income,start,end,months,backpay,monthly,overpaid,"
          "newly_eligible\nH1,urban-dibao,3,200,,,8,1440.00,1380.00,0.00,false\n")
ERRORS = ("line,id,column,reason,row\n"
          "3,H2,persons,0 persons: a household has at least 1 covered person,"
          "\"H2,urban-dibao,0,0,,\"\n")
SUMMARY = {"through": "2020-08", "rows_read": 2, "rows_written": 1, "rows_rejected": 1,
           "backpay_total": "1440.00",
           "backpay_by_category": {"urban-dibao": "1440.00", "rural-dibao": "0.00",
                                   "urban-tekun": "0.00", "rural-tekun": "0.00"},
           "overpaid_total": "0.00",
           "overpaid_by_category": {"urban-dibao": "0.00", "rural-dibao": "0.00",
                                    "urban-tekun": "0.00", "rural-tekun": "0.00"},
           "newly_eligible_by_category": {"urban-dibao": 0, "rural-dibao": 0,
                                          "urban-tekun": 0, "rural-tekun": 0},
           "households_by_category": {"urban-dibao": 1, "rural-dibao": 0,
                                      "urban-tekun": 0, "rural-tekun": 0},
           "persons_by_category": {"urban-dibao": 3, "rural-dibao": 0,
                                   "urban-tekun": 0, "rural-tekun": 0},
           "rounding": "household-month", "encoding": "utf-8"}
OLD = b"an earlier run\n"
WELFARE_CALC = shutil.which("welfare-calc", path=str(Path(sys.executable).parent))
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and signals")



@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.delenv("WELFARE_CALC_STANDARDS", raising=False)
    return invoker("batch")


def files_in(folder: Path) -> dict[str, bytes]:
    """Every file in a folder (hidden ones too) and its bytes; symlinks as their target."""
    return {path.name: (b"-> " + os.readlink(path).encode() if path.is_symlink()
                        else b"<dir>" if path.is_dir() else path.read_bytes())
            for path in sorted(folder.iterdir())}


def roster(folder: Path) -> Path:
    source = folder / "in.csv"
    source.write_text(ROSTER, encoding="utf-8")
    return source


# --- a target that is the input, or two targets that are one file -------------------------

def spell(folder: Path, name: str, how: str) -> str:
    """Another way to write ``folder/name``: as it is, with ./ and .., a symlink, a hard link."""
    if how == "as is":
        return str(folder / name)
    if how == "dotted":
        (folder / "sub").mkdir(exist_ok=True)
        return str(folder / "sub" / ".." / "." / name)
    if how == "symlink":
        link = folder / f"link-to-{name}"
        link.symlink_to(folder / name)
        return str(link)
    assert how == "hard link"
    linked = folder / f"hard-{name}"
    os.link(folder / name, linked)
    return str(linked)


SPELLINGS = ["as is", "dotted", "symlink", "hard link"]


@pytest.mark.parametrize("how", SPELLINGS)
@pytest.mark.parametrize("option", ["-o", "--errors", "--summary"])
def test_a_target_naming_the_input_is_refused(run: Run, tmp_path: Path, option: str,
                                              how: str) -> None:
    source = roster(tmp_path)
    target = spell(tmp_path, "in.csv", how)
    (tmp_path / "out.csv").write_bytes(OLD)
    before = files_in(tmp_path)
    others = [] if option == "-o" else ["-o", str(tmp_path / "out.csv")]
    result = run(str(source), "--through", "2020-08", *others, option, target)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert "is the input file, which would be replaced" in result.stderr
    assert result.stdout == ""
    assert files_in(tmp_path) == before


@pytest.mark.parametrize("how", SPELLINGS)
@pytest.mark.parametrize(("first", "second"), [("-o", "--errors"), ("--summary", "--errors"),
                                               ("-o", "--summary")])
def test_two_targets_naming_one_file_are_refused(run: Run, tmp_path: Path, first: str,
                                                 second: str, how: str) -> None:
    source = roster(tmp_path)
    (tmp_path / "x").write_bytes(OLD)
    before = files_in(tmp_path)
    others = [] if "-o" in (first, second) else ["-o", str(tmp_path / "out.csv")]
    result = run(str(source), "--through", "2020-08", *others, first, str(tmp_path / "x"),
                 second, spell(tmp_path, "x", how))
    assert result.exit_code == 2
    assert "is the same file as" in result.stderr
    assert files_in(tmp_path) == {**before, **{name: data for name, data in
                                               files_in(tmp_path).items() if name not in before}}
    assert (tmp_path / "x").read_bytes() == OLD


def test_the_default_errors_file_counts_too(run: Run, tmp_path: Path) -> None:
    source = roster(tmp_path)
    out = tmp_path / "out.csv"
    result = run(str(source), "--through", "2020-08", "-o", str(out), "--summary",
                 str(tmp_path / "out.csv.errors.csv"))
    assert result.exit_code == 2
    assert "--summary" in result.stderr
    assert "is the same file as --errors" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize("options", [["--errors", "-", "--summary", "-"],
                                     ["-o", "-", "--summary", "-"],
                                     ["--summary", "-", "-o", "-"]],
                         ids=["errors and summary", "output and summary", "summary first"])
def test_two_files_on_standard_output_are_refused(run: Run, tmp_path: Path,
                                                  options: list[str]) -> None:
    result = run(str(roster(tmp_path)), "--through", "2020-08", *options)
    assert result.exit_code == 2
    assert "already writes to standard output" in result.stderr
    assert result.stdout == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


def test_dash_means_standard_output_for_every_file(run: Run, tmp_path: Path) -> None:
    source = roster(tmp_path)
    out = tmp_path / "out.csv"
    result = run(str(source), "--through", "2020-08", "-o", str(out), "--summary", "-")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == SUMMARY
    assert out.read_text(encoding="utf-8") == OUTPUT
    result = run(str(source), "--through", "2020-08", "-o", str(out), "--errors", "-")
    assert result.stdout == ERRORS
    assert "see standard output" in result.stderr
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("case_blind", [True, False], ids=["Windows, macOS", "Linux"])
def test_names_differing_in_case_are_one_file_where_case_is_ignored(
        tmp_path: Path, case_blind: bool) -> None:
    named = [Named("--output", "Out.csv", tmp_path / "Out.csv"),
             Named("--errors", "out.CSV", tmp_path / "out.CSV")]
    if case_blind:
        with pytest.raises(TargetProblem, match=r"is the same file as --output Out\.csv"):
            check_distinct(None, named, case_blind=True)
    else:
        check_distinct(None, named, case_blind=False)


@contextmanager
def working_in(folder: Path) -> Iterator[None]:
    """Run in ``folder``, so that ``./a.csv`` and ``a.csv`` name files there."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


TARGET_CHOICES = ["in.csv", "./in.csv", "link-in", "hard-in", "a.csv", "./a.csv", "link-a",
                  "b.csv", "a.csv.errors.csv", "-", None]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(output=st.sampled_from(TARGET_CHOICES), errors=st.sampled_from(TARGET_CHOICES),
       summary=st.sampled_from(TARGET_CHOICES))
def test_any_collision_is_refused_or_every_file_holds_what_it_should(
        output: str | None, errors: str | None, summary: str | None) -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as folder, working_in(Path(folder)):
        here = Path(folder)
        roster(here)
        (here / "a.csv").write_bytes(OLD)
        (here / "link-in").symlink_to("in.csv")
        (here / "link-a").symlink_to("a.csv")
        os.link(here / "in.csv", here / "hard-in")
        before = files_in(here)
        args = ["batch", "in.csv", "--through", "2020-08"]
        for option, value in (("-o", output), ("--errors", errors), ("--summary", summary)):
            if value is not None:
                args += [option, value]
        result = runner.invoke(cli, args, catch_exceptions=False)
        if result.exit_code == 2:
            assert result.stderr.count("\n") == 1
            assert result.stdout == ""
            assert files_in(here) == before
            return
        assert result.exit_code == 1, result.stderr
        assert (here / "in.csv").read_text(encoding="utf-8") == ROSTER

        def real(name: str) -> Path:
            return (here / name).resolve()

        expected: dict[Path | str, str] = {}
        out_where: Path | str = "stdout" if output in (None, "-") else real(output)
        expected[out_where] = OUTPUT
        if errors is not None:
            expected["stdout" if errors == "-" else real(errors)] = ERRORS
        elif isinstance(out_where, Path):
            expected[real(f"{output}.errors.csv")] = ERRORS
        if summary is not None:
            expected["stdout" if summary == "-" else real(summary)] = json.dumps(
                SUMMARY, ensure_ascii=False, indent=2) + "\n"
        for where, text in expected.items():
            if where == "stdout":
                assert result.stdout == text
            else:
                assert isinstance(where, Path)
                assert where.read_text(encoding="utf-8") == text, where
        assert not [name for name in os.listdir(here) if name.endswith(".partial")]


# --- files that are not what they seem ----------------------------------------------------

@POSIX_ONLY
def test_a_read_only_target_is_refused(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_bytes(OLD)
    out.chmod(0o444)
    result = run(str(roster(tmp_path)), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 2
    assert "the file is read-only; it is not replaced" in result.stderr
    assert out.read_bytes() == OLD


@POSIX_ONLY
def test_a_replaced_file_keeps_its_mode_and_a_new_file_is_the_owners_only(
        run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_bytes(OLD)
    out.chmod(0o640)
    assert run(str(roster(tmp_path)), "--through", "2020-08", "-o", str(out),
               "--summary", str(tmp_path / "s.json")).exit_code == 1
    assert out.read_text(encoding="utf-8") == OUTPUT
    assert out.stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "out.csv.errors.csv").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "s.json").stat().st_mode & 0o777 == 0o600


@POSIX_ONLY
def test_a_replaced_file_keeps_its_owner_and_group(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another owner")
    out = tmp_path / "out.csv"
    out.write_bytes(OLD)
    os.chown(out, 1234, 5678)
    temp = tmp_path / "temp"
    temp.write_bytes(b"new")
    staging._mode_and_owner(temp, out)
    assert (temp.stat().st_uid, temp.stat().st_gid) == (1234, 5678)


def test_a_symlink_target_is_written_through(run: Run, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_bytes(OLD)
    link = tmp_path / "out.csv"
    link.symlink_to(real)
    assert run(str(roster(tmp_path)), "--through", "2020-08", "-o", str(link)).exit_code == 1
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == OUTPUT
    assert (tmp_path / "out.csv.errors.csv").read_text(encoding="utf-8") == ERRORS


@pytest.mark.skipif(not Path("/dev/stdout").exists(), reason="no /dev/stdout")
def test_dev_stdout_when_stdout_is_a_file_is_refused(tmp_path: Path) -> None:
    assert WELFARE_CALC is not None
    source = roster(tmp_path)
    with (tmp_path / "stdout.txt").open("wb") as stdout:
        process = subprocess.run([WELFARE_CALC, "batch", str(source), "--through", "2020-08",
                                  "-o", "/dev/stdout"], stdout=stdout, stderr=subprocess.PIPE,
                                 check=False)
    assert process.returncode == 2
    assert process.stderr.decode().startswith("Error: --output /dev/stdout: names a standard")
    assert process.stderr.count(b"\n") == 1


def test_a_missing_directory_is_one_line(run: Run, tmp_path: Path) -> None:
    result = run(str(roster(tmp_path)), "--through", "2020-08", "-o",
                 str(tmp_path / "nowhere" / "out.csv"))
    assert result.exit_code == 2
    assert result.stderr == (f"Error: --output {tmp_path / 'nowhere' / 'out.csv'}: the "
                             f"directory {tmp_path / 'nowhere'} does not exist\n")


@pytest.mark.parametrize(("error", "said"), [
    (PermissionError(errno.EACCES, "Permission denied"), "permission denied in {folder}"),
    (OSError(errno.EROFS, "Read-only file system"), "the file system is read-only"),
], ids=["read-only directory", "read-only mount"])
def test_a_directory_that_cannot_be_written_is_one_line(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError,
        said: str) -> None:
    # Root may write anywhere, and mounting read-only needs more than root in
    # a container, so the refusal is the one mkstemp would give.
    def refuse(**_: object) -> tuple[int, str]:
        raise error

    monkeypatch.setattr(staging.tempfile, "mkstemp", refuse)
    out = tmp_path / "out.csv"
    result = run(str(roster(tmp_path)), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot write {out}: {said.format(folder=tmp_path)}\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


# --- the three files are one set ----------------------------------------------------------

def three_old_files(folder: Path) -> list[str]:
    for name in ("out.csv", "out.csv.errors.csv", "s.json"):
        (folder / name).write_bytes(OLD + name.encode())
    return ["-o", str(folder / "out.csv"), "--summary", str(folder / "s.json")]


@pytest.mark.parametrize("failing", [0, 1, 2], ids=["output", "errors", "summary"])
def test_a_failed_rename_of_any_file_replaces_none(run: Run, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   failing: int) -> None:
    source = roster(tmp_path)
    options = three_old_files(tmp_path)
    before = files_in(tmp_path)
    renames = []
    real_replace = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        if str(source).endswith(staging.PARTIAL) and ".old" not in str(source):
            renames.append(target)
            if len(renames) == failing + 1:
                raise PermissionError(errno.EACCES, "Permission denied", str(target))
        real_replace(source, target)

    monkeypatch.setattr(staging.os, "replace", replace)
    result = run(str(source), "--through", "2020-08", *options)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: cannot replace {renames[-1]}: permission denied; it may "
                             "be open in another program (such as Excel): close it and run "
                             "again\n")
    assert files_in(tmp_path) == before


def test_without_hard_links_the_old_files_still_come_back(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # FAT and exFAT (USB sticks) have no hard links: the old file is renamed
    # aside instead, and put back when a later file of the set fails.
    source = roster(tmp_path)
    options = three_old_files(tmp_path)
    before = files_in(tmp_path)

    def no_links(*_: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    renames = []
    real_replace = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        if str(source).endswith(staging.PARTIAL) and ".old" not in str(source):
            renames.append(target)
            if len(renames) == 3:
                raise PermissionError(errno.EACCES, "Permission denied", str(target))
        real_replace(source, target)

    monkeypatch.setattr(staging.os, "link", no_links)
    monkeypatch.setattr(staging.os, "replace", replace)
    result = run(str(source), "--through", "2020-08", *options)
    assert result.exit_code == 2
    assert "cannot replace" in result.stderr
    assert files_in(tmp_path) == before
    monkeypatch.setattr(staging.os, "replace", real_replace)
    assert run(str(source), "--through", "2020-08", *options).exit_code == 1
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == OUTPUT
    assert sorted(os.listdir(tmp_path)) == ["in.csv", "out.csv", "out.csv.errors.csv", "s.json"]


def test_a_full_disk_replaces_nothing(run: Run, tmp_path: Path, small_disk: Path) -> None:
    source = tmp_path / "big.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        write_households(handle, 20_000)
    options = three_old_files(small_disk)
    before = files_in(small_disk)
    result = run(str(source), "--through", "2020-08", *options)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot write ")
    assert result.stderr.endswith(": the disk is full; nothing was replaced\n")
    assert files_in(small_disk) == before


def test_a_write_that_fails_names_its_file(run: Run, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    source = roster(tmp_path)
    options = three_old_files(tmp_path)
    before = files_in(tmp_path)

    put = staging._Raw.put

    def full(self: staging._Raw, data: bytes, /) -> int:
        if self.label.name.startswith("out.csv.errors"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return put(self, data)

    monkeypatch.setattr(staging._Raw, "put", full)
    result = run(str(source), "--through", "2020-08", *options)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: cannot write {tmp_path / 'out.csv.errors.csv'}: the disk "
                             "is full; nothing was replaced\n")
    assert files_in(tmp_path) == before


# --- signals, killed runs, a second run ---------------------------------------------------

def start_piped_run(tmp_path: Path, rows: int = 100_000) -> subprocess.Popen[bytes]:
    """A run reading a pipe the test keeps open: it is surely midway when the test acts."""
    assert WELFARE_CALC is not None
    text = io.StringIO()
    write_households(text, rows)
    process = subprocess.Popen([WELFARE_CALC, "batch", "-", "--through", "2020-08", "-o",
                                str(tmp_path / "out.csv"), "--summary",
                                str(tmp_path / "summary.json")],
                               stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write(text.getvalue().encode("utf-8"))
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while not any(name.endswith(".partial") for name in os.listdir(tmp_path)):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.5)
    assert process.poll() is None
    return process


@POSIX_ONLY
def test_a_run_killed_with_sigkill_leaves_temporaries_the_next_run_removes(
        run: Run, tmp_path: Path) -> None:
    (tmp_path / "out.csv").write_bytes(OLD)
    process = start_piped_run(tmp_path)
    process.kill()
    process.communicate(timeout=30)
    left = [name for name in os.listdir(tmp_path) if name.endswith(".partial")]
    assert left  # nothing can clean up after SIGKILL itself
    result = run(str(roster(tmp_path)), "--through", "2020-08", "-o", str(tmp_path / "out.csv"),
                 "--summary", str(tmp_path / "summary.json"))
    assert result.exit_code == 1
    assert sorted(os.listdir(tmp_path)) == ["in.csv", "out.csv", "out.csv.errors.csv",
                                            "summary.json"]
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == OUTPUT


def test_a_second_run_on_the_same_target_is_refused(run: Run, tmp_path: Path) -> None:
    (tmp_path / "s.json").write_bytes(OLD)
    lock = targets.lock_path(tmp_path / "s.json")
    with FileLock(lock):
        result = run(str(roster(tmp_path)), "--through", "2020-08", "-o",
                     str(tmp_path / "other.csv"), "--summary", str(tmp_path / "s.json"))
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {tmp_path / 's.json'}: another welfare-calc run is "
                             "writing this file; wait for it to finish\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        lock.name, "in.csv", "s.json"]  # the lock is the test's


@POSIX_ONLY
def test_two_real_runs_one_target(run: Run, tmp_path: Path) -> None:
    first = start_piped_run(tmp_path, rows=20_000)
    result = run(str(roster(tmp_path)), "--through", "2020-08", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert "another welfare-calc run is writing this file" in result.stderr
    first.communicate(timeout=60)  # closes its input: the first run ends
    assert first.returncode == 0
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20_001
    assert json.loads((tmp_path / "summary.json").read_text())["rows_written"] == 20_000
    assert sorted(os.listdir(tmp_path)) == ["in.csv", "out.csv", "out.csv.errors.csv",
                                            "summary.json"]


@POSIX_ONLY
@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGQUIT], ids=["SIGHUP", "SIGQUIT"])
def test_a_closed_terminal_or_sigquit_leaves_no_partial_file(tmp_path: Path,
                                                             signum: int) -> None:
    (tmp_path / "out.csv").write_bytes(OLD)
    process = start_piped_run(tmp_path)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode != 0
    assert b"Traceback" not in stderr
    assert files_in(tmp_path) == {"out.csv": OLD}


# --- encodings ---------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_one_bom_at_the_start_however_many_chunks(run: Run, tmp_path: Path,
                                                  encoding: str) -> None:
    source = tmp_path / "big.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        write_households(handle, 60_000)  # about 2.5 MB: three chunks
    out = tmp_path / "out.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(out),
               "--output-encoding", encoding).exit_code == 0
    text = out.read_bytes().decode(encoding)  # the codec takes the one BOM off
    assert "\ufeff" not in text
    assert len(text.splitlines()) == 60_001
    with source.open(encoding="utf-8") as handle:
        assert [line.split(",")[0] for line in text.splitlines()] == [
            line.split(",")[0] for line in handle.read().splitlines()]


@pytest.mark.parametrize("encoding", ["hex", "rot13", "base64", "zlib"])
@pytest.mark.parametrize("option", ["--encoding", "--output-encoding"])
def test_a_codec_that_is_not_a_text_encoding_is_refused(run: Run, tmp_path: Path, option: str,
                                                        encoding: str) -> None:
    result = run(str(roster(tmp_path)), "--through", "2020-08", option, encoding)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: Invalid value for '{option}': '{encoding}' is not a text "
                             "encoding; use utf-8, gbk or gb18030\n")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_an_input_encoding_the_batch_cannot_cut_says_so(run: Run, tmp_path: Path,
                                                        encoding: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(ROSTER, encoding=encoding)
    result = run(str(source), "--through", "2020-08", "--encoding", encoding)
    assert result.exit_code == 2
    assert "the batch reads encodings that write ASCII as itself" in result.stderr
    assert "save the file as UTF-8" in result.stderr


# --- what is written, and where ---------------------------------------------------------

@POSIX_ONLY
def test_a_closed_pipe_exits_quietly_with_the_pipe_code(tmp_path: Path) -> None:
    # `welfare-calc batch … | head -1`: the reader leaves after one line. The
    # exit is 141 (128 + SIGPIPE, as the shell reports it), not 1 (rows
    # rejected), and nothing is said.
    assert WELFARE_CALC is not None
    source = tmp_path / "big.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        write_households(handle, 50_000)
    done = subprocess.run(f"'{WELFARE_CALC}' batch '{source}' --through 2020-08 2>err.txt | "
                          "head -1; echo \"${PIPESTATUS[0]}\"", shell=True, cwd=tmp_path,
                          executable="/bin/bash", capture_output=True, text=True, check=True)
    first, code = done.stdout.splitlines()
    assert first == ("id,category,persons,income,start,end,paid,months,backpay,monthly,"
                     "overpaid,newly_eligible")
    assert code == "141"
    assert "Traceback" not in (tmp_path / "err.txt").read_text(encoding="utf-8")
    assert "Error" not in (tmp_path / "err.txt").read_text(encoding="utf-8")


def test_a_header_cell_that_starts_a_formula_is_neutralised(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text('id,category,persons,income,start,end,"=HYPERLINK(""http://x"")",@cmd\n'
                      "H1,urban-dibao,3,200,,,a,b\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(out)).exit_code == 0
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == ("id,category,persons,income,start,end,\"'=HYPERLINK(\"\"http://x\"\")\","
                      "'@cmd,months,backpay,monthly,overpaid,newly_eligible")


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\t"],
                         ids=["NUL", "bell", "escape", "delete", "next line", "tab inside"])
def test_an_id_holding_a_control_character_is_rejected(run: Run, tmp_path: Path,
                                                       control: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"id,category,persons,income,start,end\nH{control}1,urban-dibao,1,0,,\n"
                      "H2,urban-dibao,1,0,,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run(str(source), "--through", "2020-08", "-o", str(out)).exit_code == 1
    with (tmp_path / "out.csv.errors.csv").open(encoding="utf-8", newline="") as handle:
        errors = list(csv.DictReader(handle))
    assert [(row["line"], row["column"], row["reason"]) for row in errors] == [
        ("2", "id", f"the id holds a control character (U+{ord(control):04X}); ids are "
                    "printed text")]
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("H2,")


@pytest.mark.parametrize(("options", "message"), [
    (["--headers", "zh", "--output-encoding", "ascii"],
     "line 1, column '编号': the header cell cannot be written in ascii"),
    (["--output-encoding", "ascii"],
     "line 2, column 'category': a value cannot be written in ascii ('城')"),
    (["--output-encoding", "latin-1", "--format", "jsonl"],
     "line 2, column 'category': a value cannot be written in iso8859-1 ('城')"),
], ids=["Chinese header", "Chinese cell", "Chinese cell in JSON lines"])
def test_an_encoding_that_cannot_write_a_cell_names_it(run: Run, tmp_path: Path,
                                                       options: list[str], message: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end\nH1,城市低保,1,0,,\n",
                      encoding="utf-8")
    result = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"), *options)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


def test_a_rejected_row_the_errors_encoding_cannot_write_names_its_line(
        run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,category,persons,income,start,end\nH1,urban-dibao,1,0,,\n"
                      "H2,城市低保,0,0,,\n", encoding="utf-8")
    result = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"),
                 "--output-encoding", "ascii")
    assert result.exit_code == 2
    assert "line 3: the rejected row cannot be written to the errors file in ascii" in (
        result.stderr)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


@POSIX_ONLY
@pytest.mark.parametrize("made", [1, 2, 3])
def test_a_signal_while_a_file_is_staged_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, made: int) -> None:
    # A stop signal that comes just as a temporary file is made (the made-th of the run)
    # is held until the run keeps the file, then stops the run, which removes it: without
    # that, the file made but not yet kept stayed behind, with the roster's rows in it.
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        write_households(handle, 50)
    options = three_old_files(tmp_path)
    old = files_in(tmp_path)
    real = tempfile.mkstemp
    ours = signal.getsignal(signal.SIGTERM)
    count = 0

    def mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        nonlocal count
        made_now = real(*args, **kwargs)  # type: ignore[call-overload]
        if signal.getsignal(signal.SIGTERM) is not ours:  # (a file of the run: it handles it)
            count += 1
            if count == made:
                os.kill(os.getpid(), signal.SIGTERM)
        return made_now  # type: ignore[no-any-return]

    monkeypatch.setattr(staging.tempfile, "mkstemp", mkstemp)
    result = CliRunner().invoke(cli, ["batch", str(source), "--through", "2020-08",
                                      *options])
    assert count >= made
    assert result.exit_code != 0
    assert files_in(tmp_path) == old  # nothing replaced, no temporary file left


@POSIX_ONLY
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.3, 0.45, 0.6, 0.8, 1.2])
def test_a_signal_at_any_point_leaves_the_old_set_or_the_new_one(tmp_path: Path,
                                                                delay: float) -> None:
    # A run of a few tenths of a second, killed at points spread over it
    # (reading, writing, renaming, after): the three files are all old or all
    # new, never mixed, and no temporary file is left.
    assert WELFARE_CALC is not None
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        write_households(handle, 30_000)
    options = three_old_files(tmp_path)
    old = files_in(tmp_path)
    process = subprocess.Popen([WELFARE_CALC, "batch", str(source), "--through", "2020-08",
                                *options], stderr=subprocess.PIPE)
    time.sleep(delay)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert b"Traceback" not in stderr
    now = files_in(tmp_path)
    assert sorted(now) == sorted(old)  # no temporary file, nothing missing
    changed = {name for name in now if now[name] != old[name]}
    assert changed in (set(), {"out.csv", "out.csv.errors.csv", "s.json"})
    if changed:
        assert json.loads(now["s.json"])["rows_read"] == 30_000
        assert len(now["out.csv"].splitlines()) == 30_001


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_full_device_is_one_line(run: Run, tmp_path: Path) -> None:
    result = run(str(roster(tmp_path)), "--through", "2020-08", "-o", "/dev/full")
    assert result.exit_code == 2
    assert result.stderr == "Error: cannot write into /dev/full: the disk is full\n"


@pytest.mark.parametrize("system", ["posix_fadvise", "none"],
                         ids=["Linux: handed on", "Windows, macOS: no such call"])
def test_a_file_handed_to_the_disk_as_it_goes_is_whole_when_put_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, system: str) -> None:
    """StagedText.write_behind (the payroll's lines, as the run goes): what was written
    before and after it is the file put in place; standard output's file, read back and
    never synced, is not handed to the disk. Where the system has no posix_fadvise
    (Windows, macOS) it does nothing, and the file is the same."""
    advised: list[int] = []
    if system == "none":
        monkeypatch.delattr(os, "posix_fadvise", raising=False)
    else:
        if not hasattr(os, "POSIX_FADV_DONTNEED"):
            pytest.skip("no posix_fadvise here")
        real = os.posix_fadvise

        def spied(fd: int, offset: int, length: int, advice: int) -> None:
            advised.append(advice)
            real(fd, offset, length, advice)

        monkeypatch.setattr(os, "posix_fadvise", spied)
    target = tmp_path / "发放明细.csv"
    staged = staging.StagedText(target, "utf-8", excel=False)
    staged.text.write("序号,姓名\n")
    staged.write_behind()
    staged.binary.write("1,张三\n".encode())
    staged.write_behind()
    staged.text.write("合计,\n")
    out = staging.StagedText("stdout", "utf-8", excel=False)
    out.text.write("x\n")
    out.write_behind()
    sink = io.BytesIO()
    staging.commit_all([staged, out], {"stdout": sink})
    assert target.read_bytes() == "序号,姓名\n1,张三\n合计,\n".encode()
    assert sink.getvalue() == b"x\n"
    assert advised == ([] if system == "none" else [os.POSIX_FADV_DONTNEED] * 2)

