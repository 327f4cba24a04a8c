"""Batch input: the header, and each row checked into a household or its problems.

Pure: cells in, values or reasons out. The common, valid row takes a short
path: its plainly written cells read by cheap string checks (syntax only), its
values put to the core's rules (:func:`~welfare_calc.core.rules.accepts`). Any
doubt sends the row through the careful reading
(:func:`~welfare_calc.core.fields.read`), which names the column and what was
expected.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from welfare_calc.batch.rows.ids import plain_id
from welfare_calc.core import fields, households, rules
from welfare_calc.core.engine import OPEN_END, OPEN_START
from welfare_calc.core.errors import BadOption, UnusableInput, WelfareCalcError
from welfare_calc.core.money import MAX_WHOLE_DIGITS, to_fen
from welfare_calc.core.months import Month
from welfare_calc.core.table import CareTier, StandardsTable
from welfare_calc.core.words import _, listed

REQUIRED = ("id", "category", "persons", "income", "start", "end")
OPTIONAL = ("paid", "supplement", "care")
COMPUTED = ("months", "backpay", "monthly", "overpaid", "newly_eligible")
SUPPLEMENT_COMPUTED = ("monthly_base", "monthly_supplement")
"""With a supplement column: the monthly amount split into the dibao amount and its
分类施保 supplement (``monthly`` is both)."""
CARE_COMPUTED = ("monthly_base", "monthly_care")
"""With a care column: the monthly amount split into the basic amount and the care amount
(照料护理, docs/rules.md rule 17), as offices pay and report them."""
SPLIT_COMPUTED = ("monthly_base", "monthly_supplement", "monthly_care")
"""Every split of the monthly amount, in the order the columns are written."""

ZH_HEADERS = {
    "id": "编号", "category": "类别", "persons": "保障人数", "income": "家庭月人均收入",
    "start": "起始月份", "end": "截止月份", "paid": "已发金额",
    "months": "增补月数", "backpay": "增补金额", "monthly": "月保障金", "overpaid": "多发金额",
    "newly_eligible": "因提标新纳入",
    "supplement": "分类施保", "care": "护理等级",
    "monthly_base": "月保障金（不含分类施保、照料护理）",
    "monthly_supplement": "月分类施保金", "monthly_care": "月照料护理费",
}
"""Chinese column names for finance (``--headers zh``)."""

ROSTER_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("编号", "身份证号", "身份证号码", "公民身份号码"),
    "category": ("类别", "保障类别"),
    "persons": ("保障人数",),
    "income": ("家庭月人均收入",),
    "start": ("起始月份",),
    "end": ("截止月份",),
    "paid": ("已发金额",),
    "supplement": ("分类施保", "分类施保金"),
    "care": ("护理等级", "照料护理等级"),
}
"""The spellings of our columns in rosters exported from the provincial system
(a trailing 元 unit, ``（元）``, is ignored). Not 家庭人口: household size is not
the number of covered persons."""

_FROM_ZH = {spelling: key for key, spellings in ROSTER_NAMES.items() for spelling in spellings}
_UNITS = ("（元）", "(元)")
Mapping = tuple[tuple[str, str], ...]
"""``--column KEY=HEADER`` choices: (our column, the header cell that holds it)."""
AMOUNTS_KEPT = 1 << 17
"""How many distinct amount texts :meth:`RowParser.amount` remembers (every
income to the fen up to 1,310 yuan; about 10 MB at most)."""
MONTHS_KEPT = 1 << 12
"""How many distinct month texts :meth:`RowParser.month` remembers."""
assert tuple(rules.FIELDS) == ("id", "category", "persons", "income", "start", "end", "paid",
                               "supplement", "care"), "RowParser.parse_all's values, in order"
VERDICTS_KEPT = 1 << 16
"""How many tuples of a rule's fields the quick path remembers the core's verdict on."""
ROWS_KEPT = 1 << 14
"""How many rows' cells (but the id) the quick path remembers read (about 8 MB at most)."""


