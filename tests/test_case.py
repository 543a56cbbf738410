"""The case model: every example loads; invalid input reports every problem with its path."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from loagen.case.loading import load_case, load_chain, parse_case
from loagen.case.model import case_schema
from loagen.errors import CaseError, HistoryError

from .conftest import CASES, CONTRACT_EXAMPLES, SHARED_EXAMPLES, example, write_chain

EXAMPLES = sorted(CASES.glob("*/*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_loads(path: Path) -> None:
    loaded = load_case(path)
    assert loaded.case.case_id == path.parent.name
    assert len(loaded.sha256) == 64


def test_cases_folder_holds_every_shared_example() -> None:
    if not SHARED_EXAMPLES.is_dir():
        pytest.skip("../shared/examples is not beside this checkout")
    for shared in SHARED_EXAMPLES.glob("*/*.json"):
        ours = CASES / shared.parent.name / shared.name
        assert ours.read_text() == shared.read_text(), f"cases/ copy of {shared} differs"


def test_yaml_and_json_give_the_same_case(tmp_path: Path) -> None:
    data = example("BN-B-ZEA/basic")
    (tmp_path / "basic.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    assert load_case(tmp_path / "basic.yaml").case == load_case(CASES / "BN-B-ZEA/basic.json").case


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][2]["source_code"] = "Q"
    data["lines"][0]["numbr"] = "001"
    del data["nickname"]
    data["document"]["offer_expiration_date"] = "30/06/2025"
    with pytest.raises(CaseError) as info:
        parse_case(data, source=Path("case.json"))
    found = {(p.location, p.message) for p in info.value.problems}
    locations = {loc for loc, _ in found}
    assert locations == {
        "lines[2].source_code",
        "lines[0].numbr",
        "nickname",
        "document.offer_expiration_date",
    }
    messages = dict(found)
    assert "expected one of E, F, P, R, S, X" in messages["lines[2].source_code"]
    assert "did you mean 'number'" in messages["lines[0].numbr"]
    assert messages["nickname"] == "required field is missing"
    assert "YYYY-MM-DD" in messages["document.offer_expiration_date"]
    assert all(p.source == Path("case.json") for p in info.value.problems)
    assert "4 problems" in str(info.value)


@pytest.mark.parametrize(
    ("written", "years"),
    [("FY26", (2026,)), ("FY 2026", (2026,)), ("2026", (2026,)), ("fy2025/2026", (2025, 2026)),
     ("FY25-FY27", (2025, 2026, 2027))],
)  # fmt: skip
def test_a_fiscal_year_reads_as_the_years_of_the_funds(written: str, years: tuple) -> None:
    data = example("BN-B-TAB/amendment-1")
    data["fund_source"]["fiscal_year"] = written
    source = parse_case(data).fund_source
    assert source is not None and source.fiscal_years == years
    assert source.fiscal_year == written  # printed as written


@pytest.mark.parametrize(
    "written", ["next year", "FY", "FY2026/2020", "26/27/28", "FY 202", "FY2026 O&M", "FY٢٠٢٦"]
)
def test_a_fiscal_year_that_names_no_year_is_taken_as_written_with_no_years(written: str) -> None:
    # (a document built before the year was read must still load: QC-BPC-FISCAL-YEAR asks)
    data = example("BN-B-TAB/amendment-1")
    data["fund_source"]["fiscal_year"] = written
    source = parse_case(data).fund_source
    assert source is not None and source.fiscal_year == written and source.fiscal_years == ()


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("$1,850,000", Decimal(1850000)),
        ("$ 12.50", Decimal("12.50")),
        ("1850000", Decimal(1850000)),
    ],
)
def test_an_amount_may_be_written_with_its_dollar_sign(written: str, read: Decimal) -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][0]["unit_cost"] = written
    assert parse_case(data).lines[0].unit_cost == read


@pytest.mark.parametrize(
    ("written", "readings"),
    [
        ("7.250", "did you mean 7,250 or 7.25?"),
        ("$7.250", "did you mean 7,250 or 7.25?"),
        ("7,250.000", "did you mean 7,250,000 or 7,250.00?"),
    ],
)
def test_an_amount_with_zeros_after_its_cents_is_refused_as_ambiguous(
    written: str, readings: str
) -> None:
    """'7.250' may be a European 7,250 (the point separating thousands) as well as 7.25: read
    as the smaller, the price would print a thousand times too low without a word."""
    data = example("BN-D-QAA/basic")
    data["lines"][1]["unit_cost"] = written
    with pytest.raises(CaseError) as info:
        parse_case(data)
    (problem,) = info.value.problems
    assert problem.location == "lines[1].unit_cost"
    assert problem.message.startswith(f"got '{written}': {readings}")


def test_an_amount_written_with_three_decimals_unquoted_is_refused_too(tmp_path: Path) -> None:
    """A float in YAML or JSON keeps the text written: 4.500 is not read as 4.5 silently."""
    data = example("BN-D-QAA/basic")
    data["lines"][0]["unit_cost"] = "@COST@"
    for suffix in (".json", ".yaml"):
        path = tmp_path / f"basic{suffix}"
        dumped = json.dumps(data, indent=2) if suffix == ".json" else yaml.safe_dump(data)
        path.write_text(dumped.replace('"@COST@"', "4.500").replace("'@COST@'", "4.500"))
        with pytest.raises(CaseError) as info:
            load_case(path)
        assert "got '4.500': did you mean 4,500 or 4.50?" in str(info.value)
        path.write_text(dumped.replace('"@COST@"', "4.50").replace("'@COST@'", "4.50"))
        assert load_case(path).case.lines[0].unit_cost == Decimal("4.5")


@pytest.mark.parametrize(
    ("written", "readings"),
    [("2.500", "did you mean 2,500 or 2.5?"), ("24.000", "did you mean 24,000 or 24?")],
)
def test_a_quantity_with_three_decimals_ending_in_zero_is_refused_as_ambiguous(
    tmp_path: Path, written: str, readings: str
) -> None:
    """'2.500' pounds may be a European 2,500 as well as 2.5: read as the smaller, the line
    would print a thousandth of its value without a word. Quoted or not, JSON or YAML."""
    data = example("BN-D-QAA/basic")
    data["lines"][0].update(unit_of_issue="LB", quantity="@QTY@")
    for suffix in (".json", ".yaml"):
        path = tmp_path / f"basic{suffix}"
        dumped = json.dumps(data, indent=2) if suffix == ".json" else yaml.safe_dump(data)
        for shown in (written, f'"{written}"'):
            path.write_text(dumped.replace('"@QTY@"', shown).replace("'@QTY@'", shown))
            with pytest.raises(CaseError) as info:
                load_case(path)
            assert f"got '{written}': {readings}" in str(info.value), (suffix, shown)


@pytest.mark.parametrize(("written", "read"), [("2.5", "2.5"), ("2.125", "2.125"), ("0.500", "0.5"),
                                               ("1,200.000", "1200")])  # fmt: skip
def test_a_quantity_that_reads_one_way_only_is_read_as_written(written: str, read: str) -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][0].update(unit_of_issue="LB", quantity=written)
    assert parse_case(data).lines[0].quantity == Decimal(read)


@pytest.mark.parametrize(("written", "read"), [("19.5", "19.5"), ("19.50", "19.5"), ("0.000", "0")])
def test_an_amount_with_two_decimals_or_fewer_is_read_as_written(written: str, read: str) -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][1]["unit_cost"] = written
    assert parse_case(data).lines[1].unit_cost == Decimal(read)


def test_an_amount_with_more_zeros_after_its_cents_is_refused() -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][1]["unit_cost"] = "1,019.5000"
    with pytest.raises(CaseError) as info:
        parse_case(data)
    assert "at most two decimal places (write 1,019.50)" in info.value.problems[0].message


def test_a_dollar_sign_is_not_a_quantity_and_a_bad_amount_is_quoted_as_written() -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][0]["quantity"] = "$2"
    data["lines"][1]["unit_cost"] = "$12,50"
    with pytest.raises(CaseError) as info:
        parse_case(data)
    found = {p.location: p.message for p in info.value.problems}
    assert found["lines[0].quantity"] == "got '$2'; expected a number"
    assert found["lines[1].unit_cost"].startswith("got '$12,50'; a comma may only group thousands")


def test_a_waiver_amount_is_what_the_schema_says_for_each_kind() -> None:
    # NATO AWACS loads without an amount (its note works the surcharges out from the lines); a
    # reciprocal training waiver needs one (its note states the indirect costs and trainee
    # billeting too, which the lines do not give), and the schema's text says so.
    awacs = example("BN-D-QAA/basic")
    awacs["case_id"] = "N1-D-QAA"
    awacs["admin_surcharge_waiver"] = {"kind": "nato_awacs"}
    assert parse_case(awacs).admin_surcharge_waiver.amount is None
    data = example("BN-D-QAA/basic")
    data["admin_surcharge_waiver"] = {
        "kind": "reciprocal_training", "lines": ["005"], "agreement_title": "Pilot Training",
        "agreement_effective_date": "2019-10-01", "reimbursed_by": "The Air Force",
        "obligation_document": "MOD-1",
    }  # fmt: skip
    with pytest.raises(CaseError) as info:
        parse_case(data)
    message = {p.location: p.message for p in info.value.problems}["admin_surcharge_waiver"]
    assert message.startswith("a reciprocal_training waiver needs amount; amount is the ")
    assert "indirect costs and trainee billeting charges it waives" in message
    described = case_schema()["$defs"]["AdminSurchargeWaiver"]["properties"]["amount"]
    text = " ".join(described["description"].split())
    assert "Reciprocal training: required" in text
    assert "NATO AWACS: the administrative surcharges (absent: loagen works them out" in text


def test_a_code_or_word_in_other_capitals_is_read_in_its_own_form() -> None:
    """'ea' is EA, 'Materiel' is materiel: the code is data (as `lines import` reads it), and
    the document prints the code's own form."""
    data = example("BN-D-QAA/basic")
    proper = parse_case(example("BN-D-QAA/basic"))
    for line in data["lines"]:
        line.update(
            {k: line[k].lower() for k in ("offer_release_code", "unit_of_issue") if k in line}
        )
        line["source_code"] = line["source_code"].lower()
        line["kind"] = line["kind"].title()
    data["terms_of_sale"] = [t.upper() for t in data["terms_of_sale"]]
    data["funding"] = data["funding"].title()
    case = parse_case(data)
    assert [ln.unit_of_issue for ln in case.lines] == [ln.unit_of_issue for ln in proper.lines]
    assert case.model_dump() == proper.model_dump()


