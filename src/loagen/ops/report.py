"""The review report: one self-contained HTML page per document, for the reviewer of an LOA.

A report says, for one document (a case file, or the DOCX a reviewer was sent, read through the
build record it carries): what the document is (case, document, program, purchaser, dates,
template, note library); the quality check findings with their SAMM references, errors first;
each note printed, with its number as printed, why it is in, its references and its version;
the notes in force from earlier documents but not restated, those this document deletes, and
the notable notes left out (or all of them); what changed against the previous document, line
by line with old and new values, and in the totals; and the money (the estimated cost summary
and the payment schedule).

The page is plain HTML with its CSS inline: no script, no font or image fetched, printable.
It holds nothing that depends on where the inputs were or on the time, so the report of a
DOCX is byte for byte the report of its case file (when the DOCX was built with the same note
library; otherwise the report says how the printed notes differ).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from .. import __version__
from ..case.embedded import changed_words, is_built_document, read_build_record
from ..case.history import LineChange
from ..case.model import Line
from ..document.assembly import LoaDocument
from ..document.costs import COST_ROWS, deposit_label
from ..document.wording import (
    document_title,
    due_words,
    join_words,
    line_refs,
    money,
    party,
    quantity,
    spell_date,
    surcharge_note,
)
from ..errors import CaseError
from ..manifest import Manifest, ManifestInvalid, PrintedNote, findings_digest
from ..output.files import atomic_write
from ..pipeline import Pipeline, printed_notes, selection_digest
from ..policy.checks import Finding
from ..policy.notes import generic_title
from ..policy.notification import assess as assess_notification
from ..policy.package import checklist
from ..policy.selection import Decision, SelectedNote, Selection, keyed_notes

REPORT_SUFFIX = ".report.html"

# -- where a printed note is ----------------------------------------------------------------------


def printed_places(selection: Selection) -> dict[str, str]:
    """How a reader finds each printed note on the page: "note 3" (numbered as the notes
    section numbers them), "under the payment schedule", "in the description of Lines 001 and
    007"."""
    numbers: dict[str, list[int]] = {}
    lines: dict[str, list[str]] = {}
    places: dict[str, str] = {}
    number = 0
    for note in selection.notes:
        if note.placement == "notes":
            number += 1
            numbers.setdefault(note.id, []).append(number)
        elif note.placement == "payment_schedule":
            places.setdefault(note.id, "under the payment schedule")
        else:
            lines.setdefault(note.id, []).extend(note.lines)
    for note_id, found in numbers.items():
        places[note_id] = ("note " if len(found) == 1 else "notes ") + _runs(found)
    for note_id, found in lines.items():
        places[note_id] = (
            f"in the description of {line_refs(found)}" if found else "in the line descriptions"
        )
    return places


def _runs(numbers: list[int]) -> str:
    """1, 2, 3, 5 -> "1-3 and 5"."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return join_words([f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs])


# -- what the report holds -----------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One part of a note's rule and its value on the document."""

    text: str
    shown: str
    state: str
    """"true", "false" or "unknown" (not worked out: it did not matter)."""


@dataclass(frozen=True)
class NoteRow:
    id: str
    title: str
    place: str
    """"Note 3", "Under the payment schedule" ... ('' when not printed)."""
    version: str
    lines: str
    reason: str
    references: tuple[str, ...]
    tag: str = ""
    """"new on the case", "printed again" ... ('' for none)."""
    parts: tuple[Part, ...] = ()
    usage: str = ""
    """When the note is used, in the note library's words (its `usage`; '' when it gives none)."""


@dataclass(frozen=True)
class FindingRow:
    severity: str
    rule_id: str
    where: str
    message: str
    reference: str


@dataclass(frozen=True)
class LineRow:
    number: str
    description: str
    change: str
    details: tuple[str, ...]
    scope: str


@dataclass(frozen=True)
class MoneyRow:
    label: str
    amount: str
    previous: str = ""
    change: str = ""


@dataclass(frozen=True)
class ScheduleRow:
    label: str
    date: str
    amount: str
    cumulative: str


