"""Python code from checked rules and note bodies, and the guards that code runs with.

The static checker has already refused anything outside the small language. The code made
here can reach only what the checked text names, whatever the text says:

- names are looked up in the document's names (`runtime.document_names`) by string key, or are
  the note body's own `{% set %}` and `{% for %}` names, kept as Python locals named `l_<name>`
  (names starting with '_' are refused by the checker, so no local can shadow a guard);
- attribute and item access go through `_ga`/`_gi`, which allow only the fields of the case
  models, the reference tables' keys and the few properties `shapes` lists (never a name
  starting with '_'); anything else is an undefined value that fails when used, as in Jinja.
  In a note body, an allowed field of `line` (`TYPED`) is read directly, once the body has
  checked that `line` holds a `Line`: the same fields, without a guard call on every read;
- only the helpers can be called (looked up in the names: the code runs with no builtins at
  all); filters and tests go through the sandbox's own `call_filter`/`call_test`, limited to the
  whitelists of `checker`;
- `*` cannot build text or lists longer than `sandbox.VALUE_LIMIT`; `**` is refused; every
  loop draws on the document's loop budget;
- names, fields and constants from the text appear in the code only as string literals (but
  the allowed fields of `TYPED` names, read as attributes: identifiers of the case model).

The output of a body is what Jinja would print for the same template (the same whitespace,
`finalize` on every printed value); the tests compare the two on every note of the library.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Iterable
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.runtime import Undefined

from ...case.model import Line
from ...document.wording import ordinal
from .runtime import LineSet
from .sandbox import LOOP_GUARD, LimitError, bounded
from .shapes import FIXED_ATTRIBUTES, allowed_attributes

# -- the guards ----------------------------------------------------------------------------------


class Missing(StrictUndefined):
    """A value a rule or a note's text reads that this document does not have. Used (compared,
    printed, counted), it raises `UndefinedError` saying in words what is missing: "this
    document has no 4th line (lines[3]): it has 3 lines", not Jinja's "'StrictUndefined
    object' has no attribute 'quantity'"."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        hint, obj, name = self._undefined_hint, self._undefined_obj, self._undefined_name
        if hint:
            return hint
        if isinstance(name, int) and isinstance(obj, (list, tuple)):
            if isinstance(obj, LineSet) or (obj and all(isinstance(x, Line) for x in obj)):
                return (
                    f"this document has no {_ordinal(name)} line ([{name}]): it has "
                    f"{_count(len(obj), 'line')}"
                )
            return f"there is no {_ordinal(name)} item ([{name}]): the list has {_count(len(obj), 'item')}"
        if isinstance(name, int) and isinstance(obj, str):
            return f"the text has no {_ordinal(name)} character ([{name}])"
        if obj is None:
            return (
                f"cannot read .{name}: what it is read from is not given on this document (a "
                "part of the case file left out, such as fund_source on an FMS case)"
            )
        return f"there is no value {name!s} here"


def _ordinal(index: int) -> str:
    """The place an index names, counting from one: 0 -> '1st', 3 -> '4th', -1 -> 'last'."""
    if index < 0:
        return "last" if index == -1 else f"{_ordinal(-index - 1)}-last"
    return ordinal(index + 1)


def _count(n: int, word: str) -> str:
    return f"{'no' if n == 0 else n} {word}{'' if n == 1 else 's'}"


def _undefined(obj: Any, name: Any, hint: str | None = None) -> Undefined:
    if isinstance(obj, Undefined):
        return obj  # the first value missing is the one to name, not what was read from it
    return Missing(hint=hint, obj=obj, name=name)


_ALLOWED: dict[type, frozenset[str]] = {}
"""`allowed_attributes` of each type read so far (a dict look-up costs less than the cached
call, on the hottest path of note bodies; it holds what `allowed_attributes` keeps anyway)."""


