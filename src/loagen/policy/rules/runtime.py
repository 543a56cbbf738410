"""What rules and note bodies see at run time: the names of one document and the helpers.

Two tables say everything a rule or a note body can use, and are read both here (to give the
values of one document) and by `shapes` (to check rules before they run):

- `DATA`: each name, the type of its value (checked against) and how to get it from the
  document;
- `HELPERS`: each helper function, what it returns, and which check its arguments get.

Adding a name or a helper is one entry in one of them (the wording helpers of note bodies come
from `document.wording.NOTE_HELPERS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date as Date
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache, partial
from itertools import compress, filterfalse
from operator import attrgetter, not_
from typing import Any, Literal

from ...case.model import Case, DocumentInfo, Line
from ...document.assembly import LoaDocument, worked_out
from ...document.costs import CostSummary
from ...document.wording import NOTE_HELPERS, party, sentence
from ...recent import recent_texts
from ...reference import load_reference
from ..in_force import NONE, CaseNotes

# -- line sets ---------------------------------------------------------------------------------


class LineSet(tuple):
    """Lines of a document, in order; true when it holds at least one line."""

    __slots__ = ()

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(ln.number for ln in self)


@dataclass(frozen=True)
class ChangeSet:
    """What a document changes, as rules see it (`changes`)."""

    has_previous: bool
    """The document has a previous one (an Amendment or a Modification)."""
    scope_changed: bool
    """Some line change widens the scope."""
    added: LineSet
    deleted: LineSet
    touched: LineSet
    increased: LineSet
    scope: LineSet


def change_set(document: LoaDocument, lines: LineSet) -> ChangeSet:
    changes = document.changes
    if not changes.has_previous:  # a Basic: every line is new
        return ChangeSet(False, False, lines, LineSet(), lines, lines, lines)
    return ChangeSet(
        has_previous=True,
        scope_changed=changes.scope_changed,
        added=LineSet(c.revised for c in changes.added),
        deleted=LineSet(c.previous for c in changes.deleted),
        touched=LineSet(c.revised for c in changes.touched if c.revised is not None),
        increased=LineSet(
            c.revised for c in changes.lines if c.revised and _increased(c, document.case.category)
        ),
        scope=LineSet(c.revised for c in changes.scope_lines if c.revised is not None),
    )


def _increased(change: Any, category: str) -> bool:
    """More of a line, as the scope of the case counts it: more quantity on a defined order
    line, more value on a blanket order line (a price change alone does not count)."""
    return change.quantity_up if category == "defined_order" else change.value_up


# -- limits (money.yaml) ----------------------------------------------------------------------


@cache
def limits() -> dict[str, Any]:
    """money.yaml with numbers as Decimal (numbers written as text too)."""

    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return Decimal(str(value))
        if isinstance(value, str):
            try:
                return Decimal(value) if re.fullmatch(r"-?\d+(\.\d+)?", value) else value
            except InvalidOperation:
                return value
        return value

    return convert(load_reference().money)


# -- the data names ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the name getters read: the document, its lines and its changes as line sets."""

    document: LoaDocument
    lines: LineSet
    changes: ChangeSet
    before: CaseNotes = NONE
    """The notes in force on the case before this document (`in_force`)."""
    memo: dict[Any, LineSet] = field(default_factory=dict, compare=False)
    """`lines_with` and `lines_with_item` results by their conditions (several notes ask the
    same)."""


@dataclass(frozen=True)
class Data:
    """A name rules and note bodies can read: the type of its value, and its value."""

    annotation: Any
    get: Callable[[Facts], Any]
    doc: str


def _kind(facts: Facts) -> str:
    return facts.document.kind


@dataclass(frozen=True)
class Country:
    """The case's country or organisation, from reference/countries.yaml (`country` in rules).
    A flag the table does not give is false."""

    code: str
    name: str
    known: bool
    """The code is in the table."""
    nato: bool
    comsec_exempt: bool
    """NATO members, Australia and New Zealand: the BPC COMSEC note does not apply."""
    dependable_undertaking: bool
    eda_grant: bool
    nato_since: Date | None = None
    """The date the country joined NATO, when the table gives it (a rule can compare it with
    `doc_date`)."""


def _country(facts: Facts) -> Country:
    case = facts.document.case
    row = load_reference().countries.get(case.country_code)
    flags = row if isinstance(row, dict) else {}
    return Country(
        code=case.country_code,
        name=str(flags.get("name") or case.country_code),
        known=row is not None,
        nato=bool(flags.get("nato")),
        comsec_exempt=bool(flags.get("comsec_exempt", flags.get("nato"))),
        dependable_undertaking=bool(flags.get("dependable_undertaking")),
        eda_grant=bool(flags.get("eda_grant")),
        nato_since=_as_date(flags.get("nato_since")),
    )


