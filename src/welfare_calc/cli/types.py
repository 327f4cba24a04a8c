"""The command line's parameter types: each reads an option's text with the core's own reader.

A wrong value is click's usage error (exit 2) in the core's words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar, cast

import click

# Imported here, not where a shell asks for completions (0.3 ms a call): loaded before
# cli/click_words.py binds click's messages, its messages are in the clerk's language.
from click.shell_completion import CompletionItem

from welfare_calc.core import fields, households
from welfare_calc.core.errors import EncodingProblem, WelfareCalcError
from welfare_calc.core.months import Month
from welfare_calc.core.table import CareTier
from welfare_calc.core.words import _

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


def SupplementType() -> CoreField[households.Supplement | None]:
    """A 分类施保 supplement, ``50.00`` or ``20%`` (:func:`fields.read_supplement`)."""
    return CoreField("YUAN|PCT%", fields.read_supplement)


def CareType() -> CoreField[CareTier | None]:
    """A tekun care tier, its Chinese name or id (:func:`fields.read_care`)."""
    return CoreField("全自理|半护理|全护理", fields.read_care)


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
            self.fail(_("{value} is not a date; write YYYY-MM-DD, e.g. 2020-08-10").format(
                value=repr(value)), param, ctx)


class EncodingType(click.ParamType[str, Any]):
    """A text encoding Python knows (utf-8, gbk, gb18030, …); ``reading``: one the batch reads."""

    name = "ENC"

    def __init__(self, *, reading: bool) -> None:
        self.reading = reading

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from welfare_calc.batch.input.encodings import (  # noqa: PLC0415 - see the imports
            input_encoding,
            text_encoding,
        )

        try:
            return input_encoding(str(value)) if self.reading else text_encoding(str(value))
        except EncodingProblem as problem:
            self.fail(str(problem), param, ctx)


class FilePath(click.Path):
    """click's path type, its kind (file, directory) said in the language of the moment.

    click names the kind once, when the command is made (``self.name = _("file")``),
    which is before the command line has chosen its language; so it is looked up
    here when a message says it ("文件 'x.csv' 不存在。").
    """

    @property
    def name(self) -> str:
        if self.file_okay and not self.dir_okay:
            return _("file")
        if self.dir_okay and not self.file_okay:
            return _("directory")
        return _("path")

    @name.setter
    def name(self, _given: str) -> None:
        """click's own naming, at construction, is replaced by the property."""


class WholeRange(click.IntRange):
    """click's range of whole numbers, named in the language of the moment (click's own
    name, "integer range", is not marked for translation)."""

    @property
    def name(self) -> str:
        return _("whole number")

    @name.setter
    def name(self, _given: str) -> None:
        """A class attribute in click; the property says it instead."""
