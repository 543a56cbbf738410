"""The pipeline: the one way every command and the studio build, check and explain a document.

A `Pipeline` holds what is loaded once for many documents (the note library, the compiled
templates, the case files already validated) and exposes the stages in order:

    load (the case file and its `previous` chain) -> assemble (history, costs, wording)
    -> select (the notes, and why) -> check (SAMM Appendix 9) -> render (the DOCX)
    -> manifest -> write [-> lay out (LibreOffice: the PDF, and the true page count)]

`prepare` runs the deciding half (load to check), `build` the whole, `lay_out` the optional
last stage for documents already built. Commands never call the stage modules themselves: they
call these methods.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from . import __version__
from .case.embedded import is_built_document, load_recorded_chain, shows_the_same
from .case.loading import (
    CASE_CACHE_SIZE,
    CASE_SUFFIXES,
    CaseFile,
    follows,
    load_chain,
    parsed_case_bytes,
)
from .document.assembly import LoaDocument, assemble
from .document.costs import TOTALS
from .errors import (
    CaseError,
    CheckError,
    LoagenError,
    OutputError,
    Problem,
    ProjectError,
    RenderError,
    ToolError,
)
from .manifest import (
    INDEX_FOLDER,
    NOTE_HASH_LENGTH,
    SUFFIX,
    Dependencies,
    Input,
    Manifest,
    NoteIndex,
    PrintedNote,
    findings_digest,
    manifest_path,
    note_index_path,
    read_manifest,
    recorded_findings,
)
from .output.files import (
    atomic_write,
    built_on,
    keep_aside,
    keep_copy,
    remove_stale_temporaries,
    write_pair,
)
from .output.pdf import (
    convert_to_pdf,
    find_soffice,
    keep_current,
    pdf_page_count,
    pdf_up_to_date,
)
from .policy.checks import Finding, run_checks
from .policy.in_force import NONE, CaseNotes
from .policy.library_cache import load_library_cached
from .policy.notes import Note, NoteLibrary
from .policy.selection import Decision, Selection, after, decide_notes, select_notes
from .project import Project
from .reading import read_limited
from .reference import load_reference
from .rendering.embedded import build_record
from .rendering.template_checks import check_template
from .rendering.templates import TEMPLATE_NAMES, CompiledTemplate, Renderer


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
    kept: Path | None = None
    """The DOCX this build would have written over, changed since it was built (edited,
    replaced), moved aside under this name (`output.files.keep_aside`)."""
    as_built: Path | None = None
    """The DOCX of a document already answered (a later document of its case follows it),
    as it was built, kept under this name before this build replaced it with other bytes
    (`output.files.keep_copy`)."""


@dataclass(frozen=True)
class LaidOut:
    """A built document laid out by LibreOffice: its PDF and the pages it holds."""

    source: Path
    docx_path: Path
    pdf_path: Path
    pages: int | None
    """The number of pages of the PDF (None when `problem`)."""
    rewritten: bool = False
    """The DOCX was written again to store `pages` (its estimate was different)."""
    converted: bool = False
    """The PDF was made now (else the PDF beside the DOCX was up to date and only read)."""
    problem: LoagenError | None = None
    """Why this document has no PDF or keeps its estimated count."""


def selection_digest(selection: Selection) -> str:
    """Hash of what the note selection puts on the page (ids, versions, placement, filled title
    and text): after a library edit, a document is rebuilt only when it changes."""
    # each part's UTF-8 bytes and a NUL, hashed as one text (encoded once, not part by part)
    parts = []
    for n in selection.notes:
        parts += (n.id, n.version, n.placement, ",".join(n.lines), n.title, n.body)
    parts.append("")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def printed_notes(selection: Selection) -> tuple[PrintedNote, ...]:
    """The notes of a selection as a manifest records them: a line note once, with its lines."""
    # each note's lines as the keys of a dict: in the order first seen, each once (a list
    # searched for every line would take time growing with the square of the lines)
    out: dict[tuple[str, str], dict[str, None]] = {}
    order: list[tuple[str, str, str, str]] = []
    for note in selection.notes:
        key = (note.id, note.placement)
        lines = out.get(key)
        if lines is None:
            lines = out[key] = {}
            order.append((note.id, note.version, note.placement, note.sha256))
        lines.update(dict.fromkeys(note.lines))
    return tuple(
        PrintedNote(i, v, p, tuple(out[(i, p)]), sha[:NOTE_HASH_LENGTH]) for i, v, p, sha in order
    )


TODAY_VARIABLE = "LOAGEN_TODAY"
"""The environment variable that sets the day the checks run (YYYY-MM-DD; tests, or checking a
case as of another day); unset, the computer's date."""


