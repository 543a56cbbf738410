"""The documents as a reader sees them: laid out by LibreOffice, read page by page from the PDF.

Every example (the shared examples and `cases/`), a generated Basic of 40 lines with a long
payment schedule and its Amendment are built with the true page count (`Pipeline.lay_out`: one
`soffice` call for all of them), and their PDFs read with `pdftotext` (one call a PDF, pages
split at form feeds). The assertions are the issue's: the page count printed in the offer and in
every footer is the PDF's, and the DOCX stores it; loagen's estimate is at most one page out;
no page holds only a table heading and a row or less; every line item's cells are on one page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from loagen.output.pdf import convert_to_pdf, pdf_page_count
from loagen.pipeline import Pipeline

from .conftest import CASES, SHARED_EXAMPLES
from .laid_out import stored_counts
from .projects import corpus_module, make_project

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None,
    reason="the layout tests need LibreOffice (soffice) and poppler's pdftotext; install "
    "libreoffice-writer-nogui and poppler-utils (.ci/run does)",
)

CASE_FILES = sorted(CASES.glob("*/*.json"))
LONG_LINES = 40
LONG = ("BN-D-LNG-basic", "BN-D-LNG-amendment-1")
NAMES = [f"{p.parent.name}-{p.stem}" for p in CASE_FILES] + list(LONG)
CLOSURE = "BN-D-QAA-modification-2"


def _shared_examples() -> list[Path]:
    """The shared examples that are not the same file as their copy in cases/ (those are built
    once, from cases/)."""
    out = []
    for path in sorted(SHARED_EXAMPLES.glob("*/*.json")):
        copy = CASES / path.parent.name / path.name
        if not copy.is_file() or copy.read_bytes() != path.read_bytes():
            out.append(path)
    return out


@dataclass
class Laid:
    """One document built with the true page count, and its PDF read page by page."""

    source: Path
    docx: Path
    pdf: Path
    estimate: int
    pages: int
    stored: set[int]
    texts: list[str]
    case: dict[str, Any] = field(repr=False)


def page_texts(pdf: Path) -> list[str]:
    """The text of each page of `pdf`, in the layout of the page."""
    done = subprocess.run(
        [PDFTOTEXT, "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    pages = done.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


TIMES: dict[str, float] = {}


@pytest.fixture(scope="module")
def laid(tmp_path_factory) -> dict[str, Laid]:
    """Every document built, laid out and read (once for the module)."""
    started = time.perf_counter()
    root = tmp_path_factory.mktemp("layout")
    project = make_project(root / "project")
    corpus_module().long_case(root / "generated", LONG_LINES)
    sources = [*CASE_FILES, *sorted((root / "generated" / "BN-D-LNG").glob("*.json"))]
    shared = _shared_examples()
    pipeline = Pipeline(project)
    folders = {root / "built": sources, root / "shared": shared}
    built: list[tuple[Path, Path, int]] = []
    for folder, paths in folders.items():
        for source in paths:
            result = pipeline.build(source, folder, allow_errors=True)
            (estimate,) = stored_counts(result.docx_path)
            built.append((source, result.docx_path, estimate))
    TIMES["build"] = time.perf_counter() - started
    laid_out = pipeline.lay_out([(s, d) for s, d, _ in built])  # one soffice call a folder
    TIMES["lay out"] = time.perf_counter() - started - TIMES["build"]
    problems = [f"{item.docx_path}: {item.problem}" for item in laid_out if item.problem]
    assert not problems, problems
    out = {}
    for (source, docx, estimate), item in zip(built, laid_out, strict=True):
        name = docx.name.removesuffix(".docx")
        out[name] = Laid(
            source, docx, item.pdf_path, estimate, item.pages or 0, stored_counts(docx),
            page_texts(item.pdf_path), json.loads(source.read_text()),
        )  # fmt: skip
    TIMES["read"] = time.perf_counter() - started - TIMES["build"] - TIMES["lay out"]
    sys.stderr.write(
        "\nlayout fixture: " + ", ".join(f"{k} {v:.1f} s" for k, v in TIMES.items()) + "\n"
    )
    return out


def test_every_document_is_laid_out(laid: dict[str, Laid]):
    assert set(NAMES) <= set(laid)
    long = laid[LONG[0]]
    assert len(long.case["lines"]) == LONG_LINES
    schedule = [t for t in long.texts if "Estimated Payment Schedule" in t]
    assert (
        schedule
        and sum(len(re.findall(r"^\s*Quarterly Payment\b", t, re.M)) for t in long.texts) >= 12
    ), "the generated Basic's payment schedule is not long"
    assert laid[CLOSURE].case["document"].get("case_closure") is True


@pytest.mark.parametrize("name", NAMES)
def test_the_page_count_is_the_pdfs_everywhere(laid: dict[str, Laid], name: str):
    doc = laid[name]
    assert doc.pages == len(doc.texts) == pdf_page_count(doc.pdf)
    text = " ".join(doc.texts[0].split())
    offer = re.search(r"consists of page 1 through page (\d+)", text)
    assert offer is not None, "the offer does not say how many pages the document has"
    assert int(offer.group(1)) == doc.pages
    for number, page in enumerate(doc.texts, 1):
        footer = re.findall(r"Page (\d+) of (\d+)", page)
        assert footer == [(str(number), str(doc.pages))], (number, footer)
    # the DOCX itself says so, for whatever reads it without laying it out
    assert doc.stored == {doc.pages}


@pytest.mark.parametrize("name", NAMES)
def test_the_estimate_is_at_most_one_page_out(laid: dict[str, Laid], name: str):
    doc = laid[name]
    assert abs(doc.estimate - doc.pages) <= 1, (doc.estimate, doc.pages)


def test_storing_the_count_changes_nothing_laid_out(laid: dict[str, Laid], tmp_path: Path):
    """The PDF is not made again after the DOCX is written with the true count: converting the
    DOCX as written gives the same pages, with the same text."""
    again = []
    for doc in laid.values():
        if doc.estimate != doc.pages:
            target = tmp_path / doc.docx.name
            shutil.copy(doc.docx, target)
            again.append((doc, target))
    if not again:  # every estimate was right: convert one all the same
        doc = laid[LONG[0]]
        again = [(doc, tmp_path / doc.docx.name)]
        shutil.copy(doc.docx, again[0][1])
    convert_to_pdf([target for _, target in again])
    for doc, target in again:
        assert page_texts(target.with_suffix(".pdf")) == doc.texts, doc.docx.name


# -- pages a reader would not accept -------------------------------------------------------------

_FOOTER = re.compile(r"Page \d+ of \d+\s*$")
TABLES = (
    # (what, its heading's first line, a row's first line)
    ("line table", re.compile(r"^\s*\(1\)\s+Itm"), re.compile(r"^\s*\d{3}[a-z]?\s{2,}\S")),
    (
        "payment schedule",
        re.compile(r"^\s*Payment\s{2,}Due Date\s{2,}Amount"),
        re.compile(r"\$[\d,]+"),
    ),
    (
        "cost summary",
        re.compile(r"^\s*Item\s{2,}(Estimated Cost|Previous)"),
        re.compile(r"^\s*\(\d+\)"),
    ),
    ("code table", re.compile(r"^\s*Code\s{2,}Meaning"), re.compile(r"^\s*\S{1,4}\s{2,}\S")),
)
NEAR_EMPTY = 6
"""Lines under a table heading on a page that holds nothing else: at most this many is a page
a reader calls empty."""


def content(page: str) -> list[str]:
    """The page's lines with text, less the running footer."""
    return [ln for ln in page.splitlines() if ln.strip() and not _FOOTER.search(ln)]


