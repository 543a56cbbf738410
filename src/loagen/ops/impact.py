"""Impact of a policy edit: which documents change when `note_library/` or `templates/` change,
and how their printed wording changes.

The working tree's library and templates are compared with those at a git revision (read with
`git archive` into a scratch folder; the working tree is never touched). Every document is
loaded once and selected with the old and the new version of the notes whose files differ
(a note's decision and text depend on the note and the document alone). For each document the
answer lists the notes that now come in or drop out (with the rule's reason and their text),
the notes whose printed text changes (paragraph by paragraph, word by word), and whether the
template it is rendered from changed. A document whose template changed is rendered with the
new template (in memory), so a template that no longer renders is reported for each document
it breaks.

With `render_to`, each document that changes is rendered with the working tree's library and
templates into that scratch folder, and beside it a redline (tracked changes) against the same
document rendered with the revision's: `<stem>.docx` and `<stem>.redline.docx`. Nothing else
is written: not `build/`, not a manifest (a folder that holds manifests is refused).
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..case.loading import CASE_SUFFIXES, answered
from ..document.word_diff import Change, wording_changes
from ..errors import ImpactError, LoagenError, OutputError, Problem, ToolError, UsageError
from ..manifest import SUFFIX as MANIFEST_SUFFIX
from ..output.files import atomic_write
from ..pipeline import Pipeline
from ..policy.notes import named_notes, readers_of
from ..policy.selection import SelectedNote, Selection, keyed_notes
from ..project import (
    CaseSources,
    Project,
    find_case_files,
    in_written_order,
    template_file_digest,
)
from ..rendering.redline import PrintedChange, printed_changes, redline_docx
from ..rendering.templates import TEMPLATE_NAMES
from ..rendering.terms import TERMS_FILE

REDLINE_SUFFIX = ".redline.docx"

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
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], project.root).decode().strip())
    except ImpactError as exc:
        if "not a git repository" not in exc.message:
            raise
        raise ImpactError(
            f"the project ({project.root}) is not kept in git, so there is no earlier version of "
            "note_library/ and templates/ to compare with: put it under git (git init, then git "
            "add and git commit the project), or edit the note in the studio, which shows what "
            "an edit changes before it is saved"
        ) from None
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    except ImpactError:
        raise UsageError(
            f"git has no revision {rev!r} in {top} (a commit, branch or tag, e.g. HEAD or "
            "HEAD~1; a repository with no commit yet has none: commit the project first)"
        ) from None
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
    """A note that comes in, drops out or changes on one document."""

    note: str
    """The note id, or for a note printed once per line its id and line: "X (Line 007)"."""
    reason: str
    """In: why the new library prints it; out: why not; changed: what changes ("wording",
    "title ...", "lines ...", "version ...")."""
    id: str = ""
    title: str = ""
    old: SelectedNote | None = None
    """As the revision's library prints it (None for a note that comes in)."""
    new: SelectedNote | None = None
    """As the working tree's library prints it (None for a note that drops out)."""
    wording: tuple[Change, ...] = ()
    """The paragraphs whose wording changes."""

    def to_json(self) -> dict[str, Any]:
        def state(n: SelectedNote | None) -> dict[str, Any] | None:
            if n is None:
                return None
            return {"version": n.version, "lines": list(n.lines), "title": n.title, "text": n.body}

        return {
            "note": self.note,
            "id": self.id or self.note,
            "title": self.title or None,
            "reason": self.reason,
            "old": state(self.old),
            "new": state(self.new),
            "wording": [c.to_json() for c in self.wording],
        }


