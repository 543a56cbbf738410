"""Loading case files (JSON or YAML) and their `previous` chain into validated models."""

from __future__ import annotations

import contextlib
import copy
import datetime
import functools
import hashlib
import json
import os
import re
import stat
import types
import typing
import unicodedata
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from ..errors import CaseError, HistoryError, Problem, did_you_mean, quoted
from ..reading import read_limited, text_of
from .model import UNSEEN, Case, HugeNumber, WrittenFloat
from .placeholders import PLACEHOLDER_BYTES, dotted, located, unfilled, unfilled_error

if TYPE_CHECKING:
    import yaml


@dataclass(frozen=True)
class CaseFile:
    """A loaded, valid case file: where it came from, its bytes' hash, and the model."""

    path: Path
    case: Case
    sha256: str
    raw: bytes = field(default=b"", repr=False, compare=False)
    """The file's bytes (a build records them in the DOCX: see `case.embedded`)."""


_FIELD_NAMES: dict[str, set[str]] = {}


def _fields_at(loc: tuple[Any, ...]) -> set[str]:
    """Field names allowed at the model that owns location `loc` (for 'did you mean')."""
    model: Any = Case
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return set()
        ann = field.annotation
        model = _model_in(ann)
        if model is None:
            return set()
    return set(model.model_fields)


@functools.cache
def _owners() -> dict[str, tuple[str, ...]]:
    """Field name -> where in a case file each field of that name is written ('document',
    'each item of lines'), for a field written in the wrong object (`_plain`)."""
    owners: dict[str, list[str]] = {}
    queue: deque[tuple[Any, str, int]] = deque([(Case, "", 0)])  # nearest to the top first
    while queue:
        model, where, depth = queue.popleft()
        for name, info in model.model_fields.items():
            if where:
                owners.setdefault(name, []).append(where)
            inner = _model_in(info.annotation)
            if inner is not None and depth < 4:
                listed = typing.get_origin(_without_none(info.annotation)) is list
                path = f"{where}.{name}" if where else name
                queue.append((inner, f"each item of {path}" if listed else path, depth + 1))
    return {name: tuple(dict.fromkeys(found)) for name, found in owners.items()}


