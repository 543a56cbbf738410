"""Commands for policy staff on the note library and the templates: `notes` and `templates`."""

import json
import sys
from datetime import date
from typing import Annotated, Any

import typer
from rich.markup import escape

from ..errors import (
    CaseError,
    LoagenError,
    NoteError,
)
from .common import JsonOpt, _pipeline, command, err, note_option, out

PANEL = "Note library and templates"


# -- notes and explain (note library) ------------------------------------------------------------


def _library_checked_on_cases(pipeline) -> tuple[list[str], list[str]]:  # noqa: ANN001
    """Run every rule and fill every placeholder on the project's case files: the note errors,
    and a warning for each note whose rule holds on documents dated before its first version
    takes effect (what a version dropped from the note file leaves: those documents lose it),
    or that a document should restate in a version the library no longer holds."""
    from ..document.wording import spell_date

    problems = []
    early: dict[str, list[str]] = {}  # note id -> the documents dated before its first version
    first: dict[str, str] = {}
    carried: list[str] = []  # a version a document should restate, no longer in the library
    for path in pipeline.project.case_files():
        try:
            document = pipeline.document(path)
        except CaseError:
            continue  # a broken case file is the case writer's problem, not the library's
        try:
            selection = pipeline.select(document)
        except LoagenError as exc:
            problems.append(str(exc))
            continue
        for decision in selection.decisions:
            if decision.first_effective:
                day = document.note_date
                dated = f" (dated {spell_date(day)})" if day else ""
                early.setdefault(decision.note_id, []).append(f"{path}{dated}")
                first[decision.note_id] = decision.first_effective
            if decision.missing_version:
                carried.append(
                    f"{path}: note {decision.note_id} should be restated in version "
                    f"{decision.missing_version}, which the case carries, but the note library "
                    "no longer holds that text; put it back in the note file"
                )
    warnings = [
        f"note {note_id}: its rule holds on {len(paths)} document(s) dated before its first "
        f"version takes effect ({spell_date(date.fromisoformat(first[note_id]))}), which "
        "therefore print no such note: " + "; ".join(paths) + ". If the note file lost a "
        "version these documents printed, put that version back (with its ::: version block); "
        "if the note is new, they rightly go without it"
        for note_id, paths in early.items()
    ]
    return problems, warnings + carried


def _versions(note) -> str:  # noqa: ANN001
    """'1 from 1 Jan 2000; 688 from 24 Mar 2025' (the last one is printed on new documents)."""
    parts = []
    for text in note.texts:
        until = f" until {text.until.isoformat()}" if text.until else ""
        parts.append(f"{text.version} from {text.effective.isoformat()}{until}")
    return "; ".join(parts)


def _note_json(note) -> dict[str, Any]:  # noqa: ANN001
    return {
        "id": note.id,
        "title": note.title,
        "programs": list(note.programs),
        "documents": list(note.documents),
        "level": note.level,
        "placement": note.placement,
        "section": note.section,
        "order": note.order,
        "rule": " ".join(note.rule.split()),
        "used_when": " ".join(note.used_when.split()) if note.used_when else None,
        "carry_over": note.carry_over,
        "carry_over_means": note.carry_over_means,
        "changed_fields": list(note.changed_fields),
        "refreshed_on": sorted(note.refreshed_on),
        "versions": [
            {
                "version": t.version,
                "effective": t.effective.isoformat(),
                "until": t.until.isoformat() if t.until else None,
                "issued_by": t.issued_by,
            }
            for t in note.texts
        ],  # fmt: skip
        "references": list(note.references),
        "usage": note.usage,
        "file": str(note.path),
    }


