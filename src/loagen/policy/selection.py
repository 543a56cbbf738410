"""Selected notes: which notes of the library a document carries, in print order, and why.

`select_notes` decides, for every note of the library, given the notes already in force on the
case before this document (`in_force.CaseNotes`):

1. the note is for the case's program (`programs`) and may appear on this kind of document
   (`documents`); a note in force that a document may not print stays in force;
2. its rule holds on this document (see `rules`), naming the lines the note is about; a note in
   force whose rule no longer holds is deleted by this document;
3. on an Amendment or Modification, its carry-over policy says whether it is printed again
   (`notes.CARRY_OVER`; SAMM AP9.T2: notes of earlier documents are not restated unless the
   note's usage rule says so; DSCA 07-45: a note stays in force until a document deletes it).
   A note the case does not carry yet is printed whatever its policy (except `basic_only`);
4. which version is printed: a note the case carries keeps its version (LSG-6), unless its
   policy is `version_refresh`; a note added by this document prints the version in force on
   the document's date (`LoaDocument.note_date`).

A Basic prints every note whose rule holds. A restated document decides as the document it
restates (the same chain), so a restated Basic carries all its notes again.

Line notes (level `line`) give one `SelectedNote` per line. Placeholders of the body and title
are filled by the compiled note text, in which case values are data (never templates) and case
text has its Markdown characters escaped. Selection reads no file: it is pure and fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Literal

from ..document.assembly import LoaDocument, worked_out
from ..document.wording import join_words, line_refs, spell_date
from ..errors import NoteError
from ..recent import recent_texts
from .in_force import NONE, CaseNotes, advance
from .notes import Note, NoteLibrary, NoteVersion
from .rules import (
    LOOP_GUARD,
    LimitError,
    LineSet,
    Term,
    decide,
    document_names,
    explain,
    failure_words,
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


Status = Literal["printed", "in force", "deleted", "out"]
"""What a decision does to the note: printed on this document; in force on the case but not
printed again; deleted from the case by this document; not on the case."""


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
    status: Status = "out"
    version: str = ""
    """The version printed (when included)."""
    held: str = ""
    """The version in force on the case before this document, and since when, e.g. "version 1
    since the Basic" ("" when the case did not carry the note)."""
    rule_lines: tuple[str, ...] = ()
    """Every line the rule names on this document (`lines` may be fewer: those the carry-over
    policy prints the note about)."""
    missing_version: str = ""
    """The version the case carries when the note library no longer holds its text, so the
    note should be printed again and cannot be."""
    first_effective: str = ""
    """When the rule holds but the document is dated before the note's first version takes
    effect (so it prints no such note): that first version's effective date, ISO (a version
    dropped from the note file leaves the documents that printed it so)."""


@dataclass(frozen=True)
class Selection:
    notes: tuple[SelectedNote, ...] = ()
    decisions: tuple[Decision, ...] = field(default=())
    before: CaseNotes = NONE
    """The notes in force on the case before this document."""
    after: CaseNotes = NONE
    """The notes in force on the case after it."""

    @property
    def deleted(self) -> tuple[Decision, ...]:
        """The notes this document deletes from the case."""
        return tuple(d for d in self.decisions if d.status == "deleted")

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


def _pool(note: Note, document: LoaDocument, names: dict[str, Any]) -> set[str]:
    """The lines this document adds, or changes as the note's policy counts a change."""
    changes = names["changes"]
    if note.carry_over == "lines_added":
        return set(changes.added.numbers)
    if note.carry_over == "lines_added_or_increased":
        return set(changes.added.numbers) | set(changes.increased.numbers)
    pool = set(changes.added.numbers)
    for change in document.changes.lines:
        if change.previous is None or change.revised is None:
            continue
        for path in note.changed_fields:
            if _field(change.previous, path) != _field(change.revised, path):
                pool.add(change.number)
                break
    return pool


@lru_cache(maxsize=1024)
def _parts(path: str) -> tuple[str, ...]:
    """The fields of a dotted path (a note's changed_fields): split once, not once per line."""
    return tuple(path.split("."))


def _field(item: Any, path: str) -> Any:
    for part in _parts(path):
        if item is None:
            return None
        item = getattr(item, part)
    return item


_POOL_WORDS = {
    "lines_added": "added",
    "lines_added_or_increased": "added, or raised (quantity, or value on a blanket order),",
    "field_changed": "added, or changed in {fields},",
}
_NONE_WORDS = {
    "lines_added": "adds no line it names",
    "lines_added_or_increased": "adds no line it names and raises none",
    "field_changed": "adds no line it names and changes none in {fields}",
}