def _without_none(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    is_union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    return args[0] if is_union and len(args) == 1 else annotation


def _owner_of(loc: tuple[Any, ...]) -> str:
    """The object holding location `loc`, named as `_owners` names it."""
    path = ""
    for part in loc[:-1]:
        if isinstance(part, int):
            path = f"each item of {path}"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _model_in(annotation: Any) -> Any:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _plain(err: dict[str, Any]) -> str:
    """Pydantic's error, said in plain words."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        elsewhere = [o for o in _owners().get(name, ()) if o != _owner_of(err["loc"])]
        if elsewhere:
            where = " or ".join(elsewhere)
            return (
                f"{name!r} is not a field here but of {where}: indent it under the field it "
                "belongs to, lined up with its other fields (in JSON, move it inside that "
                "object)"
            )
        return f"unknown field {name!r}{did_you_mean(name, _fields_at(err['loc']))}"
    if kind == "literal_error":
        return f"got {quoted(got)}; expected one of {ctx.get('expected')}"
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return f"got {quoted(got)}; expected a date written YYYY-MM-DD"
    if kind in ("decimal_parsing", "decimal_type", "int_parsing", "int_type", "float_parsing"):
        return f"got {quoted(got)}; expected a number"
    if kind == "string_type":
        return f"got {quoted(got)}; expected text"
    if kind == "string_unicode":
        return _not_unicode(got)
    if kind in ("bool_type", "bool_parsing"):
        return f"got {quoted(got)}; expected true or false"
    if kind in ("list_type",):
        return f"got {quoted(got)}; expected a list"
    if kind in ("model_type", "dict_type"):
        return f"got {quoted(got)}; expected an object with named fields"
    if kind == "greater_than_equal":
        return f"got {quoted(got)}; expected a number of at least {ctx.get('ge')}"
    if kind == "too_short" and err["loc"] == ("payment_schedule",):
        return (
            "an empty payment schedule: leave the field out to have loagen compute the "
            "standard schedule, or give its rows"
        )
    if kind == "too_short":
        return "must not be empty"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return unseen_character(got) or "must not be blank (only spaces)"
    if kind == "string_too_long":
        return f"is {len(got):,} characters long; at most {ctx.get('max_length'):,}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"]


_SURROGATE = re.compile("[\ud800-\udfff]")


def _not_unicode(text: Any) -> str:
    """What to say of a text holding half of a UTF-16 pair alone (`"\\ud800"` in JSON), which
    is no character: the model refuses it (it cannot be written to a file)."""
    m = _SURROGATE.search(text) if isinstance(text, str) else None
    if m is None:
        return "the text holds a character that is not valid Unicode"
    return (
        f"the text holds a character that is not valid Unicode (\\u{ord(m.group()):04x}), at "
        f"character {m.start() + 1}; delete it (in JSON, a \\ud800-\\udfff escape is only "
        "half of a character: the two halves are written together)"
    )


_UNSEEN = re.compile(f"[{UNSEEN}]")


def unseen_character(text: Any) -> str | None:
    """What to say of `text` when it holds a character the case model refuses in text (see
    `model.UNSEEN`), None when it holds none."""
    m = _UNSEEN.search(text) if isinstance(text, str) else None
    if m is None:
        return None
    char = m.group()
    code = f"U+{ord(char):04X}"
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        what = (
            f"a bidirectional control character ({code}, {unicodedata.name(char).lower()}), which makes "
            "the text show in another order than it is written"
        )
    else:
        what = f"a control character ({code}), which does not print"
    return (
        f"holds {what}, at character {m.start() + 1} (after {quoted(text[: m.start()][-30:])}); "
        "delete it (retype the text if you cannot see it)"
    )


MAX_PROBLEMS = 100
"""Most problems of one case file listed (the rest are counted)."""


def _choices_at(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The fixed words (a Literal's values) the field at location `loc` takes, or ()."""
    model: Any = Case
    annotation: Any = None
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            return ()
        annotation = field.annotation
        model = _model_in(annotation)
    while typing.get_origin(annotation) is not typing.Literal:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return ()
        annotation = args[0]
    return typing.get_args(annotation)


def _words_in_their_own_letters(data: Any, errors: list[Any]) -> Any:
    """A copy of `data` with each fixed word written in other capitals ('Materiel', 'conus')
    put in its own form ('materiel', 'CONUS'), as `loagen lines import` reads them; None when
    no refused value is one. Only on the way to an error: a sound file costs nothing more."""
    fixes = []
    for err in errors:
        given = err.get("input")
        if err["type"] != "literal_error" or not isinstance(given, str):
            continue
        same = [
            c
            for c in _choices_at(err["loc"])
            if isinstance(c, str) and c.casefold() == given.casefold()
        ]
        if len(same) == 1:
            fixes.append((err["loc"], same[0]))
    if not fixes:
        return None
    data = copy.deepcopy(data)
    for loc, word in fixes:
        target = data
        try:
            for part in loc[:-1]:
                target = target[part]
            target[loc[-1]] = word
        except (KeyError, IndexError, TypeError):
            return None
    return data


def parse_case(data: Any, *, source: Path | None = None) -> Case:
    """Validate already-parsed case data; raise CaseError listing every problem."""
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    fixed = _words_in_their_own_letters(data, errors)
    if fixed is not None:
        try:
            return Case.model_validate(fixed)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
    problems = tuple(
        Problem(source, dotted(err["loc"]) or "(top level)", _plain(err))
        for err in errors[:MAX_PROBLEMS]
    )
    if len(errors) > MAX_PROBLEMS:
        problems += (Problem(source, "", f"... and {len(errors) - MAX_PROBLEMS} more"),)
    n = len(errors)
    raise CaseError(
        f"{source or 'case'}: {n} problem{'s' if n != 1 else ''} in the case file",
        source=source,
        problems=problems,
    )


_YAML_PROBLEMS = (
    (
        "found character '\\t'",
        "a tab character: YAML is indented with spaces, never tabs; replace the tab with spaces",
    ),
    (
        "mapping values are not allowed here",
        "a field indented further than the one above it, or a colon followed by a space "
        'inside a value (put the whole value in quotes: purpose: "provides for: ...")',
    ),
    (
        "could not find expected ':'",
        "a line that is neither 'field: value' nor a list item ('- ...'): a colon may be "
        "missing, or a quote opened on a line above is not closed",
    ),
    (
        "expected <block end>",
        "the indentation does not match the lines around it (a field lines up with the other "
        "fields of its object), or a quote opened on a line above is not closed",
    ),
    (
        "found unexpected end of stream",
        "the file ends inside a quoted value: a quote is not closed",
    ),
)
"""YAML parser messages said in a case writer's words (the parser's own words follow)."""


def yaml_error(exc: Exception, path: Path | None, text: str) -> CaseError:
    """The CaseError for a YAML file that does not parse (PyYAML's or ruamel's error): where,
    the line as written, and what is wrong in plain words."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = str(getattr(exc, "problem", None) or "it does not parse")
    said = next((words for found, words in _YAML_PROBLEMS if found in problem), None)
    message = f"not valid YAML: {said} ({problem})" if said else f"not valid YAML: {problem}"
    line = _line_at(text, mark.line + 1) if mark else None
    return CaseError(message, source=path, location=where, source_line=line)


def json_error(exc: json.JSONDecodeError, path: Path | None, text: str) -> CaseError:
    """The CaseError for a JSON file that does not parse: what is wrong in plain words, at the
    line where the mistake is. The parser stops at the next character it cannot take, which
    is often on the line after the mistake: a comma left after the last field of an object is
    found at the closing brace, a comma missing at the end of a line at the next field."""
    before = text[: exc.pos].rstrip()
    at = text[exc.pos : exc.pos + 1]
    pos, said = exc.pos, None
    if not at and exc.msg.startswith("Expecting"):
        said = "the file ends before its objects and lists are closed: a } or ] is missing"
    elif exc.msg.startswith("Expecting property name") and at == "'":
        said = "a field name in single quotes: JSON writes names and texts in double quotes"
    elif exc.msg.startswith(("Expecting property name", "Expecting value")) and before.endswith(
        ","
    ):
        pos = len(before) - 1
        said = {
            "}": "a comma after the last field of an object: remove it",
            "]": "a comma after the last item of a list: remove it",
        }.get(at, "a comma with no value after it: remove it, or give the value")
    elif (
        exc.msg.startswith("Expecting ',' delimiter")
        and before.endswith('"')
        and "\n" not in text[len(before) : exc.pos]
        and at.strip()
    ):
        # on the line of the text, right after its closing quote: a quote inside the text
        pos = len(before) - 1
        said = (
            'a double quote inside a text ends it early: write \\" for a quote inside a text, '
            "or use single quotes there"
        )
    elif exc.msg.startswith("Expecting ',' delimiter") and before:
        pos = len(before) - 1
        said = (
            "a comma is missing at the end of this line: fields of an object and items of a "
            "list are separated by commas"
        )
    elif exc.msg.startswith("Expecting ':' delimiter"):
        said = 'a colon is missing after a field name ("name": value)'
    elif exc.msg.startswith("Unterminated string"):
        said = "a quote is opened and not closed on this line"
    elif exc.msg.startswith("Invalid control character") and at in "\r\n":
        said = "a quote is opened and not closed on this line (a text is written on one line)"
    elif exc.msg.startswith("Invalid control character"):
        said = "a tab or other control character inside a quoted text: type a space instead"
    elif exc.msg.startswith("Extra data"):
        said = "more after the end of the case file's object: remove it (a brace too many?)"
    elif exc.msg.startswith("Expecting value") and at == "'":
        said = "a text in single quotes: JSON writes texts in double quotes"
    lineno = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    message = f"not valid JSON: {said} ({exc.msg})" if said else f"not valid JSON: {exc.msg}"
    return CaseError(
        message,
        source=path,
        location=f"line {lineno}, column {column}",
        source_line=_line_at(text, lineno),
    )


def _line_at(text: str, lineno: int) -> str | None:
    lines = text.splitlines()
    return lines[lineno - 1][:200] if 0 < lineno <= len(lines) else None


class _DuplicateKey(ValueError):
    def __init__(self, key: str, where: str = "") -> None:
        super().__init__(key)
        self.key, self.where = key, where


class _Refused(ValueError):
    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.message, self.where = message, where


def _integer(digits: str) -> int | HugeNumber:
    """A JSON integer; one too long to be an amount is kept as text to be refused with its
    field named (Python would refuse it without saying where)."""
    return int(digits) if len(digits) <= 30 else HugeNumber(digits)


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key written twice (the first value would be lost silently)."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


_JSON = json.JSONDecoder(
    object_pairs_hook=_no_duplicate_pairs, parse_int=_integer, parse_float=WrittenFloat
)
"""The decoder of `json.loads(text, object_pairs_hook=..., parse_int=...)`, made once (`loads`
makes one a call)."""


def _mark(node: yaml.Node) -> str:
    mark = node.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _not_a_name(key_node: yaml.Node, key: Any = None) -> str:
    """What to say of a YAML key that is not a word (`? [a, b]`, `{a: 1}:`, `2024-01-01:`,
    `1:`, `true:`, `~:`): every key of a case file is a field name. A list or an object used
    as a key cannot even be held as one (Python refuses it), so each is refused here, with its
    line, rather than by the model, which would print Python's values."""
    import yaml  # here: said only while a YAML file is read (see `_strict_yaml_loader`)

    written = key_node.value.strip() if isinstance(key_node, yaml.ScalarNode) else ""
    if isinstance(key_node, yaml.SequenceNode):
        what = "the key is a list (a `?` or brackets before the colon make one)"
    elif isinstance(key_node, yaml.MappingNode):
        what = "the key is an object (braces before the colon make one)"
    elif not written:
        what = "a field name is missing before the colon"
    elif isinstance(key, (datetime.date, datetime.datetime)):
        what = f"the key {written} is a date"
    elif isinstance(key, bool):
        what = f"the key {written} is a yes/no value (true or false)"
    elif isinstance(key, (int, float)):
        what = f"the key {written} is a number"
    elif key is None:
        what = f"the key {written} is read as empty (null)"
    else:
        what = f"the key {written} is not a word"
    return f"{what}: field names are words, such as `date:` or `purpose:`"


_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


def _decimal_int(loader: Any, node: yaml.ScalarNode) -> int:
    """An integer read in base ten, whatever its leading zeros (YAML 1.1 read `010` as 8)."""
    return int(loader.construct_scalar(node).replace("_", ""), 10)


def _written_float(loader: Any, node: yaml.ScalarNode) -> float:
    """A number with a decimal point, remembering its text (`WrittenFloat`): an amount written
    `285.000` is refused as ambiguous, which the float 285.0 alone would not show."""
    try:
        return WrittenFloat(loader.construct_scalar(node))
    except ValueError:  # .inf, .nan: as YAML reads them
        return loader.construct_yaml_float(node)


def yaml_timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    """A YAML date (or date and time), or the text as written when it names no real day
    (`2026-02-30`): the model that reads it then says what is wrong at its field, as it does
    for a date written in quotes (case files here, note files' front matter too)."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


@functools.cache
def _strict_yaml_loader() -> type:
    """The loader of YAML case files (`_StrictYamlLoader`), made when a YAML file is first read."""
    # here: a build of a JSON case imports no PyYAML (its import is 4% of a cold build)
    import yaml

    class _StrictYamlLoader(yaml.SafeLoader):
        """YAML's safe loader, refusing a key written twice in one mapping, aliases (`*name`, which
        let a small file stand for a huge one) and merge keys (`<<:`).

        Plain values are read as YAML 1.2 reads them (and as the round-trip library that rewrites
        case files does), not as YAML 1.1, whose readings would change an amount without a word: a
        number is decimal (`010` is ten, not eight in octal; `0x10`, `0b101` and `1:30` are text,
        not 16, 5 and ninety in base 60), and only `true` and `false` are booleans (`yes`, `no`,
        `on` and `off` are text). Underscores may group digits (`1_250_000`), as YAML 1.1 allowed."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise _Refused(
                    "YAML aliases (*name) are not allowed in a case file: write the value out",
                    f"line {event.start_mark.line + 1}, column {event.start_mark.column + 1}",
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Refused(
                        "YAML merge keys (<<) are not allowed in a case file", _mark(key_node)
                    )
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _Refused(_not_a_name(key_node), _mark(key_node))
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, str):
                    raise _Refused(_not_a_name(key_node, key), _mark(key_node))
                if key in seen:
                    raise _DuplicateKey(str(key)[:80], _mark(key_node))
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    _StrictYamlLoader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _StrictYamlLoader.add_implicit_resolver(
        _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    _StrictYamlLoader.add_implicit_resolver(
        _INT, re.compile(r"^[-+]?[0-9][0-9_]*$"), list("-+0123456789")
    )
    _StrictYamlLoader.add_implicit_resolver(
        _FLOAT,
        re.compile(
            r"^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+0123456789."),
    )
    _StrictYamlLoader.add_constructor(_INT, _decimal_int)
    _StrictYamlLoader.add_constructor(_FLOAT, _written_float)
    _StrictYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml_timestamp)
    return _StrictYamlLoader


