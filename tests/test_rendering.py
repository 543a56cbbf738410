"""Rendering: what a reader sees in the DOCX, strictness, determinism."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import docx
import pytest
from jinja2.exceptions import UndefinedError
from markupsafe import Markup, escape

from loagen.document import load_document, wording
from loagen.errors import RenderError
from loagen.policy.selection import SelectedNote, Selection
from loagen.rendering import context, templates
from loagen.rendering.hyphens import keep_designators_whole
from loagen.rendering.templates import Renderer

from .conftest import CASES, ROOT, example, write_chain

TEMPLATES = ROOT / "templates"
NOTES = Selection(
    notes=(
        SelectedNote(
            "FMS-SOLE", "Sole Source", "1", "notes", "Firm **Acme** for Line 001.\n\n- one\n- two"
        ),
        SelectedNote(
            "LINE-001", "Line 001 Description", "1", "line", "Line *note* text.", lines=("001",)
        ),
        SelectedNote(
            "RAPS", "Risk Assessed Payment Schedule", "1", "payment_schedule", "Paid early."
        ),
    )
)


def edited_templates(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the templates in which the paragraph reading `old` of `name` reads `new`
    (as a policy editor would change it in Word); returns the folder."""
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    d = docx.Document(str(folder / name))
    next(p for p in d.paragraphs if p.text == old).text = new
    d.save(str(folder / name))
    return folder


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES)


def _open(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def _text(d) -> str:
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return "\n".join(parts)


@pytest.mark.parametrize(
    "path", sorted(CASES.glob("*/*.json")), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_every_example_renders_a_valid_package(renderer: Renderer, path: Path) -> None:
    data = renderer.render(load_document(path), NOTES)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert "word/document.xml" in zf.namelist()
    d = _open(data)
    assert d.paragraphs[0].text == "United States of America"
    assert path.parent.name in d.paragraphs[2].text


def test_page_one_of_the_amendment(renderer: Renderer) -> None:
    d = _open(renderer.render(load_document(CASES / "BN-D-QAA/amendment-1.json"), NOTES))
    text = _text(d)
    assert "BN-D-QAA Amendment 1" in text
    assert (
        "Based on BN/MODAT/2312 dated 14 February 2024, BN/MODAT/2398 dated 3 May 2024 and "
        "BN/MODAT/2733 dated 9 March 2026." in text
    )
    assert "This offer expires on 15 September 2026." in text
    assert "Estimated Cost: $379,252,000" in text
    styles = {p.text: p.style.name for p in d.paragraphs}
    assert styles["•\tCash Prior to Delivery"] == "LOA Note Bullet"


def test_designators_and_references_never_break_at_their_hyphens(renderer: Renderer) -> None:
    """LibreOffice ended lines at "INDOPACOM-J45-26-", "AN/PVS-" and "(MIL-STD-": their
    hyphens are Word's non-breaking hyphen, read as hyphens; ordinary words still break."""
    data = renderer.render(load_document(CASES / "BN-B-TAB/basic.json"), Selection(notes=()))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        body = zf.read("word/document.xml").decode()
    assert "Memorandum of Request COCOM</w:t><w:noBreakHyphen/>" in body
    assert "COCOM-J5" not in body
    text = _text(_open(data))
    assert "Memorandum of Request COCOM-J5-26-014 dated 12 January 2026." in text
    assert "BN-B-TAB" in text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("AN/PVS-7D", "AN/PVS|7D"),
        ("(MIL-STD-129) requires", "(MIL|STD|129) requires"),
        ("Lines 001-003 and 300-hp", "Lines 001|003 and 300|hp"),
        ("BN-P-MSB and UH-60M", "BN|P|MSB and UH|60M"),
        ("Indo-Pacific, non-severable, as-is, U.S.-flag", None),
        ("R&amp;D-funded", None),
    ],
)
def test_which_hyphens_are_kept_from_a_line_end(text: str, kept: str | None) -> None:
    xml = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'
    expected = (
        xml
        if kept is None
        else '<w:r><w:t xml:space="preserve">'
        + kept.replace("|", '</w:t><w:noBreakHyphen/><w:t xml:space="preserve">')
        + "</w:t></w:r>"
    )
    assert keep_designators_whole(xml) == expected
    assert keep_designators_whole(f"<w:t>{text}</w:t>").count("<w:noBreakHyphen/>") == (
        0 if kept is None else kept.count("|")
    )


def test_changed_lines_show_revised_over_previous(renderer: Renderer) -> None:
    """A changed value reads first; the value it replaces is beneath it, small and grey."""
    data = renderer.render(load_document(CASES / "BN-D-QAA/amendment-1.json"), NOTES)
    d = _open(data)
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "(1) Itm Nbr")
    rows = {r.cells[0].text.split("\n")[0]: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows["002"][0] == "002\nREVISED"
    assert rows["002"][3] == "$8,900,000\nwas $6,200,000\n$8,900,000\nwas $6,200,000"
    assert rows["002"][4] == "X\n24-48\nwas 24-36\n4"
    assert rows["001"][3] == "$82,500,000\n$165,000,000"  # unchanged: no previous value
    assert rows["007"][0] == "007\nADDED"
    assert rows["001"][0] == "001\n"
    assert "Line note text." in rows["001"][1]
    cell = next(r for r in table.rows if r.cells[0].text.startswith("002")).cells[3]
    was = [r for r in cell.paragraphs[0].runs if r.text.lstrip("\n").startswith("was ")]
    assert was and all(r.font.size == docx.shared.Pt(7) for r in was)
    assert all(str(r.font.color.rgb) == "595959" for r in was)


def test_a_changed_quantity_fits_its_column(renderer: Renderer, tmp_path: Path) -> None:
    amendment = example("BN-D-QAA/amendment-1")
    amendment["lines"][0]["quantity"] = 3
    document = load_document(write_chain(tmp_path, example("BN-D-QAA/basic"), amendment))
    d = _open(renderer.render(document, Selection()))
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "(1) Itm Nbr")
    row = next(r for r in table.rows if r.cells[0].text.startswith("001"))
    assert row.cells[2].text == "3 EA\nwas 2 EA"
    assert "Previous:" not in _text(d) and "Revised:" not in _text(d)


