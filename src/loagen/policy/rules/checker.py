"""The static checker: walks a parsed rule or note body and refuses what it cannot vouch for.

A `jinja2.visitor.NodeVisitor` over Jinja's own syntax tree. Each `visit_<Node>` returns the
shape of the part (see `shapes`); a name, field, helper argument, filter or test that does not
exist is refused with the nearest real one ("did you mean 'case.category'?"), as is anything
outside the small language: assignments, power, calls to anything but the helpers, names
starting with '_', and comparisons of values that cannot be compared (a date with text).
"""

from __future__ import annotations

from datetime import date as Date
from decimal import Decimal
from typing import Any

from jinja2 import nodes
from jinja2.runtime import LoopContext
from jinja2.visitor import NodeVisitor

from ...case.model import Case, Line
from ...errors import did_you_mean
from ..in_force import NOTE_ID
from .runtime import CONDITION_OPS, HELPERS, ORDER_OPS
from .sandbox import VALUE_LIMIT
from .shapes import ANY, LINES, AnyShape, Function, List, Object, Table, Value, attributes, returns
from .source import const, source_of

FILTERS = (
    "abs", "capitalize", "count", "first", "int", "join", "last", "length", "list", "lower",
    "max", "min", "round", "sort", "string", "sum", "trim", "upper", "unique",
)  # fmt: skip
TESTS = (
    "none", "true", "false", "number", "string", "defined", "undefined", "in", "eq", "ne",
    "lt", "le", "gt", "ge", "odd", "even", "divisibleby", "sequence",
)  # fmt: skip
MAX_LOOP_DEPTH = 3
"""Loops inside loops a note body may nest (each loop is also capped at run time)."""


