"""One reader per household field, and the two ways a household is read: how every front
end reads one.

A reader is its field's syntax and nothing else, as the text is typed: digits in
any script (``３``), an amount with at most two decimals, ``YYYY-MM``, a category's
spellings, an id's canonical form (:func:`~welfare_calc.core.identity.check_id`), a
supplement's ``50.00`` or ``20%``, a care tier's names. It gives the value the rules
see (:data:`~welfare_calc.core.rules.FIELDS`) or refuses text that writes none, with
its field. What a value may be (a household has 1 to 999 persons, a start is not
after its end, a care tier goes with tekun) is the rules' (:mod:`welfare_calc.core.checks`),
asked by :func:`~welfare_calc.core.rules.problems` wherever a household is read:

- :func:`read`: a roster's row, every field read and every rule asked, into a
  :class:`RowHousehold` or every problem found, each with its field (the batch's
  careful reading);
- :func:`read_call`: a single call's fields as the page's form and JSON API give
  them (the command line's options are read by the same readers, one by one, and
  put to the rules by :func:`~welfare_calc.core.checks.call`).

The batch's fast paths read plainly written cells their own way (syntax only) and
put the values to :func:`~welfare_calc.core.rules.accepts`: the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import NamedTuple, TypeVar

from welfare_calc.core import checks, households, identity, rules
from welfare_calc.core.errors import (
    InvalidAmount,
    InvalidCare,
    InvalidIncome,
    InvalidPersons,
    InvalidSupplement,
    WelfareCalcError,
)
from welfare_calc.core.money import RoundingPoint, parse_money, two_places
from welfare_calc.core.months import Month
from welfare_calc.core.numerals import ascii_numerals
from welfare_calc.core.rules import FieldProblem
from welfare_calc.core.table import CARE_TIER_ZH, CareTier, StandardsTable
from welfare_calc.core.words import _, alternatives, pgettext

T = TypeVar("T")

WHOLE_DIGITS = 1000
"""Most digits a whole number is read with; a longer cell is no number a person means
(and ``int`` of many thousands of digits costs time, or is refused by Python)."""


def _shown(text: str) -> str:
    """A value for a message: what was typed, shortened if it is long."""
    return repr(text) if len(text) <= 40 else repr(text[:20] + "…")


def field_name(field: str) -> str:
    """A field (a roster's column, an option's value) named for a person, in the language
    in use: the English key (``persons``), or the roster's own name (保障人数). A field not
    named here keeps its key."""
    names = {
        "id": pgettext("column", "id"),
        "category": pgettext("column", "category"),
        "persons": pgettext("column", "persons"),
        "income": pgettext("column", "income"),
        "start": pgettext("column", "start"),
        "end": pgettext("column", "end"),
        "paid": pgettext("column", "paid"),
        "supplement": pgettext("column", "supplement"),
        "care": pgettext("column", "care"),
        "through": pgettext("column", "through"),
        "month": pgettext("column", "month"),
        "months": pgettext("column", "months"),
        "backpay": pgettext("column", "backpay"),
        "monthly": pgettext("column", "monthly"),
        "overpaid": pgettext("column", "overpaid"),
        "newly_eligible": pgettext("column", "newly_eligible"),
        "monthly_base": pgettext("column", "monthly_base"),
        "monthly_supplement": pgettext("column", "monthly_supplement"),
    }
    return names.get(field, field)


def whole_number(text: str) -> int | None:
    """The whole number ``text`` writes (digits, full-width too), or None if it writes none
    (or more than :data:`WHOLE_DIGITS` digits)."""
    cleaned = ascii_numerals(text.strip())
    if not (cleaned.isascii() and cleaned.isdigit()):
        return None
    digits = cleaned.lstrip("0") or "0"
    return None if len(digits) > WHOLE_DIGITS else int(digits)


def read_persons(text: str) -> int:
    """Covered persons as typed: a whole number."""
    count = whole_number(text)
    if count is None:
        raise InvalidPersons(_(checks.NOT_PERSONS).format(value=_shown(text)))
    return count


def _amount(text: str, error: type[WelfareCalcError]) -> Decimal:
    """An amount of yuan as typed, in the one form the rules see (two decimals)."""
    try:
        return two_places(parse_money(text))
    except ValueError as problem:
        raise error(str(problem)) from None


def read_income(text: str) -> Decimal:
    """Per-capita monthly income as typed: an amount of yuan (written with two decimals:
    ``200.5`` is ``200.50``)."""
    return _amount(text, InvalidIncome)


def read_paid(text: str) -> Decimal | None:
    """The amount actually paid as typed: an amount of yuan, with two decimals (empty: not
    given)."""
    return _amount(text, InvalidAmount) if text.strip() else None


def read_supplement(text: str) -> households.Supplement | None:
    """A 分类施保 supplement as typed: ``50.00`` (yuan a month) or ``20%`` (of the monthly
    dibao amount); empty means none. Digits and ``％`` may be full-width."""
    cleaned = ascii_numerals(text.strip()).replace("％", "%").strip()
    if not cleaned:
        return None
    if cleaned.endswith("%"):
        try:
            percent = parse_money(cleaned[:-1].strip())
        except ValueError:
            raise InvalidSupplement(_(
                "{value} is not a percentage; write e.g. 20% (of the monthly dibao amount) "
                "or 50.00 (yuan a month)").format(value=_shown(text))) from None
        return households.Supplement(percent=percent)
    try:
        return households.Supplement(fixed=parse_money(cleaned))
    except ValueError:
        raise InvalidSupplement(_(
            "{value} is not a supplement; write 50.00 (yuan a month) or 20% (of the monthly "
            "dibao amount)").format(value=_shown(text))) from None


CARE_TIERS = {**{tier.value: tier for tier in CareTier},
              **{name: tier for tier, name in CARE_TIER_ZH.items()}}
"""Each spelling of a care tier: its id (``full-care``) or the notices' name (全护理)."""