@dataclass(frozen=True)
class PackageRow:
    """One supporting document of the LOA package checklist."""

    kind: str
    name: str
    why: str
    reference: str
    status: str
    """"At hand", "Missing", or "Not recorded" (the case file keeps no package list)."""
    at_hand: str


@dataclass(frozen=True)
class PackageSection:
    """The LOA package checklist of the document (`policy.package`)."""

    tracked: bool
    """The case file keeps a `package` list."""
    required: tuple[PackageRow, ...]
    earlier: tuple[PackageRow, ...]
    missing: int


@dataclass(frozen=True)
class NotificationSection:
    """What AECA 36(b) congressional notification asks of the document
    (`policy.notification`)."""

    applies: bool
    summary: str
    measures: tuple[tuple[str, str, str, bool], ...]
    """(what, value, threshold, reached) for each value compared."""
    notification: str
    """The notification the document records or inherits, in words ('' when none)."""
    review: str
    """When the review period ends ('' when no notification is recorded)."""
    advice: str


@dataclass(frozen=True)
class Report:
    """Everything one report page shows, as text (the template only lays it out)."""

    stem: str
    case_id: str
    title: str
    nickname: str
    party: str
    purchaser: str
    program: str
    facts: tuple[tuple[str, str], ...]
    inputs: tuple[tuple[str, str], ...]
    """(case file name, first digits of its sha256), oldest first."""
    remarks: tuple[str, ...]
    errors: tuple[FindingRow, ...]
    warnings: tuple[FindingRow, ...]
    printed: tuple[NoteRow, ...]
    in_force: tuple[NoteRow, ...]
    deleted: tuple[NoteRow, ...]
    left_out: tuple[NoteRow, ...]
    left_out_total: int
    all_left_out: bool
    library_size: int
    previous_title: str
    line_changes: tuple[LineRow, ...]
    scope: str
    totals: tuple[MoneyRow, ...]
    total_changes: tuple[MoneyRow, ...]
    initial_deposit: str
    deposit_label: str
    """What the first page calls it: "Initial Deposit", on an Amendment "Amount Due with
    Acceptance"."""
    surcharge_note: str
    schedule: tuple[ScheduleRow, ...]
    schedule_note: str
    notes_added: int
    """Notes added as `loagen diff` against the previous document counts them: a note printed
    once per line counts once for each line it is new on (a new line's description)."""
    notes_deleted: int
    """Notes deleted, as `loagen diff` counts them (the notes of a deleted line included)."""
    gone_with_lines: tuple[str, ...]
    """The notes of the lines this document deletes, which go with their lines: their title,
    line and why."""
    package: PackageSection
    notification: NotificationSection

    @property
    def file_name(self) -> str:
        return self.stem + REPORT_SUFFIX


# -- building it ------------------------------------------------------------------------------------

_LINE_INDEX = re.compile(r"^lines\[(\d+)\]")


def _where(path: str, document: LoaDocument) -> str:
    """A finding's field as a reviewer finds it: lines[5].severable -> Line 006: severable."""
    if not path:
        return "the whole document"
    m = _LINE_INDEX.match(path)
    if m:
        lines = document.case.lines
        index = int(m.group(1))
        if index < len(lines):
            rest = path[m.end() :].lstrip(".")
            return f"Line {lines[index].number}" + (f": {rest}" if rest else "")
    return path


def _finding(f: Finding, document: LoaDocument) -> FindingRow:
    return FindingRow(f.severity, f.rule_id, _where(f.path, document), f.message, f.reference)


def _parts(decision: Decision) -> tuple[Part, ...]:
    return tuple(
        Part(
            t.text,
            t.shown,
            "unknown" if not t.evaluated else ("true" if t.value else "false"),
        )
        for t in decision.terms
    )


def notable(decision: Decision, lines: int) -> bool:
    """A note left out that a reviewer may want to see: its rule holds but something else keeps
    it out (a carry-over policy, no line to attach it to, no version in force), or its rule is
    false only partly: a part of it picks out some of the document's `lines` (how many it has),
    or every part of it but one holds."""
    if decision.status != "out" or not decision.terms:
        return False  # not for this program or this kind of document
    if not decision.reason.startswith("the rule is false"):
        return True
    evaluated = [t for t in decision.terms if t.evaluated]
    if any(t.names_lines and t.lines and len(set(t.lines)) < lines for t in evaluated):
        return True  # the rule picks out some lines of the document (not all of them)
    false = [t for t in evaluated if not t.value]
    return len(false) == 1 and any(t.value is True for t in evaluated)