def test_a_code_in_other_capitals_that_is_no_code_is_still_refused() -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][2]["unit_of_issue"] = "eaa"
    data["lines"][0]["kind"] = "Materials"
    with pytest.raises(CaseError) as info:
        parse_case(data)
    found = {p.location: p.message for p in info.value.problems}
    assert found["lines[2].unit_of_issue"].startswith("'eaa' is not a known Unit of Issue")
    assert found["lines[0].kind"].startswith("got 'Materials'; expected one of")


def test_a_field_written_in_the_wrong_object_is_told_where_it_belongs() -> None:
    """A field indented out of its block is no typo: 'did you mean purchaser' would mislead."""
    data = example("BN-D-QAA/basic")
    data["nickname_of"] = "x"  # a typo is still a typo
    data["offer_expiration_date"] = data["document"].pop("offer_expiration_date")
    data["lines"][0]["reason"] = "the Purchaser's request"
    data["masl"] = data["lines"][1].pop("masl")
    with pytest.raises(CaseError) as info:
        parse_case(data)
    found = {p.location: p.message for p in info.value.problems}
    assert found["nickname_of"] == "unknown field 'nickname_of' (did you mean 'nickname'?)"
    assert found["offer_expiration_date"].startswith(
        "'offer_expiration_date' is not a field here but of document: indent it under"
    )
    assert found["lines[0].reason"].startswith("'reason' is not a field here but of document")
    assert found["masl"].startswith("'masl' is not a field here but of each item of lines")