def _as_date(value: Any) -> Date | None:
    if isinstance(value, Date):
        return value
    if isinstance(value, str):
        try:
            return Date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class BpcProgram:
    """The BPC program `fund_source.program` names, from reference/bpc_programs.yaml
    (`bpc_program` in rules): its name as the table gives it, and Title 10 or 22."""

    name: str
    """The table's name ("Section 333"), or the case's own text when the table lacks it."""
    known: bool
    title: int
    """10 or 22 (`fund_source.title` when the case gives it); 0 when not known."""
    authority: str = ""
    """The statute, e.g. "10 U.S.C. 333 (Build the capacity of foreign security forces)"
    ("" when the table lacks the program)."""


def bpc_program_of(document: LoaDocument) -> BpcProgram:
    """The BPC program of a document's `fund_source` (an empty one when it has none)."""
    source = document.case.fund_source
    if source is None:
        return BpcProgram("", False, 0)
    ref = load_reference()
    found = ref.bpc_program(source.program)
    name, row = found if found else (source.program, {})
    return BpcProgram(
        name, found is not None, ref.funds_title(source), str(row.get("authority") or "")
    )


def _bpc_program(facts: Facts) -> BpcProgram:
    return bpc_program_of(facts.document)


def bpc_indirect_charges(document: LoaDocument) -> bool:
    """A Title 10 BPC case developed from money.yaml's `bpc_indirect_charges_from` (see
    `document.costs.bpc_indirect_charges`)."""
    return document.bpc_indirect_charges


DATA: dict[str, Data] = {
    "case": Data(Case, lambda f: f.document.case, "the case snapshot of this document"),
    "document": Data(DocumentInfo, lambda f: f.document.case.document, "case.document"),
    "doc": Data(DocumentInfo, lambda f: f.document.case.document, "case.document"),
    "lines": Data(LineSet, lambda f: f.lines, "every line of this document"),
    "basic": Data(Case, lambda f: f.document.files[0].case, "the Basic's snapshot"),
    "changes": Data(ChangeSet, lambda f: f.changes, "what this document changes"),
    "costs": Data(CostSummary, lambda f: f.document.costs, "the estimated cost summary"),
    "limits": Data(dict, lambda f: limits(), "the money rules of reference/money.yaml"),
    "oed": Data(Date, lambda f: f.document.latest_oed, "the latest offer expiration date"),
    "doc_date": Data(
        Date, lambda f: f.document.note_date, "the document's date (which note version it prints)"
    ),
    "cwd_approval": Data(
        Date, lambda f: f.document.cwd_approval, "the date the Basic was approved for offer"
    ),
    "added_lines": Data(LineSet, lambda f: f.changes.added, "lines this document adds"),
    "touched_lines": Data(LineSet, lambda f: f.changes.touched, "lines added or changed"),
    "deleted_lines": Data(LineSet, lambda f: f.changes.deleted, "lines deleted"),
    "is_basic": Data(bool, lambda f: _kind(f) == "Basic", "a Basic"),
    "is_amendment": Data(bool, lambda f: _kind(f) == "Amendment", "an Amendment"),
    "is_modification": Data(bool, lambda f: _kind(f) == "Modification", "a Modification"),
    "is_restated": Data(
        bool, lambda f: f.document.case.document.restated is not None, "a restated document"
    ),
    "is_implemented": Data(
        bool, lambda f: f.document.implementation_date is not None, "the case is implemented"
    ),
    "is_fms": Data(bool, lambda f: f.document.is_fms, "an FMS case"),
    "is_bpc": Data(bool, lambda f: f.document.is_bpc, "a BPC case"),
    "country": Data(Country, _country, "the case's country, from reference/countries.yaml"),
    "bpc_program": Data(BpcProgram, _bpc_program, "the BPC program of fund_source.program"),
    "bpc_indirect_charges": Data(
        bool,
        lambda f: bpc_indirect_charges(f.document),
        "a Title 10 BPC case developed from 14 August 2020: indirect charges instead of the "
        "administrative surcharge, CAS and accessorials",
    ),
    "party": Data(str, lambda f: party(f.document.case), "Purchaser or Benefitting Partner"),
    "ia_name": Data(str, lambda f: _ia_name(f.document.case), "the Implementing Agency's name"),
    "country_name": Data(str, lambda f: _country_name(f.document.case), "the country's name"),
}
"""Every data name of rules and note bodies (the `limits` table is checked by its keys)."""


