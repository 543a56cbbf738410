"""The page count a built document shows before it is laid out, and the document properties:
checked against LibreOffice's layout (skipped without LibreOffice and poppler)."""

from __future__ import annotations

import itertools
import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from loagen.document import load_document
from loagen.policy.selection import Selection
from loagen.rendering import pages
from loagen.rendering.pages import estimate_pages, with_page_count
from loagen.rendering.templates import Renderer

from .conftest import CASES, ROOT
from .projects import make_corpus

TEMPLATES = ROOT / "templates"
LAYOUT = shutil.which("soffice") and shutil.which("pdfinfo")
needs_layout = pytest.mark.skipif(
    not LAYOUT, reason="LibreOffice and poppler (pdfinfo) are needed to lay documents out"
)


def _styles() -> bytes:
    with zipfile.ZipFile(TEMPLATES / "basic.docx") as z:
        return z.read("word/styles.xml")


def _paragraph(text: str, style: str = "LOABody", extra: str = "") -> str:
    return (
        f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{extra}</w:pPr>'
        f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
    )


def _document(*paragraphs: str) -> str:
    body = "".join(paragraphs)
    return (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:body>{body}<w:sectPr><w:pgSz w:w="12240" w:h="15840"/>'
        '<w:pgMar w:top="1152" w:right="1152" w:bottom="1152" w:left="1152"/></w:sectPr>'
        "</w:body></w:document>"
    )


def test_more_text_takes_more_pages() -> None:
    styles = _styles()
    one = _document(_paragraph("A short paragraph."))
    assert estimate_pages(one, styles) == 1
    line = "word " * 18  # about one line of 10-point Arial on a 6.9-inch column
    fifty_lines = [_paragraph(line) for _ in range(50)]
    assert estimate_pages(_document(*fifty_lines), styles) == 2  # 50 x 19.2 pt > 677 pt
    wrapped = _paragraph("word " * 18 * 60)  # one paragraph of 60 lines: 60 x 13.2 pt
    assert estimate_pages(_document(wrapped), styles) == 2


def _spacer(points: float) -> str:
    """A paragraph exactly `points` high (no space around it)."""
    twips = round(points * 20)
    return (
        f'<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="{twips}" w:lineRule="exact"/>'
        "</w:pPr><w:r><w:t>.</w:t></w:r></w:p>"
    )


@pytest.mark.parametrize(
    ("size", "spacing", "points"),
    [(10.0, 1.15, 13.2), (11.0, 1.15, 14.5), (9.0, 1.15, 11.9), (13.0, 1.15, 17.25),
     (8.0, 1.0, 9.2), (7.5, 1.0, 8.65), (13.0, 1.0, 15.0), (16.5, 1.15, 21.85)],
)  # fmt: skip
def test_a_line_is_as_high_as_libreoffice_makes_it(size: float, spacing: float, points: float):
    """A line's height is LibreOffice's, a whole number of twips (measured: thirty lines of
    each size and spacing laid out): 10-point note text at 1.15 lines is 13.2 points a line,
    not the 13.22 of Arial's metrics, a point less on a page of fifty lines."""
    assert pages._line_height(size, spacing) == pytest.approx(points, abs=1e-9)


@pytest.mark.parametrize(("spacer", "pages_taken"), [(0.0, 1), (5.2, 1), (5.4, 2)])
def test_a_page_holds_the_lines_libreoffice_puts_on_it(spacer: float, pages_taken: int):
    """51 lines of note text (10 points, 1.15 lines, 13.2 points each) fit a page 676.8
    points high under up to 5.2 points of other text, though they take 673.2 points: as
    LibreOffice lays them out, the last line on a page needs room for its text (11.5 points),
    the 1.7 points of its spacing below the text may hang past the foot of the page. Under
    5.4 points the last line goes to the next page (both measured)."""
    styles = _styles()
    line = _paragraph("A line of note text.", "LOANoteText", '<w:spacing w:after="0"/>')
    head = [_spacer(spacer)] if spacer else []
    assert estimate_pages(_document(*head, *[line] * 51), styles) == pages_taken


@pytest.mark.parametrize(("spacer", "pages_taken"), [(5.2, 1), (5.4, 2)])
def test_a_note_heading_stays_where_its_text_fits(spacer: float, pages_taken: int):
    """A note heading keeps with the first lines of its text: it stays at the foot of the page
    when that text fits as LibreOffice fits it (its last line's spacing hanging past the
    page), and goes to the next page, with its text, when it does not."""
    styles = _styles()
    line = _paragraph("A line of note text.", "LOANoteText", '<w:spacing w:after="0"/>')
    heading = _paragraph("Line Item 030 Description", "LOANoteHeading",
                         '<w:spacing w:before="0" w:after="0"/>')  # fmt: skip
    two_lines = _paragraph("word " * 30, "LOANoteText", '<w:spacing w:after="0"/>')
    body = [_spacer(spacer), *[line] * 48, heading, two_lines]
    assert estimate_pages(_document(*body), styles) == pages_taken


def test_a_page_break_before_starts_a_page() -> None:
    styles = _styles()
    doc = _document(
        _paragraph("First page."), _paragraph("Second page.", extra="<w:pageBreakBefore/>")
    )
    assert estimate_pages(doc, styles) == 2


def _table(rows: int, *, keep: bool, margins: str = "") -> str:
    """A one-column table of `rows` rows of at least 20 points that cannot split; its
    paragraphs keep with the next when `keep`."""
    keep_xml = "<w:keepNext/>" if keep else ""
    row = (
        '<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="400" w:hRule="atLeast"/></w:trPr><w:tc>'
        f'<w:p><w:pPr><w:pStyle w:val="LOATableText"/>{keep_xml}</w:pPr>'
        "<w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr>"
    )
    return (
        '<w:tbl><w:tblPr><w:tblStyle w:val="LOATable"/><w:tblW w:w="9936" w:type="dxa"/>'
        f'{margins}</w:tblPr><w:tblGrid><w:gridCol w:w="9936"/></w:tblGrid>{row * rows}</w:tbl>'
    )


