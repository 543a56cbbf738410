"""`loagen batch`: every document built as a single build would, incremental, failures collected,
interruptions harmless."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loagen.cli import app
from loagen.document import load_document
from loagen.errors import CaseError
from loagen.manifest import INDEX_FOLDER
from loagen.ops.batch import run_batch
from loagen.pipeline import Pipeline as Builder
from loagen.project import documents_under, find_case_files, planned_stem
from loagen.project import template_file_digest as template_digest

from .conftest import CASES, ROOT, example, write_chain
from .projects import (
    add_text,
    copy_cases,
    documents_passed_to,
    make_corpus,
    make_project,
    note_file,
    used_notes,
)
from .test_notes import write_note

CORPUS = 20
DOCUMENTS = len(list(CASES.glob("*/*.json"))) + CORPUS
"""The documents of the `setup` fixture: the project's cases and a generated corpus."""


@pytest.fixture
def setup(tmp_path: Path):
    """A project, the example cases and a 20-document corpus, all in tmp_path."""
    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    make_corpus(cases, CORPUS)
    return project, cases, tmp_path / "out"


def _stems(results) -> set[str]:
    return {r.docx.name.removesuffix(".docx") for r in results}


# -- what a batch relies on -----------------------------------------------------------------------


def test_planned_stem_is_the_documents_output_stem(tmp_path: Path):
    files = sorted(CASES.rglob("*.json"))
    restated = json.loads((CASES / "BN-D-QAA" / "amendment-1.json").read_text())
    restated["document"]["restated"] = {"previous_offer_date": "2026-04-01"}
    shutil.copy(CASES / "BN-D-QAA" / "basic.json", tmp_path / "basic.json")
    (tmp_path / "amendment-1-restated.json").write_text(json.dumps(restated))
    for path in [*files, tmp_path / "amendment-1-restated.json"]:
        stem = planned_stem(json.loads(path.read_text()))
        assert stem == load_document(path).output_stem


def test_template_digest_is_what_the_renderer_records():
    builder = Builder(make_project_once())
    for path in (CASES / "BN-D-QAA").glob("*.json"):
        compiled = builder.renderer.template_for(load_document(path).case)
        assert template_digest(compiled.path) == compiled.sha256


def make_project_once():
    from loagen.project import Project

    return Project.at(ROOT)


def test_finds_case_files_and_leaves_out_the_rest(tmp_path: Path):
    shutil.copy(CASES / "BN-P-WRS" / "basic.json", tmp_path / "basic.json")
    (tmp_path / "broken.json").write_text('{"case_id": ')
    (tmp_path / "package.json").write_text('{"name": "not a case"}')
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "BN-P-WRS-basic.manifest.json").write_text("{}")
    (tmp_path / ".hidden").mkdir()
    shutil.copy(CASES / "BN-P-WRS" / "basic.json", tmp_path / ".hidden" / "basic.json")
    found = find_case_files([tmp_path, tmp_path / "package.json"])
    names = [p.relative_to(tmp_path).as_posix() for p in found]
    assert names == ["basic.json", "broken.json", "package.json"]  # a named file always counts


# -- building -------------------------------------------------------------------------------------


def test_builds_every_document_byte_identical_to_single_builds(setup, tmp_path: Path):
    project, cases, out = setup
    report = run_batch([cases], project=project, output_dir=out, jobs=2)
    files = find_case_files([cases])
    assert report.ok, [str(p) for r in report.failed for p in r.problems]
    assert len(report.built) == len(files) == DOCUMENTS

    single = tmp_path / "single"
    builder = Builder(project)
    for path in files:
        result = builder.build(path, single)
        assert (out / result.docx_path.name).read_bytes() == result.docx_path.read_bytes()
        manifest = result.manifest_path.name
        assert (out / manifest).read_bytes() == (single / manifest).read_bytes()


def test_a_second_run_skips_everything(setup):
    project, cases, out = setup
    first = run_batch([cases], project=project, output_dir=out, jobs=2)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    second = run_batch([cases], project=project, output_dir=out, jobs=2)
    assert len(second.skipped) == len(first.built) and not second.built and not second.refreshed
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_force_rebuilds_everything(setup):
    project, cases, out = setup
    run_batch([cases], project=project, output_dir=out, jobs=1)
    again = run_batch([cases], project=project, output_dir=out, jobs=1, force=True)
    assert len(again.built) == DOCUMENTS and not again.skipped


def test_a_changed_case_file_rebuilds_it_and_the_documents_after_it(setup):
    project, cases, out = setup
    run_batch([cases], project=project, output_dir=out, jobs=2)
    basic = cases / "BN-D-QAA" / "basic.json"
    data = json.loads(basic.read_text())
    data["accessorial"]["transportation"] += 1000
    basic.write_text(json.dumps(data, indent=2))
    report = run_batch([cases], project=project, output_dir=out, jobs=2)
    # every document of the case builds on its Basic
    chain = {f"BN-D-QAA-{p.stem}" for p in (cases / "BN-D-QAA").glob("*.json")}
    assert {"BN-D-QAA-basic", "BN-D-QAA-amendment-1", "BN-D-QAA-modification-1"} <= chain
    assert _stems(report.built) == chain
    assert len(report.skipped) == DOCUMENTS - len(chain)


def test_touching_one_note_rebuilds_exactly_the_documents_that_print_it(setup, tmp_path: Path):
    project, cases, out = setup
    run_batch([cases], project=project, output_dir=out, jobs=2)
    uses = used_notes(out)
    counts: dict[str, int] = {}
    for notes in uses.values():
        for note in notes:
            counts[note] = counts.get(note, 0) + 1
    # a note some documents print and others do not
    note = min((n for n, c in counts.items() if 0 < c < len(uses)), key=lambda n: (counts[n], n))
    path = note_file(project.note_library, note)
    add_text(path)

    report = run_batch([cases], project=project, output_dir=out, jobs=2)
    assert report.ok
    assert _stems(report.built) == {stem for stem, notes in uses.items() if note in notes}
    assert len(report.built) + len(report.refreshed) == len(uses)
    # every output, rebuilt or only re-manifested, is what a single build writes now
    single = tmp_path / "single"
    builder = Builder(project)
    for path in find_case_files([cases]):
        result = builder.build(path, single)
        for written in (result.docx_path, result.manifest_path):
            assert (out / written.name).read_bytes() == written.read_bytes(), written.name
    # the manifests now record the new library, so the next run does nothing
    again = run_batch([cases], project=project, output_dir=out, jobs=2)
    assert len(again.skipped) == len(uses)


