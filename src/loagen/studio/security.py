"""What keeps the studio safe on a shared machine: where it listens, who may change things, and
what a request may touch.

- Every state-changing request (POST) carries a CSRF token: an HMAC of the browser's session
  cookie under the studio's secret, in a form field (an upload's too) or a header, never in the
  URL. A POST without it, or with another browser's, is refused (403) before the page's code
  reads the form. The secret is kept in the project's `.loagen/` folder, readable by its owner
  only, so that the pages open in a browser stay valid when the studio is restarted.
- The Host header must name the studio itself (a web page elsewhere cannot reach it through a
  DNS name that points at 127.0.0.1).
- Request bodies have size limits, counted as they arrive (413 past the limit).
- Every response carries a Content-Security-Policy without inline scripts or styles, and the
  usual headers against framing and content sniffing.
- A path from a request reaches the filesystem only through `confine`: relative, no `..`, no
  hidden parts, resolved (links followed) inside the folder it must stay in.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, PlainTextResponse, Response
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


SECRET_FOLDER = ".loagen"
SECRET_FILE = "studio-secret"
"""Where the studio keeps its secret in the project (`.loagen/studio-secret`): 32 random bytes
as hex, readable and writable by their owner only."""


class Secrets:
    """The secret CSRF tokens are made with: `key`, or else a new one for this run."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key or secrets.token_bytes(32)

    @classmethod
    def kept_in(cls, project_root: Path) -> Secrets:
        """The secret kept in the project's `.loagen/` folder (made there on first use), so
        that a page opened before the studio was restarted is still accepted after it. When it
        cannot be kept safely (a folder without write permission, a file or folder not owned
        by this user or readable by others, a link), a secret for this run only."""
        return cls(_kept_key(Path(project_root) / SECRET_FOLDER))

    @staticmethod
    def new_session() -> str:
        return secrets.token_urlsafe(32)

    def token(self, session: str) -> str:
        return hmac.new(self.key, session.encode(), hashlib.sha256).hexdigest()

    def valid(self, session: str | None, token: str | None) -> bool:
        if not session or not token:
            return False
        return hmac.compare_digest(self.token(session), token)


# -- the secret kept in the project ---------------------------------------------------------------

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _owned_privately(st: os.stat_result, others: int = 0o077) -> bool:
    """Owned by this user, and none of the permission bits `others` is set (where the
    system says so: elsewhere a kept secret is never trusted)."""
    getuid = getattr(os, "getuid", None)
    return getuid is not None and st.st_uid == getuid() and not st.st_mode & others


def _kept_folder(folder: Path) -> bool:
    """Whether `folder` (the project's `.loagen/`, made when there is none) is a folder of this
    user that others cannot put files in, kept out of git. Raises OSError."""
    folder.mkdir(mode=0o700, exist_ok=True)
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or not _owned_privately(st, 0o022):
        return False  # (a link, or a folder others could put files in)
    ignore = folder / ".gitignore"
    if not os.path.lexists(ignore):
        with contextlib.suppress(OSError):  # never to be committed with the project
            _write_new(ignore, b"# made by loagen studio: nothing here belongs in git\n*\n")
    return True


def _kept_key(folder: Path) -> bytes | None:
    """The key in `folder`/SECRET_FILE, made there when there is none or it cannot be trusted
    (then it is replaced). None when it cannot be kept safely."""
    try:
        if not _kept_folder(folder):
            return None
        path = folder / SECRET_FILE
        key = _read_key(path)
        if key is not None:
            return key
        made = secrets.token_bytes(32)
        if os.path.lexists(path):
            key = _read_key(path)  # (made by another studio since the first read)
            if key is not None:
                return key
            _write_new(path, made.hex().encode(), replace=True)  # an untrusted one goes
            return made
        try:
            _write_new(path, made.hex().encode())
        except FileExistsError:  # another studio made it at the same moment: theirs
            return _read_key(path)
        return made
    except OSError:
        return None


def _read_key(path: Path) -> bytes | None:
    """The key in `path` when it is a regular file (not a link) private to this user holding
    64 hex digits (and a line end), else None."""
    text = read_private(path, 65)
    if text is None:
        return None
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
    return key if len(key) == 32 else None


