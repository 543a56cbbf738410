"""The note library's expression language: when a note applies, and what its placeholders may name.

A rule is one short Jinja expression, compiled once in a sandbox (`SandboxedEnvironment`,
`StrictUndefined`) and checked before anything runs:

- curly quotes typed by a word processor are made straight;
- a single `=` outside a function call (an assignment, or a mistyped `==`) is refused;
- every name, every dotted field path (`case.category`, `line.training.location`) and every
  helper argument (`lines_with(source_code="P")`, `has_term("EDA Grant")`) is checked against the
  case model and the reference tables, so a typo is an error naming the note file and the line,
  with the nearest real name ("did you mean 'case.category'?");
- a value compared with a field that has a fixed set of values (`case.program == "FMX"`) must be
  one of them;
- only the names below can be used, only the helpers can be called, and nothing starting with
  `_` can be reached. At run time the sandbox also allows only the fields of the case models.

Case text is passed to rules and note bodies as data: it is never read as a template.

Names a rule can use
--------------------
Data of the document:

- `case`: the case snapshot of this document (every field of the case file: `case.program`,
  `case.category`, `case.terms_of_sale`, `case.accessorial.transportation`, `case.fund_source` ...)
- `document` (also `doc`): `case.document`: `kind`, `number`, `offer_expiration_date`,
  `implementation_date`, `restated`, `case_closure`, `short_oed_reason` ...
- `lines`: every line of this document (a line set, see below)
- `basic`: the Basic's snapshot (the document itself on a Basic)
- `changes`: what this document changes compared with its previous one: `changes.added`,
  `changes.deleted`, `changes.touched` (added or changed in any field), `changes.increased`
  (quantity or value up), `changes.scope` (lines that widen the scope) are line sets;
  `changes.scope_changed` and `changes.has_previous` are true or false
- `costs`: the estimated cost summary: `costs.net_estimated_cost`, `costs.administrative_charge`,
  `costs.packing_crating_handling`, `costs.transportation`, `costs.total_estimated_cost`,
  `costs.surcharge_exemption`, `costs.initial_deposit`, `costs.lines` (each with `number`,
  `surcharge_rate`) ...
- `limits`: the money rules of `reference/money.yaml`, e.g. `limits.manpower_travel_daily_limit`,
  `limits.cas_rates.contract_administration`

Flags: `is_basic`, `is_amendment`, `is_modification`, `is_restated` (the document restates one
already offered), `is_implemented` (the case has an implementation date), `is_fms`, `is_bpc`;
and `oed`, the offer expiration date of this document (of the latest one before it, on a
Modification).

Line sets are lists of lines; a line set is true when it holds at least one line, and it names
the lines a note is about:

- `lines_with(field=value, ...)`: the lines where every condition holds. A field is a line
  field (`source_code`, `kind`, `masl`, `items`, `sole_source` ...) or one of `is_nsr`,
  `is_wwrs_seller`, `is_service`, `is_procurement`, `total`; `__` goes into a part of the line
  (`training__location="CONUS"`, `eda__kind="grant"`, `nonrecurring_cost__waiver=True`). The
  value is compared so: a list means "one of" (`source_code=["P", "X"]`); `True`/`False` mean the
  part is present (or true) / absent (or false); on a list field (`items`) the value must be in
  the list. A last `__gt`, `__ge`, `__lt` or `__le` compares numbers
  (`manpower__travel_cost_per_day__gt=limits.manpower_travel_daily_limit`), `__not` negates.
- `any_line(...)`: the same as `lines_with(...)`; it reads better as a condition.
- `lines_with_item("nvd", ...)`: the lines whose `items` hold any of the traits named.
- `added_lines`, `touched_lines` (added or changed), `deleted_lines` (as they were before
  deletion). On a Basic every line counts as added and touched.

Other helpers: `has_term("FMS Credit (Non-Repayable)", ...)` is true when the terms of sale
include any of the terms named; `date("2018-06-01")` is a date to compare with.

Which lines a rule names: a line set names its lines; in `A and B` the lines are those of the
right-most part that names lines (so write the condition first: `is_fms and lines_with(...)`);
in `A or B` they are the lines of every true part.

Names a note body (and title) can use
-------------------------------------
All of the above, and: `note_lines` (the lines the note is about on this document, after
carry-over) and, in a line note, `line` (the line it is attached to). Wording helpers:
`refs(lines)` ("Line 001", "Lines 001-003"), `spell_date(d)` ("12 January 2025"), `money(x)`
("$1,234"), `percent(r)` (0.032 -> "3.2%"), `quantity(q)`, `grouped(items, "path")` (pairs of a
value and the items that share it, in order), `plural(items, "provides", "provide")`,
`sentence(text)` (capital first letter, full stop), `party` ("Purchaser" or "Benefitting
Partner"), `ia_name`, `country_name`. Text from the case is inserted with Markdown characters escaped and on
one line, so it prints as written.

Explanations: `evaluate` works out each `and`/`or` part on its own and reports its value and the
lines it names (a `Term` each), so a reviewer sees why a note is in or out.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date as Date
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from jinja2 import StrictUndefined, nodes
from jinja2.environment import Template, TemplateExpression
from jinja2.exceptions import TemplateError, TemplateSyntaxError
from jinja2.parser import Parser
from jinja2.runtime import LoopContext, Undefined
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, WithJsonSchema

from .case import Case, Line
from .costs import CostSummary
from .document import LoaDocument
from .errors import RuleError, did_you_mean
from .reference import load_reference
from .selection import Term
from .wording import line_refs, money, party, quantity, spell_date

# -- line sets -----------------------------------------------------------------------------------


class LineSet(tuple):
    """Lines of a document, in order; true when it holds at least one line."""

    __slots__ = ()

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(ln.number for ln in self)


@dataclass(frozen=True)
class ChangeSet:
    """What a document changes, as rules see it (`changes`)."""

    has_previous: bool
    """The document has a previous one (an Amendment or a Modification)."""
    scope_changed: bool
    """Some line change widens the scope."""
    added: LineSet
    deleted: LineSet
    touched: LineSet
    increased: LineSet
    scope: LineSet


# -- shapes: what a name or field holds, for checking rules before they run -----------------------


@dataclass(frozen=True)
class _Object:
    cls: type


@dataclass(frozen=True)
class _List:
    item: Any


@dataclass(frozen=True)
class _Value:
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class _Table:
    keys: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class _Function:
    name: str


@dataclass(frozen=True)
class _Any:
    pass


ANY = _Any()
LINES = _List(_Object(Line))

# Properties a rule may read besides the model fields.
_PROPERTIES: dict[type, dict[str, Any]] = {
    Line: {
        "total": Decimal,
        "is_nsr": bool,
        "is_wwrs_seller": bool,
        "is_service": bool,
        "is_procurement": bool,
    },
    Case: {
        "country_code": str,
        "ia_code": str,
        "kind": Literal["Basic", "Amendment", "Modification"],
    },
    CostSummary: {"schedule_total": Decimal},
}
_FIXED_ATTRIBUTES: dict[type, tuple[str, ...]] = {
    Date: ("year", "month", "day"),
    LoopContext: (
        "index", "index0", "revindex", "revindex0", "first", "last", "length",
        "previtem", "nextitem", "depth", "depth0",
    ),
}  # fmt: skip


def _from_annotation(annotation: Any) -> Any:
    """The shape of values of a type annotation."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        base, *meta = get_args(annotation)
        shape = _from_annotation(base)
        return _with_choices(shape, meta)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _from_annotation(args[0]) if len(args) == 1 else ANY
    if origin is Literal:
        return _Value(tuple(str(a) for a in get_args(annotation)))
    if origin in (list, tuple, Sequence):
        args = get_args(annotation)
        return _List(_from_annotation(args[0]) if args else ANY)
    if annotation is LineSet:
        return LINES
    if isinstance(annotation, type) and (
        issubclass(annotation, BaseModel) or dataclasses.is_dataclass(annotation)
    ):
        return _Object(annotation)
    if annotation is Date:
        return _Object(Date)
    return _Value()