def test_a_table_kept_together_moves_whole_to_the_next_page() -> None:
    """A table whose paragraphs keep with the next (the signature grid, the Purchaser's box,
    the cost summary) starts on a new page rather than split, so what follows it may need one
    more page; it never needs fewer."""
    styles = _styles()
    differ = 0
    for n, m in itertools.product(range(25, 36), range(25, 33)):
        before = [_paragraph("Filler.") for _ in range(n)]
        after = [_paragraph("Text.") for _ in range(m)]
        kept = estimate_pages(_document(*before, _table(6, keep=True), *after), styles)
        loose = estimate_pages(_document(*before, _table(6, keep=False), *after), styles)
        assert kept >= loose
        differ += kept > loose
    assert differ


def test_remembered_paragraphs_and_tables_flow_as_those_worked_out() -> None:
    """The items of a body read with every paragraph and table remembered (a table once seen
    twice, by its length and ending and then its text) are those a new layout works out: a
    table or paragraph of the same length and ending but another text is not taken for it."""
    styles = _styles()
    width = 496.8
    table = _table(6, keep=True).replace("<w:t>x</w:t>", "<w:t>" + "xx " * 60 + "</w:t>", 1)
    first = table + _paragraph("xx " * 60) + _paragraph("Two", extra="<w:keepNext/>")
    # the same length (table, paragraph) and ending, a taller row and paragraph
    other = first.replace("xx " * 60, "WW " * 60)
    assert len(other) == len(first) and other[-48:] == first[-48:]
    assert pages._items(other, pages._Layout(styles), width) != pages._items(
        first, pages._Layout(styles), width
    )
    layout = pages._Layout(styles)
    for body in (first, first, first, other, other, first):
        fresh = pages._items(body, pages._Layout(styles), width)
        assert pages._items(body, layout, width) == fresh
    assert layout.table_items and layout.items


def test_a_part_of_the_same_length_and_ending_is_not_taken_for_one_remembered() -> None:
    """A part (of a body cut before each page break) is remembered once a part of its length
    and ending is seen a second time, by its text: another text of the same length and ending
    is laid out, not taken for the one remembered."""
    styles = _styles()
    end = _paragraph("The last paragraph of the part, the same in both.")
    wrapped = _document(_paragraph("x " * 6000), end)  # many lines
    one_line = _document(_paragraph("x" * 12000), end)  # one word, on one line
    assert len(wrapped) == len(one_line)
    pages._LAYOUTS.clear()
    many = estimate_pages(wrapped, styles)
    pages._LAYOUTS.clear()
    few = estimate_pages(one_line, styles)
    assert many > few
    pages._LAYOUTS.clear()
    for document, count in [(wrapped, many)] * 3 + [(one_line, few)] * 2 + [(wrapped, many)]:
        assert estimate_pages(document, styles) == count
    layout = pages._layout(styles)
    assert layout.parts and layout.part_shapes


def test_a_heading_keeps_with_the_table_after_it() -> None:
    styles = _styles()
    differ = 0
    for n, m in itertools.product(range(25, 36), range(25, 33)):
        filler = [_paragraph("Filler.") for _ in range(n)]
        heading = _paragraph("Heading", "LOAHeading")
        plain = _paragraph("Heading", "LOAHeading", '<w:keepNext w:val="0"/>')
        after = [_paragraph("Text.") for _ in range(m)]
        kept = estimate_pages(_document(*filler, heading, _table(3, keep=False), *after), styles)
        loose = estimate_pages(_document(*filler, plain, _table(3, keep=False), *after), styles)
        assert kept >= loose
        differ += kept > loose
    assert differ


def test_cell_margins_add_to_a_row() -> None:
    """Rows are as tall as their text plus the table's top and bottom cell margins."""
    styles = _styles()
    roomy = '<w:tblCellMar><w:top w:w="400" w:type="dxa"/><w:bottom w:w="400" w:type="dxa"/></w:tblCellMar>'
    tight = (
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/></w:tblCellMar>'
    )
    assert estimate_pages(_document(_table(20, keep=False, margins=tight)), styles) == 1
    assert estimate_pages(_document(_table(20, keep=False, margins=roomy)), styles) == 2


def test_a_numbered_paragraph_makes_room_for_its_number() -> None:
    """A note heading numbered by Word starts its text at the list's indent, so a title that
    just fits a line unnumbered wraps once numbered."""
    styles = _styles()
    numbered = '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr><w:ind w:left="432" w:hanging="432"/>'
    title = "Word " * 16 + "Wo"  # about 469 points of bold 10-point Arial: a line holds 497
    differ = 0
    for extra in range(0, 8):
        text = title + "o" * extra
        page = [_paragraph(text, "LOANoteHeading") for _ in range(24)]
        listed = [_paragraph(text, "LOANoteHeading", numbered) for _ in range(24)]
        plain, numbered_pages = (
            estimate_pages(_document(*page), styles),
            estimate_pages(_document(*listed), styles),
        )
        assert numbered_pages >= plain
        differ += numbered_pages > plain
    assert differ


def test_a_bullet_tab_goes_to_the_hanging_indent() -> None:
    """In a bulleted paragraph (the terms of sale, note lists) the text after the bullet's tab
    starts at the indent, not a tab stop further: 60 one-line bullets fit two pages."""
    styles = _styles()
    bullet = _paragraph(
        "\u2022</w:t></w:r><w:r><w:tab/></w:r><w:r><w:t>" + "word " * 18, "LOANoteBullet"
    )
    assert estimate_pages(_document(*[bullet] * 60), styles) == 2


def test_page_count_fields_show_the_count() -> None:
    simple = (
        '<w:p><w:r><w:t>page 1 through page </w:t></w:r><w:fldSimple w:instr=" NUMPAGES ">'
        "<w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>"
    )
    assert "<w:t>7</w:t></w:r></w:fldSimple>" in with_page_count(simple, 7)
    complex_field = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> NUMPAGES </w:instrText>'
        '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    assert "<w:t>12</w:t>" in with_page_count(complex_field, 12)
    page = '<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
    assert with_page_count(page, 9) == page  # the page number is left alone


def _pdf_pages(docx: list[Path], out: Path) -> dict[str, int]:
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), *map(str, docx)],
        capture_output=True,
        timeout=600,
        check=False,
    )
    counts = {}
    for path in docx:
        info = subprocess.run(
            ["pdfinfo", str(out / f"{path.stem}.pdf")], capture_output=True, text=True
        ).stdout
        counts[path.name] = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return counts


def _shown(docx: Path) -> int:
    with zipfile.ZipFile(docx) as z:
        text = re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode())
    return int(re.search(r"page 1 through page (\d+)", text).group(1))


