"""The run's worker processes: chunks out to them and results back, in input order.

One worker per CPU when a roster has more than one chunk. Under ``fork`` the workers
inherit the processor and share memory slots with the parent
(:mod:`welfare_calc.batch.run.shared_slots`); under ``spawn`` (Windows, macOS) the
processor is sent once per worker and everything goes through the pipes. The stop
signals are the parent's to handle: a worker ignores Ctrl-C and dies quietly on the
others, and none arrives before its handlers are set.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator
from multiprocessing.pool import AsyncResult, Pool

from welfare_calc.batch.input.reading import Job
from welfare_calc.batch.run.chunk_result import ChunkResult, InSlot
from welfare_calc.batch.run.chunks import ChunkProcessor
from welfare_calc.batch.run.shared_slots import SharedSlots
from welfare_calc.batch.run.signals import HELD, STOP_SIGNALS, held_signals
from welfare_calc.output.formats import Lang
from welfare_calc.output.language import in_use, speak


def cpus() -> int:
    """The CPUs this process may run on: a worker each."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_PROCESSOR: ChunkProcessor | None = None
"""The processor of this worker process (set by :func:`_start_worker`)."""


_SLOTS: SharedSlots | None = None
"""Under ``fork``: the shared memory chunks and results pass through (inherited)."""


def _in_worker(job: Job) -> ChunkResult:
    assert _PROCESSOR is not None, "a worker runs only after _start_worker"
    return _PROCESSOR.process(*job)


def _in_worker_slot(first_line: int, where: InSlot) -> ChunkResult:
    """A chunk whose input is in a shared slot; its results go back there."""
    assert _PROCESSOR is not None, "a worker runs only after _start_worker"
    assert _SLOTS is not None, "slots exist only in forked workers"
    return _SLOTS.keep(where.slot, _PROCESSOR.process(first_line, _SLOTS.get(where)))


def _start_worker(processor: ChunkProcessor | None, lang: Lang | None = None) -> None:
    """Each worker's start: its processor, its language, and signals left to the parent.

    Under ``fork`` (Linux) the worker already holds the parent's processor and
    the language it speaks, and ``processor`` and ``lang`` are None: nothing is
    copied. Under ``spawn`` (Windows, macOS) the worker is a fresh interpreter:
    the processor arrives pickled, once per worker, and the worker is told the
    language, so that the reasons it gives rejected rows are in the parent's.
    """
    global _PROCESSOR  # noqa: PLW0603 - one processor per worker process
    if processor is not None:
        _PROCESSOR = processor
    if lang is not None:
        speak(lang)
    # The parent handles Ctrl-C and the stop signals and ends the workers
    # itself; a worker that gets one dies quietly, without a traceback. They
    # were held back while it started (see _results), and arrive now.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)


START_METHOD_VAR = "WELFARE_CALC_START_METHOD"
"""Environment variable naming how workers start (``fork`` or ``spawn``), for tests
and benchmarks; by default ``fork`` where the platform has it, else ``spawn``."""


def start_method() -> str:
    """``fork`` where the platform has it (Linux: the workers share the parent's
    memory and start at once), else ``spawn`` (Windows; macOS, where fork is unsafe
    with system libraries), or what :data:`START_METHOD_VAR` names."""
    methods = multiprocessing.get_all_start_methods()
    chosen = os.environ.get(START_METHOD_VAR, "")
    if chosen in methods:
        return chosen
    return "fork" if "fork" in methods and sys.platform != "darwin" else "spawn"


def results(processor: ChunkProcessor, jobs: Iterator[Job],
             workers: int) -> Iterator[ChunkResult]:
    """Results in input order; in worker processes when there is more than one chunk.

    At most two chunks per worker are in flight, so memory stays bounded
    however long the input.
    """
    first = next(jobs, None)
    if first is None:
        return
    second = next(jobs, None)
    if second is None or workers < 2:
        yield processor.process(*first)
        if second is not None:
            yield processor.process(*second)
            for job in jobs:
                yield processor.process(*job)
        return
    global _PROCESSOR, _SLOTS  # noqa: PLW0603 - inherited by forked workers, read-only there
    method = start_method()
    forking = method == "fork"
    in_flight = 2 * workers
    if forking:
        _PROCESSOR = processor
        try:
            _SLOTS = SharedSlots(in_flight)
        except (OSError, MemoryError):  # no address space to spare (ulimit -v): the pipes
            _SLOTS = None
        processor.lane()  # imports NumPy once, here, for every worker
        # Objects that exist now are the workers' read-only inheritance: frozen,
        # the workers' garbage collector never walks them, so their pages stay
        # shared instead of being copied into every worker.
        gc.freeze()
    slots = _SLOTS
    pool: Pool | None = None
    try:
        with held_signals():  # a stop signal during the start comes in just after
            pool = multiprocessing.get_context(method).Pool(
                workers, initializer=_start_worker,
                initargs=(None, None) if forking else (processor, in_use()))
        pending: deque[AsyncResult[ChunkResult]] = deque()
        for number, (first_line, data) in enumerate(itertools.chain([first, second], jobs)):
            # A chunk's slot was last used by the chunk in_flight before it, whose
            # result was taken (copied out) before this chunk was read.
            where = (slots.put(number, data) if slots is not None and isinstance(data, bytes)
                     else None)
            pending.append(pool.apply_async(_in_worker, ((first_line, data),)) if where is None
                           else pool.apply_async(_in_worker_slot, (first_line, where)))
            if len(pending) >= in_flight:
                yield _taken(slots, pending.popleft().get())
        while pending:
            yield _taken(slots, pending.popleft().get())
        pool.close()
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        if forking:
            gc.unfreeze()
        if slots is not None:
            slots.close()
        _PROCESSOR = _SLOTS = None


def _taken(slots: SharedSlots | None, result: ChunkResult) -> ChunkResult:
    """A worker's result, whole: what it left in a shared slot copied out of it."""
    return result if slots is None else slots.take(result)
