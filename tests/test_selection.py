"""Note selection: every note's rule both ways, carry-over, print order, filled placeholders."""

from __future__ import annotations

import builtins
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from loagen.case.placeholders import is_placeholder
from loagen.errors import NoteError
from loagen.pipeline import Pipeline
from loagen.policy.notes import load_library
from loagen.policy.selection import Selection, select_notes
from loagen.project import Project

from .conftest import CASES, case_text, example, unseen_characters
from .test_notes import write_note
from .test_rules import document

LIBRARY = Path(__file__).resolve().parents[1] / "note_library"


@pytest.fixture(scope="module")
def library():
    return load_library(LIBRARY)


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline(Project.at(LIBRARY.parent))


@pytest.fixture
def select(chain, pipeline):
    """select(*docs) -> Selection for the last of `docs` written as a chain (the notes in force
    before it derived from the chain)."""
    return lambda *docs: pipeline.select(chain(*docs))


def carried(selection: Selection) -> set[str]:
    return set(selection.included_ids)


# -- case builders ------------------------------------------------------------------------------------

Doc = dict[str, Any]


def qaa() -> Doc:
    return example("BN-D-QAA/basic")


def zea() -> Doc:
    return example("BN-B-ZEA/basic")


def tab() -> Doc:
    return example("BN-B-TAB/basic")


def wrs() -> Doc:
    return example("BN-P-WRS/basic")


def changed(data: Doc, edit: Callable[[Doc], Any]) -> Doc:
    data = copy.deepcopy(data)
    edit(data)
    return data


def line(data: Doc, number: str) -> dict[str, Any]:
    return next(ln for ln in data["lines"] if ln["number"] == number)


def with_items(make: Callable[[], Doc], number: str, *items: str) -> Callable[[], Doc]:
    return lambda: changed(make(), lambda d: line(d, number).update(items=list(items)))


def nsr_line() -> dict[str, Any]:
    return {
        "number": "007", "masl": "079200N0NSPRQ", "description": "NON-SPECIFIC REQUIREMENTS",
        "quantity": 1, "unit_of_issue": "LO", "unit_cost": 500000, "source_code": "S",
        "type_of_assistance": "3", "kind": "materiel",
    }  # fmt: skip


def old_amendment(mtcr: bool) -> list[Doc]:
    """A Basic written in 2010 and its Amendment 1 (MTCR items on Line 001 if `mtcr`)."""
    basic = changed(qaa(), lambda d: d["document"].update(offer_expiration_date="2010-06-30"))
    amendment = example("BN-D-QAA/amendment-1")
    if mtcr:
        line(amendment, "001")["items"] = ["gps_saasm", "mtcr"]
    return [basic, amendment]


def amendment_chain() -> list[Doc]:
    return [qaa(), example("BN-D-QAA/amendment-1")]


def modification_chain(**document: Any) -> list[Doc]:
    mod = changed(example("BN-D-QAA/modification-1"), lambda d: d["document"].update(document))
    return [*amendment_chain(), mod]


def term(make: Callable[[], Doc], *terms: str, **top: Any) -> Callable[[], Doc]:
    return lambda: changed(make(), lambda d: d.update(terms_of_sale=list(terms), **top))


def top(make: Callable[[], Doc], **fields: Any) -> Callable[[], Doc]:
    return lambda: changed(make(), lambda d: d.update(fields))


def doc_fields(make: Callable[[], Doc], **fields: Any) -> Callable[[], Doc]:
    return lambda: changed(make(), lambda d: d["document"].update(fields))


def one(make: Callable[[], Doc]) -> Callable[[], list[Doc]]:
    return lambda: [make()]


# note id -> (documents that carry it, documents that do not)
# Each note's own tests (a Basic that carries it, an Amendment or Modification that prints it
# and one that does not) are in tests/notes/.


# -- acceptance on the examples ----------------------------------------------------------------------


def bodies(selection: Selection, note_id: str) -> list[str]:
    return [n.body for n in selection.notes if n.id == note_id]


def description(selection: Selection, number: str) -> str:
    """The body of the line item description note of line `number`."""
    (body,) = [
        n.body for n in selection.notes if n.id == "LINE-ITEM-DESCRIPTION" and n.lines == (number,)
    ]
    return body


