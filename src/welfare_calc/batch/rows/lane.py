"""The batch's column-wise lane: a whole chunk of plainly written rows at once, in NumPy.

Why: read cell by cell in Python a row costs about three microseconds, and
a million of them kept the batch above 1.5 times a plain csv copy. Here a
chunk's bytes are one NumPy array: cells are found, checked, parsed and
computed for all rows together, and the three computed cells written as
text by NumPy's string functions.

The lane does syntax only: it finds and parses cells. Meaning is the
core's: the values it reads are put to every rule the core registers
(:func:`~welfare_calc.core.rules.accepts`), each rule once per distinct tuple
of the fields it reads, the tuples packed into one integer key per line and
the verdicts kept for the run in memory the forked workers share
(:class:`_Verdicts`); a rule that reads the id is asked once per line. The
lane keeps no rule of its own, so a rule added to the core holds here with no
other edit, whatever fields it reads (``tests/test_one_rule.py``); it asks the
rules registered when it is made (a run's). It takes, of what the core's rules
accept:

- the usual layout (``id,category,persons,income,start,end``, an empty
  ``paid`` if there is one, then any columns carried through, none of whose
  cells starts like a formula), in a chunk without quotes or whose quotes
  only wrap whole cells (:func:`unquoted` takes those away);
- with ``--group-by``, a locality cell of at most ``GROUP_MAX`` bytes: each
  distinct one is decoded once, and made a group by
  :func:`~welfare_calc.batch.rows.groups.key_of`, as the per-row path makes it;
- an id of printable ASCII without spaces, at most 32 characters, not
  starting with ``= + - @``, that the core takes as written
  (:func:`~welfare_calc.core.identity.is_canonical_id`, asked of every id: an
  id in another spelling, ``'…``, ``…1012.0`` or ``110105-…``, is not);
- a category spelled exactly as the table spells it, whose window is one
  run of equal standards (:meth:`BackpayEngine.lane`);
- persons of one or two digits without a leading zero; an income of 1..9
  whole digits and none, one or two decimals; start and end empty or
  ``YYYY-MM``;
- a back-pay that is not negative.

For Excel (``--excel``) a taken line's cells of digits that a spreadsheet would
change get a tab after them, in one NumPy insertion, as
:func:`~welfare_calc.output.text.kept_as_text` writes them on the per-row path.

Every other line is handed back, by number, to the per-row path. The
arithmetic is :meth:`BackpayEngine.lane`'s, and ``tests/test_batch_properties.py``
holds this lane to the per-row path and to the core.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from welfare_calc.batch.rows import groups
from welfare_calc.batch.rows.ids import ID_MODULUS, SPAN_BITS
from welfare_calc.batch.rows.parsing import REQUIRED, month_or_open
from welfare_calc.core import engine, rules
from welfare_calc.core.engine import OPEN_END, OPEN_START, UNITS_PER_FEN, BackpayEngine
from welfare_calc.core.identity import is_canonical_id
from welfare_calc.core.money import RoundingPoint
from welfare_calc.core.table import StandardsTable
from welfare_calc.output.text import FORMULA_START, LONG_DIGITS, TEXT_MARK

Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]
Bytes = npt.NDArray[np.uint8]
Texts = npt.NDArray[np.bytes_]

NEWLINE, COMMA, DOT, DASH, ZERO, NINE, QUOTE = b'\n,.-09"'
ID_MAX = 32
"""Longest id the lane reads; longer ones take the per-row path."""
INCOME_MAX = 12
"""Longest income cell the lane reads: 9 whole digits, a dot, 2 decimals."""
INCOME_BITS = 37
"""Bits of the largest income the lane reads, in fen (10**11 - 1)."""
assert 10 ** (INCOME_MAX - 1) <= 1 << INCOME_BITS
CATEGORY_PREFIX = 16
"""Bytes of a category cell compared at once (as two 8-byte words)."""
PADDING = 128
"""Zero bytes after a chunk, so that every cell can be read as wide as the lane reads any
(``ID_MAX``, ``GROUP_MAX``): a window past the end would be moved back, onto other bytes."""
_SCALE = np.array([100, 10, 1], dtype=np.int64)
"""Fen per unit of the digits read, by the number of decimals written."""
_POWERS = np.array([10 ** power for power in range(19)], dtype=np.int64)
GROUP_MAX = 96
"""Longest locality cell (in bytes) the lane reads; longer ones take the per-row path."""
_FORMULA_BYTES = np.frombuffer("".join(FORMULA_START).encode("ascii"), dtype=np.uint8)
"""First bytes of a cell the CSV output neutralises (or may): such lines take the per-row
path, which writes them as csv_safe says."""
assert max(ID_MAX, GROUP_MAX, INCOME_MAX, CATEGORY_PREFIX) <= PADDING, "read past the padding"
DIGITS_SEEN = 32
"""Bytes of a carried cell looked at at once for Excel's text marks (``_marked``)."""
assert DIGITS_SEEN <= PADDING, "read past the padding"
NUMBERS_KEPT = 1 << 17
"""Whole yuan up to which the text of a number is looked up (131,071 yuan; 0.8 MB)."""


