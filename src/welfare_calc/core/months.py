"""Calendar months, the unit of coverage and payment (docs/rules.md rule 8)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from welfare_calc.core.errors import InvalidMonth
from welfare_calc.core.numerals import ascii_numerals
from welfare_calc.core.words import _

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class Month:
    """A calendar month; frozen, ordered, hashable, written ``YYYY-MM``.

    Written out rather than a dataclass: every call of the tool makes this class, and
    Python 3.11 writes and compiles a dataclass's methods anew each time (about 0.4 ms,
    and 0.4 ms more to import :mod:`dataclasses`, for a call of about 50 ms). It behaves
    as ``@dataclass(frozen=True, order=True, slots=True)`` would: equal, ordered and
    hashed by (year, month), never equal to a tuple, and unchangeable.
    """

    __slots__ = ("month", "year")
    year: int
    month: int

    def __init__(self, year: int, month: int) -> None:
        if not 1 <= month <= 12 or not 1 <= year <= 9999:
            raise InvalidMonth(_("no such month: {month}").format(
                month=f"{year:04d}-{month:02d}"))
        object.__setattr__(self, "year", year)
        object.__setattr__(self, "month", month)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Month cannot be changed ({name})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a Month cannot be changed ({name})")

    def __reduce__(self) -> tuple[type[Month], tuple[int, int]]:
        return Month, (self.year, self.month)  # (pickled to the batch's workers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Month):
            return NotImplemented
        return self.year == other.year and self.month == other.month

    def __hash__(self) -> int:
        return hash((self.year, self.month))

    def __lt__(self, other: Month) -> bool:
        if not isinstance(other, Month):
            return NotImplemented
        return (self.year, self.month) < (other.year, other.month)

    def __le__(self, other: Month) -> bool:
        if not isinstance(other, Month):
            return NotImplemented
        return (self.year, self.month) <= (other.year, other.month)

    def __gt__(self, other: Month) -> bool:
        if not isinstance(other, Month):
            return NotImplemented
        return (self.year, self.month) > (other.year, other.month)

    def __ge__(self, other: Month) -> bool:
        if not isinstance(other, Month):
            return NotImplemented
        return (self.year, self.month) >= (other.year, other.month)

    def __repr__(self) -> str:
        return f"Month(year={self.year}, month={self.month})"

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