@dataclass
class DocumentImpact:
    source: Path
    document: str
    notes_in: list[NoteChange] = field(default_factory=list)
    notes_out: list[NoteChange] = field(default_factory=list)
    notes_changed: list[NoteChange] = field(default_factory=list)
    template: str | None = None
    """The template the document is rendered from, when it (or the Standard Terms it prints)
    changed."""
    printed: list[PrintedChange] = field(default_factory=list)
    """With `template`: the paragraphs outside the notes whose printed text changes (a template
    or Standard Terms edit that leaves the document's text as it was changes nothing)."""
    rendered: Path | None = None
    """With `render_to`: the document rendered with the working tree's library and templates."""
    redline: Path | None = None
    """With `render_to`: its tracked changes against the revision's rendering."""
    warnings: list[str] = field(default_factory=list)
    unrendered: bool = False
    """Its template changed and it does not render with the working tree's (an error)."""
    answered: bool = False
    """A later document of the case follows it: it was offered and accepted (or cancelled), so
    what was signed does not change, and rebuilding it prints the new wording over the old."""

    @property
    def notes_change(self) -> bool:
        return bool(self.notes_in or self.notes_out or self.notes_changed)

    @property
    def changed(self) -> bool:
        """Whether what the document prints changes (its notes, or its template's text)."""
        return self.notes_change or bool(self.template and (self.printed or self.unrendered))


@dataclass(frozen=True)
class ImpactFailure:
    """A document the comparison could not decide or render, and why."""

    source: Path
    problems: tuple[Problem, ...]
    document: str = ""
    """The document's output name, when it loaded."""
    stage: str = "load"
    """"load" (the case, or its notes), or "render" (the working tree's template)."""


@dataclass
class ImpactReport:
    against: str
    documents: list[DocumentImpact] = field(default_factory=list)
    failed: list[ImpactFailure] = field(default_factory=list)
    notes_added: list[str] = field(default_factory=list)
    notes_removed: list[str] = field(default_factory=list)
    notes_edited: list[str] = field(default_factory=list)
    notes_renamed: dict[str, str] = field(default_factory=dict)
    """Notes whose file and id were renamed (old id: new id); not in `notes_added` or
    `notes_removed`."""
    templates_changed: list[str] = field(default_factory=list)
    """The template files that changed (not counting the Standard Terms)."""
    terms_changed: bool = False
    """The Standard Terms (templates/standard_terms.md) changed: every FMS document prints
    them."""
    render_to: Path | None = None
    unwritten: list[str] = field(default_factory=list)
    """With `render_to`: the previews and redlines that could not be written (a full disk),
    each with why; the others were written all the same."""
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> list[DocumentImpact]:
        return [d for d in self.documents if d.changed]

    def to_json(self) -> dict[str, Any]:
        def changes(items: list[NoteChange]) -> list[dict[str, Any]]:
            return [c.to_json() for c in items]

        return {
            "against": self.against,
            "library": {
                "added": self.notes_added,
                "removed": self.notes_removed,
                "edited": self.notes_edited,
                "renamed": [{"old": o, "new": n} for o, n in self.notes_renamed.items()],
            },
            "templates_changed": self.templates_changed,
            "terms_changed": self.terms_changed,
            "documents": [
                {
                    "source": str(d.source),
                    "document": d.document,
                    "notes_in": changes(d.notes_in),
                    "notes_out": changes(d.notes_out),
                    "notes_changed": changes(d.notes_changed),
                    "template": d.template,
                    "printed": [c.to_json() for c in d.printed],
                    "rendered": str(d.rendered) if d.rendered else None,
                    "redline": str(d.redline) if d.redline else None,
                    "warnings": d.warnings,
                    "answered": d.answered,
                }
                for d in self.changed
            ],
            "unchanged": len(self.documents) - len(self.changed),
            "failed": [
                {
                    "source": str(r.source),
                    "document": r.document or None,
                    "stage": r.stage,
                    "problems": [p.to_dict() for p in r.problems],
                }
                for r in self.failed
            ],
            "render_to": str(self.render_to) if self.render_to else None,
            "unwritten": self.unwritten,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
        }


