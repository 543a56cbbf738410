"""What changed between two versions of a document: a readable summary, and a redline DOCX.

The summary compares two case files, or two built documents through the manifests beside them
(and the case files those record) or, for a DOCX alone, through the build record inside it: the document's own fields and the case's, lines added and
deleted, quantities, unit costs, values, months and codes of the lines in both, the rows of
the payment schedules as printed (matched by due date, as the redline matches them), the notes,
and the totals. Each note printed on either version, or deleted by the later one, is put in one of
these groups:

- added: printed on the later version and not on the case after the earlier one;
- printed again: on the case already (not printed on the earlier version), printed again;
- changed: printed on both, with a different wording, version, or lines;
- stays in force, not restated: on the case, and the later version neither prints nor deletes it
  (SAMM AP9.T2: a note stays in force until a document deletes it). The later version's own
  decisions say which, when known (`loagen explain` and `loagen report` list the same notes),
  whether or not the earlier version printed the note;
- deleted: on the case after the earlier version, deleted by the later one; a line note of a
  line the later version deletes goes with its line (SAMM seed 004, QC-DELETED-LINE-NOTE);
- no longer printed: printed on the earlier version only, and the later one says nothing of it
  (a document of another case, or a built document whose manifest has no note history).

`DocumentDiff.to_json` gives every old and new value as data (amounts and quantities as exact
decimal strings, dates as YYYY-MM-DD, codes, note versions, lines and texts); `to_text` is the
same for a reviewer to read. The redline is a DOCX with tracked changes (insertions and
deletions a reviewer accepts or rejects in Word) made by python-redlines' Docxodus engine from
the two rendered documents, note by note; a note that stays in force, not restated, is no
deletion and is not shown as one.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import __version__
from ..case.embedded import changed_words, read_build_record
from ..case.history import compare
from ..case.model import Line
from ..document.assembly import LoaDocument
from ..document.costs import TOTALS, PaymentRow, deposit_label
from ..document.word_diff import REWORDED, Change, kept_share, word_pieces, wording_changes
from ..document.wording import due_words, line_refs, money, quantity
from ..errors import DiffError, LoagenError
from ..manifest import (
    NOTE_HASH_LENGTH,
    Manifest,
    ManifestInvalid,
    manifest_path,
    read_manifest,
)
from ..output.files import atomic_write
from ..pipeline import Pipeline, selection_digest
from ..policy.in_force import since_the
from ..policy.notes import generic_title
from ..policy.selection import Selection, keyed_notes
from ..reference import load_reference
from ..rendering.redline import (
    PrintedChange,
    distinct_was_now,
    printed_changes,
    printed_text,
    redline_docx,
)

DOCUMENT_SKIPPED = ("previous",)
"""Fields of `document` not compared: the path of the previous snapshot always differs."""
CASE_SKIPPED = ("document", "lines")
"""Fields of the case compared on their own (the document's fields, and line by line)."""
SCHEDULE_FIELD = "payment_schedule"
"""The case's own schedule rows: compared as the documents print their schedules
(`ScheduleDiff`), not as a field of the case, when both documents are known."""

LINE_FACTS = (
    "masl",
    "description",
    "quantity",
    "unit_of_issue",
    "unit_cost",
    "value",
    "months",
    "source_code",
    "type_of_assistance",
    "offer_release_code",
    "delivery_term_code",
)
"""What the JSON gives of each line, old and new, whether it changed or not."""

_LABELS = {
    "masl": "MASL",
    "unit_of_issue": "unit of issue",
    "unit_cost": "unit cost",
    "source_code": "source code",
    "type_of_assistance": "type of assistance",
    "offer_release_code": "offer release code",
    "delivery_term_code": "delivery term code",
}
_MONEY_FIELDS = {"unit_cost", "value"}
_CODE_TABLES = {
    "source_code": "source_codes",
    "type_of_assistance": "type_of_assistance",
    "offer_release_code": "offer_release_codes",
    "delivery_term_code": "delivery_term_codes",
}

NOTE_GROUPS = {
    "added": "Notes added",
    "printed again": "Notes printed again (already on the case)",
    "changed": "Notes printed on both that changed",
    "stays in force": "Notes that stay in force, not restated",
    "deleted": "Notes deleted",
    "no longer printed": "Notes no longer printed",
}
"""The groups of notes, in the order shown, with their headings."""
_MARKS = {
    "added": "+",
    "printed again": "+",
    "changed": "~",
    "stays in force": "=",
    "deleted": "x",
    "no longer printed": "-",
}
LONG_TEXT = 60
"""Text fields longer than this are shown as "was:" and "now:" lines, the changed words marked."""
WORDING_SHOWN = 3
"""Changed paragraphs a note shows in the text summary (the JSON has them all)."""


# -- one side of the comparison -------------------------------------------------------------------


@dataclass(frozen=True)
class NoteState:
    """A note as printed on one version: enough to tell whether it changed."""

    id: str
    title: str
    version: str
    lines: tuple[str, ...]
    body: str | None  # None when only the manifest is known
    sha256: str
    placement: str = "notes"

    def differs_from(self, other: NoteState) -> list[str]:
        """What differs from the `other` (earlier) state: "wording", "title", "note file",
        "version", "lines"."""
        what = []
        if self.body is not None and other.body is not None:
            if self.body != other.body:
                what.append("wording")
            if self.title != other.title:
                what.append("title")
        elif (
            self.sha256
            and other.sha256
            and (self.sha256[:NOTE_HASH_LENGTH] != other.sha256[:NOTE_HASH_LENGTH])
        ):
            # a manifest keeps the first NOTE_HASH_LENGTH hex digits of a note file's hash
            what.append("note file")
        if self.version != other.version:
            what.append("version")
        if self.lines != other.lines:
            what.append("lines")
        return what

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "lines": list(self.lines),
            "title": self.title or None,
            "text": self.body,
        }


@dataclass(frozen=True)
class OnCase:
    """A note on the case after a version: the version it carries and since which document."""

    version: str
    since: str


@dataclass(frozen=True)
class Decided:
    """What the later version decided of a note, when known (case files): status, reason, and
    the note's title as the library gives it ("Line Item nnn Description")."""

    status: str
    reason: str
    title: str = ""


