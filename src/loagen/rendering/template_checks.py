"""The layout rules a Word template must keep, checked after policy staff edit it in Word.

`check_template` reads a compiled template (its XML, not a rendered document) and says, in
words for someone with the template open in Word, what an edit broke: a style loagen writes or
the template names is missing; a table of repeating rows whose first row does not repeat at the
top of each page; a row that may break across pages; a table wider than the text; note headings
numbered as typed text instead of by Word numbering; a part copied into every document that
nothing uses; a part of the LOA the template no longer prints (the estimated cost, the lines,
the notes ...: `REQUIRED_CONTENT`; a tag deleted in Word renders as nothing, silently). It
raises nothing: every problem is a string naming the template. (A template
whose tags do not compile, that declares a DTD or entities, or lacks a note style never gets
here: loading it fails with that reason, see `templates.compile_template`.)
"""

from __future__ import annotations

import posixpath
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateError
from lxml import etree

from .templates import REQUIRED_STYLES, TEMPLATE_NAMES, CompiledTemplate

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"

TWIPS_PER_INCH = 1440
WIDTH_TOLERANCE = 15
"""Twips a table may pass the text width by (Word's own rounding of column widths)."""
UNUSED_PART_LIMIT = 4 * 1024
"""A part nothing uses is reported from this size (bytes): small leftovers are harmless."""
UNUSED_STYLES_LIMIT = 32 * 1024
"""Styles no paragraph, table or list uses are reported when they take this many bytes."""
HUGE_PART_LIMIT = 1024 * 1024
"""A picture or other part this large is copied into every document: reported."""
UNUSED_KINDS = {
    "word/stylesWithEffects.xml": (
        "is a Word 2010 copy of the styles that no current Word or LibreOffice reads"
    ),
}
"""Parts a template needs no more, though a relationship names them, and why."""
THUMBNAIL = re.compile(r"^docProps/thumbnail\.\w+$")

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, recover=True, huge_tree=True
)
_NOTE_LOOP = re.compile(r"{%-?\s*for\s+(\w+)\s+in\s+notes\s*-?%}")
_FOR = re.compile(r"{%-?\s*for\b")
_LOOP_TAG = re.compile(r"{%-?\s*(for|endfor)\b")


def check_template(template: CompiledTemplate) -> list[str]:
    """Every layout rule `template` breaks, one plain sentence each (an empty list: none)."""
    parts = _Parts(template)
    styles = _Styles(parts.xml("word/styles.xml"))
    problems = [
        f"{template.path}: {problem}"
        for problem in (
            *missing_content(template),
            *_missing_styles(styles, parts, REQUIRED_STYLES),
            *_table_problems(parts, styles),
            *_note_numbering(parts, styles),
            *_unused_parts(parts, styles, REQUIRED_STYLES),
        )
    ]
    return problems


# -- what every LOA prints --------------------------------------------------------------------------


@dataclass(frozen=True)
class Required:
    """A part of the LOA a template must print: what its tag prints (or loops over), the part
    in a policy officer's words, the tag as typed in Word, the document kinds that print it
    (empty: every kind), and the loop it must sit in, as typed in Word (empty: none).

    `name` is a path through the context: a plain name (`estimated_cost`, printed by any tag
    that uses it), an attribute (`case.case_id`), and `[]` for each item of a loop, so
    `notes[].body` is the `body` of the loop variable of a loop over `notes`, whatever that
    variable is called, and `terms_and_conditions[].paragraphs[]` an item of a loop over the
    `paragraphs` of each item of a loop over `terms_and_conditions`."""

    name: str
    what: str
    tag: str
    kinds: tuple[str, ...] = ()
    inside: str = ""