def _carry(
    note: Note, lines: tuple[str, ...], document: LoaDocument, names: dict[str, Any],
    held: Any, day: Any,
) -> tuple[Status, tuple[str, ...], str, NoteVersion | None]:  # fmt: skip
    """Apply the note's carry-over policy on an Amendment or Modification whose rule holds."""
    policy = note.carry_over
    kind = document.kind
    tag = f"(carry-over: {policy})"
    on = f" for {line_refs(lines)}" if lines else ""
    current = note.version_on(day)
    if held is not None and current is not None and note.is_older(current.version, held.version):
        # A document dated before a newer version took effect (an undated Modification reads
        # the case's latest offer expiration date) never takes the case back to an older one.
        current = note.text_of(held.version)
    if held is None:
        if policy == "basic_only":
            return "out", lines, f"printed on the Basic only; not on a {kind} {tag}", None
        return (
            "printed", lines,
            f"the rule is true{on} and the case does not carry the note yet {tag}", current,
        )  # fmt: skip
    since = f"on the case since {held.since_the}, version {held.version}"
    kept, changed = _kept(note, kind, held, current, day)
    if policy in _POOL_WORDS:
        pool = _pool(note, document, names)  # once: it reads every change of the document
        fresh = tuple(n for n in lines if n in pool)
        words = _POOL_WORDS[policy].format(fields=", ".join(note.changed_fields))
        if fresh:
            verb = "is" if len(fresh) == 1 else "are"
            if note.restate_all_lines and len(fresh) < len(lines):
                # The text names its lines and replaces the text in force: printed about
                # the lines the case had already, too.
                return (
                    "printed", lines,
                    f"{line_refs(fresh)} {verb} {words} by this {kind}: restated for "
                    f"{line_refs(lines)} ({since}){changed} {tag}",
                    kept,
                )  # fmt: skip
            return (
                "printed", fresh,
                f"{line_refs(fresh)} {verb} {words} by this {kind} ({since}){changed} {tag}", kept,
            )  # fmt: skip
        if policy == "field_changed":
            dropped = _dropped(note, document, set(lines))
            if dropped:
                verb = "no longer has" if len(dropped) == 1 else "no longer have"
                return (
                    "printed", lines,
                    f"{line_refs(dropped)} {verb} {', '.join(note.changed_fields)} on this {kind}: "
                    f"restated for {line_refs(lines)} ({since}){changed} {tag}",
                    kept,
                )  # fmt: skip
        return (
            "in force", lines,
            f"{since}; not restated: this {kind} "
            f"{_NONE_WORDS[policy].format(fields=', '.join(note.changed_fields))} {tag}",
            kept,
        )  # fmt: skip
    if policy == "every":
        where = " where used_when holds" if note.used_when else ""
        return (
            "printed", lines,
            f"the rule is true{on}; {since}, restated on every document{where}{changed} {tag}",
            kept,
        )  # fmt: skip
    if policy in ("once", "basic_only"):
        return "in force", lines, f"{since}; not restated {tag}", kept
    if policy == "version_refresh":
        if changed:
            return "printed", lines, f"{since}{changed} {tag}", kept
        changes = names["changes"]
        added = set(changes.added.numbers)
        # more of the items is a change of scope: an Amendment's (a Modification may not)
        raised = set(changes.increased.numbers) if kind == "Amendment" else set()
        fresh = tuple(n for n in lines if n in added or n in raised)
        if fresh:
            # The loanote pages: mandatory on documents that add the items (a line added, or
            # more of them on a line: the NVD page's "Amendments that add additional NVDs"),
            # or whose text differs; and the text in force names the lines it was printed for.
            verb = "is" if len(fresh) == 1 else "are"
            how = "added" if all(n in added for n in fresh) else "added or raised"
            return (
                "printed", lines,
                f"{line_refs(fresh)} {verb} {how} by this {kind}: restated for "
                f"{line_refs(lines)} ({since}) {tag}",
                kept,
            )  # fmt: skip
        if (
            kind not in note.refreshed_on
            and current is not None
            and current.version != held.version
        ):
            return (
                "in force", lines,
                f"{since}; version {current.version} is refreshed on "
                f"{join_words(sorted(note.refreshed_on))} documents only {tag}",
                kept,
            )  # fmt: skip
        return "in force", lines, f"{since}, the current version; not restated {tag}", kept
    # delete_after_implementation: a note in force here came from an earlier, implemented document
    return (
        "printed",
        lines,
        f"the rule is true{on}: added again by this {kind} ({since}) {tag}",
        current,
    )


