"""Exact money: parsing, exact intermediate values, and the one rounding step.

Amounts enter as :class:`~decimal.Decimal` with at most two decimals. A
yearly standard divided by 12 is not a finite decimal (5150 / 12 =
429.1666…), and DOMAIN.md rule 1 forbids rounding it, so intermediate values
are :class:`~fractions.Fraction` (exact integer ratios). :func:`quantize` is
the only place a value is rounded, once, where it is reported or paid
(DOMAIN.md rule 5), with the unit and mode from the standards file.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

Exact = Fraction
"""An exact intermediate amount of yuan."""

_MONEY = re.compile(r"\d+(?:\.\d{1,2})?")


class RoundingMode(StrEnum):
    """How :func:`quantize` treats a value exactly half-way between two units."""

    HALF_UP = "half-up"
    """四舍五入: halves go away from zero."""
    HALF_EVEN = "half-even"
    """Banker's rounding: halves go to the even unit."""


def exact(amount: Decimal | int) -> Fraction:
    """The exact rational value of a decimal amount (no rounding happens)."""
    return Fraction(amount)


def round_ratio(numerator: int, denominator: int, mode: RoundingMode) -> int:
    """``numerator / denominator`` (denominator > 0) rounded to a whole number with ``mode``.

    Integers only, so nothing is lost before the decision; half-up sends
    halves away from zero (四舍五入).
    """
    whole, rest = divmod(abs(numerator), denominator)
    twice = 2 * rest
    if twice > denominator or (
        twice == denominator and (mode is RoundingMode.HALF_UP or whole % 2 == 1)
    ):
        whole += 1
    return -whole if numerator < 0 else whole


def quantize(value: Fraction, unit: Decimal, mode: RoundingMode) -> Decimal:
    """Round an exact amount to a whole number of ``unit`` (e.g. 0.01 yuan).

    Done in integers on the exact fraction, so no digit is lost before the
    rounding decision (Decimal division would round 1/12 first).
    """
    steps = value / Fraction(unit)
    return (Decimal(round_ratio(steps.numerator, steps.denominator, mode)) * unit).quantize(unit)


def parse_money(text: str) -> Decimal:
    """Read a non-negative amount of yuan with at most two decimals.

    Raises :class:`ValueError` with the accepted form; callers wrap it in the
    domain exception for the field concerned.
    """
    cleaned = text.strip()
    if not cleaned.isascii() or _MONEY.fullmatch(cleaned) is None:
        raise ValueError(
            f"{text!r} is not an amount of yuan; write digits with at most 2 decimals, e.g. 200.50"
        )
    return Decimal(cleaned)


def decimal_places(amount: Decimal) -> int:
    """How many decimals an amount carries (``Decimal('1.50')`` has 2)."""
    exponent = amount.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
