"""Where a batch writes, checked before anything is written.

Finance may hand the batch the only copy of a roster, so no file a run
writes may be its input, and no two of its files may be one file, however
the path is spelt: ``./X``, a symlink, a hard link, and on Windows and macOS
another letter case (their usual file systems ignore case). ``-`` means
standard output for every file, as ``INPUT -`` means standard input; two
files on standard output would be mixed, so that is refused too.

A target that is a symlink is written through: the file it points to is
replaced and the link stays. A read-only target is refused, not replaced.

While a run writes, it holds a lock beside each target
(``.<name>.welfare-calc.lock``, an empty file removed at the end, by
:mod:`filelock`: ``flock`` on POSIX, ``msvcrt.locking`` on Windows), so a
second run writing the same file is refused rather than mixing its files
with the first's. Under that lock, temporary files left beside the target
by a run that was killed (``kill -9``, a power cut) are removed: no live
run can own them.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from welfare_calc.batch.write.staging import PARTIAL, Destination, target_mark, temp_prefix
from welfare_calc.core.errors import TargetProblem, os_reason
from welfare_calc.core.words import _

LOCK_SUFFIX = ".lock"

_CASE_BLIND = sys.platform in ("win32", "darwin")
"""Whether file names are compared without letter case (NTFS and APFS by default)."""



@dataclass(frozen=True)
class Named:
    """A file as the user named it (``option``), and the destination it resolves to."""

    option: str
    given: str
    destination: Destination


def resolve(option: str, given: str) -> Named:
    """Read a path as given on the command line: ``-`` is stdout; symlinks are followed."""
    if given == "-":
        return Named(option, given, "stdout")
    path = Path(given)
    real = Path(os.path.realpath(path))
    if real != path.absolute() and given.startswith(("/dev/", "/proc/")) and real.is_file():
        # /dev/stdout, /dev/fd/1: a standard stream that the shell sent to a file.
        raise TargetProblem(_("{option} {given}: names a standard stream that is a file here; "
                              "write {option} - for standard output, or name the file").format(
                                  option=option, given=given))
    if real.is_dir():
        raise TargetProblem(_("{option} {given}: is a directory; name a file").format(
            option=option, given=given))
    if not real.parent.is_dir():
        raise TargetProblem(_("{option} {given}: the directory {folder} does not exist").format(
            option=option, given=given, folder=real.parent))
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISREG(mode) and not mode & 0o222:
        raise TargetProblem(_("{option} {given}: the file is read-only; it is not replaced. "
                              "Choose another file, or make it writable first").format(
                                  option=option, given=given))
    return Named(option, given, real)


def identity(path: Path, *, case_blind: bool = _CASE_BLIND) -> tuple[object, ...]:
    """What makes two paths one file: the file itself if it exists, else its name in its
    directory (without case where the file system ignores it)."""
    try:
        found = path.stat()
        return ("file", found.st_dev, found.st_ino)
    except OSError:
        pass
    try:
        folder = path.parent.stat()
        where: tuple[object, ...] = (folder.st_dev, folder.st_ino)
    except OSError:
        where = (str(path.parent),)
    return ("name", *where, path.name.casefold() if case_blind else path.name)


def check_distinct(source: Path | None, named: Sequence[Named], *,
                   case_blind: bool = _CASE_BLIND) -> None:
    """Refuse a target that is the input, or two targets that are one file or stream.

    A character device (``/dev/null``) may take several: nothing is lost there.
    """
    seen: dict[object, Named] = {}
    if source is not None:
        seen[identity(source.absolute(), case_blind=case_blind)] = Named("INPUT", str(source),
                                                                          source)
    for item in named:
        where = item.destination
        if isinstance(where, str):
            key: object = where
        else:
            try:
                if stat.S_ISCHR(where.stat().st_mode):
                    continue
            except OSError:
                pass
            key = identity(where, case_blind=case_blind)
        if key in seen:
            first = seen[key]
            if first.option == "INPUT":
                raise TargetProblem(_("{option} {given}: is the input file, which would be "
                                      "replaced; choose another file").format(
                                          option=item.option, given=item.given))
            if isinstance(where, str):
                raise TargetProblem(_("{option} -: {other} already writes to standard output; "
                                      "give one of them a file").format(option=item.option,
                                                                        other=first.option))
            raise TargetProblem(_("{option} {given}: is the same file as {other} {other_given}; "
                                  "each file of a run must be a different one").format(
                                      option=item.option, given=item.given, other=first.option,
                                      other_given=first.given))
        seen[key] = item


def lock_path(target: Path) -> Path:
    """The lock a run holds on ``target``, beside it."""
    return target.with_name(f"{target_mark(target)}{LOCK_SUFFIX}")


def stale_temporaries(target: Path) -> Iterator[Path]:
    """Temporary files that runs writing ``target`` left beside it."""
    prefix = temp_prefix(target)
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name.endswith(PARTIAL):
            yield target.parent / name


@contextmanager
def locked(targets: Sequence[Path]) -> Iterator[None]:
    """Hold every target's lock for a run, after removing their stale temporary files.

    Another run holding one of them is refused at once (no waiting: a
    script should know, not hang).
    """
    with ExitStack() as stack:
        for target in targets:
            if target.exists() and not target.is_file():
                continue  # a device or a pipe: written into, never replaced
            path = lock_path(target)
            try:
                stack.enter_context(FileLock(path, timeout=0))
            except Timeout:
                raise TargetProblem(_("{target}: another welfare-calc run is writing this file; "
                                      "wait for it to finish").format(target=target)) from None
            except OSError as error:
                raise TargetProblem(_("{target}: cannot lock the file ({reason})").format(
                    target=target, reason=os_reason(error))) from None
            if os.name == "posix":
                # Removed while still held (ExitStack unwinds in reverse): a run
                # that opened it meanwhile finds its file unlinked once it gets the
                # lock, and filelock then takes a new one. Windows removes it itself.
                stack.callback(path.unlink, missing_ok=True)
            for stale in stale_temporaries(target):
                if stale.is_dir() and not stale.is_symlink():
                    shutil.rmtree(stale, ignore_errors=True)  # a killed workbook's scratch
                else:
                    stale.unlink(missing_ok=True)
        yield
