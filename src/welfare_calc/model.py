"""The standards table as validated, immutable data (pydantic v2).

The model knows the shape and the internal consistency of a standards file:
dated values in order, known units, documents that exist. It reads nothing
itself; :mod:`welfare_calc.loader` turns a YAML file into this model.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from welfare_calc.errors import InvalidMonth
from welfare_calc.money import MAX_WHOLE_DIGITS, RoundingMode, RoundingPoint, decimal_places
from welfare_calc.months import Month

Location = tuple[str | int, ...]


class LocatedProblems(ValueError):
    """Several problems found by one validator, each at its own key path.

    The path is relative to the model that raised it; the loader adds the
    model's own place and finds the line.
    """

    def __init__(self, problems: list[tuple[Location, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+)(?:\.[0-9]+)?")


def _exact_number(value: object) -> object:
    """Admit amounts only as plain decimal text or integers, which convert exactly.

    The loader reads YAML floats as strings, so ``19.99`` arrives as text;
    booleans (YAML ``yes``) and anything else are refused here, and so are
    exponents (``"1e30"``) and more whole digits than any amount has
    (:data:`~welfare_calc.money.MAX_WHOLE_DIGITS`).
    """
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError("expected an amount of yuan written as a number, e.g. \"660\"")
    if isinstance(value, str):
        found = _PLAIN_NUMBER.fullmatch(value.strip())
        if found is None:
            shown = value if len(value) <= 40 else value[:20] + "…"
            raise ValueError(f"expected an amount of yuan, got {shown!r}; write it in digits, "
                             "e.g. \"660\" or \"5760.50\"")
        if len(found[1].lstrip("0")) > MAX_WHOLE_DIGITS:
            raise ValueError(f"expected an amount of yuan, got a number of {len(found[1])} "
                             f"digits (at most {MAX_WHOLE_DIGITS})")
        return Decimal(value.strip())
    if isinstance(value, int) and abs(value) >= 10**MAX_WHOLE_DIGITS:
        raise ValueError(f"expected an amount of yuan of at most {MAX_WHOLE_DIGITS} digits")
    return value


def _month_text(value: object) -> object:
    if isinstance(value, Month):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a month written YYYY-MM, e.g. \"2020-12\"")
    try:
        return Month.parse(value)
    except InvalidMonth as error:
        raise ValueError(str(error)) from None


Amount = Annotated[Decimal, BeforeValidator(_exact_number), Field(ge=0)]
YearMonth = Annotated[Month, BeforeValidator(_month_text)]
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]


class Frozen(BaseModel):
    """Base of every table model: unknown keys are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Unit(StrEnum):
    """The period a standard is stated for."""

    PER_MONTH = "yuan/person/month"
    PER_YEAR = "yuan/person/year"

    @property
    def months(self) -> int:
        """How many months the stated amount covers."""
        return 12 if self is Unit.PER_YEAR else 1


class Payment(StrEnum):
    """How a programme pays (docs/rules.md rules 2 and 3)."""

    GAP_FILLING = "gap-filling"
    """补差: the standard minus per-capita income, times persons (dibao)."""
    FULL_STANDARD = "full-standard"
    """全额: the full standard times persons, whatever the income (tekun)."""


class Rounding(Frozen):
    """Where and how reported amounts are rounded (docs/rules.md rule 5)."""

    unit: Amount = Field(gt=0)
    mode: RoundingMode
    point: RoundingPoint = RoundingPoint.HOUSEHOLD_MONTH
    """Where: each household-month, as money is paid (the default), or the total."""

    @model_validator(mode="after")
    def _whole_fen(self) -> Rounding:
        if decimal_places(self.unit) > 2:
            raise LocatedProblems([(("unit",), f"{self.unit} is finer than a fen; "
                                               "amounts are paid in whole fen")])
        return self


class Document(Frozen):
    """A legal document that a figure rests on."""

    number: str = Field(min_length=1)
    title: str = Field(min_length=1)
    issuer: str = Field(min_length=1)
    issued: date | None
    basis: Key | None = None
    source: str | None = None