def _print_note(note) -> None:  # noqa: ANN001
    data = _note_json(note)
    out.print(f"[bold]{escape(note.id)}[/]: {escape(note.title)}")
    rows = [
        ("used", data["usage"] or ""),
        ("programs", ", ".join(data["programs"])),
        ("documents", ", ".join(data["documents"])),
        ("placement", f"{note.placement}, section {note.section}, order {note.order}"),
        ("rule", data["rule"]),
        ("used when", data["used_when"] or ""),
        ("carry-over", f"{note.carry_over}: {data['carry_over_means']}"),
        ("watches", ", ".join(data["changed_fields"])),
        ("new version on", ", ".join(data["refreshed_on"])),
        ("file", data["file"]),
    ]
    for label, value in rows:
        if value:
            out.print(f"  [dim]{label:<15}[/]{escape(value)}")
    out.print("  [dim]versions[/]")
    for v in data["versions"]:
        until = f" until {v['until']}" if v["until"] else ""
        by = f" ({v['issued_by']})" if v["issued_by"] else ""
        out.print(f"    {escape(v['version'])}: from {v['effective']}{until}{escape(by)}")
    if note.references:
        out.print("  [dim]references[/]")
        for ref in note.references:
            out.print(f"    {escape(ref)}")
    out.print("  [dim]text of the newest version[/]")
    for line in note.body.splitlines():
        out.print(f"    {escape(line)}")


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
    note_id: Annotated[
        str | None,
        typer.Option(
            "--note",
            help="Show one note in full: its rule, carry-over, versions with their dates, "
            "references and text.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the note library: each note's id, title, programs, placement, carry-over, versions
    and rule."""
    from rich.table import Table

    pipeline = _pipeline()
    library = pipeline.library
    if check:
        problems, warnings = _library_checked_on_cases(pipeline)
        for warning in warnings:
            err.print(f"warning: {escape(warning)}")
        if problems:
            raise NoteError(
                f"{len(problems)} note problem{'s' if len(problems) != 1 else ''} on the "
                "project's cases:\n  " + "\n  ".join(problems),
                source=pipeline.note_library_folder,
            )
        said = f", {len(warnings)} warning(s)" if warnings else ""
        out.print(f"{pipeline.note_library_folder}: {len(library)} notes, no problems{said}")
        return
    if note_id is not None:
        found = note_option(library, note_id)
        if as_json:
            sys.stdout.write(json.dumps(_note_json(found), indent=2) + "\n")
        else:
            _print_note(found)
        return
    if as_json:
        data = {"library": str(pipeline.note_library_folder), "digest": library.digest,
                "notes": [_note_json(n) for n in library]}  # fmt: skip
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    rows = [
        (
            note.id,
            note.title,
            ", ".join(note.programs),
            f"{note.placement} §{note.section}" if note.placement == "notes" else note.placement,
            note.carry_over,
            _versions(note),
            " ".join(note.rule.split()),
        )
        for note in library
    ]
    if not out.is_terminal:  # piped or redirected: one tab-separated line a note
        sys.stdout.write("id\ttitle\tprograms\tplacement\tcarry-over\tversions\trule\n")
        sys.stdout.writelines("\t".join(row) + "\n" for row in rows)
        return
    table = Table(title=f"{pipeline.note_library_folder} ({len(library)} notes)", show_lines=False)
    table.add_column("id", no_wrap=True)
    for column in ("title", "programs", "placement", "carry-over", "versions", "rule"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    out.print(table)
    out.print("[dim](--note ID shows one note in full)[/]")


# -- templates -------------------------------------------------------------------------------------


@command(rich_help_panel=PANEL)
def templates(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Check every template: its tags compile, it uses only variables loagen "
            "provides, it keeps the layout rules (the styles loagen writes in, heading rows that "
            "repeat, rows that never break across pages, tables within the margins, notes "
            "numbered by Word, no unused parts copied into every document), and every case of "
            "the project renders, writing nothing; exit 5 listing every problem.",
        ),
    ] = False,
) -> None:
    """List the Word templates and the variables each one uses (for policy staff editing them)."""
    from ..errors import RenderError

    pipeline = _pipeline()
    renderer = pipeline.renderer
    problems: list[str] = []
    broken: set[str] = set()
    compiled = 0
    for kind in pipeline.template_kinds():
        found = pipeline.template_problems(kind) if check else []
        try:
            template = pipeline.template(kind)
        except RenderError as exc:
            if not check:
                raise
            broken.add(kind)
            problems.extend(found or [str(exc)])
            continue
        compiled += 1
        used = sorted(template.variables(renderer.env))
        out.print(f"[bold]{kind}[/]: {escape(str(template.path))} ({template.sha256[:12]})")
        out.print(f"  uses: {escape(', '.join(used))}")
        problems.extend(found)
    if not check:
        return
    rendered = 0
    note_problems: list[str] = []  # the note library's, not the templates': its exit code
    for path in pipeline.project.case_files():
        try:
            prepared = pipeline.prepare(path)
        except CaseError:
            continue  # a broken case file is the case writer's problem, not the template's
        except NoteError as exc:
            if str(exc) not in note_problems:
                note_problems.append(str(exc))
            continue
        except LoagenError as exc:
            problems.append(f"{path}: {exc}")
            continue
        if prepared.document.kind in broken:
            continue  # its template's problem is listed once, above
        try:
            pipeline.render(prepared, draft=False)
            rendered += 1
        except LoagenError as exc:
            problems.append(f"{path}: {exc}")
    untried = (
        f"\nThe cases whose notes could not be prepared were not rendered; the note library "
        f"has {len(note_problems)} problem(s) (`loagen notes --check` lists them):\n  "
        + "\n  ".join(note_problems)
        if note_problems
        else ""
    )
    if problems:
        raise RenderError(
            f"{len(problems)} template problem(s):\n  " + "\n  ".join(problems) + untried,
            source=pipeline.templates_folder,
        )
    if note_problems:
        raise NoteError(
            f"{compiled} templates compiled and checked, {rendered} case document(s) rendered "
            "with no template problem." + untried,
            source=pipeline.note_library_folder,
        )
    out.print(
        f"{compiled} templates compiled and checked; {rendered} case document(s) rendered, "
        "no problems"
    )
