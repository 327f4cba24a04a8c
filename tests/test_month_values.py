"""A Month is written out as a plain class (a dataclass costs every call its compiling):
it must behave exactly as the ``@dataclass(frozen=True, order=True, slots=True)`` it
replaced, which this module keeps as the reference."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError, dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from welfare_calc.core.errors import InvalidMonth
from welfare_calc.core.months import Month


@dataclass(frozen=True, order=True, slots=True)
class Reference:
    """What Month was."""

    year: int
    month: int


years = st.integers(min_value=1, max_value=9999)
months = st.integers(min_value=1, max_value=12)
pairs = st.tuples(years, months)


@given(pairs, pairs)
def test_compared_and_hashed_as_the_dataclass_was(one: tuple[int, int],
                                                  other: tuple[int, int]) -> None:
    mine, theirs = Month(*one), Month(*other)
    before, after = Reference(*one), Reference(*other)
    assert (mine == theirs, mine != theirs) == (before == after, before != after)
    assert (mine < theirs, mine <= theirs, mine > theirs, mine >= theirs) == (
        before < after, before <= after, before > after, before >= after)
    assert (hash(mine) == hash(theirs)) is (hash(before) == hash(after)) or mine != theirs
    assert sorted([mine, theirs]) == [Month(value.year, value.month)
                                      for value in sorted([before, after])]


@given(pairs)
def test_a_value_travels_and_stays_as_it_is(pair: tuple[int, int]) -> None:
    month = Month(*pair)
    assert pickle.loads(pickle.dumps(month)) == month  # (to the batch's workers)
    assert copy.deepcopy(month) == month
    assert repr(month) == repr(Reference(*pair)).replace("Reference", "Month")
    assert {month: 1}[Month(*pair)] == 1


def test_a_month_is_never_a_tuple_nor_changed() -> None:
    month = Month(2024, 5)
    assert month != (2024, 5)
    assert Reference(2024, 5) != (2024, 5)  # type: ignore[comparison-overlap]
    with pytest.raises(TypeError):
        assert month < (2024, 6)  # type: ignore[operator]
    with pytest.raises(AttributeError):
        month.year = 2025
    with pytest.raises(FrozenInstanceError):
        Reference(2024, 5).year = 2025  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del month.month
    with pytest.raises(AttributeError):
        month.day = 1
    assert (month.year, month.month, str(month), month.index) == (2024, 5, "2024-05", 24292)


@pytest.mark.parametrize(("year", "month"), [(2024, 0), (2024, 13), (0, 5), (10000, 1)],
                         ids=["month 0", "month 13", "year 0", "year 10000"])
def test_no_such_month_is_made(year: int, month: int) -> None:
    with pytest.raises(InvalidMonth):
        Month(year, month)
