"""Validated standards tables kept between calls, as JSON data in the user's cache.

Validating a standards file costs pydantic and YAML, a quarter of a second
of imports, on every call; the table itself changes only when the file does.
So a table validated once is written here with the file's bytes, under the
package version and the table format, and the next call with the same bytes
reads it back as plain values (:mod:`welfare_calc.core.table`). An entry is
found by a CRC-32 of the file and read only if the bytes it holds are the
file's, all of them: exact, where a hash is only nearly so, and without
loading OpenSSL (``hashlib``), 2.5 ms of a clerk's single call.

The cache is data, never code, and it is read as untrusted input:

- **Only our own files.** A checksum of the content proves nothing about
  who wrote it: anyone who can write the directory can recompute it. So, as
  ssh does with its files, an entry is read only from a directory owned by
  this user that no one else can write (nor its parent, unless sticky), and
  only if the entry itself is a regular file owned by this user, not
  writable by others, and no larger than :data:`MAX_ENTRY`. Anything else
  (another user's directory or file, a FIFO, a link to ``/dev/zero``) is
  passed over unread. On Windows, which has no POSIX owner to check, only
  the user's own cache directory (in the profile, private by its ACLs) is
  used; a ``$WELFARE_CALC_CACHE`` elsewhere turns the cache off there.
- **The same bounds as the validator.** Amounts are read by the money rule
  (:func:`~welfare_calc.core.money.parse_money`: plain digits, at most 2
  decimals, never negative, at most 16 whole digits), months and dates by
  their own parsers; deep nesting, exponents and anything unexpected make
  the entry invalid. An invalid entry is ignored and rebuilt, never an error.
- **Never older than the validator.** The key holds a CRC-32 and the length
  of the source of every module that validates a table (:data:`VALIDATOR_MODULES`),
  so a table validated by an older, looser validator is never read by a newer one
  (a checksum suffices: it tells versions of our own code apart, and whoever could
  forge an entry is kept out by the owner checks above, not by any digest).

A cache directory that cannot be written just means no cache. Where it
lives: ``$WELFARE_CALC_CACHE`` if set (``off`` turns the cache off), else the
user's cache directory (platformdirs): ``~/.cache/welfare-calc`` on Linux,
``~/Library/Caches/welfare-calc`` on macOS,
``%LOCALAPPDATA%\\welfare-calc\\Cache`` on Windows.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import stat
import types
import typing
import zlib
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from welfare_calc import __version__
from welfare_calc.core.errors import WelfareCalcError
from welfare_calc.core.money import parse_money
from welfare_calc.core.months import Month
from welfare_calc.core.table import SCHEMA, StandardsTable

CACHE_VAR = "WELFARE_CALC_CACHE"
"""Environment variable: the cache directory, or ``off``."""
FORMAT = 4
"""The layout of a cache entry; a change makes every older entry foreign."""
MAX_ENTRY = 1 << 23
"""Largest entry read (8 MB): an entry holds its standards file (at most 1 MB, as the
loader reads one; JSON may escape it to several) and the table made of it, a few KB."""
VALIDATOR_MODULES = ("standards/spec.py", "standards/yaml_file.py", "standards/table_cache.py",
                     "standards/loader.py", "core/table.py", "core/money.py", "core/months.py")
"""The modules whose code decides what a valid table is (their source is in the key)."""
POSIX_OWNERS = hasattr(os, "getuid")
"""Whether files have a POSIX owner to check (not on Windows)."""


def directory() -> str | None:
    """Where cache entries live, or None when the cache is off."""
    chosen = os.environ.get(CACHE_VAR)
    if chosen is not None:
        if chosen.strip().lower() in ("", "off") or not POSIX_OWNERS:
            return None  # off; or, on Windows, a directory whose owner cannot be checked
        return chosen
    import platformdirs  # noqa: PLC0415 - only where no directory is given

    return platformdirs.user_cache_dir("welfare-calc", appauthor=False)


@functools.cache
def validator_digest() -> str:
    """A digest of the validating modules' source: a change to any makes older entries
    foreign, whatever the version number says."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the package
    check, length = 0, 0
    for name in VALIDATOR_MODULES:
        try:
            with open(os.path.join(here, *name.split("/")), "rb") as module:
                source = name.encode() + b"\0" + module.read()
        except OSError:
            source = name.encode() + b"\0missing"
        check, length = zlib.crc32(source, check), length + len(source)
    return f"{check:08x}-{length}"


