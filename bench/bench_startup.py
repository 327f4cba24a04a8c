"""Benchmark a clerk's single call: whole-process time, cache warm and cold.

Times, as whole processes, the median of ``--runs`` runs (at least 20) of:

- the bare interpreter (``python -c pass``), the floor;
- a click hello-world (one ``@click.command`` that echoes), what any click
  program pays;
- ``backpay … --format json``, ``entitlement …`` and ``standards``, each with
  the table cache warm (validated once before) and cold (an empty cache
  directory every run, so the standards file is validated with pydantic and
  YAML, and the cache written).

By default the installed ``welfare-calc`` runs; ``--src DIR`` runs another
source tree instead (``python -m welfare_calc`` with ``PYTHONPATH=DIR``), to
compare with an earlier commit checked out there; ``--against DIR`` times that tree's
warm calls too, in turn with this one's and with the click hello-world, run by run, so
that a busy spell of the machine hits them alike.

The cache directory is ``$WELFARE_CALC_CACHE``, a temporary folder; ``--user-cache``
leaves that unset, as a clerk's call does, and points ``$XDG_CACHE_HOME`` at the folder
instead (Linux): the call then finds its directory with platformdirs, as a clerk's does,
and pays for importing it.

Every call runs as an installed copy runs, with its bytecode cached (pip compiles it
on install): a ``PYTHONDONTWRITEBYTECODE`` in the environment is dropped (``--as-is``
keeps it: each call then compiles the modules it imports, some 25–30 ms on this
project's machine, which no installed copy spends), and an untimed run of each call
writes the cache first. Usage::

    python bench/bench_startup.py --runs 21
    python bench/bench_startup.py --runs 41 --against /tmp/before/src
    python bench/bench_startup.py --runs 21 --user-cache
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CALLS = {
    "backpay --format json": ["backpay", "-c", "urban-dibao", "-n", "3", "--income", "200",
                              "--through", "2020-08", "--format", "json"],
    "entitlement": ["entitlement", "-c", "rural-dibao", "-n", "2", "--income", "100"],
    "standards": ["standards"],
}

HELLO = """
import click

@click.command()
def hello() -> None:
    click.echo("hello")

hello()
"""


CACHE_VARS = {False: "WELFARE_CALC_CACHE", True: "XDG_CACHE_HOME"}
"""The variable that puts the calls' cache in a folder: ours, or with ``--user-cache``
platformdirs' (see the module)."""


def median_time(command: list[str], env: dict[str, str], runs: int,
                cold_cache: Path | None = None) -> float:
    """Median wall time of ``runs`` runs; with ``cold_cache``, emptied before each run."""
    times = []
    for _ in range(runs):
        if cold_cache is not None:
            shutil.rmtree(cold_cache, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def side_by_side(program: list[str], env: dict[str, str], against: Path, runs: int,
                 cache_var: str) -> None:
    """Each call's warm median, this tree's and ``against``'s, and the click
    hello-world's, the three run in turn ``runs`` times."""
    other = [sys.executable, "-m", "welfare_calc"]
    other_env = {**env, "PYTHONPATH": str(against.resolve())}
    hello = [sys.executable, "-c", HELLO]
    with tempfile.TemporaryDirectory() as folder:
        for name, call in CALLS.items():
            mine = {**env, cache_var: str(Path(folder) / "mine")}
            theirs = {**other_env, cache_var: str(Path(folder) / "theirs")}
            turns = [([*program, *call], mine), ([*other, *call], theirs), (hello, env)]
            for command, environment in turns:  # (the caches warmed)
                subprocess.run(command, env=environment, check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            times: list[list[float]] = [[], [], []]
            for _ in range(runs):
                for at, (command, environment) in enumerate(turns):
                    times[at].append(median_time(command, environment, 1))
            this, that, click_hello = (statistics.median(each) for each in times)
            print(f"{name}: this tree {this * 1000:.0f} ms ({this / click_hello:.2f}× click "
                  f"hello-world), {against}: {that * 1000:.0f} ms "
                  f"({that / click_hello:.2f}×); click hello-world {click_hello * 1000:.0f} ms "
                  f"(medians of {runs}, in turn)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--src", type=Path, default=None,
                        help="a source tree to run instead of the installed welfare-calc")
    parser.add_argument("--against", type=Path, default=None,
                        help="another source tree, its warm calls timed in turn with these")
    parser.add_argument("--user-cache", action="store_true",
                        help="the cache in the user's cache directory (platformdirs), found "
                             "through $XDG_CACHE_HOME, as a clerk's call finds it")
    parser.add_argument("--as-is", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE if the environment sets it")
    args = parser.parse_args()
    if args.runs < 20:
        sys.exit("--runs: at least 20, so that the median means something")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("WELFARE_CALC_")}
    if not args.as_is:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    cache_var = CACHE_VARS[args.user_cache]
    if args.src is not None:
        env["PYTHONPATH"] = str(args.src.resolve())
        program = [sys.executable, "-m", "welfare_calc"]
    else:
        exe = shutil.which("welfare-calc", path=str(Path(sys.executable).parent))
        if exe is None:
            sys.exit("welfare-calc is not installed next to this Python")
        program = [exe]
    if args.against is not None:
        side_by_side(program, env, args.against, args.runs, cache_var)
        return
    bare = median_time([sys.executable, "-c", "pass"], env, args.runs)
    print(f"bare interpreter: {bare * 1000:.0f} ms (median of {args.runs})")
    hello = median_time([sys.executable, "-c", HELLO], env, args.runs)
    print(f"click hello-world: {hello * 1000:.0f} ms ({hello / bare:.1f}× bare)")
    with tempfile.TemporaryDirectory() as folder:
        warm_dir, cold_dir = Path(folder) / "warm", Path(folder) / "cold"
        for name, call in CALLS.items():
            warm_env = {**env, cache_var: str(warm_dir)}
            subprocess.run([*program, *call], env=warm_env, check=True,
                           stdout=subprocess.DEVNULL)
            warm = median_time([*program, *call], warm_env, args.runs)
            cold = median_time([*program, *call], {**env, cache_var: str(cold_dir)}, args.runs,
                               cold_cache=cold_dir)
            print(f"{name}: warm {warm * 1000:.0f} ms ({warm / bare:.1f}× bare, "
                  f"{warm / hello:.2f}× click hello-world), cold {cold * 1000:.0f} ms")


if __name__ == "__main__":
    main()
