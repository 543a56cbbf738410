"""Commands over many documents: `batch`, `restate` and `impact`."""

import contextlib
import json
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Self

import typer
from rich.markup import escape

from ..errors import (
    EXIT_FAILED,
    CaseError,
    LoagenError,
    OutputError,
    exit_code_for,
)
from .common import (
    BatchPathsArg,
    JobsOpt,
    JsonOpt,
    OutputOpt,
    _project,
    command,
    date_option,
    err,
    out,
)

PANEL = "Many documents"


# -- batch, restate, impact, diff ----------------------------------------------------------------


class _Pace:
    """The elapsed time and an estimate of the time left, in words: "elapsed 0:12, about 0:40
    left".

    The estimate is the pace of the documents done since the first came back, applied to those
    left. The first ones (the first few worker processes send together) are left out of the
    pace: they carry the start-up (loading, the first compilations) and arrive at once. It is
    given once a few more are done and a couple of seconds have passed; before that the words
    say the time left is being estimated."""

    MIN_DONE = 3
    """Documents done after the first ones before the time left is estimated."""
    MIN_SECONDS = 2.0
    """Seconds after the first documents came back before the time left is estimated."""
    BURST = 0.25
    """Documents that come back within this many seconds of the first count as the first."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.began = time.monotonic()
        self.first_at: float | None = None
        self.first = 0
        self.done = 0

    def advance(self, done: int) -> None:
        now = time.monotonic()
        self.done = done
        if done == 0:
            return
        if self.first_at is None:
            self.first_at = now
        if now - self.first_at <= self.BURST:
            self.first = done

    def words(self) -> str:
        now = time.monotonic()
        text = f"elapsed {_clock(now - self.began)}"
        if self.done >= self.total:
            return text
        since = now - self.first_at if self.first_at is not None else 0.0
        counted = self.done - self.first
        if counted >= self.MIN_DONE and since >= self.MIN_SECONDS:
            left = (self.total - self.done) * since / counted
            return text + f", about {_clock(left)} left"
        return text + ", estimating the time left …"


class _BatchProgress:
    """Shows a batch as it runs, on standard error: "loading" while the documents are found and
    their manifests read, then a progress bar on a terminal (plain lines otherwise, with a
    progress line every few seconds), with the elapsed time and the time left (see `_Pace`);
    nothing with --json (the summary is printed at the end, in the same words)."""

    PLAIN_EVERY = 10.0
    """Seconds between two progress lines when standard error is not a terminal."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None
        self.task: Any = None
        self.status: Any = None
        self.counts = {"built": 0, "refreshed": 0, "skipped": 0, "failed": 0}
        self.to_do = 0
        self.worked = 0
        self.pace = _Pace(0)
        self._last_refresh = 0.0
        self._last_line = time.monotonic()

    def loading(self) -> None:
        self.pace = _Pace(0)
        if self.quiet:
            return
        words = "batch: loading (finding the documents and reading their manifests) …"
        if err.is_terminal:
            self.status = err.status(words)
            self.status.start()
        else:
            err.print(words, markup=False)

    def planned(self, total: int, to_do: int) -> None:
        self.to_do = to_do
        self.pace.total = to_do
        if self.status is not None:
            self.status.stop()  # before any worker process is forked
            self.status = None
        if self.quiet:
            return
        up_to_date = total - to_do
        err.print(
            f"batch: {total} document{'s' if total != 1 else ''}, {to_do} to build or check, "
            f"{up_to_date} up to date (skipped)",
            markup=False,
        )
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
                transient=True,
            )
            self.task = self.bar.add_task(
                "batch", total=to_do, counts="", times="loading the notes and templates …"
            )
            self.bar.start()
            self.bar.refresh()

    def started(self) -> None:
        if self.bar is not None:
            self.bar.update(self.task, times="building …")
            self.bar.refresh()

    def finished(self, result) -> None:  # noqa: ANN001
        self.counts[result.status] += 1
        if result.status == "skipped":
            return
        self.worked += 1
        self.pace.advance(self.worked)
        if self.quiet:
            return
        c = self.counts
        if self.bar is not None:
            self.bar.update(
                self.task,
                advance=1,
                counts=f"[green]{c['built']} built[/] {c['refreshed']} refreshed "
                f"[red]{c['failed']} failed[/]",
                times=self.pace.words(),
            )
            now = time.monotonic()
            if now - self._last_refresh > 0.1 or self.worked == self.to_do:
                self.bar.refresh()
                self._last_refresh = now
            return
        if result.status == "built":
            why = " (its DOCX was changed since it was built)" if result.docx_changed else ""
            if result.kept:
                why = f" (its DOCX was changed since it was built: kept as {result.kept})"
            if result.as_built:
                why += (
                    " (already answered: a later document follows it; the file it replaced "
                    f"kept as {result.as_built})"
                )
            err.print(f"built {result.source} -> {result.docx}{why}", markup=False)
        elif result.status == "refreshed":
            err.print(f"refreshed {result.source} (unchanged; manifest updated)", markup=False)
        elif result.status == "failed":
            err.print(f"failed {result.source}", markup=False)
        now = time.monotonic()
        if now - self._last_line >= self.PLAIN_EVERY and self.worked < self.to_do:
            self._last_line = now
            err.print(
                f"batch: {self.worked} of {self.to_do} done ({c['built']} built, "
                f"{c['refreshed']} refreshed, {c['failed']} failed), {self.pace.words()}",
                markup=False,
            )

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60}:{rest % 60:02d}"


