"""The clerks' page: one household, its printable 计算单, a roster, the standards, a JSON API.

One more front end of the same core, holding no rule of its own: a form's
fields are read by the core's readers (:func:`welfare_calc.core.fields.read_call`),
the figures and the written-out calculation are made by the same calls as
the command line's (:mod:`welfare_calc.output.calls`), and a roster is run by
the command line itself, in a child process, so that its files are the same
bytes ``welfare-calc batch`` writes and a long roster never holds up another
clerk's single household. Who may ask is :mod:`welfare_calc.web.guard`'s.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from welfare_calc import __version__
from welfare_calc.batch.write.documents import SEAL, SHEET_SIGN_OFF
from welfare_calc.core import fields
from welfare_calc.core.errors import WelfareCalcError, os_reason
from welfare_calc.core.money import RoundingPoint
from welfare_calc.core.table import CareTier, Document, StandardsTable
from welfare_calc.core.timeline import choose_raise
from welfare_calc.core.words import N_, _, listed
from welfare_calc.output import case
from welfare_calc.output.calls import backpay_call, entitlement_call
from welfare_calc.output.case import Case
from welfare_calc.output.formats import LANG_VAR, Format, Lang
from welfare_calc.output.language import spoken
from welfare_calc.output.render import Cell, Report, label, render, table_cell
from welfare_calc.output.reports import standards_report
from welfare_calc.standards.loader import LoadedStandards
from welfare_calc.web.children import Children, Stopping
from welfare_calc.web.folders import Place, remove_folder
from welfare_calc.web.guard import Access, Guard, TooLarge, clipped, too_large
from welfare_calc.web.results import (
    Download,
    Rejected,
    Results,
    read_rejected,
    read_summary,
    remove,
    run_summary,
)

STORED = "roster{suffix}"
"""The name an upload is stored under, whatever the clerk's file is called: a name the
clerk chose may be too long for the disk, hold a NUL, or start with ``-`` and be read
as an option."""
FORM_FIELDS = ("category", "persons", "income", "start", "end", "supplement", "care",
               "through", "raise", "paid", "month", "rounding")
"""The form's fields, named as the command line's options."""
CASE_FIELDS = case.FIELDS
"""The 计算单's head (户主姓名, 身份证号, 属地; ``backpay --explain --name/--id/--locality``):
read here, printed, never a household's field (:mod:`welfare_calc.output.case`)."""
ROSTER_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")
WORDS: dict[str, tuple[str, str]] = {
    "title": ("低保、特困供养待遇计算", "Dibao and tekun calculator"),
    "household": ("单户计算", "One household"),
    "roster": ("批量计算", "A roster"),
    "standards": ("标准表", "Standards"),
    "category": ("保障类别", "Category"),
    "persons": ("保障人数", "Persons covered"),
    "income": ("家庭月人均收入（元）", "Per-capita monthly income (yuan)"),
    "start": ("起始月份（YYYY-MM，可空）", "Coverage start (YYYY-MM, optional)"),
    "end": ("截止月份（YYYY-MM，可空）", "Coverage end (YYYY-MM, optional)"),
    "supplement": ("分类施保（50.00 或 20%，可空）", "Supplement (50.00 or 20%, optional)"),
    "care": ("护理等级（特困供养，可空：只计基本生活标准）",
             "Care tier (tekun; optional: the basic standard alone)"),
    "care_none": ("未给出", "not given"),
    "through": ("按原标准发放截至（YYYY-MM）", "Paid at old standards through (YYYY-MM)"),
    "raise": ("计算哪次提标的增补（起始月份 YYYY-MM，可空：截至月份前最近的一次）",
              "The raise, by its first month (YYYY-MM, optional: the latest by then)"),
    "paid": ("增补期间实际已发金额（元，可空）", "Amount actually paid (yuan, optional)"),
    "month": ("月保障金的月份（YYYY-MM，可空）", "Month of the monthly amount (optional)"),
    "rounding": ("舍入方式", "Rounding"),
    "rounding_default": ("按标准表", "as the table says"),
    "case": ("计算单抬头（可空；只打印在计算单上，不保存）",
             "Whose case (optional; printed on the sheet, never kept)"),
    "name": ("户主姓名", "Head of household"),
    "id": ("身份证号", "ID number"),
    "locality": ("属地（乡镇、村）", "Locality (town, village)"),
    "compute": ("计算", "Compute"),
    "print": ("打印计算单", "Print the 计算单"),
    "sheet": ("计算单", "Calculation sheet (计算单)"),
    "entitlement": ("月度及年度待遇", "Monthly and annual entitlement"),
    "backpay": ("提标增补", "Back-pay"),
    "months": ("逐月明细", "Month by month"),
    "explanation": ("计算过程", "The calculation"),
    "source": ("依据：{document}", "Source: {document}"),
    "answer.backpay": ("提标增补金额", "Back-pay"),
    "answer.backpay.note": ("{first}—{through}，本户覆盖 {months} 个月：按新标准应发 {due} 元，"
                            "已发 {paid} 元",
                            "{first}–{through}, {months} covered month(s): due {due}, "
                            "paid {paid}"),
    "answer.overpaid": ("多发金额", "Overpaid"),
    "answer.overpaid.note": ("已发超过应发，单独列出，不与增补冲抵",
                             "paid beyond what was due; reported apart, not netted"),
    "answer.monthly": ("{month} 月发放合计", "Paid for {month}"),
    "answer.ineligible": ("本月不符合条件", "not eligible that month"),
    "answer.annual": ("{year} 年度保障金", "Year {year}"),
    "answer.annual.note": ("覆盖 {months} 个月", "{months} covered month(s)"),
    "yuan": ("元", "yuan"),
    "seal": (SEAL, "(seal)"),
    "stamp": ("程序 welfare-calc {version}；标准表 SHA-256 {sha}",
              "welfare-calc {version}; standards table SHA-256 {sha}"),
    "file": ("花名册文件（CSV 或 Excel 工作簿）", "Roster file (CSV or Excel workbook)"),
    "office": ("制表单位（印在工作簿的文书上，可空）",
               "制表单位, the office (printed on the workbook's documents; optional)"),
    "group_by": ("分组列（如 乡镇（街道）；前 N 个字：列名:N；可空）",
                 "Group by column (e.g. 乡镇（街道）; its first N characters: column:N; "
                 "optional)"),
    "group_by_2": ("第二级分组列（如 村（社区），可空）",
                   "Second group column (e.g. 村（社区）; optional)"),
    "headers": ("计算列的语言", "Computed columns' language"),
    "output": ("结果文件", "Result file"),
    "run": ("上传并计算", "Upload and compute"),
    "working": ("正在计算，请稍候…", "Computing, please wait…"),
    "problem": ("出错了", "Something is wrong"),
    "result": ("计算结果：{name}", "Result: {name}"),
    "read": ("读取", "read"),
    "written": ("写出", "written"),
    "rejected": ("拒收", "rejected"),
    "rows": ("行", "rows"),
    "download": ("下载结果文件（{name}）", "Download the result ({name})"),
    "download_errors": ("下载问题行（CSV）", "Download the rejected rows (CSV)"),
    "kept": ("文件暂存在本机的临时文件夹中，{minutes} 分钟后或服务停止时删除。",
             "The files are kept in this PC's temporary folder for {minutes} minutes, or "
             "until the server stops."),
    "encoding": ("文件编码：{encoding}", "read as {encoding}"),
    "sheet_read": ("读取工作表：{sheet}", "sheet read: {sheet}"),
    "by_category": ("按类别汇总", "By category"),
    "by_group": ("按分组汇总", "By group"),
    "group": ("分组", "Group"),
    "households": ("户数", "Households"),
    "people": ("人数", "Persons"),
    "backpay_yuan": ("增补金额（元）", "Back-pay (yuan)"),
    "overpaid_yuan": ("多发金额（元）", "Overpaid (yuan)"),
    "newly": ("因提标新纳入（户）", "Newly eligible (households)"),
    "total": ("合计", "Total"),
    "rejected_rows": ("问题行：拒收 {count} 行，未写入结果", "Rejected rows: {count}, not written"),
    "rejected_where": ("全部拒收行见结果工作簿的“问题行”工作表。",
                       "Every rejected row is in the result workbook's 问题行 sheet."),
    "rejected_where_csv": ("全部拒收行见下载的问题行文件。",
                           "Every rejected row is in the rejected rows' file."),
    "rejected_first": ("此处列出前 {count} 行。", "The first {count} are listed here."),
    "line": ("行号", "Line"),
    "row_id": ("编号", "Id"),
    "reason": ("原因", "Reason"),
    "another": ("再算一份花名册", "Another roster"),
    "headers_auto": ("自动（随花名册表头）", "auto (as the roster's headers)"),
    "language": ("English", "中文"),
    "payroll": ("每月发放", "Monthly payroll"),
    "payroll_file": ("本月花名册（CSV 或 Excel 工作簿）", "This month's roster (CSV or Excel)"),
    "payroll_previous": ("上月花名册（可空；给出则生成变动名册）",
                         "Last month's roster (optional; for the change roster)"),
    "payroll_month": ("发放月份（YYYY-MM）", "The month paid (YYYY-MM)"),
    "payroll_office": ("制表单位（印在发放明细上；代发文件用 pipe 格式时必填）",
                       "制表单位, the office (printed; needed by the pipe bank layout)"),
    "bank_layout": ("代发文件格式", "Bank file layout"),
    "bank_csv": ("csv（表头、合计行）", "csv (a header, a 合计 line)"),
    "bank_pipe": ("pipe（竖线分隔，GBK）", "pipe ('|', GBK)"),
    "payroll_run": ("上传并生成", "Upload and make the month"),
    "payroll_result": ("{month} 发放结果：{name}", "{month}: {name}"),
    "listed": ("列入发放明细", "listed"),
    "not_listed": ("未列入（当月不在保障期内或无应发金额）",
                   "not listed (not covered, or nothing due)"),
    "households_unit": ("户", "households"),
    "payroll_total": ("合计", "Total"),
    "sent": ("其中发放", "of it sent"),
    "held": ("其中待核实账号（暂不发放）",
             "of it held back for the account (待核实账号)"),
    "bank_said": ("代发文件：{count} 笔，{total} 元（等于“其中发放”）",
                  "Bank file: {count} payments, {total} yuan (the amount sent)"),
    "changes_said": ("与上月相比：新增 {new} 户，停发 {stopped} 户，增发 {more} 户，"
                     "减发 {less} 户；合计增减 {net} 元",
                     "Against last month: 新增 {new}, 停发 {stopped}, 增发 {more}, 减发 {less}; "
                     "net {net} yuan"),
    "download_detail": ("下载发放明细（{name}）", "Download the 发放明细 ({name})"),
    "download_changes": ("下载变动名册（{name}）", "Download the change roster ({name})"),
    "download_bank": ("下载代发文件（{name}）", "Download the bank file ({name})"),
    "yuan_amount": ("金额（元）", "Amount (yuan)"),
}
"""The page's own words (figures' labels are the command line's)."""
VALUE_WORDS: dict[tuple[str, str], tuple[str, str]] = {
    ("unit", "yuan/person/month"): ("元/人·月", "yuan/person/month"),
    ("unit", "yuan/person/year"): ("元/人·年", "yuan/person/year"),
    ("rounding", "household-month"): ("按户按月舍入到分", "household-month"),
    ("rounding", "total"): ("合计后一次舍入到分", "total"),
    ("paid_source", "computed"): ("按原标准计算", "computed"),
    ("paid_source", "given"): ("按实际已发金额", "given"),
}
"""A report's ids as a person reads them on the page, by key and value (scripts read the
ids themselves, in the API's JSON; a category is read by its short Chinese name)."""