def test_a_line_that_buys_another_item_shows_what_it_bought(
    renderer: Renderer, tmp_path: Path
) -> None:
    """A changed description and MASL read first, the previous ones beneath (as the values)."""
    amendment = example("BN-D-QAA/amendment-1")
    line = amendment["lines"][2]
    before = (line["description"], line["masl"])
    line.update(description="HELMET MOUNTED DISPLAY", masl="A1HMD0000001")
    d = _open(
        renderer.render(
            load_document(write_chain(tmp_path, example("BN-D-QAA/basic"), amendment)), Selection()
        )
    )
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "(1) Itm Nbr")
    rows = {r.cells[0].text.split("\n")[0]: r.cells for r in table.rows[1:]}
    shown = rows[line["number"]][1].text.split("\n")
    assert shown[:4] == [
        "HELMET MOUNTED DISPLAY",
        f"was {before[0]}",
        "MASL A1HMD0000001",
        f"was MASL {before[1]}",
    ]
    unchanged = amendment["lines"][0]
    assert rows[unchanged["number"]][1].text.split("\n")[:2] == [
        unchanged["description"],
        f"MASL {unchanged['masl']}",
    ]


def test_a_revised_line_says_what_changed_that_the_row_does_not_print(
    renderer: Renderer, tmp_path: Path
) -> None:
    """A line marked REVISED for a field the row does not print (the sole source firm, the end
    item) says beneath its MASL, in words, what was revised."""
    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    for data in (basic, amendment):
        data["lines"][2]["sole_source"] = {
            "firm": "Firm A", "role": "prime", "purchaser_request_date": "2024-02-14"
        }  # fmt: skip
    amendment["lines"][2]["sole_source"]["firm"] = "Firm B"
    amendment["lines"][3]["end_item"] = "KC-130J"
    amendment["lines"][4]["items"] = [*amendment["lines"][4].get("items", []), "comsec"]
    d = _open(renderer.render(load_document(write_chain(tmp_path, basic, amendment)), Selection()))
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "(1) Itm Nbr")
    rows = {r.cells[0].text.split("\n")[0]: r.cells for r in table.rows[1:]}
    firm, end_item = (rows[amendment["lines"][i]["number"]] for i in (2, 3))
    assert firm[0].text.endswith("REVISED")
    assert "revised: sole source firm" in firm[1].text.split("\n")
    assert "revised: end item" in end_item[1].text.split("\n")
    comsec = rows[amendment["lines"][4]["number"]][1].text.split("\n")
    assert "revised: COMSEC item (added)" in comsec
    unchanged = rows[amendment["lines"][0]["number"]][1].text
    assert "revised:" not in unchanged


def test_deleted_lines_are_marked(renderer: Renderer, tmp_path: Path) -> None:
    amendment = example("BN-D-QAA/amendment-1")
    del amendment["lines"][3]
    d = _open(
        renderer.render(
            load_document(write_chain(tmp_path, example("BN-D-QAA/basic"), amendment)), Selection()
        )
    )
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "(1) Itm Nbr")
    row = next(r for r in table.rows if r.cells[0].text.startswith("004"))
    assert row.cells[0].text == "004\nDELETED"
    # its unit cost stays as it was (a price, not "$0 (was ...)"); its value is gone
    assert row.cells[3].text == "$450,000\n$0\nwas $450,000"
    assert row.cells[2].text == "0 LO\nwas 1 LO"


def test_a_deleted_line_keeps_its_unit_cost(renderer: Renderer, tmp_path: Path) -> None:
    basic = example("BN-D-QAA/basic")
    basic["lines"][1].update(quantity=40, unit_of_issue="EA", unit_cost=3400)
    amendment = example("BN-D-QAA/amendment-1")
    amendment["lines"][1].update(quantity=40, unit_of_issue="EA", unit_cost=3400)
    number = amendment["lines"][1]["number"]
    del amendment["lines"][1]
    d = _open(renderer.render(load_document(write_chain(tmp_path, basic, amendment)), Selection()))
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "(1) Itm Nbr")
    row = next(r for r in table.rows if r.cells[0].text.startswith(number))
    assert row.cells[0].text == f"{number}\nDELETED"
    assert row.cells[2].text == "0 EA\nwas 40 EA"
    assert row.cells[3].text == "$3,400\n$0\nwas $136,000"


def test_cost_summary_and_schedule_add_up(renderer: Renderer) -> None:
    document = load_document(CASES / "BN-D-QAA/basic.json")
    d = _open(renderer.render(document, NOTES))
    summary = next(t for t in d.tables if t.rows[0].cells[0].text == "Item")
    rows = {r.cells[0].text: r.cells[1].text for r in summary.rows[1:]}
    assert rows["(8) Net Estimated Cost"] == "$188,300,000"
    assert rows["(13) Total Estimated Cost"] == "$195,875,600"
    schedule = next(t for t in d.tables if t.rows[0].cells[0].text == "Payment")
    assert schedule.rows[1].cells[0].text == "Initial Deposit"
    assert schedule.rows[-1].cells[3].text == "$195,875,600"
    text = _text(d)
    assert (
        text.index("Estimated Payment Schedule")
        < text.index("Risk Assessed Payment Schedule")
        < text.index("Notes")
    )


def _one_form(cells: list[str]) -> bool:
    """Every amount of a column printed alike: all with cents or none."""
    amounts = [c for c in cells if "$" in c]
    with_cents = [re.search(r"\.\d\d$", c) is not None for c in amounts]
    return len(amounts) > 1 and len(set(with_cents)) == 1


def test_a_column_with_cents_prints_every_amount_with_cents(
    renderer: Renderer, tmp_path: Path
) -> None:
    # A unit cost with cents gives the totals cents, and the schedule's last row the odd cents:
    # each column (the summary's amounts, previous and change; the schedule's amounts and
    # cumulative amounts) prints all its amounts in one form.
    basic = example("BN-D-QAA/basic")
    basic["lines"][1]["unit_cost"] = "48250.37"
    amendment = copy.deepcopy(basic)
    amendment["document"] = {
        "kind": "Amendment", "number": 1, "offer_expiration_date": "2025-12-19",
        "implementation_date": "2025-07-14", "purpose": "adds support equipment",
    }  # fmt: skip
    amendment["lines"][1]["quantity"] = 9
    for path in (write_chain(tmp_path / "b", basic), write_chain(tmp_path / "a", basic, amendment)):
        d = _open(renderer.render(load_document(path), Selection()))
        summary = next(t for t in d.tables if t.rows[0].cells[0].text == "Item")
        schedule = next(t for t in d.tables if t.rows[0].cells[0].text == "Payment")
        columns = [
            [row.cells[i].text for row in table.rows[1:]]
            for table in (summary, schedule)
            for i in range(1, len(table.columns))
        ]
        assert all(_one_form(c) for c in columns if any("$" in x for x in c)), columns
        assert schedule.rows[1].cells[2].text.endswith(".00")  # a whole-dollar row, with cents