def test_zea_carries_the_eda_and_nvd_notes(select):
    selection = select(zea())
    assert {"EDA-STORAGE-GRANT", "NVD-SECURITY"} <= carried(selection)
    # the "as is, where is" condition of EDA is a sentence of the line's description
    assert '"as is, where is"' in description(selection, "001")
    (nvd,) = [n for n in selection.notes if n.id == "NVD-SECURITY"]
    assert nvd.lines == ("003",) and "Line 003" in nvd.body
    (storage,) = bodies(selection, "EDA-STORAGE-GRANT")
    assert "$6,400,000" in storage


def test_qaa_basic_names_the_sole_source_firm_and_line(select):
    selection = select(qaa())
    (body,) = bodies(selection, "SOLE-SOURCE-FMS")
    assert "Lockheed Martin Corporation be the prime contractor for Line 001" in body
    assert "14 February 2024" in body


def test_tab_carries_the_bpc_sole_source_note_not_the_fms_one(select):
    selection = select(tab())
    assert "SOLE-SOURCE-JA-BPC" in carried(selection)
    assert "SOLE-SOURCE-FMS" not in carried(selection)
    assert selection.decision("SOLE-SOURCE-FMS").reason == "for FMS cases only; this is a BPC case"
    (body,) = bodies(selection, "SOLE-SOURCE-JA-BPC")
    # the BPC note names the office that approved the exception, as the page does, not the firm
    assert "Department of the Army approved a sole source exception" in body
    assert "Line 001" in body


def test_wrs_describes_the_wwrs_seller_line(select):
    selection = select(wrs())
    (note,) = [n for n in selection.notes if n.id == "LINE-ITEM-DESCRIPTION"]
    assert note.title == "Line Item 001 Description" and note.lines == ("001",)
    assert "sells through Worldwide Warehouse Redistribution Services (WWRS)" in note.body


def test_training_statements_where_training_lines_are(select):
    qaa_selection = select(qaa())
    assert {"TRAINING-HOMELAND-SECURITY", "TLA-APPROVAL"} <= carried(qaa_selection)
    conus = description(qaa_selection, "005")
    assert "takes place in the continental United States (CONUS)" in conus
    assert "travel, lodging and per diem" not in conus
    oconus = description(select(zea()), "004")
    assert "outside the continental United States (OCONUS)" in oconus
    assert "travel, lodging and per diem of the U.S. Government team" in oconus


def test_amendment_restates_only_what_carries_over(select):
    basic = select(qaa())
    amendment = select(*amendment_chain())
    (sole,) = [n for n in amendment.notes if n.id == "SOLE-SOURCE-FMS"]
    assert sole.lines == ("007",)
    # restated with every designation on the case, saying which one this Amendment adds
    assert "9 March 2026" in sole.body and "Line 007" in sole.body
    assert "This Amendment adds or changes the designation for Line 007" in sole.body
    dropped = carried(basic) - carried(amendment)
    assert {"TLA-APPROVAL", "TRAINING-HOMELAND-SECURITY", "NC-WAIVED"} <= dropped
    assert {"ADMIN-SURCHARGE", "ACCESSORIAL-CHARGES", "CAS-SURCHARGE"} <= carried(amendment)
    tla = amendment.decision("TLA-APPROVAL")
    assert tla.status == "in force" and tla.held == "version 1 since the Basic"
    assert "not restated" in tla.reason and "(carry-over: lines_added)" in tla.reason
    assert {"TLA-APPROVAL", "NC-WAIVED"} <= {n.note_id for n in amendment.after}


# -- carry-over ---------------------------------------------------------------------------------------


def test_lines_added_names_only_the_added_lines(chain, tmp_path):
    # QAA's Basic has a sole source line (001), its Amendment 1 adds one (007)
    write_note(tmp_path / "lib", "ADDED-ONLY")
    pipeline = Pipeline(Project.at(LIBRARY.parent), note_library=tmp_path / "lib")
    decision = pipeline.select(chain(*amendment_chain())).decision("ADDED-ONLY")
    assert decision.status == "printed" and decision.lines == ("007",)
    assert decision.reason == (
        "Line 007 is added by this Amendment (on the case since the Basic, version 1) "
        "(carry-over: lines_added)"
    )


