"""The pipeline, and acceptance: build every example and read the DOCX as a reader would."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import docx
import pytest

from loagen.document.wording import spell_date
from loagen.errors import CheckError, OutputError, ProjectError
from loagen.manifest import INDEX_FOLDER
from loagen.pipeline import Pipeline as Builder
from loagen.project import Project

from .conftest import CASES, ROOT, example, write_chain
from .projects import documents_passed_to

EXAMPLES = sorted(CASES.glob("*/*.json"))


@pytest.fixture(scope="module")
def builder() -> Builder:
    return Builder(Project.at(ROOT))


def _text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_example_builds(builder: Builder, path: Path, tmp_path: Path) -> None:
    result = builder.build(path, tmp_path)
    assert result.docx_path == tmp_path / f"{path.parent.name}-{path.stem}.docx"
    assert result.manifest_path.name == f"{path.parent.name}-{path.stem}.manifest.json"
    assert not result.draft
    text = _text(result.docx_path)
    assert path.parent.name in text
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["case_id"] == path.parent.name
    assert [i["path"] for i in manifest["dependencies"]["inputs"]][-1] == path.relative_to(
        ROOT
    ).as_posix()  # recorded relative to the project, not as this machine's absolute path
    assert manifest["totals"]["total_estimated_cost"]
    assert all(len(n["sha256"]) == 16 for n in manifest["notes"])
    assert len(result.manifest_path.read_bytes()) <= 5 * 1024  # issue 9


def test_basic_reads_as_a_reviewer_expects(builder: Builder, tmp_path: Path) -> None:
    text = _text(builder.build(CASES / "BN-D-QAA/basic.json", tmp_path).docx_path)
    # references oldest to newest (the file lists them newest first), dates spelled out
    assert (
        "Based on BN/MODAT/2312 dated 14 February 2024 and BN/MODAT/2398 dated 3 May 2024." in text
    )
    assert "This LOA provides for two C-130J aircraft" in text
    assert "This offer expires on 30 June 2025." in text
    assert "Standard Terms and Conditions for Foreign Military Sales" in text
    assert "2025-06-30" not in text


def test_amendment_shows_previous_and_revised(builder: Builder, tmp_path: Path) -> None:
    result = builder.build(CASES / "BN-D-QAA/amendment-1.json", tmp_path)
    text = _text(result.docx_path)
    assert "This Amendment provides for two additional C-130J aircraft" in text
    assert "$14,200,000\nwas $9,800,000\n$14,200,000\nwas $9,800,000" in text
    assert "007\nADDED" in text
    assert result.document.changes.scope_changed is True
    assert set(result.document.changes.touched_numbers) == {"002", "003", "006", "007"}
    manifest = json.loads(result.manifest_path.read_text())
    assert len(manifest["dependencies"]["inputs"]) == 2


def test_modification_is_based_on_usg_review(builder: Builder, tmp_path: Path) -> None:
    text = _text(builder.build(CASES / "BN-D-QAA/modification-1.json", tmp_path).docx_path)
    assert "Based on U.S. Government Review." in text
    assert "(C-130J Aircraft). There is no change in scope to this document." in text


def test_bpc_case(builder: Builder, tmp_path: Path) -> None:
    text = _text(builder.build(CASES / "BN-B-TAB/basic.json", tmp_path).docx_path)
    assert "Benefitting Partner" in text
    assert "Standard Terms and Conditions" not in text
    assert "(10) Administrative Charge\n$0" in text


def test_totals_add_up_in_the_document(builder: Builder, tmp_path: Path) -> None:
    result = builder.build(CASES / "BN-B-ZEA/basic.json", tmp_path)
    d = docx.Document(str(result.docx_path))
    summary = next(t for t in d.tables if t.rows[0].cells[0].text == "Item")
    amounts = [int(r.cells[1].text.strip("$").replace(",", "")) for r in summary.rows[1:]]
    assert sum(amounts[:-1]) == amounts[-1]
    schedule = next(t for t in d.tables if t.rows[0].cells[0].text == "Payment")
    paid = [int(r.cells[2].text.strip("$").replace(",", "")) for r in schedule.rows[1:]]
    assert sum(paid) == amounts[-1]


def test_two_builds_give_identical_bytes(tmp_path: Path) -> None:
    a = Builder(Project.at(ROOT)).build(CASES / "BN-D-QAA/amendment-1.json", tmp_path / "a")
    b = Builder(Project.at(ROOT)).build(CASES / "BN-D-QAA/amendment-1.json", tmp_path / "b")
    assert a.docx_path.read_bytes() == b.docx_path.read_bytes()
    assert a.manifest_path.read_bytes() == b.manifest_path.read_bytes()


def test_check_errors_stop_the_build_and_keep_earlier_output(
    builder: Builder, tmp_path: Path
) -> None:
    good = write_chain(tmp_path / "case", example("BN-B-ZEA/basic"))
    first = builder.build(good, tmp_path / "out")
    before = first.docx_path.read_bytes()
    bad = example("BN-B-ZEA/basic")
    bad["document"]["purpose"] = "provides SECRET radar parts"
    write_chain(tmp_path / "case", bad)
    with pytest.raises(CheckError, match="nothing written"):
        builder.build(good, tmp_path / "out")
    assert first.docx_path.read_bytes() == before
    draft = builder.build(good, tmp_path / "out", allow_errors=True)
    assert draft.draft
    d = docx.Document(str(draft.docx_path))
    assert d.sections[0].header.paragraphs[0].text.startswith("DRAFT")
    manifest = json.loads(draft.manifest_path.read_text())
    assert manifest["draft"] is True and any(f[0] == "error" for f in manifest["findings"])


def test_a_full_disk_says_nothing_was_changed_only_when_nothing_was(
    tmp_path: Path, monkeypatch
) -> None:
    """The note index of the library is written before the DOCX and its manifest: a disk
    that fills up on it leaves the folder as it was, as the message says (it used to be
    written after them, which the message then denied)."""
    import errno

    from loagen.output import files

    real = files._write_temporary

    def full_for_the_index(path: Path, data: bytes) -> str:
        if path.parent.name == INDEX_FOLDER:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(files, "_write_temporary", full_for_the_index)
    case = write_chain(tmp_path / "case", example("BN-B-ZEA/basic"))
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="the disk is full; nothing was changed"):
        Builder(Project.at(ROOT)).build(case, out)
    assert [p.name for p in out.rglob("*") if p.is_file()] == []


def test_strict_stops_on_warnings_too(builder: Builder, tmp_path: Path) -> None:
    data = example("BN-B-ZEA/basic")
    data["document"]["purpose"] += " as agreed with the USG"  # a terminology warning
    data["lines"][1] |= {"severable": True, "performance_period": "12 months"}  # no other
    path = write_chain(tmp_path / "case", data)
    result = builder.build(path, tmp_path / "out")
    assert [f.rule_id for f in result.findings] == ["QC-TERM-USG"]
    assert result.manifest.findings[0].severity == "warning"
    with pytest.raises(CheckError) as info:
        builder.build(path, tmp_path / "strict", strict=True)
    assert info.value.problems[0].location == "document.purpose"
    assert "[QC-TERM-USG]" in info.value.problems[0].message
    assert not (tmp_path / "strict").exists()


def test_the_manifest_says_where_the_page_count_comes_from(builder: Builder, tmp_path: Path):
    """An estimate is recorded as nothing (the manifest is as before page counts were recorded);
    a count of the layout as its number, read back as written; a broken one is refused."""
    import dataclasses
    import hashlib

    from loagen.manifest import Manifest, ManifestInvalid

    result = builder.build(CASES / "BN-P-WRS/basic.json", tmp_path)
    estimated = result.manifest
    assert (estimated.pages_from, estimated.pages) == ("estimate", None)
    assert b"page_count" not in estimated.to_json()
    laid = dataclasses.replace(estimated, pages_from="layout", pages=7)
    data = laid.to_json()
    assert b'"page_count": {"from":"layout","pages":7}' in data
    assert Manifest.from_json(data) == laid
    for bad in (b'{"from":"layout","pages":0}', b'{"from":"guess","pages":3}'):
        forged = data.replace(b'{"from":"layout","pages":7}', bad)
        head, _, _ = forged.decode().rpartition(',\n  "checksum": ')
        checksum = hashlib.sha256(head[2:].encode()).hexdigest()[:32]
        forged = (head + f',\n  "checksum": "{checksum}"\n}}\n').encode()
        with pytest.raises(ManifestInvalid):
            Manifest.from_json(forged)


def test_a_pipeline_keeping_documents_assembles_each_chain_once_and_again_on_a_change(
    tmp_path: Path,
) -> None:
    """The studio's pipeline keeps assembled documents; a changed case file is assembled again."""
    from .projects import make_project

    project = make_project(tmp_path / "project")
    data = example("BN-D-QAA/basic")
    path = write_chain(project.cases / "BN-D-QAA", data)
    keeping = Builder(project, keep_documents=8)
    from loagen.document import assembly

    first = keeping.document(path)
    assembly._ASSEMBLED.clear()  # what the pipeline keeps, not what `assemble` remembers
    assert keeping.document(path) is first
    assert Builder(project).document(path) is not first
    data["nickname"] = "C-130J Aircraft (revised)"
    write_chain(project.cases / "BN-D-QAA", data)
    changed = keeping.document(path)
    assert changed is not first and changed.case.nickname == "C-130J Aircraft (revised)"


