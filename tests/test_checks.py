"""Quality control (SAMM Appendix 9): each rule trips on a broken case and passes a sound one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from loagen.cli import app
from loagen.document.costs import asked_by
from loagen.document.wording import money, spell_date
from loagen.pipeline import Pipeline
from loagen.policy.checks import (
    Finding,
    find_contact_data,
    find_markings,
    find_names,
    list_rules,
    run_checks,
)
from loagen.policy.in_force import CaseNotes, InForce
from loagen.policy.selection import SelectedNote, Selection
from loagen.project import Project

from .conftest import CASES, example, write_chain

EXAMPLES = sorted(CASES.glob("*/*.json"))
Docs = list[dict[str, Any]]


# -- building broken variants of the examples -------------------------------------------------


def qaa() -> Docs:
    return [example("BN-D-QAA/basic")]


def qaa_amendment() -> Docs:
    return [example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")]


def qaa_modification() -> Docs:
    return [*qaa_amendment(), example("BN-D-QAA/modification-1")]


def zea() -> Docs:
    return [example("BN-B-ZEA/basic")]


def tab() -> Docs:
    return [example("BN-B-TAB/basic")]


def wrs() -> Docs:
    return [example("BN-P-WRS/basic")]


NSR_LINE = {
    "number": "007",
    "masl": "079200N0NSPRQ",
    "description": "NON-SPECIFIC REQUIREMENTS",
    "quantity": 1,
    "unit_of_issue": "LO",
    "unit_cost": 1000000,
    "source_code": "S",
    "type_of_assistance": "3",
    "kind": "services",
}


# Title 10 BPC funding: the Basic of BN-B-TAB (offered in 2026) then bears indirect charges.
T10_SOURCE = {"program": "Section 333", "fiscal_year": "FY26"}
T22_SOURCE = {"program": "Peacekeeping Operations", "fiscal_year": "FY26"}
NO_ACCESSORIALS = {"packing_crating_handling": 0, "transportation": 0, "other": 0}
NSPO_WAIVER = {
    "kind": "nspo",
    "project_title": "NSPO C-130 Support Partnership",
    "reference": "USNATO memorandum 25-117",
}
RTA_WAIVER = {
    "kind": "reciprocal_training",
    "amount": 131200,  # Line 005 of BN-D-QAA: $4,100,000 at 3.2 percent
    "agreement_title": "United States - Bandaria Reciprocal Training Agreement",
    "agreement_effective_date": "2019-03-01",
    "reimbursed_by": "Headquarters, Bandarian Air Force",
    "obligation_document": "MOD 25-0031",
    "lines": ["005"],
}
FOC = {
    "authority": "333",
    "program_title": "FY26 Bandaria Border Security",
    "program_office": "Army Security Assistance Command",
    "major_end_item": "Light Tactical Vehicle",
}
SOLE_SOURCE_APPROVAL = {"approved_by": "ACC-Warren", "authority": "10 U.S.C. 3204(a)(4)"}
DIRECT_FUNDED = {
    "procuring_activity": "U.S. Army Contracting Command",
    "training_summary": "driver and maintainer courses for the vehicles",
}
T22_SOURCE_FULL = {
    **T22_SOURCE,
    "iaa_moa": {"document": "IAA 26-004"},
    "obligation_number": "19X1032-26-0044",
}


def tab_t10() -> Docs:
    """BN-B-TAB as a sound Title 10 BPC case: fund source, module, no accessorial charges."""
    return edit(
        tab,
        ("fund_source", T10_SOURCE),
        ("accessorial", NO_ACCESSORIALS),
        ("bpc_system", "case_module"),
    )()


CONSOLIDATION = {
    "point": "Bandaria Logistics Depot",
    "address": ["1 Harbour Road", "Port Aster"],
    "lines": ["001", "002"],
}


def edit(make: Callable[[], Docs], *changes: tuple[str, Any]) -> Callable[[], Docs]:
    """`make` with each (path, value) set on its last document; path like 'lines.2.quantity'.
    A value of DELETE removes the key or list item; APPEND(value) appends to a list."""

    def build() -> Docs:
        docs = make()
        for path, value in changes:
            _set(docs[-1], path, value)
        return docs

    return build


DELETE = object()


class APPEND:
    def __init__(self, value: Any) -> None:
        self.value = value


def _set(data: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[part]
    key: Any = int(last) if isinstance(data, list) else last
    if value is DELETE:
        del data[key]
    elif isinstance(value, APPEND):
        data[key].append(json.loads(json.dumps(value.value)))
    else:
        data[key] = value


def findings_of(chain, make: Callable[[], Docs], selection: Selection | None = None):
    return run_checks(chain(*make()), selection)


def by_rule(findings, rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]


# -- every rule: a case that trips it (with the path) and one that passes it --------------------


def _with_schedules(*schedules: list[tuple[str, int]]) -> Docs:
    """The BN-D-QAA Basic and Amendment 1, each with the payment schedule given."""
    docs = qaa_amendment()
    for doc, rows in zip(docs, schedules, strict=True):
        doc["payment_schedule"] = [{"date": d, "amount": a} for d, a in rows]
    return docs


def _rows(*dates: str) -> list[dict[str, Any]]:
    """A payment schedule of $1,000 rows on these dates."""
    return [{"date": d, "amount": 1000} for d in dates]


def _qaa_dated() -> Docs:
    """BN-D-QAA's Basic and Amendment 1, the Basic dated 10 March 2025."""
    docs = qaa_amendment()
    docs[0]["document"]["date"] = "2025-03-10"
    return docs


# (rule id, path of the first finding or None, broken variant, sound variant)
RULE_CASES: list[tuple[str, str | None, Callable[[], Docs], Callable[[], Docs]]] = [
    (
        "QC-CLASSIFIED",
        "lines[1].description",
        edit(qaa, ("lines.1.description", "SUPPORT EQUIPMENT (SECRET)")),
        edit(
            qaa,
            (
                "lines.1.line_note",
                "Includes Secret Internet Protocol Router Network (SIPRNET) "
                "terminals; confidential pricing is not shown.",
            ),
        ),
    ),
    (
        "QC-CUI",
        "document.purpose",
        edit(qaa, ("document.purpose", "provides for radar parts (CUI//SP-EXPT)")),
        edit(qaa, ("document.purpose", "provides for radar parts and cuing units")),
    ),
    (
        "QC-CHAIN-PROGRAM",
        "program",
        edit(qaa_amendment, ("program", "BPC"), ("funding", "bpc")),
        qaa_amendment,
    ),
    (
        "QC-CHAIN-CATEGORY",
        "category",
        edit(qaa_amendment, ("category", "blanket_order")),
        qaa_amendment,
    ),
    (
        "QC-CHAIN-PARTY",
        "purchaser.name",
        edit(qaa_amendment, ("purchaser.name", "Ministry of Interior of the Republic of Bandaria")),
        qaa_amendment,
    ),
    (
        "QC-SOLE-SOURCE-DATE",
        "lines[0].sole_source.purchaser_request_date",
        edit(qaa, ("lines.0.sole_source.purchaser_request_date", DELETE)),
        qaa,
    ),
    (
        "QC-SERVICE-SEVERABLE",
        "lines[5].performance_period",
        edit(qaa, ("lines.5.severable", True)),
        edit(qaa, ("lines.5.severable", False), ("lines.5.performance_period", "24 months")),
    ),
    (
        "QC-NSR-FIELDS",
        "lines[1].nsr_covers_price_increases",
        edit(qaa, ("lines.1.nsr_covers_price_increases", True)),
        edit(qaa, ("lines", APPEND({**NSR_LINE, "nsr_covers_price_increases": True}))),
    ),
    (
        "QC-TOW-2B",
        "lines[0].items",
        edit(qaa, ("lines.0.items", ["tow_2b"])),
        # the same line on an Amendment that did not add it: the warning was given on the Basic
        edit(qaa_amendment, ("lines.0.items", ["tow_2b"])),
    ),
    (
        "QC-CONSOLIDATION-LINES",
        "shipment_consolidation.lines[1]",
        edit(qaa, ("shipment_consolidation", {**CONSOLIDATION, "lines": ["001", "009"]})),
        edit(qaa, ("shipment_consolidation", CONSOLIDATION)),
    ),
    (
        "QC-WAIVER-AWACS-COUNTRY",
        "admin_surcharge_waiver.kind",
        edit(qaa, ("admin_surcharge_waiver", {"kind": "nato_awacs"})),
        edit(qaa, ("case_id", "N1-D-QAA"), ("admin_surcharge_waiver", {"kind": "nato_awacs"})),
    ),
    (
        "QC-WAIVER-BPC",
        "admin_surcharge_waiver",
        edit(tab, ("admin_surcharge_waiver", NSPO_WAIVER)),
        edit(qaa, ("admin_surcharge_waiver", NSPO_WAIVER)),
    ),
    (
        "QC-WAIVER-RTA-LINES",
        "admin_surcharge_waiver.lines[1]",
        edit(qaa, ("admin_surcharge_waiver", {**RTA_WAIVER, "lines": ["005", "006"]})),
        edit(qaa, ("admin_surcharge_waiver", RTA_WAIVER)),
    ),
    (
        "QC-WAIVER-AMOUNT",
        "admin_surcharge_waiver.amount",
        lambda: rta_amendment(quantity=2),  # the amount of the Basic, the line now twice as big
        lambda: rta_amendment(quantity=1),
    ),
    (
        "QC-SCML-ONE",
        "lines[5].scml",
        edit(qaa, ("lines.3.scml", True), ("lines.5.scml", True)),
        edit(qaa, ("lines.3.scml", True)),
    ),
    (
        "QC-SCML-DATE",
        "lines[3].scml",
        edit(qaa_amendment, ("lines.3.scml", True)),  # implemented 21 July 2025
        edit(qaa, ("lines.3.scml", True), ("document.cwd_approval_date", "2012-06-01")),
    ),
    (
        "QC-SCML-VALUE",
        "lines[3].unit_cost",
        edit(qaa, ("lines.3.scml", True)),  # $450,000 beside millions of surcharge
        edit(qaa, ("lines.3.scml", True), ("lines.3.unit_cost", 0)),
    ),
    (
        "QC-PSC-ARMY",
        "lines[3].program_support_charge",
        edit(qaa, ("lines.3.program_support_charge", "snap")),  # D: the Air Force
        edit(zea, ("lines.1.program_support_charge", "snap")),  # B: the Army
    ),
    (
        "QC-NC-WAIVER-REQUESTED",
        "lines[6].nonrecurring_cost.amount",
        edit(
            qaa_amendment,
            ("lines.6.nonrecurring_cost.amount", 0),
            ("lines.6.nonrecurring_cost.waiver_requested", {"forwarded_date": "2026-05-04"}),
        ),
        edit(
            qaa_amendment,
            ("lines.6.nonrecurring_cost.waiver_requested", {"forwarded_date": "2026-05-04"}),
        ),
    ),
    (
        "QC-BPC-INDIRECT-ACCESSORIAL",
        "accessorial.packing_crating_handling",
        edit(tab, ("fund_source", T10_SOURCE)),
        tab_t10,
    ),
    (
        "QC-ACCESSORIAL-LINES",
        "accessorial.pch_lines[1]",
        edit(qaa, ("accessorial.pch_lines", ["001", "009"])),
        edit(qaa, ("accessorial.pch_lines", ["001", "002"])),
    ),
    (
        "QC-ACCESSORIAL-DTC",
        "accessorial.transportation",
        edit(qaa, ("accessorial.transportation", 0), ("lines.1.delivery_term_code", "9")),
        edit(qaa, ("accessorial.transportation", 0)),  # Line 005 (DTC 2) is training: not shipped
    ),
    (
        "QC-ACCESSORIAL-NO-MATERIEL",
        "accessorial.packing_crating_handling",
        edit(wrs, ("accessorial", {**NO_ACCESSORIALS, "packing_crating_handling": 5000})),
        edit(wrs, ("accessorial", NO_ACCESSORIALS)),
    ),
    (
        "QC-ACCESSORIAL-UNCHANGED",
        "accessorial.packing_crating_handling",
        edit(
            qaa_amendment,
            ("accessorial.packing_crating_handling", 310000),  # as on the Basic
            ("lines.0.quantity", 1),
        ),
        edit(qaa_amendment, ("accessorial.packing_crating_handling", 310000)),  # lines grow
    ),
    (
        "QC-BPC-FUND-SOURCE",
        "fund_source",
        tab,
        tab_t10,
    ),
    (
        "QC-BPC-SYSTEM",
        "bpc_system",
        edit(tab_t10, ("bpc_system", DELETE)),  # FY26
        edit(tab_t10, ("bpc_system", DELETE), ("fund_source.fiscal_year", "FY24")),
    ),
    (
        "QC-BPC-APPROVAL-DATE",
        "document.cwd_approval_date",
        edit(tab_t10, ("document.offer_expiration_date", "2020-10-13")),
        edit(
            tab_t10,
            ("document.offer_expiration_date", "2020-10-13"),
            ("document.cwd_approval_date", "2020-07-30"),
        ),
    ),
    (
        "QC-SOLE-SOURCE-BPC",
        "lines[0].sole_source.approved_by",
        tab,
        edit(
            tab,
            (
                "lines.0.sole_source",
                {**example("BN-B-TAB/basic")["lines"][0]["sole_source"], **SOLE_SOURCE_APPROVAL},
            ),
        ),
    ),
    (
        "QC-FOC-DELIVERY",
        "lines[0].foc_delivery",
        edit(tab_t10, ("lines.0.foc_delivery", {"year": 2027, "quarter": 2})),
        edit(tab_t10, ("foc", FOC), ("lines.0.foc_delivery", {"year": 2027, "quarter": 2})),
    ),
    (
        "QC-S333-DIRECT-FUNDED",
        "fund_source.direct_funded_equipment",
        edit(
            tab,
            ("fund_source", {**T22_SOURCE, "direct_funded_equipment": DIRECT_FUNDED}),
        ),
        edit(
            tab_t10,
            ("fund_source", {**T10_SOURCE, "direct_funded_equipment": DIRECT_FUNDED}),
        ),
    ),
    (
        "QC-BPC-T22-AGREEMENT",
        "fund_source.iaa_moa",
        edit(tab, ("fund_source", T22_SOURCE)),
        edit(tab, ("fund_source", T22_SOURCE_FULL)),
    ),
    (
        "QC-TOS-DU-COUNTRY-UNKNOWN",
        "terms_of_sale[0]",
        edit(qaa, ("case_id", "ZZ-D-QAA")),  # a code the table does not hold
        qaa,
    ),
    (
        "QC-EDA-GRANT-COUNTRY-UNKNOWN",
        "lines[0].eda.kind",
        edit(zea, ("case_id", "ZZ-B-ZEA")),
        zea,
    ),
    (
        "QC-PII",
        "lines[0].line_note",
        edit(qaa, ("lines.0.line_note", "Questions to john.smith@mail.mil.")),
        edit(qaa, ("lines.0.line_note", "Includes NSN 1005-01-123-4567 and waiver I-24/004512.")),
    ),
    (
        "QC-PII-NAME",
        "lines[0].line_note",
        edit(qaa, ("lines.0.line_note", "Delivery is coordinated by COL Jane Doe.")),
        edit(qaa, ("lines.0.line_note", "Includes M240 MG Mount kits and Lockheed Martin data.")),
    ),
    (
        "QC-TERM-CUSTOMER",
        "document.purpose",
        edit(qaa, ("document.purpose", "provides for two C-130J aircraft for the Customer")),
        edit(tab, ("purchaser_references.0.reference", "Customer Request (CR) COCOM-J5-26-014")),
    ),
    (
        "QC-TERM-BPC-PARTY",
        "document.purpose",
        edit(tab, ("document.purpose", "provides for twelve vehicles requested by the Purchaser")),
        qaa,  # "Purchaser's configuration" is right on an FMS case
    ),
    (
        "QC-TERM-US-NOUN",
        "lines[4].line_note",
        edit(qaa, ("lines.4.line_note", "Training takes place in the U.S.")),
        edit(qaa, ("lines.4.line_note", "Training uses U.S. Government and U.S.-flag transport.")),
    ),
    (
        "QC-TERM-DATE",
        "document.reason",
        edit(qaa_amendment, ("document.reason", "per the LOR of 03/09/2026")),
        edit(qaa_amendment, ("document.reason", "per the LOR of 9 March 2026")),
    ),
    (
        "QC-TERM-USG",
        "lines[0].line_note",
        edit(qaa, ("lines.0.line_note", "Includes USG furnished equipment.")),
        edit(qaa, ("lines.0.line_note", "Includes U.S. Government furnished equipment.")),
    ),
    (
        "QC-TERM-LINE-ITEM",
        "document.purpose",
        edit(qaa_amendment, ("document.purpose", "increases Line Item 002")),
        edit(qaa_amendment, ("document.purpose", "increases Line 002")),
    ),
    (
        "QC-TERM-MOS",
        "document.purpose",
        edit(qaa_amendment, ("document.purpose", "extends the PoP of Line 006")),
        edit(
            qaa_amendment, ("document.purpose", "extends the Months of Service (MOS) of Line 006")
        ),
    ),
    (
        "QC-TERM-LINE-NUMBER",
        "document.purpose",
        edit(qaa_amendment, ("document.purpose", "increases line 2 and Lines 004 - 005")),
        edit(qaa_amendment, ("document.purpose", "increases Line 002 and Lines 004-005")),
    ),
    (
        "QC-PURPOSE-CHANGES",
        "document.purpose",
        # Amendment 1 adds Line 007 and raises Lines 002, 003 and 006, and lowers none
        edit(qaa_amendment, ("document.purpose", "adds Line 007 and decreases Line 002")),
        edit(qaa_amendment, ("document.purpose", "adds Line 007 and increases Lines 002-003")),
    ),
    (
        "QC-PURPOSE-QUANTITY",
        "document.purpose",
        # Amendment 1 adds Line 007: two C-130J aircraft
        edit(qaa_amendment, ("document.purpose", "provides three additional aircraft on Line 007")),
        edit(qaa_amendment, ("document.purpose", "provides two additional aircraft on Line 007")),
    ),
    (
        "QC-REFS-AMD-REQUEST",
        "purchaser_references",
        edit(
            qaa_amendment,
            (
                "purchaser_references",
                [
                    {"reference": "BN/MODAT/2312", "date": "2024-02-14"},
                    {"reference": "BN/MODAT/2398", "date": "2024-05-03"},
                ],
            ),
        ),  # fmt: skip
        qaa_amendment,  # cites BN/MODAT/2733, the request for the change
    ),
    (
        "QC-SCHEDULE-STALE",
        "payment_schedule[0].date",
        lambda: _with_schedules(
            [("2025-06-30", 100_000_000), ("2026-03-15", 95_875_600)],
            [("2025-06-30", 100_000_000), ("2026-03-15", 279_252_000)],
        ),
        lambda: _with_schedules(
            [("2025-06-30", 100_000_000), ("2026-03-15", 95_875_600)],
            [("2026-09-15", 200_000_000), ("2026-12-15", 179_252_000)],
        ),
    ),
    (
        "QC-SCHEDULE-EARLIER",
        "payment_schedule",
        # the Basic made $195,875,600 due by 15 March 2026
        lambda: _with_schedules(
            [("2025-06-30", 100_000_000), ("2026-03-15", 95_875_600)],
            [("2026-09-15", 150_000_000), ("2026-12-15", 229_252_000)],
        ),
        lambda: _with_schedules(
            [("2025-06-30", 100_000_000), ("2026-03-15", 95_875_600)],
            [("2026-09-15", 200_000_000), ("2026-12-15", 179_252_000)],
        ),
    ),
    (
        "QC-TERMS-BREAKOUT",
        "terms_of_sale",
        edit(qaa, ("terms_of_sale", ["FMS Credit (Non-Repayable)", "Cash Prior to Delivery"])),
        edit(
            qaa,
            ("terms_of_sale", ["FMS Credit (Non-Repayable)", "Cash Prior to Delivery"]),
            (
                "terms_breakout",
                [
                    {"term": "FMS Credit (Non-Repayable)", "amount": 100000000},
                    {"term": "Cash Prior to Delivery"},
                ],
            ),  # fmt: skip
        ),
    ),
    (
        "QC-TERMS-BREAKOUT-OVER",
        "terms_breakout",
        edit(
            qaa,
            ("terms_of_sale", ["FMS Credit (Non-Repayable)", "Cash Prior to Delivery"]),
            (
                "terms_breakout",
                [
                    {"term": "FMS Credit (Non-Repayable)", "amount": 200000000},
                    {"term": "Cash Prior to Delivery"},
                ],
            ),  # fmt: skip
        ),
        edit(
            qaa,
            ("terms_of_sale", ["FMS Credit (Non-Repayable)", "Cash Prior to Delivery"]),
            (
                "terms_breakout",
                [
                    {"term": "FMS Credit (Non-Repayable)", "amount": 195875600},
                    {"term": "Cash Prior to Delivery"},
                ],
            ),  # fmt: skip
        ),
    ),
    (
        "QC-TENSE",
        "document.purpose",
        edit(qaa_amendment, ("document.purpose", "increased the quantity of Line 001")),
        edit(qaa_amendment, ("document.purpose", "increases the quantity of Line 001")),
    ),
    (
        "QC-PURPOSE-VERB",
        "document.purpose",
        edit(qaa, ("document.purpose", "two C-130J aircraft with support")),
        edit(qaa, ("document.purpose", "Provides for two C-130J aircraft with support.")),
    ),
    (
        "QC-ACRONYM",
        "document.purpose",
        edit(qaa, ("document.purpose", "provides for two C-130J aircraft IAW the LOR")),
        edit(
            qaa,
            (
                "document.purpose",
                "provides for two C-130J aircraft per the Letter of Request (LOR); the LOR "
                "names the FMS spares",
            ),
        ),
    ),
    (
        "QC-NOMENCLATURE",
        "lines[1].nomenclature",
        edit(qaa, ("lines.1.description", "KIT, MODIFICATION, WITH CABLES")),
        edit(
            qaa,
            ("lines.1.description", "KIT, MODIFICATION, WITH CABLES"),
            ("lines.1.nomenclature", "modification kit with cables"),
        ),
    ),
    (
        "QC-ITEM-ABBREVIATION",
        "lines[1].description",
        edit(qaa, ("lines.1.description", "Support equipment, qty 1 w/ tools & spares")),
        edit(
            qaa,
            ("lines.1.description", "Support equipment, qty 1 w/ tools & spares"),
            ("lines.1.nomenclature", "support equipment with tools and spares"),
        ),
    ),
    (
        "QC-STATE-DESCRIPTION",
        "state_description",
        edit(qaa, ("state_description", "Support equipment and spares for the C-130J.")),
        edit(qaa, ("state_description", "MDE: 2 C-130J aircraft, with their support.")),
    ),
    (
        "QC-SLS",
        "lines[3].manpower.justification",
        edit(zea, ("lines.3.manpower.justification", "Support above Standard Level of Service.")),
        zea,
    ),
    (
        "QC-REFS-MISSING",
        "purchaser_references",
        edit(qaa, ("purchaser_references", [])),
        qaa_modification,  # a Modification without references reads "per U.S. Government Review"
    ),
    (
        "QC-REFS-MOD-COPIED",
        "purchaser_references",
        edit(
            qaa_modification,
            ("purchaser_references", example("BN-D-QAA/amendment-1")["purchaser_references"]),
        ),
        edit(
            qaa_modification,
            ("purchaser_references", [{"reference": "BN/MODAT/2790", "date": "2026-10-02"}]),
        ),
    ),
    (
        "QC-REFS-DATE",
        "purchaser_references[1].date",
        edit(qaa, ("purchaser_references.1.date", "2025-07-01")),
        edit(qaa, ("purchaser_references.1.date", "2025-06-30")),
    ),
    (
        "QC-OED-ORDER",
        "document.offer_expiration_date",
        edit(qaa_amendment, ("document.offer_expiration_date", "2025-06-01")),
        qaa_amendment,
    ),
    (
        "QC-OED-MOD",
        "document.short_oed_reason",
        edit(qaa_modification, ("document.short_oed_reason", "contract award deadline")),
        edit(qaa, ("document.short_oed_reason", "contract award deadline")),
    ),
    (
        "QC-OED-SHORT",
        "document.offer_expiration_date",
        edit(qaa, ("document.offer_expiration_date", "2024-06-01")),
        edit(
            qaa,
            ("document.offer_expiration_date", "2024-06-01"),
            ("document.short_oed_reason", "contract award deadline"),
        ),
    ),
    (
        "QC-OED-BPC-LONG",
        "document.offer_expiration_date",
        edit(tab, ("document.cwd_approval_date", "2025-12-01")),
        edit(tab, ("document.cwd_approval_date", "2026-03-20")),
    ),
    (
        "QC-BASE-DATE",
        "document.implementation_date",
        edit(qaa_modification, ("document.implementation_date", "2025-08-01")),
        qaa_modification,
    ),
    (
        "QC-IMPL-DATE",
        "document.implementation_date",
        edit(qaa_amendment, ("document.implementation_date", "2024-05-02")),
        edit(qaa_amendment, ("document.implementation_date", "2024-05-03")),
    ),
    (
        "QC-DATE-OED",
        "document.date",
        edit(qaa_amendment, ("document.date", "2026-09-16")),
        edit(qaa_amendment, ("document.date", "2026-09-15")),
    ),
    (
        "QC-DATE-ORDER",
        "document.date",
        edit(_qaa_dated, ("document.date", "2025-03-09")),  # the Basic: 10 March 2025
        edit(_qaa_dated, ("document.date", "2025-08-01")),
    ),
    (
        "QC-RESTATED",
        "document.restated",
        edit(qaa_modification, ("document.restated", {"previous_offer_date": "2026-10-01"})),
        edit(qaa, ("document.restated", {"previous_offer_date": "2025-05-01"})),
    ),
    (
        "QC-CLOSURE",
        "document.case_closure",
        edit(qaa, ("document.case_closure", True)),
        edit(qaa_modification, ("document.case_closure", True)),
    ),
    (
        "QC-PURPOSE-REASON",
        "document.reason",
        edit(
            qaa_modification, ("document.reason", DELETE), ("document.purpose", "revises Line 002")
        ),
        qaa_modification,
    ),
    (
        "QC-COUNTRY-UNKNOWN",
        "case_id",
        edit(qaa, ("case_id", "ZZ-D-QAA")),
        qaa,
    ),
    (
        "QC-BPC-FISCAL-YEAR",
        "fund_source.fiscal_year",
        edit(tab_t10, ("fund_source", {**T10_SOURCE, "fiscal_year": "the current year"})),
        tab_t10,
    ),
    (
        "QC-IA-UNKNOWN",
        "case_id",
        edit(qaa, ("case_id", "BN-Z-QAA")),
        qaa,
    ),
    (
        "QC-TOS-DU-COUNTRY",
        "terms_of_sale[0]",
        edit(qaa, ("case_id", "B6-D-QAA")),
        qaa,
    ),
    (
        "QC-TOS-DU-LINES",
        "terms_of_sale[1]",
        edit(wrs, ("terms_of_sale", ["Cash Prior to Delivery", "Dependable Undertaking"])),
        qaa,
    ),
    (
        "QC-TOS-CPD-LINES",
        "terms_of_sale[0]",
        edit(qaa, ("lines", [example("BN-D-QAA/basic")["lines"][0]])),
        qaa,
    ),
    (
        "QC-TOS-CWA-SCHEDULE",
        "terms_of_sale[0]",
        edit(qaa, ("terms_of_sale", ["Cash With Acceptance", "Dependable Undertaking"])),
        wrs,  # Cash With Acceptance alone
    ),
    (
        "QC-TOS-SPECIAL",
        "terms_of_sale[2]",
        edit(qaa, ("terms_of_sale", APPEND("Payment on Delivery"))),
        edit(wrs, ("terms_of_sale", ["Cash With Acceptance-Balance as Billed"])),
    ),
    (
        "QC-FUNDING",
        "funding",
        edit(qaa, ("funding", "bpc")),
        qaa,
    ),
    (
        "QC-TA-TERMS",
        "lines[0].type_of_assistance",
        edit(qaa, ("terms_of_sale", ["Cash Prior to Delivery"])),
        qaa,
    ),
    (
        "QC-TA-SOURCE",
        "lines[3].type_of_assistance",
        edit(qaa, ("lines.3.type_of_assistance", "5")),
        qaa,
    ),
    (
        "QC-MIN-DOLLAR",
        "lines[2].unit_cost",
        edit(qaa, ("lines.2.unit_cost", 1)),
        zea,  # a grant EDA line at $0 is expected
    ),
    (
        "QC-ZERO-NOT-DELETED",
        "lines[2].unit_cost",
        edit(qaa_modification, ("lines.2.unit_cost", 0)),
        qaa_modification,  # decreased, not to zero
    ),
    (
        "QC-NSR-SHARE",
        "lines[6].unit_cost",
        edit(qaa, ("lines", APPEND({**NSR_LINE, "unit_cost": 30000000}))),
        edit(qaa, ("lines", APPEND(NSR_LINE))),
    ),
    (
        "QC-NSR-SOURCE",
        "lines[6].source_code",
        edit(qaa, ("lines", APPEND({**NSR_LINE, "source_code": "P"}))),
        edit(qaa, ("lines", APPEND(NSR_LINE))),
    ),
    (
        "QC-NSR-CODES",
        "lines[6].months",
        edit(qaa, ("lines", APPEND({**NSR_LINE, "months": "1-12"}))),
        edit(qaa, ("lines", APPEND(NSR_LINE))),
    ),
    (
        "QC-NSR-PROGRAM",
        "lines[6].masl",
        edit(
            qaa,
            ("lines", APPEND(NSR_LINE)),
            ("funding", "fmf"),
            ("terms_of_sale", ["FMS Credit (Non-Repayable)"]),
        ),
        edit(qaa, ("lines", APPEND(NSR_LINE))),
    ),
    (
        "QC-SOLE-SOURCE-STOCK",
        "lines[3].sole_source",
        edit(qaa, ("lines.3.sole_source", example("BN-D-QAA/basic")["lines"][0]["sole_source"])),
        edit(qaa, ("lines.1.sole_source", example("BN-D-QAA/basic")["lines"][0]["sole_source"])),
    ),
    (
        "QC-SOLE-SOURCE-REQUEST",
        "lines[6].sole_source.purchaser_request_date",
        edit(qaa_amendment, ("lines.6.sole_source.purchaser_request_date", "2024-02-14")),
        qaa_amendment,
    ),
    (
        "QC-NC-NOT-APPLICABLE",
        "lines[0].nonrecurring_cost",
        edit(qaa, ("funding", "fmf"), ("terms_of_sale", ["FMS Credit (Non-Repayable)"])),
        qaa,
    ),
    (
        "QC-NC-MDE",
        "lines[0].nonrecurring_cost",
        edit(qaa, ("lines.0.major_defense_equipment", False)),
        qaa,
    ),
    (
        "QC-NC-LINE-VALUE",
        "lines[0].nonrecurring_cost.amount",
        edit(qaa, ("lines.0.nonrecurring_cost", {"amount": 165_000_001})),  # 2 at $82.5M
        edit(qaa, ("lines.0.nonrecurring_cost", {"amount": 165_000_000})),
    ),
    (
        "QC-WWRS-MASL",
        "lines[0].masl",
        edit(wrs, ("lines.0.masl", "WWRSSELLER01")),
        wrs,
    ),
    (
        "QC-WWRS-TERMS",
        "terms_of_sale[0]",
        edit(wrs, ("terms_of_sale", ["Cash Prior to Delivery"])),
        edit(wrs, ("terms_of_sale", ["Cash With Acceptance-Balance as Billed"])),
    ),
    (
        "QC-TRAINING-DATA",
        "lines[4].training",
        edit(qaa, ("lines.4.training", DELETE)),
        qaa,
    ),
    (
        "QC-TRAINING-SEPARATE",
        "lines[3].training",
        edit(qaa, ("lines.3.training", example("BN-D-QAA/basic")["lines"][4]["training"])),
        qaa,
    ),
    (
        "QC-TRAINING-KIND",
        "lines[5].kind",
        edit(qaa, ("lines.5.description", "TECHNICAL ASSISTANCE AND TRAINING")),
        qaa,
    ),
    (
        "QC-TLA-REQUEST",
        "lines[4].training.travel_and_living_allowance",
        lambda: [
            *edit(qaa_amendment, ("lines.4.training.travel_and_living_allowance", False))(),
            example("BN-D-QAA/modification-1"),
        ],
        qaa_modification,
    ),
    (
        "QC-TLA-OCONUS",
        "lines[3].training.travel_and_living_allowance",
        edit(zea, ("lines.3.training.travel_and_living_allowance", True)),
        qaa,  # CONUS training with TLA
    ),
    (
        "QC-MANPOWER-TRAVEL",
        "lines[3].manpower.travel_cost_per_day",
        edit(zea, ("lines.3.manpower.justification", DELETE)),
        zea,
    ),
    (
        "QC-MOD-SCOPE",
        "lines[0].quantity",
        edit(qaa_modification, ("lines.0.quantity", 3)),
        qaa_modification,
    ),
    (
        "QC-MOD-DTC",
        "lines[0].delivery_term_code",
        edit(qaa_modification, ("lines.0.delivery_term_code", "9")),
        qaa_modification,
    ),
    (
        "QC-MOD-PURPOSE",
        "document.purpose",
        edit(qaa_modification, ("document.purpose", "adds two additional aircraft")),
        qaa_modification,
    ),
    (
        "QC-SCOPE-OLD-RATE",
        "lines[0]",
        lambda: [
            edit(qaa, ("document.offer_expiration_date", "2018-03-01"))()[0],
            edit(
                qaa_amendment,
                ("document.implementation_date", "2018-04-01"),
                ("lines.0.quantity", 3),
            )()[-1],
        ],
        qaa_amendment,
    ),
    (
        "QC-LINE-REF",
        "lines[5].line_note",
        edit(qaa_modification, ("lines.0", DELETE)),
        qaa_amendment,
    ),
    (
        "QC-EDA-SOURCE",
        "lines[0].source_code",
        edit(zea, ("lines.0.source_code", "S")),
        zea,
    ),
    (
        "QC-EDA-APPROVAL",
        "lines[0].quantity",
        edit(zea, ("lines.0.eda.approved_quantity", 15)),
        edit(zea, ("lines.0.eda.approved_quantity", 20), ("lines.0.eda.approved_value", 0)),
    ),
    (
        "QC-EDA-GRANT",
        "terms_of_sale",
        edit(zea, ("terms_of_sale", ["Cash Prior to Delivery"])),
        zea,
    ),
    (
        "QC-EDA-DESCRIPTION",
        "document.purpose",
        edit(
            zea,
            ("nickname", "M113 & Night Vision"),
            ("document.purpose", "provides for twenty M113A3 armored personnel carriers"),
        ),
        zea,
    ),
    (
        "QC-MONTHS",
        "lines[1].months",
        edit(qaa, ("lines.1.months", DELETE)),
        edit(qaa, ("lines", APPEND(NSR_LINE))),  # an NSR line has no months
    ),
    (
        "QC-MONTHS-NEW-LINE",
        "lines[6].months",
        edit(qaa_amendment, ("lines.6.months", "6-12")),
        qaa_amendment,
    ),
    (
        "QC-SCHEDULE-TOTAL",
        "payment_schedule",
        edit(qaa, ("payment_schedule", [{"date": "2025-06-30", "amount": 1000}])),
        qaa,  # computed schedule
    ),
    (
        "QC-SCHEDULE-NOT-REQUIRED",
        "payment_schedule",
        edit(
            qaa,
            ("terms_of_sale", ["Cash With Acceptance"]),
            ("payment_schedule", [{"date": "2025-06-30", "amount": 1000}]),
        ),
        qaa,
    ),
    (
        "QC-SCHEDULE-ORDER",
        "payment_schedule[2].date",
        edit(qaa, ("payment_schedule", _rows("2025-06-30", "2025-12-15", "2025-09-15"))),
        edit(qaa, ("payment_schedule", _rows("2025-06-30", "2025-09-15", "2025-12-15"))),
    ),
    (
        "QC-SCHEDULE-DATES",
        "payment_schedule[1].date",
        edit(
            qaa,
            (
                "payment_schedule",
                [
                    {"date": "2025-06-30", "amount": 1000},
                    {"date": "2025-07-01", "amount": 1000},
                ],
            ),
        ),
        edit(
            qaa,
            (
                "payment_schedule",
                [
                    {"date": "2025-06-30", "amount": 1000},
                    {"date": "2025-09-15", "amount": 1000},
                ],
            ),
        ),
    ),
    (
        "QC-SCHEDULE-DEPOSIT-DATE",
        "payment_schedule[0].date",
        edit(qaa, ("payment_schedule", [{"date": "2025-07-01", "amount": 1000}])),
        edit(qaa, ("payment_schedule", [{"date": "2025-06-30", "amount": 1000}])),  # on the OED
    ),
    (
        "QC-SCHEDULE-DEPOSIT",
        "payment_schedule[0].amount",
        edit(qaa_amendment, ("payment_schedule", [{"date": "2026-09-15", "amount": 1000}])),
        edit(qaa_amendment, ("payment_schedule", [{"date": "2026-09-15", "amount": 2000000}])),
    ),
    (
        "QC-CLASSIFIED-ITEMS",
        "lines[3].offer_release_code",
        edit(qaa, ("lines.3.items", ["classified"])),
        edit(qaa, ("lines.0.items", ["classified"])),
    ),
    (
        "QC-ORC-X-DTC",
        "lines[1].offer_release_code",
        edit(qaa, ("lines.1.offer_release_code", "X")),
        qaa,  # Offer Release Code X on its training and services lines only
    ),
    (
        "QC-COMSEC-EEUM",
        "lines[1].items",
        edit(qaa, ("lines.1.items", ["comsec"])),
        edit(qaa, ("lines.1.items", ["comsec", "eeum"])),
    ),
    (
        "QC-NVD-EEUM",
        "lines[2].items",
        edit(zea, ("lines.2.items", ["nvd"])),
        zea,
    ),
    (
        "QC-ITEMS-TAG",
        "lines[2].items",
        edit(zea, ("lines.2.items", [])),  # MONOCULAR NIGHT VISION DEVICE AN/PVS-14
        zea,
    ),
    (
        "QC-ITEMS-SAME-MASL",
        "lines[6].items",
        # Line 007 (new) has the MASL of Line 001, tagged gps_saasm
        edit(qaa_amendment, ("lines.6.items", [])),
        qaa_amendment,
    ),
    (
        "QC-LINE-NOTE-QUANTITY",
        "lines[6].line_note",
        # "This line provides for two additional C-130J aircraft ..."
        edit(qaa_amendment, ("lines.6.quantity", 3)),
        qaa_amendment,
    ),
    (
        "QC-CLSSA",
        "lines[0].type_of_assistance",
        edit(qaa, ("category", "clssa_fmso_i")),
        edit(
            wrs,
            ("category", "clssa_fmso_i"),
            ("terms_of_sale", ["Cash With Acceptance-Balance as Billed"]),
            ("lines.0.masl", "Z1FMSO10SPR"),
            ("lines.0.description", "FMSO I SPARES"),
            ("lines.0.kind", "materiel"),
            ("lines.0.source_code", "P"),
            ("lines.0.type_of_assistance", "U"),
            ("lines.0.unit_cost", 2000000),
        ),
    ),
    (
        "QC-BPC-NICKNAME",
        "nickname",
        edit(tab, ("nickname", "Bandaria, Section 333, Public Law 115-232, as amended, BPC")),
        tab,
    ),
    # -- LOA package (AP9.T4) and 36(b) congressional notification --
    (
        "QC-PACKAGE-APPROVAL",
        "lines[0]",
        edit(qaa, ("package", [])),
        edit(
            qaa,
            (
                "package",
                [
                    {
                        "kind": "GPS-PPS-SPACE-FORCE-APPROVAL",
                        "reference": "SF-24-1",
                        "date": "2024-03-01",
                    },
                    {
                        "kind": "GPS-PPS-STATE-MTCR-APPROVAL",
                        "reference": "PM-24-7",
                        "date": "2024-03-09",
                    },
                    {
                        "kind": "NC-RECOUPMENT-WAIVER",
                        "reference": "I-24/004512",
                        "date": "2024-04-22",
                    },
                ],
            ),
        ),
    ),
    (
        "QC-PACKAGE-DOCUMENT",
        "lines[5]",
        edit(qaa, ("package", [])),
        edit(
            qaa,
            (
                "package",
                [
                    {
                        "kind": "MANPOWER-TRAVEL-DATA-SHEET",
                        "reference": "MTDS 006",
                        "date": "2024-05-10",
                        "lines": ["006"],
                    },
                    {
                        "kind": "SOLE-SOURCE-REQUEST-LETTER",
                        "reference": "BN/MODAT/2312",
                        "date": "2024-02-14",
                    },
                ],
            ),
        ),
    ),
    (
        "QC-PACKAGE-NC-MASL",
        "lines[0].nonrecurring_cost.waiver.masl",
        edit(qaa, ("lines.0.nonrecurring_cost.waiver.masl", "A1C130J00SPT")),
        edit(qaa, ("lines.0.nonrecurring_cost.waiver.masl", "A1C130J00AIR")),
    ),
    (
        "QC-CN-36B",
        "document",
        qaa,
        edit(
            qaa, ("document.congressional_notification", {"number": "25-03", "date": "2025-02-01"})
        ),
    ),
    (
        "QC-CN-36B-OFFER",
        "document.offer_date",
        edit(
            qaa,
            ("document.congressional_notification", {"number": "25-03", "date": "2025-02-01"}),
            ("document.offer_date", "2025-02-20"),
        ),
        edit(
            qaa,
            ("document.congressional_notification", {"number": "25-03", "date": "2025-02-01"}),
            ("document.offer_date", "2025-03-03"),
        ),
    ),
]

