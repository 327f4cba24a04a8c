"""The calculation written out (计算过程), fit to print for the case file.

Every figure comes from a core result; this module only puts words around
them, in Chinese (default) or English, and names the document each figure
rests on.
"""

from __future__ import annotations

from welfare_calc.calc import AnnualAmount, AppliedStandard, Backpay, MonthAmount, Run
from welfare_calc.model import Document, Payment, Unit
from welfare_calc.render import Lang
from welfare_calc.text import exact_text, money_text

_UNIT = {
    Lang.ZH: {Unit.PER_MONTH: "每人每月", Unit.PER_YEAR: "每人每年"},
    Lang.EN: {Unit.PER_MONTH: "per person per month", Unit.PER_YEAR: "per person per year"},
}


def _document(document: Document, lang: Lang) -> str:
    issued = document.issued.isoformat() if document.issued else None
    if lang is Lang.ZH:
        when = f"，{issued} 印发" if issued else ""
        return f"{document.number}《{document.title}》（{document.issuer}{when}）"
    when = f", issued {issued}" if issued else ""
    return f"{document.number} ({document.issuer}{when})"


def _standard(standard: AppliedStandard, lang: Lang) -> str:
    value = standard.value
    amount = money_text(value.amount)
    monthly = exact_text(standard.monthly)
    if lang is Lang.ZH:
        text = f"{_UNIT[lang][value.unit]} {amount} 元"
        if value.unit is Unit.PER_YEAR:
            text += f"，按月折算 {amount} ÷ 12 = {monthly} 元/人·月（精确值，不作中间舍入）"
        return text
    text = f"{amount} yuan {_UNIT[lang][value.unit]}"
    if value.unit is Unit.PER_YEAR:
        text += f", monthly {amount} / 12 = {monthly} yuan (kept exact, not rounded)"
    return text


def _since(standard: AppliedStandard, lang: Lang) -> str:
    effective = standard.value.effective
    if lang is Lang.ZH:
        return f"自 {effective} 起执行" if effective else "起始日期文件未载明"
    return f"in force from {effective}" if effective else "start date not stated"


def _formula(amount: MonthAmount, lang: Lang) -> str:
    """One month's formula with its numbers: (S − y) × n or S × n."""
    standard = exact_text(amount.standard.monthly)
    if amount.standard.category.payment is Payment.FULL_STANDARD:
        return f"{standard} × {amount.persons} = {exact_text(amount.exact)}"
    gap = "max(0, {s} − {y}) × {n} = 0.00" if not amount.eligible else "({s} − {y}) × {n} = {total}"
    return gap.format(s=standard, y=money_text(amount.income), n=amount.persons,
                      total=exact_text(amount.exact))


def _runs(runs: tuple[Run, ...], lang: Lang) -> list[str]:
    lines = []
    for run in runs:
        span = str(run.first) if run.first == run.last else f"{run.first}—{run.last}"
        if lang is Lang.ZH:
            lines.append(f"   {span}：{_formula(run.each, lang)} 元/月 × {run.count} 个月"
                         f" = {exact_text(run.total)} 元")
        else:
            lines.append(f"   {span}: {_formula(run.each, lang)} yuan/month × {run.count}"
                         f" = {exact_text(run.total)} yuan")
    return lines


def explain_entitlement(month: MonthAmount, year: AnnualAmount, lang: Lang) -> str:
    """The entitlement calculation written out step by step."""
    standard = month.standard
    category = standard.category
    house = year.household
    gap = category.payment is Payment.GAP_FILLING
    if lang is Lang.ZH:
        lines = [
            f"计算过程：{category.name_zh}（{category.short_zh}），{month.month}",
            f"依据：{_document(standard.document, lang)}，{_since(standard, lang)}。",
            f"1. 保障标准：{_standard(standard, lang)}。",
            f"2. 保障人数 {house.persons} 人；家庭月人均收入 {money_text(house.income)} 元"
            + ("。" if gap else "（特困供养全额发放，收入不抵减）。"),
        ]
        if gap and not month.eligible:
            lines.append(f"3. 家庭月人均收入 {money_text(house.income)} 元不低于保障标准 "
                         f"{exact_text(standard.monthly)} 元，"
                         "本月不符合低保条件，保障金为 0.00 元。")
        elif gap:
            lines.append("3. 月保障金（补差）=（月标准 − 月人均收入）× 人数 = "
                         f"{_formula(month, lang)}"
                         f"，四舍五入到分为 {money_text(month.amount)} 元。")
        else:
            lines.append(f"3. 月供养金（全额）= 月标准 × 人数 = {_formula(month, lang)}"
                         f"，四舍五入到分为 {money_text(month.amount)} 元。")
        lines.append(f"4. {year.year} 年度：覆盖 {len(year.months)} 个月，逐月精确值相加：")
        lines.extend(_runs(year.runs, lang))
        lines.append(f"   年度合计 {exact_text(year.exact)} 元，四舍五入到分为 "
                     f"{money_text(year.amount)} 元（只在最后一步舍入一次）。")
        return "\n".join(lines) + "\n"
    lines = [
        f"Calculation: {category.name_en}, {month.month}",
        f"Source: {_document(standard.document, lang)}, {_since(standard, lang)}.",
        f"1. Standard: {_standard(standard, lang)}.",
        f"2. {house.persons} covered person(s); per-capita monthly income "
        f"{money_text(house.income)} yuan"
        + ("." if gap else " (tekun pays the full standard; income does not reduce it)."),
    ]
    if gap and not month.eligible:
        lines.append(f"3. Income {money_text(house.income)} is not below the standard "
                     f"{exact_text(standard.monthly)}: not eligible this month, amount 0.00.")
    elif gap:
        lines.append(f"3. Monthly amount (gap-filling) = (standard − income) × persons = "
                     f"{_formula(month, lang)}, rounded to the fen: {money_text(month.amount)}.")
    else:
        lines.append(f"3. Monthly amount (full standard) = standard × persons = "
                     f"{_formula(month, lang)}, rounded to the fen: {money_text(month.amount)}.")
    lines.append(f"4. Year {year.year}: {len(year.months)} covered month(s), exact sum of months:")
    lines.extend(_runs(year.runs, lang))
    lines.append(f"   Total {exact_text(year.exact)}, rounded once to the fen: "
                 f"{money_text(year.amount)} yuan.")
    return "\n".join(lines) + "\n"


