"""Wording rules: dates, line references, descriptions, purchaser reference."""

from __future__ import annotations

import copy
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loagen.case.history import compare
from loagen.case.loading import parse_case
from loagen.case.model import Line
from loagen.document.assembly import base_date, latest_offer_expiration
from loagen.document.costs import LineCost, cost_summary
from loagen.document.nomenclature import (
    SPELLED_COUNTS,
    counted_name,
    left_inverted,
    line_name,
    plural_word,
    pluralise,
    reader_name,
    without_stated_count,
)
from loagen.document.wording import (
    NO_SCOPE_CHANGE,
    NOTE_HELPERS,
    _same,
    case_description,
    item_name,
    line_refs,
    list_words,
    money,
    party,
    purchaser_reference,
    quantity,
    rates_before,
    reason_phrase,
    spell_date,
    state_description,
    surcharge_note,
)

from .conftest import case_text, example


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
    # an int is taken as a Decimal; `cents` overrides what the amount shows
    assert money(1500) == "$1,500"
    assert money(Decimal("1234.5"), cents=False) == "$1,235"
    assert money(Decimal("1E+3"), cents=True) == "$1,000.00"
    assert money(Decimal("0.005")) == "$0.01"


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
    # the nickname ends the sentence that says what the document does, as on a Basic or an
    # Amendment: never after the full stop of the no-scope sentence
    assert text.endswith("(C-130J Aircraft). There is no change in scope to this document.")
    # the reason is already in the purpose: not said twice
    assert text.count("contract slippage") == 1


def test_the_nickname_ends_the_sentence_on_what_the_document_does() -> None:
    amendment = example("BN-D-QAA/amendment-1")
    amendment["nickname"] = "Airlift Upgrade"
    amendment["document"]["cancelled"] = [{"kind": "Modification", "number": 2}]
    case, changes = _doc(example("BN-D-QAA/basic"), amendment)
    text = case_description(case, changes)
    assert "requirement (Airlift Upgrade). Modification 2 was cancelled" in text
    assert text.endswith("is not reused.")


def test_a_modification_that_changes_what_a_line_buys_does_not_say_no_change_in_scope() -> None:
    before, mod = example("BN-D-QAA/amendment-1"), example("BN-D-QAA/modification-1")
    mod["lines"][1]["description"] = "FLIGHT SIMULATOR"  # was SUPPORT EQUIPMENT: another item
    case, changes = _doc(before, mod)
    assert NO_SCOPE_CHANGE not in case_description(case, changes)
    mod["lines"][1]["description"] = "Support Equipment"  # the same item reworded
    case, changes = _doc(before, mod)
    assert NO_SCOPE_CHANGE in case_description(case, changes)
    mod["lines"][4]["training"]["performance_period"] = "3 years"  # was 18 months
    case, changes = _doc(before, mod)
    assert NO_SCOPE_CHANGE not in case_description(case, changes)


def test_an_amendment_that_changes_what_a_line_buys_names_the_item() -> None:
    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    amendment["lines"][3].update(description="AIRCREW FLIGHT MANUALS", masl="A1C130J00MAN")
    aircraft = amendment["lines"][0]
    aircraft.update(description="KC-130J AIRCRAFT", nomenclature="KC-130J Aircraft")
    case, changes = _doc(basic, amendment)
    text = state_description(case, changes)
    # every aircraft the line now buys is added (not the difference of two quantities)
    assert f"(MDE): {aircraft['quantity']} KC-130J Aircraft and 2 C-130J Aircraft." in text
    assert "aircrew flight manuals" in text


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