def test_after_a_note_edit_only_that_note_is_decided_again(setup, monkeypatch):
    """Documents that did not print the edited note, and do not now, keep their notes: only the
    edited note's rule runs on them (no full selection, no rendering)."""
    project, cases, out = setup
    run_batch([cases], project=project, output_dir=out, jobs=1)
    uses = used_notes(out)
    note = "AMMUNITION-EXPLOSIVES"
    printing = {stem for stem, notes in uses.items() if note in notes}
    path = note_file(project.note_library, note)
    add_text(path)

    import loagen.pipeline

    calls = documents_passed_to(monkeypatch, loagen.pipeline, "select_notes")
    report = run_batch([cases], project=project, output_dir=out, jobs=1)
    assert report.ok
    assert _stems(report.built) == printing
    assert _stems(report.refreshed) == set(uses) - printing
    assert set(calls) == printing  # the others were never selected in full


def test_a_note_that_reads_an_edited_note_is_decided_again(tmp_path: Path):
    """A note whose file is unchanged but whose rule reads an edited note (`in_force`), or reads
    a note that does, is decided again: a document whose notes change is built, not called
    unchanged, and every output is what a build with --force writes."""
    project = make_project(tmp_path / "project")
    library = project.note_library
    write_note(library, "TEST-ANCHOR", "Anchor.", rule="lines_with(sole_source=True)", order="3997")
    write_note(library, "TEST-READER", "Reader.", rule='in_force("TEST-ANCHOR")',
               carry_over="once", order="3998")  # fmt: skip
    write_note(library, "TEST-SECOND", "Second.", rule='in_force("TEST-READER")',
               carry_over="once", order="3999")  # fmt: skip
    cases, out = tmp_path / "cases", tmp_path / "out"
    docs = [example(f"BN-D-QAA/{name}") for name in ("basic", "amendment-1", "modification-1")]
    write_chain(cases / "BN-D-QAA", *docs)
    assert len(run_batch([cases], project=project, output_dir=out, jobs=1).built) == 3
    # each note comes in on the document after the one that brought in the note it reads
    mod = used_notes(out)["BN-D-QAA-modification-1"]
    assert "TEST-SECOND" in mod and not {"TEST-ANCHOR", "TEST-READER"} & mod

    # the anchor no longer applies to this case: neither note that reads it (directly or not)
    # is in force any more, though only the anchor's file changed
    write_note(library, "TEST-ANCHOR", "Anchor.", rule="lines_with(sole_source=True) and is_bpc",
               order="3997")  # fmt: skip
    report = run_batch([cases], project=project, output_dir=out, jobs=1)
    assert report.ok and len(report.built) == 3 and not report.refreshed
    assert not any({"TEST-READER", "TEST-SECOND"} & notes for notes in used_notes(out).values())
    forced = tmp_path / "forced"
    run_batch([cases], project=project, output_dir=forced, jobs=1, force=True)
    for docx in forced.glob("*.docx"):
        assert (out / docx.name).read_bytes() == docx.read_bytes(), docx.name
    assert len(run_batch([cases], project=project, output_dir=out, jobs=1).skipped) == 3


def test_without_the_note_index_a_library_edit_still_rebuilds_only_what_changes(setup):
    """The note index (`manifest.NoteIndex`, kept once in the output folder) lost: every note
    counts as changed, every document is selected in full, and the result is the same."""
    project, cases, out = setup
    run_batch([cases], project=project, output_dir=out, jobs=1)
    uses = used_notes(out)
    note = "AMMUNITION-EXPLOSIVES"
    printing = {stem for stem, notes in uses.items() if note in notes}
    shutil.rmtree(out / INDEX_FOLDER)
    add_text(note_file(project.note_library, note))
    report = run_batch([cases], project=project, output_dir=out, jobs=1)
    assert report.ok
    assert _stems(report.built) == printing
    assert _stems(report.refreshed) == set(uses) - printing
    assert len(list((out / INDEX_FOLDER).glob("notes-*.json"))) == 1  # today's library


