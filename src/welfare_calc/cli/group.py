"""The ``welfare-calc`` group: bilingual help, errors as one line, the shared options, and
the one way a report reaches stdout."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from welfare_calc import __version__
from welfare_calc.cli.click_words import bind_click
from welfare_calc.cli.problems import (
    CommandError,
    PipeClosed,
    StandardsProblem,
    Stopped,
    UsageProblem,
)
from welfare_calc.cli.types import (
    CareType,
    CategoryType,
    EncodingType,
    FilePath,
    IncomeType,
    MonthType,
    PersonsType,
    SupplementType,
    WholeRange,
)
from welfare_calc.core import fields
from welfare_calc.core.errors import (
    EncodingProblem,
    StandardsFileError,
    TargetError,
    WelfareCalcError,
)
from welfare_calc.core.money import RoundingPoint
from welfare_calc.core.words import _
from welfare_calc.output import streams
from welfare_calc.output.console import json_for, showable, stream_encoding
from welfare_calc.output.formats import Format, Lang
from welfare_calc.output.help_texts import HELP, help_text, word
from welfare_calc.output.language import speak_as_asked, spoken
from welfare_calc.standards.loader import ENV_VAR, LoadedStandards, load_standards

if TYPE_CHECKING:  # (only what the annotations need)
    from welfare_calc.core.table import StandardsTable
    from welfare_calc.output.case import Case
    from welfare_calc.output.render import Report

# Help texts, in English and Chinese, are in welfare_calc/output/help_texts.py, found by
# each command's and option's name (class Bilingual).
#
# Each command's module is imported when that command runs (COMMANDS, WelfareCalc), so
# that a call pays for its own command's imports only: ``entitlement`` never imports the
# batch, NumPy or the web stack.

F = TypeVar("F", bound=Callable[..., Any])

bind_click()  # click's own messages are looked up in our catalogue (cli/click_words.py)


class Bilingual(click.Command):
    """A command whose help, and click's words around it, are in the output's language.

    The texts live in :mod:`welfare_calc.output.help_texts`, found by the command's
    name and each option's parameter name; they are put in place when help
    is shown, in the language the command line speaks
    (:func:`~welfare_calc.output.language.spoken`).
    """

    @property
    def key(self) -> str:
        """The command's key in :data:`~welfare_calc.output.help_texts.HELP`."""
        return self.name if self.name in HELP else "welfare-calc"

    def option_key(self, ctx: click.Context, param: click.Parameter) -> str:
        """An option's key: ``command.option``, else ``roster.option`` (how every command
        that reads a roster reads it), else the option alone (shared options)."""
        if param is self.get_help_option(ctx):
            return "help"
        for key in (f"{self.key}.{param.name}", f"roster.{param.name}"):
            if key in HELP:
                return key
        return str(param.name)

    def _in_language(self, ctx: click.Context) -> Lang:
        lang = spoken()
        self.help = help_text(self.key, lang)
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                param.help = help_text(self.option_key(ctx, param), lang)
        return lang

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._in_language(ctx)
        super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        self.help = help_text(self.key, spoken())
        return super().get_short_help_str(limit)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces),
                              prefix=word("usage", spoken()))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = spoken()
        records = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx) if isinstance(param, click.Option) else None
            if record is not None:
                records.append((record[0], record[1].replace("[required]",
                                                             word("required", lang))))
        if records:
            with formatter.section(word("options", lang)):
                formatter.write_dl(records)


COMMANDS = {
    "backpay": "welfare_calc.cli.backpay:backpay",
    "batch": "welfare_calc.cli.batch:batch",
    "entitlement": "welfare_calc.cli.entitlement:entitlement",
    "payroll": "welfare_calc.cli.payroll:payroll",
    "publicity": "welfare_calc.cli.publicity:publicity",
    "reconcile": "welfare_calc.cli.reconcile:reconcile",
    "serve": "welfare_calc.cli.serve:serve",
    "standards": "welfare_calc.cli.standards:standards",
}
"""``welfare-calc``'s commands: each name, and where its command is (``module:name``),
imported only when it runs (click's lazily loading group). Their short help comes from
:mod:`welfare_calc.output.help_texts` by name, so ``--help`` imports none of them."""


