"""What changed between a document and its `previous` snapshot, line by line, and the scope verdict."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .model import Case, Line

# Fields whose change is reported as its own kind; every other field is an "other" change.
_TRACKED = ("quantity", "unit_cost", "months")

# The reasons a line change widens the scope, in the words every reader of them shows (the
# case description, the checks, the review report, explain).
NEW_LINE = "a new line"
MORE_QUANTITY = "more quantity on a defined order line"
MORE_VALUE = "more value on a blanket order line"
LONGER_PERIOD = "a longer period of performance on a service line"
ANOTHER_ITEM = "another item bought on the line"


@dataclass(frozen=True)
class LineChange:
    """One line compared with its previous version."""

    number: str
    previous: Line | None
    revised: Line | None
    other_fields: tuple[str, ...] = ()
    scope_reasons: tuple[str, ...] = field(default=())

    @property
    def added(self) -> bool:
        return self.previous is None and self.revised is not None

    @property
    def deleted(self) -> bool:
        return self.previous is not None and self.revised is None

    def _compare(self, attr: str) -> int:
        if self.previous is None or self.revised is None:
            return 0
        a, b = getattr(self.previous, attr), getattr(self.revised, attr)
        return (b > a) - (b < a)

    @property
    def quantity_up(self) -> bool:
        return self._compare("quantity") > 0

    @property
    def quantity_down(self) -> bool:
        return self._compare("quantity") < 0

    @property
    def value_up(self) -> bool:
        return self._compare("total") > 0

    @property
    def value_down(self) -> bool:
        return self._compare("total") < 0

    @property
    def months_changed(self) -> bool:
        return (
            self.previous is not None
            and self.revised is not None
            and self.previous.months != self.revised.months
        )

    @property
    def period_lengthened(self) -> bool:
        """The months span grew (a longer period of performance on a service line)."""
        if not self.months_changed:
            return False
        a, b = self.previous.month_range, self.revised.month_range  # type: ignore[union-attr]
        if a is None or b is None:
            return b is not None and a is None
        return (b[1] - b[0]) > (a[1] - a[0])

    @property
    def period_written_longer(self) -> tuple[str, str, str] | None:
        """(field, before, after) when a service line's written period of performance grows
        ('18 months' -> '2 years'; the months may stay as they were), else None. `field` is
        its path in the line ('.performance_period', '.training.performance_period')."""
        old, new = self.previous, self.revised
        if old is None or new is None or not new.is_service:
            return None
        (name, before), (_, after) = _performance_period(old), _performance_period(new)
        a, b = _period(before), _period(after)
        if a is None or b is None or not _period_longer(a, b):
            return None
        return name, str(before), str(after)

    @property
    def item_swaps(self) -> tuple[tuple[str, str], ...]:
        """What the line buys now that it did not before, as (field, plain words): another
        MASL, or a description or nomenclature naming another item. A rewording of the same
        item is not one (`_new_item_words`)."""
        return tuple(_item_swaps(self.previous, self.revised))

    @property
    def other_changed(self) -> bool:
        return bool(self.other_fields)

    @property
    def changed(self) -> bool:
        return (
            self.added
            or self.deleted
            or self._compare("quantity") != 0
            or self._compare("unit_cost") != 0
            or self.months_changed
            or self.other_changed
        )

    @property
    def scope_change(self) -> bool:
        return bool(self.scope_reasons)

    @property
    def line(self) -> Line:
        """The line as it stands on this document (its previous version if deleted)."""
        return self.revised or self.previous  # type: ignore[return-value]

    @property
    def summary(self) -> tuple[str, ...]:
        """Plain words for each kind of change, e.g. ('quantity up', 'months changed')."""
        if self.added:
            return ("added",)
        if self.deleted:
            return ("deleted",)
        out = []
        if self.quantity_up:
            out.append("quantity up")
        if self.quantity_down:
            out.append("quantity down")
        if self.value_up:
            out.append("value up")
        if self.value_down:
            out.append("value down")
        if self.months_changed:
            out.append("months changed")
        if self.other_fields:
            out.append("other fields changed: " + ", ".join(self.other_fields))
        return tuple(out)


@dataclass(frozen=True)
class Changes:
    """Everything derived by comparing a document with its previous snapshot."""

    lines: tuple[LineChange, ...]
    has_previous: bool

    @property
    def touched(self) -> tuple[LineChange, ...]:
        return tuple(c for c in self.lines if c.changed)

    @property
    def touched_numbers(self) -> tuple[str, ...]:
        return tuple(c.number for c in self.touched)

    @property
    def added(self) -> tuple[LineChange, ...]:
        return tuple(c for c in self.lines if c.added)

    @property
    def deleted(self) -> tuple[LineChange, ...]:
        return tuple(c for c in self.lines if c.deleted)

    @property
    def scope_changed(self) -> bool:
        return any(c.scope_change for c in self.lines)

    @property
    def scope_lines(self) -> tuple[LineChange, ...]:
        return tuple(c for c in self.lines if c.scope_change)

    def for_line(self, number: str) -> LineChange | None:
        return next((c for c in self.lines if c.number == number), None)


def _line_key(number: str) -> tuple[int, str]:
    return int(number[:3]), number[3:]


_ITEM_WORD = re.compile(r"[a-z0-9]+(?:[/.-][a-z0-9]+)*")
_NOT_ITEM_WORDS = frozenset({"a", "an", "and", "for", "of", "or", "the", "to", "with"})


def _item_words(text: str) -> frozenset[str]:
    """The words of a description that name the item: letter case, punctuation between words
    and small words ('and', 'of', ...) set aside; a designator keeps its digits as one word
    ('AN/PVS-14' -> 'anpvs14')."""
    words = (re.sub(r"[/.-]", "", w) for w in _ITEM_WORD.findall(text.lower()))
    return frozenset(w for w in words if w not in _NOT_ITEM_WORDS)


def _same_word(new: str, old: str) -> bool:
    """Whether `new` is `old` written another way: the same word, one an abbreviation or the
    plural of the other ('EQUIP', 'PARTS'), or a spelling corrected ('EQUIPEMNT'). A word with
    digits names a model or a size: only the same word is the same."""
    if new == old:
        return True
    if any(c.isdigit() for c in new + old) or min(len(new), len(old)) < 3:
        return False
    if new.startswith(old) or old.startswith(new):
        return True
    return min(len(new), len(old)) >= 5 and SequenceMatcher(None, new, old).ratio() >= 0.8


def _new_item_words(new: str, old: str) -> list[str]:
    """The words of description `new` that description `old` does not hold in any spelling:
    none when `new` rewords `old` (case, punctuation, order, abbreviations, spelling)."""
    before = _item_words(old)
    return sorted(w for w in _item_words(new) if not any(_same_word(w, b) for b in before))


_JOINS = re.compile(r"&|\b(?:and|with|plus|including)\b", re.IGNORECASE)
"""Words that join one more item to a description ('SUPPORT EQUIPMENT AND SIMULATORS')."""


def _refines(new: str, old: str) -> bool:
    """Whether description `new` keeps every word of `old` (in any spelling) and only adds to
    it what qualifies the same item: 'SUPPORT EQUIPMENT, AIRCRAFT' of 'SUPPORT EQUIPMENT',
    'MISSILE, JAVELIN' of 'MISSILE'; not 'SUPPORT EQUIPMENT AND SIMULATORS' (one more item)."""
    if len(_JOINS.findall(new)) > len(_JOINS.findall(old)):
        return False
    after = _item_words(new)
    return all(any(_same_word(a, b) for a in after) for b in _item_words(old))


def _item_swaps(old: Line | None, new: Line | None) -> Iterator[tuple[str, str]]:
    """`LineChange.item_swaps`: another MASL, another item in the description or nomenclature.
    Under the same MASL, a description that only adds words to the old one says more precisely
    what the line already bought: not another item."""
    if old is None or new is None:
        return
    if new.masl != old.masl:
        yield "masl", f"the MASL changes from {old.masl} to {new.masl}"
    for name in ("description", "nomenclature"):
        before, after = getattr(old, name), getattr(new, name)
        if before is None or after is None or before == after:
            continue
        if new.masl == old.masl and _refines(after, before):
            continue
        if _new_item_words(after, before):
            yield name, f"the {name} changes from {before!r} to {after!r}"


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(day|week|month|year)s?\b", re.IGNORECASE)
# A month is a twelfth of a year, so that '24 months' and '2 years' are the same length.
_DAYS_IN = {"day": 1.0, "week": 7.0, "month": 365.0 / 12, "year": 365.0}
_CALENDAR_UNITS = frozenset({"month", "year"})
# Weeks do not divide months: a period written in the one and then the other is rounded
# ('6 weeks' -> '1.5 months'). It is longer only when it grows by more than this share of
# its length and by at least this many days.
_ROUNDING_SHARE = 0.05
_ROUNDING_DAYS = 7.0


def _period(text: str | None) -> tuple[float, bool] | None:
    """The length of a period of performance written as a duration ('18 months', '2 years',
    '12 weeks'), in days, and whether it is counted in months or years; None when the text
    says it otherwise (dates, words)."""
    found = _DURATION.fullmatch(text.strip()) if text else None
    if found is None:
        return None
    unit = found.group(2).lower()
    return float(found.group(1)) * _DAYS_IN[unit], unit in _CALENDAR_UNITS


def _period_longer(before: tuple[float, bool], after: tuple[float, bool]) -> bool:
    """Whether period `after` is longer than `before` (each as `_period` reads it). Written in
    units that divide each other (months and years; days and weeks), any growth is longer
    ('24 months' -> '25 months') and an equal length is not ('24 months' -> '2 years');
    written in weeks or days on one side and months or years on the other, a growth within a
    rounding of the wording is not longer ('6 weeks' -> '1.5 months')."""
    (a, a_months), (b, b_months) = before, after
    grown = b - a
    if a_months == b_months:
        return grown > 0.01  # a hundredth of a day: the same length, computed two ways
    return grown > a * _ROUNDING_SHARE and grown >= _ROUNDING_DAYS


def _performance_period(ln: Line) -> tuple[str, str | None]:
    """A service line's period of performance as written, with its field's path in the line."""
    if ln.training is not None:
        return ".training.performance_period", ln.training.performance_period
    return ".performance_period", ln.performance_period


def _scope_reasons(change: LineChange, category: str) -> tuple[str, ...]:
    """Why a line change widens the scope (SAMM AP9.T2, Table C6.T7, Section C5.4.3; DSCA
    24-08), or () if it does not. The one place that decides it: the case description's "no
    change in scope", the State description, the checks and the review report read it."""
    if change.added:
        return (NEW_LINE,)
    if change.deleted:
        return ()
    reasons = []
    if category == "defined_order" and change.quantity_up:
        reasons.append(MORE_QUANTITY)
    if category != "defined_order" and change.value_up:
        reasons.append(MORE_VALUE)
    # a longer period of performance is scope on a defined order only: a blanket order line
    # is a ceiling of value, whose months may run longer at the same value (DSCA 24-08)
    service = change.revised is not None and change.revised.is_service
    longer = change.period_lengthened or change.period_written_longer is not None
    if category == "defined_order" and service and longer:
        reasons.append(LONGER_PERIOD)
    if change.item_swaps:
        reasons.append(ANOTHER_ITEM)
    return tuple(reasons)


def compare(previous: Case | None, current: Case) -> Changes:
    """Compare `current` with `previous`, line by line. Without a previous, nothing changed."""
    if previous is None:
        return Changes(
            lines=tuple(LineChange(ln.number, ln, ln) for ln in current.lines),
            has_previous=False,
        )
    before = {ln.number: ln for ln in previous.lines}
    after = {ln.number: ln for ln in current.lines}
    changes = []
    for number in sorted(before.keys() | after.keys(), key=_line_key):
        old, new = before.get(number), after.get(number)
        others: tuple[str, ...] = ()
        if old is not None and new is not None:
            a, b = old.__dict__, new.__dict__
            if a == b:
                # Most lines are unchanged (the whole line is compared first): no field
                # changed, so no reason widens the scope (each compares a field).
                changes.append(LineChange(number, old, new))
                continue
            others = tuple(k for k in a if k not in _TRACKED and a[k] != b[k])
        draft = LineChange(number, old, new, others)
        changes.append(
            LineChange(number, old, new, others, _scope_reasons(draft, current.category))
        )
    return Changes(lines=tuple(changes), has_previous=True)
