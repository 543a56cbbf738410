"""The Word templates: checked, prepared and compiled once per process, and rendered to DOCX bytes.

A template is a Word file policy staff edit, so it is checked before anything else reads it:
the package must be a small, ordinary ZIP (`check_package`: entry count, expanded size and
compression ratio are capped before a byte is inflated), and its XML may not declare a DTD or
entities. docxtpl's tag clean-up (`patch_xml`, which understands the {%p %}, {%tr %}, {{p }} and
{{r }} tags typed in Word) prepares each XML part that holds a tag once; the result is compiled
by loagen's sandboxed Jinja environment (StrictUndefined, autoescape, the limits of
`policy.rules.sandbox`). Rendering a document is then one Jinja render per XML part plus writing
the package, with the untouched parts (styles, theme, numbering ...) compressed once.
"""

from __future__ import annotations

import contextlib
import io
import marshal
import re
import types
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, meta, nodes
from jinja2.exceptions import TemplateSyntaxError
from lxml import etree
from markupsafe import Markup, escape

from ..case.model import Case
from ..compile_cache import entry_key, read_entry, write_entry
from ..document.assembly import LoaDocument
from ..document.wording import money, spell_date
from ..errors import RenderError, did_you_mean
from ..policy.rules import LOOP_GUARD, LimitError, loop_guard, render_bounded
from ..policy.rules.sandbox import ItemAccess, LimitedSandbox, guard_loops
from ..policy.selection import Selection
from .context import CONTEXT_NAMES, build_context
from .embedded import with_record
from .hyphens import keep_designators_whole
from .markdown_docx import NOT_XML_CHARS, NOTE_STYLES, StyleIds
from .package import Entry, deflate, zip_entries
from .pages import Edit, edited, estimate_pages, page_count_edits
from .properties import app_properties, core_properties
from .terms import TERMS_FILE, parse_terms, template_digest

TEMPLATE_NAMES = {
    "Basic": "basic.docx",
    "Amendment": "amendment.docx",
    "Modification": "modification.docx",
}
REQUIRED_STYLES = (*NOTE_STYLES, "LOA Note Heading")
CORE_PART = "docProps/core.xml"
DOCUMENT_PART = "word/document.xml"
APP_PART = "docProps/app.xml"
CACHE_KIND = "template"
"""The compile cache's entries of template parts (see `compile_cache`)."""
_JINJA_PARTS = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")

TEMPLATE_LIMIT = 20 * 1024 * 1024
"""Largest template file read (bytes)."""
MAX_ENTRIES = 500
"""Most parts a template package may hold."""
MAX_EXPANDED = 60 * 1024 * 1024
"""Most bytes a template package may expand to."""
MAX_RATIO = 200
"""Highest compression ratio of one part (a zip bomb packs far more)."""
PART_OUTPUT_LIMIT = 40 * 1024 * 1024
"""Longest XML a rendered part may grow to (characters)."""


VALUE_LIMIT = 5_000_000
"""Longest single value a template prints (characters)."""
TEMPLATE_LOOPS = 50_000
"""Loop iterations one document's template may run (a 999-line document runs a few thousand)."""


def _finalize(value: Any) -> Any:
    """Case text is data: drop characters a Word document cannot hold (autoescape does the rest).

    (A document prints some 550 values, most of them plain strings: those are told apart by
    their exact type first.)"""
    if type(value) is str:
        if len(value) > VALUE_LIMIT:
            raise LimitError(f"a value of more than {VALUE_LIMIT:,} characters would be printed")
        return value if value.isprintable() else NOT_XML_CHARS.sub("", value)
    if isinstance(value, str):
        if len(value) > VALUE_LIMIT:
            raise LimitError(f"a value of more than {VALUE_LIMIT:,} characters would be printed")
        if not isinstance(value, Markup) and not value.isprintable():
            return NOT_XML_CHARS.sub("", value)
    return value


try:  # markupsafe 3: the escaping alone, without the Markup around it
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover - markupsafe 2

    def _escape_inner(text: str) -> str:
        return str(escape(text))


