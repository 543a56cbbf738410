"""The context a Word template sees: every variable `build_context` gives (listed in the README)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from ..case.history import LineChange
from ..case.model import Case, Line, Strict
from ..document.assembly import LoaDocument
from ..document.costs import COST_ROWS
from ..document.wording import (
    due_words,
    join_words,
    party,
    quantity,
    spell_date,
    surcharge_note,
    terms_words,
)
from ..document.wording import money as _spelled_money
from ..policy.selection import SelectedNote, Selection
from ..reference import Reference, load_reference
from .markdown_docx import StyleIds, kept_together, markdown_to_wordml, xml_chars

_BREAK = Markup('</w:t><w:br/><w:t xml:space="preserve">')
PREVIOUS_VALUE_SIZE = 14
"""Size of a previous value (half-points: 7 point, under an 8-point value)."""
PREVIOUS_VALUE_COLOR = "595959"
"""Colour of a previous value (a dark grey that still prints and copies legibly)."""
_PREVIOUS = (
    '</w:t></w:r><w:r><w:rPr><w:color w:val="{color}"/><w:sz w:val="{size}"/>'
    '<w:szCs w:val="{size}"/></w:rPr><w:br/><w:t xml:space="preserve">{text}</w:t></w:r>'
    '<w:r><w:t xml:space="preserve">'
)


_MONEY: dict[Decimal, str] = {}
MONEY_CACHE_SIZE = 2048
"""Amounts `money` remembers (then it starts again)."""
WHOLE_DOLLARS_LIMIT = 10**15
"""Whole amounts below this (in size) are written by `money` from their integer (see
`_whole_dollars`)."""


def money(value: Decimal) -> str:
    """`wording.money` of `value` ($1,234,567), remembered for a Decimal by its value (the same
    unit costs and totals come back on line after line and document after document).

    `wording.money` reads nothing of a Decimal but its value: whether it has cents, and the
    value rounded to cents or dollars (1.5 and 1.50, 0 and -0, 1E+3 and 1000 are written
    alike), so equal Decimals, one key of a dictionary, have one result. An amount not seen
    yet is written by `_whole_dollars` when it is a whole number of dollars, as most are."""
    if type(value) is not Decimal:
        return _spelled_money(value)
    # (written out, not through `_remembered`: a document prints some 120 amounts, half of
    # them new)
    try:
        found = _MONEY.get(value)
    except TypeError:  # a signalling NaN cannot be hashed: `wording.money` says what it is
        return _spelled_money(value)
    if found is None:
        if len(_MONEY) >= MONEY_CACHE_SIZE:
            _MONEY.clear()
        found = _MONEY[value] = _whole_dollars(value) or _spelled_money(value)
    return found


def _cents(values: Iterable[Decimal]) -> bool:
    """Whether any of `values` has cents (as `wording.money` decides)."""
    return any(v != v.to_integral_value() for v in values)


def column_money(value: Decimal, cents: bool) -> str:
    """`money(value)`, with cents when its column has some (`cents`): one column of amounts
    prints every amount in one form ("$1,572,288.00" above "$1,572,288.58", not "$1,572,288")."""
    return _spelled_money(value, cents=True) if cents else money(value)


def _whole_dollars(value: Decimal) -> str | None:
    """`wording.money(value)` of a whole number of dollars below `WHOLE_DOLLARS_LIMIT`, written
    from its integer (a third of the time: `wording.money` rounds the Decimal and formats it
    with its digits grouped); None for any other amount. Its rounding to whole dollars gives
    that integer (a value of at most 15 digits, well within Decimal's 28), a negative zero
    reads "$0" in both, and `wording.money` writes a whole amount without cents."""
    if not value.is_finite():
        return None
    whole = int(value)
    if whole != value or not -WHOLE_DOLLARS_LIMIT < whole < WHOLE_DOLLARS_LIMIT:
        return None
    return f"-${-whole:,}" if whole < 0 else f"${whole:,}"


def _remembered(cache: dict[str, str], value: Decimal, spell: Callable[[Decimal], str]) -> str:
    """`spell(value)`, kept in `cache` by the Decimal's exact text (at most
    `MONEY_CACHE_SIZE`, then it starts again)."""
    key = str(value)
    found = cache.get(key)
    if found is None:
        if len(cache) >= MONEY_CACHE_SIZE:
            cache.clear()
        found = cache[key] = spell(value)
    return found


def _text(value: str) -> Markup:
    return escape(xml_chars(value))


def lines_markup(*parts: str | Markup) -> Markup:
    """Several short texts in one cell paragraph, one per line."""
    return _BREAK.join(p if isinstance(p, Markup) else _text(p) for p in parts if p != "")


def _two_lines(first: Markup, second: Markup) -> Markup:
    """`lines_markup(first, second)` of two Markups (what `Markup.join` makes of them: they
    are printed as they are, so the two texts and the break between them, joined once)."""
    if first == "" or second == "":
        return lines_markup(first, second)
    return Markup("".join((first, _BREAK, second)))


@lru_cache(maxsize=8192)
def revised(value: str, previous: str | None = None) -> Markup:
    """A value of a line, and beneath it, when a document changes it, the previous value in
    smaller grey type ("was 500 EA"): the revised value reads first, the old one is there to
    compare with at a glance. (Remembered: a document has eight of these a line, and the same
    codes, quantities and amounts come back from line to line and document to document.)"""
    shown = _text(value)
    if previous is None or previous == value:
        return shown
    return shown + Markup(
        _PREVIOUS.format(
            color=PREVIOUS_VALUE_COLOR, size=PREVIOUS_VALUE_SIZE, text=_text(f"was {previous}")
        )
    )


_QUANTITY: dict[str, str] = {}


def _qty(line: Line) -> str:
    """`wording.quantity` of the line's quantity and its unit of issue ("1,200 EA"), the
    quantity remembered, as `money` remembers an amount, by the Decimal's exact text."""
    value = line.quantity
    if type(value) is not Decimal:
        return f"{quantity(value)} {line.unit_of_issue}"
    return f"{_remembered(_QUANTITY, value, quantity)} {line.unit_of_issue}"


