"""With no language set (a clerk's Chinese Windows sets none), no error path says an English
sentence: every command's bad options and values, click's usage errors, a bad standards
file, the batch's unusable inputs, files it cannot write, a roster with one bad row of
each kind (its errors file, its 问题行 sheet, its closing line), the 公示 list, ``serve``,
and the page's API refusing each field.

An English sentence is a run of three English words (letters only, separated by
spaces). What a clerk types or reads as a name is no word here: a value quoted as typed
('2020-13', '--through'), an option (--through), an id or a value with a hyphen
(urban-dibao, household-month, welfare-calc), a file name or path (roster.csv), a
figure (GB 11643, 2020-08). The few technical names that may stand together are in
:data:`NAMES`. Two paths are left out, because their detail is another program's words,
quoted after ours: PyYAML's description of a YAML syntax error, and the zip or xlrd
library's description of a damaged workbook.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient

from helpers import csv_rows, invoker, page_client

ROOT = Path(__file__).parents[1]
STANDARDS_FILES = ROOT / "tests" / "standards_files"
NAMES = {"CSV", "UTF", "GBK", "Excel", "WPS", "YYYY", "MM", "DD", "GB"}
"""Names of formats, programs and placeholders a Chinese message may put side by side
("Excel 或 WPS 另存为 CSV UTF-8", "YYYY-MM"): not the words of an English sentence. (No
message of today needs them; they keep a future one from failing for a name.)"""
QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
WORD_RUN = re.compile(r"[A-Za-z]+(?:[ \t]+[A-Za-z]+){2,}")


def english_in(text: str) -> list[str]:
    """The runs of three English words or more in ``text`` (see the module's docstring)."""
    found = []
    for line in text.splitlines():
        # A token holding anything but letters (an option, an id, a path, a figure) is a
        # name, not a word: its other characters break a run, as punctuation, a Chinese
        # character or a known name does.
        letters = re.sub(r"[^A-Za-z \t]", " | ", QUOTED.sub(" | ", line))
        words = " ".join("|" if token in NAMES else token for token in letters.split())
        found += WORD_RUN.findall(words)
    return found


def test_the_detector_finds_a_sentence_and_lets_names_be() -> None:
    assert english_in("错误：cannot write to it") == ["cannot write to it"]
    assert english_in("错误：'--through' 的取值无效：'2020 is not' 不是月份，如 urban-dibao "
                      "household-month roster.csv --column KEY=表头 Excel 或 WPS CSV UTF-8 "
                      "GB 11643 YYYY-MM") == []


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> object:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE", "WELFARE_CALC_LANG",
                 "WELFARE_CALC_STANDARDS"):
        monkeypatch.delenv(name, raising=False)
    return invoker()


def said(result: object) -> str:
    """All a run wrote for a person: stderr (stdout holds data)."""
    return str(result.stderr)  # type: ignore[attr-defined]


