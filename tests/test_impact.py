"""`loagen impact`: which documents change when the note library or the templates change,
compared with a git revision of a scratch copy of the project."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loagen.cli import app
from loagen.errors import ImpactError
from loagen.ops.impact import impact
from loagen.pipeline import Pipeline as Builder
from loagen.project import find_case_files

from .projects import copy_cases, make_corpus, make_project, note_file


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
        assert [c.reason for c in doc.notes_changed][:1] == ["text"]


def test_a_changed_template_flags_the_documents_rendered_from_it(repo, restore):
    project, cases, printed = repo
    template = project.templates / "modification.docx"
    template.write_bytes(template.read_bytes() + b"\0")
    report = impact([cases], project=project)
    assert report.templates_changed == ["modification.docx"]
    modifications = {d.source for d in report.documents if "modification" in d.document}
    assert modifications and {d.source for d in report.changed} == modifications
    assert all(d.template == "modification.docx" for d in report.changed)


def test_command_prints_json_and_a_bad_revision_is_an_error(repo, restore, monkeypatch):
    project, cases, _ = repo
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["impact", str(cases), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["against"] == "HEAD" and data["documents"] == []
    bad = CliRunner().invoke(app, ["impact", str(cases), "--against", "no-such-rev"])
    assert bad.exit_code == 7 and "no-such-rev" in bad.stderr
    with pytest.raises(ImpactError):
        impact([cases], against="no-such-rev", project=project)