# Rules that read the selected notes: tested below with a Selection.
SELECTION_RULES = {
    "QC-WWRS-NOTE",
    "QC-DELETED-LINE-NOTE",
    "QC-NOTE-VERSION-MISSING",
    "QC-AMD-EMPTY",
    "QC-AMD-NO-SCOPE",
}


# Rules that read the day and whether a later document follows (`Pipeline.check` gives them):
# tested below with both given, and through the pipeline in tests/test_pipeline.py.
DAY_RULES = {"QC-OED-PASSED", "QC-DATE-FUTURE"}


def test_every_rule_has_a_trip_and_a_pass_case() -> None:
    covered = {row[0] for row in RULE_CASES} | SELECTION_RULES | DAY_RULES
    assert covered == {r.id for r in list_rules()}


@pytest.mark.parametrize("kind", ["Basic", "Amendment"])
def test_an_offer_expired_on_the_newest_document(chain, kind: str) -> None:
    docs = zea() if kind == "Basic" else qaa_amendment()
    document = chain(*docs)
    oed = document.case.document.offer_expiration_date
    day_after = oed + timedelta(days=1)

    def passed(**given: Any) -> list[Finding]:
        return by_rule(run_checks(document, **given), "QC-OED-PASSED")

    (f,) = passed(today=day_after, newest=True)
    assert (f.severity, f.path) == ("warning", "document.offer_expiration_date")
    assert f"expired on {spell_date(oed)}" in f.message and f"this {kind}" in f.message
    assert not passed(today=oed, newest=True)  # it stands on its expiration date
    assert not passed(today=day_after, newest=False)  # another document follows it
    assert not passed(newest=True)  # no day given: not read


def test_an_expired_restated_offer_is_restated_with_the_date_it_records(chain) -> None:
    """Restating a restated document with the date of its own offer is refused (ops.restate):
    the warning gives the previous offer date it records, with which it is offered again."""
    docs = qaa_amendment()
    oed = date.fromisoformat(docs[-1]["document"]["offer_expiration_date"])
    later = oed + timedelta(days=1)
    (f,) = by_rule(run_checks(chain(*docs), today=later, newest=True), "QC-OED-PASSED")
    assert "restate it with loagen restate (giving the date it was offered and its new" in f.message
    docs[-1]["document"]["restated"] = {"previous_offer_date": "2026-04-01"}
    (f,) = by_rule(run_checks(chain(*docs), today=later, newest=True), "QC-OED-PASSED")
    assert f.message.endswith(
        "restate it with loagen restate (giving the previous offer date it already records, "
        "1 April 2026, and its new offer expiration date)"
    )


def test_an_acceptance_or_implementation_after_today_is_questioned(chain) -> None:
    """The day the Purchaser signed and the day the case was implemented have happened when
    recorded; the finding depends on the day, so a built document does not record it."""
    from loagen.policy.checks import DEPENDS_ON_TODAY

    assert "QC-DATE-FUTURE" in DEPENDS_ON_TODAY
    docs = qaa_amendment()
    implemented = date.fromisoformat(docs[-1]["document"]["implementation_date"])
    accepted = implemented + timedelta(days=400)
    docs[-1]["document"]["accepted_date"] = accepted.isoformat()
    document = chain(*docs)

    def future(day: date | None) -> list[Finding]:
        return by_rule(run_checks(document, today=day), "QC-DATE-FUTURE")

    assert not future(accepted) and not future(None)  # on the day; no day given: not read
    (f,) = future(accepted - timedelta(days=1))
    assert (f.severity, f.path) == ("warning", "document.accepted_date")
    assert f.message.startswith(
        f"document.accepted_date says the Purchaser accepted this Amendment on "
        f"{spell_date(accepted)}, after today"
    )
    both = future(implemented - timedelta(days=1))
    assert [f.path for f in both] == ["document.accepted_date", "document.implementation_date"]
    assert "correct it on every document of the case" in both[1].message
    basic = example("BN-B-ZEA/basic")
    basic["document"]["implementation_date"] = basic["document"]["offer_expiration_date"]
    day = date.fromisoformat(basic["document"]["implementation_date"]) - timedelta(days=1)
    (f,) = by_rule(run_checks(chain(basic), today=day), "QC-DATE-FUTURE")
    assert "leave document.implementation_date out until the case is implemented" in f.message


def test_an_accepted_basic_or_a_modification_has_no_offer_to_expire(chain) -> None:
    basic = example("BN-B-ZEA/basic")
    basic["document"]["implementation_date"] = basic["document"]["offer_expiration_date"]
    later = date(2100, 1, 1)
    assert not by_rule(run_checks(chain(basic), today=later, newest=True), "QC-OED-PASSED")
    modification = chain(*qaa_modification())
    assert not by_rule(run_checks(modification, today=later, newest=True), "QC-OED-PASSED")


def test_an_expired_bpc_offer_is_not_said_to_be_signed_by_the_partner(chain) -> None:
    """The Benefitting Partner does not sign a BPC document: the warning asks for the day it
    was accepted, not for the day a Purchaser signed it."""
    docs = tab()
    later = date.fromisoformat(docs[-1]["document"]["offer_expiration_date"]) + timedelta(days=1)
    (f,) = by_rule(run_checks(chain(*docs), today=later, newest=True), "QC-OED-PASSED")
    assert "If it was accepted, record the day in document.accepted_date" in f.message
    assert "Purchaser" not in f.message and "signed" not in f.message


@pytest.mark.parametrize("kind", ["Basic", "Amendment"])
def test_an_offer_recorded_as_accepted_has_not_expired(chain, kind: str) -> None:
    """Nothing but accepted_date says an Amendment (or a Basic not yet implemented) was signed:
    the warning asks for it, and is not given once it is recorded."""
    docs = zea() if kind == "Basic" else qaa_amendment()
    oed = date.fromisoformat(docs[-1]["document"]["offer_expiration_date"])
    later = oed + timedelta(days=400)
    (f,) = by_rule(run_checks(chain(*docs), today=later, newest=True), "QC-OED-PASSED")
    assert "If the Purchaser accepted it, record the day they signed it in " in f.message
    assert "document.accepted_date" in f.message
    docs[-1]["document"]["accepted_date"] = (oed - timedelta(days=10)).isoformat()
    assert not by_rule(run_checks(chain(*docs), today=later, newest=True), "QC-OED-PASSED")


@pytest.mark.parametrize(
    ("rule_id", "path", "broken", "sound"), RULE_CASES, ids=[row[0] for row in RULE_CASES]
)
def test_rule_trips_and_passes(chain, rule_id, path, broken, sound) -> None:
    tripped = by_rule(findings_of(chain, broken), rule_id)
    assert tripped, f"{rule_id} did not trip"
    if path is not None:
        assert path in [f.path for f in tripped], [str(f) for f in tripped]
    severity = next(r.severity for r in list_rules() if r.id == rule_id)
    assert all(f.severity == severity for f in tripped)
    assert not by_rule(findings_of(chain, sound), rule_id)


# -- the examples and the named broken variants -----------------------------------------------


# The warnings the examples draw: service lines that do not say whether they are severable (the
# input contract has no such field on those lines); the BPC example's Basic gives no fund source
# (the input contract predates it), its sole source lines no approving office or authority, and
# its FY26 Amendment no DSAMS module.
EXAMPLE_WARNINGS = {
    "QC-SERVICE-SEVERABLE",
    "QC-BPC-FUND-SOURCE",
    "QC-SOLE-SOURCE-BPC",
    "QC-BPC-SYSTEM",
    # The C-130J case reaches the AECA 36(b) thresholds and records no notification (the input
    # contract predates document.congressional_notification).
    "QC-CN-36B",
}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_examples_have_no_errors(path: Path) -> None:
    """The examples are sound: no errors, and only the warnings of EXAMPLE_WARNINGS."""
    from loagen.document import load_document

    findings = run_checks(load_document(path))
    assert not [f for f in findings if f.severity == "error"], [str(f) for f in findings]
    assert {f.rule_id for f in findings} <= EXAMPLE_WARNINGS, [str(f) for f in findings]


def test_bpc_example_draws_the_fund_source_warning_once() -> None:
    from loagen.document import load_document

    findings = run_checks(load_document(CASES / "BN-B-TAB" / "basic.json"))
    assert [(f.severity, f.rule_id, f.path) for f in findings] == [
        ("warning", "QC-BPC-FUND-SOURCE", "fund_source"),
        ("warning", "QC-SOLE-SOURCE-BPC", "lines[0].sole_source.approved_by"),
    ]


def _only(findings, rule_id: str) -> Finding:
    found = by_rule(findings, rule_id)
    assert len(found) == 1, [str(f) for f in findings]
    return found[0]


def test_sole_source_on_a_stock_line(chain) -> None:
    docs = edit(qaa, ("lines.3.sole_source", example("BN-D-QAA/basic")["lines"][0]["sole_source"]))
    f = _only(findings_of(chain, docs), "QC-SOLE-SOURCE-STOCK")
    assert (f.severity, f.path) == ("error", "lines[3].sole_source")
    assert "Line 004" in f.message and "Source Code S" in f.message
    assert str(f).startswith("error QC-SOLE-SOURCE-STOCK lines[3].sole_source: Line 004")
    assert str(f).endswith("(Section C6.3.4)")


def test_a_sole_source_designation_changed_on_an_old_request_says_what_changed(chain) -> None:
    """Line 001 keeps its sole source on the Amendment, on the Basic's request (which predates
    the Basic's offer expiration): the warning says what changed, not that it is added."""
    docs = qaa_amendment()
    before = docs[0]["lines"][0]["sole_source"]
    docs[-1]["lines"][0]["sole_source"] = {**before, "firm": "Northwind Aero Systems"}
    f = _only(run_checks(chain(*docs)), "QC-SOLE-SOURCE-REQUEST")
    assert f.message.startswith(
        f"Line 001 changes the sole source firm from {before['firm']} to Northwind Aero Systems "
        "on a request of "
    )
    assert "changing a sole source designation needs a new Purchaser request" in f.message
    role = "subcontractor" if before["role"] == "prime" else "prime"
    docs[-1]["lines"][0]["sole_source"] = {**before, "role": role}
    f = _only(run_checks(chain(*docs)), "QC-SOLE-SOURCE-REQUEST")
    assert f.message.startswith(
        f"Line 001 changes the sole source role of {before['firm']} from {before['role']} to "
        f"{role} on a request of "
    )
    # a line that had none adds it
    del docs[0]["lines"][0]["sole_source"]
    f = _only(run_checks(chain(*docs)), "QC-SOLE-SOURCE-REQUEST")
    assert f.message.startswith(f"Line 001 adds sole source ({before['firm']}) on a request of ")
    assert "adding a sole source designation needs a new Purchaser request" in f.message


def test_nsr_line_above_ten_percent(chain) -> None:
    docs = edit(qaa, ("lines", APPEND({**NSR_LINE, "unit_cost": 30000000})))
    f = _only(findings_of(chain, docs), "QC-NSR-SHARE")
    assert (f.severity, f.path, f.reference) == ("error", "lines[6].unit_cost", "Section C5.4.13")
    assert "Line 007 ($30,000,000)" in f.message and "percent" in f.message


def test_nsr_line_just_under_ten_percent_passes(chain) -> None:
    document = chain(*edit(qaa, ("lines", APPEND(NSR_LINE)))())
    total = document.costs.total_estimated_cost
    assert NSR_LINE["unit_cost"] < total / 10
    assert not by_rule(run_checks(document), "QC-NSR-SHARE")


def test_modification_adding_quantity_and_a_line(chain) -> None:
    new_line = {**example("BN-D-QAA/amendment-1")["lines"][3], "number": "008"}
    docs = edit(qaa_modification, ("lines.0.quantity", 3), ("lines", APPEND(new_line)))
    found = by_rule(findings_of(chain, docs), "QC-MOD-SCOPE")
    assert [(f.path, f.severity) for f in found] == [
        ("lines[0].quantity", "error"),
        ("lines[7]", "error"),
    ]
    assert "Line 001: more quantity on a defined order line" in found[0].message
    assert "Line 008: a new line" in found[1].message
    assert all("use an Amendment" in f.message for f in found)


def test_modification_lengthening_a_service_line_is_one_error_per_line(chain) -> None:
    docs = edit(qaa_modification, ("lines.5.months", "24-72"), ("lines.5.unit_cost", 4200000))
    found = by_rule(findings_of(chain, docs), "QC-MOD-SCOPE")
    assert [f.path for f in found] == ["lines[5].months"]
    assert "longer period of performance" in found[0].message


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        # another MASL and another item
        ((("masl", "A1NVD0PVS140"), ("description", "NIGHT VISION GOGGLES AN/PVS-14")), "masl"),
        ((("masl", "A1C130J00SPX"),), "masl"),  # another MASL alone
        ((("description", "FLIGHT SIMULATOR"),), "description"),
        ((("description", "SUPPORT EQUIPMENT AND SIMULATORS"),), "description"),
        ((("nomenclature", "Night Vision Goggle"),), "nomenclature"),
    ],
)
def test_modification_changing_what_a_line_buys(chain, changes, path: str) -> None:
    docs = edit(qaa_modification, *((f"lines.1.{field}", value) for field, value in changes))
    before = qaa_modification()[-1]["lines"][1]
    if path == "nomenclature":  # the previous documents name the item too
        docs = _named(docs, "Support Equipment Set")
    f = _only(findings_of(chain, docs), "QC-MOD-SCOPE")
    assert (f.severity, f.path) == ("error", f"lines[1].{path}")
    assert f.message.startswith("Line 002: the ") and "another item" in f.message
    assert "use an Amendment" in f.message or "by Amendment" in f.message
    if path == "masl":
        assert f"from {before['masl']} to " in f.message