def test_each_earlier_document_is_decided_once_for_the_notes_in_force(monkeypatch) -> None:
    """Building a case's documents in order, the notes in force before each come from the state
    after the one before it, worked out once: no earlier document is decided twice (it would
    be decided with its own notes already in force), and the state is the one a fresh pipeline
    works out."""
    import loagen.pipeline

    decided = documents_passed_to(monkeypatch, loagen.pipeline, "decide_notes")
    names = ("basic", "amendment-1", "modification-1", "modification-2")
    chain = [CASES / "BN-D-QAA" / f"{name}.json" for name in names]
    pipeline = Builder(Project.at(ROOT))
    states = [pipeline.notes_before(pipeline.document(path)) for path in chain]
    assert decided == ["BN-D-QAA-basic", "BN-D-QAA-amendment-1", "BN-D-QAA-modification-1"]
    fresh = Builder(Project.at(ROOT))
    assert states[-1] == fresh.notes_before(fresh.document(chain[-1]))


@pytest.mark.parametrize(
    ("root", "path"),
    [
        ("/p/proj", "/p/proj/cases/a.json"),
        ("/p/proj", "/p/proj"),
        ("/p/proj", "/p/project/cases/a.json"),
        ("/p/proj", "/q/cases/a.json"),
        ("/p/proj", "/p/proj/cases/../x/./b.yaml"),
        ("/", "/cases/a.json"),
        ("/", "/"),
        (".", "/p/proj/a.json"),
        ("rel/proj", "rel/proj/a.json"),
        ("/p/proj", "cases/a.json"),
    ],
)
def test_a_path_is_recorded_as_relative_to_does_it(root: str, path: str) -> None:
    """`Project.relative` works on text; it gives what `Path.relative_to` gives."""
    import os

    project = Project(Path(root), Path(root) / "t", Path(root) / "n", Path(root) / "b")
    absolute = Path(os.path.abspath(path))
    try:
        expected = absolute.relative_to(project.root).as_posix()
    except ValueError:
        expected = absolute.as_posix()
    assert project.relative(Path(path)) == expected