@pytest.mark.parametrize(
    ("reason", "joined"),
    [
        # a request is made "at", not "due to" it
        ("the Benefitting Partner's request", " at the Benefitting Partner's request"),
        ("the request of the Purchaser", " at the request of the Purchaser"),
        ("the Purchaser's written request for earlier delivery",
         " at the Purchaser's written request for earlier delivery"),
        ("a request from the Purchaser", " due to a request from the Purchaser"),
        # a participle before "by" is no verb of a clause: not "because additional ..."
        ("added requirements requested by the Purchaser",
         " due to added requirements requested by the Purchaser"),
        ("the Purchaser requested more spares", " because the Purchaser requested more spares"),
    ],
)  # fmt: skip
def test_a_request_reads_at_the_request(reason, joined) -> None:
    assert reason_phrase("increases Line 002", reason) == joined


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
    assert state_description(case, changes) == (
        "Major Defense Equipment (MDE): 20 M113A3 Armored Personnel Carriers (excess, as-is, "
        "where-is). Other defense articles and services: refurbishment of excess M113A3 "
        "vehicles, monocular night vision devices AN/PVS-14, and operator and maintainer "
        "training (mobile training team). End item supported: M113A3."
    )
    case, changes = _doc(example("BN-D-QAA/basic"))
    assert state_description(case, changes) == (
        "Major Defense Equipment (MDE): 2 C-130J Aircraft. Other defense articles and services: "
        "support equipment, initial spares and repair parts, technical orders, pilot and "
        "maintenance training, and technical assistance. End item supported: C-130J."
    )
    case, changes = _doc(example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1"))
    text = state_description(case, changes)
    assert text == (
        "Adds Major Defense Equipment (MDE): 2 C-130J Aircraft. Increases: support "
        "equipment, initial spares and repair parts, and technical assistance. End item "
        "supported: C-130J."
    )
    assert "technical orders" not in text  # unchanged lines are not restated


def test_a_price_alone_adds_nothing_to_the_state_description() -> None:
    # A Modification that raises the price of a defined order line adds no item: "No items or
    # services are added", never "Increases: ..." under "no change in scope".
    basic = example("BN-D-QAA/basic")
    dearer = copy.deepcopy(basic)
    dearer["document"] = {"kind": "Modification", "number": 1, "previous": "basic.json",
                          "implementation_date": "2025-08-01",
                          "purpose": "increases the estimated costs of Line 006"}  # fmt: skip
    service = next(ln for ln in dearer["lines"] if ln["number"] == "006")
    service["unit_cost"] += 100000
    case, changes = _doc(basic, dearer)
    assert changes.for_line("006").value_up and not changes.scope_changed
    assert state_description(case, changes).startswith("No items or services are added.")
    # more of it on a blanket order line is more scope, and is said
    for doc in (basic, dearer):
        doc["category"] = "blanket_order"
    case, changes = _doc(basic, dearer)
    assert "Increases: technical assistance." in state_description(case, changes)
    # on an Amendment, more value on a lot line is more of it (support equipment, services)
    dearer["category"] = basic["category"] = "defined_order"
    dearer["document"].update(kind="Amendment", offer_expiration_date="2025-12-01")
    case, changes = _doc(basic, dearer)
    assert "Increases: technical assistance." in state_description(case, changes)


def test_state_description_list_with_commas_takes_semicolons() -> None:
    case, changes = _doc(example("BN-B-TAB/basic"))
    assert state_description(case, changes) == (  # (the MASL's 'LIGHT TACTICAL VEHICLE, 4X4')
        "Other defense articles and services: light tactical vehicles, 4X4; spare and repair "
        "parts; and driver and maintenance training. End item supported: Light Tactical Vehicle."
    )
    data = example("BN-B-TAB/basic")
    data["lines"][0]["description"] = "KIT, MODIFICATION, WITH CABLES"  # a name with commas
    case, changes = _doc(data)
    assert state_description(case, changes) == (
        "Other defense articles and services: kits, modification, with cables; spare and repair "
        "parts; and driver and maintenance training. End item supported: Light Tactical Vehicle."
    )


def _javelin(quantity: int, **fields) -> dict:
    data = example("BN-D-QAA/basic")
    mde = data["lines"][0]
    mde.update(
        description="JAVELIN COMMAND LAUNCH UNIT", quantity=quantity, unit_of_issue="EA", **fields
    )
    data["lines"] = [mde, data["lines"][1]]
    return data


def test_state_description_quantity_one_is_singular_and_many_plural() -> None:
    case, changes = _doc(_javelin(60))
    assert state_description(case, changes).startswith(
        "Major Defense Equipment (MDE): 60 Javelin Command Launch Units. Other defense articles "
        "and services: support equipment."
    )
    case, changes = _doc(_javelin(1))
    assert state_description(case, changes).startswith(
        "Major Defense Equipment (MDE): 1 Javelin Command Launch Unit. "
    )


def test_state_description_uses_the_writers_nomenclature() -> None:
    named = {"nomenclature": "Javelin CLU", "nomenclature_plural": "Javelin CLUs"}
    case, changes = _doc(_javelin(60, **named))
    assert state_description(case, changes).startswith(
        "Major Defense Equipment (MDE): 60 Javelin CLUs."
    )
    case, changes = _doc(_javelin(1, **named))
    assert state_description(case, changes).startswith(
        "Major Defense Equipment (MDE): 1 Javelin CLU."
    )
    # without a plural of the writer's, the writer's name takes the English plural
    case, changes = _doc(_javelin(3, nomenclature="Command Launch Unit (CLU), Javelin"))
    assert "MDE): 3 Command Launch Units (CLU), Javelin." in state_description(case, changes)
    # a non-MDE line named by the writer: the name as written
    data = _javelin(2)
    data["lines"][1]["nomenclature"] = "Javelin Support Equipment"
    case, changes = _doc(data)
    assert "Other defense articles and services: Javelin Support Equipment." in (
        state_description(case, changes)
    )


def test_amendment_adding_quantity_counts_only_what_it_adds() -> None:
    basic = _javelin(60)
    amendment = copy.deepcopy(basic)
    amendment["document"].update(
        kind="Amendment", number=1, previous="basic.json", implementation_date="2025-04-01",
        offer_expiration_date="2025-09-30", purpose="adds launch units",
    )  # fmt: skip
    amendment["lines"][0]["quantity"] = 61
    case, changes = _doc(basic, amendment)
    assert state_description(case, changes) == (
        "Adds Major Defense Equipment (MDE): 1 Javelin Command Launch Unit. "
        "End item supported: C-130J."
    )
    amendment["lines"][0]["quantity"] = 100
    case, changes = _doc(basic, amendment)
    assert state_description(case, changes).startswith(
        "Adds Major Defense Equipment (MDE): 40 Javelin Command Launch Units."
    )


def test_the_writers_state_description_is_printed_as_written() -> None:
    data = example("BN-D-QAA/basic")
    data["state_description"] = "  60 JAVELIN CLU as the writer wants it.  "
    case, changes = _doc(data)
    assert state_description(case, changes) == "60 JAVELIN CLU as the writer wants it."


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], ""),
        (["support equipment"], "support equipment"),
        # the comma keeps an item's own 'and' apart from the list's
        (["spare and repair parts", "training"], "spare and repair parts, and training"),
        (["vehicles, 4X4", "training"], "vehicles, 4X4; and training"),
        (["a", "b", "c"], "a, b and c"),
        (["a", "spare and repair parts", "c"], "a, spare and repair parts, and c"),
        (["vehicles, 4X4", "parts", "training"], "vehicles, 4X4; parts; and training"),
    ],
)
def test_list_words(items, expected) -> None:
    assert list_words(items) == expected


# -- nomenclature: MASL capitals to normal case, plurals --------------------------------------


