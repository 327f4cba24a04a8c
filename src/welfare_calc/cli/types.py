"""The command line's parameter types: each reads an option's text with the core's own reader.

A wrong value is click's usage error (exit 2) in the core's words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar, cast

import click
from click.shell_completion import CompletionItem

from welfare_calc.core import calc, fields
from welfare_calc.core.errors import EncodingProblem, WelfareCalcError
from welfare_calc.core.months import Month

T = TypeVar("T")
SHORT_NAMES = ("urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun",
               "城市低保", "农村低保", "城市特困", "农村特困")


class CoreField(click.ParamType[T, Any], Generic[T]):
    """An option read by the core's reader of its field (:mod:`welfare_calc.core.fields`):
    the syntax and the rule are the core's, and so is the message of a wrong value."""

    def __init__(self, name: str, reader: Callable[[str], T]) -> None:
        self.name = name
        self.reader = reader

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> T:
        if not isinstance(value, str):
            return cast("T", value)  # a value already read (a default, or from Python)
        try:
            return self.reader(value)
        except WelfareCalcError as error:
            self.fail(error.message, param, ctx)


def MonthType() -> CoreField[Month]:
    """A month written ``YYYY-MM`` (:func:`fields.read_month`)."""
    return CoreField("YYYY-MM", fields.read_month)


def IncomeType() -> CoreField[Decimal]:
    """Per-capita monthly income in yuan (:func:`fields.read_income`)."""
    return CoreField("YUAN", fields.read_income)


def PaidType() -> CoreField[Decimal | None]:
    """An amount actually paid, in yuan (:func:`fields.read_paid`)."""
    return CoreField("YUAN", fields.read_paid)


def SupplementType() -> CoreField[calc.Supplement | None]:
    """A 分类施保 supplement, ``50.00`` or ``20%`` (:func:`fields.read_supplement`)."""
    return CoreField("YUAN|PCT%", fields.read_supplement)


def PersonsType() -> CoreField[int]:
    """A whole number of covered persons (:func:`fields.read_persons`)."""
    return CoreField("N", fields.read_persons)


class CategoryType(click.ParamType[str, Any]):
    """A category id or Chinese name; resolved against the table by the core."""

    name = "CATEGORY"

    def shell_complete(self, ctx: click.Context, param: click.Parameter,
                       incomplete: str) -> list[CompletionItem]:
        return [CompletionItem(name) for name in SHORT_NAMES if name.startswith(incomplete)]


class DateType(click.ParamType[date, Any]):
    """A day written ``YYYY-MM-DD``."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2020-08-10", param, ctx)


class EncodingType(click.ParamType[str, Any]):
    """A text encoding Python knows (utf-8, gbk, gb18030, …); ``reading``: one the batch reads."""

    name = "ENC"

    def __init__(self, *, reading: bool) -> None:
        self.reading = reading

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from welfare_calc.batch.encodings import (  # noqa: PLC0415 - see the imports
            input_encoding,
            text_encoding,
        )

        try:
            return input_encoding(str(value)) if self.reading else text_encoding(str(value))
        except EncodingProblem as problem:
            self.fail(str(problem), param, ctx)
