"""The `loagen` command line: turns loagen's errors into messages and exit codes; the only place that prints."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from . import __version__
from .errors import CaseError, HistoryError, LoagenError

app = typer.Typer(
    name="loagen",
    help=(
        "Build U.S. Foreign Military Sales Letters of Offer and Acceptance (LOA) as Word documents "
        "from case files: the Basic LOA, its Amendments and its Modifications, with the standard "
        "notes the case calls for and the SAMM Appendix 9 quality checks."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(error: LoagenError) -> None:
    """Print a loagen error (every problem it carries) and exit with its code."""
    err.print(f"[bold red]error:[/] {escape(str(error))}")
    raise typer.Exit(error.exit_code)


def _version(value: bool) -> None:
    if value:
        out.print(f"loagen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show loagen's version and exit."
        ),
    ] = False,
) -> None:
    pass


PathsArg = Annotated[
    list[Path],
    typer.Argument(help="Case files (JSON or YAML), one per document version.", show_default=False),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Folder for the DOCX and manifest files (default: build/ in the project).",
        show_default=False,
    ),
]


# -- build ---------------------------------------------------------------------------------------


@app.command()
def build(
    paths: PathsArg,
    output: OutputOpt = None,
    allow_errors: Annotated[
        bool,
        typer.Option(
            "--allow-errors",
            help="Write the document even when quality checks find errors; it is marked DRAFT.",
        ),
    ] = False,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also convert each DOCX to PDF with LibreOffice.")
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Treat quality check warnings as errors."),
    ] = False,
) -> None:
    """Build the LOA document (Basic, Amendment or Modification) of each case file.

    Writes <case_id>-<document>.docx (e.g. BN-D-QAA-amendment-1.docx) and a .manifest.json
    beside it recording the inputs, template, notes selected and totals. Quality checks run
    first: errors stop the build and leave earlier output as it was.
    """
    from .build import Builder, Project

    try:
        project = Project.discover()
        builder = Builder(project)
        target = output or project.build_dir
        failed = 0
        results = []
        for path in paths:
            try:
                result = builder.build(path, target, allow_errors=allow_errors, strict=strict)
            except LoagenError as exc:
                failed += 1
                err.print(f"[bold red]error:[/] {escape(str(exc))}")
                continue
            results.append(result)
            for finding in result.findings:
                err.print(f"[yellow]{finding.severity}:[/] {escape(f'{path}: {finding}')}")
            mark = " [bold yellow](DRAFT)[/]" if result.draft else ""
            out.print(f"wrote {escape(str(result.docx_path))}{mark}")
        if pdf and results:
            from .pdf import convert_to_pdf

            for pdf_path in convert_to_pdf([r.docx_path for r in results]):
                out.print(f"wrote {escape(str(pdf_path))}")
    except LoagenError as exc:
        fail(exc)
    if failed:
        raise typer.Exit(1)


# -- schema --------------------------------------------------------------------------------------


@app.command()
def schema() -> None:
    """Print the JSON Schema of a case file, for editors that validate and complete case files."""
    from .case import case_schema

    sys.stdout.write(json.dumps(case_schema(), indent=2) + "\n")


# -- notes and explain (note library) ------------------------------------------------------------


def _project_cases(project) -> list[Path]:  # noqa: ANN001
    """The case files under the project's cases/ folder (as `loagen batch` finds them)."""
    from .batch import find_case_files

    folder = project.root / "cases"
    return find_case_files([folder]) if folder.is_dir() else []


def _library_checked_on_cases(project, library) -> list[str]:  # noqa: ANN001
    """Run every rule and fill every placeholder on the project's case files; the note errors."""
    from .document import load_document
    from .selection import select_notes

    problems = []
    for path in _project_cases(project):
        try:
            document = load_document(path)
        except LoagenError:
            continue  # a broken case file is the case writer's problem, not the library's
        try:
            select_notes(document, library)
        except LoagenError as exc:
            problems.append(str(exc))
    return problems