def test_previous_may_name_its_file_with_a_dot_slash(tmp_path: Path) -> None:
    """`previous: ./basic.json` is the file beside it, as a shell writes it; other paths are
    still refused."""
    amendment = write_chain(
        tmp_path / "BN-D-QAA", example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    )
    data = json.loads(amendment.read_text())
    data["document"]["previous"] = "./basic.json"
    amendment.write_text(json.dumps(data))
    assert [f.path.name for f in load_chain(amendment)] == ["basic.json", "amendment-1.json"]
    data["document"]["previous"] = "./../BN-D-QAA/basic.json"
    amendment.write_text(json.dumps(data))
    with pytest.raises(HistoryError, match="not a path"):
        load_chain(amendment)


def test_bare_line_number_is_refused_with_a_hint() -> None:
    data = example("BN-P-WRS/basic")
    data["lines"][0]["number"] = 1
    with pytest.raises(CaseError) as info:
        parse_case(data)
    assert 'e.g. "001"' in info.value.problems[0].message


@pytest.mark.parametrize(
    ("change", "location", "words"),
    [
        (
            lambda d: d["document"].update(kind="Modification"),
            "document",
            "no offer expiration date",
        ),
        (lambda d: d["document"].update(number=2), "document", "a Basic has no number"),
        (
            lambda d: d["document"].update(
                kind="Modification", number=1, offer_expiration_date=None
            ),
            "document",
            "a Modification needs 'previous': the snapshot it changes",
        ),
        (lambda d: d.update(case_id="BN-D-QA"), "case_id", "CC-I-XXX"),
        (lambda d: d["lines"][0].update(months="36-12"), "lines[0].months", "after the last"),
        (lambda d: d["lines"][1].update(number="001"), "(top level)", "repeated: 001"),
        (
            lambda d: d.update(terms_of_sale=["Cash Before Delivery"]),
            "terms_of_sale[0]",
            "term of sale",
        ),
        (lambda d: d["lines"][0].update(items=["laser"]), "lines[0].items[0]", "expected one of"),
        (
            lambda d: d["document"].update(offer_expiration_date="0025-06-30"),
            "document.offer_expiration_date",
            "is it a typo?",
        ),
        (
            lambda d: d["lines"][0].update(quantity=-5),
            "lines[0].quantity",
            "got -5; expected a number of at least 0",
        ),
        (
            lambda d: d.setdefault("accessorial", {}).update(transportation="-1.50"),
            "accessorial.transportation",
            "got '-1.50'; expected a number of at least 0",
        ),
        (
            lambda d: d["document"].update(offer_expiration_date="2025-06-31"),
            "document.offer_expiration_date",
            "got '2025-06-31': June 2025 has no day 31",
        ),
        (
            lambda d: d["document"].update(offer_expiration_date="2025-13-01"),
            "document.offer_expiration_date",
            "there is no month 13",
        ),
        (
            lambda d: d["document"].update(offer_expiration_date=datetime(2025, 6, 30, 10, 0)),
            "document.offer_expiration_date",
            "got 2025-06-30 10:00:00, a date and a time; write the date alone, YYYY-MM-DD",
        ),
        (
            lambda d: d["lines"][0].update(unit_cost="12,50"),
            "lines[0].unit_cost",
            "got '12,50'; a comma may only group thousands (1,234,567.89)",
        ),
        (
            lambda d: d["lines"][0].update(quantity="1,00"),
            "lines[0].quantity",
            "a comma may only group thousands",
        ),
        (
            lambda d: d["lines"][0].update(unit_cost="1.005"),
            "lines[0].unit_cost",
            "at most two decimal places",
        ),
        (
            lambda d: d["lines"][0].update(unit_of_issue=7),
            "lines[0].unit_of_issue",
            "'7' is not a known Unit of Issue",
        ),
        (lambda d: d["lines"][0].update(source_code=True), "lines[0].source_code", "got True"),
        (
            lambda d: d["document"].update(offer_date="2025-05-01", accepted_date="2025-04-30"),
            "document",
            "accepted_date is before the document's offer_date",
        ),
        (
            lambda d: d["document"].update(date="2025-05-01", accepted_date="2025-04-30"),
            "document",
            "accepted_date is before the document's date",
        ),
        (
            lambda d: d["document"].update(
                kind="Modification",
                number=1,
                previous="basic.json",
                offer_expiration_date=None,
                accepted_date="2025-06-01",
            ),  # fmt: skip
            "document",
            "a Modification has no accepted_date",
        ),
        (
            # BN-D-QAA's Basic: its offer expires 30 June 2025
            lambda d: d["document"].update(accepted_date="2025-07-01"),
            "document",
            "accepted_date is after the offer_expiration_date",
        ),
    ],
)
def test_contract_rules(change, location: str, words: str) -> None:
    data = example("BN-D-QAA/basic")
    change(data)
    with pytest.raises(CaseError) as info:
        parse_case(data)
    assert any(p.location == location and words in p.message for p in info.value.problems), (
        info.value
    )


