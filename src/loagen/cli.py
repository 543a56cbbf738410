"""The `loagen` command line: the only place that prints or exits.

Every command goes through `Pipeline` (or an operation in `ops`, which goes through it); every
loagen error is printed by `_present` with the exit code of `errors.EXIT_CODES`.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from . import __version__
from .errors import (
    EXIT_FAILED,
    EXIT_USAGE,
    CaseError,
    Interrupted,
    LoagenError,
    NoteError,
    exit_code_for,
)

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


def _print_error(error: LoagenError) -> None:
    err.print(f"[bold red]error:[/] {escape(str(error))}")


def _present(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command: a loagen error is printed (every problem it carries) and the process
    exits with its code; Ctrl-C exits 130 with a word on what was written."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            return fn(*args, **kwargs)
        except LoagenError as exc:
            _print_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C cannot cut this short
            err.print(
                "[bold red]interrupted:[/] every file written is complete; run the same command "
                "again to finish"
            )
            sys.stdout.flush()
            sys.stderr.flush()
            # The work is stopped and cleaned up (workers ended, temporary files removed):
            # leave now, with the interrupted status, whatever else is still pending.
            os._exit(exit_code_for(Interrupted("")))

    return run


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`@app.command()` for a function whose errors `_present` prints."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        return app.command(*args, **kwargs)(_present(fn))

    return register


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


def _pipeline():  # noqa: ANN202
    # Imported when a command runs: `loagen --help` and `loagen schema` stay quick.
    from .pipeline import Pipeline

    return Pipeline.discover()


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
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print a machine-readable summary (JSON) instead.")
]


# -- build ---------------------------------------------------------------------------------------


@command()
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
    from .output.pdf import convert_to_pdf, find_soffice

    pipeline = _pipeline()
    target = output or pipeline.project.build_dir
    if pdf:
        find_soffice()  # before building, not after
    first_failure = 0
    results = []
    for path in paths:
        try:
            result = pipeline.build(path, target, allow_errors=allow_errors, strict=strict)
        except LoagenError as exc:
            first_failure = first_failure or exc.exit_code
            _print_error(exc)
            continue
        results.append(result)
        for finding in result.findings:
            err.print(f"[yellow]{finding.severity}:[/] {escape(f'{path}: {finding}')}")
        mark = " [bold yellow](DRAFT)[/]" if result.draft else ""
        out.print(f"wrote {escape(str(result.docx_path))}{mark}")
    if pdf and results:
        for pdf_path in convert_to_pdf([r.docx_path for r in results]):
            out.print(f"wrote {escape(str(pdf_path))}")
    if first_failure:
        raise typer.Exit(first_failure)


# -- schema --------------------------------------------------------------------------------------


@command()
def schema() -> None:
    """Print the JSON Schema of a case file, for editors that validate and complete case files."""
    from .case.model import case_schema

    sys.stdout.write(json.dumps(case_schema(), indent=2) + "\n")


# -- notes and explain (note library) ------------------------------------------------------------


def _library_checked_on_cases(pipeline) -> list[str]:  # noqa: ANN001
    """Run every rule and fill every placeholder on the project's case files; the note errors."""
    problems = []
    for path in pipeline.project.case_files():
        try:
            document = pipeline.document(path)
        except CaseError:
            continue  # a broken case file is the case writer's problem, not the library's
        try:
            pipeline.select(document)
        except LoagenError as exc:
            problems.append(str(exc))
    return problems


