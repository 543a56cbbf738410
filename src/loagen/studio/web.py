"""What every page of the studio shares: the Jinja environment, page rendering, messages carried
to the next page, and the answers to paths that are refused or not found."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from ..case.loading import CASE_SUFFIXES
from ..errors import LoagenError, Problem
from ..policy.notes import generic_title
from ..project import Project
from .forms import field_id, for_kinds, shown, shown_list, unanswered
from .security import CSRF_FIELD, PathRefused, Secrets, confine
from .workspace import STATE_WORDS, Workspace

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(field_id=field_id, for_kinds=for_kinds, shown=shown, shown_list=shown_list,
                       unanswered=unanswered,
                       state_words=STATE_WORDS)  # fmt: skip
    env.filters["lc_first"] = lambda s: s[:1].lower() + s[1:] if s[1:2].islower() else s
    env.filters["generic_title"] = generic_title
    env.filters["plural"] = lambda n, one, many=None: one if n == 1 else (many or one + "s")
    return env


REBUILD_LINK = {"Rebuild all": "/batch"}
"""The page the messages that say to rebuild documents link to (`Studio.say`'s `links`)."""


def linked(text: str, links: dict[str, str]) -> Markup:
    """`text` as HTML, escaped, with the first place each of `links`' words appear in it a link
    to their address (`{"Rebuild all": "/batch"}`); words not in the text are left out."""
    out = escape(text)
    for words, href in links.items():
        at = escape(words)
        link = Markup('<a href="{}">{}</a>').format(href, words)
        out = Markup(out.replace(at, link, 1))
    return out


@dataclass
class Studio:
    """Everything the pages share, made once when the studio starts."""

    project: Project
    workspace: Workspace
    secrets: Secrets
    env: Environment
    messages: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    extras: dict[str, Any] = field(default_factory=dict)

    # -- pages --

    def page(
        self, request: Request, template: str, *, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        csrf = request.scope.get("state", {}).get("csrf", "")
        html = self.html(template, csrf=csrf, messages=self.take_messages(request), **context)
        return HTMLResponse(html, status_code=status_code)

    def html(self, template: str, *, csrf: str = "", messages: Any = (), **context: Any) -> str:
        return self.env.get_template(template).render(
            csrf=csrf,
            csrf_field=CSRF_FIELD,
            project=self.project,
            project_name=self.project.root.name,
            messages=messages,
            section=context.pop("section", ""),
            **context,
        )

    def refusal(self, status: int, text: str) -> str:
        """The page of a request the guard refuses (`security.Guard`): a form sent from a page
        the studio no longer accepts (403), or too large (413)."""
        return self.html("refused.html", title="Not accepted", status=status, text=text)

    def say(
        self, request: Request, kind: str, text: str, links: dict[str, str] | None = None
    ) -> None:
        """A message shown on the next page this browser opens ("ok", "warn" or "error"); each
        of `links`' words in it (“Rebuild all”) is a link to its page (see `linked`)."""
        if links:
            text = linked(text, links)
        session = request.cookies.get("loagen_studio", "")
        with self.lock:
            box = self.messages.setdefault(session, [])
            if (kind, text) in box:
                return  # (the same button sent twice says it once)
            box.append((kind, text))
            del box[:-10]
            if len(self.messages) > 1000:
                self.messages.clear()

    def remember_save(self, path: Path, before: str, after: str) -> None:
        """A file saved from a page opened on its version `before` (a SHA-256), now `after`:
        the same save sent again (a second click) is then told from someone else's."""
        with self.lock:
            saves = self.extras.setdefault("saves", {})
            saves[(str(path), before)] = after
            while len(saves) > 256:
                saves.pop(next(iter(saves)))

    def saved_from(self, path: Path, before: str) -> str | None:
        """What a save from version `before` of `path` made it (None: no such save)."""
        with self.lock:
            return self.extras.get("saves", {}).get((str(path), before))

    def take_messages(self, request: Request) -> list[tuple[str, str]]:
        session = request.cookies.get("loagen_studio", "")
        with self.lock:
            return self.messages.pop(session, [])

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    def refused(self, request: Request, why: str) -> HTMLResponse:
        return self.page(
            request, "message.html", status_code=404, title="Not available",
            heading="This address is not available",
            text=f"The studio only opens files of this project's folders; refused: {why}.",
        )  # fmt: skip

    def not_found(self, request: Request, what: str) -> HTMLResponse:
        return self.page(
            request, "message.html", status_code=404, title="Not found", heading="Not found",
            text=what,
        )  # fmt: skip

    # -- paths from requests --

    def case_file(self, relative: str) -> Path:
        """The case file a URL names: under the project's cases/ folder, or PathRefused."""
        path = confine(self.project.root, relative, suffixes=CASE_SUFFIXES)
        cases = self.project.cases.resolve()
        if cases not in path.parents:
            raise PathRefused("not a case file of the project")
        return path

    def url_of(self, path: Path) -> str:
        """The project-relative path of a file, as URLs carry it."""
        return self.project.relative(path)


def problems_of(exc: LoagenError) -> list[Problem]:
    return list(exc.problems)


def with_case_file(
    studio: Studio, handler: Callable[..., Any], gone: Callable[..., Any] | None = None
) -> Callable[..., Any]:
    """An endpoint taking the case file its URL names (`{path:path}`), refused outside the
    project's cases. A form posted for a file that is no longer there (deleted or moved after
    its page opened) goes to `gone`, when given, so the typing it holds is not lost."""

    async def endpoint(request: Request) -> Any:
        relative = request.path_params["path"]
        try:
            path = studio.case_file(relative)
        except PathRefused as exc:
            return studio.refused(request, str(exc))
        if not path.is_file():
            if gone is not None and request.method == "POST" and not path.exists():
                return await gone(request, path)
            return studio.not_found(request, f"There is no case file {relative} in this project.")
        return await handler(request, path)

    return endpoint
