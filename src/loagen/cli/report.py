"""The reviewer's report: `report`, one HTML page per document."""

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..errors import EXIT_FAILED, LoagenError
from .common import ReviewPathsArg, _pipeline, command, err, error_words, out

PANEL = "Review documents"


@command(rich_help_panel=PANEL)
def report(
    paths: ReviewPathsArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder for the report pages (default: the current folder).",
            show_default=False,
        ),
    ] = None,
    show_all: Annotated[
        bool,
        typer.Option("--all", help="List every note left out, not only the notable ones."),
    ] = False,
) -> None:
    """Write a review report for each document: one HTML page a reviewer reads or prints.

    The page shows the quality check findings with their SAMM references, every note printed
    (its number, why it is in, its references and version), the notes in force, deleted and
    notably left out, what changed against the previous document, and the money. It works from
    the DOCX alone: every DOCX loagen builds carries the case files it was built from.
    Writes <case_id>-<document>.report.html, e.g. BN-D-QAA-amendment-1.report.html, and for
    several documents index.report.html, which lists them with their findings and totals.
    """
    from ..ops.report import make_report, write_index, write_report
    from ..project import documents_under

    pipeline = _pipeline()
    target = output or Path.cwd()
    code = 0
    written: dict[str, Path] = {}
    reports = []
    not_reported: list[tuple[str, str]] = []
    for path in documents_under(paths):
        try:
            result = make_report(path, pipeline, all_notes=show_all)
        except LoagenError as exc:
            code = code or exc.exit_code
            said = error_words(exc, path, "reported")
            err.print(f"[bold red]error:[/] {escape(said)}")
            not_reported.append((str(path), said))
            continue
        if result.file_name in written:
            code = code or EXIT_FAILED
            err.print(
                f"[bold red]error:[/] {escape(str(path))}: the same document as "
                f"{escape(str(written[result.file_name]))}; its report is written once"
            )
            continue
        written[result.file_name] = path
        reports.append(result)
        page = write_report(result, target)
        out.print(f"wrote {escape(str(page))}")
    if len(reports) + len(not_reported) > 1:
        # the folder's sign-off page lists the documents that got no report too, with why
        index = write_index(reports, target, not_reported)
        n = len(reports)
        also = ""
        if not_reported:
            m = len(not_reported)
            also = f", and the {m} document{'s' if m != 1 else ''} not reported with why"
        out.print(
            f"wrote {escape(str(index))}: the {n} report{'s' if n != 1 else ''}, one line each"
            + also
        )
    if code:
        raise typer.Exit(code)
