"""Commands for policy staff on the note library and the templates: `notes` and `templates`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from ..errors import (
    CaseError,
    LoagenError,
    NoteError,
)
from .common import (
    _pipeline,
    command,
    out,
)

PANEL = "Note library and templates"


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


@command(rich_help_panel=PANEL)
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


# -- templates -------------------------------------------------------------------------------------


@command(rich_help_panel=PANEL)
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
    from ..errors import RenderError

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
