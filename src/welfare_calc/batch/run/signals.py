"""The signals that stop a run, and holding them back while a step must not be cut in two.

A stop signal (Ctrl-C, SIGTERM) ends a run by raising
:class:`~welfare_calc.core.errors.Interrupted` in it, which discards every file the run
has staged. Two steps must not be cut in two by it: a worker process being created
(it would inherit the parent's handler) and a staged file being created and kept (a
temporary file made but not yet kept would be left behind, with the roster's ids and
names in it). Both are done with the signals held (:func:`held_signals`); a signal
that came meanwhile arrives just after.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT")
                     if hasattr(signal, name))
"""Signals that end a run as Ctrl-C does (Windows has only SIGTERM of these)."""

HELD = {signal.SIGINT, *STOP_SIGNALS}
"""The signals :func:`held_signals` holds back."""


@contextmanager
def held_signals() -> Iterator[None]:
    """Hold the stop signals back (POSIX signal masks) for the block; they arrive as it
    ends. Windows has no signal masks: there a Ctrl-C or a closed console window may
    still cut a step, and what it leaves is in the user's own temporary folder."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