def _named(make: Callable[[], Docs], name: str) -> Callable[[], Docs]:
    """`make` with line 002 of every document given the nomenclature `name` (the last one's
    set by the test is kept)."""

    def build() -> Docs:
        docs = make()
        for doc in docs:
            doc["lines"][1].setdefault("nomenclature", name)
        return docs

    return build


@pytest.mark.parametrize(
    "description",
    [
        "Support Equipment",  # letter case
        "SUPPORT EQUIPMENT.",  # punctuation
        "EQUIPMENT, SUPPORT",  # order
        "SUPPORT EQUIP",  # abbreviation
        "SUPPORT EQUIPMNET",  # a typing error corrected, or made
        "SUPPORT",  # narrowed: names nothing new
    ],
)
def test_modification_rewording_a_line_is_not_scope(chain, description: str) -> None:
    docs = edit(qaa_modification, ("lines.1.description", description))
    assert qaa_modification()[-1]["lines"][1]["description"] == "SUPPORT EQUIPMENT"
    assert not by_rule(findings_of(chain, docs), "QC-MOD-SCOPE")


def test_a_designator_with_other_digits_names_another_item(chain) -> None:
    def make() -> Docs:
        docs = qaa_modification()
        for doc in docs:
            doc["lines"][1]["description"] = "RADIO SET AN/PRC-117G"
        docs[-1]["lines"][1]["description"] = "RADIO SET AN/PRC-152"
        return docs

    f = _only(findings_of(chain, make), "QC-MOD-SCOPE")
    assert f.path == "lines[1].description" and "'RADIO SET AN/PRC-152'" in f.message


def test_an_amendment_may_change_what_a_line_buys(chain) -> None:
    docs = edit(qaa_amendment, ("lines.1.description", "FLIGHT SIMULATOR"))
    assert not by_rule(findings_of(chain, docs), "QC-MOD-SCOPE")


@pytest.mark.parametrize(
    ("period", "flagged"),
    [
        ("24 months", True),
        ("2 years", True),
        ("19 months", True),
        ("12 months", False),
        ("18 Months", False),
        ("1.5 years", False),  # the same period reworded
        ("78 weeks", False),
    ],
)
def test_modification_lengthening_a_performance_period(chain, period: str, flagged: bool) -> None:
    docs = edit(qaa_modification, ("lines.4.training.performance_period", period))
    assert qaa_modification()[-1]["lines"][4]["training"]["performance_period"] == "18 months"
    found = by_rule(findings_of(chain, docs), "QC-MOD-SCOPE")
    if not flagged:
        assert not found
        return
    assert [(f.severity, f.path) for f in found] == [
        ("error", "lines[4].training.performance_period")
    ]
    assert f"'18 months' to '{period}'" in found[0].message


def test_a_services_line_period_is_read_too(chain) -> None:
    def make() -> Docs:
        docs = qaa_modification()
        for doc in docs:
            doc["lines"][5].update(severable=True, performance_period="36 months")
        docs[-1]["lines"][5]["performance_period"] = "40 months"
        return docs

    f = _only(findings_of(chain, make), "QC-MOD-SCOPE")
    assert f.path == "lines[5].performance_period"


def test_a_blanket_order_line_may_run_longer_at_the_same_value(chain) -> None:
    """On a blanket order only more value is scope (DSCA 24-08): a Modification may let a line
    run longer at the same value, not raise it."""

    def make(*changes: tuple[str, Any]) -> Callable[[], Docs]:
        def build() -> Docs:
            basic = example("BN-P-WRS/basic")
            basic["lines"][0]["performance_period"] = "5 years"
            mod = json.loads(json.dumps(basic))
            mod["document"] = {
                "kind": "Modification",
                "number": 1,
                "implementation_date": "2025-10-20",
                "purpose": "extends the Months of Service of the support line",
                "reason": "contract slippage",
            }
            mod["purchaser_references"] = []
            mod["lines"][0].update(months="1-72", performance_period="6 years")
            for path, value in changes:
                _set(mod, path, value)
            return [basic, mod]

        return build

    assert example("BN-P-WRS/basic")["category"] == "blanket_order"
    assert not by_rule(findings_of(chain, make()), "QC-MOD-SCOPE")
    f = _only(findings_of(chain, make(("lines.0.unit_cost", 40000000))), "QC-MOD-SCOPE")
    assert f.path == "lines[0].unit_cost" and "more value on a blanket order line" in f.message


def test_modification_changing_a_delivery_term_code_warns(chain) -> None:
    before = qaa_modification()[-1]["lines"][0]["delivery_term_code"]
    f = _only(
        findings_of(chain, edit(qaa_modification, ("lines.0.delivery_term_code", "9"))),
        "QC-MOD-DTC",
    )
    assert (f.severity, f.path) == ("warning", "lines[0].delivery_term_code")
    assert f"from {before} to 9" in f.message and "Amendment" in f.message
    amended = edit(qaa_amendment, ("lines.0.delivery_term_code", "9"))
    assert not by_rule(findings_of(chain, amended), "QC-MOD-DTC")


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("reason", "the Delivery Term Code of Line 001 was written wrong on the Basic"),
        ("reason", "a DTC entered in error"),
        ("purpose", "corrects the Delivery Term Code of Line 001"),
        ("purpose", "corrects the DTC of Line 001 and decreases Line 003"),
    ],
)
def test_a_delivery_term_code_corrected_is_not_flagged(chain, field: str, text: str) -> None:
    docs = edit(qaa_modification, ("lines.0.delivery_term_code", "9"), (f"document.{field}", text))
    assert not by_rule(findings_of(chain, docs), "QC-MOD-DTC")
    # a correction of something else leaves the change of code flagged, with the words to use
    other = edit(
        qaa_modification,
        ("lines.0.delivery_term_code", "9"),
        ("document.reason", "corrects the unit of issue; the DTC changes at the Purchaser's wish"),
    )
    f = _only(findings_of(chain, other), "QC-MOD-DTC")
    assert "'the Delivery Term Code of Line 001 was written wrong'" in f.message


def old_rate_amendment(**case: Any) -> Callable[[], Docs]:
    """BN-D-QAA offered at the 3.5% rate (2018), then its Amendment 1 (lengthening Line 006) at
    3.2%, raising Line 001's quantity too; `case` sets fields on both documents (a waiver)."""

    def build() -> Docs:
        basic, amendment = qaa_amendment()
        basic["document"]["offer_expiration_date"] = "2018-03-01"
        amendment["document"]["implementation_date"] = "2018-04-01"
        amendment["lines"][0]["quantity"] = 3
        for doc in (basic, amendment):
            doc.update(json.loads(json.dumps(case)))
        return [basic, amendment]

    return build


def test_a_waived_line_carries_no_old_rate(chain) -> None:
    """A waiver's 0% is no old rate: the lines it covers are not flagged, the others are."""
    paths = {f.path for f in by_rule(findings_of(chain, old_rate_amendment()), "QC-SCOPE-OLD-RATE")}
    assert paths == {"lines[0]", "lines[5]"}  # Line 001 quantity, Line 006 months
    nspo = old_rate_amendment(admin_surcharge_waiver=NSPO_WAIVER)
    assert not by_rule(findings_of(chain, nspo), "QC-SCOPE-OLD-RATE")
    rta = old_rate_amendment(admin_surcharge_waiver={**RTA_WAIVER, "lines": ["006"]})
    found = by_rule(findings_of(chain, rta), "QC-SCOPE-OLD-RATE")
    assert [f.path for f in found] == ["lines[0]"] and "3.5%" in found[0].message


def test_an_amendment_that_changes_what_an_old_rate_line_buys_moves_it_to_a_new_line(chain):
    """Another item on a line is a change of scope on every reader of it: the old rate is
    flagged as for more quantity, and the Amendment is asked for the request of the change."""

    def make() -> Docs:
        basic, amendment = old_rate_amendment()()
        amendment["lines"][0]["quantity"] = basic["lines"][0]["quantity"]  # no more aircraft
        amendment["lines"][5]["months"] = basic["lines"][5]["months"]  # nor a longer period
        amendment["lines"][1]["masl"] = "A1NVD0PVS140"  # but another item on Line 002
        amendment["purchaser_references"] = basic["purchaser_references"]
        return [basic, amendment]

    f = _only(findings_of(chain, make), "QC-SCOPE-OLD-RATE")
    assert f.path == "lines[1]" and "another item" in f.message and "3.5%" in f.message
    assert "(Lines 002 and 007)" in _only(findings_of(chain, make), "QC-REFS-AMD-REQUEST").message


def empty_amendment() -> Docs:
    """The Basic of BN-D-QAA, then an Amendment of it that changes nothing: the Basic's case
    data, lines and references, under an Amendment's own document data."""
    basic, amendment = qaa_amendment()
    same = json.loads(json.dumps(basic))
    same["document"] = {**amendment["document"], "purpose": "revises the case"}
    return [basic, same]


def zea_amendment(*lines: dict[str, Any]) -> Callable[[], Docs]:
    """The Basic of BN-B-ZEA (20 M113A3 as grant EDA), then an Amendment whose description does
    not mention the EDA, adding `lines`."""

    def make() -> Docs:
        basic = example("BN-B-ZEA/basic")
        amendment = json.loads(json.dumps(basic))
        amendment["nickname"] = "M113 & Night Vision"
        amendment["document"] = {
            "kind": "Amendment",
            "number": 1,
            "offer_expiration_date": "2026-06-30",
            "implementation_date": "2025-12-01",
            "purpose": "adds a line of spare parts",
        }
        amendment["purchaser_references"].append(
            {"reference": "BN/ARMY/L-0190", "date": "2026-02-02"}
        )
        amendment["lines"].extend(json.loads(json.dumps(lines)))
        return [basic, amendment]

    return make


def test_an_amendment_need_not_restate_the_eda_of_earlier_documents(chain) -> None:
    spares = {**example("BN-B-ZEA/basic")["lines"][2], "number": "005", "months": "8-14"}
    assert not by_rule(findings_of(chain, zea_amendment(spares)), "QC-EDA-DESCRIPTION")
    more_eda = {**example("BN-B-ZEA/basic")["lines"][0], "number": "005", "months": "8-14"}
    f = _only(findings_of(chain, zea_amendment(more_eda)), "QC-EDA-DESCRIPTION")
    assert f.path == "document.purpose"


def test_an_amendment_that_changes_nothing(chain) -> None:
    f = _only(findings_of(chain, empty_amendment, Selection()), "QC-AMD-EMPTY")
    assert (f.severity, f.path) == ("error", "")
    assert "changes nothing" in f.message and "empty document" in f.message
    # with a new reference only, it still changes nothing the Purchaser accepts
    refs = [
        *empty_amendment()[0]["purchaser_references"],
        {"reference": "X/1", "date": "2024-06-03"},
    ]
    cited = edit(empty_amendment, ("purchaser_references", refs))
    assert by_rule(findings_of(chain, cited, Selection()), "QC-AMD-EMPTY")


NOTE_V1 = CaseNotes((InForce("FMS-TEST", "1", "Basic"),))
NOTE_V2 = CaseNotes((InForce("FMS-TEST", "2", "Amendment 1"),))


@pytest.mark.parametrize(
    ("change", "selection"),
    [
        (("terms_of_sale", ["Cash Prior to Delivery"]), Selection()),
        (("lines.4.training.performance_period", "24 months"), Selection()),
        (("lines.0.quantity", 1), Selection()),
        (("lines.5.months", "12-24"), Selection()),
        (("accessorial.transportation", 12345), Selection()),
        (("document.case_closure", True), Selection()),
        (("document.purpose", "refreshes a note"), Selection(before=NOTE_V1, after=NOTE_V2)),
        (("document.purpose", "deletes a note"), Selection(before=NOTE_V1)),
        (("document.purpose", "notes not known"), None),
    ],
    ids=lambda v: str(v[0]) if isinstance(v, tuple) else "",
)
def test_an_amendment_that_changes_one_thing_is_not_empty(chain, change, selection) -> None:
    assert by_rule(findings_of(chain, empty_amendment, Selection()), "QC-AMD-EMPTY")
    docs = edit(empty_amendment, change)
    assert not by_rule(findings_of(chain, docs, selection), "QC-AMD-EMPTY")


def test_a_modification_that_changes_nothing_is_another_matter(chain) -> None:
    basic, same = empty_amendment()
    same["document"] = example("BN-D-QAA/modification-1")["document"]  # (previous: the Basic)
    assert not by_rule(run_checks(chain(basic, same), Selection()), "QC-AMD-EMPTY")


def _dated(*oeds: str, accepted: str | None = None) -> Callable[[], Docs]:
    """BN-D-QAA's Basic, Amendment 1 (and an Amendment 2 when three dates are given) with
    these offer expiration dates; Amendment 1 accepted on `accepted` when given."""

    def build() -> Docs:
        docs = qaa_amendment()
        if len(oeds) == 3:
            second = example("BN-D-QAA/amendment-1")
            second["document"].update(number=2, previous="amendment-1.json")
            docs.append(second)
        for doc, oed in zip(docs, oeds, strict=True):
            doc["document"]["offer_expiration_date"] = oed
        if accepted:
            docs[1]["document"]["accepted_date"] = accepted
        return docs

    return build


def test_an_amendment_after_an_early_acceptance_may_expire_before_the_earlier_offer(
    chain,
) -> None:
    """A Basic accepted (implemented) before its offer expired bounds the Amendment by that
    day, not by its offer expiration date; so does an earlier Amendment's recorded
    accepted_date. Before either, or with neither recorded, the order is an error."""
    # the Basic was implemented on 21 July 2025 (Amendment 1 says)
    assert not by_rule(findings_of(chain, _dated("2025-12-31", "2025-10-15")), "QC-OED-ORDER")
    (found,) = by_rule(findings_of(chain, _dated("2025-12-31", "2025-07-21")), "QC-OED-ORDER")
    assert "on or before the Basic's implementation date (21 July 2025)" in found.message
    # Amendment 2 expiring before Amendment 1 did (15 September 2026)
    dates = ("2025-06-30", "2026-09-15", "2026-08-01")
    (found,) = by_rule(findings_of(chain, _dated(*dates)), "QC-OED-ORDER")
    assert "not after that of the Amendment 1 (15 September 2026)" in found.message
    assert "record the day in its document.accepted_date" in found.message
    assert not by_rule(findings_of(chain, _dated(*dates, accepted="2026-07-01")), "QC-OED-ORDER")
    (found,) = by_rule(findings_of(chain, _dated(*dates, accepted="2026-08-01")), "QC-OED-ORDER")
    assert "on or before the day the Amendment 1 was accepted (1 August 2026)" in found.message


def test_an_amendment_after_a_modification_is_asked_for_its_own_request(chain) -> None:
    """A Modification between cites none of the case's correspondence: an Amendment that
    changes the scope citing only what earlier documents cited still lacks its request."""

    def docs() -> Docs:
        later = example("BN-D-QAA/amendment-1")
        later["document"].update(number=2, previous="modification-1.json")
        later["document"]["offer_expiration_date"] = "2027-06-30"
        later["lines"][1]["quantity"] += 5  # more of Line 002: a change of scope
        return [*qaa_modification(), later]

    assert not qaa_modification()[-1]["purchaser_references"]
    found = _only(findings_of(chain, docs), "QC-REFS-AMD-REQUEST")
    assert "cites only references of earlier documents" in found.message
    asked = lambda: [  # noqa: E731
        *docs()[:-1],
        {**docs()[-1], "purchaser_references": [
            *docs()[-1]["purchaser_references"], {"reference": "BN/MODAT/2901", "date": "2026-10-01"}
        ]},
    ]  # fmt: skip
    assert not by_rule(findings_of(chain, asked), "QC-REFS-AMD-REQUEST")


def test_a_deposit_due_after_the_offer_expires(chain) -> None:
    """What is due with acceptance cannot fall due after the offer expires, on any document."""
    later = [{"date": "2026-12-15", "amount": 1000}, {"date": "2027-03-15", "amount": 1000}]
    amendment = edit(qaa_amendment, ("payment_schedule", later))
    oed = qaa_amendment()[-1]["document"]["offer_expiration_date"]
    f = _only(findings_of(chain, amendment), "QC-SCHEDULE-DEPOSIT-DATE")
    assert (f.severity, f.path) == ("error", "payment_schedule[0].date")
    assert "the Amount Due with Acceptance, $1,000" in f.message and "15 December 2026" in f.message
    assert oed == "2026-09-15" and "15 September 2026" in f.message
    modification = edit(qaa_modification, ("payment_schedule", later))  # no offer to expire
    assert not by_rule(findings_of(chain, modification), "QC-SCHEDULE-DEPOSIT-DATE")


def test_grant_eda_storage_line_may_be_added_by_modification(chain) -> None:
    basic = example("BN-B-ZEA/basic")
    mod = example("BN-B-ZEA/basic")
    mod["document"] = {
        "kind": "Modification",
        "number": 1,
        "implementation_date": "2025-10-20",
        "purpose": "adds a storage line to recover storage charges for the grant EDA vehicles",
        "reason": "materiel not collected within 60 days",
    }
    mod["purchaser_references"] = []
    storage = {
        **basic["lines"][1],
        "number": "005",
        "masl": "S1EDASTORAGE",
        "description": "EDA STORAGE CHARGES",
        "quantity": 1,
        "unit_of_issue": "LO",
        "unit_cost": 24000,
        "source_code": "S",
        "kind": "services",
    }
    mod["lines"].append(storage)
    assert not by_rule(run_checks(chain(basic, mod)), "QC-MOD-SCOPE")


def test_secret_and_email_in_a_description(chain) -> None:
    docs = edit(
        qaa,
        ("lines.1.description", "SUPPORT EQUIPMENT SECRET//NOFORN"),
        ("lines.2.description", "SPARES, POC jdoe@mail.mil"),
    )
    findings = findings_of(chain, docs)
    marking = _only(findings, "QC-CLASSIFIED")
    assert marking.path == "lines[1].description" and "'SECRET//NOFORN'" in marking.message
    pii = _only(findings, "QC-PII")
    assert pii.path == "lines[2].description" and "e-mail address" in pii.message


def test_customer_and_purchaser_mix_ups(chain) -> None:
    fms = findings_of(chain, edit(qaa, ("document.purpose", "provides aircraft to the customer")))
    assert _only(fms, "QC-TERM-CUSTOMER").path == "document.purpose"
    bpc = findings_of(chain, edit(tab, ("lines.2.line_note", "The Purchaser provides students.")))
    assert _only(bpc, "QC-TERM-BPC-PARTY").path == "lines[2].line_note"
    bpc_customer = findings_of(chain, edit(tab, ("document.reason", "as the customer asked")))
    assert "Benefitting Partner" in _only(bpc_customer, "QC-TERM-CUSTOMER").message


def test_waived_nc_on_a_bpc_case_is_still_flagged(chain) -> None:
    nc = {"amount": 100000, "waiver": {"reference": "I-26/000001", "date": "2026-01-05"}}
    findings = findings_of(chain, edit(tab, ("lines.0.nonrecurring_cost", nc)))
    assert _only(findings, "QC-NC-NOT-APPLICABLE").path == "lines[0].nonrecurring_cost"


def test_unwaived_nc_on_an_fms_credit_non_repayable_case_is_what_its_note_needs(chain) -> None:
    # The NC-FMS-CREDIT note (NC applies, not charged under FMS Credit (Non-Repayable)) names
    # the lines with an unwaived entry: the check must not call that entry an error.
    credit = edit(
        qaa,
        ("funding", "fmf"),
        ("terms_of_sale", ["FMS Credit (Non-Repayable)"]),
        ("lines.0.nonrecurring_cost", {"amount": 1350000}),
    )
    assert not by_rule(findings_of(chain, credit), "QC-NC-NOT-APPLICABLE")
    mixed = edit(
        credit,
        ("terms_of_sale", ["FMS Credit (Non-Repayable)", "Cash Prior to Delivery"]),
        ("terms_breakout", [{"term": "FMS Credit (Non-Repayable)", "amount": 100000000}]),
    )
    assert not by_rule(findings_of(chain, mixed), "QC-NC-NOT-APPLICABLE")
    # a waiver is still out of place (nothing is charged), as is NC under repayable credit alone
    waived = edit(
        credit, ("lines.0.nonrecurring_cost.waiver", {"reference": "I-26/1", "date": "2026-01-05"})
    )
    assert (
        _only(findings_of(chain, waived), "QC-NC-NOT-APPLICABLE").path
        == "lines[0].nonrecurring_cost"
    )
    repayable = edit(credit, ("terms_of_sale", ["FMS Credit (Repayable)"]))
    assert (
        _only(findings_of(chain, repayable), "QC-NC-NOT-APPLICABLE").path
        == "lines[0].nonrecurring_cost"
    )


def test_wwrs_stand_alone_schedule(chain) -> None:
    docs = edit(wrs, ("payment_schedule", [{"date": "2026-02-20", "amount": 25800}]))
    found = by_rule(findings_of(chain, docs), "QC-WWRS-TERMS")
    assert [f.path for f in found] == ["payment_schedule"]


# -- surcharge waivers, charges and BPC funding -------------------------------------------------


def test_awacs_waiver_on_another_country(chain) -> None:
    docs = edit(qaa, ("admin_surcharge_waiver", {"kind": "nato_awacs", "amount": 5000}))
    f = _only(findings_of(chain, docs), "QC-WAIVER-AWACS-COUNTRY")
    assert (f.severity, f.path) == ("error", "admin_surcharge_waiver.kind")
    assert "N1 or W1" in f.message and "BN (Republic of Bandaria)" in f.message
    assert "remove admin_surcharge_waiver" in f.message


def test_waiver_on_a_bpc_case_names_the_waiver(chain) -> None:
    docs = edit(tab_t10, ("admin_surcharge_waiver", RTA_WAIVER | {"lines": ["003"]}))
    f = _only(findings_of(chain, docs), "QC-WAIVER-BPC")
    assert "reciprocal training agreement waiver" in f.message and "FMS cases only" in f.message


def rta_amendment(quantity: int, amount: int = 131200) -> Docs:
    """BN-D-QAA's Basic and Amendment 1 under a reciprocal training waiver of Line 005 giving
    `amount` on both, the Amendment setting the line's quantity to `quantity`."""
    docs = qaa_amendment()
    for data in docs:
        data["admin_surcharge_waiver"] = {**RTA_WAIVER, "amount": amount}
    training = next(ln for ln in docs[-1]["lines"] if ln["number"] == "005")
    training["quantity"] = quantity
    return docs


def test_waiver_amount_below_the_surcharges_of_the_grown_training_line(chain) -> None:
    # The Basic's amount covers Line 005 ($4,100,000 at 3.2 percent); the Amendment raises its
    # quantity to 3 and keeps the amount, so the note would print $131,200 as all that is waived.
    f = _only(findings_of(chain, lambda: rta_amendment(quantity=3)), "QC-WAIVER-AMOUNT")
    assert f.severity == "warning" and f.path == "admin_surcharge_waiver.amount"
    assert "gives amount $131,200" in f.message and "on Line 005 as this Amendment" in f.message
    assert "($393,600, 3.2% of the line value)" in f.message
    # an amount that also counts indirect costs and billeting, above the surcharges: sound
    assert not by_rule(
        findings_of(chain, lambda: rta_amendment(quantity=3, amount=400000)), "QC-WAIVER-AMOUNT"
    )
    # the line as the Basic wrote it: the amount given covers its surcharges exactly
    assert not by_rule(findings_of(chain, lambda: rta_amendment(quantity=1)), "QC-WAIVER-AMOUNT")


def test_waiver_amount_to_the_cent_covers_the_surcharges(chain) -> None:
    """The cost summary rounds each line's surcharge to whole dollars ($11,061.73 to $11,062):
    an amount worked out to the cent from the line value is not less than the surcharges."""

    def make(amount: float) -> Callable[[], Docs]:
        waiver = {**RTA_WAIVER, "amount": amount}
        return edit(qaa, ("lines.4.unit_cost", 345678.91), ("admin_surcharge_waiver", waiver))

    assert qaa()[0]["lines"][4]["quantity"] == 1  # 3.2 percent of it: $11,061.725
    assert not by_rule(findings_of(chain, make(11061.73)), "QC-WAIVER-AMOUNT")
    f = _only(findings_of(chain, make(11061.72)), "QC-WAIVER-AMOUNT")
    assert "gives amount $11,061.72" in f.message and "($11,061.73, 3.2%" in f.message
    f = _only(findings_of(chain, make(11000)), "QC-WAIVER-AMOUNT")
    assert "gives amount $11,000," in f.message and "($11,061.73, 3.2%" in f.message


def test_reciprocal_training_waiver_lines(chain) -> None:
    waiver = {**RTA_WAIVER, "lines": ["005", "004", "009"]}
    found = by_rule(
        findings_of(chain, edit(qaa, ("admin_surcharge_waiver", waiver))), "QC-WAIVER-RTA-LINES"
    )
    assert [f.path for f in found] == [
        "admin_surcharge_waiver.lines[1]",
        "admin_surcharge_waiver.lines[2]",
    ]
    assert "Line 004, a publications line" in found[0].message
    assert "Line 009, which is not on this document" in found[1].message
    deleted = edit(qaa_modification, ("lines.4", DELETE), ("admin_surcharge_waiver", RTA_WAIVER))
    f = _only(findings_of(chain, deleted), "QC-WAIVER-RTA-LINES")
    assert "Line 005, which was deleted by this Modification" in f.message


def test_three_scml_lines_are_two_errors(chain) -> None:
    docs = edit(qaa, *((f"lines.{i}.scml", True) for i in (1, 3, 5)))
    found = by_rule(findings_of(chain, docs), "QC-SCML-ONE")
    assert [f.path for f in found] == ["lines[3].scml", "lines[5].scml"]
    assert found[0].message.startswith("Line 004 and Line 002 are both marked scml")


@pytest.mark.parametrize(
    ("implemented", "warned"),
    [("2006-07-31", True), ("2006-08-01", False), ("2012-07-02", False), ("2012-07-03", True)],
)
def test_scml_window(chain, implemented: str, warned: bool) -> None:
    docs = edit(
        qaa_amendment, ("lines.3.scml", True), ("document.implementation_date", implemented)
    )
    found = by_rule(findings_of(chain, docs), "QC-SCML-DATE")
    assert bool(found) is warned
    if warned:
        assert "Line 004" in found[0].message and "implemented on" in found[0].message
        assert "1 August 2006 to 2 July 2012" in found[0].message