def _escape_output(value: Any) -> str:
    """What autoescape prints for a `{{ }}` output, as `markupsafe.escape` has it: a string
    escaped, Markup as it is, anything else through `markupsafe.escape`. Only the text is
    returned, not a new Markup around it: a template joins its outputs into one string, so the
    wrapper (a third of the cost of an output, and a document prints some 550) is never read."""
    kind = type(value)
    if kind is str:
        return _escape_inner(value)
    if kind is Markup:
        return value
    return escape(value)


def _output(value: Any) -> str:
    """`_escape_output(_finalize(value))`: what a `{{ }}` output prints, in one call (see
    `_OutputCodeGenerator`). A plain string and Markup, nearly every value a document prints,
    take the steps of those two functions written out; anything else goes through both."""
    kind = type(value)
    if kind is str:
        if len(value) > VALUE_LIMIT:
            raise LimitError(f"a value of more than {VALUE_LIMIT:,} characters would be printed")
        return _escape_inner(value if value.isprintable() else NOT_XML_CHARS.sub("", value))
    if kind is Markup:
        if len(value) > VALUE_LIMIT:
            raise LimitError(f"a value of more than {VALUE_LIMIT:,} characters would be printed")
        return value
    return _escape_output(_finalize(value))


_NOT_TEXT_MARKUP = ("<!--", "<![CDATA[", "<?")
"""Where an XML character reference is not read as the character (see `_output_const_repr`)."""

OUTPUT_NAME = "output__"
"""The name a template's generated code calls `_output` by (bound in its own namespace by
`_with_output_escape`; no name a template writes is looked up there)."""


class _OutputCodeGenerator(LimitedSandbox.code_generator_class):  # type: ignore[misc,valid-type]
    """Jinja's code generator, writing each `{{ }}` output as one call, `output__(value)`,
    where Jinja writes `escape(environment.finalize(value))` (two calls and an attribute
    lookup, some 550 times a document). Only for that exact shape: autoescape on, not
    switched inside the template, the environment's `finalize` taking the value alone;
    anything else is written as Jinja writes it. `output__` is bound in the template's
    namespace when it is loaded (`_with_output_escape`): a template loaded without it
    fails on its first output, it never prints a value unfinalized."""

    def _fused(self, frame: Any, finalize: Any) -> bool:
        return (
            not frame.eval_ctx.volatile
            and frame.eval_ctx.autoescape
            and finalize.src == "environment.finalize("
        )

    def _output_const_repr(self, group: Any) -> str:
        """The template's own text (its XML between tags), with each character outside ASCII
        written as a character reference (`&#8226;` for the bullet): the same XML to every
        reader, and a document whose case text is ASCII is then rendered as an ASCII string,
        which Python joins, searches, encodes and lays out (`pages`) faster than one holding a
        single wider character. Text a reference would not stand for a character in (a
        comment, a CDATA section, a processing instruction) is left as it is."""
        text = "".join(group)
        if not text.isascii() and not any(m in text for m in _NOT_TEXT_MARKUP):
            text = text.encode("ascii", "xmlcharrefreplace").decode("ascii")
        return repr(text)

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if self._fused(frame, finalize):
            self.write(f"{OUTPUT_NAME}(")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: Any, frame: Any, finalize: Any) -> None:
        if self._fused(frame, finalize):
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)


def _with_output_escape(template: Template) -> Template:
    """`template` with its `{{ }}` outputs printed by `_output` (finalized and escaped, see
    `_OutputCodeGenerator`), and escaped by `_escape_output` where Jinja's own code escapes
    them: Jinja's generated code calls the name `escape` (markupsafe's, imported into the
    compiled template's own namespace) around an output when autoescape is switched inside
    the template; that name is bound to `_escape_output` in this template's namespace, and
    nowhere else. Should a Jinja version name it otherwise, it is left as it is (the same
    output, the slower way)."""
    namespace = template.root_render_func.__globals__
    namespace[OUTPUT_NAME] = _output
    if namespace.get("escape") is escape:
        namespace["escape"] = _escape_output
    return template