@dataclass
class Version:
    """One of the two versions compared."""

    label: str
    document: LoaDocument | None
    notes: list[NoteState]
    totals: dict[str, Decimal]
    docx: Path | None = None
    remarks: list[str] = field(default_factory=list)
    on_case: dict[str, OnCase] | None = None
    """The notes in force on the case after this version, by id (None: not known)."""
    decided: dict[str, Decided] = field(default_factory=dict)
    """This version's decision on each note of the library (case files only)."""
    changed: bool = False
    """A DOCX changed after loagen built it (its text is not what its record describes)."""
    manifest: Manifest | None = None
    """What a built document records of its build (None: a case file)."""


def load_version(path: Path, pipeline: Pipeline | None = None) -> Version:
    """A case file (its notes selected with the current library) or a built DOCX (its manifest,
    and the case file the manifest records when it is unchanged since the build)."""
    path = Path(path)
    pipeline = pipeline or Pipeline.discover()
    if path.suffix.lower() == ".docx":
        return _built_version(path, pipeline)
    document = pipeline.document(path)
    return _selected_version(str(path), document, pipeline.select(document), _totals_of(document))


def _built_version(docx: Path, pipeline: Pipeline) -> Version:
    if not docx.is_file():
        raise DiffError("file not found", source=docx)
    manifest_file = manifest_path(docx)
    manifest = read_manifest(manifest_file)
    if manifest is None:
        return _recorded_version(docx, pipeline, manifest_file)
    version = _manifest_version(docx, manifest, pipeline)
    with contextlib.suppress(LoagenError):  # no record (an older loagen): read as before
        version.changed = read_build_record(docx).changed
    inputs = manifest.dependencies.inputs
    if inputs:
        case_path = pipeline.project.absolute(inputs[-1].path)
        try:
            unchanged = hashlib.sha256(case_path.read_bytes()).hexdigest() == inputs[-1].sha256
        except OSError:
            version.remarks.append(f"the case file {case_path} is gone: lines not compared")
        else:
            if unchanged:
                document = _quietly(pipeline.document, case_path)
                known = _with_texts(docx, document, pipeline, manifest, version.changed)
                if known is not None:
                    return known
                version.document = document
            else:
                version.remarks.append(
                    f"the case file {case_path} changed since {docx.name} was built: "
                    "lines not compared (rebuild it first)"
                )
    return version


def _manifest_version(docx: Path, manifest: Manifest, pipeline: Pipeline) -> Version:
    """The notes and totals a manifest records, without the document's lines."""
    library = _quietly(lambda _: pipeline.library, docx)
    notes = []
    for n in manifest.notes:
        note = library.get(n.id) if library is not None else None
        title = note.title if note is not None and "{" not in note.title else ""
        # A manifest records a note printed once per line once, with all its lines.
        each = [(ln,) for ln in n.lines] if note is not None and note.level == "line" else [n.lines]
        notes += [
            NoteState(n.id, title, n.version, lines, None, n.sha256, n.placement) for lines in each
        ]
    on_case = None
    if manifest.note_history or not manifest.notes:
        on_case = {i: OnCase(v, since) for i, v, since in manifest.note_history}
    return Version(
        str(docx), None, notes, manifest.total, docx=docx, on_case=on_case, manifest=manifest
    )


def _with_texts(
    docx: Path,
    document: LoaDocument | None,
    pipeline: Pipeline,
    manifest: Manifest,
    changed: bool,
    selection: Selection | None = None,
) -> Version | None:
    """The built document read as its case files are (notes with their texts), when loagen
    picks today the notes it printed (the same selection digest): the wording of its notes is
    then compared too. None when it does not, or the document cannot be read."""
    if document is None:
        return None
    if selection is None:
        selection = _quietly(pipeline.select, document)
        if selection is None:
            return None
    if selection_digest(selection) != manifest.selection_digest:
        return None
    version = _selected_version(str(docx), document, selection, manifest.total)
    version.docx = docx
    version.changed = changed
    version.manifest = manifest
    return version


def _recorded_version(docx: Path, pipeline: Pipeline, manifest_file: Path) -> Version:
    """A DOCX alone (no manifest beside it, e.g. one a reviewer was sent): its build record
    holds the manifest and the case files it was built from (see `case.embedded`)."""
    try:
        record = read_build_record(docx)
        manifest = Manifest.from_json(record.manifest)
    except (LoagenError, ManifestInvalid) as exc:
        why = exc.message if isinstance(exc, LoagenError) else f"its build record: {exc}"
        raise DiffError(
            f"no readable manifest beside the document ({manifest_file.name}), and {why}; "
            "compare documents built by loagen, or give the case files",
            source=docx,
        ) from None
    document = pipeline.document(docx)
    selection = pipeline.select(document)
    known = _with_texts(docx, document, pipeline, manifest, record.changed, selection)
    if known is not None:
        return known
    version = _manifest_version(docx, manifest, pipeline)
    version.changed = record.changed
    version.document = document
    version.on_case = {n.note_id: OnCase(n.version, n.since) for n in selection.after}
    version.decided = _decided(selection)
    version.remarks.append(
        f"the note library changed since {docx.name} was built: which of its notes stay in "
        "force is as loagen decides today"
    )
    return version


def _selected_version(
    label: str, document: LoaDocument, selection: Selection, totals: dict[str, Decimal]
) -> Version:
    notes = [
        NoteState(n.id, n.title, n.version, tuple(n.lines), n.body, n.sha256, n.placement)
        for n in selection.notes
    ]
    return Version(
        label,
        document,
        notes,
        totals,
        on_case={n.note_id: OnCase(n.version, n.since) for n in selection.after},
        decided=_decided(selection),
    )


def _decided(selection: Selection) -> dict[str, Decided]:
    return {
        d.note_id: Decided(d.status, d.reason, generic_title(d.title)) for d in selection.decisions
    }


def _quietly(load: Any, path: Path) -> Any:
    try:
        return load(path)
    except LoagenError:
        return None


def _totals_of(document: LoaDocument) -> dict[str, Decimal]:
    costs = document.costs
    return {key: Decimal(getattr(costs, key)) for key, _ in TOTALS}


