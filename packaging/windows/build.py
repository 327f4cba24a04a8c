"""Build the offline Windows bundle: ``dist/welfare-calc-<version>-windows.zip``.

A town office PC has Chinese Windows, often no internet, and no administrator
rights. What it needs besides Python from python.org is here: every wheel for
each CPython of :data:`PYTHONS` on 64-bit Windows, and batch files that install
into the user's own folder with no network, start the page, and open a console
(docs/windows.md). Built on any machine that reaches the package index, from the
README's environment (``pip install .``): pip downloads the Windows wheels
(``--platform win_amd64 --only-binary=:all:``); nothing is compiled.

    python packaging/windows/build.py [--out dist]

The zip appears whole or not at all: it is written under a temporary name beside
its target and renamed when complete; a failure (a download, a full disk, Ctrl-C)
leaves ``--out`` as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PYTHONS = ("3.11", "3.12", "3.13", "3.14", "3.15")
"""The CPython versions the bundle holds wheels for: every one python.org offers a Windows
installer of that welfare-calc runs on (``requires-python >= 3.11``), each checked to have a
``win_amd64`` wheel of every dependency on the package index (docs/windows.md)."""
TEXT_FILES = ("安装.bat", "低保计算器.bat", "命令行.bat", "说明.txt")
BAT_ENCODING = "gbk"
"""cmd.exe reads a .bat in the console's code page: 936 (GBK) on Chinese Windows."""
ZIP_TIME = (2020, 8, 10, 0, 0, 0)
"""Every member's time in the zip (the notice's date): two builds of one version are alike."""
PACKAGING = "packaging>=23"
"""PyPA's library for markers and wheel names, which the build reads the wheels with."""


class BuildError(Exception):
    """A step of the build failed; the message says which, in one line."""


def version() -> str:
    """The version the package declares (``__version__``)."""
    text = (ROOT / "src" / "welfare_calc" / "__init__.py").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise BuildError("no __version__ in src/welfare_calc/__init__.py")


def run(command: list[str]) -> None:
    """Run a step (pip), its own messages on stderr; a failure is a :class:`BuildError`."""
    try:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    except subprocess.CalledProcessError as error:
        raise BuildError(f"{' '.join(command[2:5])} … failed (exit {error.returncode}); see "
                         "pip's message above") from None


def project_wheel(into: Path) -> Path:
    """The project's own wheel, built from this checkout."""
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
         str(into), str(ROOT)])
    found = sorted(into.glob("welfare_calc-*.whl"))
    if not found:
        raise BuildError("pip built no welfare_calc wheel")
    return found[-1]


def download(requirement: str, python: str, into: Path) -> None:
    """``requirement`` and what it needs, as wheels CPython ``python`` installs on 64-bit
    Windows."""
    run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
         "--platform", "win_amd64", "--python-version", python, "--implementation", "cp",
         "--dest", str(into), requirement])


@contextlib.contextmanager
def packaging_library(scratch: Path) -> Iterator[ModuleType]:
    """PyPA's ``packaging``: this environment's where installed; else fetched from the
    package index into ``scratch`` for this build alone, as every wheel here is.

    The README's environment (``pip install .``) holds the runtime dependencies only, and
    ``packaging`` is not one of them: the bundle's users never need it."""
    try:
        importlib.import_module("packaging.requirements")
    except ImportError:
        pass
    else:
        yield importlib.import_module("packaging")
        return
    tools = scratch / "tools"
    run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--only-binary=:all:",
         "--target", str(tools), PACKAGING])
    for name in [name for name in sys.modules if name.partition(".")[0] == "packaging"]:
        del sys.modules[name]  # (a failed import's leftovers)
    sys.path.insert(0, str(tools))
    try:
        yield importlib.import_module("packaging")
    finally:
        sys.path.remove(str(tools))
        for name in [name for name in sys.modules if name.partition(".")[0] == "packaging"]:
            del sys.modules[name]


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


