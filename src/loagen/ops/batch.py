"""Many builds at once: find the case documents, skip the unchanged, build the rest in parallel.

A document is rebuilt only when something it depends on changed. The manifest beside each DOCX
records those dependencies (every case file of the chain, the template, the note library, the
reference tables and loagen's version); `plan` compares them with the current ones without
validating any case (plain hashes and the manifests), so a run where nothing changed takes a
fraction of a second for a thousand documents. When only the note library changed, only the
edited notes are decided again (no rendering), and a document is rebuilt only if the notes it
prints change.

One broken document never stops the batch: its problems are collected and reported at the end.
The work runs in worker processes, each with its own pipe (no lock is shared: a worker killed at
any moment cannot hang the others). Ctrl-C or SIGTERM stops the workers at once; every file
written is complete (see `output.files`), and the next run finishes the rest.

With PDFs, the documents are laid out by LibreOffice after they are built (`Pipeline.lay_out`,
as few `soffice` calls as there are output folders) and each stores the true page count; a
document skipped as up to date whose PDF is up to date and whose count came from the layout is
not laid out again. Redlines are then made after the layout, so that they compare the documents
as finally written.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import math
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Literal

from .. import __version__
from ..errors import LoagenError, Problem
from ..manifest import (
    NOTE_HASH_LENGTH,
    Manifest,
    manifest_path,
    read_manifest,
    read_note_index,
)
from ..output.files import atomic_write
from ..output.pdf import find_soffice, pdf_up_to_date
from ..pipeline import Pipeline, printed_notes, selection_digest
from ..policy.notes import library_digest
from ..project import CaseSources, Project, find_case_files, template_file_digest
from ..reference import load_reference
from ..rendering.redline import redline_docx

REDLINE_SUFFIX = ".redline.docx"

Status = Literal["built", "refreshed", "skipped", "failed"]
STATUS_WORDS: dict[str, str] = {
    "built": "built",
    "refreshed": "refreshed",
    "skipped": "skipped",
    "failed": "failed",
}
"""What the summary calls each status: the same words as the keys of the JSON report."""
STATUS_HINTS: dict[str, str] = {
    "refreshed": "unchanged by the library edit, manifest updated",
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


@dataclass
class BatchReport:
    """The outcome of a batch, document by document."""

    results: list[DocResult] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    seconds: float = 0.0

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
    def summary(self) -> str:
        """One line, the same in text and JSON: "27 documents: 5 built, 0 refreshed, 22 skipped
        (up to date), 0 failed; elapsed 0:03"."""
        parts = []
        for status, word in STATUS_WORDS.items():
            count = len(self.having(status))  # type: ignore[arg-type]
            hint = f" ({STATUS_HINTS[status]})" if count and status in STATUS_HINTS else ""
            parts.append(f"{count} {word}{hint}")
        n = len(self.results)
        return (
            f"{n} document{'s' if n != 1 else ''}: {', '.join(parts)}; "
            f"elapsed {elapsed_words(self.seconds)}"
        )

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
            return out

        return {
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


Freshness = Literal["fresh", "library", "stale"]


def freshness(
    manifest: Manifest | None, inputs: Sequence[str] | None, deps: Dependencies, docx: Path
) -> Freshness:
    """Compare a manifest's recorded dependencies with the current ones: "fresh" (skip),
    "library" (only the note library changed: decide the notes again) or "stale" (rebuild)."""
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
    if recorded.library_digest != deps.library_digest:
        return "library"
    return "fresh"


@dataclass(frozen=True)
class Task:
    source: Path
    mode: Mode


def plan(
    files: Sequence[Path],
    output_dir: Path,
    deps: Dependencies,
    *,
    force: bool = False,
    sources: CaseSources | None = None,
) -> tuple[list[Task], list[DocResult]]:
    """Sort documents into work to do and results already known (skipped, or failed because two
    files would write the same output)."""
    sources = sources or CaseSources()
    tasks: list[Task] = []
    known: list[DocResult] = []
    owners: dict[str, Path] = {}
    for path in files:
        stem = sources.info(path).stem
        if stem is None:
            tasks.append(Task(path, "build"))  # the build says what is wrong
            continue
        if stem in owners:
            known.append(
                DocResult(
                    path,
                    "failed",
                    problems=(
                        Problem(
                            path,
                            "document",
                            f"writes the same output ({stem}.docx) as {owners[stem]}; "
                            "each document version needs its own case_id, kind and number",
                        ),
                    ),
                )
            )
            continue
        owners[stem] = path
        docx = output_dir / f"{stem}.docx"
        if force:
            tasks.append(Task(path, "build"))
            continue
        manifest = read_manifest(manifest_path(docx))
        state = freshness(manifest, sources.chain_hashes(path), deps, docx)
        if state == "fresh":
            known.append(DocResult(path, "skipped", docx=docx))
        else:
            tasks.append(Task(path, "reselect" if state == "library" else "build"))
    return tasks, known


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
        return _build(pipeline, task.source, output_dir, redline, redline_later)
    except LoagenError as exc:
        return DocResult(task.source, "failed", problems=exc.problems)
    except Exception as exc:  # a bug must not stop the other documents
        return DocResult(
            task.source,
            "failed",
            problems=(Problem(task.source, "", f"internal error: {type(exc).__name__}: {exc}"),),
        )


def _build(
    pipeline: Pipeline, source: Path, output_dir: Path, redline: bool, later: bool = False
) -> DocResult:
    previous: bytes | None = None
    if redline:
        stem = CaseSources().info(source).stem
        if stem:
            try:
                previous = (output_dir / f"{stem}.docx").read_bytes()
            except OSError:
                previous = None
    result = pipeline.build(source, output_dir)
    if later:
        return DocResult(source, "built", docx=result.docx_path, previous=previous)
    return _with_redline(DocResult(source, "built", docx=result.docx_path), previous)


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
    target = docx.with_name(docx.name[: -len(".docx")] + REDLINE_SUFFIX)
    try:
        atomic_write(target, redline_docx(previous, current))
    except (LoagenError, OSError) as exc:
        return dataclasses.replace(
            result, warnings=(*result.warnings, f"no redline written: {exc}")
        )
    return dataclasses.replace(result, redline=target)


def _refresh_manifest(pipeline: Pipeline, source: Path, output_dir: Path) -> DocResult | None:
    """Only the note library changed since the last build. Decide again the notes whose files
    changed (the note index of the library the last build saw, `manifest.NoteIndex`, holds the
    hash of each of its notes; without it every note counts as changed): when none of them was
    printed and none is printed now, the DOCX would be the same, so only its manifest is
    rewritten. Otherwise select every note again and compare what is printed. None means the
    document must be rebuilt.

    The checks are not run again: they read the document and the notes printed, both unchanged,
    so their findings are the ones the manifest recorded (tests/test_batch.py checks that the
    rewritten manifest is byte-identical to a fresh build's)."""
    document = pipeline.document(source)
    docx_path, manifest_file = pipeline.output_paths(document, output_dir)
    old = read_manifest(manifest_file)
    if old is None or old.draft or any(f.severity == "error" for f in old.findings):
        return None
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
    if changed & old.printed_ids:
        selection = pipeline.select(document)
        if selection_digest(selection) != old.selection_digest:
            return None
        notes = printed_notes(selection)
    else:
        decided = pipeline.decide(document, [n for n in library if n.id in changed])
        if any(d.included for d in decided):
            return None
        notes = old.notes
    try:
        docx = docx_path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(docx).hexdigest() != old.docx_sha256:
        return None
    refreshed = dataclasses.replace(
        old,
        notes=notes,
        dependencies=dataclasses.replace(old.dependencies, library_digest=library.digest),
    )
    atomic_write(manifest_file, refreshed.to_json())
    pipeline.index_notes(output_dir)
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
) -> BatchReport:
    """Build every case document under `paths` that is out of date into `output_dir`.

    Raises LoagenError only for what stops every document (no project, a broken note library,
    --pdf without LibreOffice); each document's own problems are in the report.
    """
    started = time.perf_counter()
    events = events or BatchEvents()
    project = project or Project.discover()
    output_dir = Path(output_dir) if output_dir else project.build_dir
    jobs = max(1, jobs or default_jobs())
    if pdf:
        find_soffice()  # fail before building, not after
    events.loading()
    Pipeline.tidy(output_dir)
    sources = CaseSources()
    files = find_case_files(paths, sources)
    deps = Dependencies(project)
    tasks, known = plan(files, output_dir, deps, force=force, sources=sources)
    del sources  # the parsed case files: not to be copied into every forked worker
    report = BatchReport()
    events.planned(len(files), len(tasks))
    for result in known:
        report.results.append(result)
        events.finished(result)

    if tasks:
        pipeline = Pipeline(project)
        pipeline.library  # noqa: B018 (load once here: a broken library stops the batch now)
        frozen = len(tasks) >= WARM_FROM
        if frozen:
            # compile every template once, before the workers fork, and leave what is loaded
            # once out of the garbage collector's walks (it lives as long as the batch)
            pipeline.renderer.all_templates()
            gc.freeze()
        try:
            if jobs == 1 or len(tasks) < 4:
                events.started()
                for task in tasks:
                    result = run_task(
                        pipeline, task, output_dir, redline, redline_later=redline and pdf
                    )
                    report.results.append(result)
                    events.finished(result)
            else:
                pool = _Pool(
                    pipeline, output_dir, redline, min(jobs, len(tasks)), later=redline and pdf
                )
                pool.run(tasks, report, events)
        finally:
            if frozen:
                gc.unfreeze()

    if pdf:
        _lay_out(report, pipeline if tasks else Pipeline(project))
    order = {p: i for i, p in enumerate(files)}
    report.results.sort(key=lambda r: order.get(r.source, len(order)))
    report.seconds = time.perf_counter() - started
    return report


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
            r = dataclasses.replace(_with_redline(r, r.previous), previous=None)
        report.results[index] = r


