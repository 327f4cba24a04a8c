"""The month's lines, made column-wise in the batch's workers (issue 30: a county's million
households a month at the batch's speed): each chunk's 发放明细 lines and bank-file lines,
from the rows the batch wrote of it.

The batch reads, checks and computes every household in its workers, chunk by chunk; a
worker then hands its chunk's written rows (plain UTF-8 CSV, as the run's spool holds them)
and its ledger (each row's category position and persons as the core read them) to
:class:`LineMaker`, which makes, for the whole chunk at once in NumPy:

- which rows are listed: the month in the row's coverage (``months`` is 1) and an amount due;
- each listed row's group (``--group-by``), as :func:`~welfare_calc.batch.rows.groups.key_of`
  keys it, each distinct locality keyed once;
- which listed rows are sent and which are 待核实账号: an account of 16 to 19 digits whose
  Luhn digit holds, as written (:func:`~welfare_calc.payroll.accounts.cards_hold`), is sent;
  any other account is asked of :func:`~welfare_calc.payroll.accounts.account_digits`,
  which cuts its spaces or says what is wrong;
- the 发放明细's line of each listed row, a template of its 序号 (``%d``) that the run
  fills in, in order, as the chunks come (:class:`~welfare_calc.payroll.detail.Payroll`);
- the bank file's line of each row sent, in its layout (:func:`bank_lines`, the one maker of
  a bank line), a template of its 序号 too.

Nothing here reads a household's fields again or computes an amount: the amounts are the
cells the batch wrote (the core's :func:`~welfare_calc.core.engine.fen_text`), read as fen
only to be added up. A cell that is plainly written (not quoted, no space around it, not
starting like a formula, at most :data:`~welfare_calc.batch.rows.lane.PADDING` bytes) is
copied as it is; any other is read, stripped and written again one at a time, as a CSV
file and a bank file write such a cell. ``tests/test_payroll_lines.py`` holds the lines
made here to a row-by-row reading of the same rows.
"""

from __future__ import annotations

import codecs
import functools
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from welfare_calc.batch.rows import groups
from welfare_calc.batch.rows.groups import NO_LOCALITY
from welfare_calc.batch.rows.lane import PADDING, ChunkBytes, WrittenCells
from welfare_calc.batch.run.chunk_result import LEDGER_WORDS, NEWLY, PERSONS_SHIFT
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.words import _
from welfare_calc.output.text import FORMULA_START, LONG_DIGITS, TEXT_MARK, csv_safe, kept_as_text
from welfare_calc.payroll.accounts import BadAccount, account_digits, cards_hold

if TYPE_CHECKING:
    from welfare_calc.payroll.layouts import Layout

Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.bytes_]

SEND = "发放"
HELD = "待核实账号"
"""A line's status: to be sent to the bank, or held back for its account."""

COMMA, NEWLINE, QUOTE, SPACE = b',\n" '
PERSONS_LISTED = 100
"""Counts of persons whose 保障类别, 保障人数 and 发放方式 are one text looked up (more are
written one at a time)."""
_FORMULA = np.frombuffer("".join(FORMULA_START).encode("ascii") + b'"', dtype=np.uint8)
"""First bytes of a cell that is read again one at a time: one CSV neutralises, or quoted."""


class BankFileRefused(UnusableInput):
    """A payment the bank file cannot carry; its message names the payment."""


@dataclass(frozen=True)
class BankSpec:
    """What each chunk's bank lines share: the layout, the month and the batch number."""

    layout: Layout
    month: str
    batch_no: str

    def __post_init__(self) -> None:
        if _unsafe(self.layout, self.batch_no):
            raise BankFileRefused(_("the batch number {value} holds {delimiter}, a quote or a "
                                    "line break, which the bank file cannot carry").format(
                                        value=repr(self.batch_no),
                                        delimiter=repr(self.layout.delimiter)))


def _unsafe(layout: Layout, value: str) -> bool:
    """Whether ``value`` holds what no field of a bank line may: its delimiter, a quote or
    a line break (a bank's program does not unquote)."""
    return any(char in value for char in (layout.delimiter, '"', "\r", "\n"))


