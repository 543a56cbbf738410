"""A built document as HTML: the DOCX's own paragraphs, runs and tables, read back from the file.

The preview shows what Word shows because it is read from the rendered DOCX (the file in
`build/`, or the bytes the pipeline renders for a document not built yet), not from the data the
template was given: the template's own words, the header and footer, every table cell. Only
what a reader sees is kept: paragraph styles (as CSS classes), bold, italic, underline, line
and page breaks, tabs, table cells with their spans, tracked insertions and deletions, and the
numbers of numbered paragraphs (the notes), worked out from word/numbering.xml as Word works
them out. Every piece of text is escaped; the XML is parsed with entities and DTDs off, like the
templates.

The package is read with `zipfile` and `lxml`, not python-docx: only the rendering layer
imports docx (tests/test_layers.py).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree
from markupsafe import Markup, escape

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_W = f"{{{W}}}"
_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
PREVIEW_LIMIT = 40 * 1024 * 1024
"""Largest document part read for a preview (bytes)."""


class PreviewError(Exception):
    """The bytes are not a Word document the preview can read."""


@dataclass(frozen=True)
class Preview:
    """A document as HTML: its header, body and footer."""

    header: Markup
    body: Markup
    footer: Markup
    draft: bool


def _w(name: str) -> str:
    return _W + name


def _val(element: etree._Element | None, attr: str = "val") -> str | None:
    if element is None:
        return None
    return element.get(_w(attr))


_CLASS = re.compile(r"[^A-Za-z0-9_-]")


def _style_class(style_id: str | None) -> str:
    return "s-" + _CLASS.sub("", style_id) if style_id else "s-Normal"


# -- list numbers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Level:
    """One level of a list: the number it starts at, its format and the text around it."""

    start: int = 1
    format: str = "decimal"
    text: str = "%1."


def _roman(n: int) -> str:
    out = []
    for value, letters in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def _letters(n: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa (Word repeats the letter)."""
    if n < 1:
        return str(n)
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, number_format: str) -> str:
    """`n` written in a Word list number format (w:numFmt)."""
    if number_format == "lowerLetter":
        return _letters(n)
    if number_format == "upperLetter":
        return _letters(n).upper()
    if number_format == "lowerRoman":
        return _roman(n) if n > 0 else str(n)
    if number_format == "upperRoman":
        return _roman(n).upper() if n > 0 else str(n)
    if number_format == "decimalZero":
        return f"{n:02d}"
    if number_format == "none":
        return ""
    return str(n)


