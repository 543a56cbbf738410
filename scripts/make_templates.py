"""Bootstrap the three LOA templates (templates/basic.docx, amendment.docx, modification.docx).

Run once to create them: `python scripts/make_templates.py`. After that the .docx files are the
source: policy staff edit them in Word (text, styles, layout, Jinja tags) and rebuild. Re-running
this script overwrites their edits, so it refuses unless given --overwrite.

The templates use docxtpl tags: {{ value }}, {%p if ... %} / {%p endif %} paragraphs,
{%tr for ... %} table rows and {{p xml }} for note bodies. The variables are listed in the README.

Layout rules the templates carry (and `loagen templates --check` expects):

- every table is the width of the text (6.9 inches between 0.8-inch margins), fixed layout, no
  indent; no table row may split across pages, and the first row of a table is a heading row
  that repeats on every page the table runs onto;
- the signature grid, the box of information the Purchaser provides and the cost summary keep
  together (every paragraph in them keeps with the next, but the last row's) and with the
  heading or sentence before them;
- money is right-aligned (the LOA Table Money style), in every table;
- notes are numbered by Word numbering (the notes section's heading paragraphs are a decimal
  list), not by typed numbers, so renumbering is not a change of text.

The package is built by python-docx, then cut down to what a document needs: only the styles the
templates and the renderer use (no latent styles), no Word 2010 duplicate of the styles, no
thumbnail, web settings, font table, theme or bibliography part, and a numbering part that holds
only the notes' list. The entries are written in a fixed order with fixed timestamps, so running
the script twice gives the same bytes.
"""

from __future__ import annotations

import argparse
import io
import re
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TWIPS_PER_INCH = 1440
MARGIN = 0.8
"""Page margins (inches): 6.9 inches of text on a Letter page."""
TEXT_WIDTH = 8.5 - 2 * MARGIN
"""The width of every table (inches)."""
CELL_MARGINS = {"top": 29, "bottom": 29, "left": 86, "right": 86}
"""Cell padding of every table (twips): a little air above and below each row's text."""
NOTES_NUM_ID = 1
"""The numbering instance of the notes section's headings (word/numbering.xml)."""
NOTE_NUMBER_INDENT = 432
"""Where a note's title starts, after its number (twips; 0.3 inch holds "100.")."""

# The named paragraph styles the renderer, the note Markdown and the templates rely on (loagen
# checks that the note styles exist).
PARAGRAPH_STYLES = {
    # name: (base, size, bold, space_after, extra)
    "LOA Title": ("Normal", 13, True, 2, {"align": "center"}),
    "LOA Subtitle": ("Normal", 11, True, 8, {"align": "center"}),
    "LOA Heading": ("Normal", 11, True, 4, {"keep_next": True, "space_before": 10}),
    "LOA Body": ("Normal", 10, False, 6, {}),
    "LOA Label": ("Normal", 10, True, 2, {"keep_next": True}),
    "LOA Table Text": ("Normal", 8, False, 0, {"line": 240}),
    "LOA Table Heading": ("LOA Table Text", 8, True, 0, {"align": "center"}),
    "LOA Table Money": ("LOA Table Text", 8, False, 0, {"align": "right"}),
    "LOA Signature": ("Normal", 9, False, 0, {"line": 240, "keep_next": True}),
    "LOA Signature Line": ("LOA Signature", 7.5, False, 0, {"line": 240, "keep_next": True,
                                                            "top_border": True}),
    "LOA Note Heading": ("Normal", 10, True, 3, {"keep_next": True, "space_before": 8}),
    "LOA Note Text": ("Normal", 10, False, 4, {}),
    "LOA Note Bullet": ("LOA Note Text", 10, False, 2, {"hanging": 0.25, "left": 0.5}),
    "LOA Note Number": ("LOA Note Text", 10, False, 2, {"hanging": 0.3, "left": 0.55}),
    "LOA Line Note": ("LOA Table Text", 8, False, 2, {"space_before": 3}),
    "LOA Terms": ("Normal", 9, False, 4, {"align": "justify"}),
    "LOA Draft Mark": ("Normal", 14, True, 0, {"align": "center", "color": "C00000"}),
    "LOA Footer": ("Normal", 8, False, 0, {}),
}  # fmt: skip
TABLE_STYLE = "LOA Table"
KEPT_STYLES = ("Normal", "Default Paragraph Font", "Normal Table", "No List", TABLE_STYLE)
"""Styles kept besides `PARAGRAPH_STYLES`: Word's defaults and the table style."""


def make_styles(doc: Document) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), "Arial")
    for name, (base, size, bold, after, extra) in PARAGRAPH_STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles[base]
        style.font.size = Pt(size)
        style.font.bold = bold
        fmt = style.paragraph_format
        fmt.space_after = Pt(after)
        fmt.space_before = Pt(extra.get("space_before", 0))
        if "line" in extra:
            fmt.line_spacing = 1.0
        if extra.get("keep_next"):
            fmt.keep_with_next = True
        if "left" in extra:
            fmt.left_indent = Inches(extra["left"])
            fmt.first_line_indent = Inches(-extra["hanging"])
            fmt.tab_stops.add_tab_stop(Inches(extra["left"]))
        align = extra.get("align")
        if align:
            fmt.alignment = {
                "center": WD_ALIGN_PARAGRAPH.CENTER,
                "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
                "right": WD_ALIGN_PARAGRAPH.RIGHT,
            }[align]
        if "color" in extra:
            style.font.color.rgb = RGBColor.from_string(extra["color"])
        if extra.get("top_border"):
            border = _element("w:pBdr", [_element("w:top", val="single", sz="4", space="1",
                                                  color="auto")])  # fmt: skip
            put_ppr(style.element.get_or_add_pPr(), border)
    doc.styles.element.append(_table_style())


