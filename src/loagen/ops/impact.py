"""Impact of a policy edit: which documents change when `note_library/` or `templates/` change.

The working tree's library and templates are compared with those at a git revision (read with
`git archive` into a scratch folder; the working tree is never touched). Every document is
loaded once and selected with the old and the new version of the notes whose files differ
(a note's decision and text depend on the note and the document alone); no DOCX is rendered.
For each document the answer lists the notes that now come in or drop out (with the rule's
reason, as the selection's decisions give it), the notes whose printed text changes, and
whether the template it is rendered from changed.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ImpactError, LoagenError, Problem
from ..pipeline import Pipeline
from ..policy.selection import Selection, keyed_notes
from ..project import Project, find_case_files, template_file_digest
from ..rendering.templates import TEMPLATE_NAMES

# -- the old library and templates, from git -----------------------------------------------------


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise ImpactError(
            "git is not installed; `loagen impact` reads the old versions with git"
        ) from None
    if done.returncode != 0:
        raise ImpactError(
            f"git {' '.join(args)} failed: {done.stderr.decode(errors='replace').strip()}"
        )
    return done.stdout


def extract_revision(project: Project, rev: str, into: Path) -> tuple[Path, Path]:
    """Write `note_library/` and `templates/` as they are at git revision `rev` under `into`;
    return the two folders (a folder that did not exist at `rev` is left empty)."""
    top = Path(_git(["rev-parse", "--show-toplevel"], project.root).decode().strip())
    _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    folders = []
    for folder in (project.note_library, project.templates):
        rel = folder.resolve().relative_to(top.resolve()).as_posix()
        target = into / folder.name
        target.mkdir(parents=True, exist_ok=True)
        listing = _git(["ls-tree", "-d", "--name-only", rev, "--", rel], top).decode().strip()
        if listing:
            tar = _git(["archive", "--format=tar", rev, "--", rel], top)
            with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
                for member in archive.getmembers():
                    if not member.isfile():
                        continue
                    name = Path(member.name).relative_to(rel)
                    data = archive.extractfile(member)
                    assert data is not None
                    (target / name).parent.mkdir(parents=True, exist_ok=True)
                    (target / name).write_bytes(data.read())
        folders.append(target)
    return folders[0], folders[1]


# -- the answer ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteChange:
    note: str
    reason: str


@dataclass
class DocumentImpact:
    source: Path
    document: str
    notes_in: list[NoteChange] = field(default_factory=list)
    notes_out: list[NoteChange] = field(default_factory=list)
    notes_changed: list[NoteChange] = field(default_factory=list)
    template: str | None = None
    """The template the document is rendered from, when it changed."""

    @property
    def changed(self) -> bool:
        return bool(self.notes_in or self.notes_out or self.notes_changed or self.template)


@dataclass(frozen=True)
class ImpactFailure:
    """A document the comparison could not decide, and why."""

    source: Path
    problems: tuple[Problem, ...]


@dataclass
class ImpactReport:
    against: str
    documents: list[DocumentImpact] = field(default_factory=list)
    failed: list[ImpactFailure] = field(default_factory=list)
    notes_added: list[str] = field(default_factory=list)
    notes_removed: list[str] = field(default_factory=list)
    notes_edited: list[str] = field(default_factory=list)
    templates_changed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> list[DocumentImpact]:
        return [d for d in self.documents if d.changed]

    def to_json(self) -> dict[str, Any]:
        def changes(items: list[NoteChange]) -> list[dict[str, str]]:
            return [{"note": c.note, "reason": c.reason} for c in items]

        return {
            "against": self.against,
            "library": {
                "added": self.notes_added,
                "removed": self.notes_removed,
                "edited": self.notes_edited,
            },
            "templates_changed": self.templates_changed,
            "documents": [
                {
                    "source": str(d.source),
                    "document": d.document,
                    "notes_in": changes(d.notes_in),
                    "notes_out": changes(d.notes_out),
                    "notes_changed": changes(d.notes_changed),
                    "template": d.template,
                }
                for d in self.changed
            ],
            "unchanged": len(self.documents) - len(self.changed),
            "failed": [
                {
                    "source": str(r.source),
                    "problems": [p.to_dict() for p in r.problems],
                }  # fmt: skip
                for r in self.failed
            ],
            "seconds": round(self.seconds, 3),
        }


def compare_selections(old: Selection, new: Selection) -> tuple[list, list, list]:
    """Notes that come in, drop out and change between two selections of one document (a note
    printed once per line counts once per line)."""
    before, after = keyed_notes(old.notes, new.notes)
    new_reasons = {d.note_id: d.reason for d in new.decisions}
    old_reasons = {d.note_id: d.reason for d in old.decisions}
    notes_in = [
        NoteChange(key, new_reasons.get(note.id, "selected by the new library"))
        for key, note in after.items()
        if key not in before
    ]
    notes_out = []
    for key, note in before.items():
        if key not in after:
            reason = new_reasons.get(note.id)
            if reason is None:
                reason = f"removed from the library (was: {old_reasons.get(note.id)})"
            notes_out.append(NoteChange(key, reason))
    notes_changed = []
    for key, note in after.items():
        was = before.get(key)
        if was is None:
            continue
        what = []
        if was.body != note.body:
            what.append("text")
        if was.title != note.title:
            what.append(f"title {was.title!r} -> {note.title!r}")
        if was.placement != note.placement:
            what.append(f"placement {was.placement} -> {note.placement}")
        if was.lines != note.lines:
            what.append(f"lines {', '.join(was.lines) or '-'} -> {', '.join(note.lines) or '-'}")
        if was.version != note.version:
            what.append(f"version {was.version} -> {note.version}")
        if what:
            notes_changed.append(NoteChange(key, ", ".join(what)))
    return notes_in, notes_out, notes_changed


def impact(
    paths: Iterable[Path],
    *,
    against: str = "HEAD",
    project: Project | None = None,
) -> ImpactReport:
    """Which documents under `paths` change between the library and templates at git revision
    `against` and those in the working tree, and how."""
    started = time.perf_counter()
    project = project or Project.discover()
    report = ImpactReport(against)
    with tempfile.TemporaryDirectory(prefix="loagen-impact-") as scratch:
        old_notes, old_templates = extract_revision(project, against, Path(scratch))
        old = Pipeline(project, note_library=old_notes, templates=old_templates)
        try:
            old_library = old.library
        except LoagenError as exc:
            raise ImpactError(f"the note library at {against} does not load: {exc}") from None
        new = Pipeline(project)
        new_library = new.library
        template_changed = {}
        for kind, name in TEMPLATE_NAMES.items():
            changed = template_file_digest(old_templates / name) != template_file_digest(
                project.templates / name
            )
            template_changed[kind] = changed
            if changed:
                report.templates_changed.append(name)
    _library_changes(report, old_library, new_library)
    # A note's decision and text depend on the note and the document only, so the notes whose
    # file is unchanged select the same way with either library: only the others are selected.
    changed = {*report.notes_added, *report.notes_removed, *report.notes_edited}
    old_notes_changed = [n for n in old_library if n.id in changed]
    new_notes_changed = [n for n in new_library if n.id in changed]

    for path in find_case_files(paths):
        try:
            document = new.document(path)
            before = old.select(old.document(path), notes=old_notes_changed, explained=True)
            after = new.select(document, notes=new_notes_changed, explained=True)
        except LoagenError as exc:
            report.failed.append(ImpactFailure(path, exc.problems))
            continue
        notes_in, notes_out, notes_changed = compare_selections(before, after)
        kind = document.kind
        report.documents.append(
            DocumentImpact(
                path,
                document.output_stem,
                notes_in,
                notes_out,
                notes_changed,
                TEMPLATE_NAMES[kind] if template_changed.get(kind) else None,
            )
        )
    report.seconds = time.perf_counter() - started
    return report


def _library_changes(report: ImpactReport, old: Any, new: Any) -> None:
    """Notes added to, removed from and edited in the library (by note file hash)."""
    before = {n.id: n for n in _notes_of(old)}
    after = {n.id: n for n in _notes_of(new)}
    report.notes_added = sorted(set(after) - set(before))
    report.notes_removed = sorted(set(before) - set(after))
    report.notes_edited = sorted(
        i
        for i in set(before) & set(after)
        if getattr(before[i], "sha256", None) != getattr(after[i], "sha256", None)
    )


def _notes_of(library: Any) -> list[Any]:
    notes = getattr(library, "notes", None)
    if notes is None:
        return list(library)
    return list(notes.values()) if isinstance(notes, dict) else list(notes)