@command()
def notes(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Check the whole library (front matter, rules, placeholders, duplicate ids and "
            "order keys, and a dry run on the project's cases); exit 4 listing every problem.",
        ),
    ] = False,
) -> None:
    """List the note library: each note's id, title, programs, placement and rule."""
    from rich.table import Table

    pipeline = _pipeline()
    library = pipeline.library
    if check:
        problems = _library_checked_on_cases(pipeline)
        if problems:
            raise NoteError(
                f"{len(problems)} note problem{'s' if len(problems) != 1 else ''} on the "
                "project's cases:\n  " + "\n  ".join(problems),
                source=pipeline.note_library_folder,
            )
        out.print(f"{pipeline.note_library_folder}: {len(library)} notes, no problems")
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
    table = Table(title=f"{pipeline.note_library_folder} ({len(library)} notes)", show_lines=False)
    table.add_column("id", no_wrap=True)
    for column in ("title", "programs", "placement", "carry-over", "rule"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    out.print(table)


def _printed_numbers(selection) -> dict[str, str]:  # noqa: ANN001
    """How a reader finds each printed note: "note 3", "under the payment schedule", "in the
    description of Line 005"."""
    where: dict[str, str] = {}
    number = 0
    for note in selection.notes:
        if note.placement == "notes":
            number += 1
            where.setdefault(note.id, f"note {number}")
        elif note.placement == "payment_schedule":
            where.setdefault(note.id, "under the payment schedule")
        else:
            where.setdefault(note.id, "in the line descriptions")
    return where


@command()
def explain(
    path: Annotated[Path, typer.Argument(help="A case file (JSON or YAML).", show_default=False)],
    note: Annotated[
        str | None,
        typer.Option(
            "--note",
            help="Explain this note only (its id, e.g. SOLE-SOURCE-FMS).",
            show_default=False,
        ),
    ] = None,
    carried_only: Annotated[
        bool,
        typer.Option("--carried", help="Only the notes on the case: printed, in force, deleted."),
    ] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Explain the notes left out in full too.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decisions as JSON.")] = False,
) -> None:
    """Say why each note of the library is on this document or not: printed (with its number as
    printed, version and references), in force from an earlier document but not restated,
    deleted by this document, or left out, with the value of each part of its rule."""
    import dataclasses

    from .document.wording import line_refs
    from .errors import NoteError

    pipeline = _pipeline()
    document = pipeline.document(path)
    selection = pipeline.select(document, explained=True)
    library = pipeline.library
    decisions = list(selection.decisions)
    if note is not None:
        if note not in library:
            from .errors import did_you_mean

            raise NoteError(
                f"no note {note!r} in the library{did_you_mean(note, list(library.ids))}"
            )
        decisions = [d for d in decisions if d.note_id == note]
    if carried_only:
        decisions = [d for d in decisions if d.status != "out"]
    where = _printed_numbers(selection)
    case = document.case
    if as_json:
        data = {
            "case": case.case_id,
            "document": document.title,
            "library_digest": library.digest,
            "decisions": [
                {**dataclasses.asdict(d), "printed_as": where.get(d.note_id, ""),
                 "references": list(library[d.note_id].references)}
                for d in decisions
            ],
            "in_force_after": [dataclasses.asdict(n) for n in selection.after],
        }  # fmt: skip
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        return
    groups = {status: [d for d in decisions if d.status == status]
              for status in ("printed", "in force", "deleted", "out")}  # fmt: skip
    out.print(
        f"[bold]{case.case_id} {document.title}[/] ({case.program}): "
        f"{len(groups['printed'])} notes printed, {len(groups['in force'])} in force from earlier "
        f"documents, {len(groups['deleted'])} deleted; {len(selection.decisions)} in the library"
    )
    headings = {
        "printed": "Printed on this document",
        "in force": "In force on the case, not restated",
        "deleted": "Deleted by this document",
        "out": "Not on the case",
    }
    brief = not (show_all or note)
    for status, heading in headings.items():
        group = groups[status]
        if not group:
            continue
        out.print(f"\n[bold underline]{heading} ({len(group)})[/]")
        for d in group:
            lib_note = library[d.note_id]
            title = re.sub(r"\{\{.*?\}\}", "nnn", d.title)  # "Line Item nnn Description"
            if status == "out" and brief:
                out.print(f"[dim]OUT {escape(d.note_id)}: {escape(d.reason)}[/]")
                continue
            mark = {"printed": "[green]IN [/]", "in force": "[cyan]KEPT[/]",
                    "deleted": "[red]DEL[/]", "out": "[dim]OUT[/]"}[status]  # fmt: skip
            at = f" ({where[d.note_id]})" if d.note_id in where else ""
            on = f"  [cyan]{line_refs(d.lines)}[/]" if d.lines else ""
            version = f", version {d.version}" if d.version else ""
            out.print(
                f"{mark} [bold]{d.note_id}[/] {escape(title)}{escape(at)}{escape(version)}{on}"
            )
            out.print(f"    {escape(d.reason)}")
            if lib_note.references:
                out.print(f"    [dim]references: {escape('; '.join(lib_note.references))}[/]")
            out.print(f"    rule: [italic]{escape(d.rule)}[/]")
            for term in d.terms:
                style = (
                    "green" if term.evaluated and term.value else "red" if term.evaluated else "dim"
                )
                out.print(f"      [{style}]{escape(term.text)} → {escape(term.shown)}[/]")
    if brief and groups["out"]:
        out.print("[dim]\n(--all explains the notes left out part by part; --note ID one note)[/]")


# -- templates -------------------------------------------------------------------------------------


@command()
def templates(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Compile every template, look for variables loagen does not provide, and render "
            "every case of the project without writing anything; exit 5 listing every problem.",
        ),
    ] = False,
) -> None:
    """List the Word templates and the variables each one uses (for policy staff editing them)."""
    from .errors import RenderError

    pipeline = _pipeline()
    renderer = pipeline.renderer
    compiled = renderer.all_templates()
    problems: list[str] = []
    for kind, template in compiled.items():
        used = sorted(template.variables(renderer.env))
        out.print(f"[bold]{kind}[/]: {escape(str(template.path))} ({template.sha256[:12]})")
        out.print(f"  uses: {escape(', '.join(used))}")
        for name, hint in renderer.unknown_variables(template).items():
            problems.append(f"{template.path}: unknown variable {name!r}{hint}")
    if not check:
        return
    rendered = 0
    for path in pipeline.project.case_files():
        try:
            prepared = pipeline.prepare(path)
        except CaseError:
            continue  # a broken case file is the case writer's problem, not the template's
        except LoagenError as exc:
            problems.append(f"{path}: {exc}")
            continue
        try:
            pipeline.render(prepared, draft=False)
            rendered += 1
        except LoagenError as exc:
            problems.append(f"{path}: {exc}")
    if problems:
        raise RenderError(
            f"{len(problems)} template problem(s):\n  " + "\n  ".join(problems),
            source=pipeline.templates_folder,
        )
    out.print(
        f"{len(compiled)} templates compiled; {rendered} case document(s) rendered, no problems"
    )