REQUIRED_CONTENT = (
    Required("case", "case identifier", "{{ case.case_id }}"),
    Required("purchaser_reference", "purchaser's reference", "{{ purchaser_reference }}"),
    Required("case_description", "case description", "{{ case_description }}"),
    Required("state_description", "state description", "{{ state_description }}"),
    Required("estimated_cost", "estimated cost", "{{ estimated_cost }}"),
    Required("initial_deposit", "initial deposit", "{{ initial_deposit }}"),
    Required("terms_of_sale", "terms of sale", "{%p for term in terms_of_sale %}"),
    Required(
        "terms_of_sale[]",
        "text of the terms of sale (only their bullets)",
        "{{ term }}",
        inside="{%p for term in terms_of_sale %}",
    ),
    Required(
        "offer_expiration_date",
        "offer expiration date",
        "{{ offer_expiration_date }}",
        ("Basic", "Amendment"),  # a Modification is not accepted: it has no offer to expire
    ),
    Required("lines", "lines (the items offered)", "{%tr for row in lines %}"),
    Required("cost_rows", "estimated cost summary", "{%tr for row in cost_rows %}"),
    Required(
        "surcharge_note",
        "note under the cost summary on the surcharges",
        "{{ surcharge_note }}",
    ),
    Required("schedule", "payment schedule", "{%tr for row in schedule %}"),
    Required(
        "schedule_reason",
        "reason a document has no payment schedule",
        "{{ schedule_reason }}",
    ),
    Required(
        "schedule_notes",
        "notes placed with the payment schedule",
        "{%p for note in schedule_notes %}",
    ),
    Required(
        "schedule_notes[].heading",
        "headings of the notes placed with the payment schedule",
        "{{ note.heading }}",
        inside="{%p for note in schedule_notes %}",
    ),
    Required(
        "schedule_notes[].body",
        "text of the notes placed with the payment schedule (only their headings)",
        "{{p note.body }}",
        inside="{%p for note in schedule_notes %}",
    ),
    Required("notes", "notes", "{%p for note in notes %}"),
    Required(
        "notes[].body",
        "text of the notes (only their headings)",
        "{{p note.body }}",
        inside="{%p for note in notes %}",
    ),
    Required(
        "terms_and_conditions",
        "Standard Terms and Conditions",
        "{%p for section in terms_and_conditions %}",
    ),
    Required(
        "terms_and_conditions[].heading",
        "section headings of the Standard Terms and Conditions",
        "{{ section.heading }}",
        inside="{%p for section in terms_and_conditions %}",
    ),
    Required(
        "terms_and_conditions[].paragraphs",
        "text of the Standard Terms and Conditions (only their section headings)",
        "{%p for text in section.paragraphs %}",
        inside="{%p for section in terms_and_conditions %}",
    ),
    Required(
        "terms_and_conditions[].paragraphs[]",
        "text of the Standard Terms and Conditions (only their section headings)",
        "{{ text }}",
        inside="{%p for text in section.paragraphs %}",
    ),
    Required(
        "code_tables",
        "tables of the codes the lines use",
        "{%p for table in code_tables %}",
    ),
    Required(
        "code_tables[].title",
        "titles of the code tables",
        "{{ table.title }}",
        inside="{%p for table in code_tables %}",
    ),
)
"""What every LOA prints (SAMM's anatomy of an LOA, `domain/loa-facts.md` section 1, as the
templates loagen ships print it), checked on every template of the kinds named."""

_LOOPS = {item.name for item in REQUIRED_CONTENT}
"""The loops a part must sit in that are themselves required (said once, when they are gone)."""

_PARSING = Environment()
"""Parses the tags only (nothing is rendered with it)."""


def _printed_names(template: CompiledTemplate) -> set[str]:
    """The paths (as `Required.name` writes them) the `{{ }}` outputs of the template print
    from, and the `{% for %}` loops loop over, each loop variable read as an item of its loop."""
    found: set[str] = set()
    for source in template.sources.values():
        try:
            tree = _PARSING.parse(source)
        except TemplateError:
            continue  # the template compiled, so this does not happen
        _collect(tree, {}, found)
    return found


