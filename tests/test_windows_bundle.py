"""The offline Windows bundle (issue 21): built from the package index as pip builds it,
every wheel for 64-bit Windows and each supported Python, batch files cmd.exe reads."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.tags import Tag
from packaging.utils import parse_wheel_filename

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "packaging" / "windows"))
import build  # noqa: E402 - the builder is a script, not a package

PATH_VARIABLES = ("%TARGET%", "%HERE%", "%LOCALAPPDATA%")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    made = build.build(out)
    assert made.name == f"welfare-calc-{build.version()}-windows.zip"
    unpacked = out / "unpacked"
    with zipfile.ZipFile(made) as archive:
        archive.extractall(unpacked)
    return unpacked / f"welfare-calc-{build.version()}"


def wheel_tags(path: Path) -> set[Tag]:
    return set(parse_wheel_filename(path.name)[3])


def test_the_bundle_holds_the_files_of_its_readme(bundle: Path) -> None:
    assert sorted(path.name for path in bundle.iterdir()) == sorted(
        ["wheels", *build.TEXT_FILES])
    assert any(path.name.startswith("welfare_calc-") for path in (bundle / "wheels").iterdir())


@pytest.mark.parametrize("python", build.PYTHONS)
def test_every_wheel_is_for_windows_or_any(bundle: Path, python: str) -> None:
    wheels = sorted((bundle / "wheels").glob("*.whl"))
    assert len(wheels) > 10
    for path in wheels:
        for tag in wheel_tags(path):
            assert tag.platform in ("win_amd64", "any"), path.name
    # Each distribution has a wheel this Python installs.
    short = "cp" + python.replace(".", "")
    by_name: dict[str, bool] = {}
    for path in wheels:
        name = parse_wheel_filename(path.name)[0]
        fits = any(tag.platform == "any" or tag.interpreter == short
                   or (tag.abi == "abi3" and tag.interpreter <= short)
                   for tag in wheel_tags(path))
        by_name[name] = by_name.get(name, False) or fits
    assert [name for name, fits in by_name.items() if not fits] == []


@pytest.mark.parametrize("python", build.PYTHONS)
def test_pip_resolves_the_install_offline(bundle: Path, python: str, tmp_path: Path) -> None:
    # (--ignore-requires-python: this pip checks Requires-Python against the Python it runs
    # on, not --python-version; the wheels' tags still choose by Python, and the test
    # below checks each chosen wheel's Requires-Python for that Python.)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
                           "--ignore-requires-python",
                           "--no-index", "--find-links", str(bundle / "wheels"),
                           "--platform", "win_amd64", "--python-version", python,
                           "--only-binary=:all:", "--target", str(tmp_path / "t"),
                           "welfare-calc"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("python", build.PYTHONS)
def test_each_distribution_has_a_wheel_its_python_accepts(bundle: Path, python: str) -> None:
    from packaging.specifiers import SpecifierSet  # noqa: PLC0415

    short = "cp" + python.replace(".", "")
    accepted: dict[str, bool] = {}
    for path in sorted((bundle / "wheels").glob("*.whl")):
        name = parse_wheel_filename(path.name)[0]
        with zipfile.ZipFile(path) as archive:
            metadata = archive.read(next(item for item in archive.namelist()
                                         if item.endswith(".dist-info/METADATA"))).decode()
        needs = next((line.split(":", 1)[1].strip() for line in metadata.splitlines()
                      if line.startswith("Requires-Python:")), "")
        tagged = any(tag.platform == "any" or tag.interpreter == short
                     or (tag.abi == "abi3" and tag.interpreter <= short)
                     for tag in wheel_tags(path))
        fits = tagged and SpecifierSet(needs).contains(f"{python}.0")
        accepted[name] = accepted.get(name, False) or fits
    assert [name for name, fits in accepted.items() if not fits] == []


def test_nothing_only_windows_needs_is_missing(bundle: Path) -> None:
    # Markers evaluated as Windows evaluates them (pip on Linux evaluates them for Linux).
    assert build.missing_on_windows(bundle / "wheels") == []


@pytest.mark.parametrize("name", [name for name in build.TEXT_FILES if name.endswith(".bat")])
def test_the_batch_files_read_right_in_cmd(bundle: Path, name: str) -> None:
    data = (bundle / name).read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b""), "CRLF line ends only"
    text = data.decode("gbk")  # what cmd.exe reads on Chinese Windows (code page 936)
    assert re.search(r"[\u4e00-\u9fff]", text), "it speaks Chinese"
    assert not re.search(r"https?://|www\.", text), "no URL"
    assert "chcp 936" in text
    for line in text.splitlines():
        for variable in PATH_VARIABLES:
            at = line.find(variable)
            while at != -1:
                assert line.count('"', 0, at) % 2 == 1 or line.lstrip().startswith(
                    ("rem", "set \"")), (name, line)
                at = line.find(variable, at + 1)


def test_the_readme_is_chinese_and_says_how_to_upgrade_and_remove(bundle: Path) -> None:
    text = (bundle / "说明.txt").read_bytes().decode("utf-8-sig")
    for said in ("安装.bat", "低保计算器.bat", "命令行.bat", "升级", "卸载",
                 "Install for me only", "%LOCALAPPDATA%\\welfare-calc"):
        assert said in text, said


def test_a_second_build_gives_the_same_wheels(bundle: Path,
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    again = build.build(tmp_path_factory.mktemp("again"))
    with zipfile.ZipFile(again) as archive:
        names = sorted(Path(name).name for name in archive.namelist() if name.endswith(".whl"))
    assert names == sorted(path.name for path in (bundle / "wheels").glob("*.whl"))
