"""Selected notes: which notes of the library a document carries, in print order, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# Where a selected note is printed:
#   "notes"             the notes section, in the order of loa-facts 1.6 (section 1..5, then order key)
#   "payment_schedule"  directly under the payment schedule (e.g. the RAPS note)
#   "line"              in the description column of each line in `lines`
Placement = Literal["notes", "payment_schedule", "line"]


@dataclass(frozen=True)
class SelectedNote:
    """One note as it is printed on this document, placeholders already filled."""

    id: str
    title: str
    version: str
    placement: Placement
    body: str
    """Markdown with every placeholder filled (paragraphs, **bold**, *italic*, - and 1. lists)."""
    lines: tuple[str, ...] = ()
    """The lines the note is about, or is attached to when placement is "line"."""
    sha256: str = ""
    """Hash of the note file (for manifests and incremental builds)."""


@dataclass(frozen=True)
class Term:
    """One part of a rule and its value on this document, for explanations."""

    text: str
    value: Any
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """Why one library note is in or out of this document."""

    note_id: str
    included: bool
    reason: str
    rule: str = ""
    terms: tuple[Term, ...] = ()
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Selection:
    notes: tuple[SelectedNote, ...] = ()
    decisions: tuple[Decision, ...] = field(default=())

    def placed(self, placement: Placement) -> tuple[SelectedNote, ...]:
        return tuple(n for n in self.notes if n.placement == placement)

    def for_line(self, number: str) -> tuple[SelectedNote, ...]:
        return tuple(n for n in self.notes if n.placement == "line" and number in n.lines)
