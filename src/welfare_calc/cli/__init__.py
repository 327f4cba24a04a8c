"""The ``welfare-calc`` command: parse, call the core, render. No arithmetic here.

One module per command (as csvkit keeps one per tool), on a group that owns
the shared options and the way errors end a call:

- :mod:`~welfare_calc.cli.group`: the group, bilingual help, shared options, ``emit``;
- :mod:`~welfare_calc.cli.types`: parameter types, each the core's reader of a field;
- :mod:`~welfare_calc.cli.problems`: ``Error:`` lines and exit codes;
- :mod:`~welfare_calc.cli.progress`: a roster's run told on the terminal, and its
  problems as ``Error:`` lines;
- :mod:`~welfare_calc.cli.standards`, :mod:`~welfare_calc.cli.entitlement`,
  :mod:`~welfare_calc.cli.backpay`, :mod:`~welfare_calc.cli.batch`,
  :mod:`~welfare_calc.cli.publicity`, :mod:`~welfare_calc.cli.payroll`,
  :mod:`~welfare_calc.cli.reconcile`,
  :mod:`~welfare_calc.cli.serve`: the commands.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from welfare_calc.cli.group import Bilingual, cli, emit
from welfare_calc.cli.problems import PIPE_CLOSED, PipeClosed
from welfare_calc.output import streams

__all__ = ["Bilingual", "cli", "emit", "main"]


def main() -> NoReturn:
    """Console entry point: run the CLI, staying quiet when a pipe closes early."""
    streams.stand_in_for_missing()
    try:
        cli.main(prog_name="welfare-calc")
    except (BrokenPipeError, PipeClosed):
        # `welfare-calc … | head`: the reader left; say nothing more (csvkit does the same).
        streams.quiet_stdout()
        sys.exit(PIPE_CLOSED)
    sys.exit(0)
