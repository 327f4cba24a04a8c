"""Benchmark the two workbook readers on a roster saved as Excel saves it.

Reads N synthetic households from an ``.xlsx`` whose texts are in the shared-strings
table (as Excel and WPS save every workbook; XlsxWriter's constant-memory mode writes
them inline, which spares a streaming reader the table), with ``welfare-calc batch``:

- as it chooses (python-calamine up to ``workbook_cells.STREAM_PAST`` cells,
  python-calamine-plus past it where the ``large-workbooks`` extra is installed);
- with ``WELFARE_CALC_WORKBOOK_READER=calamine`` (the sheet held whole);

each as whole processes, best of ``--repeat``, interleaved, with the peak memory
(summed PSS of the process and its workers), and checks the two outputs are the same
bytes. Usage::

    python bench/bench_workbook_readers.py --rows 1048575 --repeat 3
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


def main() -> None:
    assert __doc__ is not None
    args, source, exe = setup(__doc__, 1_048_575)
    inline = args.dir / f"households_{args.rows}.xlsx"
    if not inline.exists():
        as_workbook(source, inline)
    roster = args.dir / f"households_{args.rows}_shared.xlsx"
    if not roster.exists():
        with_shared_strings(inline, roster)
    runs = {"as chosen": None, "calamine": "calamine"}
    outputs = {name: args.dir / f"readers-{name.replace(' ', '-')}.csv" for name in runs}
    commands = {name: [exe, "batch", str(roster), "--through", "2020-08", "-o",
                       str(outputs[name])] for name in runs}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeat):  # interleaved: a slow spell of the machine hits both
        for name, reader in runs.items():
            ENVIRONMENT.pop("WELFARE_CALC_WORKBOOK_READER", None)
            if reader is not None:
                ENVIRONMENT["WELFARE_CALC_WORKBOOK_READER"] = reader
            times[name].append(timed(commands[name]))
    for name, reader in runs.items():
        ENVIRONMENT.pop("WELFARE_CALC_WORKBOOK_READER", None)
        if reader is not None:
            ENVIRONMENT["WELFARE_CALC_WORKBOOK_READER"] = reader
        memory = peak_tree_memory(commands[name])
        print(f"{name}: rows {args.rows:,}; {min(times[name]):.2f} s (best of {args.repeat}; "
              f"{min(times[name]):.2f}-{max(times[name]):.2f}); peak memory {memory:.0f} MB "
              "(PSS, all processes)")
    same = outputs["as chosen"].read_bytes() == outputs["calamine"].read_bytes()
    print("outputs: the same bytes" if same else "outputs DIFFER")


if __name__ == "__main__":
    main()
