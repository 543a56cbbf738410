"""Commands a reviewer uses on one document: `explain`, `check` and `diff`."""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from ..errors import (
    EXIT_FAILED,
    EXIT_USAGE,
    LoagenError,
    NoteError,
)
from .common import (
    JsonOpt,
    _pipeline,
    _print_error,
    changed_after_build,
    command,
    err,
    note_option,
    out,
)

PANEL = "Review documents"


@command(rich_help_panel=PANEL)
def explain(
    path: Annotated[
        Path,
        typer.Argument(
            help="A case file (JSON or YAML), a folder of them, or a Word document built by "
            "loagen (.docx).",
            show_default=False,
        ),
    ],
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
    """Say why each note of the library is on this document or not.

    Printed (with its number as printed, version and references), in force from an earlier
    document but not restated, deleted by this document, or left out, with the value of each
    part of its rule. A folder explains every case file in it; a DOCX built by loagen is read
    through the case files it records. With --json, a folder gives {"documents": [...]}."""
    from ..project import documents_under

    pipeline = _pipeline()
    library = pipeline.library
    if note is not None:
        note = note_option(library, note).id
    folder = Path(path).is_dir()
    paths = documents_under([path])
    explained: list[dict] = []
    code = 0
    for i, one in enumerate(paths):
        try:
            data = _explain_one(pipeline, one, note, carried_only, show_all, as_json, first=i == 0)
        except LoagenError as exc:
            if not folder:
                raise
            code = code or exc.exit_code  # one broken document does not hide the others
            if as_json:
                problems = [p.to_dict() for p in exc.problems]
                explained.append({"path": str(one), "error": exc.message, "problems": problems})
            else:
                _print_error(exc, one, "explained")
            continue
        if data is not None:
            explained.append({"path": str(one), **data} if folder else data)
    if as_json:
        result = {"documents": explained} if folder else explained[0]
        sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
    if code:
        raise typer.Exit(code)


def _explain_one(pipeline, path: Path, note: str | None, carried_only: bool, show_all: bool,
                 as_json: bool, *, first: bool) -> dict | None:  # noqa: ANN001  # fmt: skip
    """Explain one document: print it, or return its JSON data."""
    import dataclasses

    from ..document.wording import line_refs
    from ..ops.report import printed_places
    from ..policy.notes import generic_title

    document = pipeline.document(path)
    selection = pipeline.select(document, explained=True)
    library = pipeline.library
    changed = changed_after_build(path)
    decisions = list(selection.decisions)
    if note is not None:
        decisions = [d for d in decisions if d.note_id == note]
    if carried_only:
        decisions = [d for d in decisions if d.status != "out"]
    where = printed_places(selection)
    case = document.case
    if as_json:
        return {
            "case": case.case_id,
            "document": document.title,
            "library_digest": library.digest,
            "decisions": [
                {**dataclasses.asdict(d), "printed_as": where.get(d.note_id, ""),
                 "references": list(library[d.note_id].references),
                 "usage": library[d.note_id].usage,
                 **({"version_chosen_by": _version_date(document, library[d.note_id], d)}
                    if d.version else {})}
                for d in decisions
            ],
            "in_force_after": [dataclasses.asdict(n) for n in selection.after],
            **({"changed_after_build": changed} if changed else {}),
        }  # fmt: skip
    if changed:
        err.print(f"[yellow]warning:[/] {escape(changed)}")
    groups = {status: [d for d in decisions if d.status == status]
              for status in ("printed", "in force", "deleted", "out")}  # fmt: skip
    counts = {status: sum(d.status == status for d in selection.decisions) for status in groups}
    out.print(
        ("" if first else "\n")
        + f"[bold]{escape(case.case_id)} {document.title}[/] ({case.program}): "
        f"{_notes(counts['printed'])} printed, {counts['in force']} in force from "
        f"earlier documents, {counts['deleted']} deleted; {len(selection.decisions)} in the "
        "library"
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
            title = generic_title(d.title)  # "Line Item nnn Description"
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
            if lib_note.usage:
                out.print(f"    used: {escape(lib_note.usage)}")
            out.print(f"    {escape(d.reason)}")
            if d.version:
                out.print(f"    {escape(_version_said(_version_date(document, lib_note, d)))}")
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
    return None


def _version_date(document, note, decision) -> dict:  # noqa: ANN001
    """What chose the version `decision` prints: the date that decides (the document's date,
    else its offer expiration date, else the case's latest one), the version in force on it,
    and the next version with the date it takes effect (none: the newest)."""
    doc = document.case.document
    day = document.note_date
    if doc.date:
        field = "the document's date (document.date)"
    elif doc.offer_expiration_date:
        field = "the document's offer expiration date (document.offer_expiration_date)"
    else:
        field = "the case's latest offer expiration date"
    in_force = note.version_on(day)
    later = next((t for t in note.texts if day is not None and t.effective > day), None)
    return {
        "date": day.isoformat() if day else None,
        "date_is": field,
        "version_in_force": in_force.version if in_force else None,
        "carried": bool(in_force is None or in_force.version != decision.version),
        "next_version": (
            {"version": later.version, "effective": later.effective.isoformat()} if later else None
        ),
    }


def _version_said(chosen: dict) -> str:
    """'version 1: in force on 10 March 2026, the document's date (document.date); version 2
    takes effect on 1 June 2026'."""
    from datetime import date

    from ..document.wording import spell_date

    def spelled(iso: str) -> str:
        return spell_date(date.fromisoformat(iso))

    day = spelled(chosen["date"]) if chosen["date"] else "no date"
    if chosen["carried"]:
        said = (
            f"the version the case carries; on {day}, {chosen['date_is']}, version "
            f"{chosen['version_in_force']} is in force"
            if chosen["version_in_force"]
            else f"the version the case carries; no version is in force on {day}"
        )
    else:
        said = f"version {chosen['version_in_force']}: in force on {day}, {chosen['date_is']}"
    later = chosen["next_version"]
    if later:
        said += f"; version {later['version']} takes effect on {spelled(later['effective'])}"
    else:
        said += "; it is the newest version"
    return said


# -- check (quality control) ---------------------------------------------------------------------


def _notes(count: int) -> str:
    return f"{count} note" if count == 1 else f"{count} notes"


_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}


def _print_rules(as_json: bool) -> None:
    from ..policy.checks import list_rules

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


def _checked(pipeline, library_error: LoagenError | None, path: Path):  # noqa: ANN001, ANN202
    """(document, selection or None, findings, why notes were not checked, the exit code that
    says so) for one case file.

    When the note library cannot be used (`library_error`), or its notes cannot be filled for
    this case, the checks that read notes are skipped and the rest still run; the check then
    fails with the note library's exit code, as a build would (its document would not be
    written)."""
    document = pipeline.document(path)
    if library_error is None:
        try:
            selection = pipeline.select(document)
            return document, selection, pipeline.check(document, selection), "", 0
        except NoteError as exc:
            why, code = f"notes not checked: {exc}", exc.exit_code
    else:
        why, code = "", library_error.exit_code  # said once, when the library was loaded
    return document, None, pipeline.check(document, None), why, code


@command(rich_help_panel=PANEL)
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Case files (JSON or YAML), folders of them, or Word documents built by loagen "
            "(.docx) to check.",
            show_default=False,
        ),
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
    SAMM reference. A folder checks every case file in it; a DOCX built by loagen is checked
    from the case files it records. Exits 1 when any file has an error (with --strict, any
    finding), 3 when a file does not load, 4 when its notes cannot be checked (the note library
    does not load, or a note cannot be filled in for the case: `build` would stop there too),
    0 otherwise.
    """
    if list_rules:
        _print_rules(as_json)
        return
    if not paths:
        err.print("[bold red]error:[/] give one or more case files to check, or --list")
        raise typer.Exit(EXIT_USAGE)
    from ..project import documents_under

    paths = documents_under(paths)
    pipeline = _pipeline()
    library_error: LoagenError | None = None
    try:
        pipeline.library  # noqa: B018
    except LoagenError as exc:
        library_error = exc
        err.print(f"[bold red]error:[/] notes not checked: {escape(str(exc))}")
    code = 0
    failed = []
    checked = []
    for path in paths:
        try:
            checked.append((path, *_checked(pipeline, library_error, path)))
        except LoagenError as exc:
            code = code or exc.exit_code
            failed.append(
                {
                    "path": str(path),
                    "loaded": False,
                    "error": exc.message,
                    "problems": [p.to_dict() for p in exc.problems],
                }
            )
            if not as_json:
                _print_error(exc, path, "checked")
    # each case's documents in the order they were written, as the reports' index lists them
    from ..ops.report import written_order

    checked.sort(key=lambda c: written_order(c[1].case.case_id, len(c[1].files), c[1].title))
    report = []
    told: set[str] = set()
    for path, document, selection, findings, notes_skipped, notes_code in checked:
        unrecorded = _package_unrecorded(document, selection)
        errors = sum(f.severity == "error" for f in findings)
        warnings = len(findings) - errors
        code = code or notes_code
        if errors or (strict and findings):
            code = code or EXIT_FAILED
        changed = changed_after_build(path)
        report.append(
            {
                "path": str(path),
                "loaded": True,
                **({"changed_after_build": changed} if changed else {}),
                "document": document.output_stem,
                "notes_checked": selection is not None,
                "errors": errors,
                "warnings": warnings,
                "findings": [f.to_dict() for f in findings],
                **({"package_not_recorded": unrecorded} if unrecorded else {}),
            }
        )
        if as_json:
            continue
        if changed:
            err.print(f"[yellow]warning:[/] {escape(changed)}")
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
        if unrecorded:
            out.print(
                f"  [dim]package: this {document.kind} calls for {_listed(unrecorded)}, which "
                f"the case file does not record (no package list): loagen package "
                f"{escape(str(path))} lists them with why[/]"
            )
        if notes_skipped and notes_skipped not in told:
            told.add(notes_skipped)
            err.print(f"[bold red]error:[/] {escape(notes_skipped)}")
    report.extend(failed)
    if as_json:
        sys.stdout.write(json.dumps({"documents": report, "ok": not code}, indent=2) + "\n")
    elif len(report) > 1:
        _print_check_summary(report)
    if code:
        raise typer.Exit(code)


def _package_unrecorded(document, selection) -> list[str]:  # noqa: ANN001
    """The supporting documents the LOA package of `document` calls for when its case file
    keeps no package list (the checks then cannot say which are missing): their names, for a
    line under the findings. None when the notes were not checked or the case keeps a list."""
    if selection is None or document.case.package is not None:
        return []
    from ..policy.package import checklist

    return list(dict.fromkeys(r.name for r in checklist(document, selection).required))


def _listed(names: list[str]) -> str:
    if len(names) == 1:
        return f"1 supporting document ({names[0]})"
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{len(names)} supporting documents ({shown})"


def _print_check_summary(report: list[dict[str, Any]]) -> None:
    """After many documents, what they come to: how many have errors, warnings only, nothing,
    or could not be read, and the checks that found the most documents."""
    from collections import Counter

    loaded = [r for r in report if r["loaded"]]
    errors = sum(1 for r in loaded if r["errors"])
    warnings = sum(1 for r in loaded if not r["errors"] and r["warnings"])
    parts = [
        f"{errors} with errors",
        f"{warnings} with warnings only",
        f"{len(loaded) - errors - warnings} with no findings",
    ]
    if len(loaded) < len(report):
        parts.append(f"{len(report) - len(loaded)} not read")
    out.print(f"\n[bold]{len(report)} documents checked:[/] {', '.join(parts)}")
    by_rule = Counter(
        found for r in loaded for found in {(f["rule_id"], f["severity"]) for f in r["findings"]}
    )  # each check counted once a document
    if by_rule:
        out.print("[dim]found on the most documents:[/]")
        for (rule_id, severity), count in by_rule.most_common(5):
            style = _SEVERITY_STYLE[severity]
            out.print(
                f"  [{style}]{severity:<7}[/] {rule_id}: {count} document{'s' if count != 1 else ''}"
            )


def _docx_name(value: Path | None) -> Path | None:
    """The redline's file name: a Word document, so its name ends in .docx (a name such as
    x.pdf would hold a Word document no program opens as what its name says)."""
    if value is not None and value.suffix.lower() != ".docx":
        raise typer.BadParameter(
            f"the redline is a Word document: name it with .docx (e.g. "
            f"{value.with_suffix('.docx').name}); for a PDF, convert that file",
            param_hint="--output",
        )
    return value


@command(rich_help_panel=PANEL)
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
            help="Also write a DOCX of NEW with tracked changes against OLD (a name ending "
            "in .docx).",
            show_default=False,
            callback=_docx_name,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed between two versions of a document.

    The document's and the case's fields, lines added and deleted, quantities, unit costs,
    values, months and codes, the notes (added, printed again, changed with their wording,
    staying in force without being restated, deleted) and the totals. --json gives every old
    and new value as data; --output writes a redline DOCX."""
    from ..ops.diff import diff_paths, write_redline

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
