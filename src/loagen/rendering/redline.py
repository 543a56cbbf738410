"""Redlines: a DOCX with tracked changes (insertions and deletions a reviewer accepts or rejects in
Word) of one rendered document against another, made by python-redlines' Docxodus engine.

The notes are compared note by note: a note printed on both documents with the same heading is
compared with itself, its heading with its heading and its text with its text; a note only the
old document prints reads as deleted whole, one only the new prints as inserted whole. The
engine alone would pair the paragraphs of neighbouring notes that changed (a deleted note's text
with an added note's heading). So before comparing, both documents get a marker paragraph
between notes, in the same order on both sides (the notes of both merged in print order), which
the engine matches with itself; the markers are taken out of the redline afterwards.

A note that stays in force on the case without being restated by the new document is no
deletion a reviewer could accept or reject: it is taken out of the old document before
comparing (`not_restated`), so the redline shows what the new document changes, and rejecting
every change gives the old document without those notes.

The rows of the payment schedule are compared by due date (`_schedules_aligned`), the notes'
numbers are written as text (`_numbers_as_text`: a note added or deleted is one change, the
headings after it show their new numbers unmarked), and every change is dated with the new
document's date. `printed_changes` compares the printed text of two rendered documents
paragraph by paragraph, for `loagen diff` and `loagen impact` to show what a template, the
Standard Terms or a note library the build records cannot vouch for changed.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import io
import re
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..document.word_diff import CONTEXT_WORDS, Change, wording_changes
from ..errors import ToolError
from .package import deflate, zip_entries

_ENGINE: Any = None

_SIMPLE_PAGE_COUNT = re.compile(
    rb'<w:fldSimple\b[^>]*?w:instr="\s*NUMPAGES\b[^"]*"[^>/]*>(.*?)</w:fldSimple>', re.S
)
"""A simple NUMPAGES field of the body (not one written `<w:fldSimple .../>`, with no value),
with the runs that show its value."""
_RUN = rb"<w:r\b(?:(?!</w:r>).)*?"
_COMPLEX_PAGE_COUNT = re.compile(
    _RUN + rb'<w:fldChar\b[^>]*w:fldCharType="begin"[^>]*/>(?:(?!</w:r>).)*?</w:r>'
    rb"(?:(?!<w:fldChar\b).)*?<w:instrText\b[^>]*>\s*NUMPAGES\b(?:(?!<w:fldChar\b).)*?"
    + _RUN
    + rb'<w:fldChar\b[^>]*w:fldCharType="separate"[^>]*/>(?:(?!</w:r>).)*?</w:r>'
    rb"((?:(?!<w:fldChar\b).)*?)"
    + _RUN
    + rb'<w:fldChar\b[^>]*w:fldCharType="end"[^>]*/>(?:(?!</w:r>).)*?</w:r>',
    re.S,
)
"""A NUMPAGES field as Word writes it, from the run that begins it to the run that ends it
(its instruction in between, and the runs that show its value after the separator)."""


def page_counts_as_text(body: bytes) -> bytes:
    """`body` (a document.xml) with each NUMPAGES field, simple or as Word writes it, replaced
    by the runs that show its value."""
    return _COMPLEX_PAGE_COUNT.sub(rb"\1", _SIMPLE_PAGE_COUNT.sub(rb"\1", body))


def _page_counts_as_text(docx: bytes) -> bytes:
    """`docx` with the NUMPAGES fields of its body replaced by the count they show. In a
    redline the count is what changed between the two documents (page 6 -> page 5); as a field,
    Word and LibreOffice would lay the redline out and show its own count in both places. The
    page numbers of headers and footers stay fields: they number the redline's pages."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        body = package.read("word/document.xml")
        frozen = page_counts_as_text(body)
        if frozen == body:
            return docx
        parts = [
            (info.filename, deflate(frozen if info.filename == "word/document.xml"
                                    else package.read(info)))
            for info in package.infolist()
        ]  # fmt: skip
    return zip_entries(parts)