def missing_on_windows(wheels: Path, packaging: ModuleType | None = None
                       ) -> list[tuple[str, str]]:
    """(requirement, Python) pairs that Windows needs and no wheel here gives.

    pip evaluates markers for the machine it runs on, so a Linux build leaves out
    what only Windows asks for (``colorama; platform_system == "Windows"``, click's);
    this finds each, by the markers evaluated as Windows would. ``packaging``: the
    library (:func:`packaging_library`), this environment's if not given."""
    if packaging is None:
        packaging = importlib.import_module("packaging")
    requirement_type = importlib.import_module(f"{packaging.__name__}.requirements").Requirement
    utils = importlib.import_module(f"{packaging.__name__}.utils")
    present = {utils.canonicalize_name(utils.parse_wheel_filename(path.name)[0])
               for path in wheels.glob("*.whl")}
    missing = []
    for path in sorted(wheels.glob("*.whl")):
        for line in requirements(path):
            wanted = requirement_type(line)
            for python in PYTHONS:
                if (wanted.marker is None or wanted.marker.evaluate(
                        windows_environment(python))) and (
                        utils.canonicalize_name(wanted.name) not in present):
                    missing.append((line.split(";")[0].strip(), python))
    return missing


def windows_wheels(wheel: Path, into: Path, packaging: ModuleType) -> None:
    """Every dependency of ``wheel``, as Windows wheels, for each Python of :data:`PYTHONS`,
    those only Windows needs included."""
    for python in PYTHONS:
        download(str(wheel), python, into)
    for _ in range(5):  # what the added wheels need in turn
        missing = missing_on_windows(into, packaging)
        if not missing:
            return
        for requirement, python in missing:
            download(requirement, python, into)
    raise BuildError(f"still missing on Windows: {missing_on_windows(into, packaging)}")


def text_files(into: Path, wheel: str) -> None:
    """The batch files in GBK with CRLF (as cmd.exe reads them), 说明.txt in UTF-8 with a
    BOM (as Notepad reads it), each from its template beside this script, with the
    version, the project's wheel and the Pythons filled in."""
    newest_first = " ".join(reversed(PYTHONS))
    listed = "、".join(PYTHONS[:-1]) + " 或 " + PYTHONS[-1]
    for name in TEXT_FILES:
        text = (HERE / f"{name}.in").read_text(encoding="utf-8").replace("\r\n", "\n")
        for mark, value in (("@VERSION@", version()), ("@WHEEL@", wheel),
                            ("@PYTHONS@", newest_first), ("@PYTHONS_LISTED@", listed),
                            ("@OLDEST@", PYTHONS[0]), ("@NEWEST@", PYTHONS[-1])):
            text = text.replace(mark, value)
        left = re.search(r"@[A-Z_]+@", text)
        if left:
            raise BuildError(f"{name}.in: {left[0]} is not a mark this script fills")
        encoding = BAT_ENCODING if name.endswith(".bat") else "utf-8-sig"
        (into / name).write_bytes(text.replace("\n", "\r\n").encode(encoding))


def write_zip(stage: Path, target: Path) -> None:
    """``stage`` zipped into ``target``, whole or not at all: written under a temporary
    name in ``target``'s folder, renamed over it once complete, removed on any failure."""
    made, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                     suffix=".partial")
    os.close(made)
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(stage.rglob("*")):
                if path.is_file():
                    member = zipfile.ZipInfo(path.relative_to(stage.parent).as_posix(),
                                             ZIP_TIME)
                    member.compress_type = zipfile.ZIP_DEFLATED
                    bundle.writestr(member, path.read_bytes())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(partial, 0o666 & ~mask)  # as any file made here (mkstemp's is private)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def build(out: Path) -> Path:
    """The bundle, written whole into ``out``; nothing else is left there."""
    target = out / f"welfare-calc-{version()}-windows.zip"
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        stage = scratch / f"welfare-calc-{version()}"
        wheels = stage / "wheels"
        wheels.mkdir(parents=True)
        wheel = project_wheel(wheels)
        with packaging_library(scratch) as packaging:
            windows_wheels(wheel, wheels, packaging)
        text_files(stage, wheel.name)
        out.mkdir(parents=True, exist_ok=True)
        write_zip(stage, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args()
    try:
        print(build(args.out))
    except BuildError as error:
        raise SystemExit(f"build.py: {error}; no bundle was written") from None
    except KeyboardInterrupt:
        raise SystemExit("build.py: interrupted; no bundle was written") from None


if __name__ == "__main__":
    main()
