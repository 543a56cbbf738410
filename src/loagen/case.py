"""The case model (the input contract) and the loading of case files and their `previous` chain."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from .errors import CaseError, HistoryError, Problem, did_you_mean
from .reference import load_reference

# -- codes checked against the reference tables ------------------------------------------------


def _code(table: str, what: str) -> Any:
    """A string that must be a key of reference table `table`, with its enum in the schema."""
    codes = sorted(getattr(load_reference(), table))

    def check(value: str) -> str:
        if value not in getattr(load_reference(), table):
            raise ValueError(
                f"{value!r} is not a known {what}; expected one of {', '.join(codes)}"
                f"{did_you_mean(value, codes)}"
            )
        return value

    def to_str(value: Any) -> Any:
        # Codes such as TA "3" or DTC "4" are often typed as numbers.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    return Annotated[
        str,
        BeforeValidator(to_str),
        AfterValidator(check),
        WithJsonSchema({"type": "string", "enum": codes, "description": f"{what} code"}),
    ]


SourceCode = _code("source_codes", "Source Code")
TypeOfAssistance = _code("type_of_assistance", "Type of Assistance")
OfferReleaseCode = _code("offer_release_codes", "Offer Release Code")
DeliveryTermCode = _code("delivery_term_codes", "Delivery Term Code")
UnitOfIssue = _code("units_of_issue", "Unit of Issue")
TermOfSale = _code("terms_of_sale", "term of sale")


def _money(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(ge=0),
    WithJsonSchema({"type": "number", "minimum": 0}),
]
Quantity = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(ge=0),
    WithJsonSchema({"type": "number", "minimum": 0}),
]

LINE_NUMBER = re.compile(r"^(?!000)\d{3}[a-z]?$")
MONTHS = re.compile(r"^(\d{1,3})-(\d{1,3})$")
CASE_ID = re.compile(r"^([A-Z0-9]{2})-([A-Z])-([A-Z0-9]{3})$")


def _line_number(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f'write the line number as text in quotes, e.g. "{value:03d}" '
            "(a bare number loses its leading zeros)"
        )
    if isinstance(value, str) and not LINE_NUMBER.match(value):
        raise ValueError('expected three digits 001-999, optionally a subline letter (e.g. "001a")')
    return value


def _months(value: str) -> str:
    m = MONTHS.match(value)
    if not m:
        raise ValueError('expected a range of months such as "12-36"')
    if int(m.group(1)) > int(m.group(2)):
        raise ValueError(f"the first month ({m.group(1)}) is after the last ({m.group(2)})")
    return value


def _case_id(value: str) -> str:
    if not CASE_ID.match(value):
        raise ValueError(
            "expected CC-I-XXX: a 2-character country code, the Implementing Agency letter "
            "and a 3-character designator, e.g. BN-D-QAA"
        )
    return value


EARLIEST, LATEST = date(1950, 1, 1), date(2199, 12, 31)


def _plausible_date(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(
            f"{value.isoformat()} is outside the years {EARLIEST.year}-{LATEST.year}; is it a typo?"
        )
    return value


LoaDate = Annotated[date, AfterValidator(_plausible_date)]
LineNumber = Annotated[
    str,
    BeforeValidator(_line_number),
    WithJsonSchema({"type": "string", "pattern": LINE_NUMBER.pattern}),
]
Months = Annotated[
    str, AfterValidator(_months), WithJsonSchema({"type": "string", "pattern": MONTHS.pattern})
]
CaseId = Annotated[
    str, AfterValidator(_case_id), WithJsonSchema({"type": "string", "pattern": CASE_ID.pattern})
]
Text = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    """Base of every case model: unknown fields are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


# -- the case contract ----------------------------------------------------------------------


class Purchaser(Strict):
    name: Text
    """Full organisation name of the Purchaser (or Benefitting Partner)."""
    address: list[Text] = Field(min_length=1)
    """Postal address, one line per item."""


class PurchaserReference(Strict):
    reference: Text
    """Letter of Request or signed meeting minutes reference."""
    date: LoaDate
    """Date of the reference (YYYY-MM-DD)."""


class Restated(Strict):
    previous_offer_date: LoaDate
    """Date the superseded version was offered to the Purchaser."""


class CancelledDocument(Strict):
    kind: Literal["Amendment", "Modification"]
    number: int = Field(ge=1)


