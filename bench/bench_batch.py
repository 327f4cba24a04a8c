"""Benchmark ``welfare-calc batch`` against a plain csv.reader → csv.writer copy.

Generates N synthetic households deterministically (seeded), then times, in
separate processes and on the same file:

- the copy: ``csv.reader`` → ``csv.writer`` of every row, stdlib only;
- the batch: ``welfare-calc batch FILE --through 2020-08 -o OUT``.

Reports wall time (best of ``--repeat``, the two alternating), the ratio,
and the batch's peak memory: max RSS of its largest process, and the summed
PSS of all its processes (it uses one worker process per CPU).

Both run as an installed copy runs: with their bytecode cached, as pip
compiles it on install. A ``PYTHONDONTWRITEBYTECODE`` in the environment is
dropped for them (``--as-is`` keeps it: then the batch compiles its ~60 modules
from source on every run, about 70 ms that no installed copy spends), and one
untimed run of each writes the cache first. Usage::

    python bench/bench_batch.py --rows 1000000 --repeat 3
    python bench/bench_batch.py --rows 1000000 --repeat 3 --group-by
    python bench/bench_batch.py --rows 1000000 --repeat 5 --against /tmp/before/src

``--group-by``: the roster has a 乡镇（街道） column too (one of 24 towns, in no
order), and the batch totals by it (``--group-by 乡镇（街道）``); the copy copies
the same, wider file.

``--id-numbers``: the ids are resident ID numbers (18 characters, valid GB 11643
check digits, one in eleven ending in X), as in a roster from the provincial
system, rather than case numbers: each is put to the core's check, so this
measures the ids' cost.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

COPY = """
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as src, \\
        open(sys.argv[2], "w", newline="", encoding="utf-8") as dst:
    writer = csv.writer(dst, lineterminator="\\n")
    for row in csv.reader(src):
        writer.writerow(row)
"""


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from synthetic import write_households  # noqa: E402 - a test helper, not in the wheel

TOWN_COLUMN = "乡镇（街道）"
TOWNS = 24


def resident_id(number: int) -> str:
    """A valid ID number for household ``number`` (region 370303, born 1930 to 1999)."""
    from stdnum.cn import ric  # noqa: PLC0415 - only for these ids

    born = f"{1930 + number % 70}{number // 70 % 12 + 1:02d}{number // 840 % 28 + 1:02d}"
    body = f"370303{born}{number // 23520 % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def generate(path: Path, rows: int, towns: bool = False, id_numbers: bool = False) -> None:
    """The input file: ``rows`` synthetic households (tests/synthetic.py), seed 2020;
    with ``towns``, a locality column too (town 1 to 24, in no order); with
    ``id_numbers``, resident ID numbers for ids (each once)."""
    if id_numbers:
        plain = path.with_suffix(".cases")
        generate(plain, rows, towns)
        with plain.open(encoding="utf-8") as lines, path.open("w", encoding="utf-8") as handle:
            handle.write(next(lines))
            for number, line in enumerate(lines):
                handle.write(resident_id(number) + line[line.index(","):])
        plain.unlink()
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        if not towns:
            write_households(handle, rows)
            return
        plain = path.with_suffix(".plain")
        with plain.open("w", newline="", encoding="utf-8") as scratch:
            write_households(scratch, rows)
        with plain.open(encoding="utf-8") as lines:
            handle.write(next(lines).rstrip("\n") + f",{TOWN_COLUMN}\n")
            for number, line in enumerate(lines):
                handle.write(f"{line.rstrip(chr(10))},第{number * 7919 % TOWNS + 1}镇\n")
        plain.unlink()


ENVIRONMENT = dict(os.environ)
"""The runs' environment (see the module docstring)."""


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=ENVIRONMENT if env is None else env)
    return time.perf_counter() - started


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_pss_mb(root: int) -> float:
    """Proportional memory (PSS) of a process and its descendants, from /proc (Linux).

    PSS splits a page shared by n processes n ways, so forked workers'
    shared pages are counted once in the sum, not once per worker.
    """
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(_pss_kb(pid) for pid in tree) / 1024


def peak_tree_memory(command: list[str]) -> float:
    """Peak summed PSS of the command and its worker processes, sampled every 20 ms."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=ENVIRONMENT)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _tree_pss_mb(process.pid))
        time.sleep(0.02)
    return peak


def roster(folder: Path, rows: int, towns: bool = False, id_numbers: bool = False) -> Path:
    """The benchmark's roster of ``rows`` households in ``folder`` (made the first time)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (f"households_{rows}{'_towns' if towns else ''}"
                     f"{'_ids' if id_numbers else ''}.csv")
    if not path.exists():
        generate(path, rows, towns=towns, id_numbers=id_numbers)
    return path