def test_workers_are_renewed_after_their_share_of_documents(setup, monkeypatch):
    """A long batch runs in the memory of a short one: a worker that built WORKER_DOCUMENTS is
    replaced by a fresh one, and every document is built once, as by one worker."""
    import loagen.ops.batch as batch

    project, cases, out = setup
    started: list[int] = []
    remote: list[bool] = []
    real = batch._Worker.__init__

    def counted(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        real(self, *args, **kwargs)
        started.append(self.process.pid)
        remote.append(isinstance(self.process, batch._Remote))

    monkeypatch.setattr(batch, "WORKER_DOCUMENTS", 1)
    monkeypatch.setattr(batch._Worker, "__init__", counted)
    report = run_batch([cases], project=project, output_dir=out, jobs=2, force=True)
    assert report.ok and len(report.built) == DOCUMENTS
    assert len(started) > 2 and len(set(started)) == len(started)
    # forked by the zygote, not by the batch (whose memory grows with its length); each says
    # its peak memory and CPU time as it stops
    assert all(remote)
    assert report.worker_peak_rss and report.worker_peak_rss > 10 * 2**20
    assert report.worker_cpu and report.worker_cpu > 0
    single = out.parent / "single"
    run_batch([cases], project=project, output_dir=single, jobs=1, force=True)
    for docx in sorted(single.glob("*.docx")):
        assert (out / docx.name).read_bytes() == docx.read_bytes()


def _record_collector_settings(monkeypatch, folder: Path) -> None:  # noqa: ANN001
    """Every document built writes, in `folder`, the garbage collector's thresholds and
    whether anything is frozen, as the process that builds it has them."""
    import gc

    import loagen.ops.batch as batch

    real = batch.run_task
    folder.mkdir()

    def recording(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen = f"{gc.get_threshold()} {gc.get_freeze_count() > 0}"
        (folder / f"{os.getpid()}-{time.monotonic_ns()}").write_text(seen)
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "run_task", recording)


def test_a_long_batch_builds_with_the_collector_set_for_it_and_undoes_it(setup, monkeypatch):
    """From WARM_FROM documents, the batch builds with what it holds frozen and the collector's
    thresholds raised (`BUILDING_GC_THRESHOLD`), and gives both back when it ends."""
    import gc

    from loagen.ops.batch import BUILDING_GC_THRESHOLD, WARM_FROM

    project, cases, out = setup
    assert DOCUMENTS >= WARM_FROM
    seen = out.parent / "seen"
    _record_collector_settings(monkeypatch, seen)
    before = gc.get_threshold(), gc.get_freeze_count()
    assert before[0] != BUILDING_GC_THRESHOLD
    report = run_batch([cases], project=project, output_dir=out, jobs=1, force=True)
    assert report.ok and len(report.built) == DOCUMENTS
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    said = {path.read_text() for path in seen.iterdir()}
    assert said == {f"{BUILDING_GC_THRESHOLD} True"}


def test_workers_build_with_the_collector_set_for_a_batch(setup, monkeypatch):
    """A worker (forked by the zygote, which has neither) freezes what it starts with and
    raises the collector's thresholds, as the batch does in its own process."""
    from loagen.ops.batch import BUILDING_GC_THRESHOLD

    project, cases, out = setup
    seen = out.parent / "seen"
    _record_collector_settings(monkeypatch, seen)
    report = run_batch([cases], project=project, output_dir=out, jobs=2, force=True)
    assert report.ok and len(report.built) == DOCUMENTS
    said = [path.read_text() for path in seen.iterdir()]
    assert len(said) == DOCUMENTS and set(said) == {f"{BUILDING_GC_THRESHOLD} True"}
    assert len({path.name.split("-")[0] for path in seen.iterdir()}) >= 2  # in the workers


def test_a_broken_case_is_reported_and_every_other_document_builds(setup):
    project, cases, out = setup
    folder = cases / "BN-D-QAA"
    (folder / "amendment-2.json").write_text('{"case_id": "BN-D-QAA", ')  # not JSON
    bad = json.loads((folder / "basic.json").read_text())
    bad["lines"][1]["unit_of_issue"] = "XX"
    (cases / "BN-B-ZEB").mkdir()
    (cases / "BN-B-ZEB" / "basic.json").write_text(json.dumps({**bad, "case_id": "BN-B-ZEB"}))
    checked = json.loads((folder / "basic.json").read_text())
    checked["case_id"] = "BN-D-QAB"
    checked["document"]["purpose"] = "provides the customer with two C-130J aircraft"
    (cases / "BN-D-QAB").mkdir()
    (cases / "BN-D-QAB" / "basic.json").write_text(json.dumps(checked))

    report = run_batch([cases], project=project, output_dir=out, jobs=2)
    assert len(report.built) == DOCUMENTS
    failed = {r.source.relative_to(cases).as_posix(): r.problems for r in report.failed}
    assert set(failed) == {
        "BN-D-QAA/amendment-2.json",
        "BN-B-ZEB/basic.json",
        "BN-D-QAB/basic.json",
    }
    assert "not valid JSON" in failed["BN-D-QAA/amendment-2.json"][0].message
    schema = failed["BN-B-ZEB/basic.json"]
    assert any(p.location == "lines[1].unit_of_issue" for p in schema)
    check = failed["BN-D-QAB/basic.json"]
    assert any(p.location == "document.purpose" and "customer" in p.message for p in check)
    assert not (out / "BN-D-QAB-basic.docx").exists()


def test_a_yaml_file_with_a_list_as_a_key_fails_alone(tmp_path: Path):
    """A key YAML reads as a list (`? [a, b]`) cannot be held by Python's dictionaries: it
    used to stop the whole batch with a traceback before any document was built."""
    import yaml

    project = make_project(tmp_path / "project")
    cases = tmp_path / "cases"
    write_chain(cases / "BN-D-QAA", example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1"))
    text = yaml.safe_dump({**example("BN-B-TAB/basic"), "case_id": "BN-B-TAC"}, sort_keys=False)
    (cases / "BN-B-TAC").mkdir()
    (cases / "BN-B-TAC" / "basic.yaml").write_text(text.replace("lines:", "? [a]\n: b\nlines:"))

    report = run_batch([cases], project=project, output_dir=tmp_path / "out", jobs=1)
    assert len(report.built) == 2
    [failed] = report.failed
    assert failed.source.name == "basic.yaml"
    assert "the key is a list" in failed.problems[0].message
    assert failed.problems[0].location.startswith("line ")


def _saved_again(docx: Path) -> None:
    """`docx` saved by another program: the same parts, zipped anew (other bytes)."""
    with zipfile.ZipFile(docx) as zf:
        parts = [(i.filename, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_STORED) as zf:
        for name, data in parts:
            zf.writestr(name, data.replace(b"$", b"USD ") if name == "word/document.xml" else data)


def test_a_docx_changed_since_it_was_built_is_built_again_and_said(tmp_path: Path, monkeypatch):
    """One DOCX replaced by another file, one edited and saved: neither is 'up to date'. Both
    are built again, the summary and each document's line say why, then they are up to date."""
    project = make_project(tmp_path / "project")
    cases, out = tmp_path / "cases", tmp_path / "out"
    write_chain(cases / "BN-P-WRS", example("BN-P-WRS/basic"))
    write_chain(cases / "BN-B-ZEA", example("BN-B-ZEA/basic"))
    write_chain(cases / "BN-D-QAA", example("BN-D-QAA/basic"))
    assert len(run_batch([cases], project=project, output_dir=out, jobs=1).built) == 3
    replaced, edited = out / "BN-P-WRS-basic.docx", out / "BN-B-ZEA-basic.docx"
    replaced.write_bytes((out / "BN-D-QAA-basic.docx").read_bytes())
    _saved_again(edited)
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith(
        "3 documents: 2 built (2 rebuilt: their DOCX were changed since they were built; the 2 "
        "changed copies kept beside them, named <document>.changed-after-build.docx), "
        "0 refreshed, 1 skipped (up to date), 0 failed; elapsed "
    )
    for docx in (replaced, edited):
        kept = docx.with_name(docx.stem + ".changed-after-build.docx")
        assert (
            f"-> {docx} (its DOCX was changed since it was built: kept as {kept})" in result.stderr
        )
        assert kept.is_file()
    assert replaced.read_bytes() != (out / "BN-D-QAA-basic.docx").read_bytes()
    again = run_batch([cases], project=project, output_dir=out, jobs=1)
    assert len(again.skipped) == 3 and "rebuilt" not in again.summary
    _saved_again(edited)
    report = run_batch([cases], project=project, output_dir=out, jobs=1)
    second = out / "BN-B-ZEA-basic.changed-after-build-2.docx"  # the first copy stays
    assert (
        f"(1 rebuilt: its DOCX was changed since it was built; the changed copy kept as {second})"
    ) in report.summary
    assert report.to_json()["built"] == [
        {"source": str(cases / "BN-B-ZEA" / "basic.json"), "output": str(edited),
         "docx_changed": True, "kept": str(second)}
    ]  # fmt: skip


def test_a_docx_edited_by_hand_is_kept_aside_before_it_is_written_over(tmp_path: Path):
    """A DOCX saved in Word since it was built is moved aside, not lost, whatever else makes
    the batch build it again (here its case file changed too); one built as recorded is not."""
    project = make_project(tmp_path / "project")
    cases, out = tmp_path / "cases", tmp_path / "out"
    basic = example("BN-B-ZEA/basic")
    write_chain(cases / "BN-B-ZEA", basic)
    write_chain(cases / "BN-D-QAA", example("BN-D-QAA/basic"))
    run_batch([cases], project=project, output_dir=out, jobs=1)
    edited = out / "BN-B-ZEA-basic.docx"
    _saved_again(edited)
    by_hand = edited.read_bytes()
    basic["document"]["purpose"] = basic["document"].get("purpose", "") + " Changed."
    write_chain(cases / "BN-B-ZEA", basic)
    (cases / "BN-D-QAA" / "basic.json").write_text(
        (cases / "BN-D-QAA" / "basic.json").read_text() + "\n"
    )
    report = run_batch([cases], project=project, output_dir=out, jobs=1)
    assert report.ok and len(report.built) == 2
    kept = out / "BN-B-ZEA-basic.changed-after-build.docx"
    assert report.kept == [kept] and kept.read_bytes() == by_hand
    assert edited.read_bytes() != by_hand
    assert f"the changed copy kept as {kept}" in report.summary
    assert sorted(p.name for p in out.glob("*.docx")) == [
        "BN-B-ZEA-basic.changed-after-build.docx", "BN-B-ZEA-basic.docx", "BN-D-QAA-basic.docx"
    ]  # fmt: skip


def _basic_and_amendment(tmp_path: Path):
    """A project and one case of two documents (a Basic, and an Amendment that follows it),
    built: (project, cases, out, the Basic's DOCX, the Amendment's DOCX)."""
    project = make_project(tmp_path / "project")
    cases, out = tmp_path / "cases", tmp_path / "out"
    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    basic["case_id"] = amendment["case_id"] = "BN-D-ANS"
    write_chain(cases / "BN-D-ANS", basic, amendment)
    report = run_batch([cases], project=project, output_dir=out, jobs=1)
    assert report.ok and len(report.built) == 2
    return project, cases, out, out / "BN-D-ANS-basic.docx", out / "BN-D-ANS-amendment-1.docx"


def _a_note_printed_on_both(out: Path) -> str:
    stems = used_notes(out)
    return sorted(stems["BN-D-ANS-basic"] & stems["BN-D-ANS-amendment-1"])[0]


def test_an_answered_document_rebuilt_after_a_note_edit_keeps_its_docx_as_built(
    tmp_path: Path, monkeypatch
):
    """A document a later one follows was signed: a library edit that changes its text
    rebuilds it, and the DOCX it replaces is kept beside it, named for the day it was built,
    and said; the last document of the case, not answered, is rebuilt as always."""
    project, cases, out, basic, amendment = _basic_and_amendment(tmp_path)
    signed = basic.read_bytes()
    day = time.strftime("%Y-%m-%d", time.localtime(basic.stat().st_mtime))
    add_text(note_file(project.note_library, _a_note_printed_on_both(out)))
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "-j", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    kept = out / f"BN-D-ANS-basic.as-built-{day}.docx"
    assert kept.read_bytes() == signed and basic.read_bytes() != signed
    assert sorted(p.name for p in out.glob("*.as-built-*")) == [kept.name]
    built = {Path(d["source"]).name: d for d in data["built"]}
    assert built["basic.json"] == {
        "source": str(cases / "BN-D-ANS" / "basic.json"), "output": str(basic),
        "answered": True, "as_built": str(kept),
    }  # fmt: skip
    assert "answered" not in built["amendment-1.json"]
    assert data["summary"].startswith(
        "2 documents: 2 built (1 already answered: a later document of its case follows it; "
        f"the file it replaced kept as {kept}), 0 refreshed"
    )
    text = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "-j", "1", "--force"])
    assert text.exit_code == 0, text.output
    assert "already answered" not in text.output  # rebuilt the same: nothing to keep
    assert len(list(out.glob("*.as-built-*"))) == 1


def test_the_warning_on_answered_documents_says_what_to_do(tmp_path: Path, monkeypatch):
    project, cases, out, basic, _ = _basic_and_amendment(tmp_path)
    add_text(note_file(project.note_library, _a_note_printed_on_both(out)))
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "1 rebuilt document was already answered" in result.stderr
    assert "add a new version of the note with the date it takes effect" in result.stderr
    assert f"the file it replaced kept as {out}" in result.stderr


def test_a_rebuild_removes_the_pdf_and_redline_it_makes_out_of_date(tmp_path: Path, monkeypatch):
    """A PDF and a redline beside a DOCX rebuilt with other text no longer show it: removed,
    and said; a rebuild that writes the same DOCX leaves them, as they still are its own."""
    project, cases, out, basic, amendment = _basic_and_amendment(tmp_path)
    pdf, redline = amendment.with_suffix(".pdf"), out / "BN-D-ANS-amendment-1.redline.docx"
    basic_pdf = basic.with_suffix(".pdf")
    for path in (pdf, redline, basic_pdf):
        path.write_bytes(b"made from the DOCX as it was")
    time.sleep(0.01)
    report = run_batch([cases], project=project, output_dir=out, jobs=1, force=True)
    assert report.removed == [] and pdf.exists() and redline.exists()
    from loagen.output.pdf import pdf_up_to_date

    assert pdf_up_to_date(amendment)  # the same DOCX: its PDF is still its layout
    path = cases / "BN-D-ANS" / "amendment-1.json"
    data = json.loads(path.read_text())
    data["document"]["purpose"] = data["document"].get("purpose", "") + " Changed."
    path.write_text(json.dumps(data))
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert not pdf.exists() and not redline.exists() and basic_pdf.exists()
    assert f"removed {pdf} (out of date: {amendment} was rebuilt; the batch with --pdf" in (
        result.stdout
    )
    assert f"removed {redline} (out of date" in result.stdout
    assert (
        "2 out-of-date PDF or redline files removed (their DOCX were rebuilt)"
        in (result.stdout.strip().splitlines()[-1])
    )


def _stopped_during_the_layout(monkeypatch) -> None:  # noqa: ANN001
    """A batch with --pdf --redline is stopped (Ctrl-C) while LibreOffice lays the documents
    out: after they were written, before their redlines (made after the layout) were."""
    import loagen.ops.batch as batch

    def stop(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "find_soffice", lambda: "soffice")
    monkeypatch.setattr(batch.Pipeline, "lay_out", stop)


@pytest.mark.parametrize("again", ["--redline", "without --redline", "rebuilt again"])
def test_a_redline_owed_by_a_stopped_batch_is_made_by_the_next(tmp_path: Path, monkeypatch, again):
    """Stopped between writing a DOCX and its redline, a batch owes the redline: the next batch
    makes it, against the DOCX the stopped one replaced, whether the document is up to date
    by then, the batch asks for redlines or not, or the document is rebuilt again."""
    import loagen.ops.batch as batch

    project, cases, out, _, amendment = _basic_and_amendment(tmp_path)
    first = amendment.read_bytes()
    path = cases / "BN-D-ANS" / "amendment-1.json"
    data = json.loads(path.read_text())
    data["document"]["purpose"] = data["document"].get("purpose", "") + " Changed."
    path.write_text(json.dumps(data))
    with monkeypatch.context() as patched:
        _stopped_during_the_layout(patched)
        with pytest.raises(batch.BatchInterrupted) as stopped:
            run_batch([cases], project=project, output_dir=out, jobs=1, redline=True, pdf=True)
    assert stopped.value.report.interrupted
    assert [r.docx for r in stopped.value.report.built] == [amendment]  # written, said
    redline = out / "BN-D-ANS-amendment-1.redline.docx"
    assert not redline.exists() and amendment.read_bytes() != first
    if again == "rebuilt again":
        data["document"]["purpose"] += " Twice."
        path.write_text(json.dumps(data))
    report = run_batch([cases], project=project, output_dir=out, jobs=1,
                       redline=again != "without --redline")  # fmt: skip
    assert report.ok and [r.redline for r in report.results if r.redline] == [redline]
    status = "built" if again == "rebuilt again" else "skipped"
    assert next(r for r in report.results if r.docx == amendment).status == status
    from loagen.rendering.redline import redline_docx

    assert redline.read_bytes() == redline_docx(first, amendment.read_bytes())
    assert not list((out / INDEX_FOLDER / batch.REDLINES_OWED).iterdir())
    third = run_batch([cases], project=project, output_dir=out, jobs=1, redline=True)
    assert [r.redline for r in third.results if r.redline] == []  # owed no more


def test_a_second_batch_on_the_same_folder_says_another_is_writing(tmp_path: Path, monkeypatch):
    """Two batches writing one folder would each take the other's fresh DOCX for files changed
    by hand. The second is refused, saying which process writes there; once the first is done
    (or died), the folder is free."""
    from loagen.output.files import BATCH_LOCK, batch_lock

    project, cases, out, _, _ = _basic_and_amendment(tmp_path)
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    with batch_lock(out):
        result = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "--force"])
        assert result.exit_code != 0
        assert (
            f"{out}: another batch is writing to this folder (process {os.getpid()}); wait for "
            "it to finish or stop it, then run this one again" in " ".join(result.stderr.split())
        )
    assert not (out / BATCH_LOCK).exists()
    (out / BATCH_LOCK).write_text("999999999\n")  # left by a batch that was killed
    report = run_batch([cases], project=project, output_dir=out, jobs=2, force=True)
    assert report.ok and len(report.built) == 2
    assert not list(out.glob("*.changed-after-build*"))


