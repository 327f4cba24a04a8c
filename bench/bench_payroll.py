"""Benchmark ``welfare-calc payroll`` against ``welfare-calc batch`` on the same roster.

Issue 30 asks a month's payroll of a million households at the batch's speed: within
1.5× of ``batch`` on the same roster, in bounded memory. Generates N synthetic
households (tests/synthetic.py, seed 2020, as bench/bench_batch.py does) with a bank
account column (a card number whose check digit holds, one in fifty mistyped, one in a
hundred empty), then times, in separate processes, alternating, best of ``--repeat``:

- ``welfare-calc batch FILE --through 2020-08 -o batch.csv``;
- ``welfare-calc payroll FILE --month 2020-08 -o payroll.csv --bank-file bank.csv`` (the
  month's 发放明细 and the bank file of the payments sent, as issue 30 measures it;
  ``--no-bank-file`` leaves the bank file out).

and reports the ratio (best of each, and the median of the ratios run by run: the
machine is shared, and a pair run back to back sees it alike) and the payroll's peak
memory (max RSS of its largest process, and the summed PSS of all its processes).
``--against SRC`` times the payroll of another source tree too (``python -m
welfare_calc`` with ``PYTHONPATH=SRC``), in turn with this one. Usage::

    python bench/bench_payroll.py --rows 1000000 --repeat 3 [--against /tmp/before/src]
"""

from __future__ import annotations

import resource
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import ENVIRONMENT, installed, peak_tree_memory, roster_with, timed

ACCOUNT_COLUMN = "账号"


def card(number: int) -> str:
    """A 19-digit card number for household ``number``: its Luhn digit right, except one
    in fifty mistyped (the last digit off by one), and one in a hundred empty."""
    from stdnum import luhn  # noqa: PLC0415 - only to make the roster

    if number % 100 == 99:
        return ""
    body = f"622202{number:012d}"
    check = int(luhn.calc_check_digit(body))
    return body + str((check + (1 if number % 50 == 7 else 0)) % 10)


def roster(folder: Path, rows: int) -> Path:
    """The benchmark's roster (made the first time): the batch's synthetic households and
    an account each."""
    return roster_with(folder / f"payroll_{rows}.csv", rows, f",{ACCOUNT_COLUMN}",
                       lambda number: f",{card(number)}")


def main() -> None:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--no-bank-file", action="store_true",
                        help="time the payroll without its bank file")
    parser.add_argument("--against", type=Path, default=None, metavar="SRC",
                        help="also time the payroll of another source tree, in turn")
    args = parser.parse_args()
    ENVIRONMENT.pop("PYTHONDONTWRITEBYTECODE", None)
    source, exe = roster(args.dir, args.rows), installed()
    batch_cmd = [exe, "batch", str(source), "--through", "2020-08",
                 "-o", str(args.dir / "batch.csv"), "--errors", str(args.dir / "errors.csv")]
    payroll_cmd = [exe, "payroll", str(source), "--month", "2020-08",
                   "-o", str(args.dir / "payroll.csv"),
                   "--errors", str(args.dir / "payroll-errors.csv"),
                   *([] if args.no_bank_file else ["--bank-file", str(args.dir / "bank.csv")])]
    other_cmd = [sys.executable, "-m", "welfare_calc", *payroll_cmd[1:]]
    other_env = ({**ENVIRONMENT, "PYTHONPATH": str(args.against.resolve())}
                 if args.against is not None else None)
    timed(batch_cmd)  # (untimed: bytecode written, file cached)
    timed(payroll_cmd)
    if other_env is not None:
        timed(other_cmd, other_env)
    batches, payrolls, others = [], [], []
    for _ in range(args.repeat):
        batches.append(timed(batch_cmd))
        payrolls.append(timed(payroll_cmd))
        if other_env is not None:
            others.append(timed(other_cmd, other_env))
    batch, payroll = min(batches), min(payrolls)
    largest_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    tree_mb = (peak_tree_memory(payroll_cmd) if Path("/proc/self/smaps_rollup").exists()
               else float("nan"))
    ratios = [mine / theirs for mine, theirs in zip(payrolls, batches, strict=True)]
    print(f"rows {args.rows:,}; batch {batch:.2f} s; payroll {payroll:.2f} s; ratio "
          f"{payroll / batch:.2f} (best of {args.repeat} each, alternating); median of the "
          f"ratios run by run {statistics.median(ratios):.2f} "
          f"({', '.join(f'{ratio:.2f}' for ratio in ratios)}); medians: batch "
          f"{statistics.median(batches):.2f} s, payroll {statistics.median(payrolls):.2f} s; "
          f"peak memory: largest process {largest_mb:.0f} MB (max RSS of any command), all "
          f"payroll processes together {tree_mb:.0f} MB (PSS)")
    if others:
        before = [mine / theirs for mine, theirs in zip(others, batches, strict=True)]
        print(f"--against {args.against}: payroll {min(others):.2f} s best, "
              f"{statistics.median(others):.2f} s median; its ratio to the batch run by run "
              f"{', '.join(f'{ratio:.2f}' for ratio in before)} (median "
              f"{statistics.median(before):.2f})")


if __name__ == "__main__":
    main()