def _ia_name(case: Case) -> str:
    return str(load_reference().implementing_agencies.get(case.ia_code, case.ia_code))


def _country_name(case: Case) -> str:
    row = load_reference().countries.get(case.country_code) or {}
    return str(row.get("name") or case.country_code)


# -- helpers -------------------------------------------------------------------------------------

Returns = Literal["lines", "value", "date", "list"]
Check = Literal["line_conditions", "traits", "terms", "iso_date", "grouped", "note_ids", "none"]


@dataclass(frozen=True)
class Helper:
    """A function rules and note bodies can call."""

    name: str
    returns: Returns
    check: Check
    """Which static check its arguments get (see `checker`)."""
    bind: Callable[[Facts], Callable[..., Any]]
    """Its callable for one document."""


HELPERS: dict[str, Helper] = {}


def helper(name: str, *, returns: Returns = "value", check: Check = "none", bound: bool = False):
    """Register a helper. A `bound` helper takes the document's `Facts` as first argument."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if bound:

            def bind(facts: Facts) -> Callable[..., Any]:
                # `func` with `facts` first: a partial calls it with no Python frame between
                call = partial(func, facts)
                call.rule_helper = True  # type: ignore[attr-defined]
                return call

        else:

            def bind(facts: Facts) -> Callable[..., Any]:
                return func

            func.rule_helper = True  # type: ignore[attr-defined]
        HELPERS[name] = Helper(name, returns, check, bind)
        return func

    return register


ORDER_OPS = frozenset({"gt", "ge", "lt", "le"})
CONDITION_OPS = ORDER_OPS | {"not"}


@lru_cache(maxsize=1024)
def condition_key(key: str) -> tuple[tuple[str, ...], str | None]:
    """'training__location' -> (('training', 'location'), None); 'total__gt' -> (('total',), 'gt')."""
    parts = key.split("__")
    op = parts.pop() if len(parts) > 1 and parts[-1] in CONDITION_OPS else None
    return tuple(parts), op


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def _reader(parts: tuple[str, ...]) -> Callable[[Line], Any]:
    """A function reading the field `parts` names on a line (None past a field that is None)."""
    if len(parts) == 1:  # a field of the line itself (a line is never None): read in C
        return attrgetter(parts[0])

    def value(line: Line) -> Any:
        actual: Any = line
        for part in parts:
            if actual is None:
                return None
            actual = getattr(actual, part)
        return actual

    return value


@lru_cache(maxsize=4096)
def matcher(key: str, expected: Any) -> Callable[[Line], bool]:
    """A function telling whether a line meets the condition `key=expected` of `lines_with`
    (made once per condition, not once per line)."""
    parts, op = condition_key(key)
    value = _reader(parts)

    if op in ORDER_OPS:
        bound = Decimal(str(expected))
        compare = {"gt": bound.__lt__, "ge": bound.__le__, "lt": bound.__gt__, "le": bound.__ge__}[
            op
        ]

        def ordered(line: Line) -> bool:
            actual = value(line)
            if actual is None or isinstance(actual, bool):
                return False
            return compare(Decimal(str(actual)))

        return ordered
    negate = op == "not"
    if isinstance(expected, bool):
        return lambda line: (bool(value(line)) == expected) is not negate
    wanted = expected if isinstance(expected, tuple) else (expected,)

    def hit(line: Line) -> bool:
        actual = value(line)
        if isinstance(actual, (list, tuple)):
            found = any(w in actual for w in wanted)
        elif isinstance(expected, tuple):
            found = actual in expected
        else:
            found = actual == expected
        return found is not negate

    return hit


@lru_cache(maxsize=4096)
def selector(key: str, expected: Any) -> Callable[[Iterable[Line]], Iterable[Line]]:
    """A function keeping the lines that meet the condition `key=expected` of `lines_with`:
    `filter` with its `matcher`; for a true-or-false condition on a field of the line itself
    (`is_nsr=False`, the most asked), `filter` or `filterfalse` on the field, which keep the
    same lines as the matcher (`bool(value) == expected`, negated by `__not`) with no Python
    call a line; on a field of a field (`nonrecurring_cost__waiver=True`), `_nested_truth`. A
    condition on a value (`kind="training"`, `source_code=["P", "X"]`) or an order
    (`total__gt=0`) on a field or a field of a field: `_among` or `_ordered`, which read every
    line's value in C and compare in C when the values allow it."""
    parts, op = condition_key(key)
    if isinstance(expected, bool) and op in (None, "not") and len(parts) <= 2:
        truthy = expected is not (op == "not")  # keep the lines whose field is true
        if len(parts) == 1:
            return partial(filter if truthy else filterfalse, attrgetter(parts[0]))
        return partial(_nested_truth, parts[0], parts[1], truthy)
    match = matcher(key, expected)
    if len(parts) > 2:
        return partial(filter, match)
    if op in ORDER_OPS:
        bound = Decimal(str(expected))
        compare = {"gt": bound.__lt__, "ge": bound.__le__, "lt": bound.__gt__, "le": bound.__ge__}
        return partial(_ordered, parts, compare[op], match)
    try:
        wanted = frozenset(expected if isinstance(expected, tuple) else (expected,))
    except TypeError:  # (a value that cannot be hashed: the matcher compares it)
        return partial(filter, match)
    return partial(_among, parts, wanted, op == "not", match)


