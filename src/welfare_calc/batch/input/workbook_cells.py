"""Workbook cells as Excel shows them, not only as a library's value: the reading boundary.

python-calamine gives a cell's value, and that is not all a cell says. A
supplement typed ``20%`` is stored as 0.2 with a percent format; a formula
written by a script (openpyxl, XlsxWriter, an exporter) holds no value until
a spreadsheet calculates and saves it, and reads as empty or 0; an error
cell (``#N/A``, ``#DIV/0!``) reads as empty. Taken as values, each becomes a
silent wrong amount: an empty start is "covered since before the raise".
So this module opens a workbook, chooses the sheet a clerk sees, and tells
each row's cells with what the value alone hides:

- :class:`Percent`: a number shown as a percentage (``0.2`` shown ``20%``);
- :class:`BadCell`: an error cell, or a formula with no saved value, with
  what to do; the row is refused, never read as empty;
- :class:`Merged`: a cell inside a merged range, which Excel shows with the
  range's value though the file holds it in the top-left cell alone (a
  花名册 merges its 乡镇（街道） down each town's rows): read as empty, the
  town's households would fall under no town, and a shared start month would
  read as "covered since before the raise".

Which file is which is read from its first bytes, not its name: an ``.xls``
that is really a web page (what government systems export as "Excel") or
text is told as such, with how to save it.

- **.xlsx / .xlsm**: values by python-calamine; formats, formulas and
  errors by a streaming scan of the sheet's XML (stdlib ``zipfile``, one NumPy
  pass over each block's tags, :class:`_Tags`), which also bounds the sheet before calamine
  allocates it (a stray cell at ``XFD1048576`` would otherwise make it ask
  for 512 GB and abort the process) and refuses an archive that unpacks far
  beyond its data.
- **.xls**: xlrd, which reports error cells, each cell's format and the
  merged ranges itself, and a walk of the sheet's BIFF records for what it
  does not report: formulas never calculated. An ``.xls`` that Excel or
  LibreOffice saved stores each formula's value, but one written by a script
  (xlwt, Java POI) stores a placeholder, which xlrd reads as the value (empty
  text, 0) (:func:`_never_calculated`).
- **.ods, .xlsb**: refused, saying to save as .xlsx: no reader here can see
  their error cells and formats, and a roster read without them could pay
  the wrong amount without a word.
"""

from __future__ import annotations

import os
import queue
import re
import struct
import threading
import zipfile
import zlib
from bisect import bisect_right
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO, NamedTuple
from xml.etree import ElementTree

import numpy as np
import numpy.typing as npt

from welfare_calc.core.errors import UnusableInput, os_reason
from welfare_calc.core.words import N_, _, listed

SHEET_ROWS = 1_048_576
"""Rows an Excel sheet holds."""
SHEET_COLUMNS = 16_384
"""Columns an Excel sheet holds (A to XFD)."""
MAX_UNPACKED = 4 << 30
"""Largest part of a workbook unpacked (4 GB): a full sheet of a roster is about 1 GB."""
MAX_RATIO = 100
"""How many times its packed size a part may unpack to, past :data:`SMALL_PART`.
Rosters unpack to 10 to 20 times; an archive built to exhaust memory, to thousands."""
SMALL_PART = 16 << 20
"""Parts smaller than this unpacked are never a danger, whatever their ratio."""
SPARSE = 16
"""A sheet whose used range has more than this many times its cells (and more than
:data:`DENSE_FREE` in all) is refused: it would be allocated whole to be read."""
DENSE_FREE = 1 << 20
BLOCK = 1 << 20
"""Bytes of a sheet's XML scanned at a time. Each block is held in a few copies (unpacked,
cut after a row, searched), and since the workbook is opened while the sheet is scanned
(:class:`_Opening`) they add to its memory: at 4 MB the batch of a million rows peaked
at 162 MB in its main process, at 1 MB at 122 MB (as before the opening overlapped),
and as fast."""
MAX_ROW_XML = 64 << 20
"""Longest XML of one row (16,384 cells of a long text each would be less)."""
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
PERCENT_FORMATS = frozenset({9, 10})
"""Excel's built-in percent number formats (``0%``, ``0.00%``)."""
SAVE_AS_XLSX = N_("save it from Excel or WPS as .xlsx (文件 → 另存为 → Excel 工作簿), or as CSV "
                  "UTF-8")
"""How to make a file the batch reads of one it cannot: the end of many messages."""


_Positions = npt.NDArray[np.intp]
_Bytes = npt.NDArray[np.uint8]
_Flags = npt.NDArray[np.bool_]


HOLDS_ERROR = N_("holds the error {error}: correct the formula or type the value")
"""What a cell holding an Excel error (#N/A, #DIV/0!, …) is told."""


def _refused(message: str, **values: object) -> UnusableInput:
    """A workbook refused: ``message`` (looked up) with its values and ``{save_as}``,
    how to save the file as one the batch reads (:data:`SAVE_AS_XLSX`)."""
    return UnusableInput(_(message).format(save_as=_(SAVE_AS_XLSX), **values))


NEVER_CALCULATED = N_("holds a formula with no saved value (the file was written by a program "
                      "and never calculated): open it in Excel or WPS, save it, and run again")
"""What a formula cell whose value was never calculated holds (.xlsx and .xls alike)."""


class Percent(NamedTuple):
    """A number the sheet shows as a percentage: its text is ``20%`` for 0.2."""

    value: float

    @property
    def text(self) -> str:
        """The percentage as shown, exactly: 0.2 is ``20%``, 0.125 is ``12.5%``."""
        hundred = (Decimal(repr(self.value)) * 100).normalize()
        return format(hundred, "f") + "%"


class Unformatted(NamedTuple):
    """A fraction under 1 whose number format the file does not say: 0.2 may be 20% shown
    as a percentage, or 0.20 yuan. Where a percentage is allowed (a supplement) the row is
    refused as ambiguous; elsewhere it is the number."""

    value: float


class BadCell(NamedTuple):
    """A cell whose value cannot be read: an error, or a formula never calculated."""

    problem: str
    """What the cell holds and what to do, without its place (the row's message adds it)."""


class Area(NamedTuple):
    """A merged range of a sheet: its first and last rows as Excel numbers them (from 1)
    and its first and last columns (from 0, A), inclusive."""

    first_row: int
    last_row: int
    first_column: int
    last_column: int

    @property
    def ref(self) -> str:
        """The range as Excel names it: ``A2:A5``."""
        return (f"{column_letter(self.first_column)}{self.first_row}:"
                f"{column_letter(self.last_column)}{self.last_row}")


