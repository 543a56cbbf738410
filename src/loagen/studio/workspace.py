"""The project as the studio sees it: its documents and their status, and one pipeline kept warm.

Nothing here decides anything about a document: the status of each document is the batch's
planning (`ops.batch.freshness`, the manifests in `build/`, the hashes of the case files), the
builds are `ops.batch.run_task`, the rest is `Pipeline`. What the studio adds is memory between
requests: a case file or manifest is read again only when its size or time stamp changed, and
the pipeline (its note library and compiled templates) is made again only when a note or
template file changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ..case.loading import CASE_SUFFIXES, parse_case_bytes
from ..case.placeholders import PLACEHOLDER_BYTES, is_placeholder, unfilled
from ..errors import LoagenError, Problem
from ..manifest import SUFFIX as MANIFEST_SUFFIX
from ..manifest import Manifest, manifest_path, read_manifest
from ..ops.batch import Dependencies, DocResult, Task, freshness, prints_the_same, run_task
from ..ops.restate import restated_path
from ..pipeline import Pipeline
from ..project import CaseSources, Project, SourceInfo, find_case_files
from ..reading import read_limited
from .preview import Preview, docx_to_html

STUDIO_KEEP = 8192
"""Case files the studio's pipelines keep: every document of a large project, so a list, a
page or an impact preview reads each file once (see `Pipeline.keep`)."""
WARM_PAUSE = 0.01
"""Seconds the background assembly of the documents pauses after each one, letting a request
waiting for the workspace lock take it (a lock does not queue its waiters)."""

State = Literal["current", "stale", "unbuilt", "tofill", "failed", "unreadable", "superseded"]

STATE_WORDS: dict[str, str] = {
    "current": "Up to date",
    "stale": "Out of date",
    "unbuilt": "Not built yet",
    "tofill": "To fill in",
    "failed": "Has errors",
    "unreadable": "Cannot be read",
    "superseded": "Superseded by its restated version",
}
"""What the pages say of each state."""


def is_to_fill(problem: Problem) -> bool:
    """Whether `problem` is a value still to fill in (a FILL IN of `loagen new` or `amend`):
    a file being filled in, not a mistake."""
    return problem.message.startswith("fill in ")


def all_to_fill(problems: Any) -> bool:
    """Whether every one of `problems` (at least one) is a value still to fill in."""
    problems = tuple(problems)
    return bool(problems) and all(is_to_fill(p) for p in problems)


Cause = Literal["", "case", "notes", "library", "template"]
"""Why a document is out of date: its case files changed, or the note library changes the notes
it prints (it surely does not hold the change); the note library changed and its notes could not
be decided again, or a template, the reference tables or loagen changed (then only a build
tells whether what it prints changes)."""


def _stat_key_str(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class StudioSources(CaseSources):
    """`CaseSources` that live across requests: a file is read again only when it changed
    (size, time stamp or inode). Also keeps each case's nickname for the lists."""

    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[str, tuple[int, int, int] | None] = {}
        self.nicknames: dict[str, str] = {}
        self._blanks: dict[str, tuple[Problem, ...]] = {}
        self._lock = threading.Lock()

    def info(self, path: Path) -> SourceInfo:
        key = os.path.abspath(path)
        stamp = _stat_key(Path(path))
        with self._lock:
            if self._keys.get(key, ()) != stamp:
                self._info.pop(key, None)
                self.nicknames.pop(key, None)
                self._blanks.pop(key, None)
                self._keys[key] = stamp
                found = super().info(path)
                if found.parsed:
                    self.nicknames[key], self._blanks[key] = _read_for_lists(Path(path))
                return found
            return super().info(path)

    def nickname(self, path: Path) -> str:
        return self.nicknames.get(os.path.abspath(path), "")

    def blanks(self, path: Path) -> tuple[Problem, ...]:
        """The values of the case file at `path` still to fill in (its `FILL IN` placeholders),
        as loading reports them: what the lists say of a document not built yet."""
        return self._blanks.get(os.path.abspath(path), ())


def _read_for_lists(path: Path) -> tuple[str, tuple[Problem, ...]]:
    """What the lists show of a case file besides its `SourceInfo`: its nickname, and the
    values still to fill in."""
    try:
        raw = read_limited(path, "case file", LoagenError)
        data = parse_case_bytes(raw, path)
    except LoagenError:
        return "", ()
    name = data.get("nickname")
    # a nickname still to fill in ("FILL IN: ...") is no name for the lists
    nickname = name if isinstance(name, str) and not is_placeholder(name) else ""
    return nickname, (unfilled(data, raw, path) if PLACEHOLDER_BYTES in raw else ())