def test_notes_in_named_styles(renderer: Renderer) -> None:
    d = _open(renderer.render(load_document(CASES / "BN-D-QAA/basic.json"), NOTES))
    by_text = {p.text: p.style.name for p in d.paragraphs}
    assert by_text["Sole Source"] == "LOA Note Heading"  # numbered by Word (below), not text
    assert by_text["Firm Acme for Line 001."] == "LOA Note Text"
    assert by_text["\u2022\tone"] == "LOA Note Bullet"
    bold = [r.text for p in d.paragraphs for r in p.runs if r.bold]
    assert "Acme" in bold


def test_the_last_note_before_the_terms_is_kept_on_one_page(renderer: Renderer) -> None:
    """The Standard Terms start a new page: the last note before them keeps its paragraphs
    together (its last lines never alone on a page of their own); the notes before it, and the
    Terms' own paragraphs, break as any text does."""
    two = Selection(
        notes=(
            SelectedNote("FIRST", "First Note", "1", "notes", "One.\n\nTwo."),
            *NOTES.notes,
        )
    )
    d = _open(renderer.render(load_document(CASES / "BN-D-QAA/basic.json"), two))
    keeps = {
        p.text: (p.paragraph_format.keep_with_next, p.paragraph_format.keep_together)
        for p in d.paragraphs
    }
    assert keeps["One."] == keeps["Two."] == (None, None)
    assert keeps["Firm Acme for Line 001."] == (True, True)
    assert keeps["\u2022\tone"] == (True, True)
    assert keeps["\u2022\ttwo"] == (None, True)  # the last: its heading and lines keep with it
    terms = [p for p in d.paragraphs if p.style.name == "LOA Terms"]
    assert terms and not any(p.paragraph_format.keep_together for p in terms)


def test_bpc_says_benefitting_partner_and_has_no_terms(renderer: Renderer) -> None:
    text = _text(_open(renderer.render(load_document(CASES / "BN-B-TAB/basic.json"), Selection())))
    assert "Benefitting Partner" in text
    assert "Standard Terms and Conditions" not in text
    assert "Information to be provided by the Purchaser" not in text
    fms = _text(_open(renderer.render(load_document(CASES / "BN-B-ZEA/basic.json"), Selection())))
    assert "Standard Terms and Conditions for Foreign Military Sales" in fms


def test_modification_reads_based_on_usg_review(renderer: Renderer) -> None:
    text = _text(
        _open(renderer.render(load_document(CASES / "BN-D-QAA/modification-1.json"), Selection()))
    )
    assert "Based on U.S. Government Review." in text
    assert "(C-130J Aircraft). There is no change in scope to this document." in text
    assert "This offer expires" not in text


def test_footer_has_case_id_and_page_fields(renderer: Renderer) -> None:
    data = renderer.render(load_document(CASES / "BN-B-ZEA/basic.json"), Selection())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        footer = zf.read("word/footer1.xml").decode()
    assert "BN-B-ZEA Basic" in footer and "Page " in footer
    assert 'w:instr=" PAGE "' in footer and 'w:instr=" NUMPAGES "' in footer


def test_draft_marks_the_header(renderer: Renderer) -> None:
    doc = load_document(CASES / "BN-B-ZEA/basic.json")
    header = (
        _open(renderer.render(doc, Selection(), draft=True)).sections[0].header.paragraphs[0].text
    )
    assert header.startswith("DRAFT")
    assert _open(renderer.render(doc, Selection())).sections[0].header.paragraphs[0].text == ""


def test_same_inputs_same_bytes(renderer: Renderer) -> None:
    doc = load_document(CASES / "BN-D-QAA/amendment-1.json")
    first = renderer.render(doc, NOTES)
    assert renderer.render(doc, NOTES) == first
    assert (
        Renderer(TEMPLATES).render(load_document(CASES / "BN-D-QAA/amendment-1.json"), NOTES)
        == first
    )


def test_case_text_is_data_never_a_template(renderer: Renderer, tmp_path: Path) -> None:
    data = example("BN-B-ZEA/basic")
    data["nickname"] = "{{ 7 * 7 }} & <b>"
    data["lines"][0]["description"] = "{% if true %}X{% endif %}"
    d = _open(renderer.render(load_document(write_chain(tmp_path, data)), Selection()))
    text = _text(d)
    assert "({{ 7 * 7 }} & <b>)." in text
    assert "{% if true %}X{% endif %}" in text


def test_template_missing_a_note_style_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    for name in ("basic.docx",):
        src = folder / name
        buf = io.BytesIO()
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w") as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == "word/styles.xml":
                    data = data.replace(b'w:val="LOA Note Bullet"', b'w:val="Renamed Bullet"')
                zout.writestr(item, data)
        src.write_bytes(buf.getvalue())
    with pytest.raises(RenderError, match="LOA Note Bullet"):
        Renderer(folder).template_for(load_document(CASES / "BN-B-ZEA/basic.json").case)


def test_broken_tag_names_the_template_and_paragraph(tmp_path: Path) -> None:
    folder = edited_templates(
        tmp_path, "basic.docx", "{{ case_description }}", "{{ case_description }"
    )
    with pytest.raises(RenderError) as info:
        Renderer(folder).template_for(load_document(CASES / "BN-B-ZEA/basic.json").case)
    assert "basic.docx" in str(info.value)
    assert "{{ case_description }" in str(info.value)  # the paragraph is quoted


def _refused(folder: Path, name: str = "basic.docx") -> RenderError:
    from loagen.rendering.templates import compile_template, make_environment

    with pytest.raises(RenderError) as info:
        compile_template(folder / name, make_environment())
    return info.value


@pytest.mark.parametrize("name", ["basic.docx", "modification.docx"])
def test_an_unclosed_tag_names_the_paragraph_word_shows(tmp_path: Path, name: str) -> None:
    """Counted as the body's paragraphs from the top (as python-docx lists them), not as
    lines of the prepared XML; only that paragraph is quoted, as typed."""
    folder = edited_templates(tmp_path, name, "{{ state_description }}", "{{ state_description }")
    d = docx.Document(str(folder / name))
    number = next(i for i, p in enumerate(d.paragraphs, 1) if p.text == "{{ state_description }")
    error = _refused(folder, name)
    assert error.location == f"paragraph {number}"
    assert error.source_line == "{{ state_description }"
    assert "a tag is not closed" in str(error)


