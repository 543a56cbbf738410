"""Money: line totals, the estimated cost summary, the administrative surcharge and the payment schedule.

The administrative surcharge takes, for each line, the rate in force (reference table
`admin_surcharge.yaml`) on the date the line was written: the Basic's implementation date (its
offer expiration date until implemented) for lines of the Basic, and the offer expiration date of
the Amendment that added a later line. BPC cases from 1 October 2020 and CLSSA FMSO I cases carry
none; FMSO I carries its supply support surcharge instead.

The standard payment schedule (when the case gives none):
1. Each line's share of the total estimated cost (its value, plus its administrative surcharge,
   plus the accessorial and other charges spread over the lines by value) is spread evenly over
   its Months of Service, counted from the base date: the Basic's offer expiration date, or the
   Basic's implementation date on an Amendment or Modification. A line without months (a
   Non-Specific Requirements line) is spread over the months of the whole case.
2. Money for work in a calendar quarter falls due on the 15th of the last month of the quarter
   before (15 March pays April to June, 15 June pays July to September, 15 September pays
   October to December, 15 December pays January to March).
3. The Initial Deposit (SAMM C9.9.1.5.1; Appendix 9, Table AP9.T1 "Payment Schedule") covers a
   portion of the administrative surcharge, any nonrecurring cost that is not waived, and the costs
   incurred before the first quarterly payment, that is everything due on or before the document's
   offer expiration date (for a Modification, the latest one in its history); the rest are the
   quarterly rows. Amounts are whole dollars; the last row takes the rounding (on an Amendment
   or a Modification, with what later rows would ask if less than $100 and than a hundredth
   of the total), so the schedule sums to the total estimated cost (on an Amendment too, after
   what the earlier documents made due is taken off: only "Due under earlier documents"
   carries their cents, if any).
   An Amendment asks with its acceptance only what the earlier documents did not make due
   already: its schedule starts with what they made due before its offer expiration date ("Due
   under earlier documents"), then the rest of what falls due by then ("Amount Due with
   Acceptance", the figure its first page prints); with no schedule (Cash With Acceptance),
   what is due with acceptance is the total less what the earlier documents made due. (DSCA
   names the two figures "Initial Deposit" for a Basic and "Amount Due with Acceptance" for an
   Amendment, e.g. in its Special Billing Arrangement letters; how DSAMS splits the rows is not
   in the sources read: confidence medium, as for the rules below.)
   What the earlier documents made due (`CostSummary.asked`):
   a. What an earlier Basic or Amendment asked with its acceptance counts as asked for every
      later document, whatever its date: a later Amendment is offered only once the earlier
      one is accepted.
   b. By each date, it is what the document in force (the previous one) makes due: a
      Modification, which the Purchaser does not sign, may re-phase the rows or lower the
      case, and the next Amendment follows its schedule, not an earlier one's. But a
      Modification changes nothing already due when it was written: by its date
      (`document.date`, else its first row's) and by every date before, it makes due what the
      earlier documents had, neither less (the surplus taken off the next rows) nor more (what
      it adds is asked from the first row after its date); the same for CLSSA FMSO I.
   c. Moving the case's calendar (the Basic's months count from its offer expiration date, a
      later document's from the implementation date) is not billed as a catch-up: what an
      Amendment's changes make due by a date is what its schedule makes due less what the
      previous document's scope makes due on the same calendar (the Amendment's base date and
      offer expiration date). By each date the Amendment makes due what the earlier documents
      made due plus what its changes make due, at most its total; its last row takes the
      rest. An Amendment that changes no cost so asks nothing with acceptance and keeps the
      earlier schedule; one that adds work asks what the added work makes due by its
      acceptance; one that takes scope away (fewer items, a line deleted) asks less in the
      quarters that paid for it, and the schedule runs as long as the work, but what was due
      with its acceptance stays due. (With no computed schedule, or CLSSA FMSO I, whose
      schedule follows no calendar, the previous scope is counted as what was made due.)
   d. A schedule the writer gives on an Amendment is the whole case's (it sums to the total):
      its rows due by the offer expiration date are shown as the two first rows above, the
      rest as given; it must make due by its offer expiration date at least what the earlier
      documents had by then (QC-SCHEDULE-EARLIER): that was billed before it is signed,
      while their later rows are estimates its schedule replaces (as in c). A draft built
      despite that error shows what they made due by then as due all the same, at most the
      total (what was asked is not taken back), the later rows less what was due already;
      the schedule still sums to the total.
   The SAMM text read does not say how large the portion of the surcharge is. loagen derives it:
   the surcharge is a percentage of each line's value (Table C9.T4) and payments follow the line
   values (C9.9.1.2, AP9.T1), so each line's surcharge is paid with the line's money and the
   deposit carries the surcharge on what it pays (its share of the unwaived nonrecurring cost and
   of the costs due by the offer expiration date). It carries at least the share of the whole
   surcharge set in `admin_surcharge.yaml` (`initial_deposit.minimum_surcharge_share`, a loagen
   setting, not a SAMM figure), taken from the later rows in proportion to the surcharge each one
   carries. Confidence: high that the deposit holds only part of the surcharge on a case that runs
   past its first quarter; low on the size of that part.
No schedule is printed, and the Initial Deposit is the whole total, for Cash With Acceptance
terms, a stand-alone WWRS seller case, and a case wholly paid by FMS Credit (Non-Repayable) or
MAP Merger below the threshold in `money.yaml`. A CLSSA FMSO I case has a single Initial Deposit of
its deposit share plus the supply support surcharge, the balance billed as requisitioned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache

from ..case.model import Case, Line
from ..reference import Reference, load_reference

ZERO = Decimal(0)

COST_ROWS: tuple[tuple[str, str], ...] = (
    ("net_estimated_cost", "(8) Net Estimated Cost"),
    ("packing_crating_handling", "(9) Packing, Crating, and Handling"),
    ("administrative_charge", "(10) Administrative Charge"),
    ("transportation", "(11) Transportation"),
    ("other", "(12) Other"),
    ("total_estimated_cost", "(13) Total Estimated Cost"),
)
"""The cost summary's rows (8)-(13): the `CostSummary` field and the label the LOA prints.
Rendering, the manifest and `loagen diff` all read this one table."""
TOTALS: tuple[tuple[str, str], ...] = (*COST_ROWS, ("initial_deposit", "Initial Deposit"))
"""The rows and the Initial Deposit: the totals a manifest records and a diff compares."""


_ONE = Decimal(1)


def whole(value: Decimal) -> Decimal:
    return value.quantize(_ONE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineCost:
    number: str
    total: Decimal
    surcharge_rate: Decimal
    surcharge_date: date | None
    surcharge: Decimal
    surcharge_waived: Decimal = ZERO
    """The surcharge the line would bear at the rate in force, waived by the case's
    administrative surcharge waiver (NATO AWACS, NSPO, reciprocal training)."""
    exemption: str | None = None
    """Why the line bears no administrative surcharge, or None."""


@dataclass(frozen=True)
class PaymentRow:
    label: str
    date: date | None
    """When the row is due; None: with acceptance (or, `as_billed`, as the U.S. Government bills)."""
    amount: Decimal
    cumulative: Decimal
    as_billed: bool = False
    """Due as billed, on no date of the schedule (the balance of a CLSSA FMSO I case)."""
    earlier: bool = False
    """On an Amendment: what the earlier documents made due before its acceptance."""


EARLIER_ROW = "Due under earlier documents"
ACCEPTANCE_ROW = "Amount Due with Acceptance"
"""The first rows of an Amendment's computed schedule: what the case's earlier documents made
due before the Amendment is accepted, then what is due with its acceptance (the part of the
Initial Deposit row of the case's schedule that is new). A Basic's first row is the Initial
Deposit."""
DEPOSIT_LABELS = {"Amendment": ACCEPTANCE_ROW}
"""What a document's first page calls what is due with it, by kind (else "Initial Deposit")."""


def deposit_label(kind: str) -> str:
    """What the first page of a document of `kind` calls what is due with it."""
    return DEPOSIT_LABELS.get(kind, "Initial Deposit")


@dataclass(frozen=True)
class CostSummary:
    lines: tuple[LineCost, ...]
    net_estimated_cost: Decimal
    packing_crating_handling: Decimal
    administrative_charge: Decimal
    transportation: Decimal
    other: Decimal
    total_estimated_cost: Decimal
    surcharge_exemption: str | None
    """Why the case bears no administrative surcharge at all, or None."""
    clssa_surcharge: Decimal
    schedule: tuple[PaymentRow, ...]
    schedule_source: str  # "case", "computed", "none"
    schedule_reason: str
    initial_deposit: Decimal
    deposit_surcharge: Decimal = ZERO
    """The part of the administrative charge the Initial Deposit carries, in whole dollars: all
    of it where no schedule is required, zero where the case gives the schedule or it is not
    computed (and on CLSSA FMSO I, which bears none)."""
    asked: tuple[tuple[date | None, Decimal], ...] = ()
    """What this document and the earlier ones of its chain made due (module doc, a and b):
    (date, amount due by then) steps, oldest first, None first for what their acceptances
    asked; `asked_by` reads it. Empty when the schedule is not computed."""

    @property
    def surcharge_waived(self) -> Decimal:
        """The administrative surcharges the case's waiver waives (what the waiver notes
        state when the case does not give the amount)."""
        return sum((c.surcharge_waived for c in self.lines), ZERO)

    @property
    def charged_lines(self) -> tuple[LineCost, ...]:
        """The lines that bear an administrative surcharge (not a line priced $0, such as
        grant EDA, nor an exempt one)."""
        return tuple(c for c in self.lines if c.surcharge > 0)

    @property
    def schedule_total(self) -> Decimal:
        return sum((row.amount for row in self.schedule), ZERO)

    def line(self, number: str) -> LineCost | None:
        return next((c for c in self.lines if c.number == number), None)


# -- administrative surcharge ------------------------------------------------------------------


def rate_on(day: date | None, ref: Reference) -> Decimal:
    """The administrative surcharge rate in force on `day` (the newest rate if unknown)."""
    rates = ref.surcharge_rates
    if day is None:
        return rates[-1].rate
    applicable = [r for r in rates if r.effective_from <= day]
    return applicable[-1].rate if applicable else rates[0].rate


def exemption(case: Case, day: date | None, ref: Reference) -> str | None:
    """Why the case carries no administrative surcharge, or None."""
    for row in ref.admin_surcharge.get("exemptions", []):
        if "program" in row and row["program"] != case.program:
            continue
        if "category" in row and row["category"] != case.category:
            continue
        if "countries" in row and case.country_code not in row["countries"]:
            continue
        start = row.get("from")
        if start is not None:
            start = start if isinstance(start, date) else date.fromisoformat(str(start))
            if day is not None and day < start:
                continue
        return str(row["reason"])
    return None


def case_implementation_date(chain: tuple[Case, ...]) -> date | None:
    """The Basic's implementation date as the newest document of `chain` gives it (None until
    the case is implemented)."""
    for case in reversed(chain):
        if case.document.implementation_date:
            return case.document.implementation_date
    return None


def cwd_approval(chain: tuple[Case, ...]) -> date | None:
    """The date the Basic was approved for offer: `document.cwd_approval_date` of the Basic (or
    of the last document, when the Basic was not written with loagen), else the Basic's offer
    expiration date, which comes after it."""
    basic = chain[0].document
    return (
        basic.cwd_approval_date
        or chain[-1].document.cwd_approval_date
        or (basic.offer_expiration_date)
    )


def bpc_indirect_charges(chain: tuple[Case, ...], ref: Reference) -> bool:
    """A Title 10 BPC case developed (approved for offer) on or after money.yaml's
    `bpc_indirect_charges_from` and not implemented before it: its lines bear the Title 10 BPC
    indirect charges instead of the administrative surcharge, the CAS surcharge and accessorial
    charges."""
    case = chain[-1]
    if case.program != "BPC" or ref.funds_title(case.fund_source) != 10:
        return False
    start = ref.money["bpc_indirect_charges_from"]
    approved = cwd_approval(chain)
    implemented = case_implementation_date(chain)
    return (
        approved is not None
        and approved >= start
        and not (implemented is not None and implemented < start)
    )


PRE_2020_FISCAL_YEARS = frozenset({2020, 2021})
"""The fiscal years of the funds of a Title 10 BPC case implemented before the interim
accounting whose new lines carry no administrative surcharge (the note
INDIRECT-CHARGES-T10-BPC-PRE-2020 reads the same years)."""


def t10_exemption(chain: tuple[Case, ...], ref: Reference) -> Callable[[date | None], str | None]:
    """For the lines of a Title 10 BPC case written on a date, why they bear no administrative
    surcharge under the interim BPC accounting of money.yaml's `bpc_indirect_charges_from`
    (None if they do): every line of a case developed from that date (`bpc_indirect_charges`,
    the note INDIRECT-CHARGES-T10-BPC), and the lines written from that date on an FY20 or FY21
    case implemented before it (the note INDIRECT-CHARGES-T10-BPC-PRE-2020)."""
    start = ref.money["bpc_indirect_charges_from"]
    since = f"{start.day} {start:%B %Y}"
    if bpc_indirect_charges(chain, ref):
        developed = (
            f"a Title 10 BPC case developed on or after {since} bears the program's indirect "
            "charges instead of the administrative surcharge"
        )
        return lambda day: developed
    case = chain[-1]
    implemented = case_implementation_date(chain)
    source = case.fund_source
    if (
        case.program != "BPC"
        or ref.funds_title(source) != 10
        or source is None
        or not PRE_2020_FISCAL_YEARS & set(source.fiscal_years)
        or implemented is None
        or implemented >= start
    ):
        return lambda day: None
    added = (
        f"lines added to a Title 10 BPC case on or after {since} carry no administrative "
        "surcharge (it is funded through the program-wide support LOA)"
    )
    return lambda day: added if day is not None and day >= start else None


SCML_EXEMPTION = "the Small Case Management Line bears no administrative surcharge"
WAIVERS = {
    "nato_awacs": "the administrative surcharge is waived for the NATO AWACS program",
    "nspo": "the administrative surcharge is waived for the NATO Support and Procurement "
    "Organization project",
    "reciprocal_training": "the administrative surcharge is waived under a reciprocal training "
    "agreement",
}


def case_exemption_on(case: Case, day: date | None, ref: Reference) -> tuple[str | None, bool]:
    """Why no line of the case written on `day` bears the administrative surcharge (None if
    they do), and whether the reason is a waiver (NATO AWACS)."""
    reason = exemption(case, day, ref)
    if reason is not None:
        return reason, case.country_code in awacs_countries(ref)
    return None, False


def line_exemption(
    case: Case,
    line: Line,
    day: date | None,
    ref: Reference,
    *,
    for_case: tuple[str | None, bool] | None = None,
) -> tuple[str | None, bool]:
    """Why `line` bears no administrative surcharge (None if it does), and whether the reason is
    the case's waiver (whose amount the waiver note states); `for_case`: what
    `case_exemption_on(case, day, ref)` gives, when worked out already."""
    reason, waived = case_exemption_on(case, day, ref) if for_case is None else for_case
    if reason is not None:
        return reason, waived
    if line.scml:
        return SCML_EXEMPTION, False
    waiver = case.admin_surcharge_waiver
    if (
        waiver is not None
        and case.program == "FMS"
        and (waiver.kind != "reciprocal_training" or line.number in waiver.lines)
    ):
        return WAIVERS[waiver.kind], True
    return None, False


def awacs_countries(ref: Reference) -> frozenset[str]:
    """The country codes the administrative surcharge table exempts for NATO AWACS."""
    return frozenset(
        code
        for row in ref.admin_surcharge.get("exemptions", [])
        if "AWACS" in str(row.get("reason", ""))
        for code in row.get("countries", ())
    )


def line_dates(chain: tuple[Case, ...], basic_date: date | None) -> dict[str, date | None]:
    """For each line of the last document, the date the line was written (see module doc):
    `basic_date` for the lines of the Basic."""
    written: dict[str, date | None] = {}
    last_oed: date | None = None
    present: set[str] = set()
    for i, case in enumerate(chain):
        doc_date = basic_date if i == 0 else (case.document.offer_expiration_date or last_oed)
        numbers = {ln.number for ln in case.lines}
        for n in numbers - present:
            written[n] = doc_date
        for n in present - numbers:
            written.pop(n, None)
        present = numbers
        last_oed = case.document.offer_expiration_date or last_oed
    return written


# -- payment schedule ----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    return date(day.year + y, m + 1, 1)


def due_date(month: date) -> date:
    """The quarterly date that pays for work in `month` (SAMM C9.T16)."""
    quarter_start = ((month.month - 1) // 3) * 3 + 1  # 1, 4, 7, 10
    if quarter_start == 1:
        return date(month.year - 1, 12, 15)
    return date(month.year, quarter_start - 1, 15)


@lru_cache(maxsize=1024)
def _due_months(start: int, end: int) -> tuple[tuple[date, int], ...]:
    """How many of the months `start`..`end` fall due on each quarterly date (a quarter at a
    time: the months of one calendar quarter share their due date). Months are counted from
    January of year 0, zero-based (`_month_index`): keyed so rather than by base date and
    Months of Service, documents whose base dates fall in one month share them."""
    out = []
    quarter = start // 3
    while quarter * 3 <= end:
        count = min(end, quarter * 3 + 2) - max(start, quarter * 3) + 1
        year, index = divmod(quarter, 4)
        due = date(year - 1, 12, 15) if index == 0 else date(year, index * 3, 15)
        out.append((due, count))
        quarter += 1
    return tuple(out)


def _month_index(day: date) -> int:
    """The month of `day`, counted from January of year 0 (zero-based)."""
    return day.year * 12 + day.month - 1


def no_schedule_reason(case: Case, total: Decimal, ref: Reference) -> str | None:
    for term in case.terms_of_sale:
        if ref.term_flag(term, "no_payment_schedule"):
            return f"no payment schedule: the terms of sale are {term}"
    if all(ln.is_wwrs_seller for ln in case.lines):
        return "no payment schedule: a stand-alone Worldwide Warehouse Redistribution Services seller case"
    credit_only = {"FMS Credit (Non-Repayable)", "MAP Merger"}
    threshold = ref.money_value("credit_no_schedule_below")
    if set(case.terms_of_sale) <= credit_only and total < threshold:
        # The case's own funding ("FMS Credit (Non-Repayable)", or both), not both names.
        funding = " and ".join(dict.fromkeys(case.terms_of_sale))
        return f"no payment schedule: wholly funded by {funding} below the ${threshold:,} threshold"
    return None


@dataclass(frozen=True)
class DepositPart:
    """What is paid with the Initial Deposit whatever its date: the unwaived nonrecurring cost
    (`value`, with its share of the accessorial charges) and the surcharge on it."""

    value: Decimal = ZERO
    surcharge: Decimal = ZERO


def standard_schedule(
    case: Case,
    shares: dict[str, Decimal],
    up_front: DepositPart,
    *,
    base: date | None,
    as_of: date | None,
    total: Decimal,
    surcharges: dict[str, Decimal] | None = None,
    surcharge_floor: Decimal = ZERO,
) -> tuple[tuple[PaymentRow, ...], Decimal]:
    """Compute the standard schedule (module doc) for `case`, and the surcharge its Initial
    Deposit carries. Months count from `base`; what falls due by `as_of` (the latest offer
    expiration date) is in the Initial Deposit, with `up_front`. Each line's surcharge
    (`surcharges`) is spread with its money; the deposit carries at least `surcharge_floor` of
    it, taken from the later rows in proportion to the surcharge each carries. The rows sum
    exactly to `total`, the total estimated cost (cents included)."""
    surcharges = surcharges or {}
    if base is None:  # no date at all: everything is due with acceptance
        everything = up_front.surcharge + sum(surcharges.values(), ZERO)
        return (PaymentRow("Initial Deposit", None, total, total),), whole(everything)
    months = [ln.month_range for ln in case.lines]
    ranges = [r for r in months if r]
    span = (min(r[0] for r in ranges), max(r[1] for r in ranges)) if ranges else (1, 1)
    # What falls due on each date: [money, surcharge], one entry for both (one look-up a line
    # and date); a date's first amounts are added to ZERO, as the sums always were.
    due_on: dict[date, list[Decimal]] = {}
    origin = _month_index(base)
    for ln, line_months in zip(case.lines, months, strict=True):
        # `_spread` of the line's money and of its surcharge over the same quarters: what falls
        # due on each date is the amount a month times the months it pays (1 to 3), multiplied
        # out once a line (the same Decimal products and sums, in the same order, as one
        # `per_month * count` a quarter)
        first, last = line_months or span
        months_of = last - first + 1
        money = shares[ln.number] / months_of
        surcharge = surcharges.get(ln.number, ZERO) / months_of
        money_for = (ZERO, money, money * 2, money * 3)  # by the number of months
        surcharge_for = (ZERO, surcharge, surcharge * 2, surcharge * 3)
        for day, count in _due_months(origin + first, origin + last):
            sums = due_on.get(day)
            if sums is None:
                due_on[day] = [ZERO + money_for[count], ZERO + surcharge_for[count]]
            else:
                sums[0] += money_for[count]
                sums[1] += surcharge_for[count]
    as_of = as_of or base
    later = sorted(d for d in due_on if d > as_of)
    deposit_surcharge = up_front.surcharge + sum(
        (s for d, (_, s) in due_on.items() if d <= as_of), ZERO
    )
    later_surcharge = sum((due_on[d][1] for d in later), ZERO)
    if deposit_surcharge < surcharge_floor and later_surcharge > 0:
        moved = min(surcharge_floor - deposit_surcharge, later_surcharge)
        keep = 1 - moved / later_surcharge
        for d in later:
            due_on[d][1] *= keep
        deposit_surcharge += moved
    deposit = (
        up_front.value
        + deposit_surcharge
        + sum((m for d, (m, _) in due_on.items() if d <= as_of), ZERO)
    )
    rows = [("Initial Deposit", as_of, deposit)]
    rows += [("Quarterly Payment", d, due_on[d][0] + due_on[d][1]) for d in later]
    amounts = [whole(a) for _, _, a in rows[:-1]]
    last = total - sum(amounts, ZERO)
    if last < 0 or any(a < 0 for a in amounts):
        # Rounding each row pushed the others past the total: round the running sum down
        # instead, so no row is negative and the last still takes the cents.
        amounts, running = [], ZERO
        for _, _, a in rows[:-1]:
            running += a
            amounts.append(_floor(min(running, total)) - sum(amounts, ZERO))
        last = total - sum(amounts, ZERO)
    out: list[PaymentRow] = []
    cumulative = ZERO
    for (label, day, _), amount in zip(rows, [*amounts, last], strict=True):
        cumulative += amount
        out.append(PaymentRow(label, day, amount, cumulative))
    return tuple(out), whole(deposit_surcharge)


def _floor(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_FLOOR)


# -- the summary ---------------------------------------------------------------------------------


Steps = tuple[tuple[date | None, Decimal], ...]
"""What is due by each date: (date, amount due by then), oldest first, None (with acceptance)
first."""


def asked_by(steps: Steps, day: date | None) -> Decimal:
    """What `steps` make due by `day` (with `day` None: with acceptance)."""
    return max((a for d, a in steps if d is None or (day is not None and d <= day)), default=ZERO)


def made_due(schedule: tuple[PaymentRow, ...], total: Decimal, *, first_asked: bool) -> Steps:
    """What a document with `schedule` makes due by each date. With `first_asked`, its first
    row (and what was due before it) counts as due whatever its date: what a Basic or an
    Amendment asks with its acceptance (module doc, a), and a Modification's first row, what
    was due by the latest offer expiration date, already due when it is written (b). No
    schedule: the whole total, with acceptance."""
    if not schedule:
        return ((None, total),)
    on: dict[date | None, Decimal] = {}
    first = first_asked
    for row in schedule:
        if row.as_billed:
            continue
        day = None if row.earlier or first else row.date
        first = first and row.earlier
        on[day] = on.get(day, ZERO) + row.amount
    out, running = [], ZERO
    for day in sorted(on, key=lambda d: (d is not None, d or date.min)):
        running += on[day]
        out.append((day, running))
    return tuple(out)


def until(steps: Steps, day: date | None) -> Steps:
    """What `steps` make due by `day` and not after (with `day` None: with acceptance only):
    by every later date, what was due by `day`."""
    return tuple((d, a) for d, a in steps if d is None or (day is not None and d <= day))


def most_asked(earlier: Steps, now: Steps) -> Steps:
    """By each date, the most that `earlier` or `now` make due (module doc, b)."""
    days = sorted({d for d, _ in (*earlier, *now)}, key=lambda d: (d is not None, d or date.min))
    return tuple((d, max(asked_by(earlier, d), asked_by(now, d))) for d in days)


def _cumulative(schedule: tuple[PaymentRow, ...]) -> Steps:
    """What a whole-case schedule makes due by each of its dates (as dated)."""
    return made_due(schedule, ZERO, first_asked=False)


REMNANT = Decimal(100)
"""What a recomputed schedule's last rows may not ask alone: less is asked with the row before
them. An Amendment's changes follow the case's calendar from the implementation date while
what the earlier documents made due follows theirs (module doc, c): where the calendar moved a
month later, the changes' share of the last month of work (a few dollars of accessorial
charges spread again over the lines) fell due a quarter after everything else."""
REMNANT_SHARE = Decimal("0.01")
"""... and less than this share of the total (a small case's last rows stay as they are)."""


def _priced(
    rows: list[tuple[str, date | None, Decimal, bool]], carried: Decimal, total: Decimal
) -> tuple[PaymentRow, ...]:
    """Rows (label, date, what is due by then, as billed) as a schedule after `carried`
    (what is due before them): each row asks, in whole dollars, what is due by its date and not
    before; the last row takes the rest of `total` (its cents); a later row that asks nothing
    is left out (a first row is kept). Rows after the total is due are left out, and so are
    rows after one that leaves only the rounding of the rows before it to pay (a dollar a row
    at most: what is due by each date is summed from schedules rounded to whole dollars) or
    less than `REMNANT` and `REMNANT_SHARE` of the total, which that row asks with its own, so
    no quarter asks a last few dollars alone."""
    rounding = max(Decimal(len(rows)), min(REMNANT, total * REMNANT_SHARE))
    end = next((i for i, r in enumerate(rows) if r[2] >= total - rounding), len(rows) - 1)
    rows = rows[: end + 1]
    out, running = [], carried
    for i, (label, day, due, billed) in enumerate(rows):
        if i == len(rows) - 1:
            amount = total - running
        else:
            amount = max(whole(due - running), ZERO)
            if running + amount > total:
                amount = max(_floor(total - running), ZERO)
        if amount or i == 0 or i == len(rows) - 1:
            running += amount
            out.append(PaymentRow(label, day, amount, running, as_billed=billed))
    return tuple(out)


def _after_earlier(
    schedule: tuple[PaymentRow, ...],
    asked: Steps,
    total: Decimal,
    oed: date | None,
    scope: Steps | None = None,
) -> tuple[tuple[PaymentRow, ...], Decimal]:
    """An Amendment's schedule and the amount due with its acceptance, from the schedule of the
    whole case (its first row dated the offer expiration date `oed`; none: all due with
    acceptance). What the earlier documents made due (`asked`) is not asked again: the
    schedule shows it as a row of its own, then by each date what the Amendment's changes make
    due (what `schedule` makes due less what the previous document's scope does on the same
    calendar, `scope`; without it, less `asked`; less than nothing where they take scope
    away), at most `total` (module doc, c)."""
    carried = min(max(asked_by(asked, oed), ZERO), total)
    if not schedule:
        return schedule, total - carried
    own = _cumulative(schedule)
    before = asked if scope is None else scope

    def due(day: date | None) -> Decimal:
        # what the changes make due, less where they take scope away (fewer items, a line
        # deleted): the later rows then ask less; what was due by acceptance is kept (`rows`)
        changed = asked_by(own, day) - asked_by(before, day)
        return min(max(asked_by(asked, day) + changed, ZERO), total)

    oed = schedule[0].date
    # the case's quarterly dates, and those of the earlier schedules after the acceptance:
    # what they made due on a date this schedule has no row on stays due on it (a calendar
    # that moved a month later left a quarter's row out, paid on the next)
    days = {r.date for r in schedule[1:] if r.date is not None and not r.as_billed}
    if oed is not None:
        days |= {d for d, _ in asked if d is not None and d > oed}
    days = sorted(days)
    rows = [(ACCEPTANCE_ROW, oed, max(due(oed), carried), False)]
    for day in days:
        rows.append(("Quarterly Payment", day, max(due(day), rows[-1][2]), False))
    balance = [r for r in schedule if r.as_billed]
    if balance:
        rows.append((balance[0].label, None, total, True))
    priced = _priced(rows, carried, total)
    if carried:
        priced = (PaymentRow(EARLIER_ROW, None, carried, carried, earlier=True), *priced)
    return priced, priced[1 if carried else 0].amount


def _not_below(
    schedule: tuple[PaymentRow, ...], asked: Steps, total: Decimal, written: date | None
) -> tuple[PaymentRow, ...]:
    """A Modification's computed schedule (the whole case's), by each date up to the day it was
    `written` what the earlier documents had made due by then (billed before it came: neither
    taken back nor raised after the date), after that day at least what was due on it; the
    surplus taken off the next rows, a shortfall asked with the first row after `written`
    (module doc, b); unchanged when it already makes so."""
    if not schedule or not asked:
        return schedule  # nothing known of what was billed before it
    first = schedule[0].date
    written = first if written is None or (first is not None and written < first) else written

    def floor(day: date | None) -> Decimal:
        until = written if day is None or (written is not None and day > written) else day
        return min(asked_by(asked, until), total)

    # the earlier documents' dates up to `written` this schedule has no row on (its calendar
    # moved): what they made due by such a date was billed then and stays due by it
    given, dated = schedule, [r for r in schedule if not r.as_billed]
    on = {r.date for r in dated}
    missed = sorted(
        d
        for d, _ in asked
        if d is not None and first is not None and written is not None and first < d <= written
        and d not in on
    )  # fmt: skip
    if missed:
        due_by = _cumulative(tuple(dated))
        dated += [PaymentRow("Quarterly Payment", d, ZERO, asked_by(due_by, d)) for d in missed]
        dated.sort(key=lambda r: r.date or date.min)
        schedule = (*dated, *(r for r in schedule if r.as_billed))

    def billed(day: date | None) -> bool:  # due on or before the day it was written
        return day is not None and written is not None and day <= written

    def due(r: PaymentRow) -> Decimal:
        if r.as_billed:
            return total
        if billed(r.date):
            return floor(r.date)
        return max(r.cumulative, floor(r.date))

    if all(r.as_billed or r.cumulative == due(r) for r in schedule):
        return given
    return _priced([(r.label, r.date, due(r), r.as_billed) for r in schedule], ZERO, total)


def _given_after_earlier(
    schedule: tuple[PaymentRow, ...], asked: Steps, oed: date | None, total: Decimal
) -> tuple[tuple[PaymentRow, ...], Decimal]:
    """A writer-given schedule of an Amendment (the whole case's) and what is due with its
    acceptance: its rows due by the offer expiration date `oed` (at least its first) become
    what the earlier documents made due by then (at most their sum) and the Amount Due with
    Acceptance, the rest stay as given (module doc, d). A schedule that makes due less than
    the earlier documents had by then (QC-SCHEDULE-EARLIER, an error: the document is a draft)
    takes nothing back: what they made due by then stays due (at most `total`), and the rows
    after give up what was due already."""

    def floor(day: date) -> Decimal:
        return min(max(asked_by(asked, day), ZERO), total)

    cut = schedule[0].date if oed is None or schedule[0].date > oed else oed
    by_then = sum((r.amount for r in schedule if r.date <= cut), ZERO)
    asked_then = max(asked_by(asked, cut), ZERO)
    carried = floor(cut) if whole(by_then) < whole(floor(cut)) else min(asked_then, by_then)
    rows = [PaymentRow(EARLIER_ROW, None, carried, carried, earlier=True)] if carried else []
    running = max(by_then, carried)
    deposit = running - carried
    rows.append(PaymentRow(ACCEPTANCE_ROW, cut, deposit, running))
    given = by_then
    for row in schedule:
        if row.date > cut:
            given += row.amount
            amount = max(given - running, ZERO)  # the later rows as given (module doc, d)
            running += amount
            rows.append(replace(row, amount=amount, cumulative=running))
    return tuple(rows), deposit


def clssa_charged_value(chain: tuple[Case, ...]) -> Decimal:
    """The value a CLSSA FMSO I case's supply support surcharge is charged on, by the last
    document of `chain` (oldest first): each rise of the case's line value, document by
    document. The surcharge is one-time and not refunded (CLSSA-FMSO-I-SURCHARGE note;
    loa-facts 4.1 item 16): a document that lowers the value gives none of it back, and a
    later rise is charged again even where the value was higher before. (Without a fall, the
    line value of the last document.)"""
    charged = before = ZERO
    for case in chain:
        now = sum((ln.total for ln in case.lines), ZERO)
        if case.category == "clssa_fmso_i" and now > before:
            charged += now - before
        before = now
    return charged


def cost_summary(
    chain: tuple[Case, ...],
    *,
    base_date: date | None,
    latest_oed: date | None,
    ref: Reference | None = None,
    with_schedule: bool = True,
    earlier: CostSummary | None = None,
) -> CostSummary:
    """Costs of the last document of `chain` (oldest first), given the date Months of Service
    count from and the latest offer expiration date (`document.assembly` works both out);
    without the payment schedule when `with_schedule` is false (the previous totals an
    Amendment prints). On an Amendment, `earlier` is the previous document's costs with its
    schedule: what it made due before the Amendment's acceptance is not due again with it."""
    ref = ref or load_reference()
    case = chain[-1]
    dates = line_dates(chain, base_date)
    line_costs = []
    rates: dict[date | None, Decimal] = {}  # the rate in force on each date (`rate_on`)
    # and the case's exemption (`case_exemption_on`): lines written on one date share both
    exemptions: dict[date | None, tuple[str | None, bool]] = {}
    t10 = t10_exemption(chain, ref)
    for ln in case.lines:
        day = dates.get(ln.number)
        for_case = exemptions.get(day)
        if for_case is None:
            interim = t10(day)
            for_case = exemptions[day] = (
                (interim, False) if interim else case_exemption_on(case, day, ref)
            )
        exempt, waived = line_exemption(case, ln, day, ref, for_case=for_case)
        in_force = rates.get(day)
        if in_force is None:
            in_force = rates[day] = rate_on(day, ref)
        rate = ZERO if exempt else in_force
        total = ln.total
        line_costs.append(
            LineCost(
                ln.number, total, rate, day, whole(total * rate),
                whole(total * in_force) if waived else ZERO, exempt,
            )
        )  # fmt: skip
    net = sum((c.total for c in line_costs), ZERO)
    admin = sum((c.surcharge for c in line_costs), ZERO)
    acc = case.accessorial
    clssa = ZERO
    if case.category == "clssa_fmso_i":
        rate = Decimal(str(ref.admin_surcharge["clssa_fmso_i"]["surcharge_rate"]))
        clssa = whole(clssa_charged_value(chain) * rate)
    other = acc.other + clssa
    total = net + acc.packing_crating_handling + admin + acc.transportation + other
    case_exemption = None
    if not admin:
        reasons = [c.exemption for c in line_costs if c.exemption and c.total]
        reasons = reasons or [c.exemption for c in line_costs if c.exemption]
        case_exemption = reasons[0] if reasons else None

    # -- payment schedule --
    deposit_surcharge = ZERO
    amended = case.document.kind == "Amendment" and earlier is not None
    asked = earlier.asked if earlier is not None else ()
    if not with_schedule:
        schedule, source, reason, deposit = (), "none", "not computed", ZERO
    elif case.payment_schedule:
        rows, cumulative = [], ZERO
        for i, p in enumerate(case.payment_schedule):
            cumulative += p.amount
            rows.append(
                PaymentRow(
                    "Initial Deposit" if i == 0 else "Quarterly Payment",
                    p.date,
                    p.amount,
                    cumulative,
                )
            )
        schedule, source, reason = tuple(rows), "case", "payment schedule given by the case"
        deposit = rows[0].amount  # the writer's rows: the first is due with acceptance
        if amended:
            schedule, deposit = _given_after_earlier(schedule, asked, latest_oed, total)
    elif case.category == "clssa_fmso_i":
        share = Decimal(str(ref.admin_surcharge["clssa_fmso_i"]["deposit_share"]))
        deposit = whole(net * share) + clssa
        schedule = (PaymentRow("Initial Deposit", latest_oed, deposit, deposit),)
        if total > deposit:  # the rest as billed: the schedule adds up to the total
            schedule += (PaymentRow("Balance", None, total - deposit, total, as_billed=True),)
        source = "computed"
        reason = "CLSSA FMSO I: Initial Deposit of the deposit share plus the supply support surcharge; balance as billed"
        if amended:
            schedule, deposit = _after_earlier(schedule, asked, total, latest_oed)
        elif case.document.kind == "Modification":  # what was billed before it stays (b)
            schedule = _not_below(schedule, asked, total, case.document.date)
            deposit = schedule[0].amount
    elif (why := no_schedule_reason(case, total, ref)) is not None:
        schedule, source, reason, deposit = (), "none", why, total
        deposit_surcharge = admin  # the whole total is due with acceptance
        if amended:
            _, deposit = _after_earlier((), asked, total, latest_oed)
    else:
        base = base_date if case.document.kind != "Basic" else case.document.offer_expiration_date
        schedule, deposit_surcharge = _standard(
            case, line_costs, acc.packing_crating_handling + acc.transportation + other,
            admin, total, base=base, as_of=latest_oed, ref=ref,
        )  # fmt: skip
        source, reason = "computed", _deposit_reason(deposit_surcharge, admin, amended)
        deposit = schedule[0].amount
        if amended and earlier is not None:
            scope = None
            if len(chain) > 1 and len(earlier.lines) == len(chain[-2].lines):
                # the previous document's scope on this Amendment's calendar (module doc, c)
                previous, _ = _standard(
                    chain[-2], earlier.lines,
                    earlier.packing_crating_handling + earlier.transportation + earlier.other,
                    earlier.administrative_charge, earlier.total_estimated_cost,
                    base=base, as_of=latest_oed, ref=ref,
                )  # fmt: skip
                scope = _cumulative(previous)
            schedule, deposit = _after_earlier(schedule, asked, total, latest_oed, scope)
        elif case.document.kind == "Modification":
            schedule = _not_below(schedule, asked, total, case.document.date)
            deposit = schedule[0].amount
    return CostSummary(
        lines=tuple(line_costs),
        net_estimated_cost=net,
        packing_crating_handling=acc.packing_crating_handling,
        administrative_charge=admin,
        transportation=acc.transportation,
        other=other,
        total_estimated_cost=total,
        surcharge_exemption=case_exemption,
        clssa_surcharge=clssa,
        schedule=schedule,
        schedule_source=source,
        schedule_reason=reason,
        initial_deposit=deposit,
        deposit_surcharge=deposit_surcharge,
        asked=(
            made_due(schedule, total, first_asked=True)
            if case.document.kind == "Modification"  # the schedule in force (module doc, b)
            # an Amendment's schedule is the one in force after it: what the earlier documents
            # made due by its acceptance stays due, their later rows give way to its own
            else most_asked(until(asked, latest_oed), made_due(schedule, total, first_asked=True))
        )
        if with_schedule
        else (),
    )


def _standard(
    case: Case,
    line_costs: list[LineCost] | tuple[LineCost, ...],
    extras: Decimal,
    admin: Decimal,
    total: Decimal,
    *,
    base: date | None,
    as_of: date | None,
    ref: Reference,
) -> tuple[tuple[PaymentRow, ...], Decimal]:
    """The standard schedule (module doc) of `case`, whose lines cost `line_costs`, with the
    accessorial and other charges `extras` spread over them by value, and the surcharge its
    Initial Deposit carries."""
    net = sum((c.total for c in line_costs), ZERO)
    shares, surcharges = {}, {}
    for ln, lc in zip(case.lines, line_costs, strict=True):
        spread_extra = extras * (lc.total / net) if net else extras / len(case.lines)
        shares[ln.number] = lc.total + spread_extra
        surcharges[ln.number] = lc.surcharge
    up_front = DepositPart()
    if case.funding == "national":
        for ln in case.lines:
            nc = ln.nonrecurring_cost
            if nc and nc.waiver is None and shares[ln.number] > 0:
                taken = min(nc.amount, shares[ln.number])
                with_it = surcharges[ln.number] * taken / shares[ln.number]
                shares[ln.number] -= taken
                surcharges[ln.number] -= with_it
                up_front = DepositPart(up_front.value + taken, up_front.surcharge + with_it)
    share = Decimal(str(ref.admin_surcharge["initial_deposit"]["minimum_surcharge_share"]))
    return standard_schedule(
        case, shares, up_front, base=base, as_of=as_of, total=total,
        surcharges=surcharges, surcharge_floor=admin * share,
    )  # fmt: skip


def without_schedule(summary: CostSummary) -> CostSummary:
    """What `cost_summary` gives with `with_schedule` false, from what it gave for the same
    chain, base date and latest offer expiration date with the schedule: everything before the
    payment schedule is worked out alike (an Amendment's previous totals are its previous
    document's costs, most often assembled just before it). It keeps `asked`, what the document
    and the earlier ones made due, which the next document's schedule must not lower (the
    check QC-SCHEDULE-EARLIER reads it)."""
    return replace(
        summary,
        schedule=(),
        schedule_source="none",
        schedule_reason="not computed",
        initial_deposit=ZERO,
        deposit_surcharge=ZERO,
    )


def _deposit_reason(deposit_surcharge: Decimal, admin: Decimal, amended: bool = False) -> str:
    """How the computed schedule was made, in plain words (the report shows it)."""
    reason = "standard payment schedule computed by loagen"
    if admin:
        what = (
            "what falls due by this Amendment's acceptance (with what the earlier documents "
            "made due) carries"
            if amended
            else "the Initial Deposit carries"
        )
        reason += (
            f"; {what} {_dollars(deposit_surcharge)} of the {_dollars(admin)} administrative "
            "charge, with any nonrecurring cost that is not waived and the costs due before the "
            "first quarterly payment"
        )
    return reason


def _dollars(value: Decimal) -> str:
    return f"${whole(value):,.0f}"
