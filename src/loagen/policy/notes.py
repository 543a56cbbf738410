"""The note library: one Markdown file per standard note, with YAML front matter, loaded and checked.

A note file looks like this (`note_library/SOLE-SOURCE-FMS.md`)::

    ---
    id: SOLE-SOURCE-FMS
    title: Procurement Using Other Than Full and Open Competition
    versions:                # each text of the note and the date it takes effect
      - version: "1"
        effective: 2016-05-01
        issued_by: DSCA 16-05
    programs: [FMS]
    level: case              # case: one note; line: one note per line the rule names
    placement: notes         # notes | payment_schedule | line (in the line's description column)
    section: 3               # loa-facts 1.6: 1 line notes, 2 case or IA-unique, 3 DSCA standard,
                             # 4 waivers, 5 notes every case carries
    order: 320               # ordering key inside the section; unique in the library
    documents: [Basic, Amendment, Modification]
    rule: lines_with(sole_source=True)
    carry_over: field_changed   # see CARRY_OVER
    changed_fields: [sole_source.firm]
    references: [SAMM C6.3.4]
    ---
    Body in Markdown (paragraphs, **bold**, *italic*, "-" and "1." lists), with placeholders such
    as {{ refs(note_lines) }}; the renderer prints the title as the heading. With more than one
    version, each text sits in a `::: version X` ... `:::` block.

The file is named after the note's id. Rules and placeholders are checked against the case model
when the library loads (see `rules`); every problem in every file is reported at once.
"""

import hashlib
import re
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from markdown_it import MarkdownIt
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from ..case.loading import yaml_timestamp
from ..case.model import UNSEEN, Line, LoaDate
from ..document.wording import ordinal
from ..errors import NoteError, Problem, did_you_mean
from ..reading import read_limited
from .rules import Body, Rule, compile_body, compile_rule

if TYPE_CHECKING:
    import yaml

CarryOver = Literal[
    "every",
    "lines_added",
    "lines_added_or_increased",
    "field_changed",
    "once",
    "version_refresh",
    "delete_after_implementation",
    "basic_only",
]

CARRY_OVER: dict[str, str] = {
    "every": "printed on every document while the rule holds: Amendments and Modifications "
    "restate it",
    "lines_added": "printed when the document adds a line the rule names (and then about those "
    "lines, or about all its lines with restate_all_lines); otherwise it stays in force on the "
    "case without being restated",
    "lines_added_or_increased": "printed when the document adds a line the rule names or raises "
    "it as the scope counts it (its quantity on a defined order case, its value on a blanket "
    "order case; a price change alone does not count); otherwise it stays in force without being "
    "restated",
    "field_changed": "printed when the document adds a line the rule names or changes one of "
    "the fields in changed_fields on such a line (a price change does not count); otherwise it "
    "stays in force without being restated",
    "once": "added once, by the first document whose rule holds when the case does not already "
    "carry the note; then it stays in force without being restated",
    "version_refresh": "printed when the case does not carry the note yet, or carries another "
    "version than the one in force on the document's date, or when the document adds a line the "
    "rule names (then about all its lines); otherwise it stays in force",
    "delete_after_implementation": "printed on the document that adds it; deleted by the first "
    "document after that one is implemented",
    "basic_only": "printed on the Basic only; it stays in force on the case",
}
"""Carry-over policies and what each means (SAMM AP9.T2; DSCA 07-45: a note stays in force on the
case until a document deletes it, and restating it is the exception its usage rule names)."""

_IN_FORCE_CALL = re.compile(r"\bin_force\(([^)]*)\)")
"""The arguments of the in_force(...) calls of a rule (their ids must be notes of the library)."""

LINE_CARRY = ("lines_added", "lines_added_or_increased", "field_changed")
"""Policies that decide by the lines the rule names, so the rule must name lines."""

PLACEMENT_RANK = {"line": 0, "payment_schedule": 1, "notes": 2}


def _text(value: Any) -> Any:
    # `version: 1` is a number in YAML; it is a label.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _one_line(value: Any) -> Any:
    # a usage text written over several lines of the file reads as one paragraph
    return " ".join(value.split()) if isinstance(value, str) else value