def _with_choices(shape: Any, metadata: Iterable[Any]) -> Any:
    """A code field (source code, term of sale ...) carries its choices in its JSON schema."""
    for meta in metadata:
        if isinstance(meta, WithJsonSchema) and isinstance(meta.json_schema, dict):
            enum = meta.json_schema.get("enum")
            if enum and isinstance(shape, _Value):
                return _Value(tuple(str(e) for e in enum))
    return shape


@cache
def _attributes(cls: type) -> dict[str, Any]:
    """Field name -> shape for a model, dataclass or date."""
    if cls in _FIXED_ATTRIBUTES:
        return {name: _Value() for name in _FIXED_ATTRIBUTES[cls]}
    out: dict[str, Any] = {}
    if issubclass(cls, BaseModel):
        for name, field in cls.model_fields.items():
            out[name] = _with_choices(_from_annotation(field.annotation), field.metadata)
    elif dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls, include_extras=True)
        for f in dataclasses.fields(cls):
            out[f.name] = _from_annotation(hints[f.name])
    for name, annotation in _PROPERTIES.get(cls, {}).items():
        out[name] = _from_annotation(annotation)
    return out


def _runtime_attributes(cls: type) -> frozenset[str]:
    try:
        return frozenset(_attributes(cls))
    except TypeError:
        return frozenset()


# -- names: what rules and note bodies can use -----------------------------------------------------

_ORDER_OPS = {"gt", "ge", "lt", "le"}
_CONDITION_OPS = _ORDER_OPS | {"not"}
_LINE_SET_FUNCTIONS = ("lines_with", "any_line", "lines_with_item")


def _table_shape(data: dict[str, Any]) -> _Table:
    return _Table(
        tuple(
            (str(k), _table_shape(v) if isinstance(v, dict) else _Value()) for k, v in data.items()
        )
    )


@cache
def _limits() -> dict[str, Any]:
    """money.yaml with numbers as Decimal (numbers written as text too)."""

    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return Decimal(str(value))
        if isinstance(value, str):
            try:
                return Decimal(value) if re.fullmatch(r"-?\d+(\.\d+)?", value) else value
            except InvalidOperation:
                return value
        return value

    return convert(load_reference().money)


_FLAGS = (
    "is_basic", "is_amendment", "is_modification", "is_restated", "is_implemented",
    "is_fms", "is_bpc",
)  # fmt: skip
_WORDING = (
    "refs", "spell_date", "money", "percent", "quantity", "grouped", "plural", "sentence",
)  # fmt: skip


@cache
def _rule_scope() -> dict[str, Any]:
    """Every name a rule can use, with its shape."""
    scope: dict[str, Any] = {
        "case": _Object(Case),
        "document": _from_annotation(Case.model_fields["document"].annotation),
        "lines": LINES,
        "basic": _Object(Case),
        "changes": _Object(ChangeSet),
        "costs": _Object(CostSummary),
        "limits": _table_shape(_limits()),
        "oed": _Object(Date),
        "added_lines": LINES,
        "touched_lines": LINES,
        "deleted_lines": LINES,
        "party": _Value(),
        "ia_name": _Value(),
        "country_name": _Value(),
    }
    scope["doc"] = scope["document"]
    scope.update({flag: _Value() for flag in _FLAGS})
    for name in (*_LINE_SET_FUNCTIONS, "has_term", "date", *_WORDING):
        scope[name] = _Function(name)
    return scope


