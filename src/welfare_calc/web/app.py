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
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from welfare_calc import __version__
from welfare_calc.batch.documents import SHEET_SIGN_OFF, sign_off
from welfare_calc.core import fields
from welfare_calc.core.errors import WelfareCalcError
from welfare_calc.core.timeline import choose_raise
from welfare_calc.core.words import N_, _, listed
from welfare_calc.output.calls import backpay_call, entitlement_call
from welfare_calc.output.formats import LANG_VAR, Format, Lang
from welfare_calc.output.language import spoken
from welfare_calc.output.render import Report, label, render, table_cell
from welfare_calc.output.reports import standards_report
from welfare_calc.standards.loader import LoadedStandards
from welfare_calc.web.guard import Guard

FORM_FIELDS = ("category", "persons", "income", "start", "end", "supplement", "care",
               "through", "raise", "paid", "month", "rounding")
"""The form's fields, named as the command line's options."""
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
    "through": ("按原标准发放截至（YYYY-MM）", "Paid at old standards through (YYYY-MM)"),
    "raise": ("计算哪次提标的增补（起始月份 YYYY-MM，可空：截至月份前最近的一次）",
              "The raise, by its first month (YYYY-MM, optional: the latest by then)"),
    "paid": ("增补期间实际已发金额（元，可空）", "Amount actually paid (yuan, optional)"),
    "month": ("月保障金的月份（YYYY-MM，可空）", "Month of the monthly amount (optional)"),
    "rounding": ("舍入方式", "Rounding"),
    "rounding_default": ("按标准表（household-month）", "as the table says"),
    "compute": ("计算", "Compute"),
    "print": ("打印计算单", "Print the 计算单"),
    "sheet": ("计算单", "Calculation sheet (计算单)"),
    "entitlement": ("月度及年度待遇", "Monthly and annual entitlement"),
    "backpay": ("提标增补", "Back-pay"),
    "explanation": ("计算过程", "The calculation"),
    "sign": (sign_off(SHEET_SIGN_OFF), sign_off(SHEET_SIGN_OFF)),
    "stamp": ("程序 welfare-calc {version}；标准表 SHA-256 {sha}",
              "welfare-calc {version}; standards table SHA-256 {sha}"),
    "file": ("花名册文件（CSV 或 Excel 工作簿）", "Roster file (CSV or Excel workbook)"),
    "group_by": ("分组列（如 乡镇（街道），可空）", "Group by column (optional)"),
    "headers": ("计算列的语言", "Computed columns' language"),
    "output": ("结果文件", "Result file"),
    "run": ("上传并计算", "Upload and compute"),
    "working": ("正在计算，请稍候…", "Computing, please wait…"),
    "problem": ("出错了", "Something is wrong"),
    "language": ("English", "中文"),
}
"""The page's own words (figures' labels are the command line's)."""


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


