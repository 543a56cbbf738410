"""Wording rules of SAMM Appendix 9: dates, line references, money, the case and state descriptions.

Each function states one rule in plain code so policy staff can read it:

- dates are always spelled out: "12 January 2025";
- lines are "Line 001", "Lines 001-003", "Lines 001, 003 and 005";
- the Basic's case description reads "This LOA provides for ...";
- an Amendment or Modification says what it does and why: "This Amendment ...";
- a restated document leads with "This Amendment is a RESTATED document which supersedes the
  previous version offered on <date>." and goes on with "It ...";
- a case closure document reads "This Modification is for CASE CLOSURE, which ...";
- a Modification without scope change adds "There is no change in scope to this document.";
- the nickname ends the sentence that says what the document does, in parentheses (before
  "There is no change in scope to this document." and the cancelled documents);
- the State description names the items as a reader writes them (`nomenclature`): "Major
  Defense Equipment (MDE): 60 Javelin Command Launch Units. Other defense articles and
  services: support equipment, spare and repair parts, and technical assistance.";
- purchaser references are listed oldest to newest with their dates; a Modification with none
  reads "Based on U.S. Government Review", with no date;
- the other party is the "Purchaser" (FMS) or the "Benefitting Partner" (BPC).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sized
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from ..case.history import Changes
from ..case.model import Case, Line, PurchaserReference, Strict
from .costs import CostSummary, LineCost, PaymentRow
from .nomenclature import counted_name, counts_items, line_name, plural_name, singular_name

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

NO_SCOPE_CHANGE = "There is no change in scope to this document."
USG_REVIEW = "Based on U.S. Government Review"


def spell_date(value: date) -> str:
    """12 January 2025 (day without a leading zero, month in full, four-digit year)."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


_CENT = Decimal("0.01")
_DOLLAR = Decimal(1)


def money(value: Decimal | int, *, cents: bool | None = None) -> str:
    """$1,234,567, and -$3,250,000 for a decrease (cents shown only when the amount has them,
    unless `cents` says)."""
    if type(value) is not Decimal:  # (a Decimal is taken as it is: some 70 amounts a document)
        value = Decimal(value)
    show_cents = cents if cents is not None else value != value.to_integral_value()
    if show_cents:
        q = value.quantize(_CENT, rounding=ROUND_HALF_UP)
        return f"-${-q:,.2f}" if q < 0 else f"${abs(q):,.2f}"  # (abs: no "$-0.00")
    q = value.quantize(_DOLLAR, rounding=ROUND_HALF_UP)
    return f"-${-q:,.0f}" if q < 0 else f"${abs(q):,.0f}"


def quantity(value: Decimal) -> str:
    """2, 1,200 or 2.5 (no trailing zeros)."""
    if value == value.to_integral_value():
        return f"{value.to_integral_value():,}"
    return f"{value.normalize():,}"


def party(case: Case) -> str:
    """'Purchaser' on FMS cases, 'Benefitting Partner' on BPC cases."""
    return "Benefitting Partner" if case.program == "BPC" else "Purchaser"


def document_title(case: Case) -> str:
    """'Basic', 'Amendment 1', 'Modification 2'."""
    doc = case.document
    return doc.kind if doc.kind == "Basic" else f"{doc.kind} {doc.number}"


def document_noun(case: Case) -> str:
    """The subject of the case description: 'LOA', 'Amendment' or 'Modification'."""
    return "LOA" if case.document.kind == "Basic" else case.document.kind


# -- line references --------------------------------------------------------------------------


def _split(number: str) -> tuple[int, str]:
    return int(number[:3]), number[3:]


def _runs(numbers: Iterable[str]) -> list[list[str]]:
    """Group sorted line numbers into runs of consecutive lines (or sublines of one line)."""
    runs: list[list[str]] = []
    for n in sorted(set(numbers), key=_split):
        if runs:
            prev = runs[-1][-1]
            (pa, ps), (na, ns) = _split(prev), _split(n)
            consecutive_lines = not ps and not ns and na == pa + 1
            consecutive_sublines = ps and ns and na == pa and ord(ns) == ord(ps) + 1
            if consecutive_lines or consecutive_sublines:
                runs[-1].append(n)
                continue
        runs.append([n])
    return runs


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def line_refs(numbers: Iterable[str]) -> str:
    """'Line 001', 'Lines 001-003', 'Lines 001-003 and 005', 'Sublines 001a-c'."""
    return _line_refs(tuple(numbers))


