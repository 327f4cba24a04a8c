"""The files a run has staged: written aside, put in place together at its end or not at all.

Every file a run writes (the output, the errors file, the summaries, a workbook, and
the spools they are written from) is a :class:`~welfare_calc.batch.write.staging.StagedText`
kept here, so that :func:`~welfare_calc.batch.write.staging.commit_all` puts them all
in place at once and an interrupted run discards every one.
"""

from __future__ import annotations

from collections.abc import Iterator

from welfare_calc.batch.run.options import BatchOptions
from welfare_calc.batch.write.staging import Destination, StagedText


class StagedFiles:
    """A run's staged files, in the order they were made."""

    def __init__(self, options: BatchOptions) -> None:
        self.options = options
        self.files: list[StagedText] = []

    def __iter__(self) -> Iterator[StagedText]:
        return iter(self.files)

    def stage(self, target: Destination) -> StagedText:
        """A new staged file for ``target`` in the output's encoding; a spool (read back,
        never shown) in UTF-8 whatever is asked."""
        if target == "spool":
            file = StagedText(target, "utf-8", excel=False)
        else:
            file = StagedText(target, self.options.output_encoding, self.options.excel)
        return self.add(file)

    def add(self, file: StagedText) -> StagedText:
        """A staged file made elsewhere (a workbook's, in bytes), kept with the others."""
        self.files.append(file)
        return file

    def replace(self, old: StagedText, new: StagedText) -> None:
        """``new`` in ``old``'s place (a rewritten output); the caller discards ``old``
        once it has read it."""
        self.files[self.files.index(old)] = new

    def discard(self, file: StagedText) -> None:
        """A file not to be put in place after all (a spool read, an empty stderr)."""
        self.files.remove(file)
        file.discard()

    def discard_all(self) -> None:
        """Every temporary file gone: what a failed or interrupted run leaves is nothing."""
        for file in self.files:
            file.discard()
