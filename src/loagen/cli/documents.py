"""Commands that build documents: `build` and `schema`."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..errors import (
    CaseError,
    LoagenError,
)
from ..project import documents_under
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


def _case_files(paths: list[Path]) -> tuple[list[Path], int]:
    """The case files `paths` name, a folder standing for every case file in it, and the exit
    code of the first folder that holds none (reported here; the others are still built)."""
    files: list[Path] = []
    failure = 0
    for path in paths:
        try:
            files += documents_under([path])
        except LoagenError as exc:
            failure = failure or exc.exit_code
            _print_error(exc)
    return files, failure


def _refuse_same_outputs(files: list[Path]) -> None:
    """Raise CaseError, before anything is written, when two of `files` would write the same
    DOCX (the second would overwrite the first's, silently): as `loagen batch` finds them."""
    if len(files) < 2:
        return  # one file overwrites nothing (nor is `ops.batch` loaded: 2% of a cold build)
    from ..ops.batch import same_outputs  # here: one-document builds do not load the batch

    clashes = same_outputs(files)
    if clashes:
        n = len(clashes)
        raise CaseError(
            f"{n} case file{'s' if n != 1 else ''} would overwrite the document of another; "
            "nothing written",
            problems=tuple(clashes.values()),
        )


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
        bool,
        typer.Option(
            "--pdf",
            help="Also lay each document out with LibreOffice into a PDF beside it, and store "
            "the number of pages of that layout in the DOCX (its 'page 1 through page N' and "
            "'Page x of y'), which otherwise holds loagen's estimate.",
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Treat quality check warnings as errors."),
    ] = False,
) -> None:
    """Build the LOA document (Basic, Amendment or Modification) of each case file.

    Writes <case_id>-<document>.docx (e.g. BN-D-QAA-amendment-1.docx) and a .manifest.json
    beside it recording the inputs, template, notes selected and totals. A folder builds every
    case file in it (cases/BN-D-QAA: the Basic, its Amendments and Modifications; `loagen
    batch` rebuilds only what changed); two case files that would write the same document (a
    backup copy of a case folder among the folders built) stop it before anything is written.
    Quality checks run first: errors stop the build and leave earlier output as it was. With --pdf the page count
    the DOCX stores is the true one of LibreOffice's layout (the manifest says which).
    """
    from ..output.pdf import find_soffice

    pipeline = _pipeline()
    target = output or pipeline.project.build_dir
    if pdf:
        find_soffice()  # before building, not after
    files, first_failure = _case_files(paths)
    _refuse_same_outputs(files)
    results = []
    for path in files:
        try:
            result = pipeline.build(path, target, allow_errors=allow_errors, strict=strict)
        except LoagenError as exc:
            first_failure = first_failure or exc.exit_code
            _print_error(exc, path, "built")
            continue
        results.append((path, result))
        for finding in result.findings:
            style = "bold red" if finding.severity == "error" else "yellow"
            err.print(f"[{style}]{finding.severity}:[/] {escape(f'{path}: {finding.said}')}")
        if result.kept is not None:
            out.print(
                f"kept {result.kept} (the DOCX there was changed since it was built)", markup=False
            )
        if result.as_built is not None:
            out.print(
                f"kept {result.as_built} (the DOCX as built: the document was already answered, "
                "a later document of its case follows it)",
                markup=False,
            )
        mark = " [bold yellow](DRAFT)[/]" if result.draft else ""
        out.print(f"wrote {escape(str(result.docx_path))}{mark}")
    if pdf and results:
        for laid in pipeline.lay_out([(path, r.docx_path) for path, r in results]):
            if laid.problem is not None:
                first_failure = first_failure or laid.problem.exit_code
                _print_error(laid.problem)
                continue
            pages = f"{laid.pages} page{'s' if laid.pages != 1 else ''}"
            out.print(f"wrote {escape(str(laid.pdf_path))} ({pages})")
            if laid.rewritten:
                out.print(
                    f"wrote {escape(str(laid.docx_path))} again: its page count is now "
                    f"{laid.pages}, from the layout (the estimate differed)"
                )
    if len(files) > 1:
        drafts = sum(1 for _, r in results if r.draft)
        draft = f" ({drafts} as a DRAFT)" if drafts else ""
        out.print(
            f"{len(files)} documents: {len(results)} written{draft}, "
            f"{len(files) - len(results)} not built"
        )
    if first_failure:
        raise typer.Exit(first_failure)


# -- schema --------------------------------------------------------------------------------------


@command(rich_help_panel=PANEL, stages=False)
def schema() -> None:
    """Print the JSON Schema of a case file, for editors that validate and complete case files."""
    from ..case.model import case_schema

    sys.stdout.write(json.dumps(case_schema(), indent=2) + "\n")
