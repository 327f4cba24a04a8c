"""The one catalogue of messages: every message has its Chinese text, with the same values,
compiled as it is written; click's own messages come out of it too; the language is chosen
before a word is said, by ``--lang``, ``WELFARE_CALC_LANG`` or ``LANG``.

The messages are found as Babel finds them (``pybabel extract``: ``_``, ``N_``,
``ngettext``, ``pgettext``), in ``src/`` and in click's own source, so a message added
without its Chinese text fails here, named.
"""

from __future__ import annotations

import ast
import gettext
import io
import json
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from helpers import invoker
from welfare_calc.core import words
from welfare_calc.output import language
from welfare_calc.output.formats import Lang

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src" / "welfare_calc"
LOCALE = SRC / "core" / "locale" / "zh_CN" / "LC_MESSAGES"
PO = LOCALE / "welfare_calc.po"
MO = LOCALE / "welfare_calc.mo"
CLICK = Path(click.__file__).parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
"""What marks a message (as pyproject.toml's ``[tool.babel.extract_messages]`` says)."""
CLICK_GETTEXT = {"click.core", "click.decorators", "click.exceptions", "click.formatting",
                 "click.parser", "click.shell_completion", "click.termui", "click.types",
                 "click.utils", "click._termui_impl", "click._winconsole"}
"""click's modules that import gettext (click 8.5): a module added by an upgrade is new
here, and must be seen to be bound (cli/click_words.py) before this list takes it."""
LOADED_LATER = {"click._termui_impl", "click._winconsole"}
"""click's gettext modules that the command line does not load: the progress bar, pager
and editor (never used by welfare-calc), and the Windows console (loaded with click on
Windows, where it is bound with the rest)."""

Key = tuple[str | None, str]


def _key(context: str | None, msgid: str | tuple[str, ...] | list[str]) -> Key:
    return context, msgid if isinstance(msgid, str) else msgid[0]


def marked(folder: Path) -> dict[Key, tuple[str, ...]]:
    """Every message marked in ``folder``'s Python files, as Babel extracts it: its key
    (context, msgid) and all its ids (singular and plural)."""
    found: dict[Key, tuple[str, ...]] = {}
    for _name, _line, message, _comments, context in extract_from_dir(
            str(folder), method_map=[("**.py", "python")], keywords=KEYWORDS):
        ids = (message,) if isinstance(message, str) else tuple(message)
        found[_key(context, ids[0])] = ids
    return found


def catalogue() -> dict[Key, tuple[tuple[str, ...], tuple[str, ...], set[str]]]:
    """The .po's entries: key → (ids, texts, flags)."""
    with PO.open("rb") as handle:
        read = read_po(handle)
    return {_key(message.context, message.id): (
        (message.id,) if isinstance(message.id, str) else tuple(message.id),
        (message.string,) if isinstance(message.string, str) else tuple(message.string),
        set(message.flags)) for message in read if message.id}


def placeholders(text: str) -> list[str]:
    """The values a message takes: ``{name}``, ``{name!r}`` (brace format) and
    ``%(name)s`` (click's one %-format message), sorted."""
    braces = [f"{name}!{conversion}" if conversion else str(name)
              for _, name, _spec, conversion in string.Formatter().parse(text)
              if name is not None]
    return sorted([*braces, *re.findall(r"%\((\w+)\)[sd]", text)])


def test_every_message_in_src_has_a_chinese_text() -> None:
    have = catalogue()
    missing = [f"{key[0] + ': ' if key[0] else ''}{key[1]!r}" for key in marked(SRC)
               if key not in have or not all(have[key][1]) or "fuzzy" in have[key][2]]
    assert missing == [], "messages without a Chinese text in the .po:\n" + "\n".join(missing)


def test_every_message_click_marks_has_a_chinese_text() -> None:
    # All of click's msgids, not only those a clerk is likely to meet: a click upgrade
    # that adds or rewords one fails here, with the message named.
    have = catalogue()
    missing = [repr(key[1]) for key in marked(CLICK)
               if key not in have or not all(have[key][1])]
    assert missing == [], "click's messages without a Chinese text:\n" + "\n".join(missing)


def test_a_chinese_text_takes_the_same_values_as_its_message() -> None:
    wrong = []
    for (_context, _msgid), (ids, texts, _flags) in catalogue().items():
        # Chinese has one plural form: its text serves every count, so it takes the
        # general (plural) form's values.
        general = ids[-1]
        for text in texts:
            if placeholders(text) != placeholders(general):
                wrong.append(f"{general!r} → {text!r}")
    assert wrong == []


