"""What every command shares: the application, the consoles, error presentation (`_present`,
`command`) and the common options."""

import functools
import gc
import inspect
import os
import re
import signal
import sys
from collections.abc import Callable
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from .. import __version__
from ..errors import CaseError, Interrupted, LoagenError, NoteError, OutputError, exit_code_for
from ..stops import REDELIVERY, STOP_SIGNALS, stop_again_soon

app = typer.Typer(
    name="loagen",
    help=(
        "Build U.S. Foreign Military Sales Letters of Offer and Acceptance (LOA) as Word documents "
        "from case files: the Basic LOA, its Amendments and its Modifications, with the standard "
        "notes the case calls for and the SAMM Appendix 9 quality checks."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
# Without Rich's emoji codes: a case's text printed as written (":ok:" stays ":ok:"), and the
# table of codes is not loaded by every command that prints (half a percent of a cold build).
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


# Two of Typer's help internals are adjusted below (Typer 0.2x): each only where Typer still
# has what is adjusted, so another Typer shows its own help rather than failing.
_value_shown_by_typer = getattr(typer.core.TyperOption, "display_type_rich", None)


def _value_shown(self: typer.core.TyperOption, ctx: Any) -> str | None:
    """What `--help` shows of an option's value: nothing for a flag (`--strict`, not
    `--strict <bool>`, which made writers type `--strict true`), Typer's words otherwise."""
    return None if self.is_flag else _value_shown_by_typer(self, ctx)  # type: ignore[misc]


if _value_shown_by_typer is not None:
    typer.core.TyperOption.display_type_rich = _value_shown  # type: ignore[method-assign]


def _names_never_cut() -> None:
    """Make the tables of options and commands in `--help` keep their names whole: only the
    last column, the help text, wraps to fit the terminal (Rich cuts every column alike
    otherwise: '--offer-expiration-d…' at 80 columns). Done when help is shown: Typer's
    help module takes a tenth of a second to import, which no other command pays."""
    from typer import rich_utils

    if not hasattr(rich_utils, "Table") or getattr(rich_utils.Table, "names_whole", False):
        return

    class HelpTable(rich_utils.Table):  # type: ignore[misc,valid-type]
        names_whole = True

        def add_row(self, *cells: Any, **kwargs: Any) -> None:
            super().add_row(*cells, **kwargs)
            for column in self.columns[:-1]:
                column.no_wrap = True

    rich_utils.Table = HelpTable


def _help_with_names_whole(format_help: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(format_help)
    def shown(self: Any, ctx: Any, formatter: Any) -> None:
        _names_never_cut()
        format_help(self, ctx, formatter)

    return shown


for _kind in (typer.core.TyperCommand, typer.core.TyperGroup):
    _kind.format_help = _help_with_names_whole(_kind.format_help)  # type: ignore[method-assign]


def _print_error(error: LoagenError, document: Path | None = None, undone: str = "") -> None:
    """Print `error`. With `document`, the case file a command of many documents was working
    on when it failed (`undone`: "checked", "built" ...): a case file that does not load and is
    not `document` is one before it in its case (its `previous` chain), and the document left
    undone is named first; the earlier file's problem alone did not say which document that
    was, and said it again for every document after it."""
    err.print(f"[bold red]error:[/] {escape(error_words(error, document, undone))}")


def error_words(error: LoagenError, document: Path | None = None, undone: str = "") -> str:
    """What `_print_error` says of `error` (after "error: ")."""
    if document is not None and undone and _of_an_earlier_file(error, document):
        return f"{document}: not {undone}: a document before it in its case does not load: {error}"
    return str(error)


def _of_an_earlier_file(error: LoagenError, document: Path) -> bool:
    """Whether `error` is a case file's that is not `document` (and so one before it)."""
    from ..case.loading import CASE_SUFFIXES  # here: the case stages load after start-up

    if not isinstance(error, CaseError) or document.suffix.lower() not in CASE_SUFFIXES:
        return False
    sources = {p.source for p in error.problems} | {error.source}
    if None in sources:
        return False
    mine = document.resolve()
    return all(
        s.suffix.lower() in CASE_SUFFIXES and s.resolve() != mine
        for s in sources  # type: ignore[union-attr]
    )


def _import_stages() -> None:
    """Import the pipeline and its stages with Ctrl-C and SIGTERM held until it is done (a
    fifth of a second): a stop that arrives meanwhile is raised right after, where it exits
    130 as anywhere else. Raised inside the import, Pydantic (building the case model's
    validators) would turn it into an error of its own."""
    block = getattr(signal, "pthread_sigmask", None)
    if block is None:
        import_module("loagen.pipeline")
        return
    old = block(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        import_module("loagen.pipeline")
    finally:
        block(signal.SIG_SETMASK, old)


def _present(fn: Callable[..., Any], *, stages: bool = True) -> Callable[..., Any]:
    """Run a command: a loagen error is printed (every problem it carries) and the process
    exits with its code; Ctrl-C exits 130 with a word on what was written. `stages`: the
    command uses the pipeline (imported first, see `_import_stages`)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        before = _stops_raise()
        try:
            try:
                if stages:
                    _import_stages()
                _started()
                return fn(*args, **kwargs)
            finally:
                _after_command(before)
        except LoagenError as exc:
            _print_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C cannot cut this short
            err.print(
                "[bold red]interrupted:[/] every file written is complete; run the same command "
                "again to finish"
            )
            sys.stdout.flush()
            sys.stderr.flush()
            # The work is stopped and cleaned up (workers ended, temporary files removed):
            # leave now, with the interrupted status, whatever else is still pending.
            os._exit(exit_code_for(Interrupted("")))

    return run


def _on_sigterm(signum, frame) -> None:  # noqa: ANN001
    raise KeyboardInterrupt


def _stops_raise() -> tuple[Any, ...]:
    """While a command runs, Ctrl-C, SIGTERM and a stop delivered again (`stops`) raise
    KeyboardInterrupt. Returns what was there before, for `_after_command`."""
    before = (
        signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.signal(signal.SIGTERM, _on_sigterm),
        signal.signal(REDELIVERY, _on_sigterm) if REDELIVERY is not None else None,
        sys.unraisablehook,
    )
    sys.unraisablehook = stop_again_soon
    return before


OWN_PROCESS = False
"""Set by `main`: the command is the whole process, which exits once the command is done."""


def _started() -> None:
    """Start-up is over (the modules are imported). In its own process, `loagen` starts with
    the garbage collector off (see `__main__`): what start-up makes (modules, classes, compiled
    patterns, the pydantic validators) lives until the process ends, and collecting while it is
    made took a tenth of a one-document build. It is now set aside for good (`gc.freeze`) and
    collection resumes for what the command itself makes, as in every long batch or studio."""
    if OWN_PROCESS:
        gc.freeze()
        gc.enable()


def _after_command(before: tuple[Any, ...]) -> None:
    """The command's work is over (done, failed or stopped). In its own process, a stop that
    comes now is ignored: it cannot cut short the exit with the command's status (Python hands
    Ctrl-C back to the system while it shuts down, which would end the process as killed after
    the work was done). Called from Python code (the tests), the caller's handlers come back."""
    on_int, on_term, on_again, hook = before
    if REDELIVERY is not None:
        signal.setitimer(signal.ITIMER_REAL, 0)  # a stop due again is not needed any more
    if OWN_PROCESS:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if REDELIVERY is not None:
            signal.signal(REDELIVERY, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGINT, on_int)
        signal.signal(signal.SIGTERM, on_term)
        if REDELIVERY is not None:
            signal.signal(REDELIVERY, on_again)
    sys.unraisablehook = hook


def _help(fn: Callable[..., Any]) -> str:
    """The command's docstring as --help shows it: each paragraph on one line (the terminal
    wraps it), lists kept one item a line."""
    doc = inspect.getdoc(fn) or ""
    paragraphs = []
    for paragraph in doc.split("\n\n"):
        lines = paragraph.splitlines()
        if any(_LIST_ITEM.match(line) for line in lines):
            paragraphs.append("\n".join(lines))
        else:
            paragraphs.append(" ".join(paragraph.split()))
    return "\n\n".join(paragraphs)


_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s")


def command(
    *args: Any, stages: bool = True, **kwargs: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`@app.command()` for a function whose errors `_present` prints (`stages=False`: a
    command that does not use the pipeline, which is then not imported)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        kwargs.setdefault("help", _help(fn))
        return app.command(*args, **kwargs)(_present(fn, stages=stages))

    return register


def _version(value: bool) -> None:
    if value:
        out.print(f"loagen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show loagen's version and exit."
        ),
    ] = False,
) -> None:
    pass


def _project(*, writes_cases: bool = False):  # noqa: ANN202
    """The project around the current folder (`Project.discover`). When there is none and
    loagen falls back on its own checkout, a note says which project is used; a command that
    writes a new case file there (`writes_cases`) is refused instead: a writer running loagen
    outside their project never meant to add a case to the installed program's folder."""
    from ..errors import ProjectError
    from ..project import Project

    project = Project.discover()
    if project.found == "checkout":
        here = f"no loagen project in {Path.cwd()} or above it (a folder with templates/ and "
        if writes_cases:
            raise ProjectError(
                here + "note_library/), so there is no cases/ folder to write the new case "
                "into: run the command in your project's folder, set LOAGEN_PROJECT to it, or "
                "say where to write the file with --output"
            )
        err.print(
            f"[yellow]note:[/] {escape(here)}note_library/): using loagen's own project, "
            f"{escape(str(project.root))} (its notes, templates and build/ folder); run loagen "
            "in your project's folder or set LOAGEN_PROJECT to use yours"
        )
    return project


def _pipeline():  # noqa: ANN202
    # Imported when a command runs: `loagen --help` and `loagen schema` stay quick.
    from ..pipeline import Pipeline

    return Pipeline(_project())


PathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Case files (JSON or YAML), one per document version, or folders of them.",
        show_default=False,
    ),
]


