"""A roster's child: ``python -m welfare_calc.web.child ARGS…`` runs ``welfare-calc ARGS…``
(the command line itself, as ``python -m welfare_calc`` does) and ends with the server.

Its stdin is a pipe from the server, which the server never writes to. A thread
waits on it: the pipe closes only when the server has ended (however it ended),
and then the child ends at once, and its workers with it: on POSIX the whole
process group it leads (the server started it as one), on Windows itself (the
server's Job Object holds its workers, and ends them). See
:mod:`welfare_calc.web.children`.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import threading

ORPHANED = 3
"""The exit code of a child whose server ended."""


def orphaned() -> None:
    """The server has ended: end this process and its workers, now."""
    if os.name == "posix" and os.getpgrp() == os.getpid():  # leading its own group
        os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(ORPHANED)


def watch_server(stdin: int = 0) -> threading.Thread:
    """Wait, in a thread, for ``stdin`` to close, then :func:`orphaned`."""

    def watch() -> None:
        try:
            while os.read(stdin, 4096):
                pass
        except OSError:
            pass
        orphaned()

    thread = threading.Thread(target=watch, name="welfare-calc-server-watch", daemon=True)
    thread.start()
    return thread


def main() -> None:
    watch_server()
    sys.argv = ["welfare-calc", *sys.argv[1:]]
    runpy.run_module("welfare_calc", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