def test_a_document_records_the_day_it_was_accepted() -> None:
    data = example("BN-D-QAA/amendment-1")
    assert parse_case(data).document.accepted_date is None  # optional
    data["document"].update(offer_date="2025-05-01", accepted_date="2025-05-01")
    assert parse_case(data).document.accepted_date == date(2025, 5, 1)


_OTHER_DIGITS = {
    "full-width": "０１２３４５６７８９",
    "Arabic-Indic": "٠١٢٣٤٥٦٧٨٩",
    "Devanagari": "०१२३४५६७८९",
}


def _in_digits(script: str, text: str) -> str:
    return text.translate(str.maketrans("0123456789", _OTHER_DIGITS[script]))


@pytest.mark.parametrize("script", sorted(_OTHER_DIGITS))
@pytest.mark.parametrize(
    ("where", "location"),
    [
        (lambda d: d["lines"][0], "number"),
        (lambda d: d["lines"][1], "months"),
        (lambda d: d["lines"][1], "unit_cost"),
        (lambda d: d["lines"][0], "quantity"),
        (lambda d: d["lines"][0], "type_of_assistance"),
        (lambda d: d["document"], "offer_expiration_date"),
    ],
)
def test_codes_numbers_months_and_dates_in_other_digits_are_refused_at_their_field(
    script: str, where, location: str
) -> None:
    """A line number '００１' would print as typed and differ from '001' in a diff; an amount
    or a date in other digits would be read or refused by chance: all are refused alike."""
    data = example("BN-D-QAA/basic")
    data["lines"][1]["months"] = "12-36"
    holder = where(data)
    holder[location] = _in_digits(script, str(holder[location]))
    with pytest.raises(CaseError) as info:
        parse_case(data)
    [problem] = info.value.problems
    assert problem.location.endswith(location)
    assert problem.message.endswith("type the digits 0-9"), problem.message
    assert repr(holder[location]) in problem.message


@pytest.mark.parametrize(
    ("char", "words"),
    [
        ("\x07", "a control character (U+0007), which does not print"),
        ("\x1b", "a control character (U+001B)"),
        ("\x85", "a control character (U+0085)"),
        ("\u202e", "a bidirectional control character (U+202E, right-to-left override)"),
        ("\u2066", "a bidirectional control character (U+2066, left-to-right isolate)"),
    ],
)
@pytest.mark.parametrize(
    ("where", "location"),
    [
        (lambda d: d["purchaser"], "name"),
        (lambda d: d["purchaser"]["address"], 0),
        (lambda d: d["document"], "purpose"),
        (lambda d: d["lines"][2], "description"),
    ],
)
def test_text_with_unseen_characters_is_refused_at_its_field(
    char: str, words: str, where, location
) -> None:
    """A character a writer cannot see would print as a box, vanish or turn the text around
    ("R&D \u202eevil\u202c" shows as "R&D live"): the case file says where it is."""
    data = example("BN-D-QAA/basic")
    holder = where(data)
    holder[location] = "Bandaria " + char + "Sea"
    with pytest.raises(CaseError) as info:
        parse_case(data)
    [problem] = info.value.problems
    assert problem.location.endswith(str(location) if isinstance(location, str) else "[0]")
    assert words in problem.message
    assert "at character 10 (after 'Bandaria ')" in problem.message
    assert problem.message.endswith("delete it (retype the text if you cannot see it)")


