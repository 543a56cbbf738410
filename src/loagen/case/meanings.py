"""What each code and word of a case file means, for the JSON Schema editors read.

`loagen schema` gives every field its description (the docstring under it in `case.model`);
`enrich` adds, to each field that takes one of a fixed set of values, what every value means:
the codes from the reference tables (`reference/*.yaml`: source codes, types of assistance,
offer release and delivery term codes, units of issue, terms of sale), the other words from
`WORDS` below. An editor shows them when completing a value and when hovering over one:

- `description` (plain text) and `markdownDescription` (VS Code) list "value: meaning";
- `enumDescriptions` and `markdownEnumDescriptions` (VS Code, the YAML extension) give one
  meaning per value, in the order of `enum`.

Validators ignore these keywords; the schema stays a plain JSON Schema (draft 2020-12).
"""

from __future__ import annotations

from typing import Any

from ..reference import load_reference

EDITOR_SCHEMA_KEY = "$schema"
"""The key by which a JSON case file names the schema its editor checks it with; loagen reads
past it."""

CODE_TABLES: dict[tuple[str, str], tuple[str, str]] = {
    ("Line", "source_code"): (
        "source_codes",
        "Source Code (SC), column (5) of the line table: where the articles or services come from.",
    ),
    ("Line", "type_of_assistance"): (
        "type_of_assistance",
        "Type of Assistance (TA) code, column (5): how the line is paid for and supplied.",
    ),
    ("Line", "offer_release_code"): (
        "offer_release_codes",
        "Offer Release Code (ORC), column (6): whether the Purchaser is told before shipment.",
    ),
    ("Line", "delivery_term_code"): (
        "delivery_term_codes",
        "Delivery Term Code (DTC), column (7): where DoD's transportation responsibility ends.",
    ),
    ("Line", "unit_of_issue"): ("units_of_issue", "Unit of Issue, column (3)."),
    ("Case", "terms_of_sale"): (
        "terms_of_sale",
        "Terms of Sale printed on page 1: how the Purchaser pays.",
    ),
}
"""Fields whose values are the keys of a reference table: (model, field) -> (table, what the
field is)."""

_PAYMENT_KINDS = {
    "cash": "paid by the Purchaser",
    "credit": "paid with Foreign Military Financing",
    "grant": "no payment by the Purchaser",
}

TERMS_OF_SALE: dict[str, str] = {
    "Cash With Acceptance": "the whole case value is paid with the signed LOA",
    "Cash With Acceptance-Balance as Billed": "an amount is paid with the signed LOA, the rest "
    "as billed",
    "Cash Prior to Delivery": "paid in advance of delivery, on the payment schedule",
    "Dependable Undertaking": "paid on the payment schedule under the Purchaser's firm "
    "commitment; only for purchasers authorized to use it",
    "Payment on Delivery": "paid after delivery (articles from DoD stock)",
    "FMS Credit": "paid with Foreign Military Financing",
    "FMS Credit (Repayable)": "paid with Foreign Military Financing the Purchaser repays",
    "FMS Credit (Non-Repayable)": "paid with Foreign Military Financing that is not repaid",
    "MAP Merger": "paid with Military Assistance Program funds merged into the case",
    "EDA Grant": "Excess Defense Articles given without charge",
    "U.S. Government Grant": "paid by the U.S. Government",
    "Risk Assessed Payment Schedule": "paid on a schedule set by a risk assessment (RAPS)",
}
"""What each term of sale means (a term the table adds later says what its kind is)."""

HEADS: dict[tuple[str, str], str] = {
    ("Case", "program"): "The program the case is under.",
    ("Case", "category"): "The LOA category.",
    ("Case", "funding"): "Who pays.",
    ("Line", "kind"): "What the line provides.",
    ("Eda", "kind"): "How the excess articles are transferred.",
    ("Training", "location"): "Where the training takes place.",
    ("AdminSurchargeWaiver", "kind"): "Why the administrative surcharge is waived.",
    ("FullOperationalCapability", "authority"): "The authority of the provision.",
    ("Multinational", "kind"): "The kind of multinational case.",
}
"""What the field is, for fixed-value fields without a docstring in `case.model`."""

