"""Editing a case document in the form, and the buttons that start its next document.

The form is generated from the case model (`forms`); checking it runs the case model's
validation (`case.loading.parse_case`) and, once the data is valid, the pipeline's note
selection and quality checks on the unsaved data (its `previous` chain read from disk), so
every problem is shown at its field before anything is written. Saving is refused while the
file would not load, and when the file changed on disk since the form was opened (its SHA-256
is carried by the form): the writer's edits come back in the form, nothing is lost. Saving
writes through `output.case_files.save_case_file` (atomic; a YAML file keeps its comments) and
rebuilds the document like `loagen batch --redline`.

"New case" calls `loagen new` (`ops.start.start_case`), "Next Amendment" and "Next
Modification" `loagen amend` / `loagen modify` (`ops.start.next_document`), "Restate" `loagen
restate` (`ops.restate`), and the spreadsheet import `loagen lines import` (`ops.lines_import`),
refused while the form holds changes not saved.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..case.loading import (
    CASE_SUFFIXES,
    CaseFile,
    case_files_in,
    follows,
    load_case,
    parse_case,
    parse_case_bytes,
    previous_path,
    read_case_data,
)
from ..case.model import funding_mismatch
from ..case.placeholders import unfilled, without_placeholders
from ..document.assembly import LoaDocument
from ..document.nomenclature import counts_items, plural_name, singular_name
from ..document.wording import spell_date
from ..errors import CaseError, HistoryError, LoagenError, Problem, ScaffoldError
from ..ops import lines_import
from ..ops.restate import restate_file
from ..ops.start import (
    CATEGORIES,
    FUNDING,
    PROGRAMS,
    check_case_id,
    describe,
    start_case,
)
from ..ops.start import next_document as start_next
from ..output.case_files import (
    case_file_bytes,
    discard_case_file,
    restore_discarded,
    save_case_file,
)
from ..policy.checks import Finding
from ..reading import read_limited
from ..reference import load_reference
from .cases import FindingView, _where, findings_view, say_build
from .forms import (
    LINE_COLUMNS,
    FieldSpec,
    apply_op,
    case_form,
    choice_options,
    field_id,
    form_paths,
    place,
    read_form,
    studio_phrases,
    tidy,
)
from .web import Studio
from .workspace import TRASH, deleted

SAVE_LOCK = threading.Lock()
"""Held from the check of a file's hash to its write: two saves never interleave."""
MAX_FIELDS = 50_000


@dataclass
class ProblemView:
    field: str
    where: str
    message: str
    to_fill: bool = False
    """A value still to fill in (a FILL IN of `loagen new` or `amend`), not a mistake."""