def redline_docx(
    old: bytes, new: bytes, *, author: str = "loagen", not_restated: Collection[str] = ()
) -> bytes:
    """A DOCX of `new` with tracked changes against `old`, its notes compared note by note.

    `not_restated`: the headings of notes `old` prints that stay in force on the case without
    `new` restating them; they are left out of the comparison, not shown as deleted."""
    engine = _engine()
    old, new = _page_counts_as_text(old), _page_counts_as_text(new)
    old, new, schedules = _schedules_aligned(old, new)
    aligned = _aligned(old, new, set(not_restated))
    try:
        redline, _, _ = engine.run_redline(author, aligned.old, aligned.new)
    except Exception as exc:  # EngineExecutionError and the OS errors of running it
        raise ToolError(f"python-redlines could not compare the documents: {exc}") from None
    if aligned.mark:
        unmarked = _without_marks(redline, aligned.mark)
        if unmarked is not None:
            return _finished(unmarked, new, schedules, author)
        # The engine joined a marker with a note's text: compare without markers instead.
        try:
            redline, _, _ = engine.run_redline(author, aligned.unmarked_old, new)
        except Exception as exc:
            raise ToolError(f"python-redlines could not compare the documents: {exc}") from None
    return _finished(redline, new, schedules, author)


def _finished(redline: bytes, new: bytes, schedules: list[list[_Step]], author: str) -> bytes:
    """The engine's redline made to read right: the schedule rows taken out put back
    (`_rows_restored`), the notes' numbers as text (`_numbers_as_text`), and every change dated
    with the new document's date (the engine dates them all 2000-01-01)."""
    when = _document_date(new)
    redline = _rows_restored(redline, schedules, author, when)
    with zipfile.ZipFile(io.BytesIO(redline)) as package:
        root = etree.fromstring(package.read(_BODY))
        heading, _ = _note_styles(package)
        numbering = _numbering(package)
    if heading:
        _numbers_as_text(root, heading, numbering, _Tracked(author, when, root))
    _values_apart_in_cells(root)
    if when:
        for element in root.iter():
            if element.get(_W + "date") is not None:
                element.set(_W + "date", when)
    return _with_body(redline, root)


def _values_apart_in_cells(root: Any) -> None:
    """In the cells of the tables, an old value struck out and the new one inserted next to it
    ("$95,568" and "$95,008") on lines of their own: the engine writes them touching, which
    reads as one number ("$95,008$95,568") and, in a narrow cell, wraps in the middle of one
    ("$378,684,40" / "0$379,252,000"). The line break is part of the deletion, so accepting
    every change gives the new document's cell as it was."""
    changes = (_W + "ins", _W + "del")
    for cell in root.iter(_W + "tc"):
        for p in cell.iter(_W + "p"):
            children = list(p)
            for first, second in zip(children, children[1:], strict=False):
                if {first.tag, second.tag} != set(changes):
                    continue
                before, after = _text(first), _text(second)
                if not before or not after or before[-1].isspace() or after[0].isspace():
                    continue
                deletion = first if first.tag == _W + "del" else second
                runs = deletion.findall(_W + "r")
                if not runs:
                    continue
                near = runs[-1] if deletion is first else runs[0]
                run = etree.Element(_W + "r")
                look = near.find(_W + "rPr")
                if look is not None:
                    run.append(copy.deepcopy(look))
                etree.SubElement(run, _W + "br")
                if deletion is first:
                    deletion.append(run)
                else:
                    deletion.insert(deletion.index(near), run)


_MODIFIED = re.compile(rb"<dcterms:modified\b[^>]*>(\d{4}-\d\d-\d\dT[0-9:]+Z)</dcterms:modified>")


