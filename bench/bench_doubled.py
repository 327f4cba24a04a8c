"""Benchmark the doubled-id check and the memory a run keeps per row.

Times ``welfare-calc batch`` (wall time, and max RSS of its largest
process) on synthetic rosters whose ids repeat in the ways a finance office
meets: every id once; every id twice with two spells that do not overlap
(a household that left and came back); every id twice with overlapping
spells (every row a possible double payment); and many rows under one id.
Usage::

    python bench/bench_doubled.py --rows 1000000
    python bench/bench_doubled.py --rows 5000000 --cases unique
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HEADER = "id,category,persons,income,start,end\n"

MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
summary = done.stderr.splitlines()[0].split(";")[0] if done.stderr else ""
print(f"{elapsed}\\t{peak}\\t{done.returncode}\\t{summary}")
"""
"""Runs the batch in a process of its own, so that max RSS is that run's alone
(the largest of the batch's processes)."""


def write(path: Path, case: str, rows: int) -> None:
    """``rows`` households of one kind of repetition, written plainly."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        if case == "unique":
            out.writelines(f"H{n:09d},urban-dibao,2,100,,\n" for n in range(rows))
        elif case == "twice-apart":
            for n in range(rows // 2):
                out.write(f"H{n:09d},urban-dibao,2,100,,2020-03\n"
                          f"H{n:09d},urban-dibao,2,100,2020-05,\n")
        elif case == "twice-overlapping":
            for n in range(rows // 2):
                out.write(f"H{n:09d},urban-dibao,2,100,,2020-06\n"
                          f"H{n:09d},urban-dibao,2,100,2020-05,\n")
        elif case == "one-id":
            # One household, a one-month spell after another: none overlaps.
            for n in range(rows):
                year, month = divmod(2020 * 12 + n, 12)
                spell = f"{year:04d}-{month + 1:02d}"
                out.write(f"H1,urban-dibao,2,100,{spell},{spell}\n")
        else:
            raise SystemExit(f"unknown case {case}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cases", default="unique,twice-apart,twice-overlapping,one-id")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("welfare-calc"))
    with tempfile.TemporaryDirectory() as folder:
        for case in args.cases.split(","):
            rows = min(args.rows, 40_000) if case == "one-id" else args.rows
            source = Path(folder) / f"{case}.csv"
            write(source, case, rows)
            done = subprocess.run([sys.executable, "-c", MEASURE, exe, "batch", str(source),
                                   "--through", "2020-08", "-o", str(Path(folder) / "out.csv")],
                                  check=True, capture_output=True, text=True)
            elapsed, peak, code, summary = done.stdout.split("\t", 3)
            print(f"{case:18} {rows:>9,} rows  {float(elapsed):6.2f} s  "
                  f"max RSS {int(peak) / 1024:5.0f} MB  exit {code}  ({summary.strip()})")
            source.unlink()


if __name__ == "__main__":
    main()
