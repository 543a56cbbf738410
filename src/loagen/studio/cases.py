"""The case pages: every document with its status, one document (preview, checks, notes and
why, history, changes, downloads), its rebuild and its downloads.

Each page calls what the command line calls: the status is the batch's planning (see
`workspace`), the page of a document is `ops.report.make_report` (the reviewer's report) with
the document's own findings, `ops.diff` for the changes against the previous document, the
DOCX the pipeline built (or renders now, when it is not built), `output.pdf` and
`rendering.redline` for the downloads.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..case.loading import parse_case_bytes
from ..document.wording import money
from ..errors import LoagenError, Problem, ToolError
from ..manifest import manifest_path
from ..ops.batch import REDLINE_SUFFIX
from ..ops.diff import NOTE_GROUPS, DocumentDiff, compare_versions, load_version, rendered
from ..output.files import as_built_copies
from ..output.pdf import find_soffice, pdf_up_to_date
from ..pipeline import LaidOut, Prepared
from ..policy.checks import Finding
from ..reading import read_limited
from ..rendering.redline import redline_docx
from .forms import (
    case_form,
    field_id,
    form_paths,
    message_words,
    place,
    studio_phrases,
    where_words,
)
from .preview import Preview, PreviewError
from .web import Studio
from .workspace import DocumentStatus, all_to_fill, deleted

FILTERS = {
    "": "All documents",
    "attention": "Needs attention",
    "current": "Up to date",
    "stale": "Out of date",
    "unsure": "May be out of date",
    "unbuilt": "Not built yet",
    "tofill": "To fill in",
    "failed": "Has errors",
    "warnings": "Has warnings",
    "superseded": "Superseded by its restated version",
}
"""The choices of the Show filter, in the words the rows say (a row "May be out of date" is
found under that choice, not under "Out of date")."""


def _shown_state(doc: DocumentStatus) -> str:
    """The filter a document's status words belong to."""
    return "unsure" if doc.unsure else doc.state


def _matches(doc: DocumentStatus, state: str, words: list[str]) -> bool:
    if state == "attention" and doc.state in ("current", "superseded") and not doc.warnings:
        return False
    if state == "warnings" and not doc.warnings:
        return False
    if state in ("current", "stale", "unsure", "unbuilt", "tofill", "failed", "superseded") and (
        _shown_state(doc) != state
    ):
        return False
    if state == "failed" and doc.state == "unreadable":
        return True
    haystack = f"{doc.case_id} {doc.nickname} {doc.title} {doc.rel}".lower()
    return all(w in haystack for w in words)


async def case_list(studio: Studio, request: Request) -> Response:
    query = request.query_params.get("q", "")[:200]
    state = request.query_params.get("state", "")
    if state not in FILTERS:
        state = ""
    documents = await asyncio.to_thread(studio.workspace.documents)
    words = query.lower().split()
    shown = [d for d in documents if _matches(d, state, words)]
    cases: dict[str, list[DocumentStatus]] = {}
    for doc in shown:
        cases.setdefault(doc.case_id, []).append(doc)
    counts = {key: sum(1 for d in documents if _matches(d, key, [])) for key in FILTERS}
    return studio.page(
        request, "cases.html", title="Cases", section="cases", cases=cases, query=query,
        state=state, filters=FILTERS, counts=counts, total=len(documents), shown=len(shown),
        deleted=await asyncio.to_thread(deleted, studio.project.root),
    )  # fmt: skip


# -- one document ----------------------------------------------------------------------------------


@dataclass
class FindingView:
    finding: Finding
    field: str
    """The path of the form field that shows it ('' for the whole case)."""
    where: str

    @property
    def message(self) -> str:
        """The finding's message, the fields it names said by their labels."""
        return message_words(self.finding.message)

    @property
    def anchor(self) -> str:
        return field_id(self.field) if self.field else ""


