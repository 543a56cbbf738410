"""Compiling rules and note bodies to Python, and evaluating rules with explanations.

A rule is parsed by Jinja's parser (the language policy staff already see in the templates),
checked by `checker`, and each `and`/`or` part is compiled to a small Python function by
`codegen` (whose docstring says what the generated code can and cannot reach). A note body (or
title) is parsed the same way, checked, and compiled to one Python function that prints what
Jinja would print, with case text escaped for Markdown (`escape_markdown`).

`decide` evaluates a rule fast (truth and the lines it names); `explain` evaluates each part on
its own and reports its value (a `Term` each), so a reviewer sees why a note is in or out. Both
agree: a part that fails on this document is an error unless the outcome is already known.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date
from decimal import (
    Decimal,
    DivisionByZero,
    DivisionUndefined,
    InvalidOperation,
    Overflow,
)
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal

from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.parser import Parser
from jinja2.runtime import Undefined
from pydantic import BaseModel

from ...case.model import Line
from ...document.wording import line_refs
from ...errors import RuleError
from ...recent import recent_texts
from .checker import FILTERS, TESTS, Invalid, check_statements, infer
from .codegen import Unsupported, body_source, compile_functions, expression
from .runtime import LineSet
from .sandbox import LimitedSandbox
from .shapes import LINES, allowed_attributes, body_scope, rule_scope
from .source import source_of

# -- case text in note bodies ------------------------------------------------------------------

_MD_SPECIAL = "\\`*_[]<>&|~"
_MD_ESCAPED = str.maketrans({ch: "\\" + ch for ch in _MD_SPECIAL})
"""Each Markdown character with a backslash before it."""
_WHITE_RUN = re.compile(r"\s+")
_MD_LEADING = re.compile(r"^( ?)(?:([-+=#>])|(\d{1,9})([.)])(?= |$))")
_ASCII_PLAIN_OUT = bytes(range(32)) + b"\x7f" + _MD_SPECIAL.encode()
"""The ASCII characters escape_markdown changes or acts on: the control characters (all the
white space but the space) and the Markdown characters."""


def escape_markdown(text: str) -> str:
    """Case text made safe to drop into a note body: on one line, with the Markdown characters
    escaped, so it prints exactly as written (no emphasis, link, list or heading can start from
    it). Runs of white space become one space; a space at either end is kept."""
    if text.isascii():
        # ASCII text is printable exactly when it has no control character: with none, and
        # no Markdown character (one pass in C: the bytes left when they are taken out), only
        # a run of spaces or a mark at the start can change it. Most case text is such.
        raw = text.encode("ascii")
        plain = len(raw.translate(None, _ASCII_PLAIN_OUT)) == len(raw)
    else:
        plain = False
    if not plain:
        # Printable text holds no white space but the plain space (every other white space
        # character is a control or a separator), so with no two spaces in a row it has no run.
        if "  " in text or not text.isprintable():
            text = _WHITE_RUN.sub(" ", text)
        text = text.translate(_MD_ESCAPED)
    elif "  " in text:
        text = _WHITE_RUN.sub(" ", text)
    m = _MD_LEADING.match(text)
    if m:
        lead, mark, digits, dot = m.groups()
        text = lead + (f"\\{mark}" if mark else f"{digits}\\{dot}") + text[m.end() :]
    return text


_escaped = recent_texts(escape_markdown, longest=1024)
"""`escape_markdown` of the texts printed lately: note bodies print the same few values over
and over (the party's name, a line's fields in each of its notes, amounts)."""


def _finalize(value: Any) -> Any:
    if isinstance(value, str):
        return _escaped(value)
    return value


class _Sandbox(LimitedSandbox):
    """The limited sandbox, narrowed: only model fields can be read, only helpers called."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        return attr in allowed_attributes(type(obj))

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
    env.filters = {name: env.filters[name] for name in FILTERS}
    env.tests = {name: env.tests[name] for name in TESTS}
    return env


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
class Leaf:
    """A part of a rule that is not an `and`/`or`: its text and its compiled function."""

    text: str
    run: Any
    names_lines: bool


