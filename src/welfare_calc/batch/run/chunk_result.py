"""What a chunk gives back: its output, its rejected rows, and the ledger of its rows.

:mod:`welfare_calc.batch.run.chunks` makes a :class:`ChunkResult` in a worker;
:mod:`welfare_calc.batch.run.shared_slots` carries its large parts back in shared
memory (:class:`InSlot`); :mod:`welfare_calc.batch.run.pipeline` puts it in place.
They share these types and the ledger's layout, and none of them imports another
for them: so no two modules of the run import each other.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import NamedTuple

from welfare_calc.batch.rows import groups
from welfare_calc.batch.rows.parsing import RowProblem
from welfare_calc.core.engine import WholeT


@dataclass(frozen=True)
class InSlot:
    """Where a chunk's input or results are: the slot, and the length of each part."""

    slot: int
    lengths: tuple[int, ...]



class Rejection(NamedTuple):
    """A rejected row, as the errors file reports it."""

    line: int
    ident: str
    """The id as given."""
    problems: list[RowProblem]
    row: list[str]
    """Its cells as read."""

class Written(NamedTuple):
    """A row written, with what the end of the run needs to know of it."""

    text: str
    """Its output line."""
    digest: int
    """:func:`~welfare_calc.batch.rows.ids.id_digest` of its id."""
    code: int
    """Its category's position in the table."""
    net: int
    """Back-pay in fen, or minus what was overpaid (a row has one or the other)."""
    span: int
    """Its coverage (:func:`span`), for the doubled-id check."""
    newly: bool = False
    """Whether the raise makes it newly eligible."""
    persons: int = 0
    """Its covered persons."""


@dataclass
class ChunkResult:
    """What a chunk produced, for the writer to put in place."""

    output: bytes = b""
    rejections: list[Rejection] = field(default_factory=list)
    ledger: bytes = b""
    """For every row written, in output order, :data:`LEDGER_WORDS` 64-bit numbers:
    its input line, coverage (:func:`span`), category position (plus
    :data:`NEWLY` when the raise makes it newly eligible), and back-pay in fen
    (minus the overpaid amount, for a row overpaid) as two words
    (:func:`split_amount`: an amount may pass 64 bits). The run keeps
    it on disk for the doubled-id check, which needs no text read back."""
    ids: array[int] = field(default_factory=lambda: array("q"))
    """:func:`~welfare_calc.batch.rows.ids.id_digest` of the id of every row written, in
    output order. Digests, not strings: a million fit in far less memory, and
    the end-of-run check compares the ids themselves."""
    totals: list[int] = field(default_factory=list)
    """Back-pay written per category (table order), in fen."""
    overpaid: list[int] = field(default_factory=list)
    """Overpaid amounts written per category (table order), in fen."""
    newly: list[int] = field(default_factory=list)
    """Rows written per category (table order) that the raise makes newly eligible."""
    households: list[int] = field(default_factory=list)
    """Rows written per category (table order): households (户数)."""
    persons: list[int] = field(default_factory=list)
    """Covered persons of the rows written, per category (人数)."""
    groups: dict[groups.Key, groups.Tally] = field(default_factory=dict)
    """With ``--group-by``: each group's counts, in the order groups first appear."""
    rows_read: int = 0
    undecodable_line: int | None = None
    unencodable: str | None = None
    """Which line and cell the output encoding cannot write, if one."""
    side: bytes = b""
    """What the run's documents make of this chunk's rows in the worker
    (:class:`~welfare_calc.batch.run.options.Chunkwise`); empty without."""
    in_slot: InSlot | None = None
    """Where ``output``, ``ledger``, ``ids`` and ``side`` are while they wait in shared memory
    (:mod:`welfare_calc.batch.run.shared_slots`); None: they are here."""

    @property
    def rows_written(self) -> int:
        """Rows written: one ledger entry each."""
        return len(self.ledger) // (8 * LEDGER_WORDS)

    @property
    def accepted(self) -> array[int]:
        """Input line of every row written, in output order (the ledger's first word)."""
        return array("q", self.ledger)[0::LEDGER_WORDS]


LEDGER_WORDS = 5
NEWLY = 1 << 16
"""Added to a row's category position in the ledger when it is newly eligible."""
PERSONS_SHIFT = 17
"""A row's covered persons sit above :data:`NEWLY` in the same ledger word."""


def ledger_code(code: WholeT, newly: WholeT | int, persons: WholeT) -> WholeT:
    """A row's category position, newly-eligible mark and persons, as one ledger word
    (integers or NumPy arrays alike); :func:`from_ledger_code` undoes it."""
    return code + newly * NEWLY + persons * (1 << PERSONS_SHIFT)


def from_ledger_code(coded: int) -> tuple[int, int, int]:
    """The category position, newly-eligible mark and persons of a ledger word."""
    return coded % NEWLY, (coded >> 16) & 1, coded >> PERSONS_SHIFT
"""64-bit numbers a written row leaves in :attr:`ChunkResult.ledger`."""
AMOUNT_BITS = 62
"""An amount in fen is kept as high and low words of this many bits: exact to 2**124."""


def split_amount(fen: int) -> tuple[int, int]:
    """An amount of fen as two numbers that fit 64 bits each; :func:`join_amount` undoes it."""
    return fen >> AMOUNT_BITS, fen & ((1 << AMOUNT_BITS) - 1)


def join_amount(high: int, low: int) -> int:
    """The amount :func:`split_amount` split."""
    return high << AMOUNT_BITS | low