def make_environment() -> LimitedSandbox:
    """The Jinja environment for templates: sandboxed, strict, autoescaped, limited."""
    env = LimitedSandbox(
        undefined=StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.code_generator_class = _OutputCodeGenerator
    env.filters["date"] = lambda d: spell_date(d) if isinstance(d, date) else d
    env.filters["money"] = lambda v: money(Decimal(v))
    return env


# -- checking a template package before it is read -------------------------------------------------

_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False
)


def check_package(raw: bytes, path: Path) -> dict[str, bytes]:
    """The parts of a template package, after checking it is safe to expand: a ZIP with at most
    `MAX_ENTRIES` parts, expanding to at most `MAX_EXPANDED` bytes with no part compressed more
    than `MAX_RATIO` times, and XML parts that declare no DTD or entities. Raises RenderError
    naming what is wrong (and the part)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise RenderError(
            "the template is not a Word document (.docx): it cannot be opened as one",
            source=path,
        ) from None
    with archive:  # closed here, not left to the garbage collector
        if len(infos) > MAX_ENTRIES:
            raise RenderError(
                f"the template holds {len(infos)} parts; a Word template has far fewer "
                f"(at most {MAX_ENTRIES} are read)",
                source=path,
            )
        total = sum(i.file_size for i in infos)
        if total > MAX_EXPANDED:
            raise RenderError(
                f"the template would expand to {total:,} bytes (at most {MAX_EXPANDED:,} are read)",
                source=path,
            )
        for info in infos:
            if (
                info.file_size > max(info.compress_size, 1) * MAX_RATIO
                and info.file_size > 1_000_000
            ):
                raise RenderError(
                    f"part {info.filename} of the template is compressed {info.file_size // max(info.compress_size, 1)} "
                    "times: refused as a possible zip bomb",
                    source=path,
                )
        names = {i.filename for i in infos}
        for needed in ("[Content_Types].xml", "word/document.xml", "word/styles.xml"):
            if needed not in names:
                raise RenderError(f"the template has no {needed}: not a Word document", source=path)
        parts: dict[str, bytes] = {}
        for info in infos:
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
                raise RenderError(
                    f"part {info.filename} of the template cannot be read: {exc}", source=path
                ) from None
            if len(data) > info.file_size:
                raise RenderError(f"part {info.filename} is larger than it says", source=path)
            if info.filename.endswith((".xml", ".rels")):
                _check_xml(data, info.filename, path)
            parts[info.filename] = data
        return parts


def _check_xml(data: bytes, part: str, path: Path) -> None:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise RenderError(
            f"part {part} of the template declares a DTD or entities (<!DOCTYPE>/<!ENTITY>), "
            "which Word documents never need; save the template again from Word",
            source=path,
        )
    try:
        etree.fromstring(data, _SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise RenderError(
            f"part {part} of the template is not well-formed XML: {exc}", source=path
        ) from None


# -- compiled templates ----------------------------------------------------------------------------


@dataclass
class CompiledTemplate:
    """One Word template, prepared and compiled once."""

    path: Path
    sha256: str
    order: list[str]
    static: dict[str, Entry]
    jinja_parts: dict[str, Any]  # part name -> compiled Jinja template
    declarations: dict[str, str]
    style_ids: StyleIds
    sources: dict[str, str]  # part name -> the Jinja source docxtpl prepared
    styles_xml: bytes = b""
    """word/styles.xml as the template has it (for the page count, see `pages`)."""

    def variables(self, env: LimitedSandbox) -> set[str]:
        """The top-level names the template's tags use (e.g. 'case', 'lines')."""
        names: set[str] = set()
        for source in self.sources.values():
            names |= meta.find_undeclared_variables(env.parse(source))
        return names - {LOOP_GUARD}


