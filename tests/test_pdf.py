"""PDF through LibreOffice headless (the conversion tests need `soffice`; they are skipped
without it)."""

from __future__ import annotations

import hashlib
import shutil
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loagen.cli import app
from loagen.errors import LoagenError, OutputError, ToolError
from loagen.manifest import read_manifest
from loagen.ops.batch import run_batch
from loagen.output.pdf import convert_to_pdf, find_soffice, pdf_page_count, pdf_up_to_date
from loagen.pipeline import Pipeline
from loagen.project import Project

from .conftest import CASES, ROOT
from .laid_out import stored_counts
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


FAKE_SOFFICE = """#!/bin/sh
# a launcher, as LibreOffice's: its converting program is a child of its own, which goes on
# writing into the output folder until it is killed
out=
for arg in "$@"; do
    case "$prev" in --outdir) out=$arg ;; esac
    case "$arg" in -env:UserInstallation=file://*) echo "${arg#*file://}" > "$RECORD/profile" ;; esac
    prev=$arg
done
(while true; do echo part >> "$out/partial.pdf"; sleep 0.05; done) &
echo $! > "$RECORD/child"
wait
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the processes in /proc")
@pytest.mark.parametrize("stop", ["interrupt", "timeout"])
def test_a_stopped_conversion_ends_the_converter_and_leaves_no_folder(
    tmp_path: Path, monkeypatch, stop: str
):
    import signal
    import urllib.parse

    fake = tmp_path / "soffice"
    fake.write_text(FAKE_SOFFICE)
    fake.chmod(0o755)
    record = tmp_path / "record"
    record.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.docx").write_bytes(b"not read")
    monkeypatch.setenv("LOAGEN_SOFFICE", str(fake))
    monkeypatch.setenv("RECORD", str(record))

    if stop == "interrupt":

        def interrupt(signum, frame):
            raise KeyboardInterrupt

        old = signal.signal(signal.SIGALRM, interrupt)
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        try:
            with pytest.raises(KeyboardInterrupt):
                convert_to_pdf([out / "a.docx"])
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    else:
        with pytest.raises(ToolError, match="did not finish"):
            convert_to_pdf([out / "a.docx"], timeout=0.5)

    child = int((record / "child").read_text())
    assert not _running(child)
    assert [p.name for p in out.iterdir()] == ["a.docx"]  # no .loagen-pdf-* folder
    profile = urllib.parse.unquote((record / "profile").read_text().strip())
    assert not Path(profile).exists()


# -- the number of pages of a PDF, read without a PDF library -----------------------------------------


def _pdf(*objects: bytes, trailer: bytes = b"trailer\n<< /Root 1 0 R >>\n") -> bytes:
    """A PDF of `objects` (numbered from 1), with `trailer` (no cross-reference table: the
    reader does not need one)."""
    body = b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n"
    for number, obj in enumerate(objects, 1):
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    return body + trailer + b"%%EOF\n"


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _count(tmp_path: Path, data: bytes) -> int:
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    return pdf_page_count(path)


def test_page_count_of_a_plain_pdf_ignores_what_its_streams_hold(tmp_path: Path):
    decoy = b"4 0 obj << /Type /Pages /Count 99 >> endobj trailer << /Root 4 0 R >>"
    data = _pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 5 0 R 6 0 R] /Count 3 >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
        _stream(decoy),
        b"<< /Type /Page /Parent 2 0 R >>",
        b"<< /Type /Page /Parent 2 0 R >>",
    )
    assert _count(tmp_path, data) == 3


def test_page_count_of_a_nested_page_tree_is_its_roots(tmp_path: Path):
    data = _pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 12 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [] /Count 5 >>",
    )
    assert _count(tmp_path, data) == 12


def test_page_count_given_as_an_object_of_its_own(tmp_path: Path):
    data = _pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Count 3 0 R >>", b"7")
    assert _count(tmp_path, data) == 7


def test_page_count_after_an_incremental_update_is_the_newest(tmp_path: Path):
    data = _pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Count 3 >>")
    data += b"2 0 obj\n<< /Type /Pages /Count 4 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    assert _count(tmp_path, data) == 4


def test_page_count_of_objects_packed_in_a_compressed_object_stream(tmp_path: Path):
    """PDF 1.5 object streams and a cross-reference stream naming the catalog; an object packed
    in a stream written after a plain definition of it is the newer."""
    catalog, pages = b"<< /Type /Catalog /Pages 4 0 R >>", b"<< /Type /Pages /Count 21 >>"
    header = b"3 0 4 %d " % (len(catalog) + 1)
    packed = zlib.compress(header + catalog + b" " + pages)
    older = b"4 0 obj\n<< /Type /Pages /Count 1 >>\nendobj\n"
    stream = _stream(packed, b"/Type /ObjStm /N 2 /First %d /Filter /FlateDecode " % len(header))
    xref = _stream(b"\0\0\0", b"/Type /XRef /Root 3 0 R /W [1 1 1] ")
    data = (
        b"%PDF-1.6\n" + older + b"1 0 obj\n" + stream + b"\nendobj\n"
        b"2 0 obj\n" + xref + b"\nendobj\nstartxref\n0\n%%EOF\n"
    )
    assert _count(tmp_path, data) == 21


def test_a_file_that_is_not_a_readable_pdf_is_a_tool_error(tmp_path: Path):
    with pytest.raises(ToolError, match="is not a PDF file"):
        _count(tmp_path, b"PK\x03\x04 a docx")
    with pytest.raises(ToolError, match="no document catalog found"):
        _count(tmp_path, _pdf(b"<< /Type /Pages /Count 2 >>"))
    with pytest.raises(ToolError, match="page tree has no /Count"):
        _count(tmp_path, _pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages >>"))
    with pytest.raises(ToolError, match="PDF not found"):
        pdf_page_count(tmp_path / "missing.pdf")


# -- the true page count, from LibreOffice's layout ---------------------------------------------------

AMENDMENT = CASES / "BN-D-QAA" / "amendment-1.json"


def test_a_stored_page_count_is_rendered_and_recorded(tmp_path: Path):
    """Without LibreOffice: `store_pages` renders the DOCX again with the count given, records
    that it comes from the layout, and writes nothing when it is already stored."""
    pipeline = Pipeline(Project.at(ROOT))
    result = pipeline.build(AMENDMENT, tmp_path)
    estimate = stored_counts(result.docx_path)
    assert len(estimate) == 1 and result.manifest.pages_from == "estimate"
    assert '"page_count"' not in result.manifest_path.read_text()  # as before page counts
    laid = next(iter(estimate)) + 3
    assert pipeline.store_pages(AMENDMENT, result.docx_path, laid)
    assert stored_counts(result.docx_path) == {laid}
    manifest = read_manifest(result.manifest_path)
    assert manifest is not None and (manifest.pages_from, manifest.pages) == ("layout", laid)
    assert manifest.docx_sha256 == hashlib.sha256(result.docx_path.read_bytes()).hexdigest()
    # the same inputs and count give the same bytes
    prepared = pipeline.prepare(AMENDMENT)
    assert pipeline.render(prepared, page_count=laid) == result.docx_path.read_bytes()
    written = result.docx_path.stat().st_mtime_ns, result.manifest_path.stat().st_mtime_ns
    assert not pipeline.store_pages(AMENDMENT, result.docx_path, laid)
    assert (result.docx_path.stat().st_mtime_ns, result.manifest_path.stat().st_mtime_ns) == written
    # the same count as the estimate: the DOCX is the same, only the manifest says "layout"
    again = pipeline.build(AMENDMENT, tmp_path / "again")
    assert not pipeline.store_pages(AMENDMENT, again.docx_path, next(iter(estimate)))
    recorded = read_manifest(again.manifest_path)
    assert recorded is not None and recorded.pages == next(iter(estimate))
    assert recorded.docx_sha256 == again.manifest.docx_sha256


def test_a_count_is_not_stored_for_case_files_changed_since_the_build(tmp_path: Path):
    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    pipeline = Pipeline(project)
    source = cases / "BN-P-WRS" / "basic.json"
    result = pipeline.build(source, tmp_path / "out")
    source.write_text(source.read_text().replace('"unit_cost": 25000', '"unit_cost": 27500'))
    before = result.docx_path.read_bytes()
    with pytest.raises(OutputError, match="case files changed since the document was built"):
        Pipeline(project).store_pages(source, result.docx_path, 40)
    assert result.docx_path.read_bytes() == before


@needs_soffice
def test_build_with_pdf_stores_the_laid_out_count(tmp_path: Path, monkeypatch):
    """A DOCX whose stored count is wrong (here made so on purpose) is written again with the
    number of pages of its PDF; the manifest says the count comes from the layout."""
    project = make_project(tmp_path / "project")
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    out = tmp_path / "out"
    pipeline = Pipeline(project)
    built = pipeline.build(AMENDMENT, out)
    pipeline.store_pages(AMENDMENT, built.docx_path, 40)  # a count known to be wrong
    laid = pipeline.lay_out([(AMENDMENT, built.docx_path)])
    assert len(laid) == 1 and laid[0].problem is None and laid[0].converted
    pages = pdf_page_count(built.docx_path.with_suffix(".pdf"))
    assert laid[0].pages == pages and laid[0].rewritten and pages != 40
    assert stored_counts(built.docx_path) == {pages}
    manifest = read_manifest(built.manifest_path)
    assert manifest is not None and (manifest.pages_from, manifest.pages) == ("layout", pages)
    assert pdf_up_to_date(built.docx_path)  # the PDF is still the layout of the DOCX
    # the command: the PDF, its pages, and the same DOCX as the pipeline's
    result = CliRunner().invoke(
        app, ["build", str(AMENDMENT), "-o", str(tmp_path / "cli"), "--pdf"]
    )
    assert result.exit_code == 0, result.output
    assert f"BN-D-QAA-amendment-1.pdf ({pages} pages)" in result.stdout
    cli_docx = tmp_path / "cli" / "BN-D-QAA-amendment-1.docx"
    assert cli_docx.read_bytes() == built.docx_path.read_bytes()
