"""A note file rewritten from the note form: what the policy editor changed, and nothing else.

A note file is YAML front matter between `---` lines, then its text (one `::: version X` block
each when it has several versions; see `policy.notes`). The front matter is rewritten through
a round-trip YAML tree (`case.round_trip`), so the comments policy staff wrote beside the rule
and the versions stay where they were, and only the values that changed are touched; the text
is rewritten only when a version's text changed. Whether the result is a valid note is for
`policy.notes.read_note` and `load_library` to say: nothing here checks a rule or a
placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from io import StringIO
from typing import Any

from ..case.round_trip import guess_indent, round_trip_yaml

_BLOCK_OPEN = re.compile(r"^:::\s*version\s+(\S+)\s*$")


class NoteFileError(Exception):
    """The note file's layout cannot be followed (no front matter)."""


@dataclass
class NoteText:
    """A note file split into its parts."""

    front: str
    """The front matter's text (between the `---` lines, with its final newline)."""
    body: str
    """Everything after the closing `---` line."""
    blocks: dict[str, str]
    """Each version's text as the form edits it (one entry '' when the body has no blocks)."""
    has_blocks: bool


def split_note(text: str) -> NoteText:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise NoteFileError("a note file starts with a '---' line")
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if close is None:
        raise NoteFileError("the front matter has no closing '---' line")
    front = "\n".join(lines[1:close]) + "\n"
    body = "\n".join(lines[close + 1 :])
    blocks: dict[str, str] = {}
    has_blocks = any(_BLOCK_OPEN.match(ln) for ln in lines[close + 1 :])
    if not has_blocks:
        blocks[""] = body.strip("\n").rstrip()
    else:
        current: str | None = None
        text_lines: list[str] = []
        for raw in lines[close + 1 :]:
            opened = _BLOCK_OPEN.match(raw)
            if current is None and opened:
                current, text_lines = opened.group(1), []
            elif current is not None and raw.strip() == ":::":
                blocks.setdefault(current, "\n".join(text_lines).strip("\n").rstrip())
                current = None
            elif current is not None:
                text_lines.append(raw)
    return NoteText(front, body, blocks, has_blocks)


def read_front(front: str) -> Any:
    """The front matter as a round-trip tree (a CommentedMap)."""
    return round_trip_yaml(guess_indent(front)).load(front)


def _dump(tree: Any, front: str) -> str:
    out = StringIO()
    round_trip_yaml(guess_indent(front)).dump(tree, out)
    return out.getvalue()


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, date) and isinstance(new, str):
        return old.isoformat() == new
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return old == new
    if old is None or new is None:
        return old is None and new is None
    if isinstance(old, dict) or isinstance(new, dict):
        return False
    return str(old) == str(new)


