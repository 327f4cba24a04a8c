"""The schema a standards file is validated against (pydantic v2): the file's *spec*.

The spec knows the shape and the internal consistency of a standards file:
timelines in order, undated values only where a raise was raised from, every
raise comparable with what was paid before it, known units, documents that
exist. It reads nothing itself; :mod:`welfare_calc.standards.yaml_file` turns a
YAML file into this spec, and :meth:`TableSpec.to_table` into the plain values
the core uses (:mod:`welfare_calc.core.table`), whose classes carry the names
(the spec's end in ``Spec``). Only a standards file that is new or changed is
validated here: pydantic is not imported on a call that finds its table in the
cache.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, model_validator

from welfare_calc.core import table
from welfare_calc.core.errors import InvalidMonth
from welfare_calc.core.money import MAX_WHOLE_DIGITS, RoundingMode, RoundingPoint, decimal_places
from welfare_calc.core.months import Month
from welfare_calc.core.table import (
    SCHEMA,
    CareTier,
    Known,
    Payment,
    Unit,
    in_force,
    in_force_on,
)
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
YearMonth = Annotated[Month, PlainValidator(_month_text)]  # (Month: a plain class)
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]


class Frozen(BaseModel):
    """Base of every table model: unknown keys are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class RoundingSpec(Frozen):
    """Where and how reported amounts are rounded (docs/rules.md rule 5)."""

    unit: Amount = Field(gt=0)
    mode: RoundingMode
    point: RoundingPoint = RoundingPoint.HOUSEHOLD_MONTH
    """Where: each household-month, as money is paid (the default), or the total."""

    @model_validator(mode="after")
    def _whole_fen(self) -> RoundingSpec:
        if decimal_places(self.unit) > 2:
            raise LocatedProblems([(("unit",), _(
                "{unit} is finer than a fen; amounts are paid in whole fen").format(
                    unit=self.unit))])
        return self


class DocumentSpec(Frozen):
    """A legal document that figures rest on."""

    number: str = Field(min_length=1)
    title: Annotated[str, Field(min_length=1)] | None
    """None where the document's title is not known (it was not seen)."""
    issuer: str = Field(min_length=1)
    issued: date | None
    basis: Key | None = None
    source: str | None = None
    backpay_due: date | None = None
    """The day by which the notice says the back-pay must be paid, where it sets one."""
    backpay_note: str | None = None
    """The notice's own words about that deadline."""

    def to_document(self) -> table.Document:
        """The plain document the core uses."""
        return table.Document(number=self.number, title=self.title, issuer=self.issuer,
                              issued=self.issued, basis=self.basis, source=self.source,
                              backpay_due=self.backpay_due, backpay_note=self.backpay_note)


class _DatedSpec(Frozen):
    """What every value of a timeline has: when, by which document, how it is known."""

    effective: date | None = Field(alias="from")
    """None only for a figure a raise was raised *from*, whose start no document gives."""
    unit: Unit
    document: Key
    known: Known
    """How the figure is known: the notice's own text, a re-issue, or reports."""
    seen: str | None = None
    """Where the figure was seen."""
    through: YearMonth | None = None
    """The last month it is known in force, where the next value's start is not known."""
    note: str | None = None


class ValueSpec(_DatedSpec):
    """One value of a standard."""

    amount: Amount

    @model_validator(mode="after")
    def _whole_fen(self) -> ValueSpec:
        if decimal_places(self.amount) > 2:
            raise LocatedProblems([(("amount",), _(
                "{amount} has more than 2 decimals; standards are given to the fen").format(
                    amount=self.amount))])
        return self

    def to_value(self) -> table.StandardValue:
        """The plain value the core uses."""
        return table.StandardValue(effective=self.effective, amount=self.amount,
                                   unit=self.unit, document=self.document, known=self.known,
                                   seen=self.seen, through=self.through, note=self.note)


class CareValueSpec(_DatedSpec):
    """One value of the care standards: an amount for each of the three tiers."""

    tiers: dict[CareTier, Amount]

    @model_validator(mode="after")
    def _every_tier(self) -> CareValueSpec:
        problems: list[tuple[Location, str]] = [
            (("tiers",), _("missing the {tier} ({name}) tier; give all three").format(
                tier=tier.value, name=tier.name_zh))
            for tier in CareTier if tier not in self.tiers]
        problems.extend((("tiers", tier.value), _(
            "{amount} has more than 2 decimals; standards are given to the fen").format(
                amount=amount))
                        for tier, amount in self.tiers.items() if decimal_places(amount) > 2)
        if problems:
            raise LocatedProblems(problems)
        return self

    def to_value(self) -> table.CareValue:
        """The plain value the core uses."""
        return table.CareValue(effective=self.effective,
                               tiers=tuple((tier, self.tiers[tier]) for tier in CareTier),
                               unit=self.unit, document=self.document, known=self.known,
                               seen=self.seen, through=self.through, note=self.note)


