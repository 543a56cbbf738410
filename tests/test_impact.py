"""`loagen impact`: which documents change when the note library or the templates change,
compared with a git revision of a scratch copy of the project."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loagen.cli import app
from loagen.errors import ImpactError, UsageError
from loagen.ops.impact import impact
from loagen.pipeline import Pipeline as Builder
from loagen.project import find_case_files

from .conftest import example, write_chain
from .projects import copy_cases, make_corpus, make_project, note_file
from .test_notes import write_note


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """A project under git with the example cases and a small corpus, committed; and which
    notes each document prints."""
    root = tmp_path_factory.mktemp("impact") / "project"
    project = make_project(root)
    cases = copy_cases(root / "cases")
    make_corpus(cases, 30)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "start")
    builder = Builder(project)
    printed = {
        path: {n.id for n in builder.prepare(path).selection.notes}
        for path in find_case_files([cases])
    }
    return project, cases, printed


@pytest.fixture
def restore(repo):
    """Put the working tree back as committed after the test."""
    project, _, _ = repo
    folders = (project.note_library, project.templates)
    saved = {f: f.read_bytes() for folder in folders for f in folder.rglob("*") if f.is_file()}
    yield
    for path, data in saved.items():
        path.write_bytes(data)


def test_nothing_changed_nothing_reported(repo):
    project, cases, printed = repo
    report = impact([cases], project=project)
    assert len(report.documents) == len(printed)
    assert report.changed == [] and report.failed == []


def test_a_changed_rule_lists_exactly_the_documents_whose_selection_changes(repo, restore):
    project, cases, printed = repo
    counts = Counter(n for notes in printed.values() for n in notes)
    note = min((n for n, c in counts.items() if c < len(printed)), key=lambda n: (counts[n], n))
    path = note_file(project.note_library, note)
    text = path.read_text(encoding="utf-8")
    # a rule that holds for no document (and still names lines, as line notes need)
    changed = re.sub(r"(?m)^rule:.*$", 'rule: lines_with(masl="NO-SUCH-MASL")', text, count=1)
    assert changed != text
    path.write_text(changed, encoding="utf-8")

    report = impact([cases], against="HEAD", project=project)
    expected = {p for p, notes in printed.items() if note in notes}
    assert {d.source for d in report.changed} == expected
    for doc in report.changed:
        assert doc.notes_in == [] and doc.notes_changed == [] and doc.template is None
        assert doc.notes_out and all(c.note.split(" ")[0] == note for c in doc.notes_out)
        assert all(c.reason for c in doc.notes_out)
    assert report.notes_edited == [note]
    # the working tree is left as it was
    assert path.read_text(encoding="utf-8") == changed
    assert _git(project.root, "status", "--porcelain").strip().endswith(path.name)


def test_a_changed_note_text_is_reported_as_such(repo, restore):
    project, cases, printed = repo
    counts = Counter(n for notes in printed.values() for n in notes)
    note = max(counts, key=lambda n: (counts[n], n))
    path = note_file(project.note_library, note)
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + " New words.\n")
    report = impact([cases], project=project)
    assert {d.source for d in report.changed} == {p for p, n in printed.items() if note in n}
    for doc in report.changed:
        assert [c.reason for c in doc.notes_changed][:1] == ["wording"]
        wording = doc.notes_changed[0].wording
        assert [c for c in wording if "New words." in (c.new or "")]
        assert not [c for c in wording if "New words." in (c.old or "")]
    # a document a later one follows was answered: its signed text is not what a rebuild prints
    answered = {d.document for d in report.changed if d.answered}
    assert answered and answered != {d.document for d in report.changed}
    # each case's documents in the order they were written: a Basic before its Amendments
    for case in {d.source.parent for d in report.changed}:
        names = [d.source.name for d in report.changed if d.source.parent == case]
        if "basic.json" in names:
            assert names[0] == "basic.json", names
    for doc in report.changed:
        followers = [
            q for q in doc.source.parent.iterdir()
            if q.suffix == ".json" and f'"previous": "{doc.source.name}"' in q.read_text()
        ]  # fmt: skip
        assert doc.answered == bool(followers), doc.document


def test_a_renamed_note_changes_only_the_documents_whose_printed_text_changes(
    repo, restore, monkeypatch
):
    """A note file renamed with its id (git mv, then the id edited) is one note renamed, not
    one removed and another added: a document that prints the same text does not change; once
    its text is edited too, the documents that print it change, the note said renamed."""
    project, cases, printed = repo
    counts = Counter(n for notes in printed.values() for n in notes)
    note = max(counts, key=lambda n: (counts[n], n))
    path = note_file(project.note_library, note)
    text = path.read_text(encoding="utf-8")
    renamed = path.with_name(f"{note}-RENAMED{path.suffix}")
    try:
        path.unlink()
        renamed.write_text(text.replace(f"id: {note}\n", f"id: {note}-RENAMED\n", 1))
        report = impact([cases], project=project)
        assert report.notes_renamed == {note: f"{note}-RENAMED"}
        assert report.notes_added == [] and report.notes_removed == []
        assert report.changed == [] and report.failed == []
        monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
        said = CliRunner().invoke(app, ["impact", str(cases)]).stdout
        assert f"notes renamed since HEAD: {note} -> {note}-RENAMED" in said
        assert said.rstrip().splitlines()[-1].startswith(f"0 of {len(printed)} document(s)")
        renamed.write_text(renamed.read_text(encoding="utf-8").rstrip("\n") + " New words.\n")
        report = impact([cases], project=project)
        assert {d.source for d in report.changed} == {p for p, n in printed.items() if note in n}
        for doc in report.changed:
            assert doc.notes_in == [] and doc.notes_out == []
            assert doc.notes_changed[0].reason.startswith(f"renamed from {note}, wording")
    finally:
        renamed.unlink(missing_ok=True)


def _template_text_replaced(template: Path, old: bytes, new: bytes) -> None:
    """Replace `old` (static text of the template's body) with `new`, in place."""
    with zipfile.ZipFile(template) as zf:
        parts = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            if info.filename == "word/document.xml":
                assert old in data
                data = data.replace(old, new, 1)
            zf.writestr(info, data)


def test_a_changed_template_flags_the_documents_rendered_from_it(repo, restore):
    """A template edit changes the documents rendered from it whose printed text changes, with
    the wording that changes; an edit that prints the same text (bytes only) changes none."""
    project, cases, printed = repo
    template = project.templates / "modification.docx"
    template.write_bytes(template.read_bytes() + b"\0")
    report = impact([cases], project=project)
    assert report.templates_changed == ["modification.docx"] and not report.terms_changed
    assert report.changed == []
    _template_text_replaced(
        template, b"Information to be provided by the Purchaser",
        b"Information the Purchaser provides",
    )  # fmt: skip
    report = impact([cases], project=project)
    modifications = {d.source for d in report.documents if "modification" in d.document}
    assert modifications and {d.source for d in report.changed} == modifications
    assert all(d.template == "modification.docx" for d in report.changed)
    (change,) = report.changed[0].printed
    assert (change.change.old, change.change.new) == (
        "Information to be provided by the Purchaser",
        "Information the Purchaser provides",
    )


def test_a_standard_terms_edit_changes_only_the_documents_that_print_them(
    repo, restore, monkeypatch
):
    """The Standard Terms are printed on FMS documents only: an edit changes those, with the
    wording that changes, and not the BPC documents, which render the same."""
    project, cases, printed = repo
    terms = project.templates / "standard_terms.md"
    original = terms.read_text()
    paragraph = next(line for line in original.splitlines() if line.startswith("2.2."))
    terms.write_text(original.replace(paragraph, paragraph.replace(" will ", " shall ", 1)))
    report = impact([cases], project=project)
    assert report.terms_changed and report.templates_changed == []
    programs = {d.source: Builder(project).document(d.source).case.program
                for d in report.documents}  # fmt: skip
    assert {"FMS", "BPC"} <= set(programs.values())
    assert {d.source for d in report.changed} == {s for s, p in programs.items() if p == "FMS"}
    for doc in report.changed:
        (change,) = doc.printed
        assert "[shall]" in change.change.was_now()[1]
    # the text says what changed, with the wording, and advice that fits a Terms edit
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["impact", str(cases)])
    assert "Standard Terms changed: printed text outside the notes changes" in result.stdout
    assert "now: " in result.stdout and "[shall]" in result.stdout
    assert "templates changed" not in result.stdout
    said = " ".join(result.stderr.split())
    assert "already answered" in said and "no dated versions" in said
    assert "new version of the note" not in said


def test_deleting_a_note_points_to_until_for_answered_documents(repo, restore, monkeypatch):
    project, cases, printed = repo
    counts = Counter(n for notes in printed.values() for n in notes)
    note = max(counts, key=lambda n: (counts[n], n))
    path = note_file(project.note_library, note)
    text = path.read_bytes()
    try:
        path.unlink()
        monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
        said = " ".join(CliRunner().invoke(app, ["impact", str(cases)]).stderr.split())
    finally:
        path.write_bytes(text)
    assert "already answered" in said and "`until` date" in said
    assert "new version of the note" not in said


def test_command_prints_json_and_a_bad_revision_is_an_error(repo, restore, monkeypatch):
    project, cases, _ = repo
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["impact", str(cases), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["against"] == "HEAD" and data["documents"] == []
    bad = CliRunner().invoke(app, ["impact", str(cases), "--against", "no-such-rev"])
    assert bad.exit_code == 2  # a bad option value, as the README's table says (not a tool's fault)
    assert "git has no revision 'no-such-rev'" in " ".join(bad.stderr.split())
    with pytest.raises(UsageError):
        impact([cases], against="no-such-rev", project=project)


def test_a_project_not_kept_in_git_is_told_what_to_do(tmp_path, monkeypatch):
    project = make_project(tmp_path / "project")  # no git repository around it
    cases = copy_cases(tmp_path / "project" / "cases")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    with pytest.raises(ImpactError) as refused:
        impact([cases], project=project)
    assert "is not kept in git" in refused.value.message
    assert "git init" in refused.value.message and "studio" in refused.value.message


# -- the changed wording, a scratch preview with redlines, and templates that break ---------------


def _redlines_available() -> str | None:
    try:
        from python_redlines.engines import DocxodusEngine

        DocxodusEngine()
    except Exception as exc:  # not installed, or no binary for this platform
        return f"python-redlines (Docxodus engine) is not available: {exc}"
    return None


needs_redlines = pytest.mark.skipif(
    _redlines_available() is not None, reason=str(_redlines_available())
)

OLD_WORDS = "is charged on the Net Estimated Cost"
NEW_WORDS = "is charged on line (8), the Net Estimated Cost"


def _edit_admin_surcharge(project) -> Path:
    path = note_file(project.note_library, "ADMIN-SURCHARGE")
    text = path.read_text(encoding="utf-8")
    assert OLD_WORDS in text
    path.write_text(text.replace(OLD_WORDS, NEW_WORDS), encoding="utf-8")
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_reworded_note_shows_what_the_text_was_and_is(repo, restore, monkeypatch):
    project, cases, printed = repo
    _edit_admin_surcharge(project)
    report = impact([cases], project=project)
    expected = {p for p, n in printed.items() if "ADMIN-SURCHARGE" in n}
    assert expected and {d.source for d in report.changed} == expected
    for doc in report.changed:
        (change,) = doc.notes_changed
        assert change.reason == "wording" and change.title == "Administrative Surcharge"
        (reworded,) = change.wording
        assert reworded.kind == "reworded"
        assert OLD_WORDS in reworded.old and NEW_WORDS in reworded.new
        was, now = reworded.was_now()
        # words only added: nothing marked in what the text was, the new words in brackets
        assert "[" not in was and "on the Net Estimated Cost" in was
        assert "on [line (8),] the Net Estimated Cost" in now

    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["impact", str(cases)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "notes edited since HEAD: ADMIN-SURCHARGE" in text
    assert text.count("      was: ") == 1 and text.count("      now: ") == 1  # shown once
    assert text.count("(the same wording change as on ") == len(expected) - 1
    assert f"{len(expected)} of {len(printed)} document(s) change" in text

    data = json.loads(CliRunner().invoke(app, ["impact", str(cases), "--json"]).stdout)
    doc = data["documents"][0]
    (note,) = doc["notes_changed"]
    assert note["id"] == "ADMIN-SURCHARGE" and note["old"]["version"] == note["new"]["version"]
    assert OLD_WORDS in note["old"]["text"] and NEW_WORDS in note["new"]["text"]
    (wording,) = note["wording"]
    assert wording["change"] == "reworded"
    assert {"added": "line (8), the "} in wording["words"] or any(
        "line (8)" in w.get("added", "") for w in wording["words"]
    )
    assert doc["rendered"] is None and doc["redline"] is None  # nothing rendered without --render


def test_a_note_coming_in_carries_its_text(repo, restore):
    project, cases, printed = repo
    counts = Counter(n for notes in printed.values() for n in notes)
    note = min((n for n, c in counts.items() if c < len(printed)), key=lambda n: (counts[n], n))
    path = note_file(project.note_library, note)
    text = path.read_text(encoding="utf-8")
    # the rule drops the note everywhere: each document lists it as going, with the old text
    changed = re.sub(r"(?m)^rule:.*$", 'rule: lines_with(masl="NO-SUCH-MASL")', text, count=1)
    path.write_text(changed, encoding="utf-8")
    data = impact([cases], project=project).to_json()
    for doc in data["documents"]:
        for out in doc["notes_out"]:
            assert out["id"] == note and out["old"]["text"] and out["new"] is None
            assert out["reason"]


@needs_redlines
def test_render_writes_previews_and_redlines_and_never_touches_build(repo, restore, tmp_path,
                                                                     monkeypatch):  # fmt: skip
    project, cases, printed = repo
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    # the official outputs, built before the edit
    some = sorted(p for p, n in printed.items() if "ADMIN-SURCHARGE" in n)[:2]
    built = CliRunner().invoke(app, ["batch", *map(str, some), "-j", "1"])
    assert built.exit_code == 0, built.output
    before = _snapshot(project.build_dir)
    assert any(name.endswith(".manifest.json") for name in before)

    _edit_admin_surcharge(project)
    preview = tmp_path / "preview"
    result = CliRunner().invoke(app, ["impact", *map(str, some), "--render", str(preview)])
    assert result.exit_code == 0, result.output
    assert _snapshot(project.build_dir) == before  # byte-identical, nothing added
    written = sorted(p.name for p in preview.iterdir())
    stems = sorted(Builder(project).document(p).output_stem for p in some)
    assert written == sorted([f"{s}.docx" for s in stems] + [f"{s}.redline.docx" for s in stems])
    for stem in stems:
        assert f"rendered: {preview / stem}.docx" in result.stdout
        assert f"redline:  {preview / stem}.redline.docx" in result.stdout
        with zipfile.ZipFile(preview / f"{stem}.redline.docx") as zf:
            body = zf.read("word/document.xml").decode()
        inserted = "".join(re.findall(r"<w:ins [^>]*>(.*?)</w:ins>", body, flags=re.S))
        assert "line (8)" in re.sub(r"<[^>]+>", "", inserted)
        with zipfile.ZipFile(preview / f"{stem}.docx") as zf:
            assert NEW_WORDS in re.sub(r"<[^>]+>", "", zf.read("word/document.xml").decode())
    data = json.loads(
        CliRunner()
        .invoke(app, ["impact", *map(str, some), "--render", str(preview), "--json"])
        .stdout
    )
    assert {Path(d["redline"]).name for d in data["documents"]} == {
        f"{s}.redline.docx" for s in stems
    }
    assert _snapshot(project.build_dir) == before


@pytest.mark.parametrize("which", [".redline.docx", ".docx"])
def test_render_on_a_full_disk_writes_what_it_can_and_exits_6(
    repo, restore, tmp_path, monkeypatch, which
):
    import errno

    from loagen.output import files

    project, cases, printed = repo
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    some = sorted(p for p, n in printed.items() if "ADMIN-SURCHARGE" in n)[:3]
    stems = sorted(Builder(project).document(p).output_stem for p in some)
    full = stems[1] + which  # one file of the middle document finds the disk full
    real = files._write_temporary

    def disk_full_for_one(path: Path, data: bytes) -> str:
        if path.name == full:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(files, "_write_temporary", disk_full_for_one)
    _edit_admin_surcharge(project)
    preview = tmp_path / "preview"
    result = CliRunner().invoke(app, ["impact", *map(str, some), "--render", str(preview)])
    assert result.exit_code == 6, result.output
    assert f"{preview / full}: cannot write output: the disk is full" in result.stderr
    assert "does not render" not in result.output
    written = sorted(p.name for p in preview.iterdir())
    every = [f"{s}.docx" for s in stems] + [f"{s}.redline.docx" for s in stems]
    if which == ".docx":  # no preview: no redline of it either
        every.remove(stems[1] + ".redline.docx")
    every.remove(full)
    assert written == sorted(every)


def test_render_refuses_the_build_folder_and_folders_with_manifests(repo, restore, tmp_path,
                                                                    monkeypatch):  # fmt: skip
    project, cases, _ = repo
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["impact", str(cases), "--render", str(project.build_dir)])
    assert result.exit_code == 6
    assert "is the build folder" in result.stderr and "scratch folder" in result.stderr
    inside = CliRunner().invoke(
        app, ["impact", str(cases), "--render", str(project.build_dir / "preview")]
    )
    assert inside.exit_code == 6
    templates = CliRunner().invoke(app, ["impact", str(cases), "--render", str(project.templates)])
    assert templates.exit_code == 6 and "templates folder" in templates.stderr
    # among the case files, or in the project folder itself: kept in git, never a preview
    in_cases = CliRunner().invoke(
        app, ["impact", str(cases), "--render", str(project.cases / "BN-D-QAA")]
    )
    assert in_cases.exit_code == 6 and "cases folder" in in_cases.stderr
    root = CliRunner().invoke(app, ["impact", str(cases), "--render", str(project.root)])
    assert root.exit_code == 6 and "the project folder itself" in root.stderr
    other = tmp_path / "other-builds"
    other.mkdir()
    (other / "X-basic.manifest.json").write_text("{}")
    refused = CliRunner().invoke(app, ["impact", str(cases), "--render", str(other)])
    assert refused.exit_code == 6 and "holds built documents" in refused.stderr
    assert sorted(p.name for p in other.iterdir()) == ["X-basic.manifest.json"]
    # a folder of case files outside the project (another project's, a copy): refused too
    elsewhere = write_chain(tmp_path / "elsewhere" / "BN-P-WRS", example("BN-P-WRS/basic")).parent
    (elsewhere / "notes.json").write_text('{"not": "a case"}')
    before = sorted(p.name for p in elsewhere.iterdir())
    copy = CliRunner().invoke(app, ["impact", str(cases / "BN-D-QAA"), "--render", str(elsewhere)])
    assert copy.exit_code == 6 and "holds case files (basic.json" in " ".join(copy.stderr.split())
    assert sorted(p.name for p in elsewhere.iterdir()) == before
    # a folder holding other JSON only is a scratch folder
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "notes.json").write_text('{"not": "a case"}')
    assert impact([cases / "BN-D-QAA"], project=project, render_to=scratch).render_to == scratch


def _break_template(template: Path, tag: str) -> None:
    with zipfile.ZipFile(template) as zf:
        entries = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, blob in entries:
            if info.filename == "word/document.xml":
                text = blob.decode()
                assert "{{ case_description }}" in text
                blob = text.replace("{{ case_description }}", "{{ case_description }}" + tag, 1)
                blob = blob.encode()
            zf.writestr(info, blob)


@pytest.mark.parametrize(
    "tag,words",
    [("{{ designation.frim }}", "designation"), ("{% if case.nickname %}", "if")],
    ids=["unknown value", "unclosed tag"],
)
def test_a_template_that_no_longer_renders_is_an_error_for_each_document(
    repo, restore, monkeypatch, tag, words
):
    project, cases, _ = repo
    _break_template(project.templates / "amendment.docx", tag)
    report = impact([cases], project=project)
    amendments = {d.source for d in report.documents if d.template == "amendment.docx"}
    assert amendments
    failed = {f.source: f for f in report.failed}
    assert set(failed) == amendments
    for failure in failed.values():
        assert failure.stage == "render" and failure.document
        message = " ".join(str(p) for p in failure.problems)
        assert "amendment.docx" in message and words in message

    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["impact", str(cases)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    if len(amendments) > 1:
        assert f"error: {len(amendments)} documents do not render" in result.stderr
    else:
        assert "error: 1 document does not render" in result.stderr
    assert result.stdout.count("does not render with the working tree's") == len(amendments)
    assert "amendment.docx" in result.stderr
    data = json.loads(CliRunner().invoke(app, ["impact", str(cases), "--json"]).stdout)
    assert {f["stage"] for f in data["failed"]} == {"render"}
    assert len(data["failed"]) == len(amendments)


FOLLOWER = """---
id: TEST-FOLLOWS-ADMIN
title: Follows the Administrative Surcharge note
versions:
  - version: "1"
    effective: 2000-01-01
programs: [FMS]
level: case
placement: notes
section: 5
order: 9990
documents: [Amendment, Modification]
rule: in_force("ADMIN-SURCHARGE")
carry_over: every
---
The administrative surcharge note of this case stays in force.
"""


def test_a_note_that_names_an_edited_note_is_compared_too(tmp_path: Path):
    """A note unchanged itself, whose rule reads whether the edited note is on the case
    (in_force), changes with it: impact lists it."""
    root = tmp_path / "project"
    project = make_project(root)
    cases = copy_cases(root / "cases")
    (project.note_library / "TEST-FOLLOWS-ADMIN.md").write_text(FOLLOWER, encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "start")
    builder = Builder(project)
    following = {
        p
        for p in find_case_files([cases])
        if "TEST-FOLLOWS-ADMIN" in {n.id for n in builder.prepare(p).selection.notes}
    }
    assert following  # the Amendments and Modifications of FMS cases
    path = note_file(project.note_library, "ADMIN-SURCHARGE")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        re.sub(r"(?m)^rule:.*$", 'rule: lines_with(masl="NO-SUCH-MASL")', text, count=1),
        encoding="utf-8",
    )
    report = impact([cases], project=project)
    dropped = {
        d.source for d in report.changed if any(c.id == "TEST-FOLLOWS-ADMIN" for c in d.notes_out)
    }
    assert dropped == following
    assert report.notes_edited == ["ADMIN-SURCHARGE"]  # the follower's file is unchanged


def test_a_note_that_cannot_be_filled_names_the_working_tree_file_once(repo, restore, monkeypatch):
    project, cases, printed = repo
    path = note_file(project.note_library, "ADMIN-SURCHARGE")
    path.write_text(
        path.read_text(encoding="utf-8") + "\nShare: {{ 1 // (lines|length - lines|length) }}\n",
        encoding="utf-8",
    )
    report = impact([cases], project=project)
    expected = {p for p, n in printed.items() if "ADMIN-SURCHARGE" in n}
    assert {f.source for f in report.failed} == expected
    for failure in report.failed:
        assert failure.stage == "load"
        assert {p.source for p in failure.problems} == {path}  # not a scratch copy
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["impact", str(cases)])
    assert result.exit_code == 1
    assert result.stderr.count("cannot fill the placeholders of note ADMIN-SURCHARGE") == 1
    assert f"error: {len(expected)} documents cannot be compared" in result.stderr
    assert f"0 of {len(printed)} document(s) change, {len(expected)} cannot be" in result.stdout


def test_a_new_note_version_reaches_the_documents_dated_from_its_effective_date(repo, restore):
    """Policy staff add version 2 of a note restated on every document: the documents that print
    it (those dated from the new version's date that do not carry version 1 already) show
    "version 1 -> 2"; documents dated before it are untouched."""
    from loagen.document import load_document

    project, cases, printed = repo
    path = note_file(project.note_library, "ADMIN-SURCHARGE")
    text = path.read_text(encoding="utf-8")
    front, body = text.split("\n---\n", 1)
    effective = "2026-01-01"
    front = front.replace(
        "    issued_by: loagen note library (no Appendix 6 page found; text and date not verified)",
        "    issued_by: loagen note library (no Appendix 6 page found; text and date not verified)"
        f'\n  - version: "2"\n    effective: {effective}\n    issued_by: DSCA 26-01 (test)',
    )
    path.write_text(
        f"{front}\n---\n::: version 1\n{body.strip()}\n:::\n\n::: version 2\n"
        f"{body.strip()}\n\nThis sentence is new in version 2.\n:::\n",
        encoding="utf-8",
    )
    report = impact([cases], project=project)
    assert not report.failed
    reached = {str(d.source) for d in report.changed}
    assert reached, "no document prints the new version"
    for doc in report.changed:
        (change,) = [c for c in doc.notes_changed if c.note == "ADMIN-SURCHARGE"]
        assert "version 1 -> 2" in change.reason
        assert str(load_document(Path(doc.source)).note_date) >= effective
    earlier = [
        p for p, notes in printed.items()
        if "ADMIN-SURCHARGE" in notes and str(load_document(p).note_date) < effective
    ]  # fmt: skip
    assert earlier and not reached & {str(p) for p in earlier}


def test_a_note_added_or_deleted_is_listed_on_each_document_it_changes(tmp_path, monkeypatch):
    """A note file added to the library (none of the compared notes existed before), then the
    same note deleted (none exists now): each is compared with no note at all on that side, and
    every document that prints it lists it coming in, then dropping out."""
    root = tmp_path / "project"
    project = make_project(root)
    cases = root / "cases"
    write_chain(cases / "BN-D-QAA", example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1"))
    write_chain(cases / "BN-P-WRS", example("BN-P-WRS/basic"))
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "start")
    write_note(project.note_library, "TEST-ADDED", "Added.", rule="lines_with(sole_source=True)",
               carry_over="every", order="3998")  # fmt: skip
    printing = {
        p
        for p in find_case_files([cases])
        if "TEST-ADDED" in {n.id for n in Builder(project).prepare(p).selection.notes}
    }
    assert printing and printing != set(find_case_files([cases]))

    monkeypatch.setenv("LOAGEN_PROJECT", str(root))
    added = CliRunner().invoke(app, ["impact", str(cases)])
    assert added.exit_code == 0, added.output
    assert "notes added since HEAD: TEST-ADDED" in added.stdout
    assert added.stdout.count("+ TEST-ADDED") == len(printing)
    report = impact([cases], project=project)
    assert {d.source for d in report.changed} == printing

    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "add a note")
    _git(root, "rm", "-q", str(note_file(project.note_library, "TEST-ADDED")))
    deleted = CliRunner().invoke(app, ["impact", str(cases)])
    assert deleted.exit_code == 0, deleted.output
    assert "notes removed since HEAD: TEST-ADDED" in deleted.stdout
    assert deleted.stdout.count("- TEST-ADDED") == len(printing)
    assert "removed from the library" in deleted.stdout