@pytest.mark.parametrize(
    ("masl", "mde", "other", "mde_plural"),
    [
        ("JAVELIN COMMAND LAUNCH UNIT", "Javelin Command Launch Unit",
         "Javelin command launch unit", "Javelin Command Launch Units"),
        ("AIM-9X BLOCK II TACTICAL MISSILE", "AIM-9X Block II Tactical Missile",
         "AIM-9X Block II tactical missile", "AIM-9X Block II Tactical Missiles"),
        ("M1A2 ABRAMS TANK", "M1A2 Abrams Tank", "M1A2 Abrams tank", "M1A2 Abrams Tanks"),
        ("BATTERY, LITHIUM", "Lithium Battery", "lithium battery", "Lithium Batteries"),
        ("HELLFIRE MISSILE", "Hellfire Missile", "Hellfire missile", "Hellfire Missiles"),
        ("AN/APG-83 RADAR", "AN/APG-83 Radar", "AN/APG-83 radar", "AN/APG-83 Radars"),
        ("ROCKET MOTOR", "Rocket Motor", "rocket motor", "Rocket Motors"),
        ("SPARE PARTS", "Spare Parts", "spare parts", "Spare Parts"),
        ("BOX", "Box", "box", "Boxes"),
        ("LAUNCH UNIT, COMMAND", "Command Launch Unit", "command launch unit",
         "Command Launch Units"),
        ("C-130J AIRCRAFT", "C-130J Aircraft", "C-130J aircraft", "C-130J Aircraft"),
        ("MK-54 TORPEDO", "MK-54 Torpedo", "MK-54 torpedo", "MK-54 Torpedoes"),
        ("GPS SAASM RECEIVER", "GPS SAASM Receiver", "GPS SAASM receiver", "GPS SAASM Receivers"),
        ("CONUS TRAINING", "CONUS Training", "CONUS training", "CONUS Training"),
        ("RADIO SET AN/PRC-117G", "Radio Set AN/PRC-117G", "radio set AN/PRC-117G",
         "Radio Sets AN/PRC-117G"),
        ("SET OF TOOLS FOR M1A2", "Set of Tools for M1A2", "set of tools for M1A2",
         "Sets of Tools for M1A2"),
        ("KIT, MODIFICATION, WITH CABLES", "Kit, Modification, with Cables",
         "kit, modification, with cables", "Kits, Modification, with Cables"),
        ("M113A3 ARMORED PERSONNEL CARRIER (EXCESS)", "M113A3 Armored Personnel Carrier (excess)",
         "M113A3 armored personnel carrier (excess)", "M113A3 Armored Personnel Carriers (excess)"),
        ("AIR-TO-AIR MISSILE", "Air-to-Air Missile", "air-to-air missile", "Air-to-Air Missiles"),
        ("UH-60M BLACK HAWK HELICOPTER", "UH-60M Black Hawk Helicopter",
         "UH-60M Black Hawk helicopter", "UH-60M Black Hawk Helicopters"),
        ("NVD MOUNT", "NVD Mount", "NVD mount", "NVD Mounts"),
        # languages, peoples and countries keep their capital in lower-case names
        ("ENGLISH LANGUAGE TRAINING", "English Language Training", "English language training",
         "English Language Training"),
        ("FLIGHT TRAINING IN THE CONTINENTAL UNITED STATES",
         "Flight Training in the Continental United States",
         "flight training in the continental United States",
         "Flight Training in the Continental United States"),
        ("HANDHELD GPS", "Handheld GPS", "handheld GPS", "Handheld GPS"),
        # a word that numbers a model keeps its capital: Block 70, Mod 3
        ("F-16 BLOCK 70", "F-16 Block 70", "F-16 Block 70", "F-16 Block 70"),
        # a designator of several words after the noun goes before it
        ("INITIAL SPARE PARTS, MK 38 MOD 3", "MK 38 Mod 3 Initial Spare Parts",
         "MK 38 Mod 3 initial spare parts", "MK 38 Mod 3 Initial Spare Parts"),
        ("MISSILE, AIM-9X BLOCK II", "AIM-9X Block II Missile", "AIM-9X Block II missile",
         "AIM-9X Block II Missiles"),
        # other words before a number are ordinary words
        ("SPARES FOR 12 AIRCRAFT", "Spares for 12 Aircraft", "spares for 12 aircraft",
         "Spares for 12 Aircraft"),
        ("AIM-9X", "AIM-9X", "AIM-9X", "AIM-9X"),
        ("Support Equipment", "Support Equipment", "Support Equipment", "Support Equipment"),
        ("SPARES, REPAIR PARTS", "Spares, Repair Parts", "spares, repair parts",
         "Spares, Repair Parts"),
        ("TECHNICAL ASSISTANCE", "Technical Assistance", "technical assistance",
         "Technical Assistance"),
        ("CREWMAN HELMET", "Crewman Helmet", "crewman helmet", "Crewman Helmets"),
        ("KNIFE, COMBAT", "Combat Knife", "combat knife", "Combat Knives"),
        # inversions of several modifiers, and designators, in reading order
        ("PUBLICATIONS, TECHNICAL, JAVELIN", "Javelin Technical Publications",
         "Javelin technical publications", "Javelin Technical Publications"),
        ("GOGGLE, NIGHT VISION, AN/PVS-31A", "AN/PVS-31A Night Vision Goggle",
         "AN/PVS-31A night vision goggle", "AN/PVS-31A Night Vision Goggles"),
        ("UNMANNED AIRCRAFT SYSTEM, SCANEAGLE", "ScanEagle Unmanned Aircraft System",
         "ScanEagle unmanned aircraft system", "ScanEagle Unmanned Aircraft Systems"),
        ("TRAINING, JAVELIN GUNNER", "Javelin Gunner Training", "Javelin gunner training",
         "Javelin Gunner Training"),
        ("CREW TRAINING, PATROL CRAFT", "Patrol Craft Crew Training",
         "patrol craft crew training", "Patrol Craft Crew Training"),
        ("MISSILE, TOW-2B", "TOW-2B Missile", "TOW-2B missile", "TOW-2B Missiles"),
        # a designator that starts with a digit would stand beside a count: kept last
        ("LIGHT TACTICAL VEHICLE, 4X4", "Light Tactical Vehicle, 4X4",
         "light tactical vehicle, 4X4", "Light Tactical Vehicles, 4X4"),
        # inversions of three or more parts: sizes after the designators, a field of work
        # ('MECHANICS') as a modifier; never a digit first, beside a count
        ("TRUCK, CARGO, 5 TON, M1083A1P2", "M1083A1P2 5-ton Cargo Truck",
         "M1083A1P2 5-ton cargo truck", "M1083A1P2 5-ton Cargo Trucks"),
        ("KIT, TOOL, MECHANICS", "Mechanics Tool Kit", "mechanics tool kit",
         "Mechanics Tool Kits"),
        ("SHELTER, EXPANDABLE, 20 FT, AN/TSQ-9X", "AN/TSQ-9X 20-ft Expandable Shelter",
         "AN/TSQ-9X 20-ft expandable shelter", "AN/TSQ-9X 20-ft Expandable Shelters"),
        ("GENERATOR, DIESEL, 10 KW", "Diesel Generator, 10-kw", "diesel generator, 10-kw",
         "Diesel Generators, 10-kw"),
        ("CARTRIDGE, 30MM, HIGH EXPLOSIVE DUAL PURPOSE",
         "High Explosive Dual Purpose Cartridge, 30MM",
         "high explosive dual purpose cartridge, 30MM",
         "High Explosive Dual Purpose Cartridges, 30MM"),
        # a part mixing a size, plain words and a designator; a designator with its acronym;
        # a noun joined by 'and' takes the designator before it
        ("CARTRIDGE, 5.56MM BALL M855", "M855 5.56MM Ball Cartridge",
         "M855 5.56MM ball cartridge", "M855 5.56MM Ball Cartridges"),
        ("CARTRIDGE, 7.62MM TRACER", "Tracer Cartridge, 7.62MM", "tracer cartridge, 7.62MM",
         "Tracer Cartridges, 7.62MM"),
        ("SPARE PARTS, M1152A1 HMMWV", "M1152A1 HMMWV Spare Parts", "M1152A1 HMMWV spare parts",
         "M1152A1 HMMWV Spare Parts"),
        ("TRUCK, UTILITY, M1152A1 HMMWV", "M1152A1 HMMWV Utility Truck",
         "M1152A1 HMMWV utility truck", "M1152A1 HMMWV Utility Trucks"),
        ("OPERATOR AND MAINTAINER TRAINING, M1152A1", "M1152A1 Operator and Maintainer Training",
         "M1152A1 operator and maintainer training", "M1152A1 Operator and Maintainer Training"),
        ("REPAIR PARTS, M2 MACHINE GUN", "M2 Machine Gun Repair Parts",
         "M2 machine gun repair parts", "M2 Machine Gun Repair Parts"),
        # the parties keep their capital, as in the rest of the document (loa-facts 5.1)
        ("DATABASE FOR THE PURCHASER'S RANGES", "Database for the Purchaser's Ranges",
         "database for the Purchaser's ranges", "Databases for the Purchaser's Ranges"),
        ("LIAISON WITH U.S. GOVERNMENT OFFICES", "Liaison with U.S. Government Offices",
         "liaison with U.S. Government offices", "Liaisons with U.S. Government Offices"),
        ("KIT, PURCHASER", "Purchaser Kit", "Purchaser kit", "Purchaser Kits"),
        # a quoted name is kept as written, and the plural goes on the noun before it
        ("RADIO SET \u201cMK II\u201d", "Radio Set \u201cMK II\u201d",
         "radio set \u201cMK II\u201d", "Radio Sets \u201cMK II\u201d"),
    ],
)  # fmt: skip
def test_masl_description_in_normal_case(masl, mde, other, mde_plural) -> None:
    assert reader_name(masl, title=True) == mde
    assert reader_name(masl, title=False) == other
    assert pluralise(mde) == mde_plural