MAX_DEPTH = 24
"""Deepest nesting of objects and lists a case file may have."""
MAX_NODES = 200_000
"""Most values (objects, lists, texts, numbers) a case file may hold."""


def _check_shape(data: Any) -> None:
    """Refuse data nested deeper than MAX_DEPTH or holding more than MAX_NODES values (before
    validation, whose error messages would otherwise walk all of it). Only the objects and
    lists are visited: the texts and numbers in them are counted, not walked.

    Every case file is looked at one level at a time, without the paths; only data that fails
    is walked again by `_refuse_shape`, which says where (a file within the limits passes
    both, one beyond them fails both)."""
    count = 0
    depth = 1
    level = [data]
    while level:
        if depth > MAX_DEPTH:
            _refuse_shape(data)
        count += sum(map(len, level))
        if count > MAX_NODES:
            _refuse_shape(data)
        # the objects and lists one level down, in one comprehension for the whole level
        level = [
            v
            for value in level
            for v in (value.values() if isinstance(value, dict) else value)
            if isinstance(v, (dict, list))
        ]
        depth += 1


def _refuse_shape(data: Any) -> None:
    """`_check_shape` value by value, with the path of each: raises the first refusal."""
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    count = 0
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise _Refused(f"the data is nested more than {MAX_DEPTH} levels deep", where)
        count += len(value)
        if count > MAX_NODES:
            raise _Refused(f"the case file holds more than {MAX_NODES:,} values")
        if isinstance(value, dict):
            stack.extend(
                (v, depth + 1, f"{where}.{k}" if where else str(k))
                for k, v in value.items()
                if isinstance(v, (dict, list))
            )
        else:
            stack.extend(
                (v, depth + 1, f"{where}[{i}]")
                for i, v in enumerate(value)
                if isinstance(v, (dict, list))
            )


