"""The LOA package checklist: the supporting documents a document's CTS LOA package must hold.

SAMM Appendix 9, Table AP9.T4 names, topic by topic, documents that go in the Case Tracking
System (CTS) LOA package with an LOA, Amendment or Modification: the EDA approval notification,
the NSA release for COMSEC, the approvals for GPS PPS and MTCR articles, the DSCA memorandum for
man-portable night vision devices, NC recoupment waivers, the SDAF worksheets, the Manpower
Travel Data Sheets, the sole source request, and more. The requirements are data, in
`reference/package.yaml`: each entry says when it applies with a rule of the note library's rule
language (checked against the case model when the table loads, like note rules), which lines
need the document again on an Amendment or Modification (`when`), and how a document at hand is
recognised. This module reads the table and applies it to one document:

- `checklist(document, selection)` gives a `Checklist`: every document required (kind, plain
  name, why, SAMM reference, at hand or missing), the entries that apply but were supplied with
  an earlier document, and the case file's `package` entries nothing here asks for;
- a document is at hand when the case file's optional `package` list holds an entry of its kind
  that covers it (same reference, date or lines, as the entry's `match` says).

The selection matters only for entries with `notes`: a printed note that cites every line of the
rule (the NC waiver note cites every waiver) makes the document needed for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..case.model import Case, Line, PackageDocument
from ..document.assembly import LoaDocument, assemble
from ..document.wording import line_refs, spell_date
from ..errors import LoagenError, Problem, RuleError, did_you_mean
from ..reference.policy_tables import parse, table_text
from .in_force import NONE
from .rules import Rule, compile_rule, decide, document_names
from .selection import Selection

if TYPE_CHECKING:
    import yaml

Severity = Literal["error", "warning"]
When = Literal["every", "added", "added_or_increased", "scope", "touched", "changed"]
Match = Literal["reference", "date", "lines"]
DocumentKind = Literal["Basic", "Amendment", "Modification"]

# -- the table ------------------------------------------------------------------------------------


class _Row(BaseModel):
    """One entry of package.yaml as policy staff write it."""

    # built when first used: only a case file that keeps a package list reads the checklist
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    name: str = Field(min_length=1)
    reference: str = Field(min_length=1)
    severity: Severity
    rule: str = Field(min_length=1)
    why: str = Field(min_length=1)
    when: When
    changed_fields: list[str] = Field(default_factory=list)
    per: str | None = None
    per_label: str | None = None
    match: Match | None = None
    notes: list[str] = Field(default_factory=list)
    documents: list[DocumentKind] = Field(
        default_factory=lambda: ["Basic", "Amendment", "Modification"], min_length=1
    )
    confidence: Literal["H", "M", "L"]


@dataclass(frozen=True)
class Entry:
    """One document of the checklist, its rule compiled."""

    id: str
    name: str
    reference: str
    severity: Severity
    rule: Rule = field(repr=False)
    why: str
    when: When
    changed_fields: tuple[str, ...]
    per: str | None
    per_label: str | None
    """How the why names a `per` value ('waiver' -> 'waiver I-24/004512')."""
    match: Match | None
    notes: tuple[str, ...]
    documents: tuple[str, ...]
    confidence: str
    line: int
    """Where the entry starts in package.yaml."""

    @property
    def names_lines(self) -> bool:
        return self.rule.names_lines


def _model_path(root: type[BaseModel], path: str) -> str | None:
    """Why `path` (dotted field names) is not a path of model `root`, or None when it is."""
    shape: Any = root
    for part in path.split("."):
        fields = getattr(shape, "model_fields", None)
        if not fields or part not in fields:
            here = getattr(shape, "__name__", "the value")
            return f"{here} has no field {part!r}{did_you_mean(part, list(fields or ()))}"
        shape = _inner_model(fields[part].annotation)
    return None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _entry_nodes(root: yaml.Node | None) -> list[yaml.Node]:
    """The node of each item of `documents:` (for the lines they start on)."""
    # here: the checklist is read for a case file that keeps a package list; a build of one
    # that does not imports no PyYAML (its import is 4% of a cold one-document build)
    import yaml

    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "documents" and isinstance(value, yaml.SequenceNode):
                return list(value.value)
    return []


def _rule_line(item: yaml.Node | None, fallback: int) -> tuple[int, int]:
    """First and last line of an entry's `rule` text (a block scalar starts below its >-)."""
    import yaml  # here: as in `_entry_nodes`

    if isinstance(item, yaml.MappingNode):
        for key, value in item.value:
            if key.value == "rule":
                start, end = value.start_mark.line + 1, value.end_mark.line + 1
                if isinstance(value, yaml.ScalarNode) and value.style in ("|", ">"):
                    start += 1
                    end -= 1
                return start, max(start, end)
    return fallback, fallback