def _line_field(path: str) -> str:
    """A dotted path to a field of a line (`sole_source.firm`), checked against the model."""
    shape: Any = Line
    for part in path.split("."):
        fields = getattr(shape, "model_fields", None)
        if not fields or part not in fields:
            here = getattr(shape, "__name__", "the value")
            raise ValueError(
                f"{path!r}: {here} has no field {part!r}" + did_you_mean(part, list(fields or ()))
            )
        shape = _model_of(fields[part].annotation)
    return path


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


_PLACEHOLDER = re.compile(r"\{\{.*?\}\}")


def generic_title(title: str) -> str:
    """A note's title read for no line in particular: each placeholder said "nnn" ("Line Item
    {{ line.number }} Description" reads "Line Item nnn Description")."""
    return " ".join(_PLACEHOLDER.sub("nnn", title).split())


class VersionEntry(BaseModel):
    """One version of a note's text, as the front matter lists it."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    version: Annotated[str, BeforeValidator(_text), Field(min_length=1)]
    """The version's label, e.g. "2" or "688"."""
    effective: LoaDate
    """The date from which documents print this version (YYYY-MM-DD)."""
    issued_by: str | None = None
    """The DSCA memo or SAMM E-Change that issued it, e.g. "DSCA 25-24 (E-Change 688)"."""
    until: LoaDate | None = None
    """The last date documents print it (absent: until the next version takes effect)."""


