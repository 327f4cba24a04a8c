"""The calculation written out (计算过程), fit to print for the case file.

Every figure comes from the engine's result (:mod:`welfare_calc.core.engine`): its
runs are written out as they were computed, one line a run. This module only
puts words around them, and names the document each figure rests on. The steps
are written once; the words of each language are in :data:`PHRASES`.
"""

from __future__ import annotations

from datetime import date

from welfare_calc.core.engine import (
    EXACT_PER_YUAN,
    UNITS_PER_YUAN,
    Annual,
    Backpay,
    Rate,
    Run,
    fen_text,
)
from welfare_calc.core.households import Household, Supplement
from welfare_calc.core.table import CareTier, Document, Unit
from welfare_calc.output.formats import Lang
from welfare_calc.output.text import money_text, units_text

PHRASES: dict[Lang, dict[str, str]] = {
    Lang.ZH: {
        Unit.PER_MONTH: "每人每月",
        Unit.PER_YEAR: "每人每年",
        "document": "{number}《{title}》（{issuer}{issued}）",
        "document.untitled": "{number}（{issuer}{issued}）",
        "issued": "，{date} 印发",
        "standard": "{unit} {amount} 元",
        "per_year": "，按月折算 {amount} ÷ 12 = {monthly} 元/人·月（精确值，不作中间舍入）",
        "since": "自 {date} 起执行",
        "since_unknown": "起始日期文件未载明",
        "run": "   {span}：{formula} 元/月 × {count} 个月 = {total} 元",
        "run.monthly": "   {span}：{formula}，按月舍入到分为 {amount} 元/月 × {count} 个月 "
                       "= {total} 元",
        "e.title": "计算过程：{name_zh}（{short_zh}），{month}",
        "e.source": "依据：{document}，{since}。",
        "e.standard": "1. 保障标准：{standard}。",
        "e.persons": "2. 保障人数 {persons} 人；家庭月人均收入 {income} 元。",
        "s.fixed": "   分类施保金：每月固定 {amount} 元，有低保金的月份随低保金发放。",
        "s.percent": "   分类施保金：月保障金的 {percent}（{basis}），有低保金的月份随低保金发放。",
        "s.basis.monthly": "按舍入到分后的月保障金计算，再舍入到分",
        "s.basis.total": "按精确的月保障金计算",
        "s.month": "   其中分类施保金 {supplement} 元，合计每月发放 {total} 元。",
        "s.with": "{amount} 元 + 分类施保金 {supplement} 元 = {total}",
        "s.with.exact": "{formula} + 分类施保金 {supplement} = {total}",
        "e.persons_full": "2. 保障人数 {persons} 人；家庭月人均收入 {income} 元"
                          "（特困供养全额发放，收入不抵减）。",
        "e.ineligible": "3. 家庭月人均收入 {income} 元不低于保障标准 {standard} 元，"
                        "本月不符合低保条件，保障金为 0.00 元。",
        "e.gap": "3. 月保障金（补差）=（月标准 - 月人均收入）× 人数 = {formula}，"
                 "四舍五入到分为 {amount} 元。",
        "e.full": "3. 月供养金（全额）= 月标准 × 人数 = {formula}，四舍五入到分为 {amount} 元。",
        "e.year": "4. {year} 年度：覆盖 {months} 个月，逐月精确值相加：",
        "e.total": "   年度合计 {exact} 元，四舍五入到分为 {amount} 元（只在最后一步舍入一次）。",
        "e.year.monthly": "4. {year} 年度：覆盖 {months} 个月，各月保障金（已按户舍入到分）相加：",
        "e.total.monthly": "   年度合计 {amount} 元（各月保障金先按户舍入到分，再相加，"
                           "与按月发放一致）。",
        "e.newly": "5. 家庭月人均收入 {income} 元不低于原标准 {old} 元、低于新标准 {new} 元："
                   "本户因提标新纳入保障范围（应保尽保）；保障起始月份由经办人按审批确定。",
        "b.title": "提标增补计算过程：{name_zh}（{short_zh}），{persons} 人，"
                   "家庭月人均收入 {income} 元",
        "b.source": "依据：{document}，新标准自 {start} 起执行，"
                    "此前已按原标准发放的月份需补发差额。",
        "b.window": "1. 增补期间：{window}（截至按原标准发放的最后一个月），"
                    "本户覆盖其中 {months} 个月。",
        "b.none": "2. 本户在增补期间内没有覆盖月份，增补金额为 0.00 元。",
        "b.standards": "2. 原标准（{old_since}）：{old}；新标准（{new_since}）：{new}。",
        "b.raised": "   标准由 {old} 元提高到 {new} 元（每人每月）。",
        "b.kept": "   标准继续执行，未作调整（每人每月 {new} 元）。",
        "b.deadline": "   文件要求：{note}（{date} 前）。",
        "b.due": "3. 按新标准应发，逐月精确值：",
        "b.due_total": "   应发合计 {exact} 元。",
        "b.paid": "4. 按原标准已发，逐月精确值：",
        "b.paid_total": "   已发合计 {exact} 元。",
        "b.due.monthly": "3. 按新标准应发，每月按户舍入到分：",
        "b.due_total.monthly": "   应发合计 {amount} 元。",
        "b.paid.monthly": "4. 按原标准已发，每月按户舍入到分（即当时实际发放的金额）：",
        "b.paid_total.monthly": "   已发合计 {amount} 元。",
        "b.paid_given": "4. 已发金额按实际发放数 {amount} 元计"
                        "（由经办人提供，替代按原标准计算的金额）。",
        "b.result": "5. 增补金额 = 应发合计 - 已发合计 = {due} - {paid} = {exact}，"
                    "四舍五入到分为 {amount} 元（只在最后一步舍入一次）。",
        "b.result.monthly": "5. 增补金额 = 应发合计 - 已发合计 = {due} - {paid} = {amount} 元"
                            "（金额按户按月舍入到分，与实际发放一致）。",
        "b.overpaid": "5. 已发合计超过应发合计：{due} - {paid} = -{overpaid}。增补金额为 0.00 元；"
                      "多发金额 {overpaid} 元单独列出，不与其他款项冲抵。",
        "c.standard": "   照料护理标准（{tier}）：{standard}，{since}；依据：{document}。"
                      "与基本生活标准分开计发。",
        "c.none": "   未给出护理等级（全自理、半护理或全护理）："
                  "只计基本生活标准，不含照料护理标准。",
        "c.month": "   照料护理费 = 照料护理标准 × 人数 = {formula}，四舍五入到分为 {care} 元；"
                   "合计每月发放 {total} 元。",
        "c.formula": "{formula}，照料护理费 {care}",
        "c.with": "{amount} 元 + 照料护理费 {care} 元 = {total}",
        "c.with.exact": "{formula}，合计 {total}",
        "c.standards": "   照料护理标准（{tier}）：原标准（{old_since}）：{old}；"
                       "新标准（{new_since}）：{new}；依据：{document}。与基本生活标准分开计发。",
        "c.raised": "   照料护理标准（{tier}）由 {old} 元提高到 {new} 元（每人每月）。",
        "c.kept": "   照料护理标准（{tier}）继续执行，未作调整（每人每月 {new} 元）。",
        "c.parts": "   其中照料护理费：应发 {due} 元，已发 {paid} 元，增补 {backpay} 元"
                   "（与基本生活费分开列报）。",
    },
    Lang.EN: {
        Unit.PER_MONTH: "per person per month",
        Unit.PER_YEAR: "per person per year",
        "document": "{number} ({issuer}{issued})",
        "document.untitled": "{number} ({issuer}{issued})",
        "issued": ", issued {date}",
        "standard": "{amount} yuan {unit}",
        "per_year": ", monthly {amount} / 12 = {monthly} yuan (kept exact, not rounded)",
        "since": "in force from {date}",
        "since_unknown": "start date not stated",
        "run": "   {span}: {formula} yuan/month × {count} = {total} yuan",
        "run.monthly": "   {span}: {formula}, rounded to the fen: {amount} yuan/month × {count} = "
                       "{total} yuan",
        "e.title": "Calculation: {name_en}, {month}",
        "e.source": "Source: {document}, {since}.",
        "e.standard": "1. Standard: {standard}.",
        "e.persons": "2. {persons} covered person(s); per-capita monthly income {income} yuan.",
        "s.fixed": "   分类施保 supplement: a fixed {amount} yuan a month, paid with each month "
                   "of dibao.",
        "s.percent": "   分类施保 supplement: {percent} of the monthly dibao amount ({basis}), "
                     "paid with each month of dibao.",
        "s.basis.monthly": "of the amount rounded to the fen, then rounded",
        "s.basis.total": "of the exact amount",
        "s.month": "   Of which supplement {supplement}; paid a month in all: {total}.",
        "s.with": "{amount} + supplement {supplement} = {total}",
        "s.with.exact": "{formula} + supplement {supplement} = {total}",
        "e.persons_full": "2. {persons} covered person(s); per-capita monthly income {income} "
                          "yuan (tekun pays the full standard; income does not reduce it).",
        "e.ineligible": "3. Income {income} is not below the standard {standard}: "
                        "not eligible this month, amount 0.00.",
        "e.gap": "3. Monthly amount (gap-filling) = (standard - income) × persons = {formula}, "
                 "rounded to the fen: {amount}.",
        "e.full": "3. Monthly amount (full standard) = standard × persons = {formula}, "
                  "rounded to the fen: {amount}.",
        "e.year": "4. Year {year}: {months} covered month(s), exact sum of months:",
        "e.total": "   Total {exact}, rounded once to the fen: {amount} yuan.",
        "e.year.monthly": "4. Year {year}: {months} covered month(s), the sum of the months' "
                          "amounts, each rounded to the fen:",
        "e.total.monthly": "   Total {amount} yuan (each month's amount rounded to the fen, "
                           "then added, as it is paid).",
        "e.newly": "5. Income {income} is at or above the old standard {old} and below the "
                   "new one {new}: the raise makes this household newly eligible (应保尽保); "
                   "its first covered month is the clerk's to set from the approval.",
        "b.title": "Back-pay calculation: {name_en}, {persons} person(s), "
                   "per-capita monthly income {income} yuan",
        "b.source": "Source: {document}; the new standard is in force from {start}, "
                    "so months already paid at the old one are topped up.",
        "b.window": "1. Window: {window} (through the last month paid at the old standard); "
                    "{months} covered month(s).",
        "b.none": "2. No covered month in the window: back-pay 0.00 yuan.",
        "b.standards": "2. Old standard: {old} ({old_since}); new standard: {new}.",
        "b.raised": "   The standard was raised from {old} to {new} yuan (per person, month).",
        "b.kept": "   The standard was kept (继续执行): {new} yuan per person and month.",
        "b.deadline": "   The notice requires: {note} (by {date}).",
        "b.due": "3. Due at the new standard, exact by month:",
        "b.due_total": "   Total due {exact}.",
        "b.paid": "4. Paid at the old standard, exact by month:",
        "b.paid_total": "   Total paid {exact}.",
        "b.due.monthly": "3. Due at the new standard, each month rounded to the fen:",
        "b.due_total.monthly": "   Total due {amount}.",
        "b.paid.monthly": "4. Paid at the old standard, each month rounded to the fen (what "
                          "was actually paid):",
        "b.paid_total.monthly": "   Total paid {amount}.",
        "b.paid_given": "4. Paid: the amount actually paid, {amount} yuan, replaces the amount "
                        "computed at the old standard.",
        "b.result": "5. Back-pay = due - paid = {due} - {paid} = {exact}, "
                    "rounded once to the fen: {amount} yuan.",
        "b.result.monthly": "5. Back-pay = due - paid = {due} - {paid} = {amount} yuan "
                            "(amounts rounded per household and month, as paid).",
        "b.overpaid": "5. Paid exceeds due: {due} - {paid} = -{overpaid}. Back-pay is 0.00 "
                      "yuan; the {overpaid} yuan overpaid is reported on its own, not netted.",
        "c.standard": "   Care standard ({tier}): {standard}, {since}; source: {document}. Paid "
                      "apart from the basic standard.",
        "c.none": "   No care tier given (self-care, partial-care or full-care): the basic "
                  "standard alone, without a care standard.",
        "c.month": "   Care = care standard × persons = {formula}, rounded to the fen: {care}; "
                   "paid a month in all: {total}.",
        "c.formula": "{formula}; care {care}",
        "c.with": "{amount} + care {care} = {total}",
        "c.with.exact": "{formula}; in all {total}",
        "c.standards": "   Care standard ({tier}): old standard: {old} ({old_since}); new "
                       "standard: {new} ({new_since}); source: {document}. Paid apart from "
                       "the basic standard.",
        "c.raised": "   The care standard ({tier}) was raised from {old} to {new} yuan (per "
                    "person, month).",
        "c.kept": "   The care standard ({tier}) was kept: {new} yuan per person and month.",
        "c.parts": "   Of which care: due {due}, paid {paid}, back-pay {backpay} yuan "
                   "(reported apart from the basic amount).",
    },
}


