"""Cutting a CSV byte stream into chunks of whole records, by the CSV rule for quotes.

The rule (RFC 4180, and Python's csv module): a quote opens a quoted field
only at the start of a field; inside one, ``""`` is a quote and any other
quote closes it; a quote anywhere else (``12" TV``) is a plain character. A
line end inside a quoted field is part of the field, not the end of the
record. So a stray quote in a note cell changes nothing, and a quote left
open makes everything up to the next closing quote one cell, as the csv
module reads it, in a file of any size.

Speed: a chunk's quotes usually pair up as openers and closers (every cell
quoted, or none), and then counting them is the rule. NumPy checks that
for the whole chunk at once; a chunk where it does not hold (a stray
quote) is scanned quote by quote. ``b'"'``, ``b","`` and line ends are
never part of a multi-byte character in UTF-8, GBK or GB18030.

A record longer than :data:`MAX_RECORD` (a quote never closed in a large
file, or a file that is not a roster at all) is not held in memory: it
becomes an :class:`Unreadable` record, which the batch rejects with its line,
and the reading goes on after its end. So does a quote never closed before
the end of the file: read leniently, it would swallow every row after it
into one cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Protocol

from welfare_calc.batch.input.encodings import BOM, FOUND, display_name, first_undecodable
from welfare_calc.batch.rows.parsing import line_at
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.words import _

CHUNK = 1 << 20
"""Bytes read at a time."""
MAX_RECORD = 16 << 20
"""A record (a row, with any line breaks inside quotes) longer than this is rejected."""
HEAD = 200
"""Characters of an oversized record shown in the errors file."""

_FIELD_ENDS = (ord(","), ord("\n"), ord("\r"))


class Readable(Protocol):
    """What the reader needs of its input: bytes read a block at a time (a file, stdin,
    or :class:`~welfare_calc.batch.write.documents.HashingReader` around one)."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class Unreadable:
    """A record the batch rejects whole without reading it as a row: its start, the
    line ends in it, and why (too long to be a row, or a quote never closed)."""

    head: bytes
    lines: int
    """Line ends from its start to the end of the record (its own included)."""
    reason: str
    ident: str = ""
    """The row's id, where it could be read."""
    column: str = ""
    """The column at fault, where there is one."""
    cells: tuple[str, ...] | None = None
    """The row's cells, where they could be read (a workbook's row): the errors
    file shows them as the row, instead of the record's start."""


def _too_long(head: bytes, lines: int, open_quote: bool, ended: bool) -> Unreadable:
    size = MAX_RECORD >> 20
    if open_quote and ended:
        return _never_closed(head, lines, last_ended=False)
    if open_quote:
        return Unreadable(head, lines, _(
            "a quoted field opened in this row runs on for more than {size} MB: a closing "
            "quote is missing; everything up to the next closing quote was one cell ({lines} "
            "lines)").format(size=size, lines=lines))
    return Unreadable(head, lines, _("the line is longer than {size} MB; a roster row is far "
                                     "shorter").format(size=size))


def _never_closed(head: bytes, lines: int, *, last_ended: bool = True) -> Unreadable:
    shown = lines if last_ended else lines + 1
    return Unreadable(head, lines, _("a quote opened in this row is never closed: the rest of "
                                     "the file ({lines} lines) would be one cell").format(
                                         lines=shown))


def _scan(data: bytes, end: int) -> tuple[int, bool]:
    """By the CSV rule, from a record start up to ``end``: where the last record that
    ends before ``end`` ends (0: none), and whether a quoted field is open at ``end``."""
    cut = 0
    segment = position = 0  # where the text outside quotes began; where to look on
    inside = False
    while True:
        if inside:
            close = data.find(b'"', position, end)
            if close < 0 or close + 1 >= end:  # open, or its follower not here yet
                return cut, True
            if data[close + 1] == ord('"'):
                position = close + 2  # a doubled quote inside the field
                continue
            inside = False
            segment = position = close + 1
            continue
        quote = data.find(b'"', position, end)
        line = data.rfind(b"\n", segment, end if quote < 0 else quote)
        if line >= 0:
            cut = line + 1
        if quote < 0:
            return cut, False
        if quote == 0 or data[quote - 1] in _FIELD_ENDS:
            inside = True  # a quote at the start of a field opens it
        else:
            segment = quote  # a plain character: the text outside quotes goes on
        position = quote + 1