class WelfareCalc(Bilingual, click.Group):
    """The command group, printing every error as ``Error: …`` lines only.

    Click's default adds a usage line and a hint around a usage error; a
    script reading stderr (and a clerk) is better served by the one line
    that says what was wrong and what is accepted.

    ``lazy``: commands by name, as ``module:name``, imported when first asked for
    (:data:`COMMANDS` for ``welfare-calc`` itself).
    """

    command_class = Bilingual

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, name = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module), name)
            assert isinstance(command, click.Command), self.lazy[cmd_name]
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def every_command(self) -> dict[str, click.Command]:
        """Every command, imported (for tests and tools that look at them all)."""
        ctx = click.Context(self)
        for name in self.lazy:
            self.get_command(ctx, name)
        return dict(self.commands)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """Choose the language before click reads a word of the arguments (``--lang``,
        else the environment), so that click's own usage errors are said in it too."""
        speak_as_asked(sys.argv[1:] if args is None else args)
        return super().main(args, prog_name, complete_var, standalone_mode, **extra)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # A command not imported yet is listed by a stand-in of its name: its short help
        # is found by the name (Bilingual.key), and nothing is imported to show it.
        commands = [(name, command) for name in self.list_commands(ctx)
                    if not (command := self.commands.get(name) or Bilingual(name)).hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section(word("commands", spoken())):
                formatter.write_dl([(name, command.get_short_help_str(limit))
                                    for name, command in commands])

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:  # the group's own options
            raise CommandError(error.format_message()) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:  # a command's options and arguments
            raise CommandError(error.format_message()) from None
        except BrokenPipeError:
            # click would answer a closed pipe with exit 1, the code of a batch
            # with rejected rows; PipeClosed passes through it to main.
            raise PipeClosed from None
        except KeyboardInterrupt:
            raise Stopped from None
        except OSError as error:
            # The last word on what no handler nearer the cause named (too many open
            # files while importing, say): one line, never a traceback.
            raise CommandError(streams.os_error_line(error)) from None


class Settings:
    """What the group passes to its commands: the standards file named, if one is, and
    the table once loaded. (A plain class: a dataclass is written and compiled anew by
    every call, 0.4 ms, and this one is the call's last.)"""

    def __init__(self, standards_path: str | None) -> None:
        self.standards_path = standards_path
        self.loaded: LoadedStandards | None = None

    def standards(self) -> LoadedStandards:
        """The table, loaded once; a bad file becomes exit 2 with its problems."""
        if self.loaded is None:
            try:
                self.loaded = load_standards(self.standards_path)
            except StandardsFileError as error:
                raise StandardsProblem(error.problems) from None
        return self.loaded


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    settings = Settings(ctx.params.get("standards_path"))
    loaded = settings.standards()
    document = loaded.table.document(loaded.table.raises[-1].document)
    line = _("welfare-calc {version} (standards: {document}, {source}, sha256 {digest})"
             ).format(version=__version__, document=document.number, source=loaded.source,
                      digest=loaded.digest)
    try:
        showable(line, err=False)
    except EncodingProblem as error:
        raise UsageProblem(str(error)) from None
    click.echo(line)
    ctx.exit(0)


@click.group(name="welfare-calc", cls=WelfareCalc, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--standards", "standards_path", envvar=ENV_VAR, is_eager=True,
              type=FilePath(dir_okay=False))
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_version)
@click.pass_context
def cli(ctx: click.Context, standards_path: str | None) -> None:
    """The group. Its help, in Chinese and English, is ``HELP["welfare-calc"]`` in
    :mod:`welfare_calc.output.help_texts`."""
    ctx.obj = Settings(standards_path)


def language_option(command: F) -> F:
    """``--lang`` for a command whose output is files (batch, publicity, serve): the
    language of its messages, found before click parses (WelfareCalc.main); nothing more
    for the command to do."""
    return click.option("--lang", "message_lang", type=click.Choice([lang.value for lang in Lang]),
                        default=None, expose_value=False)(command)


def roster_options(command: F) -> F:
    """How a roster is read and its files written, shared by every command that reads one
    through the batch (batch, publicity, payroll): ``--encoding``, ``--output-encoding``,
    ``--excel``, ``--sheet``, ``--header-row`` and ``--column``."""
    for option in reversed((
            click.option("--encoding", type=EncodingType(reading=True), default=None),
            click.option("--output-encoding", type=EncodingType(reading=False),
                         default="utf-8"),
            click.option("--excel", is_flag=True),
            click.option("--sheet", default=None),
            click.option("--header-row", type=WholeRange(min=1), default=None),
            click.option("--column", "columns", multiple=True, metavar="KEY=HEADER"))):
        command = option(command)
    return command


def output_options(command: F) -> F:
    """``--format`` and ``--lang``, shared by every command that prints a report (the
    language of its labels and --explain, and of its messages)."""
    command = click.option(
        "--lang", type=click.Choice([lang.value for lang in Lang]), default=None,
    )(command)
    return click.option(
        "--format", "fmt", type=click.Choice([fmt.value for fmt in Format]),
        default=Format.TABLE.value,
    )(command)


