"""`rendering.template_checks`: a good template passes; each edit that breaks a layout rule is
named, with the template and what to do in Word. Each test breaks a copy of the project's Basic
template in one way (its XML edited in a scratch copy)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from loagen.cli import app
from loagen.pipeline import Pipeline
from loagen.project import Project
from loagen.rendering.template_checks import check_template, missing_content
from loagen.rendering.templates import compile_template, make_environment

from .projects import make_project

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "templates" / "basic.docx"
DOCUMENT = "word/document.xml"
STYLES = "word/styles.xml"

Edit = Callable[[dict[str, bytes]], None]


def _broken(tmp_path: Path, edit: Edit, name: str = "basic.docx") -> Path:
    """A copy of the good template with `edit` applied to its parts (name -> bytes)."""
    with zipfile.ZipFile(GOOD) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    edit(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for part, data in parts.items():
            zf.writestr(part, data)
    target = tmp_path / name
    target.write_bytes(buffer.getvalue())
    return target


def problems_of(tmp_path: Path, edit: Edit) -> list[str]:
    template = compile_template(_broken(tmp_path, edit), make_environment())
    return check_template(template)


def _xml_edit(part: str, change: Callable[[etree._Element], None]) -> Edit:
    def edit(parts: dict[str, bytes]) -> None:
        root = etree.fromstring(parts[part])
        change(root)
        parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return edit


def _tables(root: etree._Element) -> list[etree._Element]:
    return list(root.find(_W + "body").iter(_W + "tbl"))


def _line_table(root: etree._Element) -> etree._Element:
    found = [t for t in _tables(root) if "for row in lines" in "".join(t.itertext())]
    assert len(found) == 1
    return found[0]


def _note_heading(root: etree._Element) -> etree._Element:
    paragraphs = list(root.iter(_W + "p"))
    start = next(
        i for i, p in enumerate(paragraphs) if "for note in notes" in "".join(p.itertext())
    )
    return paragraphs[start + 1]


def _only(problems: list[str], words: str) -> str:
    hits = [p for p in problems if words in p]
    assert len(hits) == 1, problems
    return hits[0]


def test_the_project_templates_keep_every_rule():
    pipeline = Pipeline(Project.at(ROOT))
    for kind in pipeline.template_kinds():
        assert check_template(pipeline.template(kind)) == [], kind


def test_a_row_that_may_break_across_pages(tmp_path: Path):
    def change(root: etree._Element) -> None:
        for row in _line_table(root).iter(_W + "tr"):
            for el in row.iter(_W + "cantSplit"):
                el.getparent().remove(el)

    problems = problems_of(tmp_path, _xml_edit(DOCUMENT, change))
    found = _only(problems, "may break across pages")
    assert found.startswith(f"{tmp_path / 'basic.docx'}: table ")
    assert "(1) Itm Nbr" in found  # the table named by its heading row
    assert "'Allow row to break across pages'" in found


def test_one_row_switched_back_to_splitting_is_named(tmp_path: Path):
    def change(root: etree._Element) -> None:
        rows = _line_table(root).findall(_W + "tr")  # heading, {%tr for %}, the row, endfor
        rows[2].find(f"{_W}trPr/{_W}cantSplit").set(_W + "val", "false")

    problems = problems_of(tmp_path, _xml_edit(DOCUMENT, change))
    assert "row(s) 2 may break" in _only(problems, "may break across pages")


def test_a_looped_table_without_a_repeating_heading_row(tmp_path: Path):
    def change(root: etree._Element) -> None:
        for el in _line_table(root).iter(_W + "tblHeader"):
            el.getparent().remove(el)

    problems = problems_of(tmp_path, _xml_edit(DOCUMENT, change))
    found = _only(problems, "first row is not repeated")
    assert "(1) Itm Nbr" in found and "'Repeat as header row" in found


def test_a_table_wider_than_the_text(tmp_path: Path):
    def change(root: etree._Element) -> None:
        table = _line_table(root)
        first = table.find(f"{_W}tblGrid/{_W}gridCol")
        first.set(_W + "w", str(int(first.get(_W + "w")) + 1440))

    problems = problems_of(tmp_path, _xml_edit(DOCUMENT, change))
    found = _only(problems, "wider than the")
    assert "(1) Itm Nbr" in found
    assert re.search(r"it is 7\.9 inches wide, wider than the 6\.9 inches", found), found


def test_note_headings_numbered_as_typed_text(tmp_path: Path):
    def change(root: etree._Element) -> None:
        ppr = _note_heading(root).find(_W + "pPr")
        ppr.remove(ppr.find(_W + "numPr"))

    problems = problems_of(tmp_path, _xml_edit(DOCUMENT, change))
    found = _only(problems, "not numbered by Word")
    assert "style LOA Note Heading" in found and "numbered list" in found


def test_note_headings_numbered_through_their_style_pass(tmp_path: Path):
    """Word numbering on the heading style instead of the paragraph is as good."""

    def edit(parts: dict[str, bytes]) -> None:
        def unnumber(root: etree._Element) -> None:
            heading = _note_heading(root)
            ppr = heading.find(_W + "pPr")
            num = ppr.find(_W + "numPr")
            ppr.remove(num)
            numbered_style.append(num)

        def number_style(root: etree._Element) -> None:
            style = next(
                s for s in root.iter(_W + "style") if s.get(_W + "styleId") == "LOANoteHeading"
            )
            ppr = style.find(_W + "pPr")
            ppr.insert(0, numbered_style[0])

        numbered_style: list[etree._Element] = []
        _xml_edit(DOCUMENT, unnumber)(parts)
        _xml_edit(STYLES, number_style)(parts)

    assert problems_of(tmp_path, edit) == []


def test_note_headings_in_a_bulleted_list(tmp_path: Path):
    def change(root: etree._Element) -> None:
        for fmt in root.iter(_W + "numFmt"):
            fmt.set(_W + "val", "bullet")

    problems = problems_of(tmp_path, _xml_edit("word/numbering.xml", change))
    assert "list of bullets, not numbers" in _only(problems, "note headings")


def test_note_headings_naming_a_missing_list(tmp_path: Path):
    def change(root: etree._Element) -> None:
        _note_heading(root).find(f"{_W}pPr/{_W}numPr/{_W}numId").set(_W + "val", "7")

    problems = problems_of(tmp_path, _xml_edit(DOCUMENT, change))
    assert "name list 7, which is missing" in _only(problems, "note headings")


def test_a_style_the_template_uses_is_deleted(tmp_path: Path):
    def change(root: etree._Element) -> None:
        for style in root.findall(_W + "style"):
            if style.get(_W + "styleId") == "LOATableMoney":
                root.remove(style)

    problems = problems_of(tmp_path, _xml_edit(STYLES, change))
    found = _only(problems, "does not define")
    assert "word/document.xml uses the style(s) LOATableMoney" in found


def test_a_note_style_is_deleted(tmp_path: Path):
    """Without a style the note Markdown writes in, the template does not load: the problem is
    listed with the others all the same."""

    def change(root: etree._Element) -> None:
        for style in root.findall(_W + "style"):
            if style.get(_W + "styleId") == "LOANoteBullet":
                root.remove(style)

    project = make_project(tmp_path / "project")
    _broken(project.templates, _xml_edit(STYLES, change))
    problems = Pipeline(project).template_problems("Basic")
    assert len(problems) == 1 and "LOA Note Bullet" in problems[0], problems


def test_a_doctype_or_entity_is_refused(tmp_path: Path):
    def edit(parts: dict[str, bytes]) -> None:
        xml = parts[DOCUMENT].decode()
        head, _, rest = xml.partition("?>")
        parts[DOCUMENT] = (head + '?><!DOCTYPE w [<!ENTITY e "boom">]>' + rest).encode()

    project = make_project(tmp_path / "project")
    _broken(project.templates, edit)
    problems = Pipeline(project).template_problems("Basic")
    assert len(problems) == 1 and "declares a DTD or entities" in problems[0], problems


def test_parts_copied_into_every_document_that_nothing_uses(tmp_path: Path):
    def edit(parts: dict[str, bytes]) -> None:
        parts["word/stylesWithEffects.xml"] = parts[STYLES]
        parts["docProps/thumbnail.jpeg"] = b"\xff\xd8" + bytes(6000)
        parts["word/leftover.xml"] = b"<?xml version='1.0'?><x>" + b"<y/>" * 3000 + b"</x>"

        def bloat(root: etree._Element) -> None:
            for i in range(400):
                style = etree.SubElement(root, _W + "style")
                style.set(_W + "type", "paragraph")
                style.set(_W + "styleId", f"Unused{i}")
                etree.SubElement(style, _W + "name").set(_W + "val", f"Unused {i}")
                etree.SubElement(etree.SubElement(style, _W + "rPr"), _W + "sz").set(
                    _W + "val", "20"
                )

        _xml_edit(STYLES, bloat)(parts)

    problems = problems_of(tmp_path, edit)
    assert "Word 2010 copy of the styles" in _only(problems, "word/stylesWithEffects.xml")
    assert "'Save preview picture'" in _only(problems, "docProps/thumbnail.jpeg")
    assert "used by nothing in the document" in _only(problems, "word/leftover.xml")
    assert "400 of them used by nothing in the template" in _only(problems, "defines")
    assert len(problems) == 4, problems


def test_the_command_lists_every_problem_of_every_template(tmp_path: Path, monkeypatch):
    project = make_project(tmp_path / "project")

    def no_cant_split(root: etree._Element) -> None:
        for el in list(root.iter(_W + "cantSplit")):
            el.getparent().remove(el)

    def no_numbering(root: etree._Element) -> None:
        ppr = _note_heading(root).find(_W + "pPr")
        ppr.remove(ppr.find(_W + "numPr"))

    def edit(parts: dict[str, bytes]) -> None:
        _xml_edit(DOCUMENT, no_cant_split)(parts)
        _xml_edit(DOCUMENT, no_numbering)(parts)

    _broken(project.templates, edit)
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["templates", "--check"])
    assert result.exit_code == 5, result.output
    assert "may break across pages" in result.stderr
    assert "not numbered by Word" in result.stderr
    assert "basic.docx" in result.stderr and "amendment.docx" not in result.stderr
    # the other templates were listed and checked
    assert "Amendment:" in result.stdout and "Modification:" in result.stdout
    fine = CliRunner().invoke(app, ["templates"])  # without --check: a listing, exit 0
    assert fine.exit_code == 0, fine.output


def test_no_notes_loop_is_a_problem(tmp_path: Path):
    def edit(parts: dict[str, bytes]) -> None:
        parts[DOCUMENT] = parts[DOCUMENT].replace(
            b"for note in notes", b"for note in schedule_notes"
        )

    problems = problems_of(tmp_path, edit)
    found = _only(problems, "prints no notes")
    assert "the {%p for note in notes %} tag is gone" in found


def _text_edit(old: bytes, new: bytes) -> Edit:
    def edit(parts: dict[str, bytes]) -> None:
        assert old in parts[DOCUMENT]
        parts[DOCUMENT] = parts[DOCUMENT].replace(old, new)

    return edit


def test_a_template_that_lost_the_estimated_cost_is_refused(tmp_path: Path):
    """The label stays, its tag is deleted: the LOA would print 'Estimated Cost: ' and nothing."""
    problems = problems_of(tmp_path, _text_edit(b"{{ estimated_cost }}", b""))
    assert problems == [
        f"{tmp_path / 'basic.docx'}: the document prints no estimated cost: the "
        "{{ estimated_cost }} tag is gone; type it back in Word where that part of the LOA was "
        "(as in the template loagen ships)"
    ]


def test_a_name_only_tested_but_never_printed_counts_as_lost(tmp_path: Path):
    edit = _text_edit(b"{{ initial_deposit }}", b"{% if initial_deposit %}{% endif %}")
    problems = problems_of(tmp_path, edit)
    assert "the {{ initial_deposit }} tag is gone" in _only(problems, "prints no initial deposit")


def test_a_loop_over_something_else_prints_no_payment_schedule(tmp_path: Path):
    edit = _text_edit(b"for row in schedule %}", b"for row in [] %}")
    problems = problems_of(tmp_path, edit)
    assert "{%tr for row in schedule %}" in _only(problems, "prints no payment schedule")


@pytest.mark.parametrize("name", ["amendment.docx", "basic.docx"])
def test_the_offer_expiration_date_is_required_where_the_kind_prints_it(tmp_path: Path, name: str):
    global GOOD
    good = GOOD
    GOOD = ROOT / "templates" / name
    try:
        path = _broken(tmp_path, _text_edit(b"{{ offer_expiration_date }}", b"(a date)"), name)
    finally:
        GOOD = good
    problems = check_template(compile_template(path, make_environment()))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}: the document prints no offer expiration date")


def test_a_modification_needs_no_offer_expiration_date(tmp_path: Path):
    """A Modification is not accepted by the purchaser: its template prints no OED, and only
    what a Modification prints is asked of it (the same file named otherwise is asked all)."""
    source = ROOT / "templates" / "modification.docx"
    assert b"offer_expiration_date" not in zipfile.ZipFile(source).read(DOCUMENT)
    (tmp_path / "modification.docx").write_bytes(source.read_bytes())
    template = compile_template(tmp_path / "modification.docx", make_environment())
    assert check_template(template) == []
    assert missing_content(template, "Basic") == [
        "the document prints no offer expiration date: the {{ offer_expiration_date }} tag "
        "is gone; type it back in Word where that part of the LOA was (as in the template "
        "loagen ships)"
    ]


def test_the_command_refuses_a_template_that_lost_a_part_of_the_loa(tmp_path: Path, monkeypatch):
    project = make_project(tmp_path / "project")
    _broken(project.templates, _text_edit(b"{{ estimated_cost }}", b""))
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    result = CliRunner().invoke(app, ["templates", "--check"])
    assert result.exit_code == 5, result.output
    assert "prints no estimated cost: the {{ estimated_cost }} tag is gone" in result.stderr


@pytest.mark.parametrize("name", ["amendment.docx", "modification.docx"])
def test_every_kind_of_template_is_read(tmp_path: Path, name: str):
    """Not the Basic's alone: every table of the other templates is checked too."""
    global GOOD
    good = GOOD
    GOOD = ROOT / "templates" / name
    try:
        count = len(_tables(etree.fromstring(zipfile.ZipFile(GOOD).read(DOCUMENT))))

        def change(root: etree._Element) -> None:
            for el in list(root.iter(_W + "cantSplit")):
                el.getparent().remove(el)

        problems = problems_of(tmp_path, _xml_edit(DOCUMENT, change))
    finally:
        GOOD = good
    assert len([p for p in problems if "may break across pages" in p]) == count
    assert all(p.startswith(str(tmp_path / "basic.docx")) for p in problems)