def _title(decision: Decision) -> str:
    return generic_title(decision.title)


def _note_rows(
    decisions: Iterable[Decision],
    pipeline: Pipeline,
    selection: Selection,
    places: dict[str, str],
    titles: dict[str, str],
    *,
    with_parts: bool = False,
    added_lines: dict[str, list[str]] | None = None,
) -> tuple[NoteRow, ...]:
    library = pipeline.library
    rows = []
    for d in decisions:
        tag = ""
        if d.status == "printed":
            tag = "restated" if d.held else "new on the case"
            if d.held and (added_lines or {}).get(d.note_id):
                # a note printed once per line, new for some lines (a new line's description)
                tag += f"; added for {line_refs((added_lines or {})[d.note_id])}"
        held = selection.before.get(d.note_id)
        if d.status in ("in force", "deleted") and held is not None:
            the = "" if held.since.startswith(("a ", "an ")) else "the "
            tag = f"on the case since {the}{held.since}"  # the Basic, an earlier document
        place = places.get(d.note_id, "")
        rows.append(
            NoteRow(
                id=d.note_id,
                title=titles.get(d.note_id) or _title(d),
                place=place[:1].upper() + place[1:],
                version=d.version or (held.version if held is not None else ""),
                lines=line_refs(d.lines or (d.rule_lines if d.status != "out" else ())),
                reason=d.reason,
                references=tuple(library[d.note_id].references) if d.note_id in library else (),
                tag=tag,
                parts=_parts(d) if with_parts else (),
                usage=(library[d.note_id].usage or "") if d.note_id in library else "",
            )
        )
    return tuple(rows)


def _printed_titles(selection: Selection) -> dict[str, str]:
    """The title each printed note carries (placeholders filled); a line note with a title per
    line keeps its library title."""
    seen: dict[str, set[str]] = {}
    for note in selection.notes:
        seen.setdefault(note.id, set()).add(note.title)
    return {i: next(iter(t)) for i, t in seen.items() if len(t) == 1}


def _value(value: Any) -> str:
    """A line field's value in plain words, cut short when long."""
    if value is None:
        text = "none"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, Decimal):
        text = f"{value:,}"
    elif hasattr(value, "model_dump"):
        parts = [f"{k.replace('_', ' ')} {_value(v)}" for k, v in value.model_dump().items()
                 if v not in (None, [], False)]  # fmt: skip
        text = ", ".join(parts) or "none"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(_value(v) for v in value) or "none"
    elif hasattr(value, "isoformat"):
        text = spell_date(value)
    else:
        text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _facts(line: Line) -> str:
    facts = f"{quantity(line.quantity)} {line.unit_of_issue} at {money(line.unit_cost)}, {money(line.total)}"
    if line.months:
        facts += f", months {line.months}"
    return facts


def _line_row(change: LineChange) -> LineRow:
    before, after = change.previous, change.revised
    scope = "; ".join(change.scope_reasons)
    if change.added:
        assert after is not None
        return LineRow(after.number, after.description, "Added", (_facts(after),), scope)
    if change.deleted:
        assert before is not None
        return LineRow(
            before.number, before.description, "Deleted", (f"was {_facts(before)}",), scope
        )
    assert before is not None and after is not None
    details = []
    if before.quantity != after.quantity:
        details.append(
            f"quantity {quantity(before.quantity)} → {quantity(after.quantity)} {after.unit_of_issue}"
        )
    if before.unit_cost != after.unit_cost:
        details.append(f"unit cost {money(before.unit_cost)} → {money(after.unit_cost)}")
    if before.total != after.total:
        details.append(
            f"value {money(before.total)} → {money(after.total)} ({_signed(after.total - before.total)})"
        )
    if before.months != after.months:
        details.append(f"months {before.months or 'none'} → {after.months or 'none'}")
    for name in change.other_fields:
        label = name.replace("_", " ")
        details.append(f"{label}: {_value(getattr(before, name))} → {_value(getattr(after, name))}")
    if change.quantity_up or change.value_up:
        word = "Increased"
    elif change.quantity_down or change.value_down:
        word = "Decreased"
    else:
        word = "Changed"
    return LineRow(after.number, after.description, word, tuple(details), scope)