def _timeline_problems(values: tuple[_DatedSpec, ...]) -> list[tuple[Location, str]]:
    """What is wrong with a timeline's order and its undated values (docs/standards.md):
    dated values in date order, each date once; an undated value only directly before a
    dated one (the figure it was raised from); a dated value followed by an undated one
    says through which month it is known in force."""
    problems: list[tuple[Location, str]] = []
    previous: date | None = None
    for position, value in enumerate(values):
        where: Location = ("values", position, "from")
        following = values[position + 1] if position + 1 < len(values) else None
        if value.effective is None:
            if following is None or following.effective is None:
                problems.append((where, _("no date, and no dated value follows; an undated "
                                          "value is the figure the next value was raised "
                                          "from")))
            if value.through is not None:
                problems.append((("values", position, "through"),
                                 _("an undated value is known in force on no month; "
                                   "remove 'through'")))
            continue
        if previous is not None and value.effective == previous:
            problems.append((where, _("a second value taking effect on {day}; each date "
                                      "may appear once").format(day=previous)))
        elif previous is not None and value.effective < previous:
            problems.append((where, _("{day} is before the previous value's {previous}; "
                                      "list values in date order").format(
                                          day=value.effective, previous=previous)))
        previous = value.effective
        first = Month.of(value.effective)
        if value.through is not None and value.through < first:
            problems.append((("values", position, "through"),
                             _("{through} is before the month it took effect, {first}"
                               ).format(through=value.through, first=first)))
        if following is not None and following.effective is None and value.through is None:
            problems.append((("values", position, "through"),
                             _("missing: the next value's start is not known, so say "
                               "through which month this one is known in force")))
        later = next((other.effective for other in values[position + 1:]
                      if other.effective is not None), None)
        if (value.through is not None and later is not None
                and value.through >= Month.of(later)):
            problems.append((("values", position, "through"),
                             _("{through} is not before the next value's start, {next}"
                               ).format(through=value.through, next=Month.of(later))))
    if previous is None:
        problems.append((("values",), _("needs at least one value with a 'from' date")))
    return problems


class FloorSpec(Frozen):
    """A standard that should not be below a multiple of another's (a warning only)."""

    of: Key
    """The category compared with (the dibao of the same area)."""
    times: Amount = Field(gt=0)
    rule: str = Field(min_length=1)
    """The rule, in words, with its document."""


