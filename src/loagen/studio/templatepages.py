"""The template pages: list, download, and replace a Word template after checking it.

An upload is checked as `loagen templates --check` checks the templates, on a scratch copy of
`templates/` holding the upload: the package and its XML (`rendering.templates`), the tags (an
error names the paragraph), the styles notes are written in, the variables the tags use, the
parts of the LOA every template prints (`template_checks.missing_content`), and a trial render of every case document the template is for. The impact is those renders compared
with the current template's, paragraph by paragraph. Nothing replaces the template until the
person who uploaded it presses the button, and only if the template was not changed meanwhile.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..case.loading import answered, load_case
from ..errors import LoagenError, RenderError
from ..output.files import atomic_write
from ..pipeline import Pipeline
from ..reading import read_limited
from ..rendering.template_checks import missing_content
from ..rendering.templates import TEMPLATE_NAMES
from .cases import DOCX_TYPE, _attachment
from .preview import PreviewError, document_text
from .security import UPLOAD_LIMIT, random_id
from .web import REBUILD_LINK, Studio

STAGED_LIMIT = 8
"""Uploads kept waiting for their confirmation (the oldest is dropped)."""


@dataclass
class TemplateInfo:
    name: str
    kind: str
    size: int
    sha256: str
    variables: list[str]
    unknown: dict[str, str]
    problem: str
    documents: int


def _kind_of(name: str) -> str | None:
    return next((k for k, n in TEMPLATE_NAMES.items() if n == name), None)


def _templates(studio: Studio) -> list[TemplateInfo]:
    workspace = studio.workspace
    counts: dict[str, int] = {}
    for doc in workspace.documents():
        kind = doc.title.split(" ")[0] if doc.stem else ""
        counts[kind] = counts.get(kind, 0) + 1
    compiled: dict[str, Any] = {}
    problem = ""
    with workspace.lock:
        try:
            renderer = workspace.pipeline().renderer
            compiled = renderer.all_templates()
        except LoagenError as exc:
            problem = str(exc)
    out = []
    for kind, name in TEMPLATE_NAMES.items():
        path = studio.project.templates / name
        info = TemplateInfo(name, kind, 0, "", [], {}, "", counts.get(kind, 0))
        try:
            raw = read_limited(path, "template", RenderError)
            info.size = len(raw)
            info.sha256 = hashlib.sha256(raw).hexdigest()
        except LoagenError as exc:
            info.problem = str(exc)
        if kind in compiled:
            info.variables = sorted(compiled[kind].variables(renderer.env))
            info.unknown = renderer.unknown_variables(compiled[kind])
        elif not info.problem:
            info.problem = problem
        out.append(info)
    return out


async def template_list(
    studio: Studio, request: Request, *, refused: tuple[str, str] | None = None
) -> Response:
    """The templates; `refused` is (template, why) when an upload to it was refused before any
    check (no file chosen, an empty file): said in its card."""
    infos = await asyncio.to_thread(_templates, studio)
    return studio.page(request, "templates.html", title="Templates", section="templates",
                       templates=infos, limit=UPLOAD_LIMIT, refused=refused or ("", ""),
                       status_code=422 if refused else 200)  # fmt: skip


async def template_download(studio: Studio, request: Request) -> Response:
    name = request.path_params["name"]
    if _kind_of(name) is None:
        return studio.refused(request, "not one of the project's templates")
    path = studio.project.templates / name
    try:
        raw = read_limited(path, "template", RenderError)
    except LoagenError as exc:
        return studio.not_found(request, str(exc))
    return _attachment(raw, name, DOCX_TYPE)


# -- checking an upload ------------------------------------------------------------------------------


@dataclass
class DocumentRender:
    rel: str
    title: str
    problem: str = ""
    changed: int = 0
    """Paragraphs whose text differs from the current template's render."""
    diff: list[tuple[str, str]] = field(default_factory=list)
    """(kind, text): the paragraphs removed ('-') and added ('+'), a few."""
    answered: bool = False
    """A later document of its case follows it (`case.loading.answered`, as `loagen impact`
    marks the documents a template change changes)."""