def _kept(
    note: Note, kind: str, held: Any, current: NoteVersion | None, day: Any
) -> tuple[NoteVersion | None, str]:
    """The version a note the case carries is printed in, when printed again, and the words
    that say why when it is not the version held: the current version on the documents of the
    note's `refresh_on`, or when the library no longer holds the version the case carries."""
    kept = note.text_of(held.version)
    when = spell_date(day) if day else "its date"
    if current is not None and current.version != held.version and kind in note.refreshed_on:
        return current, (
            f": printed again in version {current.version}, the version in force on {when}"
        )
    return kept, ""


def _dropped(note: Note, document: LoaDocument, lines: set[str]) -> tuple[str, ...]:
    """Lines that had one of the note's changed_fields set on the previous document and no longer
    have it (cleared, or the line deleted): the note in force still names them."""
    dropped = []
    for change in document.changes.lines:
        if change.previous is None or change.number in lines:
            continue
        for path in note.changed_fields:
            if _field(change.previous, path) is not None and (
                change.revised is None or _field(change.revised, path) is None
            ):
                dropped.append(change.number)
                break
    return tuple(dropped)


_LEFT_OUT: dict[tuple[int, str, Status, str], tuple[Note, Decision]] = {}
"""Decisions that leave a note off a document, by note, notes in force and reason: most notes
are left off most documents for the same reason ("the rule is false", "for FMS cases only"), and
such a decision reads nothing else (the note's id, rule, title, carry-over and the version
held). A decision is a frozen value: one serves every document it is made for again."""
LEFT_OUT_KEPT = 4096
"""At most so many are kept (all dropped when full)."""


def _decide(
    note: Note,
    document: LoaDocument,
    names: dict[str, Any],
    explained: bool,
    before: CaseNotes,
) -> tuple[Decision, tuple[str, ...], NoteVersion | None]:
    case = document.case
    kind = document.kind
    held = before.get(note.id)
    held_text = f"version {held.version} since {held.since_the}" if held else ""

    def out(status: Status, reason: str, terms: tuple[Term, ...] = ()) -> Decided:
        return _left_out(note, held_text, status, reason, terms)

    if case.program not in note.programs:
        only = join_words(list(note.programs))
        return out("out", f"for {only} cases only; this is a {case.program} case")
    if (
        held is not None
        and note.carry_over == "delete_after_implementation"
        and kind not in note.documents
    ):
        return out(
            "deleted",
            f"deleted: not used on a {kind}, and the document that printed it last (on the "
            f"case since {held.since_the}) is implemented (carry-over: delete_after_implementation)",
        )
    if kind not in note.documents:
        only = join_words(list(note.documents))
        if held is not None:
            return out(
                "in force",
                f"in force since {held.since_the}; not used on a {kind} (only on {only})",
            )
        return out("out", f"not used on a {kind} (only on {only})")
    if note.compiled_used_when is not None:
        used = (explain if explained else decide)(note.compiled_used_when, names)
        if not used.value:
            why = f"not used on this document: {' '.join(note.used_when.split())} is false"
            if explained:
                why += f" ({_false_parts(used.terms)})"
            if held is not None:
                return out("in force", f"in force since {held.since_the}; {why}", used.terms)
            return out("out", why, used.terms)
    outcome = (explain if explained else decide)(note.compiled_rule, names)
    if not outcome.value:
        why = (
            f"the rule is false: {_false_parts(outcome.terms)}"
            if explained
            else "the rule is false"
        )
        if held is not None:
            return out(
                "deleted",
                f"deleted from the case (in force since {held.since_the}): {why}",
                outcome.terms,
            )
        return out("out", why, outcome.terms)
    lines = outcome.lines
    day = document.note_date
    if not document.changes.has_previous:
        status: Status = "printed"
        on = f" for {line_refs(lines)}" if lines else ""
        reason = f"the rule is true{on}"
        if case.document.restated is not None:
            reason += " (a restated Basic carries every note it calls for)"
        text = note.version_on(day)
    else:
        status, lines, reason, text = _carry(note, lines, document, names, held, day)
        if case.document.restated is not None:
            reason += f" (a restated {kind} carries what the {kind} carries)"
    missing = early = ""
    if status == "printed" and text is None:
        when = spell_date(day) if day else "the document's date"
        if held is not None and note.text_of(held.version) is None:
            missing = held.version
            status, reason = (
                "in force",
                (
                    f"version {held.version}, which the case carries since {held.since_the}, is no "
                    "longer in the note library: it stays in force as printed and cannot be restated "
                    "(put its text back in the note file to restate it)"
                ),
            )
        else:
            status, reason = (
                "in force" if held else "out",
                f"no version of the note is in force on {when}",
            )
            first = min(t.effective for t in note.texts)
            if held is None and day is not None and day < first:
                early = first.isoformat()
                reason += f": its first version takes effect on {spell_date(first)}"
    if status == "printed" and note.level == "line" and not lines:
        status, reason = "out", "the rule is true but names no line to attach this line note to"
    printed = status == "printed"
    decision = Decision(
        included=printed,
        reason=reason,
        terms=outcome.terms,
        lines=lines if printed else (),
        status=status,
        version=text.version if printed and text else "",
        rule_lines=outcome.lines,
        missing_version=missing,
        first_effective=early,
        **_about(note, held_text),
    )
    return decision, (lines if printed else ()), (text if printed else None)