class CategorySpec(Frozen):
    """A programme (urban dibao, …) and its timeline of values."""

    name_zh: str = Field(min_length=1)
    short_zh: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    name_en: str = Field(min_length=1)
    payment: Payment
    floor: FloorSpec | None = None
    values: tuple[ValueSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _timeline_in_order(self) -> CategorySpec:
        problems = _timeline_problems(self.values)
        if problems:
            raise LocatedProblems(problems)
        return self

    def to_category(self) -> table.Category:
        """The plain category the core uses."""
        return table.Category(name_zh=self.name_zh, short_zh=self.short_zh,
                              aliases=tuple(self.aliases), name_en=self.name_en,
                              payment=self.payment,
                              values=tuple(value.to_value() for value in self.values),
                              floor=(None if self.floor is None else table.Floor(
                                  of=self.floor.of, times=self.floor.times,
                                  rule=self.floor.rule)))


class CareSpec(Frozen):
    """The care standards (照料护理标准) paid beside a basic standard, and to whom."""

    categories: tuple[Key, ...] = Field(min_length=1)
    """The categories that pay them (tekun: full standard)."""
    values: tuple[CareValueSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _timeline_in_order(self) -> CareSpec:
        problems = _timeline_problems(self.values)
        if problems:
            raise LocatedProblems(problems)
        return self


class RaiseSpec(Frozen):
    """A raise decided late but in force from an earlier date (提标增补)."""

    effective: date
    document: Key


OLD_SCHEMA = "welfare-calc/standards/1"
"""The format before the table held several raises."""


class TableSpec(Frozen):
    """A whole standards file: documents, rounding, raises, categories and care."""

    schema_: Literal["welfare-calc/standards/2"] = Field(alias="schema")
    title: str = Field(min_length=1)
    jurisdiction: str = Field(min_length=1)
    covers_through: YearMonth
    rounding: RoundingSpec
    raises: tuple[RaiseSpec, ...] = Field(min_length=1)
    documents: dict[Key, DocumentSpec] = Field(min_length=1)
    categories: dict[Key, CategorySpec] = Field(min_length=1)
    care: CareSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _not_the_old_format(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("schema") == OLD_SCHEMA:
            raise LocatedProblems([(("schema",), _(
                "{old} is the format of a table with one raise; this version reads {new}: "
                "write 'retroactive_raise:' as a list 'raises:' of each raise's effective date "
                "and document, and say how each figure is known ('known: notice'); see "
                "docs/standards.md").format(old=OLD_SCHEMA, new=SCHEMA))])
        return data

    @model_validator(mode="after")
    def _references_exist(self) -> TableSpec:
        references: list[tuple[Location, str | None]] = [
            (("documents", key, "basis"), document.basis)
            for key, document in self.documents.items()
        ]
        references.extend((("raises", position, "document"), raised.document)
                          for position, raised in enumerate(self.raises))
        references.extend(
            (("categories", name, "values", position, "document"), value.document)
            for name, category in self.categories.items()
            for position, value in enumerate(category.values)
        )
        if self.care is not None:
            references.extend((("care", "values", position, "document"), value.document)
                              for position, value in enumerate(self.care.values))
        known = listed(sorted(self.documents))
        problems: list[tuple[Location, str]] = [
            (where, _("unknown document {key}; expected one of the keys under documents: "
                      "{known}").format(key=repr(key), known=known))
            for where, key in references
            if key is not None and key not in self.documents
        ]
        problems.extend((("categories", name, "floor", "of"),
                         _("unknown category {key}; expected one of: {known}").format(
                             key=repr(category.floor.of), known=listed(self.categories)))
                        for name, category in self.categories.items()
                        if category.floor is not None
                        and category.floor.of not in self.categories)
        if self.care is not None:
            for position, name in enumerate(self.care.categories):
                category = self.categories.get(name)
                if category is None:
                    problems.append((("care", "categories", position),
                                     _("unknown category {key}; expected one of: {known}"
                                       ).format(key=repr(name),
                                                known=listed(self.categories))))
                elif category.payment is not Payment.FULL_STANDARD:
                    problems.append((("care", "categories", position),
                                     _("{category} pays the gap ({payment}); care standards "
                                       "go with a full standard (tekun)").format(
                                           category=name, payment=category.payment.value)))
        problems.extend(self._raise_problems())
        if problems:
            raise LocatedProblems(problems)
        return self

    def _raise_problems(self) -> list[tuple[Location, str]]:
        """Raises in date order, each inside the table, and each comparable: every
        category knows its standard on the day before and in the raise's first month."""
        problems: list[tuple[Location, str]] = []
        previous: date | None = None
        for position, raised in enumerate(self.raises):
            where: Location = ("raises", position, "effective")
            if previous is not None and raised.effective <= previous:
                problems.append((where, _("{day} is not after the previous raise's "
                                          "{previous}; list raises in date order").format(
                                              day=raised.effective, previous=previous)))
            previous = raised.effective
            first = Month.of(raised.effective)
            if first > self.covers_through:
                problems.append((where, _("{month} is after covers_through ({last})").format(
                    month=first, last=self.covers_through)))
                continue
            before = raised.effective - timedelta(days=1)
            for name, category in self.categories.items():
                if in_force_on(category.values, before) is None:
                    problems.append((where, _("{category} has no standard known on {day}, "
                                              "the day before the raise, to compare it with"
                                              ).format(category=name, day=before)))
                if in_force(category.values, first) is None:
                    problems.append((where, _("{category} has no standard known in {month}, "
                                              "the raise's first month").format(
                                                  category=name, month=first)))
        return problems

    def to_table(self) -> table.StandardsTable:
        """The validated file as the plain values the core uses."""
        return table.StandardsTable(
            title=self.title, jurisdiction=self.jurisdiction,
            covers_through=self.covers_through,
            rounding=table.Rounding(unit=self.rounding.unit, mode=self.rounding.mode,
                                    point=self.rounding.point),
            raises=tuple(table.Raise(effective=raised.effective, document=raised.document)
                         for raised in self.raises),
            documents={key: document.to_document() for key, document in self.documents.items()},
            categories={key: category.to_category()
                        for key, category in self.categories.items()},
            care=(() if self.care is None
                  else tuple(value.to_value() for value in self.care.values)),
            care_categories=() if self.care is None else tuple(self.care.categories))
