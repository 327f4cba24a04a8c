"""One person, one id: every spelling (issue 26 §3).

An ID number typed two ways must still be one id: Excel's text prefix (``'…``), spaces or
dashes between its groups, an invisible character, ``…1012.0`` from pandas or a script.
The core brings each to the one canonical form (docs/rules.md rule 12), the doubled-id
check sees one id and the output writes it; an id that holds ID digits but cannot be
made a clean ID number is refused. Held here in the core, through the CLI's row path and
its column-wise lane, from CSV and from a workbook, and by hypothesis.
"""

from __future__ import annotations

import csv
import gettext
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from helpers import csv_rows, invoker
from welfare_calc.batch.rows.ids import id_digest
from welfare_calc.batch.rows.parsing import RowParser, read_header
from welfare_calc.batch.run.chunks import ChunkProcessor
from welfare_calc.core import words
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.errors import InvalidId
from welfare_calc.core.identity import canonical_id, check_id, is_canonical_id
from welfare_calc.core.months import Month
from welfare_calc.core.table import StandardsTable

# Synthetic ID numbers. VALID is the issue's: a float cannot hold it (pandas would have
# written …1008), so its ".0" spelling is a clean one.
VALID = "110105190001011012"
WITH_X = "37030319000101018X"
OLD = "370303850712001"
OLD_AS_NEW = "370303198507120016"
FULL_WIDTH = str.maketrans("0123456789X.", "０１２３４５６７８９Ｘ．")


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages asserted in English, whatever language an earlier test chose."""
    monkeypatch.setenv("WELFARE_CALC_LANG", "en")
    monkeypatch.setattr(words, "_catalogue", gettext.NullTranslations())


def resident_id(serial: int) -> str:
    """A valid ID number, born 1960-01-01, by serial (GB 11643 check digit)."""
    body = f"37030319600101{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def float_holds(ident: str) -> bool:
    """Whether a float holds this number exactly (53 significant bits)."""
    value = int(ident)
    return value & ((1 << max(value.bit_length() - 53, 0)) - 1) == 0


def a_number_may_have_made(ident: str) -> bool:
    """Whether an 18-digit number may be what a float or Excel (15 digits, then zeros)
    made of another one."""
    return float_holds(ident) or ident.endswith("000")


def grouped(mark: str) -> Callable[[str], str]:
    return lambda ident: f"{ident[:6]}{mark}{ident[6:14]}{mark}{ident[14:]}"


def inserted(mark: str, at: int) -> Callable[[str], str]:
    return lambda ident: ident[:at] + mark + ident[at:]


Spelling = tuple[str, Callable[[str], str], Callable[[str], bool]]
ANY: Callable[[str], bool] = lambda ident: True  # noqa: E731
AS_A_NUMBER: Callable[[str], bool] = lambda ident: (  # noqa: E731
    ident.isdigit() and not a_number_may_have_made(ident))
ENDS_IN_X: Callable[[str], bool] = lambda ident: ident.endswith("X")  # noqa: E731

SPELLINGS: list[Spelling] = [
    ("Excel's text prefix", lambda ident: "'" + ident, ANY),
    ("text prefix and trailing spaces", lambda ident: "'" + ident + "   ", ANY),
    ("spaces after the text prefix", lambda ident: "'  " + ident, ANY),
    ("an input method's ’ as the prefix", lambda ident: "\u2019" + ident, ANY),
    ("a full-width ＇ as the prefix", lambda ident: "\uff07" + ident, ANY),
    ("spaces between the groups", grouped(" "), ANY),
    ("dashes between the groups", grouped("-"), ANY),
    ("full-width dashes", grouped("\uff0d"), ANY),
    ("em dashes", grouped("\u2014"), ANY),
    ("non-breaking spaces", grouped("\xa0"), ANY),
    ("ideographic spaces", grouped("\u3000"), ANY),
    ("a zero-width space inside", inserted("\u200b", 10), ANY),
    ("U+FEFF inside", inserted("\ufeff", 8), ANY),
    ("a BOM before", inserted("\ufeff", 0), ANY),
    ("a word joiner inside", inserted("\u2060", 12), ANY),
    ("a soft hyphen inside", inserted("\u00ad", 6), ANY),
    ("direction marks around", lambda ident: "\u202a" + ident + "\u202c", ANY),
    (".0 from pandas or a script", lambda ident: ident + ".0", AS_A_NUMBER),
    (".00", lambda ident: ident + ".00", AS_A_NUMBER),
    ("full-width digits and ．０", lambda ident: (ident + ".0").translate(FULL_WIDTH),
     AS_A_NUMBER),
    ("text prefix, dashes and spaces", lambda ident: "'" + grouped("-")(ident) + "  ", ANY),
    ("text prefix and a lower-case x", lambda ident: "'" + ident.lower(), ENDS_IN_X),
    ("groups and a lower-case x", lambda ident: grouped(" ")(ident.lower()), ENDS_IN_X),
]
SPELLING_IDS = [name for name, _, _ in SPELLINGS]


def an_id_for(fits: Callable[[str], bool], skip: int = 0) -> str:
    """The ``skip``-th valid ID number (serials from 1) that a spelling can write."""
    found = (ident for serial in range(1, 1000) if fits(ident := resident_id(serial)))
    for _ in range(skip):
        next(found)
    return next(found)


# --- the core --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "spell", "fits"), SPELLINGS, ids=SPELLING_IDS)
def test_every_spelling_is_one_canonical_id(name: str, spell: Callable[[str], str],
                                            fits: Callable[[str], bool]) -> None:
    ident = VALID if fits(VALID) else WITH_X
    assert canonical_id(spell(ident)) == ident
    assert check_id(spell(ident)) == ident
    assert not is_canonical_id(spell(ident))  # (the fast paths hand it to the row path)


@pytest.mark.parametrize(("typed", "canonical"), [
    pytest.param("370303 850712 001", OLD_AS_NEW, id="15 digits in groups"),
    pytest.param("370303850712001.0", OLD_AS_NEW, id="15 digits as a number"),
    pytest.param("'370303850712001", OLD_AS_NEW, id="15 digits after a text prefix"),
])
def test_a_first_generation_number_in_any_spelling(typed: str, canonical: str) -> None:
    assert check_id(typed) == canonical


@pytest.mark.parametrize(("typed", "canonical"), [
    pytest.param("ZC-2020-001", "ZC-2020-001", id="a case number keeps its dashes"),
    pytest.param("2020-001", "2020-001", id="digits with a dash: not an ID number"),
    pytest.param("ZC 001", "ZC 001", id="a case number keeps its space"),
    pytest.param("2020001", "2020001", id="a case number of digits"),
    pytest.param("2020001.0", "2020001", id="a case number through a number"),
    pytest.param("'2020001", "2020001", id="a case number after a text prefix"),
    pytest.param("H1\u200b", "H1", id="an invisible character is no part of a case number"),
    pytest.param("'=H1", "=H1", id="a text prefix before a formula's sign"),
    pytest.param("2.5", "2.5", id="a short number with decimals"),
    pytest.param("3703030010010001", "3703030010010001",
                 id="16 digits, a village's code and a serial: no birth date"),
    pytest.param("37030300100100001", "37030300100100001", id="17 digits without a birth date"),
    pytest.param("9101051900010110", "9101051900010110", id="no region starts with 9"),
])
def test_case_numbers_are_not_taken_for_id_numbers(typed: str, canonical: str) -> None:
    assert check_id(typed) == canonical


@pytest.mark.parametrize(("typed", "message"), [
    pytest.param("1.10105190001011E+17", "scientific notation: its last digits are lost",
                 id="Excel's scientific notation"),
    pytest.param("1.1010519000101101e+17", "scientific notation", id="Python's"),
    pytest.param("1.10105E+17", "scientific notation", id="as Excel shows it"),
    pytest.param("110105190001011012.5", "a number with decimals", id="not a whole number"),
    pytest.param("110105190001011008.0", "its last digits may be lost",
                 id="a number a float rounded (…1012 held as …1008)"),
    pytest.param("110105190001011000.0", "its last digits may be lost",
                 id="Excel's zeros past 15 digits"),
    pytest.param("11010519000101101", "has 17 characters", id="a digit missed"),
    pytest.param("1101051900010110", "has 16 characters", id="two digits missed"),
    pytest.param("1101051900010110122", "has 19 characters", id="a digit typed twice"),
    pytest.param("110105 19000101 101", "has 17 characters", id="a digit missed, in groups"),
    pytest.param("'1101051900010110X", "has 17 characters", id="a digit missed before X"),
    pytest.param("110105-19000101-1013", "last character should be 2",
                 id="wrong check digit, in groups"),
    pytest.param("'110105190001011013", "last character should be 2",
                 id="wrong check digit after a text prefix"),
    pytest.param("1101051900\u200b01011013", "last character should be 2",
                 id="wrong check digit around an invisible character"),
    pytest.param("'", "empty id", id="only a text prefix"),
    pytest.param("\u200b", "empty id", id="only an invisible character"),
])
def test_id_digits_that_cannot_be_a_clean_id_number_are_refused(typed: str,
                                                                message: str) -> None:
    with pytest.raises(InvalidId, match=message) as refused:
        check_id(typed)
    assert refused.value.field == "id"
    assert isinstance(canonical_id(typed), str)  # (never raises)


def test_the_refusal_shows_the_id_as_typed() -> None:
    with pytest.raises(InvalidId) as refused:
        check_id(" '1.10105190001011E+17 ")
    assert refused.value.message.startswith("the id 1.10105190001011E+17 is a number in ")


@given(st.integers(0, 10**17 - 1), st.sampled_from(SPELLINGS), st.sampled_from(SPELLINGS))
def test_any_two_spellings_of_an_id_meet(body: int, first: Spelling, second: Spelling) -> None:
    ident = f"{body:017d}" + ric.calc_check_digit(f"{body:017d}0")
    assume(first[2](ident) and second[2](ident))
    assert check_id(first[1](ident)) == check_id(second[1](ident)) == ident


@given(st.integers(10**16, 10**17 - 1))
def test_a_valid_id_number_no_float_holds_is_taken_with_its_point_zero(body: int) -> None:
    ident = f"{body:017d}" + ric.calc_check_digit(f"{body:017d}0")
    assume(ident.isdigit() and not a_number_may_have_made(ident))
    assert check_id(ident + ".0") == check_id(ident + ".000") == ident


@given(st.integers(10**17, 10**18 - 1), st.booleans())
def test_a_number_a_float_or_excel_made_is_refused_with_its_point_zero(value: int,
                                                                      excel: bool) -> None:
    # Whatever its check digit: it may be what a float or Excel made of another number.
    made = str(value)[:15] + "000" if excel else str(int(float(value)))
    assume(len(made) == 18)
    with pytest.raises(InvalidId, match="its last digits may be lost"):
        check_id(made + ".0")


# --- the batch: row path and lane, CSV and workbook ------------------------------------

HEADER = ["id", "category", "persons", "income", "start", "end"]
FILLER = [[f"H{number}", "urban-dibao", "3", "200", "", ""] for number in range(5000)]
"""Enough plain rows for the column-wise lane to read the chunk."""


def pairs(spellings: list[Spelling], *, overlapping: bool, spelled_first: bool
          ) -> Iterator[tuple[str, list[str], list[str]]]:
    """For each spelling, a valid ID number of its own and two rows of it: as written
    canonically and as spelled, with coverage that overlaps or not."""
    used: set[str] = set()
    for _, spell, fits in spellings:
        ident = next(ident for skip in range(50) if (ident := an_id_for(fits, skip)) not in used)
        used.add(ident)
        canonical = [ident, "urban-dibao", "3", "200", "", "" if overlapping else "2020-03"]
        spelled = [spell(ident), "urban-dibao", "3", "200", "2020-04", ""]
        yield ident, *((spelled, canonical) if spelled_first else (canonical, spelled))


def run_csv(tmp_path: Path, rows: list[list[str]]) -> tuple[int, list[dict[str, str]],
                                                               list[dict[str, str]]]:
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([HEADER, *rows])
    out = tmp_path / "out.csv"
    done = invoker()("batch", str(source), "--through", "2020-08", "-o", str(out))
    errors = tmp_path / "out.csv.errors.csv"
    return done.exit_code, csv_rows(out), csv_rows(errors) if errors.exists() else []


@pytest.mark.parametrize("spelled_first", [False, True], ids=["canonical first",
                                                              "spelled first"])
@pytest.mark.parametrize("lane", [False, True], ids=["row by row", "with the fast lane"])
def test_two_spellings_of_one_person_are_one_doubled_id(tmp_path: Path, lane: bool,
                                                        spelled_first: bool) -> None:
    filler = FILLER if lane else []
    found = list(pairs(SPELLINGS, overlapping=True, spelled_first=spelled_first))
    rows = [*filler, *(row for _, first, second in found for row in (first, second))]
    code, written, rejected = run_csv(tmp_path, rows)
    assert code == 1
    first_line = len(filler) + 2  # (the header is line 1)
    expected = []
    for index in range(len(found)):
        line = first_line + 2 * index
        expected += [(str(line), f"same id as line {line + 1} with overlapping coverage: "
                                 "possible double payment"),
                     (str(line + 1), f"same id as line {line} with overlapping coverage: "
                                     "possible double payment")]
    assert sorted((row["line"], row["reason"]) for row in rejected) == sorted(expected)
    assert len(written) == len(filler)


@pytest.mark.parametrize("lane", [False, True], ids=["row by row", "with the fast lane"])
def test_the_output_writes_the_canonical_form(tmp_path: Path, lane: bool) -> None:
    filler = FILLER if lane else []
    found = list(pairs(SPELLINGS, overlapping=False, spelled_first=False))
    rows = [*filler, *(row for _, first, second in found for row in (first, second))]
    code, written, rejected = run_csv(tmp_path, rows)
    assert (code, rejected) == (0, [])
    assert [row["id"] for row in written[len(filler):]] == [
        ident for ident, _, _ in found for _ in range(2)]
    # Three months and five, of the 1440.00 eight months would pay.
    assert [row["backpay"] for row in written[len(filler):][:2]] == ["540.00", "900.00"]


REFUSED_IN_A_ROSTER = [
    ("1.10105190001011E+17", "scientific notation"),
    ("110105190001011012.5", "a number with decimals"),
    ("110105190001011008.0", "its last digits may be lost"),
    ("11010519000101101", "has 17 characters"),
    ("110105-19000101-1013", "last character should be 2"),
]


@pytest.mark.parametrize("lane", [False, True], ids=["row by row", "with the fast lane"])
def test_a_roster_refuses_what_cannot_be_made_an_id_number(tmp_path: Path,
                                                           lane: bool) -> None:
    filler = FILLER if lane else []
    rows = [*filler, *([typed, "urban-dibao", "3", "200", "", ""]
                       for typed, _ in REFUSED_IN_A_ROSTER),
            [VALID, "urban-dibao", "3", "200", "", ""]]
    code, written, rejected = run_csv(tmp_path, rows)
    assert code == 1
    assert [(row["id"], row["column"]) for row in rejected] == [
        (typed, "id") for typed, _ in REFUSED_IN_A_ROSTER]
    for row, (_, words_) in zip(rejected, REFUSED_IN_A_ROSTER, strict=True):
        assert words_ in row["reason"]
    assert [row["id"] for row in written[len(filler):]] == [VALID]


def test_a_workbook_roster_meets_the_same_ids(tmp_path: Path) -> None:
    # Excel stores an id typed with its text prefix as the text alone, marked with the
    # quotePrefix style; a system's export may keep the apostrophe in the text. A
    # 15-digit old number stored as a number reads as its digits. Each is one person.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["身份证号", "保障类别", "保障人数", "家庭月人均收入", "起始月份", "截止月份"])
    others = [an_id_for(ANY, 0), an_id_for(ANY, 1)]
    others.append(next(ident for skip in range(9) if (ident := an_id_for(AS_A_NUMBER, skip))
                       not in others))
    sheet.append([VALID, "城市低保", 3, 200, None, None])
    sheet.append(["'" + VALID, "城市低保", 3, 200, "2020-04", None])
    sheet.append([others[0], "城市低保", 3, 200, None, None])
    sheet.append([grouped(" ")(others[0]), "城市低保", 3, 200, "2020-04", None])
    sheet.append([others[1], "城市低保", 3, 200, None, "2020-03"])
    sheet.append([inserted("\u200b", 9)(others[1]), "城市低保", 3, 200, "2020-04", None])
    sheet.append([OLD_AS_NEW, "城市低保", 3, 200, None, None])
    sheet.append([int(OLD), "城市低保", 3, 200, "2020-04", None])
    sheet.append([others[2], "城市低保", 3, 200, None, None])
    sheet.cell(row=sheet.max_row, column=1).quotePrefix = True  # (typed as '370303…)
    sheet.append([others[2] + ".0", "城市低保", 3, 200, "2020-04", None])
    source = tmp_path / "花名册.xlsx"
    book.save(source)
    out = tmp_path / "out.csv"
    done = invoker()("batch", str(source), "--through", "2020-08", "-o", str(out))
    assert done.exit_code == 1
    rejected = csv_rows(tmp_path / "out.csv.errors.csv")
    assert sorted((int(row["line"]), row["reason"].split(" with")[0]) for row in rejected) == [
        (row, f"same id as row {row + (1 if row % 2 == 0 else -1)}")
        for row in (2, 3, 4, 5, 8, 9, 10, 11)]
    # Covered to 2020-03 and from 2020-04: both paid, one id in the output.
    assert [row["身份证号"] for row in csv_rows(out)] == [others[1], others[1]]


# --- the lane is held to the row path, and both to the core -----------------------------


def processor(table: StandardsTable, lane_rows: int) -> ChunkProcessor:
    columns = read_header(HEADER)
    return ChunkProcessor(
        parser=RowParser(table, columns), plan=BackpayEngine(table, Month(2020, 8)),
        columns=columns, categories=list(table.categories), encoding="utf-8",
        output_encoding="utf-8", newline="\n", jsonl=False, lane_rows=lane_rows)


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 10**17 - 1), st.sampled_from(SPELLINGS)),
                min_size=1, max_size=8))
def test_the_lane_and_the_row_path_write_one_id_for_every_spelling(
        table: StandardsTable, drawn: list[tuple[int, Spelling]]) -> None:
    # Each ID number as written canonically (the lane takes it) and as spelled (the lane
    # hands it to the row path): one digest, one id written, by either path.
    found = [(ident, spell(ident)) for body, (_, spell, fits) in drawn
             if fits(ident := f"{body:017d}" + ric.calc_check_digit(f"{body:017d}0"))]
    assume(found)
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(
        [written, "urban-dibao", "3", "200", "", ""] for pair in found for written in pair)
    lane, rows_path = (processor(table, lane_rows).process(2, text.getvalue().encode())
                       for lane_rows in (0, 1 << 30))
    assert lane.output == rows_path.output
    assert lane.ids.tolist() == rows_path.ids.tolist() == [
        id_digest(ident) for ident, _ in found for _ in range(2)]
    assert lane.rejections == rows_path.rejections == []
    assert [row[0] for row in csv.reader(lane.output.decode().splitlines())] == [
        ident for ident, _ in found for _ in range(2)]


@settings(max_examples=40)
@given(st.integers(0, 10**17 - 1), st.sampled_from(SPELLINGS), st.sampled_from(SPELLINGS),
       st.booleans())
def test_any_two_spellings_in_a_roster_are_one_person(
        tmp_path_factory: pytest.TempPathFactory, body: int, first: Spelling,
        second: Spelling, overlapping: bool) -> None:
    # Whichever spelling comes first: with overlapping coverage, a possible double
    # payment (both rows rejected, each naming the other, as for any doubled id);
    # without, both paid under the one canonical id.
    ident = f"{body:017d}" + ric.calc_check_digit(f"{body:017d}0")
    assume(first[2](ident) and second[2](ident))
    tmp_path = tmp_path_factory.mktemp("spellings")
    code, written, rejected = run_csv(tmp_path, [
        [first[1](ident), "urban-dibao", "3", "200", "", "" if overlapping else "2020-03"],
        [second[1](ident), "urban-dibao", "3", "200", "2020-04", ""]])
    if overlapping:
        assert code == 1
        assert [(row["line"], row["reason"].split(" with")[0]) for row in rejected] == [
            ("2", "same id as line 3"), ("3", "same id as line 2")]
        assert written == []
    else:
        assert (code, rejected) == (0, [])
        assert [row["id"] for row in written] == [ident, ident]