def _load_yaml(text: str, path: Path) -> Any:
    """The data of a YAML case file's text; a text that does not parse is a CaseError."""
    import yaml  # here: as in `_strict_yaml_loader`

    try:
        return yaml.load(text, Loader=_strict_yaml_loader())  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise yaml_error(exc, path, text) from None


def parse_case_bytes(raw: bytes, path: Path) -> dict[str, Any]:
    """Parse a JSON or YAML case file's bytes, without validating them against the contract."""
    try:
        text = text_of(raw)
    except UnicodeDecodeError:
        raise CaseError("the case file is not UTF-8 (or UTF-16) text", source=path) from None
    if "\x00" in text:
        raise CaseError("the case file holds a NUL byte: it is not a text file", source=path)
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            data = _load_yaml(text, path)
        else:
            if text.startswith("\ufeff"):  # as `json.loads` says it (a second BOM)
                raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
            data = _JSON.decode(text)
        if isinstance(data, (dict, list)):
            _check_shape(data)
    except _DuplicateKey as exc:
        raise CaseError(
            f"the field {quoted(exc.key)} is written twice in one object; keep one",
            source=path,
            location=exc.where,
        ) from None
    except _Refused as exc:
        at = re.match(r"line (\d+)", exc.where)
        line = _line_at(text, int(at.group(1))) if at else None
        raise CaseError(exc.message, source=path, location=exc.where, source_line=line) from None
    except json.JSONDecodeError as exc:
        raise json_error(exc, path, text) from None
    except RecursionError:
        raise CaseError(
            f"the data is nested more than {MAX_DEPTH} levels deep", source=path
        ) from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise CaseError(f"not valid: {str(exc)[:120]}", source=path) from None
    if not isinstance(data, dict):
        raise CaseError("a case file must hold one object with named fields", source=path)
    return data