def test_two_files_writing_the_same_output_is_a_failure(tmp_path: Path):
    project = make_project(tmp_path / "project")
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(CASES / "BN-P-WRS" / "basic.json", folder / "basic.json")
    shutil.copy(CASES / "BN-P-WRS" / "basic.json", folder / "copy.json")
    report = run_batch([folder], project=project, output_dir=tmp_path / "out", jobs=1)
    assert len(report.built) == 1
    assert "same output" in report.failed[0].problems[0].message


# -- the command ----------------------------------------------------------------------------------


def test_command_reports_failures_and_exits_1(setup, monkeypatch):
    project, cases, out = setup
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    (cases / "BN-P-WRS" / "amendment-1.json").write_text("{")
    result = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "--json"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert summary["counts"]["built"] == DOCUMENTS and summary["counts"]["failed"] == 1
    problem = summary["failed"][0]["problems"][0]
    assert problem["file"].endswith("amendment-1.json") and "JSON" in problem["message"]

    plain = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "-j", "1"])
    assert plain.exit_code == 1
    assert f"{DOCUMENTS} skipped (up to date), 1 failed" in plain.stdout
    assert "amendment-1.json" in plain.stderr


def _batch_process(project: Path, cases: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "LOAGEN_PROJECT": str(project)}
    return subprocess.Popen(
        [sys.executable, "-m", "loagen", "batch", str(cases), "-o", str(out), "-j", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches the workers too
    )


def _wait_for_outputs(out: Path, process: subprocess.Popen, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if out.is_dir() and len(list(out.glob("*.manifest.json"))) >= count:
            return
        time.sleep(0.01)


def _assert_complete(out: Path) -> None:
    for docx in out.glob("*.docx"):
        with zipfile.ZipFile(docx) as zf:
            assert zf.testzip() is None
    for manifest in out.glob("*.manifest.json"):
        json.loads(manifest.read_text())


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_batch_leaves_complete_files_and_the_next_run_finishes(
    tmp_path: Path, how: signal.Signals
):
    project = make_project(tmp_path / "project")
    cases = tmp_path / "cases"
    files = make_corpus(cases, 120)
    out = tmp_path / "out"
    process = _batch_process(project.root, cases, out)
    _wait_for_outputs(out, process, 5)
    os.killpg(process.pid, how)
    process.communicate(timeout=60)
    if how == signal.SIGINT and process.returncode not in (0, 1):
        assert process.returncode == 130
    _assert_complete(out)

    again = _batch_process(project.root, cases, out)
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr.decode()
    _assert_complete(out)
    assert len(list(out.glob("*.docx"))) == len(files)
    report = run_batch([cases], project=project, output_dir=out, jobs=1)
    assert len(report.skipped) == len(files)


# -- what the batch says as it runs and when it ends -----------------------------------------------

SUMMARY = re.compile(
    r"^(\d+) documents?: (\d+) built, (\d+) refreshed( \([^)]*\))?, (\d+) skipped( \(up to date\))?, "
    r"(\d+) failed; elapsed (\d+\.\d s|\d+:\d\d)$"
)


def test_json_says_what_stopped_a_batch_whose_note_library_does_not_load(tmp_path, monkeypatch):
    """--json prints a JSON object also when nothing can be built: ok false, the problems."""
    project = make_project(tmp_path / "project")
    cases = tmp_path / "cases"
    write_chain(cases / "BN-P-WRS", example("BN-P-WRS/basic"))
    write_note(project.note_library, "TEST-BROKEN", rule='in_force("NO-SUCH-NOTE")')
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["batch", str(cases), "-o", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 4, result.output
    failure = json.loads(result.stdout)
    assert failure["ok"] is False and failure["exit_code"] == 4 and failure["error"]
    assert any(
        p["file"].endswith("TEST-BROKEN.md") and "NO-SUCH-NOTE" in p["message"]
        for p in failure["problems"]
    )
    assert "NO-SUCH-NOTE" in result.stderr  # said as always, too
    built = CliRunner().invoke(app, ["batch", str(cases), "-o", str(tmp_path / "out"), "--json"])
    assert json.loads(built.stdout)["ok"] is False  # (the library is still broken)
    (project.note_library / "TEST-BROKEN.md").unlink()
    built = CliRunner().invoke(app, ["batch", str(cases), "-o", str(tmp_path / "out"), "--json"])
    assert built.exit_code == 0 and json.loads(built.stdout)["ok"] is True


def test_the_summary_is_one_line_in_the_same_words_as_the_json(setup, monkeypatch):
    project, cases, out = setup
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    first = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "-j", "2"])
    assert first.exit_code == 0, first.output
    # the reader sees what happens (standard error) and one summary line (standard output)
    assert first.stderr.startswith(
        "batch: loading (finding the documents and reading their manifests) …\n"
        f"batch: {DOCUMENTS} documents, {DOCUMENTS} to build or check, 0 up to date (skipped)\n"
    )
    assert first.stdout.count("\n") == 1
    line = first.stdout.strip()
    match = SUMMARY.match(line)
    assert match, line
    assert match.group(1) == match.group(2) == str(DOCUMENTS)
    assert match.group(6) is None  # no "(up to date)" after a count of 0

    again = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "--json"])
    assert again.exit_code == 0 and again.stderr == ""  # --json: nothing but the JSON
    data = json.loads(again.stdout)
    counts = data["counts"]
    assert counts == {"documents": DOCUMENTS, "built": 0, "refreshed": 0, "skipped": DOCUMENTS,
                      "failed": 0}  # fmt: skip
    assert isinstance(data["elapsed_seconds"], float) and "seconds" not in data
    assert len(data["skipped"]) == DOCUMENTS and data["built"] == []
    # the summary string is the text line, built from the same counts and words
    match = SUMMARY.match(data["summary"])
    assert match, data["summary"]
    words = {"built": 2, "refreshed": 3, "skipped": 5, "failed": 7}
    assert {k: int(match.group(g)) for k, g in words.items()} == {k: counts[k] for k in words}
    assert match.group(6) == " (up to date)"
    text = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out)])
    elapsed = re.compile(r"elapsed .*$")
    assert elapsed.sub("", text.stdout.strip()) == elapsed.sub("", data["summary"])