def findings_view(findings: tuple[Finding, ...], data: Any, spec: Any = None) -> list[FindingView]:
    spec = spec or case_form()
    paths = form_paths(spec, data)
    out = []
    for f in findings:
        target = place(f.path, paths)
        out.append(FindingView(f, target, _where(f.path, data)))
    return out


def _where(path: str, data: Any) -> str:
    """A field as a writer finds it: lines[5].severable -> Line 006 › Severable."""
    if not path:
        return "The whole document"
    return where_words(path, data)


@dataclass
class DocumentView:
    status: DocumentStatus
    prepared: Prepared | None
    report: Any
    findings: list[FindingView]
    preview: Preview | None
    preview_from: str
    preview_problem: str
    diff: DocumentDiff | None
    diff_problem: str
    problems: list[Problem]
    """What stops the document from loading at all."""
    has_previous: bool
    pdf_available: bool
    build_redline: bool
    followed_by: list[str]
    """The files of the documents that follow this one (then it is not restated)."""
    as_built: tuple[tuple[str, str], ...] = ()
    """The DOCX of this document kept as built before a rebuild replaced it (it was already
    answered): (what its name says after the stem, its link's words), oldest first."""
    built_at: str = ""
    """When the DOCX there is was built ("30 November 2026 14:05"), when there is one."""
    build_problems: tuple[tuple[str, str, str], ...] = ()
    load_problems: tuple[tuple[str, str, str], ...] = ()
    """What stops the document from loading, as `build_problems` says them."""
    """Why the last build failed, each (where, in the form's words; what; the check's id)."""

    @property
    def to_fill(self) -> bool:
        """Whether all that stops the document from loading is values still to fill in."""
        return all_to_fill(self.problems)


_CHECK_ID = re.compile(r"^\[([A-Z0-9-]+)\] ")


def problem_lines(problems: Any, path: Path, data: Any) -> tuple[tuple[str, str, str], ...]:
    """Problems of a build as the page says them: where by the form's labels (Line 002 ›
    Training), the message, and the id of the quality check that found it, when one did."""
    out = []
    for p in problems:
        m = _CHECK_ID.match(p.message)
        message, check = (p.message[m.end() :], m.group(1)) if m else (p.message, "")
        message = studio_phrases(message)
        if p.source is not None and Path(p.source).resolve() != Path(path).resolve():
            where = Path(p.source).name + (f", {p.location}" if p.location else "")
        elif p.location and p.location != "(top level)":
            where = where_words(p.location, data)
        else:
            where = "The document"
        out.append((where, message, check))
    return tuple(out)


def _note_anchors(prepared: Prepared) -> dict[str, str]:
    """The heading each note of the notes section prints ("3. Title") -> its anchor."""
    anchors: dict[str, str] = {}
    used: set[str] = set()
    number = 0
    for note in prepared.selection.notes:
        heading = None
        if note.placement == "notes":
            number += 1
            heading = f"{number}. {note.title}"
        elif note.placement == "payment_schedule":
            heading = note.title
        anchor = f"note-{note.id}"
        if heading is not None and anchor not in used and heading not in anchors:
            anchors[heading] = anchor
            used.add(anchor)
    return anchors


