"""Selected notes: which notes of the library a document carries, in print order, and why.

`select_notes` decides, for every note of the library, in this order:

1. the note is for the case's program (`programs`: FMS, BPC) and may appear on this kind of
   document (`documents`: Basic, Amendment, Modification);
2. its rule is true (see `rules`), and names the lines the note is about;
3. on an Amendment or Modification, its carry-over policy (SAMM AP9.T2: notes of earlier
   documents are not restated unless the note's policy says so; DSCA 07-45):

   - `always`: restated on every Amendment and Modification while the rule holds (administrative
     surcharge, accessorial charges, CAS while P or X lines exist, CLSSA purpose, BPC fund source,
     line item descriptions of the lines on the document ...);
   - `when_added`: only when a line the rule names is added by this document; the note then
     names only those lines (a new sole source line, new ammunition ...);
   - `when_touched`: only when a line the rule names is added or changed by this document; the
     note names only those lines;
   - `delete_after_implementation`: carried until the case is implemented, deleted from the first
     Amendment or Modification after implementation (the administrative surcharge rate change);
   - `basic_only`: printed on the Basic only.

   A Basic carries every note whose rule holds: carry-over does not apply, and a restated Basic
   (one re-offered after an earlier offer) therefore carries all its notes again. A restated
   Amendment or Modification carries what the same document would carry unrestated, compared
   with the document it changes; the restated-document note says what it supersedes.

Line notes (level `line`) give one `SelectedNote` per line. Placeholders of the body and title are
filled by a sandboxed render in which case values are data (never templates) and case text has
its Markdown characters escaped. Selection reads no file: it is pure and fast, for `loagen
impact` over many cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from ..document.assembly import LoaDocument
from ..document.wording import join_words, line_refs, spell_date
from ..errors import NoteError
from .notes import Note, NoteLibrary
from .rules import (
    LOOP_GUARD,
    LimitError,
    LineSet,
    Term,
    decide,
    document_names,
    explain,
    loop_guard,
)

# Where a selected note is printed:
#   "notes"             the notes section, in the order of loa-facts 1.6 (section 1..5, then order key)
#   "payment_schedule"  directly under the payment schedule (e.g. the RAPS note)
#   "line"              in the description column of each line in `lines`
Placement = Literal["notes", "payment_schedule", "line"]


@dataclass(frozen=True)
class SelectedNote:
    """One note as it is printed on this document, placeholders already filled."""

    id: str
    title: str
    version: str
    placement: Placement
    body: str
    """Markdown with every placeholder filled (paragraphs, **bold**, *italic*, - and 1. lists)."""
    lines: tuple[str, ...] = ()
    """The lines the note is about, or is attached to when placement is "line"."""
    sha256: str = ""
    """Hash of the note file (for manifests and incremental builds)."""


@dataclass(frozen=True)
class Decision:
    """Why one library note is in or out of this document."""

    note_id: str
    included: bool
    reason: str
    rule: str = ""
    terms: tuple[Term, ...] = ()
    lines: tuple[str, ...] = ()
    title: str = ""
    carry_over: str = ""


@dataclass(frozen=True)
class Selection:
    notes: tuple[SelectedNote, ...] = ()
    decisions: tuple[Decision, ...] = field(default=())

    def placed(self, placement: Placement) -> tuple[SelectedNote, ...]:
        return tuple(n for n in self.notes if n.placement == placement)

    @cached_property
    def _by_line(self) -> dict[str, tuple[SelectedNote, ...]]:
        index: dict[str, list[SelectedNote]] = {}
        for n in self.notes:
            if n.placement == "line":
                for number in n.lines:
                    index.setdefault(number, []).append(n)
        return {k: tuple(v) for k, v in index.items()}

    @cached_property
    def _by_id(self) -> dict[str, Decision]:
        return {d.note_id: d for d in self.decisions}

    def for_line(self, number: str) -> tuple[SelectedNote, ...]:
        """The line notes printed in line `number`'s description cell."""
        return self._by_line.get(number, ())

    def decision(self, note_id: str) -> Decision | None:
        return self._by_id.get(note_id)

    @property
    def included_ids(self) -> tuple[str, ...]:
        """Ids of the notes this document carries, each once, in library order."""
        return tuple(d.note_id for d in self.decisions if d.included)


