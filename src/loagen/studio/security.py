"""What keeps the studio safe on a shared machine: where it listens, who may change things, and
what a request may touch.

- Every state-changing request (POST) carries a CSRF token: an HMAC of the browser's session
  cookie under a secret made when the studio starts. A POST without it, or with another
  browser's, is refused (403) before any form is read.
- The Host header must name the studio itself (a web page elsewhere cannot reach it through a
  DNS name that points at 127.0.0.1).
- Request bodies have size limits, counted as they arrive (413 past the limit).
- Every response carries a Content-Security-Policy without inline scripts or styles, and the
  usual headers against framing and content sniffing.
- A path from a request reaches the filesystem only through `confine`: relative, no `..`, no
  hidden parts, resolved (links followed) inside the folder it must stay in.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "loagen_studio"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

FORM_LIMIT = 2 * 1024 * 1024
"""Largest form a page posts (bytes)."""
UPLOAD_LIMIT = 20 * 1024 * 1024
"""Largest upload: a Word template or a spreadsheet (bytes)."""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class PathRefused(Exception):
    """A path from a request that would leave the folder it must stay in."""


def confine(folder: Path, relative: str, *, suffixes: Iterable[str] | None = None) -> Path:
    """The file `relative` names under `folder`, or PathRefused: no absolute path, no `..`,
    no backslash or NUL, no hidden part, and once resolved (symbolic links followed) still
    inside `folder`. `suffixes` limits the file types."""
    if not relative or "\x00" in relative or "\\" in relative or len(relative) > 1000:
        raise PathRefused("not a file name")
    pure = PurePosixPath(relative)
    if pure.is_absolute() or relative.startswith("/"):
        raise PathRefused("an absolute path")
    for part in pure.parts:
        if part in ("..", ".") or part.startswith("."):
            raise PathRefused("a path that leaves its folder, or names a hidden file")
    if suffixes is not None and pure.suffix.lower() not in tuple(suffixes):
        raise PathRefused("not a file of this kind")
    base = Path(folder).resolve()
    target = (base / Path(*pure.parts)).resolve()
    if target != base and base not in target.parents:
        raise PathRefused("a link that leads out of the project")
    return target


class Secrets:
    """The secret CSRF tokens are made with (new each time the studio starts)."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key or secrets.token_bytes(32)

    @staticmethod
    def new_session() -> str:
        return secrets.token_urlsafe(32)

    def token(self, session: str) -> str:
        return hmac.new(self.key, session.encode(), hashlib.sha256).hexdigest()

    def valid(self, session: str | None, token: str | None) -> bool:
        if not session or not token:
            return False
        return hmac.compare_digest(self.token(session), token)


def _refuse(status: int, text: str) -> PlainTextResponse:
    return PlainTextResponse(text, status_code=status, headers={"content-security-policy": CSP})


class Guard:
    """ASGI middleware: host check, body limits, CSRF on POST, security headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        secrets_: Secrets,
        allowed_hosts: Iterable[str],
        limits: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.secrets = secrets_
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.limits = limits or {}

    def _limit(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit
        return FORM_LIMIT

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "").lower()
        if "*" not in self.allowed_hosts and host not in self.allowed_hosts:
            await _refuse(
                400, "This address is not the studio's: open it at the address it printed."
            )(scope, receive, send)
            return
        method = scope["method"]
        limit = self._limit(scope["path"])
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _refuse(413, _too_large(limit))(scope, receive, send)
            return
        session = _cookie(headers, SESSION_COOKIE)
        if method not in ("GET", "HEAD", "OPTIONS"):
            token = headers.get(CSRF_HEADER) or _query_token(scope)
            if token is None and headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"
            ):
                try:
                    body = await _read_body(receive, limit)
                except BodyTooLarge as exc:
                    await _refuse(413, _too_large(exc.limit))(scope, receive, send)
                    return
                token = _form_token(body)
                receive = _replay(body)
            if not self.secrets.valid(session, token):
                await _refuse(
                    403,
                    "Refused: this request did not come from a studio page (its security token "
                    "is missing or wrong). Reload the page and try again.",
                )(scope, receive, send)
                return
        new_session = None
        if not session or len(session) > 200:
            new_session = Secrets.new_session()
            session = new_session
        scope.setdefault("state", {})
        scope["state"]["csrf"] = self.secrets.token(session)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                names = {k.lower() for k, _ in raw}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"no-referrer",
                    b"cross-origin-opener-policy": b"same-origin",
                    b"cache-control": b"no-store",
                }
                for key, value in extra.items():
                    if key not in names:
                        raw.append((key, value))
                if new_session is not None:
                    raw.append(
                        (
                            b"set-cookie",
                            f"{SESSION_COOKIE}={new_session}; Path=/; HttpOnly; "
                            "SameSite=Strict".encode(),
                        )
                    )
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge as exc:
            await _refuse(413, _too_large(exc.limit))(scope, receive, send)


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _too_large(limit: int) -> str:
    return f"Refused: the upload is larger than the {limit // (1024 * 1024)} MB the studio takes."


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _form_token(body: bytes) -> str | None:
    from urllib.parse import parse_qs

    try:
        values = parse_qs(body.decode("latin-1"), max_num_fields=100_000).get(CSRF_FIELD)
    except ValueError:
        return None
    return values[0] if values else None


def _query_token(scope: Scope) -> str | None:
    """The token of a multipart form (an upload) is read from the URL: its body is not parsed
    before the check."""
    from urllib.parse import parse_qs

    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get(CSRF_FIELD)
    return values[0] if values else None


def random_id() -> str:
    return secrets.token_hex(16)


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