@pytest.mark.parametrize("policy", ["lines_added", "lines_added_or_increased"])
def test_a_note_restating_all_its_lines_names_the_lines_the_case_had_too(chain, tmp_path, policy):
    # a text that names its lines replaces the one in force: printed again about Line 001 too
    write_note(tmp_path / "lib", "ALL-LINES", carry_over=policy, restate_all_lines="true")
    pipeline = Pipeline(Project.at(LIBRARY.parent), note_library=tmp_path / "lib")
    selection = pipeline.select(chain(*amendment_chain()))
    decision = selection.decision("ALL-LINES")
    assert decision.status == "printed" and decision.lines == ("001", "007")
    assert decision.reason.startswith("Line 007 is added")
    assert decision.reason.endswith(
        "by this Amendment: restated for Lines 001 and 007 (on the case since the Basic, "
        f"version 1) (carry-over: {policy})"
    )
    assert bodies(selection, "ALL-LINES") == ["Applies to Lines 001 and 007."]
    # a document that adds no such line does not print it
    decision = pipeline.select(chain(*modification_chain())).decision("ALL-LINES")
    assert decision.status == "in force"


def test_lines_added_or_increased_and_field_changed(select):
    more = changed(example("BN-D-QAA/amendment-1"), lambda d: line(d, "001").update(quantity=3))
    selection = select(qaa(), more)
    # more quantity on line 001 does not change its sole source designation ...
    assert selection.decision("SOLE-SOURCE-FMS").lines == ("007",)
    # ... but restates the nonrecurring cost waiver of the line it raises
    assert selection.decision("NC-WAIVED").lines == ("001",)
    firm = changed(
        example("BN-D-QAA/amendment-1"),
        lambda d: line(d, "001")["sole_source"].update(firm="Other Aero Corp"),
    )
    assert select(qaa(), firm).decision("SOLE-SOURCE-FMS").lines == ("001", "007")


def test_a_price_change_on_a_defined_order_line_is_not_an_increase(select):
    dearer = changed(
        example("BN-D-QAA/amendment-1"), lambda d: line(d, "001").update(unit_cost=90000000)
    )
    decision = select(qaa(), dearer).decision("NC-WAIVED")
    assert decision.status == "in force" and "not restated" in decision.reason


def test_modification_carries_the_always_notes_only(select):
    selection = select(*modification_chain())
    assert carried(selection) == {
        "LINE-ITEM-DESCRIPTION", "ADMIN-SURCHARGE", "ACCESSORIAL-CHARGES", "CAS-SURCHARGE",
    }  # fmt: skip
    assert "restated on every document" in selection.decision("CAS-SURCHARGE").reason


def test_cas_stays_while_procurement_lines_exist(select):
    stock_only = changed(
        example("BN-D-QAA/amendment-1"),
        lambda d: d.update(lines=[ln for ln in d["lines"] if ln["source_code"] not in ("P", "X")]),
    )
    selection = select(qaa(), stock_only)
    assert "CAS-SURCHARGE" not in carried(selection)


def test_rate_change_note_is_deleted_after_implementation(select):
    assert "ADMIN-SURCHARGE-RATE-CHANGE" in carried(select(qaa()))
    # an Amendment offered after June 2018 carries it again, as the page says ...
    amendment = select(*amendment_chain())
    assert amendment.decision("ADMIN-SURCHARGE-RATE-CHANGE").status == "printed"
    # ... and the first Modification after it is implemented deletes it
    modification = select(*modification_chain())
    decision = modification.decision("ADMIN-SURCHARGE-RATE-CHANGE")
    assert decision.status == "deleted"
    assert decision.reason.startswith(
        "deleted: not used on a Modification, and the document that printed it last (on the "
        "case since the Basic) is implemented"
    )
    assert "ADMIN-SURCHARGE-RATE-CHANGE" not in {n.note_id for n in modification.after}


def test_deleted_lines_lose_their_line_notes(select):
    without_005 = changed(
        example("BN-D-QAA/amendment-1"),
        lambda d: d.update(lines=[ln for ln in d["lines"] if ln["number"] != "005"]),
    )
    selection = select(qaa(), without_005)
    assert all("005" not in n.lines for n in selection.notes)
    assert "TRAINING-CONUS" not in carried(selection)