def word(key: str, lang: Lang) -> str:
    return lang.of(*WORDS[key])


@dataclass(frozen=True)
class Served:
    """What the page serves from: the standards, and how to run a roster."""

    loaded: LoadedStandards
    standards_path: Path | None
    """``--standards`` as given to ``serve`` (None: the shipped table), for the roster's
    child process."""
    max_upload: int
    timeout: float
    place: Place | None = None
    """The server's folder (:mod:`welfare_calc.web.folders`); None (in tests): a roster's
    private folder is made in the temporary folder."""
    children: Children = field(default_factory=lambda: Children(None))
    """The rosters' processes (:mod:`welfare_calc.web.children`)."""
    results: Results = field(default_factory=Results)
    """The rosters' results kept for their download links (:mod:`welfare_calc.web.results`)."""

    def roster_folder(self) -> Path:
        """A new private folder (0700) for one roster."""
        if self.place is not None:
            return self.place.roster_folder()
        return Path(tempfile.mkdtemp(prefix="welfare-calc-roster-"))


def _lang(request: Request) -> Lang:
    """The page's language: as the visitor chose it (``?lang=``, kept in a cookie), else
    the server's (its messages are in that one: :func:`~welfare_calc.output.language.spoken`)."""
    chosen = request.query_params.get("lang") or request.cookies.get("lang") or spoken().value
    return Lang.EN if chosen == "en" else Lang.ZH