class FrontMatter(BaseModel):
    """The fields policy staff edit at the top of a note file."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$")]
    """Note id: capital letters, digits and dashes, e.g. SOLE-SOURCE-FMS; the file is <id>.md."""
    title: Annotated[str, Field(min_length=1)]
    """Printed as the note's heading; may hold placeholders (line notes: {{ line.number }})."""
    usage: Annotated[str, BeforeValidator(_one_line), Field(min_length=1)] | None = None
    """When the note is used, in policy words, for reviewers: what `explain`, the report and
    the studio show beside the rule's decision, e.g. "Every LOA with a line bought from
    contractors (Source Code P or X) ...". The rule decides; this says in words what it is
    meant to decide."""
    versions: list[VersionEntry] = Field(min_length=1)
    """Each version of the text with its effective date and the memo that issued it; with
    more than one, the body holds one `::: version X` block each."""
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
    """When the note applies: a rule expression (see loagen.policy.rules)."""
    used_when: Annotated[str, Field(min_length=1)] | None = None
    """Like `documents`, a condition on the document itself (a rule expression): on a document
    where it is false the note is not used at all, so a note the case carries stays in force
    untouched instead of being deleted, e.g. `not is_modification or case.bpc_system !=
    "bpc_module"` for notes Modifications restate only on case-module BPC programs."""
    carry_over: CarryOver
    """What happens to the note on Amendments and Modifications (see CARRY_OVER)."""
    changed_fields: list[Annotated[str, AfterValidator(_line_field)]] = Field(default_factory=list)
    """For carry_over field_changed: the line fields whose change prints the note again, e.g.
    sole_source.firm."""
    restate_all_lines: bool = False
    """For carry_over lines_added, lines_added_or_increased and field_changed, when the text
    names its lines ("Lines 002 and 003 provide ammunition"): a document that prints the note
    again prints it about every line the rule names, not only the lines it adds or changes, as
    the text printed again replaces the one in force (version_refresh always does). Absent:
    about the lines added or changed only (a text about what this document brings, such as
    the grant EDA to remove within 60 days of its implementation)."""
    refresh_on: list[Literal["Basic", "Amendment", "Modification"]] | None = None
    """The documents on which a case that carries an older version of the note gets the
    version in force on the document's date. Absent: every document for carry_over
    version_refresh; for the other policies none (a note printed again keeps the version the
    case carries)."""
    references: list[str] = Field(default_factory=list)
    """The loanote page, or the SAMM section or memo the rule comes from."""

    @property
    def refreshed_on(self) -> frozenset[str]:
        """The document kinds on which the held version gives way to the current one."""
        if self.refresh_on is not None:
            return frozenset(self.refresh_on)
        if self.carry_over == "version_refresh":
            return frozenset(("Basic", "Amendment", "Modification"))
        return frozenset()

    @property
    def carry_over_means(self) -> str:
        """What the note's carry-over does, in words, with what its other fields change:
        `used_when` (documents where it is false leave the note in force, not restated) and
        `restate_all_lines`."""
        words = CARRY_OVER[self.carry_over]
        if self.restate_all_lines:
            words += "; printed again, it is about every line the rule names"
        if self.used_when:
            words += (
                f"; only on documents where used_when holds ({' '.join(self.used_when.split())})"
                ": on the others a note the case carries stays in force, not restated"
            )
        return words

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
        if self.carry_over == "field_changed" and not self.changed_fields:
            problems.append(
                "carry_over field_changed needs changed_fields: the line fields it watches"
            )
        if self.changed_fields and self.carry_over != "field_changed":
            problems.append("changed_fields is only read with carry_over field_changed")
        if self.restate_all_lines and self.carry_over not in LINE_CARRY:
            problems.append(
                "restate_all_lines is only read with carry_over "
                f"{', '.join(LINE_CARRY[:-1])} or {LINE_CARRY[-1]}"
            )
        if self.refresh_on is not None:
            if len(set(self.refresh_on)) != len(self.refresh_on):
                problems.append("refresh_on lists a value twice")
            if self.carry_over in ("once", "basic_only", "delete_after_implementation"):
                problems.append(
                    f"refresh_on is not read with carry_over {self.carry_over}: the note is "
                    "not printed again on a case that carries it"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self


@dataclass(frozen=True)
class NoteVersion:
    """One version of a note: its label, when it is in force, and its compiled text."""

    version: str
    effective: date
    issued_by: str | None
    until: date | None
    body: str
    """The Markdown body with placeholders, as written."""
    compiled_body: Body = field(repr=False, compare=False)

    def in_force_on(self, day: date) -> bool:
        return self.effective <= day and (self.until is None or day <= self.until)


class Note(FrontMatter):
    """One note of the library: its front matter, its versions, where it came from, and its
    compiled rule and title."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    texts: tuple[NoteVersion, ...] = Field(exclude=True, repr=False)
    """The versions, oldest first."""
    path: Path
    """The note file."""
    sha256: str
    """Hash of the note file's bytes."""
    compiled_rule: Rule = Field(exclude=True, repr=False)
    compiled_used_when: Rule | None = Field(default=None, exclude=True, repr=False)
    compiled_title: Body = Field(exclude=True, repr=False)

    @property
    def rank(self) -> tuple[int, int, int]:
        """Print order: placement, section, order key."""
        return (PLACEMENT_RANK[self.placement], self.section, self.order)

    @property
    def latest(self) -> NoteVersion:
        return self.texts[-1]

    @property
    def version(self) -> str:
        """The newest version's label."""
        return self.texts[-1].version

    @property
    def body(self) -> str:
        """The newest version's text."""
        return self.texts[-1].body

    def version_on(self, day: date | None) -> NoteVersion | None:
        """The version in force on `day` (the newest when `day` is unknown); None before the
        first version took effect or after the last one was withdrawn."""
        if day is None:
            return self.texts[-1]
        for text in reversed(self.texts):
            if text.in_force_on(day):
                return text
        return None

    def text_of(self, version: str) -> NoteVersion | None:
        """The version labelled `version`, if the library still holds it."""
        return next((t for t in self.texts if t.version == version), None)

    def is_older(self, version: str, than: str) -> bool:
        """Whether version `version` comes before version `than` in the library (False when
        the library no longer holds either)."""
        labels = [t.version for t in self.texts]
        return version in labels and than in labels and labels.index(version) < labels.index(than)


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

    def find(self, asked: str, *, source: Path | None = None) -> Note:
        """The note a person names on the command line: its id, in any case ("cas-surcharge").
        Raises NoteError naming the ids that hold what was asked ("CAS"), or the closest id."""
        word = asked.strip().upper()
        note = self._by_id.get(asked) or self._by_id.get(word)
        if note is not None:
            return note
        holding = [i for i in self._by_id if word and word in i]
        if 0 < len(holding) <= 8:
            hint = f" (the ids that hold {word!r}: {', '.join(holding)})"
        else:
            hint = did_you_mean(word, list(self._by_id))
        raise NoteError(f"no note {asked!r} in the library{hint}", source=source)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)


