"""Notes about the articles and services of a case, built on real documents and read as the
DOCX prints them: sole source, grant EDA, cargo preference, ammunition, training in the United
States, MTCR, end-use monitoring, NVDs, TOW-2B, security assurances, long lead-time items,
shipment consolidation, GPS PPS, COMSEC, TLA and the short OED note.

Each note has a Basic (or, for the Amendment and Modification notes of cases approved before
2011, a first Amendment or Modification) that must carry it, an Amendment or Modification that
must print it again, and one that must not (where the note then stays in force on the case).
The usage rules are those of the SAMM Appendix 6 loanote pages (see each note's references).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .helpers import PIPELINE, Chain, Doc, line, new_line, printed, qaa, tab, zea

NOTES = {
    "SOLE-SOURCE-FMS",
    "EDA-STORAGE-GRANT",
    "CARGO-PREFERENCE",
    "AMMUNITION-EXPLOSIVES",
    "TRAINING-HOMELAND-SECURITY",
    "MTCR",
    "END-USE-MONITORING",
    "NVD-SECURITY",
    "TOW-2B-SECURITY",
    "SECURITY-ASSURANCES",
    "CN-LONG-LEAD",
    "SHIPMENT-CONSOLIDATION",
    "GPS-SAASM",
    "COMSEC-FMS",
    "TLA-APPROVAL",
    "SHORT-OED",
}

SOLE_SOURCE = "Procurement Using Other Than Full and Open Competition"
EDA_STORAGE = "Excess Defense Articles (EDA) - Storage Charges for Grant EDA"
CARGO = "Cargo Preference Act"
AMMUNITION = "Ammunition and Other Explosives"
HOMELAND = "Training - Homeland Security Information and Forfeiture Charges"
MTCR = "Missile Technology Control Regime (MTCR)"
EUM = "End-Use Monitoring (EUM)"
NVD = "Night Vision Devices (NVDs) Physical Security and Accountability - FMS"
TOW = "Tube-Launched, Optically Tracked, Wire-Guided (TOW-2B) Missiles Physical Security and Accountability"
ASSURANCES = "Security Assurances"
LONG_LEAD = "Congressional Notification - Long Lead-Time Items"
CONSOLIDATION = "Shipment Consolidation - FMS"
GPS = "Global Positioning System Precise Positioning Service Equipment"
COMSEC = "Communications Security Equipment"
TLA = "Travel and Living Allowance"
SHORT_OED = "Offer Expiration Date"

_HEADING = re.compile(r"^\d+\. \S")


def section(text: str, title: str) -> str:
    """The text a note prints: its heading and the paragraphs up to the next note (or the
    Standard Terms and Conditions after the last)."""
    lines = text.splitlines()
    start = next(
        (i for i, ln in enumerate(lines) if _HEADING.match(ln) and ln.split(" ", 1)[1] == title),
        None,
    )
    assert start is not None, f"no note titled {title!r} is printed"
    out = [lines[start]]
    for ln in lines[start + 1 :]:
        if _HEADING.match(ln) or ln.startswith("Standard Terms and Conditions"):
            break
        out.append(ln)
    return "\n".join(out)


def status(chain: Chain, folder: Path, note_id: str) -> str:
    decision = chain.selection(folder).decision(note_id)
    assert decision is not None
    return decision.status


def with_lines(*lines: dict[str, Any]):
    """An edit adding `lines` to a document."""
    return lambda d: d["lines"].extend(lines)


def old_case(basic: Doc, oed: str = "2009-03-01", **document: Any) -> Doc:
    """`basic` as a Basic offered before 2011: an old offer expiration date, and purchaser
    references (and the sole source request) dated before it."""
    basic["document"].update(offer_expiration_date=oed, **document)
    basic["purchaser_references"] = [{"reference": "BN/MODAT/0812", "date": "2008-10-02"}]
    for ln in basic["lines"]:
        if ln.get("sole_source"):
            ln["sole_source"]["purchaser_request_date"] = "2008-10-02"
    return basic


# -- Procurement Using Other Than Full and Open Competition (SOLE-SOURCE-FMS) ----------------------


def test_sole_source_basic_names_the_designation(tmp_path: Path) -> None:
    note = section(Chain(qaa()).text(tmp_path), SOLE_SOURCE)
    assert (
        "By letter dated 14 February 2024, the Purchaser asked that Lockheed Martin Corporation"
        in note
    )
    assert "be the prime contractor for Line 001" in note
    assert "Department of Defense has accepted it" in note


def test_sole_source_amendment_adding_a_designation_prints_every_designation(
    tmp_path: Path,
) -> None:
    sub = new_line(
        "007",
        sole_source={
            "firm": "Rolls-Royce Corporation",
            "role": "subcontractor",
            "purchaser_request_date": "2025-07-01",
        },  # fmt: skip
    )
    chain = Chain(qaa()).amend(with_lines(sub))
    note = section(chain.text(tmp_path), SOLE_SOURCE)
    assert "Rolls-Royce Corporation be the subcontractor for Line 007" in note
    # the designation already on the case is listed with it ...
    assert "Lockheed Martin Corporation be the prime contractor for Line 001" in note
    # ... and the reader is told which one is new
    assert (
        "This Amendment adds or changes the designation for Line 007; the others are unchanged."
        in note
    )


def test_sole_source_modification_changing_the_firm_prints_it(tmp_path: Path) -> None:
    def other_firm(d: Doc) -> None:
        line(d, "001")["sole_source"].update(
            firm="Other Aero Corporation", purchaser_request_date="2025-06-02"
        )

    chain = Chain(qaa()).modify(other_firm)
    note = section(chain.text(tmp_path), SOLE_SOURCE)
    assert (
        "By letter dated 2 June 2025, the Purchaser asked that Other Aero Corporation be the prime contractor for Line 001"
        in note
    )
    assert "Lockheed Martin" not in note


def test_sole_source_not_reprinted_on_a_quantity_change(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend(lambda d: line(d, "001").update(quantity=3))
    assert not printed(chain.text(tmp_path / "a"), SOLE_SOURCE)
    assert status(chain, tmp_path / "b", "SOLE-SOURCE-FMS") == "in force"


def test_sole_source_text_without_the_request_date(tmp_path: Path) -> None:
    # The request date is optional in the case file (a check asks for it): the note still reads.
    data = qaa()
    del line(data, "001")["sole_source"]["purchaser_request_date"]
    document = PIPELINE.document(Chain(data).write(tmp_path))
    (note,) = [n for n in PIPELINE.select(document).notes if n.id == "SOLE-SOURCE-FMS"]
    assert note.body.startswith(
        "In writing, the Purchaser asked that Lockheed Martin Corporation be the prime contractor for Line 001."
    )


def test_sole_source_is_not_for_bpc(tmp_path: Path) -> None:
    assert not printed(Chain(tab()).text(tmp_path), SOLE_SOURCE)


# -- Excess Defense Articles (EDA) - Storage Charges for Grant EDA ----------------------------------


def grant_eda(number: str, value: int = 320000) -> dict[str, Any]:
    return new_line(
        number, masl="B1M113A3EDA", description="M113A3 ARMORED PERSONNEL CARRIER (EXCESS)",
        quantity=2, unit_cost=0, source_code="E", type_of_assistance="A", major_defense_equipment=True,
        eda={"kind": "grant", "acquisition_value": value, "approval_reference": "EDA authorization of 2 March 2026"},
    )  # fmt: skip


def test_eda_storage_basic_with_grant_eda(tmp_path: Path) -> None:
    note = section(Chain(zea()).text(tmp_path), EDA_STORAGE)
    assert "grant EDA on Line 001 within 60 days after this LOA is implemented" in note
    assert "1.5 percent a year (0.125 percent a month)" in note
    assert "Line 001: $6,400,000" in note


def test_eda_storage_amendment_adding_grant_eda(tmp_path: Path) -> None:
    chain = Chain(zea()).amend(with_lines(grant_eda("005")))
    note = section(chain.text(tmp_path), EDA_STORAGE)
    assert "grant EDA on Line 005 within 60 days after this Amendment is implemented" in note
    assert "Line 005: $320,000" in note and "Line 001" not in note


def test_eda_storage_restated_when_more_grant_eda_comes(tmp_path: Path) -> None:
    # more articles on the grant EDA line are materiel not on the case before
    chain = Chain(zea()).amend(
        lambda d: line(d, "001").update(quantity=line(d, "001")["quantity"] + 2)
    )
    note = section(chain.text(tmp_path / "a"), EDA_STORAGE)
    assert "grant EDA on Line 001 within 60 days after this Amendment is implemented" in note
    # a price change of the grant EDA line brings none
    priced = Chain(zea()).modify(
        lambda d: line(d, "001").update(unit_cost=line(d, "001")["unit_cost"] + 1)
    )
    assert not printed(priced.text(tmp_path / "m"), EDA_STORAGE)


def test_eda_storage_not_reprinted_when_nothing_is_added(tmp_path: Path) -> None:
    chain = Chain(zea()).modify(lambda d: line(d, "002").update(unit_cost=190000))
    assert not printed(chain.text(tmp_path / "a"), EDA_STORAGE)
    assert status(chain, tmp_path / "b", "EDA-STORAGE-GRANT") == "in force"


# -- Cargo Preference Act -----------------------------------------------------------------------------


def credit(data: Doc) -> Doc:
    data.update(terms_of_sale=["FMS Credit (Non-Repayable)"], funding="fmf")
    return data


def test_cargo_preference_basic_on_fms_credit(tmp_path: Path) -> None:
    note = section(Chain(credit(qaa())).text(tmp_path), CARGO)
    assert "financed with FMS Credit" in note and "U.S.-flag vessels" in note


def test_cargo_preference_basic_with_grant_eda(tmp_path: Path) -> None:
    assert printed(Chain(zea()).text(tmp_path), CARGO)


def test_cargo_preference_restated_on_every_document_of_a_credit_case(tmp_path: Path) -> None:
    chain = Chain(credit(qaa())).modify(lambda d: line(d, "002").update(unit_cost=6300000))
    assert printed(chain.text(tmp_path), CARGO)


def test_cargo_preference_cash_case_only_when_grant_eda_is_added(tmp_path: Path) -> None:
    chain = Chain(zea()).modify(lambda d: line(d, "002").update(unit_cost=190000))
    assert not printed(chain.text(tmp_path / "m1"), CARGO)
    chain.amend(with_lines(grant_eda("005")))
    assert printed(chain.text(tmp_path / "a1"), CARGO)
    chain.modify()
    assert not printed(chain.text(tmp_path / "m2"), CARGO)


def test_cargo_preference_restated_when_more_grant_eda_is_transferred(tmp_path: Path) -> None:
    # more articles on the grant EDA line are a transfer of grant EDA (the loanote page: mandatory
    # on Amendments and Modifications that transfer grant EDA), as EDA-STORAGE-GRANT counts it
    chain = Chain(zea()).amend(
        lambda d: line(d, "001").update(quantity=line(d, "001")["quantity"] + 3)
    )
    assert printed(chain.text(tmp_path / "a"), EDA_STORAGE)
    assert printed(chain.text(tmp_path / "a"), CARGO)
    decision = chain.selection(tmp_path / "s").decision("CARGO-PREFERENCE")
    assert decision.status == "printed" and "restated on every document where used_when" in (
        decision.reason
    )
    # a price change of the grant EDA line transfers none
    priced = Chain(zea()).amend(
        lambda d: line(d, "001").update(unit_cost=line(d, "001")["unit_cost"] + 1)
    )
    assert not printed(priced.text(tmp_path / "p"), CARGO)
    assert status(priced, tmp_path / "ps", "CARGO-PREFERENCE") == "in force"


def test_cargo_preference_stays_in_force_while_the_case_holds_grant_eda(tmp_path: Path) -> None:
    # an Amendment that adds no grant EDA neither restates the note nor deletes it: Line 001
    # still transfers grant EDA (DSCA 07-45: a note stays until a document deletes it)
    chain = Chain(zea()).amend(lambda d: line(d, "002").update(quantity=2))
    assert not printed(chain.text(tmp_path / "a1"), CARGO)
    assert status(chain, tmp_path / "s1", "CARGO-PREFERENCE") == "in force"
    # the document that takes the last grant EDA line off the case deletes it
    chain.amend(lambda d: d.update(lines=[ln for ln in d["lines"] if ln["number"] != "001"]))
    assert status(chain, tmp_path / "s2", "CARGO-PREFERENCE") == "deleted"


def test_cargo_preference_not_on_a_cash_case_without_grant_eda(tmp_path: Path) -> None:
    assert not printed(Chain(qaa()).text(tmp_path), CARGO)


# -- Ammunition and Other Explosives -----------------------------------------------------------------


def ammunition(number: str, description: str = "CARTRIDGE 30MM HEI") -> dict[str, Any]:
    return new_line(number, masl="E1A30MMHEI00", description=description, quantity=5000,
                    unit_cost=60, items=["ammunition"])  # fmt: skip


def test_ammunition_basic(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(ammunition("007"))
    note = section(Chain(data).text(tmp_path), AMMUNITION)
    assert "Line 007 provides ammunition or other explosives" in note
    assert "the U.S. Government is its own insurer" in note
    assert "the U.S. Government can recover the cost from its contractor" in note


def test_ammunition_amendment_adding_explosives(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(ammunition("007"))
    chain = Chain(data).amend(with_lines(ammunition("008", "DEMOLITION CHARGE")))
    note = section(chain.text(tmp_path), AMMUNITION)
    # the text names its lines and replaces the one in force (about Line 007): restated for both
    assert "Lines 007 and 008 provide ammunition or other explosives" in note
    decision = chain.selection(tmp_path / "s").decision("AMMUNITION-EXPLOSIVES")
    assert decision.status == "printed" and decision.lines == ("007", "008")
    assert "Line 008 is added by this Amendment: restated for Lines 007 and 008" in decision.reason


def test_ammunition_stays_in_force_on_a_modification_and_an_amendment_adding_none(
    tmp_path: Path,
) -> None:
    data = qaa()
    data["lines"].append(ammunition("007"))
    chain = Chain(data).modify(lambda d: line(d, "007").update(unit_cost=64))
    assert not printed(chain.text(tmp_path / "m"), AMMUNITION)
    assert status(chain, tmp_path / "ms", "AMMUNITION-EXPLOSIVES") == "in force"
    chain.amend(with_lines(new_line("008")))
    assert not printed(chain.text(tmp_path / "a"), AMMUNITION)
    assert status(chain, tmp_path / "as", "AMMUNITION-EXPLOSIVES") == "in force"


# -- Training - Homeland Security Information and Forfeiture Charges ----------------------------------


def training(number: str, location: str) -> dict[str, Any]:
    return new_line(
        number, masl="T1C130J0TRN2", description="LOADMASTER TRAINING", quantity=1,
        unit_of_issue="LO", unit_cost=350000, kind="training", offer_release_code="X",
        training={"location": location, "severable": True, "performance_period": "4 months"},
    )  # fmt: skip


def test_homeland_security_basic_with_training_in_the_united_states(tmp_path: Path) -> None:
    note = section(Chain(qaa()).text(tmp_path), HOMELAND)
    assert "Line 005 provides training of international students in the United States" in note
    assert (
        "Security Assistance Network (SAN) at least 16 calendar days before the report date" in note
    )
    assert "forfeiture charges" in note


def test_homeland_security_amendment_adding_conus_training(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend(with_lines(training("007", "CONUS")))
    note = section(chain.text(tmp_path), HOMELAND)
    # restated for the training the case had, too (the text names its lines)
    assert "Lines 005 and 007 provide training" in note


def test_homeland_security_not_for_training_abroad(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend(with_lines(training("007", "OCONUS")))
    assert not printed(chain.text(tmp_path / "a"), HOMELAND)
    assert status(chain, tmp_path / "s", "TRAINING-HOMELAND-SECURITY") == "in force"


def test_homeland_security_on_bpc_cases_too(tmp_path: Path) -> None:
    data = tab()
    assert not printed(Chain(data).text(tmp_path / "abroad"), HOMELAND)
    line(data, "003")["training"]["location"] = "CONUS"
    assert printed(Chain(data).text(tmp_path / "conus"), HOMELAND)


# -- Missile Technology Control Regime (MTCR) --------------------------------------------------------


def test_mtcr_not_on_the_basic_but_on_the_first_amendment_of_an_old_case(tmp_path: Path) -> None:
    chain = Chain(old_case(qaa()))
    assert not printed(chain.text(tmp_path / "b"), MTCR)
    assert status(chain, tmp_path / "bs", "MTCR") == "out"
    chain.amend(offer_expiration_date="2027-01-29")
    note = section(chain.text(tmp_path / "a"), MTCR)
    assert "section 74 of the Arms Export Control Act" in note and "section 73(a)" in note


def test_mtcr_first_modification_of_an_old_case(tmp_path: Path) -> None:
    chain = Chain(old_case(zea(), oed="2010-11-30")).modify()
    assert printed(chain.text(tmp_path), MTCR)


def test_mtcr_is_added_once(tmp_path: Path) -> None:
    chain = Chain(old_case(qaa())).amend(offer_expiration_date="2027-01-29").modify()
    assert not printed(chain.text(tmp_path / "m"), MTCR)
    assert status(chain, tmp_path / "s", "MTCR") == "in force"


def test_mtcr_reads_the_notes_the_case_carried_before_loagen(tmp_path: Path) -> None:
    carried = [{"id": "MTCR", "version": "2004"}]
    chain = Chain(old_case(qaa())).amend(offer_expiration_date="2027-01-29", notes_in_force=carried)
    assert not printed(chain.text(tmp_path / "a"), MTCR)
    assert status(chain, tmp_path / "s", "MTCR") == "in force"
    other = Chain(old_case(qaa())).amend(offer_expiration_date="2027-01-29", notes_in_force=[])
    assert printed(other.text(tmp_path / "b"), MTCR)


def test_mtcr_by_the_cwd_approval_date_not_the_offer_date(tmp_path: Path) -> None:
    # offered in 2011, approved by DSCA in December 2010: the case is before 2011
    basic = old_case(qaa(), oed="2011-03-01", cwd_approval_date="2010-12-15")
    assert printed(
        Chain(basic).amend(offer_expiration_date="2027-01-29").text(tmp_path / "a"), MTCR
    )
    later = old_case(qaa(), oed="2011-03-01", cwd_approval_date="2011-01-10")
    assert not printed(
        Chain(later).amend(offer_expiration_date="2027-01-29").text(tmp_path / "b"), MTCR
    )


def test_mtcr_never_on_cases_approved_from_2011(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend()
    assert not printed(chain.text(tmp_path / "a"), MTCR)
    assert status(chain, tmp_path / "s", "MTCR") == "out"


# -- End-Use Monitoring (EUM) ------------------------------------------------------------------------


def test_eum_on_the_first_amendment_of_an_old_case_pointing_to_the_eeum_items(
    tmp_path: Path,
) -> None:
    chain = Chain(old_case(zea(), oed="2008-06-30"))
    assert not printed(chain.text(tmp_path / "b"), EUM)
    chain.amend(offer_expiration_date="2027-01-29")
    note = section(chain.text(tmp_path / "a"), EUM)
    assert (
        "section 505 of the Foreign Assistance Act and section 40A of the Arms Export Control Act"
        in note
    )
    assert "Line 003 holds items designated for Enhanced End-Use Monitoring" in note


def test_eum_first_modification_without_eeum_items(tmp_path: Path) -> None:
    note = section(Chain(old_case(qaa())).modify().text(tmp_path), EUM)
    assert "inspections and inventories" in note and "Enhanced End-Use Monitoring" not in note


def test_eum_is_added_once(tmp_path: Path) -> None:
    chain = (
        Chain(old_case(zea(), oed="2008-06-30")).amend(offer_expiration_date="2027-01-29").modify()
    )
    assert not printed(chain.text(tmp_path / "m"), EUM)
    assert status(chain, tmp_path / "s", "END-USE-MONITORING") == "in force"


def test_eum_not_when_the_case_carries_an_earlier_eum_note(tmp_path: Path) -> None:
    carried = [{"id": "END-USE-MONITORING", "version": "1998"}]
    chain = Chain(old_case(zea(), oed="2008-06-30")).amend(
        offer_expiration_date="2027-01-29", notes_in_force=carried
    )
    assert not printed(chain.text(tmp_path / "a"), EUM)
    assert status(chain, tmp_path / "s", "END-USE-MONITORING") == "in force"


def test_eum_never_on_cases_approved_from_2011(tmp_path: Path) -> None:
    assert not printed(Chain(zea()).modify().text(tmp_path), EUM)


# -- Night Vision Devices (NVDs) Physical Security and Accountability - FMS -------------------------


def zea_2027() -> Doc:
    """BN-B-ZEA offered after the current NVD note text took effect."""
    data = zea()
    data["document"]["offer_expiration_date"] = "2027-01-15"
    return data


def test_nvd_basic_prints_the_current_text(tmp_path: Path) -> None:
    chain = Chain(zea_2027())
    note = section(chain.text(tmp_path / "t"), NVD)
    assert "night vision devices (NVDs) on Line 003" in note
    assert "written plan for their physical security and accountability" in note
    assert "controlled access, behind a double barrier" in note
    assert chain.selection(tmp_path / "s").decision("NVD-SECURITY").version == "2"


def test_nvd_basic_offered_before_the_current_text_prints_the_earlier_one(tmp_path: Path) -> None:
    note = section(Chain(zea()).text(tmp_path), NVD)
    assert "plan for the physical security and accountability of the NVDs" in note
    assert "double barrier" not in note


def test_nvd_amendment_adding_no_nvds_prints_the_newer_version(tmp_path: Path) -> None:
    # the Basic of 2025 carries version 1; an Amendment offered in 2027 must bring version 2
    chain = Chain(zea()).amend(offer_expiration_date="2027-02-01")
    note = section(chain.text(tmp_path / "a"), NVD)
    assert "double barrier" in note
    decision = chain.selection(tmp_path / "s").decision("NVD-SECURITY")
    assert decision.status == "printed" and decision.held == "version 1 since the Basic"


def test_nvd_amendment_of_a_case_that_carried_version_1_before_loagen(tmp_path: Path) -> None:
    carried = [{"id": "NVD-SECURITY", "version": "1"}]
    chain = Chain(zea_2027()).amend(notes_in_force=carried)
    assert "double barrier" in section(chain.text(tmp_path), NVD)


def test_nvd_not_reprinted_when_the_case_carries_the_current_version(tmp_path: Path) -> None:
    chain = Chain(zea_2027()).modify(lambda d: line(d, "003").update(quantity=130))
    assert not printed(chain.text(tmp_path / "m"), NVD)
    assert status(chain, tmp_path / "s", "NVD-SECURITY") == "in force"
    listed = Chain(zea_2027()).amend(notes_in_force=[{"id": "NVD-SECURITY", "version": "2"}])
    assert not printed(listed.text(tmp_path / "a"), NVD)


def test_nvd_amendment_adding_nvds_restates_the_note_for_every_nvd_line(tmp_path: Path) -> None:
    # The case carries the current version, about Line 003; an Amendment that adds NVDs must
    # include the note (the loanote page), and the text in force names Line 003 only.
    goggles = new_line("007", masl="H6P0PVS31A00", description="AN/PVS-31A BINOCULAR NVG",
                       quantity=250, unit_cost=13500, source_code="P", items=["nvd"])  # fmt: skip
    chain = Chain(zea_2027()).amend(lambda d: d["lines"].append(goggles))
    note = section(chain.text(tmp_path / "a"), NVD)
    assert "night vision devices (NVDs) on Lines 003 and 007" in note
    decision = chain.selection(tmp_path / "s").decision("NVD-SECURITY")
    assert decision.status == "printed" and decision.lines == ("003", "007")
    assert "Line 007 is added by this Amendment: restated for Lines 003 and 007" in decision.reason


def test_nvd_amendment_adding_more_nvds_on_a_line_restates_the_note(tmp_path: Path) -> None:
    # "Amendments that add additional NVDs" carry the note: more goggles on Line 003 are more
    # NVDs, though no line is added (the case carries the current version)
    chain = Chain(zea_2027()).amend(lambda d: line(d, "003").update(quantity=130))
    assert "night vision devices (NVDs) on Line 003" in section(chain.text(tmp_path / "a"), NVD)
    decision = chain.selection(tmp_path / "s").decision("NVD-SECURITY")
    assert decision.status == "printed"
    assert "Line 003 is added or raised by this Amendment: restated for Line 003" in (
        decision.reason
    )


def test_nvd_an_undated_modification_never_brings_back_the_older_version(tmp_path: Path) -> None:
    # Modification 1, dated 2027, refreshes the 2025 Basic's version 1 to version 2; Modification
    # 2 gives no date, so its note date is the Basic's 2025 offer expiration date, when version 1
    # was in force: the case keeps version 2 (not printed again in version 1)
    chain = Chain(zea()).modify(date="2027-03-01")
    assert "double barrier" in section(chain.text(tmp_path / "m1"), NVD)
    chain = chain.modify(lambda d: line(d, "003").update(unit_cost=5100))
    assert not printed(chain.text(tmp_path / "m2"), NVD)
    decision = chain.selection(tmp_path / "s").decision("NVD-SECURITY")
    assert decision.status == "in force" and decision.held == "version 2 since Modification 1"


# -- TOW-2B Missiles Physical Security and Accountability ---------------------------------------------


def tow(number: str = "007", traits: tuple[str, ...] = ("tow_2b", "mtcr")) -> dict[str, Any]:
    return new_line(number, masl="E1BGM71F0TOW", description="BGM-71F TOW-2B MISSILE", quantity=40,
                    unit_cost=95000, source_code="P", items=list(traits))  # fmt: skip


def test_tow_basic_names_the_sco(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(tow())
    data["sco_name"] = "Office of Defense Cooperation Bandaria"
    note = section(Chain(data).text(tmp_path), TOW)
    assert (
        "Office of Defense Cooperation Bandaria, may inspect and take inventory of every TOW-2B missile transferred under Line 007"
        in note
    )
    assert "inventory and accountability records" in note


def test_tow_text_without_the_sco_name(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(tow())
    note = section(Chain(data).text(tmp_path), TOW)
    assert (
        "The U.S. Security Cooperation Organization (SCO) in the Purchaser's country may inspect"
        in note
    )


def test_tow_amendment_of_a_case_carrying_another_version(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(tow())
    chain = Chain(data).amend(notes_in_force=[{"id": "TOW-2B-SECURITY", "version": "0"}])
    assert printed(chain.text(tmp_path), TOW)


def test_tow_not_reprinted_when_the_case_carries_the_current_text(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(tow())
    chain = Chain(data).amend(with_lines(new_line("008")))
    assert not printed(chain.text(tmp_path / "a"), TOW)
    assert status(chain, tmp_path / "s", "TOW-2B-SECURITY") == "in force"


def test_tow_not_for_other_missiles(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(tow(traits=("mtcr",)))
    assert not printed(Chain(data).text(tmp_path), TOW)


# -- Security Assurances -------------------------------------------------------------------------------


def classified(number: str) -> dict[str, Any]:
    return new_line(number, masl="A1CRYPTOMOD0", description="CLASSIFIED MISSION COMPUTER",
                    quantity=2, unit_cost=400000, items=["classified"])  # fmt: skip


PLAN = {
    "method": "transportation_plan",
    "text": "the Purchaser's freight forwarder collects the materiel at Dover AFB under the "
    "approved Transportation Plan of the Bandarian Ministry of Defence",
}


def test_security_assurances_basic(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(classified("007"))
    data["security_assurances"] = PLAN
    note = section(Chain(data).text(tmp_path), ASSURANCES)
    assert "custody in the United States of the classified materiel on Line 007" in note
    assert "only under a Transportation Plan the U.S. Government has approved" in note
    assert "The Purchaser's freight forwarder collects the materiel at Dover AFB" in note


def test_security_assurances_transmission_instructions(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(classified("007"))
    data["security_assurances"] = {"method": "transmission_instructions",
                                   "text": "Hand carry by cleared Bandarian couriers from the depot."}  # fmt: skip
    note = section(Chain(data).text(tmp_path), ASSURANCES)
    assert "moves under these transmission instructions" in note and "Hand carry by cleared" in note


def test_security_assurances_amendment_adding_classified_materiel(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(classified("007"))
    data["security_assurances"] = PLAN
    chain = Chain(data).amend(with_lines(classified("008")))
    note = section(chain.text(tmp_path), ASSURANCES)
    # restated for the classified materiel the case had, too (the text names its lines)
    assert "classified materiel on Lines 007 and 008" in note


def test_security_assurances_not_reprinted_without_new_classified_materiel(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(classified("007"))
    data["security_assurances"] = PLAN
    chain = Chain(data).amend(with_lines(new_line("008")))
    assert not printed(chain.text(tmp_path / "a"), ASSURANCES)
    assert status(chain, tmp_path / "s", "SECURITY-ASSURANCES") == "in force"


def test_security_assurances_not_without_custody_in_the_united_states(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(classified("007"))
    assert not printed(Chain(data).text(tmp_path), ASSURANCES)


# -- Congressional Notification - Long Lead-Time Items ------------------------------------------------


def long_lead() -> Doc:
    data = qaa()
    data["long_lead_pending_notification"] = True
    return data


def test_long_lead_basic(tmp_path: Path) -> None:
    note = section(Chain(long_lead()).text(tmp_path), LONG_LEAD)
    assert "long lead-time items" in note and "notified to the U.S. Congress" in note
    assert "The Purchaser accepts the risk that the Amendment is never offered." in note


def test_long_lead_restated_basic_prints_it_again(tmp_path: Path) -> None:
    data = long_lead()
    data["document"]["restated"] = {"previous_offer_date": "2025-05-01"}
    assert printed(Chain(data).text(tmp_path), LONG_LEAD)


def test_long_lead_not_on_amendments_but_in_force_until_the_flag_is_cleared(tmp_path: Path) -> None:
    # The page gives no Amendment or Modification rule: the note stays on the case, unprinted ...
    chain = Chain(long_lead()).amend()
    assert not printed(chain.text(tmp_path / "a1"), LONG_LEAD)
    assert status(chain, tmp_path / "s1", "CN-LONG-LEAD") == "in force"
    # ... until the Amendment for the whole sale, after the notification, deletes it.
    chain.amend(lambda d: d.update(long_lead_pending_notification=False))
    assert not printed(chain.text(tmp_path / "a2"), LONG_LEAD)
    assert status(chain, tmp_path / "s2", "CN-LONG-LEAD") == "deleted"


def test_long_lead_not_without_pending_notification(tmp_path: Path) -> None:
    assert not printed(Chain(qaa()).text(tmp_path), LONG_LEAD)


# -- Shipment Consolidation - FMS ---------------------------------------------------------------------


def consolidation(*lines: str) -> dict[str, Any]:
    return {"point": "Bandaria Consolidation Facility",
            "address": ["Building 7, Port Aster Free Zone", "Port Aster", "Republic of Bandaria"],
            "lines": list(lines)}  # fmt: skip


def consolidated(*lines: str) -> Doc:
    data = qaa()
    data["shipment_consolidation"] = consolidation(*lines)
    return data


def test_consolidation_basic(tmp_path: Path) -> None:
    note = section(Chain(consolidated("002", "003")).text(tmp_path), CONSOLIDATION)
    assert (
        "Materiel on Lines 002 and 003 is sent first to a consolidation point, Bandaria Consolidation Facility, Building 7, Port Aster Free Zone, Port Aster, Republic of Bandaria"
        in note
    )
    assert "more than 90 days after title passes" in note


def test_consolidation_amendment_adding_consolidated_shipments_to_a_case_without_the_note(
    tmp_path: Path,
) -> None:
    def consolidate(d: Doc) -> None:
        d["lines"].append(new_line("007"))
        d["shipment_consolidation"] = consolidation("002", "003", "007")

    chain = Chain(qaa()).amend(consolidate)
    note = section(chain.text(tmp_path / "a"), CONSOLIDATION)
    assert "Lines 002, 003 and 007" in note
    earlier = Chain(consolidated("002", "003")).amend(consolidate, notes_in_force=[])
    assert printed(earlier.text(tmp_path / "b"), CONSOLIDATION)


def test_consolidation_not_reprinted_once_on_the_case(tmp_path: Path) -> None:
    def more(d: Doc) -> None:
        d["lines"].append(new_line("007"))
        d["shipment_consolidation"]["lines"].append("007")

    chain = Chain(consolidated("002", "003")).amend(more)
    assert not printed(chain.text(tmp_path / "a"), CONSOLIDATION)
    assert status(chain, tmp_path / "s", "SHIPMENT-CONSOLIDATION") == "in force"


# -- GPS Precise Positioning Service equipment (no loanote page found) --------------------------------


def gps(number: str) -> dict[str, Any]:
    return new_line(
        number, masl="A1GPSSAASM00", description="GPS RECEIVER WITH SAASM", items=["gps_saasm"]
    )


def test_gps_basic(tmp_path: Path) -> None:
    note = section(Chain(qaa()).text(tmp_path), GPS)
    assert (
        "Line 001 includes Global Positioning System (GPS) Precise Positioning Service (PPS) equipment"
        in note
    )


def test_gps_amendment_adding_equipment(tmp_path: Path) -> None:
    note = section(Chain(qaa()).amend(with_lines(gps("007"))).text(tmp_path), GPS)
    # restated for the equipment the case had, too (the text names its lines)
    assert note.splitlines()[1].startswith("Lines 001 and 007 include")


def test_gps_not_reprinted_without_new_equipment(tmp_path: Path) -> None:
    chain = Chain(qaa()).modify()
    assert not printed(chain.text(tmp_path / "m"), GPS)
    assert status(chain, tmp_path / "s", "GPS-SAASM") == "in force"


# -- Communications Security Equipment (FMS; no loanote page found) -----------------------------------


def comsec(number: str = "007") -> dict[str, Any]:
    return new_line(number, masl="A1KIV77COMS0", description="KIV-77 CRYPTOGRAPHIC APPLIQUE",
                    items=["comsec", "eeum"])  # fmt: skip


def test_comsec_basic(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(comsec())
    note = section(Chain(data).text(tmp_path), COMSEC)
    assert "(COMSEC) equipment on Line 007" in note and "National Security Agency" in note


def test_comsec_amendment_of_a_case_carrying_another_version(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(comsec())
    chain = Chain(data).amend(notes_in_force=[{"id": "COMSEC-FMS", "version": "0"}])
    assert printed(chain.text(tmp_path), COMSEC)


def test_comsec_not_reprinted_when_the_case_carries_the_current_text(tmp_path: Path) -> None:
    data = qaa()
    data["lines"].append(comsec())
    chain = Chain(data).amend(with_lines(new_line("008")))
    assert not printed(chain.text(tmp_path / "a"), COMSEC)
    assert status(chain, tmp_path / "s", "COMSEC-FMS") == "in force"
    # More COMSEC: the text in force names Line 007 only, so it differs from the text of the
    # case now: restated for both lines
    chain = Chain(data).amend(with_lines(comsec("008")))
    assert "Lines 007 and 008" in section(chain.text(tmp_path / "b"), COMSEC)


# -- Travel and Living Allowance (DSCA 09-24; no loanote page found) --------------------------------


def test_tla_basic(tmp_path: Path) -> None:
    data = qaa()
    line(data, "005")["training"]["tla_approval_date"] = "2025-03-12"
    note = section(Chain(data).text(tmp_path), TLA)
    assert "the training on Line 005 includes Travel and Living Allowance (TLA)" in note
    assert "TLA for Line 005 was approved on 12 March 2025." in note


def test_tla_amendment_adding_training_with_tla(tmp_path: Path) -> None:
    added = training("007", "CONUS")
    added["training"]["travel_and_living_allowance"] = True
    note = section(Chain(qaa()).amend(with_lines(added)).text(tmp_path), TLA)
    # restated for the training with TLA the case had, too (the text names its lines)
    assert "the training on Lines 005 and 007 includes" in note


def test_tla_not_reprinted_without_new_tla(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend(with_lines(training("007", "CONUS")))
    assert not printed(chain.text(tmp_path / "a"), TLA)
    assert status(chain, tmp_path / "s", "TLA-APPROVAL") == "in force"


def test_tla_not_before_dsca_09_24(tmp_path: Path) -> None:
    assert not printed(Chain(old_case(qaa())).text(tmp_path), TLA)


# -- Offer Expiration Date (short OED; LSG-4, no loanote page found) --------------------------------


def short(data: Doc, reason: str = "the price quotation expires on that date") -> Doc:
    data["document"]["short_oed_reason"] = reason
    return data


def test_short_oed_basic(tmp_path: Path) -> None:
    note = section(Chain(short(qaa())).text(tmp_path), SHORT_OED)
    assert "This offer expires on 30 June 2025, sooner than the standard offer period" in note
    assert "The price quotation expires on that date." in note


def test_short_oed_amendment_with_a_short_oed_prints_it_again(tmp_path: Path) -> None:
    chain = Chain(short(qaa())).amend(short_oed_reason="the contract option lapses then")
    note = section(chain.text(tmp_path), SHORT_OED)
    assert "The contract option lapses then." in note


def test_short_oed_not_on_an_amendment_with_a_standard_oed(tmp_path: Path) -> None:
    chain = Chain(short(qaa())).modify()
    assert not printed(chain.text(tmp_path / "m"), SHORT_OED)
    assert status(chain, tmp_path / "ms", "SHORT-OED") == "in force"
    chain.amend()
    assert not printed(chain.text(tmp_path / "a"), SHORT_OED)
    assert status(chain, tmp_path / "as", "SHORT-OED") == "deleted"


# -- restatement and case closure: the case description says it, no note does -------------------------


def test_restatement_and_closure_are_in_the_case_description_not_in_notes(tmp_path: Path) -> None:
    restated = Chain(qaa()).amend(restated={"previous_offer_date": "2025-09-01"})
    text = restated.text(tmp_path / "r")
    assert (
        "This Amendment is a RESTATED document which supersedes the previous version offered on 1 September 2025."
        in text
    )
    assert not re.search(r"^\d+\. Restated", text, re.M)
    closing = Chain(qaa()).modify(case_closure=True)
    text = closing.text(tmp_path / "c")
    assert "This Modification is for CASE CLOSURE, which" in text
    assert not re.search(r"^\d+\. Case Closure", text, re.M)