def roster_with(path: Path, rows: int, headers: str, cells: Callable[[int], str]) -> Path:
    """The batch's synthetic households at ``path`` (made the first time), each row with
    cells of its own after them: ``headers`` (``,姓名,账号``) and ``cells(number)`` for
    the row numbered from 0 (``,张三,6222…``)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = path.with_suffix(".plain")
    with plain.open("w", newline="", encoding="utf-8") as handle:
        write_households(handle, rows)
    with plain.open(encoding="utf-8") as lines, path.open("w", encoding="utf-8") as out:
        out.write(next(lines).rstrip("\n") + headers + "\n")
        for number, line in enumerate(lines):
            out.write(f"{line.rstrip(chr(10))}{cells(number)}\n")
    plain.unlink()
    return path


def installed() -> str:
    """The ``welfare-calc`` installed next to this Python."""
    exe = shutil.which("welfare-calc", path=str(Path(sys.executable).parent))
    if exe is None:
        sys.exit("welfare-calc is not installed next to this Python")
    return exe


def setup(doc: str, rows: int) -> tuple[argparse.Namespace, Path, str]:
    """The options every batch benchmark takes (``--rows``, ``--repeat``, ``--dir``),
    the generated roster, and the installed ``welfare-calc``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rows", type=int, default=rows)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--group-by", action="store_true",
                        help=f"a {TOWN_COLUMN} column, and the batch totals by it")
    parser.add_argument("--id-numbers", action="store_true",
                        help="ids are resident ID numbers, not case numbers")
    parser.add_argument("--as-is", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE if the environment sets it")
    parser.add_argument("--against", type=Path, default=None, metavar="SRC",
                        help="also time the batch of another source tree (python -m "
                             "welfare_calc with PYTHONPATH=SRC), in turn with this one")
    args = parser.parse_args()
    if not args.as_is:
        ENVIRONMENT.pop("PYTHONDONTWRITEBYTECODE", None)
    return args, roster(args.dir, args.rows, towns=args.group_by,
                        id_numbers=args.id_numbers), installed()


def main() -> None:
    assert __doc__ is not None
    args, source, exe = setup(__doc__, 1_000_000)
    copy_cmd = [sys.executable, "-c", COPY, str(source), str(args.dir / "copy.csv")]
    batch_cmd = [exe, "batch", str(source), "--through", "2020-08",
                 "-o", str(args.dir / "batch.csv"), "--errors", str(args.dir / "errors.csv"),
                 *(["--group-by", TOWN_COLUMN] if args.group_by else [])]
    other_cmd = [sys.executable, "-m", "welfare_calc", *batch_cmd[1:]]
    other_env = ({**ENVIRONMENT, "PYTHONPATH": str(args.against.resolve())}
                 if args.against is not None else None)
    timed(copy_cmd)  # (untimed: bytecode written, file cached)
    timed(batch_cmd)
    if other_env is not None:
        timed(other_cmd, other_env)
    # Alternate them, so that a slow spell of the machine hits each alike.
    copies, batches, others = [], [], []
    for _ in range(args.repeat):
        copies.append(timed(copy_cmd))
        batches.append(timed(batch_cmd))
        if other_env is not None:
            others.append(timed(other_cmd, other_env))
    copy, batch = min(copies), min(batches)
    ratios = sorted(one / other for one, other in zip(batches, copies, strict=True))
    largest_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    tree_mb = (peak_tree_memory(batch_cmd) if Path("/proc/self/smaps_rollup").exists()
               else float("nan"))
    with (args.dir / "batch.csv").open(newline="", encoding="utf-8") as handle:
        written = sum(1 for _ in csv.reader(handle)) - 1
    cached = "bytecode as installed" if "PYTHONDONTWRITEBYTECODE" not in ENVIRONMENT else (
        "no bytecode cache")
    print(f"rows {args.rows:,} (written {written:,}; {cached}); csv copy {copy:.2f} s; "
          f"batch {batch:.2f} s; ratio {batch / copy:.2f} (best of each; run by run: "
          f"median {ratios[len(ratios) // 2]:.2f}, {ratios[0]:.2f}–{ratios[-1]:.2f}); "
          "peak memory: largest process "
          f"{largest_mb:.0f} MB (max RSS), all batch processes together {tree_mb:.0f} MB (PSS)")
    if others:
        print(f"--against {args.against}: batch {min(others):.2f} s, ratio "
              f"{min(others) / copy:.2f} (best of each); this tree / that one, run by run: "
              + ", ".join(f"{one / other:.2f}" for one, other in zip(batches, others,
                                                                  strict=True)))


if __name__ == "__main__":
    main()
