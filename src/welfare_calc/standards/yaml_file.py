"""Read a standards file strictly and validate it into the model (YAML and pydantic).

This is the only module that touches YAML, and it runs only for a standards
file that is new or has changed (:mod:`welfare_calc.standards.loader` keeps validated
tables in a cache). It is strict where PyYAML is lenient:

- safe loading only, so ``!!python/object`` and friends are refused;
- a key given twice in one mapping is an error (PyYAML keeps the last);
- scalars other than null and booleans stay text, so ``19.99`` is read as
  the exact decimal it says, never as a float, and dates are checked by the
  model with a clear message;
- aliases and nesting deeper than :data:`MAX_DEPTH` are refused;
- every problem is reported as ``file:line: key.path: what was expected``,
  one line each, never as a traceback; the "what" is in the language in use
  (pydantic's own words are replaced by ours, kind by kind: :data:`KINDS`), the
  file, line and key path as the file has them.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

import pydantic
import yaml
from pydantic import BaseModel

from welfare_calc.core import table
from welfare_calc.core.errors import StandardsFileError
from welfare_calc.core.words import N_, _, alternatives, listed
from welfare_calc.standards.spec import LocatedProblems, TableSpec

Location = tuple[str | int, ...]

MAX_DEPTH = 16
"""Nesting a standards file may have (it needs 5)."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that only resolves null and booleans implicitly, without aliases.

    Integers, floats and timestamps stay strings; the model converts them
    exactly and says what it expected when it cannot. An alias (``*name``)
    is refused where it stands: a few hundred bytes of nested aliases expand
    to gigabytes ("billion laughs"), and a table has no use for them. So is
    nesting deeper than :data:`MAX_DEPTH`, before PyYAML's composer, which
    recurses, runs out of stack.
    """

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        problem = None
        if isinstance(event, yaml.AliasEvent):
            problem = _("aliases (*name) are not allowed in a standards file; write the value "
                        "out where it is used")
        elif self._depth >= MAX_DEPTH:
            problem = _("nested more than {most} levels deep; a standards file needs 5").format(
                most=MAX_DEPTH)
        if problem is not None:
            raise yaml.composer.ComposerError(None, None, problem, event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_StrictLoader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern)
        for tag, pattern in resolvers
        if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _walk(node: yaml.Node, path: Location, lines: dict[Location, int],
          problems: list[tuple[Location, int, str]]) -> None:
    """Record the line of every key path, and find duplicate keys."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(((*path, key), line,
                                 _("duplicate key {key} (first given on line {line}); each "
                                   "key may appear once").format(key=repr(key),
                                                                 line=seen[key])))
                continue
            seen[key] = line
            lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _walk(item, (*path, position), lines, problems)


def _dotted(path: Location) -> str:
    return ".".join(str(part) for part in path) or _("(top level)")


def _line_of(path: Location, lines: dict[Location, int]) -> int:
    """The line of the nearest key path that the file actually has."""
    for cut in range(len(path), -1, -1):
        if path[:cut] in lines:
            return lines[path[:cut]]
    return 1


def _field_model(model: Any, path: Location) -> type[BaseModel] | None:
    """The model class found at ``path``, to list the keys it accepts."""
    current: Any = model
    for part in path:
        origin = typing.get_origin(current)
        if origin is typing.Annotated:
            current = typing.get_args(current)[0]
            origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            fields = {info.alias or name: info.annotation
                      for name, info in current.model_fields.items()}
            if part not in fields:
                return None
            current = fields[part]
        elif origin is dict:
            current = typing.get_args(current)[1]
        elif origin is tuple:
            current = typing.get_args(current)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [arg for arg in typing.get_args(current) if arg is not type(None)]
            current = options[0] if len(options) == 1 else None
            if current is None:
                return None
            return _field_model(current, (part,)) if part is not None else None
        else:
            return None
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