def _record_end(data: bytes, inside: bool, previous: int) -> tuple[int, bool]:
    """Where the record that ``data`` continues ends (-1: not in ``data``), and whether
    a quoted field is open at the end of ``data``. ``previous``: the byte before ``data``."""
    position = 0
    while True:
        if inside:
            close = data.find(b'"', position)
            if close < 0:
                return -1, True
            if data[close + 1:close + 2] == b'"':
                position = close + 2
                continue
            inside = False
            position = close + 1
            continue
        line = data.find(b"\n", position)
        stop = line if line >= 0 else len(data)
        quote = data.find(b'"', position, stop)
        while quote >= 0 and (data[quote - 1] if quote else previous) not in _FIELD_ENDS:
            quote = data.find(b'"', quote + 1, stop)
        if quote < 0:
            return (line + 1 if line >= 0 else -1), False
        inside = True
        position = quote + 1


def _paired(data: bytes, end: int) -> bool:
    """Whether every quote before ``end`` is an opener at a field start or a closer at a
    field end (or half of ``""``), alternately: then counting them is the CSV rule."""
    import numpy as np  # noqa: PLC0415 - a large chunk with quotes; the batch has it already

    view = np.frombuffer(data, dtype=np.uint8, count=end)
    quotes = np.flatnonzero(view == ord('"'))
    if not len(quotes):
        return True
    ends = np.array([*_FIELD_ENDS, ord('"')], dtype=np.uint8)
    openers, closers = quotes[0::2], quotes[1::2]
    before = view[np.maximum(openers - 1, 0)]
    opened = (openers == 0) | np.isin(before, ends)
    after = view[np.minimum(closers + 1, end - 1)]
    closed = (closers == end - 1) | np.isin(after, ends)
    return bool(opened.all() and closed.all())


def last_cut(data: bytes) -> tuple[int, bool]:
    """Where the last whole record of ``data`` ends (0: none), and whether one is open.

    ``data`` starts at a record start.
    """
    end = data.rfind(b"\n") + 1
    if end == 0 or b'"' not in data:
        return end, False
    if len(data) >= CHUNK and _paired(data, end):
        quotes = data.count(b'"', 0, end)
        while quotes % 2 and end:  # by the count, a quoted field spans this line end
            earlier = data.rfind(b"\n", 0, end - 1) + 1
            quotes -= data.count(b'"', earlier, end)
            end = earlier
        return end, end < len(data) and data.count(b'"', end) % 2 == 1
    return _scan(data, len(data))


def read_records(source: Readable, start: bytes) -> Iterator[bytes | Unreadable]:
    """Whole records, about a megabyte at a time, or an :class:`Unreadable` record."""
    carry = start
    while True:
        block = source.read(CHUNK)
        data = carry + block if carry else block
        if not block:
            if data:
                cut, open_quote = last_cut(data + b"\n")
                if open_quote:
                    if cut:
                        yield data[:cut]
                    rest = data[cut:]
                    yield _never_closed(rest[:HEAD * 4], rest.count(b"\n"),
                                        last_ended=rest.endswith(b"\n"))
                else:
                    yield data
            return
        cut, open_quote = last_cut(data)
        if cut:
            yield data[:cut]
            carry = data[cut:]
        elif len(data) > MAX_RECORD:
            record, carry = _skip(source, data, open_quote)
            yield record
        else:
            carry = data


