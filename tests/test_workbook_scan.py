"""The scan of an .xlsx sheet's XML (issue 27 §8): one pass that finds the start of every
tag (``workbook_cells._Tags``) in place of a search of the whole sheet per question, and
the sheet unpacked by a thread ahead of it (``workbook_cells._unpacked``).

The searches it spares are kept here as they were (:func:`searched`, the scan of a piece
before), and a hypothesis property holds the scan to them on pieces of XML made of what
sheets hold and what they should not: every count, extent, mark and merged range the
same, or the same refusal.
"""

from __future__ import annotations

import threading
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from welfare_calc.batch.input import workbook_cells
from welfare_calc.batch.input.workbook_cells import (
    _FAR_ROW,
    _MERGED,
    _ROW,
    _WIDE_COLUMN,
    SHEET_ROWS,
    BadCell,
    _Scan,
    column_index,
)
from welfare_calc.core.errors import UnusableInput

pytestmark = pytest.mark.usefixtures("english")  # the English words of the messages


def searched(scan: _Scan, piece: bytes) -> None:
    """The scan of a piece as it was before ``_Tags``: a search of the whole piece for
    each question (kept verbatim, as the reference the scan is held to)."""
    scan.rows += piece.count(b"<row")
    last = _ROW.search(piece, max(piece.rfind(b"<row "), 0))
    if last is not None:
        scan.last_row = max(scan.last_row, int(last[1]))
    scan.last_row = max(scan.last_row, scan.rows, *map(int, set(_FAR_ROW.findall(piece))))
    if scan.last_row > SHEET_ROWS:
        scan._check_extent()
    scan.cells += piece.count(b"<c ")
    scan.last_column = max(scan.last_column, 25,
                           *map(column_index, set(_WIDE_COLUMN.findall(piece))))
    position = piece.find(b't="e"')
    while position >= 0:
        scan._mark(piece, position, "error")
        position = piece.find(b't="e"', position + 5)
    position = piece.find(b"<f")
    while position >= 0:
        if piece[position + 2:position + 3] in (b" ", b">", b"/"):
            scan._mark(piece, position, "formula")
        position = piece.find(b"<f", position + 2)
    for style in scan.percent_styles:
        needle = b' s="%d"' % style
        position = piece.find(needle)
        while position >= 0:
            scan._mark(piece, position, "percent")
            position = piece.find(needle, position + len(needle))
    if b"mergeCell" in piece:
        for found in _MERGED.finditer(piece):
            scan._merge(found)


def outcome(scan: _Scan, scanning: object, piece: bytes) -> object:
    """What scanning ``piece`` makes of ``scan``: its findings, or the refusal."""
    try:
        scanning(scan, piece)  # type: ignore[operator]
    except UnusableInput as refused:
        return ("refused", str(refused))
    return (scan.rows, scan.cells, scan.last_row, scan.last_column, scan.marks, scan.merged)


def both(piece: bytes, *, uncalculated: bool = False) -> tuple[object, object]:
    """The scan of ``piece`` before and now (each from a fresh scan)."""
    percent = frozenset({9, 12})
    return (outcome(_Scan("花名册", percent, uncalculated), searched, piece),
            outcome(_Scan("花名册", percent, uncalculated), _Scan._piece, piece))


letters = st.text("ABCXYZ", min_size=1, max_size=4)
numbers = st.sampled_from(["1", "2", "9", "26", "999999", "1000000", "1048576", "1048577",
                           "12345678", "0", "0000001", ""])
attributes = st.lists(st.sampled_from([' t="e"', ' t="s"', ' t="str"', ' t="n"', ' s="9"',
                                       ' s="12"', ' s="1"', ' s="90"', ' t="inlineStr"',
                                       ' x="1"', " ", "\t"]), max_size=3)


