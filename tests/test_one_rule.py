"""A rule written once holds everywhere (issue 18 §4): each core check, patched to refuse
one chosen value, is followed by the CLI, the batch row by row (the quick reading, and
the careful one with spaces around the cells) and the column-wise lane, with the core's
words and no other edit. Deterministic: one chosen value per check, every check."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from welfare_calc.batch import chunks
from welfare_calc.cli import cli
from welfare_calc.core import checks, households, identity
from welfare_calc.core.errors import WelfareCalcError

WORDS = "refused by the one-rule test"
PLAIN_ROWS = 5000
"""Rows of the lane's roster: more than a chunk needs to go to the lane."""
CHOSEN = range(7, PLAIN_ROWS, 997)
"""The rows (0-based, after the header) that hold the chosen value."""


@dataclass(frozen=True)
class Rule:
    """One core check and the value the test makes it refuse."""

    module: Any
    name: str
    refuses: Callable[..., bool]
    """Given the check's arguments, whether the test's rule refuses them."""
    column: str
    """The batch column the value is written in, and where the problem is reported."""
    cell: str
    """The chosen value as a batch cell."""
    cli: list[str]
    """A single call that gives the chosen value."""
    columns: tuple[str, ...] = ("id", "category", "persons", "income", "start", "end")
    lane: bool = True
    """Whether the value can be written in a roster the lane reads."""


HOUSEHOLD = ["-c", "urban-dibao", "-n", "3", "--income", "200"]
BACKPAY = ["backpay", *HOUSEHOLD, "--through", "2020-08"]
RULES = [
    pytest.param(Rule(checks, "check_persons", lambda persons: persons == 7, "persons", "7",
                      ["backpay", "-c", "urban-dibao", "-n", "7", "--through", "2020-08"]),
                 id="check_persons refuses 7"),
    pytest.param(Rule(checks, "check_income", lambda income: str(income) == "123.45", "income",
                      "123.45", ["backpay", "-c", "urban-dibao", "-n", "3", "--income",
                                 "123.45", "--through", "2020-08"]),
                 id="check_income refuses 123.45"),
    pytest.param(Rule(checks, "check_paid", lambda paid: str(paid) == "100.00", "paid", "100.00",
                      [*BACKPAY, "--paid", "100.00"],
                      columns=("id", "category", "persons", "income", "start", "end", "paid"),
                      lane=False),
                 id="check_paid refuses 100.00"),
    pytest.param(Rule(checks, "check_supplement", lambda supplement: str(supplement) == "20%",
                      "supplement", "20%", [*BACKPAY, "--supplement", "20%"],
                      columns=("id", "category", "persons", "income", "start", "end",
                               "supplement"), lane=False),
                 id="check_supplement refuses 20%"),
    pytest.param(Rule(checks, "check_month", lambda month, *_: str(month) == "2020-03", "start",
                      "2020-03", [*BACKPAY, "--start", "2020-03"]),
                 id="check_month refuses 2020-03"),
    pytest.param(Rule(checks, "coverage",
                      lambda start=None, end=None: str(start) == "2020-02" and end is None,
                      "start", "2020-02", [*BACKPAY, "--start", "2020-02"]),
                 id="coverage refuses 2020-02 onwards"),
    pytest.param(Rule(households, "resolve_category",
                      lambda table, given: given.strip() == "农村特困",
                      "category", "农村特困",
                      ["backpay", "-c", "农村特困", "-n", "1", "--through", "2020-08"]),
                 id="resolve_category refuses 农村特困"),
    pytest.param(Rule(identity, "check_id", lambda text: text.strip() == "37030319000101018X",
                      "id", "37030319000101018X", []),
                 id="check_id refuses one ID number"),
    pytest.param(Rule(identity, "check_id", lambda text: text.strip() == "H7", "id", "H7", []),
                 id="check_id refuses a case number"),
]


@pytest.fixture
def rule(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Rule:
    """The core's check, patched to refuse the rule's value as well as what it refused."""
    chosen: Rule = request.param
    original = getattr(chosen.module, chosen.name)

    def patched(*args: Any, **kwargs: Any) -> Any:
        if chosen.refuses(*args, **kwargs):
            raise WelfareCalcError(f"{chosen.cell} {WORDS}", field=chosen.column)
        return original(*args, **kwargs)

    monkeypatch.setattr(chosen.module, chosen.name, patched)
    return chosen


def roster(folder: Path, rule: Rule, rows: int, *, spaces: bool = False,
           extra: bool = False) -> Path:
    """A roster whose rows in :data:`CHOSEN` hold the rule's value; ``extra``: a column the
    lane does not read (so every row is read one at a time)."""
    columns = [*rule.columns, *(["note"] if extra else [])]
    lines = [",".join(columns)]
    for number in range(rows):
        cells = {"id": f"H{number}", "category": "urban-dibao", "persons": "3",
                 "income": "200", "start": "", "end": "", "paid": "", "supplement": "",
                 "note": "x"}
        if number in CHOSEN:
            cells[rule.column] = rule.cell
            if rule.column == "category":
                cells["persons"] = "1"
        values = [cells[name] for name in columns]
        if spaces:
            values = [f" {value} " if value else value for value in values]
        lines.append(",".join(values))
    path = folder / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rejected(folder: Path, source: Path) -> list[tuple[int, str, str]]:
    out = folder / "out.csv"
    done = CliRunner().invoke(cli, ["batch", str(source), "--through", "2020-08", "-o",
                                    str(out)], catch_exceptions=False)
    assert done.exit_code == 1, done.output
    with (folder / "out.csv.errors.csv").open(encoding="utf-8", newline="") as handle:
        return [(int(row["line"]) - 2, row["column"], row["reason"])
                for row in csv.DictReader(handle)]


def expected(rule: Rule, rows: int) -> list[tuple[int, str, str]]:
    return [(number, rule.column, f"{rule.cell} {WORDS}") for number in CHOSEN if number < rows]


@pytest.mark.parametrize("rule", RULES, indirect=True)
def test_the_cli_follows_the_rule(rule: Rule) -> None:
    if not rule.cli:
        pytest.skip("ids are no option of a single call")
    done = CliRunner().invoke(cli, rule.cli)
    assert done.exit_code == 2
    assert f"{rule.cell} {WORDS}" in done.stderr


@pytest.mark.parametrize("rule", RULES, indirect=True)
@pytest.mark.parametrize("spaces", [False, True], ids=["quick reading", "spaces: careful"])
def test_the_batch_row_by_row_follows_the_rule(rule: Rule, tmp_path: Path,
                                                spaces: bool) -> None:
    source = roster(tmp_path, rule, 1200, spaces=spaces, extra=True)
    assert rejected(tmp_path, source) == expected(rule, 1200)


@pytest.mark.parametrize("rule", RULES, indirect=True)
def test_the_lane_follows_the_rule(rule: Rule, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    if not rule.lane:
        pytest.skip("the lane takes no row with this column; the row path reads them all")
    taken: list[int] = []
    run = chunks.ChunkProcessor._columnwise

    def counted(self: chunks.ChunkProcessor, data: bytes, first: int,
                result: chunks.ChunkResult) -> None:
        taken.append(data.count(b"\n"))
        run(self, data, first, result)

    monkeypatch.setattr(chunks.ChunkProcessor, "_columnwise", counted)
    monkeypatch.setenv("WELFARE_CALC_START_METHOD", "fork")
    source = roster(tmp_path, rule, PLAIN_ROWS)
    assert rejected(tmp_path, source) == expected(rule, PLAIN_ROWS)
    assert sum(taken) == PLAIN_ROWS  # every row was the lane's to read