def _document(document: Document, say: dict[str, str]) -> str:
    issued = say["issued"].format(date=document.issued) if document.issued else ""
    shape = "document" if document.title is not None else "document.untitled"
    return say[shape].format(number=document.number, title=document.title,
                             issuer=document.issuer, issued=issued)


def _units(units: int) -> str:
    """A monthly figure in the engine's units (1/1200 yuan), exact."""
    return units_text(units, UNITS_PER_YUAN)


def _exact(exact: int) -> str:
    """An exact amount of the engine (1/:data:`EXACT_PER_YUAN` yuan)."""
    return units_text(exact, EXACT_PER_YUAN)


def _standard(rate: Rate, say: dict[str, str]) -> str:
    value = rate.value
    amount = money_text(value.amount)
    text = say["standard"].format(unit=say[value.unit], amount=amount)
    if value.unit is Unit.PER_YEAR:
        text += say["per_year"].format(amount=amount, monthly=_units(rate.units))
    return text


def _care_standard(rate: Rate, say: dict[str, str]) -> str:
    assert rate.care is not None
    assert rate.tier is not None
    amount = money_text(rate.care.amount(rate.tier))
    text = say["standard"].format(unit=say[rate.care.unit], amount=amount)
    if rate.care.unit is Unit.PER_YEAR:
        text += say["per_year"].format(amount=amount, monthly=_units(rate.care_units))
    return text


def _since(effective: date | None, say: dict[str, str]) -> str:
    return say["since"].format(date=effective) if effective else say["since_unknown"]


def _tier(tier: CareTier, lang: Lang) -> str:
    return lang.of(tier.name_zh, f"{tier.value}, {tier.name_zh}")


def _formula(run: Run) -> str:
    """One month's formula with its numbers: (S - y) × n or S × n."""
    standard = _units(run.rate.units)
    if not run.rate.gap:
        return f"{standard} × {run.persons} = {_units(run.base)}"
    if not run.eligible:
        return f"max(0, {standard} - {_units(run.income)}) × {run.persons} = 0.00"
    return f"({standard} - {_units(run.income)}) × {run.persons} = {_units(run.base)}"


def _care_formula(run: Run) -> str:
    """One month's care: C × n (rule 17)."""
    return f"{_units(run.rate.care_units)} × {run.persons} = {_units(run.care)}"


def _runs(runs: tuple[Run, ...], say: dict[str, str], monthly: bool) -> list[str]:
    """Each run of the engine, as it computed it; rounded per month (``monthly``) or exact."""
    lines = []
    for run in runs:
        pay = run.pay
        formula, amount = _formula(run), fen_text(pay.base)
        if pay.supplement_exact:
            if monthly:
                amount = say["s.with"].format(amount=amount,
                                              supplement=fen_text(pay.supplement),
                                              total=fen_text(pay.base + pay.supplement))
            else:
                formula = say["s.with.exact"].format(
                    formula=formula, supplement=_exact(pay.supplement_exact),
                    total=_exact(pay.base_exact + pay.supplement_exact))
        if run.rate.tier is not None:
            formula = say["c.formula"].format(formula=formula, care=_care_formula(run))
            if monthly:
                amount = say["c.with"].format(amount=amount, care=fen_text(pay.care),
                                              total=fen_text(pay.total))
            else:
                formula = say["c.with.exact"].format(formula=formula, total=_exact(pay.exact))
        lines.append(say["run.monthly" if monthly else "run"].format(
            span=str(run.first) if run.first == run.last else f"{run.first}—{run.last}",
            formula=formula, count=run.months, amount=amount,
            total=fen_text(run.total) if monthly else _exact(run.exact)))
    return lines


