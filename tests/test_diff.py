"""`loagen diff`: what changed between two versions, and a redline DOCX with tracked changes."""

from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loagen.cli import app
from loagen.ops.batch import run_batch
from loagen.ops.diff import FieldChange, diff_paths
from loagen.pipeline import Pipeline as Builder

from .conftest import CASES, example, write_chain
from .projects import copy_cases, make_corpus, make_project, note_file

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


def test_a_note_deleted_between_two_versions_not_next_to_each_other_is_said_deleted(
    builder: Builder,
):
    # Modification 1 deletes the rate change note Amendment 1 printed; Modification 2 says
    # nothing of it: compared with Amendment 1, it is deleted, not "no longer printed"
    result = diff_paths(AMENDMENT, CASES / "BN-D-QAA" / "modification-2.json", builder)
    (note,) = [n for n in result.notes if n.id == "ADMIN-SURCHARGE-RATE-CHANGE"]
    assert note.change == "deleted"
    assert note.reason == "deleted by a document between the two versions compared"


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
    # the Basic's deposit is not the Amendment's amount due with acceptance: two figures,
    # each named, no change of one worked out
    (due,) = [t for t in result.totals if t.key == "initial_deposit"]
    assert (due.old_label, due.label) == ("Initial Deposit", "Amount Due with Acceptance")
    shown = next(line for line in text.splitlines() if "Amount Due with Acceptance" in line)
    assert shown.startswith("  Initial Deposit (earlier): $") and "->" not in shown, shown
    assert "two different figures" in shown
    assert due.to_json()["difference"] is None
    assert due.to_json()["old_total"] == "Initial Deposit"
    assert FieldChange("kind", "Basic", "Amendment") in result.fields
    assert "  kind: Basic -> Amendment" in text.splitlines()


def test_amendment_to_modification_lists_decreases_and_months(builder: Builder):
    result = diff_paths(AMENDMENT, CASES / "BN-D-QAA" / "modification-1.json", builder)
    lines = {ln.number: ln for ln in result.lines}
    assert lines["003"].change == "decreased"
    assert lines["002"].change == "changed"
    assert lines["002"].details == ("months 24-48 -> 30-54",)
    # Modification 1 cites no reference: the earlier ones are not taken off the case.
    refs = next(f for f in result.case_fields if f.field == "purchaser_references")
    assert refs.to_text().startswith("purchaser_references: removed BN/MODAT/2312")
    assert refs.to_text().endswith(
        "(a Modification cites only the correspondence it answers; the references of the "
        "earlier documents stay on the case)"
    )
    assert refs.to_json()["remark"].startswith("a Modification cites only")


def test_built_documents_are_compared_through_their_manifests(tmp_path: Path):
    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    out = tmp_path / "out"
    assert run_batch([cases / "BN-D-QAA"], project=project, output_dir=out, jobs=1).ok
    result = diff_paths(out / "BN-D-QAA-basic.docx", out / "BN-D-QAA-amendment-1.docx")
    assert {ln.number for ln in result.lines} >= {"002", "003", "006", "007"}
    assert result.totals and not any("changed since" in r for r in result.remarks)
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


def test_documents_given_in_the_wrong_order_or_of_two_cases_are_said_so_first(
    builder: Builder,
):
    """A reviewer who gives the Basic after Modification 1 reads every change backwards (Line
    007 'deleted'); two cases' documents differ in everything, which no document changed: the
    summary says so before the changes, and --json gives it as `warnings`."""
    backwards = diff_paths(CASES / "BN-D-QAA" / "modification-1.json", BASIC, builder)
    assert backwards.warnings == [
        "NEW (Basic) comes before OLD (Modification 1) in the case: every change below reads "
        "backwards; give the earlier document first"
    ]
    assert backwards.to_text().splitlines()[1] == f"Warning: {backwards.warnings[0]}"
    assert backwards.to_json()["warnings"] == backwards.warnings
    two = diff_paths(BASIC, CASES / "BN-P-KAA" / "basic.json", builder)
    assert (
        two.warnings
        and "documents of two cases (BN-D-QAA Basic, BN-P-KAA Basic)" in (two.warnings[0])
    )
    # in the order written, and the same document twice: nothing to warn of
    assert diff_paths(BASIC, AMENDMENT, builder).warnings == []
    assert diff_paths(AMENDMENT, AMENDMENT, builder).warnings == []


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


def test_a_redline_named_other_than_docx_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    target = tmp_path / "redline.pdf"
    result = CliRunner().invoke(app, ["diff", str(BASIC), str(AMENDMENT), "--output", str(target)])
    assert result.exit_code == 2
    said = " ".join(result.output.replace("│", " ").split())  # as it reads inside rich's box
    assert "name it with .docx (e.g. redline.docx)" in said
    assert not target.exists()


def test_a_redline_compares_the_page_counts_the_documents_show(builder: Builder) -> None:
    """In the body the page count is text in a redline (page 6 -> page 5), not a field the
    redline's own layout would fill in the same in both places; the footer's page numbers stay
    fields, numbering the redline's own pages."""
    from loagen.rendering.redline import _page_counts_as_text

    built = builder.render(builder.prepare(BASIC))
    frozen = _page_counts_as_text(built)
    with zipfile.ZipFile(io.BytesIO(built)) as before, zipfile.ZipFile(io.BytesIO(frozen)) as after:
        assert b"NUMPAGES" in before.read("word/document.xml")
        body = after.read("word/document.xml").decode()
        assert "NUMPAGES" not in body
        assert "consists of page 1 through page </w:t></w:r><w:r><w:t>6</w:t>" in body
        assert after.read("word/footer1.xml") == before.read("word/footer1.xml")
        assert after.namelist() == before.namelist()
        for name in before.namelist():
            if name != "word/document.xml":
                assert after.read(name) == before.read(name)
    assert _page_counts_as_text(frozen) == frozen  # nothing left to freeze