def _print_batch_report(report, *, as_json: bool) -> None:  # noqa: ANN001
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
        return
    for result in report.results:
        if result.redline:
            out.print(f"wrote {result.redline}", markup=False)
        for path in result.removed:
            what = "PDF" if path.suffix.lower() == ".pdf" else "redline"
            again = "--pdf" if what == "PDF" else "--redline"
            out.print(
                f"removed {path} (out of date: {result.docx} was rebuilt; the batch with "
                f"{again} makes a new one)",
                markup=False,
            )
        for warning in result.warnings:
            err.print(f"[yellow]warning:[/] {escape(f'{result.source}: {warning}')}")
    for pdf_path in report.pdfs:
        out.print(f"wrote {pdf_path}", markup=False)
    if report.as_built:
        n = len(report.as_built)
        err.print(
            f"[yellow]warning:[/] {n} rebuilt document{'s' if n != 1 else ''} "
            f"{'was' if n == 1 else 'were'} already answered (a later document of the case "
            "follows): their text changed from what was signed. What each said as built is "
            "kept beside it as <document>.as-built-<date>.docx. To change the wording for new "
            "documents only, add a new version of the note with the date it takes effect."
        )
    if report.failed:
        err.print(f"[bold red]{len(report.failed)} document(s) failed:[/]")
        # a problem shared by many documents (a template error stops every document of its
        # kind) is said once, with how many documents it stops
        by_problem: dict[str, list[str]] = {}
        for result in report.failed:
            for problem in result.problems or ():
                text = str(problem).replace(f"{result.source}: ", "")
                by_problem.setdefault(text, []).append(str(result.source))
            if not result.problems:
                err.print(f"  {result.source}", markup=False)
        for text, sources in by_problem.items():
            if len(sources) == 1:
                err.print(f"  {sources[0]}", markup=False)
                err.print(f"    {text}", markup=False)
                continue
            listed = ", ".join(sources[:3]) + (
                f" and {len(sources) - 3} more" if len(sources) > 3 else ""
            )
            err.print(f"  {len(sources)} documents ({listed}):", markup=False)
            err.print(f"    {text}", markup=False)
            if "cannot render" in text or ".docx" in text:
                err.print(
                    "    (a template problem: `loagen templates --check` says where it is in "
                    "the template, and what was meant)",
                    markup=False,
                )
    out.print(report.summary, markup=False)


