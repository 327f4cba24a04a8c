"""The ``welfare-calc`` command: parse, call the core, render. No arithmetic here.

Data goes to stdout and everything else to stderr. Every mistake ends in one
``Error: …`` line per problem on stderr and exit code 2 (usage, bad values,
bad standards file); exit 1 is kept for a batch with rejected rows.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, NoReturn, TypeVar

import click
from click.shell_completion import CompletionItem

from welfare_calc import __version__, calc, streams
from welfare_calc.errors import (
    EncodingProblem,
    Interrupted,
    StandardsFileError,
    TargetError,
    TargetProblem,
    UnusableInput,
    WelfareCalcError,
)
from welfare_calc.formats import Format, Lang, chosen_lang
from welfare_calc.help_texts import HELP, help_text, word
from welfare_calc.loader import ENV_VAR, LoadedStandards, load_standards
from welfare_calc.money import RoundingPoint, parse_money
from welfare_calc.months import Month

if TYPE_CHECKING:
    from welfare_calc.batch.run import BatchFiles
    from welfare_calc.render import Report
    from welfare_calc.table import StandardsTable

# Help texts, in English and Chinese, are in welfare_calc/help_texts.py, found by
# each command's and option's name (class Bilingual).
#
# Rendering (tabulate), explanations and the batch machinery are imported by
# the commands that use them, so that each command starts no slower than it must.

F = TypeVar("F", bound=Callable[..., Any])

SHORT_NAMES = ("urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun",
               "城市低保", "农村低保", "城市特困", "农村特困")


class MonthType(click.ParamType[Month, Any]):
    """A month written ``YYYY-MM``."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Month:
        if isinstance(value, Month):
            return value
        try:
            return Month.parse(str(value))
        except WelfareCalcError as error:
            self.fail(error.message, param, ctx)


class MoneyType(click.ParamType[Decimal, Any]):
    """An amount of yuan ≥ 0 with at most two decimals (no floats, ever)."""

    name = "YUAN"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        try:
            return parse_money(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


class SupplementType(click.ParamType["calc.Supplement | None", Any]):
    """A 分类施保 supplement, as the core reads one (:func:`calc.parse_supplement`)."""

    name = "YUAN|PCT%"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> calc.Supplement | None:
        if isinstance(value, calc.Supplement):
            return value
        try:
            return calc.parse_supplement(str(value))
        except WelfareCalcError as error:
            self.fail(error.message, param, ctx)


class PersonsType(click.ParamType[int, Any]):
    """A whole number of covered persons, as the core reads one (:func:`calc.parse_persons`)."""

    name = "N"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return calc.parse_persons(str(value))
        except WelfareCalcError as error:
            self.fail(error.message, param, ctx)


class CategoryType(click.ParamType[str, Any]):
    """A category id or Chinese name; resolved against the table by the core."""

    name = "CATEGORY"

    def shell_complete(self, ctx: click.Context, param: click.Parameter,
                       incomplete: str) -> list[CompletionItem]:
        return [CompletionItem(name) for name in SHORT_NAMES if name.startswith(incomplete)]


class DateType(click.ParamType[date, Any]):
    """A day written ``YYYY-MM-DD``."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2020-08-10", param, ctx)


class Problem(click.ClickException):
    """An error shown as ``Error: …`` lines and nothing else, with its exit code.

    Its :meth:`show` is click's own way to display an error: click calls it
    and exits with :attr:`exit_code`. Click's usage errors add a usage line
    and a hint around the message; a script reading stderr (and a clerk) is
    better served by the one line that says what was wrong and what is
    accepted, so :class:`WelfareCalc` turns them into this.
    """

    exit_code = 2  # click's own code for a usage error, which this stands for

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.format_message().splitlines():
            click.echo(f"Error: {line}", file=file, err=file is None)


class StandardsProblem(Problem):
    """A standards file that does not validate: exit 2, one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class UsageProblem(Problem):
    """Unusable input or files: exit 2, nothing written."""


class BatchRejected(Problem):
    """Some rows were rejected; the rest were written (exit 1)."""

    exit_code = 1


class Stopped(Problem):
    """Ctrl-C or a stop signal: nothing was written (exit 130, as the shell has it)."""

    exit_code = 130

    def __init__(self) -> None:
        super().__init__("Aborted.")

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo("Aborted.", file=file, err=file is None)


PIPE_CLOSED = 128 + 13
"""Exit code when the reader of stdout left early: 128 + SIGPIPE, as the shell reports
a program the signal ended (``… | head``); distinct from 1, rows rejected."""


class PipeClosed(Exception):
    """The reader of stdout went away (``… | head``): stop quietly."""


class Bilingual(click.Command):
    """A command whose help, and click's words around it, are in the output's language.

    The texts live in :mod:`welfare_calc.help_texts`, found by the command's
    name and each option's parameter name; they are put in place when help
    is shown, so the language is the one of the moment
    (:func:`~welfare_calc.formats.chosen_lang`).
    """

    @property
    def key(self) -> str:
        """The command's key in :data:`~welfare_calc.help_texts.HELP`."""
        return self.name if self.name in HELP else "welfare-calc"

    def option_key(self, ctx: click.Context, param: click.Parameter) -> str:
        """An option's key: ``command.option``, else the option alone (shared options)."""
        if param is self.get_help_option(ctx):
            return "help"
        own = f"{self.key}.{param.name}"
        return own if own in HELP else str(param.name)

    def _in_language(self, ctx: click.Context) -> Lang:
        lang = chosen_lang()
        self.help = help_text(self.key, lang)
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                param.help = help_text(self.option_key(ctx, param), lang)
        return lang

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._in_language(ctx)
        super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        self.help = help_text(self.key, chosen_lang())
        return super().get_short_help_str(limit)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces),
                              prefix=word("usage", chosen_lang()))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = chosen_lang()
        records = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx) if isinstance(param, click.Option) else None
            if record is not None:
                records.append((record[0], record[1].replace("[required]",
                                                             word("required", lang))))
        if records:
            with formatter.section(word("options", lang)):
                formatter.write_dl(records)