def _element(tag: str, children: list | None = None, **attrs: str):
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), str(value))
    for child in children or ():
        element.append(child)
    return element


def _cell_margins():
    return _element(
        "w:tblCellMar",
        [_element(f"w:{side}", w=CELL_MARGINS[side], type="dxa")
         for side in ("top", "left", "bottom", "right")],
    )  # fmt: skip


def _table_style():
    """The table style of every table: thin borders, a little padding, single line spacing."""
    borders = _element(
        "w:tblBorders",
        [_element(f"w:{edge}", val="single", sz="4", space="0", color="auto")
         for edge in ("top", "left", "bottom", "right", "insideH", "insideV")],
    )  # fmt: skip
    return _element(
        "w:style",
        [
            _element("w:name", val=TABLE_STYLE),
            _element("w:basedOn", val="TableNormal"),
            _element("w:qFormat"),
            _element("w:pPr", [_element("w:spacing", after="0", line="240", lineRule="auto")]),
            _element(
                "w:tblPr", [_element("w:tblInd", w="0", type="dxa"), borders, _cell_margins()]
            ),  # fmt: skip
        ],
        type="table",
        customStyle="1",
        styleId="LOATable",
    )


def field_run(paragraph, instr: str, cached: str = "1") -> None:
    """Append a Word field (PAGE, NUMPAGES) to `paragraph`."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), f" {instr} ")
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = cached
    r.append(t)
    fld.append(r)
    paragraph._p.append(fld)


def para(container, text: str = "", style: str = "LOA Body"):
    return container.add_paragraph(text, style=style)


def label_value(doc, label: str, value: str) -> None:
    p = doc.add_paragraph(style="LOA Body")
    run = p.add_run(label)
    run.bold = True
    p.add_run(value)


PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
    "sectPr", "pPrChange",
)  # fmt: skip
"""The order of a paragraph's properties in WordprocessingML (Word refuses others)."""


def put_ppr(ppr, element) -> None:
    """Put `element` into the paragraph properties `ppr` in its schema place, replacing one of
    the same kind."""
    name = etree.QName(element).localname
    for old in ppr.findall(qn(f"w:{name}")):
        ppr.remove(old)
    rank = PPR_ORDER.index(name)
    for index, child in enumerate(ppr):
        if PPR_ORDER.index(etree.QName(child).localname) > rank:
            ppr.insert(index, element)
            return
    ppr.append(element)


def _ppr_child(paragraph, element) -> None:
    """Add `element` to the paragraph's properties, in the schema's order."""
    put_ppr(paragraph._p.get_or_add_pPr(), element)


def keep_next(paragraph, on: bool = True) -> None:
    if on:
        _ppr_child(paragraph, _element("w:keepNext"))
    else:
        _ppr_child(paragraph, _element("w:keepNext", val="0"))


def set_cell(cell, *texts: str, style: str = "LOA Table Text") -> None:
    cell.paragraphs[0].text = texts[0] if texts else ""
    cell.paragraphs[0].style = style
    for text in texts[1:]:
        cell.add_paragraph(text, style=style)


def right_align(cell) -> None:
    for paragraph in cell.paragraphs:
        _ppr_child(paragraph, _element("w:jc", val="right"))


def make_table(doc, widths: list[float], rows: int = 1, *, borders: bool = True):
    """A table the width of the text, with columns of `widths` inches (summing to it): fixed
    layout, no indent, the cell padding of every table."""
    assert abs(sum(widths) - TEXT_WIDTH) < 1e-6, (widths, sum(widths))
    table = doc.add_table(rows=rows, cols=len(widths))
    table.style = doc.styles[TABLE_STYLE]
    table.autofit = False
    tblpr = table._tbl.tblPr
    for tag in ("w:tblW", "w:tblInd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:jc"):
        for old in tblpr.findall(qn(tag)):
            tblpr.remove(old)
    width = round(TEXT_WIDTH * TWIPS_PER_INCH)
    tblpr.append(_element("w:tblW", w=width, type="dxa"))
    tblpr.append(_element("w:jc", val="left"))
    tblpr.append(_element("w:tblInd", w="0", type="dxa"))
    if not borders:
        tblpr.append(
            _element(
                "w:tblBorders",
                [
                    _element(f"w:{edge}", val="nil")
                    for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
                ],
            )  # fmt: skip
        )
    tblpr.append(_element("w:tblLayout", type="fixed"))
    tblpr.append(_cell_margins())
    tblpr.append(_element("w:tblLook", val="04A0", firstRow="1", lastRow="0", firstColumn="0",
                          lastColumn="0", noHBand="0", noVBand="1"))  # fmt: skip
    twips = [round(w * TWIPS_PER_INCH) for w in widths]
    twips[-1] += width - sum(twips)
    for column, w in zip(table.columns, twips, strict=True):
        column.width = w * 635  # EMU
    return table, twips


