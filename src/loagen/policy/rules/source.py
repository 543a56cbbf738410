"""The source text of a parsed rule or placeholder, written back in the rule language.

Used for explanations ("lines_with(sole_source=True) names Line 003") and to place errors.
"""

from __future__ import annotations

from typing import Any

from jinja2 import nodes

_COMPARE = {
    "eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=",
    "in": "in", "notin": "not in",
}  # fmt: skip


def const(value: Any) -> str:
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
        return const(node.value)
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
