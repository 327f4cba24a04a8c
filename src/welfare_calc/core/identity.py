"""Household ids: one person, one id, however the id was typed (docs/rules.md rule 12).

A row's id is a household case number (编号) or a resident ID number
(居民身份证号, GB 11643). One ID number has many spellings, and a doubled-id
check that compared the text would pay each of them. So an id is compared,
and written out, in one canonical form (:func:`canonical_id`):

- what is never part of an id goes: the spaces around it; invisible format
  characters anywhere (Unicode category Cf: a zero-width space, a BOM, a
  soft hyphen, a direction mark), which look like nothing on screen or
  paper; and a leading apostrophe, Excel's text prefix (``'``, or ``’ ‘ ＇``
  as a Chinese input method types it), which a clerk types so that Excel
  keeps an ID number as text and which Excel itself never stores;
- every decimal digit is written as an ASCII digit (the numerals rule of
  :mod:`welfare_calc.core.numerals`, as for every number typed);
- a whole number written with a decimal point (``…1012.0``, ``2020001.00``:
  what a number becomes through pandas or a script) is its digits;
- an id that is an ID number once the spaces and dashes between its digit
  groups are taken out (``110105 19000101 1012``, ``110105-19000101-1012``,
  full-width and other dashes too) is written without them; any other id
  keeps them (``ZC-2020-001`` is a case number);
- an ID number of 18 characters ends in an upper-case ``X``;
- a 15-digit number whose digits 7 to 12 are a date (YYMMDD) is an old ID
  number: it becomes its 18-digit form, ``19`` before the year and the
  check digit after, as the conversion is fixed. Any other 15-digit id (a
  case number) is left as it is.

An id that holds ID digits but cannot be made a clean ID number is refused
(:func:`check_id`), never guessed at: an 18-character ID number whose check
digit is wrong; a number in scientific notation (``1.10105190001011E+17``:
Excel has dropped digits); a long number with decimals; an ID number written
as a number (``.0``) whose digits a number may have rounded; and 16, 17, 19 or
20 digits with a birth date where an ID number has it (a digit missed or
typed twice). Case numbers (``ZC-2020-001``, ``2020001``) are none of these.

Pure: text in, text or :class:`~welfare_calc.core.errors.InvalidId` out.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from welfare_calc.core.errors import InvalidId, WelfareCalcError
from welfare_calc.core.numerals import ascii_numerals
from welfare_calc.core.words import N_, _

if TYPE_CHECKING:
    from types import ModuleType

RESIDENT_ID_LENGTH = 18
OLD_ID_LENGTH = 15
EXCEL_DIGITS = 15
"""Significant digits Excel keeps of a number; past them it writes zeros."""
FLOAT_BITS = 53
"""Significant bits of a float (IEEE 754 double): what pandas and scripts hold numbers in."""
_CHECK_X = str.maketrans({"x": "X", "Ｘ": "X", "ｘ": "X"})
# Written like an 18-digit ID number: 17 ASCII digits ([0-9], not \d, which takes any
# script's digits) and a digit or X. One compiled match: the batch asks it of every id.
_RESIDENT_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
TEXT_PREFIXES = ("'", "\u2018", "\u2019", "\uff07")
"""Excel's text prefix, and the apostrophes a Chinese input method types for it."""
_SCIENTIFIC = re.compile(r"[0-9]+(?:\.[0-9]*)?[eE]\+[0-9]+")
"""A number as Excel (``1.10105E+17``) or Python (``1.1010519000101101e+17``) writes a
large one: digits past the first 15 or 17 are gone."""
_DECIMAL = re.compile(r"([0-9]+)\.([0-9]+)")
_MISTYPED_LENGTHS = frozenset({16, 17, 19, 20})
"""Lengths of an ID number with a digit missed or typed twice (or two)."""
LONGEST_ID_DIGITS = max(_MISTYPED_LENGTHS)
_MINUS = "\u2212"
_SETTLED_CASE_NUMBER = re.compile(r"[!-&(-*,\-/-~]{1,14}")
"""A case number as most are written (``ZC-2020-001``): printable ASCII, no space, and
nothing :func:`_read` could change or refuse: shorter than any ID number even without
its dashes, no text prefix (``'``), no decimal point, no ``+`` of a number's exponent."""


