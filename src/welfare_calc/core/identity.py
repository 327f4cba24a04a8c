"""Household ids: one person, one id, however the id was typed.

A row's id is a household case number (编号) or a resident ID number
(居民身份证号, GB 11643). One ID number has several spellings, and a
doubled-id check that compares the text would pay each of them: a clerk's
lower-case ``x``, full-width digits from a Chinese input method, and the
15-digit number of a first-generation card beside its 18-digit form. So an
id is compared, and written out, in one canonical form
(:func:`canonical_id`):

- stripped, with every decimal digit written as an ASCII digit (the numerals
  rule of :mod:`welfare_calc.core.numerals`, as for every number typed);
- an ID number of 18 characters ends in an upper-case ``X`` (full-width
  ``Ｘ`` too), and must pass the GB 11643 check digit (python-stdnum);
- a 15-digit number whose digits 7 to 12 are a date (YYMMDD) is an old ID
  number: it becomes its 18-digit form, ``19`` before the year and the
  check digit after, as the conversion is fixed. Any other 15-digit id (a
  case number) is left as it is.

Pure: text in, text or :class:`~welfare_calc.core.errors.InvalidId` out.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date
from typing import TYPE_CHECKING

from welfare_calc.core.errors import InvalidId, WelfareCalcError
from welfare_calc.core.numerals import ascii_numerals
from welfare_calc.core.words import _

if TYPE_CHECKING:
    from types import ModuleType

RESIDENT_ID_LENGTH = 18
OLD_ID_LENGTH = 15
_CHECK_X = str.maketrans({"x": "X", "Ｘ": "X", "ｘ": "X"})
# Written like an 18-digit ID number: 17 ASCII digits ([0-9], not \d, which takes any
# script's digits) and a digit or X. One compiled match: the batch asks it of every id.
_RESIDENT_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


@functools.cache
def _ric() -> ModuleType:
    """python-stdnum's GB 11643 module, imported on the first ID number (a quarter of a
    single call's start-up time, for calls that read no id)."""
    from stdnum.cn import ric  # noqa: PLC0415

    return ric


def _check_digit(number: str) -> str:
    """The GB 11643 check digit of an 18-character number (its last character ignored)."""
    digit: str = _ric().calc_check_digit(number)
    return digit


def _resident_shape(text: str) -> bool:
    """17 ASCII digits and a digit or X: written like an 18-digit ID number."""
    return _RESIDENT_SHAPE.fullmatch(text) is not None


def _old_id(text: str) -> bool:
    """15 ASCII digits whose 7th to 12th are a birth date (19YYMMDD): a first-generation card."""
    if len(text) != OLD_ID_LENGTH or not (text.isascii() and text.isdigit()):
        return False
    try:
        date(1900 + int(text[6:8]), int(text[8:10]), int(text[10:12]))
    except ValueError:
        return False
    return True


def canonical_id(text: str) -> str:
    """The form an id is compared and written in (see the module's docstring).

    Never raises: an id that is no ID number comes back stripped, with ASCII
    digits; :func:`check_id` says whether it is acceptable.
    """
    cleaned = text.strip() if text.isascii() else ascii_numerals(text.strip())
    length = len(cleaned)
    if length == RESIDENT_ID_LENGTH:
        if _resident_shape(cleaned):  # (as most are written: nothing to change)
            return cleaned
        upper = cleaned[:17] + cleaned[17:].translate(_CHECK_X)
        if _resident_shape(upper):
            return upper
    elif length == OLD_ID_LENGTH and _old_id(cleaned):
        body = cleaned[:6] + "19" + cleaned[6:]
        return body + _check_digit(body + "0")
    return cleaned


def control_character(text: str) -> int | None:
    """The code point of the first control character (Unicode category Cc) in ``text``."""
    for char in text:
        if unicodedata.category(char) == "Cc":
            return ord(char)
    return None


def check_id(text: str) -> str:
    """A household's id in its canonical form, or :class:`InvalidId` saying what is wrong."""
    ident = canonical_id(text)
    if len(ident) == RESIDENT_ID_LENGTH and _resident_shape(ident):
        expected = _check_digit(ident)
        if ident[17] != expected:
            raise InvalidId(_("resident ID number fails the GB 11643 check digit (last "
                              "character should be {expected})").format(expected=expected))
        return ident
    if not ident:
        raise InvalidId(_("empty id; every row needs one"))
    if not ident.isprintable():  # (the usual id is: no character to look at one by one)
        if "\n" in ident or "\r" in ident:
            raise InvalidId(_("the id holds a line break"))
        if (control := control_character(ident)) is not None:
            raise InvalidId(_("the id holds a control character ({code}); ids are printed "
                              "text").format(code=f"U+{control:04X}"))
    return ident


def is_canonical_id(text: str) -> bool:
    """Whether ``text`` is an acceptable id already in canonical form: what a fast path may
    take as written (it pre-filters, and asks :func:`check_id` itself)."""
    try:
        return check_id(text) == text
    except WelfareCalcError:
        return False