class WelfareCalc(Bilingual, click.Group):
    """The command group, printing every error as ``Error: …`` lines only.

    Click's default adds a usage line and a hint around a usage error; a
    script reading stderr (and a clerk) is better served by the one line
    that says what was wrong and what is accepted.
    """

    command_class = Bilingual

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, command) for name in self.list_commands(ctx)
                    if (command := self.get_command(ctx, name)) is not None
                    and not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section(word("commands", chosen_lang())):
                formatter.write_dl([(name, command.get_short_help_str(limit))
                                    for name, command in commands])

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:  # the group's own options
            raise Problem(error.format_message()) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:  # a command's options and arguments
            raise Problem(error.format_message()) from None
        except BrokenPipeError:
            # click would answer a closed pipe with exit 1, the code of a batch
            # with rejected rows; PipeClosed passes through it to main.
            raise PipeClosed from None
        except KeyboardInterrupt:
            raise Stopped from None
        except OSError as error:
            # The last word on what no handler nearer the cause named (too many open
            # files while importing, say): one line, never a traceback.
            raise Problem(streams.os_error_line(error)) from None


@dataclass
class Settings:
    """What the group passes to its commands."""

    standards_path: Path | None
    loaded: LoadedStandards | None = None

    def standards(self) -> LoadedStandards:
        """The table, loaded once; a bad file becomes exit 2 with its problems."""
        if self.loaded is None:
            try:
                self.loaded = load_standards(self.standards_path)
            except StandardsFileError as error:
                raise StandardsProblem(error.problems) from None
        return self.loaded


def output_options(command: F) -> F:
    """``--format`` and ``--lang``, shared by every command."""
    command = click.option(
        "--lang", type=click.Choice([lang.value for lang in Lang]), default=None,
    )(command)
    return click.option(
        "--format", "fmt", type=click.Choice([fmt.value for fmt in Format]),
        default=Format.TABLE.value,
    )(command)


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


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    settings = Settings(ctx.params.get("standards_path"))
    loaded = settings.standards()
    document = loaded.table.document(loaded.table.retroactive_raise.document)
    line = (f"welfare-calc {__version__} (standards: {document.number}, {loaded.source}, "
            f"sha256 {loaded.digest})")
    showable(line, err=False)
    click.echo(line)
    ctx.exit(0)


def emit(report: Report, fmt: str, lang: str | None, explanation: str | None = None) -> None:
    """Write a report to stdout; an explanation goes where it cannot corrupt data.

    Table: after the table. JSON: under the ``explanation`` key. CSV: to
    stderr, so the CSV on stdout stays parseable.
    """
    from welfare_calc.render import Report, render  # noqa: PLC0415 - see the imports

    chosen = Format(fmt)
    language = Lang(lang) if lang else chosen_lang()
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
    showable(text, err=False)
    showable(aside, err=True)
    try:
        streams.write_stdout(text)
    except TargetError as error:
        raise UsageProblem(str(error)) from None
    if aside:
        click.echo(aside, err=True, nl=False)