@dataclass(frozen=True)
class Columns:
    """Where each known column sits in the input rows."""

    names: tuple[str, ...]
    """The header as given, written back out unchanged."""
    position: dict[str, int]

    @property
    def width(self) -> int:
        """How many cells every row must have."""
        return len(self.names)

    @property
    def keys(self) -> list[str]:
        """Our column each input column holds (a column carried through: its name)."""
        found = {index: key for key, index in self.position.items()}
        return [found[index] if found[index] in (*REQUIRED, *OPTIONAL) else name.strip()
                for index, name in enumerate(self.names)]

    @property
    def computed(self) -> tuple[str, ...]:
        """The computed columns: :data:`COMPUTED`, and the monthly amount's split when
        the input gives supplements or care tiers."""
        parts = {*(SUPPLEMENT_COMPUTED if "supplement" in self.position else ()),
                 *(CARE_COMPUTED if "care" in self.position else ())}
        return COMPUTED + tuple(key for key in SPLIT_COMPUTED if key in parts)

    @property
    def output_keys(self) -> list[str]:
        """The output's columns: the input's as named (stripped), then the computed ones."""
        return [name.strip() for name in self.names] + list(self.computed)


YES_NO = {"en": ("false", "true"), "zh": ("否", "是")}
"""How a computed yes/no column is written: in English, or in Chinese for a Chinese
roster (JSON lines keep ``true``/``false``: they are the scripts' contract)."""


def roster_language(columns: Columns) -> Literal["en", "zh"]:
    """``zh`` when the roster names most of its required columns in Chinese (编号,
    保障类别, …), else ``en``: the language its computed columns are written in."""
    named = [columns.names[columns.position[key]] for key in REQUIRED]
    chinese = sum(not name.strip().isascii() for name in named)
    return "zh" if 2 * chinese > len(named) else "en"


def line_at(line: int) -> str:
    """Where a CSV input's line is, for messages (``line 12``)."""
    return _("line {line}").format(line=line)


def json_line(keys: list[str], cells: list[str]) -> str:
    """One JSON-lines record: every cell as text, as written, except ``months``, a number,
    and ``newly_eligible``, true or false.

    The one place a record is built, for a row written and for one rewritten
    after the doubled-id check.
    """
    record: dict[str, object] = dict(zip(keys, cells, strict=True))
    computed = len(keys) - len(COMPUTED) - sum(  # (no input column has a computed name)
        key in SPLIT_COMPUTED for key in keys[len(keys) - len(SPLIT_COMPUTED):])
    record["months"] = int(cells[keys.index("months", computed)])
    record["newly_eligible"] = cells[keys.index("newly_eligible", computed)] == "true"
    return json.dumps(record, ensure_ascii=False) + "\n"


def header_names(cells: Sequence[str]) -> list[str]:
    """Header cells as they name columns: stripped, without a UTF-8 BOM."""
    return [cell.strip().lstrip("\ufeff") for cell in cells]


def no_column(names: Sequence[str], header: str, said: str) -> UnusableInput:
    """The error for an option (``said``, with where it is) naming a column the header,
    its cells ``names``, lacks."""
    return UnusableInput(_("{said}: the header has no column {header}; its columns: "
                           "{names}").format(said=said, header=repr(header),
                                             names=listed(names)))


def header_key(cell: str, mapping: Mapping = ()) -> str:
    """The column a header cell names: as ``--column`` maps it, else English in any case,
    else a roster's Chinese spelling (:data:`ROSTER_NAMES`), else the cell's own name
    (a column carried through)."""
    name = cell.strip().lstrip("\ufeff")
    for key, header in mapping:
        if header.strip() == name:
            return key
    bare = name
    for unit in _UNITS:
        bare = bare.removesuffix(unit).strip()
    chosen = {key for key, _ in mapping}
    key = _FROM_ZH.get(bare, bare.lower())
    # A column --column gave to another header is carried through here.
    return f"{name}\0carried" if key in chosen else key


def holds_header(cells: list[str], mapping: Mapping = ()) -> bool:
    """Whether a row names every required column (a workbook's header row)."""
    return set(REQUIRED) <= {header_key(cell, mapping) for cell in cells}


