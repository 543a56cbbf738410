"""Quality control: the SAMM Appendix 9 rules (tables AP9.T1, AP9.T2, AP9.T4) as small checks.

Each rule is one function registered with `@rule(id, severity, title, reference)`. It reads a
`Context` (the document, its history, its costs and the notes selected for it) and yields `Hit`s:
the JSON path of the offending field in the case file as written (`lines[2]` is the third line
of the file; "" is the whole case) and a message in plain words naming the lines and values.
`run_checks` turns the hits into `Finding`s carrying the rule's severity and SAMM reference, and
sorts them: errors first, then by place in the file, rule id and message.

Rules read the policy text, not the example cases: a case no one here wrote must be judged by
the same words. Where the policy leaves room (SAMM exceptions, heuristics on free text) the rule
is a warning; where it is plain, an error.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, cached_property, lru_cache, partial
from typing import Any, Literal, NamedTuple

from ..case.history import ANOTHER_ITEM, LONGER_PERIOD, MORE_QUANTITY, MORE_VALUE, NEW_LINE
from ..case.model import Case, Line, funding_mismatch
from ..document.assembly import LoaDocument
from ..document.costs import (
    ACCEPTANCE_ROW,
    CostSummary,
    asked_by,
    awacs_countries,
    deposit_label,
    exemption,
    no_schedule_reason,
    rate_on,
    whole,
)
from ..document.nomenclature import (
    counted_name,
    counts_items,
    left_inverted,
    plural_name,
    reader_name,
    singular_name,
)
from ..document.wording import (
    PURPOSE_VERBS,
    days_said,
    document_noun,
    document_title,
    line_refs,
    money,
    purpose_phrase,
    quantity,
    spell_date,
    starts_with_verb,
    third_person,
)
from ..recent import recent_texts
from ..reference import Reference, load_reference
from .in_force import since_the
from .notification import problems_for
from .package import checklist_for, nc_masl_mismatches
from .rules.runtime import bpc_indirect_charges, bpc_program_of, limits
from .selection import Selection
from .text_scan import (
    _CUSTOMER,
    _DIGIT_RUN,
    _DIGIT_SHAPES,
    _LINE_ITEM,
    _LINE_NUMBER_GATE,
    _LINE_NUMBER_STYLE,
    _MOS_TERMS,
    _NUMERIC_DATE,
    _PURCHASER,
    _SLS,
    _US_NOUN,
    _USG,
    Role,
    TextHit,
    _holds_digits,
    _may_hold,
    _quote,
    find_contact_data,
    find_cui,
    find_markings,
    find_names,
    find_terms,
    free_text,
    matches_from,
    normalise,
    scan_free_text,
)

Severity = Literal["error", "warning"]
_SEVERITY_ORDER = {"error": 0, "warning": 1}


@dataclass(frozen=True)
class Finding:
    """One quality-control finding on one document."""

    severity: Severity
    rule_id: str
    """Stable rule identifier, e.g. 'QC-NSR-SHARE'."""
    message: str
    """Plain words naming the lines and values."""
    path: str
    """JSON path of the offending field, e.g. 'lines[2].source_code'; '' for the whole case."""
    reference: str
    """The SAMM reference the rule comes from, e.g. 'Section C5.4.13'."""

    def __str__(self) -> str:
        return f"{self.severity} {self.said}"

    @property
    def said(self) -> str:
        """The finding without its severity (for a line that shows the severity already)."""
        where = f" {self.path}" if self.path else ""
        return f"{self.rule_id}{where}: {self.message} ({self.reference})"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class RuleInfo:
    """What `loagen check --list` shows for one rule."""

    id: str
    severity: Severity
    title: str
    reference: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


class Hit(NamedTuple):
    """What a rule function yields: where, and what is wrong."""

    path: str
    message: str


@dataclass(frozen=True)
class Context:
    """Everything a rule may read about one document."""

    document: LoaDocument
    selection: Selection | None = None
    today: date | None = None
    """The day the checks run (the rules that read it skip without it)."""
    newest: bool = False
    """No later document of the case follows this one (its next Amendment or Modification, its
    restated version): the caller that knows the case's folder says so (`Pipeline.check`)."""

    # (kept once read, as below: the rules ask for these some hundred times a document)
    @cached_property
    def case(self) -> Case:
        return self.document.case

    @cached_property
    def previous(self) -> Case | None:
        return self.document.previous

    @cached_property
    def kind(self) -> str:
        return self.document.case.document.kind

    @cached_property
    def ref(self) -> Reference:
        return load_reference()

    @property
    def lines(self) -> Iterator[tuple[str, Line]]:
        """Each line with its JSON path ('lines[0]', ...), in file order."""
        return iter(self._lines)

    @cached_property
    def _lines(self) -> tuple[tuple[str, Line], ...]:
        """`lines`, paired once: most rules walk them."""
        return tuple((f"lines[{i}]", ln) for i, ln in enumerate(self.case.lines))

    @cached_property
    def lines_with(self) -> LineGroups:
        """The lines sorted once into the groups the line rules read (see `LineGroups`)."""
        return LineGroups(self._lines, self.ref.nsr_masl, self.ref.wwrs_seller_masl)

    @cached_property
    def texts(self) -> tuple[tuple[str, str, Role], ...]:
        """Every free-text field of the case: (JSON path, text, role)."""
        return tuple(free_text(self.case))

    @cached_property
    def text_hits(self) -> dict[TextCheck, list[tuple[str, tuple[tuple[TextHit, str], ...]]]]:
        """What the text checks find in the free text, walked once for them all: for each
        check that finds something, (JSON path, its hits in that text, each with its quote) in
        text order. (Kept by text, as `scanned` answers: most hits are never read.) The checks
        for BPC cases only (`TextCheck.bpc_only`) are run on BPC cases only."""
        found: dict[TextCheck, list[tuple[str, tuple[tuple[TextHit, str], ...]]]] = {}
        checks = _TEXT_CHECKS
        scan = scanned if self.is_bpc else scanned_fms
        for path, _, answer in scan_free_text(self.case, scan):
            for i, hits in answer:
                found.setdefault(checks[i], []).append((path, hits))
        return found

    @cached_property
    def _paths(self) -> dict[str, str]:
        return {ln.number: f"lines[{i}]" for i, ln in enumerate(self.case.lines)}

    def line_path(self, number: str) -> str:
        """'lines[i]' of line `number` in this file, or '' when it is not on the document."""
        return self._paths.get(number, "")

    @cached_property
    def is_bpc(self) -> bool:
        return self.document.is_bpc

    @cached_property
    def party(self) -> str:
        return "Benefitting Partner" if self.document.is_bpc else "Purchaser"

    @property
    def fmf_terms(self) -> tuple[str, ...]:
        return tuple(t for t in self.case.terms_of_sale if self.ref.term_flag(t, "fmf"))

    @property
    def fmf_funded(self) -> bool:
        """Funded by Foreign Military Financing: `funding` fmf or an FMS Credit term of sale."""
        return self.case.funding == "fmf" or bool(self.fmf_terms)

    @property
    def wwrs_stand_alone(self) -> bool:
        return all(ln.is_wwrs_seller for ln in self.case.lines)

    @property
    def base_date(self) -> date | None:
        """The Basic's implementation date (the MOS base on Amendments and Modifications)."""
        return self.document.implementation_date


PathLine = tuple[str, Line]


class LineGroups:
    """A document's lines, each with its JSON path, sorted in one pass into the groups the line
    rules read: most rules look at a few lines only (its Non-Specific Requirements lines, those
    with a sole source, ...), and most documents have none of them. A rule walks its group
    instead of every line, and still asks its own whole condition of each line in it: a group
    holds at least the lines the rule can find something on. Each group is in file order."""

    __slots__ = (
        "nsr", "not_nsr", "nsr_covers", "sole_source", "nonrecurring_cost", "eda",
        "eda_or_e", "training", "training_medical", "services", "service", "manpower", "items",
        "scml", "program_support_charge", "foc_delivery", "line_note", "ta_named", "wwrs_seller",
        "training_any",
    )  # fmt: skip

    def __init__(self, lines: Iterable[PathLine], nsr_masl: str, wwrs_masl: str) -> None:
        # each group: an attribute, and a local name while the lines are sorted
        nsr = self.nsr = []  # Non-Specific Requirements lines (`Line.is_nsr`)
        not_nsr = self.not_nsr = []  # the others
        nsr_covers = self.nsr_covers = []  # with `nsr_covers_price_increases`
        sole_source = self.sole_source = []
        nonrecurring_cost = self.nonrecurring_cost = []
        eda = self.eda = []  # with `eda` data (grant EDA among them)
        eda_or_e = self.eda_or_e = []  # those and the lines of Source Code E
        training = self.training = []  # with `training` data, whatever their kind
        training_any = self.training_any = []  # those and the lines of kind training or medical
        training_medical = self.training_medical = []  # of kind training or medical
        services = self.services = []  # of kind services or manpower
        service = self.service = []  # of these four kinds (`Line.is_service`)
        manpower = self.manpower = []  # with `manpower` data
        items = self.items = []  # naming items (`Line.items`: classified, COMSEC ...)
        scml = self.scml = []
        program_support_charge = self.program_support_charge = []
        foc_delivery = self.foc_delivery = []
        line_note = self.line_note = []  # with a line note
        ta_named = self.ta_named = []  # Type of Assistance naming a term of sale (`TA_TERMS`)
        wwrs_seller = self.wwrs_seller = []  # WWRS seller lines (`Line.is_wwrs_seller`)
        for pl in lines:
            # the line's fields, read from its __dict__ (where a model keeps them): some 2.5
            # times faster than as attributes, which Python cannot speed up on a model class
            # (pydantic gives it a __getattr__)
            f = pl[1].__dict__
            (nsr if f["masl"] == nsr_masl else not_nsr).append(pl)  # `Line.is_nsr`
            if f["nsr_covers_price_increases"]:
                nsr_covers.append(pl)
            if f["sole_source"] is not None:
                sole_source.append(pl)
            if f["nonrecurring_cost"] is not None:
                nonrecurring_cost.append(pl)
            if f["eda"] is not None:
                eda.append(pl)
                eda_or_e.append(pl)
            elif f["source_code"] == "E":
                eda_or_e.append(pl)
            if f["masl"] == wwrs_masl:  # `Line.is_wwrs_seller`
                wwrs_seller.append(pl)
            kind = f["kind"]
            if f["training"] is not None:
                training.append(pl)
                training_any.append(pl)
            elif kind in ("training", "medical"):
                training_any.append(pl)
            if kind in ("training", "medical"):
                training_medical.append(pl)
                service.append(pl)
            elif kind in _SERVICE_KINDS:
                services.append(pl)
                service.append(pl)
            if f["manpower"] is not None:
                manpower.append(pl)
            if f["items"]:
                items.append(pl)
            if f["scml"]:
                scml.append(pl)
            if f["program_support_charge"] is not None:
                program_support_charge.append(pl)
            if f["foc_delivery"] is not None:
                foc_delivery.append(pl)
            if f["line_note"]:
                line_note.append(pl)
            if f["type_of_assistance"] in TA_TERMS:
                ta_named.append(pl)


RuleFunction = Callable[[Context], Iterable[Hit]]
_RULES: list[tuple[RuleInfo, RuleFunction]] = []


def rule(rule_id: str, severity: Severity, title: str, reference: str):
    """Register a rule function under its id, default severity, title and SAMM reference."""

    def register(fn: RuleFunction) -> RuleFunction:
        if any(info.id == rule_id for info, _ in _RULES):
            raise ValueError(f"rule {rule_id} is registered twice")
        _RULES.append((RuleInfo(rule_id, severity, title, reference), fn))
        fn.rule_id = rule_id  # type: ignore[attr-defined]
        return fn

    return register


def list_rules() -> tuple[RuleInfo, ...]:
    """Every rule, sorted by id (for `loagen check --list`)."""
    return tuple(sorted((info for info, _ in _RULES), key=lambda r: r.id))


def _path_key(path: str) -> tuple[object, ...]:
    parts = re.split(r"(\d+)", path)
    return tuple(int(p) if p.isdigit() else p for p in parts)


def _order(f: Finding) -> tuple[object, ...]:
    return (_SEVERITY_ORDER[f.severity], f.path == "", _path_key(f.path), f.rule_id, f.message)


def run_checks(
    document: LoaDocument,
    selection: Selection | None = None,
    *,
    today: date | None = None,
    newest: bool = False,
) -> tuple[Finding, ...]:
    """Run every rule on `document` (with the notes in `selection`, when given); `today` and
    `newest` as `Context` says."""
    ctx = Context(document, selection, today, newest)
    found: set[Finding] = set()
    for info, fn in _RULES:
        for hit in fn(ctx):
            found.add(Finding(info.severity, info.id, hit.message, hit.path, info.reference))
    return tuple(sorted(found, key=_order))


def _line(ln: Line) -> str:
    return f"Line {ln.number}"


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


ALL_ROLES: tuple[Role, ...] = ("party", "reference", "title", "prose", "record")
"""Every text of the case file, printed or not (the marking checks read them all)."""


PRINTED_ROLES: tuple[Role, ...] = ("party", "reference", "title", "prose")
"""The texts printed on the LOA (every role but the records)."""


@dataclass(frozen=True, eq=False)
class TextCheck:
    """What one rule looks for in the free text: `finder` run on the texts of `roles`;
    `as_read`: on the text as a reader sees it (`text_scan.normalise`), which the message then
    quotes; `bpc_only`: on BPC cases only (its rule finds nothing on FMS cases, whose texts are
    then scanned without it). Declared once, at import (`_TEXT_CHECKS`), so that one pass a text
    serves them all."""

    finder: Callable[[str], tuple[TextHit, ...]]
    roles: tuple[Role, ...] = PRINTED_ROLES
    as_read: bool = False
    bpc_only: bool = False


_TEXT_CHECKS: list[TextCheck] = []


def text_check(
    finder: Callable[[str], tuple[TextHit, ...]],
    roles: tuple[Role, ...] = PRINTED_ROLES,
    *,
    as_read: bool = False,
    bpc_only: bool = False,
) -> TextCheck:
    """Declare a `TextCheck` (at import, beside its rule)."""
    check = TextCheck(finder, roles, as_read, bpc_only)
    _TEXT_CHECKS.append(check)
    _checks_of_role.cache_clear()
    scanned.cache_clear()
    scanned_fms.cache_clear()
    return check


@cache
def _checks_of_role(role: Role, bpc: bool) -> tuple[tuple[int, TextCheck], ...]:
    """The checks of `role` (with their index in `_TEXT_CHECKS`) run on the texts of a BPC
    case (`bpc`: all of them), or of an FMS case (all but those for BPC cases only)."""
    return tuple(
        (i, c) for i, c in enumerate(_TEXT_CHECKS) if role in c.roles and (bpc or not c.bpc_only)
    )


SCAN_CACHE_SIZE = 4096
"""Texts whose scan results are kept (a text with its role; least recently used dropped), by
each of `scanned` and `scanned_fms`. Most texts repeat from one document to the next (a chain's
documents, the standard descriptions), so a batch scans each distinct text once; a document has
some 200 texts. Sized for memory as well (issue 9: a batch worker's memory stays flat): 4,096
texts hold a case's documents and the standard descriptions, with a hit rate close to a larger
cache's."""

ScanAnswer = tuple[tuple[int, tuple[tuple[TextHit, str], ...]], ...]


@lru_cache(maxsize=SCAN_CACHE_SIZE)
def scanned(text: str, role: Role) -> ScanAnswer:
    """Every text check of `role` run on `text` (the texts of a BPC case): for each check that
    finds something, its index in `_TEXT_CHECKS` and its hits, each with its quote
    (`text_scan._quote`) in the text the check read. The answer depends on `text` and `role`
    alone, the cache's key."""
    return _scanned(text, role, bpc=True)


@lru_cache(maxsize=SCAN_CACHE_SIZE)
def scanned_fms(text: str, role: Role) -> ScanAnswer:
    """`scanned` for the texts of an FMS case: without the checks for BPC cases only (the cache
    of its own: its answer depends on `text` and `role` alone, but is not `scanned`'s)."""
    return _scanned(text, role, bpc=False)


def _scanned(text: str, role: Role, *, bpc: bool) -> ScanAnswer:
    read = None
    found = []
    for i, check in _checks_of_role(role, bpc):
        if check.as_read:
            if read is None:
                read = normalise(text)
            seen = read
        else:
            seen = text
        hits = check.finder(seen)
        if hits:
            found.append((i, tuple((h, _quote(seen, h.start, h.end)) for h in hits)))
    return tuple(found)


def _scan(ctx: Context, check: TextCheck, message: Callable[[TextHit, str], str]) -> Iterator[Hit]:
    """The hits of `check` on the document, `message(hit, quote)` saying each."""
    if check.bpc_only and not ctx.is_bpc:
        raise ValueError("a check for BPC cases only is not run on an FMS case: read it on BPC")
    for path, hits in ctx.text_hits.get(check, ()):
        for h, quote in hits:
            yield Hit(path, message(h, quote))


# == rules: AP9.T1 classified data, PII, terminology ============================================


# (partial objects: called on every text a batch has not seen, a Python function in between
# would cost a call of its own)
_contact_in_references = partial(find_contact_data, digits=False)


def _terms(pattern: re.Pattern[str]) -> Callable[[str], tuple[TextHit, ...]]:
    return partial(find_terms, pattern)


# What the rules below look for in the free text, and where. Markings are looked for in every
# text of the case file (records too), personal data and names in what is printed, as a reader
# reads it; the terminology on the text as written, where the term is printed.
_MARKINGS = text_check(find_markings, ALL_ROLES, as_read=True)
_CUI_MARKINGS = text_check(find_cui, ALL_ROLES, as_read=True)
_CONTACT_DATA = text_check(find_contact_data, ("party", "title", "prose"), as_read=True)
_CONTACT_DATA_IN_REFERENCES = text_check(_contact_in_references, ("reference",), as_read=True)
_NAMES = text_check(find_names, as_read=True)
_TERM_CUSTOMER = text_check(_terms(_CUSTOMER), ("reference", "title", "prose"))
_TERM_PURCHASER = text_check(_terms(_PURCHASER), ("reference", "title", "prose"), bpc_only=True)
_TERM_US_NOUN = text_check(_terms(_US_NOUN), ("title", "prose"))
_TERM_NUMERIC_DATE = text_check(_terms(_NUMERIC_DATE))
_TERM_USG = text_check(_terms(_USG), ("title", "prose"))
_TERM_LINE_ITEM = text_check(_terms(_LINE_ITEM), ("prose",))
_TERM_SLS = text_check(_terms(_SLS))


_LINE_REF_WRITTEN = re.compile(r"(?i:lines?)\s+(\d+)([a-z]?)(?:\s*[-\u2013]\s*(\d+)([a-z]?))?")
"""A line reference as written, to the end of its range ('line 2', 'lines 3 - 5')."""


def _line_refs_written_wrong(text: str) -> tuple[TextHit, ...]:
    """Line references not written as LSG-1 writes them, each to the end of its range ('lines
    3 - 5', not 'lines 3'), so the message can say it right (`line_ref_fixed`)."""
    # every match holds "ine", white space and a digit (`_LINE_NUMBER_GATE`): most texts are
    # passed over without the pattern
    if _LINE_NUMBER_GATE.search(text) is None:
        return ()
    hits = []
    for h in find_terms(_LINE_NUMBER_STYLE, text):
        whole = _LINE_REF_WRITTEN.match(text, h.start)
        end = max(h.end, whole.end()) if whole is not None else h.end
        hits.append(TextHit(text[h.start : end], h.start, end))
    return tuple(hits)


_TERM_LINE_STYLE = text_check(_line_refs_written_wrong, ("prose",))


@rule(
    "QC-CLASSIFIED",
    "error",
    "No classification markings in LOA text: classified data cannot be entered in DSAMS",
    "Section C5.4.3.4, Section C5.4.14",
)
def classified_markings(ctx: Context) -> Iterator[Hit]:
    yield from _scan(
        ctx,
        _MARKINGS,
        lambda h, q: (
            f"{h.what} in {q}: classified data cannot go on an LOA; process it as a "
            "classified LOA and keep the text unclassified"
        ),
    )


@rule(
    "QC-CUI",
    "error",
    "No controlled unclassified information markings (CUI, FOUO, SBU, LES, distribution "
    "statements): LOA text is releasable to the Purchaser",
    "Table AP9.T1, U.S. Government Equivalent Classification; DoDI 5200.48",
)
def cui_markings(ctx: Context) -> Iterator[Hit]:
    yield from _scan(
        ctx,
        _CUI_MARKINGS,
        lambda h, q: (
            f"{h.what} in {q}: controlled unclassified information cannot go on an LOA; "
            "remove the marked text, or have it decontrolled first"
        ),
    )


@rule(
    "QC-PII",
    "error",
    "No personal data (e-mail addresses, phone numbers, social security, passport numbers, "
    "dates of birth)",
    "Table AP9.T1, Personal Identifiable Information",
)
def personal_contact_data(ctx: Context) -> Iterator[Hit]:
    for check in (_CONTACT_DATA, _CONTACT_DATA_IN_REFERENCES):
        yield from _scan(
            ctx,
            check,
            lambda h, q: (
                f"{h.what} in {q}: information that identifies a person is not allowed on an LOA"
            ),
        )


@rule(
    "QC-PII-NAME",
    "error",
    "No personal names (a name after an honorific, a rank or 'POC:')",
    "Table AP9.T1, Personal Identifiable Information",
)
def personal_names(ctx: Context) -> Iterator[Hit]:
    yield from _scan(
        ctx,
        _NAMES,
        lambda h, q: (
            f"{h.what} in {q}: information that identifies a person is not allowed on "
            "an LOA; name the office or organisation instead"
        ),
    )


@rule(
    "QC-TERM-CUSTOMER",
    "error",
    "'Purchaser' (FMS) or 'Benefitting Partner' (BPC), never 'Customer'",
    "Table AP9.T1, consistent terminology",
)
def term_customer(ctx: Context) -> Iterator[Hit]:
    party = "Benefitting Partner" if ctx.is_bpc else "Purchaser"
    yield from _scan(
        ctx,
        _TERM_CUSTOMER,
        lambda h, q: (
            f"{h.what!r} in {q}: write {party!r} on {'BPC' if ctx.is_bpc else 'FMS'} cases"
        ),
    )


@rule(
    "QC-TERM-BPC-PARTY",
    "error",
    "BPC cases name the other party 'Benefitting Partner', not 'Purchaser'",
    "Table AP9.T1, consistent terminology",
)
def term_bpc_party(ctx: Context) -> Iterator[Hit]:
    if not ctx.is_bpc:
        return
    yield from _scan(
        ctx,
        _TERM_PURCHASER,
        lambda h, q: f"{h.what!r} in {q}: a BPC case has a 'Benefitting Partner', not a Purchaser",
    )


@rule(
    "QC-TERM-US-NOUN",
    "warning",
    "'U.S.' only as an adjective; as a noun write 'United States'",
    "Table AP9.T1, consistent terminology",
)
def term_us_noun(ctx: Context) -> Iterator[Hit]:
    yield from _scan(
        ctx,
        _TERM_US_NOUN,
        lambda h, q: (
            f"'U.S.' used as a noun in {q}: write 'United States' (U.S. is an adjective "
            "only, as in 'U.S. Government')"
        ),
    )


@rule(
    "QC-TERM-DATE",
    "error",
    "Dates are spelled out, e.g. '12 January 2025'",
    "Table AP9.T1, consistent terminology",
)
def term_dates(ctx: Context) -> Iterator[Hit]:
    yield from _scan(
        ctx,
        _TERM_NUMERIC_DATE,
        lambda h, q: f"the date {h.what!r} in {q}: spell dates out, e.g. '12 January 2025'",
    )


@rule(
    "QC-TERM-USG",
    "warning",
    "'U.S. Government', not 'USG'",
    "Table AP9.T1, SAMM Acronym Listing",
)
def term_usg(ctx: Context) -> Iterator[Hit]:
    yield from _scan(
        ctx,
        _TERM_USG,
        lambda h, q: f"'USG' in {q}: write 'U.S. Government'",
    )


@rule(
    "QC-TERM-LINE-ITEM",
    "warning",
    "'Line', not 'Line Item', in case descriptions and line notes",
    "Table AP9.T1, consistent terminology",
)
def term_line_item(ctx: Context) -> Iterator[Hit]:
    yield from _scan(
        ctx,
        _TERM_LINE_ITEM,
        lambda h, q: f"{h.what!r} in {q}: write 'Line' (e.g. 'Line 001')",
    )


@rule(
    "QC-TERM-MOS",
    "warning",
    "The case description says 'Months of Service (MOS)', not PoP, period of performance or "
    "lead time",
    "LOA Standardization Guide 1 (case description style); Table AP9.T1, consistent terminology",
)
def term_mos(ctx: Context) -> Iterator[Hit]:
    # the case description only: a line note may well speak of a contract's lead times
    doc = ctx.case.document
    for path, text in (("document.purpose", doc.purpose), ("document.reason", doc.reason)):
        for m in _MOS_TERMS.finditer(text or ""):
            yield Hit(
                path,
                f"{m.group(0)!r} in the case description: write 'Months of Service (MOS)'",
            )


def line_ref_fixed(written: str) -> str:
    """A line reference written as LSG-1 writes it: 'line 2' -> 'Line 002', 'lines 3 - 5' ->
    'Lines 003-005' (what `term_line_number` suggests, from the writer's own numbers)."""
    m = _LINE_REF_WRITTEN.match(written)
    if m is None:
        return written
    first = f"{int(m.group(1)):03d}{m.group(2)}"
    if m.group(3) is None:
        return f"Line {first}"
    return f"Lines {first}-{int(m.group(3)):03d}{m.group(4)}"


@rule(
    "QC-TERM-LINE-NUMBER",
    "warning",
    "Lines are written 'Line 001' and ranges 'Lines 001-005' (three digits, a capital L, a "
    "dash without spaces)",
    "LOA Standardization Guide 1 (case description style)",
)
def term_line_number(ctx: Context) -> Iterator[Hit]:
    yield from _scan(
        ctx,
        _TERM_LINE_STYLE,
        lambda h, q: (
            f"{h.what.strip()!r} in {q}: write {line_ref_fixed(h.what.strip())!r} (three "
            "digits, a capital L, no spaces around the dash)"
        ),
    )


_PRESENT = {
    "increased": "increases", "decreased": "decreases", "added": "adds", "deleted": "deletes",
    "revised": "revises", "extended": "extends", "provided": "provides", "changed": "changes",
    "updated": "updates", "reduced": "reduces", "removed": "removes", "modified": "modifies",
    "amended": "amends", "realigned": "realigns", "restated": "restates", "cancelled": "cancels",
    "canceled": "cancels",
}  # fmt: skip
"""Verbs a case description starts with, in the past tense, and their present."""
_PAST_VERB = re.compile(rf"(?:{'|'.join(_PRESENT)})\b", re.IGNORECASE)
_FUTURE_VERB = re.compile(
    r"(?:will|shall|would|is\s+going\s+to)\s+(?:be\s+)?([a-z]+)\b", re.IGNORECASE
)
"""A purpose in the future tense: 'will provide', 'shall add', 'is going to increase'."""


