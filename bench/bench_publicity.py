"""Benchmark ``welfare-calc publicity`` against ``welfare-calc batch`` on the same roster.

The 公示 list is the batch's run of the month, then the list written from what the run
made of each row (issue 27 §4: it reads no row again and computes no amount itself).
Generates N synthetic households (tests/synthetic.py, seed 2020, as bench/bench_batch.py
does) with a name and a village each, then times, in separate processes, alternating,
best of ``--repeat``:

- ``welfare-calc batch FILE --through 2020-08 -o batch.csv``;
- ``welfare-calc publicity FILE --month 2020-08 --amounts --group-by 村（社区） -o list.csv``.

and reports the ratio and the list's peak memory (max RSS of its largest process).
Usage::

    python bench/bench_publicity.py --rows 200000 --repeat 3
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import ENVIRONMENT, installed, roster_with, timed

NAMES = ("张三英", "李四", "王五", "赵六", "钱七", "孙八")
VILLAGES = ("丝市社区", "大街社区", "萌水村", "南阎村", "东门社区")


def roster(folder: Path, rows: int) -> Path:
    """The benchmark's roster (made the first time): the batch's synthetic households, a
    name and a village each."""
    return roster_with(folder / f"publicity_{rows}.csv", rows, ",姓名,村（社区）",
                       lambda number: f",{NAMES[number % len(NAMES)]},"
                                      f"{VILLAGES[number * 7 % len(VILLAGES)]}")


def main() -> None:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    ENVIRONMENT.pop("PYTHONDONTWRITEBYTECODE", None)
    source, exe = roster(args.dir, args.rows), installed()
    batch_cmd = [exe, "batch", str(source), "--through", "2020-08",
                 "-o", str(args.dir / "batch.csv"), "--errors", str(args.dir / "errors.csv")]
    list_cmd = [exe, "publicity", str(source), "--month", "2020-08", "--period", "2020年8月",
                "--amounts", "--group-by", "村（社区）", "-o", str(args.dir / "list.csv"),
                "--errors", str(args.dir / "list-errors.csv")]
    timed(batch_cmd)  # (untimed: bytecode written, file cached)
    timed(list_cmd)
    batches, lists = [], []
    for _ in range(args.repeat):
        batches.append(timed(batch_cmd))
        lists.append(timed(list_cmd))
    batch, listed = min(batches), min(lists)
    largest_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"rows {args.rows:,}; batch {batch:.2f} s; publicity {listed:.2f} s; ratio "
          f"{listed / batch:.2f} (best of {args.repeat} each, alternating); peak memory: "
          f"largest process {largest_mb:.0f} MB (max RSS of either command)")


if __name__ == "__main__":
    main()
