"""Files that appear whole or not at all, and a run's files together or not at all.

A :class:`StagedText` is written to a temporary file beside its target. The
temporary files of one run are put in place by :func:`commit_all`, which
first writes and syncs every one of them, then renames them over their
targets keeping a hard link to each old file, and puts every old file back
if any rename fails: the output, the errors and the summary of a run are
one set (a new output beside a stale errors file would mislead finance).

Without a target a file is an anonymous spool, copied to stdout or stderr
last, so a failed run prints no partial data either. A target that is not a
regular file (``/dev/null``, a named pipe) is never renamed over: it is
spooled too, and written into last (it cannot be undone).

A temporary file is named ``.<target>.welfare-calc-<random>.partial``, so
that a later run can find and remove one left by a run that was killed
(:mod:`welfare_calc.batch.write.targets` does, under the target's lock). A new file is
readable by its owner only (it holds ID numbers); a replaced file keeps its
mode, and its owner and group where the process may set them.

Every failure is a :class:`TargetError` whose message names the file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, Literal

from welfare_calc.batch.input.encodings import BOM, is_utf8, split_bom
from welfare_calc.core.errors import TargetError, os_reason
from welfare_calc.core.words import N_, _
from welfare_calc.output.streams import failed_write, quiet_stdout
from welfare_calc.output.text import CsvRows

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

PARTIAL = ".partial"
TARGET_DIGITS = 12
"""Hex digits of a target's name in the names of its temporary files and lock."""

Stream = Literal["stdout", "stderr"]
Destination = Path | Stream | Literal["spool"]
"""A file, or a standard stream (``-`` on the command line means stdout), or a spool
that a run reads back and never puts anywhere (the CSV a workbook is written from)."""



def target_mark(target: Path) -> str:
    """A short stand-in for a target's name in the names of its own files (temporaries,
    lock): ``.wc-`` and a digest of the name, as the system compares names (any case on
    Windows). Short, so that a valid name of 240 bytes, or a Windows path near MAX_PATH,
    has room for them; fixed, so that the next run finds what a killed one left."""
    digest = hashlib.sha256(os.path.normcase(target.name).encode("utf-8", "surrogatepass"))
    return f".wc-{digest.hexdigest()[:TARGET_DIGITS]}"


def temp_prefix(target: Path) -> str:
    """The start of the name of every temporary file (and folder) of ``target``."""
    return f"{target_mark(target)}-"


@contextlib.contextmanager
def scratch_beside(target: Path) -> Iterator[str]:
    """A private folder beside ``target`` for a writer's own temporary files (XlsxWriter's,
    which hold the rows, ids and names): named as the target's temporary files are, so
    that the next run's clean-up finds it if this one is killed, and removed when done.
    An OSError making it or writing within is told as ``target``'s :class:`TargetError`."""
    try:
        scratch = tempfile.mkdtemp(dir=target.parent, prefix=temp_prefix(target),
                                   suffix=PARTIAL)
    except OSError as error:
        raise TargetError(describe(error, target)) from None
    try:
        yield scratch
    except OSError as error:
        raise TargetError(describe(error, target)) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


DOINGS = {
    "write": N_("cannot write {target}"),
    "create": N_("cannot create {target}"),
    "replace": N_("cannot replace {target}"),
    "write into": N_("cannot write into {target}"),
}
"""What a run could not do to a file, by the ``doing`` of :func:`describe`."""


def describe(error: OSError, target: Path, doing: str = "write") -> str:
    """One line for a person: what could not be done to which file, and why."""
    cannot = _(DOINGS[doing]).format(target=target)
    if error.errno == errno.ENOSPC:
        why = (_("the disk is full") if doing == "write into"
               else _("the disk is full; nothing was replaced"))
    elif isinstance(error, FileNotFoundError) and not target.parent.is_dir():
        why = _("the directory {folder} does not exist").format(folder=target.parent)
    elif error.errno == errno.ENAMETOOLONG:
        why = _("the name is too long for this system; use a shorter one")
    elif error.errno == errno.EROFS:
        why = _("the file system is read-only")
    elif isinstance(error, PermissionError) and doing == "replace":
        why = _("permission denied; it may be open in another program (such as Excel): close "
                "it and run again")
    elif isinstance(error, PermissionError) and getattr(error, "winerror", None) != 32:
        why = _("permission denied in {folder}").format(folder=target.parent)
    else:
        why = os_reason(error)
    return _("{cannot}: {why}").format(cannot=cannot, why=why)


