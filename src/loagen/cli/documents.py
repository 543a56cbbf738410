"""Commands that build documents: `build` and `schema`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape

from ..errors import (
    LoagenError,
)
from .common import (
    OutputOpt,
    PathsArg,
    _pipeline,
    _print_error,
    command,
    err,
    out,
)

PANEL = "Build documents"


# -- build ---------------------------------------------------------------------------------------


@command(rich_help_panel=PANEL)
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
    from ..output.pdf import convert_to_pdf, find_soffice

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


@command(rich_help_panel=PANEL)
def schema() -> None:
    """Print the JSON Schema of a case file, for editors that validate and complete case files."""
    from ..case.model import case_schema

    sys.stdout.write(json.dumps(case_schema(), indent=2) + "\n")
