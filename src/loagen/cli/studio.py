"""`loagen studio`: the project in a browser (see `loagen.studio`)."""

import contextlib
import ipaddress
import socket
from typing import Annotated

import typer
from rich.markup import escape

from ..errors import ToolError
from .common import _project, command, err, out

PANEL = "Web studio"
DEFAULT_PORT = 8765
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _port(host: str, wanted: int | None) -> int:
    if wanted is not None:
        if wanted and not _free(host, wanted):
            raise ToolError(
                f"port {wanted} on {host} is already in use (another studio?); give another "
                "with --port, or --port 0 to take any free one"
            )
        if wanted:
            return wanted
    else:
        for port in range(DEFAULT_PORT, DEFAULT_PORT + 20):
            if _free(host, port):
                return port
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@command(rich_help_panel=PANEL)
def studio(
    port: Annotated[
        int | None,
        typer.Option(
            "--port", "-p", min=0, max=65535,
            help=f"Port to listen on (default: {DEFAULT_PORT}, or the next free one; 0: any).",
            show_default=False,
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on. The default, 127.0.0.1, lets only this computer in; "
            "another address lets other computers edit the project's files.",
        ),
    ] = "127.0.0.1",
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a browser window.")
    ] = False,
) -> None:  # fmt: skip
    """Open the project in a browser: cases, documents, notes and templates.

    Case writers edit documents in forms and see them rebuilt; reviewers see each document as it
    prints, its checks and why each note is in; policy staff edit notes and templates and see
    what an edit changes before saving. Stop it with Ctrl-C.
    """
    try:
        import uvicorn

        from ..studio import create_app
    except ImportError as exc:
        raise ToolError(
            f"the studio needs its extra packages ({exc.name} is missing): "
            "pip install -e '.[studio]' (or 'loagen[studio]')"
        ) from None
    project = _project()
    chosen = _port(host, port)
    loopback = _is_loopback(host)
    hosts = list(LOOPBACK) if loopback else ["*"] if host in ("0.0.0.0", "::") else [host]
    app = create_app(project, hosts=hosts, port=chosen)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{chosen}/"
    if not loopback:
        err.print(
            f"[bold yellow]warning:[/] the studio listens on {escape(host)}: anyone who can reach "
            "this computer on that address can read and change the project's case files, notes "
            "and templates. Use it on a network you trust, or leave out --host."
        )
    out.print(f"loagen studio: {escape(str(project.root))}")
    out.print(f"open [bold]{escape(url)}[/] (Ctrl-C stops it)")
    if not no_browser:
        import webbrowser

        with contextlib.suppress(webbrowser.Error):
            webbrowser.open(url.replace("0.0.0.0", "127.0.0.1"))
    uvicorn.run(app, host=host, port=chosen, log_level="warning", server_header=False)
