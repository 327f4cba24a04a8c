"""Helpers the tests share: one way to run the command line, one way to read a CSV back.

Not fixtures (those are in ``conftest.py``), so that a test module imports what it uses
by name, as it imports ``synthetic``.
"""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from click.testing import CliRunner, Result

from welfare_calc.cli import cli

if TYPE_CHECKING:
    from starlette.testclient import TestClient

Run = Callable[..., Result]
"""A call of the command line with the given words (see :func:`invoker`)."""
LANGUAGE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "WELFARE_CALC_STANDARDS",
                      "WELFARE_CALC_LANG")
"""Environment a test clears so that the table and the language are the defaults."""


def invoker(*before: str, after: Sequence[str] = ()) -> Run:
    """A function running ``welfare-calc *before *args *after`` in-process, exceptions
    raised (a traceback is a failure, never an exit code); ``stdin`` gives it input."""

    def invoke(*args: str, stdin: bytes | None = None) -> Result:
        return CliRunner().invoke(cli, [*before, *args, *after], input=stdin,
                                  catch_exceptions=False)

    return invoke


def csv_rows(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    """A CSV file's rows by its header (a BOM, as --excel writes, is read past)."""
    with path.open(newline="", encoding=encoding) as handle:
        return list(csv.DictReader(handle))


TITLE_ROWS = 3
"""Rows of a printed sheet above its data: the title, 制表单位 and date, the header."""


def printed_table(path: Path, sheet: str = "结果") -> list[list[Any]]:
    """A printed sheet's table as openpyxl cells: its header row, then each data row,
    up to the first 小计 or 合计 line (the lines closing a group or the sheet)."""
    import openpyxl  # noqa: PLC0415 - the workbook tests' reader

    rows = [list(row) for row in openpyxl.load_workbook(path)[sheet].iter_rows(
        min_row=TITLE_ROWS)]
    table = []
    for cells in rows:
        first = cells[0].value
        if isinstance(first, str) and first.startswith(("小计", "合计")):
            break
        table.append(cells)
    return table


def sheet_values(path: Path, sheet: str) -> list[list[Any]]:
    """Every row of a sheet, as values."""
    import openpyxl  # noqa: PLC0415

    return [list(row) for row in openpyxl.load_workbook(path)[sheet].iter_rows(
        values_only=True)]


NEXT_RAISE = {"urban-dibao": "1020", "rural-dibao": "905", "urban-tekun": "1330",
              "rural-tekun": "1180"}
"""Made-up figures of a 2025 raise: TEST DATA, no notice says them (docs/standards.md)."""


def with_made_up_2025_raise(shipped: str) -> str:
    """The shipped standards file with a made-up 2025 raise added as a clerk would add a
    real one (docs/standards.md): a document, a raise, a value for each category, and
    ``covers_through`` moved on. Text edits only: the proof that next year's notice needs
    no code."""
    text = shipped.replace('covers_through: "2024-12"', 'covers_through: "2025-12"')
    text = text.replace("\ndocuments:\n", (
        "  - effective: 2025-01-01\n    document: example-2025\n\ndocuments:\n"
        "  example-2025:\n    number: 示例〔2025〕1号（虚构，仅供测试和演示）\n    title: null\n"
        "    issuer: 测试数据\n    issued: 2025-03-20\n    backpay_due: 2025-04-30\n"
        "    source: 虚构的测试数据，不是真实文件\n"), 1)
    for category, amount in NEXT_RAISE.items():
        start = text.index(f"\n  {category}:\n")
        end = text.find("\n\n", start)
        text = text[:end] + (
            f"\n      - from: 2025-01-01\n        amount: \"{amount}\"\n"
            "        unit: yuan/person/month\n        document: example-2025\n"
            "        known: notice\n        seen: 虚构的测试数据") + text[end:]
    assert text.count("example-2025") == 2 + len(NEXT_RAISE)
    return text


WINDOWS_BUILD = Path(__file__).parents[1] / "packaging" / "windows" / "build.py"


def windows_builder(script: Path = WINDOWS_BUILD) -> ModuleType:
    """The offline bundle's build script as a module, under a name of its own (``build``
    is also PyPA's package, which tests/test_packaging.py runs)."""
    spec = importlib.util.spec_from_file_location("windows_bundle_build", script)
    if spec is None or spec.loader is None:
        raise ImportError(script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOKEN = "a-test-token-of-the-office-0123"
"""The token of the pages the tests make in-process (:func:`page_client`)."""
PAGE_HOST = "testserver"


def page_client(served: Any = None, *, token: str = TOKEN, carry: bool = True,
                max_upload: int = 10 << 20, timeout: float = 120.0) -> TestClient:
    """The page, in-process (Starlette's TestClient), guarded as ``serve`` guards it; each
    request carries the token in its header unless ``carry`` is False."""
    from starlette.testclient import TestClient  # noqa: PLC0415 - the page's tests only

    from welfare_calc.standards.loader import load_standards  # noqa: PLC0415
    from welfare_calc.web.app import Served, make_app  # noqa: PLC0415
    from welfare_calc.web.guard import TOKEN_HEADER, Access, served_hosts  # noqa: PLC0415

    if served is None:
        served = Served(load_standards(None), None, max_upload, timeout)
    access = Access(served_hosts(PAGE_HOST, 80), 80, token, served.max_upload)
    return TestClient(make_app(served, access), base_url=f"http://{PAGE_HOST}",
                      headers={TOKEN_HEADER: token} if carry else None)


class Serving:
    """A real ``welfare-calc serve`` process (``--no-open``, a free port unless ``args``
    give one), its temporary folder ``tmp`` (TMPDIR) apart from every other run's; the
    address and token it printed."""

    def __init__(self, tmp: Path, *args: str, env: dict[str, str] | None = None) -> None:
        import os  # noqa: PLC0415
        import re  # noqa: PLC0415
        import shutil  # noqa: PLC0415
        import subprocess  # noqa: PLC0415
        import sys  # noqa: PLC0415

        exe = shutil.which("welfare-calc", path=str(Path(sys.executable).parent))
        assert exe is not None
        tmp.mkdir(parents=True, exist_ok=True)
        self.tmp = tmp
        command = [exe, "serve", "--no-open", *args]
        if "--port" not in args:
            command += ["--port", "0"]
        self.process = subprocess.Popen(
            command, stderr=subprocess.PIPE, text=True, encoding="utf-8",
            env={**os.environ, "TMPDIR": str(tmp), "WELFARE_CALC_LANG": "zh", **(env or {})})
        assert self.process.stderr is not None
        self.first = self.process.stderr.readline()
        found = re.search(r"http://(\S+?):(\d+)/\?token=(\S+)", self.first)
        assert found is not None, self.first + self.process.stderr.read()
        self.host, self.port, self.token = found.group(1), int(found.group(2)), found.group(3)
        self.url = found.group(0)
        self.base = f"http://{self.host}:{self.port}"

    def stop(self, signal_number: int | None = None, wait: float = 30) -> tuple[int, str]:
        """Stop it (SIGTERM, or ``signal_number``); its exit code and the rest it said."""
        import signal  # noqa: PLC0415

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM if signal_number is None else signal_number)
        code = self.process.wait(timeout=wait)
        assert self.process.stderr is not None
        rest = self.process.stderr.read()
        self.process.stderr.close()
        return code, rest

    def __enter__(self) -> Serving:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            self.stop()
        elif self.process.stderr is not None and not self.process.stderr.closed:
            self.process.stderr.close()


def spawn_only(monkeypatch: Any) -> list[str | None]:
    """Windows has no fork (macOS should not use it): fork made unavailable, as there, so
    that a run's workers start by spawn. Gives the start methods asked for, from then on."""
    import multiprocessing  # noqa: PLC0415

    real_context = multiprocessing.get_context
    used: list[str | None] = []

    def no_fork(method: str | None = None) -> Any:
        used.append(method)
        if method == "fork":
            raise ValueError("cannot find context for 'fork'")
        return real_context(method)

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    return used