def test_half_of_a_utf16_pair_alone_is_refused_in_plain_words(tmp_path: Path) -> None:
    """JSON can write half of a UTF-16 pair alone ("\\udc00"), which is no character."""
    data = example("BN-B-TAB/basic")
    data["document"]["purpose"] = "provides for \udc00 spares"
    path = tmp_path / "basic.json"
    path.write_text(json.dumps(data))  # ASCII: the escape as written
    with pytest.raises(CaseError) as info:
        load_case(path)
    [problem] = info.value.problems
    assert problem.location == "document.purpose"
    assert problem.message.startswith(
        "the text holds a character that is not valid Unicode (\\udc00), at character 14"
    )
    assert "unable to parse" not in str(info.value)


def test_tabs_and_line_breaks_in_text_are_kept() -> None:
    data = example("BN-D-QAA/basic")
    data["document"]["purpose"] = "provides for\ttwo\r\naircraft\n"
    assert parse_case(data).document.purpose == "provides for\ttwo\r\naircraft\n"
    data["nickname"] = " \t\n"
    with pytest.raises(CaseError, match="must not be blank"):
        parse_case(data)


def test_a_line_total_and_the_case_total_are_amounts_within_the_limit() -> None:
    """Every amount of an LOA is at most $999,999,999,999.99: a line's quantity x unit cost,
    the lines together and the lines with their accessorial charges too."""
    from loagen.case.model import MONEY_LIMIT

    data = example("BN-D-QAA/basic")
    data.pop("accessorial", None)
    for line in data["lines"]:
        line.update(quantity=1, unit_cost=0)
    data["lines"][1].update(quantity=3, unit_cost=str(MONEY_LIMIT / 3))  # at the limit: taken
    parse_case(data)
    data["lines"][1]["unit_cost"] = str(MONEY_LIMIT / 3 + Decimal("0.01"))
    with pytest.raises(CaseError) as info:
        parse_case(data)
    [problem] = info.value.problems
    assert problem.location == "lines[1].unit_cost"
    assert problem.message.startswith(
        "the line total, 3 x $333,333,333,333.34 = $1,000,000,000,000.02, is more than an LOA "
        "line can hold (at most $999,999,999,999.99)"
    )

    half = str((MONEY_LIMIT / 2).quantize(Decimal("0.01")))
    data["lines"][1].update(quantity=1, unit_cost=half)
    data["lines"][2].update(quantity=1, unit_cost=half)
    with pytest.raises(CaseError) as info:
        parse_case(data)
    [problem] = info.value.problems
    assert problem.location == "lines"
    assert "the 6 lines come to $1,000,000,000,000, more" in problem.message
    assert "more than an LOA can hold (at most $999,999,999,999.99)" in problem.message

    data["lines"][2]["unit_cost"] = str(Decimal(half) - 1)
    parse_case(data)
    data["accessorial"] = {"transportation": 100}
    with pytest.raises(CaseError, match=r"accessorial charges \(\$100\) come to \$1,0"):
        parse_case(data)


def test_amounts_written_with_thousands_commas_are_read_exactly() -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][0].update(unit_cost="1,234,567.89", quantity="1,000")
    data["lines"][1].update(unit_cost=" 12,000 ")
    case = parse_case(data)
    assert case.lines[0].unit_cost == Decimal("1234567.89")
    assert case.lines[0].quantity == 1000
    assert case.lines[1].unit_cost == 12000


def test_numbers_typed_for_codes_are_accepted() -> None:
    data = example("BN-P-WRS/basic")
    data["lines"][0]["type_of_assistance"] = 3
    data["lines"][0]["delivery_term_code"] = 4
    line = parse_case(data).lines[0]
    assert (line.type_of_assistance, line.delivery_term_code) == ("3", "4")


def test_yaml_values_read_as_a_writer_means_them(tmp_path: Path) -> None:
    """YAML 1.1 would read `010` as eight (octal), `0x10` as sixteen, `1:30` as ninety (base
    60) and `yes` as true: loagen reads case files as YAML 1.2 does, so an amount is never
    changed without a word and a text stays the text written."""
    from loagen.case.loading import parse_case_bytes

    source = yaml.safe_dump(example("BN-B-ZEA/basic"), sort_keys=False)
    lines = source.splitlines()
    first_cost = next(i for i, ln in enumerate(lines) if ln.strip().startswith("unit_cost:"))
    first_quantity = next(i for i, ln in enumerate(lines) if ln.strip().startswith("quantity:"))
    indent = lines[first_cost][: len(lines[first_cost]) - len(lines[first_cost].lstrip())]

    def read(cost: str, quantity: str = "1") -> dict:
        changed = list(lines)
        changed[first_cost] = f"{indent}unit_cost: {cost}"
        changed[first_quantity] = f"{indent}quantity: {quantity}"
        path = tmp_path / "basic.yaml"
        path.write_text("\n".join(changed))
        return parse_case_bytes(path.read_bytes(), path)["lines"][0]

    assert read("010", "010")["unit_cost"] == 10 and read("1", "010")["quantity"] == 10
    assert read("1_250_000")["unit_cost"] == 1250000  # underscores group digits, as before
    assert read("1250000.50")["unit_cost"] == 1250000.5
    for text in ("0x10", "0b101", "1:30", "0o17"):
        assert read(text)["unit_cost"] == text  # text, which the contract then refuses
    path = tmp_path / "basic.yaml"
    with pytest.raises(CaseError) as refused:
        load_case(path)
    assert "line 30, lines[0].unit_cost (Line 001): got '0o17'" in str(refused.value)
    data = yaml.safe_load(source)
    for word in ("yes", "No", "on", "OFF"):
        text = source.replace(f"nickname: {data['nickname']}", f"nickname: {word}", 1)
        path.write_text(text)
        assert parse_case_bytes(path.read_bytes(), path)["nickname"] == word


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2009", " "])
@pytest.mark.parametrize("cents", ["", ".25"])
def test_an_amount_grouped_with_spaces_is_refused_as_a_reader_sees_it(
    tmp_path: Path, space: str, cents: str
) -> None:
    """Pasted from a document or spreadsheet, '1 500 000' holds no-break or thin spaces: shown
    as spaces (no Python escape), with the two ways to write it."""
    data = example("BN-D-QAA/basic")
    whole = int(Decimal(str(data["lines"][0]["unit_cost"])) * 1000 + 1234)
    data["lines"][0]["unit_cost"] = f"{whole:,}".replace(",", space) + cents
    path = tmp_path / "basic.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CaseError) as refused:
        load_case(path)
    (problem,) = refused.value.problems
    assert problem.location == "lines[0].unit_cost"
    shown = f"{whole:,}".replace(",", " ") + cents
    assert problem.message == (
        f"got '{shown}'; spaces do not group thousands: write {whole}{cents} or {whole:,}{cents}"
    )
    assert "\\x" not in str(refused.value)


