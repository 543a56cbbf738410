"""Many builds at once: find the case documents, skip the unchanged, build the rest in a pool.

A document is rebuilt only when something it depends on changed. The manifest beside each DOCX
records those dependencies (every case file of the chain, the template, the note library, the
reference tables and loagen's version); this module compares them with the current ones without
validating any case (plain JSON and hashes), so a run where nothing changed takes a fraction of
a second for a thousand documents. When only the note library changed, the notes are selected
again (no rendering) and the document is rebuilt only if the notes it prints changed.

One broken document never stops the batch: its problems are collected and reported at the end.
Every output is written atomically, so an interrupted batch leaves complete files only and the
next run finishes the rest.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import signal
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import __version__
from .errors import LoagenError, Problem
from .output import MANIFEST_SUFFIX, atomic_write, output_stem, read_manifest

if TYPE_CHECKING:
    from .build import Builder, Project

CASE_SUFFIXES = (".json", ".yaml", ".yml")
REDLINE_SUFFIX = ".redline.docx"

Status = Literal["built", "refreshed", "skipped", "failed"]
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

    def to_json(self) -> dict[str, Any]:
        def doc(r: DocResult) -> dict[str, Any]:
            out: dict[str, Any] = {"source": str(r.source)}
            if r.docx:
                out["output"] = str(r.docx)
            if r.redline:
                out["redline"] = str(r.redline)
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
            "seconds": round(self.seconds, 3),
        }


class BatchEvents:
    """Hooks the CLI uses to show progress. The library itself never prints."""

    def planned(self, total: int, to_do: int) -> None:
        """Every document is found and compared with its manifest; `to_do` will be processed."""

    def finished(self, result: DocResult) -> None:
        """One document is done (built, refreshed, skipped or failed)."""


# -- finding case documents ---------------------------------------------------------------------


def find_case_files(paths: Iterable[Path], sources: _SourceCache | None = None) -> list[Path]:
    """Every case file under `paths`: files given by name, and the JSON and YAML files found in
    folders (recursively; hidden folders, manifests and files that are plainly not case files,
    such as other JSON documents, are left out). Sorted, each file once."""
    sources = sources or _SourceCache()
    found: dict[str, Path] = {}
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for folder, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    path = Path(folder) / name
                    if _looks_like_case_file(path, sources):
                        found.setdefault(_key(path), path)
        else:
            # A file named on the command line is always a case file (missing: reported).
            found.setdefault(_key(given), given)
    return sorted(found.values(), key=lambda p: str(p))


def _looks_like_case_file(path: Path, sources: _SourceCache) -> bool:
    name = path.name
    if name.startswith(".") or name.endswith(MANIFEST_SUFFIX):
        return False
    if path.suffix.lower() not in CASE_SUFFIXES:
        return False
    info = sources.info(path)
    if not info.parsed:
        return info.sha256 is not None  # broken JSON among case files is reported, not ignored
    return info.is_case


# -- what a document depends on -----------------------------------------------------------------


def _key(path: Path) -> str:
    """The absolute, normalised form of `path`: the same file reached by two spellings counts
    once (without resolving symbolic links, which costs a system call a path component)."""
    return os.path.abspath(path)


@dataclass(frozen=True)
class _FileInfo:
    """What the no-op check needs of one case file (kept small: the parsed data is dropped)."""

    sha256: str | None
    """None when the file cannot be read."""
    parsed: bool
    """The file holds one JSON or YAML object."""
    is_case: bool
    """It has the top-level fields of a case file."""
    stem: str | None
    previous: str | None
    previous_ok: bool


class _SourceCache:
    """Each case file read, hashed and parsed once per batch."""

    def __init__(self) -> None:
        self._info: dict[str, _FileInfo] = {}

    def info(self, path: Path) -> _FileInfo:
        key = _key(path)
        found = self._info.get(key)
        if found is None:
            found = self._info[key] = _read_info(path)
        return found


def _read_info(path: Path) -> _FileInfo:
    try:
        raw = path.read_bytes()
    except OSError:
        return _FileInfo(None, False, False, None, None, False)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            import json

            data = json.loads(text)
    except Exception:
        return _FileInfo(digest, False, False, None, None, False)
    if not isinstance(data, dict):
        return _FileInfo(digest, False, False, None, None, False)
    doc = data.get("document")
    previous = doc.get("previous") if isinstance(doc, dict) else None
    previous_ok = previous is None or isinstance(previous, str)
    return _FileInfo(
        digest,
        True,
        "case_id" in data or "document" in data,
        planned_stem(data),
        previous if previous_ok else None,
        previous_ok,
    )


def planned_stem(data: Any) -> str | None:
    """The output name `LoaDocument.output_stem` will give this case data, or None when the
    data is too broken to tell (the build then reports the problems)."""
    try:
        case_id = data["case_id"]
        doc = data["document"]
        kind = doc["kind"]
        if not isinstance(case_id, str) or kind not in ("Basic", "Amendment", "Modification"):
            return None
        number = None if kind == "Basic" else int(doc["number"])
        return output_stem(case_id, kind, number, restated=doc.get("restated") is not None)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def chain_hashes(path: Path, sources: _SourceCache) -> list[str] | None:
    """The sha256 of the case file and of every `previous` snapshot, oldest first (the order of
    the manifest's inputs), or None when the chain cannot be followed."""
    hashes: list[str] = []
    seen: set[str] = set()
    current: Path | None = path
    while current is not None:
        key = _key(current)
        if key in seen:
            return None
        seen.add(key)
        info = sources.info(current)
        if info.sha256 is None or not info.parsed or not info.previous_ok:
            return None
        hashes.append(info.sha256)
        current = current.parent / info.previous if info.previous else None
    hashes.reverse()
    return hashes


class Dependencies:
    """The current state of what every document depends on, computed once per batch:
    the template files' hashes, the note library and reference digests, loagen's version."""

    def __init__(self, project: Project, *, library_digest: str | None = None) -> None:
        from .reference import load_reference

        self.project = project
        self.loagen_version = __version__
        self.reference_digest = load_reference().digest
        self._library_digest = library_digest
        self._templates: dict[str, str | None] = {}

    @property
    def library_digest(self) -> str:
        if self._library_digest is None:
            from .notes import load_library

            self._library_digest = load_library(self.project.note_library).digest
        return self._library_digest

    def template_sha256(self, path: str) -> str | None:
        """The digest the renderer records for the template at `path` (None if unreadable)."""
        if path not in self._templates:
            self._templates[path] = template_digest(Path(path))
        return self._templates[path]


def template_digest(path: Path) -> str | None:
    """`terms.template_digest` of the template at `path` and the Standard Terms beside it (what
    `rendering.CompiledTemplate.sha256` records), read without compiling the template."""
    from .terms import TERMS_FILE
    from .terms import template_digest as digest

    try:
        raw = path.read_bytes()
        terms = (path.parent / TERMS_FILE).read_text(encoding="utf-8")
    except OSError:
        return None
    return digest(raw, terms)


Freshness = Literal["fresh", "library", "stale"]


def freshness(
    manifest: dict[str, Any] | None,
    inputs: Sequence[str] | None,
    deps: Dependencies,
    docx: Path,
) -> Freshness:
    """Compare a manifest's recorded dependencies with the current ones: "fresh" (skip),
    "library" (only the note library changed: select the notes again) or "stale" (rebuild)."""
    if not manifest or inputs is None or manifest.get("draft"):
        return "stale"
    recorded = manifest.get("dependencies")
    if not isinstance(recorded, dict):
        return "stale"
    if recorded.get("loagen_version") != deps.loagen_version:
        return "stale"
    if recorded.get("reference_digest") != deps.reference_digest:
        return "stale"
    recorded_inputs = recorded.get("inputs") or []
    if [i.get("sha256") for i in recorded_inputs if isinstance(i, dict)] != list(inputs):
        return "stale"
    template = recorded.get("template") or {}
    if not template.get("path") or deps.template_sha256(template["path"]) != template.get("sha256"):
        return "stale"
    if not docx.is_file():
        return "stale"
    if recorded.get("library_digest") != deps.library_digest:
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
    sources: _SourceCache | None = None,
) -> tuple[list[Task], list[DocResult]]:
    """Sort documents into work to do and results already known (skipped, or failed because two
    files would write the same output)."""
    sources = sources or _SourceCache()
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
        manifest = read_manifest(output_dir / f"{stem}{MANIFEST_SUFFIX}")
        state = freshness(manifest, chain_hashes(path, sources), deps, docx)
        if state == "fresh":
            known.append(DocResult(path, "skipped", docx=docx))
        else:
            tasks.append(Task(path, "reselect" if state == "library" else "build"))
    return tasks, known