class Invalid(Exception):
    """A problem found while checking a rule or body; `needle` is text to find its line by."""

    def __init__(self, message: str, needle: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.needle = needle


def _date_text_message(where: str, text: object) -> str:
    return (
        f"{where} is a date and {const(text)} is text: they cannot be compared; "
        f"write date({const(text)})"
    )


class Checker(NodeVisitor):
    """Infers the shape of each part of a rule or body, refusing unknown names and fields."""

    def __init__(self, scope: dict[str, Any]) -> None:
        self.scope = dict(scope)
        self.loops = 0

    # -- expressions --

    def generic_visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if isinstance(node, nodes.Pow):
            raise Invalid("a power (**) is not allowed in a rule or placeholder", "**")
        if isinstance(node, (nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv,
                             nodes.Mod, nodes.Neg, nodes.Pos, nodes.Concat, nodes.Dict,
                             nodes.Slice, nodes.Keyword, nodes.Pair)):  # fmt: skip
            for child in node.iter_child_nodes():
                self.visit(child)
            return Value()
        what = type(node).__name__
        raise Invalid(f"{what} is not allowed in a rule or placeholder")

    def visit_Mul(self, node: nodes.Mul) -> Any:
        for side in (node.left, node.right):
            self.visit(side)
        consts = [n.value for n in (node.left, node.right) if isinstance(n, nodes.Const)]
        if len(consts) == 2:
            seq = next((c for c in consts if isinstance(c, (str, list, tuple))), None)
            times = next(
                (c for c in consts if isinstance(c, int) and not isinstance(c, bool)), None
            )
            if seq is not None and times is not None and len(seq) * times > VALUE_LIMIT:
                raise Invalid(
                    f"'*' would build a value of {len(seq) * times:,} characters (at most "
                    f"{VALUE_LIMIT:,})",
                    "*",
                )
        return Value()

    def visit_Name(self, node: nodes.Name) -> Any:
        if node.name not in self.scope:
            raise Invalid(
                f"unknown name {node.name!r}{did_you_mean(node.name, list(self.scope))}",
                node.name,
            )
        shape = self.scope[node.name]
        if isinstance(shape, Function):
            raise Invalid(f"{node.name} is a helper: call it, e.g. {node.name}(...)", node.name)
        return shape

    def visit_Const(self, node: nodes.Const) -> Any:
        value = node.value
        if isinstance(value, str):
            return Value(None, str)
        if isinstance(value, bool):
            return Value(None, bool)
        if isinstance(value, (int, float, Decimal)):
            return Value(None, Decimal)
        return Value()

    def visit_Getattr(self, node: nodes.Getattr) -> Any:
        return self.attribute(self.visit(node.node), node.attr, source_of(node.node))

    def attribute(self, base: Any, attr: str, where: str) -> Any:
        if attr.startswith("_"):
            raise Invalid(
                f"{where}.{attr} is not allowed: rules and placeholders cannot reach names "
                "starting with '_' (Python internals)",
                attr,
            )
        if isinstance(base, Object):
            fields = attributes(base.cls)
            if attr not in fields:
                choices = [f"{where}.{name}" for name in fields]
                raise Invalid(
                    f"unknown field {where}.{attr}{did_you_mean(f'{where}.{attr}', choices)}",
                    attr,
                )
            return fields[attr]
        if isinstance(base, Table):
            keys = dict(base.keys)
            if attr not in keys:
                choices = [f"{where}.{k}" for k in keys]
                raise Invalid(
                    f"unknown entry {where}.{attr}{did_you_mean(f'{where}.{attr}', choices)}",
                    attr,
                )
            return keys[attr]
        if isinstance(base, AnyShape):
            return ANY
        kind = "a list" if isinstance(base, List) else "a plain value"
        raise Invalid(f"{where} is {kind} and has no field {attr!r}", attr)

    def visit_Getitem(self, node: nodes.Getitem) -> Any:
        base = self.visit(node.node)
        self.visit(node.arg)
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return self.attribute(base, node.arg.value, source_of(node.node))
        if isinstance(base, List):
            return base.item if not isinstance(node.arg, nodes.Slice) else base
        if isinstance(base, AnyShape):
            return ANY
        raise Invalid(f"{source_of(node.node)} cannot be indexed", source_of(node.node))

    def visit_Call(self, node: nodes.Call) -> Any:
        if not isinstance(node.node, nodes.Name) or not isinstance(
            self.scope.get(node.node.name), Function
        ):
            called = source_of(node.node)
            helpers = [n for n, shape in self.scope.items() if isinstance(shape, Function)]
            meant = did_you_mean(called, helpers) if isinstance(node.node, nodes.Name) else ""
            raise Invalid(
                f"{called}(...) cannot be called: only the helpers (lines_with, has_term, refs "
                f"...) can{meant}",
                called.split(".")[-1],
            )
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise Invalid("*args and **kwargs are not allowed in a rule", "*")
        for arg in node.args:
            self.visit(arg)
        for kw in node.kwargs:
            self.visit(kw.value)
        name = node.node.name
        check = getattr(self, f"check_{HELPERS[name].check}")
        shape = check(name, node)
        return returns(name) if shape is None else shape

    # -- the argument checks a helper names in its `check` --

    def check_none(self, name: str, node: nodes.Call) -> Any:
        return None

    def check_grouped(self, name: str, node: nodes.Call) -> Any:
        if len(node.args) != 2 or node.kwargs:
            raise Invalid('grouped takes a list and a field path: grouped(note_lines, "eda")', name)
        items = self.visit(node.args[0])
        path = node.args[1]
        if isinstance(path, nodes.Const) and isinstance(items, List):
            shape = items.item
            for part in str(path.value).split("."):
                shape = self.attribute(shape, part, "each item")
        return None

    def check_line_conditions(self, name: str, node: nodes.Call) -> Any:
        if node.args:
            raise Invalid(
                f'{name} takes conditions as field=value, e.g. {name}(source_code="P")', name
            )
        for kw in node.kwargs:
            self.condition(name, kw.key, kw.value)
        return None

    def condition(self, func: str, key: str, value: nodes.Node) -> None:
        if key.startswith("_"):
            raise Invalid(
                f"{func}: {key}=... is not allowed: rules cannot reach names starting with '_'",
                key,
            )
        parts = key.split("__")
        op = parts.pop() if len(parts) > 1 and parts[-1] in CONDITION_OPS else None
        shape: Any = Object(Line)
        walked: list[str] = []
        for part in parts:
            if not isinstance(shape, Object):
                raise Invalid(f"{func}: line.{'.'.join(walked)} has no part {part!r}", key)
            fields = attributes(shape.cls)
            if part not in fields:
                here = ".".join(["line", *walked])
                rest = key.split("__")[len(walked) + 1 :]
                choices = ["__".join([*walked, f, *rest]) for f in fields]
                raise Invalid(
                    f"{func}: {here} has no field {part!r} (in {key}=...){did_you_mean(key, choices)}",
                    key,
                )
            shape = fields[part]
            walked.append(part)
        if (
            op in ORDER_OPS
            and isinstance(value, nodes.Const)
            and not isinstance(value.value, (int, float, Decimal))
        ):
            raise Invalid(f"{func}: {key} compares numbers; got {const(value.value)}", key)
        if isinstance(value, nodes.Const) and isinstance(value.value, bool):
            return
        target = shape.item if isinstance(shape, List) else shape
        self.check_values(target, value, f"line.{'.'.join(walked)}")

    def check_traits(self, name: str, node: nodes.Call) -> Any:
        traits = attributes(Line)["items"].item
        if not node.args or node.kwargs:
            raise Invalid(f'{name} takes trait names, e.g. {name}("nvd")', name)
        for arg in node.args:
            self.check_values(traits, arg, "line.items")
        return None

    def check_terms(self, name: str, node: nodes.Call) -> Any:
        terms = attributes(Case)["terms_of_sale"].item
        if not node.args or node.kwargs:
            raise Invalid(f'{name} takes terms of sale, e.g. {name}("EDA Grant")', name)
        for arg in node.args:
            self.check_values(terms, arg, "case.terms_of_sale")
        return None

    def check_note_ids(self, name: str, node: nodes.Call) -> Any:
        if not node.args or node.kwargs:
            raise Invalid(f'{name} takes note ids, e.g. {name}("CN-LONG-LEAD")', name)
        for arg in node.args:
            if not isinstance(arg, nodes.Const) or not isinstance(arg.value, str):
                raise Invalid(f'{name} takes note ids written in quotes, e.g. "CN-LONG-LEAD"', name)
            if not NOTE_ID.fullmatch(arg.value):
                raise Invalid(
                    f"{const(arg.value)} is not a note id (capital letters, digits and dashes)",
                    arg.value,
                )
        return None

    def check_iso_date(self, name: str, node: nodes.Call) -> Any:
        arg = node.args[0] if len(node.args) == 1 and not node.kwargs else None
        if not isinstance(arg, nodes.Const) or not isinstance(arg.value, str):
            raise Invalid(f'{name} takes one date written "YYYY-MM-DD"', name)
        try:
            Date.fromisoformat(arg.value)
        except ValueError:
            raise Invalid(
                f'{const(arg.value)} is not a date written "YYYY-MM-DD"', arg.value
            ) from None
        return None

    def check_values(self, shape: Any, value: nodes.Node, where: str) -> None:
        """A constant compared with a field of fixed values must be one of them."""
        if isinstance(shape, Object) and shape.cls is Date:
            if isinstance(value, nodes.Const) and isinstance(value.value, str):
                raise Invalid(_date_text_message(where, value.value), value.value)
            return
        if not isinstance(shape, Value) or not shape.choices:
            return
        if isinstance(value, nodes.Const):
            consts = [value.value]
        elif isinstance(value, (nodes.List, nodes.Tuple)):
            consts = [i.value for i in value.items if isinstance(i, nodes.Const)]
        else:
            return
        for item in consts:
            if isinstance(item, str) and item not in shape.choices:
                raise Invalid(
                    f"{const(item)} is not a value of {where}; expected one of "
                    f"{', '.join(shape.choices)}{did_you_mean(item, shape.choices)}",
                    item,
                )

    def visit_Compare(self, node: nodes.Compare) -> Any:
        operands = [node.expr, *(op.expr for op in node.ops)]
        shapes = [self.visit(n) for n in operands]
        for i, op in enumerate(node.ops):
            (a, b), (sa, sb) = operands[i : i + 2], shapes[i : i + 2]
            if op.op in ("eq", "ne", "gt", "gteq", "lt", "lteq"):
                self.check_values(sa, b, source_of(a))
                self.check_values(sb, a, source_of(b))
                self.check_comparable(sa, sb, a, b, op.op)
            elif op.op in ("in", "notin"):
                if isinstance(sb, List):
                    self.check_values(sb.item, a, source_of(b))
                self.check_values(sa, b, source_of(a))
        return Value(None, bool)

    def check_comparable(self, sa: Any, sb: Any, a: nodes.Node, b: nodes.Node, op: str) -> None:
        """Order comparisons need two values of one kind: dates with dates, numbers with
        numbers (a date against text is always false, or an error at run time)."""
        kinds = [self._kind(s) for s in (sa, sb)]
        if None in kinds or kinds[0] == kinds[1]:
            return
        if "date" in kinds and "text" in kinds:
            date_side, text_side = (a, b) if kinds[0] == "date" else (b, a)
            text = text_side.value if isinstance(text_side, nodes.Const) else source_of(text_side)
            raise Invalid(_date_text_message(source_of(date_side), text), source_of(text_side))
        if op not in ("eq", "ne") and {"number", "text"} == set(kinds):
            raise Invalid(
                f"{source_of(a)} and {source_of(b)} cannot be ordered: one is a number, "
                "the other text",
                source_of(b),
            )

    @staticmethod
    def _kind(shape: Any) -> str | None:
        if isinstance(shape, Object) and shape.cls is Date:
            return "date"
        if isinstance(shape, Value) and shape.type is str:
            return "text"
        if isinstance(shape, Value) and shape.type is Decimal:
            return "number"
        return None

    def visit_Filter(self, node: nodes.Filter) -> Any:
        if node.name not in FILTERS:
            raise Invalid(
                f"unknown filter {node.name!r}{did_you_mean(node.name, FILTERS)}", node.name
            )
        base = self.visit(node.node) if node.node is not None else ANY
        for arg in node.args:
            self.visit(arg)
        for kw in node.kwargs:
            self.visit(kw.value)
        if node.name in ("first", "last", "min", "max") and isinstance(base, List):
            return base.item
        if node.name in ("list", "sort", "unique"):
            return base
        return Value()

    def visit_Test(self, node: nodes.Test) -> Any:
        if node.name not in TESTS:
            raise Invalid(f"unknown test {node.name!r}{did_you_mean(node.name, TESTS)}", node.name)
        self.visit(node.node)
        for arg in node.args:
            self.visit(arg)
        return Value(None, bool)

    def visit_CondExpr(self, node: nodes.CondExpr) -> Any:
        self.visit(node.test)
        first = self.visit(node.expr1)
        if node.expr2 is not None:
            self.visit(node.expr2)
        return first

    def visit_And(self, node: nodes.And) -> Any:
        self.visit(node.left)
        return self.visit(node.right)

    visit_Or = visit_And

    def visit_Not(self, node: nodes.Not) -> Any:
        self.visit(node.node)
        return Value(None, bool)

    def visit_List(self, node: nodes.List) -> Any:
        items = [self.visit(i) for i in node.items]
        return List(items[0] if items else ANY)

    visit_Tuple = visit_List

    # -- statements (note bodies) --

    def statements(self, body: list[nodes.Node]) -> None:
        for node in body:
            self.statement(node)

    def statement(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.visit(child)
        elif isinstance(node, nodes.If):
            self.visit(node.test)
            self.statements(node.body)
            for elif_ in node.elif_:
                self.visit(elif_.test)
                self.statements(elif_.body)
            self.statements(node.else_)
        elif isinstance(node, nodes.For):
            self.loop(node)
        elif isinstance(node, nodes.Assign):
            self.bind(node.target, self.visit(node.node))
        else:
            kind = type(node).__name__.lower()
            raise Invalid(
                f"{{% {kind} %}} is not allowed in a note body: use text, "
                "{{ placeholders }}, {% if %} and {% for %}",
                kind,
            )

    def loop(self, node: nodes.For) -> None:
        if node.recursive:
            raise Invalid("recursive loops are not allowed in a note body", "recursive")
        if self.loops >= MAX_LOOP_DEPTH:
            raise Invalid(
                f"loops nest more than {MAX_LOOP_DEPTH} deep in a note body; simplify it", "for"
            )
        items = self.visit(node.iter)
        item = items.item if isinstance(items, List) else ANY
        outer = dict(self.scope)
        self.bind(node.target, item)
        self.scope["loop"] = Object(LoopContext)
        if node.test is not None:
            self.visit(node.test)
        self.loops += 1
        self.statements(node.body)
        self.loops -= 1
        self.scope = outer
        self.statements(node.else_)

    def bind(self, target: nodes.Node, shape: Any) -> None:
        if isinstance(target, nodes.Name):
            if target.name.startswith("_"):
                raise Invalid("names starting with '_' are not allowed", target.name)
            self.scope[target.name] = shape
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, ANY)


def infer(scope: dict[str, Any], node: nodes.Node) -> Any:
    """The shape of expression `node` in `scope` (raises Invalid)."""
    return Checker(scope).visit(node)


def check_statements(scope: dict[str, Any], body: list[nodes.Node]) -> None:
    """Check a note body's statements in `scope` (raises Invalid)."""
    Checker(scope).statements(body)


def is_lines(shape: Any) -> bool:
    return shape == LINES