def without_line_007(kind: str, **line_007: Any) -> list[Doc]:
    """QAA's Basic (Line 001 bought sole source, with GPS SAASM), its Amendment 1 (adds Line
    007 so, too), and a next document of `kind` that deletes Line 007, or with `line_007` gives
    it these fields instead."""
    after = example("BN-D-QAA/amendment-1")
    after["document"].update(
        kind=kind, number=2 if kind == "Amendment" else 1, purpose="deletes Line 007",
        reason="at the Purchaser's request",
    )  # fmt: skip
    if line_007:
        line(after, "007").update(line_007)
    else:
        after["lines"] = [ln for ln in after["lines"] if ln["number"] != "007"]
    if kind == "Modification":
        del after["document"]["offer_expiration_date"]
    return [*amendment_chain(), after]


@pytest.mark.parametrize("kind", ["Amendment", "Modification"])
@pytest.mark.parametrize(
    "policy",
    ["lines_added", "lines_added_or_increased", "field_changed", "version_refresh", "once"],
)
def test_a_note_naming_a_deleted_line_is_restated_about_the_lines_left(
    chain, tmp_path, policy, kind
):
    # Amendment 1 printed the note about Lines 001 and 007; the text in force names Line 007
    # until a document restates it (a Modification may delete a line: no change of scope)
    extra = {"changed_fields": "[sole_source.firm]"} if policy == "field_changed" else {}
    write_note(tmp_path / "lib", "NAMED", carry_over=policy, **extra)
    pipeline = Pipeline(Project.at(LIBRARY.parent), note_library=tmp_path / "lib")
    selection = pipeline.select(chain(*without_line_007(kind)))
    decision = selection.decision("NAMED")
    assert decision.status == "printed" and decision.lines == ("001",)
    assert decision.reason == (
        f"Line 007 is deleted by this {kind}: restated for Line 001 (on the case since the "
        f"Basic, version 1) (carry-over: {policy})"
    )
    assert bodies(selection, "NAMED") == ["Applies to Line 001."]


def test_a_note_whose_lines_are_all_deleted_is_deleted(chain, tmp_path):
    write_note(tmp_path / "lib", "NAMED")
    pipeline = Pipeline(Project.at(LIBRARY.parent), note_library=tmp_path / "lib")
    docs = without_line_007("Amendment")
    docs[-1]["lines"] = [ln for ln in docs[-1]["lines"] if ln["number"] != "001"]
    selection = pipeline.select(chain(*docs))
    decision = selection.decision("NAMED")
    assert decision.status == "deleted" and "NAMED" not in {n.note_id for n in selection.after}
    assert decision.reason == (
        "deleted from the case (in force since the Basic): Lines 001 and 007 are deleted by "
        "this Amendment, and the rule names no line left (the rule is false)"
    )
    assert selection.deleted == (decision,)