def unquoted(data: bytes) -> bytes | None:
    """``data`` without its quotes, when each pair only wraps a whole cell, else None.

    A cell written ``"H1"`` reads as ``H1``; without a comma, a quote or a
    line end inside it, its quotes can go and every line is read the same.
    A line that is only ``""`` is a row of one empty cell, not a blank line,
    so it keeps its quotes (None).
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(buf == QUOTE)
    if len(quotes) % 2:
        return None
    opening, closing = quotes[0::2], quotes[1::2]
    before = np.where(opening > 0, buf[np.maximum(opening - 1, 0)], NEWLINE)
    after = np.where(closing + 1 < len(buf), buf[np.minimum(closing + 1, len(buf) - 1)],
                     NEWLINE)
    bounds = np.frombuffer(b",\n", dtype=np.uint8)
    inside = np.flatnonzero((buf == COMMA) | (buf == NEWLINE))
    wraps = (np.isin(before, bounds) & np.isin(after, bounds)
             & (np.searchsorted(inside, opening) == np.searchsorted(inside, closing))
             & ~((before == NEWLINE) & (after == NEWLINE) & (closing == opening + 1)))
    return data.replace(b'"', b"") if wraps.all() else None


@dataclass(frozen=True)
class LaneOutput:
    """What the lane made of one chunk; the lines it did not take are ``~taken``."""

    taken: Flags
    """Per line: written by the lane."""
    pieces: list[bytes]
    """Two per line, the output being their concatenation: the line as it
    came, and its computed cells with the line end. For a line not taken
    the second is meaningless: the caller replaces both."""
    digests: Ints
    """Per line: :func:`~welfare_calc.batch.rows.ids.id_digest` of the id (taken lines)."""
    spans: Ints
    """Per line: the coverage, packed as :func:`~welfare_calc.batch.rows.ids.span` packs it."""
    codes: Ints
    """Per line: the category's position in the table (taken lines)."""
    backpays: Ints
    """Per line: the back-pay in fen (taken lines)."""
    totals: list[int]
    """Back-pay of the taken lines per category (table order), in fen."""
    newly: Ints
    """Per line: 1 if the raise makes the household newly eligible, else 0 (taken lines)."""
    newly_counts: list[int]
    """Taken lines per category (table order) that the raise makes newly eligible."""
    persons: Ints
    """Per line: its covered persons (taken lines)."""
    households: list[int]
    """Taken lines per category (table order)."""
    persons_counts: list[int]
    """Covered persons of the taken lines per category (table order)."""
    cells: WrittenCells
    """Per line, where its cells are in the chunk read, and its months and monthly amount
    as written (taken lines): what a documents maker reads of the rows the lane wrote."""
    group_of: Ints | None = None
    """With ``--group-by``: per line, its group's position in ``group_keys`` (taken lines)."""
    group_keys: list[groups.Key] | None = None
    """With ``--group-by``: the groups of this chunk's taken lines, in no set order."""


@dataclass(frozen=True)
class WrittenCells:
    """Where the cells of a chunk's written rows are, as the lane found them, for a chunk
    whose rows the lane wrote every one (each row the line it read and the computed cells,
    in the same encoding, nothing marked): what a documents maker reads of the rows
    (:class:`~welfare_calc.batch.run.options.Chunkwise`) without cutting the text written
    into cells again."""

    chunk: ChunkBytes
    """The chunk read (each line as it is written, before its computed cells)."""
    begin: Ints
    length: Ints
    """Per written row and cell read: where it begins in :attr:`chunk`, and its length."""
    months: Ints
    monthly: Ints
    """Per written row: the ``months`` and ``monthly`` cells' values (fen)."""
    monthly_yuan: Texts
    """Per written row: the ``monthly`` cell's whole yuan, as written."""

    def of_rows(self, rows: Ints) -> WrittenCells:
        """The cells of ``rows`` alone (the lines the lane wrote of a chunk's lines)."""
        return WrittenCells(self.chunk, self.begin[rows], self.length[rows], self.months[rows],
                            self.monthly[rows], self.monthly_yuan[rows])

    def monthly_texts(self, rows: Ints) -> Texts:
        """The ``monthly`` cells of ``rows`` as written (``625.00``)."""
        texts: Texts = np.strings.add(self.monthly_yuan[rows], _CENTS[self.monthly[rows] % 100])
        return texts


_CENTS = np.array([b".%02d" % cents for cents in range(100)])


class ChunkBytes:
    """A chunk's bytes, padded, with a way to read every cell of a column."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.buf = np.frombuffer(data, dtype=np.uint8)
        self._padded = np.concatenate((self.buf, np.zeros(PADDING, dtype=np.uint8)))

    def at(self, begin: Ints, width: int) -> Bytes:
        """``width`` bytes from each of ``begin``, one row each (past a cell: what follows it)."""
        windows = np.lib.stride_tricks.sliding_window_view(self._padded, width)
        found: Bytes = windows[np.clip(begin, 0, len(windows) - 1)]
        return found

    def cells(self, begin: Ints, length: Ints, width: int) -> Bytes:
        """The first ``width`` bytes of every cell, one row each, zero past the cell's end."""
        cells = self.at(begin, width)
        np.putmask(cells, np.arange(width) >= length[:, None], 0)
        return cells


