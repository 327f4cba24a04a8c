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
from welfare_calc.core.table import Payment, StandardsTable, Unit, known_spans
from welfare_calc.output.formats import Lang
from welfare_calc.output.language import speak
from welfare_calc.standards.loader import (
    ENV_VAR,
    load_standards,
    parse_standards,
    read_standards,
    shipped_standards,
)

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages

FILES = Path(__file__).parent / "standards_files"
REPO_DATA = Path(__file__).parents[1] / "data" / "standards_2020.yaml"


M, Y = Unit.PER_MONTH, Unit.PER_YEAR
TIMELINE = {
    # Each category: (from, amount, unit) for every value, the undated ones being what a
    # raise was raised from (docs/standards.md, "Sources").
    "urban-dibao": [(None, 600, M), (date(2020, 1, 1), 660, M), (None, 800, M),
                    (date(2022, 1, 1), 880, M), (date(2023, 1, 1), 924, M),
                    (date(2024, 1, 1), 989, M)],
    "rural-dibao": [(None, 5150, Y), (date(2020, 1, 1), 5760, Y), (None, 630, M),
                    (date(2022, 1, 1), 755, M), (date(2023, 1, 1), 801, M),
                    (date(2024, 1, 1), 877, M)],
    "urban-tekun": [(None, 900, M), (date(2020, 1, 1), 990, M), (None, 1200, M),
                    (date(2022, 1, 1), 1320, M), (date(2023, 1, 1), 1320, M),
                    (date(2024, 1, 1), 1320, M)],
    "rural-tekun": [(None, 6695, Y), (date(2020, 1, 1), 7500, Y), (None, 840, M),
                    (date(2022, 1, 1), 1050, M), (date(2023, 1, 1), 1050, M),
                    (date(2024, 1, 1), 1140, M)],
}


def test_shipped_table_holds_every_raise_since_2020(table: StandardsTable) -> None:
    figures = {
        key: [(value.effective, value.amount, value.unit) for value in category.values]
        for key, category in table.categories.items()
    }
    assert figures == TIMELINE
    assert {key: c.payment for key, c in table.categories.items()} == {
        "urban-dibao": Payment.GAP_FILLING, "rural-dibao": Payment.GAP_FILLING,
        "urban-tekun": Payment.FULL_STANDARD, "rural-tekun": Payment.FULL_STANDARD}
    assert [(raised.effective, table.document(raised.document).number)
            for raised in table.raises] == [
        (date(2020, 1, 1), "周政办字〔2020〕29号"),
        (date(2022, 1, 1), "淄博市 2022 年提标通知（文号未查到）"),
        (date(2023, 1, 1), "淄民〔2023〕4号"),
        (date(2024, 1, 1), "淄民〔2024〕10号")]
    care = [(value.effective, [(tier.value, amount) for tier, amount in value.tiers])
            for value in table.care]
    assert care == [
        (None, [("self-care", 215), ("partial-care", 620), ("full-care", 990)]),
        (date(2022, 1, 1), [("self-care", 240), ("partial-care", 685), ("full-care", 1090)])]
    assert table.care_categories == ("urban-tekun", "rural-tekun")
    assert table.covers_through == Month(2024, 12)


def test_the_2021_months_and_those_after_2024_are_not_known(table: StandardsTable) -> None:
    for category in table.categories.values():
        assert known_spans(category.values, table.covers_through) == [
            (Month(2020, 1), Month(2020, 12)), (Month(2022, 1), Month(2024, 12))]
        assert category.value_in(Month(2021, 6)) is None
        # What the 2022 raise raised from was in force the day before it, and only then.
        assert category.value_on(date(2021, 12, 31)) is category.values[2]
        assert category.value_on(date(2019, 12, 31)) is category.values[0]
    assert table.care_in(Month(2020, 6)) is None
    assert table.care_in(Month(2024, 12)) is table.care[1]


def test_shipped_table_cites_its_documents_and_how_each_figure_is_known(
        table: StandardsTable) -> None:
    notice = table.document("zhoucun-2020-29")
    assert (notice.number, notice.issued, notice.issuer) == (
        "周政办字〔2020〕29号", date(2020, 8, 10), "周村区人民政府办公室")
    assert notice.basis is not None
    assert table.document(notice.basis).number == "淄政办字〔2020〕69号"
    latest = table.document("zibo-2024-10")
    assert (latest.issued, latest.backpay_due, latest.backpay_note) == (
        date(2024, 4, 3), date(2024, 4, 30), "1-3月份增补资金务必于4月30日前发放到位")
    assert table.document("zibo-2023-4").backpay_due == date(2023, 2, 28)
    known = {key: [value.known.value for value in category.values]
             for key, category in table.categories.items()}
    assert set(map(tuple, known.values())) == {
        ("notice", "notice", "report", "report", "reissue", "notice")}
    for category in table.categories.values():
        assert all(value.seen for value in category.values)
        assert [value.document for value in category.values] == [
            "zhoucun-2020-29", "zhoucun-2020-29", "zibo-2022", "zibo-2022", "zibo-2023-4",
            "zibo-2024-10"]
    assert (table.rounding.unit, str(table.rounding.mode)) == (Decimal("0.01"), "half-up")


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


