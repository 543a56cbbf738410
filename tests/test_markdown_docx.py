"""Markdown note bodies become Word paragraphs in the named note styles."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from loagen.rendering.markdown_docx import (
    KEEP_TOGETHER_LIMIT,
    StyleIds,
    _parsed,
    kept_together,
    markdown_to_wordml,
    plain_blocks,
    plain_paragraphs,
)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def _parse(xml: str):
    return etree.fromstring(f'<w:body xmlns:w="{W}">{xml}</w:body>')


def _paragraphs(xml: str):
    body = _parse(xml)
    out = []
    for p in body.findall("w:p", NS):
        style = p.find("w:pPr/w:pStyle", NS).get(f"{{{W}}}val")
        text = "".join(t.text or "" for t in p.iter(f"{{{W}}}t"))
        out.append((style, text))
    return out


def test_paragraphs_bold_italic() -> None:
    xml = str(markdown_to_wordml("First **bold** and *italic*.\n\nSecond."))
    paras = _paragraphs(xml)
    assert paras == [("LOANoteText", "First bold and italic."), ("LOANoteText", "Second.")]
    body = _parse(xml)
    bold = [r for r in body.iter(f"{{{W}}}r") if r.find("w:rPr/w:b", NS) is not None]
    italic = [r for r in body.iter(f"{{{W}}}r") if r.find("w:rPr/w:i", NS) is not None]
    assert [r.find("w:t", NS).text for r in bold] == ["bold"]
    assert [r.find("w:t", NS).text for r in italic] == ["italic"]


def test_lists_use_their_styles_and_restart() -> None:
    xml = str(
        markdown_to_wordml("- one\n- two\n\nText.\n\n1. first\n2. second\n\nMore.\n\n1. again")
    )
    assert _paragraphs(xml) == [
        ("LOANoteBullet", "\u2022one"),
        ("LOANoteBullet", "\u2022two"),
        ("LOANoteText", "Text."),
        ("LOANoteNumber", "1.first"),
        ("LOANoteNumber", "2.second"),
        ("LOANoteText", "More."),
        ("LOANoteNumber", "1.again"),
    ]


def test_nested_numbered_list_uses_letters() -> None:
    paras = _paragraphs(str(markdown_to_wordml("1. top\n   1. inner\n   2. inner two\n2. next")))
    assert [t for _, t in paras] == ["1.top", "a.inner", "b.inner two", "2.next"]


def test_inside_a_table_every_block_is_a_line_note() -> None:
    paras = _paragraphs(str(markdown_to_wordml("Text.\n\n- item", in_table=True)))
    assert {s for s, _ in paras} == {"LOALineNote"}


def test_template_style_ids_are_used() -> None:
    ids = StyleIds(text="NoteBody", bullet="B", number="N", line_note="L")
    assert _paragraphs(str(markdown_to_wordml("x", ids=ids)))[0][0] == "NoteBody"


@given(st.text(max_size=200))
def test_any_text_gives_well_formed_xml_keeping_the_words(text: str) -> None:
    xml = str(markdown_to_wordml(text))
    body = _parse(xml)  # raises if not well formed
    words = "".join(t.text or "" for t in body.iter(f"{{{W}}}t"))
    for ch in "<>&":
        if ch in text and ch in words:
            assert ch in words


def test_lists_in_a_note_are_text_not_word_numbering() -> None:
    """Word numbering numbers the notes themselves (their headings, in the template); a list
    inside a note is typed ("1." and a tab to the hanging indent of its style), so it restarts
    in every note and never counts on from the notes' list."""
    body = _parse(str(markdown_to_wordml("1. first\n2. second\n\n- bullet")))
    assert body.find(".//w:numPr", NS) is None
    paragraphs = body.findall("w:p", NS)
    styles = [p.find("w:pPr/w:pStyle", NS).get(f"{{{W}}}val") for p in paragraphs]
    assert styles == ["LOANoteNumber", "LOANoteNumber", "LOANoteBullet"]
    assert all(p.find("w:r/w:tab", NS) is not None for p in paragraphs)


_PROSE = st.lists(
    st.sampled_from(
        [
            "The line", "word", " ", "  ", "\n", "\n\n", "-", "+", "1.", "2)", "#", ">", "=",
            "<w:p>", "&amp;", "&", '"', "'", "[a](b)", "!", ":", "|", "\u00a0", "\u2028", "\u00e9",
            "\x0b", "*", "_", "`", "~", "\\", "\t", "\r", "\x00", "0", "9",
        ]
    ),
    max_size=25,
).map("".join)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(_PROSE, st.booleans())
def test_plain_prose_is_written_as_markdown_it_reads_it(text: str, in_table: bool) -> None:
    """A body `plain_paragraphs` accepts is written without parsing, exactly as markdown-it
    would have it; any other goes through markdown-it."""
    ids = StyleIds()
    if plain_paragraphs(text) is not None:
        assert markdown_to_wordml(text, in_table=in_table, ids=ids) == _parsed(text, in_table, ids)