HOUSE = ["-c", "urban-dibao", "-n", "3"]
COMMAND_ERRORS = {
    "category unknown": ["entitlement", "-c", "bogus", "-n", "1"],
    "category misspelt": ["entitlement", "-c", "urban-dibo", "-n", "1"],
    "persons not a number": ["entitlement", "-c", "urban-dibao", "-n", "x"],
    "persons zero": ["entitlement", "-c", "urban-dibao", "-n", "0"],
    "persons too many": ["entitlement", "-c", "urban-dibao", "-n", "1000"],
    "income not money": ["entitlement", *HOUSE, "--income", "abc"],
    "income three decimals": ["entitlement", *HOUSE, "--income", "1.234"],
    "income too many digits": ["entitlement", *HOUSE, "--income", "1" * 20],
    "month 13": ["entitlement", *HOUSE, "--start", "2020-13"],
    "month with a slash": ["entitlement", *HOUSE, "--start", "2020/08"],
    "year 0000": ["entitlement", *HOUSE, "--end", "0000-01"],
    "start after end": ["entitlement", *HOUSE, "--start", "2020-06", "--end", "2020-03"],
    "month after the table": ["entitlement", *HOUSE, "--month", "2021-01"],
    "month before the table": ["entitlement", *HOUSE, "--month", "2019-06"],
    "month outside coverage": ["entitlement", *HOUSE, "--start", "2020-05", "--month",
                               "2020-03"],
    "year not covered": ["entitlement", *HOUSE, "--year", "2019"],
    "year not a number": ["entitlement", *HOUSE, "--year", "abc"],
    "supplement not one": ["entitlement", *HOUSE, "--supplement", "abc"],
    "supplement not a percentage": ["entitlement", *HOUSE, "--supplement", "x%"],
    "supplement over 100%": ["entitlement", *HOUSE, "--supplement", "150%"],
    "supplement for tekun": ["entitlement", "-c", "urban-tekun", "-n", "1", "--supplement",
                             "20%"],
    "rounding unknown": ["entitlement", *HOUSE, "--rounding", "up"],
    "format unknown": ["entitlement", *HOUSE, "--format", "xml"],
    "lang unknown": ["entitlement", *HOUSE, "--lang", "fr"],
    "through missing": ["backpay", *HOUSE],
    "through before the raise": ["backpay", *HOUSE, "--through", "2019-12"],
    "through after the table": ["backpay", *HOUSE, "--through", "2021-01"],
    "paid not money": ["backpay", *HOUSE, "--through", "2020-08", "--paid", "abc"],
    "paid three decimals": ["backpay", *HOUSE, "--through", "2020-08", "--paid", "1.234"],
    "standards on no date": ["standards", "--on", "2020-13-01"],
    "standards on a later day": ["standards", "--on", "2030-01-01"],
    "no such command": ["frobnicate"],
    "no such option": ["backpay", *HOUSE, "--thruogh", "2020-08"],
    "extra arguments": ["entitlement", *HOUSE, "extra", "more"],
    "option without its value": ["entitlement", "-c"],
    "flag with a value": ["entitlement", *HOUSE, "--explain=yes"],
    "token file missing": ["serve", "--token-file", "no-such-token-file", "--no-open"],
    "token given on the command line": ["serve", "--token", "s3cret-token-of-the-office"],
    "port not a number": ["serve", "--port", "http"],
    "port out of range": ["serve", "--port", "70000"],
    "standards file missing": ["--standards", "no-such-table.yaml", "standards"],
}


@pytest.mark.parametrize("args", COMMAND_ERRORS.values(), ids=COMMAND_ERRORS.keys())
def test_every_command_error_is_chinese(run: object, args: list[str]) -> None:
    result = run(*args)  # type: ignore[operator]
    assert result.exit_code == 2
    assert said(result).startswith("错误：")
    assert english_in(said(result)) == []


STANDARDS = sorted(path.name for path in STANDARDS_FILES.glob("*.yaml")
                   if path.name not in ("valid_minimal.yaml", "zibo_timeline.yaml",
                                        "yaml_syntax_error.yaml"))


@pytest.mark.parametrize("name", STANDARDS)
def test_every_standards_file_problem_is_chinese(run: object, name: str) -> None:
    result = run("--standards", str(STANDARDS_FILES / name), "standards")  # type: ignore[operator]
    assert result.exit_code == 2
    assert english_in(said(result)) == []


def test_a_port_in_use_is_chinese(run: object) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), "--no-open")  # type: ignore[operator]
    assert result.exit_code == 2
    assert said(result).strip() == (f"错误：无法在 127.0.0.1:{port} 上监听：地址已被占用：另有程序"
                                    "在该端口上监听（请用 --port 另选端口）")


HEADER = "编号,保障类别,保障人数,家庭月人均收入,起始月份,截止月份,已发金额,分类施保,户主姓名"
BAD_ROWS = {
    "id empty": ",城市低保,3,200,,,,,张三",
    "id check digit": "110101199003071234,城市低保,3,200,,,,,张三",
    "id control character": "A\x01B,城市低保,3,200,,,,,张三",
    "category misspelt": "A4,城市底保,3,200,,,,,张三",
    "persons not a number": "A5,城市低保,x,200,,,,,张三",
    "persons zero": "A6,城市低保,0,200,,,,,张三",
    "persons too many": "A7,城市低保,1000,200,,,,,张三",
    "income negative": "A8,城市低保,3,-5,,,,,张三",
    "income three decimals": "A9,城市低保,3,1.234,,,,,张三",
    "month 13": "A10,城市低保,3,200,2020-13,,,,张三",
    "month with a slash": "A11,城市低保,3,200,,2020/08,,,张三",
    "start after end": "A12,城市低保,3,200,2020-06,2020-03,,,张三",
    "paid not money": "A13,城市低保,3,200,,,abc,,张三",
    "paid three decimals": "A14,城市低保,3,200,,,1.234,,张三",
    "supplement for tekun": "A15,城市特困,1,0,,,,20%,张三",
    "supplement not one": "A16,城市低保,1,0,,,,abc,张三",
    "supplement over 100%": "A17,城市低保,1,0,,,,150%,张三",
    "too few cells": "A18,城市低保,3,200",
    "a quote never closed": 'A19,"城市低保,3,200,,,,,张三',
}
DOUBLED = ["A1,城市低保,3,200,,,,,张三", "A1,城市低保,3,200,2020-03,,,,张三"]