def _shown(line: Line) -> tuple[str, str, str, str, str, str, str, str]:
    """What the line table prints of `line`, in the order of `_FIELDS`. (Worked out once for
    each version of a line: the row compares the values of two versions field by field.)"""
    return (
        _qty(line),
        money(line.unit_cost),
        money(line.total),
        line.source_code,
        line.months or "",
        line.type_of_assistance,
        line.offer_release_code or "",
        line.delivery_term_code or "",
    )


_FIELDS = (
    "quantity", "unit_cost", "total", "source_code", "months", "type_of_assistance",
    "offer_release_code", "delivery_term_code",
)  # fmt: skip
"""The values of a line the table prints, each with the previous value beneath when a document
changes it (the unit cost and the total together, in the "costs" cell)."""


_PRINTED_ELSEWHERE = frozenset(
    ("number", "masl", "description", "unit_of_issue", *_FIELDS)
)  # fmt: skip
"""Fields of a line the row prints, each with its previous value beneath ("was ...")."""
_FIELD_WORDS = {
    "nomenclature": "item name", "nomenclature_plural": "item name in the plural",
    "major_defense_equipment": "Major Defense Equipment", "kind": "kind of line",
    "nonrecurring_cost": "nonrecurring cost",
    "eda": "Excess Defense Articles", "line_note": "line description note",
    "severable": "severable services", "scml": "Small Case Management Line",
    "foc_delivery": "FOC delivery", "nsr_covers_price_increases": "NSR price increases",
    "comsec_release": "COMSEC release", "nvd_mount": "NVD mount",
    "purchaser_request_date": "request date",
}  # fmt: skip
"""Plain words for a line's fields the row does not print (others read as their name with
spaces: "sole_source" -> "sole source")."""
_TRAIT_WORDS = {
    "nvd": "NVD", "comsec": "COMSEC", "mtcr": "MTCR", "gps_saasm": "GPS SAASM", "eeum": "EEUM",
    "tow_2b": "TOW-2B",
}  # fmt: skip
"""The kinds of item a line holds (`items`), as the notes name them."""


def _field_words(name: str) -> str:
    return _FIELD_WORDS.get(name, name.replace("_", " "))


def _unprinted_changes(change: LineChange) -> str:
    """What a document revises on a line that the row does not print, in words ("revised:
    sole source firm", "revised: end item and training"), or '': a line marked REVISED for a
    change of its sole source firm alone would otherwise show nothing that changed. A part of a
    field (the firm of a sole source) is named when the field stays and that part changes."""
    prev, rev = change.previous, change.revised
    if prev is None or rev is None:
        return ""
    said = []
    for name in change.other_fields:
        if name in _PRINTED_ELSEWHERE:
            continue
        before, after = getattr(prev, name), getattr(rev, name)
        words = _field_words(name)
        if name == "items":  # what kinds of item the line holds: each one added or removed
            said += [f"{_TRAIT_WORDS.get(t, t)} item (added)" for t in after if t not in before]
            said += [f"{_TRAIT_WORDS.get(t, t)} item (removed)" for t in before if t not in after]
        elif (
            isinstance(before, Strict) and isinstance(after, Strict) and type(before) is type(after)
        ):
            parts = [k for k in before.__dict__ if before.__dict__[k] != after.__dict__[k]]
            said.extend(f"{words} {_field_words(k)}" for k in parts)
        elif before is None or before is False or before == []:
            said.append(f"{words} (added)")
        elif after is None or after is False or after == []:
            said.append(f"{words} (removed)")
        else:
            said.append(words)
    return f"revised: {join_words(said)}" if said else ""