class Merged(NamedTuple):
    """A cell inside a merged range, as Excel shows it: the range's value, which the file
    holds in the range's top-left cell alone (any other cell's own value is hidden by
    the merge, and Excel shows none of it)."""

    value: object
    """The top-left cell's value, as told (a :class:`BadCell` or :class:`Percent` too)."""
    area: Area
    own: bool
    """This is the top-left cell, where the file keeps the value; the others show it."""


Cell = object
"""A cell as told: calamine's or xlrd's value, a :class:`Percent`, a :class:`BadCell`, or
a :class:`Merged` cell."""


class MarkedRow(list[Cell]):
    """A row holding a :class:`BadCell`, an :class:`Unformatted` or a :class:`Merged` cell:
    only such rows are searched for them (the rest, nearly all, pass as calamine gave
    them)."""


class Block(NamedTuple):
    """Consecutive rows of a sheet, taken a block at a time (:meth:`SheetRows.blocks`)."""

    first: int
    """Excel's number of the first row."""
    rows: list[Sequence[Cell]]
    raw: bool
    """The rows are the reader's own lists, none of whose cells is marked or merged: told,
    they would be the same cells but for python-calamine-plus's whole numbers (an ``int``,
    where the row told has python-calamine's ``float``) and trailing empty cells. A reader
    of a raw block reads an ``int`` beyond 2**53 through :meth:`SheetRows.told` (a
    ``float`` of it has other digits); else the rows are told (:class:`MarkedRow` where
    marked or merged)."""


class SheetRows:
    """A sheet's rows, told one at a time from Excel's row 1 (an iterator), and the rest
    of them a block at a time (:meth:`blocks`).

    A roster's rows are nearly all unmarked and unmerged, and telling each one (a
    Python pass over its cells) cost more than reading it: a block that no mark and
    no merged range touches is handed on as the reader gave it, to be turned into
    text a column at a time (``sheet_reading``), and only its few rows that need it
    are told one by one (:meth:`told`).
    """

    AHEAD = 32
    """Rows read at a time when told one at a time (the header and the rows above it)."""
    BLOCK_CELLS = 1 << 17
    """Most cells in a block: a sheet thousands of columns wide is read a few rows at a
    time (one of seven columns, 2,048 rows at a time)."""

    def __init__(self, read: Callable[[int], list[Sequence[Cell]]],
                 tell: Callable[[int, Sequence[Cell]], Sequence[Cell]] | None = None,
                 quiet: Callable[[int, int], bool] | None = None, *, width: int = 1) -> None:
        """``read(count)``: the reader's next ``count`` rows (fewer at the end); ``tell``
        (number, row): a row as told, its marks and merged cells put in place (None: the
        reader's rows are told already); ``quiet(first, last)``: no mark or merged range
        touches those rows (None: none is known to be); ``width``: the most cells a row
        has, which bounds a block's rows (:data:`BLOCK_CELLS`)."""
        self._read = read
        self._tell = tell
        self._quiet = quiet
        self._most = max(1, self.BLOCK_CELLS // max(width, 1))
        """Most rows in a block."""
        self._ahead: list[Sequence[Cell]] = []
        self._number = 0
        """Excel's number of the last row read."""

    def __iter__(self) -> SheetRows:
        return self

    def __next__(self) -> Sequence[Cell]:
        if not self._ahead:
            self._ahead = self._read(self.AHEAD)
            self._ahead.reverse()
            if not self._ahead:
                raise StopIteration
        self._number += 1
        return self.told(self._number, self._ahead.pop())

    def told(self, number: int, row: Sequence[Cell]) -> Sequence[Cell]:
        """Row ``number`` as the reader gave it, told. Rows are told in order: a merged
        range's value is its first row's."""
        return row if self._tell is None else self._tell(number, row)

    def blocks(self, size: int) -> Iterator[Block]:
        """The rows not yet read, ``size`` at a time (the first block may be smaller).

        The iterator keeps no block it gave: the batch's workers are forked while a
        block is being read, and what the main process holds then is copied into them
        as it changes (a generator's frame would hold the last block)."""
        return iter(partial(self._block, min(size, self._most)), None)

    def _block(self, size: int) -> Block | None:
        """The next ``size`` rows (or those read ahead), None at the end."""
        if self._ahead:
            rows, self._ahead = self._ahead[::-1], []
        else:
            rows = self._read(size)
        if not rows:
            return None
        first, self._number = self._number + 1, self._number + len(rows)
        if self._tell is not None and self._quiet is not None and self._quiet(
                first, self._number):
            return Block(first, rows, raw=True)
        return Block(first, [self.told(number, row) for number, row in enumerate(rows, first)],
                     raw=False)


def quiet_rows(marked: Iterable[int], areas: Iterable[Area]) -> Callable[[int, int], bool]:
    """Whether rows ``first`` to ``last`` are free of the ``marked`` rows and of the merged
    ``areas``: the union of both, as disjoint spans, searched by bisection."""
    spans = sorted([*((row, row) for row in marked),
                    *((area.first_row, area.last_row) for area in areas)])
    starts: list[int] = []
    ends: list[int] = []
    for start, end in spans:
        if ends and start <= ends[-1] + 1:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)

    def quiet(first: int, last: int) -> bool:
        at = bisect_right(starts, last) - 1
        return at < 0 or ends[at] < first

    return quiet


@dataclass
class Sheet:
    """The sheet to read and its rows, told from Excel's row 1."""

    name: str
    rows: SheetRows
    offset: int
    """Excel's column (0-based) of each row's first cell."""
    height: int
    """Rows told, for progress."""
    merged: tuple[Area, ...] = ()
    """The sheet's merged ranges, each of whose cells :attr:`rows` tells as a
    :class:`Merged` cell."""