@needs_layout
def test_the_count_shown_is_the_count_laid_out(tmp_path: Path) -> None:
    """On the sample cases and a generated corpus nobody here wrote, the page count the DOCX
    shows before layout equals LibreOffice's; a few documents may be a page out (the estimate
    does not lay out like a word processor), never more."""
    renderer = Renderer(TEMPLATES)
    corpus = make_corpus(tmp_path / "corpus", 24, seed=11)
    sources = sorted(CASES.glob("*/*.json")) + corpus
    built = []
    for source in sources:
        document = load_document(source)
        path = tmp_path / "docx" / f"{document.output_stem}.docx"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(renderer.render(document, Selection()))
        built.append(path)
    laid_out = _pdf_pages(built, tmp_path / "pdf")
    off = {name: (_shown(tmp_path / "docx" / name), n) for name, n in laid_out.items()
           if _shown(tmp_path / "docx" / name) != n}  # fmt: skip
    assert all(abs(shown - n) == 1 for shown, n in off.values()), off
    assert len(off) <= len(built) // 20, off  # at least 95 percent exact


def test_built_documents_carry_their_own_properties() -> None:
    renderer = Renderer(TEMPLATES)
    document = load_document(CASES / "BN-D-QAA" / "amendment-1.json")
    import io

    with zipfile.ZipFile(io.BytesIO(renderer.render(document, Selection()))) as z:
        core = z.read("docProps/core.xml").decode()
        app = z.read("docProps/app.xml").decode()
    assert "python-docx" not in core
    assert "<dc:title>Letter of Offer and Acceptance BN-D-QAA, Amendment 1</dc:title>" in core
    assert "<dc:creator>loagen</dc:creator>" in core
    assert "<Application>loagen</Application>" in app
    assert "<Pages>" not in app and "Microsoft" not in app


# -- the text scans the estimate reads the XML with ------------------------------------------------

_TOKENS = (
    "<w:tbl>", "</w:tbl>", "<w:tbl w:x='1'>", "<w:p>", "</w:p>", "<w:p/>", '<w:p w:a="1">',
    '<w:p w:a="1"/>', "<w:pPr>", "<w:p\n>", "<w:tr>", "</w:tr>", "<w:trPr>", "<w:tr w:r='2'>",
    "<w:tc>", "</w:tc>", "<w:tcPr>", "<w:sectPr>", "<w:sectPrChange>", "</w:sectPr>", "x", " ",
    ">", "<", "<w:", "<w:p", "<w:tr", "<w:tc", "\u00e9",
)  # fmt: skip
# what the estimate found with lazy regular expressions before `_elements` (same results)
_LAZY = {
    "<w:": (pages._BLOCK, r"<w:tbl>.*?</w:tbl>|<w:p/>|<w:p(?:\s[^>]*)?>.*?</w:p>"),
    "<w:tr": (pages._ROW, r"<w:tr(?:\s[^>]*)?>.*?</w:tr>"),
    "<w:tc": (pages._CELL, r"<w:tc(?:\s[^>]*)?>.*?</w:tc>"),
    "<w:p": (pages._PARA, r"<w:p/>|<w:p(?:\s[^>]*)?>.*?</w:p>"),
    "<w:sectPr": (pages._SECTION, r"<w:sectPr\b.*?</w:sectPr>"),
}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=30))
def test_elements_are_what_a_lazy_pattern_finds(tokens: list[str]) -> None:
    """`_elements` finds with `str.find` what `re.findall(opening.*?closing)` finds, quirks
    and all: nested elements end at the first closing tag, an unclosed one is passed over; so
    does `_blocks`, the blocks of a body."""
    xml = "".join(tokens)
    for marker, (opening, lazy) in _LAZY.items():
        assert pages._elements(xml, opening, marker) == re.findall(lazy, xml, re.S)
    assert list(pages._blocks(xml)) == re.findall(_LAZY["<w:"][1], xml, re.S)


def _old_parts(body: str) -> list[str]:
    """The parts of a body as the estimate cut them from a copy of the body."""
    cuts = [0]
    at = body.find("<w:pageBreakBefore/>")
    while at >= 0:
        start = body.rfind("<w:p>", 0, at)
        start = max(start, body.rfind("<w:p ", max(start, 0), at))
        if start > cuts[-1]:
            cuts.append(start)
        at = body.find("<w:pageBreakBefore/>", at + 1)
    cuts.append(len(body))
    parts = (body[a:b] for a, b in zip(cuts, cuts[1:], strict=False))
    return [part for part in parts if part and not part.isspace()]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from((*_TOKENS, "<w:pageBreakBefore/>", "<w:p w:x='1'>", "\n", "\u2003")),
        max_size=30,
    ),
    st.integers(0, 30),
    st.integers(0, 30),
)
@example(["<w:p>", "x", "</w:p>"], 0, 2)  # closed after the body only
@example(["<w:tbl>", "x", "</w:tbl>"], 0, 2)
@example(["<w:p", "/>"], 0, 1)  # an opening across the body's end
def test_a_body_is_read_where_it_is_as_a_copy_of_it_is_read(
    tokens: list[str], first: int, last: int
) -> None:
    """The elements, blocks and parts of `xml[pos:endpos]`, read in `xml` between the two, are
    those of the copy (a part of white space alone is not one)."""
    xml = "".join(tokens)
    # the body between two tokens (elements in it, and others across its edges)
    ends = list(itertools.accumulate((len(token) for token in tokens), initial=0))
    pos, endpos = sorted((ends[min(first, len(tokens))], ends[min(last, len(tokens))]))
    body = xml[pos:endpos]
    for marker, (opening, _) in _LAZY.items():
        found = [xml[m.start() : end] for m, end in pages._spans(xml, opening, marker, pos, endpos)]
        assert found == pages._elements(body, opening, marker)
    assert list(pages._blocks(xml, pos, endpos)) == list(pages._blocks(body))
    assert pages._blocks(xml, pos, endpos) == pages._blocks_found(xml, pos, endpos)
    assert [xml[a:b] for a, b in pages._parts(xml, pos, endpos)] == _old_parts(body)
    sections = pages._spans(xml, pages._SECTION, "<w:sectPr", pos, endpos)
    last = (sections[-1][0].start(), sections[-1][1]) if sections else None
    assert pages._last_section(xml, pos, endpos) == last


