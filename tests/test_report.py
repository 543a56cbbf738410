"""`loagen report`: one self-contained HTML page per document, for a reviewer, read as one.

The page of a DOCX equals, byte for byte, the page of its case file; it names each printed note
as the DOCX numbers it; case text is escaped; it needs nothing from the network.
"""

from __future__ import annotations

import html
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from loagen.case.embedded import NAMESPACE
from loagen.cli import app
from loagen.errors import CaseError
from loagen.ops.report import (
    make_report,
    notable,
    printed_places,
    render_html,
    write_report,
)
from loagen.pipeline import Pipeline
from loagen.policy.rules import Term
from loagen.policy.selection import Decision, SelectedNote, Selection
from loagen.studio.preview import document_text

from .conftest import AMENDMENT, CASES, ROOT, example, write_chain
from .projects import add_text, make_project, note_file


def _text(page: str) -> str:
    """The page as a reader sees it: tags out, entities read, spaces collapsed."""
    text = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


# -- the same page from the DOCX and from the case file ---------------------------------------------


def test_the_report_of_a_docx_is_the_report_of_its_case_file(
    pipeline: Pipeline, built: Path, tmp_path: Path, monkeypatch
) -> None:
    from_case = render_html(make_report(AMENDMENT, pipeline))
    from_docx = render_html(make_report(built, pipeline))
    assert from_docx == from_case
    monkeypatch.setenv("LOAGEN_PROJECT", str(ROOT))
    runner = CliRunner()
    one = runner.invoke(app, ["report", str(AMENDMENT), "-o", str(tmp_path / "a")])
    two = runner.invoke(app, ["report", str(built), "-o", str(tmp_path / "b")])
    assert one.exit_code == two.exit_code == 0, two.output
    name = "BN-D-QAA-amendment-1.report.html"
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert f"wrote {tmp_path / 'b' / name}" in two.output


