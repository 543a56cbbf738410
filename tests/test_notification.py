"""AECA 36(b) Congressional Notification: thresholds below, at and above for both groups, the
dated table and its names, Amendments counting what they add, a missing notification, an offer
before the review period ends."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from loagen.errors import LoagenError
from loagen.policy.checks import run_checks
from loagen.policy.notification import assess, load_table, name_forms, problems, read_table
from loagen.reference import load_reference
from loagen.reference.policy_tables import table_text

M = 1_000_000

# Rows for the named countries, as countries.yaml will hold them once their codes are confirmed
# (the codes here are placeholders for the test, not FMS codes).
NAMED_ROWS = {
    "T1": {"name": "Japan", "kind": "country", "nato": False},
    "T2": {"name": "Australia", "kind": "country", "nato": False},
    "T3": {"name": "New Zealand", "kind": "country", "nato": False},
    "T4": {"name": "Korea, Republic of", "kind": "country", "nato": False},
    "T5": {"name": "Israel", "kind": "country", "nato": False},
    "T6": {"name": "Finland", "kind": "country", "nato": True, "nato_since": "2023-04-04"},
}


def table_with(rows: dict[str, Any] | None = None, text: str | None = None):
    path, real = table_text("cn36b")
    countries = dict(load_reference().countries) | (rows or {})
    return read_table(path, text or real, countries)


def mde_line(number: str, value: int, **fields: Any) -> dict[str, Any]:
    return {
        "number": number,
        "masl": f"F{number}FIGHTER01",
        "description": "FIGHTER AIRCRAFT",
        "quantity": 1,
        "unit_of_issue": "EA",
        "unit_cost": value,
        "source_code": "P",
        "months": "24-48",
        "type_of_assistance": "7",
        "offer_release_code": "Z",
        "delivery_term_code": "4",
        "major_defense_equipment": True,
        "kind": "materiel",
    } | fields


def sale(code: str = "BN", mde: int = 10 * M, *, date: str = "2026-03-01", **fields: Any):
    return {
        "case_id": f"{code}-D-FTR",
        "program": "FMS",
        "category": "defined_order",
        "purchaser": {"name": "Air Ministry", "address": ["2 Runway Road"]},
        "nickname": "Fighters",
        "document": {
            "kind": "Basic",
            "offer_expiration_date": "2026-12-31",
            "date": date,
            "purpose": "provides fighter aircraft",
        },
        "purchaser_references": [{"reference": "AM/4", "date": "2026-01-05"}],
        "terms_of_sale": ["Cash Prior to Delivery"],
        "funding": "national",
        "lines": [mde_line("001", mde)],
    } | fields


def next_document(data: dict[str, Any], kind: str = "Amendment", **doc: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["document"] = (
        {
            "kind": kind,
            "number": 1,
            "implementation_date": "2026-06-01",
            "purpose": "adds aircraft",
            "date": "2027-01-10",
        }
        | ({"offer_expiration_date": "2027-06-30"} if kind == "Amendment" else {})
        | doc
    )
    return out


def measure(verdict, key: str):  # noqa: ANN001
    return next(m for m in verdict.measures if m.key == key)


def with_total(chain, data: dict[str, Any], target: int) -> dict[str, Any]:  # noqa: ANN001
    """`data` with its `accessorial.other` set so the total estimated cost is `target`."""
    data = copy.deepcopy(data)
    data["accessorial"] = {"other": 0}
    total = chain(data).costs.total_estimated_cost
    data["accessorial"]["other"] = target - int(total)
    assert chain(data).costs.total_estimated_cost == target
    return data


# -- thresholds: below, at, above, for both groups --------------------------------------------------

GROUPS = [
    # (customer code, extra countries.yaml rows, group, MDE / total / D&C thresholds)
    ("BN", None, "other", (14 * M, 50 * M, 200 * M)),
    ("N1", None, "nato_plus", (25 * M, 100 * M, 300 * M)),  # a NATO body (countries.yaml nato)
    ("T1", NAMED_ROWS, "nato_plus", (25 * M, 100 * M, 300 * M)),  # Japan, by name
]


@pytest.mark.parametrize(("code", "rows", "group", "limits"), GROUPS, ids=lambda v: str(v))
@pytest.mark.parametrize("offset", [-1, 0, 1], ids=["below", "at", "above"])
def test_mde_threshold(chain, code, rows, group, limits, offset) -> None:
    value = limits[0] + offset
    verdict = assess(chain(sale(code, value)), table_with(rows))
    assert verdict.group == group
    m = measure(verdict, "mde")
    assert (m.value, m.threshold, m.met) == (value, limits[0], offset >= 0)
    assert verdict.required is (offset >= 0)


@pytest.mark.parametrize(("code", "rows", "group", "limits"), GROUPS, ids=lambda v: str(v))
@pytest.mark.parametrize("offset", [-1, 0, 1], ids=["below", "at", "above"])
def test_total_threshold(chain, code, rows, group, limits, offset) -> None:
    data = with_total(chain, sale(code, 5 * M), limits[1] + offset)
    verdict = assess(chain(data), table_with(rows))
    m = measure(verdict, "total")
    assert (m.value, m.threshold, m.met) == (limits[1] + offset, limits[1], offset >= 0)
    assert verdict.required is (offset >= 0)


@pytest.mark.parametrize(("code", "rows", "group", "limits"), GROUPS, ids=lambda v: str(v))
@pytest.mark.parametrize("offset", [-1, 0, 1], ids=["below", "at", "above"])
def test_design_and_construction_threshold(chain, code, rows, group, limits, offset) -> None:
    works = mde_line("002", limits[2] + offset, major_defense_equipment=False,
                     masl="C002AIRBASE1", description="AIRFIELD DESIGN AND CONSTRUCTION",
                     kind="services", unit_of_issue="LO", design_and_construction=True)  # fmt: skip
    data = sale(code, 1 * M)
    data["lines"].append(works)
    m = measure(assess(chain(data), table_with(rows)), "design_and_construction")
    assert (m.value, m.threshold, m.met) == (limits[2] + offset, limits[2], offset >= 0)


def test_the_group_follows_its_dates(chain) -> None:
    table = table_with(NAMED_ROWS)
    # Korea joined on 15 October 2008, Israel on 8 October 2010, Finland NATO on 4 April 2023.
    for code, before, after in (
        ("T4", "2008-10-14", "2008-10-15"),
        ("T5", "2010-10-07", "2010-10-08"),
        ("T6", "2023-04-03", "2023-04-04"),
    ):
        assert assess(chain(sale(code, date=before)), table).group == "other", code
        assert assess(chain(sale(code, date=after)), table).group == "nato_plus", code
    # Before 30 September 2002 the higher group had the 36(b)(1) amounts.
    old = assess(chain(sale("T1", 20 * M, date="2001-06-01")), table)
    assert old.group == "nato_plus" and measure(old, "mde").threshold == 14 * M
    assert assess(chain(sale("BN", date="1980-01-01")), table).applies is False


def test_an_unknown_country_code_gets_the_lower_thresholds_and_says_so(chain) -> None:
    verdict = assess(chain(sale("ZZ", 20 * M)), table_with())
    assert verdict.group == "other" and verdict.group_known is False
    assert "customer code ZZ, not in countries.yaml" in verdict.summary
    assert verdict.required


def test_bpc_is_not_judged(chain) -> None:
    data = sale("BN", 90 * M, program="BPC", funding="bpc", terms_of_sale=["U.S. Government Grant"])
    verdict = assess(chain(data))
    assert verdict.applies is False and "BPC" in verdict.summary
    assert not verdict.problems


# -- a missing notification, and the offer date --------------------------------------------------


def test_missing_notification_is_a_warning_naming_values_and_thresholds(chain) -> None:
    findings = [f for f in run_checks(chain(sale("BN", 30 * M))) if f.rule_id == "QC-CN-36B"]
    (f,) = findings
    assert (f.severity, f.path) == ("warning", "document")
    assert "Republic of Bandaria" in f.message
    assert "The Major Defense Equipment value, $30,000,000, reaches the $14,000,000" in f.message
    assert "30-day review period" in f.message
    assert "document.congressional_notification (number and date)" in f.message
    recorded = sale("BN", 30 * M)
    recorded["document"]["congressional_notification"] = {"number": "26-07", "date": "2026-01-10"}
    assert not [f for f in run_checks(chain(recorded)) if f.rule_id.startswith("QC-CN-36B")]


def _offer_findings(chain, code: str, cn_date: str, **doc: Any):  # noqa: ANN001
    data = sale(code, 60 * M)
    data["document"] |= {"congressional_notification": {"number": "26-07", "date": cn_date}}
    data["document"] |= doc
    return [f for f in run_checks(chain(data)) if f.rule_id == "QC-CN-36B-OFFER"]


def test_offer_before_the_30_day_review_ends_is_an_error(chain) -> None:
    (f,) = _offer_findings(chain, "BN", "2026-02-01", offer_date="2026-03-02")
    assert (f.severity, f.path) == ("error", "document.offer_date")
    assert f.message == (
        "the Basic is offered 2 March 2026, before the 30-day review period of 36(b) "
        "notification 26-07 (received by Congress 1 February 2026) ends: it may be offered "
        "from 3 March 2026"
    )
    assert not _offer_findings(chain, "BN", "2026-02-01", offer_date="2026-03-03")


def test_the_higher_group_has_15_days(chain) -> None:
    assert _offer_findings(chain, "N1", "2026-02-01", offer_date="2026-02-15")
    assert not _offer_findings(chain, "N1", "2026-02-01", offer_date="2026-02-16")


def test_offer_judged_by_document_date_else_expiration(chain) -> None:
    (f,) = _offer_findings(chain, "BN", "2026-02-20")  # document.date 1 March 2026
    assert f.path == "document.date"
    undated = sale("BN", 60 * M)
    del undated["document"]["date"]
    undated["document"]["offer_expiration_date"] = "2026-03-05"
    undated["document"]["congressional_notification"] = {"number": "26-07", "date": "2026-02-20"}
    (f,) = [f for f in run_checks(chain(undated)) if f.rule_id == "QC-CN-36B-OFFER"]
    assert f.path == "document.offer_expiration_date" and "expires 5 March 2026" in f.message


def test_unknown_country_offer_checked_against_the_shortest_period(chain) -> None:
    data = sale("ZZ", 60 * M)
    data["document"] |= {
        "congressional_notification": {"number": "26-07", "date": "2026-02-01"},
        "offer_date": "2026-02-20",
    }
    verdict = assess(chain(data), table_with())
    assert [p.rule for p in verdict.problems] == ["QC-CN-36B"]  # no error: 15 days passed
    assert "with 30 days, notification 26-07 allows the offer from 3 March 2026" in (
        verdict.problems[0].message
    )


def test_a_case_grown_beyond_the_values_notified(chain) -> None:
    data = sale("BN", 60 * M)
    data["document"]["congressional_notification"] = {
        "number": "26-07", "date": "2026-01-10", "mde_value": 55 * M,
    }  # fmt: skip
    (f,) = [f for f in run_checks(chain(data)) if f.rule_id == "QC-CN-36B"]
    assert f.path == "document.congressional_notification"
    assert "$60,000,000, is more than the $55,000,000 notified" in f.message
    assert "36(b)(5)(C)" in f.message


# -- Amendments: what they add ---------------------------------------------------------------------


def test_amendment_crossing_a_threshold_needs_a_notification(chain) -> None:
    basic = sale("BN", 10 * M)
    amd = next_document(basic)
    amd["lines"].append(mde_line("002", 5 * M))
    verdict = assess(chain(basic, amd))
    m = measure(verdict, "mde")
    assert (m.basis, m.value, m.met) == ("cumulative", 15 * M, True)
    assert verdict.missing and "The case's Major Defense Equipment value" in verdict.summary


def test_amendment_to_a_notified_case_counts_its_increase(chain) -> None:
    basic = sale("BN", 20 * M)
    basic["document"]["congressional_notification"] = {"number": "26-07", "date": "2026-01-10"}
    small = next_document(basic)
    small["lines"].append(mde_line("002", 14 * M - 1))
    verdict = assess(chain(basic, small))
    m = measure(verdict, "mde")
    assert (m.basis, m.value, m.threshold, m.met) == ("increase", 14 * M - 1, 14 * M, False)
    assert not verdict.required and "the case was notified: 26-07" in verdict.summary
    large = next_document(basic)
    large["lines"].append(mde_line("002", 14 * M))
    verdict = assess(chain(basic, large))
    assert verdict.missing
    (problem,) = verdict.problems
    assert "The Major Defense Equipment value this Amendment adds, $14,000,000, reaches" in (
        problem.message
    )
    assert "new notification or a 36(b)(5)(C) report" in problem.message


def test_amendment_to_a_case_over_the_threshold_before_counts_its_increase(chain) -> None:
    basic = sale("BN", 30 * M)  # over the threshold, its notification not recorded here
    amd = next_document(basic)
    amd["lines"].append(mde_line("002", 5 * M))
    verdict = assess(chain(basic, amd))
    assert measure(verdict, "mde").basis == "increase"
    assert not verdict.required


def test_a_large_increase_of_a_case_with_no_notification_recorded_says_none_is_recorded(
    chain,
) -> None:
    basic = sale("BN", 30 * M)  # over the threshold, its notification not recorded here
    amd = next_document(basic)
    amd["lines"].append(mde_line("002", 40 * M))
    verdict = assess(chain(basic, amd))
    assert verdict.required and measure(verdict, "mde").basis == "increase"
    assert "should have been notified then (no document of the case records it)" in verdict.advice
    assert "(notified then)" not in verdict.advice


def test_nato_plus_amendment_increase_uses_the_5c_amounts(chain) -> None:
    basic = sale("N1", 30 * M)
    amd = next_document(basic)
    amd["lines"].append(mde_line("002", 20 * M))
    m = measure(assess(chain(basic, amd)), "mde")
    assert (m.basis, m.threshold, m.met) == ("increase", 14 * M, True)


def test_a_modification_is_not_judged_on_its_offer(chain) -> None:
    basic = sale("BN", 30 * M)
    mod = next_document(basic, "Modification", date="2026-07-01")
    mod["document"]["congressional_notification"] = {"number": "26-07", "date": "2026-06-25"}
    verdict = assess(chain(basic, mod))
    assert not [p for p in verdict.problems if p.rule == "QC-CN-36B-OFFER"]
    assert measure(verdict, "mde").text() == (
        "the Major Defense Equipment value this Modification adds, $0, is under the "
        "$14,000,000 threshold"
    )
    assert measure(verdict, "total").basis == "cumulative"  # $30,960,000: under $50,000,000


# -- the table ------------------------------------------------------------------------------------


def test_the_real_table_names_resolve_or_await_their_rows() -> None:
    table = load_table()
    countries = load_reference().countries
    # The names countries.yaml promises to use for these rows when their codes are confirmed.
    promised = {"Japan", "Australia", "Republic of Korea", "Israel", "New Zealand"}
    countries_text = (Path(table_text("cn36b")[0]).parent / "countries.yaml").read_text()
    assert all(f'"{name}"' in countries_text for name in promised)
    for group in table.groups:
        for member in group.members:
            if not member.codes:
                # awaiting its row: one of the names countries.yaml says it will use
                assert member.name in promised, member.name
            else:
                assert all(countries[c]["name"] for c in member.codes)
    assert {g.id for g in table.groups} == {"nato_plus", "other"}
    assert [p.start.isoformat() for p in table.periods] == ["1981-12-29", "2002-09-30"]


def test_an_awaiting_name_is_used_once_its_row_exists() -> None:
    table = table_with(NAMED_ROWS)
    assert not table.awaiting
    japan = next(m for g in table.groups for m in g.members if m.name == "Japan")
    assert japan.codes == ("T1",)


def test_a_table_with_an_unknown_country_name_fails_to_load() -> None:
    _, text = table_text("cn36b")
    bad = text.replace("      - name: Israel\n", "      - name: Isreal\n", 1)
    bad = re.sub(r"(name: Isreal\n(?:        .*\n)*?)        awaiting_row: true\n", r"\1", bad)
    with pytest.raises(LoagenError) as caught:
        table_with(NAMED_ROWS, bad)
    message = str(caught.value)
    line_no = next(i for i, t in enumerate(bad.splitlines(), 1) if "name: Isreal" in t)
    assert f"line {line_no}" in message
    assert "'Isreal' is not the name of any row of countries.yaml (did you mean 'Israel'?)" in (
        message
    )
    assert "mark it awaiting_row: true" in message


def test_a_table_missing_a_group_s_thresholds_fails_to_load() -> None:
    _, text = table_text("cn36b")
    bad = re.sub(r"      nato_plus: \{mde: 25000000.*\n", "", text)
    with pytest.raises(LoagenError) as caught:
        table_with(None, bad)
    assert "no thresholds for nato_plus" in str(caught.value)


def test_names_match_in_any_order_and_without_brackets() -> None:
    assert name_forms("Republic of Korea") & name_forms("Korea, Republic of")
    assert name_forms("Philippines") & name_forms("The Philippines (FMF cases)")
    assert not name_forms("Israel") & name_forms("Isreal")


def test_measures_are_whole_dollars_of_the_cost_summary(chain) -> None:
    data = sale("BN", 10 * M)
    document = chain(data)
    m = measure(assess(document), "total")
    assert m.value == document.costs.total_estimated_cost
    assert isinstance(m.value, Decimal)


def test_problems_alone_are_the_assessment_s_word_for_word(chain) -> None:
    """`problems` (what the checks use) skips the summary only: every kind of problem, with
    and without an earlier document, comes out as `assess` words it."""
    unknown = sale("ZZ", 20 * M, date="2026-02-20")
    unknown["document"]["congressional_notification"] = {"number": "26-07", "date": "2026-02-01"}
    beyond = sale("BN", 60 * M)
    beyond["document"]["congressional_notification"] = {
        "number": "26-07", "date": "2026-01-10", "mde_value": 55 * M, "total_value": 58 * M,
    }  # fmt: skip
    early = sale("BN", 20 * M, date="2026-01-20")
    early["document"]["congressional_notification"] = {"number": "26-07", "date": "2026-01-10"}
    split = sale("BN", 5 * M)  # MDE and design and construction on different lines
    split["lines"].append(mde_line("002", 9 * M, major_defense_equipment=False))
    split["lines"].append(mde_line("003", 250 * M, design_and_construction=True))
    split["lines"].append(mde_line("004", 9 * M - 1))
    basic = sale("BN", 20 * M)
    amd = next_document(basic)
    amd["lines"].append(mde_line("002", 15 * M))
    documents = [chain(d) for d in (sale("BN", 1 * M), unknown, beyond, early, split)]
    documents.append(chain(basic, amd))
    seen = set()
    for document in documents:
        verdict = assess(document)
        assert problems(document) == verdict.problems
        seen |= {p.what for p in verdict.problems}
    assert seen == {"missing", "offer", "review", "beyond"}