def finish_rows(table, twips: list[int]) -> None:
    """Every row: cell widths, can't split across pages; the first row repeats as a heading."""
    for index, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(_element("w:cantSplit"))
        if index == 0:
            trpr.append(_element("w:tblHeader"))
        column = 0
        for tc in row._tr.findall(qn("w:tc")):
            tcpr = tc.get_or_add_tcPr()
            span = tcpr.find(qn("w:gridSpan"))
            n = int(span.get(qn("w:val"))) if span is not None else 1
            tcw = tcpr.find(qn("w:tcW"))
            if tcw is None:
                tcw = _element("w:tcW")
                tcpr.insert(0, tcw)
            tcw.set(qn("w:w"), str(sum(twips[column : column + n])))
            tcw.set(qn("w:type"), "dxa")
            column += n


def loop_rows(
    table,
    header_cells: list[list[str]],
    opener: str,
    body: list[list[str]],
    closer: str,
    *,
    money: tuple[int, ...] = (),
    heading_style: str = "LOA Table Heading",
) -> None:
    """Header row, then {%tr opener %}, the body row, {%tr closer %}; the columns in `money`
    right-aligned."""
    hdr = table.rows[0]
    for index, (cell, texts) in enumerate(zip(hdr.cells, header_cells, strict=True)):
        set_cell(cell, *texts, style=heading_style)
        if index in money:
            right_align(cell)
    row = table.add_row()
    set_cell(row.cells[0], "{%tr " + opener + " %}")
    row = table.add_row()
    for index, (cell, texts) in enumerate(zip(row.cells, body, strict=True)):
        set_cell(cell, *texts, style="LOA Table Money" if index in money else "LOA Table Text")
    row = table.add_row()
    set_cell(row.cells[0], "{%tr " + closer + " %}")


def new_page_heading(doc, text: str):
    """A heading that starts a new page (page break before: no blank page when the page before
    is exactly full)."""
    p = para(doc, text, "LOA Heading")
    p.paragraph_format.page_break_before = True
    return p


def row_height(row, inches: float) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(_element("w:trHeight", val=round(inches * TWIPS_PER_INCH), hRule="atLeast"))


# -- page 1 --------------------------------------------------------------------------------------

SIGNATURE_WIDTHS = [2.35, 1.0, 0.2, 2.35, 1.0]
"""Signature and date of the U.S. Government, a gap, signature and date of the Purchaser."""


PURCHASER_BOX = (
    "Mark For Code",
    "Freight Forwarder Code",
    "Purchaser Procuring Agency Code",
    "Name and Address of Purchaser's Paying Office",
)
"""The four fill-ins of the box "Information to be provided by the Purchaser"."""

# Page 1 holds the offer, the money block, the acceptance sentence, the signature grid and the
# Purchaser's box (SAMM Figure C5.F3); the box, then the grid, move to page 2 when page 1 cannot
# hold them, which leaves part-empty pages. So page 1 is set a little tighter than the
# rest of the document, and its rows are no taller than their use needs.
GRID_ROW_HEIGHTS = {1: 0.4, 2: 0.33, 3: 0.36, 4: 0.44}
"""Heights (inches, at least) of the grid's rows under the party headings: the signatures (1),
typed name and title (2), the agency (3: the Implementing Agency's name and its label), DSCA's
review (4). A row's label sits at its foot, under the line, so a signature row leaves at least
0.3 inch to sign in above its line (row 4 follows the agency's label directly, hence taller)."""
BOX_GAP = 0.1
"""The space between the grid and the Purchaser's box (inches)."""
BOX_ROW = 0.2
"""The box's code rows: one line each (inches)."""
BOX_ADDRESS_ROW = 0.33
"""The box's last row, the paying office's name and address: two lines of writing (inches)."""
PAGE_ONE_SPACING = {
    "LOA Body": {"after": 60},
    "LOA Heading": {"before": 100, "after": 40},
    "LOA Subtitle": {"after": 120},
}
"""Paragraph spacing (twips) of page 1's paragraphs, set on them over their style's (6 point
after a body paragraph, 10 before and 4 after a heading, elsewhere in the document)."""


def _borders(tc, edges: tuple[str, ...] = ("top", "left", "bottom", "right")) -> None:
    tcpr = tc.get_or_add_tcPr()
    element = _element(
        "w:tcBorders",
        [_element(f"w:{edge}", val="single", sz="4", space="0", color="auto") for edge in edges],
    )
    # tcBorders follows tcW and gridSpan in a cell's properties
    anchor = tcpr.find(qn("w:gridSpan"))
    if anchor is None:
        anchor = tcpr.find(qn("w:tcW"))
    if anchor is not None:
        anchor.addnext(element)
    else:
        tcpr.insert(0, element)