def digit_values(cells: Bytes) -> tuple[Ints, Flags]:
    """Each byte's digit value, and whether it is an ASCII digit."""
    values = cells.astype(np.int64) - ZERO
    return values, (values >= 0) & (values <= 9)


def _persons(cells: Bytes, length: Ints) -> tuple[Ints, Flags]:
    """1..99 written without a leading zero (``cells``: two bytes from each cell's start)."""
    digit, is_digit = digit_values(cells)
    two = length == 2
    persons = np.where(two, digit[:, 0] * 10 + digit[:, 1], digit[:, 0])
    valid = (((length == 1) | (two & is_digit[:, 1]))
             & (digit[:, 0] >= 1) & (digit[:, 0] <= 9))
    return persons, valid


UNKNOWN, ACCEPTED, REFUSED = 0, 1, 2
DENSE_BITS = 20
DENSE = 1 << DENSE_BITS
"""Keys below this (a count of persons, an income up to 10,485.75 yuan in fen, a category
and a care tier) keep their verdict in a table indexed by key (1 MB); larger ones (a
pair of months) in a sorted array."""


class _Verdicts:
    """The core's verdict on each tuple of one set of fields, by the tuple's packed key,
    kept for the run.

    The lane reads numbers its own way, for speed; whether the core's rules accept
    them is the core's to say (:func:`rules.accepts`), once per tuple a run. Verdicts
    are kept where NumPy finds them for a whole chunk at once: a table indexed by key
    for small keys, a sorted array searched for the rest; only tuples never seen
    reach Python.
    """

    def __init__(self, bits: int) -> None:
        self._small = bits <= DENSE_BITS
        """Whether every key of a taken line fits the table (a line not taken may have
        any key: it is looked up anywhere, and its verdict not used)."""
        # Anonymous shared memory (zeros: UNKNOWN): workers forked after the lane is
        # built share one table, so a tuple one of them asked is known to all. A
        # verdict is written once, whole (one byte, after the core has answered):
        # a worker sees UNKNOWN and asks for itself, or the core's answer.
        size = 1 << min(bits, DENSE_BITS)
        try:
            self._table: npt.NDArray[np.int8] = np.frombuffer(mmap.mmap(-1, size),
                                                               dtype=np.int8)
        except (OSError, MemoryError):  # (no address space to spare: each worker its own)
            self._table = np.zeros(size, dtype=np.int8)
        self._mask = size - 1
        self._seen: Ints = np.zeros(0, dtype=np.int64)
        """Larger keys asked (sorted), each with its verdict in :attr:`_said`."""
        self._said: npt.NDArray[np.int8] = np.zeros(0, dtype=np.int8)

    def lookup(self, keys: Ints) -> npt.NDArray[np.int8]:
        """Per line: the verdict known on its key (:data:`UNKNOWN` where none is)."""
        if self._small:
            found: npt.NDArray[np.int8] = self._table[keys & self._mask]
            return found
        fits = (keys >= 0) & (keys < DENSE)
        found = self._table[np.where(fits, keys, 0)]
        large = np.flatnonzero(~fits)
        if len(large):
            wanted = keys[large]
            if len(self._seen):
                at = np.minimum(np.searchsorted(self._seen, wanted), len(self._seen) - 1)
                found[large] = np.where(self._seen[at] == wanted, self._said[at], UNKNOWN)
            else:
                found[large] = UNKNOWN
        return found

    def record(self, keys: Ints, accepted: Flags) -> None:
        """The core's verdicts on ``keys`` (distinct keys of taken lines)."""
        said = np.where(accepted, ACCEPTED, REFUSED).astype(np.int8)
        dense = keys < DENSE
        self._table[keys[dense]] = said[dense]
        if not dense.all():
            seen = np.concatenate((self._seen, keys[~dense]))
            order = np.argsort(seen, kind="stable")
            self._seen = seen[order]
            self._said = np.concatenate((self._said, said[~dense]))[order]


class _Field(NamedTuple):
    """One field of a chunk's lines as the lane holds it, for the core's rules."""

    codes: Ints
    """Per line: the value as a non-negative integer (lines not taken: anything)."""
    values: Callable[[Ints], list[object]]
    """The values the rules see (:data:`~welfare_calc.core.rules.FIELDS`) of some codes."""


KEY_BITS = 62
"""Most bits a packed tuple of codes may take (a key is a signed 64-bit number)."""
PER_LINE = -1
"""The bits of a field that is one value a line (the id): its tuples are never packed."""


