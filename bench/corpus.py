"""A seeded generator of a realistic corpus of case files for the benchmark and the batch tests.

    python bench/corpus.py OUT_DIR [--docs 1000] [--seed 7]

Writes the `cases/` layout (one folder a case, one JSON file a document version): Basics,
Amendments (lines added, quantities and values increased, a new offer; a line note that states
the line's count rewritten with it, as a careful writer does) and Modifications (in scope:
months moved, values decreased; no quantity changes), each with 5 to 40 lines drawn from the kinds of line an
LOA carries (major defense equipment, support equipment, spares, publications, training,
technical assistance, night vision devices...). The same seed gives the same files.
"""

from __future__ import annotations

import argparse
import json
import random
import string
from datetime import date, timedelta
from pathlib import Path
from typing import Any

PURCHASER = {
    "name": "Ministry of Defence of the Republic of Bandaria",
    "address": ["14 Parade Street", "Port Aster", "Republic of Bandaria"],
}
IMPLEMENTING_AGENCIES = ("B", "D", "P")

# (end item, MASL stem, MDE description, unit cost of one end item)
END_ITEMS = (
    ("C-130J", "A1C130J", "C-130J AIRCRAFT", 82_500_000),
    ("F-16 Block 70", "A1F016B", "F-16 BLOCK 70 AIRCRAFT", 64_000_000),
    ("UH-60M", "B1UH60M", "UH-60M BLACK HAWK HELICOPTER", 21_300_000),
    ("AH-64E", "B1AH64E", "AH-64E APACHE HELICOPTER", 35_800_000),
    ("M1A2", "B1M1A2T", "M1A2 ABRAMS MAIN BATTLE TANK", 9_200_000),
    ("MH-60R", "P1MH60R", "MH-60R SEAHAWK HELICOPTER", 43_100_000),
    ("RQ-21A", "P1RQ21A", "RQ-21A BLACKJACK UNMANNED AIRCRAFT SYSTEM", 18_400_000),
    ("Light Tactical Vehicle", "B1LTV00", "LIGHT TACTICAL VEHICLE, 4X4", 238_000),
)
FIRMS = (
    "Lockheed Martin Corporation",
    "Sikorsky Aircraft Corporation",
    "The Boeing Company",
    "General Dynamics Land Systems",
    "Insitu, Inc.",
    "Harbor Motor Works, Inc.",
)
SUPPORT_LINES = (
    ("SPT", "SUPPORT EQUIPMENT", "materiel", "X", "4", "Y"),
    ("SPR", "INITIAL SPARES AND REPAIR PARTS", "materiel", "X", "4", "Y"),
    ("SPF", "FOLLOW-ON SPARES", "materiel", "X", "4", "Y"),
    ("GSE", "GROUND SUPPORT EQUIPMENT", "materiel", "X", "4", "Y"),
    ("TST", "TEST EQUIPMENT AND TOOLS", "materiel", "P", "5", "Y"),
    ("SIM", "FLIGHT AND MISSION SIMULATOR SUPPORT", "materiel", "P", "5", "Y"),
    ("PUB", "TECHNICAL ORDERS", "publications", "S", "3", "A"),
    ("PUM", "TECHNICAL MANUALS, CHANGES AND REVISIONS", "publications", "S", "3", "A"),
)
SERVICE_LINES = (
    ("TAS", "TECHNICAL ASSISTANCE", "services"),
    ("CLS", "CONTRACTOR LOGISTICS SUPPORT", "services"),
    ("QAT", "QUALITY ASSURANCE TEAM", "services"),
    ("ENG", "ENGINEERING AND TECHNICAL SERVICES", "services"),
    ("PMO", "PROGRAM MANAGEMENT SUPPORT", "services"),
)
TRAINING_LINES = (
    ("TRN", "PILOT AND MAINTENANCE TRAINING"),
    ("OPT", "OPERATOR TRAINING (MOBILE TRAINING TEAM)"),
    ("MNT", "MAINTAINER TRAINING"),
)
FEATURES = (("ammunition", 0.22), ("comsec", 0.08), ("classified_pubs", 0.06), ("medical", 0.05),
            ("travel", 0.15))  # fmt: skip
NUMBERS = (
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
)  # fmt: skip


