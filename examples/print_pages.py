"""Make ``docs/images/roster-page-1.png`` and ``docs/images/publicity-page-1.png``: the
first printed page of the by-town 补发名册, and a village's 公示 list.

Runs the batch and the list on ``examples/town_roster.csv`` as docs/documents.md
shows, has LibreOffice print each workbook to PDF (the layout the workbook sets:
A4, its print scale and page breaks), and turns a page into a PNG with poppler's
``pdftoppm``. Needs ``soffice`` and ``pdftoppm`` (Debian: libreoffice-calc-nogui,
fonts-noto-cjk, fonts-crosextra-carlito for Calibri's widths, poppler-utils)::

    python examples/print_pages.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROSTER = ROOT / "examples" / "town_roster.csv"


def main() -> None:
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed")
    exe = shutil.which("welfare-calc", path=str(Path(sys.executable).parent)) or "welfare-calc"
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        roster, listed = work / "增补名册.xlsx", work / "公示名单.xlsx"
        subprocess.run([exe, "batch", str(ROSTER), "--through", "2020-08", "-o", str(roster),
                        "--group-by", "乡镇（街道）", "--office", "周村区民政局"], check=True)
        subprocess.run([exe, "publicity", str(ROSTER), "--month", "2020-08", "--period",
                        "2020年8月12日至8月18日", "--group-by", "乡镇（街道）", "--group-by",
                        "村（社区）", "--amounts", "--office", "萌水镇人民政府", "--hotline",
                        "0533-6412345", "-o", str(listed)], check=True)
        # The roster's first page; the list's third sheet, 萌水镇 / 萌水村 (each village's
        # list is one page here, so its page is the third).
        for book, page, name in ((roster, 1, "roster-page-1"), (listed, 3, "publicity-page-1")):
            subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir",
                            str(work), str(book)], check=True, capture_output=True,
                           timeout=300, env={**os.environ, "HOME": str(work)})
            target = ROOT / "docs" / "images" / name
            target.parent.mkdir(exist_ok=True)
            subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", "110", "-png",
                            "-singlefile", str(book.with_suffix(".pdf")), str(target)],
                           check=True)
            print(f"{target}.png")


if __name__ == "__main__":
    main()
