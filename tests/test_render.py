"""The console's tables: drawn by render.simple_table as tabulate draws them, without
importing tabulate for what a report holds."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate

from welfare_calc.output.render import simple_table

PLAIN = st.sampled_from([*"abcXYZ019 .-:/%()", *"类别名称保障人数月份元是否", *"（）：，、",
                         "—", "·"])
ANY = st.one_of(PLAIN, st.sampled_from(["\n", "\u0301", "\u200b", "😀", "\t", "\x1b"]))


def cells(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.text(alphabet, max_size=12)


@st.composite
def tables(draw: st.DrawFn, alphabet: st.SearchStrategy[str]
           ) -> tuple[list[list[str]], list[str] | None]:
    width = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(cells(alphabet), min_size=width, max_size=width),
                         max_size=5))
    headers = draw(st.none() | st.lists(cells(alphabet), min_size=width, max_size=width))
    if headers is None and not rows:
        rows = [[""] * width]
    return rows, headers


@settings(max_examples=300)
@given(tables(PLAIN))
def test_a_table_of_plain_text_is_tabulates(table: tuple[list[list[str]], list[str] | None]
                                             ) -> None:
    rows, headers = table
    assert simple_table(rows, headers) == tabulate(rows, headers=headers or (),
                                                   tablefmt="simple", disable_numparse=True)


@settings(max_examples=200)
@given(tables(ANY))
def test_a_table_of_any_text_is_tabulates(table: tuple[list[list[str]], list[str] | None]
                                           ) -> None:
    # A cell only wcwidth can measure (a line break, a combining mark, an emoji) is drawn
    # by tabulate itself.
    rows, headers = table
    assert simple_table(rows, headers) == tabulate(rows, headers=headers or (),
                                                   tablefmt="simple", disable_numparse=True)


def test_a_table_call_imports_neither_tabulate_nor_wcwidth() -> None:
    probe = ("import sys\n"
             "from welfare_calc.output.render import Report, render\n"
             "from welfare_calc.output.formats import Format, Lang\n"
             "render(Report({'category': 'rural-dibao', 'persons': 2, 'eligible': True}),"
             " Format.TABLE, Lang.ZH)\n"
             "print(sorted({'tabulate', 'wcwidth'} & set(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
