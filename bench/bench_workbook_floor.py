"""What writing the workbook costs above XlsxWriter's own floor, with and without the
documents' grouping and print layout.

On N synthetic households with a 乡镇（街道） column (bench_batch.py --group-by's
roster), times as whole processes (best of ``--repeat``):

- the batch to CSV (the computing, for subtraction);
- the batch to a workbook, and to a workbook grouped by town (the 补发名册 with
  its 小计 rows and page breaks, rows read back group by group);
- the floor: a bare XlsxWriter loop, constant-memory, writing the same rows
  (from the batch's CSV) with money as numbers, nothing else.

It reports each workbook's writing time (its run less the CSV run) over the
floor. Usage::

    python bench/bench_workbook_floor.py --rows 200000 --repeat 3
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import TOWN_COLUMN, installed, roster, timed

FLOOR = """
import csv, sys, xlsxwriter
book = xlsxwriter.Workbook(sys.argv[2], {"constant_memory": True,
                           "strings_to_numbers": False, "strings_to_formulas": False})
sheet = book.add_worksheet("结果")
money = book.add_format({"num_format": "0.00"})
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    rows = csv.reader(handle)
    header = next(rows)
    numbers = {index for index, name in enumerate(header)
               if name in ("persons", "income", "months", "backpay", "monthly", "overpaid")}
    for column, name in enumerate(header):
        sheet.write_string(0, column, name)
    for number, row in enumerate(rows, 1):
        for column, cell in enumerate(row):
            if column in numbers and cell:
                sheet.write_number(number, column, float(cell), money)
            elif cell:
                sheet.write_string(number, column, cell)
book.close()
"""


def main() -> None:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    source, exe = roster(args.dir, args.rows, towns=True), installed()
    out = args.dir
    batch = [exe, "batch", str(source), "--through", "2020-08", "--errors",
             str(out / "floor-errors.csv")]
    runs = {
        "csv": [*batch, "-o", str(out / "floor.csv")],
        "workbook": [*batch, "-o", str(out / "floor.xlsx")],
        "grouped": [*batch, "-o", str(out / "floor-grouped.xlsx"), "--group-by", TOWN_COLUMN],
    }
    best = {name: min(timed(command) for _ in range(args.repeat))
            for name, command in runs.items()}
    floor = min(timed([sys.executable, "-c", FLOOR, str(out / "floor.csv"),
                       str(out / "floor-bare.xlsx")]) for _ in range(args.repeat))
    for name in ("workbook", "grouped"):
        writing = best[name] - best["csv"]
        print(f"{name}: run {best[name]:.2f} s, writing {writing:.2f} s = "
              f"{writing / floor:.2f}× the bare XlsxWriter loop ({floor:.2f} s)")
    print(f"rows {args.rows:,}; CSV run {best['csv']:.2f} s")


if __name__ == "__main__":
    main()
