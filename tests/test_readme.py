"""The README's and the docs' sessions and set-up commands stay true."""

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
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
"""Every page whose console sessions the tests run."""


def sessions() -> list[tuple[str, str, str]]:
    """Each ``$ welfare-calc …`` line of a console block, with its page and the output
    shown under it."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
            for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
                command, _, output = chunk.partition("\n")
                found.append((page.relative_to(ROOT).as_posix(), command, output))
    return found


SESSIONS = sessions()


@pytest.mark.parametrize(("page", "command", "shown"), SESSIONS,
                         ids=[f"{page}: {command}" for page, command, _ in SESSIONS])
def test_every_session_prints_what_its_page_shows(page: str, command: str, shown: str,
                                                  tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "WELFARE_CALC_STANDARDS", "WELFARE_CALC_LANG",
                 "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)  # the batch examples write their files here
    words = shlex.split(command)
    assert words[0] == "welfare-calc"
    result = CliRunner().invoke(cli, words[1:])
    assert result.output == shown


def test_every_page_has_sessions_or_says_why() -> None:
    with_sessions = {page for page, _, _ in SESSIONS}
    assert {"README.md", "docs/cli.md", "docs/batch.md", "docs/workbooks.md"} <= with_sessions


def test_the_docs_summary_is_the_golden_summary() -> None:
    batch = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    shown = re.search(r"```json\n(.*?)```", batch, flags=re.S)
    assert shown is not None
    golden = ROOT / "tests" / "batch_files" / "golden" / "summary.json"
    assert json.loads(shown[1]) == json.loads(golden.read_text(encoding="utf-8"))
    example = ROOT / "examples" / "households.csv"
    assert example.read_bytes() == (ROOT / "tests" / "batch_files" / "households.csv").read_bytes()


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(python3 -m venv .*?)\n```", README)
    assert len(commands) == 2, "the README gives two set-up commands"
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_the_readme_is_a_landing_page_and_its_links_resolve() -> None:
    assert len(README.splitlines()) <= 160
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if "://" not in target:
                assert (page.parent / target).exists(), f"{page.name}: {target}"
