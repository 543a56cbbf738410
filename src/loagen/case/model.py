"""The case model: the input contract of a case file, as Pydantic models."""

import ast
import calendar
import inspect
import re
import textwrap
import typing
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticKnownError

from ..errors import did_you_mean, quoted
from ..reference import load_reference
from ..reference.policy_tables import checklist_ids
from .meanings import EDITOR_SCHEMA_KEY, enrich

# -- digits --------------------------------------------------------------------------------------

_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")
r"""A decimal digit other than 0-9 (full-width '３', Arabic-Indic '٣'...): `\d` matches
any of them, and Python's `int` and `Decimal` read them, but they are other characters, so a
line number or a code written with them would not compare equal to the same one typed 0-9."""


def other_digits(value: str) -> str | None:
    """What to say of `value` when it holds a digit other than 0-9 (None when it does not):
    codes, line numbers, months, amounts and dates are typed with the digits 0-9."""
    m = _NON_ASCII_DIGIT.search(value)
    if m is None:
        return None
    return (
        f"got {quoted(value)}, written with the digit {m.group()!r} (not one of 0-9, e.g. a "
        "full-width or Arabic-Indic digit); type the digits 0-9"
    )


# -- codes checked against the reference tables ------------------------------------------------


def _code(table: str, what: str) -> Any:
    """A string that must be a key of reference table `table`, with its enum in the schema."""
    codes = sorted(getattr(load_reference(), table))
    by_letters: dict[str, list[str]] = {}
    for c in codes:
        by_letters.setdefault(c.casefold(), []).append(c)

    def check(value: Any) -> Any:
        # Codes such as TA "3" or DTC "4" are often typed as numbers. One function, before
        # Pydantic's own check that the value is text (which refuses anything else), does both:
        # a validator costs a call from pydantic-core for each code of each line.
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value not in getattr(load_reference(), table):
            same = by_letters.get(value.casefold(), ())
            if len(same) == 1:  # 'ea' is EA: the code is data, printed in its own form
                return same[0]
            if other := other_digits(value):
                raise ValueError(other)
            raise ValueError(
                f"{value!r} is not a known {what}; expected one of {', '.join(codes)}"
                f"{did_you_mean(value, codes)}"
            )
        return value

    return Annotated[
        str,
        BeforeValidator(check),
        WithJsonSchema({"type": "string", "enum": codes, "description": f"{what} code"}),
    ]


SourceCode = _code("source_codes", "Source Code")
TypeOfAssistance = _code("type_of_assistance", "Type of Assistance")
OfferReleaseCode = _code("offer_release_codes", "Offer Release Code")
DeliveryTermCode = _code("delivery_term_codes", "Delivery Term Code")
UnitOfIssue = _code("units_of_issue", "Unit of Issue")
TermOfSale = _code("terms_of_sale", "term of sale")


MONEY_LIMIT = Decimal("999999999999.99")
"""The largest amount a field takes: just under a trillion dollars."""
QUANTITY_LIMIT = Decimal(999_999_999)


class HugeNumber(str):
    """A number in a case file too long to be an amount or a quantity (kept as its digits)."""


class WrittenFloat(float):
    """A number with a decimal point read from a case file, which remembers how it was written:
    `285.000` and `285.0` are the same float, but an amount written with three decimals may be
    a European thousands separator (285,000), which only the text shows."""

    def __new__(cls, text: str) -> "WrittenFloat":
        number = super().__new__(cls, text)
        number.text = str(text)
        return number


def _number(value: Any) -> Any:
    """A number as an exact Decimal: text and floats as written (1.1 stays 1.1), never a
    float's binary expansion; values too long to be amounts are refused before conversion."""
    if isinstance(value, bool):
        raise ValueError(f"got {value!r}; expected a number")
    if isinstance(value, HugeNumber):
        raise ValueError(
            f"a number of {len(value):,} digits is far too large for an amount or quantity"
        )
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("expected a number, not infinity or NaN")
        return Decimal(repr(value))
    if isinstance(value, int):
        if abs(value) > 10**15:
            raise ValueError(f"{str(value)[:20]}... is far too large for an amount or quantity")
        return Decimal(value)
    if isinstance(value, str):
        if other := other_digits(value):
            raise ValueError(other)
        text = ungrouped(value.strip())
        spaced = _SPACE_GROUPED.fullmatch(text)
        if spaced:
            digits = re.sub(r"\s", "", spaced.group(1))
            shown = re.sub(r"\s", " ", text)  # a no-break or thin space shows as a space
            raise ValueError(
                f"got '{shown}'; spaces do not group thousands: write "
                f"{digits}{spaced.group(2) or ''} or "
                f"{int(digits):,}{spaced.group(2) or ''}"
            )
        if "," in text:
            raise ValueError(
                f"got {quoted(value)}; a comma may only group thousands (1,234,567.89), "
                "and a decimal point is written '.'"
            )
        if len(text) > 30 or not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
            raise ValueError(f"got {quoted(value)}; expected a number")
        return Decimal(text)
    return value


_ZEROS_AFTER_CENTS = re.compile(r"-?\$?\s*([0-9,]*)\.([0-9]{2})(0+)")
"""An amount written with three decimals or more, those after the cents all zeros ('285.000')."""


