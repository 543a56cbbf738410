"""Rebuild every document that is out of date, as `loagen batch cases/` does, with its progress
shown live (the page asks for it twice a second; without scripts it reloads itself) and the
documents that failed listed with their problems."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import LoagenError
from ..ops.batch import BatchEvents, BatchReport, DocResult, elapsed_words, run_batch
from .web import Studio


@dataclass
class BatchRun:
    """One run of the batch, as its events tell it."""

    state: str = "loading"
    """loading, running, done or stopped (a problem stopped every document)."""
    total: int = 0
    to_do: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: {"built": 0, "refreshed": 0, "skipped": 0, "failed": 0}
    )
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    recent: list[str] = field(default_factory=list)
    failed: list[DocResult] = field(default_factory=list)
    error: str = ""
    summary: str = ""
    kept: list[tuple[str, str]] = field(default_factory=list)
    """Files the run kept or removed beside the documents it rebuilt, (what, file name): the
    DOCX of answered documents as they were built, DOCX changed after their build, out-of-date
    PDFs and redlines removed."""

    @property
    def worked(self) -> int:
        return self.counts["built"] + self.counts["refreshed"] + self.counts["failed"]

    @property
    def counts_text(self) -> str:
        """The progress in words: "3 of 11 to check · 1 built · 2 unchanged · 0 failed · 0 up
        to date"."""
        c = self.counts
        return (
            f"{self.worked} of {self.to_do} to check · {c['built']} built · "
            f"{c['refreshed']} unchanged · {c['failed']} failed · {c['skipped']} up to date"
        )

    def to_json(self, studio: Studio) -> dict[str, Any]:
        elapsed = (self.ended or time.monotonic()) - self.started
        left = None
        if self.state == "running" and self.worked >= 3 and self.worked < self.to_do:
            left = elapsed / self.worked * (self.to_do - self.worked)
        return {
            "state": self.state,
            "total": self.total,
            "to_do": self.to_do,
            "done": self.worked,
            "counts": self.counts,
            "counts_text": self.counts_text,
            "elapsed": round(elapsed, 1),
            "left": None if left is None else round(left, 1),
            "recent": self.recent[-5:],
            "failed": [
                {"document": studio.url_of(r.source), "problems": [str(p) for p in r.problems]}
                for r in self.failed
            ],
            "error": self.error,
            "summary": self.summary,
            "kept": [{"what": what, "file": name} for what, name in self.kept],
        }


class _Events(BatchEvents):
    def __init__(self, run: BatchRun, studio: Studio) -> None:
        self.run = run
        self.studio = studio

    def loading(self) -> None:
        self.run.state = "loading"

    def planned(self, total: int, to_do: int) -> None:
        self.run.total, self.run.to_do = total, to_do
        self.run.state = "running"

    def finished(self, result: DocResult) -> None:
        self.run.counts[result.status] = self.run.counts.get(result.status, 0) + 1
        if result.status != "skipped":
            self.run.recent.append(f"{result.status} {self.studio.url_of(result.source)}")
            del self.run.recent[:-20]
        if result.status == "failed":
            self.run.failed.append(result)


def _runner(studio: Studio, run: BatchRun) -> None:
    workspace = studio.workspace
    try:
        # the server's threads run on: workers are started afresh, not forked from it
        report: BatchReport = run_batch(
            [studio.project.cases], project=studio.project, events=_Events(run, studio),
            fork_workers=False,
        )  # fmt: skip
    except LoagenError as exc:
        run.error = str(exc)
        run.state = "stopped"
    except Exception as exc:  # noqa: BLE001  (a bug: shown, and the studio goes on)
        run.error = f"internal error: {type(exc).__name__}: {exc}"
        run.state = "stopped"
    else:
        for result in report.results:
            workspace.remember(result)
        run.summary = summary(report)
        run.kept = kept_files(report)
        run.state = "done"
    run.ended = time.monotonic()


def summary(report: BatchReport) -> str:
    """What a run did, in one line: the batch's summary (`BatchReport.summary`) in the studio's
    words, where a document found unchanged is said to be so because of what changes it could
    have been (the note library or the templates), not only a library edit; the files it kept
    aside or removed are counted here and listed by `kept_files`."""
    n = len(report.results)
    built = f"{len(report.built)} built"
    said = []
    if report.as_built:
        said.append(
            f"{len(report.as_built)} of them already answered (a later document of the case "
            "follows): the DOCX each replaced is kept as built, listed below"
        )
    if report.kept:
        said.append(
            f"{len(report.kept)} of them changed since they were built: the changed DOCX kept, "
            "listed below"
        )
    if said:
        built += f" ({'; '.join(said)})"
    parts = [built]
    if report.refreshed:
        parts.append(
            f"{len(report.refreshed)} unchanged (checked again after a change to the note "
            "library or templates: they print the same, only their build records were updated)"
        )
    parts.append(f"{len(report.skipped)} up to date")
    parts.append(f"{len(report.failed)} failed")
    removed = ""
    if report.removed:
        one = len(report.removed) == 1
        removed = (
            f"; {len(report.removed)} out-of-date PDF or redline file{'' if one else 's'} "
            "removed (listed below)"
        )
    return (
        f"{n} document{'s' if n != 1 else ''}: {', '.join(parts)}{removed}; "
        f"elapsed {elapsed_words(report.seconds)}"
    )


def kept_files(report: BatchReport) -> list[tuple[str, str]]:
    """The files a run kept aside or removed, each with what it is, by file name (they are in
    the output folder, beside their documents)."""
    return [
        *(("Kept as built (the document was already answered)", p.name) for p in report.as_built),
        *(("Kept: changed after it was built", p.name) for p in report.kept),
        *(("Removed: out of date once its DOCX was rebuilt", p.name) for p in report.removed),
    ]


def _current(studio: Studio) -> BatchRun | None:
    return studio.extras.get("batch")


async def batch_page(studio: Studio, request: Request) -> Response:
    run = _current(studio)
    if request.method == "POST":
        with studio.lock:
            run = _current(studio)
            if run is None or run.state in ("done", "stopped"):
                run = BatchRun()
                studio.extras["batch"] = run
                threading.Thread(
                    target=_runner, args=(studio, run), name="loagen-studio-batch", daemon=True
                ).start()
        return studio.redirect("/batch")
    documents = studio.workspace.documents()
    waiting = [d for d in documents if d.state in ("stale", "unbuilt", "failed", "unreadable")]
    return studio.page(
        request, "batch.html", title="Rebuild all", section="batch", run=run,
        progress=run.to_json(studio) if run else None, waiting=waiting, total=len(documents),
    )  # fmt: skip


async def batch_progress(studio: Studio, request: Request) -> Response:
    run = _current(studio)
    if run is None:
        return JSONResponse({"state": "idle"})
    return JSONResponse(run.to_json(studio))
