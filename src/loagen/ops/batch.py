"""Many builds at once: find the case documents, skip the unchanged, build the rest in parallel.

A document is rebuilt only when something it depends on changed. The manifest beside each DOCX
records those dependencies (every case file of the chain, the template, the note library, the
reference tables and loagen's version) and the hash of the DOCX written; `plan` compares them
with the current ones without validating any case (plain hashes and the manifests), so a run
where nothing changed takes a fraction of a second for a thousand documents. A DOCX replaced or
edited since it was built (its bytes no longer those the manifest records) is built again, and
kept aside first as <document>.changed-after-build.docx. When only the note library changed, only the
edited notes are decided again (no rendering), and a document is rebuilt only if the notes it
prints change. A document already answered (a later document of its case follows it) keeps its
DOCX as built, <document>.as-built-<date>.docx, when a rebuild changes it; a PDF or redline
beside a DOCX rebuilt with other bytes is removed (no longer its own). One batch at a time
writes to an output folder (`output.files.batch_lock`).

One broken document never stops the batch: its problems are collected and reported at the end.
The work runs in worker processes, each with its own pipe (no lock is shared: a worker killed at
any moment cannot hang the others); each sends a document's result as soon as it is written.
Ctrl-C or SIGTERM stops the workers at once (a document being built is finished first); every
file written is complete (see `output.files`), every document written is in the report
(`BatchInterrupted`), and the next run finishes the rest, redlines owed included
(`REDLINES_OWED`).

With PDFs, the documents are laid out by LibreOffice after they are built (`Pipeline.lay_out`,
as few `soffice` calls as there are output folders) and each stores the true page count; a
document skipped as up to date whose PDF is up to date and whose count came from the layout is
not laid out again. Redlines are then made after the layout, so that they compare the documents
as finally written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import math
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Literal

from .. import __version__
from ..case.loading import answered
from ..errors import LoagenError, Problem
from ..manifest import (
    INDEX_FOLDER,
    NOTE_HASH_LENGTH,
    Manifest,
    manifest_path,
    read_manifest,
    read_note_index,
)
from ..output.files import (
    AS_BUILT,
    atomic_write,
    batch_lock,
    remove_stale_temporaries,
)
from ..output.pdf import find_soffice, keep_current, pdf_up_to_date
from ..pipeline import Pipeline, printed_notes, selection_digest
from ..policy.library_cache import library_from_bytes, library_to_bytes
from ..policy.notes import library_digest, readers_of
from ..project import CaseSources, Project, find_case_files, path_key, template_file_digest
from ..reference import load_reference
from ..rendering.redline import redline_docx
from ..stops import STOP_SIGNALS

REDLINE_SUFFIX = ".redline.docx"
REDLINES_OWED = "redlines-owed"
"""The folder, inside the output folder's `manifest.INDEX_FOLDER`, of the redlines a batch owes:
for each document rebuilt with --redline whose redline is not written yet, the DOCX it replaced
(the redline's "before"), under the DOCX's name. Written before the rebuild and removed once the
redline is made, so a batch stopped in between (Ctrl-C) leaves it for the next batch, which
makes the redline even when the document is up to date by then."""

Status = Literal["built", "refreshed", "skipped", "failed"]
STATUS_WORDS: dict[str, str] = {
    "built": "built",
    "refreshed": "refreshed",
    "skipped": "skipped",
    "failed": "failed",
}
"""What the summary calls each status: the same words as the keys of the JSON report."""
STATUS_HINTS: dict[str, str] = {
    "refreshed": "unchanged after a change to the note library or templates, manifest updated",
    "skipped": "up to date",
}
"""What the summary adds after a count that is not zero, for a reader new to the words."""
Mode = Literal["build", "reselect"]


# -- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocResult:
    """What happened to one case document in a batch."""

    source: Path
    status: Status
    docx: Path | None = None
    problems: tuple[Problem, ...] = ()
    redline: Path | None = None
    warnings: tuple[str, ...] = ()
    """Things that went wrong around a document that was built (e.g. its redline)."""
    pages: int | None = None
    """The number of pages LibreOffice laid the document out to (with --pdf)."""
    previous: bytes | None = field(default=None, repr=False, compare=False)
    """The DOCX this build replaced, kept until the redline is made after the layout."""
    docx_changed: bool = False
    """Built again because its DOCX was changed (edited, replaced) since it was built."""
    kept: Path | None = None
    """Where the DOCX it wrote over, changed since it was built, was moved aside."""
    answered: bool = False
    """A later document of its case follows it (it was offered and answered): what it said
    as built is the record of what was signed."""
    as_built: Path | None = None
    """An answered document rebuilt with other bytes: where the DOCX it replaced was kept."""
    removed: tuple[Path, ...] = ()
    """Its PDF or redline, out of date once it was rebuilt, removed."""


@dataclass
class BatchReport:
    """The outcome of a batch, document by document."""

    results: list[DocResult] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    worker_peak_rss: int | None = None
    """The largest peak memory of a worker process (bytes), when workers ran and the system
    says."""
    worker_cpu: float | None = None
    """The CPU time of the worker processes that ran to their end (seconds)."""
    total: int | None = None
    """The documents the batch found (known once they are planned)."""
    interrupted: bool = False
    """The batch was stopped (Ctrl-C, SIGTERM) before its end: the results are those done."""

    def having(self, status: Status) -> list[DocResult]:
        return [r for r in self.results if r.status == status]

    @property
    def built(self) -> list[DocResult]:
        return self.having("built")

    @property
    def refreshed(self) -> list[DocResult]:
        return self.having("refreshed")

    @property
    def skipped(self) -> list[DocResult]:
        return self.having("skipped")

    @property
    def failed(self) -> list[DocResult]:
        return self.having("failed")

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def docx_changed(self) -> list[DocResult]:
        """The documents built again because their DOCX was changed since it was built."""
        return [r for r in self.built if r.docx_changed]

    @property
    def kept(self) -> list[Path]:
        """The DOCX changed since they were built, moved aside before they were written over."""
        return [r.kept for r in self.built if r.kept is not None]

    @property
    def as_built(self) -> list[Path]:
        """The DOCX of answered documents as they were built, kept before a rebuild replaced
        them with other bytes."""
        return [r.as_built for r in self.built if r.as_built is not None]

    @property
    def removed(self) -> list[Path]:
        """The PDFs and redlines removed because their DOCX was rebuilt (out of date)."""
        return [p for r in self.results for p in r.removed]

    @property
    def summary(self) -> str:
        """One line, the same in text and JSON: "27 documents: 5 built, 0 refreshed, 22 skipped
        (up to date), 0 failed; elapsed 0:03"; a DOCX changed since it was built is said, with
        where the changed copy was kept: "5 built (1 rebuilt: its DOCX was changed since it was
        built; the changed copy kept as build/X.changed-after-build.docx)"."""
        parts = []
        for status, word in STATUS_WORDS.items():
            count = len(self.having(status))  # type: ignore[arg-type]
            hint = f" ({STATUS_HINTS[status]})" if count and status in STATUS_HINTS else ""
            if status == "built":
                hints = []
                if self.docx_changed:
                    hints.append(_changed_words(len(self.docx_changed), self.kept))
                if self.as_built:
                    hints.append(_answered_words(self.as_built))
                hint = f" ({'; '.join(hints)})" if hints else ""
            parts.append(f"{count} {word}{hint}")
        n = len(self.results)
        extra = ""
        if self.pdfs:
            extra += f"; {len(self.pdfs)} PDF{'s' if len(self.pdfs) != 1 else ''} made"
        if self.removed:
            one = len(self.removed) == 1
            extra += (
                f"; {len(self.removed)} out-of-date PDF or redline file{'' if one else 's'} "
                f"removed ({'its' if one else 'their'} DOCX {'was' if one else 'were'} rebuilt)"
            )
        head = f"{n} document{'s' if n != 1 else ''}"
        if self.interrupted:
            of = f" of {self.total}" if self.total is not None else ""
            head = f"stopped after {n}{of} document{'s' if (self.total or n) != 1 else ''}"
        return f"{head}: {', '.join(parts)}{extra}; elapsed {elapsed_words(self.seconds)}"

    def to_json(self) -> dict[str, Any]:
        def doc(r: DocResult) -> dict[str, Any]:
            out: dict[str, Any] = {"source": str(r.source)}
            if r.docx:
                out["output"] = str(r.docx)
            if r.redline:
                out["redline"] = str(r.redline)
            if r.pages is not None:
                out["pages"] = r.pages
            if r.warnings:
                out["warnings"] = list(r.warnings)
            if r.docx_changed:
                out["docx_changed"] = True
            if r.kept:
                out["kept"] = str(r.kept)
            if r.answered:
                out["answered"] = True
            if r.as_built:
                out["as_built"] = str(r.as_built)
            if r.removed:
                out["removed"] = [str(p) for p in r.removed]
            return out

        return {
            "ok": self.ok and not self.interrupted,
            "interrupted": self.interrupted,
            "built": [doc(r) for r in self.built],
            "refreshed": [doc(r) for r in self.refreshed],
            "skipped": [doc(r) for r in self.skipped],
            "failed": [
                {
                    "source": str(r.source),
                    "problems": [p.to_dict() for p in r.problems],
                }
                for r in self.failed
            ],
            "pdf": [str(p) for p in self.pdfs],
            "counts": {
                "documents": len(self.results),
                "built": len(self.built),
                "refreshed": len(self.refreshed),
                "skipped": len(self.skipped),
                "failed": len(self.failed),
            },
            "elapsed_seconds": round(self.seconds, 3),
            "summary": self.summary,
        }


