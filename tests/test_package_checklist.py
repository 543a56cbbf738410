"""The LOA package checklist (SAMM AP9.T4): each entry triggers on the content that calls for it
and on no other, Amendments ask again only for what they change, the case file's `package` list
marks documents at hand, and `loagen package` reads right to a user."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loagen.cli import app
from loagen.errors import CaseError, LoagenError
from loagen.policy.checks import run_checks
from loagen.policy.package import _read_table, checklist, load_checklist
from loagen.policy.selection import Decision, Selection
from loagen.reference.policy_tables import checklist_ids, table_text

from .conftest import CASES, ROOT, example, write_chain

runner = CliRunner()

# -- a case nobody here wrote: a small FMS sale of radios, built up entry by entry --------------


def line(number: str, **fields: Any) -> dict[str, Any]:
    base = {
        "number": number,
        "masl": f"R{number}RADIO0001",
        "description": "TACTICAL RADIO SETS",
        "quantity": 10,
        "unit_of_issue": "EA",
        "unit_cost": 20000,
        "source_code": "P",
        "months": "12-24",
        "type_of_assistance": "7",
        "offer_release_code": "Z",
        "delivery_term_code": "4",
        "kind": "materiel",
    }
    return base | fields


def case(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data = {
        "case_id": "BN-P-RAD",
        "program": "FMS",
        "category": "defined_order",
        "purchaser": {"name": "Ministry of Defence", "address": ["1 Fort Road", "Port Aster"]},
        "nickname": "Tactical Radios",
        "document": {
            "kind": "Basic",
            "offer_expiration_date": "2026-09-30",
            "purpose": "provides tactical radio sets",
        },
        "purchaser_references": [{"reference": "BN/ARMY/77", "date": "2026-01-15"}],
        "terms_of_sale": ["Cash Prior to Delivery"],
        "funding": "national",
        "lines": list(lines) or [line("001")],
    }
    return data | fields


def amendment(basic: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data = copy.deepcopy(basic)
    data["document"] = {
        "kind": "Amendment",
        "number": 1,
        "offer_expiration_date": "2027-03-31",
        "implementation_date": "2026-10-20",
        "purpose": "adds radio sets",
    }
    return data | fields


def required(found) -> list[str]:  # noqa: ANN001
    return [r.kind for r in found.required]


# -- each entry: the content that calls for it, and a near miss that does not -------------------

WAIVER = {"amount": 50000, "waiver": {"reference": "I-26/000101", "date": "2026-02-01"}}
TITLE_22 = {"program": "Section 333", "fiscal_year": "FY26", "title": 22}
ENTRY_CASES: list[tuple[str, list[str], dict[str, Any], dict[str, Any]]] = [
    (
        "EDA-APPROVAL-NOTIFICATION",
        ["EDA-APPROVAL-NOTIFICATION"],
        case(
            line("001", source_code="E", eda={"kind": "sale", "acquisition_value": 90000,
                                              "approval_reference": "EDA-26-014"})
        ),
        case(line("001", source_code="S")),
    ),
    (
        "COMSEC-NSA-RELEASE",
        ["COMSEC-NSA-RELEASE"],
        case(line("001", items=["comsec", "eeum"])),
        case(line("001", items=["comsec", "eeum"], comsec_release="nsa_general")),
    ),
    (
        "COMSEC on an NSA M case",
        [],
        case(line("001", items=["comsec", "eeum"]), nsa_m_case=True),
        case(line("001", items=["eeum"])),
    ),
    (
        "GPS-PPS-SPACE-FORCE-APPROVAL",
        ["GPS-PPS-SPACE-FORCE-APPROVAL", "GPS-PPS-STATE-MTCR-APPROVAL"],
        case(line("001", items=["gps_saasm"])),
        case(line("001", items=["classified"])),
    ),
    (
        "MTCR-STATE-APPROVAL",
        ["MTCR-STATE-APPROVAL"],
        case(line("001", items=["mtcr"])),
        case(line("001", items=["ammunition"])),
    ),
    (
        "NVD-DSCA-AUTHORIZATION-MEMO",
        ["NVD-DSCA-AUTHORIZATION-MEMO"],
        case(line("001", items=["nvd", "eeum"])),
        case(line("001", items=["nvd", "eeum"], nvd_mount="platform")),
    ),
    (
        "NC-RECOUPMENT-WAIVER",
        ["NC-RECOUPMENT-WAIVER"],
        case(line("001", major_defense_equipment=True, nonrecurring_cost=WAIVER)),
        case(
            line("001", major_defense_equipment=True,
                 nonrecurring_cost={"amount": 50000,
                                    "waiver_requested": {"forwarded_date": "2026-02-01"}})
        ),
    ),
    (
        "NC waiver on an FMF-funded case",
        [],
        case(line("001", major_defense_equipment=True, nonrecurring_cost=WAIVER),
             funding="fmf", terms_of_sale=["FMS Credit (Non-Repayable)"]),
        case(line("001")),
    ),
    (
        "SDAF-FAW",
        ["SDAF-FAW", "SDAF-AAF"],
        case(line("001", source_code="F")),
        case(line("001", source_code="R")),
    ),
    (
        "LEAD-NATION-SPECIAL-NOTE",
        ["LEAD-NATION-SPECIAL-NOTE"],
        case(multinational={"kind": "lead_nation", "participants": ["Bandaria", "Aster"]}),
        case(multinational={"kind": "agent_sale"}),
    ),
    (
        "EXCEPTION-TO-POLICY-APPROVAL",
        ["EXCEPTION-TO-POLICY-APPROVAL"],
        case(exceptions_to_policy=[{"reference": "DSCA ETP 26-004", "date": "2026-02-10",
                                    "subject": "payment schedule"}]),
        case(exceptions_to_policy=[]),
    ),
    (
        "MANPOWER-TRAVEL-DATA-SHEET",
        ["MANPOWER-TRAVEL-DATA-SHEET"],
        case(line("001", kind="manpower", unit_of_issue="LO", quantity=1, unit_cost=300000)),
        case(line("001", kind="manpower", unit_of_issue="LO", quantity=1, unit_cost=300000,
                  manpower={"travel_cost_per_day": 400,
                            "mtds_exemption": "C9.4.2.4.4 exempt function"})),
    ),
    (
        "MTDS on a Title 22 BPC case",
        [],
        case(line("001", kind="manpower", unit_of_issue="LO", quantity=1, unit_cost=300000),
             program="BPC", funding="bpc", terms_of_sale=["U.S. Government Grant"],
             fund_source=TITLE_22),
        case(line("001", kind="services", unit_of_issue="LO", quantity=1, unit_cost=300000,
                  severable=True, performance_period="12 months")),
    ),
    (
        "SOLE-SOURCE-REQUEST-LETTER",
        ["SOLE-SOURCE-REQUEST-LETTER"],
        case(line("001", sole_source={"firm": "Aster Radio Works", "role": "prime",
                                      "purchaser_request_date": "2026-01-15"})),
        case(line("001")),
    ),
    (
        "UNIQUE-PAYMENT-SCHEDULE",
        ["UNIQUE-PAYMENT-SCHEDULE"],
        case(payment_schedule_requested=True,
             payment_schedule=[{"date": "2026-09-30", "amount": 206400}]),
        case(payment_schedule=[{"date": "2026-09-30", "amount": 206400}]),
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "wanted", "trips", "misses"), ENTRY_CASES, ids=[c[0] for c in ENTRY_CASES]
)
def test_entry_triggers_on_its_content_only(chain, name, wanted, trips, misses) -> None:
    assert required(checklist(chain(trips))) == wanted
    assert required(checklist(chain(misses))) == []


def test_every_entry_of_the_table_is_exercised() -> None:
    covered = {k for _, wanted, _, _ in ENTRY_CASES for k in wanted}
    assert covered == set(checklist_ids())


def test_mtcr_is_not_asked_of_a_modification(chain) -> None:
    basic = case(line("001", items=["mtcr"]))
    mod = amendment(basic)
    mod["document"] = {"kind": "Modification", "number": 1, "implementation_date": "2026-10-20",
                       "purpose": "adds a radio line"}  # fmt: skip
    mod["lines"].append(line("002", items=["mtcr"]))
    assert "MTCR-STATE-APPROVAL" not in required(checklist(chain(basic, mod)))


def test_why_names_the_lines_and_the_trait(chain) -> None:
    data = case(line("001"), line("002"), line("003", items=["comsec", "eeum"]),
                line("004", items=["comsec", "eeum"]))  # fmt: skip
    (req,) = checklist(chain(data)).required
    assert req.lines == ("003", "004")
    assert req.why == (
        "Lines 003 and 004 carry COMSEC equipment (items comsec) without an NSA general release"
    )
    assert req.reference == "Table AP9.T4, Communications Security; Section C8.4.1.4"
    assert req.status == "missing" and req.path == "lines[2]"


def test_one_requirement_per_waiver_reference(chain) -> None:
    other = {"amount": 7000, "waiver": {"reference": "I-26/000222", "date": "2026-02-03"}}
    data = case(
        line("001", major_defense_equipment=True, nonrecurring_cost=WAIVER),
        line("002", major_defense_equipment=True, nonrecurring_cost=other),
        line("003", major_defense_equipment=True, nonrecurring_cost=WAIVER),
    )
    reqs = checklist(chain(data)).required
    assert [(r.key, r.lines) for r in reqs] == [
        ("I-26/000101", ("001", "003")),
        ("I-26/000222", ("002",)),
    ]
    assert reqs[0].why.endswith("; waiver I-26/000101")


# -- Amendments and Modifications: asked again only for what they change ------------------------


def test_amendment_unchanged_line_was_supplied_earlier(chain) -> None:
    basic = case(line("001", items=["gps_saasm"]))
    found = checklist(chain(basic, amendment(basic)))
    assert required(found) == []
    assert [r.kind for r in found.earlier] == [
        "GPS-PPS-SPACE-FORCE-APPROVAL",
        "GPS-PPS-STATE-MTCR-APPROVAL",
    ]


def test_amendment_raising_a_quantity_asks_again(chain) -> None:
    basic = case(line("001", items=["gps_saasm"]))
    amd = amendment(basic)
    amd["lines"][0]["quantity"] = 12
    found = checklist(chain(basic, amd))
    assert required(found) == ["GPS-PPS-SPACE-FORCE-APPROVAL", "GPS-PPS-STATE-MTCR-APPROVAL"]
    assert found.required[0].why.endswith("; this Amendment: Line 001 quantity up, value up")


def test_mtcr_asks_again_on_scope_not_on_price(chain) -> None:
    basic = case(line("001", items=["mtcr", "gps_saasm"]))
    priced = amendment(basic)
    priced["lines"][0]["unit_cost"] = 25000  # contract award: value up, same scope
    found = required(checklist(chain(basic, priced)))
    assert "MTCR-STATE-APPROVAL" not in found
    assert "GPS-PPS-SPACE-FORCE-APPROVAL" in found  # GPS: any increase
    more = amendment(basic)
    more["lines"][0]["quantity"] = 11
    (mtcr,) = [r for r in checklist(chain(basic, more)).required if r.kind == "MTCR-STATE-APPROVAL"]
    assert "more quantity on a defined order line" in mtcr.why


def test_a_trait_newly_given_to_a_line_counts(chain) -> None:
    basic = case(line("001"), line("002"))
    amd = amendment(basic)
    amd["lines"][1]["items"] = ["comsec", "eeum"]
    (req,) = checklist(chain(basic, amd)).required
    assert req.kind == "COMSEC-NSA-RELEASE"
    assert req.why.endswith("; this Amendment: Line 002 newly carries it")


def test_mtds_on_any_change_to_a_manpower_line_even_its_deletion(chain) -> None:
    manpower = {"kind": "manpower", "unit_of_issue": "LO", "quantity": 1, "unit_cost": 300000}
    basic = case(line("001"), line("002", **manpower), line("003", **manpower))
    same = amendment(basic)
    assert required(checklist(chain(basic, same))) == []
    changed = amendment(basic)
    changed["lines"][1]["months"] = "12-30"
    del changed["lines"][2]
    reqs = checklist(chain(basic, changed)).required
    assert [(r.kind, r.key) for r in reqs] == [
        ("MANPOWER-TRAVEL-DATA-SHEET", "002"),
        ("MANPOWER-TRAVEL-DATA-SHEET", "003"),
    ]
    assert reqs[1].why.endswith("Line 003 deleted")


def test_sole_source_asks_again_for_a_new_designation_only(chain) -> None:
    designated = {"firm": "Aster Radio Works", "role": "prime",
                  "purchaser_request_date": "2026-01-15"}  # fmt: skip
    basic = case(line("001", sole_source=designated))
    more = amendment(basic)
    more["lines"][0]["quantity"] = 20
    assert required(checklist(chain(basic, more))) == []
    other_firm = amendment(basic)
    other_firm["lines"][0]["sole_source"] = designated | {
        "firm": "Port Aster Electronics",
        "purchaser_request_date": "2026-05-02",
    }
    (req,) = checklist(chain(basic, other_firm)).required
    assert req.key == "2026-05-02"
    assert "request dated 2 May 2026" in req.why and "sole_source.firm changed" in req.why


def test_a_document_not_needed_again_says_how_its_lines_changed(chain, tmp_path: Path) -> None:
    """More quantity on a sole source line asks for no new request (C6.3.4.2: a new or changed
    designation does), but the line did change: the entry supplied earlier says so, and the
    command does not call its lines unchanged."""
    designated = {"firm": "Aster Radio Works", "role": "prime",
                  "purchaser_request_date": "2026-01-15"}  # fmt: skip
    basic = case(line("001", sole_source=designated), line("002", sole_source=designated))
    more = amendment(basic)
    more["lines"][0]["quantity"] = 14
    found = checklist(chain(basic, more))
    assert required(found) == []
    (earlier,) = found.earlier
    assert earlier.kind == "SOLE-SOURCE-REQUEST-LETTER"
    assert earlier.why.endswith(
        "; this Amendment: Line 001 quantity up, value up, which does not call for it again"
    )
    assert "Line 002" not in earlier.why.split("; this Amendment")[1]  # as it was
    result = runner.invoke(app, ["package", str(write_chain(tmp_path / "rad", basic, more))])
    said = " ".join(result.stdout.split())
    assert "unchanged" not in said
    assert (
        "Needed with an earlier document, not again with this one (nothing this document adds "
        "or changes calls for it again): SOLE-SOURCE-REQUEST-LETTER: Lines 001 and 002 carry"
    ) in said
    # nothing changed: nothing said of the lines
    (same,) = checklist(chain(basic, amendment(basic))).earlier
    assert "this Amendment" not in same.why


def test_exception_to_policy_asked_again_only_when_new(chain) -> None:
    etp = {"reference": "DSCA ETP 26-004", "date": "2026-02-10", "subject": "payment schedule"}
    basic = case(exceptions_to_policy=[etp])
    assert required(checklist(chain(basic, amendment(basic)))) == []
    amd = amendment(basic)
    amd["exceptions_to_policy"] = [etp, etp | {"reference": "DSCA ETP 26-019"}]
    (req,) = checklist(chain(basic, amd)).required
    assert req.key == "DSCA ETP 26-019" and req.why.endswith("new on this Amendment")


def test_a_printed_nc_waiver_note_asks_for_every_waiver_it_cites(chain) -> None:
    other = {"amount": 7000, "waiver": {"reference": "I-26/000222", "date": "2026-02-03"}}
    basic = case(line("001", major_defense_equipment=True, nonrecurring_cost=WAIVER))
    amd = amendment(basic)
    amd["lines"].append(line("002", major_defense_equipment=True, nonrecurring_cost=other))
    document = chain(basic, amd)
    assert [r.key for r in checklist(document).required] == ["I-26/000222"]
    printed = Selection(decisions=(Decision("NC-WAIVED", True, "rule holds", status="printed"),))
    reqs = checklist(document, printed).required
    assert [r.key for r in reqs] == ["I-26/000101", "I-26/000222"]
    assert "the NC-WAIVED note printed on this document cites it" in reqs[0].why


# -- the package list: documents at hand -------------------------------------------------------


def test_package_entries_mark_documents_at_hand(chain) -> None:
    manpower = {"kind": "manpower", "unit_of_issue": "LO", "quantity": 1, "unit_cost": 300000}
    data = case(
        line("001", major_defense_equipment=True, nonrecurring_cost=WAIVER,
             sole_source={"firm": "Aster Radio Works", "role": "prime",
                          "purchaser_request_date": "2026-01-15"}),
        line("002", **manpower),
        line("003", **manpower),
        package=[
            {"kind": "NC-RECOUPMENT-WAIVER", "reference": "i-26 / 000101", "date": "2026-02-01"},
            {"kind": "SOLE-SOURCE-REQUEST-LETTER", "reference": "BN/ARMY/77",
             "date": "2026-01-15"},
            {"kind": "MANPOWER-TRAVEL-DATA-SHEET", "reference": "MTDS-2", "date": "2026-03-01",
             "lines": ["002"], "note": "line 003 sheet still with the comptroller"},
        ],
    )  # fmt: skip
    found = checklist(chain(data))
    assert [(r.kind, r.key, r.status, r.at_hand) for r in found.required] == [
        ("NC-RECOUPMENT-WAIVER", "I-26/000101", "at hand", (0,)),
        ("MANPOWER-TRAVEL-DATA-SHEET", "002", "at hand", (2,)),
        ("MANPOWER-TRAVEL-DATA-SHEET", "003", "missing", ()),
        ("SOLE-SOURCE-REQUEST-LETTER", "2026-01-15", "at hand", (1,)),
    ]
    assert found.tracked and [r.key for r in found.missing] == ["003"]


def test_a_package_entry_for_another_waiver_or_date_is_not_this_one(chain) -> None:
    data = case(
        line("001", major_defense_equipment=True, nonrecurring_cost=WAIVER,
             sole_source={"firm": "Aster Radio Works", "role": "prime",
                          "purchaser_request_date": "2026-01-15"}),
        package=[
            {"kind": "NC-RECOUPMENT-WAIVER", "reference": "I-26/000999", "date": "2026-02-01"},
            {"kind": "SOLE-SOURCE-REQUEST-LETTER", "reference": "BN/ARMY/12",
             "date": "2025-11-30"},
        ],
    )  # fmt: skip
    found = checklist(chain(data))
    assert [r.status for r in found.required] == ["missing", "missing"]
    assert found.extra == (0, 1)


def test_an_entry_covering_some_lines_only_leaves_the_document_missing(chain) -> None:
    data = case(
        line("001", items=["nvd", "eeum"]),
        line("002", items=["nvd", "eeum"]),
        package=[{"kind": "NVD-DSCA-AUTHORIZATION-MEMO", "reference": "DSCA 26-NVD-3",
                  "date": "2026-02-20", "lines": ["001"]}],
    )  # fmt: skip
    assert checklist(chain(data)).required[0].status == "missing"
    data["package"][0]["lines"] = ["001", "002"]
    assert checklist(chain(data)).required[0].status == "at hand"


def test_a_package_entry_naming_a_line_not_on_the_document(chain) -> None:
    data = case(package=[{"kind": "SDAF-FAW", "reference": "FAW-9", "date": "2026-01-02",
                          "lines": ["009"]}])  # fmt: skip
    found = checklist(chain(data))
    assert found.notices == (
        (
            "package[0].lines",
            "the package entry SDAF-FAW (FAW-9) names Line 009, which is not on this Basic",
        ),
    )


def test_unknown_package_kind_is_a_case_error_with_did_you_mean(tmp_path: Path) -> None:
    from loagen.document import load_document

    data = case(package=[{"kind": "COMSEC-NSA-RELEAS", "reference": "X", "date": "2026-01-02"}])
    with pytest.raises(CaseError) as caught:
        load_document(write_chain(tmp_path, data))
    text = str(caught.value)
    assert "package[0].kind" in text
    assert "'COMSEC-NSA-RELEAS' is not a document of the LOA package checklist" in text
    assert "(did you mean 'COMSEC-NSA-RELEASE'?)" in text


def test_the_schema_lists_the_checklist_ids() -> None:
    from loagen.case.model import case_schema

    schema = json.dumps(case_schema())
    assert all(f'"{kind}"' in schema for kind in checklist_ids())


# -- check findings -------------------------------------------------------------------------------


def _ids(findings) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(f.rule_id, f.path) for f in findings if f.rule_id.startswith("QC-PACKAGE")]


def test_no_package_list_no_finding_an_empty_one_lists_every_missing_document(chain) -> None:
    data = case(line("001", items=["comsec", "eeum"]), line("002", source_code="F"))
    assert _ids(run_checks(chain(data))) == []
    data["package"] = []
    findings = [f for f in run_checks(chain(data)) if f.rule_id.startswith("QC-PACKAGE")]
    assert [(f.severity, f.rule_id, f.path) for f in findings] == [
        ("error", "QC-PACKAGE-APPROVAL", "lines[0]"),
        ("warning", "QC-PACKAGE-DOCUMENT", "lines[1]"),
        ("warning", "QC-PACKAGE-DOCUMENT", "lines[1]"),
    ]
    assert findings[0].message.startswith(
        "the package list has no National Security Agency release of the COMSEC equipment "
        "(COMSEC-NSA-RELEASE): Line 001 carries COMSEC equipment"
    )
    assert "SDAF-AAF" in findings[1].message + findings[2].message


def test_nc_waiver_masl_must_match_the_line(chain) -> None:
    data = case(line("001", major_defense_equipment=True,
                     nonrecurring_cost=WAIVER | {"waiver": WAIVER["waiver"] | {"masl": "R001RADIO0002"}}))  # fmt: skip
    (f,) = [f for f in run_checks(chain(data)) if f.rule_id == "QC-PACKAGE-NC-MASL"]
    assert f.severity == "error" and f.path == "lines[0].nonrecurring_cost.waiver.masl"
    assert "Line 001 has MASL R001RADIO0001" in f.message and "R001RADIO0002" in f.message
    data["lines"][0]["nonrecurring_cost"]["waiver"]["masl"] = "r001radio0001"
    assert not [f for f in run_checks(chain(data)) if f.rule_id == "QC-PACKAGE-NC-MASL"]


# -- the table ------------------------------------------------------------------------------------


def test_the_table_loads_and_its_notes_are_in_the_library() -> None:
    from loagen.policy.notes import load_library

    entries = load_checklist()
    assert [e.id for e in entries] == list(checklist_ids())
    library = load_library(ROOT / "note_library")
    for e in entries:
        assert all(n in library for n in e.notes), e.id


def test_a_broken_table_names_the_line_and_the_fix() -> None:
    path, text = table_text("package")
    bad = text.replace('rule: lines_with(items="mtcr")', 'rule: lines_with(items="mtrc")')
    with pytest.raises(LoagenError) as caught:
        _read_table(path, bad)
    message = str(caught.value)
    line_no = next(i for i, t in enumerate(bad.splitlines(), 1) if 'items="mtrc"' in t)
    assert f"line {line_no}" in message and "did you mean 'mtcr'?" in message
    bad = text.replace("    when: scope\n", "    when: sometimes\n")
    with pytest.raises(LoagenError) as caught:
        _read_table(path, bad)
    assert "when: Input should be 'every', 'added'" in str(caught.value)
    bad = text.replace("per: eda.approval_reference", "per: eda.approval_ref")
    with pytest.raises(LoagenError) as caught:
        _read_table(path, bad)
    assert "per 'eda.approval_ref': Eda has no field 'approval_ref'" in str(caught.value)


# -- loagen package, read as a user ------------------------------------------------------------


def test_loagen_package_lists_what_is_missing_and_why(tmp_path: Path) -> None:
    result = runner.invoke(app, ["package", str(CASES / "BN-D-QAA" / "basic.json")])
    assert result.exit_code == 1
    text = result.stdout
    assert "BN-D-QAA Basic (FMS)" in text
    assert "LOA package: 5 documents required, 0 at hand, 5 missing" in text
    assert "the case file keeps no package list" in text
    assert "MISSING  GPS-PPS-SPACE-FORCE-APPROVAL: U.S. Space Force" in text
    assert "why: Line 001 carries GPS Precise Positioning Service equipment with SAASM" in text
    assert "SAMM: Table AP9.T4, GPS/PPS SAASM; Section C3.7.3.3.3" in text
    assert "why: Line 001 carries a waived nonrecurring cost recoupment charge" in text
    assert "36(b) Congressional Notification: MISSING (required, none recorded)" in text
    assert "$165,000,000, reaches the $14,000,000 threshold" in text
    assert "Record each document at hand in the case file's `package` list" in text


def test_loagen_package_at_hand_and_exit_zero_when_nothing_is_missing(tmp_path: Path) -> None:
    data = case(
        line("001", items=["comsec", "eeum"]),
        package=[{"kind": "COMSEC-NSA-RELEASE", "reference": "NSA/REL/26-31",
                  "date": "2026-03-03"}],
    )  # fmt: skip
    path = write_chain(tmp_path / "BN-P-RAD", data)
    result = runner.invoke(app, ["package", str(tmp_path)])  # a folder
    assert result.exit_code == 0, result.stdout
    assert "LOA package: 1 document required, 1 at hand, 0 missing (package list of 1 entry)" in (
        result.stdout
    )
    assert "AT HAND  COMSEC-NSA-RELEASE: National Security Agency release" in result.stdout
    assert "at hand: package[0]: NSA/REL/26-31 of 3 March 2026" in result.stdout
    assert "36(b) Congressional Notification: not required" in result.stdout
    assert str(path) in result.stdout


def test_loagen_package_json(tmp_path: Path) -> None:
    sound = CASES / "BN-P-WRS" / "basic.json"
    qaa = CASES / "BN-D-QAA" / "modification-2.json"
    result = runner.invoke(app, ["package", "--json", str(sound), str(qaa)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    by_name = {d["document"]: d for d in report["documents"]}  # in path order
    wrs, mod = by_name["BN-P-WRS-basic"], by_name["BN-D-QAA-modification-2"]
    assert wrs["missing"] == 0 and wrs["package"]["required"] == []
    assert wrs["notification"]["required"] is False
    assert mod["document"] == "BN-D-QAA-modification-2"
    (req,) = mod["package"]["required"]
    assert req["kind"] == "MANPOWER-TRAVEL-DATA-SHEET" and req["status"] == "missing"
    assert req["why"].endswith("this Modification: Line 006 value down")
    assert {r["kind"] for r in mod["package"]["earlier"]} >= {"NC-RECOUPMENT-WAIVER"}


def test_loagen_package_reports_a_file_that_does_not_load(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps(example("BN-P-WRS/basic") | {"package": [{"kind": "X"}]}))
    result = runner.invoke(app, ["package", str(bad)])
    assert result.exit_code == 3
    assert "package[0].kind" in result.stderr


@pytest.mark.parametrize("broken", ["not JSON", "no lines"])
def test_loagen_package_exits_3_for_a_file_that_does_not_load_after_one_that_lacks(
    tmp_path: Path, broken: str
) -> None:
    """As `check` does: a document lacking a package document (exit 1) read before a file
    that does not load does not hide it."""
    amendment = example("BN-D-QAA/amendment-1") | {"lines": []}
    last = write_chain(tmp_path / "qaa", example("BN-D-QAA/basic"), amendment)
    if broken == "not JSON":
        last.write_text(last.read_text()[:200])
    result = runner.invoke(app, ["package", str(tmp_path / "qaa")])
    assert "MISSING" in result.output  # the Basic, read first, lacks documents
    assert result.exit_code == 3, result.output
    check = runner.invoke(app, ["check", str(tmp_path / "qaa")])
    assert check.exit_code == 3


def test_loagen_package_help_says_when_it_exits_1() -> None:
    result = runner.invoke(app, ["package", "--help"])
    assert result.exit_code == 0
    assert "Exits 1 when any document lacks" in " ".join(result.stdout.split())


def test_cli_package_lists_a_cases_documents_in_the_order_they_were_written(
    tmp_path: Path,
) -> None:
    """A folder's documents come as `check` and the reports list them: the Basic, then each
    document after the one it follows (not by file name, which puts amendment-1 first)."""
    docs = [example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")]
    write_chain(tmp_path / "qaa", *docs)
    result = runner.invoke(app, ["package", str(tmp_path / "qaa")])
    titles = [line.split(" (FMS)")[0] for line in result.output.splitlines() if " (FMS)" in line]
    assert titles == ["BN-D-QAA Basic", "BN-D-QAA Amendment 1"], result.output