def test_a_loop_left_unclosed_is_said_in_plain_words(tmp_path: Path) -> None:
    """The notes loop's {%p endfor %} deleted: Jinja's "unknown tag 'endif' ... nesting
    mistake" becomes which loop is not closed, where it opens and where to close it."""
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    d = docx.Document(str(folder / "basic.docx"))
    texts = [p.text for p in d.paragraphs]
    opening = texts.index("{%p for note in notes %}")
    end = texts.index("{%p endfor %}", opening)
    body = d.paragraphs[end]._p
    body.getparent().remove(body)
    d.save(str(folder / "basic.docx"))
    closing = texts.index("{%p endif %}", end)  # one paragraph earlier once `end` is gone
    error = _refused(folder)
    assert error.location == f"paragraph {opening + 1}"
    assert error.source_line == "{%p for note in notes %}"
    assert (
        "the loop {%p for note in notes %} is not closed: its {%p endfor %} is missing; type it "
        f"back before {{%p endif %}} (paragraph {closing})"
    ) in str(error)
    assert "nesting mistake" not in str(error)


def test_a_tag_error_in_a_table_names_the_table_row_and_cell(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    d = docx.Document(str(folder / "basic.docx"))
    where = None
    for t, table in enumerate(d.tables, 1):
        for r, row in enumerate(table.rows, 1):
            for c, tc in enumerate(row._tr.tc_lst, 1):
                for para in tc.iter(docx.oxml.ns.qn("w:p")):
                    typed = "".join(para.itertext())
                    if where is None and "{{ row.source_code }}" in typed:
                        texts = list(para.iter(docx.oxml.ns.qn("w:t")))
                        texts[0].text = typed.replace(
                            "{{ row.source_code }}", "{{ row.source_code }"
                        )
                        for text in texts[1:]:
                            text.text = ""
                        where = f"table {t}, row {r}, cell {c}"
                        shown = texts[0].text
    assert where is not None
    d.save(str(folder / "basic.docx"))
    error = _refused(folder)
    assert error.location == where
    assert error.source_line == shown


def test_unknown_variable_in_a_template_is_an_error(tmp_path: Path) -> None:
    folder = edited_templates(
        tmp_path, "basic.docx", "{{ case_description }}", "{{ case_descripton }}"
    )
    with pytest.raises(RenderError, match="case_descripton"):
        Renderer(folder).render(load_document(CASES / "BN-B-ZEA/basic.json"), Selection())


def test_a_word_edit_that_splits_a_tag_into_runs_still_renders(tmp_path: Path) -> None:
    """Word often splits a typed tag over several runs (a format change, a spell check)."""
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    d = docx.Document(str(folder / "basic.docx"))
    para = next(p for p in d.paragraphs if p.text == "{{ case_description }}")
    para.text = ""
    para.add_run("Summary: {{ case_")
    para.add_run("descrip").bold = True
    para.add_run("tion }}")
    d.save(str(folder / "basic.docx"))
    out = _open(Renderer(folder).render(load_document(CASES / "BN-B-ZEA/basic.json"), Selection()))
    text = "\n".join(p.text for p in out.paragraphs)
    assert "Summary: This LOA provides for twenty M113A3 armored personnel carriers" in text


def test_bpc_amendment_never_says_purchaser(renderer: Renderer, tmp_path: Path) -> None:
    basic = example("BN-B-TAB/basic")
    amendment = example("BN-B-TAB/basic")
    amendment["document"] = {
        "kind": "Amendment",
        "number": 1,
        "offer_expiration_date": "2026-09-30",
        "implementation_date": "2026-05-01",
        "purpose": "increases the spare parts line",
        "reason": "to meet the Benefitting Partner's expanded requirement",
    }
    amendment["lines"][1]["unit_cost"] = 500000
    document = load_document(write_chain(tmp_path, basic, amendment))
    text = _text(_open(renderer.render(document, Selection())))
    assert "the Benefitting Partner, as described below" in text
    assert "Purchaser" not in text and "Standard Terms and Conditions" not in text


def test_bpc_offer_expiry_names_no_partner_request(renderer: Renderer, tmp_path: Path) -> None:
    # The Benefitting Partner does not sign a BPC document (SAMM AP9.4.1), so it does not ask
    # for a later date either: the BPC sentence gives the date alone. The information page
    # says who pays what page 1 asks (the appropriations), beside "makes no payment".
    basic = example("BN-B-TAB/basic")
    basic["document"]["offer_expiration_date"] = "2027-03-15"
    amendment = copy.deepcopy(basic)
    amendment["document"] = {
        "kind": "Amendment", "number": 1, "offer_expiration_date": "2027-10-29",
        "implementation_date": "2027-04-02", "purpose": "adds spare parts",
    }  # fmt: skip
    amendment["lines"][1]["unit_cost"] = 640000
    for path in (write_chain(tmp_path / "b", basic), write_chain(tmp_path / "a", basic, amendment)):
        document = load_document(path)
        paragraphs = [p.text for p in _open(renderer.render(document, Selection())).paragraphs]
        expiry = [p for p in paragraphs if p.startswith("This offer expires on")]
        oed = wording.spell_date(document.case.document.offer_expiration_date)
        assert expiry == [f"This offer expires on {oed}."]
        assert any(
            "U.S. Government appropriations" in p and "they pay every amount" in p
            and "The Benefitting Partner makes no payment." in p
            for p in paragraphs
        )  # fmt: skip
    fms = example("BN-D-QAA/basic")
    fms["document"]["offer_expiration_date"] = "2027-03-15"
    text = _text(
        _open(renderer.render(load_document(write_chain(tmp_path / "f", fms)), Selection()))
    )
    assert (
        "This offer expires on 15 March 2027. The Purchaser may ask for a later date before then; "
        "the U.S. Government decides whether to grant it." in text
    )


def test_loa_information_page_explains_the_codes(renderer: Renderer) -> None:
    d = _open(renderer.render(load_document(CASES / "BN-B-ZEA/basic.json"), Selection()))
    text = _text(d)
    assert "Letter of Offer and Acceptance Information" in text
    assert "quote the case identifier BN-B-ZEA" in text
    dtc = next(
        t
        for t in d.tables
        if t.rows[0].cells[0].text == "Code" and any(r.cells[0].text == "9" for r in t.rows)
    )
    rows = {r.cells[0].text: r.cells[1].text for r in dtc.rows[1:]}
    assert rows["4"].startswith("Delivery at origin")


def test_context_names_are_what_build_context_gives(renderer: Renderer) -> None:
    from loagen.rendering.templates import CONTEXT_NAMES, build_context

    document = load_document(CASES / "BN-B-ZEA/basic.json")
    ids = renderer.template_for(document.case).style_ids
    assert set(build_context(document, Selection(), ids, draft=False)) == CONTEXT_NAMES


def test_unknown_template_variables_are_named_with_a_hint(tmp_path: Path) -> None:
    folder = edited_templates(
        tmp_path, "amendment.docx", "{{ case_description }}", "{{ case_descripton }}"
    )
    renderer = Renderer(folder)
    templates = renderer.all_templates()
    assert renderer.unknown_variables(templates["Basic"]) == {}
    assert renderer.unknown_variables(templates["Amendment"]) == {
        "case_descripton": " (did you mean 'case_description'?)"
    }


# -- the page layout the templates carry (issue 14) --------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
NUMBERED = Selection(
    notes=(
        *NOTES.notes,
        SelectedNote("STEPS", "Steps", "1", "notes", "1. first\n2. second"),
        SelectedNote("LAST", "Last Note", "1", "notes", "Last."),
    )
)
KINDS = {
    "basic": CASES / "BN-D-QAA/basic.json",
    "amendment": CASES / "BN-D-QAA/amendment-1.json",
    "modification": CASES / "BN-D-QAA/modification-1.json",
    "bpc": CASES / "BN-B-TAB/basic.json",
}


@pytest.fixture(scope="module")
def packages(renderer: Renderer) -> dict[str, dict[str, bytes]]:
    """Each kind of document rendered with notes: its parts by name."""
    out = {}
    for kind, path in KINDS.items():
        with zipfile.ZipFile(io.BytesIO(renderer.render(load_document(path), NUMBERED))) as z:
            out[kind] = {name: z.read(name) for name in z.namelist()}
    return out


def _xml(part: bytes):
    from lxml import etree

    return etree.fromstring(part)


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _cell_text(tc) -> str:
    return "\n".join("".join(t.text or "" for t in p.iter(_w("t"))) for p in tc.iter(_w("p")))


@pytest.mark.parametrize("kind", KINDS)
def test_rows_never_split_and_headings_repeat(packages, kind: str) -> None:
    body = _xml(packages[kind]["word/document.xml"])
    tables = body.findall(".//w:tbl", NS)
    assert len(tables) >= 4
    for tbl in tables:
        rows = tbl.findall("w:tr", NS)
        for tr in rows:
            assert tr.find("w:trPr/w:cantSplit", NS) is not None, _cell_text(tr)
        if len(rows) > 1:
            assert rows[0].find("w:trPr/w:tblHeader", NS) is not None, _cell_text(rows[0])
            assert all(tr.find("w:trPr/w:tblHeader", NS) is None for tr in rows[1:])


@pytest.mark.parametrize("kind", KINDS)
def test_every_table_is_the_width_of_the_text(packages, kind: str) -> None:
    body = _xml(packages[kind]["word/document.xml"])
    section = body.find(".//w:body/w:sectPr", NS)
    size, margins = section.find("w:pgSz", NS), section.find("w:pgMar", NS)
    text_width = (
        int(size.get(_w("w"))) - int(margins.get(_w("left"))) - int(margins.get(_w("right")))
    )
    widths = set()
    for tbl in body.findall(".//w:tbl", NS):
        width = tbl.find("w:tblPr/w:tblW", NS)
        assert width.get(_w("type")) == "dxa"
        grid = sum(int(c.get(_w("w"))) for c in tbl.findall("w:tblGrid/w:gridCol", NS))
        assert grid == int(width.get(_w("w")))
        assert tbl.find("w:tblPr/w:tblInd", NS).get(_w("w")) == "0"
        assert tbl.find("w:tblPr/w:tblLayout", NS).get(_w("type")) == "fixed"
        widths.add(grid)
    assert widths == {text_width}


def _right_aligned_styles(styles: bytes) -> set[str]:
    root = _xml(styles)
    by_id = {s.get(_w("styleId")): s for s in root.findall("w:style", NS)}

    def jc(style_id: str | None) -> str | None:
        style = by_id.get(style_id)
        if style is None:
            return None
        found = style.find("w:pPr/w:jc", NS)
        if found is not None:
            return found.get(_w("val"))
        based = style.find("w:basedOn", NS)
        return jc(based.get(_w("val"))) if based is not None else None

    return {sid for sid in by_id if jc(sid) in ("right", "end")}


@pytest.mark.parametrize("kind", KINDS)
def test_money_is_right_aligned_in_every_table(packages, kind: str) -> None:
    right = _right_aligned_styles(packages[kind]["word/styles.xml"])
    assert right  # LOA Table Money
    body = _xml(packages[kind]["word/document.xml"])
    money = re.compile(r"^[+-]?\$[0-9,]+(\.[0-9]{2})?$")
    seen = 0
    for tc in body.findall(".//w:tbl/w:tr/w:tc", NS):
        for p in tc.findall("w:p", NS):
            first = "".join(t.text or "" for t in p.iter(_w("t"))).split("was ")[0]
            lines = [
                "".join(t.text or "" for t in r.iter(_w("t")))
                for r in p.findall("w:r", NS)
                if r.find("w:t", NS) is not None
            ]
            if not lines or not money.match(lines[0].strip() or first.strip()):
                continue
            seen += 1
            style = p.find("w:pPr/w:pStyle", NS)
            direct = p.find("w:pPr/w:jc", NS)
            aligned = (direct is not None and direct.get(_w("val")) in ("right", "end")) or (
                direct is None and style is not None and style.get(_w("val")) in right
            )
            assert aligned, lines
    assert seen >= 10


@pytest.mark.parametrize("kind", KINDS)
def test_notes_are_numbered_by_word(packages, kind: str) -> None:
    """The notes section's headings are items of a decimal list (no number in their text), so
    a redline of an inserted note shows one inserted note, not every later heading renumbered."""
    body = _xml(packages[kind]["word/document.xml"])
    numbering = _xml(packages[kind]["word/numbering.xml"])
    headings = [
        p
        for p in body.iter(_w("p"))
        if p.find("w:pPr/w:numPr", NS) is not None
        and p.find("w:pPr/w:pStyle", NS).get(_w("val")) == "LOANoteHeading"
    ]
    titles = ["".join(t.text or "" for t in p.iter(_w("t"))) for p in headings]
    assert titles == ["Sole Source", "Steps", "Last Note"]
    num_ids = {p.find("w:pPr/w:numPr/w:numId", NS).get(_w("val")) for p in headings}
    assert len(num_ids) == 1
    num = numbering.find(f"w:num[@w:numId='{num_ids.pop()}']", NS)
    abstract_id = num.find("w:abstractNumId", NS).get(_w("val"))
    level = numbering.find(f"w:abstractNum[@w:abstractNumId='{abstract_id}']/w:lvl", NS)
    assert level.find("w:numFmt", NS).get(_w("val")) == "decimal"
    assert level.find("w:lvlText", NS).get(_w("val")) == "%1."
    assert level.find("w:start", NS).get(_w("val")) == "1"
    # only the notes are numbered: the payment schedule's note and the terms are not
    numbered = [p for p in body.iter(_w("p")) if p.find("w:pPr/w:numPr", NS) is not None]
    assert numbered == headings


def test_the_number_word_shows_is_the_number_loagen_reports(renderer: Renderer) -> None:
    from loagen.ops.report import printed_places
    from loagen.studio.preview import document_text

    data = renderer.render(load_document(KINDS["amendment"]), NUMBERED)
    text = document_text(data)
    places = printed_places(NUMBERED)
    for note in NUMBERED.notes:
        if note.placement == "notes":
            number = places[note.id].removeprefix("note ")
            assert f"{number}. {note.title}" in text
    assert "3. Last Note" in text and "1. first" in text  # a note's own list stays text


def test_templates_define_only_the_styles_documents_use(packages) -> None:
    used: set[str] = set()
    for parts in packages.values():
        for name, data in parts.items():
            if re.match(r"word/(document|header\d*|footer\d*)\.xml$", name):
                used |= set(
                    re.findall(r'<w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', data.decode())
                )
    for kind, parts in packages.items():
        root = _xml(parts["word/styles.xml"])
        assert root.find("w:latentStyles", NS) is None
        styles = root.findall("w:style", NS)
        by_id = {s.get(_w("styleId")): s for s in styles}
        needed = set(used)
        for style_id in list(used):
            style = by_id.get(style_id)
            while style is not None and style.find("w:basedOn", NS) is not None:
                parent = style.find("w:basedOn", NS).get(_w("val"))
                needed.add(parent)
                style = by_id.get(parent)
        defaults = {s.get(_w("styleId")) for s in styles if s.get(_w("default")) == "1"}
        assert set(by_id) - needed - defaults == set(), kind
        assert len(by_id) <= 30


def test_documents_carry_no_unused_parts(packages) -> None:
    for parts in packages.values():
        names = set(parts)
        assert not {n for n in names if "stylesWithEffects" in n or "thumbnail" in n}
        assert not {"word/webSettings.xml", "word/fontTable.xml"} & names
        assert not any(name.startswith("word/theme/") for name in names)
        assert b"bibliography" not in b"".join(parts.values())
        content_types = parts["[Content_Types].xml"].decode()
        for name in re.findall(r'PartName="/([^"]+)"', content_types):
            assert name in names


def test_a_typical_document_is_small(pipeline, tmp_path: Path) -> None:
    """The build with its record inside (the case files and manifest) stays at most 25 KB."""
    for path in (KINDS["basic"], KINDS["amendment"], CASES / "BN-B-ZEA/basic.json"):
        size = pipeline.build(path, tmp_path).docx_path.stat().st_size
        assert size <= 25 * 1024, (path, size)


@pytest.mark.parametrize("kind", KINDS)
def test_page_one_reads_as_the_samm_sample(packages, kind: str) -> None:
    """The sentence before the signatures, the signature grid of the sample, the estimates
    lead-in of the line table, and no internal label a reader should not see."""
    d = docx.Document(io.BytesIO(_zip(packages[kind])))
    text = _text(d)
    assert "(sample cases)" not in text
    assert (
        "The costs, and the months in which articles are delivered and services performed, "
        "shown in this table are estimates." in text
    )
    paragraphs = [p.text for p in d.paragraphs]
    grid = next(
        t for t in d.tables if t.rows[0].cells[0].text == "For the United States Government"
    )
    cells = [c.text for row in grid.rows for c in row.cells]
    assert {"Signature", "Date", "Typed Name and Title", "DSCA Reviewed/Approved"} <= set(cells)
    assert "Department of the Air Force\nImplementing Agency" in cells or kind == "bpc"
    signs = next(p for p in paragraphs if "signs below" in p)
    if kind in ("basic", "amendment"):
        assert "states that he or she has the authority to do so" in signs
        assert "to accept it" in signs
        assert "Agency" in cells and cells.count("Signature") == 2
    else:
        assert "The U.S. Government representative who signs below has the authority" in signs
        assert "does not sign" in " ".join(cells)
        assert cells.count("Signature") == 1
    assert ("Information to be provided by the Purchaser" in text) == (kind != "bpc")
    # the sentence comes right before the grid, and keeps with it
    body = _xml(packages[kind]["word/document.xml"]).find("w:body", NS)
    grid_element = next(
        t for t in body.findall("w:tbl", NS) if "For the United States" in _cell_text(t)
    )
    before = grid_element.getprevious()
    assert "signs below" in "".join(t.text or "" for t in before.iter(_w("t")))
    assert before.find("w:pPr/w:keepNext", NS) is not None


def test_short_tables_keep_together(packages) -> None:
    """The signature grid keeps together, as do the box after it and the cost summary: every
    paragraph keeps with the next, the last row of the grid and of the box excepted (a page 1
    too full for both keeps the signatures and leaves the box to page 2)."""
    body = _xml(packages["basic"]["word/document.xml"]).find("w:body", NS)
    styles = _xml(packages["basic"]["word/styles.xml"])
    keeping = {
        s.get(_w("styleId"))
        for s in styles.findall("w:style", NS)
        if s.find("w:pPr/w:keepNext", NS) is not None
    }

    def keeps(p) -> bool:
        direct = p.find("w:pPr/w:keepNext", NS)
        if direct is not None:
            return direct.get(_w("val"), "1") not in ("0", "false")
        style = p.find("w:pPr/w:pStyle", NS)
        return style is not None and style.get(_w("val")) in keeping

    tables = body.findall("w:tbl", NS)
    grid, box = tables[0], tables[1]
    assert "For the United States Government" in _cell_text(grid)
    assert "Information to be provided by the Purchaser" in _cell_text(box)
    for table, count in ((grid, 5), (box, 5)):  # heading and 4 signature rows; title, 4 fill-ins
        rows = table.findall("w:tr", NS)
        assert len(rows) == count
        assert all(keeps(p) for tr in rows[:-1] for p in tr.iter(_w("p")))
        assert not any(keeps(p) for p in rows[-1].iter(_w("p")))
    gap = box.getprevious()  # the gap between them keeps with the box
    assert gap.tag == _w("p") and keeps(gap) and gap.getprevious() is grid
    summary = next(t for t in tables if _cell_text(t.find("w:tr", NS)).startswith("Item"))
    assert all(keeps(p) for p in summary.iter(_w("p")))


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buffer.getvalue()


# -- the cheaper ways of the render stage give what the plain ones give ---------------------------


class _Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


def test_outputs_are_escaped_as_markupsafe_escapes_them() -> None:
    values = ["a < b & 'c' \"d\"", Markup("<w:br/>"), 12, Decimal("1.50"), _Html(), "", None]
    for value in values:
        assert templates._escape_output(value) == str(escape(value))
    env = templates.make_environment()
    template = templates._with_output_escape(env.from_string("{{ a }}|{{ b }}|{{ c }}"))
    assert template.render(a="<x>&", b=Markup("<w:br/>"), c=3) == "&lt;x&gt;&amp;|<w:br/>|3"
    with pytest.raises(UndefinedError):
        template.render(a="x", b="y")  # StrictUndefined still refuses a missing value


@pytest.mark.parametrize(
    "value",
    ["a < b & 'c'", "bell\x07", "", Markup("<w:br/>\x01"), 12, Decimal("1.50"), _Html(), None],
)
def test_an_output_prints_what_finalize_then_escape_print(value: object) -> None:
    """`_output`, the one call a `{{ }}` output makes, is `_escape_output(_finalize(value))`."""
    assert templates._output(value) == templates._escape_output(templates._finalize(value))


def test_outputs_are_one_call_and_a_template_without_it_fails() -> None:
    """The generated code calls `output__` for each output (finalized and escaped), and only
    the templates `_with_output_escape` prepared have that name: another fails on its first
    output instead of printing a value unfinalized. An output under `{% autoescape %}` is
    written as Jinja writes it, and still finalized."""
    env = templates.make_environment()
    source = "{{ a }}|{{ b.x }}{% autoescape false %}|{{ a }}{% endautoescape %}"
    assert "output__(" in env.compile(source, raw=True)
    template = templates._with_output_escape(env.from_string(source))
    assert template.render(a="<\x07>", b={"x": Markup("<w:br/>")}) == "&lt;&gt;|<w:br/>|<>"
    with pytest.raises(NameError):
        env.from_string("{{ a }}").render(a="x")


def test_remembered_amounts_and_values_are_those_of_their_own_text() -> None:
    """`money` remembers an amount by its value: the same value written otherwise (a negative
    zero, more places, an exponent), found under the other's key, reads as `wording.money`
    reads it; so does a whole amount written from its integer, at the limit and past it, and
    an amount that cannot be written raises as it does."""
    pairs = (("0", "-0"), ("1.5", "1.50"), ("1E+3", "1000"), ("0.005", "0.0050"),
             ("-0.004", "-0.0040"), ("-0.00", "0"), ("2.50", "2.5"))  # fmt: skip
    for first, second in pairs:
        for order in ((first, second), (second, first)):
            context._MONEY.clear()
            for text in order:
                assert context.money(Decimal(text)) == wording.money(Decimal(text)), text
    limit = context.WHOLE_DOLLARS_LIMIT
    for value in (1, -1, 999, 1000, -1234567, limit - 1, -(limit - 1), limit, -limit, limit * 10):
        for amount in (Decimal(value), Decimal(value).scaleb(-2).scaleb(2), Decimal(f"{value}.00")):
            assert context.money(amount) == wording.money(amount), amount
    for text in ("NaN", "sNaN", "Infinity", "-Infinity"):
        with pytest.raises(InvalidOperation):
            wording.money(Decimal(text))
        with pytest.raises(InvalidOperation):
            context.money(Decimal(text))
    assert context.money(1234) == "$1,234"
    assert str(context.revised("5 EA")) == "5 EA"
    assert "was 4 EA" in str(context.revised("5 EA", "4 EA"))
    assert "was 3 EA" in str(context.revised("5 EA", "3 EA"))
    assert str(context.revised("a<b")) == "a&lt;b"


def test_remembered_quantities_and_two_line_cells_read_as_worked_out() -> None:
    """A line's quantity is remembered by the exact text of the Decimal (as `money` is), and a
    cell of two Markups joins them as `lines_markup` does."""
    from loagen.case.model import Line

    for text in ("0", "-0", "2.50", "2.5", "1E+3", "1000", "1200", "0.001"):
        line = Line.__new__(Line)
        object.__setattr__(line, "quantity", Decimal(text))
        object.__setattr__(line, "unit_of_issue", "EA")
        assert context._qty(line) == f"{wording.quantity(Decimal(text))} EA"
    for first, second in (("$5", "$10"), ("", "$10"), ("$5", ""), ("a&amp;b", "<w:br/>")):
        pair = (Markup(first), Markup(second))
        assert context._two_lines(*pair) == context.lines_markup(*pair)
        assert type(context._two_lines(*pair)) is Markup


def test_plain_core_properties_are_written_as_lxml_writes_them() -> None:
    """ASCII properties are written directly, byte for byte as lxml writes them (escaped;
    with and without the dates); anything else is written by lxml."""
    from loagen.rendering import properties

    fields = [("dc:title", "A & <B> 'c' \"d\"\t\n"), ("dc:subject", ""), ("cp:revision", "1")]
    assert properties._plain_core(fields) == properties._lxml_core(fields)
    dated = [*fields, ("dcterms:created", "2025-01-02T00:00:00Z")]
    assert properties._plain_core(dated) == properties._lxml_core(dated)


@pytest.mark.parametrize("piece", [1, 3, 4096])
@pytest.mark.parametrize(
    "text",
    ["", "plain <w:t>ascii</w:t>", "\u2022 bullet " * 700, "caf\u00e9 \U0001f600 x" * 300],
)
def test_a_part_is_encoded_piece_by_piece_into_the_bytes_of_the_whole(
    text: str, piece: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`utf8` gives the bytes the whole part, its declaration and edits encode to, whatever
    the size of its pieces."""
    monkeypatch.setattr(templates, "ENCODE_PIECE", piece)
    declaration = "<?xml version='1.0'?>\n"
    cuts = sorted({0, len(text) // 3, len(text) // 3 + 2, len(text) // 2, len(text)})
    edits = [(cuts[1], cuts[2], "12"), (cuts[3], cuts[3], "\u00e9\u2022")] if len(cuts) > 3 else []
    for chosen in ([], edits):
        expected = (declaration + templates.edited(text, chosen)).encode("utf-8")
        assert templates.utf8(declaration, text, chosen) == expected


def test_a_part_that_cannot_be_encoded_raises_as_the_whole_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(templates, "ENCODE_PIECE", 4)
    text = "\u2022 abc def \ud800 ghi"
    with pytest.raises(UnicodeEncodeError) as whole:
        ("<x>" + text).encode("utf-8")
    with pytest.raises(UnicodeEncodeError) as pieces:
        templates.utf8("<x>", text)
    assert str(pieces.value) == str(whole.value)


class _Text(str):
    """A string of another class (as a filter might return)."""


@pytest.mark.parametrize(
    "value",
    ["plain", "bell\x07 and nul\x00", Markup("<w:br/>\x01"), _Text("sub\x02class"), 12, None],
)
def test_a_printed_value_loses_what_xml_cannot_hold_unless_it_is_markup(value: object) -> None:
    shown = templates._finalize(value)
    if isinstance(value, str) and not isinstance(value, Markup):
        assert shown == value.replace("\x07", "").replace("\x00", "").replace("\x02", "")
    else:
        assert shown is value


@pytest.mark.parametrize("value", ["x" * 11, Markup("x" * 11), _Text("x" * 11)])
def test_a_printed_value_too_long_is_refused(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templates, "VALUE_LIMIT", 10)
    with pytest.raises(templates.LimitError, match="more than 10 characters"):
        templates._finalize(value)
    assert templates._finalize(value[:10]) == value[:10]


def test_the_templates_own_text_is_written_in_ascii(renderer: Renderer) -> None:
    """The template's own text outside ASCII (the Terms of Sale bullet) is written as a
    character reference: the same document to a reader (the bullet is there), and the XML of a
    case whose text is ASCII is ASCII throughout."""
    data = renderer.render(load_document(CASES / "BN-D-QAA/basic.json"), NOTES)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("word/document.xml")
    assert xml.isascii()
    assert b"<w:t>&#8226;</w:t>" in xml
    assert any(p.text.startswith("\u2022\t") for p in _open(data).paragraphs)


@pytest.mark.parametrize(
    ("source", "printed"),
    [
        ("<w:t>\u2022 caf\u00e9 {{ x }} \U0001f600</w:t>", "<w:t>&#8226; caf&#233; \u00e9 &#128512;</w:t>"),
        ("<!-- caf\u00e9 --><w:t>\u2022{{ x }}</w:t>", "<!-- caf\u00e9 --><w:t>\u2022\u00e9</w:t>"),
        ("<w:t>plain {{ x }}</w:t>", "<w:t>plain \u00e9</w:t>"),
    ],
)  # fmt: skip
def test_template_text_outside_ascii_becomes_references(source: str, printed: str) -> None:
    """Only the template's own text is rewritten (a value printed into it is the case's), and
    not where a reference would not be read as a character (a comment)."""
    env = templates.make_environment()
    template = templates._with_output_escape(env.from_string(source))
    assert template.render(x="\u00e9") == printed


def test_page_one_gives_the_dollars_of_each_term_of_sale(tmp_path) -> None:
    data = example("BN-D-QAA/basic")
    data["terms_of_sale"] = ["FMS Credit (Non-Repayable)", "Cash Prior to Delivery"]
    data["terms_breakout"] = [{"term": "FMS Credit (Non-Repayable)", "amount": 100000000},
                              {"term": "Cash Prior to Delivery"}]  # fmt: skip
    path = tmp_path / "basic.json"
    path.write_text(json.dumps(data))
    case = load_document(path).case
    assert wording.terms_words(case) == [
        "FMS Credit (Non-Repayable): $100,000,000",
        "Cash Prior to Delivery: Balance",
    ]
    # a term the breakout leaves out (it pays for no-cost lines) comes before the balance
    data["terms_of_sale"].append("EDA Grant")
    path.write_text(json.dumps(data))
    case = load_document(path).case
    assert wording.terms_words(case) == [
        "FMS Credit (Non-Repayable): $100,000,000",
        "EDA Grant",
        "Cash Prior to Delivery: Balance",
    ]


def test_a_small_part_reading_plain_values_is_rendered_once_for_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The header reads only whether the document is a draft: it is rendered once for drafts
    and once for the others, and compressed once for the same bytes; the footer (the case and
    the document) and the body are rendered for every document. A small part that runs a loop
    or reads a name the context does not give is rendered every time."""
    renderer = Renderer(TEMPLATES)
    rendered: list[str] = []
    render_part = Renderer._render_part

    def counted(template, name, values):  # noqa: ANN001, ANN202
        rendered.append(name)
        return render_part(template, name, values)

    monkeypatch.setattr(Renderer, "_render_part", staticmethod(counted))
    doc = load_document(CASES / "BN-B-ZEA/basic.json")
    first = renderer.render(doc, Selection())
    assert renderer.render(doc, Selection()) == first
    assert rendered.count("word/header1.xml") == 1
    assert rendered.count("word/footer1.xml") == rendered.count("word/document.xml") == 2
    assert renderer.render(doc, Selection(), draft=True) != first
    assert renderer.render(doc, Selection(), draft=True) == Renderer(TEMPLATES).render(
        doc, Selection(), draft=True
    )
    assert rendered.count("word/header1.xml") == 3  # a draft, and once in the other renderer
    template = renderer.template_for(doc.case)
    assert renderer._plain_names(template, "word/header1.xml") == ("draft",)
    assert renderer._plain_names(template, "word/footer1.xml") == ("case", "doc")
    assert renderer._plain_names(template, "word/document.xml") is None  # not small
    template.sources["loop"] = "{% for c in draft %}{{ c }}{% endfor %}"
    assert renderer._plain_names(template, "loop") is None
    template.sources["absent"] = "{{ nothing }}"
    template.jinja_parts["absent"] = templates._with_output_escape(
        renderer.env.from_string("{{ nothing }}")
    )
    with pytest.raises(RenderError, match="nothing"):
        renderer._part(template, "absent", {"draft": False})
    small, large = b"<w:hdr/>", b"x" * (templates.SMALL_PART + 1)
    assert renderer._deflate(small) is renderer._deflate(bytes(small))
    assert renderer._deflate(large) == renderer._deflate(large)
    assert renderer._deflate(large) is not renderer._deflate(large)


def test_a_line_whose_notes_print_nothing_has_an_empty_notes_paragraph() -> None:
    """A line's notes cell holds its notes' paragraphs; with no note, or notes that print no
    paragraph, one empty paragraph in the line note style (a table cell needs one)."""
    doc = load_document(CASES / "BN-D-QAA/amendment-1.json")
    ids = Renderer(TEMPLATES).template_for(doc.case).style_ids
    change = doc.changes.lines[0]
    number = change.line.number
    empty = f'<w:p><w:pPr><w:pStyle w:val="{ids.line_note}"/></w:pPr></w:p>'
    for body, cell in (("", empty), ("Note *text*.", "Note")):
        notes = Selection(notes=(SelectedNote("L", "L", "1", "line", body, lines=(number,)),))
        row = context._row(change, True, notes, ids)
        assert (str(row["notes"]) == empty) is (cell == empty) and cell in str(row["notes"])
    assert str(context._row(change, True, Selection(), ids)["notes"]) == empty
