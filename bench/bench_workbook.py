"""Benchmark Excel workbooks in and out of ``welfare-calc batch``.

Times, as whole processes (best of ``--repeat``), on N synthetic households:

- CSV in, CSV out (the usual batch, for comparison);
- CSV in, workbook out (``-o out.xlsx``: three sheets, XlsxWriter's
  constant-memory mode);
- workbook in (the same roster saved as .xlsx, numbers as numbers and months
  as dates, read by python-calamine), CSV out;

and the peak memory (summed PSS of the process and its workers) of each.
``--rows 1048575`` is a sheet's limit, where the workbook's memory bar
(200 MB) applies. Usage::

    python bench/bench_workbook.py --rows 100000 --repeat 3
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import peak_tree_memory, setup, timed


def as_workbook(source: Path, target: Path) -> None:
    """The roster as the provincial system would export it: a title row, then a header,
    numbers stored as numbers and months as dates."""
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = book.add_worksheet("花名册")
    month = book.add_format({"num_format": "yyyy-mm"})
    sheet.write_string(0, 0, "周村区城乡低保提标增补花名册")
    with source.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split(",")
        for column, name in enumerate(header):
            sheet.write_string(1, column, name)
        for row, line in enumerate(handle, 2):
            for column, (key, cell) in enumerate(zip(header, line.rstrip("\n").split(","),
                                                     strict=True)):
                if not cell:
                    continue
                if key in ("start", "end"):
                    year, number = cell.split("-")
                    sheet.write_datetime(row, column, dt.datetime(int(year), int(number), 1),
                                         month)
                elif key in ("persons", "income", "paid"):
                    sheet.write_number(row, column, float(cell))
                else:
                    sheet.write_string(row, column, cell)
    book.close()


def main() -> None:
    assert __doc__ is not None
    args, source, exe = setup(__doc__, 100_000)
    roster = args.dir / f"households_{args.rows}.xlsx"
    if not roster.exists():
        as_workbook(source, roster)
    runs = {
        "CSV in, CSV out": [exe, "batch", str(source), "--through", "2020-08",
                            "-o", str(args.dir / "wb-batch.csv")],
        "CSV in, workbook out": [exe, "batch", str(source), "--through", "2020-08",
                                 "-o", str(args.dir / "wb-batch.xlsx")],
        "workbook in, CSV out": [exe, "batch", str(roster), "--through", "2020-08",
                                 "-o", str(args.dir / "wb-from-xlsx.csv")],
    }
    for name, command in runs.items():
        best = min(timed(command) for _ in range(args.repeat))
        memory = peak_tree_memory(command)
        print(f"{name}: rows {args.rows:,}; {best:.2f} s (best of {args.repeat}); "
              f"peak memory {memory:.0f} MB (PSS, all processes)")


if __name__ == "__main__":
    main()
