"""The clerks' page (issue 20): the same answers as the command line, hostile requests
refused, and a real browser filling the form, printing the 计算单 and running a roster."""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import time
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import openpyxl
import pytest
from click.testing import CliRunner
from httpx2 import Response
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from helpers import Serving, page_client

if TYPE_CHECKING:
    from pypdf import PageObject
from welfare_calc.cli import cli
from welfare_calc.core import fields
from welfare_calc.core.errors import WelfareCalcError
from welfare_calc.core.money import RoundingPoint
from welfare_calc.standards.loader import load_standards
from welfare_calc.web.app import CASE_FIELDS, FORM_FIELDS, Served
from welfare_calc.web.results import Results

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "households.csv"


def client(token: str | None = None, max_upload: int = 10 << 20) -> TestClient:
    """The page; with ``token``, requests carry nothing unless told (a hostile caller)."""
    if token is None:
        return page_client(max_upload=max_upload)
    return page_client(token=token, carry=False, max_upload=max_upload)


@pytest.fixture(scope="module")
def page() -> TestClient:
    return client()


def cli_json(*args: str) -> object:
    done = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def same_as_cli(answer: object, *args: str) -> None:
    """The API's answer is the command line's JSON, or its refusal in the same words."""
    done = CliRunner().invoke(cli, [*args, "--format", "json"])
    status, body = answer.status_code, answer.json()  # type: ignore[attr-defined]
    if done.exit_code == 0:
        assert (status, body) == (200, json.loads(done.stdout))
    else:
        assert status == 400, body
        assert body["error"] in done.stderr, (body, done.stderr)


households = st.fixed_dictionaries({
    "category": st.sampled_from(["urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun",
                                 "城市低保"]),
    "persons": st.integers(1, 8).map(str),
    # (left out now and then: the command line's default, 0, on the page as on the CLI)
    "income": st.just("") | st.integers(0, 80_000).map(lambda fen: f"{Decimal(fen) / 100:.2f}"),
    "start": st.sampled_from(["", "2019-11", "2020-03"]),
    "end": st.sampled_from(["", "2020-05", "2020-12"]),
    "supplement": st.sampled_from(["", "50.00", "20%"]),
})


@given(households, st.sampled_from(["2020-08", "2020-06"]), st.booleans())
def test_the_api_says_what_the_command_line_says(page: TestClient, house: dict[str, str],
                                                 through: str, explain: bool) -> None:
    options = [word for key, value in house.items() if value for word in (f"--{key}", value)]
    extra = ["--explain"] if explain else []
    answer = page.post("/api/backpay", json={**house, "through": through, "explain": explain})
    same_as_cli(answer, "backpay", *options, "--through", through, *extra)
    answer = page.post("/api/entitlement", json={**house, "month": "2020-07",
                                                 "explain": explain})
    same_as_cli(answer, "entitlement", *options, "--month", "2020-07", *extra)


@given(households)
def test_the_page_shows_the_command_lines_figures(page: TestClient,
                                                  house: dict[str, str]) -> None:
    shown = page.post("/", data={**house, "through": "2020-08"})
    done = CliRunner().invoke(cli, ["backpay", *[word for key, value in house.items() if value
                                                 for word in (f"--{key}", value)],
                                    "--through", "2020-08", "--format", "json"])
    if done.exit_code:  # refused: beside its field, in the command line's words
        assert shown.status_code == 400
        message = re.search(r'<p class="error" id="\w+-error" role="alert">([^<]*)</p>',
                            shown.text)
        assert message is not None
        assert html.unescape(message.group(1)) in done.stderr
        return
    assert shown.status_code == 200, shown.text
    figures = json.loads(done.stdout)
    cells = dict(re.findall(r"<tr><th>([^<]*)</th><td>([^<]*)</td></tr>", shown.text))
    assert cells["增补金额（元）"] == figures["backpay"]
    assert cells["按新标准应发（元）"] == figures["due"]


def test_a_wrong_field_is_marked_beside_it_and_nothing_typed_is_lost(page: TestClient) -> None:
    shown = page.post("/", data={"category": "urban-dibao", "persons": "0", "income": "12.345",
                                 "through": "2020-8x", "start": "2020-05", "end": "2020-02"})
    assert shown.status_code == 400
    errors = dict(re.findall(r'<p class="error" id="(\w+)-error" role="alert">([^<]*)</p>',
                             shown.text))
    assert set(errors) == {"persons", "income", "through", "start"}
    assert "保障人数 0：每户至少 1 人" in errors["persons"]
    assert 'value="12.345"' in shown.text
    assert 'value="2020-8x"' in shown.text