# -- values, as data and as words -------------------------------------------------------------------


def _data(value: Any) -> Any:
    """A value as JSON data: amounts and quantities as exact decimal strings, dates YYYY-MM-DD,
    models as objects."""
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return _data(value.model_dump())
    if isinstance(value, dict):
        return {str(k): _data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_data(v) for v in value]
    return value


def _decimal(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(value.to_integral_value())
    return format(value.normalize(), "f")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _words(value: Any) -> str:
    """A value as a reviewer reads it: "-" for nothing, amounts with thousands separators."""
    if value is None or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return _words(value.model_dump())
    if isinstance(value, (list, tuple)):
        return ", ".join(_words(v) for v in value)
    if isinstance(value, dict):
        return " ".join(_words(v) for v in value.values() if v not in (None, [], {}))
    return str(value)


def _flatten(value: Any, prefix: str) -> dict[str, Any]:
    """Leaves of a value by path ({"accessorial.transportation": Decimal(...), ...}); a list is
    one leaf (compared item by item when shown, see `FieldChange.to_text`)."""
    if hasattr(value, "model_dump"):
        value = {name: getattr(value, name) for name in type(value).model_fields}
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: list(value) if isinstance(value, tuple) else value}


# -- the comparison -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """A field whose value differs: its path in the case file, old and new values as data."""

    field: str
    old: Any
    new: Any
    remark: str = ""
    """What a reader should know of the change (said after it)."""

    def to_text(self) -> str:
        old, new = self.old or [], self.new or []
        if isinstance(old, list) and isinstance(new, list) and (old or new):
            gone = [v for v in old if v not in new]
            came = [v for v in new if v not in old]
            if not gone and not came:
                return f"{self.field}: same items, in another order"
            parts = [f"removed {_words(v)}" for v in gone] + [f"added {_words(v)}" for v in came]
            remark = f" ({self.remark})" if self.remark else ""
            return f"{self.field}: {'; '.join(parts)}{remark}"
        if (
            isinstance(self.old, str)
            and isinstance(self.new, str)
            and max(len(self.old), len(self.new)) > LONG_TEXT
        ):
            pieces = word_pieces(self.old, self.new)
            if kept_share(pieces) >= REWORDED:  # mark the words that changed
                was, now = Change(self.old, self.new, pieces).was_now()
            else:  # little in common: both in full
                was, now = self.old, self.new
            return f"{self.field}:\n      was: {was}\n      now: {now}"
        return f"{self.field}: {_words(self.old)} -> {_words(self.new)}"

    def to_json(self) -> dict[str, Any]:
        if self.field in _MONEY_FIELDS and isinstance(self.old, Decimal):
            return {"field": self.field, "old": _amount(self.old), "new": _amount(self.new)}
        out = {"field": self.field, "old": _data(self.old), "new": _data(self.new)}
        return {**out, "remark": self.remark} if self.remark else out


@dataclass(frozen=True)
class LineDiff:
    number: str
    description: str
    change: str  # "added", "deleted", "increased", "decreased", "changed"
    details: tuple[str, ...]
    """The changes in words, as the text summary shows them."""
    old: dict[str, Any] | None = None
    """The line's facts before (`LINE_FACTS`, as data); None for a line added."""
    new: dict[str, Any] | None = None
    """The line's facts after; None for a line deleted."""
    fields: tuple[FieldChange, ...] = ()
    """Every field of the line that differs (with `value`, the line total)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "description": self.description,
            "change": self.change,
            "old": self.old,
            "new": self.new,
            "changes": [f.to_json() for f in self.fields],
        }


@dataclass(frozen=True)
class NoteDiff:
    """One note printed on either version, or deleted by the later one."""

    key: str
    """The note id, or for a note printed once per line its id and line: "X (Line 007)"."""
    id: str
    change: str
    """A key of `NOTE_GROUPS`."""
    old: NoteState | None
    new: NoteState | None
    what: tuple[str, ...] = ()
    """For a note that changed: "wording", "title", "note file", "version", "lines"."""
    wording: tuple[Change, ...] = ()
    """For a note whose wording changed: the paragraphs that differ."""
    on_case: OnCase | None = None
    """The note on the case after the later version (stays in force), or after the earlier one
    (printed again, deleted)."""
    reason: str = ""
    """Why the later version prints, keeps or deletes it, when known."""
    named: str = ""
    """The note's title in the library, for a note printed on neither version."""

    @property
    def title(self) -> str:
        return (self.new and self.new.title) or (self.old and self.old.title) or self.named

    def to_text(self) -> list[str]:
        head = f"  {_MARKS[self.change]} {self.key}"
        if self.title:
            head += f' "{self.title}"'
        facts = []
        state = self.new or self.old
        if self.change in ("added", "printed again") and state and state.version:
            facts.append(f"version {state.version}")
        if self.change == "changed":
            assert self.old is not None and self.new is not None
            if "version" in self.what:
                facts.append(f"version {self.old.version} -> {self.new.version}")
            if "lines" in self.what:
                # the lines it is printed for this time (its carry-over may print it again
                # for the lines changed only; its text may still name others)
                facts.append(
                    f"printed this time for "
                    f"{line_refs(self.new.lines) if self.new.lines else 'no line'} "
                    f"(before, for {line_refs(self.old.lines) if self.old.lines else 'no line'})"
                )
            if "title" in self.what:
                facts.append(f'title was "{self.old.title}"')
            if "wording" in self.what:
                facts.append("wording")
            if "note file" in self.what:
                facts.append("note file edited")
        if self.on_case and self.change in ("stays in force", "printed again"):
            facts.append(f"on the case since {since_the(self.on_case.since)}")
            if self.change == "stays in force":
                facts[-1] += f", version {self.on_case.version}"
        out = [head + (f": {'; '.join(facts)}" if facts else "")]
        if self.reason and self.change in ("deleted", "no longer printed"):
            out.append(f"      {self.reason}")
        shown = self.wording[:WORDING_SHOWN]
        for change, (was, now) in zip(shown, distinct_was_now(shown), strict=True):
            if change.kind == "added":
                out.append(f"      new paragraph: {_clip(change.new or '')}")
            elif change.kind == "removed":
                out.append(f"      paragraph gone: {_clip(change.old or '')}")
            else:
                out += [f"      was: {was}", f"      now: {now}"]
        if len(self.wording) > WORDING_SHOWN:
            more = len(self.wording) - WORDING_SHOWN
            out.append(f"      (and {more} more paragraph{'s' if more != 1 else ''}: see --json)")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "id": self.id,
            "title": self.title or None,
            "change": self.change,
            "old": self.old.to_json() if self.old else None,
            "new": self.new.to_json() if self.new else None,
            "changed": list(self.what),
            "wording": [c.to_json() for c in self.wording],
            "on_case": (
                {"version": self.on_case.version, "since": self.on_case.since}
                if self.on_case
                else None
            ),
            "reason": self.reason or None,
        }


