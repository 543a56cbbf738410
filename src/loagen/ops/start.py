"""Starting case files: a new Basic (`loagen new`) and the next document of a case (`loagen amend`,
`loagen modify`).

A new Basic is a YAML file holding every field the case contract requires, each with a comment
that says what it is (the case model's own descriptions) and, for codes, the codes to choose
from with their meanings. Whatever loagen cannot know is left as a `FILL IN` placeholder that
says what to give: loading the file names each one with its line until it is filled in.

The next document of a case is its previous snapshot with the document part rewritten: kind,
number (the next free one of that kind in the case folder), `previous`, the Basic's
implementation date, and placeholders with `# loagen:` comments for what must change (the offer
expiration date, purpose and reason). Everything else is carried over as it stands, comments
and layout included when the file is YAML.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from ..case.loading import (
    CASE_SUFFIXES,
    case_files_in,
    follows,
    load_chain,
    parse_case_bytes,
    read_case_data,
)
from ..case.model import CASE_ID, Case, DocumentInfo, Line, field_docs, funding_mismatch
from ..case.placeholders import (
    MDE_HINT,
    dotted,
    find_placeholders,
    model_in,
    placeholder,
    value_lines,
)
from ..case.round_trip import is_yaml
from ..errors import ScaffoldError, did_you_mean
from ..output.case_files import (
    case_file_bytes,
    commented_yaml,
    create_case_file,
)
from ..pipeline import today_from_environment
from ..reference import load_reference

Location = tuple[str | int, ...]

PROGRAMS = get_args(Case.model_fields["program"].annotation)
CATEGORIES = get_args(Case.model_fields["category"].annotation)
FUNDING = get_args(Case.model_fields["funding"].annotation)
LINE_KINDS = get_args(Line.model_fields["kind"].annotation)
NEXT_KINDS = ("Amendment", "Modification")
_COMMAND = {"Amendment": "amend", "Modification": "modify"}


@dataclass(frozen=True)
class Started:
    """A case file loagen wrote for the writer to complete."""

    path: Path
    title: str
    """'Basic', 'Amendment 2', 'Modification 1'."""
    to_fill: tuple[tuple[str, int | None], ...]
    """The placeholders left in it: (field, line)."""
    notes: tuple[str, ...] = field(default=())
    """Things the writer should know (an unknown country code ...)."""
    follows: Path | None = None
    """The case file of the document it follows (an Amendment or a Modification)."""


def _to_fill(content: bytes, path: Path) -> tuple[tuple[str, int | None], ...]:
    data = parse_case_bytes(content, path)
    lines = value_lines(content, path)
    return tuple((dotted(loc), lines.get(loc)) for loc, _ in find_placeholders(data))


# -- words for the fields the case model does not describe -------------------------------------------

_OWN_WORDS = {
    "program": (
        "FMS or BPC. FMS: a sale; the other party is the Purchaser. BPC (Building Partner "
        "Capacity): U.S. appropriations pay for what a Benefitting Partner receives; no Standard "
        "Terms and Conditions, no partner signature, no administrative surcharge."
    ),
    "category": "The LOA category.",
    "purchaser": "The Purchaser (FMS) or the Benefitting Partner (BPC).",
    "nickname": (
        "The program or system nickname, printed in parentheses at the end of the case description."
    ),
    "document": "Which document this file is and what it does.",
    "purchaser_references": (
        "The Purchaser's Letters of Request or signed meeting minutes this LOA answers, each "
        "with its date (printed oldest to newest). Add an item for each."
    ),
    "terms_of_sale": "The terms of sale printed on page 1, one or more of:",
    "funding": "Who pays.",
    "lines": (
        "The line items. A table of lines kept in a spreadsheet fills this list with "
        "`loagen lines import`."
    ),
    "accessorial": (
        "Accessorial charges, in U.S. dollars (0 when none): packing, crating and handling; "
        "transportation; other."
    ),
    "fund_source": "BPC fund source and availability.",
    "lines.number": (
        "Line number: three digits in quotes, '001' to '999', optionally a subline letter ('001a')."
    ),
    "lines.quantity": (
        "How many, in the unit of issue (a whole number, except for units of measure such as "
        "LB); services and blanket order lines use 1 LO."
    ),
    "lines.unit_of_issue": "Unit of Issue code, column (3).",
    "lines.source_code": "Source Code, column (5): where the articles or services come from.",
    "lines.type_of_assistance": "Type of Assistance (TA) code, column (5).",
    "lines.offer_release_code": (
        "Offer Release Code (ORC), column (6); left out on a Non-Specific Requirements line."
    ),
    "lines.delivery_term_code": (
        "Delivery Term Code (DTC), column (7): where DoD's transportation responsibility ends; "
        "left out on a Non-Specific Requirements line."
    ),
    "lines.major_defense_equipment": (
        "true when the line is Major Defense Equipment (the MASL says so), false when it is not; "
        "MDE is counted with its quantity in the state description and decides, with its "
        "value, whether the sale needs Congressional notification (AECA 36(b))."
    ),
    "lines.kind": (
        "What the line provides; training and medical services must each be on lines of their own."
    ),
    "lines.sole_source": (
        "Procurement with other than full and open competition: the designated firm, prime or "
        "subcontractor, and the date of the Purchaser's request."
    ),
    "lines.nonrecurring_cost": (
        "Nonrecurring cost recoupment on Major Defense Equipment, in U.S. dollars; a waiver "
        "removes the charge."
    ),
    "lines.eda": (
        "Excess Defense Articles: grant or sale, the original acquisition value and the EDA "
        "approval."
    ),
    "lines.training": (
        "Training: CONUS or OCONUS, severable or not, the period of performance, and whether a "
        "Travel and Living Allowance is requested."
    ),
    "lines.manpower": (
        "Case-funded manpower: the travel cost a day per person, and why when it is above the "
        "standard daily limit."
    ),
    "accessorial.packing_crating_handling": "Packing, crating and handling.",
    "accessorial.transportation": "Transportation.",
    "accessorial.other": "Other accessorial charges.",
}

_CATEGORY_WORDS = {
    "defined_order": "specific articles and services in stated quantities",
    "blanket_order": "a dollar value for a category of articles or services, without a list",
    "clssa_fmso_i": "CLSSA FMS Order I: the Purchaser's share of U.S. stocks held for it",
    "clssa_fmso_ii": "CLSSA FMS Order II: the Purchaser's draw on those stocks, replenished",
}
_FUNDING_WORDS = {
    "national": "the Purchaser's national funds",
    "fmf": "Foreign Military Financing",
    "bpc": "U.S. appropriations for Building Partner Capacity",
}
_KIND_WORDS = {
    "materiel": "articles",
    "services": "services",
    "training": "training",
    "medical": "medical services",
    "manpower": "case-funded manpower",
    "publications": "publications",
}


def _models_at(name: str) -> Any:
    """The model class owning dotted field `name` ('lines.kind' -> Line)."""
    model: Any = Case
    for part in name.split(".")[:-1]:
        model = model_in(model.model_fields[part].annotation)
    return model


def describe(name: str) -> str:
    """What field `name` ('document.purpose', 'lines.kind') is: the case model's description,
    or loagen's own words where the model gives none."""
    model = _models_at(name)
    doc = field_docs(model).get(name.split(".")[-1], "") if model is not None else ""
    return " ".join((doc or _OWN_WORDS.get(name, "")).split())