def case_options(command: F) -> F:
    """``--name``, ``--id`` and ``--locality``: whose case the written-out calculation is
    (:mod:`welfare_calc.output.case`), printed at its head and nowhere else."""
    for decorator in reversed([
        click.option("--name", "case_name", default=None, metavar="TEXT"),
        click.option("--id", "case_id", default=None, metavar="TEXT"),
        click.option("--locality", "case_locality", default=None, metavar="TEXT"),
    ]):
        command = decorator(command)
    return command


def case_of(name: str | None, id_number: str | None, locality: str | None, *, explain: bool,
            fmt: str) -> Case:
    """The case typed with :func:`case_options`. They head the written-out calculation of a
    table alone: given without ``--explain``, or with ``--format json`` or ``csv`` (data,
    which may be kept), they are refused rather than dropped. An ID number that is none
    (a typo) is said on stderr, and printed as typed."""
    from welfare_calc.output.case import Case  # noqa: PLC0415 - see the imports

    case = Case.typed(name, id_number, locality)
    if case and (not explain or Format(fmt) is not Format.TABLE):
        raise UsageProblem(_("--name, --id and --locality are printed on the written-out "
                             "calculation alone: give --explain, without --format json or "
                             "csv (they are never written into data)"))
    problem = case.id_problem()
    if problem is not None:
        click.echo(_("Note: --id: {problem}; it is printed as typed").format(problem=problem),
                   err=True)
    return case


@contextmanager
def as_bad_parameter(options: Mapping[str, str]) -> Iterator[None]:
    """Turn a core error into exit 2 naming the option it came from.

    ``options`` maps an error's field (persons, income, month, …) to the
    option that supplied it in this command.
    """
    try:
        yield
    except WelfareCalcError as error:
        option = options.get(error.field or "")
        raise click.BadParameter(error.message, param_hint=option) from None


rounding_option = click.option(
    "--rounding", type=click.Choice([point.value for point in RoundingPoint]), default=None)
"""Where amounts are rounded, for one call (docs/rules.md rule 5)."""


def rounded_table(settings: Settings, rounding: str | None) -> StandardsTable:
    """The table, with ``--rounding`` put in place of the file's rounding point."""
    return settings.standards().table.rounded_at(fields.read_rounding(rounding or ""))


def household_options(command: F) -> F:
    """The options that describe a household, shared by entitlement and backpay."""
    for decorator in reversed([
        click.option("--category", "-c", required=True, type=CategoryType()),
        click.option("--persons", "-n", required=True, type=PersonsType()),
        click.option("--income", type=IncomeType(), default=fields.CALL_DEFAULTS["income"]),
        click.option("--start", type=MonthType(), default=None),
        click.option("--end", type=MonthType(), default=None),
        click.option("--supplement", type=SupplementType(), default=None),
        click.option("--care", type=CareType(), default=None),
        click.option("--explain", is_flag=True),
        rounding_option,
    ]):
        command = decorator(command)
    return command


FIELDS = {"category": "'--category'", "persons": "'--persons' / '-n'", "income": "'--income'",
          "start": "'--start'", "end": "'--end'", "paid": "'--paid'",
          "supplement": "'--supplement'", "care": "'--care'"}
"""The option each field of a household comes from (an error names the one of its field)."""


def emit(report: Report, fmt: str, lang: str | None, explanation: str | None = None) -> None:
    """Write a report to stdout; an explanation goes where it cannot corrupt data.

    Table: after the table. JSON: under the ``explanation`` key. CSV: to
    stderr, so the CSV on stdout stays parseable.
    """
    from welfare_calc.output.render import Report, render  # noqa: PLC0415 - see the imports

    chosen = Format(fmt)
    language = Lang(lang) if lang else spoken()
    if explanation is not None and chosen is Format.JSON and report.summary is not None:
        report = Report({**report.summary, "explanation": explanation},
                        report.detail, report.detail_key)
    text = render(report, chosen, language)
    if explanation is not None and chosen is Format.TABLE:
        text += "\n" + explanation
    if chosen is Format.JSON:
        text = json_for(text, stream_encoding(err=False))
    aside = explanation if explanation is not None and chosen is Format.CSV else ""
    # Checked whole before a byte is printed: half a table is worse than none.
    try:
        showable(text, err=False)
        showable(aside, err=True)
        streams.write_stdout(text)
    except (EncodingProblem, TargetError) as error:
        raise UsageProblem(str(error)) from None
    if aside:
        click.echo(aside, err=True, nl=False)