def _signed(value: Decimal) -> str:
    if value == 0:
        return "no change"
    return ("+" if value > 0 else "−") + money(abs(value))


def _remarks(path: Path, selection: Selection, prepared_findings: tuple[Finding, ...],
             document: LoaDocument, pipeline: Pipeline) -> tuple[str, ...]:  # fmt: skip
    """What differs between a DOCX as built and what loagen decides today (nothing for a case
    file, nor for a DOCX built with the same note library and template)."""
    if not is_built_document(path):
        return ()
    record = read_build_record(path)
    try:
        built = Manifest.from_json(record.manifest)
    except ManifestInvalid as exc:
        raise CaseError(
            f"the build record inside this document is damaged or was edited (its manifest: "
            f"{exc}); build the document again, or give its case file",
            source=path,
        ) from None
    if [i.sha256 for i in built.dependencies.inputs] != [f.sha256 for f in document.files]:
        raise CaseError(
            "the build record inside this document is damaged or was edited (its manifest "
            "names other case files); build the document again, or give its case file",
            source=path,
        )
    out = []
    if built.selection_digest != selection_digest(selection):
        out.append(
            "The note library changed since this document was built: the notes below are those "
            f"loagen picks today. {_notes_differing(built.notes, printed_notes(selection))} "
            "Build the document again to print the current notes."
        )
    if built.findings_digest != findings_digest(prepared_findings):
        out.append(
            "The quality checks find other things today than when this document was built "
            f"({len(built.findings)} finding(s) then): the findings below are today's."
        )
    template = pipeline.renderer.template_for(document.case)
    if built.dependencies.template_sha256 != template.sha256:
        out.append(
            f"The template ({template.path.name}) changed since this document was built: a new "
            "build would look different."
        )
    if built.loagen_version != __version__:
        out.append(f"This document was built by loagen {built.loagen_version}.")
    if record.changed:  # first: it is about everything the report says
        out.insert(0, changed_words(path) + ".")
    return tuple(out)


def _shown_title(document: LoaDocument) -> str:
    """'Amendment 1', or 'Amendment 1 (restated)' for the RESTATED version of it."""
    restated = document.case.document.restated is not None
    return document.title + (" (restated)" if restated else "")


def _notes_differing(built: Iterable[PrintedNote], today: Iterable[PrintedNote]) -> str:
    """Which notes a document built earlier prints otherwise than loagen would today: those
    added or no longer printed, in another version or for other lines (the build record keeps
    no note text, so a change of wording alone is said as such)."""
    was = {n.id: n for n in built}
    now = {n.id: n for n in today}
    said = []
    for note_id, n in now.items():
        before = was.get(note_id)
        if before is None:
            said.append(f"{note_id} would be printed (the document does not print it)")
        elif before.version != n.version:
            said.append(f"{note_id} in version {n.version} (the document prints {before.version})")
        elif before.lines != n.lines:
            said.append(f"{note_id} for other lines")
    said += [f"{i} would no longer be printed" for i in was if i not in now]
    if not said:
        return (
            "The same notes are printed, in the same versions and for the same lines: the "
            "wording of at least one of them changed."
        )
    return "What differs from the document: " + "; ".join(said) + "."