def _thousands_or_cents(value: Any) -> None:
    """Refuse an amount written with zeros after its cents ('285.000'): a European writes the
    thousands separator as a point, so it may mean 285,000 as well as 285.00, and reading it as
    the smaller would print a price a thousand times too low without a word."""
    text = value.text if isinstance(value, WrittenFloat) else value
    if not isinstance(text, str):
        return
    m = _ZEROS_AFTER_CENTS.fullmatch(text.strip())
    if m is None or not m.group(1).replace(",", ""):
        return
    whole, cents = m.group(1).replace(",", ""), m.group(2)
    if int(whole + cents) == 0:  # 0.000 is nothing, however it is read
        return
    as_cents = f"{int(whole):,}.{cents}"
    if len(cents + m.group(3)) == 3:
        thousands = f"{int(whole + cents + m.group(3)):,}"
        raise ValueError(
            f"got {quoted(str(text))}: did you mean {thousands} or {as_cents}? The point is "
            f"the decimal point, and an amount has at most two decimals: write {thousands} "
            f"or {as_cents}"
        )
    raise ValueError(
        f"got {quoted(str(text))}; amounts are in U.S. dollars and cents: at most two "
        f"decimal places (write {as_cents})"
    )


_THREE_DECIMALS_ENDING_IN_ZERO = re.compile(r"([0-9]{1,3})\.([0-9]{2}0)")
"""A quantity written with three decimals, the last a zero, and no comma grouping its whole
part ('2.500', '24.000'; '1,200.000' is plainly 1,200)."""


def _quantity(value: Any) -> Any:
    """A quantity as `_number` reads it, but one written with three decimals ending in a zero
    ('2.500', '24.000'): a European writes the thousands separator as a point, so it may mean
    2,500 as well as 2.5, and reading it as the smaller would cost a thousandth of the line
    without a word (a quantity of 2.125 keeps its three decimals)."""
    text = value.text if isinstance(value, WrittenFloat) else value
    if isinstance(text, str):
        m = _THREE_DECIMALS_ENDING_IN_ZERO.fullmatch(text.strip())
        if m and int(m.group(1)):
            thousands = f"{int(m.group(1) + m.group(2)):,}"
            small = f"{Decimal(f'{m.group(1)}.{m.group(2)}').normalize():f}"
            raise ValueError(
                f"got {quoted(str(text))}: did you mean {thousands} or {small}? The point is "
                f"the decimal point: write {thousands} or {small}"
            )
    return _number(value)


def _amount(value: Any) -> Any:
    """An amount as `_number` reads it, written with or without its dollar sign ('$1,850,000',
    '-$12.50'): amounts are in U.S. dollars."""
    _thousands_or_cents(value)
    if isinstance(value, str):
        text = value.strip()
        bare = text[1:] if text.startswith("$") else "-" + text[2:] if text.startswith("-$") else ""
        if bare:
            try:
                return _number(bare)
            except ValueError as exc:
                raise ValueError(str(exc).replace(quoted(bare), quoted(value), 1)) from None
    return _number(value)


def ungrouped(text: str) -> str:
    """`text` without the commas that group a number's thousands ("1,234.5" gives "1234.5"),
    or as it is when its commas do not (a decimal comma, "12,50", is never read as 1250)."""
    if "," in text and len(text) <= 40 and _GROUPED.fullmatch(text):
        return text.replace(",", "")
    return text


_GROUPED = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
"""A number whose commas group its whole part by thousands."""
_SPACE_GROUPED = re.compile(r"(-?[0-9]{1,3}(?:\s[0-9]{3})+)(\.[0-9]+)?")
"""A number whose whole part is grouped by thousands with spaces (a no-break space, pasted from
a spreadsheet or a document, most often)."""


_CENT = Decimal("0.01")
_THOUSANDTH = Decimal("0.001")


def _at_least_zero(value: Decimal) -> None:
    """Refuse a negative amount or quantity as `Field(ge=0)` does (the same error), in the
    validator that checks the rest: a validator of its own costs a call from pydantic-core for
    each amount and quantity."""
    if value < 0:
        raise PydanticKnownError("greater_than_equal", {"ge": 0})


def _dollars(value: Decimal) -> str:
    """`value` as a message says an amount: "$500,000,000" (cents only when there are any: a
    unit cost written 500000000.0 is not "$500,000,000.0")."""
    return f"${value:,.2f}" if value != value.to_integral_value() else f"${value:,.0f}"


def _money_value(value: Decimal) -> Decimal:
    _at_least_zero(value)
    if not value.is_finite():
        raise ValueError("expected a number, not infinity or NaN")
    if value > MONEY_LIMIT:
        raise ValueError(
            f"${value:,.0f} is more than an LOA line or charge can hold (at most "
            f"${MONEY_LIMIT:,}); is a digit repeated?"
        )
    if value != value.quantize(_CENT):
        raise ValueError("amounts are in U.S. dollars and cents: at most two decimal places")
    return value


def _quantity_value(value: Decimal) -> Decimal:
    _at_least_zero(value)
    if not value.is_finite():
        raise ValueError("expected a number, not infinity or NaN")
    if value > QUANTITY_LIMIT:
        raise ValueError(f"a quantity of {value:,.0f} is implausible; is a digit repeated?")
    if value != value.quantize(_THOUSANDTH):
        raise ValueError("a quantity has at most three decimal places")
    return value


_WRITTEN_WHOLE = r"\s*([0-9]+|[0-9]{1,3}(,[0-9]{3})+)"
"""The whole part of a number written as text: digits, or digits grouped by thousands with
commas (for the editor's schema; `_number` reads it)."""
Money = Annotated[
    Decimal,
    BeforeValidator(_amount),
    AfterValidator(_money_value),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 999999999999.99},
                {
                    "type": "string",
                    "pattern": rf"^\s*\$?{_WRITTEN_WHOLE}(\.[0-9]{{1,2}})?\s*$",
                    "description": "an amount written as text: '$1,850,000', '1250000.50'",
                },
            ]
        }
    ),
]
Quantity = Annotated[
    Decimal,
    BeforeValidator(_quantity),
    AfterValidator(_quantity_value),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": rf"^{_WRITTEN_WHOLE}(\.[0-9]{{1,3}})?\s*$"},
            ]
        }
    ),
]

