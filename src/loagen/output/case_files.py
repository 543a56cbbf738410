"""Writing case files: whole or not at all, and a YAML file keeping what its writer put in it.

`save_case_file` writes a case file's data (a dict, as loading reads it) to its path through a
temporary file and a rename. A `.yaml`/`.yml` file given with its previous bytes (`original`) is
updated in place: the round-trip document (ruamel.yaml, read by `case.round_trip`) takes the new
values, and everything else stays as the writer left it — comments, key order, quoting, blank
lines, indentation. Only what changed is touched:

- a value that reads the same (a date written as text, 1250000 as 1250000.00) is left as written;
- a new field goes after the field it follows in `data`, a new line of a list after the line it
  follows (lines are matched by their `number`, other lists item by item);
- a removed field takes its own comments with it, never those of the field after it (ruamel keeps
  a comment line with the field *before* it; they are moved so that every comment stays above
  the field it was above);
- text values that YAML 1.1 would read as something else (yes, no, on, 010, 12:30) are quoted.

The result is read back and compared with `data` before anything is written: a file that would
not read as the data it was given is never written.

JSON files are written in the layout of the example case files (objects and lists on one line
when short or deep, one member a line otherwise); JSON has no comments to keep.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml as pyyaml

from ..case.loading import parse_case_bytes
from ..case.placeholders import is_placeholder
from ..case.round_trip import BOM, Indent, is_yaml, read_round_trip, round_trip_yaml
from ..errors import CaseError, OutputError
from .files import _fail, _write_temporary, atomic_write

FLAG = "# loagen:"
"""How the comments loagen writes to flag a field to change start (see `case_file_bytes`)."""

Location = tuple[str | int, ...]


# -- the public entry points -----------------------------------------------------------------------


def save_case_file(path: Path, data: Mapping[str, Any], *, original: bytes | None = None) -> bytes:
    """Write `data` to `path` atomically (a temporary file in the same folder, then a rename),
    YAML or JSON by the file's suffix. With `original` (the file's previous bytes) a YAML file
    keeps the writer's comments, key order and layout for the fields that still exist. Returns
    the bytes written. Raises OutputError when the file cannot be written."""
    content = case_file_bytes(path, data, original=original)
    atomic_write(Path(path), content)
    return content


def case_file_bytes(
    path: Path,
    data: Mapping[str, Any],
    *,
    original: bytes | None = None,
    notes: Mapping[Location, str] | None = None,
) -> bytes:
    """The bytes `save_case_file` writes. `notes` (YAML only) puts a comment above the field at
    each location (e.g. `("document", "purpose")`), each line starting with `# loagen:`; the
    comments of that kind already in the file (left by an earlier `loagen amend`) are removed."""
    plain = _plain(data)
    if not isinstance(plain, dict):
        raise OutputError("a case file holds one object with named fields", source=Path(path))
    if not is_yaml(Path(path)):
        bom = BOM if original is not None and original.startswith(BOM) else b""
        return bom + json_text(plain).encode("utf-8")
    return _yaml_bytes(Path(path), plain, original, notes or {})


def create_case_file(path: Path, content: bytes) -> None:
    """Write a new case file at `path` whole, refusing to replace a file already there (even
    one made at the same moment by someone else)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _write_temporary(path, content)
    except OSError as exc:
        raise _fail(exc, path) from None
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise OutputError(
            f"{path.name} already exists; nothing was written (move it aside to write a new one)",
            source=path,
        ) from None
    except OSError as exc:
        raise _fail(exc, path) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def discard_case_file(path: Path, root: Path, trash: Path, outputs: list[Path]) -> Path:
    """Move a case file, and the files built from it (`outputs`), into a new folder of `trash`
    named for the moment, each at its path relative to the project `root`; returns that folder.
    Nothing is deleted: moving the files back restores them. The case file goes last, so a
    failure on the way leaves it where it was."""
    stamp = datetime.now().strftime("%Y-%m-%d %H.%M.%S")
    folder = Path(trash) / stamp
    n = 1
    while folder.exists():
        n += 1
        folder = Path(trash) / f"{stamp} ({n})"
    try:
        for source in [*outputs, Path(path)]:
            try:
                target = folder / Path(source).resolve().relative_to(Path(root).resolve())
            except ValueError:
                target = folder / "elsewhere" / Path(source).name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    except OSError as exc:
        raise OutputError(
            f"cannot move {Path(path).name} to {folder}: {exc.strerror or type(exc).__name__}; "
            "the case file is where it was",
            source=Path(path),
        ) from None
    with contextlib.suppress(OSError):
        Path(path).parent.rmdir()  # the case's folder, when nothing else is left in it
    return folder


