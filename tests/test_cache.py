"""The cache of validated standards tables: a hit imports neither pydantic nor YAML,
and a stale, corrupt or unwritable cache still gives the right answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from welfare_calc.standards import table_cache
from welfare_calc.standards.loader import read_standards, shipped_standards

ROOT = Path(__file__).parent.parent
SHIPPED_FILE = ROOT / "data" / "standards_2020.yaml"
BACKPAY = ["backpay", "-c", "urban-dibao", "-n", "3", "--income", "200", "--through", "2020-08",
           "--format", "json"]
PROBE = """
import json, sys
from welfare_calc.cli import cli
try:
    cli.main(sys.argv[2:], prog_name="welfare-calc", standalone_mode=False)
finally:
    loaded = {name: name in sys.modules
              for name in ("pydantic", "yaml", "tabulate", "difflib", "numpy",
                           "importlib.resources", "tempfile", "hashlib", "dataclasses",
                           "pathlib")}
    with open(sys.argv[1], "w") as out:
        json.dump(loaded, out)
"""


def call(cache: Path | str, *args: str, probe: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """One whole process of the CLI with this cache directory (``off``: none)."""
    environment = {**os.environ, "WELFARE_CALC_CACHE": str(cache), **(env or {})}
    command = ([sys.executable, "-c", PROBE, str(probe), *args] if probe is not None
               else [sys.executable, "-m", "welfare_calc", *args])
    return subprocess.run(command, capture_output=True, text=True, env=environment,
                          check=False)


def same(read: object, made: object, at: str = "table") -> None:
    """``read`` is ``made``, value for value and kind for kind at every level: the table's
    records are named tuples, equal to any tuple of the same values, so ``==`` alone
    would pass a record read back as a plain tuple (or as another record)."""
    assert type(read) is type(made), f"{at}: {type(read).__name__} for {type(made).__name__}"
    if isinstance(made, dict):
        assert isinstance(read, dict)
        assert list(read) == list(made), at  # (the order of output)
        for key, value in made.items():
            same(read[key], value, f"{at}[{key!r}]")
    elif isinstance(made, tuple):
        assert isinstance(read, tuple)
        assert len(read) == len(made), at
        names = getattr(made, "_fields", range(len(made)))
        for name, one, other in zip(names, read, made, strict=True):
            same(one, other, f"{at}.{name}")
    else:
        assert read == made, at


def backpay_of(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    value = json.loads(done.stdout)["backpay"]
    assert isinstance(value, str)
    return value


def test_a_hit_imports_neither_pydantic_nor_yaml(tmp_path: Path) -> None:
    # Long options: click itself reaches for difflib while it tries a short option
    # such as -c as a long one.
    cache, modules = tmp_path / "cache", tmp_path / "modules.json"
    long_form = ["backpay", "--category", "urban-dibao", "--persons", "3", "--income", "200",
                 "--through", "2020-08", "--format", "json"]
    cold = call(cache, *long_form, probe=modules)
    assert backpay_of(cold) == "1440.00"
    assert json.loads(modules.read_text())["pydantic"]  # validated, then cached
    warm = call(cache, *long_form, probe=modules)
    assert warm.stdout == cold.stdout
    # Nothing a JSON back-pay does not use: no validation, no tables, no suggestions; the
    # catalogue and the shipped table read by their package's loader, not through
    # importlib.resources (its readers, zipfile, tempfile: 3-4 ms), nothing written, no
    # digest worked out that nothing prints (hashlib loads OpenSSL: 2.5 ms), no class
    # compiled as a dataclass (10 ms for the core's), and files named without pathlib.
    assert json.loads(modules.read_text()) == {
        "pydantic": False, "yaml": False, "tabulate": False, "difflib": False,
        "numpy": False, "importlib.resources": False, "tempfile": False, "hashlib": False,
        "dataclasses": False, "pathlib": False}


def test_results_are_the_same_with_and_without_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for args in (BACKPAY, ["entitlement", "-c", "农村低保", "-n", "2", "--income", "100",
                           "--explain"],
                 ["standards", "--format", "csv"], ["backpay", "-c", "rural-dibao", "-n", "1",
                                                    "--through", "2020-08", "--detail"]):
        without = call("off", *args)
        cold, warm = call(cache, *args), call(cache, *args)
        assert without.returncode == 0, without.stderr
        assert without.stdout == cold.stdout == warm.stdout, args


def test_a_changed_file_is_validated_again(tmp_path: Path) -> None:
    cache, standards = tmp_path / "cache", tmp_path / "standards.yaml"
    text = SHIPPED_FILE.read_text(encoding="utf-8")
    standards.write_text(text, encoding="utf-8")
    assert backpay_of(call(cache, "--standards", str(standards), *BACKPAY)) == "1440.00"
    standards.write_text(text.replace('amount: "660"', 'amount: "670"'), encoding="utf-8")
    # (670 − 200) × 3 − (600 − 200) × 3 = 210 a month, 8 months.
    assert backpay_of(call(cache, "--standards", str(standards), *BACKPAY)) == "1680.00"
    via_env = call(cache, *BACKPAY, env={"WELFARE_CALC_STANDARDS": str(standards)})
    assert backpay_of(via_env) == "1680.00"
    broken = text.replace('amount: "670"', 'amount: "abc"').replace('amount: "660"',
                                                                    'amount: "abc"')
    standards.write_text(broken, encoding="utf-8")
    refused = call(cache, "--standards", str(standards), *BACKPAY)
    assert refused.returncode == 2
    assert "应为金额（元），实际为 'abc'" in refused.stderr


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("table-*.json"))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "tampered", "foreign", "empty"])
def test_a_corrupt_or_foreign_entry_is_ignored_and_rebuilt(tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    assert backpay_of(call(cache, *BACKPAY)) == "1440.00"
    [entry] = entries(cache)
    text = entry.read_text(encoding="utf-8")
    data = json.loads(text)
    foreign = json.loads(text)
    if damage == "garbage":
        entry.write_bytes(b"\x00\xff not json")
    elif damage == "truncated":
        entry.write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "tampered":  # a standard changed without its checksum
        entry.write_text(text.replace('"660"', '"990"'), encoding="utf-8")
    elif damage == "foreign":  # written by another version of the program
        foreign["key"]["package"] = "0.0.1"
        entry.write_text(json.dumps(foreign), encoding="utf-8")
    else:
        entry.write_text("", encoding="utf-8")
    done = call(cache, *BACKPAY)
    assert backpay_of(done) == "1440.00"
    assert done.stderr == ""
    assert json.loads(entry.read_text(encoding="utf-8")) == data  # rebuilt whole


def test_a_cache_that_cannot_be_written_is_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    done = call(blocker / "cache", *BACKPAY)  # its parent is a file: never created
    assert (backpay_of(done), done.stderr) == ("1440.00", "")
    if os.geteuid() != 0:  # root writes anywhere; the file-as-parent case stands for it
        read_only = tmp_path / "read-only"
        read_only.mkdir(mode=0o500)
        done = call(read_only, *BACKPAY)
        assert (backpay_of(done), done.stderr) == ("1440.00", "")
    off = call("off", *BACKPAY)
    assert backpay_of(off) == "1440.00"


def test_version_names_the_file_in_use_on_a_hit(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = call(cache, "--version")
    second = call(cache, "--version")
    assert first.stdout == second.stdout
    assert f"sha256 {shipped_standards().digest}" in second.stdout
    assert len(entries(cache)) == 1


@pytest.mark.parametrize("name", ["standards_2020.yaml", "zibo_timeline.yaml"])
def test_a_table_read_back_equals_the_table_validated(name: str) -> None:
    path = SHIPPED_FILE if name == "standards_2020.yaml" else (
        Path(__file__).parent / "standards_files" / name)
    table = read_standards(path).table
    data = json.loads(json.dumps(table_cache.to_data(table)))
    same(table_cache.from_data(data), table)


# A cache entry is trusted only when it is ours (issue 17 §4): a checksum of the content is
# no authenticity check, since whoever plants an entry can recompute it.

SHIPPED_RAW = SHIPPED_FILE.read_bytes()


def plant(folder: Path, change: Callable[[dict[str, Any]], object] | None = None,
          *, raw: str | None = None) -> Path:
    """Write an entry for the shipped file as a forger would: a table changed by ``change``
    (or ``raw`` text for the table), with a checksum recomputed to match."""
    data = table_cache.to_data(shipped_standards().table)
    if change is not None:
        change(data)
    check = table_cache._checksum(data)
    text = json.dumps({"key": table_cache._key(SHIPPED_RAW), "source": SHIPPED_RAW.decode(),
                       "check": check, "table": data}, ensure_ascii=False)
    if raw is not None:
        text = text.replace(json.dumps(data, ensure_ascii=False), raw)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = Path(table_cache.entry_path(str(folder), table_cache._key(SHIPPED_RAW)))
    path.write_text(text, encoding="utf-8")
    return path


def doubled(data: dict[str, Any]) -> None:
    for category in data["categories"].values():
        for value in category["values"]:
            value["amount"] = str(Decimal(value["amount"]) * 2)


def test_a_forged_entry_in_our_own_directory_is_what_the_cache_is_for(tmp_path: Path) -> None:
    """The control: a checksum-correct entry in a private directory is read (so the tests
    below, which expect it ignored, show the ownership check and nothing else)."""
    cache = tmp_path / "cache"
    plant(cache, doubled)
    assert backpay_of(call(cache, *BACKPAY)) == "2880.00"


@pytest.mark.parametrize("where", ["shared directory", "entry others can write",
                                   "entry of another user", "directory of another user"])
def test_an_entry_another_user_could_have_written_is_ignored(tmp_path: Path,
                                                             where: str) -> None:
    cache = tmp_path / "cache"
    entry = plant(cache, doubled)
    if where == "shared directory":
        cache.chmod(0o777)
    elif where == "entry others can write":
        entry.chmod(0o666)
    else:
        if os.geteuid() != 0:
            pytest.skip("only root can give a file to another user")
        os.chown(entry if where == "entry of another user" else cache, 65534, 65534)
    done = call(cache, *BACKPAY)
    assert (backpay_of(done), done.stderr) == ("1440.00", "")


def test_a_shared_cache_directory_is_never_written(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    assert backpay_of(call(shared, *BACKPAY)) == "1440.00"
    assert entries(shared) == []


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(("case", "change", "raw"), [
    pytest.param("negative amount", lambda d: d["categories"]["urban-dibao"]["values"][1]
                 .__setitem__("amount", "-660"), None, id="negative amount"),
    pytest.param("exponent", lambda d: d["categories"]["urban-dibao"]["values"][1]
                 .__setitem__("amount", "1E+999999"), None, id="exponent"),
    pytest.param("decimals", lambda d: d["categories"]["urban-dibao"]["values"][1]
                 .__setitem__("amount", "660.001"), None, id="extra decimals"),
    pytest.param("spaces", lambda d: d["categories"]["urban-dibao"]["values"][1]
                 .__setitem__("amount", " 660"), None, id="amount with a space"),
    pytest.param("zero unit", lambda d: d["rounding"].__setitem__("unit", "0"), None,
                 id="rounding unit of zero"),
    pytest.param("nesting", None, nested(100_000), id="deep nesting"),
    pytest.param("not a table", None, '"660"', id="a string for the table"),
])
def test_an_entry_is_read_as_untrusted_input(tmp_path: Path, case: str,
                                             change: Callable[[dict[str, Any]], object] | None,
                                             raw: str | None) -> None:
    cache = tmp_path / "cache"
    entry = plant(cache, change, raw=raw)
    done = call(cache, *BACKPAY)
    assert (backpay_of(done), done.stderr) == ("1440.00", ""), case
    assert json.loads(entry.read_text(encoding="utf-8"))["table"] == table_cache.to_data(
        shipped_standards().table)  # rebuilt


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero", "link to our own entry"])
def test_an_entry_that_is_no_regular_file_is_never_read(tmp_path: Path, kind: str) -> None:
    cache = tmp_path / "cache"
    entry = plant(cache)
    entry.unlink()
    if kind == "fifo":
        os.mkfifo(entry, 0o600)
    elif kind == "link to /dev/zero":
        entry.symlink_to("/dev/zero")
    else:
        genuine = plant(tmp_path / "elsewhere", doubled)
        entry.symlink_to(genuine)
    environment = {**os.environ, "WELFARE_CALC_CACHE": str(cache)}
    done = subprocess.run([sys.executable, "-m", "welfare_calc", *BACKPAY], capture_output=True,
                          text=True, env=environment, check=False, timeout=60)
    assert (backpay_of(done), done.stderr) == ("1440.00", "")


def test_an_entry_is_read_only_for_the_very_bytes_it_was_made_from(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry is found by a checksum, and read only if it holds the file's own bytes:
    another file that shares its checksum and length (here: one digit changed, the
    checksum made to agree) is validated, never answered from it."""
    monkeypatch.setenv("WELFARE_CALC_CACHE", str(tmp_path / "cache"))
    table = shipped_standards().table
    table_cache.write(SHIPPED_RAW, table)
    same(table_cache.read(SHIPPED_RAW), table)
    at = SHIPPED_RAW.index(b'"1')
    other = SHIPPED_RAW[:at + 1] + b"2" + SHIPPED_RAW[at + 2:]
    assert len(other) == len(SHIPPED_RAW)
    crc32 = zlib.crc32
    monkeypatch.setattr(zlib, "crc32", lambda data, start=0: 7 if data in (SHIPPED_RAW, other)
                        else crc32(data, start))
    table_cache.write(SHIPPED_RAW, table)
    same(table_cache.read(SHIPPED_RAW), table)
    assert table_cache.read(other) is None