@dataclass(frozen=True)
class Junction:
    op: Literal["and", "or"]
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Rule:
    """A checked, compiled rule. Evaluate it with `decide` or `explain`."""

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


def _operands(node: nodes.Node, kind: type) -> list[nodes.Node]:
    """`a and b and c` as [a, b, c] (the parser nests them two by two)."""
    if isinstance(node, kind):
        return [*_operands(node.left, kind), *_operands(node.right, kind)]
    return [node]


def _tree(node: nodes.Node, scope: dict[str, Any], leaves: list[tuple[str, str]]) -> Any:
    """The rule as a tree of `and`/`or` junctions over leaves, checked on the way; each leaf's
    Python source is collected in `leaves` to be compiled together."""
    for kind, op in ((nodes.And, "and"), (nodes.Or, "or")):
        if isinstance(node, kind):
            parts = _operands(node, kind)
            return Junction(op, tuple(_tree(p, scope, leaves) for p in parts))  # type: ignore[arg-type]
    shape = infer(scope, node)
    index = len(leaves)
    leaves.append((source_of(node), expression(node)))
    return (index, shape == LINES)


def _compile_leaves(tree: Any, sources: list[tuple[str, str]], filename: str) -> Any:
    functions = compile_functions(
        {f"leaf{i}": f"def leaf{i}(n):\n    return {py}\n" for i, (_, py) in enumerate(sources)},
        filename,
        environment(),
    )

    def build(node: Any) -> Any:
        if isinstance(node, Junction):
            return Junction(node.op, tuple(build(p) for p in node.parts))
        index, names_lines = node
        return Leaf(sources[index][0], functions[f"leaf{index}"], names_lines)

    return build(tree)


def _leaves_of(tree: Any) -> list[Leaf]:
    if isinstance(tree, Leaf):
        return [tree]
    return [leaf for part in tree.parts for leaf in _leaves_of(part)]


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


def _syntax_error(
    what: str, exc: TemplateSyntaxError, source: Path | None, line: int,
    file_lines: Sequence[str] | None, fallback: str | None,
) -> RuleError:  # fmt: skip
    at = line + (exc.lineno or 1) - 1
    shown = file_lines[at - 1] if file_lines and 0 < at <= len(file_lines) else fallback
    return RuleError(
        f"{what} {exc.message}", source=source, location=f"line {at}", source_line=shown
    )