@pytest.mark.parametrize(
    ("written", "words"),
    [("2026-02-30", "February 2026 has no day 30"), ("2026-13-11", "2026-13-11")],
)
def test_a_date_that_names_no_day_is_refused_at_its_field_quoted_or_not(
    tmp_path: Path, written: str, words: str
) -> None:
    source = yaml.safe_dump(example("BN-B-ZEA/basic"), sort_keys=False)
    oed = example("BN-B-ZEA/basic")["document"]["offer_expiration_date"]
    for value in (written, f"'{written}'"):
        path = tmp_path / "basic.yaml"
        path.write_text(
            source.replace(f"offer_expiration_date: '{oed}'", f"offer_expiration_date: {value}")
        )
        with pytest.raises(CaseError) as refused:
            load_case(path)
        (problem,) = refused.value.problems
        assert problem.location == "document.offer_expiration_date"
        assert words in problem.message


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            lambda s: s.replace("  masl:", "\tmasl:", 1),
            "a tab character: YAML is indented with spaces",
        ),
        (
            lambda s: s.replace("nickname: ", "nickname: Phase 1: ", 1),
            "put the whole value in quotes",
        ),
        (
            lambda s: s.replace("nickname: ", "nickname: 'Phase 1", 1),
            "a quote opened on a line above",
        ),
        (
            lambda s: s.replace("\nprogram:", "\n program:", 1),
            "a field indented further than the one above it",
        ),
    ],
)
def test_yaml_that_does_not_parse_is_said_in_plain_words_with_its_line(
    tmp_path: Path, edit, words: str
) -> None:
    path = tmp_path / "basic.yaml"
    path.write_text(edit(yaml.safe_dump(example("BN-B-ZEA/basic"), sort_keys=False)))
    with pytest.raises(CaseError) as refused:
        load_case(path)
    error = refused.value
    assert words in error.message and error.message.startswith("not valid YAML: ")
    assert error.location.startswith("line ") and error.source_line


def test_unreadable_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="case file not found"):
        load_case(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"case_id": "BN-D-QAA",\n  "program": }')
    with pytest.raises(CaseError) as info:
        load_case(bad)
    assert info.value.location == "line 2, column 14"
    assert "not valid JSON" in str(info.value)
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(CaseError, match="one object"):
        load_case(tmp_path / "list.json")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_case_files_saved_as_unicode_by_windows_tools_load(tmp_path: Path, encoding: str) -> None:
    """Windows PowerShell 5 writes UTF-16 with a byte order mark, Notepad UTF-8 with one: both
    read as the same case; bytes of no encoding loagen reads are a clear error."""
    source = SHARED_EXAMPLES / "BN-D-QAA" / "basic.json"
    bom = {"utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    for suffix in (".json", ".yaml"):
        text = source.read_text()
        if suffix == ".yaml":
            text = yaml.safe_dump(json.loads(text), allow_unicode=True)
        path = tmp_path / f"basic{suffix}"
        path.write_bytes(bom + text.encode(encoding))
        assert load_case(path).case == load_case(source).case
    (tmp_path / "odd.json").write_bytes(b'{"case_id": "BN-D-QAA", "nickname": "\xe9t\xe9"}')
    with pytest.raises(CaseError, match="the case file is not UTF-8 [(]or UTF-16[)] text"):
        load_case(tmp_path / "odd.json")
    (tmp_path / "nul.json").write_bytes(b'{"case_id": "BN\x00"}')
    with pytest.raises(CaseError, match="holds a NUL byte"):
        load_case(tmp_path / "nul.json")


def test_chain_loads_oldest_first() -> None:
    chain = load_chain(CASES / "BN-D-QAA/modification-1.json")
    assert [f.case.document.kind for f in chain] == ["Basic", "Amendment", "Modification"]


def test_broken_chains_are_clear_errors(tmp_path: Path) -> None:
    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    path = write_chain(tmp_path / "a", basic, amendment)
    (path.parent / "basic.json").unlink()
    with pytest.raises(HistoryError, match="previous document 'basic.json' not found") as info:
        load_chain(path)
    assert info.value.location == "document.previous"

    other = example("BN-B-ZEA/basic")
    path = write_chain(tmp_path / "b", other, amendment)
    with pytest.raises(HistoryError, match="belongs to case BN-B-ZEA, not BN-D-QAA"):
        load_chain(path)

    loop = dict(amendment, document=dict(amendment["document"], previous="amendment-1.json"))
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "amendment-1.json").write_text(json.dumps(loop))
    with pytest.raises(HistoryError, match="loops back"):
        load_chain(tmp_path / "c" / "amendment-1.json")


