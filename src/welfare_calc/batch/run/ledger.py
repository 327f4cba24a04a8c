"""The ledger of the rows written, and the search for rows that pay one id twice.

Rows sharing an id with overlapping coverage are all rejected, as a possible double
payment; that can only be known once every row is read. So the run keeps, for every
row written, in output order: its id's digest in memory (8 bytes a row, the one thing
in memory that grows with the input) and its ledger entry on disk
(:data:`~welfare_calc.batch.run.chunk_result.LEDGER_WORDS` words: line, coverage,
category, amount; no personal data), and searches them at the end.
"""

from __future__ import annotations

import hashlib
import tempfile
from array import array
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from welfare_calc.batch.rows.ids import overlapping, repeated_positions, written_id
from welfare_calc.batch.run.chunk_result import (
    LEDGER_WORDS,
    ChunkResult,
    from_ledger_code,
    join_amount,
)
from welfare_calc.batch.write.staging import describe
from welfare_calc.core.errors import TargetError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def _temporary_failed(error: OSError) -> TargetError:
    """A write to the ledger failed: the temporary directory (TMPDIR, %TEMP%) is full."""
    return TargetError(describe(error, Path(tempfile.gettempdir()) / "welfare-calc-*"))


class Ledger:
    """Every written row's id digest and ledger entry, in output order."""

    def __init__(self) -> None:
        self.order = array("q")
        """The id digest of every row written, in output order: the index of ids."""
        self.written = 0
        try:
            self.side: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        except OSError as error:
            raise TargetError(describe(error, Path(tempfile.gettempdir()) / "welfare-calc-*",
                                       "create")) from None

    def add(self, result: ChunkResult) -> None:
        """A chunk's rows written: their entries and id digests."""
        try:
            self.side.write(result.ledger)
        except OSError as error:
            raise _temporary_failed(error) from None
        self.written += result.rows_written
        self.order.extend(result.ids)

    def entry(self, position: int) -> tuple[int, int, int, int, int]:
        """The entry of the row written at ``position``: its line, category position,
        newly-eligible mark, persons, and net amount in fen."""
        self.side.seek(8 * LEDGER_WORDS * position)
        line, _spans, coded, high, low = array("q", self.side.read(8 * LEDGER_WORDS))
        code, newly, persons = from_ledger_code(coded)
        return line, code, newly, persons, join_amount(high, low)

    def households(self, drops: Collection[int]) -> array[int]:
        """The category position, newly-eligible mark and persons (one ledger word,
        :func:`~welfare_calc.batch.run.chunk_result.from_ledger_code`) of every row
        written and kept (those at ``drops`` left out), in output order: the households
        as the run read them, for a 公示 list to take rather than read its rows again."""
        try:
            self.side.flush()
            self.side.seek(0)
            kept = array("q")
            position = 0
            while block := self.side.read(8 * LEDGER_WORDS * 4096):
                for coded in array("q", block)[2::LEDGER_WORDS]:
                    if position not in drops:
                        kept.append(coded)
                    position += 1
        except OSError as error:
            raise _temporary_failed(error) from None
        return kept

    def close(self) -> None:
        self.side.close()

    def doubled(self, written: Callable[[], Iterator[list[str]]], id_at: int
                ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Output positions of rows whose id another row with overlapping coverage
        shares (ascending), and the line of such a row for each.

        Near-linear: only rows whose id digest repeats are looked at, in
        NumPy (:func:`overlapping`). A shared digest may be two ids, so where
        rows overlap, their ids are told apart by a second, independent
        digest of the id as written (BLAKE2b, 64 bits), read back from the
        output (``written``: its rows, the id at ``id_at``): rows are one id when
        both digests agree (for two different ids, a chance of about 2**-119).
        """
        import numpy as np  # noqa: PLC0415 - only a batch needs it, and only here

        candidates = repeated_positions(self.order)
        nothing = np.zeros(0, dtype=np.int64)
        if not len(candidates):
            return nothing, nothing
        digests = np.frombuffer(self.order, dtype=np.int64)
        try:
            self.side.flush()
        except OSError as error:
            raise _temporary_failed(error) from None
        side = np.memmap(self.side, dtype=np.int64, mode="r", shape=(self.written, LEDGER_WORDS))
        lines, spans = side[:, 0], side[:, 1]
        first, _ = overlapping([digests[candidates]], spans[candidates])
        if not len(first):
            return nothing, nothing
        suspects = candidates[np.isin(digests[candidates],
                                      np.unique(digests[candidates[first]]))]
        del candidates, first
        second = _second_digests(written(), id_at, suspects)
        rows, partners = overlapping([digests[suspects], second], spans[suspects])
        # Each row of a pair names the other; a row in several pairs, its first.
        keys = np.empty(2 * len(rows), dtype=np.int64)
        keys[0::2], keys[1::2] = suspects[partners], suspects[rows]
        named = np.empty_like(keys)
        named[0::2], named[1::2] = keys[1::2], keys[0::2]
        positions, first_named = np.unique(keys, return_index=True)
        return positions, np.asarray(lines[named[first_named]])


def _second_digests(rows: Iterator[list[str]], id_at: int, positions: npt.NDArray[np.int64]
                    ) -> npt.NDArray[np.int64]:
    """A BLAKE2b digest of the written id of each row at ``positions`` (ascending)."""
    import numpy as np  # noqa: PLC0415

    wanted = positions.tolist()
    result = np.empty(len(wanted), dtype=np.int64)
    found = 0
    for position, cells in enumerate(rows):
        if found == len(wanted):
            break
        if position == wanted[found]:
            ident = written_id(cells[id_at]).encode("utf-8", "surrogatepass")
            result[found] = int.from_bytes(hashlib.blake2b(ident, digest_size=8).digest(),
                                           "big", signed=True)
            found += 1
    return result