def _ga(obj: Any, attr: str) -> Any:
    """`obj.attr` for a rule or body: only the fields rules may read."""
    cls = type(obj)
    if cls is dict:
        return obj[attr] if attr in obj else _undefined(obj, attr)
    allowed = _ALLOWED.get(cls)
    if allowed is None:
        allowed = _ALLOWED[cls] = allowed_attributes(cls)
    if attr in allowed:
        return getattr(obj, attr)
    if isinstance(obj, Undefined) or obj is None or not hasattr(obj, attr):
        return _undefined(obj, attr)
    return _undefined(obj, attr, f"{type(obj).__name__}.{attr} cannot be read by a rule")


def _gi(obj: Any, key: Any) -> Any:
    """`obj[key]` (a text key reads a field, as in Jinja)."""
    if isinstance(obj, (list, tuple, dict, str)):
        try:
            return obj[key]
        except (TypeError, LookupError):
            pass
    if isinstance(key, str):
        return _ga(obj, key)
    return _undefined(obj, key)


def _mul(left: Any, right: Any) -> Any:
    return bounded("*", left, right)


def _add(left: Any, right: Any) -> Any:
    return bounded("+", left, right)


def _cat(*parts: Any) -> str:
    return "".join(str(p) for p in parts)


class _Loop:
    """What `loop` holds inside a `{% for %}` of a note body."""

    __slots__ = ("index0", "length")

    def __init__(self, index0: int, length: int) -> None:
        self.index0 = index0
        self.length = length

    @property
    def index(self) -> int:
        return self.index0 + 1

    @property
    def first(self) -> bool:
        return self.index0 == 0

    @property
    def last(self) -> bool:
        return self.index0 == self.length - 1

    @property
    def revindex(self) -> int:
        return self.length - self.index0

    @property
    def revindex0(self) -> int:
        return self.length - self.index0 - 1


FIXED_ATTRIBUTES[_Loop] = tuple(
    name for name in dir(_Loop) if not name.startswith("_") and name != "mro"
)


TYPED: dict[str, type] = {"line": Line}
"""Names a note body reads that hold a value of one class when it is filled: `line`, the line
of a line note, a `Line`. A field of such a name that `allowed_attributes` allows is read
directly (`t_line.kind`), not through `_ga`, which would check the same field of the same class
on every read: the body checks once, before anything else, that the name holds a value of
exactly that class, and fails otherwise. What can be reached is the same: the allowed fields of
that class only."""
_TYPED_GUARDS = {f"_T_{name}": cls for name, cls in TYPED.items()}
"""The classes of `TYPED`, as the generated code names them."""


def guards(environment: Any) -> dict[str, Any]:
    """The globals generated code runs with: the guards and nothing else (no builtins)."""
    return {
        "__builtins__": {},
        "_ga": _ga, "_gi": _gi, "_mul": _mul, "_add": _add, "_cat": _cat,
        "_filter": lambda name, value, args, kwargs: environment.call_filter(name, value, args, kwargs),
        "_test": lambda name, value, args: environment.call_test(name, value, args),
        "_undef": lambda: _undefined(None, "else", _NO_ELSE), "_slice": slice, "_str": str,
        "_list": list, "_len": len, "_enumerate": enumerate, "_Loop": _Loop,
        "_LimitError": LimitError, "_type": type, "_TypeError": TypeError, **_TYPED_GUARDS,
    }  # fmt: skip


_NO_ELSE = "an `… if …` without `else` has no value when its condition is false"

# -- expressions ------------------------------------------------------------------------------------

_COMPARE = {
    "eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=",
    "in": "in", "notin": "not in",
}  # fmt: skip
_BINARY = {nodes.Sub: "-", nodes.Div: "/", nodes.FloorDiv: "//", nodes.Mod: "%"}


class Unsupported(Exception):
    """Text the code generator cannot turn into code (the checker refuses it first)."""