def _beneath(shown: Markup, text: str) -> Markup:
    """`shown` with `text` beneath it in the smaller grey type of a previous value."""
    if not text:
        return shown
    return shown + Markup(
        _PREVIOUS.format(color=PREVIOUS_VALUE_COLOR, size=PREVIOUS_VALUE_SIZE, text=_text(text))
    )


def _row(change: LineChange, amended: bool, selection: Selection, ids: StyleIds) -> dict[str, Any]:
    prev, rev = change.previous, change.revised
    line = rev or prev  # `change.line`
    # Each value now, with the previous one beneath when this document changes it: a deleted
    # line's quantity and value are gone (0 and $0); its unit cost, the price of one item, and
    # its other values stay as they were (a unit cost of "$0" would read as free items).
    now = _shown(line)
    description = masl = None
    if not amended:
        marker = ""
        quantity_, unit_cost, total, source_code, months, assistance, release, delivery = map(
            revised, now
        )
    elif prev is None:  # added
        marker = "ADDED"
        quantity_, unit_cost, total, source_code, months, assistance, release, delivery = map(
            revised, now
        )
    elif rev is None:  # deleted: `now` is what it was (`line` is its previous version)
        marker = "DELETED"
        quantity_ = revised(f"0 {line.unit_of_issue}", now[0])
        unit_cost, total = revised(now[1]), revised("$0", now[2])
        source_code, months, assistance, release, delivery = map(revised, now[3:])
    else:
        marker = "REVISED" if change.changed else ""
        quantity_, unit_cost, total, source_code, months, assistance, release, delivery = map(
            revised, now, _shown(prev)
        )
        # What the line buys, with the previous description and MASL beneath when this
        # document changes them (as the values: a reviewer sees the line now buys another item)
        description = revised(rev.description, prev.description)
        masl = revised(f"MASL {rev.masl}", f"MASL {prev.masl}")
        if change.other_fields:
            # what it revises that the row does not print, in words beneath
            masl = _beneath(masl, _unprinted_changes(change))
    if description is None:
        description, masl = revised(line.description), revised(f"MASL {line.masl}")

    notes = selection.for_line(line.number)
    cell = _line_notes(notes, ids) if notes else ""
    return {
        "number": line.number,
        "marker": marker,
        "description": description,
        "masl": masl,
        "notes": cell or _no_line_notes(ids),
        "quantity": quantity_,
        "unit_cost": now[1],
        "total": now[2],
        "costs": _two_lines(unit_cost, total),
        "source_code": source_code,
        "months": months,
        "type_of_assistance": assistance,
        "offer_release_code": release,
        "delivery_term_code": delivery,
        "change": change,
        "line": line,
    }


def _line_notes(notes: Iterable[SelectedNote], ids: StyleIds) -> Markup:
    """The line notes of a line's description cell, as Word paragraphs."""
    return Markup("".join([markdown_to_wordml(n.body, in_table=True, ids=ids) for n in notes]))


@lru_cache(maxsize=16)
def _no_line_notes(ids: StyleIds) -> Markup:
    """The description cell's paragraph of a line with no line notes (an empty one)."""
    return Markup(f'<w:p><w:pPr><w:pStyle w:val="{ids.line_note}"/></w:pPr></w:p>')


def _signed(value: Decimal, cents: bool = False) -> str:
    if value == 0:
        return "$0.00" if cents else "$0"
    return ("+" if value > 0 else "-") + column_money(abs(value), cents)


def _note_view(
    number: int | None, note: SelectedNote, ids: StyleIds, *, last: bool = False
) -> dict[str, Any]:
    """A note as the templates print it. A note of the notes section is numbered by Word (its
    heading paragraph is a numbered list item), so its `heading` is the title alone; `number`
    is the number Word shows (the notes are the list's only items, numbered in order). The
    `last` note of the section, which a new page follows, is kept on one page
    (`kept_together`)."""
    body = markdown_to_wordml(note.body, ids=ids)
    return {
        "heading": note.title,
        "number": number,
        "title": note.title,
        "id": note.id,
        "version": note.version,
        "lines": note.lines,
        "body": kept_together(body) if last else body,
    }


def _meaning(value: Any) -> str:
    return str(value["meaning"]) if isinstance(value, dict) else str(value)


