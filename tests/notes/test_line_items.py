"""The line item description notes (SAMM Appendix 6, "Line Item [nnn] Description").

Every line gets a Line Item nnn Description note, on every document, as soon as one line needs
one. The statements loagen used to print as separate notes are sentences of that note, on the
lines they concern: the CONUS statement of training lines, OCONUS training travel, blanket order
training, the WWRS seller service, manpower travel above the daily planning level, "as is, where
is" for EDA, classified publications and medical services; services, training, medical and
manpower lines state severable or non-severable and the period of performance.

On FMS cases a Non-Specific Requirements line carries the NSR text as its description
(LINE-ITEM-NSR): converted to the current format on the next Amendment, left as it is by a
Modification, and never on a BPC case.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..conftest import example
from .helpers import Chain, line, new_line, printed, qaa, tab, wrs, zea

NOTES = {"LINE-ITEM-DESCRIPTION", "LINE-ITEM-NSR"}

_HEADING = re.compile(r"^\d+\. \S")
"""A note's heading in the notes section ("5. Line Item 005 Description")."""


def description(text: str, number: str) -> str:
    """The text of line `number`'s description note, as printed: the paragraphs under its
    heading, up to the next note (empty when the note is not printed)."""
    lines = text.splitlines()
    title = f"Line Item {number} Description"
    for i, row in enumerate(lines):
        if _HEADING.match(row) and row.endswith(title):
            body = []
            for nxt in lines[i + 1 :]:
                if _HEADING.match(nxt) or nxt.startswith("Standard Terms and Conditions"):
                    break
                body.append(nxt)
            return " ".join(body)
    return ""


def nsr_line(**fields: Any) -> dict[str, Any]:
    """A Non-Specific Requirements line (the NSR MASL of reference/money.yaml), Line 007."""
    base = new_line(
        "007", masl="079200N0NSPRQ", description="NON-SPECIFIC REQUIREMENTS", quantity=1,
        unit_of_issue="LO", unit_cost=500000, months=None, offer_release_code=None,
        delivery_term_code=None,
    )  # fmt: skip
    for key in ("months", "offer_release_code", "delivery_term_code"):
        base.pop(key)
    base.update(fields)
    return base


def with_nsr(data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data["lines"].append(nsr_line(**fields))
    return data


# -- LINE-ITEM-DESCRIPTION: Basic ----------------------------------------------------------------------


def test_basic_describes_every_line_and_a_conus_training_line_says_so(tmp_path: Path) -> None:
    data = qaa()
    line(data, "005")["training"].update(severable=False, performance_period="18 months")
    text = Chain(data).text(tmp_path)
    # one line needs a description, so every line gets one
    for number in ("001", "002", "003", "004", "005", "006"):
        assert description(text, number), f"no description note for Line {number}"
    training = description(text, "005")
    assert "This line provides pilot and maintenance training for the C-130J" in training
    assert "in the continental United States (CONUS)" in training
    assert "These are non-severable services." in training
    assert "The expected period of performance is 18 months." in training
    # the writer's own text comes first
    assert description(text, "001").startswith("This line provides for two C-130J aircraft")
    # CONUS is a sentence of the description now, not a note of its own in the line's column
    assert not printed(text, "Training in the Continental United States")
    assert "CONUS" not in description(text, "002")


def test_oconus_training_with_manpower_travel_above_the_limit(tmp_path: Path) -> None:
    text = Chain(zea()).text(tmp_path)
    training = description(text, "004")
    assert "outside the continental United States (OCONUS)" in training
    assert "travel, lodging and per diem of the U.S. Government team" in training
    assert "These are non-severable services." in training
    assert "The expected period of performance is 6 months." in training
    assert "$1,180 a day per person, above the $1,000 a day planning level" in training
    assert "Team lodging in Port Aster is priced above the standard rate" in training
    # neither sentence is printed as a note of its own any more
    assert not printed(text, "Training and Travel Outside the Continental United States")
    assert not printed(text, "Manpower Travel Above the Daily Planning Level")
    # materiel lines say none of it
    assert "OCONUS" not in description(text, "003")
    assert "a day per person" not in description(text, "003")


def test_description_names_the_item_as_a_reader_writes_it(tmp_path: Path) -> None:
    # the MASL capitals in normal case, with the quantity of counted articles
    text = Chain(zea()).text(tmp_path / "derived")
    assert description(text, "003").startswith(
        "This line provides 120 monocular night vision devices AN/PVS-14, as described"
    )
    # a services line counts tasks, not the items it names: no quantity
    # (its end item, the M113A3, is in its name: not said again "for the M113A3")
    assert description(text, "002").startswith(
        "This line provides refurbishment of excess M113A3 vehicles, as described"
    )
    # an end item the name does not say is named
    data = zea()
    line(data, "002")["end_item"] = "M577 Command Post Carrier"
    assert description(Chain(data).text(tmp_path / "other"), "002").startswith(
        "This line provides refurbishment of excess M113A3 vehicles for the M577 Command Post "
        "Carrier, as described"
    )
    # the writer's own name and plural win
    data = zea()
    line(data, "003").update(
        nomenclature="Monocular Night Vision Device (AN/PVS-14)",
        nomenclature_plural="Monocular Night Vision Devices (AN/PVS-14)",
    )
    line(data, "003")["quantity"] = 1
    named = description(Chain(data).text(tmp_path / "named"), "003")
    assert named.startswith("This line provides 1 Monocular Night Vision Device (AN/PVS-14),")
    line(data, "003")["quantity"] = 3
    named = description(Chain(data).text(tmp_path / "plural"), "003")
    assert named.startswith("This line provides 3 Monocular Night Vision Devices (AN/PVS-14),")


def test_manpower_travel_at_or_below_the_limit_is_not_mentioned(tmp_path: Path) -> None:
    data = qaa()  # Line 006: technical assistance, travel $640 a day
    line(data, "006")["manpower"]["travel_cost_per_day"] = 1000
    text = Chain(data).text(tmp_path)
    assistance = description(text, "006")
    assert assistance.startswith("This line provides technical assistance")
    assert "a day per person" not in assistance


def test_eda_line_is_as_is_where_is(tmp_path: Path) -> None:
    text = Chain(zea()).text(tmp_path)
    eda = description(text, "001")
    assert "Excess Defense Articles (EDA), provided on a grant basis" in eda
    assert "EDA authorization of 12 December 2024" in eda
    assert '"as is, where is"' in eda
    assert not printed(text, "Excess Defense Articles - As Is, Where Is")
    assert "as is, where is" not in description(text, "002")


def test_wwrs_seller_line_is_described_by_the_wwrs_text(tmp_path: Path) -> None:
    text = Chain(wrs()).text(tmp_path)
    seller = description(text, "001")
    assert seller.startswith("Under this line the Purchaser sells through Worldwide Warehouse")
    assert "section 21(m) of the Arms Export Control Act" in seller
    assert "proceeds of each sale are credited to the Purchaser" in seller
    assert not printed(text, "Worldwide Warehouse Redistribution Services (WWRS) Seller")


def test_classified_publications_and_medical_lines(tmp_path: Path) -> None:
    data = qaa()
    data["lines"] += [
        new_line("007", masl="A1C130J0CPUB", description="CLASSIFIED TECHNICAL ORDERS",
                 kind="publications", items=["classified"], unit_of_issue="LO", quantity=1),
        new_line("008", masl="M1MEDSVC0000", description="MEDICAL CARE FOR AIRCREW",
                 kind="medical", source_code="S", unit_of_issue="LO", quantity=1,
                 severable=True, performance_period="24 months"),
    ]  # fmt: skip
    text = Chain(data).text(tmp_path)
    classified = description(text, "007")
    assert "The publications on this line are classified" in classified
    assert "government-to-government channels" in classified
    assert "classified" not in description(text, "004")  # the unclassified technical orders
    medical = description(text, "008")
    assert "U.S. military medical facilities" in medical
    assert "These are severable services." in medical
    assert "The expected period of performance is 24 months." in medical
    assert not printed(text, "Classified Publications")
    assert not printed(text, "Medical Services")


def test_blanket_order_training(tmp_path: Path) -> None:
    data = qaa()
    line(data, "005")["training"]["blanket_order"] = True
    text = Chain(data).text(tmp_path)
    assert "on a blanket order basis" in description(text, "005")
    assert "blanket order" not in description(text, "006")
    assert not printed(text, "Training - Blanket Order")
    # on a blanket order case every training line is blanket order training
    tbo = example("BN-D-TBO/basic")
    line(tbo, "001")["training"]["blanket_order"] = False
    assert "on a blanket order basis" in description(Chain(tbo).text(tmp_path / "tbo"), "001")


def test_service_line_states_its_own_severability_or_renders_without(tmp_path: Path) -> None:
    data = qaa()
    line(data, "006").update(severable=False, performance_period="24 months")
    assistance = description(Chain(data).text(tmp_path / "given"), "006")
    assert "These are non-severable services." in assistance
    assert "The expected period of performance is 24 months." in assistance
    # without them the note still prints (a check asks for them), saying nothing of either
    bare = description(Chain(qaa()).text(tmp_path / "missing"), "006")
    assert (
        bare
        == "This line provides technical assistance for the C-130J, as described in column (2)."
    )


# -- LINE-ITEM-DESCRIPTION: Amendments and Modifications, and cases without it -------------------------


def test_amendment_and_modification_restate_every_description(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend(lambda d: d["lines"].append(new_line("007")))
    text = chain.text(tmp_path / "amendment")
    for number in ("001", "002", "003", "004", "005", "006", "007"):
        assert description(text, number), f"Amendment 1 does not describe Line {number}"
    assert "(CONUS)" in description(text, "005")
    chain.modify()
    text = chain.text(tmp_path / "modification")
    assert "(CONUS)" in description(text, "005")
    assert "These are severable services." in description(text, "005")
    decision = chain.selection(tmp_path / "modification-selection").decision(
        "LINE-ITEM-DESCRIPTION"
    )
    assert decision.status == "printed" and decision.lines == (
        "001", "002", "003", "004", "005", "006", "007",
    )  # fmt: skip
    assert "restated on every document" in decision.reason


def test_no_description_notes_when_no_line_needs_one(tmp_path: Path) -> None:
    # one materiel line whose column (2) says it all (as BN-P-KAA, on a defined order case)
    data = qaa()
    data["lines"] = [line(data, "002")]
    chain = Chain(data)
    text = chain.text(tmp_path / "basic")
    assert not printed(text, "Line Item 002 Description")
    chain.modify()
    assert not printed(chain.text(tmp_path / "modification"), "Line Item 002 Description")
    assert chain.selection(tmp_path / "selection").decision("LINE-ITEM-DESCRIPTION").status == "out"


def test_an_amendment_adding_a_training_line_describes_every_line(tmp_path: Path) -> None:
    data = qaa()
    data["lines"] = [line(data, "002"), line(data, "003")]
    training = line(qaa(), "005")
    training["number"] = "004"
    chain = Chain(data).amend(lambda d: d["lines"].append(training))
    text = chain.text(tmp_path)
    assert description(text, "002").startswith("This line provides support equipment")
    assert "(CONUS)" in description(text, "004")


# -- LINE-ITEM-NSR ------------------------------------------------------------------------------------


def test_basic_nsr_line_carries_the_nsr_text(tmp_path: Path) -> None:
    text = Chain(with_nsr(qaa(), end_item="C-130J")).text(tmp_path)
    nsr = description(text, "007")
    assert "national funds for non-specific requirements" in nsr
    assert "budgeted but not yet programmed, in support of the C-130J" in nsr
    assert "moved by an LOA Amendment" in nsr
    assert "price increases" not in nsr
    # the NSR line has one description: the NSR text, not the general one
    assert "as described in column (2)" not in nsr
    assert sum(row.endswith("Line Item 007 Description") for row in text.splitlines()) == 1


def test_price_increase_sentence_only_when_the_purchaser_allows_it(tmp_path: Path) -> None:
    data = with_nsr(qaa(), nsr_covers_price_increases=True)
    nsr = description(Chain(data).text(tmp_path), "007")
    assert "allows the funds on this line to be used to cover price increases" in nsr
    assert "in support of" not in nsr  # no end item given


def test_amendment_converts_an_old_nsr_note_to_the_current_format(tmp_path: Path) -> None:
    chain = Chain(with_nsr(qaa())).amend(notes_in_force=[{"id": "LINE-ITEM-NSR", "version": "1"}])
    decision = chain.selection(tmp_path / "selection").decision("LINE-ITEM-NSR")
    assert decision.status == "printed" and decision.lines == ("007",)
    assert decision.version == "2" and decision.held.startswith("version 1")
    assert "national funds for non-specific requirements" in description(
        chain.text(tmp_path / "text"), "007"
    )


def test_amendment_adding_an_nsr_line_prints_it(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend(with_nsr)
    text = chain.text(tmp_path)
    assert "national funds for non-specific requirements" in description(text, "007")


def test_current_nsr_note_is_restated_on_every_document_in_its_version(tmp_path: Path) -> None:
    # like every line description note; only the conversion to a new format waits for an
    # Amendment
    chain = Chain(with_nsr(qaa())).amend()
    amendment = chain.selection(tmp_path / "amendment").decision("LINE-ITEM-NSR")
    assert amendment.status == "printed" and amendment.lines == ("007",)
    assert "restated on every document" in amendment.reason
    chain.modify()
    modification = chain.selection(tmp_path / "modification").decision("LINE-ITEM-NSR")
    assert modification.status == "printed" and modification.version == "2"
    text = chain.text(tmp_path / "text")
    assert "national funds for non-specific requirements" in description(text, "007")
    assert description(text, "001")  # the other lines are still described


def test_modification_leaves_an_old_nsr_note_as_it_is(tmp_path: Path) -> None:
    chain = Chain(with_nsr(qaa())).modify(notes_in_force=[{"id": "LINE-ITEM-NSR", "version": "1"}])
    decision = chain.selection(tmp_path / "selection").decision("LINE-ITEM-NSR")
    assert decision.status == "in force" and decision.held.startswith("version 1")
    assert "national funds for non-specific requirements" not in chain.text(tmp_path / "text")


def test_bpc_case_has_no_nsr_text(tmp_path: Path) -> None:
    data = with_nsr(tab())
    chain = Chain(data)
    text = chain.text(tmp_path / "text")
    assert "national funds" not in text and "not yet programmed" not in text
    # the line is described like any other line of a BPC case
    assert description(text, "007").startswith("This line provides non-specific requirements")
    decision = chain.selection(tmp_path / "selection").decision("LINE-ITEM-NSR")
    assert decision.status == "out" and "FMS" in decision.reason
