"""A roster's run told on the terminal: rows done, rows a second, and the time left."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from welfare_calc.cli.problems import Stopped, UsageProblem
from welfare_calc.core.errors import Interrupted, TargetError, TargetProblem, UnusableInput
from welfare_calc.core.words import _


class Progress:
    """Rows (lines) done, rows/s and ETA on stderr, at most four times a second."""

    def __init__(self, total_bytes: int) -> None:
        self.total = max(total_bytes, 1)
        self.started = time.monotonic()
        self.shown = 0.0

    def __call__(self, lines: int, done_bytes: int) -> None:
        now = time.monotonic()
        if now - self.shown < 0.25:
            return
        self.shown = now
        elapsed = max(now - self.started, 1e-9)
        rate = lines / elapsed
        left = elapsed * (self.total - done_bytes) / max(done_bytes, 1)
        click.echo("\r" + _("{rows} rows  {rate} rows/s  {percent}%  ETA {left} s ").format(
            rows=f"{lines:,}", rate=f"{rate:,.0f}", percent=100 * done_bytes // self.total,
            left=f"{left:,.0f}"), err=True, nl=False)

    def writing(self, rows: int) -> None:
        """Rows written into a workbook so far."""
        now = time.monotonic()
        if now - self.shown >= 0.25:
            self.shown = now
            click.echo("\r" + _("workbook: {rows} rows written ").format(rows=f"{rows:,}"),
                       err=True, nl=False)

    def close(self) -> None:
        """End the progress line."""
        click.echo("", err=True)


def on_a_terminal(size: int) -> Progress | None:
    """Progress for a roster of ``size`` bytes, when stderr is a terminal to show it."""
    return Progress(size) if sys.stderr.isatty() and size else None


@contextmanager
def roster_problems(input_path: Path) -> Iterator[None]:
    """A roster's run ended by a problem: one ``Error:`` line each (the input's own
    problems named with its path), Ctrl-C as the shell has it."""
    try:
        yield
    except UnusableInput as error:
        raise UsageProblem(_("{path}: {problem}").format(path=input_path, problem=error)
                           ) from None
    except (TargetError, TargetProblem) as error:
        raise UsageProblem(str(error)) from None
    except Interrupted:
        raise Stopped from None