@pytest.mark.parametrize(("scml", "warned"), [(7000, False), (7001, True), (0, False)])
def test_the_scml_makes_up_what_the_surcharge_lacks_of_15000(chain, scml, warned) -> None:
    # five lines of $50,000 at 3.2%: $8,000 of surcharge, so the SCML holds at most $7,000
    others = [("lines.0.nonrecurring_cost", DELETE)] + [
        change
        for i in (0, 1, 2, 4, 5)
        for change in ((f"lines.{i}.quantity", 1), (f"lines.{i}.unit_cost", 50000))
    ]
    docs = edit(qaa, *others, ("lines.3.scml", True), ("lines.3.unit_cost", scml))
    found = by_rule(findings_of(chain, docs), "QC-SCML-VALUE")
    assert bool(found) is warned
    if warned:
        assert "is $8,000" in found[0].message and "at most $7,000" in found[0].message


def test_an_scml_service_line_is_not_asked_whether_severable(chain) -> None:
    """The SCML note is the description of the SCML line: severable and performance_period
    would print nowhere."""
    assert qaa()[0]["lines"][5]["kind"] == "services"
    found = by_rule(findings_of(chain, qaa), "QC-SERVICE-SEVERABLE")
    assert [f.path for f in found] == ["lines[5].severable"]
    scml = edit(qaa, ("lines.5.scml", True))
    assert not by_rule(findings_of(chain, scml), "QC-SERVICE-SEVERABLE")


def test_scml_on_a_basic_reads_the_approval_date(chain) -> None:
    docs = edit(qaa, ("lines.3.scml", True), ("document.cwd_approval_date", "2013-01-15"))
    f = _only(findings_of(chain, docs), "QC-SCML-DATE")
    assert "not implemented yet (approved for offer on 15 January 2013)" in f.message


def test_program_support_charge_off_the_army(chain) -> None:
    docs = edit(qaa, ("lines.1.program_support_charge", "crr"))
    f = _only(findings_of(chain, docs), "QC-PSC-ARMY")
    assert f.path == "lines[1].program_support_charge"
    assert "Line 002" in f.message and "Commercial Repair and Return" in f.message
    assert "D (Department of the Air Force)" in f.message and "BN-D-QAA" in f.message


def test_nc_waiver_requested_without_a_charge(chain) -> None:
    nc = {"amount": 0, "waiver_requested": {"forwarded_date": "2025-03-02"}}
    f = _only(
        findings_of(chain, edit(qaa, ("lines.0.nonrecurring_cost", nc))), "QC-NC-WAIVER-REQUESTED"
    )
    assert f.path == "lines[0].nonrecurring_cost.amount"
    assert "Line 001" in f.message and "$0" in f.message and "waiver_requested" in f.message


def test_indirect_charges_and_accessorials(chain) -> None:
    t10 = edit(tab, ("fund_source", T10_SOURCE))
    found = by_rule(findings_of(chain, t10), "QC-BPC-INDIRECT-ACCESSORIAL")
    assert [f.path for f in found] == [
        "accessorial.packing_crating_handling",
        "accessorial.transportation",
    ]
    assert "$41,000" in found[0].message and "14 April 2026" in found[0].message
    assert "set accessorial.packing_crating_handling to 0" in found[0].message
    # Title 22 funds, or a Title 10 case approved before 14 August 2020: accessorials stay
    title_22 = edit(tab, ("fund_source", T22_SOURCE))
    approved_before = edit(t10, ("document.cwd_approval_date", "2020-08-13"))
    for docs in (title_22, approved_before):
        assert not by_rule(findings_of(chain, docs), "QC-BPC-INDIRECT-ACCESSORIAL")
    approved_after = edit(t10, ("document.cwd_approval_date", "2020-08-14"))
    found = by_rule(findings_of(chain, approved_after), "QC-BPC-INDIRECT-ACCESSORIAL")
    assert "approved for offer on 14 August 2020" in found[0].message


def test_accessorial_lines_not_on_the_document(chain) -> None:
    docs = edit(
        qaa_modification,
        ("lines.4", DELETE),
        ("accessorial.transportation_lines", ["001", "005"]),
        ("accessorial.lookup_table_lines", ["012"]),
    )
    found = by_rule(findings_of(chain, docs), "QC-ACCESSORIAL-LINES")
    assert [f.path for f in found] == [
        "accessorial.lookup_table_lines[0]",
        "accessorial.transportation_lines[1]",
    ]
    assert "Line 012 is not on this document" in found[0].message
    assert "Line 005 was deleted by this Modification" in found[1].message


def test_bpc_program_of_unknown_title(chain) -> None:
    unknown = {"program": "Border Resilience Fund", "fiscal_year": "FY26"}
    f = _only(findings_of(chain, edit(tab, ("fund_source", unknown))), "QC-BPC-FUND-SOURCE")
    assert f.path == "fund_source.program"
    assert "'Border Resilience Fund'" in f.message and "not in bpc_programs.yaml" in f.message
    titled = edit(tab, ("fund_source", {**unknown, "title": 22}))
    assert not by_rule(findings_of(chain, titled), "QC-BPC-FUND-SOURCE")
    assert not by_rule(findings_of(chain, qaa), "QC-BPC-FUND-SOURCE")  # FMS


@pytest.mark.parametrize(
    ("fiscal_year", "warned"),
    [
        ("FY25", True),
        ("FY2025", True),
        ("2025", True),
        ("fy 2026", True),
        ("FY24", False),
        ("2024", False),
        ("FY 2024", False),
        ("FY2024/2025", False),  # multi-year funds: the year they were appropriated
        ("FY2025/2026", True),
        ("the current year", False),  # no year: QC-BPC-FISCAL-YEAR says so
    ],
)
def test_bpc_system_from_fy2025(chain, fiscal_year: str, warned: bool) -> None:
    source = {**T10_SOURCE, "fiscal_year": fiscal_year}  # (a copy: T10_SOURCE is shared)
    docs = edit(tab_t10, ("bpc_system", DELETE), ("fund_source", source))
    found = by_rule(findings_of(chain, docs), "QC-BPC-SYSTEM")
    assert bool(found) is warned
    if warned:
        assert f"{fiscal_year!r}" in found[0].message and "give bpc_system" in found[0].message


def test_bpc_system_is_asked_of_title_10_only(chain) -> None:
    title_22 = edit(tab, ("fund_source", T22_SOURCE))
    assert not by_rule(findings_of(chain, title_22), "QC-BPC-SYSTEM")


@pytest.mark.parametrize(
    ("offer_expires", "warned"),
    [("2020-08-13", False), ("2020-08-14", True), ("2021-02-10", True), ("2021-02-11", False)],
)
def test_approval_date_near_the_indirect_charges_date(
    chain, offer_expires: str, warned: bool
) -> None:
    docs = edit(tab_t10, ("document.offer_expiration_date", offer_expires))
    found = by_rule(findings_of(chain, docs), "QC-BPC-APPROVAL-DATE")
    assert bool(found) is warned
    if warned:
        assert "14 August 2020" in found[0].message and "cwd_approval_date" in found[0].message


def test_approval_date_not_asked_when_implemented_before_the_date(chain) -> None:
    basic = edit(tab_t10, ("document.offer_expiration_date", "2020-09-01"))()[0]
    amendment = {
        **basic,
        "document": {
            "kind": "Amendment",
            "number": 1,
            "offer_expiration_date": "2021-01-15",
            "implementation_date": "2020-08-03",
            "purpose": "increases the spare parts line",
            "reason": "to meet the Benefitting Partner's request",
        },
    }
    assert by_rule(run_checks(chain(basic)), "QC-BPC-APPROVAL-DATE")
    assert not by_rule(run_checks(chain(basic, amendment)), "QC-BPC-APPROVAL-DATE")
    given = {
        **amendment,
        "document": {
            **amendment["document"],
            "implementation_date": "2020-10-01",
            "cwd_approval_date": "2020-07-20",
        },
    }
    assert not by_rule(run_checks(chain(basic, given)), "QC-BPC-APPROVAL-DATE")


def test_bpc_sole_source_approval(chain) -> None:
    source = {**example("BN-B-TAB/basic")["lines"][0]["sole_source"], "approved_by": "ACC-Warren"}
    f = _only(findings_of(chain, edit(tab, ("lines.0.sole_source", source))), "QC-SOLE-SOURCE-BPC")
    assert f.path == "lines[0].sole_source.authority"
    assert "Line 001 designates Harbor Motor Works, Inc." in f.message
    assert "cites no Department of Defense authorization" in f.message
    assert "names the" not in f.message
    assert not by_rule(findings_of(chain, qaa), "QC-SOLE-SOURCE-BPC")  # FMS: its own note


def test_bpc_sole_source_unchanged_on_an_amendment_is_not_repeated(chain) -> None:
    amendment = example("BN-B-TAB/amendment-1")
    found = by_rule(run_checks(chain(example("BN-B-TAB/basic"), amendment)), "QC-SOLE-SOURCE-BPC")
    assert [f.path for f in found] == ["lines[3].sole_source.approved_by"]  # Line 004 is new


def test_foc_without_deliveries_and_deliveries_under_2282(chain) -> None:
    no_delivery = edit(tab_t10, ("foc", FOC))
    f = _only(findings_of(chain, no_delivery), "QC-FOC-DELIVERY")
    assert f.path == "foc" and "10 U.S.C. 333" in f.message and "foc_delivery" in f.message
    legacy = edit(
        tab_t10,
        ("foc", {**FOC, "authority": "2282"}),
        ("lines.0.foc_delivery", {"year": 2027, "quarter": 1}),
    )
    f = _only(findings_of(chain, legacy), "QC-FOC-DELIVERY")
    assert f.path == "lines[0].foc_delivery" and "2282" in f.message
    fms = edit(qaa, ("foc", FOC))
    assert _only(findings_of(chain, fms), "QC-FOC-DELIVERY").path == "foc"
    without_foc = edit(tab_t10, ("lines.1.foc_delivery", {"year": 2027, "quarter": 3}))
    f = _only(findings_of(chain, without_foc), "QC-FOC-DELIVERY")
    assert "Line 002" in f.message and "give foc" in f.message


def test_direct_funded_equipment_without_training(chain) -> None:
    docs = edit(
        tab_t10,
        ("fund_source", {**T10_SOURCE, "direct_funded_equipment": DIRECT_FUNDED}),
        ("lines.2", DELETE),
    )
    f = _only(findings_of(chain, docs), "QC-S333-DIRECT-FUNDED")
    assert "no training line" in f.message
    other = edit(
        tab,
        ("fund_source", {**T22_SOURCE, "direct_funded_equipment": DIRECT_FUNDED}),
    )
    assert (
        "'Peacekeeping Operations'"
        in _only(findings_of(chain, other), "QC-S333-DIRECT-FUNDED").message
    )


def test_title_22_agreement_and_obligation(chain) -> None:
    found = by_rule(
        findings_of(chain, edit(tab, ("fund_source", T22_SOURCE))), "QC-BPC-T22-AGREEMENT"
    )
    assert [f.path for f in found] == ["fund_source.iaa_moa", "fund_source.obligation_number"]
    assert not by_rule(findings_of(chain, tab_t10), "QC-BPC-T22-AGREEMENT")


# -- country flags the table does not give ------------------------------------------------------


def _country(monkeypatch, code: str, **flags) -> None:
    """Add a country row of our own to the loaded reference (restored after the test)."""
    from loagen.reference import load_reference

    monkeypatch.setitem(load_reference().countries, code, {"name": "Zequia", **flags})


@pytest.mark.parametrize("row", [{"dependable_undertaking": None}, {}], ids=["null", "absent"])
def test_dependable_undertaking_not_known_is_a_warning(chain, monkeypatch, row) -> None:
    _country(monkeypatch, "ZQ", **row)
    findings = findings_of(chain, edit(qaa, ("case_id", "ZQ-D-QAA")))
    assert not by_rule(findings, "QC-TOS-DU-COUNTRY")
    found = by_rule(findings, "QC-TOS-DU-COUNTRY-UNKNOWN")
    assert [(f.severity, f.path) for f in found] == [
        ("warning", "terms_of_sale[0]"),
        ("warning", "terms_of_sale[1]"),
    ]
    assert "leaves dependable_undertaking empty for ZQ (Zequia)" in found[0].message
    assert "Table C4.T2a" in found[0].message


def test_dependable_undertaking_false_is_an_error(chain, monkeypatch) -> None:
    _country(monkeypatch, "ZQ", dependable_undertaking=False)
    findings = findings_of(chain, edit(qaa, ("case_id", "ZQ-D-QAA")))
    assert not by_rule(findings, "QC-TOS-DU-COUNTRY-UNKNOWN")
    f = by_rule(findings, "QC-TOS-DU-COUNTRY")[0]
    assert f.severity == "error" and "ZQ (Zequia) is not" in f.message


def test_country_missing_from_the_table(chain) -> None:
    found = by_rule(
        findings_of(chain, edit(qaa, ("case_id", "ZZ-D-QAA"))), "QC-TOS-DU-COUNTRY-UNKNOWN"
    )
    assert "country code ZZ is not in countries.yaml" in found[0].message


@pytest.mark.parametrize(
    ("flag", "rule_id"), [(None, "QC-EDA-GRANT-COUNTRY-UNKNOWN"), (False, "QC-EDA-GRANT")]
)
def test_grant_eda_eligibility(chain, monkeypatch, flag, rule_id) -> None:
    _country(monkeypatch, "ZQ", eda_grant=flag, dependable_undertaking=True)
    findings = findings_of(chain, edit(zea, ("case_id", "ZQ-B-ZEA")))
    about = [f for f in findings if f.path == "lines[0].eda.kind"]
    assert [f.rule_id for f in about] == [rule_id]
    assert "Line 001" in about[0].message and "ZQ (Zequia)" in about[0].message


# -- terms of sale against funding, lines and Type of Assistance ------------------------------


def zfc() -> Docs:
    return [example("BN-B-ZFC/basic")]


@pytest.mark.parametrize("term", ["Cash Prior to Delivery", "FMS Credit (Repayable)"])
def test_a_bpc_case_with_a_cash_or_credit_term_is_an_error(chain, term) -> None:
    findings = findings_of(chain, edit(tab, ("terms_of_sale", ["U.S. Government Grant", term])))
    [f] = by_rule(findings, "QC-FUNDING")
    assert (f.severity, f.path) == ("error", "terms_of_sale[1]")
    assert term in f.message and "give the term of sale U.S. Government Grant" in f.message
    assert not by_rule(findings_of(chain, tab), "QC-FUNDING")


def test_an_fms_credit_term_on_national_funds_is_an_error(chain) -> None:
    credit = edit(qaa, ("terms_of_sale", ["Cash Prior to Delivery", "FMS Credit (Repayable)"]))
    [f] = by_rule(findings_of(chain, credit), "QC-FUNDING")
    assert (f.severity, f.path) == ("error", "terms_of_sale[1]")
    assert "set funding to 'fmf'" in f.message
    fmf = edit(credit, ("funding", "fmf"), ("terms_breakout", [{"term": "FMS Credit (Repayable)"}]))
    assert not by_rule(findings_of(chain, fmf), "QC-FUNDING")


def test_dependable_undertaking_alone_with_stock_lines_is_an_error(chain) -> None:
    du_only = edit(qaa, ("terms_of_sale", ["Dependable Undertaking"]))
    [f] = by_rule(findings_of(chain, du_only), "QC-TOS-DU-LINES")
    assert (f.severity, f.path) == ("error", "terms_of_sale[0]")
    assert "Lines 004-006 come from stock (Source Code S)" in f.message
    assert "add Cash Prior to Delivery" in f.message
    # procurement and mixed lines only: nothing from stock alone
    procured = edit(du_only, ("lines", example("BN-D-QAA/basic")["lines"][:3]))
    assert not by_rule(findings_of(chain, procured), "QC-TOS-DU-LINES")
    assert not by_rule(findings_of(chain, qaa), "QC-TOS-DU-LINES")  # with Cash Prior to Delivery


def test_cash_type_of_assistance_on_a_case_paid_by_credit(chain) -> None:
    cash = edit(zfc, ("lines.0.type_of_assistance", "5"), ("lines.3.type_of_assistance", "3"))
    found = by_rule(findings_of(chain, cash), "QC-TA-TERMS")
    assert [(f.severity, f.path) for f in found] == [
        ("warning", "lines[0].type_of_assistance"),
        ("warning", "lines[3].type_of_assistance"),
    ]
    assert "no term of sale is paid in cash" in found[0].message
    assert "N for FMS Credit (Non-Repayable)" in found[0].message
    assert not by_rule(findings_of(chain, zfc), "QC-TA-TERMS")
    # a cash term beside the credit term pays the cash lines
    mixed = edit(cash, ("terms_of_sale", ["FMS Credit (Non-Repayable)", "Cash Prior to Delivery"]))
    assert not by_rule(findings_of(chain, mixed), "QC-TA-TERMS")
    # BPC lines keep their codes 3, 4 and 5 under the U.S. Government Grant
    assert not by_rule(findings_of(chain, tab), "QC-TA-TERMS")


def test_payment_on_delivery_code_needs_its_term(chain) -> None:
    on_delivery = edit(qaa, ("lines.3.type_of_assistance", "6"))
    [f] = by_rule(findings_of(chain, on_delivery), "QC-TA-TERMS")
    assert f.path == "lines[3].type_of_assistance" and "Payment on Delivery" in f.message
    listed = edit(on_delivery, ("terms_of_sale", APPEND("Payment on Delivery")))
    assert not by_rule(findings_of(chain, listed), "QC-TA-TERMS")


@pytest.mark.parametrize(("code", "label"), [("U", "FMSO I"), ("V", "FMSO II")])
def test_clssa_codes_off_a_clssa_case(chain, code, label) -> None:
    [f] = by_rule(findings_of(chain, edit(qaa, ("lines.2.type_of_assistance", code))), "QC-CLSSA")
    assert (f.severity, f.path) == ("error", "lines[2].type_of_assistance")
    assert f"the code of CLSSA {label} lines" in f.message and "defined_order" in f.message


def test_a_long_bpc_offer_counts_from_the_offer_date_first(chain) -> None:
    approved_long_ago = edit(tab, ("document.cwd_approval_date", "2025-12-01"))
    [f] = by_rule(findings_of(chain, approved_long_ago), "QC-OED-BPC-LONG")
    assert "134 days after DSCA's approval" in f.message and "30 days" in f.message
    # nothing in the case file records DSCA's request: the message says the warning stays
    assert "this warning then stays: tell the reviewer who at DSCA asked" in f.message
    offered = edit(approved_long_ago, ("document.offer_date", "2026-03-16"))
    assert not by_rule(findings_of(chain, offered), "QC-OED-BPC-LONG")
    # an FMS offer is not held to the BPC period
    fms = edit(qaa, ("document.date", "2025-06-01"))
    assert not by_rule(findings_of(chain, fms), "QC-OED-BPC-LONG")


def test_schedule_that_sums_to_the_total_passes(chain) -> None:
    document = chain(*qaa())
    total = int(document.costs.total_estimated_cost)
    schedule = [
        {"date": "2025-06-30", "amount": total - 1000000},
        {"date": "2025-09-15", "amount": 1000000},
    ]
    findings = findings_of(chain, edit(qaa, ("payment_schedule", schedule)))
    assert not [f for f in findings if f.rule_id.startswith("QC-SCHEDULE")]


def test_a_minimal_dollar_line_of_quantity_zero_names_the_quantity(chain) -> None:
    """A line of 0 items at $82,500,000 each is not a "$0 line" of its price: the warning
    points at the quantity and says both."""
    findings = findings_of(
        chain, edit(qaa, ("lines.1.quantity", 0), ("lines.1.unit_cost", 7_250_000))
    )
    [hit] = by_rule(findings, "QC-MIN-DOLLAR")
    assert hit.path == "lines[1].quantity"
    assert hit.message.startswith("Line 002 totals $0: a quantity of 0 at $7,250,000 each")
    priced = by_rule(findings_of(chain, edit(qaa, ("lines.1.unit_cost", 2))), "QC-MIN-DOLLAR")
    assert [f.path for f in priced] == ["lines[1].unit_cost"]


def test_line_reduced_to_zero_names_the_field_that_is_zero(chain) -> None:
    (qty,) = by_rule(
        findings_of(chain, edit(qaa_modification, ("lines.3.quantity", 0))), "QC-ZERO-NOT-DELETED"
    )
    assert qty.path == "lines[3].quantity"
    assert "to $0 (a quantity of 0); delete the unused line instead" in qty.message
    (price,) = by_rule(
        findings_of(chain, edit(qaa_modification, ("lines.3.unit_cost", 1))), "QC-ZERO-NOT-DELETED"
    )
    assert price.path == "lines[3].unit_cost"
    assert "to $1 (a unit cost of $1)" in price.message


def test_line_reduced_to_zero_is_not_also_a_minimal_dollar_warning(chain) -> None:
    findings = findings_of(chain, edit(qaa_modification, ("lines.2.unit_cost", 0)))
    about_line = [f.rule_id for f in findings if f.path.startswith("lines[2]")]
    assert about_line == ["QC-ZERO-NOT-DELETED"]


# -- rules that read the selected notes ---------------------------------------------------------


def _note(note_id: str, title: str, placement: str = "notes", lines: tuple[str, ...] = ()):
    return SelectedNote(
        id=note_id, title=title, version="1", placement=placement, body="x", lines=lines
    )


def test_wwrs_note_needs_the_seller_line(chain) -> None:
    selection = Selection(notes=(_note("FMS-WWRS", "Worldwide Warehouse Redistribution Services"),))
    tripped = by_rule(run_checks(chain(*qaa()), selection), "QC-WWRS-NOTE")
    assert [(f.severity, f.path) for f in tripped] == [("error", "")]
    assert not by_rule(run_checks(chain(*wrs()), selection), "QC-WWRS-NOTE")


def test_wwrs_paragraph_inside_another_note_needs_the_seller_line(chain) -> None:
    body = (
        "Under this line the Purchaser sells through Worldwide Warehouse Redistribution Services."
    )
    note = SelectedNote(
        id="LINE-ITEM-DESCRIPTION",
        title="Line Item 001 Description",
        version="1",
        placement="notes",
        body=body,
        lines=("001",),
    )
    tripped = by_rule(run_checks(chain(*qaa()), Selection(notes=(note,))), "QC-WWRS-NOTE")
    assert len(tripped) == 1 and "LINE-ITEM-DESCRIPTION" in tripped[0].message
    plain = SelectedNote(
        id="LINE-ITEM-DESCRIPTION",
        title="Line Item 001 Description",
        version="1",
        placement="notes",
        body="This line provides aircraft.",
        lines=("001",),
    )
    assert not by_rule(run_checks(chain(*qaa()), Selection(notes=(plain,))), "QC-WWRS-NOTE")


def test_wwrs_note_finds_each_note_among_many_that_names_wwrs(chain) -> None:
    """The notes are gated together: each note naming WWRS (in its title, id or text, in any
    case) is found among notes that do not, and a needle made across two notes is not one."""
    plain = [_note(f"N-{i}", f"Plain note {i}") for i in range(5)]
    named = [
        _note("N-X", "WWRS seller terms"),
        _note("wwrs-x", "Other"),
        SelectedNote(id="N-Y", title="Y", version="1", placement="notes", body="By wOrLdWiDe  warehouse"),
    ]  # fmt: skip
    notes = (plain[0], named[0], plain[1], named[1], plain[2], named[2], plain[3])
    tripped = by_rule(run_checks(chain(*qaa()), Selection(notes=notes)), "QC-WWRS-NOTE")
    assert sorted(f.message.split()[1] for f in tripped) == ["N-X", "N-Y", "wwrs-x"]
    across = (_note("A", "world"), _note("wide", "B"), _note("C", "ww"), _note("rs", "D"))
    assert not by_rule(run_checks(chain(*qaa()), Selection(notes=across)), "QC-WWRS-NOTE")


def test_deleted_line_leaves_no_line_note(chain) -> None:
    document = chain(*edit(qaa_modification, ("lines.6", DELETE))())
    stale = Selection(notes=(_note("LINE-DESC", "Line Item 007 Description", "line", ("007",)),))
    tripped = by_rule(run_checks(document, stale), "QC-DELETED-LINE-NOTE")
    assert len(tripped) == 1 and "Line 007 is deleted" in tripped[0].message
    fine = Selection(notes=(_note("LINE-DESC", "Line Item 001 Description", "line", ("001",)),))
    assert not by_rule(run_checks(document, fine), "QC-DELETED-LINE-NOTE")
    assert not by_rule(run_checks(document, None), "QC-DELETED-LINE-NOTE")


def test_unprinted_records_are_read_for_markings_only(chain) -> None:
    entry = {
        "kind": "SOLE-SOURCE-REQUEST-LETTER",
        "reference": "BN/MODAT/2312",
        "date": "2024-02-14",
        "note": "received 04/22/2024 from the USG desk officer",
    }
    findings = findings_of(chain, edit(qaa, ("package", [entry])))
    # not printed on the LOA: no wording rule reads it
    assert not [f for f in findings if f.path.startswith("package")], [str(f) for f in findings]
    marked = edit(qaa, ("package", [{**entry, "note": "CUI//SP-EXPT attached"}]))
    assert [f.path for f in by_rule(findings_of(chain, marked), "QC-CUI")] == ["package[0].note"]


def test_note_version_the_library_no_longer_holds(chain) -> None:
    from loagen.policy.selection import Decision

    lost = Decision("LINE-ITEM-NSR", False, "gone", status="in force", missing_version="1")
    tripped = by_rule(
        run_checks(chain(*qaa()), Selection(decisions=(lost,))), "QC-NOTE-VERSION-MISSING"
    )
    assert len(tripped) == 1 and "version 1" in tripped[0].message
    kept = Decision("LINE-ITEM-NSR", False, "kept", status="in force")
    assert not by_rule(
        run_checks(chain(*qaa()), Selection(decisions=(kept,))), "QC-NOTE-VERSION-MISSING"
    )


def test_notes_in_force_naming_a_note_the_library_does_not_hold_are_warned(chain) -> None:
    """An Amendment whose earlier documents were not written with loagen lists the notes in
    force; an id the library does not hold (a typo, or a note renamed since) is a warning
    with the id it most likely means, not silently dropped; ids of the writer's own (LEGACY-)
    and the library's ids are not."""
    from loagen.policy.selection import Decision

    basic, amendment = qaa_amendment()
    amendment["document"]["notes_in_force"] = [
        {"id": "SOLE-SOURCE-FSM", "version": "1"},
        {"id": "LEGACY-OLD-TRAINING-NOTE", "version": "3"},
        {"id": "GPS-SAASM", "version": "1"},
        {"id": "QWERTY", "version": "1"},
    ]
    library = ("SOLE-SOURCE-FMS", "GPS-SAASM", "ADMIN-SURCHARGE")
    selection = Selection(decisions=tuple(Decision(i, False, "out") for i in library))
    found = by_rule(run_checks(chain(basic, amendment), selection), "QC-NOTE-VERSION-MISSING")
    assert [f.path for f in found] == [
        "document.notes_in_force[0].id",
        "document.notes_in_force[3].id",
    ]
    assert "did you mean SOLE-SOURCE-FMS?" in found[0].message
    assert "QWERTY" in found[1].message and "did you mean" not in found[1].message
    assert found[0].severity == "warning"