def signature_grid(doc, *, purchaser: str | None, box: bool) -> None:
    """The signature grid of page 1, as in the SAMM's sample LOA: for the U.S. Government the
    signature and its date side by side, the typed name and title, the Implementing Agency,
    and DSCA's review with its date; for the Purchaser the signature and its date, the typed
    name and title, and the agency. Each field is a line to write on with its label beneath.
    `purchaser` is None for a grid the Purchaser signs, else what its side says instead.

    With `box`, the box of information the Purchaser provides follows (`purchaser_box`).
    The grid keeps together with the sentence before it (every paragraph but its last row's
    keeps with the next), and so does the box: a page 1 too full for both keeps the signatures
    and leaves the box to page 2; one too full for the grid leaves both to page 2. (The grid
    and the box were one table: a State description of six lines moved every signature off
    page 1, leaving a third of it empty.)"""
    table, twips = make_table(doc, SIGNATURE_WIDTHS, rows=5, borders=False)
    rows = table.rows
    us, us_date, gap, them, them_date = range(5)
    rows[0].cells[us].merge(rows[0].cells[us_date])
    rows[0].cells[them].merge(rows[0].cells[them_date])
    set_cell(rows[0].cells[us], "For the United States Government", style="LOA Label")
    set_cell(rows[0].cells[them], "For the {{ case.purchaser.name }}", style="LOA Label")
    for index in (2, 3):
        rows[index].cells[us].merge(rows[index].cells[us_date])
        rows[index].cells[them].merge(rows[index].cells[them_date])
    line = "LOA Signature Line"
    set_cell(rows[1].cells[us], "Signature", style=line)
    set_cell(rows[1].cells[us_date], "Date", style=line)
    set_cell(rows[2].cells[us], "Typed Name and Title", style=line)
    set_cell(rows[3].cells[us], "{{ implementing_agency }}", "Implementing Agency", style=line)
    rows[3].cells[us].paragraphs[0].style = "LOA Signature"
    set_cell(rows[4].cells[us], "DSCA Reviewed/Approved", style=line)
    set_cell(rows[4].cells[us_date], "Date", style=line)
    if purchaser is None:
        set_cell(rows[1].cells[them], "Signature", style=line)
        set_cell(rows[1].cells[them_date], "Date", style=line)
        set_cell(rows[2].cells[them], "Typed Name and Title", style=line)
        set_cell(rows[3].cells[them], "Agency", style=line)
        for cell in (rows[4].cells[them], rows[4].cells[them_date]):
            set_cell(cell, "", style="LOA Signature")
    else:
        rows[1].cells[them].merge(rows[1].cells[them_date])
        set_cell(rows[1].cells[them], purchaser, style="LOA Signature")
        for index in (2, 3):
            set_cell(rows[index].cells[them], "", style="LOA Signature")
        for cell in (rows[4].cells[them], rows[4].cells[them_date]):
            set_cell(cell, "", style="LOA Signature")
    for index, row in enumerate(rows[:5]):
        set_cell(row.cells[gap], "", style="LOA Signature")
        if index:
            row_height(row, GRID_ROW_HEIGHTS[index])
            for tc in row._tr.findall(qn("w:tc")):
                tc.get_or_add_tcPr().append(_element("w:vAlign", val="bottom"))
    finish_rows(table, twips)
    _keep_nothing_after(table)
    if box:
        purchaser_box(doc)


def purchaser_box(doc) -> None:
    """The box of information the Purchaser provides, after the signature grid: a gap (a
    paragraph `BOX_GAP` high that keeps with the box: two tables with nothing between them
    would be one), then the box's title and its four fill-ins, bordered, kept together."""
    gap = para(doc, "", "LOA Signature")
    _ppr_child(
        gap,
        _element(
            "w:spacing", before=0, after=0, line=round(BOX_GAP * TWIPS_PER_INCH), lineRule="exact"
        ),
    )
    table, twips = make_table(doc, SIGNATURE_WIDTHS, rows=1 + len(PURCHASER_BOX), borders=False)
    title, *fields = table.rows
    title.cells[0].merge(title.cells[4])
    set_cell(title.cells[0], "Information to be provided by the Purchaser", style="LOA Label")
    _ppr_child(title.cells[0].paragraphs[0], _element("w:spacing", after=0))
    for row, label in zip(fields, PURCHASER_BOX, strict=True):
        row.cells[0].merge(row.cells[2])
        row.cells[3].merge(row.cells[4])
        set_cell(row.cells[0], label, style="LOA Signature")
        set_cell(row.cells[3], "", style="LOA Signature")
        row_height(row, BOX_ROW if label != PURCHASER_BOX[-1] else BOX_ADDRESS_ROW)
    finish_rows(table, twips)
    for row in table.rows:
        for tc in row._tr.findall(qn("w:tc")):
            _borders(tc)
    _keep_nothing_after(table)


def _keep_nothing_after(table) -> None:
    """The last row of a table kept together keeps with nothing after it."""
    for tc in table.rows[-1]._tr.findall(qn("w:tc")):
        for p in tc.findall(qn("w:p")):
            put_ppr(p.get_or_add_pPr(), _element("w:keepNext", val="0"))


def acceptance(doc, kind: str) -> None:
    """The sentence before the signatures: who signs, and that they have the authority to."""
    if kind == "modification":
        p = para(
            doc,
            (
                "The U.S. Government representative who signs below has the authority to issue "
                "this Modification for the United States Government."
            ),
        )
        keep_next(p)
        return
    what = "LOA" if kind == "basic" else "Amendment"
    para(doc, "{%p if is_fms %}")
    p = para(
        doc,
        (
            "Each representative who signs below states that he or she has the authority to do "
            f"so: for the United States Government, to offer this {what}; for the "
            "{{ case.purchaser.name }}, to accept it, with every term and condition it sets out."
        ),
    )
    keep_next(p)
    para(doc, "{%p else %}")
    p = para(
        doc,
        (
            "The U.S. Government representative who signs below has the authority to issue "
            f"this {'document' if kind == 'basic' else 'Amendment'} for the United States "
            "Government."
        ),
    )
    keep_next(p)
    para(doc, "{%p endif %}")


