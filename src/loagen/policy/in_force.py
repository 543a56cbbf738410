"""The notes in force on a case: which notes, in which version, since which document.

A note stays in force on a case until a document deletes it, whether or not later documents
print it again (DSCA 07-45; LOA Standardization Guide section 6). `CaseNotes` is that state at one
point of the case's history; `selection` decides each document's notes from the state before it,
and `advance` gives the state after it. The state before a document is derived from its
`previous` chain, document by document (`pipeline.Pipeline.notes_before` does it once a chain),
or taken from `document.notes_in_force` when the earlier documents were not written with
loagen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

NOTE_ID = re.compile(r"[A-Z0-9][A-Z0-9-]*")
"""What a note id looks like: capital letters, digits and dashes."""

BEFORE_LOAGEN = "an earlier document (notes_in_force)"
"""What `since` says of a note a document lists in `notes_in_force`."""


@dataclass(frozen=True)
class InForce:
    """One note in force on a case."""

    note_id: str
    version: str
    since: str
    """The document that printed this version first: "Basic", "Amendment 1" ..."""

    @property
    def since_the(self) -> str:
        return since_the(self.since)


@dataclass(frozen=True)
class CaseNotes:
    """The notes in force on a case at one point of its history, by id."""

    items: tuple[InForce, ...] = ()
    _by_id: dict[str, InForce] = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {n.note_id: n for n in self.items})
        object.__setattr__(self, "_hash", hash((self.items,)))

    def __hash__(self) -> int:
        # The dataclass's own hash (of the compared fields), worked out once: a state is the
        # key of its decisions in a document's memo, looked up for every document selected,
        # and hashing some fifty notes in force each time costs.
        return self._hash

    def __reduce__(self) -> tuple[type[CaseNotes], tuple[tuple[InForce, ...]]]:
        # Rebuilt from its items when copied or pickled: a string's hash is another in another
        # process, so the kept hash is worked out again there.
        return (CaseNotes, (self.items,))

    def get(self, note_id: str) -> InForce | None:
        return self._by_id.get(note_id)

    def __contains__(self, note_id: object) -> bool:
        return note_id in self._by_id

    def __iter__(self) -> Iterator[InForce]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @classmethod
    def listed(cls, notes: Iterable[tuple[str, str]]) -> CaseNotes:
        """The state a document gives in `notes_in_force`: (id, version) pairs."""
        return cls(tuple(InForce(i, v, BEFORE_LOAGEN) for i, v in notes))


def since_the(since: str) -> str:
    """A document's title as `since` gives it, as it reads in a sentence: "the Basic",
    "Amendment 1", "an earlier document (notes_in_force)"."""
    return f"the {since}" if since.startswith("Basic") else since


NONE = CaseNotes()
"""A case before its Basic: no note in force."""


def advance(before: CaseNotes, printed: Iterable[tuple[str, str]], deleted: Iterable[str],
            title: str) -> CaseNotes:  # fmt: skip
    """The state after a document titled `title` that prints `printed` ((id, version) pairs)
    and deletes `deleted` (ids); the other notes stay as they were, in the library's order of
    the document's decisions for those it prints."""
    notes = {n.note_id: n for n in before}
    for note_id in deleted:
        notes.pop(note_id, None)
    for note_id, version in printed:
        held = notes.get(note_id)
        since = held.since if held is not None and held.version == version else title
        notes[note_id] = InForce(note_id, version, since)
    return CaseNotes(tuple(notes.values()))