def test_the_selection_digest_hashes_each_part_and_a_nul() -> None:
    """`selection_digest` hashes the parts as one text: the digest of each part's UTF-8 bytes
    followed by a NUL, note after note (what manifests already hold)."""
    import hashlib
    from types import SimpleNamespace

    from loagen.pipeline import selection_digest

    notes = [
        SimpleNamespace(id="A-1", version="2", placement="line", lines=("001", "002"),
                        title="Délai", body="Texte\0avec € et NUL"),
        SimpleNamespace(id="B", version="1", placement="case", lines=(), title="", body="x"),
    ]  # fmt: skip
    h = hashlib.sha256()
    for n in notes:
        for part in (n.id, n.version, n.placement, ",".join(n.lines), n.title, n.body):
            h.update(part.encode() + b"\0")
    assert selection_digest(SimpleNamespace(notes=notes)) == h.hexdigest()
    assert selection_digest(SimpleNamespace(notes=[])) == hashlib.sha256().hexdigest()
    assert selection_digest(SimpleNamespace(notes=notes[:1])) != h.hexdigest()


def test_selecting_a_document_keeps_the_notes_in_force_after_it(monkeypatch) -> None:
    """Selecting a case's documents in order, each keeps the state after it: the notes in force
    before the next one are that state, and no earlier document is decided again for them; the
    states are those a fresh pipeline works out."""
    import loagen.pipeline

    decided = documents_passed_to(monkeypatch, loagen.pipeline, "decide_notes")
    names = ("basic", "amendment-1", "modification-1", "modification-2")
    chain = [CASES / "BN-D-QAA" / f"{name}.json" for name in names]
    pipeline = Builder(Project.at(ROOT))
    selections = [pipeline.select(pipeline.document(path)) for path in chain]
    assert decided == []
    for path, selection in zip(chain, selections, strict=True):
        fresh = Builder(Project.at(ROOT))
        assert selection.before == fresh.notes_before(fresh.document(path))
    explained = Builder(Project.at(ROOT))
    explained.select(explained.document(chain[0]), explained=True)
    assert explained._in_force == {}  # only a plain selection of the whole library is kept