def test_a_chain_followed_through_links_is_the_chain_resolved(tmp_path: Path) -> None:
    """`load_chain` tells the files of a chain apart by the name each has in its folder
    resolved: a file that is not a link by its own name (nothing resolved), a link by the name
    of the file it leads to. A chain read through a linked folder, or through a link in the
    folder, loads as the files it leads to; a link back to the document itself still loops."""
    from loagen.case.loading import _Folder, _identity

    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    real = write_chain(tmp_path / "real", basic, amendment).parent
    (tmp_path / "linked").symlink_to(real, target_is_directory=True)
    (real / "basic-link.json").symlink_to(real / "basic.json")
    folder = _Folder(tmp_path / "linked")
    for name in ("basic.json", "basic-link.json", "missing.json", "amendment-1.json"):
        path = tmp_path / "linked" / name
        assert path.resolve().parent == real
        assert _identity(folder, path, previous=True, source=path) == path.resolve().name
    link = tmp_path / "linked" / "basic-link.json"
    assert _identity(folder, link, previous=True, source=link) == "basic.json"

    chain = load_chain(tmp_path / "linked" / "amendment-1.json")
    assert [f.case.document.kind for f in chain] == ["Basic", "Amendment"]
    relinked = dict(amendment, document=dict(amendment["document"], previous="basic-link.json"))
    (real / "amendment-2.json").write_text(json.dumps(relinked))
    assert load_chain(tmp_path / "linked" / "amendment-2.json")[0].case == chain[0].case

    (real / "self-link.json").symlink_to(real / "amendment-3.json")
    loop = dict(amendment, document=dict(amendment["document"], previous="self-link.json"))
    (real / "amendment-3.json").write_text(json.dumps(loop))
    with pytest.raises(HistoryError, match="loops back"):
        load_chain(tmp_path / "linked" / "amendment-3.json")
    # the document given as a link to a file whose previous is that file: one file, a loop
    (real / "amendment-4.json").write_text(
        json.dumps(
            dict(amendment, document=dict(amendment["document"], previous="amendment-4.json"))
        )
    )
    (real / "doc-link.json").symlink_to(real / "amendment-4.json")
    with pytest.raises(HistoryError, match="loops back"):
        load_chain(tmp_path / "linked" / "doc-link.json")


@pytest.mark.parametrize("raw", [b"\xef\xbb\xbf\xef\xbb\xbf{}", b'{"a": 1,}', b"[1, 2", b"", b"[]"])
def test_json_errors_are_those_of_json_loads(raw: bytes) -> None:
    """The case file's JSON is parsed by a decoder made once: its errors (a second byte order
    mark included) are the ones `json.loads` gives, with their line and column."""
    from loagen.case.loading import parse_case_bytes

    text = raw.decode("utf-8-sig")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        expected = (exc.msg, f"line {exc.lineno}, column {exc.colno}")
    else:
        expected = ("a case file must hold one object with named fields", "")
    with pytest.raises(CaseError) as info:
        parse_case_bytes(raw, Path("case.json"))
    assert expected[0] in info.value.message
    if b",}" not in raw:  # a trailing comma is pointed at where it is (below)
        assert (info.value.location or "") == expected[1]


@pytest.mark.parametrize(
    ("mistake", "line", "words"),
    [
        ('"nickname": "Tugs",\n}', 4, "a comma after the last field of an object: remove it"),
        ('"address": ["1 Quay Road",\n  ]', 4, "a comma after the last item of a list"),
        ('"nickname": "Tugs"\n"category": "x"', 4, "a comma is missing at the end of this line"),
        ("'nickname': \"Tugs\"", 4, "a field name in single quotes"),
        ('"nickname": "Tugs', 4, "a quote is opened and not closed"),
        ('"nickname" "Tugs"', 4, "a colon is missing after a field name"),
        ('"nickname": "the "Sea" Tugs",\n"x": 1', 4, "a double quote inside a text ends it"),
    ],
)
def test_a_json_mistake_is_said_in_plain_words_at_its_line(
    tmp_path: Path, mistake: str, line: int, words: str
) -> None:
    """JSON's parser stops after the mistake (at the closing brace after a trailing comma, at
    the next field after a missing comma): the error names the mistake and its own line."""
    path = tmp_path / "basic.json"
    path.write_text('{\n  "case_id": "BN-D-QZZ",\n  "program": "FMS",\n  ' + mistake + "\n}\n")
    with pytest.raises(CaseError) as info:
        load_case(path)
    error = info.value
    assert error.message.startswith(f"not valid JSON: {words}"), error.message
    assert error.location.startswith(f"line {line}, ")
    assert error.source_line == path.read_text().splitlines()[line - 1]


