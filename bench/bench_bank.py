"""A million payments written as a bank file and its return reconciled: time and peak memory.

Each step runs in a process of its own, so that its peak resident memory is its own
(``ru_maxrss`` of the child):

- ``write``: :func:`welfare_calc.payroll.bank.write_bank_file` from a generator of
  payments (made as they are asked for, as a payroll run yields them), in each shipped
  layout (``pipe`` spools its lines to put its summary first);
- ``reconcile``: ``welfare-calc reconcile SENT RETURN -o 重发名单.csv`` on the file and
  a return that fails one payment in a hundred (the return is made by this script,
  streaming, and not timed).

Usage::

    python bench/bench_bank.py --rows 1000000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

MONTH = "2024-05"


DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9]


def check_digit(stem: str) -> str:
    """The Luhn check digit of ``stem`` (stdnum's, table-driven: the generator's own cost
    is kept out of the writer's time as far as it can be)."""
    total = sum(DOUBLED[int(digit)] if index % 2 == 0 else int(digit)
                for index, digit in enumerate(reversed(stem)))
    return str(-total % 10)


def payments(rows: int) -> Iterator[object]:
    """``rows`` made-up payments, each a distinct id; the accounts, cards that check, cycle
    through a thousand (made once, so that the generator costs the writer's time little;
    the writer never asks accounts to differ)."""
    from welfare_calc.core.months import Month  # noqa: PLC0415
    from welfare_calc.payroll.payments import Payment  # noqa: PLC0415

    month = Month.parse(MONTH)
    cards = [f"622202{number:012d}" for number in range(0, 10**9, 10**6)]
    cards = [stem + check_digit(stem) for stem in cards]
    for number in range(rows):
        yield Payment(month, f"3703031950{number:08d}", "张秀英", cards[number % 1000],
                      50_000 + number % 90_000)


def write(rows: int, layout_name: str, target: Path) -> None:
    """The step ``write``, in this process."""
    from welfare_calc.core.months import Month  # noqa: PLC0415
    from welfare_calc.payroll.bank import write_bank_file  # noqa: PLC0415
    from welfare_calc.payroll.layouts import shipped  # noqa: PLC0415

    totals = write_bank_file(payments(rows), shipped(layout_name), target,  # type: ignore[arg-type]
                             month=Month.parse(MONTH), office="周村区民政局",
                             batch_no="202405001", day=date(2024, 5, 20))
    print(totals.count, totals.amount)


def answer(sent: Path, layout_name: str, target: Path) -> None:
    """The bank's return of ``sent``: every line answered, one in a hundred failed."""
    encoding = "utf-8-sig" if layout_name == "csv" else "gbk"
    delimiter = "," if layout_name == "csv" else "|"
    with sent.open(encoding=encoding, newline="") as source, \
            target.open("w", encoding=encoding, newline="") as out:
        for number, line in enumerate(source):
            cells = line.rstrip("\r\n").split(delimiter)
            if len(cells) != 7:
                continue
            if cells[0] == "序号":
                out.write(delimiter.join([*cells, "处理结果", "失败原因"]) + "\r\n")
            elif number % 100 == 7:
                out.write(delimiter.join([*cells, "失败", "账户已冻结"]) + "\r\n")
            else:
                out.write(delimiter.join([*cells, "成功", ""]) + "\r\n")


PEAK = ("import atexit, resource, sys; atexit.register(lambda: print('peak', "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); ")
"""Said by each child as it exits: its own peak resident memory (KB on Linux)."""


def timed(code: str, *args: str) -> tuple[float, float, str]:
    """Seconds, the child's own peak resident MB, and what it printed, for ``code`` run
    with ``args`` as its arguments."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK + code, *args], capture_output=True,
                          text=True, check=True)
    seconds = time.perf_counter() - started
    peak = int(done.stderr.split("peak ")[-1].split()[0]) / 1024
    return seconds, peak, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--step", choices=["write"], default=None)
    parser.add_argument("--layout", default="csv")
    parser.add_argument("--target", type=Path, default=None)
    options = parser.parse_args()
    if options.step == "write":
        write(options.rows, options.layout, options.target)
        return
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        seconds, peak, _ = timed("import welfare_calc.cli")
        print(f"import welfare_calc.cli: {seconds:.2f} s, {peak:.0f} MB")
        for layout_name in ("csv", "pipe"):
            sent = where / f"代发.{layout_name}"
            seconds, peak, said = timed(
                "import runpy; sys.argv = sys.argv[1:]; "
                "runpy.run_path(sys.argv[0], run_name='__main__')", __file__, "--step", "write",
                "--rows", str(options.rows), "--layout", layout_name, "--target", str(sent))
            size = sent.stat().st_size / 1e6
            print(f"write {layout_name}: {options.rows:,} payments ({said}), {size:.0f} MB, "
                  f"{seconds:.1f} s, peak {peak:.0f} MB")
            back = where / f"回盘.{layout_name}"
            answer(sent, layout_name, back)
            seconds, peak, said = timed(
                "from welfare_calc.cli import cli; cli.main(sys.argv[1:], 'welfare-calc', "
                "standalone_mode=False)", "reconcile", str(sent), str(back), "-o",
                str(where / "重发名单.csv"), "--format", "csv")
            print(f"reconcile {layout_name}: {seconds:.1f} s, peak {peak:.0f} MB "
                  f"({said.splitlines()[-1]})")


if __name__ == "__main__":
    main()
