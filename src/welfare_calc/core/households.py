"""A household as the core knows it: its category, persons, income, supplement and care
tier, the months it is covered, and the category's names.

Plain values only; the checks that make them are :mod:`welfare_calc.core.checks`, the
standards they are paid at :mod:`welfare_calc.core.timeline`, the money
:mod:`welfare_calc.core.engine`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from welfare_calc.core import words
from welfare_calc.core.errors import UnknownCategory
from welfare_calc.core.months import Month
from welfare_calc.core.table import CareTier, Category, StandardsTable


class Supplement(NamedTuple):
    """A 分类施保 supplement paid with dibao (rule 11): a fixed amount of yuan a month,
    or a percentage of the household's monthly dibao amount."""

    fixed: Decimal | None = None
    """Yuan a month, whatever the dibao amount."""
    percent: Decimal | None = None
    """Percent of the monthly dibao amount (20 for 20%)."""

    def __str__(self) -> str:
        if self.percent is not None:
            return f"{self.percent.normalize():f}%"
        assert self.fixed is not None
        return f"{self.fixed:.2f}"


class Household(NamedTuple):
    """Who is paid: a validated category id, covered persons, per-capita monthly income,
    a 分类施保 supplement when there is one, and, for tekun, the care tier of its
    persons when one is given (docs/rules.md rule 17)."""

    category: str
    persons: int
    income: Decimal
    supplement: Supplement | None = None
    care: CareTier | None = None
    """The persons' care tier (照料护理等级): tekun only; None: the basic standard alone."""


class Coverage(NamedTuple):
    """The months a household is covered, inclusive; ``None`` means open-ended."""

    start: Month | None = None
    end: Month | None = None

    def covers(self, month: Month) -> bool:
        """Whether the household is covered in ``month``."""
        return (self.start is None or self.start <= month) and (
            self.end is None or month <= self.end
        )


def category_names(table: StandardsTable) -> dict[str, str]:
    """Every accepted spelling of a category (id, Chinese names, aliases) → its id."""
    names: dict[str, str] = {}
    for key, category in table.categories.items():
        for name in (key, category.short_zh, category.name_zh, *category.aliases):
            names.setdefault(name, key)
    return names


def category_label(table: StandardsTable, key: str) -> str:
    """A category as a person reads it in the language in use: its short Chinese name
    (城市低保) in Chinese, its id (urban-dibao) in English."""
    category = table.categories.get(key)
    if category is not None and words.language().startswith("zh"):
        return category.short_zh
    return key


def resolve_category(table: StandardsTable, given: str) -> str:
    """The category id for an id or a Chinese name; a typo gets suggestions."""
    names = category_names(table)
    text = given.strip()
    if text in names:
        return names[text]
    if text.lower() in names:
        return names[text.lower()]
    import difflib  # noqa: PLC0415 - only for a name that is unknown

    close = difflib.get_close_matches(text.lower(), list(names), n=2, cutoff=0.6)
    suggestions = list(dict.fromkeys(close))
    known = [f"{key} ({category.short_zh})" for key, category in table.categories.items()]
    raise UnknownCategory(given, known, suggestions)


def category_of(table: StandardsTable, category_id: str) -> Category:
    """The table's category for an id (or, failing that, a name it resolves)."""
    if category_id not in table.categories:
        return table.categories[resolve_category(table, category_id)]
    return table.categories[category_id]