def _values(parts: tuple[str, ...], lines: tuple[Line, ...]) -> list[Any]:
    """The value of the field `parts` names (one or two deep) on each line, as `_reader` reads
    it (None past a field that is None), with no Python call a line."""
    if len(parts) == 1:
        return list(map(attrgetter(parts[0]), lines))
    first, second = parts
    return [
        None if (value := getattr(ln, first)) is None else getattr(value, second) for ln in lines
    ]


_PLAIN = frozenset({str, int, bool, type(None)})
"""Values whose membership in a set is their membership in a tuple (`in` compares with `==`
either way, and equal values of these types hash alike)."""
_NUMBERS = frozenset({Decimal, int})
"""Values an order condition compares as they are (`Decimal(str(v))` is `v`, exactly)."""


def _among(
    parts: tuple[str, ...], wanted: frozenset[Any], negate: bool, match: Callable[[Line], bool],
    lines: Iterable[Line],
) -> Iterable[Line]:  # fmt: skip
    """The lines whose field is (`negate`: is not) one of `wanted`, as `match` keeps them: when
    every value is plain text, a whole number, true-or-false or None, one set look-up a line,
    in C (the matcher's `actual == expected` or `actual in expected`); otherwise (a list of
    items, say) the matcher, line by line."""
    lines = tuple(lines)
    values = _values(parts, lines)
    if set(map(type, values)) <= _PLAIN:
        found = map(wanted.__contains__, values)
        return compress(lines, map(not_, found) if negate else found)
    return filter(match, lines)


def _ordered(
    parts: tuple[str, ...], compare: Callable[[Any], bool], match: Callable[[Line], bool],
    lines: Iterable[Line],
) -> Iterable[Line]:  # fmt: skip
    """The lines whose field meets an order condition (`compare`, the bound's own comparison),
    as `match` keeps them: in C when every value is a Decimal or a whole number (which the
    matcher compares as they are); otherwise (None, true-or-false) the matcher."""
    lines = tuple(lines)
    values = _values(parts, lines)
    if set(map(type, values)) <= _NUMBERS:
        return compress(lines, map(compare, values))
    return filter(match, lines)


def _nested_truth(first: str, second: str, truthy: bool, lines: Iterable[Line]) -> list[Line]:
    """The lines whose field `second` of their field `first` is true (`truthy`) or not, as the
    matcher of a true-or-false condition keeps them (the value read as `_reader` reads it: None
    past a field that is None): one comprehension, with no Python call a line (the matcher
    makes two)."""
    return [
        ln
        for ln in lines
        if bool(None if (value := getattr(ln, first)) is None else getattr(value, second)) is truthy
    ]


@helper("lines_with", returns="lines", check="line_conditions", bound=True)
def lines_with(facts: Facts, **conditions: Any) -> LineSet:
    """The lines where every condition holds: lines_with(source_code=["P", "X"])."""
    if len(conditions) == 1:  # most calls: no sort
        ((k, v),) = conditions.items()
        key: tuple[tuple[str, Any], ...] = ((k, _frozen(v)),)
    else:
        key = tuple(sorted((k, _frozen(v)) for k, v in conditions.items()))
    found = facts.memo.get(key)
    if found is None:
        # One filter per condition, chained: each line meets the conditions in order up to the
        # first it fails, as `all` would test them, with the loops in C.
        kept: Iterable[Line] = facts.lines
        for k, v in key:
            kept = selector(k, v)(kept)
        found = facts.memo[key] = LineSet(kept)
    return found


helper("any_line", returns="lines", check="line_conditions", bound=True)(lines_with)


@helper("added_lines_with", returns="lines", check="line_conditions", bound=True)
def added_lines_with(facts: Facts, **conditions: Any) -> LineSet:
    """The lines this document adds where every condition holds (on a Basic, every line is
    added): added_lines_with(eda__kind="grant")."""
    added = {id(ln) for ln in facts.changes.added}
    return LineSet(ln for ln in lines_with(facts, **conditions) if id(ln) in added)