def test_page_count_fields_as_word_writes_them_become_their_value() -> None:
    from loagen.rendering.redline import page_counts_as_text

    run = '<w:r><w:rPr><w:b/></w:rPr><w:fldChar w:fldCharType="{}"/></w:r>'
    complex_field = (
        run.format("begin")
        + '<w:r><w:instrText xml:space="preserve"> NUMPAGES \\* MERGEFORMAT </w:instrText></w:r>'
        + run.format("separate") + "<w:r><w:t>7</w:t></w:r>" + run.format("end")
    )  # fmt: skip
    page = (
        run.format("begin") + "<w:r><w:instrText> PAGE </w:instrText></w:r>"
        + run.format("separate") + "<w:r><w:t>1</w:t></w:r>" + run.format("end")
    )  # fmt: skip
    body = (
        f"<w:p><w:r><w:t>page 1 through page </w:t></w:r>{complex_field}</w:p>"
        f'<w:p><w:fldSimple w:instr=" NUMPAGES "/><w:r><w:t>kept</w:t></w:r>{page}</w:p>'
        '<w:p><w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>6</w:t></w:r></w:fldSimple></w:p>'
    ).encode()
    out = page_counts_as_text(body).decode()
    assert "<w:p><w:r><w:t>page 1 through page </w:t></w:r><w:r><w:t>7</w:t></w:r></w:p>" in out
    # an empty simple field is left alone, the text after it and another field kept whole
    assert f'<w:fldSimple w:instr=" NUMPAGES "/><w:r><w:t>kept</w:t></w:r>{page}' in out
    assert "<w:p><w:r><w:t>6</w:t></w:r></w:p>" in out
    assert out.count("NUMPAGES") == 1 and out.count("PAGE ") == 1


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


# -- notes that stay in force, and old and new values as data -------------------------------------

MODIFICATION = CASES / "BN-D-QAA" / "modification-1.json"


def test_notes_not_restated_stay_in_force_and_are_not_called_deleted(builder: Builder):
    result = diff_paths(AMENDMENT, MODIFICATION, builder)
    groups = {n.id: n.change for n in result.notes}
    # printed on the Amendment, not restated by the Modification, still on the case
    assert groups["SOLE-SOURCE-FMS"] == groups["GPS-SAASM"] == "stays in force"
    # the rate change note is deleted after implementation
    assert groups["ADMIN-SURCHARGE-RATE-CHANGE"] == "deleted"
    # and those the Amendment did not print either: the Modification's decisions, as `loagen
    # explain` lists them
    decisions = builder.prepare(MODIFICATION).selection.decisions
    in_force = [d.note_id for d in decisions if d.status == "in force"]
    assert sorted(n.id for n in result.notes_in("stays in force")) == sorted(in_force)
    text = result.to_text()
    heading = f"Notes that stay in force, not restated ({len(in_force)}):\n"
    kept = text.split(heading)[1].split("Notes deleted")[0]
    assert "= SOLE-SOURCE-FMS" in kept and "on the case since the Basic, version 1" in kept
    deleted = text.split("Notes deleted (1):\n")[1].split("Totals:")[0]
    assert "x ADMIN-SURCHARGE-RATE-CHANGE" in deleted and "SOLE-SOURCE" not in deleted
    assert "delete_after_implementation" in deleted  # the reason is shown


def test_every_note_left_off_is_in_force_or_deleted_on_generated_cases(tmp_path: Path):
    """On cases no one here wrote: a note printed on a document and not on the next is
    'stays in force' exactly when the case still carries it after the next document."""
    project = make_project(tmp_path / "project")
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 40, seed=11)
    builder = Builder(project)
    pairs = unprinted = 0
    for later in sorted(corpus.rglob("*.json")):
        data = json.loads(later.read_text())
        previous = data["document"].get("previous")
        if not previous:
            continue
        earlier = (later.parent / previous).resolve()
        result = diff_paths(earlier, later, builder)
        selection = builder.prepare(later).selection
        in_force_after = {n.note_id for n in selection.after}
        deleted = {d.note_id for d in selection.deleted}
        printed_after = {n.id for n in selection.notes}
        lines_after = {ln.number for ln in builder.document(later).case.lines}
        for note in result.notes:
            if note.old is None or note.new is not None:
                continue
            pairs += 1
            if note.key != note.id and not set(note.old.lines) & lines_after:
                # a note printed once per line, whose line the later document deletes
                assert note.change == "deleted" and "deleted by this" in note.reason, (later, note)
            elif note.id in in_force_after:
                assert note.change == "stays in force", (later, note)
                assert note.on_case is not None
            else:
                assert note.change == "deleted" and note.id in deleted, (later, note)
        # "stays in force, not restated" is the later document's own decisions, as `loagen
        # explain` and `loagen report` list them: whether or not the earlier one printed them
        kept = {d.note_id for d in selection.decisions if d.status == "in force"}
        said = result.notes_in("stays in force")
        assert {n.id for n in said if n.key == n.id} == kept, later
        assert all(n.id in printed_after for n in said if n.key != n.id), later
        unprinted += len(kept - {n.id for n in builder.prepare(earlier).selection.notes})
        for note_id in deleted:
            assert any(n.id == note_id and n.change == "deleted" for n in result.notes) or (
                note_id not in {n.note_id for n in builder.prepare(earlier).selection.after}
            )
        assert not (printed_after & {n.id for n in result.notes if n.change == "deleted"})
    assert pairs, "the corpus has no document that leaves a note off"
    assert unprinted, "the corpus has no note in force that two documents in a row leave off"


