"""Totals by locality (``--group-by``): households, persons and money per town or village.

A county allocates money to each town from its 资金汇总, so a run can total its
rows by a roster column (乡镇（街道）, 属地, 村（社区）, 单位), or by the first N
characters of one (``HEADER:6`` for a county's 行政区划代码, ``:9`` for a town's),
at most two levels (town, then village). Every row written is in exactly one
group; an empty cell is a group of its own (null in JSON, 未填属地 for people),
never dropped; and the groups add up to the run's totals to the fen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from welfare_calc.batch.rows.parsing import header_names, no_column
from welfare_calc.core.errors import BadOption
from welfare_calc.core.words import _

MAX_LEVELS = 2
COUNTERS = ("households", "persons", "backpay", "overpaid", "newly_eligible")
"""What a group counts, per category, in this order (money in fen)."""
NO_LOCALITY = "未填属地"
"""A group whose cell is empty, as people read it."""

GroupBy = tuple[tuple[str, int | None], ...]
"""``--group-by`` choices: (the header cell, how many characters of it, or all)."""
Key = tuple[str | None, ...]
"""A row's group: one text per level (None: the cell is empty)."""
Tally = list[list[int]]
"""A group's :data:`COUNTERS`, per category (table order)."""


def parse_group_by(given: Sequence[str]) -> GroupBy:
    """``--group-by HEADER`` or ``HEADER:N`` options, at most :data:`MAX_LEVELS`."""
    if len(given) > MAX_LEVELS:
        raise BadOption(_("--group-by is given {count} times; at most {most} levels (town, then "
                          "village)").format(count=len(given), most=MAX_LEVELS))
    levels: list[tuple[str, int | None]] = []
    for text in given:
        header, colon, count = text.rpartition(":") if ":" in text else (text, "", "")
        if not header.strip():
            raise BadOption(_("--group-by {given}: name a column of the roster, e.g. --group-by "
                              "乡镇（街道） or --group-by 行政区划代码:9").format(given=repr(text)))
        if colon and not (count.isascii() and count.isdigit() and int(count) >= 1):
            raise BadOption(_("--group-by {given}: after the colon, how many characters of the "
                              "column make the group (e.g. :6 for a county's code)").format(
                                  given=repr(text)))
        levels.append((header.strip(), int(count) if colon else None))
    return tuple(levels)


def positions(names: Sequence[str], group_by: GroupBy, where: str
              ) -> tuple[tuple[int, int | None], ...]:
    """Where each level's column is in the header; a column it lacks is unusable input."""
    stripped = header_names(names)
    found = []
    for header, count in group_by:
        if header not in stripped:
            raise no_column(stripped, header, _("{where}: {option}").format(
                where=where, option=f"--group-by {header}"))
        found.append((stripped.index(header), count))
    return tuple(found)


def key_of(row: Sequence[str], where: tuple[tuple[int, int | None], ...]) -> Key:
    """A row's group: each level's cell (stripped; its first N characters), None if empty."""
    key: list[str | None] = []
    for index, count in where:
        cell = row[index].strip() if index < len(row) else ""
        if count is not None:
            cell = cell[:count]
        key.append(cell or None)
    return tuple(key)


def nested(keys: Iterable[Key]) -> list[Key]:
    """Groups in the order the documents give them: a town's villages together, towns in
    the order they first appear in the roster, and each town's villages in the order they
    first appear in it (a roster need not be sorted: 青年路街道's 大街社区, met after
    萌水镇's villages, still follows 丝市社区). One level: the order they first appear."""
    keys = list(keys)
    towns: dict[str | None, int] = {}
    for key in keys:
        towns.setdefault(key[0] if key else None, len(towns))
    return sorted(keys, key=lambda key: towns[key[0] if key else None])  # (stable)


def new_tally(categories: int) -> Tally:
    """A group with nothing counted yet."""
    return [[0] * len(COUNTERS) for _ in range(categories)]


def count(tally: Tally, code: int, persons: int, net: int, newly: int, sign: int = 1) -> None:
    """A row written (``sign`` 1) or taken back (-1) into a group's tally."""
    counters = tally[code]
    counters[0] += sign
    counters[1] += sign * persons
    if net >= 0:
        counters[2] += sign * net
    else:
        counters[3] -= sign * net
    counters[4] += sign * newly


def merge(into: dict[Key, Tally], other: dict[Key, Tally], categories: int) -> None:
    """Add a chunk's groups, keeping the order in which groups first appear."""
    for key, tally in other.items():
        target = into.setdefault(key, new_tally(categories))
        for mine, theirs in zip(target, tally, strict=True):
            for position, value in enumerate(theirs):
                mine[position] += value