def _skip(source: Readable, data: bytes, open_quote: bool) -> tuple[Unreadable, bytes]:
    """Read on to the end of a record too long to keep, keeping only its start.

    Returns the record and the bytes read after it.
    """
    head, lines, inside, previous = data[:HEAD * 4], 0, False, ord("\n")
    while True:
        end, inside = _record_end(data, inside, previous)
        if end >= 0:
            lines += data.count(b"\n", 0, end)
            return _too_long(head, lines, open_quote, ended=False), data[end:]
        lines += data.count(b"\n")
        previous = data[-1]
        data = source.read(CHUNK)
        if not data:
            return _too_long(head, lines, open_quote, ended=inside), b""


def _utf16_without_bom(head: bytes) -> bool:
    """Whether text looks like UTF-16 without its BOM: many zero bytes, and tabs and line
    ends each beside one (ASCII characters are a zero byte and the character)."""
    return (head.count(0) * 10 >= len(head) > 0
            and (b"\t\x00" in head or b"\x00\t" in head)
            and (b"\n\x00" in head or b"\x00\n" in head))


def split_header(source: Readable) -> tuple[bytes, bytes, bool]:
    """The header line, the bytes read after it, and whether a UTF-8 BOM was found."""
    data = source.read(CHUNK)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(data[:4096]):
        raise UnusableInput(_('{where}: the file is UTF-16 text (what Excel saves as "Unicode '
                              '文本", with tabs between cells), not CSV; in Excel, save it as '
                              '"CSV UTF-8（逗号分隔）" or as .xlsx, and run on that').format(
                                  where=line_at(1)))
    bom = data.startswith(BOM)
    if bom:
        data = data[len(BOM):]
    while b"\n" not in data:
        more = source.read(CHUNK)
        if not more:
            break
        data += more
        if len(data) > MAX_RECORD:
            raise UnusableInput(_("{where}: the header has no line end").format(
                where=line_at(1)))
    line, _end, rest = data.partition(b"\n")
    if b"\r" in line.removesuffix(b"\r"):
        raise UnusableInput(_("{where}: the lines of this file end in CR only (an old Mac "
                              "format); save it with Windows (CRLF) or Unix (LF) line ends"
                              ).format(where=line_at(1)))
    return line, rest, bom


Job = tuple[int, "bytes | Unreadable"]
"""A chunk's first line and its records (or one record too long to keep)."""


@dataclass
class Records:
    """An input ready for a run, whatever its file type: the header's cells, then
    chunks of CSV records numbered by line, each with the progress it makes.

    A CSV file gives its own bytes (:func:`csv_records`); a workbook's sheet
    is told as CSV, numbered by the rows Excel shows
    (:mod:`welfare_calc.batch.input.sheet_reading`).
    """

    header: list[str]
    encoding: str
    """Of the chunks' bytes."""
    jobs: Iterator[tuple[Job, int]]
    """Each chunk, with how far the input is read after it (in :attr:`size`'s unit)."""
    size: int
    """How big the input is, for progress: bytes of a file, rows of a sheet (0: unknown)."""
    sheet: str | None = None
    """The sheet the rows are on, named in the errors file; None for CSV."""
    where_header: str = field(default_factory=lambda: line_at(1))
    """Where the header is, for messages."""
    read_as: str | None = None
    """The encoding the file's text was read in, for the summary (None: a workbook's
    cells). Known for certain once :attr:`jobs` is read to its end: a file that is
    ASCII at first is found to be in one or the other as its first other byte comes."""
    found: bool = False
    """Whether :attr:`read_as` was found from the bytes (no ``--encoding`` given, or a
    BOM that overrides it)."""
    merged_ranges: int | None = None
    """A sheet's merged ranges that reach below its header, each of whose cells was read
    as the range's value (None for CSV)."""


def found_encoding(data: bytes, first_line: int) -> str | None:
    """The encoding of a roster given without ``--encoding``, found from ``data`` (its
    bytes from line ``first_line`` on): None while they are ASCII, which every encoding
    found writes alike; else the first of :data:`~welfare_calc.batch.input.encodings.FOUND`
    they are text in; else :class:`UnusableInput` naming the line each stops at."""
    if data.isascii():
        return None
    stops = {}
    for encoding in FOUND:
        stop = first_undecodable(data, encoding)
        if stop is None:
            return encoding
        stops[encoding] = first_line + data.count(b"\n", 0, stop)
    raise UnusableInput(_(
        "neither UTF-8 text (line {utf8} is not) nor GB18030 (GBK) text (line {gb18030} is "
        "not); save the roster as CSV UTF-8 or as an Excel workbook, and use that"
        ).format(utf8=stops["utf-8"], gb18030=stops["gb18030"]))