@pytest.mark.parametrize(("body", "field"), [
    ({"category": "nope", "persons": 1, "through": "2020-08"}, "category"),
    ({"category": "urban-dibao", "persons": "x", "through": "2020-08"}, "persons"),
    ({"category": "urban-dibao", "persons": 1}, "through"),
    ({"category": "urban-dibao", "persons": 1, "through": "2020-08", "colour": 1}, "colour"),
    # A field the call does not read is refused, never ignored.
    ({"category": "urban-dibao", "persons": 1, "through": "2020-08", "year": 2020}, "year"),
    ({"category": "urban-dibao", "persons": 1, "through": "2020-08", "rounding": "monthly"},
     "rounding"),
])
def test_a_bad_field_is_400_in_the_cores_words(page: TestClient, body: dict[str, object],
                                               field: str) -> None:
    answer = page.post("/api/backpay", json=body)
    assert answer.status_code == 400
    assert answer.json()["field"] == field
    assert answer.json()["error"]


FULL_CALL = {"category": "urban-dibao", "persons": "2", "income": "150", "start": "2020-03",
             "end": "2020-11", "supplement": "50", "paid": "9000", "rounding": "total",
             "month": "2020-05", "through": "2020-08", "raise": "2020-01"}
"""A call giving every field the page's form and API read, each accepted (but ``care``, a
tier of tekun in months with care standards, which ``FULL_CALL``'s months have none of:
the page's care tests are their own)."""


PAGE_NAMES = {"named_raise": "raise", "case_name": "name", "case_id": "id",
              "case_locality": "locality"}
"""The command line's parameter names that the page names otherwise (``--raise``, whose
parameter cannot be called ``raise`` in Python; ``--name``, ``--id`` and ``--locality``,
whose parameters say they are the case's)."""


@pytest.mark.parametrize("category", ["urban-dibao", "rural-tekun"])
@pytest.mark.parametrize("command", ["backpay", "entitlement"])
def test_a_field_the_command_line_may_leave_out_the_page_may_too(
        page: TestClient, command: str, category: str) -> None:
    # Every option of the command that is not required, named as a field of the page's
    # form and API, is left out in turn: the API answers as the command line does
    # without it, and the form computes (income: 0 by default, which tekun ignores).
    options = [param for param in cli.every_command()[command].params
               if isinstance(param, click.Option) and param.name is not None]
    fields_read = {PAGE_NAMES.get(str(param.name), param.name) for param in options
                   if PAGE_NAMES.get(str(param.name), param.name) in FORM_FIELDS}
    optional = {PAGE_NAMES.get(str(param.name), param.name) for param in options
                if not param.required} & fields_read
    # (year is the command line's alone: the page asks for a month, whose year it is; whose
    # case it is, the form's alone, printed on the sheet: never data the API answers with)
    assert {PAGE_NAMES.get(str(param.name), param.name) for param in options} - fields_read == {
        "explain", "lang", "fmt", *CASE_FIELDS,
        *(["detail"] if command == "backpay" else ["year"])}
    form = page.get("/").text
    assert all(f'name="{name}"' in form for name in (*FORM_FIELDS, *CASE_FIELDS))
    assert optional == {"income", "start", "end", "supplement", "care", "rounding",
                        *(["paid", "raise"] if command == "backpay" else ["month"])}
    call = {name: value for name, value in FULL_CALL.items() if name in fields_read}
    call["category"] = category
    if category.endswith("tekun"):
        del call["supplement"]  # (tekun has none: refused alike, not what is tested here)
    for left_out in sorted(optional & set(call)):
        given = {name: value for name, value in call.items() if name != left_out}
        answer = page.post(f"/api/{command}", json=given)
        same_as_cli(answer, command, *[word for name, value in given.items()
                                       for word in (f"--{name}", value)])
        assert answer.status_code == 200, (left_out, answer.json())
        if command == "backpay":
            shown = page.post("/", data=given)
            assert shown.status_code == 200, (left_out, shown.text)


CASE = {"name": "欧阳秀英", "id": "11010519000101001X", "locality": "周村区萌水镇萌水村"}
HOUSE = {"category": "urban-dibao", "persons": "3", "income": "200", "through": "2020-08"}


def visible(text: str) -> str:
    """A page's text as a person reads it: no tags, no attribute (an option's value is
    read by the form, never by the clerk)."""
    return html.unescape(re.sub(r"<[^>]*>", " ", re.sub(r"(?s)<script.*?</script>", "", text)))


