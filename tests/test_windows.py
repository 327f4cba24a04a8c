"""Where the clerks work: a Chinese Windows console (GBK), Chinese paths, no fork.

Windows itself is simulated on Linux: ``PYTHONIOENCODING=gbk`` (or click's
test runner with a GBK charset, strict as a console is) stands for cmd.exe
redirected to a file on a Chinese system; ``tests/test_batch.py`` runs the
workers under spawn with fork made unavailable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from welfare_calc.cli import cli

SHIPPED_PATH = Path(__file__).parent.parent / "data" / "standards_2020.yaml"

ROOT = Path(__file__).parent.parent
HOUSEHOLD = ["-c", "rural-dibao", "-n", "2", "--income", "100"]
COMMANDS = [
    ["standards"],
    ["standards", "--on", "2020-05-01"],
    ["entitlement", *HOUSEHOLD, "--explain"],
    ["entitlement", "-c", "urban-tekun", "-n", "1", "--explain", "--year", "2020"],
    ["backpay", *HOUSEHOLD, "--through", "2020-08", "--explain", "--detail"],
    ["backpay", "-c", "urban-dibao", "-n", "3", "--income", "200", "--through", "2020-08",
     "--paid", "9000", "--explain"],
    # Overpaid, a supplement, newly eligible, rounded at the total: every phrase.
    ["backpay", "-c", "urban-dibao", "-n", "3", "--income", "200", "--through", "2020-08",
     "--paid", "12040", "--explain"],
    ["backpay", "-c", "rural-dibao", "-n", "1", "--through", "2020-08", "--supplement", "12.5%",
     "--rounding", "total", "--explain", "--detail"],
    ["entitlement", "-c", "urban-dibao", "-n", "1", "--income", "630.50", "--supplement", "50",
     "--explain"],
]
VARIANTS = [[], ["--format", "json"], ["--format", "csv"], ["--lang", "en"],
            ["--lang", "en", "--format", "json"]]


def invoke(args: list[str], charset: str, env: dict[str, str] | None = None) -> Result:
    runner = CliRunner(charset=charset)
    return runner.invoke(cli, args, env={"LANG": "", "LC_ALL": "", "LC_MESSAGES": "",
                                         "WELFARE_CALC_LANG": "", **(env or {})})


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda args: " ".join(args) or "table")
@pytest.mark.parametrize("command", COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_every_command_prints_in_gbk(command: list[str], variant: list[str]) -> None:
    # A Chinese Windows console (or its output redirected to a file) takes GBK:
    # the same text as in UTF-8, every character of it, no traceback.
    gbk = invoke([*command, *variant], "gbk")
    utf8 = invoke([*command, *variant], "utf-8")
    assert gbk.exception is None, gbk.exception
    assert gbk.exit_code == 0, gbk.stderr
    assert gbk.stdout_bytes.decode("gbk") == utf8.stdout_bytes.decode("utf-8")
    assert gbk.stderr_bytes.decode("gbk") == utf8.stderr_bytes.decode("utf-8")
    assert gbk.stdout  # something was said


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("command", ["", "standards", "entitlement", "backpay", "batch"])
def test_every_help_prints_in_gbk(command: str, lang: str) -> None:
    args = [*command.split(), "--help"]
    gbk = invoke(args, "gbk", {"WELFARE_CALC_LANG": lang})
    assert gbk.exception is None, gbk.exception
    assert gbk.stdout_bytes.decode("gbk") == invoke(args, "utf-8", {"WELFARE_CALC_LANG": lang}
                                                    ).stdout_bytes.decode("utf-8")


@pytest.mark.parametrize("args", [
    ["backpay", "-c", "城市", "-n", "1", "--through", "2020-08"],
    ["backpay", "-c", "urban-dibao", "-n", "0", "--through", "2020-08"],
    ["entitlement", "-c", "urban-dibao", "-n", "1", "--month", "2020年1月"],
    ["batch", "不存在的花名册.csv", "--through", "2020-08"],
], ids=["unknown category", "no persons", "month in Chinese", "missing roster"])
def test_mistakes_are_told_in_gbk(args: list[str]) -> None:
    result = invoke(args, "gbk")
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = result.stderr_bytes.decode("gbk")
    assert message.startswith("错误：")
    assert "\\u" not in message  # no character had to be escaped


def test_a_real_gbk_console_process() -> None:
    # The whole process, as cmd.exe runs it with its output in a file.
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "LANG": ""}
    done = subprocess.run(
        [sys.executable, "-m", "welfare_calc", "backpay", "-c", "rural-dibao", "-n", "1",
         "--through", "2020-08", "--explain"], capture_output=True, env=env, check=False)
    assert done.returncode == 0, done.stderr.decode("gbk", "replace")
    text = done.stdout.decode("gbk")
    assert "增补金额 = 应发合计 - 已发合计 = 3840.00 - 3433.36 = 406.64 元" in text


def standards_with(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED_PATH.read_text(encoding="utf-8")
    assert old in text
    changed = tmp_path / "standards.yaml"
    changed.write_text(text.replace(old, new, 1), encoding="utf-8")
    return changed


def test_text_a_gbk_console_cannot_show_is_refused_before_printing(tmp_path: Path) -> None:
    # A standards file may hold any character; a table holding one GBK lacks is
    # one line and nothing printed, not half a table and a traceback.
    changed = standards_with(tmp_path, "title: 周村区人民政府办公室关于",
                             "title: 周村区人民政府办公室（€）关于")
    args = ["--standards", str(changed), "backpay", *HOUSEHOLD, "--through", "2020-08",
            "--explain"]
    result = invoke(args, "gbk")
    assert result.exit_code == 2
    assert result.stdout_bytes == b""
    assert result.stderr_bytes.decode("gbk").startswith(
        "错误：输出中有字符 U+20AC，本控制台的编码（gbk）无法显示，因此什么也没有输出。")
    # JSON escapes it instead: the same value, on any console.
    shown = invoke([*args, "--format", "json"], "gbk")
    assert shown.exit_code == 0
    assert "\\u20ac" in shown.stdout_bytes.decode("gbk")
    same = invoke([*args, "--format", "json"], "utf-8")
    assert json.loads(shown.stdout_bytes.decode("gbk")) == json.loads(same.stdout)


def test_chinese_paths_with_spaces(tmp_path: Path) -> None:
    folder = tmp_path / "周村区 民政局"
    folder.mkdir()
    roster = folder / "花名册 2020年.csv"
    roster.write_bytes((ROOT / "examples" / "households.csv").read_bytes())
    out = folder / "增补 名单.csv"
    summary = folder / "汇总 表.json"
    result = invoke(["batch", str(roster), "--through", "2020-08", "-o", str(out),
                     "--summary", str(summary)], "gbk")
    assert result.exit_code in (0, 1), result.stderr
    assert out.read_text(encoding="utf-8").startswith("id,")
    assert json.loads(summary.read_text(encoding="utf-8"))["rows_read"] > 0
    # The input named another way (with ".." and a redundant part) is still the input.
    other = folder / ".." / folder.name / "." / roster.name
    refused = invoke(["batch", str(roster), "--through", "2020-08", "-o", str(other)], "gbk")
    assert refused.exit_code == 2
    assert "这是输入文件，会被覆盖" in refused.stderr_bytes.decode("gbk")
