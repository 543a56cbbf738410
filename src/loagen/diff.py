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
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import LoagenError
from .output import MANIFEST_SUFFIX, read_manifest

if TYPE_CHECKING:
    from .build import Builder
    from .case import Line
    from .document import LoaDocument

TOTALS = (
    ("net_estimated_cost", "Net estimated cost"),
    ("packing_crating_handling", "Packing, crating and handling"),
    ("administrative_charge", "Administrative charge"),
    ("transportation", "Transportation"),
    ("other", "Other"),
    ("total_estimated_cost", "Total estimated cost"),
    ("initial_deposit", "Initial deposit"),
)
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


class DiffError(LoagenError):
    """Two versions that cannot be compared, or a redline that cannot be made."""


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


def load_version(path: Path, builder: Builder | None = None) -> Version:
    """A case file (its notes selected with the current library) or a built DOCX (its manifest,
    and the case file the manifest records when it is unchanged since the build)."""
    path = Path(path)
    if path.suffix.lower() == ".docx":
        return _built_version(path)
    from .build import Builder, Project

    builder = builder or Builder(Project.discover())
    prepared = builder.prepare(path)
    notes = [
        NoteState(n.id, n.title, n.version, tuple(n.lines), n.body, n.sha256, n.placement)
        for n in prepared.selection.notes
    ]
    return Version(str(path), prepared.document, notes, _totals_of(prepared.document))


def _built_version(docx: Path) -> Version:
    from .document import load_document

    if not docx.is_file():
        raise DiffError("file not found", source=docx)
    manifest_path = docx.with_name(docx.name[: -len(".docx")] + MANIFEST_SUFFIX)
    manifest = read_manifest(manifest_path)
    if manifest is None:
        raise DiffError(
            f"no manifest beside the document ({manifest_path.name}): compare documents built "
            "by loagen, or give the case files",
            source=docx,
        )
    notes = [
        NoteState(
            n["id"],
            "",
            str(n.get("version", "")),
            tuple(n.get("lines", [])),
            None,
            str(n.get("sha256", "")),
            str(n.get("placement", "notes")),
        )  # fmt: skip
        for n in manifest.get("notes", [])
    ]
    totals = {}
    for key, _ in TOTALS:
        try:
            totals[key] = Decimal(str(manifest.get("totals", {})[key]))
        except (KeyError, InvalidOperation):
            continue
    version = Version(str(docx), None, notes, totals, docx=docx)
    inputs = manifest.get("dependencies", {}).get("inputs") or []
    if inputs:
        case_path = Path(inputs[-1]["path"])
        try:
            unchanged = hashlib.sha256(case_path.read_bytes()).hexdigest() == inputs[-1]["sha256"]
        except OSError:
            version.remarks.append(f"the case file {case_path} is gone: lines not compared")
        else:
            if unchanged:
                version.document = _quietly(load_document, case_path)
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
        from .wording import money

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
    from .history import compare

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
    from .wording import money, quantity

    facts = f"{quantity(line.quantity)} {line.unit_of_issue}, {money(line.total, cents=True)}"
    if line.months:
        facts += f", months {line.months}"
    return facts


def _line_details(before: Line, after: Line, others: tuple[str, ...]) -> tuple[str, ...]:
    from .wording import money, quantity

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


def diff_paths(old: Path, new: Path, builder: Builder | None = None) -> DocumentDiff:
    """Compare two case files or two built documents (or one of each)."""
    if builder is None and (Path(old).suffix != ".docx" or Path(new).suffix != ".docx"):
        from .build import Builder, Project

        builder = Builder(Project.discover())
    return compare_versions(load_version(old, builder), load_version(new, builder))


# -- redlines -------------------------------------------------------------------------------------

_ENGINE: Any = None


def redline_docx(old: bytes, new: bytes, *, author: str = "loagen") -> bytes:
    """A DOCX of `new` with tracked changes against `old` (python-redlines, Docxodus engine)."""
    global _ENGINE
    if _ENGINE is None:
        try:
            from python_redlines.engines import DocxodusEngine, EngineNotInstalledError
        except ImportError:
            raise DiffError(
                "tracked changes need python-redlines with its Docxodus engine: "
                "pip install 'python-redlines[docxodus]' (or 'loagen[redline]')"
            ) from None
        try:
            _ENGINE = DocxodusEngine()
        except (EngineNotInstalledError, OSError) as exc:
            raise DiffError(f"the python-redlines Docxodus engine cannot run: {exc}") from None
    try:
        redline, _, _ = _ENGINE.run_redline(author, old, new)
    except Exception as exc:  # EngineExecutionError and the OS errors of running it
        raise DiffError(f"python-redlines could not compare the documents: {exc}") from None
    return redline


def rendered(path: Path, builder: Builder | None) -> bytes:
    """The DOCX bytes of a version: the file itself, or a case file rendered (DRAFT when its
    checks find errors)."""
    path = Path(path)
    if path.suffix.lower() == ".docx":
        try:
            return path.read_bytes()
        except OSError as exc:
            raise DiffError(f"cannot read the document: {exc.strerror}", source=path) from None
    from .build import Builder, Project

    builder = builder or Builder(Project.discover())
    prepared = builder.prepare(path)
    return builder.render(prepared, draft=bool(prepared.errors))


def write_redline(old: Path, new: Path, output: Path, builder: Builder | None = None) -> Path:
    """Write the redline of `new` against `old` to `output` (atomically)."""
    from .output import atomic_write

    redline = redline_docx(rendered(old, builder), rendered(new, builder))
    atomic_write(Path(output), redline)
    return Path(output)
