"""Designators kept whole across line ends.

Word and LibreOffice may end a line after any hyphen, so a designator or reference printed near
the end of a line was split in two: "AN/PVS-" at the end of a line of the line table and "7D" on
the next, "INDOPACOM-J45-26-" and "031" in the references on page 1, "MIL-STD-" and "129" in a
note. A reader copying such a reference, or reading it aloud, gets it wrong. Each hyphen of such
a word is written as Word's non-breaking hyphen (`<w:noBreakHyphen/>`, what Ctrl+Shift+Hyphen
types in Word): it prints as a hyphen, is read as one by text extraction, and no line ends at
it. Ordinary hyphenated words ("Indo-Pacific", "non-severable", "as-is") may still break."""

from __future__ import annotations

import re

_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/.")
"""The characters of a part of a hyphenated word ("AN/PVS", "7D", "U.S.")."""

_DESIGNATOR_PART = re.compile(r"[0-9]|[A-Z]{2,}(?![a-z])")
"""A part that makes its word a designator or reference: one holding a digit, or two capitals
not starting a lower-case word ("AN", "MIL", "STD", "UH-60M"; not "Non", "U.S.")."""

_NO_BREAK = '</w:t><w:noBreakHyphen/><w:t xml:space="preserve">'


def keep_designators_whole(xml: str) -> str:
    """`xml` (a rendered part) with the hyphens of designators and references made
    non-breaking (see the module's text); the same text when none is found.

    Walks the hyphens of `xml` (a few hundred in a document, where its `<w:t>` elements are
    thousands): each in the text of a `<w:t>` element, inside a word made of parts joined by
    hyphens one of which holds a digit or two capitals, is split off as a non-breaking hyphen
    element (the text after it in a `<w:t>` of its own)."""
    out: list[str] = []
    done = 0  # what of `xml` is in `out`
    find, rfind = xml.find, xml.rfind
    at = find("-")
    while at >= 0:
        opened = rfind("<", 0, at)
        text = rfind(">", opened, at) + 1  # where the element's text starts
        if not text or not xml.startswith(("<w:t>", '<w:t xml:space="preserve">'), opened):
            at = find("-", at + 1)
            continue  # in a tag, or the text of another element
        end = find("<", at)
        start = at
        while start > text and xml[start - 1] in _WORD:
            start -= 1
        stop = at + 1
        while stop < end and (xml[stop] in _WORD or xml[stop] == "-"):
            stop += 1
        word = xml[start:stop]
        parts = word.split("-")
        if all(parts) and any(_DESIGNATOR_PART.search(part) for part in parts):
            out += (xml[done:start], word.replace("-", _NO_BREAK))
            done = stop
        at = find("-", stop)
    if not out:
        return xml
    out.append(xml[done:])
    return "".join(out)
