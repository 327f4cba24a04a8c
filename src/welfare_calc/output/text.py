"""Turning exact values into text, and making text safe for spreadsheets.

Formatting only: nothing here computes an amount. Every module that writes
money or CSV cells goes through these functions, so output is the same
everywhere.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may take for the start of a formula (CWE-1236)."""


def money_text(amount: Decimal) -> str:
    """An amount already rounded by the core, written with two decimals."""
    return f"{amount:.2f}"


def exact_text(value: Fraction) -> str:
    """An exact value for reading: two decimals when that is exact, else 4 and "…".

    5760/12 prints ``480.00``; 5150/12 prints ``429.1666…`` (docs/rules.md's own
    notation), truncated rather than rounded so the dots mean "continues".
    """
    cents = value * 100
    if cents.denominator == 1:
        return money_text(Decimal(cents.numerator) / 100)
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    whole, rest = divmod(magnitude.numerator * 10_000 // magnitude.denominator, 10_000)
    return f"{sign}{whole}.{rest:04d}…"


def units_text(units: int, per_yuan: int) -> str:
    """An exact amount of ``units`` 1/``per_yuan`` yuan (the engine's integers), written as
    :func:`exact_text` writes it: ``1200`` of 1/1200 → ``1.00``; ``515000`` → ``429.1666…``."""
    sign = "-" if units < 0 else ""
    cents, rest = divmod(abs(units) * 100, per_yuan)
    if rest == 0:
        return f"{sign}{cents // 100}.{cents % 100:02d}" if cents else "0.00"
    whole, part = divmod(abs(units) * 10_000 // per_yuan, 10_000)
    return f"{sign}{whole}.{part:04d}…"


def csv_safe(cell: str) -> str:
    """Neutralise a text cell that a spreadsheet would run as a formula (CWE-1236).

    A leading ``'`` makes Excel show the text as it is. Plain numbers, such
    as ``-12.50``, are left alone so that they stay numbers.
    """
    if cell.startswith(FORMULA_START) and _NUMBER.fullmatch(cell) is None:
        return "'" + cell
    return cell


TEXT_MARK = "\t"
"""Written after a cell of digits that a spreadsheet would make a number of (see
:func:`kept_as_text`)."""
LONG_DIGITS = 12
"""Digits from which a spreadsheet shows a number as ``1.10105E+17`` (General format shows
11), and past 15 of which it keeps zeros for the digits (a double's precision)."""
DIGITS_HEADERS = ("账号", "帐号", "账户", "帐户", "卡号", "存折", "身份证", "证件", "证号",
                  "电话", "手机", "联系方式", "account", "card", "phone", "mobile")
"""Words of a header whose column holds numbers that are names, not amounts: bank
accounts (账号, 银行账号, 卡号, 账户 …), ID and certificate numbers (身份证号, 证件号码,
低保证号), phones."""


def digits_column(header: str) -> bool:
    """Whether a column's header names an account, a card, an ID number or a phone
    (:data:`DIGITS_HEADERS`): every cell of digits in it is kept as text."""
    folded = header.casefold()
    return any(word in folded for word in DIGITS_HEADERS)


def kept_as_text(cell: str, *, digits: bool = False) -> str:
    """A cell of ASCII digits that a spreadsheet opening the CSV would turn into a
    number and change, written so that it stays text: followed by a tab.

    Such a cell is one of :data:`LONG_DIGITS` digits or more (an ID number
    ``110105190001011012`` would become ``1.10105190001011E+17``, an account
    ``6230000000000001`` the account ``6230000000000000``), one with a leading
    zero (``0533…``, which a number drops), or (``digits``) any cell of digits
    in the id column or one :func:`digits_column` names. Excel, WPS and
    LibreOffice read ``110105190001011012<TAB>`` as text and show the digits;
    csv.reader gives the cell with its tab, which ``strip()`` takes off, as
    the batch's own reading of an id does. The cell still starts with its
    first digit, so no formula can start (:func:`csv_safe`'s rule: a leading
    tab would be one of the characters it neutralises, and ``="…"`` is a
    formula, which LibreOffice shows as typed).
    """
    if (cell.isascii() and cell.isdigit()
            and (digits or len(cell) >= LONG_DIGITS or (cell[0] == "0" and len(cell) > 1))):
        return cell + TEXT_MARK
    return cell


class _Writes(Protocol):
    def write(self, text: str, /) -> object: ...


class CsvRows:
    """csv.writer with one more guarantee: a cell holding a carriage return is quoted.

    With ``\\n`` line ends the csv module quotes a cell holding ``\\n`` but
    not one holding a lone ``\\r``, which Excel and csv readers take for a
    line end: the row would come apart in two. Such a (rare) row is written
    with ``\\r\\n`` line ends, which quote it, and given the line end asked for.
    """

    def __init__(self, out: _Writes, newline: str) -> None:
        self._out = out
        self._newline = newline
        self._writer = csv.writer(out, lineterminator=newline)

    def writerow(self, row: Iterable[str]) -> None:
        """One row, its cells quoted where CSV needs it, then the line end."""
        cells = list(row)
        if self._newline == "\r\n" or not any("\r" in cell for cell in cells):
            self._writer.writerow(cells)
            return
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(cells)
        self._out.write(buffer.getvalue().removesuffix("\r\n") + self._newline)