@helper("increased_lines_with", returns="lines", check="line_conditions", bound=True)
def increased_lines_with(facts: Facts, **conditions: Any) -> LineSet:
    """The lines this document raises as the scope counts it (more quantity on a defined order
    case, more value on a blanket order case; `changes.increased`) where every condition holds:
    increased_lines_with(eda__kind="grant") (on a Basic, every line)."""
    increased = {id(ln) for ln in facts.changes.increased}
    return LineSet(ln for ln in lines_with(facts, **conditions) if id(ln) in increased)


@helper("in_force", check="note_ids", bound=True)
def in_force(facts: Facts, *note_ids: str) -> bool:
    """True when the case carries any of the notes named, from an earlier document:
    in_force("CN-LONG-LEAD")."""
    return any(n in facts.before for n in note_ids)


@helper("lines_with_item", returns="lines", check="traits", bound=True)
def lines_with_item(facts: Facts, *traits: str) -> LineSet:
    """The lines whose `items` hold any of the traits named: lines_with_item("nvd")."""
    if not all(type(t) is str for t in traits):  # not a constant: worked out, not kept
        return LineSet(ln for ln in facts.lines if any(t in ln.items for t in traits))
    key = ("lines_with_item", traits)  # beside `lines_with`'s keys, whose items are pairs
    found = facts.memo.get(key)
    if found is None:
        # the lines whose items are not disjoint from the traits (`items` are texts, as the
        # traits are here): the same test as above, with the loops in C
        lines = facts.lines
        wanted = frozenset(traits)
        found = facts.memo[key] = LineSet(
            compress(lines, map(not_, map(wanted.isdisjoint, map(_ITEMS, lines))))
        )
    return found


_ITEMS = attrgetter("items")


@helper("has_term", check="terms", bound=True)
def has_term(facts: Facts, *terms: str) -> bool:
    """True when the terms of sale include any of the terms named."""
    held = facts.document.case.terms_of_sale
    return any(t in held for t in terms)


@helper("date", returns="date", check="iso_date")
def date(text: str) -> Date:
    """A date to compare with: date("2018-06-01")."""
    return Date.fromisoformat(text)


_KEPT_HELPERS = {"sentence": recent_texts(sentence, longest=1024)}
"""Helpers called in place of the wording's own, answering the same: `sentence` with its
answers for the texts asked lately kept (a line's note body makes sentences of its fields on
every document)."""

for _name, _func in NOTE_HELPERS.items():
    helper(_name, returns="list" if _name == "grouped" else "value",
           check="grouped" if _name == "grouped" else "none")(_KEPT_HELPERS.get(_name, _func))  # fmt: skip


# -- the names of one document ---------------------------------------------------------------------


_FACTS = "rules.facts"
"""The key of a document's `Facts` and data values in its memo (`worked_out`)."""
_BOUND = "rules.helpers"
"""The key of a document's bound helpers (by the notes in force before it) in its memo."""


def _document_facts(document: LoaDocument) -> tuple[Facts, dict[str, Any]]:
    """The `Facts` of `document` (without notes in force) and the values of its data names,
    worked out once per document (`worked_out`): a document is decided several times (its
    notes, the notes in force before the next document, its package checklist and the next
    one's), and none of this depends on the notes in force."""
    memo = worked_out(document)
    found = memo.get(_FACTS)
    if found is None:
        lines = LineSet(document.case.lines)
        facts = Facts(document, lines, change_set(document, lines))
        found = (facts, {name: data.get(facts) for name, data in DATA.items()})
        memo[_FACTS] = found
    return found


def document_names(document: LoaDocument, before: CaseNotes = NONE) -> dict[str, Any]:
    """Every name rules and note bodies see for `document`, given the notes in force on the case
    before it (a new dict each time; what is worked out from the document alone is shared,
    `lines_with` results included)."""
    facts, values = _document_facts(document)
    # The helpers bound to the document and `before`, kept beside its facts: a document's
    # names are asked for several times (see `_document_facts`), mostly with the same notes in
    # force, and a bound helper keeps nothing between calls but the shared line sets.
    kept = worked_out(document).setdefault(_BOUND, {})
    bound = kept.get(before)
    if bound is None:
        if before is not facts.before:
            facts = replace(facts, before=before)  # the same memo: line sets do not read `before`
        bound = kept[before] = {name: h.bind(facts) for name, h in HELPERS.items()}
    names = dict(values)
    names.update(bound)
    return names