def _collect(node: nodes.Node, scope: dict[str, str], found: set[str]) -> None:
    """Add to `found` the paths printed or looped over under `node`; `scope` maps each loop
    variable in force to the path of its loop's items."""
    if isinstance(node, nodes.For):
        found |= _paths(node.iter, scope)
        inner = dict(scope)
        target = _path(node.iter, scope)
        if isinstance(node.target, nodes.Name) and target is not None:
            inner[node.target.name] = target + "[]"
        for child in node.body:
            _collect(child, inner, found)
        for child in (*node.else_, *([node.test] if node.test else [])):
            _collect(child, scope, found)
        return
    if isinstance(node, nodes.Output):
        for child in node.nodes:
            if not isinstance(child, nodes.TemplateData):
                found |= _paths(child, scope)
        return
    for child in node.iter_child_nodes():
        _collect(child, scope, found)


def _path(expression: nodes.Node, scope: dict[str, str]) -> str | None:
    """`expression` as a path (`notes[].body`) when it is a name or attributes of one."""
    if isinstance(expression, nodes.Name):
        return scope.get(expression.name, expression.name)
    if isinstance(expression, nodes.Getattr):
        base = _path(expression.node, scope)
        return f"{base}.{expression.attr}" if base is not None else None
    return None


def _paths(expression: nodes.Node, scope: dict[str, str]) -> set[str]:
    """Every path `expression` reads (a filter's argument, either side of an `if` ...)."""
    whole = _path(expression, scope)
    if whole is not None:
        return {whole}
    out: set[str] = set()
    for child in expression.iter_child_nodes():
        out |= _paths(child, scope)
    return out


def _prints(printed: set[str], name: str) -> bool:
    """A path of `printed` is `name` or a part of it (`case.case_id` prints from `case`)."""
    return any(p == name or p.startswith((name + ".", name + "[")) for p in printed)


def missing_content(template: CompiledTemplate, kind: str | None = None) -> list[str]:
    """A sentence for each part of the LOA `template` (of document `kind`; by default the kind
    its file name says, every kind's parts for another name) no longer prints. A part printed
    inside a loop whose loop is gone is not named again: the loop's own sentence says it."""
    if kind is None:
        kind = next((k for k, n in TEMPLATE_NAMES.items() if n == template.path.name), None)
    printed = _printed_names(template)
    problems = []
    for item in REQUIRED_CONTENT:
        if item.kinds and kind not in item.kinds:
            continue
        loop = item.name.rsplit("[]", 1)[0] if "[]" in item.name else ""
        if _prints(printed, item.name) or (loop in _LOOPS and not _prints(printed, loop)):
            continue
        where = f" inside {item.inside}" if item.inside else ""
        problems.append(
            f"the document prints no {item.what}: the {item.tag} tag{where} is gone; type it "
            "back in Word where that part of the LOA was (as in the template loagen ships)"
        )
    return problems


# -- the parts of the template ----------------------------------------------------------------------


class _Parts:
    """The XML of a compiled template: the parts with tags as docxtpl prepared them (tags left
    as text between elements), the others inflated when asked for."""

    def __init__(self, template: CompiledTemplate) -> None:
        self.template = template
        self.names = list(template.order)
        self._parsed: dict[str, etree._Element | None] = {}

    def size(self, name: str) -> int:
        if name in self.template.sources:
            return len(self.template.sources[name].encode())
        entry = self.template.static.get(name)
        return entry.size if entry is not None else 0

    def raw(self, name: str) -> bytes | None:
        if name in self.template.sources:
            return self.template.sources[name].encode()
        if name == "word/styles.xml" and self.template.styles_xml:
            return self.template.styles_xml
        entry = self.template.static.get(name)
        if entry is None:
            return None
        try:
            return zlib.decompress(entry.data, -15)
        except zlib.error:
            return None

    def xml(self, name: str) -> etree._Element | None:
        if name not in self._parsed:
            data = self.raw(name)
            root = None
            if data:
                try:
                    root = etree.fromstring(data, _PARSER)
                except etree.XMLSyntaxError:
                    root = None
            self._parsed[name] = root
        return self._parsed[name]

    def content(self) -> Iterator[tuple[str, etree._Element]]:
        """The document, its headers and footers, parsed."""
        for name in self.names:
            if re.match(r"^word/(document|header\d*|footer\d*)\.xml$", name):
                root = self.xml(name)
                if root is not None:
                    yield name, root


