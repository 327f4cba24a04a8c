"""The run's output, staged: its header, its rows as written, and rewritten without
the rows dropped at the end.

A CSV or JSON-lines output is written where it is going (staged beside it); a
workbook's or a 公示 list's is a spool of plain UTF-8 CSV that the documents are
written from (:mod:`welfare_calc.batch.run.run_documents`). Rows found at the end to
be rejected (a doubled id, a locality that reads as a total) are left out of a second
copy, streamed, so that memory stays flat however large the output.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Container, Iterator
from typing import Literal

from welfare_calc.batch.rows.parsing import ZH_HEADERS, Columns, json_line, line_at
from welfare_calc.batch.run.errors_file import as_is
from welfare_calc.batch.run.options import BatchOptions
from welfare_calc.batch.run.staged_files import StagedFiles
from welfare_calc.batch.write.staging import Destination
from welfare_calc.core.errors import UnusableInput
from welfare_calc.core.words import _
from welfare_calc.output.text import csv_safe


def _cell(value: object) -> str:
    """A JSON-lines value as the CSV cell it was made from (``true``, ``8``, text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class OutputFile:
    """The staged output of a run (:attr:`file`) and what is done to it as a whole."""

    def __init__(self, staged: StagedFiles, options: BatchOptions, target: Destination
                 ) -> None:
        self.staged = staged
        self.options = options
        # A workbook is written at the end from a spool of plain CSV (nothing
        # neutralised: its text cells never run).
        spooled = options.fmt in ("xlsx", "publicity", "documents")
        self.file = staged.stage("spool" if spooled else target)
        self.language: Literal["en", "zh"] = options.headers or "en"
        """The language of the computed columns' names (set from the header)."""

    def write_header(self, columns: Columns) -> None:
        """The output's header line (none in JSON lines), the computed columns named in
        :attr:`language`; a name the output encoding cannot hold is refused."""
        if self.options.fmt == "jsonl":
            return
        keys = columns.output_keys
        if self.language == "zh":
            keys = [ZH_HEADERS.get(key.lower(), key) for key in keys]
        for key in keys:
            try:
                key.encode(self.file.encoding)
            except UnicodeEncodeError:
                raise UnusableInput(_(
                    "{where}, column {key}: the header cell cannot be written in {encoding}; "
                    "use --output-encoding gb18030 or utf-8").format(
                        where=line_at(1), key=repr(key),
                        encoding=self.options.output_encoding)) from None
        # A header cell is text like any other: one that starts a formula is neutralised.
        safe = csv_safe if self.options.neutralise else as_is
        self.file.csv_writer().writerow([safe(key) for key in keys])

    def rows(self) -> Iterator[list[str]]:
        """The staged output read back as rows of cells (input columns first)."""
        written = self.file.reread()
        if self.options.fmt != "jsonl":
            reader = csv.reader(written)
            next(reader)  # the header
            return reader
        return ([_cell(value) for value in json.loads(text).values()] for text in written)

    def blocks(self, size: int = 1 << 20) -> Iterator[tuple[bytes, int]]:
        """The staged output's rows (CSV, after its header) read back as bytes, about
        ``size`` at a time, each block whole rows (a line end inside quotes is no row's
        end: the quotes before it are counted), with how many rows it holds."""
        import numpy as np  # noqa: PLC0415 - a run with chunk-wise documents has it

        self.file.text.flush()
        binary = self.file.binary
        binary.seek(0)
        rest, header = b"", True
        while True:
            more = binary.read(size)
            data = rest + more
            if not data:
                return
            buf = np.frombuffer(data, dtype=np.uint8)
            ends = buf == ord("\n")
            if b'"' in data:
                ends &= (np.cumsum(buf == ord('"')) & 1) == 0
            cut = np.flatnonzero(ends)
            if header and len(cut):  # (the header: the first row)
                data, cut, header = data[cut[0] + 1:], cut[1:] - cut[0] - 1, False
            whole = int(cut[-1]) + 1 if len(cut) else 0
            if not more:  # (the end: what is left is the last rows)
                whole, count = len(data), len(cut) + (len(data) > whole)
            else:
                count = len(cut)
            rest = data[whole:]
            if whole:
                yield data[:whole], count
            if not more:
                return

    def rewrite_without(self, columns: Columns, drops: Container[int],
                        dropped: Callable[[int, list[str]], None]) -> None:
        """Copy the staged output without the rows at the positions in ``drops``, each
        told to ``dropped`` (its position and cells) as it is left out.

        Streams from the first temporary file to a second one, so memory
        stays flat however large the output.
        """
        old, rows = self.file, self.rows()
        fresh = self.staged.restage(old)
        self.file = fresh
        self.write_header(columns)
        writer = fresh.csv_writer()
        keys = columns.output_keys
        for position, cells in enumerate(rows):
            if position not in drops:
                if self.options.fmt != "jsonl":
                    writer.writerow(cells)
                else:
                    fresh.text.write(json_line(keys, cells))
                continue
            dropped(position, cells)
        old.discard()