def near_empty_pages(doc: Laid) -> list[str]:
    """Pages that start with a table's heading and hold at most one row of it and little else,
    and pages where a table's heading ends the page."""
    problems = []
    for number, page in enumerate(doc.texts, 1):
        lines = content(page)
        for what, heading, row in TABLES:
            at = next((i for i, ln in enumerate(lines) if heading.search(ln)), None)
            if at is None:
                continue
            after = lines[at + 1 :]
            rows = [ln for ln in after if row.search(ln)]
            if not rows:
                problems.append(f"page {number}: the {what}'s heading ends the page, no row")
            elif at <= 1 and len(rows) <= 1 and len(after) <= NEAR_EMPTY:
                problems.append(
                    f"page {number} holds only the {what}'s heading and {len(rows)} row:\n"
                    + "\n".join(lines)
                )
    return problems


_ROW_START = re.compile(r"^\s*(\d{3}[a-z]?)\s{2,}\S")
_HEADING_REST = re.compile(r"Unit of Issue|\(b\) Total|^\s*Nbr\b")


def _row_segments(doc: Laid) -> dict[str, list[tuple[int, list[str]]]]:
    """Line number -> (page, the lines from its row's first line to the next row or the end of
    the page) for every row of the line table."""
    heading = TABLES[0][1]
    out: dict[str, list[tuple[int, list[str]]]] = {}
    in_table = False
    for number, page in enumerate(doc.texts, 1):
        lines = content(page)
        marks = []
        for i, ln in enumerate(lines):
            if heading.search(ln):
                in_table = True
            elif in_table and "Estimated Cost Summary" in ln:
                in_table = False
            m = _ROW_START.match(ln) if in_table else None
            if m:
                marks.append((i, m.group(1)))
        for k, (i, line_number) in enumerate(marks):
            end = marks[k + 1][0] if k + 1 < len(marks) else len(lines)
            out.setdefault(line_number, []).append((number, lines[i:end]))
    return out


