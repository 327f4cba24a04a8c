"""The run's counts: back-pay, overpaid, newly eligible, households and persons, per
category and (with ``--group-by``) per group.

Sums of the fen written, chunk by chunk, so that they reconcile exactly with the output
column; a row dropped at the end (a doubled id, a locality that reads as a total) is
taken out of every count it was added to. The summary, the 资金汇总 and the roster's
小计 and 合计 are all read from here.
"""

from __future__ import annotations

from collections.abc import Sequence

from welfare_calc.batch.rows import groups
from welfare_calc.batch.run.chunk_result import ChunkResult
from welfare_calc.core.engine import fen_text


class Tallies:
    """Counts per category (table order) and per group."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        """The categories' keys, in table order: a chunk's counts are by position."""
        self.totals = [0] * len(keys)
        """Back-pay written, in fen."""
        self.overpaid = [0] * len(keys)
        """Overpaid amounts written, in fen."""
        self.newly = [0] * len(keys)
        """Rows written that the raise makes newly eligible."""
        self.households = [0] * len(keys)
        self.persons = [0] * len(keys)
        self.groups: dict[groups.Key, groups.Tally] = {}
        self.group_at: tuple[tuple[int, int | None], ...] = ()
        """Where each ``--group-by`` level's cell is (and how much of it names the group)."""

    def add(self, result: ChunkResult) -> None:
        """A chunk's counts, added."""
        for code, amount in enumerate(result.totals):
            self.totals[code] += amount
        for code, amount in enumerate(result.overpaid):
            self.overpaid[code] += amount
        for code, count in enumerate(result.newly):
            self.newly[code] += count
        for code, count in enumerate(result.households):
            self.households[code] += count
        for code, count in enumerate(result.persons):
            self.persons[code] += count
        groups.merge(self.groups, result.groups, len(self.keys))

    def take_back(self, cells: Sequence[str], code: int, newly: int, persons: int,
                  net: int) -> None:
        """A written row dropped: out of every count (``net``: its back-pay in fen, or
        minus what it overpaid)."""
        self.newly[code] -= newly
        self.households[code] -= 1
        self.persons[code] -= persons
        if self.group_at:
            groups.count(self.groups[groups.key_of(cells, self.group_at)], code, persons,
                         net, newly, sign=-1)
        if net >= 0:
            self.totals[code] -= net
        else:
            self.overpaid[code] += net

    def settle(self, taken: list[groups.Key]) -> None:
        """The groups as the documents show them: those named as totals gone (their rows
        were rejected), a town's villages together."""
        for key in taken:
            del self.groups[key]
        self.groups = {key: self.groups[key] for key in groups.nested(self.groups)}

    def by_category(self, counts: list[int]) -> dict[str, int]:
        """One of the counts, by category key."""
        return dict(zip(self.keys, counts, strict=True))

    def group_figures(self) -> list[dict[str, object]]:
        """Each group as the summary gives it: its cell text (a list for two levels),
        totals, and the same by category; money in yuan as text."""
        def figures(counters: list[int]) -> dict[str, object]:
            households, persons, backpay, overpaid, newly = counters
            return {"households": households, "persons": persons,
                    "backpay": fen_text(backpay), "overpaid": fen_text(overpaid),
                    "newly_eligible": newly}

        def group(key: groups.Key, tally: groups.Tally) -> dict[str, object]:
            total = [sum(column) for column in zip(*tally, strict=True)]
            return {"group": key[0] if len(key) == 1 else list(key), **figures(total),
                    "by_category": {name: figures(counters)
                                    for name, counters in zip(self.keys, tally, strict=True)}}

        return [group(key, tally) for key, tally in self.groups.items()]

    def total_tally(self) -> groups.Tally:
        """The run's totals in a group's form (:data:`groups.COUNTERS` per category): the
        合计 that the groups add up to."""
        return [[households, persons, backpay, overpaid, newly]
                for households, persons, backpay, overpaid, newly in zip(
                    self.households, self.persons, self.totals, self.overpaid, self.newly,
                    strict=True)]