@pytest.mark.parametrize(
    "xml",
    [
        "<w:sectPr>a<w:sectPr>b</w:sectPr>c</w:sectPr>",  # nested: the outer one ends first
        "<w:sectPr>a</w:sectPr><w:sectPr>b",  # the last opening is not closed
        "<w:sectPrChange>a</w:sectPr><w:sectPr/>",
        "<w:sectPr>a</w:sectPr>x<w:sectPr w:rsid='1'>b</w:sectPr>",
    ],
)
def test_the_last_section_is_the_last_a_forward_scan_finds(xml: str) -> None:
    sections = pages._spans(xml, pages._SECTION, "<w:sectPr", 0, len(xml))
    last = (sections[-1][0].start(), sections[-1][1]) if sections else None
    assert pages._last_section(xml, 0, len(xml)) == last


_FIELD_TOKENS = (
    '<w:fldSimple w:instr=" NUMPAGES \\* MERGEFORMAT">', '<w:fldSimple w:instr="PAGE">',
    "<w:fldSimple", "</w:fldSimple>", "<w:r>", "<w:t>", '<w:t xml:space="preserve">', "</w:t>",
    "7", "<w:instrText>", " NUMPAGES ", "NUMPAGESX", "</w:instrText>",
    '<w:fldChar w:fldCharType="separate"/>', "<", ">", "NUMPAGES", " ", "\n", "\u2003", "x",
    '<w:instrText xml:space="preserve">', "<w:instrText <w:t >", '<w:fldSimple w:instr="',
    '"', "<w:t ", "<w:fldSimple w:instr=\"NUMPAGES\"><w:t>", "<w:instrText> NUMPAGES </w:instrText>",
    '<w:instrText xml:space="preserve">\n NUMPAGES</w:instrText>',
    '<w:fldChar w:fldCharType="separate"/><w:t>',
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_FIELD_TOKENS), max_size=40))
def test_page_count_fields_are_set_as_a_substitution_sets_them(tokens: list[str]) -> None:
    xml = "".join(tokens)
    expected = xml
    if "NUMPAGES" in xml:
        for field in (pages._SIMPLE_FIELD, pages._COMPLEX_FIELD):
            expected = field.sub(lambda m: m.group(1) + "12" + m.group(2), expected)
    assert with_page_count(xml, 12) == expected


def test_a_row_is_remembered_by_its_text_with_digits_read_as_zero() -> None:
    row = "<w:tr><w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc></w:tr>"
    assert pages._key(row.format("$1,234 \u2022 7")) == pages._key(row.format("$9,870 \u2022 0"))
    assert pages._key(row.format("$1,234")) != pages._key(row.format("$1,23A"))
    assert pages._key(row.format("\u2022 12")) != pages._key(row.format("\u2023 12"))
    assert pages._key(row.format("12")) != pages._key(row.format("123"))


def test_a_row_is_not_taken_for_one_whose_markup_differs_in_its_digits() -> None:
    """Digits in the markup are read as they are: a taller row or one spanning more columns
    lays out otherwise, whatever the length of its text; a row whose text differs in its
    digits alone is taken for the one remembered."""
    styles, width = _styles(), (120.0, 120.0, 120.0)
    row = (
        '<w:tr><w:trPr><w:trHeight w:val="{}"/></w:trPr><w:tc><w:tcPr><w:gridSpan w:val="{}"/>'
        "</w:tcPr><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc></w:tr>"
    )
    fresh = {
        xml: pages._Layout(styles).row(xml, width, "")
        for xml in (row.format(400, 1, "Line 001"), row.format(900, 1, "Line 001"),
                    row.format(400, 3, "Line 001 " * 9), row.format(400, 1, "Line 001 " * 9))
    }  # fmt: skip
    assert len(set(fresh.values())) == 4
    layout = pages._Layout(styles)
    for xml in [*fresh, *fresh]:
        assert layout.row(xml, width, "") == fresh[xml]
    first = layout.row(row.format(400, 1, "Line 001"), width, "")
    assert layout.row(row.format(400, 1, "Line 987"), width, "") is first  # remembered
    # the digits of two tags are told apart from those of one
    two = '<w:rPr><w:sz w:val="1"/><w:szCs w:val="2"/></w:rPr><w:t>3</w:t>'
    one = '<w:rPr><w:sz w:val="12"/><w:szCs w:val=""/></w:rPr><w:t>4</w:t>'
    assert pages._markup_digits(two.encode()) != pages._markup_digits(one.encode())
    assert pages._markup_digits(two.encode()) == pages._markup_digits(
        two.replace("3", "5").encode()
    )


def test_a_row_found_by_its_exact_text_is_one_of_the_same_table_kind() -> None:
    """A row is remembered by its text as it is and by the kind of table it is in: the same
    row in a narrower column or in a table with other cell margins is laid out again (it wraps
    onto more lines), and a row whose text differs (not in digits alone) is not taken for the
    one remembered."""
    styles = _styles()
    text = "Words that wrap in a narrow column " * 3
    row = f"<w:tr><w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc></w:tr>"
    block = f"<w:tbl>{row}{row}</w:tbl>"
    longer = block.replace("column", "column, and longer still " * 4, 1)
    unbroken = block.replace(" ", "W")  # as long, but one word: one line
    kinds = [
        ((400.0,), "LOATable", pages._NO_MARGINS),
        ((90.0,), "LOATable", pages._NO_MARGINS),
        ((90.0,), "LOATable", (20.0, 20.0, 30.0, 30.0)),
    ]
    layout = pages._Layout(styles)
    seen = []
    for _ in range(2):  # the second time round, every row is found remembered
        for xml in (block, longer, unbroken):
            for grid, style, margins in kinds:
                fresh = pages._Layout(styles).table_rows(xml, grid, style, margins, False)
                assert layout.table_rows(xml, grid, style, margins, False) == fresh
                seen.append(fresh[0])
    assert len(set(seen)) == 8


