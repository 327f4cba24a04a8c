"""Build the offline Windows bundle: ``dist/welfare-calc-<version>-windows.zip``.

A town office PC has Chinese Windows, often no internet, and no administrator
rights. What it needs besides Python from python.org (installed "for me only")
is here: every wheel for CPython 3.11, 3.12 and 3.13 on 64-bit Windows, and
batch files that install into the user's own folder with no network, start
the page, and open a console (docs/windows.md). Built on any machine that
reaches the package index: pip downloads the Windows wheels (``--platform
win_amd64 --only-binary=:all:``); nothing is compiled.

    python packaging/windows/build.py [--out dist]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PYTHONS = ("3.11", "3.12", "3.13")
"""The CPython versions the bundle holds wheels for."""
TEXT_FILES = ("安装.bat", "低保计算器.bat", "命令行.bat", "说明.txt")
BAT_ENCODING = "gbk"
"""cmd.exe reads a .bat in the console's code page: 936 (GBK) on Chinese Windows."""
ZIP_TIME = (2020, 8, 10, 0, 0, 0)
"""Every member's time in the zip (the notice's date): two builds of one version are alike."""


def version() -> str:
    text = (ROOT / "src" / "welfare_calc" / "__init__.py").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise SystemExit("no __version__ in src/welfare_calc/__init__.py")


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def project_wheel(into: Path) -> Path:
    """The project's own wheel, built from this checkout."""
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
         str(into), str(ROOT)])
    found = sorted(into.glob("welfare_calc-*.whl"))
    if not found:
        raise SystemExit("pip built no welfare_calc wheel")
    return found[-1]


def download(requirement: str, python: str, into: Path) -> None:
    run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
         "--platform", "win_amd64", "--python-version", python, "--implementation", "cp",
         "--dest", str(into), requirement])


def windows_environment(python: str) -> dict[str, str]:
    """The marker environment of CPython ``python`` on 64-bit Windows."""
    return {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
            "platform_machine": "AMD64", "python_version": python,
            "python_full_version": f"{python}.0", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "extra": ""}


def requirements(wheel: Path) -> list[str]:
    """A wheel's ``Requires-Dist`` lines, from its METADATA."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(item for item in archive.namelist()
                    if item.endswith(".dist-info/METADATA"))
        text = archive.read(name).decode("utf-8")
    return [line.split(":", 1)[1].strip() for line in text.splitlines()
            if line.startswith("Requires-Dist:")]


def missing_on_windows(wheels: Path) -> list[tuple[str, str]]:
    """(requirement, Python) pairs that Windows needs and no wheel here gives.

    pip evaluates markers for the machine it runs on, so a Linux build leaves out
    what only Windows asks for (``colorama; platform_system == "Windows"``, click's);
    this finds each, by the markers evaluated as Windows would."""
    from packaging.requirements import Requirement  # noqa: PLC0415
    from packaging.utils import canonicalize_name, parse_wheel_filename  # noqa: PLC0415

    present = {canonicalize_name(parse_wheel_filename(path.name)[0])
               for path in wheels.glob("*.whl")}
    missing = []
    for path in sorted(wheels.glob("*.whl")):
        for line in requirements(path):
            wanted = Requirement(line)
            for python in PYTHONS:
                if (wanted.marker is None or wanted.marker.evaluate(
                        windows_environment(python))) and (
                        canonicalize_name(wanted.name) not in present):
                    missing.append((line.split(";")[0].strip(), python))
    return missing


def windows_wheels(wheel: Path, into: Path) -> None:
    """Every dependency of ``wheel``, as Windows wheels, for each Python of :data:`PYTHONS`,
    those only Windows needs included."""
    for python in PYTHONS:
        download(str(wheel), python, into)
    for _ in range(5):  # what the added wheels need in turn
        missing = missing_on_windows(into)
        if not missing:
            return
        for requirement, python in missing:
            download(requirement, python, into)
    raise SystemExit(f"still missing on Windows: {missing_on_windows(into)}")


def text_files(into: Path) -> None:
    """The batch files in GBK with CRLF (as cmd.exe reads them), 说明.txt in UTF-8 with a
    BOM (as Notepad reads it), each from its template beside this script."""
    for name in TEXT_FILES:
        text = (HERE / f"{name}.in").read_text(encoding="utf-8").replace("\r\n", "\n")
        text = text.replace("@VERSION@", version()).replace("\n", "\r\n")
        encoding = BAT_ENCODING if name.endswith(".bat") else "utf-8-sig"
        (into / name).write_bytes(text.encode(encoding))


def build(out: Path) -> Path:
    """The bundle, written whole into ``out`` (a zip made beside it, then renamed)."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"welfare-calc-{version()}-windows.zip"
    with tempfile.TemporaryDirectory() as folder:
        stage = Path(folder) / f"welfare-calc-{version()}"
        wheels = stage / "wheels"
        wheels.mkdir(parents=True)
        wheel = project_wheel(wheels)
        windows_wheels(wheel, wheels)
        text_files(stage)
        partial = out / (target.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(stage.rglob("*")):
                if path.is_file():
                    member = zipfile.ZipInfo(path.relative_to(stage.parent).as_posix(),
                                             ZIP_TIME)
                    member.compress_type = zipfile.ZIP_DEFLATED
                    bundle.writestr(member, path.read_bytes())
        partial.replace(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args()
    if shutil.which("pip") is None and sys.executable is None:
        raise SystemExit("pip is needed")
    print(build(args.out))


if __name__ == "__main__":
    main()
