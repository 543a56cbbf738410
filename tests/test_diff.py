"""`loagen diff`: what changed between two versions, and a redline DOCX with tracked changes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loagen.cli import app
from loagen.ops.batch import run_batch
from loagen.ops.diff import diff_paths
from loagen.pipeline import Pipeline as Builder

from .conftest import CASES
from .projects import copy_cases, make_project

BASIC = CASES / "BN-D-QAA" / "basic.json"
AMENDMENT = CASES / "BN-D-QAA" / "amendment-1.json"


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


@pytest.fixture(scope="module")
def builder(tmp_path_factory) -> Builder:
    return Builder(make_project(tmp_path_factory.mktemp("diff") / "project"))


def test_basic_to_amendment_lists_the_new_line_and_the_increases(builder: Builder):
    result = diff_paths(BASIC, AMENDMENT, builder)
    lines = {ln.number: ln for ln in result.lines}
    assert lines["007"].change == "added"
    assert "2 EA" in lines["007"].details[0] and "$168,200,000.00" in lines["007"].details[0]
    for number in ("002", "003", "006"):
        assert lines[number].change == "increased"
        assert any(d.startswith("value ") for d in lines[number].details)
    assert "months 24-36 -> 24-48" in lines["002"].details
    assert "001" not in lines  # unchanged
    text = result.to_text()
    assert "Line 007 added: C-130J AIRCRAFT" in text
    assert "Line 002 increased: SUPPORT EQUIPMENT" in text
    assert "(13) Total Estimated Cost:" in text
    assert any(f.startswith("kind: Basic -> Amendment") for f in result.fields)


def test_amendment_to_modification_lists_decreases_and_months(builder: Builder):
    result = diff_paths(AMENDMENT, CASES / "BN-D-QAA" / "modification-1.json", builder)
    lines = {ln.number: ln for ln in result.lines}
    assert lines["003"].change == "decreased"
    assert lines["002"].change == "changed"
    assert lines["002"].details == ("months 24-48 -> 30-54",)


def test_built_documents_are_compared_through_their_manifests(tmp_path: Path):
    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    out = tmp_path / "out"
    assert run_batch([cases / "BN-D-QAA"], project=project, output_dir=out, jobs=1).ok
    result = diff_paths(out / "BN-D-QAA-basic.docx", out / "BN-D-QAA-amendment-1.docx")
    assert {ln.number for ln in result.lines} >= {"002", "003", "006", "007"}
    assert result.totals and not result.remarks
    # a case file changed since its build: the lines cannot be compared, the totals still are
    (cases / "BN-D-QAA" / "basic.json").write_text(
        (cases / "BN-D-QAA" / "basic.json").read_text().replace("6200000", "6300000")
    )
    stale = diff_paths(out / "BN-D-QAA-basic.docx", out / "BN-D-QAA-amendment-1.docx")
    assert not stale.lines and stale.totals
    assert "changed since" in stale.remarks[0]


def test_command_prints_the_summary_and_json(tmp_path: Path, monkeypatch):
    project = make_project(tmp_path / "project")
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["diff", str(BASIC), str(AMENDMENT)])
    assert result.exit_code == 0, result.output
    assert "Line 007 added" in result.stdout
    as_json = CliRunner().invoke(app, ["diff", str(BASIC), str(AMENDMENT), "--json"])
    data = json.loads(as_json.stdout)
    assert {"number": "007", "change": "added"}.items() <= data["lines"][-1].items()


def test_docx_without_a_manifest_is_refused(tmp_path: Path):
    lone = tmp_path / "lone.docx"
    lone.write_bytes(b"PK")
    result = CliRunner().invoke(app, ["diff", str(lone), str(lone)])
    assert result.exit_code == 3
    assert "no readable manifest" in result.stderr


@needs_redlines
def test_redline_docx_has_tracked_changes(tmp_path: Path, monkeypatch):
    project = make_project(tmp_path / "project")
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    target = tmp_path / "redline.docx"
    result = CliRunner().invoke(app, ["diff", str(BASIC), str(AMENDMENT), "--output", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as zf:
        body = zf.read("word/document.xml").decode()
    assert "<w:ins " in body and "<w:del " in body


@needs_redlines
def test_batch_redline_is_written_beside_a_rebuilt_document_that_changed(tmp_path: Path):
    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    out = tmp_path / "out"
    run_batch([cases / "BN-P-WRS"], project=project, output_dir=out, jobs=1, redline=True)
    assert not list(out.glob("*.redline.docx"))  # nothing to compare with yet
    basic = cases / "BN-P-WRS" / "basic.json"
    basic.write_text(basic.read_text().replace('"unit_cost": 25000', '"unit_cost": 27500'))
    report = run_batch([cases], project=project, output_dir=out, jobs=1, redline=True)
    assert [r.redline.name for r in report.built if r.redline] == ["BN-P-WRS-basic.redline.docx"]
    with zipfile.ZipFile(out / "BN-P-WRS-basic.redline.docx") as zf:
        assert "<w:ins " in zf.read("word/document.xml").decode()