def test_a_paragraph_is_remembered_by_its_text_with_digits_read_as_zero() -> None:
    """A paragraph that differs from one laid out before in the digits of its text alone is
    taken for it; one whose markup's digits differ (a size, a spacing), or whose character
    references differ (`&#34;` is a wider character than `&#39;`), is laid out again."""
    styles = _styles()
    paragraph = (
        '<w:p><w:pPr><w:pStyle w:val="LOABody"/><w:spacing w:after="{}"/></w:pPr>'
        '<w:r><w:rPr><w:sz w:val="{}"/></w:rPr><w:t>{}</w:t></w:r></w:p>'
    )
    texts = (
        "Cost: $1,234",
        "Cost: $9,870",
        "1 2 3 " * 30,
        "9 8 7 " * 30,
        "&#34; " * 40,
        "&#39; " * 40,
    )
    variants = [paragraph.format(after, size, text)
                for after, size, text in itertools.product((60, 240), (20, 28), texts)]  # fmt: skip
    layout = pages._Layout(styles)
    for width in (60.0, 300.0):
        for xml in variants:
            assert layout.box(xml, width) == pages._Layout(styles).box(xml, width)
    layout = pages._Layout(styles)
    first = layout.box(paragraph.format(60, 20, "Cost: $1,234"), 300.0)
    assert layout.box(paragraph.format(60, 20, "Cost: $5,555"), 300.0) is first
    assert layout.box(paragraph.format(60, 28, "Cost: $5,555"), 300.0) is not first
    quotes = layout.box(paragraph.format(60, 20, "&#34; " * 40), 60.0)
    assert layout.box(paragraph.format(60, 20, "&#39; " * 40), 60.0).lines != quotes.lines


def test_a_row_is_not_taken_for_one_whose_character_references_differ() -> None:
    """The digits of a character reference say which character it is (`&#34;` is wider than
    `&#39;`): they are read as the markup's, not as digits of the text."""
    styles, grid = _styles(), (60.0,)
    row = (
        '<w:tr><w:tc><w:p><w:pPr><w:pStyle w:val="LOATableText"/><w:jc w:val="right"/></w:pPr>'
        "<w:r><w:t>{}</w:t></w:r></w:p></w:tc></w:tr>"
    )  # (a paragraph with properties of its own: its character references are read)
    layout = pages._Layout(styles)
    for text in ("&#34; " * 25, "&#39; " * 25, "12&#34; x", "45&#34; x"):
        assert layout.row(row.format(text), grid, "") == pages._Layout(styles).row(
            row.format(text), grid, ""
        )
    quotes = pages._Layout(styles).row(row.format("&#34; " * 25), grid, "")
    assert quotes != pages._Layout(styles).row(row.format("&#39; " * 25), grid, "")
    assert layout.row(row.format("12&#34; x"), grid, "") is layout.row(
        row.format("98&#34; x"), grid, ""
    )


_ROW_TOKENS = (
    "<w:tr>", "</w:tr>", '<w:trHeight w:val="', '"/>', "<w:t>", "</w:t>", '<w:sz w:val="',
    "<w:gridSpan w:val='", "'/>", "<w14:x/>", ">", "<", "1", "2", "7", "00", "x", " ", "\u2022",
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_ROW_TOKENS), max_size=30), st.randoms(use_true_random=False))
def test_the_markup_digits_under_a_mask_are_those_of_markup_digits(
    tokens: list[str], random: Any
) -> None:
    """Two rows the same but for their digits: the mask worked out for one takes the same
    digits of the other as `_markup_digits` reads (a row found with digits of its text alone
    changed is taken; one whose markup's digits changed is not). The mask is the same worked
    out from either (a layout works it out from the second row it looks up, `_taken`)."""
    first = "".join(tokens).encode()
    second = bytes(random.choice(b"0123456789") if 48 <= c <= 57 else c for c in first)
    mask, markup = pages._markup_mask(first)
    assert pages._markup_mask(second)[0] == mask
    digits = int.from_bytes(second.translate(None, pages._NOT_DIGIT), "big")
    same = pages._markup_digits(first) == pages._markup_digits(second)
    assert (digits & mask == markup) == same


def test_a_table_of_taller_rows_is_not_laid_out_as_one_seen_before() -> None:
    """Two tables alike but for their rows' heights (the same length): the second, read after
    the first by the same layout, lays out as a new layout lays it out."""
    styles = _styles()
    width = 496.8
    low = _table(30, keep=False)
    high = low.replace('w:trHeight w:val="400"', 'w:trHeight w:val="900"')
    assert len(high) == len(low) and high != low
    layout = pages._Layout(styles)
    assert pages._items(low, layout, width) == pages._items(low, pages._Layout(styles), width)
    fresh = pages._items(high, pages._Layout(styles), width)
    assert fresh != pages._items(low, pages._Layout(styles), width)
    assert pages._items(high, layout, width) == fresh
    assert estimate_pages(_document(high), styles) > estimate_pages(_document(low), styles)


def test_a_word_wider_than_the_column_and_repeated_words_lay_out_the_same() -> None:
    """The words' widths are remembered per weight and size: a word measured bold is not
    reused for the regular weight, nor one size for another."""
    styles, default = pages.styles_of(_styles())
    regular = pages._lines(default, (("t", "bbbbbbbb " * 40, False, 10.0),), 200.0)
    bold = pages._lines(default, (("t", "bbbbbbbb " * 40, True, 10.0),), 200.0)
    larger = pages._lines(default, (("t", "bbbbbbbb " * 40, False, 14.0),), 200.0)
    assert len(regular) < len(bold) and len(regular) < len(larger)
    assert pages._lines(default, (("t", "bbbbbbbb " * 40, False, 10.0),), 200.0) == regular


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "a",
                "Wide",
                "iiii",
                "W" * 30,
                "\u2022",
                "00.0",
                "",
                " ",
                "001-006,",
                "-",
                "a-",
                "WW-" * 9,
            ]
        ),
        max_size=80,
    ),
    st.booleans(),
    st.sampled_from([0.0, 7.0, 9.0, 10.0, 10.5, 11.0, 12.65, 14.0]),
    st.sampled_from([36.0, 60.0, 74.2, 146.2, 200.0, 496.79999999999995, 496.8]),
)
def test_a_plain_paragraph_breaks_into_the_lines_the_word_by_word_loop_gives(
    words: list[str], bold: bool, size: float, room: float
) -> None:
    """`_plain_line_count` (a line at a time) counts the lines `_wrap` (a word at a time)
    gives, where it applies."""
    text = " ".join(words)
    count = pages._plain_line_count(text, bold, size, room)
    if count is None:
        assert size <= 0 or not (size * 2).is_integer() or "" in text.split(" ")
        return
    style = pages.Style(size=size, bold=bold)
    assert count == len(pages._wrap(style, (("t", text, bold, size),), room))


