"""The household rules' registry: each rule declared with the fields it reads, and the two
ways the core asks them (docs/rules.md rule 9).

A rule is a function of some of a household's fields that refuses a household by
raising a :class:`~welfare_calc.core.errors.WelfareCalcError`, in the core's words.
It is registered with the fields it reads, as pydantic's ``@field_validator("a", "b")``
declares what a check sees::

    @rule("persons")
    def check_persons(persons: int) -> ...

    @rule("category", "care", table=True)        # (reads the standards table too)
    def check_care(table: StandardsTable, category: str, care: CareTier | None) -> ...

The shipped rules are in :mod:`welfare_calc.core.checks`, registered as it is imported
(:func:`shipped`; the registry does not import it back). A rule sees each field as
:data:`FIELDS` says, the values a household is made of, never the text typed: reading
a field (its syntax: digits, ``YYYY-MM``, a category's spellings, an id's canonical
form) is :mod:`welfare_calc.core.fields`' one reader per field; what a value may be
is a rule's.

Every front end asks every rule, through one of two entry points:

- :func:`problems` (and :func:`check`, which raises the first): one household's
  values, every rule whose fields it has, each refusal with its field. The
  careful reading of a row (:func:`welfare_calc.core.fields.read`), a single
  call (the page's :func:`~welfare_calc.core.fields.read_call`, the command
  line's :func:`~welfare_calc.core.checks.call`) go through it.
- :func:`accepts`: many rows' values at once, an acceptance mask. The rules
  over the same fields are asked together, once per distinct tuple of those
  fields among the rows (a :class:`Columns` finds the tuples and keeps the
  verdicts, in NumPy or in a dictionary, as the caller holds its rows): the
  batch's quick reading and its column-wise lane. What they accept is what
  :func:`problems` finds nothing wrong with, by construction: the same rules,
  on the values the readers give (which ``tests/test_batch_properties.py`` and
  ``tests/test_one_rule.py`` hold the fast paths' own parsing to).

A rule over one field is asked once per distinct value, a rule over several once per
distinct tuple; a rule that reads the id is asked once per row (ids do not repeat),
which is affordable only for a rule that needs it: the fields a rule declares are
its cost.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol, TypeVar

from welfare_calc.core.errors import WelfareCalcError

if TYPE_CHECKING:
    from welfare_calc.core.table import StandardsTable

FIELDS: dict[str, str] = {
    "id": "str: the id in its canonical form (identity.canonical_id), as written out",
    "category": "str: the category's id in the table (urban-dibao), however it was named",
    "persons": "int: covered persons, the whole number written",
    "income": "Decimal: per-capita monthly income in yuan, written with 2 decimals (200.50)",
    "start": "Month | None: the first month covered; None: covered since before the window",
    "end": "Month | None: the last month covered; None: still covered",
    "paid": "Decimal | None: the amount actually paid in the window, in yuan with 2 decimals; "
            "None: not given",
    "supplement": "Supplement | None: the 分类施保 supplement; None: none",
    "care": "CareTier | None: the persons' care tier (照料护理等级); None: none given",
}
"""Every field a rule may read, in the order problems are told, with the value a rule
sees. The values are the household's own (Decimal yuan, :class:`Month`), so that a rule
reads as the domain does, each in one form (an amount always with two decimals:
``Decimal("200.5")`` and ``Decimal("200.50")`` are equal but print apart), so that equal
values are one value to a rule and to a verdict remembered. The batch's fast paths hold
theirs as integers (fen, month indexes, category positions) and build a rule's values
once per distinct one."""

_ORDER = {field: position for position, field in enumerate(FIELDS)}


class Rule(NamedTuple):
    """A household rule and the fields it reads."""

    name: str
    fields: tuple[str, ...]
    """The fields it reads, in the order its function takes them."""
    check: Callable[..., object]
    """Raises a :class:`WelfareCalcError` to refuse; what it returns is not used."""
    table: bool = False
    """Whether ``check`` takes the standards table first."""

    def ask(self, table: StandardsTable | None, values: Sequence[object]) -> None:
        """Put ``values`` (one per field, in :attr:`fields` order) to the rule."""
        if self.table:
            if table is None:
                raise TypeError(f"the rule {self.name} reads the standards table: ask it "
                                "with one")
            self.check(table, *values)
        else:
            self.check(*values)


RULES: list[Rule] = []
"""Every registered rule, in the order registered (:func:`rule`)."""

F = TypeVar("F", bound=Callable[..., object])


def rule(*fields: str, table: bool = False) -> Callable[[F], F]:
    """Register the decorated function as a household rule over ``fields`` (each one of
    :data:`FIELDS`); ``table``: it takes the standards table first."""
    unknown = [field for field in fields if field not in FIELDS]
    if not fields or unknown or len(set(fields)) != len(fields):
        raise ValueError(f"a rule reads one or more of the fields {list(FIELDS)}, each once; "
                         f"not {list(fields)}")

    def register(check: F) -> F:
        RULES.append(Rule(check.__name__, fields, check, table))
        return check

    return register


_shipped = False


def shipped() -> None:
    """Said by :mod:`welfare_calc.core.checks` once the shipped rules are registered, as it
    is imported. The registry never imports that module itself (it imports this one to
    register its rules: the two would import each other); every module that asks the
    rules imports it (:mod:`welfare_calc.core.fields` does, and so everything that reads
    a household), and :func:`registered` refuses to answer before it is."""
    global _shipped  # noqa: PLW0603 - said once
    _shipped = True


def registered() -> tuple[Rule, ...]:
    """Every rule, in the order registered; never a registry without the shipped rules,
    which would accept what they refuse."""
    if not _shipped:
        raise RuntimeError("the shipped household rules are not registered: import "
                           "welfare_calc.core.checks (or welfare_calc.core.fields) before "
                           "asking the rules")
    return tuple(RULES)


class FieldProblem(NamedTuple):
    """Why a household's field was refused, in the core's words."""

    field: str
    message: str


def _told_at(rule_: Rule, error: WelfareCalcError) -> str:
    """Where a rule's refusal is told: the field its error names, when the rule reads it
    (an end month's problem is the end's), else the rule's first field."""
    return error.field if error.field in rule_.fields else rule_.fields[0]