@dataclass(frozen=True)
class DocumentStatus:
    """One case document as the lists show it."""

    source: Path
    rel: str
    """The case file's path in the project, with forward slashes (what URLs carry)."""
    case_id: str
    title: str
    """'Basic', 'Amendment 1', 'Amendment 1 (restated)', or the file name when unreadable."""
    nickname: str
    state: State
    errors: int = 0
    warnings: int = 0
    draft: bool = False
    problems: tuple[Problem, ...] = ()
    """Why the last build failed (when it did, and nothing changed since)."""
    checked: bool = False
    """The quality checks' errors stopped the last build: `errors` and `warnings` count the
    checks' findings then, and are shown rather than a count of `problems`."""
    docx: Path | None = None
    """The built DOCX, when there is one."""
    stem: str | None = None
    order: tuple[Any, ...] = ()
    cause: Cause = ""
    """Why it is out of date (state "stale")."""
    superseded_by: str = ""
    """The project path of the restated version that supersedes it (state "superseded")."""

    @property
    def unsure(self) -> bool:
        """Out of date for a reason that only a build can confirm: what it prints may be the
        same."""
        return self.state == "stale" and self.cause in ("library", "template")

    @property
    def words(self) -> str:
        if self.state == "tofill":
            n = len(self.problems)
            return f"To fill in: {n} value{'s' if n != 1 else ''}"
        return "May be out of date" if self.unsure else STATE_WORDS[self.state]


def _title_of(stem: str | None, fallback: str) -> tuple[str, str, tuple[Any, ...]]:
    """(case id, title, sort key) from an output stem such as 'BN-D-QAA-amendment-1'."""
    if not stem or len(stem) < 10:
        return "", fallback, (9, 0, fallback)
    case_id, rest = stem[:8], stem[9:]
    restated = rest.endswith("-restated")
    rest = rest.removesuffix("-restated")
    kind, _, number = rest.partition("-")
    rank = {"basic": 0, "amendment": 1, "modification": 1}.get(kind, 9)
    title = kind.capitalize() + (f" {number}" if number else "")
    if restated:
        title += " (restated)"
    n = int(number) if number.isdigit() else 0
    return case_id, title, (rank, n, kind, restated)


@dataclass
class _Failure:
    hashes: tuple[str, ...] | None
    library: str
    problems: tuple[Problem, ...]
    counts: tuple[int, int] | None = None
    """(errors, warnings) of the quality checks when their errors stopped the build: the case
    list counts them as the document's page does; None when something else stopped it."""


@dataclass
class BuildOutcome:
    """What a rebuild from the studio did."""

    result: DocResult
    built: bool
    problems: tuple[Problem, ...] = field(default=())