@dataclass(frozen=True)
class Packed:
    """Lines packed into one bytes object (what a worker hands back: compact, and cheap to
    pickle and spool), with each one's length; when ``numbered``, each holds its 序号's
    place as ``%d``, every ``%`` of its own doubled: a template that :meth:`text` fills
    in with one call of bytes' ``%`` formatting (in C: 0.07 µs a line, where numbering a
    line at a time in Python took 0.3 µs)."""

    data: bytes
    lengths: npt.NDArray[np.int32]
    numbered: bool = True

    @classmethod
    def of(cls, texts: Texts, *, numbered: bool = True) -> Packed:
        """Lines made whole (each a template of its 序号, if ``numbered``)."""
        return cls(b"".join(texts.tolist()), np.strings.str_len(texts).astype(np.int32),
                   numbered)

    def __len__(self) -> int:
        return len(self.lengths)

    def part(self, start: int, end: int) -> Packed:
        """Lines ``start`` to ``end``."""
        offsets = self.offsets()
        return Packed(self.data[int(offsets[start]):int(offsets[end])],
                      self.lengths[start:end], self.numbered)

    def offsets(self) -> Ints:
        offsets: Ints = np.concatenate(([0], np.cumsum(self.lengths, dtype=np.int64)))
        return offsets

    def text(self, first: int) -> bytes:
        """The lines, numbered from ``first`` (if they are numbered)."""
        if not self.numbered:
            return self.data
        return self.data % tuple(range(first, first + len(self)))


def _percent_doubled(texts: Texts) -> Texts:
    """Texts as a ``%`` template holds them (each ``%`` doubled)."""
    if b"%" not in texts.tobytes():
        return texts
    doubled: Texts = np.strings.replace(texts, b"%", b"%%")
    return doubled


def _chained(pieces: Sequence[Texts | np.bytes_], count: int) -> Texts:
    """Each row's pieces one after the other, a text a row: added in pairs, then pairs of
    pairs (each byte copied about log2 of the pieces times, where adding them one after
    the other copied the first ones once a piece: three and a half times quicker)."""
    merged: list[Texts | np.bytes_] = []
    for piece in pieces:  # (pieces the same on every row, side by side, as one)
        if merged and not isinstance(piece, np.ndarray) and not isinstance(merged[-1],
                                                                          np.ndarray):
            merged[-1] = np.bytes_(merged[-1] + piece)
        else:
            merged.append(piece)
    first = merged[0]
    level: list[Texts | np.bytes_] = [
        first if isinstance(first, np.ndarray) else
        np.full(count, first, dtype=f"S{max(len(first), 1)}"), *merged[1:]]
    while len(level) > 1:
        level = [np.strings.add(level[at], level[at + 1]) if at + 1 < len(level)
                 else level[at] for at in range(0, len(level), 2)]
    text = level[0]
    assert isinstance(text, np.ndarray), "the first piece is a text a row"
    return text


def _first_holding(texts: Texts, chars: Sequence[str]) -> int | None:
    """The first row whose text holds one of ``chars`` (ASCII: a byte of its own in
    UTF-8, GBK's second bytes aside), or None; one scan of the texts' bytes a char."""
    raw, width = texts.tobytes(), max(texts.itemsize, 1)
    found = [at // width for at in (raw.find(char.encode("ascii")) for char in chars)
             if at >= 0]
    return min(found) if found else None


BankLines = Packed
"""A bank file's lines, in the layout's encoding (numbered: the layout has a 序号)."""