def read_header(cells: list[str], where: str | None = None, mapping: Mapping = ()) -> Columns:
    """Find the columns; a missing required or a repeated column is unusable input.

    ``where``: the header's place, for messages (a workbook's is a sheet's row; by
    default a CSV file's first line).
    ``mapping``: ``--column`` choices, which come before any spelling.
    """
    where = where if where is not None else line_at(1)
    names = header_names(cells)
    _no_computed_columns(names, where)
    for key, header in mapping:
        if header.strip() not in names:
            raise no_column(names, header.strip(), _("{where}: {option}").format(
                where=where, option=f"--column {key}={header}"))
    position: dict[str, int] = {}
    for index, (cell, name) in enumerate(zip(cells, names, strict=True)):
        key = header_key(cell, mapping)
        if key in position:
            first = names[position[key]]
            if first == name:
                raise UnusableInput(_("{where}: column {name} appears twice in the header"
                                      ).format(where=where, name=repr(name)))
            raise UnusableInput(_("{where}: columns {first} and {name} both name the {column} "
                                  "column; choose one with --column {key}=HEADER").format(
                                      where=where, first=repr(first), name=repr(name),
                                      column=fields.field_name(key), key=key))
        position[key] = index
    missing = [name for name in REQUIRED if name not in position]
    if missing:
        _not_another_delimiter(cells, where, mapping)
        hint = ""
        if {"start", "end"} & set(missing):
            hint += _("; coverage months are the clerk's to give: add 起始月份 and 截止月份 "
                      "(an empty cell: covered since before the raise, or still covered)")
        if "persons" in missing and "家庭人口" in names:
            hint += _("; 家庭人口 is the household's size, not its covered persons (保障人数): "
                      "map it with --column persons=家庭人口 only if they are the same")
        raise UnusableInput(_(
            "{where}: missing column(s) {missing}; the header needs {required} (and optionally "
            "paid), in English or as the roster names them (编号 or 身份证号, 保障类别, 保障人数, "
            "家庭月人均收入, …), or --column KEY=HEADER{hint}").format(
                where=where, missing=listed(fields.field_name(key) for key in missing),
                required=listed(fields.field_name(key) for key in REQUIRED), hint=hint))
    return Columns(names=tuple(cells), position=position)


COMPUTED_NAMES = {name: key for key in (*COMPUTED, *SPLIT_COMPUTED)
                  for name in (key, ZH_HEADERS[key])}
"""The computed columns' names in either language: never an input column."""
DELIMITERS = ("\t", ";", "|")
"""Characters a header may be split by instead of commas (said by :func:`_delimiter`)."""


def _delimiter(mark: str) -> str:
    """One of :data:`DELIMITERS` named for a person."""
    return {"\t": _("tabs"), ";": _("semicolons"), "|": _("vertical bars")}[mark]


def _no_computed_columns(names: list[str], where: str) -> None:
    """Refuse an input that has a column the run computes: most likely an earlier run's
    result fed back in, whose stale ``backpay`` a tool picking columns by name would take."""
    for name in names:
        bare = name
        for unit in _UNITS:
            bare = bare.removesuffix(unit).strip()
        key = COMPUTED_NAMES.get(bare, COMPUTED_NAMES.get(bare.lower()))
        if key is not None:
            raise UnusableInput(_(
                "{where}: the input has a column {name}, which this run computes ({column}): "
                "is it the result of an earlier run? Run on the roster itself, or rename or "
                "delete that column").format(where=where, name=repr(name),
                                             column=fields.field_name(key)))


def _not_another_delimiter(cells: list[str], where: str, mapping: Mapping) -> None:
    """Say so when a header is split by another character than a comma."""
    text = ",".join(cells)
    for mark in DELIMITERS:
        if mark in text and (len(cells) == 1 or holds_header(text.split(mark), mapping)):
            raise UnusableInput(_("{where}: the header's cells are separated by {name}, not "
                                  "commas; save the file as CSV（逗号分隔）, or as .xlsx").format(
                                      where=where, name=_delimiter(mark)))