WORDS: dict[tuple[str, str], dict[Any, str]] = {
    ("Case", "program"): {
        "FMS": "Foreign Military Sales: the other party is the Purchaser, who signs the LOA",
        "BPC": "Building Partner Capacity: U.S. Government funds for a Benefitting Partner; no "
        "partner signature, no Standard Terms and Conditions, no administrative surcharge",
    },
    ("Case", "category"): {
        "defined_order": "defined order: the articles and services are listed line by line, "
        "with their quantities",
        "blanket_order": "blanket order: a dollar amount for a category of articles or services, "
        "with no list of items",
        "clssa_fmso_i": "Cooperative Logistics Supply Support Arrangement, FMS Order I: the "
        "Purchaser's share of the DoD stocks held for it",
        "clssa_fmso_ii": "Cooperative Logistics Supply Support Arrangement, FMS Order II: the "
        "Purchaser's requisitions drawn from those stocks",
    },
    ("Case", "funding"): {
        "national": "the Purchaser's national funds",
        "fmf": "Foreign Military Financing (U.S. credit or grant funds)",
        "bpc": "U.S. appropriations for Building Partner Capacity",
    },
    ("Case", "bpc_system"): {
        "case_module": "developed in the DSAMS case module (legacy programs)",
        "bpc_module": "developed in the DSAMS BPC module",
    },
    ("DocumentInfo", "kind"): {
        "Basic": "the case's first LOA",
        "Amendment": "a change in scope, offered to the Purchaser for signature",
        "Modification": "a change within scope, not signed by the Purchaser",
    },
    ("CancelledDocument", "kind"): {
        "Amendment": "an Amendment offered and cancelled without acceptance",
        "Modification": "a Modification cancelled before it took effect",
    },
    ("FundSource", "title"): {
        10: "Title 10 U.S.C.: Department of Defense appropriations",
        22: "Title 22 U.S.C.: Department of State (foreign assistance) appropriations",
    },
    ("SoleSource", "role"): {
        "prime": "the designated firm is the prime contractor",
        "subcontractor": "the designated firm is a subcontractor",
    },
    ("Eda", "kind"): {
        "grant": "Excess Defense Articles given without charge (FAA section 516)",
        "sale": "Excess Defense Articles sold",
    },
    ("Training", "location"): {
        "CONUS": "in the continental United States",
        "OCONUS": "outside the continental United States",
    },
    ("Line", "kind"): {
        "materiel": "articles: equipment, spares, support equipment",
        "services": "services (technical assistance, support); a longer period of performance "
        "is a change in scope",
        "training": "training; on lines of its own",
        "medical": "medical services; on lines of their own",
        "manpower": "case-funded manpower, with its travel",
        "publications": "publications and technical orders",
    },
    ("Line", "items"): {
        "nvd": "night vision devices",
        "comsec": "communications security (COMSEC) equipment",
        "mtcr": "Missile Technology Control Regime (MTCR) articles",
        "gps_saasm": "GPS Precise Positioning Service equipment (SAASM)",
        "ammunition": "ammunition or explosives",
        "classified": "classified articles",
        "eeum": "articles under Enhanced End-Use Monitoring",
        "tow_2b": "TOW-2B missiles",
    },
    ("Line", "program_support_charge"): {
        "snap": "Army Program Support Charge for SNAP",
        "crr": "Army Program Support Charge for CR&R",
        "other": "Army Program Support Charge for another program",
    },
    ("Line", "comsec_release"): {
        "nsa_specific": "released by the National Security Agency for this case",
        "nsa_general": "under an NSA general release (no release copy in the LOA package)",
    },
    ("Line", "nvd_mount"): {
        "man_portable": "man-portable night vision devices",
        "platform": "night vision devices mounted on a platform",
    },
    ("AdminSurchargeWaiver", "kind"): {
        "nato_awacs": "NATO Airborne Warning and Control System program",
        "nspo": "NATO Support and Procurement Organisation (weapon system partnership or "
        "NATO/SHAPE project)",
        "reciprocal_training": "a reciprocal training agreement",
    },
    ("CasWaiver", "components"): {
        "contract_administration": "the contract administration part of CAS",
        "quality_assurance_and_inspection": "the quality assurance and inspection part of CAS",
        "contract_audit": "the contract audit part of CAS",
        "overseas": "overseas Contract Administration Services",
    },
    ("SecurityAssurances", "method"): {
        "transmission_instructions": "transmission instructions written in the LOA",
        "transportation_plan": "an approved Transportation Plan",
    },
    ("FullOperationalCapability", "authority"): {
        "2282": "10 U.S.C. 2282 (Global train and equip)",
        "333": "10 U.S.C. 333 (Build the capacity of foreign security forces)",
    },
    ("Multinational", "kind"): {
        "lead_nation": "a Lead Nation procurement for several countries",
        "agent_sale": "an Agent Sale",
    },
}
"""What the values of the other fixed-value fields mean: (model, field) -> {value: meaning}."""