class _Refused(NamedTuple):
    """An id that cannot be a clean id: its canonical form, and why it is refused."""

    ident: str
    problem: str
    typed: str
    """The id as typed (cleaned of what is never part of it), for the message."""


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


def _birth_date(text: str) -> bool:
    """Whether ``text`` (8 ASCII digits) is a date from 1900 to 2099: a birth date."""
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2099  # (the centuries of living persons)


def _old_id(text: str) -> bool:
    """15 ASCII digits whose 7th to 12th are a birth date (19YYMMDD): a first-generation card."""
    if len(text) != OLD_ID_LENGTH or not (text.isascii() and text.isdigit()):
        return False
    return _birth_date("19" + text[6:12])


def _mistyped(text: str) -> bool:
    """Digits (the last may be X) of a length an ID number has with a digit missed or
    typed twice, a region's first digit (1 to 8) and a birth date where an ID number has
    it (7th to 14th): an ID number mistyped, not a case number."""
    body = text[:-1] + text[-1:].translate(_CHECK_X)
    return (len(body) in _MISTYPED_LENGTHS and body[:-1].isascii() and body[:-1].isdigit()
            and (body[-1].isdigit() or body[-1] == "X") and "1" <= body[0] <= "8"
            and _birth_date(body[6:14]))


def _id_digits(text: str) -> bool:
    """Whether ``text`` is written as an ID number, right or mistyped: its digits (ASCII)
    and maybe an X."""
    length = len(text)
    if length == RESIDENT_ID_LENGTH:
        return _resident_shape(text[:17] + text[17:].translate(_CHECK_X))
    return OLD_ID_LENGTH <= length <= LONGEST_ID_DIGITS and (_old_id(text) or _mistyped(text))


def _compact(text: str) -> str:
    """``text`` without spaces and dashes: Unicode Zs and Pd, and the minus sign."""
    if text.isascii():
        return text.replace(" ", "").replace("-", "")
    return "".join(char for char in text if not (
        char in " -" or unicodedata.category(char) in ("Zs", "Pd") or char == _MINUS))


def _cleaned(text: str) -> str:
    """``text`` without what is never part of an id (see the module's docstring), with
    ASCII digits."""
    if not text.isascii():
        text = ascii_numerals("".join(char for char in text
                                      if unicodedata.category(char) != "Cf"))
    text = text.strip()
    if text.startswith(TEXT_PREFIXES):
        text = text[1:].strip()
    return text


def _rounded_by_a_number(digits: str) -> bool:
    """Whether a whole number written with a decimal point may have lost digits on its
    way through a number: more than Excel keeps, and either Excel's zeros past its 15
    digits or a value a float holds exactly (so it may be a float's rounding; a value a
    float cannot hold never was one)."""
    if len(digits) <= EXCEL_DIGITS:
        return False
    value = int(digits)
    spare = value.bit_length() - FLOAT_BITS
    return not digits[EXCEL_DIGITS:].strip("0") or value & ((1 << spare) - 1) == 0


NOT_WHOLE = N_("the id {id} is a number with decimals, not an ID number; type the ID number "
               "as it is on the card")
SCIENTIFIC = N_("the id {id} is a number in scientific notation: its last digits are lost. "
                "Format the id column as text (设置单元格格式 → 文本) and type the ID numbers "
                "again")
ROUNDED = N_("the id {id} was written as a number, which keeps only 15 to 16 digits: its "
             "last digits may be lost. Type the ID number as text, as it is on the card")
MISTYPED = N_("the id {id} looks like an ID number but has {count} characters; an ID number "
              "has 18 (15 on a first-generation card)")
CHECK_DIGIT = N_("resident ID number fails the GB 11643 check digit (last character should "
                 "be {expected})")


def _read(text: str) -> str | _Refused:
    """The canonical form of an id, or why it cannot be a clean id (the module's rules)."""
    if text.isascii() and text.isalnum():  # (as most are written: nothing to clean)
        return _forms(text, text, as_number=False)
    cleaned = typed = _cleaned(text)
    as_number = False
    if not cleaned.isalnum():  # a mark, a space or a point: how it was written tells
        compact = _compact(cleaned)
        if _SCIENTIFIC.fullmatch(compact):
            return _Refused(cleaned, SCIENTIFIC, typed)
        number = _DECIMAL.fullmatch(compact)
        # (a number with its digits grouped by spaces: only an ID number's many digits)
        if number is not None and (compact == cleaned or len(number[1]) >= OLD_ID_LENGTH):
            whole, fraction = number.groups()
            if not fraction.strip("0"):
                cleaned, as_number = whole, True
            elif len(whole) >= OLD_ID_LENGTH:
                return _Refused(cleaned, NOT_WHOLE, typed)
        elif compact != cleaned and _id_digits(compact):
            cleaned = compact
    return _forms(cleaned, typed, as_number=as_number)