@app.command()
def notes(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Check the whole library (front matter, rules, placeholders, duplicate ids and "
            "order keys, and a dry run on the project's cases); exit 1 listing every problem.",
        ),
    ] = False,
) -> None:
    """List the note library: each note's id, title, programs, placement and rule."""
    from rich.table import Table

    from .build import Project
    from .notes import load_library

    try:
        project = Project.discover()
        library = load_library(project.note_library)
    except LoagenError as exc:
        fail(exc)
    if check:
        problems = _library_checked_on_cases(project, library)
        if problems:
            n = len(problems)
            err.print(
                f"[bold red]error:[/] {n} note problem{'s' if n != 1 else ''} on the project's cases"
            )
            for text in problems:
                err.print(f"  {escape(text)}")
            raise typer.Exit(1)
        out.print(f"{project.note_library}: {len(library)} notes, no problems")
        return
    rows = [
        (
            note.id,
            note.title,
            ", ".join(note.programs),
            f"{note.placement} §{note.section}" if note.placement == "notes" else note.placement,
            note.carry_over,
            " ".join(note.rule.split()),
        )
        for note in library
    ]
    if not out.is_terminal:  # piped or redirected: one tab-separated line a note
        sys.stdout.write("id\ttitle\tprograms\tplacement\tcarry-over\trule\n")
        sys.stdout.writelines("\t".join(row) + "\n" for row in rows)
        return
    table = Table(title=f"{project.note_library} ({len(library)} notes)", show_lines=False)
    table.add_column("id", no_wrap=True)
    for column in ("title", "programs", "placement", "carry-over", "rule"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    out.print(table)


@app.command()
def explain(
    path: Annotated[Path, typer.Argument(help="A case file (JSON or YAML).", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the decisions as JSON.")] = False,
) -> None:
    """Say, for every note in the library, whether this document carries it and why: the rule,
    the value of each part of it, and the lines it names."""
    import dataclasses

    from .build import Project
    from .document import load_document
    from .notes import load_library
    from .selection import select_notes
    from .wording import document_title, line_refs

    try:
        project = Project.discover()
        library = load_library(project.note_library)
        document = load_document(path)
        selection = select_notes(document, library)
    except LoagenError as exc:
        fail(exc)
    case = document.case
    if as_json:
        data = {
            "case": case.case_id,
            "document": document_title(case),
            "library_digest": library.digest,
            "decisions": [dataclasses.asdict(d) for d in selection.decisions],
        }
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        return
    carried = [d for d in selection.decisions if d.included]
    out.print(
        f"[bold]{case.case_id} {document_title(case)}[/] ({case.program}): "
        f"{len(carried)} of {len(selection.decisions)} notes carried"
    )
    for heading, group in (
        ("Carried", carried),
        ("Not carried", [d for d in selection.decisions if not d.included]),
    ):
        out.print(f"\n[bold underline]{heading} ({len(group)})[/]")
        for d in group:
            mark = "[green]IN [/]" if d.included else "[dim]OUT[/]"
            on = f"  [cyan]{line_refs(d.lines)}[/]" if d.lines else ""
            title = re.sub(r"\{\{.*?\}\}", "nnn", d.title)  # "Line Item nnn Description"
            out.print(f"{mark} [bold]{d.note_id}[/] {escape(title)}{on}")
            out.print(f"    {escape(d.reason)}")
            out.print(f"    rule: [italic]{escape(d.rule)}[/]")
            for term in d.terms:
                style = (
                    "green" if term.evaluated and term.value else "red" if term.evaluated else "dim"
                )
                out.print(f"      [{style}]{escape(term.text)} → {escape(term.shown)}[/]")


# -- templates -------------------------------------------------------------------------------------


@app.command()
def templates(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Compile every template, look for variables loagen does not provide, and render "
            "every case of the project without writing anything; exit 1 listing every problem.",
        ),
    ] = False,
) -> None:
    """List the Word templates and the variables each one uses (for policy staff editing them)."""
    from .build import Builder, Project

    try:
        project = Project.discover()
        builder = Builder(project)
        compiled = builder.renderer.all_templates()
    except LoagenError as exc:
        fail(exc)
    problems: list[str] = []
    for kind, template in compiled.items():
        used = sorted(template.variables(builder.renderer.env))
        out.print(f"[bold]{kind}[/]: {escape(str(template.path))} ({template.sha256[:12]})")
        out.print(f"  uses: {escape(', '.join(used))}")
        for name, hint in builder.renderer.unknown_variables(template).items():
            problems.append(f"{template.path}: unknown variable {name!r}{hint}")
    if not check:
        return
    rendered = 0
    for path in _project_cases(project):
        try:
            prepared = builder.prepare(path)
        except (CaseError, HistoryError):
            continue  # a broken case file is the case writer's problem, not the template's
        except LoagenError as exc:
            problems.append(f"{path}: {exc}")
            continue
        try:
            builder.render(prepared, draft=False)
            rendered += 1
        except LoagenError as exc:
            problems.append(f"{path}: {exc}")
    if problems:
        err.print(f"[bold red]error:[/] {len(problems)} template problem(s)")
        for text in problems:
            err.print(f"  {escape(text)}")
        raise typer.Exit(1)
    out.print(
        f"{len(compiled)} templates compiled; {rendered} case document(s) rendered, no problems"
    )


# -- check (quality control) ---------------------------------------------------------------------

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}


