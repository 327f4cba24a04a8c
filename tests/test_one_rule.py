"""A rule written once holds everywhere (issue 18 §4, issue 27 §5).

Every rule registered in the core (:func:`welfare_calc.core.rules.registered`, not a
list kept here), and the rules this test registers beside them (one over a field,
one over two, one over the id and a month, one over the whole row), is made in turn to
refuse one chosen row as well as what it refused. Every front end must then refuse that
row, in the rule's words, at the rule's field, and take every other: the command line,
the batch row by row (one row as written, and one with spaces around its cells), the
column-wise lane, an .xlsx roster, the page's API and the 公示 list. The four rules the
issue found one front end or another ignoring are tested as they are written too.
Deterministic: one chosen row per rule, every rule, every front end.

A front end whose fields do not include one of a rule's (a single call has no id) is
not asked to follow that rule; the fields each front end gives are read from the front
end itself (the command's options, the page's form fields, the batch's columns).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from helpers import page_client
from welfare_calc.batch.rows.parsing import OPTIONAL, REQUIRED, RowParser, read_header
from welfare_calc.batch.run import chunk_result, chunks
from welfare_calc.cli import cli
from welfare_calc.cli.group import FIELDS as OPTIONS
from welfare_calc.core import fields, households, identity, rules
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.errors import WelfareCalcError
from welfare_calc.core.households import Supplement
from welfare_calc.core.months import Month
from welfare_calc.core.table import StandardsTable
from welfare_calc.standards.loader import load_standards, shipped_standards
from welfare_calc.web.app import FORM_FIELDS, Served

WORDS = "refused by the one-rule test"
PLAIN_ROWS = 6000
"""Rows of the lane's roster: more than a chunk needs to go to the lane."""
CHOSEN = range(7, PLAIN_ROWS, 997)
"""The rows (0-based, after the header) that hold the chosen values."""
FEW_ROWS = 40
"""Rows of a workbook's roster and a 公示 list's (the row path reads them)."""
THROUGH = "2020-08"
BASE = {"id": "", "category": "urban-dibao", "persons": "1", "income": "200", "start": "",
        "end": "", "paid": "", "supplement": "", "care": ""}
"""A household every rule accepts (its id is made per row: H0, H1, …)."""
CHOICES: dict[str, tuple[str, ...]] = {
    "id": ("C",), "category": ("rural-tekun", "rural-dibao"), "persons": ("7",),
    "income": ("123.45",), "start": ("2020-03",), "end": ("2020-07",), "paid": ("100.00",),
    "supplement": ("20%", ""), "care": ("全护理", ""),
}
"""Cells a chosen row may hold in each field, the first the registry accepts with the
rest taken (an id: its prefix, C0, C1, …; an empty cell: the base household's)."""
PLAIN = {"id", "category", "persons", "income", "start", "end"}
"""Fields the lane reads (a row giving a paid amount, a supplement or a care tier is the
row path's)."""


# Rules this test registers beside the core's: the four the issue found front ends
# ignoring, as a clerk's office might add them, and one over the whole row.

def supplement_above_500(supplement: Supplement | None) -> None:
    """One field: a fixed supplement of more than 500 yuan a month."""
    if supplement is not None and supplement.fixed is not None and supplement.fixed > 500:
        raise WelfareCalcError(f"{supplement}: a supplement above 500 a month")


def end_after_2030(start: Month | None, end: Month | None) -> None:
    """Coverage (a rule over both months, as the order of start and end is) ending after
    2030-12: told at the end, the month it is about."""
    if end is not None and end > Month(2030, 12):
        raise WelfareCalcError(f"{end}: coverage ending after 2030-12", field="end")


def tekun_for_one(table: StandardsTable, category: str, persons: int) -> None:
    """Two fields: tekun paid for more than one person in one row."""
    if category in table.care_categories and persons > 1:
        raise WelfareCalcError(f"{persons} persons: tekun is one person a row",
                               field="persons")