def test_babel_finds_no_error_in_the_catalogue() -> None:
    with PO.open("rb") as handle:
        read = read_po(handle)
    assert [(message.id, errors) for message, errors in read.check()] == []


def test_no_message_is_in_the_catalogue_twice() -> None:
    # Two branches that add the same message (.po files merge as a union) leave two
    # entries; gettext's msgfmt refuses such a file, Babel keeps one silently.
    # A msgid may run on over several quoted lines: each is read whole.
    keys: list[tuple[str, str]] = []
    context = ""
    reading_id = False
    for line in PO.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgctxt "):
            context, reading_id = line, False
        elif line.startswith("msgid "):
            keys.append((context, line))
            context, reading_id = "", True
        elif reading_id and line.startswith('"'):
            keys[-1] = (keys[-1][0], keys[-1][1] + line)
        else:
            reading_id = False
    assert sorted(key for key in set(keys) if keys.count(key) > 1) == []


def test_the_committed_mo_says_what_the_po_says() -> None:
    with PO.open("rb") as handle:
        read = read_po(handle)
    compiled = io.BytesIO()
    write_mo(compiled, read)
    compiled.seek(0)
    fresh = gettext.GNUTranslations(compiled)
    with MO.open("rb") as handle:
        committed = gettext.GNUTranslations(handle)

    def texts(compiled: gettext.GNUTranslations) -> dict[object, str]:
        # The header ("") holds the compiling date; what it says of the language and the
        # plural forms is compared below.
        return {key: text for key, text in compiled._catalog.items()  # type: ignore[attr-defined]
                if key != ""}

    assert texts(committed) == texts(fresh), (
        "the .mo is stale: run `pybabel compile` (docs/development.md)")
    assert committed.info()["language"] == fresh.info()["language"] == "zh_CN"
    assert committed.info()["plural-forms"] == fresh.info()["plural-forms"]


def test_every_chinese_text_can_be_shown_on_a_chinese_windows_console() -> None:
    # cmd.exe on Chinese Windows writes GBK (cp936): a character it lacks would stop a
    # message halfway.
    cannot = [text for _ids, texts, _flags in catalogue().values() for text in texts
              if not _encodes(text, "gbk")]
    assert cannot == []


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _python_files() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_a_message_is_written_whole_and_filled_in_by_name() -> None:
    # An f-string, a % or a + inside _() cannot be looked up: the catalogue has the
    # text before the values.
    marks = {"_", "N_", "ngettext", "pgettext"}
    wrong = []
    for path, tree in _python_files():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in marks):
                for argument in node.args:
                    if not isinstance(argument, ast.Constant | ast.Name | ast.Attribute
                                      | ast.Subscript):
                        wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert wrong == []


def test_no_function_hides_the_lookup_behind_a_local_underscore() -> None:
    # `for name, _ in …` in a function that also says _("…") makes _ a local variable
    # there: the message call then fails, or calls a string.
    wrong = []
    for path, tree in _python_files():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            stored = called = False
            for node in _own_nodes(function):
                if isinstance(node, ast.Name) and node.id == "_":
                    stored |= isinstance(node.ctx, ast.Store)
                    called |= isinstance(node.ctx, ast.Load)
                if isinstance(node, ast.arg) and node.arg == "_":
                    stored = True
            if stored and called:
                wrong.append(f"{path.relative_to(ROOT)}:{function.lineno}")
    assert wrong == []


def _own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's own scope (not of functions or comprehensions in it)."""
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
              ast.SetComp, ast.DictComp, ast.GeneratorExp)
    for child in ast.iter_child_nodes(function):
        if isinstance(child, ast.arguments):
            yield from ast.walk(child)
        elif not isinstance(child, scopes):
            yield child
            yield from _own_nodes(child)


# --- click's own messages ---------------------------------------------------------------


def test_every_click_module_that_imports_gettext_is_bound_to_our_catalogue() -> None:
    importing = {"click." + path.stem if path.stem != "__init__" else "click"
                 for path in CLICK.glob("*.py")
                 if re.search(r"^from gettext import", path.read_text(encoding="utf-8"),
                              re.MULTILINE)}
    assert importing == CLICK_GETTEXT, (
        "click's modules that import gettext changed: check that cli/click_words.py binds "
        "them, then update CLICK_GETTEXT")
    for name in sorted(CLICK_GETTEXT - LOADED_LATER):
        module = sys.modules[name]
        assert vars(module)["_"] is words._, name
        if "ngettext" in vars(module):
            assert vars(module)["ngettext"] is words.ngettext, name
    assert {name for name in LOADED_LATER if name in sys.modules} <= (
        {"click._winconsole"} if sys.platform == "win32" else set())


