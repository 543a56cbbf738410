"""AECA section 36(b) Congressional Notification: does a document's sale call for it, is it
recorded, and is the offer late enough?

The thresholds, the higher-threshold group and the review periods are data, in the dated table
`reference/cn36b.yaml`; the group's countries are named there and resolved through
`reference/countries.yaml` when the table loads (a name that matches no row is an error, unless
the table marks it as awaiting its row). `assess(document)` gives a `Verdict`:

1. Only FMS sales: 36(b) governs offers to sell; BPC cases are U.S. Government programs under
   their own notification rules and are not judged here.
2. The purchaser's group on the document's date (`LoaDocument.note_date`): the higher group when
   countries.yaml flags its customer code NATO (from its `nato_since`), or the code is one of the
   named countries (from its `since`); otherwise all other countries.
3. The values: Major Defense Equipment (lines with `major_defense_equipment`), the total value
   (the total estimated cost: lines, accessorials and the administrative charge, as DSCA
   collects it for a notification) and design and construction (lines with
   `design_and_construction`).
4. What is compared: a Basic's values; on an Amendment or Modification of a case that no
   earlier document records as notified, the case's values as they now stand (crossing a
   threshold by Amendment calls for a notification of its own); on a case notified earlier, what
   this document adds (the increase over the previous document), against the 36(b)(5)(C)
   amounts.
5. When a threshold is met, `document.congressional_notification` (number and date) should be
   recorded; when one is recorded, the offer (`document.offer_date`, else `document.date`; else
   the offer expiration date, which the offer comes before) must not come before the review
   period ends: the notification date plus 30 days (15 for the higher group).
6. A notification that records the values notified: a case grown beyond them may need a
   36(b)(5)(C) report.

loagen sees one case, not the whole program DSCA notifies (its other cases, long-lead funding):
the missing-notification finding is a warning. An offer before the review period ends is an
error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..case.model import CongressionalNotification, LoaDate, Money
from ..document.assembly import LoaDocument
from ..document.wording import document_title, money, spell_date
from ..errors import LoagenError, Problem, did_you_mean
from ..reference import load_reference
from ..reference.policy_tables import data_of, parse, table_text

if TYPE_CHECKING:
    import yaml

# -- the table ------------------------------------------------------------------------------------


# The table's models are built when the table is first read, as one validator: each built on
# its own (as it was defined) made five more that nothing used.
class _Named(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(min_length=1)
    since: LoaDate
    source: str = Field(min_length=1)
    confidence: Literal["H", "M", "L"]
    awaiting_row: bool = False


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    nato: bool = False
    countries: list[_Named] = Field(default_factory=list)
    default: bool = False


class Amounts(BaseModel):
    """Thresholds in U.S. dollars."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    mde: Money
    total: Money
    design_and_construction: Money


class _Thresholds(Amounts):
    review_days: int = Field(ge=1, le=365)


