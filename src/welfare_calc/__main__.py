"""The ``welfare-calc`` command's entry point (pyproject.toml's ``[project.scripts]``), and
``python -m welfare_calc``.

A call is a short process, and what it imports (click, the core, the command line) lives
as long as it does: some 20,000 objects the cyclic garbage collector tracks, none of
them garbage. So they are imported with the collector held off, and then frozen
(:func:`gc.freeze`: moved where it never looks again), rather than looked through by
its passes while they load and once more by its last pass at exit; on this project's
machine that pass and those passes were about 10 ms of a warm single call's 75
(docs/performance.md). Then the collector runs as usual, for a batch or the page as
for a single call; the batch freezes what its forked workers inherit in the same way
(:mod:`welfare_calc.batch.run.workers`).
"""

from __future__ import annotations

import gc
from typing import NoReturn


def main() -> NoReturn:
    """Run the command line (:func:`welfare_calc.cli.main`), its modules imported out of
    the garbage collector's way."""
    gc.disable()
    try:
        from welfare_calc.cli import main as command_line  # noqa: PLC0415 - see the module
    finally:
        gc.freeze()
        gc.enable()
    command_line()


if __name__ == "__main__":
    main()