def _check_row(row: _Row) -> list[str]:
    """What is wrong with an entry beyond its shape, in plain words."""
    problems = []
    for what, path in [("changed_fields", p) for p in row.changed_fields] + [("per", row.per)]:
        if path is None or (what == "per" and path == "number"):
            continue
        if _model_path(Line, path) and _model_path(Case, path):
            problems.append(f"{what} {path!r}: {_model_path(Line, path)} (nor a case field)")
    if row.per is None and row.match not in (None, "lines"):
        problems.append(f"match {row.match} needs `per`: the field whose value it matches")
    if row.per is not None and row.match is None:
        problems.append("per needs `match`: reference, date or lines")
    if len(set(row.documents)) != len(row.documents):
        problems.append("documents lists a value twice")
    return problems


def _read_table(path: Path, text: str) -> tuple[Entry, ...]:
    data, root = parse(path, text)
    rows = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise LoagenError("the checklist table needs a 'documents' list", source=path)
    items = _entry_nodes(root)
    file_lines = text.splitlines()
    problems: list[Problem] = []
    entries: list[Entry] = []
    seen: set[str] = set()
    for i, raw in enumerate(rows):
        at = items[i].start_mark.line + 1 if i < len(items) else 0
        where = f"line {at}" if at else f"documents[{i}]"
        try:
            row = _Row.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = ".".join(str(p) for p in err["loc"])
                problems.append(Problem(path, where, f"{loc}: {err['msg']}" if loc else err["msg"]))
            continue
        if row.id in seen:
            problems.append(Problem(path, where, f"id {row.id} is written twice"))
        seen.add(row.id)
        problems.extend(Problem(path, where, f"{row.id}: {p}") for p in _check_row(row))
        start, end = _rule_line(items[i] if i < len(items) else None, at)
        try:
            rule = compile_rule(
                row.rule, source=path, line=start, end_line=end, file_lines=file_lines
            )
        except RuleError as exc:
            problems.append(Problem(path, exc.location, f"{row.id}: {exc.message}"))
            continue
        if row.per is not None and row.per != "number":
            on_line = _model_path(Line, row.per) is None
            if on_line != rule.names_lines:
                problems.append(
                    Problem(
                        path,
                        where,
                        f"{row.id}: per {row.per!r} is a "
                        f"{'line' if on_line else 'case'} field but the rule "
                        f"{'names no lines' if on_line else 'names lines'}",
                    )
                )
        if row.when == "changed" and rule.names_lines:
            problems.append(
                Problem(path, where, f"{row.id}: when changed is for rules that name no lines")
            )
        if row.when in ("added", "added_or_increased", "scope", "touched") and not (
            rule.names_lines
        ):
            problems.append(
                Problem(
                    path,
                    where,
                    f"{row.id}: when {row.when} needs a rule that names lines (lines_with ...)",
                )
            )
        entries.append(
            Entry(
                row.id, row.name, row.reference, row.severity, rule, row.why, row.when,
                tuple(row.changed_fields), row.per, row.per_label, row.match, tuple(row.notes),
                tuple(row.documents), row.confidence, at,
            )
        )  # fmt: skip
    if problems:
        if len(problems) == 1:
            p = problems[0]
            raise LoagenError(p.message, source=path, location=p.location)
        raise LoagenError(
            f"{path}: {len(problems)} problems in the checklist table",
            source=path,
            problems=tuple(problems),
        )
    return tuple(entries)


@cache
def load_checklist() -> tuple[Entry, ...]:
    """The checklist table (reference/package.yaml), checked and compiled (once a process)."""
    path, text = table_text("package")
    return _read_table(path, text)


def entry(kind: str) -> Entry:
    """The checklist entry `kind`."""
    for e in load_checklist():
        if e.id == kind:
            return e
    raise KeyError(kind)


# -- one document's checklist ----------------------------------------------------------------------

Status = Literal["at hand", "missing"]