class Numbering:
    """The numbers Word shows before numbered paragraphs, worked out as Word does while the
    paragraphs are read in document order: each list (an abstract numbering, or a numbering
    instance that restarts it) counts its own items; an item counts up its level and restarts
    the levels below it; `w:lvlText` ("%1.", "%1.%2") says how the number reads. A paragraph is
    numbered by its own `w:numPr` or by its style's (`basedOn` followed); `w:numId` 0 is none."""

    def __init__(self, numbering: bytes | None, styles: bytes | None) -> None:
        self.abstracts: dict[str, dict[int, _Level]] = {}
        self.instances: dict[str, tuple[str, dict[int, int]]] = {}
        self.style_numbers: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, list[int | None]] = {}
        if numbering:
            root = etree.fromstring(numbering, _PARSER)
            for abstract in root.findall(_w("abstractNum")):
                levels = {}
                for lvl in abstract.findall(_w("lvl")):
                    start = _val(lvl.find(_w("start")))
                    levels[int(lvl.get(_w("ilvl"), "0"))] = _Level(
                        start=int(start) if start and start.lstrip("-").isdigit() else 1,
                        format=_val(lvl.find(_w("numFmt"))) or "decimal",
                        text=_val(lvl.find(_w("lvlText"))) or "",
                    )
                self.abstracts[abstract.get(_w("abstractNumId"), "")] = levels
            for num in root.findall(_w("num")):
                starts = {}
                for override in num.findall(_w("lvlOverride")):
                    start = _val(override.find(_w("startOverride")))
                    if start and start.lstrip("-").isdigit():
                        starts[int(override.get(_w("ilvl"), "0"))] = int(start)
                abstract_id = _val(num.find(_w("abstractNumId"))) or ""
                self.instances[num.get(_w("numId"), "")] = (abstract_id, starts)
        if styles:
            self._style_numbers(etree.fromstring(styles, _PARSER))

    def _style_numbers(self, root: etree._Element) -> None:
        raw = {s.get(_w("styleId")): s for s in root.findall(_w("style"))}
        for style_id in raw:
            element, depth = raw.get(style_id), 0
            while element is not None and depth < 20:
                num_pr = element.find(f"{_w('pPr')}/{_w('numPr')}")
                if num_pr is not None:
                    num_id = _val(num_pr.find(_w("numId"))) or "0"
                    level = _val(num_pr.find(_w("ilvl"))) or "0"
                    self.style_numbers[style_id] = (num_id, int(level) if level.isdigit() else 0)
                    break
                parent = element.find(_w("basedOn"))
                element = raw.get(_val(parent)) if parent is not None else None
                depth += 1

    def fresh(self) -> Numbering:
        """The same lists, counted from the start (for another part of the document)."""
        copy = Numbering(None, None)
        copy.abstracts, copy.instances = self.abstracts, self.instances
        copy.style_numbers = self.style_numbers
        return copy

    def label(self, p: etree._Element) -> str | None:
        """The number paragraph `p` shows ("3."), counting it; None when it is not numbered."""
        ppr = p.find(_w("pPr"))
        found: tuple[str, int] | None = None
        if ppr is not None:
            num_pr = ppr.find(_w("numPr"))
            if num_pr is not None and num_pr.find(_w("numId")) is not None:
                level = _val(num_pr.find(_w("ilvl")))
                found = (
                    _val(num_pr.find(_w("numId"))) or "0",
                    int(level) if level and level.isdigit() else 0,
                )
            elif ppr.find(_w("pStyle")) is not None:
                found = self.style_numbers.get(_val(ppr.find(_w("pStyle"))) or "")
        if found is None or found[0] == "0" or found[0] not in self.instances:
            return None
        num_id, level = found
        abstract_id, starts = self.instances[num_id]
        levels = self.abstracts.get(abstract_id, {})
        if level not in levels or not 0 <= level < 9:
            return None
        # instances that do not restart a level continue their abstract numbering's count
        key = f"num:{num_id}" if starts else f"abstract:{abstract_id}"
        counters = self.counters.setdefault(key, [None] * 9)

        def start(i: int) -> int:
            return starts.get(i, levels[i].start if i in levels else 1)

        current = counters[level]
        counters[level] = start(level) if current is None else current + 1
        for deeper in range(level + 1, 9):
            counters[deeper] = None
        lvl = levels[level]
        if lvl.format == "bullet":
            return lvl.text
        text = lvl.text
        for i in range(level, -1, -1):
            value = counters[i] if counters[i] is not None else start(i)
            fmt = levels[i].format if i in levels else "decimal"
            text = text.replace(f"%{i + 1}", format_number(value, fmt))
        return text