@dataclass
class Checked:
    """What checking the form's data found."""

    problems: list[ProblemView] = field(default_factory=list)
    """What stops the file from loading (the file cannot be saved with these)."""
    findings: list[FindingView] = field(default_factory=list)
    notices: list[ProblemView] = field(default_factory=list)
    """Problems that do not stop saving (a note that cannot be filled for this case)."""
    errs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Form path -> (kind, message) shown at that field."""
    computed: dict[str, str] = field(default_factory=dict)
    """Form path of a field left empty -> what loagen writes in its place (the State
    description worded from the lines, a line's name from its MASL description)."""

    @property
    def blocking(self) -> bool:
        return bool(self.problems)


def check_data(studio: Studio, path: Path, data: dict[str, Any]) -> Checked:
    """Validate form data as the case file at `path` would be, and run the quality checks."""
    spec = case_form()
    shown = form_paths(spec, data)
    checked = Checked()

    def problem(p: Problem, into: list[ProblemView], *, to_fill: bool = False) -> None:
        p = replace(p, message=studio_phrases(p.message))  # the studio's words, not the CLI's
        other_file = p.source is not None and Path(p.source).resolve() != path.resolve()
        if other_file:
            where = f"{Path(p.source).name}{': ' + p.location if p.location else ''}"
            into.append(ProblemView("", where, p.message))
            return
        target = place(p.location, shown, p.message)
        into.append(ProblemView(target, _where(p.location if p.location != "(top level)"
                                               else "", data), p.message, to_fill))  # fmt: skip
        checked.errs.setdefault(target, []).append(("problem", p.message))

    # Values still to fill in (`loagen new`, `amend`) are named as loading names them (the
    # form's data is no file's text: each is shown at its field, with no line). The file's
    # hints point to the codes listed in its comments; here each field offers its choices.
    blanks = unfilled(data, b"", path)
    for p in blanks:
        said = replace(p, message=p.message.replace(" from the list above", " from its choices"))
        problem(said, checked.problems, to_fill=True)
    try:
        case = parse_case(data, source=path)
    except CaseError as exc:
        for p in without_placeholders(exc.problems, data):
            problem(p, checked.problems)
        return checked
    if blanks:
        return checked
    workspace = studio.workspace
    try:
        with workspace.lock:
            pipeline = workspace.pipeline()
            earlier: tuple[CaseFile, ...] = ()
            previous = case.document.previous
            if previous:
                target = previous_path(path, previous)
                if target.resolve() == path.resolve():
                    raise HistoryError(
                        "document.previous names this file itself", source=path,
                        location="document.previous",
                    )  # fmt: skip
                earlier = pipeline.load(target)
                if earlier[-1].case.case_id != case.case_id:
                    raise HistoryError(
                        f"previous document {target.name} belongs to case "
                        f"{earlier[-1].case.case_id}, not {case.case_id}",
                        source=path, location="document.previous",
                    )  # fmt: skip
            unsaved = json.dumps(data, sort_keys=True, default=str).encode()
            here = CaseFile(path, case, hashlib.sha256(unsaved).hexdigest())
            document = pipeline.assemble((*earlier, here))
    except CaseError as exc:
        for p in exc.problems:
            problem(p, checked.problems)
        return checked
    checked.computed = _computed(document)
    findings: tuple[Finding, ...]
    try:
        with workspace.lock:
            selection = pipeline.select(document)
            findings = pipeline.check(document, selection)
    except LoagenError as exc:
        for p in exc.problems:
            problem(p, checked.notices)
        with workspace.lock:
            findings = pipeline.check(document, None)
    checked.findings = findings_view(findings, data, spec)
    for fv in checked.findings:
        checked.errs.setdefault(fv.field, []).append(
            (fv.finding.severity, f"{fv.message} ({fv.finding.rule_id})")
        )
    return checked


def _computed(document: LoaDocument) -> dict[str, str]:
    """What the document says where the writer left a field to loagen (see `Checked`)."""
    case = document.case
    computed = {}
    if not case.state_description:
        computed["state_description"] = document.state_description
    for i, line in enumerate(case.lines):
        if not line.nomenclature:
            computed[f"lines[{i}].nomenclature"] = singular_name(line)
        if not line.nomenclature_plural and counts_items(line):
            computed[f"lines[{i}].nomenclature_plural"] = plural_name(line)
    return computed


# -- the page -------------------------------------------------------------------------------------


def _heading(data: Any, path: Path) -> str:
    doc = data.get("document") if isinstance(data, dict) else None
    case_id = data.get("case_id", "") if isinstance(data, dict) else ""
    if isinstance(doc, dict) and doc.get("kind"):
        title = str(doc["kind"]) + (f" {doc['number']}" if doc.get("number") else "")
        if doc.get("restated"):
            title += " (restated)"
        return f"{case_id} {title}".strip()
    return path.name


def _kind(data: Any) -> str:
    """The kind of document the form holds ("Basic"...), "" when not said yet."""
    doc = data.get("document") if isinstance(data, dict) else None
    return str(doc.get("kind") or "") if isinstance(doc, dict) else ""


def _render(
    studio: Studio, request: Request, path: Path, data: dict[str, Any], sha: str,
    checked: Checked | None, *, conflict: bool = False, status_code: int = 200,
    import_errors: list[str] | None = None, import_mode: str = "update", focus_field: str = "",
    gone: bool = False,
) -> Response:  # fmt: skip
    checked_ = checked or Checked()
    problems = [*checked_.problems, *checked_.notices]
    unsaved = False  # the form shows values the file does not hold (after Check, a row added...)
    if request.method == "POST":
        try:
            unsaved = not _holds(path, read_limited(path, "case file", CaseError), data)
        except (LoagenError, OSError):
            unsaved = True
    return studio.page(
        request, "edit.html", status_code=status_code, section="cases", unsaved=unsaved,
        title=f"Edit {_heading(data, path)}", heading=_heading(data, path),
        rel=studio.url_of(path), spec=case_form(), data=data, sha=sha, case_kind=_kind(data),
        errs=checked_.errs, computed=checked_.computed, problems=problems, findings=checked_.findings,
        checked=checked is not None, conflict=conflict, line_columns=LINE_COLUMNS,
        import_errors=import_errors or [], import_mode=import_mode, focus_field=focus_field,
        gone=gone, file_name=path.name,
    )  # fmt: skip


def _read(path: Path) -> tuple[bytes, dict[str, Any] | None, str]:
    raw = read_limited(path, "case file", CaseError)
    try:
        data = parse_case_bytes(raw, path)
    except CaseError:
        data = None
    return raw, data, hashlib.sha256(raw).hexdigest()


async def edit_page(studio: Studio, request: Request, path: Path) -> Response:
    if request.method == "GET":
        try:
            raw, data, sha = _read(path)
        except LoagenError as exc:
            return studio.page(request, "message.html", title="Cannot open", status_code=409,
                               heading="This file cannot be opened", text=str(exc))  # fmt: skip
        if data is None:
            try:
                parse_case_bytes(raw, path)
            except CaseError as exc:
                return studio.page(
                    request, "message.html", status_code=409, title="Cannot open",
                    heading="This file cannot be opened in the form",
                    text=f"{exc} — the file is not valid JSON or YAML, so the form cannot show "
                    "it. Fix it in a text editor at the place named, then open it here again.",
                )  # fmt: skip
        assert data is not None
        checked = await asyncio.to_thread(check_data, studio, path, data)
        focus = ""
        if request.query_params.get("started"):
            # a case just started (New case): the keyboard starts at the first value to give
            focus = next((field_id(p.field) for p in checked.problems if p.to_fill and p.field), "")
        return _render(studio, request, path, data, sha, checked, focus_field=focus)

    form = await request.form(max_fields=MAX_FIELDS, max_files=0)
    spec = case_form()
    sha = str(form.get("_sha", ""))
    try:
        raw, original, current_sha = _read(path)
    except LoagenError as exc:
        return studio.page(request, "message.html", title="Cannot open", status_code=409,
                           heading="This file cannot be read", text=str(exc))  # fmt: skip
    data = tidy(spec, read_form(spec, form), original)
    op = form.get("_op")
    if op:
        row = apply_op(spec, data, str(op))
        checked = await asyncio.to_thread(check_data, studio, path, data)
        # a row added: the keyboard goes on at its first field, not at the top of the page
        focus = field_id(row) if row and str(op).startswith("add:") else ""
        return _render(studio, request, path, data, sha, checked, focus_field=focus)
    checked = await asyncio.to_thread(check_data, studio, path, data)
    if form.get("_action") == "recreate":
        # the form of a deleted file, saved again as that file: one is there again by now
        studio.say(request, "error", f"Not saved: a file {studio.url_of(path)} is there again "
                   "(made after this page offered to save it again), and it is not written "
                   "over. Your typing is below.")  # fmt: skip
        return _render(studio, request, path, data, sha, checked, conflict=True, status_code=409)
    if form.get("_action") != "save":
        return _render(studio, request, path, data, sha, checked)
    if checked.blocking and _loads(path):
        n = len(checked.problems)
        studio.say(
            request, "error",
            f"Not saved: {n} problem{'s' if n != 1 else ''} to fix first (marked below). "
            "Your changes are still in the form.",
        )  # fmt: skip
        return _render(studio, request, path, data, sha, checked, status_code=422)
    before = await asyncio.to_thread(_data_or_none, path)
    saved = await asyncio.to_thread(_save, studio, path, data, sha)
    if saved == "conflict":
        studio.say(request, "error", "Not saved: this file was changed by someone else after "
                   "you opened it. Your changes are in the form below.")  # fmt: skip
        return _render(studio, request, path, data, sha, checked, conflict=True, status_code=409)
    if isinstance(saved, LoagenError):
        studio.say(request, "error", f"Not saved: {saved}")
        return _render(studio, request, path, data, sha, checked, status_code=500)
    if saved == "unchanged":
        # The form holds what the file holds: the file is left as it is, byte for byte (a
        # save would only lay it out anew), and the document is rebuilt only if out of date.
        status = await asyncio.to_thread(studio.workspace.status, path)
        if status.state == "current":
            studio.say(request, "ok", "Nothing changed: nothing saved. The document is up to "
                       "date, so it was not rebuilt.")  # fmt: skip
            return studio.redirect(f"/doc/{studio.url_of(path)}")
        result = await asyncio.to_thread(studio.workspace.rebuild, path)
        say_build(studio, request, result, prefix="Nothing changed: nothing saved. ")
        return studio.redirect(f"/doc/{studio.url_of(path)}")
    if saved in ("repeated", "held"):
        # The file already holds this data: the same save sent twice (a second click before
        # the page changed: the first save rebuilds and says so), or the same values saved
        # from another page. Nothing is lost, so it is no conflict.
        status = await asyncio.to_thread(studio.workspace.status, path)
        if saved == "held":
            studio.say(request, "ok", "Saved: the file already held these values.")
        if status.state == "current":
            return studio.redirect(f"/doc/{studio.url_of(path)}")
    result = await asyncio.to_thread(studio.workspace.rebuild, path)
    say_build(studio, request, result, prefix="Saved. ")
    if saved == "saved":
        for warning in await asyncio.to_thread(_followers_words, path, before, data):
            studio.say(request, "warn", warning)
    return studio.redirect(f"/doc/{studio.url_of(path)}")


def _data_or_none(path: Path) -> dict[str, Any] | None:
    try:
        return read_case_data(path)[0]
    except LoagenError:
        return None


def _followers_words(path: Path, before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """What to tell a writer who changed the case (not only the document's own data) in a
    document later ones follow: each of them holds its own copy of the case, without the
    change, and so now reads as undoing it."""

    def case_part(data: dict[str, Any]) -> Any:
        # as loagen reads it (a number or a date however the file or the form wrote it)
        try:
            return parse_case(data).model_dump(exclude={"document"})
        except LoagenError:
            return None

    if before is None:
        return []
    old, new = case_part(before), case_part(after)
    if old is None or new is None or old == new:
        return []
    try:
        files, _ = case_files_in(path.parent, path)
    except OSError:
        return []
    later = [
        other.name for other, data in files
        if data.get("case_id") == after.get("case_id") and follows(other, data, path)
    ]  # fmt: skip
    return [
        f"{name} follows this document and keeps its own copy of the case: what you changed "
        "here is not in it, so against this document it now reads as undoing your change. "
        "Open it and make the same change there if it is meant to stay."
        for name in later
    ]


def _gone_words(rel: str) -> str:
    return (
        f"{rel} was deleted (or moved) after this page was opened, so there is no file to save "
        "over."
    )


async def edit_gone(studio: Studio, request: Request, path: Path) -> Response:
    """The form of a case file deleted (or moved) after its page opened, posted: the form comes
    back with its typing, saying what happened, and offers to save it again as that file
    ("recreate"), never over a file of that name made since."""
    form = await request.form(max_fields=MAX_FIELDS, max_files=0)
    spec = case_form()
    data = tidy(spec, read_form(spec, form), None)
    rel = studio.url_of(path)
    if form.get("_action") == "recreate":
        with SAVE_LOCK:
            if path.exists():
                written: bytes | LoagenError | None = None
            else:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    written = save_case_file(path, data)
                except (LoagenError, OSError) as exc:
                    written = exc if isinstance(exc, LoagenError) else CaseError(str(exc))
        if isinstance(written, bytes):
            result = await asyncio.to_thread(studio.workspace.rebuild, path)
            say_build(studio, request, result, prefix=f"Saved again as {rel}. ")
            return studio.redirect(f"/doc/{rel}")
        if written is None:
            studio.say(request, "error", f"Not saved: a file {rel} was made again after this "
                       "page's Save again was offered, and it is not written over. Your typing "
                       f"is below: open {rel} in another tab to compare.")  # fmt: skip
            return _render(studio, request, path, data, "", Checked(), status_code=409)
        studio.say(request, "error", f"Not saved: {written}")
        return _render(studio, request, path, data, "", Checked(), status_code=500, gone=True)
    op = form.get("_op")
    if op:  # a row added or moved: the form goes on, and says what happened to its file
        apply_op(spec, data, str(op))
    saving = "Not saved: " if form.get("_action") == "save" else ""
    studio.say(request, "error", f"{saving}{_gone_words(rel)} Your typing is below, not lost: "
               f"to keep it, save it again as {path.name}.")  # fmt: skip
    return _render(studio, request, path, data, "", _checked_gone(studio, path, data),
                   status_code=410, gone=True)  # fmt: skip


def _checked_gone(studio: Studio, path: Path, data: dict[str, Any]) -> Checked:
    """What checking the form of a deleted file finds (nothing, when it cannot be checked
    without its file)."""
    try:
        return check_data(studio, path, data)
    except (LoagenError, OSError):
        return Checked()


async def check_gone(studio: Studio, request: Request, path: Path) -> Response:
    """The live check of a form whose file was deleted (or moved) since its page opened."""
    rel = studio.url_of(path)
    return JSONResponse(
        {"gone": f"{_gone_words(rel)} Save offers to save your typing again as that file."},
        status_code=410,
    )


def _loads(path: Path) -> bool:
    """Whether the file on disk loads now (a file that does is never saved broken; one that
    does not, such as a next document still to fill in, may be saved part done)."""
    try:
        load_case(path)
    except LoagenError:
        return False
    return True


def _save(studio: Studio, path: Path, data: dict[str, Any], sha: str) -> str | LoagenError:
    """Write the form's data over the file opened with hash `sha`: "saved"; "unchanged" when
    the file is still the one opened and already holds this data (it is not written, so its
    layout stays as it is); "repeated" when
    this very save was made already (the file is what a save from `sha` wrote, and holds this
    data); "held" when the file changed since but holds this data already; else "conflict"."""

    with SAVE_LOCK:
        try:
            raw = read_limited(path, "case file", CaseError)
        except LoagenError as exc:
            return exc
        now = hashlib.sha256(raw).hexdigest()
        if now != sha:
            if not _holds(path, raw, data):
                return "conflict"
            return "repeated" if studio.saved_from(path, sha) == now else "held"
        if _holds(path, raw, data):
            return "unchanged"
        try:
            written = save_case_file(path, data, original=raw)
        except LoagenError as exc:
            return exc
        studio.remember_save(path, sha, hashlib.sha256(written).hexdigest())
    return "saved"


def _holds(path: Path, raw: bytes, data: dict[str, Any]) -> bool:
    """Whether the case file's bytes `raw` hold `data` (saving it would change no value)."""
    try:
        written = case_file_bytes(path, data, original=raw)
        return parse_case_bytes(written, path) == parse_case_bytes(raw, path)
    except LoagenError:
        return False


async def file_sha(studio: Studio, request: Request, path: Path) -> Response:
    """The SHA-256 of the case file as saved now: an open form asks for it now and then, to say
    at once when the file was saved elsewhere (another tab, someone else) after it opened."""
    try:
        raw = read_limited(path, "case file", CaseError)
    except LoagenError:
        return JSONResponse({"sha": ""})
    return JSONResponse({"sha": hashlib.sha256(raw).hexdigest()})


async def check_json(studio: Studio, request: Request, path: Path) -> Response:
    """The live check of the form (the page's script posts the form here as it is edited):
    the summary and each field's messages, as HTML fragments."""
    form = await request.form(max_fields=MAX_FIELDS, max_files=0)
    spec = case_form()
    try:
        _, original, _ = _read(path)
    except LoagenError:
        original = None
    data = tidy(spec, read_form(spec, form), original)
    checked = await asyncio.to_thread(check_data, studio, path, data)
    env = studio.env
    summary = env.get_template("edit_summary.html").render(
        problems=[*checked.problems, *checked.notices], findings=checked.findings, checked=True,
        rel=studio.url_of(path),
    )  # fmt: skip
    message = env.from_string(
        '{% for sev, text in items %}<p class="field-msg {{ sev }}">{{ text }}</p>{% endfor %}'
    )

    fields = {field_id(p): message.render(items=items) for p, items in checked.errs.items() if p}
    computed = {field_id(p): text for p, text in checked.computed.items()}
    return JSONResponse({"summary": summary, "fields": fields, "computed": computed,
                         "problems": len(checked.problems), "findings": len(checked.findings)})  # fmt: skip


# -- the next document ------------------------------------------------------------------------------


KINDS = {"amendment": "Amendment", "modification": "Modification"}


_COMMAND_ADVICE = re.compile(r"\((?:[^;()]*--|loagen )[^;()]*; in the studio, ([^()]*)\)")
_COMMAND_OPTIONS = {
    "leave --implementation-date out": "leave the implementation date empty",
}


def studio_words(message: str) -> str:
    """A message of `ops.start` as the studio says it: where it gives the command line's way
    and the studio's ("(--implementation-date YYYY-MM-DD; in the studio, its Implementation
    date field)"), only the studio's, which is what the reader can do here."""
    message = _COMMAND_ADVICE.sub(r"(\1)", message)
    for said, meant in _COMMAND_OPTIONS.items():
        message = message.replace(said, meant)
    return message


async def next_document(studio: Studio, request: Request, path: Path) -> Response:
    """Start the next Amendment or Modification of the case, as `loagen amend` / `loagen
    modify` do (`ops.start.next_document`), then open it in the form."""

    rel = studio.url_of(path)
    values = {"kind": "", "implementation_date": ""}
    error = ""
    if request.method == "POST":
        form = await request.form(max_fields=10, max_files=0)
        values = {k: str(form.get(k, "")).strip() for k in values}
    else:
        values["kind"] = request.query_params.get("kind", "")
    kind = KINDS.get(values["kind"])
    if kind is None:
        return studio.not_found(request, "There is no such next document.")
    if request.method == "POST":
        implementation: date | None = None
        if values["implementation_date"]:
            try:
                implementation = date.fromisoformat(values["implementation_date"])
            except ValueError:
                error = "Give the implementation date as the date box asks (year, month, day)."
        if not error:
            try:
                started = await asyncio.to_thread(
                    start_next, path, kind, implementation_date=implementation
                )
            except LoagenError as exc:
                error = studio_words(str(exc.message) if len(exc.problems) == 1 else str(exc))
            else:
                fill = len(started.to_fill)
                studio.say(
                    request, "ok",
                    f"Started {started.title} ({started.path.name}) with the lines as they stand. "
                    + (f"Fill in the {fill} field{'s' if fill != 1 else ''} marked below, "
                       "change what this document changes, then save." if fill
                       else "Change what this document changes, then save."),
                )  # fmt: skip
                for note in started.notes:
                    studio.say(request, "warn", note)
                return studio.redirect(f"/edit/{studio.url_of(started.path)}?started=1")
    case_id = ""
    try:
        case = load_case(path).case
        document = case.document
        title = document.kind + (f" {document.number}" if document.number else "")
        case_id = case.case_id
    except LoagenError:
        title = path.name
    return studio.page(
        request, "next.html", section="cases", title=f"Next {kind}", rel=rel, kind=kind,
        values=values, error=error, current=title, case_id=case_id,
        status_code=422 if error else 200,
    )  # fmt: skip


# -- restate --------------------------------------------------------------------------------------------


async def restate_page(studio: Studio, request: Request, path: Path) -> Response:

    rel = studio.url_of(path)
    values = {"previous_offer_date": "", "offer_expiration_date": ""}
    error = ""
    if request.method == "POST":
        form = await request.form(max_fields=10, max_files=0)
        values = {k: str(form.get(k, "")).strip() for k in values}
        try:
            previous = date.fromisoformat(values["previous_offer_date"])
            expires = (
                date.fromisoformat(values["offer_expiration_date"])
                if values["offer_expiration_date"]
                else None
            )
        except ValueError:
            error = "Give the dates as the date boxes ask (year, month, day)."
        else:
            try:
                written = await asyncio.to_thread(restate_file, path, previous, expires)
            except LoagenError as exc:
                error = str(exc.message)
            else:
                result = await asyncio.to_thread(studio.workspace.rebuild, written)
                say_build(studio, request, result, prefix=f"Restated as {written.name}. ")
                return studio.redirect(f"/doc/{studio.url_of(written)}")
    try:
        document = load_case(path).case.document
    except LoagenError:
        document_kind, restates = "", None
    else:
        document_kind = document.kind
        # a restated document is offered again as the same restatement: the date it records
        # (restate refuses another one)
        restates = document.restated.previous_offer_date if document.restated else None
    if restates is not None and request.method != "POST":
        values["previous_offer_date"] = restates.isoformat()
    return studio.page(
        request, "restate.html", section="cases", title="Restate", rel=rel, values=values,
        error=error, kind=document_kind, doc_title=_doc_title(studio, path),
        restates=spell_date(restates) if restates is not None else "",
    )  # fmt: skip


# -- delete ----------------------------------------------------------------------------------------


def _outputs(studio: Studio, path: Path) -> list[Path]:
    """The files built from the case file at `path`: `build/<stem>.docx`, its manifest, PDF and
    redline (every name `<stem>.` starts)."""
    stem = studio.workspace.status(path).stem
    folder = studio.workspace.build_dir
    if not stem or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(stem + ".") and p.is_file())


async def delete_page(studio: Studio, request: Request, path: Path) -> Response:
    """Delete a document started by mistake: its case file and what was built from it move to
    the project's trash (`TRASH`), never deleted outright. A document another follows is
    refused (the follower's `previous` names it), and so is a file changed since the page that
    asked was opened."""
    rel = studio.url_of(path)
    followers = [studio.url_of(f) for f in studio.workspace.followers(path)]
    raw = read_limited(path, "case file", CaseError)
    sha = hashlib.sha256(raw).hexdigest()
    error = ""
    if request.method == "POST" and not followers:
        form = await request.form(max_fields=10, max_files=0)
        if str(form.get("_sha", "")) != sha:
            error = (
                "the file was changed (in another tab, or by someone else) after this page "
                "was opened. Look at it again before you delete it."
            )
        else:
            trash = studio.project.root / TRASH
            outputs = _outputs(studio, path)
            try:
                with SAVE_LOCK:
                    folder = await asyncio.to_thread(
                        discard_case_file, path, studio.project.root, trash, outputs
                    )
            except LoagenError as exc:
                error = str(exc.message)
            else:
                where = studio.url_of(folder)
                built = ", with what was built from it," if outputs else ""
                studio.say(
                    request, "ok",
                    f"Deleted {rel}: it was moved{built} to {where}/ in the project. To bring "
                    "it back, press Restore beside it under Deleted documents, below.",
                )  # fmt: skip
                return studio.redirect("/cases#deleted")
    status = studio.workspace.status(path)
    return studio.page(
        request, "delete.html", section="cases", title="Delete", rel=rel, sha=sha,
        followers=followers, error=error, outputs=[p.name for p in _outputs(studio, path)],
        doc_title=_doc_title(studio, path), superseded_by=status.superseded_by,
    )  # fmt: skip


async def restore_page(studio: Studio, request: Request) -> Response:
    """Bring back a deleted document (`Deleted`): its files move back from the trash, unless a
    file of the same name was written in its place since (then nothing moves)."""
    form = await request.form(max_fields=10, max_files=0)
    name = str(form.get("folder", ""))
    offered = {d.folder: d for d in deleted(studio.project.root)}
    if name not in offered:
        studio.say(request, "error", "Not restored: that delete is no longer in the trash.")
        return studio.redirect("/cases#deleted")
    try:
        with SAVE_LOCK:
            await asyncio.to_thread(
                restore_discarded, studio.project.root / TRASH / name, studio.project.root
            )
    except LoagenError as exc:
        studio.say(request, "error", f"Not restored: {exc.message}")
        return studio.redirect("/cases#deleted")
    files = ", ".join(offered[name].files)
    studio.say(request, "ok", f"Restored {files}, with what was built from it.")
    return studio.redirect("/cases")


def _doc_title(studio: Studio, path: Path) -> str:
    """The document as the pages name it ("BN-D-QAA Amendment 1 (restated)"), for crumbs."""
    status = studio.workspace.status(path)
    return f"{status.case_id} {status.title}".strip()


# -- spreadsheet import -----------------------------------------------------------------------------------


CHANGED_ELSEWHERE = (
    "Not imported: this file was changed by someone else (or in another tab) after you opened "
    "it. Reload the page, then import again."
)
UNSAVED = (
    "Not imported: the form holds changes that are not saved yet, and the import starts from "
    "the file as saved. Your changes are below: press Save and rebuild first, then choose the "
    "spreadsheet again and import it."
)


async def import_lines(studio: Studio, request: Request, path: Path) -> Response:
    """Fill the lines from a spreadsheet (`loagen lines import`). The edit page sends its whole
    form with the file: an import is refused while the form holds changes not saved (they
    would be lost: the import works on the file as saved), and the form comes back with them.
    What stops an import is said in the import's own panel."""
    module = lines_import
    rel = studio.url_of(path)
    spec = case_form()
    async with request.form(max_fields=MAX_FIELDS, max_files=1) as form:
        upload = form.get("table")
        sha = str(form.get("_sha", ""))
        mode = "replace" if form.get("import_mode", form.get("mode")) == "replace" else "update"
        chosen = hasattr(upload, "read") and bool(getattr(upload, "filename", ""))
        name = Path(str(getattr(upload, "filename", "") or "table")).name
        table = await upload.read() if chosen else b""  # type: ignore[union-attr]
        with_form = "case_id" in form  # the case form came with it (the edit page sends it)
        posted = read_form(spec, form) if with_form else None

    async def stop(problems: list[str], data: dict[str, Any] | None, status: int) -> Response:
        if data is None:
            try:
                _, data, _ = _read(path)
            except LoagenError:
                data = None
        if data is None:  # (a file the form cannot show: its page says why)
            for text in problems:
                studio.say(request, "error", text)
            return studio.redirect(f"/edit/{rel}")
        checked = await asyncio.to_thread(check_data, studio, path, data)
        return _render(studio, request, path, data, sha, checked, status_code=status,
                       import_errors=problems, import_mode=mode)  # fmt: skip

    if posted is not None:
        try:
            raw, original, _ = _read(path)
        except LoagenError as exc:
            return await stop([str(exc)], None, 409)
        edited = tidy(spec, posted, original)
        if hashlib.sha256(raw).hexdigest() != sha:  # saved elsewhere since the page opened
            return await stop([CHANGED_ELSEWHERE], edited, 409)  # (the form kept as it was)
        if original is None or not _holds(path, raw, edited):
            studio.say(request, "error", UNSAVED)
            return await stop([UNSAVED], edited, 409)
    if not chosen:
        return await stop(
            ["Not imported: choose the spreadsheet (.xlsx or .csv) first."], None, 422
        )
    outcome = await asyncio.to_thread(
        _import, studio, module, path, name, table, sha, mode == "replace"
    )
    if isinstance(outcome, list):
        return await stop(outcome, None, 422)
    report, result = outcome
    counts = (
        ", ".join(
            f"{len(items)} {word}"
            for items, word in (
                (report.added, "added"),
                (report.updated, "updated"),
                (report.removed, "removed"),
            )  # fmt: skip
            if items
        )
        or "no line changed"
    )
    say_build(studio, request, result, prefix=f"Lines imported from {name}: {counts}. ")
    return studio.redirect(f"/doc/{rel}")


def _import(
    studio: Studio, module: Any, path: Path, name: str, data: bytes, sha: str, replace: bool
) -> Any:
    import tempfile

    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        return ["The spreadsheet must be an Excel workbook (.xlsx) or a CSV file."]
    with SAVE_LOCK:
        try:
            raw = read_limited(path, "case file", CaseError)
        except LoagenError as exc:
            return [str(exc)]
        if hashlib.sha256(raw).hexdigest() != sha:
            return [CHANGED_ELSEWHERE]
        with tempfile.TemporaryDirectory(prefix="loagen-studio-import-") as scratch:
            table = Path(scratch) / f"{Path(name).stem[:80] or 'table'}{suffix}"
            table.write_bytes(data)
            try:
                report = module.import_lines(path, table, replace=replace)
            except LoagenError as exc:
                said = exc.message.replace(str(table), name).removesuffix("; nothing was imported")
                return ["Nothing was imported: " + said] + [
                    p.message if not p.location else f"{p.location}: {p.message}"
                    for p in exc.problems[:50]
                ]
    return report, studio.workspace.rebuild(path)


def field_spec() -> FieldSpec:
    return case_form()


# -- a new case ------------------------------------------------------------------------------------------


@dataclass
class NewCaseField:
    """One box of the New case page: what `loagen new` takes, said as it says it."""

    name: str
    label: str
    help: str
    options: tuple[tuple[str, str], ...] = ()

    @property
    def required(self) -> bool:
        """Whether the case model requires the field (the edit form marks it so): needed
        before the document is built, though it may be left here to fill in later."""
        return any(c.name == self.name and c.required for c in case_form().children)


def new_case_fields() -> list[NewCaseField]:
    """The boxes of the New case page, with the help `loagen new` writes in the file and the
    choices of the case model (each with its meaning), as `loagen new` offers them."""

    def choices(name: str, values: Any) -> tuple[tuple[str, str], ...]:
        return choice_options("Case", name, values)  # worded as the edit form words them

    return [
        NewCaseField(
            "case_id", "Case identifier",
            f"{describe('case_id')} The country code, the Implementing Agency letter and the "
            "case designator, e.g. BN-D-QAB. The file is written as cases/CASE-ID/basic.yaml.",
        ),
        NewCaseField("program", "Program", describe("program"), choices("program", PROGRAMS)),
        NewCaseField("category", "Category", describe("category"),
                     choices("category", CATEGORIES)),
        NewCaseField("funding", "Funding", describe("funding"), choices("funding", FUNDING)),
        NewCaseField("terms_of_sale", "Terms of sale",
                     describe("terms_of_sale").removesuffix(", one or more of:") + ": tick one "
                     "or more, or leave them to fill in.",
                     choices("terms_of_sale", load_reference().terms_of_sale)),
        NewCaseField("nickname", "Case nickname", describe("nickname")),
    ]  # fmt: skip


async def new_case(studio: Studio, request: Request) -> Response:
    """Start a new case as `loagen new` does (`ops.start.start_case`): its Basic written to
    cases/CASE-ID/basic.yaml, never over a file, then opened in the form."""
    fields = new_case_fields()
    values: dict[str, Any] = {f.name: "" for f in fields}
    values["terms_of_sale"] = []
    errs: dict[str, str] = {}
    existing = ""
    if request.method == "POST":
        form = await request.form(max_fields=100, max_files=0)
        for f in fields:
            if f.name == "terms_of_sale":
                values[f.name] = [str(v) for v in form.getlist(f.name)]
            else:
                values[f.name] = str(form.get(f.name, "")).strip()
        for f in fields:
            chosen = values[f.name] if f.name == "terms_of_sale" else [values[f.name]]
            known = {v for v, _ in f.options}
            if f.options and any(v and v not in known for v in chosen):
                errs[f.name] = "Choose from the list."
        cid = ""
        try:
            cid = check_case_id(values["case_id"])
        except ScaffoldError as exc:
            errs["case_id"] = exc.message if values["case_id"] else "Give the case identifier."
        if values["program"] and values["funding"] and "funding" not in errs:
            mismatch = funding_mismatch(values["program"], values["funding"])
            if mismatch is not None:
                errs["funding"] = mismatch[0].upper() + mismatch[1:]
        target = studio.project.cases / cid / "basic.yaml"
        if cid and "case_id" not in errs:
            existing, why = _case_exists(studio, cid)
            if existing:
                errs["case_id"] = why
        if not errs:
            try:
                started = await asyncio.to_thread(
                    start_case, cid, target,
                    program=values["program"] or None, category=values["category"] or None,
                    funding=values["funding"] or None,
                    terms_of_sale=tuple(values["terms_of_sale"]),
                    nickname=values["nickname"] or None,
                    shown_as=Path(studio.url_of(target)),
                )  # fmt: skip
            except LoagenError as exc:
                errs["case_id"] = exc.message
            else:
                fill = len(started.to_fill)
                studio.say(
                    request, "ok",
                    f"Started case {cid}: {studio.url_of(started.path)}, its Basic. "
                    + (f"Fill in the {fill} field{'s' if fill != 1 else ''} marked below "
                       "(each says what to give), then save." if fill else "Save it when done."),
                )  # fmt: skip
                for note in started.notes:
                    studio.say(request, "warn", f"Note: {note}.")
                return studio.redirect(f"/edit/{studio.url_of(started.path)}?started=1")
    return studio.page(
        request, "new_case.html", section="cases", title="New case", fields=fields,
        values=values, errs=errs, existing=existing,
        status_code=422 if errs else 200,
    )  # fmt: skip


def _case_exists(studio: Studio, cid: str) -> tuple[str, str]:
    """(the project path of a document the case already has, why a new Basic is refused), or
    ("", "") when the case is new to the project."""
    folder = studio.project.cases / cid
    basics = sorted(
        f for f in (folder.glob("basic.*") if folder.is_dir() else ()) if f.suffix in CASE_SUFFIXES
    )
    for other in basics:
        if other.is_file():
            return studio.url_of(other), (
                f"Case {cid} already has a Basic ({studio.url_of(other)}); it is not written "
                "over. Open it, and start its next Amendment or Modification from its page."
            )
    for doc in studio.workspace.documents():
        if doc.case_id == cid:
            return doc.rel, (
                f"Case {cid} already has documents in this project ({doc.rel}); a second "
                "Basic is not started. Open it to continue the case."
            )
    return "", ""