_LISTS = st.lists(
    st.sampled_from(
        [
            "1. ", "2. ", "0. ", "01. ", "123456789. ", "1234567890. ", "3) ", "- ", "-", "+ ",
            "* ", "1.", "The line", "word", "item", " ", "  ", "\n", "\n\n", "\n\n\n", "9",
            "- - x", "1. 2. x", "-x", "#", "\u00a0", "\t", "&", "<w:p>", ":", "\u2028",
        ]
    ),
    max_size=25,
).map("".join)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(_LISTS, st.booleans())
def test_simple_lists_are_written_as_markdown_it_reads_them(text: str, in_table: bool) -> None:
    """A body `plain_blocks` accepts (paragraphs and lists of one-line items) is written
    without parsing, exactly as markdown-it would have it: numbers going on across the empty
    lines of a loose list, a list of the other kind or after a paragraph starting anew."""
    ids = StyleIds(text="T", bullet="B", number="N", line_note="L")
    if plain_blocks(text) is not None:
        assert markdown_to_wordml(text, in_table=in_table, ids=ids) == _parsed(text, in_table, ids)


def test_a_note_with_a_numbered_list_is_not_parsed() -> None:
    text = "The Purchaser agrees to the following:\n\n1. Within 30 days, a plan.\n2. An inventory."
    assert plain_blocks(text) == [
        ("p", 0, ["The Purchaser agrees to the following:"]),
        ("ol", 1, ["Within 30 days, a plan.", "An inventory."]),
    ]
    assert plain_blocks("- one\n\n- two\n\n3. three") == [
        ("ul", 0, ["one", "two"]),
        ("ol", 3, ["three"]),
    ]
    for text in ("Text\n1. item", "1. item\nlazy text", "- a\n1. b", "1. - nested", "1.  two"):
        assert plain_blocks(text) is None, text
    ids = StyleIds()
    for text in ("1. a\n\n1. b", "7. a\n\n\n1. b\n\nText.\n\n1. c", "- a\n\n\n- b"):
        assert plain_blocks(text) is not None
        assert markdown_to_wordml(text, ids=ids) == _parsed(text, False, ids)
    numbers = [text for _, text in _paragraphs(str(markdown_to_wordml("7. a\n\n\n1. b")))]
    assert numbers == ["7.a", "8.b"]  # one loose list: its numbers go on


def test_markdown_syntax_is_never_taken_for_plain_prose() -> None:
    for text in (
        "- item", "1. first", "# Heading", "**bold**", "a *b* c", "a_b_", "`code`", "a\\*",
        "    indented", "trailing  \nbreak", "```\nfence", "~~~", "a\tb", "a\r\nb", " lead",
    ):  # fmt: skip
        assert plain_paragraphs(text) is None, text
    assert plain_paragraphs("One line\nand the next.\n\nSecond paragraph.") == [
        ["One line", "and the next."],
        ["Second paragraph."],
    ]
    assert _paragraphs(str(markdown_to_wordml("A & B\n\n<C>"))) == [
        ("LOANoteText", "A & B"),
        ("LOANoteText", "<C>"),
    ]


def _keeps(xml: str) -> list[tuple[bool, bool]]:
    """(keep with next, keep lines together) of each paragraph of `xml`."""
    return [
        ("<w:keepNext/>" in p, "<w:keepLines/>" in p) for p in xml.split("</w:p>") if "<w:p>" in p
    ]


def test_a_short_last_note_is_kept_on_one_page() -> None:
    """The last note before the Standard Terms keeps its paragraphs together and with each
    other (its heading keeps with its first one already): it is not split with its last lines
    alone on a page before the Terms."""
    body = markdown_to_wordml("First paragraph.\n\n- an item\n- another\n\nLast paragraph.")
    kept = kept_together(body)
    assert _keeps(kept) == [(True, True), (True, True), (True, True), (False, True)]
    assert _keeps(body) == [(False, False)] * 4  # the note itself, elsewhere, is untouched
    # the properties go where the schema has them: after the style
    assert '<w:pStyle w:val="LOANoteBullet"/><w:keepNext/><w:keepLines/></w:pPr>' in kept


def test_a_long_last_note_keeps_only_its_last_paragraph_whole() -> None:
    """A last note longer than about thirteen lines may run over a page: only its last
    paragraph is kept whole (the foot of the page holds none of it alone); a last paragraph
    itself that long is left to break as any other."""
    long = "word " * (KEEP_TOGETHER_LIMIT // 5 + 10)
    body = markdown_to_wordml(f"{long}\n\nA last short paragraph.")
    assert _keeps(kept_together(body)) == [(False, False), (False, True)]
    body = markdown_to_wordml(f"A short first paragraph.\n\n{long}")
    assert kept_together(body) == body
