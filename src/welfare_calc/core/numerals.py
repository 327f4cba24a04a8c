"""How numbers may be written: in any decimal digits, read as ASCII.

Chinese input methods often type full-width digits (``２０２０-０８``, ``３``,
``２００．５０``). One rule holds for every number a person types, in a CLI
option or a batch cell: any Unicode decimal digit counts as that digit, and
the full-width point, minus and plus count as ``.``, ``-`` and ``+``. Nothing
else changes: a superscript ``²`` or a circled ``①`` is not a decimal digit
and stays refused.
"""

from __future__ import annotations

import unicodedata

_FULL_WIDTH_SIGNS = str.maketrans({"．": ".", "－": "-", "＋": "+"})


def ascii_numerals(text: str) -> str:
    """``text`` with every decimal digit written as an ASCII digit (``３`` → ``3``)."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char
                   for char in text.translate(_FULL_WIDTH_SIGNS))