def compare_selections(
    old: Selection, new: Selection, renamed: dict[str, str] | None = None
) -> tuple[list, list, list]:
    """Notes that come in, drop out and change between two selections of one document (a note
    printed once per line counts once per line), with their texts and wording changes. A note
    `renamed` (old id: new id) is compared with itself under its new id: it changes only when
    what it prints changes."""
    before, after = keyed_notes(old.notes, new.notes)
    renamed = renamed or {}
    for key, note in list(before.items()):
        if note.id in renamed:
            before[key.replace(note.id, renamed[note.id], 1)] = before.pop(key)
    new_reasons = {d.note_id: d.reason for d in new.decisions}
    old_reasons = {d.note_id: d.reason for d in old.decisions}
    notes_in = [
        NoteChange(key, new_reasons.get(note.id, "selected by the new library"), note.id,
                   note.title, None, note)
        for key, note in after.items()
        if key not in before
    ]  # fmt: skip
    notes_out = []
    for key, note in before.items():
        if key not in after:
            reason = new_reasons.get(renamed.get(note.id, note.id))
            if reason is None:
                reason = f"removed from the library (was: {old_reasons.get(note.id)})"
            notes_out.append(NoteChange(key, reason, note.id, note.title, note, None))
    notes_changed = []
    for key, note in after.items():
        was = before.get(key)
        if was is None:
            continue
        what = []
        wording: tuple[Change, ...] = ()
        if was.id != note.id and (was.body, was.title, was.placement, was.lines) != (
            note.body,
            note.title,
            note.placement,
            note.lines,
        ):
            what.append(f"renamed from {was.id}")
        if was.body != note.body:
            what.append("wording")
            wording = wording_changes(was.body, note.body)
        if was.title != note.title:
            what.append(f"title {was.title!r} -> {note.title!r}")
        if was.placement != note.placement:
            what.append(f"placement {was.placement} -> {note.placement}")
        if was.lines != note.lines:
            what.append(f"lines {', '.join(was.lines) or '-'} -> {', '.join(note.lines) or '-'}")
        if was.version != note.version and was.id == note.id:
            what.append(f"version {was.version} -> {note.version}")
        if what:
            notes_changed.append(
                NoteChange(key, ", ".join(what), note.id, note.title, was, note, wording)
            )
    return notes_in, notes_out, notes_changed