class Workspace:
    """The studio's view of one project (shared by every request; thread-safe)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.lock = threading.RLock()
        """Held while the shared pipeline works (its caches are not made for threads)."""
        self.sources = StudioSources()
        self._pipeline: Pipeline | None = None
        self._deps: Dependencies | None = None
        self._fingerprint: tuple[Any, ...] | None = None
        self._manifests: dict[str, tuple[tuple[int, int, int] | None, Manifest | None]] = {}
        self._failures: dict[str, _Failure] = {}
        self._previews: OrderedDict[tuple[str, tuple[Any, ...]], Preview] = OrderedDict()
        self._listing: tuple[tuple[Any, ...], list[str]] | None = None
        self._statuses: dict[str, tuple[tuple[Any, ...], DocumentStatus]] = {}
        self._chains: dict[str, tuple[list[str], str, tuple[Any, ...]]] = {}

    # -- the pipeline, made again when the library or the templates change --

    def _policy_fingerprint(self) -> tuple[Any, ...]:
        stamps = []
        for folder in (self.project.note_library, self.project.templates):
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                names = []
            for name in names:
                stamps.append((folder.name, name, _stat_key(folder / name)))
        return tuple(stamps)

    def pipeline(self) -> Pipeline:
        """The pipeline of the project as its files are now."""
        fingerprint = self._policy_fingerprint()
        with self.lock:
            if self._pipeline is None or fingerprint != self._fingerprint:
                self._pipeline = Pipeline(
                    self.project, keep=STUDIO_KEEP, keep_documents=STUDIO_KEEP
                )
                self._deps = Dependencies(self.project)
                self._fingerprint = fingerprint
                threading.Thread(
                    target=self._warm, args=(self._pipeline,), name="loagen-warm", daemon=True
                ).start()
            return self._pipeline

    def _warm(self, pipeline: Pipeline) -> None:
        """Assemble every document of the project and its notes in force, in the background,
        so that the first preview of a note edit does not wait for them. One document at a
        time under the lock, so requests go between them; stops when the pipeline is replaced
        (a note or template changed), the note library does not load or a file cannot be
        read."""
        with self.lock:
            try:
                pipeline.library  # noqa: B018 - loaded once here; a library in error stops it
            except LoagenError:
                return
        for source in self.case_files():
            with self.lock:
                if self._pipeline is not pipeline:
                    return
                try:
                    pipeline.notes_before(pipeline.document(source))
                except LoagenError:
                    continue  # a broken case file: its page says why
                except OSError:
                    return
            time.sleep(WARM_PAUSE)  # a request waiting for the lock takes it now

    def dependencies(self) -> Dependencies:
        self.pipeline()
        assert self._deps is not None
        return self._deps

    @property
    def build_dir(self) -> Path:
        return self.project.build_dir

    # -- documents and their status --

    def case_files(self) -> list[Path]:
        cases = self.project.cases
        return find_case_files([cases], self.sources) if cases.is_dir() else []

    def followers(self, source: Path) -> list[Path]:
        """The case files whose document follows `source` (their `previous` is it): a document
        another follows was accepted or cancelled, so it is not restated."""
        target = os.path.abspath(source)
        return [
            path
            for path in self.case_files()
            if (previous := self.sources.info(path).previous) is not None
            and os.path.abspath(previous) == target
        ]

    def _manifest(self, path: Path) -> Manifest | None:
        key = str(path)
        stamp = _stat_key(path)
        cached = self._manifests.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        manifest = read_manifest(path) if stamp is not None else None
        self._manifests[key] = (stamp, manifest)
        return manifest

    def status(self, source: Path, deps: Dependencies | None = None) -> DocumentStatus:
        deps = deps or self.dependencies()
        info = self.sources.info(source)
        rel = self.project.relative(source)
        case_id, title, order = _title_of(info.stem, Path(source).name)
        nickname = self.sources.nickname(source)
        base = {"source": Path(source), "rel": rel, "case_id": case_id or _folder_id(rel),
                "title": title, "nickname": nickname, "stem": info.stem, "order": order}  # fmt: skip
        if not info.parsed or info.stem is None:
            return DocumentStatus(**base, state="unreadable", problems=self._failed(source, deps))
        docx = self.build_dir / f"{info.stem}.docx"
        restated = restated_path(Path(source))
        if restated != Path(source) and restated.is_file():
            # restated: the offer it made is superseded by the restated version (no next
            # document follows it, and it is not restated again)
            built = docx if docx.is_file() else None
            return DocumentStatus(**base, state="superseded", docx=built,
                                  superseded_by=self.project.relative(restated))  # fmt: skip
        manifest = self._manifest(manifest_path(docx))
        hashes = self.sources.chain_hashes(source)
        state = freshness(manifest, hashes, deps, docx)
        problems = self._failed(source, deps)
        counts = {"errors": 0, "warnings": 0}
        if manifest is not None:
            counts["errors"] = sum(f.severity == "error" for f in manifest.findings)
            counts["warnings"] = len(manifest.findings) - counts["errors"]
        built = docx if manifest is not None and docx.is_file() else None
        if problems:
            state_now: State = "tofill" if all_to_fill(problems) else "failed"
            failure = self._failures.get(os.path.abspath(source))
            checked = failure.counts if failure is not None else None
            if checked is not None:  # the checks stopped it: counted as its page counts them
                counts = {"errors": checked[0], "warnings": checked[1]}
            return DocumentStatus(**base, state=state_now, problems=problems, docx=built,
                                  checked=checked is not None, **counts)  # fmt: skip
        if manifest is None:
            # never built: a file started and left with values to fill in says so (its page
            # lists them), as one whose build stopped on them does
            blanks = self.sources.blanks(source)
            if blanks:
                return DocumentStatus(**base, state="tofill", problems=blanks)
            return DocumentStatus(**base, state="unbuilt")
        if manifest.draft:
            return DocumentStatus(**base, state="failed", draft=True, docx=built, **counts)
        if state == "fresh":
            return DocumentStatus(**base, state="current", docx=built, **counts)
        if state == "library":
            # only the note library changed: the document is out of date only if the notes
            # it prints change (what "Rebuild all" finds too, and then only refreshes its
            # manifest)
            same = self._prints_the_same(source, docx, manifest)
            if same:
                return DocumentStatus(**base, state="current", docx=built, **counts)
            cause: Cause = "notes" if same is False else "library"
        else:
            cause = _stale_cause(manifest, hashes, deps)
        return DocumentStatus(**base, state="stale", docx=built, cause=cause, **counts)

    def _prints_the_same(self, source: Path, docx: Path, manifest: Manifest) -> bool | None:
        """Whether the document, decided again with the note library as it is now, prints the
        notes its DOCX holds: what "Rebuild all" asks before it only refreshes a manifest
        (`ops.batch.prints_the_same`), without writing or rendering anything. None when it
        cannot be told (a build will tell)."""
        with self.lock:
            pipeline = self.pipeline()
            try:
                document = pipeline.document(source)
                same, _ = prints_the_same(pipeline, document, manifest, self.build_dir, docx)
            except (LoagenError, OSError):
                return None
        return same

    def documents(self) -> list[DocumentStatus]:
        """Every case document of the project with its status, by case and document order.

        A document's status is worked out again only when something it is read from changed:
        its case files (size, time stamp, inode), its DOCX and manifest, the note library and
        templates, or what the studio knows of its last build."""
        deps = self.dependencies()
        cases = self.project.cases
        folders = []
        for folder, dirs, _ in os.walk(cases):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            folders.append((folder, _stat_key(Path(folder))))
        listing_key = tuple(folders)
        with self.lock:
            if self._listing is None or self._listing[0] != listing_key:
                self._listing = (listing_key, [str(p) for p in self.case_files()])
            files = self._listing[1]
        built: dict[str, tuple[int, int, int]] = {}
        try:
            with os.scandir(self.build_dir) as entries:
                for entry in entries:
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    built[entry.name] = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            pass
        stamps: dict[str, tuple[int, int, int] | None] = {}
        found = []
        for name in files:
            cached = self._statuses.get(name)
            key = self._status_key(name, stamps, built, deps, None)
            if cached is not None and cached[0] == key:
                found.append(cached[1])
                continue
            status = self.status(Path(name), deps)
            self._statuses[name] = (self._status_key(name, stamps, built, deps, None), status)
            found.append(status)
        found.sort(key=lambda d: (d.case_id, d.order, d.rel))
        return found

    def _status_key(
        self,
        name: str,
        stamps: dict[str, Any],
        built: dict[str, Any],
        deps: Dependencies,
        info: SourceInfo | None,
    ) -> tuple[Any, ...]:
        """What a document's status is read from, as stamps: every file of its chain, its DOCX
        and manifest, the library and templates, what the studio knows of its last build."""
        cached = self._chains.get(name)
        if cached is not None:
            names, stem, then = cached
            now = tuple(stamps[n] if n in stamps else stamps.setdefault(n, _stat_key_str(n))
                        for n in names)  # fmt: skip
            if now != then:
                cached = None
        if cached is None:
            names, current, seen = [], Path(name), 0
            first = info or self.sources.info(current)
            while current is not None and seen < 64:
                names.append(os.path.abspath(current))
                current = self.sources.info(current).previous
                seen += 1
            stem = first.stem or ""
            now = tuple(stamps.setdefault(n, _stat_key_str(n)) for n in names)
            self._chains[name] = (names, stem, now)
        return (
            now,
            built.get(f"{stem}.docx"),
            built.get(f"{stem}{MANIFEST_SUFFIX}"),
            id(deps),
            id(self._failures.get(os.path.abspath(name))),
        )

    def _failed(self, source: Path, deps: Dependencies) -> tuple[Problem, ...]:
        failure = self._failures.get(os.path.abspath(source))
        if failure is None:
            return ()
        hashes = self.sources.chain_hashes(source)
        if failure.hashes != (tuple(hashes) if hashes else None):
            return ()
        if failure.library != deps.library_digest:
            return ()
        return failure.problems

    def remember(self, result: DocResult, deps: Dependencies | None = None) -> None:
        """Keep what a build found wrong (or forget it, when the build worked)."""
        key = os.path.abspath(result.source)
        if result.status != "failed":
            self._failures.pop(key, None)
            return
        deps = deps or self.dependencies()
        hashes = self.sources.chain_hashes(result.source)
        self._failures[key] = _Failure(
            tuple(hashes) if hashes else None, deps.library_digest, result.problems,
            self._check_counts(result),
        )  # fmt: skip

    def _check_counts(self, result: DocResult) -> tuple[int, int] | None:
        """(errors, warnings) of the quality checks of a document whose build they stopped
        (its problems are their errors, each "[QC-...] ..."; the warnings did not stop it, so
        they are counted again here), else None."""
        if not result.problems or not all(p.message.startswith("[QC-") for p in result.problems):
            return None
        try:
            with self.lock:
                findings = self.pipeline().prepare(Path(result.source)).findings
        except LoagenError:
            return None
        errors = sum(f.severity == "error" for f in findings)
        return errors, len(findings) - errors

    # -- building --

    def rebuild(self, source: Path) -> DocResult:
        """Build one document as `loagen batch --redline` would (a tracked-changes copy
        against its previous build is written beside it when the document changed)."""
        with self.lock:
            pipeline = self.pipeline()
            result = run_task(pipeline, Task(Path(source), "build"), self.build_dir, True)
        self.remember(result)
        return result

    # -- previews --

    def preview(
        self, docx: bytes, anchors: dict[str, str] | None = None, lines: tuple[str, ...] = ()
    ) -> Preview:
        """The HTML of a rendered document (remembered for the last 64 documents): the
        paragraphs whose text is a key of `anchors` get that id, and the rows of the lines
        table whose first cell starts with one of `lines` the id line-NNN."""
        anchors = anchors or {}
        key = (hashlib.sha256(docx).hexdigest(), (tuple(sorted(anchors.items())), lines))
        with self.lock:
            found = self._previews.get(key)
            if found is not None:
                self._previews.move_to_end(key)
                return found
        numbers = frozenset(lines)

        def row_anchor(text: str) -> str | None:
            m = _LINE_NUMBER.match(text)
            return f"line-{m.group(0)}" if m and m.group(0) in numbers else None

        preview = docx_to_html(docx, anchor=anchors.get, row_anchor=row_anchor)
        with self.lock:
            self._previews[key] = preview
            while len(self._previews) > 64:
                self._previews.popitem(last=False)
        return preview


_LINE_NUMBER = re.compile(r"^\d{3}[a-z]?")


def _stale_cause(manifest: Manifest, hashes: Any, deps: Dependencies) -> Cause:
    """Why `freshness` found a built document stale: "case" when one of its case files
    changed (or cannot be read), else "template" (a template, the reference tables or loagen
    changed: what it prints may be the same)."""
    if hashes is None or [i.sha256 for i in manifest.dependencies.inputs] != list(hashes):
        return "case"
    return "template"


def _folder_id(rel: str) -> str:
    parts = rel.split("/")
    return parts[-2] if len(parts) > 1 else rel


# -- deleted documents ---------------------------------------------------------------------------

TRASH = Path(".loagen") / "trash"
"""Where a deleted document goes, in the project: `.loagen/trash/<date and time>/`."""


DELETED_SHOWN = 5
"""How many of the latest deletes the Cases page offers to bring back."""


@dataclass(frozen=True)
class Deleted:
    """One delete, as the Cases page offers to undo it."""

    folder: str
    """Its folder's name in the trash (the date and time of the delete)."""
    files: tuple[str, ...]
    """The case files it holds, as project paths."""

    @property
    def when(self) -> str:
        """When it was deleted, in words ("30 November 2026 at 19:09"), from its folder's name;
        the name itself when it is not one `discard_case_file` gives."""
        try:
            moment = datetime.strptime(self.folder.split(" (")[0], "%Y-%m-%d %H.%M.%S")
        except ValueError:
            return self.folder
        return f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"


def deleted(root: Path) -> list[Deleted]:
    """The latest deletes in the project at `root` (at most `DELETED_SHOWN`), newest first."""
    trash = root / TRASH
    if not trash.is_dir():
        return []
    folders = sorted((f for f in trash.iterdir() if f.is_dir()), key=lambda f: f.name, reverse=True)
    out = []
    for folder in folders[:DELETED_SHOWN]:
        files = tuple(
            str(p.relative_to(folder).as_posix())
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix.lower() in CASE_SUFFIXES
            and not p.name.endswith(".manifest.json")
        )  # fmt: skip
        if files:
            out.append(Deleted(folder.name, files))
    return out