def _forms(cleaned: str, typed: str, *, as_number: bool) -> str | _Refused:
    """An id cleaned (:func:`_read`) in its ID number's form, or why it cannot be one;
    ``as_number``: it was written with a decimal point."""
    length = len(cleaned)
    if length < OLD_ID_LENGTH and not as_number:
        return cleaned  # (the usual case number: shorter than any ID number)
    if length == RESIDENT_ID_LENGTH:
        ident = cleaned if _resident_shape(cleaned) else (
            cleaned[:17] + cleaned[17:].translate(_CHECK_X))
        if _resident_shape(ident):
            rounded = as_number and _rounded_by_a_number(cleaned)
            return _Refused(ident, ROUNDED, typed) if rounded else ident
    elif length == OLD_ID_LENGTH and _old_id(cleaned):
        body = cleaned[:6] + "19" + cleaned[6:]
        return body + _check_digit(body + "0")
    elif length in _MISTYPED_LENGTHS and _mistyped(cleaned):
        return _Refused(cleaned, MISTYPED, typed)
    if as_number and _rounded_by_a_number(cleaned):
        return _Refused(cleaned, ROUNDED, typed)
    return cleaned


def canonical_id(text: str) -> str:
    """The form an id is compared and written in (see the module's docstring).

    Never raises: an id that is no ID number comes back cleaned, with ASCII
    digits; :func:`check_id` says whether it is acceptable.
    """
    read = _read(text)
    return read if isinstance(read, str) else read.ident


def control_character(text: str) -> int | None:
    """The code point of the first control character (Unicode category Cc) in ``text``."""
    for char in text:
        if unicodedata.category(char) == "Cc":
            return ord(char)
    return None


def _shown(text: str) -> str:
    """An id for a message: as typed, shortened if it is long."""
    return text if len(text) <= 40 else text[:20] + "…"


def check_id(text: str) -> str:
    """A household's id in its canonical form, or :class:`InvalidId` saying what is wrong."""
    if text.isascii() and text.isalnum():  # (as most are written: nothing to clean)
        if len(text) < OLD_ID_LENGTH:
            return text  # (a case number: shorter than any ID number)
        ident = text if _RESIDENT_SHAPE.fullmatch(text) else _read(text)
    elif _SETTLED_CASE_NUMBER.fullmatch(text):
        return text
    else:
        ident = _read(text)
    if not isinstance(ident, str):
        raise InvalidId(_(ident.problem).format(id=_shown(ident.typed), count=len(ident.ident)))
    if len(ident) == RESIDENT_ID_LENGTH and _RESIDENT_SHAPE.fullmatch(ident):
        expected = _check_digit(ident)
        if ident[17] != expected:
            raise InvalidId(_(CHECK_DIGIT).format(expected=expected))
        return ident
    if not ident:
        raise InvalidId(_("empty id; every row needs one"))
    if not ident.isprintable():  # (the usual id is: no character to look at one by one)
        if "\n" in ident or "\r" in ident:
            raise InvalidId(_("the id holds a line break"))
        if (control := control_character(ident)) is not None:
            raise InvalidId(_("the id holds a control character (U+{code}); ids are "
                              "printed text").format(code=f"{control:04X}"))
    return ident


def is_resident_id(text: str) -> bool:
    """Whether ``text`` is a resident ID number in its canonical form (17 ASCII digits and
    a digit or X) whose GB 11643 check digit is right."""
    return _resident_shape(text) and _check_digit(text) == text[17]


def is_canonical_id(text: str) -> bool:
    """Whether ``text`` is an acceptable id already in canonical form: what a fast path may
    take as written (it pre-filters, and asks :func:`check_id` itself)."""
    try:
        return check_id(text) == text
    except WelfareCalcError:
        return False