class Household:
    """One household's call: its fields read by the core, its reports made by the calls
    the command line makes; every refusal kept with its field."""

    def __init__(self, served: Served, cells: Mapping[str, str], lang: Lang, *,
                 for_people: bool, explain: bool = True, detail: bool = True,
                 calls: tuple[str, ...] = ("entitlement", "backpay")) -> None:
        self.cells = {name: str(cells.get(name, "")) for name in FORM_FIELDS}
        self.errors: dict[str, str] = {}
        self.notes: list[str] = []
        """Why the month's entitlement is not shown, when no month was asked for."""
        self.entitlement: tuple[Report, str | None] | None = None
        self.backpay: tuple[Report, str | None] | None = None
        try:
            table = served.loaded.table.rounded_at(fields.read_rounding(self.cells["rounding"]))
        except WelfareCalcError as error:
            self.errors["rounding"] = error.message
            return
        read = fields.read_call(table, self.cells)
        if isinstance(read, list):
            for problem in read:
                self.errors.setdefault(problem.field, problem.message)
            return
        if "entitlement" in calls:
            try:
                self.entitlement = entitlement_call(
                    table, read.house, read.period, read.month, None, for_people=for_people,
                    explain=explain, lang=lang)
            except WelfareCalcError as error:
                if self.cells["month"].strip() or "backpay" not in calls or (
                        read.through is None):
                    field = error.field if error.field in FORM_FIELDS else "month"
                    self.errors[field] = error.message
                else:  # a month not asked for: the back-pay asked for still stands
                    self.notes.append(error.message)
        if "backpay" in calls and read.through is not None:
            try:
                raised = choose_raise(table, read.through, read.raised)
                self.backpay = backpay_call(
                    table, read.house, read.period, read.through, read.paid, raised=raised,
                    detail=detail, for_people=for_people, explain=explain, lang=lang)
            except WelfareCalcError as error:
                field = error.field if error.field in FORM_FIELDS else "through"
                self.errors[field if field != "month" else "through"] = error.message


def shown(key: str, value: Cell, lang: Lang, table: StandardsTable) -> str:
    """A report's value as a person reads it on the page: a category by its short name
    (城市低保), an id by its words (元/人·月, 按户按月舍入到分) in Chinese (:data:`VALUE_WORDS`);
    else as the command line's table shows it."""
    if lang is Lang.ZH and isinstance(value, str):
        if key == "category" and value in table.categories:
            return table.categories[value].short_zh
        if (key, value) in VALUE_WORDS:
            return lang.of(*VALUE_WORDS[key, value])
    return table_cell(value, lang)


@dataclass(frozen=True)
class Figure:
    """One figure of the answer, as the sheet leads with it."""

    title: str
    amount: str
    note: str = ""
    printed: bool = True


@dataclass(frozen=True)
class Part:
    """One call's figures and its written-out calculation."""

    title: str
    rows: list[tuple[str, str]]
    explanation: str
    printed: bool = True
    """Whether the printed sheet holds it: the month's entitlement is shown beside a
    back-pay, and printed only when its month was asked for."""


@dataclass(frozen=True)
class Sheet:
    """The 计算单: whose case, the answer asked for first, the back-pay's months under it,
    then each call's figures and calculation, the sign-off."""

    case: list[tuple[str, str, str]]
    documents: list[Document]
    inputs: list[tuple[str, str]]
    """The household and the call as the core read them: what the printed sheet shows in
    place of the figures' tables, whose other figures the calculation writes out."""
    answer: list[Figure]
    months: tuple[list[str], list[list[str]]] | None
    parts: list[Part]
    signers: tuple[str, ...] = SHEET_SIGN_OFF


ROSTER_TYPED: Mapping[str, Any] = {"through": "2020-08", "office": "", "group_by": ["", ""],
                                   "headers": "", "output": "xlsx"}
"""The roster form's fields as it first shows them."""
PAYROLL_TYPED: Mapping[str, Any] = {"month": "", "office": "", "group_by": "",
                                    "bank_layout": "csv"}
"""The payroll form's fields as it first shows them."""
SHEET_INPUTS = ("category_name", "persons", "income", "supplement", "start", "end", "through",
                "raise", "month", "rounding", "paid_source")
