"""The `loagen` command line: turns loagen's errors into messages and exit codes; the only place that prints."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import __version__
from .errors import LoagenError

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
    err.print(f"[bold red]error:[/] {error}", markup=True)
    raise typer.Exit(error.exit_code)


def _version(value: bool) -> None:
    if value:
        out.print(f"loagen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show loagen's version and exit.")
    ] = False,
) -> None:
    pass


PathsArg = Annotated[
    list[Path],
    typer.Argument(help="Case files (JSON or YAML), one per document version.", show_default=False),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Folder for the DOCX and manifest files [default: build/ in the project].", show_default=False),
]


# -- build ---------------------------------------------------------------------------------------


@app.command()
def build(
    paths: PathsArg,
    output: OutputOpt = None,
    allow_errors: Annotated[
        bool,
        typer.Option("--allow-errors", help="Write the document even when quality checks find errors; it is marked DRAFT."),
    ] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also convert each DOCX to PDF with LibreOffice.")] = False,
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
                result = builder.build(path, target, allow_errors=allow_errors)
            except LoagenError as exc:
                failed += 1
                err.print(f"[bold red]error:[/] {exc}")
                continue
            results.append(result)
            for finding in result.findings:
                err.print(f"[yellow]{finding.severity}:[/] {path}: {finding}")
            mark = " [bold yellow](DRAFT)[/]" if result.draft else ""
            out.print(f"wrote {result.docx_path}{mark}")
        if pdf and results:
            from .pdf import convert_to_pdf

            for pdf_path in convert_to_pdf([r.docx_path for r in results]):
                out.print(f"wrote {pdf_path}")
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

# -- check (quality control) ---------------------------------------------------------------------

# -- batch, restate, impact, diff ----------------------------------------------------------------


def main() -> None:
    app()