@lru_cache(maxsize=2048)
def _line_refs(numbers: tuple[str, ...]) -> str:
    """`line_refs`, kept for the sets of lines asked for most (the reasons and notes of every
    document name the same few)."""
    runs = _runs(numbers)
    if not runs:
        return ""
    parts = []
    for run in runs:
        if len(run) == 1:
            parts.append(run[0])
        elif _split(run[0])[1]:
            parts.append(f"{run[0]}-{_split(run[-1])[1]}")
        elif len(run) == 2:
            parts.extend(run)
        else:
            parts.append(f"{run[0]}-{run[-1]}")
    single = len(runs) == 1 and len(runs[0]) == 1
    all_sub = all(_split(r[0])[1] for r in runs)
    noun = ("Subline" if all_sub else "Line") + ("" if single else "s")
    return f"{noun} {join_words(parts)}"


# -- purchaser reference ----------------------------------------------------------------------


def sorted_references(refs: Iterable[PurchaserReference]) -> list[PurchaserReference]:
    """Oldest to newest (a stable sort keeps the writer's order for equal dates)."""
    return sorted(refs, key=lambda r: r.date)


def purchaser_reference(case: Case) -> str:
    """'Based on A dated 14 February 2024 and B dated 3 May 2024.' or the U.S. review line."""
    refs = sorted_references(case.purchaser_references)
    if not refs:
        return USG_REVIEW
    parts = [f"{r.reference} dated {spell_date(r.date)}" for r in refs]
    return f"Based on {join_words(parts)}"


# -- case description -------------------------------------------------------------------------

_CONNECTORS = re.compile(
    r"^(to|for|due to|because|in order|as|per|based on|following|in response|at the|so that)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(
    r"\b(is|are|was|were|has|have|had|will|would|can|could|did|does|do|needs|need|requires|"
    r"required|asked|requested|wants)\b",
    re.IGNORECASE,
)
_STOP = {"the", "a", "an", "and", "of", "to", "for", "on", "in", "by", "with", "due", "s"}
_REQUEST = re.compile(
    r"^(?!an?\s)(?:the\s+)?(?:[\w.'\u2019/-]+\s+){0,3}request"
    r"(?:\s+(?:of|from|by|for|dated)\s+.+)?$",
    re.IGNORECASE,
)
"""A reason that is a request ("the Purchaser's request", "Purchaser request", "the request of
the Purchaser", "the Purchaser's request for earlier delivery"), which reads "at the
Purchaser's request", not "due to" it ("a request" stays "due to a request")."""


def _clause(text: str) -> str:
    return text.strip().rstrip(".").strip()


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP}


def _is_clause(reason: str) -> bool:
    """Whether `reason` has a verb of its own ('all deliveries are complete', 'the Purchaser
    requested more spares'); a participle before 'by' is not one ('requirements requested by
    the Purchaser')."""
    return any(not reason[m.end() :].lower().startswith(" by ") for m in _CLAUSE.finditer(reason))


def reason_phrase(purpose: str, reason: str | None) -> str:
    """The reason as it follows the purpose: as written when it starts with a connector
    ('to meet ...', 'due to ...'), left out when the purpose already says it, else joined with
    'because' when it is a clause ('the Purchaser requested ...'), 'at' when it is a request
    ('at the Purchaser's request') or 'due to' ('contract award')."""
    if not reason or not reason.strip():
        return ""
    reason = _clause(reason)
    if reason.lower() in purpose.lower():
        return ""
    if _CONNECTORS.match(reason):
        return " " + reason
    if _words(reason) <= _words(purpose):
        return ""
    # a clause with its own verb ("all deliveries are complete") takes "because"
    if _is_clause(reason):
        return " because " + reason
    if _REQUEST.match(reason):
        return " at " + reason
    return " due to " + reason


def _with_nickname(sentences: list[str], nickname: str, at: int) -> str:
    """Put '(nickname)' inside sentence `at`, the one that says what the document does, before
    its full stop ('This Modification extends ... (C-130J Aircraft). There is no change in
    scope to this document.'): the same place on a Basic, an Amendment and a Modification."""
    nickname = nickname.strip()
    if not nickname:
        return " ".join(sentences)
    sentences = list(sentences)
    sentences[at] = f"{sentences[at].removesuffix('.')} ({nickname})."
    return " ".join(sentences)