"""What the printed sheet says of the household and the call, in this order."""


def _document(table: StandardsTable, number: Cell) -> Document | None:
    return next((document for document in table.documents.values()
                 if document.number == number), None)


def make_sheet(call: Household, who: Case, lang: Lang, table: StandardsTable) -> Sheet | None:
    """The 计算单 of a call computed (None when nothing was): the back-pay first when it was
    asked for (``through``), else the month's amount. The month's amount beside a back-pay
    is printed only when its month was asked for: a back-pay's sheet is that back-pay's, and
    the month shown by default (the first covered, else 2020-01) may be years before it."""
    answer: list[Figure] = []
    parts: list[Part] = []
    documents: list[Document | None] = []
    months = None
    said: set[tuple[str, str]] = set()
    inputs: dict[str, tuple[str, str]] = {}

    def read(report: Report) -> None:
        for key, value in (report.summary or {}).items():
            if key in SHEET_INPUTS and key not in inputs:
                title = word("category", lang) if key == "category_name" else label(key, lang)
                inputs[key] = (title, shown(key, value, lang, table))

    def rows(report: Report) -> list[tuple[str, str]]:
        # (what the back-pay's figures said already, the household's inputs, is not said
        # again under the month's)
        made = [(label(key, lang), shown(key, value, lang, table))
                for key, value in (report.summary or {}).items()]
        kept = [row for row in made if row not in said]
        said.update(made)
        return kept

    if call.backpay is not None:
        report, explanation = call.backpay
        summary = report.summary or {}
        answer.append(Figure(word("answer.backpay", lang), str(summary["backpay"]),
                             word("answer.backpay.note", lang).format(
                                 first=summary["raise"], through=summary["through"],
                                 months=summary["months"], due=summary["due"],
                                 paid=summary["paid"])))
        if summary["overpaid"] != "0.00":
            answer.append(Figure(word("answer.overpaid", lang), str(summary["overpaid"]),
                                 word("answer.overpaid.note", lang)))
        if report.detail:
            keys = list(report.detail[0])
            months = ([label(key, lang) for key in keys],
                      [[shown(key, row[key], lang, table) for key in keys]
                       for row in report.detail])
        documents.append(_document(table, summary["document"]))
        read(report)
        parts.append(Part(word("backpay", lang), rows(report), explanation or ""))
    if call.entitlement is not None:
        report, explanation = call.entitlement
        summary = report.summary or {}
        asked = call.backpay is None or bool(call.cells["month"].strip())
        answer.append(Figure(word("answer.monthly", lang).format(month=summary["month"]),
                             str(summary["monthly"]),
                             "" if summary["eligible"] else word("answer.ineligible", lang),
                             printed=asked))
        answer.append(Figure(word("answer.annual", lang).format(year=summary["year"]),
                             str(summary["annual"]), word("answer.annual.note", lang).format(
                                 months=summary["months_covered"]), printed=asked))
        if asked:
            documents.append(_document(table, summary["document"]))
            read(report)
        parts.append(Part(word("entitlement", lang), rows(report), explanation or "",
                          printed=asked))
    if not parts:
        return None
    unique = [document for document in dict.fromkeys(documents) if document is not None]
    return Sheet(who.fields(lang), unique,
                 [inputs[key] for key in SHEET_INPUTS if key in inputs], answer, months, parts)


NOT_A_ROSTER = N_("{name}: upload a CSV file or an Excel workbook (.csv, .xlsx, .xls)")
"""What an upload that is no roster is told (the roster's and the payroll's forms)."""


def uploaded_name(filename: str) -> tuple[str, str]:
    """An uploaded file's suffix (lower case) and its name as messages and the result's
    name say it, cut short; the folders a browser may send with it dropped."""
    given = PurePath(filename.replace("\\", "/")).name
    suffix = PurePath(given).suffix.lower()
    return suffix, clipped(PurePath(given).stem, 60) + clipped(suffix, 8)


