"""The offline Windows bundle (issues 21 and 29): built from the package index as pip builds
it, every wheel for 64-bit Windows and each supported Python, batch files cmd.exe reads, an
upgrade that replaces the code, and a build that leaves nothing half-written.

Two bundles are built once per test session (``bundle``, ``second_bundle``): the second from
a copy of the tree whose code differs but whose version does not, as two builds of one
version released a week apart would.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag
from packaging.utils import parse_wheel_filename

from helpers import WINDOWS_BUILD, windows_builder

ROOT = Path(__file__).parents[1]
PATH_VARIABLES = ("%TARGET%", "%HERE%", "%LOCALAPPDATA%")
SECOND_BUILD = "SECOND_BUILD = True  # the second bundle's code (tests/test_windows_bundle.py)\n"

build = windows_builder()
"""The build script (packaging/windows/build.py), loaded as a module."""


def unpacked(zip_path: Path, into: Path) -> Path:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
    (folder,) = into.iterdir()
    return folder


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle of this tree, built once for the session, unpacked."""
    out = tmp_path_factory.mktemp("dist")
    made = build.build(out)
    assert made.name == f"welfare-calc-{build.version()}-windows.zip"
    assert [path.name for path in out.iterdir()] == [made.name]
    return unpacked(made, tmp_path_factory.mktemp("unpacked"))


@pytest.fixture(scope="session")
def second_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second build of the same version, from a copy of the tree whose code differs
    (one line added), by the script run as the docs say (``python packaging/windows/
    build.py``)."""
    tree = tmp_path_factory.mktemp("tree")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    for name in ("src", "data", "packaging"):
        shutil.copytree(ROOT / name, tree / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    with (tree / "src" / "welfare_calc" / "__init__.py").open("a", encoding="utf-8") as code:
        code.write(SECOND_BUILD)
    out = tree / "dist"
    subprocess.run([sys.executable, str(tree / "packaging" / "windows" / "build.py"),
                    "--out", str(out)], check=True, capture_output=True)
    (made,) = out.iterdir()
    return unpacked(made, tmp_path_factory.mktemp("unpacked-second"))


def wheel_tags(path: Path) -> set[Tag]:
    return set(parse_wheel_filename(path.name)[3])


def project_wheel(folder: Path) -> Path:
    (found,) = (folder / "wheels").glob("welfare_calc-*.whl")
    return found


def test_the_bundle_holds_the_files_of_its_readme(bundle: Path) -> None:
    assert sorted(path.name for path in bundle.iterdir()) == sorted(
        ["wheels", *build.TEXT_FILES])
    assert project_wheel(bundle).name == f"welfare_calc-{build.version()}-py3-none-any.whl"


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


def test_the_bundle_trusts_no_optional_reader_with_the_rosters(bundle: Path) -> None:
    # python-calamine-plus (a young fork with native code) is an optional extra for
    # workbooks of a million rows; a town office's rosters are read by python-calamine.
    names = {parse_wheel_filename(path.name)[0] for path in (bundle / "wheels").glob("*.whl")}
    assert "python-calamine" in names
    assert "python-calamine-plus" not in names


def test_nothing_only_windows_needs_is_missing(bundle: Path) -> None:
    # Markers evaluated as Windows evaluates them (pip on Linux evaluates them for Linux).
    assert build.missing_on_windows(bundle / "wheels") == []


def bat_text(folder: Path, name: str) -> str:
    return (folder / name).read_bytes().decode("gbk")


@pytest.mark.parametrize("name", [name for name in build.TEXT_FILES if name.endswith(".bat")])
def test_the_batch_files_read_right_in_cmd(bundle: Path, name: str) -> None:
    data = (bundle / name).read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b""), "CRLF line ends only"
    text = data.decode("gbk")  # what cmd.exe reads on Chinese Windows (code page 936)
    assert re.search(r"[\u4e00-\u9fff]", text), "it speaks Chinese"
    assert not re.search(r"https?://|www\.", text), "no URL"
    assert "@" not in text.replace("@echo off", ""), "every mark filled"
    assert "chcp 936" in text
    for line in text.splitlines():
        for variable in PATH_VARIABLES:
            at = line.find(variable)
            while at != -1:
                assert line.count('"', 0, at) % 2 == 1 or line.lstrip().startswith(
                    ("rem", "set \"")), (name, line)
                at = line.find(variable, at + 1)


def commands(text: str) -> list[str]:
    """A batch file's lines that run something (not its remarks, echoes and labels)."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith(("rem", "echo", ":", "@echo"))]


