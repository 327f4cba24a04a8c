"""The console's encoding policy: what a Chinese Windows console can show, checked
before anything is printed.

On a Chinese Windows console, or with output redirected to a file there,
Python writes GBK (cp936). Our own words encode in GBK; text from elsewhere
(the notes of an edited standards file) may not, and would stop the output
halfway with a traceback: so a whole text is checked first, and JSON
escapes what the console cannot show.
"""

from __future__ import annotations

import sys

from welfare_calc.core.errors import EncodingProblem
from welfare_calc.core.words import _


def stream_encoding(*, err: bool) -> str:
    """The encoding of stdout or stderr: GBK (cp936) on a Chinese Windows console
    redirected to a file, or where ``PYTHONIOENCODING=gbk``; UTF-8 elsewhere."""
    return getattr(sys.stderr if err else sys.stdout, "encoding", None) or "utf-8"


def showable(text: str, *, err: bool) -> None:
    """Refuse, before anything is printed, text the stream's encoding cannot hold.

    Our own words encode in GBK (``tests/test_cli.py`` holds every command
    to it); this catches text from elsewhere, such as the notes of a
    standards file, which would otherwise stop the output halfway with a
    traceback.
    """
    encoding = stream_encoding(err=err)
    try:
        text.encode(encoding)
    except UnicodeEncodeError as error:
        char = error.object[error.start]
        raise EncodingProblem(_(
            "the output holds the character {code}, which this console's encoding ({encoding}) "
            "cannot show; nothing was printed. Use --format json, or set PYTHONIOENCODING=utf-8 "
            "(in cmd.exe, first run: chcp 65001)").format(code=f"U+{ord(char):04X}",
                                                          encoding=encoding)) from None


def json_for(text: str, encoding: str) -> str:
    """JSON text with every character ``encoding`` cannot hold written as a JSON escape.

    ``\\u2212`` is the same JSON value as the character itself, so a script
    gets the same data on any console.
    """
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        import json  # noqa: PLC0415 - only for the rare text that needs it

        def escaped(char: str) -> str:
            try:
                char.encode(encoding)
            except UnicodeEncodeError:
                return json.dumps(char)[1:-1]
            return char

        return "".join(escaped(char) for char in text)
    return text