def test_a_report_from_a_docx_built_with_another_library_says_so(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    pipeline = Pipeline(project)
    docx_path = pipeline.build(AMENDMENT, tmp_path / "out").docx_path
    assert render_html(make_report(docx_path, pipeline)) == render_html(
        make_report(AMENDMENT, pipeline)
    )
    add_text(note_file(project.note_library, "SOLE-SOURCE-FMS"), " A policy edit.")
    edited = Pipeline(project)
    page = _text(render_html(make_report(docx_path, edited)))
    assert "The note library changed since this document was built" in page
    # the wording of a note changed: the same notes, versions and lines, not a list of them all
    assert "The same notes are printed, in the same versions and for the same lines" in page
    assert "(version 1)" not in page.split("Build the document again")[0]
    assert "note library changed" not in _text(render_html(make_report(AMENDMENT, edited)))


def test_a_docx_whose_recorded_manifest_was_edited_is_refused(
    pipeline: Pipeline, built: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(built) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    name = next(n for n, d in parts.items() if NAMESPACE.encode() in d[:1000])
    parts[name] = parts[name].replace(b'"draft": false', b'"draft": true', 1)
    edited = tmp_path / "edited.docx"
    with zipfile.ZipFile(edited, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    with pytest.raises(CaseError, match="damaged or was edited .*its manifest"):
        make_report(edited, pipeline)


# -- what the page says -------------------------------------------------------------------------


def test_the_page_reads_as_a_review_of_the_document(pipeline: Pipeline, built: Path) -> None:
    report = make_report(AMENDMENT, pipeline)
    page = _text(render_html(report))
    assert "BN-D-QAA Amendment 1" in page
    for fact in ("Case BN-D-QAA (C-130J Aircraft)", "Program Foreign Military Sales (FMS)",
                 "Purchaser Ministry of Defence", "Offer expiration date 15 September 2026",
                 "Case implementation date 21 July 2025", "Template amendment.docx",
                 "Note library 50 notes, digest"):  # fmt: skip
        assert fact in page
    assert "Built from basic.json" in page and "amendment-1.json" in page
    # findings with their SAMM reference, and the field said as a reviewer finds it
    assert "Warning QC-SERVICE-SEVERABLE Line 006: severable" in page
    assert "Appendix 6, Line Item Description" in page
    # the numbers printed in the DOCX
    # (numbered by Word: the number shown before the heading, worked out as Word does)
    headings = document_text(built.read_bytes())
    assert "8. Procurement Using Other Than Full and Open Competition" in headings
    sole = next(n for n in report.printed if n.id == "SOLE-SOURCE-FMS")
    assert (sole.place, sole.version, sole.lines, sole.tag) == (
        "Note 8",
        "1",
        "Line 007",
        "restated",
    )
    assert "samm.dsca.mil/loanote/procurement-using-other-than-full-and-open-competition" in (
        " ".join(sole.references)
    )
    assert "Line 007 is added, or changed in sole_source.firm" in page
    assert sole.usage.startswith("FMS documents that add or change a specific source")
    assert f"Used {sole.usage}" in page
    # notes in force, not restated; what changed, with old and new values; money
    assert "In force from earlier documents, not restated (3)" in page
    assert "Travel and Living Allowance" in page and "on the case since the Basic" in page
    assert "This document changes the scope of the case" in page
    assert "002 SUPPORT EQUIPMENT Increased" in page
    assert "value $6,200,000 → $8,900,000 (+$2,700,000)" in page
    assert "007 C-130J AIRCRAFT Added" in page and "2 EA at $84,100,000, $168,200,000" in page
    assert "(13) Total Estimated Cost $195,875,600 $379,252,000 +$183,376,400" in page
    # what the Basic made due before the Amendment's acceptance is not asked again with it
    assert "Amount Due with Acceptance: $4,173,149" in page
    assert "Due under earlier documents Before this Amendment $3,324,434 $3,324,434" in page
    assert "Quarterly Payment 15 December 2026 $602,804" in page


def test_errors_come_first_and_mark_the_document_draft(pipeline: Pipeline, tmp_path: Path):
    data = example("BN-B-ZEA/basic")
    data["document"]["purpose"] = "provides SECRET radar parts"  # a classification error
    data["document"]["purpose"] += " as agreed with the USG"  # and a terminology warning
    report = make_report(write_chain(tmp_path / "c", data), pipeline)
    assert report.errors and report.warnings
    page = render_html(report)
    first_error = page.index(report.errors[0].rule_id)
    assert all(first_error < page.index(w.rule_id) for w in report.warnings)
    assert "builds this document only as a DRAFT" in _text(page)


def test_a_basic_has_no_changes_section(pipeline: Pipeline) -> None:
    page = _text(render_html(make_report(CASES / "BN-D-QAA" / "basic.json", pipeline)))
    assert "What changed" not in page and "In force from earlier documents" not in page
    assert "1. Quality checks" in page and "5. Money" in page
    assert "3. Congressional notification (AECA 36(b))" in page


def test_the_report_says_what_36b_asks(pipeline: Pipeline) -> None:
    report = make_report(CASES / "BN-D-QAA" / "basic.json", pipeline)
    section = report.notification
    assert section.applies and not section.notification
    rows = {
        what: (value, threshold, reached) for what, value, threshold, reached in section.measures
    }
    assert rows["The Major Defense Equipment value"] == ("$165,000,000", "$14,000,000", True)
    assert "record it in document.congressional_notification" in section.advice
    bpc = make_report(CASES / "BN-B-TAB" / "basic.json", pipeline).notification
    assert not bpc.applies and not bpc.measures


def test_the_package_checklist_says_what_is_at_hand(pipeline: Pipeline, tmp_path: Path):
    without = make_report(AMENDMENT, pipeline)
    assert {r.status for r in without.package.required} == {"Not recorded"}
    assert "keeps no package list" in _text(render_html(without))
    amendment = example("BN-D-QAA/amendment-1")
    amendment["package"] = [
        {"kind": "SOLE-SOURCE-REQUEST-LETTER", "reference": "BN/MODAT/2733", "date": "2026-03-09"}
    ]
    path = write_chain(tmp_path / "c", example("BN-D-QAA/basic"), amendment)
    report = make_report(path, pipeline)
    rows = {r.kind: r for r in report.package.required}
    assert rows["SOLE-SOURCE-REQUEST-LETTER"].status == "At hand"
    assert rows["SOLE-SOURCE-REQUEST-LETTER"].at_hand == "BN/MODAT/2733 of 9 March 2026"
    assert rows["MANPOWER-TRAVEL-DATA-SHEET"].status == "Missing"
    assert report.package.missing == len(rows) - 1
    page = _text(render_html(report))
    assert "2. Supporting documents (LOA package)" in page
    assert "Manpower Travel Data Sheet (MTDS)" in page and "Line 006 carries" in page
    assert "Needed with an earlier document, not again with this one" in page


def test_notable_notes_left_out_and_all_of_them_on_request(pipeline: Pipeline) -> None:
    brief = make_report(AMENDMENT, pipeline)
    full = make_report(AMENDMENT, pipeline, all_notes=True)
    assert 0 < len(brief.left_out) < len(full.left_out) == full.left_out_total
    assert {n.id for n in brief.left_out} <= {n.id for n in full.left_out}
    assert {"NC-FMS-CREDIT", "NC-USG-GRANT"} <= {n.id for n in brief.left_out}
    credit = next(n for n in brief.left_out if n.id == "NC-FMS-CREDIT")
    assert [(p.shown, p.state) for p in credit.parts][0] == ("false", "false")
    assert "worth a look (" in _text(render_html(brief))
    assert "Left out (" in _text(render_html(full))


def _term(value, lines=(), names_lines=False):  # noqa: ANN001, ANN202
    return Term("part", value, tuple(lines), True, names_lines)


def test_what_makes_a_note_left_out_notable() -> None:
    out = dict(note_id="X", included=False, status="out")
    rule_false = dict(out, reason="the rule is false: part is false")
    assert not notable(Decision(**out, reason="for BPC cases only; this is a FMS case"), 5)
    assert notable(Decision(**out, reason="printed on the Basic only", terms=(_term(True),)), 5)
    # a part picks out some lines of the document, but not all of them
    some = _term(["001"], ["001"], names_lines=True)
    every = _term(["001", "002"], ["001", "002"], names_lines=True)
    assert notable(Decision(**rule_false, terms=(_term(False), some)), 2)
    assert not notable(Decision(**rule_false, terms=(_term(False), every)), 2)
    # every part but one holds
    assert notable(Decision(**rule_false, terms=(_term(True), _term(False))), 2)
    assert not notable(Decision(**rule_false, terms=(_term(False), _term(False))), 2)
    assert not notable(Decision(**rule_false, terms=(_term(False),)), 2)


def test_printed_places_number_as_the_document_does() -> None:
    def note(i, placement="notes", lines=()):  # noqa: ANN001, ANN202
        return SelectedNote(i, "t", "1", placement, "b", tuple(lines))

    selection = Selection(notes=(
        note("LINE", "line", ["002"]), note("LINE", "line", ["001"]),
        note("RAPS", "payment_schedule"),
        note("DESC", lines=["001"]), note("DESC", lines=["002"]), note("DESC", lines=["003"]),
        note("A"), note("B"),
    ))  # fmt: skip
    assert printed_places(selection) == {
        "LINE": "in the description of Lines 001 and 002",
        "RAPS": "under the payment schedule",
        "DESC": "notes 1-3",
        "A": "note 4",
        "B": "note 5",
    }


# -- safe to open --------------------------------------------------------------------------------


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_case_text_is_escaped(pipeline: Pipeline, tmp_path: Path) -> None:
    data = example("BN-D-QAA/basic")
    data["nickname"] = "Radar " + HOSTILE
    data["purchaser"]["name"] += " " + HOSTILE
    changed = example("BN-D-QAA/amendment-1")
    changed["nickname"] = data["nickname"]
    changed["purchaser"]["name"] = data["purchaser"]["name"]
    changed["lines"][0]["line_note"] = "Spares " + HOSTILE
    changed["lines"][1]["description"] = "SUPPORT " + HOSTILE
    path = write_chain(tmp_path / "c", data, changed)
    page = render_html(make_report(path, pipeline))
    assert "<script" not in page and "<img" not in page and "onerror=alert(1)>" not in page
    assert "&lt;script&gt;" in page
    assert HOSTILE in _text(page)  # shown to the reader as the text it is


def test_the_page_is_self_contained(pipeline: Pipeline) -> None:
    page = render_html(make_report(AMENDMENT, pipeline, all_notes=True))
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""\bsrc\s*=""", page)
    assert "url(" not in page
    assert all(h.startswith(("https://", "http://")) for h in re.findall(r'href="([^"]*)"', page))
    assert "<style>" in page and "@media print" in page


# -- the command ------------------------------------------------------------------------------------


def test_report_writes_a_page_per_document_of_a_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LOAGEN_PROJECT", str(ROOT))
    folder = shutil.copytree(CASES / "BN-D-QAA", tmp_path / "cases" / "BN-D-QAA")
    result = CliRunner().invoke(app, ["report", str(folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "BN-D-QAA-amendment-1.report.html", "BN-D-QAA-basic.report.html",
        "BN-D-QAA-modification-1.report.html", "BN-D-QAA-modification-2.report.html",
        "index.report.html",
    ]  # fmt: skip
    # the index lists them in the order they were written, each linked to its page
    index = (tmp_path / "out" / "index.report.html").read_text()
    listed = re.findall(r'<a href="([^"]+)"><strong>([^<]+)</strong>', index)
    assert listed == [
        ("BN-D-QAA-basic.report.html", "BN-D-QAA Basic"),
        ("BN-D-QAA-amendment-1.report.html", "BN-D-QAA Amendment 1"),
        ("BN-D-QAA-modification-1.report.html", "BN-D-QAA Modification 1"),
        ("BN-D-QAA-modification-2.report.html", "BN-D-QAA Modification 2"),
    ]
    assert "<h1>4 documents</h1>" in index and "0 with errors, " in index
    assert "$379,252,000" in index  # Amendment 1's Total Estimated Cost
    assert "index.report.html: the 4 reports" in " ".join(result.output.split())


def test_report_writes_one_page_for_the_same_document_given_twice(
    built: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("LOAGEN_PROJECT", str(ROOT))
    result = CliRunner().invoke(app, ["report", str(AMENDMENT), str(built), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "the same document as" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["BN-D-QAA-amendment-1.report.html"]


def test_report_of_a_foreign_docx_says_what_to_do(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LOAGEN_PROJECT", str(ROOT))
    plain = tmp_path / "letter.docx"
    docx.Document().save(str(plain))
    result = CliRunner().invoke(app, ["report", str(plain), "-o", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert "carries no loagen build record" in result.output
    assert not (tmp_path / "out").exists()


def test_write_report_names_the_page_after_the_document(pipeline: Pipeline, tmp_path: Path):
    page = write_report(make_report(AMENDMENT, pipeline), tmp_path / "new")
    assert page == tmp_path / "new" / "BN-D-QAA-amendment-1.report.html"
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_notes_listed_in_force_read_well(pipeline: Pipeline, tmp_path: Path) -> None:
    """A document written after earlier ones made without loagen lists the notes in force."""
    amendment = example("BN-D-QAA/amendment-1")
    amendment["document"]["notes_in_force"] = [{"id": "TLA-APPROVAL", "version": "1"}]
    path = write_chain(tmp_path / "c", example("BN-D-QAA/basic"), amendment)
    kept = {n.id: n for n in make_report(path, pipeline).in_force}
    assert kept["TLA-APPROVAL"].tag == "on the case since an earlier document (notes_in_force)"
    assert kept["TLA-APPROVAL"].version == "1"


def test_the_notes_a_docx_prints_otherwise_than_today_are_named() -> None:
    from loagen.manifest import PrintedNote
    from loagen.ops.report import _notes_differing

    def note(i: str, version: str = "1", lines: tuple[str, ...] = ()) -> PrintedNote:
        return PrintedNote(i, version, "notes", lines)

    said = _notes_differing(
        [note("A"), note("B", "1"), note("C", lines=("001",)), note("D")],
        [note("A"), note("B", "2"), note("C", lines=("002",)), note("E")],
    )
    assert said == (
        "What differs from the document: B in version 2 (the document prints 1); C for other "
        "lines; E would be printed (the document does not print it); D would no longer be printed."
    )


def test_the_index_of_a_folder_lists_the_documents_that_got_no_report(
    tmp_path: Path, monkeypatch
) -> None:
    """A folder whose Amendment does not load (nor, then, the Modification after it): the
    index, the folder's sign-off page, is still written and says which documents have no
    report and why; it listed only the Basic, as if the folder held nothing else."""
    monkeypatch.setenv("LOAGEN_PROJECT", str(ROOT))
    amendment = example("BN-D-QAA/amendment-1")
    amendment["lines"][-1]["quantity"] = "two"
    chain = (example("BN-D-QAA/basic"), amendment, example("BN-D-QAA/modification-1"))
    folder = write_chain(tmp_path / "case", *chain).parent
    result = CliRunner().invoke(app, ["report", str(folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert "the 1 report, one line each, and the 2 documents not reported with why" in (
        " ".join(result.output.split())
    )
    index = _text((tmp_path / "out" / "index.report.html").read_text())
    assert "3 documents" in index and "2 not reported" in index
    after = index.split("Not reported (2)")[1]
    assert f"{folder / 'amendment-1.json'}: line " in after
    assert f"{folder / 'modification-1.json'}: not reported: a document before it" in after
    assert "BN-D-QAA Basic" in after  # the Basic's report, listed after them


@pytest.mark.usefixtures("offers_in_the_past")
def test_a_restated_document_is_told_apart_from_the_one_it_restates(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    from datetime import date

    from loagen.ops.report import render_index
    from loagen.ops.restate import restate_file

    folder = tmp_path / "BN-P-WRS"
    shutil.copytree(CASES / "BN-P-WRS", folder)
    restated = restate_file(folder / "basic.json", date(2025, 1, 10))
    original, again = make_report(folder / "basic.json", pipeline), make_report(restated, pipeline)
    assert (original.title, again.title) == ("Basic", "Basic (restated)")
    page = _text(render_html(again))
    assert "Basic (restated): supersedes the version offered on 10 January 2025" in page
    index = _text(render_index([again, original]))
    assert index.index("Basic (restated)") > index.index("Basic")


def test_the_report_counts_notes_added_and_deleted_as_the_diff_lists_them(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    """An Amendment that adds a line and deletes another: the line description of the new line
    is a note added and that of the deleted line a note deleted, as `loagen diff` lists them
    (a note printed once per line counts for each line), although the note itself stays on the
    case; the report says the same numbers, and which lines."""
    from loagen.ops.diff import diff_paths

    basic = example("BN-D-QAA/basic")
    amendment = example("BN-D-QAA/amendment-1")
    numbers = [ln["number"] for ln in amendment["lines"]]
    gone = numbers[len(numbers) // 2]
    new_line = dict(amendment["lines"][-1])
    new_line["number"] = f"{max(int(n) for n in numbers) + 1:03d}"
    amendment["lines"] = [ln for ln in amendment["lines"] if ln["number"] != gone] + [new_line]
    later = write_chain(tmp_path / "case", basic, amendment)

    result = diff_paths(later.parent / "basic.json", later, pipeline)
    added, deleted = result.notes_in("added"), result.notes_in("deleted")
    assert any(new_line["number"] in (n.new.lines if n.new else ()) for n in added)
    assert any(gone in (n.old.lines if n.old else ()) for n in deleted)

    report = make_report(later, pipeline)
    assert (report.notes_added, report.notes_deleted) == (len(added), len(deleted))
    page = _text(render_html(report))
    assert f"{len(added)} added, {len(deleted)} deleted" in page
    (tag,) = [n.tag for n in report.printed if "added for" in n.tag]
    assert new_line["number"] in tag.split("added for")[1] and tag in page, tag
    assert any(f"(Line {gone})" in g for g in report.gone_with_lines), report.gone_with_lines
    assert f"Deleted by this document ({len(deleted)})" in page