# -- an offer expired on the newest document of its case (QC-OED-PASSED) --------------------------


def _passed(builder: Builder, path: Path) -> list[str]:
    """The QC-OED-PASSED messages of the document at `path`."""
    return [f.message for f in builder.prepare(path).findings if f.rule_id == "QC-OED-PASSED"]


def _expired_day(*docs: dict) -> date:
    """A day after the offer expiration date of every document of `docs`."""
    return max(date.fromisoformat(d["document"]["offer_expiration_date"]) for d in docs) + (
        timedelta(days=1)
    )


def test_an_offer_expired_on_the_newest_document_warns(tmp_path: Path) -> None:
    basic = example("BN-B-ZEA/basic")
    oed = date.fromisoformat(basic["document"]["offer_expiration_date"])
    path = write_chain(tmp_path / "alone", basic)
    after = Builder(Project.at(ROOT), today=oed + timedelta(days=1))
    (message,) = _passed(after, path)
    assert f"the offer expired on {spell_date(oed)}" in message
    assert "loagen restate" in message and "document.offer_expiration_date" in message
    # on its expiration date the offer still stands
    assert not _passed(Builder(Project.at(ROOT), today=oed), path)


def test_a_document_another_follows_or_restates_does_not_warn(tmp_path: Path) -> None:
    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    later = Builder(Project.at(ROOT), today=_expired_day(basic, amendment))
    newest = write_chain(tmp_path / "chain", basic, amendment)
    assert not _passed(later, newest.with_name("basic.json"))  # Amendment 1 follows it
    assert _passed(later, newest) and "this Amendment" in _passed(later, newest)[0]
    # its restated version supersedes it (and warns in turn, once expired)
    restated = json.loads(newest.read_text())
    restated["document"]["restated"] = {"previous_offer_date": "2025-08-01"}
    newest.with_name("amendment-1-restated.json").write_text(json.dumps(restated))
    fresh = Builder(Project.at(ROOT), today=later.today)
    assert not _passed(fresh, newest)
    assert _passed(fresh, newest.with_name("amendment-1-restated.json"))