def document_view(studio: Studio, path: Path, *, all_notes: bool) -> DocumentView:
    from ..ops.report import make_report

    workspace = studio.workspace
    status = workspace.status(path)
    problems: list[Problem] = []
    prepared = report = None
    findings: list[FindingView] = []
    preview: Preview | None = None
    preview_from = preview_problem = diff_problem = ""
    diff = None
    with workspace.lock:
        pipeline = workspace.pipeline()
        try:
            prepared = pipeline.prepare(path, explained=True)
            report = make_report(path, pipeline, all_notes=all_notes)
        except LoagenError as exc:
            problems = list(exc.problems)
    if prepared is not None:
        data = _plain_data(prepared)
        findings = findings_view(prepared.findings, data)
        docx: bytes | None = None
        if status.state == "current" and status.docx is not None:
            try:
                docx = status.docx.read_bytes()
                preview_from = "built"
            except OSError:
                docx = None
        if docx is None:
            try:
                with workspace.lock:
                    docx = pipeline.render(prepared, draft=bool(prepared.errors))
                preview_from = "draft" if prepared.errors else "unbuilt"
            except LoagenError as exc:
                preview_problem = str(exc)
        if docx is not None:
            try:
                preview = workspace.preview(
                    docx,
                    _note_anchors(prepared),
                    tuple(ln.number for ln in prepared.document.case.lines),
                )
            except PreviewError as exc:
                preview_problem = str(exc)
        if len(prepared.document.files) > 1:
            try:
                with workspace.lock:
                    before = load_version(prepared.document.files[-2].path, pipeline)
                    now = load_version(path, pipeline)
                diff = compare_versions(before, now)
            except LoagenError as exc:
                diff_problem = str(exc)
    pdf_available = True
    try:
        find_soffice()
    except ToolError:
        pdf_available = False
    build_redline = (
        bool(status.stem) and (workspace.build_dir / f"{status.stem}{REDLINE_SUFFIX}").is_file()
    )
    return DocumentView(
        status=status, prepared=prepared, report=report, findings=findings, preview=preview,
        preview_from=preview_from, preview_problem=preview_problem, diff=diff,
        diff_problem=diff_problem, problems=problems,
        has_previous=prepared is not None and len(prepared.document.files) > 1,
        pdf_available=pdf_available, build_redline=build_redline,
        followed_by=[f.name for f in workspace.followers(path)], built_at=_built_at(status),
        build_problems=problem_lines(status.problems, path, _raw_data(path)),
        load_problems=problem_lines(problems, path, _raw_data(path)),
        as_built=_as_built(workspace.build_dir, status.stem),
    )  # fmt: skip


def _as_built(build_dir: Path, stem: str | None) -> tuple[tuple[str, str], ...]:
    """The copies of the document's DOCX kept as built (`output.files.as_built_copies`), each
    (what its name says after the stem, the words of its link: "Word document as built on 30
    November 2026")."""
    if not stem:
        return ()
    out = []
    for what, _ in as_built_copies(build_dir / f"{stem}.docx"):
        day = what.removeprefix("as-built-")
        when = datetime.strptime(day[:10], "%Y-%m-%d")
        again = f" (copy {day[11:]})" if day[11:] else ""
        out.append((what, f"Word document as built on {when.day} {when:%B %Y}{again}"))
    return tuple(out)


def _built_at(status: DocumentStatus) -> str:
    """When the document's DOCX was written, in the computer's time, as people write it."""
    if status.docx is None:
        return ""
    try:
        when = datetime.fromtimestamp(status.docx.stat().st_mtime)
    except (OSError, ValueError, OverflowError):
        return "at an unknown time"
    return f"{when.day} {when:%B %Y %H:%M}"


def change_words(change: Any, prefix: str = "") -> str:
    """A field of `ops.diff` that changed, as a reviewer reads it: its label in the form and
    amounts in dollars ("Accessorial › Packing crating handling: $310,000 → $520,000"), not its
    path in the file and bare numbers."""
    label = where_words(f"{prefix}{change.field}", None).removeprefix("Document › ")
    old, new = change.old, change.new
    last = change.field.rsplit(".", 1)[-1]
    amounts = not any(w in last for w in ("quantity", "rate", "percent"))
    if amounts and isinstance(old, Decimal | None) and isinstance(new, Decimal | None):
        was = money(old) if old is not None else "none"
        now = money(new) if new is not None else "none"
        return f"{label}: {was} → {now}"
    text = change.to_text()
    return label + text[len(change.field) :].replace(" -> ", " → ", 1)