def test_a_note_whose_rule_holds_before_its_first_version_is_warned(chain, tmp_path) -> None:
    """A note file that lost its first version (only a later one left) leaves a document
    dated before the later one without the note: `check` says so, naming the note, the lines
    its rule holds for and the date its first version now takes effect."""
    from loagen.document.wording import spell_date
    from loagen.policy.notes import load_library
    from loagen.policy.selection import select_notes

    from .test_notes import write_note

    data = example("BN-D-QAA/basic")
    data["lines"][-1]["sole_source"] = {"firm": "Acme Corp.", "role": "prime"}
    document = chain(data)
    day = document.note_date
    later, earlier = day + timedelta(days=40), day - timedelta(days=40)
    for effective, warned in ((later, True), (earlier, False)):
        folder = tmp_path / effective.isoformat()
        write_note(folder, "ONLY-LATER", versions=f'[{{version: "2", effective: {effective}}}]')
        selection = select_notes(document, load_library(folder))
        found = by_rule(run_checks(document, selection), "QC-NOTE-VERSION-MISSING")
        if not warned:
            assert not found
            continue
        assert len(found) == 1
        assert "note ONLY-LATER (Test Note) holds for Line" in found[0].message
        assert data["lines"][-1]["number"] in found[0].message
        assert f"takes effect ({spell_date(effective)})" in found[0].message


# -- findings, ordering, rule list --------------------------------------------------------------


def test_finding_text() -> None:
    f = Finding("error", "QC-NSR-SHARE", "too much", "lines[3].unit_cost", "Section C5.4.13")
    assert str(f) == "error QC-NSR-SHARE lines[3].unit_cost: too much (Section C5.4.13)"
    assert str(Finding("warning", "QC-X", "m", "", "Ref")) == "warning QC-X: m (Ref)"
    assert f.said == "QC-NSR-SHARE lines[3].unit_cost: too much (Section C5.4.13)"


def test_findings_are_sorted_errors_first_then_by_place(chain) -> None:
    data = example("BN-D-QAA/basic")
    extra = [{**data["lines"][3], "number": f"{n:03d}"} for n in range(7, 12)]
    data["lines"].extend(extra)
    data["lines"][10]["unit_cost"] = 0  # lines[10]: minimal dollar (warning)
    data["lines"][2]["unit_cost"] = 1  # lines[2]: minimal dollar (warning)
    data["lines"][9]["sole_source"] = data["lines"][0]["sole_source"]  # error
    data["lines"][5] |= {"severable": True, "performance_period": "24 months"}
    data["document"]["congressional_notification"] = {"number": "25-03", "date": "2025-02-01"}
    findings = run_checks(chain(data))
    assert findings == run_checks(chain(data))
    assert [(f.severity, f.path) for f in findings] == [
        ("error", "lines[9].sole_source"),
        ("warning", "lines[2].unit_cost"),
        ("warning", "lines[10].unit_cost"),
    ]


def test_rule_list_is_complete_and_unique() -> None:
    rules = list_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    for r in rules:
        assert r.id.startswith("QC-") and r.severity in ("error", "warning")
        assert r.title and r.reference


# -- text scanners -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "SECRET",
        "TOP SECRET//SCI",
        "CONFIDENTIAL//REL TO USA, BN",
        "(S) The line provides radios.",
        "(C) Only the U.S. Government may acquire.",
        "Spares for the radio. (S) Delivery details follow.",
        "(TS) text",
        "(S//NF) text",
        "(C//REL TO USA, BN) text",
        "Handling: //NOFORN",
        "noforn",
        "Classified By: DSCA",
        "Declassify On: 20351231",
    ],
)
def test_markings_found(text: str) -> None:
    assert find_markings(text)


@pytest.mark.parametrize(
    "text",
    [
        "The pricing is confidential until award.",
        "Confidential treatment of proprietary data.",
        "Secret Internet Protocol Router Network (SIPRNET) terminals",
        "RADIO SET, SECURE, UP TO SECRET",
        "Encryptor for SECRET and below traffic",
        "SPARE PART(S) AND TOOL(S)",
        "items (A) radios, (B) antennas, (C) cables",
        "Copyright (C) 2024 the manufacturer",
        "SECRETARY OF THE AIR FORCE",
        "UNCLASSIFIED",
        "classified publications are listed in the note",
        "see https://tk.example.com/si",
    ],
)
def test_markings_not_found_in_ordinary_text(text: str) -> None:
    assert find_markings(text) == ()


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("write to jane.doe@mail.mil", "an e-mail address"),
        ("call 703-555-0142", "a phone number"),
        ("call (703) 555-0142", "a phone number"),
        ("DSN 312 555 0142", "a phone number"),
        ("tel. +44 20 7946 0958", "a phone number"),
        ("SSN 123-45-6789", "a social security number"),
    ],
)
def test_contact_data_found(text: str, what: str) -> None:
    assert what in [h.what for h in find_contact_data(text)]


@pytest.mark.parametrize(
    "text",
    [
        "NSN 1005-01-123-4567",
        "I-24/004512",
        "COCOM-J5-26-014",
        "BN/MODAT/2312 dated 2024-02-14",
        "Lines 001-005 and 007",
        "$82,500,000 for 2 EA",
    ],
)
def test_contact_data_not_found_in_codes(text: str) -> None:
    assert find_contact_data(text) == ()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Mr. John Smith will attend", True),
        ("Dr Jane Roe", True),
        ("COL Jane Doe", True),
        ("Capt Smith", True),
        ("MG John Smith", True),
        ("POC: Jane Doe", True),
        ("M240 MG Mount kits", False),
        ("Lockheed Martin Corporation", False),
        ("MG MOUNT, M2", False),
    ],
)
def test_names(text: str, found: bool) -> None:
    assert bool(find_names(text)) is found


MARKINGS = st.sampled_from(
    ["SECRET//NOFORN", "TOP SECRET//SCI", "(S//NF)", "(TS)", "//REL TO USA", "CONFIDENTIAL//REL"]
)
FILLER = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_scanners_never_crash(text: str) -> None:
    for scan in (find_markings, find_contact_data, find_names):
        for hit in scan(text):
            assert 0 <= hit.start < hit.end <= len(text)


@settings(max_examples=300, deadline=None)
@given(FILLER, MARKINGS, FILLER)
def test_a_marking_is_always_found(before: str, marking: str, after: str) -> None:
    text = f"{before} {marking} {after}"
    start = len(before) + 1
    hits = find_markings(text)
    assert any(h.start <= start + 2 and h.end >= start + len(marking) - 2 for h in hits), hits


@settings(max_examples=200, deadline=None)
@given(
    FILLER,
    st.from_regex(r"[a-z][a-z0-9._]{0,10}@[a-z]{2,8}\.(mil|gov|com)", fullmatch=True),
    FILLER,
)
def test_an_email_is_always_found(before: str, email: str, after: str) -> None:
    text = f"{before} {email} {after}"
    assert any(h.what == "an e-mail address" for h in find_contact_data(text))


def test_a_short_oed_says_how_short_in_words(chain) -> None:
    """The newest reference of BN-D-QAA's Basic is dated 2024-05-03."""

    def short(oed: str) -> list[str]:
        found = findings_of(chain, edit(qaa, ("document.offer_expiration_date", oed)))
        return [f.message for f in by_rule(found, "QC-OED-SHORT")]

    assert "2 June 2024, 30 days after the newest purchaser reference" in short("2024-06-02")[0]
    assert "4 May 2024, 1 day after the newest" in short("2024-05-04")[0]
    assert "3 May 2024, on the day of the newest" in short("2024-05-03")[0]
    # an offer that expires before a reference is dated: QC-REFS-DATE says so, not this rule
    assert short("2024-05-01") == []
    found = findings_of(chain, edit(qaa, ("document.offer_expiration_date", "2024-05-01")))
    assert by_rule(found, "QC-REFS-DATE")


def test_the_purpose_is_read_verb_by_verb_against_the_lines(chain) -> None:
    said = [
        f.message
        for f in findings_of(
            chain,
            edit(
                qaa_amendment,
                (
                    "document.purpose",
                    "adds Line 008, deletes lines to reflect the review and adds a new note",
                ),
            ),
        )  # fmt: skip
        if f.rule_id == "QC-PURPOSE-CHANGES"
    ]
    assert said == [
        "the purpose says 'adds' (Line 008), but this Amendment adds no line of those: say "
        "what it does to the lines",
        "the purpose says 'deletes', but this Amendment deletes no line: say what it does to "
        "the lines",
    ]  # ("adds a new note" speaks of no line: not read)


def _purpose_said(chain, purpose: str) -> list[str]:
    """The QC-PURPOSE-CHANGES messages of BN-D-QAA Amendment 1 (adds Line 007, raises the
    value and months of Lines 002, 003 and 006, leaves Lines 001, 004 and 005) with `purpose`."""
    found = findings_of(chain, edit(qaa_amendment, ("document.purpose", purpose)))
    return [f.message for f in by_rule(found, "QC-PURPOSE-CHANGES")]


@pytest.mark.parametrize(
    "purpose",
    [
        "increases the support equipment line from 300 to 340 sets",
        "decreases nothing and increases the spares line from 100 to 120 kits",
        "increases Lines 002, 003 and 006",
        "increases Lines 002 and 003",
    ],
)
def test_numbers_not_written_after_line_are_counts_not_lines(chain, purpose: str) -> None:
    """Only 'Line 002', 'Lines 002-003', 'Lines 002 and 003' name lines: 'from 300 to 340 sets'
    is a count, read as no line named (this Amendment raises lines: nothing to say)."""
    assert _purpose_said(chain, purpose) == []


def test_a_line_said_to_be_revised_realigned_or_extended_changes(chain) -> None:
    for verb in ("revises", "realigns", "extends"):
        assert _purpose_said(chain, f"adds Line 007 and {verb} Line 004") == [
            f"the purpose says {verb!r} (Line 004), but this Amendment changes no line of those: "
            "say what it does to the lines"
        ]
        assert _purpose_said(chain, f"adds Line 007 and {verb} Lines 002 and 004") == []
        # without a line number, what is revised is not known: not read
        assert (
            _purpose_said(chain, f"adds Line 007 and {verb} the schedule of the spares line") == []
        )
        # a line named in what the change is for is not what it changes
        assert _purpose_said(
            chain, f"adds Line 007 and {verb} the payment schedule to reflect the later "
            "delivery of Line 004"
        ) == []  # fmt: skip
        assert (
            _purpose_said(chain, f"adds Line 007 and {verb} the payment schedule of Line 004") == []
        )


def test_the_months_said_to_be_realigned_change(chain) -> None:
    """Line 001 is unchanged; Line 002's months and value change on this Amendment."""
    assert _purpose_said(chain, "adds Line 007 and realigns the Months of Line 002") == []
    assert _purpose_said(chain, "adds Line 007 and realigns the months of Lines 001 and 002") == []
    docs = qaa_amendment()
    docs[-1]["lines"][1]["months"] = docs[0]["lines"][1]["months"]  # value up, months as before
    docs[-1]["document"]["purpose"] = "adds Line 007 and realigns the Months of Line 002"
    (f,) = by_rule(run_checks(chain(*docs)), "QC-PURPOSE-CHANGES")
    assert f.message == (
        "the purpose says 'realigns' (Line 002), but this Amendment leaves the months of Line 002 "
        "as they were: say what it does to the lines"
    )
    docs[-1]["document"]["purpose"] = "adds Line 007 and revises Line 002"  # its value changes
    assert not by_rule(run_checks(chain(*docs)), "QC-PURPOSE-CHANGES")


def test_a_clause_after_a_semicolon_is_not_read_as_the_verbs_object(chain) -> None:
    purpose = "adds Line 007 and adds operator support; the months of Line 001 are unchanged"
    found = findings_of(chain, edit(qaa_amendment, ("document.purpose", purpose)))
    assert not [f for f in found if f.rule_id == "QC-PURPOSE-CHANGES"]


# -- the quantities a purpose states (QC-PURPOSE-QUANTITY) ---------------------------------------


def _radios(old: int, new: int, purpose: str, *, alone: bool = False) -> Docs:
    """BN-D-QAA's Basic and Amendment 1 with Line 002 made radio sets (EA, $20,000 each) whose
    quantity goes from `old` to `new`; Amendment 1 also adds Line 007 (two C-130J aircraft)
    unless `alone`, when Line 002 is the only line whose quantity changes."""
    docs = qaa_amendment()
    for doc, count in zip(docs, (old, new), strict=True):
        doc["lines"][1].update(
            description="RADIO SET", unit_of_issue="EA", quantity=count, unit_cost=20000
        )
    if alone:
        docs[-1]["lines"].pop()  # Line 007
    docs[-1]["document"]["purpose"] = purpose
    return docs


def _quantity_said(chain, docs: Docs, rule_id: str = "QC-PURPOSE-QUANTITY") -> list[str]:
    return [f.message for f in by_rule(run_checks(chain(*docs)), rule_id)]


def test_the_reviewers_purpose_says_one_hundred_where_the_line_adds_eighty(chain) -> None:
    docs = _radios(200, 280, "This Amendment adds one hundred additional radio sets to Line 002")
    assert _quantity_said(chain, docs) == [
        "the purpose says 'one hundred additional' radio sets (+100), but Line 002 goes from 200 "
        "to 280 (+80): correct the purpose or the line's quantity"
    ]
    # items added to a line named after 'to' are not a line added: QC-PURPOSE-CHANGES is content
    assert _quantity_said(chain, docs, "QC-PURPOSE-CHANGES") == []
    docs = _radios(200, 300, "This Amendment adds one hundred additional radio sets to Line 002")
    assert _quantity_said(chain, docs) == []


def test_adding_to_a_line_that_does_not_change_is_still_said(chain) -> None:
    docs = _radios(200, 200, "adds one hundred additional radio sets to Line 002")
    docs[-1]["lines"][1]["unit_cost"] = 20000  # Line 002 exactly as before
    assert _quantity_said(chain, docs) == [
        "the purpose says 'one hundred additional' radio sets (+100), but Line 002 stays at 200: "
        "correct the purpose or the line's quantity"
    ]
    assert _quantity_said(chain, docs, "QC-PURPOSE-CHANGES") == [
        "the purpose says 'adds' (Line 002), but this Amendment adds to no line of those: say "
        "what it does to the lines"
    ]


@pytest.mark.parametrize(
    ("old", "new", "purpose", "move"),
    [
        # from A to B, in digits (thousands grouped) or in words
        (200, 280, "increases the quantity of Line 002 from 200 to 280", None),
        (200, 280, "increases the quantity of Line 002 from 200 to 240", "goes from 200 to 280"),
        (1200, 1500, "increases Line 002 from 1,200 to 1,500 radio sets", None),
        (1200, 1500, "increases Line 002 from 1,200 to 1,600 radio sets", "goes from 1,200"),
        (200, 240, "increases Line 002 from two hundred to two hundred forty", None),
        (200, 240, "increases Line 002 from two hundred to two hundred and forty", None),
        (200, 280, "increases Line 002 from two hundred to two hundred forty", "(+80)"),
        (40, 1500, "increases Line 002 from forty to one thousand five hundred", None),
        (40, 1400, "increases Line 002 from forty to one thousand five hundred", "(+1,360)"),
        (280, 200, "decreases Line 002 from 280 to 200", None),
        (280, 200, "decreases Line 002 from 280 to 220", "goes from 280 to 200 (-80)"),
        # N additional, an additional N
        (200, 280, "provides eighty additional radio sets for Line 002", None),
        (200, 280, "provides forty additional radio sets for Line 002", "(+80)"),
        (200, 280, "provides an additional 80 radio sets on Line 002", None),
        (200, 280, "provides an additional 40 radio sets on Line 002", "(+80)"),
        # adds N
        (200, 280, "adds 80 radio sets to Line 002", None),
        (200, 280, "adds 100 radio sets to Line 002", "(+80)"),
        (200, 1700, "adds one thousand five hundred radio sets to Line 002", None),
        # increases / reduces / decreases ... by N
        (200, 280, "increases Line 002 by 80 radio sets", None),
        (200, 280, "increases the quantity of Line 002 by 40", "(+80)"),
        (280, 200, "reduces Line 002 by 80", None),
        (280, 200, "decreases Line 002 by eighty", None),
        (280, 200, "decreases Line 002 by 40", "(-80)"),
        (200, 280, "reduces Line 002 by 80", "(+80)"),
    ],
)
def test_a_stated_quantity_is_the_lines(chain, old, new, purpose, move) -> None:
    said = _quantity_said(chain, _radios(old, new, purpose))
    if move is None:
        assert said == []
    else:
        (message,) = said
        assert message.startswith("the purpose says '") and "but Line 002 " in message
        assert move in message


def _radios_and_antennas(
    antennas: tuple[int, int], purpose: str, radios: tuple[int, int] = (200, 240)
) -> Docs:
    """_radios(*radios), and Line 004 made antennas (EA, $1,500 each) whose quantity goes from
    `antennas[0]` to `antennas[1]`."""
    docs = _radios(*radios, purpose)
    for doc, count in zip(docs, antennas, strict=True):
        doc["lines"][3].update(
            description="ANTENNA", unit_of_issue="EA", quantity=count, unit_cost=1500
        )
    return docs


@pytest.mark.parametrize(
    ("old", "new", "purpose", "move"),
    [
        # N more
        (200, 220, "adds 20 more radio sets to Line 002", None),
        (
            200,
            240,
            "adds 20 more radio sets to Line 002",
            "'20 more' radio sets, but Line 002 goes",
        ),
        (200, 220, "provides twenty more radio sets for Line 002", None),
        (
            200,
            240,
            "provides twenty more radio sets for Line 002",
            "'twenty more' radio sets (+20)",
        ),
        # to B on its own
        (200, 280, "increases the quantity of Line 002 to 280", None),
        (200, 240, "increases the quantity of Line 002 to 280", "'to 280', but Line 002 goes"),
        (200, 280, "raises Line 002 to two hundred eighty radio sets", None),
        (200, 240, "raises Line 002 to two hundred eighty radio sets", "radio sets (280), but"),
        (6, 4, "reduces Line 002 to 4", None),
        (6, 3, "reduces Line 002 to 4", "goes from 6 to 3 (-3)"),
        (6, 0, "reduces Line 002 to 0", None),
        (200, 280, "revises the quantity of Line 002 to 280", None),
        (200, 240, "revises the quantity of Line 002 to 280", "'to 280'"),
        (200, 200, "increases Line 002 to 280", "stays at 200"),
        (200, 240, "increases Line 002 by 40 to 240 radio sets", None),
        (200, 240, "increases Line 002 by 40 to 280 radio sets", "'to 280' radio sets"),
        (200, 240, "increases Line 002 from two hundred radio sets to 240", None),
    ],
)
def test_more_and_to_say_a_lines_quantity(chain, old, new, purpose, move) -> None:
    said = _quantity_said(chain, _radios(old, new, purpose))
    if move is None:
        assert said == []
    else:
        (message,) = said
        assert message.startswith("the purpose says '") and move in message


@pytest.mark.parametrize(
    ("antennas", "purpose", "said"),
    [
        ((6, 8), "increases Line 002 from 200 to 240 and Line 004 from 6 to 8", []),
        (
            (6, 9),
            "increases Line 002 from 200 to 240 and Line 004 from 6 to 8",
            ["'from 6 to 8', but Line 004 goes from 6 to 9 (+3)"],
        ),
        (
            (6, 8),
            "increases Line 002 from 200 to 220 and Line 004 from 6 to 8",
            ["'from 200 to 220', but Line 002 goes from 200 to 240 (+40)"],
        ),
        (
            (6, 9),
            "increases Line 002 from 200 to 220, Line 004 from 6 to 8",
            [
                "'from 200 to 220', but Line 002 goes from 200 to 240 (+40)",
                "'from 6 to 8', but Line 004 goes from 6 to 9 (+3)",
            ],
        ),
        ((6, 10), "adds 40 radio sets to Line 002 and 4 antennas to Line 004", []),
        (
            (6, 8),
            "adds 40 radio sets to Line 002 and 4 antennas to Line 004",
            ["'4' antennas, but Line 004 goes from 6 to 8 (+2)"],
        ),
        (
            (6, 10),
            "adds 20 radio sets to Line 002 and 4 antennas to Line 004",
            ["'adds 20' radio sets, but Line 002 goes from 200 to 240 (+40)"],
        ),
        ((6, 10), "adds 40 more radio sets to Line 002, and four more antennas to Line 004", []),
        ((6, 10), "increases Line 002 by 40 and Line 004 by 4", []),
        ((6, 10), "increases Line 002 by 40 and Line 004 by 3", ["'by 3', but Line 004 goes"]),
        ((6, 10), "increases Line 002 to 240 and the quantity of Line 004 to 10", []),
        ((6, 10), "increases Line 002 to 240 and Line 004 to 12", ["'to 12', but Line 004 goes"]),
        # one count for both lines, or each line's count not said apart: not read
        ((6, 10), "increases Line 002 and Line 004 by 40", []),
        ((6, 10), "adds 40 radio sets to Line 002 and Line 004", []),
    ],
)
def test_a_purpose_naming_several_lines_is_read_line_by_line(chain, antennas, purpose, said):
    messages = _quantity_said(chain, _radios_and_antennas(antennas, purpose))
    assert len(messages) == len(said)
    for message, part in zip(messages, said, strict=True):
        assert message.startswith("the purpose says " + part.split(", but")[0]) and part in message


@pytest.mark.parametrize(
    ("antennas", "purpose", "said"),
    [
        # as many counts as lines: in their order
        ((6, 8), "increases Lines 002 and 004 from 200 to 240 and 6 to 8, respectively", []),
        (
            (6, 9),
            "increases Lines 002 and 004 from 200 to 240 and 6 to 8, respectively",
            ["'6 to 8', but Line 004 goes from 6 to 9 (+3)"],
        ),
        (
            (6, 8),
            "increases Lines 002 and 004 from 200 to 220 and from 6 to 8, respectively",
            ["'from 200 to 220', but Line 002 goes from 200 to 240 (+40)"],
        ),
        ((6, 8), "increases the quantities of Lines 002 and 004 from 200 to 240 and 6 to 8", []),
        (
            (6, 10),
            "increases the quantities of Lines 002 and 004 from 200 to 240 and 6 to 8",
            ["'6 to 8', but Line 004 goes from 6 to 10 (+4)"],
        ),
        ((6, 10), "increases Lines 002 and 004 by 40 and 4, respectively", []),
        ((6, 10), "increases Lines 002 and 004 by 40 and 2, respectively", ["'2', but Line 004"]),
        ((6, 10), "raises Lines 002 and 004 to 240 and 10 respectively", []),
        ((6, 10), "raises Lines 002 and 004 to 240 and 12 respectively", ["'12', but Line 004"]),
        ((6, 8), "revises the quantities of Lines 002 and 004 to 240 and 8, respectively", []),
        (
            (6, 8),
            "revises the quantities of Lines 002 and 004 to 240 and 9, respectively",
            ["'9', but Line 004 goes from 6 to 8 (+2)"],
        ),
        ((6, 10), "adds 40 radio sets and 4 antennas to Lines 002 and 004, respectively", []),
        (
            (6, 10),
            "adds 40 radio sets and 3 antennas to Lines 002 and 004, respectively",
            ["'3' antennas, but Line 004 goes from 6 to 10 (+4)"],
        ),
        # one count said of each line
        ((6, 46), "increases Lines 002 and 004 by 40 each", []),
        ((6, 10), "increases Lines 002 and 004 by 40 each", ["'by 40', but Line 004 goes"]),
        ((6, 46), "adds 40 to each of Lines 002 and 004", []),
        ((6, 10), "adds 40 to each of Lines 002 and 004", ["'adds 40', but Line 004 goes"]),
        ((6, 10), "adds forty radio sets each to Line 002 and Line 004", ["'adds forty' radio"]),
        ((6, 46), "increases each of Lines 002 and 004 by forty", []),
        ((6, 46), "Lines 002 and 004 each increase by 40", []),
        ((6, 10), "Lines 002 and 004 increase by 40 each", ["'by 40', but Line 004"]),
    ],
)
def test_counts_said_of_several_lines_at_once(chain, antennas, purpose, said) -> None:
    messages = _quantity_said(chain, _radios_and_antennas(antennas, purpose))
    assert len(messages) == len(said)
    for message, part in zip(messages, said, strict=True):
        assert message.startswith("the purpose says " + part.split(", but")[0]) and part in message


@pytest.mark.parametrize(
    ("antennas", "purpose", "said"),
    [
        # Line 002 goes from 6 to 8 radio sets; Line 003, the spares lot, stays at 1
        ((6, 8), "Lines 002, 003 and 004 increase from 6 to 8", []),
        ((6, 9), "Lines 002, 003 and 004 increase from 6 to 8", ["'from 6 to 8', but Line 004"]),
        ((6, 9), "increases Lines 002 through 004 from 6 to 8", ["'from 6 to 8', but Line 004"]),
        ((6, 9), "increases Lines 002 to 004 from 6 to 8", ["'from 6 to 8', but Line 004"]),
        ((4, 9), "increases Lines 002 and 004 from 6 to 8", ["'from 6 to 8', but Line 004"]),
        ((6, 8), "increases Lines 002 and 004 to 8", []),
        ((6, 10), "increases Lines 002 and 004 to 8", ["'to 8', but Line 004 goes from 6 to 10"]),
        # their total: 6 radio sets and 4 antennas, 10, go to 8 and 6, 14
        ((4, 6), "increases Lines 002 and 004 from 10 to 14", []),
        ((4, 6), "increases Lines 002 and 004 to 14", []),
    ],
)
def test_one_quantity_said_of_several_lines_is_each_ones(chain, antennas, purpose, said) -> None:
    messages = _quantity_said(chain, _radios_and_antennas(antennas, purpose, radios=(6, 8)))
    assert len(messages) == len(said)
    for message, part in zip(messages, said, strict=True):
        assert message.startswith("the purpose says " + part.split(", but")[0]) and part in message


@pytest.mark.parametrize(
    "purpose",
    [
        "increases Lines 002 and 004 by 40",  # together or each: not said
        "adds 40 radio sets to Lines 002 and 004",
        "increases Lines 002 and 004 from 200 to 240, 6 to 8 and 1 to 2",  # 3 counts, 2 lines
        "increases Lines 002, 003 and 004 from 200 to 240 and 6 to 8",  # 2 counts, 3 lines
        "increases Lines 002 and 004 to 240, of which 12 ship first",  # a count not read
        "adds 40 radio sets at $20,000 each to Lines 002 and 004",  # 'each' of the price
        "increases the value of Lines 002 and 004 from 4,000,000 to 4,800,000 and 9,000 to "
        "12,000, respectively",
        "increases Lines 002 and 004 from 9,000 to 12,000 and 4,000,000 to 4,800,000",
        "increases Lines 002 and 004 to 4,812,000",  # their value together
        "increases Lines 002 and 004 from 20,000 to 20,000 and 1,500 to 1,500",  # unit costs
        "extends Lines 002 and 004 by 12 months each",
        "raises Lines 002 and 004 by 10 percent each",
        "increases Lines 002 and 004 by $40 each",
        "realigns Lines 002 through 005 to FY2027",
        "increases Lines 002 to 004 by 40",
        "adds M1152A1 vehicles to each of Lines 002 and 004",
        "moves Lines 002 and 004 to 2028 and 2029, respectively",
    ],
)
def test_counts_for_several_lines_that_cannot_be_told_apart_are_not_read(chain, purpose) -> None:
    """Line 002 goes from 200 to 240 radio sets, Line 004 from 6 to 8 antennas."""
    assert _quantity_said(chain, _radios_and_antennas((6, 8), purpose)) == []