def test_the_summary_says_the_pdfs_made_when_every_docx_was_up_to_date():
    from loagen.ops.batch import BatchReport, DocResult

    report = BatchReport(
        results=[DocResult(Path(f"c/{i}.json"), "skipped", docx=Path(f"b/{i}.docx")) for i in "ab"],
        pdfs=[Path("b/a.pdf"), Path("b/b.pdf")],
    )
    assert report.summary == (
        "2 documents: 0 built, 0 refreshed, 2 skipped (up to date), 0 failed; 2 PDFs made; "
        "elapsed 0.0 s"
    )
    assert report.to_json()["pdf"] == ["b/a.pdf", "b/b.pdf"]


def test_the_summary_of_a_stopped_batch_says_so_and_what_was_done():
    from loagen.ops.batch import BatchReport, DocResult

    report = BatchReport(
        results=[DocResult(Path("c/a.json"), "built", docx=Path("b/a.docx"))],
        total=40,
        interrupted=True,
    )
    assert report.summary.startswith("stopped after 1 of 40 documents: 1 built, 0 refreshed")
    data = report.to_json()
    assert data["interrupted"] is True and data["ok"] is False
    assert data["built"] == [{"source": "c/a.json", "output": "b/a.docx"}]


def test_a_library_edit_says_refreshed_and_what_it_means(setup, monkeypatch):
    project, cases, out = setup
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    assert run_batch([cases], project=project, output_dir=out, jobs=1).ok
    stems = used_notes(out)
    note = next(n for n in sorted({n for v in stems.values() for n in v})
                if 0 < sum(n in v for v in stems.values()) < len(stems))  # fmt: skip
    add_text(note_file(project.note_library, note))
    result = CliRunner().invoke(app, ["batch", str(cases), "-o", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    rebuilt = sum(note in v for v in stems.values())
    line = result.stdout.strip()
    # (the rebuilt documents a later document follows keep their DOCX as built: said too)
    assert re.match(
        rf"{DOCUMENTS} documents: {rebuilt} built( \(\d+ already answered: [^)]*\))?, "
        rf"{DOCUMENTS - rebuilt} refreshed \(unchanged after a change to the note library or "
        r"templates, manifest updated\), 0 skipped, 0 failed; elapsed ",
        line,
    ), line
    assert f"refreshed {cases}" in result.stderr  # plain lines name each document


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_time_left_is_estimated_from_the_pace_after_the_first_documents(monkeypatch):
    """Workers send their first documents together after the start-up: an estimate counting
    the start-up would be several times too long; this one is the steady pace."""
    from loagen.cli import many

    clock = _Clock()
    monkeypatch.setattr(many.time, "monotonic", clock)
    pace = many._Pace(1000)
    clock.now += 8.0  # loading and the first chunk of each worker: 8 s
    for done in range(1, 33):  # 32 documents arrive at once
        pace.advance(done)
    assert pace.words() == "elapsed 0:08, estimating the time left …"
    done = 32
    while clock.now < 108.0 + 3.0:  # then one document every 0.1 s
        clock.now += 0.1
        done += 1
        pace.advance(done)
    words = pace.words()
    left = (1000 - done) * 0.1  # the true time left at this pace
    match = re.fullmatch(r"elapsed 0:11, about (\d+):(\d\d) left", words)
    assert match, words
    estimate = int(match.group(1)) * 60 + int(match.group(2))
    assert abs(estimate - left) <= 0.1 * left
    # done: only the elapsed time
    pace.advance(1000)
    assert pace.words() == "elapsed 0:11"


def test_few_documents_or_seconds_are_not_enough_for_an_estimate(monkeypatch):
    from loagen.cli import many

    clock = _Clock()
    monkeypatch.setattr(many.time, "monotonic", clock)
    pace = many._Pace(10)
    clock.now += 0.5
    pace.advance(1)
    clock.now += 5.0
    pace.advance(2)  # one document after the first: too few
    assert pace.words().endswith("estimating the time left …")
    pace.advance(4)
    assert pace.words() == "elapsed 0:06, about 0:10 left"  # 3 in 5 s, 6 left


# -- PDFs and the page count of the layout ---------------------------------------------------------

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) is not installed; the layout of a batch is not tested",
)