def _style_ids(styles_xml: bytes, path: Path) -> StyleIds:
    root = etree.fromstring(styles_xml, _SAFE_PARSER)
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    by_name = {}
    for style in root.findall("w:style", ns):
        name = style.find("w:name", ns)
        if name is not None:
            by_name[name.get(f"{{{ns['w']}}}val")] = style.get(f"{{{ns['w']}}}styleId")
    missing = [s for s in REQUIRED_STYLES if s not in by_name]
    if missing:
        raise RenderError(
            f"the template lacks the paragraph style(s) {', '.join(missing)} that notes are written in; "
            "add them in Word (Styles pane) and save",
            source=path,
        )
    return StyleIds(
        text=by_name["LOA Note Text"],
        bullet=by_name["LOA Note Bullet"],
        number=by_name["LOA Note Number"],
        line_note=by_name["LOA Line Note"],
    )


def _patch(body: str) -> str:
    """docxtpl's clean-up of tags typed in Word (it reads nothing but its argument)."""
    # Imported here: docxtpl brings python-docx with it (about 70 ms), needed only when a
    # template is compiled, not by the commands that never render.
    from docxtpl import DocxTemplate

    return DocxTemplate.patch_xml(None, body)  # type: ignore[arg-type]


_PARAGRAPH_START = re.compile(r"<w:p[ >/]")
_PARAGRAPH_MARK = re.compile(r"<!--(\d+)-->")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class _Place:
    """One paragraph of a part as Word shows it: where it is, said as a reader counts (the
    body's paragraphs from the top, a table's by table and row, as `templates --check` counts
    tables), and its text with the tags as typed."""

    where: str
    text: str


def _places(body: str, part: str) -> list[_Place]:
    """The paragraphs of the XML part `body` in order (the order of their start tags)."""
    try:
        root = etree.fromstring(body.encode(), _SAFE_PARSER)
    except etree.XMLSyntaxError:
        return []
    container = root.find(_W + "body")
    if container is None:
        container = root  # a header or footer
    of = "" if part == "word/document.xml" else f" of {part}"
    places = []
    paragraphs = tables = 0
    for child in container:
        if child.tag == _W + "p":
            paragraphs += 1
            places.append(_Place(f"paragraph {paragraphs}{of}", _shown(child)))
        elif child.tag == _W + "tbl":
            tables += 1
            rows = _outer(child, _W + "tr")  # (held: lxml keeps one proxy per element then)
            for para in child.iter(_W + "p"):
                row = _outermost(para, child, _W + "tr")
                cells = list(_outer(row, _W + "tc")) if row is not None else []
                cell = _outermost(para, child, _W + "tc")
                where = f"table {tables}{of}"
                if row is not None and row in rows:
                    where += f", row {rows.index(row) + 1}"
                if cell is not None and cell in cells:
                    where += f", cell {cells.index(cell) + 1}"
                places.append(_Place(where, _shown(para)))
        else:
            places.extend(_Place(f"paragraph {paragraphs}{of}", "") for _ in child.iter(_W + "p"))
    return places


def _outer(element: etree._Element, tag: str) -> list[etree._Element]:
    """The `tag` elements under `element` not inside another of them (a table's own rows, not
    those of a table nested in a cell; wrapped in a content control or not)."""
    return [e for e in element.iter(tag) if _outermost(e, element, tag) is None]


def _outermost(element: etree._Element, top: etree._Element, tag: str) -> etree._Element | None:
    """The outermost `tag` ancestor of `element` below `top` (None when there is none)."""
    found = None
    for ancestor in element.iterancestors():
        if ancestor is top:
            break
        if ancestor.tag == tag:
            found = ancestor
    return found


def _shown(paragraph: etree._Element) -> str:
    """A paragraph's text as Word shows it (a tab as a space)."""
    text = "".join(
        (el.text or "") if el.tag == _W + "t" else " "
        for el in paragraph.iter(_W + "t", _W + "tab")
    )
    return text[:200]