# -- check (quality control) ---------------------------------------------------------------------

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}


def _print_rules(as_json: bool) -> None:
    from .policy.checks import list_rules

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


def _checked(pipeline, library_ok: bool, path: Path):  # noqa: ANN001, ANN202
    """(document, selection or None, findings, why notes were not checked) for one case file.

    When the note library cannot be used (or its notes cannot be filled for this case) the
    checks that read notes are skipped; the rest still run."""
    document = pipeline.document(path)
    if library_ok:
        try:
            selection = pipeline.select(document)
            return document, selection, pipeline.check(document, selection), ""
        except NoteError as exc:
            why = f"notes not checked: {exc}"
    else:
        why = "notes not checked: the note library could not be loaded"
    return document, None, pipeline.check(document, None), why


@command()
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
    SAMM reference. Exits 1 when any file has an error (with --strict, any finding), 3 when a
    file does not load, 0 otherwise.
    """
    if list_rules:
        _print_rules(as_json)
        return
    if not paths:
        err.print("[bold red]error:[/] give one or more case files to check, or --list")
        raise typer.Exit(EXIT_USAGE)
    pipeline = _pipeline()
    try:
        pipeline.library  # noqa: B018
        library_ok = True
    except LoagenError as exc:
        library_ok = False
        err.print(f"[dim]notes not checked: {escape(str(exc))}[/]")
    code = 0
    report = []
    told: set[str] = set()
    for path in paths:
        try:
            document, selection, findings, notes_skipped = _checked(pipeline, library_ok, path)
        except LoagenError as exc:
            code = code or exc.exit_code
            report.append(
                {
                    "path": str(path),
                    "loaded": False,
                    "error": exc.message,
                    "problems": [p.to_dict() for p in exc.problems],
                }
            )
            if not as_json:
                _print_error(exc)
            continue
        errors = sum(f.severity == "error" for f in findings)
        warnings = len(findings) - errors
        if errors or (strict and findings):
            code = code or EXIT_FAILED
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
        sys.stdout.write(json.dumps({"documents": report, "ok": not code}, indent=2) + "\n")
    if code:
        raise typer.Exit(code)


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


def _on_sigterm(signum, frame) -> None:  # noqa: ANN001
    raise KeyboardInterrupt


def _run_with_progress(run, *, as_json: bool):  # noqa: ANN001, ANN202
    """Run `run(events)` with a progress display (Ctrl-C and SIGTERM: see `_present`)."""
    progress = _BatchProgress(quiet=as_json)
    try:
        return run(progress)
    finally:
        progress.stop()


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
BatchPathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Case files, or folders of them (one folder a case, one file a document version).",
        show_default=False,
    ),
]


@command()
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
    from .ops.batch import run_batch

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


@command()
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
    from .ops.batch import BatchReport, run_batch
    from .ops.restate import restate as restate_documents

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


@command()
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
    from .ops.impact import impact as find_impact

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


@command()
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
    from .ops.diff import diff_paths, write_redline

    pipeline = _pipeline()
    result = diff_paths(old, new, pipeline)
    if output is not None:
        write_redline(old, new, output, pipeline)
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        out.print(result.to_text(), markup=False)
    if output is not None:
        (err if as_json else out).print(f"wrote {output}")


def main() -> None:
    app()
