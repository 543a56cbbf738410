"""A built document as HTML: the DOCX's own paragraphs, runs and tables, read back from the file.

The preview shows what Word shows because it is read from the rendered DOCX (the file in
`build/`, or the bytes the pipeline renders for a document not built yet), not from the data the
template was given: the template's own words, the header and footer, every table cell. Only
what a reader sees is kept: paragraph styles (as CSS classes), bold, italic, underline, line
and page breaks, tabs, table cells with their spans, tracked insertions and deletions. Every
piece of text is escaped; the XML is parsed with entities and DTDs off, like the templates.

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


class _Converter:
    """One part (body, header or footer) turned into HTML strings."""

    def __init__(
        self,
        style_names: dict[str, str],
        anchor: Callable[[str], str | None] | None,
        row_anchor: Callable[[str], str | None] | None,
    ) -> None:
        self.style_names = style_names
        self.anchor = anchor
        self.row_anchor = row_anchor
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
        names = _style_names(styles)
    except etree.XMLSyntaxError as exc:
        raise PreviewError(f"the document's XML cannot be read: {exc}") from None
    body = root.find(_w("body"))
    if body is None:
        raise PreviewError("the document has no body")
    parts = {}
    draft = False
    for kind in ("header", "footer"):
        converter = _Converter(names, None, None)
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
    converter = _Converter(names, anchor, row_anchor)
    converter.blocks(body)
    return Preview(parts["header"], Markup("".join(converter.out)), parts["footer"], draft)


def document_text(docx: bytes) -> list[str]:
    """The text of each body paragraph (table cells included), in order: to compare two
    renderings of a document in words."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(docx))
        document = _part(archive, "word/document.xml")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise PreviewError(f"not a Word document: {exc}") from None
    if document is None:
        raise PreviewError("not a Word document: it has no word/document.xml")
    root = etree.fromstring(document, _PARSER)
    out = []
    for p in root.iter(_w("p")):
        pieces = []
        for node in p.iter(_w("t"), _w("tab"), _w("br")):
            pieces.append(node.text or "" if node.tag == _w("t") else " ")
        text = "".join(pieces).strip()
        if text:
            out.append(text)
    return out
