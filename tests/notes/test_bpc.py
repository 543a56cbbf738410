"""Building Partner Capacity notes, built on real documents and read as the DOCX prints them:
indirect charges (Title 10, and the legacy cases implemented before 14 August 2020), the J&A for
sole source procurement, associated LOAs and the FOC delivery estimate, the Title 10 and Title 22
fund source notes, legacy case closure, the Section 333 / MSI and direct-funded-equipment notes,
EEUM delivery limitations, COMSEC to partners other than NATO, and materiel transfer.

Each note has a Basic (or, for an Amendment/Modification note, a first Amendment) that must
carry it, an Amendment or Modification that must print it again, and one that must not (where
the note then stays in force on the case). The usage rules are those of the SAMM Appendix 6
loanote pages (see each note's references). "Case module" Modifications: a note limited to
programs developed in the DSAMS case module is not printed on a Modification of a DSAMS BPC
module case (`bpc_system: bpc_module`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from loagen.policy.notes import load_library

from ..conftest import ROOT
from .helpers import Chain, Doc, line, new_line, printed, qaa, tab

NOTES = {
    "INDIRECT-CHARGES-T10-BPC",
    "INDIRECT-CHARGES-T10-BPC-PRE-2020",
    "SOLE-SOURCE-JA-BPC",
    "ASSOCIATED-LOAS",
    "BPC-FUND-SOURCE-T10",
    "BPC-FUND-SOURCE-T22",
    "BPC-CASE-CLOSURE-LEGACY",
    "S333-MSI-PROGRAM",
    "S333-DIRECT-FUNDED-EQUIPMENT",
    "FOC-ESTIMATED-DELIVERY",
    "EEUM-LIMITATIONS",
    "COMSEC-BPC",
    "BPC-MATERIEL-TRANSFER",
}

INDIRECT = "Indirect Charges - Title 10 Building Partner Capacity (BPC)"
INDIRECT_PRE = "Indirect Charges - LOAs Implemented Prior to 14 August 2020"
JA = (
    "Justification and Approval (J&A) for Sole Source Procurement - Building Partner Capacity (BPC)"
)
ASSOCIATED = "Associated Letters of Offer and Acceptance"
FUND_T10 = (
    "Fund Source and Availability - Section 333, FY26 - Title 10 Building Partner Capacity (BPC)"
)
FUND_T22 = (
    "Fund Source and Availability - Peacekeeping Operations, FY26 - Title 22 Building Partner "
    "Capacity (BPC)"
)
CLOSURE = "Case Closure - Title 10 Building Partner Capacity (BPC) Legacy Programs"
S333 = (
    "Programs with the Requirement to Provide Articles, Services and Training to Congressionally "
    "Notified Units"
)
DIRECT = "Programs with Direct Funded Equipment - Section 333 Building Partner Capacity (BPC)"
FOC = "Estimated Delivery to the Partner Nation for Full Operational Capability Determination"
EEUM = (
    "Limitations of Materiel Delivery, Training, or Defense Services of Enhanced End-Use "
    "Monitoring (EEUM) Defense Articles"
)
COMSEC = (
    "Communications Security (COMSEC) Enhanced End-Use Monitoring (EEUM) - BPC to Other than NATO"
)
MATERIEL = "Materiel Transfer - Building Partner Capacity (BPC)"

_HEADING = re.compile(r"^\d+\. \S")


def section(text: str, title: str) -> str:
    """The text a note prints: its heading and the paragraphs up to the next note."""
    lines = text.splitlines()
    start = next(
        (i for i, ln in enumerate(lines) if _HEADING.match(ln) and ln.split(" ", 1)[1] == title),
        None,
    )
    assert start is not None, f"no note titled {title!r} is printed"
    out = [lines[start]]
    for ln in lines[start + 1 :]:
        if _HEADING.match(ln) or ln.startswith(
            ("Standard Terms and Conditions", "Letter of Offer")
        ):
            break
        out.append(ln)
    return "\n".join(out)


def fund_printed(text: str, title: int) -> bool:
    """Whether a Fund Source and Availability note of Title `title` is printed."""
    return any(
        ln.startswith(tuple(f"{n}. Fund Source and Availability" for n in range(1, 100)))
        and f"Title {title} Building Partner Capacity" in ln
        for ln in text.splitlines()
    )


def decision(chain: Chain, folder: Path, note_id: str) -> Any:
    found = chain.selection(folder).decision(note_id)
    assert found is not None
    return found


# -- case data -----------------------------------------------------------------------------------


def t10(data: Doc, **fields: Any) -> Doc:
    """Section 333 FY26 (Title 10) funds with expiring availability."""
    data["fund_source"] = {
        "program": "Section 333",
        "fiscal_year": "FY26",
        "title": 10,
        "availability_end_date": "2027-09-30",
        "cancellation_date": "2032-09-30",
        "purpose": "build the border security capacity of the Benefitting Partner",
        "fund_code": "97 26/27 0100",
        "program_title": "FY26 Tranche 1 Bandaria - Border Security",
        **fields,
    }
    return data


def t22(data: Doc, **fields: Any) -> Doc:
    """Peacekeeping Operations (Title 22, from the programs table) funds under an IAA."""
    data["fund_source"] = {
        "program": "PKO",
        "fiscal_year": "FY26",
        "purpose": "peacekeeping operations training and equipment",
        "iaa_moa": {"document": "IAA 26-004 (Basic)"},
        "obligation_number": "S-PKO-26-0042",
        "cancellation_date": "2031-09-30",
        **fields,
    }
    return data


def basic(**document: Any) -> Doc:
    """The BPC example Basic BN-B-TAB with Section 333 Title 10 funds."""
    data = t10(tab())
    data["document"].update(document)
    return data


def legacy(oed: str, fiscal_year: str = "FY20") -> Doc:
    """BN-B-TAB as a Title 10 Basic offered long ago (its lines written then)."""
    data = basic(offer_expiration_date=oed)
    data["fund_source"].update(
        fiscal_year=fiscal_year, availability_end_date=None, cancellation_date=None
    )
    return data


def bpc_module(data: Doc) -> Doc:
    data["bpc_system"] = "bpc_module"
    return data


def add(number: str, **fields: Any):
    def edit(data: Doc) -> None:
        data["lines"].append(new_line(number, **fields))

    return edit


# -- Indirect Charges, Title 10 -------------------------------------------------------------------


def test_indirect_charges_on_a_title_10_basic(tmp_path: Path) -> None:
    text = Chain(basic()).text(tmp_path)
    body = section(text, INDIRECT)
    assert "includes no indirect charges" in body
    assert "administrative surcharge, transportation, and packing, crating and handling" in body
    assert "contract administration services (CAS) and civilian personnel fringe benefits" in body
    assert "program-wide support BPC LOA" in body


def test_indirect_charges_restated_on_amendments_and_case_module_modifications(
    tmp_path: Path,
) -> None:
    chain = Chain(basic()).amend(add("004"))
    assert printed(chain.text(tmp_path / "a"), INDIRECT)
    chain.modify(lambda d: d.update(bpc_system="case_module"))
    assert printed(chain.text(tmp_path / "m"), INDIRECT)


def test_indirect_charges_not_on_a_bpc_module_modification(tmp_path: Path) -> None:
    chain = Chain(bpc_module(basic()))
    assert printed(chain.text(tmp_path / "b"), INDIRECT)  # the Basic carries it
    chain.modify()
    assert not printed(chain.text(tmp_path / "m"), INDIRECT)
    chain.amend()
    assert printed(chain.text(tmp_path / "a"), INDIRECT)  # an Amendment restates it


def test_indirect_charges_not_on_title_22_or_cases_developed_before_august_2020(
    tmp_path: Path,
) -> None:
    text = Chain(t22(tab())).text(tmp_path / "t22")
    assert not printed(text, INDIRECT)
    # approved for offer before 14 August 2020
    old = basic(offer_expiration_date="2020-09-30", cwd_approval_date="2020-07-01")
    assert not printed(Chain(old).text(tmp_path / "cwd"), INDIRECT)
    # implemented before 14 August 2020 although its OED is later: the Basic, judged on its
    # OED alone, carried it; the Amendment knows better and deletes it
    chain = Chain(basic(offer_expiration_date="2020-09-15"))
    assert printed(chain.text(tmp_path / "proxy"), INDIRECT)
    chain.amend(implementation_date="2020-08-01", offer_expiration_date="2021-02-01")
    assert not printed(chain.text(tmp_path / "impl"), INDIRECT)
    assert decision(chain, tmp_path / "impl", "INDIRECT-CHARGES-T10-BPC").status == "deleted"


def test_indirect_charges_stay_in_force_through_a_bpc_module_modification(tmp_path: Path) -> None:
    chain = Chain(bpc_module(basic())).modify()
    assert decision(chain, tmp_path, "INDIRECT-CHARGES-T10-BPC").status == "in force"


# -- Indirect Charges, LOAs implemented before 14 August 2020 --------------------------------------


def test_indirect_charges_pre_2020_on_an_amendment_adding_lines_after_august_2020(
    tmp_path: Path,
) -> None:
    chain = Chain(legacy("2020-03-01")).amend(add("004"), offer_expiration_date="2021-03-01")
    text = chain.text(tmp_path)
    body = section(text, INDIRECT_PRE)
    assert "added on or after 14 August 2020, carry no administrative surcharge" in body
    assert "Line 004" in body and "Line 001" not in body
    assert "Administrative Surcharge note" in body
    assert "continue as shown on the previous version" in body
    assert not printed(text, INDIRECT)


def test_indirect_charges_pre_2020_restated_on_a_modification(tmp_path: Path) -> None:
    chain = Chain(legacy("2020-03-01")).amend(add("004"), offer_expiration_date="2021-03-01")
    chain.modify()
    body = section(chain.text(tmp_path / "m1"), INDIRECT_PRE)
    assert "added on or after 14 August 2020" in body and "Line 004" in body
    # a Modification with no line added after 14 August 2020: no first paragraph
    plain = Chain(legacy("2020-03-01")).modify(date="2021-01-15")
    body = section(plain.text(tmp_path / "m2"), INDIRECT_PRE)
    assert "added on or after" not in body
    assert "continue as shown on the previous version" in body


@pytest.mark.parametrize("written", ["FY 2020", "fy21", "2020", "FY2020/2021", "FY19-20"])
def test_indirect_charges_pre_2020_reads_the_fiscal_year_however_written(
    tmp_path: Path, written: str
) -> None:
    chain = Chain(legacy("2020-03-01", fiscal_year=written)).modify(date="2021-01-15")
    assert printed(chain.text(tmp_path), INDIRECT_PRE)


def test_indirect_charges_pre_2020_never_on_a_basic_or_other_cases(tmp_path: Path) -> None:
    chain = Chain(legacy("2020-03-01"))
    assert not printed(chain.text(tmp_path / "b"), INDIRECT_PRE)
    assert decision(chain, tmp_path / "b", "INDIRECT-CHARGES-T10-BPC-PRE-2020").status == "out"
    # FY22 funds, and a case implemented after 14 August 2020
    fy22 = Chain(legacy("2020-03-01", fiscal_year="FY22")).modify(date="2021-01-15")
    assert not printed(fy22.text(tmp_path / "fy22"), INDIRECT_PRE)
    later = Chain(legacy("2020-09-15", fiscal_year="FY21")).modify(date="2021-01-15")
    assert not printed(later.text(tmp_path / "later"), INDIRECT_PRE)
    # Title 22 funds
    pko = Chain(t22(tab(), fiscal_year="FY20")).modify(
        implementation_date="2020-05-01", date="2021-01-15"
    )
    assert not printed(pko.text(tmp_path / "t22"), INDIRECT_PRE)


# -- J&A for sole source procurement -------------------------------------------------------------


def approved(data: Doc, number: str = "001", **fields: Any) -> Doc:
    line(data, number)["sole_source"].update(
        {
            "approved_by": "U.S. Army Contracting Command - Detroit Arsenal",
            "authority": "10 U.S.C. 3204(a)(1)",
            **fields,
        }
    )
    return data


def test_ja_names_the_approving_office_the_lines_and_the_authority(tmp_path: Path) -> None:
    body = section(Chain(approved(basic())).text(tmp_path), JA)
    assert (
        "U.S. Army Contracting Command - Detroit Arsenal approved a sole source exception" in body
    )
    assert "Line 001" in body and "10 U.S.C. 3204(a)(1)" in body
    assert "Harbor Motor Works" not in body  # the page names the approval, not the firm


def test_ja_without_an_approving_office_names_the_implementing_agency(tmp_path: Path) -> None:
    body = section(Chain(basic()).text(tmp_path), JA)
    assert "The Department of the Army approved a sole source exception" in body
    assert "using the Department of Defense authorization" not in body


def test_ja_printed_again_for_an_added_or_changed_sole_source_requirement(tmp_path: Path) -> None:
    chain = Chain(approved(basic()))
    # (purchaser_request_date: the sole source check still reads it on added lines)
    chain.amend(
        add(
            "005",
            sole_source={
                "firm": "Radio Works, Inc.",
                "role": "prime",
                "purchaser_request_date": "2026-06-01",
                "approved_by": "CECOM",
                "authority": "FAR 6.302-1",
            },
        )
    )
    body = section(chain.text(tmp_path / "a"), JA)
    # the text names its lines and replaces the one in force: the approval of Line 001 stays
    assert "The CECOM approved" in body and "items on Line 005" in body
    assert (
        "Detroit Arsenal approved a sole source exception for the procurement of the items on "
        "Line 001" in body
    )
    chain.modify(lambda d: approved(d, authority="10 U.S.C. 3204(a)(7)"))
    body = section(chain.text(tmp_path / "m"), JA)
    assert "Line 001" in body and "10 U.S.C. 3204(a)(7)" in body and "items on Line 005" in body


def test_ja_not_printed_again_for_a_price_change_or_on_a_bpc_module_modification(
    tmp_path: Path,
) -> None:
    chain = Chain(approved(basic())).amend(lambda d: line(d, "001").update(unit_cost=250000))
    assert not printed(chain.text(tmp_path / "a"), JA)
    assert decision(chain, tmp_path / "a", "SOLE-SOURCE-JA-BPC").status == "in force"
    module = Chain(bpc_module(approved(basic()))).modify(
        lambda d: approved(d, authority="10 U.S.C. 3204(a)(7)")
    )
    assert not printed(module.text(tmp_path / "m"), JA)


# -- Associated LOAs and FOC estimated delivery -------------------------------------------------


def foc(data: Doc, authority: str = "333", deliveries: dict[str, dict] | None = None) -> Doc:
    data["foc"] = {
        "authority": authority,
        "program_title": "FY26 Bandaria - Border Security",
        "program_office": "Program Executive Office Combat Support",
        "major_end_item": "Light Tactical Vehicle",
    }
    for number, delivery in (deliveries or {"001": {"year": 2027, "quarter": 2}}).items():
        line(data, number)["foc_delivery"] = delivery
    return data


def test_associated_loas_on_a_basic_using_the_foc_provision(tmp_path: Path) -> None:
    body = section(Chain(foc(basic())).text(tmp_path), ASSOCIATED)
    assert "FY26 Bandaria - Border Security" in body
    assert "10 U.S.C. 333" in body and "Full Operational Capability provision" in body
    assert "Program Executive Office Combat Support" in body
    assert "Light Tactical Vehicle, the major end item" in body


def test_associated_loas_added_by_an_amendment_when_the_basic_lacks_it(tmp_path: Path) -> None:
    chain = Chain(basic())
    assert not printed(chain.text(tmp_path / "b"), ASSOCIATED)
    chain.amend(lambda d: foc(d, authority="2282"))
    assert "10 U.S.C. 2282" in section(chain.text(tmp_path / "a"), ASSOCIATED)


def test_associated_loas_not_printed_again_once_on_the_case(tmp_path: Path) -> None:
    chain = Chain(foc(basic())).amend(add("004")).modify()
    assert not printed(chain.text(tmp_path), ASSOCIATED)
    assert decision(chain, tmp_path, "ASSOCIATED-LOAS").status == "in force"


def test_foc_delivery_lists_each_foc_line(tmp_path: Path) -> None:
    data = foc(
        basic(),
        deliveries={
            "001": {"year": 2027, "quarter": 2},
            "002": {"year": 2027, "quarter": 4, "quantity": 1},
        },
    )
    body = section(Chain(data).text(tmp_path), FOC)
    assert "10 U.S.C. 333(g)(2)(B)" in body
    assert "Line 001: calendar year 2027, quarter 2; quantity 12 EA" in body
    assert "Line 002: calendar year 2027, quarter 4; quantity 1 LO" in body
    assert "Line 003" not in body


def test_foc_delivery_replaces_the_earlier_estimated_delivery_note(tmp_path: Path) -> None:
    # a case that carries the note used before 15 December 2020 (another version)
    chain = Chain(foc(basic())).amend(
        add("004"), notes_in_force=[{"id": "FOC-ESTIMATED-DELIVERY", "version": "0"}]
    )
    assert "Line 001: calendar year 2027, quarter 2" in section(chain.text(tmp_path), FOC)


def test_foc_delivery_not_printed_again_when_current_nor_without_333_foc(tmp_path: Path) -> None:
    chain = Chain(foc(basic())).amend(add("004"))
    assert not printed(chain.text(tmp_path / "a"), FOC)
    assert decision(chain, tmp_path / "a", "FOC-ESTIMATED-DELIVERY").status == "in force"
    assert not printed(Chain(basic()).text(tmp_path / "none"), FOC)
    legacy_2282 = Chain(foc(basic(), authority="2282")).text(tmp_path / "2282")
    assert printed(legacy_2282, ASSOCIATED) and not printed(legacy_2282, FOC)


# -- Fund source and availability -----------------------------------------------------------------


def test_fund_source_title_10_on_a_basic(tmp_path: Path) -> None:
    text = Chain(basic()).text(tmp_path)
    body = section(text, FUND_T10)
    assert "provided to build the border security capacity of the Benefitting Partner" in body
    assert "Section 333 authority" in body and "fund source 97 26/27 0100" in body
    assert "Funds not obligated by 30 September 2027" in body
    assert "cancel on 30 September 2032" in body
    assert "only source of funding" in body
    assert not fund_printed(text, 22)


def test_fund_source_title_10_from_the_program_table_and_non_expiring(tmp_path: Path) -> None:
    data = t10(
        tab(), program="s333", title=None, availability_end_date=None, cancellation_date=None
    )
    body = section(Chain(data).text(tmp_path), FUND_T10)
    assert "available for an indefinite period" in body


def test_fund_source_title_10_restated_on_amendments_and_modifications(tmp_path: Path) -> None:
    chain = Chain(basic()).amend(add("004"))
    assert fund_printed(chain.text(tmp_path / "a"), 10)
    chain.modify()
    assert fund_printed(chain.text(tmp_path / "m"), 10)


def test_fund_source_title_10_not_for_bpc_module_or_before_2013(tmp_path: Path) -> None:
    assert not fund_printed(Chain(bpc_module(basic())).text(tmp_path / "bpc"), 10)
    old = Chain(legacy("2012-10-01", fiscal_year="FY12")).amend(
        implementation_date="2012-11-01", offer_expiration_date="2014-03-01"
    )
    assert not fund_printed(old.text(tmp_path / "old"), 10)


def test_fund_source_title_22_on_a_basic(tmp_path: Path) -> None:
    text = Chain(t22(tab())).text(tmp_path)
    body = section(text, FUND_T22)
    assert "in support of peacekeeping operations training and equipment" in body
    assert "Peacekeeping Operations authority" in body
    assert "IAA 26-004 (Basic), obligation number S-PKO-26-0042" in body
    assert "cancel at midnight on 30 September 2031" in body
    assert not fund_printed(text, 10)


def test_fund_source_title_22_when_the_iaa_was_amended_after_december_2020(tmp_path: Path) -> None:
    old = t22(tab(), fiscal_year="FY15", cancellation_date=None)
    old["document"]["offer_expiration_date"] = "2015-03-01"
    chain = Chain(old).amend(
        lambda d: d["fund_source"].update(
            iaa_moa={"document": "IAA 15-011 (Amend 3)", "amended_date": "2022-01-15"}
        ),
        offer_expiration_date="2022-06-01",
    )
    body = "\n".join(ln for ln in chain.text(tmp_path / "amended").splitlines())
    assert fund_printed(body, 22) and "IAA 15-011 (Amend 3)" in body
    unamended = Chain(old).amend(add("004"), offer_expiration_date="2022-06-01")
    assert not fund_printed(unamended.text(tmp_path / "unamended"), 22)


def test_fund_source_title_22_restated_on_a_modification(tmp_path: Path) -> None:
    chain = Chain(t22(tab())).modify()
    assert fund_printed(chain.text(tmp_path), 22)


# -- Case closure, legacy programs -----------------------------------------------------------------


def test_case_closure_legacy_on_a_case_module_basic(tmp_path: Path) -> None:
    body = section(Chain(basic()).text(tmp_path / "exp"), CLOSURE)
    assert "supply or services complete" in body and "31 July 2032" in body
    never = t10(tab(), availability_end_date=None, cancellation_date=None)
    body = section(Chain(never).text(tmp_path / "no"), CLOSURE)
    assert "within 24 months" in body and "31 July" not in body


def test_case_closure_legacy_printed_again_in_its_new_version(tmp_path: Path) -> None:
    chain = Chain(basic(offer_expiration_date="2025-05-01"))
    assert decision(chain, tmp_path / "b", "BPC-CASE-CLOSURE-LEGACY").version == "1"
    chain.amend(add("004"), offer_expiration_date="2025-10-01")
    assert printed(chain.text(tmp_path / "a"), CLOSURE)
    assert decision(chain, tmp_path / "a", "BPC-CASE-CLOSURE-LEGACY").version == "686"


def test_case_closure_legacy_not_printed_again_nor_for_bpc_module(tmp_path: Path) -> None:
    chain = Chain(basic()).modify()
    assert not printed(chain.text(tmp_path / "m"), CLOSURE)
    assert decision(chain, tmp_path / "m", "BPC-CASE-CLOSURE-LEGACY").status == "in force"
    assert not printed(Chain(bpc_module(basic())).text(tmp_path / "bpc"), CLOSURE)


# -- Section 333 / MSI congressionally notified units ----------------------------------------------


def test_s333_program_note_on_a_section_333_basic(tmp_path: Path) -> None:
    body = section(Chain(basic()).text(tmp_path / "s333"), S333)
    assert "FY26 Tranche 1 Bandaria - Border Security" in body and "10 U.S.C. 333" in body
    assert "only to the units of the Benefitting Partner named" in body
    msi = t10(tab(), program="MSI", program_title=None)
    body = section(Chain(msi).text(tmp_path / "msi"), S333)
    assert "FY26 Indo-Pacific Maritime Security Initiative" in body
    # the authority the program was notified under, not the program's own name again
    assert (
        "notified to Congress under section 1263 of the National Defense Authorization Act "
        "for Fiscal Year 2016, as amended (the Indo-Pacific Maritime Security Initiative)."
    ) in " ".join(body.split())


def test_s333_program_note_printed_again_in_its_new_version(tmp_path: Path) -> None:
    # a Basic written before the note existed (8 September 2023) does not carry it ...
    chain = Chain(basic(offer_expiration_date="2023-06-01"))
    assert not printed(chain.text(tmp_path / "b"), S333)
    # ... the first Amendment after it does, and one after 3 September 2025 prints the new text
    chain.amend(add("004"), offer_expiration_date="2024-01-15")
    assert printed(chain.text(tmp_path / "a1"), S333)
    assert decision(chain, tmp_path / "a1", "S333-MSI-PROGRAM").version == "624"
    chain.amend(add("005"), offer_expiration_date="2025-10-01")
    assert printed(chain.text(tmp_path / "a2"), S333)
    assert decision(chain, tmp_path / "a2", "S333-MSI-PROGRAM").version == "686"


def test_s333_program_note_not_printed_again_nor_for_title_22(tmp_path: Path) -> None:
    chain = Chain(basic()).modify()
    assert not printed(chain.text(tmp_path / "m"), S333)
    assert decision(chain, tmp_path / "m", "S333-MSI-PROGRAM").status == "in force"
    assert not printed(Chain(t22(tab())).text(tmp_path / "pko"), S333)


# -- Section 333 direct funded equipment ----------------------------------------------------------


def training_only(direct_funded: bool = True) -> Doc:
    """BN-B-TAB with its training line only; the equipment bought with direct funding."""
    data = basic()
    data["lines"] = [ln for ln in data["lines"] if ln["number"] == "003"]
    data["accessorial"] = {}
    if direct_funded:
        data["fund_source"]["direct_funded_equipment"] = {
            "procuring_activity": "U.S. Army Security Assistance Command",
            "training_summary": "operator and maintainer courses for the patrol boats",
        }
    return data


def test_direct_funded_equipment_on_a_training_basic(tmp_path: Path) -> None:
    body = section(Chain(training_only()).text(tmp_path), DIRECT)
    assert "provides the training (Line 003) of FY26 Tranche 1 Bandaria - Border Security" in body
    assert "Training provided: Operator and maintainer courses for the patrol boats." in body
    assert "bought with direct funding by U.S. Army Security Assistance Command" in body


def test_direct_funded_equipment_printed_when_the_case_holds_another_version(
    tmp_path: Path,
) -> None:
    chain = Chain(training_only()).amend(
        notes_in_force=[{"id": "S333-DIRECT-FUNDED-EQUIPMENT", "version": "0"}]
    )
    assert printed(chain.text(tmp_path), DIRECT)


def test_direct_funded_equipment_not_printed_again_nor_without_direct_funding(
    tmp_path: Path,
) -> None:
    chain = Chain(training_only()).amend()
    assert not printed(chain.text(tmp_path / "a"), DIRECT)
    assert decision(chain, tmp_path / "a", "S333-DIRECT-FUNDED-EQUIPMENT").status == "in force"
    assert not printed(Chain(training_only(direct_funded=False)).text(tmp_path / "none"), DIRECT)
    assert not printed(Chain(basic()).text(tmp_path / "equipped"), DIRECT)


# -- EEUM delivery limitations ---------------------------------------------------------------------


def test_eeum_limitations_on_a_bpc_basic(tmp_path: Path) -> None:
    data = basic()
    line(data, "002")["items"] = ["eeum"]
    line(data, "001")["items"] = ["eeum", "nvd"]  # NVDs have their own guidance
    body = section(Chain(data).text(tmp_path), EEUM)
    assert "Line 002" in body and "Line 001" not in body
    assert "section 505 of the Foreign Assistance Act" in body
    assert "will not deliver" in body and "SCIP-EUM" in body


def test_eeum_limitations_printed_by_the_amendment_that_adds_eeum_articles(tmp_path: Path) -> None:
    chain = Chain(basic()).amend(add("004", items=["eeum"]))
    assert "Line 004" in section(chain.text(tmp_path / "a"), EEUM)
    chain.modify(lambda d: d["lines"][0].update(unit_cost=d["lines"][0]["unit_cost"] + 1))
    assert not printed(chain.text(tmp_path / "m"), EEUM)  # the current version is on the case
    assert decision(chain, tmp_path / "m", "EEUM-LIMITATIONS").status == "in force"
    # more EEUM articles: the text in force names Line 004 only; restated for both
    more = Chain(basic()).amend(add("004", items=["eeum"])).amend(add("005", items=["eeum"]))
    assert "Lines 004 and 005" in section(more.text(tmp_path / "a2"), EEUM)


def test_eeum_limitations_on_fms_only_when_authorized(tmp_path: Path) -> None:
    data = qaa()
    line(data, "001")["items"] = ["eeum"]
    assert not printed(Chain(data).text(tmp_path / "no"), EEUM)
    data["eeum_fms_authorized"] = True
    body = section(Chain(data).text(tmp_path / "yes"), EEUM)
    assert "section 3 of the Arms Export Control Act" in body and "Purchaser" in body


# -- COMSEC to partners other than NATO, Australia and New Zealand ---------------------------------


def test_comsec_bpc_on_a_basic_for_a_non_nato_partner(tmp_path: Path) -> None:
    data = basic()
    data["lines"].append(new_line("004", description="RADIO SET", items=["comsec"]))
    body = section(Chain(data).text(tmp_path), COMSEC)
    assert "Line 004" in body and "FMS Cryptographic Device Services (FMS-CDS)" in body
    assert "recall it at any time without reimbursement" in body
    assert "U.S. Government keying material" in body
    assert "National Security Agency (NSA)" in body and "NAG-18A" in body


def test_comsec_bpc_printed_by_the_amendment_adding_comsec_not_again(tmp_path: Path) -> None:
    chain = Chain(basic()).amend(add("004", items=["comsec"]))
    assert "Line 004" in section(chain.text(tmp_path / "a1"), COMSEC)
    chain.amend(add("005"))
    assert not printed(chain.text(tmp_path / "a2"), COMSEC)
    assert decision(chain, tmp_path / "a2", "COMSEC-BPC").status == "in force"
    # an Amendment adding more COMSEC restates it for every COMSEC line (its text names them)
    more = Chain(basic()).amend(add("004", items=["comsec"])).amend(add("005", items=["comsec"]))
    assert "Lines 004 and 005" in section(more.text(tmp_path / "a3"), COMSEC)


def test_comsec_bpc_not_for_nato(tmp_path: Path) -> None:
    # countries.yaml has no NATO member country rows yet: NATO AWACS (N1) is a NATO body
    data = basic()
    data["case_id"] = "N1-B-TAB"
    data["lines"].append(new_line("004", items=["comsec"]))
    assert not printed(Chain(data).text(tmp_path), COMSEC)


# -- Materiel transfer -------------------------------------------------------------------------------


def test_materiel_transfer_on_every_bpc_basic(tmp_path: Path) -> None:
    body = section(Chain(basic()).text(tmp_path / "b"), MATERIEL)
    assert "MIL-STD-129" in body
    assert "agreed point of delivery in the Benefitting Partner's territory" in body
    assert "within 30 days" in body and "C15.5.9.5" in body
    assert "Transportation Discrepancy Report (TDR)" in body
    assert "more than one year after delivery" in body
    assert "keeps title to and custody of the defense articles" in body
    # the current page names no articles condition: a training-only LOA carries it too
    assert printed(Chain(training_only()).text(tmp_path / "t"), MATERIEL)
    assert not printed(Chain(qaa()).text(tmp_path / "fms"), MATERIEL)


def test_materiel_transfer_printed_again_in_its_new_version(tmp_path: Path) -> None:
    chain = Chain(basic(offer_expiration_date="2025-05-01"))
    old = section(chain.text(tmp_path / "b"), MATERIEL)
    assert "Supply Discrepancy Report (Standard Form 364)" in old and "$200" in old
    chain.amend(add("004"), offer_expiration_date="2025-10-01")
    new = section(chain.text(tmp_path / "a"), MATERIEL)
    assert "Transportation Discrepancy Report (TDR)" in new and "$200" not in new


def test_materiel_transfer_not_printed_again_nor_on_bpc_module_modifications(
    tmp_path: Path,
) -> None:
    chain = Chain(basic()).amend(add("004"))
    assert not printed(chain.text(tmp_path / "a"), MATERIEL)
    assert decision(chain, tmp_path / "a", "BPC-MATERIEL-TRANSFER").status == "in force"
    # a Modification of a DSAMS BPC module case that would otherwise refresh it
    module = Chain(bpc_module(basic(offer_expiration_date="2025-05-01"))).modify(date="2025-10-01")
    assert not printed(module.text(tmp_path / "m"), MATERIEL)
    case_module = Chain(basic(offer_expiration_date="2025-05-01")).modify(date="2025-10-01")
    assert printed(case_module.text(tmp_path / "cm"), MATERIEL)


# -- Modifications of DSAMS BPC module programs ---------------------------------------------------


@pytest.mark.parametrize(
    ("note_id", "title", "data"),
    [
        ("S333-MSI-PROGRAM", S333, lambda: basic()),
        ("S333-DIRECT-FUNDED-EQUIPMENT", DIRECT, lambda: training_only()),
        ("FOC-ESTIMATED-DELIVERY", FOC, lambda: foc(basic())),
        ("BPC-MATERIEL-TRANSFER", MATERIEL, lambda: basic()),
    ],
)
def test_a_modification_refreshes_case_module_notes_only(
    tmp_path: Path, note_id: str, title: str, data: Any
) -> None:
    """A Modification whose case holds another version of the note prints the note again,
    unless the program was developed in the DSAMS BPC module."""
    older = [{"id": note_id, "version": "0"}]
    case_module = Chain(data()).modify(notes_in_force=older)
    assert printed(case_module.text(tmp_path / "case"), title)
    module = Chain(bpc_module(data())).modify(notes_in_force=older)
    assert not printed(module.text(tmp_path / "bpc"), title)


# -- the library ------------------------------------------------------------------------------------


def test_the_retired_bpc_notes_are_gone() -> None:
    library = load_library(ROOT / "note_library")
    assert "ADMIN-SURCHARGE-BPC" not in library  # contradicted the Title 10 indirect charges note
    assert "BPC-FUND-SOURCE" not in library  # split into the Title 10 and Title 22 notes
    assert set(library.ids) >= NOTES