def test_the_installer_first_makes_sure_it_was_unzipped(bundle: Path) -> None:
    # Double-clicked inside the zip viewer, 安装.bat runs alone from a temporary folder,
    # without its wheels: it says to unzip first, before it looks for Python or runs pip.
    text = bat_text(bundle, "安装.bat")
    run = commands(text)
    check = next(i for i, line in enumerate(run) if line.startswith("if not exist"))
    assert run[check] == 'if not exist "%HERE%wheels\\%WHEEL%" goto notunzipped'
    assert not any(re.search(r"\bpy\b|pip", line) for line in run[:check])
    assert f'set "WHEEL={project_wheel(bundle).name}"' in run
    said = text.split(":notunzipped", 1)[1].split("exit /b 1")[0]
    assert "解压" in said
    assert "wheels" in said


def test_the_installer_looks_for_every_python_the_wheels_serve(bundle: Path) -> None:
    text = bat_text(bundle, "安装.bat")
    (loop,) = [line for line in commands(text) if line.startswith("for %%V in (")]
    assert loop.startswith(f"for %%V in ({' '.join(reversed(build.PYTHONS))}) do")
    readme = (bundle / "说明.txt").read_bytes().decode("utf-8-sig")
    assert "、".join(build.PYTHONS[:-1]) + " 或 " + build.PYTHONS[-1] in readme


def test_the_readme_walks_a_clerk_through_the_screens_they_see(bundle: Path) -> None:
    text = (bundle / "说明.txt").read_bytes().decode("utf-8-sig")
    for said in ("安装.bat", "低保计算器.bat", "命令行.bat", "升级", "卸载",
                 "%LOCALAPPDATA%\\welfare-calc",
                 # python.org's installer, its first screen as it is
                 "Windows installer (64-bit)", "Use admin privileges when installing py.exe",
                 "Add python.exe to PATH", "Install Now", "Customize installation",
                 "Python install manager",
                 # unzip before installing
                 "全部解压缩",
                 # the page, for the clerk who never reads --help
                 "单户计算", "打印计算单", "批量计算", "上传并计算", "标准表"):
        assert said in text, said
    assert "Install for me only" not in text  # not on the installer's first screen
    assert text.index("全部解压缩") < text.index("双击其中的“安装.bat”")


def host_wheels(bundle: Path, into: Path) -> Path:
    """The bundle's wheel folder as this machine would need it: its own wheel, and the
    same requirements as wheels for this platform (the bundle's are Windows')."""
    into.mkdir()
    shutil.copy2(project_wheel(bundle), into)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
                    "--dest", str(into), str(project_wheel(bundle))],
                   check=True, capture_output=True)
    return into


def run_installer_pip_lines(bundle: Path, wheels: Path, python: Path) -> None:
    """Every pip command of the bundle's 安装.bat, as written there, with its folders put
    for this machine."""
    lines = [line for line in commands(bat_text(bundle, "安装.bat")) if " -m pip " in line]
    assert lines
    for written in lines:
        line = (written.replace('"%TARGET%\\Scripts\\python.exe"', str(python))
                .replace('"%HERE%wheels"', str(wheels))
                .replace('"%HERE%wheels\\%WHEEL%"', str(wheels / project_wheel(bundle).name)))
        assert "%" not in line, line
        subprocess.run(line.split(), check=True, capture_output=True)