class _Columns:
    """A chunk's lines as the core's rules see them (:class:`~welfare_calc.core.rules.Columns`).

    The codes of a rule's fields are packed into one integer key per line, so that
    NumPy finds the distinct tuples, and their verdicts are kept for the run
    (:class:`_Verdicts`, shared by forked workers); a tuple with the id, or one too
    wide to pack, is asked once per distinct tuple in the chunk.
    """

    def __init__(self, lane: Lane, fields: dict[str, _Field], taken: Flags) -> None:
        self._lane = lane
        self._fields = fields
        self.taken = taken

    def ask(self, fields: tuple[str, ...], judge: rules.Judge) -> None:
        verdicts = self._lane.verdicts(fields)
        if verdicts is None:  # one tuple a line, or too wide to pack
            self._ask_each(fields, judge)
            return
        bits = [self._lane.field_bits[field] for field in fields]
        if sum(bits):
            keys = self._fields[fields[0]].codes
            for field, shift in zip(fields[1:], bits[1:], strict=True):
                if shift:  # (a field of one value, None, adds nothing to the key)
                    keys = (keys << shift) | self._fields[field].codes
            known = verdicts.lookup(keys)
            asked = np.unique(keys[self.taken & (known == UNKNOWN)])
        else:  # fields the lane reads no value of (each None): one key for every line
            keys = np.zeros(1, dtype=np.int64)
            known = verdicts.lookup(keys)
            asked = keys[(known == UNKNOWN) & self.taken.any()]
        if len(asked):
            codes, rest = [], asked
            for shift in reversed(bits):
                codes.append(rest & ((1 << shift) - 1))
                rest = rest >> shift
            columns = [self._fields[field].values(code)
                       for field, code in zip(fields, reversed(codes), strict=True)]
            verdicts.record(asked, np.fromiter(map(judge, zip(*columns, strict=True)),
                                               dtype=bool, count=len(asked)))
            known = verdicts.lookup(keys)
        self.taken &= known != REFUSED

    def _ask_each(self, fields: tuple[str, ...], judge: rules.Judge) -> None:
        """The distinct tuples of ``fields`` among the taken lines, asked for this chunk."""
        lines = np.flatnonzero(self.taken)
        if not len(lines):
            return
        stacked = np.stack([self._fields[field].codes[lines] for field in fields])
        unique, at = np.unique(stacked, axis=1, return_inverse=True)
        columns = [self._fields[field].values(unique[row]) for row, field in enumerate(fields)]
        said = np.fromiter(map(judge, zip(*columns, strict=True)), dtype=bool,
                           count=unique.shape[1])
        self.taken[lines] = said[at.ravel()]

    def mask(self) -> Flags:
        return self.taken


def _amount(cells: Bytes, length: Ints) -> tuple[Ints, Flags]:
    """Fen of ``123``, ``123.4`` or ``123.45`` (1..9 whole digits), as RowParser.amount."""
    digit, is_digit = digit_values(cells)
    is_dot = cells == DOT
    dots = is_dot.sum(axis=1)
    dot_at = np.where(dots == 1, is_dot.argmax(axis=1), length)
    decimals = length - dot_at - (dots == 1)
    # Every byte of the cell a digit or a dot (so none past the bytes read); two
    # dots or more leave no decimals counted, and a dot needs decimals.
    valid = ((is_digit.sum(axis=1) + dots == length)
             & (dot_at >= 1) & (dot_at <= INCOME_MAX - 3) & (decimals <= 2)
             & ((dots == 0) | (decimals >= 1)))
    value = np.zeros(len(cells), dtype=np.int64)
    for position in range(cells.shape[1]):
        value = np.where(is_digit[:, position], value * 10 + digit[:, position], value)
    return value * _SCALE[np.clip(decimals, 0, 2)], valid


def _months(chunk: ChunkBytes, begin: Ints, length: Ints, empty: int) -> tuple[Ints, Flags]:
    """Month index of ``YYYY-MM`` (months 01..12, year ≥ 1), ``empty`` for an empty cell."""
    index = np.full(len(begin), empty, dtype=np.int64)
    valid = length == 0
    written = np.flatnonzero(~valid)
    digit, is_digit = digit_values(chunk.at(begin[written], 7))
    year = digit[:, 0] * 1000 + digit[:, 1] * 100 + digit[:, 2] * 10 + digit[:, 3]
    month = digit[:, 5] * 10 + digit[:, 6]
    index[written] = year * 12 + month - 1
    valid[written] = ((length[written] == 7) & is_digit[:, [0, 1, 2, 3, 5, 6]].all(axis=1)
                      & (digit[:, 4] == DASH - ZERO) & (month >= 1) & (month <= 12)
                      & (year >= 1))
    return index, valid


