"""Rendering: what a reader sees in the DOCX, strictness, determinism."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import pytest

from loagen.document import load_document
from loagen.errors import RenderError
from loagen.policy.selection import SelectedNote, Selection
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
    assert "BN-D-QAA  Amendment 1" in text
    assert (
        "Based on BN/MODAT/2312 dated 14 February 2024, BN/MODAT/2398 dated 3 May 2024 and "
        "BN/MODAT/2733 dated 9 March 2026." in text
    )
    assert "This offer expires on 15 September 2026." in text
    assert "Estimated Cost: $379,252,000" in text
    styles = {p.text: p.style.name for p in d.paragraphs}
    assert styles["•\tCash Prior to Delivery"] == "LOA Note Bullet"


def test_changed_lines_show_previous_and_revised(renderer: Renderer) -> None:
    d = _open(renderer.render(load_document(CASES / "BN-D-QAA/amendment-1.json"), NOTES))
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "(1) Itm Nbr")
    rows = {r.cells[0].text.split("\n")[0]: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows["002"][0] == "002\nREVISED"
    assert rows["002"][3] == "Previous:\n$6,200,000\n$6,200,000\nRevised:\n$8,900,000\n$8,900,000"
    assert "Previous: 24-36\nRevised: 24-48" in rows["002"][4]
    assert rows["007"][0] == "007\nADDED"
    assert rows["001"][0] == "001\n"
    assert "Line note text." in rows["001"][1]


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
    assert "Revised:\n$0\n$0" in row.cells[3].text


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


def test_notes_in_named_styles(renderer: Renderer) -> None:
    d = _open(renderer.render(load_document(CASES / "BN-D-QAA/basic.json"), NOTES))
    by_text = {p.text: p.style.name for p in d.paragraphs}
    assert by_text["1. Sole Source"] == "LOA Note Heading"
    assert by_text["Firm Acme for Line 001."] == "LOA Note Text"
    assert by_text["\u2022\tone"] == "LOA Note Bullet"
    bold = [r.text for p in d.paragraphs for r in p.runs if r.bold]
    assert "Acme" in bold


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
    assert "There is no change in scope to this document. (C-130J Aircraft)" in text
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
    data["nickname"] = "{{ 7 * 7 }} & <b>\x07"
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