@rule(
    "QC-TENSE",
    "warning",
    "The case description is written in the present tense ('This Amendment increases ...')",
    "LOA Standardization Guide 1 (case description style)",
)
def present_tense(ctx: Context) -> Iterator[Hit]:
    purpose = purpose_phrase(ctx.case.document.purpose)
    noun = document_noun(ctx.case)
    m = _PAST_VERB.match(purpose)
    if m is not None:
        word = m.group(0)
        tense = "in the past tense"
        present = _PRESENT[word.lower()]
    else:
        m = _FUTURE_VERB.match(purpose)
        if m is None or m.group(0).lower().split()[-2:] == ["will", "be"]:
            return
        word = m.group(0)
        tense = "in the future tense"
        present = third_person(m.group(1).lower())
    rest = purpose[m.end() :].strip()
    example = f"This {noun} {present}{' ' + ' '.join(rest.split()[:3]) if rest else ''} ..."
    yield Hit(
        "document.purpose",
        f"the purpose starts with {word!r}, {tense}: the case description reads in "
        f"the present ({example!r})",
    )


@rule(
    "QC-PURPOSE-VERB",
    "warning",
    "The purpose is a verb phrase that follows 'This LOA' ('provides for ...')",
    "LOA Standardization Guide 1 (case description style); Table AP9.T1",
)
def purpose_verb(ctx: Context) -> Iterator[Hit]:
    purpose = purpose_phrase(ctx.case.document.purpose)
    if not purpose or starts_with_verb(purpose):
        return
    if _PAST_VERB.match(purpose) or _FUTURE_VERB.match(purpose):
        return  # QC-TENSE says what to write
    noun = document_noun(ctx.case)
    shown = " ".join(purpose.split()[:6])
    example = (
        f"provides for {shown}" if ctx.kind == "Basic" else "increases the quantity of Line 002 ..."
    )
    yield Hit(
        "document.purpose",
        f"the purpose does not start with a verb: the case description prints 'This {noun} "
        f"{shown} ...'; write what the {noun} does, starting with a verb in the present tense "
        f"(e.g. '{example}')",
    )


KNOWN_ACRONYMS = frozenset(
    ["BPC", "DOD", "DoD", "DSCA", "FMS", "LOA", "MASL", "MDE", "NATO", "US", "USA"]
)
"""Acronyms a case description may use without spelling them out: the LOA's own (the others,
LOR, DTC, MOS, ..., are spelled out on first use, "Letter of Request (LOR)")."""
SAID_BY_OTHER_RULES = frozenset(["USG", "PoP"])
"""Acronyms another rule tells the writer to replace (QC-TERM-USG: 'U.S. Government';
QC-TERM-MOS: months of service): not said twice."""
_ACRONYM = re.compile(r"(?<![\w/.&-])([A-Z][A-Za-z]*[A-Z])s?(?![\w/&-]|\.\w)")
"""A word of two or more capitals, with a plural s ('LORs', 'CLUs'), not part of a
designator ('AH-64E', 'AN/PVS-14') nor of 'U.S.'."""
_ROMAN = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")
"""A Roman numeral up to 39, as models and blocks are numbered ('Block II', 'LAV III',
'Increment IV'): not an acronym. Numerals with C, D, L or M are left out: they read as
acronyms more often ('CD', 'MD')."""
_NUMBERED = re.compile(r"\s+(?:\d|(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})\b)")
"""A number after a word, arabic or Roman ('MK 82', 'FMSO II'): the word is a designator."""


@rule(
    "QC-ACRONYM",
    "warning",
    "An acronym in the case description is spelled out on first use: 'Letter of Request (LOR)'",
    "LOA Standardization Guide 1 (capitalization: acronyms); Table AP9.T1, acronyms",
)
def acronyms_spelled_out(ctx: Context) -> Iterator[Hit]:
    doc = ctx.case.document
    # the purpose and the reason print as one case description: an acronym spelled out (or
    # flagged) in the purpose is not flagged again in the reason
    said: list[str] = []
    for path, text in (("document.purpose", doc.purpose), ("document.reason", doc.reason)):
        if not text or text.upper() == text:
            continue  # a text in capitals throughout: its words are not acronyms
        for m in _ACRONYM.finditer(text):
            word = m.group(1)
            if word in KNOWN_ACRONYMS or word in SAID_BY_OTHER_RULES or word in said:
                continue
            if len(word) > 6 or _ROMAN.fullmatch(m.group(0)):
                continue
            if _NUMBERED.match(text, m.end()):
                continue  # a designator with its number ('MK 82', 'FMSO II')
            said.append(word)
            spelled = text[m.start() - 1 : m.start()] == "(" and text[m.end() : m.end() + 1] == ")"
            if not spelled:
                yield Hit(
                    path,
                    f"{m.group(0)!r} in the case description is not spelled out: write the "
                    f"words with the acronym after them on first use, e.g. 'Letter of Request "
                    f"(LOR)'",
                )