def _refusals(table: StandardsTable | None, values: Mapping[str, object]
              ) -> list[tuple[str, WelfareCalcError]]:
    """Each refusal of the rules whose fields ``values`` has all, with the field it is
    told at; a rule over a field already refused is not asked (its answer would add
    nothing but noise). Rules over fewer fields first, then in the order registered."""
    found: list[tuple[str, WelfareCalcError]] = []
    refused: set[str] = set()
    for rule_ in sorted(registered(), key=lambda rule_: len(rule_.fields)):
        if refused.intersection(rule_.fields) or not all(field in values
                                                         for field in rule_.fields):
            continue
        try:
            rule_.ask(table, [values[field] for field in rule_.fields])
        except WelfareCalcError as error:
            field = _told_at(rule_, error)
            found.append((field, error))
            refused.add(field)
    return sorted(found, key=lambda refusal: _ORDER.get(refusal[0], len(_ORDER)))


def problems(table: StandardsTable | None, values: Mapping[str, object]
             ) -> list[FieldProblem]:
    """Every problem the rules find in one household's ``values`` (field → value as
    :data:`FIELDS` says), each with its field, in field order. A rule reading a field
    ``values`` does not have is not asked: a single call has no id, and a field that
    could not be read is told by its reader."""
    return [FieldProblem(field, error.message) for field, error in _refusals(table, values)]


def check(table: StandardsTable | None, values: Mapping[str, object]) -> None:
    """Raise the first problem :func:`problems` would find, its error naming its field."""
    refusals = _refusals(table, values)
    if refusals:
        field, error = refusals[0]
        error.field = field
        raise error


M_co = TypeVar("M_co", covariant=True)
M = TypeVar("M")
Judge = Callable[[tuple[object, ...]], bool]
"""The core's verdict on one tuple of a set of fields' values: whether every rule over
those fields accepts it."""


class Columns(Protocol[M_co]):
    """Many rows' values as a fast path holds them (NumPy columns, or one row and the
    verdicts it remembers): :func:`accepts` has it put the distinct tuples of each set
    of fields a rule reads to the core's verdict."""

    def ask(self, fields: tuple[str, ...], judge: Judge) -> None:
        """Put to ``judge`` each distinct tuple of ``fields``' values (in that order, as
        :data:`FIELDS` says) among the rows still accepted whose verdict is not known
        yet, once; a row whose tuple it refuses is refused."""
        ...

    def mask(self) -> M_co:
        """Per row: whether every verdict accepted it."""
        ...


Group = tuple[tuple[str, ...], tuple[tuple[Rule, tuple[int, ...]], ...]]
"""The fields some rules read (in :data:`FIELDS` order), and each of those rules with
where its arguments are in a tuple of those fields."""
_grouped: tuple[tuple[Rule, ...], tuple[Group, ...]] = ((), ())


def groups() -> tuple[Group, ...]:
    """The registered rules by the fields they read, fewer fields first: the rules over
    one set of fields are asked together, once per tuple."""
    global _grouped  # noqa: PLW0603 - remembered for the registry as it is
    rules = registered()
    if rules != _grouped[0]:  # (the same rules: compared by identity, at C speed)
        found: dict[tuple[str, ...], list[tuple[Rule, tuple[int, ...]]]] = {}
        for rule_ in rules:
            key = tuple(sorted(rule_.fields, key=_ORDER.__getitem__))
            found.setdefault(key, []).append(
                (rule_, tuple(key.index(field) for field in rule_.fields)))
        ordered = sorted(found.items(), key=lambda item: len(item[0]))
        _grouped = (rules, tuple((key, tuple(members)) for key, members in ordered))
    return _grouped[1]


def _accepted(table: StandardsTable, members: tuple[tuple[Rule, tuple[int, ...]], ...],
              values: tuple[object, ...]) -> bool:
    """Whether every rule of a group accepts one tuple of its fields' values."""
    try:
        for rule_, at in members:
            rule_.ask(table, [values[position] for position in at])
    except WelfareCalcError:
        return False
    return True


_judges: tuple[object, tuple[Group, ...], tuple[tuple[tuple[str, ...], Judge], ...]] = (
    None, (), ())


def judges(table: StandardsTable) -> tuple[tuple[tuple[str, ...], Judge], ...]:
    """Each set of fields some rules read, with the core's verdict on a tuple of them
    (:data:`Judge`), for ``table`` (remembered: a fast path asks for them per row)."""
    global _judges  # noqa: PLW0603 - remembered for the registry and table in use
    grouped = groups()
    if _judges[0] is not table or _judges[1] is not grouped:
        _judges = (table, grouped, tuple((fields, functools.partial(_accepted, table, members))
                                         for fields, members in grouped))
    return _judges[2]


def accepts(table: StandardsTable, columns: Columns[M]) -> M:
    """The acceptance mask of many rows (``columns``): each registered rule asked once
    per distinct tuple of the fields it reads. A row is accepted exactly when
    :func:`problems` finds nothing wrong with its values; which problem, the fast paths
    leave to the careful reading."""
    for fields, judge in judges(table):
        columns.ask(fields, judge)
    return columns.mask()
