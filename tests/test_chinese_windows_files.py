"""Files as Chinese Windows saves them (issue 26 §4).

Excel and WPS save "CSV (逗号分隔)" in GBK; the batch reads a CSV that is not UTF-8
as GB18030 (GBK's superset) without being told, and says so.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from stdnum.cn import ric

from helpers import LANGUAGE_VARIABLES, Run, csv_rows, invoker, sheet_values
from welfare_calc.batch import reading


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WELFARE_CALC_LANG", "en")  # the tests read the English words
    return invoker("batch")


def resident_id(number: int) -> str:
    """A synthetic resident ID number (born 1900-01-01) of digits only, check digit right."""
    while True:
        body = f"11010519000101{number % 1000:03d}"
        digit = ric.calc_check_digit(body + "0")
        if digit != "X":
            return body + digit
        number += 1


HEADER = ["序号", "户主姓名", "身份证号", "保障类别", "保障人数", "家庭月人均收入（元）",
          "开户银行", "银行账号", "联系电话", "备注", "起始月份", "截止月份"]
NAMES = ["张秀英", "李建国", "王桂兰", "赵明", "刘芳", "陈㐀", "𠀀林"]
"""The last two hold characters GB18030 has and GBK has not (U+3400, U+20000)."""


def roster(names: list[str] = NAMES[:5], newline: str = "\r\n") -> str:
    """A roster as a town's office keeps it: Chinese headers, names, ID numbers, accounts."""
    rows = [HEADER]
    for number, name in enumerate(names, 1):
        category = ["城市低保", "农村低保", "农村特困", "城市特困"][number % 4]
        rows.append([str(number), name, resident_id(10 * number), category,
                     str(number % 3 + 1), "200" if number % 2 else "0", "周村农商银行",
                     f"62300000000000{number:02d}", f"1380013800{number}", f"00{number}",
                     "", ""])
    return "".join(",".join(row) + newline for row in rows)


def summary_of(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


# --- in: a roster in GBK or GB18030 ---------------------------------------------------------

def test_a_gbk_roster_from_excel_is_read_without_being_told(run: Run, tmp_path: Path) -> None:
    text = roster()
    utf8, gbk = tmp_path / "utf8.csv", tmp_path / "名册.csv"
    utf8.write_bytes(text.encode("utf-8"))
    gbk.write_bytes(text.encode("gbk"))
    for source in (utf8, gbk):
        result = run(str(source), "--through", "2020-08", "-o",
                     str(tmp_path / f"{source.stem}.out"),
                     "--summary", str(tmp_path / f"{source.stem}.json"))
        assert result.exit_code == 0, result.stderr
    assert ((tmp_path / "名册.out").read_bytes() == (tmp_path / "utf8.out").read_bytes())
    assert "李建国" in (tmp_path / "名册.out").read_text(encoding="utf-8")
    assert summary_of(tmp_path / "名册.json")["encoding"] == "gb18030"
    assert summary_of(tmp_path / "utf8.json")["encoding"] == "utf-8"
    assert result.stderr.startswith("read as GB18030: rows read 5, written 5")


def test_gb18030_is_read_where_gbk_has_no_character(run: Run, tmp_path: Path) -> None:
    for name in NAMES[5:]:
        with pytest.raises(UnicodeEncodeError):
            name.encode("gbk")
    source = tmp_path / "名册.csv"
    source.write_bytes(roster(NAMES).encode("gb18030"))
    out = tmp_path / "out.csv"
    result = run(str(source), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert [row["户主姓名"] for row in csv_rows(out)] == NAMES
    assert result.stderr.startswith("read as GB18030: ")
    # Told GBK, which has no 㐀: refused, naming its line (the header is line 1).
    told = run(str(source), "--through", "2020-08", "-o", str(out), "--encoding", "gbk")
    assert told.exit_code == 2
    assert "line 7: cannot be decoded as gbk, the encoding --encoding gives" in told.stderr


def test_bytes_that_are_no_text_are_refused_and_nothing_written(run: Run, tmp_path: Path
                                                                ) -> None:
    noise = random.Random(26).randbytes(4000)
    source = tmp_path / "in.csv"
    source.write_bytes(b"id,category,persons,income,start,end\n" + noise)
    result = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert "neither UTF-8 text (line 2 is not) nor GB18030 (GBK) text (line " in result.stderr
    assert "save the roster as CSV UTF-8 or as an Excel workbook" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


def test_an_encoding_given_is_the_one_read(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(roster().encode("gbk"))
    summary = tmp_path / "s.json"
    result = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"),
                 "--encoding", "gbk", "--summary", str(summary))
    assert result.exit_code == 0
    assert summary_of(summary)["encoding"] == "gbk"
    assert result.stderr.startswith("read as GBK: ")
    told = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"),
               "--encoding", "utf-8")
    assert told.exit_code == 2
    assert "line 1: cannot be decoded as utf-8" in told.stderr


LATE = 50_000
"""ASCII rows before the first other byte: more than the first block (1 MB) read."""


def late_roster(tail: bytes) -> bytes:
    """A roster whose first megabyte and more is ASCII, then ``tail``."""
    head = "id,category,persons,income,start,end,name\n" + "".join(
        f"H{number},urban-dibao,1,0,,,x\n" for number in range(LATE))
    assert len(head) > reading.CHUNK
    return head.encode("ascii") + tail


CHINESE_ROWS = "Z1,城市低保,2,100,,,张秀英\nZ2,农村特困,1,0,2020-03,,陈㐀\n"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_roster_ascii_at_first_is_read_in_what_its_first_other_byte_says(
        run: Run, tmp_path: Path, encoding: str) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(late_roster(CHINESE_ROWS.encode(encoding)))
    out, summary = tmp_path / "out.csv", tmp_path / "s.json"
    result = run(str(source), "--through", "2020-08", "-o", str(out), "--summary", str(summary))
    assert result.exit_code == 0, result.stderr
    rows = csv_rows(out)
    assert [(row["name"], row["backpay"]) for row in rows[-2:]] == [("张秀英", "960.00"),
                                                                    ("陈㐀", "402.48")]
    assert len(rows) == LATE + 2
    assert summary_of(summary)["encoding"] == encoding


def test_a_roster_that_changes_encoding_names_the_line(run: Run, tmp_path: Path) -> None:
    # GB18030 found after the ASCII start; a later line that is not GB18030: refused.
    source = tmp_path / "in.csv"
    filler = "".join(f"Y{number},城市低保,1,0,,,张\n" for number in range(LATE))
    source.write_bytes(late_roster((CHINESE_ROWS + filler).encode("gb18030") + b"Q,\xff\n"))
    result = run(str(source), "--through", "2020-08", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    line = 2 + LATE + 2 + LATE
    assert (f"line {line}: not GB18030 text, though the lines before it are: the file mixes "
            "encodings") in result.stderr


def test_the_summary_sheet_names_the_encoding(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "名册.csv"
    source.write_bytes(roster().encode("gbk"))
    book = tmp_path / "out.xlsx"
    assert run(str(source), "--through", "2020-08", "-o", str(book)).exit_code == 0
    lines = [row[0] for row in sheet_values(book, "汇总")
             if isinstance(row[0], str) and row[0].startswith("文件编码")]
    assert lines == ["文件编码：GB18030"]