class _Period(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    from_: LoaDate = Field(alias="from")
    source: str = Field(min_length=1)
    confidence: Literal["H", "M", "L"]
    thresholds: dict[str, _Thresholds]
    increase: Amounts


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    groups: list[_Group] = Field(min_length=2)
    periods: list[_Period] = Field(min_length=1)


@dataclass(frozen=True)
class Member:
    """A named country of a group, resolved to its customer codes."""

    name: str
    since: date
    codes: tuple[str, ...]
    """Its codes in countries.yaml (none while it awaits its row)."""


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    nato: bool
    members: tuple[Member, ...]
    default: bool


@dataclass(frozen=True)
class Period:
    start: date
    source: str
    confidence: str
    thresholds: dict[str, _Thresholds]
    increase: Amounts


@dataclass(frozen=True)
class Table:
    """The 36(b) table, checked, its names resolved."""

    path: Path
    groups: tuple[Group, ...]
    periods: tuple[Period, ...]
    """Oldest first."""
    countries: dict[str, dict[str, Any]] = field(repr=False)

    @property
    def default(self) -> Group:
        return next(g for g in self.groups if g.default)

    def period_on(self, day: date) -> Period | None:
        """The period in force on `day` (None before the first)."""
        found = None
        for period in self.periods:
            if period.start <= day:
                found = period
        return found

    def group_of(self, code: str, day: date) -> tuple[Group, bool]:
        """The group of customer code `code` on `day`, and whether countries.yaml knows the
        code (an unknown code gets the default group)."""
        row = self.countries.get(code)
        if not isinstance(row, dict):
            return self.default, False
        for group in self.groups:
            if group.nato and row.get("nato"):
                since = _date_or_none(row.get("nato_since"))
                if since is None or since <= day:
                    return group, True
            for member in group.members:
                if code in member.codes and member.since <= day:
                    return group, True
        return self.default, True

    @property
    def awaiting(self) -> tuple[Member, ...]:
        """Named countries countries.yaml has no row for yet."""
        return tuple(m for g in self.groups for m in g.members if not m.codes)


def _date_or_none(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


_PARENS = re.compile(r"\([^)]*\)")


def _words(text: str) -> tuple[str, ...]:
    return tuple(sorted(w for w in re.findall(r"[a-z0-9]+", text.lower()) if w != "the"))


def name_forms(name: str) -> set[tuple[str, ...]]:
    """The ways a name can match another: its words in any order, with or without what it
    says in brackets ('Korea, Republic of' = 'Republic of Korea'; 'The Philippines (FMF)' =
    'Philippines')."""
    forms = {_words(name), _words(_PARENS.sub(" ", name))}
    return {f for f in forms if f}


def resolve(name: str, countries: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    """The customer codes whose countries.yaml name is `name`."""
    wanted = name_forms(name)
    return tuple(
        sorted(
            code
            for code, row in countries.items()
            if isinstance(row, dict) and name_forms(str(row.get("name") or "")) & wanted
        )
    )


def _node_lines(root: yaml.Node | None) -> dict[tuple[Any, ...], int]:
    """The line (1-based) of every mapping and list item, by its path of keys and indexes."""
    import yaml  # here: only a table with a problem is parsed again (see `_Lines`)

    out: dict[tuple[Any, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        out[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                out[(*path, key.value)] = key.start_mark.line + 1
                walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    if root is not None:
        walk(root, ())
    return out


class _Lines:
    """The lines of a table's items, worked out (the text parsed again, for its nodes) only
    when a problem is said: the data itself usually comes from the compile cache."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    @cached_property
    def by_path(self) -> dict[tuple[Any, ...], int]:
        return _node_lines(parse(self.path, self.text)[1])


def _line_of(lines: _Lines, loc: tuple[Any, ...]) -> str:
    loc = tuple("from" if p == "from_" else p for p in loc)
    found = lines.by_path
    while loc and loc not in found:
        loc = loc[:-1]
    return f"line {found[loc]}" if loc in found else ""


def read_table(path: Path, text: str, countries: dict[str, dict[str, Any]]) -> Table:
    """Check the 36(b) table `text` and resolve its names through `countries` (the rows of
    countries.yaml); a LoagenError lists every problem with its line."""
    data = data_of(path, text)
    lines = _Lines(path, text)
    try:
        table = _Table.model_validate(data if isinstance(data, dict) else {})
    except ValidationError as exc:
        problems = tuple(
            Problem(
                path,
                _line_of(lines, tuple(e["loc"])),
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}".replace("from_", "from"),
            )
            for e in exc.errors(include_url=False)
        )
        raise _all(path, problems) from None
    problems: list[Problem] = []
    ids = [g.id for g in table.groups]
    if len(set(ids)) != len(ids):
        problems.append(Problem(path, _line_of(lines, ("groups",)), "a group id is written twice"))
    if sum(g.default for g in table.groups) != 1:
        problems.append(
            Problem(path, _line_of(lines, ("groups",)), "exactly one group says default: true")
        )
    known = sorted(
        {str(row.get("name")) for row in countries.values() if isinstance(row, dict)} - {"None"}
    )
    groups = []
    for gi, g in enumerate(table.groups):
        members = []
        for ci, named in enumerate(g.countries):
            codes = resolve(named.name, countries)
            if not codes and not named.awaiting_row:
                problems.append(
                    Problem(
                        path,
                        _line_of(lines, ("groups", gi, "countries", ci)),
                        f"group {g.id}: {named.name!r} is not the name of any row of "
                        f"countries.yaml{did_you_mean(named.name, known)}; correct the name, add "
                        "the country's row to countries.yaml, or mark it awaiting_row: true",
                    )
                )
            members.append(Member(named.name, named.since, codes))
        groups.append(Group(g.id, g.label, g.nato, tuple(members), g.default))
    periods = sorted(table.periods, key=lambda p: p.from_)
    for pi, period in enumerate(table.periods):
        if set(period.thresholds) != set(ids):
            missing = sorted(set(ids) - set(period.thresholds))
            unknown = sorted(set(period.thresholds) - set(ids))
            what = "; ".join(
                filter(
                    None,
                    [
                        f"no thresholds for {', '.join(missing)}" if missing else "",
                        f"thresholds for unknown groups {', '.join(unknown)}" if unknown else "",
                    ],
                )
            )
            problems.append(Problem(path, _line_of(lines, ("periods", pi, "thresholds")), what))
    starts = [p.from_ for p in periods]
    if len(set(starts)) != len(starts):
        problems.append(Problem(path, _line_of(lines, ("periods",)), "two periods start together"))
    if problems:
        raise _all(path, tuple(problems))
    return Table(
        path,
        tuple(groups),
        tuple(
            Period(p.from_, p.source, p.confidence, dict(p.thresholds), p.increase) for p in periods
        ),
        countries,
    )


def _all(path: Path, problems: tuple[Problem, ...]) -> LoagenError:
    if len(problems) == 1:
        p = problems[0]
        return LoagenError(f"36(b) table: {p.message}", source=path, location=p.location)
    return LoagenError(
        f"{path}: {len(problems)} problems in the 36(b) table", source=path, problems=problems
    )


@cache
def load_table() -> Table:
    """reference/cn36b.yaml, checked against countries.yaml (once a process)."""
    path, text = table_text("cn36b")
    return read_table(path, text, load_reference().countries)


# -- one document ---------------------------------------------------------------------------------

Basis = Literal["document", "cumulative", "increase"]
"""What a value is: this LOA's (a Basic); the case's as the Amendment or Modification leaves it
(it was under the threshold before); what the Amendment or Modification adds (the case was over
the threshold before, or notified)."""
MEASURES = (
    ("mde", "Major Defense Equipment"),
    ("total", "total value"),
    ("design_and_construction", "design and construction"),
)


@dataclass(frozen=True)
class Measure:
    """One value compared with its threshold."""

    key: str
    """mde, total or design_and_construction."""
    label: str
    """What the value is, in words: 'the case's Major Defense Equipment'."""
    value: Decimal
    threshold: Decimal
    basis: Basis = "document"

    @property
    def met(self) -> bool:
        return self.value >= self.threshold

    def text(self) -> str:
        """'the total value, $1,200,000, is under the $50,000,000 threshold'."""
        if self.value < 0:
            return f"{self.label}: none (down {money(-self.value)})"
        verb = "reaches" if self.met else "is under"
        return f"{self.label}, {money(self.value)}, {verb} the {money(self.threshold)} threshold"


def _label(key: str, basis: Basis, kind: str) -> str:
    what = dict(MEASURES)[key] + ("" if key == "total" else " value")
    if basis == "document":
        return f"the {what}"
    if basis == "cumulative":
        return f"the case's {what}"
    return f"the {what} this {kind} adds"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


Rule = Literal["QC-CN-36B", "QC-CN-36B-OFFER"]


@dataclass(frozen=True)
class Problem36b:
    """A finding of the 36(b) checks: its rule, the case file field, the message."""

    rule: Rule
    path: str
    message: str
    what: Literal["missing", "offer", "review", "beyond"] = "missing"
    """missing: a threshold is met, no notification recorded; offer: offered before the review
    period ends; review: the review period cannot be told (unknown country code); beyond: the
    case exceeds the values notified."""


@dataclass(frozen=True)
class Verdict:
    """What 36(b) asks of one document."""

    applies: bool
    summary: str
    """A reviewer's summary: the group, the values against the thresholds, the verdict."""
    group: str = ""
    group_label: str = ""
    group_known: bool = True
    """countries.yaml knows the purchaser's customer code."""
    as_of: date | None = None
    """The date the thresholds and the group are taken on (the document's date)."""
    measures: tuple[Measure, ...] = ()
    notification: CongressionalNotification | None = None
    """The notification this document records."""
    notified_by: str = ""
    """The earlier document that records the case's notification ('' when none does)."""
    review_days: int | None = None
    review_ends: date | None = None
    """The first day the document may be offered (the notification date + review days)."""
    problems: tuple[Problem36b, ...] = ()
    advice: str = ""
    """What to do when a notification is needed and none is recorded ('' otherwise)."""

    @property
    def required(self) -> bool:
        """A threshold is met: this document needs a notification (or a 36(b)(5)(C) report)."""
        return self.applies and any(m.met for m in self.measures)

    @property
    def missing(self) -> bool:
        """A threshold is met and the document records no notification."""
        return self.required and self.notification is None

    def to_dict(self) -> dict[str, Any]:
        cn = self.notification
        return {
            "applies": self.applies,
            "required": self.required,
            "missing": self.missing,
            "summary": self.summary,
            "group": self.group,
            "group_label": self.group_label,
            "group_known": self.group_known,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "measures": [
                {"key": m.key, "label": m.label, "basis": m.basis, "value": str(m.value),
                 "threshold": str(m.threshold), "met": m.met}
                for m in self.measures
            ],
            "notification": cn.model_dump(mode="json", exclude_none=True) if cn else None,
            "notified_by": self.notified_by,
            "review_days": self.review_days,
            "review_ends": self.review_ends.isoformat() if self.review_ends else None,
            "advice": self.advice,
            "problems": [
                {"rule": p.rule, "path": p.path, "what": p.what, "message": p.message}
                for p in self.problems
            ],
        }  # fmt: skip


@dataclass(frozen=True)
class Values:
    mde: Decimal
    total: Decimal
    design_and_construction: Decimal


def _values(lines: Any, total: Decimal) -> Values:
    # One pass over the lines; the sums add in line order from 0, as `sum` would.
    mde = dc = Decimal(0)
    for ln in lines:
        if ln.major_defense_equipment:
            mde += ln.total
        if ln.design_and_construction:
            dc += ln.total
    return Values(mde, total, dc)


def _earlier_notification(document: LoaDocument) -> tuple[str, CongressionalNotification] | None:
    """(title, notification) of the newest earlier document of the chain that records one."""
    for case in reversed(document.chain[:-1]):
        if case.document.congressional_notification is not None:
            return document_title(case), case.document.congressional_notification
    return None


def _offer(document: LoaDocument) -> tuple[date | None, str, str]:
    """(date, JSON path, words) of the date the offer is judged by."""
    doc = document.case.document
    if doc.offer_date:
        return doc.offer_date, "document.offer_date", "is offered"
    if doc.date:
        return doc.date, "document.date", "is dated"
    if doc.offer_expiration_date:
        return doc.offer_expiration_date, "document.offer_expiration_date", "expires"
    return None, "", ""


def _who(table: Table, document: LoaDocument, group: Group, known: bool) -> str:
    code = document.case.country_code
    row = table.countries.get(code)
    if not known:
        return f"customer code {code}, not in countries.yaml: taken as {group.label}"
    name = str(row.get("name")) if isinstance(row, dict) and row.get("name") else code
    return f"{name}: {group.label}"


def _measures(
    document: LoaDocument, now: Values, period: Period, limits: Amounts, earlier: bool
) -> tuple[Measure, ...]:
    """Each value (`now`: the document's) with the threshold it is judged by (module
    docstring, point 4)."""
    previous, costs = document.previous, document.previous_costs
    before = _values(previous.lines, costs.total_estimated_cost) if previous and costs else None
    out = []
    for key, _ in MEASURES:
        value, limit = getattr(now, key), Decimal(getattr(limits, key))
        if before is None:
            basis: Basis = "document"
        elif earlier or getattr(before, key) >= limit:
            basis = "increase"
            value = value - getattr(before, key)
            limit = Decimal(getattr(period.increase, key))
        else:
            basis = "cumulative"
        out.append(Measure(key, _label(key, basis, document.kind), value, limit, basis))
    return tuple(out)


def assess(document: LoaDocument, table: Table | None = None) -> Verdict:
    """What AECA 36(b) asks of `document` (see the module docstring)."""
    return _assess(document, table, summarise=True)


def problems(document: LoaDocument, table: Table | None = None) -> tuple[Problem36b, ...]:
    """The problems `assess(document)` finds, word for word, without writing the reviewer's
    summary (all the checks need; the summary's wording is about a third of the time)."""
    return _assess(document, table, summarise=False).problems


def _assess(document: LoaDocument, table: Table | None, summarise: bool) -> Verdict:
    """`assess`; with `summarise` false, the verdict's summary is left empty."""
    case = document.case
    if case.program != "FMS":
        return Verdict(
            False,
            "AECA 36(b) governs proposed sales: not applied to this BPC case (its program has "
            "notification rules of its own).",
        )
    table = table or load_table()
    as_of = document.note_date
    period = table.period_on(as_of) if as_of else None
    if as_of is None or period is None:
        first = spell_date(table.periods[0].start)
        return Verdict(False, f"The 36(b) table has no thresholds before {first}.")
    group, known = table.group_of(case.country_code, as_of)
    limits = period.thresholds[group.id]
    earlier = _earlier_notification(document)
    now = _values(case.lines, document.costs.total_estimated_cost)
    measures = _measures(document, now, period, limits, earlier is not None)
    cn = case.document.congressional_notification
    found: list[Problem36b] = []
    met = [m for m in measures if m.met]
    advice = ""
    who = ""  # (worked out when a problem or the summary names it)
    if met and cn is None:
        advice = _advice(document, met, limits, earlier)
        reached = _sentence("; ".join(m.text() for m in met))
        who = _who(table, document, group, known)
        found.append(
            Problem36b(
                "QC-CN-36B",
                "document",
                f"AECA 36(b) thresholds for {who}. {reached}: {advice}. loagen sees this case "
                "only; the program's other cases count too",
            )
        )
    review_days = review_ends = None
    if cn is not None and document.kind != "Modification":
        review_days, review_ends, timing = _timing(table, document, cn, known)
        found.extend(timing)
    in_force = cn or (earlier[1] if earlier else None)
    if in_force is not None:
        found.extend(_beyond_notified(now, in_force, cn))
    summary = ""
    if summarise:
        who = who or _who(table, document, group, known)
        summary = _summary(document, measures, who, period, cn, earlier, review_ends)
    return Verdict(
        True, summary, group.id, group.label, known, as_of, measures, cn,
        earlier[0] if earlier else "", review_days, review_ends, tuple(found), advice,
    )  # fmt: skip


def _advice(
    document: LoaDocument,
    met: list[Measure],
    limits: _Thresholds,
    earlier: tuple[str, CongressionalNotification] | None,
) -> str:
    """What a document that meets a threshold without a recorded notification needs."""
    if any(m.basis == "increase" for m in met):
        before = (
            f"the case was notified ({earlier[1].number}, recorded on the {earlier[0]})"
            if earlier
            else f"the case was over the threshold before this {document.kind}, so it should "
            "have been notified then (no document of the case records it)"
        )
        need = (
            f"{before}; an increase this large calls for a new notification or a 36(b)(5)(C) "
            "report before the offer"
        )
    else:
        need = (
            f"Congress must be notified and its {limits.review_days}-day review period must "
            "end before the offer"
        )
    return f"{need}; record it in document.congressional_notification (number and date)"


def _timing(
    table: Table, document: LoaDocument, cn: CongressionalNotification, known: bool
) -> tuple[int | None, date | None, list[Problem36b]]:
    """The review period of notification `cn`, its end, and an error when the offer comes
    before it (the period and the group in force on the notification's date)."""
    period = table.period_on(cn.date)
    if period is None:
        return None, None, []
    group, _ = table.group_of(document.case.country_code, cn.date)
    days = period.thresholds[group.id].review_days
    if not known:  # the group cannot be told: only the shortest period is certain
        days = min(t.review_days for t in period.thresholds.values())
    ends = cn.date + timedelta(days=days)
    offer, path, verb = _offer(document)
    problems = []
    if offer is not None and offer < ends:
        problems.append(
            Problem36b(
                "QC-CN-36B-OFFER",
                path,
                what="offer",
                message=f"the {document.kind} {verb} {spell_date(offer)}, before the {days}-day review "
                f"period of 36(b) notification {cn.number} (received by Congress "
                f"{spell_date(cn.date)}) ends: it may be offered from {spell_date(ends)}",
            )
        )
    if not known and offer is not None:
        longest = max(t.review_days for t in period.thresholds.values())
        if ends <= offer < cn.date + timedelta(days=longest):
            code = document.case.country_code
            problems.append(
                Problem36b(
                    "QC-CN-36B",
                    path,
                    what="review",
                    message=f"customer code {code} is not in countries.yaml, so its review period is "
                    f"not known: with {longest} days, notification {cn.number} allows the offer "
                    f"from {spell_date(cn.date + timedelta(days=longest))}, after "
                    f"{spell_date(offer)}",
                )
            )
    return days, ends, problems


def _beyond_notified(
    now: Values, in_force: CongressionalNotification, cn: CongressionalNotification | None
) -> list[Problem36b]:
    path = "document.congressional_notification" if cn is not None else "document"
    out = []
    for key, notified in (("mde", in_force.mde_value), ("total", in_force.total_value)):
        value = getattr(now, key)
        if notified is not None and value > notified:
            what = _sentence(_label(key, "cumulative", ""))
            out.append(
                Problem36b(
                    "QC-CN-36B",
                    path,
                    what="beyond",
                    message=f"{what}, {money(value)}, is more than the {money(notified)} notified under "
                    f"36(b) notification {in_force.number}: a 36(b)(5)(C) report may be due",
                )
            )
    return out


def _summary(
    document: LoaDocument,
    measures: tuple[Measure, ...],
    who: str,
    period: Period,
    cn: CongressionalNotification | None,
    earlier: tuple[str, CongressionalNotification] | None,
    review_ends: date | None,
) -> str:
    met = [m for m in measures if m.met]
    shown = met or [m for m in measures if m.key != "design_and_construction" or m.value]
    values = _sentence("; ".join(m.text() for m in shown))
    head = f"Thresholds for {who} (in force from {spell_date(period.start)}). {values}."
    if not met:
        tail = "No notification is needed for this document"
    elif cn is None:
        tail = "A notification is needed and none is recorded"
    else:
        tail = "Notification needed"
    if cn is not None:
        tail += f"; it records notification {cn.number} of {spell_date(cn.date)}"
        if review_ends is not None:
            tail += f" and may be offered from {spell_date(review_ends)}"
    elif earlier is not None:
        tail += f"; the case was notified: {earlier[1].number}, recorded on the {earlier[0]}"
    return f"{head} {tail}."


_last: tuple[Any, ...] = ()


def problems_for(document: LoaDocument) -> tuple[Problem36b, ...]:
    """`problems`, worked out once for the document the checks are running on."""
    global _last
    last = _last  # one read: another thread may replace it
    if last and last[0] is document:
        return last[1]
    found = problems(document)
    _last = (document, found)
    return found