def column_letter(index: int) -> str:
    """Excel's name of a column: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_index(letters: bytes | str) -> int:
    """The 0-based column of Excel's letters: A is 0, AA is 26."""
    index = 0
    for letter in letters if isinstance(letters, str) else letters.decode("ascii"):
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def open_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """The sheet of ``path`` to read: ``sheet``, else the one a clerk sees (the active
    sheet, or the first visible one). Refuses, with what to do, whatever it cannot
    read as Excel shows it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(2048)
    except OSError as error:
        raise UnusableInput(_("cannot be read ({reason})").format(reason=os_reason(error))
                            ) from None
    if head.startswith(b"PK\x03\x04"):
        return _zipped(path, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _xls(path, sheet)
    raise UnusableInput(_not_a_workbook(head).format(save_as=_(SAVE_AS_XLSX)))


def _not_a_workbook(head: bytes) -> str:
    """What a file named as a workbook is instead, and how to save it as one (its
    ``{save_as}`` to fill in)."""
    text = head.replace(b"\x00", b"").removeprefix(b"\xef\xbb\xbf").removeprefix(
        b"\xff\xfe").removeprefix(b"\xfe\xff").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or (
            b"<html" in text[:512] and not text.startswith(b"<?xml")):
        return _("is a web page (HTML) named as an Excel file, as web systems export it; open "
                 "it in Excel and {save_as}")
    if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        return _('is an "XML Spreadsheet 2003" file, not a workbook; open it in Excel and '
                 "{save_as}")
    if text.startswith(b"mime-version"):
        return _("is a web archive (MHT) named as an Excel file; open it in Excel and {save_as}")
    if b"\t" in text or b"," in text:
        return _("is text (tab- or comma-separated), not a workbook; rename it to .csv, or open "
                 "it in Excel and {save_as}")
    return _("is not an Excel workbook (.xlsx or .xls); {save_as}")


# --- .xlsx and .xlsm -----------------------------------------------------------------------


@dataclass
class _Book:
    """What an .xlsx says of itself, beyond its values."""

    sheets: list[tuple[str, str, str]]
    """(name, state, part) of each sheet, in workbook order."""
    active: int
    percent_styles: frozenset[int]
    uncalculated: bool
    """Written by a program that asked for a calculation on opening (``fullCalcOnLoad``):
    its formulas' values were never calculated."""


def _zipped(path: Path, sheet: str | None) -> Sheet:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _refused(N_("is a damaged workbook ({error}); {save_as}"), error=error) from None
    with archive:
        names = set(archive.namelist())
        if "content.xml" in names and "xl/workbook.xml" not in names:
            raise _refused(N_("is an OpenDocument (.ods) workbook: its error cells and number "
                              "formats cannot be read here, and a roster read without them "
                              "could pay wrong amounts; {save_as}"))
        if "xl/workbook.bin" in names:
            raise _refused(N_("is a binary workbook (.xlsb): its error cells and number formats "
                              "cannot be read here; {save_as}"))
        if "xl/workbook.xml" not in names:
            raise _refused(N_("is a ZIP archive, not an Excel workbook; {save_as}"))
        for info in archive.infolist():
            _bounded(info)
        book = _book(archive)
        chosen = _choose(book, sheet)
        name, _state, part = book.sheets[chosen]
        if part not in names:
            raise _refused(N_("is a damaged workbook: sheet {sheet} has no data; {save_as}"),
                           sheet=repr(name))
        scan = _Scan(name, book.percent_styles, book.uncalculated)
        opening = _Opening(path, name) if _may_stream(archive.getinfo(part)) else None
        try:
            with archive.open(part) as stream:
                scan.read(stream)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            # The sheet's part damaged past its header: its CRC or its deflated data.
            raise _refused(N_("is a damaged workbook ({error}); {save_as}"),
                           error=error) from None
        finally:
            if opening is not None:
                opening.join()  # (what it opened is dropped if the scan refuses the sheet)
    return _calamine_sheet(path, name, scan, opening)


def _bounded(info: zipfile.ZipInfo) -> None:
    """Refuse a part that unpacks far beyond its data, before anything unpacks it."""
    unpacked, packed = info.file_size, max(info.compress_size, 1)
    if unpacked > MAX_UNPACKED or (unpacked > SMALL_PART and unpacked > MAX_RATIO * packed):
        raise _refused(N_("is not read: its part {part} unpacks to {unpacked} MB from {packed} "
                          "KB, far beyond any roster; {save_as}"), part=repr(info.filename),
                       unpacked=f"{unpacked >> 20:,}", packed=f"{packed >> 10:,}")


def _xml(archive: zipfile.ZipFile, part: str) -> ElementTree.Element | None:
    """A small part of the workbook as XML, or None where there is none."""
    try:
        with archive.open(part) as stream:
            data = stream.read(MAX_ROW_XML + 1)
    except KeyError:
        return None
    if len(data) > MAX_ROW_XML:
        raise UnusableInput(_("is not read: its part {part} is larger than any workbook's"
                              ).format(part=repr(part)))
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise _refused(N_("is a damaged workbook ({error}); {save_as}"),
                       error=f"{part}: {error}") from None


def _book(archive: zipfile.ZipFile) -> _Book:
    workbook = _xml(archive, "xl/workbook.xml")
    assert workbook is not None
    targets: dict[str, str] = {}
    relations = _xml(archive, "xl/_rels/workbook.xml.rels")
    for relation in [] if relations is None else relations.iter(f"{{{PACKAGE}}}Relationship"):
        target = relation.get("Target", "")
        targets[relation.get("Id", "")] = (target.lstrip("/") if target.startswith("/")
                                           else "xl/" + target)
    sheets = [(element.get("name", ""), element.get("state", "visible"),
               targets.get(element.get(f"{{{RELATIONSHIPS}}}id", ""), ""))
              for element in workbook.iter(f"{{{MAIN}}}sheet")]
    if not sheets:
        raise UnusableInput(_("the workbook has no sheet"))
    view = workbook.find(f"{{{MAIN}}}bookViews/{{{MAIN}}}workbookView")
    active = _whole(view.get("activeTab", "0") if view is not None else "0")
    calculation = workbook.find(f"{{{MAIN}}}calcPr")
    uncalculated = calculation is not None and calculation.get("fullCalcOnLoad") in ("1", "true")
    return _Book(sheets, active if 0 <= active < len(sheets) else 0,
                 _percent_styles(_xml(archive, "xl/styles.xml")), uncalculated)