class FundSource(Strict):
    """BPC fund source and availability (optional)."""

    program: Text
    """Program authority, e.g. 'Section 333'."""
    fiscal_year: Text
    """Fiscal year of the funds, e.g. 'FY26'."""
    availability_end_date: LoaDate | None = None
    """Last date the funds are available for new obligations."""
    cancellation_date: LoaDate | None = None
    """Date the funds cancel."""


class DocumentInfo(Strict):
    kind: Literal["Basic", "Amendment", "Modification"]
    """Which document this file is."""
    number: int | None = Field(default=None, ge=1)
    """Amendment or Modification number; absent for a Basic."""
    previous: str | None = None
    """Path, relative to this file, of the snapshot this document changes."""
    offer_expiration_date: LoaDate | None = None
    """Offer expiration date (OED); a Modification has none."""
    implementation_date: LoaDate | None = None
    """The Basic's implementation date (on Amendments and Modifications)."""
    purpose: Text
    """Verb phrase for the case description, e.g. 'provides for two C-130J aircraft'."""
    reason: str | None = None
    """Why, for Amendments and Modifications."""
    restated: Restated | None = None
    """Present when this document restates one already offered to the Purchaser."""
    case_closure: bool = False
    """The document is processed for case closure."""
    cancelled: list[CancelledDocument] = Field(default_factory=list)
    """Earlier documents offered and cancelled without acceptance (optional)."""
    short_oed_reason: str | None = None
    """Why the offer expires sooner than standard (optional; adds the short OED note)."""

    @model_validator(mode="after")
    def _kind_rules(self) -> DocumentInfo:
        problems = []
        article = "an" if self.kind == "Amendment" else "a"
        if self.kind == "Basic":
            if self.number is not None:
                problems.append("a Basic has no number")
            if self.previous is not None:
                problems.append("a Basic has no previous document")
        else:
            if self.number is None:
                problems.append(f"{article} {self.kind} needs its number")
            if not self.previous:
                problems.append(f"{article} {self.kind} needs 'previous': the snapshot it changes")
        if self.kind == "Modification" and self.offer_expiration_date is not None:
            problems.append("a Modification has no offer expiration date (it is not signed)")
        if self.kind != "Modification" and self.offer_expiration_date is None:
            problems.append(f"{article} {self.kind} needs its offer_expiration_date")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class SoleSource(Strict):
    firm: Text
    """The designated firm."""
    role: Literal["prime", "subcontractor"]
    """Prime contractor or subcontractor."""
    purchaser_request_date: LoaDate
    """Date of the Purchaser's request for the designation."""


class Waiver(Strict):
    reference: Text
    date: LoaDate


class NonrecurringCost(Strict):
    amount: Money
    """Nonrecurring cost recoupment for the line, in U.S. dollars."""
    waiver: Waiver | None = None
    """A waiver removes the charge."""


class Eda(Strict):
    kind: Literal["grant", "sale"]
    acquisition_value: Money
    """Original acquisition value of the excess articles."""
    approval_reference: Text
    """The EDA approval (authorization) the line relies on."""
    approved_quantity: Quantity | None = None
    """Quantity the EDA approval allows (optional; checked against the line)."""
    approved_value: Money | None = None
    """Value the EDA approval allows (optional; checked against the line)."""


class Training(Strict):
    location: Literal["CONUS", "OCONUS"]
    severable: bool
    """Severable (true) or non-severable (false) services."""
    performance_period: Text
    """Expected period of performance, e.g. '18 months'."""
    travel_and_living_allowance: bool = False
    """Travel and Living Allowance requested by the Purchaser."""
    tla_approval_date: LoaDate | None = None
    """Date the Travel and Living Allowance was approved (optional)."""
    blanket_order: bool = False
    """Training provided on a blanket order basis (optional)."""


class Manpower(Strict):
    travel_cost_per_day: Money
    """Travel cost a day per person, in U.S. dollars."""
    justification: str | None = None
    """Why travel costs more than the standard daily limit."""


ItemTrait = Literal["nvd", "comsec", "mtcr", "gps_saasm", "ammunition", "classified", "eeum"]