# -- selection --------------------------------------------------------------------------------------

_PLACEMENT_RANK = {"line": 0, "payment_schedule": 1, "notes": 2}


def _false_parts(terms: tuple[Term, ...]) -> str:
    parts = []
    for term in terms:
        if not term.evaluated or term.value:
            continue
        parts.append(
            f"{term.text} names no line" if term.names_lines else f"{term.text} is {term.shown}"
        )
    return "; ".join(parts[:3]) if parts else "its value is false"


def _carry(
    note: Note, lines: tuple[str, ...], document: LoaDocument, names: dict[str, Any]
) -> tuple[bool, tuple[str, ...], str]:
    """Apply the note's carry-over policy on an Amendment or Modification."""
    policy = note.carry_over
    kind = document.case.document.kind
    tag = f"(carry-over: {policy})"
    on = f" for {line_refs(lines)}" if lines else ""
    if policy == "always":
        return (
            True,
            lines,
            f"the rule is true{on}; restated on every Amendment and Modification while it holds {tag}",
        )
    if policy in ("when_added", "when_touched"):
        pool = names["added_lines"] if policy == "when_added" else names["touched_lines"]
        done = "added" if policy == "when_added" else "added or changed"
        fresh = tuple(n for n in lines if n in set(pool.numbers))
        if fresh:
            verb = "is" if len(fresh) == 1 else "are"
            return True, fresh, f"{line_refs(fresh)} {verb} {done} by this {kind} {tag}"
        return (
            False,
            lines,
            (
                f"the rule is true{on}, but no such line is {done} by this {kind}; the note stays on "
                f"the case from an earlier document and is not restated {tag}"
            ),
        )
    if policy == "delete_after_implementation":
        implemented = document.case.document.implementation_date
        if implemented is not None:
            return (
                False,
                lines,
                (
                    f"the case was implemented on {spell_date(implemented)}: the note is deleted from "
                    f"the first Amendment or Modification after implementation {tag}"
                ),
            )
        return True, lines, f"the rule is true{on} and the case is not implemented yet {tag}"
    return False, lines, f"printed on the Basic only; not restated on a {kind} {tag}"


def _decide(
    note: Note, document: LoaDocument, names: dict[str, Any], explained: bool
) -> tuple[Decision, tuple[str, ...]]:
    case = document.case
    kind = case.document.kind
    base = {
        "note_id": note.id,
        "rule": note.rule,
        "title": note.title,
        "carry_over": note.carry_over,
    }
    if case.program not in note.programs:
        only = join_words(list(note.programs))
        return Decision(
            included=False, reason=f"for {only} cases only; this is a {case.program} case", **base
        ), ()
    if kind not in note.documents:
        only = join_words(list(note.documents))
        return Decision(included=False, reason=f"not used on a {kind} (only on {only})", **base), ()
    outcome = (explain if explained else decide)(note.compiled_rule, names)
    if not outcome.value:
        reason = f"the rule is false: {_false_parts(outcome.terms)}" if explained else "the rule is false"
        return Decision(included=False, reason=reason, terms=outcome.terms, **base), ()
    lines = outcome.lines
    if kind == "Basic":
        included = True
        on = f" for {line_refs(lines)}" if lines else ""
        reason = f"the rule is true{on}"
        if case.document.restated is not None:
            reason += " (a restated Basic carries every note it calls for)"
    else:
        included, lines, reason = _carry(note, lines, document, names)
        if case.document.restated is not None:
            reason += f" (a restated {kind} carries what the {kind} carries)"
    if included and note.level == "line" and not lines:
        included, reason = False, "the rule is true but names no line to attach this line note to"
    decision = Decision(
        included=included,
        reason=reason,
        terms=outcome.terms,
        lines=lines if included else (),
        **base,
    )
    return decision, (lines if included else ())