def roster(folder: Path) -> Path:
    path = folder / "花名册.csv"
    lines = [HEADER, "A0,城市低保,3,200,,,,,李四", *DOUBLED, *BAD_ROWS.values()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_rejected_row_and_the_closing_lines_are_chinese(run: object,
                                                               tmp_path: Path) -> None:
    result = run("batch", str(roster(tmp_path)), "--through", "2020-08", "-o",  # type: ignore[operator]
                 str(tmp_path / "结果.csv"))
    assert result.exit_code == 1
    reasons = [row["reason"] for row in csv_rows(tmp_path / "结果.csv.errors.csv")]
    assert len(reasons) == len(BAD_ROWS) + len(DOUBLED)
    assert [reason for reason in reasons if english_in(reason)] == []
    assert english_in(said(result)) == []
    assert ("读取 22 行，写出 1 行，拒收 21 行；增补合计 1440.00 元（城市低保 1440.00 元，"
            "1 户 3 人；") in said(result)
    assert said(result).splitlines()[-1] == (
        f"错误：有 21 行被拒收；详见 {tmp_path / '结果.csv.errors.csv'}")


def test_the_problem_sheet_of_a_workbook_is_chinese(run: object, tmp_path: Path) -> None:
    result = run("batch", str(roster(tmp_path)), "--through", "2020-08", "-o",  # type: ignore[operator]
                 str(tmp_path / "结果.xlsx"))
    assert result.exit_code == 1
    sheet = openpyxl.load_workbook(tmp_path / "结果.xlsx")["问题行"]
    rows = [[str(cell) for cell in row if cell is not None]
            for row in sheet.iter_rows(values_only=True)]
    reasons = [text for row in rows for text in row if english_in(text)]
    assert reasons == []
    assert english_in(said(result)) == []
    assert said(result).splitlines()[-1].startswith("错误：有 21 行被拒收；详见 ")


def test_english_headers_keep_the_errors_files_column_names(run: object,
                                                             tmp_path: Path) -> None:
    for lang in ("zh", "en"):
        result = run("batch", str(roster(tmp_path)), "--through", "2020-08", "-o",  # type: ignore[operator]
                     str(tmp_path / f"{lang}.csv"), "--headers", "en", "--lang", lang)
        assert result.exit_code == 1
        header = (tmp_path / f"{lang}.csv.errors.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header == "line,id,column,reason,row"
        written = (tmp_path / f"{lang}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert written.endswith(",months,backpay,monthly,overpaid,newly_eligible,"
                                "monthly_base,monthly_supplement")


def unusable(folder: Path) -> dict[str, tuple[Path, list[str]]]:
    """Inputs the batch cannot use at all, and options it refuses, each with its file."""
    good = roster(folder)

    def made(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return {
        "empty": (made("empty.csv", b""), []),
        "missing columns": (made("cols.csv", "编号,保障类别,家庭人口\n1,城市低保,3\n".encode()),
                            []),
        "semicolons": (made("semi.csv", b"id;category;persons;income;start;end\n"), []),
        "a computed column": (made("again.csv", b"id,category,persons,income,start,end,"
                                                b"backpay\n"), []),
        "GBK read as UTF-8": (made("gbk.csv", "id,category,persons,income,start,end\n"
                                   "1,城市低保,1,0,,\n".encode("gbk")),
                              ["--encoding", "utf-8"]),
        "UTF-16": (made("u16.csv", "id,category\n".encode("utf-16")), []),
        "CR line ends": (made("mac.csv", b"id,category,persons,income,start,end\r1,x\r"), []),
        "header quote": (made("quote.csv", b'id,"category,persons\n'), []),
        "a two-column header twice": (made("twice.csv", b"id,category,persons,income,start,end,"
                                                         b"persons\n"), []),
        "text named .xlsx": (made("text.xlsx", b"id,category\n1,2\n"), []),
        "web page named .xls": (made("page.xls", b"<html><table></table></html>"), []),
        "no such sheet": (_workbook(folder), ["--sheet", "无此页"]),
        "encoding unknown": (good, ["--encoding", "bogus"]),
        "encoding not ASCII-compatible": (good, ["--encoding", "utf-16"]),
        "column written wrong": (good, ["--column", "id"]),
        "column unknown": (good, ["--column", "idx=编号"]),
        "column twice": (good, ["--column", "id=编号", "--column", "id=户主姓名"]),
        "column not in the header": (good, ["--column", "id=身份证号"]),
        "group-by three times": (good, ["--group-by", "a", "--group-by", "b", "--group-by",
                                        "c"]),
        "group-by count": (good, ["--group-by", "编号:x"]),
        "group-by not a column": (good, ["--group-by", "乡镇"]),
        "sheet of a CSV": (good, ["--sheet", "1"]),
        "office empty": (good, ["--office", " ", "-o", str(folder / "o.xlsx")]),
        "office for CSV": (good, ["--office", "周村区民政局"]),
        "print column for CSV": (good, ["--print-column", "姓名"]),
        "print column unknown": (good, ["--print-column", "电话号码", "-o",
                                         str(folder / "o.xlsx")]),
        "jsonl into a workbook": (good, ["--format", "jsonl", "-o", str(folder / "o.xlsx")]),
        "output is the input": (good, ["-o", str(good)]),
        "output folder missing": (good, ["-o", str(folder / "无此目录" / "o.csv")]),
        "output is a folder": (good, ["-o", str(folder)]),
        "two on stdout": (good, ["-o", "-", "--errors", "-"]),
        "input missing": (folder / "无此文件.csv", []),
    }


def _workbook(folder: Path) -> Path:
    path = folder / "花名册.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER.split(","), ["A0", "城市低保", "3", "200", "", "", "", "", "李四"]]:
        sheet.append(row)
    book.save(path)
    return path


UNUSABLE = ["empty", "missing columns", "semicolons", "a computed column", "GBK read as UTF-8",
            "UTF-16", "CR line ends", "header quote", "a two-column header twice",
            "text named .xlsx", "web page named .xls", "no such sheet", "encoding unknown",
            "encoding not ASCII-compatible", "column written wrong", "column unknown",
            "column twice", "column not in the header", "group-by three times",
            "group-by count", "group-by not a column", "sheet of a CSV", "office empty",
            "office for CSV", "print column for CSV", "print column unknown",
            "jsonl into a workbook", "output is the input",
            "output folder missing", "output is a folder", "two on stdout", "input missing"]


@pytest.mark.parametrize("case", UNUSABLE)
def test_every_unusable_input_and_refused_option_is_chinese(run: object, tmp_path: Path,
                                                            case: str) -> None:
    cases = unusable(tmp_path)
    assert sorted(cases) == sorted(UNUSABLE)
    path, options = cases[case]
    args = ["-o", str(tmp_path / "结果.csv"), *options] if "-o" not in options else options
    result = run("batch", str(path), "--through", "2020-08", *args)  # type: ignore[operator]
    assert result.exit_code == 2, said(result)
    assert said(result).startswith("错误："), said(result)
    assert english_in(said(result)) == []


PUBLICITY = {
    "output suffix": ["-o", "名单.txt"],
    "period empty": ["--period", " "],
    "sheet of a CSV": ["--sheet", "1"],
    "no names column": ["--name-column", "姓名"],
    "month 13": ["--month", "2020-13"],
    "hotline for CSV": ["-o", "名单.csv", "--hotline", "0533-6412345"],
    "hotline not a number": ["--hotline", "请拨打民政所电话"],
}


@pytest.mark.parametrize("options", PUBLICITY.values(), ids=PUBLICITY.keys())
def test_every_publicity_refusal_is_chinese(run: object, tmp_path: Path,
                                            options: list[str]) -> None:
    defaults = {"-o": str(tmp_path / "名单.xlsx"), "--period": "2020年8月12日至8月18日",
                "--month": "2020-08"}
    for option, value in zip(options[::2], options[1::2], strict=True):
        defaults[option] = value
    args = [word for option, value in defaults.items() for word in (option, value)]
    args += [word for option, value in zip(options[::2], options[1::2], strict=True)
             if option not in defaults for word in (option, value)]
    result = run("publicity", str(roster(tmp_path)), *args)  # type: ignore[operator]
    assert result.exit_code == 2
    assert said(result).startswith("错误：")
    assert english_in(said(result)) == []


def test_a_publicity_list_with_rejected_rows_says_so_in_chinese(run: object,
                                                                 tmp_path: Path) -> None:
    result = run("publicity", str(roster(tmp_path)), "--month", "2020-08", "--period",  # type: ignore[operator]
                 "2020年8月12日至8月18日", "-o", str(tmp_path / "名单.csv"))
    assert result.exit_code == 1
    assert english_in(said(result)) == []
    assert said(result).splitlines()[0] == (
        f"{tmp_path / '名单.csv'} 共列入 1 户；0 户未列入（2020-08 不在保，或当月无待遇）；"
        "拒收 21 行")
    reasons = [row["reason"] for row in csv_rows(tmp_path / "名单.csv.errors.csv")]
    assert len(reasons) == 21
    assert [reason for reason in reasons if english_in(reason)] == []


def test_a_name_the_list_cannot_print_is_chinese(run: object, tmp_path: Path) -> None:
    path = tmp_path / "名单来源.csv"
    path.write_text(f"{HEADER}\nA0,城市低保,3,200,,,,,张三2\n", encoding="utf-8")
    result = run("publicity", str(path), "--month", "2020-08", "--period", "8月",  # type: ignore[operator]
                 "--names", "full", "-o", str(tmp_path / "名单.csv"))
    assert result.exit_code == 2
    assert english_in(said(result)) == []


@pytest.fixture
def api() -> TestClient:
    return page_client(max_upload=1 << 20, timeout=60.0)


GOOD = {"category": "urban-dibao", "persons": "3", "income": "200", "through": "2020-08"}
API_REFUSALS = {
    "category": {"category": "bogus"},
    "persons": {"persons": "0"},
    "income": {"income": "1.234"},
    "start": {"start": "2020-13"},
    "end": {"end": "2020/08"},
    "start after end": {"start": "2020-06", "end": "2020-03"},
    "supplement": {"supplement": "150%"},
    "supplement for tekun": {"category": "urban-tekun", "supplement": "20%"},
    "through": {"through": "2019-12"},
    "through after the table": {"through": "2030-01"},
    "through missing": {"through": ""},
    "paid": {"paid": "abc"},
    "rounding": {"rounding": "up"},
    "unknown field": {"colour": "red"},
}


@pytest.mark.parametrize("fields", API_REFUSALS.values(), ids=API_REFUSALS.keys())
def test_the_api_refuses_each_field_in_chinese(api: TestClient, fields: dict[str, str]) -> None:
    answer = api.post("/api/backpay", json={**GOOD, **fields})
    assert answer.status_code == 400
    assert english_in(answer.json()["error"]) == []


@pytest.mark.parametrize("fields", [{"month": "2021-01"}, {"month": "2020-13"},
                                    {"start": "2020-05", "month": "2020-03"}],
                         ids=["after the table", "month 13", "outside coverage"])
def test_the_entitlement_api_refuses_a_month_in_chinese(api: TestClient,
                                                        fields: dict[str, str]) -> None:
    answer = api.post("/api/entitlement", json={**GOOD, "through": None, **fields})
    assert (answer.status_code, english_in(answer.json()["error"])) == (400, [])


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/api/backpay", b"{not json", 400),
    ("/api/backpay", b"[1, 2]", 400),
    ("/api/payroll", b"{}", 404),
    ("/no-such-page", None, 404),
], ids=["not JSON", "not an object", "no such call", "no such page"])
def test_the_api_and_the_pages_refuse_requests_in_chinese(api: TestClient, path: str,
                                                          body: bytes | None,
                                                          status: int) -> None:
    answer = api.post(path, content=body) if body is not None else api.get(path)
    assert answer.status_code == status
    text = answer.json()["error"] if path.startswith("/api/") else answer.text
    assert english_in(text) == [], text


def test_the_guard_refuses_in_chinese(api: TestClient) -> None:
    answer = api.get("/", headers={"host": "evil.example"})
    assert answer.status_code == 400
    assert english_in(answer.text) == []


def test_the_form_says_each_fields_problem_in_chinese(api: TestClient) -> None:
    form = {**GOOD, "persons": "0", "income": "abc", "start": "2020-13", "supplement": "150%",
            "through": "2019-12"}
    answer = api.post("/", data=form)
    assert answer.status_code == 400
    messages = re.findall(r'<p class="error" id="[a-z]+-error" role="alert">([^<]*)</p>',
                          answer.text)
    assert len(messages) >= 4
    assert [message for message in messages if english_in(message)] == []