def stream_encoding(*, err: bool) -> str:
    """The encoding of stdout or stderr: GBK (cp936) on a Chinese Windows console
    redirected to a file, or where ``PYTHONIOENCODING=gbk``; UTF-8 elsewhere."""
    return getattr(sys.stderr if err else sys.stdout, "encoding", None) or "utf-8"


def showable(text: str, *, err: bool) -> None:
    """Refuse, before anything is printed, text the stream's encoding cannot hold.

    Our own words encode in GBK (``tests/test_cli.py`` holds every command
    to it); this catches text from elsewhere, such as the notes of a
    standards file, which would otherwise stop the output halfway with a
    traceback.
    """
    encoding = stream_encoding(err=err)
    try:
        text.encode(encoding)
    except UnicodeEncodeError as error:
        char = error.object[error.start]
        raise UsageProblem(
            f"the output holds the character U+{ord(char):04X}, which this console's encoding "
            f"({encoding}) cannot show; nothing was printed. Use --format json, or set "
            "PYTHONIOENCODING=utf-8 (in cmd.exe, first run: chcp 65001)") from None


def json_for(text: str, encoding: str) -> str:
    """JSON text with every character ``encoding`` cannot hold written as a JSON escape.

    ``\\u2212`` is the same JSON value as the character itself, so a script
    gets the same data on any console.
    """
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        import json  # noqa: PLC0415 - only for the rare text that needs it

        def escaped(char: str) -> str:
            try:
                char.encode(encoding)
            except UnicodeEncodeError:
                return json.dumps(char)[1:-1]
            return char

        return "".join(escaped(char) for char in text)
    return text


@click.group(name="welfare-calc", cls=WelfareCalc,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--standards", "standards_path", envvar=ENV_VAR, is_eager=True,
              type=click.Path(dir_okay=False, path_type=Path))
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_version)
@click.pass_context
def cli(ctx: click.Context, standards_path: Path | None) -> None:
    """低保、特困供养待遇及提标增补计算 (周政办字〔2020〕29号).

    Dibao and tekun entitlements and back-pay for the Zhoucun 2020 standards,
    exact to the fen. Run a command with --help for its options.
    """
    ctx.obj = Settings(standards_path)


@cli.command()
@click.option("--on", "on", type=DateType(), default=None)
@output_options
@click.pass_obj
def standards(settings: Settings, on: date | None, fmt: str, lang: str | None) -> None:
    """Show the standards table: values, units, monthly figures, documents."""
    from welfare_calc.reports import standards_report  # noqa: PLC0415 - see the imports

    table = settings.standards().table
    if on is not None and Month.of(on) > table.covers_through:
        raise click.BadParameter(
            f"{on} is after {table.covers_through}, the last month the table covers",
            param_hint="'--on'")
    emit(standards_report(table, on, for_people=Format(fmt) is Format.TABLE), fmt, lang)


rounding_option = click.option(
    "--rounding", type=click.Choice([point.value for point in RoundingPoint]), default=None)
"""Where amounts are rounded, for one call (docs/rules.md rule 5)."""


def rounded_table(settings: Settings, rounding: str | None) -> StandardsTable:
    """The table, with ``--rounding`` put in place of the file's rounding point."""
    table = settings.standards().table
    return table.rounded_at(RoundingPoint(rounding) if rounding else None)


def household_options(command: F) -> F:
    """The options that describe a household, shared by entitlement and backpay."""
    for decorator in reversed([
        click.option("--category", "-c", required=True, type=CategoryType()),
        click.option("--persons", "-n", required=True, type=PersonsType()),
        click.option("--income", type=MoneyType(), default="0"),
        click.option("--start", type=MonthType(), default=None),
        click.option("--end", type=MonthType(), default=None),
        click.option("--supplement", type=SupplementType(), default=None),
        click.option("--explain", is_flag=True),
        rounding_option,
    ]):
        command = decorator(command)
    return command


_FIELDS = {"category": "'--category'", "persons": "'--persons'", "income": "'--income'",
           "start": "'--start' / '--end'", "paid": "'--paid'", "supplement": "'--supplement'"}