def page_one(doc, kind: str) -> None:
    para(doc, "United States of America", "LOA Title")
    para(doc, "Letter of Offer and Acceptance (LOA)", "LOA Title")
    if kind == "basic":
        para(doc, "{{ case.case_id }}", "LOA Subtitle")
    else:
        para(doc, "{{ case.case_id }} {{ doc.title }}", "LOA Subtitle")
    para(doc, "{{ purchaser_reference }}", "LOA Body")
    if kind == "basic":
        para(doc, "{%p if is_fms %}")
        para(
            doc,
            (
                "In response to the request(s) referenced above, the Government of the United States, "
                "acting under the Arms Export Control Act, as amended, offers to sell to the "
                "{{ case.purchaser.name }}, {{ purchaser_address }}, the defense articles, defense "
                'services and training described in this Letter of Offer and Acceptance (the "items"), '
                "subject to the terms and conditions set out in it."
            ),
        )
        para(doc, "{%p else %}")
        para(
            doc,
            (
                "In response to the request referenced above, the United States Government provides, "
                "under the authority and with the funds named in that request, the defense articles, "
                'defense services and training described in this document (the "items") for the '
                "{{ case.purchaser.name }}, {{ purchaser_address }}, the Benefitting Partner."
            ),
        )
        para(doc, "{%p endif %}")
    else:
        noun = "Amendment" if kind == "amendment" else "Modification"
        para(doc, "{%p if is_fms %}")
        para(
            doc,
            (
                f"This {noun} changes the Letter of Offer and Acceptance {{{{ case.case_id }}}} "
                "between the Government of the United States and the {{ case.purchaser.name }}, "
                "{{ purchaser_address }}, as described below. Everything in the LOA that this "
                f"{noun} does not change stays in force."
            ),
        )
        para(doc, "{%p else %}")
        para(
            doc,
            (
                f"This {noun} changes the Letter of Offer and Acceptance {{{{ case.case_id }}}}, "
                "under which the United States Government provides defense articles, defense "
                "services and training for the {{ case.purchaser.name }}, {{ purchaser_address }}, "
                f"the Benefitting Partner, as described below. Everything in the LOA that this "
                f"{noun} does not change stays in force."
            ),
        )
        para(doc, "{%p endif %}")
    para(doc, "Case Description", "LOA Heading")
    para(doc, "{{ case_description }}", "LOA Body")
    para(doc, "State Description", "LOA Heading")
    para(doc, "{{ state_description }}", "LOA Body")

    label_value(doc, "Estimated Cost: ", "{{ estimated_cost }}")
    # An Amendment asks what is due with its acceptance, beyond what the case's earlier
    # documents made due (`document.costs`); a Basic asks its Initial Deposit.
    deposit_label = "Amount Due with Acceptance: " if kind == "amendment" else "Initial Deposit: "
    label_value(doc, deposit_label, "{{ initial_deposit }}")
    para(doc, "Terms of Sale:", "LOA Label")
    para(doc, "{%p for term in terms_of_sale %}")
    para(doc, "•\t{{ term }}", "LOA Note Bullet")
    para(doc, "{%p endfor %}")

    if kind == "modification":
        para(
            doc,
            (
                "This Modification does not require acceptance. It is provided to the {{ party }} for "
                "information and acknowledgment, and takes effect on the date it is signed by the "
                "U.S. Government."
            ),
        )
    else:
        # A BPC document is not signed by the Benefitting Partner (SAMM AP9.4.1), so the
        # Partner does not ask for a later date; who does is not in the sources: the BPC
        # sentence gives the date only.
        para(doc, "{%p if is_fms %}")
        para(
            doc,
            (
                "This offer expires on {{ offer_expiration_date }}. The {{ party }} may ask for a later "
                "date before then; the U.S. Government decides whether to grant it."
            ),
        )
        para(doc, "{%p else %}")
        para(doc, "This offer expires on {{ offer_expiration_date }}.")
        para(doc, "{%p endif %}")
    p = para(doc, "This document consists of page 1 through page ")
    field_run(p, "NUMPAGES")
    p.add_run(".")

    acceptance(doc, kind)
    bpc = "The Benefitting Partner does not sign this document."
    para(doc, "{%p if is_fms %}")
    if kind == "modification":
        signature_grid(doc, purchaser="The {{ party }} does not sign a Modification.", box=True)
    else:
        signature_grid(doc, purchaser=None, box=True)
    para(doc, "{%p else %}")
    signature_grid(doc, purchaser=bpc, box=False)
    para(doc, "{%p endif %}")
    compact_page_one(doc)


def compact_page_one(doc) -> None:
    """Page 1's paragraphs (all the body holds so far) spaced as `PAGE_ONE_SPACING` says."""
    for paragraph in doc.paragraphs:
        spacing = PAGE_ONE_SPACING.get(paragraph.style.name)
        if spacing and not paragraph.text.startswith("{%"):
            _ppr_child(paragraph, _element("w:spacing", **spacing))


# -- the line table, the money, the notes ---------------------------------------------------------

LINE_WIDTHS = [0.7, 2.15, 0.8, 1.15, 0.85, 0.6, 0.65]