def expression(
    node: nodes.Node, local: frozenset[str] = frozenset(), typed: set[str] | None = None
) -> str:
    """The Python expression for a checked expression; `local` are the body's own names.
    With `typed` (a note body), a field of a name of `TYPED` is read directly (see `TYPED`)
    and the name is added to `typed`."""

    def py(n: nodes.Node) -> str:
        return expression(n, local, typed)

    if isinstance(node, nodes.Name):
        return f"l_{node.name}" if node.name in local else f"n[{node.name!r}]"
    if isinstance(node, nodes.Const):
        if node.value is None or isinstance(node.value, (str, int, float, bool)):
            return repr(node.value)
        raise Unsupported(f"the constant {node.value!r} cannot be used")
    if isinstance(node, nodes.Getattr):
        base = node.node
        if (
            typed is not None
            and isinstance(base, nodes.Name)
            and base.name in TYPED
            and base.name not in local
            and node.attr in allowed_attributes(TYPED[base.name])
            and node.attr.isidentifier()
            and not keyword.iskeyword(node.attr)
        ):
            typed.add(base.name)
            return f"t_{base.name}.{node.attr}"
        return f"_ga({py(node.node)}, {node.attr!r})"
    if isinstance(node, nodes.Getitem):
        return f"_gi({py(node.node)}, {py(node.arg)})"
    if isinstance(node, nodes.Slice):
        parts = [py(p) if p is not None else "None" for p in (node.start, node.stop, node.step)]
        return f"_slice({', '.join(parts)})"
    if isinstance(node, nodes.Call):
        args = "".join(f"{py(a)}, " for a in node.args)
        kwargs = ", ".join(f"{k.key!r}: {py(k.value)}" for k in node.kwargs)
        name = node.node.name  # type: ignore[attr-defined]  (checker: a helper's name)
        return f"n[{name!r}](*({args}), **{{{kwargs}}})"
    if isinstance(node, nodes.Filter):
        args = "".join(f"{py(a)}, " for a in node.args)
        kwargs = ", ".join(f"{k.key!r}: {py(k.value)}" for k in node.kwargs)
        return f"_filter({node.name!r}, {py(node.node)}, ({args}), {{{kwargs}}})"  # type: ignore[arg-type]
    if isinstance(node, nodes.Test):
        args = "".join(f"{py(a)}, " for a in node.args)
        return f"_test({node.name!r}, {py(node.node)}, ({args}))"
    if isinstance(node, nodes.Compare):
        text = py(node.expr)
        for op in node.ops:
            text += f" {_COMPARE[op.op]} {py(op.expr)}"
        return f"({text})"
    if isinstance(node, nodes.And):
        return f"({py(node.left)} and {py(node.right)})"
    if isinstance(node, nodes.Or):
        return f"({py(node.left)} or {py(node.right)})"
    if isinstance(node, nodes.Not):
        return f"(not {py(node.node)})"
    if isinstance(node, nodes.Neg):
        return f"(-{py(node.node)})"
    if isinstance(node, nodes.Pos):
        return f"(+{py(node.node)})"
    if isinstance(node, nodes.Mul):
        return f"_mul({py(node.left)}, {py(node.right)})"
    if isinstance(node, nodes.Add):
        return f"_add({py(node.left)}, {py(node.right)})"
    if type(node) in _BINARY:
        return f"({py(node.left)} {_BINARY[type(node)]} {py(node.right)})"  # type: ignore[attr-defined]
    if isinstance(node, nodes.Concat):
        return f"_cat({', '.join(py(n) for n in node.nodes)})"
    if isinstance(node, nodes.CondExpr):
        other = py(node.expr2) if node.expr2 is not None else "_undef()"
        return f"({py(node.expr1)} if {py(node.test)} else {other})"
    if isinstance(node, nodes.List):
        return "[" + "".join(f"{py(i)}, " for i in node.items) + "]"
    if isinstance(node, nodes.Tuple):
        return "(" + "".join(f"{py(i)}, " for i in node.items) + ")"
    if isinstance(node, nodes.Dict):
        return "{" + ", ".join(f"{py(p.key)}: {py(p.value)}" for p in node.items) + "}"
    raise Unsupported(f"{type(node).__name__} is not allowed")


# -- note bodies ----------------------------------------------------------------------------------