def _table(rows: dict[str, str], width: int = 0) -> str:
    width = width or max(len(k) for k in rows)
    return "\n".join(f"  {code.ljust(width)}  {meaning}" for code, meaning in rows.items())


def _meanings(table: str) -> dict[str, str]:
    rows = getattr(load_reference(), table)
    return {
        str(code): str(row.get("meaning", "")) if isinstance(row, dict) else str(row)
        for code, row in rows.items()
    }


def _code_comment(name: str, table: str) -> str:
    return f"{describe(name)}\nOne of:\n{_table(_meanings(table))}"


def _units_comment() -> str:
    import textwrap

    units = load_reference().units_of_issue
    listed = ", ".join(f"{code} {meaning}" for code, meaning in sorted(units.items()))
    wrapped = textwrap.wrap(listed, 92)
    return describe("lines.unit_of_issue") + " The codes:\n" + "\n".join(f"  {w}" for w in wrapped)


# -- loagen new ---------------------------------------------------------------------------------------


def check_case_id(case_id: str) -> str:
    """The case identifier, upper-cased; ScaffoldError when it is not CC-I-XXX."""
    cid = case_id.strip().upper()
    if not CASE_ID.match(cid):
        raise ScaffoldError(
            f"{case_id!r} is not a case identifier: expected CC-I-XXX, a 2-character country "
            "code, the Implementing Agency letter and a 3-character designator, e.g. BN-D-QAA"
        )
    return cid


def line_to_fill(number: str) -> dict[str, Any]:
    """A new line numbered `number` with every value still to fill in, as `loagen new` writes
    the first line of a case (the studio's "+ Add a line")."""
    return {**_example_line()[0], "number": number}


