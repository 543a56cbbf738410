"""The pipeline: the one way every command and the studio build, check and explain a document.

A `Pipeline` holds what is loaded once for many documents (the note library, the compiled
templates, the case files already validated) and exposes the stages in order:

    load (the case file and its `previous` chain) -> assemble (history, costs, wording)
    -> select (the notes, and why) -> check (SAMM Appendix 9) -> render (the DOCX)
    -> manifest -> write

`prepare` runs the deciding half (load to check), `build` the whole. Commands never call the
stage modules themselves: they call these methods.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from . import __version__
from .case.embedded import is_built_document, load_recorded_chain
from .case.loading import CASE_CACHE_SIZE, CaseFile, load_chain
from .document.assembly import LoaDocument, assemble
from .document.costs import TOTALS
from .errors import CheckError, Problem
from .manifest import (
    NOTE_HASH_LENGTH,
    Dependencies,
    Input,
    Manifest,
    PrintedNote,
    manifest_path,
)
from .output.files import remove_stale_temporaries, write_pair
from .policy.checks import Finding, run_checks
from .policy.in_force import NONE, CaseNotes
from .policy.notes import Note, NoteLibrary, load_library
from .policy.selection import Decision, Selection, after, decide_notes, select_notes
from .project import Project
from .reference import load_reference
from .rendering.embedded import build_record
from .rendering.templates import Renderer


@dataclass(frozen=True)
class Prepared:
    """Everything decided about one document before it is rendered."""

    document: LoaDocument
    selection: Selection
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


@dataclass(frozen=True)
class BuildResult:
    document: LoaDocument
    selection: Selection
    findings: tuple[Finding, ...]
    docx_path: Path
    manifest_path: Path
    manifest: Manifest
    draft: bool


def selection_digest(selection: Selection) -> str:
    """Hash of what the note selection puts on the page (ids, versions, placement, filled title
    and text): after a library edit, a document is rebuilt only when it changes."""
    h = hashlib.sha256()
    for note in selection.notes:
        parts = (note.id, note.version, note.placement, ",".join(note.lines), note.title, note.body)
        for part in parts:
            h.update(part.encode() + b"\0")
    return h.hexdigest()


def printed_notes(selection: Selection) -> tuple[PrintedNote, ...]:
    """The notes of a selection as a manifest records them: a line note once, with its lines."""
    out: dict[tuple[str, str], list[str]] = {}
    order: list[tuple[str, str, str]] = []
    for note in selection.notes:
        key = (note.id, note.placement)
        if key not in out:
            out[key] = []
            order.append((note.id, note.version, note.placement))
        out[key].extend(n for n in note.lines if n not in out[key])
    return tuple(PrintedNote(i, v, p, tuple(out[(i, p)])) for i, v, p in order)


class Pipeline:
    """Builds documents of one project: the note library and templates load once, when first
    needed; case files already validated are not validated again.

    `note_library` and `templates` replace the project's folders (to compare a policy edit
    with the version it changes)."""

    def __init__(
        self,
        project: Project,
        *,
        note_library: Path | None = None,
        templates: Path | None = None,
        keep: int = CASE_CACHE_SIZE,
    ) -> None:
        self.project = project
        self.note_library_folder = Path(note_library or project.note_library)
        self.templates_folder = Path(templates or project.templates)
        self.keep = keep
        """How many case files (and states of their notes in force) it keeps between
        documents: a batch needs its cases' recent documents, the studio every document."""
        self._files: dict[str, CaseFile] = {}
        self._in_force: dict[tuple[str, ...], CaseNotes] = {}

    @classmethod
    def discover(cls) -> Pipeline:
        """The pipeline of the project around the current folder (see `Project.discover`)."""
        return cls(Project.discover())

    @cached_property
    def library(self) -> NoteLibrary:
        return load_library(self.note_library_folder)

    @cached_property
    def renderer(self) -> Renderer:
        return Renderer(self.templates_folder)

    # -- the stages --

    def load(self, path: Path) -> tuple[CaseFile, ...]:
        """The case file at `path` and its `previous` chain, oldest first; for a DOCX built by
        loagen, the chain its build record holds (see `case.embedded`)."""
        if is_built_document(path):
            return load_recorded_chain(Path(path), self._files)
        return load_chain(Path(path), self._files, keep=self.keep)

    def assemble(self, files: tuple[CaseFile, ...]) -> LoaDocument:
        """History, costs and wording of the last file of a chain."""
        return assemble(files)

    def document(self, path: Path) -> LoaDocument:
        """`load` then `assemble`."""
        return assemble(self.load(path))

    def notes_before(self, document: LoaDocument) -> CaseNotes:
        """The notes in force on the case before `document`: derived from its `previous`
        chain, each earlier document deciding its notes from the state before it (once per
        chain and library in this pipeline), or as `document.notes_in_force` lists them."""
        listed = document.case.document.notes_in_force
        if listed is not None:
            return CaseNotes.listed((n.id, n.version) for n in listed)
        files = document.files
        state = NONE
        start = len(files) - 1
        while start > 0 and self._key(files[:start]) not in self._in_force:
            start -= 1
        if start > 0:
            state = self._in_force[self._key(files[:start])]
        for end in range(max(start, 1), len(files)):
            earlier = assemble(files[:end])
            if earlier.case.document.notes_in_force is not None:
                state = CaseNotes.listed(
                    (n.id, n.version) for n in earlier.case.document.notes_in_force
                )
            decisions = decide_notes(earlier, self.library, before=state)
            state = after(state, decisions, earlier.title)
            if len(self._in_force) >= self.keep:
                self._in_force.clear()
            self._in_force[self._key(files[:end])] = state
        return state

    def _key(self, files: tuple[CaseFile, ...]) -> tuple[str, ...]:
        return (self.library.digest, *(f.sha256 for f in files))

    def select(
        self,
        document: LoaDocument,
        *,
        explained: bool = False,
        notes: Iterable[Note] | None = None,
    ) -> Selection:
        """The notes `document` carries and a decision for every note (of `notes`, or the
        library), given the notes in force before it; `explained` adds the value of every part
        of each rule."""
        return select_notes(
            document,
            self.library if notes is None else notes,
            before=self.notes_before(document),
            explained=explained,
        )

    def decide(
        self, document: LoaDocument, notes: Iterable[Note], *, explained: bool = False
    ) -> tuple[Decision, ...]:
        """The decisions of some notes only, without filling any placeholder."""
        return decide_notes(
            document, notes, before=self.notes_before(document), explained=explained
        )

    def check(self, document: LoaDocument, selection: Selection | None) -> tuple[Finding, ...]:
        """The SAMM Appendix 9 quality checks (those that read notes skip without `selection`)."""
        return run_checks(document, selection)

    def prepare(self, path: Path, *, explained: bool = False) -> Prepared:
        """Load, select notes and check; no rendering."""
        document = self.document(path)
        selection = self.select(document, explained=explained)
        return Prepared(document, selection, self.check(document, selection))

    def render(self, prepared: Prepared, *, draft: bool = False) -> bytes:
        """The DOCX of a prepared document, carrying its build record (`record`)."""
        return self.renderer.render(
            prepared.document,
            prepared.selection,
            draft=draft,
            record=self.record(prepared, draft=draft),
        )

    def record(self, prepared: Prepared, *, draft: bool) -> bytes:
        """What the DOCX records of its own build (`rendering.embedded`), so that `explain`,
        `check` and `report` can read the DOCX alone: the case files of its chain (names,
        hashes, text) and the manifest, less what depends on the DOCX bytes or on where the
        files were (the DOCX hash; paths become file names), and less what a library edit
        changes without changing the DOCX (the library digest and note hashes, the notes in
        force after it: `batch` then keeps the DOCX as it is)."""
        files = prepared.document.files
        manifest = self.manifest(prepared, b"", draft=draft)
        deps = manifest.dependencies
        recorded = dataclasses.replace(
            manifest,
            docx_sha256="",
            note_history=(),
            dependencies=dataclasses.replace(
                deps,
                inputs=tuple(Input(f.path.name, f.sha256) for f in files),
                template=deps.template.rsplit("/", 1)[-1],
                library_digest="",
                note_hashes=(),
            ),
        )
        return build_record(recorded.to_json(), [(f.path.name, f.sha256, f.raw) for f in files])

    def manifest(self, prepared: Prepared, docx: bytes, *, draft: bool) -> Manifest:
        """What went into a build and what came out."""
        document = prepared.document
        template = self.renderer.template_for(document.case)
        library = self.library
        return Manifest(
            case_id=document.case.case_id,
            document=document.name,
            kind=document.kind,
            output=document.output_stem + ".docx",
            docx_sha256=hashlib.sha256(docx).hexdigest(),
            draft=draft,
            dependencies=Dependencies(
                inputs=tuple(
                    Input(self.project.relative(f.path), f.sha256) for f in document.files
                ),
                template=self.project.relative(template.path),
                template_sha256=template.sha256,
                library_digest=library.digest,
                note_hashes=tuple((n.id, n.sha256[:NOTE_HASH_LENGTH]) for n in library),
                reference_digest=load_reference().digest,
                loagen_version=__version__,
            ),
            selection_digest=selection_digest(prepared.selection),
            notes=printed_notes(prepared.selection),
            findings=prepared.findings,
            totals=tuple((key, getattr(document.costs, key)) for key, _ in TOTALS),
            loagen_version=__version__,
            note_history=tuple((n.note_id, n.version, n.since) for n in prepared.selection.after),
        )

    def output_paths(self, document: LoaDocument, output_dir: Path) -> tuple[Path, Path]:
        docx = Path(output_dir) / f"{document.output_stem}.docx"
        return docx, manifest_path(docx)

    def write(
        self, document: LoaDocument, docx: bytes, manifest: Manifest, output_dir: Path
    ) -> tuple[Path, Path]:
        """Write the DOCX and its manifest as a pair (see `output.files`)."""
        docx_path, manifest_file = self.output_paths(document, output_dir)
        write_pair(((docx_path, docx), (manifest_file, manifest.to_json())))
        return docx_path, manifest_file

    def build(
        self, path: Path, output_dir: Path, *, allow_errors: bool = False, strict: bool = False
    ) -> BuildResult:
        """Build one document into `output_dir`.

        Check errors (and warnings too when `strict`) stop it, writing nothing, unless
        `allow_errors`: the document is then written marked DRAFT."""
        prepared = self.prepare(path)
        blocking = prepared.findings if strict else prepared.errors
        if blocking and not allow_errors:
            n = len(blocking)
            what = "finding" if strict else "error"
            raise CheckError(
                f"{path}: {n} quality check {what}{'s' if n != 1 else ''}; nothing written "
                "(use --allow-errors for a DRAFT)",
                source=Path(path),
                problems=tuple(
                    Problem(Path(path), f.path, f"[{f.rule_id}] {f.message} ({f.reference})")
                    for f in blocking
                ),
            )
        draft = bool(prepared.errors)
        docx = self.render(prepared, draft=draft)
        manifest = self.manifest(prepared, docx, draft=draft)
        docx_path, manifest_file = self.write(prepared.document, docx, manifest, output_dir)
        return BuildResult(
            prepared.document, prepared.selection, prepared.findings,
            docx_path, manifest_file, manifest, draft,
        )  # fmt: skip

    @staticmethod
    def tidy(output_dir: Path) -> int:
        """Remove what killed runs left in `output_dir` (temporary files)."""
        return remove_stale_temporaries(Path(output_dir))