def _changed_words(count: int, kept: list[Path]) -> str:
    if count == 1:
        words = "1 rebuilt: its DOCX was changed since it was built"
    else:
        words = f"{count} rebuilt: their DOCX were changed since they were built"
    if len(kept) == 1:
        words += f"; the changed copy kept as {kept[0]}"
    elif kept:
        words += (
            f"; the {len(kept)} changed copies kept beside them, named "
            "<document>.changed-after-build.docx"
        )
    return words


def _answered_words(kept: list[Path]) -> str:
    if len(kept) == 1:
        return (
            "1 already answered: a later document of its case follows it; the file it replaced "
            f"kept as {kept[0]}"
        )
    return (
        f"{len(kept)} already answered: a later document of their case follows them; the "
        f"{len(kept)} files they replaced kept beside them, named <document>{AS_BUILT}<date>.docx"
    )


def elapsed_words(seconds: float) -> str:
    """A time as the batch shows it: "0.4 s" under ten seconds, else minutes and seconds,
    "1:05" (hours too past an hour: "1:02:05")."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60}:{rest % 60:02d}"


class BatchEvents:
    """Hooks the CLI uses to show progress. The library itself never prints."""

    def loading(self) -> None:
        """The batch is finding the documents and reading their manifests."""

    def planned(self, total: int, to_do: int) -> None:
        """Every document is found and compared with its manifest; `to_do` will be processed
        once the note library and templates are loaded."""

    def started(self) -> None:
        """The note library is loaded (and the worker processes started): the documents to do
        are being processed from now on."""

    def finished(self, result: DocResult) -> None:
        """One document is done (built, refreshed, skipped or failed)."""


# -- what a document depends on -----------------------------------------------------------------


class Dependencies:
    """The current state of what every document depends on, computed once per batch:
    the template files' hashes, the note library and reference digests, loagen's version."""

    def __init__(self, project: Project, *, library_digest: str | None = None) -> None:
        self.project = project
        self.loagen_version = __version__
        self.reference_digest = load_reference().digest
        self._library_digest = library_digest
        self._templates: dict[str, str | None] = {}

    @property
    def library_digest(self) -> str:
        if self._library_digest is None:
            self._library_digest = library_digest(self.project.note_library)
        return self._library_digest

    def template_sha256(self, recorded: str) -> str | None:
        """The digest the renderer records for the template a manifest names (None if
        unreadable)."""
        if recorded not in self._templates:
            self._templates[recorded] = template_file_digest(self.project.absolute(recorded))
        return self._templates[recorded]


Freshness = Literal["fresh", "library", "stale", "docx_changed"]


def freshness(
    manifest: Manifest | None, inputs: Sequence[str] | None, deps: Dependencies, docx: Path
) -> Freshness:
    """Compare a manifest's recorded dependencies with the current ones: "fresh" (skip),
    "library" (only the note library changed: decide the notes again), "stale" (rebuild) or
    "docx_changed" (rebuild: the DOCX is not the one built, see `same_docx`)."""
    if manifest is None or inputs is None or manifest.draft:
        return "stale"
    recorded = manifest.dependencies
    if recorded.loagen_version != deps.loagen_version:
        return "stale"
    if recorded.reference_digest != deps.reference_digest:
        return "stale"
    if [i.sha256 for i in recorded.inputs] != list(inputs):
        return "stale"
    if deps.template_sha256(recorded.template) != recorded.template_sha256:
        return "stale"
    if not docx.is_file():
        return "stale"
    if not same_docx(docx, manifest.docx_sha256):
        return "docx_changed"
    if recorded.library_digest != deps.library_digest:
        return "library"
    return "fresh"


def same_docx(docx: Path, sha256: str) -> bool:
    """The DOCX at `docx` is the one a manifest recorded (its bytes hash to `sha256`): not
    edited in Word, nor replaced by another file, since it was built. (Hashing is the check:
    a DOCX is some 20 KB, a thousand of them are hashed in about 30 ms.)"""
    try:
        with open(docx, "rb") as fh:
            data = fh.read()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == sha256


@dataclass(frozen=True)
class Task:
    source: Path
    mode: Mode
    docx_changed: bool = False
    """Its DOCX was changed since it was built (said in its result)."""
    answered: bool = False
    """A later document of its case follows it, and its DOCX is there: a rebuild keeps a copy
    of the DOCX as built first (`_build`)."""


def same_outputs(files: Sequence[Path], sources: CaseSources | None = None) -> dict[Path, Problem]:
    """The files of `files` that would write the same output as an earlier one (which keeps
    it), each with the problem to say: a document built from each would overwrite the other's.
    A file whose output cannot be told (it does not parse) is not named here: its build says
    what is wrong; nor is the same file named twice."""
    sources = sources or CaseSources()
    owners: dict[str, Path] = {}
    clashes: dict[Path, Problem] = {}
    for path in files:
        stem = sources.info(path).stem
        if stem is None:
            continue
        if stem in owners and path_key(owners[stem]) != path_key(path):
            clashes[path] = Problem(
                path,
                "document",
                f"writes the same output ({stem}.docx) as {owners[stem]}; each document "
                "version needs its own case_id, kind and number (a copy of a case folder kept "
                "as a backup belongs outside the folders you build)",
            )
        else:
            owners.setdefault(stem, path)
    return clashes


def plan(
    files: Sequence[Path],
    output_dir: Path,
    deps: Dependencies,
    *,
    force: bool = False,
    sources: CaseSources | None = None,
) -> tuple[list[Task], list[DocResult]]:
    """Sort documents into work to do and results already known (skipped, or failed because two
    files would write the same output: `same_outputs`)."""
    sources = sources or CaseSources()
    tasks: list[Task] = []
    known: list[DocResult] = []
    clashes = same_outputs(files, sources)
    seen: set[str] = set()
    for path in files:
        if path_key(path) in seen:
            continue  # named twice: done once
        seen.add(path_key(path))
        stem = sources.info(path).stem
        if stem is None:
            tasks.append(Task(path, "build"))  # the build says what is wrong
            continue
        if path in clashes:
            known.append(DocResult(path, "failed", problems=(clashes[path],)))
            continue
        docx = output_dir / f"{stem}.docx"
        if force:
            tasks.append(Task(path, "build"))
            continue
        manifest = read_manifest(manifest_path(docx))
        state = freshness(manifest, sources.chain_hashes(path), deps, docx)
        if state == "fresh":
            known.append(DocResult(path, "skipped", docx=docx))
        else:
            mode: Mode = "reselect" if state == "library" else "build"
            tasks.append(Task(path, mode, docx_changed=state == "docx_changed"))
    return _mark_answered(tasks, output_dir, sources), known


def _mark_answered(tasks: list[Task], output_dir: Path, sources: CaseSources) -> list[Task]:
    """`tasks`, those of a document already answered marked so (`Task.answered`): a later
    document of its case follows it (`case.loading.follows`, as `loagen impact` tells), and
    its DOCX is there to be written over (only their folders are read)."""
    built = []
    for task in tasks:
        stem = sources.info(task.source).stem
        if stem is not None and (output_dir / f"{stem}.docx").is_file():
            built.append(task.source)
    found = answered(built)
    return [dataclasses.replace(t, answered=True) if t.source in found else t for t in tasks]


# -- doing the work (in a worker process, or in this one) ---------------------------------------


def run_task(
    pipeline: Pipeline,
    task: Task,
    output_dir: Path,
    redline: bool,
    *,
    redline_later: bool = False,
) -> DocResult:
    """Do one task; its problems come back in the result, never as an exception. With
    `redline_later` the DOCX a build replaces comes back in the result (`previous`) instead of
    being compared now (the batch compares it after the layout)."""
    try:
        if task.mode == "reselect":
            refreshed = _refresh_manifest(pipeline, task.source, output_dir)
            if refreshed is not None:
                return refreshed
        result = _build(pipeline, task, output_dir, redline, redline_later)
        if task.docx_changed:
            result = dataclasses.replace(result, docx_changed=True)
        return result
    except LoagenError as exc:
        return DocResult(task.source, "failed", problems=exc.problems)
    except Exception as exc:  # a bug must not stop the other documents
        return DocResult(
            task.source,
            "failed",
            problems=(Problem(task.source, "", f"internal error: {type(exc).__name__}: {exc}"),),
        )


def _build(
    pipeline: Pipeline, task: Task, output_dir: Path, redline: bool, later: bool = False
) -> DocResult:
    """Build the document of `task` into `output_dir`, and look after what sits beside its
    DOCX: a document already answered keeps a copy of its DOCX as built when the rebuild
    changes it (`output.files.keep_copy`); its PDF and redline, no longer those of the DOCX
    once it changed, are removed (a batch with --pdf makes the PDF again after the layout);
    with `redline` (or a redline owed by a batch stopped before it made it, `REDLINES_OWED`)
    its redline against the DOCX it replaced is made, now or, with `later`, after the
    layout."""
    source = task.source
    stem = CaseSources().info(source).stem
    if stem is None:  # the case file does not read: the build says what is wrong
        return DocResult(source, "built", docx=pipeline.build(source, output_dir).docx_path)
    docx = output_dir / f"{stem}.docx"
    pdf, redline_file, owed = docx.with_suffix(".pdf"), _redline_path(docx), _owed(docx)
    owed_before = _read(owed) if owed.is_file() else None
    wants_redline = redline or owed_before is not None
    previous: bytes | None = None
    pdf_current = False
    if wants_redline or task.answered or pdf.is_file() or redline_file.is_file():
        previous = _read(docx)
        pdf_current = previous is not None and pdf_up_to_date(docx)
    before = owed_before if owed_before is not None else previous
    if redline and owed_before is None and previous is not None:
        atomic_write(owed, previous)  # owed until the redline is made (see REDLINES_OWED)
    # a DOCX changed since it was built is kept aside by the build (whatever else changed too);
    # that of a document already answered is kept as built when it changes (`Pipeline.build`)
    result = pipeline.build(source, output_dir)
    as_built = result.as_built
    built = DocResult(
        source, "built", docx=result.docx_path, docx_changed=result.kept is not None,
        kept=result.kept, answered=task.answered or as_built is not None,
    )  # fmt: skip
    if previous is not None and _read(result.docx_path) == previous:
        if pdf_current:
            with contextlib.suppress(LoagenError):
                keep_current(pdf)  # the same DOCX: its PDF is still its layout
    elif previous is not None:
        # no longer the DOCX's layout, nor its changes; a redline asked for is made again
        removed = _remove_out_of_date((pdf, redline_file))
        if wants_redline:
            removed = tuple(p for p in removed if p != redline_file)
        built = dataclasses.replace(built, as_built=as_built, removed=removed)
    if not wants_redline:
        return built
    if later:
        return dataclasses.replace(built, previous=before)
    return _settle_redline(built, before)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _redline_path(docx: Path) -> Path:
    return docx.with_name(docx.name[: -len(".docx")] + REDLINE_SUFFIX)


def _owed(docx: Path) -> Path:
    """Where the "before" of a redline owed for `docx` is kept (`REDLINES_OWED`)."""
    return docx.parent / INDEX_FOLDER / REDLINES_OWED / docx.name


def _remove_out_of_date(files: Iterable[Path]) -> tuple[Path, ...]:
    """Remove the files of `files` that are there (a PDF, a redline of a DOCX just rebuilt with
    other bytes: no longer its layout, nor its changes); the paths removed."""
    removed = []
    for path in files:
        try:
            os.unlink(path)
        except OSError:
            continue
        removed.append(path)
    return tuple(removed)


def _settle_redline(result: DocResult, before: bytes | None) -> DocResult:
    """Make the redline of `result` against `before` (`_with_redline`) and clear the redline
    owed for it."""
    result = _with_redline(result, before)
    if result.docx is not None:
        with contextlib.suppress(OSError):
            os.unlink(_owed(result.docx))
    return result


def _with_redline(result: DocResult, previous: bytes | None) -> DocResult:
    """`result` with a redline of its DOCX against `previous` written beside it, when they
    differ."""
    docx = result.docx
    if previous is None or docx is None:
        return result
    try:
        current = docx.read_bytes()
    except OSError as exc:
        return dataclasses.replace(result, warnings=(*result.warnings, f"no redline: {exc}"))
    if current == previous:
        return result
    target = _redline_path(docx)
    try:
        atomic_write(target, redline_docx(previous, current))
    except (LoagenError, OSError) as exc:
        return dataclasses.replace(
            result, warnings=(*result.warnings, f"no redline written: {exc}")
        )
    return dataclasses.replace(result, redline=target)


def prints_the_same(
    pipeline: Pipeline, document: Any, old: Manifest, output_dir: Path, docx_path: Path
) -> tuple[bool | None, tuple[Any, ...]]:
    """Whether a document built before a change to the note library only would be built the
    same now: (True, the printed notes its manifest records then), (False, ()) when the notes
    it prints change, (None, ()) when it cannot be told without a build (a draft, findings with
    errors, a DOCX changed or not read). The notes whose files changed (the note index of the
    library the last build saw, `manifest.NoteIndex`, holds the hash of each of its notes;
    without it every note counts as changed), and the notes that read one of them through
    `in_force` (`policy.notes.readers_of`), are decided again: when none of them was printed
    and none is printed now, the DOCX would be the same. Otherwise every note is selected again
    and what is printed compared. `loagen batch` refreshes the manifest of such a document; the
    studio keeps it "up to date". Nothing is written."""
    if old.draft or any(f.severity == "error" for f in old.findings):
        return None, ()
    library = pipeline.library
    index = read_note_index(output_dir, old.dependencies.library_digest)
    current = {n.id: n.sha256[:NOTE_HASH_LENGTH] for n in library}
    if index is None:
        changed = set(current) | old.printed_ids
    else:
        seen = index.hashes
        changed = {i for i, sha in current.items() if seen.get(i) != sha} | (
            seen.keys() - current.keys()
        )
    # a note whose file is the same decides again when it reads a changed one (`in_force`)
    changed = readers_of(changed, library)
    if changed & old.printed_ids:
        selection = pipeline.select(document)
        if selection_digest(selection) != old.selection_digest:
            return False, ()
        notes = printed_notes(selection)
    else:
        decided = pipeline.decide(document, [n for n in library if n.id in changed])
        if any(d.included for d in decided):
            return False, ()
        notes = old.notes
    try:
        docx = docx_path.read_bytes()
    except OSError:
        return None, ()
    if hashlib.sha256(docx).hexdigest() != old.docx_sha256:
        return None, ()
    return True, notes


def _refresh_manifest(pipeline: Pipeline, source: Path, output_dir: Path) -> DocResult | None:
    """Only the note library changed since the last build: when the document would be built
    the same (`prints_the_same`), only its manifest is rewritten. None means the document must
    be rebuilt.

    The checks are not run again: they read the document and the notes printed, both unchanged,
    so their findings are the ones the manifest recorded (tests/test_batch.py checks that the
    rewritten manifest is byte-identical to a fresh build's)."""
    document = pipeline.document(source)
    docx_path, manifest_file = pipeline.output_paths(document, output_dir)
    old = read_manifest(manifest_file)
    if old is None:
        return None
    same, notes = prints_the_same(pipeline, document, old, output_dir, docx_path)
    if not same:
        return None
    refreshed = dataclasses.replace(
        old,
        notes=notes,
        dependencies=dataclasses.replace(old.dependencies, library_digest=pipeline.library.digest),
    )
    pipeline.index_notes(output_dir)  # first: a failure to write it leaves the manifest as it was
    atomic_write(manifest_file, refreshed.to_json())
    return DocResult(source, "refreshed", docx=docx_path)


# -- the batch ----------------------------------------------------------------------------------


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _chunks(tasks: Sequence[Task], jobs: int) -> list[list[Task]]:
    """Chunks small enough to keep every worker busy and the progress bar moving, large enough
    that sending them costs nothing next to rendering (a document takes milliseconds). A case's
    documents stay together, so each worker validates a Basic once for its Amendments."""
    size = max(1, min(16, math.ceil(len(tasks) / (jobs * 6))))
    return [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]


def run_batch(
    paths: Iterable[Path],
    *,
    project: Project | None = None,
    output_dir: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    redline: bool = False,
    pdf: bool = False,
    events: BatchEvents | None = None,
    fork_workers: bool = True,
) -> BatchReport:
    """Build every case document under `paths` that is out of date into `output_dir`.

    `fork_workers=False` starts each worker afresh (spawn) instead of forking it: what a caller
    running other threads (the studio's server) needs, since a process forked while another
    thread holds a lock (an output stream's, a library's) can wait for it forever.

    One batch at a time writes to an output folder (`output.files.batch_lock`).

    Raises LoagenError only for what stops every document (no project, a broken note library,
    --pdf without LibreOffice, another batch writing to the folder); each document's own
    problems are in the report. Stopped (Ctrl-C, SIGTERM), it raises `BatchInterrupted` with
    the report of what was done.
    """
    started = time.perf_counter()
    events = events or BatchEvents()
    project = project or Project.discover()
    output_dir = Path(output_dir) if output_dir else project.build_dir
    jobs = max(1, jobs or default_jobs())
    if pdf:
        find_soffice()  # fail before building, not after
    report = BatchReport()
    files: list[Path] = []
    with batch_lock(output_dir):
        try:
            events.loading()
            Pipeline.tidy(output_dir)
            remove_stale_temporaries(output_dir / INDEX_FOLDER / REDLINES_OWED)
            # forked now, while this process holds nothing of the batch (see `_Pool`)
            zygote = Zygote.for_batch(jobs) if fork_workers else None
            try:
                files, pipeline = _plan_and_build(
                    report, paths, project, output_dir, jobs, force, redline, pdf, events,
                    zygote, fork_workers,
                )  # fmt: skip
            finally:
                if zygote is not None:
                    zygote.close()
            if pdf:
                _lay_out(report, pipeline or Pipeline(project))
            _settle_owed(report, output_dir)
        except KeyboardInterrupt:
            report.interrupted = True
            _in_order(report, files, started)
            raise BatchInterrupted(report) from None
    _in_order(report, files, started)
    return report


class BatchInterrupted(KeyboardInterrupt):
    """A batch stopped (Ctrl-C, SIGTERM) before its end, with the report of what it did
    (`report.interrupted`): every document it wrote is in it, so the command can say them."""

    def __init__(self, report: BatchReport) -> None:
        super().__init__()
        self.report = report


def _in_order(report: BatchReport, files: list[Path], started: float) -> None:
    """Put the results in the order of the case files found, and the time taken."""
    order = {p: i for i, p in enumerate(files)}
    report.results.sort(key=lambda r: order.get(r.source, len(order)))
    report.seconds = time.perf_counter() - started


def _plan_and_build(
    report: BatchReport,
    paths: Iterable[Path],
    project: Project,
    output_dir: Path,
    jobs: int,
    force: bool,
    redline: bool,
    pdf: bool,
    events: BatchEvents,
    zygote: Zygote | None,
    fork_workers: bool = True,
) -> tuple[list[Path], Pipeline | None]:
    """Plan the work and do it, into `report`: the case files found and the pipeline that
    built (None when there was nothing to build)."""
    sources = CaseSources()
    files = find_case_files(paths, sources)
    deps = Dependencies(project)
    tasks, known = plan(files, output_dir, deps, force=force, sources=sources)
    del sources  # the parsed case files: not to be copied into every forked worker
    report.total = len(files)
    events.planned(len(files), len(tasks))
    for result in known:
        report.results.append(result)
        events.finished(result)
    workers = min(jobs, len(tasks))
    renewed = jobs > 1 and len(tasks) > workers * WORKER_DOCUMENTS
    if zygote is not None and not renewed:
        zygote.close()  # a short batch forks its workers itself
        zygote = None
    if not tasks:
        return files, None

    pipeline = Pipeline(project)
    pipeline.library  # noqa: B018 (load once here: a broken library stops the batch now)
    frozen = len(tasks) >= WARM_FROM
    if frozen:
        # compile every template once (a broken one stops the batch now; the workers forked
        # by the batch inherit them)
        pipeline.renderer.all_templates()
    with _building() if frozen else contextlib.nullcontext():
        if jobs == 1 or len(tasks) < 4:
            events.started()
            for task in tasks:
                # a stop waits until the document is written and its result recorded
                with _stops_held():
                    result = run_task(
                        pipeline, task, output_dir, redline, redline_later=redline and pdf
                    )
                    report.results.append(result)
                    events.finished(result)
        else:
            pool = _Pool(
                pipeline, output_dir, redline, workers, later=redline and pdf, zygote=zygote,
                fork=fork_workers,
            )  # fmt: skip
            try:
                pool.run(tasks, report, events)
            finally:
                report.worker_peak_rss, report.worker_cpu = pool.peak_rss, pool.cpu
    return files, pipeline


@contextlib.contextmanager
def _stops_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM (`stops.STOP_SIGNALS`) for one document (milliseconds): a stop
    takes effect once it is written and its result recorded, never between the two, so that
    what a stopped batch reports is everything it wrote."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _lay_out(report: BatchReport, pipeline: Pipeline) -> None:
    """Make the PDFs of the batch and store their page counts (`Pipeline.lay_out`), then the
    redlines kept for after the layout. A document whose DOCX this batch did not write (skipped,
    or refreshed: its manifest only) is converted only when its PDF is out of date; with an up
    to date PDF its page count is read from it when its manifest does not say it was laid out
    already, and it is left alone when it does."""
    convert: list[tuple[Path, Path]] = []
    read: list[tuple[Path, Path]] = []
    for r in report.results:
        if r.docx is None or r.status == "failed":
            continue
        if r.status == "built" or not pdf_up_to_date(r.docx):
            convert.append((r.source, r.docx))
        elif not _laid_out(r.docx):
            read.append((r.source, r.docx))
    laid = {item.docx_path: item for item in pipeline.lay_out(convert, converted=read)}
    report.pdfs = [item.pdf_path for item in laid.values() if item.converted and not item.problem]
    for index, r in enumerate(report.results):
        item = laid.get(r.docx) if r.docx is not None else None
        if item is not None:
            warnings = r.warnings
            if item.problem is not None:
                warnings = (*warnings, f"page count not laid out: {item.problem}")
            r = dataclasses.replace(r, pages=item.pages, warnings=warnings)
        if r.previous is not None:
            r = dataclasses.replace(_settle_redline(r, r.previous), previous=None)
        if r.removed and item is not None and item.converted and not item.problem:
            r = dataclasses.replace(r, removed=tuple(p for p in r.removed if p != item.pdf_path))
        report.results[index] = r


def _settle_owed(report: BatchReport, output_dir: Path) -> None:
    """Make the redlines a batch stopped before their time left owed (`REDLINES_OWED`) for the
    documents of this batch that were not built again (up to date, or refreshed): against the
    DOCX as it is now. (A document built again made its own, from the same "before".)"""
    folder = Path(output_dir) / INDEX_FOLDER / REDLINES_OWED
    try:
        owed = set(os.listdir(folder))
    except OSError:
        return
    for index, r in enumerate(report.results):
        if r.status not in ("skipped", "refreshed") or r.docx is None or r.docx.name not in owed:
            continue
        before = _read(_owed(r.docx))
        if before is not None:
            report.results[index] = _settle_redline(r, before)


def _laid_out(docx: Path) -> bool:
    """The manifest of `docx` says its page count is the one of LibreOffice's layout."""
    manifest = read_manifest(manifest_path(docx))
    return manifest is not None and manifest.pages_from == "layout"


# -- the worker processes ---------------------------------------------------------------------------

WORKER_DOCUMENTS = 500
"""Documents a worker builds before a fresh one takes its place: a long batch then runs in the
memory of a short one (what the caches and Python's allocator keep grows slowly with the
documents a process has built), for the cost of a fork."""
WARM_FROM = 20
"""From this many documents to build, a batch compiles every template before it starts."""
BUILDING_GC_THRESHOLD = (20_000, 10, 10)
"""Python's garbage collector thresholds while a batch builds (see `gc.set_threshold`): the
youngest generation is collected after 20,000 more objects were made than freed, not 700.
Almost everything a build makes is freed as soon as it is done with (by reference counting),
so the collector finds next to no garbage; collecting that often cost about 0.6 ms a document,
a twentieth of a build (and, every few hundred documents, a walk of everything the process
holds). What waits for a collection instead, objects in reference cycles, stays bounded by the
threshold: a few megabytes at most (`bench/`, peak memory a worker)."""


@contextlib.contextmanager
def _building() -> Iterator[None]:
    """What a process that goes on to build many documents sets up first: what it holds now
    (the library, the templates, the modules) lives as long as the batch, so it is set aside
    from the garbage collector's walks (`gc.freeze`: a forked worker's pages then also stay
    shared with the parent's), and the collector runs less often (`BUILDING_GC_THRESHOLD`).
    Both are undone when the block ends."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*BUILDING_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@dataclass(frozen=True)
class _Fresh:
    """How a worker started afresh, not forked from the batch, makes the batch's pipeline: the
    same project and folders, and the very note library the batch loaded (as the compile cache
    stores it), so that one library decides every document of a batch."""

    project: Project
    note_library: Path
    templates: Path
    library: bytes

    @classmethod
    def of(cls, pipeline: Pipeline) -> _Fresh | None:
        """None when the library cannot be handed over (the batch then forks its workers)."""
        data = library_to_bytes(pipeline.library)
        if data is None:
            return None
        return cls(pipeline.project, pipeline.note_library_folder, pipeline.templates_folder, data)

    def pipeline(self) -> Pipeline:
        """The pipeline; its templates are compiled as the first documents need them (a
        template that does not compile fails those documents, as in any build)."""
        return Pipeline(
            self.project,
            note_library=self.note_library,
            templates=self.templates,
            # the library read back, or (never seen: it was written by this code a moment ago)
            # loaded from its files, whose digest each manifest then records as always
            library=library_from_bytes(self.library),
        )


def _worker_main(
    conn: Connection,
    pipeline: Pipeline | _Fresh,
    output_dir: Path,
    redline: bool,
    later: bool,
) -> None:
    """A worker: builds the chunks it is sent until told to stop, then answers with its peak
    memory and its CPU time. Ctrl-C is the parent's to handle; SIGTERM ends the worker (a file
    being written is removed, see `output.files`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)
    sys.unraisablehook = _term_again
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    try:
        if isinstance(pipeline, _Fresh):
            pipeline = pipeline.pipeline()
        # What the worker starts with (the library, the templates, the modules) lives as long
        # as it does: the garbage collector need not walk it at each collection, and a forked
        # worker's pages then stay shared with the parent's; the collector runs as in a batch
        # (`BUILDING_GC_THRESHOLD`)
        gc.freeze()
        gc.set_threshold(*BUILDING_GC_THRESHOLD)
        gc.enable()
        while True:
            try:
                chunk = conn.recv()
            except (EOFError, OSError):
                return
            if chunk is None:
                conn.send((_peak_rss(), time.process_time()))
                return
            for task in chunk:
                # each result is sent as soon as its document is written, with SIGTERM held
                # in between: a document written is always reported, even when the batch is
                # stopped (see `_Pool._end`)
                with _stops_held():
                    conn.send(run_task(pipeline, task, output_dir, redline, redline_later=later))
    except (BrokenPipeError, KeyboardInterrupt):
        return