def split_rows(doc: Laid) -> list[str]:
    """Line items whose number, description, MASL and SC/MOS/TA are not all on the page their
    row starts on, and pages of the line table that start with the rest of a row."""
    problems = []
    segments = _row_segments(doc)
    for line in doc.case["lines"]:
        found = segments.get(line["number"])
        if not found or len(found) != 1:
            problems.append(f"line {line['number']} is printed {found!r}")
            continue
        page, rows = found[0]
        text = "\n".join(rows)
        words = " ".join(text.split())
        expected = [line["description"].split()[0], line["masl"], line["source_code"]]
        if line.get("months"):
            expected.append(line["months"])
        missing = [w for w in expected if w not in words]
        if missing:
            problems.append(f"line {line['number']} on page {page}: {missing} not there:\n{text}")
        ta = line["type_of_assistance"]
        if not any(re.search(rf"(^|\s){re.escape(ta)}\s*$", ln) for ln in rows[1:]):
            problems.append(
                f"line {line['number']} on page {page}: its Type of Assistance {ta} is not in "
                f"its row on that page:\n{text}"
            )
    heading = TABLES[0][1]
    for number, page in enumerate(doc.texts[1:], 2):
        lines = content(page)
        if lines and heading.search(lines[0]):
            first = next((ln for ln in lines[1:] if not _HEADING_REST.search(ln)), None)
            if first is None or not _ROW_START.match(first):
                problems.append(
                    f"page {number} starts with the rest of a line item from page {number - 1}:"
                    "\n" + "\n".join(lines[:8])
                )
    return problems


@pytest.mark.parametrize("name", NAMES)
def test_no_page_holds_only_a_table_heading_and_a_row(laid: dict[str, Laid], name: str):
    assert near_empty_pages(laid[name]) == []


@pytest.mark.parametrize("name", NAMES)
def test_every_line_item_is_on_one_page(laid: dict[str, Laid], name: str):
    assert split_rows(laid[name]) == []