def _clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


@dataclass(frozen=True)
class TotalDiff:
    key: str
    label: str
    old: Decimal | None
    new: Decimal | None
    old_label: str = ""
    """What the earlier version calls its figure when it is another figure than the later's
    ("Amount Due with Acceptance" on an Amendment, "Initial Deposit" on a Modification): the
    two are then shown side by side, not as one figure changed."""

    def to_text(self) -> str:
        a = money(self.old, cents=True) if self.old is not None else "-"
        b = money(self.new, cents=True) if self.new is not None else "-"
        if self.old_label:
            return (
                f"  {self.old_label} (earlier): {a}; {self.label} (later): {b} "
                "(two different figures: not a change of one)"
            )
        delta = ""
        if self.old is not None and self.new is not None:
            sign = "+" if self.new > self.old else "-"
            delta = f" ({sign}{money(abs(self.new - self.old), cents=True)})"
        return f"  {self.label}: {a} -> {b}{delta}"

    def to_json(self) -> dict[str, Any]:
        both = self.old is not None and self.new is not None and not self.old_label
        return {
            "key": self.key,
            "total": self.label,
            "old_total": self.old_label or self.label,
            "old": None if self.old is None else _amount(self.old),
            "new": None if self.new is None else _amount(self.new),
            "difference": _amount(self.new - self.old) if both else None,  # type: ignore[operator]
        }


SCHEDULE_SOURCES = {"case": "given by the case file", "computed": "computed by loagen"}
"""How each side's schedule was made, in words (`CostSummary.schedule_source`; "none" is said
by the document's own reason for printing no schedule)."""


@dataclass(frozen=True)
class ScheduleRowDiff:
    """A row of the payment schedule printed on one version only, or on both with another
    amount (same due date), or moved to another date (same label, same place), or due on the
    same date as a payment of another kind (an Amendment's "Amount Due with Acceptance" where
    the earlier document had a quarterly payment): two figures, as `TotalDiff` shows them."""

    change: str  # "added", "removed", "changed", "moved", "other payment"
    old: PaymentRow | None
    new: PaymentRow | None

    def to_text(self) -> str:
        row = self.new or self.old
        assert row is not None
        if self.old is None or self.new is None:
            return f"  {self.change} {_due_and_label(row)}: {money(row.amount, cents=True)}"
        if self.change == "moved":
            head = f"  moved {self.new.label} from {_due(self.old)} to {_due(self.new)}"
        elif self.change == "other payment":
            a, b = money(self.old.amount, cents=True), money(self.new.amount, cents=True)
            return (
                f"  {_due(self.new)}: {self.old.label} (earlier) {a}; {self.new.label} (later) "
                f"{b} (two different figures: not a change of one)"
            )
        else:
            head = f"  changed {_due_and_label(self.new)}"
        a, b = self.old.amount, self.new.amount
        if a == b:
            return f"{head}: {money(b, cents=True)}, the same amount"
        sign = "+" if b > a else "-"
        return (
            f"{head}: {money(a, cents=True)} -> {money(b, cents=True)} "
            f"({sign}{money(abs(b - a), cents=True)})"
        )

    def to_json(self) -> dict[str, Any]:
        difference = None
        if self.old is not None and self.new is not None and self.change != "other payment":
            difference = _amount(self.new.amount - self.old.amount)
        return {
            "change": self.change,
            "old": _row_json(self.old),
            "new": _row_json(self.new),
            "difference": difference,
        }


@dataclass(frozen=True)
class ScheduleDiff:
    """The payment schedules of both versions compared as printed: how each was made (given by
    the case file, computed, none) and the rows that differ, in the later schedule's order."""

    old_source: str
    new_source: str
    rows: tuple[ScheduleRowDiff, ...]
    old_reason: str = ""
    new_reason: str = ""
    """Why a version prints no schedule (its source "none"), as the document says it."""

    @property
    def empty(self) -> bool:
        return not self.rows and self.old_source == self.new_source

    def to_text(self) -> list[str]:
        out = []
        if self.old_source != self.new_source:
            now = SCHEDULE_SOURCES.get(self.new_source, self.new_reason or "no payment schedule")
            was = SCHEDULE_SOURCES.get(self.old_source, self.old_reason or "no payment schedule")
            out.append(f"  now {now} (before, {was})")
        out += [r.to_text() for r in self.rows]
        if self.old_source != self.new_source and not self.rows:
            out.append("  the rows printed are the same")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "old_source": self.old_source,
            "new_source": self.new_source,
            "changes": [r.to_json() for r in self.rows],
        }


def _due(row: PaymentRow) -> str:
    """When a row is due: its date (YYYY-MM-DD), or as the schedule says it ("before this
    Amendment", "as billed", "with acceptance")."""
    if row.date and not row.as_billed:
        return row.date.isoformat()
    words = due_words(row)
    return words[:1].lower() + words[1:]


def _due_and_label(row: PaymentRow) -> str:
    if row.date and not row.as_billed:
        return f"{row.date.isoformat()} {row.label}"
    return f"{row.label} ({_due(row)})"


def _row_json(row: PaymentRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "label": row.label,
        "date": None if row.as_billed else _data(row.date),
        "due": due_words(row),
        "amount": _amount(row.amount),
        "cumulative": _amount(row.cumulative),
    }