def _tidy(text: str) -> str:
    """Trailing spaces off, at most one blank line between blocks, no blank lines at the ends."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _fill(
    note: Note,
    numbers: tuple[str, ...],
    document: LoaDocument,
    names: dict[str, Any],
    by_number: dict[str, Any],
) -> list[tuple[tuple, SelectedNote]]:
    chosen = [by_number[n] for n in numbers if n in by_number]
    if note.level == "line":
        jobs = [((ln,), {"note_lines": LineSet((ln,)), "line": ln}) for ln in chosen]
    else:
        jobs = [(tuple(chosen), {"note_lines": LineSet(chosen)})]
    out = []
    for about, extra in jobs:
        scope = {**names, **extra}
        try:
            body = _tidy(note.compiled_body.render(scope))
            title = (
                " ".join(note.compiled_title.render(scope).split())
                if "{" in note.title
                else note.title
            )
        except LimitError as exc:
            raise NoteError(f"note {note.id} on {document.path}: {exc}", source=note.path) from None
        except Exception as exc:  # a placeholder that cannot be filled for this case
            where = f" for {about[0].number}" if note.level == "line" and about else ""
            raise NoteError(
                f"cannot fill the placeholders of note {note.id}{where} on {document.path}: {exc}",
                source=note.path,
            ) from exc
        first = about[0].number if note.level == "line" and about else ""
        key = (
            _PLACEMENT_RANK[note.placement],
            note.section,
            int(first[:3] or 0),
            first[3:],
            note.order,
        )
        out.append(
            (
                key,
                SelectedNote(
                    id=note.id,
                    title=title,
                    version=note.version,
                    placement=note.placement,
                    body=body,
                    lines=tuple(ln.number for ln in about),
                    sha256=note.sha256,
                ),
            )
        )
    return out


def _names(document: LoaDocument) -> dict[str, Any]:
    names = document_names(document)
    names[LOOP_GUARD] = loop_guard()
    return names


def decide_notes(
    document: LoaDocument, notes: Iterable[Note], *, explained: bool = False
) -> tuple[Decision, ...]:
    """The decisions on `document` of some notes only, without filling any placeholder (for a
    batch that re-checks the notes an edit touched)."""
    names = _names(document)
    return tuple(_decide(note, document, names, explained)[0] for note in notes)


def select_notes(
    document: LoaDocument, library: NoteLibrary | Iterable[Note], *, explained: bool = False
) -> Selection:
    """The notes `document` carries, in print order, and a `Decision` for every library note.

    With `explained`, each decision also carries the value of every part of its rule (what
    `loagen explain` shows); without, a note left out says only that its rule is false.

    Print order: placement (line notes, then the payment schedule, then the notes section), then
    section (loa-facts 1.6), then line number for line notes, then the note's order key.
    """
    names = _names(document)
    by_number = {ln.number: ln for ln in document.case.lines}
    decisions = []
    selected: list[tuple[tuple, SelectedNote]] = []
    for note in library:
        decision, lines = _decide(note, document, names, explained)
        decisions.append(decision)
        if decision.included:
            selected.extend(_fill(note, lines, document, names, by_number))
    selected.sort(key=lambda pair: pair[0])
    return Selection(notes=tuple(n for _, n in selected), decisions=tuple(decisions))


def keyed_notes(old: Iterable[Any], new: Iterable[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The notes of two versions by a key that matches a note with itself: its id, or for a
    note printed once per line (a line note, or an id printed more than once) its id and
    lines, e.g. "LINE-DESC (Line 007)"."""
    old, new = list(old), list(new)
    per_line = {n.id for n in [*old, *new] if n.placement == "line"}
    for notes in (old, new):
        seen: set[str] = set()
        for n in notes:
            if n.id in seen:
                per_line.add(n.id)
            seen.add(n.id)

    def key(n: Any) -> str:
        if n.id in per_line:
            return f"{n.id} (Line {', '.join(n.lines) or '-'})"
        return n.id

    return {key(n): n for n in old}, {key(n): n for n in new}
