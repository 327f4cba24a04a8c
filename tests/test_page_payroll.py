"""The page's payroll (issue 30 §5): this month's roster and, optionally, last month's
uploaded; the 发放明细, the change roster and the bank file as download links, and how it
went on the page (counts, 合计, sent, held back, rejected rows), as the command says it."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient

from helpers import Serving, page_client

EXAMPLES = Path(__file__).parents[1] / "examples"
MAY, APRIL = EXAMPLES / "payroll_roster.csv", EXAMPLES / "payroll_roster_2024-04.csv"
LINK = re.compile(r'href="(/roster/result/[\w-]+/(\w+))"')


@pytest.fixture(scope="module")
def page() -> TestClient:
    return page_client()


def posted(page: TestClient, previous: bool = True, **fields: str) -> tuple[str, dict[str, bytes]]:
    files = {"file": ("5月花名册.csv", MAY.read_bytes(), "text/csv")}
    if previous:
        files["previous"] = ("4月花名册.csv", APRIL.read_bytes(), "text/csv")
    answer = page.post("/payroll", files=files,
                       data={"month": "2024-05", "bank_layout": "csv", **fields})
    assert answer.status_code == 200, answer.text
    return answer.text, {which: page.get(address).content
                         for address, which in LINK.findall(answer.text)}


def test_the_payroll_page_gives_the_three_documents_and_says_how_it_went(
        page: TestClient) -> None:
    text, files = posted(page, group_by="乡镇（街道）")
    assert list(files) == ["result", "changes", "bank"]
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
    for said in ("读取 8 行", "列入发放明细 5 户", "拒收 0 行", "其中发放 3 6652.00",
                 "其中待核实账号（暂不发放） 2 2523.60", "合计 5 9175.60",
                 "代发文件：3 笔，6652.00 元",
                 "新增 1 户，停发 1 户，增发 2 户，减发 1 户；合计增减 436.00 元"):
        assert said in flat, said
    book = openpyxl.load_workbook(io.BytesIO(files["result"]), read_only=True)
    assert {"变动名册", "变动统计"} <= set(book.sheetnames)
    book.close()
    changes = list(csv.DictReader(io.StringIO(files["changes"].decode("utf-8-sig"))))
    assert [row["变动类别"] for row in changes] == ["增发", "减发", "增发", "新增", "停发"]
    bank = files["bank"].decode("utf-8-sig").splitlines()
    assert bank[-1] == "合计,3,6652.00"


def test_without_last_months_roster_there_is_no_change_roster(page: TestClient) -> None:
    text, files = posted(page, previous=False)
    assert list(files) == ["result", "bank"]
    assert "与上月相比" not in text


def test_the_pipe_layout_without_an_office_is_refused_in_the_commands_words(
        page: TestClient) -> None:
    answer = page.post("/payroll", files={"file": ("5月.csv", MAY.read_bytes(), "text/csv")},
                       data={"month": "2024-05", "bank_layout": "pipe"})
    assert answer.status_code == 400
    assert "--office" in answer.text
    answer = page.post("/payroll", files={"file": ("5月.csv", MAY.read_bytes(), "text/csv")},
                       data={"month": "2024-13", "bank_layout": "csv"})
    assert answer.status_code == 400


CHROMIUM = next((path for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser",
                                   shutil.which("chromium") or "") if path and
                 Path(path).exists()), None)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
def test_a_clerk_makes_the_month_in_a_browser(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415

    shots = Path(os.environ.get("WELFARE_CALC_SCREENSHOTS", tmp_path))
    served = tmp_path / "serve"
    with Serving(served) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        tab = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                               accept_downloads=True)
        opener = next(server.tmp.glob("welfare-calc-serve-*/*/open.html"))
        tab.goto(opener.as_uri())
        tab.wait_for_url(server.base + "/")
        tab.get_by_role("link", name="每月发放").click()
        tab.get_by_label("本月花名册（CSV 或 Excel 工作簿）").set_input_files(str(MAY))
        tab.get_by_label("上月花名册（可空；给出则生成变动名册）").set_input_files(str(APRIL))
        tab.get_by_label("发放月份（YYYY-MM）").fill("2024-05")
        tab.get_by_label(re.compile("^制表单位")).fill("周村区民政局")
        tab.get_by_label("代发文件格式").select_option("pipe")
        with tab.expect_navigation():
            tab.get_by_role("button", name="上传并生成").click()
        result = tab.locator("#result")
        expect(result).to_be_visible(timeout=60_000)
        expect(result.locator(".payroll-totals tfoot")).to_contain_text("9175.60")
        expect(result.locator(".bank")).to_have_text("代发文件：3 笔，6652.00 元（等于“其中发放”）")
        expect(result.locator(".changes")).to_contain_text("合计增减 436.00 元")
        tab.screenshot(path=str(shots / "page-payroll.png"), full_page=True)
        with tab.expect_download() as waiting:
            tab.get_by_role("link", name=re.compile("下载代发文件")).click()
        saved = tmp_path / waiting.value.suggested_filename
        waiting.value.save_as(saved)
        assert saved.name == "payroll_roster-代发.txt"
        summary = saved.read_text(encoding="gbk").splitlines()[0]
        assert summary.endswith("|周村区民政局|3|6652.00")
        browser.close()
        code, _said = server.stop()
    assert code == 0
    assert [path for path in served.rglob("*")
            if not (path.is_dir() and path.name.startswith("welfare-calc-serve"))] == []