PARSED_KEPT = 4
"""Case files whose data `parsed_case_bytes` keeps until it is read again (the oldest parsed
goes first): a folder's documents are built one after the other."""
PARSED_LONGEST = 128 * 1024
"""The largest case file (bytes) whose data `parsed_case_bytes` keeps (parsed JSON takes some
twice its bytes; a 40-line case file, 20 KB)."""
_PARSED: OrderedDict[tuple[bytes, bool], dict[str, Any]] = OrderedDict()


def parsed_case_bytes(raw: bytes, path: Path) -> dict[str, Any]:
    """`parse_case_bytes(raw, path)`, parsed once for two readers of the same bytes.

    A batch reads a case file twice: to know whether a later document follows one whose offer
    expired (`Pipeline.is_newest` reads the other case files of its folder) and to load it
    when its turn comes, or the other way round. The data of the last `PARSED_KEPT` files
    parsed is kept by their bytes (and whether they are YAML: the only thing of `path`, but
    for error messages, that parsing reads) until it is read the second time, so that read
    does not parse them again; it is dropped then, as each value kept for long costs every
    garbage collection a look at it. Data that does not parse raises as `parse_case_bytes`
    does and is not kept.

    The data is shared between the two callers: read it, never change it (`load_case` and
    `is_newest` only read it; `read_case_data`, whose callers edit the data, parses anew)."""
    if len(raw) > PARSED_LONGEST:
        return parse_case_bytes(raw, path)
    key = (raw, path.suffix.lower() in (".yaml", ".yml"))
    found = _PARSED.pop(key, None)  # (in one step: threads may share this)
    if found is None:
        found = parse_case_bytes(raw, path)
        if len(_PARSED) >= PARSED_KEPT:
            with contextlib.suppress(KeyError):  # (emptied meanwhile by another thread)
                _PARSED.popitem(last=False)  # the oldest, in one step
        _PARSED[key] = found
    return found