class Line(Strict):
    number: LineNumber
    masl: Text
    """Military Articles and Services List number."""
    description: Text
    """MASL description printed in column (2)."""
    quantity: Quantity
    unit_of_issue: UnitOfIssue
    unit_cost: Money
    """U.S. dollars; line total = quantity x unit cost."""
    source_code: SourceCode
    months: Months | None = None
    """Months of Service (MOS) after the base date, e.g. '12-36'."""
    type_of_assistance: TypeOfAssistance
    offer_release_code: OfferReleaseCode | None = None
    delivery_term_code: DeliveryTermCode | None = None
    major_defense_equipment: bool = False
    kind: Literal["materiel", "services", "training", "medical", "manpower", "publications"]
    end_item: str | None = None
    """The end item the line supports."""
    items: list[ItemTrait] = Field(default_factory=list)
    """Item traits that trigger notes."""
    sole_source: SoleSource | None = None
    nonrecurring_cost: NonrecurringCost | None = None
    eda: Eda | None = None
    training: Training | None = None
    manpower: Manpower | None = None
    line_note: str | None = None
    """The writer's line item description text."""
    severable: bool | None = None
    """Severable (true) or non-severable (false), for a services line without training data."""
    performance_period: str | None = None
    """Expected period of performance, for a services line without training data."""

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_cost

    @property
    def month_range(self) -> tuple[int, int] | None:
        if not self.months:
            return None
        first, last = self.months.split("-")
        return int(first), int(last)

    @property
    def is_nsr(self) -> bool:
        return self.masl == load_reference().nsr_masl

    @property
    def is_wwrs_seller(self) -> bool:
        return self.masl == load_reference().wwrs_seller_masl

    @property
    def is_service(self) -> bool:
        return self.kind in ("services", "training", "medical", "manpower")

    @property
    def is_procurement(self) -> bool:
        return load_reference().procurement_source(self.source_code)


class Accessorial(Strict):
    packing_crating_handling: Money = Decimal(0)
    transportation: Money = Decimal(0)
    other: Money = Decimal(0)


class Payment(Strict):
    date: LoaDate
    amount: Money


class Case(Strict):
    """One document version of one case, as a full snapshot."""

    case_id: CaseId
    """Case identifier CC-I-XXX."""
    program: Literal["FMS", "BPC"]
    category: Literal["defined_order", "blanket_order", "clssa_fmso_i", "clssa_fmso_ii"]
    purchaser: Purchaser
    nickname: Text
    document: DocumentInfo
    purchaser_references: list[PurchaserReference] = Field(default_factory=list)
    terms_of_sale: list[TermOfSale] = Field(min_length=1)
    funding: Literal["national", "fmf", "bpc"]
    lines: list[Line] = Field(min_length=1)
    accessorial: Accessorial = Field(default_factory=Accessorial)
    payment_schedule: list[Payment] | None = None
    """Rows of the payment schedule; the first is the Initial Deposit. Absent: computed."""
    fund_source: FundSource | None = None
    """BPC fund source and availability (optional)."""
    state_description: str | None = None
    """The IA's own State description (optional; computed when absent)."""

    @model_validator(mode="after")
    def _unique_lines(self) -> Case:
        seen: set[str] = set()
        dupes = [ln.number for ln in self.lines if ln.number in seen or seen.add(ln.number)]
        if dupes:
            raise ValueError(
                f"line numbers must be unique; repeated: {', '.join(sorted(set(dupes)))}"
            )
        return self

    @property
    def country_code(self) -> str:
        return self.case_id[:2]

    @property
    def ia_code(self) -> str:
        return self.case_id[3]

    @property
    def kind(self) -> str:
        return self.document.kind

    def line(self, number: str) -> Line | None:
        return next((ln for ln in self.lines if ln.number == number), None)


def case_schema() -> dict[str, Any]:
    """The JSON Schema of a case file, for editors."""
    schema = Case.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "loagen case file"
    return schema


# -- loading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFile:
    """A loaded, valid case file: where it came from, its bytes' hash, and the model."""

    path: Path
    case: Case
    sha256: str


def _json_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_FIELD_NAMES: dict[str, set[str]] = {}


def _fields_at(loc: tuple[Any, ...]) -> set[str]:
    """Field names allowed at the model that owns location `loc` (for 'did you mean')."""
    model: Any = Case
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return set()
        ann = field.annotation
        model = _model_in(ann)
        if model is None:
            return set()
    return set(model.model_fields)