@dataclass(frozen=True)
class Requirement:
    """One supporting document a document needs in its LOA package."""

    kind: str
    """The checklist id, e.g. COMSEC-NSA-RELEASE."""
    name: str
    """The document in plain words."""
    why: str
    """The lines or fields that call for it, e.g. 'Line 003 carries COMSEC equipment ...'."""
    reference: str
    """The SAMM reference."""
    severity: Severity
    """What a missing one is when the case file keeps a package list."""
    lines: tuple[str, ...] = ()
    """The lines that call for it (none for a case-level requirement)."""
    key: str = ""
    """The value it is required for (a waiver reference, a request date, a line), or ''."""
    at_hand: tuple[int, ...] = ()
    """Indexes of the case file's `package` entries that hold it."""
    path: str = ""
    """Where a finding about it points: the first line's JSON path, or 'package'."""

    @property
    def status(self) -> Status:
        return "at hand" if self.at_hand else "missing"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "why": self.why,
            "reference": self.reference,
            "severity": self.severity,
            "lines": list(self.lines),
            "key": self.key,
            "status": self.status,
            "at_hand": list(self.at_hand),
        }


@dataclass(frozen=True)
class Checklist:
    """The LOA package checklist of one document."""

    document: LoaDocument = field(repr=False)
    required: tuple[Requirement, ...]
    """Every document this document's package needs, in table order."""
    earlier: tuple[Requirement, ...] = ()
    """Entries that apply to the case but were needed with an earlier document only (on an
    Amendment or Modification that adds or changes nothing they ask for: their lines may still
    change otherwise, e.g. in quantity, which their `why` then says)."""
    extra: tuple[int, ...] = ()
    """Indexes of `package` entries that no requirement of this document uses."""
    notices: tuple[tuple[str, str], ...] = ()
    """(JSON path, message): package entries that name lines the document does not have."""

    @property
    def tracked(self) -> bool:
        """The case file keeps a `package` list (even an empty one)."""
        return self.document.case.package is not None

    @property
    def missing(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.required if r.status == "missing")

    def to_dict(self) -> dict[str, Any]:
        package = self.document.case.package or []
        return {
            "case_id": self.document.case.case_id,
            "document": self.document.title,
            "tracked": self.tracked,
            "required": [r.to_dict() for r in self.required],
            "missing": len(self.missing),
            "earlier": [
                {k: v for k, v in r.to_dict().items() if k not in ("status", "at_hand")}
                for r in self.earlier
            ],
            "extra": [
                {"index": i, **package[i].model_dump(mode="json", exclude_none=True)}
                for i in self.extra
            ],
            "notices": [{"path": p, "message": m} for p, m in self.notices],
        }


# -- applying one entry ------------------------------------------------------------------------


def _values(item: Any, path: str) -> list[Any]:
    """The values at dotted `path` under `item`, a list flattened; None left out."""
    current = [item]
    for part in path.split("."):
        nxt = []
        for value in current:
            value = getattr(value, part, None)
            if isinstance(value, (list, tuple)):
                nxt.extend(value)
            elif value is not None:
                nxt.append(value)
        current = nxt
    return current


def _key(value: Any) -> str:
    """A `per` value as `Requirement.key` holds it (dates as YYYY-MM-DD)."""
    return value.isoformat() if isinstance(value, date) else str(value)


def _key_words(e: Entry, value: Any) -> str:
    """'; waiver I-24/004512', '; request dated 14 February 2024' ('' for a line number)."""
    if value is None or e.per in (None, "number"):
        return ""
    shown = spell_date(value) if isinstance(value, date) else str(value)
    return f"; {e.per_label or e.per} {shown}"


def _simple(text: str) -> str:
    """A reference without case, spaces or punctuation ('I-24/004512' = 'i24 004512')."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


class _Facts:
    """What one document's checklist reads, worked out once: the names the rules see, and the
    previous document's (assembled only when an entry needs it)."""

    def __init__(self, document: LoaDocument, selection: Selection | None) -> None:
        self.document = document
        self.selection = selection
        self.names = document_names(document, selection.before if selection else NONE)
        self._previous: dict[str, Any] | None = None

    @property
    def previous_names(self) -> dict[str, Any] | None:
        if self.document.previous is None:
            return None
        if self._previous is None:
            self._previous = document_names(assemble(self.document.files[:-1]))
        return self._previous

    def printed(self, note_id: str) -> bool:
        """Whether the document prints note `note_id` (False without a selection)."""
        if self.selection is None:
            return False
        decision = self.selection.decision(note_id)
        return decision is not None and decision.status == "printed"


def _field_changed(old: Any, new: Any, path: str) -> bool:
    return _values(old, path) != _values(new, path)


