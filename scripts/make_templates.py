"""Bootstrap the three LOA templates (templates/basic.docx, amendment.docx, modification.docx).

Run once to create them: `python scripts/make_templates.py`. After that the .docx files are the
source: policy staff edit them in Word (text, styles, layout, Jinja tags) and rebuild. Re-running
this script overwrites their edits, so it refuses unless given --overwrite.

The templates use docxtpl tags: {{ value }}, {%p if ... %} / {%p endif %} paragraphs,
{%tr for ... %} table rows and {{p xml }} for note bodies. The variables are listed in the README.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

ROOT = Path(__file__).resolve().parents[1]

# The named styles the renderer and the note Markdown rely on (loagen checks they exist).
PARAGRAPH_STYLES = {
    # name: (base, size, bold, space_after, extra)
    "LOA Title": ("Normal", 13, True, 2, {"align": "center"}),
    "LOA Subtitle": ("Normal", 11, True, 8, {"align": "center"}),
    "LOA Heading": ("Normal", 11, True, 4, {"keep_next": True, "space_before": 10}),
    "LOA Body": ("Normal", 10, False, 6, {}),
    "LOA Label": ("Normal", 10, True, 2, {"keep_next": True}),
    "LOA Table Text": ("Normal", 8, False, 0, {}),
    "LOA Table Heading": ("Normal", 8, True, 0, {"align": "center"}),
    "LOA Note Heading": ("Normal", 10, True, 3, {"keep_next": True, "space_before": 8}),
    "LOA Note Text": ("Normal", 10, False, 4, {}),
    "LOA Note Bullet": ("LOA Note Text", 10, False, 2, {"hanging": 0.25, "left": 0.5}),
    "LOA Note Number": ("LOA Note Text", 10, False, 2, {"hanging": 0.3, "left": 0.55}),
    "LOA Line Note": ("LOA Table Text", 8, False, 2, {"space_before": 3}),
    "LOA Terms": ("Normal", 9, False, 4, {"align": "justify"}),
    "LOA Draft Mark": ("Normal", 14, True, 0, {"align": "center", "color": "C00000"}),
    "LOA Footer": ("Normal", 8, False, 0, {}),
}


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
            }[align]
        if "color" in extra:
            style.font.color.rgb = RGBColor.from_string(extra["color"])


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


def set_cell(cell, *texts: str, style: str = "LOA Table Text") -> None:
    cell.paragraphs[0].text = texts[0] if texts else ""
    cell.paragraphs[0].style = style
    for text in texts[1:]:
        cell.add_paragraph(text, style=style)


def repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def loop_rows(
    table,
    header_cells: list[list[str]],
    opener: str,
    body: list[list[str]],
    closer: str,
    heading_style: str = "LOA Table Heading",
) -> None:
    """Header row, then {%tr opener %}, the body row, {%tr closer %}."""
    hdr = table.rows[0]
    for cell, texts in zip(hdr.cells, header_cells, strict=True):
        set_cell(cell, *texts, style=heading_style)
    repeat_header(hdr)
    row = table.add_row()
    set_cell(row.cells[0], "{%tr " + opener + " %}")
    row = table.add_row()
    for cell, texts in zip(row.cells, body, strict=True):
        set_cell(cell, *texts)
    row = table.add_row()
    set_cell(row.cells[0], "{%tr " + closer + " %}")


def new_page_heading(doc, text: str):
    """A heading that starts a new page (page break before: no blank page when the page before
    is exactly full)."""
    p = para(doc, text, "LOA Heading")
    p.paragraph_format.page_break_before = True
    return p


def col_widths(table, inches: list[float]) -> None:
    table.autofit = False
    for column, w in zip(table.columns, inches, strict=True):
        column.width = Inches(w)
    for row in table.rows:
        for cell, w in zip(row.cells, inches, strict=True):
            cell.width = Inches(w)


def build_template(kind: str) -> Document:
    doc = Document()
    make_styles(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(0.8))

    # -- header and footer --
    header = section.header.paragraphs[0]
    header.style = doc.styles["LOA Draft Mark"]
    header.text = "{% if draft %}DRAFT - NOT FOR SIGNATURE - QUALITY CHECK ERRORS{% endif %}"
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["LOA Footer"]
    footer.paragraph_format.tab_stops.add_tab_stop(Inches(6.9), alignment=2)  # right
    footer.add_run("{{ case.case_id }} {{ doc.title }}\tPage ")
    field_run(footer, "PAGE")
    footer.add_run(" of ")
    field_run(footer, "NUMPAGES")

    # -- page 1: the offer --
    para(doc, "United States of America", "LOA Title")
    para(doc, "Letter of Offer and Acceptance (LOA)", "LOA Title")
    if kind == "basic":
        para(doc, "{{ case.case_id }}", "LOA Subtitle")
    else:
        para(doc, "{{ case.case_id }}  {{ doc.title }}", "LOA Subtitle")
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
    label_value(doc, "Initial Deposit: ", "{{ initial_deposit }}")
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
        para(
            doc,
            (
                "This offer expires on {{ offer_expiration_date }}. The {{ party }} may ask for a later "
                "date before then; the U.S. Government decides whether to grant it."
            ),
        )
    p = para(doc, "This document consists of page 1 through page ")
    field_run(p, "NUMPAGES")
    p.add_run(".")

    # -- signatures --
    para(doc, "Signatures", "LOA Heading")
    table = doc.add_table(rows=5, cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    us = [
        "Signature of the U.S. Government representative",
        "Typed name and title",
        "Implementing Agency: {{ implementing_agency }}",
        "Date",
        "DSCA Reviewed/Approved        Date",
    ]
    them = [
        "{% if is_fms %}Signature of the {{ party }}'s representative{% else %}Not signed by the Benefitting Partner{% endif %}",
        "Typed name and title",
        "Agency",
        "Date",
        "",
    ]
    for i in range(5):
        set_cell(table.rows[i].cells[0], us[i])
        set_cell(table.rows[i].cells[1], them[i])
    if kind == "modification":
        set_cell(table.rows[0].cells[1], "Acknowledged by the {{ party }} (no signature required)")
    for row in table.rows:
        row.height = Inches(0.45)
    col_widths(table, [3.45, 3.45])

    para(doc, "{%p if is_fms %}")
    para(doc, "Information to be provided by the Purchaser", "LOA Heading")
    info = doc.add_table(rows=4, cols=2)
    info.style = doc.styles["Table Grid"]
    for i, label in enumerate(
        [
            "Mark For Code",
            "Freight Forwarder Code",
            "Purchaser Procuring Agency Code",
            "Name and Address of Purchaser's Paying Office",
        ]
    ):
        set_cell(info.rows[i].cells[0], label)
        set_cell(info.rows[i].cells[1], "")
    col_widths(info, [3.0, 3.9])
    para(doc, "{%p endif %}")

    # -- line items --
    new_page_heading(doc, "Line Items")
    if kind != "basic":
        para(
            doc,
            (
                "Changed lines show their previous and revised values. Lines added by this "
                "document are marked ADDED; deleted lines are marked DELETED."
            ),
            "LOA Table Text",
        )
    lines = doc.add_table(rows=1, cols=7)
    lines.style = doc.styles["Table Grid"]
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
    )
    col_widths(lines, [0.7, 2.2, 0.65, 1.15, 1.0, 0.5, 0.6])

    # -- cost summary --
    para(doc, "Estimated Cost Summary", "LOA Heading")
    if kind == "basic":
        summary = doc.add_table(rows=1, cols=2)
        summary.style = doc.styles["Table Grid"]
        loop_rows(
            summary,
            [["Item"], ["Estimated Cost"]],
            "for row in cost_rows",
            [["{{ row.label }}"], ["{{ row.amount }}"]],
            "endfor",
        )
        col_widths(summary, [4.5, 2.4])
    else:
        summary = doc.add_table(rows=1, cols=4)
        summary.style = doc.styles["Table Grid"]
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
        )
        col_widths(summary, [3.0, 1.3, 1.3, 1.3])
    para(doc, "{%p if surcharge_note %}")
    para(doc, "{{ surcharge_note }}", "LOA Table Text")
    para(doc, "{%p endif %}")

    # -- payment schedule --
    para(doc, "Estimated Payment Schedule", "LOA Heading")
    para(doc, "{%p if schedule %}")
    sched = doc.add_table(rows=1, cols=4)
    sched.style = doc.styles["Table Grid"]
    loop_rows(
        sched,
        [["Payment"], ["Due Date"], ["Amount"], ["Cumulative"]],
        "for row in schedule",
        [["{{ row.label }}"], ["{{ row.date }}"], ["{{ row.amount }}"], ["{{ row.cumulative }}"]],
        "endfor",
    )
    col_widths(sched, [2.2, 1.6, 1.6, 1.6])
    para(doc, "{%p else %}")
    para(doc, "{{ schedule_reason }}", "LOA Body")
    para(doc, "{%p endif %}")
    para(doc, "{%p for note in schedule_notes %}")
    para(doc, "{{ note.heading }}", "LOA Note Heading")
    para(doc, "{{p note.body }}")
    para(doc, "{%p endfor %}")

    # -- notes --
    para(doc, "{%p if notes %}")
    # No page break: the notes follow the payment schedule, so a schedule one row too long for
    # its page does not leave that page nearly empty (the heading keeps with its first note).
    para(doc, "Notes", "LOA Heading")
    para(doc, "{%p for note in notes %}")
    para(doc, "{{ note.heading }}", "LOA Note Heading")
    para(doc, "{{p note.body }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")

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
        "This document is funded by U.S. Government appropriations; the Benefitting Partner makes no payment.",
        "LOA Terms",
    )
    para(doc, "{%p endif %}")
    para(doc, "{%p for table in code_tables %}")
    para(doc, "{{ table.title }}", "LOA Note Heading")
    codes = doc.add_table(rows=1, cols=2)
    codes.style = doc.styles["Table Grid"]
    loop_rows(
        codes,
        [["Code"], ["Meaning"]],
        "for row in table.rows",
        [["{{ row.code }}"], ["{{ row.meaning }}"]],
        "endfor",
    )
    col_widths(codes, [0.8, 6.1])
    para(doc, "{%p endfor %}")
    return doc


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
        build_template(kind).save(path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