def _whole(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() else -1


def _percent_styles(styles: ElementTree.Element | None) -> frozenset[int]:
    """The cell styles (``s`` attributes) whose number format shows a percentage."""
    if styles is None:
        return frozenset()
    percent = set(PERCENT_FORMATS)
    for number_format in styles.iter(f"{{{MAIN}}}numFmt"):
        if _shows_percent(number_format.get("formatCode", "")):
            percent.add(_whole(number_format.get("numFmtId", "")))
    cell_styles = styles.find(f"{{{MAIN}}}cellXfs")
    if cell_styles is None:
        return frozenset()
    return frozenset(index for index, style in enumerate(cell_styles.iter(f"{{{MAIN}}}xf"))
                     if _whole(style.get("numFmtId", "0")) in percent)


def _shows_percent(code: str) -> bool:
    """Whether a number format code shows its number as a percentage: a ``%`` outside
    quoted text, escapes and ``[…]`` sections."""
    plain = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return "%" in plain


def _choose(book: _Book, sheet: str | None) -> int:
    """The sheet asked for, else the active one if visible, else the first visible one."""
    names = [name for name, _, _ in book.sheets]
    if sheet is not None:
        if sheet not in names:
            raise _no_sheet(sheet, names)
        return names.index(sheet)
    if book.sheets[book.active][1] == "visible":
        return book.active
    for index, (_name, state, _part) in enumerate(book.sheets):
        if state == "visible":
            return index
    raise UnusableInput(_(ALL_HIDDEN))


ALL_HIDDEN = N_("every sheet of the workbook is hidden; show the roster's sheet, or name it "
                "with --sheet")


def _no_sheet(sheet: str, names: Sequence[str]) -> UnusableInput:
    """The error for ``--sheet`` naming a sheet the workbook (its sheets ``names``) lacks."""
    return UnusableInput(_("has no sheet named {sheet}; its sheets: {names}").format(
        sheet=repr(sheet), names=listed(repr(name) for name in names)))


_ROW = re.compile(rb'<row r="([0-9]+)"')
_WIDE_COLUMN = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')
_FAR_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{7,})"')
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_VALUE = re.compile(rb"<v>[^<]")
_MERGED = re.compile(rb'<(?:[A-Za-z_][-.\w]*:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3})([0-9]{1,7})'
                     rb'(?::([A-Z]{1,3})([0-9]{1,7}))?"')


def _unpacked(stream: IO[bytes]) -> Generator[bytes, None, None]:
    """``stream`` a :data:`BLOCK` at a time, then ``b""``, unpacked by a thread a block or
    two ahead of the scan.

    Unpacking a million-row sheet (inflating it and checking its CRC) takes 0.25 s, and
    zlib lets other threads run while it works, as NumPy does while it searches a block
    (:class:`_Tags`): the two overlap on a second processor (0.62 s → 0.37 s for the whole
    scan, measured), and nothing else runs then, since the rows are read after the
    scan. Threads, not processes: the same on Windows. An error unpacking (a damaged
    part) is raised here, in the scan's thread; the thread is ended, and joined, before
    the caller closes ``stream``.
    """
    blocks: queue.Queue[bytes | BaseException] = queue.Queue(2)
    stop = threading.Event()

    def unpack() -> None:
        try:
            while not stop.is_set():
                block = stream.read(BLOCK)
                blocks.put(block)
                if not block:
                    return
        except BaseException as error:
            blocks.put(error)

    thread = threading.Thread(target=unpack, name="welfare-calc unpack sheet", daemon=True)
    thread.start()
    try:
        while True:
            block = blocks.get()
            if isinstance(block, BaseException):
                raise block
            yield block
            if not block:
                return
    finally:
        stop.set()
        while thread.is_alive():  # take what it waits to put, until it sees the stop
            with suppress(queue.Empty):
                blocks.get(timeout=0.01)
        thread.join()