def _line_reasons(e: Entry, facts: _Facts, named: tuple[str, ...]) -> dict[str, str]:
    """The named lines this document needs the document for, each with its reason ('' on a
    Basic or for `every`); deleted lines the rule named on the previous document count for
    `touched`."""
    document = facts.document
    if not document.changes.has_previous or e.when == "every":
        return {n: "" for n in named}
    earlier: tuple[str, ...] | None = None

    def before() -> tuple[str, ...]:
        """The lines the rule named on the previous document: decided when first needed (a
        document whose named lines did not change needs it only for `touched`)."""
        nonlocal earlier
        if earlier is None:
            names = facts.previous_names
            earlier = decide(e.rule, names).lines if names else ()
        return earlier

    reasons: dict[str, str] = {}
    for number in named:
        change = document.changes.for_line(number)
        if change is None:
            continue
        why = ""
        if change.added:
            why = "added"
        elif number not in before():
            why = "newly carries it"
        else:
            changed = [
                f for f in e.changed_fields if _field_changed(change.previous, change.revised, f)
            ]
            if changed:
                why = f"{', '.join(changed)} changed"
            elif e.when == "added_or_increased" and (change.quantity_up or change.value_up):
                why = ", ".join(w for w in change.summary if w in ("quantity up", "value up"))
            elif e.when == "scope" and change.scope_change:
                why = ", ".join(change.scope_reasons)
            elif e.when == "touched" and change.changed:
                why = ", ".join(change.summary)
        if why:
            reasons[number] = why
    if e.when == "touched":
        for number in before():
            change = document.changes.for_line(number)
            if change is not None and change.deleted:
                reasons[number] = "deleted"
    return reasons


def _line_requirements(e: Entry, facts: _Facts, named: tuple[str, ...]) -> tuple[list, list]:
    """(required, earlier) for an entry whose rule names lines."""
    reasons = _line_reasons(e, facts, named)
    for note_id in e.notes:
        if facts.printed(note_id):
            for number in named:
                reasons.setdefault(number, f"the {note_id} note printed on this document cites it")
    document = facts.document
    lines = {ln.number: ln for ln in document.case.lines}
    if document.previous is not None:
        for ln in document.previous.lines:
            lines.setdefault(ln.number, ln)
    needed = [n for n in named if n in reasons] + [n for n in reasons if n not in named]
    rest = [n for n in named if n not in reasons]
    # A line of `rest` may have changed in a way the entry does not ask for (more quantity for
    # a sole source request, C6.3.4.2): said, so that "not again" is not read as "unchanged".
    other: dict[str, str] = {}
    for number in rest:
        change = document.changes.for_line(number)
        if change is not None and change.changed:
            other[number] = f"{', '.join(change.summary)}, which does not call for it again"
    return _grouped(e, facts, needed, lines, reasons), _grouped(e, facts, rest, lines, other)


def _grouped(
    e: Entry, facts: _Facts, numbers: list[str], lines: dict[str, Line], reasons: dict[str, str]
) -> list[Requirement]:
    """One requirement per `per` value of the lines (one in all without `per`)."""
    if not numbers:
        return []
    groups: dict[Any, list[str]] = {}
    for number in numbers:
        if e.per is None:
            keys: list[Any] = [None]
        elif e.per == "number":
            keys = [number]
        else:
            keys = _values(lines[number], e.per) or [None]
        for key in keys:
            groups.setdefault(key, []).append(number)
    out = []
    for key, members in groups.items():
        out.append(_requirement(e, facts, tuple(members), key, reasons))
    return out


def _requirement(
    e: Entry,
    facts: _Facts,
    members: tuple[str, ...],
    key: Any,
    reasons: dict[str, str],
) -> Requirement:
    refs = line_refs(members)
    verb = "carries" if len(members) == 1 else "carry"
    why = f"{refs} {verb} {e.why}{_key_words(e, key)}"
    changes = [f"{line_refs([n])} {reasons[n]}" for n in members if reasons.get(n)]
    if changes:
        why += f"; this {facts.document.kind}: " + "; ".join(changes)
    path = next(
        (f"lines[{i}]" for i, ln in enumerate(facts.document.case.lines) if ln.number in members),
        "package",
    )
    return Requirement(
        e.id, e.name, why, e.reference, e.severity, members,
        "" if key is None else _key(key), path=path,
    )  # fmt: skip