def _supplement_rule(supplement: Supplement | None, say: dict[str, str],
                     monthly: bool) -> list[str]:
    """The 分类施保 supplement's rule, as a line, when the household has one."""
    if supplement is None:
        return []
    if supplement.fixed is not None:
        return [say["s.fixed"].format(amount=money_text(supplement.fixed))]
    return [say["s.percent"].format(
        percent=str(supplement), basis=say["s.basis.monthly" if monthly else "s.basis.total"])]


def _care_rule(house: Household, rate: Rate, care_categories: bool, say: dict[str, str],
               lang: Lang) -> list[str]:
    """The care standard of the household's tier, as a line; or, for a category paid care
    standards, that no tier was given and the basic standard stands alone (rule 17)."""
    if rate.tier is None or rate.care is None or rate.care_document is None:
        return [say["c.none"]] if care_categories and house.care is None else []
    return [say["c.standard"].format(tier=_tier(rate.tier, lang),
                                     standard=_care_standard(rate, say),
                                     since=_since(rate.care.effective, say),
                                     document=_document(rate.care_document, say))]


def explain_entitlement(month: Run, year: Annual, lang: Lang, *, care_paid: bool = False,
                        newly: tuple[Rate, Rate] | None = None) -> str:
    """The entitlement calculation written out step by step; ``care_paid``: whether the
    category pays care standards; ``newly``: the raise's old and new standards, when it
    makes the household newly eligible."""
    say = PHRASES[lang]
    rate = month.rate
    category = rate.category
    house = year.household
    income = money_text(house.income)
    gap = bool(rate.gap)
    monthly = year.rounder.monthly
    lines = [
        say["e.title"].format(name_zh=category.name_zh, short_zh=category.short_zh,
                              name_en=category.name_en, month=month.first),
        say["e.source"].format(document=_document(rate.document, say),
                               since=_since(rate.value.effective, say)),
        say["e.standard"].format(standard=_standard(rate, say)),
        *_care_rule(house, rate, care_paid, say, lang),
        say["e.persons" if gap else "e.persons_full"].format(persons=house.persons,
                                                             income=income),
        *_supplement_rule(house.supplement, say, monthly),
    ]
    pay = month.pay
    if gap and not month.eligible:
        lines.append(say["e.ineligible"].format(income=income, standard=_units(rate.units)))
    else:
        lines.append(say["e.gap" if gap else "e.full"].format(
            formula=_formula(month), amount=fen_text(pay.base)))
        if pay.supplement_exact:
            lines.append(say["s.month"].format(supplement=fen_text(pay.supplement),
                                               total=fen_text(pay.base + pay.supplement)))
    if rate.tier is not None:
        lines.append(say["c.month"].format(formula=_care_formula(month),
                                           care=fen_text(pay.care), total=fen_text(pay.total)))
    lines.append(say["e.year.monthly" if monthly else "e.year"].format(
        year=year.year, months=year.months))
    lines.extend(_runs(year.runs, say, monthly))
    lines.append(say["e.total.monthly" if monthly else "e.total"].format(
        exact=_exact(year.exact), amount=fen_text(year.total)))
    if newly is not None:
        old, new = newly
        lines.append(say["e.newly"].format(income=income, old=_units(old.units),
                                           new=_units(new.units)))
    return "\n".join(lines) + "\n"


