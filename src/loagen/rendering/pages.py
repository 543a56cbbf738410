"""How many pages a built document lays out to, worked out without a word processor.

The offer says "This document consists of page 1 through page N", with N a Word field
(NUMPAGES) that Word and LibreOffice work out when they lay the document out. A field also keeps
the last value it showed, which is what a reader sees wherever the document is not laid out
(previews, text extraction, search indexes). That value is this estimate: the document's
paragraphs and table rows flowed onto its pages with the styles of the template, the widths of
Arial's characters (the metric-compatible Liberation Sans of LibreOffice), paragraph spacing,
line spacing, cell margins, repeated table headings, page breaks, keep-with-next and widow and
orphan control. When loagen also makes a PDF it takes the number of pages from the PDF instead.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate, repeat
from operator import add
from typing import Any

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"

# Advance widths of the printable ASCII characters (32-126) of Arial / Liberation Sans, in units
# of 1/2048 em (the fonts' own metrics; Arial and Liberation Sans share them).
_REGULAR = (
    569, 569, 727, 1139, 1139, 1821, 1366, 391, 682, 682, 797, 1196, 569, 682, 569, 569, 1139,
    1139, 1139, 1139, 1139, 1139, 1139, 1139, 1139, 1139, 569, 569, 1196, 1196, 1196, 1139, 2079,
    1366, 1366, 1479, 1479, 1366, 1251, 1593, 1479, 569, 1024, 1366, 1139, 1706, 1479, 1593, 1366,
    1593, 1479, 1366, 1251, 1479, 1366, 1933, 1366, 1366, 1251, 569, 569, 569, 961, 1139, 682,
    1139, 1139, 1024, 1139, 1139, 569, 1139, 1139, 455, 455, 1024, 455, 1706, 1139, 1139, 1139,
    1139, 682, 1024, 569, 1139, 1024, 1479, 1024, 1024, 1024, 684, 532, 684, 1196,
)  # fmt: skip
_BOLD = (
    569, 682, 971, 1139, 1139, 1821, 1479, 487, 682, 682, 797, 1196, 569, 682, 569, 569, 1139,
    1139, 1139, 1139, 1139, 1139, 1139, 1139, 1139, 1139, 682, 682, 1196, 1196, 1196, 1251, 1997,
    1479, 1479, 1479, 1479, 1366, 1251, 1593, 1479, 569, 1139, 1479, 1251, 1706, 1479, 1593, 1366,
    1593, 1479, 1366, 1251, 1479, 1366, 1933, 1366, 1366, 1251, 682, 569, 682, 1196, 1139, 682,
    1139, 1251, 1139, 1251, 1139, 682, 1251, 1251, 569, 569, 1139, 569, 1821, 1251, 1251, 1251,
    1251, 797, 1139, 682, 1251, 1139, 1593, 1139, 1139, 1024, 797, 573, 797, 1196,
)  # fmt: skip
_EM = 2048
_WIDEST = 2079
"""The widest printable ASCII character ("@")."""
_OTHER = 1139
"""Width of a character outside printable ASCII (an average letter)."""
LINE = 2355 / _EM
"""A single line of Arial is this many times the font size (ascent, descent and line gap)."""
TWIP = 1 / 20
"""Points in a twentieth of a point (the unit of Word's measurements)."""
_SINGLE_LINES = (
    115, 127, 138, 149, 161, 173, 184, 196, 207, 218, 230, 242, 253, 265, 276, 287, 300, 311,
    322, 334, 345, 356, 369, 380, 391, 403, 414, 425, 438, 449,
)  # fmt: skip
"""The height in twips of a single-spaced line of Liberation Sans as LibreOffice lays it out,
for each size from 5 to 19.5 points by half points (measured). The font's ascent, descent and
line gap are each rounded in LibreOffice's own units, so a line is `LINE` times the size give
or take half a twip, and sometimes a whole one (13 points: 300 twips, not 299)."""


@lru_cache(maxsize=256)
def _line_height(size: float, line: float) -> float:
    """The height (points) of a line whose tallest text is `size` points in a paragraph spaced
    `line` times single (auto spacing), as LibreOffice works it out: in whole twips, the font's
    single line (`_SINGLE_LINES`) times the spacing as a whole percentage (Word's 276/240 is
    115%), rounded down. (10 points at 1.15: 264 twips, 13.2 points, not the 13.22 of the
    font's metrics, a point less on a page of fifty lines: enough to move a note's heading.)"""
    index = size * 2 - 10
    if index.is_integer() and 0 <= index < len(_SINGLE_LINES):
        single = _SINGLE_LINES[int(index)]
    else:
        single = round(size * 20 * LINE)
    percent = round(line * 240) * 100 // 240
    return single * percent // 100 / 20


KEEP_SLACK = 0.01
"""How far (points) a table row, or a block kept together, may seem to run past the page and
still be laid out on it: none but the rounding of sums of heights in floating point (every
height is a whole number of twips, as LibreOffice lays a page out in twips: what does not fit
to the twip goes to the next page)."""
BORDER = 0.5
"""The height a row's border adds (a half-point single line)."""
CELL_MARGIN = 108 * TWIP
"""Word's default left and right cell margins of a table (0.075 inch each)."""
_DEFAULT_MARGINS = (0.0, 0.0, CELL_MARGIN, CELL_MARGIN)
_NO_MARGINS = _DEFAULT_MARGINS


@dataclass(frozen=True, slots=True)
class _Row:
    """A table row laid out. (Slots, as `_Box`: a layout keeps thousands of them.)"""

    height: float
    line: float
    """The height of its shortest line (a row split across pages breaks between lines)."""
    heading: bool
    """A heading row, repeated at the top of every page the table runs onto."""
    splits: bool
    """It may break across pages (it does not say it cannot)."""
    keep_next: bool
    """Every paragraph in it keeps with the next: it stays on the page of the row after it."""
    border: float = 0.0
    """The room its bottom border takes below it: at the foot of a page, and after the last
    row of its table."""
    last: bool = False
    """The last row of its table."""


@dataclass(frozen=True)
class Style:
    """What a paragraph style says about the room a paragraph takes."""

    size: float = 11.0
    bold: bool = False
    before: float = 0.0
    after: float = 10.0
    line: float = 1.15
    """Line spacing: a multiple of single spacing (auto), or a height in points (exact/at
    least) when `exact` is set."""
    exact: float = 0.0
    left: float = 0.0
    hanging: float = 0.0
    keep_next: bool = False
    keep_lines: bool = False
    """Its lines stay on one page (keep lines together), unless they fill more than a page."""
    page_break_before: bool = False
    numbered: bool = False
    """A list item (Word numbering): its number and a tab come before its text."""


def _twips(element: etree._Element | None, name: str) -> float | None:
    if element is None:
        return None
    value = element.get(_W + name)
    return None if value is None else int(value) * TWIP


def _apply(style: Style, ppr: etree._Element | None, rpr: etree._Element | None) -> Style:
    """`style` with the paragraph and run properties of `ppr` and `rpr` on top."""
    changes: dict[str, object] = {}
    if ppr is not None:
        spacing = ppr.find(_W + "spacing")
        if spacing is not None:
            for attr, key in (("before", "before"), ("after", "after")):
                value = _twips(spacing, attr)
                if value is not None:
                    changes[key] = value
            line = spacing.get(_W + "line")
            if line is not None:
                rule = spacing.get(_W + "lineRule", "auto")
                if rule == "auto":
                    changes["line"], changes["exact"] = int(line) / 240, 0.0
                else:
                    changes["exact"] = int(line) * TWIP
        ind = ppr.find(_W + "ind")
        if ind is not None:
            for attr, key in (("left", "left"), ("start", "left"), ("hanging", "hanging")):
                value = _twips(ind, attr)
                if value is not None:
                    changes[key] = value
        for tag, key in (
            ("keepNext", "keep_next"),
            ("keepLines", "keep_lines"),
            ("pageBreakBefore", "page_break_before"),
        ):
            element = ppr.find(_W + tag)
            if element is not None:
                changes[key] = element.get(_W + "val", "true") not in ("0", "false")
        num_id = ppr.find(f"{_W}numPr/{_W}numId")
        if num_id is not None:
            changes["numbered"] = num_id.get(_W + "val", "0") != "0"
    if rpr is not None:
        sz = rpr.find(_W + "sz")
        if sz is not None and sz.get(_W + "val"):
            changes["size"] = int(sz.get(_W + "val")) / 2
        bold = rpr.find(_W + "b")
        if bold is not None:
            changes["bold"] = bold.get(_W + "val", "true") not in ("0", "false")
    return replace(style, **changes) if changes else style


@lru_cache(maxsize=8)
def styles_of(styles_xml: bytes) -> tuple[dict[str, Style], Style]:
    """Paragraph styles by id (their `basedOn` chains resolved) and the default style, from
    word/styles.xml."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(styles_xml, parser)
    base = Style()
    defaults = root.find(f"{_W}docDefaults")
    if defaults is not None:
        base = _apply(
            base,
            defaults.find(f"{_W}pPrDefault/{_W}pPr"),
            defaults.find(f"{_W}rPrDefault/{_W}rPr"),
        )
    raw = {}
    for element in root.iter(_W + "style"):
        if element.get(_W + "type") in ("paragraph", "table"):
            raw[element.get(_W + "styleId")] = element
    resolved: dict[str, Style] = {}

    def resolve(style_id: str, depth: int = 0) -> Style:
        if style_id in resolved:
            return resolved[style_id]
        element = raw.get(style_id)
        if element is None or depth > 20:
            return base
        parent = element.find(_W + "basedOn")
        start = resolve(parent.get(_W + "val"), depth + 1) if parent is not None else base
        resolved[style_id] = _apply(start, element.find(_W + "pPr"), element.find(_W + "rPr"))
        return resolved[style_id]

    for style_id in raw:
        resolve(style_id)
    default_id = next(
        (
            e.get(_W + "styleId")
            for e in raw.values()
            if e.get(_W + "default") in ("1", "true") and e.get(_W + "type") == "paragraph"
        ),
        None,
    )
    return resolved, resolved.get(default_id, base) if default_id else base


def _text_width(text: str, bold: bool, size: float) -> float:
    table = _BOLD if bold else _REGULAR
    units = 0
    for char in text:
        code = ord(char)
        units += table[code - 32] if 32 <= code < 127 else _OTHER
    return units * size / _EM


@dataclass(slots=True)
class _Box:
    """A paragraph laid out: the height of each line, and the space around it. (Slots: a
    layout keeps thousands of boxes, and an object without a `__dict__` is one object fewer
    for the garbage collector to go through.)"""

    lines: list[float]
    before: float
    after: float
    keep_next: bool
    page_break_before: bool
    keep_lines: bool = False
    hang: float = 0.0
    """How far its last line on a page may run past the foot of the page: LibreOffice places a
    line where its text fits, the room a spacing above single adds to it (below the text) left
    hanging past the page (`_hang`)."""
    first_two: float = field(init=False, repr=False, compare=False)
    """The room it needs at the foot of a page, the rest going on the next: its first two
    lines (widow and orphan control leave no line alone on either side, so a paragraph of three
    lines or fewer is never split), or all its lines when it keeps them together (added up
    once: a remembered paragraph is flowed on document after document)."""
    height: float = field(init=False, repr=False, compare=False)
    """`sum(lines)`."""

    def __post_init__(self) -> None:
        self.height = sum(self.lines)
        whole = self.keep_lines or len(self.lines) <= 3
        self.first_two = self.height if whole else sum(self.lines[:2])


_T, _TAB, _BR, _RUN, _PPR = (_W + n for n in ("t", "tab", "br", "r", "pPr"))
_PSTYLE, _RPR, _B, _SZ = (_W + n for n in ("pStyle", "rPr", "b", "sz"))


def _paragraph(p: etree._Element, styles: dict[str, Style], default: Style, width: float,
               in_table: Style | None = None) -> _Box:  # fmt: skip
    ppr = p.find(_PPR)
    style_id = None
    if ppr is not None:
        ps = ppr.find(_PSTYLE)
        style_id = ps.get(_W + "val") if ps is not None else None
    style = styles.get(style_id, default) if style_id else (in_table or default)
    if in_table is not None and style_id and style.exact == 0:
        # a table style's line spacing applies to its paragraphs
        style = _in_table(style, in_table)
    if ppr is not None and len(ppr) > (0 if style_id is None else 1):
        style = _with_properties(style, ppr)
    pieces: list[tuple[str, str, bool, float]] = list(_number_pieces(style))
    page_break = style.page_break_before
    for run in p.iter(_RUN):
        size, bold = style.size, style.bold
        rpr = run.find(_RPR)
        if rpr is not None:
            b = rpr.find(_B)
            if b is not None:
                bold = b.get(_W + "val", "true") not in ("0", "false")
            sz = rpr.find(_SZ)
            if sz is not None and sz.get(_W + "val"):
                size = int(sz.get(_W + "val")) / 2
        for child in run:
            tag = child.tag
            if tag == _T:
                if child.text:
                    pieces.append(("t", child.text, bold, size))
            elif tag == _TAB:
                pieces.append(("tab", "", bold, size))
            elif tag == _BR:
                if child.get(_W + "type") == "page":
                    page_break = True
                else:
                    pieces.append(("br", "", bold, size))
    return _box_of(style, pieces, width, page_break)


def _box_of(style: Style, pieces: list[Any], width: float, page_break: bool) -> _Box:
    """The box of a paragraph of `style` holding `pieces` (text, tabs and breaks, each with its
    boldness and size), `width` points wide: its lines measured, its spacing and keeps."""
    return _Box(
        list(_measure(style, pieces, width)),
        style.before,
        style.after,
        style.keep_next,
        page_break,
        style.keep_lines,
        _hang(style, pieces),
    )


_APPLIED: dict[tuple[Style, bytes], Style] = {}


def _with_properties(style: Style, ppr: etree._Element) -> Style:
    """`_apply(style, ppr, None)`, remembered by the XML of `ppr` (the same paragraph
    properties come back on every document: a heading kept with the next, a subtitle's
    spacing)."""
    key = (style, etree.tostring(ppr, with_tail=False))
    found = _APPLIED.get(key)
    if found is None:
        found = _apply(style, ppr, None)
        _remember(_APPLIED, key, found)
    return found


def _number_pieces(style: Style) -> tuple[tuple[str, str, bool, float], ...]:
    """What a numbered paragraph shows before its text: its number (two digits and a point: the
    digits of Arial are all as wide) and the tab to the text."""
    if not style.numbered:
        return ()
    return (("t", "00.", style.bold, style.size), ("tab", "", style.bold, style.size))


def _zeroed(text: str) -> str:
    """`text` with its digits 1-9 made 0 (through UTF-8: `str.translate` looks each character
    up in a dictionary, several times slower)."""
    return text.encode("utf-8", "surrogatepass").translate(_DIGITS).decode("utf-8", "surrogatepass")


def _measure(style: Style, pieces: list[tuple[str, str, bool, float]], width: float
             ) -> tuple[float, ...]:  # fmt: skip
    """`_lines` of a paragraph, its text's digits read as 0: Arial's digits are all as wide
    (and none is a space), so the lines are the same, and an amount, a date or a line number
    lays out as any other of its length (the same few layouts are remembered for them)."""
    return _lines(style, tuple([(kind, _zeroed(text), b, s) for kind, text, b, s in pieces]), width)


@lru_cache(maxsize=8192)
def _lines(style: Style, pieces: tuple[tuple[str, str, bool, float], ...], width: float
           ) -> tuple[float, ...]:  # fmt: skip
    """The height of each line of a paragraph of `style` holding `pieces` (text, tab or line
    break, with its boldness and size) in a column `width` points wide. Paragraphs repeat
    (the Terms and Conditions, table headings, the same note on many documents), so this is
    worked out once for each."""
    room = max(width - style.left, 36.0)
    if all(kind == "t" for kind, _, _, _ in pieces) and (
        sum(len(text) * size for _, text, _, size in pieces) * _WIDEST / _EM
        <= room + (style.hanging or 0.0)
    ):
        # short enough for one line whatever its letters (amounts, dates, codes)
        size = max((size for _, _, _, size in pieces), default=style.size)
        return (style.exact,) if style.exact else (_line_height(size, style.line),)
    if len(pieces) == 1 and pieces[0][0] == "t" and not style.hanging:
        # the commonest paragraph that wraps (a note, a clause): one run of text
        _, text, bold, size = pieces[0]
        count = _plain_line_count(text, bold, size, room)
        if count is not None:
            return (style.exact or _line_height(size, style.line),) * count
    lines = _wrap(style, pieces, room)
    if style.exact:
        return tuple(style.exact for _ in lines)
    return tuple(_line_height(size, style.line) for size in lines)


def _hang(style: Style, pieces: list[tuple[str, str, bool, float]]) -> float:
    """`_Box.hang` of a paragraph of `style` holding `pieces`: what its spacing adds to a line
    of its smallest text (the least any of its lines has hanging); none for exact spacing."""
    if style.exact:
        return 0.0
    size = min((size for _, _, _, size in pieces), default=style.size)
    return max(_line_height(size, style.line) - _line_height(size, 1.0), 0.0)


def _wrap(style: Style, pieces: tuple[tuple[str, str, bool, float], ...], room: float
          ) -> list[float]:  # fmt: skip
    """The size of the tallest text on each line of a paragraph of `style` holding `pieces`
    in `room` points, the words placed one by one."""
    lines: list[float] = []
    line_width = -style.hanging if style.hanging else 0.0
    tallest = 0.0
    for kind, text, bold, size in pieces:
        if kind == "t":
            widths = _widths(bold, size)
            space = widths[" "]
            words = text.split(" ")
            # every word's width looked up at once (None for a word not seen yet)
            found = list(map(widths.get, words))
            first = True
            for word, w in zip(words, found, strict=True):
                # the space before the word (none at the start of a wrapped line)
                if first:
                    first = False
                elif line_width or not lines:
                    line_width += space
                    if size > tallest:
                        tallest = size
                if word:
                    if w is None:
                        w = _remember_width(widths, word, bold, size)
                    if line_width + w > room and "-" in word and _HYPHEN.search(word):
                        # a word that runs past the line breaks after a hyphen (LibreOffice
                        # breaks "001-006" so): its parts placed one by one as words are,
                        # with no space between them
                        parts = _HYPHEN.split(word)
                        for part in parts[:-1]:
                            pw = widths.get(part) or _remember_width(widths, part, bold, size)
                            if line_width + pw > room and line_width > 0:
                                lines.append(tallest or size)
                                line_width, tallest = 0.0, 0.0
                            line_width += pw
                            tallest = max(tallest, size)
                        word = parts[-1]
                        w = widths.get(word) or _remember_width(widths, word, bold, size)
                    if line_width + w > room and line_width > 0:
                        lines.append(tallest or size)
                        line_width, tallest = 0.0, 0.0
                    line_width += w
                    if size > tallest:
                        tallest = size
        elif kind == "tab":
            if line_width < 0:
                line_width = 0.0  # a hanging indent's first tab goes to the indent
            else:
                at = style.left + line_width  # default tab stops every half inch
                line_width = (at // 36.0 + 1) * 36.0 - style.left
            tallest = max(tallest, size)
        else:
            # a line break ends the line as high as its text: the break's own run counts only
            # on a line with no text (LibreOffice lays "was $4,050,000" in 7 points out 7
            # points high though the break after it is in an empty run of 8)
            lines.append(tallest or size)
            line_width, tallest = 0.0, 0.0
    lines.append(tallest or style.size)
    return lines


_HYPHEN = re.compile(r"(?<=[^-]-)(?=[^-])")
"""Where a word may break across lines: after a hyphen between two other characters."""


_EXACT_SUMS = 2.0**40
"""Below this, sums of words' widths (multiples of 1/4096 of a point, see `_plain_line_count`)
are exact in floating point."""


def _plain_line_count(text: str, bold: bool, size: float, room: float) -> int | None:
    """The number of lines the word-by-word loop of `_lines` breaks one piece of text (no
    hanging indent) into, found a line at a time: None where this does not apply (a size that
    is not a whole number of half points, an empty word: a space at an end or two together).

    A word's width is a whole number of font units times the size over 2048: with the size a
    whole number of half points, a multiple of 1/4096 of a point, so that the widths of the
    words and spaces, however they are added up, add up exactly (below `_EXACT_SUMS`). The
    loop's line width at word j, on a line that starts at word k, is then exactly
    `ends[j] - (ends[k] - widths[k])` (`ends` the running total of each word with the space
    before it), which only grows with j: the line breaks before the first word at which it
    exceeds `room`, found by bisection, its result checked against the exact sums on each side
    (the bisection's own bound, `room` plus a total, is rounded)."""
    if not (size > 0 and (size * 2).is_integer()):
        return None
    if not text or text[0] == " " or text[-1] == " " or "  " in text:
        return None  # an empty word
    words = text.split(" ")
    widths = _widths(bold, size)
    found = list(map(widths.get, words))
    space = widths[" "]
    try:
        ends = list(accumulate(map(add, found, repeat(space))))
    except TypeError:  # a word not measured yet (None)
        found = [
            _remember_width(widths, word, bold, size) if w is None else w
            for word, w in zip(words, found, strict=True)
        ]
        space = widths[" "]
        ends = list(accumulate(map(add, found, repeat(space))))
    n = len(ends)
    if ends[-1] >= _EXACT_SUMS:
        return None
    if "-" in text:
        return _hyphenated_count(words, found, ends, widths, bold, size, room)
    count, first = 1, 0
    while True:
        j = _next_line_start(ends, ends[first] - found[first], room, first + 1)
        if j >= n:
            return count
        count, first = count + 1, j


def _next_line_start(ends: list[float], base: float, room: float, after: int) -> int:
    """The first word of the next line: the first after `after` whose end (`ends`, from the
    line's start `base`) runs past `room` (the line holds at least the word before `after`)."""
    j = bisect_right(ends, room + base, after)
    while j > after and ends[j - 1] - base > room:
        j -= 1
    n = len(ends)
    while j < n and not ends[j] - base > room:
        j += 1
    return j


def _hyphenated_count(words: list[str], found: list[float], ends: list[float],
                      widths: dict[str, float], bold: bool, size: float, room: float
                      ) -> int:  # fmt: skip
    """`_plain_line_count` of a text some of whose words may break after a hyphen, as `_wrap`
    places their parts: a line runs from a word, or from a part of one (the first `cut`
    points of it placed on the lines before), as far as the words fit, and then as far as the
    parts of the word it breaks before fit (`_part_ends`), that word's next part starting the
    next line. A word wider than a line is placed a part at a time in the same way."""
    space = widths[" "]
    n = len(ends)
    count, first, cut = 1, 0, 0.0
    while True:
        base = ends[first] - found[first] + cut
        rest = found[first] - cut
        if rest > room and "-" in words[first]:
            # the line holds the word's next part, however wide, and the parts after it that
            # fit; the rest of the word starts the next line
            offsets = _part_ends(words[first], widths, bold, size)
            placed = max(bisect_right(offsets, cut + room), bisect_right(offsets, cut) + 1)
            if placed < len(offsets):
                count, cut = count + 1, offsets[placed - 1]
                continue
        j = _next_line_start(ends, base, room, first + 1)
        if j >= n:
            return count
        cut = 0.0
        if "-" in words[j]:
            offsets = _part_ends(words[j], widths, bold, size)
            left = room - (ends[j - 1] - base + space)
            fitting = bisect_right(offsets, left)
            if fitting:
                cut = offsets[fitting - 1]
        count, first = count + 1, j


def _part_ends(word: str, widths: dict[str, float], bold: bool, size: float) -> list[float]:
    """How far into `word` each of its parts (`_HYPHEN`) ends, in points."""
    parts = _HYPHEN.split(word)
    found = [widths.get(part) or _remember_width(widths, part, bold, size) for part in parts]
    return list(accumulate(found))


_WIDTHS: dict[tuple[bool, float], dict[str, float]] = {}
"""The width of each word seen, for each weight and size (a dictionary lookup a word, the
inner loop of the estimate)."""
WIDTHS_SIZE = 65_536
"""Words a font's table remembers (then it starts again)."""


def _widths(bold: bool, size: float) -> dict[str, float]:
    """The words' widths in Arial of this weight and size (points), the space's among them."""
    found = _WIDTHS.get((bold, size))
    if found is None:
        if len(_WIDTHS) > 64:
            _WIDTHS.clear()
        found = _WIDTHS[(bold, size)] = {" ": _text_width(" ", bold, size)}
    return found


def _remember_width(widths: dict[str, float], word: str, bold: bool, size: float) -> float:
    if len(widths) >= WIDTHS_SIZE:
        widths.clear()
        widths[" "] = _text_width(" ", bold, size)
    width = widths[word] = _text_width(word, bold, size)
    return width


# The elements the estimate reads from the XML text, each found by its opening tag (the group
# that matched names it) and ended by the first closing tag of its name after it.
_BLOCK = re.compile(r"(?P<tbl><w:tbl>)|(?P<empty><w:p/>)|(?P<p><w:p(?:\s[^>]*)?>)")
_ROW = re.compile(r"(?P<tr><w:tr(?:\s[^>]*)?>)")
_CELL = re.compile(r"(?P<tc><w:tc(?:\s[^>]*)?>)")
_PARA = re.compile(r"(?P<empty><w:p/>)|(?P<p><w:p(?:\s[^>]*)?>)")
_SECTION = re.compile(r"(?P<sectPr><w:sectPr\b)")
_RUN_OPEN = re.compile(r"(?P<r><w:r(?:\s[^>]*)?>)")
_RUN_PIECE = re.compile(
    r"(?P<t><w:t(?:\s[^>]*)?>)|(?P<no_text><w:t/>)|(?P<tab><w:tab/>)|(?P<br><w:br(?:\s[^>]*)?/>)"
)
_CLOSING = {
    "tbl": "</w:tbl>", "tr": "</w:tr>", "tc": "</w:tc>", "p": "</w:p>", "r": "</w:r>",
    "t": "</w:t>", "sectPr": "</w:sectPr>", "empty": "", "no_text": "", "tab": "", "br": "",
}  # fmt: skip


def _spans(
    xml: str, opening: re.Pattern[str], marker: str = "<w:", pos: int = 0, endpos: int | None = None
) -> list[tuple[re.Match[str], int]]:
    """The elements of `xml` that `opening` finds, each as the match of its opening tag and
    where it ends: after the first closing tag of its name that follows (nesting is not
    counted), or after the opening tag for a group named in `_CLOSING` without one. That is
    what `re.finditer(opening + ".*?" + closing, xml, re.S)` finds, as that scan finds them
    (an opening tag with no closing tag after it is passed over, and the search goes on from
    the next character). `marker` is the text every opening tag starts with.

    `str.find` jumps to each candidate and to its closing tag: a regular expression's lazy
    `.*?` tries the rest of its pattern at every character, and its search steps through the
    text a character at a time, which on a document with a long line table cost more than
    the rest of the estimate.

    With `pos` and `endpos`, the elements of `xml[pos:endpos]`, where they are in `xml` (the
    text is not copied)."""
    out: list[tuple[re.Match[str], int]] = []
    find, match = xml.find, opening.match
    stop = len(xml) if endpos is None else endpos
    at = find(marker, pos, stop)
    while at >= 0:
        m = match(xml, at, stop)
        if m is None:
            at = find(marker, at + 1, stop)
            continue
        closing = _CLOSING[m.lastgroup]  # type: ignore[index]
        if not closing:
            out.append((m, m.end()))
            at = find(marker, m.end(), stop)
            continue
        end = find(closing, m.end(), stop)
        if end < 0:
            at = find(marker, at + 1, stop)
            continue
        end += len(closing)
        out.append((m, end))
        at = find(marker, end, stop)
    return out


def _elements(xml: str, opening: re.Pattern[str], marker: str = "<w:") -> list[str]:
    """The text of each element `_spans` finds."""
    return [xml[m.start() : end] for m, end in _spans(xml, opening, marker)]


def _cut(xml: str, opening: re.Pattern[str], marker: str, closing: str) -> list[str]:
    """`_elements(xml, opening, marker)` for a pattern whose elements all end at `closing`
    (the cells of a row, the paragraphs of a cell), read in one `str.split` at the closing tags
    as `_Layout.table_rows` reads rows: an element ends at the first closing tag after its
    opening one, so each piece holds at most one element, opening at the first opening tag
    in it, and a piece with none holds none (as the scan of `_spans` passes over a marker
    that does not open an element). An empty paragraph (`<w:p/>`, which has no closing tag)
    or an opening tag that runs over a closing one (its attributes would hold the closing
    tag) is left to `_elements`."""
    if marker == "<w:p" and "<w:p/>" in xml:
        return _elements(xml, opening, marker)
    found: list[str] = []
    find, match = xml.find, opening.match
    at = 0
    for piece in xml.split(closing)[:-1]:
        end = at + len(piece)  # where this piece's closing tag starts
        start = find(marker, at, end)
        while start >= 0:
            m = match(xml, start)
            if m is not None:
                if m.end() > end:
                    return _elements(xml, opening, marker)
                found.append(xml[start : end + len(closing)])
                break
            start = find(marker, start + 1, end)
        at = end + len(closing)
    return found


_GRID = re.compile(r'<w:gridCol\b[^>]*\bw:w="(\d+)"')
_SPAN = re.compile(r'<w:gridSpan\b[^>]*\bw:val="(\d+)"')
_TABLE_STYLE = re.compile(r'<w:tblStyle\b[^>]*\bw:val="([^"]+)"')
_ROW_HEIGHT = re.compile(r'<w:trHeight\b[^>]*\bw:val="(\d+)"')
_FRAGMENT_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, recover=True, huge_tree=True
)


def _fragment(xml: str) -> etree._Element:
    """A piece of word/document.xml parsed on its own (the w: prefix declared for it)."""
    return etree.fromstring(f'<w:x xmlns:w="{W}">{xml}</w:x>', _FRAGMENT_PARSER)[0]


class _Layout:
    """What one document's styles and page give every paragraph and row: worked out once for
    each distinct paragraph or row (most repeat from document to document: the Terms and
    Conditions, the information page, table headings, standard notes)."""

    def __init__(self, styles_xml: bytes) -> None:
        self.styles, self.default = styles_of(styles_xml)
        self.boxes: dict[tuple[int, int, float, str], _Box] = {}
        self.zeroed_boxes: dict[tuple[int, int, float, str], tuple[_Box, int | None, int]] = {}
        """Paragraphs by their XML with the digits read as 0 (see `new_box`, `_taken`)."""
        self.rows: dict[tuple[int, int, int], tuple[_Row, int | None, int]] = {}
        """Rows laid out, by `_key` and table kind: each with which of its digits are its
        markup's, and those digits (`_markup_mask`, `_taken`)."""
        self.exact_rows: dict[tuple[int, int, int], _Row] = {}
        """Rows by the hash and length of their XML as it is (less the closing `</w:tr>`) and
        table kind: a row that comes back exactly (a line of a case on its next document, a
        cost summary's label row) is found with one hash of its text, its digits not read."""
        self.tables: dict[tuple[Any, ...], int] = {}
        """A number for each kind of table (grid, style, margins, borders) rows were laid out
        in: a row is remembered by its XML's `_key` and that number, a key hashed as fast as
        three integers (the rows of a document's line table are looked up by the hundred)."""
        self.table_margins = _table_margins(styles_xml)
        self.parts: dict[tuple[int, int, float, float], int] = {}
        self.part_shapes: dict[tuple[int, str, float, float], None] = {}
        """The length, ending and page area of each part seen (see `estimate_pages`)."""
        self.items: dict[tuple[int, int, float], _Item] = {}
        """The item of each paragraph of the body (see `_items`)."""
        self.table_items: dict[tuple[int, int], tuple[_Item, ...]] = {}
        self.table_shapes: dict[tuple[int, str], None] = {}
        """The length and ending of each table seen (see `_items`)."""

    def box(self, xml: str, width: float, table_style: str = "") -> _Box:
        key = (hash(xml), len(xml), width, table_style)
        found = self.boxes.get(key)
        if found is None:
            found = self.new_box(xml, width, table_style)
            _remember(self.boxes, key, found)
        return found

    def new_box(self, xml: str, width: float, table_style: str) -> _Box:
        """`box` of a paragraph not seen as it is: looked up, as a row is (`table_row`),
        by its XML with every digit read as 0 and the digits of its markup as they are (an
        amount, a date or a line number lays out as any other of its length: "Estimated Cost:
        $1,234" as "Estimated Cost: $5,678")."""
        in_table = self.styles.get(table_style, self.default) if table_style else None
        exact = xml.encode("utf-8", "surrogatepass")
        key = (*_row_key(exact), width, table_style)
        digits = int.from_bytes(exact.translate(None, _NOT_DIGIT), "big")
        found = _taken(self.zeroed_boxes, key, exact, digits)
        if found is not None:
            return found
        box = _quick_paragraph(xml, self.styles, self.default, width, in_table)
        _remember(self.zeroed_boxes, key, (box, None, digits))
        return box

    def row(self, xml: str, grid: tuple[float, ...], table_style: str,
            margins: tuple[float, float, float, float] = _NO_MARGINS,
            borderless: bool = False) -> _Row:  # fmt: skip
        """One table row laid out in columns `grid` points wide, its cells padded by `margins`
        (top, bottom, left, right); a row of a `borderless` table whose cells draw no border
        of their own takes no room for one."""
        table = self.table(grid, table_style, margins, borderless)
        return self.table_row(xml, table, grid, table_style, margins, borderless)

    def table_row(self, xml: str, table: int, grid: tuple[float, ...], table_style: str,
                  margins: tuple[float, float, float, float], borderless: bool
                  ) -> _Row:  # fmt: skip
        """`row`, in the kind of table numbered `table` (`table`)."""
        exact = xml.encode("utf-8", "surrogatepass")
        key = (*_row_key(exact), table)
        digits = int.from_bytes(exact.translate(None, _NOT_DIGIT), "big")
        found = _taken(self.rows, key, exact, digits)
        if found is None:
            found = self.measure_row(xml, grid, table_style, margins, borderless)
            _remember(self.rows, key, (found, None, digits))
        return found

    def table(self, grid: tuple[float, ...], table_style: str,
              margins: tuple[float, float, float, float], borderless: bool) -> int:  # fmt: skip
        """The number of this kind of table in `rows` keys (see `tables`)."""
        kind = (grid, table_style, margins, borderless)
        number = self.tables.get(kind)
        if number is None:
            if len(self.tables) >= 64:  # numbers are given again: what they named goes
                self.tables.clear()
                self.rows.clear()
                self.exact_rows.clear()
            number = self.tables[kind] = len(self.tables)
        return number

    def table_rows(self, block: str, grid: tuple[float, ...], table_style: str,
                   margins: tuple[float, float, float, float], borderless: bool
                   ) -> list[_Row]:  # fmt: skip
        """`row` of each row of the table `block` (the rows `_elements(block, _ROW, "<w:tr")`
        finds), read in one pass: the table's XML is cut at each `</w:tr>` (a row ends at the
        first closing tag after its opening one). A row is looked up first by its text as it
        is (`exact_rows`: one hash, and most rows of a document came on an earlier one); only
        a row not found so is read with its digits as 0 (`row`)."""
        table = self.table(grid, table_style, margins, borderless)
        rows: list[_Row] = []
        exact_of, match = self.exact_rows.get, _ROW.match
        for text in block.split("</w:tr>")[:-1]:
            # the row opens at the first opening tag of the piece (none: no row ends here)
            at = 0 if text.startswith("<w:tr>") else text.find("<w:tr")
            while at >= 0 and match(text, at) is None:
                at = text.find("<w:tr", at + 1)
            if at < 0:
                continue
            if at:
                text = text[at:]
            # the piece is the row but for its closing tag, the same on every row
            key = (hash(text), len(text), table)
            found = exact_of(key)
            if found is None:
                found = self.table_row(text + "</w:tr>", table, grid, table_style, margins,
                                       borderless)  # fmt: skip
                _remember(self.exact_rows, key, found)
            rows.append(found)
        return rows

    def measure_row(self, xml: str, grid: tuple[float, ...], table_style: str,
                    margins: tuple[float, float, float, float], borderless: bool
                    ) -> _Row:  # fmt: skip
        """`row`, worked out."""
        top, bottom, left, right = margins
        style = self.styles.get(table_style, self.default)
        head = xml[: xml.find("<w:tc")] if "<w:tc" in xml else xml
        m = _ROW_HEIGHT.search(head)
        minimum = int(m.group(1)) * TWIP if m else 0.0
        is_heading = "<w:tblHeader" in head
        splits = not is_heading and "<w:cantSplit" not in head
        tallest, line_height, column = 0.0, _line_height(style.size, 1.0), 0
        keep = True
        for text in _cut(xml, _CELL, "<w:tc", "</w:tc>"):
            span_m = _SPAN.search(text[: text.find("<w:p")] if "<w:p" in text else text)
            span = int(span_m.group(1)) if span_m else 1
            width = sum(grid[column : column + span]) or 72.0
            column += span
            height, after = 0.0, 0.0
            for i, para in enumerate(_cut(text, _PARA, "<w:p", "</w:p>")):
                box = self.box(para, width - left - right, table_style)
                if box.lines:
                    line_height = min(line_height, min(box.lines))
                height += (max(box.before, after) if i else box.before) + box.height
                after = box.after
                keep = keep and box.keep_next
            tallest = max(tallest, top + height + after + bottom)
        border = 0.0 if borderless and "<w:tcBorders" not in xml else BORDER
        return _Row(max(tallest + border, minimum), line_height, is_heading, splits, keep, border)

    def margins(self, tbl_pr: str, table_style: str) -> tuple[float, float, float, float]:
        """The cell margins of a table: its own (`tbl_pr`, its properties' XML), else its
        style's, else Word's defaults."""
        found = _cell_margins(tbl_pr)
        if found is None:
            found = self.table_margins.get(table_style)
        return found or _DEFAULT_MARGINS


_TABLE_BORDERS = re.compile(r"<w:tblBorders>(.*?)</w:tblBorders>", re.S)
_DRAWN_BORDER = re.compile(r'w:val="(?!nil"|none")')
_CELL_MARGINS = re.compile(r"<w:tblCellMar>(.*?)</w:tblCellMar>", re.S)
_MARGIN = re.compile(r'<w:(top|bottom|left|right|start|end) w:w="(\d+)"(?: w:type="dxa")?/>')


def _cell_margins(xml: str) -> tuple[float, float, float, float] | None:
    """(top, bottom, left, right) of the first <w:tblCellMar> of `xml`, in points."""
    m = _CELL_MARGINS.search(xml)
    if m is None:
        return None
    sides = {"top": 0.0, "bottom": 0.0, "left": CELL_MARGIN, "right": CELL_MARGIN}
    for side, value in _MARGIN.findall(m.group(1)):
        side = {"start": "left", "end": "right"}.get(side, side)
        sides[side] = int(value) * TWIP
    return (sides["top"], sides["bottom"], sides["left"], sides["right"])


@lru_cache(maxsize=8)
def _table_margins(styles_xml: bytes) -> dict[str, tuple[float, float, float, float]]:
    """The cell margins each table style of word/styles.xml gives (its `basedOn` chain
    followed)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(styles_xml, parser)
    raw = {
        e.get(_W + "styleId"): e for e in root.iter(_W + "style") if e.get(_W + "type") == "table"
    }
    found: dict[str, tuple[float, float, float, float]] = {}
    for style_id in raw:
        element, depth = raw.get(style_id), 0
        while element is not None and depth < 20:
            margins = element.find(f"{_W}tblPr/{_W}tblCellMar")
            if margins is not None:
                value = _cell_margins(etree.tostring(margins, encoding="unicode").replace(
                    f' xmlns:w="{W}"', ""))  # fmt: skip
                if value is not None:
                    found[style_id] = value
                break
            parent = element.find(_W + "basedOn")
            element = raw.get(parent.get(_W + "val")) if parent is not None else None
            depth += 1
    return found


_DIGITS = bytes.maketrans(b"123456789", b"000000000")
CACHE_SIZE = 8192
"""Paragraphs, rows and parts a layout remembers (then it starts again): a few megabytes."""
TABLES_SIZE = 64
"""Whole tables a layout remembers (then it starts again): those that come back."""


def _key(xml: str) -> tuple[int, int]:
    """What a row's layout is remembered by: a hash and the length of its XML (UTF-8) with
    every digit read as 0 (Arial's digits are all as wide, so an amount or a date lays out like
    any other of its length). Only a hash is kept, not the text. A row found so is taken only
    if the digits of its markup (a column span, a row height, a font size) are those of the
    row remembered (`_taken`)."""
    return _row_key(xml.encode("utf-8", "surrogatepass"))


def _row_key(exact: bytes) -> tuple[int, int]:
    """`_key` of a row's UTF-8. (The bytes are translated, not the text: `str.translate` looks
    each character up in a dictionary, some 30 times slower on a row holding a non-ASCII
    character.)"""
    same = exact.translate(_DIGITS)
    return hash(same), len(same)


_NOT_DIGIT_OR_TAG = bytes(sorted(set(range(256)) - set(b"0123456789<>&")))
_TEXT_DIGITS = re.compile(rb">[0-9]+")


def _markup_digits(xml: bytes) -> int:
    """A hash of the digits inside the tags of `xml` (UTF-8), in order and told apart by tag:
    with all but the digits, the angle brackets and "&" dropped (both steps in C), the digits of
    the text are those that follow a ">", and go. Digits after an "&" in a text stay: those of
    a character reference (`&#34;`, `&#39;`) say which character it is."""
    return hash(_TEXT_DIGITS.sub(b">", xml.translate(None, _NOT_DIGIT_OR_TAG)))


_NOT_DIGIT = bytes(sorted(set(range(256)) - set(b"0123456789")))
_DIGIT_MASK = bytes.maketrans(b"0123456789", b"\xff" * 10)


def _markup_mask(xml: bytes) -> tuple[int, int]:
    """The digits of the markup of `xml` (UTF-8), as `_markup_digits` tells them from those of
    the text, as a mask over all its digits in order (`xml.translate(None, _NOT_DIGIT)` read as
    one big-endian number: a byte 0xFF for a digit of the markup, 0 for one of the text), and
    those digits under the mask."""
    skeleton = xml.translate(None, _NOT_DIGIT_OR_TAG)
    # the digits of the text (a run right after a ">") made zero bytes, the others 0xFF
    marked = _TEXT_DIGITS.sub(lambda m: b">" + bytes(len(m.group()) - 1), skeleton)
    mask = int.from_bytes(marked.translate(_DIGIT_MASK, b"<>&"), "big")
    return mask, int.from_bytes(xml.translate(None, _NOT_DIGIT), "big") & mask


def _taken(cache: dict[Any, tuple[Any, int | None, int]], key: Any, exact: bytes, digits: int
           ) -> Any | None:  # fmt: skip
    """The row or paragraph remembered in `cache` under `key` (its XML with the digits read as
    0, see `_key`), if it was remembered for one whose markup holds the same digits as `exact`
    (UTF-8; `digits` its digits, `exact.translate(None, _NOT_DIGIT)` read as one big-endian
    number): one whose text differs in its digits alone, or not at all.

    The two are the same but for their digits (the same key), so their digits are as many and
    in the same places, in their markup or in their text alike: the digits of `exact`, taken
    under the mask of its markup's digits (`_markup_mask`), must be those of the one
    remembered. The mask, the same for both, is worked out at the first look-up (from
    `exact`), not when a row is remembered: most rows and paragraphs, new on their document,
    are never looked up again (an entry is `(value, mask, digits under the mask)`, with the
    mask None and all the digits until then)."""
    found = cache.get(key)
    if found is None:
        return None
    value, mask, markup = found
    if mask is None:
        mask = _markup_mask(exact)[0]
        markup &= mask
        cache[key] = (value, mask, markup)
    return value if digits & mask == markup else None


def _remember(cache: dict[Any, Any], key: Any, value: Any, size: int = CACHE_SIZE) -> None:
    if len(cache) >= size:
        cache.clear()
    cache[key] = value


_STYLE_ONLY = re.compile(r'^<w:pStyle w:val="([^"]+)"/>$')
_SIMPLE_PARAGRAPH = re.compile(
    r'<w:p><w:pPr><w:pStyle w:val="([^"]+)"/></w:pPr>'
    r'((?:<w:r><w:t(?: xml:space="preserve")?>[^<]*</w:t></w:r>)*)</w:p>'
)
"""A paragraph of a style and runs of text alone (no run properties, tabs or breaks)."""
_SIMPLE_TEXT = re.compile(r'<w:t(?: xml:space="preserve")?>([^<]*)</w:t>')
_BOLD_PROP = re.compile(r'<w:b(?: w:val="([^"]*)")?/>')
_SIZE_PROP = re.compile(r'<w:sz w:val="(\d+)"/>')
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_REFERENCE = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));")


def _character(m: re.Match[str]) -> str:
    name, decimal, hexadecimal = m.groups()
    if name is not None:
        return _NAMED[name]
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    return chr(code) if code <= 0x10FFFF else m.group(0)


def _characters(text: str) -> str:
    """`text` (of a `<w:t>`) as the XML parser reads it: its entity and character references
    (`&amp;`, `&#39;`, `&#8226;`, `&#x2022;`) made the characters they stand for."""
    return _REFERENCE.sub(_character, text)


@lru_cache(maxsize=256)
def _in_table(style: Style, table: Style) -> Style:
    """A paragraph style inside a table whose style sets the line spacing (one object for each
    pair, so the layouts of its paragraphs are looked up, not worked out again)."""
    return replace(style, line=table.line)


def _inner(xml: str, opening: str, closing: str) -> str | None:
    """What lies between the first `opening` tag of `xml` and the first `closing` tag after it
    (as `re.search(opening + "(.*?)" + closing, xml, re.S)` finds it), or None."""
    at = xml.find(opening)
    if at < 0:
        return None
    at += len(opening)
    end = xml.find(closing, at)
    return None if end < 0 else xml[at:end]


def _quick_paragraph(xml: str, styles: dict[str, Style], default: Style, width: float,
                     in_table: Style | None) -> _Box:  # fmt: skip
    """`_paragraph` read straight from the XML text for the paragraphs loagen's renderer
    writes (a style, runs of text, tabs and breaks, bold and size); anything else is parsed."""
    simple = _SIMPLE_PARAGRAPH.fullmatch(xml)
    if simple is not None:
        # the commonest paragraph (a style, and runs of text only): read in one match
        style_id = simple.group(1)
        style = styles.get(style_id, default)
        if in_table is not None and style.exact == 0 and style.line != in_table.line:
            style = _in_table(style, in_table)
        size, bold = style.size, style.bold
        pieces = list(_number_pieces(style))
        for text in _SIMPLE_TEXT.findall(xml, simple.start(2), simple.end(2)):
            if text:
                if "&" in text:
                    text = _characters(text)
                pieces.append(("t", text, bold, size))
        return _box_of(style, pieces, width, style.page_break_before)
    ppr = _inner(xml, "<w:pPr>", "</w:pPr>")
    style_id = None
    if ppr is not None:
        only = _STYLE_ONLY.match(ppr)
        if only is None and ppr:
            plain = _plain_paragraph(xml, ppr, styles, default, width, in_table)
            if plain is not None:
                return plain
            return _paragraph(_fragment(xml), styles, default, width, in_table)
        style_id = only.group(1) if only else None
    style = styles.get(style_id, default) if style_id else (in_table or default)
    if in_table is not None and style_id and style.exact == 0 and style.line != in_table.line:
        style = _in_table(style, in_table)
    pieces: list[tuple[str, str, bool, float]] = list(_number_pieces(style))
    page_break = style.page_break_before
    for run, run_end in _spans(xml, _RUN_OPEN, "<w:r"):
        content = xml[run.end() : run_end - len("</w:r>")]
        size, bold = style.size, style.bold
        props = _inner(content, "<w:rPr>", "</w:rPr>")
        if props is not None:
            b = _BOLD_PROP.search(props)
            if b is not None:
                bold = b.group(1) not in ("0", "false")
            sz = _SIZE_PROP.search(props)
            if sz is not None:
                size = int(sz.group(1)) / 2
        for part, part_end in _spans(content, _RUN_PIECE):
            kind = part.lastgroup
            if kind == "t":
                text = content[part.end() : part_end - len("</w:t>")]
                if text:
                    if "&" in text:
                        text = _characters(text)
                    pieces.append(("t", text, bold, size))
            elif kind == "tab":
                pieces.append(("tab", "", bold, size))
            elif kind == "br":
                if 'w:type="page"' in part.group(0):
                    page_break = True
                else:
                    pieces.append(("br", "", bold, size))
    return _box_of(style, pieces, width, page_break)


# A paragraph with properties of its own besides its style (spacing, keep with next ...) whose
# runs are plain: text, tabs and line breaks, with bold, italic, size and colour. Its text is
# read as the XML parser reads it (the character references escaping writes, &#34; and &#39;,
# are characters); anything else in it goes to the parser. The text is written as characters
# then, after each reference, characters again (the same text as "(character|reference)*": a
# run of characters is read in one step of the regular expression engine, several times faster
# than trying the alternation at every character).
_PLAIN_CHARS = r"[^<&\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]*"
_PLAIN_TEXT = rf"{_PLAIN_CHARS}(?:&(?:amp|lt|gt|quot|apos|#34|#39);{_PLAIN_CHARS})*"
_PLAIN_RUNS = re.compile(
    r"(?:<w:r>"
    r'(?:<w:rPr>(?:<w:b/>|<w:i/>|<w:sz w:val="\d+"/>|<w:szCs w:val="\d+"/>'
    r'|<w:color w:val="[0-9A-Fa-f]{6}"/>)*</w:rPr>)?'
    rf'(?:<w:t(?: xml:space="preserve")?>{_PLAIN_TEXT}</w:t>|<w:t/>|<w:tab/>|<w:br/>)*'
    r"</w:r>)*</w:p>"
)
_PLAIN_PIECE = re.compile(
    rf'<w:t(?: xml:space="preserve")?>({_PLAIN_TEXT})</w:t>|<w:(tab|br)/>|<w:rPr>(.*?)</w:rPr>'
    r"|(<w:r>)"
)
_PPR_READ: dict[str, tuple[str | None, int]] = {}
_PPR_APPLIED: dict[tuple[Style, str], Style] = {}


def _plain_paragraph(xml: str, ppr: str, styles: dict[str, Style], default: Style, width: float,
                     in_table: Style | None) -> _Box | None:  # fmt: skip
    """`_paragraph` of a paragraph `<w:p><w:pPr>ppr</w:pPr>` + plain runs + `</w:p>`, read from
    its XML text, or None for any other paragraph. Its properties (`ppr`) are parsed once for
    all the paragraphs that have them (the same few come back on every document: a subtitle's
    spacing, a body paragraph's, an amount kept with the next), and the style they give is
    worked out as `_paragraph` works it out; the text and runs are what the parser reads."""
    head = "<w:p><w:pPr>" + ppr + "</w:pPr>"
    if not xml.startswith(head) or "<w:pPr" in ppr:
        return None
    if _PLAIN_RUNS.fullmatch(xml, len(head)) is None:
        return None
    read = _PPR_READ.get(ppr)
    if read is None:
        element = _fragment("<w:pPr>" + ppr + "</w:pPr>")
        ps = element.find(_PSTYLE)
        read = (ps.get(_W + "val") if ps is not None else None, len(element))
        _remember(_PPR_READ, ppr, read)
    style_id, count = read
    style = styles.get(style_id, default) if style_id else (in_table or default)
    if in_table is not None and style_id and style.exact == 0:
        style = _in_table(style, in_table)
    if count > (0 if style_id is None else 1):
        key = (style, ppr)
        applied = _PPR_APPLIED.get(key)
        if applied is None:
            applied = _apply(style, _fragment("<w:pPr>" + ppr + "</w:pPr>"), None)
            _remember(_PPR_APPLIED, key, applied)
        style = applied
    pieces: list[tuple[str, str, bool, float]] = list(_number_pieces(style))
    size, bold = style.size, style.bold
    for m in _PLAIN_PIECE.finditer(xml, len(head)):
        text, kind, props, run = m.groups()
        if run is not None:  # a run starts: the style's boldness and size, unless it says
            size, bold = style.size, style.bold
        elif props is not None:
            if "<w:b/>" in props:
                bold = True
            sz = _SIZE_PROP.search(props)
            if sz is not None:
                size = int(sz.group(1)) / 2
        elif kind is not None:
            pieces.append(("tab" if kind == "tab" else "br", "", bold, size))
        elif text:
            if "&" in text:
                text = _characters(text)
            pieces.append(("t", text, bold, size))
    return _box_of(style, pieces, width, style.page_break_before)


_LAYOUTS: dict[bytes, _Layout] = {}


def _layout(styles_xml: bytes) -> _Layout:
    layout = _LAYOUTS.get(styles_xml)
    if layout is None:
        if len(_LAYOUTS) > 8:
            _LAYOUTS.clear()
        layout = _LAYOUTS[styles_xml] = _Layout(styles_xml)
    return layout


def estimate_pages(document_xml: bytes | str, styles_xml: bytes) -> int:
    """The number of pages `document_xml` (word/document.xml) lays out to, with the styles of
    `styles_xml` (word/styles.xml)."""
    xml = document_xml.decode("utf-8") if isinstance(document_xml, bytes) else document_xml
    start, end = xml.find("<w:body>"), xml.rfind("</w:body>")
    if start < 0 or end < 0:
        return 1
    # the body, xml[start:end], is read where it is, not copied
    start += len("<w:body>")
    layout = _layout(styles_xml)
    section = _last_section(xml, start, end)
    width, height = _page_area(xml[section[0] : section[1]] if section else "")
    # A paragraph that starts a new page starts a part laid out on its own; parts repeat
    # from document to document (the Terms and Conditions, the information page), so each
    # distinct part is counted once. As tables are (`_items`), a part is remembered only once
    # a part of its length and ending is seen a second time: the cover and the line items,
    # new on every document, are not even hashed.
    total = 0
    shapes = layout.part_shapes
    for a, b in _parts(xml, start, end):
        shape = (b - a, xml[max(a, b - _SHAPE_END) : b], width, height)
        if shape not in shapes:
            _remember(shapes, shape, None)
            total += _flow_items(_items(xml, layout, width, a, b), height)
            continue
        part = xml[a:b]
        key = (hash(part), len(part), width, height)  # parts repeat exactly, or not at all
        count = layout.parts.get(key)
        if count is None:
            count = _flow(part, layout, width, height)
            _remember(layout.parts, key, count)
        total += count
    return max(total, 1)


def _last_section(xml: str, pos: int, endpos: int) -> tuple[int, int] | None:
    """Where the last element of `_spans(xml, _SECTION, "<w:sectPr", pos, endpos)` starts and
    ends, or None for none: found from the end of the body (the section properties close the
    body; a forward scan would read the whole document for them).

    The last opening with a closing tag after it starts that element unless an element that
    starts before it runs over it, which it cannot when a closing tag lies between it and the
    opening before it (every element before it ends by that closing tag); else (never in a
    well-formed document: `<w:sectPr>` does not nest) the elements are found forward."""
    at = xml.rfind("<w:sectPr", pos, endpos)
    while at >= 0:
        if _SECTION.match(xml, at, endpos) is not None:
            close = xml.find("</w:sectPr>", at + len("<w:sectPr"), endpos)
            if close >= 0:
                break
        at = xml.rfind("<w:sectPr", pos, at + len("<w:sectPr") - 1)  # the one before
    if at < 0:
        return None
    before = xml.rfind("<w:sectPr", pos, at + len("<w:sectPr") - 1)
    if before >= 0 and xml.rfind("</w:sectPr>", before, at) < 0:
        sections = _spans(xml, _SECTION, "<w:sectPr", pos, endpos)
        return (sections[-1][0].start(), sections[-1][1]) if sections else None
    return at, close + len("</w:sectPr>")


_SHAPE_END = 48
"""Characters of its end a table or a part is told apart by, with its length, before its text
is hashed."""


@lru_cache(maxsize=64)
def _page_area(sect_xml: str) -> tuple[float, float]:
    """The width and height (points) inside the margins of the page a section's properties
    (`<w:sectPr>`, "" for none: Letter with one-inch margins) give; remembered, since every
    document of a template ends with the same section."""
    page_height, page_width = 792.0, 612.0
    top = bottom = left = right = 72.0
    if sect_xml:
        sect = _fragment(sect_xml)
        size = sect.find(_W + "pgSz")
        margins = sect.find(_W + "pgMar")
        page_height = _twips(size, "h") or page_height
        page_width = _twips(size, "w") or page_width
        top = _twips(margins, "top") or top
        bottom = _twips(margins, "bottom") or bottom
        left = _twips(margins, "left") or left
        right = _twips(margins, "right") or right
    return page_width - left - right, page_height - top - bottom


_PAGE_BREAK_BEFORE = "<w:pageBreakBefore/>"


def _parts(xml: str, pos: int, endpos: int) -> list[tuple[int, int]]:
    """The body `xml[pos:endpos]` cut before each paragraph that says it starts a new page:
    where each part starts and ends in `xml`, but for parts of white space alone."""
    cuts = [pos]
    at = xml.find(_PAGE_BREAK_BEFORE, pos, endpos)
    while at >= 0:
        start = xml.rfind("<w:p>", pos, at)
        # the later of the two openings: the second is looked for after the first only
        start = max(start, xml.rfind("<w:p ", max(start, pos), at))
        if start > cuts[-1]:
            cuts.append(start)
        at = xml.find(_PAGE_BREAK_BEFORE, at + 1, endpos)
    cuts.append(endpos)
    parts = zip(cuts, cuts[1:], strict=False)
    # (`\S` is what `str.isspace` does not take for white space)
    return [(a, b) for a, b in parts if _NOT_SPACE.search(xml, a, b) is not None]


_NOT_SPACE = re.compile(r"\S")


_Item = tuple[Any, ...]
"""A paragraph or a table row, in the order they flow, as a tuple
`(box, row, heading, new_page_after, keeps)`: a paragraph's `box`, or a table `row` under
`heading` points of heading rows that repeat when the table runs onto a new page (the other
None); whether a new page starts after it (a section's last paragraph); whether it stays on the
page of what follows it (keep with next; a heading row). A tuple, not an object: a document
flows a few hundred of them, each read many times."""


def _blocks(body: str, pos: int = 0, endpos: int | None = None) -> list[str]:
    """`_elements(body[pos:endpos], _BLOCK)`: the paragraphs and tables of a body, read where
    they are (the body is not copied).

    A run of paragraphs up to the next table is cut at its closing tags in one `str.split`
    (a paragraph ends at the first `</w:p>` after its opening tag): each piece that opens with
    a paragraph's opening tag is that paragraph, as `_spans` finds it, without a regular
    expression and four calls for each. At a table, or at the first piece that is anything
    else (text between paragraphs, an empty paragraph, the section's properties at the end),
    the rest is read by `_spans` from there, where its scan would be."""
    stop = len(body) if endpos is None else endpos
    blocks: list[str] = []
    at = pos
    while at < stop:
        table = body.find("<w:tbl>", at, stop)
        run_end = stop if table < 0 else table
        pieces = body[at:run_end].split("</w:p>")
        for piece in pieces[:-1]:
            if not piece.startswith("<w:p>"):
                opening = _PARA.match(piece) if piece.startswith("<w:p ") else None
                if opening is None or opening.lastgroup != "p":
                    return blocks + _blocks_found(body, at, stop)
            blocks.append(piece + "</w:p>")
            at += len(piece) + len("</w:p>")
        if at != table:  # the run does not end where the table starts
            return blocks + _blocks_found(body, at, stop)
        end = body.find("</w:tbl>", table + len("<w:tbl>"), stop)  # a table
        if end < 0:
            return blocks + _blocks_found(body, at, stop)
        end += len("</w:tbl>")
        blocks.append(body[table:end])
        at = end
    return blocks


def _blocks_found(body: str, pos: int, endpos: int) -> list[str]:
    """The blocks `_spans` finds in `body[pos:endpos]`."""
    return [body[m.start() : end] for m, end in _spans(body, _BLOCK, "<w:", pos, endpos)]


def _items(body: str, layout: _Layout, width: float, pos: int = 0, endpos: int | None = None
           ) -> list[_Item]:  # fmt: skip
    """The items of the paragraphs and tables of `body[pos:endpos]`."""
    items: list[_Item] = []
    box_of, item_of = layout.box, layout.items.get
    for block in _blocks(body, pos, endpos):
        if not block.startswith("<w:tbl>"):
            # a paragraph's item, remembered as its box is (most paragraphs come back)
            key = (hash(block), len(block), width)
            item = item_of(key)
            if item is None:
                box = box_of(block, width)
                after = bool(box.lines) and "<w:sectPr" in block
                item = (box, None, 0.0, after, box.keep_next)
                _remember(layout.items, key, item)
            items.append(item)
            continue
        # Most tables come back exactly from document to document (the cover's, the
        # information page's): their rows are remembered together, by the table's text,
        # once a table of its length and ending is seen a second time (a line table, new on
        # every document, is not: a hundred rows kept for nothing would only give the garbage
        # collector more to do, and its text is not even hashed).
        shape = (len(block), block[-_SHAPE_END:])
        if shape not in layout.table_shapes:
            _remember(layout.table_shapes, shape, None)
            items += _table_items(block, layout)
            continue
        key = (hash(block), len(block))
        rows = layout.table_items.get(key)
        if rows is None:
            rows = _table_items(block, layout)
            _remember(layout.table_items, key, rows, TABLES_SIZE)
        items += rows
    return items


def _table_items(block: str, layout: _Layout) -> tuple[_Item, ...]:
    """The rows of the table `block`, each under the heading rows before it."""
    items: list[_Item] = []
    style_m = _TABLE_STYLE.search(block)
    table_style = style_m.group(1) if style_m else ""
    grid_end = block.find("</w:tblGrid>")
    grid = tuple(int(w) * TWIP for w in _GRID.findall(block[:grid_end] if grid_end > 0 else ""))
    properties = block[: block.find("<w:tblGrid")] if "<w:tblGrid" in block else ""
    margins = layout.margins(properties, table_style)
    borders = _TABLE_BORDERS.search(properties)
    borderless = borders is not None and not _DRAWN_BORDER.search(borders.group(1))
    heading = 0.0
    rows = layout.table_rows(block, grid, table_style, margins, borderless)
    if rows and rows[-1].border:
        rows[-1] = replace(rows[-1], last=True)
    for row in rows:
        if row.heading:
            items.append((None, row, 0.0, False, True))
            heading += row.height
        else:
            items.append((None, row, heading, False, row.keep_next))
    return tuple(items)


def _chain(items: list[_Item], start: int, used: float, pending: float, height: float) -> float:
    """The room `items[start]` needs on a page `height` points high, `used` of them used and
    `pending` the space after what is on it: it and every item after it that it keeps with
    (keep with next, rows of a table kept together, heading rows), and the first lines of the
    item the chain ends on, less what the last line of that item may leave hanging past the
    page (`_Box.hang`), or with the bottom border of the row it ends on."""
    total, after, hang = 0.0, pending, 0.0
    for index in range(start, len(items)):
        box, row, _, new_page_after, keeps = items[index]
        if index > start and box is not None and box.page_break_before:
            break  # what starts a new page keeps nothing before it
        last = not keeps or new_page_after
        if box is not None:
            gap = max(after, box.before) if (used > 0 or index > start) else 0.0
            total += gap + (box.first_two if last else box.height)
            after, hang = box.after, box.hang
        else:
            total += after + row.height
            after, hang = 0.0, -row.border  # a row at the foot needs room for its border
        if last or total > height:
            break
    return total - hang


def _flow(body: str, layout: _Layout, width: float, height: float) -> int:
    """The pages `body` (paragraphs and tables) takes, starting on a new page."""
    return _flow_items(_items(body, layout, width), height)


def _flow_items(items: list[_Item], height: float) -> int:
    """The pages `items` take, starting on a new page, on pages `height` points high.

    `used` is the room used on the page; `pending` the space after the last paragraph, not
    yet added: the gap between two paragraphs is the larger of the space after the first and
    the space before the second (as LibreOffice lays out Word documents)."""
    if not items:
        return 0
    count, used, pending = 1, 0.0, 0.0
    bottom = height + 0.01
    for index, (box, row, heading, new_page_after, keeps) in enumerate(items):
        if keeps:
            need = _chain(items, index, used, pending, height)
            if need > height - used + KEEP_SLACK and used > 0 and need <= height:
                count, used, pending = count + 1, 0.0, 0.0
        if box is not None:
            # a paragraph
            page_break_before = box.page_break_before
            if page_break_before and used > 0:
                count, used, pending = count + 1, 0.0, 0.0
            # the space before a paragraph is dropped at the top of a page, unless the
            # paragraph itself starts the page (page break before)
            before = 0.0 if used == 0 and not page_break_before else max(box.before, pending)
            pending = 0.0
            lines = box.lines
            need_first = before + box.first_two
            if need_first - box.hang > bottom - used and used > 0 and need_first <= height:
                count, used, pending = count + 1, 0.0, 0.0
                before = 0.0
            used += before
            i, n = 0, len(lines)
            hang = box.hang
            while i < n:
                if used + lines[i] - hang > bottom and used > 0:
                    left = n - i
                    # widow and orphan control: at least two lines on each side of a break
                    if i == 1 and n > 1:
                        used -= lines[0]
                        i = 0
                    elif left == 1 and i >= 2:
                        used -= lines[i - 1]
                        i -= 1
                    count, used, pending = count + 1, 0.0, 0.0
                used += lines[i]
                i += 1
            pending = box.after
        else:
            # a table row: on this page if it fits; else split across the break (Word and
            # LibreOffice let a row break across pages unless it says it cannot), a whole
            # number of its lines on this page; else on the next page, under the repeated
            # heading rows
            row_height = row.height
            used += pending
            pending = 0.0
            if used + row_height + row.border <= height + KEEP_SLACK or used == 0:
                used += min(row_height, height)
                if row.last:
                    used += row.border
            else:
                line = row.line
                fits = math.floor((height - used - BORDER) / line) * line if row.splits else 0.0
                count, used = count + 1, 0.0
                if fits < line:
                    used += heading + min(row_height, height - heading)
                else:
                    used += heading + (row_height - fits)
                if row.last:
                    used += row.border
        if new_page_after:
            count, used, pending = count + 1, 0.0, 0.0
    return count


_SIMPLE_FIELD = re.compile(
    r'(<w:fldSimple\b[^>]*w:instr="\s*NUMPAGES\b[^"]*"[^>]*>.*?<w:t(?:\s[^>]*)?>)[^<]*(</w:t>)',
    re.S,
)
_COMPLEX_FIELD = re.compile(
    r"(<w:instrText(?:\s[^>]*)?>\s*NUMPAGES\b[^<]*</w:instrText>.*?"
    r'<w:fldChar w:fldCharType="separate"/>.*?<w:t(?:\s[^>]*)?>)[^<]*(</w:t>)',
    re.S,
)


def with_page_count(xml: str, count: int) -> str:
    """`xml` (a part of the document) with the value its NUMPAGES fields show until the
    document is laid out set to `count`: `_SIMPLE_FIELD.sub`, then `_COMPLEX_FIELD.sub`, each
    putting `count` between its two groups. A match of either holds "NUMPAGES" just after where
    it starts, so the part is searched once, for "NUMPAGES", and each pattern is tried only at
    the places before one where it can start (`_starts`)."""
    return edited(*page_count_edits(xml, count))


Edit = tuple[int, int, str]
"""`(start, end, value)`: `value` in place of `text[start:end]`."""


def edited(text: str, edits: list[Edit]) -> str:
    """`text` with `edits` (in order, none overlapping) made."""
    if not edits:
        return text
    out: list[str] = []
    done = 0
    for start, end, value in edits:
        out += (text[done:start], value)
        done = end
    out.append(text[done:])
    return "".join(out)


def page_count_edits(xml: str, count: int) -> tuple[str, list[Edit]]:
    """`with_page_count(xml, count)` as a text and the edits that make it of that text
    (`edited`). The text is `xml` itself, but for a part holding both a simple and a complex
    field (whose complex fields are then found in the part with its simple ones set): the
    edits of a document can be written out piece by piece (`templates.utf8`), the document
    not copied whole once more."""
    at = xml.find("NUMPAGES")
    if at < 0:
        return xml, []
    found = _numpages(xml, at)
    value = str(count)
    simple = _field_spans(xml, _SIMPLE_FIELD, _starts(xml, found, "<w:fldSimple"))
    if simple:
        # What `_starts` reads before a NUMPAGES (back to the ">" before it) never holds a
        # value (one is followed by "</w:t>"), so whether a complex field can start is the
        # same in `xml` and in `xml` with its simple fields set.
        kept = _moved(found, simple, 0)
        if not _starts(xml, kept, "<w:instrText"):
            return xml, [(start, end, value) for start, end in simple]
        xml = edited(xml, [(start, end, value) for start, end in simple])
        found = _moved(found, simple, len(value))
    spans = _field_spans(xml, _COMPLEX_FIELD, _starts(xml, found, "<w:instrText"))
    return xml, [(start, end, value) for start, end in spans]


def _numpages(xml: str, first: int) -> list[int]:
    """Where "NUMPAGES" is in `xml`, `first` the first place (`xml.find("NUMPAGES")`).

    The rest of a document (some hundred thousand characters of XML, often with no NUMPAGES
    after the one on its cover) is searched by its "G", a letter few words have (a hundred in a
    document), each found in C by `str.find` (a search for one character), and NUMPAGES looked
    for around it: some times faster than `str.find("NUMPAGES")`, which passes over the text a
    few characters at a time. Where the letter turns out common (more than one in 256
    characters, past the first 64) the rest is searched for the word itself, so that a text
    full of G costs at most some hundreds of look-ups more."""
    found = [first]
    find, starts = xml.find, xml.startswith
    tries = 0
    g = find("G", first + 8 + 5)  # the "G" of a NUMPAGES after the first
    while g >= 0:
        if starts("NUMPAGES", g - 5):
            found.append(g - 5)
        tries += 1
        if tries > 64 + (g - first) // 256:
            at = find("NUMPAGES", g - 4)
            while at >= 0:
                found.append(at)
                at = find("NUMPAGES", at + 8)
            break
        g = find("G", g + 1)
    return found


def _starts(xml: str, found: list[int], marker: str) -> list[int]:
    """Where in `xml` a field opening with `marker` can match, given where "NUMPAGES" is
    (`found`), in order: a simple field names NUMPAGES inside its opening tag (no ">" between
    the marker and the name), a complex field just after its opening tag and some whitespace."""
    starts: list[int] = []
    for q in found:
        if marker == "<w:instrText":
            end = q
            while end > 0 and xml[end - 1].isspace():
                end -= 1
            if end == 0 or xml[end - 1] != ">":
                continue
            q = end - 1
        at = xml.find(marker, xml.rfind(">", 0, q) + 1, q)
        while at >= 0:
            starts.append(at)
            at = xml.find(marker, at + 1, q)
    return sorted(set(starts))


def _field_spans(xml: str, field: re.Pattern[str], starts: list[int]) -> list[tuple[int, int]]:
    """Where `field.sub` puts a value between the two groups of `field`, a pattern that can
    match only at `starts`: `(start, end)` of the text each value replaces, in order."""
    spans: list[tuple[int, int]] = []
    done = 0
    for at in starts:
        if at < done:
            continue
        m = field.match(xml, at)
        if m is None:
            continue
        spans.append((m.end(1), m.start(2)))
        done = m.start(2)
    return spans


def _moved(found: list[int], spans: list[tuple[int, int]], length: int) -> list[int]:
    """Where the "NUMPAGES" at `found` are once a value `length` characters long replaces the
    text of each of `spans`: a value replaces text between ">" and "<" (no "NUMPAGES" spans its
    edges), and puts none there."""
    moved = []
    shift = 0
    i = 0
    for q in found:
        while i < len(spans) and spans[i][1] <= q:
            shift += length - (spans[i][1] - spans[i][0])
            i += 1
        if i < len(spans) and spans[i][0] <= q:
            continue  # replaced by the value
        moved.append(q + shift)
    return moved