@pytest.fixture
def chinese_run(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE", "WELFARE_CALC_LANG",
                 "WELFARE_CALC_STANDARDS"):
        monkeypatch.delenv(name, raising=False)


CLICK_ERRORS = [
    pytest.param(["backpay", "-c", "urban-dibao", "-n", "1"],
                 "错误：缺少选项 '--through'.", id="missing option"),
    pytest.param(["backpay", "-c", "urban-dibao", "-n", "1", "--thruogh", "2020-08"],
                 "错误：没有选项 '--thruogh'。 （是不是要写 '--through'？）",
                 id="no such option, did you mean"),
    pytest.param(["standards", "--format", "xml"],
                 "错误：'--format' 的取值无效：'xml' 不可用，应为 'table', 'json', 'csv' 之一。",
                 id="invalid choice"),
    pytest.param(["batch", "no-such-roster.csv", "--through", "2020-08"],
                 "错误：'INPUT' 的取值无效：文件 'no-such-roster.csv' 不存在。",
                 id="file does not exist"),
    pytest.param(["entitlement", "-c", "urban-dibao", "-n", "1", "extra", "more"],
                 "错误：多给了参数（extra more）", id="unexpected extra arguments"),
    pytest.param(["entitlement", "-c", "urban-dibao", "-n"],
                 "错误：选项 '-n' 后面须给出 1 个值。", id="option requires an argument"),
    pytest.param(["frobnicate"], "错误：没有命令 'frobnicate'。", id="no such command"),
    pytest.param(["batch", "--through", "2020-08"], "错误：缺少参数 'INPUT'.",
                 id="missing argument"),
    pytest.param(["serve", "--port", "http"], "错误：'--port' 的取值无效：'http' 不是有效的整数。",
                 id="not a whole number"),
    pytest.param(["serve", "--port", "70000"],
                 "错误：'--port' 的取值无效：70000 不在 0<=x<=65535 范围内。", id="out of range"),
    pytest.param(["entitlement", "-c", "urban-dibao", "-n", "1", "--explain=yes"],
                 "错误：选项 '--explain' 不带值。", id="flag given a value"),
]


@pytest.mark.parametrize(("args", "said"), CLICK_ERRORS)
@pytest.mark.usefixtures("chinese_run")
def test_click_says_its_usage_errors_in_chinese(args: list[str], said: str) -> None:
    result = invoker()(*args)
    assert (result.exit_code, result.stderr.strip()) == (2, said)


@pytest.mark.usefixtures("chinese_run")
def test_click_says_them_in_english_when_asked() -> None:
    result = invoker()("standards", "--format", "xml", "--lang", "en")
    assert result.stderr.strip() == ("Error: Invalid value for '--format': 'xml' is not one "
                                     "of 'table', 'json', 'csv'.")


# --- choosing the language ---------------------------------------------------------------


@pytest.mark.parametrize(("args", "asked"), [
    (["backpay", "--lang", "en"], Lang.EN),
    (["backpay", "--lang=en"], Lang.EN),
    (["--lang", "zh"], Lang.ZH),
    (["backpay", "--lang", "en", "--lang", "zh"], Lang.ZH),
    (["backpay", "--lang", "fr"], None),
    (["backpay", "--lang"], None),
    (["batch", "--", "--lang", "en"], None),
    (["backpay", "-c", "urban-dibao"], None),
], ids=["after the command", "with =", "alone", "the last counts", "no such language",
        "no value", "after --, a file name", "not asked"])
def test_the_language_asked_for_is_found_before_click_parses(args: list[str],
                                                             asked: Lang | None) -> None:
    assert language.asked_in(args) == asked


ENGLISH_WAYS = [
    pytest.param({}, ["--lang", "en"], id="--lang en"),
    pytest.param({"WELFARE_CALC_LANG": "en"}, [], id="WELFARE_CALC_LANG=en"),
    pytest.param({"LANG": "en_US.UTF-8"}, [], id="LANG=en_US.UTF-8"),
]