def born_before_covered(ident: str, start: Month | None) -> None:
    """The id and a month: covered from a month before the person was born."""
    if len(ident) == 18 and ident[:17].isdigit() and start is not None:
        born = Month(int(ident[6:10]), int(ident[10:12]))
        if born > start:
            raise WelfareCalcError(f"born {born}, covered from {start}", field="start")


def whole_row(ident: str, category: str, persons: int, income: Decimal, start: Month | None,
              end: Month | None, paid: Decimal | None, supplement: Supplement | None,
              care: object) -> None:
    """The whole row: every field read (it refuses nothing but what the test chooses)."""


EXTRA = (
    rules.Rule("supplement_above_500", ("supplement",), supplement_above_500),
    rules.Rule("end_after_2030", ("start", "end"), end_after_2030),
    rules.Rule("tekun_for_one", ("category", "persons"), tekun_for_one, table=True),
    rules.Rule("born_before_covered", ("id", "start"), born_before_covered),
    rules.Rule("whole_row", tuple(rules.FIELDS), whole_row),
)
EVERY_RULE = (*rules.registered(), *EXTRA)


def resident_id(born: str) -> str:
    """A resident ID number with a right check digit, born ``born`` (YYYYMMDD)."""
    body = f"370303{born}001"
    return body + ric.calc_check_digit(body + "0")


@dataclass(frozen=True)
class Case:
    """A row a rule refuses, and how each front end must say so."""

    name: str
    cells: dict[str, str]
    """The chosen row's cells that differ from :data:`BASE` (an id: a prefix, or whole)."""
    told: str
    """The field the refusal is told at."""
    words: str
    """What the refusal says (part of it)."""
    target: rules.Rule | None = None
    """The rule made to refuse the row (None: a rule of :data:`EXTRA` refuses it as
    written)."""

    @property
    def columns(self) -> list[str]:
        """The roster's columns: the required ones, and the optional ones the row fills."""
        return [*REQUIRED, *(name for name in OPTIONAL if self.cells.get(name))]

    @property
    def plain(self) -> bool:
        """Whether the lane can read the chosen row."""
        return {name for name, cell in self.cells.items() if cell} <= PLAIN

    def row(self, number: int, *, chosen: bool) -> dict[str, str]:
        """Row ``number``'s cells (the chosen row's, or the base household's)."""
        cells = {**BASE, "id": f"H{number}"}
        if chosen:
            cells.update(self.cells)
            if self.cells.get("id") == "C":
                cells["id"] = f"C{number}"
        return cells


def chosen_cells(table: StandardsTable, rule: rules.Rule) -> dict[str, str]:
    """Cells of the rule's fields from :data:`CHOICES` that the registry (with the test's
    rules) accepts, as few of them the base household's as can be (a tuple the base
    shares is one the batch's own set-up asks: tekun, 1 person, no care tier)."""
    rows = itertools.product(*(CHOICES[name] for name in rule.fields))
    for picked in sorted(rows, key=lambda picked: sum(
            cell == BASE[name] for name, cell in zip(rule.fields, picked, strict=True))):
        cells = dict(zip(rule.fields, picked, strict=True))
        row = {**BASE, **cells, "id": "C7" if cells.get("id") == "C" else "H7"}
        if not isinstance(fields.read(table, row), list):
            assert any(cells[name] != BASE[name] for name in rule.fields)
            return cells
    raise AssertionError(f"no row of CHOICES that {rule.name}'s fields accept")


def rule_cases() -> Iterator[Any]:
    """Every rule registered (the core's and the test's), made to refuse a chosen row."""
    table = shipped_standards().table
    saved = list(rules.RULES)
    rules.RULES[:] = [*saved, *EXTRA]
    try:
        for rule in EVERY_RULE:
            cells = chosen_cells(table, rule)
            yield pytest.param(Case(rule.name, cells, rule.fields[0], f"{rule.name} {WORDS}",
                                    rule), id=f"{rule.name} {rule.fields}")
    finally:
        rules.RULES[:] = saved