class StandardValue(Frozen):
    """One dated value of a standard.

    ``effective`` is ``None`` only for a first value whose start date the
    documents do not give (the figure a notice raised *from*).
    """

    effective: date | None = Field(alias="from")
    amount: Amount
    unit: Unit
    document: Key
    note: str | None = None

    @model_validator(mode="after")
    def _whole_fen(self) -> StandardValue:
        if decimal_places(self.amount) > 2:
            raise LocatedProblems([(("amount",), f"{self.amount} has more than 2 decimals; "
                                                  "standards are given to the fen")])
        return self

    @property
    def monthly(self) -> Fraction:
        """The exact monthly standard: a yearly figure divided by 12, unrounded."""
        return Fraction(self.amount) / self.unit.months


class Category(Frozen):
    """A programme (urban dibao, …) and its timeline of values."""

    name_zh: str = Field(min_length=1)
    short_zh: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    name_en: str = Field(min_length=1)
    payment: Payment
    values: tuple[StandardValue, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _timeline_in_order(self) -> Category:
        problems: list[tuple[Location, str]] = []
        previous: date | None = None
        for position, value in enumerate(self.values):
            where: Location = ("values", position, "from")
            if value.effective is None:
                if position > 0:
                    problems.append((where, "no date; only the first value may be undated"))
                continue
            if previous is not None and value.effective == previous:
                problems.append((where, f"a second value taking effect on {previous}; "
                                        "each date may appear once"))
            elif previous is not None and value.effective < previous:
                problems.append((where, f"{value.effective} is before the previous value's "
                                        f"{previous}; list values in date order"))
            previous = value.effective
        if previous is None:
            problems.append((("values",), "needs at least one value with a 'from' date"))
        if problems:
            raise LocatedProblems(problems)
        return self

    def value_on(self, day: date) -> StandardValue | None:
        """The value in force on ``day``, or ``None`` before the timeline starts.

        An undated first value counts as in force on any day before the next
        value: it is what was paid up to the raise.
        """
        current: StandardValue | None = None
        for value in self.values:
            if value.effective is None or value.effective <= day:
                current = value
            else:
                break
        return current

    @property
    def first_dated(self) -> date:
        """The earliest date the timeline can vouch for."""
        return min(value.effective for value in self.values if value.effective is not None)


class RetroactiveRaise(Frozen):
    """A raise decided late but in force from an earlier date (提标增补)."""

    effective: date
    document: Key

    @property
    def first_month(self) -> Month:
        """The first month of every back-pay window."""
        return Month.of(self.effective)

    @property
    def day_before(self) -> date:
        """The day whose standard recipients kept being paid."""
        return self.effective - timedelta(days=1)


class StandardsTable(Frozen):
    """A whole standards file: documents, rounding, and the categories."""

    schema_: Literal["welfare-calc/standards/1"] = Field(alias="schema")
    title: str = Field(min_length=1)
    jurisdiction: str = Field(min_length=1)
    covers_through: YearMonth
    rounding: Rounding
    retroactive_raise: RetroactiveRaise
    documents: dict[Key, Document] = Field(min_length=1)
    categories: dict[Key, Category] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_exist(self) -> StandardsTable:
        references: list[tuple[Location, str | None]] = [
            (("documents", key, "basis"), document.basis)
            for key, document in self.documents.items()
        ]
        references.append((("retroactive_raise", "document"), self.retroactive_raise.document))
        references.extend(
            (("categories", name, "values", position, "document"), value.document)
            for name, category in self.categories.items()
            for position, value in enumerate(category.values)
        )
        known = ", ".join(sorted(self.documents))
        problems: list[tuple[Location, str]] = [
            (where, f"unknown document {key!r}; expected one of the keys under documents: {known}")
            for where, key in references
            if key is not None and key not in self.documents
        ]
        if problems:
            raise LocatedProblems(problems)
        return self

    def document(self, key: str) -> Document:
        """The document with this key (validation guarantees it exists)."""
        return self.documents[key]

    def rounded_at(self, point: RoundingPoint | None) -> StandardsTable:
        """This table with amounts rounded at ``point`` (``--rounding``), or as it is."""
        if point is None or point is self.rounding.point:
            return self
        rounding = self.rounding.model_copy(update={"point": point})
        return self.model_copy(update={"rounding": rounding})
