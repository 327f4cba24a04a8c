"""Find the standards table to use, read it, and validate it, or find it in the cache.

A table is validated strictly (:mod:`welfare_calc.standards.yaml_file`: YAML and
pydantic) when its file is new or has changed; the validated values are then
kept in a cache (:mod:`welfare_calc.standards.table_cache`) with the file's bytes,
so a clerk's next call reads them back without importing YAML or pydantic. The
file itself is read every time: its bytes are the key. Its SHA-256, which
``--version`` and the documents name, is worked out only when asked for.
"""

from __future__ import annotations

import functools
import os
import pkgutil
from typing import NamedTuple

from welfare_calc.core.errors import StandardsFileError, os_reason
from welfare_calc.core.table import StandardsTable
from welfare_calc.core.words import _
from welfare_calc.standards import table_cache

ENV_VAR = "WELFARE_CALC_STANDARDS"
"""Environment variable naming a standards file to use instead of the shipped one."""

SHIPPED = "data/standards_2020.yaml"
"""Where the shipped table lives: inside an installed package, and at the top of a
source checkout (the file users edit)."""


class LoadedStandards(NamedTuple):
    """A validated table together with where it came from."""

    table: StandardsTable
    source: str
    """The path shown in messages (and in ``--version``)."""
    raw: bytes
    """The file's bytes, as read."""

    @property
    def sha256(self) -> str:
        """The file's SHA-256 (hex), printed on the documents so a page traces to its table.
        Worked out when first asked: a single call that prints none spares loading OpenSSL."""
        return _sha256(self.raw)

    def __repr__(self) -> str:
        # (not the file's bytes, up to a megabyte, in every repr of what holds the table)
        return f"LoadedStandards(source={self.source!r}, {len(self.raw)} bytes)"

    @property
    def digest(self) -> str:
        """The first 12 hex digits of :attr:`sha256`, to tell editions apart."""
        return self.sha256[:12]


@functools.lru_cache(maxsize=4)
def _sha256(raw: bytes) -> str:
    """A file's SHA-256, once per file a process (the page prints it on every 计算单)."""
    import hashlib  # noqa: PLC0415 - 2.5 ms a call that names no digest spares

    return hashlib.sha256(raw).hexdigest()


MAX_BYTES = 1 << 20
"""A standards file larger than this is refused unread: a table is a few KB."""


def parse_standards(text: str, source: str) -> StandardsTable:
    """Validate the text of a standards file (no cache); ``source`` names it in messages.

    Raises :class:`StandardsFileError` listing every problem found.
    """
    from welfare_calc.standards.yaml_file import parse  # noqa: PLC0415 - YAML and pydantic

    return parse(text, source)


def read_standards(path: str | os.PathLike[str]) -> LoadedStandards:
    """Read and validate a standards file from disk (at most :data:`MAX_BYTES` of it)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise StandardsFileError([_("{path}: cannot read the standards file: {reason}").format(
            path=path, reason=os_reason(error))]) from None
    if len(raw) > MAX_BYTES:
        raise StandardsFileError([_("{path}:1: the file is larger than {most} MB; a standards "
                                    "table is a few KB: is this the right file?").format(
                                        path=path, most=MAX_BYTES >> 20)])
    return _decode_and_parse(raw, os.fspath(path))


def shipped_standards() -> LoadedStandards:
    """The table shipped with the package, found wherever it is installed.

    A wheel carries a copy inside the package (pyproject.toml's force-include);
    a source checkout run in place (an editable install, the tests) has only
    the top-level ``data/`` file. No symlink joins the two: a Windows checkout
    (``core.symlinks=false``) would turn it into a text file holding its target.
    The copy is read by the package's own loader (:func:`pkgutil.get_data`), not
    through :mod:`importlib.resources`, whose imports cost a single call 3–4 ms.
    """
    try:
        packaged = pkgutil.get_data("welfare_calc", SHIPPED)
    except OSError:
        packaged = None
    if packaged is not None:
        return _decode_and_parse(packaged, SHIPPED)
    # <checkout>/src/welfare_calc/standards/loader.py, four folders down (os.path, not
    # pathlib: a single call that names no file spares pathlib's imports, 2–3 ms).
    checkout = os.path.realpath(__file__)
    for _level in range(4):
        checkout = os.path.dirname(checkout)
    try:
        with open(os.path.join(checkout, *SHIPPED.split("/")), "rb") as handle:
            raw = handle.read()
    except OSError:
        raise StandardsFileError([_("{path}: the shipped standards table is missing from this "
                                    "installation; reinstall welfare-calc").format(
                                        path=SHIPPED)]) from None
    return _decode_and_parse(raw, SHIPPED)


def load_standards(path: str | os.PathLike[str] | None = None) -> LoadedStandards:
    """The table to use: ``path``, else ``$WELFARE_CALC_STANDARDS``, else the shipped one.

    A file named is shown (in messages, ``--version`` and the documents) as
    :mod:`pathlib` writes it: ``./a//t.yaml`` as ``a/t.yaml``, on Windows ``D:/表.yaml``
    as ``D:\\表.yaml``; pathlib is imported only then, not by a call of the shipped table.
    """
    named = path if path is not None else os.environ.get(ENV_VAR) or None
    if named is None:
        return shipped_standards()
    from pathlib import Path  # noqa: PLC0415 - only for a file named

    return read_standards(Path(named))


def _decode_and_parse(raw: bytes, source: str) -> LoadedStandards:
    """The table a file's bytes hold: from the cache when these bytes were validated
    before, else validated now (and kept in the cache)."""
    cached = table_cache.read(raw)
    if cached is not None:
        return LoadedStandards(table=cached, source=source, raw=raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise StandardsFileError([_("{source}:{line}: the file is not UTF-8 text (byte "
                                    "{byte}); save it as UTF-8").format(
                                        source=source, line=line, byte=error.start)]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise StandardsFileError([_("{source}:{line}: the file holds a NUL byte; a standards "
                                    "file is plain text").format(source=source, line=line)])
    table = parse_standards(text, source)
    table_cache.write(raw, table)
    return LoadedStandards(table=table, source=source, raw=raw)