def impact(
    paths: Iterable[Path],
    *,
    against: str = "HEAD",
    project: Project | None = None,
    render_to: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImpactReport:
    """Which documents under `paths` change between the library and templates at git revision
    `against` and those in the working tree, and how; with `render_to`, the changed documents
    and their redlines written into that scratch folder."""
    started = time.perf_counter()
    project = project or Project.discover()
    if render_to is not None:
        render_to = _scratch_folder(project, Path(render_to))
    with tempfile.TemporaryDirectory(prefix="loagen-impact-") as scratch:
        old_notes, old_templates = extract_revision(project, against, Path(scratch))
        old = Pipeline(project, note_library=old_notes, templates=old_templates)
        try:
            old.library  # noqa: B018
        except LoagenError as exc:
            raise ImpactError(f"the note library at {against} does not load: {exc}") from None
        report = compare_pipelines(
            in_written_order(find_case_files(paths)),
            old,
            Pipeline(project),
            against=against,
            render_to=render_to,
            progress=progress,
        )
    mark_answered(report.changed)
    report.seconds = time.perf_counter() - started
    return report


def mark_answered(documents: list[DocumentImpact]) -> None:
    """Mark the documents a later document of their case follows (`DocumentImpact.answered`,
    `case.loading.answered`)."""
    found = answered(d.source for d in documents if d.source.suffix.lower() in CASE_SUFFIXES)
    for doc in documents:
        doc.answered = doc.source in found


def _scratch_folder(project: Project, folder: Path) -> Path:
    """`folder` if loagen may write previews there: not the build, templates, note library or
    cases folder (or inside them), not the project folder itself, not a folder holding built
    documents' manifests."""
    resolved = folder.resolve()
    build = project.build_dir.resolve()
    if resolved == build or build in resolved.parents:
        raise OutputError(
            f"{folder} is the build folder ({project.build_dir}); an impact preview never "
            "writes there: give a scratch folder, e.g. --render /tmp/preview"
        )
    kept_folders = (
        (project.templates, "templates"), (project.note_library, "note library"),
        (project.cases, "cases"),
    )  # fmt: skip
    for kept, what in kept_folders:
        if resolved == kept.resolve() or kept.resolve() in resolved.parents:
            raise OutputError(
                f"{folder} is the project's {what} folder: give a scratch folder, e.g. "
                "--render /tmp/preview"
            )
    if resolved == project.root.resolve():
        raise OutputError(
            f"{folder} is the project folder itself, whose files are kept in git: give a "
            "scratch folder, e.g. --render /tmp/preview"
        )
    if resolved.is_dir() and any(resolved.glob(f"*{MANIFEST_SUFFIX}")):
        raise OutputError(
            f"{folder} holds built documents (files ending {MANIFEST_SUFFIX}); an impact "
            "preview never writes beside them: give an empty scratch folder"
        )
    if resolved.exists() and not resolved.is_dir():
        raise OutputError(f"{folder} is a file, not a folder: give a scratch folder")
    case_file = _a_case_file_in(resolved)
    if case_file is not None:
        raise OutputError(
            f"{folder} holds case files ({case_file.name}, of another project or a copy); an "
            "impact preview never writes beside them: give an empty scratch folder, e.g. "
            "--render /tmp/preview"
        )
    return folder


def _a_case_file_in(folder: Path) -> Path | None:
    """A case file directly in `folder` (where previews would be written), if any."""
    if not folder.is_dir():
        return None
    sources = CaseSources()
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in CASE_SUFFIXES and path.is_file() and sources.info(path).is_case:
            return path
    return None


def compare_pipelines(
    files: Iterable[Path],
    old: Pipeline,
    new: Pipeline,
    *,
    against: str = "the old version",
    render_to: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImpactReport:
    """The impact on the case files `files` of going from `old` (a pipeline on the revision's
    library and templates) to `new` (the working tree's, or any other pair of folders)."""
    report = ImpactReport(against, render_to=render_to)
    new_library = new.library  # a NoteError: the working tree's library does not load
    old_library = old.library
    template_changed = {}
    report.terms_changed = _read(old.templates_folder / TERMS_FILE) != _read(
        new.templates_folder / TERMS_FILE
    )
    for kind, name in TEMPLATE_NAMES.items():
        changed = template_file_digest(old.templates_folder / name) != template_file_digest(
            new.templates_folder / name
        )
        template_changed[kind] = changed
        if _read(old.templates_folder / name) != _read(new.templates_folder / name):
            report.templates_changed.append(name)
    _library_changes(report, old_library, new_library)
    edited = {*report.notes_added, *report.notes_removed, *report.notes_edited}
    edited |= {*report.notes_renamed, *report.notes_renamed.values()}
    with tempfile.TemporaryDirectory(prefix="loagen-impact-notes-") as scratch:
        compared, old_part, new_part = _partial_pipelines(edited, old, new, Path(scratch))
        _compare_documents(report, files, compared, old_part, new_part, new, template_changed)
    # a template change is known once the document is rendered both ways
    to_render = [
        d for d in report.documents if d.template or (d.notes_change and render_to is not None)
    ]
    if to_render:
        _render_all(report, to_render, old, new, progress)
    return report


def _partial_pipelines(
    edited: set[str], old: Pipeline, new: Pipeline, scratch: Path
) -> tuple[set[str], Pipeline | None, Pipeline | None]:
    """The notes to compare, and two pipelines on the part of each library that decides them.

    A note's decision and text depend on the document, the note's own place on the case and
    the places of the notes it names with `in_force`: the notes to compare are the edited ones
    and those that name them (through any chain of names); their history needs them and the
    notes they name. Every other note decides the same way with either library, so neither
    pipeline loads it: the history of each document is decided for a few notes, not all."""
    libraries = (list(old.library), list(new.library))
    names: dict[str, set[str]] = {}
    for notes in libraries:
        for note in notes:
            names.setdefault(note.id, set()).update(named_notes(note))
    compared = readers_of(edited, *libraries)
    if not compared:
        return compared, None, None
    needed = set(compared)
    stack = list(compared)
    while stack:
        for named in names.get(stack.pop(), ()):
            if named not in needed:
                needed.add(named)
                stack.append(named)
    parts: list[Pipeline | None] = []
    for label, pipeline, notes in (("old", old, libraries[0]), ("new", new, libraries[1])):
        folder = scratch / label
        folder.mkdir()
        kept = [note for note in notes if note.id in needed]
        for note in kept:
            (folder / note.path.name).write_bytes(note.path.read_bytes())
        # none of them on this side (the notes were all added, or all deleted): it prints none
        parts.append(
            Pipeline(pipeline.project, note_library=folder, templates=pipeline.templates_folder)
            if kept
            else None
        )
    return compared, parts[0], parts[1]


def _compare_documents(
    report: ImpactReport,
    files: Iterable[Path],
    compared: set[str],
    old: Pipeline | None,
    new: Pipeline | None,
    full: Pipeline,
    template_changed: dict[str, bool],
) -> None:
    """Decide the `compared` notes of every document with either library (`old` and `new`:
    the partial pipelines; None for a side that holds none of them: no note compared, or
    notes only added or only deleted)."""
    old_notes = [n for n in old.library if n.id in compared] if old else []
    new_notes = [n for n in new.library if n.id in compared] if new else []
    for path in files:
        try:
            document = (new or old or full).document(path)
            before = old.select(document, notes=old_notes, explained=True) if old else Selection()
            after = new.select(document, notes=new_notes, explained=True) if new else Selection()
            notes_in, notes_out, notes_changed = compare_selections(
                before, after, report.notes_renamed
            )
        except LoagenError as exc:
            report.failed.append(ImpactFailure(path, _real_sources(exc.problems, old, new, full)))
            continue
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


def _real_sources(
    problems: tuple[Problem, ...], old: Pipeline | None, new: Pipeline | None, full: Pipeline
) -> tuple[Problem, ...]:
    """Problems that name a note file of a partial library name the working tree's file
    (a file of the revision's library keeps its name: it exists nowhere else)."""
    out = []
    for problem in problems:
        source = problem.source
        folder = Path(source).parent if source is not None else None
        if new is not None and folder == new.note_library_folder:
            source = full.note_library_folder / Path(source).name
        elif old is not None and folder == old.note_library_folder:
            source = Path(source).name
        out.append(Problem(source, problem.location, problem.message))
    return tuple(out)


# -- rendering the documents that change ----------------------------------------------------------


def _render_all(
    report: ImpactReport,
    impacts: list[DocumentImpact],
    old: Pipeline,
    new: Pipeline,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Render each document with the new library and templates (a RenderError is the
    document's failure); with `report.render_to`, write it and its redline against the old
    rendering. The redline engine runs a program a comparison, about two seconds each: they
    run side by side, one a processor."""
    render_to = report.render_to
    total = len(impacts)
    done = 0
    engine = _RedlineEngine(report)
    if progress:
        progress(0, total)
    with ThreadPoolExecutor(max_workers=_threads()) as pool:
        pending = []
        for impact in impacts:
            try:
                old_docx = _render_one(impact, old, new, render_to, report.against)
            except OutputError as exc:  # the document rendered: its preview was not written
                report.unwritten.append(str(exc))
                old_docx = None
            except LoagenError as exc:
                report.failed.append(
                    ImpactFailure(impact.source, exc.problems, impact.document, stage="render")
                )
                impact.unrendered = True
                old_docx = None
            if old_docx is None or not engine.should_queue(old_docx, impact):
                done += 1
                if progress:
                    progress(done, total)
                continue
            pending.append(pool.submit(engine.write, old_docx, impact))
        for future in as_completed(pending):
            future.result()
            done += 1
            if progress:
                progress(done, total)


def _threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _render_one(
    impact: DocumentImpact, old: Pipeline, new: Pipeline, render_to: Path | None, against: str
) -> bytes | None:
    """Render the document with the new library and templates (and, when its template
    changed, compare its printed text with the old rendering's), write it into `render_to`
    when it changes, and return its rendering with the old ones (None: nothing to compare it
    with)."""
    prepared = new.prepare(impact.source)
    docx = new.render(prepared, draft=bool(prepared.errors))
    old_docx, why = None, ""
    if impact.template or render_to is not None:
        try:
            was = old.prepare(impact.source)
            old_docx = old.render(was, draft=bool(was.errors))
        except LoagenError as exc:
            why = str(exc)
    if impact.template:
        if old_docx is None:  # cannot tell what changed: the template counts as a change
            impact.printed = [PrintedChange("", Change(None, "(not known: see the warning)"))]
        else:
            impact.printed = [c for c in printed_changes(old_docx, docx) if not c.where]
    if render_to is None or not impact.changed:
        return None
    target = render_to / f"{impact.document}.docx"
    atomic_write(target, docx)
    impact.rendered = target
    if old_docx is None:
        impact.warnings.append(
            f"no redline: the document does not render with the notes and templates at "
            f"{against}: {why}"
        )
    return old_docx


class _RedlineEngine:
    """The redline engine: tried on the first document alone; when it cannot run at all, one
    warning says so and no other redline is tried."""

    def __init__(self, report: ImpactReport) -> None:
        self.report = report
        self.tried = False
        self.broken = False
        self.lock = threading.Lock()

    def should_queue(self, old_docx: bytes, impact: DocumentImpact) -> bool:
        """True: queue this document's redline. False: it was the first, made here at once,
        or the engine cannot run."""
        if self.broken:
            return False
        if self.tried:
            return True
        self.tried = True
        try:
            self._write(old_docx, impact)
        except ToolError as exc:
            self.broken = True
            self.report.warnings.append(f"no redlines written: {exc}")
        except OutputError as exc:  # the engine runs: the file was not written
            self.report.unwritten.append(str(exc))
        return False

    def write(self, old_docx: bytes, impact: DocumentImpact) -> None:
        try:
            self._write(old_docx, impact)
        except ToolError as exc:
            with self.lock:
                impact.warnings.append(f"no redline: {exc}")
        except OutputError as exc:
            with self.lock:
                self.report.unwritten.append(str(exc))

    def _write(self, old_docx: bytes, impact: DocumentImpact) -> None:
        assert impact.rendered is not None
        redline = redline_docx(old_docx, impact.rendered.read_bytes())
        target = impact.rendered.with_name(f"{impact.document}{REDLINE_SUFFIX}")
        atomic_write(target, redline)
        impact.redline = target


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _library_changes(report: ImpactReport, old: Any, new: Any) -> None:
    """Notes added to, removed from, renamed in and edited in the library (by note file hash).
    A note removed and one added with the same title and rule, or the same texts, are one
    note renamed (its file moved and its id changed)."""
    before = {n.id: n for n in _notes_of(old)}
    after = {n.id: n for n in _notes_of(new)}
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    for old_id in removed:
        was = before[old_id]
        for new_id in added:
            now = after[new_id]
            if new_id in report.notes_renamed.values():
                continue
            if (was.title, was.rule) == (now.title, now.rule) or _texts(was) == _texts(now):
                report.notes_renamed[old_id] = new_id
                break
    report.notes_added = [i for i in added if i not in report.notes_renamed.values()]
    report.notes_removed = [i for i in removed if i not in report.notes_renamed]
    report.notes_edited = sorted(
        i
        for i in set(before) & set(after)
        if getattr(before[i], "sha256", None) != getattr(after[i], "sha256", None)
    )


def _texts(note: Any) -> tuple[str, ...]:
    return tuple(t.body for t in getattr(note, "texts", ()))


def _notes_of(library: Any) -> list[Any]:
    notes = getattr(library, "notes", None)
    if notes is None:
        return list(library)
    return list(notes.values()) if isinstance(notes, dict) else list(notes)