def test_a_note_naming_a_line_reduced_to_zero_leaves_it_out(chain, tmp_path):
    # the line stays on the document at a quantity of 0 (QC-ZERO-NOT-DELETED asks to delete
    # it): the text restated does not name it, in its lines or in rule_lines
    write_note(
        tmp_path / "lib", "NAMED", carry_over="lines_added_or_increased",
        body="Applies to {{ refs(note_lines) }}; the rule names {{ refs(rule_lines) }}.",
    )  # fmt: skip
    pipeline = Pipeline(Project.at(LIBRARY.parent), note_library=tmp_path / "lib")
    selection = pipeline.select(chain(*without_line_007("Amendment", quantity=0)))
    decision = selection.decision("NAMED")
    assert decision.status == "printed" and decision.lines == decision.rule_lines == ("001",)
    assert decision.reason.startswith("Line 007 is reduced to zero by this Amendment: restated")
    assert bodies(selection, "NAMED") == ["Applies to Line 001; the rule names Line 001."]
    # with Line 001 deleted too, only the line at zero is left, which the rule still names:
    # restated about it (deleted, the next document would add the note again) ...
    docs = without_line_007("Amendment", quantity=0)
    docs[-1]["lines"] = [ln for ln in docs[-1]["lines"] if ln["number"] != "001"]
    decision = pipeline.select(chain(*docs)).decision("NAMED")
    assert decision.status == "printed" and decision.lines == decision.rule_lines == ("007",)
    assert decision.reason.startswith(
        "Line 001 is deleted and Line 007 is reduced to zero by this Amendment: restated for "
        "Line 007 ("
    )
    # ... or, when no line it named is deleted, left in force as it is
    zero_both = changed(docs[-1], lambda d: d.update(lines=copy.deepcopy(docs[-2]["lines"])))
    line(zero_both, "001")["quantity"] = line(zero_both, "007")["quantity"] = 0
    decision = pipeline.select(chain(*docs[:-1], zero_both)).decision("NAMED")
    assert decision.status == "in force"
    assert decision.reason == (
        "on the case since the Basic, version 1; not restated: Lines 001 and 007 are reduced to "
        "zero by this Amendment (carry-over: lines_added_or_increased)"
    )
    # ... until a document deletes those lines
    gone = changed(zero_both, lambda d: d.update(lines=d["lines"][1:6]))
    gone["document"]["number"] = 3
    decision = pipeline.select(chain(*docs[:-1], zero_both, gone)).decision("NAMED")
    assert decision.status == "deleted"
    assert "Lines 001 and 007 are deleted by this Amendment" in decision.reason


def test_deleting_a_line_the_note_does_not_name_leaves_it_in_force(chain, tmp_path):
    write_note(tmp_path / "lib", "NAMED")
    pipeline = Pipeline(Project.at(LIBRARY.parent), note_library=tmp_path / "lib")
    docs = without_line_007("Amendment")
    docs[-1]["lines"] = [ln for ln in docs[-2]["lines"] if ln["number"] != "006"]
    decision = pipeline.select(chain(*docs)).decision("NAMED")
    assert decision.status == "in force" and "not restated" in decision.reason


def test_the_gps_note_in_force_stops_naming_a_deleted_line(select):
    selection = select(*without_line_007("Amendment"))
    assert bodies(selection, "GPS-SAASM")[0].startswith("Line 001 includes Global Positioning")
    # the NC waiver note never named Line 007 (no waiver there): it stays in force as printed
    assert selection.decision("NC-WAIVED").status == "in force"


def test_basic_only_notes_stay_on_the_basic(chain, tmp_path):
    write_note(tmp_path / "lib", "BASIC-ONLY", carry_over="basic_only", rule="is_fms")
    pipeline = Pipeline(Project.at(LIBRARY.parent), note_library=tmp_path / "lib")
    assert pipeline.select(chain(qaa())).included_ids == ("BASIC-ONLY",)
    decision = pipeline.select(chain(*amendment_chain())).decision("BASIC-ONLY")
    assert not decision.included and decision.status == "in force"


def test_a_restated_basic_carries_all_its_notes(select):
    plain = select(qaa())
    restated = select(doc_fields(qaa, restated={"previous_offer_date": "2025-05-01"})())
    # the RESTATED statement leads the case description (the template), not a note
    assert carried(restated) == carried(plain)
    assert "a restated Basic carries every note" in restated.decision("SOLE-SOURCE-FMS").reason


def test_a_restated_amendment_carries_what_the_amendment_carries(select):
    plain = select(*amendment_chain())
    restated_amendment = changed(
        example("BN-D-QAA/amendment-1"),
        lambda d: d["document"].update(restated={"previous_offer_date": "2026-04-01"}),
    )
    restated = select(qaa(), restated_amendment)
    assert carried(restated) == carried(plain)
    assert "a restated Amendment carries what the Amendment carries" in (
        restated.decision("CAS-SURCHARGE").reason
    )


# -- the selection itself -----------------------------------------------------------------------------


def test_one_decision_per_note_in_library_order(select, library):
    selection = select(*amendment_chain())
    assert [d.note_id for d in selection.decisions] == list(library.ids)
    for decision in selection.decisions:
        assert decision.rule == library[decision.note_id].rule and decision.reason


