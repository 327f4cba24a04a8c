"""Where a server keeps what it must while it runs, and what a new start finds of the others.

Everything a server writes is in one folder of its own, inside one folder of the
user's in the temporary folder (``welfare-calc-serve-<uid>`` on POSIX, made
private, 0700, and refused when it is not the user's own; ``welfare-calc-serve``
in Windows' temporary folder, which is the user's own already)::

    welfare-calc-serve-1000/
        3f2a9c01d4e5.lock      held by the server for as long as it runs
        3f2a9c01d4e5/
            server.json        its address, port and token (see Running)
            open.html          the page that sends a browser on to it, token included
            r-k2j4x8/          one roster's upload and results, for one request

The lock is what tells a running server from a dead one: the system lets go of
it when its process ends, however it ends (``kill -9``, a closed window), and a
process number can be reused where a lock cannot. A new start removes every
folder whose lock no one holds (:func:`survey`), and finds the user's running
servers from those that are held, so that a second start opens the running page
instead of failing on a port in use.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

BASE = "welfare-calc-serve"
STATE = "server.json"
OPEN_PAGE = "open.html"
ROSTER_PREFIX = "r-"
OLD_FOLDER = re.compile(r"wc-[a-z0-9_]{8}")
"""Earlier versions' roster folders: ``tempfile.mkdtemp(prefix="wc-")`` in the temporary
folder itself."""
OLD_CONTENT = re.compile(r"(?is).+\.(csv|txt|xlsx|xlsm|xls)|\.wc-.*")
"""What such a folder held: the roster as uploaded, its results and errors, and the
batch's own temporary and lock files (``.wc-…``)."""


class NotPrivate(Exception):
    """The user's folder exists but is not the user's alone: another account made it, or
    can read it."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


def user_folder(root: Path | None = None) -> Path:
    """This user's folder for servers, in the temporary folder, made if missing.

    Raises :class:`NotPrivate` when it exists and is not this user's alone (on POSIX,
    where the temporary folder is shared by every account)."""
    root = Path(tempfile.gettempdir()) if root is None else root
    uid = os.getuid() if hasattr(os, "getuid") else None
    path = root / (BASE if uid is None else f"{BASE}-{uid}")
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    if uid is not None:
        info = os.lstat(path)
        if (not stat.S_ISDIR(info.st_mode) or info.st_uid != uid
                or stat.S_IMODE(info.st_mode) & 0o077):
            raise NotPrivate(path)
    return path


@dataclass(frozen=True)
class Running:
    """A running server of this user's, as its ``server.json`` says."""

    host: str
    port: int
    url: str
    """The address to open, with the token."""
    open_page: Path
    """The file that sends a browser on to :attr:`url` (opened instead of the URL itself,
    so that the token is never on a command line, which every account can read)."""


class Place:
    """One server's folder, and the lock it holds for as long as it runs."""

    def __init__(self, base: Path, name: str, lock: FileLock) -> None:
        self.base = base
        self.name = name
        self.lock = lock

    @property
    def folder(self) -> Path:
        return self.base / self.name

    @property
    def lock_path(self) -> Path:
        return self.base / f"{self.name}.lock"

    def announce(self, host: str, port: int, url: str) -> Path:
        """Write ``server.json`` and the page that opens ``url``; the page's path."""
        page = self.folder / OPEN_PAGE
        address = html.escape(url, quote=True)
        _write_private(page, '<!doctype html><html><head><meta charset="utf-8">'
                             f'<meta http-equiv="refresh" content="0; url={address}">'
                             f'<title>welfare-calc</title></head><body><p><a href="{address}">'
                             f"{address}</a></p></body></html>\n")
        _write_private(self.folder / STATE, json.dumps(
            {"host": host, "port": port, "url": url, "pid": os.getpid()}) + "\n")
        return page

    def roster_folder(self) -> Path:
        """A new private folder for one roster (0700)."""
        return Path(tempfile.mkdtemp(prefix=ROSTER_PREFIX, dir=self.folder))

    def leave(self) -> None:
        """Remove the folder and everything in it, then let go of the lock (once: again,
        nothing)."""
        if not self.lock.is_locked:
            return
        remove_folder(self.folder)
        if os.name == "posix":  # (removed while held; Windows removes it on release)
            self.lock_path.unlink(missing_ok=True)
        self.lock.release()