def bank_lines(spec: BankSpec, names: Texts, ids: Texts, accounts: Texts, amounts: Texts, *,
               months: Sequence[str] | None = None) -> BankLines:
    """The bank file's lines of payments given column-wise (UTF-8 values: the name, the
    canonical id, the account's digits, the amount as :func:`~welfare_calc.core.engine.
    fen_text` writes it): the one maker of a bank line, for the payroll's chunks and for
    :func:`~welfare_calc.payroll.bank.stage_bank_file` alike. A name or id holding the
    delimiter, a quote or a line break is refused (:class:`BankFileRefused`), as is a line
    the layout's encoding cannot write. ``months``: each payment's month, where they are
    not all the file's (a re-issue of a month before); the key is the month and the id."""
    from welfare_calc.payroll.layouts import Field  # noqa: PLC0415 - pydantic, a bank file's

    layout = spec.layout
    count = len(ids)
    raw_ids = ids

    def key(at: int) -> str:
        """The key of payment ``at``, for a message."""
        return f"{spec.month if months is None else months[at]}:{raw_ids[at].decode()}"

    for label, values in ((Field.NAME, names), (Field.ID, ids)):
        at = _first_holding(values, (layout.delimiter, '"', "\r", "\n"))
        if at is not None:
            value = values[at].decode("utf-8")
            raise BankFileRefused(_("payment {key}: its {field} {value} holds {delimiter}, a "
                                    "quote or a line break, which the bank file cannot "
                                    "carry").format(key=key(at), field=label.value,
                                                    value=repr(value),
                                                    delimiter=repr(layout.delimiter)))
    batch = spec.batch_no
    if layout.excel:
        batch = kept_as_text(batch)
        names = _python_where(names, _starts_like_formula(names), csv_safe)
        ids = _marked(ids, _all_digits(ids))
    numbered = Field.SEQ in layout.columns
    # (a template of its 序号: every "%" of the fields doubled)
    doubled = _percent_doubled if numbered else (lambda texts: texts)
    # The key: the month and the id (the month, the same on every line, as one piece).
    keys: list[Texts | np.bytes_] = [np.bytes_(f"{spec.month}:".encode("ascii")),
                                     doubled(raw_ids)]
    if months is not None:
        keys = [doubled(np.strings.add(np.array([f"{month}:".encode("ascii")
                                                 for month in months], dtype=np.bytes_),
                                       raw_ids))]
    columns: dict[Field, list[Texts | np.bytes_]] = {
        Field.NAME: [doubled(names)], Field.ID: [doubled(ids)],
        Field.ACCOUNT: [accounts, *([np.bytes_(TEXT_MARK.encode("ascii"))] if layout.excel
                                    else [])],
        Field.AMOUNT: [amounts], Field.KEY: keys, Field.SEQ: [np.bytes_(b"%d")],
        Field.BATCH: [np.bytes_((batch.replace("%", "%%") if numbered else batch
                                 ).encode("utf-8"))]}
    delimiter = np.bytes_(layout.delimiter.encode("utf-8"))
    pieces: list[Texts | np.bytes_] = []
    for position, name in enumerate(layout.columns):
        pieces += [*([delimiter] if position else []), *columns[name]]
    text = _chained([*pieces, np.bytes_(layout.newline.encode("ascii"))], count)
    if codecs.lookup(layout.encoding).name not in ("utf-8", "utf-8-sig"):
        # (no byte of GBK or GB18030 after a first is "%": the template holds in them)
        text = _transcoded(text, layout.encoding, key, layout)
    return Packed.of(text, numbered=numbered)


def _transcoded(texts: Texts, encoding: str, key: Callable[[int], str], layout: Layout
                ) -> Texts:
    """UTF-8 lines (each ending in the layout's line end) in the layout's encoding; one it
    cannot write refused, naming its payment. (No field holds a line break:
    :func:`bank_lines` refused those.)"""
    if not len(texts):
        return texts
    joined = b"".join(texts.tolist()).decode("utf-8")
    try:
        written = joined.encode(encoding)
    except UnicodeEncodeError as error:
        at = joined.count("\n", 0, error.start)
        raise BankFileRefused(_("payment {key}: {text} cannot be written in {encoding}, the "
                                "layout's encoding").format(
                                    key=key(at), text=repr(joined[error.start:error.end]),
                                    encoding=layout.encoding)) from None
    return np.array(written.splitlines(keepends=True), dtype=np.bytes_)


def _python_where(texts: Texts, where: Flags, change: Callable[[str], str]) -> Texts:
    """``texts`` with those ``where`` is true changed one at a time (UTF-8 both ways)."""
    at = np.flatnonzero(where)
    if not len(at):
        return texts
    changed = [change(texts[index].decode("utf-8")).encode("utf-8") for index in at.tolist()]
    return _put(texts, at, changed)


def _put(texts: Texts, at: Ints, values: list[bytes]) -> Texts:
    """``texts`` with ``values`` at ``at``, widened to hold them."""
    width = max([texts.itemsize, *map(len, values), 1])
    widened = texts.astype(f"S{width}")
    widened[at] = values
    return widened


def _starts_like_formula(texts: Texts) -> Flags:
    """Whether each text's first byte is one a formula starts with (csv_safe then says)."""
    starts: Flags = np.isin(_byte_matrix(texts)[:, 0], _FORMULA[:-1])
    return starts


def _byte_matrix(texts: Texts) -> npt.NDArray[np.uint8]:
    matrix: npt.NDArray[np.uint8] = texts.view(np.uint8).reshape(len(texts), texts.itemsize)
    return matrix


