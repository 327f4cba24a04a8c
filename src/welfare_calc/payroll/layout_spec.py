"""A bank file's layout file checked (issue 30 §3): pydantic's models of what
:mod:`~welfare_calc.payroll.layouts` holds as plain values, each field's rule with it.

Imported only to check a layout file (``--bank-layout FILE.yaml``,
:func:`~welfare_calc.payroll.layouts.parse_layout`, which makes the plain layout of what
it accepts): pydantic and its models cost a payroll's start a twentieth of a second, and
the shipped layouts are read as written.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from welfare_calc.batch.input.encodings import ascii_compatible, text_encoding
from welfare_calc.core.errors import EncodingProblem
from welfare_calc.core.words import _, listed
from welfare_calc.payroll.layout_fields import Field, Total


class SummarySpec(BaseModel):
    """The summary line (:class:`~welfare_calc.payroll.layouts.Summary`), checked."""

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


class LayoutSpec(BaseModel):
    """One bank's file, as its YAML file describes it (:class:`~welfare_calc.payroll.
    layouts.Layout`, checked)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    encoding: str
    delimiter: str
    header: bool
    excel: bool = False
    columns: tuple[Field, ...]
    summary: SummarySpec | None = None
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
    def _summary_apart(self) -> LayoutSpec:
        # A summary line of the csv layout must never be read as a payment: its label is
        # what tells it apart when it is not first.
        if self.summary is not None and self.summary.at == "last" and not self.summary.label:
            raise ValueError(_("a summary line at the end of the file starts with a label, "
                               "such as 合计"))
        return self
