"""A bank file's layout as data (issue 30 §3): which fields a payment's line holds and in
what order, the delimiter, the encoding, a header row or not, and where a summary line
goes and what it holds.

No public format was found, and formats differ by bank and county (docs/bank.md), so
a layout is a small YAML file, checked here with pydantic, never code. Two are shipped
in ``welfare_calc/payroll/layouts/``: ``csv`` (UTF-8 with a BOM, a header row, a 合计
line last) and ``pipe`` (a summary line first, then ``|``-separated lines in GBK).
``--bank-layout NAME|FILE.yaml`` chooses one (:func:`resolve_layout`); a file that does
not validate is one line naming the file and the place (:class:`BadLayout`, exit 2).
"""

from __future__ import annotations

import re
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from welfare_calc.batch.input.encodings import ascii_compatible, text_encoding
from welfare_calc.core.errors import BadOption, EncodingProblem
from welfare_calc.core.words import _, alternatives, listed


class Field(StrEnum):
    """A field of a payment's line, named as the bank file's header names it."""

    SEQ = "序号"
    NAME = "姓名"
    ID = "身份证号"
    ACCOUNT = "账号"
    AMOUNT = "金额"
    BATCH = "批次号"
    KEY = "键"


class Total(StrEnum):
    """What a summary line may hold."""

    DATE = "日期"
    OFFICE = "单位"
    COUNT = "笔数"
    TOTAL = "总金额"
    BATCH = "批次号"


class Summary(BaseModel):
    """The summary line: ``at`` the first or last line of the file, its ``label`` (合计)
    first when given, then what it ``holds``, in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: Literal["first", "last"]
    label: str | None = None
    holds: tuple[Total, ...]

    @field_validator("holds")
    @classmethod
    def _counted_and_summed(cls, holds: tuple[Total, ...]) -> tuple[Total, ...]:
        # A bank checks a file's lines against its count and total (docs/bank.md):
        # a summary without them checks nothing.
        if Total.COUNT not in holds or Total.TOTAL not in holds:
            raise ValueError(_("a summary line holds 笔数 and 总金额 at least"))
        if len(set(holds)) != len(holds):
            raise ValueError(_("a summary line names each thing once"))
        return holds


class Layout(BaseModel):
    """One bank's file, as its YAML file describes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    encoding: str
    delimiter: str
    header: bool
    excel: bool = False
    """Whether the file is opened in a spreadsheet: ids and accounts then carry the mark
    that keeps them text (:func:`welfare_calc.output.text.kept_as_text`), and a name that
    starts like a formula is neutralised. A bank's program reads the fields as they are."""
    columns: tuple[Field, ...]
    summary: Summary | None = None
    date_format: str = "%Y%m%d"
    line_end: Literal["crlf", "lf"] = "crlf"

    @field_validator("encoding")
    @classmethod
    def _text_encoding(cls, encoding: str) -> str:
        try:
            codec = text_encoding(encoding)
        except EncodingProblem as error:
            raise ValueError(str(error)) from None
        if not ascii_compatible(codec):
            raise ValueError(_("{name}: a bank file is written in an encoding that writes ASCII "
                               "as itself (utf-8, utf-8-sig, gbk, gb18030)").format(
                                   name=repr(encoding)))
        return encoding

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, delimiter: str) -> str:
        if len(delimiter) != 1 or delimiter in "\r\n\"0123456789.-:":
            raise ValueError(_("the delimiter is one character that no field holds, such as "
                               "\",\" or \"|\"; got {given}").format(given=repr(delimiter)))
        return delimiter

    @field_validator("columns")
    @classmethod
    def _keyed_and_paid(cls, columns: tuple[Field, ...]) -> tuple[Field, ...]:
        # The key makes a payment sent twice recognisable (issue 30 §3); the amount is
        # what is sent. A layout without either cannot be reconciled.
        missing = [field.value for field in (Field.KEY, Field.AMOUNT, Field.ACCOUNT)
                   if field not in columns]
        if missing:
            raise ValueError(_("the columns must include {missing}").format(
                missing=listed(missing)))
        if len(set(columns)) != len(columns):
            raise ValueError(_("the columns name each field once"))
        return columns

    @model_validator(mode="after")
    def _summary_apart(self) -> Layout:
        # A summary line of the csv layout must never be read as a payment: its label is
        # what tells it apart when it is not first.
        if self.summary is not None and self.summary.at == "last" and not self.summary.label:
            raise ValueError(_("a summary line at the end of the file starts with a label, "
                               "such as 合计"))
        return self

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
    """A layout shipped with the package."""
    text = resources.files("welfare_calc.payroll").joinpath("layouts", f"{name}.yaml").read_text(
        encoding="utf-8")
    return parse_layout(text, f"{name}.yaml")


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
    try:
        return Layout.model_validate(data)
    except pydantic.ValidationError as invalid:
        first = invalid.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise BadLayout(_("{source}: {where}: {problem}").format(
            source=source, where=where, problem=_explain(first))) from None


def _explain(error: Any) -> str:
    """One pydantic error in the clerk's words (the standards file's words where they fit)."""
    from welfare_calc.standards.yaml_file import KINDS  # noqa: PLC0415 - its words only

    kind = error["type"]
    given = error.get("input")
    shown = repr(given) if isinstance(given, str) else str(given)
    if kind == "extra_forbidden":
        return _("unknown key; expected one of: {allowed}").format(
            allowed=listed([*Layout.model_fields, *Summary.model_fields]))
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
