"""The package carries the real standards table however the tree was checked out.

Git for Windows, a ZIP download and most Windows tools check out with
``core.symlinks=false``: a symlink becomes a text file holding its target's
path. The table therefore reaches the wheel as a copy (pyproject.toml's
force-include), never through a link, and these tests build the sdist and
the wheel from such a checkout and run the installed package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from welfare_calc.output.language import CATALOGUE

ROOT = Path(__file__).parents[1]
TABLE = ROOT / "data" / "standards_2020.yaml"


def test_the_tree_holds_no_symlink() -> None:
    """A link would be a 33-byte text file on Windows (git ls-files mode 120000)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    staged = subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    assert [line for line in staged.splitlines() if line.startswith("120000")] == []
    assert [path for path in tree_files(ROOT) if path.is_symlink()] == []


def tree_files(root: Path) -> list[Path]:
    """Every file and folder under ``root`` but git's own and any virtual environment's,
    whatever its name (``python -m venv`` links its interpreter, and ``lib64`` on Linux)."""
    found = []
    for folder, folders, files in os.walk(root):
        kept = [name for name in folders if name != ".git"
                and not (Path(folder) / name / "pyvenv.cfg").exists()]
        folders[:] = kept
        found += [Path(folder) / name for name in (*kept, *files)]
    return found


def test_a_virtual_environment_of_any_name_is_not_the_tree(tmp_path: Path) -> None:
    # The tests run from a venv named as one likes, inside the checkout or not: its links
    # are not the tree's. A link elsewhere still is.
    for name in (".venv", "env", "venv-3.13"):
        environment = tmp_path / name
        (environment / "bin").mkdir(parents=True)
        (environment / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
        (environment / "bin" / "python").symlink_to(sys.executable)
        (environment / "lib64").symlink_to("lib")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "table.yaml").symlink_to(TABLE)
    assert [path for path in tree_files(tmp_path) if path.is_symlink()] == [
        tmp_path / "data" / "table.yaml"]


def test_a_windows_style_checkout_builds_an_sdist_and_a_wheel_that_run(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    pytest.importorskip("build")
    clone = tmp_path / "clone"
    subprocess.run(["git", "-c", "core.symlinks=false", "clone", "-q", str(ROOT), str(clone)],
                   check=True)
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "-q", "--sdist", "--wheel", "-o", str(out),
                    str(clone)], check=True, capture_output=True)
    wheel = next(out.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("welfare_calc/data/standards_2020.yaml")
        catalogue = archive.read(f"welfare_calc/core/{CATALOGUE}")
        layouts = {name: archive.read(f"welfare_calc/payroll/layouts/{name}.yaml")
                   for name in ("csv", "pipe")}
    assert shipped == (clone / "data" / "standards_2020.yaml").read_bytes()
    assert len(shipped) > 1000  # the table itself, not a link's text
    # The compiled catalogue of messages, as committed: an install needs no Babel.
    assert catalogue == (clone / "src" / "welfare_calc" / "core" / CATALOGUE).read_bytes()
    # The bank files' shipped layouts (issue 30 §3), data beside their module.
    for name, text in layouts.items():
        assert text == (clone / "src" / "welfare_calc" / "payroll" / "layouts" /
                        f"{name}.yaml").read_bytes()
    # The wheel, installed alone (its dependencies come from this environment).
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(target), str(wheel)], check=True, capture_output=True)
    environment = {**os.environ, "PYTHONPATH": str(target), "WELFARE_CALC_CACHE": "off",
                   "WELFARE_CALC_LANG": "en"}
    environment.pop("WELFARE_CALC_STANDARDS", None)
    done = subprocess.run(
        [sys.executable, "-c", "import sys, welfare_calc.cli as c; print(c.__file__); "
         "sys.argv = ['welfare-calc', 'backpay', '-c', 'urban-dibao', '-n', '3', "
         "'--income', '200', '--through', '2020-08', '--format', 'json']; c.main()"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    where, _, output = done.stdout.partition("\n")
    assert where.startswith(str(target))
    assert '"backpay": "1440.00"' in output
    # The installed package speaks Chinese, from the catalogue inside it.
    environment.pop("WELFARE_CALC_LANG")
    for name in ("LANG", "LC_ALL", "LC_MESSAGES"):
        environment.pop(name, None)
    refused = subprocess.run(
        [sys.executable, "-c", "import sys, welfare_calc.cli as c; sys.argv = ['welfare-calc', "
         "'backpay', '-c', 'urban-dibao', '-n', '0', '--through', '2020-08']; c.main()"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, check=False)
    assert (refused.returncode, refused.stderr) == (
        2, "错误：'--persons' / '-n' 的取值无效：保障人数 0：每户至少 1 人\n")
