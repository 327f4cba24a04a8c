"""Whose case a 计算单 is: the head of household's name, ID number and locality (户主姓名,
身份证号, 属地), as the clerk typed them for the printed sheet.

They are not a household's fields: the core computes without them, and neither the
core's readers (:mod:`welfare_calc.core.fields`) nor a report ever sees them. They are
printed on the written-out calculation (``backpay --explain --name …``, the page's
计算单) and nowhere else: never in JSON or CSV, never in a file or a log line, never
kept. The ID number is printed as typed (it is the office's own case sheet), and
checked by the core's reader of ids only to tell the clerk of a typo, never to refuse.
"""

from __future__ import annotations

from typing import NamedTuple

from welfare_calc.core import identity
from welfare_calc.core.errors import WelfareCalcError
from welfare_calc.core.words import _
from welfare_calc.output.formats import Lang

WORDS: dict[str, tuple[str, str]] = {
    "name": ("户主姓名", "Head of household"),
    "id": ("身份证号", "ID number"),
    "locality": ("属地", "Locality"),
}
"""The three fields' names, as the roster and the printed documents name them."""
FIELDS = tuple(WORDS)
"""The fields, named as the command line's options (``--name``, ``--id``, ``--locality``)
and the page's form fields."""


class Case(NamedTuple):
    """Who a 计算单 is for; each field as typed (spaces around it dropped), ``""`` when not
    given."""

    name: str = ""
    id: str = ""
    locality: str = ""

    @classmethod
    def typed(cls, name: str | None, id_number: str | None, locality: str | None) -> Case:
        """The fields as given (None: not given)."""
        return cls(*((value or "").strip() for value in (name, id_number, locality)))

    def __bool__(self) -> bool:
        return bool(self.name or self.id or self.locality)

    def __repr__(self) -> str:
        # A name and an ID number never reach a traceback or a log line through a repr.
        return f"Case({', '.join(f'{name}=…' for name in FIELDS if getattr(self, name))})"

    def fields(self, lang: Lang) -> list[tuple[str, str, str]]:
        """Each field: its key, its name in ``lang`` and its value (``""``: not given)."""
        return [(key, lang.of(*WORDS[key]), getattr(self, key)) for key in FIELDS]

    def line(self, lang: Lang) -> str:
        """The fields given, on one line at the head of the written-out calculation
        (``户主姓名：张秀英　身份证号：…　属地：…``); ``""`` when none is."""
        given = [(title, value) for _key, title, value in self.fields(lang) if value]
        if lang is Lang.ZH:
            return "　".join(f"{title}：{value}" for title, value in given)
        return "; ".join(f"{title}: {value}" for title, value in given)

    def id_problem(self) -> str | None:
        """Why the ID number typed is no resident ID number, in the core's words (a wrong
        check digit, a digit missed); None when it is one, or when none was typed. A
        warning for the clerk: the sheet still prints it as typed."""
        if not self.id:
            return None
        try:
            canonical = identity.check_id(self.id)
        except WelfareCalcError as error:
            return error.message
        if identity.is_resident_id(canonical):
            return None
        return _("not a resident ID number: one has 18 characters (15 on a first-generation "
                 "card)")


def with_case(explanation: str, case: Case, lang: Lang) -> str:
    """The written-out calculation headed by whose case it is (when any field is given)."""
    line = case.line(lang)
    return f"{line}\n{explanation}" if line else explanation