class _Raw(io.FileIO):
    """A file whose failed writes say which target they were for."""

    label: Path

    def write(self, data: ReadableBuffer, /) -> int:
        try:
            return self.put(data)
        except OSError as error:
            raise TargetError(describe(error, self.label)) from None

    def put(self, data: ReadableBuffer, /) -> int:
        """The plain write (the tests make it fail as a full disk would)."""
        return super().write(data)


def _mode_and_owner(temp: Path, target: Path) -> None:
    """A replaced file keeps its mode, owner and group; a new file stays 0600 (mkstemp's)."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        return
    os.chmod(temp, old.st_mode & 0o7777)
    if hasattr(os, "chown"):
        # Only root may give a file away; the mode holds all the same.
        with contextlib.suppress(PermissionError):
            os.chown(temp, old.st_uid, old.st_gid)


class StagedText:
    """Text bound for ``destination``: a file, or stdout or stderr."""

    def __init__(self, destination: Destination, encoding: str, excel: bool) -> None:
        self.destination = destination
        self.target = destination if isinstance(destination, Path) else None
        self.stream: Stream | None = (None if isinstance(destination, Path)
                                      or destination == "spool" else destination)
        self.temp_path: Path | None = None
        self.special = self.target is not None and self.target.exists() and (
            not self.target.is_file())
        """A device or pipe: written into last, never replaced."""
        label = self.target or (Path(f"<{self.stream}>") if self.stream else
                                Path(tempfile.gettempdir()) / f"welfare-calc-*{PARTIAL}")
        try:
            if self.target is None or self.special:
                handle, name = tempfile.mkstemp(prefix="welfare-calc-", suffix=PARTIAL)
                if os.name == "posix":
                    os.unlink(name)  # gone with the process, whatever ends it
                else:
                    self.temp_path = Path(name)
            else:
                handle, name = tempfile.mkstemp(dir=self.target.parent,
                                                prefix=temp_prefix(self.target),
                                                suffix=PARTIAL)
                self.temp_path = Path(name)
        except OSError as error:
            raise TargetError(describe(error, label)) from None
        raw = _Raw(handle, "r+b")
        raw.label = label
        self.binary: BinaryIO = io.BufferedRandom(raw)
        self.encoding, bom = split_bom(encoding)
        """The encoding of everything written after the BOM."""
        if excel and is_utf8(encoding) and not bom:
            bom = BOM
        self.binary.write(bom)
        self.text = io.TextIOWrapper(self.binary, encoding=self.encoding, newline="")
        self.newline = "\r\n" if excel else "\n"
        """The line ending asked for: CRLF for Excel, else LF."""
        self._readers: list[IO[str]] = []
        """Kept alive: a collected TextIOWrapper would close the file under us."""
        self._new = True
        """Whether the target did not exist when it was replaced."""
        self._backup: Path | None = None
        """A hard link to the file the target was before it was replaced."""

    def csv_writer(self) -> CsvRows:
        """A CSV writer with this file's line ending."""
        return CsvRows(self.text, self.newline)

    def reread(self) -> IO[str]:
        """What has been written so far, as text from the start (after any BOM)."""
        self.text.flush()
        self.binary.seek(0)
        encoding = "utf-8-sig" if is_utf8(self.encoding) else self.encoding
        reader = io.TextIOWrapper(self.binary, encoding=encoding, newline="")
        if encoding != "utf-8-sig" and reader.read(1) not in ("\ufeff", ""):
            reader.seek(0)
        self._readers.append(reader)
        return reader

    def prepare(self) -> None:
        """Everything written and on disk, with its mode; nothing replaced yet."""
        self.text.flush()
        if self.temp_path is not None and self.target is not None and not self.special:
            try:
                os.fsync(self.binary.fileno())
                _mode_and_owner(self.temp_path, self.target)
            except OSError as error:
                raise TargetError(describe(error, self.target)) from None

    def replace(self) -> None:
        """Rename the temporary file over the target, keeping the old file aside.

        A hard link to the old file keeps it, with the target never missing;
        where the file system has no hard links (FAT, exFAT), the old file is
        renamed aside first. Either way :meth:`undo` can put it back if a
        later file of the set fails.
        """
        assert self.temp_path is not None
        assert self.target is not None
        self._new = not self.target.exists()
        moved_aside = False
        if not self._new:
            backup = self.temp_path.with_name(f"{self.temp_path.stem}.old{PARTIAL}")
            try:
                os.link(self.target, backup)
            except OSError:
                try:
                    os.replace(self.target, backup)
                except OSError as error:
                    raise TargetError(describe(error, self.target, "replace")) from None
                moved_aside = True
            self._backup = backup
        try:
            os.replace(self.temp_path, self.target)
        except OSError as error:
            if moved_aside:
                self.undo()
            self.forget()
            raise TargetError(describe(error, self.target, "replace")) from None
        self.temp_path = None
        self.binary.close()

    def undo(self) -> None:
        """Put back the file :meth:`replace` replaced, or remove the file it made."""
        assert self.target is not None
        if self._backup is not None:
            os.replace(self._backup, self.target)
            self._backup = None
        elif self._new:
            self.target.unlink(missing_ok=True)

    def forget(self) -> None:
        """Drop the link to the old file: the set is in place."""
        if self._backup is not None:
            self._backup.unlink(missing_ok=True)
            self._backup = None

    def write_out(self, streams: dict[Stream, IO[bytes]]) -> None:
        """Copy a spool to its stream, or into a device or pipe."""
        self.binary.seek(0)
        if self.target is not None:
            try:
                with self.target.open("wb") as special:
                    shutil.copyfileobj(self.binary, special)
            except OSError as error:
                raise TargetError(describe(error, self.target, "write into")) from None
        else:
            assert self.stream is not None
            try:
                shutil.copyfileobj(self.binary, streams[self.stream])
                streams[self.stream].flush()
            except BrokenPipeError:
                raise
            except OSError as error:
                if self.stream == "stdout":
                    quiet_stdout()
                shown = _("standard output") if self.stream == "stdout" else _("standard error")
                raise TargetError(failed_write(shown, error)) from None
        self.discard()

    def write_behind(self) -> None:
        """What is written so far handed to the disk now, while the run goes on, where the
        system lets us (Linux: ``posix_fadvise`` ``DONTNEED`` begins the writeback of the
        pages written and gives back those already on disk): putting a large file in
        place then waits for what is left, not for all of it. Advice only: the file is
        synced when it is put in place (:meth:`prepare`), as every file is. What is
        written is flushed on every system alike; nothing more is done where there is no
        such call (Windows, macOS), nor for a spool, a stream's or a device's file
        (synced by no one; read back)."""
        if self.binary.closed:
            return
        self.text.flush()
        self.binary.flush()
        advise = getattr(os, "posix_fadvise", None)
        if (advise is None or not hasattr(os, "POSIX_FADV_DONTNEED")
                or self.temp_path is None or self.target is None or self.special):
            return
        with contextlib.suppress(OSError):
            advise(self.binary.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)

    def discard(self) -> None:
        """Close and remove the temporary file; the target is untouched."""
        if not self.binary.closed:
            # The buffer's last flush may fail (a full disk): the file goes anyway.
            with contextlib.suppress(OSError, TargetError):
                self.binary.close()
        if self.temp_path is not None:
            self.temp_path.unlink(missing_ok=True)
            self.temp_path = None


def commit_all(files: Sequence[StagedText], streams: dict[Stream, IO[bytes]]) -> None:
    """Put every file of a run in place, or none: old files stay if any one fails.

    Order: every file written and synced; then the renames, each keeping a
    link to the old file, undone in reverse if one fails; then the streams
    and devices, which cannot be undone and so come last.
    """
    for file in files:
        file.prepare()
    renamed: list[StagedText] = []
    try:
        for file in files:
            if file.temp_path is not None and file.target is not None and not file.special:
                file.replace()
                renamed.append(file)
    except TargetError:
        for file in reversed(renamed):
            file.undo()
        raise
    for file in renamed:
        file.forget()
    for file in files:
        if not file.binary.closed:
            file.write_out(streams)
