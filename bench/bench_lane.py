"""Time one chunk through the batch's column-wise lane, in this process: its CPU cost alone.

A whole batch run's time is shared between processes, start-up and the disk,
and on a busy machine varies by ±15% from run to run; one chunk processed
again and again, warm, is steadier, and is what a change to
``batch/rows/lane.py`` or ``batch/run/chunks.py`` changes. The chunk is the first
megabyte of the benchmark's roster (``bench_batch.py``'s households, seed
2020), its verdicts already asked of the core by an untimed run over the
next three megabytes, as they are in a long run. Usage::

    python bench/bench_lane.py --repeat 150
    python bench/bench_lane.py --repeat 150 --id-numbers   # ids: resident ID numbers
    python bench/bench_lane.py --repeat 30 --row-path      # the row path, not the lane
    PYTHONPATH=other/src python bench/bench_lane.py   # another tree
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench_batch import roster
from welfare_calc.batch.rows.parsing import RowParser, read_header
from welfare_calc.batch.run.chunks import LANE_ROWS, ChunkProcessor
from welfare_calc.core.engine import BackpayEngine
from welfare_calc.core.months import Month
from welfare_calc.standards.loader import shipped_standards

CHUNK = 1 << 20


def whole_lines(data: bytes) -> bytes:
    """``data`` up to its last line end."""
    return data[:data.rindex(b"\n") + 1]


def main() -> None:
    assert __doc__ is not None
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=150)
    parser.add_argument("--dir", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--id-numbers", action="store_true",
                        help="ids are resident ID numbers, not case numbers")
    parser.add_argument("--row-path", action="store_true",
                        help="the chunk read by the row path (as a roster whose columns are "
                             "not in the usual order is), not the lane")
    args = parser.parse_args()
    with roster(args.dir, 1_000_000, id_numbers=args.id_numbers).open("rb") as handle:
        header, rest = handle.read(4 * CHUNK + 4096).split(b"\n", 1)
    table = shipped_standards().table
    columns = read_header(header.decode("utf-8").split(","))
    processor = ChunkProcessor(parser=RowParser(table, columns),
                               plan=BackpayEngine(table, Month(2020, 8)), columns=columns,
                               categories=list(table.categories), encoding="utf-8",
                               output_encoding="utf-8", newline="\n", jsonl=False,
                               lane_rows=1 << 62 if args.row_path else LANE_ROWS)
    chunk = whole_lines(rest[:CHUNK])
    processor.process(2, whole_lines(rest[CHUNK:4 * CHUNK]))  # (the verdicts, asked)
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = processor.process(2, chunk)
        times.append(time.perf_counter() - started)
    rows = chunk.count(b"\n")
    assert result.rows_written == rows, "every row of the chunk is written"
    print(f"one chunk of {rows:,} rows ({len(chunk):,} bytes): best {min(times) * 1e3:.1f} ms, "
          f"median {statistics.median(times) * 1e3:.1f} ms "
          f"({min(times) / rows * 1e6:.2f} µs a row at best), of {args.repeat}")


if __name__ == "__main__":
    main()
