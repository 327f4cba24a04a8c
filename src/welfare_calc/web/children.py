"""The processes a server starts, and why none of them outlives it.

A roster runs as ``welfare-calc batch`` in a child process, which starts worker
processes of its own. When the server stops, by Ctrl-C or hard (``kill -9``, its
window closed on Windows, which ends it at once), none of them may run on, and
nothing of the roster may stay on disk. Three things see to it:

- **The roster's processes are one unit** the server can end at once: on POSIX a
  process group of their own (the child leads it, its workers join it, and a
  terminal's Ctrl-C does not reach it: the server ends it itself); on Windows a
  Job Object that ends every process in it when its last handle closes, and the
  server holds the only one, so the system ends the roster's processes when the
  server ends, however it ends.
- **The child watches the server** (:mod:`welfare_calc.web.child`): its standard
  input is a pipe the server never writes to. When the server ends the pipe
  closes, and the child ends itself and its workers.
- **A janitor outlives the server** (:mod:`welfare_calc.web.janitor`): one small
  process per server, in a session of its own (on Windows, detached from the
  console, so that closing the window does not end it), that waits on a pipe from
  the server in the same way. When the server ends, it ends the roster's
  processes it was told of and removes the server's folder: the uploaded roster,
  the results, the token.

Only if the janitor is killed too (or the PC loses power) is anything left; the
next start removes it (:func:`welfare_calc.web.folders.survey`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9
PROCESS_SET_QUOTA = 0x0100
PROCESS_TERMINATE = 0x0001
CREATE_NEW_PROCESS_GROUP = 0x00000200
DETACHED_PROCESS = 0x00000008
CREATE_NO_WINDOW = 0x08000000
CREATE_BREAKAWAY_FROM_JOB = 0x01000000
"""Windows' constants (``subprocess`` defines some of them on Windows alone)."""


class _BasicLimits(ctypes.Structure):
    """``JOBOBJECT_BASIC_LIMIT_INFORMATION``."""

    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64),
                ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", ctypes.c_uint32),
                ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t),
                ("ActiveProcessLimit", ctypes.c_uint32),
                ("Affinity", ctypes.c_size_t),
                ("PriorityClass", ctypes.c_uint32),
                ("SchedulingClass", ctypes.c_uint32)]


class _IoCounters(ctypes.Structure):
    """``IO_COUNTERS``."""

    _fields_ = [(name, ctypes.c_uint64) for name in (
        "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
        "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]


class JobLimits(ctypes.Structure):
    """``JOBOBJECT_EXTENDED_LIMIT_INFORMATION`` (144 bytes on 64-bit Windows)."""

    _fields_ = [("BasicLimitInformation", _BasicLimits),
                ("IoInfo", _IoCounters),
                ("ProcessMemoryLimit", ctypes.c_size_t),
                ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t),
                ("PeakJobMemoryUsed", ctypes.c_size_t)]


def kernel32() -> Any:
    """Windows' kernel32, with the prototypes the job needs (a HANDLE is a pointer: left
    as ctypes' default int, a 64-bit handle would be cut to 32 bits)."""
    library = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
    handle, flag = ctypes.c_void_p, ctypes.c_int
    for name, result, arguments in (
            ("CreateJobObjectW", handle, [ctypes.c_void_p, ctypes.c_wchar_p]),
            ("SetInformationJobObject", flag, [handle, ctypes.c_int, ctypes.c_void_p,
                                               ctypes.c_uint32]),
            ("OpenProcess", handle, [ctypes.c_uint32, flag, ctypes.c_uint32]),
            ("AssignProcessToJobObject", flag, [handle, handle]),
            ("TerminateJobObject", flag, [handle, ctypes.c_uint]),
            ("CloseHandle", flag, [handle])):
        function = getattr(library, name)
        function.restype, function.argtypes = result, arguments
    return library


def _last_error(what: str) -> OSError:
    code = getattr(ctypes, "get_last_error", lambda: 0)()
    return OSError(code, f"{what} failed (Windows error {code})")


class Job:
    """A Windows Job Object that ends its processes when its last handle closes: held by
    the server alone, so that the system ends a roster's processes when the server
    ends. ``library`` is :func:`kernel32` (a stand-in in the tests, which run on Linux)."""

    def __init__(self, library: Any) -> None:
        self.library = library
        handle = library.CreateJobObjectW(None, None)
        if not handle:
            raise _last_error("CreateJobObjectW")
        limits = JobLimits()
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        if not library.SetInformationJobObject(handle, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
                                               ctypes.byref(limits), ctypes.sizeof(limits)):
            library.CloseHandle(handle)
            raise _last_error("SetInformationJobObject")
        self.handle = handle

    def add(self, pid: int) -> None:
        """Put the process ``pid`` in the job; the processes it starts join it too."""
        process = self.library.OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE, 0, pid)
        if not process:
            raise _last_error("OpenProcess")
        try:
            if not self.library.AssignProcessToJobObject(self.handle, process):
                raise _last_error("AssignProcessToJobObject")
        finally:
            self.library.CloseHandle(process)

    def end(self) -> None:
        """End every process in the job, and let go of it."""
        if self.handle is not None:
            self.library.TerminateJobObject(self.handle, 1)
            self.library.CloseHandle(self.handle)
            self.handle = None