def test_schema_describes_the_contract() -> None:
    schema = case_schema()
    assert schema["additionalProperties"] is False
    line = schema["$defs"]["Line"]
    codes, other_capitals = line["properties"]["source_code"]["anyOf"]
    assert codes["enum"] == ["E", "F", "P", "R", "S", "X"]
    assert other_capitals["pattern"].startswith("^(?:[eE]|[fF]|")
    assert "MASL description" in line["properties"]["description"]["description"]


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["case_id", "program", "lines", "document", "nickname", "zz"]),
        st.one_of(
            st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)
        ),
    )
)
def test_fuzzed_input_never_escapes_as_anything_but_case_error(data: dict) -> None:
    with pytest.raises(CaseError) as info:
        parse_case(data)
    assert info.value.problems


def test_a_field_written_twice_is_an_error_not_a_silent_loss(tmp_path: Path) -> None:
    text = (CASES / "BN-P-WRS/basic.json").read_text()
    doubled = text.replace(
        '"nickname": "WWRS Seller",', '"nickname": "WWRS Seller",\n  "nickname": "Other",'
    )
    (tmp_path / "basic.json").write_text(doubled)
    with pytest.raises(CaseError, match="'nickname' is written twice"):
        load_case(tmp_path / "basic.json")
    (tmp_path / "basic.yaml").write_text("case_id: BN-P-WRS\nprogram: FMS\nprogram: BPC\n")
    with pytest.raises(CaseError, match="'program' is written twice") as info:
        load_case(tmp_path / "basic.yaml")
    assert info.value.location == "line 3, column 1"


def test_the_contract_examples_are_the_copies_in_cases() -> None:
    """The examples of the input contract are the files of `cases/` a fresh clone tests with."""
    found = sorted(str(p.relative_to(SHARED_EXAMPLES)) for p in SHARED_EXAMPLES.glob("*/*.json"))
    assert found == sorted(CONTRACT_EXAMPLES)
    for name in CONTRACT_EXAMPLES:
        assert (SHARED_EXAMPLES / name).read_bytes() == (CASES / name).read_bytes(), name


def test_which_document_follows_which(tmp_path: Path) -> None:
    from loagen.case.loading import case_files_in, follows

    (tmp_path / "basic.json").write_text('{"case_id": "BN-D-QAA", "document": {"kind": "Basic"}}')
    (tmp_path / "amendment-1.json").write_text(
        '{"case_id": "BN-D-QAA", "document": {"kind": "Amendment", "previous": "./basic.json"}}'
    )
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "notes.txt").write_text("not a case file")
    read, broken = case_files_in(tmp_path)
    assert [p.name for p, _ in read] == ["amendment-1.json", "basic.json"]
    assert [p.name for p, _ in broken] == ["broken.json"]
    data = dict(read)
    assert follows(tmp_path / "amendment-1.json", data[tmp_path / "amendment-1.json"],
                   tmp_path / "basic.json")  # fmt: skip
    assert not follows(tmp_path / "basic.json", data[tmp_path / "basic.json"],
                       tmp_path / "amendment-1.json")  # fmt: skip


def test_a_line_total_over_the_limit_says_whole_dollars_without_a_decimal_point() -> None:
    from .conftest import example

    data = example("BN-D-QAA/basic")
    data["lines"][0].update(quantity=1000000, unit_cost="500000000.0")
    with pytest.raises(CaseError) as refused:
        parse_case(data)
    said = str(refused.value)
    assert "1,000,000 x $500,000,000 = $500,000,000,000,000, is more" in said, said


def test_parsed_case_data_is_kept_by_its_bytes_and_kind(tmp_path: Path) -> None:
    """`parsed_case_bytes` keeps data by the file's bytes and whether it is YAML, for one more
    read: the same bytes give the data parsed before once, other bytes (a file edited in place)
    or the same bytes read as the other kind are parsed anew, and data that does not parse is
    refused each time."""
    from loagen.case.loading import parse_case_bytes, parsed_case_bytes

    path = tmp_path / "basic.json"
    raw = b'{"case_id": "BN-D-QAA", "nickname": "Tugs"}'
    first = parsed_case_bytes(raw, path)
    assert first == parse_case_bytes(raw, path)
    assert parsed_case_bytes(bytes(bytearray(raw)), tmp_path / "other.json") is first
    third = parsed_case_bytes(raw, path)  # (read twice: dropped, parsed again)
    assert third is not first and third == first
    edited = raw.replace(b"Tugs", b"Tags")
    assert parsed_case_bytes(edited, path)["nickname"] == "Tags"
    # the same bytes read as YAML: parsed by the YAML reader (the JSON data is not reused)
    flow = b"{case_id: BN-D-QAA, nickname: Tugs}"
    assert parsed_case_bytes(flow, tmp_path / "basic.yaml")["nickname"] == "Tugs"
    with pytest.raises(CaseError):
        parsed_case_bytes(flow, path)  # not JSON
    with pytest.raises(CaseError):
        parsed_case_bytes(flow, path)  # refused again, not kept
