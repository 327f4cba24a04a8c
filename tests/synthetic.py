"""Synthetic households, for the batch benchmark and tests. Not real data.

Deterministic for a seed, so a benchmark figure can be reproduced.
"""

from __future__ import annotations

import csv
import random
from typing import TextIO

CATEGORIES = ("urban-dibao", "rural-dibao", "urban-tekun", "rural-tekun")
HEADER = ("id", "category", "persons", "income", "start", "end", "paid")


def write_households(out: TextIO, rows: int, seed: int = 2020) -> None:
    """Households like a district's: mostly covered all window, some joining or leaving.

    Ids are household case numbers (``H`` + 9 digits), each once; dibao
    incomes are to the fen, up to 700 yuan, so some households are over the
    standard; tekun households have one person and no income.
    """
    rng = random.Random(seed)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for number in range(rows):
        category = rng.choice(CATEGORIES)
        tekun = category.endswith("tekun")
        persons = 1 if tekun else rng.randint(1, 6)
        income = "0" if tekun else f"{rng.randint(0, 70_000) / 100:.2f}"
        draw = rng.random()
        start = f"2020-{rng.randint(2, 8):02d}" if draw < 0.1 else ""
        end = f"2020-{rng.randint(1, 7):02d}" if 0.1 <= draw < 0.15 else ""
        writer.writerow([f"H{number:09d}", category, persons, income, start, end, ""])
