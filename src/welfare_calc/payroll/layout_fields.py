"""What a bank file's line and its summary line may hold (issue 30 §3): the names a
layout file gives them, for :mod:`~welfare_calc.payroll.layouts` and its validator
:mod:`~welfare_calc.payroll.layout_spec` alike."""

from __future__ import annotations

from enum import StrEnum


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