def _write_new(path: Path, content: bytes, *, replace: bool = False) -> None:
    """Write `content` to a new file readable by its owner only, then put it at `path`: beside
    an existing file only (FileExistsError), or in its place with `replace` (a link there is
    replaced, not followed)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


# -- other files kept privately in the project -----------------------------------------------------


def private_folder(project_root: Path, name: str) -> Path | None:
    """The folder `name` in the project's `.loagen/` folder, made there (readable by its owner
    only) when there is none; None when it cannot be kept safely (as for the secret: a link, a
    folder not owned by this user or that others could put files in)."""
    kept = Path(project_root) / SECRET_FOLDER
    folder = kept / name
    try:
        if not _kept_folder(kept):
            return None
        folder.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or not _owned_privately(st):
        return None
    return folder


def write_private(path: Path, content: bytes) -> None:
    """Write `content` at `path` readable by its owner only, in place of any file (or link)
    there. Raises OSError."""
    _write_new(path, content, replace=True)


def read_private(path: Path, limit: int) -> bytes | None:
    """The bytes of `path` when it is a regular file (not a link) private to this user and at
    most `limit` bytes long, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or not _owned_privately(st) or st.st_size > limit:
            return None
        return fh.read(limit + 1)[:limit]


# -- the guard --------------------------------------------------------------------------------------

Refusal = Callable[[int, str], str]
"""Makes the HTML page of a refusal: (status, what happened) -> the page."""


def _refuse(status: int, text: str, page: Refusal | None = None) -> Response:
    headers = {"content-security-policy": CSP, "cache-control": "no-store"}
    if page is not None:
        return HTMLResponse(page(status, text), status_code=status, headers=headers)
    return PlainTextResponse(text, status_code=status, headers=headers)


STALE = (
    "Refused: this request did not come from a page of this studio as it runs now (its "
    "security token is missing or no longer valid)."
)


class Guard:
    """ASGI middleware: host check, body limits, CSRF on POST, security headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        secrets_: Secrets,
        allowed_hosts: Iterable[str],
        limits: dict[str, int] | None = None,
        page: Refusal | None = None,
    ) -> None:
        self.app = app
        self.secrets = secrets_
        self.page = page
        """The studio's page for a refusal (403, 413): plain text without it."""
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
            await _refuse(413, _too_large(limit), self.page)(scope, receive, send)
            return
        session = _cookie(headers, SESSION_COOKIE)
        if method not in ("GET", "HEAD", "OPTIONS"):
            token = headers.get(CSRF_HEADER)
            kind = headers.get("content-type", "")
            if token is None and kind.startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                try:
                    body = await _read_body(receive, limit)
                except BodyTooLarge as exc:
                    await _refuse(413, _too_large(exc.limit), self.page)(scope, receive, send)
                    return
                token = (
                    _form_token(body) if kind.startswith("application/")
                    else _multipart_token(body, kind)
                )  # fmt: skip
                receive = _replay(body)
            if not self.secrets.valid(session, token):
                await _refuse(403, STALE, self.page)(scope, receive, send)
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
            await _refuse(413, _too_large(exc.limit), self.page)(scope, receive, send)


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


def _multipart_token(body: bytes, content_type: str) -> str | None:
    """The token of a multipart form (an upload): the value of its first part named `csrf`
    that is not a file. None when it has none or is not a multipart body."""
    # imported here: only an upload needs the multipart parser, and the studio starts without it
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser, parse_options_header

    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        return None
    wanted = CSRF_FIELD.encode()
    found: list[bytes] = []
    part: dict[str, Any] = {}

    def begin() -> None:
        part.update(headers={}, name=b"", value=b"", data=bytearray(), token=False)

    def header_field(data: bytes, start: int, end: int) -> None:
        part["name"] += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        part["value"] += data[start:end]

    def header_end() -> None:
        part["headers"][part["name"].lower()] = part["value"]
        part["name"] = part["value"] = b""

    def headers_finished() -> None:
        kind, options = parse_options_header(part["headers"].get(b"content-disposition", b""))
        part["token"] = (
            kind == b"form-data" and options.get(b"name") == wanted and b"filename" not in options
        )

    def data(chunk: bytes, start: int, end: int) -> None:
        if part["token"] and len(part["data"]) <= 256:
            part["data"] += chunk[start:end]

    def end() -> None:
        if part["token"] and not found:
            found.append(bytes(part["data"]))

    parser = MultipartParser(
        boundary,
        {"on_part_begin": begin, "on_header_field": header_field,
         "on_header_value": header_value, "on_header_end": header_end,
         "on_headers_finished": headers_finished, "on_part_data": data, "on_part_end": end},
    )  # fmt: skip
    try:
        parser.write(body)
        parser.finalize()
    except (FormParserError, ValueError):
        return None
    if not found or len(found[0]) > 256:
        return None
    return found[0].decode("latin-1")


def random_id() -> str:
    return secrets.token_hex(16)


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