def test_a_count_naming_no_line_is_tied_to_the_one_line_whose_quantity_changes(chain) -> None:
    def alone(purpose: str) -> list[str]:
        return _quantity_said(chain, _radios(200, 280, purpose, alone=True))

    assert alone("adds eighty additional radio sets") == []
    assert alone("adds forty additional radio sets") == [
        "the purpose says 'forty additional' radio sets (+40), but Line 002, the only line whose "
        "quantity changes, goes from 200 to 280 (+80): correct the purpose or the line's quantity"
    ]
    assert alone("increases the quantity from 200 to 240") == [
        "the purpose says 'from 200 to 240', but Line 002, the only line whose quantity changes, "
        "goes from 200 to 280 (+80): correct the purpose or the line's quantity"
    ]
    # Amendment 1 adds two aircraft on Line 007: two lines' quantities change, nothing is tied
    assert _quantity_said(chain, _radios(200, 280, "adds forty additional radio sets")) == []
    # a new line counts from none: Line 007 of Amendment 1, two aircraft
    docs = edit(qaa_amendment, ("document.purpose", "provides three additional C-130J aircraft"))()
    assert _quantity_said(chain, docs) == [
        "the purpose says 'three additional' C-130J aircraft (+3), but Line 007, the only line "
        "whose quantity changes, is new on this Amendment, with a quantity of 2: correct the "
        "purpose or the line's quantity"
    ]


@pytest.mark.parametrize(
    "purpose",
    [
        "increases the value of Line 002 from $4,000,000 to $5,600,000",
        "increases Line 002 from 4,000,000 to 5,600,000",  # its value, the dollar sign left out
        "increases Line 002 by $1,600,000",
        "increases Line 002 by 1,600,000",
        "increases Line 002 by 1.6 million dollars",
        "extends the Months of Line 002 from 36 to 48",
        "extends Line 002 by 12 months",
        "adds two additional months to the period of performance of Line 002",
        "provides two additional years of support for Line 002",
        "raises Line 002 by 10%",
        "raises the price of Line 002 by 40 percent",
        "increases the administrative surcharge from 3.2 to 3.5 percent on Line 002",
        "realigns deliveries of Line 002 from 2025 to 2027",
        "moves Line 002 from FY2025 to FY2027 funds",
        "realigns the Months of Line 002 from 24-36 to 30-42",
        "adds AN/PRC-117G radios to Line 002",
        "adds M1152A1 vehicles and 2 radio mounts to Line 002 and Line 003",
        "increases Lines 002 and 003 by 40",
        "decreases Lines 002-006 to the highest financial requirement",
        "increases Line 002 and adds Line 007 from Line 004",
        "adds 40 radio sets",  # Lines 002 and 007 both change: not tied
        "adds one additional course to Line 005",  # a lot: its quantity counts no courses
        "adds 80 radio sets to Line 003",  # the spares lot: its quantity stays 1
        "increases Line 002 to 280 radio sets under Change 1 of 2 to the contract",
        "adds 80 radio sets to Line 002; the 20 sets of Line 004 are unchanged",
        # 'to N', 'N more' that are no quantity of the line
        "extends Line 002 to 36 months",
        "increases the value of Line 002 to $5,600,000",
        "increases Line 002 to 5,600,000",  # its value, the dollar sign left out
        "increases the unit cost of Line 002 to 20,000",
        "increases Line 002 to 20000",  # its unit cost
        "moves Line 002 to FY2027",
        "increases Line 002 to FY2027 funding",
        "realigns Line 002 to Line 004",
        "realigns 40 radio sets from Line 002 to Line 004",
        "extends Line 002 to 2028",
        "lowers Line 002 to 15 March 2027",
        "reduces Line 002 to 2 per month",
        "raises the surcharge on Line 002 to 3.5 percent",
        "increases the number of months of Line 002 to 36",
        "increases the number of months of Line 002 from 24 to 36",
        "adds training to Line 002 to 12 students",  # 'adds' says no quantity 'to'
        "provides 40 more than the Basic for Line 002",
        "adds two more months to Line 002",
    ],
)
def test_numbers_that_are_no_quantity_of_the_line_are_not_read(chain, purpose: str) -> None:
    """Line 002 goes from 200 to 280 radio sets (its value from $4,000,000 to $5,600,000)."""
    assert _quantity_said(chain, _radios(200, 280, purpose)) == []


def test_the_examples_purposes_agree_with_their_lines_and_a_changed_count_is_said(chain) -> None:
    """BN-B-TAB Amendment 1 'provides for four additional light tactical vehicles' on its new
    Line 004 (and raises the spare parts lot); BN-D-QAA Amendment 1 two aircraft on Line 007."""
    tab_amendment = [example("BN-B-TAB/basic"), example("BN-B-TAB/amendment-1")]
    assert _quantity_said(chain, tab_amendment) == []
    assert _quantity_said(chain, qaa_amendment()) == []
    tab_amendment[-1]["lines"][3]["quantity"] = 5
    assert _quantity_said(chain, tab_amendment) == [
        "the purpose says 'four additional' light tactical vehicles (+4), but Line 004, the only "
        "line whose quantity changes, is new on this Amendment, with a quantity of 5: correct "
        "the purpose or the line's quantity"
    ]


def test_a_count_beside_another_line_named_elsewhere_is_not_tied_to_it(chain) -> None:
    """'40 additional antennas' names no line; Line 002, the one line whose quantity changes, is
    named in another clause with its own count: the antennas are something else."""
    purpose = "increases Line 002 by 80 and provides 40 additional radio sets"
    assert _quantity_said(chain, _radios(200, 280, purpose, alone=True)) == []
    purpose = "adds forty additional spare parts kits"  # the radios are not spare parts kits
    assert _quantity_said(chain, _radios(200, 280, purpose, alone=True)) == []


def test_a_terms_breakout_adds_up_to_the_total(chain) -> None:
    two = ["FMS Credit (Non-Repayable)", "Cash Prior to Delivery"]
    short = [{"term": two[0], "amount": 100000000}, {"term": two[1], "amount": 5000000}]
    found = findings_of(chain, edit(qaa, ("terms_of_sale", two), ("terms_breakout", short)))
    (hit,) = [f for f in found if f.rule_id == "QC-TERMS-BREAKOUT"]
    assert hit.path == "terms_breakout"
    assert "the terms pay $105,000,000 and the total estimated cost is $195,875,600" in hit.message


def test_a_nonrecurring_cost_above_its_line_is_an_error_unless_waived(chain) -> None:
    """Read against the line's value as the document gives it (quantity x unit cost): one item
    fewer puts the same charge above the line; a waived charge is not in the price."""
    nc = {"amount": 100_000_000, "waiver_requested": {"forwarded_date": "2025-01-10"}}
    two = edit(qaa, ("lines.0.nonrecurring_cost", nc))
    assert not by_rule(findings_of(chain, two), "QC-NC-LINE-VALUE")
    (hit,) = by_rule(findings_of(chain, edit(two, ("lines.0.quantity", 1))), "QC-NC-LINE-VALUE")
    assert hit.message.startswith(
        "Line 001 recoups a nonrecurring cost of $100,000,000, more than the whole line is worth "
        "($82,500,000: 1 at $82,500,000 each)"
    )
    waived = {"amount": 100_000_000, "waiver": {"reference": "I-1", "date": "2025-01-10"}}
    one_waived = edit(qaa, ("lines.0.nonrecurring_cost", waived), ("lines.0.quantity", 1))
    assert not by_rule(findings_of(chain, one_waived), "QC-NC-LINE-VALUE")


def test_schedule_rows_out_of_order_are_an_error_two_on_one_day_a_warning(chain) -> None:
    """An Initial Deposit dated after the payments below it is an error on the row that goes
    back in time; a row on the same day as the one above is only asked about."""
    schedule = _rows("2026-03-15", "2025-09-15", "2025-09-15", "2025-12-15", "2025-06-30")
    found = findings_of(chain, edit(qaa, ("payment_schedule", schedule)))
    order = [(f.severity, f.path) for f in by_rule(found, "QC-SCHEDULE-ORDER")]
    assert order == [("error", "payment_schedule[1].date"), ("error", "payment_schedule[4].date")]
    (first,) = [f for f in found if f.rule_id == "QC-SCHEDULE-ORDER" and "[1]" in f.path]
    assert first.message.startswith(
        "payment 2 falls due on 15 September 2025, before payment 1 (the Initial Deposit, "
        "15 March 2026) above it"
    )
    (same,) = [f for f in by_rule(found, "QC-SCHEDULE-DATES") if "same day" in f.message]
    assert (same.severity, same.path) == ("warning", "payment_schedule[2].date")


def test_transportation_left_out_names_the_lines_dod_moves_by_code(chain) -> None:
    moved = edit(
        qaa,
        ("accessorial.transportation", 0),
        ("lines.1.delivery_term_code", "9"),
        ("lines.2.delivery_term_code", "5"),
        ("lines.3.delivery_term_code", "9"),
    )
    (hit,) = by_rule(findings_of(chain, moved), "QC-ACCESSORIAL-DTC")
    assert hit.severity == "warning"
    assert hit.message.startswith(
        "the case charges no transportation, yet DoD moves the items of these lines (Line 003: "
        "Delivery Term Code 5 (DoD delivers to the port of embarkation); Lines 002 and 004: "
        "Delivery Term Code 9 (DoD delivers to the port of debarkation)), at the Purchaser's "
        "expense: is a transportation charge missing?"
    )
    charged = edit(moved, ("accessorial.transportation", 1000))
    assert not by_rule(findings_of(chain, charged), "QC-ACCESSORIAL-DTC")


def test_charges_on_no_shipped_line_are_asked_about_unless_lines_are_named(chain) -> None:
    both = {"packing_crating_handling": 5000, "transportation": 7000, "other": 0}
    found = by_rule(
        findings_of(chain, edit(wrs, ("accessorial", both))), "QC-ACCESSORIAL-NO-MATERIEL"
    )
    assert [f.path for f in found] == [
        "accessorial.packing_crating_handling",
        "accessorial.transportation",
    ]
    assert (
        "yet no line of this Basic is materiel or publications: what does the charge fall on?"
        in found[0].message
    )
    named = {**both, "pch_lines": ["001"], "transportation_lines": ["001"]}
    assert not by_rule(
        findings_of(chain, edit(wrs, ("accessorial", named))), "QC-ACCESSORIAL-NO-MATERIEL"
    )


def test_charges_copied_over_deleted_or_reduced_lines_are_asked_about(chain) -> None:
    """Both charges as on the Basic, while the Amendment deletes Line 003 and lowers Line
    001: one question each; the same charges with a price change only are not asked about."""
    basic = example("BN-D-QAA/basic")["accessorial"]
    copied = edit(
        qaa_amendment, ("accessorial", basic), ("lines.0.quantity", 1), ("lines.2", DELETE)
    )
    found = by_rule(findings_of(chain, copied), "QC-ACCESSORIAL-UNCHANGED")
    assert [(f.severity, f.path) for f in found] == [
        ("warning", "accessorial.packing_crating_handling"),
        ("warning", "accessorial.transportation"),
    ]
    assert found[1].message.startswith(
        "transportation stays at $1,240,000, as on the previous document, while this Amendment "
        "lowers the quantity of Line 001 from 2 to 1 and deletes Line 003, lines the charge "
        "fell on: does it still fit what is shipped?"
    )
    repriced = edit(qaa_amendment, ("accessorial", basic), ("lines.0.unit_cost", 80_000_000))
    assert not by_rule(findings_of(chain, repriced), "QC-ACCESSORIAL-UNCHANGED")


def test_a_terms_breakout_above_the_total_is_an_error_said_once(chain) -> None:
    """Named amounts above the total (a balance below zero, or more asked than the case costs)
    are an error, not also the warning; a few cents over, from amounts in whole dollars, are
    only the warning."""
    two = ["FMS Credit (Repayable)", "Cash With Acceptance"]
    total = chain(*qaa()).costs.total_estimated_cost

    def found(*amounts):
        breakout = [{"term": t, "amount": a} for t, a in zip(two, amounts, strict=False)]
        if len(amounts) == 1:
            breakout.append({"term": two[1]})
        docs = edit(qaa, ("terms_of_sale", two), ("terms_breakout", breakout))
        return [
            (f.severity, f.rule_id) for f in findings_of(chain, docs) if "BREAKOUT" in f.rule_id
        ]

    assert found(int(total) + 1) == [("error", "QC-TERMS-BREAKOUT-OVER")]
    over = [f for f in findings_of(chain, edit(qaa, ("terms_of_sale", two), ("terms_breakout", [
        {"term": two[0], "amount": int(total) - 1000}, {"term": two[1], "amount": 3000}
    ]))) if f.rule_id == "QC-TERMS-BREAKOUT-OVER"]  # fmt: skip
    assert [f.message.split(":")[1] for f in over] == [
        " page 1 would ask for $2,000 more than the case costs; lower the amounts so that they "
        "add up to no more than the total (the last term may go without an amount"
    ]
    assert found(int(total) - 1000, 1000) == []
    assert found(int(total)) == []  # a balance of $0 is not above the total


def test_a_request_dated_after_the_offer_is_an_error(chain) -> None:
    late = edit(qaa_amendment, ("document.offer_date", "2026-03-01"))  # BN/MODAT/2733: 9 March
    (hit,) = [f for f in findings_of(chain, late) if f.rule_id == "QC-REFS-DATE"]
    assert hit.path == "purchaser_references[2].date"
    assert "after the offer it is cited in (document.offer_date, 1 March 2026)" in hit.message
    sound = edit(qaa_amendment, ("document.offer_date", "2026-03-10"))
    assert not [f for f in findings_of(chain, sound) if f.rule_id == "QC-REFS-DATE"]


def test_line_numbers_and_months_are_found_only_where_written_wrong(chain) -> None:
    from loagen.policy.text_scan import _LINE_NUMBER_STYLE, _MOS_TERMS

    wrong = ["line 002", "lines 004-005", "Line 2", "Line 12 and", "Lines 004 - 005",
             "Lines 004 -005", "Lines 004- 005"]  # fmt: skip
    right = ["Line 002", "Lines 004-005", "Line 001a", "Sublines 001a-c", "Lines 001, 002",
             "Lines 001 and 003", "pipeline 2", "Line 2026-01-01"]  # fmt: skip
    assert all(_LINE_NUMBER_STYLE.search(t) for t in wrong), [
        t for t in wrong if not _LINE_NUMBER_STYLE.search(t)
    ]
    assert not [t for t in right if _LINE_NUMBER_STYLE.search(t)]
    assert all(_MOS_TERMS.search(t) for t in ("PoP", "period of performance", "Lead time"))
    assert not _MOS_TERMS.search("pop-up tents, population")
    findings = findings_of(
        chain, edit(qaa_amendment, ("document.purpose", "extended the lead time of line 2"))
    )
    said = {f.rule_id: f.message for f in findings}
    assert "'extends'" in said["QC-TENSE"] or "extends" in said["QC-TENSE"]
    assert "Months of Service (MOS)" in said["QC-TERM-MOS"]
    assert "'line 2'" in said["QC-TERM-LINE-NUMBER"]


def test_a_short_oed_counts_from_the_offer_not_the_request(chain) -> None:
    """The standard OED is counted from the offer: from `document.offer_date`, else from the day
    the document is written (the offer comes no sooner), and from the newest request only when
    neither is given. The note's rule prints once the reason asked for is given."""

    def short(*changes: tuple[str, Any]) -> list[str]:
        found = findings_of(chain, edit(qaa, *changes))
        return [f.message for f in by_rule(found, "QC-OED-SHORT")]

    # offered 40 days before it expires, though requested over a year before
    written = short(("document.date", "2025-05-21"))
    assert len(written) == 1
    assert "30 June 2025, 40 days after the day the document is written (21 May 2025" in written[0]
    assert "document.short_oed_reason" in written[0]
    offered = short(("document.date", "2025-01-02"), ("document.offer_date", "2025-05-01"))
    assert "60 days after the offer (1 May 2025, document.offer_date)" in offered[0]
    # the standard 85 days, or more, from the offer
    assert short(("document.date", "2025-04-06")) == []
    assert short(("document.offer_date", "2025-03-01")) == []
    # with a reason given: no finding, and the short OED note is selected
    reason = ("document.short_oed_reason", "to meet a contract award deadline")
    assert short(("document.date", "2025-05-21"), reason) == []
    # a reason where the offer runs the standard days: the note would say what is not so
    (standard,) = short(("document.offer_date", "2025-04-06"), reason)
    assert "85 days after the offer (6 April 2025, document.offer_date): not short" in standard
    assert "remove document.short_oed_reason" in standard
    assert short(("document.offer_date", "2025-04-07"), reason) == []
    bpc = example("BN-B-TAB/basic")
    oed = date.fromisoformat(bpc["document"]["offer_expiration_date"])
    bpc["document"]["date"] = (oed - timedelta(days=29)).isoformat()
    assert by_rule(run_checks(chain(bpc)), "QC-OED-SHORT")  # BPC: 30 days
    bpc["document"]["date"] = (oed - timedelta(days=30)).isoformat()
    assert not by_rule(run_checks(chain(bpc)), "QC-OED-SHORT")


def test_the_short_oed_note_prints_when_the_finding_is_answered(tmp_path: Path) -> None:
    data = example("BN-D-QAA/basic")
    data["document"]["date"] = "2025-05-21"
    pipeline = Pipeline(Project.at(CASES.parent))
    document, selection, findings = _prepared(pipeline, write_chain(tmp_path / "a", data))
    assert by_rule(findings, "QC-OED-SHORT")
    assert "SHORT-OED" not in [n.id for n in selection.notes]
    data["document"]["short_oed_reason"] = "to meet a contract award deadline"
    document, selection, findings = _prepared(pipeline, write_chain(tmp_path / "b", data))
    assert not by_rule(findings, "QC-OED-SHORT")
    assert "SHORT-OED" in [n.id for n in selection.notes]


def _prepared(pipeline, path: Path):
    document = pipeline.assemble(pipeline.load(path))
    selection = pipeline.select(document)
    return document, selection, run_checks(document, selection)


def test_an_implementation_date_before_the_basic_is_an_error(chain) -> None:
    """Implemented before the Basic's newest request, its writing or its offer: impossible."""
    basic = example("BN-D-QAA/basic")
    amendment = example("BN-D-QAA/amendment-1")
    amendment["document"]["implementation_date"] = "2024-04-30"
    found = by_rule(run_checks(chain(basic, amendment)), "QC-IMPL-DATE")
    assert len(found) == 1
    assert (
        "30 April 2024 is before the Basic's purchaser reference 'BN/MODAT/2398' of 3 May 2024 "
        in found[0].message
    )
    assert (
        "in basic.json" in found[0].message and "correct one of the two dates" in found[0].message
    )
    basic["document"]["date"] = "2025-03-10"
    basic["document"]["offer_date"] = "2025-04-01"
    amendment["document"]["implementation_date"] = "2025-03-20"
    found = by_rule(run_checks(chain(basic, amendment)), "QC-IMPL-DATE")
    assert [f.message.split(":")[0] for f in found] == [
        "implementation date 20 March 2025 is before the Basic is offered "
        "(1 April 2025, document.offer_date in basic.json)"
    ]
    amendment["document"]["implementation_date"] = "2025-03-09"
    found = by_rule(run_checks(chain(basic, amendment)), "QC-IMPL-DATE")
    assert len(found) == 2
    assert "before the Basic was written (10 March 2025, document.date in basic.json)" in str(found)
    # on or after the offer: possible
    amendment["document"]["implementation_date"] = "2025-04-01"
    assert not by_rule(run_checks(chain(basic, amendment)), "QC-IMPL-DATE")


def test_a_document_dated_after_its_own_oed_is_an_error(chain) -> None:
    """An Amendment written or offered after it expired is impossible; a Modification written
    before an earlier Amendment's OED is not (the Amendment may have been accepted early)."""
    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    modification = example("BN-D-QAA/modification-1")
    amendment["document"]["date"] = "2026-10-01"
    found = by_rule(run_checks(chain(basic, amendment)), "QC-DATE-OED")
    assert [(f.path, f.severity) for f in found] == [("document.date", "error")]
    assert (
        "Amendment is dated 1 October 2026, after its own offer expiration date 15 September"
        in found[0].message
    )
    assert "correct document.date, or set a later offer expiration date" in found[0].message
    amendment["document"]["date"] = "2026-06-01"
    amendment["document"]["offer_date"] = "2026-09-16"
    found = by_rule(run_checks(chain(basic, amendment)), "QC-DATE-OED")
    assert [f.path for f in found] == ["document.offer_date"]
    del amendment["document"]["offer_date"]
    modification["document"]["date"] = "2026-08-01"  # before the Amendment's OED
    assert not by_rule(run_checks(chain(basic, amendment, modification)), "QC-DATE-OED")
    assert not by_rule(run_checks(chain(basic, amendment, modification)), "QC-IMPL-DATE")


def test_a_document_dated_before_the_one_it_follows_is_questioned(chain) -> None:
    """An Amendment dated before the Modification it follows: compared with the nearest
    earlier document that gives a date (the Modification, here; the Basic when it gives none)."""
    docs = qaa_modification()
    docs.append(
        {**example("BN-D-QAA/amendment-1"), "document": {**docs[1]["document"], "number": 2}}
    )
    docs[0]["document"]["date"] = "2025-03-10"
    docs[2]["document"]["date"] = "2026-04-20"
    docs[3]["document"]["date"] = "2026-03-20"
    (f,) = by_rule(run_checks(chain(*docs)), "QC-DATE-ORDER")
    assert (f.severity, f.path) == ("warning", "document.date")
    assert f.message.startswith(
        "this Amendment is dated 20 March 2026, before Modification 1 (modification-1.json), "
        "which it follows, dated 20 April 2026"
    )
    del docs[2]["document"]["date"]  # the Modification gives none: the Basic is before it
    assert not by_rule(run_checks(chain(*docs)), "QC-DATE-ORDER")
    docs[3]["document"]["date"] = "2025-03-01"
    (f,) = by_rule(run_checks(chain(*docs)), "QC-DATE-ORDER")
    assert "before the Basic (basic.json), which it follows, dated 10 March 2025" in f.message
    docs[3]["document"]["date"] = "2025-03-10"  # the same day
    assert not by_rule(run_checks(chain(*docs)), "QC-DATE-ORDER")


def test_a_different_implementation_date_names_the_earlier_file(chain) -> None:
    docs = qaa_modification()
    docs[-1]["document"]["implementation_date"] = "2025-07-28"
    found = by_rule(run_checks(chain(*docs)), "QC-BASE-DATE")
    assert len(found) == 1
    assert "28 July 2025 differs from 21 July 2025 on Amendment 1 (amendment-1.json)" in str(found)
    assert "correct the one that is wrong" in found[0].message


# -- the command line ---------------------------------------------------------------------------

runner = CliRunner()


def test_cli_check_examples_pass() -> None:
    result = runner.invoke(app, ["check", *map(str, EXAMPLES)])
    assert result.exit_code == 0, result.output
    # every document either has no findings or warnings only
    no_errors = re.findall(r": (?:no findings|0 errors, \d+ warnings?)$", result.stdout, re.M)
    assert len(no_errors) == len(EXAMPLES), result.stdout
    assert "error QC-" not in result.stdout
    said = " ".join(result.stdout.split())
    assert f"{len(EXAMPLES)} documents checked: 0 with errors, " in said
    assert "found on the most documents: warning QC-SERVICE-SEVERABLE: " in said


def test_cli_check_reports_errors_and_exits_1(tmp_path: Path) -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][3]["sole_source"] = data["lines"][0]["sole_source"]
    path = write_chain(tmp_path, data)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert "QC-SOLE-SOURCE-STOCK" in result.stdout
    assert "lines[3].sole_source" in result.stdout
    assert "Section C6.3.4" in result.stdout


def test_cli_check_json(tmp_path: Path) -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][2]["unit_cost"] = 1
    data["lines"][5] |= {"severable": True, "performance_period": "24 months"}
    data["document"]["congressional_notification"] = {"number": "25-03", "date": "2025-02-01"}
    path = write_chain(tmp_path, data)
    sound = CASES / "BN-P-WRS" / "basic.json"  # an example without findings
    result = runner.invoke(app, ["check", "--json", str(path), str(sound)])
    assert result.exit_code == 0  # a warning only
    report = json.loads(result.stdout)
    assert report["ok"] is True
    first = report["documents"][0]
    assert first["document"] == "BN-D-QAA-basic" and first["warnings"] == 1
    assert first["findings"][0] == {
        "severity": "warning",
        "rule_id": "QC-MIN-DOLLAR",
        "message": first["findings"][0]["message"],
        "path": "lines[2].unit_cost",
        "reference": "Section C6.7.6.2",
    }
    assert report["documents"][1]["findings"] == []


def test_cli_check_list() -> None:
    result = runner.invoke(app, ["check", "--list"])
    assert result.exit_code == 0
    for r in list_rules():
        assert r.id in result.stdout
    as_json = json.loads(runner.invoke(app, ["check", "--list", "--json"]).stdout)
    assert {r["id"] for r in as_json} == {r.id for r in list_rules()}
    assert set(as_json[0]) == {"id", "severity", "title", "reference"}


def test_cli_check_load_error_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "basic.json"
    data = example("BN-D-QAA/basic")
    data["lines"][0]["source_code"] = "Q"
    bad.write_text(json.dumps(data))
    result = runner.invoke(app, ["check", str(bad), str(EXAMPLES[0])])
    assert result.exit_code == 3  # a case file that does not load (errors.EXIT_CODES)
    assert "Traceback" not in result.output
    assert "lines[0].source_code" in result.output and str(bad) in result.output
    # after several documents, what they come to
    assert "2 documents checked: 0 with errors, " in result.stdout and "1 not read" in result.stdout
    broken_json = tmp_path / "broken.json"
    broken_json.write_text("{")
    result = runner.invoke(app, ["check", "--json", str(broken_json)])
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["documents"][0]["loaded"] is False


def test_cli_check_lists_a_cases_documents_in_the_order_they_were_written(tmp_path: Path) -> None:
    """A folder's documents come as the reports' index lists them: case by case, each case's
    documents in the order they were written, not by file name (amendment-1 before basic)."""
    write_chain(tmp_path / "qaa", *qaa_modification())
    other = example("BN-D-QAA/basic")
    other["case_id"] = "BN-D-QAB"
    amendment = example("BN-D-QAA/amendment-1")
    amendment["case_id"] = "BN-D-QAB"
    write_chain(tmp_path / "aaa", other, amendment)
    written = [
        "qaa/basic.json", "qaa/amendment-1.json", "qaa/modification-1.json",
        "aaa/basic.json", "aaa/amendment-1.json",
    ]  # fmt: skip
    result = runner.invoke(app, ["check", "--json", str(tmp_path)])
    listed = [d["path"] for d in json.loads(result.stdout)["documents"]]
    assert listed == [str(tmp_path / name) for name in written]
    result = runner.invoke(app, ["check", str(tmp_path)])
    shown = re.findall(r"^[✓!✗] (\S+): ", result.stdout, re.M)
    assert shown == [str(tmp_path / name) for name in written], result.stdout


def test_cli_check_needs_paths() -> None:
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2


def test_modification_adding_a_note_is_not_new_scope(chain) -> None:
    docs = edit(qaa_modification, ("document.purpose", "adds the Cargo Preference Act note"))
    assert not by_rule(findings_of(chain, docs), "QC-MOD-PURPOSE")


def test_training_and_medical_words(chain) -> None:
    medical_on_training = edit(
        qaa, ("lines.4.description", "PILOT TRAINING AND MEDICAL SERVICES FOR STUDENTS")
    )
    found = by_rule(findings_of(chain, medical_on_training), "QC-TRAINING-SEPARATE")
    assert [f.path for f in found] == ["lines[4].description"]
    topic = edit(
        qaa,
        ("lines.4.description", "FIELD MEDICAL TRAINING"),
        ("lines.3.description", "TRAINING MANUALS"),
        ("lines.1.description", "TRAINING AMMUNITION AND MEDICAL SUPPLIES"),
    )
    findings = findings_of(chain, topic)
    assert not [f for f in findings if f.rule_id.startswith("QC-TRAINING")]