def test_notes_in_print_order_with_one_line_note_per_line(select, library):
    selection = select(qaa())
    rank = {"line": 0, "payment_schedule": 1, "notes": 2}
    keys = [(rank[n.placement], library[n.id].section) for n in selection.notes]
    assert keys == sorted(keys)
    descriptions = [n for n in selection.notes if n.id == "LINE-ITEM-DESCRIPTION"]
    assert [n.lines for n in descriptions] == [(f"00{i}",) for i in range(1, 7)]
    assert [n.title for n in descriptions][:2] == [
        "Line Item 001 Description",
        "Line Item 002 Description",
    ]
    for note in selection.notes:  # a version the library holds (the one in force then)
        assert note.sha256 == library[note.id].sha256
        assert library[note.id].text_of(note.version) is not None


def test_line_notes_of_every_kind_interleave_by_line(select):
    selection = select(changed(qaa(), lambda d: d["lines"].append(nsr_line())))
    section_one = [(n.id, n.lines) for n in selection.notes if n.placement == "notes"][:7]
    assert section_one[-1] == ("LINE-ITEM-NSR", ("007",))


def test_line_description_states_severable_and_period(select):
    selection = select(zea())
    bodies_by_line = {
        n.lines[0]: n.body for n in selection.notes if n.id == "LINE-ITEM-DESCRIPTION"
    }
    assert (
        "non-severable services. The expected period of performance is 6 months."
        in bodies_by_line["004"]
    )
    # a service line that does not say whether it is severable gets no such sentence (and a
    # QC-SERVICE-SEVERABLE warning) rather than a guess
    assert "severable" not in bodies_by_line["002"]
    assert "on a grant basis" in bodies_by_line["001"]


def test_manpower_travel_uses_the_reference_limit(select):
    body = description(select(zea()), "004")
    assert "$1,180 a day per person, above the $1,000 a day planning level" in body


def test_case_text_is_escaped_in_bodies(select):
    data = changed(qaa(), lambda d: line(d, "001").update(line_note="1. *Not* a [link](x) <b>"))
    (body,) = [
        n.body
        for n in select(data).notes
        if n.id == "LINE-ITEM-DESCRIPTION" and n.lines == ("001",)
    ]
    assert body.startswith("1\\. \\*Not\\* a \\[link\\](x) \\<b\\>")


def test_selection_reads_no_file(chain, library, monkeypatch):
    doc = chain(*amendment_chain())

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("select_notes opened a file")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    monkeypatch.setattr(Path, "read_text", refuse)
    assert select_notes(doc, library).notes


def test_a_placeholder_that_cannot_be_filled_names_the_note(chain, tmp_path):
    write_note(
        tmp_path / "lib",
        "FUND",
        rule="is_fms",
        carry_over="every",
        body="{{ case.fund_source.program }}",
    )
    library = load_library(tmp_path / "lib")
    with pytest.raises(NoteError, match="cannot fill the placeholders of note FUND"):
        select_notes(chain(qaa()), library)


# -- placeholders keep any case text as written (hypothesis) --------------------------------------------

_MD = MarkdownIt("commonmark")