@lru_cache(maxsize=4)
def _code_tables(digest: str) -> tuple[dict[str, Any], ...]:
    ref = load_reference()
    tables = (
        ("Source Codes (SC), column (5)", ref.source_codes),
        ("Type of Assistance (TA) codes, column (5)", ref.type_of_assistance),
        ("Offer Release Codes (ORC), column (6)", ref.offer_release_codes),
        ("Delivery Term Codes (DTC), column (7)", ref.delivery_term_codes),
    )
    return tuple(
        {
            "title": escape(title),
            "rows": [{"code": escape(k), "meaning": escape(_meaning(v))} for k, v in table.items()],
        }
        for title, table in tables
    )


def code_tables(ref: Reference) -> list[dict[str, Any]]:
    """The code tables of the LOA Information page, from the reference tables."""
    return list(_code_tables(ref.digest))


CONTEXT_NAMES = frozenset(
    {
        "case", "doc", "draft", "is_fms", "is_bpc", "party", "implementing_agency",
        "purchaser_address", "purchaser_reference", "case_description", "state_description",
        "offer_expiration_date", "implementation_date", "terms_of_sale", "estimated_cost",
        "initial_deposit", "lines", "cost_rows", "surcharge_note", "schedule", "schedule_reason",
        "schedule_notes", "notes", "terms_and_conditions", "code_tables",
    }
)  # fmt: skip
"""Every variable `build_context` gives the templates (listed in the README)."""


def build_context(
    document: LoaDocument,
    selection: Selection,
    ids: StyleIds,
    *,
    draft: bool,
    terms: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """Everything the templates can use (listed in the README)."""
    case: Case = document.case
    doc = case.document
    costs = document.costs
    amended = document.changes.has_previous
    ref = load_reference()
    previous_costs = document.previous_costs if amended else None
    # Each column of the cost summary and of the schedule prints its amounts in one form: all
    # with cents when one has cents.
    nows = [getattr(costs, attr) for attr, _ in COST_ROWS]
    now_cents = _cents(nows)
    cost_rows = [
        {"label": label, "amount": column_money(now, now_cents), "previous": "", "change": ""}
        for (_, label), now in zip(COST_ROWS, nows, strict=True)
    ]
    if previous_costs is not None:
        befores = [getattr(previous_costs, attr) for attr, _ in COST_ROWS]
        changes = [now - before for now, before in zip(nows, befores, strict=True)]
        before_cents, change_cents = _cents(befores), _cents(changes)
        for row, before, change in zip(cost_rows, befores, changes, strict=True):
            row.update(
                previous=column_money(before, before_cents), change=_signed(change, change_cents)
            )
    amount_cents = _cents(r.amount for r in costs.schedule)
    cumulative_cents = _cents(r.cumulative for r in costs.schedule)
    in_section = [n for n in selection.notes if n.placement == "notes"]
    return {
        "case": case,
        "doc": {"kind": doc.kind, "number": doc.number, "title": document.title},
        "draft": draft,
        "is_fms": document.is_fms,
        "is_bpc": document.is_bpc,
        "party": party(case),
        "implementing_agency": ref.implementing_agencies.get(case.ia_code, case.ia_code),
        "purchaser_address": ", ".join(case.purchaser.address),
        "purchaser_reference": document.purchaser_reference
        + ("" if document.purchaser_reference.endswith(".") else "."),
        "case_description": document.case_description,
        "state_description": document.state_description,
        "offer_expiration_date": spell_date(doc.offer_expiration_date)
        if doc.offer_expiration_date
        else "",
        "implementation_date": spell_date(doc.implementation_date)
        if doc.implementation_date
        else "",
        "terms_of_sale": terms_words(case),
        "estimated_cost": money(costs.total_estimated_cost),
        "initial_deposit": money(costs.initial_deposit),
        "lines": [_row(c, amended, selection, ids) for c in document.changes.lines],
        "cost_rows": cost_rows,
        "surcharge_note": surcharge_note(costs),
        "schedule": [
            {
                "label": r.label,
                "date": due_words(r),
                "amount": column_money(r.amount, amount_cents),
                "cumulative": column_money(r.cumulative, cumulative_cents),
            }
            for r in costs.schedule
        ],
        "schedule_reason": (costs.schedule_reason[0].upper() + costs.schedule_reason[1:] + ".")
        if costs.schedule_reason
        else "",
        "schedule_notes": [_note_view(None, n, ids) for n in selection.placed("payment_schedule")],
        "notes": [
            _note_view(i, n, ids, last=i == len(in_section))
            for i, n in enumerate(in_section, start=1)
        ],
        "terms_and_conditions": list(terms) if document.is_fms else [],
        "code_tables": code_tables(ref),
    }