def _write_private(path: Path, text: str) -> None:
    """``text`` in ``path``, readable by this user alone, written whole or not at all."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".")  # (0600)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def claim(base: Path) -> Place:
    """A folder of this server's own in ``base``, its lock taken first (so that a
    sweep never takes a new server's folder for a dead one's)."""
    while True:
        name = secrets.token_hex(6)
        lock = FileLock(base / f"{name}.lock", timeout=0, mode=0o600)
        try:
            lock.acquire()
        except Timeout:  # (a name in use: twelve hex digits make this all but never)
            continue
        try:
            (base / name).mkdir(mode=0o700)
        except FileExistsError:
            lock.release()
            continue
        return Place(base, name, lock)


def survey(base: Path) -> list[Running]:
    """This user's running servers; the folders of dead ones are removed on the way
    (whatever a killed server left: rosters, results, its token)."""
    running: list[Running] = []
    for lock_path in sorted(base.glob("*.lock")):
        folder = base / lock_path.stem
        lock = FileLock(lock_path, timeout=0)
        try:
            lock.acquire()
        except Timeout:  # held: its server runs
            found = _state(folder)
            if found is not None:
                running.append(found)
            continue
        except OSError:
            continue
        try:
            _remove(folder)
            if os.name == "posix":
                lock_path.unlink(missing_ok=True)
        finally:
            lock.release()
    for folder in base.iterdir():  # a folder whose lock is gone: its removal was cut short
        if not folder.name.endswith(".lock") and not (base / f"{folder.name}.lock").exists():
            _remove(folder)
    return running


def starting(base: Path, besides: str = "") -> bool:
    """Whether a server of this user's (but the one named ``besides``) is starting: its
    lock held, its ``server.json`` not written yet (a second double-click may come while
    the first server starts)."""
    for lock_path in base.glob("*.lock"):
        if lock_path.stem == besides or (base / lock_path.stem / STATE).exists():
            continue
        lock = FileLock(lock_path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            return True
        except OSError:
            continue
        lock.release()  # (a dead one's: survey removes it)
    return False


def _state(folder: Path) -> Running | None:
    """A running server's ``server.json``; None while it is starting (not written yet)."""
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
        return Running(str(state["host"]), int(state["port"]), str(state["url"]),
                       folder / OPEN_PAGE)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_folder(folder: Path, patience: float = 10.0) -> bool:
    """Remove ``folder`` and all in it, trying again for up to ``patience`` seconds while
    a file in it is still held (on Windows a file stays locked for a moment after the
    process that held it has ended, and a virus scanner may hold a new one); whether it
    is gone."""
    deadline = time.monotonic() + patience
    while True:
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


OLD_AGE = 86_400
"""Seconds an earlier version's folder must have been left alone before it is removed: the
longest a roster may run (``--timeout``), so that a server of that version still running
beside this one keeps the folder of the roster it is computing."""


def sweep_old(root: Path | None = None, now: float | None = None) -> None:
    """Remove the roster folders an earlier version's server left in the temporary folder
    when it was killed (each held a whole roster, ids and names): this user's own, left
    alone for a day (:data:`OLD_AGE`), and only those holding nothing but what such a
    folder held."""
    root = Path(tempfile.gettempdir()) if root is None else root
    uid = os.getuid() if hasattr(os, "getuid") else None
    now = time.time() if now is None else now
    for path in root.glob("wc-*"):
        try:
            info = os.lstat(path)
            if (not OLD_FOLDER.fullmatch(path.name) or not stat.S_ISDIR(info.st_mode)
                    or (uid is not None and info.st_uid != uid)
                    or now - info.st_mtime < OLD_AGE):
                continue
            if all(OLD_CONTENT.fullmatch(entry.name) for entry in path.iterdir()):
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue
