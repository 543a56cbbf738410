"""The command line: build and schema; errors are messages with their exit status, never tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from loagen.cli import app

from .conftest import CASES, ROOT, example, write_chain

runner = CliRunner()


def test_build_writes_docx_and_manifest(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["build", str(CASES / "BN-D-QAA/amendment-1.json"), "--output", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "BN-D-QAA-amendment-1.docx").is_file()
    assert (tmp_path / "BN-D-QAA-amendment-1.manifest.json").is_file()
    assert "wrote" in result.output
    # Each quality check warning once, its severity said once.
    path = CASES / "BN-D-QAA/amendment-1.json"
    assert (
        f"warning: {path}: QC-SERVICE-SEVERABLE lines[5].severable: Line 006 provides services"
    ) in " ".join(result.output.split())
    assert "warning QC-" not in result.output


def test_build_keeps_a_docx_changed_since_it_was_built_aside(tmp_path: Path) -> None:
    """Building again over a DOCX edited since its build moves the edited one aside, says
    where, and never writes over an earlier copy."""
    case = write_chain(tmp_path / "cases" / "BN-P-WRS", example("BN-P-WRS/basic"))
    out = tmp_path / "out"
    assert runner.invoke(app, ["build", str(case), "-o", str(out)]).exit_code == 0
    docx = out / "BN-P-WRS-basic.docx"
    built = docx.read_bytes()
    for number, name in enumerate(("changed-after-build", "changed-after-build-2"), start=1):
        docx.write_bytes(b"edited %d" % number)
        result = runner.invoke(app, ["build", str(case), "-o", str(out)])
        assert result.exit_code == 0, result.output
        kept = out / f"BN-P-WRS-basic.{name}.docx"
        assert kept.read_bytes() == b"edited %d" % number
        assert f"kept {kept} (the DOCX there was changed since it was built)" in result.stdout
        assert docx.read_bytes() == built
    again = runner.invoke(app, ["build", str(case), "-o", str(out)])  # as built: nothing kept
    assert "kept" not in again.stdout and len(list(out.glob("*.docx"))) == 3


def test_build_of_an_answered_document_keeps_its_docx_as_built_and_says_so(
    tmp_path: Path,
) -> None:
    basic, amendment = example("BN-P-WRS/basic"), example("BN-D-QAA/amendment-1")
    amendment["case_id"] = basic["case_id"]
    case = write_chain(tmp_path / "cases" / "BN-P-WRS", basic, amendment)
    out = tmp_path / "out"
    first = case.with_name("basic.json")
    assert runner.invoke(app, ["build", str(first), "-o", str(out)]).exit_code == 0
    signed = (out / "BN-P-WRS-basic.docx").read_bytes()
    basic["document"]["purpose"] += " and spares"
    write_chain(case.parent, basic, amendment)
    result = runner.invoke(app, ["build", str(first), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (kept,) = out.glob("BN-P-WRS-basic.as-built-*.docx")
    assert kept.read_bytes() == signed
    assert f"kept {kept} (the DOCX as built: the document was already answered" in " ".join(
        result.stdout.split()
    )


def test_build_of_several_files(tmp_path: Path) -> None:
    paths = [str(p) for p in sorted(CASES.glob("BN-D-QAA/*.json"))]
    result = runner.invoke(app, ["build", *paths, "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.docx"))) == len(paths) >= 3


def test_build_of_a_folder_builds_every_case_file_in_it(tmp_path: Path) -> None:
    out, empty = tmp_path / "out", tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a case file")
    result = runner.invoke(app, ["build", str(empty), str(CASES / "BN-D-QAA"), "-o", str(out)])
    assert result.exit_code == 3  # the empty folder, reported; the case's folder still built
    assert "no case files in this folder" in result.output
    built = sorted(p.name for p in out.glob("*.docx"))
    assert built == sorted(f"BN-D-QAA-{p.stem}.docx" for p in CASES.glob("BN-D-QAA/*.json"))
    assert len(built) >= 3
    assert f"{len(built)} documents: {len(built)} written, 0 not built" in result.output


def test_building_several_documents_ends_with_what_came_of_them(tmp_path: Path) -> None:
    broken = write_chain(tmp_path / "broken", dict(example("BN-D-QAA/basic"), program="XYZ"))
    sound = CASES / "BN-B-ZEA" / "basic.json"
    result = runner.invoke(app, ["build", str(sound), str(broken), "-o", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert "2 documents: 1 written, 1 not built" in result.output


def test_build_refuses_two_case_files_that_write_the_same_document(tmp_path: Path) -> None:
    """A backup copy of a case folder in the tree built: each document of the copy would
    overwrite the original's, so nothing is written and both files of each pair are named."""
    cases = tmp_path / "cases"
    basic = example("BN-P-WRS/basic")
    write_chain(cases / "BN-P-WRS", basic)
    write_chain(cases / "BN-P-WRS backup", basic)
    other = write_chain(cases / "BN-B-ZEA", example("BN-B-ZEA/basic"))
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(cases), "-o", str(out)])
    assert result.exit_code == 3, result.output
    said = " ".join(result.output.split())
    assert "1 case file would overwrite the document of another; nothing written" in said
    copy, kept = cases / "BN-P-WRS" / "basic.json", cases / "BN-P-WRS backup" / "basic.json"
    assert f"{copy}: document: writes the same output (BN-P-WRS-basic.docx) as {kept}" in said
    assert not out.exists()
    # the same file named twice is no clash: it is built
    again = runner.invoke(app, ["build", str(other), str(other), "-o", str(out)])
    assert again.exit_code == 0, again.output
    assert [p.name for p in out.glob("*.docx")] == ["BN-B-ZEA-basic.docx"]


def test_invalid_case_lists_every_problem_without_traceback(tmp_path: Path) -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][2]["source_code"] = "Q"
    data["lines"][1]["quantity"] = "two"
    path = write_chain(tmp_path / "case", data)
    proc = subprocess.run(
        [sys.executable, "-m", "loagen", "build", str(path), "--output", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 3  # a case file that breaks the contract
    assert "Traceback" not in proc.stderr
    # the line of the file, and the line item (the path counts from 0) as a writer numbers it
    text = path.read_text().splitlines()
    code = next(i for i, ln in enumerate(text, 1) if '"Q"' in ln)
    two = next(i for i, ln in enumerate(text, 1) if '"two"' in ln)
    assert (
        f"{path}: line {code}, lines[2].source_code (Line 003): 'Q' is not a known Source Code"
    ) in proc.stderr
    assert f"{path}: line {two}, lines[1].quantity (Line 002): got 'two'; expected a number" in (
        proc.stderr
    )
    assert not (tmp_path / "out").exists()


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(tmp_path / "nope.json"), "-o", str(tmp_path)])
    assert result.exit_code == 3
    assert "case file not found" in result.output


def test_schema_is_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "loagen case file"
    assert "lines" in schema["required"]


def test_help_explains_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "schema"):
        assert command in result.output
    build_help = runner.invoke(app, ["build", "--help"]).output
    assert "--allow-errors" in build_help and "DRAFT" in build_help


def test_the_schema_accepts_every_example_and_rejects_a_typo() -> None:
    jsonschema = __import__("jsonschema")
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(CASES.glob("*/*.json")):
        assert not list(validator.iter_errors(json.loads(path.read_text()))), path
    data = example("BN-D-QAA/basic")
    data["lines"][0]["sorce_code"] = "P"
    assert list(validator.iter_errors(data))