class Pages:
    """The routes; each answers with a page or JSON, never a traceback."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.templates = Environment(loader=PackageLoader("welfare_calc.web", "templates"),
                                     autoescape=select_autoescape(["html"]))

    def page(self, request: Request, name: str, lang: Lang, status: int = 200,
             **context: Any) -> HTMLResponse:
        loaded = self.served.loaded
        document = loaded.table.document(loaded.table.raises[-1].document)
        text = self.templates.get_template(name).render(
            w=lambda key: word(key, lang), lang=lang.value, other="en" if lang is Lang.ZH
            else "zh", version=__version__, sha256=loaded.sha256, document=document,
            path=request.url.path, **context)
        response = HTMLResponse(text, status_code=status)
        if "lang" in request.query_params:
            response.set_cookie("lang", lang.value, samesite="strict", httponly=True)
        return response

    def categories(self, lang: Lang) -> list[tuple[str, str]]:
        table = self.served.loaded.table
        # (the id is the option's value, which the form sends; a Chinese page shows the name)
        return [(key, category.short_zh if lang is Lang.ZH else f"{key} ({category.short_zh})")
                for key, category in table.categories.items()]

    def roundings(self, lang: Lang) -> list[tuple[str, str]]:
        return [(point.value, shown("rounding", point.value, lang, self.served.loaded.table))
                for point in RoundingPoint]

    @staticmethod
    def tiers(lang: Lang) -> list[tuple[str, str]]:
        """The care tiers a clerk chooses from (the form sends the tier's id)."""
        return [(tier.value, tier.name_zh if lang is Lang.ZH else f"{tier.value} ({tier.name_zh})")
                for tier in CareTier]

    async def household(self, request: Request) -> Response:
        lang = _lang(request)
        categories, roundings = self.categories(lang), self.roundings(lang)
        if request.method in ("GET", "HEAD"):
            return self.page(request, "household.html", lang, cells={"persons": "1",
                             "income": "0"}, errors={}, warnings={}, categories=categories,
                             roundings=roundings, tiers=self.tiers(lang))
        form = await request.form(max_files=0, max_fields=len(FORM_FIELDS) + len(CASE_FIELDS)
                                  + 4, max_part_size=4096)
        cells = {name: str(form.get(name) or "") for name in FORM_FIELDS}
        # Whose case: printed on the sheet, echoed in the form, never kept nor logged, and
        # never given to the core's reader of a household (output/case.py).
        typed = {name: str(form.get(name) or "") for name in CASE_FIELDS}
        who = Case.typed(typed["name"], typed["id"], typed["locality"])
        call = Household(self.served, cells, lang, for_people=True)
        warnings = {}
        if (problem := who.id_problem()) is not None:  # a typo, told; never a refusal
            warnings["id"] = _("{problem}; the sheet prints it as typed").format(
                problem=problem)
        sheet = None if call.errors else make_sheet(call, who, lang,
                                                    self.served.loaded.table)
        return self.page(request, "household.html", lang, status=400 if call.errors else 200,
                         cells={**call.cells, **typed}, errors=call.errors, warnings=warnings,
                         sheet=sheet, notes=call.notes, categories=categories,
                         roundings=roundings, tiers=self.tiers(lang))

    async def standards(self, request: Request) -> Response:
        lang = _lang(request)
        report = standards_report(self.served.loaded.table, None, for_people=True)
        keys = list(report.detail[0]) if report.detail else []
        return self.page(request, "standards.html", lang, header=[label(key, lang) for key
                                                                   in keys],
                         rows=[[shown(key, row[key], lang, self.served.loaded.table)
                                for key in keys] for row in report.detail])

    async def api(self, request: Request) -> Response:
        """``POST /api/backpay`` and ``/api/entitlement``: the form's fields as JSON, the
        JSON of ``--format json`` back; a bad field is 400 with the core's words."""
        kind = request.path_params["kind"]
        if kind not in ("backpay", "entitlement"):
            return JSONResponse({"error": _("no such call: /api/backpay or /api/entitlement"),
                                 "field": None}, 404)
        try:
            given = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError, RecursionError):  # (nested past Python's depth)
            return JSONResponse({"error": _("the body is not JSON"), "field": None}, 400)
        if not isinstance(given, dict):
            return JSONResponse({"error": _("give the fields as a JSON object"), "field": None},
                                400)
        unknown = sorted(set(given) - set(FORM_FIELDS) - {"explain", "detail"})
        if unknown:
            name = clipped(unknown[0], 40)
            return JSONResponse({"error": _("unknown field {name}; the fields are {known}").format(
                name=repr(name), known=listed([*FORM_FIELDS, "explain", "detail"])),
                                 "field": name}, 400)
        for name, value in given.items():
            if isinstance(value, (dict, list)):
                return JSONResponse({"error": _("{field}: give a text or a number, not a list "
                                                "or an object").format(field=name),
                                     "field": name}, 400)
        cells = {name: "" if value is None else str(value) for name, value in given.items()
                 if name in FORM_FIELDS}
        if kind == "backpay" and not cells.get("through", "").strip():
            return JSONResponse({"error": _("through is required: the last month paid at the "
                                            "old standard (YYYY-MM)"),
                                 "field": "through"}, 400)
        explain, detail = given.get("explain") is True, given.get("detail") is True
        if kind == "backpay":
            cells["month"] = ""
        else:
            cells["through"] = ""
        call = Household(self.served, cells, Lang.ZH, for_people=False, explain=explain,
                         detail=detail, calls=(kind,))
        if call.errors:
            field, message = next(iter(call.errors.items()))
            return JSONResponse({"error": message, "field": field}, 400)
        made = call.backpay if kind == "backpay" else call.entitlement
        assert made is not None
        report, explanation = made
        if explanation is not None and report.summary is not None:
            report = Report({**report.summary, "explanation": explanation}, report.detail,
                            report.detail_key)
        return Response(render(report, Format.JSON, Lang.ZH),
                        media_type="application/json; charset=utf-8")

    def roster_page(self, request: Request, lang: Lang, status: int = 200,
                    error: str | None = None, typed: Mapping[str, Any] = ROSTER_TYPED,
                    **context: Any) -> HTMLResponse:
        """The roster's page: its form (with what was typed), and how a run went or why it
        was refused."""
        return self.page(request, "roster.html", lang, status, error=error,
                         limit=self.served.max_upload, typed=typed,
                         kept_minutes=round(self.served.results.seconds / 60), **context)

    def too_large(self, request: Request) -> str | None:
        """What an upload larger than ``--max-upload`` by its ``Content-Length`` is told
        (413), else None; an upload sent in chunks says no size: the guard counts it as it
        comes."""
        size = request.headers.get("content-length", "")
        if size.isdigit() and int(size) > self.served.max_upload:
            return _("the file is too large: at most {size} MB (--max-upload)").format(
                size=self.served.max_upload // (1 << 20))
        return None

    async def roster(self, request: Request) -> Response:
        lang = _lang(request)
        typed: dict[str, Any] = dict(ROSTER_TYPED)

        def shown(status: int = 200, error: str | None = None, **context: Any) -> HTMLResponse:
            return self.roster_page(request, lang, status, error, typed, **context)

        if request.method in ("GET", "HEAD"):
            return shown()
        too_large = self.too_large(request)
        if too_large is not None:
            return shown(413, too_large)
        form = await request.form(max_files=1, max_fields=10, max_part_size=4096)
        upload = form.get("file")
        typed = {"through": str(form.get("through") or "").strip(),
                 "office": str(form.get("office") or "").strip(),
                 "group_by": [str(given or "").strip() for given in form.getlist("group_by")],
                 "headers": str(form.get("headers") or ""),
                 "output": "csv" if form.get("output") == "csv" else "xlsx"}
        typed["group_by"] += [""] * (2 - len(typed["group_by"]))
        if not isinstance(upload, UploadFile) or not upload.filename:
            return shown(400, _("choose the roster's file"))
        try:
            suffix, name = uploaded_name(upload.filename)
            if suffix not in ROSTER_SUFFIXES:
                return shown(400, _(NOT_A_ROSTER).format(name=name))
            try:
                fields.read_month(typed["through"], "through")  # (the core's reader, as batch's)
            except WelfareCalcError as error:
                return shown(400, error.message)
            refused = _roster_options(typed)
            if refused is not None:
                return shown(400, refused)
            try:
                run = await self.run_roster(upload, suffix, name, typed)
            except Stopping:
                run = Run(None, 2, "")
        finally:
            await upload.close()
        if run.kept is None and self.served.children.stopping:
            return shown(503, _("the server was stopped before the roster was computed; "
                                "nothing of it was kept"))
        said = run.said.replace(STORED.format(suffix=suffix), name)
        if run.kept is None or run.summary is None:
            return shown(400, said)
        table = self.served.loaded.table
        return shown(200, None, roster_name=name, key=run.kept, files=run.files,
                     summary=run_summary(run.summary, table, lang, word("total", lang)),
                     rejected=run.rejected)

    async def payroll(self, request: Request) -> Response:
        """``/payroll``: this month's roster (and optionally last month's) made into the
        month's 发放明细, change roster and bank file by ``welfare-calc payroll`` in a child
        process, as ``/roster`` runs the batch; how it went said on the page."""
        lang = _lang(request)
        typed: dict[str, Any] = dict(PAYROLL_TYPED)

        def shown(status: int = 200, error: str | None = None, **context: Any) -> HTMLResponse:
            return self.page(request, "payroll.html", lang, status, error=error,
                             limit=self.served.max_upload, typed=typed,
                             kept_minutes=round(self.served.results.seconds / 60), **context)

        if request.method in ("GET", "HEAD"):
            return shown()
        too_large = self.too_large(request)
        if too_large is not None:
            return shown(413, too_large)
        form = await request.form(max_files=2, max_fields=10, max_part_size=4096)
        typed = {"month": str(form.get("month") or "").strip(),
                 "office": str(form.get("office") or "").strip(),
                 "group_by": str(form.get("group_by") or "").strip(),
                 "bank_layout": "pipe" if form.get("bank_layout") == "pipe" else "csv"}
        uploads = {which: form.get(which) for which in ("file", "previous")}
        upload = uploads["file"]
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                return shown(400, _("choose the roster's file"))
            given = {}
            for which, part in uploads.items():
                if isinstance(part, UploadFile) and part.filename:
                    suffix, shown_name = uploaded_name(part.filename)
                    if suffix not in ROSTER_SUFFIXES:
                        return shown(400, _(NOT_A_ROSTER).format(name=shown_name))
                    given[which] = (part, suffix, shown_name)
            try:
                fields.read_month(typed["month"], "month")  # (the core's reader, as payroll's)
            except WelfareCalcError as error:
                return shown(400, error.message)
            refused = _roster_options({"group_by": [typed["group_by"]],
                                       "office": typed["office"], "output": "xlsx"})
            if refused is not None:
                return shown(400, refused)
            try:
                run = await self.run_payroll(given, typed)
            except Stopping:
                run = Run(None, 2, "")
        finally:
            for part in uploads.values():
                if isinstance(part, UploadFile):
                    await part.close()
        if run.kept is None and self.served.children.stopping:
            return shown(503, _("the server was stopped before the roster was computed; "
                                "nothing of it was kept"))
        said = run.said
        for which, (_part, suffix, name) in given.items():
            said = said.replace(f"{which}{suffix}", name)
        if run.kept is None or run.summary is None:
            return shown(400, said)
        return shown(200, None, roster_name=given["file"][2], key=run.kept, files=run.files,
                     summary=run.summary, rejected=run.rejected)

    async def run_payroll(self, given: Mapping[str, tuple[UploadFile, str, str]],
                          typed: Mapping[str, Any]) -> Run:
        """Run ``welfare-calc payroll`` on the uploads in a private folder (as
        :meth:`run_roster` runs the batch): the 发放明细 as a workbook, the change roster
        (with last month's roster) as CSV, the bank file; how it went read back from the
        files it wrote there, which are kept for the page's links."""

        async def run(folder: Path) -> Run | Finished:
            stored = {}
            for which, (part, suffix, _name) in given.items():
                stored[which] = folder / f"{which}{suffix}"
                refused = await _store(part, stored[which])
                if refused is not None:
                    return refused
            pipe = typed["bank_layout"] == "pipe"
            target, errors, summary = (folder / "result.xlsx", folder / "errors.csv",
                                       folder / "summary.json")
            bank, changes = folder / ("bank.txt" if pipe else "bank.csv"), folder / "changes.csv"
            command = [*self.child_command(), "payroll", stored["file"].name,
                       f"--month={typed['month']}", f"--output={target.name}",
                       f"--errors={errors.name}", f"--summary={summary.name}",
                       f"--bank-file={bank.name}", f"--bank-layout={typed['bank_layout']}"]
            if "previous" in stored:
                command += [f"--previous={stored['previous'].name}",
                            f"--changes={changes.name}"]
            if typed["office"]:
                command += [f"--office={typed['office']}"]
            if typed["group_by"]:
                command += [f"--group-by={typed['group_by']}"]
            ran = await self.finished(command, folder, target, summary, errors)
            if isinstance(ran, Run):
                return ran
            table = changes.with_name(f"{changes.stem}-统计.csv")
            if ran.figures is not None:
                ran.figures = {**ran.figures, **await asyncio.to_thread(
                    _payroll_figures, bank, table, pipe)}
            stem = PurePath(given["file"][2]).stem
            ran.files = {"result": Download(target, f"{stem}-发放明细.xlsx", MEDIA["xlsx"]),
                         "bank": Download(bank, f"{stem}-代发{bank.suffix}",
                                          MEDIA[bank.suffix[1:]])}
            if changes.exists():
                ran.files["changes"] = Download(changes, f"{stem}-变动名册.csv", MEDIA["csv"])
            if ran.rejected:
                ran.files["errors"] = Download(errors, f"{stem}-问题行.csv", MEDIA["csv"])
            ran.done = [*stored.values(), summary, table, *([] if ran.rejected else [errors])]
            return ran

        return await self.in_a_folder(run)

    async def result(self, request: Request) -> Response:
        """``GET /roster/result/KEY/result`` (or ``/errors``): a roster's file, kept a while
        for the page's link (:mod:`welfare_calc.web.results`)."""
        found, old = self.served.results.find(request.path_params["key"],
                                              request.path_params["which"])
        await asyncio.to_thread(remove, old)
        if found is None:
            return self.roster_page(request, _lang(request), 404, _(
                "this result is no longer kept (a result is kept a while after it is made, "
                "and only while the server runs); upload the roster again"))
        return FileResponse(found.path, media_type=found.media, headers={
            "content-disposition": f"attachment; filename=\"{found.path.name}\"; "
                                   f"filename*=UTF-8''{quote(found.name)}"})

    async def run_roster(self, upload: UploadFile, suffix: str, name: str,
                         typed: Mapping[str, Any]) -> Run:
        """Run ``welfare-calc batch`` on the upload, in a private folder, in a child process
        that cannot outlive the server (:mod:`welfare_calc.web.children`): how it went
        (its summary and rejected rows, read back from the files it wrote there), its
        files kept for the page's link, or its last line when it was refused. The folder
        is removed at once but for the files kept (:mod:`welfare_calc.web.results`)."""

        async def run(folder: Path) -> Run | Finished:
            source = folder / STORED.format(suffix=suffix)
            refused = await _store(upload, source)
            if refused is not None:
                return refused
            output = typed["output"]
            target, errors, summary = (folder / f"result.{output}", folder / "errors.csv",
                                       folder / "summary.json")
            command = [*self.child_command(), "batch", source.name,
                       f"--through={typed['through']}", f"--output={target.name}",
                       f"--errors={errors.name}", f"--summary={summary.name}"]
            if output == "csv":
                command += ["--excel"]
            if typed["office"]:
                command += [f"--office={typed['office']}"]
            command += [f"--group-by={column}" for column in typed["group_by"] if column]
            if typed["headers"] in ("zh", "en"):
                command += [f"--headers={typed['headers']}"]
            ran = await self.finished(command, folder, target, summary, errors)
            if isinstance(ran, Run):
                return ran
            stem = PurePath(name).stem
            ran.files = {"result": Download(target, f"{stem}-增补.{output}", MEDIA[output])}
            if output == "csv" and ran.rejected:  # (a workbook holds them as its 问题行 sheet)
                ran.files["errors"] = Download(errors, f"{stem}-问题行.csv", MEDIA["csv"])
            ran.done = [source, summary, *([] if "errors" in ran.files else [errors])]
            return ran

        return await self.in_a_folder(run)

    async def finished(self, command: list[str], folder: Path, target: Path, summary: Path,
                       errors: Path) -> Run | Finished:
        """Run ``command`` in ``folder`` (:meth:`run_child`): the :class:`Run` of a run
        refused or that made no ``target``, else what it said and the figures and rejected
        rows read back from its ``summary`` and ``errors`` files."""
        ran = await self.run_child(command, folder)
        if isinstance(ran, Run):
            return ran
        said, returncode = ran
        if returncode not in (0, 1) or not target.exists():
            prefix = _("Error: {message}").format(message="")
            return Run(None, returncode or 2, said.removeprefix(prefix))
        return Finished(said, returncode, await asyncio.to_thread(read_summary, summary),
                        await asyncio.to_thread(read_rejected, errors))

    async def in_a_folder(self, run: Callable[[Path], Awaitable[Run | Finished]]) -> Run:
        """``run`` in a private folder of its own (:meth:`Served.roster_folder`): the files it
        gives kept for the page's links (:mod:`welfare_calc.web.results`), the rest of what
        it wrote removed; the folder removed whole if nothing is kept."""
        folder = self.served.roster_folder()
        kept = False
        try:
            ran = await run(folder)
            if isinstance(ran, Run):
                return ran
            for done in ran.done:
                done.unlink(missing_ok=True)  # (only what a link gives is kept)
            key, old = self.served.results.keep(folder, ran.files)
            kept = True
            await asyncio.to_thread(remove, old)
            return Run(key, ran.returncode, ran.said, ran.figures, ran.rejected,
                       {which: download.name for which, download in ran.files.items()})
        finally:
            if not kept:
                await asyncio.to_thread(remove_folder, folder)

    async def run_child(self, command: list[str], folder: Path) -> Run | tuple[str, int]:
        """Run ``command`` (``python -m welfare_calc.web.child …``) in ``folder``, in a
        child process that cannot outlive the server (:mod:`welfare_calc.web.children`),
        in the server's language: its last line on stderr and its exit code, or the
        :class:`Run` of a child that could not start or took too long."""
        env = {**os.environ, LANG_VAR: spoken().value}  # the server's language
        # (in a thread, not asyncio's subprocesses: those need a Proactor loop on
        # Windows, and a thread waits alike on every platform and loop)
        children = self.served.children
        try:
            child = await asyncio.to_thread(children.start, command, folder, env)
        except OSError as error:  # (no process can be started: a limit reached)
            return Run(None, 2, _("cannot start the calculation: {reason}").format(
                reason=os_reason(error)))
        finishing = asyncio.ensure_future(asyncio.to_thread(child.finish))
        try:
            err, returncode = await asyncio.wait_for(asyncio.shield(finishing),
                                                     self.served.timeout)
        except TimeoutError:
            child.kill()
            await finishing  # (at once: ended; its files go with the folder)
            return Run(None, 2, _("the calculation took more than {seconds} seconds and "
                                  "was stopped").format(seconds=f"{self.served.timeout:.0f}"))
        except BaseException:  # the request cancelled (the server stopping)
            child.kill()
            await asyncio.shield(finishing)
            raise
        finally:
            children.finished(child)
        lines = [line for line in err.decode("utf-8", "replace").splitlines() if line]
        return (lines[-1] if lines else ""), returncode

    def child_command(self) -> list[str]:
        """The start of a child's command line: ``welfare-calc`` with the server's
        standards (every value after ``=``: one starting with ``-`` is no option)."""
        command = [sys.executable, "-m", "welfare_calc.web.child"]
        if self.served.standards_path is not None:
            command += [f"--standards={self.served.standards_path}"]
        return command


MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8", "txt": "text/plain"}


@dataclass(frozen=True)
class Run:
    """How a roster's run went, for the page."""

    kept: str | None
    """The key its files are kept under (None: nothing was made)."""
    code: int
    said: str
    """Its last line: why it was refused."""
    summary: dict[str, Any] | None = None
    rejected: list[Rejected] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    """Each file kept (``result``, ``errors``) and the name it is downloaded under."""


@dataclass
class Finished:
    """A child's run that made its file: what it said, its figures and rejected rows, then
    the files the page's links give and the files to remove (:meth:`Pages.in_a_folder`)."""

    said: str
    returncode: int
    figures: dict[str, Any] | None
    rejected: list[Rejected]
    files: dict[str, Download] = field(default_factory=dict)
    done: list[Path] = field(default_factory=list)


async def _store(upload: UploadFile, path: Path) -> Run | None:
    """The upload kept at ``path`` for the calculation; a :class:`Run` that says why it
    cannot be (a full disk, a quota), else None."""
    try:
        with path.open("wb") as handle:
            await asyncio.to_thread(shutil.copyfileobj, upload.file, handle)
    except OSError as error:
        return Run(None, 2, _("cannot keep the upload for the calculation: {reason}").format(
            reason=os_reason(error)))
    return None


def _payroll_figures(bank: Path, table: Path, pipe: bool) -> dict[str, Any]:
    """What the page says of the bank file (its summary: count and total) and of the
    change roster (its statistics' 合计 row), read back from the files the run wrote."""
    found: dict[str, Any] = {}
    if bank.exists():
        text = bank.read_text(encoding="gbk" if pipe else "utf-8-sig")
        lines = [line for line in text.splitlines() if line]
        cells = lines[0].split("|")[2:4] if pipe else lines[-1].split(",")[1:3]
        found["bank"] = {"count": cells[0], "total": cells[1]}
    if table.exists():
        with table.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        total = rows[-1]
        found["changes"] = {"new": total["新增户数"], "stopped": total["停发户数"],
                            "more": total["保障金增加户数"], "less": total["保障金减少户数"],
                            "net": total["合计增减金额（元）"]}
    return found


def _roster_options(typed: Mapping[str, Any]) -> str | None:
    """Why the roster's options typed cannot be given to the batch (a character that is no
    text, 制表单位 for a CSV result), else None; the batch says the rest in its words."""
    for column in typed["group_by"]:
        if not column.isprintable():
            return _("the group column {name} holds a character that is not text (a line "
                     "break, a tab); type the column's name as the roster's header shows "
                     "it").format(name=repr(clipped(column, 40)))
    if not typed["office"].isprintable():
        return _("the 制表单位 holds a character that is not text (a line break, a tab)")
    if typed["office"] and typed["output"] == "csv":
        return _("the 制表单位 is printed on a workbook's documents: choose an Excel result "
                 "file, or leave the 制表单位 out")
    return None


HTTP_WORDS = {
    400: N_("the form could not be read: it is broken, or a part of it is too long"),
    404: N_("no such page"),
    405: N_("this address does not take that kind of request"),
    413: N_("the request is too large"),
    500: N_("the server could not answer this request"),
}
"""What an HTTP error says, for the statuses the page's own links and forms can meet; any
other is said with the server framework's detail."""


async def _failed(request: Request, error: Exception) -> Response:
    status = (error.status_code if isinstance(error, HTTPException) else
              413 if isinstance(error, TooLarge) else 500)
    message = (too_large(error.limit) if isinstance(error, TooLarge) else
               _(HTTP_WORDS[status]) if status in HTTP_WORDS else
               _("the request could not be answered ({detail})").format(
                   detail=error.detail if isinstance(error, HTTPException) else status))
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "field": None}, status)
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>{status}</title>"
                        f"<p>{status}: {message}</p><p><a href=/>单户计算</a></p>", status)


def make_app(served: Served, access: Access) -> Guard:
    """The page's ASGI app, guarded (:mod:`welfare_calc.web.guard`)."""
    pages = Pages(served)
    static = Path(__file__).parent / "static"
    app = Starlette(routes=[  # (the JSON API first: the call a script makes most, matched
        Route("/api/{kind:str}", pages.api, methods=["POST"]),  # at once; no other overlaps)
        Route("/", pages.household, methods=["GET", "POST"]),
        Route("/roster", pages.roster, methods=["GET", "POST"]),
        Route("/roster/result/{key:str}/{which:str}", pages.result),
        Route("/payroll", pages.payroll, methods=["GET", "POST"]),
        Route("/standards", pages.standards),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ], exception_handlers={HTTPException: _failed, TooLarge: _failed, Exception: _failed})
    return Guard(app, access)