@contextlib.contextmanager
def _json_on_error(as_json: bool):  # noqa: ANN202
    """With --json, an error that stops the whole command (a note library that does not load,
    no project) is also printed on standard output as JSON: {"ok": false, "error", "exit_code",
    "problems"}, so that a program reading the output learns what stopped it (the error is then
    presented as always: on standard error, with its exit status)."""
    try:
        yield
    except LoagenError as exc:
        if as_json:
            failure = {
                "ok": False,
                "error": exc.message,
                "exit_code": exc.exit_code,
                "problems": [p.to_dict() for p in exc.problems],
            }
            sys.stdout.write(json.dumps(failure, indent=2) + "\n")
        raise


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
        bool,
        typer.Option(
            "--pdf",
            help="Also lay the documents out with LibreOffice into PDFs (those out of date), "
            "and store the number of pages of that layout in each DOCX instead of loagen's "
            "estimate.",
        ),
    ] = False,
) -> None:
    """Build every case document under PATHS that changed since its last build, in parallel.

    A document is rebuilt when its case files (the whole `previous` chain), its template, the
    notes it uses, the reference tables or loagen's version changed; the others are skipped.
    A broken case does not stop the others: the problems are listed at the end (exit status 1).
    """
    from ..ops.batch import BatchInterrupted, run_batch

    try:
        with _json_on_error(as_json):
            project = _project()
            report = _run_with_progress(
                lambda events: run_batch(
                    paths, output_dir=output, jobs=jobs, force=force, redline=redline, pdf=pdf,
                    events=events, project=project,
                ),
                as_json=as_json,
            )  # fmt: skip
    except BatchInterrupted as stopped:
        # what was done is said (every document written), then the stop as for any command
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C cannot cut this short
        _print_batch_report(stopped.report, as_json=as_json)
        raise KeyboardInterrupt from None
    _print_batch_report(report, as_json=as_json)
    if report.failed:
        raise typer.Exit(EXIT_FAILED)