def read_care(text: str) -> CareTier | None:
    """A care tier (照料护理等级) as typed: its id or its Chinese name; empty: none given."""
    cleaned = text.strip()
    if not cleaned:
        return None
    tier = CARE_TIERS.get(cleaned, CARE_TIERS.get(cleaned.lower()))
    if tier is None:
        raise InvalidCare(_("{value} is not a care tier; write 全自理, 半护理 or 全护理 "
                            "(self-care, partial-care, full-care)").format(value=_shown(text)))
    return tier


def read_rounding(text: str) -> RoundingPoint | None:
    """A rounding point chosen for one call (docs/rules.md rule 5); empty: the table's own."""
    chosen = text.strip()
    if not chosen:
        return None
    try:
        return RoundingPoint(chosen)
    except ValueError:
        raise WelfareCalcError(_("{value} is no rounding point; choose {choices}").format(
            value=repr(chosen), choices=alternatives(point.value for point in RoundingPoint)),
            field="rounding") from None


def read_month(text: str, field: str = "month") -> Month:
    """A month as typed: ``YYYY-MM`` (:meth:`Month.parse`), its problem told at ``field``."""
    return Month.parse(text, field=field)


def _optional_month(field: str) -> Callable[[str], Month | None]:
    """The reader of a month that may be left empty (empty: open on that side)."""

    def read(text: str) -> Month | None:
        return read_month(text, field) if text.strip() else None

    return read


READERS: dict[str, Callable[[StandardsTable, str], object]] = {
    "id": lambda table, text: identity.check_id(text),
    "category": lambda table, text: households.resolve_category(table, text),  # noqa: PLW0108
    "persons": lambda table, text: read_persons(text),
    "income": lambda table, text: read_income(text),
    "start": lambda table, text: read_month(text, "start") if text.strip() else None,
    "end": lambda table, text: read_month(text, "end") if text.strip() else None,
    "paid": lambda table, text: read_paid(text),
    "supplement": lambda table, text: read_supplement(text),
    "care": lambda table, text: read_care(text),
}
"""The reader of each field (:data:`~welfare_calc.core.rules.FIELDS`), from its text to the
value the rules see (an empty month: open on that side). Each is looked up when called,
so that a reader changed holds in every reading."""
assert list(READERS) == list(rules.FIELDS), "a reader for every field a rule may read"


