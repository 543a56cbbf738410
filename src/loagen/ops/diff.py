"""What changed between two versions of a document: a readable summary, and a redline DOCX.

The summary compares two case files, or two built documents through the manifests beside them
(and the case files those record): lines added and deleted, quantities, values and months of
the lines in both, the document's own fields, notes that came in, dropped out or changed, and
the totals. The redline is a DOCX with tracked changes (insertions and deletions a reviewer
accepts or rejects in Word) made by python-redlines' Docxodus engine from the two rendered
documents.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..case.history import compare
from ..case.model import Line
from ..document.assembly import LoaDocument
from ..document.costs import TOTALS
from ..document.wording import money, quantity
from ..errors import DiffError, LoagenError
from ..manifest import manifest_path, read_manifest
from ..output.files import atomic_write
from ..pipeline import Pipeline
from ..policy.selection import keyed_notes
from ..rendering.redline import redline_docx

DOCUMENT_FIELDS = (
    "kind",
    "number",
    "offer_expiration_date",
    "implementation_date",
    "purpose",
    "reason",
    "restated",
    "case_closure",
)


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
        what = []
        if self.body is not None and other.body is not None:
            if self.body != other.body or self.title != other.title:
                what.append("text")
        elif self.sha256 != other.sha256:
            what.append("note file")
        if self.version != other.version:
            what.append(f"version {other.version} -> {self.version}")
        if self.lines != other.lines:
            what.append(f"lines {', '.join(other.lines) or '-'} -> {', '.join(self.lines) or '-'}")
        return what


@dataclass
class Version:
    """One of the two versions compared."""

    label: str
    document: LoaDocument | None
    notes: list[NoteState]
    totals: dict[str, Decimal]
    docx: Path | None = None
    remarks: list[str] = field(default_factory=list)


def load_version(path: Path, pipeline: Pipeline | None = None) -> Version:
    """A case file (its notes selected with the current library) or a built DOCX (its manifest,
    and the case file the manifest records when it is unchanged since the build)."""
    path = Path(path)
    pipeline = pipeline or Pipeline.discover()
    if path.suffix.lower() == ".docx":
        return _built_version(path, pipeline)
    prepared = pipeline.prepare(path)
    notes = [
        NoteState(n.id, n.title, n.version, tuple(n.lines), n.body, n.sha256, n.placement)
        for n in prepared.selection.notes
    ]
    return Version(str(path), prepared.document, notes, _totals_of(prepared.document))


def _built_version(docx: Path, pipeline: Pipeline) -> Version:
    if not docx.is_file():
        raise DiffError("file not found", source=docx)
    manifest_file = manifest_path(docx)
    manifest = read_manifest(manifest_file)
    if manifest is None:
        raise DiffError(
            f"no readable manifest beside the document ({manifest_file.name}): compare documents "
            "built by loagen, or give the case files",
            source=docx,
        )
    hashes = manifest.dependencies.notes
    notes = [
        NoteState(n.id, "", n.version, n.lines, None, hashes.get(n.id, ""), n.placement)
        for n in manifest.notes
    ]
    version = Version(str(docx), None, notes, manifest.total, docx=docx)
    inputs = manifest.dependencies.inputs
    if inputs:
        case_path = pipeline.project.absolute(inputs[-1].path)
        try:
            unchanged = hashlib.sha256(case_path.read_bytes()).hexdigest() == inputs[-1].sha256
        except OSError:
            version.remarks.append(f"the case file {case_path} is gone: lines not compared")
        else:
            if unchanged:
                version.document = _quietly(pipeline.document, case_path)
            else:
                version.remarks.append(
                    f"the case file {case_path} changed since {docx.name} was built: "
                    "lines not compared (rebuild it first)"
                )
    return version


def _quietly(load: Any, path: Path) -> Any:
    try:
        return load(path)
    except LoagenError:
        return None


def _totals_of(document: LoaDocument) -> dict[str, Decimal]:
    costs = document.costs
    return {key: Decimal(getattr(costs, key)) for key, _ in TOTALS}


# -- the comparison -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineDiff:
    number: str
    description: str
    change: str  # "added", "deleted", "changed"
    details: tuple[str, ...]


@dataclass
class DocumentDiff:
    old: str
    new: str
    fields: list[str] = field(default_factory=list)
    lines: list[LineDiff] = field(default_factory=list)
    notes_in: list[str] = field(default_factory=list)
    notes_out: list[str] = field(default_factory=list)
    notes_changed: list[str] = field(default_factory=list)
    totals: list[tuple[str, Decimal | None, Decimal | None]] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.fields
            or self.lines
            or self.notes_in
            or self.notes_out
            or self.notes_changed
            or self.totals
        )

    def to_text(self) -> str:
        out = [f"{self.old} -> {self.new}"]
        if self.empty:
            out.append("  no differences")
        if self.fields:
            out.append("Document:")
            out += [f"  {f}" for f in self.fields]
        if self.lines:
            out.append("Lines:")
            for ln in self.lines:
                head = f"  Line {ln.number} {ln.change}: {ln.description}"
                out.append(head + (f": {'; '.join(ln.details)}" if ln.details else ""))
        if self.notes_in or self.notes_out or self.notes_changed:
            out.append("Notes:")
            out += [f"  + {n}" for n in self.notes_in]
            out += [f"  - {n}" for n in self.notes_out]
            out += [f"  ~ {n}" for n in self.notes_changed]
        if self.totals:
            out.append("Totals:")
            for label, before, after in self.totals:
                a = money(before, cents=True) if before is not None else "-"
                b = money(after, cents=True) if after is not None else "-"
                delta = ""
                if before is not None and after is not None:
                    sign = "+" if after > before else "-"
                    delta = f" ({sign}{money(abs(after - before), cents=True)})"
                out.append(f"  {label}: {a} -> {b}{delta}")
        out += [f"Note: {r}" for r in self.remarks]
        return "\n".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "document": self.fields,
            "lines": [
                {
                    "number": ln.number,
                    "description": ln.description,
                    "change": ln.change,
                    "details": list(ln.details),
                }
                for ln in self.lines
            ],
            "notes": {"in": self.notes_in, "out": self.notes_out, "changed": self.notes_changed},
            "totals": [
                {
                    "total": label,
                    "old": None if a is None else f"{a:.2f}",
                    "new": None if b is None else f"{b:.2f}",
                }
                for label, a, b in self.totals
            ],
            "remarks": self.remarks,
        }


def compare_versions(old: Version, new: Version) -> DocumentDiff:
    """Everything that differs between two versions, in plain words."""
    result = DocumentDiff(old.label, new.label, remarks=[*old.remarks, *new.remarks])
    if old.document is not None and new.document is not None:
        result.fields = _field_changes(old.document, new.document)
        result.lines = _line_changes(old.document, new.document)
    before, after = keyed_notes(old.notes, new.notes)
    for key, note in after.items():
        was = before.get(key)
        name = f"{key} ({note.title})" if note.title else key
        if was is None:
            result.notes_in.append(name)
        else:
            what = note.differs_from(was)
            if what:
                result.notes_changed.append(f"{name}: {', '.join(what)}")
    for key, note in before.items():
        if key not in after:
            result.notes_out.append(f"{key} ({note.title})" if note.title else key)
    for key, label in TOTALS:
        a, b = old.totals.get(key), new.totals.get(key)
        if a != b:
            result.totals.append((label, a, b))
    return result


def _field_changes(old: LoaDocument, new: LoaDocument) -> list[str]:
    a, b = old.case.document, new.case.document
    out = []
    for name in DOCUMENT_FIELDS:
        before, after = getattr(a, name), getattr(b, name)
        if before != after:
            out.append(f"{name}: {_plain(before)} -> {_plain(after)}")
    return out


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if hasattr(value, "model_dump"):
        return ", ".join(f"{k} {v}" for k, v in value.model_dump().items())
    return str(value)


def _line_changes(old: LoaDocument, new: LoaDocument) -> list[LineDiff]:
    out = []
    for change in compare(old.case, new.case).lines:
        if change.added:
            ln = change.revised
            assert ln is not None
            out.append(LineDiff(ln.number, ln.description, "added", (_line_facts(ln),)))
        elif change.deleted:
            ln = change.previous
            assert ln is not None
            out.append(LineDiff(ln.number, ln.description, "deleted", (f"was {_line_facts(ln)}",)))
        elif change.changed:
            assert change.previous is not None and change.revised is not None
            out.append(
                LineDiff(
                    change.number,
                    change.revised.description,
                    _direction(change.previous, change.revised),
                    _line_details(change.previous, change.revised, change.other_fields),
                )
            )
    return out


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


def _line_details(before: Line, after: Line, others: tuple[str, ...]) -> tuple[str, ...]:
    details = []
    if before.quantity != after.quantity:
        details.append(
            f"quantity {quantity(before.quantity)} -> {quantity(after.quantity)} "
            f"{after.unit_of_issue}"
        )
    if before.unit_cost != after.unit_cost:
        details.append(
            f"unit cost {money(before.unit_cost, cents=True)} -> "
            f"{money(after.unit_cost, cents=True)}"
        )
    if before.total != after.total:
        delta = after.total - before.total
        sign = "+" if delta > 0 else "-"
        details.append(
            f"value {money(before.total, cents=True)} -> {money(after.total, cents=True)} "
            f"({sign}{money(abs(delta), cents=True)})"
        )
    if before.months != after.months:
        details.append(f"months {before.months or '-'} -> {after.months or '-'}")
    if others:
        details.append("also changed: " + ", ".join(others))
    return tuple(details)


def diff_paths(old: Path, new: Path, pipeline: Pipeline | None = None) -> DocumentDiff:
    """Compare two case files or two built documents (or one of each)."""
    pipeline = pipeline or Pipeline.discover()
    return compare_versions(load_version(old, pipeline), load_version(new, pipeline))


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
    """Write the redline of `new` against `old` to `output` (atomically)."""
    pipeline = pipeline or Pipeline.discover()
    redline = redline_docx(rendered(old, pipeline), rendered(new, pipeline))
    atomic_write(Path(output), redline)
    return Path(output)