def code_meanings(table: str) -> dict[str, str]:
    """Each code of reference table `table` and what it means."""
    rows = getattr(load_reference(), table)
    out = {}
    for code, row in rows.items():
        if table == "terms_of_sale" and str(code) in TERMS_OF_SALE:
            meaning = TERMS_OF_SALE[str(code)]
        elif isinstance(row, dict):
            meaning = row.get("meaning") or _PAYMENT_KINDS.get(str(row.get("kind")), "")
        else:
            meaning = str(row)
        out[str(code)] = meaning
    return out


def meanings_of(model: str, field: str) -> tuple[str, dict[Any, str]] | None:
    """(what the field is, {value: meaning}) for a fixed-value field, or None."""
    if (model, field) in CODE_TABLES:
        table, what = CODE_TABLES[(model, field)]
        return what, code_meanings(table)
    if (model, field) in WORDS:
        return HEADS.get((model, field), ""), WORDS[(model, field)]
    return None


def enrich(schema: dict[str, Any], root: str = "Case") -> None:
    """Add the meaning of every value to the fixed-value fields of a case file's JSON Schema
    (`root` names the model of the schema's top level; `$defs` are named after theirs), and
    let a JSON case file name its schema ("$schema")."""
    schema.setdefault("properties", {})[EDITOR_SCHEMA_KEY] = {
        "type": "string",
        "description": "The schema your editor checks this file with (the file `loagen schema` "
        "writes, e.g. ../case.schema.json); loagen itself does not read it.",
    }
    for model, definition in [(root, schema), *schema.get("$defs", {}).items()]:
        for field, prop in definition.get("properties", {}).items():
            found = meanings_of(model, field)
            if found is None:
                continue
            what, meanings = found
            enums = list(_enum_nodes(prop))
            if not enums:
                continue
            head = prop.get("description", "") if (model, field) in WORDS else what
            head = head or what
            for node in enums:
                # a digit code may be written as a number (TA 4): the same meaning
                node["enumDescriptions"] = [
                    meanings.get(v, meanings.get(str(v), "")) for v in node["enum"]
                ]
                node["markdownEnumDescriptions"] = node["enumDescriptions"]
                node.pop("description", None)  # "Source Code code": said better below
            values = [v for node in enums for v in node["enum"]]
            values = [v for v in values if isinstance(v, str) or str(v) not in values]
            listed = [(v, meanings.get(v, "")) for v in values]
            prop["description"] = "\n".join(
                [head, *(f"{v}: {m}" if m else str(v) for v, m in listed)]
            ).strip()
            prop["markdownDescription"] = "\n".join(
                [head, "", *(f"- `{v}`: {m}" if m else f"- `{v}`" for v, m in listed)]
            ).strip()


def _enum_nodes(node: Any) -> Any:
    """The parts of a property's schema that list its values (through anyOf and items)."""
    if not isinstance(node, dict):
        return
    if "enum" in node:
        yield node
    for key in ("anyOf", "oneOf"):
        for part in node.get(key, []):
            yield from _enum_nodes(part)
    if "items" in node:
        yield from _enum_nodes(node["items"])