def _body_scope(level: str) -> dict[str, Any]:
    scope = dict(_rule_scope())
    scope["note_lines"] = LINES
    if level == "line":
        scope["line"] = _Object(Line)
    return scope


# -- the sandbox ----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")
_MD_LEADING = re.compile(r"^( ?)(?:([-+=#>])|(\d{1,9})([.)])(?= |$))")


def escape_markdown(text: str) -> str:
    """Case text made safe to drop into a note body: on one line, with the Markdown characters
    escaped, so it prints exactly as written (no emphasis, link, list or heading can start from
    it). Runs of white space become one space; a space at either end is kept."""
    text = re.sub(r"\s+", " ", text)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    m = _MD_LEADING.match(text)
    if m:
        lead, mark, digits, dot = m.groups()
        text = lead + (f"\\{mark}" if mark else f"{digits}\\{dot}") + text[m.end() :]
    return text


def _finalize(value: Any) -> Any:
    if isinstance(value, str):
        return escape_markdown(value)
    return value


_FILTERS = (
    "abs", "capitalize", "count", "first", "int", "join", "last", "length", "list", "lower",
    "max", "min", "round", "sort", "string", "sum", "trim", "upper", "unique",
)  # fmt: skip
_TESTS = (
    "none", "true", "false", "number", "string", "defined", "undefined", "in", "eq", "ne",
    "lt", "le", "gt", "ge", "odd", "even", "divisibleby", "sequence",
)  # fmt: skip


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, narrowed: only model fields can be read, only helpers can be called."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        return attr in _runtime_attributes(type(obj))

    def is_safe_callable(self, obj: Any) -> bool:
        return bool(getattr(obj, "rule_helper", False)) and super().is_safe_callable(obj)


@cache
def environment() -> _Sandbox:
    """The one sandboxed environment rules and note bodies are compiled in."""
    env = _Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals.clear()
    env.filters = {name: env.filters[name] for name in _FILTERS}
    env.tests = {name: env.tests[name] for name in _TESTS}
    return env


# -- source text of a parsed expression (for explanations) ----------------------------------------

_COMPARE = {
    "eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=",
    "in": "in", "notin": "not in",
}  # fmt: skip


