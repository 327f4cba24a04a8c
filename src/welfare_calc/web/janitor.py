"""The janitor: ``python -m welfare_calc.web.janitor FOLDER LOCK``, one per server.

Started by the server (:class:`welfare_calc.web.children.Janitor`), in a session of
its own (on Windows, detached from the console), it reads its stdin, a pipe from
the server: ``+PID`` when a roster's process starts, ``-PID`` when it ends. The
pipe closes when the server ends, however it ends: a stop, ``kill -9``, a closed
window. Then the janitor ends the roster processes still running (on POSIX, each
one's process group: the child and its workers; on Windows the system has ended
them already, with the server's Job Object), removes the server's FOLDER, and the
LOCK file once no one holds it. It imports nothing but the standard library and
filelock, so that it starts in a moment and holds little memory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterable
from pathlib import Path

from filelock import FileLock, Timeout

from welfare_calc.web.folders import remove_folder

PATIENCE = 10.0
"""Seconds to keep trying to remove the folder (see :func:`remove_folder`) and to wait
for the lock."""


def watched(lines: Iterable[bytes]) -> set[int]:
    """The processes still running, from the server's ``+PID`` and ``-PID`` lines, read
    until the server ends."""
    running: set[int] = set()
    for line in lines:
        word = line.strip()
        if word[:1] in (b"+", b"-") and word[1:].isdigit():
            (running.add if word[:1] == b"+" else running.discard)(int(word[1:]))
    return running


def end(pid: int) -> None:
    """End a roster's process group (POSIX). On Windows the server's Job Object has
    ended it with the server; a process number is not a safe thing to end there, as
    Windows gives a new process an ended one's number at once."""
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def clear(folder: Path, lock: Path, patience: float = PATIENCE) -> None:
    """Remove ``folder`` (trying again while a file in it is still held), then ``lock``."""
    remove_folder(folder, patience)
    if lock.exists():
        held = FileLock(lock, timeout=patience)
        with contextlib.suppress(Timeout, OSError):
            held.acquire()
            if os.name == "posix":  # (Windows removes it on release)
                lock.unlink(missing_ok=True)
            held.release()


def main(argv: list[str]) -> int:
    folder, lock = Path(argv[0]), Path(argv[1])
    with contextlib.suppress(KeyboardInterrupt):  # (no terminal sends one; be quiet if so)
        for pid in watched(iter(sys.stdin.buffer.readline, b"")):
            end(pid)
        clear(folder, lock)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
