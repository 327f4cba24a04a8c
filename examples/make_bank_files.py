"""Make the bank files of ``docs/bank.md``: a month's bank file (代发) in both shipped
layouts, a bank's return (回盘) of each with one payment failed, and a return edited
wrong (回盘_错误.csv: an amount altered, a line deleted), which ``reconcile`` refuses.

The payments are invented (the town roster's first households); the payroll command will
write such bank files from a roster. The returns are what a bank sends back: the sent
file's lines, then 处理结果 and 失败原因.

    python examples/make_bank_files.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from welfare_calc.core.months import Month
from welfare_calc.payroll.bank import write_bank_file
from welfare_calc.payroll.layouts import shipped
from welfare_calc.payroll.payments import Payment

HERE = Path(__file__).parent
MONTH = Month.parse("2024-05")
PAYMENTS = [
    Payment(MONTH, "110105190001011012", "张秀英", "6222 0212 3456 7890 128", 126000),
    Payment(MONTH, "110105190001011020", "李建国", "6217000012345678907", 58350),
    Payment(MONTH, "110105190001011039", "王桂兰", "6228-4800-1122-3344-554", 137305),
]
FAILED = {"110105190001011020": "户名不符"}
"""The payment the bank failed, and why."""


def main() -> None:
    for layout_name, sent_name, return_name in (("csv", "代发_2024-05.csv", "回盘_2024-05.csv"),
                                                ("pipe", "代发_2024-05.txt", "回盘_2024-05.txt")):
        layout = shipped(layout_name)
        sent = HERE / sent_name
        write_bank_file(PAYMENTS, layout, sent, month=MONTH, office="周村区民政局",
                        batch_no="202405001", day=dt.date(2024, 5, 20))
        codec = "utf-8-sig" if layout.encoding == "utf-8-sig" else layout.encoding
        lines = sent.read_text(encoding=codec).splitlines()
        answered = []
        for line in lines:
            cells = line.split(layout.delimiter)
            if len(cells) != len(layout.columns):
                continue  # the summary line: a return answers payments
            if cells[0] == "序号":
                answered.append(layout.delimiter.join([*cells, "处理结果", "失败原因"]))
                continue
            reason = FAILED.get(cells[2].strip())
            answered.append(layout.delimiter.join(
                [*cells, "失败" if reason else "成功", reason or ""]))
        (HERE / return_name).write_text("\r\n".join(answered) + "\r\n", encoding=codec)
        if layout_name == "csv":
            # docs/bank.md's refused return: an amount altered, the last line deleted.
            altered = [answered[0], answered[1], answered[2].replace(",583.50,", ",585.30,")]
            (HERE / "回盘_错误.csv").write_text("\r\n".join(altered) + "\r\n", encoding=codec)


if __name__ == "__main__":
    main()