def shown_changes(diff: DocumentDiff) -> tuple[list[str], list[str]]:
    """The changes of the document's own fields and of the case's, in words; without the kind
    of document and its first number, which every Amendment and Modification changes (the
    heading says what is compared)."""
    fields = [
        change_words(f, "document.")
        for f in diff.fields
        if f.field != "kind" and not (f.field == "number" and f.old is None)
    ]
    return fields, [change_words(f) for f in diff.case_fields]


def note_tags(view: DocumentView) -> dict[str, str]:
    """The tag of each note printed, where the report's would mislead: a note the case carries
    printed again only for lines this document adds (a new line's description) is "added for a
    new line", not "restated"."""
    if view.prepared is None or view.diff is None or view.report is None:
        return {}
    added = {ln.number for ln in view.diff.lines if ln.change == "added"}
    decided = {d.note_id: d for d in view.prepared.selection.decisions}
    tags = {}
    for row in view.report.printed:
        d = decided.get(row.id)
        if row.tag == "restated" and d is not None and d.lines and set(d.lines) <= added:
            tags[row.id] = f"added for the new line{'s' if len(d.lines) > 1 else ''}"
    return tags


def _raw_data(path: Path) -> Any:
    """The case file's data as written (for naming the lines of a build's problems), or None
    when it cannot be read."""
    try:
        return parse_case_bytes(read_limited(path, "case file", LoagenError), path)
    except LoagenError:
        return None


def _plain_data(prepared: Prepared) -> dict[str, Any]:
    """The case as data (for naming the lines of findings)."""
    return prepared.document.case.model_dump(mode="json", exclude_none=True)


async def document_page(studio: Studio, request: Request, path: Path) -> Response:
    all_notes = request.query_params.get("notes") == "all"
    view = await asyncio.to_thread(document_view, studio, path, all_notes=all_notes)
    title = f"{view.status.case_id} {view.status.title}".strip()
    changes = shown_changes(view.diff) if view.diff is not None else ([], [])
    return studio.page(
        request, "document.html", title=title, section="cases", view=view,
        rel=studio.url_of(path), all_notes=all_notes, note_groups=NOTE_GROUPS, changes=changes,
        tags=note_tags(view),
    )  # fmt: skip


async def rebuild(studio: Studio, request: Request, path: Path) -> Response:
    result = await asyncio.to_thread(studio.workspace.rebuild, path)
    rel = studio.url_of(path)
    say_build(studio, request, result)
    return studio.redirect(f"/doc/{rel}")


def say_build(studio: Studio, request: Request, result: Any, prefix: str = "") -> None:
    if result.status == "built":
        extra = " A copy with tracked changes against the previous build is ready." if (
            result.redline
        ) else ""  # fmt: skip
        studio.say(request, "ok", f"{prefix}Built {result.docx.name}.{extra}")
        if getattr(result, "as_built", None) is not None:
            studio.say(
                request, "warn",
                "This document was already answered (a later document of its case follows "
                f"it): the DOCX as built kept as {result.as_built.name}, listed with the "
                "downloads. What was signed stays as it was; send the new one only if it is "
                "meant to replace it.",
            )  # fmt: skip
        if getattr(result, "kept", None) is not None:
            studio.say(
                request, "warn",
                f"The DOCX there was changed since it was built: kept as {result.kept.name}.",
            )  # fmt: skip
        for warning in result.warnings:
            studio.say(request, "warn", warning)
    else:
        n = len(result.problems)
        if all_to_fill(
            result.problems
        ):  # a file being filled in, saved part way: nothing is wrong with it
            studio.say(
                request, "warn",
                f"{prefix}Not built yet: {n} value{'s' if n != 1 else ''} still to fill in "
                "(listed on this page). The document is built once every one is filled in.",
            )  # fmt: skip
            return
        # the quality checks' errors (each "[QC-...] ...") are errors, as the page counts them
        word = "error" if all(p.message.startswith("[QC-") for p in result.problems) else "problem"
        studio.say(
            request, "error",
            f"{prefix}Not built: {n} {word}{'s' if n != 1 else ''} (listed on this page). "
            "Fix them and rebuild.",
        )  # fmt: skip