# -- styles -----------------------------------------------------------------------------------------


class _Styles:
    """The styles of word/styles.xml by id, with their names."""

    def __init__(self, root: etree._Element | None) -> None:
        self.by_id: dict[str, etree._Element] = {}
        self.names: dict[str, str] = {}
        if root is None:
            return
        for style in root.iter(_W + "style"):
            style_id = style.get(_W + "styleId")
            if style_id is None:
                continue
            self.by_id[style_id] = style
            name = style.find(_W + "name")
            self.names[style_id] = name.get(_W + "val", style_id) if name is not None else style_id

    def id_of(self, name: str) -> str | None:
        return next((i for i, n in self.names.items() if n == name), None)

    def name(self, style_id: str) -> str:
        return self.names.get(style_id, style_id)

    def chain(self, style_id: str) -> Iterator[etree._Element]:
        """The style and the styles it is based on, nearest first."""
        seen: set[str] = set()
        while style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            style = self.by_id[style_id]
            yield style
            based = style.find(_W + "basedOn")
            if based is None:
                return
            style_id = based.get(_W + "val", "")

    def related(self, style_id: str) -> set[str]:
        """The ids a style needs with it: the styles it is based on, links to and is followed by."""
        out = set()
        for style in self.chain(style_id):
            out.add(style.get(_W + "styleId"))
            for tag in ("link", "next"):
                el = style.find(_W + tag)
                if el is not None and el.get(_W + "val") in self.by_id:
                    out.add(el.get(_W + "val"))
        return out


_STYLE_REFS = ("pStyle", "rStyle", "tblStyle", "numStyleLink", "styleLink")


def _style_refs(root: etree._Element) -> set[str]:
    out = set()
    for tag in _STYLE_REFS:
        for el in root.iter(_W + tag):
            value = el.get(_W + "val")
            if value:
                out.add(value)
    return out


def _missing_styles(styles: _Styles, parts: _Parts, required: tuple[str, ...]) -> list[str]:
    problems = []
    lacking = [name for name in required if styles.id_of(name) is None]
    if lacking:
        problems.append(
            f"the style(s) {', '.join(lacking)} that loagen writes notes in are missing: add "
            "them in Word (Styles pane, New Style) with those exact names"
        )
    for name, root in parts.content():
        unknown = sorted(_style_refs(root) - styles.by_id.keys())
        if unknown:
            problems.append(
                f"{name} uses the style(s) {', '.join(unknown)}, which the template does not "
                "define (Word shows that text as Normal): create them again in the Styles pane, "
                "or apply an existing style to that text"
            )
    return problems


# -- tables -----------------------------------------------------------------------------------------


def _int(value: str | None, default: int = 0) -> int:
    """A measurement of the XML as a number (`default` when it is missing or not a number)."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _text(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(_W + "t"))


def _on(element: etree._Element | None) -> bool:
    """A Word on/off property is on (present, and not set to false/0/off)."""
    return element is not None and element.get(_W + "val", "true") not in ("false", "0", "off")


def _section_widths(body: etree._Element) -> list[tuple[etree._Element | None, int]]:
    """(the last top-level element of each section, its text width in twips), in order; the
    body's own sectPr closes the last section."""
    out: list[tuple[etree._Element | None, int]] = []
    for child in body:
        sect = child.find(f"{_W}pPr/{_W}sectPr") if child.tag == _W + "p" else None
        if child.tag == _W + "sectPr":
            sect = child
        if sect is not None:
            out.append((child, _text_width(sect)))
    return out