def test_an_entry_too_large_to_be_read_back_is_not_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry over MAX_ENTRY would never be read: written, it would only be written
    again by every call. Nor does the table's repr carry the file's bytes."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("WELFARE_CALC_CACHE", str(cache))
    monkeypatch.setattr(table_cache, "MAX_ENTRY", len(SHIPPED_RAW))
    table_cache.write(SHIPPED_RAW, shipped_standards().table)
    assert not cache.exists() or entries(cache) == []
    loaded = shipped_standards()
    assert len(repr(loaded)) < 200
    assert str(len(loaded.raw)) in repr(loaded)


def test_a_table_validated_by_another_validator_is_foreign(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setenv("WELFARE_CALC_CACHE", str(tmp_path / "cache"))
    table = shipped_standards().table
    table_cache.write(SHIPPED_RAW, table)
    same(table_cache.read(SHIPPED_RAW), table)
    monkeypatch.setattr(table_cache, "validator_digest", lambda: "a looser validator")
    assert table_cache.read(SHIPPED_RAW) is None


def test_the_validator_digest_covers_the_validating_modules() -> None:
    here = Path(table_cache.__file__).parents[1]
    assert all((here / name).is_file() for name in table_cache.VALIDATOR_MODULES)
    assert "standards/spec.py" in table_cache.VALIDATOR_MODULES


def test_without_posix_owners_only_the_users_own_cache_directory_is_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows: no owner to check, so $WELFARE_CALC_CACHE elsewhere means no cache."""
    monkeypatch.setattr(table_cache, "POSIX_OWNERS", False)
    monkeypatch.setenv("WELFARE_CALC_CACHE", str(tmp_path / "shared"))
    assert table_cache.directory() is None
    monkeypatch.delenv("WELFARE_CALC_CACHE")
    default = table_cache.directory()
    assert default is not None
    assert "welfare-calc" in Path(default).parts