def _decimal(values: Ints, *, places: int = 0) -> Texts:
    """Non-negative numbers as ASCII digits (at least ``places`` of them), one string each."""
    width = np.maximum(np.searchsorted(_POWERS, values, side="right"), max(places, 1))
    longest = int(width.max(initial=1))
    digits = np.zeros((len(values), longest), dtype=np.uint8)
    for position in range(longest):
        power = _POWERS[np.clip(width - 1 - position, 0, None)]
        digits[:, position] = np.where(position < width, values // power % 10 + ZERO, 0)
    return digits.view(f"S{longest}").reshape(len(values))


def _written(values: Ints, table: Texts) -> Texts:
    """Non-negative numbers as text: looked up in ``table``, or written when past it."""
    text = table[np.clip(values, 0, len(table) - 1)]
    past = np.flatnonzero(values >= len(table))
    if len(past):
        longer = _decimal(values[past])
        text = text.astype(f"S{max(text.itemsize, longer.itemsize)}")
        text[past] = longer
    return text


def _fits(lane: tuple[bool, int, int, int, int, int, int]) -> bool:
    """Whether a category's back-pay stays well inside 64 bits for 99 persons and any income.

    Incomes only lower the standards (to no less than zero), so the largest
    standard, times the window's months and 99 persons, bounds every product.
    """
    _, first, last, due, paid, new, _ = lane
    return (last - first + 1) * 99 * max(due, paid, new) < 1 << 60


LONG = -2
"""A spelling's first bytes matched, but it is longer than they are: the rest is compared."""


class _Spellings:
    """The table's spellings of each category, found for a whole column at once.

    A cell is matched by its length and first :data:`CATEGORY_PREFIX` bytes (two
    8-byte words), mixed into one number and looked up among the spellings' in
    one sorted search, rather than compared with every spelling in turn; a hit
    is then checked word for word (a mixed number shared by two cells is
    caught there, and the cell goes to the per-row path). A spelling longer
    than its first bytes has the rest compared, on the rows that matched them.
    """

    def __init__(self, spellings: list[tuple[bytes, int]]) -> None:
        self._long: dict[tuple[int, int, int], list[tuple[bytes, int]]] = {}
        """Spellings longer than the words, by their first words and length."""
        found: dict[int, tuple[int, int, int, int]] = {}
        for spelling, position in spellings:
            first, second = _words(spelling)
            triple = (first, second, len(spelling))
            code = position
            if len(spelling) > CATEGORY_PREFIX:
                self._long.setdefault(triple, []).append((spelling, position))
                code = LONG
            key = int(_mixed(np.array([first], np.uint64), np.array([second], np.uint64),
                             np.array([len(spelling)], np.int64))[0])
            if key in found and found[key][:3] != triple:
                code = -1  # two spellings mix to one number: both go row by row
            found[key] = (*triple, code)
        order = sorted(found)
        self._keys = np.array(order, dtype=np.uint64)
        self._first = np.array([found[key][0] for key in order], dtype=np.uint64)
        self._second = np.array([found[key][1] for key in order], dtype=np.uint64)
        self._length = np.array([found[key][2] for key in order], dtype=np.int64)
        self._code = np.array([found[key][3] for key in order], dtype=np.int64)

    def find(self, chunk: ChunkBytes, begin: Ints, length: Ints) -> Ints:
        """Position of the category each cell spells exactly, else -1."""
        if not len(self._keys):
            return np.full(len(begin), -1, dtype=np.int64)
        words = chunk.cells(begin, length, CATEGORY_PREFIX).view(np.uint64)
        first, second = words[:, 0], words[:, 1]
        at = np.minimum(np.searchsorted(self._keys, _mixed(first, second, length)),
                        len(self._keys) - 1)
        hit = ((self._first[at] == first) & (self._second[at] == second)
               & (self._length[at] == length))
        code: Ints = np.where(hit, self._code[at], -1)
        rows = np.flatnonzero(code == LONG)
        if len(rows):
            code[rows] = -1
            for (head, tail, size), spellings in self._long.items():
                these = rows[(first[rows] == head) & (second[rows] == tail)
                             & (length[rows] == size)]
                for spelling, position in spellings:
                    rest = spelling[CATEGORY_PREFIX:]
                    cells = chunk.at(begin[these] + CATEGORY_PREFIX, len(rest))
                    same = (cells == np.frombuffer(rest, dtype=np.uint8)).all(axis=1)
                    code[these[same]] = position
        return code


def _words(spelling: bytes) -> tuple[int, int]:
    """A spelling's first :data:`CATEGORY_PREFIX` bytes as two 8-byte words (zero past it)."""
    first, second = np.frombuffer(spelling[:CATEGORY_PREFIX].ljust(CATEGORY_PREFIX, b"\0"),
                                  dtype=np.uint64).tolist()
    return first, second


_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F], dtype=np.uint64)


def _mixed(first: npt.NDArray[np.uint64], second: npt.NDArray[np.uint64],
           length: Ints) -> npt.NDArray[np.uint64]:
    """One number for two words and a length (wrapping multiplication: a search key only)."""
    mixed: npt.NDArray[np.uint64] = (first * _MIX[0]) ^ (second * _MIX[1]) ^ length.astype(
        np.uint64)
    return mixed