def _about(note: Note, held: str) -> dict[str, str]:
    """What every decision on `note` says of it, the case holding it as `held` says."""
    return {
        "note_id": note.id,
        "rule": note.rule,
        "title": note.title,
        "carry_over": note.carry_over,
        "held": held,
    }


def _left_out(
    note: Note, held: str, status: Status, reason: str, terms: tuple[Term, ...] = ()
) -> Decided:
    """A decision that leaves `note` off the document, kept by what it reads (`_LEFT_OUT`);
    with `terms` (explained), made anew."""
    if terms:  # (explained: not kept)
        return (
            Decision(
                included=False, reason=reason, status=status, terms=terms, **_about(note, held)
            ),
            (),
            None,
        )
    key = (id(note), held, status, reason)
    found = _LEFT_OUT.get(key)
    if found is None or found[0] is not note:  # (the same note: not one reloaded since)
        if len(_LEFT_OUT) >= LEFT_OUT_KEPT:
            _LEFT_OUT.clear()
        decision = Decision(included=False, reason=reason, status=status, **_about(note, held))
        found = _LEFT_OUT[key] = (note, decision)
    return found[1], (), None


@recent_texts
def _one_line(text: str) -> str:
    """`text` on one line, runs of white space made one space (a filled title). The answers
    for the texts seen lately are kept (a line note's title is filled on every document)."""
    return " ".join(text.split())


@recent_texts
def _tidy(text: str) -> str:
    """Trailing spaces off, at most one blank line between blocks, no blank lines at the ends.
    The answers for the texts seen lately are kept: most filled bodies were filled the same on
    the documents before (a case's documents are built together)."""
    return _tidied(text)


def _tidied(text: str) -> str:
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
    text: NoteVersion,
    decision: Decision,
    document: LoaDocument,
    names: dict[str, Any],
    by_number: dict[str, Any],
) -> list[tuple[tuple, SelectedNote]]:
    chosen = [by_number[n] for n in decision.lines if n in by_number]
    # One scope for the note, its line names set anew for each text filled (a line note is
    # filled once per line, and the document's names are some forty): a body reads the scope
    # while it is filled and keeps nothing of it.
    scope = {
        **names,
        "rule_lines": LineSet(by_number[n] for n in decision.rule_lines if n in by_number),
    }
    per_line = note.level == "line"
    abouts = [(ln,) for ln in chosen] if per_line else [tuple(chosen)]
    fill_body = text.compiled_body.render
    fill_title = note.compiled_title.render if "{" in note.title else None
    rank, section, order = _PLACEMENT_RANK[note.placement], note.section, note.order
    out = []
    for about in abouts:
        scope["note_lines"] = LineSet(about)
        if per_line:
            scope["line"] = about[0]
        try:
            body = _tidy(fill_body(scope))
            title = _one_line(fill_title(scope)) if fill_title is not None else note.title
        except LimitError as exc:
            raise NoteError(f"note {note.id} on {document.path}: {exc}", source=note.path) from None
        except Exception as exc:  # a placeholder that cannot be filled for this case
            where = f" for {about[0].number}" if per_line and about else ""
            raise NoteError(
                f"cannot fill the placeholders of note {note.id}{where} on {document.path}: "
                f"{failure_words(exc)}",
                source=note.path,
            ) from exc
        numbers = (about[0].number,) if per_line else tuple(ln.number for ln in about)
        first = numbers[0] if per_line else ""
        key = (rank, section, int(first[:3] or 0), first[3:], order)
        out.append(
            (
                key,
                SelectedNote(
                    id=note.id,
                    title=title,
                    version=text.version,
                    placement=note.placement,
                    body=body,
                    lines=numbers,
                    sha256=note.sha256,
                ),
            )
        )
    return out