def _node(new: Any, like: Any) -> Any:
    """A value for the tree, written the way the value it replaces was."""
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import (
        DoubleQuotedScalarString,
        FoldedScalarString,
        LiteralScalarString,
        SingleQuotedScalarString,
    )

    if isinstance(new, list):
        seq = CommentedSeq(_node(v, None) for v in new)
        flow = like.fa.flow_style() if isinstance(like, CommentedSeq) else None
        if flow is None:
            flow = all(not isinstance(v, (dict, list)) for v in new) and len(str(new)) <= 60
        if flow:
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    if isinstance(new, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", new):
            try:
                return date.fromisoformat(new)
            except ValueError:
                pass
        if isinstance(like, FoldedScalarString):
            return FoldedScalarString(" ".join(new.split()))
        if "\n" in new or isinstance(like, LiteralScalarString):
            return LiteralScalarString(new.replace("\r\n", "\n"))
        if isinstance(like, (DoubleQuotedScalarString, SingleQuotedScalarString)):
            return type(like)(new)
    return new


def _update(tree: Any, key: Any, new: Any) -> None:
    from ruamel.yaml.comments import CommentedMap

    old = tree.get(key) if isinstance(tree, CommentedMap) else tree[key]
    if _same(old, new):
        return
    tree[key] = _node(new, old)


FIELD_ORDER = (
    "id", "title", "usage", "versions", "programs", "level", "placement", "section", "order",
    "documents", "rule", "used_when", "carry_over", "changed_fields", "refresh_on", "references",
)  # fmt: skip


def _set_field(tree: Any, key: str, value: Any) -> None:
    if key in tree:
        _update(tree, key, value)
        return
    # a field the file did not have: after the field that comes before it in the usual order
    at = FIELD_ORDER.index(key) if key in FIELD_ORDER else len(FIELD_ORDER)
    position = len(tree)
    for i, existing in enumerate(tree.keys()):
        if existing in FIELD_ORDER and FIELD_ORDER.index(existing) > at:
            position = i
            break
    tree.insert(position, key, _node(value, None))


def compose(text: str, front: dict[str, Any], texts: list[str]) -> str:
    """The note file `text` with the front matter values of `front` (as the form reads them:
    missing optional fields are removed) and each version's text in `texts` (in the order of
    `front["versions"]`)."""
    from ruamel.yaml.comments import CommentedMap

    parts = split_note(text)
    tree = read_front(parts.front)
    for key in list(tree.keys()):
        if key not in front and key != "versions":
            del tree[key]
    versions = front.get("versions") or []
    for key, value in front.items():
        if key == "versions":
            continue
        _set_field(tree, key, value)
    seq = tree.get("versions")
    if seq is None:
        _set_field(tree, "versions", [])
        seq = tree["versions"]
    for i, entry in enumerate(versions):
        if i < len(seq) and isinstance(seq[i], CommentedMap):
            item = seq[i]
            for key in list(item.keys()):
                if key not in entry:
                    del item[key]
            for key, value in entry.items():
                if key in item:
                    _update(item, key, value)
                else:
                    item[key] = _node(value, None)
        else:
            item = CommentedMap()
            for key, value in entry.items():
                item[key] = _version_node(key, value)
            seq.append(item)
    while len(seq) > len(versions):
        seq.pop()
    new_front = parts.front if _dump(read_front(parts.front), parts.front) == _dump(
        tree, parts.front
    ) else _dump(tree, parts.front)  # fmt: skip
    labels = [str(v.get("version", "")) for v in versions]
    return "---\n" + new_front + "---\n" + _body(parts, labels, texts)


def _version_node(key: str, value: Any) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if key == "version":
        return DoubleQuotedScalarString(str(value))
    return _node(value, None)


def _body(parts: NoteText, labels: list[str], texts: list[str]) -> str:
    texts = [t.replace("\r\n", "\n").strip("\n").rstrip() for t in texts]
    before = [parts.blocks.get(label, parts.blocks.get("", None)) for label in labels]
    if not parts.has_blocks and len(labels) == 1:
        if texts[0] == parts.blocks.get(""):
            return parts.body
        return texts[0] + "\n"
    if parts.has_blocks and before == texts and list(parts.blocks) == labels:
        return parts.body
    return "\n".join(
        f"::: version {label}\n{body}\n:::\n" for label, body in zip(labels, texts, strict=True)
    )


def version_texts(text: str, labels: list[str]) -> list[str]:
    """The text of each version (by label) as the form shows it."""
    parts = split_note(text)
    if not parts.has_blocks:
        return [parts.blocks.get("", "")] + [""] * (len(labels) - 1)
    return [parts.blocks.get(label, "") for label in labels]


def front_data(text: str) -> dict[str, Any]:
    """The front matter as plain values (for the form)."""
    tree = read_front(split_note(text).front)
    return _plain(tree)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)
    return value


def line_field(text: str, line: int) -> str:
    """The form field a line of the note file belongs to: a front matter key, or the text of a
    version (`text[0]` ...)."""
    lines = text.split("\n")
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), len(lines))
    if line <= close + 1:
        for n in range(min(line, close) - 1, 0, -1):
            m = re.match(r"^([A-Za-z_]+)\s*:", lines[n])
            if m:
                return m.group(1)
        return ""
    parts = split_note(text)
    if not parts.has_blocks:
        return "text[0]"
    label = None
    for n in range(close + 1, min(line, len(lines))):
        opened = _BLOCK_OPEN.match(lines[n])
        if opened:
            label = opened.group(1)
    labels = list(parts.blocks)
    return f"text[{labels.index(label)}]" if label in labels else "text[0]"


def text_line(text: str, line: int) -> int | None:
    """The number (from 1) of the note file's line `line` within the text of the version it
    belongs to, as that version's box in the form shows it (its leading empty lines dropped);
    None for a line of the front matter or outside any version's text."""
    lines = text.split("\n")
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if close is None or not close + 1 < line <= len(lines):
        return None
    start = close + 1  # index of the text's first line
    if any(_BLOCK_OPEN.match(ln) for ln in lines[close + 1 :]):
        opened = [i for i in range(close + 1, line - 1) if _BLOCK_OPEN.match(lines[i])]
        if not opened or any(lines[i].strip() == ":::" for i in range(opened[-1] + 1, line)):
            return None
        start = opened[-1] + 1
    while start < line - 1 and lines[start] == "":
        start += 1
    return line - start