class Lane:
    """Reads chunks of one header, table and window; see the module docstring."""

    def __init__(self, table: StandardsTable, plan: BackpayEngine, names: dict[str, str],
                 categories: list[str],
                 encoding: str, newline: str, width: int,
                 yes_no: tuple[str, str] = ("false", "true"), *,
                 paid_column: bool,
                 group_at: tuple[tuple[int, int | None], ...] = (),
                 text_marks: tuple[tuple[int, bool], ...] = ()) -> None:
        code_of = {key: position for position, key in enumerate(categories)}
        lanes = {key: lane for key in categories
                 if (lane := plan.lane(key)) is not None and _fits(lane)}
        # A category without lane constants has no spelling below: its rows
        # take the per-row path.
        constants = [lanes.get(key, (False, 0, -1, 0, 0, 0, -1)) for key in categories]
        gap, first, last, due, paid, new, old = zip(*constants, strict=True)
        self._gap = np.array(gap, dtype=np.int64)
        self._first = np.array(first, dtype=np.int64)
        self._last = np.array(last, dtype=np.int64)
        self._due = np.array(due, dtype=np.int64)
        self._paid = np.array(paid, dtype=np.int64)
        self._new = np.array(new, dtype=np.int64)
        self._old = np.array(old, dtype=np.int64)
        spellings = []
        for name, key in names.items():
            if key not in lanes:
                continue
            try:
                spellings.append((name.encode(encoding), code_of[key]))
            except UnicodeEncodeError:
                continue
        self._spellings = _Spellings(spellings)
        self._count = len(categories)
        self._width = width
        self._paid_given = paid_column
        first_carried = len(REQUIRED) + self._paid_given
        self._carried = list(range(first_carried, width))
        """Columns carried through as they are (a locality, a name, a note)."""
        self._group_at = group_at
        self._text_marks = text_marks
        """For Excel: the columns whose cells of digits may be kept as text, each with
        whether every such cell is (the id, an account …) or only a long one."""
        self._encoding = encoding
        # The core's rules are asked of each distinct tuple of their fields
        # (rules.accepts), their verdicts kept here for the run: made now, before the
        # workers are forked, so that they share them.
        self._table = table
        self._categories = categories
        self.field_bits = {"id": PER_LINE, "category": max(len(categories) - 1, 1).bit_length(),
                           "persons": 7, "income": INCOME_BITS, "start": SPAN_BITS,
                           "end": SPAN_BITS, "paid": 0, "supplement": 0, "care": 0}
        """Bits of each field's codes, for packing a rule's fields into one key (a field
        the lane reads no value of, 0: its one value is None)."""
        self._verdicts: dict[tuple[str, ...], _Verdicts] = {}
        for fields, _ in rules.groups():
            self.verdicts(fields)
        # Text of the numbers the tails are made of, looked up rather than written.
        self._numbers = _decimal(np.arange(NUMBERS_KEPT, dtype=np.int64))
        longest = int((self._last - self._first).max(initial=0)) + 1
        self._months_text = np.array([b",%d," % count for count in range(longest + 1)])
        self._cents_comma = np.array([b".%02d," % cents for cents in range(100)])
        # The monthly amount's cents, then the overpaid column: 0.00 on every line
        # the lane takes (it takes no amount paid given, and no standard that fell);
        # then newly_eligible and the line end.
        # One text per (cents, newly eligible): index 2 × cents + newly.
        flags = [word.encode(encoding) for word in yes_no]
        self._cents_end = np.array([b".%02d,0.00,%s%s" % (cents, flag, newline.encode("ascii"))
                                    for cents in range(100) for flag in flags])
        self._monthly_rounding = plan.point is RoundingPoint.HOUSEHOLD_MONTH

    def run(self, data: bytes) -> LaneOutput:
        """Read every line of ``data`` (whole lines, each ending in ``\\n``, no quotes left)."""
        chunk = ChunkBytes(data)
        begin, length, taken = self._cells_of(chunk.buf)

        id_length = length[:, 0]
        id_width = int(np.clip(id_length.max(initial=1), 1, ID_MAX))
        ids = chunk.at(begin[:, 0], id_width)
        printable = (ids >= 0x21) & (ids <= 0x7E)
        past_end = np.arange(id_width) >= id_length[:, None]
        taken &= ((id_length >= 1) & (id_length <= id_width)
                  & (printable | past_end).all(axis=1)
                  & ~np.isin(ids[:, 0], np.frombuffer(b"=+-@", dtype=np.uint8)))

        code = self._spellings.find(chunk, begin[:, 1], length[:, 1])
        persons, valid = _persons(chunk.at(begin[:, 2], 2), length[:, 2])
        taken &= (code >= 0) & valid
        income_width = int(np.clip(length[:, 3].max(initial=1), 1, INCOME_MAX))
        income, valid = _amount(chunk.cells(begin[:, 3], length[:, 3], income_width),
                                length[:, 3])
        taken &= valid
        start, valid = _months(chunk, begin[:, 4], length[:, 4], OPEN_START)
        taken &= valid
        end, valid = _months(chunk, begin[:, 5], length[:, 5], OPEN_END)
        taken &= valid
        if self._paid_given:
            taken &= length[:, 6] == 0  # an amount paid given: the plan's arithmetic
        for column in self._carried:  # a cell to neutralise: csv_safe's, row by row
            taken &= (length[:, column] == 0) | ~np.isin(chunk.at(begin[:, column], 1)[:, 0],
                                                         _FORMULA_BYTES)
        group_of, group_keys = None, None
        if self._group_at:
            for column, _ in self._group_at:  # (a NUL byte would end a NumPy string)
                width = int(np.clip(length[:, column].max(initial=1), 1, GROUP_MAX))
                cells = chunk.cells(begin[:, column], length[:, column], width)
                taken &= (length[:, column] <= GROUP_MAX) & (
                    np.count_nonzero(cells, axis=1) == length[:, column])
        # Every id is the core's to accept, each asked (ids do not repeat): an ID
        # number's check digit and x, an old 15-digit number, and any rule added.
        lines = np.flatnonzero(taken)
        written = chunk.cells(begin[lines, 0], id_length[lines], id_width)
        # (zero bytes past each id; ASCII, so one decode for them all)
        texts = b"\n".join(written.view(f"S{id_width}").ravel().tolist()).decode("ascii")
        id_texts = texts.split("\n")
        taken[lines] = np.fromiter(map(is_canonical_id, id_texts), dtype=bool,
                                   count=len(lines))
        # What the lines read hold, as the core's rules see it: every rule asked once
        # per distinct tuple of its fields (rules.accepts).
        taken = rules.accepts(self._table, _Columns(self, self._fields(
            code, persons, income, start, end, lines, id_texts), taken))

        # The engine's integer rules (core/engine.py), on the whole chunk, in units
        # of 1/1200 yuan; lines not taken are computed on zeros, and not used.
        code = np.where(taken, code, 0)
        persons = np.where(taken, persons, 0)
        income = np.where(taken, income, 0) * UNITS_PER_FEN
        gap = self._gap[code]
        newly = engine.newly(gap, self._old[code], self._new[code], income) & taken
        due = engine.owed(self._due[code], income, gap)
        paid = engine.owed(self._paid[code], income, gap)
        months = engine.months_covered(start, end, self._first[code], self._last[code])
        taken &= due >= paid  # a standard that went down: the engine rounds that
        if self._group_at:
            group_of, group_keys = self._groups(chunk, begin, length, taken)
        backpay = np.where(taken, engine.window_backpay(
            months, persons, due, paid, each_month=self._monthly_rounding), 0)
        monthly = engine.half_up_fen(engine.owed(self._new[code], income, gap) * persons)

        # The id digest, base-256 digits modulo a prime, as id_digest computes it.
        digests = np.zeros(len(ids), dtype=np.int64)
        for position in range(id_width):
            digests = np.where(position < id_length,
                               (digests * 256 + ids[:, position]) % ID_MODULUS, digests)
        pieces: list[bytes] = [b""] * (2 * len(ids))
        pieces[0::2] = self._marked(chunk, begin, length, taken, data).split(b"\n")[:-1]
        tails, monthly_yuan = self._tails(months, backpay, monthly, newly)
        pieces[1::2] = tails.tolist()
        totals = [int(backpay[taken & (code == position)].sum())
                  for position in range(self._count)]
        newly_counts = [int((newly & (code == position)).sum()) for position in range(self._count)]
        spans = start << SPAN_BITS | end
        households = np.bincount(code[taken], minlength=self._count).tolist()
        persons_counts = np.bincount(code[taken], weights=persons[taken],
                                     minlength=self._count).astype(np.int64).tolist()
        return LaneOutput(taken=taken, pieces=pieces, digests=digests, spans=spans,
                          codes=code, backpays=backpay, totals=totals,
                          newly=newly.astype(np.int64), newly_counts=newly_counts,
                          persons=persons, households=households,
                          persons_counts=persons_counts,
                          cells=WrittenCells(chunk, begin, length, months, monthly,
                                             monthly_yuan),
                          group_of=group_of,
                          group_keys=group_keys)

    def verdicts(self, fields: tuple[str, ...]) -> _Verdicts | None:
        """The verdicts kept for a set of fields, or None for fields not packed into one key
        (the id, or too many bits)."""
        found = self._verdicts.get(fields)
        if found is None:
            bits = [self.field_bits[field] for field in fields]
            if min(bits) == PER_LINE or sum(bits) > KEY_BITS:
                return None
            found = self._verdicts[fields] = _Verdicts(sum(bits))
        return found

    def _fields(self, code: Ints, persons: Ints, income: Ints, start: Ints, end: Ints,
                lines: Ints, ids: list[str]) -> dict[str, _Field]:
        """Every field a rule may read, as this chunk's lines hold it: the category's
        position, persons, income in fen, month indexes, and the id (``ids``, of
        ``lines``); the lane takes no amount paid, supplement or care tier."""
        categories = self._categories

        def none(codes: Ints) -> list[object]:
            return [None] * len(codes)

        def text(at: Ints) -> list[object]:
            return [ids[line] for line in np.searchsorted(lines, at).tolist()]

        nothing = np.zeros(len(code), dtype=np.int64)
        return {
            "id": _Field(np.arange(len(code), dtype=np.int64), text),
            "category": _Field(code, lambda codes: [categories[at] for at in codes.tolist()]),
            "persons": _Field(persons, lambda codes: list(codes.tolist())),
            "income": _Field(income, lambda codes: [
                Decimal(fen).scaleb(-2) for fen in codes.tolist()]),
            "start": _Field(start, lambda codes: [
                month_or_open(index) for index in codes.tolist()]),
            "end": _Field(end, lambda codes: [month_or_open(index) for index in codes.tolist()]),
            "paid": _Field(nothing, none),
            "supplement": _Field(nothing, none),
            "care": _Field(nothing, none),
        }

    def _marked(self, chunk: ChunkBytes, begin: Ints, length: Ints, taken: Flags,
                data: bytes) -> bytes:
        """``data`` with a tab after each cell of a taken line that Excel would turn into
        a number and change (:func:`~welfare_calc.output.text.kept_as_text`'s rule).

        A cell's first :data:`DIGITS_SEEN` bytes are looked at all at once; a cell of
        digits longer than that (rare: no ID number or account is) is asked alone.
        """
        if not self._text_marks:
            return data
        ends = []
        for column, always in self._text_marks:
            start, size = begin[taken, column], length[taken, column]
            width = int(np.clip(size.max(initial=1), 1, DIGITS_SEEN))
            cells = chunk.cells(start, size, width)
            digits = (size > 0) & (((cells >= ZERO) & (cells <= NINE))
                                   | (np.arange(width) >= size[:, None])).all(axis=1)
            for index in np.flatnonzero(digits & (size > width)).tolist():
                digits[index] = data[start[index]:start[index] + size[index]].isdigit()
            long = (size >= LONG_DIGITS) | ((cells[:, 0] == ZERO) & (size > 1))
            ends.append((start + size)[digits & (always | long)])
        at = np.sort(np.concatenate(ends))
        if not len(at):
            return data
        marked: bytes = np.insert(chunk.buf, at, ord(TEXT_MARK)).tobytes()
        return marked

    def _groups(self, chunk: ChunkBytes, begin: Ints, length: Ints, taken: Flags
                ) -> tuple[Ints, list[groups.Key]]:
        """Each taken line's group: the distinct locality cells found at once, each
        decoded and keyed once, as the per-row path keys a row."""
        lines = np.flatnonzero(taken)
        combined = np.zeros(len(lines), dtype=np.int64)
        levels: list[list[str]] = []
        for column, _ in self._group_at:
            width = int(np.clip(length[lines, column].max(initial=1), 1, GROUP_MAX))
            cells = chunk.cells(begin[lines, column], length[lines, column], width)
            distinct, inverse = np.unique(cells.view(f"S{width}").ravel(), return_inverse=True)
            levels.append([cell.decode(self._encoding) for cell in distinct.tolist()])
            combined = combined * len(distinct) + inverse.ravel()
        pairs, inverse = np.unique(combined, return_inverse=True)
        texts = []
        for pair in pairs.tolist():
            row, rest = [], pair
            for level in reversed(levels):
                rest, index = divmod(rest, len(level))
                row.append(level[index])
            texts.append(row[::-1])
        where = tuple((position, count) for position, (_, count) in enumerate(self._group_at))
        keys = [groups.key_of(row, where) for row in texts]
        group_of = np.full(len(taken), -1, dtype=np.int64)
        group_of[lines] = inverse.ravel()
        return group_of, keys

    def _cells_of(self, buf: Bytes) -> tuple[Ints, Ints, Flags]:
        """Where each cell of each line begins and how long it is; lines of the right width."""
        width = self._width
        # The usual chunk: every line has its width's commas. Then the separators, in
        # order, are the cells' ends, a line's to a row: found in one pass, no search.
        ends_of_cells = np.flatnonzero((buf == COMMA) | (buf == NEWLINE))
        if len(ends_of_cells) and len(ends_of_cells) % width == 0:
            grid = ends_of_cells.reshape(-1, width)
            marks = buf[grid]
            if (marks[:, -1] == NEWLINE).all() and (marks[:, :-1] == COMMA).all():
                cuts = np.empty((len(grid), width + 1), dtype=np.int64)
                cuts[0, 0] = -1
                cuts[1:, 0] = grid[:-1, -1]
                cuts[:, 1:] = grid
                begin = cuts[:, :width] + 1
                return begin, cuts[:, 1:] - begin, np.ones(len(grid), dtype=bool)
        ends = np.flatnonzero(buf == NEWLINE).astype(np.int64)
        commas = np.flatnonzero(buf == COMMA).astype(np.int64)
        upto = np.searchsorted(commas, ends).astype(np.int64)
        first = np.concatenate(([0], upto[:-1])).astype(np.int64)
        right = upto - first == width - 1
        cuts = np.empty((len(ends), width + 1), dtype=np.int64)
        cuts[:, 0] = np.concatenate(([0], ends[:-1] + 1)) - 1
        if len(commas):
            cuts[:, 1:width] = commas[np.minimum(first[:, None] + np.arange(width - 1),
                                                 len(commas) - 1)]
        else:
            cuts[:, 1:width] = ends[:, None]
        cuts[:, width] = ends
        begin = cuts[:, :width] + 1
        return begin, cuts[:, 1:] - begin, right

    def _tails(self, months: Ints, backpay: Ints, monthly: Ints, newly: Flags
               ) -> tuple[Texts, Texts]:
        """``,months,yuan.fen,yuan.fen,0.00,true|false`` and the line end, one a line; and
        the monthly amount's whole yuan as written in it."""
        add = np.strings.add
        yuan, fen = np.divmod(backpay, 100)
        monthly_yuan, monthly_fen = np.divmod(monthly, 100)
        text = add(add(self._months_text[np.clip(months, 0, len(self._months_text) - 1)],
                       _written(yuan, self._numbers)), self._cents_comma[fen])
        whole = _written(monthly_yuan, self._numbers)
        result: Texts = add(add(text, whole), self._cents_end[2 * monthly_fen + newly])
        return result, whole