_SPLIT_DESIGNATOR = re.compile(r"(?:^|\s)\S*[A-Z0-9]-$")
"""A line that ends inside a designator or reference ("(MIL-STD-" before "129) requires")."""


def split_designators(doc: Laid) -> list[str]:
    """Each line of `doc` that ends after a hyphen of a designator, with its page."""
    return [
        f"page {number}: {line.strip()}"
        for number, page in enumerate(doc.texts, 1)
        for line in page.splitlines()
        if _SPLIT_DESIGNATOR.search(line.rstrip())
    ]


@pytest.mark.parametrize("name", NAMES)
def test_no_designator_is_split_at_a_line_end(laid: dict[str, Laid], name: str):
    # BN-B-TAB's Basic printed "(MIL-STD-" at the end of a line of its Materiel Transfer note
    assert split_designators(laid[name]) == []


# the checks above catch the pages the issue found (text as pdftotext gives it)
_HEAD = """ (1) Itm   (2) Description/Condition   (3) Qty         (4) Costs       (5)      (6) Ofr   (7) Del
   Nbr                              Unit of Issue     (a) Unit   SC/MOS/TA   Rel Cde   Trm Cde
                                                      (b) Total
"""
_LINES = [
    {"number": "001", "description": "C-130J AIRCRAFT", "masl": "A1C130J00AIR", "source_code": "P",
     "months": "30-36", "type_of_assistance": "7"},
    {"number": "002", "description": "SUPPORT EQUIPMENT", "masl": "A1C130J00SPT",
     "source_code": "X", "months": "24-36", "type_of_assistance": "4"},
]  # fmt: skip
_ROW_1 = """ 001       C-130J AIRCRAFT          2 EA           $82,500,000    P           Z         4
           MASL A1C130J00AIR                       $165,000,000   30-36
                                                                  7
"""
_ROW_2_TOP = """ 002       SUPPORT EQUIPMENT        1 LO            $6,200,000    X           Y         4
           MASL A1C130J00SPT                         $6,200,000   24-36
"""
_ROW_2_REST = "                                                                  4\n"
_FOOT = "BN-D-QAA Basic                                                    Page {} of 2\n"


def _fake(*pages: str) -> Laid:
    return Laid(Path("x.json"), Path("x.docx"), Path("x.pdf"), 2, 2, {2}, list(pages),
                {"lines": _LINES})  # fmt: skip


def test_the_page_checks_catch_what_the_issue_found():
    whole = _fake(_HEAD + _ROW_1 + _ROW_2_TOP + _ROW_2_REST + _FOOT.format(1), "Notes\n")
    assert split_rows(whole) == [] and near_empty_pages(whole) == []
    # one line's Type of Assistance alone on the next page, under the repeated heading
    split = _fake(_HEAD + _ROW_1 + _ROW_2_TOP + _FOOT.format(1), _HEAD + _ROW_2_REST + "Notes\n")
    found = split_rows(split)
    assert len(found) == 2 and "line 002 on page 1: its Type of Assistance 4" in found[0]
    assert "page 2 starts with the rest of a line item from page 1" in found[1]
    # a page holding only the repeated heading and one payment row
    schedule = (
        "                 Payment          Due Date            Amount           Cumulative\n"
        " Quarterly Payment     15 March 2027      $32,171,161      $75,000,000\n"
    )
    lonely = _fake(_HEAD + _ROW_1 + _ROW_2_TOP + _ROW_2_REST, schedule + _FOOT.format(2))
    (found,) = near_empty_pages(lonely)
    assert "page 2 holds only the payment schedule's heading and 1 row" in found
    ending = _fake(
        _HEAD
        + _ROW_1
        + _ROW_2_TOP
        + _ROW_2_REST
        + "Estimated Payment Schedule\n"
        + schedule.splitlines()[0]
    )
    assert near_empty_pages(ending) == [
        "page 1: the payment schedule's heading ends the page, no row"
    ]