@pytest.mark.parametrize(
    ("word", "plural"),
    [
        ("battery", "batteries"), ("display", "displays"), ("key", "keys"), ("box", "boxes"),
        ("switch", "switches"), ("brush", "brushes"), ("fuze", "fuzes"), ("gas", "gases"),
        ("lens", "lenses"), ("harness", "harnesses"), ("bus", "buses"), ("axis", "axes"),
        ("knife", "knives"), ("shelf", "shelves"), ("roof", "roofs"), ("torpedo", "torpedoes"),
        ("radio", "radios"), ("crewman", "crewmen"), ("human", "humans"), ("foot", "feet"),
        ("aircraft", "aircraft"), ("spacecraft", "spacecraft"), ("equipment", "equipment"),
        ("ammunition", "ammunition"), ("materiel", "materiel"), ("software", "software"),
        ("hardware", "hardware"), ("support", "support"), ("training", "training"),
        ("assistance", "assistance"), ("personnel", "personnel"), ("series", "series"),
        ("parts", "parts"), ("services", "services"), ("chassis", "chassis"),
        ("Battery", "Batteries"), ("Knife", "Knives"), ("Torpedo", "Torpedoes"),
        ("Launcher-Loader", "Launcher-Loaders"), ("BOX", "BOXES"), ("unit", "units"),
    ],
)  # fmt: skip
def test_plural_word(word, plural) -> None:
    assert plural_word(word) == plural


_MASL_WORD = st.one_of(
    st.from_regex(r"[A-Z]{1,10},?", fullmatch=True),
    st.from_regex(r"[A-Z]{1,3}-?[0-9]{1,3}[A-Z]?", fullmatch=True),  # C-130J, MK-54, AIM-9X
    st.from_regex(r"AN/[A-Z]{3}-[0-9]{1,3}[A-Z]?", fullmatch=True),  # AN/APG-83
    st.sampled_from(
        [
            "OF",
            "AND",
            "FOR",
            "WITH",
            "(EXCESS)",
            "II",
            "GPS",
            "BATTERY",
            "BOX",
            "BLACK",
            "HAWK",
            "AS-IS,",
            "4X4",
            "W/",
            "KNIFE",
        ]
    ),  # fmt: skip
)
_MASL = st.lists(_MASL_WORD, min_size=1, max_size=7).map(" ".join) | st.text(max_size=60)


