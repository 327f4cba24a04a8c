"""A bank file's layout as data (issue 30 §3): which fields a payment's line holds and in
what order, the delimiter, the encoding, a header row or not, and where a summary line
goes and what it holds.

No public format was found, and formats differ by bank and county (docs/bank.md), so
a layout is a small YAML file, checked with pydantic (:mod:`~welfare_calc.payroll.
layout_spec`, imported only to check a file), never code. Two are shipped
in ``welfare_calc/payroll/layouts/``: ``csv`` (UTF-8 with a BOM, a header row, a 合计
line last) and ``pipe`` (a summary line first, then ``|``-separated lines in GBK).
``--bank-layout NAME|FILE.yaml`` chooses one (:func:`resolve_layout`); a file that does
not validate is one line naming the file and the place (:class:`BadLayout`, exit 2).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from welfare_calc.core.errors import BadOption
from welfare_calc.core.words import _, alternatives, listed
from welfare_calc.payroll.layout_fields import Field, Total

__all__ = ["REASON", "RESULT", "SHIPPED", "BadLayout", "Field", "Layout", "Summary", "Total",
           "parse_layout", "resolve_layout", "shipped"]


@dataclass(frozen=True)
class Summary:
    """The summary line: ``at`` the first or last line of the file, its ``label`` (合计)
    first when given, then what it ``holds``, in order."""

    at: Literal["first", "last"]
    label: str | None = None
    holds: tuple[Total, ...] = ()


@dataclass(frozen=True)
class Layout:
    """One bank's file, as its YAML file describes it (checked by
    :mod:`~welfare_calc.payroll.layout_spec`)."""

    name: str
    encoding: str
    delimiter: str
    header: bool
    excel: bool = False
    """Whether the file is opened in a spreadsheet: ids and accounts then carry the mark
    that keeps them text (:func:`welfare_calc.output.text.kept_as_text`), and a name that
    starts like a formula is neutralised. A bank's program reads the fields as they are."""
    columns: tuple[Field, ...] = ()
    summary: Summary | None = None
    date_format: str = "%Y%m%d"
    line_end: Literal["crlf", "lf"] = "crlf"

    @property
    def newline(self) -> str:
        """The line end written."""
        return "\r\n" if self.line_end == "crlf" else "\n"

    @property
    def return_columns(self) -> tuple[str, ...]:
        """The columns of the bank's return of a file in this layout: the sent file's, then
        处理结果 and 失败原因 (issue 30 §4)."""
        return (*(field.value for field in self.columns), RESULT, REASON)


RESULT = "处理结果"
REASON = "失败原因"
SHIPPED = ("csv", "pipe")
"""The layouts shipped with the package, by name."""


class BadLayout(BadOption):
    """A layout that cannot be used: its name unknown, its file unreadable or invalid."""


def shipped(name: str) -> Layout:
    """A layout shipped with the package: read as it is written, not validated (its file is
    the package's own, which ``tests/test_bank.py`` holds to the validator), so that a
    payroll with a bank file does not import pydantic and build its models: a twentieth
    of a second of a million rows' run."""
    text = resources.files("welfare_calc.payroll").joinpath("layouts", f"{name}.yaml").read_text(
        encoding="utf-8")
    data = yaml.safe_load(text)
    summary = data.get("summary")
    return Layout(**{**data, "columns": tuple(map(Field, data["columns"])),
                     "summary": None if summary is None else Summary(**{
                         **summary, "holds": tuple(map(Total, summary["holds"]))})})


def resolve_layout(given: str) -> Layout:
    """``--bank-layout NAME|FILE.yaml``: a shipped layout by name, or a layout file.

    :class:`BadLayout` (one line, naming the file) for an unknown name or a file that is
    unreadable or does not validate."""
    if given in SHIPPED:
        return shipped(given)
    if not given.lower().endswith((".yaml", ".yml")):
        raise BadLayout(_("--bank-layout {given}: give {names}, or a layout file (.yaml)").format(
            given=given, names=alternatives(SHIPPED)))
    path = Path(given)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadLayout(_("--bank-layout {given}: no such file").format(given=given)) from None
    except UnicodeDecodeError:
        raise BadLayout(_("--bank-layout {given}: a layout file is UTF-8 text").format(
            given=given)) from None
    except OSError as error:
        raise BadLayout(_("--bank-layout {given}: cannot read it ({reason})").format(
            given=given, reason=error.strerror or error)) from None
    return parse_layout(text, given)


def parse_layout(text: str, source: str) -> Layout:
    """A layout from its YAML text; ``source`` names it in the one-line :class:`BadLayout`."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise BadLayout(_("{source}:{line}: not a valid layout file (YAML): {problem}").format(
            source=source, line=line, problem=getattr(error, "problem", None) or error)
            ) from None
    if not isinstance(data, dict):
        raise BadLayout(_("{source}: a layout file holds keys and values (name:, encoding:, "
                          "delimiter:, header:, columns:, summary:)").format(source=source))
    import pydantic  # noqa: PLC0415 - a layout file's, validated

    from welfare_calc.payroll.layout_spec import LayoutSpec  # noqa: PLC0415

    try:
        spec = LayoutSpec.model_validate(data)
    except pydantic.ValidationError as invalid:
        first = invalid.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise BadLayout(_("{source}: {where}: {problem}").format(
            source=source, where=where, problem=_explain(first))) from None
    summary = spec.summary
    return Layout(name=spec.name, encoding=spec.encoding, delimiter=spec.delimiter,
                  header=spec.header, excel=spec.excel, columns=spec.columns,
                  summary=None if summary is None else Summary(
                      at=summary.at, label=summary.label, holds=summary.holds),
                  date_format=spec.date_format, line_end=spec.line_end)


def _explain(error: Any) -> str:
    """One pydantic error in the clerk's words (the standards file's words where they fit)."""
    from welfare_calc.standards.yaml_file import KINDS  # noqa: PLC0415 - its words only

    kind = error["type"]
    given = error.get("input")
    shown = repr(given) if isinstance(given, str) else str(given)
    if kind == "extra_forbidden":
        return _("unknown key; expected one of: {allowed}").format(
            allowed=listed([field.name for owner in (Layout, Summary)
                            for field in dataclasses.fields(owner)]))
    if kind == "missing":
        return _("missing; write a value here")
    if kind in ("enum", "literal_error"):
        expected = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        return _("got {given}; expected {choices}").format(
            given=shown, choices=alternatives(repr(choice) for choice in expected))
    if kind in {"bool_type", "bool_parsing"}:
        return _("expected true or false, got {given}").format(given=shown)
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in KINDS:
        return _(KINDS[kind]).format(given=shown, limit="")
    return _("not accepted: {reason}").format(reason=error["msg"])