def test_a_line_as_wide_as_the_room_is_not_broken() -> None:
    """At every room a prefix of the text fills exactly (and a hair less), the line count a
    line at a time is the word-by-word loop's."""
    text = "Where the contractor's lead time changes, the Months of Service are revised."
    style = pages.Style(size=10.0)
    widths = [pages._text_width(word, False, 10.0) for word in text.split(" ")]
    space = pages._text_width(" ", False, 10.0)
    for end in range(1, len(widths) + 1):
        full = sum(widths[:end]) + space * (end - 1)
        for room in (full, math.nextafter(full, 0.0), full + 0.05, full - 0.05):
            wrapped = pages._wrap(style, (("t", text, False, 10.0),), room)
            assert pages._plain_line_count(text, False, 10.0, room) == len(wrapped)


_PROPERTIES = (
    '<w:spacing w:after="60"/>', '<w:keepNext/>', '<w:spacing w:before="120" w:after="0"/>',
    '<w:spacing w:line="360" w:lineRule="exact"/>', '<w:ind w:left="720" w:hanging="360"/>',
    '<w:pageBreakBefore/>', '<w:keepNext w:val="0"/>',
)  # fmt: skip
_RUNS = (
    '<w:r><w:t xml:space="preserve">Plain words of a sentence </w:t></w:r>',
    "<w:r><w:rPr><w:b/></w:rPr><w:t>Bold</w:t></w:r>",
    '<w:r><w:rPr><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr><w:t>Large type</w:t></w:r>',
    '<w:r><w:rPr><w:color w:val="595959"/><w:sz w:val="14"/></w:rPr><w:br/><w:t>was 5</w:t></w:r>',
    "<w:r><w:t>the Purchaser&#39;s &amp; &#34;quoted&#34; &lt;text&gt;</w:t></w:r>",
    "<w:r><w:tab/><w:t/></w:r>",
    "<w:r><w:t>" + "wrapping " * 40 + "</w:t></w:r>",
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(("LOABody", "LOASubtitle", "LOATableMoney", "LOANoteNumber", "Missing", "")),
    st.lists(st.sampled_from(_PROPERTIES), min_size=1, max_size=3),
    st.lists(st.sampled_from(_RUNS), max_size=6),
    st.sampled_from((None, "LOATable")),
    st.sampled_from((60.0, 250.0, 496.8)),
)
def test_a_paragraph_read_from_its_text_lays_out_as_parsed(
    style: str, properties: list[str], runs: list[str], table: str | None, width: float
) -> None:
    """A paragraph with properties of its own and plain runs, read from its XML text, lays out
    as the parsed paragraph does (character references and all)."""
    styles, default = pages.styles_of(_styles())
    in_table = styles.get(table, default) if table else None
    ppr = (f'<w:pStyle w:val="{style}"/>' if style else "") + "".join(properties)
    xml = f"<w:p><w:pPr>{ppr}</w:pPr>{''.join(runs)}</w:p>"
    read = pages._plain_paragraph(xml, ppr, styles, default, width, in_table)
    assert read is not None
    parsed = pages._paragraph(pages._fragment(xml), styles, default, width, in_table)
    assert read == parsed


# -- the flow of paragraphs and rows onto pages, against the object-per-item flow it replaced -----


class _OldPages:
    def __init__(self, height: float) -> None:
        self.height, self.count, self.used, self.pending = height, 1, 0.0, 0.0

    def new_page(self) -> None:
        self.count += 1
        self.used = 0.0
        self.pending = 0.0

    def place(self, box: pages._Box) -> None:
        if box.page_break_before and self.used > 0:
            self.new_page()
        top = self.used == 0 and not box.page_break_before
        before = 0.0 if top else max(box.before, self.pending)
        self.pending = 0.0
        # a paragraph of three lines or fewer, or kept together, is never split
        whole = box.keep_lines or len(box.lines) <= 3
        need_first = before + sum(box.lines if whole else box.lines[:2])
        room = self.height + 0.01 - self.used + box.hang
        if need_first > room and self.used > 0 and need_first <= self.height:
            self.new_page()
            before = 0.0
        self.used += before
        lines, i = box.lines, 0
        while i < len(lines):
            if self.used + lines[i] - box.hang > self.height + 0.01 and self.used > 0:
                if i == 1 and len(lines) > 1:
                    self.used -= lines[0]
                    i = 0
                elif len(lines) - i == 1 and i >= 2:
                    self.used -= lines[i - 1]
                    i -= 1
                self.new_page()
            self.used += lines[i]
            i += 1
        self.pending = box.after

    def place_row(self, row: pages._Row, heading: float) -> None:
        height, line = row.height, row.line
        self.used += self.pending
        self.pending = 0.0
        if self.used + height + row.border <= self.height + pages.KEEP_SLACK or self.used == 0:
            self.used += min(height, self.height)
        else:
            fits = (
                math.floor((self.height - self.used - pages.BORDER) / line) * line
                if row.splits
                else 0.0
            )
            self.new_page()
            if fits < line:
                self.used += heading + min(height, self.height - heading)
            else:
                self.used += heading + (height - fits)
        if row.last:
            self.used += row.border  # the table's bottom border


def _old_chain(items: list[tuple], start: int, flow: _OldPages) -> float:
    total, after, hang = 0.0, flow.pending, 0.0
    for index in range(start, len(items)):
        box, row, _, new_page_after, keeps = items[index]
        if index > start and box is not None and box.page_break_before:
            break
        last = not keeps or new_page_after
        if box is not None:
            gap = max(after, box.before) if (flow.used > 0 or index > start) else 0.0
            whole = not last or box.keep_lines or len(box.lines) <= 3
            total += gap + sum(box.lines if whole else box.lines[:2])
            after, hang = box.after, box.hang
        else:
            total += after + row.height
            after, hang = 0.0, -row.border
        if last or total > flow.height:
            break
    return total - hang


def _old_flow(items: list[tuple], height: float) -> int:
    if not items:
        return 0
    flow = _OldPages(height)
    for index, (box, row, heading, new_page_after, keeps) in enumerate(items):
        if keeps:
            need = _old_chain(items, index, flow)
            room = flow.height - flow.used + pages.KEEP_SLACK
            if need > room and flow.used > 0 and need <= height:
                flow.new_page()
        if box is not None:
            flow.place(box)
        else:
            flow.place_row(row, heading)
        if new_page_after:
            flow.new_page()
    return flow.count


def _box(lines: int, keep_next: bool = False, keep_lines: bool = False) -> pages._Box:
    """A paragraph of `lines` lines of 12 points, no space before or after."""
    return pages._Box([12.0] * lines, 0.0, 0.0, keep_next, False, keep_lines)