def _checked(builder, path: Path):  # noqa: ANN001, ANN202
    """(document, selection or None, findings, why notes were not checked) for one case file.

    Notes come from the build pipeline; when the note library cannot be used (or its notes
    cannot be filled for this case) the checks that read notes are skipped, the rest still run.
    """
    from .checks import run_checks
    from .document import load_document
    from .errors import NoteError

    if builder is not None:
        try:
            prepared = builder.prepare(path)
            return prepared.document, prepared.selection, prepared.findings, ""
        except NoteError as exc:
            why = f"notes not checked: {exc}"
    else:
        why = "notes not checked: the note library could not be loaded"
    document = load_document(path)
    return document, None, run_checks(document, None), why


def _print_rules(as_json: bool) -> None:
    from .checks import list_rules

    rules = list_rules()
    if as_json:
        sys.stdout.write(json.dumps([r.to_dict() for r in rules], indent=2) + "\n")
        return
    width = max(len(r.id) for r in rules)
    for r in rules:
        style = _SEVERITY_STYLE[r.severity]
        out.print(
            f"{escape(r.id):<{width}}  [{style}]{r.severity:<7}[/]  {escape(r.title)} "
            f"[dim]({escape(r.reference)})[/]"
        )


@app.command()
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Case files (JSON or YAML) to check.", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    list_rules: Annotated[
        bool, typer.Option("--list", help="List every rule: id, severity, title, SAMM reference.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on warnings too, not only on errors.")
    ] = False,
) -> None:
    """Run the SAMM Appendix 9 quality checks on each case file and report the findings.

    Each finding names its rule, the field of the case file (e.g. lines[2].source_code) and the
    SAMM reference. Exits 1 when any file has an error (with --strict, any finding) or does not
    load, 0 otherwise.
    """
    from .build import Builder, Project

    if list_rules:
        _print_rules(as_json)
        return
    if not paths:
        err.print("[bold red]error:[/] give one or more case files to check, or --list")
        raise typer.Exit(2)
    try:
        builder = Builder(Project.discover())
    except LoagenError as exc:
        builder = None
        err.print(f"[dim]notes not checked: {escape(str(exc))}[/]")
    failed = False
    report = []
    told: set[str] = set()
    for path in paths:
        try:
            document, selection, findings, notes_skipped = _checked(builder, path)
        except LoagenError as exc:
            failed = True
            report.append(
                {
                    "path": str(path),
                    "loaded": False,
                    "error": exc.message,
                    "problems": [p.to_dict() for p in exc.problems],
                }
            )
            if not as_json:
                err.print(f"[bold red]error:[/] {escape(str(exc))}")
            continue
        errors = sum(f.severity == "error" for f in findings)
        warnings = len(findings) - errors
        failed = failed or errors > 0 or (strict and bool(findings))
        report.append(
            {
                "path": str(path),
                "loaded": True,
                "document": document.output_stem,
                "notes_checked": selection is not None,
                "errors": errors,
                "warnings": warnings,
                "findings": [f.to_dict() for f in findings],
            }
        )
        if as_json:
            continue
        counts = (
            f"{errors} error{'s' if errors != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}"
        )
        mark = "[bold red]✗[/]" if errors else ("[yellow]![/]" if warnings else "[green]✓[/]")
        out.print(f"{mark} {escape(str(path))}: {counts if findings else 'no findings'}")
        for f in findings:
            where = f" {escape(f.path)}" if f.path else ""
            out.print(
                f"  [{_SEVERITY_STYLE[f.severity]}]{f.severity:<7}[/] [bold]{f.rule_id}[/]{where}: "
                f"{escape(f.message)} [dim]({escape(f.reference)})[/]"
            )
        if notes_skipped and notes_skipped not in told:
            told.add(notes_skipped)
            err.print(f"[dim]{escape(notes_skipped)}[/]")
    if as_json:
        sys.stdout.write(json.dumps({"documents": report, "ok": not failed}, indent=2) + "\n")
    if failed:
        raise typer.Exit(1)


# -- batch, restate, impact, diff ----------------------------------------------------------------