def test_a_file_named_is_shown_as_pathlib_writes_it(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    """The name in messages, ``--version`` and the documents is the file's, tidied as it
    always was (the command line once made it a Path): doubled separators and ``.``
    parts gone, whether named on the command line or in the environment."""
    folder = tmp_path / "标准"
    folder.mkdir()
    (folder / "t.yaml").write_bytes((FILES / "bad_date.yaml").read_bytes())
    typed = f"{tmp_path}//标准/./t.yaml"
    monkeypatch.delenv(ENV_VAR, raising=False)
    for named in (typed, None):
        monkeypatch.setenv(ENV_VAR, typed)
        with pytest.raises(StandardsFileError) as refused:
            load_standards(named)
        assert str(refused.value).startswith(f"{folder / 't.yaml'}:"), str(refused.value)
    (folder / "t.yaml").write_bytes((FILES / "valid_minimal.yaml").read_bytes())
    assert load_standards(typed).source == str(folder / "t.yaml")
    with pytest.raises(StandardsFileError, match=r"^\.: cannot read the standards file"):
        load_standards("")  # (the current folder, as Path("") is: no file)


BAD = [
    ("unknown_key.yaml", 24,
     "categories.urban-dibao.colour: unknown key 'colour'; expected one of: name_zh"),
    ("negative_amount.yaml", 31, "categories.urban-dibao.values.1.amount: expected a number ≥ 0"),
    ("non_numeric_amount.yaml", 31,
     "categories.urban-dibao.values.1.amount: expected an amount of yuan, got 'six hundred"),
    ("float_amount_too_precise.yaml", 31,
     "categories.urban-dibao.values.1.amount: 660.005 has more than 2 decimals"),
    ("bad_date.yaml", 30,
     "categories.urban-dibao.values.1.from: expected a date written YYYY-MM-DD, got '2020-13-01'"),
    ("unknown_unit.yaml", 27,
     "categories.urban-dibao.values.0.unit: got 'yuan/person/week'; expected "
     "'yuan/person/month' or 'yuan/person/year'"),
    ("same_date_twice.yaml", 30,
     "categories.urban-dibao.values.1.from: a second value taking effect on 2020-01-01"),
    ("out_of_order.yaml", 30,
     "categories.urban-dibao.values.1.from: 2020-01-01 is before the previous value's 2021-01-01"),
    ("unknown_document.yaml", 33,
     "categories.urban-dibao.values.1.document: unknown document 'notice-2099'"),
    ("yaml_syntax_error.yaml", 23, "YAML error: expected ',' or ']'"),
    ("python_object_tag.yaml", 3,
     "YAML error: 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    ("duplicate_key.yaml", 24,
     "categories.urban-dibao.payment: duplicate key 'payment' (first given on line 23)"),
    ("undated_later_value.yaml", 25,
     "categories.urban-dibao.values.0.from: no date, and no dated value follows; an undated "
     "value is the figure the next value was raised from"),
    ("missing_key.yaml", 19, "categories.urban-dibao.short_zh: missing; this key is required"),
    ("bad_rounding_mode.yaml", 8, "rounding.mode: got 'round-nearest'"),
    ("bad_rounding_point.yaml", 9, "rounding.point: got 'per-person'"),
    ("not_utf8.yaml", 14, "the file is not UTF-8 text"),
    ("exponent_amount.yaml", 31,
     "categories.urban-dibao.values.1.amount: expected an amount of yuan, got '1e30'; write it "
     "in digits"),
    ("huge_exponent_amount.yaml", 31,
     "categories.urban-dibao.values.1.amount: expected an amount of yuan, got '1e100000000'"),
    ("too_many_digits_amount.yaml", 31,
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


@pytest.mark.parametrize(("name", "line", "message"), [
    ("unknown_unit.yaml", 27, "categories.urban-dibao.values.0.unit: 实际为 'yuan/person/week'；"
                              "应为 'yuan/person/month' 或 'yuan/person/year'"),
    ("duplicate_key.yaml", 24, "categories.urban-dibao.payment: 键 'payment' 重复（第一次出现在第 "
                               "23 行）；每个键只能出现一次"),
    ("missing_key.yaml", 19, "categories.urban-dibao.short_zh: 缺少此项；这个键是必填的"),
], ids=["unknown unit", "duplicate key", "missing key"])
def test_a_bad_file_is_told_in_chinese_with_its_place(name: str, line: int,
                                                      message: str) -> None:
    # The place stays as the file has it (file:line: key.path); what was expected is said
    # in the clerk's language.
    speak(Lang.ZH)
    path = FILES / name
    with pytest.raises(StandardsFileError) as caught:
        read_standards(path)
    assert caught.value.problems[0] == f"{path}:{line}: {message}"


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


TWO_RAISES = """\
schema: welfare-calc/standards/2
title: test table
jurisdiction: test
covers_through: "2022-12"
rounding: {unit: "0.01", mode: half-up}
raises:
  - {effective: 2020-01-01, document: old}
  - {effective: 2022-01-01, document: new}
documents:
  old: {number: 旧文, title: old notice, issuer: test office, issued: 2020-08-10}
  new: {number: 新文, title: null, issuer: test office, issued: null}
categories:
  urban-tekun:
    name_zh: 城市特困人员救助供养基本生活标准
    short_zh: 城市特困
    name_en: Urban tekun
    payment: full-standard
    values:
      - {from: null, amount: "900", unit: yuan/person/month, document: old, known: notice}
      - {from: 2020-01-01, through: "2020-12", amount: "990", unit: yuan/person/month,
         document: old, known: notice}
      - {from: null, amount: "1200", unit: yuan/person/month, document: new, known: report}
      - {from: 2022-01-01, amount: "1320", unit: yuan/person/month, document: new, known: report}
care:
  categories: [urban-tekun]
  values:
    - {from: null, tiers: {self-care: "215", partial-care: "620", full-care: "990"},
       unit: yuan/person/month, document: new, known: report}
    - {from: 2022-01-01, tiers: {self-care: "240", partial-care: "685", full-care: "1090"},
       unit: yuan/person/month, document: new, known: report}
"""
"""Two raises with a year between them that no value covers, and care standards: the
shape of the shipped table, small."""

TIMELINE_FAULTS = [
    ("two undated values in a row",
     ('{from: 2020-01-01, through: "2020-12", amount: "990"', '{from: null, amount: "990"'),
     "categories.urban-tekun.values.1.from: no date, and no dated value follows"),
    ("an end unknown and not said",
     ('through: "2020-12", ', ""),
     "categories.urban-tekun.values.1.through: missing: the next value's start is not known"),
    ("through before the value began",
     ('through: "2020-12"', 'through: "2019-12"'),
     "categories.urban-tekun.values.1.through: 2019-12 is before the month it took effect"),
    ("through past the next value",
     ('through: "2020-12"', 'through: "2022-01"'),
     "categories.urban-tekun.values.1.through: 2022-01 is not before the next value's start"),
    ("a raise with nothing known the day before",
     ("  - {effective: 2022-01-01, document: new}", "  - {effective: 2021-06-01, document: new}"),
     "raises.1.effective: urban-tekun has no standard known on 2021-05-31"),
    ("raises out of order",
     ("  - {effective: 2020-01-01, document: old}\n  - {effective: 2022-01-01, document: new}",
      "  - {effective: 2022-01-01, document: new}\n  - {effective: 2020-01-01, document: old}"),
     "raises.1.effective: 2020-01-01 is not after the previous raise's 2022-01-01"),
    ("a raise after the table's end",
     ('covers_through: "2022-12"', 'covers_through: "2021-12"'),
     "raises.1.effective: 2022-01 is after covers_through (2021-12)"),
    ("a care value without a tier",
     ('{self-care: "240", partial-care: "685", full-care: "1090"}',
      '{self-care: "240", partial-care: "685"}'),
     "care.values.1.tiers: missing the full-care (全护理) tier"),
    ("care for a category that pays the gap",
     ("payment: full-standard", "payment: gap-filling"),
     "care.categories.0: urban-tekun pays the gap (gap-filling)"),
    ("how a figure is known, not said",
     (", known: report}\n      - {from: 2022", "}\n      - {from: 2022"),
     "categories.urban-tekun.values.2.known: missing"),
    ("the format of one raise",
     ("schema: welfare-calc/standards/2", "schema: welfare-calc/standards/1"),
     "schema: welfare-calc/standards/1 is the format of a table with one raise"),
]


def test_the_small_timeline_is_valid() -> None:
    table = parse_standards(TWO_RAISES, "t.yaml")
    assert [raised.first_month for raised in table.raises] == [Month(2020, 1), Month(2022, 1)]
    assert table.documents["new"].title is None


@pytest.mark.parametrize(("change", "message"), [(change, message)
                                                 for _, change, message in TIMELINE_FAULTS],
                         ids=[name for name, _, _ in TIMELINE_FAULTS])
def test_a_timeline_that_cannot_vouch_for_its_months_is_refused(
        change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in TWO_RAISES
    with pytest.raises(StandardsFileError) as caught:
        parse_standards(TWO_RAISES.replace(old, new, 1), "t.yaml")
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
