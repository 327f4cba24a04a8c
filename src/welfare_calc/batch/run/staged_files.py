"""The files a run has staged: written aside, put in place together at its end or not at all.

Every file a run writes (the output, the errors file, the summaries, a workbook, and
the spools they are written from) is a :class:`~welfare_calc.batch.write.staging.StagedText`
kept here, so that :func:`~welfare_calc.batch.write.staging.commit_all` puts them all
in place at once and an interrupted run discards every one.
"""

from __future__ import annotations

from collections.abc import Iterator

from welfare_calc.batch.run.options import BatchOptions
from welfare_calc.batch.run.signals import held_signals
from welfare_calc.batch.write.staging import Destination, StagedText


class StagedFiles:
    """A run's staged files, in the order they were made."""

    def __init__(self, options: BatchOptions) -> None:
        self.options = options
        self.files: list[StagedText] = []

    def __iter__(self) -> Iterator[StagedText]:
        return iter(self.files)

    def stage(self, target: Destination, *, raw: bool = False, encoding: str | None = None
              ) -> StagedText:
        """A new staged file for ``target``, kept: in the output's encoding; a spool (read
        back, never shown), or with ``raw`` a file written in bytes (a workbook) or in its
        own ``encoding`` (a bank file), else in UTF-8 whatever is asked. Made and kept with
        the stop signals held (:mod:`~welfare_calc.batch.run.signals`), so that no signal
        leaves a temporary file made but not yet kept, which nothing would remove."""
        with held_signals():
            if target == "spool" or raw:
                file = StagedText(target, encoding or "utf-8", excel=False)
            else:
                file = StagedText(target, self.options.output_encoding, self.options.excel)
            self.files.append(file)
        return file

    def for_documents(self, target: Destination, text: bool, encoding: str | None = None
                      ) -> StagedText:
        """A documents maker's file (:class:`~welfare_calc.batch.run.options.Stage`): with
        ``text``, CSV in the output's encoding and line ending, or in ``encoding`` when one
        is given (a bank file in its layout's); else bytes as given (a workbook)."""
        if text and encoding is None:
            return self.stage(target)
        return self.stage(target, raw=True, encoding=encoding)

    def restage(self, old: StagedText) -> StagedText:
        """A new staged file for ``old``'s target, in its place (a rewritten output), made
        as :meth:`stage` makes one (a spool in UTF-8, as it is read back, whatever the
        output's encoding); the caller discards ``old`` once it has read it."""
        with held_signals():
            if old.destination == "spool":
                new = StagedText("spool", "utf-8", excel=False)
            else:
                new = StagedText(old.destination, self.options.output_encoding,
                                 self.options.excel)
            self.files[self.files.index(old)] = new
        return new

    def discard(self, file: StagedText) -> None:
        """A file not to be put in place after all (a spool read, an empty stderr)."""
        self.files.remove(file)
        file.discard()

    def discard_all(self) -> None:
        """Every temporary file gone: what a failed or interrupted run leaves is nothing."""
        for file in self.files:
            file.discard()