@cli.command()
@household_options
@click.option("--month", type=MonthType(), default=None)
@click.option("--year", type=click.IntRange(1, 9999), default=None)
@output_options
@click.pass_obj
def entitlement(settings: Settings, category: str, persons: int, income: Decimal,
                start: Month | None, end: Month | None, supplement: calc.Supplement | None,
                explain: bool, rounding: str | None, month: Month | None, year: int | None,
                fmt: str, lang: str | None) -> None:
    """Monthly and annual amount of one household, and whether it is eligible."""
    from welfare_calc.explain import explain_entitlement  # noqa: PLC0415 - see the imports
    from welfare_calc.reports import entitlement_report  # noqa: PLC0415

    table = rounded_table(settings, rounding)
    with as_bad_parameter({**_FIELDS, "month": "'--month' / '--year'"}):
        house = calc.household(table, category, persons, income, supplement)
        period = calc.coverage(start, end)
        if month is not None:
            chosen = month
        elif year is not None:  # the monthly amount of the year asked for
            chosen = calc.first_covered_month(table, house.category, year, period)
        else:
            chosen = start or calc.first_month(table, house.category)
        if not period.covers(chosen):
            raise click.BadParameter(f"{chosen} is outside the coverage given by --start/--end",
                                     param_hint="'--month'")
        monthly = calc.monthly_amount(table, house, chosen)
        annual = calc.annual_amount(table, house, year or chosen.year, period)
        newly = calc.newly_eligible(table, house)
        raised = calc.raise_standards(table, house.category) if newly else None
    language = Lang(lang) if lang else chosen_lang()
    emit(entitlement_report(monthly, annual, newly_eligible=newly,
                            for_people=Format(fmt) is Format.TABLE), fmt, lang,
         explain_entitlement(monthly, annual, language, raised) if explain else None)


@cli.command()
@household_options
@click.option("--through", required=True, type=MonthType())
@click.option("--paid", type=MoneyType(), default=None)
@click.option("--detail", is_flag=True)
@output_options
@click.pass_obj
def backpay(settings: Settings, category: str, persons: int, income: Decimal,
            start: Month | None, end: Month | None, supplement: calc.Supplement | None,
            explain: bool, rounding: str | None, through: Month, paid: Decimal | None,
            detail: bool, fmt: str, lang: str | None) -> None:
    """Back-pay (提标增补) owed for months paid at the old standard."""
    from welfare_calc.explain import explain_backpay  # noqa: PLC0415 - see the imports
    from welfare_calc.reports import backpay_report  # noqa: PLC0415

    table = rounded_table(settings, rounding)
    with as_bad_parameter({**_FIELDS, "month": "'--through'", "through": "'--through'"}):
        house = calc.household(table, category, persons, income, supplement)
        result = calc.backpay(table, house, through, calc.coverage(start, end), paid)
    language = Lang(lang) if lang else chosen_lang()
    emit(backpay_report(result, detail=detail, for_people=Format(fmt) is Format.TABLE), fmt,
         lang, explain_backpay(result, language) if explain else None)


class Progress:
    """Rows (lines) done, rows/s and ETA on stderr, at most four times a second."""

    def __init__(self, total_bytes: int) -> None:
        self.total = max(total_bytes, 1)
        self.started = time.monotonic()
        self.shown = 0.0

    def __call__(self, lines: int, done_bytes: int) -> None:
        now = time.monotonic()
        if now - self.shown < 0.25:
            return
        self.shown = now
        elapsed = max(now - self.started, 1e-9)
        rate = lines / elapsed
        left = elapsed * (self.total - done_bytes) / max(done_bytes, 1)
        click.echo(f"\r{lines:,} rows  {rate:,.0f} rows/s  {100 * done_bytes // self.total}%  "
                   f"ETA {left:,.0f} s ", err=True, nl=False)

    def writing(self, rows: int) -> None:
        """Rows written into a workbook so far."""
        now = time.monotonic()
        if now - self.shown >= 0.25:
            self.shown = now
            click.echo(f"\rworkbook: {rows:,} rows written ", err=True, nl=False)

    def close(self) -> None:
        """End the progress line."""
        click.echo("", err=True)


