"""The GitHub Actions workflow (issue 21 §4): it cannot run here, so it is checked here:
against GitHub's workflow schema (check-jsonschema's vendored copy, offline), and for
the platforms and Pythons the users have."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from helpers import windows_builder

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
    # Every Python the offline bundle holds wheels for is tested.
    assert matrix["python"] == list(windows_builder().PYTHONS)
    script = "\n".join(step.get("run", "") for step in flow["jobs"]["test"]["steps"])
    for part in ("pip install -q -e '.[test]'", "ruff\" check .", "mypy\" --strict src/",
                 "pytest"):
        assert part in script, part
    bundle = flow["jobs"]["bundle"]
    assert bundle["runs-on"] == "windows-latest"
    assert any("packaging/windows/build.py" in step.get("run", "") for step in bundle["steps"])
    assert any(step.get("uses", "").startswith("actions/upload-artifact")
               for step in bundle["steps"])
    assert not any("pip install" in step.get("run", "") for step in bundle["steps"]), (
        "the build needs nothing installed beyond pip")
    assert any("安装.bat" in step.get("run", "") for step in bundle["steps"])


def test_it_tests_a_non_editable_install_from_a_venv_of_another_name() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    script = "\n".join(step.get("run", "") for step in flow["jobs"]["installed"]["steps"])
    venv = re.search(r"-m venv (\S+)", script)
    assert venv is not None
    assert Path(venv[1]).name != ".venv"
    assert f"{venv[1]}/bin/python -m pip install -q '.[test]'" in script
    assert f"{venv[1]}/bin/pytest" in script


def test_it_tests_every_dependency_at_its_floor() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    floors = flow["jobs"]["floors"]
    assert [step["with"]["python-version"] for step in floors["steps"]
            if step.get("uses", "").startswith("actions/setup-python")] == ["3.11"]
    assert any(step.get("run") == ".ci/floors" for step in floors["steps"])

