"""The batch's file policy: which files a run writes, checked before it starts.

A run writes its output, an errors file beside it (unless the output is a
workbook, whose rejected rows go to a sheet of its own, or one is named),
and a summary (JSON, and the 资金汇总 as CSV) if asked; none may be the input, and no two one file
(:func:`~welfare_calc.batch.write.targets.check_distinct`). A CSV roster bound for
a workbook is counted first, so that a roster larger than a sheet is
refused before any work.
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from welfare_calc.batch.write.staging import Destination
from welfare_calc.batch.write.targets import Named, check_distinct, resolve
from welfare_calc.core.errors import BadOption
from welfare_calc.core.words import _


@dataclass(frozen=True)
class BatchFiles:
    """Where a run writes: files, or ``"stdout"`` / ``"stderr"``.

    :func:`welfare_calc.batch.write.targets.check_distinct` has made sure that no two
    are one file and none is the input.
    """

    output: Destination
    errors: Destination | None = None
    """None: beside the output (``OUTPUT.errors.csv``), or stderr when the output is stdout."""
    summary: Destination | None = None
    summary_csv: Destination | None = None
    """``--summary-csv``: the 资金汇总 table as CSV, for offices without the workbook."""
    workbook: bool = False
    """The output is a workbook, which holds the rejected rows on a sheet of its own."""
    others: tuple[Path, ...] = ()
    """Files the run's documents write besides these (the payroll's bank file), locked
    with them for the run."""

    def errors_target(self) -> Destination:
        """The errors file: as given, else beside the output, else stderr; a
        workbook's rejected rows go to its own sheet (from a spool)."""
        if self.errors is not None:
            return self.errors
        if self.workbook:
            return "spool"
        if isinstance(self.output, Path):
            return self.output.with_name(self.output.name + ".errors.csv")
        return "stderr"

    def paths(self) -> list[Path]:
        """The files (not streams) a run writes."""
        return [*(where for where in (self.output, self.errors_target(), self.summary,
                                      self.summary_csv) if isinstance(where, Path)),
                *self.others]


def batch_files(source: Path | None, output: str, errors: str | None,
                 summary: str | None, *, workbook: bool = False,
                 summary_csv: str | None = None,
                 others: Sequence[tuple[str, str]] = ()) -> tuple[BatchFiles, str]:
    """The run's files as named, checked: none is the input, no two are one file.

    Also the errors file's name as the user would write it, for messages. A
    workbook keeps its rejected rows on a sheet, and so has no errors file
    unless one is named. ``others``: (option, file) a run's documents write besides
    (the payroll's ``--bank-file``), checked with the rest and locked for the run
    (:attr:`BatchFiles.others`); each a file, not ``-``.
    """
    named = [resolve("--output", output)]
    if errors is not None:
        named.append(resolve("--errors", errors))
    elif output != "-" and not workbook:
        named.append(resolve("--errors", output + ".errors.csv"))
    if summary is not None:
        named.append(resolve("--summary", summary))
    if summary_csv is not None:
        named.append(resolve("--summary-csv", summary_csv))
    extra = [resolve(option, given) for option, given in others]
    check_distinct(source, [*named, *extra])
    where: dict[str, Named] = {item.option: item for item in named}
    errors_named = where.get("--errors")
    files = BatchFiles(output=where["--output"].destination,
                       errors=errors_named.destination if errors_named else None,
                       summary=where["--summary"].destination if "--summary" in where else None,
                       summary_csv=(where["--summary-csv"].destination
                                    if "--summary-csv" in where else None),
                       workbook=workbook,
                       others=tuple(item.destination for item in extra
                                    if isinstance(item.destination, Path)))
    label = _("standard error") if errors_named is None else (
        _("standard output") if errors_named.given == "-" else errors_named.given)
    if workbook and errors is None:
        label = _("sheet 问题行 of {output}").format(output=output)
    return files, label


def fits_a_sheet(source: Path) -> None:
    """Refuse, before any work, a CSV roster with more rows than a workbook's sheet holds.

    Only a regular file is counted ahead: a pipe or a device (``/dev/zero``) could
    be read for ever, and is refused by the sheet itself as its rows come.
    """
    from welfare_calc.batch.write.workbook import SHEET_ROWS  # noqa: PLC0415 - XlsxWriter

    try:
        if not stat.S_ISREG(source.stat().st_mode):
            return
    except OSError:
        return  # the run says what is wrong with it
    lines = 0
    with source.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            if lines > SHEET_ROWS:
                raise BadOption(_(
                    "{source} has more than {most} rows, more than an Excel sheet holds; write "
                    "CSV instead (-o result.csv)").format(source=source,
                                                          most=f"{SHEET_ROWS - 1:,}"))
