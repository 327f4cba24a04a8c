"""Records by the CSV rule: a stray quote, a quote left open, a line too long, any file size."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from synthetic import write_households
from welfare_calc.batch.input import reading
from welfare_calc.batch.input.reading import Unreadable, read_records
from welfare_calc.cli import cli

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["batch", *args], catch_exceptions=False)


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


# Records end at LF (a CR alone is read as a line end by the csv module inside
# a chunk; a file of such line ends is refused at its header).
CELLS = st.sampled_from(['a', '12" TV', '"q"', '"a,b"', '"x\ny"', '"say ""hi"""', '', '"',
                         '""', 'b"', '"open', 'z', '"c"d', '1'])


@settings(max_examples=300)
@given(rows=st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=1, max_size=40),
       chunk=st.integers(8, 80))
def test_chunks_are_cut_where_the_csv_module_ends_a_record(rows: list[list[str]],
                                                          chunk: int) -> None:
    # Rows written with any quotes at all; cut with tiny chunks (so the NumPy
    # count and the quote-by-quote scan both run): reading the pieces one by
    # one gives what the csv module gives reading the whole.
    data = "".join(",".join(row) + "\n" for row in rows).encode("utf-8")
    pieces = []
    saved = reading.CHUNK
    reading.CHUNK = chunk
    try:
        pieces = list(read_records(io.BytesIO(data), b""))
    finally:
        reading.CHUNK = saved
    read = [piece for piece in pieces if isinstance(piece, bytes)]
    assert all(isinstance(piece, bytes) for piece in pieces[:-1])
    assert [row for piece in read for row in rows_of(piece)] == rows_of(b"".join(read))
    rest = data[len(b"".join(read)):]
    assert data.startswith(b"".join(read))
    if isinstance(pieces[-1], Unreadable):
        # A quote never closed: the rest is the one record the csv module would
        # read to the end of the file, and it is rejected whole.
        assert len(rows_of(rest)) == 1
        assert pieces[-1].reason.startswith("a quote opened in this row is never closed")
    else:
        assert rest == b""
    assert rows_of(b"".join(read)) + rows_of(rest) == rows_of(data)


def errors_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def roster_with_notes(path: Path, rows: int, notes: dict[int, str]) -> Path:
    """Generated households with a note column; ``notes`` puts a note on some rows."""
    text = io.StringIO()
    write_households(text, rows)
    lines = text.getvalue().splitlines()
    lines[0] += ",note"
    for number in range(1, len(lines)):
        lines[number] += "," + notes.get(number + 1, "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("note", ['12" TV', 'b"', 'a "quoted" word', 'x""'])
def test_a_stray_quote_is_a_plain_character_in_a_file_of_any_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, note: str) -> None:
    # Chunks of 16 KB and records of at most 64 KB stand for 1 MB and 16 MB:
    # the large file is many chunks and far more than one record's limit.
    monkeypatch.setattr(reading, "MAX_RECORD", 1 << 16)
    monkeypatch.setattr(reading, "CHUNK", 1 << 14)
    results = []
    for rows in (50, 6_000):
        source = roster_with_notes(tmp_path / f"in{rows}.csv", rows, {12: note})
        out = tmp_path / f"out{rows}.csv"
        result = run(str(source), "--through", "2020-08", "-o", str(out))
        assert result.exit_code == 0, result.stderr
        written = rows_of(out.read_bytes())
        assert len(written) == rows + 1
        results.append(written[:51])
        assert written[11][7] == note  # carried through as it was
    assert results[0] == results[1]


def test_a_quote_never_closed_in_a_large_file_rejects_only_its_span(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A record longer than MAX_RECORD (made small here) is not kept: it is
    # rejected with its line, and the rows after its closing quote are read.
    monkeypatch.setattr(reading, "MAX_RECORD", 4096)
    monkeypatch.setattr(reading, "CHUNK", 1024)
    source = roster_with_notes(tmp_path / "in.csv", 2_000, {10: '"opened', 1_500: 'closed"'})
    out = tmp_path / "out.csv"
    result = run(str(source), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 1
    errors = errors_of(tmp_path / "out.csv.errors.csv")
    assert [(row["line"], row["column"]) for row in errors] == [("10", "")]
    assert errors[0]["reason"].startswith("a quoted field opened in this row runs on for more "
                                          "than 0 MB: a closing quote is missing")
    assert "(1491 lines)" in errors[0]["reason"]
    ids = [row.split(",")[0] for row in out.read_text(encoding="utf-8").splitlines()[1:]]
    # Line n holds H(n - 2): lines 2..9 and 1501..2001 are read.
    assert ids == [f"H{number:09d}" for number in (*range(8), *range(1_499, 2_000))]
    assert "rows read 510, written 509, rejected 1" in result.stderr


def test_a_quote_never_closed_in_a_small_file_makes_the_rest_one_row(tmp_path: Path) -> None:
    source = roster_with_notes(tmp_path / "in.csv", 50, {10: '"opened'})
    out = tmp_path / "out.csv"
    result = run(str(source), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 1
    assert "rows read 9, written 8, rejected 1" in result.stderr
    errors = errors_of(tmp_path / "out.csv.errors.csv")
    assert [(row["line"], row["reason"]) for row in errors] == [
        ("10", "a quote opened in this row is never closed: the rest of the file (42 lines) "
               "would be one cell")]


def test_a_line_longer_than_any_row_is_rejected_and_the_rest_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_RECORD", 4096)
    monkeypatch.setattr(reading, "CHUNK", 1024)
    source = roster_with_notes(tmp_path / "in.csv", 30, {5: "x" * 20_000})
    out = tmp_path / "out.csv"
    result = run(str(source), "--through", "2020-08", "-o", str(out))
    assert result.exit_code == 1
    errors = errors_of(tmp_path / "out.csv.errors.csv")
    assert [(row["line"], row["reason"]) for row in errors] == [
        ("5", "the line is longer than 0 MB; a roster row is far shorter")]
    assert errors[0]["row"].startswith("\"H000000003,urban-dibao,4,314.65,,,,xxx")
    assert "xxx…" in errors[0]["row"]
    assert len(out.read_text(encoding="utf-8").splitlines()) == 30


def test_oversized_records_count_their_lines() -> None:
    data = b"a,\"" + b"x\n" * 10 + b"\",b\nnext\n"
    saved = reading.MAX_RECORD, reading.CHUNK
    reading.MAX_RECORD, reading.CHUNK = 8, 4
    try:
        pieces = list(read_records(io.BytesIO(data), b""))
    finally:
        reading.MAX_RECORD, reading.CHUNK = saved
    assert isinstance(pieces[0], Unreadable)
    assert pieces[0].lines == 11
    assert "a closing quote is missing" in pieces[0].reason
    assert b"".join(piece for piece in pieces[1:] if isinstance(piece, bytes)) == b"next\n"


def test_a_file_with_cr_only_line_ends_says_so(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"id,category,persons,income,start,end\rH1,urban-dibao,1,0,,\r")
    result = run(str(source), "--through", "2020-08")
    assert result.exit_code == 2
    assert "the lines of this file end in CR only" in result.stderr