def test_the_sheet_says_whose_case_it_is_and_keeps_none_of_it(
        page: TestClient, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    shown = page.post("/", data={**HOUSE, **CASE})
    assert shown.status_code == 200
    # On the sheet, each under its name, as typed; in the form, to be changed.
    assert shown_table(shown.text, "case") == [["户主姓名", CASE["name"], "身份证号", CASE["id"],
                                                "属地", CASE["locality"]]]
    for name, value in CASE.items():
        assert f'name="{name}" type="text" value="{value}"' in shown.text
    # The browser is asked not to keep them for its suggestions; no page is cached.
    assert shown.text.count('autocomplete="off"') == 3
    assert shown.headers["cache-control"] == "no-store"
    # No log record and no line on the console holds them.
    said = capfd.readouterr()
    for value in CASE.values():
        assert value not in said.out + said.err
        assert all(value not in record.getMessage() for record in caplog.records)
    # Not given: the sheet keeps their places, blank, to be filled in by hand.
    blank = page.post("/", data=HOUSE)
    assert shown_table(blank.text, "case") == [["户主姓名", "", "身份证号", "", "属地", ""]]
    # Never the household's: the figures are the same with them as without.
    assert shown_table(shown.text, "months") == shown_table(blank.text, "months")
    assert page.post("/api/backpay", json={**HOUSE, "name": CASE["name"]}).json()["field"] == "name"


@pytest.mark.parametrize(("typed", "said"), [
    pytest.param("110105190001010011", "身份证号码未通过 GB 11643 校验（最后一位应为 X）",
                 id="a wrong check digit"),
    pytest.param("1101051900010100111", "有 19 位", id="a digit typed twice"),
    pytest.param("2020001", "不是居民身份证号码", id="a case number"),
])
def test_an_id_that_is_no_id_number_is_said_beside_it_and_the_sheet_stands(
        page: TestClient, typed: str, said: str) -> None:
    shown = page.post("/", data={**HOUSE, "id": typed})
    assert shown.status_code == 200  # (a typo told, never a refusal)
    warning = re.search(r'<p class="warning" id="id-warning" role="status">([^<]*)</p>',
                        shown.text)
    assert warning is not None
    assert said in warning.group(1)
    assert warning.group(1).endswith("；计算单上照录所填")
    assert shown_table(shown.text, "case")[0][3] == typed
    assert 'id="answer"' in shown.text
    good = page.post("/", data={**HOUSE, "id": " 110105 19000101 001x "})
    assert 'class="warning"' not in good.text
    # Beside a wrong field of the household too: the form is refused for that, not the id.
    wrong = page.post("/", data={**HOUSE, "persons": "0", "id": typed})
    assert wrong.status_code == 400
    assert 'id="id-warning"' in wrong.text
    assert 'id="answer"' not in wrong.text


def test_the_asked_for_figure_comes_first_and_the_months_under_it(page: TestClient) -> None:
    shown = page.post("/", data=HOUSE).text
    figures = cli_json("backpay", "-c", "urban-dibao", "-n", "3", "--income", "200",
                       "--through", "2020-08", "--detail")
    assert isinstance(figures, dict)
    answer = re.findall(r'<div class="figure([^"]*)">\s*<p class="what">([^<]*)</p>\s*'
                        r'<p class="amount"><strong>([^<]*)</strong>', shown)
    assert answer[0] == (" asked", "提标增补金额", figures["backpay"])
    assert [title for _, title, _ in answer[1:]] == ["2020-01 月发放合计", "2020 年度保障金"]
    # The answer comes before the month table, which comes before every other figure.
    assert shown.index('id="answer"') < shown.index('class="months"') < shown.index(
        'class="figures')
    months = shown_table(shown, "months")
    assert months[0] == ["月份", "原标准（元/人·月）", "新标准（元/人·月）", "已发金额（元）",
                         "应发金额（元）", "差额（元）"]
    # (JSON, for scripts, always has the care columns; a person sees them only for a
    # category paid care standards, which urban dibao is not)
    assert months[1:] == [[value for key, value in row.items() if not key.startswith("care_")]
                          for row in figures["months_detail"]]
    # Without a back-pay asked for, the month's amount is the answer.
    alone = page.post("/", data={**HOUSE, "through": "", "month": "2020-05"}).text
    assert re.search(r'<div class="figure asked">\s*<p class="what">2020-05 月发放合计</p>\s*'
                     r'<p class="amount"><strong>1380.00</strong>', alone)
    assert 'class="months"' not in alone


def test_the_month_not_asked_for_is_shown_but_not_printed(page: TestClient) -> None:
    # A back-pay's sheet is that back-pay's: the month shown by default (2020-01 for a 2024
    # back-pay) is on the screen, not on the printed sheet; a month asked for is on both.
    shown = page.post("/", data={**HOUSE, "through": "2024-03"}).text
    assert 'class="part screen-only"' in shown
    assert shown.count("figure screen-only") == 2
    asked = page.post("/", data={**HOUSE, "through": "2024-03", "month": "2024-02"}).text
    assert 'class="part screen-only"' not in asked
    assert "figure screen-only" not in asked
    assert "2024-02 月发放合计" in asked


def test_a_sheet_cites_its_own_notice_and_none_says_none(page: TestClient) -> None:
    # The 计算单 of a 2020 back-pay rests on the 2020 notice, not on the table's latest
    # (which it named, 淄民〔2024〕10号《None》: a notice whose title is not known).
    sheet = page.post("/", data=HOUSE).text.split('class="sheet"', 1)[1]
    sources = re.findall(r'<p class="source">([^<]*)</p>', sheet)
    assert sources == ["依据：周政办字〔2020〕29号《周村区人民政府办公室关于提高全区城乡居民"
                       "最低生活保障和城乡特困救助供养标准的通知》"]
    later = page.post("/", data={**HOUSE, "through": "2024-03", "month": "2024-02"}).text
    assert re.findall(r'<p class="source">([^<]*)</p>', later) == ["依据：淄民〔2024〕10号"]
    for text in (later, page.get("/standards").text):
        assert "None" not in visible(text)


@pytest.mark.parametrize("path", ["/", "/standards"])
def test_the_chinese_page_shows_words_not_ids(page: TestClient, path: str) -> None:
    text = (page.post(path, data={**HOUSE, "rounding": "household-month", "paid": "9000"})
            if path == "/" else page.get(path)).text
    seen = visible(text)
    for key in ("urban-dibao", "rural-tekun", "yuan/person/month", "yuan/person/year",
                "household-month", "computed", "given"):
        assert key not in seen, key
    if path == "/":
        assert "按户按月舍入到分" in seen
        assert "按实际已发金额" in seen
        assert 'value="household-month" selected' in text  # (what the form sends: the id)
        assert ">城市低保</option>" in text
    else:
        assert "元/人·年" in seen
    # English keeps the ids, which read as English.
    other = client()  # (?lang= is kept in a cookie: not in the module's client)
    english = other.post("/?lang=en", data=HOUSE).text if path == "/" else other.get(
        path + "?lang=en").text
    assert "yuan/person/month" in visible(english)


@pytest.mark.parametrize("typed", ["monthly", "Total", "household month"])
def test_a_rounding_point_is_one_the_table_knows(page: TestClient, typed: str) -> None:
    # The page's choice is the core's reader's (the command line's is the same reading).
    with pytest.raises(WelfareCalcError, match="不是舍入方式；请选 household-month 或 total"):
        fields.read_rounding(typed)
    assert fields.read_rounding(" total ") is RoundingPoint.TOTAL
    assert fields.read_rounding("") is None
    shown = page.post("/", data={"category": "urban-dibao", "persons": "1", "income": "0",
                                 "through": "2020-08", "rounding": typed})
    assert shown.status_code == 400
    assert "不是舍入方式" in shown.text


def test_hostile_requests_are_refused() -> None:
    page = client(token="s3cret-token-of-the-office")
    assert page.get("/").status_code == 403  # no token
    assert page.get("/", headers={"x-welfare-calc-token": "wrong-token-wrong-token"}
                    ).status_code == 403
    # The link serve opens: the token kept in a cookie, and the browser sent on without it.
    opened = page.get("/?token=s3cret-token-of-the-office", follow_redirects=False)
    assert (opened.status_code, opened.headers["location"]) == (303, "/")
    assert "HttpOnly" in opened.headers["set-cookie"]
    assert page.get("/standards").status_code == 200  # the cookie carries it now
    # DNS rebinding: another name pointed at this server.
    assert page.get("/", headers={"host": "evil.example:8000"}).status_code == 400
    # A form posted from another site.
    assert page.post("/", data={"persons": "1"},
                     headers={"origin": "http://evil.example"}).status_code == 403
    assert page.post("/api/backpay", json={}, headers={"sec-fetch-site": "cross-site"}
                     ).status_code == 403
    answer = page.get("/standards")
    assert "access-control-allow-origin" not in answer.headers
    assert "default-src 'self'" in answer.headers["content-security-policy"]


def test_an_oversize_roster_is_413(tmp_path: Path) -> None:
    page = client(max_upload=1000)
    answer = page.post("/roster", files={"file": ("r.csv", b"x" * 5000, "text/csv")},
                       data={"through": "2020-08"})
    assert answer.status_code == 413
    assert "文件过大" in answer.text


LINK = re.compile(r'href="(/roster/result/[\w-]+/(\w+))"')
"""A download link on the page after a roster: its address, and which file (result,
errors)."""


def uploaded(page: TestClient, name: str, data: bytes, **fields: str | list[str]
             ) -> tuple[Response, dict[str, bytes]]:
    """A roster posted as the page's form posts it: the page answered, and each file its
    links download."""
    answer = page.post("/roster", files={"file": (name, data, "text/csv")},
                       data={"through": "2020-08", **fields})
    return answer, {which: page.get(address).content
                    for address, which in LINK.findall(answer.text)}


def shown_table(text: str, kind: str) -> list[list[str]]:
    """The rows of the page's first ``<table class="kind">`` (header, body, foot), as the
    cells' texts."""
    found = re.search(rf'<table class="{kind}">(.*?)</table>', text, re.S)
    assert found is not None, kind
    return [[html.unescape(cell) for cell in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)]


def counts(text: str) -> list[int]:
    """The page's rows read, written and rejected, as it shows them."""
    return [int(number) for number in re.findall(
        r"(?:读取|写出|拒收) <strong>(\d+)</strong> 行", text)]


def cli_batch(tmp_path: Path, source: Path, *options: str, output: str = "result.csv"
              ) -> tuple[dict[str, Any], Path, Path]:
    """``welfare-calc batch`` run on a copy of ``source`` as the page runs it: its summary
    JSON, its result and its errors file."""
    local = tmp_path / source.name
    shutil.copy(source, local)
    os.chdir(tmp_path)
    done = CliRunner().invoke(cli, ["batch", source.name, "--through", "2020-08", "-o", output,
                                    "--errors", "errors.csv", "--summary", "summary.json",
                                    *options])
    assert done.exit_code in (0, 1), done.output
    return (json.loads((tmp_path / "summary.json").read_text(encoding="utf-8")),
            tmp_path / output, tmp_path / "errors.csv")


def test_a_roster_upload_gives_the_command_lines_bytes(page: TestClient, tmp_path: Path
                                                       ) -> None:
    answer, files = uploaded(page, "households.csv", EXAMPLE.read_bytes(), output="csv")
    assert answer.status_code == 200
    _, result, errors = cli_batch(tmp_path, EXAMPLE, "--excel")
    assert files == {"result": result.read_bytes(), "errors": errors.read_bytes()}
    answer, files = uploaded(page, "households.csv", EXAMPLE.read_bytes())
    # A workbook holds its rejected rows as its 问题行 sheet: one link.
    assert list(files) == ["result"]
    sheets = openpyxl.load_workbook(io.BytesIO(files["result"])).sheetnames
    assert sheets == ["结果", "汇总", "问题行"]
    download = page.get(LINK.findall(answer.text)[0][0])
    assert download.headers["content-disposition"].endswith(
        "filename*=UTF-8''households-%E5%A2%9E%E8%A1%A5.xlsx")  # households-增补.xlsx


def test_a_roster_upload_says_how_it_went(page: TestClient, tmp_path: Path) -> None:
    # 13 of 28 rows refused: the page says so, with each one's line, id and reason, and
    # the totals by category, as the command line's summary and errors file say them.
    answer, _ = uploaded(page, "households.csv", EXAMPLE.read_bytes())
    assert answer.status_code == 200
    summary, _, errors = cli_batch(tmp_path, EXAMPLE, output="result.xlsx")
    assert counts(answer.text) == [28, 15, 13] == [
        summary["rows_read"], summary["rows_written"], summary["rows_rejected"]]
    table = load_standards(None).table
    by_category = shown_table(answer.text, "totals by-category")
    assert by_category[0] == ["保障类别", "户数", "人数", "增补金额（元）", "多发金额（元）",
                              "因提标新纳入（户）"]
    assert by_category[1:] == [
        *([table.categories[key].short_zh, str(summary["households_by_category"][key]),
           str(summary["persons_by_category"][key]), amount,
           summary["overpaid_by_category"][key], str(summary["newly_eligible_by_category"][key])]
          for key, amount in summary["backpay_by_category"].items()),
        ["合计", "15", "22", "7975.24", "720.00", "2"]]
    with errors.open(encoding="utf-8-sig", newline="") as handle:
        refused = [[row["line"], row["id"], row["reason"]] for row in csv.DictReader(handle)]
    assert len(refused) == 13
    assert shown_table(answer.text, "rejected") == [["行号", "编号", "原因"], *refused]
    assert "问题行：拒收 13 行，未写入结果" in answer.text
    assert "全部拒收行见结果工作簿的“问题行”工作表。" in answer.text


def test_the_office_and_the_group_columns_reach_the_batch(page: TestClient,
                                                          tmp_path: Path) -> None:
    town = ROOT / "examples" / "town_roster.csv"
    answer, files = uploaded(page, "town_roster.csv", town.read_bytes(), office="周村区民政局",
                             group_by=["乡镇（街道）", "村（社区）"])
    assert answer.status_code == 200, answer.text
    summary, result, _ = cli_batch(tmp_path, town, "--office", "周村区民政局", "--group-by",
                                   "乡镇（街道）", "--group-by", "村（社区）",
                                   output="result.xlsx")
    by_group = shown_table(answer.text, "totals by-group")
    assert by_group[0][0] == "分组"
    assert by_group[1:-1] == [[" / ".join(group["group"]), str(group["households"]),
                               str(group["persons"]), group["backpay"], group["overpaid"],
                               str(group["newly_eligible"])] for group in summary["groups"]]
    assert by_group[1][0] == "青年路街道 / 丝市社区"
    assert by_group[-1][:4] == ["合计", "10", "19", summary["backpay_total"]]

    def cells(book: bytes | Path) -> list[object]:
        sheets = openpyxl.load_workbook(io.BytesIO(book) if isinstance(book, bytes) else book)
        return [cell for sheet in sheets for row in sheet.iter_rows(values_only=True)
                for cell in row if cell is not None]

    shown = cells(files["result"])
    assert any("制表单位：周村区民政局" in str(cell) for cell in shown)
    # (the same documents as the command line's, but for the day and time they were made)
    assert len(shown) == len(cells(result))
    # What was typed stays in the form, for the next roster.
    assert 'value="周村区民政局"' in answer.text
    assert 'id="group_by_2" name="group_by" type="text" value="村（社区）"' in answer.text


@pytest.mark.parametrize(("fields", "said"), [
    pytest.param({"office": "周村区民政局", "output": "csv"},
                 "制表单位印在工作簿的文书上：请将结果文件选为 Excel，或不填制表单位",
                 id="an office for a CSV result"),
    pytest.param({"office": "周村区\n民政局"}, "制表单位含有非文字字符",
                 id="an office holding a line break"),
    pytest.param({"group_by": ["乡镇（街道）", "村\t社区"]}, "分组列 '村?社区' 含有非文字字符",
                 id="a second group column holding a tab"),
    pytest.param({"group_by": ["门牌号"]}, "--group-by 门牌号", id="a column the roster lacks"),
])
def test_the_rosters_options_are_refused_in_words(page: TestClient, fields: dict[str, str],
                                                   said: str) -> None:
    town = ROOT / "examples" / "town_roster.csv"
    answer, files = uploaded(page, "town_roster.csv", town.read_bytes(), **fields)
    assert answer.status_code == 400
    assert files == {}
    message = re.search(r'id="roster-error">([^<]*)<', answer.text)
    assert message is not None
    assert said in html.unescape(message.group(1))


def test_a_result_is_kept_for_its_link_a_while_and_nothing_else_is(tmp_path: Path) -> None:
    now = [0.0]
    served = Served(load_standards(None), None, 10 << 20, 120.0,
                    results=Results(seconds=600, most=2, clock=lambda: now[0]))
    page = page_client(served)
    answer, _ = uploaded(page, "households.csv", EXAMPLE.read_bytes(), output="csv")
    (kept,) = served.results.kept.values()
    # The upload and the summary went once read; the result and the 问题行 wait for their
    # links, in the roster's private folder.
    assert sorted(path.name for path in kept.folder.iterdir()) == ["errors.csv", "result.csv"]
    assert oct(kept.folder.stat().st_mode & 0o777) == "0o700"
    address = LINK.findall(answer.text)[0][0]
    assert page.get(address).status_code == 200
    assert page.get(address, headers={"x-welfare-calc-token": "not-the-token-0123456"}
                    ).status_code == 403
    assert page.get(address.rsplit("/", 1)[0] + "/nothing").status_code == 404
    # Past its time: gone, folder and all, and the link says so.
    now[0] = 601.0
    gone = page.get(address)
    assert gone.status_code == 404
    assert "该结果已不再保留" in gone.text
    assert not kept.folder.exists()
    # At most `most` kept: the oldest goes first.
    for _ in range(3):
        uploaded(page, "households.csv", EXAMPLE.read_bytes())
        now[0] += 1
    assert len(served.results.kept) == 2
    folders = [entry.folder for entry in served.results.kept.values()]
    served.results.clear()
    assert not any(folder.exists() for folder in folders)


def test_an_unusable_roster_gives_the_batchs_message(page: TestClient) -> None:
    answer = page.post("/roster", files={"file": ("r.csv", b"a,b\n1,2\n", "text/csv")},
                       data={"through": "2020-08"})
    assert answer.status_code == 400
    assert "r.csv：第 1 行：缺少 编号、保障类别" in answer.text, answer.text


PROVINCIAL = ROOT / "examples" / "provincial_roster.csv"


def gbk_roster(path: Path) -> Path:
    """The provincial roster (Chinese headers and names) as Excel saves "CSV (逗号分隔)" on
    Chinese Windows: GBK, CRLF."""
    path.write_bytes(PROVINCIAL.read_text(encoding="utf-8").replace("\n", "\r\n")
                     .encode("gbk"))
    return path


def test_a_gbk_roster_uploaded_is_read_as_the_command_line_reads_it(page: TestClient,
                                                                    tmp_path: Path) -> None:
    source = gbk_roster(tmp_path / "名册.csv")
    answer, files = uploaded(page, "名册.csv", source.read_bytes(), output="csv")
    assert answer.status_code == 200, answer.text
    assert "文件编码：GB18030" in answer.text
    done = CliRunner().invoke(cli, ["batch", str(source), "--through", "2020-08", "-o",
                                    str(tmp_path / "result.csv"), "--errors",
                                    str(tmp_path / "errors.csv"), "--excel"])
    assert done.exit_code == 0
    assert files["result"] == (tmp_path / "result.csv").read_bytes()
    first = next(csv.DictReader(io.StringIO(files["result"].decode("utf-8-sig"))))
    assert (first["户主姓名"], first["身份证号"], first["账号"]) == (
        "张秀英", "11010519000101001X", "6230000000000001\t")  # (an account kept as text)
    book, files = uploaded(page, "名册.csv", source.read_bytes())
    assert book.status_code == 200
    fund = openpyxl.load_workbook(io.BytesIO(files["result"]))["汇总"]
    assert "文件编码：GB18030" in [row[0] for row in fund.iter_rows(values_only=True)]


def test_bytes_that_are_no_text_are_refused_on_the_page(page: TestClient) -> None:
    noise = b"id,category,persons,income,start,end\n" + bytes(range(128, 256)) * 8
    answer = page.post("/roster", files={"file": ("r.csv", noise, "text/csv")},
                       data={"through": "2020-08"})
    assert answer.status_code == 400
    assert "UTF-8" in answer.text  # (in the page's language: each names the encodings tried)
    assert "GB18030" in answer.text


def test_no_page_names_an_external_address(page: TestClient) -> None:
    for path in ("/", "/roster", "/payroll", "/standards", "/static/page.css",
                 "/static/roster.js"):
        text = page.get(path).text
        assert not re.search(r"(src|href)=\"?(https?:)?//", text), path
        assert "http://" not in text, path
        assert "https://" not in text, path


# --- a real browser -------------------------------------------------------------------

CHROMIUM = next((path for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser",
                                   shutil.which("chromium") or "") if path and
                 Path(path).exists()), None)
needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (Debian: apt-get install chromium "
                             "fonts-noto-cjk); the browser tests did not run")


@needs_browser
def test_a_clerk_computes_prints_and_runs_a_roster(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415
    from pypdf import PdfReader  # noqa: PLC0415

    shots = Path(os.environ.get("WELFARE_CALC_SCREENSHOTS", tmp_path))
    served = tmp_path / "serve"
    with Serving(served) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        # (a 1366×768 screen: an office PC's, which the answer must be in view on)
        tab = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                               accept_downloads=True)
        # The page serve opens: a file that sends the browser on to the address with its
        # token, which the server keeps in a cookie, sending the browser on without it.
        opener = next(server.tmp.glob("welfare-calc-serve-*/*/open.html"))
        tab.goto(opener.as_uri())
        tab.wait_for_url(server.base + "/")
        tab.get_by_label("保障类别").select_option("urban-dibao")
        tab.get_by_label("保障人数").fill("3")
        tab.get_by_label("家庭月人均收入（元）").fill("200")
        tab.get_by_label("按原标准发放截至（YYYY-MM）").fill("2020-08")
        tab.get_by_label("户主姓名").fill(CASE["name"])
        tab.get_by_label("身份证号").fill(CASE["id"])
        tab.get_by_label("属地（乡镇、村）").fill(CASE["locality"])
        with tab.expect_navigation():
            tab.get_by_role("button", name="计算", exact=True).click()
        # The back-pay asked for: first, emphasised, in view, and the months under it.
        asked = tab.locator(".figure.asked")
        expect(asked).to_be_in_viewport()
        expect(asked.locator(".what")).to_have_text("提标增补金额")
        expect(asked.locator(".amount strong")).to_have_text("1440.00")
        expect(tab.locator("table.months tbody tr")).to_have_count(8)
        expect(tab.locator("table.months")).to_be_in_viewport()
        figures = dict(zip(tab.locator("table.figures th").all_inner_texts(),
                           tab.locator("table.figures td").all_inner_texts(), strict=True))
        assert figures["增补金额（元）"] == "1440.00"
        assert figures["舍入方式"] == "按户按月舍入到分"
        tab.screenshot(path=str(shots / "page-household.png"))
        # Printed: one A4 page, whose case, the figures, the notice and the sign-off.
        pdf = tmp_path / "计算单.pdf"
        tab.pdf(path=str(pdf), prefer_css_page_size=True)
        pages = PdfReader(pdf).pages
        assert len(pages) == 1
        assert (float(pages[0].mediabox.width), float(pages[0].mediabox.height)) == (
            pytest.approx(595.3, abs=1), pytest.approx(841.9, abs=1))  # A4
        # (NFKC: the PDF's text may spell 人 with its Kangxi radical ⼈)
        text = unicodedata.normalize("NFKC", pages[0].extract_text())
        for shown in (*CASE.values(), "1440.00", "周政办字〔2020〕29号", "经办人", "审核人",
                      "负责人", "日期", "公章"):
            assert shown in text, shown
        # (页 may come out as the radical ⻚, which NFKC leaves alone)
        assert re.search(r"第 1 \S 共 1 \S", text), text[:40]
        if shutil.which("pdftoppm") and "WELFARE_CALC_SCREENSHOTS" in os.environ:
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf),
                            str(shots / "page-sheet")], check=True)
        # A wrong field, marked beside it; the case stays typed.
        tab.get_by_label("保障人数").fill("0")
        with tab.expect_navigation():
            tab.get_by_role("button", name="计算", exact=True).click()
        assert "每户至少 1 人" in tab.locator("#persons-error").inner_text()
        expect(tab.get_by_label("户主姓名")).to_have_value(CASE["name"])
        # A roster with bad rows: how it went, on the page, the 问题行 listed; the result
        # downloaded by its link.
        tab.goto(server.base + "/roster")
        tab.get_by_label("花名册文件（CSV 或 Excel 工作簿）").set_input_files(str(EXAMPLE))
        tab.get_by_role("button", name="上传并计算").click()
        result = tab.locator("#result")
        expect(result).to_be_visible(timeout=60_000)
        expect(result.locator(".counts")).to_have_text(re.compile(
            r"读取\s*28\s*行\s*写出\s*15\s*行\s*拒收\s*13\s*行"))
        expect(tab.locator("table.by-category tfoot td").nth(2)).to_have_text("7975.24")
        rejected = tab.locator("table.rejected tbody tr")
        expect(rejected).to_have_count(13)
        expect(rejected.first).to_contain_text("ZC-0012")
        expect(rejected.first).to_contain_text("没有保障类别 'urban-dibo'")
        expect(tab.locator(".counts")).to_be_in_viewport()
        tab.screenshot(path=str(shots / "page-roster.png"))
        with tab.expect_download() as waiting:
            tab.get_by_role("link", name=re.compile("下载结果文件")).click()
        saved = tmp_path / waiting.value.suggested_filename
        waiting.value.save_as(saved)
        assert saved.name == "households-增补.xlsx"
        assert openpyxl.load_workbook(saved).sheetnames == ["结果", "汇总", "问题行"]
        # A roster as Chinese Windows Excel saves it (GBK): read without being told.
        tab.get_by_label("花名册文件（CSV 或 Excel 工作簿）").set_input_files(
            str(gbk_roster(tmp_path / "名册.csv")))
        tab.get_by_role("button", name="上传并计算").click()
        expect(tab.locator(".read-as")).to_contain_text("文件编码：GB18030", timeout=60_000)
        with tab.expect_download() as waiting:
            tab.get_by_role("link", name=re.compile("下载结果文件")).click()
        saved = tmp_path / waiting.value.suggested_filename
        waiting.value.save_as(saved)
        book = openpyxl.load_workbook(saved)
        assert "张秀英" in [cell for row in book["结果"].iter_rows(values_only=True)
                         for cell in row]
        tab.goto(server.base + "/standards")
        assert "周政办字〔2020〕29号" in tab.content()
        tab.screenshot(path=str(shots / "page-standards.png"), full_page=True)
        browser.close()
        code, said = server.stop()
    # Nothing the clerk typed reached the server's console, and nothing of it or of the
    # rosters is left once the server has stopped.
    assert code == 0
    for value in CASE.values():
        assert value not in server.first + said
    assert [path for path in served.rglob("*")
            if not (path.is_dir() and path.name.startswith("welfare-calc-serve"))] == []