@dataclass
class DocumentDiff:
    old: str
    new: str
    fields: list[FieldChange] = field(default_factory=list)
    """The document's own fields (`document.*`) that differ."""
    case_fields: list[FieldChange] = field(default_factory=list)
    """The other fields of the case (purchaser, terms of sale, accessorial charges ...)."""
    lines: list[LineDiff] = field(default_factory=list)
    schedule: ScheduleDiff | None = None
    """The payment schedules as printed, when both documents are known."""
    notes: list[NoteDiff] = field(default_factory=list)
    totals: list[TotalDiff] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What to know before reading the changes: the two versions are documents of two cases,
    or NEW comes before OLD in its case (`_pairing`)."""
    changed: list[Path] = field(default_factory=list)
    """The DOCX compared that were changed after loagen built them: what is compared is
    what they record of their build, not their text as it reads now."""
    printed: list[PrintedChange] = field(default_factory=list)
    """The paragraphs of the printed text that differ, when the texts were compared (a built
    document whose build did not use the same note library, template, reference tables or
    loagen as the other: see `diff_paths`)."""

    def notes_in(self, change: str) -> list[NoteDiff]:
        return [n for n in self.notes if n.change == change]

    @property
    def case_shown(self) -> list[FieldChange]:
        """The case's fields that differ, as the summary lists them: without the case file's
        schedule rows when the printed schedules are compared (`schedule` says them as the
        documents print them)."""
        if self.schedule is None or self.schedule.empty:
            return self.case_fields
        return [f for f in self.case_fields if f.field != SCHEDULE_FIELD]

    @property
    def empty(self) -> bool:
        return not (
            self.fields or self.case_fields or self.lines or self.notes or self.totals
            or self.printed or (self.schedule is not None and not self.schedule.empty)
        )  # fmt: skip

    def to_text(self) -> str:
        out = [f"{self.old} -> {self.new}"]
        out += [f"Warning: {w}" for w in self.warnings]
        out += [f"Warning: {changed_words(docx)}; {CHANGED_TEXT}" for docx in self.changed]
        if self.empty:
            out.append(
                "  no differences between the documents as loagen built them"
                if self.changed
                else "  no differences"
            )
        if self.fields:
            out.append("Document:")
            out += [f"  {f.to_text()}" for f in self.fields]
        if self.case_shown:
            out.append("Case:")
            out += [f"  {f.to_text()}" for f in self.case_shown]
        if self.lines:
            out.append("Lines:")
            for ln in self.lines:
                head = f"  Line {ln.number} {ln.change}: {ln.description}"
                out.append(head + (f": {'; '.join(ln.details)}" if ln.details else ""))
        for change, heading in NOTE_GROUPS.items():
            group = self.notes_in(change)
            if group:
                out.append(f"{heading} ({len(group)}):")
                for note in group:
                    out += note.to_text()
        if self.totals:
            out.append("Totals:")
            out += [t.to_text() for t in self.totals]
        if self.schedule is not None and not self.schedule.empty:
            out.append("Payment schedule:")
            out += self.schedule.to_text()
        if self.printed:
            count = len(self.printed)
            out.append(f"Printed text that differs ({count} paragraph{'s' if count != 1 else ''}):")
            out += printed_text(self.printed)
        out += [f"Note: {r}" for r in self.remarks]
        return "\n".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "document": [f.to_json() for f in self.fields],
            "case": [f.to_json() for f in self.case_shown],
            "lines": [ln.to_json() for ln in self.lines],
            "notes": [n.to_json() for n in self.notes],
            "note_counts": {change: len(self.notes_in(change)) for change in NOTE_GROUPS},
            "totals": [t.to_json() for t in self.totals],
            "schedule": self.schedule.to_json() if self.schedule is not None else None,
            "printed": [p.to_json() for p in self.printed],
            "remarks": self.remarks,
            "warnings": self.warnings,
            "changed_after_build": [
                {"document": str(docx), "message": f"{changed_words(docx)}; {CHANGED_TEXT}"}
                for docx in self.changed
            ],
        }


MANIFEST_ONLY = (
    "a built document is compared through its manifest: the notes' wording is not compared "
    "(compare the case files for that)"
)
"""The remark of a comparison made without the notes' wording."""
CHANGED_TEXT = (
    "the differences in its text are not listed here (with --output, the redline written "
    "compares the documents as they read now)"
)
"""What a diff adds about a DOCX changed after it was built."""


def compare_versions(old: Version, new: Version) -> DocumentDiff:
    """Everything that differs between two versions, as data and in plain words."""
    result = DocumentDiff(old.label, new.label, remarks=[*old.remarks, *new.remarks])
    result.changed = [v.docx for v in (old, new) if v.changed and v.docx is not None]
    if old.document is not None and new.document is not None:
        result.warnings = _pairing(old.document, new.document)
        result.fields = _field_changes(old.document, new.document)
        result.case_fields = _case_changes(old.document, new.document)
        result.lines = _line_changes(old.document, new.document)
        result.schedule = _schedule_changes(old.document, new.document)
    result.notes = _note_changes(old, new)
    if any(n.body is None for n in [*old.notes, *new.notes]):
        result.remarks.append(MANIFEST_ONLY)
    for key, label in TOTALS:
        a, b = old.totals.get(key), new.totals.get(key)
        if a != b:
            old_label = ""
            if key == "initial_deposit":
                old_label, label = _deposit_labels(old, new)
                old_label = "" if old_label == label else old_label
            result.totals.append(TotalDiff(key, label, a, b, old_label))
    return result


def _pairing(old: LoaDocument, new: LoaDocument) -> list[str]:
    """What a reader must know before the changes: OLD and NEW are documents of two cases (what
    differs is listed, but no document made those changes), or NEW is an earlier document of
    the case than OLD (each change reads backwards: a line NEW has and OLD lost is 'added')."""
    if old.case.case_id != new.case.case_id:
        return [
            f"OLD and NEW are documents of two cases ({old.case.case_id} {old.title}, "
            f"{new.case.case_id} {new.title}): what differs between them is listed, not what "
            "a document of one case changed"
        ]
    if len(new.files) < len(old.files):
        return [
            f"NEW ({new.title}) comes before OLD ({old.title}) in the case: every change below "
            "reads backwards; give the earlier document first"
        ]
    return []


