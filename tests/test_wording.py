"""Wording rules: dates, line references, descriptions, purchaser reference."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loagen.case.history import compare
from loagen.case.loading import parse_case
from loagen.document.wording import (
    case_description,
    line_refs,
    money,
    party,
    purchaser_reference,
    reason_phrase,
    spell_date,
    state_description,
)

from .conftest import example


def _doc(*docs):
    cases = [parse_case(d) for d in docs]
    return cases[-1], compare(cases[-2] if len(cases) > 1 else None, cases[-1])


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_dates_are_spelled_out(day: date) -> None:
    text = spell_date(day)
    assert text == f"{day.day} {day.strftime('%B')} {day.year}"
    assert "/" not in text and not text.startswith("0")


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        (["001"], "Line 001"),
        (["003", "001", "002"], "Lines 001-003"),
        (["001", "002"], "Lines 001 and 002"),
        (["001", "002", "003", "005"], "Lines 001-003 and 005"),
        (["001", "003", "005"], "Lines 001, 003 and 005"),
        (["001a", "001b", "001c"], "Sublines 001a-c"),
        ([], ""),
    ],
)
def test_line_refs(numbers, expected) -> None:
    assert line_refs(numbers) == expected


def test_money() -> None:
    assert money(Decimal("165000000")) == "$165,000,000"
    assert money(Decimal("1234.5")) == "$1,234.50"


def test_basic_case_description() -> None:
    case, changes = _doc(example("BN-D-QAA/basic"))
    assert case_description(case, changes) == (
        "This LOA provides for two C-130J aircraft, support equipment, spares, technical orders, "
        "pilot and maintenance training and technical assistance (C-130J Aircraft)."
    )


def test_amendment_case_description_joins_purpose_and_reason() -> None:
    case, changes = _doc(example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1"))
    assert case_description(case, changes) == (
        "This Amendment provides for two additional C-130J aircraft and increases associated "
        "support equipment, spares and technical assistance to meet the Purchaser's expanded "
        "airlift requirement (C-130J Aircraft)."
    )


def test_modification_without_scope_change_says_so_and_ends_with_nickname() -> None:
    case, changes = _doc(example("BN-D-QAA/amendment-1"), example("BN-D-QAA/modification-1"))
    text = case_description(case, changes)
    assert text.startswith("This Modification extends the Months on the support equipment line")
    assert text.endswith("There is no change in scope to this document. (C-130J Aircraft)")
    # the reason is already in the purpose: not said twice
    assert text.count("contract slippage") == 1


def test_restated_and_case_closure() -> None:
    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    amendment["document"]["restated"] = {"previous_offer_date": "2016-07-16"}
    case, changes = _doc(basic, amendment)
    text = case_description(case, changes)
    assert text.startswith(
        "This Amendment is a RESTATED document which supersedes the previous version offered on "
        "16 July 2016. It provides for two additional C-130J aircraft"
    )
    mod = example("BN-D-QAA/modification-1")
    mod["document"].update(
        case_closure=True,
        purpose="decreases all remaining lines to the highest financial requirement",
        reason=None,
    )
    case, changes = _doc(example("BN-D-QAA/amendment-1"), mod)
    assert case_description(case, changes).startswith(
        "This Modification is for CASE CLOSURE, which decreases all remaining lines"
    )


def test_reason_phrase() -> None:
    assert (
        reason_phrase("increases Line 002", "to cover price increases")
        == " to cover price increases"
    )
    assert reason_phrase("increases Line 002", "contract award") == " due to contract award"
    assert reason_phrase("decreases Line 004", "all deliveries are complete") == (
        " because all deliveries are complete"
    )
    assert reason_phrase("decreases Line 003 due to contract award", "contract award") == ""
    assert reason_phrase("x", None) == ""


def test_purchaser_reference_oldest_first_and_usg_review() -> None:
    case, _ = _doc(example("BN-D-QAA/basic"))  # written newest first in the file
    assert purchaser_reference(case) == (
        "Based on BN/MODAT/2312 dated 14 February 2024 and BN/MODAT/2398 dated 3 May 2024"
    )
    mod, _ = _doc(example("BN-D-QAA/modification-1"))
    assert purchaser_reference(mod) == "Based on U.S. Government Review"


def test_party() -> None:
    assert party(parse_case(example("BN-B-TAB/basic"))) == "Benefitting Partner"
    assert party(parse_case(example("BN-B-ZEA/basic"))) == "Purchaser"


def test_state_description() -> None:
    case, changes = _doc(example("BN-B-ZEA/basic"))
    text = state_description(case, changes)
    assert text.startswith("Major Defense Equipment (MDE): 20 M113A3 ARMORED PERSONNEL CARRIER")
    assert "MONOCULAR NIGHT VISION DEVICE AN/PVS-14" in text
    assert text.endswith("End item supported: M113A3.")
    case, changes = _doc(example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1"))
    text = state_description(case, changes)
    assert text.startswith("Adds Major Defense Equipment (MDE): 2 C-130J AIRCRAFT.")
    assert "TECHNICAL ORDERS" not in text  # unchanged lines are not restated