def compile_rule(
    text: str,
    *,
    source: Path | None = None,
    line: int = 1,
    end_line: int | None = None,
    file_lines: Sequence[str] | None = None,
    what: str = "rule",
) -> Rule:
    """Check and compile a rule. `source`, `line`, `end_line` (where the rule is in the note
    file) and `file_lines` (the file's lines) place errors: a `RuleError` names the file, the
    line and the part of the rule that is wrong, and shows that line; `what` names the field
    the rule is written in ("rule", "used_when")."""
    text = normalise(text)
    span = (end_line - line + 1) if end_line else text.count("\n") + 1
    where = {"source": source, "line": line, "file_lines": file_lines, "span": span}
    if not text:
        raise _error(what, "is empty", **where)
    eq = _single_equals(text)
    if eq is not None:
        raise _error(
            what,
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
    except TemplateSyntaxError as exc:
        raise _syntax_error(
            f"{what} does not parse:", exc, source, line, file_lines, text
        ) from None
    sources: list[tuple[str, str]] = []
    try:
        shape_tree = _tree(expr, rule_scope(), sources)
        tree = _compile_leaves(shape_tree, sources, f"<rule {source or ''}:{line}>")
    except Invalid as exc:
        raise _error(what, exc.message, needle=exc.needle, **where) from None
    except Unsupported as exc:
        raise _error(what, str(exc), **where) from None
    except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
        raise _error(what, f"does not compile: {type(exc).__name__}", **where) from None
    return Rule(text, source, line, tree, any(leaf.names_lines for leaf in _leaves_of(tree)))


# -- evaluation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One part of a rule and its value on this document, for explanations."""

    text: str
    value: Any
    lines: tuple[str, ...] = ()
    evaluated: bool = True
    """False when the part could not be worked out and did not matter to the outcome."""
    names_lines: bool = False
    """The part is a line set: `value` lists line numbers (empty: no line matches)."""

    @property
    def shown(self) -> str:
        """The value as a reviewer reads it: 'Lines 001 and 007', 'no line', 'true', '2'."""
        if not self.evaluated:
            return "not evaluated"
        if self.names_lines:
            return line_refs(self.lines) if self.lines else "no line"
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if self.value is None:
            return "none"
        return str(self.value)


@dataclass(frozen=True)
class Outcome:
    """A rule's value on one document, the lines it names, and (from `explain`) the value of
    each part."""

    value: bool
    lines: tuple[str, ...]
    terms: tuple[Term, ...] = ()


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


def failure_words(exc: BaseException) -> str:
    """Why a rule or a note's text could not be worked out on a document, in words: "division
    by zero" rather than "[<class 'decimal.DivisionByZero'>]" (what `decimal` raises for it). A
    value the document does not have says so itself (`codegen.Missing`)."""
    # (the C `decimal` raises a signal with the list of the conditions met as its argument:
    # 0 / 0 raises InvalidOperation([DivisionUndefined]))
    signals = exc.args[0] if exc.args and isinstance(exc.args[0], list) else []
    kinds = (type(exc), *(s for s in signals if isinstance(s, type)))
    if any(issubclass(k, (ZeroDivisionError, DivisionByZero, DivisionUndefined)) for k in kinds):
        return "division by zero"
    if any(issubclass(k, Overflow) for k in kinds):
        return "a number too large to work with"
    if isinstance(exc, InvalidOperation):
        return "a calculation with no result (such as the remainder of a division by zero)"
    if isinstance(exc, TypeError) and "not supported between instances of" in str(exc):
        return f"these values cannot be compared or combined ({exc})"
    return str(exc) or type(exc).__name__


def _failed(leaf: Leaf, rule: Rule, exc: Exception) -> RuleError:
    return RuleError(
        f"rule failed on this case at {leaf.text}: {failure_words(exc)}",
        source=rule.source,
        location=f"line {rule.line}",
        source_line=rule.text,
    )


_UNKNOWN = object()
"""The lines of a part decided for its truth alone (see `_decide`): not worked out."""


def _decide(
    tree: Any, n: dict[str, Any], decided: bool, rule: Rule, wanted: bool = True
) -> tuple[bool, Any]:
    """The truth of `tree` and the lines it names (None: none). Without `wanted`, the caller
    needs the truth alone: a true `or` stops at its first true part and names `_UNKNOWN` lines
    instead of the lines of all its true parts. A part of an `and` whose lines a later part
    replaces is decided so (the lines an `and` names are those of its last part naming some),
    and decided again, with its lines, only when no later part names lines after all. Deciding
    again gives the same truth (rules read only the document's names), and nothing the first
    way leaves out can raise: the parts after an `or`'s first true part cannot change the
    outcome, so their errors are not raised in either way."""
    if isinstance(tree, Leaf):
        try:
            value = tree.run(n)
            return bool(value), (value if isinstance(value, LineSet) else None)
        except Exception as exc:  # a rule error on this case: report the part that failed
            if decided:
                return False, None
            raise _failed(tree, rule, exc) from exc
    if tree.op == "and":
        named = None
        unknown: list[Any] = []  # the parts after `named` whose lines were not worked out
        last = tree.parts[-1]
        for part in tree.parts:
            truth, lines = _decide(part, n, decided, rule, wanted and part is last)
            if not truth:
                return False, None
            if lines is _UNKNOWN:
                unknown.append(part)
            elif lines is not None:
                named = lines
                unknown.clear()
        if not unknown:
            return True, named
        if not wanted:
            return True, _UNKNOWN
        for part in reversed(unknown):
            _, lines = _decide(part, n, decided, rule)
            if lines is not None:
                return True, lines
        return True, named
    # The lines of the true parts, one after the other (a line named by two parts is there
    # twice): what is read of them is the set of their numbers (`_numbers`), so they are not
    # made unique here, line by line, for every `or`.
    known, truth, union = decided, False, []
    for part in tree.parts:
        t, lines = _decide(part, n, known, rule, wanted)
        if t:
            if not wanted:
                return True, _UNKNOWN
            truth = known = True
            if lines:
                union.extend(lines)
    return truth, (tuple(union) if union else None)


def _explain(
    tree: Any, n: dict[str, Any], terms: list[Term], decided: bool, rule: Rule
) -> tuple[bool, Any]:
    if isinstance(tree, Leaf):
        try:
            value = tree.run(n)
            truth = bool(value)
        except Exception as exc:
            if decided:
                terms.append(
                    Term(tree.text, None, (), evaluated=False, names_lines=tree.names_lines)
                )
                return False, None
            raise _failed(tree, rule, exc) from exc
        lines = value if isinstance(value, LineSet) else None
        terms.append(
            Term(tree.text, plain(value), lines.numbers if lines else (),
                 names_lines=isinstance(value, LineSet))
        )  # fmt: skip
        return truth, lines
    results = []
    known = decided
    for part in tree.parts:
        truth, lines = _explain(part, n, terms, known, rule)
        results.append((truth, lines))
        if (tree.op == "and" and not truth) or (tree.op == "or" and truth):
            known = True
    if tree.op == "and":
        truth = all(t for t, _ in results)
        named = [ln for _, ln in results if ln is not None]
        return truth, (named[-1] if truth and named else None)
    truth = any(t for t, _ in results)
    union: dict[str, Any] = {}
    for t, lines in results:
        if t and lines:
            union.update((ln.number, ln) for ln in lines)
    return truth, (tuple(union.values()) if union else None)


def _numbers(lines: Any, n: dict[str, Any]) -> tuple[str, ...]:
    if not lines:
        return ()
    order = _order(n["lines"])
    numbers = set(map(_NUMBER, lines))
    if numbers <= order.keys():  # (most often: no deleted line, whose number sorts last)
        return tuple(sorted(numbers, key=order.__getitem__))
    return tuple(sorted(numbers, key=lambda x: order.get(x, len(order))))


_NUMBER = attrgetter("number")


_last_order: tuple[Any, dict[str, int]] = ((), {})


def _order(lines: Any) -> dict[str, int]:
    """Each line number of the document's `lines` with its place: made once per document, not
    once per rule that names lines (a document's names hold one line set, asked for by every
    rule in turn). The last one is kept, with the line set it was made from."""
    global _last_order
    last = _last_order  # one read: another thread may replace it
    if last[0] is lines:
        return last[1]
    order = {ln.number: i for i, ln in enumerate(lines)}
    if isinstance(lines, tuple):  # a line set cannot change: its order can be kept
        _last_order = (lines, order)
    return order


_FALSE = Outcome(False, ())
"""The outcome of every rule that is false when it is decided (most are, on most documents;
an outcome is a frozen value, so one serves them all)."""


def decide(rule: Rule, names: dict[str, Any]) -> Outcome:
    """The rule's value on one document (`runtime.document_names`) and the lines it names."""
    truth, lines = _decide(rule.tree, names, False, rule)
    return Outcome(True, _numbers(lines, names)) if truth else _FALSE


def explain(rule: Rule, names: dict[str, Any]) -> Outcome:
    """`decide`, with the value of every part of the rule (`Outcome.terms`)."""
    terms: list[Term] = []
    truth, lines = _explain(rule.tree, names, terms, False, rule)
    return Outcome(truth, _numbers(lines, names) if truth else (), tuple(terms))


# -- note bodies ------------------------------------------------------------------------------------

BODY_LIMIT = 200_000
"""Longest text a note body (or title) may fill to on one document (characters)."""


class Body:
    """A checked note body (or title), compiled to a Python function (see `codegen`)."""

    __slots__ = ("text", "function", "line_fields", "_read", "_kept")

    def __init__(self, text: str, function: Any, line_fields: tuple[str, ...] = ()) -> None:
        self.text = text
        self.function = function
        self.line_fields = line_fields
        """The fields of `line` the text reads, when it reads nothing else (`_line_fields`):
        its text is then the same for every line with the same values of these fields."""
        self._read = attrgetter(*line_fields, line_fields[0]) if line_fields else None
        """The values of `line_fields`, and the first again (so that one field gives a tuple
        too: a key of one field or more, alike)."""
        self._kept: dict[tuple[Any, ...], str] = {}

    def __reduce__(self) -> tuple[type[Body], tuple[str, Any, tuple[str, ...]]]:
        # (rebuilt from what it was made of when pickled: what it keeps is left behind)
        return (Body, (self.text, self.function, self.line_fields))

    def render(self, names: dict[str, Any]) -> str:
        """The body filled for one document: `names` are the document's names, with
        `note_lines` (and `line` in a line note) and the loop guard. A text that reads only
        fields of `line` is kept by their values when they are all text or None (values of
        these two types are equal only when they print the same): a line note's title,
        "Line Item {{ line.number }} Description", is filled once per line number, not once
        per line of every document."""
        if self._read is not None:
            line = names.get("line")
            if type(line) is Line:
                key = self._read(line)
                if set(map(type, key)) <= _KEYED:
                    found = self._kept.get(key)
                    if found is None:
                        found = self.function(names, _finalize, BODY_LIMIT)
                        if len(self._kept) >= BODY_TEXTS_KEPT:
                            self._kept.clear()
                        self._kept[key] = found
                    return found
        return self.function(names, _finalize, BODY_LIMIT)


_KEYED = frozenset({str, type(None)})
BODY_TEXTS_KEPT = 512
"""At most so many texts are kept for each body that reads only fields of `line` (all dropped
when full)."""

_READS_NOTHING = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Const, nodes.If, nodes.CondExpr,
    nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Concat,
)  # fmt: skip
"""Parts of a text that read nothing of their own (what they print or test is their parts)."""