def make_report(path: Path, pipeline: Pipeline, *, all_notes: bool = False) -> Report:
    """The report of the document at `path` (a case file, or a DOCX built by loagen)."""
    path = Path(path)
    document = pipeline.document(path)
    selection = pipeline.select(document, explained=True)
    findings = pipeline.check(document, selection)
    library = pipeline.library
    case = document.case
    doc = case.document
    costs = document.costs
    places = printed_places(selection)
    titles = _printed_titles(selection)
    groups: dict[str, list[Decision]] = {"printed": [], "in force": [], "deleted": [], "out": []}
    for d in selection.decisions:
        groups[d.status].append(d)
    printed = sorted(groups["printed"], key=lambda d: _place_key(places.get(d.note_id, "")))
    since = _notes_since_previous(document, selection, pipeline)
    added_lines: dict[str, list[str]] = {}
    for key, n in since.added if since is not None else ():
        if key != n.id:
            added_lines.setdefault(n.id, []).extend(n.lines)
    count = len(case.lines)
    left_out = [d for d in groups["out"] if all_notes or notable(d, count)]

    facts = [
        ("Case", f"{case.case_id} ({case.nickname})"),
        (
            "Document",
            _shown_title(document)
            + (
                f": supersedes the version offered on {spell_date(doc.restated.previous_offer_date)}"
                if doc.restated is not None
                else ""
            ),
        ),
        (
            "Program",
            {"FMS": "Foreign Military Sales (FMS)", "BPC": "Building Partner Capacity (BPC)"}[
                case.program
            ],
        ),  # fmt: skip
        (party(case), case.purchaser.name),
    ]
    if doc.offer_expiration_date:
        facts.append(("Offer expiration date", spell_date(doc.offer_expiration_date)))
    if document.implementation_date:
        facts.append(("Case implementation date", spell_date(document.implementation_date)))
    if doc.date:
        facts.append(("Document date", spell_date(doc.date)))
    template = pipeline.renderer.template_for(case)
    facts += [
        ("Template", f"{template.path.name} ({template.sha256[:12]})"),
        ("Note library", f"{len(library.notes)} notes, digest {library.digest[:12]}"),
        ("Made by", f"loagen {__version__}"),
    ]

    previous_costs = document.previous_costs
    totals, total_changes = [], []
    for key, label in COST_ROWS:
        now = getattr(costs, key)
        row = MoneyRow(label, money(now))
        if previous_costs is not None:
            before = getattr(previous_costs, key)
            row = MoneyRow(label, money(now), money(before), _signed(now - before))
            if now != before:
                total_changes.append(row)
        totals.append(row)
    surcharge = surcharge_note(costs)
    schedule_note = ""
    if costs.schedule_reason:
        schedule_note = costs.schedule_reason[0].upper() + costs.schedule_reason[1:] + "."
    elif costs.schedule_source == "case":
        schedule_note = "The payment schedule is as the case file gives it."
    elif costs.schedule_source == "computed":
        schedule_note = "loagen computed the standard payment schedule."

    changes = document.changes
    line_rows = tuple(_line_row(c) for c in changes.lines if changes.has_previous and c.changed)
    scope = ""
    if changes.has_previous:
        scope = (
            "This document changes the scope of the case ("
            + "; ".join(
                f"Line {c.number}: {', '.join(c.scope_reasons)}" for c in changes.scope_lines
            )
            + ")."
            if changes.scope_changed
            else "This document does not change the scope of the case."
        )
    order = {"error": 0, "warning": 1}
    ordered = sorted(findings, key=lambda f: order.get(f.severity, 2))
    return Report(
        stem=document.output_stem,
        case_id=case.case_id,
        title=_shown_title(document),
        nickname=case.nickname,
        party=party(case),
        purchaser=case.purchaser.name,
        program=case.program,
        facts=tuple(facts),
        inputs=tuple((f.path.name, f.sha256[:12]) for f in document.files),
        remarks=_remarks(path, selection, findings, document, pipeline),
        errors=tuple(_finding(f, document) for f in ordered if f.severity == "error"),
        warnings=tuple(_finding(f, document) for f in ordered if f.severity != "error"),
        printed=_note_rows(printed, pipeline, selection, places, titles, added_lines=added_lines),
        in_force=_note_rows(groups["in force"], pipeline, selection, places, titles),
        deleted=_note_rows(groups["deleted"], pipeline, selection, places, titles, with_parts=True),
        left_out=_note_rows(left_out, pipeline, selection, places, titles, with_parts=True),
        left_out_total=len(groups["out"]),
        all_left_out=all_notes,
        library_size=len(selection.decisions),
        previous_title=_previous_title(document),
        line_changes=line_rows,
        scope=scope,
        totals=tuple(totals),
        total_changes=tuple(total_changes),
        initial_deposit=money(costs.initial_deposit),
        deposit_label=deposit_label(document.kind),
        surcharge_note=surcharge,
        schedule=tuple(
            ScheduleRow(
                r.label,
                due_words(r),
                money(r.amount),
                money(r.cumulative),
            )
            for r in costs.schedule
        ),
        schedule_note=schedule_note,
        notes_added=(
            len(since.added)
            if since is not None
            else sum(1 for d in groups["printed"] if not d.held)
        ),
        notes_deleted=since.deleted if since is not None else len(groups["deleted"]),
        gone_with_lines=tuple(
            _gone_with_line(n, titles, document) for n in (since.gone if since else ())
        ),
        package=package_section(document, selection),
        notification=notification_section(document),
    )