@command(rich_help_panel=PANEL)
def restate(
    paths: BatchPathsArg,
    previous_offer_date: Annotated[
        str,
        typer.Option(
            "--previous-offer-date",
            metavar="DATE",
            help="Date the superseded version was offered to the Purchaser (YYYY-MM-DD).",
            show_default=False,
        ),
    ],
    offer_expiration_date: Annotated[
        str | None,
        typer.Option(
            "--offer-expiration-date",
            metavar="DATE",
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
    description then leads with the RESTATED sentence. A Modification cannot be restated. A
    restated file is not restated a second time: to offer it again when its own offer expired,
    restate it with the previous offer date it records and a new offer expiration date.
    """
    from ..ops.batch import BatchReport, run_batch
    from ..ops.restate import restate as restate_documents

    previous = date_option(previous_offer_date, "--previous-offer-date")
    expires = date_option(offer_expiration_date, "--offer-expiration-date")
    restated = restate_documents(paths, previous, expires)
    built = BatchReport()
    if restated.written:
        project = _project()
        built = _run_with_progress(
            lambda events: run_batch(
                restated.written, output_dir=output, jobs=jobs, events=events, project=project
            ),
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
    render: Annotated[
        Path | None,
        typer.Option(
            "--render",
            help="Render each document that changes into this scratch folder, with a "
            "<name>.redline.docx of tracked changes against the GIT-REV version beside it "
            "(never build/).",
            metavar="DIR",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Which documents an edit of the note library or templates changes, and how.

    Compares the working tree with a git revision: notes that come in or drop out (with the
    rule's reason), notes whose wording changes (what the text was and is now), and documents
    whose template changed (rendered with it, so a template that no longer renders is an
    error). With --render, the changed documents and their redlines are written to a scratch
    folder; build/ and the manifests are never touched. Exits 1 when a document cannot be
    compared or rendered, 6 when a preview or redline cannot be written (the others are)."""
    from ..ops.impact import impact as find_impact

    project = _project()
    with _RenderProgress(quiet=as_json) as progress:
        report = find_impact(
            paths, against=against, render_to=render, progress=progress, project=project
        )
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        _print_impact(report, against)
    if report.unwritten:  # output that cannot be written, said last, after the rest was done
        if not as_json:
            for problem in report.unwritten:
                err.print(f"[bold red]error:[/] {escape(problem)}")
        raise typer.Exit(exit_code_for(OutputError("")))
    if report.failed:
        raise typer.Exit(EXIT_FAILED)


class _RenderProgress:
    """Shows the rendering of an impact preview (a redline takes seconds a document): a bar
    on a terminal, nothing otherwise or with --json."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet or not err.is_terminal
        self.bar: Any = None
        self.task: Any = None
        self.pace = _Pace(0)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.pace = _Pace(total)
            self.bar = Progress(
                TextColumn("[bold]impact[/] rendering"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[times]}"),
                console=err,
                transient=True,
            )
            self.task = self.bar.add_task("render", total=total, times="")
            self.bar.start()
        self.pace.advance(done)
        self.bar.update(self.task, completed=done, times=self.pace.words())
        self.bar.refresh()


def _print_impact(report, against: str) -> None:  # noqa: ANN001
    lib = [
        ("added", report.notes_added),
        ("removed", report.notes_removed),
        ("edited", report.notes_edited),
    ]
    from ..rendering.redline import printed_text

    for what, ids in lib:
        if ids:
            out.print(f"notes {what} since {against}: {', '.join(ids)}", markup=False)
    if report.notes_renamed:
        renamed = ", ".join(f"{o} -> {n}" for o, n in report.notes_renamed.items())
        out.print(f"notes renamed since {against}: {renamed}", markup=False)
    if report.templates_changed:
        out.print(
            f"templates changed since {against}: {', '.join(report.templates_changed)}",
            markup=False,
        )
    if report.terms_changed:
        out.print(
            f"Standard Terms and Conditions changed since {against} (templates/standard_terms.md"
            "; printed on FMS documents only)",
            markup=False,
        )
    shown: dict[tuple, str] = {}
    broken = {f.source for f in report.failed if f.stage == "render"}
    for doc in report.changed:
        answered = " [dim](answered: a later document follows it)[/]" if doc.answered else ""
        out.print(f"\n[bold]{escape(doc.document)}[/] ({escape(str(doc.source))}){answered}")
        for change in doc.notes_in:
            out.print(
                f"  [green]+ {escape(change.note)}[/]{_titled(change)}: {escape(change.reason)}"
            )
        for change in doc.notes_out:
            out.print(
                f"  [red]- {escape(change.note)}[/]{_titled(change)}: {escape(change.reason)}"
            )
        for change in doc.notes_changed:
            out.print(
                f"  [yellow]~ {escape(change.note)}[/]{_titled(change)}: {escape(change.reason)}"
            )
            if not change.wording:
                continue
            same = tuple((c.old, c.new) for c in change.wording)
            if same in shown:
                out.print(f"      [dim](the same wording change as on {escape(shown[same])})[/]")
                continue
            shown[same] = doc.document
            _print_wording(change.wording)
        if doc.template and doc.printed:
            what = _template_words(report, doc.template)
            out.print(f"  {what}: printed text outside the notes changes", markup=False)
            same = tuple((c.change.old, c.change.new) for c in doc.printed)
            if same in shown:
                out.print(f"      [dim](the same change as on {escape(shown[same])})[/]")
            else:
                shown[same] = doc.document
                for line in printed_text(doc.printed):
                    out.print(f"  {line}", markup=False)
        if doc.source in broken:
            out.print("  [bold red]does not render[/] with the working tree's notes and templates")
        if doc.rendered:
            out.print(f"  rendered: {doc.rendered}", markup=False)
        if doc.redline:
            out.print(f"  redline:  {doc.redline}", markup=False)
        for warning in doc.warnings:
            err.print(f"[yellow]warning:[/] {escape(f'{doc.document}: {warning}')}")
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    answered = sum(d.answered for d in report.changed)
    if answered:
        err.print(
            f"[yellow]warning:[/] {answered} of the documents that change "
            f"{'is' if answered == 1 else 'are'} already answered (a later document of the case "
            "follows): what was signed does not change, and rebuilding them prints the new "
            f"wording in place of what they said. {_answered_advice(report)}"
        )
    _print_impact_failures(report.failed)
    total = len(report.documents) + sum(f.stage == "load" for f in report.failed)
    out.print(
        f"\n{len(report.changed)} of {total} document(s) change"
        + (f", {len(report.failed)} cannot be compared or rendered" if report.failed else "")
        + f" ({report.seconds:.2f} s)"
        + (f"; previews in {report.render_to}" if report.render_to and report.changed else ""),
        markup=False,
    )


WORDING_SHOWN = 4
"""Changed paragraphs of one note the text report shows (the JSON has them all)."""


def _template_words(report, template: str) -> str:  # noqa: ANN001
    """What changed in what a document is rendered from: its template, the Standard Terms."""
    parts = []
    if template in report.templates_changed:
        parts.append(f"template {template} changed")
    if report.terms_changed:
        parts.append("Standard Terms changed")
    return "; ".join(parts) or f"template {template} changed"


def _answered_advice(report) -> str:  # noqa: ANN001
    """What to do about answered documents an edit changes, for the edit made."""
    advice = []
    if report.notes_edited or report.notes_added or report.notes_renamed:
        advice.append(
            "To change a note's wording for new documents only, add a new version of the note "
            "with the date it takes effect."
        )
    if report.notes_removed:
        advice.append(
            "To stop printing a note on new documents only, keep its file and give its last "
            "version an `until` date instead of deleting it."
        )
    if report.templates_changed or report.terms_changed:
        advice.append(
            "Templates and the Standard Terms have no dated versions: rebuild an answered "
            "document only to correct it."
        )
    return " ".join(advice)


def _titled(change) -> str:  # noqa: ANN001
    return f' [dim]"{escape(change.title)}"[/]' if change.title else ""


def _print_wording(wording) -> None:  # noqa: ANN001
    for change in wording[:WORDING_SHOWN]:
        if change.kind == "added":
            out.print(f"      [green]new paragraph:[/] {escape(change.new)}")
        elif change.kind == "removed":
            out.print(f"      [red]paragraph gone:[/] {escape(change.old)}")
        else:
            was, now = change.was_now()
            out.print(f"      [red]was:[/] {escape(was)}")
            out.print(f"      [green]now:[/] {escape(now)}")
    if len(wording) > WORDING_SHOWN:
        more = len(wording) - WORDING_SHOWN
        out.print(
            f"      [dim](and {more} more paragraph{'s' if more != 1 else ''}: see --json)[/]"
        )


def _print_impact_failures(failed) -> None:  # noqa: ANN001
    """Each problem once, with the documents it stops (a broken template stops them all)."""
    by_problem: dict[tuple[str, str], list[str]] = {}
    for failure in failed:
        name = failure.document or str(failure.source)
        for problem in failure.problems:
            stage = "does not render" if failure.stage == "render" else "cannot be compared"
            # the same problem on every document it stops: said once
            text = str(problem).replace(f" on {failure.source}", "")
            by_problem.setdefault((stage, text), []).append(name)
    for (stage, problem), names in by_problem.items():
        listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        count = f"{len(names)} documents" if len(names) > 1 else "1 document"
        if len(names) > 1:
            stage = stage.replace("does not", "do not")
        err.print(f"[bold red]error:[/] {escape(count)} {stage} ({escape(listed)}):")
        err.print(f"  {escape(problem)}")
