"""Commands that start and edit case files: `new`, `amend`, `modify` and `lines import`."""

import os
import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .common import _help, _present, _project, app, command, date_option, err, out

PANEL = "Start and edit case files"

# The case model's choices (tests/test_start.py checks they agree; the model is not imported
# here so that `loagen --help` stays quick).
PROGRAMS = ("FMS", "BPC")
CATEGORIES = ("defined_order", "blanket_order", "clssa_fmso_i", "clssa_fmso_ii")
FUNDING = ("national", "fmf", "bpc")


def _one_of(choices: tuple[str, ...]):  # noqa: ANN202
    """An option callback taking one of `choices`, in any case."""

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        for choice in choices:
            if value.strip().lower() == choice.lower():
                return choice
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}")

    return check


def _shown(path: Path) -> str:
    """`path` as the user would type it: relative to the current folder when inside it."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:
        return str(path)


def _print_to_fill(started, *, build_hint: bool = True) -> None:  # noqa: ANN001
    shown = shlex.quote(_shown(started.path))  # a command to copy: quoted as a shell needs
    n = len(started.to_fill)
    if n:
        out.print(
            f"{n} value{'s' if n != 1 else ''} to fill in, marked FILL IN (what to give is "
            "written in each):",
            markup=False,
        )
        for name, line in started.to_fill:
            out.print(f"  line {line}: {name}" if line else f"  {name}", markup=False)
    if build_hint:
        out.print(
            f"then check it with `loagen check {shown}` and build it with `loagen build {shown}`",
            markup=False,
        )


# -- new -------------------------------------------------------------------------------------------------


@command(rich_help_panel=PANEL)
def new(
    case_id: Annotated[
        str,
        typer.Argument(
            metavar="CASE-ID",
            help="The case identifier CC-I-XXX: country code, Implementing Agency letter, "
            "designator (e.g. BN-D-QAB).",
            show_default=False,
        ),
    ],
    program: Annotated[
        str | None,
        typer.Option(
            "--program",
            callback=_one_of(PROGRAMS),
            metavar="|".join(PROGRAMS),
            help="FMS or BPC, when you know it (else left to fill in).",
            show_default=False,
        ),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            callback=_one_of(CATEGORIES),
            metavar="CATEGORY",
            help="The LOA category, when you know it: defined_order, blanket_order, "
            "clssa_fmso_i or clssa_fmso_ii.",
            show_default=False,
        ),
    ] = None,
    funding: Annotated[
        str | None,
        typer.Option(
            "--funding",
            callback=_one_of(FUNDING),
            metavar="|".join(FUNDING),
            help="Who pays, when you know it (a BPC case: bpc).",
            show_default=False,
        ),
    ] = None,
    terms: Annotated[
        list[str] | None,
        typer.Option(
            "--terms",
            metavar="TERM",
            help='A term of sale, e.g. "Cash Prior to Delivery" (repeat for each).',
            show_default=False,
        ),
    ] = None,
    nickname: Annotated[
        str | None,
        typer.Option("--nickname", help="The program or system nickname.", show_default=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the new case file (default: cases/CASE-ID/basic.yaml in the "
            "project).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start a new case: write its Basic LOA case file, ready to fill in.

    The YAML file holds every field a Basic needs, each with a comment that says what it is and,
    for codes, the codes to choose from. What loagen cannot know is marked FILL IN with what to
    give; `loagen check` and `loagen build` name each value still to fill in, with its line.
    Never overwrites a file."""
    from ..errors import ScaffoldError
    from ..ops.start import check_case_id, start_case

    try:
        cid = check_case_id(case_id)
    except ScaffoldError as exc:
        raise typer.BadParameter(exc.message, param_hint="CASE-ID") from None
    if output is not None and output.suffix.lower() not in (".yaml", ".yml"):
        raise typer.BadParameter(
            f"a new case file is written in YAML (it holds comments): name it .yaml, not "
            f"{output.name}",
            param_hint="--output",
        )
    target = output or _project(writes_cases=True).cases / cid / "basic.yaml"
    started = start_case(
        cid,
        target,
        program=program,
        category=category,
        funding=funding,
        terms_of_sale=tuple(terms or ()),
        nickname=nickname,
        shown_as=Path(_shown(target)),
    )
    out.print(f"wrote {escape(_shown(started.path))}: the Basic of case {cid}")
    for note in started.notes:
        err.print(f"[yellow]note:[/] {escape(note)}")
    _print_to_fill(started)


# -- amend, modify ------------------------------------------------------------------------------------------

SourceArg = Annotated[
    Path,
    typer.Argument(
        metavar="PATH",
        help="The case's newest document (its case file), or the case's folder to follow the "
        "newest document in it; the next one is written beside it.",
        show_default=False,
    ),
]
ImplementationOpt = Annotated[
    str | None,
    typer.Option(
        "--implementation-date",
        metavar="DATE",
        help="The date the Basic was implemented (YYYY-MM-DD), when no document of the case "
        "gives it yet.",
        show_default=False,
    ),
]
BranchOpt = Annotated[
    bool,
    typer.Option(
        "--branch",
        help="Write it even though a later document already follows PATH (one that was cancelled).",
    ),
]
YamlOpt = Annotated[
    bool,
    typer.Option("--yaml", help="Write the next document as YAML (with comments) from a JSON one."),
]