class EncodingType(click.ParamType[str, Any]):
    """A text encoding Python knows (utf-8, gbk, gb18030, …); ``reading``: one the batch reads."""

    name = "ENC"

    def __init__(self, *, reading: bool) -> None:
        self.reading = reading

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from welfare_calc.batch.encodings import (  # noqa: PLC0415 - see the imports
            input_encoding,
            text_encoding,
        )

        try:
            return input_encoding(str(value)) if self.reading else text_encoding(str(value))
        except EncodingProblem as problem:
            self.fail(str(problem), param, ctx)


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False,
                                                               allow_dash=True, path_type=Path))
@click.option("--through", required=True, type=MonthType())
@click.option("-o", "--output", default="-")
@click.option("--errors", "errors_path", default=None)
@click.option("--summary", "summary_path", default=None)
@click.option("--encoding", type=EncodingType(reading=True), default="utf-8")
@click.option("--output-encoding", type=EncodingType(reading=False), default="utf-8")
@click.option("--excel", is_flag=True)
@click.option("--headers", type=click.Choice(["en", "zh"]), default="en")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv")
@click.option("--sheet", default=None)
@click.option("--header-row", type=click.IntRange(min=1), default=None)
@click.option("--column", "columns", multiple=True, metavar="KEY=HEADER")
@rounding_option
@click.pass_obj
def batch(settings: Settings, input_path: Path, through: Month, output: str,
          errors_path: str | None, summary_path: str | None, encoding: str,
          output_encoding: str, excel: bool, headers: str, fmt: str, sheet: str | None,
          header_row: int | None, columns: tuple[str, ...], rounding: str | None) -> None:
    """Back-pay for every household of a CSV file (提标增补批量计算).

    Columns: id, category, persons, income, start, end, and optionally paid
    (the amount actually paid for the window). Exit 0 when every row was
    accepted, 1 when some were rejected (the rest are written), 2 when the
    input is unusable (nothing is written).
    """
    from welfare_calc.batch.plan import BackpayPlan  # noqa: PLC0415 - see the imports
    from welfare_calc.batch.reading import Records  # noqa: PLC0415
    from welfare_calc.batch.run import BatchOptions, run_batch  # noqa: PLC0415
    from welfare_calc.batch.sheet_reading import is_workbook, sheet_records  # noqa: PLC0415

    workbook = str(input_path) != "-" and is_workbook(input_path)
    mapping = _column_choices(columns)
    for given, option in ((sheet, "--sheet"), (header_row, "--header-row")):
        if given is not None and not workbook:
            raise UsageProblem(f"{option} is for a workbook INPUT (.xlsx, .xls); "
                               f"{input_path} is read as CSV")
    to_workbook = output != "-" and output.lower().endswith(".xlsx")
    if to_workbook and fmt == "jsonl":
        raise UsageProblem(f"--format jsonl cannot be written to {output}, a workbook; "
                           "give a .jsonl file, or leave --format out")
    loaded = settings.standards()
    table = rounded_table(settings, rounding)
    with as_bad_parameter({"month": "'--through'", "through": "'--through'"}):
        plan = BackpayPlan(table, through)
    reading_stdin = str(input_path) == "-"
    files, errors_label = _batch_files(None if reading_stdin else input_path, output,
                                       errors_path, summary_path, workbook=to_workbook)
    try:
        if reading_stdin:
            streams.check_open("stdin")
        if "stdout" in (files.output, files.errors, files.summary):
            streams.check_open("stdout")
    except TargetError as error:
        raise UsageProblem(str(error)) from None
    document = table.document(table.retroactive_raise.document)
    about = (("输入文件", "input", str(input_path)),
             ("标准文件", "standards document", f"{document.number}《{document.title}》"),
             ("标准表", "standards table", f"{loaded.source} (sha256 {loaded.digest})"),
             ("程序版本", "program", f"welfare-calc {__version__}"))
    options = BatchOptions(encoding=encoding, output_encoding=output_encoding, excel=excel,
                           headers="zh" if headers == "zh" else "en",
                           fmt="xlsx" if to_workbook else "jsonl" if fmt == "jsonl" else "csv",
                           columns=mapping, about=about)
    if to_workbook and not workbook and not reading_stdin:
        _fits_a_sheet(input_path)
    source: BinaryIO
    with (sys.stdin.buffer if reading_stdin else input_path.open("rb")) as source:
        progress = None
        try:
            # A CSV file's header is read by the run, under its locks.
            records: Records | BinaryIO = (
                sheet_records(input_path, sheet, header_row, mapping) if workbook else source)
            size = (records.size if isinstance(records, Records) else
                    0 if reading_stdin else input_path.stat().st_size)
            if sys.stderr.isatty() and size:
                progress = Progress(size)
            summary = run_batch(table, plan, records, files, options, progress,
                                writing=progress.writing if progress and to_workbook else None)
        except UnusableInput as error:
            raise UsageProblem(f"{input_path}: {error}") from None
        except (TargetError, TargetProblem) as error:
            raise UsageProblem(str(error)) from None
        except Interrupted:
            raise Stopped from None
        finally:
            if progress is not None:
                progress.close()
    click.echo(summary.as_text(), err=True)
    if summary.rows_rejected:
        raise BatchRejected(f"{summary.rows_rejected} row(s) rejected; see {errors_label}")