@rule(
    "QC-NOMENCLATURE",
    "warning",
    "Items are named in reading order: a MASL description loagen cannot put in that order "
    "needs the writer's nomenclature",
    "Table AP9.T1, State Description; Appendix 6, Line Item Description",
)
def nomenclature_needed(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines:
        if ln.nomenclature or not left_inverted(ln.description):
            continue
        printed = reader_name(ln.description, title=ln.major_defense_equipment)
        yield Hit(
            f"{path}.nomenclature",
            f"{_line(ln)}'s MASL description {ln.description!r} cannot be put in reading "
            f"order: the document names the item {printed!r}; give the item's name as a reader "
            "writes it, singular, in nomenclature (e.g. 'modification kit with cables' for "
            "'KIT, MODIFICATION, WITH CABLES')",
        )


_ABBREVIATIONS = re.compile(r"(?<![\w&])(?:qty\b\.?|w/o(?!\w)|w/(?!\w)|&(?![\w&]))", re.IGNORECASE)
"""Abbreviations of a parts list a reader should not meet in an item's name: 'qty', 'w/',
'w/o', and '&' standing alone (not inside an acronym: 'PC&H', 'R&D')."""
_SPELLED_OUT = {"qty": "quantity", "w/": "with", "w/o": "without", "&": "and"}


@rule(
    "QC-ITEM-ABBREVIATION",
    "warning",
    "Items are named in words: an item's name the document prints has no abbreviations of a "
    "parts list ('qty', 'w/', 'w/o', '&')",
    "Table AP9.T1, State Description; Appendix 6, Line Item Description",
)
def item_name_abbreviations(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines:
        named = "nomenclature" if ln.nomenclature else "description"
        for field, text in (
            (named, getattr(ln, named)),
            ("nomenclature_plural", ln.nomenclature_plural),
        ):
            if not text:
                continue
            found = list(
                dict.fromkeys(m.group(0).lower().rstrip(".") for m in _ABBREVIATIONS.finditer(text))
            )
            if not found:
                continue
            said = ", ".join(f"{a!r} ({_SPELLED_OUT[a]})" for a in found)
            yield Hit(
                f"{path}.{field}",
                f"{_line(ln)}'s {field.replace('_', ' ')} {text!r} names the item with "
                f"abbreviations a reader should not see in the LOA: {said}; the State "
                "description and the line's note print this name: write the words out (a count "
                "is the line's quantity, printed already), or give the item's name as a reader "
                "writes it in nomenclature",
            )


_UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBER_WORD = {
    **{w: i for i, w in enumerate(_UNITS)},
    **{w: 20 + 10 * i for i, w in enumerate(_TENS)},
}
_SCALE_WORD = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_NUMBER_RUN = re.compile(
    rf"\b(?:{'|'.join([*_NUMBER_WORD, *_SCALE_WORD])})"
    rf"(?:(?:[\s-]+|\s+and\s+)(?:{'|'.join([*_NUMBER_WORD, *_SCALE_WORD])}))*\b"
)
"""A number written in words ('twenty-four', 'one hundred and twenty'), in lower case."""


def _word_number(run: str) -> int:
    """The number a run of number words (`_NUMBER_RUN`, in lower case) writes: 120 for 'one
    hundred and twenty', 1500 for 'one thousand five hundred'."""
    total = current = 0
    for word in re.findall(r"[a-z]+", run):
        if word in _NUMBER_WORD:
            current += _NUMBER_WORD[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALE_WORD:
            total += max(current, 1) * _SCALE_WORD[word]
            current = 0
    return total + current


def _numbers_in_words(text: str) -> set[str]:
    """The numbers `text` (in lower case) writes in words, as digits: {'24'} for 'twenty-four
    missiles'. A writer may give a quantity so, as a sentence starts."""
    return {str(_word_number(run.group(0))) for run in _NUMBER_RUN.finditer(text)}


@rule(
    "QC-STATE-DESCRIPTION",
    "warning",
    "A State description written by hand names the Major Defense Equipment of the lines, "
    "with their quantities",
    "Table AP9.T1, State Description; Section C5.T11",
)
def state_description_mde(ctx: Context) -> Iterator[Hit]:
    written = ctx.case.state_description
    if not written or not written.strip():
        return
    text = " ".join(written.split()).lower()
    numbers = {n.replace(",", "") for n in re.findall(r"\d[\d,]*", text)}
    numbers |= _numbers_in_words(text)
    for _path, ln in ctx.lines:
        if not ln.major_defense_equipment or ln.quantity <= 0:
            continue
        if ctx.previous is not None:
            change = ctx.document.changes.for_line(ln.number)
            if change is None or not (change.added or change.quantity_up):
                continue  # an Amendment's State description covers what it adds
        # the last word of its name, singular or plural, anywhere in the text: a writer may
        # name it in words of their own ('Command Launch Units (CLU)')
        heads = {name.split()[-1].lower() for name in (singular_name(ln), plural_name(ln))}
        said = quantity(ln.quantity).replace(",", "")
        if not any(re.search(rf"\b{re.escape(head)}\b", text) for head in heads):
            yield Hit(
                "state_description",
                f"the State description does not name {_line(ln)}'s Major Defense Equipment "
                f"({counted_name(ln, ln.quantity, quantity(ln.quantity))}): it names the MDE "
                "items and their quantities; add it, or remove state_description and let "
                "loagen write it from the lines",
            )
        elif ctx.previous is None and said not in numbers:
            yield Hit(
                "state_description",
                f"the State description does not give the quantity of {_line(ln)} "
                f"({counted_name(ln, ln.quantity, quantity(ln.quantity))}): correct it, or "
                "remove state_description and let loagen write it from the lines",
            )


@rule(
    "QC-SLS",
    "error",
    "The term 'above Standard Level of Service (SLS)' is not allowed",
    "Section C9.4.2.4, Table C9.T2A",
)
def above_sls(ctx: Context) -> Iterator[Hit]:
    yield from _scan(
        ctx,
        _TERM_SLS,
        lambda h, q: (
            f"{h.what!r} in {q}: the term 'above Standard Level of Service' is not "
            "allowed; justify case-funded manpower per Tables C9.T2A/C9.T2B"
        ),
    )


# == rules: the chain of documents ===============================================================


def _before(ctx: Context) -> Case | None:
    return ctx.document.previous


@rule(
    "QC-CHAIN-PROGRAM",
    "error",
    "An Amendment or Modification keeps the case's program (FMS or BPC)",
    "Section C6.7; Figure C5.F6",
)
def chain_program(ctx: Context) -> Iterator[Hit]:
    before = _before(ctx)
    if before is not None and before.program != ctx.case.program:
        yield Hit(
            "program",
            f"the case is {before.program} on the previous document and {ctx.case.program} on "
            f"this {ctx.kind}: a case does not change program; write a new case instead",
        )


@rule(
    "QC-CHAIN-CATEGORY",
    "error",
    "An Amendment or Modification keeps the case's category (defined order, blanket order, CLSSA)",
    "Section C5.4.3; Section C6.7",
)
def chain_category(ctx: Context) -> Iterator[Hit]:
    before = _before(ctx)
    if before is not None and before.category != ctx.case.category:
        yield Hit(
            "category",
            f"the category is {before.category} on the previous document and "
            f"{ctx.case.category} on this {ctx.kind}: a case does not change category",
        )


@rule(
    "QC-CHAIN-PARTY",
    "warning",
    "The Purchaser's name, address and funding stay as the case has them unless they changed",
    "Section C6.7",
)
def chain_party(ctx: Context) -> Iterator[Hit]:
    before = _before(ctx)
    if before is None:
        return
    case = ctx.case
    if before.purchaser.name != case.purchaser.name:
        yield Hit(
            "purchaser.name",
            f"the {ctx.party} was {before.purchaser.name!r} and is now {case.purchaser.name!r}: "
            "allowed when the same government's organisation was renamed; check it",
        )
    if before.purchaser.address != case.purchaser.address:
        yield Hit(
            "purchaser.address",
            f"the {ctx.party}'s address changed on this {ctx.kind}: allowed; check it is right",
        )
    if before.funding != case.funding:
        yield Hit(
            "funding",
            f"funding changed from {before.funding} to {case.funding}: allowed (e.g. FMF "
            "financing a later Amendment); check the terms of sale agree",
        )


# == rules: purchaser references and dates =======================================================


@rule(
    "QC-REFS-MISSING",
    "error",
    "Basic and Amendment documents cite the Purchaser's Letters of Request or signed minutes",
    "Figure C5.F6, Table C6.T8",
)
def references_missing(ctx: Context) -> Iterator[Hit]:
    if ctx.kind in ("Basic", "Amendment") and not ctx.case.purchaser_references:
        yield Hit(
            "purchaser_references",
            f"a {ctx.kind} needs the Purchaser's references (Letter of Request or signed meeting "
            "minutes, with dates); only a Modification reads 'per U.S. Government Review'",
        )


@rule(
    "QC-REFS-MOD-COPIED",
    "warning",
    "A Modification cites only new correspondence with the Purchaser",
    "Table C6.T8",
)
def references_copied_on_modification(ctx: Context) -> Iterator[Hit]:
    if ctx.kind != "Modification" or ctx.previous is None or not ctx.case.purchaser_references:
        return
    before = {(r.reference, r.date) for r in ctx.previous.purchaser_references}
    now = [(r.reference, r.date) for r in ctx.case.purchaser_references]
    if all(r in before for r in now):
        yield Hit(
            "purchaser_references",
            "the Modification repeats the previous document's purchaser references; without new "
            "correspondence from the Purchaser leave them out (it reads 'per U.S. Government "
            "Review', with no date)",
        )


@rule(
    "QC-REFS-AMD-REQUEST",
    "warning",
    "An Amendment that changes the scope cites the request for the change",
    "Section C6.7.1; LOA Standardization Guide 2",
)
def amendment_cites_its_request(ctx: Context) -> Iterator[Hit]:
    changes = ctx.document.changes
    if ctx.kind != "Amendment" or ctx.previous is None or not changes.scope_changed:
        return
    refs = ctx.case.purchaser_references
    # every earlier document's: a Modification in between cites none, or only its own
    before = {
        (r.reference, r.date) for case in ctx.document.chain[:-1] for r in case.purchaser_references
    }
    if not refs or any((r.reference, r.date) not in before for r in refs):
        return  # new correspondence cited, or none (a U.S. Government review)
    lines = line_refs(c.number for c in changes.scope_lines)
    request = "Memorandum of Request" if ctx.is_bpc else "Letter of Request or signed minutes"
    yield Hit(
        "purchaser_references",
        f"this Amendment changes the scope ({lines}) but cites only references of earlier "
        f"documents: add the {request} that asked for the change (or, for a change the U.S. "
        "Government makes, leave the references out)",
    )


@rule(
    "QC-REFS-DATE",
    "error",
    "Purchaser references are dated on or before the offer (and its expiration date)",
    "Figure C5.F6",
)
def references_after_oed(ctx: Context) -> Iterator[Hit]:
    doc = ctx.case.document
    oed, offered = doc.offer_expiration_date, doc.offer_date
    for i, ref in enumerate(ctx.case.purchaser_references):
        if oed is not None and ref.date > oed:
            yield Hit(
                f"purchaser_references[{i}].date",
                f"{ref.reference!r} is dated {spell_date(ref.date)}, after the offer expiration "
                f"date {spell_date(oed)}",
            )
        elif offered is not None and ref.date > offered:
            yield Hit(
                f"purchaser_references[{i}].date",
                f"{ref.reference!r} is dated {spell_date(ref.date)}, after the offer it is cited "
                f"in (document.offer_date, {spell_date(offered)}): an offer answers requests "
                "made before it; correct the reference's date or the offer date",
            )


@rule(
    "QC-OED-ORDER",
    "error",
    "Offer expiration dates follow the case history",
    "Figure C5.F6, Section C6.7",
)
def oed_order(ctx: Context) -> Iterator[Hit]:
    # An earlier document accepted before its offer expired (the Basic on its implementation
    # date, another on its accepted_date) bounds this one by the day it was accepted: its own
    # offer expiration date no longer counts.
    doc = ctx.case.document
    oed = doc.offer_expiration_date
    if oed is None or ctx.kind == "Basic":
        return
    base = ctx.base_date
    for earlier in ctx.document.chain[:-1]:
        e = earlier.document
        title = e.kind + (f" {e.number}" if e.number else "")
        if e.kind == "Basic" and base is not None:
            continue  # accepted on the implementation date: said below
        if e.accepted_date is not None:
            if oed <= e.accepted_date:
                yield Hit(
                    "document.offer_expiration_date",
                    f"the offer expiration date {spell_date(oed)} is on or before the day the "
                    f"{title} was accepted ({spell_date(e.accepted_date)})",
                )
            continue
        before = e.offer_expiration_date
        if before is not None and oed <= before:
            yield Hit(
                "document.offer_expiration_date",
                f"the offer expiration date {spell_date(oed)} is not after that of the {title} "
                f"({spell_date(before)}); if the {title} was accepted before then, record the "
                "day in its document.accepted_date",
            )
    if base is not None and oed <= base:
        yield Hit(
            "document.offer_expiration_date",
            f"the {ctx.kind} expires ({spell_date(oed)}) on or before the Basic's implementation "
            f"date ({spell_date(base)})",
        )


DEPENDS_ON_TODAY = frozenset({"QC-OED-PASSED", "QC-DATE-FUTURE"})
"""Rules whose finding depends on the day the checks run, not on the case files alone: a
built document's record leaves their findings out (`manifest.recorded_findings`), so the same
inputs give the same bytes whatever the day (the finding is said all the same)."""


@rule(
    "QC-OED-PASSED",
    "warning",
    "The newest offer of a case, not yet accepted, has not expired",
    "Figure C5.F6 (the offer expires unless extended); Table C6.T8 (restatement)",
)
def offer_passed(ctx: Context) -> Iterator[Hit]:
    # Only on the newest document of its case: one another document follows was accepted (or
    # cancelled, or superseded by its restated version). A Basic giving its own implementation
    # date was accepted.
    doc = ctx.case.document
    oed, today = doc.offer_expiration_date, ctx.today
    if oed is None or today is None or oed >= today or not ctx.newest:
        return
    if ctx.kind == "Basic" and doc.implementation_date is not None:
        return
    if doc.accepted_date is not None:
        return  # the Purchaser signed it: the offer was taken up
    # a BPC document is not signed by the Benefitting Partner: it is accepted for it
    accepted = (
        "If it was accepted, record the day in document.accepted_date; if its offer was extended"
        if ctx.is_bpc
        else "If the Purchaser accepted it, record the day they signed it in "
        "document.accepted_date; if they asked for an extension the U.S. Government granted"
    )
    # a restated document is offered again as the same restatement (ops.restate)
    given = (
        f"giving the previous offer date it already records, "
        f"{spell_date(doc.restated.previous_offer_date)}, and its new offer expiration date"
        if doc.restated is not None
        else "giving the date it was offered and its new offer expiration date"
    )
    yield Hit(
        "document.offer_expiration_date",
        f"the offer expired on {spell_date(oed)} (today is {spell_date(today)}), and no later "
        f"document of the case follows this {ctx.kind}. {accepted}, correct "
        "document.offer_expiration_date. Otherwise it can no longer be accepted as written: "
        f"restate it with loagen restate ({given})",
    )


@rule(
    "QC-DATE-FUTURE",
    "warning",
    "A document is not recorded as accepted, nor its case as implemented, after today",
    "Figure C5.F5 paragraph 2.e. (implementation follows acceptance)",
)
def dated_in_the_future(ctx: Context) -> Iterator[Hit]:
    # The day the Purchaser signed and the day the case was implemented have happened when
    # they are recorded: one after today is a typing slip (or the wrong field: the offer
    # expiration date is the one in the future).
    doc, today = ctx.case.document, ctx.today
    if today is None:
        return
    later = (
        "correct it on every document of the case (an Amendment or Modification follows an "
        "implemented case)"
        if ctx.kind != "Basic"
        else "correct it, or leave document.implementation_date out until the case is implemented"
    )
    for field, day, what, fix in (
        (
            "accepted_date",
            doc.accepted_date,
            f"the {ctx.party} accepted this {ctx.kind}",
            "correct it, or leave document.accepted_date out until it is accepted",
        ),
        ("implementation_date", doc.implementation_date, "the case was implemented", later),
    ):
        if day is not None and day > today:
            yield Hit(
                f"document.{field}",
                f"document.{field} says {what} on {spell_date(day)}, after today "
                f"({spell_date(today)}): that day has not come; {fix}",
            )


@rule(
    "QC-OED-MOD",
    "error",
    "A Modification has no offer expiration date, so no short OED reason",
    "Figure C5.F6",
)
def short_oed_on_modification(ctx: Context) -> Iterator[Hit]:
    if ctx.kind == "Modification" and ctx.case.document.short_oed_reason:
        yield Hit(
            "document.short_oed_reason",
            "a Modification is not offered for acceptance and has no offer expiration date; "
            "remove the short OED reason",
        )


@rule(
    "QC-OED-SHORT",
    "error",
    "An offer expiration date shorter than standard gives its reason; a standard one gives none",
    "Table AP9.T1, Offer Expiration Date",
)
def short_oed(ctx: Context) -> Iterator[Hit]:
    doc = ctx.case.document
    oed = doc.offer_expiration_date
    if oed is None:
        return
    days = int(ctx.ref.money["bpc_oed_days" if ctx.is_bpc else "standard_oed_days"])
    if doc.short_oed_reason:
        # The reason prints the short OED note ("sooner than the standard offer period"): wrong
        # where the offer date is known and the offer runs the standard days or more.
        offered = doc.offer_date
        if ctx.kind != "Modification" and offered and oed >= offered + timedelta(days=days):
            yield Hit(
                "document.short_oed_reason",
                f"the offer expires on {spell_date(oed)}, {days_said((oed - offered).days)} "
                f"after the offer ({spell_date(offered)}, document.offer_date): not short "
                f"(the standard OED is {days} days), yet the short OED reason prints the note "
                "saying the offer expires sooner than standard; remove document.short_oed_reason, "
                "or correct the dates",
            )
        return
    # The standard OED runs from the offer (LSG-4: the DSAMS milestone that sends the document to
    # the Purchaser). The offer is on the offer date, or (not known) on or after the day the
    # document is written: an OED sooner than `days` after that day is short. Without either,
    # the offer still follows the newest request, which gives the same test, more loosely.
    start = doc.offer_date or doc.date
    if start is not None:
        since = (
            f"the offer ({spell_date(start)}, document.offer_date)"
            if doc.offer_date
            else f"the day the document is written ({spell_date(start)}, document.date)"
        )
    elif ctx.case.purchaser_references:
        start = max(r.date for r in ctx.case.purchaser_references)
        since = f"the newest purchaser reference ({spell_date(start)})"
    else:
        return
    if oed < start:
        return  # offered or referred to after the offer expires: QC-DATE-OED, QC-REFS-DATE say so
    if oed < start + timedelta(days=days):
        gap = (oed - start).days
        when = "on the day of" if gap == 0 else f"{days_said(gap)} after"
        yield Hit(
            "document.offer_expiration_date",
            f"the offer expires on {spell_date(oed)}, {when} {since}; the standard OED is "
            f"{days} days after the offer, so this OED is short: give the U.S. Government reason "
            "in document.short_oed_reason (it prints the short OED note), or set a later offer "
            "expiration date",
        )


@rule(
    "QC-OED-BPC-LONG",
    "warning",
    "A BPC offer expires some 30 days after the offer, unless DSCA asks for longer",
    "Table C15.T5 (Offer Expiration Date), Table AP9.T1",
)
def bpc_long_oed(ctx: Context) -> Iterator[Hit]:
    doc = ctx.case.document
    oed = doc.offer_expiration_date
    if not ctx.is_bpc or oed is None:
        return
    # Counted from the offer, else the day the document is written, else (a Basic) the day DSCA
    # approved it for offer; never from the requests, which precede the offer by months. These
    # days may come some weeks before the start of the 30 days, so an OED is called long only
    # past the standard offer period of an FMS case: much longer than any BPC standard.
    if doc.offer_date:
        start, since, field = doc.offer_date, "the offer", "document.offer_date"
    elif doc.date:
        start, since, field = doc.date, "the day the document is written", "document.date"
    elif ctx.kind == "Basic" and doc.cwd_approval_date:
        start, since, field = doc.cwd_approval_date, "DSCA's approval", "document.cwd_approval_date"
    else:
        return
    bpc_days = int(ctx.ref.money["bpc_oed_days"])
    fms_days = int(ctx.ref.money["standard_oed_days"])
    if oed > start + timedelta(days=fms_days):
        yield Hit(
            "document.offer_expiration_date",
            f"the offer expires on {spell_date(oed)}, {days_said((oed - start).days)} after "
            f"{since} ({field}, {spell_date(start)}): a BPC offer expires {bpc_days} days after it "
            "is offered unless DSCA asks for a longer period, and this one runs longer than "
            f"even an FMS offer ({fms_days} days). Check the offer expiration date; keep it only "
            "if DSCA asked for the longer period. The case file does not record that request, "
            "so this warning then stays: tell the reviewer who at DSCA asked for it, and when",
        )


@rule(
    "QC-BASE-DATE",
    "error",
    "Amendments and Modifications give the Basic's implementation date, the same on each",
    "Figure C5.F5 paragraph 2.e.",
)
def base_date(ctx: Context) -> Iterator[Hit]:
    if ctx.kind == "Basic":
        return
    mine = ctx.case.document.implementation_date
    if mine is None:
        yield Hit(
            "document.implementation_date",
            f"the {ctx.kind} needs the Basic's implementation date: Months (MOS) on Amendments "
            "and Modifications count from it",
        )
        return
    for earlier in ctx.document.files[:-1]:
        theirs = earlier.case.document.implementation_date
        if theirs is not None and theirs != mine:
            yield Hit(
                "document.implementation_date",
                f"implementation date {spell_date(mine)} differs from {spell_date(theirs)} on "
                f"{document_title(earlier.case)} ({earlier.path.name}): the case has one "
                "implementation date; correct the one that is wrong so both give the same",
            )
            return


@rule(
    "QC-IMPL-DATE",
    "error",
    "The implementation date comes after the Basic was requested, written and offered",
    "Section C5.4; Figure C5.F5 paragraph 2.e.",
)
def implementation_after_basic(ctx: Context) -> Iterator[Hit]:
    # A case is implemented after the Purchaser accepts the Basic, which follows its offer,
    # which follows the Basic's writing and every request it cites.
    implemented = ctx.case.document.implementation_date
    first = ctx.document.files[0]
    if implemented is None or first.case.document.kind != "Basic":
        return
    basic = first.case.document
    where = "" if first is ctx.document.file else f" in {first.path.name}"
    said = f"implementation date {spell_date(implemented)} is before the Basic"
    fix = "a case is implemented only after its Basic is accepted; correct one of the two dates"
    references = first.case.purchaser_references
    if references:
        newest = max(references, key=lambda r: r.date)
        if implemented < newest.date:
            yield Hit(
                "document.implementation_date",
                f"{said}'s purchaser reference {newest.reference!r} of "
                f"{spell_date(newest.date)}{where}: {fix}",
            )
    for field, value, verb in (
        ("date", basic.date, "was written"),
        ("offer_date", basic.offer_date, "is offered"),
    ):
        if value is not None and implemented < value:
            yield Hit(
                "document.implementation_date",
                f"{said} {verb} ({spell_date(value)}, document.{field}{where}): {fix}",
            )


@rule(
    "QC-DATE-OED",
    "error",
    "A Basic or Amendment is written and offered by its own offer expiration date",
    "Figure C5.F6; Table AP9.T1, Offer Expiration Date",
)
def dated_after_oed(ctx: Context) -> Iterator[Hit]:
    doc = ctx.case.document
    oed = doc.offer_expiration_date
    if oed is None:
        return
    for field, value, verb in (
        ("date", doc.date, "dated"),
        ("offer_date", doc.offer_date, "offered"),
    ):
        if value is not None and value > oed:
            yield Hit(
                f"document.{field}",
                f"this {ctx.kind} is {verb} {spell_date(value)}, after its own offer expiration "
                f"date {spell_date(oed)}: the offer would have expired before the Purchaser saw "
                f"it; correct document.{field}, or set a later offer expiration date",
            )


@rule(
    "QC-DATE-ORDER",
    "warning",
    "A document is not dated before the document it follows",
    "Section C6.7 (Amendments and Modifications follow the documents before them)",
)
def dated_before_previous(ctx: Context) -> Iterator[Hit]:
    # Compared with the nearest earlier document that gives its date (document.date is
    # optional): an Amendment dated before the Modification it follows was written first, or
    # one of the two dates is wrong.
    day = ctx.case.document.date
    if day is None:
        return
    for earlier in reversed(ctx.document.files[:-1]):
        theirs = earlier.case.document.date
        if theirs is None:
            continue
        if day < theirs:
            title = document_title(earlier.case)
            title = f"the {title}" if title == "Basic" else title
            yield Hit(
                "document.date",
                f"this {ctx.kind} is dated {spell_date(day)}, before {title} "
                f"({earlier.path.name}), which it follows, dated {spell_date(theirs)}: a document "
                "is written after the one it follows. Correct document.date here or in "
                f"{earlier.path.name}, or the document this one follows (document.previous)",
            )
        return


@rule(
    "QC-RESTATED",
    "error",
    "Only a Basic or an Amendment offered to the Purchaser is restated",
    "Section C5.4.2.3.2",
)
def restated(ctx: Context) -> Iterator[Hit]:
    doc = ctx.case.document
    if doc.restated is None:
        return
    if ctx.kind == "Modification":
        yield Hit(
            "document.restated",
            "a Modification is not offered to the Purchaser, so it is never a restated document",
        )
    elif (
        doc.offer_expiration_date and doc.restated.previous_offer_date >= doc.offer_expiration_date
    ):
        yield Hit(
            "document.restated.previous_offer_date",
            "the superseded version was offered on "
            f"{spell_date(doc.restated.previous_offer_date)}, not before this document's "
            "offer expiration date "
            f"{spell_date(doc.offer_expiration_date)}",
        )


@rule(
    "QC-CLOSURE",
    "error",
    "Case closure is on an Amendment or Modification that adds and increases nothing",
    "Table C6.T8, Section C6.7.1.2",
)
def case_closure(ctx: Context) -> Iterator[Hit]:
    if not ctx.case.document.case_closure:
        return
    if ctx.kind == "Basic":
        yield Hit("document.case_closure", "a Basic cannot be processed for case closure")
        return
    for change in ctx.document.changes.lines:
        if change.added:
            yield Hit(
                ctx.line_path(change.number),
                f"Line {change.number} is added on a case closure document",
            )
        elif change.quantity_up:
            yield Hit(
                ctx.line_path(change.number) + ".quantity",
                f"Line {change.number} increases quantity on a case closure document",
            )


@rule(
    "QC-PURPOSE-REASON",
    "warning",
    "An Amendment or Modification says why it changes the case",
    "Section C6.7.1.2",
)
def purpose_reason(ctx: Context) -> Iterator[Hit]:
    if ctx.kind == "Basic":
        return
    doc = ctx.case.document
    cues = re.compile(
        r"\b(?:due to|to reflect|to cover|to meet|because|as a result|in response|at the request|"
        r"requested|based on|to correct|to align|to update|following|per)\b",
        re.IGNORECASE,
    )
    if not (doc.reason and doc.reason.strip()) and not cues.search(doc.purpose):
        yield Hit(
            "document.reason",
            f"the {ctx.kind} does not say why: give the reason for the changes (e.g. contract "
            "award, Purchaser request, delivery slippage)",
        )


# == rules: terms of sale, funding, country =====================================================

# Terms of sale that need advance coordination with the DSCA Country Finance Directors (AP9.T1:
# "other special ToS"). Policy staff may also mark a term `special: true` in terms_of_sale.yaml.
SPECIAL_TERMS = frozenset(
    {
        "Payment on Delivery",
        "Risk Assessed Payment Schedule",
        "Cash With Acceptance-Balance as Billed",
    }
)
DU = "Dependable Undertaking"
CPD = "Cash Prior to Delivery"
CWA = "Cash With Acceptance"
CWA_BAB = "Cash With Acceptance-Balance as Billed"
USG_GRANT = "U.S. Government Grant"
"""The term of sale of a BPC case: funded by U.S. Government appropriations (AP9.4.1), it asks
nothing of the Benefitting Partner."""


def _term_kind(ctx: Context, term: str) -> str | None:
    """'cash', 'credit' or 'grant': who pays under `term` (terms_of_sale.yaml), None if unknown."""
    return ctx.ref.terms_of_sale.get(term, {}).get("kind")


@rule(
    "QC-COUNTRY-UNKNOWN",
    "warning",
    "The country code is in the reference table (countries.yaml)",
    "Table C4.T2a",
)
def country_unknown(ctx: Context) -> Iterator[Hit]:
    code = ctx.case.country_code
    if code not in ctx.ref.countries:
        yield Hit(
            "case_id",
            f"country code {code!r} is not in countries.yaml, so its Dependable Undertaking and "
            "grant EDA eligibility cannot be checked; ask policy staff to add it",
        )


@rule(
    "QC-IA-UNKNOWN",
    "warning",
    "The Implementing Agency letter is in the reference table (implementing_agencies.yaml)",
    "Figure C5.F3 (the case identifier and the signature block of page 1)",
)
def ia_unknown(ctx: Context) -> Iterator[Hit]:
    letter = ctx.case.ia_code
    if letter not in ctx.ref.implementing_agencies:
        known = ", ".join(sorted(ctx.ref.implementing_agencies))
        yield Hit(
            "case_id",
            f"Implementing Agency letter {letter!r} (the third part of {ctx.case.case_id}) is not "
            f"in implementing_agencies.yaml ({known}), so the signature block prints {letter!r} "
            "where the agency's name goes: check the case identifier, or ask policy staff to add "
            "the agency",
        )


def _country_flag(ctx: Context, flag: str) -> bool | None:
    """The case country's `flag` in countries.yaml: True or False, or None when the table does
    not say (the country is not in it, or leaves the flag empty): unknown, never "no"."""
    row = ctx.ref.countries.get(ctx.case.country_code)
    value = row.get(flag) if isinstance(row, dict) else None
    return None if value is None else bool(value)


def _country_label(ctx: Context) -> str:
    """'BN (Republic of Bandaria)', or the bare code when the table has no name for it."""
    code = ctx.case.country_code
    row = ctx.ref.countries.get(code)
    name = row.get("name") if isinstance(row, dict) else None
    return f"{code} ({name})" if name else code


def _flag_unknown(ctx: Context, flag: str) -> str:
    """Why `flag` is not known for the case's country, in words."""
    code = ctx.case.country_code
    if code not in ctx.ref.countries:
        return f"country code {code} is not in countries.yaml"
    return f"countries.yaml leaves {flag} empty for {_country_label(ctx)}"


@rule(
    "QC-TOS-DU-COUNTRY",
    "error",
    "Dependable Undertaking and Cash Prior to Delivery only for DU-eligible countries",
    "Table C4.T2a, Table C9.T11",
)
def du_country(ctx: Context) -> Iterator[Hit]:
    if _country_flag(ctx, "dependable_undertaking") is not False:
        return  # eligible, or not known: QC-TOS-DU-COUNTRY-UNKNOWN says so
    for i, term in enumerate(ctx.case.terms_of_sale):
        if term in (DU, CPD):
            yield Hit(
                f"terms_of_sale[{i}]",
                f"{term} is only authorized for countries eligible for Dependable Undertaking; "
                f"{_country_label(ctx)} is not",
            )


@rule(
    "QC-TOS-DU-COUNTRY-UNKNOWN",
    "warning",
    "Dependable Undertaking and Cash Prior to Delivery: the country's eligibility is known",
    "Table C4.T2a, Table C9.T11",
)
def du_country_unknown(ctx: Context) -> Iterator[Hit]:
    if _country_flag(ctx, "dependable_undertaking") is not None:
        return
    why = _flag_unknown(ctx, "dependable_undertaking")
    for i, term in enumerate(ctx.case.terms_of_sale):
        if term in (DU, CPD):
            yield Hit(
                f"terms_of_sale[{i}]",
                f"{term} needs a country eligible for Dependable Undertaking, and whether "
                f"{_country_label(ctx)} is eligible is not known ({why}): "
                "check the column 'Term of Sale - Dependable Undertaking Authorized' of SAMM "
                "Table C4.T2a, and ask policy staff to fill in dependable_undertaking",
            )


@rule(
    "QC-TOS-DU-LINES",
    "error",
    "Dependable Undertaking goes with procurement lines",
    "Table C9.T11, Table AP9.T1 (Term of Sale)",
)
def du_lines(ctx: Context) -> Iterator[Hit]:
    if DU not in ctx.case.terms_of_sale:
        return
    i = ctx.case.terms_of_sale.index(DU)
    if not any(ln.is_procurement for ln in ctx.case.lines):
        yield Hit(
            f"terms_of_sale[{i}]",
            "Dependable Undertaking is for procurement lines (Source Code P or X), and the case "
            "has none",
        )
        return
    if ctx.case.terms_of_sale != [DU]:
        return  # another term may pay for the stock lines
    # The other side of AP9.T1's "DU for Procurement lines and Cash Prior to Delivery for Stock
    # lines": lines wholly from stock (not X, which is partly procured) on a case whose only term
    # is DU. Lines of TA 8 (stock sold for payment 120 days after delivery, AECA 21(d), as DU's
    # TA 7 is for procurement) may be paid under the undertaking too: they are left alone.
    codes = ctx.ref.source_codes
    stock = [
        ln
        for ln in ctx.case.lines
        if codes.get(ln.source_code, {}).get("stock")
        and not codes.get(ln.source_code, {}).get("procurement")
        and ln.type_of_assistance != "8"
    ]
    if stock:
        named = line_refs(ln.number for ln in stock)
        sources = ", ".join(sorted({ln.source_code for ln in stock}))
        yield Hit(
            f"terms_of_sale[{i}]",
            f"Dependable Undertaking is the only term of sale, and {named} "
            f"{'come' if len(stock) > 1 else 'comes'} from stock (Source Code {sources}): "
            "Dependable Undertaking is for procurement lines, Cash Prior to Delivery for stock "
            f"lines; add {CPD} to the terms of sale (or correct the Source Code)",
        )


@rule(
    "QC-TOS-CPD-LINES",
    "error",
    "Cash Prior to Delivery goes with stock lines",
    "Table C9.T11",
)
def cpd_lines(ctx: Context) -> Iterator[Hit]:
    if CPD not in ctx.case.terms_of_sale:
        return
    codes = ctx.ref.source_codes
    if not any(codes.get(ln.source_code, {}).get("stock") for ln in ctx.case.lines):
        i = ctx.case.terms_of_sale.index(CPD)
        yield Hit(
            f"terms_of_sale[{i}]",
            "Cash Prior to Delivery is for stock lines (Source Code S, R, E, F or X), and the "
            "case has none",
        )


@rule(
    "QC-TOS-CWA-SCHEDULE",
    "warning",
    "Cash With Acceptance is not listed with a term paid by the payment schedule",
    "Section C9.9, Table C9.T11",
)
def cwa_with_schedule_terms(ctx: Context) -> Iterator[Hit]:
    terms = ctx.case.terms_of_sale
    if CWA not in terms:
        return
    scheduled = [t for t in (DU, CPD) if t in terms]
    if scheduled:
        yield Hit(
            f"terms_of_sale[{terms.index(CWA)}]",
            f"{CWA} asks for the whole case value with the signed LOA, so the document prints "
            f"no payment schedule, while {' and '.join(scheduled)} "
            f"{'pay' if len(scheduled) > 1 else 'pays'} by the payment schedule: keep the terms "
            "the Purchaser pays under (all with acceptance, or by the schedule) and remove the "
            "others",
        )


@rule(
    "QC-TOS-SPECIAL",
    "warning",
    "Special terms of sale need advance coordination with the DSCA Country Finance Directors",
    "Table C9.T11",
)
def special_terms(ctx: Context) -> Iterator[Hit]:
    for i, term in enumerate(ctx.case.terms_of_sale):
        if not (term in SPECIAL_TERMS or ctx.ref.term_flag(term, "special")):
            continue
        if term == CWA_BAB and (ctx.wwrs_stand_alone or ctx.case.category == "clssa_fmso_i"):
            continue  # the prescribed terms of stand-alone WWRS seller and FMSO I cases
        yield Hit(
            f"terms_of_sale[{i}]",
            f"{term} is a special term of sale: coordinate it in advance with the DSCA Country "
            "Finance Director",
        )


@rule(
    "QC-FUNDING",
    "error",
    "Funding matches the program and the terms of sale",
    "Table C9.T11, Chapter 15, Section AP9.4.1",
)
def funding(ctx: Context) -> Iterator[Hit]:
    case = ctx.case
    mismatch = funding_mismatch(case.program, case.funding)
    if mismatch is not None:
        yield Hit("funding", mismatch)
    if case.funding == "fmf" and not ctx.fmf_terms:
        yield Hit(
            "terms_of_sale",
            "the case is funded by Foreign Military Financing but no FMS Credit term of sale is "
            "listed",
        )
    if case.funding == "national":
        for i, term in enumerate(case.terms_of_sale):
            if ctx.ref.term_flag(term, "fmf"):
                yield Hit(
                    f"terms_of_sale[{i}]",
                    f"{term} is paid with Foreign Military Financing, yet the case is funded by "
                    "the Purchaser's national funds (funding 'national'): when Foreign Military "
                    f"Financing pays for all or part of the case, set funding to 'fmf'; if not, "
                    f"remove {term}",
                )
    if ctx.is_bpc:
        for i, term in enumerate(case.terms_of_sale):
            kind = _term_kind(ctx, term)
            if kind in ("cash", "credit"):
                payer = (
                    "the Benefitting Partner" if kind == "cash" else "Foreign Military Financing"
                )
                yield Hit(
                    f"terms_of_sale[{i}]",
                    f"{term} is paid by {payer}, and a BPC case is funded by U.S. Government "
                    "appropriations: the Benefitting Partner pays nothing, yet with this term the "
                    f"document asks for payment; give the term of sale {USG_GRANT}",
                )


@rule(
    "QC-TERMS-BREAKOUT",
    "warning",
    "Several terms of sale with a credit term give each term's dollars",
    "Section C9.8.1",
)
def terms_breakout(ctx: Context) -> Iterator[Hit]:
    case = ctx.case
    total = ctx.document.costs.total_estimated_cost
    if not case.terms_breakout:
        if len(case.terms_of_sale) > 1 and ctx.fmf_terms:
            yield Hit(
                "terms_of_sale",
                f"{len(case.terms_of_sale)} terms of sale, one of them a credit term "
                f"({ctx.fmf_terms[0]}): page 1 gives the dollars each pays; give them in "
                "terms_breakout (the last term may pay the balance)",
            )
        return
    given = sum((t.amount for t in case.terms_breakout if t.amount is not None), Decimal(0))
    balance = case.terms_breakout[-1].amount is None
    if whole(given) > whole(total):
        return  # more than the total by a dollar or more: QC-TERMS-BREAKOUT-OVER says it
    if given > total or (not balance and given != total):
        yield Hit(
            "terms_breakout",
            f"the terms pay {money(given)} and the total estimated cost is {money(total)}: "
            + ("they pay more than the total" if given > total else "they must add up to it")
            + " (or leave the last term's amount out: it pays the balance)",
        )


@rule(
    "QC-TERMS-BREAKOUT-OVER",
    "error",
    "The dollars a terms-of-sale breakout names are not more than the total estimated cost",
    "Section C9.8.1",
)
def terms_breakout_over(ctx: Context) -> Iterator[Hit]:
    """The terms of a breakout pay the case's total between them: named amounts above it ask
    the Purchaser for money the case does not cost, and a last term that pays the balance would
    print a balance below zero. Compared in whole dollars, as page 1 shows them (a few cents
    over: QC-TERMS-BREAKOUT warns)."""
    breakout = ctx.case.terms_breakout
    if not breakout:
        return
    total = ctx.document.costs.total_estimated_cost
    given = _sum(t.amount for t in breakout if t.amount is not None)
    if whole(given) <= whole(total):
        return
    last = breakout[-1]
    effect = (
        f"page 1 would show {last.term} paying a balance of {money(total - given)}"
        if last.amount is None
        else f"page 1 would ask for {money(given - total)} more than the case costs"
    )
    yield Hit(
        "terms_breakout",
        f"the amounts in terms_breakout add up to {money(given)}, more than the total estimated "
        f"cost of {money(total)}: {effect}; lower the amounts so that they add up to no more than "
        "the total (the last term may go without an amount: it then pays the balance)",
    )


# Type of Assistance codes that name a term of sale (Figure C5.F5 paragraph 2.f.).
TA_TERMS: dict[str, tuple[str, ...]] = {
    "6": ("Payment on Delivery",),
    "7": (DU,),
    "A": ("EDA Grant",),
    "I": ("EDA Grant",),
    "M": ("MAP Merger",),
    "N": ("FMS Credit (Non-Repayable)", "FMS Credit"),
    "Z": ("FMS Credit (Repayable)", "FMS Credit"),
}


@rule(
    "QC-TA-TERMS",
    "warning",
    "A line's Type of Assistance code matches a term of sale of the case",
    "Figure C5.F5 paragraph 2.f., Table C9.T11",
)
def ta_terms(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.ta_named:
        wanted = TA_TERMS.get(ln.type_of_assistance)
        if wanted and not set(wanted) & set(ctx.case.terms_of_sale):
            yield Hit(
                f"{path}.type_of_assistance",
                f"{_line(ln)} has Type of Assistance {ln.type_of_assistance} "
                f"({ctx.ref.type_of_assistance[ln.type_of_assistance]['meaning']}) but the terms "
                f"of sale do not include {' or '.join(wanted)}",
            )
    yield from _cash_ta_without_cash_term(ctx)


# Type of Assistance codes of cash sales (AECA 21(b), 22(a), 21(d); MILSTRIP AP2.19): the
# Purchaser pays the line itself, under whichever cash term the case has (Cash With Acceptance,
# Cash Prior to Delivery, Dependable Undertaking...). TA 6 names its own term (`TA_TERMS`).
TA_CASH = frozenset({"3", "4", "5", "8"})


def _cash_ta_without_cash_term(ctx: Context) -> Iterator[Hit]:
    """Lines coded as cash sales on an FMS case none of whose terms is paid in cash (a case paid
    wholly by FMS Credit or a grant). BPC lines are left alone: the sources give no other codes
    for them, and the BPC example uses 3, 4 and 5."""
    terms = ctx.case.terms_of_sale
    if ctx.is_bpc or any(_term_kind(ctx, t) == "cash" for t in terms):
        return
    own = [
        f"{'/'.join(c for c, named in TA_TERMS.items() if t in named)} for {t}"
        for t in terms
        if any(t in named for named in TA_TERMS.values())
    ]
    advice = (
        f"give the line the code of the term that pays for it ({'; '.join(own)}), or add the "
        "cash term the Purchaser pays it under"
        if own
        else "add the cash term the Purchaser pays it under, or give the line the code of its term"
    )
    for path, ln in ctx.lines:
        if ln.type_of_assistance in TA_CASH:
            yield Hit(
                f"{path}.type_of_assistance",
                f"{_line(ln)} has Type of Assistance {ln.type_of_assistance} "
                f"({ctx.ref.type_of_assistance[ln.type_of_assistance]['meaning']}), a code of "
                f"cash sales, but no term of sale is paid in cash ({', '.join(terms)}): {advice}",
            )


@rule(
    "QC-TA-SOURCE",
    "warning",
    "A line's Type of Assistance code fits its Source Code",
    "Figure C5.F5 paragraph 2.f.",
)
def ta_source(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines:
        usual = ctx.ref.type_of_assistance.get(ln.type_of_assistance, {}).get("usual_source_codes")
        if usual and ln.source_code not in usual:
            yield Hit(
                f"{path}.type_of_assistance",
                f"{_line(ln)} has Type of Assistance {ln.type_of_assistance} with Source Code "
                f"{ln.source_code}; that code is used with Source Code {', '.join(usual)}",
            )


# == rules: minimal-dollar and zero lines =======================================================

# "$0, 1, 2 etc." minimal-dollar (non-executable) lines (AP9.T4).
MINIMAL_DOLLAR_LIMIT = Decimal(2)


def _grant_eda(ln: Line) -> bool:
    return ln.eda is not None and ln.eda.kind == "grant"


@rule(
    "QC-MIN-DOLLAR",
    "warning",
    "No minimal-dollar ($0, $1, $2) lines, except the SAMM exceptions",
    "Section C6.7.6.2",
)
def minimal_dollar(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines:
        if ln.total > MINIMAL_DOLLAR_LIMIT:
            continue
        if _grant_eda(ln):
            continue  # grant EDA is listed for customs purposes at no cost
        change = ctx.document.changes.for_line(ln.number)
        if (
            change is not None
            and change.previous is not None
            and change.previous.total > MINIMAL_DOLLAR_LIMIT
        ):
            continue  # reduced to zero: QC-ZERO-NOT-DELETED says it
        if ln.unit_cost > MINIMAL_DOLLAR_LIMIT:  # the quantity, not the price, makes it so
            yield Hit(
                f"{path}.quantity",
                f"{_line(ln)} totals {money(ln.total)}: a quantity of {ln.quantity:,} at "
                f"{money(ln.unit_cost)} each; give the quantity it provides, or remove the line "
                "unless one of the exceptions of SAMM C6.7.6.2 applies",
            )
            continue
        yield Hit(
            f"{path}.unit_cost",
            f"{_line(ln)} is a minimal-dollar line ({money(ln.total)}); remove it unless one of "
            "the exceptions of SAMM C6.7.6.2 applies",
        )


@rule(
    "QC-ZERO-NOT-DELETED",
    "error",
    "On Amendments and Modifications unused lines are deleted, not reduced to zero",
    "Section C6.7.6",
)
def reduced_to_zero(ctx: Context) -> Iterator[Hit]:
    changes = ctx.document.changes
    if not changes.has_previous:
        return  # a document without a previous one changes nothing (`history.compare`)
    for change in changes.lines:
        if change.previous is None or change.revised is None:
            continue
        if change.revised.total <= MINIMAL_DOLLAR_LIMIT < change.previous.total:
            # the field that makes it so: a quantity of 0, else the price
            revised = change.revised
            field, said = (
                ("quantity", "a quantity of 0")
                if revised.quantity == 0
                else ("unit_cost", f"a unit cost of {money(revised.unit_cost)}")
            )
            yield Hit(
                f"{ctx.line_path(change.number)}.{field}",
                f"Line {change.number} is reduced from {money(change.previous.total)} to "
                f"{money(revised.total)} ({said}); delete the unused line instead",
            )


# == rules: Non-Specific Requirements lines =====================================================


@rule(
    "QC-NSR-SHARE",
    "error",
    "Non-Specific Requirements lines total less than 10 percent of the total case value",
    "Section C5.4.13",
)
def nsr_share(ctx: Context) -> Iterator[Hit]:
    nsr = ctx.lines_with.nsr
    if not nsr:
        return
    total = ctx.document.costs.total_estimated_cost
    share = ctx.ref.money_value("nsr_max_share")
    amount = _sum(ln.total for _, ln in nsr)
    if total > 0 and amount < total * share:
        return
    pct = (amount / total * 100) if total > 0 else Decimal(100)
    names = ", ".join(_line(ln) for _, ln in nsr)
    yield Hit(
        f"{nsr[0][0]}.unit_cost",
        f"{names} ({money(amount)}) {'is' if len(nsr) == 1 else 'are'} {pct:.1f} percent of the "
        f"total case value {money(total)}; Non-Specific Requirements must be less than "
        f"{share * 100:.0f} percent",
    )


@rule(
    "QC-NSR-SOURCE",
    "error",
    "Non-Specific Requirements lines use Source Code S",
    "Section C5.4.13",
)
def nsr_source(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.nsr:
        if ln.is_nsr and ln.source_code != "S":
            yield Hit(
                f"{path}.source_code",
                f"{_line(ln)} is a Non-Specific Requirements line with Source Code "
                f"{ln.source_code}; it must be S",
            )


@rule(
    "QC-NSR-CODES",
    "error",
    "Non-Specific Requirements lines have no ORC, DTC or Months (MOS)",
    "Section C5.4.13",
)
def nsr_codes(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.nsr:
        if not ln.is_nsr:
            continue
        for field, label in (
            ("offer_release_code", "Offer Release Code"),
            ("delivery_term_code", "Delivery Term Code"),
            ("months", "Months (MOS)"),
        ):
            if getattr(ln, field):
                yield Hit(
                    f"{path}.{field}",
                    f"{_line(ln)} is a Non-Specific Requirements line and must have no {label} "
                    f"(it has {getattr(ln, field)!r})",
                )


@rule(
    "QC-NSR-PROGRAM",
    "error",
    "No Non-Specific Requirements lines on BPC or FMF-funded cases",
    "Section C5.4.13",
)
def nsr_program(ctx: Context) -> Iterator[Hit]:
    if not (ctx.is_bpc or ctx.fmf_funded):
        return
    why = "a BPC case" if ctx.is_bpc else "an FMF-funded case"
    for path, ln in ctx.lines_with.nsr:
        if ln.is_nsr:
            yield Hit(
                f"{path}.masl",
                f"{_line(ln)} is a Non-Specific Requirements line, which cannot be used on {why}",
            )


# == rules: sole source, nonrecurring cost ======================================================


@rule(
    "QC-SOLE-SOURCE-STOCK",
    "error",
    "Sole source only on procurement lines, never on stock lines",
    "Section C6.3.4",
)
def sole_source_stock(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.sole_source:
        if ln.sole_source is not None and not ln.is_procurement:
            yield Hit(
                f"{path}.sole_source",
                f"{_line(ln)} has Source Code {ln.source_code} "
                f"({ctx.ref.source_codes[ln.source_code]['meaning']}); sole source "
                f"({ln.sole_source.firm}) is only for procurement lines (P, or X with a "
                "procurement part)",
            )


def _sole_source_change(before: Any, after: Any) -> str:
    """What a line does to its sole source designation, in words: 'adds sole source (firm)',
    'changes the sole source firm from X to Y', ..."""
    if before is None:
        return f"adds sole source ({after.firm})"
    if before.firm != after.firm:
        return f"changes the sole source firm from {before.firm} to {after.firm}"
    if before.role != after.role:
        return f"changes the sole source role of {after.firm} from {before.role} to {after.role}"
    return f"changes its sole source designation ({after.firm})"


@rule(
    "QC-SOLE-SOURCE-REQUEST",
    "warning",
    "New sole source designations rest on a new Purchaser request, cited as a reference",
    "Section C6.3.4.2",
)
def sole_source_request(ctx: Context) -> Iterator[Hit]:
    if not ctx.lines_with.sole_source:
        return
    changes = ctx.document.changes
    earlier_oed = max(
        (
            c.document.offer_expiration_date
            for c in ctx.document.chain[:-1]
            if c.document.offer_expiration_date
        ),
        default=None,
    )
    ref_dates = {r.date for r in ctx.case.purchaser_references}
    for path, ln in ctx.lines_with.sole_source:
        if ln.sole_source is None:
            continue
        change = changes.for_line(ln.number)
        previous = change.previous if change is not None and changes.has_previous else None
        is_new = previous is None or previous.sole_source != ln.sole_source
        if not is_new:
            continue
        asked = ln.sole_source.purchaser_request_date
        if asked is None:
            continue  # QC-SOLE-SOURCE-DATE says what is missing
        if changes.has_previous and earlier_oed is not None and asked <= earlier_oed:
            before = previous.sole_source if previous is not None else None
            yield Hit(
                f"{path}.sole_source.purchaser_request_date",
                f"{_line(ln)} {_sole_source_change(before, ln.sole_source)} on a request of "
                f"{spell_date(asked)}, which predates the earlier documents; "
                f"{'adding' if before is None else 'changing'} a sole source designation "
                "needs a new Purchaser request",
            )
        elif ctx.kind != "Modification" and not ctx.is_bpc and asked not in ref_dates:
            yield Hit(
                f"{path}.sole_source.purchaser_request_date",
                f"{_line(ln)}: the Purchaser's sole source request of {spell_date(asked)} is "
                "not among the purchaser references; cite the request",
            )


@rule(
    "QC-SOLE-SOURCE-DATE",
    "error",
    "An FMS sole source designation gives the date of the Purchaser's written request",
    "Section C6.3.4.2; Appendix 6, Procurement Using Other Than Full and Open Competition",
)
def sole_source_date(ctx: Context) -> Iterator[Hit]:
    if ctx.is_bpc:
        return
    for path, ln in ctx.lines_with.sole_source:
        if ln.sole_source is not None and ln.sole_source.purchaser_request_date is None:
            yield Hit(
                f"{path}.sole_source.purchaser_request_date",
                f"{_line(ln)} designates {ln.sole_source.firm} without the date of the "
                f"{ctx.party}'s written request, which the sole source note states",
            )


@rule(
    "QC-NC-NOT-APPLICABLE",
    "error",
    "Nonrecurring cost does not apply to FMF-funded or BPC cases",
    "Section C9.4.5",
)
def nc_not_applicable(ctx: Context) -> Iterator[Hit]:
    if not (ctx.is_bpc or ctx.case.funding == "fmf"):
        return
    why = "BPC cases" if ctx.is_bpc else "cases funded by Foreign Military Financing"
    # On an FMS case paid with FMS Credit (Non-Repayable), an unwaived entry records that the
    # charge applies to the line but is not charged: what the Appendix 6 note "Nonrecurring
    # Costs - FMS Credit (Non-Repayable)" (NC-FMS-CREDIT) says, and the payment schedule does
    # not bill it. Only a waiver is out of place there (nothing is charged to waive).
    credit_nr = not ctx.is_bpc and "FMS Credit (Non-Repayable)" in ctx.case.terms_of_sale
    for path, ln in ctx.lines_with.nonrecurring_cost:
        nc = ln.nonrecurring_cost
        if nc is not None and credit_nr and nc.waiver is None:
            continue
        if nc is not None:
            yield Hit(
                f"{path}.nonrecurring_cost",
                f"{_line(ln)} carries a nonrecurring cost entry; nonrecurring cost does not apply "
                f"to {why} (not even as a waiver): remove it",
            )


@rule(
    "QC-NC-MDE",
    "warning",
    "Nonrecurring cost is charged on Major Defense Equipment",
    "Section C9.4.5, Appendix 1",
)
def nc_mde(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.nonrecurring_cost:
        if ln.nonrecurring_cost is not None and not ln.major_defense_equipment:
            yield Hit(
                f"{path}.nonrecurring_cost",
                f"{_line(ln)} carries nonrecurring cost but is not marked Major Defense Equipment",
            )


@rule(
    "QC-NC-LINE-VALUE",
    "error",
    "A nonrecurring cost that is not waived is not more than its line's value",
    "Section C9.4.5; Section C9.9.1.5.1",
)
def nc_line_value(ctx: Context) -> Iterator[Hit]:
    """The nonrecurring cost recouped on a line is part of the line's price, and the Initial
    Deposit collects it: more than the line's value asks the Purchaser for more than the line
    costs. A waived charge is not in the price (its amount is what is waived), so it is left
    alone."""
    for path, ln in ctx.lines_with.nonrecurring_cost:
        nc = ln.nonrecurring_cost
        if nc is None or nc.waiver is not None or nc.amount <= ln.total:
            continue
        yield Hit(
            f"{path}.nonrecurring_cost.amount",
            f"{_line(ln)} recoups a nonrecurring cost of {money(nc.amount)}, more than the whole "
            f"line is worth ({money(ln.total)}: {ln.quantity:,} at {money(ln.unit_cost)} each): "
            "the nonrecurring cost is part of the line's price, and the Initial Deposit, which "
            "collects it, would ask for more than the line costs; give the nonrecurring cost of "
            "the line's quantity (is the amount meant for another line, or is a digit repeated?)",
        )


# == rules: Worldwide Warehouse Redistribution Services ========================================

_WWRS_LOOK = re.compile(
    r"worldwide\s+warehouse\s+redistribution|redistribution\s+services|\bWWRS\s+seller\b",
    re.IGNORECASE,
)
_WWRS_LOOK_NEEDLES = ("redistribution", "wwrs")
"""What every match of `_WWRS_LOOK` holds, in any case (its gate: most lines name no WWRS)."""
_WWRS_NOTE = re.compile(r"worldwide\s+warehouse|\bWWRS\b", re.IGNORECASE)
_WWRS_NEEDLES = ("worldwide", "wwrs")
"""What every match of `_WWRS_NOTE` holds, in any case."""


@recent_texts
def _speaks_of_wwrs(text: str) -> bool:
    """Whether `text` names WWRS (`_WWRS_NOTE`); a text without "worldwide" or "wwrs" in any
    case is not scanned (see the gates of `text_scan`). The answers for the texts asked lately
    are kept: the notes a document prints are mostly those of the documents before it."""
    return _may_hold(text, _WWRS_NEEDLES) and _WWRS_NOTE.search(text) is not None


@recent_texts
def _looks_wwrs(description: str) -> bool:
    """Whether a line's description reads as a WWRS seller line (`_WWRS_LOOK`); a description
    without "redistribution" or "wwrs" in any case is not scanned. The answers for the
    descriptions asked lately are kept: most lines' descriptions are the same from one document
    to the next."""
    return _may_hold(description, _WWRS_LOOK_NEEDLES) and _WWRS_LOOK.search(description) is not None


WWRS_TERMS = frozenset(
    {
        "Cash With Acceptance",
        CWA_BAB,
        "FMS Credit",
        "FMS Credit (Repayable)",
        "FMS Credit (Non-Repayable)",
    }
)


@rule(
    "QC-WWRS-MASL",
    "error",
    "Worldwide Warehouse Redistribution Services seller lines use MASL WWWRED1STSERV",
    "AP8.S21m.2.2",
)
def wwrs_masl(ctx: Context) -> Iterator[Hit]:
    wanted = ctx.ref.wwrs_seller_masl
    for path, ln in ctx.lines:
        looks = _looks_wwrs(ln.description) or ln.masl.upper().startswith("WWWRED")
        if looks and ln.masl != wanted:
            yield Hit(
                f"{path}.masl",
                f"{_line(ln)} is a Worldwide Warehouse Redistribution Services seller line with "
                f"MASL {ln.masl!r}; it must use MASL {wanted}",
            )


@rule(
    "QC-WWRS-TERMS",
    "error",
    "A stand-alone WWRS seller case uses Cash With Acceptance(-Balance as Billed) or FMS Credit, "
    "with no payment schedule",
    "AP8.S21m.2.2",
)
def wwrs_terms(ctx: Context) -> Iterator[Hit]:
    if not ctx.wwrs_stand_alone:
        return
    for i, term in enumerate(ctx.case.terms_of_sale):
        if term not in WWRS_TERMS:
            yield Hit(
                f"terms_of_sale[{i}]",
                f"{term} on a stand-alone WWRS seller case; use Cash With Acceptance-Balance as "
                "Billed or FMS Credit",
            )
    if ctx.case.payment_schedule:
        yield Hit(
            "payment_schedule",
            "a stand-alone WWRS seller case has a special Initial Deposit and no payment schedule",
        )


@rule(
    "QC-WWRS-NOTE",
    "error",
    "The WWRS note goes with a WWRS seller line",
    "AP8.S21m.2.2, Appendix 6",
)
def wwrs_note(ctx: Context) -> Iterator[Hit]:
    if ctx.selection is None or ctx.lines_with.wwrs_seller:
        return
    notes = ctx.selection.notes
    # One gate for all the notes, their titles, ids and texts together (most documents print
    # none that names WWRS): a text none of them holds a needle of cannot match. (A needle
    # made across two of them only sends the notes to the loop below.)
    if not _may_hold("\n".join(f"{n.title}\n{n.id}\n{n.body}" for n in notes), _WWRS_NEEDLES):
        return
    for note in notes:
        # The WWRS wording may be a note of its own or a paragraph of another (the line item
        # descriptions): look at the title, the id and the printed text.
        if _speaks_of_wwrs(note.title) or _speaks_of_wwrs(note.id) or _speaks_of_wwrs(note.body):
            yield Hit(
                "",
                f"note {note.id} ({note.title}) speaks of Worldwide Warehouse Redistribution "
                f"Services but no line uses MASL {ctx.ref.wwrs_seller_masl}",
            )


@rule(
    "QC-SERVICE-SEVERABLE",
    "warning",
    "Service, training, medical and manpower lines say whether they are severable and give the "
    "period of performance (for their line description)",
    "Appendix 6, Line Item Description",
)
def service_severable(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.service:
        if not ln.is_service or ln.is_wwrs_seller or ln.training is not None:
            continue
        if ln.kind == "training":
            continue  # its training data says it (QC-TRAINING-DATA asks for them)
        if ln.scml:
            continue  # the SCML note is its description: neither is printed on it
        if ln.severable is not None and ln.performance_period is not None:
            continue  # (most lines: nothing missing)
        missing = [n for n in ("severable", "performance_period") if getattr(ln, n) is None]
        if missing:
            yield Hit(
                f"{path}.{missing[0]}",
                f"{_line(ln)} provides {ln.kind}: give {' and '.join(missing)} so its line "
                "description can say whether the services are severable and for how long",
            )


@rule(
    "QC-NSR-FIELDS",
    "error",
    "Non-Specific Requirements lines are FMS only, and only they may cover price increases",
    "Section C5.4.13; Appendix 6, Line Item Description (Non-Specific Requirements)",
)
def nsr_fields(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.nsr_covers:
        if ln.nsr_covers_price_increases and not ln.is_nsr:
            yield Hit(
                f"{path}.nsr_covers_price_increases",
                f"{_line(ln)} is not a Non-Specific Requirements line (MASL "
                f"{ctx.ref.nsr_masl}); only such a line covers price increases",
            )


@rule(
    "QC-TOW-2B",
    "warning",
    "TOW-2B missiles: name the Security Cooperation Organization and consult the DSCA Country "
    "Program Director",
    "Appendix 6, TOW-2B Missiles Physical Security and Accountability",
)
def tow_2b(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.items:
        if "tow_2b" in ln.items and ln.number in _added_numbers(ctx):
            yield Hit(
                f"{path}.items",
                f"{_line(ln)} sells TOW-2B missiles: consult the DSCA Country Program Director "
                "on the physical security note"
                + ("" if ctx.case.sco_name else ", and give sco_name, which the note names"),
            )


def _added_numbers(ctx: Context) -> set[str]:
    changes = ctx.document.changes
    if not changes.has_previous:
        return {ln.number for ln in ctx.case.lines}
    return {c.number for c in changes.added}


@rule(
    "QC-CONSOLIDATION-LINES",
    "warning",
    "Shipment consolidation names lines of the document",
    "Appendix 6, Shipment Consolidation - FMS",
)
def consolidation_lines(ctx: Context) -> Iterator[Hit]:
    consolidation = ctx.case.shipment_consolidation
    if consolidation is None:
        return
    numbers = {ln.number for ln in ctx.case.lines}
    for i, number in enumerate(consolidation.lines):
        if number not in numbers:
            yield Hit(
                f"shipment_consolidation.lines[{i}]",
                f"Line {number} is not on this document",
            )
    selection = ctx.selection
    held = selection.before.get("SHIPMENT-CONSOLIDATION") if selection is not None else None
    previous = ctx.document.previous
    if held is not None and previous is not None and previous.shipment_consolidation is not None:
        added = sorted(set(consolidation.lines) - set(previous.shipment_consolidation.lines))
        if added:
            yield Hit(
                "shipment_consolidation.lines",
                f"the consolidation note in force on the case does not name "
                f"{', '.join(added)}: the note is printed once, so tell the {ctx.party} in the "
                "case description or a case-unique note",
            )


# == rules: training, medical, TLA, manpower ====================================================

# Words that name training, or medical services (not a topic: "field medical training" is
# training). Only services and manpower lines are read for them: "TRAINING AMMUNITION" and
# "MEDICAL SUPPLIES" are materiel.
_TRAINING_WORD = re.compile(r"\btraining\b|\binstruction\b", re.IGNORECASE)
_MEDICAL_WORD = re.compile(r"\bmedical\b|\bhospital\w*|\bsurg(?:ical|ery)\b", re.IGNORECASE)
_MEDICAL_SERVICES = re.compile(
    r"\bmedical\s+(?:services?|care|treatment|support|evacuation)\b|\bhospitali[sz]ation\b"
    r"|\bsurgery\b",
    re.IGNORECASE,
)
_TRAINING_SERVICES = re.compile(
    r"\btraining\s+(?:courses?|services?|programs?|team)\b|\binstruction\b", re.IGNORECASE
)
_SERVICE_KINDS = ("services", "manpower")
_TRAINING_NAMED = re.compile(
    r"\btraining\s*(?:\([^)]*\))?\s*$|\btraining\s+(?:courses?|services?|programs?|team)\b",
    re.IGNORECASE,
)
"""A description that names training as what the line provides ('OPERATOR TRAINING',
'TRAINING COURSES'), not an article used in training ('TRAINING SIMULATOR', 'TRAINING
AMMUNITION')."""
_OTHER_SERVICES = re.compile(
    r"\b(?:assistance|support|services?|engineering|maintenance|repair|management|"
    r"logistics|team)\b(?!\s*(?:training|\)))",
    re.IGNORECASE,
)
"""Words naming services other than training ('TECHNICAL ASSISTANCE AND OPERATOR TRAINING')."""
_ARTICLES = (
    r"(?:device|aid|equipment|simulator|trainer|round|ammunition|munition|missile|target|"
    r"system|kit|cartridge|bomb|rocket|torpedo|mine|grenade|aircraft|vehicle|set|"
    r"publication|manual|material|software)(?:e?s)?"
)
_TRAINING_ARTICLE = re.compile(
    rf"\btraining\s+{_ARTICLES}\b|\b{_ARTICLES}\s*,\s*training\b", re.IGNORECASE
)
"""'Training' qualifying an article, in reading or MASL order ('TRAINING DEVICES', 'DEVICE,
TRAINING'): the line provides the article, not training."""


@recent_texts
def _training_read(description: str) -> str:
    """A line's description with the articles used in training set aside, to be read for the
    training it provides ('CONTRACTOR LOGISTICS SUPPORT, TRAINING DEVICES' names none); kept
    for the descriptions read lately (a case's documents repeat their lines)."""
    return _TRAINING_ARTICLE.sub(" ", description)


@recent_texts
def _found(pattern: re.Pattern[str], text: str) -> bool:
    """Whether `pattern` is found in `text` (a line's description and note); the answers for
    the texts read lately are kept (a case's documents repeat their lines)."""
    return pattern.search(text) is not None


@rule(
    "QC-TRAINING-DATA",
    "error",
    "A training line gives its training data (location, severable, period of performance)",
    "Section C10.7.8",
)
def training_data(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.training_medical:
        if ln.kind == "training" and ln.training is None:
            given = [n for n in ("severable", "performance_period") if getattr(ln, n) is not None]
            moved = (
                f"; move {' and '.join(given)} into it (on a training line they go there)"
                if given
                else ""
            )
            yield Hit(
                f"{path}.training",
                f"{_line(ln)} is a training line without its training data: give training: "
                "{location: CONUS or OCONUS, severable: true or false, performance_period: "
                f"'6 months'}}{moved}",
            )


@rule(
    "QC-TRAINING-SEPARATE",
    "error",
    "Training and medical services each on lines of their own",
    "Section C10.7.8, Section C2.1.6.2.2",
)
def training_separate(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.training_any:
        if ln.training is not None and ln.kind != "training":
            yield Hit(
                f"{path}.training",
                f"{_line(ln)} is a {ln.kind} line with training data; training goes on a "
                "separate training line",
            )
        if ln.kind not in ("training", "medical"):
            continue
        text = f"{ln.description} {ln.line_note or ''}"
        if ln.kind == "training" and _found(_MEDICAL_SERVICES, text):
            yield Hit(
                f"{path}.description",
                f"{_line(ln)} is a training line that also names medical services; medical "
                "services go on a separate line",
            )
        if ln.kind == "medical" and _found(_TRAINING_SERVICES, text):
            yield Hit(
                f"{path}.description",
                f"{_line(ln)} is a medical line that also names training; training goes on a "
                "separate line",
            )


@rule(
    "QC-TRAINING-KIND",
    "warning",
    "A line described as training or medical services has that kind",
    "Section C10.7.8, Section C2.1.6.2.2",
)
def training_kind(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines:
        if ln.kind in ("training", "medical") or ln.kind in _SERVICE_KINDS:
            continue
        if _found(_TRAINING_NAMED, _training_read(ln.description)):
            yield Hit(
                f"{path}.kind",
                f"{_line(ln)} ({ln.description}) reads as training but its kind is {ln.kind!r}, "
                "so the training notes are not printed: set kind: training and give training: "
                "{location: ..., severable: ..., performance_period: ...}",
            )
    for path, ln in ctx.lines_with.services:
        read = _training_read(ln.description)
        if ln.kind in _SERVICE_KINDS and _found(_TRAINING_WORD, read):
            only = _found(_TRAINING_NAMED, read) and not _found(_OTHER_SERVICES, read)
            advice = (
                "set kind: training and give training: {location: ..., severable: ..., "
                "performance_period: ...}"
                if only
                else "put the training on a line of its own, of kind training with its "
                "training: {location: ..., severable: ..., performance_period: ...}, and keep "
                f"the other {ln.kind} on this line"
            )
            yield Hit(
                f"{path}.kind",
                f"{_line(ln)} ({ln.description}) reads as training but its kind is "
                f"{ln.kind!r}: {advice}",
            )
        if ln.kind in _SERVICE_KINDS and _found(_MEDICAL_WORD, ln.description):
            yield Hit(
                f"{path}.kind",
                f"{_line(ln)} ({ln.description}) reads as medical services but its kind is "
                f"{ln.kind!r}",
            )


def _tla(ln: Line | None) -> bool:
    return bool(
        ln is not None and ln.training is not None and ln.training.travel_and_living_allowance
    )


@rule(
    "QC-TLA-REQUEST",
    "error",
    "Travel and Living Allowance only when the Purchaser requests it",
    "Section C2.1.6.2.2",
)
def tla_request(ctx: Context) -> Iterator[Hit]:
    # The request is a Letter of Request the document cites: on a Basic any of its references
    # (the case file does not say what each asks for); on an Amendment or Modification that
    # adds TLA, one it cites that the document before it did not (the request for the change).
    cited = {(r.reference, r.date) for r in ctx.case.purchaser_references}
    if ctx.previous is not None:
        cited -= {(r.reference, r.date) for r in ctx.previous.purchaser_references}
    if cited:
        return
    changes = ctx.document.changes
    for path, ln in ctx.lines_with.training:
        change = changes.for_line(ln.number)
        before = change.previous if change is not None and changes.has_previous else None
        if _tla(ln) and not _tla(before):
            yield Hit(
                f"{path}.training.travel_and_living_allowance",
                f"{_line(ln)} adds Travel and Living Allowance, which the Purchaser must request "
                "in a Letter of Request; cite that request in the purchaser references"
                + (
                    " (it is not among the references the document before cites)"
                    if ctx.previous is not None
                    else ""
                ),
            )


@rule(
    "QC-TLA-OCONUS",
    "warning",
    "Travel and Living Allowance is for students trained in the United States",
    "Section C2.1.6.2.2, Chapter 10",
)
def tla_oconus(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.training:
        if _tla(ln) and ln.training is not None and ln.training.location == "OCONUS":
            yield Hit(
                f"{path}.training.travel_and_living_allowance",
                f"{_line(ln)} is OCONUS training with Travel and Living Allowance; TLA is paid "
                "to international students training in the United States",
            )


@rule(
    "QC-MANPOWER-TRAVEL",
    "error",
    "Manpower travel above the daily limit per person is justified",
    "Section C9.4.2.4.1.1.2",
)
def manpower_travel(ctx: Context) -> Iterator[Hit]:
    limit = ctx.ref.money_value("manpower_travel_daily_limit")
    for path, ln in ctx.lines_with.manpower:
        mp = ln.manpower
        if mp is None or mp.travel_cost_per_day <= limit:
            continue
        if mp.justification and mp.justification.strip():
            continue
        yield Hit(
            f"{path}.manpower.travel_cost_per_day",
            f"{_line(ln)} travel costs {money(mp.travel_cost_per_day)} a day per person, above "
            f"{money(limit)}; give the justification for the line note",
        )


# == rules: scope of Amendments and Modifications ===============================================

_MOD_SCOPE_WORDS = re.compile(
    r"\b(?:adds|add|adding|additional|new\s+lines?|increases\s+the\s+quantit(?:y|ies)|"
    r"provides\s+for\s+(?:an?\s+)?(?:additional|new))\b",
    re.IGNORECASE,
)
_NOT_SCOPE_OBJECT = re.compile(r"\bnotes?\b|\bstorage\b|\bremarks?\b", re.IGNORECASE)
_REASON_FIELD = {
    NEW_LINE: "",
    MORE_QUANTITY: ".quantity",
    MORE_VALUE: ".unit_cost",
    LONGER_PERIOD: ".months",
}
"""The field of a line each scope reason reads (`case.history` decides them)."""


def _eda_storage_line(ctx: Context, ln: Line | None) -> bool:
    """A storage line added by Modification to recover grant EDA storage charges (allowed)."""
    return (
        ln is not None
        and bool(re.search(r"\bstorage\b", ln.description, re.IGNORECASE))
        and any(_grant_eda(other) for other in ctx.case.lines)
    )


@rule(
    "QC-MOD-SCOPE",
    "error",
    "A Modification does not change scope (new lines or items, more quantity, value or period)",
    "Table C6.T7, Section C5.4.3",
)
def modification_scope(ctx: Context) -> Iterator[Hit]:
    if ctx.kind != "Modification":
        return
    for change in ctx.document.changes.scope_lines:
        if change.added and _eda_storage_line(ctx, change.revised):
            continue
        # the reasons `case.history` gives, each said with its own field: another item and
        # a written period that grows (the months as they were) have words of their own
        written = None if change.period_lengthened else change.period_written_longer
        reasons = [
            r
            for r in change.scope_reasons
            if r != ANOTHER_ITEM and not (r == LONGER_PERIOD and written is not None)
        ]
        if reasons:
            yield Hit(
                ctx.line_path(change.number) + _REASON_FIELD.get(reasons[0], ""),
                f"Line {change.number}: {' and '.join(reasons)} is a change of scope, which a "
                "Modification may not make; use an Amendment",
            )
        swaps = change.item_swaps
        if swaps:
            yield Hit(
                f"{ctx.line_path(change.number)}.{swaps[0][0]}",
                f"Line {change.number}: {' and '.join(words for _, words in swaps)}, so the "
                "line buys another item: a new item is a change of scope, which a Modification "
                "may not make; put it on a new line by Amendment (correcting the letter case, "
                "punctuation or spelling of the same item is not flagged)",
            )
        if written is not None:
            field, before, after = written
            yield Hit(
                ctx.line_path(change.number) + field,
                f"Line {change.number}: the period of performance grows from {before!r} to "
                f"{after!r}; a longer period of performance on a service line is a change of "
                "scope, which a Modification may not make; use an Amendment",
            )


_DTC = r"\b(?:delivery\s+term\s+codes?|DTCs?)\b"
_CORRECTED = r"\b(?:correct\w*|written\s+wrong|wrong\w*|in\s+error|erroneous\w*|mistake\w*)\b"
_DTC_CORRECTED = re.compile(
    rf"{_DTC}[^.;]{{0,80}}?{_CORRECTED}|{_CORRECTED}[^.;]{{0,80}}?{_DTC}", re.IGNORECASE
)
"""A case description saying a Delivery Term Code is corrected ('corrects the Delivery Term
Code of Line 001', 'the DTC was written wrong on the Basic')."""


@rule(
    "QC-MOD-DTC",
    "warning",
    "A Modification does not change a line's Delivery Term Code",
    "Section C7.4 (eSAMM), Table C6.T7",
)
def modification_dtc(ctx: Context) -> Iterator[Hit]:
    if ctx.kind != "Modification":
        return
    doc = ctx.case.document
    if any(_DTC_CORRECTED.search(text or "") for text in (doc.purpose, doc.reason)):
        return  # a code written wrong, corrected: no change agreed anew
    for change in ctx.document.changes.touched:
        old, new = change.previous, change.revised
        if old is None or new is None or old.delivery_term_code is None:
            continue
        if new.delivery_term_code == old.delivery_term_code:
            continue
        now = new.delivery_term_code or "none"
        yield Hit(
            f"{ctx.line_path(change.number)}.delivery_term_code",
            f"Line {change.number}: the Delivery Term Code changes from "
            f"{old.delivery_term_code} to {now}; after implementation a change of Delivery "
            "Term Code is agreed with the Purchaser by Amendment: use an Amendment, unless "
            "this corrects a code written wrong (then say so in document.reason, e.g. 'the "
            f"Delivery Term Code of Line {change.number} was written wrong', and this warning "
            "is not given)",
        )


@rule(
    "QC-MOD-PURPOSE",
    "warning",
    "A Modification's description does not announce new scope",
    "Section C6.7.1.2, Table C6.T7",
)
def modification_purpose(ctx: Context) -> Iterator[Hit]:
    if ctx.kind != "Modification":
        return
    purpose = ctx.case.document.purpose
    for m in _MOD_SCOPE_WORDS.finditer(purpose):
        if _NOT_SCOPE_OBJECT.search(purpose[m.end() : m.end() + 40]):
            continue  # "adds the Cargo Preference note", "adds a storage line": not scope
        yield Hit(
            "document.purpose",
            f"the Modification's purpose says {m.group(0)!r}, which reads as a change of scope; "
            "a Modification adds nothing the Purchaser must accept (use an Amendment, or reword)",
        )
        return


_NOT_A_CHANGE = frozenset({"document", "purchaser_references", "lines"})
"""Case fields an Amendment's changes are not read in: its own document data and references
(what it is, not what it changes) and the lines (compared line by line, `Changes`)."""


def _changed_fields(before: Case, after: Case) -> list[str]:
    """The case fields (other than `_NOT_A_CHANGE`) whose value differs between two documents."""
    return [
        name
        for name in type(after).model_fields
        if name not in _NOT_A_CHANGE and getattr(before, name) != getattr(after, name)
    ]


def _cost_rows(costs: CostSummary) -> tuple[Decimal, ...]:
    """The amounts of the estimated cost summary (not its schedule, worked out by kind)."""
    return (
        costs.net_estimated_cost, costs.packing_crating_handling, costs.administrative_charge,
        costs.transportation, costs.other, costs.total_estimated_cost,
    )  # fmt: skip


@rule(
    "QC-AMD-EMPTY",
    "error",
    "An Amendment changes something the Purchaser accepts",
    "Section C6.7",
)
def amendment_changes_nothing(ctx: Context) -> Iterator[Hit]:
    doc = ctx.document
    previous = ctx.previous
    # the notes it prints again, adds, refreshes or deletes are known from its selection only
    if ctx.kind != "Amendment" or previous is None or ctx.selection is None:
        return
    if ctx.case.document.case_closure or doc.changes.touched:
        return
    if ctx.selection.before != ctx.selection.after or _changed_fields(previous, ctx.case):
        return
    if doc.previous_costs is not None and _cost_rows(doc.previous_costs) != _cost_rows(doc.costs):
        return
    yield Hit(
        "",
        "this Amendment changes nothing on the case: its lines (quantities, values, months, "
        "descriptions), costs, terms of sale and other case data and its notes are those of the "
        "document before it, so the Purchaser would be asked to accept an empty document; "
        "make the change it is for (or, when nothing is to change, do not offer it)",
    )


_NOT_SCOPE_LINE_FIELDS = frozenset({"source_code", "type_of_assistance", "offer_release_code"})
"""The fields of a line, besides its unit cost and months, whose change loagen knows to be no
change of scope: codes corrected (a Modification's administrative corrections). Any other
field (the description, the line note, the Delivery Term Code, sole source, the items, the
training or manpower data ...) may carry something the Purchaser must accept."""
_NOT_SCOPE_CASE_FIELDS = frozenset({"payment_schedule", "accessorial", "package"})
"""The case fields whose change is no change of scope (a payment schedule, charges worked out
again, the package list); any other (the terms of sale, the notes' data ...) may be."""


def _no_scope_said(change: Any) -> str | None:
    """What a line change does, in words, when it is surely no change of scope (its price or
    months, a code corrected); None when it may be one (a new or deleted line, another
    quantity, a field that may carry scope)."""
    old, new = change.previous, change.revised
    if old is None or new is None or change.scope_change or old.quantity != new.quantity:
        return None
    if not set(change.other_fields) <= _NOT_SCOPE_LINE_FIELDS:
        return None
    said = []
    if old.unit_cost != new.unit_cost:
        said.append(f"unit cost {money(old.unit_cost)} to {money(new.unit_cost)}")
    if change.months_changed:
        said.append(f"months {old.months or 'none'} to {new.months or 'none'}")
    said += [f"{name} corrected" for name in change.other_fields]
    return f"Line {change.number}: {', '.join(said)}"


@rule(
    "QC-AMD-NO-SCOPE",
    "warning",
    "An Amendment changes something in scope, or something else the Purchaser must accept",
    "Section C6.7, Table C6.T7",
)
def amendment_without_scope(ctx: Context) -> Iterator[Hit]:
    doc = ctx.document
    previous = ctx.previous
    # the notes it adds are known from its selection only
    if ctx.kind != "Amendment" or previous is None or ctx.selection is None:
        return
    info = ctx.case.document
    touched = doc.changes.touched
    if info.case_closure or info.restated is not None or not touched:
        return  # closing the case, offering again, or nothing changed (QC-AMD-EMPTY)
    said = []
    for change in touched:
        if (words := _no_scope_said(change)) is None:
            return  # a change that is, or may be, of scope
        said.append(words)
    if not set(_changed_fields(previous, ctx.case)) <= _NOT_SCOPE_CASE_FIELDS:
        return  # case data the Purchaser may have to accept
    before = {n.note_id for n in ctx.selection.before.items}
    if any(n.note_id not in before for n in ctx.selection.after.items):
        return  # a note it adds
    yield Hit(
        "document.kind",
        f"this Amendment changes nothing in scope ({'; '.join(said)}): should it be a "
        "Modification? Price changes, delivery estimates (months), payment schedules and "
        "corrected codes go on a Modification, which the Purchaser does not sign; an Amendment "
        "is for what the Purchaser must accept (a new line, more quantity on a defined order "
        "line, more value on a blanket order line, a longer period of performance, another "
        "item, a new note). If the Purchaser must accept something loagen does not see, leave "
        "this warning for the reviewer",
    )


_PURPOSE_VERB = re.compile(
    r"\b(adds|deletes|increases|decreases|revises|realigns|extends)\b", re.IGNORECASE
)
_LINE_WORD = re.compile(r"\blines?\b", re.IGNORECASE)
_LINE_REF_RUN = re.compile(
    r"\blines?\s+(\d{3}[a-z]?(?:\s*(?:[-\u2013]|,\s*and\b|,|\band\b)\s*\d{3}[a-z]?)*)",
    re.IGNORECASE,
)
"""A reference to lines by number: 'Line 002', 'Lines 004-006', 'Lines 002, 003 and 005' (a
number without the word, as in 'from 200 to 240 radio sets', is a count, not a line)."""
_LINE_NUMBERS = re.compile(r"(\d{3})(?:[a-z])?(?:\s*[-\u2013]\s*(\d{3}))?")
_MONTHS_OBJECT = re.compile(r"\s*(?:the\s+)?(?:months|MOS)\b", re.IGNORECASE)
"""A verb whose object is the months ('realigns the Months of Line 004')."""
_SAYS_CHANGE = frozenset({"revises", "realigns", "extends"})
"""Verbs that say a line changes, not how: read only of the lines they name by number in their
object (any change of the line bears them out; of its months, when the months are their
object)."""
_OBJECT_END = re.compile(
    r"\s(?:to|for|due|because|so|in\s+order|as|after|following)\s", re.IGNORECASE
)
"""Where the object of a verb ends and what it is for or why begins ('revises the payment
schedule | to reflect the later delivery of Line 001': the line is not what it revises)."""
_SCHEDULE_OBJECT = re.compile(r"\b(?:schedule|payments?)\b", re.IGNORECASE)
"""An object that is the payment schedule ('extends the payment schedule of Line 001'): when
the money falls due changes, not the line."""
_ONTO_LINE = re.compile(r"\s(?:to|for|on|onto|under|in)\s+(?:the\s+)?lines?\s+\d{3}", re.IGNORECASE)
"""Where what 'adds' adds goes to a line ('adds 40 radio sets to Line 002')."""
_VERB_TESTS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "adds": ("adds no line", lambda c: c.added),
    "deletes": ("deletes no line", lambda c: c.deleted),
    "increases": ("raises no line's quantity or value", lambda c: c.quantity_up or c.value_up),
    "decreases": (
        "lowers no line's quantity or value",
        lambda c: c.quantity_down or c.value_down or c.deleted,
    ),
    **dict.fromkeys(_SAYS_CHANGE, ("changes no line", lambda c: c.changed)),
}
"""What each verb of a purpose says of the lines, and the words for a document that does not."""


def _months_changed(change: Any) -> bool:
    return change.months_changed or change.period_written_longer is not None


def _named_lines(clause: str) -> set[str]:
    """The line numbers a clause names ('Line 002', 'Lines 004-006' -> 004, 005, 006)."""
    named: set[str] = set()
    for run in _LINE_REF_RUN.finditer(clause):
        for m in _LINE_NUMBERS.finditer(run.group(1)):
            first, last = int(m.group(1)), int(m.group(2) or m.group(1))
            named.update(f"{n:03d}" for n in range(first, min(last, first + 999) + 1))
    return named


@rule(
    "QC-PURPOSE-CHANGES",
    "warning",
    "What the description says the document does to its lines is what the document does",
    "Section C6.7 (state plainly the purpose); LOA Standardization Guide 1",
)
def purpose_changes(ctx: Context) -> Iterator[Hit]:
    if ctx.kind == "Basic":
        return
    purpose = ctx.case.document.purpose
    verbs = list(_PURPOSE_VERB.finditer(purpose))
    changes = ctx.document.changes.lines
    for i, m in enumerate(verbs):
        # the verb's clause: up to the next verb of the list
        clause = purpose[m.end() : verbs[i + 1].start() if i + 1 < len(verbs) else len(purpose)]
        clause = re.split(r"[;.]", clause, maxsplit=1)[0]  # a sentence or a clause of its own
        if not _LINE_WORD.search(clause):
            continue  # about something else ("adds a note"): not read here
        verb = m.group(1).lower()
        words, holds = _VERB_TESTS[verb]
        named = _named_lines(clause)
        onto = _ONTO_LINE.search(clause)
        if verb == "adds" and onto and not _named_lines(clause[: onto.start()]):
            # 'adds one hundred radio sets to Line 002': the line is where items are added
            words, holds = "adds to no line", lambda c: c.added or c.quantity_up or c.value_up
        months = False
        if verb in _SAYS_CHANGE:
            cut = _OBJECT_END.search(clause)
            what = clause[: cut.start()] if cut else clause
            named = set() if _SCHEDULE_OBJECT.search(what) else _named_lines(what)
            if not named:
                continue  # "revises the schedule of the radio line", "... to reflect Line 001"
            months = _MONTHS_OBJECT.match(clause) is not None
            if months:
                holds = _months_changed
        subject = [c for c in changes if not named or c.number in named]
        if any(holds(c) for c in subject):
            continue
        which = f" ({line_refs(sorted(named))})" if named else ""
        if months:
            words = f"leaves the months of {line_refs(sorted(named))} as they were"
        elif named:
            words += " of those"
        yield Hit(
            "document.purpose",
            f"the purpose says {m.group(0)!r}{which}, but this {ctx.kind} {words}: say what it "
            "does to the lines",
        )


# -- the quantities a purpose states, against the lines -------------------------------------------

_DIGIT_COUNT = r"(?<![\w$/.,#-])(?!0\d)(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w/%#-]|[.,]\d)"
_COUNT = re.compile(rf"{_DIGIT_COUNT}|{_NUMBER_RUN.pattern}", re.IGNORECASE)
"""A count: digits (thousands grouped by commas) that are no part of a designator, an amount or
a range ('M1152A1', 'AN/PRC-117G', '$40', '24-36', '10%') and do not start with a 0 as a line
number does ('005'), or number words ('two hundred')."""
_LINE_RUN = re.compile(
    r"\blines?\s+(\d{3}[a-z]?(?:\s*(?:[-\u2013]|\b(?:through|thru)\b|\bto\b(?=\s*0\d\d)|,\s*and\b"
    r"|,|\band\b)\s*\d{3}[a-z]?)*)",
    re.IGNORECASE,
)
"""_LINE_REF_RUN, and the ranges 'Lines 002 through 005' and 'Lines 002 to 005' (a line number
after 'to' starts with 0, a quantity never does): the lines a quantity is said of."""
_LINE_RUN_NUMBERS = re.compile(
    r"(\d{3})(?:[a-z])?(?:\s*(?:[-\u2013]|through|thru|to)\s*(\d{3}))?", re.IGNORECASE
)
_EACH_OF = re.compile(r"\beach\s+of\s+(?:the\s+)?$", re.IGNORECASE)
"""'(adds 10 radio sets to) each of (Lines 002 and 003)'."""
_EACH_AFTER = re.compile(r"(?:\s+[A-Za-z][\w/-]*){0,3}?\s+each\b", re.IGNORECASE)
"""'(by 10) each', '(10 radio sets) each', '(Lines 002 and 003) each': a count said of every
line named, not of them together (only words between: not '10 radio sets at $2,000 each')."""
_SUBJECT_VERB = re.compile(
    r"\s+(?:each\s+|all\s+|both\s+)?(increase|raise|decrease|reduce|lower)\b", re.IGNORECASE
)
"""A verb after the lines it is said of ('Lines 002 and 003 increase by 10 each')."""
_SAID_BEFORE = re.compile(
    r"\b(?:(?P<from>from)|(?P<an>an\s+additional)|(?P<adds>adds)|(?P<by>by)|(?P<to>to))\s+$",
    re.IGNORECASE,
)
"""What, said just before a count, makes it a quantity: 'from 200 (to 240)', 'an additional
40', 'adds 40', '(increases ...) by 40', '(increases ...) to 240'."""
_ADDITIONAL_AFTER = re.compile(r"\s+(?:additional|more(?!\s+than\b))\b", re.IGNORECASE)
"""'40 additional', '40 more' (not '40 more than', said against some other number)."""
_TO_BETWEEN = re.compile(r"\s+to\s+", re.IGNORECASE)
_BY_SIGN = {"increases": 1, "raises": 1, "decreases": -1, "reduces": -1, "lowers": -1}
"""The verbs whose 'by N' is a change of quantity, and its direction."""
_NOT_A_COUNT_AFTER = re.compile(
    r"\s*(?:%|percent|per\s*cent|months?\b|mos\b|years?\b|days?\b|weeks?\b|hours?\b|million"
    r"|billion|dollars?\b|usd\b|per\b|(?:january|february|march|april|may|june|july|august"
    r"|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b)",
    re.IGNORECASE,
)
"""What makes the number before it a rate, a time, a date or money, not a count ('by 10
percent', 'two additional months', '1.5 million dollars', 'to 2 per month', 'to 30 June
2027')."""
_NOT_A_COUNT_BEFORE = re.compile(r"(?:\$|\busd|\bfy|\bno\.|\blines?|\bitems?)\s*$", re.IGNORECASE)
_MEASURE_WORD = re.compile(
    r"\b(?:values?|costs?|prices?|amounts?|funds?|funding|dollars?|months?|mos|periods?"
    r"|schedules?|payments?|percent(?:age)?|rates?|surcharges?|years?|days?|weeks?"
    r"|delivery|deliveries)\b",
    re.IGNORECASE,
)
"""Words that, said before a number ('increases the value of Line 002 from ...'), make it
something other than the line's quantity, unless the quantity is named too."""
_QUANTITY_WORD = re.compile(
    rf"\b(?:quantit(?:y|ies)|number\s+of\b(?!\s+(?:the\s+)?{_MEASURE_WORD.pattern}))\b",
    re.IGNORECASE,
)
"""The quantity named ('the quantity of Line 002', 'the number of radio sets'; not 'the number
of months')."""
_TO_VERB = re.compile(r"\bquantit(?:y|ies)\b", re.IGNORECASE)
"""Besides a verb of _BY_SIGN, what makes 'to N' the quantity a line is brought to ('revises the
quantity of Line 002 to 240')."""
_CLAUSE_END = re.compile(r";|\.(?:\s|$)")
_VERB_LIKE = re.compile(r"\b[a-z]+s\b", re.IGNORECASE)
_COUNT_VERBS = frozenset({third_person(v) for v in PURPOSE_VERBS} | {"raises", "lowers"})
_JOINED_BEFORE = re.compile(r"([\w#]+)(,?\s+and\s+|,\s*)$", re.IGNORECASE)
"""'and' or a comma before a count: the next statement ('40 radio sets and 20 antennas', '20
radio sets to Line 002 and 4 antennas to Line 004'), unless within a number ('one hundred and
twenty'). The statement it starts takes the verb of the one before."""
_JOINED_LINE = re.compile(
    r"(,?\s+and\s+|,\s*)(?:the\s+)?(?:quantit(?:y|ies)\s+)?(?:of\s+)?$", re.IGNORECASE
)
"""'and' or a comma before a line named ('Line 002 from 200 to 240 and Line 003 from 6 to 8',
', the quantity of Line 003'): the next statement, when each line has its count."""
_JOIN_ONLY = re.compile(r"(?:,?\s*and\s+|,\s*)", re.IGNORECASE)
_NOUN_WORDS = re.compile(r"\s+([A-Za-z][\w/-]*)")
_NOT_NOUN = frozenset(
    ["to", "for", "on", "of", "in", "into", "at", "and", "or", "with", "from", "by", "under",
     "as", "line", "lines", "which", "that", "each", "respectively"]
)  # fmt: skip
_NOT_ITEM_WORD = frozenset(
    [*_NOT_NOUN, "a", "an", "the", "additional", "more", "new", "quantity", "quantities",
     "this", "amendment", "modification", "case", "loa", "purchaser", "partner", "number",
     *_NUMBER_WORD, *_SCALE_WORD, *(third_person(v) for v in PURPOSE_VERBS), "raises",
     "lowers"]
)  # fmt: skip


class _Stated(NamedTuple):
    """A quantity a purpose states: 'from A to B' (`old`, `new`), or a change by `delta`; said
    from `start` to `end` in the purpose."""

    start: int
    end: int
    old: Decimal | None = None
    new: Decimal | None = None
    delta: Decimal | None = None
    in_words: bool = False
    by: bool = False
    """'by N': a change of the line's quantity or, as a writer may leave out the dollar sign,
    of its value."""


def _count(text: str) -> Decimal:
    if text[0].isdigit():
        return Decimal(text.replace(",", ""))
    return Decimal(_word_number(text.lower()))


def _is_count(text: str, start: int, m: re.Match[str]) -> bool:
    """Whether the number `m` (in the piece of `text` from `start`) may be a count: no year
    (1900 to 2100 written without a comma), no amount, rate or time ('$40', 'FY2025', 'by 10
    percent', '12 months')."""
    n = m.group(0)
    if n.isdigit() and len(n) == 4 and 1900 <= int(n) <= 2100:
        return False
    return not (
        _NOT_A_COUNT_BEFORE.search(text, start, m.start())
        or _NOT_A_COUNT_AFTER.match(text, m.end())
    )


def _stated_counts(
    text: str, start: int, counts: list[re.Match[str]], verb: str, carried: str = "",
    since: int | None = None,
) -> Iterator[_Stated]:  # fmt: skip
    """The quantities one piece of a purpose (one statement, from `start` in `text`) states,
    read from the `counts` it holds; `verb` is the statement's verb (in lower case), its own or,
    for a statement joined to the one before ('... and 4 antennas to Line 004'), that one's.
    `carried`, for a statement joined to one that says 'from', 'to' or 'by' of several lines,
    reads a count the statement starts with as said after that word too ('Lines 002 and 003
    from 200 to 240 and 6 to 8', 'by 40 and 2', 'to 240 and 8'); the value, months or schedule
    are then looked for `since` where that statement starts."""

    def plain(at: int) -> bool:  # no value, months or schedule spoken of, unless a quantity
        begin = start if since is None else since
        return not _MEASURE_WORD.search(text, begin, at) or bool(
            _QUANTITY_WORD.search(text, begin, at)
        )

    sign = _BY_SIGN.get(verb, 0)
    i = 0
    while i < len(counts):
        m, said = counts[i], _SAID_BEFORE.search(text, start, counts[i].start())
        i += 1
        kind = next((k for k in ("from", "to", "by") if said and said.group(k)), "")
        joined = _JOIN_ONLY.fullmatch(text, start, m.start()) is not None
        at = said.start() if said else m.start()  # where the statement of the count starts
        if carried and not said and joined:
            kind = carried
        if kind == "from":
            b = counts[i] if i < len(counts) else None
            if b is not None and _TO_BETWEEN.fullmatch(text, m.end(), b.start()):
                i += 1
                if plain(at) and _is_count(text, start, m) and _is_count(text, start, b):
                    a_, b_ = m.group(0), b.group(0)
                    words = not (a_[0].isdigit() and b_[0].isdigit())
                    yield _Stated(at, b.end(), _count(a_), _count(b_), None, words)
            continue
        if kind == "to":  # '(increases Line 002) to 240'
            quantity_said = sign or _TO_VERB.search(text, start if since is None else since, at)
            if quantity_said and plain(at) and _is_count(text, start, m):
                n = m.group(0)
                yield _Stated(at, m.end(), new=_count(n), in_words=not n[0].isdigit())
            continue
        # '(adds 20 radio sets to Line 002) and 4 antennas (to Line 004)'
        led = verb == "adds" and joined
        if after := _ADDITIONAL_AFTER.match(text, m.end()):
            span, direction = (m.start(), after.end()), 1
        elif said and (said.group("an") or said.group("adds")):
            span, direction = (said.start(), m.end()), 1
        elif led:
            span, direction = (m.start(), m.end()), 1
        elif kind == "by":
            span, direction = (at, m.end()), sign
        else:
            continue
        if not direction or not plain(span[0]) or not _is_count(text, start, m):
            continue
        if _NOT_A_COUNT_AFTER.match(text, span[1]):
            continue  # 'two additional months'
        n = m.group(0)
        yield _Stated(
            *span, delta=direction * _count(n), in_words=not n[0].isdigit(),
            by=kind == "by" and after is None,
        )  # fmt: skip


def _noun_after(text: str) -> str:
    """The few words naming what a count counts ('radio sets' in '... additional radio sets to
    Line 002'), up to the next small word."""
    words, at = [], 0
    while len(words) < 4 and (m := _NOUN_WORDS.match(text, at)):
        if m.group(1).lower() in _NOT_NOUN:
            break
        words.append(m.group(1))
        at = m.end()
    return " ".join(words)


def _item_stems(text: str) -> set[str]:
    """The words of `text` that may name an item, singular ('radios' -> 'radio')."""
    words = re.findall(r"[a-z][a-z0-9/-]*", text.lower())
    return {
        w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words if w not in _NOT_ITEM_WORD
    }


def _speaks_of(piece: str, line: Line) -> bool:
    """Whether a piece of a purpose names the item of `line` (a word of its description or
    nomenclature)."""
    names = " ".join(filter(None, [line.description, line.nomenclature, line.nomenclature_plural]))
    return bool(_item_stems(piece) & _item_stems(names))


def _quantities(change: Any) -> tuple[Decimal, Decimal]:
    """A line's quantity before and after (0 where it is not on the document)."""
    old = change.previous.quantity if change.previous is not None else Decimal(0)
    new = change.revised.quantity if change.revised is not None else Decimal(0)
    return old, new


def _quantity_move(change: Any, kind: str) -> str:
    """What a document does to a line's quantity, in words."""
    old, new = _quantities(change)
    if change.added:
        return f"is new on this {kind}, with a quantity of {quantity(new)}"
    if change.deleted:
        return f"is deleted (its quantity was {quantity(old)})"
    if old == new:
        return f"stays at {quantity(old)}"
    sign = "+" if new > old else "-"
    return f"goes from {quantity(old)} to {quantity(new)} ({sign}{quantity(abs(new - old))})"


def _contradicts(stated: _Stated, change: Any) -> bool:
    """Whether what a purpose states of a line's quantity is not what the line does (and is
    surely of its quantity: a line whose quantity stays is read only when it counts items,
    'from A to B' then only from its quantity, and 'by N' not at all, as N may be dollars)."""
    old, new = _quantities(change)
    before, after = change.previous, change.revised
    if before is not None and after is not None:  # its value or unit cost, without the '$'?
        money = ((before.total, after.total), (before.unit_cost, after.unit_cost))
        if stated.old is not None and (stated.old, stated.new) in money:
            return False
        if stated.old is None and stated.new in {b for _, b in money}:
            return False
        if stated.by and stated.delta in {b - a for a, b in money}:
            return False
    if stated.delta is None and stated.old is None:  # 'to B'
        return new != stated.new and (old != new or counts_items(change.line))
    if stated.old is not None:
        if old == new and (stated.old != old or not counts_items(change.line)):
            return False
        return (stated.old, stated.new) != (old, new)
    if old == new and (stated.by or not counts_items(change.line)):
        return False
    return new - old != stated.delta


@rule(
    "QC-PURPOSE-QUANTITY",
    "warning",
    "The quantities the description states are the quantities the lines change by",
    "Section C6.7 (state plainly the purpose); LOA Standardization Guide 1",
)
def purpose_quantity(ctx: Context) -> Iterator[Hit]:
    if ctx.kind == "Basic":
        return
    purpose = ctx.case.document.purpose
    # line numbers ('Line 002', 'Lines 004-006') hidden, offsets kept: never read as counts
    masked = _LINE_RUN.sub(lambda m: "#" * len(m.group(0)), purpose)
    counts = list(_COUNT.finditer(masked))
    if not counts:
        return
    # the pieces, each one statement: a sentence or clause, from a verb, from 'and' a count or
    # 'and' a line with its own count; what each piece starts with: a verb, a join or neither
    cuts: dict[int, str] = {0: "", len(masked): ""}
    for c in counts:
        joined = _JOINED_BEFORE.search(masked, 0, c.start())
        if joined and joined.group(1).lower() not in _SCALE_WORD:
            cuts[joined.start(2)] = "and"
    refs = list(_LINE_RUN.finditer(purpose))
    for k, (one, two) in enumerate(zip(refs, refs[1:], strict=False)):
        joined = _JOINED_LINE.search(masked, one.end(), two.start())
        if joined is None:
            continue
        after = refs[k + 2].start() if k + 2 < len(refs) else len(masked)
        if rest := _CLAUSE_END.search(masked, two.end(), after):
            after = rest.start()
        if any(one.end() <= c.start() < joined.start() for c in counts) and any(
            two.end() <= c.start() < after for c in counts
        ):
            cuts[joined.start()] = "and"
    cuts.update(
        (m.start(), m.group(0).lower())
        for m in _VERB_LIKE.finditer(masked)
        if m.group(0).lower() in _COUNT_VERBS
    )
    cuts.update((m.start(), "") for m in _CLAUSE_END.finditer(masked))
    changes = ctx.document.changes
    named_anywhere = set(_lines_named(purpose))
    moved = [c for c in changes.lines if c.added or c.quantity_up or c.quantity_down]
    only = moved[0] if len(moved) == 1 else None
    # the statements: a piece and the pieces joined to it by 'and' or a comma, with their verb
    statements: list[list[tuple[int, int, str]]] = []
    ordered, verb = sorted(cuts), ""
    for start, end in zip(ordered, ordered[1:], strict=False):
        if cuts[start] == "and" and statements:
            statements[-1].append((start, end, verb))
        else:
            verb = cuts[start]
            statements.append([(start, end, verb)])
    for pieces in statements:
        named_in = [_lines_named(purpose[start:end]) for start, end, _ in pieces]
        several = [named for named in named_in if named]
        if len(several) == 1 and len(several[0]) > 1:  # 'Lines 002 and 003 from 6 to 8'
            for stated, change, end in _said_of_lines(
                purpose, masked, counts, pieces, several[0], changes
            ):
                yield _quantity_hit(purpose, stated, end, change, "", ctx.kind)
            continue
        for (start, end, verb), named in zip(pieces, named_in, strict=True):
            inside = [c for c in counts if start <= c.start() < end]
            for stated in _stated_counts(masked, start, inside, verb):
                if len(named) == 1:
                    change, why = changes.for_line(named[0]), ""
                elif named or only is None or only.number in named_anywhere:
                    continue  # several lines, or none the count can be tied to
                elif not (
                    _speaks_of(masked[start:end], only.line) or stated.old == _quantities(only)[0]
                ):
                    continue  # the one line changed is not what the count is of
                else:
                    change, why = only, ", the only line whose quantity changes,"
                if change is not None and _contradicts(stated, change):
                    yield _quantity_hit(purpose, stated, end, change, why, ctx.kind)


def _lines_named(text: str) -> list[str]:
    """The line numbers `text` names, in its order ('Lines 002 through 004' -> 002, 003, 004)."""
    named: list[str] = []
    for run in _LINE_RUN.finditer(text):
        for m in _LINE_RUN_NUMBERS.finditer(run.group(1)):
            first, last = int(m.group(1)), int(m.group(2) or m.group(1))
            for n in range(first, min(last, first + 999) + 1):
                if f"{n:03d}" not in named:
                    named.append(f"{n:03d}")
    return named


def _said_of_lines(
    purpose: str, text: str, counts: list[re.Match[str]], pieces: list[tuple[int, int, str]],
    lines: list[str], changes: Any,
) -> Iterator[tuple[_Stated, Any, int]]:  # fmt: skip
    """What one statement naming several `lines` (in `purpose`, `text` when masked, made of
    `pieces`) says of each, with the line's change and where the statement ends, when it can be
    told: as many counts as lines, in their order ('Lines 002 and 003 from 200 to 240 and 6 to
    8, respectively'); or one count for them all, 'from A to B' or 'to B' (unless it is their
    total) or, said of each, 'by N', 'adds N' ('by 10 each', 'adds 10 to each of Lines 002 and
    003'). Anything else is not read."""
    begin, end = pieces[0][0], pieces[-1][1]
    runs = list(_LINE_RUN.finditer(purpose, begin, end))
    verb = pieces[0][2]
    if not verb and (subject := _SUBJECT_VERB.match(text, runs[-1].end())):
        verb = third_person(subject.group(1).lower())  # 'Lines 002 and 003 increase by 10'
    said: list[_Stated] = []
    for start, stop, _ in pieces:
        inside = [c for c in counts if start <= c.start() < stop]
        carried = ""
        if said:
            last = said[-1]
            carried = "from" if last.old is not None else "to" if last.delta is None else ""
            carried = "by" if last.by else carried
        said += _stated_counts(text, start, inside, verb, carried, since=begin)
    found = [(n, changes.for_line(n)) for n in lines]
    found = [(n, change) for n, change in found if change is not None]
    if not said or any(_is_money(stated, found) for stated in said):
        return
    if any(
        _is_count(text, begin, c) and not any(s.start <= c.start() < s.end for s in said)
        for c in counts
        if begin <= c.start() < end
    ):
        return  # a count not read: what the others are said of is in doubt
    if len(said) == len(lines):  # in order
        by_number = dict(found)
        pairs = [(stated, by_number.get(n)) for stated, n in zip(said, lines, strict=True)]
    elif len(said) == 1:
        stated = said[0]
        each = any(
            _EACH_OF.search(text, begin, run.start()) or _EACH_AFTER.match(text, run.end(), end)
            for run in runs
        ) or bool(_EACH_AFTER.match(text, stated.end, end))
        if not each:
            if stated.delta is not None:
                return  # 'by 40', 'adds 40': the lines' or each line's?
            old = sum((_quantities(change)[0] for _, change in found), Decimal(0))
            new = sum((_quantities(change)[1] for _, change in found), Decimal(0))
            if new == stated.new and stated.old in {None, old}:
                return  # their total
        pairs = [(stated, change) for _, change in found]
    else:
        return
    for stated, change in pairs:
        if change is not None and _contradicts(stated, change):
            yield stated, change, end


def _is_money(stated: _Stated, found: list[tuple[str, Any]]) -> bool:
    """Whether a count said of several lines is the value or unit cost of one of them, or their
    value together, written without the dollar sign."""
    pairs: set[tuple[Decimal, Decimal]] = set()
    together = [Decimal(0), Decimal(0)]
    for _, change in found:
        before, after = change.previous, change.revised
        if before is not None and after is not None:
            pairs |= {(before.total, after.total), (before.unit_cost, after.unit_cost)}
            together = [together[0] + before.total, together[1] + after.total]
    pairs.add((together[0], together[1]))
    if stated.old is not None:
        return (stated.old, stated.new) in pairs
    if stated.delta is None:
        return stated.new in {b for _, b in pairs}
    return stated.by and stated.delta in {b - a for a, b in pairs}


def _quantity_hit(purpose: str, stated: _Stated, end: int, change: Any, why: str, kind: str) -> Hit:
    """The finding: what the purpose says (up to `end`, where its statement ends) and what the
    line does."""
    noun = _noun_after(purpose[stated.end : end])
    digits = ""
    if stated.in_words and stated.delta is not None:
        digits = f" ({'+' if stated.delta > 0 else '-'}{quantity(abs(stated.delta))})"
    elif stated.in_words and stated.old is not None:
        digits = f" ({quantity(stated.old)} to {quantity(stated.new)})"
    elif stated.in_words:
        digits = f" ({quantity(stated.new)})"
    return Hit(
        "document.purpose",
        f"the purpose says {purpose[stated.start : stated.end]!r}"
        f"{' ' + noun if noun else ''}{digits}, but Line {change.number}{why} "
        f"{_quantity_move(change, kind)}: correct the purpose or the line's quantity",
    )


_NOTE_SUBJECT = re.compile(
    r"\s*(?:(?:this|the)\s+line|line\s+(?P<own>\d{3}[a-z]?))\s+", re.IGNORECASE
)
"""What a sentence of a line note starts with when it speaks of the line itself: 'This line',
'The line', 'Line 007' (its own number)."""
_NOTE_TOTAL = re.compile(
    r"(?:provides(?:\s+for)?|procures|buys|funds|covers|is\s+for)\s+(?:a\s+total\s+of\s+)?",
    re.IGNORECASE,
)
"""After the subject, the plain words that state what the line holds: 'This line provides for
two C-130J aircraft' (its total)."""
_NOTE_VERB = re.compile(r"([a-z]+s)\b", re.IGNORECASE)
_DIGITS = re.compile(_DIGIT_COUNT)
_LETTERS = re.compile(r"[a-z]+")
_NOTE_WORDS = frozenset([*_NUMBER_WORD, *_SCALE_WORD])


def _note_sentences(note: str, masked: str) -> Iterator[tuple[str, int, int]]:
    """The sentences of a line note (`masked`: with the lines it names hidden) that speak of a
    line ('This line ...', 'Line 007 ...'), each as (the number it names, '' for 'this line';
    where its verb starts; where it ends)."""
    starts = [0, *(m.end() for m in _CLAUSE_END.finditer(masked))]
    ends = [m.start() for m in _CLAUSE_END.finditer(masked)] + [len(masked)]
    for start, end in zip(starts, ends, strict=False):
        subject = _NOTE_SUBJECT.match(note, start, end)
        if subject is not None:
            yield subject.group("own") or "", subject.end(), end


def _note_total(
    masked: str, at: int, end: int, counts: list[re.Match[str]]
) -> re.Match[str] | None:
    """The count a sentence of a line note states as the line's total ('This line provides for
    two C-130J aircraft'), when it says it plainly: right after the verb, no 'additional' or
    'more' after it, and no other count in the sentence."""
    verb = _NOTE_TOTAL.match(masked, at, end)
    inside = [c for c in counts if at <= c.start() < end]
    if verb is None or len(inside) != 1 or inside[0].start() != verb.end():
        return None
    count = inside[0]
    if _ADDITIONAL_AFTER.match(masked, count.end()) or not _is_count(masked, at, count):
        return None
    return count


class _NoteCount(NamedTuple):
    """A count a line note states of its own line: its total (`total`), or a change of it
    (`change`, read as QC-PURPOSE-QUANTITY reads a purpose); `said` as the note writes it and
    `noun` the words after it; `line` the line its sentence names ('' for 'this line')."""

    line: str
    total: Decimal | None
    change: _Stated | None
    said: str
    noun: str


@recent_texts
def _note_counts(note: str) -> tuple[_NoteCount, ...]:
    """The counts a line note states in the sentences that speak of a line, sentence by
    sentence (kept for the notes read lately: a case's documents and lines repeat them)."""
    if not _NOTE_SUBJECT.search(note):
        return ()
    # other lines named ('in the configuration of Line 001') hidden, offsets kept
    masked = _LINE_RUN.sub(lambda m: "#" * len(m.group(0)), note)
    # (the numbers in words looked for only where a number word is: most notes have none, and
    # the search for them is the slow part of reading a note)
    no_words = _NOTE_WORDS.isdisjoint(_LETTERS.findall(note.lower()))
    counts = list((_DIGITS if no_words else _COUNT).finditer(masked))
    if not counts:
        return ()
    found: list[_NoteCount] = []
    for line, at, end in _note_sentences(note, masked):
        if total := _note_total(masked, at, end, counts):
            noun = _noun_after(masked[total.end() : end])
            found.append(_NoteCount(line, _count(total.group(0)), None, total.group(0), noun))
            continue
        verb = _NOTE_VERB.match(masked, at, end)
        inside = [c for c in counts if at <= c.start() < end]
        for stated in _stated_counts(masked, at, inside, verb.group(1).lower() if verb else ""):
            noun = _noun_after(masked[stated.end : end])
            found.append(_NoteCount(line, None, stated, note[stated.start : stated.end], noun))
    return tuple(found)


def _note_left_stating(path: str, ln: Line, old: Line, kind: str) -> Iterator[Hit]:
    """A note carried word for word onto a document that changes its line's quantity, read
    for one thing only: the plain total ('This line provides for two C-130J aircraft') that is
    exactly the line's quantity before this document, on a line that counts items."""
    if not counts_items(ln):
        return
    money = (ln.unit_cost, ln.total, old.unit_cost, old.total)
    for said in _note_counts(ln.line_note or ""):
        if said.line not in ("", ln.number) or said.total is None:
            continue
        if said.total == old.quantity and said.total not in money and _speaks_of(said.noun, ln):
            yield Hit(
                f"{path}.line_note",
                f"{_line(ln)}'s line note still says {said.said!r} {said.noun}, the quantity "
                f"before this {kind}; the line now has {quantity(ln.quantity)}: update the note",
            )


@rule(
    "QC-LINE-NOTE-QUANTITY",
    "warning",
    "The quantity a line note states is the line's",
    "Appendix 6, Line Item Description; Section C6.7 (state plainly the purpose)",
)
def line_note_quantity(ctx: Context) -> Iterator[Hit]:
    lines = ctx.lines_with.line_note
    if not lines:
        return
    changes = {c.number: c for c in ctx.document.changes.lines}
    basic = ctx.kind == "Basic"
    before = {} if ctx.previous is None else {ln.number: ln for ln in ctx.previous.lines}
    for path, ln in lines:
        change = changes.get(ln.number)
        if change is None:
            continue
        old = before.get(ln.number)
        carried = old is not None and old.line_note == ln.line_note
        # the note is read on the Basic, and later where it is written for this document: the
        # line is new, or its note changes (a note carried as it was may speak of the line as
        # an earlier document left it); what it says of the line's change, where the line's
        # quantity changes too
        if not (basic or change.added or (old is not None and not carried)):
            if carried and (change.quantity_up or change.quantity_down):
                yield from _note_left_stating(path, ln, old, ctx.kind)
            continue
        moved = not basic and (change.added or change.quantity_up or change.quantity_down)
        items = counts_items(ln)
        if not (moved or items):
            continue  # a total is read of items counted only, a change of a line that changes
        for said in _note_counts(ln.line_note or ""):
            if said.line not in ("", ln.number):
                continue  # of another line
            if said.total is not None:
                if (
                    items
                    and said.total != ln.quantity
                    and said.total not in (ln.unit_cost, ln.total)
                    and _speaks_of(said.noun, ln)
                ):
                    yield Hit(
                        f"{path}.line_note",
                        f"{_line(ln)}'s line note says it provides for {said.said} "
                        f"{said.noun}, but its quantity is {quantity(ln.quantity)}: which is "
                        "right? Correct the line note or the line's quantity",
                    )
            elif moved and said.change is not None and _contradicts(said.change, change):
                yield Hit(
                    f"{path}.line_note",
                    f"{_line(ln)}'s line note says {said.said!r}"
                    f"{' ' + said.noun if said.noun else ''}, but the line "
                    f"{_quantity_move(change, ctx.kind)}: which is right? Correct the line note "
                    "or the line's quantity",
                )


@rule(
    "QC-SCOPE-OLD-RATE",
    "error",
    "Scope increases on an Amendment go on a new line at the current surcharge rate",
    "Section C5.4.3, Table C6.T7",
)
def scope_old_rate(ctx: Context) -> Iterator[Hit]:
    oed = ctx.case.document.offer_expiration_date
    if ctx.kind != "Amendment" or oed is None or exemption(ctx.case, oed, ctx.ref):
        return
    current = rate_on(oed, ctx.ref)
    for change in ctx.document.changes.scope_lines:
        if change.added:
            continue
        cost = ctx.document.costs.line(change.number)
        if cost is None or cost.surcharge_rate == current:
            continue
        if cost.exemption is not None:
            continue  # waived or exempt (NSPO, reciprocal training, SCML): 0% is no old rate
        yield Hit(
            ctx.line_path(change.number),
            f"Line {change.number} ({' and '.join(change.scope_reasons)}) carries the old "
            f"administrative surcharge rate {cost.surcharge_rate * 100:.1f}%; put the increase on "
            f"a new line at the current rate {current * 100:.1f}%",
        )


# == rules: surcharge waivers, charges and BPC funding (Appendix 6 notes) ========================

# The Small Case Management Line: cases accepted from 1 August 2006 (DSCA 06-47) to 2 July 2012.
SCML_FROM, SCML_UNTIL = date(2006, 8, 1), date(2012, 7, 2)
# Title 10 BPC cases with no CWD approval date: when the Basic's offer expiration date, which
# stands for it, falls this many days or fewer after the indirect charges date, the case may
# have been approved before that date (an offer expires some weeks or months after approval).
APPROVAL_PROXY_DAYS = 180
# Title 10 BPC programs funded from this fiscal year on may be developed in the DSAMS BPC module.
BPC_MODULE_FROM_FY = 2025
_PSC_PROGRAMS = {
    "snap": "the Simplified Non-Standard Acquisition Program (SNAP)",
    "crr": "Commercial Repair and Return (CR&R)",
    "other": "another Army program",
}
_WAIVER_NAMES = {
    "nato_awacs": "NATO AWACS",
    "nspo": "NSPO",
    "reciprocal_training": "reciprocal training agreement",
}


def _missing_line(ctx: Context, number: str) -> str | None:
    """Why Line `number` cannot be named here ('was deleted by this ...', 'is not on this
    document'), or None when it is on the document."""
    if ctx.line_path(number):
        return None
    if number in {c.number for c in ctx.document.changes.deleted}:
        return f"was deleted by this {ctx.kind}"
    return "is not on this document"


def _approval_given(ctx: Context) -> bool:
    """The case gives the date DSCA approved the Basic for offer (else `LoaDocument.cwd_approval`
    is the Basic's offer expiration date, standing for it)."""
    basic = ctx.document.files[0].case.document
    return bool(basic.cwd_approval_date or ctx.case.document.cwd_approval_date)


def _approval(ctx: Context, day: date) -> str:
    """How the approval date `day` was found, in words: 'approved for offer on <day>' or
    'the Basic's offer expiration date, <day>, standing for its approval'."""
    if _approval_given(ctx):
        return f"approved for offer on {spell_date(day)}"
    return f"the Basic's offer expiration date, {spell_date(day)}, standing for its approval"


def _title(ctx: Context) -> int:
    """10 or 22: the Title of a BPC case's funds (0 on FMS cases, or when not known)."""
    return bpc_program_of(ctx.document).title if ctx.is_bpc else 0


@rule(
    "QC-WAIVER-AWACS-COUNTRY",
    "error",
    "The NATO AWACS surcharge waiver is only for the NATO AWACS program (country codes N1, W1)",
    "Appendix 6, Administrative Surcharge Waiver - NATO AWACS; Section C9.6.1",
)
def waiver_awacs_country(ctx: Context) -> Iterator[Hit]:
    waiver = ctx.case.admin_surcharge_waiver
    awacs = awacs_countries(ctx.ref)
    if waiver is None or waiver.kind != "nato_awacs" or ctx.case.country_code in awacs:
        return
    yield Hit(
        "admin_surcharge_waiver.kind",
        f"the NATO AWACS waiver is only for the NATO AWACS program (country code "
        f"{' or '.join(sorted(awacs))}), and this case is for {_country_label(ctx)}; as it "
        "stands the surcharge of every line is dropped: remove admin_surcharge_waiver, or give "
        "the waiver that applies (nspo or reciprocal_training)",
    )


@rule(
    "QC-WAIVER-BPC",
    "error",
    "No administrative surcharge waiver on BPC cases (the waiver notes are for FMS cases)",
    "Appendix 6, Administrative Surcharge Waiver notes; Section C9.6.1",
)
def waiver_bpc(ctx: Context) -> Iterator[Hit]:
    waiver = ctx.case.admin_surcharge_waiver
    if waiver is None or not ctx.is_bpc:
        return
    yield Hit(
        "admin_surcharge_waiver",
        f"a BPC case has no administrative surcharge waiver: the {_WAIVER_NAMES[waiver.kind]} "
        "waiver and its note are for FMS cases only; remove admin_surcharge_waiver",
    )


@rule(
    "QC-WAIVER-RTA-LINES",
    "error",
    "A reciprocal training waiver names training lines of the document",
    "Appendix 6, Administrative Surcharge Waiver - Reciprocal Training Agreement; Table C10.T15",
)
def waiver_rta_lines(ctx: Context) -> Iterator[Hit]:
    waiver = ctx.case.admin_surcharge_waiver
    if waiver is None or waiver.kind != "reciprocal_training":
        return
    # An empty `lines` never gets here: the case model refuses a reciprocal training waiver
    # without lines when the file is loaded.
    for i, number in enumerate(waiver.lines):
        path = f"admin_surcharge_waiver.lines[{i}]"
        why = _missing_line(ctx, number)
        ln = ctx.case.line(number)
        if why is not None:
            yield Hit(
                path,
                f"the reciprocal training waiver names Line {number}, which {why}: name the "
                "training lines whose surcharges the agreement waives",
            )
        elif ln is not None and ln.kind != "training":
            yield Hit(
                path,
                f"the reciprocal training waiver names {_line(ln)}, a {ln.kind} line: the "
                "agreement waives the surcharges of training only; name training lines, or "
                "correct the line's kind",
            )


@rule(
    "QC-WAIVER-AMOUNT",
    "warning",
    "A reciprocal training waiver's amount covers at least the surcharges it waives on the lines",
    "Appendix 6, Administrative Surcharge Waiver - Reciprocal Training Agreement; Table C9.T4",
)
def waiver_amount(ctx: Context) -> Iterator[Hit]:
    # The note prints `amount` as all the waiver spares: the administrative surcharges of the
    # training lines, with their indirect costs and trainee billeting (which the cost summary
    # does not hold). It is at least the surcharges the lines would bear now; an amount below
    # them was most often written for an earlier document, before a line grew.
    waiver = ctx.case.admin_surcharge_waiver
    if waiver is None or waiver.kind != "reciprocal_training" or waiver.amount is None:
        return
    costs = ctx.document.costs
    if waiver.amount >= costs.surcharge_waived:
        return
    lines = [c for c in costs.lines if c.surcharge_waived > 0]
    # each line's rate in force when it was written, as the cost summary charges it
    in_force = [rate_on(c.surcharge_date, ctx.ref) for c in lines]
    # the surcharges to the cent, before the cost summary rounds each line's to whole
    # dollars: an amount worked out from the line values is not less than them
    exact = sum((c.total * rate for c, rate in zip(lines, in_force, strict=True)), Decimal(0))
    waived = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if waiver.amount >= waived:
        return
    rates = " and ".join(dict.fromkeys(f"{rate * 100:.1f}%" for rate in in_force))
    given, noun = money(waiver.amount), document_noun(ctx.case)
    yield Hit(
        "admin_surcharge_waiver.amount",
        f"the reciprocal training waiver gives amount {given}, less than the administrative "
        f"surcharges alone that it waives on {line_refs([c.number for c in lines])} as this "
        f"{noun} stands ({money(waived)}, {rates} of the line value), and the note prints "
        f"{given} as all that is waived: give in amount the surcharges, indirect costs and "
        "trainee billeting charges waived now (a document that raises a training line's "
        "quantity or price raises them too)",
    )


@rule(
    "QC-SCML-ONE",
    "error",
    "A case has at most one Small Case Management Line",
    "Appendix 6, Small Case Management Line (SCML); DSCA 06-47",
)
def scml_one(ctx: Context) -> Iterator[Hit]:
    scml = ctx.lines_with.scml
    if len(scml) < 2:
        return
    first = scml[0][1]
    for path, ln in scml[1:]:
        yield Hit(
            f"{path}.scml",
            f"{_line(ln)} and {_line(first)} are both marked scml: a case has one Small Case "
            "Management Line; keep scml on one line only",
        )


@rule(
    "QC-SCML-DATE",
    "warning",
    "The Small Case Management Line is for cases accepted from 1 August 2006 to 2 July 2012",
    "Appendix 6, Small Case Management Line (SCML); DSCA 06-47",
)
def scml_date(ctx: Context) -> Iterator[Hit]:
    scml = next(iter(ctx.lines_with.scml), None)
    implemented = ctx.document.implementation_date
    day = implemented or ctx.document.cwd_approval
    if scml is None or day is None or SCML_FROM <= day <= SCML_UNTIL:
        return
    path, ln = scml
    when = (
        f"the case was implemented on {spell_date(day)}"
        if implemented
        else f"the case is not implemented yet ({_approval(ctx, day)})"
    )
    yield Hit(
        f"{path}.scml",
        f"{_line(ln)} is marked as the Small Case Management Line, but {when}: only cases "
        f"accepted from {spell_date(SCML_FROM)} to {spell_date(SCML_UNTIL)} have one (the SCML "
        "note is printed only for them, and the line bears no administrative surcharge); remove "
        "scml from the line, or correct the case's dates",
    )


# What the Small Case Management Line recovers at least, with the surcharge on the other lines.
SCML_MINIMUM = Decimal(15000)


@rule(
    "QC-SCML-VALUE",
    "warning",
    "The Small Case Management Line holds no more than $15,000 less the administrative surcharge "
    "on the other lines",
    "Appendix 6, Small Case Management Line (SCML); DSCA 06-47",
)
def scml_value(ctx: Context) -> Iterator[Hit]:
    """The SCML makes up the difference between the surcharge on the other lines and $15,000
    (its note says so): it goes down as that surcharge grows, to $0 once it passes $15,000."""
    scml = next(iter(ctx.lines_with.scml), None)
    if scml is None:
        return
    path, ln = scml
    costs = ctx.document.costs
    cost = costs.line(ln.number)
    if cost is None:
        return
    surcharge = costs.administrative_charge
    most = max(SCML_MINIMUM - surcharge, Decimal(0))
    if cost.total > most:
        yield Hit(
            f"{path}.unit_cost",
            f"{_line(ln)}, the Small Case Management Line, holds {money(cost.total)}, but the "
            f"administrative surcharge on the other lines is {money(surcharge)}: the line "
            f"makes up only what that surcharge lacks of {money(SCML_MINIMUM)}, so it should "
            f"hold at most {money(most)}",
        )


@rule(
    "QC-PSC-ARMY",
    "warning",
    "An Army Program Support Charge is on Army (Implementing Agency B) cases",
    "Appendix 6, Army Program Support Charge; Section C9.18",
)
def psc_army(ctx: Context) -> Iterator[Hit]:
    ia = ctx.case.ia_code
    if ia == "B":
        return
    agency = ctx.ref.implementing_agencies.get(ia)
    for path, ln in ctx.lines_with.program_support_charge:
        if ln.program_support_charge is None:
            continue
        yield Hit(
            f"{path}.program_support_charge",
            f"{_line(ln)} bears an Army Program Support Charge for "
            f"{_PSC_PROGRAMS[ln.program_support_charge]}, but the case's Implementing Agency is "
            f"{ia}{f' ({agency})' if agency else ''}, not the Army (B): check the line, or the "
            f"Implementing Agency letter of the case identifier {ctx.case.case_id}",
        )


@rule(
    "QC-NC-WAIVER-REQUESTED",
    "error",
    "A nonrecurring cost waiver under review goes with a nonrecurring cost in the price",
    "Appendix 6, Nonrecurring Costs - Waiver Under Review; Section C9.4.5",
)
def nc_waiver_requested(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.nonrecurring_cost:
        nc = ln.nonrecurring_cost
        if nc is None or nc.waiver_requested is None or nc.amount > 0:
            continue
        yield Hit(
            f"{path}.nonrecurring_cost.amount",
            f"{_line(ln)} has a nonrecurring cost waiver under review, but its nonrecurring cost "
            f"is {money(nc.amount)}: the waiver note tells the {ctx.party} the charge is in the "
            "price while DSCA reviews the request; give the nonrecurring cost amount, or remove "
            "waiver_requested",
        )


@rule(
    "QC-BPC-INDIRECT-ACCESSORIAL",
    "error",
    "Title 10 BPC cases developed from 14 August 2020 bear indirect charges, not accessorial "
    "charges",
    "Appendix 6, Indirect Charges - Title 10 Building Partner Capacity (BPC); Chapter 15",
)
def bpc_indirect_accessorial(ctx: Context) -> Iterator[Hit]:
    if not bpc_indirect_charges(ctx.document):
        return
    start = limits()["bpc_indirect_charges_from"]
    when = _approval(ctx, ctx.document.cwd_approval)
    acc = ctx.case.accessorial
    for field, label, amount in (
        ("packing_crating_handling", "packing, crating and handling", acc.packing_crating_handling),
        ("transportation", "transportation", acc.transportation),
    ):
        if amount > 0:
            yield Hit(
                f"accessorial.{field}",
                f"the case charges {label} of {money(amount)}, but it is a Title 10 BPC case "
                f"({when}): Title 10 BPC cases approved on or after {spell_date(start)} bear "
                "indirect charges instead of accessorial charges (the indirect charges note "
                f"says so, and the accessorial charges note is left off); set "
                f"accessorial.{field} to 0",
            )


@rule(
    "QC-ACCESSORIAL-LINES",
    "error",
    "The lines accessorial charges fall on are lines of the document",
    "Appendix 6, Accessorial Charges; Section C9.5",
)
def accessorial_lines(ctx: Context) -> Iterator[Hit]:
    acc = ctx.case.accessorial
    for field, label in (
        ("pch_lines", "packing, crating and handling"),
        ("transportation_lines", "transportation"),
        ("lookup_table_lines", "the transportation look-up table"),
    ):
        for i, number in enumerate(getattr(acc, field) or ()):
            why = _missing_line(ctx, number)
            if why is not None:
                yield Hit(
                    f"accessorial.{field}[{i}]",
                    f"accessorial.{field} names Line {number} for {label}, and Line {number} "
                    f"{why}: the accessorial charges note would name it; remove it from the list",
                )


# The kinds of line that are packed and shipped: the accessorial charges fall on them unless
# the case names other lines (`accessorial.pch_lines`, `transportation_lines`), as the
# Accessorial Charges note reads them.
_SHIPPED_KINDS = ("materiel", "publications")

# Delivery Term Code 4, delivery at origin: the Purchaser's freight forwarder moves the items
# and pays for it (MILSTRIP AP2.5); under every other code DoD moves them some way at the
# Purchaser's expense, which the LOA charges as transportation (SAMM C7.12.1).
_PURCHASER_MOVES = "4"

# (field of `accessorial`, plain name, field of its lines) for the two charges on what is shipped
_SHIPPING_CHARGES = (
    ("packing_crating_handling", "packing, crating and handling", "pch_lines"),
    ("transportation", "transportation", "transportation_lines"),
)


def _charged_lines(case: Case, lines_field: str) -> list[Line]:
    """The lines of `case` a shipping charge falls on: those the case names, else the shipped
    ones."""
    named = getattr(case.accessorial, lines_field)
    if named:
        return [ln for ln in case.lines if ln.number in set(named)]
    return [ln for ln in case.lines if ln.kind in _SHIPPED_KINDS]


@rule(
    "QC-ACCESSORIAL-DTC",
    "warning",
    "Lines that DoD delivers (a Delivery Term Code other than 4) bear a transportation charge",
    "Section C7.12.1; Appendix 6, Accessorial Charges",
)
def accessorial_dtc(ctx: Context) -> Iterator[Hit]:
    """No transportation on a case whose shipped lines DoD moves: most often the charge was
    left out. It may be right (items whose price includes their transportation, such as
    Working Capital Fund stock), so the rule asks."""
    if ctx.case.accessorial.transportation > 0 or bpc_indirect_charges(ctx.document):
        return  # Title 10 BPC cases bear indirect charges instead (QC-BPC-INDIRECT-ACCESSORIAL)
    moved: dict[str, list[str]] = {}
    for _, ln in ctx.lines:
        code = ln.delivery_term_code
        if (
            ln.kind in _SHIPPED_KINDS
            and code
            and code != _PURCHASER_MOVES
            and (ln.total > 0 or _grant_eda(ln))
        ):
            moved.setdefault(code, []).append(ln.number)
    if not moved:
        return
    codes = "; ".join(
        f"{line_refs(numbers)}: Delivery Term Code {code} "
        f"({ctx.ref.delivery_term_codes.get(code, 'DoD moves the items')})"
        for code, numbers in sorted(moved.items())
    )
    yield Hit(
        "accessorial.transportation",
        f"the case charges no transportation, yet DoD moves the items of these lines ({codes}), "
        f"at the {ctx.party}'s expense: is a transportation charge missing? If so, give it in "
        "accessorial.transportation; if the items' price already includes their transportation, "
        f"or the {ctx.party}'s freight forwarder collects them (Delivery Term Code 4), leave it "
        "or correct the codes",
    )


@rule(
    "QC-ACCESSORIAL-NO-MATERIEL",
    "warning",
    "Packing, crating and handling and transportation are charged on a document with items to ship",
    "Section C9.5; Appendix 6, Accessorial Charges",
)
def accessorial_no_materiel(ctx: Context) -> Iterator[Hit]:
    """The accessorial charges are for what is packed and shipped: on a document without a
    materiel or publications line (and naming no lines for the charge) there is nothing they
    fall on, and the note names "the materiel of this LOA"."""
    if bpc_indirect_charges(ctx.document):
        return  # QC-BPC-INDIRECT-ACCESSORIAL says it
    acc = ctx.case.accessorial
    for field, label, lines_field in _SHIPPING_CHARGES:
        amount = getattr(acc, field)
        if amount <= 0 or getattr(acc, lines_field) or _charged_lines(ctx.case, lines_field):
            continue
        yield Hit(
            f"accessorial.{field}",
            f"the case charges {label} of {money(amount)}, yet no line of this {ctx.kind} is "
            "materiel or publications: what does the charge fall on? If a line holds items to "
            f"ship, give its kind or name it in accessorial.{lines_field}; if nothing is shipped, "
            f"set accessorial.{field} to 0",
        )


@rule(
    "QC-ACCESSORIAL-UNCHANGED",
    "warning",
    "Accessorial charges are reviewed when the lines they fall on are deleted or reduced",
    "Section C9.5; Appendix 6, Accessorial Charges",
)
def accessorial_unchanged(ctx: Context) -> Iterator[Hit]:
    """A charge written as on the previous document, when this one deletes a line it fell on
    or lowers its quantity: most often the charge was copied and not worked out again. It may
    still hold (added lines, a charge figured on the rest), so the rule asks."""
    before = ctx.previous
    if before is None or bpc_indirect_charges(ctx.document):
        return
    changes = ctx.document.changes
    for field, label, lines_field in _SHIPPING_CHARGES:
        amount = getattr(ctx.case.accessorial, field)
        if amount <= 0 or amount != getattr(before.accessorial, field):
            continue
        said = []
        for ln in _charged_lines(before, lines_field):
            change = changes.for_line(ln.number)
            if change is None:
                continue
            if change.deleted:
                said.append(f"deletes Line {ln.number}")
            elif change.quantity_down and change.revised is not None:
                said.append(
                    f"lowers the quantity of Line {ln.number} from {ln.quantity:,} to "
                    f"{change.revised.quantity:,}"
                )
        if said:
            yield Hit(
                f"accessorial.{field}",
                f"{label} stays at {money(amount)}, as on the previous document, "
                f"while this {ctx.kind} {', '.join(said[:-1])}{' and ' if len(said) > 1 else ''}"
                f"{said[-1]}, lines the charge fell on: does it still fit what is shipped? Lower "
                f"accessorial.{field} if it was figured on those items, or leave it if it still "
                "holds",
            )


@rule(
    "QC-BPC-FUND-SOURCE",
    "warning",
    "A BPC case gives its fund source (program, Title 10 or 22, fiscal year)",
    "Appendix 6, Fund Source and Availability notes; Chapter 15",
)
def bpc_fund_source(ctx: Context) -> Iterator[Hit]:
    if not ctx.is_bpc:
        return
    source = ctx.case.fund_source
    if source is None:
        yield Hit(
            "fund_source",
            "the BPC case gives no fund_source: without its program, Title 10 or 22 and fiscal "
            "year loagen prints no fund source and availability note and cannot tell whether "
            "the Title 10 BPC indirect charges replace the administrative surcharge, CAS and "
            "accessorial charges; give fund_source (program and fiscal_year at least)",
        )
        return
    program = bpc_program_of(ctx.document)
    if program.title == 0:
        why = (
            "bpc_programs.yaml gives no Title for it"
            if program.known
            else "it is not in bpc_programs.yaml"
        )
        yield Hit(
            "fund_source.program",
            f"it is not known whether fund_source.program {source.program!r} is Title 10 or "
            f"Title 22 funding ({why}), so loagen prints no fund source note and cannot decide "
            "the indirect charges; give fund_source.title (10 or 22), or ask policy staff to "
            "add the program to bpc_programs.yaml",
        )


@rule(
    "QC-BPC-SYSTEM",
    "warning",
    f"Title 10 BPC cases funded from FY{BPC_MODULE_FROM_FY} say which DSAMS module they are "
    "developed in",
    "Appendix 6, BPC notes (DSAMS case module or BPC module); Chapter 15",
)
def bpc_system(ctx: Context) -> Iterator[Hit]:
    source = ctx.case.fund_source
    if source is None or ctx.case.bpc_system is not None or _title(ctx) != 10:
        return
    years = source.fiscal_years
    if not years or years[0] < BPC_MODULE_FROM_FY:  # (the first year of multi-year funds)
        return
    year = years[0]
    yield Hit(
        "bpc_system",
        f"the case is funded in FY{year} (fund_source.fiscal_year {source.fiscal_year!r}) and "
        f"does not say whether it is developed in the DSAMS case module or the DSAMS BPC "
        f"module; Title 10 programs from FY{BPC_MODULE_FROM_FY} may be in the BPC module, "
        "whose Modifications leave out several BPC notes and which takes no fund source note. "
        "loagen reads the case module when bpc_system is absent: give bpc_system "
        "('case_module' or 'bpc_module')",
    )


@rule(
    "QC-BPC-FISCAL-YEAR",
    "warning",
    "The fiscal year of BPC funds names its year (FY26, FY2026; multi-year funds FY2025/2026)",
    "Chapter 15 (BPC fund source)",
)
def bpc_fiscal_year(ctx: Context) -> Iterator[Hit]:
    source = ctx.case.fund_source
    if source is not None and not source.fiscal_years:
        yield Hit(
            "fund_source.fiscal_year",
            f"fund_source.fiscal_year {source.fiscal_year!r} names no fiscal year: write it as "
            "FY26 or FY2026 (funds of several years: FY2025/2026). It is printed as written, "
            "but the notes and checks that depend on the year of the funds (the Indirect "
            "Charges note of FY20 and FY21 cases, the DSAMS module check) cannot read it",
        )


@rule(
    "QC-BPC-APPROVAL-DATE",
    "warning",
    "Title 10 BPC cases offered near 14 August 2020 give the date DSCA approved them for offer",
    "Appendix 6, Indirect Charges - Title 10 Building Partner Capacity (BPC)",
)
def bpc_approval_date(ctx: Context) -> Iterator[Hit]:
    if _title(ctx) != 10 or _approval_given(ctx):
        return
    start = limits()["bpc_indirect_charges_from"]
    stand_in = ctx.document.cwd_approval  # the Basic's offer expiration date
    implemented = ctx.document.implementation_date
    if stand_in is None or not start <= stand_in <= start + timedelta(days=APPROVAL_PROXY_DAYS):
        return
    if implemented is not None and implemented < start:
        return  # implemented before that date: no indirect charges whatever the approval date
    yield Hit(
        "document.cwd_approval_date",
        "the Basic gives no cwd_approval_date, so its offer expiration date "
        f"({spell_date(stand_in)}) stands for the date DSCA approved it for offer. That date is "
        f"{days_said((stand_in - start).days)} after {spell_date(start)}, from when Title 10 BPC "
        "cases "
        "bear indirect charges instead of the administrative surcharge, CAS and accessorial "
        "charges, so the case may have been approved before it. Give "
        "document.cwd_approval_date (on the Basic, or on this document when the Basic was not "
        "written with loagen) so the right charges and notes are chosen",
    )


@rule(
    "QC-SOLE-SOURCE-BPC",
    "warning",
    "A BPC sole source line names the office that approved the exception and its authority",
    "Appendix 6, Justification and Approval (J&A) for Sole Source Procurement - BPC; Section "
    "C6.3.4",
)
def sole_source_bpc(ctx: Context) -> Iterator[Hit]:
    if not ctx.is_bpc:
        return
    changes = ctx.document.changes
    for path, ln in ctx.lines_with.sole_source:
        source = ln.sole_source
        if source is None:
            continue
        change = changes.for_line(ln.number)
        previous = change.previous if change is not None and changes.has_previous else None
        if previous is not None and previous.sole_source == source:
            continue  # the note is printed when the designation is added or changed
        missing = [n for n in ("approved_by", "authority") if getattr(source, n) is None]
        if not missing:
            continue
        effects = []
        if "approved_by" in missing:
            agency = ctx.ref.implementing_agencies.get(ctx.case.ia_code, "Implementing Agency")
            effects.append(f"names the {agency} as the approver")
        if "authority" in missing:
            effects.append("cites no Department of Defense authorization")
        yield Hit(
            f"{path}.sole_source.{missing[0]}",
            f"{_line(ln)} designates {source.firm} as sole source without sole_source."
            f"{' or sole_source.'.join(missing)}: the BPC sole source note then "
            f"{' and '.join(effects)}; give the office that approved the exception "
            "(approved_by) and the authorization it used (authority)",
        )


@rule(
    "QC-FOC-DELIVERY",
    "warning",
    "Full Operational Capability data agree: the case's foc and its lines' foc_delivery",
    "Appendix 6, Estimated Delivery for Full Operational Capability Determination; Associated LOAs",
)
def foc_delivery(ctx: Context) -> Iterator[Hit]:
    foc = ctx.case.foc
    delivering = ctx.lines_with.foc_delivery
    if not ctx.is_bpc:
        if foc is not None:
            yield Hit(
                "foc",
                "Full Operational Capability (10 U.S.C. 333 or 2282) is a BPC provision and this "
                "is an FMS case: its notes are not printed; remove foc",
            )
        for path, ln in delivering:
            yield Hit(
                f"{path}.foc_delivery",
                f"{_line(ln)} gives foc_delivery on an FMS case: the estimated delivery for Full "
                "Operational Capability is a BPC note; remove it",
            )
        return
    if foc is None:
        for path, ln in delivering:
            yield Hit(
                f"{path}.foc_delivery",
                f"{_line(ln)} gives an estimated delivery for Full Operational Capability "
                "(foc_delivery) but the case gives no foc, so neither the estimated delivery "
                "note nor the associated LOAs note is printed: give foc (authority, program "
                "title, program office, major end item), or remove foc_delivery",
            )
    elif foc.authority == "333" and not delivering:
        yield Hit(
            "foc",
            "the case uses the Full Operational Capability provision of 10 U.S.C. 333 but no "
            "line gives foc_delivery, so the estimated delivery note is not printed: give "
            "foc_delivery (calendar year and quarter) on the lines whose delivery the "
            "provision covers",
        )
    elif foc.authority == "2282":
        for path, ln in delivering:
            yield Hit(
                f"{path}.foc_delivery",
                f"{_line(ln)} gives foc_delivery, but the estimated delivery note is for the "
                "Full Operational Capability provision of 10 U.S.C. 333 and foc.authority is "
                "2282: the delivery is not printed; check foc.authority",
            )


@rule(
    "QC-S333-DIRECT-FUNDED",
    "warning",
    "Direct funded equipment is given on Section 333 BPC cases that provide training",
    "Appendix 6, Programs with Direct Funded Equipment - Section 333 BPC",
)
def s333_direct_funded(ctx: Context) -> Iterator[Hit]:
    source = ctx.case.fund_source
    if source is None or source.direct_funded_equipment is None:
        return
    program = bpc_program_of(ctx.document)
    if not (ctx.is_bpc and program.name == "Section 333"):
        yield Hit(
            "fund_source.direct_funded_equipment",
            f"direct_funded_equipment is for Section 333 BPC programs, and this case's program "
            f"is {source.program!r}{'' if ctx.is_bpc else ' on an FMS case'}: the direct funded "
            "equipment note is not printed; check fund_source.program, or remove "
            "direct_funded_equipment",
        )
    elif not any(ln.kind == "training" for ln in ctx.case.lines):
        yield Hit(
            "fund_source.direct_funded_equipment",
            "direct_funded_equipment describes training on equipment bought with direct "
            "funding, but the case has no training line, so the note is not printed: give the "
            "training lines kind 'training', or remove direct_funded_equipment",
        )


@rule(
    "QC-BPC-T22-AGREEMENT",
    "warning",
    "A Title 22 BPC case names its Interagency Agreement or MOA and the obligation number",
    "Appendix 6, Fund Source and Availability - Title 22 BPC; Chapter 15",
)
def bpc_t22_agreement(ctx: Context) -> Iterator[Hit]:
    source = ctx.case.fund_source
    if source is None or _title(ctx) != 22:
        return
    if source.iaa_moa is None:
        yield Hit(
            "fund_source.iaa_moa",
            "the Title 22 case does not name the Interagency Agreement or Memorandum of "
            "Agreement its funds come under: the fund source note then speaks of it only in "
            "general words; give fund_source.iaa_moa (the document, and its amended date)",
        )
    if source.obligation_number is None:
        yield Hit(
            "fund_source.obligation_number",
            "the Title 22 case gives no obligation number, which the fund source note states: "
            "give fund_source.obligation_number",
        )


# == rules: notes and line references ===========================================================

_LINE_REF = re.compile(
    r"\bLines?\s+(\d{3}[a-z]?)(?:\s*(?:-|–|through|to)\s*(\d{3}[a-z]?))?", re.IGNORECASE
)


@rule(
    "QC-DELETED-LINE-NOTE",
    "error",
    "Notes of deleted lines are deleted with them",
    "Table AP9.T2, LOA notes, Appendix 6",
)
def deleted_line_notes(ctx: Context) -> Iterator[Hit]:
    if ctx.selection is None:
        return
    deleted: set[str] | None = None  # worked out for the first line not on the document
    for note in ctx.selection.notes:
        for number in note.lines:
            if ctx.line_path(number):
                continue  # on the document (so not deleted either)
            if deleted is None:
                deleted = {c.number for c in ctx.document.changes.deleted}
            if number in deleted and note.placement == "line":
                yield Hit(
                    "",
                    f"Line {number} is deleted but its line note {note.id} ({note.title}) is still "
                    "selected; delete the line note with the line",
                )
            else:
                yield Hit(
                    "",
                    f"note {note.id} ({note.title}) names Line {number}, which is not on this "
                    "document",
                )


@rule(
    "QC-NOTE-VERSION-MISSING",
    "warning",
    "A note the document should restate is printed in the version the case carries",
    "Table AP9.T2, LOA notes",
)
def note_version_missing(ctx: Context) -> Iterator[Hit]:
    """Also a note whose rule holds on a document dated before its first version takes
    effect: the document prints no such note, which is right for a note new in the library
    and wrong when the version the document printed was dropped from the note file."""
    if ctx.selection is None:
        return
    for decision in ctx.selection.decisions:
        if decision.first_effective:
            on = f" for {line_refs(decision.rule_lines)}" if decision.rule_lines else ""
            yield Hit(
                "",
                f"the rule of note {decision.note_id} ({decision.title}) holds{on}, but "
                "the document prints no such note: it is dated before the note's first version "
                f"in the note library takes effect "
                f"({spell_date(date.fromisoformat(decision.first_effective))}); if the note "
                "file lost a version this document printed, put that version back; if the note "
                "is new, this document rightly goes without it",
            )
        if decision.missing_version:
            yield Hit(
                "",
                f"note {decision.note_id} should be restated in version "
                f"{decision.missing_version}, which the case carries, but the note library no "
                "longer holds that text; restore it in the note file, or restate the current "
                "version on purpose in an Amendment",
            )
    yield from _unknown_notes_in_force(ctx.case.document.notes_in_force or (), ctx.selection)


LEGACY_PREFIX = "LEGACY-"
"""How a `notes_in_force` id the writer made up for a note the library does not hold begins."""


def _unknown_notes_in_force(listed: Iterable[Any], selection: Selection) -> Iterator[Hit]:
    """A `document.notes_in_force` entry naming a note the library does not hold (a typo, or a
    note renamed since): loagen cannot carry it, so the case silently loses it. Ids of the
    writer's own (LEGACY-...) are meant to be unknown to the library."""
    known = [d.note_id for d in selection.decisions]
    if not known:
        return
    ids = set(known)
    for index, entry in enumerate(listed):
        if entry.id in ids or entry.id.startswith(LEGACY_PREFIX):
            continue
        close = difflib.get_close_matches(entry.id, known, n=1, cutoff=0.75)
        hint = f"did you mean {close[0]}? " if close else ""
        yield Hit(
            f"document.notes_in_force[{index}].id",
            f"notes_in_force lists note {entry.id}, which the note library does not hold, so "
            f"the case does not carry it; {hint}write the id as the note file gives it (a note "
            f"the library does not hold gets an id of your own beginning {LEGACY_PREFIX})",
        )


@recent_texts
def _referred_lines(text: str) -> tuple[str, ...]:
    """The line numbers a line note refers to, in text order ("Lines 004 through 006": 004,
    006). The answers for the line notes read lately are kept: a case's documents mostly
    repeat them. Every reference holds three digits in a row (a line number): a text without
    them refers to no line, and is not searched (most line notes)."""
    if not _holds_digits(text, _DIGIT_RUN, _DIGIT_SHAPES[_DIGIT_RUN]):
        return ()
    return tuple(
        number
        for m in matches_from(_LINE_REF, text, "line")
        for number in filter(None, (m.group(1), m.group(2)))
    )


@rule(
    "QC-LINE-REF",
    "error",
    "Line notes refer only to lines on the document",
    "Table AP9.T2, LOA notes, Figure C5.F6",
)
def line_note_references(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.line_note:
        if not ln.line_note:
            continue
        for number in _referred_lines(ln.line_note):
            if ctx.line_path(number):
                continue  # on the document
            deleted = any(c.number == number for c in ctx.document.changes.deleted)
            what = "was deleted" if deleted else "is not on this document"
            yield Hit(
                f"{path}.line_note",
                f"the line note of {_line(ln)} refers to Line {number}, which {what}",
            )


# == rules: Excess Defense Articles =============================================================


@rule(
    "QC-EDA-SOURCE",
    "error",
    "Excess Defense Articles lines use Source Code E and give their EDA approval",
    "Appendix 8, Table AP9.T4, Excess Defense Articles",
)
def eda_source(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.eda_or_e:
        if ln.eda is not None and ln.source_code != "E":
            yield Hit(
                f"{path}.source_code",
                f"{_line(ln)} is an Excess Defense Articles line with Source Code "
                f"{ln.source_code}; EDA lines use Source Code E",
            )
        if ln.eda is None and ln.source_code == "E":
            yield Hit(
                path,
                f"{_line(ln)} has Source Code E (excess) but no 'eda' data with its approval",
            )


@rule(
    "QC-EDA-APPROVAL",
    "error",
    "EDA lines do not exceed the EDA approval",
    "Appendix 8, Table AP9.T4, Excess Defense Articles",
)
def eda_approval(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.eda:
        eda = ln.eda
        if eda is None:
            continue
        if eda.approved_quantity is not None and ln.quantity > eda.approved_quantity:
            yield Hit(
                f"{path}.quantity",
                f"{_line(ln)} offers {ln.quantity} but the EDA approval "
                f"({eda.approval_reference}) allows {eda.approved_quantity}",
            )
        if eda.approved_value is not None and ln.total > eda.approved_value:
            yield Hit(
                f"{path}.unit_cost",
                f"{_line(ln)} is worth {money(ln.total)} but the EDA approval "
                f"({eda.approval_reference}) allows {money(eda.approved_value)}",
            )


@rule(
    "QC-EDA-GRANT",
    "error",
    "Grant EDA goes to eligible countries, under the EDA Grant term of sale",
    "Appendix 8, Table C4.T2a",
)
def eda_grant(ctx: Context) -> Iterator[Hit]:
    grants = [(p, ln) for p, ln in ctx.lines_with.eda if _grant_eda(ln)]
    if _country_flag(ctx, "eda_grant") is False:  # not known: QC-EDA-GRANT-COUNTRY-UNKNOWN
        for path, ln in grants:
            yield Hit(
                f"{path}.eda.kind",
                f"{_line(ln)} is grant EDA but {_country_label(ctx)} is not eligible for grant "
                "Excess Defense Articles",
            )
    if grants and "EDA Grant" not in ctx.case.terms_of_sale:
        yield Hit(
            "terms_of_sale",
            f"{', '.join(_line(ln) for _, ln in grants)}: grant EDA needs the 'EDA Grant' "
            "term of sale",
        )
    if not grants and "EDA Grant" in ctx.case.terms_of_sale:
        i = ctx.case.terms_of_sale.index("EDA Grant")
        yield Hit(f"terms_of_sale[{i}]", "'EDA Grant' term of sale but no grant EDA line")


@rule(
    "QC-EDA-GRANT-COUNTRY-UNKNOWN",
    "warning",
    "Grant EDA: the country's eligibility is known",
    "Appendix 8, Table C4.T2a",
)
def eda_grant_country_unknown(ctx: Context) -> Iterator[Hit]:
    if _country_flag(ctx, "eda_grant") is not None:
        return
    why = _flag_unknown(ctx, "eda_grant")
    for path, ln in ctx.lines_with.eda:
        if _grant_eda(ln):
            yield Hit(
                f"{path}.eda.kind",
                f"{_line(ln)} is grant EDA, and whether {_country_label(ctx)} is eligible for "
                f"grant Excess Defense Articles is not known ({why}): confirm that the country is "
                "eligible under Foreign Assistance Act section 516 (SAMM Appendix 8, Excess "
                "Defense Articles), and ask policy staff to fill in eda_grant",
            )


@rule(
    "QC-EDA-DESCRIPTION",
    "warning",
    "An EDA case names the Excess Defense Articles in its nickname or description",
    "Appendix 8, Table AP9.T4, Excess Defense Articles",
)
def eda_description(ctx: Context) -> Iterator[Hit]:
    eda = ctx.lines_with.eda
    if ctx.previous is not None:
        # an Amendment's or Modification's description says what it does: it names the EDA
        # when it adds an EDA line, not for the EDA an earlier document transferred
        changes = ctx.document.changes
        eda = [
            (path, ln)
            for path, ln in eda
            if (change := changes.for_line(ln.number)) is not None and change.added
        ]
    if not eda:
        return
    says = re.compile(r"\bEDA\b|excess\s+defense\s+articles?", re.IGNORECASE)
    if not (says.search(ctx.case.nickname) or says.search(ctx.case.document.purpose)):
        yield Hit(
            "document.purpose",
            "the case transfers Excess Defense Articles but neither the nickname nor the "
            "description says so",
        )


# == rules: line data, months ===================================================================


@rule(
    "QC-MONTHS",
    "error",
    "Every line except Non-Specific Requirements has Months (MOS), ORC and DTC",
    "Figure C5.F6, Figure C5.F5 paragraph 2.e.",
)
def months_present(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.not_nsr:
        if not (ln.months and ln.offer_release_code and ln.delivery_term_code):
            for field, label in (
                ("months", "Months (MOS)"),
                ("offer_release_code", "Offer Release Code"),
                ("delivery_term_code", "Delivery Term Code"),
            ):
                if not getattr(ln, field):
                    yield Hit(f"{path}.{field}", f"{_line(ln)} needs its {label}")
        r = ln.month_range
        if r is not None and r[0] > r[1]:
            yield Hit(f"{path}.months", f"{_line(ln)}: first month {r[0]} is after the last {r[1]}")


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months - (1 if end.day < start.day else 0)


@rule(
    "QC-MONTHS-NEW-LINE",
    "error",
    "A line added by an Amendment starts on or after the Amendment's offer expiration date",
    "Figure C5.F5 paragraph 2.e.",
)
def months_new_line(ctx: Context) -> Iterator[Hit]:
    oed, base = ctx.case.document.offer_expiration_date, ctx.base_date
    if ctx.kind == "Basic" or oed is None or base is None:
        return
    earliest = _months_between(base, oed)
    for change in ctx.document.changes.added:
        ln = change.revised
        r = ln.month_range if ln is not None else None
        if ln is None or r is None or r[0] >= earliest:
            continue
        yield Hit(
            ctx.line_path(ln.number) + ".months",
            f"{_line(ln)} is new and starts in month {r[0]}, before the offer expiration date "
            f"{spell_date(oed)} (month {earliest} after implementation on {spell_date(base)})",
        )


# == rules: payment schedule ====================================================================


@rule(
    "QC-SCHEDULE-TOTAL",
    "error",
    "A payment schedule given by the case sums to the total estimated cost",
    "Section C9.9",
)
def schedule_total(ctx: Context) -> Iterator[Hit]:
    costs = ctx.document.costs
    if costs.schedule_source != "case":
        return
    if whole(costs.schedule_total) != whole(costs.total_estimated_cost):
        yield Hit(
            "payment_schedule",
            f"the payment schedule sums to {money(costs.schedule_total)} but the total estimated "
            f"cost is {money(costs.total_estimated_cost)} (difference "
            f"{money(abs(costs.schedule_total - costs.total_estimated_cost))})",
        )


@rule(
    "QC-SCHEDULE-NOT-REQUIRED",
    "error",
    "No payment schedule where the terms of sale require none",
    "Section C9.9",
)
def schedule_not_required(ctx: Context) -> Iterator[Hit]:
    costs = ctx.document.costs
    if costs.schedule_source != "case" or ctx.wwrs_stand_alone:  # WWRS: QC-WWRS-TERMS says it
        return
    why = no_schedule_reason(ctx.case, costs.total_estimated_cost, ctx.ref)
    if why:
        yield Hit("payment_schedule", f"the case gives a payment schedule but needs none ({why})")


@rule(
    "QC-SCHEDULE-ORDER",
    "error",
    "The rows of a payment schedule are given in the order they fall due",
    "Section C9.9; Table C9.T16",
)
def schedule_order(ctx: Context) -> Iterator[Hit]:
    """The schedule prints its rows as given, the first as the Initial Deposit (due with
    acceptance) and each row's cumulative amount after it: a row dated before the one above it
    prints a schedule whose payments go back in time. (Two rows on one day: QC-SCHEDULE-DATES
    warns.)"""
    rows = ctx.case.payment_schedule or []
    for i in range(1, len(rows)):
        row, above = rows[i], rows[i - 1]
        if row.date >= above.date:
            continue
        first = f"the {deposit_label(ctx.kind)}, " if i == 1 else ""
        yield Hit(
            f"payment_schedule[{i}].date",
            f"payment {i + 1} falls due on {spell_date(row.date)}, before payment {i} "
            f"({first}{spell_date(above.date)}) above it: the schedule prints the rows in the "
            "order given, so its dates would go back in time; give the rows in date order, the "
            f"{deposit_label(ctx.kind)} (due with acceptance) first",
        )


@rule(
    "QC-SCHEDULE-DATES",
    "warning",
    "Quarterly payments fall due on 15 March, June, September and December, one row a day",
    "Table C9.T16, Section C9.9",
)
def schedule_dates(ctx: Context) -> Iterator[Hit]:
    rows = ctx.case.payment_schedule or []
    for i, row in enumerate(rows):
        if i > 0 and row.date == rows[i - 1].date:  # earlier: QC-SCHEDULE-ORDER says it
            yield Hit(
                f"payment_schedule[{i}].date",
                f"payment {i + 1} falls due on the same day as payment {i} "
                f"({spell_date(row.date)}): the schedule prints two rows for one day; give one "
                "row with their sum, unless the two are meant to fall due on different days",
            )
        if i > 0 and not (row.date.day == 15 and row.date.month in (3, 6, 9, 12)):
            yield Hit(
                f"payment_schedule[{i}].date",
                f"payment {i + 1} falls due on {spell_date(row.date)}; quarterly payments fall "
                "due on 15 March, 15 June, 15 September or 15 December",
            )


@rule(
    "QC-SCHEDULE-DEPOSIT-DATE",
    "error",
    "The Initial Deposit of a payment schedule is due with acceptance, by the offer expiration date",
    "Section C9.11 (eSAMM); Section C9.9",
)
def schedule_deposit_date(ctx: Context) -> Iterator[Hit]:
    rows = ctx.case.payment_schedule or []
    oed = ctx.case.document.offer_expiration_date
    if not rows or oed is None or rows[0].date <= oed:
        return
    yield Hit(
        "payment_schedule[0].date",
        f"the payment schedule's first row (the {deposit_label(ctx.kind)}, {money(rows[0].amount)}) falls due on "
        f"{spell_date(rows[0].date)}, after the offer expires on {spell_date(oed)}; it is paid "
        "with acceptance, so it is due on or before the offer expiration date: date it on or "
        "before then",
    )


@rule(
    "QC-SCHEDULE-EARLIER",
    "error",
    "A payment schedule given on an Amendment makes due by its acceptance at least what the "
    "earlier documents had",
    "Section C9.9",
)
def schedule_earlier(ctx: Context) -> Iterator[Hit]:
    # What the earlier documents made due by the Amendment's offer expiration date was billed
    # before it is signed; their later rows are estimates the Amendment's schedule replaces
    # (one that takes scope away asks less in the quarters that paid for it, as the computed
    # schedule does: costs.py, module doc c and d).
    rows = ctx.case.payment_schedule or []
    before = ctx.document.previous_costs
    if ctx.kind != "Amendment" or not rows or before is None or not before.asked:
        return
    total = ctx.document.costs.total_estimated_cost
    oed = ctx.case.document.offer_expiration_date
    day = rows[0].date if oed is None or rows[0].date > oed else oed
    given = _sum(r.amount for r in rows if r.date <= day)
    earlier = min(asked_by(before.asked, day), total)
    if whole(given) < whole(earlier):
        yield Hit(
            "payment_schedule",
            f"by {spell_date(day)} the payment schedule makes {money(given)} due, "
            f"{money(earlier - given)} less than the earlier documents of the case had made "
            f"due by then ({money(earlier)}): what was asked is not taken back; move "
            f"{money(earlier - given)} into the rows due on or before {spell_date(day)}",
        )


@rule(
    "QC-SCHEDULE-STALE",
    "warning",
    "A payment schedule given on an Amendment starts at its acceptance, not before",
    "Section C9.9 (payment schedules reviewed with each Amendment)",
)
def schedule_stale(ctx: Context) -> Iterator[Hit]:
    rows = ctx.case.payment_schedule or []
    oed = ctx.case.document.offer_expiration_date
    if ctx.kind != "Amendment" or not rows or oed is None or ctx.previous is None:
        return
    before = ctx.previous.payment_schedule or []
    first = (rows[0].date, rows[0].amount)
    if rows[0].date < oed and before and first == (before[0].date, before[0].amount):
        yield Hit(
            "payment_schedule[0].date",
            f"the payment schedule starts as the previous document's did, on "
            f"{spell_date(rows[0].date)}, before this Amendment's offer expires on "
            f"{spell_date(oed)}: its first row is what its acceptance asks for; give the "
            "schedule from this Amendment's acceptance on (loagen amend copies the previous one)",
        )


@rule(
    "QC-SCHEDULE-DEPOSIT",
    "error",
    "The Initial Deposit covers nonrecurring cost that is not waived and a portion of the "
    "administrative charge",
    "Section C9.9.1.5.1; Table AP9.T1, Payment Schedule",
)
def schedule_deposit(ctx: Context) -> Iterator[Hit]:
    costs = ctx.document.costs
    if (
        costs.schedule_source != "case"
        or ctx.case.program != "FMS"
        or ctx.case.funding != "national"
    ):
        return
    nc = _sum(
        ln.nonrecurring_cost.amount
        for ln in ctx.case.lines
        if ln.nonrecurring_cost is not None and ln.nonrecurring_cost.waiver is None
    )
    # the writer's rows due with acceptance: a Basic's first; on an Amendment, those due by its
    # Amount Due with Acceptance (with what the earlier documents made due before it), as given
    # (a draft despite QC-SCHEDULE-EARLIER shows more due, `costs._given_after_earlier`)
    rows = ctx.case.payment_schedule or []
    accepted = next((r for r in costs.schedule if r.label == ACCEPTANCE_ROW), None)
    if accepted is None or accepted.date is None:
        deposit = rows[0].amount
    else:
        deposit = _sum(r.amount for r in rows if r.date <= accepted.date)
    if deposit < nc:
        yield Hit(
            "payment_schedule[0].amount",
            f"the Initial Deposit {money(deposit)} does not cover the nonrecurring "
            f"cost that is not waived ({money(nc)})",
        )
    elif costs.administrative_charge > 0 and deposit <= nc:
        yield Hit(
            "payment_schedule[0].amount",
            f"the Initial Deposit {money(deposit)} carries no part of the "
            f"{money(costs.administrative_charge)} administrative charge; it must cover a portion "
            "of it, beyond the nonrecurring cost that is not waived",
        )


# == rules: special topic areas (AP9.T4) ========================================================


@rule(
    "QC-CLASSIFIED-ITEMS",
    "error",
    "Classified items are on defined order lines and never released automatically (ORC A)",
    "Section C5.4.3.1.2, Table C5.T7, Table C7.T6",
)
def classified_items(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.items:
        if "classified" not in ln.items:
            continue
        if ctx.case.category == "blanket_order" and ln.kind != "publications":
            yield Hit(
                path,
                f"{_line(ln)} holds classified items on a blanket order case; classified items "
                "go on defined order lines (only classified publications may be on blanket order)",
            )
        if ln.offer_release_code == "A":
            yield Hit(
                f"{path}.offer_release_code",
                f"{_line(ln)} holds classified items with Offer Release Code A; classified items "
                "need a special Offer Release Code",
            )


# Delivery Term Codes under which the Purchaser's freight forwarder takes the item in the
# United States (at the depot or vendor's dock, or alongside the ship): it must be told when
# the item is ready, which Offer Release Code X (no Notice of Availability) never does.
_FORWARDER_DTCS = ("3", "4")
_SHIPPED_KINDS = ("materiel", "publications")


def _lower_first(text: str) -> str:
    """A code table's meaning as the middle of a sentence ('no Notice of Availability; ...')."""
    return text[:1].lower() + text[1:]


@rule(
    "QC-ORC-X-DTC",
    "warning",
    "Offer Release Code X (no Notice of Availability) is not used on shipped items the freight "
    "forwarder collects",
    "Table C7.T6 (Offer Release Codes), Section C7.4 (Delivery Term Codes)",
)
def orc_x_dtc(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines:
        if (
            ln.offer_release_code == "X"
            and ln.delivery_term_code in _FORWARDER_DTCS
            and ln.kind in _SHIPPED_KINDS
        ):
            orc = _lower_first(ctx.ref.offer_release_codes.get("X", ""))
            dtc = _lower_first(ctx.ref.delivery_term_codes.get(ln.delivery_term_code, ""))
            yield Hit(
                f"{path}.offer_release_code",
                f"{_line(ln)} ships {ln.kind} with Offer Release Code X ({orc}) and Delivery "
                f"Term Code {ln.delivery_term_code} ({dtc}): the freight forwarder is never told "
                "the item is ready. Give the line Offer Release Code Y or Z (a Notice of "
                "Availability is sent), or Delivery Term Code 2 if DoD moves it",
            )


@rule(
    "QC-COMSEC-EEUM",
    "error",
    "COMSEC equipment is on Enhanced End Use Monitoring lines",
    "Section C8.4.1.4",
)
def comsec_eeum(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.items:
        if "comsec" in ln.items and "eeum" not in ln.items:
            yield Hit(
                f"{path}.items",
                f"{_line(ln)} holds COMSEC equipment but is not an Enhanced End Use Monitoring "
                "(eeum) line",
            )


@rule(
    "QC-NVD-EEUM",
    "warning",
    "Night vision devices are Enhanced End Use Monitoring items",
    "Table C8.T4",
)
def nvd_eeum(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines_with.items:
        if "nvd" in ln.items and "eeum" not in ln.items:
            yield Hit(
                f"{path}.items",
                f"{_line(ln)} holds night vision devices but is not marked Enhanced End Use "
                "Monitoring (eeum)",
            )


# What a materiel line's description plainly names, for the item traits whose notes are
# mandatory (`Line.items`): each trait with the words that name its items and the words that
# name something else made for them (a launcher, a test set, lighting compatible with night
# vision goggles). Specific on purpose: "NIGHT" alone, "ROUND" without a calibre and "CHARGE"
# (money) name nothing; missiles, rockets and bombs are left to the writer (whether a note
# calls them ammunition or explosives is not stated).
_CALIBRE = r"(?:\d+(?:\.\d+)?\s*MM\b|\bCAL(?:IBER|IBRE)?\b|\.\d{2,3}\s*CAL)"
_ITEM_WORDS: dict[str, tuple[str, re.Pattern[str], re.Pattern[str]]] = {
    "ammunition": (
        "ammunition or explosives",
        re.compile(
            r"\bAMMUNITION\b|\bAMMO\b|\bEXPLOSIVES?\b(?!\s+(?:ORDNANCE|DETECT|TRACE))"
            rf"|\b(?:CARTRIDGES?|ROUNDS?|PROJECTILES?)\b(?=.*{_CALIBRE})"
            rf"|{_CALIBRE}.*\b(?:CARTRIDGES?|ROUNDS?|PROJECTILES?)\b"
            r"|\b(?:MORTAR|ARTILLERY|TANK)\s+(?:ROUNDS?|PROJECTILES?|SHELLS?)\b"
            r"|\bGRENADES?\b(?!\s*LAUNCH)|\bDETONATORS?\b|\bBLASTING\s+CAPS?\b"
            r"|\bDEMOLITION\s+(?:CHARGES?|BLOCKS?)\b|\bPROPELLANT\s+CHARGES?\b",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(?:INERT|DUMMY|DRILL|CANS?|BOX(?:ES)?|CONTAINERS?|RACKS?|TRAILERS?|LOADERS?|"
            r"HANDLING|FEEDERS?|CHUTES?|POUCH(?:ES)?|CARRIERS?|TRUCKS?|LAUNCHERS?|SIMULATORS?|"
            r"DETECT\w*|DISPOSAL|STORAGE|MAGAZINES?|TEST\s+SETS?|LINKS?|SCREENING|SCANNERS?|"
            r"FILTERS?|HYDRAULIC|CLEANING|KITS?|CASES?|TOOLS?)\b",
            re.IGNORECASE,
        ),
    ),
    "nvd": (
        "night vision devices",
        re.compile(
            r"\bNIGHT[\s-]+VISION\b|\bIMAGE[\s-]+INTENSIFIER\b|\bNV[DG]S?\b|\bANVIS\b"
            r"|\bAN/[PA]VS-\d",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(?:COMPATIBLE|LIGHTING|TEST\s+SETS?|MOUNTS?|BATTER(?:Y|IES)|SIMULATORS?|"
            r"CASES?|CLEANING|KITS?|LENS(?:ES)?|STRAPS?|POUCH(?:ES)?|TOOLS?)\b",
            re.IGNORECASE,
        ),
    ),
    "comsec": (
        "COMSEC equipment",
        re.compile(
            r"\bCOMSEC\b|\bCOMMUNICATIONS?\s+SECURITY\b|\bCRYPTOGRAPHIC\b"
            r"|\bK(?:G|IV|Y)-\d",
            re.IGNORECASE,
        ),
        re.compile(r"\b(?:SIMULATORS?|TRAINERS?)\b", re.IGNORECASE),
    ),
    "gps_saasm": (
        "GPS Precise Positioning Service (SAASM) equipment",
        re.compile(
            r"\bSAASM\b|\bPRECISE\s+POSITIONING\s+SERVICE\b|\bGPS\s*/\s*PPS\b|\bDAGR\b",
            re.IGNORECASE,
        ),
        re.compile(r"\b(?:SIMULATORS?|TRAINERS?)\b", re.IGNORECASE),
    ),
    "tow_2b": (
        "TOW-2B missiles",
        re.compile(r"\bTOW[\s-]*2B\b|\bBGM-71F\b", re.IGNORECASE),
        re.compile(r"\b(?:LAUNCHERS?|SIMULATORS?|TRAINERS?|INERT|TEST\s+SETS?)\b", re.IGNORECASE),
    ),
}


@recent_texts
def _items_named(description: str) -> tuple[str, ...]:
    """The item traits a materiel line's description plainly names (`_ITEM_WORDS`); kept for
    the descriptions read lately (a case's documents repeat their lines)."""
    return tuple(
        trait
        for trait, (_, named, other) in _ITEM_WORDS.items()
        if named.search(description) and not other.search(description)
    )


_WITH_EEUM = ("nvd", "comsec")
"""Traits of Enhanced End Use Monitoring items (QC-NVD-EEUM, QC-COMSEC-EEUM)."""


@rule(
    "QC-ITEMS-TAG",
    "warning",
    "A line whose description names ammunition, night vision devices, COMSEC, SAASM or "
    "TOW-2B items carries the item trait their notes read",
    "Appendix 6 (the notes these items call for)",
)
def items_tag(ctx: Context) -> Iterator[Hit]:
    for path, ln in ctx.lines:
        if ln.kind != "materiel":
            continue  # training on these items, or their manuals, are not the items
        for trait in _items_named(ln.description):
            if trait in ln.items:
                continue
            what = _ITEM_WORDS[trait][0]
            eeum = ["eeum"] if trait in _WITH_EEUM and "eeum" not in ln.items else []
            tagged = ", ".join([*ln.items, trait, *eeum])
            yield Hit(
                f"{path}.items",
                f"{_line(ln)} ({ln.description}) reads as {what}, but its items do not say so, "
                f"and loagen prints the notes for {what} only on lines whose items do: add "
                f"{trait} to its items (items: [{tagged}]); if the line holds no {what}, leave "
                "this warning for the reviewer",
            )


@rule(
    "QC-ITEMS-SAME-MASL",
    "warning",
    "Lines of the same MASL carry the same item traits that call for notes (ammunition, night "
    "vision devices, COMSEC, SAASM, TOW-2B)",
    "Appendix 6 (the notes these items call for)",
)
def items_same_masl(ctx: Context) -> Iterator[Hit]:
    # this document's lines and the lines in force before it (the previous snapshot: every line
    # of the case then), each with the traits of `_ITEM_WORDS` it carries, by MASL; this
    # document's first, so that a finding names a line of this document when one is tagged
    tagged: dict[str, list[tuple[Line, str, bool]]] = {}
    before = ctx.previous.lines if ctx.previous is not None else []
    for here, lines in ((True, ctx.case.lines), (False, before)):
        for ln in lines:
            for trait in ln.items:
                if trait in _ITEM_WORDS:
                    tagged.setdefault(ln.masl, []).append((ln, trait, here))
    if not tagged:
        return
    for path, ln in ctx.lines:
        others = tagged.get(ln.masl)
        if not others:
            continue
        # a trait QC-ITEMS-TAG asks about already (the description names the items) is left to it
        named = _items_named(ln.description) if ln.kind == "materiel" else ()
        said: set[str] = set()
        for other, trait, here in others:
            if trait in ln.items or trait in named or trait in said:
                continue
            said.add(trait)
            source = f"Line {other.number}"
            if not here:
                source += f" as {since_the(document_title(ctx.previous))} has it"  # type: ignore[arg-type]
            what = _ITEM_WORDS[trait][0]
            yield Hit(
                f"{path}.items",
                f"{_line(ln)} has the MASL of {source} ({ln.masl}), whose items say {trait}, "
                f"but its own items do not: does it not hold {what} too? loagen prints the "
                f"notes for {what} only on lines whose items say so: add {trait} to its items "
                f"(items: [{', '.join([*ln.items, trait])}]); if the line holds none, leave this "
                "warning for the reviewer",
            )


@rule(
    "QC-CLSSA",
    "error",
    "CLSSA cases use their own Type of Assistance codes and terms of sale",
    "Section C5.4.3.3, Table C9.T11",
)
def clssa(ctx: Context) -> Iterator[Hit]:
    wanted = {"clssa_fmso_i": "U", "clssa_fmso_ii": "V"}.get(ctx.case.category)
    if wanted is None:
        # U and V are the CLSSA cases' own codes (AP9.T4; MILSTRIP AP2.19): not for other lines
        for path, ln in ctx.lines:
            if ln.type_of_assistance in ("U", "V"):
                label = "FMSO I" if ln.type_of_assistance == "U" else "FMSO II"
                yield Hit(
                    f"{path}.type_of_assistance",
                    f"{_line(ln)} has Type of Assistance {ln.type_of_assistance}, the code of "
                    f"CLSSA {label} lines, and this case is not a CLSSA {label} case (category "
                    f"{ctx.case.category}): give the line the code of its term of sale and "
                    "Source Code (for a cash sale 3 from stock, 5 from procurement, 4 mixed), "
                    f"or set category to clssa_fmso_{'i' if label == 'FMSO I' else 'ii'}",
                )
        return
    label = "FMSO I" if wanted == "U" else "FMSO II"
    for path, ln in ctx.lines:
        if ln.type_of_assistance != wanted:
            yield Hit(
                f"{path}.type_of_assistance",
                f"{_line(ln)} has Type of Assistance {ln.type_of_assistance}; CLSSA {label} "
                f"lines use {wanted}",
            )
    if wanted == "U" and CWA_BAB not in ctx.case.terms_of_sale:
        yield Hit("terms_of_sale", f"a CLSSA FMSO I case uses {CWA_BAB}")


@rule(
    "QC-BPC-NICKNAME",
    "error",
    "A BPC nickname has 50 characters or fewer",
    "Table C15.T3A",
)
def bpc_nickname(ctx: Context) -> Iterator[Hit]:
    if ctx.is_bpc and len(ctx.case.nickname) > 50:
        yield Hit(
            "nickname",
            f"the BPC nickname has {len(ctx.case.nickname)} characters; the limit is 50",
        )


# == rules: LOA package (AP9.T4) and congressional notification ==================================
# Thin rules over `package` (the LOA package checklist, reference/package.yaml) and
# `notification` (AECA 36(b), reference/cn36b.yaml); both work a document out once for all the
# rules below. A missing package document is a finding only when the case file keeps a
# `package` list: many offices keep the package in CTS alone, and loagen cannot see it.


def _package_findings(ctx: Context, severity: str) -> Iterator[Hit]:
    if ctx.case.package is None:  # not tracked (`Checklist.tracked`): nothing to work out
        return
    found = checklist_for(ctx.document, ctx.selection)
    for req in found.missing:
        if req.severity == severity:
            yield Hit(
                req.path,
                f"the package list has no {req.name} ({req.kind}): {req.why}; add it to "
                f"`package` when it is at hand (see {req.reference})",
            )


@rule(
    "QC-PACKAGE-APPROVAL",
    "error",
    "An approval the LOA package needs (EDA, NSA, State, Space Force, DSCA) is in the case "
    "file's package list, when the case file keeps one",
    "Table AP9.T4; Section C5.4.16.5",
)
def package_approval(ctx: Context) -> Iterator[Hit]:
    yield from _package_findings(ctx, "error")


@rule(
    "QC-PACKAGE-DOCUMENT",
    "warning",
    "A supporting document the LOA package needs (MTDS, SDAF worksheets, sole source request "
    "...) is in the case file's package list, when the case file keeps one",
    "Table AP9.T4; Section C5.4.16.5",
)
def package_document(ctx: Context) -> Iterator[Hit]:
    yield from _package_findings(ctx, "warning")
    if ctx.case.package is None:  # the notices are about package entries: there are none
        return
    for path, message in checklist_for(ctx.document, ctx.selection).notices:
        yield Hit(path, message)


@rule(
    "QC-PACKAGE-NC-MASL",
    "error",
    "The MASL on a nonrecurring cost recoupment waiver matches the line's",
    "Table AP9.T4, Nonrecurring Charges; Section C9.4.5",
)
def package_nc_masl(ctx: Context) -> Iterator[Hit]:
    for path, message in nc_masl_mismatches(ctx.document):
        yield Hit(path, message)


@rule(
    "QC-CN-36B",
    "warning",
    "A document whose values reach the AECA 36(b) thresholds records its Congressional "
    "Notification, and stays within the values notified",
    "Section C5.5.3; Table AP9.T4, 36(b) Congressional Notification",
)
def cn_36b(ctx: Context) -> Iterator[Hit]:
    yield from _notification_hits(ctx, "QC-CN-36B")


def _notification_hits(ctx: Context, rule_id: str) -> Iterator[Hit]:
    """The problems of the document's 36(b) assessment (worked out once) that `rule_id` reports."""
    for problem in problems_for(ctx.document):
        if problem.rule == rule_id:
            yield Hit(problem.path, problem.message)


@rule(
    "QC-CN-36B-OFFER",
    "error",
    "An LOA under a 36(b) notification is not offered before the review period ends "
    "(30 days; 15 for NATO, Japan, Australia, the Republic of Korea, Israel, New Zealand)",
    "Section C5.5.3; Table AP9.T4, 36(b) Congressional Notification",
)
def cn_36b_offer(ctx: Context) -> Iterator[Hit]:
    yield from _notification_hits(ctx, "QC-CN-36B-OFFER")
