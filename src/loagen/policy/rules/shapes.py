"""Shapes: what a name or a field of a rule holds, read off the case models, and the scope.

Before a rule runs, `checker` infers the shape of each part of it: an object of a model (with
its fields), a list of such, a plain value (with its fixed set of values when the field is a
code), a table of reference data, or a helper. The scope is every name a rule or a note body can
use, with its shape, built from the `runtime` tables so that checking and running agree.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date as Date
from decimal import Decimal
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from jinja2.runtime import LoopContext
from pydantic import BaseModel, WithJsonSchema

from ...case.model import Case, FundSource, Line
from ...document.costs import CostSummary, LineCost
from .runtime import DATA, HELPERS, LineSet, limits


@dataclass(frozen=True)
class Object:
    cls: type


@dataclass(frozen=True)
class List:
    item: Any


@dataclass(frozen=True)
class Value:
    choices: tuple[str, ...] | None = None
    type: type | None = None
    """The value's Python type when known (a date, a number, text), to catch comparisons of
    values that cannot be compared."""


@dataclass(frozen=True)
class Table:
    keys: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Function:
    name: str


@dataclass(frozen=True)
class AnyShape:
    pass


ANY = AnyShape()
LINES = List(Object(Line))

PROPERTIES: dict[type, dict[str, Any]] = {
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
    CostSummary: {
        "schedule_total": Decimal,
        "surcharge_waived": Decimal,
        "charged_lines": tuple[LineCost, ...],
    },
    FundSource: {"fiscal_years": tuple[int, ...]},
}
"""Properties a rule may read besides the model fields."""

FIXED_ATTRIBUTES: dict[type, tuple[str, ...]] = {
    Date: ("year", "month", "day"),
    # what `loop` offers inside a {% for %} (codegen._Loop has exactly these)
    LoopContext: ("index", "index0", "revindex", "revindex0", "first", "last", "length"),
}  # fmt: skip


def from_annotation(annotation: Any) -> Any:
    """The shape of values of a type annotation."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        base, *meta = get_args(annotation)
        return with_choices(from_annotation(base), meta)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return from_annotation(args[0]) if len(args) == 1 else ANY
    if origin is Literal:
        return Value(tuple(str(a) for a in get_args(annotation)), str)
    if origin in (list, tuple, Sequence):
        args = get_args(annotation)
        return List(from_annotation(args[0]) if args else ANY)
    if annotation is LineSet:
        return LINES
    if isinstance(annotation, type) and (
        issubclass(annotation, BaseModel) or dataclasses.is_dataclass(annotation)
    ):
        return Object(annotation)
    if annotation is Date:
        return Object(Date)
    if annotation in (str, Decimal, int, float, bool):
        return Value(None, Decimal if annotation in (int, float) else annotation)
    return Value()


def with_choices(shape: Any, metadata: Iterable[Any]) -> Any:
    """A code field (source code, term of sale ...) carries its choices in its JSON schema."""
    for meta in metadata:
        if isinstance(meta, WithJsonSchema) and isinstance(meta.json_schema, dict):
            enum = meta.json_schema.get("enum")
            if enum and isinstance(shape, Value):
                return Value(tuple(str(e) for e in enum), str)
    return shape


@cache
def attributes(cls: type) -> dict[str, Any]:
    """Field name -> shape for a model, dataclass or date."""
    if cls in FIXED_ATTRIBUTES:
        return {name: Value() for name in FIXED_ATTRIBUTES[cls]}
    out: dict[str, Any] = {}
    if issubclass(cls, BaseModel):
        for name, field in cls.model_fields.items():
            out[name] = with_choices(from_annotation(field.annotation), field.metadata)
    elif dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls, include_extras=True)
        for f in dataclasses.fields(cls):
            out[f.name] = from_annotation(hints[f.name])
    for name, annotation in PROPERTIES.get(cls, {}).items():
        out[name] = from_annotation(annotation)
    return out


@cache
def allowed_attributes(cls: type) -> frozenset[str]:
    """The attributes rules and note bodies may read on a value of type `cls` at run time."""
    try:
        return frozenset(attributes(cls))
    except TypeError:
        return frozenset()


def table_shape(data: dict[str, Any]) -> Table:
    return Table(
        tuple((str(k), table_shape(v) if isinstance(v, dict) else Value()) for k, v in data.items())
    )


_RETURNS = {"lines": LINES, "value": Value(), "date": Object(Date), "list": List(ANY)}


@cache
def rule_scope() -> dict[str, Any]:
    """Every name a rule can use, with its shape."""
    scope: dict[str, Any] = {}
    for name, data in DATA.items():
        scope[name] = (
            table_shape(limits()) if name == "limits" else from_annotation(data.annotation)
        )
    for name in HELPERS:
        scope[name] = Function(name)
    return scope


def returns(name: str) -> Any:
    """The shape a helper returns."""
    return _RETURNS[HELPERS[name].returns]


def body_scope(level: str) -> dict[str, Any]:
    """Every name a note body (or title) can use: a rule's, `note_lines`, and `line` in a
    line note."""
    scope = dict(rule_scope())
    scope["note_lines"] = LINES
    scope["rule_lines"] = LINES
    if level == "line":
        scope["line"] = Object(Line)
    return scope