def _example_line() -> tuple[dict[str, Any], dict[Location, str], str]:
    line: dict[str, Any] = {
        "number": "001",
        "masl": placeholder("the MASL number (Military Articles and Services List)"),
        "description": placeholder("the MASL description, e.g. 'C-130J AIRCRAFT'"),
        "quantity": placeholder("how many, a whole number (services and blanket lines: 1)"),
        "unit_of_issue": placeholder("a Unit of Issue code from the list above, e.g. EA or LO"),
        "unit_cost": placeholder("the unit cost in U.S. dollars, e.g. 1250000 or 1250000.50"),
        "source_code": placeholder("a Source Code from the list above"),
        "months": placeholder("the Months of Service, first-last, e.g. 12-36"),
        "type_of_assistance": placeholder("a Type of Assistance code from the list above"),
        "offer_release_code": placeholder("an Offer Release Code from the list above"),
        "delivery_term_code": placeholder("a Delivery Term Code from the list above"),
        "major_defense_equipment": placeholder(MDE_HINT),
        "kind": placeholder(", ".join(LINE_KINDS)),
    }
    at: Location = ("lines", 0)
    comments: dict[Location, str] = {
        at: (
            "One line, every field explained. For each further line, copy this block from "
            '"- number" down, and change what differs.\n' + describe("lines.number")
        ),
        (*at, "masl"): describe("lines.masl"),
        (*at, "description"): describe("lines.description"),
        (*at, "quantity"): describe("lines.quantity"),
        (*at, "unit_of_issue"): _units_comment(),
        (*at, "unit_cost"): describe("lines.unit_cost"),
        (*at, "source_code"): _code_comment("lines.source_code", "source_codes"),
        (*at, "months"): describe("lines.months")
        + " Left out on a Non-Specific Requirements line (MASL "
        + load_reference().nsr_masl
        + ").",
        (*at, "type_of_assistance"): _code_comment(
            "lines.type_of_assistance", "type_of_assistance"
        ),
        (*at, "offer_release_code"): _code_comment(
            "lines.offer_release_code", "offer_release_codes"
        ),
        (*at, "delivery_term_code"): _code_comment(
            "lines.delivery_term_code", "delivery_term_codes"
        ),
        (*at, "major_defense_equipment"): describe("lines.major_defense_equipment"),
        (*at, "kind"): describe("lines.kind") + "\nOne of:\n" + _table(_KIND_WORDS),
    }
    traits = ", ".join(get_args(get_args(Line.model_fields["items"].annotation)[0]))
    examples = {
        "end_item": ("C-130J", ""),
        "items": ("[gps_saasm]", f"One or more of: {traits}."),
        "sole_source": (
            '{firm: "FILL IN: the firm", role: prime, purchaser_request_date: '
            '"FILL IN: YYYY-MM-DD"}',
            "",
        ),
        "nonrecurring_cost": ('{amount: "FILL IN: U.S. dollars"}', ""),
        "eda": (
            '{kind: grant, acquisition_value: "FILL IN: U.S. dollars", approval_reference: '
            '"FILL IN: the EDA approval"}',
            "",
        ),
        "training": ('{location: CONUS, severable: true, performance_period: "12 months"}', ""),
        "manpower": ('{travel_cost_per_day: "FILL IN: U.S. dollars"}', ""),
        "line_note": ('"FILL IN: the line item description text"', ""),
        "performance_period": ('"24 months"', ""),
        "foc_delivery": ("{year: 2027, quarter: 2}", ""),
    }
    optional = [
        (name, *examples.get(name, (_example(f.annotation), _choices(f.annotation))))
        for name, f in Line.model_fields.items()
        if name not in line
    ]
    after = ['Optional fields of a line: remove the "# " in front of one to use it.']
    for name, example, extra in optional:
        after.append(f"  {describe('lines.' + name)} {extra}".rstrip())
        after.append(f"{name}: {example}")
    return line, comments, "\n".join(after)


def _choices(annotation: Any) -> str:
    """'One of: a, b.' for a field of a few fixed values, else ''."""
    import typing

    for arg in (annotation, *get_args(annotation)):
        if typing.get_origin(arg) is typing.Literal and len(get_args(arg)) > 1:
            return "One of: " + ", ".join(str(a) for a in get_args(arg)) + "."
    return ""


def _example(annotation: Any) -> str:
    """A value to show for a field of this type in a commented-out example line."""
    import typing

    while typing.get_origin(annotation) in (typing.Union, __import__("types").UnionType) or (
        typing.get_origin(annotation) is typing.Annotated
    ):
        args = [a for a in get_args(annotation) if a is not type(None)]
        annotation = args[0]
    origin = typing.get_origin(annotation)
    if annotation is bool:
        return "true"
    if origin is typing.Literal:
        return str(get_args(annotation)[0])
    if origin is list:
        return f"[{_example(get_args(annotation)[0])}]"
    if annotation is date:
        return '"FILL IN: YYYY-MM-DD"'
    if annotation is int:
        return '"FILL IN: a whole number"'
    if isinstance(annotation, type) and issubclass(annotation, Decimal):
        return '"FILL IN: a number"'
    inner = model_in(annotation)
    if inner is not None:
        parts = [
            f"{name}: {_example(f.annotation)}"
            for name, f in inner.model_fields.items()
            if f.is_required()
        ]
        return "{" + ", ".join(parts) + "}"
    return '"FILL IN"'


def new_basic(
    case_id: str,
    *,
    program: str | None = None,
    category: str | None = None,
    funding: str | None = None,
    terms_of_sale: tuple[str, ...] = (),
    nickname: str | None = None,
    path: Path = Path("basic.yaml"),
) -> tuple[bytes, tuple[str, ...]]:
    """The YAML text of a new Basic for `case_id`, and notes for the writer."""
    ref = load_reference()
    cid = check_case_id(case_id)
    notes: list[str] = []
    country_code, ia = cid[:2], cid[3]
    country = ref.countries.get(country_code)
    if country is None:
        notes.append(
            f"the country code {country_code} is not in the reference table (countries.yaml)"
            f"{did_you_mean(country_code, list(ref.countries))}; check the case identifier"
        )
    agency = ref.implementing_agencies.get(ia)
    if agency is None:
        notes.append(
            f"the Implementing Agency letter {ia} is not in the reference table "
            f"(implementing_agencies.yaml: {', '.join(sorted(ref.implementing_agencies))})"
        )
    for value, choices, option in (
        (program, PROGRAMS, "--program"),
        (category, CATEGORIES, "--category"),
        (funding, FUNDING, "--funding"),
    ):
        if value is not None and value not in choices:
            raise ScaffoldError(f"{option} {value!r}: expected one of {', '.join(choices)}")
    for term in terms_of_sale:
        if term not in ref.terms_of_sale:
            raise ScaffoldError(
                f"--terms {term!r} is not a known term of sale"
                f"{did_you_mean(term, list(ref.terms_of_sale))}; expected one of "
                f"{', '.join(ref.terms_of_sale)}"
            )
    mismatch = funding_mismatch(program, funding) if program and funding else None
    if mismatch is not None:
        raise ScaffoldError(mismatch)
    country_name = str(country["name"]) if country else f"country code {country_code}"
    bpc = program == "BPC"
    data: dict[str, Any] = {
        "case_id": cid,
        "program": program or placeholder("FMS or BPC"),
        "category": category or placeholder(", ".join(CATEGORIES[:-1]) + " or " + CATEGORIES[-1]),
        "purchaser": {
            "name": placeholder(f"the full organisation name (for {country_name})"),
            "address": [placeholder("the first line of the postal address (one item a line)")],
        },
        "nickname": nickname or placeholder("the nickname, e.g. 'C-130J Aircraft'"),
        "document": {
            "kind": "Basic",
            "offer_expiration_date": placeholder("the offer expiration date, YYYY-MM-DD"),
            "purpose": placeholder(
                "what the LOA provides, as a verb phrase: 'provides for two C-130J aircraft'"
            ),
        },
        "purchaser_references": [
            {
                "reference": placeholder(
                    # SAMM Table C15.T5: a BPC case cites the funds and the requester's MOR
                    "the funds and the Memorandum of Request, e.g. 'FY26 Section 333 funds, "
                    "Memorandum of Request COCOM-J5-26-014'"
                    if bpc
                    else "the Letter of Request or signed minutes reference"
                ),
                "date": placeholder("its date, YYYY-MM-DD"),
            }
        ],
        "terms_of_sale": list(terms_of_sale) or [placeholder("a term of sale from the list above")],
        "funding": funding or ("bpc" if bpc else placeholder(_funding_choices(program))),
    }
    comments: dict[Location, str] = {
        ("case_id",): (
            f"{describe('case_id')} {country_code}: {country_name}; {ia}: "
            f"{agency or 'an Implementing Agency letter not in the reference table'}; "
            f"{cid[5:]}: the case designator."
        ),
        ("program",): "\n" + describe("program"),
        ("category",): describe("category")
        + "\nOne of:\n"
        + _table({c: _CATEGORY_WORDS.get(c, "") for c in CATEGORIES}),
        ("purchaser",): "\n" + describe("purchaser"),
        ("purchaser", "name"): describe("purchaser.name"),
        ("purchaser", "address"): describe("purchaser.address"),
        ("nickname",): "\n" + describe("nickname"),
        ("document",): "\n" + describe("document"),
        ("document", "kind"): describe("document.kind"),
        ("document", "offer_expiration_date"): describe("document.offer_expiration_date"),
        ("document", "purpose"): describe("document.purpose"),
        ("purchaser_references",): "\n" + describe("purchaser_references"),
        ("purchaser_references", 0): "\n".join(
            filter(None, (describe("purchaser_references.reference"),))
        ),
        ("purchaser_references", 0, "date"): describe("purchaser_references.date"),
        ("terms_of_sale",): "\n"
        + describe("terms_of_sale")
        + "\n"
        + "\n".join(f"  {term}" for term in ref.terms_of_sale),
        ("funding",): "\n" + describe("funding") + "\nOne of:\n" + _table(_FUNDING_WORDS),
    }
    after: dict[Location, str] = {}
    if bpc:
        data["fund_source"] = {
            "program": placeholder("the BPC program, e.g. Section 333"),
            "fiscal_year": placeholder("the fiscal year of the funds, e.g. FY26"),
        }
        comments[("fund_source",)] = "\n" + describe("fund_source")
        comments[("fund_source", "program")] = (
            describe("fund_source.program")
            + " Known programs:\n"
            + "\n".join(f"  {name}" for name in ref.bpc_programs)
        )
        comments[("fund_source", "fiscal_year")] = describe("fund_source.fiscal_year")
        after[("fund_source",)] = _optional_block(
            "fund_source",
            ("availability_end_date", "cancellation_date", "title", "purpose", "fund_code"),
            "Optional fields of the fund source",
        )
    line, line_comments, line_after = _example_line()
    data["lines"] = [line]
    data["accessorial"] = {"packing_crating_handling": 0, "transportation": 0, "other": 0}
    comments[("lines",)] = "\n" + describe("lines")
    comments.update(line_comments)
    after[("lines", 0)] = line_after
    comments[("accessorial",)] = "\n" + describe("accessorial")
    after[("document",)] = _optional_block(
        "document",
        ("date", "cwd_approval_date", "short_oed_reason"),
        "Optional fields of the document",
    )
    after[()] = _case_options(bpc)
    header = (
        f"Case {cid}, started with `loagen new`.\n"
        "Replace every FILL IN with what it asks for (the comment above each field says what "
        "the field is). Dates: YYYY-MM-DD; amounts: U.S. dollars, e.g. 1850000.50 or $1,850,000. "
        "`loagen check` on this file lists what is still to fill in, with its line."
    )
    content = commented_yaml(path, data, comments, after=after, header=header)
    return content, tuple(notes)


def _funding_choices(program: str | None) -> str:
    choices = [f for f in FUNDING if program != "FMS" or f != "bpc"]
    return ", ".join(choices[:-1]) + " or " + choices[-1]


_OPTIONAL_EXAMPLES = {
    "date": '"FILL IN: YYYY-MM-DD"',
    "cwd_approval_date": '"FILL IN: YYYY-MM-DD"',
    "short_oed_reason": '"FILL IN: why the offer expires sooner than standard"',
    "availability_end_date": '"FILL IN: YYYY-MM-DD"',
    "cancellation_date": '"FILL IN: YYYY-MM-DD"',
    "title": "10",
    "purpose": '"FILL IN: what the funds are for"',
    "fund_code": '"FILL IN: the fund source code"',
}


def _optional_block(owner: str, names: tuple[str, ...], heading: str) -> str:
    out = [f'{heading}: remove the "# " in front of one to use it.']
    for name in names:
        out.append(f"  {describe(owner + '.' + name)}")
        out.append(f"{name}: {_OPTIONAL_EXAMPLES[name]}")
    return "\n".join(out)


_OFFERS = {"the document": ("document",), "the fund source": ("fund_source",)}
"""The blocks of optional fields `new_basic` offers (its `_optional_block` headings), and where
the fields they offer go."""


def _without_offers_taken(content: bytes, data: dict[str, Any]) -> bytes:
    """`content` without the optional fields it offers, commented out, that `data` already
    gives: a Modification is dated when it is written, and the "# date:" its Basic offered
    would, uncommented, give the document a second date (a duplicate key, refused)."""
    lines = content.decode("utf-8").splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        heading = re.match(r'^(\s*)# Optional fields of (.+?): remove the "# "', line)
        if heading is None or heading.group(2) not in _OFFERS:
            continue
        indent = heading.group(1)
        owner: Any = data
        for key in _OFFERS[heading.group(2)]:
            owner = owner.get(key) if isinstance(owner, dict) else None
        given = set(owner) if isinstance(owner, dict) else set()
        entry: list[str] = []
        while i < len(lines) and lines[i].startswith(indent + "# "):
            entry.append(lines[i])
            offered = re.match(rf"^{re.escape(indent)}# (\w+): ", lines[i])
            i += 1
            if offered is not None:
                if offered.group(1) not in given:
                    out.extend(entry)
                entry = []
        out.extend(entry)
    return "".join(out).encode("utf-8")


def _case_options(bpc: bool) -> str:
    names = [
        "payment_schedule",
        "fund_source",
        "state_description",
        "admin_surcharge_waiver",
        "cas",
        "security_assurances",
        "long_lead_pending_notification",
        "shipment_consolidation",
        "foc",
        "eeum_fms_authorized",
        "sco_name",
        "bpc_system",
    ]
    if bpc:
        names.remove("fund_source")
    rows = ["", "Optional fields of a case file (`loagen schema` gives their parts):"]
    for name in names:
        if name not in Case.model_fields:
            continue
        text = describe(name).split("\n")[0]
        rows.append(f"  {name}: {text}")
    return "\n".join(rows)


def start_case(
    case_id: str,
    target: Path,
    *,
    program: str | None = None,
    category: str | None = None,
    funding: str | None = None,
    terms_of_sale: tuple[str, ...] = (),
    nickname: str | None = None,
    shown_as: Path | None = None,
) -> Started:
    """Write a new Basic for `case_id` at `target` (never over an existing file). `shown_as` is
    how the file is named in its own header (default: `target`)."""
    target = Path(target)
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise ScaffoldError(
            f"a new case file is written in YAML (it holds comments): name it .yaml, not "
            f"{target.name}",
            source=target,
        )
    if target.exists():
        raise ScaffoldError(
            f"{target.name} already exists; loagen does not overwrite a case file (move it "
            "aside, or give another path with --output)",
            source=target,
        )
    for other in sorted(target.parent.glob("basic.*")) if target.parent.is_dir() else []:
        if other.suffix.lower() in CASE_SUFFIXES:
            raise ScaffoldError(
                f"the case folder already holds a Basic ({other.name}); write its next document "
                f"with `loagen amend {shlex.quote(str(other))}` or "
                f"`loagen modify {shlex.quote(str(other))}`",
                source=other,
            )
    content, notes = new_basic(
        case_id,
        program=program,
        category=category,
        funding=funding,
        terms_of_sale=terms_of_sale,
        nickname=nickname,
        path=shown_as or target,
    )
    create_case_file(target, content)
    return Started(target, "Basic", _to_fill(content, target), notes)


# -- loagen amend / modify ----------------------------------------------------------------------------

_DROPPED = (
    "restated", "cancelled", "short_oed_reason", "date", "offer_date", "notes_in_force",
    "case_closure", "congressional_notification", "accepted_date",
)  # fmt: skip
"""Document fields that belong to the source document only (never carried to the next one)."""


def _the(title: str) -> str:
    """'the Basic', 'Amendment 1'."""
    return f"the {title}" if " " not in title else title


def _title(doc: dict[str, Any] | DocumentInfo) -> str:
    kind = doc["kind"] if isinstance(doc, dict) else doc.kind
    number = doc.get("number") if isinstance(doc, dict) else doc.number
    return f"{kind} {number}" if number else str(kind)