# -- the LOA package checklist (policy.package, SAMM Table AP9.T4) --------------------------------


def package_section(document: LoaDocument, selection: Selection) -> PackageSection:
    """The supporting documents the document's CTS LOA package must hold, and which of them
    the case file's `package` list records."""
    found = checklist(document, selection)
    package = document.case.package or []

    def row(req: Any, earlier: bool = False) -> PackageRow:
        if earlier:
            status = "Supplied earlier"
        elif req.at_hand:
            status = "At hand"
        else:
            status = "Missing" if found.tracked else "Not recorded"
        held = "; ".join(
            f"{package[i].reference} of {spell_date(package[i].date)}"
            for i in (() if earlier else req.at_hand)
        )
        return PackageRow(req.kind, req.name[:1].upper() + req.name[1:], req.why,
                          req.reference, status, held)  # fmt: skip

    return PackageSection(
        tracked=found.tracked,
        required=tuple(row(r) for r in found.required),
        earlier=tuple(row(r, earlier=True) for r in found.earlier),
        missing=len(found.missing),
    )


# -- congressional notification (policy.notification, AECA 36(b)) -------------------------------


def notification_section(document: LoaDocument) -> NotificationSection:
    """The 36(b) verdict of the document, in words."""
    verdict = assess_notification(document)
    recorded = verdict.notification
    if recorded is not None:
        told = f"Notification {recorded.number} of {spell_date(recorded.date)}"
    elif verdict.notified_by:
        told = f"Recorded by the {verdict.notified_by}"
    else:
        told = ""
    review = ""
    if verdict.review_ends is not None:
        review = (
            f"The {verdict.review_days}-day review period ends on "
            f"{spell_date(verdict.review_ends)}: the document may be offered from then."
        )
    return NotificationSection(
        applies=verdict.applies,
        summary=verdict.summary,
        measures=tuple(
            (m.label[:1].upper() + m.label[1:], money(m.value), money(m.threshold), m.met)
            for m in verdict.measures
        ),
        notification=told,
        review=review,
        advice=verdict.advice,
    )


@dataclass(frozen=True)
class _SincePrevious:
    """The notes of a document against those the document before it prints, counted as
    `loagen diff` of the two lists them: a note printed once per line counts for each line."""

    added: list[tuple[str, SelectedNote]]
    """Printed and not on the case before, or printed for a line it was not printed for (a
    new line's description): (key, note), the key as `keyed_notes` gives it."""
    gone: list[SelectedNote]
    """The notes printed on the previous document for lines this one deletes, which go with
    their lines (the note itself stays on the case for the other lines)."""
    deleted: int
    """The notes deleted: those this document deletes (once for each line the previous
    document printed them for), and `gone`."""


def _notes_since_previous(
    document: LoaDocument, selection: Selection, pipeline: Pipeline
) -> _SincePrevious | None:
    """What `loagen diff PREVIOUS DOCUMENT` counts of the notes (`ops.diff`, note by note):
    None for a Basic, or a document whose earlier notes its case file lists (notes_in_force)
    instead of its earlier documents."""
    if len(document.files) < 2 or document.case.document.notes_in_force is not None:
        return None
    previous = pipeline.assemble(document.files[:-1])
    before = pipeline.select(previous).notes
    old, new = keyed_notes(before, selection.notes)
    printed_before = {n.id for n in before}
    added = [
        (key, n)
        for key, n in new.items()
        if key not in old and (n.id not in selection.before or n.id in printed_before)
    ]
    deleted_ids = {d.note_id for d in selection.deleted}
    kept = {ln.number for ln in document.case.lines}
    gone = [
        n
        for key, n in old.items()
        if key not in new and key != n.id and n.id not in deleted_ids
        and n.id in selection.after and n.lines and not any(ln in kept for ln in n.lines)
    ]  # fmt: skip
    deleted = sum(1 for key, n in old.items() if key not in new and n.id in deleted_ids)
    deleted += sum(1 for i in deleted_ids if i not in printed_before)
    return _SincePrevious(added, gone, deleted + len(gone))