def _rows(report: Report, lang: Lang) -> list[tuple[str, str]]:
    return [(label(key, lang), table_cell(value, lang))
            for key, value in (report.summary or {}).items()]


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
        return [(key, f"{category.short_zh}（{key}）" if lang is Lang.ZH else
                 f"{key} ({category.short_zh})") for key, category in table.categories.items()]

    async def household(self, request: Request) -> Response:
        lang = _lang(request)
        if request.method == "GET":
            return self.page(request, "household.html", lang, cells={"persons": "1",
                             "income": "0"}, errors={}, categories=self.categories(lang))
        form = await request.form(max_files=0, max_fields=len(FORM_FIELDS) + 4,
                                  max_part_size=4096)
        cells = {name: str(form.get(name) or "") for name in FORM_FIELDS}
        call = Household(self.served, cells, lang, for_people=True)
        results = []
        for title, made in (("entitlement", call.entitlement), ("backpay", call.backpay)):
            if made is not None and not call.errors:
                report, explanation = made
                results.append({"title": word(title, lang), "rows": _rows(report, lang),
                                "explanation": explanation or ""})
        return self.page(request, "household.html", lang, status=400 if call.errors else 200,
                         cells=call.cells, errors=call.errors, results=results,
                         notes=call.notes,
                         categories=self.categories(lang))

    async def standards(self, request: Request) -> Response:
        lang = _lang(request)
        report = standards_report(self.served.loaded.table, None, for_people=True)
        keys = list(report.detail[0]) if report.detail else []
        return self.page(request, "standards.html", lang, header=[label(key, lang) for key
                                                                   in keys],
                         rows=[[table_cell(row[key], lang) for key in keys]
                               for row in report.detail])

    async def api(self, request: Request) -> Response:
        """``POST /api/backpay`` and ``/api/entitlement``: the form's fields as JSON, the
        JSON of ``--format json`` back; a bad field is 400 with the core's words."""
        kind = request.path_params["kind"]
        if kind not in ("backpay", "entitlement"):
            return JSONResponse({"error": _("no such call: /api/backpay or /api/entitlement"),
                                 "field": None}, 404)
        try:
            given = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return JSONResponse({"error": _("the body is not JSON"), "field": None}, 400)
        if not isinstance(given, dict):
            return JSONResponse({"error": _("give the fields as a JSON object"), "field": None},
                                400)
        cells = {name: "" if value is None else str(value) for name, value in given.items()
                 if name in FORM_FIELDS}
        unknown = sorted(set(given) - set(FORM_FIELDS) - {"explain", "detail"})
        if unknown:
            return JSONResponse({"error": _("unknown field {name}; the fields are {known}").format(
                name=repr(unknown[0]), known=listed([*FORM_FIELDS, "explain", "detail"])),
                                 "field": unknown[0]}, 400)
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

    async def roster(self, request: Request) -> Response:
        lang = _lang(request)

        def shown(status: int = 200, error: str | None = None) -> HTMLResponse:
            return self.page(request, "roster.html", lang, status, error=error,
                             limit=self.served.max_upload)

        if request.method == "GET":
            return shown()
        size = request.headers.get("content-length")
        if size is None or not size.isdigit():
            return shown(411, _("the upload must say its size (Content-Length)"))
        if int(size) > self.served.max_upload:
            return shown(413, _("the file is too large: at most {size} MB (--max-upload)"
                                ).format(size=self.served.max_upload // (1 << 20)))
        form = await request.form(max_files=1, max_fields=8, max_part_size=4096)
        upload = form.get("file")
        through = str(form.get("through") or "").strip()
        if not isinstance(upload, UploadFile) or not upload.filename:
            return shown(400, _("choose the roster's file"))
        name = Path(upload.filename.replace("\\", "/")).name
        if not name.lower().endswith(ROSTER_SUFFIXES):
            return shown(400, _("{name}: upload a CSV file or an Excel workbook (.csv, .xlsx, "
                                ".xls)").format(name=name))
        output = "csv" if form.get("output") == "csv" else "xlsx"
        headers = str(form.get("headers") or "")
        group_by = str(form.get("group_by") or "").strip()
        try:
            body, code, said = await self.run_roster(upload, name, through, group_by,
                                                     headers, output)
        finally:
            await upload.close()
        if body is None:
            return shown(400, said)
        result = f"{Path(name).stem}-增补.{output}"
        media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                 if output == "xlsx" else "text/csv; charset=utf-8")
        return Response(body, media_type=media, headers={
            "content-disposition": f"attachment; filename=\"result.{output}\"; "
                                   f"filename*=UTF-8''{quote(result)}",
            "x-welfare-calc-exit": str(code),
            "x-welfare-calc-summary": quote(said)})

    async def run_roster(self, upload: UploadFile, name: str, through: str, group_by: str,
                         headers: str, output: str) -> tuple[bytes | None, int, str]:
        """Run ``welfare-calc batch`` on the upload, in a private folder removed whatever
        happens; its result's bytes (None when it is unusable), exit code and last line."""
        folder = Path(tempfile.mkdtemp(prefix="wc-"))  # 0700: this user's only
        try:
            source = folder / name
            with source.open("wb") as handle:
                await asyncio.to_thread(shutil.copyfileobj, upload.file, handle)
            target = folder / f"result.{output}"
            command = [sys.executable, "-m", "welfare_calc"]
            if self.served.standards_path is not None:
                command += ["--standards", str(self.served.standards_path)]
            command += ["batch", name, "--through", through, "-o", target.name,
                        "--errors", "errors.csv"]
            if output == "csv":
                command += ["--excel"]
            if group_by:
                command += ["--group-by", group_by]
            if headers in ("zh", "en"):
                command += ["--headers", headers]
            # In a thread, not asyncio's subprocesses: those need a Proactor loop on
            # Windows, and a thread waits alike on every platform and loop.
            try:
                process = await asyncio.to_thread(
                    subprocess.run, command, cwd=folder, stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
                    timeout=self.served.timeout,
                    env={**os.environ, LANG_VAR: spoken().value})  # the server's language
            except subprocess.TimeoutExpired:  # (subprocess.run has killed it)
                return None, 2, _("the calculation took more than {seconds} seconds and was "
                                  "stopped").format(seconds=f"{self.served.timeout:.0f}")
            err = process.stderr
            lines = [line for line in err.decode("utf-8", "replace").splitlines() if line]
            said = lines[-1] if lines else ""
            if process.returncode not in (0, 1) or not target.exists():
                prefix = _("Error: {message}").format(message="")
                return None, process.returncode or 2, said.removeprefix(prefix)
            return target.read_bytes(), process.returncode or 0, said
        finally:
            shutil.rmtree(folder, ignore_errors=True)


HTTP_WORDS = {
    404: N_("no such page"),
    405: N_("this address does not take that kind of request"),
    500: N_("the server could not answer this request"),
}
"""What an HTTP error says, for the statuses the page's own links and forms can meet; any
other is said with the server framework's detail."""


async def _failed(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    message = (_(HTTP_WORDS[status]) if status in HTTP_WORDS else
               _("the request could not be answered ({detail})").format(
                   detail=error.detail if isinstance(error, HTTPException) else status))
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "field": None}, status)
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>{status}</title>"
                        f"<p>{status}: {message}</p><p><a href=/>单户计算</a></p>", status)


def make_app(served: Served, hosts: set[str], token: str | None) -> Guard:
    """The page's ASGI app, guarded (:mod:`welfare_calc.web.guard`)."""
    pages = Pages(served)
    static = Path(__file__).parent / "static"
    app = Starlette(routes=[
        Route("/", pages.household, methods=["GET", "POST"]),
        Route("/roster", pages.roster, methods=["GET", "POST"]),
        Route("/standards", pages.standards),
        Route("/api/{kind:str}", pages.api, methods=["POST"]),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ], exception_handlers={HTTPException: _failed, Exception: _failed})
    return Guard(app, hosts, token)
