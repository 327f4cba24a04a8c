"""Make ``docs/images/roster-page-1.png``: the first printed page of the by-town 补发名册.

Runs the batch on ``examples/town_roster.csv`` as docs/documents.md shows, has
LibreOffice print the workbook to PDF (its own page layout: A4 landscape,
fitted to the width), and turns the first page into a PNG with poppler's
``pdftoppm``. Needs ``soffice`` and ``pdftoppm`` (Debian: libreoffice-calc-nogui,
fonts-noto-cjk, poppler-utils)::

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


def main() -> None:
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed")
    exe = shutil.which("welfare-calc", path=str(Path(sys.executable).parent)) or "welfare-calc"
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        book = work / "增补名册.xlsx"
        subprocess.run([exe, "batch", str(ROOT / "examples" / "town_roster.csv"), "--through",
                        "2020-08", "-o", str(book), "--group-by", "乡镇（街道）", "--office",
                        "周村区民政局"], check=True)
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work),
                        str(book)], check=True, capture_output=True, timeout=300,
                       env={**os.environ, "HOME": str(work)})
        target = ROOT / "docs" / "images" / "roster-page-1"
        target.parent.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "110", "-png", "-singlefile",
                        str(work / "增补名册.pdf"), str(target)], check=True)
    print(f"{target}.png")


if __name__ == "__main__":
    main()
