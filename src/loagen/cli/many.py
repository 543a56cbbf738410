"""Commands over many documents: `batch`, `restate` and `impact`."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated, Any

import typer
from rich.markup import escape

from ..errors import (
    EXIT_FAILED,
    CaseError,
    exit_code_for,
)
from .common import (
    BatchPathsArg,
    JobsOpt,
    JsonOpt,
    OutputOpt,
    command,
    err,
    out,
)

PANEL = "Many documents"


# -- batch, restate, impact, diff ----------------------------------------------------------------


class _BatchProgress:
    """Shows a batch as it runs: a progress bar on a terminal, plain lines otherwise, nothing
    with --json (the summary is printed at the end). The estimate of the time left counts only
    the documents built so far, and is shown once a few are done."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None
        self.task: Any = None
        self.counts = {"built": 0, "refreshed": 0, "skipped": 0, "failed": 0}
        self.to_do = 0
        self.worked = 0
        self.started = 0.0
        self._last_refresh = 0.0

    def loading(self) -> None:
        if not self.quiet:
            err.print("[dim]batch: finding the documents and reading their manifests …[/]")

    def planned(self, total: int, to_do: int) -> None:
        self.to_do = to_do
        self.started = time.monotonic()
        if self.quiet:
            return
        err.print(f"batch: {total} document(s), {to_do} to build, {total - to_do} up to date")
        if err.is_terminal and to_do:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            # No auto-refresh thread: the worker processes are forked after this.
            self.bar = Progress(
                TextColumn("[bold]batch[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TextColumn("{task.fields[times]}"),
                console=err,
                auto_refresh=False,
                transient=False,
            )
            self.task = self.bar.add_task("batch", total=to_do, counts="", times="")
            self.bar.start()

    def _times(self) -> str:
        elapsed = time.monotonic() - self.started
        text = f"elapsed {_clock(elapsed)}"
        if self.worked >= 3 and self.worked < self.to_do:
            left = elapsed / self.worked * (self.to_do - self.worked)
            text += f", about {_clock(left)} left"
        elif self.worked < self.to_do:
            text += ", estimating the time left …"
        return text

    def finished(self, result) -> None:  # noqa: ANN001
        self.counts[result.status] += 1
        if result.status != "skipped":
            self.worked += 1
        if self.quiet:
            return
        if self.bar is not None:
            if result.status == "skipped":
                return
            c = self.counts
            self.bar.update(
                self.task,
                advance=1,
                counts=f"[green]{c['built']} built[/] [red]{c['failed']} failed[/]",
                times=self._times(),
            )
            now = time.monotonic()
            if now - self._last_refresh > 0.1 or self.worked == self.to_do:
                self.bar.refresh()
                self._last_refresh = now
        elif result.status == "built":
            err.print(f"built {result.source} -> {result.docx}", markup=False)
        elif result.status == "refreshed":
            err.print(
                f"up to date {result.source} (notes unchanged; manifest updated)", markup=False
            )
        elif result.status == "failed":
            err.print(f"failed {result.source}", markup=False)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.refresh()
            self.bar.stop()
            self.bar = None


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _print_batch_report(report, *, as_json: bool) -> None:  # noqa: ANN001
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
        return
    for result in report.results:
        if result.redline:
            out.print(f"wrote {result.redline}", markup=False)
        for warning in result.warnings:
            err.print(f"[yellow]warning:[/] {escape(f'{result.source}: {warning}')}")
    for pdf_path in report.pdfs:
        out.print(f"wrote {pdf_path}", markup=False)
    if report.failed:
        err.print(f"[bold red]{len(report.failed)} document(s) failed:[/]")
        for result in report.failed:
            err.print(f"  {result.source}", markup=False)
            for problem in result.problems:
                err.print(f"    {problem}", markup=False)
    out.print(report.summary, markup=False)


def _run_with_progress(run, *, as_json: bool):  # noqa: ANN001, ANN202
    """Run `run(events)` with a progress display (Ctrl-C and SIGTERM: see `_present`)."""
    progress = _BatchProgress(quiet=as_json)
    try:
        return run(progress)
    finally:
        progress.stop()


@command(rich_help_panel=PANEL)
def batch(
    paths: BatchPathsArg,
    output: OutputOpt = None,
    jobs: JobsOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild every document, changed or not.")
    ] = False,
    as_json: JsonOpt = False,
    redline: Annotated[
        bool,
        typer.Option(
            "--redline",
            help="Beside each rebuilt document that changed, write <name>.redline.docx with tracked changes against its previous build.",
        ),
    ] = False,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also convert the documents to PDF with LibreOffice.")
    ] = False,
) -> None:
    """Build every case document under PATHS that changed since its last build, in parallel.

    A document is rebuilt when its case files (the whole `previous` chain), its template, the
    notes it uses, the reference tables or loagen's version changed; the others are skipped.
    A broken case does not stop the others: the problems are listed at the end (exit status 1).
    """
    from ..ops.batch import run_batch

    report = _run_with_progress(
        lambda events: run_batch(
            paths, output_dir=output, jobs=jobs, force=force, redline=redline, pdf=pdf,
            events=events,
        ),
        as_json=as_json,
    )  # fmt: skip
    _print_batch_report(report, as_json=as_json)
    if report.failed:
        raise typer.Exit(EXIT_FAILED)