def _estimate_says(monkeypatch, pages: int) -> None:
    """Make loagen's estimate of the page count `pages` (in this process: batches of jobs=1)."""
    monkeypatch.setattr("loagen.rendering.templates.estimate_pages", lambda *_: pages)


@needs_soffice
def test_a_batch_with_pdf_stores_the_count_of_the_layout_and_redlines_after_it(
    tmp_path: Path, monkeypatch
):
    from loagen.manifest import read_manifest
    from loagen.output.pdf import pdf_page_count

    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    out = tmp_path / "out"
    folder = [cases / "BN-P-WRS"]
    _estimate_says(monkeypatch, 50)
    first = run_batch(folder, project=project, output_dir=out, jobs=1, pdf=True)
    docx = out / "BN-P-WRS-basic.docx"
    pages = pdf_page_count(docx.with_suffix(".pdf"))
    assert pages != 50 and first.results[0].pages == pages
    assert first.to_json()["built"][0]["pages"] == pages
    manifest = read_manifest(out / "BN-P-WRS-basic.manifest.json")
    assert manifest is not None and (manifest.pages_from, manifest.pages) == ("layout", pages)
    laid_out = docx.read_bytes()
    # rebuilt with the same wrong estimate: the redline compares the documents as written after
    # the layout, which are the same, so there is none (before the layout they differ)
    again = run_batch(folder, project=project, output_dir=out, jobs=1, pdf=True, redline=True,
                      force=True)  # fmt: skip
    assert again.ok and again.results[0].pages == pages
    assert again.results[0].redline is None and not list(out.glob("*.redline.docx"))
    assert docx.read_bytes() == laid_out
    # nothing changed: nothing converted, nothing written
    stamp = docx.stat().st_mtime_ns
    third = run_batch(folder, project=project, output_dir=out, jobs=1, pdf=True, redline=True)
    assert third.pdfs == [] and third.results[0].status == "skipped"
    assert docx.stat().st_mtime_ns == stamp