def _text_width(sect: etree._Element) -> int:
    size, margins = sect.find(_W + "pgSz"), sect.find(_W + "pgMar")
    width = _int(size.get(_W + "w"), 12240) if size is not None else 12240
    left = _int(margins.get(_W + "left"), 1440) if margins is not None else 1440
    right = _int(margins.get(_W + "right"), 1440) if margins is not None else 1440
    return width - left - right


def _inches(twips: int) -> str:
    return f"{twips / TWIPS_PER_INCH:.2f}".rstrip("0").rstrip(".")


def _describe(table: etree._Element, number: int, part: str) -> str:
    rows = table.findall(_W + "tr")
    head = " | ".join(
        " ".join(_text(cell).split())[:24] for cell in rows[0].findall(_W + "tc")
    ) if rows else ""  # fmt: skip
    head = re.sub(r"{[{%].*?[%}]}", "...", head)
    where = "" if part == "word/document.xml" else f" of {part}"
    return f"table {number}{where} ({head[:70]})" if head.strip(" |") else f"table {number}{where}"


def _table_problems(parts: _Parts, styles: _Styles) -> list[str]:
    problems = []
    for part, root in parts.content():
        body = root.find(_W + "body")
        container = body if body is not None else root
        sections = _section_widths(container) if body is not None else []
        default_width = sections[-1][1] if sections else 12240 - 2 * 1440
        if body is None:  # a header or footer: the document's text width
            document = parts.xml("word/document.xml")
            doc_body = document.find(_W + "body") if document is not None else None
            found = _section_widths(doc_body) if doc_body is not None else []
            default_width = found[-1][1] if found else default_width
        number = 0
        section = 0
        for child in container:
            if child.tag == _W + "tbl":
                number += 1
                while section < len(sections) - 1 and _before(sections[section][0], child):
                    section += 1
                width = sections[section][1] if sections else default_width
                problems.extend(_table(child, number, part, width, styles))
    return problems


def _before(marker: etree._Element | None, element: etree._Element) -> bool:
    """`marker` (the end of a section) comes before `element` in the body."""
    if marker is None:
        return False
    parent = element.getparent()
    return parent is not None and parent.index(marker) < parent.index(element)


def _table(
    table: etree._Element, number: int, part: str, text_width: int, styles: _Styles
) -> list[str]:
    problems = []
    name = _describe(table, number, part)
    rows = table.findall(_W + "tr")
    if not rows:
        return problems
    # rows made by a loop ({%tr for ... %}) or a heading row: the first row must repeat
    between = "".join((el.tail or "") for el in table) + (table.text or "")
    repeats = bool(_FOR.search(between))
    first = rows[0]
    header = _on(first.find(f"{_W}trPr/{_W}tblHeader"))
    heading_styled = all(
        "heading" in styles.name(ps.get(_W + "val", "")).lower() for ps in first.iter(_W + "pStyle")
    ) and any(True for _ in first.iter(_W + "pStyle"))
    if (repeats or (heading_styled and len(rows) > 1)) and not header:
        problems.append(
            f"{name}: its first row is not repeated at the top of each page; select that row "
            "and tick Table Properties > Row > 'Repeat as header row at the top of each page'"
        )
    splitting = [
        str(i) for i, row in enumerate(rows, 1) if not _on(row.find(f"{_W}trPr/{_W}cantSplit"))
    ]
    if splitting:
        which = "its rows" if len(splitting) == len(rows) else f"row(s) {', '.join(splitting)}"
        problems.append(
            f"{name}: {which} may break across pages; select the whole table and untick "
            "Table Properties > Row > 'Allow row to break across pages'"
        )
    grid = [_int(col.get(_W + "w")) for col in table.iterfind(f"{_W}tblGrid/{_W}gridCol")]
    width = sum(grid)
    tblw = table.find(f"{_W}tblPr/{_W}tblW")
    if tblw is not None and tblw.get(_W + "type") == "dxa":
        width = max(width, _int(tblw.get(_W + "w")))
    indent = table.find(f"{_W}tblPr/{_W}tblInd")
    if indent is not None and indent.get(_W + "type", "dxa") == "dxa":
        width += max(0, _int(indent.get(_W + "w")))
    if width > text_width + WIDTH_TOLERANCE:
        problems.append(
            f"{name}: it is {_inches(width)} inches wide, wider than the {_inches(text_width)} "
            "inches between the margins, so it runs past the right margin; narrow its columns "
            "(Table Properties > Table > Preferred width, or drag the column borders)"
        )
    return problems