@pytest.mark.parametrize(
    "text",
    ["smith at army dot mil", "j.smith [at] army [dot] mil", "jsmith(at)army.mil", "a.b at c.gov"],
)
def test_e_mail_addresses_spelt_out_are_personal_data(text: str) -> None:
    assert [h.what for h in find_contact_data(text)] == ["an e-mail address"]


@pytest.mark.parametrize(
    "text",
    ["training at the schoolhouse in the United States", "spares at depot level. Other items"],
)
def test_at_in_prose_is_not_an_e_mail_address(text: str) -> None:
    assert not find_contact_data(text)


def test_a_case_designator_is_not_a_marking(chain) -> None:
    # the three letters of a case identifier are a code: BN-B-CUI is no CUI marking
    docs = edit(zea, ("case_id", "BN-B-CUI"))
    assert not by_rule(findings_of(chain, docs), "QC-CUI")


# -- the scan cache and the gates of text_scan ---------------------------------------------------


def test_the_scan_cache_answers_for_its_own_text_and_role() -> None:
    from loagen.policy import checks

    checks.scanned.cache_clear()
    marked = checks.scanned("The SECRET plan", "prose")
    assert [checks._TEXT_CHECKS[i] for i, _ in marked] == [checks._MARKINGS]
    assert checks.scanned("The secret plan", "prose") == ()  # another text: its own answer
    assert checks.scanned("The SECRET plan", "prose") == marked
    # the same text in another role: reference fields do not read nine digits as an SSN
    assert checks.scanned("Ref 123456789", "prose")
    assert checks.scanned("Ref 123456789", "reference") == ()
    assert checks.scanned("Ref 123456789", "prose")


def test_fms_cases_are_scanned_without_the_checks_for_bpc_cases_only(chain) -> None:
    """`scanned_fms` keeps answers of its own, the same as `scanned`'s without the checks for
    BPC cases only: a text asked of both gets each its own answer, in either order."""
    from loagen.policy import checks

    bpc_only = [i for i, c in enumerate(checks._TEXT_CHECKS) if c.bpc_only]
    assert bpc_only == [checks._TEXT_CHECKS.index(checks._TERM_PURCHASER)]
    text = "The Purchaser's SECRET plan"
    for first in (checks.scanned, checks.scanned_fms):
        checks.scanned.cache_clear()
        checks.scanned_fms.cache_clear()
        first(text, "prose")
        every, fms = checks.scanned(text, "prose"), checks.scanned_fms(text, "prose")
        assert [i for i, _ in every] == [checks._TEXT_CHECKS.index(checks._MARKINGS), *bpc_only]
        assert fms == tuple(answer for answer in every if answer[0] not in bpc_only)
    # an FMS case is not told about 'Purchaser' (its word), and the rule cannot read it there
    fms_doc = chain(*edit(qaa, ("lines.0.line_note", "The Purchaser provides the site."))())
    assert not by_rule(run_checks(fms_doc), "QC-TERM-BPC-PARTY")
    with pytest.raises(ValueError, match="BPC cases only"):
        list(checks._scan(checks.Context(fms_doc), checks._TERM_PURCHASER, lambda h, q: q))


def _gates() -> list[tuple[re.Pattern[str], Callable[[str], bool]]]:
    """Each pattern of text_scan with the gate its scan is run behind."""
    from loagen.policy import text_scan as t

    def digit(text: str) -> bool:
        return t._DIGIT.search(text) is not None

    def has(*needles: str) -> Callable[[str], bool]:
        return lambda text: t._holds(text, needles)

    def may(*needles: str) -> Callable[[str], bool]:
        return lambda text: t._may_hold(text, needles)

    def name(text: str) -> bool:
        return t._SPACE_NAME.search(text) is not None

    def both(*gates: Callable[[str], bool]) -> Callable[[str], bool]:
        return lambda text: all(gate(text) for gate in gates)

    def either(*gates: Callable[[str], bool]) -> Callable[[str], bool]:
        return lambda text: any(gate(text) for gate in gates)

    def search(pattern: re.Pattern[str]) -> Callable[[str], bool]:
        return lambda text: pattern.search(text) is not None

    gates = [
        (t._BANNER, has(*t._BANNER_NEEDLES)),
        (t._CONTROL, has("//")),
        (t._REL_TO, has("REL")),
        (t._CONTROL_WORD, may(*t._CONTROL_WORD_NEEDLES)),
        (t._AUTHORITY, has(":")),
        (t._PORTION, has("(")),
        (t._BARE, has("(")),
        (t._ENUMERATOR, has("(")),
        (t._CUI, may(*t._CUI_NEEDLES)),
        (t._EMAIL, has("@")),
        (t._EMAIL_SPELT, lambda text: t._may_spell_email(text, t._folded(text))),
        (t._LINE_ITEM, both(may("item"), t._may_hold_line_item)),
        (t._PASSPORT, may("passport")),
        (t._HONORIFIC, both(name, search(t._NAME_GATE), has(*t._HONORIFIC_NEEDLES))),
        (t._RANK, both(name, search(t._NAME_GATE), search(t._RANK_GATE))),
        (t._CONTACT, both(name, search(t._NAME_GATE), has(*t._CONTACT_NEEDLES))),
        (t._NUMERIC_DATE, both(digit, t._may_hold_date)),
        (
            t._SSN,
            both(
                digit,
                either(both(search(t._DIGIT_RUN), search(t._SSN_DIGITS)), may(*t._SSN_WORDS)),
            ),
        ),
        (t._NINE_DIGITS, both(digit, search(t._DIGIT_RUN), search(t._NINE_DIGITS_RUN))),
        (t._BIRTH, both(digit, may(*t._BIRTH_WORDS))),
        (t._PHONE, both(digit, search(t._DIGIT_RUN), search(t._PHONE_DIGITS))),
        (t._PHONE_LABEL, both(digit, may(*t._PHONE_WORDS))),
        (t._PHONE_INTL, both(digit, has("+"))),
        (t._LINE_NUMBER_STYLE, search(t._LINE_NUMBER_GATE)),
    ]
    for pattern, (folded, needles) in t._TERM_GATES.items():
        gates.append((pattern, may(*needles) if folded else has(*needles)))
    from loagen.policy import checks

    gates.append((checks._WWRS_LOOK, may(*checks._WWRS_LOOK_NEEDLES)))
    gates.append((checks._WWRS_NOTE, may(*checks._WWRS_NEEDLES)))
    return gates


def test_each_term_pattern_starts_with_its_start() -> None:
    """`find_terms` tries a terminology pattern only where its start is: every match of
    each pattern starts with it (read as the pattern reads it)."""
    from loagen.policy import text_scan as t

    assert set(t._TERM_STARTS) == set(t._TERM_GATES)
    for pattern, start in t._TERM_STARTS.items():
        folded = t._TERM_GATES[pattern][0]
        assert bool(pattern.flags & re.IGNORECASE) == folded
        for text in ("customer's", "Purchasers", "U.S. will", "USG", "line item", "above SLS"):
            for m in pattern.finditer(text):
                seen = m.group(0).lower() if folded else m.group(0)
                assert seen.startswith(start), (pattern.pattern, text)


PIECES = st.sampled_from(
    [
        "SECRET",
        "Top Secret",
        "CONFIDENTIAL",
        "NATO RESTRICTED",
        "//NOFORN",
        "REL TO USA",
        "noforn",
        "Derived From:",
        "(S)",
        "(S//NF)",
        "(C)",
        "(A)",
        "cui",
        "CUI",
        "fouo",
        "For Official Use Only",
        "Distribution Statement C",
        "law enforcement sensitive",
        "jo.smith@army.mil",
        "jo [at] army [dot] mil",
        "jo(at)army.mil",
        "jo at army dot mil",
        "123-45-6789",
        "123456789",
        "SSN: 1",
        "passport no. AB123456",
        "DOB: 1",
        "born on 3",
        "(703) 555-0100",
        "703.555.0100",
        "1-703-555-0100",
        "Telephone 703 5550100",
        "DSN: 312-555-0100",
        "Social Security No. 1",
        "SSAN 1",
        "date of birth: 1",
        "Mrs. Jane Doe",
        "Prof Ada Lovelace",
        "Point of Contact - Jane Doe",
        "Attention: Jo Bloggs",
        "2025-01-05",
        "05.01.2025",
        "5-Jan-2025",
        "3Sept25",
        "MAY 5, 2025",
        "Sept. 5, 2025",
        "+44 20 7946 0958",
        "Tel: 703 555 0100",
        "Mr. John Smith",
        "COL J. Smith",
        "LT John Smith",
        "POC: Jane Doe",
        "12/01/2025",
        "1 Jan 2025",
        "January 5, 2025",
        "customer's",
        "Purchasers",
        "U.S. will",
        "USG",
        "line item",
        "Line-Items",
        "LINE\x1citem",
        "line\titems",
        "lineitem",
        "above SLS",
        "line 2",
        "Line 12",
        "Lines 004 - 005",
        "Lines\x1c004\u2013 5a",
        "lines\t7",
        "Line 007",
        "airline",
        "Worldwide  Warehouse\nRedistribution",
        "redistribution services",
        "WWRS Seller",
        "wwrs",
        "Lt Col Jane Doe",
        "CW3 Bo Day",
        "MSgt Al Roe",
        "jo [ at ] army.mil",
        "jo{AT}army.mil",
        "jo\x1cAt\x1farmy.mil",
        "at army.mil",
        "jo <at",
        "jo at 10.5",
        " at ",
        "(at)",
        "5 Jan",
        "Sept.",
        "may",
        "123",
        "\u212a",
        "\u017f",
        "\u0130",
        "\u0131",
        "\uff33",
        " ",
        ".",
        "-",
        "\n",
    ]  # fmt: skip
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(PIECES, FILLER), max_size=8).map("".join))
def test_a_gate_never_stops_a_text_its_pattern_matches(text: str) -> None:
    for pattern, gate in _gates():
        if pattern.search(text) is not None:
            assert gate(text), (pattern.pattern[:40], text)


@pytest.mark.parametrize(
    "text",
    [
        "pa\u017f\u017fport no. AB123456",  # long s: re.IGNORECASE reads it as "s"
        "\u212aELLY passport AB123456",  # the Kelvin sign
        "USG and U.S. Government: 3/4/2025, the customer (S)",
        "SECRET up to SECRET and below, (A) (B) (C)",
    ],
)
def test_gated_scans_find_what_the_patterns_find(text: str) -> None:
    from loagen.policy import text_scan as t

    for pattern, _ in _gates():
        if pattern in t._TERM_GATES or pattern is t._NUMERIC_DATE:
            found = tuple(t.TextHit(m.group(0), m.start(), m.end()) for m in pattern.finditer(text))
            assert t.find_terms(pattern, text) == found
    assert [h.what for h in find_contact_data(text) if "passport" in h.what] == (
        ["a passport number"] if "port" in text else []
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            PIECES,
            FILLER,
            st.sampled_from(["Line 001", "lines 002-004", "LINE 003 through 005", "airline 004"]),
        ),
        max_size=8,
    ).map("".join)
)
def test_patterns_tried_where_they_start_find_what_finditer_finds(text: str) -> None:
    from loagen.policy import checks
    from loagen.policy import text_scan as t

    starts = {**t._TERM_STARTS, checks._LINE_REF: "line"}
    for pattern, start in starts.items():
        found = [(m.span(), m.groups()) for m in t.matches_from(pattern, text, start)]
        assert found == [(m.span(), m.groups()) for m in pattern.finditer(text)], pattern.pattern


# Texts of digits, the separators the digit patterns read and letters (with a digit that is not
# ASCII, and white space \s reads), long enough for the digit shapes to be read in ASCII text.
SHAPED = st.text(alphabet="0123456789\u0663 -./\t\n\x1c+aZ", max_size=40).flatmap(
    lambda core: st.sampled_from([core, "z" * 64 + core, core + " " * 64, "x" * 32 + core])
)


@settings(max_examples=500, deadline=None)
@given(SHAPED)
def test_the_digit_shapes_answer_as_their_patterns(text: str) -> None:
    from loagen.policy import text_scan as t

    assert {p.pattern for p in t._DIGIT_SHAPES} >= {
        t._DIGIT.pattern, t._DIGIT_RUN.pattern, t._DATE_SEPARATED.pattern,
        t._SSN_DIGITS.pattern, t._NINE_DIGITS_RUN.pattern, t._PHONE_DIGITS.pattern,
    }  # fmt: skip
    for pattern, shapes in t._DIGIT_SHAPES.items():
        expected = pattern.search(text) is not None
        assert t._holds_digits(text, pattern, shapes) == expected, (pattern.pattern, text)


# Letters one by one: letters, the separators of _SPACED, and others (a lone letter's
# neighbours decide).
SPELT = st.text(alphabet="aBz .-_*/\t\nx1(,", max_size=30).flatmap(
    lambda core: st.sampled_from([core, "word " + core, core + " end", "a" + core + "b"])
)


@settings(max_examples=500, deadline=None)
@given(SPELT)
def test_letters_one_by_one_are_found_where_spaced_finds_them(text: str) -> None:
    from loagen.policy import text_scan as t

    assert t._spaced(text) == (t._SPACED.search(text) is not None), text


@pytest.mark.parametrize(
    "text",
    ["S E C R E T", " a b c", "a b c", "F.O.U.O.", "x  y  z", "a b", "ab c d", "a -b- c", ""],
)
def test_spaced_letters_examples(text: str) -> None:
    from loagen.policy import text_scan as t

    assert t._spaced(text) == (t._SPACED.search(text) is not None), text


# -- the text scan, fast ------------------------------------------------------------------------


def test_scan_free_text_answers_for_the_texts_free_text_lists():
    from loagen.policy.checks import scanned
    from loagen.policy.text_scan import free_text, scan_free_text

    data = example("BN-D-QAA/basic")
    data["lines"][0]["line_note"] = "Call 555-123-4567 about (S//NF) parts."
    from .test_rules import document

    case = document(data).case
    expected = [(p, t, scanned(t, r)) for p, t, r in free_text(case) if scanned(t, r)]
    assert expected and scan_free_text(case, scanned) == expected
    assert [(p, t) for p, t, _ in scan_free_text(case, lambda t, r: r)] == [
        (p, t) for p, t, _ in free_text(case)
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("(S//NF) parts", ["'(S//NF)'"]),
        ("Parts. (C) cables", ["'(C)'"]),
        ("(TS) and (CUI) text", ["'(TS)'"]),  # (CUI) is not classified: QC-CUI reads it
        ("see column (2) and note (a)", []),
        ("items (A) (B) (C)", []),
    ],
)
def test_markings_in_parentheses_are_found_past_their_gate(text, found):
    from loagen.policy.text_scan import find_markings

    assert [h.what.removeprefix("the marking ") for h in find_markings(text)] == found


def test_word_gates_read_each_text_as_it_is_asked():
    """The lower case of the last text is kept for the next gate: texts asked in turn each get
    their own answer (and text that is not ASCII always may hold a word)."""
    from loagen.policy.text_scan import _folded, _may_hold, _may_hold_folded

    assert _may_hold("A PASSPORT number", ("passport",))
    assert not _may_hold("A ticket number", ("passport",))
    assert _may_hold("A PASSPORT number", ("passport",))
    assert _may_hold("Kelvin \u212a", ("k",))
    assert _may_hold_folded(_folded("No such word"), ("passport",)) is False
    assert _may_hold_folded(_folded("\u00e9t\u00e9"), ("passport",)) is True


# Each group of `LineGroups`, and what a line must be to be in it (the rules that walk a group
# find nothing on the lines outside it: the group must hold every line of its condition).
_GROUPS: dict[str, Callable[[Any], bool]] = {
    "nsr": lambda ln: ln.is_nsr,
    "not_nsr": lambda ln: not ln.is_nsr,
    "nsr_covers": lambda ln: ln.nsr_covers_price_increases,
    "sole_source": lambda ln: ln.sole_source is not None,
    "nonrecurring_cost": lambda ln: ln.nonrecurring_cost is not None,
    "eda": lambda ln: ln.eda is not None,
    "eda_or_e": lambda ln: ln.eda is not None or ln.source_code == "E",
    "training": lambda ln: ln.training is not None,
    "training_any": lambda ln: ln.training is not None or ln.kind in ("training", "medical"),
    "training_medical": lambda ln: ln.kind in ("training", "medical"),
    "services": lambda ln: ln.kind in ("services", "manpower"),
    "service": lambda ln: ln.is_service,
    "manpower": lambda ln: ln.manpower is not None,
    "items": lambda ln: bool(ln.items),
    "scml": lambda ln: ln.scml,
    "program_support_charge": lambda ln: ln.program_support_charge is not None,
    "foc_delivery": lambda ln: ln.foc_delivery is not None,
    "line_note": lambda ln: bool(ln.line_note),
    "ta_named": lambda ln: ln.type_of_assistance in ("7", "A", "I", "M", "N", "Z"),
    "wwrs_seller": lambda ln: ln.is_wwrs_seller,
}


@pytest.mark.parametrize("case", ["BN-D-QAA/basic", "BN-B-ZEA/basic", "BN-B-TAB/basic",
                                  "BN-P-WRS/basic"])  # fmt: skip
def test_line_groups_hold_exactly_the_lines_of_their_condition_in_file_order(chain, case):
    from loagen.policy.checks import Context, LineGroups

    docs = [example(case)]
    docs[-1]["lines"].append(
        dict(NSR_LINE, number="099", nsr_covers_price_increases=True, line_note="Spares.")
    )
    ctx = Context(chain(*docs))
    groups = ctx.lines_with
    assert set(_GROUPS) == set(LineGroups.__slots__)
    every = list(ctx.lines)
    for name, holds in _GROUPS.items():
        assert getattr(groups, name) == [(p, ln) for p, ln in every if holds(ln)], name
    assert groups.nsr and groups.service and groups.line_note  # (not empty: the line added)


@pytest.mark.parametrize(
    ("note", "numbers"),
    [
        ("See Lines 004 through 006 and line 009a.", ("004", "006", "009a")),
        ("This line provides F-16 Block 70 support for 12 months.", ()),
        ("Line \u0660\u0660\u0664 holds the spares.", ("\u0660\u0660\u0664",)),  # Arabic digits
        ("Refer to LINE 010-012 " + "x" * 200, ("010", "012")),  # a long text: digit shapes
    ],
)
def test_referred_lines_past_the_gate_of_three_digits(note, numbers):
    from loagen.policy.checks import _referred_lines

    _referred_lines.cache_clear()
    assert _referred_lines(note) == numbers


def test_the_spelt_e_mail_gate_reads_ascii_as_the_pattern_does() -> None:
    """In ASCII text `_may_spell_email` looks for "at" and its two neighbours by hand: it says
    what `_SPELT_AT` (then `_AFTER_AT`) says, for every ASCII character on either side."""
    from loagen.policy import text_scan as t

    def by_pattern(text: str) -> bool:
        m = t._SPELT_AT.search(text)
        while m is not None:
            if t._AFTER_AT.match(text, m.start() + 3) is not None:
                return True
            m = t._SPELT_AT.search(text, m.start() + 1)
        return False

    for a in map(chr, range(128)):
        for b in map(chr, range(128)):
            for text in (f"jo{a}At{b}army.mil", f"{a}at{b} army dot mil", f"x{a}aT{b}"):
                assert t._may_spell_email(text, t._folded(text)) == by_pattern(text), repr(text)


def test_the_text_walk_reads_texts_and_models_as_the_case_model_types_them() -> None:
    """`text_scan._collect` reads a text field's value as a text or a list of texts, a model
    field's as a model or a list of models (None aside): every field it reads, in every model
    a case holds, is typed so."""
    import typing

    from pydantic import BaseModel

    from loagen.case.model import Case
    from loagen.policy import text_scan as t

    def kinds(annotation: Any) -> set[Any]:
        """The types a value of `annotation` can be (None left out, Annotated read through)."""
        if typing.get_origin(annotation) is typing.Annotated:
            return kinds(typing.get_args(annotation)[0])
        if typing.get_origin(annotation) in (typing.Union, __import__("types").UnionType):
            return set().union(*(kinds(a) for a in typing.get_args(annotation))) - {type(None)}
        if typing.get_origin(annotation) is list:
            return {("list", k) for k in kinds(typing.get_args(annotation)[0])}
        return {annotation}

    todo, seen = [Case], set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for name, kind in t._fields(cls):
            found = kinds(cls.model_fields[name].annotation)
            if kind == "text":
                assert found in ({str}, {("list", str)}), (cls.__name__, name, found)
                continue
            (one,) = found
            model = one[1] if isinstance(one, tuple) else one
            assert isinstance(model, type) and issubclass(model, BaseModel), (cls.__name__, name)
            todo.append(model)
    assert len(seen) > 20


# -- reported faults: wording, personal data, markings, training ---------------------------------


def test_tense_speaks_of_the_document_as_it_prints_and_of_the_future_too(chain) -> None:
    basic = edit(qaa, ("document.purpose", "will provide two C-130J aircraft"))
    (hit,) = by_rule(findings_of(chain, basic), "QC-TENSE")
    assert "future tense" in hit.message and "'This LOA provides two C-130J aircraft ...'" in (
        hit.message
    )
    amendment = edit(qaa_amendment, ("document.purpose", "This Amendment will add Line 007"))
    (hit,) = by_rule(findings_of(chain, amendment), "QC-TENSE")
    assert "'This Amendment adds Line 007 ...'" in hit.message
    past = edit(qaa, ("document.purpose", "provided two C-130J aircraft"))
    assert "'This LOA provides two C-130J aircraft ...'" in (
        by_rule(findings_of(chain, past), "QC-TENSE")[0].message
    )
    assert not by_rule(findings_of(chain, qaa), "QC-TENSE")


def test_a_purpose_that_is_not_a_verb_phrase_is_said_with_what_prints(chain) -> None:
    docs = edit(qaa, ("document.purpose", "12 Hellfire missiles"))
    (hit,) = by_rule(findings_of(chain, docs), "QC-PURPOSE-VERB")
    assert "prints 'This LOA 12 Hellfire missiles ...'" in hit.message
    assert "'provides for 12 Hellfire missiles'" in hit.message
    # the safe cases are put right in print, and not flagged
    for purpose in ("to provide 12 Hellfire missiles", "Provides for 12 Hellfire missiles."):
        assert not by_rule(
            findings_of(chain, edit(qaa, ("document.purpose", purpose))), "QC-PURPOSE-VERB"
        )


def test_the_line_number_advice_uses_the_lines_written(chain) -> None:
    docs = edit(qaa_amendment, ("document.purpose", "increases line 3 and lines 4 - 6"))
    said = [f.message for f in by_rule(findings_of(chain, docs), "QC-TERM-LINE-NUMBER")]
    assert len(said) == 2
    assert "'line 3'" in said[0] and "write 'Line 003'" in said[0]
    assert "'lines 4 - 6'" in said[1] and "write 'Lines 004-006'" in said[1]


def test_acronyms_are_spelled_out_on_first_use_each_said_once(chain) -> None:
    docs = edit(qaa, ("document.purpose", "provides two C-130J aircraft, SE and TA; more SE"))
    said = [f.message for f in by_rule(findings_of(chain, docs), "QC-ACRONYM")]
    assert len(said) == 2 and "'SE'" in said[0] and "'TA'" in said[1]
    # designators, U.S. and the LOA's own acronyms are not acronyms to spell out
    fine = "provides two C-130J aircraft, AN/APG-83 radars and U.S. Government FMS support"
    assert not by_rule(findings_of(chain, edit(qaa, ("document.purpose", fine))), "QC-ACRONYM")


@pytest.mark.parametrize(
    "purpose",
    [
        "provides two C-130J aircraft and AIM-9X Block II missiles",
        "provides a Foreign Military Sales Order (FMSO) II for spare parts",
        "provides four LAV III vehicles and their Increment IV software",
        "provides MK 82 bombs and MK 84 bombs",
        "provides Block XIV kits",
    ],
)
def test_roman_numerals_and_numbered_designators_are_no_acronyms(chain, purpose: str) -> None:
    docs = edit(qaa, ("document.purpose", purpose))
    assert not by_rule(findings_of(chain, docs), "QC-ACRONYM")
    # an acronym beside them is still one
    docs = edit(qaa, ("document.purpose", purpose + " and TA"))
    assert [f.message[:4] for f in by_rule(findings_of(chain, docs), "QC-ACRONYM")] == ["'TA'"]


def test_an_acronym_spelled_out_in_the_purpose_is_not_flagged_in_the_reason(chain) -> None:
    """The purpose and the reason print as one case description: first use is in the purpose."""
    spelled = "increases the quantity of Line 001 and adds night vision devices (NVDs)"
    docs = edit(
        qaa_amendment,
        ("document.purpose", spelled),
        ("document.reason", "the Purchaser's request for more NVDs"),
    )
    assert not by_rule(findings_of(chain, docs), "QC-ACRONYM")
    docs = edit(
        qaa_amendment,
        ("document.purpose", "increases the quantity of Line 001 for the NVD program"),
        ("document.reason", "the Purchaser's request for more NVDs"),
    )
    (f,) = by_rule(findings_of(chain, docs), "QC-ACRONYM")  # said once, where first used
    assert f.path == "document.purpose"
    docs = edit(qaa_amendment, ("document.reason", "the Purchaser's request for more NVDs"))
    (f,) = by_rule(findings_of(chain, docs), "QC-ACRONYM")
    assert f.path == "document.reason"


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (24, "Twenty-four"),
        (2, "Two"),
        (120, "One hundred and twenty"),
        (1500, "one thousand five hundred"),
    ],
)
def test_a_state_description_may_give_the_quantity_in_words(chain, count: int, words: str) -> None:
    said = f"{words} C-130J aircraft and their support."
    docs = edit(qaa, ("lines.0.quantity", count), ("state_description", said))
    assert not by_rule(findings_of(chain, docs), "QC-STATE-DESCRIPTION")
    wrong = edit(qaa, ("lines.0.quantity", count + 1), ("state_description", said))
    (hit,) = by_rule(findings_of(chain, wrong), "QC-STATE-DESCRIPTION")
    assert "does not give the quantity of Line 001" in hit.message


def test_a_handwritten_state_description_names_the_mde_and_its_quantity(chain) -> None:
    wrong_count = edit(qaa, ("state_description", "MDE: 3 C-130J aircraft and their support."))
    (hit,) = by_rule(findings_of(chain, wrong_count), "QC-STATE-DESCRIPTION")
    assert "quantity of Line 001 (2 C-130J Aircraft)" in hit.message
    left_out = edit(qaa, ("lines.0.quantity", 7), ("state_description", "Spares and support."))
    (hit,) = by_rule(findings_of(chain, left_out), "QC-STATE-DESCRIPTION")
    assert "does not name Line 001's Major Defense Equipment (7 C-130J Aircraft)" in hit.message