def _tag_error(env: LimitedSandbox, body: str, part: str, path: Path) -> RenderError:
    """Where a tag error is, said as a reader finds it in Word: the paragraph (the body's
    paragraphs counted from the top; in a table, the table, row and cell) and its text as
    typed. The part is prepared and parsed again with each paragraph on a line of its own,
    marked with its number (an XML comment), so that Jinja's line number finds it."""
    places = _places(body, part)
    counter = iter(range(1, len(places) + 1))
    lined = _PARAGRAPH_START.sub(lambda m: f"\n<!--{next(counter, 0)}-->{m.group(0)}", body)
    try:
        patched = _patch(lined)
        env.parse(patched)
    except TemplateSyntaxError as exc:
        message = exc.message or "a tag does not parse"
        nesting = _nesting_mistake(places, message)
        if nesting is not None:
            message, place = nesting
        else:
            # the last paragraph that starts before the error's line ends (docxtpl removes
            # the lines of a {%tr %} row, so lines are not paragraphs: their marks are)
            before = "\n".join(patched.splitlines()[: exc.lineno or 0])
            marks = _PARAGRAPH_MARK.findall(before)
            number = int(marks[-1]) if marks else 0
            place = places[number - 1] if 0 < number <= len(places) else None
            if "unexpected '}'" in message or "unexpected end of template" in message.lower():
                message += " (a tag is not closed: each {{ needs its }}, each {% its %})"
            unknown = re.search(r"unknown tag '(p|tr|tc|r)'", message)
            if unknown:
                letter = unknown.group(1)
                message += (
                    f" (a space between {{% and {letter}: write {{%{letter} with no space, "
                    f"as in {{%{letter} if ... %}})"
                )
        return RenderError(
            f"template tag error in {part}: {message}",
            source=path,
            location=place.where if place else None,
            source_line=place.text if place else None,
        )
    except (re.error, RecursionError, ValueError):
        pass
    return RenderError(f"template tag error in {part}", source=path)


_BLOCK_TAG = re.compile(r"{%-?\s*([prc]\s+|tr\s+|tc\s+)?(if|for|end\w+|else|elif)\b[^%]*%}")


def _nesting_mistake(places: list[_Place], message: str) -> tuple[str, _Place] | None:
    """For a block tag not closed (or a closing tag with no opening), the mistake in plain
    words and the paragraph to look at; None for other errors."""
    if "Unexpected end of template" not in message and "unknown tag" not in message:
        return None
    stack: list[tuple[re.Match[str], _Place]] = []
    for place in places:
        for m in _BLOCK_TAG.finditer(place.text):
            word = m.group(2)
            if word in ("if", "for"):
                stack.append((m, place))
            elif word.startswith("end"):
                if stack and word == "end" + stack[-1][0].group(2):
                    stack.pop()
                elif stack:
                    return _not_closed(stack[-1][0], before=(m, place)), stack[-1][1]
                else:
                    return (
                        f"{m.group(0)} closes nothing: no {_opening(m)} before it is open; "
                        f"delete it, or type back the {_opening(m)} it closed",
                        place,
                    )
    if stack:
        return _not_closed(stack[-1][0]), stack[-1][1]
    return None


def _opening(closing: re.Match[str]) -> str:
    """'{%p for ... %}' for the closing tag '{%p endfor %}'."""
    prefix = (closing.group(1) or "").strip()
    return "{%" + prefix + " " + closing.group(2)[3:] + " ... %}"


def _not_closed(opening: re.Match[str], before: tuple[re.Match[str], _Place] | None = None) -> str:
    """'the loop {%p for note in notes %} is not closed: its {%p endfor %} is missing'."""
    prefix = (opening.group(1) or "").strip()
    word = opening.group(2)
    tag = " ".join(opening.group(0).split())
    what = "loop" if word == "for" else "condition"
    said = f"the {what} {tag} is not closed: its {{%{prefix} end{word} %}} is missing"
    if before is not None:
        said += f"; type it back before {before[0].group(0)} ({before[1].where})"
    return said


