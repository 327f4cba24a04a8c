"""The clerks' page (issue 20): the same answers as the command line, hostile requests
refused, and a real browser filling the form, printing the 计算单 and running a roster."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import signal
import time
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import click
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from helpers import Serving, page_client
from welfare_calc.cli import cli
from welfare_calc.core import fields
from welfare_calc.core.errors import WelfareCalcError
from welfare_calc.core.money import RoundingPoint
from welfare_calc.standards.loader import load_standards
from welfare_calc.web.app import FORM_FIELDS, Served

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


PAGE_NAMES = {"named_raise": "raise"}
"""The command line's parameter names that the page names otherwise (``--raise``, whose
parameter cannot be called ``raise`` in Python)."""


@pytest.mark.parametrize("category", ["urban-dibao", "rural-tekun"])
@pytest.mark.parametrize("command", ["backpay", "entitlement"])
def test_a_field_the_command_line_may_leave_out_the_page_may_too(
        page: TestClient, command: str, category: str) -> None:
    # Every option of the command that is not required, named as a field of the page's
    # form and API, is left out in turn: the API answers as the command line does
    # without it, and the form computes (income: 0 by default, which tekun ignores).
    options = [param for param in cli.commands[command].params
               if isinstance(param, click.Option) and param.name is not None]
    fields_read = {PAGE_NAMES.get(str(param.name), param.name) for param in options
                   if PAGE_NAMES.get(str(param.name), param.name) in FORM_FIELDS}
    optional = {PAGE_NAMES.get(str(param.name), param.name) for param in options
                if not param.required} & fields_read
    # (year is the command line's alone: the page asks for a month, whose year it is)
    assert {PAGE_NAMES.get(str(param.name), param.name) for param in options} - fields_read == {
        "explain", "lang", "fmt", *(["detail"] if command == "backpay" else ["year"])}
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


def test_a_roster_upload_gives_the_command_lines_bytes(page: TestClient, tmp_path: Path
                                                       ) -> None:
    answer = page.post("/roster", files={"file": ("households.csv", EXAMPLE.read_bytes(),
                                                  "text/csv")},
                       data={"through": "2020-08", "output": "csv"})
    assert answer.status_code == 200
    assert answer.headers["x-welfare-calc-exit"] == "1"  # rows rejected, as the CLI says
    local = tmp_path / "households.csv"
    shutil.copy(EXAMPLE, local)
    os.chdir(tmp_path)
    CliRunner().invoke(cli, ["batch", "households.csv", "--through", "2020-08", "-o",
                             "result.csv", "--errors", "errors.csv", "--excel"])
    assert answer.content == (tmp_path / "result.csv").read_bytes()
    book = page.post("/roster", files={"file": ("households.csv", EXAMPLE.read_bytes(),
                                                "text/csv")}, data={"through": "2020-08"})
    sheets = openpyxl.load_workbook(io.BytesIO(book.content)).sheetnames
    assert sheets == ["结果", "汇总", "问题行"]


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
    answer = page.post("/roster", files={"file": ("名册.csv", source.read_bytes(), "text/csv")},
                       data={"through": "2020-08", "output": "csv"})
    assert answer.status_code == 200, answer.text
    assert "GB18030" in unquote(answer.headers["x-welfare-calc-summary"])
    done = CliRunner().invoke(cli, ["batch", str(source), "--through", "2020-08", "-o",
                                    str(tmp_path / "result.csv"), "--errors",
                                    str(tmp_path / "errors.csv"), "--excel"])
    assert done.exit_code == 0
    assert answer.content == (tmp_path / "result.csv").read_bytes()
    first = next(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert (first["户主姓名"], first["身份证号"], first["账号"]) == (
        "张秀英", "11010519000101001X", "6230000000000001\t")  # (an account kept as text)
    book = page.post("/roster", files={"file": ("名册.csv", source.read_bytes(), "text/csv")},
                     data={"through": "2020-08"})
    assert book.status_code == 200
    fund = openpyxl.load_workbook(io.BytesIO(book.content))["汇总"]
    assert "文件编码：GB18030" in [row[0] for row in fund.iter_rows(values_only=True)]


def test_bytes_that_are_no_text_are_refused_on_the_page(page: TestClient) -> None:
    noise = b"id,category,persons,income,start,end\n" + bytes(range(128, 256)) * 8
    answer = page.post("/roster", files={"file": ("r.csv", noise, "text/csv")},
                       data={"through": "2020-08"})
    assert answer.status_code == 400
    assert "UTF-8" in answer.text  # (in the page's language: each names the encodings tried)
    assert "GB18030" in answer.text


def test_no_page_names_an_external_address(page: TestClient) -> None:
    for path in ("/", "/roster", "/standards", "/static/page.css", "/static/roster.js"):
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serving]:
    with Serving(tmp_path_factory.mktemp("serve")) as serving:
        yield serving


@needs_browser
def test_a_clerk_computes_prints_and_runs_a_roster(server: Serving, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415
    from pypdf import PdfReader  # noqa: PLC0415

    shots = Path(os.environ.get("WELFARE_CALC_SCREENSHOTS", tmp_path))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        tab = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN",
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
        with tab.expect_navigation():
            tab.get_by_role("button", name="计算", exact=True).click()
        figures = dict(zip(tab.locator("table.figures th").all_inner_texts(),
                           tab.locator("table.figures td").all_inner_texts(), strict=True))
        assert figures["增补金额（元）"] == "1440.00"
        tab.screenshot(path=str(shots / "page-household.png"), full_page=True)
        pdf = tmp_path / "计算单.pdf"
        tab.pdf(path=str(pdf), format="A4")
        # (NFKC: the PDF's text may spell 人 with its Kangxi radical ⼈)
        text = unicodedata.normalize("NFKC", "".join(page.extract_text()
                                                     for page in PdfReader(pdf).pages))
        assert "1440.00" in text
        assert "周政办字〔2020〕29号" in text
        assert "经办人" in text
        # A wrong field, marked beside it.
        tab.get_by_label("保障人数").fill("0")
        with tab.expect_navigation():
            tab.get_by_role("button", name="计算", exact=True).click()
        assert "每户至少 1 人" in tab.locator("#persons-error").inner_text()
        # A roster: uploaded, its workbook downloaded and opened.
        tab.goto(server.base + "/roster")
        tab.get_by_label("花名册文件（CSV 或 Excel 工作簿）").set_input_files(str(EXAMPLE))
        tab.screenshot(path=str(shots / "page-roster.png"), full_page=True)
        with tab.expect_download() as waiting:
            tab.get_by_role("button", name="上传并计算").click()
        saved = tmp_path / waiting.value.suggested_filename
        waiting.value.save_as(saved)
        assert saved.name == "households-增补.xlsx"
        assert openpyxl.load_workbook(saved).sheetnames == ["结果", "汇总", "问题行"]
        # A roster as Chinese Windows Excel saves it (GBK): read without being told.
        tab.goto(server.base + "/roster")
        tab.get_by_label("花名册文件（CSV 或 Excel 工作簿）").set_input_files(
            str(gbk_roster(tmp_path / "名册.csv")))
        with tab.expect_download() as waiting:
            tab.get_by_role("button", name="上传并计算").click()
        saved = tmp_path / waiting.value.suggested_filename
        waiting.value.save_as(saved)
        book = openpyxl.load_workbook(saved)
        assert "文件编码：GB18030" in [row[0] for row in book["汇总"].iter_rows(values_only=True)]
        assert "张秀英" in [cell for row in book["结果"].iter_rows(values_only=True)
                         for cell in row]
        tab.goto(server.base + "/standards")
        assert "周政办字〔2020〕29号" in tab.content()
        tab.screenshot(path=str(shots / "page-standards.png"), full_page=True)
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
