"""The command line's parameter types: each reads an option's text with the core's own reader.

A wrong value is click's usage error (exit 2) in the core's words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

from welfare_calc.core import calc
from welfare_calc.core.errors import (
    EncodingProblem,
    WelfareCalcError,
)
from welfare_calc.core.money import parse_money
from welfare_calc.core.months import Month

if TYPE_CHECKING:  # (only what the annotations need)
    pass

# Help texts, in English and Chinese, are in welfare_calc/help_texts.py, found by
# each command's and option's name (class Bilingual).
#
# Rendering (tabulate), explanations and the batch machinery are imported by
# the commands that use them, so that each command starts no slower than it must.



SHORT_NAMES = ("urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun",
               "城市低保", "农村低保", "城市特困", "农村特困")


class MonthType(click.ParamType[Month, Any]):
    """A month written ``YYYY-MM``."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Month:
        if isinstance(value, Month):
            return value
        try:
            return Month.parse(str(value))
        except WelfareCalcError as error:
            self.fail(error.message, param, ctx)


class MoneyType(click.ParamType[Decimal, Any]):
    """An amount of yuan ≥ 0 with at most two decimals (no floats, ever)."""

    name = "YUAN"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        try:
            return parse_money(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


class SupplementType(click.ParamType["calc.Supplement | None", Any]):
    """A 分类施保 supplement, as the core reads one (:func:`calc.parse_supplement`)."""

    name = "YUAN|PCT%"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> calc.Supplement | None:
        if isinstance(value, calc.Supplement):
            return value
        try:
            return calc.parse_supplement(str(value))
        except WelfareCalcError as error:
            self.fail(error.message, param, ctx)


class PersonsType(click.ParamType[int, Any]):
    """A whole number of covered persons, as the core reads one (:func:`calc.parse_persons`)."""

    name = "N"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return calc.parse_persons(str(value))
        except WelfareCalcError as error:
            self.fail(error.message, param, ctx)


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
