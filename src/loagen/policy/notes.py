"""The note library: one Markdown file per standard note, with YAML front matter, loaded and checked.

A note file looks like this (`note_library/SOLE-SOURCE-FMS.md`)::

    ---
    id: SOLE-SOURCE-FMS
    title: Procurement Using Other Than Full and Open Competition
    version: "1"
    programs: [FMS]
    level: case              # case: one note; line: one note per line the rule names
    placement: notes         # notes | payment_schedule | line (in the line's description column)
    section: 3               # loa-facts 1.6: 1 line notes, 2 case or IA-unique, 3 DSCA standard,
                             # 4 waivers, 5 notes every case carries
    order: 320               # ordering key inside the section; unique in the library
    documents: [Basic, Amendment, Modification]
    rule: lines_with(sole_source=True)
    carry_over: when_touched # always | when_added | when_touched | delete_after_implementation | basic_only
    references: [SAMM C6.3.4]
    ---
    Body in Markdown (paragraphs, **bold**, *italic*, "-" and "1." lists), with placeholders such
    as {{ refs(note_lines) }}; the renderer prints the title as the heading.

The file is named after the note's id. Rules and placeholders are checked against the case model
when the library loads (see `rules`); every problem in every file is reported at once.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from markdown_it import MarkdownIt
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from ..errors import NoteError, Problem, did_you_mean
from ..reading import read_limited
from .rules import Body, Rule, compile_body, compile_rule

CarryOver = Literal[
    "always", "when_added", "when_touched", "delete_after_implementation", "basic_only"
]

CARRY_OVER: dict[str, str] = {
    "always": "restated on every Amendment and Modification while the rule holds",
    "when_added": "on an Amendment or Modification only when a line the rule names is added by it",
    "when_touched": "on an Amendment or Modification only when a line the rule names is added or changed by it",
    "delete_after_implementation": "deleted from the first Amendment or Modification after implementation",
    "basic_only": "printed on the Basic only",
}
"""Carry-over policies and what each means (SAMM AP9.T2; loa-facts 2.4)."""

PLACEMENT_RANK = {"line": 0, "payment_schedule": 1, "notes": 2}


def _text(value: Any) -> Any:
    # `version: 1` is a number in YAML; it is a label.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


class FrontMatter(BaseModel):
    """The fields policy staff edit at the top of a note file."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$")]
    """Note id: capital letters, digits and dashes, e.g. SOLE-SOURCE-FMS; the file is <id>.md."""
    title: Annotated[str, Field(min_length=1)]
    """Printed as the note's heading; may hold placeholders (line notes: {{ line.number }})."""
    version: Annotated[str, BeforeValidator(_text), Field(min_length=1)]
    """Version of the note text; raise it when the text changes."""
    programs: list[Literal["FMS", "BPC"]] = Field(min_length=1)
    """The programs the note is for."""
    level: Literal["case", "line"]
    """case: one note for the document; line: one note per line the rule names."""
    placement: Literal["notes", "payment_schedule", "line"]
    """notes section, directly under the payment schedule, or in the line's description column."""
    section: int = Field(ge=1, le=5)
    """1 line notes, 2 case or IA-unique, 3 mandatory DSCA standard, 4 waivers, 5 every case."""
    order: int = Field(ge=0)
    """Ordering key within the section; unique in the library."""
    documents: list[Literal["Basic", "Amendment", "Modification"]] = Field(min_length=1)
    """The documents the note may appear on."""
    rule: Annotated[str, Field(min_length=1)]
    """When the note applies: a rule expression (see loagen.rules)."""
    carry_over: CarryOver
    """What happens to the note on Amendments and Modifications."""
    references: list[str] = Field(default_factory=list)
    """SAMM or policy references."""

    @model_validator(mode="after")
    def _consistent(self) -> "FrontMatter":
        problems = []
        if self.placement == "line" and self.level != "line":
            problems.append(
                "placement line needs level line (a note in a line's column is a line note)"
            )
        if self.placement == "payment_schedule" and self.level != "case":
            problems.append("placement payment_schedule needs level case")
        if self.level == "line" and self.section != 1:
            problems.append("line notes belong in section 1")
        if self.level == "case" and self.section == 1:
            problems.append("section 1 holds line notes only (level line)")
        for name in ("programs", "documents"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                problems.append(f"{name} lists a value twice")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Note(FrontMatter):
    """One note of the library: its front matter, its body, where it came from, and its compiled
    rule, body and title."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    body: str
    """The Markdown body with placeholders, as written."""
    path: Path
    """The note file."""
    sha256: str
    """Hash of the note file's bytes."""
    compiled_rule: Rule = Field(exclude=True, repr=False)
    compiled_body: Body = Field(exclude=True, repr=False)
    compiled_title: Body = Field(exclude=True, repr=False)

    @property
    def rank(self) -> tuple[int, int, int]:
        """Print order: placement, section, order key."""
        return (PLACEMENT_RANK[self.placement], self.section, self.order)


@dataclass(frozen=True)
class NoteLibrary:
    """The notes of a library folder, in print order, with a digest over every note file."""

    folder: Path
    notes: tuple[Note, ...]
    digest: str
    """sha256 over the names and bytes of every note file."""
    _by_id: dict[str, Note] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {n.id: n for n in self.notes})

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.notes)

    def __len__(self) -> int:
        return len(self.notes)

    def __contains__(self, note_id: object) -> bool:
        return note_id in self._by_id

    def __getitem__(self, note_id: str) -> Note:
        try:
            return self._by_id[note_id]
        except KeyError:
            raise KeyError(
                f"no note {note_id!r} in the library{did_you_mean(note_id, list(self._by_id))}"
            ) from None

    def get(self, note_id: str) -> Note | None:
        return self._by_id.get(note_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (ten times faster), else PyYAML's own."""

# -- reading one note file --------------------------------------------------------------------------

_MARKDOWN = MarkdownIt("commonmark")
_ALLOWED_BLOCKS = {
    "paragraph_open", "paragraph_close", "inline", "bullet_list_open", "bullet_list_close",
    "ordered_list_open", "ordered_list_close", "list_item_open", "list_item_close",
}  # fmt: skip
_ALLOWED_INLINE = {"text", "softbreak", "strong_open", "strong_close", "em_open", "em_close"}
_BLOCK_NAMES = {
    "heading_open": "a heading (the title is printed as the heading)",
    "fence": "a code block", "code_block": "an indented code block (4 spaces)",
    "blockquote_open": "a block quote", "hr": "a horizontal rule", "html_block": "HTML",
    "table_open": "a table",
}  # fmt: skip
_INLINE_NAMES = {
    "link_open": "a link", "image": "an image", "code_inline": "inline code",
    "html_inline": "HTML", "hardbreak": "a hard line break",
}  # fmt: skip


def _markdown_problems(body: str) -> list[tuple[str, int | None]]:
    """Markdown the renderer cannot print: (what, line in the body)."""
    found = []
    for token in _MARKDOWN.parse(body):
        line = token.map[0] + 1 if token.map else None
        if token.type not in _ALLOWED_BLOCKS:
            found.append((_BLOCK_NAMES.get(token.type, token.type), line))
        for child in token.children or ():
            if child.type not in _ALLOWED_INLINE:
                found.append((_INLINE_NAMES.get(child.type, child.type), line))
    return found


def _front_matter_message(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        return f"unknown field {name!r}{did_you_mean(name, list(FrontMatter.model_fields))}"
    if kind == "literal_error":
        return f"got {err.get('input')!r}; expected one of {(err.get('ctx') or {}).get('expected')}"
    if kind == "value_error":
        return str((err.get("ctx") or {}).get("error", err["msg"]))
    if kind == "string_pattern_mismatch":
        return f"got {err.get('input')!r}; use capital letters, digits and dashes, e.g. SOLE-SOURCE-FMS"
    return f"{err['msg']} (got {err.get('input')!r})"


class _FileProblems:
    """Problems of one note file, each with its line and that line's text."""

    def __init__(self, path: Path, lines: list[str]) -> None:
        self.path = path
        self.lines = lines
        self.items: list[NoteError] = []

    def add(self, message: str, line: int | None = None) -> None:
        shown = self.lines[line - 1] if line and 0 < line <= len(self.lines) else None
        location = f"line {line}" if line else ""
        self.items.append(
            NoteError(message, source=self.path, location=location, source_line=shown)
        )


def _alias_in(root: yaml.Node) -> int | None:
    """The line (in the front matter) of a node used twice, which is what an alias makes."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return node.start_mark.line
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def _key_lines(
    mapping: yaml.MappingNode, offset: int
) -> tuple[dict[str, int], dict[str, yaml.Node], list[tuple[str, int]]]:
    """Line of each front matter key, its value node, and keys written twice."""
    lines: dict[str, int] = {}
    values: dict[str, yaml.Node] = {}
    twice = []
    for key, value in mapping.value:
        name = str(key.value)
        at = offset + key.start_mark.line
        if name in lines:
            twice.append((name, at))
        lines[name] = at
        values[name] = value
    return lines, values, twice


def _content_line(node: yaml.Node, offset: int) -> int:
    """First line of a value's text (a block scalar's text starts below its | or >)."""
    line = offset + node.start_mark.line
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        line += 1
    return line


def _content_end(node: yaml.Node, offset: int) -> int:
    """Last line of a value's text (a block scalar ends on the line before the next key)."""
    line = offset + node.end_mark.line
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        line -= 1
    return line


def _raise_all(errors: list[NoteError], what: str, source: Path) -> None:
    """Raise the one error, or one NoteError carrying every problem; nothing if none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise NoteError(
            f"{source}: {len(errors)} problems in {what}",
            source=source,
            problems=tuple(_problem(e) for e in errors),
        )


def read_note(path: Path, raw: bytes | None = None) -> Note:
    """Read and check one note file; raise NoteError listing every problem in it."""
    path = Path(path)
    note, problems = _read(path, read_limited(path, "note file", NoteError) if raw is None else raw)
    _raise_all(problems, "the note file", path)
    assert note is not None
    return note


def _read(path: Path, raw: bytes) -> tuple[Note | None, list[NoteError]]:
    """The note of one file (None if it cannot be built) and every problem found in it."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [NoteError("the note file is not UTF-8 text", source=path)]
    lines = text.splitlines()
    problems = _FileProblems(path, lines)
    if not lines or lines[0].strip() != "---":
        problems.add("a note file starts with '---', then the front matter, then '---'", 1)
        return None, problems.items
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if close is None:
        problems.add("the front matter has no closing '---' line", 1)
        return None, problems.items
    offset = 2  # file line of the front matter's first line
    front_text = "\n".join(lines[1:close])
    try:
        node = yaml.compose(front_text, Loader=_LOADER)
        data = yaml.load(front_text, Loader=_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        problems.add(
            f"front matter is not valid YAML: {problem}", offset + mark.line if mark else None
        )
        return None, problems.items
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        problems.add("the front matter must be named fields (key: value)", offset)
        return None, problems.items
    alias = _alias_in(node)
    if alias is not None:
        problems.add("YAML aliases (*name) are not allowed in front matter: write the value out",
                     offset + alias)
        return None, problems.items
    key_lines, value_nodes, twice = _key_lines(node, offset)
    for name, at in twice:
        problems.add(f"field {name!r} is written twice", at)
    try:
        front = FrontMatter.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            name = str(err["loc"][0]) if err["loc"] else ""
            where = f"{'.'.join(str(p) for p in err['loc'])}: " if err["loc"] else ""
            problems.add(f"{where}{_front_matter_message(err)}", key_lines.get(name, offset - 1))
        return None, problems.items
    if path.stem != front.id:
        problems.add(
            f"the file of note {front.id} must be named {front.id}.md", key_lines.get("id")
        )

    # -- body: Markdown the renderer prints, placeholders the model has --
    rest = lines[close + 1 :]
    blank = next((i for i, ln in enumerate(rest) if ln.strip()), len(rest))
    body_line = close + 2 + blank
    body = "\n".join(rest[blank:]).rstrip()
    if not body:
        problems.add("the note has no body text", close + 1)
    for what, at in _markdown_problems(body):
        line = body_line + at - 1 if at else None
        problems.add(f"the body uses {what}, which the renderer does not print", line)

    # -- rule, title and body compiled and checked against the model --
    compiled: dict[str, Any] = {}
    rule_line = _content_line(value_nodes["rule"], offset)
    jobs = {
        "compiled_rule": lambda: compile_rule(
            front.rule, source=path, line=rule_line, file_lines=lines,
            end_line=_content_end(value_nodes["rule"], offset),
        ),
        "compiled_title": lambda: compile_body(
            front.title, level=front.level, what="title", source=path,
            line=_content_line(value_nodes["title"], offset), file_lines=lines,
        ),
        "compiled_body": lambda: compile_body(
            body, level=front.level, source=path, line=body_line, file_lines=lines
        ),
    }  # fmt: skip
    for name, job in jobs.items():
        try:
            compiled[name] = job()
        except NoteError as exc:
            problems.items.append(exc)
    rule = compiled.get("compiled_rule")
    if rule is not None and not rule.names_lines:
        if front.carry_over in ("when_added", "when_touched"):
            problems.add(
                f"carry_over {front.carry_over} needs a rule that names lines "
                "(lines_with, lines_with_item ...)",
                key_lines.get("carry_over"),
            )
        if front.level == "line":
            problems.add("a line note needs a rule that names lines (lines_with ...)", rule_line)
    if len(compiled) < len(jobs):
        return None, problems.items
    note = Note(
        **front.model_dump(),
        body=body,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        **compiled,
    )
    return note, problems.items  # with problems, the note still counts for duplicate checks


def _problem(error: NoteError) -> Problem:
    """One error as a Problem, with its source line folded into the message."""
    message = error.message
    if error.source_line:
        message += f"\n      {error.source_line.strip()}"
    return Problem(error.source, error.location, message)


# -- the library -------------------------------------------------------------------------------------


MAX_NOTES = 2000
"""Most note files a library may hold."""


def _note_files(folder: Path) -> list[tuple[Path, bytes]]:
    """The note files of a library folder with their bytes, in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NoteError("note library folder not found", source=folder)
    paths = sorted(folder.glob("*.md"))
    if not paths:
        raise NoteError("the note library holds no notes (*.md files)", source=folder)
    if len(paths) > MAX_NOTES:
        raise NoteError(f"the note library holds more than {MAX_NOTES} notes", source=folder)
    return [(path, read_limited(path, "note file", NoteError)) for path in paths]


def _digest(files: list[tuple[Path, bytes]]) -> str:
    digest = hashlib.sha256()
    for path, raw in files:
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
    return digest.hexdigest()


def library_digest(folder: Path) -> str:
    """The digest `load_library` gives the library in `folder`, without checking its notes."""
    return _digest(_note_files(folder))


def load_library(folder: Path) -> NoteLibrary:
    """Load and check every `*.md` note in `folder`. Raises NoteError (RuleError for rules)
    listing every problem of every file, duplicate ids and order keys included."""
    folder = Path(folder)
    files = _note_files(folder)
    notes: list[Note] = []
    errors: list[NoteError] = []
    for path, raw in files:
        note, problems = _read(path, raw)
        if note is not None:
            notes.append(note)
        errors.extend(problems)
    seen_ids: dict[str, Path] = {}
    seen_orders: dict[int, Note] = {}
    for note in notes:
        if note.id in seen_ids:
            errors.append(
                NoteError(
                    f"note id {note.id} is also used by {seen_ids[note.id].name}", source=note.path
                )
            )
        seen_ids.setdefault(note.id, note.path)
        if note.order in seen_orders:
            other = seen_orders[note.order]
            errors.append(
                NoteError(
                    f"order key {note.order} is also used by {other.id} ({other.path.name})",
                    source=note.path,
                )
            )
        seen_orders.setdefault(note.order, note)
    _raise_all(errors, "the note library", folder)
    notes.sort(key=lambda n: n.rank)
    return NoteLibrary(folder, tuple(notes), _digest(files))