@st.composite
def cell_tags(draw: st.DrawFn) -> bytes:
    """A cell's start tag: its reference first (as every writer puts it), elsewhere, or
    none, with the attributes that mark a cell."""
    reference = f'r="{draw(letters)}{draw(numbers)}"'
    rest = draw(attributes)
    where = draw(st.integers(0, len(rest) + 1))
    parts = [*rest[:where], " " + reference, *rest[where:]] if where <= len(rest) else rest
    return ("<c" + "".join(parts) + draw(st.sampled_from([">", "/>"]))).encode()


TOKENS = [b'<row r="1">', b'<row r="5" spans="1:7">', b'<row r="999999">',
          b'<row r="1048576">', b"<row>", b'<row\tr="3">', b"</row>", b"<rowBreaks>",
          b"<c>", b"</c>", b"<v>1</v>", b"<v>0.2</v>", b"<v>#N/A</v>", b"<v></v>", b"<v/>",
          b"<f>", b"<f>SUM(A1:A2)</f>", b"<f/>", b'<f t="shared" si="0"/>', b"<formula>",
          b"</f>", b"<is><t>x</t></is>", b'<is><t xml:space="preserve">"e" t="e"</t></is>',
          b'<mergeCells count="1">', b'<mergeCell ref="A1:B2"/>', b'<x:mergeCell ref="C1:C3"/>',
          b'<row:mergeCell ref="D1:D2"/>', b'<c:mergeCell ref="E4:F4"/>',
          b'<mergeCell ref="A1"/>', b'<mergeCell ref="A1:XFE2"/>', b"&lt;mergeCell ref=",
          b"</mergeCells>", b"<", b"<c", b"<ro", b"<row", b"<f", b"<i", b"<is", b"<t", b"<v",
          b'"e', b't="e"', b' s="9"', b' s="12"', b'"', b"e", b"AB", b"1234567", b" ", b">",
          b"<?xml", b"<sheetData>", b"</sheetData>", b"<c r=", b'<c r="', b"\x00"]
pieces = st.lists(st.one_of(st.sampled_from(TOKENS), cell_tags()), max_size=40).map(b"".join)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(piece=pieces, cut=st.integers(0, 64), uncalculated=st.booleans())
@example(piece=b'<row r="5"><c r="A1048577"><v>1</v></c></row>', cut=0, uncalculated=False)
@example(piece=b'<row r="5"><c r="AB5" t="e"><v>#N/A</v></c></row>', cut=0, uncalculated=False)
@example(piece=b'<row r="2"><c r="A2"><f>1+1</f></c></row><x:mergeCell ref="A2:A3"/>', cut=0,
         uncalculated=False)
def test_the_scan_finds_what_the_searches_found(piece: bytes, cut: int,
                                                uncalculated: bool) -> None:
    # ``cut``: the piece cut short (a tag cut by a piece's end, as the last piece's may be).
    piece = piece[:len(piece) - cut] if cut < len(piece) else piece
    before, now = both(piece, uncalculated=uncalculated)
    assert now == before


def test_a_roster_piece_needs_no_search_beyond_the_pass() -> None:
    piece = (b'<row r="2" spans="1:7"><c r="A2" t="s"><v>1</v></c><c r="B2" s="1"><v>43983'
             b'</v></c><c r="C2"><v>604.26</v></c><c r="D2" t="inlineStr"><is><t>x</t></is>'
             b"</c></row>") * 50
    tags = workbook_cells._Tags(piece)
    assert (tags.rows, tags.cells) == (50, 200)
    assert (tags.far, tags.wide, tags.unusual, tags.errors, tags.formulas) == (
        False, False, False, False, [])


@pytest.mark.parametrize(("piece", "found"), [
    (b'<row r="5"><c r="A1000000"><v>1</v></c></row>', "far"),
    (b'<row r="5"><c r="AA123456"><v>1</v></c></row>', "far"),
    (b'<row r="5"><c r="XFD1"><v>1</v></c></row>', "wide"),
    (b'<row r="5"><c r="A5"><v>1</v></c></row><mergeCells count="1">', "unusual"),
    (b'<row r="5"><c r="A5"><v>1</v></c></row><x:mergeCell ref="A5:A6"/>', "unusual"),
    (b'<row r="5"><c r="A5" t="e"><v>#N/A</v></c></row>', "errors"),
    (b'<row r="5"><c r="A5"><f>1</f><v>1</v></c></row>', "formulas"),
], ids=["row 1,000,000", "column AA, row 123,456", "column XFD", "merged ranges",
        "a prefixed merged range", "an error cell", "a formula"])