class _Tags:
    """What the tags of a piece of a sheet's XML say at a glance, from one pass over it.

    The scan asked each question of the whole piece (how many rows and cells, any
    reference past column Z or row 999,999, any formula, error cell or merged range),
    each a pass of C over the 160 MB of a million-row sheet, 0.1 to 0.25 s each. Here
    the start of every tag but closing ones is found once (NumPy) and the few bytes
    after each looked at: the rows and cells are counted exactly, each formula's
    ``<f`` is found, and what is rare (a reference long enough to name a far row or a
    wide column; a tag other than a sheet's everyday ``<row ``, ``<c ``, ``<v>``,
    ``<is>`` and ``<t>``, as a merged range's is; the bytes ``"e`` of ``t="e"``, an
    error cell) only says whether the piece is searched for it as before. A roster's
    pieces hold none of it. tests/test_workbook_scan.py holds it to the searches it
    spares.
    """

    __slots__ = ("cells", "errors", "far", "formulas", "rows", "unusual", "wide")

    def __init__(self, piece: bytes) -> None:
        if len(piece) < 16:
            piece += bytes(16)  # (NUL bytes complete no tag)
        data = np.frombuffer(piece, np.uint8)

        def after(positions: _Positions, ahead: int) -> _Bytes:
            """The byte ``ahead`` of each position. Past the piece's end it is the last
            byte again, which completes none of the tags sought: none has the same byte
            twice in a row (a tag cut by the piece's end is not counted, as before)."""
            return data[ahead:].take(positions, mode="clip")

        opens = np.flatnonzero((data[:-1] == ord("<")) & (data[1:] != ord("/")))
        first, second = after(opens, 1), after(opens, 2)
        cell = (first == ord("c")) & (second == ord(" "))
        rowish = opens[(first == ord("r")) & (second == ord("o"))]
        row = rowish[after(rowish, 3) == ord("w")]
        self.rows = len(row)
        """``<row``, counted exactly."""
        self.cells = int(np.count_nonzero(cell))
        """``<c ``, counted exactly."""
        formulas = opens[first == ord("f")]
        then = after(formulas, 2)
        self.formulas: list[int] = formulas[
            (then == ord(" ")) | (then == ord(">")) | (then == ord("/"))].tolist()
        """Where each ``<f ``, ``<f>`` or ``<f/>`` starts, in order."""
        text = second[first == ord("t")]
        inline = opens[(first == ord("i")) & (second == ord("s"))]
        everyday = (self.cells + int(np.count_nonzero(after(row, 4) == ord(" ")))
                    + int(np.count_nonzero((first == ord("v")) & (second == ord(">"))))
                    + int(np.count_nonzero((text == ord(">")) | (text == ord(" "))))
                    + int(np.count_nonzero(after(inline, 3) == ord(">"))))
        self.unusual = everyday < len(opens)
        """A tag other than the everyday ones (a merged range's among them)."""
        cells = opens[cell]
        named = cells[(after(cells, 3) == ord("r")) & (after(cells, 4) == ord("="))
                      & (after(cells, 5) == ord('"'))]
        self.wide = bool(np.any(_letters(after(named, 6)) & _letters(after(named, 7))))
        """A reference ``<c r="`` whose column may be past Z (two letters or more)."""
        long = named[_digits(after(named, 13))]
        self.far = bool(np.any(np.all(
            data.take(long[:, None] + np.arange(7, 13), mode="clip") != ord('"'), axis=1)))
        """A reference ``<c r="`` eight or more characters long, as any of a row past
        999,999 is (a letter or more, and seven digits)."""
        pairs = len(data) // 2 * 2
        quote_e = ord('"') | ord("e") << 8  # the bytes ``"e`` as one little-endian number
        self.errors = bool(np.any(data[:pairs].view("<u2") == quote_e)) or bool(
            np.any(data[1:1 + (len(data) - 1) // 2 * 2].view("<u2") == quote_e))
        """The bytes ``"e``, which ``t="e"`` holds, anywhere."""


def _letters(found: _Bytes) -> _Flags:
    return (found >= ord("A")) & (found <= ord("Z"))


def _digits(found: _Bytes) -> _Flags:
    return (found >= ord("0")) & (found <= ord("9"))


@dataclass
class _Scan:
    """What a sheet's XML says beyond calamine's values: its extent, and its marked cells."""

    sheet: str
    percent_styles: frozenset[int]
    uncalculated: bool
    last_row: int = 0
    rows: int = 0
    last_column: int = 0
    """0-based; at least Z (25) unless wider columns are named."""
    cells: int = 0
    marks: dict[int, dict[int, Percent | BadCell | None]] = field(default_factory=dict)
    """Excel's row → column → what the cell is beyond its value (None: a percent format,
    whose value calamine gives)."""
    merged: list[Area] = field(default_factory=list)
    """The sheet's merged ranges (``<mergeCell ref="A2:A5"/>``, after its rows)."""

    def read(self, stream: IO[bytes]) -> None:
        """Scan the whole sheet a block at a time, each block cut after a row's end."""
        tail = b""
        with closing(_unpacked(stream)) as blocks:
            for block in blocks:
                data = tail + block
                if block:
                    cut = data.rfind(b"</row>")
                    if cut < 0:
                        if len(data) > MAX_ROW_XML:
                            raise _refused(N_("sheet {sheet} has a row larger than any sheet's; "
                                              "{save_as}"), sheet=repr(self.sheet))
                        tail = data
                        continue
                    piece, tail = data[:cut + 6], data[cut + 6:]
                else:
                    piece, tail = data, b""
                self._piece(piece)
        self._check_extent()

    def _piece(self, piece: bytes) -> None:
        # Rows come in order: the piece's last row is its farthest (a row placed out of
        # order is caught by its cells' references below, from row 1,000,000 on).
        tags = _Tags(piece)
        self.rows += tags.rows
        last = _ROW.search(piece, max(piece.rfind(b"<row "), 0))
        if last is not None:
            self.last_row = max(self.last_row, int(last[1]))
        # (A row's cells share its number: each number once, of a million-row sheet's
        # 340,000 cells from row 1,000,000 on.)
        far = set(_FAR_ROW.findall(piece)) if tags.far else ()
        self.last_row = max(self.last_row, self.rows, *map(int, far))
        if self.last_row > SHEET_ROWS:
            self._check_extent()
        self.cells += tags.cells
        wide = set(_WIDE_COLUMN.findall(piece)) if tags.wide else ()
        self.last_column = max(self.last_column, 25, *map(column_index, wide))
        position = piece.find(b't="e"') if tags.errors else -1
        while position >= 0:
            self._mark(piece, position, "error")
            position = piece.find(b't="e"', position + 5)
        for position in tags.formulas:
            self._mark(piece, position, "formula")
        for style in self.percent_styles:
            needle = b' s="%d"' % style
            position = piece.find(needle)
            while position >= 0:
                self._mark(piece, position, "percent")
                position = piece.find(needle, position + len(needle))
        # (text holding it is escaped: &lt;mergeCell)
        if tags.unusual and b"mergeCell" in piece:
            for found in _MERGED.finditer(piece):
                self._merge(found)

    def _merge(self, found: re.Match[bytes]) -> None:
        """Note a merged range (a range of one cell merges nothing)."""
        first_column, first_row = column_index(found[1]), int(found[2])
        last_column = column_index(found[3]) if found[3] else first_column
        last_row = int(found[4]) if found[4] else first_row
        area = Area(min(first_row, last_row), max(first_row, last_row),
                    min(first_column, last_column), max(first_column, last_column))
        if area.first_row < 1 or area.last_row > SHEET_ROWS or area.last_column >= SHEET_COLUMNS:
            raise UnusableInput(_("sheet {sheet!r}: the merged range {range} runs beyond what "
                                  "an Excel sheet holds; {save_as}").format(
                sheet=self.sheet, range=area.ref, save_as=_(SAVE_AS_XLSX)))
        if area.first_row != area.last_row or area.first_column != area.last_column:
            self.merged.append(area)

    def _mark(self, piece: bytes, position: int, kind: str) -> None:
        """Note what the cell around ``position`` is (an error, a formula, a percent)."""
        start = piece.rfind(b"<c", 0, position)
        tag_end = piece.find(b">", start)
        if start < 0 or piece[start + 2:start + 3] not in (b" ", b">"):
            return  # not inside a cell (a row's style, say)
        if kind in ("error", "percent") and tag_end < position:
            return  # the attribute is not the cell's own
        tag = piece[start:tag_end + 1]
        found = _REFERENCE.search(tag)
        if found is None:
            raise _refused(N_("sheet {sheet}: a cell without a cell reference; open the file "
                              "in Excel and save it, or {save_as}"), sheet=repr(self.sheet))
        row, column = int(found[2]), column_index(found[1])
        marks = self.marks.setdefault(row, {})
        ends = piece.find(b"</c>", tag_end) if not tag.endswith(b"/>") else tag_end
        body = piece[tag_end + 1:ends] if ends > tag_end else b""
        if kind == "percent":
            marks.setdefault(column, None)
        elif kind == "error":
            shown = body.partition(b"<v>")[2].partition(b"</v>")[0].decode("utf-8", "replace")
            marks[column] = BadCell(_(HOLDS_ERROR).format(error=shown or "#VALUE!"))
        elif self.uncalculated or not self._has_value(tag, body):
            marks[column] = BadCell(_(NEVER_CALCULATED))

    @staticmethod
    def _has_value(tag: bytes, body: bytes) -> bool:
        """Whether a formula cell holds the value it was last calculated to."""
        kind = _TYPE.search(tag)
        if kind is not None and kind[1] == b"str":  # a text result may be empty text
            return b"<v>" in body
        return _VALUE.search(body) is not None

    def _check_extent(self) -> None:
        if self.last_row > SHEET_ROWS or self.last_column >= SHEET_COLUMNS:
            raise _refused(N_("sheet {sheet} has more rows or columns than an Excel sheet holds "
                              "({rows} rows, {columns} columns); {save_as}"),
                           sheet=repr(self.sheet), rows=f"{SHEET_ROWS:,}",
                           columns=f"{SHEET_COLUMNS:,}")
        area = self.last_row * (self.last_column + 1)
        if area > DENSE_FREE and area > SPARSE * self.cells:
            last = f"{column_letter(self.last_column)}{self.last_row}"
            raise UnusableInput(_("sheet {sheet}: its used range runs to {last} but holds only "
                                  "{cells} cells; delete the stray cells after the table "
                                  "(Ctrl+End shows the last one), or copy the table to a new "
                                  "sheet").format(sheet=repr(self.sheet), last=last,
                                                  cells=f"{self.cells:,}"))


def _marked(row: Sequence[Cell], marks: Mapping[int, Cell | None], offset: int) -> MarkedRow:
    """A row with what the sheet's XML says of its cells put in place: an error or a
    formula with no value (the mark), or a percent-formatted number (None: its value, as a
    :class:`Percent`). ``offset``: Excel's column of the row's first cell."""
    cells = MarkedRow(row)
    for column, mark in marks.items():
        at = column - offset
        if at < 0:
            continue
        if at >= len(cells):
            cells.extend([""] * (at + 1 - len(cells)))
        value = cells[at]
        if mark is not None:
            cells[at] = mark
        elif isinstance(value, int | float) and not isinstance(value, bool):
            cells[at] = Percent(float(value))  # a cell's value (Excel's), not money
    return cells


class _Merging:
    """Each cell of the sheet's merged ranges told as a :class:`Merged` cell, as the rows
    come (in order, so that a range's top-left cell, which holds its value, comes first).

    Only the ranges open at a row are looked at, and a sheet without merged ranges has
    none of this (its rows pass as they are). A range is told only as far as the sheet's
    cells go (``last_column``): past them no column has a header.
    """

    def __init__(self, sheet: str, areas: Sequence[Area], last_column: int) -> None:
        self.sheet = sheet
        self.waiting = sorted(areas, reverse=True)  # the next to open last
        self.open: list[tuple[Area, Cell]] = []
        self.last_column = last_column

    def row(self, number: int, cells: Sequence[Cell], offset: int) -> Sequence[Cell]:
        """Row ``number`` (as Excel numbers rows), whose first cell is in Excel's column
        ``offset``, with its merged cells told."""
        if self.open and any(area.last_row < number for area, _value in self.open):
            self.open = [(area, value) for area, value in self.open if area.last_row >= number]
        while self.waiting and self.waiting[-1].first_row <= number:
            self._opened(self.waiting.pop(), number, cells, offset)
        if not self.open:
            return cells
        told = cells if isinstance(cells, MarkedRow) else MarkedRow(cells)
        for area, value in self.open:
            for column in range(max(area.first_column, offset),
                                min(area.last_column, self.last_column) + 1):
                at = column - offset
                if at >= len(told):
                    told.extend([""] * (at + 1 - len(told)))
                told[at] = Merged(value, area, number == area.first_row
                                  and column == area.first_column)
        return told

    def _opened(self, area: Area, number: int, cells: Sequence[Cell], offset: int) -> None:
        if area.last_row < number:
            return  # wholly above the rows told
        for other, _value in self.open:
            if other.first_column <= area.last_column and area.first_column <= other.last_column:
                raise UnusableInput(_("sheet {sheet!r}: the merged ranges {first} and {second} "
                                      "overlap, which Excel never saves; open the file in "
                                      "Excel or WPS and save it, or {save_as}").format(
                    sheet=self.sheet, first=other.ref, second=area.ref,
                    save_as=_(SAVE_AS_XLSX)))
        at = area.first_column - offset
        value = cells[at] if area.first_row == number and 0 <= at < len(cells) else ""
        self.open.append((area, value))


def _merging(sheet: str, areas: Sequence[Area], last_column: int) -> _Merging | None:
    """What tells the merged cells of a sheet: None for a sheet without merged ranges."""
    return _Merging(sheet, areas, last_column) if areas else None


STREAM_PAST = 1_000_000
"""Cells in a sheet past which it is streamed (where the ``large-workbooks`` extra is
installed). python-calamine holds a sheet whole, about 60 bytes a cell: a town's roster of a
few thousand rows takes a few MB, a million rows of seven columns 470 MB; streamed, the
whole batch of that million stays near 175 MB, all processes (docs/performance.md)."""


def _reader(scan: _Scan) -> str:
    """Which reader reads the sheet: ``calamine`` (python-calamine, well kept, the sheet
    held whole) up to :data:`STREAM_PAST` cells, ``stream`` (python-calamine-plus) past it.
    ``WELFARE_CALC_WORKBOOK_READER`` (``calamine`` or ``stream``) chooses outright: the
    tests run every workbook through both."""
    chosen = os.environ.get("WELFARE_CALC_WORKBOOK_READER")
    if chosen in ("calamine", "stream"):
        return chosen
    return "stream" if scan.cells > STREAM_PAST else "calamine"


def _may_stream(part: zipfile.ZipInfo) -> bool:
    """Whether the sheet ``part`` may be streamed (:func:`_reader`), as far as its size
    tells before it is scanned: it may hold more than :data:`STREAM_PAST` cells of 11
    bytes of XML or more (``<c r="A1"/>``), or the stream is chosen outright. (A sheet of
    smaller cells still is streamed, opened after its scan.)"""
    chosen = os.environ.get("WELFARE_CALC_WORKBOOK_READER")
    if chosen in ("calamine", "stream"):
        return chosen == "stream"
    return part.file_size > 11 * STREAM_PAST


class _Opening:
    """python-calamine-plus opening the workbook and its sheet's stream in a thread, while
    the sheet is scanned.

    Opening it (the workbook's parts and its shared strings, 0.2 s for a million-row
    roster as Excel saves it) waited for the scan, though neither needs the other, and
    both let a second thread run (python-calamine-plus's native code, zlib and NumPy):
    they overlap, and the reading starts 0.2 s sooner. Threads, so the same on Windows.
    What it opened is used only if the scan chooses the stream (:func:`_streamed_sheet`),
    and dropped otherwise. Opening reads none of the sheet's cells: they are read a row
    at a time, after the scan has bounded the sheet.
    """

    def __init__(self, path: Path, name: str) -> None:
        self.stream: Iterator[Sequence[Cell]] | None = None
        """The stream of the sheet's rows, if the fork opened it (it keeps its workbook)."""
        self._thread = threading.Thread(target=self._open, args=(path, name),
                                        name="welfare-calc open sheet", daemon=True)
        self._thread.start()

    def _open(self, path: Path, name: str) -> None:
        try:
            import python_calamine_plus as plus  # noqa: PLC0415 - optional, see _streamed_sheet
        except ImportError:
            return
        try:
            book = plus.CalamineWorkbook.from_path(str(path))
            self.stream = book.stream_sheet_by_name(name)
        except Exception:  # python-calamine reads it instead, as before
            return

    def join(self) -> None:
        self._thread.join()


def _streamed_sheet(path: Path, name: str, scan: _Scan,
                    opening: _Opening | None = None) -> Sheet | None:
    """The sheet's rows as python-calamine-plus streams them, a row at a time in flat
    memory, where :func:`_reader` chooses it; None otherwise, or where that fork is not
    installed or cannot stream this file, and python-calamine reads it instead.

    The fork is young and one person's, with native code, so it is an optional extra
    (``large-workbooks``), left out of the offline bundle, and asked only for sheets far
    beyond a town's roster (docs/workbooks.md). It is held to python-calamine: its rows
    start at Excel's row 1 and column A, and a whole number comes as an ``int`` where
    python-calamine gives a ``float``; both are told here as python-calamine tells them,
    and the workbook tests run through both readers (``WELFARE_CALC_WORKBOOK_READER``).
    A block of rows passed on raw (:class:`SheetRows`) keeps the fork's ``int``, which
    its reader takes as python-calamine's ``float`` (``sheet_reading.WHOLE_EXACT``).
    ``opening``: the fork opening the workbook while the sheet was scanned (if its size
    said it may be streamed).
    """
    opened = None
    if opening is not None:
        opening.join()
        opened, opening.stream = opening.stream, None  # (held here alone: dropped unless read)
    if _reader(scan) != "stream":
        return None
    try:
        import python_calamine_plus as plus  # noqa: PLC0415 - optional, see above
    except ImportError:
        return None
    stream: Iterator[Sequence[Cell]]
    if opening is not None:
        if opened is None:
            return None
        stream = opened
    else:
        try:
            book = plus.CalamineWorkbook.from_path(str(path))
            stream = book.stream_sheet_by_name(name)
        except Exception:
            return None

    def read(count: int) -> list[Sequence[Cell]]:
        try:
            return list(islice(stream, count))
        except (plus.CalamineError, OSError) as error:  # a damaged part found on the way
            raise _refused(N_("cannot be read as a workbook ({error}); {save_as}"),
                           error=error) from None

    merging = _merging(name, scan.merged, scan.last_column)

    def tell(number: int, row: Sequence[Cell]) -> Sequence[Cell]:
        cells: list[Cell] = [float(value) if type(value) is int else value for value in row]
        while cells and cells[-1] == "":
            cells.pop()
        marks = scan.marks.get(number)
        marked = cells if marks is None else _marked(cells, marks, 0)
        return marked if merging is None else merging.row(number, marked, 0)

    return Sheet(name=name, rows=SheetRows(read, tell, quiet_rows(scan.marks, scan.merged),
                                           width=scan.last_column + 1),
                 offset=0, height=max(scan.last_row, 1), merged=tuple(scan.merged))


def _calamine_sheet(path: Path, name: str, scan: _Scan, opening: _Opening | None = None
                    ) -> Sheet:
    streamed = _streamed_sheet(path, name, scan, opening)
    if streamed is not None:
        return streamed
    import python_calamine  # noqa: PLC0415 - only a workbook needs it

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        data = book.get_sheet_by_name(name)
    except python_calamine.PasswordError:
        raise UnusableInput(_("the workbook is protected by a password; save a copy without "
                              "one")) from None
    except (python_calamine.CalamineError, OSError) as error:
        raise _refused(N_("cannot be read as a workbook ({error}); {save_as}"),
                       error=error) from None
    offset = data.start[1] if data.start else 0
    merging = _merging(name, scan.merged, scan.last_column)
    rows = data.iter_rows()

    def read(count: int) -> list[Sequence[Cell]]:
        return list(islice(rows, count))

    def tell(number: int, row: Sequence[Cell]) -> Sequence[Cell]:
        marks = scan.marks.get(number)
        marked = row if marks is None else _marked(row, marks, offset)
        return marked if merging is None else merging.row(number, marked, offset)

    return Sheet(name=name, rows=SheetRows(read, tell, quiet_rows(scan.marks, scan.merged),
                                           width=max(data.width, scan.last_column + 1 - offset)),
                 offset=offset, height=max(data.height, 1), merged=tuple(scan.merged))


# --- .xls ------------------------------------------------------------------------------------


def _xls(path: Path, sheet: str | None) -> Sheet:
    import xlrd  # noqa: PLC0415 - only an .xls needs it
    from xlrd.biffh import XLRDError  # noqa: PLC0415
    from xlrd.compdoc import CompDocError  # noqa: PLC0415

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
        names = book.sheet_names()
        sheets = [book.sheet_by_index(index) for index in range(book.nsheets)]
    except XLRDError as error:
        said = str(error)
        if "encrypt" in said.lower() or "Can't find workbook" in said:
            raise _refused(N_("cannot be read: the workbook is protected by a password (or "
                              "damaged); save a copy without one, or {save_as}")) from None
        raise _refused(N_("cannot be read as an .xls workbook ({error}); {save_as}"),
                       error=said) from None
    except (CompDocError, struct.error, OSError, ValueError, IndexError, KeyError, TypeError,
            AssertionError, EOFError, UnicodeDecodeError) as error:
        raise _refused(N_("is a damaged .xls workbook ({error}); {save_as}"),
                       error=error) from None
    if sheet is not None:
        if sheet not in names:
            raise _no_sheet(sheet, names)
        chosen = names.index(sheet)
    else:
        visible = [index for index, each in enumerate(sheets) if each.visibility == 0]
        if not visible:
            raise UnusableInput(_(ALL_HIDDEN))
        # xlrd's sheet_visible is the active sheet (its WINDOW2 record).
        active = [index for index in visible if getattr(sheets[index], "sheet_visible", 0)]
        chosen = (active or visible)[0]
    data = sheets[chosen]
    percent, unknown = xls_formats(book)
    never = _never_calculated(book, names[chosen])
    # xlrd's merged ranges: 0-based (first row, row after the last, first column, column
    # after the last).
    areas = [Area(first + 1, after, left, right - 1)
             for first, after, left, right in getattr(data, "merged_cells", ())
             if after - first > 1 or right - left > 1]
    merging = _merging(names[chosen], areas, data.ncols - 1)

    def cell(row: int, column: int) -> Cell:
        kind, value = data.cell_type(row, column), data.cell_value(row, column)
        number = float(value) if isinstance(value, int | float) else 0.0  # a cell's value
        if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return ""
        if kind == xlrd.XL_CELL_ERROR:
            shown = xlrd.error_text_from_code.get(int(number), "#VALUE!")
            return BadCell(_(HOLDS_ERROR).format(error=shown))
        if kind == xlrd.XL_CELL_BOOLEAN:
            return bool(value)
        if kind == xlrd.XL_CELL_DATE:
            try:
                moment: datetime = xlrd.xldate_as_datetime(number, book.datemode)
            except (ValueError, OverflowError):
                return number
            return moment.date() if moment.time() == datetime.min.time() else moment
        if kind == xlrd.XL_CELL_NUMBER:
            style = data.cell_xf_index(row, column)
            if style in percent:
                return Percent(number)
            if style in unknown and 0 < abs(number) < 1:
                return Unformatted(number)
            return int(number) if number.is_integer() else number
        return str(value)

    def rows() -> Iterator[Sequence[Cell]]:
        for row in range(data.nrows):
            cells = [cell(row, column) for column in range(data.row_len(row))]
            for column in never.get(row, ()):
                if column < len(cells):  # (xlrd has put each formula's cell in its row)
                    cells[column] = BadCell(_(NEVER_CALCULATED))
            marked = any(isinstance(value, BadCell | Unformatted) for value in cells)
            told = MarkedRow(cells) if marked else cells
            yield told if merging is None else merging.row(row + 1, told, 0)

    told = rows()

    def read(count: int) -> list[Sequence[Cell]]:
        return list(islice(told, count))

    return Sheet(name=names[chosen], rows=SheetRows(read, width=data.ncols), offset=0,
                 height=max(data.nrows, 1), merged=tuple(areas))


RECALC_ID = 0x01C1
"""BIFF8's RECALCID record: the build of the calculation engine that last calculated the
workbook (0: none; calculate it). Excel since 2002 and LibreOffice write it; xlwt and
Java POI do not (POI writes one of build 0 to ask for a calculation)."""
BOUND_SHEET = 0x0085
FORMULA = 0x0006
END_OF_FILE = 0x000A
CALCULATE_ON_OPEN = 0x0002
"""A FORMULA record's flag "calculate on opening": Java POI sets it on each formula it
writes, over a stored 0. Excel never sets it (its specification reserves the bit), but
OpenOffice and older LibreOffice set it on every formula, over the value they calculated."""
ZERO = bytes(8)
"""A FORMULA record's stored result 0 (the number)."""
EMPTY_TEXT = 3
"""A FORMULA record's stored result of the kind "empty text": xlwt's placeholder for every
formula, and what Excel and LibreOffice store for a formula calculated to ``""``."""


def _never_calculated(book: object, sheet: str) -> dict[int, list[int]]:
    """The formula cells of ``sheet`` whose stored value no spreadsheet calculated
    (0-based row → columns), read from its BIFF records, which xlrd does not report.

    A FORMULA record holds the formula and its last result, and xlrd reads the
    result, so a placeholder reads as a value. A workbook that a spreadsheet
    calculated says so (a RECALCID record of its engine's build) and none of its
    formulas is doubted. In one that none did, two writers leave placeholders:

    - Java POI stores 0 and flags the formula "calculate on opening". OpenOffice
      once set that flag on every formula too, over the value it calculated, so
      only a flagged 0 is taken as a placeholder;
    - xlwt stores empty text for every formula, which reads as an empty cell.
      A spreadsheet stores that too, for a formula calculated to ``""``, but
      hardly for every formula of a sheet: empty-text results are taken as
      placeholders only when every formula of the sheet stores one.

    (Tests compare a roster xlwt wrote with the same roster LibreOffice calculated
    and saved, and make POI's and OpenOffice's records.)
    """
    mem = getattr(book, "mem", None)
    if getattr(book, "biff_version", 0) < 80 or mem is None:
        return {}
    header = struct.Struct("<HH")
    base = getattr(book, "base", 0)
    end = len(mem)
    position, start = base, -1
    while position + 4 <= end:  # the workbook's globals, to their end
        kind, size = header.unpack_from(mem, position)
        body = position + 4
        if kind == RECALC_ID and size >= 8 and struct.unpack_from("<I", mem, body + 4)[0]:
            return {}  # calculated by a spreadsheet, which stored every value
        if kind == BOUND_SHEET and size >= 8 and start < 0 and _sheet_name(
                bytes(mem[body + 6:body + size])) == sheet:
            start = base + struct.unpack_from("<I", mem, body)[0]
        elif kind == END_OF_FILE:
            break
        position = body + size
    found: dict[int, list[int]] = {}
    empty_text: list[tuple[int, int]] = []
    only_empty_text = True
    position = start if start >= 0 else end
    while position + 4 <= end:  # the sheet's records, to its end
        kind, size = header.unpack_from(mem, position)
        body = position + 4
        if kind == FORMULA and size >= 16:
            row, column = header.unpack_from(mem, body)
            result = bytes(mem[body + 6:body + 14])
            flags = struct.unpack_from("<H", mem, body + 14)[0]
            if flags & CALCULATE_ON_OPEN and result == ZERO:
                found.setdefault(row, []).append(column)
            elif result[6:] == b"\xff\xff" and result[0] == EMPTY_TEXT:
                empty_text.append((row, column))
            else:
                only_empty_text = False
        elif kind == END_OF_FILE:
            break
        position = body + size
    if only_empty_text:
        for row, column in empty_text:
            found.setdefault(row, []).append(column)
    return found


def _sheet_name(data: bytes) -> str:
    """A BOUNDSHEET record's name (BIFF8: its length, then 8-bit or UTF-16 characters)."""
    if len(data) < 2:
        return ""
    count, wide = data[0], data[1] & 1
    text = data[2:2 + count * (2 if wide else 1)]
    return text.decode("utf-16-le", "replace") if wide else text.decode("latin-1")


def xls_formats(book: object) -> tuple[frozenset[int], frozenset[int]]:
    """The .xls cell styles (XF records) whose number format shows a percentage, and those
    whose format the file does not hold (so that a fraction in them is ambiguous)."""
    formats = getattr(book, "format_map", {})
    percent: set[int] = set()
    unknown: set[int] = set()
    for index, style in enumerate(getattr(book, "xf_list", [])):
        found = formats.get(style.format_key)
        if found is None:
            unknown.add(index)
        elif _shows_percent(found.format_str):
            percent.add(index)
    return frozenset(percent), frozenset(unknown)