def _peak_rss() -> int | None:
    """The largest resident memory this process has had (bytes), where the system says."""
    try:
        import resource  # Unix only; a worker stops once: not worth importing for every command
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux counts kilobytes


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _term_again(unraisable: Any) -> None:
    """SIGTERM arrived where its SystemExit cannot stop the worker (inside a callback from C
    code, which Python reports as "Exception ignored"): the worker ends here, with the status
    `_exit_on_term` gives. Nothing is left half written: files are written with the stop signals
    held (`output.files`), so the signal cannot have come in the middle of one. (Sending the
    signal again would run its handler inside this hook, where its SystemExit is ignored once
    more, with a traceback.)"""
    if isinstance(unraisable.exc_value, SystemExit):
        code = unraisable.exc_value.code
        os._exit(code if isinstance(code, int) else 128 + signal.SIGTERM)
    sys.__unraisablehook__(unraisable)


class _Worker:
    """A worker process and the parent's end of its pipe."""

    def __init__(self, process: Any, conn: Connection) -> None:
        self.process = process
        """Its `multiprocessing.Process`, or `_Remote` when the zygote forked it."""
        self.conn = conn
        self.chunk: list[Task] | None = None
        self.received = 0
        """Results received of its chunk (it sends one per document, as each is done)."""
        self.built = 0
        """Documents it was sent."""

    def send(self, chunk: list[Task]) -> None:
        self.chunk = chunk
        self.received = 0
        self.built += len(chunk)
        self.conn.send(chunk)