def test_templates_check(tmp_path: Path, monkeypatch) -> None:
    result = runner.invoke(app, ["templates", "--check"])
    assert result.exit_code == 0, result.output
    assert "3 templates compiled" in result.output
    import shutil

    import docx

    for folder in ("templates", "note_library", "cases"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    d = docx.Document(str(tmp_path / "templates" / "basic.docx"))
    next(p for p in d.paragraphs if p.text == "{{ state_description }}").text = "{{ state_descr }}"
    d.save(str(tmp_path / "templates" / "basic.docx"))
    monkeypatch.setenv("LOAGEN_PROJECT", str(tmp_path))
    result = runner.invoke(app, ["templates", "--check"])
    assert result.exit_code == 5  # a template problem
    assert "unknown variable 'state_descr' (did you mean 'state_description'?)" in result.output


def _project_with_note(tmp_path: Path, monkeypatch, name: str, rule: str, body: str) -> Path:
    """A copy of the project with one more note, and a case of its own: the case file."""
    import shutil

    for folder in ("templates", "note_library"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "note_library" / f"{name}.md").write_text(
        f"---\nid: {name}\ntitle: Test Note\n"
        'versions: [{version: "1", effective: 2000-01-01}]\n'
        "programs: [FMS, BPC]\nlevel: case\nplacement: notes\nsection: 5\norder: 5999\n"
        f"documents: [Basic, Amendment, Modification]\nrule: {rule}\ncarry_over: every\n"
        f"---\n{body}\n"
    )
    data = example("BN-P-WRS/basic")
    data["lines"][0]["description"] = "SOMETHING OF OUR OWN"
    case = write_chain(tmp_path / "cases" / data["case_id"], data)
    monkeypatch.setenv("LOAGEN_PROJECT", str(tmp_path))
    return case


def test_check_fails_with_the_note_library_code_when_the_library_does_not_load(
    tmp_path: Path, monkeypatch
) -> None:
    """`build` stops at a broken note library (exit 4): `check` must not say the document is
    fine, and `templates --check` must not blame the templates."""
    case = _project_with_note(
        tmp_path, monkeypatch, "ZZ-BROKEN", 'lines_with(kind="trainng")', "Some text."
    )
    result = runner.invoke(app, ["check", str(case)])
    assert result.exit_code == 4, result.output
    assert "notes not checked" in result.output and "ZZ-BROKEN.md" in result.output
    result = runner.invoke(app, ["check", "--json", str(case)])
    assert result.exit_code == 4 and '"ok": false' in result.stdout
    result = runner.invoke(app, ["templates", "--check"])
    assert result.exit_code == 4, result.output
    assert "template problem(s)" not in result.output
    assert "ZZ-BROKEN.md" in result.output and "did you mean 'training'?" in result.output


def test_check_fails_with_the_note_library_code_when_a_note_cannot_be_filled_in(
    tmp_path: Path, monkeypatch
) -> None:
    case = _project_with_note(
        tmp_path, monkeypatch, "ZZ-DIVIDES", "true", "Costs {{ 1 / (case.lines | length - 1) }}."
    )
    data = json.loads(case.read_text())
    data["lines"] = data["lines"][:1]
    case.write_text(json.dumps(data))
    result = runner.invoke(app, ["check", str(case)])
    assert result.exit_code == 4, result.output
    assert "notes not checked" in result.output and "ZZ-DIVIDES" in result.output
    assert runner.invoke(app, ["build", str(case), "-o", str(tmp_path / "o")]).exit_code == 4


def test_an_output_path_that_is_a_file_is_refused_with_the_output_code(tmp_path: Path) -> None:
    """-o names a folder: a file there (or above it) is said once, before any work, with the
    output error's exit code, for one document and for a batch."""
    afile = tmp_path / "out"
    afile.write_text("not a folder")
    case = write_chain(tmp_path / "case", example("BN-B-ZEA/basic"))
    for args, where in (
        (["build", str(case), "-o", str(afile)], "is a file, not a folder"),
        (["batch", str(case.parent), "-o", str(afile)], "is a file, not a folder"),
        (["build", str(case), "-o", str(afile / "sub")], f"is inside {afile}, which is a file"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 6, result.output
        said = " ".join(result.output.split())
        assert f"the output path {where}" in said and "give a folder" in said
        assert "File exists" not in said
    assert afile.read_text() == "not a folder"


def test_help_paragraphs_are_not_broken_mid_sentence() -> None:
    from loagen.cli.common import _help

    def sample() -> None:
        """First line.

        A paragraph written over
        two lines of source.

        - a list item
        - another item
        """

    assert _help(sample) == (
        "First line.\n\nA paragraph written over two lines of source.\n\n- a list item\n- another item"
    )
    build_help = runner.invoke(app, ["build", "--help"], env={"COLUMNS": "240"}).output
    assert "beside it recording the inputs, template, notes selected and totals." in build_help
    # Every command, those of command groups too (`lines import`), says its help this way.
    import click
    import typer

    def commands(group: click.Command, name: str = "loagen"):  # noqa: ANN202
        yield name, group
        for sub_name, sub in getattr(group, "commands", {}).items():
            yield from commands(sub, f"{name} {sub_name}")

    broken = [
        name
        for name, cmd in commands(typer.main.get_command(app))
        for paragraph in (cmd.help or "").split("\n\n")
        if "\n" in paragraph and not paragraph.lstrip().startswith(("-", "*", "1"))
    ]
    assert broken == []


def test_outside_any_project_a_command_says_which_project_it_uses(
    tmp_path: Path, monkeypatch
) -> None:
    """Run from a folder outside any project, loagen uses its own checkout's notes and
    templates: it says so, and `new` never adds a case to the checkout's cases/ folder."""
    monkeypatch.delenv("LOAGEN_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path)
    case = write_chain(tmp_path / "BN-P-ZZQ", example("BN-P-WRS/basic"))
    checked = runner.invoke(app, ["check", str(case)])
    assert checked.exit_code == 0, checked.output
    assert f"no loagen project in {tmp_path}" in " ".join(checked.stderr.split())
    assert f"using loagen's own project, {ROOT}" in " ".join(checked.stderr.split())
    started = runner.invoke(app, ["new", "BN-B-ZZQ"])
    assert started.exit_code == 8, started.output
    assert "no cases/ folder to write the new case into" in " ".join(started.output.split())
    assert not (ROOT / "cases" / "BN-B-ZZQ").exists()
    written = runner.invoke(app, ["new", "BN-B-ZZQ", "-o", str(tmp_path / "basic.yaml")])
    assert written.exit_code == 0, written.output  # told where, it writes there


def test_loagen_project_naming_no_folder_is_said_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LOAGEN_PROJECT", str(tmp_path / "nonexist"))
    result = runner.invoke(app, ["check", str(CASES / "BN-P-WRS" / "basic.json")])
    assert result.exit_code == 8, result.output
    assert "a folder that does not exist" in result.output
    assert "note library" not in result.output


def test_help_shows_flags_as_flags_and_option_names_whole(monkeypatch) -> None:
    """`--strict` takes no value (`--strict true` would read 'true' as a case file), and an
    option's name is never cut, even in a terminal 80 characters wide."""
    monkeypatch.setenv("COLUMNS", "80")
    checked = runner.invoke(app, ["check", "--help"])
    assert checked.exit_code == 0
    strict = next(ln for ln in checked.output.splitlines() if ln.startswith("│ --strict"))
    assert "<bool>" not in checked.output and "Exit 1 on warnings too" in strict
    restate = runner.invoke(app, ["restate", "--help"])
    assert "--offer-expiration-date " in restate.output and "…" not in restate.output
    assert max(map(len, restate.output.splitlines())) <= 80


def test_check_says_the_package_documents_a_case_does_not_record(tmp_path: Path) -> None:
    """A document whose LOA package needs supporting documents, on a case that keeps no
    package list (so no check can say which are missing), is not left at "no findings": a line
    says what it calls for and which command lists them; a case that keeps its list is told
    by the package checks themselves."""
    basic = example("BN-D-QAA/basic")
    path = write_chain(tmp_path / "untracked", basic)
    said = " ".join(runner.invoke(app, ["check", str(path)]).output.split())
    assert "package: this Basic calls for 5 supporting documents (" in said
    assert f"loagen package {path} lists them" in said
    data = json.loads(runner.invoke(app, ["check", str(path), "--json"]).output)
    assert len(data["documents"][0]["package_not_recorded"]) == 5
    basic["package"] = []
    tracked = write_chain(tmp_path / "tracked", basic)
    assert "package: this" not in runner.invoke(app, ["check", str(tracked)]).output


def test_a_document_after_one_that_does_not_load_is_named_as_not_done(tmp_path: Path) -> None:
    """A folder whose Amendment does not load: the Modification after it cannot be read
    either. Each command of many documents names the Modification it left undone, not only the
    Amendment's problem (said once for the Amendment, then again with no word of which
    document it stopped)."""
    amendment = example("BN-D-QAA/amendment-1")
    amendment["lines"][-1]["quantity"] = "two"
    chain = (example("BN-D-QAA/basic"), amendment, example("BN-D-QAA/modification-1"))
    folder = write_chain(tmp_path / "case", *chain).parent
    for command, undone in (
        (["check"], "checked"),
        (["explain"], "explained"),
        (["package"], "listed"),
        (["report", "-o", str(tmp_path / "reports")], "reported"),
        (["build", "-o", str(tmp_path / "built")], "built"),
    ):
        result = runner.invoke(app, [*command, str(folder)])
        said = " ".join(result.output.split())
        assert result.exit_code == 3, (command, result.output)
        assert (
            f"error: {folder / 'modification-1.json'}: not {undone}: a document before it in "
            f"its case does not load: {folder / 'amendment-1.json'}: 1 problem in the case file"
        ) in said, (command, said)
        # the Amendment's own problem is said as it was, without a document before it
        assert f"error: {folder / 'amendment-1.json'}: 1 problem in the case file" in said
        assert "amendment-1.json: not" not in said


# -- start-up: what a one-document build loads (issue 9: a cold build within 0.4 s) -------------

_LOADED = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.__stdout__))
sys.argv = ["loagen", *sys.argv[1:]]
from loagen.__main__ import main
main()
"""


def _modules_loaded_by(*args: str) -> set[str]:
    """The modules a `loagen` process has loaded when it exits, run twice (the first run
    fills the compile cache, as a writer's first build does)."""
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-c", _LOADED, *args], capture_output=True, text=True, cwd=ROOT
        )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_a_one_document_build_loads_only_what_it_uses(tmp_path: Path) -> None:
    """Each of these costs a cold build time for nothing: the batch (only two or more files
    can write the same document), Rich's table of emoji codes (loagen prints text as written)
    and PyYAML for a JSON case (the reference tables, the package checklist's ids and the 36(b)
    table come from the compile cache, and the note library with them)."""
    loaded = _modules_loaded_by(
        "build", str(CASES / "BN-D-QAA/basic.json"), "-o", str(tmp_path / "out")
    )
    assert "loagen.pipeline" in loaded  # it built
    assert not loaded & {"loagen.ops.batch", "rich._emoji_codes", "yaml"}


def test_messages_print_text_as_written() -> None:
    """A case's text printed as written: Rich's emoji codes are off."""
    from loagen.cli.common import err, out

    for console in (out, err):
        with console.capture() as captured:
            console.print("smile :smile: and :thumbs_up:", markup=False)
        assert captured.get().strip() == "smile :smile: and :thumbs_up:"


def test_command_annotations_are_not_strings() -> None:
    """Typer reads every command's parameters each time loagen starts, whichever command
    runs: annotations written as strings (`from __future__ import annotations`) were compiled
    and evaluated then, twice a command (3% of a cold build)."""
    import inspect

    def functions(typer_app):  # noqa: ANN001, ANN202
        for info in typer_app.registered_commands:
            yield info.name or info.callback.__name__, info.callback
        for group in typer_app.registered_groups:
            yield from functions(group.typer_instance)

    found = dict(functions(app))
    assert "build" in found
    for name, function in found.items():
        for what, annotation in inspect.get_annotations(function).items():
            assert not isinstance(annotation, str), f"{name}: {what}: {annotation!r}"
