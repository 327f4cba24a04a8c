"""The GitHub Actions workflow (issue 21 §4): it cannot run here, so it is checked here:
against GitHub's workflow schema (check-jsonschema's vendored copy, offline), and for
the platforms and Pythons the users have."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "test.yml"


def test_the_workflow_is_valid_for_github() -> None:
    checker = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert checker is not None, "check-jsonschema is a test dependency"
    done = subprocess.run([checker, "--builtin-schema", "vendor.github-workflows",
                           str(WORKFLOW)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_it_tests_every_platform_and_python_and_builds_the_bundle() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    matrix = flow["jobs"]["test"]["strategy"]["matrix"]
    assert sorted(matrix["os"]) == ["macos-latest", "ubuntu-latest", "windows-latest"]
    assert matrix["python"] == ["3.11", "3.12", "3.13"]
    script = "\n".join(step.get("run", "") for step in flow["jobs"]["test"]["steps"])
    for part in ("pip install -q -e '.[test]'", "ruff\" check .", "mypy\" --strict src/",
                 "pytest"):
        assert part in script, part
    bundle = flow["jobs"]["bundle"]
    assert bundle["runs-on"] == "windows-latest"
    assert any("packaging/windows/build.py" in step.get("run", "") for step in bundle["steps"])
    assert any(step.get("uses", "").startswith("actions/upload-artifact")
               for step in bundle["steps"])