class _Remote:
    """A worker the zygote forked: not this process's child, so it is known by its process id
    (the zygote reaps it when it ends)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def is_alive(self) -> bool:
        try:
            # ended but not reaped (its zygote killed before it, nobody waits for it): gone
            with open(f"/proc/{self.pid}/stat", "rb") as fh:
                return fh.read().rpartition(b")")[2].split()[:1] not in ([b"Z"], [b"X"])
        except FileNotFoundError:
            return False
        except OSError:  # no /proc: ask the system
            pass
        try:
            os.kill(self.pid, 0)
        except (ProcessLookupError, PermissionError):  # (another user's process now)
            return False
        return True

    def terminate(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)


class Zygote:
    """A small process forked when a batch starts, before it gathers its work, that forks the
    workers of a long batch (see `_Pool`). It holds loagen's modules and nothing of the batch;
    it ends when the batch closes its pipe, or with the batch. Forked with `os.fork`, not as a
    `multiprocessing.Process`, whose bookkeeping pipes its workers would inherit and keep open."""

    def __init__(self) -> None:
        self.conn, child = multiprocessing.Pipe(duplex=True)
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            self.pid = os.fork()
            if self.pid == 0:  # the zygote
                try:
                    self.conn.close()
                    _zygote_main(child)
                finally:
                    os._exit(0)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        child.close()
        self.ended = False

    @classmethod
    def for_batch(cls, jobs: int) -> Zygote | None:
        """A zygote for a batch of `jobs` workers; None with one worker, on a system that does
        not fork, or when the system cannot start a process now (the workers are then forked
        by the batch itself, if it can)."""
        if jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return None
        try:
            return cls()
        except OSError:
            return None

    def start(self, fresh: _Fresh, output_dir: Path, redline: bool, later: bool) -> _Worker:
        """A worker forked by the zygote (raises OSError or EOFError when the zygote is gone)."""
        import multiprocessing.reduction as reduction  # (only for a long batch)

        mine, theirs = multiprocessing.Pipe(duplex=True)
        try:
            self.conn.send((fresh, output_dir, redline, later))
            reduction.send_handle(self.conn, theirs.fileno(), self.pid)
        finally:
            theirs.close()
        pid = self.conn.recv()
        return _Worker(_Remote(pid), mine)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def close(self) -> None:
        """Close its pipe, which ends it, and wait for it (5 s, then kill it)."""
        if self.ended:
            return
        self.conn.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self._reaped():
                return
            time.sleep(0.005)
        self.kill()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.ended = True

    def _reaped(self) -> bool:
        try:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # reaped already
            done = self.pid
        self.ended = done == self.pid
        return self.ended


def _zygote_main(conn: Connection) -> None:
    """The zygote: for each request, receive the worker's end of its pipe and fork the worker,
    until the batch closes its end of their pipe."""
    import multiprocessing.reduction as reduction

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # its workers are reaped as they end
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    gc.freeze()
    while True:
        try:
            fresh, output_dir, redline, later = conn.recv()
            fd = reduction.recv_handle(conn)
        except (EOFError, OSError):
            return
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # the worker unblocks them
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                conn.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _worker_main(Connection(fd), fresh, output_dir, redline, later)
            except SystemExit as exc:  # SIGTERM (see `_exit_on_term`)
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # a bug: said as a multiprocessing worker would say it
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        os.close(fd)
        try:
            conn.send(pid)
        except OSError:
            return


class _Pool:
    """Worker processes, one pipe each.

    A short batch forks its workers from itself, where the system can: they inherit the loaded
    note library and compiled templates and start in milliseconds. A batch long enough that its
    workers are renewed (see `WORKER_DOCUMENTS`) has them forked by its `Zygote` instead, each
    making the pipeline again from the batch's library: a fork of the batch itself would carry
    what the batch has gathered (every file found, every result), so a worker's memory would
    grow with the length of the batch. Without fork (or when the caller runs other threads, see
    `run_batch`), workers are started afresh (`spawn`)."""

    def __init__(
        self,
        pipeline: Pipeline,
        output_dir: Path,
        redline: bool,
        jobs: int,
        *,
        later: bool,
        zygote: Zygote | None = None,
        fork: bool = True,
    ) -> None:
        fork = fork and "fork" in multiprocessing.get_all_start_methods()
        self.fresh = _Fresh.of(pipeline) if zygote is not None or not fork else None
        self.zygote = zygote if self.fresh is not None else None
        self.context = multiprocessing.get_context("fork" if fork else "spawn")
        self.pipeline = pipeline
        self.output_dir = output_dir
        self.redline = redline
        self.later = later
        self.jobs = jobs
        self.workers: list[_Worker] = []
        self.peak_rss: int | None = None
        """The largest peak memory a worker reported as it stopped (bytes)."""
        self.cpu: float | None = None
        """The CPU time the workers reported as they stopped (seconds)."""

    def run(self, tasks: Sequence[Task], report: BatchReport, events: BatchEvents) -> None:
        chunks = _chunks(tasks, self.jobs)
        chunks.reverse()
        try:
            if self.fresh is None:
                self.pipeline.renderer  # noqa: B018 (compiled once here, inherited)
            for _ in range(min(self.jobs, len(chunks))):
                self._start()
            events.started()
            for worker in self.workers:
                if chunks:
                    worker.send(chunks.pop())
            while any(w.chunk is not None for w in self.workers):
                busy = {w.conn: w for w in self.workers if w.chunk is not None}
                for conn in wait(list(busy)):
                    worker = busy[conn]  # type: ignore[index]
                    chunk = worker.chunk or []
                    # a stop waits until a result received is recorded
                    with _stops_held():
                        try:
                            results = [worker.conn.recv()]
                        except (EOFError, OSError):
                            results = [_worker_died(t) for t in chunk[worker.received :]]
                            worker.chunk = None
                            self._replace(worker, chunks)
                        else:
                            worker.received += 1
                            if worker.received >= len(chunk):
                                worker.chunk = None
                                if chunks and worker.built >= WORKER_DOCUMENTS:
                                    self._renew(worker, chunks)
                                elif chunks:
                                    worker.send(chunks.pop())
                        for result in results:
                            report.results.append(result)
                            events.finished(result)
        except BaseException:
            self._stop(report, events)
            raise
        self._stop()

    def _start(self) -> _Worker:
        """Start a worker. Stop signals wait until it is started and in `workers` (it ignores
        Ctrl-C itself): a worker started but not recorded would never be told to stop, and one
        forked holds its own pipe's other end, so it would wait for work forever, keeping the
        command's output open."""
        with _stops_held():
            worker = None
            if self.zygote is not None and self.fresh is not None:
                try:
                    worker = self.zygote.start(
                        self.fresh, self.output_dir, self.redline, self.later
                    )
                except (OSError, EOFError):  # the zygote is gone (killed): fork from here
                    self.zygote = None
            if worker is None:
                conn, child = self.context.Pipe(duplex=True)
                process = self.context.Process(
                    target=_worker_main,
                    args=(child, self.fresh or self.pipeline, self.output_dir, self.redline,
                          self.later),
                    daemon=True,
                )  # fmt: skip
                process.start()
                child.close()
                worker = _Worker(process, conn)
            self.workers.append(worker)
        return worker

    def _renew(self, worker: _Worker, chunks: list[list[Task]]) -> None:
        """A worker built `WORKER_DOCUMENTS`: it stops, and a fresh one takes the work left."""
        self.workers.remove(worker)
        self._end([worker])
        self._start().send(chunks.pop())

    def _replace(self, dead: _Worker, chunks: list[list[Task]]) -> None:
        """A worker died (killed, out of memory): start another for the work left."""
        self.workers.remove(dead)
        dead.process.join(timeout=1)
        if chunks:
            self._start().send(chunks.pop())

    def _stop(self, report: BatchReport | None = None, events: BatchEvents | None = None) -> None:
        """Tell idle workers to stop; terminate the others (Ctrl-C, an error) at once. With
        `report`, the results busy workers sent before they stopped are recorded (a worker
        sends each as soon as its document is written)."""
        self._end(self.workers, report, events)
        self.workers = []

    def _end(
        self,
        workers: list[_Worker],
        report: BatchReport | None = None,
        events: BatchEvents | None = None,
    ) -> None:
        """Tell each idle worker to stop, terminate a busy one, and wait (5 s, then kill); the
        results a busy one sent before it stopped go into `report`."""
        told = []
        for worker in workers:
            try:
                if worker.chunk is None:
                    worker.conn.send(None)
                    told.append(worker)
                else:
                    worker.process.terminate()
            except (OSError, ValueError):
                worker.process.terminate()
        deadline = time.monotonic() + 5
        for worker in told:  # each answers with its peak memory and CPU time as it stops
            try:
                if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                    peak, cpu = worker.conn.recv()
                    if peak is not None:
                        self.peak_rss = max(self.peak_rss or 0, peak)
                    self.cpu = (self.cpu or 0.0) + cpu
            except (EOFError, OSError, TypeError, ValueError):
                pass
        for worker in workers:
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=1)
            if report is not None and worker.chunk is not None:
                for result in _sent(worker):
                    report.results.append(result)
                    if events is not None:
                        events.finished(result)
            worker.conn.close()


def _sent(worker: _Worker) -> list[DocResult]:
    """The results a stopped worker sent that were not received yet."""
    results = []
    try:
        while worker.conn.poll(0):
            result = worker.conn.recv()
            if isinstance(result, DocResult):
                results.append(result)
    except (EOFError, OSError, ValueError):
        pass
    return results


def _worker_died(task: Task) -> DocResult:
    return DocResult(
        task.source,
        "failed",
        problems=(
            Problem(
                task.source,
                "",
                "the worker process building this document stopped unexpectedly "
                "(killed, or out of memory); run the batch again to finish",
            ),
        ),
    )
