"""The sandbox policy content runs in, with limits: note bodies here, Word templates in rendering.

Jinja's `SandboxedEnvironment` already keeps templates away from Python internals. Policy
content is still code a person wrote, so it also gets budgets that make a mistake (or a hostile
file) fail with a clear error instead of hanging or filling memory:

- every `{% for %}` loop draws on one iteration budget per document (`LOOP_BUDGET`); loops
  nest at most `checker.MAX_LOOP_DEPTH` deep in a note body;
- `*` and `+` on text or lists may not build a value longer than `VALUE_LIMIT` (and are never
  worked out while compiling, which is how Jinja's optimiser would otherwise allocate them);
- a rendered part may not exceed its output limit (`render_bounded`).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

LOOP_BUDGET = 200_000
"""Loop iterations one document may run in its note bodies (and, separately, its template)."""
VALUE_LIMIT = 1_000_000
"""Longest text or list `*` and `+` may build (characters or items)."""
LOOP_GUARD = "loop_guard__"
"""The name the loop guard is passed under (no rule or body can name it: see `checker`)."""


class LimitError(Exception):
    """Policy content went over one of the budgets."""


_SEQUENCES = (str, list, tuple)


def _size(left: Any, right: Any, operator: str) -> int:
    """The length `left operator right` would have, when it builds text or a list (else 0)."""
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, _SEQUENCES) and isinstance(times, int):
                return len(seq) * max(times, 0)
        return 0
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        return len(left) + len(right)
    return 0


def bounded(operator: str, left: Any, right: Any) -> Any:
    """`left * right` or `left + right`, refused when it would build text or a list longer
    than `VALUE_LIMIT`."""
    if _size(left, right, operator) > VALUE_LIMIT:
        raise LimitError(
            f"a value of more than {VALUE_LIMIT:,} characters or items would be built by "
            f"{operator!r}"
        )
    return left * right if operator == "*" else left + right


class LimitedSandbox(SandboxedEnvironment):
    """Jinja's sandbox with size limits on `*` and `+` (see the module docstring)."""

    intercepted_binops = frozenset({"*", "+"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        return bounded(operator, left, right)


def guard_loops(template: nodes.Template) -> nodes.Template:
    """Make every `{% for %}` of a parsed template draw on the loop budget (in place)."""
    for loop in template.find_all(nodes.For):
        loop.iter = nodes.Call(
            nodes.Name(LOOP_GUARD, "load", lineno=loop.lineno),
            [loop.iter], [], None, None, lineno=loop.lineno,
        )  # fmt: skip
    return template


def loop_guard(budget: int = LOOP_BUDGET):  # noqa: ANN201
    """A fresh loop guard with its own budget: pass it to a render as `LOOP_GUARD`."""
    left = [budget]

    def guard(items: Iterable[Any]) -> Any:
        try:
            size = len(items)  # type: ignore[arg-type]
        except TypeError:
            items = list(islice(items, left[0] + 1))
            size = len(items)
        left[0] -= size
        if left[0] < 0:
            raise LimitError(
                f"loops ran more than {budget:,} times for one document (loops inside loops?)"
            )
        return items

    guard.rule_helper = True  # type: ignore[attr-defined]
    return guard


class ItemAccess(NodeTransformer):
    """`a.b` read as `a["b"]`: the same value for the dictionaries a template is given (Jinja
    tries the item after the attribute, and the other way round here), without the exception
    an attribute lookup on a dictionary costs; an object's attribute is still read through the
    sandbox's check."""

    def visit_Getattr(self, node: nodes.Getattr) -> nodes.Getitem:
        return nodes.Getitem(
            self.visit(node.node), nodes.Const(node.attr, lineno=node.lineno), node.ctx,
            lineno=node.lineno,
        )  # fmt: skip


def render_bounded(template: Any, context: dict[str, Any], limit: int, what: str) -> str:
    """Render `template` with `context`; more than `limit` characters is a LimitError. (The
    loop budget and the value limit keep what is built on the way in proportion.)"""
    text = template.render(context)
    if len(text) > limit:
        raise LimitError(f"{what} grew past {limit:,} characters")
    return text
