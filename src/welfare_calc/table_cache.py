"""Validated standards tables kept between calls, as JSON data in the user's cache.

Validating a standards file costs pydantic and YAML, a quarter of a second
of imports, on every call; the table itself changes only when the file does.
So a table validated once is written here, keyed by the SHA-256 of the
file's bytes, the package version and the table format, and the next call
with the same bytes reads it back as plain values (:mod:`welfare_calc.table`).

The cache is data, never code: JSON, read with ``json`` and checked field by
field. An entry that is corrupt, unreadable, written by another version, or
whose own checksum does not match is ignored and rebuilt, never trusted and
never an error; a cache directory that cannot be written just means no
cache. Where it lives: ``$WELFARE_CALC_CACHE`` if set (``off`` turns the
cache off), else the user's cache directory (platformdirs):
``~/.cache/welfare-calc`` on Linux, ``~/Library/Caches/welfare-calc`` on
macOS, ``%LOCALAPPDATA%\\welfare-calc\\Cache`` on Windows.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from welfare_calc import __version__
from welfare_calc.errors import WelfareCalcError
from welfare_calc.money import RoundingMode, RoundingPoint
from welfare_calc.months import Month
from welfare_calc.table import (
    SCHEMA,
    Category,
    Document,
    Payment,
    RetroactiveRaise,
    Rounding,
    StandardsTable,
    StandardValue,
    Unit,
)

CACHE_VAR = "WELFARE_CALC_CACHE"
"""Environment variable: the cache directory, or ``off``."""
FORMAT = 1
"""The layout of a cache entry; a change makes every older entry foreign."""


def directory() -> Path | None:
    """Where cache entries live, or None when the cache is off."""
    chosen = os.environ.get(CACHE_VAR)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off") else Path(chosen)
    import platformdirs  # noqa: PLC0415 - only where no directory is given

    return Path(platformdirs.user_cache_dir("welfare-calc", appauthor=False))


def _key(sha256: str) -> dict[str, object]:
    return {"sha256": sha256, "package": __version__, "schema": SCHEMA, "format": FORMAT}


def entry_path(folder: Path, sha256: str) -> Path:
    """The file of the entry for a standards file's SHA-256 (and this version)."""
    name = hashlib.sha256(json.dumps(_key(sha256), sort_keys=True).encode()).hexdigest()
    return folder / f"table-{name[:32]}.json"


def _checksum(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


def read(sha256: str) -> StandardsTable | None:
    """The table validated from a file with this SHA-256, if a sound entry holds it."""
    folder = directory()
    if folder is None:
        return None
    try:
        entry = json.loads(entry_path(folder, sha256).read_text(encoding="utf-8"))
        if entry["key"] != _key(sha256) or entry["check"] != _checksum(entry["table"]):
            return None
        return from_data(entry["table"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ArithmeticError,
            WelfareCalcError):
        return None  # missing, unreadable, corrupt or foreign: validate the file again


def write(sha256: str, table: StandardsTable) -> None:
    """Keep a validated table; any failure (read-only, full disk) only means no cache."""
    folder = directory()
    if folder is None:
        return
    data = to_data(table)
    # Keys in the table's own order: the order of categories is the order of output.
    text = json.dumps({"key": _key(sha256), "check": _checksum(data), "table": data},
                      ensure_ascii=False)
    with contextlib.suppress(OSError):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".table-", suffix=".partial")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, entry_path(folder, sha256))
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def to_data(table: StandardsTable) -> dict[str, Any]:
    """A table as JSON data: amounts as decimal text, dates as ISO text, enums by value."""
    return {
        "title": table.title,
        "jurisdiction": table.jurisdiction,
        "covers_through": str(table.covers_through),
        "rounding": {"unit": str(table.rounding.unit), "mode": table.rounding.mode.value,
                     "point": table.rounding.point.value},
        "retroactive_raise": {"effective": table.retroactive_raise.effective.isoformat(),
                              "document": table.retroactive_raise.document},
        "documents": {key: {"number": document.number, "title": document.title,
                            "issuer": document.issuer,
                            "issued": document.issued and document.issued.isoformat(),
                            "basis": document.basis, "source": document.source}
                      for key, document in table.documents.items()},
        "categories": {key: {"name_zh": category.name_zh, "short_zh": category.short_zh,
                             "aliases": list(category.aliases), "name_en": category.name_en,
                             "payment": category.payment.value,
                             "values": [{"effective": value.effective
                                         and value.effective.isoformat(),
                                         "amount": str(value.amount), "unit": value.unit.value,
                                         "document": value.document, "note": value.note}
                                        for value in category.values]}
                       for key, category in table.categories.items()},
    }


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _day(value: object) -> date | None:
    return None if value is None else date.fromisoformat(_text(value))


def _amount(value: object) -> Decimal:
    amount = Decimal(_text(value))
    if not amount.is_finite():
        raise ValueError("not an amount")
    return amount


def from_data(data: dict[str, Any]) -> StandardsTable:
    """The table :func:`to_data` wrote; raises on anything else (the entry is then ignored)."""
    rounding = data["rounding"]
    raised = data["retroactive_raise"]
    effective = _day(raised["effective"])
    if effective is None:
        raise ValueError("no raise date")
    return StandardsTable(
        title=_text(data["title"]),
        jurisdiction=_text(data["jurisdiction"]),
        covers_through=Month.parse(_text(data["covers_through"])),
        rounding=Rounding(unit=_amount(rounding["unit"]), mode=RoundingMode(rounding["mode"]),
                          point=RoundingPoint(rounding["point"])),
        retroactive_raise=RetroactiveRaise(effective=effective,
                                           document=_text(raised["document"])),
        documents={_text(key): Document(number=_text(document["number"]),
                                        title=_text(document["title"]),
                                        issuer=_text(document["issuer"]),
                                        issued=_day(document["issued"]),
                                        basis=_optional_text(document["basis"]),
                                        source=_optional_text(document["source"]))
                   for key, document in data["documents"].items()},
        categories={_text(key): Category(
            name_zh=_text(category["name_zh"]), short_zh=_text(category["short_zh"]),
            aliases=tuple(_text(alias) for alias in category["aliases"]),
            name_en=_text(category["name_en"]), payment=Payment(category["payment"]),
            values=tuple(StandardValue(effective=_day(value["effective"]),
                                       amount=_amount(value["amount"]),
                                       unit=Unit(value["unit"]),
                                       document=_text(value["document"]),
                                       note=_optional_text(value["note"]))
                         for value in category["values"]))
            for key, category in data["categories"].items()},
    )
