"""Shared fixtures: the shipped table and a test-only multi-year timeline."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from welfare_calc.core.table import StandardsTable
from welfare_calc.output.formats import Lang
from welfare_calc.output.language import speak
from welfare_calc.standards.loader import read_standards, shipped_standards

FILES = Path(__file__).parent / "standards_files"

# One hypothesis profile for every property: no deadline (a busy 2-CPU machine once
# failed a test on time alone, which says nothing about the property), and in CI
# derandomised, so that a run is the same run every time and a failure reproduces.
settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.differing_executors])
settings.load_profile("ci" if os.environ.get("CI") else "default")

# The tests' standards tables are cached in a directory of their own, never in
# the user's cache (tests/test_cache.py sets its own per test).
os.environ["WELFARE_CALC_CACHE"] = tempfile.mkdtemp(prefix="welfare-calc-test-cache-")


@pytest.fixture(autouse=True)
def _chinese() -> None:
    """Every test begins in Chinese, the language a clerk gets by default. A front end
    chooses its own as it starts (the command line from ``--lang`` and the environment);
    a test calling the core, the batch or the page directly speaks what this says."""
    speak(Lang.ZH)


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """English, for a test about the English words: in the environment (for the command
    line, which chooses again) and in this process (for a direct call)."""
    monkeypatch.setenv("WELFARE_CALC_LANG", "en")
    speak(Lang.EN)


@pytest.fixture(scope="session")
def table() -> StandardsTable:
    """The table shipped in the package (周政办字〔2020〕29号)."""
    return shipped_standards().table


@pytest.fixture(scope="session")
def timeline() -> StandardsTable:
    """The 2020 table plus docs/rules.md's later Zibo figures (test data only)."""
    return read_standards(FILES / "zibo_timeline.yaml").table


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KB tmpfs where the test may mount one (root on Linux), else skip."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True, check=False) if sys.platform == "linux" else None
    if done is None or done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here; the patched write covers it")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)
