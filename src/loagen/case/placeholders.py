"""Values still to fill in: the `FILL IN` marker `loagen new`, `amend` and `modify` leave where
the case writer must give a value, found when the file is loaded and reported, each with its
line, its field and what to give, together with the file's other problems.

A placeholder is a text value that starts with the words FILL IN, alone or followed by a colon
and what to give: `offer_expiration_date: "FILL IN: a date written YYYY-MM-DD"`. Any field may
hold one (a date, an amount, a code), since placeholders are found before the file is checked
against the case contract.
"""

from __future__ import annotations

import re
import typing
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import replace
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import CaseError, Problem
from ..reading import text_of
from .model import Case, field_docs

PLACEHOLDER = "FILL IN"
"""The words that mark a value the case writer must still give."""
PLACEHOLDER_BYTES = PLACEHOLDER.encode()
"""The marker as bytes: a file without them has no placeholder (checked before any walk)."""
_MARK = re.compile(r"^\s*FILL IN\b\s*:?\s*(.*)$", re.DOTALL)

MDE_HINT = "true for Major Defense Equipment (see the MASL), else false"
"""What a new line's `major_defense_equipment` placeholder asks for (`loagen new`, a line added
in the studio, a line `loagen lines import` adds from a table without the column): the field
decides the AECA 36(b) test, so a line is never started with false in it, which a writer who
left it as written would skip without a word."""

Location = tuple[str | int, ...]


def placeholder(hint: str = "") -> str:
    """The placeholder value asking for `hint`: 'FILL IN: a date written YYYY-MM-DD'."""
    return f"{PLACEHOLDER}: {hint}" if hint else PLACEHOLDER


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and _MARK.match(value) is not None


def hint_of(value: str) -> str:
    """What a placeholder asks for (the words after 'FILL IN:'), or ''."""
    m = _MARK.match(value)
    return m.group(1).strip() if m else ""