def _output_folder(path: Path | None) -> Path | None:
    """--output names a folder: one that is a file is refused before any work, with the
    output error's exit code (each document would otherwise fail with 'File exists'), as is
    one inside a file ('Not a directory')."""
    if path is None:
        return None
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        what = "is a file" if existing == path else f"is inside {existing}, which is a file"
        error = OutputError(
            f"the output path {what}, not a folder: give a folder for the DOCX and manifest "
            "files (it is made if missing), or move the file",
            source=path,
        )
        _print_error(error)
        raise typer.Exit(error.exit_code)
    return path


OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Folder for the DOCX and manifest files (default: build/ in the project).",
        show_default=False,
        callback=_output_folder,
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print a machine-readable summary (JSON) instead.")
]


JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        help="Worker processes (default: the number of CPUs).",
        show_default=False,
    ),
]


BatchPathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Case files, or folders of them (one folder a case, one file a document version).",
        show_default=False,
    ),
]


ReviewPathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Case files (JSON or YAML), folders of them, or Word documents built by loagen "
        "(.docx).",
        show_default=False,
    ),
]


def note_option(library: Any, asked: str) -> Any:
    """The note a `--note` option names (`NoteLibrary.find`); one the library does not hold
    is a wrong value on the command line (exit 2), not a problem of the library."""
    try:
        return library.find(asked)
    except NoteError as exc:
        raise typer.BadParameter(exc.message, param_hint="--note") from None


def date_option(value: str | None, option: str) -> date | None:
    """A date option written YYYY-MM-DD (None when not given); a usage error otherwise."""
    from ..case.model import read_date

    if value is None:
        return None
    try:
        return read_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def changed_after_build(path: Path) -> str | None:
    """For a DOCX changed after loagen built it, what to tell the reader first (None for a
    case file, or a DOCX as loagen built it): the rest is read from its build record."""
    from ..case.embedded import changed_words, is_built_document, read_build_record

    if not is_built_document(path):
        return None
    try:
        return changed_words(path) if read_build_record(path).changed else None
    except LoagenError:
        return None  # reading it says what is wrong
