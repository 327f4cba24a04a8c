"""Shared fixtures: the shipped table and a test-only multi-year timeline."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from welfare_calc.loader import read_standards, shipped_standards
from welfare_calc.table import StandardsTable

FILES = Path(__file__).parent / "standards_files"

# The tests' standards tables are cached in a directory of their own, never in
# the user's cache (tests/test_cache.py sets its own per test).
os.environ["WELFARE_CALC_CACHE"] = tempfile.mkdtemp(prefix="welfare-calc-test-cache-")


@pytest.fixture(scope="session")
def table() -> StandardsTable:
    """The table shipped in the package (周政办字〔2020〕29号)."""
    return shipped_standards().table


@pytest.fixture(scope="session")
def timeline() -> StandardsTable:
    """The 2020 table plus docs/rules.md's later Zibo figures (test data only)."""
    return read_standards(FILES / "zibo_timeline.yaml").table