def test_json_gives_old_and_new_values_as_data(tmp_path: Path, monkeypatch):
    project = make_project(tmp_path / "project")
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["diff", str(BASIC), str(AMENDMENT), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    lines = {ln["number"]: ln for ln in data["lines"]}
    line = lines["002"]
    assert line["change"] == "increased"
    assert line["old"]["unit_cost"] == "6200000.00" and line["new"]["unit_cost"] == "8900000.00"
    assert (
        line["old"]["quantity"] == "1" and line["new"]["source_code"] == line["old"]["source_code"]
    )
    changes = {c["field"]: (c["old"], c["new"]) for c in line["changes"]}
    assert changes == {
        "unit_cost": ("6200000.00", "8900000.00"),
        "value": ("6200000.00", "8900000.00"),
        "months": ("24-36", "24-48"),
    }
    assert lines["007"]["old"] is None and lines["007"]["new"]["quantity"] == "2"
    assert lines["007"]["new"]["value"] == "168200000.00"
    document = {f["field"]: (f["old"], f["new"]) for f in data["document"]}
    assert document["offer_expiration_date"] == ("2025-06-30", "2026-09-15")
    assert document["number"] == (None, 1)
    case = {f["field"]: (f["old"], f["new"]) for f in data["case"]}
    assert case["accessorial.transportation"] == ("1240000", "2310000")
    totals = {t["key"]: t for t in data["totals"]}
    assert all(t["old"] and t["new"] for t in totals.values())
    # a Basic's Initial Deposit and an Amendment's Amount Due with Acceptance: two figures
    assert all(t["difference"] or t["old_total"] != t["total"] for t in totals.values()), totals
    notes = {n["key"]: n for n in data["notes"]}
    admin = notes["ADMIN-SURCHARGE"]
    assert admin["change"] == "changed" and admin["changed"] == ["wording"]
    assert admin["old"]["version"] and admin["old"]["text"] and admin["new"]["text"]
    assert admin["old"]["text"] != admin["new"]["text"]
    reworded = admin["wording"][0]
    assert reworded["change"] == "reworded" and reworded["old"] in admin["old"]["text"]
    assert {"removed": "001-006."} in reworded["words"] and {"added": "001-007."} in reworded[
        "words"
    ]
    kept = notes["TLA-APPROVAL"]
    assert kept["change"] == "stays in force" and kept["new"] is None
    assert kept["on_case"] == {"version": kept["old"]["version"], "since": "Basic"}
    assert data["note_counts"]["stays in force"] == 3 and data["note_counts"]["deleted"] == 0


def _schedule_modification(rows: list[dict]) -> dict:
    """BN-D-QAA's Modification 1 again, as Modification 2 giving the payment schedule `rows`
    and nothing else new."""
    modification = example("BN-D-QAA/modification-1")
    modification["document"].update(number=2, purpose="revises the payment schedule")
    modification["payment_schedule"] = rows
    return modification


def test_a_schedule_only_modification_lists_the_payments_that_moved(
    tmp_path: Path, builder: Builder, monkeypatch
):
    """A Modification that gives the payment schedule where the document before it had a
    computed one: the printed schedules are compared row by row (matched by due date), each
    row changed, moved, added or removed said with its amounts, and the raw case field is not
    listed besides."""
    from loagen.document.costs import add_months
    from loagen.document.wording import money

    chain = [example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")]
    first = write_chain(tmp_path / "case", *chain, example("BN-D-QAA/modification-1"))
    before = builder.document(first).costs.schedule
    assert len(before) >= 8 and all(r.date for r in before)
    given = [{"date": r.date.isoformat(), "amount": str(r.amount)} for r in before]
    cut = (before[1].amount / 2).quantize(Decimal(1))
    given[1]["amount"] = str(before[1].amount - cut)  # a part of a payment ...
    earlier_day = before[0].date + (before[1].date - before[0].date) / 2
    given.insert(1, {"date": earlier_day.isoformat(), "amount": str(cut)})  # ... due earlier
    moved_to = add_months(before[4].date, 1)
    assert moved_to < before[5].date
    given[5]["date"] = moved_to.isoformat()  # a payment a month later, the same amount
    last = given.pop()  # the last payment made due with the one before it
    given[-1]["amount"] = str(before[-2].amount + before[-1].amount)
    modification = _schedule_modification(given)
    later = write_chain(tmp_path / "case", *chain, example("BN-D-QAA/modification-1"), modification)

    result = diff_paths(first, later, builder)
    schedule = result.schedule
    assert schedule is not None
    assert (schedule.old_source, schedule.new_source) == ("computed", "case")
    seen = [(r.change, (r.old or r.new).date) for r in schedule.rows]
    assert seen == [
        ("added", earlier_day),
        ("changed", before[1].date),
        ("moved", before[4].date),
        ("changed", before[-2].date),
        ("removed", before[-1].date),
    ]
    assert schedule.rows[2].new.date == moved_to
    # the case file's rows stay in the data (the studio lists them), not in the summary
    assert any(f.field == "payment_schedule" for f in result.case_fields)
    assert not any(f.field == "payment_schedule" for f in result.case_shown)
    text = result.to_text()
    shown = text.split("Payment schedule:\n")[1].splitlines()
    assert shown[:6] == [
        "  now given by the case file (before, computed by loagen)",
        f"  added {earlier_day.isoformat()} Quarterly Payment: {money(cut, cents=True)}",
        f"  changed {before[1].date.isoformat()} Quarterly Payment: "
        f"{money(before[1].amount, cents=True)} -> "
        f"{money(before[1].amount - cut, cents=True)} (-{money(cut, cents=True)})",
        f"  moved Quarterly Payment from {before[4].date.isoformat()} to "
        f"{moved_to.isoformat()}: {money(before[4].amount, cents=True)}, the same amount",
        f"  changed {before[-2].date.isoformat()} Quarterly Payment: "
        f"{money(before[-2].amount, cents=True)} -> "
        f"{money(before[-2].amount + before[-1].amount, cents=True)} "
        f"(+{money(before[-1].amount, cents=True)})",
        f"  removed {last['date']} Quarterly Payment: {money(before[-1].amount, cents=True)}",
    ]
    assert "payment_schedule:" not in text

    data = result.to_json()
    assert not any(c["field"] == "payment_schedule" for c in data["case"])
    assert (data["schedule"]["old_source"], data["schedule"]["new_source"]) == (
        "computed",
        "case",
    )
    changes = data["schedule"]["changes"]
    assert [c["change"] for c in changes] == ["added", "changed", "moved", "changed", "removed"]
    assert changes[0]["old"] is None and changes[0]["new"]["date"] == earlier_day.isoformat()
    assert changes[0]["new"]["amount"] == f"{cut:.2f}"
    assert changes[1]["old"]["amount"] == f"{before[1].amount:.2f}"
    assert changes[1]["difference"] == f"{-cut:.2f}"
    assert changes[2]["old"]["date"] == before[4].date.isoformat()
    assert changes[2]["new"]["date"] == moved_to.isoformat()
    assert changes[2]["difference"] == "0.00"
    assert changes[4]["new"] is None and changes[4]["old"]["date"] == last["date"]
    # the command gives the same
    monkeypatch.setenv("LOAGEN_PROJECT", str(builder.project.root))
    shown_json = CliRunner().invoke(app, ["diff", str(first), str(later), "--json"])
    assert shown_json.exit_code == 0, shown_json.output
    assert json.loads(shown_json.stdout)["schedule"]["changes"] == changes


def test_a_schedule_given_as_it_was_computed_is_said_the_same(tmp_path: Path, builder: Builder):
    """The case file gives the very schedule loagen computed before: no row differs, the
    comparison says the schedule is the case file's now and its rows are the same."""
    chain = [example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")]
    first = write_chain(tmp_path / "case", *chain, example("BN-D-QAA/modification-1"))
    before = builder.document(first).costs.schedule
    given = [{"date": r.date.isoformat(), "amount": str(r.amount)} for r in before]
    modification = _schedule_modification(given)
    later = write_chain(tmp_path / "case", *chain, example("BN-D-QAA/modification-1"), modification)
    result = diff_paths(first, later, builder)
    assert result.schedule is not None and result.schedule.rows == ()
    assert (
        "Payment schedule:\n  now given by the case file (before, computed by loagen)\n"
        "  the rows printed are the same\n"
    ) in result.to_text() + "\n"
    # the case file's rows stay in the data (the studio lists them), not in the summary
    assert any(f.field == "payment_schedule" for f in result.case_fields)
    assert not any(f.field == "payment_schedule" for f in result.case_shown)
    # compared with itself: nothing to say of the schedule
    same = diff_paths(later, later, builder)
    assert same.schedule is not None and same.schedule.empty
    assert "Payment schedule:" not in same.to_text()


def test_an_amendments_own_schedule_rows_are_not_called_changes_of_the_basics(
    tmp_path: Path, builder: Builder
):
    """An Amendment's schedule starts with what the earlier documents made due, then what is
    due with its acceptance: a Basic's quarterly payment due on the date the Amendment asks
    its Amount Due with Acceptance is another figure (both are printed), not a payment raised;
    the payments of the same kind due on the same date are compared."""
    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    later = write_chain(tmp_path / "case", basic, amendment)
    old, new = later.parent / "basic.json", later
    result = diff_paths(old, new, builder)
    before = {r.date: r for r in builder.document(old).costs.schedule}
    after = builder.document(new).costs.schedule
    kinds = {}
    for row in after:
        was = before.get(row.date) if row.date else None
        if was is not None and was.label != row.label:
            kinds[row.date] = "other payment"
        elif was is not None and was.amount != row.amount:
            kinds[row.date] = "changed"
    assert "other payment" in kinds.values(), "no payment of another kind on a date of both"
    assert result.schedule is not None
    seen = {r.new.date: r for r in result.schedule.rows if r.old and r.new}
    assert {day: r.change for day, r in seen.items()} == kinds
    text = result.to_text()
    for day, row in seen.items():
        data = row.to_json()
        if row.change == "other payment":
            assert data["difference"] is None and data["old"]["label"] != data["new"]["label"]
            assert f"  {day.isoformat()}: {row.old.label} (earlier) $" in text
            assert "(two different figures: not a change of one)" in row.to_text()
        else:
            assert data["difference"] == f"{row.new.amount - row.old.amount:.2f}"
    (earlier,) = [r for r in result.schedule.rows if r.new and r.new.earlier]
    assert earlier.change == "added" and earlier.to_json()["new"]["date"] is None
    assert earlier.to_text().startswith(f"  added {earlier.new.label} (before this Amendment): $")


def test_a_changed_code_is_shown_with_its_meaning(tmp_path: Path, monkeypatch):
    project = make_project(tmp_path / "project")
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    cases = copy_cases(tmp_path / "cases")
    basic = cases / "BN-P-WRS" / "basic.json"
    data = json.loads(basic.read_text())
    line = data["lines"][0]
    old_code = line["source_code"]
    new_code = "S" if old_code != "S" else "R"
    line["source_code"] = new_code
    line["quantity"] = 3
    changed = tmp_path / "basic-changed.json"
    changed.write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["diff", str(basic), str(changed)])
    assert result.exit_code == 0, result.output
    assert f"source code {old_code} (" in result.stdout
    assert (
        f"-> {new_code} (From DoD stock" in result.stdout
        or f"-> {new_code} (Rebuild" in result.stdout
    )
    assert "quantity " in result.stdout and " -> 3 " in result.stdout
    as_json = json.loads(
        CliRunner().invoke(app, ["diff", str(basic), str(changed), "--json"]).stdout
    )
    fields = {c["field"]: c for c in as_json["lines"][0]["changes"]}
    assert fields["source_code"]["old"] == old_code and fields["source_code"]["new"] == new_code
    assert fields["quantity"]["new"] == "3"


def test_built_documents_tell_notes_in_force_from_their_manifests(tmp_path: Path):
    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    out = tmp_path / "out"
    run_batch([cases / "BN-D-QAA"], project=project, output_dir=out, jobs=1)
    builder = Builder(project)
    result = diff_paths(out / "BN-D-QAA-amendment-1.docx", out / "BN-D-QAA-modification-1.docx",
                        builder)  # fmt: skip
    groups = {n.id: n.change for n in result.notes}
    assert groups["SOLE-SOURCE-FMS"] == "stays in force"
    assert groups["ADMIN-SURCHARGE-RATE-CHANGE"] == "deleted"
    # built with today's library from case files unchanged since: their notes' wording is
    # known, and compared as the case files' diff compares it
    assert not any("wording is not compared" in r for r in result.remarks)
    files = diff_paths(cases / "BN-D-QAA" / "amendment-1.json",
                       cases / "BN-D-QAA" / "modification-1.json", builder)  # fmt: skip
    assert [(n.id, n.change) for n in result.notes] == [(n.id, n.change) for n in files.notes]


def test_documents_a_reviewer_was_sent_are_compared_through_their_build_records(tmp_path: Path):
    """Two DOCX files alone (no manifest beside them): the build record inside each holds its
    manifest and case files, so lines, notes and totals compare as with the manifests."""
    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    out = tmp_path / "out"
    run_batch([cases / "BN-D-QAA"], project=project, output_dir=out, jobs=1)
    sent = tmp_path / "inbox"
    sent.mkdir()
    for name in ("BN-D-QAA-amendment-1.docx", "BN-D-QAA-modification-1.docx"):
        (sent / name).write_bytes((out / name).read_bytes())
    builder = Builder(project)
    beside = diff_paths(out / "BN-D-QAA-amendment-1.docx", out / "BN-D-QAA-modification-1.docx",
                        builder)  # fmt: skip
    alone = diff_paths(sent / "BN-D-QAA-amendment-1.docx", sent / "BN-D-QAA-modification-1.docx",
                       builder)  # fmt: skip
    assert alone.lines == beside.lines and alone.lines
    assert alone.fields == beside.fields and alone.totals == beside.totals
    assert [(n.key, n.change) for n in alone.notes] == [(n.key, n.change) for n in beside.notes]
    # a Word file loagen did not build is refused with what to do
    other = sent / "other.docx"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    result = CliRunner().invoke(app, ["diff", str(other), str(sent / "BN-D-QAA-amendment-1.docx")])
    assert result.exit_code == 3
    assert (
        "no readable manifest" in result.stderr
        and "carries no loagen build record" in result.stderr
    )


def _sent(docx: Path, folder: Path) -> Path:
    """A copy of a built DOCX alone, as a reviewer is sent it (no manifest beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / docx.name).write_bytes(docx.read_bytes())
    return folder / docx.name


def test_documents_alone_built_before_and_after_an_edit_compare_their_printed_text(
    tmp_path: Path,
):
    """The same document built before and after a note and the Standard Terms were edited,
    compared as the DOCX files alone: their records cannot vouch for the wording, so the
    printed texts are compared, never "no differences" when they differ."""
    project = make_project(tmp_path / "project")
    basic = example("BN-D-QAA/basic")
    basic["purchaser"]["name"] = "Ministry of Defence of a Purchaser of Our Own"
    case = write_chain(tmp_path / "case", basic)
    before = _sent(Builder(project).build(case, tmp_path / "b1").docx_path, tmp_path / "before")
    note = note_file(project.root / "note_library", "ADMIN-SURCHARGE")
    note.write_text(note.read_text().replace("surcharge recovers", "surcharge pays for", 1))
    terms = project.root / "templates" / "standard_terms.md"
    terms.write_text(terms.read_text().replace("end-use monitoring", "end-use checks", 1))
    builder = Builder(project)
    after = _sent(builder.build(case, tmp_path / "b2").docx_path, tmp_path / "after")
    result = diff_paths(before, after, builder)
    assert not result.empty
    places = {(p.where, p.change.kind) for p in result.printed}
    assert ("Administrative Surcharge", "reworded") in places
    assert ("", "reworded") in places  # the Terms, outside the notes
    text = result.to_text()
    assert "no differences" not in text
    assert "[checks]" in text and "[pays for]" in text
    assert any("printed text is compared" in r for r in result.remarks)
    assert not any("wording is not compared" in r for r in result.remarks)
    # the same document built twice with the same library and templates: nothing differs
    again = _sent(builder.build(case, tmp_path / "b3").docx_path, tmp_path / "again")
    assert diff_paths(after, again, builder).to_text().endswith("  no differences")


def test_a_note_the_same_document_no_longer_prints_after_a_library_edit_is_said_so(
    tmp_path: Path,
):
    """The same Basic built again after a note's rule changed: the note is not "deleted by a
    document between the two versions" (there is none): both are builds of one document."""
    project = make_project(tmp_path / "project")
    case = write_chain(tmp_path / "case", example("BN-D-QAA/basic"))
    before = _sent(Builder(project).build(case, tmp_path / "b1").docx_path, tmp_path / "before")
    note = note_file(project.root / "note_library", "ADMIN-SURCHARGE")
    note.write_text(note.read_text().replace(
        "rule: costs.administrative_charge > 0", "rule: costs.administrative_charge < 0"
    ))  # fmt: skip
    builder = Builder(project)
    after = _sent(builder.build(case, tmp_path / "b2").docx_path, tmp_path / "after")
    (gone,) = [n for n in diff_paths(before, after, builder).notes if n.id == "ADMIN-SURCHARGE"]
    assert gone.change == "no longer printed"
    assert "built twice" in gone.reason and "note library changed" in gone.reason
    assert "between the two versions" not in gone.reason


# -- a note added in the middle: one inserted note, not renumbered headings -------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _paragraph_text(p) -> str:  # noqa: ANN001
    return "".join(t.text or "" for t in p.iter(_W + "t", _W + "delText"))


def _note_paragraphs(document) -> list:  # noqa: ANN001
    """The paragraphs of the notes section of a document.xml tree: from the heading "Notes" to
    the next page-starting heading."""
    body = list(document.iter(_W + "p"))
    start = next(i for i, p in enumerate(body) if _paragraph_text(p) == "Notes")
    out = []
    for p in body[start + 1 :]:
        if p.find(f"{_W}pPr/{_W}pageBreakBefore") is not None:
            break
        out.append(p)
    return out


def _unnumbered(text: str) -> str:
    """A note heading's text without its number ("19.Accessorial Charges": the number is text
    in a redline)."""
    return re.sub(r"^\d+\.\s*", "", text)


def _style(p) -> str:  # noqa: ANN001
    style = p.find(f"{_W}pPr/{_W}pStyle")
    return style.get(_W + "val") if style is not None else ""


@needs_redlines
def test_a_note_added_in_the_middle_redlines_as_one_inserted_note(tmp_path: Path):
    """Version 2 of BN-D-QAA's Basic asks for a sole source, which adds the sole source note
    among the others (not last). The redline shows that note's heading and text inserted and
    nothing else in the notes: the headings after it show their new numbers, unmarked (the
    numbers are text in a redline, see `test_a_redline_numbers_notes_as_text_...`), not each
    renumbered as a change of its own."""
    from lxml import etree

    from loagen.rendering.redline import redline_docx

    project = make_project(tmp_path / "project")
    builder = Builder(project)
    data = json.loads(BASIC.read_text())
    without = json.loads(BASIC.read_text())
    for line in without["lines"]:
        line.pop("sole_source", None)
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    (tmp_path / "v1" / "basic.json").write_text(json.dumps(without))
    (tmp_path / "v2" / "basic.json").write_text(json.dumps(data))
    old = builder.build(tmp_path / "v1" / "basic.json", tmp_path / "out1")
    new = builder.build(tmp_path / "v2" / "basic.json", tmp_path / "out2")
    before = [n.id for n in old.selection.notes if n.placement == "notes"]
    after = [n.id for n in new.selection.notes if n.placement == "notes"]
    added = [n for n in after if n not in before]
    assert added == ["SOLE-SOURCE-FMS"]
    position = after.index("SOLE-SOURCE-FMS")
    assert 0 < position < len(after) - 1, "the note is not added in the middle"
    note = next(n for n in new.selection.notes if n.id == "SOLE-SOURCE-FMS")

    redline = redline_docx(old.docx_path.read_bytes(), new.docx_path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(redline)) as zf:
        document = etree.fromstring(zf.read("word/document.xml"))
    with zipfile.ZipFile(new.docx_path) as zf:
        expected_doc = etree.fromstring(zf.read("word/document.xml"))
    # the note as version 2 prints it: its heading and the paragraphs of its text
    printed = _note_paragraphs(expected_doc)
    start = next(i for i, p in enumerate(printed) if _paragraph_text(p) == note.title)
    heading_style = _style(printed[start])
    end = next(
        (i for i in range(start + 1, len(printed)) if _style(printed[i]) == heading_style),
        len(printed),
    )
    expected = [_paragraph_text(p) for p in printed[start:end] if _paragraph_text(p)]

    notes = _note_paragraphs(document)
    inserted = [
        "".join(t.text or "" for ins in p.iter(_W + "ins") for t in ins.iter(_W + "t"))
        for p in notes
    ]
    deleted = ["".join(t.text or "" for t in p.iter(_W + "delText")) for p in notes]
    assert not any(deleted), [d for d in deleted if d]
    assert [_unnumbered(text) for text in inserted if _unnumbered(text)] == expected
    headings = [p for p in notes if _style(p) == heading_style]
    assert len(headings) == len(after)
    for number, p in enumerate(headings, start=1):
        was, now = _views(p)
        if _unnumbered(now) == note.title:
            assert was == "" and now == f"{number}.{note.title}"
            continue
        assert was == now == f"{number}.{_unnumbered(was)}"
    # the rest of the document changes by at most its page count
    in_notes = set(notes)
    rest = [p for p in document.iter(_W + "p") if p not in in_notes]
    for p in rest:
        changed = "".join(t.text or "" for ins in p.iter(_W + "ins") for t in ins.iter(_W + "t"))
        changed += "".join(t.text or "" for t in p.iter(_W + "delText"))
        assert changed.strip().isdigit() or not changed.strip(), _paragraph_text(p)


def test_the_note_of_a_line_the_later_document_deletes_is_deleted_with_it(tmp_path: Path):
    """A note printed once per line (a line's description) goes with its line when an Amendment
    deletes the line (SAMM seed 004, QC-DELETED-LINE-NOTE): it is not "in force"."""
    builder = Builder(make_project(tmp_path / "project"))
    basic = example("BN-D-QAA/basic")
    first = write_chain(tmp_path / "v1", basic)
    per_line = [
        n for n in builder.prepare(first).selection.notes if n.placement == "notes" and n.lines
    ]
    note_id = next(n.id for n in per_line if sum(m.id == n.id for m in per_line) > 1)
    numbers = [n.lines[0] for n in per_line if n.id == note_id]
    gone = numbers[len(numbers) // 2]  # one in the middle
    amendment = example("BN-D-QAA/amendment-1")
    amendment["lines"] = [ln for ln in amendment["lines"] if ln["number"] != gone]
    later = write_chain(tmp_path / "v2", basic, amendment)

    result = diff_paths(later.parent / "basic.json", later, builder)
    (note,) = [n for n in result.notes if n.id == note_id and n.old and gone in n.old.lines]
    assert note.change == "deleted"
    assert note.reason == f"Line {gone} is deleted by this Amendment: the line's note goes with it"
    assert not [n for n in result.notes_in("stays in force") if n.old and gone in n.old.lines]
    text = result.to_text()
    assert f"x {note.key}" in text.split("Notes deleted")[1]
    # the other lines' notes are printed again, not deleted
    for number in numbers:
        if number != gone:
            assert not [n for n in result.notes_in("deleted") if n.old and number in n.old.lines]


def test_two_builds_of_a_document_whose_edit_deletes_a_line_say_its_note_went_with_it(
    tmp_path: Path,
):
    """Modification 1 as sent, then edited to delete Line 007, built again: compared as built
    documents, the line's description note is deleted with its line (as the case files say),
    not 'no longer printed' because the document was 'built twice'."""
    builder = Builder(make_project(tmp_path / "project"))
    chain = [example(f"BN-D-QAA/{n}") for n in ("basic", "amendment-1", "modification-1")]
    first = write_chain(tmp_path / "v1", *chain)
    chain[-1]["lines"] = [ln for ln in chain[-1]["lines"] if ln["number"] != "007"]
    second = write_chain(tmp_path / "v2", *chain)
    before = builder.build(first, tmp_path / "b1").docx_path
    after = builder.build(second, tmp_path / "b2").docx_path
    for old, new in ((first, second), (before, after)):
        result = diff_paths(old, new, builder)
        (note,) = [n for n in result.notes if n.old and n.old.lines == ("007",)]
        assert note.change == "deleted", (old, note)
        assert (
            note.reason == "Line 007 is deleted by this Modification: the line's note goes with it"
        )


def _views(p) -> tuple[str, str]:  # noqa: ANN001
    """A redline paragraph's text with every change rejected, and with every change accepted."""
    old = new = ""
    for t in p.iter(_W + "t", _W + "delText"):
        inserted = any(a.tag == _W + "ins" for a in t.iterancestors())
        if t.tag == _W + "delText":
            old += t.text or ""
        elif inserted:
            new += t.text or ""
        else:
            old += t.text or ""
            new += t.text or ""
    return " ".join(old.split()), " ".join(new.split())


@needs_redlines
def test_a_redline_compares_notes_note_by_note_and_never_strikes_a_note_in_force(tmp_path: Path):
    """Each note heading of the redline is one note's heading, on each side (never a deleted
    note's text joined with an added note's heading), in the order each document prints them;
    a note that stays in force without being restated is not struck through."""
    from lxml import etree

    from loagen.ops.diff import write_redline

    builder = Builder(make_project(tmp_path / "project"))
    basic = example("BN-D-QAA/basic")
    gone = basic["lines"][len(basic["lines"]) // 2]["number"]
    amendment = example("BN-D-QAA/amendment-1")
    amendment["lines"] = [ln for ln in amendment["lines"] if ln["number"] != gone]
    modification = example("BN-D-QAA/modification-1")
    modification["lines"] = [ln for ln in modification["lines"] if ln["number"] != gone]
    later = write_chain(tmp_path / "case", basic, amendment, modification)
    pairs = [("basic.json", "amendment-1.json"), ("amendment-1.json", later.name)]
    struck = kept_seen = 0
    for old_name, new_name in pairs:
        old, new = later.parent / old_name, later.parent / new_name
        result = diff_paths(old, new, builder)
        kept = {n.old.title for n in result.notes_in("stays in force") if n.old}
        kept_seen += len(kept)
        target = write_redline(old, new, tmp_path / f"{new.stem}.redline.docx", builder)
        with zipfile.ZipFile(target) as zf:
            document = etree.fromstring(zf.read("word/document.xml"))
        headings = {}
        for side, path in (("old", old), ("new", new)):
            notes = builder.prepare(path).selection.notes
            headings[side] = [n.title for n in notes if n.placement == "notes"]
        headings["old"] = [h for h in headings["old"] if h not in kept]
        shown = [
            tuple(map(_unnumbered, _views(p)))
            for p in _note_paragraphs(document)
            if _style(p) == "LOANoteHeading"
        ]
        assert [o for o, _ in shown if o] == headings["old"], new_name
        assert [n for _, n in shown if n] == headings["new"], new_name
        struck += sum(1 for o, n in shown if o and not n)
        deleted = " ".join(t.text or "" for t in document.iter(_W + "delText"))
        for title in kept:
            assert title not in deleted, (new_name, title)
    assert struck and kept_seen, "no note deleted, or none kept: the case shows nothing"


def _schedule_rows(docx: bytes) -> list[list[str]]:
    """The cells' text of each row of the payment schedule ("Due Date" column) of a DOCX."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        document = etree.fromstring(zf.read("word/document.xml"))
    for table in document.iter(_W + "tbl"):
        rows = [[" ".join("".join(t.text or "" for t in c.iter(_W + "t")).split())
                 for c in row.findall(_W + "tc")] for row in table.findall(_W + "tr")]  # fmt: skip
        if rows and "Due Date" in rows[0]:
            return rows
    raise AssertionError("no payment schedule")


@needs_redlines
def test_a_redline_compares_payment_schedule_rows_by_due_date(tmp_path: Path):
    """An Amendment's schedule gains a leading row ("Due under earlier documents"): each
    payment is compared with the payment due on the same date, and the rows only one side has
    are inserted or deleted whole, so that rejecting every change gives the old schedule and
    accepting every change the new one."""
    from lxml import etree

    from loagen.ops.diff import write_redline

    builder = Builder(make_project(tmp_path / "project"))
    basic = example("BN-D-QAA/basic")
    amendment = example("BN-D-QAA/amendment-1")
    amendment["lines"][0]["unit_cost"] = amendment["lines"][0]["unit_cost"] * 2
    later = write_chain(tmp_path / "case", basic, amendment)
    old, new = later.parent / "basic.json", later
    old_rows = _schedule_rows(builder.render(builder.prepare(old)))[1:]
    new_rows = _schedule_rows(builder.render(builder.prepare(new)))[1:]
    assert old_rows[0][1] != new_rows[0][1]  # the schedules do not start on the same date
    target = write_redline(old, new, tmp_path / "redline.docx", builder)
    with zipfile.ZipFile(target) as zf:
        document = etree.fromstring(zf.read("word/document.xml"))
    (table,) = [t for t in document.iter(_W + "tbl")
                if "Due Date" in "".join(x.text or "" for x in t.iter(_W + "t"))]  # fmt: skip
    rejected, accepted = [], []
    for row in table.findall(_W + "tr")[1:]:
        marks = {c.tag for c in row.find(_W + "trPr") if c.tag in (_W + "ins", _W + "del")}
        cells = [_views(c) for c in row.findall(_W + "tc")]
        if _W + "del" not in marks:
            accepted.append([n for _, n in cells])
        if _W + "ins" not in marks:
            rejected.append([o for o, _ in cells])
        if not marks:  # a payment both schedules have: due on the same date
            assert cells[1][0] == cells[1][1], cells
    assert rejected == old_rows
    assert accepted == new_rows


@needs_redlines
def test_a_redline_puts_an_old_and_a_new_amount_of_a_cell_on_lines_of_their_own(tmp_path: Path):
    """A Modification that changes a unit cost changes amounts in the narrow cells of the cost
    summary and the schedule: each old amount struck out and its new amount inserted are
    parted by a line break (part of the deletion), never written touching ("$95,008$95,568",
    which wraps inside a number), and accepting every change gives the new cell's text."""
    from lxml import etree

    from loagen.ops.diff import write_redline

    builder = Builder(make_project(tmp_path / "project"))
    basic = example("BN-D-QAA/basic")
    modification = example("BN-D-QAA/modification-1")
    modification["lines"][0]["unit_cost"] = modification["lines"][0]["unit_cost"] * 3
    later = write_chain(tmp_path / "case", basic, example("BN-D-QAA/amendment-1"), modification)
    old, new = later.parent / "amendment-1.json", later
    target = write_redline(old, new, tmp_path / "redline.docx", builder)
    with zipfile.ZipFile(target) as zf:
        document = etree.fromstring(zf.read("word/document.xml"))
    pairs = 0
    for cell in document.iter(_W + "tc"):
        for p in cell.iter(_W + "p"):
            children = [c for c in p if c.tag in (_W + "ins", _W + "del", _W + "r")]
            for first, second in zip(children, children[1:], strict=False):
                if {first.tag, second.tag} != {_W + "ins", _W + "del"}:
                    continue
                pairs += 1
                deletion = first if first.tag == _W + "del" else second
                runs = deletion.findall(_W + "r")
                edge = runs[-1] if deletion is first else runs[0]
                assert edge.find(_W + "br") is not None, _paragraph_text(p)
                accepted = "".join(t.text or "" for t in p.iter(_W + "t"))
                assert accepted.count("$") <= 1, accepted  # the new amount alone
    assert pairs >= 3, "no amount changed in a cell: the case shows nothing"


@needs_redlines
def test_a_redline_numbers_notes_as_text_and_dates_its_changes_with_the_new_document(
    tmp_path: Path,
):
    """A note deleted in the middle: each note heading shows its number as text (never the
    engine's `w:numberingChange`, which LibreOffice shows as "[20.]" or "19.[21.]"): the deleted
    note its old number struck out with it, every other heading its new number, unmarked (the
    headings after the deleted note are not each shown renumbered), so that accepting every
    change numbers the new notes 1, 2, 3 ...; every change is dated with the new document's
    date, not the engine's 2000-01-01."""
    from lxml import etree

    from loagen.ops.diff import write_redline

    builder = Builder(make_project(tmp_path / "project"))
    basic = example("BN-D-QAA/basic")
    modification = example("BN-D-QAA/modification-1")
    modification["document"]["date"] = "2031-07-09"
    later = write_chain(tmp_path / "case", basic, example("BN-D-QAA/amendment-1"), modification)
    old, new = later.parent / "amendment-1.json", later
    counts = {}
    for side, path in (("old", old), ("new", new)):
        notes = builder.prepare(path).selection.notes
        counts[side] = [n.title for n in notes if n.placement == "notes"]
    target = write_redline(old, new, tmp_path / "redline.docx", builder)
    with zipfile.ZipFile(target) as zf:
        body = zf.read("word/document.xml")
    assert b"numberingChange" not in body
    document = etree.fromstring(body)
    shown = [_views(p) for p in _note_paragraphs(document) if _style(p) == "LOANoteHeading"]
    rejected = [o for o, _ in shown if o]
    accepted = [n for _, n in shown if n]
    assert [re.match(r"\d+\.", n).group() for n in accepted] == [
        f"{k}." for k in range(1, len(accepted) + 1)
    ]
    assert len(accepted) == len(counts["new"])
    deleted = [k for k, (o, n) in enumerate(shown) if o and not n]
    assert deleted and deleted[0] < len(shown) - 1, "no note deleted in the middle"
    for o, n in shown:
        if o and not n:  # a deleted note: its number on the old document, struck out with it
            assert o.startswith(f"{rejected.index(o) + 1}."), o
        elif o:  # a note on both: its new number, not shown as a change
            assert o == n, (o, n)
    assert set(re.findall(rb'w:date="([^"]*)"', body)) == {b"2031-07-09T00:00:00Z"}


def test_two_paragraphs_changed_alike_are_shown_with_enough_words_to_tell_them_apart():
    """Two sentences of a note that end alike and change alike ("... Lines 001-005 [and 007]")
    are not shown as two identical was/now pairs: each gets the words that tell it apart."""
    from loagen.document.word_diff import wording_changes
    from loagen.ops.diff import NoteDiff, NoteState

    tail = "charges have been applied to the relevant parts of the defined order Lines {}."
    opening = ("Packing, crating and handling (PC&H)", "Transportation of the items bought")
    old = "\n".join(f"{o} {tail.format('001-003 and 005')}" for o in opening)
    new = "\n".join(f"{o} {tail.format('001-003 and 006')}" for o in opening)
    note = NoteDiff(
        "FEES", "FEES", "changed", NoteState("FEES", "Fees", "1", (), old, ""),
        NoteState("FEES", "Fees", "1", (), new, ""), ("wording",), wording_changes(old, new),
    )  # fmt: skip
    shown = [line.strip() for line in note.to_text()[1:]]
    assert len(shown) == 4 and len(set(shown)) == 4, shown
    assert any("Transportation" in line for line in shown)
