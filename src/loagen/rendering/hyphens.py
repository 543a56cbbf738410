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

_TEXT_WITH_HYPHEN = re.compile(r'<w:t(?: xml:space="preserve")?>([^<-]*-[^<]*)</w:t>')
"""A `<w:t>` element whose text holds a hyphen (the text as escaped in the XML)."""

_COMPOUND = re.compile(r"[A-Za-z0-9/.]+(?:-[A-Za-z0-9/.]+)+")
"""A word made of parts joined by hyphens ("AN/PVS-7D", "BN-P-MSB", "001-003", "Non-Specific")."""

_DESIGNATOR_PART = re.compile(r"[0-9]|[A-Z]{2,}(?![a-z])")
"""A part that makes its word a designator or reference: one holding a digit, or two capitals
not starting a lower-case word ("AN", "MIL", "STD", "UH-60M"; not "Non", "U.S.")."""

_NO_BREAK = '</w:t><w:noBreakHyphen/><w:t xml:space="preserve">'


def _keep_whole(word: re.Match[str]) -> str:
    text = word.group()
    if _DESIGNATOR_PART.search(text) is None:
        return text
    return text.replace("-", _NO_BREAK)


def _text(element: re.Match[str]) -> str:
    text = element.group(1)
    kept = _COMPOUND.sub(_keep_whole, text)
    if kept == text:
        return element.group()
    return f'<w:t xml:space="preserve">{kept}</w:t>'


def keep_designators_whole(xml: str) -> str:
    """`xml` (a rendered part) with the hyphens of designators and references made
    non-breaking (see the module's text); the same text when none is found."""
    if "-" not in xml:
        return xml
    return _TEXT_WITH_HYPHEN.sub(_text, xml)