def _laid_out(docx: Path) -> bool:
    """The manifest of `docx` says its page count is the one of LibreOffice's layout."""
    manifest = read_manifest(manifest_path(docx))
    return manifest is not None and manifest.pages_from == "layout"


# -- the worker processes ---------------------------------------------------------------------------

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
WORKER_DOCUMENTS = 500
"""Documents a worker builds before a fresh one takes its place: a long batch then runs in the
memory of a short one (what the caches and Python's allocator keep grows slowly with the
documents a process has built), for the cost of a fork."""
WARM_FROM = 20
"""From this many documents to build, a batch compiles every template before it starts."""


def _worker_main(
    conn: Connection, pipeline: Pipeline, output_dir: Path, redline: bool, later: bool
) -> None:
    """A worker: builds the chunks it is sent until told to stop. Ctrl-C is the parent's to
    handle; SIGTERM ends the worker (a file being written is removed, see `output.files`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)
    sys.unraisablehook = _term_again
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    # What the worker inherited (the library, the templates, the modules) lives as long as it
    # does: the garbage collector need not walk it at each collection, and a forked worker's
    # pages then stay shared with the parent's
    gc.freeze()
    try:
        while True:
            try:
                chunk = conn.recv()
            except (EOFError, OSError):
                return
            if chunk is None:
                return
            conn.send(
                [
                    run_task(pipeline, task, output_dir, redline, redline_later=later)
                    for task in chunk
                ]
            )
    except (BrokenPipeError, KeyboardInterrupt):
        return


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _term_again(unraisable: Any) -> None:
    """SIGTERM arrived where its SystemExit cannot stop the worker (inside a callback from C
    code, which Python reports as "Exception ignored"): send it again, to be raised at the next
    step of Python code, which ends the worker as `_exit_on_term` means to."""
    if isinstance(unraisable.exc_value, SystemExit):
        os.kill(os.getpid(), signal.SIGTERM)
        return
    sys.__unraisablehook__(unraisable)


class _Worker:
    def __init__(
        self, context: Any, pipeline: Pipeline, output_dir: Path, redline: bool, later: bool
    ) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(
            target=_worker_main, args=(child, pipeline, output_dir, redline, later), daemon=True
        )
        self.process.start()
        child.close()
        self.chunk: list[Task] | None = None
        self.built = 0
        """Documents it was sent."""

    def send(self, chunk: list[Task]) -> None:
        self.chunk = chunk
        self.built += len(chunk)
        self.conn.send(chunk)


class _Pool:
    """Worker processes, one pipe each. Forked where the system can: workers inherit the loaded
    note library and compiled templates and start in milliseconds."""

    def __init__(
        self, pipeline: Pipeline, output_dir: Path, redline: bool, jobs: int, *, later: bool
    ) -> None:
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.pipeline = pipeline
        self.output_dir = output_dir
        self.redline = redline
        self.later = later
        self.jobs = jobs
        self.workers: list[_Worker] = []

    def run(self, tasks: Sequence[Task], report: BatchReport, events: BatchEvents) -> None:
        chunks = _chunks(tasks, self.jobs)
        chunks.reverse()
        try:
            if self.context.get_start_method() == "fork":
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
                    try:
                        results = worker.conn.recv()
                    except (EOFError, OSError):
                        results = [_worker_died(t) for t in chunk]
                        worker.chunk = None
                        self._replace(worker, chunks)
                    else:
                        worker.chunk = None
                        if chunks and worker.built >= WORKER_DOCUMENTS:
                            self._renew(worker, chunks)
                        elif chunks:
                            worker.send(chunks.pop())
                    for result in results:
                        report.results.append(result)
                        events.finished(result)
        finally:
            self._stop()

    def _start(self) -> _Worker:
        """Start a worker. Stop signals wait until it is started (it ignores Ctrl-C itself)."""
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            worker = _Worker(self.context, self.pipeline, self.output_dir, self.redline, self.later)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
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

    def _stop(self) -> None:
        """Tell idle workers to stop; terminate the others (Ctrl-C, an error) at once."""
        self._end(self.workers)
        self.workers = []

    @staticmethod
    def _end(workers: list[_Worker]) -> None:
        """Tell each idle worker to stop, terminate a busy one, and wait (5 s, then kill)."""
        for worker in workers:
            try:
                if worker.chunk is None:
                    worker.conn.send(None)
                else:
                    worker.process.terminate()
            except (OSError, ValueError):
                worker.process.terminate()
        deadline = time.monotonic() + 5
        for worker in workers:
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=1)
            worker.conn.close()


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