@cache
def _loader() -> type:
    """libyaml's safe loader when PyYAML was built with it (ten times faster), else PyYAML's
    own; a date that names no day (2026-31-01) is read as text, which the front matter's model
    then refuses at its field in words, not with a traceback."""
    # here: note files are read when the library is compiled, not when it comes from the
    # compile cache: a build then imports no PyYAML (its import is 4% of a cold build)
    import yaml

    class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    _Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml_timestamp)
    return _Loader


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
    """Markdown the renderer cannot print: (what, line in the body), once for each thing on a
    line (a line with `<b>` and `</b>` is one problem, at that line).

    A paragraph's inline token knows the line it starts on, not the line of each piece; its
    line breaks do: the line of a piece is the paragraph's first line plus the breaks before
    it."""
    found: dict[tuple[str, int | None], None] = {}
    for token in _MARKDOWN.parse(body):
        line = token.map[0] + 1 if token.map else None
        if token.type not in _ALLOWED_BLOCKS:
            found[(_BLOCK_NAMES.get(token.type, token.type), line)] = None
        at = line
        for child in token.children or ():
            if child.type not in _ALLOWED_INLINE:
                found[(_INLINE_NAMES.get(child.type, child.type), at)] = None
            if child.type in ("softbreak", "hardbreak") and at is not None:
                at += 1
    return list(found)


def _path_words(loc: tuple[Any, ...]) -> str:
    """A field's place as policy staff read it: 'versions (the 2nd).efective'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f" (the {ordinal(part + 1)})"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_of(node: "yaml.Node", loc: tuple[Any, ...], offset: int) -> int | None:
    """The file line of the value at `loc` in the front matter (of the nearest part of it the
    front matter has: a missing field's object)."""
    import yaml  # here: as in `_loader`

    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if str(k.value) == str(part)), None)
            key = next((k for k, _ in node.value if str(k.value) == str(part)), None)
            if found is None or key is None:
                break
            line, node = offset + key.start_mark.line, found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            line = offset + node.start_mark.line
        else:
            break
    return line


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model that holds the field at `loc` (a version entry for `versions.1.efective`)."""
    model: type[BaseModel] = FrontMatter
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field_info = model.model_fields.get(str(part))
        inner = _model_of(field_info.annotation) if field_info else None
        if inner is None:
            break
        model = inner
    return model


def _front_matter_message(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        fields = list(_model_at(tuple(err["loc"])).model_fields)
        return f"unknown field {name!r}{did_you_mean(name, fields)}"
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


def _alias_in(root: "yaml.Node") -> int | None:
    """The line (in the front matter) of a node used twice, which is what an alias makes."""
    import yaml  # here: as in `_loader`

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
    mapping: "yaml.MappingNode", offset: int
) -> tuple[dict[str, int], dict[str, "yaml.Node"], list[tuple[str, int]]]:
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


def _content_line(node: "yaml.Node", offset: int) -> int:
    """First line of a value's text (a block scalar's text starts below its | or >)."""
    import yaml  # here: as in `_loader`

    line = offset + node.start_mark.line
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        line += 1
    return line


def _content_end(node: "yaml.Node", offset: int) -> int:
    """Last line of a value's text (a block scalar ends on the line before the next key)."""
    import yaml  # here: as in `_loader`

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
    import yaml  # here: as in `_loader`

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [NoteError("the note file is not UTF-8 text", source=path)]
    unseen = _unseen_characters(path, text)
    if unseen:
        return None, unseen
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
        node = yaml.compose(front_text, Loader=_loader())
        data = yaml.load(front_text, Loader=_loader())  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if getattr(exc, "context", None) == "while scanning a simple key":
            # YAML notices a field with no ':' only on the next line: the line to fix is the
            # one the field starts on
            mark = getattr(exc, "context_mark", None) or mark
            problem = "a field name without ':' after it (write it as name: value)"
        opened = re.match(
            r"while parsing a flow (sequence|mapping)", getattr(exc, "context", None) or ""
        )
        if opened and getattr(exc, "context_mark", None) is not None:
            # a '[' or '{' not closed: YAML notices it at a later field, the line to fix is
            # the one it opens on
            mark = exc.context_mark
            start, end = ("[", "]") if opened.group(1) == "sequence" else ("{", "}")
            problem = f"the '{start}' on this line is not closed with '{end}' ({problem})"
        problems.add(
            f"front matter is not valid YAML: {problem}", offset + mark.line if mark else None
        )
        return None, problems.items
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        problems.add("the front matter must be named fields (key: value)", offset)
        return None, problems.items
    alias = _alias_in(node)
    if alias is not None:
        problems.add(
            "YAML aliases (*name) are not allowed in front matter: write the value out",
            offset + alias,
        )
        return None, problems.items
    key_lines, value_nodes, twice = _key_lines(node, offset)
    for name, at in twice:
        problems.add(f"field {name!r} is written twice", at)
    try:
        front = FrontMatter.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            where = f"{_path_words(loc)}: " if loc else ""
            line = _line_of(node, loc, offset)
            problems.add(f"{where}{_front_matter_message(err)}", line or offset - 1)
        return None, problems.items
    if path.stem != front.id:
        problems.add(
            f"the file of note {front.id} must be named {front.id}.md", key_lines.get("id")
        )

    # -- versions: dated, none overlapping --
    version_lines = _item_lines(value_nodes.get("versions"), offset, key_lines.get("versions"))
    for message, index in _version_problems(front.versions):
        problems.add(message, version_lines[index] if index < len(version_lines) else None)

    # -- body: one text a version, Markdown the renderer prints, placeholders the model has --
    blocks = _version_blocks(lines, close + 1, front, problems)

    # -- rule, title and each version's body compiled and checked against the model --
    rule_line = _content_line(value_nodes["rule"], offset)
    compiled: dict[str, Any] = {}
    jobs = {
        "compiled_rule": lambda: compile_rule(
            front.rule, source=path, line=rule_line, file_lines=lines,
            end_line=_content_end(value_nodes["rule"], offset),
        ),
        "compiled_title": lambda: compile_body(
            front.title, level=front.level, what="title", source=path,
            line=_content_line(value_nodes["title"], offset), file_lines=lines,
        ),
    }  # fmt: skip
    if front.used_when is not None:
        used_line = _content_line(value_nodes["used_when"], offset)
        jobs["compiled_used_when"] = lambda: compile_rule(
            front.used_when, source=path, line=used_line, file_lines=lines, what="used_when",
            end_line=_content_end(value_nodes["used_when"], offset),
        )  # fmt: skip
    for name, job in jobs.items():
        try:
            compiled[name] = job()
        except NoteError as exc:
            problems.items.append(exc)
    texts = []
    for entry in sorted(front.versions, key=lambda v: v.effective):
        block = blocks.get(entry.version)
        if block is None:
            continue
        body, body_line = block
        if not body:
            problems.add(f"version {entry.version} has no text", body_line)
            continue
        for what, at in _markdown_problems(body):
            problems.add(
                f"the body uses {what}, which the renderer does not print",
                body_line + at - 1 if at else None,
            )
        try:
            compiled_body = compile_body(
                body, level=front.level, source=path, line=body_line, file_lines=lines
            )
        except NoteError as exc:
            problems.items.append(exc)
            continue
        texts.append(
            NoteVersion(
                entry.version, entry.effective, entry.issued_by, entry.until, body, compiled_body
            )
        )
    rule = compiled.get("compiled_rule")
    if rule is not None and not rule.names_lines:
        if front.carry_over in LINE_CARRY:
            problems.add(
                f"carry_over {front.carry_over} needs a rule that names lines "
                "(lines_with, lines_with_item ...)",
                key_lines.get("carry_over"),
            )
        if front.level == "line":
            problems.add("a line note needs a rule that names lines (lines_with ...)", rule_line)
    if len(compiled) < len(jobs) or len(texts) < len(front.versions):
        return None, problems.items
    note = Note(
        **front.model_dump(),
        texts=tuple(texts),
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        **compiled,
    )
    return note, problems.items  # with problems, the note still counts for duplicate checks