@dataclass(frozen=True)
class RowProblem:
    """Why a row was rejected, and in which column."""

    column: str
    reason: str


class ParsedRow(NamedTuple):
    """A row that passed every check, ready for :class:`BackpayEngine` (a tuple: made
    for every row written one at a time, at a fifth of a frozen dataclass's cost)."""

    id: str
    category: str
    persons: int
    income_fen: int
    start: int
    end: int
    paid_fen: int | None
    supplement: households.Supplement | None = None
    care: CareTier | None = None


def _fen(text: str) -> int | None:
    """Cheap exact parse of ``123`` / ``123.4`` / ``123.45`` into fen, else None.

    Syntax only, a pre-filter: ASCII digits, no more of them than
    :func:`~welfare_calc.core.money.parse_money` allows; whether the amount is
    accepted is the core's to say.
    """
    if not text.isascii():
        return None
    whole, dot, cents = text.partition(".")
    if not whole.isdigit() or len(whole) > MAX_WHOLE_DIGITS:
        return None
    if not dot:
        return int(whole) * 100
    if cents.isdigit() and len(cents) <= 2:
        return int(whole) * 100 + int(cents.ljust(2, "0"))
    return None


def accepted_spellings(table: StandardsTable) -> dict[str, str]:
    """Each spelling of a category the fast paths may take as written, with its id: the
    table's spellings (:func:`households.category_names`), each put to the core's
    :func:`households.resolve_category` once, so that a rule added there holds here."""
    accepted = {}
    for spelling in households.category_names(table):
        try:
            accepted[spelling] = households.resolve_category(table, spelling)
        except WelfareCalcError:
            continue
    return accepted


def month_or_open(index: int) -> Month | None:
    """The month of an index, or None for an open side of coverage."""
    return None if index in (OPEN_START, OPEN_END) else Month.from_index(index)


_AT = {field: position for position, field in enumerate(rules.FIELDS)}


def _getter(fields: tuple[str, ...]) -> Callable[[tuple[object, ...]], tuple[object, ...]]:
    """The tuple of ``fields`` of a row's values (given in :data:`rules.FIELDS` order)."""
    if len(fields) == 1:
        at = _AT[fields[0]]
        return operator.itemgetter(slice(at, at + 1))
    return operator.itemgetter(*(_AT[field] for field in fields))


class _Rows:
    """Rows' values put to the core's rules (:func:`rules.accepts`) by the quick path, a
    chunk's rows at once: each distinct tuple of a rule's fields asked once, and the
    verdict remembered for the run (bounded; a tuple with the id only for the chunk: ids
    do not repeat)."""

    def __init__(self, known: dict[tuple[str, ...], dict[tuple[object, ...], bool]],
                 values: list[tuple[object, ...]], unread: frozenset[str]) -> None:
        self._known = known
        self._values = values
        """Each row's values, in :data:`rules.FIELDS` order."""
        self._unread = unread
        """Fields none of these rows gives (each None)."""
        self.accepted = [True] * len(values)

    def ask(self, fields: tuple[str, ...], judge: rules.Judge) -> None:
        get = _getter(fields)
        kept = "id" not in fields
        known = self._known.setdefault(fields, {}) if kept else {}
        accepted = self.accepted
        if self._unread.issuperset(fields):  # (the same tuple on every row: asked once)
            asked = get(self._values[0])
            verdict = known.get(asked)
            if verdict is None:
                verdict = known[asked] = judge(asked)
            if not verdict:
                accepted[:] = [False] * len(accepted)
            return
        for row, values in enumerate(self._values):
            if accepted[row]:  # (a row refused already: the careful reading says why)
                asked = get(values)
                verdict = known.get(asked)
                if verdict is None:
                    verdict = judge(asked)
                    if not kept or len(known) < VERDICTS_KEPT:
                        known[asked] = verdict
                accepted[row] = verdict

    def mask(self) -> list[bool]:
        return self.accepted


