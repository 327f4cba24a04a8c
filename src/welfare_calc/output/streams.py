"""The process's standard streams as they really are: closed, full, or not there at all.

A program run by a script, a Windows scheduled task or ``pythonw.exe`` may
start with stdin, stdout or stderr closed (``>&-``), or with no console at
all; stdout may be a file on a full disk (``> 结果.txt``, ``> /dev/full``).
Python then sets ``sys.stdout`` to None and click prints nothing, exit 0:
a result written nowhere. So at start-up :func:`stand_in_for_missing`
puts the null device on every closed descriptor (a file opened later can
then never take number 1 and receive the output), and remembers which were
closed; writing stdout then says, in one line, that it is closed or full.
With no stderr, messages go to the null device and the run still writes its
files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys

from welfare_calc.core.errors import TargetError, os_reason
from welfare_calc.core.words import _

NAMES = ("stdin", "stdout", "stderr")
closed: set[str] = set()
"""The standard streams that were closed when the process started."""


def stand_in_for_missing() -> None:
    """The null device on every closed standard descriptor; a writable stderr always."""
    for number, name in enumerate(NAMES):
        try:
            os.fstat(number)
        except OSError:
            closed.add(name)
            with contextlib.suppress(OSError):
                devnull = os.open(os.devnull, os.O_RDWR)
                if devnull != number:
                    os.dup2(devnull, number)
                    os.close(devnull)
    if sys.stderr is None:
        closed.add("stderr")
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the process
    if sys.stdout is None:
        closed.add("stdout")
    if sys.stdin is None:
        closed.add("stdin")


def check_open(name: str) -> None:
    """Refuse to use a standard stream that is closed (nothing is done)."""
    if name in closed or getattr(sys, name) is None:
        if name == "stdin":
            raise TargetError(_("standard input is closed: there is no roster to read; give "
                                "the roster's file name instead of -"))
        raise TargetError(_("standard output is closed, so the result would be lost; write it "
                            "to a file (> 结果.txt, or -o FILE)"))


def write_stdout(text: str) -> None:
    """``text`` on stdout, flushed; a closed or failing stdout is a :class:`TargetError`."""
    check_open("stdout")
    stream = sys.stdout
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        quiet_stdout()
        raise TargetError(failed_write(_("standard output"), error)) from None


def failed_write(what: str, error: OSError) -> str:
    """One line: what could not be written, and why."""
    if error.errno == errno.ENOSPC:
        return _("cannot write to {what}: the disk is full; the result is incomplete").format(
            what=what)
    return _("cannot write to {what}: {reason}").format(what=what, reason=os_reason(error))


def quiet_stdout() -> None:
    """Point stdout at the null device, so that Python's last flush does not complain."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def os_error_line(error: OSError) -> str:
    """The last word on an operating-system error no earlier handler named."""
    if error.errno in (errno.EMFILE, errno.ENFILE):
        return _("too many open files for this process; raise the limit (ulimit -n) or close "
                 "other programs, and run again")
    if error.errno == errno.ENOSPC:
        return _("the disk is full (or the temporary directory, TMPDIR or %TEMP%); free space")
    if error.errno == errno.ENAMETOOLONG:
        return _("a file name is too long for this system: {name}").format(
            name=error.filename or "").rstrip(": ")
    if error.filename:
        return _("{reason}: {name}").format(reason=os_reason(error), name=error.filename)
    return os_reason(error)
