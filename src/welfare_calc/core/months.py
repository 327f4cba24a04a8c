"""Calendar months, the unit of coverage and payment (docs/rules.md rule 8)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from welfare_calc.core.errors import InvalidMonth
from welfare_calc.core.numerals import ascii_numerals
from welfare_calc.core.words import _

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month; ordered, hashable, written ``YYYY-MM``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise InvalidMonth(_("no such month: {month}").format(
                month=f"{self.year:04d}-{self.month:02d}"))

    @classmethod
    def parse(cls, text: str, *, field: str = "month") -> Month:
        """Read ``YYYY-MM`` strictly (``2020-8`` and ``2020/08`` are refused).

        Digits may be full-width (:func:`~welfare_calc.core.numerals.ascii_numerals`).
        The message says what is wrong with the text; ``field`` goes on the
        exception, for the front end to name the option or column.
        """
        found = _MONTH.fullmatch(ascii_numerals(text.strip()))
        if found is None:
            raise InvalidMonth(_("{value} is not a month; write YYYY-MM, e.g. 2020-08").format(
                value=repr(text)), field=field)
        year, month = int(found[1]), int(found[2])
        if year < 1:
            raise InvalidMonth(_("{value} has no year 0000; write the year in full, e.g. "
                                 "2020-08").format(value=repr(text)), field=field)
        if not 1 <= month <= 12:
            raise InvalidMonth(_("{value} has no month {month}; months run 01..12").format(
                value=repr(text), month=f"{month:02d}"), field=field)
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        """The month a date falls in."""
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> Month:
        """Inverse of :attr:`index`."""
        return cls(index // 12, index % 12 + 1)

    @property
    def index(self) -> int:
        """Months since year 0: consecutive months differ by one."""
        return self.year * 12 + self.month - 1

    @property
    def first_day(self) -> date:
        """The first day of the month, for looking up dated standards."""
        return date(self.year, self.month, 1)

    def __add__(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_range(first: Month, last: Month) -> Iterator[Month]:
    """Every month from ``first`` to ``last``, both included."""
    for index in range(first.index, last.index + 1):
        yield Month.from_index(index)