# -- doing the work (in a worker process, or in this one) ---------------------------------------

_BUILDER: Builder | None = None
"""This process's Builder for the batch being run (set afresh by every batch: the library and
templates may have changed since the last one)."""


def _fresh_builder(project: Project) -> Builder:
    global _BUILDER
    from .build import Builder

    _BUILDER = Builder(project)
    return _BUILDER


def _init_worker(project: Project, inherited: bool) -> None:
    """Pool initializer: one Builder per worker, inherited from the parent when forked.
    Ctrl-C is the parent's to handle; a terminated worker still removes its temporary file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)
    if not inherited or _BUILDER is None:
        _fresh_builder(project)


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _run_chunk(
    project: Project, tasks: Sequence[Task], output_dir: Path, redline: bool
) -> list[DocResult]:
    assert _BUILDER is not None, "the pool initializer sets the builder"
    return [_run_task(_BUILDER, task, output_dir, redline) for task in tasks]


def _run_task(builder: Builder, task: Task, output_dir: Path, redline: bool) -> DocResult:
    try:
        if task.mode == "reselect":
            refreshed = _refresh_manifest(builder, task.source, output_dir)
            if refreshed is not None:
                return refreshed
        return _build(builder, task.source, output_dir, redline)
    except LoagenError as exc:
        return DocResult(task.source, "failed", problems=exc.problems)
    except Exception as exc:  # a bug must not stop the other documents
        return DocResult(
            task.source,
            "failed",
            problems=(Problem(task.source, "", f"internal error: {type(exc).__name__}: {exc}"),),
        )


def _build(builder: Builder, source: Path, output_dir: Path, redline: bool) -> DocResult:
    previous: bytes | None = None
    if redline:
        stem = _SourceCache().info(source).stem
        if stem:
            try:
                previous = (output_dir / f"{stem}.docx").read_bytes()
            except OSError:
                previous = None
    result = builder.build(source, output_dir)
    if previous is None or hashlib.sha256(previous).hexdigest() == result.manifest["docx_sha256"]:
        return DocResult(source, "built", docx=result.docx_path)
    target = result.docx_path.with_name(result.docx_path.name[: -len(".docx")] + REDLINE_SUFFIX)
    try:
        from .diff import redline_docx

        atomic_write(target, redline_docx(previous, result.docx_path.read_bytes()))
    except (LoagenError, OSError) as exc:
        return DocResult(
            source, "built", docx=result.docx_path, warnings=(f"no redline written: {exc}",)
        )
    return DocResult(source, "built", docx=result.docx_path, redline=target)


def _refresh_manifest(builder: Builder, source: Path, output_dir: Path) -> DocResult | None:
    """Only the note library changed since the last build: select the notes again and, when
    the notes printed are the same, rewrite only the manifest (the DOCX would be identical).
    None means the document must be rebuilt.

    The checks are not run again: they read the document and the notes printed, both unchanged,
    so their findings are the ones the manifest recorded (tests/test_batch.py checks that the
    rewritten manifest is byte-identical to a fresh build's)."""
    from .build import Prepared
    from .checks import Finding
    from .document import load_document
    from .output import manifest_bytes, manifest_for, output_paths, selection_digest
    from .selection import select_notes

    quick = _refresh_decisions_only(builder, source, output_dir)
    if quick is not False:
        return quick
    document = load_document(source)
    selection = select_notes(document, builder.library)
    docx_path, manifest_path = output_paths(document, output_dir)
    old = read_manifest(manifest_path)
    if not old or old.get("draft"):
        return None
    try:
        findings = tuple(
            Finding(f["severity"], f["rule"], f["message"], f["path"], f["reference"])
            for f in old.get("findings", [])
        )
    except (KeyError, TypeError):
        return None
    prepared = Prepared(document, selection, findings)
    if old.get("selection_digest") != selection_digest(prepared) or prepared.errors:
        return None
    try:
        docx = docx_path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(docx).hexdigest() != old.get("docx_sha256"):
        return None
    manifest = manifest_for(prepared, builder, docx, draft=False)
    atomic_write(manifest_path, manifest_bytes(manifest))
    return DocResult(source, "refreshed", docx=docx_path)


def _refresh_decisions_only(
    builder: Builder, source: Path, output_dir: Path
) -> DocResult | None | Literal[False]:
    """The note library changed: decide again only the notes whose files changed (the manifest
    records the hash of every note the last build saw). When none of them was printed and none
    is printed now, the document is the same: patch those decisions into the manifest. None
    means rebuild; False means the manifest cannot tell (select every note again)."""
    from .document import load_document
    from .output import decision_json, manifest_bytes
    from .selection import decide_notes

    stem = _SourceCache().info(source).stem
    if stem is None:
        return False
    manifest_path = output_dir / f"{stem}{MANIFEST_SUFFIX}"
    old = read_manifest(manifest_path)
    try:
        deps = old["dependencies"]  # type: ignore[index]
        seen: dict[str, str] = deps["library_notes"]
        printed = {n["id"] for n in old["notes"]}  # type: ignore[index]
        by_id = {d["note"]: d for d in old["decisions"]}  # type: ignore[index]
    except (KeyError, TypeError):
        return False
    if old.get("draft"):  # type: ignore[union-attr]
        return None
    library = builder.library
    current = {note.id: note.sha256 for note in library}
    changed = {i for i, sha in current.items() if seen.get(i) != sha} | (
        seen.keys() - current.keys()
    )
    if changed & printed:
        return None
    fresh = decide_notes(load_document(source), [note for note in library if note.id in changed])
    if any(d.included for d in fresh):
        return None
    by_id.update((d.note_id, decision_json(d)) for d in fresh)
    old["decisions"] = [by_id[note.id] for note in library]  # type: ignore[index]
    deps["library_digest"] = library.digest
    deps["library_notes"] = current
    atomic_write(manifest_path, manifest_bytes(old))  # type: ignore[arg-type]
    return DocResult(source, "refreshed", docx=output_dir / f"{stem}.docx")


# -- the batch ----------------------------------------------------------------------------------


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _chunks(tasks: Sequence[Task], jobs: int) -> list[list[Task]]:
    """Chunks small enough to keep every worker busy and the progress bar moving, large enough
    that sending them costs nothing next to rendering (a document takes milliseconds)."""
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
    from .build import Project

    started = time.perf_counter()
    events = events or BatchEvents()
    project = project or Project.discover()
    output_dir = Path(output_dir) if output_dir else project.build_dir
    jobs = max(1, jobs or default_jobs())
    if pdf:
        from .pdf import find_soffice

        find_soffice()  # fail before building, not after

    sources = _SourceCache()
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
        if jobs == 1 or len(tasks) < 4:
            builder = _fresh_builder(project)
            for task in tasks:
                result = _run_task(builder, task, output_dir, redline)
                report.results.append(result)
                events.finished(result)
        else:
            _run_pool(project, tasks, output_dir, redline, min(jobs, len(tasks)), report, events)

    if pdf:
        from .pdf import convert_to_pdf

        wanted = [
            r.docx
            for r in report.results
            if r.docx is not None and (r.status != "skipped" or _pdf_out_of_date(r.docx))
        ]
        report.pdfs = convert_to_pdf(wanted)
    order = {p: i for i, p in enumerate(files)}
    report.results.sort(key=lambda r: order.get(r.source, len(order)))
    report.seconds = time.perf_counter() - started
    return report


def _pdf_out_of_date(docx: Path) -> bool:
    pdf = docx.with_suffix(".pdf")
    try:
        return pdf.stat().st_mtime < docx.stat().st_mtime
    except OSError:
        return True


def _pool_context() -> multiprocessing.context.BaseContext:
    # fork: workers inherit the loaded library and compiled templates and start in
    # milliseconds. The pool is started before any progress thread exists.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _run_pool(
    project: Project,
    tasks: Sequence[Task],
    output_dir: Path,
    redline: bool,
    jobs: int,
    report: BatchReport,
    events: BatchEvents,
) -> None:
    context = _pool_context()
    forked = context.get_start_method() == "fork"
    if forked:
        _fresh_builder(project)  # load once here; every worker inherits it
    executor = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_init_worker,
        initargs=(project, forked),
    )
    pending: dict[Future[list[DocResult]], list[Task]] = {}
    try:
        for chunk in _chunks(tasks, jobs):
            future = executor.submit(_run_chunk, project, chunk, output_dir, redline)
            pending[future] = chunk
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                chunk = pending.pop(future)
                try:
                    results = future.result()
                except BrokenProcessPool:
                    results = [_worker_died(t) for t in chunk]
                except Exception as exc:
                    results = [
                        DocResult(t.source, "failed", problems=(Problem(t.source, "", str(exc)),))
                        for t in chunk
                    ]
                for result in results:
                    report.results.append(result)
                    events.finished(result)
    except BaseException:
        # Ctrl-C or SIGTERM: stop the workers now. Their files are complete or untouched.
        for future in pending:
            future.cancel()
        for process in list(getattr(executor, "_processes", {}).values()):
            if process.is_alive():
                process.terminate()
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


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