def _compiled_part(
    body: str, name: str, env: LimitedSandbox, path: Path
) -> tuple[str, types.CodeType]:
    """The Jinja source docxtpl prepares from an XML part with tags, and its code compiled by
    `env` (loop guards and item access added), read from the compile cache when the same part
    was compiled before by the same code (`compile_cache`)."""
    key = entry_key(CACHE_KIND, body)
    entry = read_entry(CACHE_KIND, key)
    if entry is not None:
        with contextlib.suppress(ValueError, EOFError, TypeError):
            patched, code = marshal.loads(entry)
            if isinstance(patched, str) and isinstance(code, types.CodeType):
                return patched, code
    try:
        patched = _patch(body)
    except (re.error, RecursionError, ValueError) as exc:
        raise RenderError(f"cannot prepare the tags of {name}: {exc}", source=path) from None
    try:
        code = env.compile(ItemAccess().visit(guard_loops(env.parse(patched))))
    except TemplateSyntaxError:
        raise _tag_error(env, body, name, path) from None
    except (TemplateError, RecursionError, MemoryError) as exc:
        raise RenderError(
            f"template tag error in {name}: {type(exc).__name__}: {exc}", source=path
        ) from None
    write_entry(CACHE_KIND, key, marshal.dumps((patched, code)))
    return patched, code


def compile_template(
    path: Path, env: LimitedSandbox, *, terms: str = "", raw: bytes | None = None
) -> CompiledTemplate:
    """Check a Word template, prepare it with docxtpl and compile its XML parts with `env`."""
    if raw is None:
        try:
            with open(path, "rb") as fh:
                raw = fh.read(TEMPLATE_LIMIT + 1)
        except OSError as exc:
            raise RenderError(f"cannot read the template: {exc.strerror}", source=path) from None
    if len(raw) > TEMPLATE_LIMIT:
        raise RenderError(
            f"the template is larger than {TEMPLATE_LIMIT // (1024 * 1024)} MB", source=path
        )
    parts = check_package(raw, path)
    order: list[str] = []
    static: dict[str, Entry] = {}
    jinja_parts: dict[str, Any] = {}
    sources: dict[str, str] = {}
    declarations: dict[str, str] = {}
    for name, data in parts.items():
        order.append(name)
        if _JINJA_PARTS.match(name) and b"{" in data:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise RenderError(
                    f"part {name} of the template is not UTF-8", source=path
                ) from None
            m = re.match(r"<\?xml[^>]*\?>\s*", text)
            declarations[name] = m.group(0) if m else ""
            body = text[m.end() :] if m else text
            sources[name], code = _compiled_part(body, name, env, path)
            jinja_parts[name] = _with_output_escape(
                env.template_class.from_code(env, code, env.make_globals(None), None)
            )
        else:
            if name == APP_PART:
                try:
                    data = app_properties(data)
                except etree.XMLSyntaxError as exc:
                    raise RenderError(f"{name} of the template: {exc}", source=path) from None
            static[name] = deflate(data)
    return CompiledTemplate(
        path=path,
        sha256=template_digest(raw, terms),
        order=order,
        static=static,
        jinja_parts=jinja_parts,
        declarations=declarations,
        style_ids=_style_ids(parts["word/styles.xml"], path),
        sources=sources,
        styles_xml=parts["word/styles.xml"],
    )


# -- the renderer ------------------------------------------------------------------------------------

ENCODE_PIECE = 16384
"""Characters `utf8` encodes at a time (fewer, longer pieces cost less than many short ones; the
one holding a character outside ASCII is encoded the slow way, so not much longer)."""


def utf8(declaration: str, text: str, edits: Sequence[Edit] = ()) -> bytes:
    """`(declaration + edited(text, edits)).encode("utf-8")`, `ENCODE_PIECE` characters of
    `text` at a time. One character outside Latin-1 (a note's bullet) makes Python hold the
    whole document two bytes a character, and encoding such a text goes a character at a time,
    several times slower than the rest of the render's work on it; a slice of it holding no
    such character is held, and encoded, as the ASCII it is (a copy). A code point is encoded
    alone, so the pieces join into the same bytes; a text that cannot be encoded raises as the
    whole does."""
    if not edits and (len(text) <= ENCODE_PIECE or text.isascii()):
        return (declaration + text).encode("utf-8")
    pieces = [declaration.encode("utf-8")]
    done = 0
    try:
        for start, end, value in (*edits, (len(text), len(text), "")):
            pieces += [
                text[at : min(at + ENCODE_PIECE, start)].encode("utf-8")
                for at in range(done, start, ENCODE_PIECE)
            ]
            pieces.append(value.encode("utf-8"))
            done = end
    except UnicodeEncodeError:
        return (declaration + edited(text, list(edits))).encode("utf-8")
    return b"".join(pieces)