_Plain = list[Any]
"""A row's plainly written cells (but its id), read: the fields of its
:class:`ParsedRow` but the id, its values as the rules see them (in
:data:`rules.FIELDS` order but the id), and whether the rules accept them (None: not
asked yet, or a rule reads the id, and each row is asked). A list, so that the
verdict is filled in where it is kept."""
_READ, _VALUES, _VERDICT = range(3)
QUICK_UNREAD = frozenset({"supplement", "care"})
"""Fields the quick reading never gives (a row with one is read carefully)."""


class RowParser:
    """Reads rows against one table and one header: syntax here, meaning in the core.

    The quick path reads plainly written cells (no spaces, ASCII digits, a
    category as the table spells it, an id already in its canonical form) and
    puts the values to the core's rules (:func:`rules.accepts`), each rule's
    verdict on a tuple of its fields remembered; anything else goes to
    :func:`~welfare_calc.core.fields.read`, which reads the whole row and names
    every problem. Neither keeps a rule of its own. A parser asks the rules
    registered when it is made (a run's).
    """

    def __init__(self, table: StandardsTable, columns: Columns) -> None:
        self.table = table
        self.columns = columns
        self.names = accepted_spellings(table)
        self.months: dict[str, tuple[int, Month]] = {}
        """Month cells read → month index and month (bounded: few months occur)."""
        self.amounts: dict[str, tuple[int, Decimal]] = {}
        """Amount cells read → fen and yuan (bounded): incomes repeat across a district."""
        self._rows: dict[tuple[str, ...], _Plain] = {}
        """A row's cells but its id, as written → read, with the rules' verdict (bounded:
        many rows are alike, tekun, one person, no income)."""
        self._known: dict[tuple[str, ...], dict[tuple[object, ...], bool]] = {}
        """The rules' verdicts on tuples of their fields (:class:`_Rows`)."""
        self._per_row = any("id" in fields for fields, _ in rules.judges(table))
        """Whether a rule reads the id: then a row's verdict is its own."""
        where = columns.position
        self._at = tuple(where[name] for name in REQUIRED)
        self._paid_at = where.get("paid")
        self._given_elsewhere = tuple(where[name] for name in ("supplement", "care")
                                      if name in where)

    def month(self, text: str) -> tuple[int, Month] | None:
        """A month written plainly as ``YYYY-MM`` (:func:`fields.read_month`), as its index
        and itself (remembered), else None."""
        known = self.months.get(text)
        if known is None and len(text) == 7 and text.isascii():
            try:
                month = fields.read_month(text)
            except WelfareCalcError:
                return None
            known = (month.index, month)
            if len(self.months) < MONTHS_KEPT:
                self.months[text] = known
        return known

    def amount(self, text: str) -> tuple[int, Decimal] | None:
        """An amount written plainly (:func:`_fen`), in fen and as the rules see it
        (remembered: incomes repeat), else None."""
        known = self.amounts.get(text)
        if known is None:
            fen = _fen(text)
            if fen is None:
                return None
            known = (fen, Decimal(fen).scaleb(-2))
            if len(self.amounts) < AMOUNTS_KEPT:
                self.amounts[text] = known
        return known

    def _plain(self, category: str, persons: str, income: str, start: str, end: str,
               paid: str) -> _Plain | None:
        """Plainly written cells read (syntax only), or None."""
        key = self.names.get(category)
        amount = self.amount(income)
        first = (OPEN_START, None) if not start else self.month(start)
        last = (OPEN_END, None) if not end else self.month(end)
        if (key is None or amount is None or first is None or last is None
                or not (persons.isascii() and persons.isdigit() and persons[0] != "0"
                        and len(persons) <= 3)):
            return None
        given: tuple[int | None, Decimal | None] = (None, None)
        if paid:
            paid_amount = self.amount(paid)
            if paid_amount is None:
                return None
            given = paid_amount
        count = int(persons)
        return [(key, count, amount[0], first[0], last[0], given[0]),
                (key, count, amount[1], first[1], last[1], given[1], None, None), None]

    def parse(self, row: list[str]) -> ParsedRow | list[RowProblem]:
        """The household in ``row``, or every problem found in it."""
        return self.parse_all([row])[0]

    def parse_all(self, rows: Sequence[list[str]]) -> list[ParsedRow | list[RowProblem]]:
        """The household in each row, or every problem found in it.

        The quick reading takes plainly written cells (:meth:`_plain`: only cheap
        syntax, no stripping, no messages; whatever it reads, :meth:`_careful` reads as
        the same values) and puts them to the core's rules, the rows at once
        (:func:`rules.accepts`); the other rows, and those the rules refuse, are read
        carefully (:func:`fields.read`), which says why.
        """
        found: list[ParsedRow | list[RowProblem] | None] = [None] * len(rows)
        asked: list[tuple[int, str, _Plain]] = []
        width, elsewhere, known = self.columns.width, self._given_elsewhere, self._rows
        i_id, i_cat, i_persons, i_income, i_start, i_end = self._at
        paid_at = self._paid_at
        for number, row in enumerate(rows):
            if len(row) != width:
                found[number] = [RowProblem("", _(
                    "expected {width} fields as in the header, found {found}").format(
                        width=width, found=len(row)))]
                continue
            if elsewhere and any(row[index].strip() for index in elsewhere):
                continue  # a supplement or a care tier: the core reads them
            ident = row[i_id]
            if not plain_id(ident):
                continue
            cells = (row[i_cat], row[i_persons], row[i_income], row[i_start], row[i_end],
                     "" if paid_at is None else row[paid_at])
            read = known.get(cells)
            if read is None:
                read = self._plain(*cells)
                if read is None:
                    continue
                if len(known) < ROWS_KEPT:
                    known[cells] = read
            verdict = read[_VERDICT]
            if verdict is None:
                asked.append((number, ident, read))
            elif verdict:
                found[number] = ParsedRow(ident, *read[_READ])
        if asked:
            accepted = rules.accepts(self.table, _Rows(self._known, [
                (ident, *read[_VALUES]) for _number, ident, read in asked], QUICK_UNREAD))
            for (number, ident, read), verdict in zip(asked, accepted, strict=True):
                if verdict:
                    found[number] = ParsedRow(ident, *read[_READ])
                if not self._per_row:
                    read[_VERDICT] = verdict  # (alike rows, if kept: known)
        return [self._careful(row) if read is None else read
                for row, read in zip(rows, found, strict=True)]

    def _careful(self, row: list[str]) -> ParsedRow | list[RowProblem]:
        """The careful path: the core reads the whole row and names every problem."""
        cells = {name: row[index] for name, index in self.columns.position.items()
                 if name in REQUIRED or name in OPTIONAL}
        read = fields.read(self.table, cells)
        if isinstance(read, list):
            return [RowProblem(problem.field, problem.message) for problem in read]
        period = read.period
        return ParsedRow(read.id, read.house.category, read.house.persons,
                         to_fen(read.house.income),
                         OPEN_START if period.start is None else period.start.index,
                         OPEN_END if period.end is None else period.end.index,
                         None if read.paid is None else to_fen(read.paid),
                         read.house.supplement, read.house.care)


def column_choices(given: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``--column KEY=HEADER`` options as (key, header) pairs, each key once."""
    known = (*REQUIRED, *OPTIONAL)
    choices: dict[str, str] = {}
    for text in given:
        key, equals, header = text.partition("=")
        key = key.strip().lower()
        if not equals or not header.strip():
            raise BadOption(_("--column {given}: write KEY=HEADER, e.g. --column id=身份证号"
                              ).format(given=repr(text)))
        if key not in known:
            raise BadOption(_("--column {given}: {key} is not a column the batch reads; one of "
                              "{known}").format(given=repr(text), key=repr(key),
                                                known=listed(known)))
        if key in choices:
            raise BadOption(_("--column {key} is given twice ({first} and {second})").format(
                key=key, first=repr(choices[key]), second=repr(header.strip())))
        choices[key] = header.strip()
    return tuple(choices.items())
