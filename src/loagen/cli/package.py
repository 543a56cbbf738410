"""`loagen package`: the supporting documents each document's CTS LOA package must hold, and
its AECA 36(b) Congressional Notification."""

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from ..errors import EXIT_FAILED, LoagenError, NoteError
from .common import (
    JsonOpt,
    ReviewPathsArg,
    _pipeline,
    _print_error,
    changed_after_build,
    command,
    err,
    out,
)

PANEL = "Review documents"


def _at_hand_words(document: Any, indexes: tuple[int, ...]) -> str:
    from ..document.wording import spell_date

    package = document.case.package or []
    return "; ".join(
        f"package[{i}]: {package[i].reference} of {spell_date(package[i].date)}" for i in indexes
    )


def _print_document(path: Path, document: Any, found: Any, verdict: Any) -> None:
    from ..document.wording import spell_date

    case = document.case
    required = found.required
    missing = found.missing
    out.print(f"\n[bold]{escape(case.case_id)} {escape(document.title)}[/] ({case.program})  "
              f"[dim]{escape(str(path))}[/]")  # fmt: skip
    kept = (
        f"package list of {len(case.package)} entr{'y' if len(case.package) == 1 else 'ies'}"
        if found.tracked
        else "the case file keeps no package list"
    )
    out.print(
        f"  LOA package: {len(required)} document{'s' if len(required) != 1 else ''} required, "
        f"{len(required) - len(missing)} at hand, {len(missing)} missing ({kept})"
    )
    for req in required:
        mark = "[green]AT HAND[/]" if req.at_hand else "[bold red]MISSING[/]"
        name = req.name[:1].upper() + req.name[1:]
        out.print(f"  {mark}  [bold]{escape(req.kind)}[/]: {escape(name)}")
        out.print(f"           why: {escape(req.why)}")
        out.print(f"           SAMM: {escape(req.reference)}")
        if req.at_hand:
            out.print(f"           at hand: {escape(_at_hand_words(document, req.at_hand))}")
    if found.earlier:
        out.print(
            "  [dim]Needed with an earlier document, not again with this one (nothing this "
            "document adds or changes calls for it again):[/]"
        )
        for req in found.earlier:
            out.print(f"  [dim]  {escape(req.kind)}: {escape(req.why)}[/]")
    package = case.package or []
    for i in found.extra:
        doc = package[i]
        out.print(
            f"  [dim]package[{i}] {escape(doc.kind)} ({escape(doc.reference)}, "
            f"{spell_date(doc.date)}): not needed by this document[/]"
        )
    for where, message in found.notices:
        out.print(f"  [yellow]note[/] {escape(where)}: {escape(message)}")
    if not verdict.applies:
        out.print(f"  36(b) Congressional Notification: not applied. {escape(verdict.summary)}")
    else:
        if verdict.missing:
            state = "[bold red]MISSING[/] (required, none recorded)"
        elif verdict.required:
            state = "[green]recorded[/]"
        else:
            state = "not required"
        out.print(f"  36(b) Congressional Notification: {state}")
        out.print(f"           {escape(verdict.summary)}")
        if verdict.advice:
            out.print(f"           {escape(verdict.advice[:1].upper() + verdict.advice[1:])}.")
        for problem in verdict.problems:
            if problem.what == "missing":
                continue
            style = "bold red" if problem.rule == "QC-CN-36B-OFFER" else "yellow"
            out.print(
                f"           [{style}]{problem.rule}[/] {escape(problem.path)}: "
                f"{escape(problem.message)}"
            )
    if missing and not found.tracked:
        out.print(
            "  [dim]Record each document at hand in the case file's `package` list "
            "({kind, reference, date}); `loagen check` then reports the ones still missing.[/]"
        )


@command(rich_help_panel=PANEL)
def package(
    paths: ReviewPathsArg,
    as_json: JsonOpt = False,
) -> None:
    """List the supporting documents each document's CTS LOA package must hold.

    For every document: each supporting document its lines and fields call for (SAMM
    Appendix 9, Table AP9.T4: EDA approval, NSA release for COMSEC, State and Space Force
    approvals, NVD memorandum, NC waivers, SDAF worksheets, Manpower Travel Data Sheets, sole
    source request ...), why, the SAMM reference, and whether the case file's `package` list
    holds it (AT HAND) or not (MISSING); then whether the AECA 36(b) Congressional Notification
    thresholds are met and the notification is recorded. Exits 1 when any document lacks
    something it requires (a package document or its 36(b) notification), 3 when a file does
    not load, 0 otherwise.
    """
    from ..policy.notification import assess
    from ..policy.package import checklist
    from ..project import find_case_files, in_written_order

    pipeline = _pipeline()
    code = 0  # a file that does not load (its own code, as `check` says it)
    lacks = False  # a document lacks something it requires (exit 1, when all load)
    report = []
    notes_told = False
    for path in in_written_order(find_case_files(paths)):
        try:
            document = pipeline.document(path)
            try:
                selection = pipeline.select(document)
            except NoteError as exc:
                selection = None
                if not notes_told and not as_json:
                    err.print(f"[dim]notes not read: {escape(str(exc))}[/]")
                    notes_told = True
            found = checklist(document, selection)
            verdict = assess(document)
        except LoagenError as exc:
            code = code or exc.exit_code
            report.append(
                {"path": str(path), "loaded": False, "error": exc.message,
                 "problems": [p.to_dict() for p in exc.problems]}
            )  # fmt: skip
            if not as_json:
                _print_error(exc, path, "listed")
            continue
        lacking = len(found.missing) + int(verdict.missing)
        lacks = lacks or bool(lacking)
        changed = changed_after_build(path)
        if changed and not as_json:
            err.print(f"[yellow]warning:[/] {escape(changed)}")
        report.append(
            {
                "path": str(path),
                "loaded": True,
                **({"changed_after_build": changed} if changed else {}),
                "document": document.output_stem,
                "package": found.to_dict(),
                "notification": verdict.to_dict(),
                "missing": lacking,
            }
        )
        if not as_json:
            _print_document(path, document, found, verdict)
    code = code or (EXIT_FAILED if lacks else 0)
    if as_json:
        sys.stdout.write(json.dumps({"documents": report, "ok": not code}, indent=2) + "\n")
    if code:
        raise typer.Exit(code)