SMALL_PART = 4096
"""Largest part (characters of template source, bytes rendered) `Renderer` renders or
compresses once for the same values (see `Renderer._part`, `Renderer._deflate`)."""
PARTS_KEPT = 256
"""Small parts `Renderer` keeps, rendered or compressed (then it starts again)."""
_PLAIN_TYPES = frozenset((bool, int, str, type(None)))
_ABSENT = object()
"""A name the context does not give (its part is rendered, and fails, as without `_part`)."""


class Renderer:
    """Renders documents from the templates in one folder; each template compiles once."""

    def __init__(self, templates: Path) -> None:
        self.folder = Path(templates)
        self.env = make_environment()
        self._compiled: dict[str, CompiledTemplate] = {}
        self._reads: dict[tuple[str, str, str], tuple[str, ...] | None] = {}
        self._parts: dict[tuple[Any, ...], str] = {}  # see `_part`
        self._small: dict[bytes, Entry] = {}  # see `_deflate`
        terms_path = self.folder / TERMS_FILE
        try:
            terms_text = terms_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
            raise RenderError(
                f"cannot read the Standard Terms and Conditions: {why}", source=terms_path
            ) from None
        # escaped once here (Markup): the same text goes into every FMS document
        self.terms = [
            {
                "heading": Markup.escape(section["heading"]),
                "paragraphs": [Markup.escape(p) for p in section["paragraphs"]],  # type: ignore[union-attr]
            }
            for section in parse_terms(terms_text, source=terms_path)
        ]
        self.terms_text = terms_text

    def all_templates(self) -> dict[str, CompiledTemplate]:
        """Every template by document kind, compiled (raises RenderError for a broken one)."""
        return {kind: self._compile(name) for kind, name in TEMPLATE_NAMES.items()}

    def unknown_variables(self, template: CompiledTemplate) -> dict[str, str]:
        """Names the template uses that loagen does not give it, each with a hint."""
        return {
            name: did_you_mean(name, CONTEXT_NAMES)
            for name in sorted(template.variables(self.env) - CONTEXT_NAMES)
        }

    def template_for(self, case: Case) -> CompiledTemplate:
        return self._compile(TEMPLATE_NAMES[case.document.kind])

    def template_of(self, kind: str) -> CompiledTemplate:
        """The compiled template of a document `kind` (a key of `TEMPLATE_NAMES`)."""
        return self._compile(TEMPLATE_NAMES[kind])

    def _compile(self, name: str) -> CompiledTemplate:
        if name not in self._compiled:
            path = self.folder / name
            if not path.is_file():
                raise RenderError(f"template {name} not found in {self.folder}", source=path)
            self._compiled[name] = compile_template(path, self.env, terms=self.terms_text)
        return self._compiled[name]

    def render(
        self,
        document: LoaDocument,
        selection: Selection,
        *,
        draft: bool = False,
        record: bytes | None = None,
        page_count: int | None = None,
    ) -> bytes:
        """The finished DOCX of `document`, as bytes (the same inputs give the same bytes),
        carrying the build `record` when given (see `embedded`). Its page count fields show
        `page_count` (the number of pages LibreOffice laid it out to) when given, else the
        estimate of `pages`."""
        template = self.template_for(document.case)
        context = build_context(
            document, selection, template.style_ids, draft=draft, terms=self.terms
        )
        context[LOOP_GUARD] = loop_guard(TEMPLATE_LOOPS)
        rendered = {name: self._part(template, name, context) for name in template.jinja_parts}
        body = rendered.get(DOCUMENT_PART)
        if body is not None:
            # designators and references never split at a line end (before the estimate,
            # which then sees them as the single words they are laid out as)
            body = rendered[DOCUMENT_PART] = keep_designators_whole(body)
        # the page count fields show the estimated count until the document is laid out
        edits: dict[str, list[Edit]] = {}
        if body is not None and any("NUMPAGES" in xml for xml in rendered.values()):
            count = page_count or estimate_pages(body, template.styles_xml)
            for name, xml in list(rendered.items()):
                # `with_page_count`, its edits made as the part is encoded
                rendered[name], edits[name] = page_count_edits(xml, count)
        entries = []
        written: dict[str, bytes] = {}  # the rendered parts as written (the record's digest)
        for name in template.order:
            if name in rendered:
                data = utf8(template.declarations[name], rendered[name], edits.get(name, ()))
                written[name] = data
                entries.append((name, self._deflate(data)))
            elif name == CORE_PART:
                entries.append((name, deflate(core_properties(document))))
            else:
                entries.append((name, template.static[name]))
        if record is not None:
            entries = with_record(template, entries, record, written)
        return zip_entries(entries)

    def _part(self, template: CompiledTemplate, name: str, context: dict[str, Any]) -> str:
        """Part `name` of `template` rendered with `context`; a small part whose tags read
        only plain values (true or false, a number, a text: the header, which reads whether
        the document is a draft) rendered once for each set of those values."""
        reads = self._plain_names(template, name)
        if reads is None:
            return self._render_part(template, name, context)
        values = tuple(context.get(n, _ABSENT) for n in reads)
        if not all(type(v) in _PLAIN_TYPES for v in values):
            return self._render_part(template, name, context)
        # (each value with its type: True and 1 are equal, but print differently)
        key = (template.path, template.sha256, name, *((type(v), v) for v in values))
        found = self._parts.get(key)
        if found is None:
            if len(self._parts) >= PARTS_KEPT:
                self._parts.clear()
            found = self._parts[key] = self._render_part(template, name, context)
        return found

    def _plain_names(self, template: CompiledTemplate, name: str) -> tuple[str, ...] | None:
        """The names part `name` of `template` reads when it is small (at most
        `SMALL_PART` characters of template source) and runs no loop (which would draw on the
        document's loop budget), else None. Worked out once a template."""
        key = (str(template.path), template.sha256, name)
        if key not in self._reads:
            source = template.sources[name]
            reads = None
            if len(source) <= SMALL_PART:
                parsed = self.env.parse(source)
                if not any(parsed.find_all(nodes.For)):
                    reads = tuple(sorted(meta.find_undeclared_variables(parsed)))
            self._reads[key] = reads
        return self._reads[key]

    def _deflate(self, data: bytes) -> Entry:
        """`deflate(data)`, a small part (at most `SMALL_PART` bytes: a header, a footer)
        compressed once for the same bytes. Deflating costs some fifteen microseconds however
        small the part, and a header that reads only whether a document is a draft is the same
        on nearly every document."""
        if len(data) > SMALL_PART:
            return deflate(data)
        found = self._small.get(data)
        if found is None:
            if len(self._small) >= PARTS_KEPT:
                self._small.clear()
            found = self._small[data] = deflate(data)
        return found

    @staticmethod
    def _render_part(template: CompiledTemplate, name: str, context: dict[str, Any]) -> str:
        try:
            return render_bounded(
                template.jinja_parts[name], context, PART_OUTPUT_LIMIT, f"{name} of the template"
            )
        except TemplateError as exc:
            raise RenderError(
                f"cannot render {name}: {exc.message}", source=template.path
            ) from None
        except LimitError as exc:
            raise RenderError(f"cannot render {name}: {exc}", source=template.path) from None
        except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
            raise RenderError(
                f"cannot render {name}: {type(exc).__name__}: {exc}", source=template.path
            ) from None