def line_items(doc, kind: str) -> None:
    new_page_heading(doc, "Line Items")
    lead = (
        "The costs, and the months in which articles are delivered and services performed, shown "
        "in this table are estimates."
    )
    if kind != "basic":
        lead += (
            " A value this document changes shows the revised value, with the previous value "
            'beneath it in grey ("was ..."). Lines this document adds are marked ADDED, lines '
            "it deletes DELETED."
        )
    p = para(doc, lead, "LOA Body")
    keep_next(p)
    lines, twips = make_table(doc, LINE_WIDTHS)
    loop_rows(
        lines,
        [
            ["(1) Itm Nbr"],
            ["(2) Description/Condition"],
            ["(3) Qty", "Unit of Issue"],
            ["(4) Costs", "(a) Unit", "(b) Total"],
            ["(5) SC/MOS/TA"],
            ["(6) Ofr Rel Cde"],
            ["(7) Del Trm Cde"],
        ],
        "for row in lines",
        [
            ["{{ row.number }}", "{{ row.marker }}"],
            ["{{ row.description }}", "{{ row.masl }}", "{{p row.notes }}"],
            ["{{ row.quantity }}"],
            ["{{ row.costs }}"],
            ["{{ row.source_code }}", "{{ row.months }}", "{{ row.type_of_assistance }}"],
            ["{{ row.offer_release_code }}"],
            ["{{ row.delivery_term_code }}"],
        ],
        "endfor",
        money=(3,),
    )
    finish_rows(lines, twips)


def cost_summary(doc, kind: str) -> None:
    para(doc, "Estimated Cost Summary", "LOA Heading")
    if kind == "basic":
        summary, twips = make_table(doc, [4.9, 2.0])
        loop_rows(
            summary,
            [["Item"], ["Estimated Cost"]],
            "for row in cost_rows",
            [["{{ row.label }}"], ["{{ row.amount }}"]],
            "endfor",
            money=(1,),
        )
    else:
        summary, twips = make_table(doc, [3.0, 1.3, 1.3, 1.3])
        loop_rows(
            summary,
            [["Item"], ["Previous"], ["Change"], ["Revised"]],
            "for row in cost_rows",
            [
                ["{{ row.label }}"],
                ["{{ row.previous }}"],
                ["{{ row.change }}"],
                ["{{ row.amount }}"],
            ],
            "endfor",
            money=(1, 2, 3),
        )
    finish_rows(summary, twips)
    keep_together_loop(summary)
    para(doc, "{%p if surcharge_note %}")
    para(doc, "{{ surcharge_note }}", "LOA Table Text")
    para(doc, "{%p endif %}")


def keep_together_loop(table) -> None:
    """A table of a heading row and one repeated row kept on one page: every paragraph keeps
    with the next (the last repeated row then keeps with the paragraph after the table)."""
    for row in table.rows:
        for tc in row._tr.findall(qn("w:tc")):
            for p in tc.findall(qn("w:p")):
                text = "".join(t.text or "" for t in p.iter(qn("w:t")))
                if not text.startswith("{%tr"):
                    put_ppr(p.get_or_add_pPr(), _element("w:keepNext"))


def payment_schedule(doc) -> None:
    para(doc, "Estimated Payment Schedule", "LOA Heading")
    para(doc, "{%p if schedule %}")
    sched, twips = make_table(doc, [2.1, 1.6, 1.6, 1.6])
    loop_rows(
        sched,
        [["Payment"], ["Due Date"], ["Amount"], ["Cumulative"]],
        "for row in schedule",
        [["{{ row.label }}"], ["{{ row.date }}"], ["{{ row.amount }}"], ["{{ row.cumulative }}"]],
        "endfor",
        money=(2, 3),
    )
    finish_rows(sched, twips)
    para(doc, "{%p else %}")
    para(doc, "{{ schedule_reason }}", "LOA Body")
    para(doc, "{%p endif %}")
    para(doc, "{%p for note in schedule_notes %}")
    para(doc, "{{ note.heading }}", "LOA Note Heading")
    para(doc, "{{p note.body }}")
    para(doc, "{%p endfor %}")


def notes_section(doc) -> None:
    para(doc, "{%p if notes %}")
    # No page break: the notes follow the payment schedule, so a schedule one row too long for
    # its page does not leave that page nearly empty (the heading keeps with its first note).
    para(doc, "Notes", "LOA Heading")
    para(doc, "{%p for note in notes %}")
    heading = para(doc, "{{ note.heading }}", "LOA Note Heading")
    # numbered by Word: the number is not text, so a redline shows an inserted note as one
    # inserted note, not as every later heading renumbered
    _ppr_child(
        heading,
        _element("w:numPr", [_element("w:ilvl", val="0"), _element("w:numId", val=NOTES_NUM_ID)]),
    )
    _ppr_child(heading, _element("w:ind", left=NOTE_NUMBER_INDENT, hanging=NOTE_NUMBER_INDENT))
    para(doc, "{{p note.body }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")