PURPOSE_VERBS = frozenset(
    [
        "add",
        "adjust",
        "amend",
        "cancel",
        "change",
        "close",
        "consolidate",
        "continue",
        "convert",
        "correct",
        "decrease",
        "delete",
        "deliver",
        "establish",
        "extend",
        "fund",
        "furnish",
        "implement",
        "include",
        "increase",
        "incorporate",
        "modify",
        "offer",
        "procure",
        "provide",
        "realign",
        "reduce",
        "reflect",
        "remove",
        "replace",
        "restate",
        "revise",
        "sell",
        "supply",
        "support",
        "transfer",
        "update",
        "upgrade",
    ]
)
"""Verbs a case description starts with, in their plain form ('provide': 'This LOA provides')."""


def third_person(verb: str) -> str:
    """The present tense after 'This LOA': provide -> provides, modify -> modifies, fix ->
    fixes."""
    if verb.endswith("y") and verb[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return verb[:-1] + "ies"
    if verb.endswith(("s", "x", "z", "ch", "sh")):
        return verb + "es"
    return verb + "s"


_PRESENT_VERBS = frozenset(third_person(v) for v in PURPOSE_VERBS)
_THIS_DOCUMENT = re.compile(r"^(this\s+(loa|amendment|modification)\s+)", re.IGNORECASE)
_TO_VERB = re.compile(r"^to\s+([a-z]+)\b", re.IGNORECASE)
_FIRST_WORD = re.compile(r"^[A-Za-z]+")


def purpose_phrase(purpose: str) -> str:
    """The purpose as the case description prints it after "This LOA": without a "This LOA"
    the writer wrote first (it is not said twice), a leading "to provide" as "provides" (of the
    verbs of `PURPOSE_VERBS`), and a capital on the first verb in lower case ("Provides for"
    -> "provides for"); other words are as written."""
    phrase = _THIS_DOCUMENT.sub("", _clause(purpose))
    m = _TO_VERB.match(phrase)
    if m is not None and m.group(1).lower() in PURPOSE_VERBS:
        phrase = third_person(m.group(1).lower()) + phrase[m.end() :]
    m = _FIRST_WORD.match(phrase)
    if m is not None:
        word = m.group(0)
        low = word.lower()
        if word == low.capitalize() and (low in _PRESENT_VERBS or low in PURPOSE_VERBS):
            phrase = low + phrase[m.end() :]
    return phrase


def starts_with_verb(phrase: str) -> bool:
    """Whether a purpose as printed (`purpose_phrase`) starts with a verb in the present tense
    ('provides', 'adds', 'funds'): a verb of `PURPOSE_VERBS`, or a word in lower case ending in
    s that is not a plural noun the article or number before it would show ('extends',
    'realigns'). A heuristic that gives the writer the benefit of the doubt."""
    m = _FIRST_WORD.match(phrase)
    if m is None or m.end() < len(phrase) and not phrase[m.end()].isspace():
        return False  # a number, a designator ('C-130J'), a quotation: not a verb
    word = m.group(0)
    if word in _PRESENT_VERBS:
        return True
    return word.islower() and word.endswith("s") and not word.endswith("ss") and len(word) > 3


def case_description(case: Case, changes: Changes) -> str:
    """The case description paragraph (SAMM AP9.T1 and AP9.T2; loa-facts 5.1)."""
    doc = case.document
    noun = document_noun(case)
    purpose = purpose_phrase(doc.purpose)
    body = purpose + reason_phrase(purpose, doc.reason if doc.kind != "Basic" else None)
    sentences = []
    if doc.restated is not None:
        sentences.append(
            f"This {noun} is a RESTATED document which supersedes the previous version "
            f"offered on {spell_date(doc.restated.previous_offer_date)}."
        )
    if doc.case_closure:
        opener = (
            "It is for CASE CLOSURE, which"
            if sentences
            else f"This {noun} is for CASE CLOSURE, which"
        )
    else:
        opener = "It" if sentences else f"This {noun}"
    purpose_at = len(sentences)
    sentences.append(f"{opener} {body}.")
    for cancelled in doc.cancelled:
        sentences.append(
            f"{cancelled.kind} {cancelled.number} was cancelled without acceptance and its "
            "number is not reused."
        )
    if doc.kind == "Modification" and not changes.scope_changed:
        sentences.append(NO_SCOPE_CHANGE)
    return _with_nickname(sentences, case.nickname, purpose_at)


# -- state description ------------------------------------------------------------------------


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def list_words(items: list[str]) -> str:
    """Items of a sentence: 'a', 'a and b', 'a, b and c'; with a comma before the last 'and'
    when an item has an 'and' of its own (two items too: 'spare and repair parts, and
    training') ('support equipment, spare and repair parts, and
    technical assistance'), and semicolons between the items when one has a comma of its own
    ('light tactical vehicles, 4X4; spare parts; and training'), so each item reads as one."""
    if len(items) > 1 and any("," in item for item in items):
        return "; ".join(items[:-1]) + "; and " + items[-1]
    if len(items) > 1 and any(" and " in item for item in items):
        return ", ".join(items[:-1]) + ", and " + items[-1]
    return join_words(items)


def state_description(case: Case, changes: Changes) -> str:
    """The State description: MDE with quantities, other articles and services, end items.

    On a Basic it covers every line; on an Amendment or Modification it covers what the
    document adds or increases, or changes in scope (SAMM AP9.T2), and always names the end
    items supported; what it adds ("Adds: ...": a new line, or one that now buys another item)
    is said apart from what it increases ("Increases: ..."). Items are named as a reader writes them (`nomenclature`): the Major Defense Equipment with its
    quantities in title case ("60 Javelin Command Launch Units"), the other articles and
    services in lower case as a list in a sentence ("support equipment, initial spares and
    repair parts, and technical assistance"); end items as the writer gives them.
    """
    if case.state_description:
        return case.state_description.strip()
    if changes.has_previous:
        if case.kind == "Modification":
            # a Modification changes no scope: a value that goes up is a price (its case
            # description says "no change in scope"), which adds nothing to the State description
            subject = [c for c in changes.lines if c.added or c.scope_change]
        else:
            # what it adds or increases, and a line that buys another item or for longer (a
            # change of scope, `case.history`)
            subject = [
                c for c in changes.lines if c.added or c.quantity_up or c.value_up or c.scope_change
            ]
        lines = [c.revised for c in subject if c.revised is not None]
    else:
        lines = list(case.lines)
    mde: dict[tuple[str, str, str], tuple[Line, Decimal]] = {}
    for ln in lines:
        if ln.major_defense_equipment:
            added = ln.quantity
            if changes.has_previous:
                change = changes.for_line(ln.number)
                if change is not None and change.previous is not None and not change.item_swaps:
                    # (a line that buys another item adds all it buys)
                    added = ln.quantity - change.previous.quantity
            if added > 0:
                key = (singular_name(ln), plural_name(ln), ln.unit_of_issue)
                first, total = mde.get(key, (ln, Decimal(0)))
                mde[key] = (first, total + added)
    others = _dedupe(line_name(ln) for ln in lines if not ln.major_defense_equipment)
    new_items: list[str] = []
    if changes.has_previous:
        # what the document adds (a new line, or one that now buys another item) apart from
        # what it increases (more of a line, more value, for longer)
        new_items = _dedupe(
            line_name(c.revised)
            for c in subject
            if c.revised is not None
            and not c.revised.major_defense_equipment
            and (c.added or c.item_swaps)
        )
    end_items = _dedupe((ln.end_item or "").strip() for ln in case.lines if ln.end_item)
    parts = []
    verb = "Adds" if changes.has_previous else ""
    if mde:
        mde_text = list_words([counted_name(ln, q, quantity(q)) for ln, q in mde.values()])
        parts.append(
            f"{verb + ' ' if verb else ''}Major Defense Equipment (MDE): {mde_text}.".strip()
        )
    if others and not verb:
        parts.append(f"Other defense articles and services: {list_words(others)}.")
    elif others:
        more = [name for name in others if name not in new_items]
        parts += [
            f"{label}: {list_words(names)}."
            for label, names in (("Adds", new_items), ("Increases", more))
            if names
        ]
    if not parts and changes.has_previous:
        parts.append("No items or services are added.")
    if end_items:
        noun = "End item" if len(end_items) == 1 else "End items"
        parts.append(f"{noun} supported: {join_words(end_items)}.")
    return " ".join(parts)


def terms_words(case: Case) -> list[str]:
    """The terms of sale as page 1 lists them: with the dollars each pays when the case gives
    a breakout ("FMS Credit (Non-Repayable): $4,000,000"), the terms the breakout leaves out
    ("EDA Grant") after those, and the term that pays the rest ("Cash Prior to Delivery:
    Balance") last; else as named."""
    if not case.terms_breakout:
        return list(case.terms_of_sale)
    split = {b.term for b in case.terms_breakout}
    return (
        [f"{t.term}: {money(t.amount)}" for t in case.terms_breakout if t.amount is not None]
        + [t for t in case.terms_of_sale if t not in split]
        + [f"{t.term}: Balance" for t in case.terms_breakout if t.amount is None]
    )


def surcharge_note(costs: CostSummary) -> str:
    """How the administrative charge was figured, under the cost summary ('' with no lines)."""
    if costs.surcharge_exemption:
        return f"No administrative charge: {costs.surcharge_exemption}."
    if not costs.lines:
        return ""
    charged = [c for c in costs.lines if c.exemption is None]
    rates = sorted({c.surcharge_rate for c in charged})
    text = (
        "Administrative charge at "
        + " and ".join(f"{r * 100:.1f}%" for r in rates)
        + " of the Net Estimated Cost of the lines, by the date each line was written."
    )
    # Lines that bear none (a Small Case Management Line, lines added after a case's surcharge
    # ended), each reason once with its lines: not a rate of 0.0%.
    free: dict[str, list[str]] = {}
    for c in costs.lines:
        if c.exemption is not None:
            free.setdefault(c.exemption, []).append(c.number)
    for reason, numbers in free.items():
        verb = "bears" if len(numbers) == 1 else "bear"
        text += f" {line_refs(numbers)} {verb} none: {reason}."
    return text


# -- helpers a note body can call -------------------------------------------------------------


def _numbers(items: object) -> list[str]:
    if isinstance(items, (Line, str)):
        items = [items]
    return [i if isinstance(i, str) else i.number for i in items]  # type: ignore[union-attr]


def refs(items: object) -> str:
    """'Line 001', 'Lines 001-003' for lines (or line numbers)."""
    return line_refs(_numbers(items))


def percent(rate: Decimal | int | float | str) -> str:
    """0.032 -> '3.2%'."""
    value = (Decimal(str(rate)) * 100).normalize()
    return f"{value:f}%"


def rates_before(cost_lines: Iterable[LineCost], day: date) -> str:
    """The administrative surcharge rates of the cost lines written before `day` (each line's
    `surcharge_date`), as figures of a percent, the oldest rate first: '3.8', '3.8 or 3.5'; ''
    when no line bearing a surcharge was written before then. A line keeps the rate in force
    when it was written, so these are the rates the case's older documents keep (the rate
    change note reads them: `rates_before(costs.charged_lines, date("2018-06-01"))`)."""
    by_date = sorted(
        (c for c in cost_lines if c.surcharge_rate and c.surcharge_date and c.surcharge_date < day),
        key=lambda c: c.surcharge_date,
    )
    figures: list[str] = []
    for c in by_date:
        figure = percent(c.surcharge_rate).removesuffix("%")
        if figure not in figures:
            figures.append(figure)
    return " or ".join(figures)


@lru_cache(maxsize=256)
def _fields(cls: type) -> frozenset[str]:
    """The data fields of a model or dataclass (never methods or internals); asked for every
    item `grouped` reads, of a few classes only."""
    if dataclasses.is_dataclass(cls):
        return frozenset(f.name for f in dataclasses.fields(cls))
    return frozenset(getattr(cls, "model_fields", None) or ())


def _resolve(item: object, path: str) -> object:
    for part in path.split("."):
        if item is None:
            return None
        if part not in _fields(type(item)):
            raise ValueError(f"grouped: {type(item).__name__} has no field {part!r}")
        item = getattr(item, part)
    return item


def _same(a: object, b: object) -> bool:
    """`a == b`, quicker for two case models of one class (a line's `sole_source`, a cost's
    `waiver`): Pydantic's `==` compares such models' field dicts after checks that cannot fail
    for them (a case model has no private attributes nor extra fields, and its `__dict__`
    holds its fields only), some three times slower than comparing the dicts here."""
    if type(a) is type(b) and isinstance(a, Strict):
        return a.__dict__ == b.__dict__
    return a == b


def grouped(items: Iterable[object], path: str) -> list[tuple[object, tuple[object, ...]]]:
    """Pairs of (value at `path`, the items sharing it), in the order values first appear:
    `grouped(note_lines, "sole_source")` gives each designation with its lines."""
    out: list[tuple[object, list[object]]] = []
    for item in items:
        key = _resolve(item, path)
        for k, members in out:
            if _same(k, key):
                members.append(item)
                break
        else:
            out.append((key, [item]))
    return [(k, tuple(m)) for k, m in out]


def by_approval(items: Iterable[object], path: str) -> list[tuple[object, tuple[object, ...]]]:
    """Pairs of (the waiver at `path`, the items it waives), one for each approval: waivers
    with the same reference and date are one approval, whatever else each line's copy says (the
    MASL a waiver names is the line's own). `by_approval(rule_lines, "nonrecurring_cost.waiver")`
    gives each DSCA approval with every line it waives, in the order approvals first appear."""
    out: list[tuple[object, list[object]]] = []
    seen: dict[tuple[object, object], list[object]] = {}
    for item in items:
        waiver = _resolve(item, path)
        key = (getattr(waiver, "reference", None), getattr(waiver, "date", None))
        members = seen.get(key)
        if members is None:
            members = seen[key] = []
            out.append((waiver, members))
        members.append(item)
    return [(w, tuple(m)) for w, m in out]


def plural(items: Sized, one: str, many: str) -> str:
    """`one` for a single item, else `many`: plural(note_lines, "provides", "provide")."""
    return one if len(items) == 1 else many


def days_said(count: int) -> str:
    """A number of days as a sentence says it: "1 day", "30 days"."""
    return f"{count} day" if count == 1 else f"{count} days"


def item_name(line: Line, counted: bool = False) -> str:
    """What `line` provides, named as a reader writes it (its `nomenclature`, else its MASL
    description in normal case): 'support equipment', 'C-130J Aircraft'; plural when the line
    holds more than one item. `counted`: with the quantity in front when the unit of issue
    counts items ('60 Javelin Command Launch Units', '1 Javelin Command Launch Unit')."""
    if counted and counts_items(line):
        return counted_name(line, line.quantity, quantity(line.quantity))
    return line_name(line)


def ordinal(n: int) -> str:
    """'1st', '2nd', '3rd', '4th', '11th', '22nd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def due_words(row: PaymentRow) -> str:
    """When a payment schedule row is due, as the schedule prints it: '15 March 2027', 'With
    acceptance' (no date), 'As billed', or on an Amendment 'Before this Amendment' (what the
    earlier documents made due)."""
    if row.as_billed:
        return "As billed"
    if row.earlier:
        return "Before this Amendment"
    return spell_date(row.date) if row.date else "With acceptance"


_WORD = re.compile(r"[a-z0-9]+(?:[-/][a-z0-9]+)*")


def for_end_item(line: Line) -> str:
    """' for the C-130J' for the end item a line supports (' (used with the C-130J)' when the
    line's name has a "for ..." phrase already), or '' when it has none or when the line's
    name already says it ('200 tactical radio sets', end item 'Tactical Radio'; 'Javelin
    support equipment', end item 'Javelin'): "for the Tactical Radio" would repeat it."""
    end_item = " ".join((line.end_item or "").split())
    if not end_item:
        return ""
    said = set(_WORD.findall(f"{singular_name(line)} {plural_name(line)}".lower()))
    if set(_WORD.findall(end_item.lower())) <= said:
        return ""
    if "for" in said:
        # The name has a "for ..." phrase of its own ("... elements for wheeled tactical
        # vehicles"): a second "for the Tactical Radio" would read as one chain.
        return f" (used with the {end_item})"
    return f" for the {end_item}"


def sentence(text: str) -> str:
    """Writer's text as a sentence: capital first letter, full stop at the end."""
    text = " ".join(str(text).split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


NOTE_HELPERS = {
    "refs": refs,
    "spell_date": spell_date,
    "money": lambda x: money(x),
    "percent": percent,
    "rates_before": rates_before,
    "quantity": lambda q: quantity(Decimal(str(q))),
    "grouped": grouped,
    "by_approval": by_approval,
    "plural": plural,
    "sentence": sentence,
    "item_name": item_name,
    "for_end_item": for_end_item,
}
"""The wording helpers a note body (and rule) can call, by name: `rules` registers each one."""
