"""The assembled document, fuzzed: any valid case chain loads, adds up and renders."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from loagen.case.placeholders import is_placeholder
from loagen.document import load_document
from loagen.pipeline import Pipeline as Builder
from loagen.policy.selection import Selection
from loagen.project import Project
from loagen.reference import load_reference
from loagen.rendering.templates import Renderer

from .conftest import ROOT, case_text, unseen_characters, write_chain

REF = load_reference()
RENDERER = Renderer(ROOT / "templates")
BUILDER = Builder(Project.at(ROOT))
TRAITS = ["nvd", "comsec", "mtcr", "gps_saasm", "ammunition", "classified", "eeum"]
DATES = st.dates(min_value=date(1950, 1, 1), max_value=date(2199, 12, 31))
text = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cs",), exclude_characters=unseen_characters()
    ),
    min_size=1,
    max_size=30,
).filter(lambda t: case_text(t) and not is_placeholder(t))  # the contract refuses blank text,
# unseen characters and FILL IN markers (which hypothesis may draw: it mines the code's string
# constants)


@st.composite
def lines(draw, count: int) -> list[dict]:
    out = []
    for i in range(count):
        first = draw(st.integers(0, 40))
        line = {
            "number": f"{i + 1:03d}",
            "masl": draw(
                st.sampled_from(["A1XYZ00AIR", "R1ABC00TAS", REF.nsr_masl, REF.wwrs_seller_masl])
            ),
            "description": draw(text),
            "quantity": draw(st.integers(0, 50)),
            "unit_of_issue": draw(st.sampled_from(sorted(REF.units_of_issue))),
            "unit_cost": draw(st.integers(0, 10_000_000)),
            "source_code": draw(st.sampled_from(sorted(REF.source_codes))),
            "months": f"{first}-{first + draw(st.integers(0, 40))}",
            "type_of_assistance": draw(st.sampled_from(sorted(REF.type_of_assistance))),
            "offer_release_code": draw(st.sampled_from(sorted(REF.offer_release_codes))),
            "delivery_term_code": draw(st.sampled_from(sorted(REF.delivery_term_codes))),
            "major_defense_equipment": draw(st.booleans()),
            "kind": draw(
                st.sampled_from(
                    ["materiel", "services", "training", "medical", "manpower", "publications"]
                )
            ),
        }
        if draw(st.booleans()):
            line["end_item"] = draw(text)
        if draw(st.booleans()):
            line["line_note"] = draw(text)
        if draw(st.booleans()):
            line["items"] = draw(st.lists(st.sampled_from(TRAITS), unique=True, max_size=3))
        if draw(st.integers(0, 3)) == 0:
            line["sole_source"] = {
                "firm": draw(text),
                "role": draw(st.sampled_from(["prime", "subcontractor"])),
                "purchaser_request_date": draw(DATES).isoformat(),
            }
        if draw(st.integers(0, 3)) == 0:
            nc = {"amount": draw(st.integers(0, 10**7))}
            if draw(st.booleans()):
                nc["waiver"] = {"reference": draw(text), "date": draw(DATES).isoformat()}
            line["nonrecurring_cost"] = nc
        if draw(st.integers(0, 4)) == 0:
            line["eda"] = {
                "kind": draw(st.sampled_from(["grant", "sale"])),
                "acquisition_value": draw(st.integers(0, 10**8)),
                "approval_reference": draw(text),
            }
        if draw(st.integers(0, 3)) == 0:
            line["training"] = {
                "location": draw(st.sampled_from(["CONUS", "OCONUS"])),
                "severable": draw(st.booleans()),
                "performance_period": draw(text),
                "travel_and_living_allowance": draw(st.booleans()),
                "blanket_order": draw(st.booleans()),
            }
        if draw(st.integers(0, 3)) == 0:
            line["manpower"] = {"travel_cost_per_day": draw(st.integers(0, 3000))}
            if draw(st.booleans()):
                line["manpower"]["justification"] = draw(text)
        out.append(line)
    return out


@st.composite
def case_chains(draw) -> list[dict]:
    program = draw(st.sampled_from(["FMS", "BPC"]))
    refs = [
        {"reference": draw(text), "date": draw(DATES).isoformat()}
        for _ in range(draw(st.integers(0, 3)))
    ]
    basic = {
        "case_id": "BN-D-" + draw(st.from_regex(r"[A-Z0-9]{3}", fullmatch=True)),
        "program": program,
        "category": draw(
            st.sampled_from(["defined_order", "blanket_order", "clssa_fmso_i", "clssa_fmso_ii"])
        ),
        "purchaser": {"name": draw(text), "address": [draw(text)]},
        "nickname": draw(text),
        "document": {
            "kind": "Basic",
            "offer_expiration_date": draw(DATES).isoformat(),
            "purpose": draw(text),
        },
        "purchaser_references": refs,
        "terms_of_sale": draw(
            st.lists(
                st.sampled_from(sorted(REF.terms_of_sale)), min_size=1, max_size=3, unique=True
            )
        ),
        "funding": draw(st.sampled_from(["national", "fmf", "bpc"])),
        "lines": draw(lines(draw(st.integers(1, 6)))),
        "accessorial": {
            "packing_crating_handling": draw(st.integers(0, 10**6)),
            "transportation": draw(st.integers(0, 10**6)),
        },
    }
    docs = [basic]
    for n in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["Amendment", "Modification"]))
        doc = {
            "kind": kind,
            "number": n + 1,
            "purpose": draw(text),
            "reason": draw(text),
            "previous": "x",
        }
        if kind == "Amendment":
            doc["offer_expiration_date"] = draw(DATES).isoformat()
            if draw(st.integers(0, 4)) == 0:
                doc["restated"] = {"previous_offer_date": draw(DATES).isoformat()}
        if draw(st.integers(0, 3)) == 0:
            doc["implementation_date"] = draw(DATES).isoformat()
        if draw(st.integers(0, 4)) == 0:
            doc["case_closure"] = True
        nxt = dict(docs[-1], document=doc, lines=draw(lines(draw(st.integers(1, 6)))))
        docs.append(nxt)
    return docs


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case_chains())
def test_any_valid_chain_adds_up_and_renders(tmp_path_factory, docs: list[dict]) -> None:
    folder = tmp_path_factory.mktemp("chain")
    document = load_document(write_chain(Path(folder), *docs))
    costs = document.costs
    assert costs.total_estimated_cost == (
        costs.net_estimated_cost + costs.packing_crating_handling + costs.administrative_charge
        + costs.transportation + costs.other
    )  # fmt: skip
    if costs.schedule_source == "computed" and document.case.category != "clssa_fmso_i":
        assert costs.schedule_total == costs.total_estimated_cost
    noun = {"Basic": "LOA"}.get(document.case.document.kind, document.case.document.kind)
    assert document.case_description.startswith(f"This {noun}")
    data = RENDERER.render(document, Selection())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        etree.fromstring(zf.read("word/document.xml"))  # well-formed


@settings(
    max_examples=int(os.environ.get("LOAGEN_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case_chains())
def test_the_whole_pipeline_gives_a_result_on_any_valid_chain(tmp_path_factory, docs) -> None:
    """Notes, checks and rendering on any valid chain: a result, never an unexpected error."""
    folder = tmp_path_factory.mktemp("pipeline")
    prepared = BUILDER.prepare(write_chain(Path(folder), *docs))
    assert {d.note_id for d in prepared.selection.decisions} == {n.id for n in BUILDER.library}
    for finding in prepared.findings:
        assert finding.severity in ("error", "warning") and finding.rule_id and finding.reference
    data = BUILDER.render(prepared, draft=bool(prepared.errors))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        etree.fromstring(zf.read("word/document.xml"))
