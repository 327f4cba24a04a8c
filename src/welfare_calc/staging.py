"""Files that appear whole or not at all.

A :class:`StagedText` is written to a temporary file beside its target and
renamed over it only by :meth:`~StagedText.commit`, so a reader never sees a
half-written file and an interrupted run leaves the old file as it was.
Without a target it is an anonymous spool, copied to stdout or stderr on
commit, so a failed run prints no partial data either. A target that is not
a regular file (``/dev/null``, a named pipe) is never renamed over: it is
spooled too, and written into on commit.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, BinaryIO

from welfare_calc.text import CsvRows

BOM = b"\xef\xbb\xbf"


def is_utf8(encoding: str) -> bool:
    """Whether an encoding name means UTF-8 (which gets the BOM for Excel)."""
    return encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 & ~umask.

    (mkstemp makes its file 0600, which would hide the output from the group.)
    """
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class StagedText:
    """Text bound for ``target`` (or a standard stream when ``target`` is None)."""

    def __init__(self, target: Path | None, encoding: str, excel: bool) -> None:
        self.target = target
        self.encoding = encoding
        self.temp_path: Path | None = None
        self.special = target is not None and target.exists() and not target.is_file()
        """A device or pipe: written into on commit, never replaced."""
        if target is None or self.special:
            self.binary: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - closed by commit/discard
        else:
            handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                            suffix=".partial")
            self.temp_path = Path(name)
            self.binary = os.fdopen(handle, "w+b")
        if excel and is_utf8(encoding):
            self.binary.write(BOM)
        self.text = io.TextIOWrapper(self.binary, encoding=encoding, newline="")
        self.newline = "\r\n" if excel else "\n"
        """The line ending asked for: CRLF for Excel, else LF."""
        self._readers: list[IO[str]] = []
        """Kept alive: a collected TextIOWrapper would close the file under us."""

    def csv_writer(self) -> CsvRows:
        """A CSV writer with this file's line ending."""
        return CsvRows(self.text, self.newline)

    def reread(self) -> IO[str]:
        """What has been written so far, as text from the start."""
        self.text.flush()
        self.binary.seek(0)
        encoding = "utf-8-sig" if is_utf8(self.encoding) else self.encoding
        reader = io.TextIOWrapper(self.binary, encoding=encoding, newline="")
        self._readers.append(reader)
        return reader

    def commit(self, fallback: IO[bytes]) -> None:
        """Rename over the target, or copy to ``fallback`` (stdout or stderr)."""
        self.text.flush()
        if self.target is not None and self.special:
            self.binary.seek(0)
            with self.target.open("wb") as special:
                shutil.copyfileobj(self.binary, special)
        elif self.temp_path is None or self.target is None:
            self.binary.seek(0)
            shutil.copyfileobj(self.binary, fallback)
            fallback.flush()
        else:
            os.fsync(self.binary.fileno())
            os.chmod(self.temp_path, _mode_for(self.target))
            os.replace(self.temp_path, self.target)
            self.temp_path = None
        self.binary.close()

    def discard(self) -> None:
        """Close and remove the temporary file; the target is untouched."""
        if not self.binary.closed:
            self.binary.close()
        if self.temp_path is not None:
            self.temp_path.unlink(missing_ok=True)
            self.temp_path = None