def _designators(text: str) -> list[str]:
    """The words holding a digit, between spaces and punctuation (a size read before a noun,
    '5-ton', is the number and the unit the MASL gives: '5 TON'), in any order: a MASL
    inversion may move them."""
    text = re.sub(r"(?<=\d)-(?=[a-z])", " ", text)
    return sorted(w for w in re.split(r"[\s,;:()\[\]]+", text) if any(c.isdigit() for c in w))


def _words(text: str) -> list[str]:
    text = re.sub(r"(?<=\d)-(?=[a-z])", " ", text)  # a size: '5-ton' is '5 TON'
    return sorted(re.sub(r"[,;:()\[\]]", " ", text).lower().split())


@given(_MASL, st.booleans())
def test_normal_case_never_fails_nor_changes_digits_or_designators(text, title) -> None:
    name = reader_name(text, title=title)
    plural = pluralise(name)
    for out in (name, plural):
        assert [c for c in out if c.isdigit()] == [c for c in text if c.isdigit()]
        assert _designators(out) == _designators(text)
    # the same words, in normal case (a MASL inversion only moves them)
    assert _words(name) == _words(text)
    # the plural only changes the head noun
    assert len(plural.split()) == len(name.split())
    assert sum(a != b for a, b in zip(plural.split(), name.split(), strict=True)) <= 1
    assert reader_name(name, title=title) == name  # normal case is left as it is


@given(st.lists(_MASL.filter(case_text), min_size=1, max_size=4), st.integers(1, 500))
def test_state_description_never_fails_on_any_description(descriptions, count) -> None:
    data = example("BN-D-QAA/basic")
    for ln, text in zip(data["lines"], descriptions, strict=False):
        ln["description"] = text
    data["lines"][0]["quantity"] = count
    case, changes = _doc(data)
    out = state_description(case, changes)
    mde = out.removeprefix("Major Defense Equipment (MDE): ")
    assert mde != out
    # the count in figures before the name, in words before a name that starts with a number
    # (up to ten), else after it; never beside a number of the name
    spelled = f"{SPELLED_COUNTS[count - 1]} " if count <= len(SPELLED_COUNTS) else f"{count:,} "
    assert mde.startswith((f"{count:,} ", spelled)) or f"({count:,} EA)" in mde
    assert not re.match(r"\d[\d,]* \d", mde)
    assert out.endswith("End item supported: C-130J.")


@given(st.lists(st.sampled_from(["a", "b, c", "d and e", "f"]), max_size=6))
def test_list_words_keeps_every_item(items) -> None:
    text = list_words(items)
    for item in items:
        assert item in text


def _line(description: str, quantity: str, unit: str, **fields) -> Line:
    data = example("BN-D-QAA/basic")["lines"][1]  # support equipment, materiel
    data.update(description=description, quantity=quantity, unit_of_issue=unit, **fields)
    return Line.model_validate(data)


@pytest.mark.parametrize(
    ("line", "name", "counted"),
    [
        (_line("JAVELIN COMMAND LAUNCH UNIT", "60", "EA", major_defense_equipment=True),
         "Javelin Command Launch Units", "60 Javelin Command Launch Units"),
        (_line("JAVELIN COMMAND LAUNCH UNIT", "1", "EA", major_defense_equipment=True),
         "Javelin Command Launch Unit", "1 Javelin Command Launch Unit"),
        (_line("TACTICAL RADIO SET", "200", "EA"), "tactical radio sets", "200 tactical radio sets"),
        (_line("VEHICLE INSTALLATION KIT", "3", "KT"), "vehicle installation kits",
         "3 vehicle installation kits"),
        # a lot or a measure: as named, the quantity after it
        (_line("SPARE AND REPAIR PARTS", "1", "LO"), "spare and repair parts",
         "spare and repair parts (1 LO)"),
        (_line("HYDRAULIC FLUID", "12.5", "GL"), "hydraulic fluid", "hydraulic fluid (12.5 GL)"),
        # packages hold several items
        (_line("CARTRIDGE, 5.56MM", "40", "BX"), "cartridges, 5.56MM", "cartridges, 5.56MM (40 BX)"),
        # a service's quantity counts tasks, not the items it names
        (_line("REFURBISHMENT OF EXCESS M113A3 VEHICLES", "20", "EA", kind="services"),
         "refurbishment of excess M113A3 vehicles",
         "refurbishment of excess M113A3 vehicles (20 EA)"),
        (_line("BOX", "2", "EA", nomenclature="Crate", nomenclature_plural="Crates Complete"),
         "Crates Complete", "2 Crates Complete"),
    ],
)  # fmt: skip
def test_line_name_and_counted_name(line, name, counted) -> None:
    assert line_name(line) == name
    assert counted_name(line, line.quantity, quantity(line.quantity)) == counted


def test_item_name_note_helper() -> None:
    many = _line("BATTERY, LITHIUM", "120", "EA")
    assert item_name(many) == "lithium batteries"
    assert item_name(many, counted=True) == "120 lithium batteries"
    one = _line("BATTERY, LITHIUM", "1", "EA", nomenclature="Lithium Battery Pack")
    assert item_name(one, counted=True) == "1 Lithium Battery Pack"
    lot = _line("SUPPORT EQUIPMENT", "1", "LO")
    assert item_name(lot) == item_name(lot, counted=True) == "support equipment"
    assert NOTE_HELPERS["item_name"] is item_name


