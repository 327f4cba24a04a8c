"""A bank account checked before it is sent (issue 30 §3): the digits of a card number
however a clerk typed them, and every kind of number that is none refused, in Chinese."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from welfare_calc.payroll.accounts import (
    LONGEST,
    SHORTEST,
    BadAccount,
    account_digits,
    luhn_holds,
)

CARD = "6222021234567890128"
"""A 19-digit card number whose last digit checks (Luhn)."""


@pytest.mark.parametrize("typed", [
    CARD,
    "6222 0212 3456 7890 128",          # grouped as printed on the card
    "6222-0212-3456-7890-128",          # grouped with dashes
    "'6222021234567890128",             # Excel's text prefix
    "6222\u30000212\u30003456\u30007890\u3000128",  # ideographic spaces (a Chinese IME)
    "6222\u00a00212\u00a034567890128",  # no-break spaces (pasted from a web page)
    "  6222021234567890128\t",          # a cell's stray white space
    "6222 - 0212 - 3456 7890128",       # both, as some clerks write them
])
def test_an_account_is_its_digits_however_typed(typed: str) -> None:
    assert account_digits(typed) == CARD


@pytest.mark.parametrize(("typed", "said"), [
    ("", "未填银行账号"),
    ("   ", "未填银行账号"),
    ("6222021234567890127", "校验位不符"),            # the last digit mistyped
    ("6222021243567890128", "校验位不符"),  # two swapped (Luhn misses only 09 and 90)
    ("6222O21234567890128", "含有数字以外的字符"),            # a letter O for a zero
    ("６２２２０２１２３４５６７８９０１２８", "含有数字以外的字符"),  # full-width digits
    ("6.22202123456789E+18", "含有数字以外的字符"),           # Excel's number of it
    ("622202123456789", "15 位"),                     # a digit short of a card
    ("62220212345678901280", "20 位"),                # a digit too many
])
def test_a_number_that_is_no_card_is_refused_in_the_clerks_words(typed: str,
                                                                 said: str) -> None:
    with pytest.raises(BadAccount) as refused:
        account_digits(typed)
    assert said in str(refused.value)
    assert "\n" not in str(refused.value)


@given(stem=st.integers(min_value=SHORTEST - 1, max_value=LONGEST - 1).flatmap(
           lambda size: st.from_regex(rf"[1-9][0-9]{{{size - 1}}}", fullmatch=True)),
       cuts=st.lists(st.sampled_from([" ", "-", "\u3000"]), max_size=6),
       at=st.lists(st.integers(min_value=1, max_value=18), max_size=6))
def test_any_card_number_grouped_any_way_reads_back(stem: str, cuts: list[str],
                                                    at: list[int]) -> None:
    number = stem + luhn.calc_check_digit(stem)
    typed = number
    for cut, where in zip(cuts, sorted(at, reverse=True), strict=False):
        typed = typed[:where] + cut + typed[where:]
    assert account_digits(typed) == number


@given(stem=st.from_regex(r"[1-9][0-9]{17}", fullmatch=True), slip=st.integers(1, 9))
def test_any_one_digit_mistyped_is_caught(stem: str, slip: int) -> None:
    number = stem + luhn.calc_check_digit(stem)
    last = number[-2]
    mistyped = number[:-2] + str((int(last) + slip) % 10) + number[-1]
    with pytest.raises(BadAccount):
        account_digits(mistyped)


@given(st.text(alphabet="0123456789", min_size=1, max_size=24))
def test_the_one_luhn_answers_as_python_stdnum(digits: str) -> None:
    """The payroll's one Luhn (accounts.luhn_holds, which account_digits and the bank
    writer's quick path both check by) gives python-stdnum's answers."""
    assert luhn_holds(digits) == luhn.is_valid(digits)
