"""How the command line ends: one ``Error:`` line per problem, and the exit code.

Data goes to stdout and everything else to stderr. Every mistake ends in one
``Error: …`` line per problem on stderr (``错误：…`` in Chinese, the language the
command line speaks) and exit code 2 (usage, bad values, bad standards file); exit 1
is kept for a batch with rejected rows. The exit codes never change with the
language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

import click

from welfare_calc.core.words import _


class CommandError(click.ClickException):
    """An error shown as ``Error: …`` lines and nothing else, with its exit code.

    Its :meth:`show` is click's own way to display an error: click calls it
    and exits with :attr:`exit_code`. Click's usage errors add a usage line
    and a hint around the message; a script reading stderr (and a clerk) is
    better served by the one line that says what was wrong and what is
    accepted, so :class:`WelfareCalc` turns them into this.
    """

    exit_code = 2  # click's own code for a usage error, which this stands for

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.format_message().splitlines():
            # (click's own msgid, so its prompt errors and ours read alike)
            click.echo(_("Error: {message}").format(message=line), file=file,
                       err=file is None)


class StandardsProblem(CommandError):
    """A standards file that does not validate: exit 2, one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class UsageProblem(CommandError):
    """Unusable input or files: exit 2, nothing written."""


class BatchRejected(CommandError):
    """Some rows were rejected; the rest were written (exit 1)."""

    exit_code = 1


class Stopped(CommandError):
    """Ctrl-C or a stop signal: nothing was written (exit 130, as the shell has it)."""

    exit_code = 130

    def __init__(self) -> None:
        super().__init__(_("Aborted."))

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message, file=file, err=file is None)


PIPE_CLOSED = 128 + 13
"""Exit code when the reader of stdout left early: 128 + SIGPIPE, as the shell reports
a program the signal ended (``… | head``); distinct from 1, rows rejected."""


class PipeClosed(Exception):
    """The reader of stdout went away (``… | head``): stop quietly."""
