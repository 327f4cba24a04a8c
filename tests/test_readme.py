"""The README's sessions and set-up commands stay true."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from welfare_calc.cli import cli

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def sessions() -> list[tuple[str, str]]:
    """Each ``$ welfare-calc …`` line of a console block, with the output shown under it."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            found.append((command, output))
    return found


@pytest.mark.parametrize(("command", "shown"), sessions(), ids=[c for c, _ in sessions()])
def test_readme_output_is_what_the_command_prints(command: str, shown: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "WELFARE_CALC_STANDARDS", "WELFARE_CALC_LANG",
                 "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)  # the batch example writes its files here
    words = shlex.split(command)
    assert words[0] == "welfare-calc"
    result = CliRunner().invoke(cli, words[1:])
    assert result.output == shown


def test_readme_summary_is_the_golden_summary() -> None:
    shown = re.search(r"```json\n(.*?)```", README, flags=re.S)
    assert shown is not None
    golden = ROOT / "tests" / "batch_files" / "golden" / "summary.json"
    assert json.loads(shown[1]) == json.loads(golden.read_text(encoding="utf-8"))
    example = ROOT / "examples" / "households.csv"
    assert example.read_bytes() == (ROOT / "tests" / "batch_files" / "households.csv").read_bytes()


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(python3 -m venv .*?)\n```", README)
    assert len(commands) == 2, "the README gives two set-up commands"
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
