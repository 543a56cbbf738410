"""The studio's web application: its routes, wrapped in the guard of `security`."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..project import Project
from . import batchpages, cases, editing, notepages, templatepages, termspages
from .security import UPLOAD_LIMIT, Guard, Secrets
from .web import STATIC, Studio, make_environment, with_case_file
from .workspace import Workspace


def create_app(
    project: Project,
    *,
    hosts: Iterable[str] = ("127.0.0.1", "localhost"),
    port: int | None = None,
    secret: bytes | None = None,
) -> Guard:
    """The studio for `project`, answering requests whose Host is one of `hosts` (with
    `port`, when given). Its CSRF tokens are made with `secret`, or else with the secret kept
    in the project (`Secrets.kept_in`)."""
    studio = Studio(
        project=project,
        workspace=Workspace(project),
        secrets=Secrets(secret) if secret else Secrets.kept_in(project.root),
        env=make_environment(),
    )

    def on_file(handler, gone=None):  # noqa: ANN001, ANN202
        return with_case_file(studio, partial(handler, studio),
                              partial(gone, studio) if gone else None)  # fmt: skip

    async def home(request: Request) -> Response:
        return studio.redirect("/cases")

    async def favicon(request: Request) -> Response:
        return studio.redirect("/static/favicon.svg")

    async def help_page(request: Request) -> Response:
        return studio.page(request, "help.html", title="Help", section="help")

    routes = [
        Route("/", home),
        Route("/help", help_page),
        Route("/favicon.ico", favicon),
        Route("/cases", partial(cases.case_list, studio)),
        Route("/new", partial(editing.new_case, studio), methods=["GET", "POST"]),
        Route("/doc/{path:path}", on_file(cases.document_page)),
        Route("/rebuild/{path:path}", on_file(cases.rebuild), methods=["POST"]),
        Route("/download/{path:path}/{what}", on_file(cases.download)),
        Route(
            "/edit/{path:path}",
            on_file(editing.edit_page, editing.edit_gone),
            methods=["GET", "POST"],
        ),
        Route(
            "/check/{path:path}", on_file(editing.check_json, editing.check_gone), methods=["POST"]
        ),
        Route("/sha/{path:path}", on_file(editing.file_sha)),
        Route("/next/{path:path}", on_file(editing.next_document), methods=["GET", "POST"]),
        Route("/restate/{path:path}", on_file(editing.restate_page), methods=["GET", "POST"]),
        Route("/delete/{path:path}", on_file(editing.delete_page), methods=["GET", "POST"]),
        Route("/restore", partial(editing.restore_page, studio), methods=["POST"]),
        Route("/import/{path:path}", on_file(editing.import_lines), methods=["POST"]),
        Route("/notes", partial(notepages.note_list, studio)),
        Route("/notes/{note_id}", partial(notepages.note_page, studio), methods=["GET", "POST"]),
        Route("/notes/{note_id}/check", partial(notepages.note_check, studio), methods=["POST"]),
        Route("/notes/{note_id}/sha", partial(notepages.note_sha, studio)),
        Route("/templates", partial(templatepages.template_list, studio)),
        Route("/templates/{name}/download", partial(templatepages.template_download, studio)),
        Route(
            "/templates/{name}/upload",
            partial(templatepages.template_upload, studio),
            methods=["POST"],
        ),
        Route(
            "/templates/{name}/replace",
            partial(templatepages.template_replace, studio),
            methods=["POST"],
        ),
        Route("/terms", partial(termspages.terms_page, studio), methods=["GET", "POST"]),
        Route("/terms/check", partial(termspages.terms_check, studio), methods=["POST"]),
        Route("/terms/sha", partial(termspages.terms_sha, studio)),
        Route("/batch", partial(batchpages.batch_page, studio), methods=["GET", "POST"]),
        Route("/batch/progress", partial(batchpages.batch_progress, studio)),
        Mount("/static", app=StaticFiles(directory=Path(STATIC)), name="static"),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        return studio.not_found(request, "The studio has no page at this address.")

    async def not_read(request: Request, exc: Exception) -> Response:
        # a form Starlette cannot read (a field past its 1 MB): said in the studio's words, as
        # the guard says a body too large (413), not a bare line of text
        too_large = "exceeded maximum size" in str(getattr(exc, "detail", ""))
        text = ("Refused: a text sent is larger than the studio takes in one box (1 MB)."
                if too_large else "Refused: the studio could not read what was sent.")  # fmt: skip
        return HTMLResponse(studio.refusal(400, text), status_code=413 if too_large else 400)

    app = Starlette(routes=routes, exception_handlers={404: not_found, 400: not_read})
    app.state.studio = studio
    allowed = set()
    for host in hosts:
        allowed.add(host)
        if port is not None:
            allowed.add(f"{host}:{port}")
    return Guard(
        app,
        secrets_=studio.secrets,
        allowed_hosts=allowed,
        limits={"/templates/": UPLOAD_LIMIT, "/import/": UPLOAD_LIMIT},
        page=studio.refusal,
    )