class _Converter:
    """One part (body, header or footer) turned into HTML strings."""

    def __init__(
        self,
        style_names: dict[str, str],
        anchor: Callable[[str], str | None] | None,
        row_anchor: Callable[[str], str | None] | None,
        numbering: Numbering | None = None,
    ) -> None:
        self.style_names = style_names
        self.anchor = anchor
        self.row_anchor = row_anchor
        self.numbering = numbering
        self.out: list[str] = []

    # -- blocks --

    def blocks(self, parent: etree._Element) -> None:
        for child in parent:
            tag = child.tag
            if tag == _w("p"):
                self.paragraph(child)
            elif tag == _w("tbl"):
                self.table(child)
            elif tag == _w("sdt"):
                content = child.find(_w("sdtContent"))
                if content is not None:
                    self.blocks(content)

    def paragraph(self, p: etree._Element, *, in_cell: bool = False) -> None:
        ppr = p.find(_w("pPr"))
        style = _val(ppr.find(_w("pStyle"))) if ppr is not None else None
        if ppr is not None and ppr.find(_w("pageBreakBefore")) is not None and not in_cell:
            self.out.append('<hr class="page-break">')
        inner = self.runs(p)
        name = self.style_names.get(style or "", style or "")
        element = _element_for(name)
        attrs = f' class="{_style_class(style)}"'
        text = _plain_text(p)
        label = self.numbering.label(p) if self.numbering is not None else None
        if label:
            inner = (
                f'<span class="list-number">{escape(label)}</span><span class="tab"> </span>{inner}'
            )
            text = f"{label} {text}"
        if self.anchor is not None and not in_cell:
            anchor = self.anchor(text)
            if anchor:
                attrs += f' id="{escape(anchor)}"'
        if not inner.strip():
            inner = "&#8203;" if not in_cell else ""
        self.out.append(f"<{element}{attrs}>{inner}</{element}>")

    def runs(self, parent: etree._Element) -> str:
        out: list[str] = []
        for child in parent:
            tag = child.tag
            if tag == _w("r"):
                out.append(self.run(child))
            elif tag in (_w("hyperlink"), _w("smartTag"), _w("fldSimple")):
                out.append(self.runs(child))
            elif tag == _w("sdt"):
                content = child.find(_w("sdtContent"))
                if content is not None:
                    out.append(self.runs(content))
            elif tag == _w("ins"):
                out.append(f"<ins>{self.runs(child)}</ins>")
            elif tag == _w("del"):
                out.append(f"<del>{self.runs(child)}</del>")
        return "".join(out)

    def run(self, r: etree._Element) -> str:
        rpr = r.find(_w("rPr"))
        pieces: list[str] = []
        for child in r:
            tag = child.tag
            if tag in (_w("t"), _w("delText")):
                pieces.append(str(escape(child.text or "")))
            elif tag == _w("tab"):
                pieces.append('<span class="tab"> </span>')
            elif tag in (_w("br"), _w("cr")):
                if _val(child, "type") == "page":
                    pieces.append('<span class="page-break-inline"></span>')
                else:
                    pieces.append("<br>")
            elif tag == _w("noBreakHyphen"):
                pieces.append("&#8209;")
        text = "".join(pieces)
        if not text or rpr is None:
            return text
        if _on(rpr.find(_w("b"))):
            text = f"<strong>{text}</strong>"
        if _on(rpr.find(_w("i"))):
            text = f"<em>{text}</em>"
        underline = rpr.find(_w("u"))
        if underline is not None and _val(underline) not in ("none", None):
            text = f'<span class="u">{text}</span>'
        if _on(rpr.find(_w("strike"))) or _on(rpr.find(_w("dstrike"))):
            text = f"<s>{text}</s>"
        if _on(rpr.find(_w("caps"))):
            text = f'<span class="caps">{text}</span>'
        if _val(rpr.find(_w("color"))) not in (None, "auto", "000000"):
            text = f'<span class="tinted">{text}</span>'  # e.g. a previous value, in grey
        align = _val(rpr.find(_w("vertAlign")))
        if align == "superscript":
            text = f"<sup>{text}</sup>"
        elif align == "subscript":
            text = f"<sub>{text}</sub>"
        return text

    # -- tables --

    def table(self, tbl: etree._Element) -> None:
        grid = [int(_val(c, "w") or 0) for c in tbl.findall(f"{_w('tblGrid')}/{_w('gridCol')}")]
        total = sum(grid) or 1
        rows = tbl.findall(_w("tr"))
        # Vertically merged cells: count the rows each "restart" spans.
        layout: list[list[tuple[etree._Element, int, str | None]]] = []
        for tr in rows:
            cells = []
            column = 0
            for tc in tr.findall(_w("tc")):
                tcpr = tc.find(_w("tcPr"))
                span = int(_val(tcpr.find(_w("gridSpan"))) or 1) if tcpr is not None else 1
                merge = tcpr.find(_w("vMerge")) if tcpr is not None else None
                state = None
                if merge is not None:
                    state = "restart" if _val(merge) == "restart" else "continue"
                cells.append((tc, span, state, column))
                column += span
            layout.append(cells)  # type: ignore[arg-type]
        rowspans: dict[tuple[int, int], int] = {}
        for r, cells in enumerate(layout):
            for _tc, _span, state, column in cells:  # type: ignore[misc]
                if state == "restart":
                    n = 1
                    for later in layout[r + 1 :]:
                        if any(c[3] == column and c[2] == "continue" for c in later):  # type: ignore[misc]
                            n += 1
                        else:
                            break
                    rowspans[(r, column)] = n
        self.out.append('<table class="doc-table">')
        if grid:
            self.out.append("<colgroup>")
            for width in grid:
                self.out.append(f'<col width="{width * 100 / total:.1f}%">')
            self.out.append("</colgroup>")
        for r, (tr, cells) in enumerate(zip(rows, layout, strict=True)):
            trpr = tr.find(_w("trPr"))
            header = trpr is not None and trpr.find(_w("tblHeader")) is not None
            cell_tag = "th" if header else "td"
            attrs = ' class="header-row"' if header else ""
            if self.row_anchor is not None and cells and not header:
                first = _plain_text(cells[0][0]).strip()  # type: ignore[index]
                anchor = self.row_anchor(first)
                if anchor:
                    attrs += f' id="{escape(anchor)}"'
            self.out.append(f"<tr{attrs}>")
            for tc, span, state, column in cells:  # type: ignore[misc]
                if state == "continue":
                    continue
                extra = f' colspan="{span}"' if span > 1 else ""
                if (r, column) in rowspans and rowspans[(r, column)] > 1:
                    extra += f' rowspan="{rowspans[(r, column)]}"'
                self.out.append(f"<{cell_tag}{extra}>")
                for child in tc:
                    if child.tag == _w("p"):
                        self.paragraph(child, in_cell=True)
                    elif child.tag == _w("tbl"):
                        self.table(child)
                self.out.append(f"</{cell_tag}>")
            self.out.append("</tr>")
        self.out.append("</table>")