def _key(source: bytes) -> dict[str, object]:
    """What an entry is for: the standards file (its length and CRC-32, to find the
    entry; the bytes themselves are compared on reading), this version, this format."""
    return {"file": f"{zlib.crc32(source):08x}-{len(source)}", "package": __version__,
            "schema": SCHEMA, "format": FORMAT, "validator": validator_digest()}


def _ours(info: os.stat_result) -> bool:
    """Owned by this user and writable by no one else (POSIX; always true elsewhere)."""
    if not POSIX_OWNERS:
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def trusted_directory(folder: str) -> bool:
    """Whether entries in ``folder`` can only have been written by this user: the folder
    is ours, and its parent is ours or cannot be used to swap it (root's, or sticky)."""
    try:
        info = os.stat(folder)
        parent = os.stat(os.path.dirname(os.path.realpath(folder)))
    except (OSError, RuntimeError):
        return False
    if not stat.S_ISDIR(info.st_mode) or not _ours(info):
        return False
    if not POSIX_OWNERS or _ours(parent):
        return True
    foreign_writable = parent.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return parent.st_uid in (0, os.getuid()) and (
        not foreign_writable or bool(parent.st_mode & stat.S_ISVTX))


def read_entry(path: str) -> bytes | None:
    """An entry's bytes, if it is a regular file of ours of at most :data:`MAX_ENTRY` bytes.

    Opened without following a link and without blocking (a FIFO would
    otherwise wait forever), then checked on the open file itself, so that
    nothing can be swapped in between the check and the read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(
        os, "O_BINARY", 0)
    try:
        handle = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or not _ours(info) or info.st_size > MAX_ENTRY:
            return None
        with os.fdopen(handle, "rb", closefd=False) as stream:
            raw = stream.read(MAX_ENTRY + 1)
        return raw if len(raw) <= MAX_ENTRY else None
    except OSError:
        return None
    finally:
        os.close(handle)


def entry_path(folder: str, key: dict[str, object]) -> str:
    """The file of the entry of a key (:func:`_key`: a standards file's, this version's).
    Two files whose keys share a name only take turns in it: each is read only by its own
    bytes."""
    name = zlib.crc32(json.dumps(key, sort_keys=True).encode())
    return os.path.join(folder, f"table-{name:08x}.json")


def _checksum(data: object) -> str:
    """A CRC-32 of the table's data: an entry damaged on the disk is not read."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{zlib.crc32(text.encode()):08x}"