def _model_in(annotation: Any) -> Any:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _plain(err: dict[str, Any]) -> str:
    """Pydantic's error, said in plain words."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        return f"unknown field {name!r}{did_you_mean(name, _fields_at(err['loc']))}"
    if kind == "literal_error":
        return f"got {got!r}; expected one of {ctx.get('expected')}"
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return f"got {got!r}; expected a date written YYYY-MM-DD"
    if kind in ("decimal_parsing", "decimal_type", "int_parsing", "int_type", "float_parsing"):
        return f"got {got!r}; expected a number"
    if kind == "string_type":
        return f"got {got!r}; expected text"
    if kind in ("bool_type", "bool_parsing"):
        return f"got {got!r}; expected true or false"
    if kind in ("list_type",):
        return f"got {got!r}; expected a list"
    if kind in ("model_type", "dict_type"):
        return f"got {got!r}; expected an object with named fields"
    if kind == "greater_than_equal":
        return f"got {got!r}; expected a number of at least {ctx.get('ge')}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"]


def parse_case(data: Any, *, source: Path | None = None) -> Case:
    """Validate already-parsed case data; raise CaseError listing every problem."""
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        problems = tuple(
            Problem(source, _json_path(err["loc"]) or "(top level)", _plain(err))
            for err in exc.errors(include_url=False)
        )
        n = len(problems)
        raise CaseError(
            f"{source or 'case'}: {n} problem{'s' if n != 1 else ''} in the case file",
            source=source,
            problems=problems,
        ) from None


def _line_at(text: str, lineno: int) -> str | None:
    lines = text.splitlines()
    return lines[lineno - 1] if 0 < lineno <= len(lines) else None


class _DuplicateKey(ValueError):
    def __init__(self, key: str, where: str = "") -> None:
        super().__init__(key)
        self.key, self.where = key, where


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key written twice (the first value would be lost silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _StrictYamlLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key written twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise _DuplicateKey(str(key), f"line {mark.line + 1}, column {mark.column + 1}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_case_data(path: Path) -> tuple[Any, bytes]:
    """Read and parse a JSON or YAML case file, without validating it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CaseError("case file not found", source=path) from None
    except IsADirectoryError:
        raise CaseError(
            "this is a folder; give case files, or build a folder with `loagen batch`", source=path
        ) from None
    except OSError as exc:
        raise CaseError(f"cannot read the case file: {exc.strerror}", source=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaseError("the case file is not UTF-8 text", source=path) from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.load(text, Loader=_StrictYamlLoader)  # noqa: S506 (a SafeLoader)
        except _DuplicateKey as exc:
            raise CaseError(
                f"the field {exc.key!r} is written twice in one object; keep one",
                source=path,
                location=exc.where,
            ) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise CaseError(f"not valid YAML: {problem}", source=path, location=where) from None
    else:
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicate_pairs)
        except _DuplicateKey as exc:
            raise CaseError(
                f"the field {exc.key!r} is written twice in one object; keep one", source=path
            ) from None
        except json.JSONDecodeError as exc:
            raise CaseError(
                f"not valid JSON: {exc.msg}",
                source=path,
                location=f"line {exc.lineno}, column {exc.colno}",
                source_line=_line_at(text, exc.lineno),
            ) from None
    if not isinstance(data, dict):
        raise CaseError("a case file must hold one object with named fields", source=path)
    return data, raw


def load_case(path: Path) -> CaseFile:
    """Load one case file (JSON or YAML) and validate it against the contract."""
    path = Path(path)
    data, raw = read_case_data(path)
    case = parse_case(data, source=path)
    return CaseFile(path=path, case=case, sha256=hashlib.sha256(raw).hexdigest())


def load_chain(path: Path) -> tuple[CaseFile, ...]:
    """Load a document and every `previous` snapshot, oldest first.

    Raises HistoryError for a missing previous file, a previous of another case, a cycle,
    or an Amendment or Modification whose chain does not reach a Basic.
    """
    path = Path(path)
    chain: list[CaseFile] = []
    seen: set[Path] = set()
    current: Path | None = path
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            names = " -> ".join(str(c.path) for c in chain)
            raise HistoryError(
                f"the chain of previous documents loops back on itself: {names} -> {current}",
                source=path,
            )
        seen.add(resolved)
        try:
            loaded = load_case(current)
        except CaseError as exc:
            if chain and exc.message == "case file not found":
                later = chain[-1]
                raise HistoryError(
                    f"previous document {later.case.document.previous!r} not found "
                    f"(looked for {current})",
                    source=later.path,
                    location="document.previous",
                ) from None
            raise
        if chain and loaded.case.case_id != chain[-1].case.case_id:
            later = chain[-1]
            raise HistoryError(
                f"previous document {current} belongs to case {loaded.case.case_id}, "
                f"not {later.case.case_id}",
                source=later.path,
                location="document.previous",
            )
        chain.append(loaded)
        prev = loaded.case.document.previous
        current = (current.parent / prev) if prev else None
    chain.reverse()
    if chain[0].case.document.kind != "Basic":
        raise HistoryError(
            "the chain of previous documents does not start with a Basic", source=chain[0].path
        )
    return tuple(chain)