LINE_NUMBER = re.compile(r"^(?!000)[0-9]{3}[a-z]?$")
MONTHS = re.compile(r"^([0-9]{1,3})-([0-9]{1,3})$")
CASE_ID = re.compile(r"^([A-Z0-9]{2})-([A-Z])-([A-Z0-9]{3})$")


def _line_number(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f'write the line number as text in quotes, e.g. "{value:03d}" '
            "(a bare number loses its leading zeros)"
        )
    if isinstance(value, str) and not LINE_NUMBER.match(value):
        if other := other_digits(value):
            raise ValueError(other)
        raise ValueError('expected three digits 001-999, optionally a subline letter (e.g. "001a")')
    return value


def _months(value: str) -> str:
    m = MONTHS.match(value)
    if not m:
        if other := other_digits(value):
            raise ValueError(other)
        raise ValueError(
            'expected a range of months such as "12-36" (first and last month, each 0 to 999)'
        )
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


def read_date(text: str) -> date:
    """A date written YYYY-MM-DD, read as a case file's dates are (a ValueError in plain words
    otherwise: a day the month does not have, a year far off ...), for a date on the command
    line."""
    return _plausible_date(date.fromisoformat(_date_text(text)))


def _plausible_date(value: date) -> date:
    _plausible_year(value.year, value.isoformat())
    return value


def _plausible_year(year: int, written: str) -> None:
    if not EARLIEST.year <= year <= LATEST.year:
        raise ValueError(
            f"{written} is outside the years {EARLIEST.year}-{LATEST.year}; is it a typo?"
        )