def csv_records(source: Readable, encoding: str | None, size: int = 0) -> Records:
    """A CSV byte stream as :class:`Records`, its text in ``encoding``, or (None) in the
    one its bytes are found in (:func:`found_encoding`); a UTF-8 BOM overrides both.

    A file found to be GB18030 from its first block is read in GB18030 by the
    run's workers. One whose first block is ASCII is read as UTF-8 until its
    first other byte: where that chunk is GB18030, it and every chunk after it
    are told to the run in UTF-8 (the chunks before were ASCII, the same in
    both), so that nothing is read twice.
    """
    import csv  # noqa: PLC0415 - for a header with quotes only

    header, rest, bom = split_header(source)
    found = encoding is None or bom  # (a BOM says UTF-8, whatever --encoding says)
    if bom:
        encoding = "utf-8"
    elif encoding is None:
        encoding = found_encoding(header + b"\n" + rest, 1)
    pending = encoding is None  # ASCII so far: UTF-8 or GB18030, told by a later byte
    chunks = encoding or "utf-8"
    try:
        text = header.decode(chunks).removesuffix("\r")
    except UnicodeDecodeError:
        raise undecodable(1, chunks, found=found) from None
    if not text.strip() and not rest:
        raise UnusableInput(_("the input is empty; it needs a header row"))
    if text.count('"') % 2:
        raise UnusableInput(_("{where}: the header has an unclosed quote").format(
            where=line_at(1)))
    cells = next(csv.reader([text])) if '"' in text else text.split(",")

    def numbered(records: Records) -> Iterator[tuple[Job, int]]:
        line = 2
        done = len(header) + 1
        found_late = pending  # ASCII so far: the first chunk with another byte tells
        for record in read_records(source, rest):
            read_as = records.read_as or chunks
            if isinstance(record, Unreadable):
                if read_as != chunks:  # (only its start is shown, in the errors file)
                    record = replace(record,  # noqa: PLW2901 - the record, told in UTF-8
                                     head=_transcoded(record.head, read_as, "replace"))
                yield (line, record), done
                line += record.lines
                continue
            done += len(record)
            lines = record.count(b"\n")
            if found_late and (now := found_encoding(record, line)) is not None:
                found_late = False
                records.read_as = read_as = now
            data = record
            if read_as != chunks:
                try:
                    data = _transcoded(record, read_as)
                except UnicodeDecodeError as error:
                    raise undecodable(line + record.count(b"\n", 0, error.start), read_as,
                                      found=True) from None
            yield (line, data), done
            line += lines

    records = Records(cells, chunks, iter(()), size, read_as=chunks, found=found)
    records.jobs = numbered(records)
    return records


def _transcoded(data: bytes, encoding: str, errors: str = "strict") -> bytes:
    """Bytes of text in ``encoding`` as UTF-8."""
    return data.decode(encoding, errors).encode("utf-8")


def undecodable(line: int, encoding: str, *, found: bool) -> UnusableInput:
    """The error for a line that is not text in the input's encoding: the one
    ``--encoding`` gave, or (``found``) the one the file was found to begin in (its
    first bytes, or its BOM)."""
    if found:
        return UnusableInput(_(
            "{where}: not {encoding} text, though the file begins as {encoding} text: it "
            "mixes encodings; save the roster as CSV UTF-8 or as an Excel workbook, and use "
            "that").format(where=line_at(line), encoding=display_name(encoding)))
    return UnusableInput(_(
        "{where}: cannot be decoded as {encoding}, the encoding --encoding gives; leave "
        "--encoding out to have UTF-8 or GB18030 (GBK) found from the file"
        ).format(where=line_at(line), encoding=encoding))