def test_an_item_number_is_not_a_social_security_number(chain) -> None:
    for where, text in (
        ("lines.1.description", "SUPPORT EQUIPMENT, NIIN 015235210"),
        ("lines.1.line_note", "Includes part number 123456789 and NSN: 234567890."),
        ("lines.1.masl", "B1 123456789"),
    ):
        assert not by_rule(findings_of(chain, edit(qaa, (where, text))), "QC-PII"), text
    # a number written as a social security number is still one
    ssn = edit(qaa, ("lines.1.line_note", "Student 123-45-6789 attends."))
    assert by_rule(findings_of(chain, ssn), "QC-PII")
    lone = edit(qaa, ("lines.1.line_note", "Student 123456789 attends."))
    assert by_rule(findings_of(chain, lone), "QC-PII")


def test_one_name_is_said_once() -> None:
    hits = find_names("Led by POC: Maj. John Smith of the program office.")
    assert [h.what for h in hits] == ["the personal name 'POC: Maj. John Smith'"]


def test_a_cui_marking_is_not_a_classified_one(chain) -> None:
    for note in ("CUI//SP-EXPT Technical assistance.", "(U//FOUO) Technical assistance.",
                 "(CUI) Technical assistance."):  # fmt: skip
        findings = findings_of(chain, edit(qaa, ("lines.5.line_note", note)))
        assert by_rule(findings, "QC-CUI"), note
        assert not by_rule(findings, "QC-CLASSIFIED"), note
    classified = edit(qaa, ("lines.5.line_note", "SECRET//NOFORN Technical assistance."))
    assert by_rule(findings_of(chain, classified), "QC-CLASSIFIED")


def test_a_training_line_of_another_kind_is_told_what_to_do(chain) -> None:
    materiel = edit(
        qaa, ("lines.4.kind", "materiel"), ("lines.4.training", DELETE),
        ("lines.4.description", "GUNNER TRAINING"),
    )  # fmt: skip
    (hit,) = by_rule(findings_of(chain, materiel), "QC-TRAINING-KIND")
    assert hit.path == "lines[4].kind" and "set kind: training" in hit.message
    # an article used in training is no training line
    simulator = edit(qaa, ("lines.1.description", "TRAINING SIMULATOR"))
    assert not by_rule(findings_of(chain, simulator), "QC-TRAINING-KIND")
    mixed = edit(qaa, ("lines.5.description", "ENGINEERING SUPPORT AND CREW TRAINING"))
    (hit,) = by_rule(findings_of(chain, mixed), "QC-TRAINING-KIND")
    assert "put the training on a line of its own" in hit.message


@pytest.mark.parametrize(
    ("line", "description"),
    [
        (1, "DEVICE, TRAINING"),  # materiel, MASL order
        (1, "AIDS, TRAINING"),
        (1, "TRAINING ROUNDS"),
        (1, "MISSILE, TRAINING"),
        (5, "CONTRACTOR LOGISTICS SUPPORT, TRAINING DEVICES"),  # services for an article
        (5, "MAINTENANCE OF TRAINING SIMULATORS"),
        (5, "SUPPORT, TRAINING EQUIPMENT"),
    ],
)
def test_an_article_used_in_training_is_no_training(chain, line: int, description: str) -> None:
    docs = edit(qaa, (f"lines.{line}.description", description))
    assert not by_rule(findings_of(chain, docs), "QC-TRAINING-KIND")


@pytest.mark.parametrize(
    ("line", "description", "advice"),
    [
        (1, "OPERATOR TRAINING", "set kind: training"),
        (1, "TRAINING DEVICES AND OPERATOR TRAINING", "set kind: training"),
        (5, "CONTRACTOR LOGISTICS SUPPORT, TRAINING", "put the training on a line of its own"),
        (5, "TRAINING DEVICE SUPPORT AND INSTRUCTOR TRAINING", "on a line of its own"),
    ],
)
def test_training_beside_an_article_is_still_training(
    chain, line: int, description: str, advice: str
) -> None:
    docs = edit(qaa, (f"lines.{line}.description", description))
    (hit,) = by_rule(findings_of(chain, docs), "QC-TRAINING-KIND")
    assert hit.path == f"lines[{line}].kind" and advice in hit.message


@pytest.mark.parametrize(
    ("description", "trait", "tagged"),
    [
        ("CARTRIDGE, 5.56MM BALL M855", "ammunition", "ammunition"),
        ("CARTRIDGE, 7.62MM BALL M80 LINKED", "ammunition", "ammunition"),
        ("120 MM TANK ROUNDS, TRAINING PRACTICE", "ammunition", "ammunition"),
        ("AMMUNITION, SMALL ARMS", "ammunition", "ammunition"),
        ("GRENADE, HAND, FRAGMENTATION", "ammunition", "ammunition"),
        ("DEMOLITION CHARGES", "ammunition", "ammunition"),
        ("AVIATOR NIGHT VISION IMAGING SYSTEM AN/AVS-9", "nvd", "nvd, eeum"),
        ("IMAGE INTENSIFIER TUBES", "nvd", "nvd, eeum"),
        ("GOGGLES, AN/PVS-31A", "nvd", "nvd, eeum"),
        ("CRYPTOGRAPHIC DEVICE KIV-77", "comsec", "comsec, eeum"),
        ("DEFENSE ADVANCED GPS RECEIVER (DAGR) WITH SAASM", "gps_saasm", "gps_saasm"),
        ("MISSILE, TOW 2B, BGM-71F", "tow_2b", "tow_2b"),
    ],
)
def test_a_line_naming_items_of_a_mandatory_note_carries_their_trait(
    chain, description: str, trait: str, tagged: str
) -> None:
    """Without the trait the note is left out silently: the warning names the line and the
    trait to add (with eeum for the items under Enhanced End Use Monitoring)."""
    docs = edit(qaa, ("lines.1.description", description))
    (hit,) = by_rule(findings_of(chain, docs), "QC-ITEMS-TAG")
    assert hit.path == "lines[1].items"
    assert hit.message.startswith(f"Line 002 ({description}) reads as ")
    assert f"add {trait} to its items (items: [{tagged}])" in hit.message
    tagged_docs = edit(qaa, ("lines.1.description", description), ("lines.1.items", [trait]))
    assert not by_rule(findings_of(chain, tagged_docs), "QC-ITEMS-TAG")
    # training on the items, or their manuals, are not the items
    training = edit(qaa, ("lines.4.description", f"{description} OPERATOR TRAINING"))
    assert not by_rule(findings_of(chain, training), "QC-ITEMS-TAG")


@pytest.mark.parametrize(
    "description",
    [
        "NIGHT OPERATIONS SUPPORT EQUIPMENT",  # "night" alone
        "NIGHT VISION COMPATIBLE COCKPIT LIGHTING",
        "NIGHT VISION DEVICE TEST SET",
        "ROUND TRIP TRANSPORTATION OF SPARES",  # "round" without a calibre
        "TRAINING ROUNDS",
        "BATTERY CHARGER AND CHARGE CABLES",  # "charge" not as explosives
        "5.56MM RIFLE, M4A1",  # a calibre, no cartridge
        "AMMUNITION HANDLING EQUIPMENT",
        "CAN, AMMUNITION, M2A1",
        "CARTRIDGE, 5.56MM, DUMMY M199",
        "GRENADE LAUNCHER, 40MM, M320",
        "EXPLOSIVE ORDNANCE DISPOSAL ROBOT",
        "EXPLOSIVES DETECTION EQUIPMENT",
        "TOW 2B MISSILE LAUNCHER",
        "GLOBAL POSITIONING SYSTEM RECEIVER",  # GPS without the SAASM
        "TACTICAL RADIO SET",  # COMSEC inside, not named: the writer knows
        "CARTRIDGE ACTUATED DEVICES",  # not stated to be explosives (AMMUNITION-EXPLOSIVES)
        "SECURE COMMUNICATIONS EQUIPMENT",
        "LINK, AMMUNITION, 7.62MM, M13",  # metal belt links
        "X-RAY EXPLOSIVE SCREENING SYSTEM",
        "CARTRIDGE, FILTER, HYDRAULIC, 10MM",
        "NIGHT VISION GOGGLE CARRYING CASE",
        "NVG LENS CLEANING KIT",
    ],
)
def test_a_description_that_names_no_such_item_is_not_questioned(chain, description: str) -> None:
    docs = edit(qaa, ("lines.1.description", description))
    assert not by_rule(findings_of(chain, docs), "QC-ITEMS-TAG")


def test_a_training_line_without_its_data_is_told_the_field(chain) -> None:
    docs = edit(
        qaa, ("lines.4.training", DELETE), ("lines.4.severable", True),
        ("lines.4.performance_period", "6 months"),
    )  # fmt: skip
    findings = findings_of(chain, docs)
    (hit,) = by_rule(findings, "QC-TRAINING-DATA")
    assert hit.path == "lines[4].training"
    assert "give training: {location:" in hit.message
    assert "move severable and performance_period into it" in hit.message
    assert not [f for f in by_rule(findings, "QC-SERVICE-SEVERABLE") if "[4]" in f.path]


def test_an_amendment_adding_tla_cites_a_request_of_its_own(chain) -> None:
    def adding_tla() -> Docs:
        docs = qaa_amendment()
        docs[0]["lines"][4]["training"]["travel_and_living_allowance"] = False
        docs[1]["lines"][4]["training"]["travel_and_living_allowance"] = True
        return docs

    def same_references() -> Docs:
        docs = adding_tla()
        docs[1]["purchaser_references"] = docs[0]["purchaser_references"]
        return docs

    (hit,) = by_rule(findings_of(chain, same_references), "QC-TLA-REQUEST")
    assert hit.path == "lines[4].training.travel_and_living_allowance"
    assert not by_rule(findings_of(chain, adding_tla), "QC-TLA-REQUEST")  # cites a new request


def _given_amendment_schedule(chain) -> list[dict[str, Any]]:
    """The computed schedule of BN-D-QAA Amendment 1 as a writer gives it (the whole case's:
    its first row, due by the offer expiration date, with what the Basic made due)."""
    rows = chain(*qaa_amendment()).costs.schedule
    first = {"date": rows[1].date.isoformat(), "amount": str(rows[0].amount + rows[1].amount)}
    return [first, *({"date": r.date.isoformat(), "amount": str(r.amount)} for r in rows[2:])]


def test_a_given_amendment_schedule_shows_what_its_acceptance_asks(chain) -> None:
    schedule = _given_amendment_schedule(chain)
    computed = chain(*qaa_amendment()).costs
    given = edit(qaa_amendment, ("payment_schedule", schedule))
    document = chain(*given())
    first, second, *rest = document.costs.schedule
    assert (first.label, first.amount) == (
        "Due under earlier documents",
        computed.schedule[0].amount,
    )
    assert (second.label, second.amount) == ("Amount Due with Acceptance", computed.initial_deposit)
    assert document.costs.initial_deposit == computed.initial_deposit
    assert [r.label for r in rest] == ["Quarterly Payment"] * len(rest)
    assert not by_rule(findings_of(chain, given), "QC-SCHEDULE-EARLIER")
    # a schedule copied from the Basic's first row on: its old Initial Deposit is no figure
    # of this Amendment's first page
    basic_first = chain(*qaa()).costs.schedule[0]
    copied = [{"date": basic_first.date.isoformat(), "amount": str(basic_first.amount)}]
    copied.append(
        {**schedule[0], "amount": str(Decimal(schedule[0]["amount"]) - basic_first.amount)}
    )
    document = chain(*edit(qaa_amendment, ("payment_schedule", copied + schedule[1:]))())
    assert document.costs.initial_deposit == computed.initial_deposit
    assert document.costs.schedule[1].label == "Amount Due with Acceptance"


def test_a_given_amendment_schedule_does_not_take_back_what_was_due(chain) -> None:
    schedule = _given_amendment_schedule(chain)
    earlier = chain(*qaa_amendment()).costs.schedule[0].amount  # the Basic's, by 15 September
    short = Decimal(100_000)
    first = Decimal(schedule[0]["amount"])
    schedule[0]["amount"] = str(earlier - short)  # less than the Basic made due by then
    schedule[1]["amount"] = str(Decimal(schedule[1]["amount"]) + first - earlier + short)
    found = findings_of(chain, edit(qaa_amendment, ("payment_schedule", schedule)))
    [hit] = by_rule(found, "QC-SCHEDULE-EARLIER")
    assert hit.severity == "error"
    assert hit.message.startswith(
        f"by 15 September 2026 the payment schedule makes {money(earlier - short)} due, "
        "$100,000 less than the earlier documents"
    )
    assert "move $100,000 into the rows due on or before 15 September 2026" in hit.message


def test_a_draft_despite_schedule_earlier_shows_what_was_due_as_due(chain) -> None:
    """Built with --allow-errors, an Amendment whose schedule takes back what the Basic made due
    prints what the Basic made due as 'Due under earlier documents' (not the writer's smaller
    first row), nothing with acceptance, and the next rows less what was due already."""
    schedule = _given_amendment_schedule(chain)
    earlier = chain(*qaa_amendment()).costs.schedule[0].amount  # the Basic's, by 15 September
    first, second = Decimal(schedule[0]["amount"]), Decimal(schedule[1]["amount"])
    schedule[0]["amount"] = str(earlier - 100_000)
    schedule[1]["amount"] = str(second + first - earlier + 100_000)
    given = chain(*edit(qaa_amendment, ("payment_schedule", schedule))())
    assert by_rule(run_checks(given), "QC-SCHEDULE-EARLIER")
    costs = given.costs
    due, accepted, after, *_ = costs.schedule
    assert (due.label, due.amount) == ("Due under earlier documents", earlier)
    assert (accepted.label, accepted.amount, accepted.cumulative) == (
        "Amount Due with Acceptance",
        0,
        earlier,
    )
    assert costs.initial_deposit == 0
    assert (after.amount, after.cumulative) == (second + first - earlier, first + second)
    assert costs.schedule_total == costs.total_estimated_cost


def test_a_given_amendment_schedule_replaces_the_earlier_rows_after_its_acceptance(chain) -> None:
    """Short only by a later date (nothing on 15 December 2026, when the Basic asked more): the
    Basic's later rows were estimates, not yet billed, which the Amendment's schedule, signed
    by the Purchaser, replaces (as an Amendment that takes scope away asks less in the
    quarters that paid for it). No error, and the rows print as given."""
    schedule = _given_amendment_schedule(chain)
    earlier = chain(*qaa_amendment()).costs.schedule[0].amount  # the Basic's, by 15 September
    first = Decimal(schedule[0]["amount"])
    schedule[-1]["amount"] = str(
        Decimal(schedule[-1]["amount"]) + first - earlier + Decimal(schedule[1]["amount"])
    )
    schedule[0]["amount"], schedule[1]["amount"] = str(earlier), "0"
    given = chain(*edit(qaa_amendment, ("payment_schedule", schedule))())
    asked = given.previous_costs.asked
    assert asked_by(asked, date(2026, 12, 15)) > earlier  # the Basic asked more by then
    assert not by_rule(run_checks(given), "QC-SCHEDULE-EARLIER")
    rows = given.costs.schedule
    assert [r.amount for r in rows[2:]] == [Decimal(r["amount"]) for r in schedule[1:]]
    assert given.costs.schedule_total == given.costs.total_estimated_cost


# -- lines of the same MASL, line notes' counts, Amendments without scope ----------------------


def test_a_line_of_a_tagged_masl_without_the_tag_is_asked_about(chain) -> None:
    """A line added with the MASL of a line whose items call for a note, without them: the note
    is left out for it without a word (the reviewer's GPS-SAASM case)."""
    docs = edit(qaa_amendment, ("lines.6.items", DELETE))
    (hit,) = by_rule(findings_of(chain, docs), "QC-ITEMS-SAME-MASL")
    assert (hit.severity, hit.path) == ("warning", "lines[6].items")
    assert hit.message.startswith(
        "Line 007 has the MASL of Line 001 (A1C130J00AIR), whose items say gps_saasm, but its "
        "own items do not: does it not hold GPS Precise Positioning Service (SAASM) equipment "
        "too?"
    )
    assert "(items: [gps_saasm])" in hit.message
    # the tag dropped from a line the previous document had tagged: named as that one had it
    basic, amendment = qaa_amendment()
    amendment["lines"] = [ln for ln in amendment["lines"] if ln["number"] != "007"]
    amendment["lines"][0].pop("items")
    (hit,) = by_rule(run_checks(chain(basic, amendment)), "QC-ITEMS-SAME-MASL")
    assert hit.path == "lines[0].items"
    assert "the MASL of Line 001 as the Basic has it (A1C130J00AIR)" in hit.message


def _classified_only() -> Docs:
    """BN-D-QAA's Basic and Amendment 1, Line 001 tagged classified only, Line 007 nothing."""
    docs = qaa_amendment()
    for doc in docs:
        doc["lines"][0]["items"] = ["classified"]
    docs[1]["lines"][6]["items"] = []
    return docs


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (edit(qaa_amendment, ("lines.6.masl", "A1C130J00SIM")), "another MASL"),
        (_classified_only, "a trait QC-ITEMS-TAG does not list (no note of those)"),
        (edit(qaa_amendment, ("lines.6.items", ["gps_saasm", "classified"])), "one more trait"),
    ],
)
def test_lines_of_the_same_masl_tagged_alike_or_other_masls_pass(chain, make, why) -> None:
    assert not by_rule(findings_of(chain, make), "QC-ITEMS-SAME-MASL"), why


def test_a_description_naming_the_items_is_left_to_items_tag(chain) -> None:
    """One warning, not two: QC-ITEMS-TAG already asks about a line whose description names
    the items."""
    docs = edit(
        qaa_amendment, ("lines.6.items", []), ("lines.6.description", "C-130J AIRCRAFT, SAASM")
    )
    findings = findings_of(chain, docs)
    assert by_rule(findings, "QC-ITEMS-TAG")
    assert not by_rule(findings, "QC-ITEMS-SAME-MASL")


def test_a_line_note_whose_count_is_not_the_lines_is_asked_about(chain) -> None:
    docs = edit(qaa_amendment, ("lines.6.quantity", 3))
    (hit,) = by_rule(findings_of(chain, docs), "QC-LINE-NOTE-QUANTITY")
    assert (hit.severity, hit.path) == ("warning", "lines[6].line_note")
    assert hit.message.startswith(
        "Line 007's line note says 'two additional' C-130J aircraft, but the line is new on "
        "this Amendment, with a quantity of 3: which is right?"
    )
    # on a Basic, the plain form that states the line's total
    basic = edit(qaa, ("lines.0.quantity", 3))
    (hit,) = by_rule(findings_of(chain, basic), "QC-LINE-NOTE-QUANTITY")
    assert hit.path == "lines[0].line_note"
    assert "says it provides for two C-130J aircraft, but its quantity is 3" in hit.message
    # an Amendment that raises an existing line and rewrites its note for the change
    raised = edit(
        qaa_amendment,
        ("lines.0.quantity", 5),
        ("lines.0.line_note", "Line 001 increases by two C-130J aircraft."),
    )
    (hit,) = by_rule(findings_of(chain, raised), "QC-LINE-NOTE-QUANTITY")
    assert "goes from 2 to 5 (+3)" in hit.message


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ((), "two additional on a new line of two"),
        ((("lines.6.line_note", "Line 001 provides for two more aircraft."),), "another line"),
        (
            (("lines.6.line_note", "Provides for 3 spare engines with the two aircraft."),),
            "no subject: not plainly the line's",
        ),
        (
            (("lines.6.line_note", "This line provides for two aircraft and 3 spare engines."),),
            "two counts: which is the line's?",
        ),
        ((("lines.6.line_note", "This line provides 24 months of support."),), "months"),
        (
            (("lines.6.line_note", "This line provides for 165000000 dollars of aircraft."),),
            "money",
        ),
    ],
)
def test_line_notes_that_agree_or_cannot_be_read_pass(chain, changes, why) -> None:
    docs = edit(qaa_amendment, *changes)
    assert not by_rule(findings_of(chain, docs), "QC-LINE-NOTE-QUANTITY"), why


def test_a_note_carried_unchanged_stating_the_former_quantity_is_asked_about(chain) -> None:
    """A document that changes a line's quantity and keeps its note word for word, the note
    still stating the quantity the line had before (the reviewer's case: Modification 1 raises
    Line 001 from 2 to 3 C-130J aircraft under 'This line provides for two C-130J aircraft')."""
    docs = edit(qaa_modification, ("lines.0.quantity", 3))
    (hit,) = by_rule(findings_of(chain, docs), "QC-LINE-NOTE-QUANTITY")
    assert (hit.severity, hit.path) == ("warning", "lines[0].line_note")
    assert hit.message == (
        "Line 001's line note still says 'two' C-130J aircraft, the quantity before this "
        "Modification; the line now has 3: update the note"
    )
    # an Amendment, a quantity lowered, a note that writes the count in digits
    (hit,) = by_rule(
        findings_of(chain, edit(qaa_amendment, ("lines.0.quantity", 1))), "QC-LINE-NOTE-QUANTITY"
    )
    assert "still says 'two' C-130J aircraft, the quantity before this Amendment; the line " in (
        hit.message
    )
    assert hit.message.endswith("now has 1: update the note")
    docs = qaa_amendment()
    for doc in docs:
        doc["lines"][0]["line_note"] = "This line provides for 2 C-130J aircraft."
    docs[1]["lines"][0]["quantity"] = 4
    (hit,) = by_rule(run_checks(chain(*docs)), "QC-LINE-NOTE-QUANTITY")
    assert hit.message.startswith("Line 001's line note still says '2' C-130J aircraft")


def _former_note(quantity: int, note: str | None = None) -> Callable[[], Docs]:
    """BN-D-QAA's Basic and Amendment 1, the Amendment raising Line 001 (2 C-130J aircraft, its
    note 'This line provides for two C-130J aircraft ...') to `quantity`, its note `note` if
    given, else the Basic's word for word."""
    changes: list[tuple[str, Any]] = [("lines.0.quantity", quantity)]
    if note is not None:
        changes.append(("lines.0.line_note", note))
    return edit(qaa_amendment, *changes)


def _earlier_than_former() -> Docs:
    """Basic (2, 'two'), Amendment 1 raising Line 001 to 3 with the note kept, Amendment 2
    raising it to 4 with the note kept: the note's count is not the quantity just before."""
    basic, amendment = _former_note(3)()
    second = json.loads(json.dumps(amendment))
    second["document"].update(number=2, previous="amendment-1.json")
    second["lines"][0]["quantity"] = 4
    return [basic, amendment, second]


def _new_quantity_carried() -> Docs:
    """The Basic's note says 'three' of a line of 2 (its own fault), and the Amendment raises
    the line to 3 under the same note: the note now says what the line holds."""
    basic, amendment = _former_note(3)()
    note = basic["lines"][0]["line_note"].replace("two", "three")
    basic["lines"][0]["line_note"] = amendment["lines"][0]["line_note"] = note
    return [basic, amendment]


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (_former_note(3, "This line provides for three C-130J aircraft."), "updated: the new one"),
        (_new_quantity_carried, "carried, stating the new quantity"),
        (_earlier_than_former, "an earlier count, not the quantity before this document"),
        (
            _former_note(
                3, "This line provides for two C-130J aircraft of the Basic and one of Amendment 1."
            ),
            "reworded: read as a note written for this document, and not plainly a total",
        ),
        (edit(qaa_modification, ("lines.2.unit_cost", 9000000)), "the quantity does not change"),
    ],
)
def test_a_carried_note_that_does_not_state_the_former_quantity_passes(chain, make, why) -> None:
    assert not by_rule(findings_of(chain, make), "QC-LINE-NOTE-QUANTITY"), why


def test_a_note_reworded_by_the_writer_is_not_read_for_the_former_quantity(chain) -> None:
    """A note the writer changed is one written for this document: it is read for the line's
    total as it is now, not for what the line was (one finding, not two)."""
    reworded = _former_note(3, "This line provides for two C-130J aircraft in the Purchaser's "
                               "configuration, with installed mission equipment.")  # fmt: skip
    (hit,) = by_rule(findings_of(chain, reworded), "QC-LINE-NOTE-QUANTITY")
    assert "says it provides for two C-130J aircraft, but its quantity is 3" in hit.message
    assert "still says" not in hit.message


def test_a_basic_note_that_states_no_total_is_not_read(chain) -> None:
    """On a Basic 'additional' has nothing to be read against, nor a lot its count."""
    docs = edit(
        qaa,
        ("lines.0.line_note", "This line provides for two additional C-130J aircraft."),
        ("lines.1.line_note", "This line provides for 40 items of support equipment."),
    )
    assert not by_rule(findings_of(chain, docs), "QC-LINE-NOTE-QUANTITY")


def months_amendment() -> Docs:
    """BN-D-QAA's Basic, then an Amendment whose only change is the months of Line 002 (a
    materiel line): the reviewer's case."""
    basic, amendment = empty_amendment()
    amendment["lines"][1]["months"] = "24-60"
    return [basic, amendment]


def test_an_amendment_without_scope_asks_whether_it_is_a_modification(chain) -> None:
    (hit,) = by_rule(findings_of(chain, months_amendment, Selection()), "QC-AMD-NO-SCOPE")
    assert (hit.severity, hit.path) == ("warning", "document.kind")
    months = example("BN-D-QAA/basic")["lines"][1]["months"]
    assert hit.message.startswith(
        f"this Amendment changes nothing in scope (Line 002: months {months} to 24-60): "
        "should it be a Modification?"
    )
    repriced = edit(months_amendment, ("lines.2.unit_cost", 15000000), ("lines.3.source_code", "P"))
    (hit,) = by_rule(findings_of(chain, repriced, Selection()), "QC-AMD-NO-SCOPE")
    assert "Line 003: unit cost $9,800,000 to $15,000,000" in hit.message
    assert "Line 004: source_code corrected" in hit.message
    # a Modification doing the same is what it should be
    basic, same = months_amendment()
    same["document"] = example("BN-D-QAA/modification-1")["document"]
    assert not by_rule(run_checks(chain(basic, same), Selection()), "QC-AMD-NO-SCOPE")


NOTE_ADDED = CaseNotes((*NOTE_V1.items, InForce("FMS-NEW", "1", "Amendment 1")))


@pytest.mark.parametrize(
    ("change", "selection"),
    [
        (("lines.0.quantity", 3), Selection()),  # more quantity on a defined order line
        (("lines.0.quantity", 1), Selection()),  # less: the Purchaser may have asked it
        (("lines.5", DELETE), Selection()),  # a line deleted: as much
        (("lines.4.training.performance_period", "24 months"), Selection()),
        (("lines.1.delivery_term_code", "5"), Selection()),  # agreed by Amendment (C7.4)
        (("lines.1.line_note", "This line provides support equipment for the fleet."), Selection()),
        (("lines.1.description", "SUPPORT EQUIPMENT AND TOOLS"), Selection()),
        (("terms_of_sale", ["Cash Prior to Delivery"]), Selection()),
        (("document.restated", {"previous_offer_date": "2026-03-01"}), Selection()),
        (("document.case_closure", True), Selection()),
        (("document.purpose", "adds a note"), Selection(before=NOTE_V1, after=NOTE_ADDED)),
        (("document.purpose", "notes not known"), None),
    ],
    ids=lambda v: str(v[0]) if isinstance(v, tuple) else "",
)
def test_an_amendment_that_may_carry_scope_is_not_asked(chain, change, selection) -> None:
    docs = edit(months_amendment, change)
    assert not by_rule(findings_of(chain, docs, selection), "QC-AMD-NO-SCOPE")


def test_an_empty_amendment_is_left_to_amd_empty(chain) -> None:
    findings = findings_of(chain, empty_amendment, Selection())
    assert by_rule(findings, "QC-AMD-EMPTY") and not by_rule(findings, "QC-AMD-NO-SCOPE")
