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
(:class:`~welfare_calc.batch.staging.StagedText`), under the target's lock
(:func:`~welfare_calc.batch.targets.locked`). Lines are streamed: a layout whose summary
comes first has its lines spooled to a private temporary file (0600, unlinked at once on
POSIX, removed on Windows), then the summary and the spool are written to the target, so
that the payments may come from a single pass over a million-row roster. The one thing
held per line is its key, to refuse a key seen twice (about 150 bytes a line).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from welfare_calc.batch.staging import StagedText, commit_all
from welfare_calc.batch.targets import locked
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.months import Month
from welfare_calc.core.words import _
from welfare_calc.output.text import csv_safe, kept_as_text
from welfare_calc.payroll.accounts import BadAccount, account_digits
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
        """The total as the file writes it."""
        return fen_text(self.fen)


class BankFileRefused(UnusableInput):
    """A payment the bank file cannot carry; its message names the payment."""


def fen_text(fen: int) -> str:
    """An amount in fen as a bank file writes it: ``123456`` → ``1234.56`` (integers only)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}.{cents:02d}"


def text_fen(text: str) -> int | None:
    """The fen an amount written with at most two decimals is (``1234.5`` → ``123450``), or
    None when it is not such an amount (``1,234.56``, ``1e3``, ``-5``, ``1.234``)."""
    whole, dot, part = text.strip().partition(".")
    if (not whole.isascii() or not whole.isdigit() or (dot and not part)
            or not part.isascii() or not (part.isdigit() or not part) or len(part) > 2):
        return None
    return int(whole) * 100 + int(part.ljust(2, "0") or "0")


@dataclass(frozen=True, slots=True)
class _Run:
    """What every line of one file shares."""

    layout: Layout
    month: Month
    batch_no: str


def _fields(payment: Payment, seq: int, run: _Run) -> str:
    """A payment's line, checked: its fields in the layout's order, joined."""
    layout = run.layout
    key = payment.key
    if payment.month > run.month:
        raise BankFileRefused(_("payment {key}: its month is after {month}, the file's").format(
            key=key, month=run.month))
    if payment.fen <= 0:
        raise BankFileRefused(_("payment {key}: the amount {amount} is not a payment").format(
            key=key, amount=fen_text(payment.fen)))
    try:
        account = account_digits(payment.account)
    except BadAccount as error:
        raise BankFileRefused(_("payment {key} ({name}): {problem}; it is not sent (待核实账号)"
                                ).format(key=key, name=payment.name, problem=error)) from None
    excel = layout.excel
    values = {
        Field.SEQ: str(seq),
        Field.NAME: csv_safe(payment.name) if excel else payment.name,
        Field.ID: kept_as_text(payment.id, digits=True) if excel else payment.id,
        Field.ACCOUNT: kept_as_text(account, digits=True) if excel else account,
        Field.AMOUNT: fen_text(payment.fen),
        Field.BATCH: kept_as_text(run.batch_no) if excel else run.batch_no,
        Field.KEY: key,
    }
    cells = [values[field] for field in layout.columns]
    for field, cell in zip(layout.columns, cells, strict=True):
        if layout.delimiter in cell or '"' in cell or "\r" in cell or "\n" in cell:
            raise BankFileRefused(_("payment {key}: its {field} {value} holds {delimiter}, a "
                                    "quote or a line break, which the bank file cannot "
                                    "carry").format(key=key, field=field.value,
                                                    value=repr(cell),
                                                    delimiter=repr(layout.delimiter)))
    return layout.delimiter.join(cells) + layout.newline


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
                    month: Month, office: str, batch_no: str,
                    day: date | None = None) -> tuple[StagedText, BankTotals]:
    """The bank file written beside ``target``, not yet in place, and its totals.

    For a command that puts its files in place together (the payroll's 发放明细, change
    roster and bank file: :func:`~welfare_calc.batch.staging.commit_all`), under the
    targets' lock it holds. On :class:`BankFileRefused` (or a write that fails) nothing
    is left behind."""
    run = _Run(layout, month, batch_no)
    day = day or date.today()
    file = StagedText(target, layout.encoding, excel=False)
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
        seen: dict[str, int] = {}
        write = lines.text.write
        for payment in payments:
            count += 1
            line = _fields(payment, count, run)
            earlier = seen.setdefault(payment.key, count)
            if earlier != count:
                raise BankFileRefused(_("payment {key} is given twice (lines {first} and "
                                        "{second}); a household is paid once a month").format(
                                            key=payment.key, first=earlier, second=count))
            try:
                write(line)
            except UnicodeEncodeError as error:
                raise BankFileRefused(_("payment {key}: {text} cannot be written in {encoding}, "
                                        "the layout's encoding").format(
                                            key=payment.key, text=repr(line[error.start:error.end]),
                                            encoding=layout.encoding)) from None
            fen += payment.fen
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
    (:func:`~welfare_calc.batch.targets.check_distinct`)."""
    with locked([target]):
        file, totals = stage_bank_file(payments, layout, target, month=month, office=office,
                                       batch_no=batch_no, day=day)
        try:
            commit_all([file], {})
        finally:
            with contextlib.suppress(OSError):
                file.discard()
    return totals
