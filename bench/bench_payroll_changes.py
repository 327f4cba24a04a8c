"""Benchmark the change roster's comparison (:func:`welfare_calc.payroll.changes.compare`)
of two months of N households, and its peak memory.

The households are made deterministically (seeded): N ids in last month, of which about
1% stop, 1% are new this month, 5% change persons or income, the rest are unchanged; 24
towns. Each month's amount is the engine's (``listed``), computed before the clock starts:
the payroll command has it already, from its own run over the roster; this measures the
comparison alone, and ``--with-amounts`` the amounts too. Usage::

    python bench/bench_payroll_changes.py --rows 1000000
    python bench/bench_payroll_changes.py --rows 200000 --with-amounts

Memory: the RSS with both months' households made (the benchmark's input, which the
payroll command streams rather than holds), and the peak after the comparison, whose
difference bounds what the comparison adds: its dict of last month's ids, the set of this
month's ids paid, and the changes. ``--streamed`` makes each household as the comparison
reads it and traces what the comparison allocates (tracemalloc): what it keeps of last
month, its households included.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal

from welfare_calc.core.households import Coverage, Household
from welfare_calc.core.months import Month
from welfare_calc.core.table import StandardsTable
from welfare_calc.payroll.changes import Changes, Listed, compare, listed
from welfare_calc.standards.loader import shipped_standards

CATEGORIES = ("urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun")
APRIL, MAY = Month(2024, 4), Month(2024, 5)


def months(rows: int, seed: int = 30) -> tuple[list[tuple[str, Household, tuple[str]]],
                                               list[tuple[str, Household, tuple[str]]]]:
    """Last month's and this month's households: (id, household, group)."""
    pick = random.Random(seed)
    last, this = [], []
    for number in range(rows):
        ident = f"H{number:08d}"
        house = Household(pick.choice(CATEGORIES), pick.randint(1, 5),
                          Decimal(pick.randrange(0, 60000)).scaleb(-2))
        group = (f"镇{pick.randrange(24):02d}",)
        last.append((ident, house, group))
        roll = pick.random()
        if roll < 0.01:
            continue  # stopped
        if roll < 0.06:
            house = Household(house.category, max(1, house.persons + pick.choice((-1, 1))),
                              house.income)
        this.append((ident, house, group))
    for number in range(rows // 100):
        this.append((f"N{number:08d}", Household("urban-dibao", 2, Decimal(100)), ("镇00",)))
    return last, this


def rss() -> float:
    """The process's resident memory now, in MB (Linux ``/proc``; else the peak so far)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--with-amounts", action="store_true",
                        help="time the engine's amounts (listed) too")
    parser.add_argument("--streamed", action="store_true",
                        help="each month's households made as the comparison reads them, as "
                             "the payroll command gives them: the time then includes the "
                             "engine's amounts, and the memory is what the comparison keeps")
    given = parser.parse_args()
    table = shipped_standards().table
    last_rows, this_rows = months(given.rows)
    if given.streamed:
        streamed(table, last_rows, this_rows)
        return
    started = time.perf_counter()

    def side(rows: list[tuple[str, Household, tuple[str]]], month: Month) -> list[Listed]:
        return [listed(table, month, ident, house, Coverage(), group, "")
                for ident, house, group in rows]

    last, this = side(last_rows, APRIL), side(this_rows, MAY)
    amounts = time.perf_counter() - started
    del last_rows, this_rows
    held = rss()
    started = time.perf_counter()
    changes = compare(last, iter(this), APRIL, MAY, table)
    compared = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = changes.total
    print(f"households: {given.rows:,} last month, {changes.this_households:,} paid this month")
    print(f"changes: {len(changes.rows):,} (新增 {total[0]:,}, 停发 {total[3]:,}, "
          f"增发 {total[6]:,}, 减发 {total[9]:,}); unchanged {changes.unchanged:,}")
    if given.with_amounts:
        print(f"amounts (listed, both months): {amounts:.2f} s")
    print(f"compare: {compared:.2f} s ({compared / (given.rows or 1) * 1e6:.2f} µs a household)")
    print(f"RSS holding both months' households: {held:,.0f} MB; peak RSS after compare: "
          f"{peak:,.0f} MB (compare's own: {peak - held:,.0f} MB at most)")
    assert Changes.net(total) == changes.this_fen - changes.last_fen, "the net does not hold"


def streamed(table: StandardsTable, last_rows: list[tuple[str, Household, tuple[str]]],
             this_rows: list[tuple[str, Household, tuple[str]]]) -> None:
    """Both months made as they are read, each household made afresh from its values (as
    the payroll makes it from a roster's cells): the RSS difference is what the
    comparison keeps, the households of last month it holds included."""
    plain = [[(ident, house.category, house.persons, str(house.income), group)
              for ident, house, group in rows] for rows in (last_rows, this_rows)]
    del last_rows[:], this_rows[:]
    tracemalloc.start()
    started = time.perf_counter()

    def side(rows: list[tuple[str, str, int, str, tuple[str]]], month: Month
             ) -> Iterator[Listed]:
        for ident, category, persons, income, group in rows:
            yield listed(table, month, ident, Household(category, persons, Decimal(income)),
                         Coverage(), group, "")

    changes = compare(side(plain[0], APRIL), side(plain[1], MAY), APRIL, MAY, table)
    took = time.perf_counter() - started
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"streamed: {len(plain[0]):,} and {len(plain[1]):,} households; "
          f"{len(changes.rows):,} changes")
    print(f"amounts and compare, traced (tracemalloc slows it): {took:.2f} s; memory the "
          f"comparison allocated: {peak / 2**20:,.0f} MB at its peak, {kept / 2**20:,.0f} MB "
          f"kept with its result")


if __name__ == "__main__":
    sys.exit(main())
