"""Chunks and results through shared memory (batch/run/shared_slots.py), and the lane's verdicts
shared by forked workers: the same bytes as through pipes and in one process, whatever
goes through which way."""

from __future__ import annotations

import multiprocessing
import os
from array import array
from pathlib import Path

import numpy as np
import pytest

from synthetic import write_households
from welfare_calc.batch.input import reading
from welfare_calc.batch.rows.lane import ACCEPTED, DENSE_BITS, REFUSED, UNKNOWN, _Verdicts
from welfare_calc.batch.run import shared_slots
from welfare_calc.batch.run import workers as run_workers
from welfare_calc.batch.run.chunk_result import ChunkResult
from welfare_calc.batch.run.pipeline import BatchFiles, BatchOptions, run_batch
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.months import Month
from welfare_calc.standards.loader import shipped_standards

TABLE = shipped_standards().table
FORK = "fork" in multiprocessing.get_all_start_methods()
FULL_SLOT = shared_slots.SLOT_BYTES
needs_fork = pytest.mark.skipif(not FORK, reason="slots are inherited by forked workers only")


def roster(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        write_households(handle, rows, seed=11)
        # A repeated id in a far chunk, a rejected row, and a quoted one: every kind of result.
        handle.write('H000000005,urban-dibao,1,0,,\nH-bad,urban-dibao,0,0,,\n"H-q",'
                     'urban-dibao,2,"10",,\n')
    return path


def outputs(tmp_path: Path, source: Path, name: str, workers: int
            ) -> tuple[bytes, bytes, dict[str, object]]:
    out = tmp_path / f"{name}.csv"
    with source.open("rb") as handle:
        summary = run_batch(TABLE, BackpayEngine(TABLE, Month(2020, 8)), handle,
                            BatchFiles(out), BatchOptions(), workers=workers)
    return (out.read_bytes(), (tmp_path / f"{name}.csv.errors.csv").read_bytes(),
            summary.as_json())


@needs_fork
@pytest.mark.parametrize("slot_bytes", [FULL_SLOT, 300 << 10, 64],
                         ids=["everything in slots", "results too large: the pipe",
                              "chunks too large: the pipe"])
def test_slots_give_the_bytes_of_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             slot_bytes: int) -> None:
    monkeypatch.setattr(reading, "CHUNK", 128 << 10)  # many chunks, so workers run
    monkeypatch.setenv(run_workers.START_METHOD_VAR, "fork")
    source = roster(tmp_path / "in.csv", 30_000)
    alone = outputs(tmp_path, source, "alone", 1)
    taken: list[bool] = []
    take = shared_slots.SharedSlots.take

    def counted_take(slots: shared_slots.SharedSlots, result: ChunkResult) -> ChunkResult:
        taken.append(result.in_slot is not None)
        return take(slots, result)

    monkeypatch.setattr(shared_slots, "SLOT_BYTES", slot_bytes)
    monkeypatch.setattr(shared_slots.SharedSlots, "take", counted_take)
    assert outputs(tmp_path, source, "forked", 2) == alone
    assert alone[2]["rows_rejected"] == 3  # the doubled pair and the bad row
    if slot_bytes == FULL_SLOT:
        assert taken
        assert all(taken)
    elif slot_bytes > 64:  # (the last, short chunk's results may fit)
        assert len(taken) > 4
        assert not any(taken[:-1])
    else:
        assert taken
        assert not any(taken)


@needs_fork
def test_without_memory_for_slots_the_pipes_carry_everything(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Shared memory that cannot be had (an address-space limit) is no failure: the run
    # goes through the pipes, with the same bytes.
    monkeypatch.setattr(reading, "CHUNK", 128 << 10)
    monkeypatch.setenv(run_workers.START_METHOD_VAR, "fork")
    source = roster(tmp_path / "in.csv", 20_000)
    alone = outputs(tmp_path, source, "alone", 1)

    def no_memory(*_args: object) -> None:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(shared_slots.mmap, "mmap", no_memory)
    assert outputs(tmp_path, source, "forked", 2) == alone


def test_slots_are_reused_in_turn_and_capped() -> None:
    slots = shared_slots.SharedSlots(4)
    try:
        assert [slots.slot_of(number) for number in range(9)] == [0, 1, 2, 3, 0, 1, 2, 3, 0]
    finally:
        slots.close()
    # 40 in flight, 16 slots: the chunks past them go through the pipe.
    slots = shared_slots.SharedSlots(40)
    try:
        assert [slots.slot_of(number) for number in (0, 15, 16, 39, 40, 56)] == [
            0, 15, None, None, 0, None]
        assert slots.put(16, b"H1,x\n") is None
        placed = slots.put(40, b"H1,x\n")
        assert placed is not None
        assert placed.slot == 0
    finally:
        slots.close()


def test_a_result_round_trips_through_a_slot() -> None:
    slots = shared_slots.SharedSlots(2)
    try:
        where = slots.put(1, b"id,category\nH1,x\n")  # (chunk 1: slot 1)
        assert where is not None
        assert slots.get(where) == b"id,category\nH1,x\n"
        result = ChunkResult(output=b"H1,x,8\n", ledger=bytes(range(40)), totals=[5])
        result.ids = array("q", [7, -3])
        kept = slots.keep(1, result)
        assert (kept.output, kept.ledger, kept.ids.tolist()) == (b"", b"", [])
        assert kept.in_slot is not None
        whole = slots.take(kept)
        assert (whole.output, whole.ledger, whole.ids.tolist(), whole.totals) == (
            b"H1,x,8\n", bytes(range(40)), [7, -3], [5])
        assert whole.in_slot is None
        assert slots.put(0, b"x" * (shared_slots.SLOT_BYTES + 1)) is None
    finally:
        slots.close()


@needs_fork
@pytest.mark.parametrize("bits", [7, 34], ids=["keys in the shared table", "larger keys"])
def test_forked_workers_share_the_cores_verdicts(bits: int) -> None:
    # A tuple one worker put to the core is known to the others: the table is shared
    # memory made before the fork, and holds only the core's final answers. (Larger
    # keys, a pair of months, are each worker's own: asked again, as they are few.)
    verdicts = _Verdicts(bits)
    base = 0 if bits <= DENSE_BITS else 1 << 33
    keys = base + np.array([12, 13, 14, 12], dtype=np.int64)
    child = os.fork()
    if child == 0:  # the worker: asks, then ends without running the test's teardown
        asked = np.unique(keys[verdicts.lookup(keys) == UNKNOWN])
        verdicts.record(asked, asked != base + 13)  # (the core refuses 13)
        os._exit(0 if (asked - base).tolist() == [12, 13, 14] else 1)
    _, status = os.waitpid(child, 0)
    assert os.WEXITSTATUS(status) == 0
    if bits <= DENSE_BITS:
        assert verdicts.lookup(keys).tolist() == [ACCEPTED, REFUSED, ACCEPTED, ACCEPTED]
        assert verdicts._table[[12, 13, 14, 15]].tolist() == [ACCEPTED, REFUSED, ACCEPTED,
                                                               UNKNOWN]
    else:
        assert verdicts.lookup(keys).tolist() == [UNKNOWN] * 4
        verdicts.record(np.array([base + 13], dtype=np.int64), np.array([False]))
        assert verdicts.lookup(keys).tolist() == [UNKNOWN, REFUSED, UNKNOWN, UNKNOWN]
