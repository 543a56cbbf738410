"""PDF through LibreOffice headless (the conversion tests need `soffice`; they are skipped
without it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loagen.cli import app
from loagen.errors import LoagenError
from loagen.ops.batch import run_batch
from loagen.output.pdf import convert_to_pdf, find_soffice

from .projects import copy_cases, make_project

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed; PDF conversion not tested"
)


def test_missing_libreoffice_is_a_clear_error(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("LOAGEN_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LoagenError, match="LibreOffice is not installed"):
        find_soffice()
    with pytest.raises(LoagenError, match="LibreOffice is not installed"):
        convert_to_pdf([tmp_path / "a.docx"])
    assert convert_to_pdf([]) == []


def test_batch_with_pdf_and_no_libreoffice_stops_before_building(monkeypatch, tmp_path: Path):
    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    monkeypatch.delenv("LOAGEN_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "--pdf"])
    assert result.exit_code == 7  # a tool loagen runs is missing
    assert "LibreOffice is not installed" in result.stderr
    assert not out.exists()


@needs_soffice
def test_batch_converts_every_built_document_in_one_call(tmp_path: Path):
    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    out = tmp_path / "out"
    report = run_batch([cases / "BN-D-QAA"], project=project, output_dir=out, jobs=1, pdf=True)
    assert report.ok
    expected = sorted(f"BN-D-QAA-{p.stem}.pdf" for p in (cases / "BN-D-QAA").glob("*.json"))
    assert "BN-D-QAA-amendment-1.pdf" in expected
    assert sorted(p.name for p in report.pdfs) == expected
    for pdf in report.pdfs:
        assert pdf.read_bytes().startswith(b"%PDF")
    assert not [p for p in out.iterdir() if p.name.startswith(".loagen-pdf-")]
    # up to date, PDFs present: nothing to convert
    assert run_batch([cases / "BN-D-QAA"], project=project, output_dir=out, pdf=True).pdfs == []