def _all_digits(texts: Texts) -> Flags:
    """Whether each text is one or more ASCII digits (those whose first byte is one
    looked at: an id starting with a letter, a name, is none)."""
    matrix = _byte_matrix(texts)
    if not texts.itemsize:
        return np.zeros(len(texts), dtype=bool)
    first = matrix[:, 0]
    maybe = (first >= ord("0")) & (first <= ord("9"))
    if not maybe.all():
        found = np.zeros(len(texts), dtype=bool)
        at = np.flatnonzero(maybe)
        if len(at):
            found[at] = _all_digits(texts[at])
        return found
    lengths = np.strings.str_len(texts)
    inside = np.arange(texts.itemsize) < lengths[:, None]
    digit = (matrix >= ord("0")) & (matrix <= ord("9"))
    result: Flags = (lengths > 0) & np.where(inside, digit, True).all(axis=1)
    return result


def _marked(texts: Texts, where: Flags) -> Texts:
    """``texts`` with a spreadsheet's text mark after those ``where`` is true
    (:func:`~welfare_calc.output.text.kept_as_text`)."""
    if not where.any():
        return texts
    marked: Texts = np.where(where, np.strings.add(texts, np.bytes_(TEXT_MARK.encode())),
                             texts)
    return marked


def _kept_as_text(texts: Texts, *, digits: bool) -> Flags:
    """Where :func:`~welfare_calc.output.text.kept_as_text` marks a plain cell."""
    every = _all_digits(texts)
    if digits:
        return every
    matrix = _byte_matrix(texts)
    lengths = np.strings.str_len(texts)
    leading_zero = (matrix[:, 0] == ord("0")) & (lengths > 1) if texts.itemsize else every
    marked: Flags = every & ((lengths >= LONG_DIGITS) | leading_zero)
    return marked