def _date_option(value: str | None, option: str):  # noqa: ANN202
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"expected a date written YYYY-MM-DD, got {value!r}", param_hint=option
        ) from None


@command(rich_help_panel=PANEL)
def restate(
    paths: BatchPathsArg,
    previous_offer_date: Annotated[
        str,
        typer.Option(
            "--previous-offer-date",
            help="Date the superseded version was offered to the Purchaser (YYYY-MM-DD).",
            show_default=False,
        ),
    ],
    offer_expiration_date: Annotated[
        str | None,
        typer.Option(
            "--offer-expiration-date",
            help="The restated document's new offer expiration date (YYYY-MM-DD).",
            show_default=False,
        ),
    ] = None,
    output: OutputOpt = None,
    jobs: JobsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write and build the RESTATED version of each offered document (Basic or Amendment).

    The restated case file is written beside the original (amendment-1.json ->
    amendment-1-restated.json) with `document.restated.previous_offer_date` set; its case
    description then leads with the RESTATED sentence. A Modification cannot be restated.
    """
    from ..ops.batch import BatchReport, run_batch
    from ..ops.restate import restate as restate_documents

    previous = _date_option(previous_offer_date, "--previous-offer-date")
    expires = _date_option(offer_expiration_date, "--offer-expiration-date")
    restated = restate_documents(paths, previous, expires)
    built = BatchReport()
    if restated.written:
        built = _run_with_progress(
            lambda events: run_batch(restated.written, output_dir=output, jobs=jobs, events=events),
            as_json=as_json,
        )
    if as_json:
        summary = built.to_json()
        summary["restated"] = [str(p) for p in restated.written]
        summary["refused"] = [
            {"source": str(r.source), "message": "; ".join(p.message for p in r.problems)}
            for r in restated.refused
        ]
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        for path in restated.written:
            out.print(f"restated {path}", markup=False)
        for refused in restated.refused:
            for problem in refused.problems:
                err.print(f"[bold red]cannot restate:[/] {escape(str(problem))}")
        if restated.written:
            _print_batch_report(built, as_json=False)
    if restated.refused:
        raise typer.Exit(exit_code_for(CaseError("")))
    if built.failed:
        raise typer.Exit(EXIT_FAILED)


@command(rich_help_panel=PANEL)
def impact(
    paths: BatchPathsArg,
    against: Annotated[
        str,
        typer.Option(
            "--against",
            help="The git revision to compare note_library/ and templates/ with.",
            metavar="GIT-REV",
        ),
    ] = "HEAD",
    as_json: JsonOpt = False,
) -> None:
    """Which documents an edit of the note library or templates changes, and how.

    Compares the working tree with a git revision: notes that come in or drop out (with the
    rule's reason), notes whose text changes, and documents whose template changed. Nothing is
    rendered."""
    from ..ops.impact import impact as find_impact

    report = find_impact(paths, against=against)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        lib = [
            ("added", report.notes_added),
            ("removed", report.notes_removed),
            ("edited", report.notes_edited),
        ]
        for what, ids in lib:
            if ids:
                out.print(f"notes {what} since {against}: {', '.join(ids)}", markup=False)
        if report.templates_changed:
            out.print(
                f"templates changed since {against}: {', '.join(report.templates_changed)}",
                markup=False,
            )
        for doc in report.changed:
            out.print(f"[bold]{escape(doc.document)}[/] ({escape(str(doc.source))})")
            for change in doc.notes_in:
                out.print(f"  [green]+ {escape(change.note)}[/]: {escape(change.reason)}")
            for change in doc.notes_out:
                out.print(f"  [red]- {escape(change.note)}[/]: {escape(change.reason)}")
            for change in doc.notes_changed:
                out.print(f"  [yellow]~ {escape(change.note)}[/]: {escape(change.reason)} changes")
            if doc.template:
                out.print(f"  template {doc.template} changed", markup=False)
        for failed in report.failed:
            for problem in failed.problems:
                err.print(f"[bold red]error:[/] {escape(str(problem))}")
        out.print(
            f"{len(report.changed)} of {len(report.documents)} document(s) change "
            f"({report.seconds:.2f} s)"
        )
    if report.failed:
        raise typer.Exit(EXIT_FAILED)
