"""Output formats and languages: names only, cheap to import for option parsing."""

from __future__ import annotations

import os
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

    def of(self, chinese: str, english: str) -> str:
        """The text of the two in this language."""
        return chinese if self is Lang.ZH else english


LANG_VAR = "WELFARE_CALC_LANG"
"""Environment variable choosing the language of tables, explanations and help."""


def chosen_lang() -> Lang:
    """The language of output and help when ``--lang`` does not say: ``$WELFARE_CALC_LANG``
    (zh or en), else English where the locale says so (``LANG=en_US.UTF-8``), else Chinese.

    Chinese Windows sets no ``LANG``: a clerk gets Chinese.
    """
    chosen = os.environ.get(LANG_VAR, "").strip().lower()
    if chosen in (Lang.ZH, Lang.EN):
        return Lang(chosen)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return Lang.EN if value.lower().startswith("en") else Lang.ZH
    return Lang.ZH