def _deposit_labels(old: Version, new: Version) -> tuple[str, str]:
    """What the first page calls the amount due with each version ("Initial Deposit" on a
    Basic, "Amount Due with Acceptance" on an Amendment). Two names are two figures: an
    Amendment's amount due with its acceptance is not a Basic's deposit cut or raised."""

    def named(version: Version) -> str:
        kind = version.document.kind if version.document is not None else ""
        if not kind and " Amendment" in f" {version.label}":
            kind = "Amendment"
        return deposit_label(kind)

    return named(old), named(new)


def _note_changes(old: Version, new: Version) -> list[NoteDiff]:
    before, after = keyed_notes(old.notes, new.notes)
    out: list[NoteDiff] = []
    printed_before = {n.id for n in old.notes}
    for key, note in after.items():
        was = before.get(key)
        decided = new.decided.get(note.id)
        reason = decided.reason if decided else ""
        if was is None:
            held = (old.on_case or {}).get(note.id)
            again = held is not None and note.id not in printed_before
            out.append(
                NoteDiff(key, note.id, "printed again" if again else "added", None, note,
                         on_case=held if again else None, reason=reason)
            )  # fmt: skip
            continue
        what = note.differs_from(was)
        if what:
            wording = ()
            if "wording" in what and was.body is not None and note.body is not None:
                wording = wording_changes(was.body, note.body)
            out.append(
                NoteDiff(key, note.id, "changed", was, note, tuple(what), wording, reason=reason)
            )
    printed_after = {n.id for n in new.notes}
    for key, note in before.items():
        if key in after:
            continue
        out.append(_not_printed_again(key, note.id, note, old, new, printed_after))
    # Notes on the case after the earlier version, not printed on it, that the later deletes.
    if old.on_case is not None and new.on_case is not None:
        for note_id, held in old.on_case.items():
            if note_id in printed_before or note_id in new.on_case or note_id in printed_after:
                continue
            decided = new.decided.get(note_id)
            out.append(
                NoteDiff(note_id, note_id, "deleted", None, None, on_case=held,
                         reason=decided.reason if decided else "",
                         named=decided.title if decided else "")
            )  # fmt: skip
    # Notes in force that neither version printed: the later one keeps them all the same.
    for note_id in _kept_ids(new):
        if note_id in printed_before or note_id in printed_after:
            continue
        decided = new.decided.get(note_id)
        out.append(
            NoteDiff(note_id, note_id, "stays in force", None, None,
                     on_case=(new.on_case or {}).get(note_id),
                     reason=decided.reason if decided else "",
                     named=decided.title if decided else "")
        )  # fmt: skip
    return out


def _kept_ids(new: Version) -> list[str]:
    """The notes the later version keeps in force without printing them: its decisions "in
    force" (what `loagen explain` lists as "in force on the case, not restated"), or, for a
    built document known by its manifest alone, the notes its history holds and it does not
    print."""
    if new.decided:
        return [i for i, d in new.decided.items() if d.status == "in force"]
    printed = {n.id for n in new.notes}
    return [i for i in new.on_case or {} if i not in printed]


def _not_printed_again(
    key: str, note_id: str, note: NoteState, old_version: Version, new: Version,
    printed_after: set[str],
) -> NoteDiff:  # fmt: skip
    """A note printed on the earlier version and not (for this line) on the later one."""
    gone = _lines_deleted(note, old_version, new) if key != note_id else ()
    held = new.on_case.get(note_id) if new.on_case is not None else None
    if held is not None and gone and _deleted_here(gone, new):
        # the later version deletes the note's line itself: so it is said, also of two builds
        # of one document whose case file deleted the line between them
        return NoteDiff(key, note_id, "deleted", note, None, reason=_gone_words(gone, new))
    rebuilt = _rebuilt(old_version, new)
    if rebuilt:
        return NoteDiff(key, note_id, "no longer printed", note, None, reason=rebuilt)
    decided = new.decided.get(note_id)
    reason = decided.reason if decided else ""
    if decided is not None and decided.status == "deleted":
        return NoteDiff(key, note_id, "deleted", note, None, reason=reason)
    if new.on_case is None:
        return NoteDiff(key, note_id, "no longer printed", note, None, reason=reason)
    if held is not None and gone:
        # a note printed once per line, whose line is no longer on the case
        return NoteDiff(key, note_id, "deleted", note, None, reason=_gone_words(gone, new))
    if held is not None and (
        note_id in printed_after or decided is None or decided.status == "in force"
    ):
        if note_id in printed_after:  # printed for other lines: this one's stays in force
            reason = ""
        return NoteDiff(key, note_id, "stays in force", note, None, on_case=held, reason=reason)
    if held is not None:  # on the case, and yet not in force as the later version decides
        return NoteDiff(key, note_id, "no longer printed", note, None, reason=reason)
    if decided is None and note_id not in printed_after:
        # A built document (no decisions): off the case after the later version.
        return NoteDiff(key, note_id, "deleted", note, None)
    if note_id not in printed_after and _same_case(old_version, new):
        # Off the case after the later version, which did not delete it: a document between
        # the two versions compared did.
        return NoteDiff(
            key, note_id, "deleted", note, None,
            reason="deleted by a document between the two versions compared",
        )  # fmt: skip
    return NoteDiff(key, note_id, "no longer printed", note, None, reason=reason)


def _rebuilt(old: Version, new: Version) -> str:
    """When both versions are builds of the same document (its case file built again): what
    changed between the builds that made the later one stop printing a note; "" otherwise."""
    a, b = old.manifest, new.manifest
    if a is None or b is None or (a.case_id, a.document) != (b.case_id, b.document):
        return ""
    same = f"both are {b.case_id} {b.document}, built twice"
    if a.dependencies.inputs == b.dependencies.inputs:
        return f"{same}: the note library changed between the builds, and the later one does not print it"
    return (
        f"{same}: its case file and perhaps the note library changed between the builds, and "
        "the later one does not print it"
    )