def terms_and_information(doc) -> None:
    # -- standard terms and conditions (FMS only) --
    para(doc, "{%p if is_fms %}")
    new_page_heading(doc, "Standard Terms and Conditions for Foreign Military Sales")
    para(doc, "{%p for section in terms_and_conditions %}")
    para(doc, "{{ section.heading }}", "LOA Note Heading")
    para(doc, "{%p for text in section.paragraphs %}")
    para(doc, "{{ text }}", "LOA Terms")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")

    # -- LOA information: what the codes in the line table mean, and how to pay --
    new_page_heading(doc, "Letter of Offer and Acceptance Information")
    para(doc, "{%p if is_fms %}")
    para(
        doc,
        (
            "Payments are made in U.S. dollars by wire transfer or check to the Defense Finance and "
            "Accounting Service, for the Foreign Military Sales Trust Fund, and quote the case "
            "identifier {{ case.case_id }}. Billing statements follow each calendar quarter."
        ),
        "LOA Terms",
    )
    para(doc, "{%p else %}")
    para(
        doc,
        (
            "This document is funded by U.S. Government appropriations, the funds named on page 1: "
            "they pay every amount it shows as due, on page 1 and in the payment schedule. The "
            "Benefitting Partner makes no payment."
        ),
        "LOA Terms",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p for table in code_tables %}")
    para(doc, "{{ table.title }}", "LOA Note Heading")
    codes, twips = make_table(doc, [0.8, 6.1])
    loop_rows(
        codes,
        [["Code"], ["Meaning"]],
        "for row in table.rows",
        [["{{ row.code }}"], ["{{ row.meaning }}"]],
        "endfor",
    )
    finish_rows(codes, twips)
    para(doc, "{%p endfor %}")


def build_template(kind: str) -> Document:
    doc = Document()
    make_styles(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(MARGIN))

    # -- header and footer --
    header = section.header.paragraphs[0]
    header.style = doc.styles["LOA Draft Mark"]
    header.text = "{% if draft %}DRAFT - NOT FOR SIGNATURE - QUALITY CHECK ERRORS{% endif %}"
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["LOA Footer"]
    footer.paragraph_format.tab_stops.add_tab_stop(Inches(TEXT_WIDTH), alignment=2)  # right
    footer.add_run("{{ case.case_id }} {{ doc.title }}\tPage ")
    field_run(footer, "PAGE")
    footer.add_run(" of ")
    field_run(footer, "NUMPAGES")

    page_one(doc, kind)
    line_items(doc, kind)
    cost_summary(doc, kind)
    payment_schedule(doc)
    notes_section(doc)
    terms_and_information(doc)
    return doc


# -- the package, cut down to what a document needs ----------------------------------------------

DROPPED_PARTS = (
    "word/stylesWithEffects.xml",
    "word/webSettings.xml",
    "word/fontTable.xml",
    "word/theme/theme1.xml",
    "docProps/thumbnail.jpeg",
    "customXml/item1.xml",
    "customXml/itemProps1.xml",
    "customXml/_rels/item1.xml.rels",
)
"""python-docx's default document carries these; an LOA needs none of them (Word makes what it
wants again when it saves)."""
PART_ORDER = (
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/core.xml",
    "docProps/app.xml",
    "word/document.xml",
    "word/_rels/document.xml.rels",
    "word/styles.xml",
    "word/numbering.xml",
    "word/settings.xml",
    "word/header1.xml",
    "word/footer1.xml",
)
_W = f"{{{W_NS}}}"
_PARSER = etree.XMLParser(remove_blank_text=True)

CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/'
    'dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>Letter of Offer and Acceptance template ({kind})</dc:title>"
    "<dc:creator>loagen</dc:creator><cp:lastModifiedBy>loagen</cp:lastModifiedBy>"
    "<cp:revision>1</cp:revision></cp:coreProperties>"
)
APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>loagen</Application><DocSecurity>0</DocSecurity></Properties>"
)
SETTINGS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:settings xmlns:w="{W_NS}">'
    '<w:defaultTabStop w:val="720"/><w:characterSpacingControl w:val="doNotCompress"/>'
    "<w:compat>"
    '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" '
    'w:val="15"/>'
    '<w:compatSetting w:name="overrideTableStyleFontSizeAndJustification" '
    'w:uri="http://schemas.microsoft.com/office/word" w:val="1"/>'
    '<w:compatSetting w:name="doNotFlipMirrorIndents" '
    'w:uri="http://schemas.microsoft.com/office/word" w:val="1"/>'
    "</w:compat>"
    '<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>'
)
"""Word 2013 compatibility: a table with no indent lines its border up with the margin."""
NUMBERING_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:numbering xmlns:w="{W_NS}">'
    '<w:abstractNum w:abstractNumId="0"><w:nsid w:val="4C4F414E"/>'
    '<w:multiLevelType w:val="singleLevel"/><w:name w:val="LOA Notes"/>'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
    '<w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>'
    f'<w:pPr><w:ind w:left="{NOTE_NUMBER_INDENT}" w:hanging="{NOTE_NUMBER_INDENT}"/></w:pPr>'
    "</w:lvl></w:abstractNum>"
    f'<w:num w:numId="{NOTES_NUM_ID}"><w:abstractNumId w:val="0"/></w:num>'
    "</w:numbering>"
)
"""The notes' list: one decimal level, "1.", the title at 0.3 inch."""
DOC_DEFAULTS = (
    f'<w:docDefaults xmlns:w="{W_NS}"><w:rPrDefault><w:rPr>'
    '<w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial"/>'
    '<w:sz w:val="20"/><w:szCs w:val="20"/><w:lang w:val="en-US" w:eastAsia="en-US" w:bidi="ar-SA"/>'
    "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
    '<w:spacing w:after="200" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
    "</w:docDefaults>"
)