def test_an_answered_document_rebuilt_with_other_bytes_keeps_its_docx_as_built(
    tmp_path: Path,
) -> None:
    """A document a later one follows was offered and answered: a build that replaces its
    DOCX with other bytes first keeps the DOCX as built beside it, named for the day it was
    built; the same bytes, the newest document, a DOCX changed after its build (kept aside)
    keep nothing."""
    import os

    from loagen.output.files import as_built_copies

    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    basic["case_id"] = amendment["case_id"] = "BN-D-ASB"
    newest = write_chain(tmp_path / "cases", basic, amendment)
    first = newest.with_name("basic.json")
    out = tmp_path / "out"
    builder = Builder(Project.at(ROOT))
    signed = builder.build(first, out).docx_path
    builder.build(newest, out)
    before = signed.read_bytes()
    assert builder.build(first, out).as_built is None  # the same bytes: nothing to keep
    # the acceptance recorded: the build record changes, not what the document shows
    basic["document"]["accepted_date"] = basic["document"]["offer_expiration_date"]
    write_chain(tmp_path / "cases", basic, amendment)
    recorded = Builder(Project.at(ROOT)).build(first, out)
    assert recorded.as_built is None and signed.read_bytes() != before
    assert not list(out.glob("*.as-built-*"))
    before = signed.read_bytes()
    os.utime(signed, (0, 86400 * 400 + 43200))  # built on 1971-02-05, at noon
    basic["document"]["purpose"] += " and spares"
    write_chain(tmp_path / "cases", basic, amendment)
    result = Builder(Project.at(ROOT)).build(first, out)
    kept = out / "BN-D-ASB-basic.as-built-1971-02-05.docx"
    assert result.as_built == kept and kept.read_bytes() == before
    assert signed.read_bytes() != before
    assert as_built_copies(signed) == [("as-built-1971-02-05", kept)]
    # the newest document is not answered: rebuilt as always
    amendment["document"]["reason"] = "Adds spares"
    write_chain(tmp_path / "cases", basic, amendment)
    assert Builder(Project.at(ROOT)).build(newest, out).as_built is None
    assert [p.name for p in out.glob("*.as-built-*")] == [kept.name]


def test_the_day_a_document_is_built_does_not_change_its_bytes(tmp_path: Path) -> None:
    """The expired-offer warning depends on the day, not on the case files: it is said, but a
    built document's record leaves it out, so the DOCX and its manifest are the same bytes
    whatever the day of the build."""
    basic = example("BN-B-ZEA/basic")
    path = write_chain(tmp_path / "alone", basic)
    before = Builder(Project.at(ROOT), today=date(2000, 1, 1))
    after = Builder(Project.at(ROOT), today=_expired_day(basic))
    assert _passed(after, path) and not _passed(before, path)
    built = [b.rendered(b.prepare(path)) for b in (before, after)]
    assert built[0][0] == built[1][0]
    assert built[0][1].to_json() == built[1][1].to_json()


def test_an_accepted_basic_does_not_warn(tmp_path: Path) -> None:
    basic = example("BN-B-ZEA/basic")
    basic["document"]["implementation_date"] = basic["document"]["offer_expiration_date"]
    path = write_chain(tmp_path / "accepted", basic)
    assert not _passed(Builder(Project.at(ROOT), today=_expired_day(basic)), path)


def test_the_day_comes_from_loagen_today(monkeypatch, tmp_path: Path) -> None:
    basic = example("BN-B-ZEA/basic")
    path = write_chain(tmp_path / "alone", basic)
    monkeypatch.setenv("LOAGEN_TODAY", _expired_day(basic).isoformat())
    assert Builder(Project.at(ROOT)).today == _expired_day(basic)
    assert _passed(Builder(Project.at(ROOT)), path)
    monkeypatch.setenv("LOAGEN_TODAY", basic["document"]["offer_expiration_date"])
    assert not _passed(Builder(Project.at(ROOT)), path)
    monkeypatch.setenv("LOAGEN_TODAY", "31/03/2026")
    with pytest.raises(ProjectError, match="YYYY-MM-DD"):
        Builder(Project.at(ROOT)).today  # noqa: B018
    monkeypatch.delenv("LOAGEN_TODAY")
    assert Builder(Project.at(ROOT)).today == date.today()
