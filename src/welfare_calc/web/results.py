"""What a roster's run gives back to the page: its summary, its rejected rows (问题行), and
its files, kept a while for the clerk to download.

The roster's child runs ``welfare-calc batch … --summary=summary.json --errors=errors.csv``
in the roster's private folder, inside the server's folder (:mod:`welfare_calc.web.folders`);
the page reads both back to show how the run went. The upload and the summary are removed
as soon as they are read. The result (and, for a CSV result, the errors file, which a
workbook holds as its 问题行 sheet) stays in that folder for the page's download link,
until the first of: an hour has passed (:data:`KEPT_SECONDS`), :data:`MOST_KEPT` newer
results are kept, or the server stops, when its whole folder goes, however it stops.
"""

from __future__ import annotations

import csv
import itertools
import json
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from welfare_calc.batch.input.encodings import display_name
from welfare_calc.batch.write.documents import group_label
from welfare_calc.core.table import StandardsTable
from welfare_calc.output.formats import Lang
from welfare_calc.web.folders import remove_folder

KEPT_SECONDS = 3600.0
"""How long a result is kept for its download link: the page says so."""
MOST_KEPT = 5
"""How many results are kept at once (the oldest goes first): a 200 MB roster's result is
not small, and a clerk downloads the one just made."""
REJECTED_SHOWN = 200
"""Rejected rows listed on the page; the rest are in the 问题行 sheet or errors file."""


@dataclass(frozen=True)
class Download:
    """A file kept for the page's link."""

    path: Path
    name: str
    """The name the browser saves it under (the clerk's roster's name, and what it is)."""
    media: str


@dataclass
class Kept:
    """One roster's files kept, in its private folder."""

    folder: Path
    files: dict[str, Download]
    made: float


class Results:
    """The rosters' results kept for download, each under a key no one can guess (the
    token guards the page as well)."""

    def __init__(self, seconds: float = KEPT_SECONDS, most: int = MOST_KEPT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.most, self.clock = seconds, most, clock
        self.kept: dict[str, Kept] = {}
        self.lock = threading.Lock()
        # (a server's folder goes when it stops; in-process, as in the tests, what is kept
        # goes when this goes, or when the process ends)
        self._removal = weakref.finalize(self, _remove_all, self.kept)

    def keep(self, folder: Path, files: dict[str, Download]) -> tuple[str, list[Path]]:
        """Keep ``files`` (in ``folder``); their key, and the folders of results now past
        their time or their number, for the caller to remove (:func:`remove`)."""
        key = secrets.token_urlsafe(12)
        with self.lock:
            self.kept[key] = Kept(folder, files, self.clock())
            return key, self._expired()

    def find(self, key: str, which: str) -> tuple[Download | None, list[Path]]:
        """The file ``which`` of result ``key``, if it is still kept; and the folders to
        remove."""
        with self.lock:
            old = self._expired()
            kept = self.kept.get(key)
            return (None if kept is None else kept.files.get(which)), old

    def _expired(self) -> list[Path]:
        now = self.clock()
        gone = [key for key, kept in self.kept.items() if now - kept.made >= self.seconds]
        newest_first = sorted((key for key in self.kept if key not in gone),
                              key=lambda key: self.kept[key].made, reverse=True)
        gone += newest_first[self.most:]
        return [self.kept.pop(key).folder for key in gone]

    def clear(self) -> None:
        """Remove every result kept now."""
        with self.lock:
            _remove_all(self.kept)


def _remove_all(kept: dict[str, Kept]) -> None:
    remove([entry.folder for entry in kept.values()])
    kept.clear()


def remove(folders: list[Path]) -> None:
    """Remove results' folders (a file being downloaded is let go of by POSIX at once, and
    by Windows when the download ends; such a folder goes with the server's)."""
    for folder in folders:
        remove_folder(folder, patience=0.5)


@dataclass(frozen=True)
class Rejected:
    """A row the batch refused, as the 问题行 lists it."""

    line: str
    id: str
    reason: str
    sheet: str | None = None


def read_rejected(path: Path, most: int = REJECTED_SHOWN) -> list[Rejected]:
    """The first ``most`` rows of a batch's errors file (CSV, UTF-8 with or without the BOM
    of ``--excel``, whose tab after an ID number's digits is read past)."""
    if not path.exists():
        return []
    rows: list[Rejected] = []
    with path.open(encoding="utf-8-sig", newline="", errors="replace") as handle:
        reader = csv.DictReader(handle)
        try:
            for row in itertools.islice(reader, most):
                rows.append(Rejected(row.get("line") or "", (row.get("id") or "").strip(),
                                     row.get("reason") or "", row.get("sheet")))
        except csv.Error:  # (a row past the csv module's field limit: a huge rejected record)
            pass
    return rows


@dataclass(frozen=True)
class Counts:
    """One line of the page's totals: a category's, a group's or the whole run's."""

    name: str
    households: int
    persons: int
    backpay: str
    overpaid: str
    newly: int


@dataclass(frozen=True)
class RunSummary:
    """How a roster's run went, from the batch's ``--summary`` JSON: rows read, written,
    rejected; the totals by category and by group."""

    read: int
    written: int
    rejected: int
    categories: list[Counts]
    total: Counts
    groups: list[Counts] = field(default_factory=list)
    encoding: str | None = None
    sheet: str | None = None
    merged: int = 0


def _name(table: StandardsTable, key: str, lang: Lang) -> str:
    category = table.categories.get(key)
    return category.short_zh if category is not None and lang is Lang.ZH else key


def _group(value: Any) -> str:
    parts = value if isinstance(value, list) else [value]
    return group_label(tuple(None if part is None else str(part) for part in parts))


def run_summary(given: Mapping[str, Any], table: StandardsTable, lang: Lang,
                total_word: str) -> RunSummary:
    """The page's view of a batch's ``--summary`` JSON (docs/batch.md)."""
    households = given.get("households_by_category", {})
    persons = given.get("persons_by_category", {})
    overpaid = given.get("overpaid_by_category", {})
    newly = given.get("newly_eligible_by_category", {})
    categories = [Counts(_name(table, key, lang), households.get(key, 0), persons.get(key, 0),
                         str(amount), str(overpaid.get(key, "0.00")), newly.get(key, 0))
                  for key, amount in given.get("backpay_by_category", {}).items()]
    total = Counts(total_word, sum(households.values()), sum(persons.values()),
                   str(given.get("backpay_total", "0.00")),
                   str(given.get("overpaid_total", "0.00")), sum(newly.values()))
    groups = [Counts(_group(group.get("group")), group.get("households", 0),
                     group.get("persons", 0), str(group.get("backpay", "0.00")),
                     str(group.get("overpaid", "0.00")), group.get("newly_eligible", 0))
              for group in given.get("groups") or []]
    return RunSummary(given.get("rows_read", 0), given.get("rows_written", 0),
                      given.get("rows_rejected", 0), categories, total, groups,
                      display_name(given["encoding"]) if given.get("encoding") else None,
                      given.get("sheet"),
                      given.get("merged_ranges") or 0)


def read_summary(path: Path) -> dict[str, Any] | None:
    """A batch's ``--summary`` JSON, or None when the run wrote none (it was refused)."""
    try:
        given = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return given if isinstance(given, dict) else None