def _item(box: pages._Box) -> tuple:
    return (box, None, 0.0, False, box.keep_next)


@pytest.mark.parametrize(("lines", "pages_taken"), [(2, 2), (3, 3), (4, 2)])
def test_a_paragraph_of_three_lines_or_fewer_is_never_split(lines: int, pages_taken: int) -> None:
    """Widow and orphan control leave no line alone on either side of a break, so a paragraph
    of three lines, which the foot of a page holds only two lines of, goes whole to the next
    page with the heading it keeps with (a first line alone there would be an orphan); one of
    four lines leaves two there and carries two over; one of two fits. What follows fills the
    next page but for two lines: it needs a third page only after the three lines."""
    height = 600.0
    filler = pages._Box([height - 12.0 - 30.0], 0.0, 0.0, False, False)  # a heading, 2.5 lines
    items = [_item(filler), _item(_box(1, keep_next=True)), _item(_box(lines))]
    items.append(_item(pages._Box([height - 2 * 12.0 - 1.0], 0.0, 0.0, False, False)))
    assert pages._flow_items(items, height) == pages_taken


def test_a_paragraph_that_keeps_its_lines_together_moves_whole() -> None:
    """A paragraph that keeps its lines together (the last note before the Terms) goes whole to
    the next page rather than split; one taller than a page is split all the same."""
    height = 600.0
    filler = pages._Box([height - 3 * 12.0], 0.0, 0.0, False, False)
    tail = pages._Box([height - 3 * 12.0 - 1.0], 0.0, 0.0, False, False)
    loose = [_item(filler), _item(_box(6)), _item(tail)]
    kept = [_item(filler), _item(_box(6, keep_lines=True)), _item(tail)]
    assert pages._flow_items(loose, height) == 2  # 3 lines here, 3 there, then the tail
    assert pages._flow_items(kept, height) == 3  # 6 lines there: the tail needs a third page
    huge = [_item(filler), _item(_box(80, keep_lines=True))]
    assert pages._flow_items(huge, height) == pages._flow_items(
        [_item(filler), _item(_box(80))], height
    )


_SIZES = st.sampled_from([0.0, 3.0, 10.0, 12.65, 14.3, 40.0, 150.0, 333.3, 700.0])
_BOXES = st.builds(
    pages._Box,
    st.lists(st.sampled_from([9.2, 12.65, 14.3, 16.0, 30.0]), max_size=12),
    _SIZES, _SIZES, st.booleans(), st.booleans(), st.booleans(), st.sampled_from([0.0, 1.7, 2.0]),
)  # fmt: skip
_ROWS = st.builds(
    pages._Row,
    _SIZES, st.sampled_from([8.0, 12.65, 14.3]), st.booleans(), st.booleans(), st.booleans(),
    st.sampled_from([0.0, 0.5]), st.booleans(),
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.one_of(_BOXES, st.lists(_ROWS, min_size=1, max_size=8)), max_size=25),
    st.lists(st.booleans(), min_size=25, max_size=25),
    st.sampled_from([200.0, 648.0, 676.8]),
)
def test_the_flow_lays_out_as_the_object_per_item_flow(
    blocks: list[pages._Box | list[pages._Row]], breaks: list[bool], height: float
) -> None:
    """`_flow_items` (locals and tuples) counts the pages the flow of `_Pages` objects, one
    method call per paragraph or row, counted."""
    items: list[tuple] = []
    for block, new_page_after in zip(blocks, breaks, strict=False):
        if isinstance(block, pages._Box):
            after = bool(block.lines) and new_page_after
            items.append((block, None, 0.0, after, block.keep_next))
            continue
        heading = 0.0
        for row in block:
            items.append((None, row, 0.0 if row.heading else heading, False,
                          row.keep_next or row.heading))  # fmt: skip
            if row.heading:
                heading += row.height
    assert pages._flow_items(items, height) == _old_flow(items, height)


def test_references_are_read_as_the_characters_they_stand_for() -> None:
    """Every reader of a paragraph's text reads an entity or character reference as the XML
    parser does: `&#39;` is an apostrophe (as escaping writes it), `&#8226;` and `&#x2022;` the
    bullet (as the template's own text is written), not the characters of the reference."""
    assert pages._characters("a&amp;b &lt;&gt; &quot;&apos; &#39;&#34; &#8226;&#x2022;") == (
        "a&b <> \"' '\" \u2022\u2022"
    )
    assert pages._characters("&#1114112; &#xD800; &nbsp;") == "&#1114112; \ud800 &nbsp;"
    styles = _styles()
    simple = '<w:p><w:pPr><w:pStyle w:val="LOABody"/></w:pPr><w:r><w:t>{}</w:t></w:r></w:p>'
    styled = (
        '<w:p><w:pPr><w:pStyle w:val="LOABody"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>'
        "<w:t>{}</w:t></w:r></w:p>"
    )
    plain = (
        '<w:p><w:pPr><w:pStyle w:val="LOABody"/><w:spacing w:after="60"/></w:pPr>'
        "<w:r><w:t>{}</w:t></w:r></w:p>"
    )
    bullet = (
        '<w:p><w:pPr><w:pStyle w:val="LOANoteBullet"/></w:pPr><w:r><w:t>{}</w:t><w:tab/>'
        "<w:t>{}</w:t></w:r></w:p>"
    )
    for width in (40.0, 200.0):
        for form in (simple, styled, plain):
            for text, as_written in (("W'W " * 30, "W&#39;W " * 30), ('"x" ' * 40, "&#34;x&#34; " * 40)):  # fmt: skip
                assert pages._Layout(styles).box(form.format(as_written), width) == (
                    pages._Layout(styles).box(form.format(text), width)
                ), (form, text)
        for reference in ("&#8226;", "&#x2022;"):
            assert pages._Layout(styles).box(bullet.format(reference, "word " * 30), width) == (
                pages._Layout(styles).box(bullet.format("\u2022", "word " * 30), width)
            )