def test_a_new_bundle_of_the_same_version_replaces_the_code(
        bundle: Path, second_bundle: Path, tmp_path: Path) -> None:
    # 安装.bat's pip commands, run on Linux with this platform's wheels: the first bundle
    # installs; the second, of the same version, replaces the code (pip alone would say
    # "already satisfied" and keep the old code).
    assert project_wheel(bundle).name == project_wheel(second_bundle).name
    target = tmp_path / "welfare-calc"
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
    python = target / "bin" / "python"
    first = host_wheels(bundle, tmp_path / "first")
    second = tmp_path / "second"
    shutil.copytree(first, second)
    shutil.copy2(project_wheel(second_bundle), second)

    def installed_code() -> str:
        done = subprocess.run([str(python), "-c", "import welfare_calc, pathlib; print(pathlib."
                               "Path(welfare_calc.__file__).read_text(encoding='utf-8'))"],
                              capture_output=True, text=True, check=True, cwd=tmp_path)
        return done.stdout

    run_installer_pip_lines(bundle, first, python)
    assert SECOND_BUILD not in installed_code()
    run_installer_pip_lines(second_bundle, second, python)
    assert SECOND_BUILD in installed_code()
    done = subprocess.run([str(target / "bin" / "welfare-calc"), "backpay", "-c", "urban-dibao",
                           "-n", "3", "--income", "200", "--through", "2020-08", "--format",
                           "json"], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"backpay": "1440.00"' in done.stdout


def test_a_second_build_gives_the_same_wheels(bundle: Path, second_bundle: Path) -> None:
    names = sorted(path.name for path in (second_bundle / "wheels").glob("*.whl"))
    assert names == sorted(path.name for path in (bundle / "wheels").glob("*.whl"))
    for path in (bundle / "wheels").glob("*.whl"):
        if path.name != project_wheel(bundle).name:
            assert path.read_bytes() == (second_bundle / "wheels" / path.name).read_bytes()


# --- The build itself: what it needs, and what it leaves -------------------------------------


def test_the_build_script_imports_only_the_standard_library() -> None:
    # It runs from the README's environment (`pip install .`), which has the runtime
    # dependencies and no test tools; packaging is fetched for the build when missing.
    tree = ast.parse(WINDOWS_BUILD.read_text(encoding="utf-8"))
    imported = {alias.name.partition(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.partition(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
    assert imported - {"__future__"} <= sys.stdlib_module_names


def test_the_build_fetches_packaging_where_it_is_not_installed(tmp_path: Path) -> None:
    # As from the README's environment: `packaging` cannot be imported, so the build takes
    # it from the package index for itself, and reads a wheel's markers as Windows would.
    wheel = tmp_path / "wheels" / "demo-1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA",
                         "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
                         "Requires-Dist: colorama; platform_system == \"Windows\"\n"
                         "Requires-Dist: uvloop; sys_platform != \"win32\"\n")
    code = ("import sys, importlib.util, pathlib\n"
            "sys.modules['packaging'] = None  # not installed\n"
            "spec = importlib.util.spec_from_file_location('b', sys.argv[1])\n"
            "b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b)\n"
            "scratch = pathlib.Path(sys.argv[2])\n"
            "with b.packaging_library(scratch) as packaging:\n"
            "    print(sorted(set(b.missing_on_windows(scratch / 'wheels', packaging))))\n")
    done = subprocess.run([sys.executable, "-c", code, str(WINDOWS_BUILD), str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(sorted(("colorama", python) for python in build.PYTHONS))


@pytest.fixture
def offline_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """A build whose downloads are stand-ins (no network): the project's wheel is a small
    file, and no dependency is fetched."""
    def wheel(into: Path) -> Path:
        made = into / f"welfare_calc-{build.version()}-py3-none-any.whl"
        made.write_bytes(b"PK" + bytes(4096))
        return made

    monkeypatch.setattr(build, "project_wheel", wheel)
    monkeypatch.setattr(build, "windows_wheels", lambda *args: None)


@pytest.mark.usefixtures("offline_build")
@pytest.mark.parametrize("fault", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk full", "Ctrl-C"])
def test_a_build_that_fails_while_zipping_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: BaseException) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    earlier = out / f"welfare-calc-{build.version()}-windows.zip"
    earlier.write_bytes(b"the earlier bundle")
    written = []
    real = zipfile.ZipFile.writestr

    def fails_midway(self: zipfile.ZipFile, member: zipfile.ZipInfo, data: bytes) -> None:
        if written:
            raise fault
        written.append(member)
        real(self, member, data)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fails_midway)
    with pytest.raises(type(fault)):
        build.build(out)
    assert written  # it failed with the zip half-written
    assert [path.name for path in out.iterdir()] == [earlier.name]
    assert earlier.read_bytes() == b"the earlier bundle"


def test_a_failed_download_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    def no_network(command: list[str]) -> None:
        if "download" in command:
            raise build.BuildError("pip download … failed (exit 1)")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    monkeypatch.setattr(build, "run", no_network)
    monkeypatch.setattr(sys, "argv", ["build.py", "--out", str(tmp_path / "dist")])
    with pytest.raises(SystemExit) as stopped:
        build.main()
    assert str(stopped.value) == ("build.py: pip download … failed (exit 1); no bundle was "
                                  "written")
    assert not (tmp_path / "dist").exists()
    assert capsys.readouterr().out == ""


@pytest.mark.usefixtures("offline_build")
def test_a_bundle_written_whole_is_readable_by_all(tmp_path: Path) -> None:
    made = build.build(tmp_path / "dist")
    assert [path.name for path in made.parent.iterdir()] == [made.name]
    mask = os.umask(0)
    os.umask(mask)
    assert made.stat().st_mode & 0o777 == 0o666 & ~mask