HEAVY = {
    "12 months of 2024 and a month asked for": {
        "category": "rural-tekun", "persons": "1", "through": "2024-12", "month": "2024-06"},
    "a supplement, paid given, covered from March, a month asked for": {
        "category": "urban-dibao", "persons": "2", "income": "150", "start": "2020-03",
        "end": "2020-11", "supplement": "20%", "paid": "9000", "month": "2020-05",
        "through": "2020-12"},
    "rural dibao, yearly standards exact, rounded at the total": {
        "category": "rural-dibao", "persons": "4", "income": "37.5", "supplement": "50",
        "through": "2020-12", "month": "2020-12", "rounding": "total"},
}
"""Households whose 计算单 is long: each still fits one A4 page."""


@needs_browser
def test_a_long_sheet_fits_one_page_and_a_longer_one_is_numbered(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415
    from pypdf import PdfReader  # noqa: PLC0415

    def text(page: PageObject) -> str:
        return unicodedata.normalize("NFKC", page.extract_text())

    with Serving(tmp_path / "serve") as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        tab = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        tab.goto(server.url)
        for label, house in HEAVY.items():
            tab.goto(server.base + "/")
            for name, value in {**house, **CASE}.items():
                field = tab.locator(f"#{name}")
                if name in ("category", "rounding"):
                    field.select_option(value)
                else:
                    field.fill(value)
            with tab.expect_navigation():
                tab.get_by_role("button", name="计算", exact=True).click()
            assert tab.locator("#answer").count() == 1, label
            pdf = tmp_path / "计算单.pdf"
            tab.pdf(path=str(pdf), prefer_css_page_size=True)
            assert len(PdfReader(pdf).pages) == 1, label
        # Printed larger than the page holds (as a browser's print scale may): its pages
        # numbered, no part split, and the sign-off with the last part, never alone.
        tab.pdf(path=str(pdf), prefer_css_page_size=True, scale=1.6)
        pages = PdfReader(pdf).pages
        assert len(pages) >= 2
        for number, page in enumerate(pages, 1):
            assert re.search(rf"第 {number} \S 共 {len(pages)} \S", text(page))
        texts = [text(page) for page in pages]

        def on(words: str) -> list[int]:
            return [number for number, said in enumerate(texts) if words in said]

        # Each calculation on one page, from its title to its last line; the sign-off on
        # the last page, under the month's calculation.
        assert on("提标增补计算过程") == on("5. 增补金额") != []
        assert on("4. 2020 年度") == on("年度合计") == on("经办人") == [len(pages) - 1]
        browser.close()


def test_serve_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    serving = Serving(tmp_path)
    assert "welfare-calc serve：正在 http://127.0.0.1:" in serving.first
    time.sleep(0.5)
    assert serving.stop(signal.SIGINT) == (0, "welfare-calc serve：已停止\n")


def test_a_roster_past_the_time_limit_is_stopped_and_told() -> None:
    page = page_client(Served(load_standards(None), None, 10 << 20, 0.01))
    answer = page.post("/roster", files={"file": ("households.csv", EXAMPLE.read_bytes(),
                                                  "text/csv")}, data={"through": "2020-08"})
    assert answer.status_code == 400
    assert "计算超时" in answer.text