def _document_date(docx: bytes) -> str:
    """The date a built document carries in its properties (`rendering.properties`: the
    document's own date, e.g. "2026-12-15T00:00:00Z"); "" when it has none."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        try:
            found = _MODIFIED.search(package.read("docProps/core.xml"))
        except KeyError:
            return ""
    return found.group(1).decode() if found else ""


# -- the notes' numbers as text -------------------------------------------------------------------


def _numbering(package: zipfile.ZipFile) -> dict[str, tuple[str, int]]:
    """The number format ("%1.") and first number of level 0 of each list (by numId)."""
    try:
        root = etree.fromstring(package.read("word/numbering.xml"))
    except (KeyError, etree.XMLSyntaxError):
        return {}
    levels = {}
    for abstract in root.iter(_W + "abstractNum"):
        for level in abstract.iter(_W + "lvl"):
            if level.get(_W + "ilvl") == "0":
                text, start = level.find(_W + "lvlText"), level.find(_W + "start")
                levels[abstract.get(_W + "abstractNumId")] = (
                    text.get(_W + "val", "%1.") if text is not None else "%1.",
                    int(start.get(_W + "val", "1")) if start is not None else 1,
                )
    out = {}
    for num in root.iter(_W + "num"):
        abstract = num.find(_W + "abstractNumId")
        if abstract is not None and abstract.get(_W + "val") in levels:
            out[num.get(_W + "numId")] = levels[abstract.get(_W + "val")]
    return out


class _Tracked:
    """Makes the `w:ins` and `w:del` elements of changes loagen adds to a redline: one author and
    date, each with an id the redline does not use yet."""

    def __init__(self, author: str, when: str, root: Any) -> None:
        self.author, self.when = author, when
        used = [e.get(_W + "id", "") for e in root.iter()]
        self.next_id = max((int(v) for v in used if v.isdigit()), default=0) + 1

    def __call__(self, change: str) -> Any:
        element = etree.Element(_W + change)
        element.set(_W + "id", str(self.next_id))
        self.next_id += 1
        element.set(_W + "author", self.author)
        if self.when:
            element.set(_W + "date", self.when)
        return element

    def wrapped(self, change: str, run: Any) -> Any:
        """`run` inside a new `w:ins` or `w:del` (a deleted run's text as `w:delText`)."""
        if change == "del":
            for t in run.iter(_W + "t"):
                t.tag = _W + "delText"
        wrapper = self(change)
        wrapper.append(run)
        return wrapper


def _numbers_as_text(
    root: Any, heading: str, numbering: dict[str, tuple[str, int]], tracked: _Tracked
) -> None:
    """Each numbered note heading of a redline with its number written as text: a deleted
    note's old number struck out with it, an inserted note's new number inserted with it, and
    every other heading's number on the new document, unmarked. A note added or deleted is then
    one change, not a change on every later heading too: their numbers follow from it (as Word
    renumbers a list), and the reviewer reads the new document's numbers. Rejecting every
    change gives the old notes under those numbers.

    A word processor numbers a list with tracked changes its own way (LibreOffice shows "[20.]"
    for a deleted note and "19.[21.]" for a renumbered one; the engine's `w:numberingChange`
    adds its own), so the redline reads the same everywhere."""
    counts: dict[str, list[int]] = {}
    for p in root.iter(_W + "p"):
        properties = p.find(_W + "pPr")
        style = properties.find(_W + "pStyle") if properties is not None else None
        number = properties.find(_W + "numPr") if properties is not None else None
        if style is None or style.get(_W + "val") != heading or number is None:
            continue
        num_id = number.find(_W + "numId")
        key = num_id.get(_W + "val", "") if num_id is not None else ""
        text, start = numbering.get(key, ("%1.", 1))
        old_new = counts.setdefault(key, [start - 1, start - 1])
        # deleted or inserted: all its words are (its paragraph mark may not be: the engine
        # deletes the marks of a run of paragraphs but the last)
        gone = [t for t in p.iter(_W + "delText") if (t.text or "").strip()]
        shown = [t for t in p.iter(_W + "t") if (t.text or "").strip()]
        came = [t for t in shown if any(a.tag == _W + "ins" for a in t.iterancestors())]
        deleted = bool(gone) and not shown
        inserted = bool(came) and len(came) == len(shown) and not gone
        if not inserted:
            old_new[0] += 1
        if not deleted:
            old_new[1] += 1
        for found in list(p.iter(_W + "numPr")):  # the number, and the engine's change of it
            found.getparent().remove(found)
        was, now = text.replace("%1", str(old_new[0])), text.replace("%1", str(old_new[1]))
        if deleted:
            runs = [tracked.wrapped("del", _run(was))]
        elif inserted:
            runs = [tracked.wrapped("ins", _run(now))]
        else:
            runs = [_run(now)]
        tab = _run("")
        etree.SubElement(tab, _W + "tab")
        runs.append(
            tracked.wrapped("del" if deleted else "ins", tab) if deleted or inserted else tab
        )
        at = list(p).index(properties) + 1
        for k, run in enumerate(runs):
            p.insert(at + k, run)


def _run(text: str) -> Any:
    run = etree.Element(_W + "r")
    if text:
        element = etree.SubElement(run, _W + "t")
        element.text = text
        element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def _engine() -> Any:
    global _ENGINE
    if _ENGINE is None:
        try:
            # Imported here: the engine is an optional extra (loagen[redline]) and slow to load.
            from python_redlines.engines import DocxodusEngine, EngineNotInstalledError
        except ImportError:
            raise ToolError(
                "tracked changes need python-redlines with its Docxodus engine: "
                "pip install 'python-redlines[docxodus]' (or 'loagen[redline]')"
            ) from None
        try:
            _ENGINE = DocxodusEngine()
        except (EngineNotInstalledError, OSError) as exc:
            raise ToolError(f"the python-redlines Docxodus engine cannot run: {exc}") from None
    return _ENGINE


# -- the printed text, compared -------------------------------------------------------------------

PRINTED_SHOWN = 10
"""Paragraphs of the printed text the text summary shows (the JSON has them all)."""


@dataclass(frozen=True)
class PrintedChange:
    """A paragraph of the printed text that differs between the two documents."""

    where: str
    """The heading of the note it belongs to ("" outside the notes)."""
    change: Change

    def to_json(self) -> dict[str, Any]:
        return {"note": self.where or None, **self.change.to_json()}


def printed_text(changes: list[PrintedChange]) -> list[str]:
    """The printed paragraphs that differ as a reviewer reads them, under the note they belong
    to; at most `PRINTED_SHOWN` (the JSON has them all)."""
    out: list[str] = []
    where = None
    shown = changes[:PRINTED_SHOWN]
    pairs = distinct_was_now(tuple(c.change for c in shown))
    for item, (was, now) in zip(shown, pairs, strict=True):
        if item.where != where:
            where = item.where
            out.append(f'  in the note "{where}":' if where else "  outside the notes:")
        if item.change.kind == "added":
            out.append(f"      new paragraph: {_clipped(item.change.new or '')}")
        elif item.change.kind == "removed":
            out.append(f"      paragraph gone: {_clipped(item.change.old or '')}")
        else:
            out += [f"      was: {was}", f"      now: {now}"]
    if len(changes) > PRINTED_SHOWN:
        more = len(changes) - PRINTED_SHOWN
        out.append(f"  (and {more} more paragraph{'s' if more != 1 else ''}: see --json)")
    return out


def distinct_was_now(changes: tuple[Change, ...]) -> list[tuple[str, str]]:
    """Each reworded paragraph's "was:" and "now:" (see `Change.was_now`), with more words
    around the change where two would otherwise read the same (the same words changed in two
    sentences that begin alike); ("", "") for a paragraph added or removed."""
    context = {id(c): CONTEXT_WORDS for c in changes}
    while True:
        pairs = [c.was_now(context[id(c)]) if c.kind == "reworded" else ("", "") for c in changes]
        seen: dict[tuple[str, str], list[Change]] = {}
        for c, pair in zip(changes, pairs, strict=True):
            if c.kind == "reworded":
                seen.setdefault(pair, []).append(c)
        alike = [c for group in seen.values() if len(group) > 1 for c in group]
        widened = False
        for c in alike:
            longest = max(len((c.old or "").split()), len((c.new or "").split()))
            if context[id(c)] < longest:
                context[id(c)] = min(longest, context[id(c)] * 2)
                widened = True
        if not widened:
            return pairs


def printed_changes(old: bytes, new: bytes) -> list[PrintedChange]:
    """The paragraphs of two rendered documents' printed text that differ, in the order of the
    text, each with the note it belongs to."""
    a, b = printed_paragraphs(old), printed_paragraphs(new)
    where = {text: place for place, text in reversed(b)}
    where_before = {text: place for place, text in reversed(a)}
    changes = wording_changes("\n".join(t for _, t in a), "\n".join(t for _, t in b))
    return [
        PrintedChange(
            where.get(c.new, "") if c.new is not None else where_before.get(c.old or "", ""), c
        )
        for c in changes
    ]


def _clipped(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


# -- payment schedule rows compared by due date ----------------------------------------------------

DUE_DATE = "Due Date"
"""The heading of the payment schedule's column of due dates."""

_Step = tuple[Any, Any]
"""One row of a payment schedule in the redline's order: (old row, None) for a row only the old
document has, (None, new row) for one only the new has, (None, None) for a row both have."""


def _schedules_aligned(old: bytes, new: bytes) -> tuple[bytes, bytes, list[list[_Step]]]:
    """`old` and `new` without the rows of their payment schedules (the tables with a "Due
    Date" column, the first with the first and so on) whose due date (or, without one, label)
    only one side has, and for each schedule the order of its rows (see `_rows_restored`).

    The engine compares the rows of a table by position: a schedule that gains or loses a
    leading row (an Amendment's "Due under earlier documents") would show every row changed
    and hide the change of the payment due on the same date. With the rows in step, the rows of
    a date compare with each other; the others are put back afterwards, deleted or inserted
    whole."""
    with zipfile.ZipFile(io.BytesIO(old)) as a, zipfile.ZipFile(io.BytesIO(new)) as b:
        old_root, new_root = etree.fromstring(a.read(_BODY)), etree.fromstring(b.read(_BODY))
    plans: list[list[_Step]] = []
    for (old_rows, old_keys), (new_rows, new_keys) in zip(
        _schedules(old_root), _schedules(new_root), strict=False
    ):
        plan: list[_Step] = []
        matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            paired = i2 - i1 if tag == "equal" else 0
            if tag == "replace":
                # rows of other dates in the same place, with the same label (a payment
                # moved to another date): compared in place
                while paired < min(i2 - i1, j2 - j1) and _label(old_rows[i1 + paired]) == _label(
                    new_rows[j1 + paired]
                ):
                    paired += 1
            plan += [(None, None)] * paired
            plan += [(old_rows[i], None) for i in range(i1 + paired, i2)]
            plan += [(None, new_rows[j]) for j in range(j1 + paired, j2)]
        if all(step == (None, None) for step in plan):
            plan = []
        for one_side in plan:
            for row in one_side:
                if row is not None:
                    row.getparent().remove(row)
        plans.append(plan)
    if not any(plans):
        return old, new, []
    return _with_body(old, old_root), _with_body(new, new_root), plans


def _schedules(root: Any) -> list[tuple[list[Any], list[str]]]:
    """Each payment schedule of a document: its rows after the heading, and the key of each
    (its due date, or its label when it has none)."""
    out = []
    for table in root.iter(_W + "tbl"):
        rows = table.findall(_W + "tr")
        head = [" ".join(_text(c).split()) for c in rows[0].findall(_W + "tc")] if rows else []
        if DUE_DATE not in head:
            continue
        column = head.index(DUE_DATE)
        keys = []
        for row in rows[1:]:
            cells = [" ".join(_text(c).split()) for c in row.findall(_W + "tc")]
            date = cells[column] if column < len(cells) else ""
            keys.append(date or (cells[0] if cells else ""))
        out.append((rows[1:], keys))
    return out


def _label(row: Any) -> str:
    cell = row.find(_W + "tc")
    return " ".join(_text(cell).split()) if cell is not None else ""


def _rows_restored(redline: bytes, plans: list[list[_Step]], author: str, when: str) -> bytes:
    """The redline with the rows `_schedules_aligned` took out put back in their places, those
    of the old document as deleted rows and those of the new as inserted rows. A schedule whose
    rows the engine did not keep one for one is left as the engine wrote it."""
    if not plans:
        return redline
    with zipfile.ZipFile(io.BytesIO(redline)) as package:
        root = etree.fromstring(package.read(_BODY))
    tracked = _Tracked(author, when, root)
    for (rows, _), plan in zip(_schedules(root), plans, strict=False):
        kept = sum(1 for step in plan if step == (None, None))
        if not plan or len(rows) != kept or not rows:
            continue
        table = rows[0].getparent()
        at = table.index(rows[0])
        compared = iter(rows)
        for old_row, new_row in plan:
            if old_row is None and new_row is None:
                at = table.index(next(compared)) + 1
                continue
            row = copy.deepcopy(old_row if old_row is not None else new_row)
            _track_row(row, "del" if old_row is not None else "ins", tracked)
            table.insert(at, row)
            at += 1
    return _with_body(redline, root)


def _track_row(row: Any, change: str, tracked: _Tracked) -> None:
    """Mark `row` as inserted or deleted ("ins", "del") whole: the row itself, and each of its
    runs."""
    properties = row.find(_W + "trPr")
    if properties is None:
        properties = etree.Element(_W + "trPr")
        row.insert(1 if len(row) and row[0].tag == _W + "tblPrEx" else 0, properties)
    properties.append(tracked(change))
    for run in list(row.iter(_W + "r")):
        parent, at = run.getparent(), run.getparent().index(run)
        parent.insert(at, tracked.wrapped(change, run))


# -- notes compared note by note ------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BODY = "word/document.xml"
NOTE_HEADING_STYLE = "LOA Note Heading"
"""The style of a note's heading; a note's text is in the other styles named "LOA Note ..."."""


class _Aligned:
    """The two documents as the engine compares them, and the text of the markers."""

    def __init__(self, old: bytes, new: bytes, unmarked_old: bytes, mark: str) -> None:
        self.old, self.new, self.unmarked_old, self.mark = old, new, unmarked_old, mark


def _text(p: Any) -> str:
    return "".join(t.text or "" for t in p.iter(_W + "t", _W + "delText"))


def _note_styles(package: zipfile.ZipFile) -> tuple[str, set[str]]:
    """The style id of the note headings, and of the paragraphs of a note's text."""
    heading, text = "", set()
    try:
        styles = etree.fromstring(package.read("word/styles.xml"))
    except (KeyError, etree.XMLSyntaxError):
        return heading, text
    for style in styles.iter(_W + "style"):
        name = style.find(_W + "name")
        value = name.get(_W + "val", "") if name is not None else ""
        if value == NOTE_HEADING_STYLE:
            heading = style.get(_W + "styleId", "")
        elif value.startswith("LOA Note "):
            text.add(style.get(_W + "styleId", ""))
    return heading, text


def _notes(body: Any, heading: str, text: set[str]) -> list[list[Any]]:
    """The numbered notes of the notes section: for each, its heading paragraph and the
    paragraphs of its text that follow it."""
    notes: list[list[Any]] = []
    for child in body:
        style = child.find(f"{_W}pPr/{_W}pStyle") if child.tag == _W + "p" else None
        value = style.get(_W + "val") if style is not None else None
        if value == heading and child.find(f"{_W}pPr/{_W}numPr") is not None:
            notes.append([child])
        elif notes and value in text and notes[-1][-1].getnext() is child:
            notes[-1].append(child)
    return notes


def printed_paragraphs(docx: bytes) -> list[tuple[str, str]]:
    """The paragraphs a document prints in its body, in order (tables included, empty ones
    left out), each as (where, text): `where` is the heading of the note the paragraph belongs
    to, the heading's own paragraph included ("" outside the notes), its text with runs of
    spaces as one."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        heading, text = _note_styles(package)
        root = etree.fromstring(package.read(_BODY))
    body = root.find(_W + "body")
    if body is None:
        return []
    under: dict[Any, str] = {}
    if heading:
        for note in _notes(body, heading, text):
            title = " ".join(_text(note[0]).split())
            under.update((p, title) for p in note)
    out = []
    for p in body.iter(_W + "p"):
        words = " ".join(_text(p).split())
        if words:
            out.append((under.get(p, ""), words))
    return out


def _labels(notes: list[list[Any]]) -> list[tuple[str, int]]:
    """Each note's heading, and which of the notes with that heading it is."""
    seen: dict[str, int] = {}
    out = []
    for note in notes:
        heading = " ".join(_text(note[0]).split())
        seen[heading] = seen.get(heading, 0) + 1
        out.append((heading, seen[heading]))
    return out


def _mark(text: str) -> Any:
    p = etree.Element(_W + "p")
    etree.SubElement(etree.SubElement(p, _W + "r"), _W + "t").text = text
    return p


def _aligned(old: bytes, new: bytes, not_restated: set[str]) -> _Aligned:
    """`old` without its notes not restated, and both documents with a marker paragraph between
    notes, in the same order on both sides (see the module's docstring). Documents without
    numbered notes are left as they are (no markers)."""
    with zipfile.ZipFile(io.BytesIO(old)) as a, zipfile.ZipFile(io.BytesIO(new)) as b:
        heading, text = _note_styles(a)
        old_root, new_root = etree.fromstring(a.read(_BODY)), etree.fromstring(b.read(_BODY))
    old_body, new_body = old_root.find(_W + "body"), new_root.find(_W + "body")
    if not heading or old_body is None or new_body is None:
        return _Aligned(old, new, old, "")
    old_notes = _notes(old_body, heading, text)
    kept = [n for n in old_notes if " ".join(_text(n[0]).split()) in not_restated]
    for note in kept:
        for p in note:
            old_body.remove(p)
    old_notes = [n for n in old_notes if n not in kept]
    unmarked_old = _with_body(old, old_root) if kept else old
    new_notes = _notes(new_body, heading, text)
    if not old_notes or not new_notes:
        return _Aligned(unmarked_old, new, unmarked_old, "")

    # The notes of both in one order: those in both once, a note deleted before one inserted.
    merged: list[tuple[int | None, int | None]] = []
    matcher = difflib.SequenceMatcher(None, _labels(old_notes), _labels(new_notes), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            merged += zip(range(i1, i2), range(j1, j2), strict=True)
        else:
            merged += [(i, None) for i in range(i1, i2)] + [(None, j) for j in range(j1, j2)]
    mark = "loagen-note-" + hashlib.sha256(old + new).hexdigest()[:20] + "-"
    for side, notes in ((0, old_notes), (1, new_notes)):
        waiting: list[Any] = []
        for number, item in enumerate(merged):
            waiting.append(_mark(f"{mark}{number}"))
            if item[side] is not None:
                first = notes[item[side]][0]
                for m in waiting:
                    first.addprevious(m)
                waiting = []
        last = notes[-1][-1]
        for m in reversed([*waiting, _mark(f"{mark}{len(merged)}")]):
            last.addnext(m)
    return _Aligned(_with_body(old, old_root), _with_body(new, new_root), unmarked_old, mark)


def _without_marks(docx: bytes, mark: str) -> bytes | None:
    """The redline without the marker paragraphs; None when a marker shares its paragraph with
    other text (the engine joined them)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        root = etree.fromstring(package.read(_BODY))
    for p in list(root.iter(_W + "p")):
        found = _text(p)
        if mark not in found:
            continue
        if not re.fullmatch(re.escape(mark) + r"\d+", found):
            return None
        p.getparent().remove(p)
    return _with_body(docx, root)


def _with_body(docx: bytes, root: Any) -> bytes:
    """`docx` with its document.xml replaced by `root`'s."""
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        parts = [
            (info.filename, deflate(body if info.filename == _BODY else package.read(info)))
            for info in package.infolist()
        ]
    return zip_entries(parts)
