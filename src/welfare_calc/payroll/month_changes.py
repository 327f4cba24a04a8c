"""The payroll's change roster (issue 30 §2): both months read through the batch, compared
(:func:`~welfare_calc.payroll.changes.compare`) and written with the 发放明细.

Each month's households come from the rows the batch wrote with the core's plan of that
month (:class:`~welfare_calc.core.engine.MonthPlan`): this month's in the 发放明细's own
pass (:attr:`~welfare_calc.payroll.detail.PayrollOptions.each`), last month's in a run
of its own over last month's roster at last month's standard (:class:`LastMonth`, a
``BatchOptions.documents`` maker). Nothing is computed here: a row's household is read
again by the core's reader (:func:`welfare_calc.core.fields.read`, which the batch has
already passed it), its amount is the one the batch wrote (``monthly``, where the month
is covered: ``months`` is 1).

The rows kept between the runs, with names and ids, are spooled to an anonymous
temporary file (unlinked at once on POSIX, deleted when closed elsewhere: nothing
outlives the run), so that memory holds what the comparison keeps, not two rosters.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from welfare_calc.batch.rows.groups import Key, key_of, positions
from welfare_calc.batch.write.documents import NAME_HEADERS
from welfare_calc.core import fields
from welfare_calc.core.engine import written_fen
from welfare_calc.core.months import Month
from welfare_calc.core.table import StandardsTable
from welfare_calc.payroll import changes_writing
from welfare_calc.payroll.changes import Changes, Listed, compare

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

    from welfare_calc.batch.rows.groups import GroupBy
    from welfare_calc.batch.run.options import Stage, Written
    from welfare_calc.batch.write.workbook import PrintLayout

HOUSEHOLD_KEYS = ("id", "category", "persons", "income", "start", "end", "supplement", "care")
"""The cells a household is read from again, where the roster has them."""


class MonthSpool:
    """One month's rows as the change roster reads them: spooled as they are written
    (:meth:`reader`), read back as :class:`~welfare_calc.payroll.changes.Listed`
    (:meth:`listed`)."""

    def __init__(self, table: StandardsTable, group_by: GroupBy) -> None:
        self.table = table
        self.group_by = group_by
        self._file: IO[str] = tempfile.TemporaryFile(  # noqa: SIM115 - closed by close()
            "w+", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)

    def reader(self, written: Written) -> Callable[[list[str]], None]:
        """A function told each row the batch wrote; it keeps the household's cells, its
        name, its group (``--group-by``), whether the month is covered and its amount."""
        keys = written.keys
        wanted = [(key, keys.index(key)) for key in HOUSEHOLD_KEYS if key in keys]
        months_at, monthly_at = keys.index("months"), keys.index("monthly")
        bare = ["".join(name.split()).lower() for name in written.names]
        name_at = next((bare.index(header.lower()) for header in NAME_HEADERS
                        if header.lower() in bare), None)
        group_at = (positions(written.names, self.group_by, "--group-by")
                    if self.group_by else ())
        self._file.write(json.dumps([key for key, _at in wanted]) + "\n")
        write = self._writer.writerow

        def told(cells: list[str]) -> None:
            group = key_of(cells, group_at) if group_at else ()
            write([json.dumps(group, ensure_ascii=False),
                   "" if name_at is None else cells[name_at].strip(),
                   "1" if cells[months_at] == "1" else "", cells[monthly_at],
                   *(cells[at] for _key, at in wanted)])

        return told

    def listed(self) -> Iterator[Listed]:
        """The month's households, in the order written: each read by the core's reader
        (the batch has passed it), its amount the batch's (0 where not covered)."""
        self._file.flush()
        self._file.seek(0)
        header = self._file.readline()
        if not header:
            return
        names = json.loads(header)
        for group, name, covered, monthly, *cells in csv.reader(self._file):
            read = fields.read(self.table, dict(zip(names, cells, strict=True)))
            assert not isinstance(read, list), "the batch has passed every row it wrote"
            key: Key = tuple(json.loads(group))
            yield Listed(read.id, name, read.house, read.period, key, bool(covered),
                         written_fen(monthly) if covered else 0)

    def close(self) -> None:
        self._file.close()


class LastMonth:
    """The documents maker of last month's run (``BatchOptions.documents``): its rows
    spooled, nothing staged."""

    def __init__(self, spool: MonthSpool) -> None:
        self.spool = spool

    def __call__(self, written: Written) -> None:
        told = self.spool.reader(written)
        for _key, rows in written.groups:
            for cells in rows:
                told(cells)


class ChangeRoster:
    """This month against last month, with the 发放明细: this month's rows read in its
    pass (:meth:`each`), compared once they are all read, written as sheets of its
    workbook (:meth:`sheets`) or as CSV files staged with it (:meth:`stage_csv`)."""

    def __init__(self, table: StandardsTable, month: Month, group_by: GroupBy,
                 last: MonthSpool, roster_csv: Path | None = None,
                 table_csv: Path | None = None, excel: bool = False) -> None:
        self.table = table
        self.month = month
        self.last = last
        self.this = MonthSpool(table, group_by)
        self.roster_csv = roster_csv
        self.table_csv = table_csv
        self.excel = excel
        self.changes: Changes | None = None

    def each(self, written: Written) -> Callable[[list[str]], None]:
        """:attr:`~welfare_calc.payroll.detail.PayrollOptions.each`."""
        return self.this.reader(written)

    def compared(self) -> Changes:
        """The two months compared (once): :class:`~welfare_calc.payroll.changes.
        OtherOffice` for another office's roster, as ``compare`` refuses it."""
        if self.changes is None:
            self.changes = compare(self.last.listed(), self.this.listed(), month_before(self.month),
                                   self.month, self.table)
        return self.changes

    def sheets(self, book: Workbook, layout: PrintLayout) -> None:
        """The 变动名册 and its statistics as sheets of the 发放明细's workbook."""
        changes_writing.add_changes_sheets(book, self.compared(), layout)

    def stage_csv(self, stage: Stage) -> None:
        """The 变动名册 and its statistics as CSV, staged with the 发放明细."""
        changes = self.compared()
        if self.roster_csv is not None:
            changes_writing.write_roster_csv(stage(self.roster_csv, True).text, changes,
                                             excel=self.excel)
        if self.table_csv is not None:
            changes_writing.write_table_csv(stage(self.table_csv, True).text, changes)

    def close(self) -> None:
        self.this.close()
        self.last.close()


def csv_targets(output: Path, changes: Path | None) -> tuple[Path, Path]:
    """Where a CSV 发放明细's change roster and its statistics go: beside it, under names
    holding 变动 (``发放明细-变动.csv``, ``发放明细-变动统计.csv``), or ``--changes FILE``
    and its statistics beside that (``FILE-统计.csv``)."""
    if changes is not None:
        return changes, changes.with_name(f"{changes.stem}-统计.csv")
    return (changes_writing.beside(output, "变动"), changes_writing.beside(output, "变动统计"))


def month_before(month: Month) -> Month:
    """The month a change roster compares ``month`` with."""
    return month + -1