def _lines_deleted(note: NoteState, old: Version, new: Version) -> tuple[str, ...]:
    """For a note printed about lines the later version of the same case no longer has (it
    deleted them): those lines. Empty when the note names a line still on the document, or
    when the lines of either version are not known."""
    if not note.lines or not _same_case(old, new):
        return ()
    assert new.document is not None
    kept = {ln.number for ln in new.document.case.lines}
    if any(number in kept for number in note.lines):
        return ()
    return note.lines


def _deleted_here(lines: tuple[str, ...], new: Version) -> bool:
    """Whether the later version itself deletes every one of `lines`."""
    assert new.document is not None
    deleted_here = {c.number for c in new.document.changes.deleted}
    return all(number in deleted_here for number in lines)


def _gone_words(lines: tuple[str, ...], new: Version) -> str:
    """Why the note of `lines` went: the later version deleted them, or one between."""
    assert new.document is not None
    verb = "is" if len(lines) == 1 else "are"
    if _deleted_here(lines, new):
        return (
            f"{line_refs(lines)} {verb} deleted by this {new.document.kind}: "
            "the line's note goes with it"
        )
    return (
        f"{line_refs(lines)} {verb} no longer on the case (deleted by a document between the two "
        "versions compared): the line's note went with it"
    )


def _same_case(old: Version, new: Version) -> bool:
    """Whether both versions are documents of one case (of their case files)."""
    return (
        old.document is not None
        and new.document is not None
        and old.document.case.case_id == new.document.case.case_id
    )


def _field_changes(old: LoaDocument, new: LoaDocument) -> list[FieldChange]:
    a = _flatten(old.case.document, "")
    b = _flatten(new.case.document, "")
    return [
        FieldChange(name, a.get(name), b.get(name))
        for name in _ordered(a, b)
        if name.split(".")[0].split("[")[0] not in DOCUMENT_SKIPPED and a.get(name) != b.get(name)
    ]


def _case_changes(old: LoaDocument, new: LoaDocument) -> list[FieldChange]:
    a, b = {}, {}
    for name in type(old.case).model_fields:
        if name in CASE_SKIPPED:
            continue
        a.update(_flatten(getattr(old.case, name), name))
        b.update(_flatten(getattr(new.case, name), name))
    return [
        FieldChange(path, a.get(path), b.get(path), _remark(path, new))
        for path in _ordered(a, b)
        if a.get(path) != b.get(path)
    ]


def _remark(path: str, new: LoaDocument) -> str:
    if path == "purchaser_references" and new.case.document.kind == "Modification":
        return (
            "a Modification cites only the correspondence it answers; the references of the "
            "earlier documents stay on the case"
        )
    return ""


