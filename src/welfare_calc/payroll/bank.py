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
import re
import shutil
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING

from welfare_calc.batch.rows.ids import id_digest, repeated_positions
from welfare_calc.batch.write.staging import StagedText, commit_all
from welfare_calc.batch.write.targets import locked
from welfare_calc.core.engine import fen_text
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.months import Month
from welfare_calc.core.words import _
from welfare_calc.output.text import csv_safe, kept_as_text
from welfare_calc.payroll.accounts import (
    LONGEST,
    SHORTEST,
    BadAccount,
    account_digits,
    luhn_holds,
)
from welfare_calc.payroll.layouts import Field, Layout, Total

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


class BankFileRefused(UnusableInput):
    """A payment the bank file cannot carry; its message names the payment."""


_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?", re.ASCII)


def text_fen(text: str) -> int | None:
    """The fen an amount written with at most two decimals is (``1234.5`` → ``123450``), or
    None when it is not such an amount (``1,234.56``, ``1e3``, ``-5``, ``1.234``)."""
    found = _AMOUNT.fullmatch(text.strip())
    if found is None:
        return None
    whole, part = found.groups()
    return int(whole) * 100 + (int(part.ljust(2, "0")) if part else 0)


FIELD_ORDER = (Field.SEQ, Field.NAME, Field.ID, Field.ACCOUNT, Field.AMOUNT, Field.BATCH,
               Field.KEY)
"""The order :func:`_fields` makes a line's values in, before the layout picks its own."""


@dataclass(frozen=True, slots=True)
class _Run:
    """What every line of one file shares, worked out once."""

    layout: Layout
    month: Month
    batch_no: str
    """As written in each line (a spreadsheet's text mark in the csv layout)."""
    order: tuple[int, ...]
    """Where each of the layout's columns is in :data:`FIELD_ORDER`."""
    unsafe: re.Pattern[str]
    """What no field may hold: the delimiter, a quote, a line break."""

    @classmethod
    def of(cls, layout: Layout, month: Month, batch_no: str) -> _Run:
        """The run of a file in ``layout``; :class:`BankFileRefused` for a batch number the
        file cannot carry."""
        unsafe = re.compile("[" + re.escape(layout.delimiter) + '"\r\n]')
        if unsafe.search(batch_no):
            raise BankFileRefused(_("the batch number {value} holds {delimiter}, a quote or a "
                                    "line break, which the bank file cannot carry").format(
                                        value=repr(batch_no), delimiter=repr(layout.delimiter)))
        return cls(layout, month, kept_as_text(batch_no) if layout.excel else batch_no,
                   tuple(FIELD_ORDER.index(field) for field in layout.columns), unsafe)


def plainly_a_card(account: str) -> bool:
    """Whether ``account`` is, as written, what :func:`~welfare_calc.payroll.accounts.
    account_digits` returns unchanged: 16 to 19 ASCII digits whose Luhn digit checks.

    The quick path of the writer (nothing cut, no message made; the payroll's one Luhn,
    :func:`~welfare_calc.payroll.accounts.luhn_holds`); an account it does not accept
    goes to ``account_digits``, which cuts its spaces or says what is wrong. It only ever
    accepts what ``account_digits`` accepts (tests/test_bank.py holds it to that)."""
    return (SHORTEST <= len(account) <= LONGEST and account.isascii() and account.isdigit()
            and luhn_holds(account))


def _fields(payment: Payment, key: str, seq: int, run: _Run) -> str:
    """A payment's line, checked: its fields in the layout's order, joined."""
    layout = run.layout
    if payment.month > run.month:
        raise BankFileRefused(_("payment {key}: its month is after {month}, the file's").format(
            key=key, month=run.month))
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
    for field, value in ((Field.NAME, payment.name), (Field.ID, payment.id)):
        if run.unsafe.search(value):
            raise BankFileRefused(_("payment {key}: its {field} {value} holds {delimiter}, a "
                                    "quote or a line break, which the bank file cannot "
                                    "carry").format(key=key, field=field.value,
                                                    value=repr(value),
                                                    delimiter=repr(layout.delimiter)))
    if layout.excel:
        values = (str(seq), csv_safe(payment.name), kept_as_text(payment.id, digits=True),
                  kept_as_text(account, digits=True), fen_text(payment.fen), run.batch_no, key)
    else:
        values = (str(seq), payment.name, payment.id, account, fen_text(payment.fen),
                  run.batch_no, key)
    return layout.delimiter.join([values[at] for at in run.order]) + layout.newline


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
    """The bank file written beside ``target``, not yet in place, and its totals.

    For a command that puts its files in place together (the payroll's 发放明细, change
    roster and bank file: :func:`~welfare_calc.batch.write.staging.commit_all`), under the
    targets' lock it holds. ``staging(target, encoding)`` gives the staged file to write
    (a run's own, :attr:`~welfare_calc.batch.run.options.Written.stage`, which commits it with
    the run's other files; by default one of its own). On :class:`BankFileRefused` (or a
    write that fails) nothing is left behind."""
    run = _Run.of(layout, month, batch_no)
    day = day or date.today()
    file = (StagedText(target, layout.encoding, excel=False) if staging is None
            else staging(target, layout.encoding))
    spool = None
    try:
        if layout.header:
            header = [field.value for field in layout.columns]
            file.text.write(layout.delimiter.join(header) + layout.newline)
        first = layout.summary is not None and layout.summary.at == "first"
        if first:
            # The totals come first and are known last: the lines wait in a private spool.
            spool = StagedText("spool", layout.encoding, excel=False)
            lines = spool
        else:
            lines = file
        count = fen = 0
        digests = array("q")
        write = lines.text.write
        for payment in payments:
            count += 1
            key = payment.key
            line = _fields(payment, key, count, run)
            digests.append(id_digest(key))
            try:
                write(line)
            except UnicodeEncodeError as error:
                raise BankFileRefused(_("payment {key}: {text} cannot be written in {encoding}, "
                                        "the layout's encoding").format(
                                            key=key, text=repr(line[error.start:error.end]),
                                            encoding=layout.encoding)) from None
            fen += payment.fen
        _refuse_doubled(digests, lines.reread(), layout)
        lines.binary.seek(0, io.SEEK_END)
        totals = BankTotals(count, fen)
        summary = summary_line(layout, totals, office=office, batch_no=batch_no, day=day)
        try:
            file.text.write(summary)
        except UnicodeEncodeError:
            raise BankFileRefused(_("the summary line {line} cannot be written in {encoding}, "
                                    "the layout's encoding").format(
                                        line=repr(summary.strip()), encoding=layout.encoding)
                                  ) from None
        if spool is not None:
            spool.text.flush()
            file.text.flush()
            spool.binary.seek(0)
            shutil.copyfileobj(spool.binary, file.binary)
    except BaseException:
        file.discard()
        raise
    finally:
        if spool is not None:
            spool.discard()
    return file, totals


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
