"""A bank account checked before it is sent (issue 30 §3): a payment to a mistyped account
is refused by the bank a month later, or worse, paid to a stranger's card.

What is checked is what a bank card's number carries in itself: digits only, the length
of a card number (16 to 19 digits, GB/T 15694 and ISO/IEC 7812), and the Luhn check digit
at its end (the rule of python-stdnum's :mod:`stdnum.luhn`, its sum taken faster:
:func:`luhn_holds`). A passbook (存折) account, which carries no check digit, does not pass
and is held back as 待核实账号 for the clerk to confirm.
Spaces and dashes, as clerks group the digits (``6222 0212 3456 7890 128``), are cut;
Excel's text prefix ``'`` too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from welfare_calc.core.words import _

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SHORTEST = 16
LONGEST = 19
"""A bank card's number: 16 to 19 digits (ISO/IEC 7812, GB/T 15694)."""

_CUT = str.maketrans("", "", " -\u3000\u00a0\t")
_VALUE = {str(digit): digit for digit in range(10)}
_DOUBLED = {str(digit): (2 * digit) // 10 + (2 * digit) % 10 for digit in range(10)}
"""A digit's part of the Luhn sum where it stands in an even place from the right: doubled,
the digits of the double added (7 → 14 → 5)."""
_DOUBLED_VALUES = tuple(_DOUBLED[str(digit)] for digit in range(10))


def luhn_holds(digits: str) -> bool:
    """Whether the Luhn check digit of ``digits`` (ASCII digits) holds: python-stdnum's
    :func:`stdnum.luhn.is_valid`, with the sum taken by lookups in C (``map``) rather
    than a generator a digit, for a county's million accounts a month (five times
    faster); tests/test_accounts.py holds the two to the same answers. The one Luhn of
    the payroll: the bank file's writer checks by it too
    (:func:`~welfare_calc.payroll.bank.plainly_a_card`)."""
    return (sum(map(_VALUE.__getitem__, digits[-1::-2]))
            + sum(map(_DOUBLED.__getitem__, digits[-2::-2]))) % 10 == 0


class BadAccount(ValueError):
    """An account that cannot be sent to the bank; its message says why, in the clerk's
    words."""


def account_digits(written: str) -> str:
    """The account as the bank file writes it: the digits of ``written``, its grouping
    spaces, dashes and Excel's ``'`` cut; :class:`BadAccount` when it is no card number."""
    digits = written.strip().lstrip("'").translate(_CUT)
    if not digits:
        raise BadAccount(_("no bank account given"))
    if not digits.isascii() or not digits.isdigit():
        raise BadAccount(_("bank account {account} holds more than digits").format(
            account=written.strip()))
    if not SHORTEST <= len(digits) <= LONGEST:
        raise BadAccount(_("bank account {account} has {count} digits; a bank card has "
                           "{shortest} to {longest}").format(
            account=digits, count=len(digits), shortest=SHORTEST, longest=LONGEST))
    if not luhn_holds(digits):
        raise BadAccount(_("bank account {account}: its last digit does not check "
                           "(a digit mistyped?)").format(account=digits))
    return digits


def cards_hold(cells: npt.NDArray[np.uint8], lengths: npt.NDArray[np.int64]
               ) -> npt.NDArray[np.bool_]:
    """Per row of ``cells`` (each account's bytes from the left, ``lengths`` long, anything
    past): whether it is, as written, what :func:`account_digits` returns unchanged: 16 to
    19 ASCII digits whose Luhn digit checks. A county's million accounts at once, for the
    month's lines made column-wise (:mod:`welfare_calc.payroll.lines`); an account it does
    not accept goes to :func:`account_digits`, which cuts its spaces or says what is wrong.
    tests/test_accounts.py holds it to :func:`account_digits` and to python-stdnum."""
    import numpy as np  # noqa: PLC0415 - the column-wise lines only

    # Position by position (a row of the window each), every account at once.
    window = np.zeros((LONGEST, len(lengths)), dtype=np.uint8)
    width = min(cells.shape[1], LONGEST) if cells.ndim == 2 else 0
    window[:width] = cells[:, :width].T
    digit = window - np.uint8(ord("0"))  # (a byte not a digit: above 9)
    digit[np.arange(LONGEST)[:, None] >= lengths[None, :]] = 0
    digits = (digit <= 9).all(axis=0)
    np.minimum(digit, 9, out=digit)
    doubled = np.take(np.array(_DOUBLED_VALUES, dtype=np.uint8), digit)
    # The check digit is the last; every second one before it is doubled: those at even
    # places from the left in a number of even length, at odd places in one of odd length.
    def summed(rows: npt.NDArray[np.uint8]) -> npt.NDArray[np.int32]:
        total: npt.NDArray[np.int32] = np.add.reduce(rows, axis=0, dtype=np.int32)
        return total

    total = np.where(lengths % 2 == 0, summed(doubled[0::2]) + summed(digit[1::2]),
                     summed(digit[0::2]) + summed(doubled[1::2]))
    held: npt.NDArray[np.bool_] = (digits & (lengths >= SHORTEST) & (lengths <= LONGEST)
                                   & (total % 10 == 0))
    return held