def _const(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "none"
    return str(value)


def _wrap(node: nodes.Node) -> str:
    text = source_of(node)
    compound = (nodes.And, nodes.Or, nodes.CondExpr, nodes.Not, nodes.Compare, nodes.BinExpr)
    return f"({text})" if isinstance(node, compound) else text


def _args(node: nodes.Call | nodes.Filter | nodes.Test) -> str:
    parts = [source_of(a) for a in node.args]
    parts += [f"{k.key}={source_of(k.value)}" for k in node.kwargs]
    return ", ".join(parts)


def source_of(node: nodes.Node) -> str:
    """The text of an expression node, written back in the rule language."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Const):
        return _const(node.value)
    if isinstance(node, nodes.Getattr):
        return f"{_wrap(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_wrap(node.node)}[{source_of(node.arg)}]"
    if isinstance(node, nodes.Call):
        return f"{_wrap(node.node)}({_args(node)})"
    if isinstance(node, nodes.Filter):
        args = f"({_args(node)})" if node.args or node.kwargs else ""
        return f"{_wrap(node.node)} | {node.name}{args}" if node.node else node.name
    if isinstance(node, nodes.Test):
        args = f"({_args(node)})" if node.args or node.kwargs else ""
        return f"{_wrap(node.node)} is {node.name}{args}"
    if isinstance(node, nodes.Compare):
        text = _wrap(node.expr)
        for op in node.ops:
            text += f" {_COMPARE.get(op.op, op.op)} {_wrap(op.expr)}"
        return text
    if isinstance(node, nodes.And):
        return f"{_wrap_bool(node.left, nodes.Or)} and {_wrap_bool(node.right, nodes.Or)}"
    if isinstance(node, nodes.Or):
        return f"{_wrap_bool(node.left, nodes.And)} or {_wrap_bool(node.right, nodes.And)}"
    if isinstance(node, nodes.Not):
        return f"not {_wrap(node.node)}"
    if isinstance(node, nodes.Neg):
        return f"-{_wrap(node.node)}"
    if isinstance(node, nodes.Pos):
        return f"+{_wrap(node.node)}"
    if isinstance(node, nodes.CondExpr):
        other = f" else {_wrap(node.expr2)}" if node.expr2 is not None else ""
        return f"{_wrap(node.expr1)} if {_wrap(node.test)}{other}"
    if isinstance(node, nodes.BinExpr):
        return f"{_wrap(node.left)} {node.operator} {_wrap(node.right)}"
    if isinstance(node, nodes.Concat):
        return " ~ ".join(_wrap(n) for n in node.nodes)
    if isinstance(node, nodes.List):
        return "[" + ", ".join(source_of(n) for n in node.items) + "]"
    if isinstance(node, nodes.Tuple):
        return "(" + ", ".join(source_of(n) for n in node.items) + ")"
    if isinstance(node, nodes.Dict):
        return (
            "{" + ", ".join(f"{source_of(p.key)}: {source_of(p.value)}" for p in node.items) + "}"
        )
    return f"<{type(node).__name__}>"


def _wrap_bool(node: nodes.Node, other: type) -> str:
    text = source_of(node)
    return f"({text})" if isinstance(node, (other, nodes.CondExpr)) else text


# -- checking: names, fields and values against the models -----------------------------------------


class _Invalid(Exception):
    """A problem found while checking a rule or body; `needle` is text to find its line by."""

    def __init__(self, message: str, needle: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.needle = needle


_ALLOWED_EXPRESSIONS = (
    nodes.Name, nodes.Const, nodes.Getattr, nodes.Getitem, nodes.Call, nodes.Filter, nodes.Test,
    nodes.Compare, nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Pos, nodes.CondExpr,
    nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Concat,
    nodes.List, nodes.Tuple, nodes.Dict, nodes.Slice,
)  # fmt: skip


class _Checker:
    """Walks a parsed rule or body and infers the shape of each part, refusing unknown names."""

    def __init__(self, scope: dict[str, Any]) -> None:
        self.scope = dict(scope)

    # -- expressions --

    def infer(self, node: nodes.Node) -> Any:
        if not isinstance(node, _ALLOWED_EXPRESSIONS):
            what = "a power (**)" if isinstance(node, nodes.Pow) else type(node).__name__
            raise _Invalid(f"{what} is not allowed in a rule or placeholder")
        method = getattr(self, f"_infer_{type(node).__name__.lower()}", None)
        if method is not None:
            return method(node)
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Expr):
                self.infer(child)
            elif isinstance(child, (nodes.Keyword, nodes.Pair)):
                for sub in child.iter_child_nodes():
                    self.infer(sub)
        return _Value()

    def _infer_name(self, node: nodes.Name) -> Any:
        if node.name not in self.scope:
            raise _Invalid(
                f"unknown name {node.name!r}{did_you_mean(node.name, list(self.scope))}",
                node.name,
            )
        shape = self.scope[node.name]
        if isinstance(shape, _Function):
            raise _Invalid(f"{node.name} is a helper: call it, e.g. {node.name}(...)", node.name)
        return shape

    def _infer_const(self, node: nodes.Const) -> Any:
        return _Value()

    def _infer_getattr(self, node: nodes.Getattr) -> Any:
        base = self.infer(node.node)
        return self._attribute(base, node.attr, source_of(node.node))

    def _attribute(self, base: Any, attr: str, where: str) -> Any:
        if attr.startswith("_"):
            raise _Invalid(
                f"{where}.{attr} is not allowed: rules and placeholders cannot reach names "
                "starting with '_' (Python internals)",
                attr,
            )
        if isinstance(base, _Object):
            fields = _attributes(base.cls)
            if attr not in fields:
                choices = [f"{where}.{name}" for name in fields]
                raise _Invalid(
                    f"unknown field {where}.{attr}{did_you_mean(f'{where}.{attr}', choices)}",
                    attr,
                )
            return fields[attr]
        if isinstance(base, _Table):
            keys = dict(base.keys)
            if attr not in keys:
                choices = [f"{where}.{k}" for k in keys]
                raise _Invalid(
                    f"unknown entry {where}.{attr}{did_you_mean(f'{where}.{attr}', choices)}",
                    attr,
                )
            return keys[attr]
        if isinstance(base, _Any):
            return ANY
        kind = "a list" if isinstance(base, _List) else "a plain value"
        raise _Invalid(f"{where} is {kind} and has no field {attr!r}", attr)

    def _infer_getitem(self, node: nodes.Getitem) -> Any:
        base = self.infer(node.node)
        self.infer(node.arg)
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return self._attribute(base, node.arg.value, source_of(node.node))
        if isinstance(base, _List):
            return base.item if not isinstance(node.arg, nodes.Slice) else base
        if isinstance(base, _Any):
            return ANY
        raise _Invalid(f"{source_of(node.node)} cannot be indexed", source_of(node.node))

    def _infer_call(self, node: nodes.Call) -> Any:
        if not isinstance(node.node, nodes.Name) or not isinstance(
            self.scope.get(node.node.name), _Function
        ):
            raise _Invalid(
                f"{source_of(node.node)}(...) cannot be called: only the helpers "
                "(lines_with, has_term, refs ...) can",
                source_of(node.node).split(".")[-1],
            )
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise _Invalid("*args and **kwargs are not allowed in a rule", "*")
        for arg in node.args:
            self.infer(arg)
        for kw in node.kwargs:
            self.infer(kw.value)
        name = node.node.name
        return getattr(self, f"_call_{name}", self._call_plain)(node)

    def _call_plain(self, node: nodes.Call) -> Any:
        if node.node.name == "grouped":  # type: ignore[attr-defined]
            if len(node.args) != 2 or node.kwargs:
                raise _Invalid(
                    'grouped takes a list and a field path: grouped(note_lines, "eda")', "grouped"
                )
            items = self.infer(node.args[0])
            path = node.args[1]
            if isinstance(path, nodes.Const) and isinstance(items, _List):
                shape = items.item
                for part in str(path.value).split("."):
                    shape = self._attribute(shape, part, "each item")
            return _List(ANY)
        return _Value()

    def _call_lines_with(self, node: nodes.Call) -> Any:
        name = node.node.name  # type: ignore[attr-defined]
        if node.args:
            raise _Invalid(
                f'{name} takes conditions as field=value, e.g. {name}(source_code="P")', name
            )
        for kw in node.kwargs:
            self._condition(name, kw.key, kw.value)
        return LINES

    _call_any_line = _call_lines_with

    def _condition(self, func: str, key: str, value: nodes.Node) -> None:
        if key.startswith("_"):
            raise _Invalid(
                f"{func}: {key}=... is not allowed: rules cannot reach names starting with '_'",
                key,
            )
        parts = key.split("__")
        op = parts.pop() if len(parts) > 1 and parts[-1] in _CONDITION_OPS else None
        shape: Any = _Object(Line)
        walked: list[str] = []
        for part in parts:
            if not isinstance(shape, _Object):
                raise _Invalid(f"{func}: line.{'.'.join(walked)} has no part {part!r}", key)
            fields = _attributes(shape.cls)
            if part not in fields:
                here = ".".join(["line", *walked])
                rest = key.split("__")[len(walked) + 1 :]
                choices = ["__".join([*walked, f, *rest]) for f in fields]
                raise _Invalid(
                    f"{func}: {here} has no field {part!r} (in {key}=...){did_you_mean(key, choices)}",
                    key,
                )
            shape = fields[part]
            walked.append(part)
        if (
            op in _ORDER_OPS
            and isinstance(value, nodes.Const)
            and not isinstance(value.value, (int, float, Decimal))
        ):
            raise _Invalid(f"{func}: {key} compares numbers; got {_const(value.value)}", key)
        if isinstance(value, nodes.Const) and isinstance(value.value, bool):
            return
        target = shape.item if isinstance(shape, _List) else shape
        self._check_values(target, value, f"line.{'.'.join(walked)}")

    def _call_lines_with_item(self, node: nodes.Call) -> Any:
        traits = _attributes(Line)["items"].item
        if not node.args or node.kwargs:
            raise _Invalid(
                'lines_with_item takes trait names, e.g. lines_with_item("nvd")', "lines_with_item"
            )
        for arg in node.args:
            self._check_values(traits, arg, "line.items")
        return LINES

    def _call_has_term(self, node: nodes.Call) -> Any:
        terms = _attributes(Case)["terms_of_sale"].item
        if not node.args or node.kwargs:
            raise _Invalid('has_term takes terms of sale, e.g. has_term("EDA Grant")', "has_term")
        for arg in node.args:
            self._check_values(terms, arg, "case.terms_of_sale")
        return _Value()

    def _call_date(self, node: nodes.Call) -> Any:
        arg = node.args[0] if len(node.args) == 1 and not node.kwargs else None
        if not isinstance(arg, nodes.Const) or not isinstance(arg.value, str):
            raise _Invalid('date takes one date written "YYYY-MM-DD"', "date")
        try:
            Date.fromisoformat(arg.value)
        except ValueError:
            raise _Invalid(
                f'{_const(arg.value)} is not a date written "YYYY-MM-DD"', arg.value
            ) from None
        return _Object(Date)

    def _check_values(self, shape: Any, value: nodes.Node, where: str) -> None:
        """A constant compared with a field of fixed values must be one of them."""
        if not isinstance(shape, _Value) or not shape.choices:
            return
        if isinstance(value, nodes.Const):
            consts = [value.value]
        elif isinstance(value, (nodes.List, nodes.Tuple)):
            consts = [i.value for i in value.items if isinstance(i, nodes.Const)]
        else:
            return
        for const in consts:
            if isinstance(const, str) and const not in shape.choices:
                raise _Invalid(
                    f"{_const(const)} is not a value of {where}; expected one of "
                    f"{', '.join(shape.choices)}{did_you_mean(const, shape.choices)}",
                    const,
                )

    def _infer_compare(self, node: nodes.Compare) -> Any:
        operands = [node.expr, *(op.expr for op in node.ops)]
        shapes = [self.infer(n) for n in operands]
        for i, op in enumerate(node.ops):
            (a, b), (sa, sb) = operands[i : i + 2], shapes[i : i + 2]
            if op.op in ("eq", "ne"):
                self._check_values(sa, b, source_of(a))
                self._check_values(sb, a, source_of(b))
            elif op.op in ("in", "notin"):
                if isinstance(sb, _List):
                    self._check_values(sb.item, a, source_of(b))
                self._check_values(sa, b, source_of(a))
        return _Value()

    def _infer_filter(self, node: nodes.Filter) -> Any:
        if node.name not in _FILTERS:
            raise _Invalid(
                f"unknown filter {node.name!r}{did_you_mean(node.name, _FILTERS)}", node.name
            )
        base = self.infer(node.node) if node.node is not None else ANY
        for arg in node.args:
            self.infer(arg)
        for kw in node.kwargs:
            self.infer(kw.value)
        if node.name in ("first", "last", "min", "max") and isinstance(base, _List):
            return base.item
        if node.name in ("list", "sort", "unique"):
            return base
        return _Value()

    def _infer_test(self, node: nodes.Test) -> Any:
        if node.name not in _TESTS:
            raise _Invalid(
                f"unknown test {node.name!r}{did_you_mean(node.name, _TESTS)}", node.name
            )
        self.infer(node.node)
        for arg in node.args:
            self.infer(arg)
        return _Value()

    def _infer_condexpr(self, node: nodes.CondExpr) -> Any:
        self.infer(node.test)
        first = self.infer(node.expr1)
        if node.expr2 is not None:
            self.infer(node.expr2)
        return first

    def _infer_and(self, node: nodes.And) -> Any:
        self.infer(node.left)
        return self.infer(node.right)

    _infer_or = _infer_and

    def _infer_list(self, node: nodes.List) -> Any:
        items = [self.infer(i) for i in node.items]
        return _List(items[0] if items else ANY)

    _infer_tuple = _infer_list

    # -- statements (note bodies) --

    def statements(self, body: Iterable[nodes.Node]) -> None:
        for node in body:
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    if not isinstance(child, nodes.TemplateData):
                        self.infer(child)
            elif isinstance(node, nodes.If):
                self.infer(node.test)
                self.statements(node.body)
                for elif_ in node.elif_:
                    self.infer(elif_.test)
                    self.statements(elif_.body)
                self.statements(node.else_)
            elif isinstance(node, nodes.For):
                if node.recursive:
                    raise _Invalid("recursive loops are not allowed in a note body", "recursive")
                items = self.infer(node.iter)
                item = items.item if isinstance(items, _List) else ANY
                outer = dict(self.scope)
                self._bind(node.target, item)
                self.scope["loop"] = _Object(LoopContext)
                if node.test is not None:
                    self.infer(node.test)
                self.statements(node.body)
                self.scope = outer
                self.statements(node.else_)
            elif isinstance(node, nodes.Assign):
                self._bind(node.target, self.infer(node.node))
            else:
                kind = type(node).__name__
                raise _Invalid(
                    f"{{% {kind.lower()} %}} is not allowed in a note body: use text, "
                    "{{ placeholders }}, {% if %} and {% for %}",
                    kind.lower(),
                )

    def _bind(self, target: nodes.Node, shape: Any) -> None:
        if isinstance(target, nodes.Name):
            self.scope[target.name] = shape
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self._bind(item, ANY)


# -- compiled rules ----------------------------------------------------------------------------------

_CURLY = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})


def normalise(text: str) -> str:
    """Straight quotes for curly ones (word processors type them), plain spaces."""
    return text.translate(_CURLY).strip()


_KEYWORDS = {"and", "or", "not", "in", "is", "if", "else"}


def _single_equals(text: str) -> int | None:
    """The position of a single '=' used outside a function call's arguments, or None."""
    stack: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            before = text[:i].rstrip()
            word = re.search(r"[A-Za-z_][A-Za-z0-9_]*$", before)
            called = bool(word and word.group() not in _KEYWORDS) or before.endswith(")")
            stack.append("call" if called else "group")
        elif ch in "[{":
            stack.append("bracket")
        elif ch in ")]}":
            if stack:
                stack.pop()
        elif ch == "=":
            pair = text[i - 1 : i + 1] if i else ""
            if text[i + 1 : i + 2] == "=":
                i += 2
                continue
            if pair in ("!=", "<=", ">=", "=="):
                i += 1
                continue
            if not stack or stack[-1] != "call":
                return i
        i += 1
    return None


@dataclass(frozen=True)
class _Leaf:
    text: str
    run: TemplateExpression
    names_lines: bool


@dataclass(frozen=True)
class _Junction:
    op: Literal["and", "or"]
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Rule:
    """A checked, compiled rule. Evaluate it with `evaluate`."""

    text: str
    """The rule as written (quotes normalised)."""
    source: Path | None
    line: int
    """Line of the note file where the rule starts."""
    tree: Any
    names_lines: bool
    """Some part of the rule names lines (a line set), so the note can say which lines."""

    def __str__(self) -> str:
        return self.text


def _locate(
    needle: str, line: int, file_lines: Sequence[str] | None, rule_lines: int
) -> tuple[int, str | None]:
    """The file line holding `needle` in the rule's lines (the rule's first line if not found)."""
    if not file_lines:
        return line, None
    last = min(len(file_lines), line + max(rule_lines, 1) - 1)
    if needle:
        for n in range(line, last + 1):
            if needle in file_lines[n - 1]:
                return n, file_lines[n - 1]
    return line, file_lines[line - 1] if 0 < line <= len(file_lines) else None


def _error(
    what: str,
    message: str,
    *,
    source: Path | None,
    line: int,
    needle: str = "",
    file_lines: Sequence[str] | None = None,
    span: int = 1,
) -> RuleError:
    at, text = _locate(needle, line, file_lines, span)
    return RuleError(f"{what} {message}", source=source, location=f"line {at}", source_line=text)


def _compile_node(env: _Sandbox, node: nodes.Expr) -> TemplateExpression:
    body = [nodes.Assign(nodes.Name("result", "store"), node, lineno=1)]
    template = env.from_string(nodes.Template(body, lineno=1))
    return TemplateExpression(template, False)


def _operands(node: nodes.Node, kind: type) -> list[nodes.Node]:
    """`a and b and c` as [a, b, c] (the parser nests them two by two)."""
    if isinstance(node, kind):
        return [*_operands(node.left, kind), *_operands(node.right, kind)]
    return [node]


def _build(node: nodes.Node, env: _Sandbox, checker: _Checker) -> Any:
    """The rule as a tree of `and`/`or` junctions over compiled leaves, checked on the way."""
    for kind, op in ((nodes.And, "and"), (nodes.Or, "or")):
        if isinstance(node, kind):
            parts = _operands(node, kind)
            return _Junction(op, tuple(_build(p, env, checker) for p in parts))  # type: ignore[arg-type]
    shape = checker.infer(node)
    return _Leaf(source_of(node), _compile_node(env, node), shape == LINES)


def _leaves(tree: Any) -> Iterable[_Leaf]:
    if isinstance(tree, _Leaf):
        yield tree
    else:
        for part in tree.parts:
            yield from _leaves(part)


def compile_rule(
    text: str,
    *,
    source: Path | None = None,
    line: int = 1,
    end_line: int | None = None,
    file_lines: Sequence[str] | None = None,
) -> Rule:
    """Check and compile a rule. `source`, `line`, `end_line` (where the rule is in the note
    file) and `file_lines` (the file's lines) place errors: a `RuleError` names the file, the
    line and the part of the rule that is wrong, and shows that line."""
    text = normalise(text)
    span = (end_line - line + 1) if end_line else text.count("\n") + 1
    where = {"source": source, "line": line, "file_lines": file_lines, "span": span}
    if not text:
        raise _error("rule", "is empty", **where)
    eq = _single_equals(text)
    if eq is not None:
        raise _error(
            "rule",
            f"uses a single '=' (at character {eq + 1}): write '==' to compare; "
            "a rule cannot assign",
            needle="=",
            **where,
        )
    env = environment()
    try:
        parser = Parser(env, text, state="variable")
        expr = parser.parse_expression()
        if not parser.stream.eos:
            raise TemplateSyntaxError(
                f"unexpected {parser.stream.current.value!r} after a complete expression "
                "(a missing 'and' or 'or'?)",
                parser.stream.current.lineno,
            )
        expr.set_environment(env)
    except TemplateSyntaxError as exc:
        at = line + (exc.lineno or 1) - 1
        shown = file_lines[at - 1] if file_lines and 0 < at <= len(file_lines) else None
        raise RuleError(
            f"rule does not parse: {exc.message}",
            source=source,
            location=f"line {at}",
            source_line=shown if file_lines else text,
        ) from None
    try:
        tree = _build(expr, env, _Checker(_rule_scope()))
    except _Invalid as exc:
        raise _error("rule", exc.message, needle=exc.needle, **where) from None
    except TemplateError as exc:
        raise _error("rule", f"does not compile: {exc}", **where) from None
    return Rule(text, source, line, tree, any(leaf.names_lines for leaf in _leaves(tree)))


def compile_body(
    text: str,
    *,
    level: Literal["case", "line"],
    what: str = "body",
    source: Path | None = None,
    line: int = 1,
    file_lines: Sequence[str] | None = None,
) -> Template:
    """Check and compile a note body (or title) with placeholders. `level` "line" adds `line`."""
    env = environment()
    span = text.count("\n") + 1
    try:
        parsed = env.parse(text)
    except TemplateSyntaxError as exc:
        at = line + (exc.lineno or 1) - 1
        shown = file_lines[at - 1] if file_lines and 0 < at <= len(file_lines) else None
        raise RuleError(
            f"{what} placeholders do not parse: {exc.message}",
            source=source,
            location=f"line {at}",
            source_line=shown,
        ) from None
    try:
        _Checker(_body_scope(level)).statements(parsed.body)
    except _Invalid as exc:
        raise _error(
            what,
            exc.message,
            source=source,
            line=line,
            needle=exc.needle,
            file_lines=file_lines,
            span=span,
        ) from None
    return env.from_string(text)


# -- the names of one document ----------------------------------------------------------------------


def _helper(func: Any) -> Any:
    func.rule_helper = True
    return func


def _numbers(items: Any) -> list[str]:
    if isinstance(items, (Line, str)):
        items = [items]
    return [i if isinstance(i, str) else i.number for i in items]


@_helper
def refs(items: Any) -> str:
    """'Line 001', 'Lines 001-003' for lines (or anything with a line number)."""
    return line_refs(_numbers(items))


@_helper
def percent(rate: Decimal | int | float | str) -> str:
    """0.032 -> '3.2%'."""
    value = (Decimal(str(rate)) * 100).normalize()
    return f"{value:f}%"


def _resolve(item: Any, path: str) -> Any:
    for part in path.split("."):
        if item is None:
            return None
        if part not in _runtime_attributes(type(item)):
            raise RuleError(f"grouped: {type(item).__name__} has no field {part!r}")
        item = getattr(item, part)
    return item


@_helper
def grouped(items: Iterable[Any], path: str) -> list[tuple[Any, Any]]:
    """Pairs of (value at `path`, the items sharing it), in the order values first appear."""
    out: list[tuple[Any, list[Any]]] = []
    for item in items:
        key = _resolve(item, path)
        for k, members in out:
            if k == key:
                members.append(item)
                break
        else:
            out.append((key, [item]))
    return [(k, LineSet(m) if all(isinstance(i, Line) for i in m) else tuple(m)) for k, m in out]


@_helper
def plural(items: Any, one: str, many: str) -> str:
    """`one` for a single item, else `many`: {{ plural(note_lines, "provides", "provide") }}."""
    return one if len(items) == 1 else many


@_helper
def sentence(text: str) -> str:
    """Writer's text as a sentence: capital first letter, full stop at the end."""
    text = " ".join(str(text).split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


_WORDING_HELPERS = {
    "refs": refs,
    "spell_date": _helper(lambda d: spell_date(d)),
    "money": _helper(lambda x: money(x)),
    "percent": percent,
    "quantity": _helper(lambda q: quantity(Decimal(str(q)))),
    "grouped": grouped,
    "plural": plural,
    "sentence": sentence,
}


@lru_cache(maxsize=1024)
def _condition_key(key: str) -> tuple[tuple[str, ...], str | None]:
    """'training__location' -> (('training', 'location'), None); 'total__gt' -> (('total',), 'gt')."""
    parts = key.split("__")
    op = parts.pop() if len(parts) > 1 and parts[-1] in _CONDITION_OPS else None
    return tuple(parts), op


def _matches(line: Line, key: str, expected: Any) -> bool:
    parts, op = _condition_key(key)
    actual: Any = line
    for part in parts:
        if actual is None:
            break
        actual = getattr(actual, part)
    if op in _ORDER_OPS:
        if actual is None or isinstance(actual, bool):
            return False
        a, b = Decimal(str(actual)), Decimal(str(expected))
        return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op]
    if isinstance(expected, bool):
        hit = bool(actual) == expected
    elif isinstance(actual, (list, tuple)):
        wanted = expected if isinstance(expected, (list, tuple)) else [expected]
        hit = any(w in actual for w in wanted)
    elif isinstance(expected, (list, tuple)):
        hit = actual in expected
    else:
        hit = actual == expected
    return not hit if op == "not" else hit


def rule_names(document: LoaDocument) -> dict[str, Any]:
    """Every name rules and note bodies see for `document` (built once per document)."""
    case = document.case
    ref = load_reference()
    lines = LineSet(case.lines)
    changes = document.changes
    if changes.has_previous:
        change_set = ChangeSet(
            has_previous=True,
            scope_changed=changes.scope_changed,
            added=LineSet(c.revised for c in changes.added),
            deleted=LineSet(c.previous for c in changes.deleted),
            touched=LineSet(c.revised for c in changes.touched if c.revised is not None),
            increased=LineSet(
                c.revised for c in changes.lines if c.revised and (c.quantity_up or c.value_up)
            ),
            scope=LineSet(c.revised for c in changes.scope_lines if c.revised is not None),
        )
    else:  # a Basic: every line is new
        change_set = ChangeSet(False, False, lines, LineSet(), lines, lines, lines)
    oed = next(
        (
            c.document.offer_expiration_date
            for c in reversed(document.chain)
            if c.document.offer_expiration_date
        ),
        None,
    )

    @_helper
    def lines_with(**conditions: Any) -> LineSet:
        return LineSet(ln for ln in lines if all(_matches(ln, k, v) for k, v in conditions.items()))

    @_helper
    def lines_with_item(*traits: str) -> LineSet:
        return LineSet(ln for ln in lines if any(t in ln.items for t in traits))

    @_helper
    def has_term(*terms: str) -> bool:
        return any(t in case.terms_of_sale for t in terms)

    @_helper
    def date(text: str) -> Date:
        return Date.fromisoformat(text)

    kind = case.document.kind
    return {
        "case": case,
        "document": case.document,
        "doc": case.document,
        "lines": lines,
        "basic": document.chain[0],
        "changes": change_set,
        "costs": document.costs,
        "limits": _limits(),
        "oed": oed,
        "is_basic": kind == "Basic",
        "is_amendment": kind == "Amendment",
        "is_modification": kind == "Modification",
        "is_restated": case.document.restated is not None,
        "is_implemented": case.document.implementation_date is not None,
        "is_fms": case.program == "FMS",
        "is_bpc": case.program == "BPC",
        "added_lines": change_set.added,
        "touched_lines": change_set.touched,
        "deleted_lines": change_set.deleted,
        "lines_with": lines_with,
        "any_line": lines_with,
        "lines_with_item": lines_with_item,
        "has_term": has_term,
        "date": date,
        "party": party(case),
        "ia_name": str(ref.implementing_agencies.get(case.ia_code, case.ia_code)),
        "country_name": str(
            ref.countries.get(case.country_code, {}).get("name", case.country_code)
        ),
        **_WORDING_HELPERS,
    }


# -- evaluation with explanation ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """A rule's value on one document, the lines it names, and the value of each part."""

    value: bool
    lines: tuple[str, ...]
    terms: tuple[Term, ...]


def plain(value: Any) -> Any:
    """A value as JSON-friendly data, for explanations and manifests."""
    if isinstance(value, LineSet):
        return list(value.numbers)
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Undefined):
        return None
    return str(value)