def _date_text(value: Any) -> Any:
    """Dates are written YYYY-MM-DD; a bare number is not a date (it would be read as seconds
    since 1970)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"got the number {value!r}; write the date as YYYY-MM-DD")
    if isinstance(value, datetime):  # YAML reads 2027-03-15T10:00:00 as a date and a time
        raise ValueError(
            f"got {value.isoformat(sep=' ')}, a date and a time; write the date alone, YYYY-MM-DD"
        )
    if isinstance(value, str):
        text = value.strip()
        m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
        if m is None:
            if other := other_digits(text):
                raise ValueError(other)
            raise ValueError(f"got {quoted(value)}; expected a date written YYYY-MM-DD")
        year, month, day = map(int, m.groups())
        _plausible_year(year, text)
        if not 1 <= month <= 12:
            raise ValueError(f"got {quoted(value)}: there is no month {month} (YYYY-MM-DD)")
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            name = calendar.month_name[month]
            days = calendar.monthrange(year, month)[1]
            raise ValueError(
                f"got {quoted(value)}: {name} {year} has no day {day} (it has {days} days)"
            )
        return text
    return value


LoaDate = Annotated[
    date,
    BeforeValidator(_date_text),
    AfterValidator(_plausible_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]
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
TEXT_LIMIT = 20_000
"""The longest text a field of a case file takes (characters)."""


UNSEEN = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
"""Characters refused in text (a regular-expression class's ranges): control characters other
than tab and line breaks, which do not print (Word shows some as a box, the DOCX drops the
rest), and the bidirectional embedding, override and isolate characters, which make text show
in another order than it is written ("R&D \u202eevil\u202c" shows as "R&D live"). A writer
cannot see either kind, so the case file is refused at the field, never changed silently."""
NOT_BLANK = rf"^[^{UNSEEN}]*[^\s{UNSEEN}][^{UNSEEN}]*$"
"""Text must hold something other than spaces, and none of the UNSEEN characters (checked by
Pydantic's own engine; the pattern reads the same in Python, in Rust and in an editor's JSON
Schema)."""
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=TEXT_LIMIT, pattern=NOT_BLANK),
    WithJsonSchema({"type": "string", "minLength": 1, "pattern": NOT_BLANK}),
]
OptionalText = Text


class Strict(BaseModel):
    """Base of every case model: unknown fields are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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


class AgreementDocument(Strict):
    document: Text
    """The Interagency Agreement or Memorandum of Agreement, e.g. 'IAA 21-004 (Amendment 2)'."""
    amended_date: LoaDate | None = None
    """Date it was last amended."""


class DirectFundedEquipment(Strict):
    procuring_activity: Text
    """The activity that bought the equipment with direct funding."""
    training_summary: Text
    """What the training on this LOA covers (objectives or course titles)."""


def funding_mismatch(program: str, funding: str) -> str | None:
    """Why `funding` does not go with `program` (None when it does): BPC cases, and only they,
    are funded by U.S. appropriations."""
    if (program == "BPC") == (funding == "bpc"):
        return None
    return (
        f"program {program} with funding {funding!r}: BPC cases, and only they, are funded by "
        "U.S. appropriations ('bpc'); FMS cases by the Purchaser's funds ('national') or by "
        "Foreign Military Financing ('fmf')"
    )


FISCAL_YEARS = re.compile(
    r"\s*(?:FY\s*)?(\d{4}|\d{2})\s*(?:[/-]\s*(?:FY\s*)?(\d{4}|\d{2})\s*)?",
    re.IGNORECASE | re.ASCII,
)
"""A fiscal year of funds, 'FY26', 'FY 2026' or '2026', or the span of multi-year funds,
'FY2025/2026', 'FY25-26' or 'FY25/FY27'."""


def fiscal_years(text: str) -> tuple[int, ...]:
    """The fiscal years `text` names (see FISCAL_YEARS), every year of a span; () when it does
    not read as fiscal years."""
    m = FISCAL_YEARS.fullmatch(text)
    if m is None:
        return ()
    first, last = (int(g) if len(g) == 4 else 2000 + int(g) for g in (m[1], m[2] or m[1]))
    if not first <= last <= first + 5:
        return ()
    return tuple(range(first, last + 1))


class FundSource(Strict):
    """BPC fund source and availability (optional)."""

    program: Text
    """Program authority, e.g. 'Section 333' (see reference/bpc_programs.yaml)."""
    fiscal_year: Text
    """Fiscal year of the funds, e.g. 'FY26' (printed as written); multi-year funds
    'FY2025/2026'. Other text is taken as written (QC-BPC-FISCAL-YEAR asks for a year)."""
    availability_end_date: LoaDate | None = None
    """Last date the funds are available for new obligations."""
    cancellation_date: LoaDate | None = None
    """Date the funds cancel."""
    title: Literal[10, 22] | None = None
    """Title 10 (DoD) or Title 22 (State) funds; absent: read from the program's reference row."""
    purpose: Text | None = None
    """What the funds are for, as the fund source note states it."""
    appropriation_authority: Text | None = None
    """The appropriation act, when it differs from the program authority."""
    fund_code: Text | None = None
    """The fund source code."""
    iaa_moa: AgreementDocument | None = None
    """Title 22: the Interagency Agreement or MOA the funds come under."""
    obligation_number: Text | None = None
    """Title 22: the obligation number."""
    program_title: Text | None = None
    """'FY26 Tranche 2 Bandaria - Maritime Security': the program as notified."""
    direct_funded_equipment: DirectFundedEquipment | None = None
    """Section 333 training whose equipment was bought by direct funding, not on a BPC LOA."""

    @property
    def fiscal_years(self) -> tuple[int, ...]:
        """Every fiscal year of the funds: (2026,) for 'FY26', (2020, 2021) for 'FY2020/2021';
        () when `fiscal_year` does not read as years."""
        return fiscal_years(self.fiscal_year)

    @model_validator(mode="after")
    def _dates(self) -> "FundSource":
        end, cancel = self.availability_end_date, self.cancellation_date
        if end is not None and cancel is not None and end > cancel:
            raise ValueError("availability_end_date is after cancellation_date")
        return self


class NoteInForce(Strict):
    id: Text
    """The note's id in the library (or an id of your own starting with LEGACY- for a note the
    library does not hold)."""
    version: Text
    """The version of it the case carries."""


class CongressionalNotification(Strict):
    """The AECA section 36(b) Congressional Notification a document is offered under."""

    number: Text
    """The notification's transmittal number, as DSAMS lists it (e.g. '25-12')."""
    date: LoaDate
    """The date Congress received the formal notification: the review period counts from it."""
    mde_value: Money | None = None
    """The Major Defense Equipment value notified, in U.S. dollars (optional; loagen warns when
    the case grows beyond it)."""
    total_value: Money | None = None
    """The total value notified, in U.S. dollars (optional; loagen warns when the case grows
    beyond it)."""


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
    reason: OptionalText | None = None
    """Why, for Amendments and Modifications."""
    restated: Restated | None = None
    """Present when this document restates one already offered to the Purchaser."""
    case_closure: bool = False
    """The document is processed for case closure."""
    cancelled: list[CancelledDocument] = Field(default_factory=list)
    """Earlier documents offered and cancelled without acceptance (optional)."""
    short_oed_reason: OptionalText | None = None
    """Why the offer expires sooner than standard (optional; adds the short OED note)."""
    date: LoaDate | None = None
    """The date the document is written (optional): it decides which version of a note is new
    enough to print. Absent: the offer expiration date, or on a Modification the latest offer
    expiration date of the case."""
    cwd_approval_date: LoaDate | None = None
    """The date DSCA (CWD) approved the Basic for offer (optional; several notes apply only to
    cases approved before a date; absent: the Basic's offer expiration date stands for it)."""
    notes_in_force: list[NoteInForce] | None = None
    """The notes the case carried before this document, when its earlier documents were not
    written with loagen (optional; Amendments and Modifications only)."""
    offer_date: LoaDate | None = None
    """The date the document is (to be) offered to the Purchaser (optional; checked against the
    end of the 36(b) review period; absent: `date`, else the offer expiration date)."""
    accepted_date: LoaDate | None = None
    """The date the Purchaser signed (accepted) this document (optional; a Basic or an
    Amendment). Given, an offer expiration date that has passed is no longer warned of: the
    offer was taken up."""
    congressional_notification: CongressionalNotification | None = None
    """The AECA 36(b) Congressional Notification (or report) this document is offered under
    (optional; see `loagen package` and the QC-CN-36B checks)."""

    @model_validator(mode="after")
    def _kind_rules(self) -> "DocumentInfo":
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
        if self.kind == "Modification" and self.accepted_date is not None:
            problems.append("a Modification has no accepted_date (it is not signed)")
        offered, offered_field = (
            (self.offer_date, "offer_date") if self.offer_date else (self.date, "date")
        )
        if self.accepted_date is not None and offered and self.accepted_date < offered:
            problems.append(
                f"accepted_date is before the document's {offered_field}: the Purchaser signs "
                "a document once it is offered"
            )
        if (
            self.accepted_date is not None
            and self.offer_expiration_date is not None
            and self.accepted_date > self.offer_expiration_date
        ):
            problems.append(
                "accepted_date is after the offer_expiration_date: an offer cannot be accepted "
                "once it has expired; if the U.S. Government extended it, give the extended "
                "offer_expiration_date"
            )
        if self.kind != "Modification" and self.offer_expiration_date is None:
            problems.append(f"{article} {self.kind} needs its offer_expiration_date")
        if self.kind == "Basic" and self.notes_in_force is not None:
            problems.append("a Basic has no notes in force before it (notes_in_force)")
        if self.notes_in_force:
            ids = [n.id for n in self.notes_in_force]
            if len(set(ids)) != len(ids):
                problems.append("notes_in_force lists a note twice")
        if (
            self.cwd_approval_date is not None
            and self.offer_expiration_date is not None
            and self.cwd_approval_date > self.offer_expiration_date
        ):
            problems.append("cwd_approval_date is after the offer expiration date")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class SoleSource(Strict):
    firm: Text
    """The designated firm."""
    role: Literal["prime", "subcontractor"]
    """Prime contractor or subcontractor."""
    purchaser_request_date: LoaDate | None = None
    """Date of the Purchaser's request for the designation (FMS: required, see the checks)."""
    approved_by: Text | None = None
    """BPC: the Implementing Agency office that approved the sole source exception."""
    authority: Text | None = None
    """BPC: the DoD authorization (statute or regulation) the exception uses."""


class Waiver(Strict):
    reference: Text
    date: LoaDate
    masl: Text | None = None
    """The MASL the waiver names (optional; SAMM AP9.T4: it must match the line's MASL)."""


class WaiverRequest(Strict):
    forwarded_date: LoaDate
    """Date the waiver request went to DSCA."""
    request_line: LineNumber | None = None
    """The line of the request (when the request names one)."""


class CooperativeProject(Strict):
    project: Text
    """The cooperative project or consortium the U.S. Government belongs to."""
    note_text: Text
    """The note text DSCA drafted for the case."""


class NonrecurringCost(Strict):
    amount: Money
    """Nonrecurring cost recoupment for the line, in U.S. dollars."""
    waiver: Waiver | None = None
    """A waiver removes the charge."""
    waiver_requested: WaiverRequest | None = None
    """A waiver was asked for and is under review; the charge stays in the price."""
    cooperative: CooperativeProject | None = None
    """The charge is collected or waived within a cooperative project that includes the USG."""

    @model_validator(mode="after")
    def _one_state(self) -> "NonrecurringCost":
        if self.waiver is not None and self.waiver_requested is not None:
            raise ValueError(
                "a nonrecurring cost has either an approved waiver or a waiver under review, "
                "not both"
            )
        return self


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
    justification: OptionalText | None = None
    """Why travel costs more than the standard daily limit."""
    mtds_exemption: OptionalText | None = None
    """Why the line needs no Manpower Travel Data Sheet: the exemption of SAMM C9.4.2.4.4 the
    manpower falls under (optional; absent: the sheet goes in the LOA package)."""


ItemTrait = Literal[
    "nvd", "comsec", "mtcr", "gps_saasm", "ammunition", "classified", "eeum", "tow_2b"
]


class FocDelivery(Strict):
    year: int = Field(ge=2000, le=2199)
    """Calendar year of the estimated delivery to the partner."""
    quarter: int = Field(ge=1, le=4)
    """Calendar quarter of it."""
    quantity: Quantity | None = None
    """How many (absent: the line's quantity)."""


class Line(Strict):
    number: LineNumber
    masl: Text
    """Military Articles and Services List number."""
    description: Text
    """MASL description printed in column (2)."""
    nomenclature: OptionalText | None = None
    """The item's name as a reader writes it, singular and in normal case, for the State
    description and the line description note, e.g. 'Javelin Command Launch Unit' (absent:
    loagen derives it from the MASL description)."""
    nomenclature_plural: OptionalText | None = None
    """The plural of the item's name, only when the English rules get it wrong, e.g. 'Tool Kits
    Complete' for 'Tool Kit Complete' (absent: loagen puts the name's head noun in the
    plural)."""
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
    end_item: OptionalText | None = None
    """The end item the line supports."""
    items: list[ItemTrait] = Field(default_factory=list)
    """Item traits that trigger notes."""
    sole_source: SoleSource | None = None
    nonrecurring_cost: NonrecurringCost | None = None
    eda: Eda | None = None
    training: Training | None = None
    manpower: Manpower | None = None
    line_note: OptionalText | None = None
    """The writer's line item description text."""
    severable: bool | None = None
    """Severable (true) or non-severable (false), for a services line without training data."""
    performance_period: OptionalText | None = None
    """Expected period of performance, for a services line without training data."""
    scml: bool = False
    """The line is the case's Small Case Management Line (cases accepted 2006-2012)."""
    program_support_charge: Literal["snap", "crr", "other"] | None = None
    """The line bears an Army Program Support Charge: SNAP, CR&R or another program."""
    foc_delivery: FocDelivery | None = None
    """Estimated delivery to the partner, for a Full Operational Capability line (BPC s333)."""
    nsr_covers_price_increases: bool = False
    """Non-Specific Requirements line: the Purchaser lets it cover price increases."""
    design_and_construction: bool = False
    """The line provides design and construction services (AECA 36(b) counts their value
    against a threshold of its own)."""
    comsec_release: Literal["nsa_specific", "nsa_general"] | None = None
    """COMSEC equipment: released by the National Security Agency for this case
    (nsa_specific), or under an NSA general release (nsa_general: no release copy in the LOA
    package); absent: a specific release is needed."""
    nvd_mount: Literal["man_portable", "platform"] | None = None
    """Night vision devices: man-portable, or mounted on a platform (no DSCA authorization
    memorandum in the LOA package); absent: man-portable."""

    @model_validator(mode="after")
    def _whole_quantity(self) -> "Line":
        if self.quantity != self.quantity.to_integral_value() and (
            self.unit_of_issue not in load_reference().measures
        ):
            raise ValueError(
                f"quantity {self.quantity} of unit {self.unit_of_issue} must be a whole number "
                "(only units of measure, such as LB or GL, take fractions)"
            )
        return self

    @field_validator("unit_cost")
    @classmethod
    def _total_within_limit(cls, unit_cost: Decimal, info: ValidationInfo) -> Decimal:
        """The line total (quantity x unit cost) is an amount too: at most MONEY_LIMIT, as
        every amount of an LOA (said at the unit cost, the field that makes it)."""
        quantity = info.data.get("quantity")
        if quantity is not None and quantity * unit_cost > MONEY_LIMIT:
            raise ValueError(
                f"the line total, {quantity:,} x {_dollars(unit_cost)} = "
                f"{_dollars(quantity * unit_cost)}, is "
                f"more than an LOA line can hold (at most ${MONEY_LIMIT:,}); check the quantity "
                "and the unit cost (is a digit repeated?)"
            )
        return unit_cost

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
    pch_lines: list[LineNumber] | None = None
    """The lines packing, crating and handling is charged on (absent: the materiel lines)."""
    transportation_lines: list[LineNumber] | None = None
    """The lines transportation is charged on (absent: the materiel lines)."""
    lookup_table_lines: list[LineNumber] = Field(default_factory=list)
    """Lines whose transportation was costed with the SAMM Appendix 2 look-up table."""


class Payment(Strict):
    date: LoaDate
    amount: Money


class AdminSurchargeWaiver(Strict):
    """The administrative surcharge is waived: NATO AWACS, NSPO, or a reciprocal training
    agreement (each its own note)."""

    kind: Literal["nato_awacs", "nspo", "reciprocal_training"]
    amount: Money | None = None
    """What is waived, in U.S. dollars. NATO AWACS: the administrative surcharges (absent:
    loagen works them out from the lines). NSPO: the same (absent: the note states no amount).
    Reciprocal training: required, the administrative surcharges, indirect costs and trainee
    billeting charges of the training, which the note states in all (loagen's costs hold the
    surcharges only; a check warns when the amount is below them)."""
    includes_scml: bool = False
    """The waiver covers the Small Case Management Line too."""
    project_title: Text | None = None
    """NSPO: the weapon system partnership agreement or NATO/SHAPE project."""
    reference: Text | None = None
    """NSPO: the U.S. Mission to NATO documentation of the waiver."""
    agreement_title: Text | None = None
    """Reciprocal training: the agreement's title."""
    agreement_effective_date: LoaDate | None = None
    """Reciprocal training: the date the agreement took effect."""
    reimbursed_by: Text | None = None
    """Reciprocal training: the organisation that repays the waived surcharges."""
    obligation_document: Text | None = None
    """Reciprocal training: the miscellaneous obligation document reserving the repayment."""
    lines: list[LineNumber] = Field(default_factory=list)
    """Reciprocal training: the non-dedicated training lines the waiver covers."""

    @model_validator(mode="after")
    def _needed(self) -> "AdminSurchargeWaiver":
        needed = {
            "nato_awacs": (),
            "nspo": ("project_title", "reference"),
            "reciprocal_training": (
                "agreement_title", "agreement_effective_date", "amount", "reimbursed_by",
                "obligation_document",
            ),
        }[self.kind]  # fmt: skip
        missing = [name for name in needed if getattr(self, name) is None]
        if self.kind == "reciprocal_training" and not self.lines:
            missing.append("lines")
        if missing:
            why = (
                "; amount is the administrative surcharges, indirect costs and trainee "
                "billeting charges it waives, in U.S. dollars (loagen cannot work out the "
                "indirect costs and billeting from the lines)"
                if self.kind == "reciprocal_training" and "amount" in missing
                else ""
            )
            raise ValueError(f"a {self.kind} waiver needs {', '.join(missing)}{why}")
        return self


class CasWaiver(Strict):
    components: list[
        Literal[
            "contract_administration",
            "quality_assurance_and_inspection",
            "contract_audit",
            "overseas",
        ]
    ] = Field(min_length=1)
    """The parts of the Contract Administration Services surcharge that are waived."""
    reference: Text
    """The waiver's reference."""
    date: LoaDate
    """Its date."""


class Cas(Strict):
    """Contract Administration Services surcharge details (optional)."""

    overseas: bool = False
    """Overseas CAS applies (contracts administered outside the United States)."""
    waiver: CasWaiver | None = None


class SecurityAssurances(Strict):
    """The Purchaser takes custody of classified materiel in the United States (SAMM C7.14)."""

    method: Literal["transmission_instructions", "transportation_plan"]
    """Transmission instructions in the LOA, or an approved Transportation Plan."""
    text: Text
    """The security requirements as the Implementing Agency writes them."""


class ShipmentConsolidation(Strict):
    point: Text
    """The consolidation point's name."""
    address: list[Text] = Field(min_length=1)
    """Its address, one line per item."""
    lines: list[LineNumber] = Field(min_length=1)
    """The lines whose materiel is consolidated there."""


def _package_kind(value: str) -> str:
    kinds = checklist_ids()
    if value not in kinds:
        raise ValueError(
            f"{quoted(value)} is not a document of the LOA package checklist; expected one of "
            f"{', '.join(kinds)}{did_you_mean(value, kinds)} (`loagen package` lists the ones "
            "a document needs)"
        )
    return value


PackageKind = Annotated[
    str,
    AfterValidator(_package_kind),
    WithJsonSchema({"type": "string", "enum": list(checklist_ids())}),
]


class PackageDocument(Strict):
    """A supporting document of the CTS LOA package that is at hand (SAMM AP9.T4)."""

    kind: PackageKind
    """Which document of the checklist it is (reference/package.yaml)."""
    reference: Text
    """Its reference: memorandum, message, letter or worksheet number."""
    date: LoaDate
    """Its date."""
    lines: list[LineNumber] | None = None
    """The lines it covers (optional; absent: every line it concerns)."""
    note: OptionalText | None = None
    """Anything a reviewer should know about it (optional)."""


class Multinational(Strict):
    """A multinational FMS case (SAMM C5.6): a Lead Nation procurement or an Agent Sale."""

    kind: Literal["lead_nation", "agent_sale"]
    """lead_nation: one country or organisation buys for several (SAMM C5.6.2); agent_sale:
    an international organisation buys for one or more countries (C5.6.3)."""
    participants: list[Text] = Field(default_factory=list)
    """The participating countries or organisations (optional)."""


class ExceptionToPolicy(Strict):
    """A DSCA Exception to Policy the document relies on (SAMM C6.7.5)."""

    reference: Text
    """The DSCA approval's reference."""
    date: LoaDate
    """The date of the approval."""
    subject: Text
    """The policy it sets aside, in a few words."""
    lines: list[LineNumber] = Field(default_factory=list)
    """The lines it concerns (optional)."""


class FullOperationalCapability(Strict):
    """The LOA uses the Full Operational Capability provision of 10 USC 2282 or 333."""

    authority: Literal["2282", "333"]
    program_title: Text
    """The Congressionally Notified program, as notified."""
    program_office: Text
    """The office that manages the LOA."""
    major_end_item: Text
    """The major end item whose delivery decides whether the provision applies."""


class TermAmount(Strict):
    """One term of sale with the dollars it pays (page 1's breakout of several terms)."""

    term: TermOfSale
    """A term of sale of the case (one of `terms_of_sale`)."""
    amount: Money | None = None
    """The dollars this term pays; absent on the last term: it pays the balance."""


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
    terms_breakout: list[TermAmount] | None = None
    """The dollars each term of sale pays, when there are several and one is a credit term
    (optional; SAMM C9.8.1): page 1 prints each term with its amount, the last one without an
    amount as "Balance"."""
    funding: Literal["national", "fmf", "bpc"]
    lines: list[Line] = Field(min_length=1)
    accessorial: Accessorial = Field(default_factory=Accessorial)
    payment_schedule: list[Payment] | None = Field(default=None, min_length=1)
    """Rows of the payment schedule; the first is the Initial Deposit. Absent: computed."""
    fund_source: FundSource | None = None
    """BPC fund source and availability (optional)."""
    state_description: OptionalText | None = None
    """The IA's own State description (optional; computed when absent)."""
    admin_surcharge_waiver: AdminSurchargeWaiver | None = None
    """The administrative surcharge is waived (NATO AWACS, NSPO, reciprocal training)."""
    cas: Cas | None = None
    """Contract Administration Services details: overseas CAS, a CAS waiver."""
    security_assurances: SecurityAssurances | None = None
    """The Purchaser takes custody of classified materiel in the United States."""
    long_lead_pending_notification: bool = False
    """The LOA buys long lead-time items before Congressional Notification of the whole sale
    is complete."""
    shipment_consolidation: ShipmentConsolidation | None = None
    """Shipments are expected to be consolidated."""
    foc: FullOperationalCapability | None = None
    """BPC: the Full Operational Capability provision of 10 USC 2282 or 333 is used."""
    eeum_fms_authorized: bool = False
    """FMS: the Assistance Monitoring Division Chief authorized the EEUM delivery-limitation
    note on this case."""
    sco_name: Text | None = None
    """The Security Cooperation Organization in the Purchaser's country."""
    bpc_system: Literal["case_module", "bpc_module"] | None = None
    """BPC: whether the case is developed in the DSAMS case module (legacy programs) or the
    DSAMS BPC module (absent: the case module)."""
    package: list[PackageDocument] | None = None
    """The supporting documents of the CTS LOA package at hand (optional; absent: the case
    file does not track them). `loagen package` lists the ones the document needs."""
    nsa_m_case: bool = False
    """The case is a National Security Agency "M" case: its COMSEC needs no separate NSA
    release in the LOA package."""
    multinational: Multinational | None = None
    """A Lead Nation procurement or an Agent Sale (optional)."""
    exceptions_to_policy: list[ExceptionToPolicy] = Field(default_factory=list)
    """The DSCA Exceptions to Policy the document relies on (optional)."""
    payment_schedule_requested: bool = False
    """The payment schedule is one the Purchaser asked for (a unique payment schedule the
    Implementing Agency approved; a revised one goes with each Amendment or Modification that
    keeps it)."""

    @model_validator(mode="before")
    @classmethod
    def _editor_schema(cls, data: Any) -> Any:
        """A JSON case file may name its schema for editors ("$schema", see docs/editors.md);
        it is not case data."""
        if isinstance(data, dict) and EDITOR_SCHEMA_KEY in data:
            return {k: v for k, v in data.items() if k != EDITOR_SCHEMA_KEY}
        return data

    @model_validator(mode="after")
    def _breakout_terms(self) -> "Case":
        if not self.terms_breakout:
            return self
        problems = []
        named = [t.term for t in self.terms_breakout]
        for term in named:
            if term not in self.terms_of_sale:
                problems.append(f"terms_breakout names {term!r}, which is not in terms_of_sale")
        if len(set(named)) != len(named):
            problems.append("terms_breakout names a term twice")
        if any(t.amount is None for t in self.terms_breakout[:-1]):
            problems.append(
                "terms_breakout: only the last term may go without an amount (it pays the balance)"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @field_validator("lines")
    @classmethod
    def _lines_within_limit(cls, lines: list[Line]) -> list[Line]:
        """The lines' total is the case's value before charges: at most MONEY_LIMIT, as every
        amount of an LOA."""
        total = sum((ln.total for ln in lines), Decimal(0))
        if total > MONEY_LIMIT:
            raise ValueError(
                f"the {len(lines)} lines come to {_dollars(total)}, more than an LOA can hold (at most "
                f"${MONEY_LIMIT:,}); check the lines' quantities and unit costs (is a digit "
                "repeated?), or split the sale into several cases"
            )
        return lines

    @model_validator(mode="after")
    def _total_within_limit(self) -> "Case":
        """The lines and the accessorial charges together: at most MONEY_LIMIT."""
        lines = sum((ln.total for ln in self.lines), Decimal(0))
        charges = (
            self.accessorial.packing_crating_handling
            + self.accessorial.transportation
            + self.accessorial.other
        )
        if lines <= MONEY_LIMIT and lines + charges > MONEY_LIMIT:
            raise ValueError(
                f"the lines ({_dollars(lines)}) and the accessorial charges ({_dollars(charges)}) "
                f"come to {_dollars(lines + charges)}, more than an LOA can hold (at most "
                f"${MONEY_LIMIT:,}); "
                "check the amounts (is a digit repeated?)"
            )
        return self

    @model_validator(mode="after")
    def _unique_lines(self) -> "Case":
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


def field_docs(cls: type) -> dict[str, str]:
    """The docstring written under each field of a model class (read from its source when
    asked, e.g. for the schema: Pydantic's own reading of them costs every start-up)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is BaseModel or not issubclass(klass, BaseModel):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for first, second in zip(body, body[1:], strict=False):
            if (
                isinstance(first, ast.AnnAssign)
                and isinstance(first.target, ast.Name)
                and isinstance(second, ast.Expr)
                and isinstance(second.value, ast.Constant)
                and isinstance(second.value.value, str)
            ):
                docs[first.target.id] = inspect.cleandoc(second.value.value)
    return docs


def _describe(schema: dict[str, Any], model: type) -> None:
    for name, text in field_docs(model).items():
        prop = schema.get("properties", {}).get(name)
        if prop is not None and "description" not in prop:
            prop["description"] = text
    if model.__doc__ and "description" not in schema:
        schema["description"] = inspect.cleandoc(model.__doc__)


def case_schema() -> dict[str, Any]:
    """The JSON Schema of a case file, for editors: each field with its description, and what
    each value of a code or fixed-value field means (see `case.meanings`)."""
    schema = Case.model_json_schema()
    models = {m.__name__: m for m in _models(Case)}
    for name, definition in schema.get("$defs", {}).items():
        if name in models:
            _describe(definition, models[name])
    _describe(schema, Case)
    schema = _as_loading_reads(schema)
    enrich(schema, Case.__name__)  # what each code and fixed word means
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "loagen case file"
    return schema


def _as_loading_reads(node: Any) -> Any:
    """`node` (a part of the case schema) taking what loading takes of fixed words and codes:
    written in other capitals ('ea', 'Materiel', read as EA and materiel), and a digit code
    written as a number (TA 4, DTC 5; `_code`). Done here, not in the codes' own schema, from
    which the studio and the rules read their choices."""
    if isinstance(node, list):
        return [_as_loading_reads(v) for v in node]
    if not isinstance(node, dict):
        return node
    enum = node.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum):
        also: list[dict[str, Any]] = []
        folded = [v.casefold() for v in enum]
        other_letters = [
            v for v in enum if folded.count(v.casefold()) == 1 and v.upper() != v.lower()
        ]
        if other_letters:
            also.append(
                {
                    "type": "string",
                    "pattern": f"^(?:{'|'.join(map(_any_capitals, other_letters))})$",
                }
            )
        if tuple(enum) in _digit_code_lists():
            also.append({"type": "integer", "enum": [int(c) for c in enum if c.isdigit()]})
        if not also:
            return node
        # what the field is stays on the field, where editors show it
        outer = {k: node[k] for k in ("title", "description") if k in node}
        inner = {k: v for k, v in node.items() if k not in outer}
        return {**outer, "anyOf": [inner, *also]}
    return {k: _as_loading_reads(v) for k, v in node.items()}


def _any_capitals(word: str) -> str:
    """A pattern matching `word` in any capitals ('ea' -> '[eE][aA]')."""
    return "".join(
        f"[{c.lower()}{c.upper()}]"
        if c.lower() != c.upper()
        else "\\" + c
        if c in "()[]{}.*+?^$|\\"
        else c
        for c in word
    )


def _digit_code_lists() -> set[tuple[str, ...]]:
    """The codes of each reference table whose codes `_code` also takes as numbers."""
    ref = load_reference()
    tables = ("source_codes", "type_of_assistance", "offer_release_codes", "delivery_term_codes",
              "units_of_issue", "terms_of_sale")  # fmt: skip
    lists = (tuple(sorted(getattr(ref, t))) for t in tables)
    return {codes for codes in lists if any(c.isdigit() for c in codes)}


def _models(root: type) -> list[type]:
    """Every model class a case file is made of."""
    seen: list[type] = []
    stack = [root]
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.append(model)
        for field in model.model_fields.values():
            stack.extend(_inner_models(field.annotation))
    return seen


def _inner_models(annotation: Any) -> list[type]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _inner_models(arg)]
