"""What changed between a document and its `previous` snapshot, line by line, and the scope verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Case, Line

# Fields whose change is reported as its own kind; every other field is an "other" change.
_TRACKED = ("quantity", "unit_cost", "months")


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


def _scope_reasons(change: LineChange, category: str) -> tuple[str, ...]:
    """Why a line change widens the scope (SAMM AP9.T2; DSCA 24-08), or () if it does not."""
    if change.added:
        return ("a new line",)
    if change.deleted:
        return ()
    reasons = []
    if category == "defined_order" and change.quantity_up:
        reasons.append("more quantity on a defined order line")
    if category != "defined_order" and change.value_up:
        reasons.append("more value on a blanket order line")
    if change.revised is not None and change.revised.is_service and change.period_lengthened:
        reasons.append("a longer period of performance on a service line")
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