def restore_discarded(folder: Path, root: Path) -> list[Path]:
    """Move the files `discard_case_file` put in `folder` back to their places in the project
    `root`; returns where they went. Refused (OutputError, nothing moved)
    when a file of the same name is there now (a document written since in its place) or a
    file was moved from outside the project (its place is not known). The emptied folder is
    removed."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    if not files:
        raise OutputError(f"{folder.name} holds nothing to bring back", source=folder)
    places = [(f, Path(root) / f.relative_to(folder)) for f in files]
    for source, target in places:
        if source.relative_to(folder).parts[0] == "elsewhere":
            raise OutputError(
                f"{source.name} was moved from outside the project and its place is not "
                f"known: move it back by hand from {folder}",
                source=source,
            )
        if target.exists():
            raise OutputError(
                f"{target.relative_to(root)} exists now (written since the delete): nothing "
                "was brought back; move or rename that file first, or keep it",
                source=target,
            )
    done = []
    try:
        for source, target in places:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            done.append(target)
    except OSError as exc:
        raise OutputError(
            f"cannot move {source.name} back: {exc.strerror or type(exc).__name__}; "
            f"{len(done)} of {len(places)} files are back, the rest are still in {folder}",
            source=source,
        ) from None
    for sub in sorted((d for d in folder.rglob("*") if d.is_dir()), reverse=True):
        with contextlib.suppress(OSError):
            sub.rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()
    return done


# -- plain data ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """`value` as plain data: dicts, lists, text, whole or decimal numbers, booleans, dates."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise OutputError(f"cannot write the number {value} in a case file")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise OutputError(f"cannot write the number {value} in a case file")
    if value is None or isinstance(value, (str, bool, int, float, date)):
        return value
    raise OutputError(f"cannot write a value of type {type(value).__name__} in a case file")


