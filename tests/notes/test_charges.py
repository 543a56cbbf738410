"""The charge, surcharge, waiver and nonrecurring cost notes, read as the DOCX prints them.

Each note has a Basic (or first document) that must carry it, an Amendment or Modification that
must print it again, and one that must not, as its Appendix 6 usage rule says (see the comments
in each note file).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ..conftest import example
from .helpers import Chain, Doc, line, new_line, printed, qaa, tab

NOTES = {
    "ACCESSORIAL-CHARGES", "CAS-SURCHARGE", "ADMIN-SURCHARGE", "ADMIN-SURCHARGE-RATE-CHANGE",
    "ADMIN-SURCHARGE-WAIVER-AWACS", "ADMIN-SURCHARGE-WAIVER-NSPO", "ADMIN-SURCHARGE-WAIVER-RTA",
    "SCML", "NC-WAIVED", "NC-FMS-CREDIT", "NC-USG-GRANT", "NC-COOPERATIVE",
    "NC-WAIVER-UNDER-REVIEW", "ARMY-PROGRAM-SUPPORT-CHARGE", "CLSSA-FMSO-I",
    "CLSSA-FMSO-I-SURCHARGE", "CLSSA-FMSO-II", "RAPS", "OFFSET-COSTS",
}  # fmt: skip

ACCESSORIAL = "Accessorial Charges"
CAS = "Contract Administration Services (CAS) Surcharge"
ADMIN = "Administrative Surcharge"
RATE_CHANGE = "Administrative Surcharge Rate Change"
AWACS = "Administrative Surcharge Waiver - NATO AWACS"
NSPO = "Administrative Surcharge Waiver - NSPO"
RTA = "Administrative Surcharge Waiver - Reciprocal Training Agreement"
SCML = "Small Case Management Line (SCML)"
NC_WAIVED = "Nonrecurring Costs - Waiver Approved"
NC_CREDIT = "Nonrecurring Costs - FMS Credit (Non-Repayable)"
NC_GRANT = "Nonrecurring Costs - U.S. Government Grant"
NC_COOP = "Nonrecurring Costs - Cooperative Agreements"
NC_REVIEW = "Nonrecurring Costs - Waiver Under Review"
PSC = "Army Program Support Charge"
FMSO_I = "Cooperative Logistics Supply Support Arrangement (CLSSA) - FMSO I Purpose"
FMSO_I_SURCHARGE = "Cooperative Logistics Supply Support Arrangement (CLSSA) - Supply Support Arrangement Surcharge"
FMSO_II = "Cooperative Logistics Supply Support Arrangement (CLSSA) - FMSO II"
RAPS = "Risk Assessed Payment Schedules (RAPS)"
OFFSET = "Offset Costs"


# -- reading the text --------------------------------------------------------------------------------


def _heading(title: str) -> re.Pattern[str]:
    return re.compile(rf"(\d+\. )?{re.escape(title)}")


def heading(text: str, title: str) -> bool:
    """The note titled exactly `title` is printed: "N. title" in the notes, or the title alone
    under the payment schedule (a title that only starts another note's title does not count)."""
    pattern = _heading(title)
    return any(pattern.fullmatch(ln) for ln in text.splitlines())


def body(text: str, title: str) -> str:
    """The text printed under the heading of the note titled `title` ("" when not printed)."""
    lines = text.splitlines()
    pattern = _heading(title)
    for i, ln in enumerate(lines):
        if pattern.fullmatch(ln):
            out = []
            for nxt in lines[i + 1 :]:
                if (
                    re.match(r"\d+\. ", nxt)
                    or nxt in ("Notes", "Line Items")
                    or nxt.startswith("Standard Terms and Conditions")
                ):
                    break
                out.append(nxt)
            return " ".join(out)
    return ""


def build(chain: Chain, tmp_path: Path, name: str = "case") -> str:
    return chain.text(tmp_path / name)


def status(chain: Chain, tmp_path: Path, note_id: str, name: str = "sel") -> str:
    decision = chain.selection(tmp_path / name).decision(note_id)
    assert decision is not None
    return decision.status


# -- case builders -----------------------------------------------------------------------------------


def kaa() -> Doc:
    """The FMS example Basic BN-P-KAA (a CLSSA FMSO I case)."""
    return example("BN-P-KAA/basic")


def fmso_ii() -> Doc:
    """A CLSSA FMSO II Basic made from BN-P-KAA."""
    data = kaa()
    data.update(
        case_id="BN-P-KAB", category="clssa_fmso_ii", terms_of_sale=["Cash Prior to Delivery"]
    )
    line(data, "001").update(
        masl="K1CLSSAFMSO2", description="FMSO II REQUISITIONS, PATROL BOAT SPARE PARTS"
    )
    return data


def section_333() -> Doc:
    """BN-B-TAB with its fund source: Section 333 (Title 10), offered in 2026, P and X lines."""
    data = tab()
    data["fund_source"] = {"program": "Section 333", "fiscal_year": "FY26"}
    return data


def cash_only(data: Doc) -> Doc:
    data["terms_of_sale"] = ["Cash Prior to Delivery"]
    return data


def of_2009() -> Doc:
    """BN-D-QAA as a case offered in 2009 (approved for offer before 2011, accepted in the SCML
    window)."""
    data = qaa()
    data["document"]["offer_expiration_date"] = "2009-03-31"
    data["purchaser_references"] = [{"reference": "BN/MODAT/0812", "date": "2008-09-01"}]
    first = line(data, "001")
    first["sole_source"]["purchaser_request_date"] = "2008-09-01"
    first["nonrecurring_cost"]["waiver"]["date"] = "2008-11-20"
    return data


def of_2015() -> Doc:
    data = of_2009()
    data["document"]["offer_expiration_date"] = "2015-03-31"
    return data


def scml_line(number: str = "007") -> dict[str, Any]:
    return new_line(
        number, masl="R1SCML000000", description="SMALL CASE MANAGEMENT LINE", quantity=1,
        unit_of_issue="LO", unit_cost=9500, kind="services", months="1-60", scml=True,
    )  # fmt: skip


def reprice(number: str, unit_cost: int):
    """An edit changing only the unit cost of line `number` (the tests lower it: see
    test_nc_waived_not_restated_on_a_price_change)."""
    return lambda d: line(d, number).update(unit_cost=unit_cost)


# -- ACCESSORIAL-CHARGES ------------------------------------------------------------------------------


def _accessorial_lines(data: Doc) -> None:
    data["accessorial"].update(transportation_lines=["001", "003"], lookup_table_lines=["003"])


def test_accessorial_basic_names_the_lines_of_each_charge(tmp_path: Path) -> None:
    data = qaa()
    _accessorial_lines(data)
    chain = Chain(data)
    text = build(chain, tmp_path)
    assert printed(text, ACCESSORIAL)
    note = body(text, ACCESSORIAL)
    assert (
        "Packing, crating and handling (PC&H) charges have been applied to the relevant parts "
        "of Lines 001-004." in note
    )
    assert (
        "Transportation charges have been applied to the relevant parts of Lines 001 and 003."
        in note
    )
    assert (
        "The transportation charges for Line 003 were worked out with the Transportation Cost Look-Up Table of SAMM Appendix 2."
        in note
    )
    assert "$1,240,000" not in note  # the cost summary gives the amounts
    assert chain.selection(tmp_path / "sel").decision("ACCESSORIAL-CHARGES").version == "688"


def test_accessorial_transportation_names_grant_eda_lines_too(tmp_path: Path) -> None:
    # Grant EDA is given at no price but still shipped: transportation falls on it; PC&H, figured
    # on value, on the priced lines only (BN-B-ZEA: 20 grant EDA M113s on Line 001, NVDs on 003)
    note = body(build(Chain(example("BN-B-ZEA/basic")), tmp_path), ACCESSORIAL)
    assert "(PC&H) charges have been applied to the relevant parts of Line 003." in note
    assert (
        "Transportation charges have been applied to the relevant parts of Lines 001 and 003."
        in note
    )
    # a line priced $0 that is not grant EDA is not named for either charge
    data = example("BN-B-ZEA/basic")
    data["lines"].append(new_line("005", unit_cost=0))
    note = body(build(Chain(data), tmp_path, "zero"), ACCESSORIAL)
    assert "relevant parts of Lines 001 and 003." in note and "005" not in note


def test_accessorial_is_restated_on_a_price_only_modification(tmp_path: Path) -> None:
    data = qaa()
    _accessorial_lines(data)
    chain = Chain(data).modify(reprice("004", 430000))
    text = build(chain, tmp_path)
    assert printed(text, ACCESSORIAL)
    assert "relevant parts of Lines 001 and 003" in body(text, ACCESSORIAL)
    assert status(chain, tmp_path, "ACCESSORIAL-CHARGES") == "printed"


def test_accessorial_goes_when_the_charges_go(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend(
        lambda d: d["accessorial"].update(packing_crating_handling=0, transportation=0)
    )
    text = build(chain, tmp_path)
    assert not printed(text, ACCESSORIAL)
    assert status(chain, tmp_path, "ACCESSORIAL-CHARGES") == "deleted"


def test_accessorial_version_by_date_and_kept_for_the_life_of_the_case(tmp_path: Path) -> None:
    before = qaa()
    before["document"]["date"] = "2025-02-10"  # written before DSCA 25-24 took effect
    chain = Chain(before)
    text = build(chain, tmp_path, "basic")
    assert "Transportation charges of $1,240,000 are estimated for Lines 001-004" in body(
        text, ACCESSORIAL
    )
    assert chain.selection(tmp_path / "s1").decision("ACCESSORIAL-CHARGES").version == "1"
    # the Amendment, dated after 24 March 2025, restates the version the case carries (LSG-6)
    chain.amend(lambda d: d["accessorial"].update(transportation=1300000))
    text = build(chain, tmp_path, "amendment")
    assert "Transportation charges of $1,300,000 are estimated" in body(text, ACCESSORIAL)
    assert chain.selection(tmp_path / "s2").decision("ACCESSORIAL-CHARGES").version == "1"
    # a Basic written on the day DSCA 25-24 took effect prints the new text
    after = qaa()
    after["document"]["date"] = "2025-03-24"
    text = build(Chain(after), tmp_path, "new")
    assert "have been applied to the relevant parts of Lines 001-004" in body(text, ACCESSORIAL)


# -- CAS-SURCHARGE -----------------------------------------------------------------------------------


def test_cas_basic_states_the_rates_for_procurement_lines(tmp_path: Path) -> None:
    data = qaa()
    data["cas"] = {
        "overseas": True,
        "waiver": {"components": ["contract_audit", "overseas"], "reference": "DSCA I-25/001234",
                   "date": "2025-01-10"},
    }  # fmt: skip
    text = build(Chain(data), tmp_path)
    assert printed(text, CAS)
    note = body(text, CAS)
    assert "included for Lines 001-003: 0.65% for contract administration" in note
    assert "0.2% for contract audit" in note and "Source Code X" in note
    assert "Overseas CAS is also charged" in note
    waived = note.split("waived under DSCA I-25/001234 of 10 January 2025:")[1]
    assert [part.strip() for part in waived.split("\u2022")] == [
        "",
        "contract audit",
        "overseas CAS",
    ]


def test_cas_restated_by_an_amendment_adding_stock_lines_only(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend(lambda d: d["lines"].append(new_line("007")))
    text = build(chain, tmp_path)
    assert "included for Lines 001-003:" in body(text, CAS)
    assert "Overseas CAS" not in body(text, CAS)
    assert status(chain, tmp_path, "CAS-SURCHARGE") == "printed"


def test_cas_goes_with_the_last_procurement_line(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend(
        lambda d: d.update(lines=[ln for ln in d["lines"] if ln["source_code"] not in ("P", "X")])
    )
    text = build(chain, tmp_path)
    assert not printed(text, CAS)
    assert status(chain, tmp_path, "CAS-SURCHARGE") == "deleted"


def test_cas_left_out_of_title_10_bpc_loas_developed_from_august_2020(tmp_path: Path) -> None:
    chain = Chain(section_333()).modify()
    assert not printed(build(chain, tmp_path, "t10"), CAS)
    assert status(chain, tmp_path, "CAS-SURCHARGE") == "out"
    # a Title 22 program keeps it
    data = section_333()
    data["fund_source"]["title"] = 22
    assert "included for Lines 001 and 002:" in body(build(Chain(data), tmp_path, "t22"), CAS)


# -- ADMIN-SURCHARGE ---------------------------------------------------------------------------------


def test_admin_surcharge_basic(tmp_path: Path) -> None:
    text = build(Chain(qaa()), tmp_path)
    assert heading(text, ADMIN)
    assert (
        "An administrative surcharge of 3.2% of the line value is included for Lines 001-006."
        in body(text, ADMIN)
    )


def test_admin_surcharge_names_only_the_lines_that_bear_it(tmp_path: Path) -> None:
    # BN-B-ZEA: Line 001 is grant EDA at no price, and bears no surcharge
    text = build(Chain(example("BN-B-ZEA/basic")), tmp_path)
    assert "3.2% of the line value is included for Lines 002-004." in body(text, ADMIN)


def test_admin_surcharge_restated_on_every_modification(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend(lambda d: d["lines"].append(new_line("007"))).modify()
    text = build(chain, tmp_path)
    assert heading(text, ADMIN)
    assert "3.2% of the line value is included for Lines 001-007." in body(text, ADMIN)


def test_admin_surcharge_not_on_documents_without_a_surcharge(tmp_path: Path) -> None:
    chain = Chain(tab()).amend()  # BPC from 1 October 2020: no administrative surcharge
    text = build(chain, tmp_path)
    assert not heading(text, ADMIN)
    assert status(chain, tmp_path, "ADMIN-SURCHARGE") == "out"
    assert not heading(build(Chain(kaa()), tmp_path, "fmso"), ADMIN)


# -- ADMIN-SURCHARGE-RATE-CHANGE ---------------------------------------------------------------------


def test_rate_change_on_a_basic_offered_after_june_2018(tmp_path: Path) -> None:
    text = build(Chain(qaa()), tmp_path)
    note = body(text, RATE_CHANGE)
    assert "From 1 June 2018 the administrative surcharge rate is 3.2 percent." in note
    assert "added scope of this LOA" in note and "keeps the 3.5 percent rate" in note


def test_rate_change_added_again_by_a_later_amendment(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend()
    text = build(chain, tmp_path)
    assert "added scope of this Amendment" in body(text, RATE_CHANGE)
    assert status(chain, tmp_path, "ADMIN-SURCHARGE-RATE-CHANGE") == "printed"


def test_rate_change_deleted_by_the_first_modification_after_implementation(tmp_path: Path) -> None:
    chain = Chain(qaa()).modify()
    text = build(chain, tmp_path)
    assert not heading(text, RATE_CHANGE)
    selection = chain.selection(tmp_path / "sel")
    assert selection.decision("ADMIN-SURCHARGE-RATE-CHANGE").status == "deleted"
    assert "ADMIN-SURCHARGE-RATE-CHANGE" not in {n.note_id for n in selection.after}


def test_rate_change_names_the_old_rate_of_the_case_lines(tmp_path: Path) -> None:
    # A case implemented in 2009 (3.8 percent) amended in 2026: its older documents keep the
    # rate of their lines, the one the Administrative Surcharge note prints for them.
    chain = Chain(of_2009()).amend(
        lambda d: d["lines"].append(new_line("009")), offer_expiration_date="2026-09-30"
    )
    text = build(chain, tmp_path)
    assert "An administrative surcharge of 3.8% of the line value" in body(text, ADMIN)
    note = body(text, RATE_CHANGE)
    assert "A document accepted before 1 June 2018 keeps the 3.8 percent rate." in note
    assert "offered at 3.5 percent and accepted on or after 1 June 2018" in note  # as before


def test_rate_change_names_each_old_rate_oldest_first(tmp_path: Path) -> None:
    chain = (
        Chain(of_2009())
        .amend(lambda d: d["lines"].append(new_line("009")), offer_expiration_date="2014-03-31")
        .amend(lambda d: d["lines"].append(new_line("010")), offer_expiration_date="2026-09-30")
    )
    note = body(build(chain, tmp_path), RATE_CHANGE)
    assert "A document accepted before 1 June 2018 keeps the 3.8 or 3.5 percent rate." in note


def test_rate_change_not_on_an_offer_expiring_before_june_2018(tmp_path: Path) -> None:
    data = of_2009()
    data["document"]["offer_expiration_date"] = "2018-05-31"
    chain = Chain(data)
    assert not heading(build(chain, tmp_path), RATE_CHANGE)
    assert status(chain, tmp_path, "ADMIN-SURCHARGE-RATE-CHANGE") == "out"


# -- ADMIN-SURCHARGE-WAIVER-AWACS ---------------------------------------------------------------------


def awacs(code: str = "N1", amount: int | None = 4_180_000) -> Doc:
    data = cash_only(qaa())
    data["case_id"] = f"{code}-D-AAA"
    data["admin_surcharge_waiver"] = {"kind": "nato_awacs"}
    if amount is not None:
        data["admin_surcharge_waiver"]["amount"] = amount
    return data


def test_awacs_basic_states_the_waived_amount(tmp_path: Path) -> None:
    text = build(Chain(awacs()), tmp_path)
    note = body(text, AWACS)
    assert (
        "NATO Airborne Warning and Control System (AWACS)" in note and "10 U.S.C. 2350(e)" in note
    )
    assert "come to $4,180,000" in note and "not reimbursed" in note
    assert "13 December 1979 and 18 April 1997" in note
    assert not heading(text, ADMIN)  # no surcharge is charged


def test_awacs_without_an_amount_states_the_surcharges_worked_out_from_the_lines(
    tmp_path: Path,
) -> None:
    data = awacs(amount=None)
    # every line of the Basic at the rate in force on its offer expiration date (3.2 percent)
    waived = sum(round(ln["quantity"] * ln["unit_cost"] * 0.032) for ln in data["lines"])
    text = build(Chain(data), tmp_path)
    assert f"come to ${waived:,}" in body(text, AWACS)
    assert waived > 0 and not heading(text, ADMIN)


def test_awacs_restated_on_a_modification(tmp_path: Path) -> None:
    chain = Chain(awacs("W1", 2_500_000)).modify(reprice("004", 430000))
    text = build(chain, tmp_path)
    assert "come to $2,500,000" in body(text, AWACS)
    assert status(chain, tmp_path, "ADMIN-SURCHARGE-WAIVER-AWACS") == "printed"


def test_awacs_never_on_other_countries(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend()
    assert not printed(build(chain, tmp_path), AWACS)
    assert status(chain, tmp_path, "ADMIN-SURCHARGE-WAIVER-AWACS") == "out"


# -- ADMIN-SURCHARGE-WAIVER-NSPO ----------------------------------------------------------------------


def nspo() -> Doc:
    data = cash_only(qaa())
    data["case_id"] = "W7-D-AAA"
    data["admin_surcharge_waiver"] = {
        "kind": "nspo", "project_title": "the NATO Helicopter Support Partnership",
        "reference": "U.S. Mission to NATO memorandum USNATO-25-117",
    }  # fmt: skip
    return data


def test_nspo_basic_names_the_project_and_the_mission_reference(tmp_path: Path) -> None:
    text = build(Chain(nspo()), tmp_path)
    assert printed(text, NSPO)
    note = body(text, NSPO)
    assert "This LOA supports the NATO Helicopter Support Partnership" in note
    assert "section 21(e)(3)(A)" in note and "Program 10 funds" in note
    assert "as U.S. Mission to NATO memorandum USNATO-25-117 records" in note


def test_nspo_restated_on_a_modification(tmp_path: Path) -> None:
    chain = Chain(nspo()).modify(reprice("004", 430000))
    text = build(chain, tmp_path)
    assert "NATO Helicopter Support Partnership" in body(text, NSPO)
    assert status(chain, tmp_path, "ADMIN-SURCHARGE-WAIVER-NSPO") == "printed"


def test_nspo_not_without_the_waiver(tmp_path: Path) -> None:
    chain = Chain(nspo()).amend(lambda d: d.pop("admin_surcharge_waiver"))
    assert not printed(build(chain, tmp_path), NSPO)
    assert status(chain, tmp_path, "ADMIN-SURCHARGE-WAIVER-NSPO") == "deleted"
    assert not printed(build(Chain(qaa()), tmp_path, "plain"), NSPO)


# -- ADMIN-SURCHARGE-WAIVER-RTA -----------------------------------------------------------------------


def rta(**extra: Any) -> Doc:
    data = qaa()
    data["admin_surcharge_waiver"] = {
        "kind": "reciprocal_training", "lines": ["005"],
        "agreement_title": "United States - Bandaria Reciprocal Pilot Training Agreement",
        "agreement_effective_date": "2019-10-01", "amount": 131200,
        "reimbursed_by": "The Department of the Air Force",
        "obligation_document": "MOD-25-0042", **extra,
    }  # fmt: skip
    return data


def test_rta_basic_names_the_training_agreement_and_repayment(tmp_path: Path) -> None:
    text = build(Chain(rta()), tmp_path)
    note = body(text, RTA)
    assert (
        "Line 005 provides non-dedicated training under the United States - Bandaria Reciprocal "
        "Pilot Training Agreement, in effect from 1 October 2019" in note
    )
    assert "section 21(g)" in note and "$131,200 in all, are waived" in note
    assert "The Department of the Air Force will repay them" in note and "MOD-25-0042" in note
    assert "SCML" not in note


def test_rta_waiver_covering_the_scml(tmp_path: Path) -> None:
    text = build(Chain(rta(includes_scml=True)), tmp_path)
    assert "(the Small Case Management Line (SCML) value included)" in body(text, RTA)


def test_rta_restated_on_a_price_only_modification(tmp_path: Path) -> None:
    chain = Chain(rta()).modify(reprice("004", 430000))
    text = build(chain, tmp_path)
    assert "$131,200 in all" in body(text, RTA)
    assert status(chain, tmp_path, "ADMIN-SURCHARGE-WAIVER-RTA") == "printed"


def test_rta_not_on_training_without_the_waiver(tmp_path: Path) -> None:
    assert not printed(build(Chain(qaa()), tmp_path, "plain"), RTA)  # CONUS training, no waiver
    chain = Chain(rta()).amend(lambda d: d.pop("admin_surcharge_waiver"))
    assert not printed(build(chain, tmp_path), RTA)
    assert status(chain, tmp_path, "ADMIN-SURCHARGE-WAIVER-RTA") == "deleted"


# -- SCML --------------------------------------------------------------------------------------------


def test_scml_amendment_adding_the_scml_to_a_2009_case(tmp_path: Path) -> None:
    chain = Chain(of_2009()).amend(lambda d: d["lines"].append(scml_line()))
    text = build(chain, tmp_path)
    assert printed(text, f"Line Item 007 Description - {SCML}")
    note = body(text, f"Line Item 007 Description - {SCML}")
    assert "1 August 2006 to 2 July 2012" in note and "$15,000" in note
    assert "No administrative surcharge is charged on this line itself." in note
    assert chain.selection(tmp_path / "sel").decision("SCML").lines == ("007",)
    # the SCML note is the SCML line's description note: the line gets no other
    described = chain.selection(tmp_path / "sel").decision("LINE-ITEM-DESCRIPTION")
    assert described.status == "printed" and described.lines and "007" not in described.lines
    headings = [ln for ln in text.splitlines() if "Line Item 007 Description" in ln]
    assert len(headings) == 1 and SCML in headings[0]


def test_scml_printed_again_when_the_case_carries_another_text(tmp_path: Path) -> None:
    chain = Chain(of_2009()).amend(lambda d: d["lines"].append(scml_line()))
    chain.modify(notes_in_force=[{"id": "SCML", "version": "2005"}])
    text = build(chain, tmp_path)
    assert printed(text, f"Line Item 007 Description - {SCML}")
    selection = chain.selection(tmp_path / "sel")
    assert selection.decision("SCML").status == "printed"
    assert selection.decision("SCML").version == "66"


def test_scml_not_reprinted_while_the_current_text_is_in_force(tmp_path: Path) -> None:
    chain = (
        Chain(of_2009())
        .amend(lambda d: d["lines"].append(scml_line()))
        .modify(reprice("007", 8000))
    )
    text = build(chain, tmp_path)
    assert not printed(text, SCML)
    assert status(chain, tmp_path, "SCML") == "in force"


def test_scml_not_on_cases_accepted_after_july_2012(tmp_path: Path) -> None:
    chain = Chain(of_2015()).amend(lambda d: d["lines"].append(scml_line()))
    assert not printed(build(chain, tmp_path), SCML)
    assert status(chain, tmp_path, "SCML") == "out"
    # where the SCML note does not apply, the line has the description every line has
    described = chain.selection(tmp_path / "sel2").decision("LINE-ITEM-DESCRIPTION")
    assert "007" in described.lines


@pytest.mark.parametrize(("make", "carried"), [(of_2009, True), (of_2015, False)])
def test_scml_on_a_basic_reads_its_offer_expiration_date(tmp_path: Path, make, carried) -> None:
    """A Basic has no implementation date: it is accepted by its offer expiration date, which
    then decides the window (2009: the SCML note describes the line; 2015: the line has the
    description every line has)."""
    data = make()
    data["lines"].append(scml_line())
    chain = Chain(data)
    assert "implementation_date" not in data["document"]
    text = build(chain, tmp_path)
    assert printed(text, f"Line Item 007 Description - {SCML}") is carried
    described = chain.selection(tmp_path / "sel").decision("LINE-ITEM-DESCRIPTION")
    assert ("007" in described.lines) is not carried
    headings = [ln for ln in text.splitlines() if "Line Item 007 Description" in ln]
    assert len(headings) == 1  # one description of the line, whichever it is


# -- NC-WAIVED ---------------------------------------------------------------------------------------


def test_nc_waived_basic_cites_the_waiver(tmp_path: Path) -> None:
    text = build(Chain(qaa()), tmp_path)
    note = body(text, NC_WAIVED)
    assert "A nonrecurring cost (NC) charge applies to Line 001." in note
    assert "DSCA waived it by I-24/004512 of 22 April 2024" in note
    assert "quantities on this LOA only" not in note


def test_nc_waived_amendment_adding_a_waived_line_lists_every_waiver(tmp_path: Path) -> None:
    waived = new_line(
        "007", major_defense_equipment=True, source_code="P",
        nonrecurring_cost={"amount": 90000, "waiver": {"reference": "I-26/000117", "date": "2026-01-12"}},
    )  # fmt: skip
    chain = Chain(qaa()).amend(lambda d: d["lines"].append(waived))
    text = build(chain, tmp_path)
    note = body(text, NC_WAIVED)
    assert "applies to Line 001. DSCA waived it by I-24/004512 of 22 April 2024" in note
    assert "applies to Line 007. DSCA waived it by I-26/000117 of 12 January 2026" in note
    assert chain.selection(tmp_path / "sel").decision("NC-WAIVED").lines == ("007",)


def waived_by(data: Doc, number: str, reference: str, day: str) -> None:
    """Line `number` of `data` bears an NC charge that DSCA waived by `reference` of `day`
    (the waiver naming the line's own MASL, as each line's copy of one approval does)."""
    ln = line(data, number)
    ln["nonrecurring_cost"] = {
        "amount": 50000, "waiver": {"reference": reference, "date": day, "masl": ln["masl"]},
    }  # fmt: skip


def test_nc_waived_names_the_lines_of_one_approval_together(tmp_path: Path) -> None:
    # Version 2 (documents dated from 30 November 2026): one approval (reference and date) is
    # named once with all its lines, though each line's copy names its own MASL; several
    # approvals make one sentence, each with its lines.
    data = qaa()
    data["document"]["offer_expiration_date"] = "2027-02-26"
    waived_by(data, "001", "I-27/000310", "2027-01-05")
    waived_by(data, "003", "I-27/000310", "2027-01-05")
    waived_by(data, "004", "I-26/000922", "2026-12-14")
    note = body(build(Chain(data), tmp_path), NC_WAIVED)
    assert note == (
        "A nonrecurring cost (NC) charge applies to Lines 001, 003 and 004. DSCA waived it "
        "for Lines 001 and 003 by I-27/000310 of 5 January 2027 and for Line 004 by "
        "I-26/000922 of 14 December 2026, so it is not included in the price."
    )


def test_nc_waived_one_approval_reads_as_before(tmp_path: Path) -> None:
    data = qaa()
    data["document"]["offer_expiration_date"] = "2027-02-26"
    waived_by(data, "001", "I-27/000310", "2027-01-05")
    waived_by(data, "002", "I-27/000310", "2027-01-05")
    note = body(build(Chain(data), tmp_path), NC_WAIVED)
    assert note == (
        "A nonrecurring cost (NC) charge applies to Lines 001 and 002. DSCA waived it by "
        "I-27/000310 of 5 January 2027, so it is not included in the price."
    )


def test_nc_waived_documents_before_version_2_keep_their_text(tmp_path: Path) -> None:
    data = qaa()  # offered in 2025: version 1, one sentence per waiver as printed then
    waived_by(data, "003", "I-25/000077", "2025-03-03")
    note = body(build(Chain(data), tmp_path), NC_WAIVED)
    assert note.count("A nonrecurring cost (NC) charge applies to") == 2


def test_nc_waived_restated_when_quantity_rises(tmp_path: Path) -> None:
    chain = Chain(qaa()).amend(lambda d: line(d, "001").update(quantity=3))
    assert "I-24/004512" in body(build(chain, tmp_path), NC_WAIVED)


def test_nc_waived_not_restated_on_a_price_change(tmp_path: Path) -> None:
    # A lower price: loagen's `changes.increased` also counts a higher value on a defined order
    # line, which the NC pages (quantity) do not.
    chain = Chain(qaa()).modify(reprice("001", 81000000))
    assert not printed(build(chain, tmp_path), NC_WAIVED)
    assert status(chain, tmp_path, "NC-WAIVED") == "in force"


# -- NC-FMS-CREDIT and NC-USG-GRANT ------------------------------------------------------------------


def nc_case(term: str) -> Doc:
    data = qaa()
    data["terms_of_sale"] = [term]
    line(data, "002")["nonrecurring_cost"] = {"amount": 400000}
    return data


def nc_line(number: str) -> dict[str, Any]:
    return new_line(number, source_code="P", nonrecurring_cost={"amount": 60000})


def test_nc_credit_basic(tmp_path: Path) -> None:
    text = build(Chain(nc_case("FMS Credit (Non-Repayable)")), tmp_path)
    note = body(text, NC_CREDIT)
    assert "A nonrecurring cost (NC) charge applies to Line 002." in note  # 001's is waived
    assert "because the term of sale is FMS Credit (Non-Repayable)" in note
    assert "unless a waiver is approved" in note


def test_nc_credit_amendment_adding_an_nc_line(tmp_path: Path) -> None:
    chain = Chain(nc_case("FMS Credit (Non-Repayable)")).amend(
        lambda d: d["lines"].append(nc_line("007"))
    )
    text = build(chain, tmp_path)
    assert "applies to Lines 002 and 007. It is not charged on this Amendment" in body(
        text, NC_CREDIT
    )


def test_nc_credit_not_on_a_repricing_nor_after_the_term_changes(tmp_path: Path) -> None:
    chain = Chain(nc_case("FMS Credit (Non-Repayable)")).modify(reprice("002", 5900000))
    assert not printed(build(chain, tmp_path, "mod"), NC_CREDIT)
    assert status(chain, tmp_path, "NC-FMS-CREDIT", "s1") == "in force"
    cash = Chain(nc_case("FMS Credit (Non-Repayable)")).amend(
        lambda d: (cash_only(d), d["lines"].append(nc_line("007")))
    )
    assert not printed(build(cash, tmp_path, "cash"), NC_CREDIT)
    assert status(cash, tmp_path, "NC-FMS-CREDIT", "s2") == "deleted"


def test_nc_grant_basic(tmp_path: Path) -> None:
    text = build(Chain(nc_case("U.S. Government Grant")), tmp_path)
    note = body(text, NC_GRANT)
    assert "A nonrecurring cost (NC) charge applies to Line 002." in note
    assert "because the term of sale is U.S. Government Grant" in note
    assert not printed(text, NC_CREDIT)


def test_nc_grant_amendment_raising_the_quantity(tmp_path: Path) -> None:
    chain = Chain(nc_case("U.S. Government Grant")).amend(
        lambda d: line(d, "002").update(quantity=2)
    )
    text = build(chain, tmp_path)
    assert "applies to Line 002. It is not charged on this Amendment" in body(text, NC_GRANT)


def test_nc_grant_not_on_a_repricing(tmp_path: Path) -> None:
    chain = Chain(nc_case("U.S. Government Grant")).modify(reprice("002", 5900000))
    assert not printed(build(chain, tmp_path), NC_GRANT)
    assert status(chain, tmp_path, "NC-USG-GRANT") == "in force"


# -- NC-COOPERATIVE ----------------------------------------------------------------------------------


COOPERATIVE_TEXT = (
    "the nonrecurring cost of the consortium's tooling is shared among its members under the "
    "memorandum of understanding and is not charged to the Purchaser"
)


def cooperative() -> Doc:
    data = qaa()
    line(data, "003")["nonrecurring_cost"] = {
        "amount": 250000,
        "cooperative": {
            "project": "Multinational Airlift Consortium",
            "note_text": COOPERATIVE_TEXT,
        },
    }
    return data


def test_nc_cooperative_basic_prints_the_drafted_text(tmp_path: Path) -> None:
    text = build(Chain(cooperative()), tmp_path)
    note = body(text, NC_COOP)
    assert (
        "Line 003 (Multinational Airlift Consortium): The nonrecurring cost of the consortium's "
        "tooling" in note
    )
    assert note.endswith("not charged to the Purchaser.")


def test_nc_cooperative_amendment_raising_the_quantity(tmp_path: Path) -> None:
    chain = Chain(cooperative()).amend(lambda d: line(d, "003").update(quantity=2))
    assert "Multinational Airlift Consortium" in body(build(chain, tmp_path), NC_COOP)


def test_nc_cooperative_not_on_a_repricing(tmp_path: Path) -> None:
    chain = Chain(cooperative()).modify(reprice("003", 9500000))
    assert not printed(build(chain, tmp_path), NC_COOP)
    assert status(chain, tmp_path, "NC-COOPERATIVE") == "in force"


# -- NC-WAIVER-UNDER-REVIEW --------------------------------------------------------------------------


def under_review() -> Doc:
    data = qaa()
    cost = line(data, "001")["nonrecurring_cost"]
    cost.pop("waiver")  # no approved waiver on the case
    cost["waiver_requested"] = {"forwarded_date": "2025-02-03", "request_line": "001"}
    return data


def test_nc_review_basic(tmp_path: Path) -> None:
    text = build(Chain(under_review()), tmp_path)
    note = body(text, NC_REVIEW)
    assert "applies to Line 001 and is included in the price" in note
    assert "went to DSCA on 3 February 2025; it is under review" in note
    assert "an Amendment or Modification will take the charge out of the price" in note
    assert not printed(text, NC_WAIVED)


def test_nc_review_amendment_raising_the_quantity(tmp_path: Path) -> None:
    chain = Chain(under_review()).amend(lambda d: line(d, "001").update(quantity=3))
    assert "3 February 2025" in body(build(chain, tmp_path), NC_REVIEW)


def test_nc_review_deleted_when_the_waiver_is_approved(tmp_path: Path) -> None:
    def approve(d: Doc) -> None:
        cost = line(d, "001")["nonrecurring_cost"]
        cost.pop("waiver_requested")
        cost["waiver"] = {"reference": "I-25/000210", "date": "2025-05-30"}

    chain = Chain(under_review()).modify(approve)
    text = build(chain, tmp_path)
    assert not printed(text, NC_REVIEW)
    assert status(chain, tmp_path, "NC-WAIVER-UNDER-REVIEW") == "deleted"
    assert "I-25/000210 of 30 May 2025" in body(text, NC_WAIVED)


def test_nc_review_not_restated_on_a_repricing(tmp_path: Path) -> None:
    chain = Chain(under_review()).modify(reprice("001", 81000000))
    assert not printed(build(chain, tmp_path), NC_REVIEW)
    assert status(chain, tmp_path, "NC-WAIVER-UNDER-REVIEW") == "in force"


# -- ARMY-PROGRAM-SUPPORT-CHARGE ---------------------------------------------------------------------


def army() -> Doc:
    data = qaa()
    data["case_id"] = "BN-B-QAB"
    line(data, "004")["program_support_charge"] = "snap"
    return data


def test_psc_army_basic(tmp_path: Path) -> None:
    text = build(Chain(army()), tmp_path)
    assert "A Program Support Charge has been applied to the relevant parts of Line 004." in body(
        text, PSC
    )


def test_psc_amendment_adding_the_first_psc_line(tmp_path: Path) -> None:
    data = qaa()
    data["case_id"] = "BN-B-QAB"
    chain = Chain(data).amend(
        lambda d: d["lines"].append(new_line("007", program_support_charge="crr"))
    )
    assert "relevant parts of Line 007." in body(build(chain, tmp_path), PSC)


def test_psc_refreshed_when_the_case_carries_an_older_version(tmp_path: Path) -> None:
    chain = Chain(army()).modify(
        notes_in_force=[{"id": "ARMY-PROGRAM-SUPPORT-CHARGE", "version": "0"}]
    )
    assert "relevant parts of Line 004." in body(build(chain, tmp_path), PSC)
    assert status(chain, tmp_path, "ARMY-PROGRAM-SUPPORT-CHARGE") == "printed"


def test_psc_not_reprinted_while_the_latest_version_is_on_the_case(tmp_path: Path) -> None:
    chain = Chain(army()).amend(lambda d: d["lines"].append(new_line("007")))
    assert not printed(build(chain, tmp_path / "a"), PSC)
    assert status(chain, tmp_path / "a", "ARMY-PROGRAM-SUPPORT-CHARGE") == "in force"
    # a line bearing the charge, added: the text in force does not name it; restated
    chain = Chain(army()).amend(
        lambda d: d["lines"].append(new_line("007", program_support_charge="snap"))
    )
    assert "relevant parts of Lines 004 and 007." in body(build(chain, tmp_path / "b"), PSC)


def test_psc_on_bpc_cases_for_snap_but_not_crr(tmp_path: Path) -> None:
    crr = tab()
    line(crr, "001")["program_support_charge"] = "crr"
    chain = Chain(crr)
    assert not printed(build(chain, tmp_path, "crr"), PSC)
    assert status(chain, tmp_path, "ARMY-PROGRAM-SUPPORT-CHARGE") == "out"
    snap = tab()
    line(snap, "001")["program_support_charge"] = "snap"
    assert "relevant parts of Line 001." in body(build(Chain(snap), tmp_path, "snap"), PSC)


# -- CLSSA FMSO I, its surcharge, FMSO II ------------------------------------------------------------


def test_fmso_i_basic(tmp_path: Path) -> None:
    text = build(Chain(kaa()), tmp_path)
    note = body(text, FMSO_I)
    assert "Force Activity Designator (FAD)" in note and "equity investment" in note
    assert not printed(text, FMSO_II)


def test_fmso_i_restated_on_a_modification(tmp_path: Path) -> None:
    chain = Chain(kaa()).modify(
        lambda d: line(d, "001").update(description="FMSO I EQUITY, SPARES")
    )
    assert "equity investment" in body(build(chain, tmp_path), FMSO_I)
    assert status(chain, tmp_path, "CLSSA-FMSO-I") == "printed"


def test_fmso_i_not_on_an_fmso_ii_case(tmp_path: Path) -> None:
    chain = Chain(fmso_ii()).modify()
    assert not printed(build(chain, tmp_path), FMSO_I)
    assert status(chain, tmp_path, "CLSSA-FMSO-I") == "out"


def test_fmso_i_surcharge_basic_gives_the_amount(tmp_path: Path) -> None:
    text = build(Chain(kaa()), tmp_path)
    note = body(text, FMSO_I_SURCHARGE)
    # 5 percent of $2,400,000 (reference/admin_surcharge.yaml)
    assert "surcharge of $120,000 on the on-hand (Part A) value of Line 001" in note
    assert "not refunded" in note and "No administrative surcharge" in note


def test_fmso_i_surcharge_when_the_materiel_value_rises(tmp_path: Path) -> None:
    chain = Chain(kaa()).amend(lambda d: line(d, "001").update(unit_cost=3000000))
    assert "surcharge of $150,000" in body(build(chain, tmp_path), FMSO_I_SURCHARGE)


def test_fmso_i_surcharge_not_when_the_value_does_not_rise(tmp_path: Path) -> None:
    chain = Chain(kaa()).modify(
        lambda d: line(d, "001").update(description="FMSO I EQUITY, SPARES")
    )
    assert not printed(build(chain, tmp_path), FMSO_I_SURCHARGE)
    assert status(chain, tmp_path, "CLSSA-FMSO-I-SURCHARGE") == "in force"


def test_fmso_ii_basic(tmp_path: Path) -> None:
    text = build(Chain(fmso_ii()), tmp_path)
    assert "Foreign Military Sales Order II (FMSO II)" in body(text, FMSO_II)
    assert not printed(text, FMSO_I)


def test_fmso_ii_restated_on_a_modification(tmp_path: Path) -> None:
    chain = Chain(fmso_ii()).modify(reprice("001", 2300000))
    assert "requisition spare and repair parts" in body(build(chain, tmp_path), FMSO_II)
    assert status(chain, tmp_path, "CLSSA-FMSO-II") == "printed"


def test_fmso_ii_not_on_an_fmso_i_case(tmp_path: Path) -> None:
    chain = Chain(kaa()).amend()
    assert not printed(build(chain, tmp_path), FMSO_II)
    assert status(chain, tmp_path, "CLSSA-FMSO-II") == "out"


# -- RAPS --------------------------------------------------------------------------------------------


def raps() -> Doc:
    data = qaa()
    data["terms_of_sale"] = ["Risk Assessed Payment Schedule"]
    return data


def test_raps_basic_under_the_payment_schedule(tmp_path: Path) -> None:
    text = build(Chain(raps()), tmp_path)
    assert printed(text, RAPS)
    assert text.index("Estimated Payment Schedule") < text.index(RAPS) < text.index("\nNotes\n")
    note = body(text, RAPS)
    assert "section 22 of the Arms Export Control Act" in note
    assert "Country Financial Management (CFM)" in note
    assert "may bill additional amounts" in note
    assert "amount due with this Amendment" not in note


def test_raps_restated_on_amendments_and_modifications(tmp_path: Path) -> None:
    chain = Chain(raps()).amend()
    note = body(build(chain, tmp_path, "amd"), RAPS)
    assert (
        "The Initial Deposit, or the amount due with this Amendment, is set at the highest" in note
    )
    chain.modify()
    assert "may bill additional amounts" in body(build(chain, tmp_path, "mod"), RAPS)
    assert status(chain, tmp_path, "RAPS") == "printed"


def test_raps_goes_when_the_term_does(tmp_path: Path) -> None:
    chain = Chain(raps()).amend(cash_only)
    assert not printed(build(chain, tmp_path), RAPS)
    assert status(chain, tmp_path, "RAPS") == "deleted"


# -- OFFSET-COSTS ------------------------------------------------------------------------------------


def test_offset_costs_on_a_2009_cash_case(tmp_path: Path) -> None:
    text = build(Chain(cash_only(of_2009())), tmp_path)
    note = body(text, OFFSET)
    assert "not a party to any offset arrangement" in note
    assert "built into the contractors' prices" in note and "raise the visibility" in note


def test_offset_costs_restated_on_a_modification(tmp_path: Path) -> None:
    chain = Chain(cash_only(of_2009())).amend().modify()
    assert "not a party to any offset arrangement" in body(build(chain, tmp_path), OFFSET)
    assert status(chain, tmp_path, "OFFSET-COSTS") == "printed"


def test_offset_costs_not_once_non_repayable_credit_pays(tmp_path: Path) -> None:
    chain = Chain(cash_only(of_2009())).amend(
        lambda d: d.update(terms_of_sale=["Cash Prior to Delivery", "FMS Credit (Non-Repayable)"])
    )
    assert not printed(build(chain, tmp_path), OFFSET)
    assert status(chain, tmp_path, "OFFSET-COSTS") == "deleted"


def test_offset_costs_never_on_cases_approved_from_2011(tmp_path: Path) -> None:
    chain = Chain(cash_only(qaa())).modify()
    assert not printed(build(chain, tmp_path, "new"), OFFSET)
    assert status(chain, tmp_path, "OFFSET-COSTS") == "out"
    approved = cash_only(of_2009())
    approved["document"].update(offer_expiration_date="2011-02-28", cwd_approval_date="2011-01-05")
    assert not printed(build(Chain(approved), tmp_path, "2011"), OFFSET)