def _column_choices(given: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``--column KEY=HEADER`` options as (key, header) pairs, each key once."""
    from welfare_calc.batch.rows import OPTIONAL, REQUIRED  # noqa: PLC0415 - see the imports

    known = (*REQUIRED, *OPTIONAL)
    choices: dict[str, str] = {}
    for text in given:
        key, equals, header = text.partition("=")
        key = key.strip().lower()
        if not equals or not header.strip():
            raise UsageProblem(f"--column {text!r}: write KEY=HEADER, e.g. --column id=身份证号")
        if key not in known:
            raise UsageProblem(f"--column {text!r}: {key!r} is not a column the batch reads; "
                               f"one of {', '.join(known)}")
        if key in choices:
            raise UsageProblem(f"--column {key} is given twice ({choices[key]!r} and "
                               f"{header.strip()!r})")
        choices[key] = header.strip()
    return tuple(choices.items())


def _fits_a_sheet(source: Path) -> None:
    """Refuse, before any work, a CSV roster with more rows than a workbook's sheet holds.

    Only a regular file is counted ahead: a pipe or a device (``/dev/zero``) could
    be read for ever, and is refused by the sheet itself as its rows come.
    """
    import stat  # noqa: PLC0415

    from welfare_calc.batch.workbook_writing import SHEET_ROWS  # noqa: PLC0415

    try:
        if not stat.S_ISREG(source.stat().st_mode):
            return
    except OSError:
        return  # the run says what is wrong with it
    lines = 0
    with source.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            if lines > SHEET_ROWS:
                raise UsageProblem(
                    f"{source} has more than {SHEET_ROWS - 1:,} rows, more than an Excel "
                    "sheet holds; write CSV instead (-o result.csv)")


def _batch_files(source: Path | None, output: str, errors: str | None,
                 summary: str | None, *, workbook: bool = False) -> tuple[BatchFiles, str]:
    """The run's files as named, checked: none is the input, no two are one file.

    Also the errors file's name as the user would write it, for messages. A
    workbook keeps its rejected rows on a sheet, and so has no errors file
    unless one is named.
    """
    from welfare_calc.batch.run import BatchFiles  # noqa: PLC0415 - see the imports
    from welfare_calc.batch.targets import Named, check_distinct, resolve  # noqa: PLC0415

    try:
        named = [resolve("--output", output)]
        if errors is not None:
            named.append(resolve("--errors", errors))
        elif output != "-" and not workbook:
            named.append(resolve("--errors", output + ".errors.csv"))
        if summary is not None:
            named.append(resolve("--summary", summary))
        check_distinct(source, named)
    except TargetProblem as problem:
        raise UsageProblem(str(problem)) from None
    where: dict[str, Named] = {item.option: item for item in named}
    errors_named = where.get("--errors")
    files = BatchFiles(output=where["--output"].destination,
                       errors=errors_named.destination if errors_named else None,
                       summary=where["--summary"].destination if "--summary" in where else None,
                       workbook=workbook)
    label = "stderr" if errors_named is None else (
        "stdout" if errors_named.given == "-" else errors_named.given)
    if workbook and errors is None:
        label = f"sheet 问题行 of {output}"
    return files, label


def main() -> NoReturn:
    """Console entry point: run the CLI, staying quiet when a pipe closes early."""
    streams.stand_in_for_missing()
    try:
        cli.main(prog_name="welfare-calc")
    except (BrokenPipeError, PipeClosed):
        # `welfare-calc … | head`: the reader left; say nothing more (csvkit does the same).
        streams.quiet_stdout()
        sys.exit(PIPE_CLOSED)
    sys.exit(0)

