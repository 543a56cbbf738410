"""Reading a YAML case file so that loagen can rewrite it: the round-trip parse (ruamel.yaml)
that keeps the writer's comments, key order, quoting and layout, after the same strict checks
as loading (no aliases, no merge keys, no key written twice, size and depth limits).

`output.case_files` writes the file back; this module only reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CaseError
from ..reading import text_of
from .loading import parse_case_bytes, yaml_error

YAML_SUFFIXES = (".yaml", ".yml")
BOM = b"\xef\xbb\xbf"


def is_yaml(path: Path) -> bool:
    return Path(path).suffix.lower() in YAML_SUFFIXES


@dataclass(frozen=True)
class Indent:
    """How a YAML file indents: mapping keys, sequence items' content, and the dash."""

    mapping: int = 2
    sequence: int = 4
    offset: int = 2


_KEY = re.compile(r"^( *)[^\s#-][^:#]*:\s*(#.*)?$")
_DASH = re.compile(r"^( *)- +")
_LINE = re.compile(r"^( *)\S")


def guess_indent(text: str) -> Indent:
    """The indentation a YAML text uses (its first nested mapping and its first block list),
    so that what loagen adds is indented like the rest."""
    mapping = sequence = offset = None
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        opener = _KEY.match(line)
        if not opener:
            continue
        following = next(
            (n for n in lines[i + 1 :] if n.strip() and not n.lstrip().startswith("#")), ""
        )
        base = len(opener.group(1))
        dash = _DASH.match(following)
        if dash:
            if sequence is None:
                offset = len(dash.group(1)) - base
                sequence = len(dash.group(0)) - base
        else:
            m = _LINE.match(following)
            if mapping is None and m and len(m.group(1)) > base:
                mapping = len(m.group(1)) - base
        if mapping is not None and sequence is not None:
            break
    default = Indent()
    mapping = mapping or default.mapping
    if sequence is None or offset is None or offset < 0 or sequence < offset + 2:
        sequence, offset = mapping + default.offset, default.offset
    return Indent(mapping, sequence, offset)


def round_trip_yaml(indent: Indent | None = None) -> Any:
    """A ruamel.yaml reader and writer that keeps comments, quotes and long lines as written."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long text onto several lines
    yaml.allow_duplicate_keys = False
    indent = indent or Indent()
    yaml.indent(mapping=indent.mapping, sequence=indent.sequence, offset=indent.offset)
    return yaml


@dataclass(frozen=True)
class RoundTrip:
    """A YAML case file as loagen reads it (`data`) and as ruamel.yaml keeps it (`tree`)."""

    data: dict[str, Any]
    tree: Any
    """A ruamel CommentedMap: the same values with the file's comments and layout."""
    indent: Indent
    bom: bool


def read_round_trip(raw: bytes, path: Path) -> RoundTrip:
    """Parse the bytes of a YAML case file for rewriting. Raises CaseError as loading does."""
    from ruamel.yaml.error import YAMLError

    data = parse_case_bytes(raw, path)  # the strict checks, and the values loagen validates
    text = text_of(raw)
    try:
        tree = round_trip_yaml().load(text)
    except YAMLError as exc:
        raise yaml_error(exc, path, text) from None
    if not hasattr(tree, "ca"):
        raise CaseError("a case file must hold one object with named fields", source=path)
    return RoundTrip(data, tree, guess_indent(text), raw.startswith(BOM))


def line_of(tree: Any, loc: tuple[str | int, ...]) -> int | None:
    """The line (from 1) of the value at `loc` in a round-trip tree, when known."""
    node = tree
    for part in loc[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    if not loc or not hasattr(node, "lc"):
        return None
    try:
        if isinstance(loc[-1], int):
            return node.lc.item(loc[-1])[0] + 1
        return node.lc.value(loc[-1])[0] + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