def _run(
    tree: Any, names: dict[str, Any], terms: list[Term], decided: bool, rule: Rule
) -> tuple[bool, tuple[Line, ...] | None]:
    """Evaluate `tree`; return (truth, lines named). Errors in parts that cannot change the
    outcome (`decided`) are shown as not evaluated; others raise RuleError."""
    if isinstance(tree, _Leaf):
        try:
            value = tree.run(**names)
            truth = bool(value)
        except Exception as exc:  # a rule error on this case: report the part that failed
            if decided:
                terms.append(
                    Term(tree.text, None, (), evaluated=False, names_lines=tree.names_lines)
                )
                return False, None
            raise RuleError(
                f"rule failed on this case at {tree.text}: {exc}",
                source=rule.source,
                location=f"line {rule.line}",
                source_line=rule.text,
            ) from exc
        lines = value if isinstance(value, LineSet) else None
        terms.append(
            Term(
                tree.text,
                plain(value),
                lines.numbers if lines else (),
                names_lines=isinstance(value, LineSet),
            )
        )
        return truth, lines
    results = []
    outcome_known = decided
    for part in tree.parts:
        truth, lines = _run(part, names, terms, outcome_known, rule)
        results.append((truth, lines))
        if (tree.op == "and" and not truth) or (tree.op == "or" and truth):
            outcome_known = True
    if tree.op == "and":
        truth = all(t for t, _ in results)
        named = [ln for _, ln in results if ln is not None]
        return truth, (named[-1] if truth and named else None)
    truth = any(t for t, _ in results)
    union: dict[str, Line] = {}
    for t, lines in results:
        if t and lines:
            union.update((ln.number, ln) for ln in lines)
    return truth, (tuple(union.values()) if union else None)


def evaluate(rule: Rule, names: dict[str, Any]) -> Outcome:
    """Evaluate `rule` with the `names` of one document (`rule_names`), part by part."""
    terms: list[Term] = []
    truth, lines = _run(rule.tree, names, terms, False, rule)
    numbers: tuple[str, ...] = ()
    if truth and lines:
        order = {ln.number: i for i, ln in enumerate(names["lines"])}
        numbers = tuple(sorted({ln.number for ln in lines}, key=lambda n: order.get(n, len(order))))
    return Outcome(truth, numbers, tuple(terms))
