"""The bank file (代发文件) of a month's payments, in a layout given as data (issue 30 §3).

A bank's batch-payment program refuses a whole file whose lines do not add to its summary
(docs/bank.md). So the summary written is the sum of the lines written, counted
as they are written, in integer fen: an amount is never a float, and is written as text
with two decimals (``123456`` fen → ``1234.56``).

What is refused, before anything is put in place (:class:`BankFileRefused`, naming the
payment): an account that is no card number (:func:`~welfare_calc.payroll.accounts.
account_digits`; the payroll command holds such a household back as 待核实账号 and never
passes it, so this is a second guard), a key seen twice (the same household's month paid
twice), an amount of nothing or less, a payment of a month after the file's, and a field
holding the layout's delimiter or a line break (a bank's program does not unquote).

The file appears whole or not at all: it is written beside its target and renamed over it
(:class:`~welfare_calc.batch.write.staging.StagedText`), under the target's lock
(:func:`~welfare_calc.batch.write.targets.locked`). Lines are streamed: a layout whose summary
comes first has its lines spooled to a private temporary file (0600, unlinked at once on
POSIX, removed on Windows), then the summary and the spool are written to the target, so
that the payments may come from a single pass over a million-row roster. The one thing
held per line is an 8-byte digest of its key, to refuse a key seen twice (the batch's
index of ids); the rare lines whose digests repeat are read back to compare their keys.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import shutil
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from welfare_calc.batch.rows.ids import id_digest, repeated_positions
from welfare_calc.batch.write.staging import StagedText, commit_all
from welfare_calc.batch.write.targets import locked
from welfare_calc.core.engine import fen_text
from welfare_calc.core.months import Month
from welfare_calc.core.words import _
from welfare_calc.payroll.accounts import (
    LONGEST,
    SHORTEST,
    BadAccount,
    account_digits,
    luhn_holds,
)
from welfare_calc.payroll.layouts import Field, Layout, Total
from welfare_calc.payroll.lines import BankFileRefused, BankSpec, bank_lines

if TYPE_CHECKING:
    from welfare_calc.payroll.payments import Payment


@dataclass(frozen=True, slots=True)
class BankTotals:
    """What a bank file holds: its lines' ``count`` and the sum of their amounts in
    ``fen``; its summary line says the same."""

    count: int
    fen: int

    @property
    def amount(self) -> str:
        """The total as the file writes it (the core's :func:`~welfare_calc.core.engine.
        fen_text`, as every amount is: ``123456`` → ``1234.56``, integers only)."""
        return fen_text(self.fen)


_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?", re.ASCII)


def text_fen(text: str) -> int | None:
    """The fen an amount written with at most two decimals is (``1234.5`` → ``123450``), or
    None when it is not such an amount (``1,234.56``, ``1e3``, ``-5``, ``1.234``)."""
    found = _AMOUNT.fullmatch(text.strip())
    if found is None:
        return None
    whole, part = found.groups()
    return int(whole) * 100 + (int(part.ljust(2, "0")) if part else 0)


def plainly_a_card(account: str) -> bool:
    """Whether ``account`` is, as written, what :func:`~welfare_calc.payroll.accounts.
    account_digits` returns unchanged: 16 to 19 ASCII digits whose Luhn digit checks.
    The quick path of the writer (nothing cut, no message made; the payroll's Luhn,
    :func:`~welfare_calc.payroll.accounts.luhn_holds`); an account it does not accept
    goes to ``account_digits``, which cuts its spaces or says what is wrong. It only ever
    accepts what ``account_digits`` accepts (tests/test_bank.py holds it to that)."""
    return (SHORTEST <= len(account) <= LONGEST and account.isascii() and account.isdigit()
            and luhn_holds(account))


def _checked(payment: Payment, month: Month) -> bytes:
    """A payment's account's digits, the payment checked as a bank file carries it: of the
    file's month or before, an amount above nothing, an account that is a card number."""
    key = payment.key
    if payment.month > month:
        raise BankFileRefused(_("payment {key}: its month is after {month}, the file's").format(
            key=key, month=month))
    if payment.fen <= 0:
        raise BankFileRefused(_("payment {key}: the amount {amount} is not a payment").format(
            key=key, amount=fen_text(payment.fen)))
    account = payment.account
    if not plainly_a_card(account):
        try:
            account = account_digits(account)
        except BadAccount as error:
            raise BankFileRefused(_("payment {key} ({name}): {problem}; it is not sent "
                                    "(待核实账号)").format(key=key, name=payment.name,
                                                         problem=error)) from None
    return account.encode("ascii")


class BankFile:
    """A bank file being written, staged beside its target: the header, the lines given
    column-wise as :func:`~welfare_calc.payroll.lines.bank_lines` makes them (numbered
    from 1 here, in the order given), and the summary, counted from the lines written.

    A layout whose summary comes first has its lines spooled to a private temporary file
    (0600, unlinked at once on POSIX, removed on Windows) until the totals are known."""

    def __init__(self, layout: Layout, target: Path, *, office: str, batch_no: str,
                 day: date, staging: Callable[[Path, str], StagedText] | None = None
                 ) -> None:
        self.layout = layout
        self.office = office
        self.batch_no = batch_no
        self.day = day
        self.count = 0
        self.fen = 0
        self.file = (StagedText(target, layout.encoding, excel=False) if staging is None
                     else staging(target, layout.encoding))
        self._spool: StagedText | None = None
        try:
            if layout.header:
                header = [field.value for field in layout.columns]
                self.file.text.write(layout.delimiter.join(header) + layout.newline)
            self.file.text.flush()
            if layout.summary is not None and layout.summary.at == "first":
                # The totals come first and are known last: the lines wait in a spool.
                self._spool = StagedText("spool", layout.encoding, excel=False)
            self._start = self.lines.binary.tell()  # (where the lines begin: rewind)
        except BaseException:
            self.discard()
            raise

    @property
    def lines(self) -> StagedText:
        """Where the lines go (the spool, or the file)."""
        return self.file if self._spool is None else self._spool

    def add(self, text: bytes, count: int, fen: int) -> None:
        """Lines more, numbered from :attr:`count` + 1 (``BankLines.text``): ``count`` of
        them, their amounts ``fen`` in all."""
        self.lines.binary.write(text)
        self.count += count
        self.fen += fen

    def rewind(self) -> None:
        """Every line added taken back (to be added again: the payroll's lines made anew
        when the run rejected rows at its end)."""
        self.lines.binary.seek(self._start)
        self.lines.binary.truncate()
        self.count = self.fen = 0

    def finish(self) -> BankTotals:
        """The summary written, the spooled lines after it; the file's totals."""
        totals = BankTotals(self.count, self.fen)
        summary = summary_line(self.layout, totals, office=self.office,
                               batch_no=self.batch_no, day=self.day)
        try:
            self.file.text.write(summary)
            self.file.text.flush()
        except UnicodeEncodeError:
            raise BankFileRefused(_("the summary line {line} cannot be written in {encoding}, "
                                    "the layout's encoding").format(
                                        line=repr(summary.strip()),
                                        encoding=self.layout.encoding)) from None
        if self._spool is not None:
            self._spool.binary.flush()
            self._spool.binary.seek(0)
            shutil.copyfileobj(self._spool.binary, self.file.binary)
            self._spool.discard()
            self._spool = None
        return totals

    def discard(self) -> None:
        """Nothing left behind: the staged file and the spool removed."""
        self.file.discard()
        if self._spool is not None:
            self._spool.discard()
            self._spool = None


def _refuse_doubled(digests: array[int], written: IO[str], layout: Layout) -> None:
    """Refuse a key written twice, naming its first two lines (their 序号).

    Each line's key was kept as an 8-byte digest (the batch's index of ids:
    :func:`~welfare_calc.batch.rows.ids.id_digest`, 8 MB a million lines); lines whose digests
    repeat are read back from ``written`` and their keys compared, since two keys may
    share a digest."""
    positions = repeated_positions(digests)
    if not len(positions):
        return
    wanted = set(positions.tolist())
    key_at = layout.columns.index(Field.KEY)
    width = len(layout.columns)
    seen: dict[str, int] = {}
    index = 0
    for line in written:
        cells = line.rstrip("\r\n").split(layout.delimiter)
        if len(cells) != width or (layout.header and cells == [str(field.value)
                                                                for field in layout.columns]):
            continue  # the header or the summary
        if index in wanted:
            earlier = seen.setdefault(cells[key_at], index)
            if earlier != index:
                raise BankFileRefused(_("payment {key} is given twice (lines {first} and "
                                        "{second}); a household is paid once a month").format(
                                            key=cells[key_at], first=earlier + 1,
                                            second=index + 1))
        index += 1


def summary_line(layout: Layout, totals: BankTotals, *, office: str, batch_no: str,
                 day: date) -> str:
    """The layout's summary line for ``totals``, with its line end ("" with no summary)."""
    if layout.summary is None:
        return ""
    values = {Total.DATE: day.strftime(layout.date_format), Total.OFFICE: office,
              Total.COUNT: str(totals.count), Total.TOTAL: totals.amount,
              Total.BATCH: batch_no}
    cells = [values[item] for item in layout.summary.holds]
    if layout.summary.label:
        cells.insert(0, layout.summary.label)
    for cell in cells:
        if layout.delimiter in cell or "\r" in cell or "\n" in cell or '"' in cell:
            raise BankFileRefused(_("the summary line's {value} holds {delimiter}, a quote or a "
                                    "line break, which the bank file cannot carry").format(
                                        value=repr(cell), delimiter=repr(layout.delimiter)))
    return layout.delimiter.join(cells) + layout.newline


def stage_bank_file(payments: Iterable[Payment], layout: Layout, target: Path, *,
                    month: Month, office: str, batch_no: str, day: date | None = None,
                    staging: Callable[[Path, str], StagedText] | None = None
                    ) -> tuple[StagedText, BankTotals]:
    """The bank file of ``payments`` written beside ``target``, not yet in place, and its
    totals.

    For a command that puts its files in place together (under the targets' lock it
    holds, :func:`~welfare_calc.batch.write.staging.commit_all`). ``staging(target,
    encoding)`` gives the staged file to write (by default one of its own). Each payment
    is checked (:func:`_checked`); the lines are made by the one maker of a bank line
    (:func:`~welfare_calc.payroll.lines.bank_lines`), a block of payments at a time; a
    key given twice is refused. On :class:`BankFileRefused` (or a write that fails)
    nothing is left behind."""
    spec = BankSpec(layout, str(month), batch_no)
    file = BankFile(layout, target, office=office, batch_no=batch_no, day=day or date.today(),
                    staging=staging)
    digests = array("q")
    try:
        pending = iter(payments)
        while block := list(itertools.islice(pending, BLOCK)):
            accounts = [_checked(payment, month) for payment in block]
            digests.extend(id_digest(payment.key) for payment in block)
            lines = bank_lines(
                spec, np.array([payment.name.encode("utf-8") for payment in block],
                               dtype=np.bytes_),
                np.array([payment.id.encode("utf-8") for payment in block], dtype=np.bytes_),
                np.array(accounts, dtype=np.bytes_),
                np.array([fen_text(payment.fen).encode("ascii") for payment in block],
                         dtype=np.bytes_), months=[str(payment.month) for payment in block])
            file.add(lines.text(file.count + 1), len(lines),
                     sum(payment.fen for payment in block))
        _refuse_doubled(digests, file.lines.reread(), layout)
        file.lines.binary.seek(0, io.SEEK_END)
        totals = file.finish()
    except BaseException:
        file.discard()
        raise
    return file.file, totals


BLOCK = 4096
"""Payments made into lines at once."""


def write_bank_file(payments: Iterable[Payment], layout: Layout, target: Path, *,
                    month: Month, office: str, batch_no: str,
                    day: date | None = None) -> BankTotals:
    """Write the bank file of ``payments`` to ``target``, whole or not at all; its totals.

    ``month`` is the file's month (no payment of a later month is sent), ``office`` and
    ``batch_no`` what its summary and lines say, ``day`` the date its summary carries
    (today when not given). :class:`BankFileRefused` names the payment refused;
    :class:`~welfare_calc.core.errors.TargetError` a file that cannot be written. The
    caller checks that ``target`` is none of its inputs
    (:func:`~welfare_calc.batch.write.targets.check_distinct`)."""
    with locked([target]):
        file, totals = stage_bank_file(payments, layout, target, month=month, office=office,
                                       batch_no=batch_no, day=day)
        try:
            commit_all([file], {})
        finally:
            with contextlib.suppress(OSError):
                file.discard()
    return totals