def test_what_is_rare_is_seen(piece: bytes, found: str) -> None:
    assert getattr(workbook_cells._Tags(piece), found)


def test_a_cell_placed_past_the_sheet_out_of_order_is_refused() -> None:
    # Row 5's cell says row 1,048,577: the rows' numbers alone would not show it.
    _before, now = both(b'<row r="5"><c r="A1048577"><v>1</v></c></row>')
    assert now[0] == "refused"
    assert "has more rows or columns than an Excel sheet holds" in str(now[1])


def roster(path: Path, rows: int) -> None:
    """A workbook of ``rows`` rows with a formula never calculated at the end (XlsxWriter
    stores 0 as its value, which the scan sees) and an error cell in the middle."""
    with xlsxwriter.Workbook(path, {"constant_memory": True}) as book:
        sheet = book.add_worksheet("花名册")
        sheet.write_row(0, 0, ["编号", "保障类别"])
        for row in range(1, rows):
            sheet.write_row(row, 0, [f"H{row:09d}", "城市低保" * 8])
        sheet.write_formula(rows, 0, "=1/0", None, "#DIV/0!")


def test_a_sheet_of_many_blocks_is_scanned_whole(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "roster.xlsx"
    roster(path, 3_000)
    monkeypatch.setattr(workbook_cells, "BLOCK", 4096)  # about 60 blocks
    scan = _Scan("花名册", frozenset(), False)
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as stream:
        scan.read(stream)
    assert (scan.rows, scan.cells, scan.last_row) == (3_001, 6_001, 3_001)
    assert scan.marks == {3_001: {0: BadCell(workbook_cells._(workbook_cells.HOLDS_ERROR)
                                             .format(error="#DIV/0!"))}}


def unpacking() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate()
            if thread.name == "welfare-calc unpack sheet"]


def test_the_unpacking_thread_ends_when_the_scan_refuses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A sheet past its last row, were that row 100: refused while many blocks are still
    # to unpack, the thread waiting to hand on the next (each block's scan slowed).
    path = tmp_path / "roster.xlsx"
    roster(path, 3_000)
    monkeypatch.setattr(workbook_cells, "BLOCK", 512)
    monkeypatch.setattr(workbook_cells, "SHEET_ROWS", 100)
    tags = workbook_cells._Tags

    def slow(piece: bytes) -> workbook_cells._Tags:
        time.sleep(0.02)
        return tags(piece)

    monkeypatch.setattr(workbook_cells, "_Tags", slow)
    said: list[str] = []

    def scan() -> None:
        try:
            workbook_cells.open_sheet(path)
        except UnusableInput as refused:
            said.append(str(refused))

    scanning = threading.Thread(target=scan)  # (were the thread left waiting: a hang)
    scanning.start()
    scanning.join(timeout=30)
    assert not scanning.is_alive()
    assert "has more rows or columns than an Excel sheet holds (100 rows" in said[0]
    assert not unpacking()


def test_a_damaged_sheet_is_one_line(tmp_path: Path) -> None:
    # A byte of the sheet's deflated data changed: its CRC (or its inflating) fails as it
    # is unpacked, in the unpacking thread; the scan says so, and the thread has ended.
    path = tmp_path / "roster.xlsx"
    roster(path, 3_000)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    data[info.header_offset + 30 + len(info.filename) + len(info.extra)
         + info.compress_size // 2] ^= 0x55
    path.write_bytes(bytes(data))
    with pytest.raises(UnusableInput, match=r"^is a damaged workbook \("):
        workbook_cells.open_sheet(path)
    assert not unpacking()