def read(source: bytes) -> StandardsTable | None:
    """The table validated from a file of these bytes, if a sound entry holds it."""
    folder = directory()
    if folder is None or not trusted_directory(folder):
        return None
    key = _key(source)
    raw = read_entry(entry_path(folder, key))
    if raw is None:
        return None
    try:
        entry = json.loads(raw.decode("utf-8"))
        if (entry["key"] != key or entry["source"].encode("utf-8") != source
                or entry["check"] != _checksum(entry["table"])):
            return None
        return from_data(entry["table"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ArithmeticError,
            RecursionError, WelfareCalcError):
        return None  # missing, unreadable, corrupt or foreign: validate the file again


def write(source: bytes, table: StandardsTable) -> None:
    """Keep a validated table; any failure (read-only, full disk) only means no cache."""
    folder = directory()
    if folder is None:
        return
    try:
        kept = source.decode("utf-8")
    except UnicodeDecodeError:
        return  # (a table is validated from UTF-8 text: not reached)
    key, data = _key(source), to_data(table)
    # Keys in the table's own order: the order of categories is the order of output.
    text = json.dumps({"key": key, "source": kept, "check": _checksum(data),
                       "table": data}, ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_ENTRY:
        return  # (never read back: kept, it would only be written again every call)
    import tempfile  # noqa: PLC0415 - a cold call's alone: 2–3 ms of imports a warm one spares

    with contextlib.suppress(OSError):
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not trusted_directory(folder):
            return  # another user could change what we write: keep nothing there
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".table-", suffix=".partial")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, entry_path(folder, key))
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def to_data(value: Any) -> Any:
    """A table (or any value in it) as JSON data, field by field of its own classes:
    amounts as decimal text, dates as ISO text, months as ``YYYY-MM``, enums by value."""
    if isinstance(value, Decimal | Month):
        return str(value)
    if _is_record(type(value)):  # (before tuples: a record is a named tuple)
        return {name: to_data(item) for name, item in zip(value._fields, value, strict=True)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_data(item) for item in value]
    if isinstance(value, dict):
        return {to_data(key): to_data(item) for key, item in value.items()}
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _amount(value: object) -> Decimal:
    """An amount by the money rule: plain digits, at most 2 decimals, never negative."""
    text = _text(value)
    if text != text.strip() or not text.isascii():
        raise ValueError("not an amount as this module writes one")
    return parse_money(text)


_LEAVES: dict[object, Any] = {
    str: _text,
    Decimal: _amount,
    date: lambda value: date.fromisoformat(_text(value)),
    Month: lambda value: Month.parse(_text(value)),
}
"""How each kind of plain value is read back, with the validator's bounds."""


def _is_record(kind: object) -> bool:
    """Whether ``kind`` is one of the table's records (a :class:`typing.NamedTuple`)."""
    return isinstance(kind, type) and issubclass(kind, tuple) and hasattr(kind, "_fields")


def _read_as(kind: Any, data: object) -> Any:
    """``data`` read back as ``kind`` (a type hint of :mod:`welfare_calc.core.table`):
    exactly what :func:`to_data` writes, or an error (the entry is then ignored)."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        options = [option for option in arguments if option is not type(None)]
        return None if data is None else _read_as(options[0], data)
    if origin is tuple:
        if not isinstance(data, list):
            raise TypeError("expected a list")
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return tuple(_read_as(arguments[0], item) for item in data)
        if len(arguments) != len(data):
            raise ValueError("a pair of the wrong length")
        return tuple(_read_as(part, item) for part, item in zip(arguments, data, strict=True))
    if origin is dict:
        if not isinstance(data, dict):
            raise TypeError("expected a mapping")
        return {_read_as(arguments[0], key): _read_as(arguments[1], item)
                for key, item in data.items()}
    if kind in _LEAVES:
        return _LEAVES[kind](data)
    if _is_record(kind):
        return _read_record(kind, data)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    raise TypeError(f"no reading for {kind!r}")


@functools.cache
def _fields_of(kind: Any) -> tuple[frozenset[str], tuple[tuple[str, Any], ...]]:
    """A record's field names, and each with its type hint, found once a process:
    the hints are the annotations' text evaluated (``typing.get_type_hints``), which
    for every record of a table read cost a warm call about 4 ms."""
    hints = typing.get_type_hints(kind)
    names: tuple[str, ...] = kind._fields
    return frozenset(names), tuple((name, hints[name]) for name in names)


def _read_record(kind: type, data: object) -> Any:
    """A record of the core's table, its fields exactly those the entry holds."""
    if not isinstance(data, dict):
        raise TypeError("expected a mapping")
    names, hinted = _fields_of(kind)
    if data.keys() != names:
        raise ValueError("fields differ from the table's")
    return kind(**{name: _read_as(hint, data[name]) for name, hint in hinted})


def from_data(data: dict[str, Any]) -> StandardsTable:
    """The table :func:`to_data` wrote; raises on anything else (the entry is then ignored)."""
    read: StandardsTable = _read_record(StandardsTable, data)
    if read.rounding.unit <= 0:
        raise ValueError("a rounding unit is more than zero")
    return read