def _case_requirements(e: Entry, facts: _Facts) -> tuple[list, list]:
    """(required, earlier) for an entry whose rule names no lines."""
    document = facts.document
    case = document.case
    keys: list[Any] = _values(case, e.per) if e.per else [None]
    keys = keys or [None]
    new = set(range(len(keys)))
    reason = ""
    if document.changes.has_previous and e.when == "changed":
        previous = document.previous
        held = facts.previous_names is not None and decide(e.rule, facts.previous_names).value
        if held:
            old = set(_values(previous, e.per)) if e.per else {None}
            changed = any(_field_changed(previous, case, f) for f in e.changed_fields)
            new = {i for i, k in enumerate(keys) if k not in old or changed}
            reason = f"{'changed' if changed else 'new'} on this {document.kind}"
        else:
            reason = f"new on this {document.kind}"
    required, earlier = [], []
    for i, key in enumerate(keys):
        why = e.why[:1].upper() + e.why[1:] + _key_words(e, key)
        if i in new and reason:
            why += f"; {reason}"
        req = Requirement(
            e.id, e.name, why, e.reference, e.severity, (),
            "" if key is None else _key(key), path="package",
        )  # fmt: skip
        (required if i in new else earlier).append(req)
    return required, earlier


def _at_hand(req: Requirement, e: Entry, package: list[PackageDocument]) -> tuple[int, ...]:
    """The package entries that hold `req`."""
    found = []
    covered: set[str] = set()
    for i, doc in enumerate(package):
        if doc.kind != req.kind:
            continue
        if e.match == "reference" and _simple(doc.reference) != _simple(req.key):
            continue
        if e.match == "date" and doc.date.isoformat() != req.key:
            continue
        if e.match == "lines":
            if doc.lines is None or req.key in doc.lines:
                found.append(i)
            continue
        if doc.lines is None:
            covered.update(req.lines)
        else:
            covered.update(set(doc.lines) & set(req.lines))
        found.append(i)
    if e.match != "lines" and req.lines and not set(req.lines) <= covered:
        return ()
    return tuple(found)


def checklist(document: LoaDocument, selection: Selection | None = None) -> Checklist:
    """The LOA package checklist of `document` (with the notes of `selection`, when given)."""
    facts = _Facts(document, selection)
    package = list(document.case.package or [])
    required: list[Requirement] = []
    earlier: list[Requirement] = []
    for e in load_checklist():
        if document.kind not in e.documents:
            continue
        outcome = decide(e.rule, facts.names)
        if not outcome.value:
            continue
        if e.names_lines:
            now, before = _line_requirements(e, facts, outcome.lines)
        else:
            now, before = _case_requirements(e, facts)
        for req in now:
            required.append(_with_hand(req, e, package))
        earlier.extend(before)
    used = {i for r in required for i in r.at_hand}
    numbers = {ln.number for ln in document.case.lines}
    notices = []
    for i, doc in enumerate(package):
        for number in doc.lines or ():
            if number not in numbers:
                notices.append(
                    (
                        f"package[{i}].lines",
                        f"the package entry {doc.kind} ({doc.reference}) names Line {number}, "
                        f"which is not on this {document.kind}",
                    )
                )
    extra = tuple(i for i in range(len(package)) if i not in used)
    return Checklist(document, tuple(required), tuple(earlier), extra, tuple(notices))


def _with_hand(req: Requirement, e: Entry, package: list[PackageDocument]) -> Requirement:
    hand = _at_hand(req, e, package)
    if not hand:
        return req
    return Requirement(
        req.kind, req.name, req.why, req.reference, req.severity, req.lines, req.key, hand,
        req.path,
    )  # fmt: skip


_last: tuple[Any, ...] = ()


def checklist_for(document: LoaDocument, selection: Selection | None) -> Checklist:
    """`checklist`, worked out once for the document the checks are running on (the rules of
    `checks` read it several times)."""
    global _last
    last = _last  # one read: another thread may replace it
    if last and last[0] is document and last[1] is selection:
        return last[2]
    result = checklist(document, selection)
    _last = (document, selection, result)
    return result


def nc_masl_mismatches(document: LoaDocument) -> Iterable[tuple[str, str]]:
    """(JSON path, message) for each NC waiver whose MASL is not its line's (SAMM AP9.T4:
    the MASL on the NC recoupment charge waiver must match the LOA)."""
    for i, ln in enumerate(document.case.lines):
        nc = ln.nonrecurring_cost
        waiver = nc.waiver if nc is not None else None
        if waiver is None or waiver.masl is None:
            continue
        if _simple(waiver.masl) != _simple(ln.masl):
            yield (
                f"lines[{i}].nonrecurring_cost.waiver.masl",
                f"Line {ln.number} has MASL {ln.masl} but its NC recoupment waiver "
                f"({waiver.reference}) names MASL {waiver.masl}: the waiver must name the "
                "line's MASL",
            )