def _canon(value: Any) -> Any:
    """A value as loagen reads it, for comparing what is written with what was meant."""
    if isinstance(value, dict):
        return {str(k): _canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canon(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return ("number", Decimal(str(value)))
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


# -- JSON ------------------------------------------------------------------------------------------

WIDTH = 100


def json_text(data: Any) -> str:
    """Case data as JSON in the example files' layout."""
    return _json(data, 0, 0, 0) + "\n"


def _json(value: Any, indent: int, depth: int, lead: int) -> str:
    if isinstance(value, date):
        value = value.isoformat()
    if not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    inline = json.dumps(
        value, ensure_ascii=False, allow_nan=False, default=str, separators=(", ", ": ")
    )
    if depth >= 3 or (depth >= 1 and indent + lead + len(inline) <= WIDTH):
        return inline
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = [
            f"{pad}{json.dumps(k, ensure_ascii=False)}: "
            f"{_json(v, indent + 2, depth + 1, len(json.dumps(k, ensure_ascii=False)) + 3)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{_json(v, indent + 2, depth + 1, 1)}" for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


# -- YAML ------------------------------------------------------------------------------------------


def _yaml_bytes(path: Path, data: dict[str, Any], original: bytes | None, notes: Mapping) -> bytes:
    from io import StringIO

    tree = None
    indent, bom = Indent(), False
    if original is not None:
        with contextlib.suppress(CaseError):  # an unreadable file is written afresh
            rt = read_round_trip(original, path)
            tree, indent, bom = rt.tree, rt.indent, rt.bom
    if tree is None:
        tree = _node(data)
    else:
        _Merger(indent).map(tree, data, [])
    if notes:
        _strip_flags(tree)
        for loc, text in notes.items():
            _note_above(tree, loc, text, indent)
    out = StringIO()
    round_trip_yaml(indent).dump(tree, out)
    text = out.getvalue()
    _verify(text, data, path)
    return (BOM if bom else b"") + text.encode("utf-8")


def _verify(text: str, data: dict[str, Any], path: Path) -> None:
    """Refuse to write YAML that loagen would not read back as `data`."""
    try:
        back = parse_case_bytes(text.encode("utf-8"), path.with_suffix(".yaml"))
    except CaseError as exc:
        raise OutputError(
            f"the YAML written would not read back ({exc.message}); nothing was written",
            source=path,
        ) from None
    if _canon(back) != _canon(data):
        raise OutputError(
            "the YAML written would not read back as the data given; nothing was written",
            source=path,
        )


_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = pyyaml.resolver.Resolver()


def _text_node(value: str, like: Any = None) -> Any:
    """A text value for the tree: quoted like `like` (the value it replaces) when that was
    quoted, and quoted whenever YAML 1.1 (which loagen reads with) would take it for something
    else than text."""
    from ruamel.yaml.scalarstring import (
        DoubleQuotedScalarString,
        LiteralScalarString,
        PlainScalarString,
        SingleQuotedScalarString,
    )

    if is_placeholder(value) or "'" in value and _needs_quotes(value):
        return DoubleQuotedScalarString(value)
    if isinstance(like, (SingleQuotedScalarString, DoubleQuotedScalarString)):
        return type(like)(value)
    if isinstance(like, LiteralScalarString) and "\n" in value:
        return LiteralScalarString(value)
    if _needs_quotes(value):
        return SingleQuotedScalarString(value)
    # Plain, said so: ruamel.yaml would otherwise keep the quotes of the value replaced.
    return PlainScalarString(value)


def _needs_quotes(value: str) -> bool:
    if value == "" or value != value.strip() or "\n" in value:
        return True
    return _RESOLVER.resolve(pyyaml.ScalarNode, value, (True, False)) != _STR_TAG


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_field(key: Any) -> bool:
    """Whether a field holds a date (every date field of a case file is named so)."""
    return isinstance(key, str) and (key == "date" or key.endswith("_date"))


def _node(value: Any, like: Any = None, key: Any = None) -> Any:
    """A fresh round-trip node for plain `value` (the value of field `key`), written like `like`
    (the value it replaces) where that is a style of its own."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if is_placeholder(like):
        like = None  # a placeholder's quotes are its own, not the field's

    if isinstance(value, dict):
        node = CommentedMap()
        for k, v in value.items():
            node[k] = _node(v, key=k)
        if not value:
            node.fa.set_flow_style()  # {}: an empty block would print as nothing
        return node
    if (
        isinstance(value, str)
        and _date_field(key)
        and not isinstance(like, str)
        and _ISO_DATE.fullmatch(value)
    ):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)  # written as a date, as a writer would
    if isinstance(value, list):
        seq = CommentedSeq(_node(v) for v in value)
        flow = like.fa.flow_style() if isinstance(like, CommentedSeq) else None
        if flow is None:
            scalars = all(not isinstance(v, (dict, list)) for v in value)
            flow = scalars and len(json.dumps(value, default=str)) <= 60
        if not value or (flow and all(not isinstance(v, (dict, list)) for v in value)):
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    if isinstance(value, str):
        return _text_node(value, like)
    return value


def _same(old: Any, new: Any) -> bool:
    """Whether the value in the file (`old`) reads as `new` (then it is left as written)."""
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool) and old == new
    if old is None or new is None:
        return old is None and new is None
    if isinstance(old, (dict, list)) or isinstance(new, (dict, list)):
        return False
    if isinstance(old, date) or isinstance(new, date):
        a = old.isoformat() if isinstance(old, date) else old
        b = new.isoformat() if isinstance(new, date) else new
        return isinstance(a, str) and a == b
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return Decimal(str(old)) == Decimal(str(new))
    if isinstance(old, str) and isinstance(new, str):
        return str(old) == new
    return False


# -- comments ----------------------------------------------------------------------------------------
#
# ruamel.yaml keeps a comment on its own line with the entry *before* it: in the "post" token of
# the last scalar of that entry (its end-of-line comment, then the full lines that follow), or,
# for the first entry of a block, in a "pre" list of the block. An entry is a (container, key)
# pair; a chain is the list of entries from the top of the file down to one entry.


def _is_block(value: Any) -> bool:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    return (
        isinstance(value, (CommentedMap, CommentedSeq))
        and len(value) > 0
        and not value.fa.flow_style()
    )


def _keys(container: Any) -> list[Any]:
    from ruamel.yaml.comments import CommentedMap

    return (
        list(container.keys())
        if isinstance(container, CommentedMap)
        else list(range(len(container)))
    )


def _tail(container: Any, key: Any) -> tuple[Any, Any]:
    """The entry whose post comment holds the comment lines that follow `key`'s entry."""
    value = container[key]
    while _is_block(value):
        container, key = value, _keys(value)[-1]
        value = container[key]
    return container, key


def _slot(container: Any) -> int:
    from ruamel.yaml.comments import CommentedMap

    return 2 if isinstance(container, CommentedMap) else 0


def _token(text: str) -> Any:
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    return CommentToken(text, CommentMark(0), None)


def _split(value: str) -> tuple[str, str]:
    """A post comment's end-of-line part (with its newline) and the full lines after it."""
    i = value.find("\n")
    return (value, "") if i < 0 else (value[: i + 1], value[i + 1 :])


def _get_rest(entry: tuple[Any, Any]) -> str:
    container, key = entry
    item = container.ca.items.get(key)
    token = item[_slot(container)] if item else None
    return _split(token.value)[1] if token is not None else ""


def _set_rest(entry: tuple[Any, Any], rest: str) -> None:
    container, key = entry
    item = container.ca.items.get(key)
    slot = _slot(container)
    token = item[slot] if item else None
    eol = _split(token.value)[0] if token is not None else ""
    if eol and not eol.endswith("\n"):
        eol += "\n"
    if not eol.strip() and not rest:
        if item:
            item[slot] = None
        return
    value = (eol or "\n") + rest
    if token is not None:
        token.value = value
        return
    if item is None:
        item = container.ca.items[key] = [None, None, None, None]
    item[slot] = _token(value)


def _pre_list(chain: list[tuple[Any, Any]], create: bool) -> list[Any] | None:
    """The comment tokens above the first entry of the block holding `chain[-1]`."""
    from ruamel.yaml.comments import CommentedSeq

    container = chain[-1][0]
    if len(chain) == 1:
        if container.ca.comment is None:
            if not create:
                return None
            container.ca.comment = [None, []]
        if container.ca.comment[1] is None:
            container.ca.comment[1] = []
        return container.ca.comment[1]
    parent, key = chain[-2]
    if isinstance(parent, CommentedSeq):
        return None  # "- first: ..." the first key shares the line of the dash
    item = parent.ca.items.get(key)
    if item is None:
        if not create:
            return None
        item = parent.ca.items[key] = [None, None, None, None]
    if item[3] is None:
        if not create:
            return None
        own = container.ca.comment[1] if container.ca.comment else None
        item[3] = own if own is not None else []
    return item[3]


def _pre_text(tokens: list[Any]) -> str:
    out = []
    for token in tokens:
        text = token.value
        if text.startswith("#"):
            mark = getattr(token, "start_mark", None)
            text = " " * (getattr(mark, "column", 0) or 0) + text
        out.append(text)
    return "".join(out)


def _before(chain: list[tuple[Any, Any]]) -> tuple[str, Any]:
    """Where the comment lines above entry `chain[-1]` are kept: ('post', entry) or ('pre',
    chain of the block's first entry)."""
    container, key = chain[-1]
    keys = _keys(container)
    at = keys.index(key)
    if at > 0:
        return "post", _tail(container, keys[at - 1])
    if len(chain) > 1 and _pre_list(chain, create=False) is None:
        from ruamel.yaml.comments import CommentedSeq

        if isinstance(chain[-2][0], CommentedSeq):
            return _before(chain[:-1])  # above "- first:" is above the item
    return "pre", chain


def _get_before(chain: list[tuple[Any, Any]]) -> str:
    kind, where = _before(chain)
    if kind == "post":
        return _get_rest(where)
    tokens = _pre_list(where, create=False)
    return _pre_text(tokens) if tokens else ""


def _set_before(chain: list[tuple[Any, Any]], text: str) -> None:
    kind, where = _before(chain)
    if kind == "post":
        _set_rest(where, text)
        return
    tokens = _pre_list(where, create=bool(text))
    if tokens is not None:
        tokens[:] = [_token(text)] if text else []


class _Merger:
    """Puts plain data into a round-trip tree, keeping comments where they belong."""

    def __init__(self, indent: Indent) -> None:
        self.indent = indent

    def map(self, node: Any, new: dict[str, Any], chain: list[tuple[Any, Any]]) -> None:
        for key in [k for k in node if k not in new]:
            self.delete(chain + [(node, key)])
        for i, (key, value) in enumerate(new.items()):
            if key in node:
                self.value(chain, node, key, value)
                continue
            before = [k for k in list(new)[:i] if k in node]
            pos = list(node.keys()).index(before[-1]) + 1 if before else 0
            self.insert(chain, node, pos, key, value)

    def seq(self, node: Any, new: list[Any], chain: list[tuple[Any, Any]]) -> None:
        old_numbers = _numbers(node)
        new_numbers = _numbers(new)
        if old_numbers is not None and new_numbers is not None:
            keep = set(new_numbers)
            for i in reversed(range(len(node))):
                if old_numbers[i] not in keep:
                    self.delete(chain + [(node, i)])
            kept = [n for n in old_numbers if n in keep]
            if kept == [n for n in new_numbers if n in set(kept)]:
                for j, item in enumerate(new):
                    if j < len(node) and str(node[j]["number"]) == new_numbers[j]:
                        self.value(chain, node, j, item)
                    else:
                        self.insert(chain, node, j, j, item)
                return
        for i in range(min(len(node), len(new))):
            self.value(chain, node, i, new[i])
        for i in reversed(range(len(new), len(node))):
            self.delete(chain + [(node, i)])
        for i in range(len(node), len(new)):
            self.insert(chain, node, i, i, new[i])

    def value(self, chain: list[tuple[Any, Any]], node: Any, key: Any, new: Any) -> None:
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        old = node[key]
        if isinstance(new, dict) and isinstance(old, CommentedMap) and old and new:
            self.map(old, new, chain + [(node, key)])
        elif isinstance(new, list) and isinstance(old, CommentedSeq) and old and new:
            self.seq(old, new, chain + [(node, key)])
        elif not _same(old, new):
            self.replace(node, key, new)

    def replace(self, node: Any, key: Any, new: Any) -> None:
        old = node[key]
        rest = _get_rest(_tail(node, key))
        _set_rest(_tail(node, key), "")
        if _is_block(old):
            item = node.ca.items.get(key)
            if item is not None:
                item[3] = None
        node[key] = _node(new, like=old, key=key)
        _set_rest(_tail(node, key), rest)

    def delete(self, chain: list[tuple[Any, Any]]) -> None:
        node, key = chain[-1]
        rest = _get_rest(_tail(node, key))
        if _keys(node).index(key) == 0:
            # Above the first entry of a block: its own comment (it goes with it), but above
            # the first field of the file, the file's header (it stays).
            keep = _get_before(chain) if len(chain) == 1 else ""
            del node[key]
            if isinstance(key, str):
                node.ca.items.pop(key, None)
            if len(node):
                _set_before([*chain[:-1], (node, _keys(node)[0])], keep + rest)
            elif rest and len(chain) > 1:
                _set_rest(_tail(*chain[-2]), rest)
            return
        _set_before(chain, rest)
        del node[key]
        if isinstance(key, str):
            node.ca.items.pop(key, None)

    def insert(
        self, chain: list[tuple[Any, Any]], node: Any, pos: int, key: Any, value: Any
    ) -> None:
        from ruamel.yaml.comments import CommentedMap

        if isinstance(node, CommentedMap):
            node.insert(pos, key, _node(value, key=key))
        else:
            node.insert(pos, _node(value))
            key = pos
        if pos == 0:
            return  # the comments above a block's first entry head the block: they stay on top
        here = [*chain, (node, key)]
        moving = _get_before(here)
        _set_before(here, "")
        _set_rest(_tail(node, key), moving)


def _numbers(items: Any) -> list[str] | None:
    """The `number` of each item when every item is an object with a distinct number."""
    if not items or not all(isinstance(i, dict) and "number" in i for i in items):
        return None
    numbers = [str(i["number"]) for i in items]
    return numbers if len(set(numbers)) == len(numbers) else None


# -- flags: comments loagen puts above the fields a writer must change ------------------------------


def _strip_flags(tree: Any) -> None:
    """Remove the comment lines loagen wrote to flag fields (`# loagen: ...`)."""

    def clean(token: Any) -> None:
        if token is None:
            return
        tokens = token if isinstance(token, list) else [token]
        for t in tokens:
            if t is None or not hasattr(t, "value"):
                continue
            value = t.value
            if FLAG not in value:
                continue
            first, rest = _split(value)
            kept = "".join(
                line
                for line in rest.splitlines(keepends=True)
                if not line.lstrip().startswith(FLAG)
            )
            t.value = ("" if first.lstrip().startswith(FLAG) else first) + kept

    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    stack = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, (CommentedMap, CommentedSeq)):
            continue
        if node.ca.comment:
            for part in node.ca.comment:
                clean(part)
        for item in node.ca.items.values():
            for part in item:
                clean(part)
        stack.extend(node.values() if hasattr(node, "keys") else list(node))


def _column(tree: Any, loc: Location, indent: Indent) -> int:
    """The column the key at `loc` starts in."""
    from ruamel.yaml.comments import CommentedSeq

    col = 0
    node = tree
    for part in loc[:-1]:
        child = node[part]
        if isinstance(child, CommentedSeq):
            col += indent.sequence
        elif not isinstance(node, CommentedSeq):
            col += indent.mapping
        node = child
    if isinstance(node, CommentedSeq):
        col -= indent.sequence - indent.offset  # the dash
    return col


def _note_above(tree: Any, loc: Location, text: str, indent: Indent) -> None:
    """Put `text` (a `# loagen:` comment) right above the field at `loc`."""
    chain: list[tuple[Any, Any]] = []
    node = tree
    for part in loc:
        try:
            node[part]
        except (KeyError, IndexError, TypeError):
            return
        chain.append((node, part))
        node = node[part]
    col = _column(tree, loc, indent)
    lines = _comment_lines(text, col, prefix=FLAG + " ")
    _set_before(chain, _get_before(chain) + lines)


# -- a new, commented case file --------------------------------------------------------------------


def _comment_lines(text: str, col: int, *, whole: Any = None, prefix: str = "# ") -> str:
    """`text` as comment lines starting at column `col`, wrapped to the width: an empty line
    stays a blank line, a line starting with spaces (a table row) wraps under itself, a line
    for which `whole(line)` holds is never wrapped."""
    import textwrap

    pad = " " * col
    out = []
    for line in text.split("\n"):
        if not line.strip():
            out.append("\n")
            continue
        room = WIDTH - col - len(prefix)
        if len(line) <= room or (whole is not None and whole(line)):
            out.append(f"{pad}{prefix}{line}".rstrip() + "\n")
            continue
        lead = " " * (len(line) - len(line.lstrip()))
        hanging = lead + "  " if lead else ""
        for part in textwrap.wrap(
            line.strip(), room, initial_indent=lead, subsequent_indent=hanging,
            break_on_hyphens=False,
        ):  # fmt: skip
            out.append(f"{pad}{prefix}{part}\n")
    return "".join(out)


def _chain_to(tree: Any, loc: Location) -> list[tuple[Any, Any]] | None:
    chain: list[tuple[Any, Any]] = []
    node = tree
    for part in loc:
        try:
            child = node[part]
        except (KeyError, IndexError, TypeError):
            return None
        chain.append((node, part))
        node = child
    return chain


_FIELD_LINE = re.compile(r"[a-z_]+: ")
"""A line of an `after` block that is a field to use by removing its "# " (never wrapped)."""


def commented_yaml(
    path: Path,
    data: Mapping[str, Any],
    comments: Mapping[Location, str],
    *,
    after: Mapping[Location, str] | None = None,
    header: str = "",
) -> bytes:
    """A new YAML case file holding `data`, with `header` at the top, a comment above the field
    at each location of `comments`, and, for each location of `after` (an object), comment lines
    after its last field, at its fields' indentation and written as given (`# ` is added in
    front of each: lines that are fields can be used by removing it). Text is wrapped to the
    page width."""
    plain = _plain(data)
    if not isinstance(plain, dict) or not plain:
        raise OutputError("a case file holds one object with named fields", source=Path(path))
    indent = Indent()
    tree = _node(plain)
    for loc, text in (after or {}).items():  # first: the comments above what follows go below
        chain = _chain_to(tree, loc)
        target = tree if not loc else (chain[-1][0][chain[-1][1]] if chain else None)
        if not _is_block(target):
            continue
        last = _keys(target)[-1]
        col = _column(tree, (*loc, last), indent)
        entry = _tail(target, last)
        lines = _comment_lines(text, col, whole=_FIELD_LINE.match)
        _set_rest(entry, _get_rest(entry) + lines)
    for loc, text in comments.items():
        chain = _chain_to(tree, loc)
        if chain is None:
            continue
        first_of_item = (
            len(loc) > 1 and isinstance(loc[-2], int) and _keys(chain[-1][0])[0] == loc[-1]
        )
        col = _column(tree, loc[:-1] if first_of_item else loc, indent)  # above "- first:"
        _set_before(chain, _get_before(chain) + _comment_lines(text, col))
    if header:
        tokens = _pre_list([(tree, _keys(tree)[0])], create=True)
        assert tokens is not None
        tokens[:] = [_token(_comment_lines(header, 0) + _pre_text(tokens))]
    from io import StringIO

    out = StringIO()
    round_trip_yaml(indent).dump(tree, out)
    text = out.getvalue()
    _verify(text, plain, Path(path))
    return text.encode("utf-8")