def _without_paragraph(text: str) -> Edit:
    """Delete the (last) body paragraph holding `text`, as a user selecting it and pressing
    Delete would."""

    def change(root: etree._Element) -> None:
        found = [p for p in root.iter(_W + "p") if text in "".join(p.itertext())]
        assert len(found) >= 1, text
        found[-1].getparent().remove(found[-1])

    return _xml_edit(DOCUMENT, change)


@pytest.mark.parametrize("name", ["basic.docx", "amendment.docx", "modification.docx"])
@pytest.mark.parametrize(
    ("paragraph", "said"),
    [
        ("{{p note.body }}", "the {{p note.body }} tag inside {%p for note in notes %} is gone"),
        ("{{ purchaser_reference }}", "the {{ purchaser_reference }} tag is gone"),
        ("{{ state_description }}", "the {{ state_description }} tag is gone"),
        ("{{ term }}", "the {{ term }} tag inside {%p for term in terms_of_sale %} is gone"),
        ("{{ surcharge_note }}", "the {{ surcharge_note }} tag is gone"),
        (
            "{{ section.heading }}",
            "the {{ section.heading }} tag inside {%p for section in terms_and_conditions %}",
        ),
        ("{{ text }}", "the {{ text }} tag inside {%p for text in section.paragraphs %} is gone"),
        ("{{ table.title }}", "the {{ table.title }} tag inside {%p for table in code_tables %}"),
    ],
)
def test_a_deleted_paragraph_that_printed_a_part_of_the_loa_is_named(
    tmp_path: Path, name: str, paragraph: str, said: str
):
    """Each of these paragraphs deleted in Word left a document with a part missing (every note
    a bare heading, no terms of sale ...) that the check passed; every kind ships them all."""
    global GOOD
    good = GOOD
    GOOD = ROOT / "templates" / name
    try:
        path = _broken(tmp_path, _without_paragraph(paragraph), name)
    finally:
        GOOD = good
    problems = check_template(compile_template(path, make_environment()))
    assert len(problems) == 1, problems
    assert said in problems[0]
    assert problems[0].endswith(
        "type it back in Word where that part of the LOA was (as in the template loagen ships)"
    )