class Child:
    """One roster's process (``python -m welfare_calc.web.child …``) and its workers."""

    def __init__(self, command: Sequence[str], cwd: Path, env: Mapping[str, str],
                 windows: Callable[[], Any] | None = None) -> None:
        self.job: Job | None = None
        options: dict[str, Any] = {}
        if os.name == "nt":
            options["creationflags"] = CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW
        else:
            options["process_group"] = 0  # a group of its own, which its workers join
        # stdin: the pipe the child watches (never written to; see web/child.py).
        self.process = subprocess.Popen(list(command), cwd=cwd, env=dict(env),
                                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, **options)
        self.done = False
        if os.name == "nt":
            try:
                self.job = Job((windows or kernel32)())
                self.job.add(self.process.pid)
            except OSError:  # (no job: the child's own watch still ends it with the server)
                if self.job is not None:
                    self.job.end()
                self.job = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def finish(self) -> tuple[bytes, int]:
        """Wait for the child (in a thread): what it said on stderr, and its exit code.

        stderr is read to its end, which comes when every process holding it (the
        child and its workers) has ended; then the pipes and the job are let go of."""
        try:
            stderr: IO[bytes] | None = self.process.stderr
            said = stderr.read() if stderr is not None else b""
            code = self.process.wait()
        finally:
            self.done = self.process.poll() is not None
        for stream in (self.process.stdin, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self.job is not None:
            self.job.end()
            self.job = None
        return said, code

    def kill(self) -> None:
        """End the child and its workers at once (their files are removed with the
        roster's folder)."""
        if self.done:
            return
        if self.job is not None:
            self.job.end()
        elif os.name == "posix":
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        else:
            with contextlib.suppress(OSError):
                self.process.kill()


class Janitor:
    """The process that clears up after the server when it ends (module docstring).

    It is told each roster process's number as it starts and ends, on its stdin;
    when the pipe closes (the server ended, however), it ends those still running
    and removes ``folder``."""

    def __init__(self, folder: Path, lock: Path) -> None:
        command = [sys.executable, "-m", "welfare_calc.web.janitor", str(folder), str(lock)]
        options: dict[str, Any] = {"stdin": subprocess.PIPE, "stdout": subprocess.DEVNULL,
                                   "stderr": subprocess.DEVNULL, "cwd": folder.parent.parent}
        if os.name == "nt":
            flags = DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP
            try:  # out of any job the server runs in, which may end with it
                self.process = subprocess.Popen(
                    command, creationflags=flags | CREATE_BREAKAWAY_FROM_JOB, **options)
            except OSError:  # (a job that allows no breakaway)
                self.process = subprocess.Popen(command, creationflags=flags, **options)
        else:
            # A session of its own: no terminal's Ctrl-C or hang-up reaches it.
            self.process = subprocess.Popen(command, start_new_session=True, **options)
        self.lock = threading.Lock()

    def watch(self, pid: int) -> None:
        self._say(f"+{pid}\n")

    def forget(self, pid: int) -> None:
        self._say(f"-{pid}\n")

    def _say(self, line: str) -> None:
        with self.lock:
            stdin = self.process.stdin
            if stdin is None:
                return
            # (a janitor that was killed: the server runs on, and the next start clears up)
            with contextlib.suppress(OSError, ValueError):
                stdin.write(line.encode("ascii"))
                stdin.flush()

    def close(self, wait: float = 10.0) -> None:
        """Close its pipe: it clears up (the server has already) and ends."""
        with self.lock:
            if self.process.stdin is not None:
                with contextlib.suppress(OSError):
                    self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=wait)


class Children:
    """The roster processes running; every one is ended when the server stops."""

    def __init__(self, janitor: Janitor | None) -> None:
        self.janitor = janitor
        self.running: dict[int, Child] = {}
        self.lock = threading.Lock()
        self.stopping = False

    def start(self, command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> Child:
        """Start a roster's child (in a thread: starting a process takes a while)."""
        with self.lock:
            if self.stopping:
                raise Stopping
            child = Child(command, cwd, env)
            self.running[child.pid] = child
        if self.janitor is not None:
            self.janitor.watch(child.pid)
        return child

    def finished(self, child: Child) -> None:
        """``child`` is done (or ended): ended if it was not, and forgotten."""
        child.kill()
        with self.lock:
            self.running.pop(child.pid, None)
        if self.janitor is not None:
            self.janitor.forget(child.pid)

    def stop_all(self) -> None:
        """End every roster's processes now: the server is stopping. Called from a signal
        handler too, so it takes no lock: a child that starts meanwhile is refused by
        :attr:`stopping`, or ended by the next call."""
        self.stopping = True
        for child in list(self.running.values()):
            child.kill()


class Stopping(Exception):
    """The server is stopping: no roster starts now."""
