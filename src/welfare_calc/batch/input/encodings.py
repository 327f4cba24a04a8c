"""Which text encodings the batch reads and writes, and what they do to bytes.

Cheap to import (no NumPy), so that the command line can check an
``--encoding`` before a run, with the same answer the run would give.

A CSV roster given without ``--encoding`` is read in the first of
:data:`FOUND` its bytes are text in: UTF-8 (what Excel saves as "CSV UTF-8"),
else GB18030, the superset of GBK that Excel and WPS save as "CSV (逗号分隔)"
on Chinese Windows. GBK's two-byte characters are almost never valid UTF-8
(a lead byte of 0xC0 and above is followed by one of 0xA1 and above), so
a file that is UTF-8 is taken for UTF-8 and nothing else is.
"""

from __future__ import annotations

import codecs
import sys

from welfare_calc.core.errors import EncodingProblem
from welfare_calc.core.words import _

BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte order mark: Excel's sign of a UTF-8 CSV, read past and written for it."""


def text_encoding(name: str) -> str:
    """The codec's own name for a text encoding, or :class:`EncodingProblem`.

    ``hex``, ``base64``, ``rot13`` and ``zlib`` are codecs, but not of text:
    Python refuses to encode a string with them, and so does this.
    """
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise EncodingProblem(_("unknown encoding {name}; use utf-8, gbk or gb18030").format(
            name=repr(name))) from None
    try:
        "a".encode(info.name)
    except LookupError:
        raise EncodingProblem(_("{name} is not a text encoding; use utf-8, gbk or gb18030"
                                ).format(name=repr(name))) from None
    return info.name


def ascii_compatible(encoding: str) -> bool:
    """Whether ``encoding`` writes ASCII as itself, byte for byte (utf-8, gbk, gb18030).

    The batch cuts its input at line-end bytes, and the lane finds commas,
    digits and line ends as bytes; a multi-byte character in these
    encodings never contains one (its bytes are ≥ 0x40). UTF-16 and UTF-32
    write ``\\n`` as two or four bytes, so they are not.
    """
    try:
        return bytes(range(128)).decode(encoding) == "".join(map(chr, range(128)))
    except (UnicodeDecodeError, LookupError):
        return False


def input_encoding(name: str) -> str:
    """An encoding the batch can read, or :class:`EncodingProblem` saying why not."""
    codec = text_encoding(name)
    if not ascii_compatible(codec):
        raise EncodingProblem(_(
            "{name}: the batch reads encodings that write ASCII as itself (utf-8, gbk, "
            "gb18030), and {codec} does not; save the file as UTF-8 (Excel: CSV UTF-8)").format(
                name=repr(name), codec=codec))
    return codec


FOUND = ("utf-8", "gb18030")
"""The encodings a roster without ``--encoding`` may be in, in the order they are tried."""


def first_undecodable(data: bytes, encoding: str) -> int | None:
    """Where ``data`` stops being text in ``encoding``; None where it is text throughout
    (a character cut at the end of ``data`` counts as text: the next bytes complete it)."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError as error:
        return error.start
    return None


def display_name(encoding: str) -> str:
    """An encoding as people write it: ``UTF-8``, ``GB18030``, ``GBK``."""
    name = codecs.lookup(encoding).name
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8"}.get(name, name.upper())


def cannot_encode(what: str, encoding: str, chars: str) -> str:
    """The message for text the output encoding cannot hold: ``what`` could not be written
    in ``encoding``, for ``chars``."""
    return _("{what} in {encoding} ({chars}); use --output-encoding gb18030 or utf-8").format(
        what=what, encoding=encoding, chars=repr(chars))


def same_codec(one: str, other: str) -> bool:
    """Whether two encoding names are the same codec (``UTF8`` and ``utf-8`` are)."""
    return codecs.lookup(one).name == codecs.lookup(other).name


def is_utf8(encoding: str) -> bool:
    """Whether an encoding name means UTF-8 (which gets the BOM for Excel)."""
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


def split_bom(encoding: str) -> tuple[str, bytes]:
    """The encoding to write pieces in, and the byte-order mark to write once at the start.

    ``utf-8-sig``, ``utf-16`` and ``utf-32`` put a BOM at the start of every
    string they encode; a file written in pieces (a batch writes a chunk at
    a time) must have one, at the start. So the pieces are written in the
    same encoding without a BOM (``utf-16`` in the machine's byte order, as
    its BOM says).
    """
    name = codecs.lookup(encoding).name
    little = sys.byteorder == "little"
    bare = {"utf-8-sig": "utf-8", "utf-16": "utf-16-le" if little else "utf-16-be",
            "utf-32": "utf-32-le" if little else "utf-32-be"}.get(name)
    if bare is None:
        return encoding, b""
    return bare, "".encode(name)
