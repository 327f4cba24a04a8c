"""The standards file: the shipped table, the timeline, and one bad file per failure."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from welfare_calc.core.errors import StandardsFileError
from welfare_calc.core.months import Month
from welfare_calc.core.table import Payment, StandardsTable, Unit
from welfare_calc.standards.loader import (
    ENV_VAR,
    load_standards,
    parse_standards,
    read_standards,
    shipped_standards,
)

FILES = Path(__file__).parent / "standards_files"
REPO_DATA = Path(__file__).parents[1] / "data" / "standards_2020.yaml"


def test_shipped_table_holds_the_notice_figures(table: StandardsTable) -> None:
    figures = {
        key: [(value.effective, value.amount, value.unit) for value in category.values]
        for key, category in table.categories.items()
    }
    assert figures == {
        "urban-dibao": [(None, 600, Unit.PER_MONTH), (date(2020, 1, 1), 660, Unit.PER_MONTH)],
        "rural-dibao": [(None, 5150, Unit.PER_YEAR), (date(2020, 1, 1), 5760, Unit.PER_YEAR)],
        "urban-tekun": [(None, 900, Unit.PER_MONTH), (date(2020, 1, 1), 990, Unit.PER_MONTH)],
        "rural-tekun": [(None, 6695, Unit.PER_YEAR), (date(2020, 1, 1), 7500, Unit.PER_YEAR)],
    }
    assert {key: c.payment for key, c in table.categories.items()} == {
        "urban-dibao": Payment.GAP_FILLING, "rural-dibao": Payment.GAP_FILLING,
        "urban-tekun": Payment.FULL_STANDARD, "rural-tekun": Payment.FULL_STANDARD}


def test_shipped_table_cites_its_documents(table: StandardsTable) -> None:
    notice = table.document("zhoucun-2020-29")
    assert (notice.number, notice.issued, notice.issuer) == (
        "周政办字〔2020〕29号", date(2020, 8, 10), "周村区人民政府办公室")
    assert notice.basis is not None
    assert table.document(notice.basis).number == "淄政办字〔2020〕69号"
    for category in table.categories.values():
        assert all(value.document == "zhoucun-2020-29" for value in category.values)
    assert (table.rounding.unit, str(table.rounding.mode)) == (Decimal("0.01"), "half-up")
    assert table.covers_through == Month(2020, 12)


def test_the_shipped_table_is_the_repository_file() -> None:
    # However the package is installed, the table it ships is the repository's file: a
    # wheel carries a copy inside the package (tests/test_packaging.py builds one); run in
    # place from a checkout (an editable install) there is no copy, and the top-level data/
    # file that users edit is read.
    raw = REPO_DATA.read_bytes()
    packaged = resources.files("welfare_calc").joinpath("data/standards_2020.yaml")
    if packaged.is_file():
        assert packaged.read_bytes() == raw
    loaded = shipped_standards()
    assert loaded.source == "data/standards_2020.yaml"
    assert loaded.digest == hashlib.sha256(raw).hexdigest()[:12]


def test_timeline_accepts_a_change_of_unit(timeline: StandardsTable) -> None:
    units = [value.unit for value in timeline.categories["rural-dibao"].values]
    assert units == [Unit.PER_YEAR, Unit.PER_YEAR] + [Unit.PER_MONTH] * 4


def test_amounts_are_read_exactly_not_as_floats() -> None:
    text = (FILES / "valid_minimal.yaml").read_text(encoding="utf-8")
    table = parse_standards(text.replace('amount: "660"', "amount: 660.10"), "t.yaml")
    assert table.categories["urban-dibao"].values[1].amount == Decimal("660.10")


def test_env_var_and_explicit_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(FILES / "valid_minimal.yaml"))
    assert load_standards().table.title == "test table"
    assert load_standards(REPO_DATA).table.title != "test table"
    monkeypatch.setenv(ENV_VAR, str(FILES / "bad_date.yaml"))
    with pytest.raises(StandardsFileError):
        load_standards()


BAD = [
    ("unknown_key.yaml", 24,
     "categories.urban-dibao.colour: unknown key 'colour'; expected one of: name_zh"),
    ("negative_amount.yaml", 30, "categories.urban-dibao.values.1.amount: expected a number ≥ 0"),
    ("non_numeric_amount.yaml", 30,
     "categories.urban-dibao.values.1.amount: expected an amount of yuan, got 'six hundred"),
    ("float_amount_too_precise.yaml", 30,
     "categories.urban-dibao.values.1.amount: 660.005 has more than 2 decimals"),
    ("bad_date.yaml", 29,
     "categories.urban-dibao.values.1.from: expected a date written YYYY-MM-DD, got '2020-13-01'"),
    ("unknown_unit.yaml", 27,
     "categories.urban-dibao.values.0.unit: got 'yuan/person/week'; input should be"),
    ("same_date_twice.yaml", 29,
     "categories.urban-dibao.values.1.from: a second value taking effect on 2020-01-01"),
    ("out_of_order.yaml", 29,
     "categories.urban-dibao.values.1.from: 2020-01-01 is before the previous value's 2021-01-01"),
    ("unknown_document.yaml", 32,
     "categories.urban-dibao.values.1.document: unknown document 'notice-2099'"),
    ("yaml_syntax_error.yaml", 23, "YAML error: expected ',' or ']'"),
    ("python_object_tag.yaml", 3,
     "YAML error: 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    ("duplicate_key.yaml", 24,
     "categories.urban-dibao.payment: duplicate key 'payment' (first given on line 23)"),
    ("undated_later_value.yaml", 29,
     "categories.urban-dibao.values.1.from: no date; only the first value may be undated"),
    ("missing_key.yaml", 19, "categories.urban-dibao.short_zh: missing; this key is required"),
    ("bad_rounding_mode.yaml", 8, "rounding.mode: got 'round-nearest'"),
    ("bad_rounding_point.yaml", 9, "rounding.point: got 'per-person'"),
    ("not_utf8.yaml", 14, "the file is not UTF-8 text"),
    ("exponent_amount.yaml", 30,
     "categories.urban-dibao.values.1.amount: expected an amount of yuan, got '1e30'; write it "
     "in digits"),
    ("huge_exponent_amount.yaml", 30,
     "categories.urban-dibao.values.1.amount: expected an amount of yuan, got '1e100000000'"),
    ("too_many_digits_amount.yaml", 30,
     "categories.urban-dibao.values.1.amount: expected an amount of yuan, got a number of 40 "
     "digits (at most 16)"),
    ("nul_byte.yaml", 3, "the file holds a NUL byte; a standards file is plain text"),
    ("deep_nesting.yaml", 2, "YAML error: nested more than 16 levels deep"),
]


@pytest.mark.parametrize(("name", "line", "message"), BAD, ids=[name for name, _, _ in BAD])
def test_bad_file_is_refused_with_its_place(name: str, line: int, message: str) -> None:
    path = FILES / name
    with pytest.raises(StandardsFileError) as caught:
        read_standards(path)
    first = caught.value.problems[0]
    assert first.startswith(f"{path}:{line}: {message}"), first


def test_every_problem_is_listed_once_per_line() -> None:
    text = (FILES / "valid_minimal.yaml").read_text(encoding="utf-8")
    text = text.replace('amount: "600"', 'amount: "-1"').replace("mode: half-up", "mode: up")
    with pytest.raises(StandardsFileError) as caught:
        parse_standards(text, "two.yaml")
    assert [problem.split(": ")[1] for problem in caught.value.problems] == [
        "rounding.mode", "categories.urban-dibao.values.0.amount"]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StandardsFileError, match="cannot read the standards file"):
        read_standards(tmp_path / "nope.yaml")


@pytest.mark.parametrize("text", ["", "- a list\n", "just text\n"],
                         ids=["empty", "a list", "a scalar"])
def test_not_a_table_at_all(text: str) -> None:
    with pytest.raises(StandardsFileError, match=r"^x\.yaml:1: \(top level\)"):
        parse_standards(text, "x.yaml")


@pytest.mark.parametrize("source", ["/dev/zero", "large"], ids=["/dev/zero", "a 2 MB file"])
def test_a_file_too_large_to_be_a_table_is_refused_unread(tmp_path: Path, source: str) -> None:
    if source == "/dev/zero" and not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    path = Path(source) if source == "/dev/zero" else tmp_path / "large.yaml"
    if source == "large":
        path.write_text("# " + "x" * (2 << 20) + "\n", encoding="utf-8")
    with pytest.raises(StandardsFileError) as caught:
        read_standards(path)
    assert caught.value.problems == (
        f"{path}:1: the file is larger than 1 MB; a standards table is a few KB: is this the "
        "right file?",)


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    # Not in this process: should the refusal ever go, the bomb would take
    # the test run down with it. In a fresh process held to 1 GB of address
    # space: expanded, the bomb needs gigabytes and minutes; refused, neither.
    code = ("import resource, sys\n"
            "from pathlib import Path\n"
            "from welfare_calc.core.errors import StandardsFileError\n"
            "from welfare_calc.standards.loader import read_standards\n"
            "soft, hard = resource.getrlimit(resource.RLIMIT_AS)\n"
            "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, hard))\n"
            "try:\n"
            "    read_standards(Path(sys.argv[1]))\n"
            "except StandardsFileError as error:\n"
            "    print(error.problems[0])\n")
    if sys.platform != "linux":
        pytest.skip("address-space limit is Linux's")
    path = FILES / "alias_bomb.yaml"
    done = subprocess.run([sys.executable, "-c", code, str(path)],
                          capture_output=True, text=True, timeout=30, check=True)
    assert done.stdout.startswith(f"{path}:3: YAML error: aliases (*name) are not allowed in a "
                                  "standards file")
