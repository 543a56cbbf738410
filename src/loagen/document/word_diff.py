"""How a printed text changes, paragraph by paragraph and word by word.

`wording_changes(old, new)` compares two texts (note bodies as printed: Markdown, one paragraph
or list item a line) and gives one `Change` a paragraph that differs: added, removed, or
reworded, with the words that went and came. `loagen diff` and `loagen impact` show them to
reviewers and policy staff ("was: ... now: ..."), and put them in their JSON.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

_WORD = re.compile(r"\S+\s*")

REWORDED = 0.4
"""Share of a paragraph's words that must stay for it to count as reworded (below: the
paragraph is removed and another added)."""

CONTEXT_WORDS = 6
"""Words kept either side of a change when a paragraph is shown clipped."""


@dataclass(frozen=True)
class Piece:
    """A run of words: kept ("="), removed ("-") or added ("+")."""

    op: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {{"=": "kept", "-": "removed", "+": "added"}[self.op]: self.text}


@dataclass(frozen=True)
class Change:
    """One paragraph that differs: `old` None when it was added, `new` None when removed."""

    old: str | None
    new: str | None
    pieces: tuple[Piece, ...] = ()
    """Reworded paragraphs: the words kept, removed and added, in order."""

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "reworded"

    def was_now(self, context: int = CONTEXT_WORDS) -> tuple[str, str]:
        """The old and new paragraph around what changed, with `[` `]` around the words that
        differ and '...' where words are left out, e.g. ("... above [$1,000] a day ...",
        "... above [$1,200] a day ...")."""
        return _side(self.pieces, "-", context), _side(self.pieces, "+", context)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"change": self.kind, "old": self.old, "new": self.new}
        if self.pieces:
            out["words"] = [p.to_json() for p in self.pieces]
        return out


def paragraphs(text: str) -> list[str]:
    """The paragraphs (and list items) of a printed text, without surrounding spaces."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def wording_changes(old: str, new: str) -> tuple[Change, ...]:
    """Every paragraph of `old` and `new` that differs, in the order of the text."""
    a, b = paragraphs(old), paragraphs(new)
    out: list[Change] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        olds, news = a[i1:i2], b[j1:j2]
        # Pair the paragraphs of a replaced block one to one (a reworded paragraph), the rest
        # are removed or added.
        pairs = min(len(olds), len(news)) if op == "replace" else 0
        removed, added = list(olds[pairs:]), list(news[pairs:])
        for k in range(pairs):
            pieces = word_pieces(olds[k], news[k])
            if kept_share(pieces) >= REWORDED:
                out.append(Change(olds[k], news[k], pieces))
            else:  # little in common: a paragraph replaced by another
                removed.insert(k, olds[k])
                added.insert(k, news[k])
        out += [Change(p, None) for p in removed]
        out += [Change(None, p) for p in added]
    return tuple(out)


def word_pieces(old: str, new: str) -> tuple[Piece, ...]:
    """The words of `old` and `new` as kept, removed and added runs."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    keys_a, keys_b = [w.rstrip() for w in a], [w.rstrip() for w in b]
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _add(pieces, "=", "".join(b[j1:j2]))
            continue
        if i2 > i1:
            _add(pieces, "-", "".join(a[i1:i2]))
        if j2 > j1:
            _add(pieces, "+", "".join(b[j1:j2]))
    return tuple(pieces)


def kept_share(pieces: tuple[Piece, ...]) -> float:
    """2 x the characters kept / the characters of both paragraphs (1.0: the same text)."""
    kept = sum(len(p.text) for p in pieces if p.op == "=")
    changed = sum(len(p.text) for p in pieces if p.op != "=")
    return 2 * kept / (2 * kept + changed) if kept or changed else 1.0


def _add(pieces: list[Piece], op: str, text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1].op == op:
        pieces[-1] = Piece(op, pieces[-1].text + text)
    else:
        pieces.append(Piece(op, text))


def _side(pieces: tuple[Piece, ...], op: str, context: int) -> str:
    """One side ("-" old, "+" new) of a word diff, changed runs in brackets, long unchanged runs
    cut to `context` words either side of a change."""
    shown = [p for p in pieces if p.op in ("=", op)]
    out: list[str] = []
    for k, piece in enumerate(shown):
        if piece.op == op:
            text = piece.text.rstrip()
            trail = piece.text[len(text) :]
            out.append(f"[{text}]{trail}")
            continue
        words = _WORD.findall(piece.text)
        head = 0 if k == 0 else context  # words kept after the change before this run
        tail = 0 if k == len(shown) - 1 else context  # words kept before the next change
        if len(words) <= head + tail + 1:
            out.append(piece.text)
            continue
        kept_head = "".join(words[:head])
        kept_tail = "".join(words[len(words) - tail :]) if tail else ""
        out.append(f"{kept_head}... {kept_tail}" if kept_tail else f"{kept_head.rstrip()} ...")
    return "".join(out).strip()