class _BatchProgress:
    """Shows a batch as it runs: a rich progress bar on a terminal, plain lines otherwise,
    nothing with --json (the summary is printed at the end)."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.bar = None
        self.task = None
        self.counts = {"built": 0, "refreshed": 0, "skipped": 0, "failed": 0}
        self._last_refresh = 0.0

    def planned(self, total: int, to_do: int) -> None:
        if self.quiet:
            return
        if err.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            # No auto-refresh thread: the worker processes are forked after this.
            self.bar = Progress(
                TextColumn("[bold]batch[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=err,
                auto_refresh=False,
                transient=False,
            )
            self.task = self.bar.add_task("batch", total=total, counts="", rate="")
            self.bar.start()
        else:
            err.print(f"{total} document(s): {to_do} to build, {total - to_do} up to date")

    def finished(self, result) -> None:  # noqa: ANN001
        import time

        self.counts[result.status] += 1
        if self.quiet:
            return
        if self.bar is not None:
            c = self.counts
            elapsed = self.bar.tasks[0].elapsed or 0.0
            done = c["built"] + c["refreshed"]
            self.bar.update(
                self.task,
                advance=1,
                counts=f"[green]{done} built[/] [red]{c['failed']} failed[/] {c['skipped']} skipped",
                rate=f"{done / elapsed:.1f} docs/s" if elapsed > 0 and done else "",
            )
            now = time.monotonic()
            if now - self._last_refresh > 0.1:
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
    out.print(
        f"{len(report.built)} built, {len(report.refreshed)} unchanged after the library edit, "
        f"{len(report.skipped)} up to date, {len(report.failed)} failed "
        f"in {report.seconds:.2f} s"
    )


def _on_sigterm(signum, frame) -> None:  # noqa: ANN001
    raise KeyboardInterrupt


def _run_with_progress(run, *, as_json: bool):  # noqa: ANN001, ANN202
    """Run `run(events)` with a progress display; Ctrl-C or SIGTERM stop it cleanly."""
    import signal

    progress = _BatchProgress(quiet=as_json)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return run(progress)
    except KeyboardInterrupt:
        progress.stop()
        err.print(
            "[bold red]interrupted:[/] every file written is complete; run the same command "
            "again to build the rest"
        )
        raise typer.Exit(130) from None
    finally:
        progress.stop()
        signal.signal(signal.SIGTERM, previous)


JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        help="Worker processes (default: the number of CPUs).",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print a machine-readable summary (JSON) instead.")
]
BatchPathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Case files, or folders of them (one folder a case, one file a document version).",
        show_default=False,
    ),
]


@app.command()
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
    from .batch import run_batch

    try:
        report = _run_with_progress(
            lambda events: run_batch(
                paths, output_dir=output, jobs=jobs, force=force, redline=redline, pdf=pdf,
                events=events,
            ),
            as_json=as_json,
        )  # fmt: skip
    except LoagenError as exc:
        fail(exc)
    _print_batch_report(report, as_json=as_json)
    if report.failed:
        raise typer.Exit(1)


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


@app.command()
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
    from .restate import restate as restate_documents

    previous = _date_option(previous_offer_date, "--previous-offer-date")
    expires = _date_option(offer_expiration_date, "--offer-expiration-date")
    try:
        report = _run_with_progress(
            lambda events: restate_documents(
                paths, previous, expires, output_dir=output, jobs=jobs, events=events
            ),
            as_json=as_json,
        )
    except LoagenError as exc:
        fail(exc)
    if as_json:
        summary = report.batch.to_json()
        summary["restated"] = [str(p) for p in report.written]
        summary["refused"] = [
            {"source": str(r.source), "message": "; ".join(p.message for p in r.problems)}
            for r in report.refused
        ]
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        for path in report.written:
            out.print(f"restated {path}", markup=False)
        for refused in report.refused:
            for problem in refused.problems:
                err.print(f"[bold red]cannot restate:[/] {escape(str(problem))}")
        if report.written:
            _print_batch_report(report.batch, as_json=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
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
    """Which documents change, and how, with the note library and templates of the working tree
    against those at a git revision: notes that come in or drop out (with the rule's reason),
    notes whose text changes, and documents whose template changed. Nothing is rendered."""
    from .impact import impact as find_impact

    try:
        report = find_impact(paths, against=against)
    except LoagenError as exc:
        fail(exc)
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
                out.print(f"notes {what} since {against}: {', '.join(ids)}")
        if report.templates_changed:
            out.print(f"templates changed since {against}: {', '.join(report.templates_changed)}")
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
        raise typer.Exit(1)


@app.command()
def diff(
    old: Annotated[
        Path,
        typer.Argument(
            help="The earlier version: a case file or a built .docx.", show_default=False
        ),
    ],
    new: Annotated[
        Path,
        typer.Argument(help="The later version: a case file or a built .docx.", show_default=False),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Also write a DOCX of NEW with tracked changes against OLD.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed between two versions of a document: lines added and deleted, quantities,
    values, months, notes in, out or changed, and totals; with --output, a redline DOCX."""
    from .diff import diff_paths, write_redline

    try:
        result = diff_paths(old, new)
        if output is not None:
            write_redline(old, new, output)
    except LoagenError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        out.print(result.to_text(), markup=False)
    if output is not None:
        (err if as_json else out).print(f"wrote {output}")


def main() -> None:
    app()