def _plain_text(markdown: str) -> str:
    out = []
    for token in _MD.parse(markdown):
        for child in token.children or ():
            if child.type == "text":
                out.append(child.content)
            elif child.type == "softbreak":
                out.append(" ")
    return "".join(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(
        alphabet=st.characters(
            exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=unseen_characters()
        ),
        min_size=1,
        max_size=40,
    ).filter(lambda t: case_text(t) and not is_placeholder(t))
)
def test_any_line_note_prints_as_written(text):
    data = changed(qaa(), lambda d: line(d, "001").update(line_note=text))
    selection = select_notes(document(data), _library())
    (body,) = [
        n.body for n in selection.notes if n.id == "LINE-ITEM-DESCRIPTION" and n.lines == ("001",)
    ]
    from loagen.document.wording import sentence

    assert _plain_text(body) == sentence(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(numbers=st.sets(st.integers(min_value=1, max_value=30), min_size=1, max_size=8))
def test_line_lists_follow_the_wording_rules(numbers):
    from loagen.document.wording import line_refs

    data = qaa()
    template = line(data, "002")
    data["lines"] = [
        {**template, "number": f"{n:03d}", "source_code": "P" if n in numbers else "S"}
        for n in range(1, 31)
    ]
    selection = select_notes(document(data), _library())
    (cas,) = [n for n in selection.notes if n.id == "CAS-SURCHARGE"]
    expected = line_refs(f"{n:03d}" for n in numbers)
    assert cas.lines == tuple(f"{n:03d}" for n in sorted(numbers))
    assert f"included for {expected}:" in cas.body


_CACHE: dict[str, Any] = {}


def _library():
    if "lib" not in _CACHE:
        _CACHE["lib"] = load_library(LIBRARY)
    return _CACHE["lib"]


# -- loagen explain -----------------------------------------------------------------------------------


def test_cli_explain_reads_well(monkeypatch):
    from loagen.cli import app

    monkeypatch.setenv("LOAGEN_PROJECT", str(LIBRARY.parent))
    case = LIBRARY.parent / "cases" / "BN-D-QAA" / "amendment-1.json"
    result = CliRunner().invoke(app, ["explain", str(case)])
    assert result.exit_code == 0, result.output
    assert "BN-D-QAA Amendment 1" in result.output
    assert "SOLE-SOURCE-FMS" in result.output
    assert "Line 007 is added, or changed in sole_source.firm" in result.output
    assert "lines_with(sole_source=True) → Lines 001 and 007" in result.output
    assert "In force on the case, not restated" in result.output
    assert "TLA-APPROVAL" in result.output and "references: " in result.output
    # what the note is for, in the library's words, before how the rule decided
    said = result.output[result.output.index("IN  SOLE-SOURCE-FMS") :]
    assert said.index("used: FMS documents that add or change a specific source") < said.index(
        "Line 007 is added"
    )
    one = CliRunner().invoke(app, ["explain", str(case), "--note", "tla-approval"])
    assert one.exit_code == 0 and "SOLE-SOURCE-FMS" not in one.output
    assert "on the case since the Basic, version 1; not restated" in one.output
    typo = CliRunner().invoke(app, ["explain", str(case), "--note", "TLA-APROVAL"])
    said = " ".join(typo.output.replace("│", " ").split())
    assert typo.exit_code == 2 and "did you mean 'TLA-APPROVAL'" in said
    # the summary counts the document's notes, not only the one asked about
    assert one.output.splitlines()[0] == result.output.splitlines()[0]
    as_json = CliRunner().invoke(app, ["explain", str(case), "--json"])
    data = json.loads(as_json.output)
    decisions = {d["note_id"]: d for d in data["decisions"]}
    assert decisions["SOLE-SOURCE-FMS"]["included"] and decisions["SOLE-SOURCE-FMS"]["lines"] == [
        "007"
    ]


def test_cli_explain_says_a_note_on_items_reads_the_lines_items(monkeypatch):
    """A note left out for want of a line tagged with its items says where the tag goes."""
    from loagen.cli import app

    monkeypatch.setenv("LOAGEN_PROJECT", str(LIBRARY.parent))
    case = LIBRARY.parent / "cases" / "BN-D-QAA" / "amendment-1.json"
    result = CliRunner().invoke(app, ["explain", str(case), "--note", "AMMUNITION-EXPLOSIVES"])
    assert result.exit_code == 0, result.output
    assert (
        'lines_with_item("ammunition") names no line (read from each line\'s items, where the '
        "writer tags its items)"
    ) in " ".join(result.output.split())


def test_cli_explain_says_the_date_that_chose_a_notes_version(monkeypatch, tmp_path):
    """A note of two versions on a Basic dated the day before the second takes effect: the
    first is printed, and explain says why (the document's date, against the date the next
    version takes effect), in text and --json; a day later, the second and newest."""
    from datetime import timedelta

    from loagen.cli import app
    from loagen.document.wording import spell_date

    note, base = _two_versions_printed()
    first, second = note.texts[0], note.texts[1]
    monkeypatch.setenv("LOAGEN_PROJECT", str(LIBRARY.parent))
    for day, printed in ((second.effective - timedelta(days=1), first), (second.effective, second)):
        data = copy.deepcopy(base)
        data["document"]["date"] = day.isoformat()
        case = tmp_path / day.isoformat() / "basic.json"
        case.parent.mkdir()
        case.write_text(json.dumps(data))
        result = CliRunner().invoke(app, ["explain", str(case), "--note", note.id])
        assert result.exit_code == 0, result.output
        said = " ".join(result.output.split())
        assert f", version {printed.version}" in said
        assert (
            f"version {printed.version}: in force on {spell_date(day)}, the document's date "
            "(document.date)"
        ) in said
        if printed is first:
            assert (
                f"version {second.version} takes effect on {spell_date(second.effective)}" in said
            )
        elif printed is note.texts[-1]:
            assert "it is the newest version" in said
        as_json = CliRunner().invoke(app, ["explain", str(case), "--note", note.id, "--json"])
        chosen = json.loads(as_json.output)["decisions"][0]["version_chosen_by"]
        assert chosen["date"] == day.isoformat()
        assert chosen["date_is"] == "the document's date (document.date)"
        assert chosen["version_in_force"] == printed.version


def _two_versions_printed() -> tuple[Any, dict[str, Any]]:
    """A library note of more than one version and an example Basic that prints it."""
    from loagen.document import load_document

    for path in sorted(CASES.glob("*/basic.json")):
        selection = select_notes(load_document(path), _library())
        for d in selection.decisions:
            note = _library()[d.note_id]
            if d.included and len(note.texts) > 1:
                return note, example(f"{path.parent.name}/basic")
    raise AssertionError("no example Basic prints a note of two versions")


def test_decide_notes_gives_the_decisions_select_notes_gives() -> None:
    from loagen.document import load_document
    from loagen.policy.notes import load_library
    from loagen.policy.selection import decide_notes, select_notes
    from loagen.project import Project

    library = load_library(Project.discover().note_library)
    document = load_document(CASES / "BN-D-QAA/amendment-1.json")
    some = [n for n in library if n.id in ("SOLE-SOURCE-FMS", "NVD-SECURITY", "CAS-SURCHARGE")]
    wanted = {d.note_id: d for d in select_notes(document, library).decisions}
    assert {d.note_id: d for d in decide_notes(document, some)} == {
        n.id: wanted[n.id] for n in some
    }


# -- what a selection keeps between documents -----------------------------------------------------


def test_a_note_left_off_gets_the_decision_made_for_it_before_and_no_other_notes():
    """Decisions that leave a note off are kept and given again: for the same note, the same
    decision; for another note object of the same id (a library loaded again, or edited), one
    made for it."""
    from loagen.policy.selection import decide_notes

    qaa_doc = document(example("BN-D-QAA/basic"))
    first, again = load_library(LIBRARY), load_library(LIBRARY)
    one = decide_notes(qaa_doc, first)
    assert decide_notes(document(example("BN-D-QAA/basic")), first) == one
    other = decide_notes(qaa_doc, again)
    assert other == one
    left_off = [(a, b) for a, b in zip(one, other, strict=True) if a.status == "out"]
    assert left_off and all(a is not b for a, b in left_off)
    note = next(n for n, d in zip(first, one, strict=True) if d.status == "out")
    edited = note.model_copy(update={"title": "Another title"})
    assert decide_notes(qaa_doc, [edited])[0].title == "Another title"


def test_long_filled_texts_are_tidied_as_short_ones():
    from loagen.policy.selection import _one_line, _tidy
    from loagen.recent import LONGEST as KEPT_TEXT

    text = "A line  \n\n\n\nanother line\t\n\n"
    long = text * (KEPT_TEXT // len(text) + 1)
    assert len(long) > KEPT_TEXT
    assert _tidy(text) == "A line\n\nanother line"
    assert _tidy(long) == "\n\n".join(["A line", "another line"] * (long.count("A line")))
    assert _one_line(long) == " ".join(long.split())


def test_the_document_a_note_is_held_since_reads_as_a_sentence() -> None:
    from loagen.policy.in_force import BEFORE_LOAGEN, InForce, since_the

    assert InForce("X", "1", "Basic").since_the == "the Basic"
    assert since_the("Amendment 1") == "Amendment 1"  # not "the Amendment 1"
    assert since_the("Modification 2") == "Modification 2"
    assert since_the(BEFORE_LOAGEN) == "an earlier document (notes_in_force)"