def _money(rng: random.Random, low: int, high: int, step: int = 10_000) -> int:
    return rng.randrange(low // step, high // step + 1) * step


_NOTE_SENTENCES = [
    "This line provides {item} for the {end_item} fleet of the Purchaser.",
    "Items are provided in the configuration used by U.S. forces unless the Purchaser asks otherwise in writing.",
    "Quantities are estimates and may be adjusted within the line value as requirements are defined.",
    "Deliveries follow the Months of Service shown for this line and may be phased to meet contract lead times.",
    "The Implementing Agency coordinates the configuration with the Purchaser before contract award.",
    "Items no longer produced may be replaced by their current equivalents at no change in scope.",
    "Technical data and manuals needed to operate and maintain the items are provided on the publications line.",
    "The line includes inspection, acceptance testing and preparation for shipment of the {item}.",
    "Support for the {end_item} beyond the period of this line requires a further document.",
    "Items are shipped to the freight forwarder named by the Purchaser under the Delivery Term Code of this line.",
    "Spare parts for the {item} are priced at the current standard price when they are requisitioned.",
    "Repairs found necessary at inspection are made on this line up to its value; larger repairs need a further document.",
    "The Purchaser provides the ship-to address and the mark-for code before the first delivery on this line.",
    "Warranty coverage obtained from the contractor for the {item} is passed to the Purchaser as the contract allows.",
    "Where the contractor's lead time changes, the Months of Service of this line are revised by Modification.",
]


def _months(rng: random.Random, start_low: int = 6, start_high: int = 36) -> str:
    start = rng.randint(start_low, max(start_low, start_high))
    return f"{start}-{start + rng.randint(6, 30)}"


class _Case:
    """One generated case: its lines grow and change from one document to the next."""

    def __init__(
        self,
        rng: random.Random,
        case_id: str,
        basic_date: date,
        *,
        lines: int | None = None,
        max_lines: int = 40,
    ) -> None:
        self.rng = rng
        self.max_lines = max_lines
        self.case_id = case_id
        self.basic_date = basic_date
        self.end_item, self.masl, self.mde_description, self.mde_cost = rng.choice(END_ITEMS)
        self.firm = rng.choice(FIRMS)
        self.category = "blanket_order" if rng.random() < 0.12 else "defined_order"
        self.terms = ["Cash Prior to Delivery"]
        self.dependable_undertaking = rng.random() < 0.6
        if self.dependable_undertaking:
            self.terms.append("Dependable Undertaking")
        self.min_start = 6  # new lines of an Amendment start after its offer expires
        self.request_date = ""
        self.references = [
            {
                "reference": f"BN/MOD/{rng.randint(1000, 9999)}",
                "date": (basic_date - timedelta(days=rng.randint(60, 200))).isoformat(),
            }
        ]
        # traits a tenth of the cases or fewer carry, each bringing its own notes
        self.features = [f for f, share in FEATURES if rng.random() < share]
        self.lines: list[dict[str, Any]] = []
        count = rng.randint(5, 40) if lines is None else lines
        while len(self.lines) < count:
            self.lines.append(self._new_line(len(self.lines) + 1))
        for n, feature in enumerate(self.features, start=2):
            if n <= len(self.lines) and self.category == "defined_order":
                self.lines[n - 1] = getattr(self, f"_{feature}_line")(n)

    # -- lines --

    def _number(self, n: int) -> str:
        return f"{n:03d}"

    def _new_line(self, n: int) -> dict[str, Any]:
        line = self._pick_line(n)
        if "line_note" not in line:  # real line item descriptions run to a few sentences
            count = self.rng.randint(2, 5)
            line["line_note"] = " ".join(self.rng.sample(_NOTE_SENTENCES, count)).format(
                item=line["description"].lower(), end_item=self.end_item
            )
        return line

    def _pick_line(self, n: int) -> dict[str, Any]:
        rng = self.rng
        if self.category == "blanket_order":
            return self._support_line(n, blanket=True) if rng.random() < 0.7 else self._service(n)
        roll = rng.random()
        if n == 1 or roll < 0.12:
            return self._mde_line(n)
        if roll < 0.20:
            return self._nvd_line(n)
        if roll < 0.62:
            return self._support_line(n)
        if roll < 0.80:
            return self._service(n)
        return self._training(n)

    def _base(self, n: int, suffix: str, description: str) -> dict[str, Any]:
        return {
            "number": self._number(n),
            "masl": f"{self.masl}{suffix}{n:02d}"[:13],
            "description": description,
        }

    def _mde_line(self, n: int) -> dict[str, Any]:
        rng = self.rng
        qty = rng.randint(1, 12)
        line = self._base(n, "AIR", self.mde_description)
        request = self.request_date or self.references[0]["date"]
        line.update(
            quantity=qty,
            unit_of_issue="EA",
            unit_cost=_money(rng, int(self.mde_cost * 0.9), int(self.mde_cost * 1.1)),
            source_code="P",
            months=_months(rng, max(18, self.min_start), 36 + self.min_start),
            type_of_assistance="7" if self.dependable_undertaking else "5",
            offer_release_code="Z",
            delivery_term_code="4",
            major_defense_equipment=True,
            kind="materiel",
            end_item=self.end_item,
        )
        if rng.random() < 0.5:
            line["items"] = ["gps_saasm"]
        if rng.random() < 0.6:
            line["sole_source"] = {
                "firm": self.firm,
                "role": "prime",
                "purchaser_request_date": request,
            }
        # recouped within the price of the line (SAMM C9.4.5): never more than the line's value
        nc = min(_money(rng, 200_000, 2_000_000), qty * line["unit_cost"] // 10_000 * 10_000)
        line["nonrecurring_cost"] = {"amount": nc}
        if rng.random() < 0.5:
            line["nonrecurring_cost"]["waiver"] = {
                "reference": f"I-{rng.randint(20, 25)}/{rng.randint(100000, 999999):06d}",
                "date": request,
            }
        line["line_note"] = self._mde_note(qty)
        return line

    def _mde_note(self, qty: int) -> str:
        """The note of a major defense equipment line of `qty` end items: it states the count."""
        words = "one" if qty == 1 else NUMBERS[qty - 2] if 2 <= qty <= 12 else str(qty)
        return (
            f"This line provides for {words} {self.end_item} "
            f"{'systems' if qty > 1 else 'system'} in the Purchaser's configuration, including "
            "installed mission equipment, initial inspection and acceptance testing."
        )

    def _set_quantity(self, line: dict[str, Any], qty: int) -> None:
        """Change a line's quantity as a careful writer does: a note that states the line's
        count (`_mde_note`) is rewritten for the new one; other notes state none and stay."""
        if line.get("line_note") == self._mde_note(line["quantity"]):
            line["line_note"] = self._mde_note(qty)
        line["quantity"] = qty

    def _nvd_line(self, n: int) -> dict[str, Any]:
        rng = self.rng
        line = self._base(n, "NVD", "MONOCULAR NIGHT VISION DEVICE AN/PVS-14")
        line.update(
            quantity=rng.randint(10, 300),
            unit_of_issue="EA",
            unit_cost=_money(rng, 3_500, 5_000, 50),
            source_code="P",
            months=_months(rng, self.min_start, 36 + self.min_start),
            type_of_assistance="5",
            offer_release_code="Z",
            delivery_term_code="4",
            major_defense_equipment=False,
            kind="materiel",
            items=["nvd", "eeum"],
        )
        return line

    def _support_line(self, n: int, *, blanket: bool = False) -> dict[str, Any]:
        rng = self.rng
        suffix, description, kind, source, ta, orc = rng.choice(SUPPORT_LINES)
        line = self._base(n, suffix, description)
        line.update(
            quantity=1,
            unit_of_issue="LO",
            unit_cost=_money(rng, 150_000, 15_000_000),
            source_code=source,
            months=_months(rng, self.min_start, 36 + self.min_start),
            type_of_assistance=ta,
            offer_release_code=orc,
            delivery_term_code="4",
            major_defense_equipment=False,
            kind=kind,
            end_item=self.end_item,
        )
        if rng.random() < 0.6:
            line["line_note"] = (
                f"This line provides {description.lower()} for the {self.end_item} fleet, "
                "as identified during the case development site survey."
            )
        return line

    def _service(self, n: int) -> dict[str, Any]:
        rng = self.rng
        suffix, description, kind = rng.choice(SERVICE_LINES)
        line = self._base(n, suffix, description)
        line.update(
            quantity=1,
            unit_of_issue="LO",
            unit_cost=_money(rng, 250_000, 6_000_000),
            source_code="S",
            months=_months(rng, self.min_start, 36 + self.min_start),
            type_of_assistance="3",
            offer_release_code="X",
            delivery_term_code="4",
            major_defense_equipment=False,
            kind=kind,
            end_item=self.end_item,
        )
        if rng.random() < 0.5:
            line["manpower"] = {"travel_cost_per_day": rng.randrange(400, 900, 10)}
        return line

    def _training(self, n: int) -> dict[str, Any]:
        rng = self.rng
        suffix, description = rng.choice(TRAINING_LINES)
        line = self._base(n, suffix, description)
        conus = rng.random() < 0.6
        line.update(
            quantity=1,
            unit_of_issue="LO",
            unit_cost=_money(rng, 200_000, 5_000_000),
            source_code="S",
            months=_months(rng, self.min_start, 36 + self.min_start),
            type_of_assistance="3",
            offer_release_code="X",
            delivery_term_code="2" if conus else "4",
            major_defense_equipment=False,
            kind="training",
            end_item=self.end_item,
            training={
                "location": "CONUS" if conus else "OCONUS",
                "severable": rng.random() < 0.7,
                "performance_period": f"{rng.randint(3, 24)} months",
            },
        )
        if conus and rng.random() < 0.5:
            line["training"]["travel_and_living_allowance"] = True
        return line

    def _ammunition_line(self, n: int) -> dict[str, Any]:
        line = self._nvd_line(n)
        line.update(
            masl=f"{self.masl}AMO{n:02d}"[:13],
            description="CARTRIDGE, 30MM, HIGH EXPLOSIVE DUAL PURPOSE",
            quantity=self.rng.randrange(1000, 20000, 500),
            unit_cost=_money(self.rng, 60, 120, 1),
            items=["ammunition"],
            line_note="This line provides training and war reserve ammunition for the "
            f"{self.end_item} fleet, packed for surface shipment as hazardous cargo.",
        )
        return line

    def _comsec_line(self, n: int) -> dict[str, Any]:
        line = self._nvd_line(n)
        line.update(
            masl=f"{self.masl}CMS{n:02d}"[:13],
            description="SECURE COMMUNICATIONS EQUIPMENT (COMSEC)",
            quantity=self.rng.randint(4, 40),
            unit_cost=_money(self.rng, 20_000, 90_000, 100),
            items=["comsec", "eeum"],
        )
        return line

    def _classified_pubs_line(self, n: int) -> dict[str, Any]:
        line = self._support_line(n)
        line.update(
            masl=f"{self.masl}CPB{n:02d}"[:13],
            description="CLASSIFIED TECHNICAL PUBLICATIONS",
            source_code="S",
            type_of_assistance="3",
            offer_release_code="Z",
            kind="publications",
            items=["classified"],
        )
        return line

    def _medical_line(self, n: int) -> dict[str, Any]:
        line = self._service(n)
        line.update(
            masl=f"{self.masl}MED{n:02d}"[:13],
            description="AVIATION MEDICINE SERVICES",
            kind="medical",
        )
        line.pop("manpower", None)
        return line

    def _travel_line(self, n: int) -> dict[str, Any]:
        line = self._service(n)
        line["manpower"] = {
            "travel_cost_per_day": self.rng.randrange(1050, 1400, 10),
            "justification": "Lodging near the Purchaser's main operating base is priced above "
            "the standard rate throughout the period of performance.",
        }
        return line

    # -- documents --

    def _net(self) -> int:
        return sum(int(ln["quantity"] * ln["unit_cost"]) for ln in self.lines)

    def _snapshot(self, document: dict[str, Any], references: list[dict[str, Any]]) -> dict:
        net = self._net()
        return {
            "case_id": self.case_id,
            "program": "FMS",
            "category": self.category,
            "purchaser": PURCHASER,
            "nickname": f"{self.end_item} Program",
            "document": document,
            "purchaser_references": references,
            "terms_of_sale": list(self.terms),
            "funding": "national",
            "lines": [dict(ln) for ln in self.lines],
            "accessorial": {
                "packing_crating_handling": round(net * 0.012, -3),
                "transportation": round(net * 0.025, -3),
                "other": 0,
            },
        }

    def basic(self) -> dict[str, Any]:
        oed = self.basic_date + timedelta(days=self.rng.randint(60, 120))
        document = {
            "kind": "Basic",
            "offer_expiration_date": oed.isoformat(),
            "purpose": f"provides for the {self.end_item} program: "
            + f"{len(self.lines)} lines of equipment, spares, publications, training and services",
        }
        return self._snapshot(document, list(self.references))

    def amendment(self, number: int, previous: str, when: date) -> dict[str, Any]:
        rng = self.rng
        for line in self.lines:
            if rng.random() < 0.3:
                if line["unit_of_issue"] == "EA" and self.category == "defined_order":
                    self._set_quantity(line, line["quantity"] + rng.randint(1, 3))
                else:
                    line["unit_cost"] = int(line["unit_cost"] * 1.25) // 1000 * 1000
        implemented = self.basic_date + timedelta(days=150)
        oed = when + timedelta(days=rng.randint(100, 150))
        self.min_start = (oed - implemented).days // 30 + 3
        self.request_date = when.isoformat()
        for _ in range(rng.randint(1, 3)):
            if len(self.lines) >= self.max_lines:
                break
            self.lines.append(self._new_line(len(self.lines) + 1))
        reference = {"reference": f"BN/MOD/{rng.randint(1000, 9999)}", "date": when.isoformat()}
        self.references.append(reference)
        document = {
            "kind": "Amendment",
            "number": number,
            "previous": previous,
            "offer_expiration_date": oed.isoformat(),
            "implementation_date": implemented.isoformat(),
            "purpose": f"adds lines and increases quantities and values of the {self.end_item} "
            "program",
            "reason": "to meet the Purchaser's expanded requirement",
        }
        return self._snapshot(document, list(self.references))

    def modification(self, number: int, previous: str) -> dict[str, Any]:
        rng = self.rng
        moved = decreased = False
        for line in self.lines:
            if line["kind"] in ("materiel", "publications") and rng.random() < 0.3:
                start, end = (int(x) for x in line["months"].split("-"))
                line["months"] = f"{start + 3}-{end + 6}"
                moved = True
            elif line["unit_of_issue"] == "LO" and rng.random() < 0.2:
                line["unit_cost"] = int(line["unit_cost"] * 0.9) // 1000 * 1000
                decreased = True
        if not (moved or decreased):
            line = next(ln for ln in self.lines if ln["unit_of_issue"] == "LO")
            line["unit_cost"] = int(line["unit_cost"] * 0.9) // 1000 * 1000
        document = {
            "kind": "Modification",
            "number": number,
            "previous": previous,
            "implementation_date": (self.basic_date + timedelta(days=150)).isoformat(),
            "purpose": "extends the Months on lines delayed by contract slippage and decreases "
            "lines to reflect contract award prices",
            "reason": "contract slippage and contract award",
        }
        return self._snapshot(document, [])


def generate(out: Path, docs: int = 1000, seed: int = 7) -> list[Path]:
    """Write about `docs` documents (exactly, unless `docs` < 1) under `out`; return their paths."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    while len(written) < docs:
        while True:
            designator = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
            case_id = f"BN-{rng.choice(IMPLEMENTING_AGENCIES)}-{designator}"
            if case_id not in used:
                used.add(case_id)
                break
        basic_date = date(2025, 1, 1) + timedelta(days=rng.randint(0, 330))
        case = _Case(rng, case_id, basic_date)
        folder = out / case_id
        folder.mkdir(exist_ok=True)
        wanted = min(docs - len(written), rng.choice((1, 1, 2, 2, 3)))
        snapshots = [("basic.json", case.basic())]
        if wanted >= 2:
            when = basic_date + timedelta(days=rng.randint(200, 400))
            snapshots.append(("amendment-1.json", case.amendment(1, "basic.json", when)))
        if wanted >= 3:
            snapshots.append(("modification-1.json", case.modification(1, "amendment-1.json")))
        for name, data in snapshots:
            path = folder / name
            path.write_text(json.dumps(data, indent=2) + "\n")
            written.append(path)
    return written


def long_case(out: Path, lines: int, seed: int = 7, case_id: str = "BN-D-LNG") -> list[Path]:
    """Write one case of `lines` lines (1 to 999) under `out`: its Basic and an Amendment that
    changes quantities and values and adds no line. The same seed gives the same first lines
    whatever `lines` is, so a short and a long case differ only by their length."""
    if not 1 <= lines <= 999:
        raise ValueError("a case has 1 to 999 lines")
    rng = random.Random(seed)
    case = _Case(rng, case_id, date(2025, 3, 3), lines=999, max_lines=lines)
    del case.lines[lines:]
    folder = out / case_id
    folder.mkdir(parents=True, exist_ok=True)
    snapshots = [("basic.json", case.basic())]
    snapshots.append(("amendment-1.json", case.amendment(1, "basic.json", date(2025, 11, 3))))
    written = []
    for name, data in snapshots:
        path = folder / name
        path.write_text(json.dumps(data, indent=2) + "\n")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    written = generate(args.out, args.docs, args.seed)
    print(f"wrote {len(written)} case files under {args.out}")


if __name__ == "__main__":
    main()
