"""Exact money: parsing, exact intermediate values, and the one rounding step.

Amounts enter as :class:`~decimal.Decimal` with at most two decimals. A
yearly standard divided by 12 is not a finite decimal (5150 / 12 =
429.1666…), and docs/rules.md rule 1 forbids rounding it, so intermediate values
are :class:`~fractions.Fraction` (exact integer ratios). :func:`quantize` is
the only place a value is rounded, once, where it is reported or paid
(docs/rules.md rule 5), with the unit and mode from the standards file.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, Inexact, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from welfare_calc.core.numerals import ascii_numerals
from welfare_calc.core.words import _

_EXACT = Context(prec=60, traps=[Inexact])
"""Enough digits for any amount :func:`parse_money` accepts, and a trap if not."""

_MONEY = re.compile(r"([0-9]+)(?:\.[0-9]{1,2})?")

MAX_WHOLE_DIGITS = 16
"""Digits an amount may have before the decimal point (leading zeros aside).

No amount of yuan comes near 10**16; the bound keeps a mistyped cell of
thousands of digits from costing time, memory or precision, in every front
end alike."""


class RoundingMode(StrEnum):
    """How :func:`quantize` treats a value exactly half-way between two units."""

    HALF_UP = "half-up"
    """四舍五入: halves go away from zero."""
    HALF_EVEN = "half-even"
    """Banker's rounding: halves go to the even unit."""


class RoundingPoint(StrEnum):
    """Where amounts are rounded (docs/rules.md rule 5)."""

    HOUSEHOLD_MONTH = "household-month"
    """Each household's amount for each month is rounded, as it is paid; sums
    (a year, a window, what was paid) are sums of those."""
    TOTAL = "total"
    """The exact sum is rounded once, at the end."""


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
    rounding decision (Decimal division would round 1/12 first), and in a
    context wide enough for any number of digits (the default 28 would
    round, or raise, on a large amount).
    """
    steps = value / Fraction(unit)
    units = round_ratio(steps.numerator, steps.denominator, mode)
    wide = Context(prec=max(28, len(str(abs(units))) + 4), traps=[Inexact, InvalidOperation])
    return wide.multiply(Decimal(units), unit).quantize(unit, context=wide)


def parse_money(text: str) -> Decimal:
    """Read a non-negative amount of yuan with at most two decimals.

    Digits may be full-width (:func:`~welfare_calc.core.numerals.ascii_numerals`).
    Raises :class:`ValueError` with the accepted form; callers wrap it in the
    domain exception for the field concerned.
    """
    cleaned = ascii_numerals(text.strip())
    found = _MONEY.fullmatch(cleaned) if cleaned.isascii() else None
    if found is None:
        raise ValueError(_("{value} is not an amount of yuan; write digits with at most 2 "
                           "decimals, e.g. 200.50").format(value=repr(text)))
    if len(found[1].lstrip("0")) > MAX_WHOLE_DIGITS:
        raise ValueError(_("{value} has more than {digits} digits before the decimal point; no "
                           "amount of yuan is that large").format(value=_shown(text),
                                                                  digits=MAX_WHOLE_DIGITS))
    return Decimal(cleaned)


def to_fen(amount: Decimal) -> int:
    """An amount with at most two decimals, in whole fen, exactly."""
    return int(amount.scaleb(2, _EXACT))


def two_places(amount: Decimal) -> Decimal:
    """An amount with at most two decimals, written with exactly two (``200.5`` →
    ``200.50``): one form for one amount, so that two spellings of it are one value to
    whatever compares or remembers them (the rules, :data:`~welfare_calc.core.rules.FIELDS`).
    Raises :class:`ValueError` for a value that is no amount to the fen."""
    try:
        if amount.is_finite() and decimal_places(amount) <= 2:
            return Decimal(to_fen(amount)).scaleb(-2)
    except (ArithmeticError, AttributeError):  # (Inexact: more digits than any amount has)
        pass
    raise ValueError(f"{amount!r} is no amount to the fen")


def _shown(text: str) -> str:
    """A value for a message: a cell of thousands of digits is shortened."""
    text = text.strip()
    return repr(text) if len(text) <= 40 else repr(text[:20] + "…" + text[-8:])


def decimal_places(amount: Decimal) -> int:
    """How many decimals an amount carries (``Decimal('1.50')`` has 2)."""
    exponent = amount.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