KINDS = {
    "missing": N_("missing; this key is required"),
    "greater_than_equal": N_("expected a number ≥ {limit}, got {given}"),
    "greater_than": N_("expected a number > {limit}, got {given}"),
    "string_too_short": N_("empty; write a value here"),
    "too_short": N_("empty; give at least one"),
    "string_pattern_mismatch": N_("got {given}; a key is written in lower-case letters, digits "
                                  "and hyphens, beginning with a letter (e.g. urban-dibao)"),
    "string_type": N_("expected text, got {given}"),
    "dict_type": N_("expected keys and values (key: value, one a line), got {given}"),
    "model_type": N_("expected keys and values (key: value, one a line), got {given}"),
    "model_attributes_type": N_("expected keys and values (key: value, one a line), got "
                                "{given}"),
    "tuple_type": N_("expected a list (one '- item' a line), got {given}"),
    "list_type": N_("expected a list (one '- item' a line), got {given}"),
}
"""pydantic's kinds of error that a standards file can meet, each in our words (a kind
not here is said in pydantic's own words, after ours: :func:`_explain`)."""


def _explain(error: Any, path: Location) -> str:
    """Turn one pydantic error into what a person should write instead."""
    kind = error["type"]
    given = error.get("input")
    shown = repr(given) if isinstance(given, str) else str(given)
    if kind == "extra_forbidden":
        owner = _field_model(TableSpec, path[:-1])
        allowed = (listed(info.alias or name for name, info in owner.model_fields.items())
                   if owner else "data/standards_2020.yaml")
        return _("unknown key {key}; expected one of: {allowed}").format(
            key=repr(path[-1]), allowed=allowed)
    if kind in ("enum", "literal_error"):
        # pydantic's ctx["expected"] reads "'half-up' or 'half-even'": the choices, said anew.
        expected = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        return _("got {given}; expected {choices}").format(
            given=shown, choices=alternatives(repr(choice) for choice in expected))
    if kind.startswith(("date_", "datetime_")):
        return _("expected a date written YYYY-MM-DD, got {given}").format(given=shown)
    if kind == "value_error":  # our own validators' words, already in the language in use
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in KINDS:
        ctx = error.get("ctx") or {}
        limit = ctx.get("ge", ctx.get("gt", ""))
        return _(KINDS[kind]).format(given=shown, limit=limit)
    return _("not accepted: {reason}").format(reason=error["msg"])


def parse(text: str, source: str) -> table.StandardsTable:
    """Validate the text of a standards file; ``source`` names it in messages.

    Raises :class:`StandardsFileError` listing every problem found.
    """
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise StandardsFileError([_("{source}:1: (top level): the file is empty").format(
                source=source)])
        lines: dict[Location, int] = {}
        duplicates: list[tuple[Location, int, str]] = []
        _walk(node, (), lines, duplicates)
        if duplicates:
            raise StandardsFileError(
                [f"{source}:{line}: {_dotted(path)}: {message}"
                 for path, line, message in duplicates]
            )
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        # PyYAML's own description of a syntax error is quoted as it gives it (in English).
        problem = error.problem or _("not valid YAML")
        if isinstance(error, yaml.constructor.ConstructorError) and "tag" in problem:
            problem = _("{tag} is not allowed; a standards file holds plain data only (no YAML "
                        "tags)").format(tag=problem.split(" for the tag ")[-1])
        raise StandardsFileError([_("{source}:{line}: YAML error: {problem}").format(
            source=source, line=line, problem=problem)]) from None
    except yaml.YAMLError as error:
        raise StandardsFileError([_("{source}:{line}: YAML error: {problem}").format(
            source=source, line=1, problem=error)]) from None
    finally:
        loader.dispose()

    try:
        return TableSpec.model_validate(data).to_table()
    except pydantic.ValidationError as invalid:
        problems: list[str] = []
        for detail in invalid.errors():
            path: Location = tuple(part for part in detail["loc"] if part != "[key]")
            cause = (detail.get("ctx") or {}).get("error")
            if isinstance(cause, LocatedProblems):
                for relative, message in cause.problems:
                    where = (*path, *relative)
                    problems.append(f"{source}:{_line_of(where, lines)}: "
                                    f"{_dotted(where)}: {message}")
                continue
            problems.append(f"{source}:{_line_of(path, lines)}: {_dotted(path)}: "
                            f"{_explain(detail, path)}")
        raise StandardsFileError(problems) from None