def dotted(loc: Location) -> str:
    """`('lines', 0, 'unit_cost')` -> 'lines[0].unit_cost' (as the case errors name fields)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def find_placeholders(data: Any, loc: Location = ()) -> Iterator[tuple[Location, str]]:
    """Every placeholder in `data`, in the order of the file, with its location."""
    stack: list[tuple[Location, Any]] = [(loc, data)]
    while stack:
        here, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((here + (k,), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((here + (i,), v) for i, v in reversed(list(enumerate(value))))
        elif is_placeholder(value):
            yield here, value


def placeholder_locations(data: Any) -> list[str]:
    """The dotted locations of the placeholders in `data`."""
    return [dotted(loc) for loc, _ in find_placeholders(data)]


def _yaml_lines(text: str) -> dict[Location, int]:
    """Line number of each value of a YAML text, by location (of an object or a list: the
    line it starts on)."""
    import yaml  # here: a build of a JSON case imports no PyYAML (4% of a cold build)

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError:
        return {}
    if root is None:  # an empty text
        return {}
    lines: dict[Location, int] = {}
    stack: list[tuple[Location, Any]] = [((), root)]
    while stack:
        loc, node = stack.pop()
        lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    stack.append((loc + (key.value,), value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((loc + (i,), item) for i, item in enumerate(node.value))
    return lines


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_SCALAR = re.compile(r"-?[0-9][0-9.eE+-]*|true|false|null")


def _json_lines(text: str) -> dict[Location, int]:
    """Line number of each value of a JSON text, by location (of an object or a list: the line
    it opens on); {} when the text is not JSON as far as it reads."""
    lines: dict[Location, int] = {}
    newlines = [i for i, c in enumerate(text) if c == "\n"]

    def line_at(at: int) -> int:
        return bisect_right(newlines, at - 1) + 1

    def value(at: int, loc: Location) -> int:
        at = _JSON_SPACE.match(text, at).end()  # type: ignore[union-attr]
        lines[loc] = line_at(at)
        char = text[at : at + 1]
        if char == "{":
            at = _JSON_SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
            if text[at : at + 1] == "}":
                return at + 1
            while True:
                key, at = scanstring(text, at + 1)
                at = _JSON_SPACE.match(text, at).end() + 1  # type: ignore[union-attr]  # the ':'
                at = _JSON_SPACE.match(text, value(at, (*loc, key))).end()  # type: ignore[union-attr]
                if text[at : at + 1] != ",":
                    return at + 1
                at = _JSON_SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
        if char == "[":
            at = _JSON_SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
            if text[at : at + 1] == "]":
                return at + 1
            index = 0
            while True:
                at = _JSON_SPACE.match(text, value(at, (*loc, index))).end()  # type: ignore[union-attr]
                if text[at : at + 1] != ",":
                    return at + 1
                at, index = at + 1, index + 1
        if char == '"':
            return scanstring(text, at + 1)[1]
        scalar = _JSON_SCALAR.match(text, at)
        if scalar is None:
            raise ValueError(at)
        return scalar.end()

    try:
        value(0, ())
    except (ValueError, IndexError, RecursionError):
        return {}
    return lines


def value_lines(raw: bytes, path: Path) -> dict[Location, int]:
    """The line of each value of a case file (its placeholders among them), by location."""
    try:
        text = text_of(raw)
    except UnicodeDecodeError:
        text = raw.decode("utf-8-sig", errors="replace")
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_lines(text)
    return _json_lines(text)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def located(
    problems: tuple[Problem, ...], data: Any, raw: bytes, path: Path
) -> tuple[Problem, ...]:
    """`problems` of a case file with where a writer finds each: the line of a YAML file the
    value is on (of the object that lacks a field), and the line item a `lines[i]` path names
    ('Line 002': the path counts from 0)."""
    lines = value_lines(raw, path) if raw else {}
    out = []
    for problem in problems:
        loc: Location = tuple(
            name if name else int(index) for name, index in _PATH_PART.findall(problem.location)
        )
        line = problem.line
        for end in range(len(loc), 0, -1):  # the value, or the nearest object that holds it
            if line is not None:
                break
            line = lines.get(loc[:end])
        label = ""
        if loc[:1] == ("lines",) and len(loc) > 1 and isinstance(loc[1], int):
            items = data.get("lines") if isinstance(data, dict) else None
            item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
            number = item.get("number") if isinstance(item, dict) else None
            if isinstance(number, str) and number.strip():
                label = f"Line {number.strip()}"
        out.append(replace(problem, line=line, label=label) if line or label else problem)
    return tuple(out)


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class a field's annotation holds (`Line` in `list[Line]`), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg)
        if found is not None:
            return found
    return None


def field_doc(loc: Location) -> str:
    """The case model's description of the field at `loc` ('' when it has none)."""
    model: type[BaseModel] | None = Case
    doc = ""
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return ""
        doc = field_docs(model).get(part, "")
        model = model_in(field.annotation)
    return doc


def unfilled(data: Any, raw: bytes, path: Path) -> tuple[Problem, ...]:
    """One problem for each placeholder of a case file: its line, its field, what to give."""
    found = list(find_placeholders(data))
    if not found:
        return ()
    lines = value_lines(raw, path) if raw else {}  # (the studio's form has no text)
    problems = []
    for loc, value in found:
        what = hint_of(value) or field_doc(loc).rstrip(".") or "the value this field takes"
        problems.append(Problem(path, dotted(loc), f"fill in {what}", line=lines.get(loc)))
    return located(tuple(problems), data, raw, path)


def _under(location: str, blanks: set[str]) -> bool:
    """Whether a validation problem at `location` is about a placeholder (or inside one)."""
    return any(
        location == b or location.startswith(b + ".") or location.startswith(b + "[")
        for b in blanks
    )


def without_placeholders(problems: tuple[Problem, ...], data: Any) -> tuple[Problem, ...]:
    """`problems` less those about fields that hold a placeholder (they are to be filled in,
    and said so on their own)."""
    blanks = set(placeholder_locations(data))
    return tuple(p for p in problems if not _under(p.location, blanks))


def unfilled_error(
    path: Path, blanks: tuple[Problem, ...], data: Any, other: tuple[Problem, ...] = ()
) -> CaseError:
    """The error of a case file with values still to fill in (and perhaps other problems)."""
    rest = without_placeholders(other, data)
    n = len(blanks)
    head = f"{n} value{'s' if n != 1 else ''} still to fill in (marked {PLACEHOLDER})"
    if rest:
        head += f" and {len(rest)} other problem{'s' if len(rest) != 1 else ''}"
    head += ": replace each FILL IN with the value asked for"
    return CaseError(f"{path}: {head}", source=path, problems=blanks + rest)