def _on(element: etree._Element | None) -> bool:
    """A toggle property (<w:b/>, <w:b w:val="0"/>) is on."""
    if element is None:
        return False
    return _val(element) not in ("0", "false", "off")


def _element_for(style_name: str) -> str:
    lowered = style_name.lower()
    if "subtitle" in lowered:
        return "p"
    if "title" in lowered:
        return "h1"
    if "note heading" in lowered:
        return "h3"
    if "heading" in lowered and "table" not in lowered:
        return "h2"
    return "p"


def _plain_text(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(_w("t")))


def _style_names(styles: bytes | None) -> dict[str, str]:
    if not styles:
        return {}
    root = etree.fromstring(styles, _PARSER)
    names = {}
    for style in root.findall(_w("style")):
        name = style.find(_w("name"))
        style_id = style.get(_w("styleId"))
        if style_id and name is not None:
            names[style_id] = name.get(_w("val")) or style_id
    return names


def _part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > PREVIEW_LIMIT:
        raise PreviewError(f"part {name} is too large to preview")
    return archive.read(info)


def _related(archive: zipfile.ZipFile, body: etree._Element, kind: str) -> list[str]:
    """The part names of the headers or footers the document's sections refer to, in order."""
    rels = _part(archive, "word/_rels/document.xml.rels")
    if rels is None:
        return []
    targets = {}
    for rel in etree.fromstring(rels, _PARSER):
        targets[rel.get("Id")] = rel.get("Target", "")
    names: list[str] = []
    for ref in body.iter(_w(f"{kind}Reference")):
        if ref.get(_w("type"), "default") != "default":
            continue
        target = targets.get(ref.get(f"{{{R}}}id"))
        if target:
            name = "word/" + target.lstrip("/").removeprefix("word/")
            if name not in names:
                names.append(name)
    return names


def docx_to_html(
    docx: bytes,
    *,
    anchor: Callable[[str], str | None] | None = None,
    row_anchor: Callable[[str], str | None] | None = None,
) -> Preview:
    """The document as HTML. `anchor(text)` may give a paragraph of the body an id (e.g. a
    note's heading), `row_anchor(first cell text)` a table row (e.g. a line)."""
    archive, root, styles, numbering = _opened(docx)
    try:
        names = _style_names(styles)
    except etree.XMLSyntaxError as exc:
        raise PreviewError(f"the document's XML cannot be read: {exc}") from None
    body = root.find(_w("body"))
    if body is None:
        raise PreviewError("the document has no body")
    parts = {}
    draft = False
    for kind in ("header", "footer"):
        converter = _Converter(names, None, None, numbering.fresh())
        for name in _related(archive, body, kind):
            data = _part(archive, name)
            if data is None:
                continue
            try:
                part_root = etree.fromstring(data, _PARSER)
            except etree.XMLSyntaxError:
                continue
            if kind == "header" and "DRAFT" in _plain_text(part_root).upper():
                draft = True
            converter.blocks(part_root)
        parts[kind] = Markup("".join(converter.out))
    converter = _Converter(names, anchor, row_anchor, numbering.fresh())
    converter.blocks(body)
    return Preview(parts["header"], Markup("".join(converter.out)), parts["footer"], draft)


def _opened(
    docx: bytes,
) -> tuple[zipfile.ZipFile, etree._Element, bytes | None, Numbering]:
    """The package of a DOCX, its document's XML, its styles part and its list numbering;
    PreviewError when it is not a Word document or its XML cannot be read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(docx))
        document = _part(archive, "word/document.xml")
        styles = _part(archive, "word/styles.xml")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise PreviewError(f"not a Word document: {exc}") from None
    if document is None:
        raise PreviewError("not a Word document: it has no word/document.xml")
    try:
        root = etree.fromstring(document, _PARSER)
        numbering = Numbering(_part(archive, "word/numbering.xml"), styles)
    except etree.XMLSyntaxError as exc:
        raise PreviewError(f"the document's XML cannot be read: {exc}") from None
    return archive, root, styles, numbering


def document_text(docx: bytes) -> list[str]:
    """The text of each body paragraph (table cells included), in order, a numbered paragraph
    with its number ("3. Title"): to compare two renderings of a document in words."""
    _, root, _, numbering = _opened(docx)
    out = []
    for p in root.iter(_w("p")):
        label = numbering.label(p)
        pieces = [f"{label} "] if label else []
        for node in p.iter(_w("t"), _w("tab"), _w("br")):
            pieces.append(node.text or "" if node.tag == _w("t") else " ")
        text = "".join(pieces).strip()
        if text:
            out.append(text)
    return out
