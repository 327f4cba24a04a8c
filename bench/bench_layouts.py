"""CPU a row of the batch's chunk processing, for the same households written four ways.

The batch benchmark (``bench_batch.py``) uses the usual layout with case
numbers as ids, which the NumPy lane reads. This one shows what other real
files cost, processing every chunk in this one process (best of 3):

- ``synthetic``: the benchmark's households as they are;
- ``gbk-chinese``: GBK, with Chinese category names, written as UTF-8;
- ``resident-ids``: resident ID numbers (valid check digits) as ids;
- ``quoted``: every cell quoted, which the csv module reads row by row.

Usage::

    python bench/bench_layouts.py --rows 200000
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

from stdnum.cn import ric

from welfare_calc.batch.input.reading import read_records, split_header
from welfare_calc.batch.rows.parsing import RowParser, read_header
from welfare_calc.batch.run.chunks import ChunkProcessor
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.months import Month
from welfare_calc.standards.loader import shipped_standards

CHINESE = {"urban-dibao": "城市低保", "rural-dibao": "农村低保",
           "urban-tekun": "城市特困", "rural-tekun": "农村特困"}


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from synthetic import write_households  # noqa: E402 - a test helper, not in the wheel


def resident_id(number: int) -> str:
    """A made-up resident ID number with a valid check digit (not a real person's)."""
    body = f"370306{19500101 + number:08d}{number % 1000:03d}"[:17]
    return body + ric.calc_check_digit(body + "0")


def layouts(rows: int) -> dict[str, tuple[bytes, str, str]]:
    """name → (file bytes, input encoding, output encoding)."""
    text = io.StringIO()
    write_households(text, rows)
    header, *lines = text.getvalue().splitlines()
    cells = [line.split(",") for line in lines]
    chinese = [[row[0], CHINESE[row[1]], *row[2:]] for row in cells]
    resident = [[resident_id(number), *row[1:]] for number, row in enumerate(cells)]

    def written(table: list[list[str]], quote: bool = False) -> str:
        if quote:
            return "\n".join([header, *('"' + '","'.join(row) + '"' for row in table)]) + "\n"
        return "\n".join([header, *(",".join(row) for row in table)]) + "\n"

    return {
        "synthetic": (written(cells).encode("utf-8"), "utf-8", "utf-8"),
        "gbk-chinese": (written(chinese).encode("gbk"), "gbk", "utf-8"),
        "resident-ids": (written(resident).encode("utf-8"), "utf-8", "utf-8"),
        "quoted": (written(cells, quote=True).encode("utf-8"), "utf-8", "utf-8"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    table = shipped_standards().table
    plan = BackpayEngine(table, Month(2020, 8))
    for name, (data, encoding, output_encoding) in layouts(args.rows).items():
        source = io.BytesIO(data)
        header, rest, _ = split_header(source)
        columns = read_header(header.decode(encoding).split(","))
        chunks = list(read_records(source, rest))
        processor = ChunkProcessor(
            parser=RowParser(table, columns), plan=plan, columns=columns,
            categories=list(table.categories), encoding=encoding,
            output_encoding=output_encoding, newline="\n", jsonl=False)
        processor.lane()
        best, written = float("inf"), 0
        for _ in range(3):
            started = time.process_time()
            written = sum(len(processor.process(2, chunk).accepted) for chunk in chunks)
            best = min(best, time.process_time() - started)
        print(f"{name}: {best / args.rows * 1e6:.1f} µs of CPU a row "
              f"({written:,} of {args.rows:,} rows written)")


if __name__ == "__main__":
    main()
