"""Help in the clerk's language: every command and option, in Chinese and in English."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from welfare_calc.cli import Bilingual, cli
from welfare_calc.output.formats import Lang
from welfare_calc.output.help_texts import HELP, WORDS, help_text

COMMANDS = ["", "standards", "entitlement", "backpay", "batch", "payroll"]
CJK = re.compile(r"[\u4e00-\u9fff]")
LANGUAGES = {
    Lang.ZH: [{}, {"LANG": "zh_CN.UTF-8"}, {"WELFARE_CALC_LANG": "zh", "LANG": "en_US.UTF-8"}],
    Lang.EN: [{"LANG": "en_US.UTF-8"}, {"WELFARE_CALC_LANG": "en", "LANG": "zh_CN.UTF-8"},
              {"WELFARE_CALC_LANG": "EN"}],
}


def command_of(name: str) -> click.Command:
    return cli.every_command()[name] if name else cli


def shown_help(name: str, env: dict[str, str]) -> str:
    clean = {"LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "WELFARE_CALC_LANG": "", **env}
    result = CliRunner().invoke(cli, [*name.split(), "--help"], env=clean)
    assert result.exit_code == 0, result.output
    return result.stdout


def context_of(command: click.Command, name: str) -> click.Context:
    """A context as the command line makes one, its settings included: a bare one would
    give the command's help option other names, and click keeps that option."""
    return click.Context(command, info_name=name or "welfare-calc", **command.context_settings)


def options_of(name: str) -> list[click.Option]:
    command = command_of(name)
    with context_of(command, name) as ctx:
        return [param for param in command.get_params(ctx) if isinstance(param, click.Option)]


@pytest.mark.parametrize("name", COMMANDS, ids=lambda name: name or "welfare-calc")
def test_every_command_and_option_has_its_text_in_both_languages(name: str) -> None:
    command = command_of(name)
    assert isinstance(command, Bilingual)
    keys = [command.key]
    with context_of(command, name) as ctx:
        keys += [command.option_key(ctx, option) for option in options_of(name)]
    for key in keys:
        english, chinese = HELP[key]
        assert english.strip(), key
        assert CJK.search(chinese), key
        chinese.encode("gbk")  # a Chinese Windows console shows it
        english.encode("gbk")


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("name", COMMANDS, ids=lambda name: name or "welfare-calc")
def test_help_is_shown_whole_in_the_chosen_language(name: str, lang: Lang) -> None:
    command = command_of(name)
    other = Lang.EN if lang is Lang.ZH else Lang.ZH
    for env in LANGUAGES[lang]:
        text = shown_help(name, env)
        flat = re.sub(r"\s+", "", text)
        assert re.sub(r"\s+", "", help_text(command.key, lang)) in flat
        with context_of(command, name) as ctx:
            for option in options_of(name):
                key = command.option_key(ctx, option)  # type: ignore[attr-defined]
                assert re.sub(r"\s+", "", help_text(key, lang)) in flat, (key, env)
                assert re.sub(r"\s+", "", help_text(key, other)) not in flat, (key, env)
        for english, _ in WORDS.values():
            if lang is Lang.ZH:
                assert english.strip() not in text, (english, env)
        if lang is Lang.ZH:
            assert text.startswith("用法：")
            assert "[default:" not in text
        else:
            assert text.startswith("Usage: ")
            assert not CJK.search(text.split("\n")[0])


def test_the_command_list_is_in_the_chosen_language() -> None:
    chinese = shown_help("", {})
    assert "命令" in chinese
    assert "批量计算花名册中每一户的提标增补金额。" in chinese
    english = shown_help("", {"WELFARE_CALC_LANG": "en"})
    assert "Back-pay for every household of a roster" in english


def test_output_follows_the_same_language_setting() -> None:
    args = ["backpay", "-c", "urban-dibao", "-n", "3", "--income", "200", "--through", "2020-08"]
    english = CliRunner().invoke(cli, args, env={"WELFARE_CALC_LANG": "en", "LANG": "zh_CN"})
    chinese = CliRunner().invoke(cli, args, env={"WELFARE_CALC_LANG": "", "LANG": ""})
    assert "back-pay (yuan)" in english.stdout
    assert "增补金额" in chinese.stdout


def test_help_sends_no_one_to_a_file_the_installation_lacks() -> None:
    # The wheel and the offline bundle ship no docs/ folder: a clerk who reads `serve
    # --help` in the bundle's console has only what the help itself says (issue 29).
    for key, texts in HELP.items():
        for text in texts:
            assert not re.search(r"docs/|\.md\b", text), (key, text)
