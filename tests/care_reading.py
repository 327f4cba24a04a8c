"""A minimal, temporary reading of a care tier (照料护理等级) for the tests of the batch
and the page, until the core's readers read one (issue 27 §1: the rules registry's
``fields.read_household`` / ``read_call`` read ``care`` into ``Household.care``, and
the roster's 护理等级 column). The command line reads ``--care`` already.

Only what the engine's tests need: the tier as the core parses it
(:func:`checks.parse_care`) and checks it (:func:`checks.household`), added to what
the readers give. Remove it, and use the readers, once they read the tier.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from welfare_calc.batch.rows import ParsedRow, RowParser, RowProblem
from welfare_calc.core import checks, fields
from welfare_calc.core.errors import WelfareCalcError
from welfare_calc.core.table import StandardsTable


class CareReadingParser(RowParser):
    """The batch's row parser, with the ``care`` column read as the core reads a tier."""

    def parse(self, row: list[str]) -> ParsedRow | list[RowProblem]:
        parsed = super().parse(row)
        at = self.columns.position.get("care")
        if isinstance(parsed, list) or at is None:
            return parsed
        try:
            care = checks.parse_care(row[at])
            checks.check_care(self.table, parsed.category, care)
        except WelfareCalcError as error:
            return [RowProblem("care", error.message)]
        return dataclasses.replace(parsed, care=care)


ORIGINAL_READ_CALL = fields.read_call


def read_call_with_care(table: StandardsTable, cells: Mapping[str, str]
                        ) -> fields.CallInputs | list[fields.FieldProblem]:
    """:func:`fields.read_call`, with the ``care`` field read as the core reads a tier."""
    read = ORIGINAL_READ_CALL(table, cells)
    if isinstance(read, list) or not cells.get("care", "").strip():
        return read
    try:
        care = checks.parse_care(cells["care"])
        house = checks.household(table, read.house.category, read.house.persons,
                                 read.house.income, read.house.supplement, care)
    except WelfareCalcError as error:
        return [fields.FieldProblem("care", error.message)]
    return dataclasses.replace(read, house=house)


ORIGINAL_READ_HOUSEHOLD = fields.read_household


def read_household_with_care(table: StandardsTable, cells: Mapping[str, str]
                             ) -> fields.RowHousehold | list[fields.FieldProblem]:
    """:func:`fields.read_household`, with the ``care`` cell read as the core reads a tier."""
    read = ORIGINAL_READ_HOUSEHOLD(table, cells)
    if isinstance(read, list) or not cells.get("care", "").strip():
        return read
    try:
        care = checks.parse_care(cells["care"])
        house = checks.household(table, read.house.category, read.house.persons,
                                 read.house.income, read.house.supplement, care)
    except WelfareCalcError as error:
        return [fields.FieldProblem("care", error.message)]
    return dataclasses.replace(read, house=house)