NATURAL = [
    pytest.param(Case("supplement above 500", {"supplement": "600.00"}, "supplement",
                      "600.00: a supplement above 500 a month"), id="a supplement above 500"),
    pytest.param(Case("end after 2030", {"end": "2031-01"}, "end",
                      "2031-01: coverage ending after 2030-12"), id="an end after 2030-12"),
    pytest.param(Case("tekun for one", {"category": "rural-tekun", "persons": "2"}, "persons",
                      "2 persons: tekun is one person a row"), id="tekun for 2 persons"),
    pytest.param(Case("born before covered", {"id": resident_id("20200501"),
                                              "start": "2020-03"}, "start",
                      "born 2020-05, covered from 2020-03"), id="born after the start"),
]
CASES = [*rule_cases(), *NATURAL]


@pytest.fixture
def case(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Case:
    """The test's rules registered beside the core's, and the case's rule made to refuse
    its chosen row as well as what it refused (in every process: workers are forked)."""
    chosen: Case = request.param
    registry = [*rules.RULES, *EXTRA]
    if chosen.target is not None:
        target = chosen.target
        wanted = fields.read_fields(shipped_standards().table,
                                    chosen.row(7, chosen=True), tuple(rules.FIELDS))[0]

        def refuses(*args: Any) -> None:
            values = dict(zip(target.fields, args[1:] if target.table else args, strict=True))
            if all(str(value).startswith("C") if name == "id" else value == wanted[name]
                   for name, value in values.items()):
                raise WelfareCalcError(chosen.words)
            target.check(*args)

        registry[registry.index(target)] = target._replace(check=refuses)
    monkeypatch.setattr(rules, "RULES", registry)
    monkeypatch.setenv("WELFARE_CALC_START_METHOD", "fork")
    return chosen


def roster(folder: Path, case: Case, rows: int, *, spaces: bool = False,
           extra: tuple[str, ...] = ()) -> Path:
    """A roster of ``rows`` households, those in :data:`CHOSEN` the case's chosen row;
    ``extra``: columns carried through (each cell a name)."""
    lines = [",".join([*case.columns, *extra])]
    for number in range(rows):
        cells = case.row(number, chosen=number in CHOSEN)
        values = [cells[name] for name in case.columns]
        if spaces:
            values = [f" {value} " if value else value for value in values]
        lines.append(",".join([*values, *(f"张{number}" for _ in extra)]))
    path = folder / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rejections(path: Path) -> list[tuple[int, str, str]]:
    """The errors file's rows: (row number after the header, column, reason)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(int(row["line"]) - 2, row["column"], row["reason"])
                for row in csv.DictReader(handle)]


def refused(case: Case, rows: int, found: list[tuple[int, str, str]]) -> None:
    """``found`` is the chosen rows, each at the case's field, in its words."""
    assert [(number, column) for number, column, _ in found] == [
        (number, case.told) for number in CHOSEN if number < rows], found
    assert all(case.words in reason for _, _, reason in found), found


def batch(folder: Path, source: Path, *more: str) -> list[tuple[int, str, str]]:
    out = folder / "out.csv"
    done = CliRunner().invoke(cli, ["batch", str(source), "--through", THROUGH, "-o", str(out),
                                    *more], catch_exceptions=False)
    assert done.exit_code == 1, done.output
    return rejections(folder / "out.csv.errors.csv")


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_the_cli_follows_the_rule(case: Case) -> None:
    options = {param.name: param for param in cli.every_command()["backpay"].params
               if isinstance(param, click.Option)}
    if not set(case.cells) <= set(options):
        pytest.skip(f"the command line gives no {sorted(set(case.cells) - set(options))}")
    given = {**BASE, **case.cells}
    words = [word for name, value in given.items() if value and name in options
             for word in (f"--{name}", value)]
    done = CliRunner().invoke(cli, ["backpay", *words, "--through", THROUGH])
    assert done.exit_code == 2, done.output
    assert case.words in done.stderr
    assert OPTIONS[case.told] in done.stderr  # the option of the rule's field


@pytest.mark.parametrize("case", CASES, indirect=True)
@pytest.mark.parametrize("spaces", [False, True], ids=["as written", "spaces: careful"])
def test_the_batch_row_by_row_follows_the_rule(case: Case, tmp_path: Path,
                                               spaces: bool) -> None:
    # One row: the quick reading (as written) or the careful one (with spaces).
    source = roster(tmp_path, case, 8, spaces=spaces)
    refused(case, 8, batch(tmp_path, source))


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_the_lane_follows_the_rule(case: Case, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[int] = []
    run = chunks.ChunkProcessor._columnwise

    def counted(self: chunks.ChunkProcessor, data: bytes, first: int,
                result: chunk_result.ChunkResult) -> None:
        taken.append(data.count(b"\n"))
        run(self, data, first, result)

    monkeypatch.setattr(chunks.ChunkProcessor, "_columnwise", counted)
    source = roster(tmp_path, case, PLAIN_ROWS)
    refused(case, PLAIN_ROWS, batch(tmp_path, source))
    if case.plain:
        assert sum(taken) == PLAIN_ROWS  # every row was the lane's to read


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_a_workbook_roster_follows_the_rule(case: Case, tmp_path: Path) -> None:
    # As an office types it: numbers as numbers, months and ids as text.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(case.columns)
    for number in range(FEW_ROWS):
        cells = case.row(number, chosen=number in CHOSEN)
        sheet.append([Decimal(cells[name]) if name in ("persons", "income", "paid")
                      and cells[name] else cells[name] or None for name in case.columns])
    source = tmp_path / "花名册.xlsx"
    book.save(source)
    refused(case, FEW_ROWS, batch(tmp_path, source))


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_the_pages_api_follows_the_rule(case: Case) -> None:
    if not set(case.cells) <= set(FORM_FIELDS):
        pytest.skip(f"the page gives no {sorted(set(case.cells) - set(FORM_FIELDS))}")
    page = page_client(Served(load_standards(None), None, 1 << 20, 60.0))
    given = {name: value for name, value in {**BASE, **case.cells}.items()
             if value and name in FORM_FIELDS}
    answer = page.post("/api/backpay", json={**given, "through": THROUGH})
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == case.told
    assert case.words in answer.json()["error"]
    accepted = page.post("/api/backpay", json={**{name: value for name, value in BASE.items()
                                                  if value and name in FORM_FIELDS},
                                               "through": THROUGH})
    assert accepted.status_code == 200, accepted.text


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_the_publicity_list_follows_the_rule(case: Case, tmp_path: Path) -> None:
    # A row refused is not listed and is reported; every other is listed (nothing aborts).
    source = roster(tmp_path, case, FEW_ROWS, extra=("户主姓名",))
    out, errors = tmp_path / "公示.csv", tmp_path / "errors.csv"
    done = CliRunner().invoke(cli, ["publicity", str(source), "--month", "2020-05", "--period",
                                    "2020年8月", "-o", str(out), "--errors", str(errors)],
                              catch_exceptions=False)
    assert done.exit_code == 1, done.output
    refused(case, FEW_ROWS, rejections(errors))
    with out.open(encoding="utf-8-sig", newline="") as handle:
        listed = [row for row in csv.reader(handle) if row and row[0].isdigit()]
    assert len(listed) == FEW_ROWS - len([number for number in CHOSEN if number < FEW_ROWS])


READERS = [
    pytest.param(Case("check_id", {"id": resident_id("19000101")}, "id",
                                    f"check_id {WORDS}"), id="check_id refuses an ID number"),
    pytest.param(Case("check_id", {"id": "C"}, "id", f"check_id {WORDS}"),
                 id="check_id refuses a case number"),
    pytest.param(Case("resolve_category", {"category": "农村特困"}, "category",
                      f"resolve_category {WORDS}"), id="resolve_category refuses 农村特困"),
]
"""Readers the fast paths ask too (an id taken as written, a category's spellings): made
to refuse one cell, as a rule is (a number's or a month's syntax the fast paths read
their own way, and hand anything else to the readers)."""


@pytest.mark.parametrize("reader", READERS)
def test_every_front_end_follows_the_id_and_category_readers(
        reader: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module: Any = identity if reader.name == "check_id" else households
    original = getattr(module, reader.name)
    chosen = reader.cells[reader.told]

    def refuses(*args: str) -> object:
        text = args[-1].strip()
        if text == chosen or (chosen == "C" and text.startswith("C")):
            raise WelfareCalcError(reader.words, field=reader.told)
        return original(*args)

    monkeypatch.setattr(module, reader.name, refuses)
    monkeypatch.setenv("WELFARE_CALC_START_METHOD", "fork")
    for rows, spaces in ((8, False), (8, True), (PLAIN_ROWS, False)):
        refused(reader, rows, batch(tmp_path, roster(tmp_path, reader, rows, spaces=spaces)))
    if reader.told == "category":
        done = CliRunner().invoke(cli, ["backpay", "-c", chosen, "-n", "1", "--through",
                                        THROUGH])
        assert done.exit_code == 2
        assert reader.words in done.stderr


def test_every_rule_is_one_the_registry_holds() -> None:
    # The test's cases are the registry's rules, all of them, and the test's own.
    assert {case.values[0].target for case in rule_cases()} == {*rules.registered(), *EXTRA}
    assert len(rules.registered()) >= 7


def test_the_page_reads_every_field_a_call_has() -> None:
    # A field of a household that the page did not read would be a rule it cannot follow.
    assert set(fields.CALL_FIELDS) <= set(FORM_FIELDS)



# The same, for any rows: with rules over two fields and over the id registered beside the
# core's, the batch (the lane, and row by row) refuses a row exactly when the core's
# careful reading does (hypothesis: values as typed, odd ones too).

def persons_and_income(persons: int, income: Decimal) -> None:
    if (persons * 100 + int(income * 100)) % 7 == 0:
        raise WelfareCalcError("persons and income refused together")


def one_month(start: Month | None, end: Month | None) -> None:
    if start is not None and start == end:
        raise WelfareCalcError("a coverage of one month refused")


def id_ends_in_persons(ident: str, persons: int) -> None:
    if ident.endswith(str(persons)):
        raise WelfareCalcError("an id ending in its persons refused")


PROPERTY_RULES = (
    rules.Rule("persons_and_income", ("persons", "income"), persons_and_income),
    rules.Rule("one_month", ("start", "end"), one_month),
    rules.Rule("id_ends_in_persons", ("id", "persons"), id_ends_in_persons),
)
TYPED = {
    "category": st.sampled_from(["urban-dibao", "rural-dibao", "urban-tekun", "农村特困",
                                 " rural-tekun ", "dibao"]),
    "persons": st.integers(1, 12).map(str) | st.sampled_from(["0", " 3 ", "３", "1000"]),
    "income": st.integers(0, 90_000).map(lambda fen: f"{fen // 100}.{fen % 100:02d}")
              | st.sampled_from(["200", "0", "-1", "200.555", " 5 "]),
    "start": st.sampled_from(["", "2020-01", "2020-03", "2020-05", " 2020-03", "2020-13"]),
    "end": st.sampled_from(["", "2020-03", "2020-05", "2020-08"]),
}


@settings(max_examples=150)
@given(rows=st.lists(st.fixed_dictionaries(TYPED), min_size=1, max_size=10),
       lane_rows=st.sampled_from([1, chunks.LANE_ROWS]))
def test_the_batch_accepts_what_the_careful_reading_accepts(
        rows: list[dict[str, str]], lane_rows: int) -> None:
    table = shipped_standards().table
    saved = rules.RULES
    rules.RULES = [*saved, *PROPERTY_RULES]
    try:
        columns = read_header(["id", *TYPED])
        processor = chunks.ChunkProcessor(
            parser=RowParser(table, columns), plan=BackpayEngine(table, Month(2020, 8)),
            columns=columns, categories=list(table.categories), encoding="utf-8",
            output_encoding="utf-8", newline="\n", jsonl=False, lane_rows=lane_rows)
        text = "".join(f"H{number}," + ",".join(row[name] for name in TYPED) + "\n"
                       for number, row in enumerate(rows))
        result = processor.process(2, text.encode())
        refused = {line - 2 for line, _, _, _ in result.rejections}
        for number, row in enumerate(rows):
            read = fields.read(table, {"id": f"H{number}", **row})
            assert (number in refused) == isinstance(read, list), (row, read)
    finally:
        rules.RULES = saved