def case_files_in(
    folder: Path, skip: Path | None = None
) -> tuple[list[tuple[Path, dict[str, Any]]], list[tuple[Path, CaseError]]]:
    """The case files of `folder` (not of its subfolders) other than `skip`, as data, and those
    that do not read, each with its problem. (What documents follow which is read here: the
    next document of a case, a restatement.)"""
    read, broken = [], []
    for path in sorted(Path(folder).iterdir()):
        if (
            path.name.startswith(".")
            or path.suffix.lower() not in CASE_SUFFIXES
            or (skip is not None and path.resolve() == skip.resolve())
            or not path.is_file()
        ):
            continue
        try:
            data = parse_case_bytes(read_limited(path, "case file", CaseError), path)
        except CaseError as exc:
            broken.append((path, exc))
            continue
        read.append((path, data))
    return read, broken


def answered(sources: Iterable[Path]) -> set[Path]:
    """The case files of `sources` that a later document of their case follows (a case file of
    their folder names them as its `previous`: `follows`): offered and answered. The case
    files of each folder are read once."""
    by_folder: dict[Path, list[Path]] = {}
    for source in sources:
        by_folder.setdefault(source.parent, []).append(source)
    found: set[Path] = set()
    for folder, paths in by_folder.items():
        try:
            files, _ = case_files_in(folder)
        except OSError:
            continue
        found.update(p for p in paths if any(follows(f, data, p) for f, data in files))
    return found