def _doc_of(data: dict[str, Any]) -> dict[str, Any]:
    doc = data.get("document")
    return doc if isinstance(doc, dict) else {}


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _spell(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _newest_said(folder: Path, kind: str) -> str:
    """The command that writes the next document after the newest one of the case in `folder`,
    naming that document when it can be told ('modification-1.yaml: loagen modify ...')."""
    command = f"loagen {_COMMAND[kind]}"
    try:
        newest = newest_document(folder)
    except ScaffoldError:
        return f"{command} {shlex.quote(str(folder))} finds it"
    return (
        f"{newest.name}: {command} {shlex.quote(str(newest))}, "
        f"or {command} {shlex.quote(str(folder))}"
    )


def newest_document(folder: Path) -> Path:
    """The newest document of the case whose case files are in `folder`: the one that no other
    document follows (by `previous`), is not listed as cancelled, and is not restated by another.

    Raises ScaffoldError when the folder holds no case file, a case file that does not read,
    documents of several cases, or more than one document that could be the newest (the writer
    then names the one to follow).
    """
    folder = Path(folder)
    read, broken = case_files_in(folder)
    if broken:
        # a file that does not read may be the newest document: the writer says which to follow
        path, problem = broken[0]
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        where = f"{problem.location}: " if problem.location else ""
        raise ScaffoldError(
            f"{path.name}{more} does not read, so which document is the newest cannot be told "
            f"({where}{problem.message}): correct it, or give the case file of the document to "
            "follow",
            source=folder,
        )
    documents = [
        (path, data, _doc_of(data)) for path, data in read
        if isinstance(data.get("document"), dict)
    ]  # fmt: skip
    if not documents:
        raise ScaffoldError(
            "this folder holds no case file to follow: give the case file of the case's newest "
            "document",
            source=folder,
        )
    cases = sorted({str(data.get("case_id")) for _, data, _ in documents})
    if len(cases) > 1:
        raise ScaffoldError(
            f"this folder holds documents of {len(cases)} cases ({', '.join(cases)}): give the "
            "case file of the newest document of the one to follow",
            source=folder,
        )
    followed = {
        path.resolve()
        for path, _, _ in documents
        if any(follows(other, data, path) for other, data, _ in documents)
    }
    cancelled = {
        (c.get("kind"), c.get("number"))
        for _, _, doc in documents
        for c in doc.get("cancelled") or ()
        if isinstance(c, dict)
    }
    restated = {
        (doc.get("kind"), doc.get("number"))
        for _, _, doc in documents
        if doc.get("restated") is not None
    }
    heads = [
        (path, doc)
        for path, _, doc in documents
        if path.resolve() not in followed
        and (doc.get("kind"), doc.get("number")) not in cancelled
        # a restated version takes the place of the one it restates
        and (
            doc.get("restated") is not None or (doc.get("kind"), doc.get("number")) not in restated
        )
    ]
    if len(heads) != 1:
        why = (
            "more than one document could be the newest"
            if heads
            else "every document is followed by another (their `previous` fields make a loop)"
        )
        listed = ", ".join(f"{path.name} ({_title(doc)})" for path, doc in heads or
                           [(path, doc) for path, _, doc in documents])  # fmt: skip
        raise ScaffoldError(
            f"{why}: {listed}; give the case file of the one to follow (a document cancelled "
            "without acceptance is listed in document.cancelled of the one after it)",
            source=folder,
        )
    return heads[0][0]


def next_document(
    path: Path,
    kind: str,
    *,
    implementation_date: date | None = None,
    as_yaml: bool = False,
    branch: bool = False,
    today: date | None = None,
) -> Started:
    """Write the next document (`kind`: Amendment or Modification) of the case whose latest
    document is the case file at `path` (or, for a case folder, its `newest_document`), beside
    it; return what was written.

    Raises CaseError (or its ScaffoldError) when `path` does not load, when the next document
    makes no sense (the case is not implemented and no implementation date is given, the
    document is processed for case closure, another document already follows it unless
    `branch`: that one was cancelled), or OutputError when the file cannot be written."""
    if kind not in NEXT_KINDS:
        raise ScaffoldError(f"the next document is an Amendment or a Modification, not {kind!r}")
    path = Path(path)
    if path.is_dir():
        path = newest_document(path)
    chain = load_chain(path)  # every problem of the file and its chain, said as loading says
    source = chain[-1].case
    title = _title(source.document)
    where = {"source": path}
    if source.document.case_closure:
        raise ScaffoldError(
            f"{_the(title)} is processed for case closure: no document follows it", **where
        )
    siblings = case_files_in(path.parent, path)[0]  # those that do not read are left out
    followers: list[str] = []
    for other, data in siblings:
        doc = _doc_of(data)
        if data.get("case_id") != source.case_id:
            continue
        after = follows(other, data, path)
        if after and not branch:
            raise ScaffoldError(
                f"{other.name} ({_title(doc)}) already follows {path.name}: the next document "
                f"of the case starts from the newest one ({_newest_said(path.parent, kind)}); "
                f"if {other.name} was cancelled, give --branch to follow {path.name} all the same",
                **where,
            )
        if after:
            followers.append(other.name)
        if (
            doc.get("kind") == source.document.kind
            and doc.get("number") == source.document.number
            and doc.get("restated") is not None
            and source.document.restated is None
        ):
            raise ScaffoldError(
                f"{other.name} restates {_the(title)}: the next document starts from the "
                f"restated version (loagen {_COMMAND[kind]} {shlex.quote(str(other))})",
                **where,
            )
    implemented = next(
        (f.case.document.implementation_date for f in reversed(chain)
         if f.case.document.implementation_date),
        None,
    )  # fmt: skip
    if implemented is None and implementation_date is None:
        raise ScaffoldError(
            f"the case is not implemented yet: {path.name} and the documents before it give no "
            f"implementation date, and {'an' if kind == 'Amendment' else 'a'} {kind} changes an "
            "implemented case (its Months count "
            "from the Basic's implementation date). Give the date the Basic was implemented "
            "(--implementation-date YYYY-MM-DD; in the studio, the field The case's implementation date "
            "on this page); "
            "an offer not yet accepted is changed by restating it (loagen restate; in the "
            "studio, Restate…)",
            **where,
        )
    if implemented is not None and implementation_date not in (None, implemented):
        raise ScaffoldError(
            f"the case's implementation date is {implemented.isoformat()} (as its documents "
            f"give it), not {implementation_date}: leave --implementation-date out",
            **where,
        )
    base = implemented or implementation_date
    assert base is not None
    numbers = [
        f.case.document.number
        for f in chain
        if f.case.document.kind == kind and f.case.document.number
    ]
    numbers += [
        _doc_of(d).get("number")
        for _, d in siblings
        if d.get("case_id") == source.case_id
        and _doc_of(d).get("kind") == kind
        and isinstance(_doc_of(d).get("number"), int)
    ]
    number = max((n for n in numbers if isinstance(n, int)), default=0) + 1
    suffix = ".yaml" if as_yaml else path.suffix
    target = path.parent / f"{kind.lower()}-{number}{suffix}"
    if target.exists():
        raise ScaffoldError(
            f"{target.name} already exists (but is not {kind} {number} of {source.case_id}); "
            "move it aside first",
            source=target,
        )
    latest_oed = _offers_end(chain, base)
    data, raw = read_case_data(path)
    data, notes = _next_data(data, source, title, kind, number, path.name, base, latest_oed, today)
    if kind == "Amendment":
        data["purchaser_references"] = _case_references(chain, data.get("purchaser_references"))
    if followers:
        notes[("document", "previous")] = (
            f"{', '.join(followers)} also follow{'s' if len(followers) == 1 else ''} "
            f"{path.name}: list {'it' if len(followers) == 1 else 'them'} in "
            "document.cancelled if cancelled without acceptance"
        )
    new_title = f"{kind} {number}"
    if is_yaml(target):
        original = raw if is_yaml(path) else None
        content = case_file_bytes(target, data, original=original, notes=notes)
        content = _without_offers_taken(content, data)
    else:
        content = case_file_bytes(target, data, original=raw)
    create_case_file(target, content)
    return Started(target, new_title, _to_fill(content, target), follows=path)


def _offers_end(chain: tuple[Any, ...], base: date | None) -> date | None:
    """The day after which the next Amendment's offer may expire (QC-OED-ORDER): the latest of
    each earlier document's acceptance, where known (the Basic's implementation date, another's
    accepted_date), else its offer expiration date."""
    days = []
    for f in chain:
        doc = f.case.document
        if doc.kind == "Basic" and base is not None:
            days.append(base)
        elif doc.accepted_date is not None:
            days.append(doc.accepted_date)
        elif doc.offer_expiration_date is not None:
            days.append(doc.offer_expiration_date)
    return max(days, default=None)


def _case_references(chain: tuple[Any, ...], own: Any) -> Any:
    """The purchaser references an Amendment starts with: every reference the case's documents
    cite, oldest first (a Modification before it may cite none, or only new ones); the file's
    own list when it already holds them all, so that it stays as written."""
    seen: dict[tuple[str, date], None] = {}
    for f in chain:
        for ref in f.case.purchaser_references:
            seen.setdefault((ref.reference, ref.date), None)
    every = sorted(seen, key=lambda r: r[1])
    if isinstance(own, list):
        listed = {(r.get("reference"), str(r.get("date"))) for r in own if isinstance(r, dict)}
        if all((ref, d.isoformat()) in listed for ref, d in every):
            return own
    return [{"reference": ref, "date": d} for ref, d in every]


def _next_data(
    data: dict[str, Any],
    source: Case,
    title: str,
    kind: str,
    number: int,
    previous: str,
    base: date,
    latest_oed: date | None,
    today: date | None = None,
) -> tuple[dict[str, Any], dict[Location, str]]:
    """The data of the next document, and the `# loagen:` comments flagging what to change."""
    old = _doc_of(data)
    new_title = f"{kind} {number}"
    article = "this " + kind
    doc: dict[str, Any] = {"kind": kind, "number": number, "previous": previous}
    notes: dict[Location, str] = {}
    oed = source.document.offer_expiration_date
    if kind == "Amendment":
        after = f", after {latest_oed.isoformat()}" if latest_oed else ""
        doc["offer_expiration_date"] = placeholder(
            f"{article}'s offer expiration date, YYYY-MM-DD{after}"
        )
        notes[("document", "offer_expiration_date")] = (
            f"{_the(title)}'s offer expiration date was {_spell(oed)}; give {article} its own, "
            f"after {_spell(latest_oed)} (the earlier offers' acceptance or expiry)"
            if oed and latest_oed
            else f"give {article} its offer expiration date"
        )
    doc["implementation_date"] = base
    if kind == "Modification":
        # a Modification is dated when it is written: without a date it is taken as written on
        # the latest offer expiration date, and could lower payments already due since then
        written = today or today_from_environment()
        doc["date"] = written
        notes[("document", "date")] = (
            f"the day {article} is written ({_spell(written)}): the payments due by then stay "
            "as they are, and the notes print in their versions in force that day; change it "
            "if it is written on another day"
        )
    example = (
        "'provides for two additional aircraft and increases the spares line'"
        if kind == "Amendment"
        else "'extends the Months of Line 002 and decreases the spares line'"
    )
    doc["purpose"] = placeholder(f"what {article} does, as a verb phrase, e.g. {example}")
    notes[("document", "purpose")] = f"{_the(title)} said: {_short(source.document.purpose)}"
    doc["reason"] = placeholder(
        "why, e.g. 'contract award', 'the Purchaser's request', 'delivery slippage'"
    )
    notes[("document", "reason")] = (
        f"{_the(title)} said: {_short(source.document.reason)}"
        if source.document.reason
        else f"say why {article} changes the case (or remove the field)"
    )
    for key, value in old.items():
        if (
            key in doc
            or key in _DROPPED
            or (kind == "Modification" and key == "offer_expiration_date")
        ):
            continue
        doc[key] = value
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = doc if key == "document" else value
    refs = source.purchaser_references
    if kind == "Modification":
        out["purchaser_references"] = []
        listed = "; ".join(f"{r.reference} ({r.date.isoformat()})" for r in refs)
        notes[("purchaser_references",)] = (
            "a Modification cites only new correspondence from the Purchaser; left empty it "
            "reads 'Based on U.S. Government Review'."
            + (f" The case's references so far: {listed}" if listed else "")
        )
    elif "purchaser_references" in out:
        notes[("purchaser_references",)] = (
            f"add the Purchaser's request for {article} (Letter of Request or signed minutes, "
            "with its date) after the earlier ones"
        )
    notes[("lines",)] = (
        f"the lines as {_the(title)} has them: change, add or remove lines for {new_title} (what "
        "changed is worked out against the previous document)"
    )
    if "package" in out:
        out["package"] = []
        notes[("package",)] = (
            f"each document has its own LOA package: record the supporting documents of "
            f"{new_title} here (`loagen package` lists what it needs)"
        )
    if "payment_schedule" in out:
        notes[("payment_schedule",)] = (
            f"the payment schedule of {_the(title)}: check it for {new_title}"
        )
    if "state_description" in out:
        notes[("state_description",)] = (
            f"{_the(title)}'s state description: check it for {new_title}"
        )
    return out, notes