def _gone_with_line(note: SelectedNote, titles: dict[str, str], document: LoaDocument) -> str:
    """A note of a line the document deletes, as the report lists it: "Line Item 006
    Description (Line 006): the line is deleted by this Amendment, and its note goes with
    it"."""
    title = note.title or titles.get(note.id) or note.id
    return (
        f"{title} ({line_refs(note.lines)}): the line is deleted by this {document.kind}, "
        "and its note goes with it"
    )


def _previous_title(document: LoaDocument) -> str:
    if len(document.files) < 2:
        return ""
    return document_title(document.files[-2].case)


def _place_key(place: str) -> tuple[int, int, str]:
    """Printed notes in the order a reader meets them: line descriptions, the payment
    schedule, then the notes section by number."""
    if place.startswith("note"):
        digits = re.search(r"\d+", place)
        return (2, int(digits.group(0)) if digits else 0, place)
    if place.startswith("under"):
        return (1, 0, place)
    return (0, 0, place)


# -- the page ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("loagen.ops", "report_templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["first_upper"] = lambda text: text[:1].upper() + text[1:]
    env.filters["link"] = _link
    return env


_URL = re.compile(r"^(https?://[^\s<>\"']+)(.*)$", re.S)


def _link(reference: str) -> tuple[str, str]:
    """A reference as (web address, the words after it); ("", reference) when it does not
    start with one."""
    m = _URL.match(reference)
    return (m.group(1), m.group(2)) if m else ("", reference)


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    return _environment().get_template("report.html.j2").render(r=report)


def write_report(report: Report, output_dir: Path) -> Path:
    """Write the page into `output_dir` (created if missing) as <document>.report.html."""
    target = Path(output_dir) / report.file_name
    atomic_write(target, render_html(report).encode("utf-8"))
    return target


INDEX_NAME = "index" + REPORT_SUFFIX
"""The page that lists the reports written together (index.report.html)."""


def written_order(case_id: str, files: int, title: str) -> tuple[str, int, str]:
    """The sort key that lists a case's documents together in the order they were written:
    by case, then by the number of case files of the document's chain (`files`: each document
    carries the files of those before it), then by its title ('Basic (restated)' after
    'Basic')."""
    return (case_id, files, title)


def render_index(reports: list[Report], not_reported: list[tuple[str, str]] = ()) -> str:
    """One page listing `reports`, each with its findings, notes and total, linking to it: a
    case's documents together, in the order they were written (each carries the case files of
    the documents before it). `not_reported`: the documents asked for that got no report, each
    (its case file, why), listed first: a page of a folder that left them out would read as
    the whole folder."""
    reports = sorted(reports, key=lambda r: written_order(r.case_id, len(r.inputs), r.title))
    with_errors = sum(1 for r in reports if r.errors)
    with_warnings = sum(1 for r in reports if not r.errors and r.warnings)
    return (
        _environment()
        .get_template("index.report.html.j2")
        .render(
            reports=reports,
            with_errors=with_errors,
            with_warnings=with_warnings,
            not_reported=list(not_reported),
        )
    )


def write_index(
    reports: list[Report], output_dir: Path, not_reported: list[tuple[str, str]] = ()
) -> Path:
    """Write the page listing `reports` (and `not_reported`, see `render_index`) into
    `output_dir` as index.report.html."""
    target = Path(output_dir) / INDEX_NAME
    atomic_write(target, render_index(reports, not_reported).encode("utf-8"))
    return target


__all__ = [
    "INDEX_NAME",
    "REPORT_SUFFIX",
    "Report",
    "make_report",
    "notable",
    "printed_places",
    "render_html",
    "render_index",
    "written_order",
    "write_index",
    "write_report",
]
