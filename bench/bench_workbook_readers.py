"""Benchmark the two workbook readers on a roster saved as Excel saves it.

Reads N synthetic households from an ``.xlsx`` whose texts are in the shared-strings
table (as Excel and WPS save every workbook; XlsxWriter's constant-memory mode writes
them inline, which spares a streaming reader the table), with ``welfare-calc batch``:

- as it chooses (python-calamine up to ``workbook_cells.STREAM_PAST`` cells,
  python-calamine-plus past it where the ``large-workbooks`` extra is installed);
- with ``WELFARE_CALC_WORKBOOK_READER=calamine`` (the sheet held whole);
- the reader's own pass, the floor: python-calamine-plus opening the workbook and
  streaming every row of the sheet, nothing else (where the extra is installed);
- with ``--against SRC``, the batch as it chooses from another source tree too
  (``python -m welfare_calc`` with ``PYTHONPATH=SRC``: the code before a change);

each as whole processes, interleaved run by run (a slow spell of a shared machine hits
each alike), best and median of ``--repeat``, with the peak memory (summed PSS of the
process and its workers), and checks the outputs are the same bytes. Usage::

    python bench/bench_workbook_readers.py --rows 1048575 --repeat 3
    python bench/bench_workbook_readers.py --rows 1048575 --repeat 5 --against /tmp/before/src
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import ENVIRONMENT, peak_tree_memory, setup, timed
from bench_workbook import as_workbook

_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="inlineStr"><is><t'
                     rb'(?: xml:space="preserve")?>([^<]*)</t></is></c>')
_SHARED_TYPE = ("application/vnd.openxmlformats-officedocument.spreadsheetml."
                "sharedStrings+xml")
_SHARED_RELATION = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                    "sharedStrings")


def with_shared_strings(source: Path, target: Path) -> None:
    """``source`` (inline strings, one sheet) rewritten with every text in the
    shared-strings table, each cell pointing to it by index, as Excel saves it."""
    table: dict[bytes, int] = {}
    count = 0

    def shared(found: re.Match[bytes]) -> bytes:
        nonlocal count
        count += 1
        index = table.setdefault(found[3], len(table))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (found[1], found[2] or b"", index)

    with zipfile.ZipFile(source) as given, zipfile.ZipFile(target, "w",
                                                          zipfile.ZIP_DEFLATED) as made:
        for info in given.infolist():
            data = given.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = _INLINE.sub(shared, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                    b'ContentType="%s"/></Types>' % _SHARED_TYPE.encode())
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdShared" '
                                    b'Type="%s" Target="sharedStrings.xml"/></Relationships>'
                                    % _SHARED_RELATION.encode())
            made.writestr(info, data)
        parts = [b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
                 b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
                 b'uniqueCount="%d">' % (count, len(table))]
        parts += [b"<si><t>%s</t></si>" % text for text in table]
        parts.append(b"</sst>")
        made.writestr("xl/sharedStrings.xml", b"".join(parts))


PASS = """
import sys
import python_calamine_plus as plus
book = plus.CalamineWorkbook.from_path(sys.argv[1])
for row in book.stream_sheet_by_name(sys.argv[2]):
    pass
"""
"""The streaming reader's own pass over the sheet: the floor of any reading of it."""


def main() -> None:
    assert __doc__ is not None
    args, source, exe = setup(__doc__, 1_048_575)
    inline = args.dir / f"households_{args.rows}.xlsx"
    if not inline.exists():
        as_workbook(source, inline)
    roster = args.dir / f"households_{args.rows}_shared.xlsx"
    if not roster.exists():
        with_shared_strings(inline, roster)
    runs: dict[str, str | None] = {"as chosen": None, "calamine": "calamine"}
    if args.against is not None:
        runs["as chosen, --against"] = None
    outputs = {name: args.dir / f"readers-{name.replace(' ', '-').replace(',', '')}.csv"
               for name in runs}
    commands = {name: [exe, "batch", str(roster), "--through", "2020-08", "-o",
                       str(outputs[name])] for name in runs}
    environments: dict[str, dict[str, str]] = {}
    for name, reader in runs.items():
        environments[name] = {key: value for key, value in ENVIRONMENT.items()
                              if key != "WELFARE_CALC_WORKBOOK_READER"}
        if reader is not None:
            environments[name]["WELFARE_CALC_WORKBOOK_READER"] = reader
    if args.against is not None:
        commands["as chosen, --against"] = [sys.executable, "-m", "welfare_calc",
                                            *commands["as chosen, --against"][1:]]
        environments["as chosen, --against"]["PYTHONPATH"] = str(args.against.resolve())
    try:
        import python_calamine_plus  # noqa: F401, PLC0415 - is the extra installed?
    except ImportError:
        floor: list[str] | None = None
    else:
        floor = [sys.executable, "-c", PASS, str(roster), "花名册"]
    times: dict[str, list[float]] = {name: [] for name in [*runs, "reader's pass"]}
    for _ in range(args.repeat):  # interleaved: a slow spell of the machine hits each
        if floor is not None:
            times["reader's pass"].append(timed(floor))
        for name in runs:
            times[name].append(timed(commands[name], environments[name]))
    passes = times["reader's pass"]
    for name in runs:
        ENVIRONMENT.clear()
        ENVIRONMENT.update(environments[name])
        memory = peak_tree_memory(commands[name])
        spent = sorted(times[name])
        ratios = (f"; {spent[0] / min(passes):.2f}× the reader's pass (best of each), run by "
                  "run " + ", ".join(f"{one / other:.2f}" for one, other in zip(
                      times[name], passes, strict=True)) if passes else "")
        print(f"{name}: rows {args.rows:,}; {spent[0]:.2f} s best, {spent[len(spent) // 2]:.2f} "
              f"s median of {args.repeat} ({spent[0]:.2f}-{spent[-1]:.2f}){ratios}; peak "
              f"memory {memory:.0f} MB (PSS, all processes)")
    if passes:
        print(f"the reader's own pass (python-calamine-plus, every row): {min(passes):.2f} s "
              f"best, {sorted(passes)[len(passes) // 2]:.2f} s median")
    first = outputs["as chosen"].read_bytes()
    same = all(outputs[name].read_bytes() == first for name in runs)
    print("outputs: the same bytes" if same else "outputs DIFFER")


if __name__ == "__main__":
    main()