def follows(path: Path, data: dict[str, Any], target: Path) -> bool:
    """Whether the case file at `path` (`data`, as `case_files_in` reads it) is the document
    after `target`: its `document.previous` names `target`, a path from its own folder."""
    doc = data.get("document")
    previous = doc.get("previous") if isinstance(doc, dict) else None
    if not isinstance(previous, str) or not previous.strip():
        return False
    return (Path(path).parent / previous).resolve() == Path(target).resolve()


def read_case_data(path: Path) -> tuple[dict[str, Any], bytes]:
    """Read and parse a JSON or YAML case file, without validating it."""
    raw = read_limited(path, "case file", CaseError)
    return parse_case_bytes(raw, path), raw


def load_case(path: Path, raw: bytes | None = None, *, sha256: str | None = None) -> CaseFile:
    """Load one case file (JSON or YAML) and validate it against the contract. `sha256`: the
    hash of `raw`, when the caller worked it out already."""
    path = path if isinstance(path, Path) else Path(path)
    if raw is None:
        raw = read_limited(path, "case file", CaseError)
        sha256 = None
    data = parsed_case_bytes(raw, path)  # (read only here: the data may be shared)
    # Values a writer has still to fill in (`loagen new`, `amend`): named with their lines.
    blanks = unfilled(data, raw, path) if PLACEHOLDER_BYTES in raw else ()
    try:
        case = parse_case(data, source=path)
    except CaseError as exc:
        problems = located(exc.problems, data, raw, path)
        if blanks:
            raise unfilled_error(path, blanks, data, problems) from None
        raise CaseError(exc.message, source=path, problems=problems) from None
    if blanks:
        raise unfilled_error(path, blanks, data)
    digest = sha256 if sha256 is not None else hashlib.sha256(raw).hexdigest()
    return CaseFile(path=path, case=case, sha256=digest, raw=raw)


CASE_SUFFIXES = (".json", ".yaml", ".yml")


def previous_path(path: Path, previous: str) -> Path:
    """The file `previous` names, checked to be a case file in the same folder as `path`.

    `previous` is a file name in the case's folder ("basic.json"): an absolute path, a path
    into another folder, a hidden file, a name with a NUL, or a link that leads out of the
    folder is refused (nothing of it is read)."""
    target = _previous_name(path, previous)
    _identity(_Folder(path.parent), target, previous=True, source=path)
    return target


def _previous_name(path: Path, previous: str) -> Path:
    """The file `previous` names beside `path`, its name checked (`previous_path`)."""
    where = {"source": path, "location": "document.previous"}
    if "\x00" in previous or not previous.strip():
        raise HistoryError("document.previous is not a file name", **where)
    name = previous.strip()
    if name.startswith(("./", ".\\")):  # the same folder, as a shell writes it
        name = name[2:].lstrip("/\\")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise HistoryError(
            f"document.previous must name a file in the same folder as this one (e.g. "
            f'"basic.json"), not a path: {quoted(name, 60)}',
            **where,
        )
    if name.startswith("."):
        raise HistoryError(
            "document.previous names a hidden file; give the case file's name", **where
        )
    if not name.lower().endswith(CASE_SUFFIXES):
        raise HistoryError(
            f"document.previous must name a case file (.json, .yaml or .yml): {quoted(name, 60)}",
            **where,
        )
    return path.parent / name