_BLOCK_OPEN = re.compile(r"^:::\s*version\s+(\S+)\s*$")
_BLOCK_CLOSE = re.compile(r"^:::\s*$")


_UNSEEN = re.compile(f"[{UNSEEN}]")


def _unseen_characters(path: Path, text: str) -> list[NoteError]:
    """A problem for each line of `text` holding a character the case model refuses in text
    too (`case.model.UNSEEN`): a control character other than tab and line breaks, which
    prints as a box or not at all, or a bidirectional control character, which shows text in
    another order than it is written. Lines are counted as an editor counts them (Python's
    `splitlines` would also break at some of these characters)."""
    problems = []
    for n, line in enumerate(text.split("\n"), 1):
        found = _UNSEEN.search(line)
        if found is None:
            continue
        char = found.group()
        code = f"U+{ord(char):04X}"
        bidi = "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069"
        what = "a bidirectional control character" if bidi else "a control character"
        problems.append(
            NoteError(
                f"the line holds {what} ({code}) at column {found.start() + 1}, which does "
                "not print as it is typed; delete it (retype the line if you cannot see it)",
                source=path,
                location=f"line {n}",
                source_line=_UNSEEN.sub(lambda m: f"<U+{ord(m.group()):04X}>", line),
            )
        )
    return problems