@dataclass
class UploadCheck:
    name: str
    kind: str
    size: int
    sha256: str
    problems: list[str] = field(default_factory=list)
    """What makes the template unusable (then it cannot replace the current one)."""
    unknown: dict[str, str] = field(default_factory=dict)
    documents: list[DocumentRender] = field(default_factory=list)
    seconds: float = 0.0
    token: str = ""
    uploaded: str = ""
    """The name of the file uploaded (the one problems name)."""
    advice: list[str] = field(default_factory=list)
    """What to do about the problems found, only what applies to them."""

    @property
    def failed(self) -> list[DocumentRender]:
        return [d for d in self.documents if d.problem]

    @property
    def changed(self) -> list[DocumentRender]:
        return [d for d in self.documents if d.changed and not d.problem]

    @property
    def answered(self) -> list[DocumentRender]:
        return [d for d in self.changed if d.answered]

    @property
    def accepted(self) -> bool:
        return not self.problems and not self.unknown and not self.failed


def check_upload(studio: Studio, name: str, raw: bytes, uploaded: str = "") -> UploadCheck:
    """Check `raw` (the file `uploaded`) as the template `name`."""
    started = time.perf_counter()
    kind = _kind_of(name) or ""
    uploaded = uploaded or name
    check = UploadCheck(name, kind, len(raw), hashlib.sha256(raw).hexdigest(), uploaded=uploaded)
    project = studio.project
    workspace = studio.workspace
    with tempfile.TemporaryDirectory(prefix="loagen-studio-templates-") as scratch:
        folder = Path(scratch) / "templates"
        shutil.copytree(project.templates, folder)
        (folder / name).write_bytes(raw)
        trial = Pipeline(project, templates=folder)
        try:
            renderer = trial.renderer
            compiled = renderer.all_templates()[kind]
        except LoagenError as exc:
            shown = [str(exc)] if len(exc.problems) == 1 else [str(p) for p in exc.problems]
            check.problems = [_plain(text, folder, name, uploaded) for text in shown]
            check.advice = _advice(check.problems, raw, uploaded)
            check.seconds = time.perf_counter() - started
            return check
        check.unknown = renderer.unknown_variables(compiled)
        missing = missing_content(compiled, kind)
        if missing:  # a part of the LOA it no longer prints (a tag deleted in Word)
            check.problems = [f"{uploaded}: {text}" for text in missing]
            check.advice = _advice(check.problems, raw, uploaded)
        if check.unknown or check.problems:
            check.seconds = time.perf_counter() - started
            return check
        for source in workspace.case_files():
            try:
                if load_case(source).case.document.kind != kind:
                    continue
            except LoagenError:
                continue
            rel = project.relative(source)
            with workspace.lock:
                current = workspace.pipeline()
                try:
                    prepared = current.prepare(source)
                except LoagenError:
                    continue  # a case that does not load is the case writer's, not the template's
                title = f"{prepared.document.case.case_id} {prepared.document.title}"
                draft = bool(prepared.errors)
                try:
                    before = current.render(prepared, draft=draft)
                except LoagenError:
                    before = None
            doc = DocumentRender(rel, title)
            try:
                after = trial.render(prepared, draft=draft)
            except LoagenError as exc:
                doc.problem = _plain(str(exc), folder, name, uploaded)
                check.documents.append(doc)
                continue
            if before is not None:
                _compare(doc, before, after)
            check.documents.append(doc)
    changed = {project.root / d.rel: d for d in check.changed}
    for source in answered(changed):
        changed[source].answered = True
    check.seconds = time.perf_counter() - started
    return check


def _plain(text: str, folder: Path, name: str, uploaded: str) -> str:
    """A problem of the trial copy of the templates said of the file uploaded."""
    return text.replace(str(folder / name), uploaded).replace(str(folder), "templates")


_OTHER_FILES = {b"%PDF": "a PDF", b"\xd0\xcf\x11\xe0": "an old Word 97-2003 (.doc) file",
                b"{\\rtf": "a Rich Text (.rtf) file"}  # fmt: skip