class _Folder:
    """The folder of a chain (every `previous` is in the first file's folder), resolved only
    when a link asks for it: resolving a path reads every folder above it, and a file that is
    not a link needs none of it (see `_identity`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._resolved: Path | None = None

    @property
    def resolved(self) -> Path:
        if self._resolved is None:
            self._resolved = self.path.resolve()
        return self._resolved


def _identity(folder: _Folder, path: Path, *, previous: bool, source: Path) -> str | Path:
    """What tells the file at `path` (in `folder`) from the other files of its chain: the
    name of the file it is in the folder resolved, or the whole path resolved of a first file
    that is a link out of the folder. A `previous` that is a link out of the folder is refused.

    Two paths name one file when they resolve to one path. A file of the folder that is not a
    link resolves to the folder resolved / its name, so its name tells it apart without
    resolving anything (one `lstat`); only a link is resolved, with the folder."""
    if path.name not in ("", ".", ".."):
        try:
            if not stat.S_ISLNK(os.lstat(path).st_mode):
                return path.name
        except OSError:
            return path.name  # missing or unreadable: `resolve` gives folder resolved / name
    try:
        resolved = path.resolve()
        inside = resolved.parent == folder.resolved
    except (OSError, RuntimeError):
        if not previous:
            raise
        raise HistoryError(
            "document.previous cannot be followed (a link loop?)",
            source=source,
            location="document.previous",
        ) from None
    if inside:
        return resolved.name
    if previous:
        raise HistoryError(
            f"document.previous {quoted(path.name, 60)} is a link that leads out of the case "
            "folder; previous documents must be in the same folder",
            source=source,
            location="document.previous",
        )
    return resolved


MAX_CHAIN = 500
"""Most documents a chain of `previous` snapshots may hold."""


def load_chain(
    path: Path, cache: dict[str, CaseFile] | None = None, *, keep: int | None = None
) -> tuple[CaseFile, ...]:
    """Load a document and every `previous` snapshot, oldest first.

    `cache` (absolute path -> CaseFile) lets a batch validate each file once: a file whose
    bytes hash the same as the cached one is not parsed again.

    Raises HistoryError for a missing previous file, a previous outside the case folder or of
    another case, a cycle, or an Amendment or Modification whose chain does not reach a Basic.
    """
    path = path if isinstance(path, Path) else Path(path)
    chain: list[CaseFile] = []
    seen: set[str | Path] = set()  # the `_identity` of each file of the chain
    folder = _Folder(path.parent)
    current: Path | None = path
    identity = _identity(folder, path, previous=False, source=path)
    while current is not None:
        if identity in seen:
            names = " -> ".join(str(c.path) for c in chain)
            raise HistoryError(
                f"the chain of previous documents loops back on itself: {names} -> {current}",
                source=path,
            )
        if len(chain) >= MAX_CHAIN:
            raise HistoryError(
                f"the chain of previous documents is longer than {MAX_CHAIN}", source=path
            )
        seen.add(identity)
        try:
            loaded = _load_cached(current, cache, keep or CASE_CACHE_SIZE)
        except CaseError as exc:
            if chain and exc.message == "case file not found":
                later = chain[-1]
                raise HistoryError(
                    f"previous document {quoted(later.case.document.previous, 60)} not found "
                    f"(looked for {current})",
                    source=later.path,
                    location="document.previous",
                ) from None
            raise
        if chain and loaded.case.case_id != chain[-1].case.case_id:
            later = chain[-1]
            raise HistoryError(
                f"previous document {current} belongs to case {loaded.case.case_id}, "
                f"not {later.case.case_id}",
                source=later.path,
                location="document.previous",
            )
        chain.append(loaded)
        prev = loaded.case.document.previous
        if prev:
            target = _previous_name(current, prev)
            identity = _identity(folder, target, previous=True, source=current)
            current = target
        else:
            current = None
    chain.reverse()
    if chain[0].case.document.kind != "Basic":
        raise HistoryError(
            "the chain of previous documents does not start with a Basic", source=chain[0].path
        )
    return tuple(chain)


def _load_cached(path: Path, cache: dict[str, CaseFile] | None, keep: int) -> CaseFile:
    if cache is None:
        return load_case(path)
    raw = read_limited(path, "case file", CaseError)
    key = os.path.abspath(path)
    digest = hashlib.sha256(raw).hexdigest()
    found = cache.get(key)
    if found is not None and found.sha256 == digest and found.path == path:
        return found
    loaded = load_case(path, raw, sha256=digest)
    cache.pop(key, None)
    while len(cache) >= keep:
        del cache[next(iter(cache))]  # the file read longest ago
    cache[key] = loaded
    return loaded


CASE_CACHE_SIZE = 64
"""Case files a `load_chain` cache keeps by default (the oldest read goes first): enough for a
batch, which reads a case's documents one after the other (a validated case file takes 50-100
KB: more would only grow a worker's memory with the number of documents); the studio, which
goes over every document again and again, keeps more (`keep`)."""