def _version_blocks(
    lines: list[str], start: int, front: FrontMatter, problems: _FileProblems
) -> dict[str, tuple[str, int]]:
    """Each version's text and the file line it starts on. One version: the whole body (a
    `::: version` block is optional). Several: one `::: version X` ... `:::` block each."""
    wanted = [v.version for v in front.versions]
    found: dict[str, tuple[str, int]] = {}
    rest = lines[start:]
    if not any(_BLOCK_OPEN.match(ln) for ln in rest):
        if len(wanted) > 1:
            problems.add(
                f"{len(wanted)} versions are listed, so the body needs a '::: version X' block "
                "for each (ending with ':::')",
                start + 1,
            )
            return found
        blank = next((i for i, ln in enumerate(rest) if ln.strip()), len(rest))
        body = "\n".join(rest[blank:]).rstrip()
        if not body:
            problems.add("the note has no body text", start)
        found[wanted[0]] = (body, start + 1 + blank)
        return found
    current: str | None = None
    text: list[str] = []
    first = 0
    for n, raw in enumerate(rest, start + 1):
        opened = _BLOCK_OPEN.match(raw)
        if current is None:
            if opened:
                current, text, first = _block_label(opened.group(1), wanted), [], n + 1
                if current in found:
                    problems.add(f"version {current} has two blocks", n)
                elif current not in wanted:
                    problems.add(
                        f"block of version {current}, which the front matter does not list"
                        + did_you_mean(current, wanted),
                        n,
                    )
            elif raw.strip():
                problems.add("text outside a '::: version X' block", n)
        elif _BLOCK_CLOSE.match(raw):
            _keep_block(found, current, text, first)
            current = None
        elif opened:
            problems.add(
                f"version {current}'s block is not closed: type ':::' on a line of its own "
                f"before this '::: version {opened.group(1)}'",
                n,
            )
            _keep_block(found, current, text, first)  # its text is there: said once, above
            current, text, first = _block_label(opened.group(1), wanted), [], n + 1
        else:
            text.append(raw)
    if current is not None:
        problems.add(
            f"version {current}'s block is not closed: type ':::' on a line of its own at its end",
            len(lines),
        )
        _keep_block(found, current, text, first)
    for version in wanted:
        if version not in found and not _curly(version):  # (a curly label is said once)
            problems.add(f"version {version} has no '::: version {version}' block", start)
    return {k: v for k, v in found.items() if k in wanted}


_CURLY = "\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"
"""Quotation marks a word processor types for straight ones: not YAML's quotes."""


def _curly(label: str) -> bool:
    """A version label written with curly quotes (`“2”`): YAML keeps them in the label."""
    return any(c in _CURLY for c in label)


def _block_label(label: str, wanted: list[str]) -> str:
    """The version a `::: version X` block is for: `X`, or the label listed as `“X”`."""
    if label in wanted:
        return label
    return next((w for w in wanted if _curly(w) and w.strip(_CURLY) == label), label)


def _keep_block(
    found: dict[str, tuple[str, int]], version: str, text: list[str], first: int
) -> None:
    """Keep a block's text (and the file line it starts on) as version `version`'s."""
    lead = next((i for i, ln in enumerate(text) if ln.strip()), len(text))
    found.setdefault(version, ("\n".join(text).strip("\n").rstrip(), first + lead))


