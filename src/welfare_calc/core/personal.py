"""What personal data looks like in a cell: the numbers a public document never prints.

A 公示 list is posted on a village's wall. It may name a household, never
give the numbers that reach a person: a resident ID number, a phone number,
a bank account. Which column a roster keeps them in varies, so they are told
by how they look, in any cell (docs/rules.md rule 13):

- a run of :data:`LONG_RUN` or more digits: a mobile phone number has 11, a
  landline with its area code 10 to 12 (``0533-6181234``: 11), a bank account
  12 to 19, an ID number 15 or 18 (17 and an X);
- an 18-character resident ID number that passes the GB 11643 check digit,
  however its groups are split.

Digits are read in any script (full-width too), invisible format characters
(a zero-width space) are not there, and digit groups split by one space or
dash (``138 0533 1234``, ``6217-0024-3001-2345``) are one run, as a person
reads them. The 公示 list refuses a ``--group-by`` column that holds such a
number, and the tests scan every cell of every list with the same function.

Short numbers are not found: a house number, a date, an amount, a 9-digit
town code. A landline without its area code (7 or 8 digits) is not told
from them.

Pure: text in, the numbers found out.
"""

from __future__ import annotations

import re
import unicodedata

from welfare_calc.core.identity import RESIDENT_ID_LENGTH, is_resident_id
from welfare_calc.core.numerals import ascii_numerals

LONG_RUN = 11
"""Digits in a row that may be a person's number: a mobile phone number's length."""
_SPLITS = "\\- \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u2010-\u2015\u2212\ufe58\ufe63\uff0d"
"""Spaces (Unicode Zs) and dashes (the usual of Pd, and the minus sign)."""
_RUN = re.compile(rf"[0-9]+(?:[{_SPLITS}][0-9]+)*")
"""Digit groups, each split from the next by one space or dash: one number as read."""
_SPLIT = re.compile(rf"[{_SPLITS}]+")
_ID_WINDOW = re.compile(r"(?=([0-9]{17}[0-9Xx]))")
_FULL_WIDTH_X = str.maketrans("Ｘｘ", "Xx")


def _plain(text: str) -> str:
    """``text`` with ASCII digits and X, without invisible format characters."""
    if text.isascii():
        return text
    return ascii_numerals("".join(char for char in text if unicodedata.category(char) != "Cf")
                          ).translate(_FULL_WIDTH_X)


def personal_numbers(text: str) -> list[str]:
    """The numbers in ``text`` that may be a person's (see the module's docstring), each as
    its digits; an empty list when there are none."""
    plain = _plain(text)
    found = [digits for run in _RUN.findall(plain)
             if len(digits := _SPLIT.sub("", run)) >= LONG_RUN]
    compact = _SPLIT.sub("", plain)
    if len(compact) >= RESIDENT_ID_LENGTH:
        found += [number for window in _ID_WINDOW.findall(compact)
                  if is_resident_id(number := window.upper())]
    return list(dict.fromkeys(found))
