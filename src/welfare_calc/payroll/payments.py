"""One household's payment of one month: what the 发放明细 lists, the bank file sends and
the bank's return answers for, under one key."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from welfare_calc.core.months import Month


@dataclass(frozen=True, slots=True)
class Payment:
    """A household's payment of ``month``: ``fen`` is the core's 户月保障金 (basic +
    分类施保 + care standard, in fen), ``account`` the bank account as the roster gives
    it (digits only once checked; empty when the roster has none)."""

    month: Month
    id: str
    """The household's id in its canonical form (``identity.canonical_id``)."""
    name: str
    account: str
    fen: int

    @property
    def key(self) -> str:
        """The line's key, the same in the bank file, its return and any re-issue: the
        month and the canonical id (``2024-05:370303199001011234``), so that a payment
        sent twice is recognisable by the bank and by ``reconcile``."""
        return f"{self.month}:{self.id}"


class PaymentSpool:
    """The month's payments to send, in the order of the 发放明细, kept on disk rather than
    in memory (a county's million households): read back as many times as asked, as
    :class:`Payment` values, by the bank file's writer.

    An anonymous temporary file: unlinked at once on POSIX, deleted when closed on
    Windows, so that no name, id or account outlives the run, however it ends
    (:func:`tempfile.TemporaryFile`). :meth:`close` ends it.
    """

    def __init__(self, month: Month) -> None:
        self.month = month
        self.count = 0
        self.fen = 0
        """The payments' total, in fen."""
        self._file: IO[str] = tempfile.TemporaryFile(  # noqa: SIM115 - closed by close()
            "w+", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)

    def add(self, payment: Payment) -> None:
        """One payment more (of :attr:`month`)."""
        self._writer.writerow((payment.id, payment.name, payment.account, payment.fen))
        self.count += 1
        self.fen += payment.fen

    def __iter__(self) -> Iterator[Payment]:
        """The payments, in the order added."""
        self._file.flush()
        self._file.seek(0)
        month = self.month
        for ident, name, account, fen in csv.reader(self._file):
            yield Payment(month, ident, name, account, int(fen))
        self._file.seek(0, 2)

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        """The file gone."""
        self._file.close()