def explain_backpay(result: Backpay, lang: Lang, *, care_paid: bool = False) -> str:
    """The back-pay (提标增补) calculation written out step by step, run by run as the
    engine computed it; ``care_paid``: whether the category pays care standards."""
    say = PHRASES[lang]
    category = result.category
    house = result.household
    document = result.raise_document
    monthly = result.rounder.monthly
    lines = [
        say["b.title"].format(name_zh=category.name_zh, short_zh=category.short_zh,
                              name_en=category.name_en, persons=house.persons,
                              income=money_text(house.income)),
        say["b.source"].format(document=_document(document, say), start=result.window_start),
        *([say["b.deadline"].format(note=document.backpay_note or document.backpay_due,
                                    date=document.backpay_due)]
          if document.backpay_due is not None else []),
        say["b.window"].format(window=f"{result.window_start}—{result.through}",
                               months=result.months_counted),
        *_supplement_rule(house.supplement, say, monthly),
        *([say["c.none"]] if care_paid and house.care is None else []),
    ]
    if not result.pairs:
        lines.append(say["b.none"])
        return "\n".join(lines) + "\n"
    old, new = result.pairs[0][1].rate, result.pairs[0][0].rate
    lines.append(say["b.standards"].format(
        old=_standard(old, say), old_since=_since(old.value.effective, say),
        new=_standard(new, say), new_since=_since(new.value.effective, say)))
    lines.append(say["b.raised" if new.units != old.units else "b.kept"].format(
        old=_units(old.units), new=_units(new.units)))
    if new.tier is not None and new.care is not None and new.care_document is not None:
        assert old.care is not None
        lines.append(say["c.standards"].format(
            tier=_tier(new.tier, lang), old=_care_standard(old, say),
            old_since=_since(old.care.effective, say), new=_care_standard(new, say),
            new_since=_since(new.care.effective, say),
            document=_document(new.care_document, say)))
        lines.append(say["c.raised" if new.care_units != old.care_units else "c.kept"].format(
            tier=_tier(new.tier, lang), old=_units(old.care_units), new=_units(new.care_units)))
    way = ".monthly" if monthly else ""
    lines.append(say["b.due" + way])
    lines.extend(_runs(result.due_runs, say, monthly))
    lines.append(say["b.due_total" + way].format(exact=_exact(result.due_exact),
                                                 amount=fen_text(result.due)))
    if result.paid_given is None:
        lines.append(say["b.paid" + way])
        lines.extend(_runs(result.paid_runs, say, monthly))
        lines.append(say["b.paid_total" + way].format(exact=_exact(result.paid_exact),
                                                      amount=fen_text(result.paid)))
    else:
        lines.append(say["b.paid_given"].format(amount=fen_text(result.paid_given)))
    due, paid = ((fen_text(result.due), fen_text(result.paid)) if monthly
                 else (_exact(result.due_exact), _exact(result.paid_exact)))
    if result.overpaid > 0:
        lines.append(say["b.overpaid"].format(due=due, paid=paid,
                                              overpaid=fen_text(result.overpaid)))
    else:
        lines.append(say["b.result" + way].format(due=due, paid=paid,
                                                  exact=_exact(result.exact),
                                                  amount=fen_text(result.amount)))
    if new.tier is not None and result.paid_given is None:
        lines.append(say["c.parts"].format(due=fen_text(result.care_due),
                                           paid=fen_text(result.care_paid),
                                           backpay=fen_text(result.care_due - result.care_paid)))
    return "\n".join(lines) + "\n"