# -- downloads -----------------------------------------------------------------------------------

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
AS_BUILT_WHAT = re.compile(r"as-built-\d{4}-\d{2}-\d{2}(?:-\d+)?")
"""The download of a DOCX kept as built, by what its name says after the stem."""


def _attachment(data: bytes, name: str, media_type: str) -> Response:
    safe = "".join(c for c in name if c.isalnum() or c in "-_.") or "document"
    return Response(
        data,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{safe}"'},
    )


async def download(studio: Studio, request: Request, path: Path) -> Response:
    what = request.path_params["what"]
    workspace = studio.workspace
    status = workspace.status(path)
    if not status.stem:
        return studio.not_found(request, "This case file cannot be read, so it has no document.")
    built = workspace.build_dir / f"{status.stem}.docx"
    try:
        if what == "docx":
            if status.docx is None:
                return studio.not_found(
                    request, "This document is not built yet: rebuild it first."
                )
            return _attachment(built.read_bytes(), built.name, DOCX_TYPE)
        if what == "pdf":
            if status.docx is None:
                return studio.not_found(
                    request, "This document is not built yet: rebuild it first."
                )
            pdf = built.with_suffix(".pdf")
            if not pdf_up_to_date(built):
                laid_out = await asyncio.to_thread(_lay_out, studio, path, built)
                if laid_out.problem is not None and not pdf_up_to_date(built):
                    raise laid_out.problem
            return _attachment(pdf.read_bytes(), pdf.name, "application/pdf")
        if what == "redline-build":
            target = workspace.build_dir / f"{status.stem}{REDLINE_SUFFIX}"
            if not target.is_file():
                return studio.not_found(request, "There is no earlier build to compare with.")
            return _attachment(target.read_bytes(), target.name, DOCX_TYPE)
        if what == "redline-previous":
            data = await asyncio.to_thread(_redline_against_previous, studio, path)
            return _attachment(data, f"{status.stem}-changes.docx", DOCX_TYPE)
        if AS_BUILT_WHAT.fullmatch(what):  # a DOCX kept as built (`output.files.keep_copy`)
            target = workspace.build_dir / f"{status.stem}.{what}.docx"
            if not target.is_file():
                return studio.not_found(request, "There is no such copy of this document.")
            return _attachment(target.read_bytes(), target.name, DOCX_TYPE)
        if what == "manifest":
            target = manifest_path(built)
            if not target.is_file():
                return studio.not_found(request, "This document is not built yet.")
            return _attachment(target.read_bytes(), target.name, "application/json")
    except LoagenError as exc:
        return studio.page(
            request, "message.html", status_code=409, title="Cannot make the file",
            heading="The file cannot be made", text=str(exc),
        )  # fmt: skip
    except OSError as exc:
        return studio.page(
            request, "message.html", status_code=409, title="Cannot read the file",
            heading="The file cannot be read", text=exc.strerror or str(exc),
        )  # fmt: skip
    return studio.not_found(request, "There is no such download.")


def _lay_out(studio: Studio, path: Path, built: Path) -> LaidOut:
    """Lay the built document out with LibreOffice: its PDF beside it, and the true page count
    stored in the DOCX (as `loagen build --pdf` does)."""
    workspace = studio.workspace
    with workspace.lock:
        (laid_out,) = workspace.pipeline().lay_out([(path, built)], timeout=120)
    return laid_out


def _redline_against_previous(studio: Studio, path: Path) -> bytes:
    workspace = studio.workspace
    with workspace.lock:
        pipeline = workspace.pipeline()
        document = pipeline.document(path)
        if len(document.files) < 2:
            raise LoagenError("a Basic has no previous document to compare with", source=path)
        old = rendered(document.files[-2].path, pipeline)
        new = rendered(path, pipeline)
    return redline_docx(old, new)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