def today_from_environment() -> date:
    """The day the checks run: `LOAGEN_TODAY` when set, else the computer's date.

    Raises ProjectError when `LOAGEN_TODAY` is not a date."""
    given = os.environ.get(TODAY_VARIABLE, "").strip()
    if not given:
        return date.today()
    try:
        return date.fromisoformat(given)
    except ValueError:
        raise ProjectError(
            f"{TODAY_VARIABLE} is {given!r}, which is not a date: give the day as YYYY-MM-DD "
            f"(2026-03-31), or unset {TODAY_VARIABLE} to check as of today"
        ) from None


def _identity(data: dict[str, Any]) -> dict[str, Any]:
    """Of a case file's data, what says which document it is and which it follows."""
    doc = data.get("document")
    fields = ("kind", "number", "previous", "restated")
    return {
        "case_id": data.get("case_id"),
        "document": {k: doc.get(k) for k in fields} if isinstance(doc, dict) else None,
    }


def _keep_changed(docx_path: Path, manifest_file: Path) -> Path | None:
    """Move the DOCX at `docx_path` aside (`output.files.keep_aside`) when its manifest records
    other bytes: it was edited or replaced since it was built, and a build would write over it.
    None when there is nothing to keep (no DOCX, no manifest to tell, the DOCX as built)."""
    try:
        data = docx_path.read_bytes()
    except OSError:
        return None
    recorded = read_manifest(manifest_file)
    if recorded is None or hashlib.sha256(data).hexdigest() == recorded.docx_sha256:
        return None
    return keep_aside(docx_path)


def _follows(other: Path, data: dict[str, Any], path: Path, name: str) -> bool:
    """`follows(other, data, path)` for a case file `other` of the folder of `path` (named
    `name`): a `previous` that is a file name of the folder ("basic.json", "./basic.json") is
    compared by name, without resolving paths (system calls for each part of them)."""
    doc = data.get("document")
    previous = doc.get("previous") if isinstance(doc, dict) else None
    if not isinstance(previous, str):
        return False
    plain = os.path.normpath(previous.strip())
    if "/" in plain or os.sep in plain:
        return follows(other, data, path)
    return plain == name


