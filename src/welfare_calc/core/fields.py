"""One reader and one checker per household field: how every front end reads a household.

As python-stdnum derives ``is_valid`` from ``validate``, each reader here is
its field's syntax followed by its field's check, and nothing else:
``read_persons(text)`` is ``check_persons(whole_number(text))``, and likewise
for income, the amount paid, the supplement and months; coverage is the core's
:func:`checks.coverage` of the months read. The checks
themselves are the core's named rules (:mod:`welfare_calc.core.calc`:
``check_persons``, ``check_income``, ``check_paid``, ``check_supplement``,
``check_month``, ``coverage``; :func:`~welfare_calc.core.identity.check_id`),
looked up when called, so that a rule added to one of them holds in every
front end (the CLI's parameter types, the batch's row path, its column-wise
lane, the page) with no other edit: ``tests/test_one_rule.py`` patches each
check in turn and holds every front end to it.

:func:`read_household` reads a whole row's cells into a :class:`RowHousehold`,
or gives back every problem found, each with its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from welfare_calc.core import checks, households, identity
from welfare_calc.core.errors import (
    InvalidAmount,
    InvalidIncome,
    InvalidPersons,
    WelfareCalcError,
)
from welfare_calc.core.money import RoundingPoint, parse_money
from welfare_calc.core.months import Month
from welfare_calc.core.numerals import ascii_numerals
from welfare_calc.core.table import StandardsTable
from welfare_calc.core.words import _, alternatives, pgettext

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
    """Covered persons as typed: a whole number, then :func:`checks.check_persons`."""
    count = whole_number(text)
    if count is None:
        raise InvalidPersons(_(checks.NOT_PERSONS).format(value=_shown(text)))
    return checks.check_persons(count)


def _amount(text: str, error: type[WelfareCalcError]) -> Decimal:
    try:
        return parse_money(text)
    except ValueError as problem:
        raise error(str(problem)) from None


def read_income(text: str) -> Decimal:
    """Per-capita monthly income as typed: an amount, then :func:`checks.check_income`."""
    return checks.check_income(_amount(text, InvalidIncome))


def read_paid(text: str) -> Decimal | None:
    """The amount actually paid as typed (empty: not given), then :func:`checks.check_paid`."""
    if not text.strip():
        return None
    return checks.check_paid(_amount(text, InvalidAmount))


def read_supplement(text: str) -> households.Supplement | None:
    """A 分类施保 supplement as typed (empty: none), then :func:`checks.check_supplement`."""
    supplement = checks.parse_supplement(text)
    return None if supplement is None else checks.check_supplement(supplement)


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
    """A month as typed (``YYYY-MM``), then :func:`checks.check_month`."""
    return checks.check_month(Month.parse(text, field=field), field)


@dataclass(frozen=True, slots=True)
class RowHousehold:
    """A row's household, every field read and checked by the core."""

    id: str
    """In its canonical form (:func:`~welfare_calc.core.identity.canonical_id`)."""
    house: households.Household
    period: households.Coverage
    paid: Decimal | None


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """Why a row's field was refused, in the core's words."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class CallInputs:
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


def _optional_months(cells: Mapping[str, str], names: tuple[str, ...],
                     problems: list[FieldProblem]) -> dict[str, Month | None]:
    """Each named month read (an empty cell: None); each refusal added to ``problems``
    and its field left out."""
    months: dict[str, Month | None] = {}
    for field in names:
        text = cells.get(field, "")
        try:
            months[field] = read_month(text, field) if text.strip() else None
        except WelfareCalcError as error:
            problems.append(FieldProblem(field, error.message))
    return months


def _read(table: StandardsTable, cells: Mapping[str, str], problems: list[FieldProblem]
          ) -> tuple[households.Household | None, households.Coverage, Decimal | None]:
    """The fields a household has wherever it is read from: category, persons, income,
    start and end, paid and supplement; each refusal added to ``problems``."""

    def refused(field: str, error: WelfareCalcError) -> None:
        problems.append(FieldProblem(field, error.message))

    found = len(problems)
    category = ""
    persons, income = 0, Decimal(0)
    try:
        category = households.resolve_category(table, cells.get("category", ""))
    except WelfareCalcError as error:
        refused("category", error)
    try:
        persons = read_persons(cells.get("persons", ""))
    except WelfareCalcError as error:
        refused("persons", error)
    try:
        income = read_income(cells.get("income", ""))
    except WelfareCalcError as error:
        refused("income", error)
    months = _optional_months(cells, ("start", "end"), problems)  # empty: open on that side
    period = households.Coverage(None, None)
    if len(months) == 2:  # both read: their order is the core's coverage rule
        try:
            period = checks.coverage(months["start"], months["end"])
        except WelfareCalcError as error:
            refused("start", error)
    paid: Decimal | None = None
    try:
        paid = read_paid(cells.get("paid", ""))
    except WelfareCalcError as error:
        refused("paid", error)
    supplement: households.Supplement | None = None
    try:
        supplement = read_supplement(cells.get("supplement", ""))
    except WelfareCalcError as error:
        refused("supplement", error)
    house: households.Household | None = None
    if category and len(problems) == found:
        try:
            house = checks.household(table, category, persons, income, supplement)
        except WelfareCalcError as error:
            refused(error.field or "supplement", error)
    return house, period, paid


def read_household(table: StandardsTable, cells: Mapping[str, str]
                   ) -> RowHousehold | list[FieldProblem]:
    """A row's household from its cells (``id``, ``category``, ``persons``, ``income``,
    ``start``, ``end``, and ``paid`` and ``supplement`` where given), or every problem
    found, each with its field: one reading for the batch, the page and any front end."""
    problems: list[FieldProblem] = []
    ident = ""
    try:
        ident = identity.check_id(cells.get("id", ""))
    except WelfareCalcError as error:
        problems.append(FieldProblem("id", error.message))
    house, period, paid = _read(table, cells, problems)
    if problems or house is None:
        return problems
    return RowHousehold(ident, house, period, paid)


CALL_DEFAULTS: dict[str, str] = {"income": "0"}
"""What a single call (the command line's options, the page's form, the JSON API) reads
for a field left out or left empty: income 0, the command line's default ever since
income does not touch tekun (docs/rules.md rule 3) and a dibao household that states
none has none. Every other field a call may leave out is not given (start, end,
supplement, paid, month, rounding; through for an entitlement); category and persons,
and through for a back-pay, are required everywhere. A roster's row is not a call: its
cells are all read (:func:`read_household`)."""


def read_call(table: StandardsTable, cells: Mapping[str, str]
              ) -> CallInputs | list[FieldProblem]:
    """A single call's fields as the page's form and the JSON API give them: those of
    a household, and ``through`` and ``month`` where given (empty: not given; a field of
    :data:`CALL_DEFAULTS` empty: its default), or every problem found, each with its
    field."""
    cells = {**cells, **{field: default for field, default in CALL_DEFAULTS.items()
                         if not cells.get(field, "").strip()}}
    problems: list[FieldProblem] = []
    house, period, paid = _read(table, cells, problems)
    chosen = _optional_months(cells, ("through", "month", "raise"), problems)
    if problems or house is None:
        return problems
    return CallInputs(house, period, paid, chosen["through"], chosen["month"], chosen["raise"])
