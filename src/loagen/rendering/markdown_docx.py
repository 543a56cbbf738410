"""A note's Markdown turned into WordprocessingML paragraphs in the template's named styles.

The subset: paragraphs, **bold**, *italic*, bulleted lists (`-`), numbered lists (`1.`), nested
lists, line breaks and `### headings` (printed bold). Each block maps to one named paragraph style
that the template defines (its look is the template's business, as with pandoc's reference.docx):

| Markdown          | Word style          |
|-------------------|---------------------|
| paragraph         | LOA Note Text       |
| `- item`          | LOA Note Bullet     |
| `1. item`         | LOA Note Number     |
| `### heading`     | LOA Note Text, bold |

Inside a line's description cell the same Markdown uses LOA Line Note for every block.
Bullets and numbers are written as text with a tab, so lists restart per note without any
numbering definitions (Word and LibreOffice show them identically).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

NOTE_STYLES = ("LOA Note Text", "LOA Note Bullet", "LOA Note Number", "LOA Line Note")

# Only the rules of the subset: faster than the whole CommonMark set, and anything else (links,
# HTML, entities) prints as the text it is.
_md = MarkdownIt("zero").enable(
    ["list", "emphasis", "newline", "escape", "heading", "fence", "code", "backticks"]
)


@dataclass(frozen=True)
class StyleIds:
    """Word style ids (from the template's styles.xml) of the note styles."""

    text: str = "LOANoteText"
    bullet: str = "LOANoteBullet"
    number: str = "LOANoteNumber"
    line_note: str = "LOALineNote"


# Characters XML 1.0 does not allow (control characters other than tab, newline, return).
NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _escape(text: str) -> str:
    """&, < and > as XML entities (what `xml.sax.saxutils.escape` does; importing it brings
    urllib and ssl, 30 ms at every start)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_chars(text: str) -> str:
    """`text` without the characters XML cannot hold. (Each of them is unprintable, so text
    that `str.isprintable` passes, nearly all of it, is not searched.)"""
    return text if text.isprintable() else NOT_XML_CHARS.sub("", text)


def xml_text(text: str) -> str:
    """`text` escaped for a <w:t> element, with characters XML cannot hold removed."""
    return _escape(xml_chars(text))


def _run(text: str, bold: bool, italic: bool) -> str:
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{xml_text(text)}</w:t></w:r>'


def _inline(children, *, bold: bool = False) -> str:
    out = []
    strong = 1 if bold else 0
    em = 0
    for tok in children or ():
        t = tok.type
        if t == "strong_open":
            strong += 1
        elif t == "strong_close":
            strong -= 1
        elif t == "em_open":
            em += 1
        elif t == "em_close":
            em -= 1
        elif t in ("text", "code_inline"):
            if tok.content:
                out.append(_run(tok.content, strong > 0, em > 0))
        elif t == "softbreak":
            out.append(_run(" ", strong > 0, em > 0))
        elif t == "hardbreak":
            out.append("<w:r><w:br/></w:r>")
        # link_open/close: the link text is kept, the target dropped
    return "".join(out)


def _paragraph(style: str, runs: str, indent_twips: int = 0, prefix: str = "") -> str:
    """A paragraph of `style` holding `runs`, after `prefix` (a bullet or an item's number) and
    a tab. The prefix is written in ASCII (the bullet as `&#8226;`), as the template's own text
    is (`templates._OutputCodeGenerator`): the document of a case whose text is ASCII stays an
    ASCII string, which is faster to join, search and encode."""
    ind = f'<w:ind w:left="{indent_twips + 360}" w:hanging="360"/>' if indent_twips else ""
    mark = xml_text(prefix).encode("ascii", "xmlcharrefreplace").decode("ascii")
    lead = f'<w:r><w:t xml:space="preserve">{mark}</w:t></w:r><w:r><w:tab/></w:r>' if prefix else ""
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{ind}</w:pPr>{lead}{runs}</w:p>'


def _number(n: int, depth: int) -> str:
    if depth % 2 == 1:
        return f"{chr(ord('a') + (n - 1) % 26)}."
    return f"{n}."


_SYNTAX = ("*", "_", "`", "\\", "~", "\t", "\r", "\x00")
"""Characters that can make Markdown syntax anywhere in a line (emphasis, code, escapes, fences,
tabs), or that markdown-it normalises (carriage returns, NUL)."""
_LINE_SYNTAX = frozenset("-+*#>=~`|<0123456789")
"""First characters of a line that can start a block (a list item, a heading, a fence...)."""
_SOFT_BREAK = _run(" ", False, False)
"""A line break inside a paragraph of Markdown: a space, as `_inline` writes it."""


def plain_paragraphs(text: str) -> list[list[str]] | None:
    """The paragraphs of `text`, each as its lines, when `text` is plain prose: lines of text
    with no Markdown syntax, no white space at either end, not starting with a character that
    could open a block, paragraphs separated by empty lines. Else None (parse it). The
    test suite checks that markdown-it reads any such text as these paragraphs of text and
    soft breaks, nothing else."""
    blocks = plain_blocks(text)
    if blocks is None or any(kind != "p" for kind, _, _ in blocks):
        return None
    return [lines for _, _, lines in blocks]


_ORDERED_ITEM = re.compile(r"([0-9]{1,9})\. (.+)")
"""A numbered list item on one line: up to nine digits, a point, a space and its text."""

Block = tuple[str, int, list[str]]
"""A block of `plain_blocks`: ("p", 0, its lines), ("ol", first number, its items) or
("ul", 0, its items)."""


def plain_blocks(text: str) -> list[Block] | None:
    """The blocks of `text` when it is plain prose and simple lists: paragraphs as
    `plain_paragraphs` reads them, and lists whose every line is one item: "- ", or a number,
    a point and a space, then plain text that does not open a block of its own (a nested
    list, a heading...). Items of one kind separated by empty lines are one list, as
    markdown-it reads them (a loose list: its numbers go on). Else None (parse it), and so
    for a list right under a line of text, text right under an item (markdown-it may read it
    as part of the item) or lists of two kinds with no empty line between. The test suite
    checks that markdown-it reads any text this accepts as these blocks."""
    if any(char in text for char in _SYNTAX):
        return None
    blocks: list[Block] = []
    gap = True  # an empty line (or the start of the text) before this line
    for line in text.split("\n"):
        if not line:
            gap = True
            continue
        if line != line.strip():
            return None
        kind, start, item = "p", 0, line
        if line[0] == "-":
            if not line.startswith("- "):
                return None
            kind, item = "ul", line[2:]
        elif line[0] in _LINE_SYNTAX:
            numbered = _ORDERED_ITEM.fullmatch(line)
            if numbered is None:
                return None
            kind, start, item = "ol", int(numbered.group(1)), numbered.group(2)
        if kind != "p" and (item[0] in _LINE_SYNTAX or item != item.strip()):
            return None
        last = blocks[-1] if blocks else None
        if last is not None and not gap and last[0] != kind:
            return None
        if last is not None and last[0] == kind and (kind != "p" or not gap):
            last[2].append(item)  # the paragraph's next line, or the list's next item
        else:
            blocks.append((kind, start, [item]))
        gap = False
    return blocks


def _plain_wordml(blocks: list[Block], in_table: bool, ids: StyleIds) -> Markup:
    """What `_parsed` writes for the blocks `plain_blocks` read."""
    out = []
    for kind, start, lines in blocks:
        if kind == "p":
            style = ids.line_note if in_table else ids.text
            out.append(
                _paragraph(style, _SOFT_BREAK.join(_run(line, False, False) for line in lines))
            )
            continue
        style = ids.line_note if in_table else (ids.number if kind == "ol" else ids.bullet)
        indent = 360 if in_table else 0
        for n, item in enumerate(lines, start):
            prefix = _number(n, 0) if kind == "ol" else "\u2022"
            out.append(
                _paragraph(style, _run(item, False, False), indent_twips=indent, prefix=prefix)
            )
    return Markup("".join(out))


@lru_cache(maxsize=2048)
def markdown_to_wordml(text: str, *, in_table: bool = False, ids: StyleIds = StyleIds()) -> Markup:
    """Convert Markdown to a string of <w:p> elements (safe to insert into document XML).

    Remembered by its arguments: the same note prints on many documents. Most note bodies are
    plain prose (paragraphs of text, no Markdown syntax at all) and simple lists; those are
    written directly (`plain_blocks`), the same as markdown-it would have them, without
    parsing."""
    text = text or ""
    blocks = plain_blocks(text)
    if blocks is not None:
        return _plain_wordml(blocks, in_table, ids)
    return _parsed(text, in_table, ids)


KEEP_TOGETHER_LIMIT = 1500
"""Characters of text (about thirteen lines of a note) up to which the last note of the offer
is kept on one page with its heading (`kept_together`)."""

_STYLED = re.compile(r'(<w:p><w:pPr><w:pStyle w:val="[^"]*"/>)')


def kept_together(body: Markup) -> Markup:
    """`body` (paragraphs `markdown_to_wordml` wrote) laid out on one page: each paragraph kept
    whole (keep lines together) and with the next (keep with next), but the last. When its text
    is longer than `KEEP_TOGETHER_LIMIT`, only its last paragraph is kept whole (when that one
    is no longer): a long note may run over a page, its last lines not alone on the next.

    The last note before the Standard Terms is printed so: the Terms start on a new page, and a
    note's last two lines carried over would leave a page nearly empty (the heading keeps with
    the first paragraph already)."""
    pieces = _STYLED.split(str(body))
    # ["", opening, rest, opening, rest, ...]: each opening is a paragraph's start to its style
    if len(pieces) < 3 or pieces[0]:
        return body
    openings = list(range(1, len(pieces), 2))
    text = len(_TAGS.sub("", str(body)))
    if text > KEEP_TOGETHER_LIMIT:
        last = len(_TAGS.sub("", pieces[-1]))
        if last > KEEP_TOGETHER_LIMIT:
            return body
        openings = openings[-1:]
    for i in openings:
        keep = "<w:keepLines/>" if i == len(pieces) - 2 else "<w:keepNext/><w:keepLines/>"
        pieces[i] += keep
    return Markup("".join(pieces))


_TAGS = re.compile(r"<[^>]*>")


def _parsed(text: str, in_table: bool, ids: StyleIds) -> Markup:
    """`markdown_to_wordml` of any Markdown of the subset, through markdown-it."""
    tokens = _md.parse(text)
    out: list[str] = []
    lists: list[dict] = []  # stack of {"ordered": bool, "n": int}
    heading = False
    for tok in tokens:
        t = tok.type
        if t in ("bullet_list_open", "ordered_list_open"):
            start = int(tok.attrs.get("start", 1)) if tok.attrs else 1
            lists.append({"ordered": t == "ordered_list_open", "n": start - 1})
        elif t in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif t == "list_item_open":
            lists[-1]["n"] += 1
        elif t == "heading_open":
            heading = True
        elif t == "heading_close":
            heading = False
        elif t == "inline":
            runs = _inline(tok.children, bold=heading)
            if lists:
                current = lists[-1]
                depth = len(lists) - 1
                style = (
                    ids.line_note
                    if in_table
                    else (ids.number if current["ordered"] else ids.bullet)
                )
                prefix = _number(current["n"], depth) if current["ordered"] else "\u2022"
                if current.get("used_for") == current["n"]:
                    prefix = ""  # a second paragraph inside the same item: no new bullet
                current["used_for"] = current["n"]
                indent = 360 * (depth + 1) if (depth or in_table) else 0
                if prefix:
                    out.append(_paragraph(style, runs, indent_twips=indent, prefix=prefix))
                else:
                    out.append(_paragraph(style, runs, indent_twips=indent or 360))
            else:
                out.append(_paragraph(ids.line_note if in_table else ids.text, runs))
        elif t == "fence" or t == "code_block":
            for line in tok.content.rstrip("\n").split("\n"):
                out.append(
                    _paragraph(ids.line_note if in_table else ids.text, _run(line, False, False))
                )
    return Markup("".join(out))
