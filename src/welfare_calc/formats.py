"""Output formats and languages: names only, cheap to import for option parsing."""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    """Output formats every command offers."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class Lang(StrEnum):
    """Languages for table labels and explanations."""

    ZH = "zh"
    EN = "en"