def test_rates_before_gives_the_rates_of_older_lines_oldest_first() -> None:
    def cost(number: str, rate: str, day: date | None) -> LineCost:
        return LineCost(number, Decimal(1000), Decimal(rate), day, Decimal(0))

    change = date(2018, 6, 1)
    lines = [
        cost("001", "0.032", date(2026, 3, 31)),  # written after the day: not an old rate
        cost("002", "0.035", date(2014, 3, 31)),
        cost("003", "0", date(2009, 1, 31)),  # waived or exempt: no rate of its own
        cost("004", "0.038", date(2010, 7, 15)),
        cost("005", "0.038", date(2011, 2, 1)),
        cost("006", "0.032", None),  # date not known
    ]
    assert rates_before(lines, change) == "3.8 or 3.5"
    assert rates_before(lines[:3], change) == "3.5"
    assert rates_before([lines[0], lines[2], lines[5]], change) == ""
    assert NOTE_HELPERS["rates_before"] is rates_before


def test_grouped_puts_equal_models_together_and_different_ones_apart() -> None:
    # Each line holds its own (equal or not) designation object: grouped compares values.
    prime = {"firm": "Acme Corp", "role": "prime"}
    lines = [
        _line("RADIO", "1", "EA", number="001", sole_source=prime),
        _line("RADIO", "1", "EA", number="002", sole_source={**prime, "role": "subcontractor"}),
        _line("RADIO", "1", "EA", number="003", sole_source=dict(prime)),
        _line("RADIO", "1", "EA", number="004"),
        _line("RADIO", "1", "EA", number="005", sole_source={**prime, "authority": "10 USC"}),
    ]
    assert lines[0].sole_source is not lines[2].sole_source
    groups = NOTE_HELPERS["grouped"](lines, "sole_source")
    assert [[ln.number for ln in members] for _, members in groups] == [
        ["001", "003"],
        ["002"],
        ["004"],
        ["005"],
    ]
    assert [key for key, _ in groups] == [
        lines[0].sole_source,
        lines[1].sole_source,
        None,
        lines[4].sole_source,
    ]


def test_by_approval_groups_waivers_by_reference_and_date_only() -> None:
    # Each line's copy of one approval names the line's own MASL: still one approval.
    def waived(number: str, reference: str, day: str, masl: str) -> Line:
        waiver = {"reference": reference, "date": day, "masl": masl}
        return _line("RADIO", "1", "EA", number=number,
                     nonrecurring_cost={"amount": 1000, "waiver": waiver})  # fmt: skip

    lines = [
        waived("001", "I-27/000001", "2027-01-05", "A1RADIO00001"),
        waived("002", "I-27/000002", "2027-01-05", "A1RADIO00002"),
        waived("003", "I-27/000001", "2027-01-05", "A1RADIO00003"),
        waived("004", "I-27/000001", "2027-02-01", "A1RADIO00004"),
    ]
    groups = NOTE_HELPERS["by_approval"](lines, "nonrecurring_cost.waiver")
    assert [[ln.number for ln in members] for _, members in groups] == [
        ["001", "003"], ["002"], ["004"],
    ]  # fmt: skip
    assert [(w.reference, w.date.isoformat()) for w, _ in groups] == [
        ("I-27/000001", "2027-01-05"), ("I-27/000002", "2027-01-05"),
        ("I-27/000001", "2027-02-01"),
    ]  # fmt: skip


def test_same_decides_as_pydantic_equality() -> None:
    # `_same` compares case models by their field dicts: that decides as `==` only while a
    # case model keeps nothing else there (no private attributes, extras or cached values).
    case = parse_case(example("BN-D-QAA/basic"))
    models = [case, *case.lines, *(ln.sole_source for ln in case.lines if ln.sole_source)]
    for model in models:
        assert model.__dict__.keys() == type(model).model_fields.keys()
        assert model.__pydantic_private__ is None and not model.__pydantic_extra__
    one, other = case.lines[0], case.lines[1]
    for a, b in [
        (one, other),
        (one, one.model_copy()),
        (one, Line.model_validate(one.model_dump())),
        (one, one.model_copy(update={"quantity": one.quantity + 1})),
        (case, case.model_copy()),
        (one, None),
        ("001", "001"),
        (Decimal("1.0"), Decimal("1")),
    ]:
        assert _same(a, b) == (a == b) == _same(b, a)


# -- the administrative charge under the cost summary ------------------------------------------


def test_the_surcharge_note_names_the_lines_that_bear_none_and_why() -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][5]["scml"] = True
    chain = (parse_case(data),)
    costs = cost_summary(
        chain, base_date=base_date(chain), latest_oed=latest_offer_expiration(chain)
    )
    note = surcharge_note(costs)
    assert note == (
        "Administrative charge at 3.2% of the Net Estimated Cost of the lines, by the date each "
        "line was written. Line 006 bears none: the Small Case Management Line bears no "
        "administrative surcharge."
    )
    assert "0.0%" not in note


def test_a_decrease_reads_with_its_sign_before_the_dollar() -> None:
    assert money(Decimal(-3250000)) == "-$3,250,000"
    assert money(Decimal("-12.5")) == "-$12.50"
    assert money(Decimal("-0.004")) == "$0.00"  # rounds to nothing: no sign
    assert money(Decimal("-0.4"), cents=False) == "$0"


@pytest.mark.parametrize(
    ("description", "end_item", "said"),
    [
        ("RADIO SET, TACTICAL", "Tactical Radio", ""),  # 'tactical radio set' says it
        ("SUPPORT EQUIPMENT, JAVELIN", "Javelin", ""),
        ("PILOT AND MAINTENANCE TRAINING", "C-130J", " for the C-130J"),
        ("SUPPORT EQUIPMENT", None, ""),
        # The name's own "for ..." phrase: not a second "for".
        (
            "WHIP ANTENNA KIT FOR WHEELED VEHICLES",
            "Manpack Radio",
            " (used with the Manpack Radio)",
        ),
        ("FORKLIFT TRAINING", "C-130J", " for the C-130J"),  # 'forklift' is not 'for'
    ],
)
def test_for_end_item_is_said_only_where_the_name_does_not_say_it(
    description: str, end_item: str | None, said: str
) -> None:
    from loagen.document.wording import for_end_item

    assert for_end_item(_line(description, "1", "LO", end_item=end_item)) == said