def csv_cell(text: str) -> str:
    """A cell as a CSV line holds it: quoted where it holds a comma, a quote or a line
    break (a carriage return too: :class:`~welfare_calc.output.text.CsvRows`' rule)."""
    if any(char in text for char in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def cell_value(raw: bytes) -> str:
    """A cell of the spool (UTF-8 CSV, quoted as csv.writer quotes) as its text."""
    text = raw.decode("utf-8")
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return text[1:-1].replace('""', '"')
    return text


@dataclass(frozen=True)
class LineMaker:
    """What every chunk's lines share, worked out once the header is read; called in the
    worker with a chunk's written rows and ledger, it gives the chunk's lines (pickled
    :class:`ChunkLines`). It pickles: workers are spawned on Windows."""

    width: int
    """Cells of a written row."""
    spool_newline: str
    id_at: int
    months_at: int
    monthly_at: int
    parts_at: tuple[int | None, int | None, int | None]
    """The basic amount's, 分类施保's and the care standard's cells (None: not written; the
    whole is then the basic amount)."""
    name_at: int | None
    bank_at: int | None
    account_at: int | None
    group_at: tuple[tuple[int, int | None], ...]
    short: tuple[str, ...]
    """Each category's short name (保障类别), in the table's order."""
    paid_as: tuple[str, ...]
    """Each category's 发放方式 (补差 or 全额)."""
    csv: bool
    """Lines for a CSV file: text cells neutralised (and for ``excel``, digits kept as
    text); else for a workbook, whose text cells never run."""
    excel: bool
    line_end: str
    bank: BankSpec | None = None

    def __call__(self, output: bytes, ledger: bytes, known: WrittenCells | None = None
                 ) -> bytes:
        return pickle.dumps(self.make(output, ledger, known),
                            protocol=pickle.HIGHEST_PROTOCOL)

    def make(self, output: bytes, ledger: bytes, known: WrittenCells | None = None
             ) -> ChunkLines:
        """The lines of one chunk's written rows: their cells found where the lane found
        them (``known``: it wrote every row, the month's amount whole), else cut from the
        rows written."""
        words = np.frombuffer(ledger, dtype=np.int64).reshape(-1, LEDGER_WORDS)
        rows = len(words)
        coded = words[:, 2]
        if known is not None and self.parts_at == (None, None, None):
            assert len(known.months) == rows, "the lane's rows are the rows written"
            chunk = known.chunk  # (the rows' cells as they were read, and written)
            output = chunk.data
            cells: _Cells | _Known = _Known(known.begin, known.length)
            total = known.monthly
            listed = np.flatnonzero((known.months == 1) & (total > 0))
            written_monthly = known.monthly_texts
        else:
            chunk = ChunkBytes(output)
            cells = self._cells(chunk, rows)
            monthly = self._raw(chunk, *cells.column(self.monthly_at))  # (the month's)
            total = _fen(monthly)
            months_at, months_length = cells.column(self.months_at)
            months_first = chunk.at(months_at, 1)[:, 0]
            listed = np.flatnonzero((months_length == 1) & (months_first == ord("1"))
                                    & (total > 0))

            def written_monthly(rows: Ints) -> Texts:
                texts: Texts = monthly[rows]
                return texts

        keys, group = self._groups(output, chunk, cells, rows)
        listed = listed[np.argsort(group[listed], kind="stable")]
        group = group[listed]
        code = coded[listed] % NEWLY
        persons = coded[listed] >> PERSONS_SHIFT
        total = total[listed]
        amounts = [None if at is None else self._raw(chunk, *cells.column(at, listed))
                   for at in self.parts_at]
        parts = [(total if texts is None and position == 0 else
                  np.zeros(len(listed), dtype=np.int64) if texts is None else _fen(texts))
                 for position, texts in enumerate(amounts)]
        amounts.append(written_monthly(listed))
        if amounts[0] is None:
            amounts[0] = amounts[3]

        def text_column(at: int | None) -> tuple[Texts, Flags]:
            if at is None:
                return np.zeros(len(listed), dtype="S1"), np.zeros(len(listed), dtype=bool)
            return self._texts(output, chunk, *cells.column(at, listed))

        ids, id_odd = text_column(self.id_at)
        names, name_odd = text_column(self.name_at)
        banks, bank_odd = text_column(self.bank_at)
        accounts, account_odd = text_column(self.account_at)
        # The account: sent when, as written, it is a card number (the quick answer);
        # any other asked of account_digits, which cuts spaces or says what is wrong.
        sent = np.zeros(len(listed), dtype=bool)
        held_words: dict[int, str] = {}
        if self.account_at is not None:
            lengths = np.strings.str_len(accounts)
            sent = ~account_odd & cards_hold(_byte_matrix(accounts), lengths)
            asked = np.flatnonzero(~sent)
            # Each distinct account asked once (the empty ones are many: one answer).
            distinct, inverse = np.unique(accounts[asked], return_inverse=True)
            answers = [_asked(account) for account in distinct.tolist()]
            cleaned = [answers[at][0] for at in inverse.ravel().tolist()]
            for index, at in zip(asked.tolist(), inverse.ravel().tolist(), strict=True):
                status = answers[at][1]
                if status is None:
                    sent[index] = True
                else:
                    held_words[index] = status
            digits = _put(accounts, asked, cleaned) if len(asked) else accounts
        else:
            digits = accounts
            held_words = {index: f"{HELD}：{_('no bank account given')}"
                          for index in range(len(listed))}
        lines = self._lines(keys, group, code, persons, amounts, ids, id_odd, names, name_odd,
                            banks, bank_odd, digits, account_odd, sent, held_words,
                            b"%" in output)
        bank = None
        if self.bank is not None:
            chosen = np.flatnonzero(sent)
            total_texts = amounts[3]
            assert total_texts is not None, "the batch writes every row's month's amount"
            bank = bank_lines(self.bank, names[chosen], ids[chosen], digits[chosen],
                              total_texts[chosen])
        # What the run counts, counted here, group by group (the rows are in group order;
        # integers, never floats).
        bounds = np.searchsorted(group, np.arange(len(keys) + 1))

        def by_group(values: Ints | Flags) -> Ints:
            running = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
            summed: Ints = running[bounds[1:]] - running[bounds[:-1]]
            return summed

        figures = [[by_group(mine), by_group(np.where(mine, persons, 0)),
                    by_group(np.where(mine, total, 0))]
                   for mine in (code == at for at in range(len(self.short)))]
        sent_fen = by_group(np.where(sent, total, 0))
        return ChunkLines(
            rows=rows, keys=keys, listed=np.diff(bounds).astype(np.int64), sent=by_group(sent),
            figures=np.array(figures, dtype=np.int64).transpose(2, 0, 1),
            sums=np.stack([*(by_group(amounts) for amounts in parts), by_group(total),
                           sent_fen, by_group(total) - sent_fen], axis=1),
            lines=lines, bank=bank)

    def _cells(self, chunk: ChunkBytes, rows: int) -> _Cells:
        """Where each cell of each written row ends (a comma or a line end inside quotes is
        no cell's end: the quotes before it are counted)."""
        buf = chunk.buf
        ends = (buf == COMMA) | (buf == NEWLINE)
        if QUOTE in chunk.data:
            ends &= (np.cumsum(buf == QUOTE) & 1) == 0
        cut = np.flatnonzero(ends)
        if len(cut) != rows * self.width:
            raise AssertionError("every written row has the header's cells")  # pragma: no cover
        return _Cells(cut.reshape(rows, self.width), self.spool_newline == "\r\n")

    def _raw(self, chunk: ChunkBytes, begin: Ints, length: Ints) -> Texts:
        """Cells written by the batch itself (amounts: short, ASCII, never quoted)."""
        width = int(np.clip(length.max(initial=1), 1, PADDING))
        texts: Texts = chunk.cells(begin, length, width).view(f"S{width}").ravel()
        return texts

    def _texts(self, output: bytes, chunk: ChunkBytes, begin: Ints, length: Ints
               ) -> tuple[Texts, Flags]:
        """Roster cells as their values (UTF-8), and which were read one at a time: one
        quoted, spaced, starting like a formula or longer than the window is read, its
        spaces stripped, as the row-by-row reading takes it (``str.strip``)."""
        width = int(np.clip(length.max(initial=1), 1, PADDING))
        cells = chunk.cells(begin, length, width)
        first = cells[:, 0]
        last = np.take_along_axis(cells, np.clip(length - 1, 0, width - 1)[:, None],
                                  axis=1)[:, 0]
        third = np.take_along_axis(cells, np.clip(length - 3, 0, width - 1)[:, None],
                                   axis=1)[:, 0]
        # A plain start: printable ASCII that starts no formula, or the first byte of a
        # character from U+4000 on (no space among them); a plain end: printable ASCII,
        # or a three-byte character from U+4000 on.
        starts = (((first > SPACE) & (first < 0x7F) & ~np.isin(first, _FORMULA))
                  | ((first >= 0xE4) & (first <= 0xEF)))
        ends = ((last > SPACE) & (last < 0x7F)) | ((length >= 3) & (third >= 0xE4)
                                                   & (third <= 0xEF))
        odd = (length > 0) & ((length > PADDING) | ~starts | ~ends)
        texts: Texts = cells.view(f"S{width}").ravel()
        at = np.flatnonzero(odd)
        if len(at):
            values = [cell_value(output[start:start + size]).strip().encode("utf-8")
                      for start, size in zip(begin[at].tolist(), length[at].tolist(),
                                             strict=True)]
            texts = _put(texts, at, values)
        return texts, odd

    def _groups(self, output: bytes, chunk: ChunkBytes, cells: _Cells | _Known, rows: int
                ) -> tuple[list[groups.Key | None], Ints]:
        """Each written row's group, by position among the chunk's groups (in the order
        they first appear in it): each distinct locality keyed once, by
        :func:`~welfare_calc.batch.rows.groups.key_of`."""
        if not self.group_at:
            return [None], np.zeros(rows, dtype=np.int64)
        combined = np.zeros(rows, dtype=np.int64)
        levels: list[list[str]] = []
        for column, _count in self.group_at:
            begin, length = cells.column(column)
            width = int(np.clip(length.max(initial=1), 1, PADDING))
            long = np.flatnonzero(length > PADDING)
            raw = chunk.cells(begin, length, width).view(f"S{width}").ravel()
            if len(long):  # (the window holds the first bytes only: told apart by row)
                raw = _put(raw, long, [output[start:start + size] for start, size in zip(
                    begin[long].tolist(), length[long].tolist(), strict=True)])
            distinct, inverse = np.unique(raw, return_inverse=True)
            levels.append([cell_value(cell) for cell in distinct.tolist()])
            combined = combined * len(distinct) + inverse.ravel()
        pairs, first_at, inverse = np.unique(combined, return_index=True, return_inverse=True)
        where = tuple((position, count) for position, (_, count) in enumerate(self.group_at))
        keyed: list[groups.Key] = []
        for pair in pairs.tolist():
            row, rest = [], pair
            for level in reversed(levels):
                rest, index = divmod(rest, len(level))
                row.append(level[index])
            keyed.append(groups.key_of(row[::-1], where))
        # The chunk's groups in the order they first appear in it (two spellings of one
        # locality, " 城关镇" and "城关镇", are one group: key_of strips).
        found: dict[groups.Key | None, int] = {}
        for pair in np.argsort(first_at, kind="stable").tolist():
            found.setdefault(keyed[pair], len(found))
        group: Ints = np.array([found[key] for key in keyed], dtype=np.int64)[inverse.ravel()]
        return list(found), group

    def _lines(self, keys: list[groups.Key | None], group: Ints, code: Ints, persons: Ints,
               amounts: list[Texts | None], ids: Texts, id_odd: Flags, names: Texts,
               name_odd: Flags, banks: Texts, bank_odd: Flags, digits: Texts,
               account_odd: Flags, sent: Flags, held_words: dict[int, str], percent: bool
               ) -> Packed:
        """The 发放明细's lines of the listed rows, each a template of its 序号 (``%d``):
        the 序号, the places, the name, the id, 保障类别, 保障人数, 发放方式, the four
        amounts, the bank, the account and 发放状态, and the line end. ``percent``: a cell
        of the chunk holds a ``%``, which the template doubles."""
        comma = np.bytes_(b",")
        count = len(group)

        def roster(texts: Texts) -> Texts:  # (the roster's text: it may hold a "%")
            return _percent_doubled(texts) if percent else texts

        pieces: list[Texts | np.bytes_] = [np.bytes_(b"%d,")]
        if self.group_at:
            places = [b"%d," + b"".join(
                self._cell(NO_LOCALITY if part is None else part, digits=False).replace(
                    "%", "%%").encode("utf-8") + b"," for part in key or ()) for key in keys]
            pieces = [np.array(places, dtype=np.bytes_)[group]]
        if self.name_at is not None:
            pieces += [roster(self._rendered(names, name_odd, digits=False)), comma]
        pieces.append(roster(self._rendered(ids, id_odd, digits=True)))
        # 保障类别, 保障人数 and 发放方式 at once: a text for each category and count.
        many = persons >= PERSONS_LISTED
        block = self._described[code * PERSONS_LISTED + np.where(many, 0, persons)]
        if many.any():
            at = np.flatnonzero(many)
            block = _put(block, at, [f",{self.short[code[index]]},{persons[index]},"
                                     f"{self.paid_as[code[index]]},".encode()
                                     for index in at.tolist()])
        pieces.append(block)
        base, supplement, care, total = amounts
        if supplement is None and care is None:  # (no part given: the whole is the basic)
            assert total is not None, "the batch writes every row's month's amount"
            pieces += [total, np.bytes_(b",0.00,0.00,"), total]
        else:
            for position, amount in enumerate((base, supplement, care, total)):
                pieces.append(amount if amount is not None else np.bytes_(b"0.00"))
                if position < 3:
                    pieces.append(comma)
        if self.bank_at is not None:
            pieces += [comma, roster(self._rendered(banks, bank_odd, digits=False))]
        if self.account_at is not None:  # (sent: its digits; held back: as written)
            pieces += [comma, roster(self._rendered(digits, account_odd & ~sent,
                                                    digits=True))]
        status = f",{SEND}{self.line_end}".encode()
        text = _chained([*pieces, np.bytes_(status)], count)
        if not held_words:
            return Packed.of(text)
        # A held-back line's status names what is wrong with its account: long, and rare;
        # put in its line alone, so that the others are not made as wide (each distinct
        # status written once).
        lines = text.tolist()
        lengths = np.strings.str_len(text).astype(np.int32)
        said = {words: f",{csv_cell(words)}{self.line_end}".replace("%", "%%").encode()
                for words in set(held_words.values())}
        cut = len(status)
        for index, words in held_words.items():
            lines[index] = lines[index][:-cut] + said[words]
            lengths[index] += len(said[words]) - cut
        return Packed(b"".join(lines), lengths)

    @functools.cached_property
    def _described(self) -> Texts:
        """保障类别, 保障人数 and 发放方式 between commas, one text for each category and
        count of persons below :data:`PERSONS_LISTED` (at category × PERSONS_LISTED +
        persons)."""
        return np.array([f",{short},{people},{way},".encode()
                         for short, way in zip(self.short, self.paid_as, strict=True)
                         for people in range(PERSONS_LISTED)], dtype=np.bytes_)

    def _cell(self, value: str, *, digits: bool) -> str:
        """One value as the 发放明细's line holds it (one at a time)."""
        if self.csv:
            value = csv_safe(value)
            if self.excel:
                value = kept_as_text(value, digits=digits)
        return csv_cell(value)

    def _rendered(self, texts: Texts, odd: Flags, *, digits: bool) -> Texts:
        """Values as the 发放明细's line holds them: a plain one as it is (for Excel, digits
        marked as text), any other one at a time (:meth:`_cell`)."""
        plain = ~odd
        rendered = texts
        if self.csv and self.excel:
            rendered = _marked(texts, plain & _kept_as_text(texts, digits=digits))
        at = np.flatnonzero(~plain)
        if len(at):
            rendered = _put(rendered, at, [self._cell(texts[index].decode("utf-8"),
                                                      digits=digits).encode("utf-8")
                                           for index in at.tolist()])
        return rendered


class _Cells:
    """The cells of a chunk's written rows, from where each ends: each column's beginnings
    and lengths worked out when asked (a payroll reads a few of a row's cells)."""

    def __init__(self, ends: Ints, crlf: bool) -> None:
        self._ends = ends
        self._crlf = crlf
        """Whether lines end in CR LF (the last cell's CR is not its own)."""

    def column(self, at: int, rows: Ints | None = None) -> tuple[Ints, Ints]:
        """Where column ``at``'s cells begin and how long they are (of ``rows`` only)."""
        ends = self._ends[:, at]
        # (the first cell begins after the line before: its last cell's end)
        begin = (self._ends[:, at - 1] if at else
                 np.concatenate(([-1], self._ends[:-1, -1]))) + 1
        if rows is not None:
            ends, begin = ends[rows], begin[rows]
        length = ends - begin
        if self._crlf and at == self._ends.shape[1] - 1:
            length = length - 1
        return begin, length


def _asked(account: bytes) -> tuple[bytes, str | None]:
    """An account not plainly a card number, as :func:`~welfare_calc.payroll.accounts.
    account_digits` takes it: its digits and None (sent), or as written and the status
    saying why it is held back."""
    try:
        return account_digits(account.decode("utf-8")).encode(), None
    except BadAccount as error:
        return account, f"{HELD}：{error}"


class _Known:
    """The cells of a chunk's written rows where the lane found them
    (:class:`~welfare_calc.batch.rows.lane.WrittenCells`), as :class:`_Cells` gives them."""

    def __init__(self, begin: Ints, length: Ints) -> None:
        self._begin = begin
        self._length = length

    def column(self, at: int, rows: Ints | None = None) -> tuple[Ints, Ints]:
        """Where column ``at``'s cells begin and how long they are (of ``rows`` only)."""
        if rows is None:
            return self._begin[:, at], self._length[:, at]
        return self._begin[rows, at], self._length[rows, at]


def _fen(texts: Texts) -> Ints:
    """Fen of amounts written by :func:`~welfare_calc.core.engine.fen_text` (``-`` or not,
    digits, a dot, two decimals)."""
    cells = _byte_matrix(texts)
    digit = cells.astype(np.int64) - ord("0")
    is_digit = (digit >= 0) & (digit <= 9)
    value = np.zeros(len(texts), dtype=np.int64)
    for position in range(texts.itemsize):
        value = np.where(is_digit[:, position], value * 10 + digit[:, position], value)
    negative: Ints = (np.where(cells[:, 0] == ord("-"), -value, value) if texts.itemsize
                      else value)
    return negative


@dataclass
class ChunkLines:
    """One chunk's lines, its listed rows in group order (the chunk's groups as they first
    appear in it), each group's rows in their own order; and what the run counts of them,
    counted here, group by group (the run's process adds a few numbers a group, and is
    handed no array a row)."""

    rows: int
    """Rows written in the chunk, listed or not."""
    keys: list[groups.Key | None]
    """The chunk's groups ([None] without --group-by), every written row's counted."""
    listed: Ints
    """Per group: its rows listed (their lines one after the other in :attr:`lines`)."""
    sent: Ints
    """Per group: its rows sent (their lines one after the other in :attr:`bank`)."""
    figures: Ints
    """Per group and category (groups × categories × 3): the households, persons and fen
    listed."""
    sums: Ints
    """Per group (groups × 6): the basic amounts, 分类施保, care standards and 户月保障金
    listed, the 户月保障金 sent and held back, in fen."""
    lines: Packed
    """Per listed row: its 发放明细 line, its 序号 to be filled in."""
    bank: BankLines | None = field(default=None)
    """Per row sent: its bank line, all but the 序号 (with a bank file)."""
