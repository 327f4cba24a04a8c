"""Make ``examples/花名册.xlsx``: a roster as the provincial system exports it.

A title, a "制表单位" line, Chinese column names, numbers stored as numbers,
months as dates, and one ID number stored as a number (so that its last
digits are lost, as Excel does). The households are invented, like those of
``households.csv``; ``11010519491231002X`` is GB 11643's own example number.

    python examples/make_roster.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

HEADER = ["编号", "姓名", "类别", "保障人数", "家庭月人均收入", "起始月份", "截止月份"]
ROWS: list[list[object]] = [
    ["ZC-0101", "张秀英", "城市低保", 3, 200, None, None],
    ["ZC-0102", "李建国", "农村低保", 1, 0, None, None],
    ["ZC-0103", "王桂兰", "农村特困", 1, 0, dt.datetime(2020, 3, 1), None],
    ["ZC-0104", "赵明", "城市特困", 2, 0, None, dt.datetime(2020, 5, 1)],
    ["ZC-0105", "刘芳", "城市低保", 1, 630.5, None, None],
    ["11010519491231002X", "陈志强", "农村低保", 2, 100, None, None],
    [110105194912310021, "周淑珍", "城市低保", 1, 0, None, None],
]


def main() -> None:
    target = Path(__file__).with_name("花名册.xlsx")
    book = xlsxwriter.Workbook(str(target), {"strings_to_numbers": False,
                                            "strings_to_formulas": False})
    sheet = book.add_worksheet("低保花名册")
    month = book.add_format({"num_format": "yyyy-mm"})
    sheet.write_string(0, 0, "周村区城乡低保、特困供养提标增补花名册")
    sheet.write_string(1, 0, "制表单位：永安街道办事处")
    sheet.write_string(1, 5, "单位：元")
    for column, name in enumerate(HEADER):
        sheet.write_string(2, column, name)
    for row, cells in enumerate(ROWS, 3):
        for column, value in enumerate(cells):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(row, column, value, month)
            elif isinstance(value, int | float):
                sheet.write_number(row, column, value)
            elif value is not None:
                sheet.write_string(row, column, value)
    book.close()


if __name__ == "__main__":
    main()
