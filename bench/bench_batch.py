"""Benchmark ``welfare-calc batch`` against a plain csv.reader → csv.writer copy.

Generates N synthetic households deterministically (seeded), then times, in
separate processes and on the same file:

- the copy: ``csv.reader`` → ``csv.writer`` of every row, stdlib only;
- the batch: ``welfare-calc batch FILE --through 2020-08 -o OUT``.

Reports wall time (best of ``--repeat``), the ratio, and the batch's peak
memory (max RSS). Usage::

    python bench/bench_batch.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from welfare_calc.synthetic import write_households

COPY = """
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as src, \\
        open(sys.argv[2], "w", newline="", encoding="utf-8") as dst:
    writer = csv.writer(dst, lineterminator="\\n")
    for row in csv.reader(src):
        writer.writerow(row)
"""


def generate(path: Path, rows: int) -> None:
    """The input file: ``rows`` synthetic households (welfare_calc.synthetic), seed 2020."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        write_households(handle, rows)


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    source = args.dir / f"households_{args.rows}.csv"
    if not source.exists():
        generate(source, args.rows)
    exe = shutil.which("welfare-calc", path=str(Path(sys.executable).parent))
    if exe is None:
        sys.exit("welfare-calc is not installed next to this Python")
    copy_cmd = [sys.executable, "-c", COPY, str(source), str(args.dir / "copy.csv")]
    batch_cmd = [exe, "batch", str(source), "--through", "2020-08",
                 "-o", str(args.dir / "batch.csv")]
    copy = min(timed(copy_cmd) for _ in range(args.repeat))
    batch = min(timed(batch_cmd) for _ in range(args.repeat))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    with (args.dir / "batch.csv").open(newline="", encoding="utf-8") as handle:
        written = sum(1 for _ in csv.reader(handle)) - 1
    print(f"rows {args.rows:,} (written {written:,}); csv copy {copy:.2f} s; "
          f"batch {batch:.2f} s; ratio {batch / copy:.2f}; peak memory {peak_mb:.0f} MB "
          f"(largest child process)")


if __name__ == "__main__":
    main()
