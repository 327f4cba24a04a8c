"""Chunks and their results handed to forked workers in shared memory, not through pipes.

Why: a pipe copies every byte it carries four times (pickled, written,
read, unpickled), on both sides of it. A batch of a million rows sends its
workers 33 MB of input and gets back 110 MB of output and bookkeeping; on
two CPUs that alone cost about half a second of CPU time, a quarter of the
run (``bench/bench_batch.py``). A mapping made before the workers are
forked is memory the parent and every worker see: the parent puts a chunk
in a slot, the worker reads it there and puts the chunk's output,
ledger and id digests back in the same slot, and only the small rest of
the result (totals, rejections, the lengths) goes through the pipe.

- **Fork only.** The mapping is anonymous: a worker has it because it was
  forked with it. Under ``spawn`` (Windows; macOS) there are no slots and
  everything goes through the pipe, as it always did; the tests run both.
- **No file.** Anonymous memory has no name in any file system, so nothing
  of a roster is left anywhere when the run ends or is killed.
- **Slots are reused in turn.** The run keeps at most ``2 × workers`` chunks
  in flight and takes results in input order, so chunk *i*'s slot (``i`` modulo
  the number in flight) was last used by a chunk whose result has been
  taken; :meth:`SharedSlots.take` copies a result out before the next chunk
  is put in.
- **Bounded.** At most :data:`MAX_SLOTS` slots of :data:`SLOT_BYTES` (only
  the pages used count); a chunk past the slots' number, a chunk or result
  too large for a slot, and an unreadable record go through the pipe.
"""

from __future__ import annotations

import mmap
from array import array

from welfare_calc.batch.run.chunk_result import ChunkResult, InSlot

SLOT_BYTES = 8 << 20
"""Bytes of one slot: a chunk of input (about 1 MB) or its results (about 4 MB)."""
MAX_SLOTS = 16
"""Slots at most, whatever the number of workers (128 MB of address space)."""


class SharedSlots:
    """Slots of anonymous shared memory, made before the workers are forked."""

    def __init__(self, in_flight: int) -> None:
        self._in_flight = in_flight
        """Chunks in flight at most: chunk *i* takes slot *i* modulo this."""
        self._maps = [mmap.mmap(-1, SLOT_BYTES) for _ in range(min(in_flight, MAX_SLOTS))]

    def slot_of(self, number: int) -> int | None:
        """The slot of the run's chunk ``number`` (0-based); None: the pipe."""
        slot = number % self._in_flight
        return slot if slot < len(self._maps) else None

    def put(self, number: int, data: bytes) -> InSlot | None:
        """The run's chunk ``number``, in the parent, in its slot; None if it has none or
        does not fit (the pipe takes it)."""
        slot = self.slot_of(number)
        if slot is None or len(data) > SLOT_BYTES:
            return None
        self._maps[slot][:len(data)] = data
        return InSlot(slot, (len(data),))

    def get(self, where: InSlot) -> bytes:
        """A chunk's input, in the worker: copied out, the slot being the result's next."""
        return self._maps[where.slot][:where.lengths[0]]

    def keep(self, slot: int, result: ChunkResult) -> ChunkResult:
        """A result, in the worker: its bulk put in the slot, the rest to go through
        the pipe; all of it through the pipe if its bulk does not fit."""
        parts = (result.output, result.ledger, result.ids.tobytes(), result.side)
        if sum(map(len, parts)) > SLOT_BYTES:
            return result
        memory, at = self._maps[slot], 0
        for part in parts:
            memory[at:at + len(part)] = part
            at += len(part)
        result.output, result.ledger, result.ids, result.side = b"", b"", array("q"), b""
        result.in_slot = InSlot(slot, tuple(map(len, parts)))
        return result

    def take(self, result: ChunkResult) -> ChunkResult:
        """A result, in the parent, made whole: its bulk copied out of its slot."""
        where = result.in_slot
        if where is None:
            return result
        memory, at, parts = self._maps[where.slot], 0, []
        for length in where.lengths:
            parts.append(memory[at:at + length])
            at += length
        result.output, result.ledger = parts[0], parts[1]
        result.ids = array("q")
        result.ids.frombytes(parts[2])
        result.side = parts[3]
        result.in_slot = None
        return result

    def close(self) -> None:
        """Unmap every slot (the workers have ended)."""
        for memory in self._maps:
            memory.close()
