"""The schema a standards file is validated against (pydantic v2).

The model knows the shape and the internal consistency of a standards file:
dated values in order, known units, documents that exist. It reads nothing
itself; :mod:`welfare_calc.standards.yaml_file` turns a YAML file into this model,
and :meth:`StandardsTable.to_table` into the plain values the core uses
(:mod:`welfare_calc.core.table`). Only a standards file that is new or changed is
validated here: pydantic is not imported on a call that finds its table in
the cache.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from welfare_calc.core import table
from welfare_calc.core.errors import InvalidMonth
from welfare_calc.core.money import MAX_WHOLE_DIGITS, RoundingMode, RoundingPoint, decimal_places
from welfare_calc.core.months import Month
from welfare_calc.core.table import Payment, Unit
from welfare_calc.core.words import _, listed

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
    (:data:`~welfare_calc.core.money.MAX_WHOLE_DIGITS`).
    """
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(_('expected an amount of yuan written as a number, e.g. "660"'))
    if isinstance(value, str):
        found = _PLAIN_NUMBER.fullmatch(value.strip())
        if found is None:
            shown = value if len(value) <= 40 else value[:20] + "…"
            raise ValueError(_('expected an amount of yuan, got {given}; write it in digits, '
                               'e.g. "660" or "5760.50"').format(given=repr(shown)))
        if len(found[1].lstrip("0")) > MAX_WHOLE_DIGITS:
            raise ValueError(_("expected an amount of yuan, got a number of {count} digits (at "
                               "most {most})").format(count=len(found[1]),
                                                      most=MAX_WHOLE_DIGITS))
        return Decimal(value.strip())
    if isinstance(value, int) and abs(value) >= 10**MAX_WHOLE_DIGITS:
        raise ValueError(_("expected an amount of yuan of at most {most} digits").format(
            most=MAX_WHOLE_DIGITS))
    return value


def _month_text(value: object) -> object:
    if isinstance(value, Month):
        return value
    if not isinstance(value, str):
        raise ValueError(_('expected a month written YYYY-MM, e.g. "2020-12"'))
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


class Rounding(Frozen):
    """Where and how reported amounts are rounded (docs/rules.md rule 5)."""

    unit: Amount = Field(gt=0)
    mode: RoundingMode
    point: RoundingPoint = RoundingPoint.HOUSEHOLD_MONTH
    """Where: each household-month, as money is paid (the default), or the total."""

    @model_validator(mode="after")
    def _whole_fen(self) -> Rounding:
        if decimal_places(self.unit) > 2:
            raise LocatedProblems([(("unit",), _(
                "{unit} is finer than a fen; amounts are paid in whole fen").format(
                    unit=self.unit))])
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
            raise LocatedProblems([(("amount",), _(
                "{amount} has more than 2 decimals; standards are given to the fen").format(
                    amount=self.amount))])
        return self

    def to_value(self) -> table.StandardValue:
        """The plain value the core uses."""
        return table.StandardValue(effective=self.effective, amount=self.amount,
                                   unit=self.unit, document=self.document, note=self.note)


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
                    problems.append((where, _("no date; only the first value may be undated")))
                continue
            if previous is not None and value.effective == previous:
                problems.append((where, _("a second value taking effect on {day}; each date "
                                          "may appear once").format(day=previous)))
            elif previous is not None and value.effective < previous:
                problems.append((where, _("{day} is before the previous value's {previous}; "
                                          "list values in date order").format(
                                              day=value.effective, previous=previous)))
            previous = value.effective
        if previous is None:
            problems.append((("values",), _("needs at least one value with a 'from' date")))
        if problems:
            raise LocatedProblems(problems)
        return self

class RetroactiveRaise(Frozen):
    """A raise decided late but in force from an earlier date (提标增补)."""

    effective: date
    document: Key


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
        known = listed(sorted(self.documents))
        problems: list[tuple[Location, str]] = [
            (where, _("unknown document {key}; expected one of the keys under documents: "
                      "{known}").format(key=repr(key), known=known))
            for where, key in references
            if key is not None and key not in self.documents
        ]
        if problems:
            raise LocatedProblems(problems)
        return self

    def to_table(self) -> table.StandardsTable:
        """The validated file as the plain values the core uses."""
        return table.StandardsTable(
            title=self.title, jurisdiction=self.jurisdiction,
            covers_through=self.covers_through,
            rounding=table.Rounding(unit=self.rounding.unit, mode=self.rounding.mode,
                                    point=self.rounding.point),
            retroactive_raise=table.RetroactiveRaise(effective=self.retroactive_raise.effective,
                                                     document=self.retroactive_raise.document),
            documents={key: table.Document(number=document.number, title=document.title,
                                           issuer=document.issuer, issued=document.issued,
                                           basis=document.basis, source=document.source)
                       for key, document in self.documents.items()},
            categories={key: table.Category(
                name_zh=category.name_zh, short_zh=category.short_zh,
                aliases=tuple(category.aliases), name_en=category.name_en,
                payment=category.payment,
                values=tuple(value.to_value() for value in category.values))
                for key, category in self.categories.items()})