def _ordered(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return [*a, *(k for k in b if k not in a)]


def _line_changes(old: LoaDocument, new: LoaDocument) -> list[LineDiff]:
    out = []
    for change in compare(old.case, new.case).lines:
        if change.added:
            ln = change.revised
            assert ln is not None
            out.append(
                LineDiff(ln.number, ln.description, "added", (_line_facts(ln),), new=_facts(ln))
            )
        elif change.deleted:
            ln = change.previous
            assert ln is not None
            out.append(
                LineDiff(
                    ln.number, ln.description, "deleted", (f"was {_line_facts(ln)}",),
                    old=_facts(ln),
                )
            )  # fmt: skip
        elif change.changed:
            before, after = change.previous, change.revised
            assert before is not None and after is not None
            fields = _line_fields(before, after)
            out.append(
                LineDiff(
                    change.number,
                    after.description,
                    _direction(before, after),
                    tuple(_line_detail(f, before, after) for f in fields),
                    _facts(before),
                    _facts(after),
                    fields,
                )
            )
    return out


def _schedule_changes(old: LoaDocument, new: LoaDocument) -> ScheduleDiff:
    """The rows of the two payment schedules as printed, matched by due date (or, for a row
    with none, by what the schedule prints in its place), as the redline matches them
    (`rendering.redline`): rows of other dates in the same place with the same label are one
    payment moved; the others are added or removed."""
    a, b = old.costs, new.costs
    before, after = a.schedule, b.schedule
    matcher = difflib.SequenceMatcher(
        None, [_row_key(r) for r in before], [_row_key(r) for r in after], autojunk=False
    )
    rows: list[ScheduleRowDiff] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for x, y in zip(before[i1:i2], after[j1:j2], strict=True):
                if x.label != y.label:
                    rows.append(ScheduleRowDiff("other payment", x, y))
                elif x.amount != y.amount:
                    rows.append(ScheduleRowDiff("changed", x, y))
            continue
        moved = 0
        if tag == "replace":
            while (
                moved < min(i2 - i1, j2 - j1)
                and before[i1 + moved].label == after[j1 + moved].label
            ):
                rows.append(ScheduleRowDiff("moved", before[i1 + moved], after[j1 + moved]))
                moved += 1
        rows += [ScheduleRowDiff("removed", r, None) for r in before[i1 + moved : i2]]
        rows += [ScheduleRowDiff("added", None, r) for r in after[j1 + moved : j2]]
    return ScheduleDiff(
        a.schedule_source,
        b.schedule_source,
        tuple(rows),
        a.schedule_reason if a.schedule_source == "none" else "",
        b.schedule_reason if b.schedule_source == "none" else "",
    )


def _row_key(row: PaymentRow) -> str:
    """What a schedule row is matched by: its due date, as the redline's column shows it."""
    return due_words(row)


def _facts(line: Line) -> dict[str, Any]:
    facts = {}
    for name in LINE_FACTS:
        value = line.total if name == "value" else getattr(line, name)
        facts[name] = _amount(value) if name in _MONEY_FIELDS else _data(value)
    return facts


def _line_fields(before: Line, after: Line) -> tuple[FieldChange, ...]:
    """Every field of the line that differs, the line total ("value") after the unit cost."""
    out = []
    for name in type(before).model_fields:
        a, b = getattr(before, name), getattr(after, name)
        if a != b:
            out.append(FieldChange(name, a, b))
        if name == "unit_cost" and before.total != after.total:
            out.append(FieldChange("value", before.total, after.total))
    return tuple(out)


def _direction(before: Line, after: Line) -> str:
    if after.total > before.total or after.quantity > before.quantity:
        return "increased"
    if after.total < before.total or after.quantity < before.quantity:
        return "decreased"
    return "changed"


def _line_facts(line: Line) -> str:
    facts = f"{quantity(line.quantity)} {line.unit_of_issue}, {money(line.total, cents=True)}"
    if line.months:
        facts += f", months {line.months}"
    return facts


def _code(name: str, code: Any) -> str:
    if code is None:
        return "-"
    row = getattr(load_reference(), _CODE_TABLES[name]).get(str(code))
    meaning = row.get("meaning") if isinstance(row, dict) else row
    return f"{code} ({meaning})" if meaning else str(code)


def _line_detail(change: FieldChange, before: Line, after: Line) -> str:
    """One changed field of a line in words: "quantity 1 -> 2 EA", "value $1.00 -> $2.00
    (+$1.00)", "source code P (New procurement) -> S (From DoD stock ...)"."""
    name = change.field
    label = _LABELS.get(name, name.replace("_", " "))
    if name == "quantity":
        return (
            f"quantity {quantity(before.quantity)} -> {quantity(after.quantity)} "
            f"{after.unit_of_issue}"
        )
    if name == "unit_cost":
        return (
            f"unit cost {money(before.unit_cost, cents=True)} -> "
            f"{money(after.unit_cost, cents=True)}"
        )
    if name == "value":
        delta = after.total - before.total
        sign = "+" if delta > 0 else "-"
        return (
            f"value {money(before.total, cents=True)} -> {money(after.total, cents=True)} "
            f"({sign}{money(abs(delta), cents=True)})"
        )
    if name in _CODE_TABLES:
        return f"{label} {_code(name, change.old)} -> {_code(name, change.new)}"
    if hasattr(change.old, "model_dump") or hasattr(change.new, "model_dump"):
        a, b = _flatten(change.old, ""), _flatten(change.new, "")
        if change.old is None or change.new is None:  # added or removed as a whole
            return f"{label} {_words(change.old)} -> {_words(change.new)}"
        parts = [FieldChange(k, a.get(k), b.get(k)) for k in _ordered(a, b) if a.get(k) != b.get(k)]
        return f"{label}: " + ", ".join(p.to_text() for p in parts)
    return FieldChange(label, change.old, change.new).to_text().replace(": ", " ", 1)


def diff_paths(old: Path, new: Path, pipeline: Pipeline | None = None) -> DocumentDiff:
    """Compare two case files or two built documents (or one of each). When a built document's
    record cannot vouch for its printed text (the two were not made with the same note library,
    template, reference tables and loagen), the printed texts are compared as well."""
    pipeline = pipeline or Pipeline.discover()
    a, b = load_version(old, pipeline), load_version(new, pipeline)
    result = compare_versions(a, b)
    unlike = _made_unlike(a, b, pipeline)
    if unlike:
        result.printed = printed_changes(rendered(old, pipeline), rendered(new, pipeline))
        result.remarks = [r for r in result.remarks if r != MANIFEST_ONLY]
        result.remarks.append(
            f"the two documents were not made with the same {_and(unlike)}: their printed "
            "text is compared as well, wording included"
        )
    return result


def _made_with(version: Version, pipeline: Pipeline) -> dict[str, str] | None:
    """What a version's printed text was made with besides its case files: the template (path
    and hash; the Standard Terms are part of it), the note library, the reference tables and
    loagen. A case file is rendered today; None when not known."""
    if version.manifest is not None:
        deps = version.manifest.dependencies
        template, sha = deps.template, deps.template_sha256
        library, reference, made_by = (
            deps.library_digest,
            deps.reference_digest,
            deps.loagen_version,
        )
        if not library:
            # A build record holds no library digest: its notes' wording is known only when
            # loagen picks today the notes it prints (their texts are today's library's).
            known = version.notes and all(n.body is not None for n in version.notes)
            library = pipeline.library.digest if known else f"unknown {version.label}"
    elif version.document is not None and version.docx is None:
        used = pipeline.renderer.template_for(version.document.case)
        template, sha = pipeline.project.relative(used.path), used.sha256
        library, reference, made_by = (
            pipeline.library.digest, load_reference().digest, __version__
        )  # fmt: skip
    else:
        return None
    return {
        "template": f"{template}\0{sha}",
        "note library": library,
        "reference tables": reference,
        "loagen version": made_by,
    }


def _made_unlike(old: Version, new: Version, pipeline: Pipeline) -> list[str]:
    """What the two versions were made with that differs ("note library", "template" ...),
    when one is a built document: its record cannot vouch for printed text made otherwise.
    Two templates of different names (a Basic's and an Amendment's) are not compared."""
    if old.docx is None and new.docx is None:
        return []  # both rendered today, with the same library and templates
    a, b = _made_with(old, pipeline), _made_with(new, pipeline)
    if a is None or b is None:
        return ["note library", "template"]
    unlike = [name for name in a if a[name] != b[name]]
    if "template" in unlike and a["template"].split("\0")[0] != b["template"].split("\0")[0]:
        unlike.remove("template")
    return unlike


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def rendered(path: Path, pipeline: Pipeline) -> bytes:
    """The DOCX bytes of a version: the file itself, or a case file rendered (DRAFT when its
    checks find errors)."""
    path = Path(path)
    if path.suffix.lower() == ".docx":
        try:
            return path.read_bytes()
        except OSError as exc:
            raise DiffError(f"cannot read the document: {exc.strerror}", source=path) from None
    prepared = pipeline.prepare(path)
    return pipeline.render(prepared, draft=bool(prepared.errors))


def write_redline(old: Path, new: Path, output: Path, pipeline: Pipeline | None = None) -> Path:
    """Write the redline of `new` against `old` to `output` (atomically). The notes that stay in
    force without `new` restating them are not shown deleted (see `rendering.redline`)."""
    pipeline = pipeline or Pipeline.discover()
    kept = diff_paths(old, new, pipeline).notes_in("stays in force")
    redline = redline_docx(
        rendered(old, pipeline),
        rendered(new, pipeline),
        not_restated={n.old.title for n in kept if n.old is not None and n.old.title},
    )
    atomic_write(Path(output), redline)
    return Path(output)