@pytest.mark.parametrize(("environment", "extra"), ENGLISH_WAYS)
@pytest.mark.usefixtures("chinese_run")
def test_english_is_had_each_way_it_is_asked(monkeypatch: pytest.MonkeyPatch,
                                             environment: dict[str, str],
                                             extra: list[str]) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    run = invoker()
    core = run("entitlement", "-c", "urban-dibao", "-n", "0", *extra)
    assert core.stderr.strip() == ("Error: Invalid value for '--persons' / '-n': 0 persons: a "
                                   "household has at least 1 covered person")
    usage = run("backpay", "-c", "urban-dibao", "-n", "1", *extra)
    assert usage.stderr.strip() == "Error: Missing option '--through'."
    helped = run("backpay", "--help", *extra)
    assert "Back-pay (提标增补) owed for months paid at the old standard." in helped.stdout


@pytest.mark.usefixtures("chinese_run")
def test_chinese_is_the_default_and_what_a_chinese_locale_gets(
        monkeypatch: pytest.MonkeyPatch) -> None:
    run = invoker()
    assert run("entitlement", "-c", "urban-dibao", "-n", "0").stderr.strip() == (
        "错误：'--persons' / '-n' 的取值无效：保障人数 0：每户至少 1 人")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert run("entitlement", "-c", "urban-dibao", "-n", "0").stderr.startswith("错误：")
    monkeypatch.setenv("WELFARE_CALC_LANG", "en")  # the variable of ours wins over LANG
    assert run("entitlement", "-c", "urban-dibao", "-n", "0").stderr.startswith("Error: ")


def test_a_missing_catalogue_leaves_the_words_in_english(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A broken install still says what is wrong (the messages are written in English).
    language.catalogue.cache_clear()
    monkeypatch.setattr(language, "CATALOGUE", "locale/xx/LC_MESSAGES/none.mo")
    try:
        assert isinstance(language.catalogue(Lang.ZH), gettext.NullTranslations)
        assert not isinstance(language.catalogue(Lang.ZH), gettext.GNUTranslations)
    finally:
        language.catalogue.cache_clear()


def test_the_words_in_use_follow_the_choice() -> None:
    language.speak(Lang.EN)
    assert (words._("standard output"), language.in_use()) == ("standard output", Lang.EN)
    language.speak(Lang.ZH)
    assert (words._("standard output"), language.in_use()) == ("标准输出", Lang.ZH)
    assert words.listed(["a", "b"]) == "a、b"
    assert words.pgettext("column", "persons") == "保障人数"


# --- what machines read does not change with the language ---------------------------------


@pytest.mark.usefixtures("chinese_run")
def test_json_keys_and_exit_codes_are_the_same_in_both_languages() -> None:
    run = invoker()
    shown = {}
    for lang in ("zh", "en"):
        done = run("backpay", "-c", "rural-dibao", "-n", "2", "--income", "100", "--through",
                   "2020-08", "--format", "json", "--detail", "--explain", "--lang", lang)
        refused = run("backpay", "-c", "rural-dibao", "-n", "0", "--through", "2020-08",
                      "--format", "json", "--lang", lang)
        report = json.loads(done.stdout)
        shown[lang] = (done.exit_code, refused.exit_code, sorted(report),
                       sorted(report["months_detail"][0]), report["backpay"])
    assert shown["zh"] == shown["en"]
    assert shown["zh"][:2] == (0, 2)


def test_a_spawned_worker_is_told_the_language(tmp_path: Path) -> None:
    # Rows are read in worker processes; under spawn (Windows) a worker is a fresh
    # interpreter and must be told the parent's language, or its rejected rows' reasons
    # would be English. Three chunks (a chunk is 1 MiB), the bad row in the last.
    roster = tmp_path / "roster.csv"
    rows = [f"{number},urban-dibao,2,100,," for number in range(1, 100_001)]
    roster.write_text("id,category,persons,income,start,end\n" + "\n".join(rows)
                      + "\n100001,urban-dibao,x,100,,\n", encoding="utf-8")
    for method in ("spawn", "fork"):
        environment = {"PATH": "/usr/bin:/bin", "WELFARE_CALC_START_METHOD": method,
                       "WELFARE_CALC_CACHE": "off"}
        done = subprocess.run(
            [sys.executable, "-m", "welfare_calc", "batch", str(roster), "--through",
             "2020-08", "-o", str(tmp_path / f"{method}.csv")],
            capture_output=True, text=True, env=environment, check=False, timeout=300)
        assert done.returncode == 1, done.stderr
        errors = (tmp_path / f"{method}.csv.errors.csv").read_text(encoding="utf-8")
        assert "'x' 不是整数人数；请填整数，如 3" in errors, method
        assert "读取 100001 行，写出 100000 行，拒收 1 行" in done.stderr, method