def explain_backpay(result: Backpay, lang: Lang) -> str:
    """The back-pay (提标增补) calculation written out step by step."""
    house = result.household
    first = result.months[0] if result.months else None
    window = f"{result.window_start}—{result.through}"
    if lang is Lang.ZH:
        lines = [f"提标增补计算过程：{result.category.name_zh}（{result.category.short_zh}），"
                 f"{house.persons} 人，"
                 f"家庭月人均收入 {money_text(house.income)} 元",
                 f"依据：{_document(result.raise_document, lang)}，新标准自 "
                 f"{result.window_start} 起执行，此前已按原标准发放的月份需补发差额。",
                 f"1. 增补期间：{window}（截至按原标准发放的最后一个月），"
                 f"本户覆盖其中 {result.months_counted} 个月。"]
        if first is None:
            lines.append("2. 本户在增补期间内没有覆盖月份，增补金额为 0.00 元。")
            return "\n".join(lines) + "\n"
        old, new = first.paid_standard, first.due_standard
        lines += [f"2. 原标准（{_since(old, lang)}）：{_standard(old, lang)}；"
                  f"新标准（{_since(new, lang)}）：{_standard(new, lang)}。",
                  "3. 按新标准应发，逐月精确值："]
        lines.extend(_runs(result.due_runs, lang))
        lines.append(f"   应发合计 {exact_text(result.due_exact)} 元。")
        if result.paid_given is None:
            lines.append("4. 按原标准已发，逐月精确值：")
            lines.extend(_runs(result.paid_runs, lang))
            lines.append(f"   已发合计 {exact_text(result.paid_exact)} 元。")
        else:
            lines.append(f"4. 已发金额按实际发放数 {money_text(result.paid_given)} 元计"
                         "（由经办人提供，替代按原标准计算的金额）。")
        lines.append(f"5. 增补金额 = 应发合计 − 已发合计 = {exact_text(result.due_exact)} − "
                     f"{exact_text(result.paid_exact)} = {exact_text(result.exact)}，"
                     f"四舍五入到分为 {money_text(result.amount)} 元（只在最后一步舍入一次）。")
        return "\n".join(lines) + "\n"
    lines = [f"Back-pay calculation: {result.category.name_en}, {house.persons} person(s), "
             f"per-capita monthly income {money_text(house.income)} yuan",
             f"Source: {_document(result.raise_document, lang)}; the new standard is in force "
             f"from {result.window_start}, so months already paid at the old one are topped up.",
             f"1. Window: {window} (through the last month paid at the old standard); "
             f"{result.months_counted} covered month(s)."]
    if first is None:
        lines.append("2. No covered month in the window: back-pay 0.00 yuan.")
        return "\n".join(lines) + "\n"
    lines += [f"2. Old standard: {_standard(first.paid_standard, lang)} "
              f"({_since(first.paid_standard, lang)}); "
              f"new standard: {_standard(first.due_standard, lang)}.",
              "3. Due at the new standard, exact by month:"]
    lines.extend(_runs(result.due_runs, lang))
    lines.append(f"   Total due {exact_text(result.due_exact)}.")
    if result.paid_given is None:
        lines.append("4. Paid at the old standard, exact by month:")
        lines.extend(_runs(result.paid_runs, lang))
        lines.append(f"   Total paid {exact_text(result.paid_exact)}.")
    else:
        lines.append(f"4. Paid: the amount actually paid, {money_text(result.paid_given)} yuan, "
                     "replaces the amount computed at the old standard.")
    lines.append(f"5. Back-pay = due − paid = {exact_text(result.due_exact)} − "
                 f"{exact_text(result.paid_exact)} = {exact_text(result.exact)}, "
                 f"rounded once to the fen: {money_text(result.amount)} yuan.")
    return "\n".join(lines) + "\n"