class Pipeline:
    """Builds documents of one project: the note library and templates load once, when first
    needed; case files already validated are not validated again.

    `note_library` and `templates` replace the project's folders (to compare a policy edit
    with the version it changes); `today` is the day the checks run (by default
    `today_from_environment`, read when first needed)."""

    def __init__(
        self,
        project: Project,
        *,
        note_library: Path | None = None,
        templates: Path | None = None,
        keep: int = CASE_CACHE_SIZE,
        keep_documents: int = 0,
        library: NoteLibrary | None = None,
        today: date | None = None,
    ) -> None:
        self.project = project
        self._today = today
        self.note_library_folder = Path(note_library or project.note_library)
        self.templates_folder = Path(templates or project.templates)
        self.keep = keep
        """How many case files (and states of their notes in force) it keeps between
        documents: a batch needs its cases' recent documents, the studio every document."""
        self.keep_documents = keep_documents
        """How many assembled documents `document` keeps: none for a batch, which reads each
        document once; the studio reads every document again for each preview of an edit."""
        self._files: dict[str, CaseFile] = {}
        self._in_force: dict[tuple[str, ...], CaseNotes] = {}
        self._documents: dict[tuple[tuple[str, str], ...], LoaDocument] = {}
        self._indexed: dict[tuple[str, str], Path] = {}
        """The note index of each (output folder, library digest) written or found there."""
        self._library = library
        """The note library, when it was given loaded (by the batch a worker works for)."""
        self._folders: dict[str, tuple[int, list[str]]] = {}
        """The case file names of each folder, by the folder's modification time."""
        self._identities: dict[str, tuple[tuple[int, int], dict[str, Any] | None]] = {}
        """What says which document each case file is (`_identity`), by the file's modification
        time and size (None: it does not read)."""
        """The case files of each folder `is_newest` read, with the folder's modification time
        then (a file added, removed or renamed since changes it)."""

    @classmethod
    def discover(cls) -> Pipeline:
        """The pipeline of the project around the current folder (see `Project.discover`)."""
        return cls(Project.discover())

    @cached_property
    def library(self) -> NoteLibrary:
        if self._library is not None:
            return self._library
        return load_library_cached(self.note_library_folder)

    @cached_property
    def renderer(self) -> Renderer:
        return Renderer(self.templates_folder)

    # -- the stages --

    def load(self, path: Path) -> tuple[CaseFile, ...]:
        """The case file at `path` and its `previous` chain, oldest first; for a DOCX built by
        loagen, the chain its build record holds (see `case.embedded`)."""
        path = path if isinstance(path, Path) else Path(path)  # (`Path(path)` parses it again)
        if is_built_document(path):
            return load_recorded_chain(path, self._files)
        return load_chain(path, self._files, keep=self.keep)

    def assemble(self, files: tuple[CaseFile, ...]) -> LoaDocument:
        """History, costs and wording of the last file of a chain."""
        return assemble(files)

    def document(self, path: Path) -> LoaDocument:
        """`load` then `assemble` (keeping the last `keep_documents` documents)."""
        files = self.load(path)
        if not self.keep_documents:
            return assemble(files)
        key = tuple((str(f.path), f.sha256) for f in files)
        found = self._documents.get(key)
        if found is not None:
            return found
        document = assemble(files)
        if len(self._documents) >= self.keep_documents:
            self._documents.clear()
        self._documents[key] = document
        return document

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
        # files[:start] is decided (its state after is `state`): from the next one on
        for end in range(start + 1, len(files)):
            earlier = assemble(files[:end])
            if earlier.case.document.notes_in_force is not None:
                state = CaseNotes.listed(
                    (n.id, n.version) for n in earlier.case.document.notes_in_force
                )
            decisions = decide_notes(earlier, self.library, before=state)
            state = after(state, decisions, earlier.title)
            self._keep_in_force(files[:end], state)
        return state

    def _key(self, files: tuple[CaseFile, ...]) -> tuple[str, ...]:
        return (self.library.digest, *(f.sha256 for f in files))

    def _keep_in_force(self, files: tuple[CaseFile, ...], state: CaseNotes) -> None:
        """Keep `state`, the notes in force after the last document of `files` (at most
        `keep` states: all are dropped when full)."""
        key = self._key(files)
        if key not in self._in_force and len(self._in_force) >= self.keep:
            self._in_force.clear()
        self._in_force[key] = state

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
        selection = select_notes(
            document,
            self.library if notes is None else notes,
            before=self.notes_before(document),
            explained=explained,
        )
        if notes is None and not explained:
            # The notes in force after `document` are those before the next document of its
            # case: kept as `notes_before` keeps the states it works out (the same key, the same
            # value: the library's decisions from the same state), so that the next document
            # reads them instead of deciding this one again.
            self._keep_in_force(document.files, selection.after)
        return selection

    def decide(
        self, document: LoaDocument, notes: Iterable[Note], *, explained: bool = False
    ) -> tuple[Decision, ...]:
        """The decisions of some notes only, without filling any placeholder."""
        return decide_notes(
            document, notes, before=self.notes_before(document), explained=explained
        )

    @property
    def today(self) -> date:
        """The day the checks run (given, else `today_from_environment`)."""
        if self._today is None:
            self._today = today_from_environment()
        return self._today

    def check(self, document: LoaDocument, selection: Selection | None) -> tuple[Finding, ...]:
        """The SAMM Appendix 9 quality checks (those that read notes skip without `selection`),
        as of `today`."""
        today = self.today
        oed = document.case.document.offer_expiration_date
        # whether a later document follows it is asked only of an offer expired (the one rule
        # that reads it): the folder is then read once for its documents
        newest = oed is not None and oed < today and self.is_newest(document)
        return run_checks(document, selection, today=today, newest=newest)

    def is_newest(self, document: LoaDocument) -> bool:
        """Whether no later document of its case follows `document` in its case file's folder:
        no case file there names it as its `previous` (the next Amendment or Modification, as
        `loagen restate` and `loagen amend` read it) and none restates it (its RESTATED version,
        a document of the same case, kind and number with `document.restated`). Such a
        document was accepted, cancelled or superseded. False for a DOCX read alone (its case
        folder is not known)."""
        path = document.file.path
        if is_built_document(path):
            return False
        own = document.case
        name = os.path.basename(path)
        # the files of its own chain come before it: none of them follows it
        earlier = {os.path.basename(f.path) for f in document.files}
        for other, data in self._case_files_beside(path, earlier):
            # the folder's files: told apart by name (no system call for each, as the batch
            # asks this of every document whose offer expired)
            if data.get("case_id") != own.case_id or other.name == name:
                continue
            if _follows(other, data, path, name):
                return False
            doc = data.get("document")
            if (
                own.document.restated is None
                and isinstance(doc, dict)
                and doc.get("restated") is not None
                and doc.get("kind") == own.document.kind
                and doc.get("number") == own.document.number
            ):
                return False
        return True

    def _case_files_beside(
        self, path: Path, skip: set[str] = frozenset()
    ) -> list[tuple[Path, dict[str, Any]]]:
        """The case files of the folder of `path` but those named in `skip`, each with its
        `_identity` (as `case.loading.case_files_in` reads them): the folder listed once while
        it is unchanged, each file read once while it is unchanged (a batch asks this of every
        document whose offer expired, a folder's documents one after the other)."""
        folder = os.path.dirname(os.path.abspath(path))
        try:
            stamp = os.stat(folder).st_mtime_ns
        except OSError:
            return []
        listed = self._folders.get(folder)
        if listed is None or listed[0] != stamp:
            try:
                names = sorted(
                    entry.name
                    for entry in os.scandir(folder)
                    if not entry.name.startswith(".")
                    and os.path.splitext(entry.name)[1].lower() in CASE_SUFFIXES
                    and entry.is_file()
                )
            except OSError:
                names = []
            if len(self._folders) >= self.keep:
                self._folders.clear()
            listed = self._folders[folder] = (stamp, names)
        found = []
        for file_name in listed[1]:
            if file_name in skip:
                continue
            other = os.path.join(folder, file_name)
            try:
                status = os.stat(other)
            except OSError:
                continue
            key = (status.st_mtime_ns, status.st_size)
            known = self._identities.get(other)
            if known is None or known[0] != key:
                try:
                    # (parsed once with the load of the same file: `parsed_case_bytes`)
                    data = parsed_case_bytes(
                        read_limited(Path(other), "case file", CaseError), Path(other)
                    )
                    identity: dict[str, Any] | None = _identity(data)
                except CaseError:
                    identity = None
                if len(self._identities) >= 64 * self.keep:
                    self._identities.clear()
                known = self._identities[other] = (key, identity)
            if known[1] is not None:
                found.append((Path(other), known[1]))
        return found

    def prepare(self, path: Path, *, explained: bool = False) -> Prepared:
        """Load, select notes and check; no rendering."""
        document = self.document(path)
        selection = self.select(document, explained=explained)
        return Prepared(document, selection, self.check(document, selection))

    def render(
        self, prepared: Prepared, *, draft: bool = False, page_count: int | None = None
    ) -> bytes:
        """The DOCX of a prepared document, carrying its build record (`_record`); its page
        count fields show `page_count` when LibreOffice laid it out, else the estimate."""
        return self.rendered(prepared, draft=draft, page_count=page_count)[0]

    def rendered(
        self, prepared: Prepared, *, draft: bool = False, page_count: int | None = None
    ) -> tuple[bytes, Manifest]:
        """The DOCX of a prepared document (as `render`) and its manifest (as `manifest`),
        the manifest worked out once: the build record the DOCX carries is made from it."""
        manifest = self.manifest(prepared, b"", draft=draft)
        docx = self.renderer.render(
            prepared.document,
            prepared.selection,
            draft=draft,
            record=self._record(prepared, manifest),
            page_count=page_count,
        )
        return docx, dataclasses.replace(
            manifest,
            docx_sha256=hashlib.sha256(docx).hexdigest(),
            pages_from="estimate" if page_count is None else "layout",
            pages=page_count,
        )

    def _record(self, prepared: Prepared, manifest: Manifest) -> bytes:
        """What the DOCX records of its own build (`rendering.embedded`), so that `explain`,
        `check` and `report` can read the DOCX alone: the case files of its chain (names,
        hashes, text) and `manifest` (worked out before rendering), less what depends on the
        DOCX bytes or on where the files were (the DOCX hash; paths become file names), and
        less what a library edit changes without changing the DOCX (the library digest and note
        hashes, the notes in force after it: `batch` then keeps the DOCX as it is)."""
        files = prepared.document.files
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
            ),
        )
        # the notes written without their hashes, not made again without them
        recorded_json = recorded.to_json(note_hashes=False)
        return build_record(recorded_json, [(f.path.name, f.sha256, f.raw) for f in files])

    def manifest(
        self, prepared: Prepared, docx: bytes, *, draft: bool, pages: int | None = None
    ) -> Manifest:
        """What went into a build and what came out; `pages` is the page count LibreOffice
        laid the DOCX out to (None: the DOCX shows the estimate)."""
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
                reference_digest=load_reference().digest,
                loagen_version=__version__,
            ),
            selection_digest=selection_digest(prepared.selection),
            notes=printed_notes(prepared.selection),
            findings=recorded_findings(prepared.findings),
            findings_digest=findings_digest(prepared.findings),
            totals=tuple((key, getattr(document.costs, key)) for key, _ in TOTALS),
            loagen_version=__version__,
            note_history=tuple((n.note_id, n.version, n.since) for n in prepared.selection.after),
            pages_from="estimate" if pages is None else "layout",
            pages=pages,
        )

    def output_paths(self, document: LoaDocument, output_dir: Path) -> tuple[Path, Path]:
        """The DOCX and manifest (`manifest.manifest_path`) of `document` in `output_dir`."""
        # joined as text, then one Path each (`manifest_path` on the DOCX's Path costs more)
        stem = os.path.join(output_dir, document.output_stem)
        return Path(stem + ".docx"), Path(stem + SUFFIX)

    def write(
        self, document: LoaDocument, docx: bytes, manifest: Manifest, output_dir: Path
    ) -> tuple[Path, Path]:
        """Write the DOCX and its manifest as a pair (see `output.files`), after the note index
        of the library: a failure to write that (a full disk) then leaves the pair untouched."""
        docx_path, manifest_file = self.output_paths(document, output_dir)
        self.index_notes(output_dir)
        write_pair(((docx_path, docx), (manifest_file, manifest.to_json())))
        return docx_path, manifest_file

    def index_notes(self, output_dir: Path) -> Path:
        """Write the note index of the library (`manifest.NoteIndex`) into `output_dir`
        unless it is there: once per library and folder, for every document built into it."""
        library = self.library
        key = (os.fspath(output_dir), library.digest)
        path = self._indexed.get(key)  # its path, once written or found (asked per document)
        if path is None:
            path = note_index_path(Path(output_dir), library.digest)
            if not path.is_file():
                index = NoteIndex(
                    library.digest, tuple((n.id, n.sha256[:NOTE_HASH_LENGTH]) for n in library)
                )
                atomic_write(path, index.to_json())
            self._indexed[key] = path
        return path

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
        docx, manifest = self.rendered(prepared, draft=draft)
        docx_path, manifest_file = self.output_paths(prepared.document, output_dir)
        kept = _keep_changed(docx_path, manifest_file)
        as_built = (
            None if kept is not None else self.keep_as_built(prepared.document, docx_path, docx)
        )
        try:
            self.write(prepared.document, docx, manifest, output_dir)
        except BaseException:
            if as_built is not None:  # the DOCX as built is still in its place
                with contextlib.suppress(OSError):
                    os.unlink(as_built)
            raise
        return BuildResult(
            prepared.document, prepared.selection, prepared.findings,
            docx_path, manifest_file, manifest, draft, kept, as_built,
        )  # fmt: skip

    def keep_as_built(self, document: LoaDocument, docx_path: Path, docx: bytes) -> Path | None:
        """Before `docx` replaces the DOCX at `docx_path`: when that DOCX is of a document
        already answered (a later document of its case follows it: not `is_newest`), it is
        what was signed; when what the new one shows differs (`shows_the_same`: not only its
        build record, which a recorded acceptance changes), a copy of it is kept beside it,
        "<stem>.as-built-<date>.docx" (`output.files.keep_copy`), and its name returned. Every
        command that builds (build, batch, the studio's rebuilds) goes through here."""
        try:
            before = docx_path.read_bytes()
        except OSError:
            return None  # nothing there yet
        if before == docx or is_built_document(document.file.path) or self.is_newest(document):
            return None  # (a DOCX rebuilt from itself: whether it was answered is not known)
        if shows_the_same(before, docx):
            return None
        return keep_copy(docx_path, built_on(docx_path))

    # -- the last, optional stage: the layout --

    def lay_out(
        self,
        documents: Sequence[tuple[Path, Path]],
        *,
        converted: Sequence[tuple[Path, Path]] = (),
        timeout: float | None = None,
    ) -> list[LaidOut]:
        """Lay built documents out with LibreOffice and store the true page count in each.

        `documents` are (case file, built DOCX) pairs: each DOCX is converted to a PDF beside it
        (one `soffice` call per folder); `converted` are pairs whose PDF beside the DOCX is up to
        date, only read. Then the number of pages of each PDF is stored in its document
        (`store_pages`): when it is not the count the DOCX shows, the DOCX is rendered again
        with it and written with its manifest. The PDF is not made again: it is the layout of
        the DOCX as written now, since LibreOffice works the page count fields out as it lays a
        document out (their stored value changes nothing it lays out).

        Raises ToolError when LibreOffice is missing; a document LibreOffice did not convert,
        whose PDF cannot be read or whose count cannot be stored keeps its estimate, with the
        reason in its `problem`."""
        failure: LoagenError | None = None
        if documents:
            find_soffice()  # no LibreOffice stops every document
        try:
            convert_to_pdf([docx for _, docx in documents], timeout=timeout)
        except ToolError as exc:
            failure = exc  # the documents it did convert are laid out all the same
        out = []
        for pairs, fresh in ((documents, True), (converted, False)):
            for source, docx in pairs:
                pdf = docx.with_suffix(".pdf")
                if failure is not None and fresh and not pdf_up_to_date(docx):
                    out.append(LaidOut(source, docx, pdf, None, problem=failure))
                    continue
                try:
                    pages = pdf_page_count(pdf)
                    rewritten = self.store_pages(source, docx, pages)
                    if rewritten:
                        keep_current(pdf)
                except LoagenError as exc:
                    out.append(LaidOut(source, docx, pdf, None, converted=fresh, problem=exc))
                    continue
                out.append(LaidOut(source, docx, pdf, pages, rewritten, fresh))
        return out

    def store_pages(self, source: Path, docx_path: Path, pages: int) -> bool:
        """Store `pages`, the number of pages LibreOffice laid the DOCX at `docx_path` (built
        from the case file `source`) out to, as its page count: render it again with that count
        and write it and its manifest when the DOCX changes, else its manifest only (which
        records that the count comes from the layout). True when the DOCX was written again.

        Raises OutputError when the DOCX has no manifest of this loagen or its case files
        changed since it was built (its PDF would not be its layout): build it again."""
        manifest_file = manifest_path(docx_path)
        old = read_manifest(manifest_file)
        if old is not None and old.pages_from == "layout" and old.pages == pages:
            return False
        prepared = self.prepare(source)
        if old is None or [i.sha256 for i in old.dependencies.inputs] != [
            f.sha256 for f in prepared.document.files
        ]:
            raise OutputError(
                "cannot store the page count of the layout: the case files changed since the "
                "document was built, or its manifest is missing; build it again",
                source=docx_path,
            )
        docx, manifest = self.rendered(prepared, draft=old.draft, page_count=pages)
        self.index_notes(docx_path.parent)
        if manifest.docx_sha256 == old.docx_sha256:
            atomic_write(manifest_file, manifest.to_json())
            return False
        write_pair(((docx_path, docx), (manifest_file, manifest.to_json())))
        return True

    # -- the templates --

    def template(self, kind: str) -> CompiledTemplate:
        """The compiled template of a document kind ("Basic", "Amendment", "Modification")."""
        return self.renderer.template_of(kind)

    @staticmethod
    def template_kinds() -> tuple[str, ...]:
        return tuple(TEMPLATE_NAMES)

    def template_problems(self, kind: str) -> list[str]:
        """What is wrong with the template of `kind`, in words for policy staff editing it in
        Word: it does not load (its tags, parts or note styles), uses variables loagen does not
        give it, or breaks the layout rules (`rendering.template_checks`)."""
        try:
            template = self.template(kind)
        except RenderError as exc:
            return [str(exc)]
        problems = [
            f"{template.path}: unknown variable {name!r}{hint}"
            for name, hint in self.renderer.unknown_variables(template).items()
        ]
        return problems + check_template(template)

    @staticmethod
    def tidy(output_dir: Path) -> int:
        """Remove what killed runs left in `output_dir` (temporary files)."""
        folder = Path(output_dir)
        return remove_stale_temporaries(folder) + remove_stale_temporaries(folder / INDEX_FOLDER)