def _names(document: LoaDocument, before: CaseNotes) -> dict[str, Any]:
    names = document_names(document, before)
    names[LOOP_GUARD] = loop_guard()
    return names


Decided = tuple[Decision, tuple[str, ...], NoteVersion | None]
"""What `_decide` gives: the decision, the lines printed, the version printed."""

_DECIDED = "selection.decided"
"""The key of a document's decisions in its memo (`worked_out`)."""


def _decider(
    document: LoaDocument, before: CaseNotes, explained: bool
) -> Callable[[Note, dict[str, Any] | Callable[[], dict[str, Any]]], Decided]:
    """`_decide` for `document` and the notes in force `before` it, each note decided once per
    document and state before it (`worked_out`): a document's notes are decided when it is
    selected and again for the notes in force before the next document of its case, mostly
    from the same state, and a decision reads nothing else than the note, the document and
    `before` (compared by value). Decisions with explanations are not kept (they are asked for
    one at a time)."""
    if explained:
        return lambda note, names: _decide(note, document, _got(names), True, before)
    kept = worked_out(document).setdefault(_DECIDED, {}).setdefault(before, {})

    def decided(note: Note, names: dict[str, Any] | Callable[[], dict[str, Any]]) -> Decided:
        found = kept.get(id(note))
        if found is not None and found[0] is note:  # the same note (not one reloaded since)
            return found[1]
        result = _decide(note, document, _got(names), False, before)
        kept[id(note)] = (note, result)
        return result

    return decided


def _got(names: dict[str, Any] | Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return names if isinstance(names, dict) else names()


def decide_notes(
    document: LoaDocument,
    notes: Iterable[Note],
    *,
    before: CaseNotes = NONE,
    explained: bool = False,
) -> tuple[Decision, ...]:
    """The decisions on `document` of some notes, without filling any placeholder (for the
    history of a case, and for a batch that re-checks the notes an edit touched)."""
    names: dict[str, Any] | None = None

    def lazy() -> dict[str, Any]:  # the names only when some note is not decided yet
        nonlocal names
        if names is None:
            names = _names(document, before)
        return names

    decide_one = _decider(document, before, explained)
    return tuple(decide_one(note, lazy)[0] for note in notes)


def after(before: CaseNotes, decisions: Iterable[Decision], title: str) -> CaseNotes:
    """The notes in force after a document with these decisions."""
    decisions = list(decisions)
    return advance(
        before,
        ((d.note_id, d.version) for d in decisions if d.included),
        (d.note_id for d in decisions if d.status == "deleted"),
        title,
    )


def select_notes(
    document: LoaDocument,
    library: NoteLibrary | Iterable[Note],
    *,
    before: CaseNotes = NONE,
    explained: bool = False,
) -> Selection:
    """The notes `document` carries, in print order, and a `Decision` for every library note,
    given the notes in force on the case `before` it.

    With `explained`, each decision also carries the value of every part of its rule (what
    `loagen explain` shows); without, a note left out says only that its rule is false.

    Print order: placement (line notes, then the payment schedule, then the notes section), then
    section (loa-facts 1.6), then line number for line notes, then the note's order key.
    """
    names = _names(document, before)
    by_number = {ln.number: ln for ln in document.case.lines}
    decisions = []
    selected: list[tuple[tuple, SelectedNote]] = []
    decide_one = _decider(document, before, explained)
    for note in library:
        decision, lines, text = decide_one(note, names)
        decisions.append(decision)
        if decision.included and text is not None:
            selected.extend(_fill(note, text, decision, document, names, by_number))
    selected.sort(key=lambda pair: pair[0])
    return Selection(
        notes=tuple(n for _, n in selected),
        decisions=tuple(decisions),
        before=before,
        after=after(before, decisions, document.title),
    )


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