def _line_fields(template: nodes.Template) -> tuple[str, ...]:
    """The fields of `line` a line note's text reads (`line.number`), when it reads nothing
    else: no other name, no helper, filter or test, no loop and no `set`, so that what it
    prints is worked out from these values and constants alone. () when it reads anything
    else (or no field)."""
    fields: set[str] = set()
    allowed = allowed_attributes(Line)

    def reads_fields_only(node: nodes.Node) -> bool:
        if isinstance(node, nodes.Getattr):
            base = node.node
            if isinstance(base, nodes.Name) and base.name == "line" and node.attr in allowed:
                fields.add(node.attr)
                return True
            return False
        if type(node) not in _READS_NOTHING:
            return False
        return all(reads_fields_only(child) for child in node.iter_child_nodes())

    return tuple(sorted(fields)) if reads_fields_only(template) else ()


def compile_body(
    text: str,
    *,
    level: Literal["case", "line"],
    what: str = "body",
    source: Path | None = None,
    line: int = 1,
    file_lines: Sequence[str] | None = None,
) -> Body:
    """Check a note body (or title) with placeholders against the model and compile it.
    `level` "line" adds `line`. Raises RuleError naming the file, the line and the near miss."""
    env = environment()
    try:
        parsed = env.parse(text)
    except TemplateSyntaxError as exc:
        raise _syntax_error(
            f"{what} placeholders do not parse:", exc, source, line, file_lines, None
        ) from None
    where = {"source": source, "line": line, "file_lines": file_lines, "span": text.count("\n") + 1}
    try:
        check_statements(body_scope(level), parsed.body)
        function = compile_functions(
            {"body": body_source("body", parsed)}, f"<{what} {source or ''}:{line}>", env
        )["body"]
    except Invalid as exc:
        raise _error(what, exc.message, needle=exc.needle, **where) from None
    except (Unsupported, SyntaxError, RecursionError, ValueError) as exc:
        raise _error(what, f"cannot be compiled: {exc}", **where) from None
    return Body(text, function, _line_fields(parsed) if level == "line" else ())