def _advice(problems: list[str], raw: bytes, uploaded: str) -> list[str]:
    """What to do about these problems (each piece of advice only when it applies)."""
    out = []
    words = " ".join(problems)
    if "not a Word document" in words:
        what = next((kind for start, kind in _OTHER_FILES.items() if raw.startswith(start)), "")
        out.append(
            (f"{uploaded} is {what}, not a Word document. " if what else "")
            + "Open the template in Word and save it with Save As, choosing “Word Document "
            "(*.docx)”; then upload that file (renaming a file to .docx does not make it one)."
        )
    if "template tag error" in words:
        out.append(
            "Fix the paragraph named in Word (a tag opened with {% must be closed, e.g. "
            "{% endif %}), save, and upload again."
        )
    if not out:
        out.append("Fix it in Word, save, and upload again.")
    return out


def _compare(doc: DocumentRender, before: bytes, after: bytes) -> None:
    try:
        old, new = document_text(before), document_text(after)
    except PreviewError as exc:
        doc.problem = str(exc)
        return
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        doc.changed += max(i2 - i1, j2 - j1)
        for text in old[i1:i2]:
            if len(doc.diff) < 12:
                doc.diff.append(("-", text[:300]))
        for text in new[j1:j2]:
            if len(doc.diff) < 12:
                doc.diff.append(("+", text[:300]))


def _staged(studio: Studio) -> dict[str, Any]:
    return studio.extras.setdefault("staged_templates", {})


async def template_upload(studio: Studio, request: Request) -> Response:
    name = request.path_params["name"]
    if _kind_of(name) is None:
        return studio.refused(request, "not one of the project's templates")
    async with request.form(max_files=1, max_fields=10, max_part_size=UPLOAD_LIMIT) as form:
        upload = form.get("file")
        uploaded = Path(str(getattr(upload, "filename", "") or "")).name
        if not hasattr(upload, "read") or not uploaded:
            return await template_list(studio, request, refused=(
                name, "Choose a file first: the Word file (.docx) to check, with “Choose File”.",
            ))  # fmt: skip
        raw = await upload.read()  # type: ignore[union-attr]
    if not raw:
        return await template_list(studio, request, refused=(
            name, f"{uploaded} is empty: choose the Word file (.docx) itself.",
        ))  # fmt: skip
    current = studio.project.templates / name
    try:
        current_sha = hashlib.sha256(current.read_bytes()).hexdigest()
    except OSError:
        current_sha = ""
    check = await asyncio.to_thread(check_upload, studio, name, raw, uploaded)
    if check.accepted:
        staged = _staged(studio)
        check.token = random_id()
        staged[check.token] = (name, raw, current_sha)
        while len(staged) > STAGED_LIMIT:
            staged.pop(next(iter(staged)))
    return studio.page(
        request, "template_check.html", title=f"Check of {name}", section="templates",
        check=check, uploaded=uploaded,
        status_code=200 if check.accepted else 422,
    )  # fmt: skip


async def template_replace(studio: Studio, request: Request) -> Response:
    name = request.path_params["name"]
    if _kind_of(name) is None:
        return studio.refused(request, "not one of the project's templates")
    form = await request.form(max_files=0, max_fields=10)
    token = str(form.get("token", ""))
    staged = _staged(studio).pop(token, None)
    if staged is None or staged[0] != name:
        studio.say(request, "error", "This upload is no longer waiting: upload the template again.")
        return studio.redirect("/templates")
    _, raw, sha_then = staged
    target = studio.project.templates / name
    try:
        sha_now = hashlib.sha256(target.read_bytes()).hexdigest()
    except OSError:
        sha_now = ""
    if sha_now != sha_then:
        studio.say(request, "error", f"Not replaced: {name} was changed by someone else after "
                   "you uploaded yours. Upload yours again to check it against theirs.")  # fmt: skip
        return studio.redirect("/templates")
    try:
        atomic_write(target, raw)
    except LoagenError as exc:
        studio.say(request, "error", f"Not replaced: {exc}")
        return studio.redirect("/templates")
    studio.say(request, "ok", f"{name} replaced. The documents made from it are now out of date: "
               "rebuild them from “Rebuild all”.", links=REBUILD_LINK)  # fmt: skip
    return studio.redirect("/templates")
