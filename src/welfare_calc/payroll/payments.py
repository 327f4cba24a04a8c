"""One household's payment of one month: what the 发放明细 lists, the bank file sends and
the bank's return answers for, under one key."""

from __future__ import annotations

from dataclasses import dataclass

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