def test_a_note_body_moved_out_of_its_loop_is_not_printed(tmp_path: Path):
    """`{{p note.body }}` after the loop's end prints no note's text: a tag required inside a
    loop counts only there (the body of the schedule notes' loop must not stand in for it)."""

    def change(root: etree._Element) -> None:
        paragraphs = list(root.iter(_W + "p"))
        start = next(
            i for i, p in enumerate(paragraphs) if "for note in notes" in "".join(p.itertext())
        )
        body, end = paragraphs[start + 2], paragraphs[start + 3]
        assert "note.body" in "".join(body.itertext())
        assert "endfor" in "".join(end.itertext())
        end.addnext(body)

    problems = problems_of(tmp_path, _xml_edit(DOCUMENT, change))
    assert [p for p in problems if "prints no" in p] == [
        f"{tmp_path / 'basic.docx'}: the document prints no text of the notes (only their "
        "headings): the {{p note.body }} tag inside {%p for note in notes %} is gone; type it "
        "back in Word where that part of the LOA was (as in the template loagen ships)"
    ]


def test_a_whole_loop_deleted_is_said_once(tmp_path: Path):
    """Deleting the code tables' loop, its title and table, says the loop is gone, not its
    title too."""

    def change(root: etree._Element) -> None:
        body = root.find(_W + "body")
        children = list(body)
        start = next(i for i, c in enumerate(children) if "code_tables" in "".join(c.itertext()))
        end = max(i for i, c in enumerate(children) if "endfor" in "".join(c.itertext()))
        assert start < end
        for child in children[start : end + 1]:
            body.remove(child)

    problems = problems_of(tmp_path, _xml_edit(DOCUMENT, change))
    assert len(problems) == 1, problems
    assert (
        "prints no tables of the codes the lines use: the {%p for table in code_tables %}"
        in (problems[0])
    )
