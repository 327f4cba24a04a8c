"""A payroll keeps no copy of the rows the batch writes (BatchOptions.keep_rows), and a
run that finds rows to reject at its end is run again keeping them: the files are the
same bytes as a run that kept them from the start (a roster on standard input, which
cannot be read twice, keeps them)."""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

import pytest

from helpers import invoker
from test_payroll_lines import HEADER, NAMES, roster_rows
from welfare_calc.batch.run import roster as roster_module
from welfare_calc.batch.run.shared_slots import SharedSlots

TOWNS = ["青年路街道", "萌水镇", "王村镇", "南郊镇", ""]


def spied_runs(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each run_roster call's keep_rows, in order."""
    kept: list[bool] = []
    real = roster_module.run_roster

    def run_roster(*args: Any) -> Any:
        kept.append(args[8].keep_rows)  # (the BatchOptions)
        return real(*args)

    monkeypatch.setattr(roster_module, "run_roster", run_roster)
    return kept


def spied_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The bytes of rows written that each chunk hands the run's process (forked workers:
    their results come through shared slots)."""
    handed: list[int] = []
    real = SharedSlots.take

    def take(self: SharedSlots, result: Any) -> Any:
        taken = real(self, result)
        handed.append(len(taken.output))
        return taken

    monkeypatch.setattr(SharedSlots, "take", take)
    return handed


def files_of(tmp_path: Path, name: str, roster: Path, *options: str,
             stdin: bool) -> tuple[int, bytes, bytes, bytes]:
    """A payroll of ``roster`` (or of its bytes on standard input): its exit code, its
    rows refused (the errors file), its 发放明细 and its bank file."""
    folder = tmp_path / name
    folder.mkdir()
    out, bank = folder / "发放明细.csv", folder / "代发.csv"
    result = invoker()("payroll", "-" if stdin else str(roster), "--month", "2024-05",
                       "-o", str(out), "--bank-file", str(bank), *options,
                       stdin=roster.read_bytes() if stdin else None)
    errors = folder / "发放明细.csv.errors.csv"
    return result.exit_code, errors.read_bytes(), out.read_bytes(), bank.read_bytes()


@pytest.mark.parametrize(("case", "options", "again"), [
    ("no row rejected at the end", (), False),
    ("ids given twice", (), True),
    ("by town", ("--group-by", "乡镇"), False),
    ("a town named 合计", ("--group-by", "乡镇"), True),
    ("excel", ("--excel",), False),
    ("workers started by spawn, as on Windows", (), True)])
def test_a_payroll_that_keeps_no_rows_writes_what_one_keeping_them_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str,
        options: tuple[str, ...], again: bool) -> None:
    rng = random.Random(hash(case) % 1000)
    names = [name for name in NAMES if name[:1] not in ("+", "=")]
    spawned = case.startswith("workers started by spawn")
    if spawned:
        from helpers import spawn_only  # noqa: PLC0415

        spawn_only(monkeypatch)
    rows = roster_rows(rng, 30_000, names, twice=case == "ids given twice" or spawned,
                       towns=TOWNS)
    if case == "a town named 合计":
        rows[12_345][6] = "合计"
    roster = tmp_path / "r.csv"
    with roster.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    kept, handed = spied_runs(monkeypatch), spied_rows(monkeypatch)
    spared = files_of(tmp_path, "spared", roster, *options, stdin=False)
    assert kept == ([False, True] if again else [False])
    spared_rows = sum(handed) if not again and not spawned else None  # (spawn: no slots)
    kept.clear()
    handed.clear()
    keeping = files_of(tmp_path, "keeping", roster, *options, stdin=True)
    assert kept == [True]
    assert spared_rows is None or spared_rows < sum(handed) / 10  # (the lane's chunks: none)
    assert spared[0] == keeping[0] == 1  # (rows refused: a coverage that ends before it starts)
    assert spared[1] == keeping[1]
    assert ("可能重复发放".encode() in spared[1]) is (case == "ids given twice" or spawned)
    assert spared[2] == keeping[2]
    assert spared[3] == keeping[3]
    assert len(spared[2].splitlines()) > 10_000
    assert sorted(path.name for path in (tmp_path / "spared").iterdir()) == [
        "代发.csv", "发放明细.csv", "发放明细.csv.errors.csv"]  # (nothing of a first run left)