def _used_style_ids(parts: dict[str, bytes]) -> set[str]:
    used: set[str] = set()
    for name, data in parts.items():
        if re.match(r"word/(document|header\d*|footer\d*)\.xml$", name):
            used |= set(re.findall(rb'<w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', data))
    return {u.decode() for u in used}


def _strip_styles(styles_xml: bytes, used: set[str]) -> bytes:
    """styles.xml with only the styles used, the named LOA styles, Word's defaults and what they
    are based on; no latent styles; document defaults in Arial 10 point."""
    root = etree.fromstring(styles_xml, _PARSER)
    by_id = {s.get(_W + "styleId"): s for s in root.findall(_W + "style")}
    names = {
        s.find(_W + "name").get(_W + "val"): sid
        for sid, s in by_id.items()
        if s.find(_W + "name") is not None
    }
    keep = set(used)
    keep |= {names[n] for n in (*PARAGRAPH_STYLES, *KEPT_STYLES) if n in names}
    pending = list(keep)
    while pending:
        style = by_id.get(pending.pop())
        if style is None:
            continue
        for ref in ("basedOn", "next", "link"):
            element = style.find(_W + ref)
            if element is None:
                continue
            target = element.get(_W + "val")
            if ref == "basedOn" and target not in keep:
                keep.add(target)
                pending.append(target)
            elif ref != "basedOn" and target not in keep:
                style.remove(element)  # a "next" or "linked" style not kept: not needed
    missing = used - set(by_id)
    if missing:
        raise SystemExit(f"the template uses styles it does not define: {sorted(missing)}")
    for sid, style in by_id.items():
        if sid not in keep:
            root.remove(style)
        else:
            for tag in ("rsid", "uiPriority", "semiHidden", "unhideWhenUsed"):
                for element in style.findall(_W + tag):
                    if sid in ("TableNormal", "NoList", "DefaultParagraphFont") and tag != "rsid":
                        continue
                    style.remove(element)
    for latent in root.findall(_W + "latentStyles"):
        root.remove(latent)
    defaults = root.find(_W + "docDefaults")
    new_defaults = etree.fromstring(DOC_DEFAULTS, _PARSER)
    if defaults is not None:
        root.replace(defaults, new_defaults)
    else:
        root.insert(0, new_defaults)
    return _xml(root)


MC_IGNORABLE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Ignorable"


def _xml(root) -> bytes:
    """The part's bytes, declaring only the namespaces it uses (the Word 2010 extensions it
    no longer holds are no longer named as ignorable)."""
    for element in root.iter():
        element.attrib.pop(MC_IGNORABLE, None)
    etree.cleanup_namespaces(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _tidy_part(data: bytes) -> bytes:
    """document/header/footer XML without the revision ids python-docx's template left."""
    root = etree.fromstring(data, _PARSER)
    for element in root.iter():
        for attr in list(element.attrib):
            if attr.startswith(_W + "rsid"):
                del element.attrib[attr]
    return _xml(root)


def _rels_without(data: bytes, dropped: set[str]) -> bytes:
    root = etree.fromstring(data, _PARSER)
    for rel in list(root):
        target = rel.get("Target", "")
        if any(target.endswith(d.split("/", 1)[-1]) for d in dropped):
            root.remove(rel)
    return _xml(root)


def _content_types_without(data: bytes, dropped: set[str]) -> bytes:
    root = etree.fromstring(data, _PARSER)
    for item in list(root):
        name = item.get("PartName", "")
        if name and name.lstrip("/") in dropped or item.get("Extension") == "jpeg":
            root.remove(item)
    return _xml(root)


def package(doc: Document, kind: str) -> bytes:
    """The template's bytes: python-docx's package cut down to what a document needs."""
    buffer = io.BytesIO()
    doc.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    dropped = {name for name in DROPPED_PARTS if name in parts}
    for name in dropped:
        del parts[name]
    for name in list(parts):
        if re.match(r"word/(document|header\d*|footer\d*)\.xml$", name):
            parts[name] = _tidy_part(parts[name])
    parts["word/styles.xml"] = _strip_styles(parts["word/styles.xml"], _used_style_ids(parts))
    parts["word/numbering.xml"] = NUMBERING_XML.encode()
    parts["word/settings.xml"] = SETTINGS_XML.encode()
    parts["docProps/core.xml"] = CORE_XML.format(kind=kind).encode()
    parts["docProps/app.xml"] = APP_XML.encode()
    parts["_rels/.rels"] = _rels_without(parts["_rels/.rels"], dropped)
    parts["word/_rels/document.xml.rels"] = _rels_without(
        parts["word/_rels/document.xml.rels"], dropped
    )
    parts["[Content_Types].xml"] = _content_types_without(parts["[Content_Types].xml"], dropped)
    order = [n for n in PART_ORDER if n in parts] + sorted(set(parts) - set(PART_ORDER))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, parts[name])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overwrite", action="store_true", help="replace existing templates")
    parser.add_argument("--out", type=Path, default=ROOT / "templates")
    args = parser.parse_args()
    for kind in ("basic", "amendment", "modification"):
        path = args.out / f"{kind}.docx"
        if path.exists() and not args.overwrite:
            raise SystemExit(
                f"{path} exists (it may hold policy edits); use --overwrite to replace it"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(package(build_template(kind), kind))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