def _next(
    path: Path, kind: str, implementation_date: str | None, as_yaml: bool, branch: bool
) -> None:
    from ..ops.start import next_document

    started = next_document(
        path,
        kind,
        implementation_date=date_option(implementation_date, "--implementation-date"),
        as_yaml=as_yaml,
        branch=branch,
    )
    out.print(
        f"wrote {escape(_shown(started.path))}: {started.title}, following "
        f"{escape((started.follows or path).name)}; the lines are as they stand, change them for this document"
    )
    _print_to_fill(started)


@command(rich_help_panel=PANEL)
def amend(
    path: SourceArg,
    implementation_date: ImplementationOpt = None,
    as_yaml: YamlOpt = False,
    branch: BranchOpt = False,
) -> None:
    """Write the next Amendment of a case beside its newest document, ready to edit.

    Carries over the case as it stands (lines, references, the Basic's implementation date;
    comments and layout of a YAML file); numbers it and points `previous` at PATH; leaves the
    offer expiration date, purpose and reason to fill in."""
    _next(path, "Amendment", implementation_date, as_yaml, branch)


@command(rich_help_panel=PANEL)
def modify(
    path: SourceArg,
    implementation_date: ImplementationOpt = None,
    as_yaml: YamlOpt = False,
    branch: BranchOpt = False,
) -> None:
    """Write the next Modification of a case beside its newest document, ready to edit.

    As `amend`, for a Modification: no offer expiration date, dated today (the payments due by
    then stay as they are; change document.date if it is written on another day), and
    purchaser references left empty (it cites only new correspondence; empty reads 'Based on
    U.S. Government Review')."""
    _next(path, "Modification", implementation_date, as_yaml, branch)


# -- lines import -------------------------------------------------------------------------------------------

lines_app = typer.Typer(
    name="lines",
    help="Line items of a case file: import them from a spreadsheet or CSV file.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(lines_app, name="lines", rich_help_panel=PANEL)


def _numbers(numbers: list[str]) -> str:
    """'Lines 005-007', or the first twelve and how many more."""
    from ..document.wording import line_refs  # here: `loagen --help` imports no document code

    if len(numbers) > 12:
        return f"{line_refs(numbers[:12])} and {len(numbers) - 12} more"
    return line_refs(numbers)


def lines_import(
    case_file: Annotated[
        Path,
        typer.Argument(metavar="CASE-FILE", help="The case file to fill.", show_default=False),
    ],
    table: Annotated[
        Path,
        typer.Argument(
            metavar="TABLE",
            help="A .xlsx workbook or a .csv file: a header row naming the line fields, then "
            "one row a line.",
            show_default=False,
        ),
    ],
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Make the lines exactly the table's rows. Without it, each row updates the "
            "line with its number (its non-empty cells) or adds a line, and the other lines "
            "stay.",
        ),
    ] = False,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help='Column names of another layout: "Line=number,Qty=quantity" ("Notes=-" skips '
            "a column), or a YAML file of `Column: field` lines.",
            show_default=False,
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            "--sheet", help="The workbook's sheet (default: the first).", show_default=False
        ),
    ] = None,
) -> None:
    """Fill the lines of a case file from a spreadsheet (.xlsx) or CSV file.

    Every bad row and cell is reported at once, with its row number and column, and the case is
    checked as it would be after the import: nothing is written unless all of it is valid. A
    YAML case file keeps its comments. See docs/case-files.md for the column layout."""
    from ..ops.lines_import import import_lines

    report = import_lines(case_file, table, replace=replace, columns=columns, sheet=sheet)
    parts = []
    if report.added:
        parts.append(f"{len(report.added)} added ({_numbers(report.added)})")
    if report.updated:
        parts.append(f"{len(report.updated)} updated ({_numbers(report.updated)})")
    if report.removed:
        parts.append(f"{len(report.removed)} removed ({_numbers(report.removed)})")
    if report.unchanged:
        parts.append(f"{len(report.unchanged)} unchanged")
    summary = ", ".join(parts) or "no lines in the table"
    if report.written:
        out.print(
            f"imported {escape(table.name)} into {escape(_shown(case_file))}: {summary}; "
            f"the case has {report.total_lines} line{'s' if report.total_lines != 1 else ''}"
        )
    else:
        out.print(f"{escape(_shown(case_file))} is unchanged: {summary}")
    if report.to_fill:
        err.print(
            f"[yellow]note:[/] {len(report.to_fill)} line value(s) still to fill in (FILL IN): "
            f"{escape(', '.join(report.to_fill[:8]))}"
            + (" ..." if len(report.to_fill) > 8 else "")
            + ("" if replace else "; --replace replaces the example line of a new case file")
        )


lines_app.command("import", help=_help(lines_import))(_present(lines_import))