def read_fields(table: StandardsTable, cells: Mapping[str, str], names: tuple[str, ...]
                ) -> tuple[dict[str, object], list[FieldProblem]]:
    """Each of ``names`` read from ``cells`` (a cell not given: empty), and each refusal
    with its field; then every rule over the fields read (:func:`rules.problems`)."""
    values: dict[str, object] = {}
    problems: list[FieldProblem] = []
    for name in names:
        try:
            values[name] = READERS[name](table, cells.get(name, ""))
        except WelfareCalcError as error:
            problems.append(FieldProblem(name, error.message))
    problems += rules.problems(table, values)
    order = {name: position for position, name in enumerate(names)}
    problems.sort(key=lambda problem: order.get(problem.field, len(order)))
    return values, problems


class RowHousehold(NamedTuple):
    """A row's household, every field read and checked by the core."""

    id: str
    """In its canonical form (:func:`~welfare_calc.core.identity.canonical_id`)."""
    house: households.Household
    period: households.Coverage
    paid: Decimal | None


class CallInputs(NamedTuple):
    """A single call's household and months (the page's form, the JSON API), read and
    checked by the core."""

    house: households.Household
    period: households.Coverage
    paid: Decimal | None
    through: Month | None
    month: Month | None
    raised: Month | None = None
    """The raise named (``--raise``: the month it took effect), or None: the latest in
    force by ``through`` (docs/rules.md rule 14)."""


def _household(values: Mapping[str, object]) -> tuple[households.Household,
                                                       households.Coverage]:
    """The household and coverage of values the rules accepted."""
    house = households.Household(
        category=_typed(values["category"], str), persons=_typed(values["persons"], int),
        income=_typed(values["income"], Decimal), supplement=_optional(
            values["supplement"], households.Supplement),
        care=_optional(values["care"], CareTier))
    return house, households.Coverage(_optional(values["start"], Month),
                                      _optional(values["end"], Month))


def _typed(value: object, kind: type[T]) -> T:
    """A value read, as the type its reader gives."""
    assert isinstance(value, kind)
    return value


def _optional(value: object, kind: type[T]) -> T | None:
    """A value read that may be None, as the type its reader gives."""
    return None if value is None else _typed(value, kind)


HOUSEHOLD_FIELDS = tuple(rules.FIELDS)
"""A roster's row: every field a household has."""
CALL_FIELDS = tuple(field for field in rules.FIELDS if field != "id")
"""A single call: every field of a household but the id, which a call does not have."""


def read(table: StandardsTable, cells: Mapping[str, str]) -> RowHousehold | list[FieldProblem]:
    """A row's household from its cells (``id``, ``category``, ``persons``, ``income``,
    ``start``, ``end``, and ``paid``, ``supplement`` and ``care`` where given; a cell
    not given is empty), or every problem found, each with its field: every reader, then
    every rule (:func:`rules.problems`). One reading for the batch and any
    front end of a roster."""
    values, problems = read_fields(table, cells, HOUSEHOLD_FIELDS)
    if problems:
        return problems
    house, period = _household(values)
    return RowHousehold(_typed(values["id"], str), house, period,
                        _optional(values["paid"], Decimal))


CALL_DEFAULTS: dict[str, str] = {"income": "0"}
"""What a single call (the command line's options, the page's form, the JSON API) reads
for a field left out or left empty: income 0, the command line's default ever since
income does not touch tekun (docs/rules.md rule 3) and a dibao household that states
none has none. Every other field a call may leave out is not given (start, end,
supplement, paid, month, rounding; through for an entitlement); category and persons,
and through for a back-pay, are required everywhere. A roster's row is not a call: its
cells are all read (:func:`read`)."""


def read_call(table: StandardsTable, cells: Mapping[str, str]
              ) -> CallInputs | list[FieldProblem]:
    """A single call's fields as the page's form and the JSON API give them: those of
    a household (but the id), and ``through``, ``month`` and ``raise`` where given
    (empty: not given; a field of :data:`CALL_DEFAULTS` empty: its default), or every
    problem found, each with its field."""
    cells = {**cells, **{field: default for field, default in CALL_DEFAULTS.items()
                         if not cells.get(field, "").strip()}}
    values, problems = read_fields(table, cells, CALL_FIELDS)
    chosen: dict[str, Month | None] = {}
    for field in ("through", "month", "raise"):
        try:
            chosen[field] = _optional_month(field)(cells.get(field, ""))
        except WelfareCalcError as error:
            problems.append(FieldProblem(field, error.message))
    if problems:
        return problems
    house, period = _household(values)
    return CallInputs(house, period, _optional(values["paid"], Decimal), chosen["through"],
                      chosen["month"], chosen["raise"])