_CELL_TOKENS = (
    "<w:tc>", "</w:tc>", "<w:tc ", "<w:tcPr>", "<w:p>", "</w:p>", "<w:p/>", "<w:p ", "<w:pPr>",
    ">", "<", "x", " ", 'a="1"', "<w:t>",
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_CELL_TOKENS), max_size=14))
@example(["<w:tc ", "</w:tc>", "x", "</w:tc>"])
@example(["<w:tc>", "<w:p>", "x", "</w:p>", "<w:p/>", "</w:tc>"])
def test_cells_and_paragraphs_cut_at_closing_tags_are_those_the_scan_finds(
    tokens: list[str],
) -> None:
    """A row's cells and a cell's paragraphs, cut at their closing tags, are the elements the
    scan of `_spans` finds, in markup however odd (an opening tag whose attributes run over a
    closing tag, an empty paragraph, a marker that opens nothing)."""
    xml = "".join(tokens)
    assert pages._cut(xml, pages._CELL, "<w:tc", "</w:tc>") == pages._elements(
        xml, pages._CELL, "<w:tc"
    )
    assert pages._cut(xml, pages._PARA, "<w:p", "</w:p>") == pages._elements(
        xml, pages._PARA, "<w:p"
    )


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(("NUMPAGES", "G", "GG", "NUMPAGE", "UMPAGES", "x", "NUMPAGESG")),
                max_size=200))  # fmt: skip
@example(["NUMPAGES"] + ["G"] * 70 + ["NUMPAGES"])
@example(["NUMPAGES", "NUMPAGES"])
def test_numpages_is_found_wherever_it_is(tokens: list[str]) -> None:
    """`_numpages` finds every NUMPAGES a search for the word finds (the letter it searches
    by common or not)."""
    xml = "".join(tokens)
    expected = [m.start() for m in re.finditer("(?=NUMPAGES)", xml)]
    if expected:
        assert pages._numpages(xml, expected[0]) == expected


@pytest.mark.parametrize(("room", "pages_taken"), [(48.9, 2), (48.8, 3)])
def test_a_heading_goes_with_its_text_unless_it_fits_to_the_twip(room: float, pages_taken: int):
    """A note heading and the first two lines of its text (8 + 13.2 + 3 + 26.4 points, less
    the 1.7 the last line's spacing may hang past the page: 48.9) stay at the foot of a page
    48.9 points high, and both go to the next page when it is 48.8 (LibreOffice measured):
    nothing past the page is let through, or the heading would stay behind alone while its
    text moves (the next page then holds them both: 640 points more fill it)."""
    styles = _styles()
    heading = _paragraph("Line Item 020 Description", "LOANoteHeading")
    two_lines = _paragraph("word " * 30, "LOANoteText", '<w:spacing w:after="0"/>')
    body = [_spacer(676.8 - room), heading, two_lines, _spacer(640.0)]
    assert estimate_pages(_document(*body), styles) == pages_taken


def test_an_empty_run_before_a_line_break_does_not_raise_the_line() -> None:
    """A revised line's costs: each amount (8 points) is followed on the next line by its old
    value in 7 points ("was $4,050,000"), the line break written in a run of the amount's size
    that holds no text. That break does not make the line of the old value 8 points high:
    LibreOffice lays the cell out 9.2 + 8.05 + 9.2 + 8.05 points (its row 37.9 points high with
    the cell margins and border, not 39.05)."""
    small = '<w:rPr><w:color w:val="595959"/><w:sz w:val="14"/><w:szCs w:val="14"/></w:rPr>'
    cell = (
        '<w:p><w:pPr><w:pStyle w:val="LOATableMoney"/></w:pPr>'
        '<w:r><w:t xml:space="preserve">$5,062,000</w:t></w:r>'
        f'<w:r>{small}<w:br/><w:t xml:space="preserve">was $4,050,000</w:t></w:r>'
        '<w:r><w:t xml:space="preserve"></w:t><w:br/><w:t xml:space="preserve">$5,062,000</w:t></w:r>'
        f'<w:r>{small}<w:br/><w:t xml:space="preserve">was $4,050,000</w:t></w:r>'
        '<w:r><w:t xml:space="preserve"></w:t></w:r></w:p>'
    )
    box = pages._Layout(_styles()).box(cell, 74.2, "LOATable")
    assert box.lines == pytest.approx([9.2, 8.05, 9.2, 8.05])


@pytest.mark.parametrize(("spacer", "pages_taken"), [(276.3, 1), (276.5, 2)])
def test_a_row_at_the_foot_of_a_page_keeps_room_for_its_bottom_border(
    spacer: float, pages_taken: int
) -> None:
    """Twenty rows of 20 points (their top borders in them) fit under 276.3 points of other
    text, the last row's bottom border (half a point) ending at the foot of the page; under
    276.5 points the border would run past it, and the last row goes to the next page
    (LibreOffice measured)."""
    styles = _styles()
    document = _document(_spacer(spacer), _table(20, keep=False))
    assert estimate_pages(document, styles) == pages_taken


@pytest.mark.parametrize(("spacer", "pages_taken"), [(476.3, 1), (476.5, 2)])
def test_what_follows_a_table_starts_below_its_bottom_border(spacer: float, pages_taken: int):
    """A table of ten 20-point rows (each holding its top border) takes 200.5 points: its
    bottom border is half a point more. A line 476.3 points high fits under it; one of 476.5
    goes to the next page (LibreOffice measured)."""
    styles = _styles()
    document = _document(_table(10, keep=False), _spacer(spacer))
    assert estimate_pages(document, styles) == pages_taken


def test_a_word_breaks_after_a_hyphen() -> None:
    """LibreOffice breaks a line after the hyphen of a range of lines ("008-" at the end of a
    line, "010" on the next): this note text lays out in three lines, not four."""
    text = (
        "Packing, crating and handling (PC&amp;H) charges have been applied to the relevant "
        "parts of Lines 001-006, 008-010, 012, 014, 015, 017-023, 025, 027-029, 031, 032, 034 "
        "and 035. Transportation charges have been applied to the relevant parts of Lines "
        "001-006, 008-010, 012, 014, 015, 017-023, 025, 027-029, 031, 032, 034 and 035."
    )
    box = pages._Layout(_styles()).box(_paragraph(text, "LOANoteText"), 496.8)
    assert len(box.lines) == 3
    # the part after the hyphen goes on; a word without one goes whole
    style = pages.Style(size=10.0)
    width = pages._text_width("Lines 001-", False, 10.0)
    assert len(pages._wrap(style, (("t", "Lines 001-006", False, 10.0),), width)) == 2
    assert len(pages._wrap(style, (("t", "Lines 001006", False, 10.0),), width)) == 2
    assert len(pages._wrap(style, (("t", "Lines 001-006", False, 10.0),), width - 0.1)) == 2