# -- note numbering ---------------------------------------------------------------------------------


def _note_numbering(parts: _Parts, styles: _Styles) -> list[str]:
    source = parts.template.sources.get("word/document.xml", "")
    loop = _NOTE_LOOP.search(source)
    if loop is None:
        return []  # said by `missing_content`: the document prints no notes
    end = _loop_end(source, loop.end())
    var = re.escape(loop.group(1))
    heading = re.compile(r"{{-?\s*" + var + r"\.(heading|title)\b")
    root = etree.fromstring(
        f'<w:x xmlns:w="{W}">{source[loop.end() : end]}</w:x>'.encode(), _PARSER
    )
    if root is None:
        return []
    numbering = parts.xml("word/numbering.xml")
    for para in root.iter(_W + "p"):
        if not heading.search(_text(para)):
            continue
        ppr = para.find(_W + "pPr")
        num = ppr.find(_W + "numPr") if ppr is not None else None
        style_id = ""
        if ppr is not None and ppr.find(_W + "pStyle") is not None:
            style_id = ppr.find(_W + "pStyle").get(_W + "val", "")
        if num is None:
            num = next(
                (
                    s.find(f"{_W}pPr/{_W}numPr")
                    for s in styles.chain(style_id)
                    if s.find(f"{_W}pPr/{_W}numPr") is not None
                ),
                None,
            )
        style = styles.name(style_id) if style_id else "Normal"
        if num is None:
            return [
                f"the note headings (style {style}) are not numbered by Word: their numbers "
                "would be typed text, which a redline shows as edits when a note is added; "
                f"give the style {style} a numbered list (Modify Style > Format > Numbering) "
                "and print {{ note.heading }} in it"
            ]
        problem = _numbering_problem(num, numbering, style)
        return [problem] if problem else []
    return [
        "the note loop prints no note heading ({{ note.heading }}) in a paragraph of its own; "
        "put it back as the first paragraph inside {%p for note in notes %}"
    ]


def _loop_end(source: str, start: int) -> int:
    depth = 1
    for m in _LOOP_TAG.finditer(source, start):
        depth += 1 if m.group(1) == "for" else -1
        if depth == 0:
            return m.start()
    return len(source)


def _numbering_problem(
    num: etree._Element, numbering: etree._Element | None, style: str
) -> str | None:
    """What is wrong with the Word numbering `num` (a w:numPr) of the note headings."""
    num_id_el = num.find(_W + "numId")
    num_id = num_id_el.get(_W + "val", "0") if num_id_el is not None else "0"
    ilvl_el = num.find(_W + "ilvl")
    level = ilvl_el.get(_W + "val", "0") if ilvl_el is not None else "0"
    fix = f"give the style {style} a numbered list again (Modify Style > Format > Numbering)"
    if num_id == "0":
        return f"the numbering of the note headings (style {style}) is switched off; {fix}"
    if numbering is None:
        return f"the note headings (style {style}) name a list the template does not hold; {fix}"
    instance = next((n for n in numbering.iter(_W + "num") if n.get(_W + "numId") == num_id), None)
    if instance is None:
        return f"the note headings (style {style}) name list {num_id}, which is missing; {fix}"
    abstract_el = instance.find(_W + "abstractNumId")
    abstract_id = abstract_el.get(_W + "val") if abstract_el is not None else None
    abstract = next(
        (
            a
            for a in numbering.iter(_W + "abstractNum")
            if a.get(_W + "abstractNumId") == abstract_id
        ),
        None,
    )
    if abstract is None:
        return f"the note headings (style {style}) name a list whose definition is missing; {fix}"
    lvl = next((lv for lv in abstract.iter(_W + "lvl") if lv.get(_W + "ilvl") == level), None)
    fmt = lvl.find(_W + "numFmt") if lvl is not None else None
    kind = fmt.get(_W + "val", "decimal") if fmt is not None else "decimal"
    if kind in ("bullet", "none"):
        return (
            f"the note headings (style {style}) are in a list of {kind}s, not numbers; "
            f"{fix} with numbers 1, 2, 3"
        )
    return None