@needs_soffice
def test_an_up_to_date_pdf_gives_its_count_without_converting_again(tmp_path: Path, monkeypatch):
    from loagen.manifest import read_manifest
    from loagen.output.pdf import convert_to_pdf, pdf_page_count, pdf_up_to_date

    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    out = tmp_path / "out"
    folder = [cases / "BN-P-WRS"]
    _estimate_says(monkeypatch, 50)
    run_batch(folder, project=project, output_dir=out, jobs=1)  # no PDF: the estimate
    docx = out / "BN-P-WRS-basic.docx"
    manifest = read_manifest(out / "BN-P-WRS-basic.manifest.json")
    assert manifest is not None and manifest.pages_from == "estimate" and manifest.pages is None
    (pdf,) = convert_to_pdf([docx])  # a PDF made by hand, up to date
    report = run_batch(folder, project=project, output_dir=out, jobs=1, pdf=True)
    assert report.results[0].status == "skipped" and report.pdfs == []
    pages = pdf_page_count(pdf)
    assert report.results[0].pages == pages != 50
    manifest = read_manifest(out / "BN-P-WRS-basic.manifest.json")
    assert manifest is not None and (manifest.pages_from, manifest.pages) == ("layout", pages)
    assert pdf_up_to_date(docx)
    with zipfile.ZipFile(docx) as zf:
        assert f"through page {pages}" in re.sub(
            r"<[^>]+>", "", zf.read("word/document.xml").decode()
        )