class _Body:
    """Python source of one body: statements, with the body's own names as locals."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.counter = 0
        self.typed: set[str] = set()
        """The names of `TYPED` whose fields the body reads directly."""

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"_{stem}{self.counter}"

    def target(self, node: nodes.Node, local: set[str]) -> str:
        if isinstance(node, nodes.Name):
            local.add(node.name)
            return f"l_{node.name}"
        if isinstance(node, nodes.Tuple):
            return "(" + "".join(f"{self.target(i, local)}, " for i in node.items) + ")"
        raise Unsupported(f"cannot assign to {type(node).__name__}")

    def statements(self, body: Iterable[nodes.Node], depth: int, local: set[str]) -> None:
        wrote = False
        for node in body:
            wrote = True
            self.statement(node, depth, local)
        if not wrote:
            self.emit(depth, "pass")

    def statement(self, node: nodes.Node, depth: int, local: set[str]) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    if child.data:
                        self.emit(depth, f"w({child.data!r})")
                else:
                    self.emit(
                        depth, f"w(_str(fin({expression(child, frozenset(local), self.typed)})))"
                    )
        elif isinstance(node, nodes.If):
            self.emit(depth, f"if {expression(node.test, frozenset(local), self.typed)}:")
            self.statements(node.body, depth + 1, set(local))
            for branch in node.elif_:
                self.emit(depth, f"elif {expression(branch.test, frozenset(local), self.typed)}:")
                self.statements(branch.body, depth + 1, set(local))
            if node.else_:
                self.emit(depth, "else:")
                self.statements(node.else_, depth + 1, set(local))
        elif isinstance(node, nodes.For):
            self.loop(node, depth, local)
        elif isinstance(node, nodes.Assign):
            value = expression(node.node, frozenset(local), self.typed)
            self.emit(depth, f"{self.target(node.target, local)} = {value}")
        else:
            raise Unsupported(f"{type(node).__name__} is not allowed in a note body")

    def loop(self, node: nodes.For, depth: int, local: set[str]) -> None:
        items, ran, index = self.fresh("items"), self.fresh("ran"), self.fresh("i")
        self.emit(
            depth,
            f"{items} = _list(n[{LOOP_GUARD!r}]({expression(node.iter, frozenset(local), self.typed)}))",
        )
        self.emit(depth, f"{ran} = False")
        inner = set(local)
        target = self.target(node.target, inner)
        self.emit(depth, f"for {index}, {target} in _enumerate({items}):")
        uses_loop = any(n.name == "loop" for n in node.find_all(nodes.Name))
        if uses_loop:
            inner.add("loop")
            self.emit(depth + 1, f"l_loop = _Loop({index}, _len({items}))")
        if node.test is not None:
            self.emit(
                depth + 1, f"if not {expression(node.test, frozenset(inner), self.typed)}: continue"
            )
        self.emit(depth + 1, f"{ran} = True")
        self.statements(node.body, depth + 1, inner)
        if node.else_:
            self.emit(depth, f"if not {ran}:")
            self.statements(node.else_, depth + 1, set(local))


def body_source(name: str, template: nodes.Template) -> str:
    """`def <name>(n, fin, limit)`: the body's text, `fin` applied to every printed value;
    more than `limit` characters is a LimitError."""
    body = _Body()
    body.statements(template.body, 1, set())
    head = [f"def {name}(n, fin, limit):", "    out = []", "    w = out.append"]
    for typed in sorted(body.typed):  # (checked before anything is printed)
        head += [
            f"    t_{typed} = n[{typed!r}]",
            f"    if _type(t_{typed}) is not _T_{typed}:",
            f"        raise _TypeError({typed + ' is not a ' + TYPED[typed].__name__!r})",
        ]
    tail = [
        "    text = ''.join(out)",
        "    if _len(text) > limit:",
        "        raise _LimitError('the text grew past %d characters' % limit)",
        "    return text",
    ]
    return "\n".join([*head, *body.lines, *tail]) + "\n"


def compile_functions(
    sources: dict[str, str], filename: str, environment: Any
) -> dict[str, Callable[..., Any]]:
    """Compile generated function sources (name -> source) together; return the functions."""
    space = guards(environment)
    exec(compile("\n".join(sources.values()), filename, "exec"), space)  # noqa: S102 (generated from checked text)
    return {name: space[name] for name in sources}