# -- parts nothing uses -----------------------------------------------------------------------------


def _targets(parts: _Parts) -> set[str]:
    """Every part a relationship of the package names."""
    out = set()
    for name in parts.names:
        if not name.endswith(".rels"):
            continue
        root = parts.xml(name)
        if root is None:
            continue
        folder = posixpath.dirname(posixpath.dirname(name))  # word/_rels/x.rels -> word
        for rel in root.iter(f"{{{_RELS}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            out.add(posixpath.normpath(path))
    return out


def _kb(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _unused_parts(parts: _Parts, styles: _Styles, required: tuple[str, ...]) -> list[str]:
    problems = []
    named = _targets(parts)
    for name in parts.names:
        size = parts.size(name)
        if name == "[Content_Types].xml" or name.endswith(".rels"):
            continue
        if name in UNUSED_KINDS and size >= UNUSED_PART_LIMIT:
            problems.append(
                f"part {name} ({_kb(size)}) {UNUSED_KINDS[name]}, yet it is copied into every "
                "document; save the template from a current Word as a Word Document (.docx)"
            )
        elif THUMBNAIL.match(name):
            problems.append(
                f"part {name} ({_kb(size)}) is a preview picture of another document, copied into "
                "every document; untick File > Info > Properties > Advanced Properties > "
                "Summary > 'Save preview picture' (or 'Save thumbnail') and save"
            )
        elif name not in named and size >= UNUSED_PART_LIMIT:
            problems.append(
                f"part {name} ({_kb(size)}) is used by nothing in the document, yet copied into "
                "every document; save the template again from Word (File > Save As)"
            )
        elif size >= HUGE_PART_LIMIT and name != "word/document.xml":
            problems.append(
                f"part {name} is {_kb(size)}, copied into every document; use a smaller "
                "picture (Picture Format > Compress Pictures) or remove it"
            )
    problems.extend(_unused_styles(parts, styles, required))
    return problems


def _unused_styles(parts: _Parts, styles: _Styles, required: tuple[str, ...]) -> list[str]:
    if not styles.by_id:
        return []
    used: set[str] = set()
    for name in parts.names:
        if name.endswith(".xml") and name != "word/styles.xml":
            root = parts.xml(name)
            if root is not None:
                used |= _style_refs(root)
    used |= {i for i in (styles.id_of(n) for n in required) if i}
    used |= {i for i, s in styles.by_id.items() if _on_default(s)}
    needed: set[str] = set()
    for style_id in used:
        needed |= styles.related(style_id)
    unused = [s for i, s in styles.by_id.items() if i not in needed]
    waste = sum(len(etree.tostring(s)) for s in unused)
    if waste < UNUSED_STYLES_LIMIT:
        return []
    return [
        f"word/styles.xml defines {len(styles.by_id)} styles, {len(unused)} of them used by "
        f"nothing in the template ({_kb(waste)} copied into every document); delete the unused "
        "ones (Styles pane > Manage Styles, or Organizer) and save"
    ]


def _on_default(style: etree._Element) -> bool:
    return style.get(_W + "default") in ("1", "true", "on")