def test_when_a_payment_is_due_is_said_as_the_schedule_prints_it() -> None:
    from loagen.document.costs import PaymentRow
    from loagen.document.wording import due_words

    one = Decimal(1)
    assert (
        due_words(PaymentRow("Quarterly Payment", date(2027, 3, 15), one, one)) == "15 March 2027"
    )
    assert due_words(PaymentRow("Initial Deposit", None, one, one)) == "With acceptance"
    assert due_words(PaymentRow("Balance", None, one, one, as_billed=True)) == "As billed"


def test_a_count_of_a_mass_noun_counts_items_of_it() -> None:
    equipment = _line("SECURE COMMUNICATIONS EQUIPMENT (COMSEC)", "32", "EA")
    assert counted_name(equipment, Decimal(32), "32") == (
        "32 items of secure communications equipment (COMSEC)"
    )
    assert counted_name(equipment, Decimal(1), "1") == (
        "1 item of secure communications equipment (COMSEC)"
    )
    aircraft = _line("C-130J AIRCRAFT", "2", "EA")  # no plural, but counted: as it is
    assert counted_name(aircraft, Decimal(2), "2") == "2 C-130J aircraft"


@pytest.mark.parametrize(
    ("unit", "four", "one"),
    [
        ("SE", "4 sets of", "1 set of"),
        ("KT", "4 kits of", "1 kit of"),
        ("OT", "4 outfits of", "1 outfit of"),
        ("AY", "4 assemblies of", "1 assembly of"),
        ("UN", "4 units of", "1 unit of"),
    ],
)
def test_a_count_of_a_mass_noun_counts_what_its_unit_of_issue_counts(unit, four, one) -> None:
    # 4 SE of aircraft survivability equipment are 4 sets, each of several items: "4 items of"
    # would say 4 items in all
    equipment = _line("AIRCRAFT SURVIVABILITY EQUIPMENT", "4", unit)
    assert counted_name(equipment, Decimal(4), "4") == f"{four} aircraft survivability equipment"
    assert counted_name(equipment, Decimal(1), "1") == f"{one} aircraft survivability equipment"


@pytest.mark.parametrize(
    ("description", "left"),
    [
        ("KIT, MODIFICATION, WITH CABLES", True),  # a clause: cannot be put in order
        ("RADIO, ANTENNAS, AN/PRC-117G", True),  # a list after the noun
        ("KIT, TOOL, MECHANICS", False),  # put in reading order
        ("SPARES, REPAIR PARTS", False),  # a list, which reads as written
        ("LIGHT TACTICAL VEHICLE, 4X4", False),  # a designator after the name
        ("MISSILE, AIM-9X BLOCK II", False),  # put in reading order
        ("SPARE PARTS, M1152A1 HMMWV", False),
        ("OPERATOR AND MAINTAINER TRAINING, M1152A1", False),
        ("SUPPORT EQUIPMENT", False),
        # a noun of several words, or a part that cannot be put in order, qualifying it
        ("OPERATOR AND MAINTAINER TRAINING, BASIC COURSE", True),
        ("CARTRIDGE CASE, 4X4 BALL", True),
        ("CARTRIDGE, 4X4 BALL", True),
        ("FMSO I EQUITY, PATROL BOAT SPARE PARTS", False),  # a list
    ],
)
def test_a_name_left_in_the_masl_order_is_told(description, left) -> None:
    assert left_inverted(description) is left


def test_a_three_part_masl_name_reads_in_order_in_the_state_description() -> None:
    data = example("BN-D-QAA/basic")
    data["lines"][0].update(description="TRUCK, CARGO, 5 TON, M1083A1P2", quantity=40)
    data["lines"][1]["description"] = "KIT, TOOL, MECHANICS"
    case, changes = _doc(data)
    out = state_description(case, changes)
    assert out.startswith("Major Defense Equipment (MDE): 40 M1083A1P2 5-ton Cargo Trucks.")
    assert "services: mechanics tool kit, " in out  # (a lot: named as one)


def test_a_masl_part_mixing_a_size_and_a_designator_reads_in_order() -> None:
    # 'CARTRIDGE, 5.56MM BALL M855' printed "cartridges, 5.56MM ball M855", and 'SPARE PARTS,
    # M1152A1 HMMWV' "spare parts, M1152A1 HMMWV", in the State description
    data = example("BN-D-QAA/basic")
    data["lines"][1].update(
        description="CARTRIDGE, 7.62MM TRACER M62", quantity=5000, unit_of_issue="EA"
    )
    data["lines"][2]["description"] = "SPARE PARTS, M998 HMMWV"
    case, changes = _doc(data)
    out = state_description(case, changes)
    assert "M62 7.62MM tracer cartridges" in out
    assert "M998 HMMWV spare parts" in out
    assert ", 7.62MM" not in out and "parts, M998" not in out


@pytest.mark.parametrize(
    ("purpose", "printed"),
    [
        ("Provides for 40 trucks.", "This LOA provides for 40 trucks"),
        ("to provide 40 trucks", "This LOA provides 40 trucks"),
        ("To Supply spare parts", "This LOA supplies spare parts"),
        ("This LOA Extends the MOS", "This LOA extends the MOS"),
        ("40 M1083 trucks", "This LOA 40 M1083 trucks"),  # not a verb: QC-PURPOSE-VERB says so
        ("Javelin missiles", "This LOA Javelin missiles"),  # a name keeps its capital
    ],
)
def test_the_purpose_reads_after_this_loa(purpose, printed) -> None:
    data = example("BN-D-QAA/basic")
    data["document"]["purpose"] = purpose
    case, changes = _doc(data)
    assert case_description(case, changes) == f"{printed} ({case.nickname})."