def _version_problems(versions: list[VersionEntry]) -> list[tuple[str, int]]:
    """Versions listed twice, withdrawn before they start, listed out of date order (a newer
    version dated before an older one: a typo of its year, most often), or in force at the same
    time."""
    out = []
    seen: dict[str, int] = {}
    for i, v in enumerate(versions):
        if _curly(v.version):
            plain = v.version.strip(_CURLY)
            out.append(
                (
                    f"version {v.version} is written with curly quotes, which YAML keeps as part "
                    f'of the version: write straight quotes, "{plain}" (a word processor or '
                    "e-mail turns them curly: type the file in a text editor)",
                    i,
                )
            )
        if v.version in seen:
            out.append((f"version {v.version} is listed twice", i))
        seen.setdefault(v.version, i)
        if v.until is not None and v.until < v.effective:
            out.append(
                (f"version {v.version} ends ({v.until}) before it starts ({v.effective})", i)
            )
    for i, (before, after) in enumerate(zip(versions, versions[1:], strict=False), start=1):
        if after.effective < before.effective:
            out.append(
                (f"version {after.version} (from {after.effective}) is listed after version "
                 f"{before.version} (from {before.effective}) but takes effect before it: list "
                 "the versions oldest first, or correct the date if it is a typo", i)
            )  # fmt: skip
    order = sorted(range(len(versions)), key=lambda i: versions[i].effective)
    for a, b in zip(order, order[1:], strict=False):
        va, vb = versions[a], versions[b]
        if va.effective == vb.effective:
            out.append(
                (f"versions {va.version} and {vb.version} take effect on the same day "
                 f"({va.effective}): which one is in force?", b)
            )  # fmt: skip
        elif va.until is not None and va.until >= vb.effective:
            out.append(
                (f"version {va.version} (until {va.until}) overlaps version {vb.version}, "
                 f"in force from {vb.effective}", a)
            )  # fmt: skip
    return out


def _item_lines(node: Any, offset: int, fallback: int | None) -> list[int | None]:
    """The file line of each item of a front matter list."""
    import yaml  # here: as in `_loader`

    if isinstance(node, yaml.SequenceNode):
        return [offset + item.start_mark.line for item in node.value]
    return [fallback]


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
    unloaded: set[str] = set()  # the ids (file names) of the notes that did not load
    for path, raw in files:
        note, problems = _read(path, raw)
        if note is not None:
            notes.append(note)
        else:
            unloaded.add(path.stem)
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
    for note in notes:
        for named in _IN_FORCE_CALL.findall(note.rule):
            for note_id in re.findall(r'"([^"]*)"|\'([^\']*)\'', named):
                wanted = note_id[0] or note_id[1]
                # a note that did not load has its own problem listed: naming it is no mistake
                if wanted not in seen_ids and wanted not in unloaded:
                    errors.append(
                        NoteError(
                            f"rule: in_force names {wanted}, which is not a note of the library"
                            f"{did_you_mean(wanted, list(seen_ids))}",
                            source=note.path,
                        )
                    )
    _raise_all(errors, "the note library", folder)
    notes.sort(key=lambda n: n.rank)
    return NoteLibrary(folder, tuple(notes), _digest(files))


# -- notes that read other notes -------------------------------------------------------------------

_IN_FORCE_ARGUMENTS = re.compile(r"\bin_force\s*\(([^)]*)\)")
_QUOTED_ID = re.compile(r"[\"']([A-Z0-9][A-Z0-9-]*)[\"']")


_NAMED: dict[tuple[str, str], frozenset[str]] = {}
"""`named_notes` of each note file read (by id and the file's sha256): a batch asks it of every
note for every document whose library changed."""


def named_notes(note: Note) -> frozenset[str]:
    """The notes whose place on the case `note` reads: the ids of the `in_force("ID")` calls
    of its rule, used_when, title or texts."""
    key = (note.id, note.sha256)
    found = _NAMED.get(key)
    if found is None:
        texts = [note.rule, note.used_when or "", note.title, *(t.body for t in note.texts)]
        found = frozenset(
            note_id
            for text in texts
            for call in _IN_FORCE_ARGUMENTS.findall(text)
            for note_id in _QUOTED_ID.findall(call)
        )
        if len(_NAMED) >= 4096:
            _NAMED.clear()
        _NAMED[key] = found
    return found


def readers_of(changed: Iterable[str], *libraries: Iterable[Note]) -> set[str]:
    """`changed` (note ids) and every note of `libraries` that reads one of them through
    `in_force`, through any chain of such reads: the notes whose decision or text may change
    when the notes `changed` change, though their own files did not. A note counts as reading
    what it reads in any of `libraries` (an edit compared with the version before it: both)."""
    names: dict[str, set[str]] = {}
    for notes in libraries:
        for note in notes:
            names.setdefault(note.id, set()).update(named_notes(note))
    found = set(changed)
    grew = True
    while grew:
        grew = False
        for note_id, named in names.items():
            if note_id not in found and named & found:
                found.add(note_id)
                grew = True
    return found
