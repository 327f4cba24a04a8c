"""Ids and doubled ids: which ids are taken as written, and which rows pay one id twice.

A batch row's id is a household case number or a resident ID number
(居民身份证号). Each written row leaves an 8-byte digest of its id and its
coverage span; at the end of a run, rows whose digest repeats are checked
for overlapping coverage, a possible double payment, in NumPy.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from welfare_calc.core.identity import is_canonical_id
from welfare_calc.output.text import FORMULA_START

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


ID_MODULUS = (1 << 55) - 55
"""A prime: ids are digested as base-256 numbers modulo it (see :func:`id_digest`)."""


def id_digest(ident: str) -> int:
    """The 8-byte stand-in for an id in the index of ids: a candidate for a doubled id.

    The id's UTF-8 bytes as a base-256 number, modulo a prime below 2**55:
    the batch lane computes the same from the bytes in NumPy without
    overflowing 64 bits. Ids of up to 6 bytes never share a digest; longer
    ones rarely do, and the end-of-run check compares the ids themselves.
    """
    return int.from_bytes(ident.encode("utf-8", "surrogatepass"), "big") % ID_MODULUS


SPAN_BITS = 17
"""Bits of a month index in a packed coverage span (:data:`~welfare_calc.core.engine.OPEN_END`
is the largest index, ``2**17 - 1``)."""


def span(start: int, end: int) -> int:
    """A row's coverage, start and end month indexes, packed into one integer."""
    return start << SPAN_BITS | end


def plain_id(ident: str) -> bool:
    """Whether an id can be taken as written: printable (no line break, tab, NUL or other
    control or format character), and already in the core's canonical form
    (:func:`~welfare_calc.core.identity.is_canonical_id`: stripped, ASCII digits, no
    text prefix (``'``), no spaces or dashes inside an ID number, no ``.0``, an ID
    number's X upper-case, 18 digits and the right check digit).

    The quick paths ask this; an id that fails it goes to the careful checks,
    which canonicalise it or say what is wrong, so that one id is always one id.
    """
    return ident.isprintable() and is_canonical_id(ident)


def repeated_positions(values: array[int]) -> npt.NDArray[np.int64]:
    """Where values occur more than once (ascending positions): candidates for a doubled id.

    Sorting the 8-byte digests in NumPy finds repeats in a few hundredths of
    a second for a million rows; only when there are some does it sort their
    positions too. A repeated digest is only a candidate: two ids may share
    one, and :meth:`_BatchRun._doubled_lines` tells them apart.
    """
    import numpy as np  # noqa: PLC0415 - only a batch needs it, and only here

    digests = np.frombuffer(values, dtype=np.int64)
    if len(digests) < 2:
        return np.zeros(0, dtype=np.int64)
    ordered = np.sort(digests)
    if not (ordered[1:] == ordered[:-1]).any():  # the usual case: every id once
        return np.zeros(0, dtype=np.int64)
    del ordered
    order = np.argsort(digests)
    ordered = digests[order]
    same = ordered[1:] == ordered[:-1]
    del ordered
    repeated = np.zeros(len(order), dtype=bool)
    repeated[1:] |= same
    repeated[:-1] |= same
    del same
    positions = order[repeated]
    del order, repeated
    positions.sort()
    return positions


def overlapping(keys: list[npt.NDArray[np.int64]], spans: npt.NDArray[np.int64]
                ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Rows whose coverage overlaps an earlier row with the same keys, and that row.

    Sorted by keys, then start: a row overlaps some row of its group that
    starts no later than it exactly when it starts no later than the latest
    end seen so far in the group, and the row that ended latest is then one
    it overlaps. Every row of an overlapping pair is found, as a row or as a
    partner. In NumPy, sorting included: O(n log n) for n rows.
    """
    import numpy as np  # noqa: PLC0415

    if len(spans) < 2:
        nothing = np.zeros(0, dtype=np.int64)
        return nothing, nothing
    month = (1 << SPAN_BITS) - 1
    count = len(spans)
    order = np.lexsort((spans >> SPAN_BITS, *reversed(keys)))
    end = spans[order]
    start = end >> SPAN_BITS
    end &= month
    same = np.ones(count - 1, dtype=bool)
    for key in keys:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
        del ordered
    # A row's rank: its group, then its end; a later group outranks every earlier one.
    ranked = np.zeros(count, dtype=np.int64)
    np.cumsum(~same, out=ranked[1:])
    ranked <<= SPAN_BITS + 1
    ranked |= end
    del end
    latest = np.maximum.accumulate(ranked)
    holder = np.arange(count)
    holder[ranked != latest] = 0
    del ranked
    np.maximum.accumulate(holder, out=holder)
    latest &= month
    later = np.flatnonzero(same & (start[1:] <= latest[:-1]))
    return order[later + 1], order[holder[later]]


def written_id(cell: str) -> str:
    """The id a written cell stands for: stripped, without a neutralising quote."""
    text = cell.strip()
    if text[:1] == "'" and text[1:2] in FORMULA_START:
        text = text[1:].strip()
    return text