def test_an_amendment_says_what_it_adds_apart_from_what_it_increases() -> None:
    basic = example("BN-D-QAA/basic")
    amended = copy.deepcopy(example("BN-D-QAA/amendment-1"))
    # Line 002 now buys another item (another MASL): added, as a new line is
    spares = next(ln for ln in amended["lines"] if ln["number"] == "002")
    spares.update(masl="A1C130J00TST", description="TEST EQUIPMENT", nomenclature=None)
    new = copy.deepcopy(next(ln for ln in amended["lines"] if ln["number"] == "006"))
    new.update(number="008", masl="R1C130J00ENG", description="ENGINEERING SERVICES")
    new.pop("nomenclature", None)
    amended["lines"].append(new)
    case, changes = _doc(basic, amended)
    text = state_description(case, changes)
    assert "Adds: test equipment and engineering services." in text, text
    assert "Increases: initial spares and repair parts, and technical assistance." in text, text
    assert "Adds or increases" not in text
    # an Amendment that only adds says nothing of increases
    only_added = copy.deepcopy(basic)
    only_added["document"] = copy.deepcopy(amended["document"])
    only_added["lines"].append(new)
    case, changes = _doc(basic, only_added)
    text = state_description(case, changes)
    assert "Adds: engineering services." in text and "Increases" not in text, text


@pytest.mark.parametrize(
    ("typed", "mde", "other"),
    [
        # typed in normal case: the words in capitals are acronyms and designators, kept
        ("C-130J aircraft, qty 2 w/ GFE", "C-130J aircraft, qty 2 w/ GFE",
         "C-130J aircraft, qty 2 w/ GFE"),
        ("night vision goggle AN/PVS-14 with NVG mount", "night vision goggle AN/PVS-14 with NVG mount",
         "night vision goggle AN/PVS-14 with NVG mount"),
        ("GFM kit for CONUS training", "GFM kit for CONUS training", "GFM kit for CONUS training"),
        ("Support Equipment", "Support Equipment", "Support Equipment"),
        # a MASL description with a word of the writer's is a MASL description still
        ("M113A3 ARMORED PERSONNEL CARRIER (excess)", "M113A3 Armored Personnel Carrier (excess)",
         "M113A3 armored personnel carrier (excess)"),
        ("Javelin COMMAND LAUNCH UNIT", "Javelin Command Launch Unit",
         "Javelin command launch unit"),
        # a unit after a figure, or a letter inside a designator, is no sign of normal case
        ("CARTRIDGE, 30 mm", "Cartridge, 30 mm", "cartridge, 30 mm"),
        ("5.56mm BALL CARTRIDGE", "5.56mm Ball Cartridge", "5.56mm ball cartridge"),
    ],
)  # fmt: skip
def test_a_description_typed_in_normal_case_keeps_its_capitals(typed, mde, other) -> None:
    assert reader_name(typed, title=True) == mde
    assert reader_name(typed, title=False) == other


@pytest.mark.parametrize(
    ("name", "without"),
    [
        ("C-130J aircraft, qty 2 w/ GFE", "C-130J aircraft w/ GFE"),
        ("C-130J aircraft (qty. 2)", "C-130J aircraft"),
        ("radios (2)", "radios"),
        ("radios (2 each), with batteries", "radios, with batteries"),
        ("2 each radios", "radios"),
        ("M4 carbines, quantity: 40, with optics", "M4 carbines, with optics"),
        # numbers that are no count of the item are kept
        ("spares for 12 aircraft", "spares for 12 aircraft"),
        ("F-16 Block 70 aircraft", "F-16 Block 70 aircraft"),
        ("11-meter rigid hull inflatable boats", "11-meter rigid hull inflatable boats"),
        ("qty 2", "qty 2"),  # nothing else: the name as it is
    ],
)  # fmt: skip
def test_a_count_a_name_states_is_found(name, without) -> None:
    assert without_stated_count(name) == without


def test_a_count_is_printed_once_and_acronyms_as_typed_in_the_state_description() -> None:
    data = _javelin(2)
    data["lines"][0]["description"] = "C-130J aircraft, qty 2 w/ GFE"
    case, changes = _doc(data)
    assert state_description(case, changes).startswith(
        "Major Defense Equipment (MDE): 2 C-130J aircraft w/ GFE. "
    )
    # an Amendment adds 2 to a line whose name says 4: the count is the document's, once
    data["lines"][0].update(quantity=4, description="C-130J aircraft (qty 4)")
    amendment = copy.deepcopy(data)
    amendment["document"].update(
        kind="Amendment", number=1, previous="basic.json", implementation_date="2025-04-01",
        offer_expiration_date="2025-09-30", purpose="adds two aircraft",
    )  # fmt: skip
    amendment["lines"][0]["quantity"] = 6
    case, changes = _doc(data, amendment)
    assert state_description(case, changes).startswith(
        "Adds Major Defense Equipment (MDE): 2 C-130J aircraft. "
    )


@pytest.mark.parametrize(
    ("count", "counted"),
    [
        ("1", "one 11-meter rigid hull inflatable boat"),
        ("4", "four 11-meter rigid hull inflatable boats"),
        ("10", "ten 11-meter rigid hull inflatable boats"),
        # over ten, in figures: after the name, as any quantity that follows a name
        ("12", "11-meter rigid hull inflatable boats (12 EA)"),
        ("1200", "11-meter rigid hull inflatable boats (1,200 EA)"),
    ],
)
def test_a_count_never_stands_beside_a_name_that_starts_with_a_number(count, counted) -> None:
    boat = _line("BOAT, RIGID HULL INFLATABLE, 11 METER", count, "EA",
                 nomenclature="11-meter rigid hull inflatable boat")  # fmt: skip
    assert counted_name(boat, boat.quantity, quantity(boat.quantity)) == counted
    assert item_name(boat, counted=True) == counted  # the line note: "This line provides ..."
    # a name that starts with a letter keeps the count in figures before it
    raft = _line("RAFT", count, "EA", nomenclature="inflatable raft, 11-meter")
    assert counted_name(raft, raft.quantity, quantity(raft.quantity)).startswith(
        f"{quantity(raft.quantity)} inflatable raft"
    )