def test_a_long_batch_has_its_workers_forked_by_the_zygote_and_a_short_one_forks_them(setup):
    import loagen.ops.batch as batch

    project, cases, out = setup
    pipeline = Builder(project)
    short = batch._Pool(pipeline, out, False, 2, later=False)
    assert short.fresh is None and short.zygote is None
    assert batch.Zygote.for_batch(1) is None  # one worker: the batch builds by itself
    zygote = batch.Zygote.for_batch(2)
    assert zygote is not None
    try:
        long = batch._Pool(pipeline, out, False, 2, later=False, zygote=zygote)
        assert isinstance(long.fresh, batch._Fresh) and long.zygote is zygote
        worker = long._start()
        assert isinstance(worker.process, batch._Remote) and worker.process.is_alive()
        zygote.kill()  # the zygote gone: the next worker is forked by the batch
        os.waitpid(zygote.pid, 0)
        zygote.ended = True
        other = long._start()
        assert not isinstance(other.process, batch._Remote) and long.zygote is None
        long._stop()
        assert not worker.process.is_alive() and not other.process.is_alive()
        assert long.peak_rss and long.cpu is not None
    finally:
        zygote.close()


def test_a_batch_for_a_threaded_caller_starts_its_workers_afresh(setup, tmp_path, monkeypatch):
    """The studio runs batches beside its server's threads: its workers are spawned, never
    forked from it (a fork while another thread holds a lock can hang), and build the same
    bytes."""
    import loagen.ops.batch as batch

    project, cases, out = setup
    methods = []
    real_pool = batch._Pool

    def pool(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        made = real_pool(*args, **kwargs)
        methods.append(made.context.get_start_method())
        return made

    monkeypatch.setattr(batch, "_Pool", pool)
    monkeypatch.setattr(batch.Zygote, "for_batch", lambda jobs: pytest.fail("no zygote fork"))
    spawned = run_batch([cases], project=project, output_dir=out, jobs=2, fork_workers=False)
    assert spawned.ok and len(spawned.built) == DOCUMENTS
    assert methods == ["spawn"]
    monkeypatch.undo()
    forked = run_batch([cases], project=project, output_dir=tmp_path / "forked", jobs=2)
    assert forked.ok
    for docx in out.glob("*.docx"):
        assert docx.read_bytes() == (tmp_path / "forked" / docx.name).read_bytes()


def test_a_worker_started_afresh_decides_with_the_library_the_batch_loaded(setup):
    """A note edited while the batch runs does not reach its later workers: one library
    decides every document of a batch (the manifests say which)."""
    import loagen.ops.batch as batch

    project, cases, out = setup
    pipeline = Builder(project)
    fresh = batch._Fresh.of(pipeline)
    assert fresh is not None
    edited = next(project.note_library.rglob("*.md"))
    add_text(edited, " Edited while the batch runs.")
    assert Builder(project).library.digest != pipeline.library.digest
    made = fresh.pipeline()
    assert made.library.digest == pipeline.library.digest
    path = next(cases.glob("*/basic.json"))
    assert made.build(path, out / "fresh").docx_path.read_bytes() == (
        pipeline.build(path, out / "forked").docx_path.read_bytes()
    )


def test_documents_under(tmp_path: Path) -> None:
    write_chain(tmp_path / "a", example("BN-B-ZEA/basic"))
    (tmp_path / "a" / "notes.txt").write_text("not a case")
    given = tmp_path / "x.docx"
    assert documents_under([tmp_path / "a", given]) == [tmp_path / "a" / "basic.json", given]
    (tmp_path / "none").mkdir()
    with pytest.raises(CaseError, match="no case files in this folder"):
        documents_under([tmp_path / "none"])


def test_a_template_error_that_stops_many_documents_is_said_once(tmp_path: Path, monkeypatch):
    import zipfile

    project = make_project(tmp_path / "project")
    template = project.templates / "basic.docx"
    with zipfile.ZipFile(template) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts["word/document.xml"] = parts["word/document.xml"].replace(
        b"offer_expiration_date", b"offer_expiraton_date", 1
    )
    with zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    cases = tmp_path / "cases"
    for name in ("BN-P-WRS", "BN-B-ZEA", "BN-D-QAA"):
        write_chain(cases / name, example(f"{name}/basic"))
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["batch", str(cases), "-o", str(tmp_path / "out")])
    assert result.exit_code != 0
    said = result.stderr
    assert "3 document(s) failed:" in said and "  3 documents (" in said
    assert said.count("offer_expiraton_date") == 1, said
    assert "loagen templates --check" in said
