"""Rendering: the Word templates compiled once per process, and documents rendered from them to DOCX bytes.

docxtpl prepares each template once (its tag clean-up, `patch_xml`, which understands the
{%p %}, {%tr %}, {{p }} and {{r }} tags typed in Word); the result is compiled by loagen's
sandboxed Jinja environment (StrictUndefined, autoescape). Rendering a document is then one
Jinja render per XML part plus writing the package, with the untouched parts (styles, theme,
numbering...) compressed once and copied as they are.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape

from .case import Case, Line
from .document import LoaDocument
from .errors import RenderError, did_you_mean
from .history import LineChange
from .markdown_docx import NOT_XML_CHARS, NOTE_STYLES, StyleIds, markdown_to_wordml
from .reference import Reference, load_reference
from .selection import SelectedNote, Selection
from .terms import TERMS_FILE, parse_terms, template_digest
from .wording import document_title, money, party, quantity, spell_date

TEMPLATE_NAMES = {
    "Basic": "basic.docx",
    "Amendment": "amendment.docx",
    "Modification": "modification.docx",
}
REQUIRED_STYLES = (*NOTE_STYLES, "LOA Note Heading")
_BREAK = Markup('</w:t><w:br/><w:t xml:space="preserve">')
_JINJA_PARTS = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")


def _finalize(value: Any) -> Any:
    """Case text is data: drop characters a Word document cannot hold (autoescape does the rest)."""
    if isinstance(value, str) and not isinstance(value, Markup) and not value.isprintable():
        return NOT_XML_CHARS.sub("", value)
    return value


def make_environment() -> SandboxedEnvironment:
    """The Jinja environment for templates: sandboxed, strict, autoescaped."""
    env = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["date"] = lambda d: spell_date(d) if isinstance(d, date) else d
    env.filters["money"] = lambda v: money(Decimal(v))
    return env


# -- the package writer --------------------------------------------------------------------------

_FIXED_TIME = (0 << 11) | (0 << 5) | 0  # 00:00:00
_FIXED_DATE = ((1980 - 1980) << 9) | (1 << 5) | 1  # 1980-01-01


@dataclass(frozen=True)
class _Entry:
    name: bytes
    crc: int
    size: int
    data: bytes  # raw deflate stream


_LEVEL = 1  # fast; rendered parts compress to about a fifth of their size even so


def _deflate(data: bytes) -> _Entry:
    comp = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    packed = comp.compress(data) + comp.flush()
    return _Entry(b"", zlib.crc32(data), len(data), packed)


def _zip(entries: list[tuple[str, _Entry]]) -> bytes:
    """A ZIP archive with fixed timestamps and the given order: same entries, same bytes."""
    out = bytearray()
    central = bytearray()
    for name, entry in entries:
        raw_name = name.encode()
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, _FIXED_TIME, _FIXED_DATE,
            entry.crc, len(entry.data), entry.size, len(raw_name), 0,
        )  # fmt: skip
        out += raw_name + entry.data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, _FIXED_TIME, _FIXED_DATE,
            entry.crc, len(entry.data), entry.size, len(raw_name), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += raw_name
    start = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0
    )
    return bytes(out)


# -- compiled templates ----------------------------------------------------------------------------


@dataclass
class CompiledTemplate:
    """One Word template, prepared and compiled once."""

    path: Path
    sha256: str
    order: list[str]
    static: dict[str, _Entry]
    jinja_parts: dict[str, Any]  # part name -> compiled Jinja template
    declarations: dict[str, str]
    style_ids: StyleIds
    sources: dict[str, str]  # part name -> the Jinja source docxtpl prepared

    def variables(self, env: SandboxedEnvironment) -> set[str]:
        """The top-level names the template's tags use (e.g. 'case', 'lines')."""
        names: set[str] = set()
        for source in self.sources.values():
            names |= meta.find_undeclared_variables(env.parse(source))
        return names


def _style_ids(styles_xml: bytes, path: Path) -> StyleIds:
    root = etree.fromstring(styles_xml)
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


def compile_template(path: Path, env: SandboxedEnvironment, *, terms: str = "") -> CompiledTemplate:
    """Prepare a Word template with docxtpl and compile its XML parts with `env`."""
    import zipfile

    try:
        raw = path.read_bytes()
        tpl = DocxTemplate(str(path))
        tpl.init_docx()
    except Exception as exc:  # docx/zip errors of many kinds
        raise RenderError(f"cannot open the template: {exc}", source=path) from None
    order: list[str] = []
    static: dict[str, _Entry] = {}
    jinja_parts: dict[str, Any] = {}
    sources: dict[str, str] = {}
    declarations: dict[str, str] = {}
    styles_xml = b""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            data = zf.read(info.filename)
            order.append(info.filename)
            if info.filename == "word/styles.xml":
                styles_xml = data
            if _JINJA_PARTS.match(info.filename) and b"{" in data:
                text = data.decode("utf-8")
                m = re.match(r"<\?xml[^>]*\?>\s*", text)
                declarations[info.filename] = m.group(0) if m else ""
                body = text[m.end() :] if m else text
                patched = tpl.patch_xml(body)
                sources[info.filename] = patched
                try:
                    jinja_parts[info.filename] = env.from_string(patched)
                except TemplateError:
                    # compile again with a line a paragraph, as docxtpl does, to say where
                    lined = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
                    try:
                        env.from_string(lined)
                    except TemplateError as exc:
                        raise RenderError(
                            f"template tag error in {info.filename}: {exc.message}",
                            source=path,
                            location=f"paragraph {getattr(exc, 'lineno', '?')}",
                            source_line=_paragraph_text(lined, getattr(exc, "lineno", None)),
                        ) from None
                    raise
            else:
                static[info.filename] = _deflate(data)
    return CompiledTemplate(
        path=path,
        sha256=template_digest(raw, terms),
        order=order,
        static=static,
        jinja_parts=jinja_parts,
        declarations=declarations,
        style_ids=_style_ids(styles_xml, path),
        sources=sources,
    )


def _paragraph_text(xml: str, lineno: int | None) -> str | None:
    if not lineno:
        return None
    lines = xml.splitlines()
    if 0 < lineno <= len(lines):
        return re.sub(r"<[^>]+>", "", lines[lineno - 1])[:200]
    return None


# -- the context a template sees -------------------------------------------------------------------


def lines_markup(*parts: str) -> Markup:
    """Several short texts in one cell paragraph, one per line."""
    return _BREAK.join(escape(NOT_XML_CHARS.sub("", p)) for p in parts if p != "")


def _qty(line: Line) -> str:
    return f"{quantity(line.quantity)} {line.unit_of_issue}"


def _row(change: LineChange, amended: bool, selection: Selection, ids: StyleIds) -> dict[str, Any]:
    line = change.line
    prev, rev = change.previous, change.revised
    marker = ""
    if amended:
        if change.added:
            marker = "ADDED"
        elif change.deleted:
            marker = "DELETED"
        elif change.changed:
            marker = "REVISED"

    def pair(getter) -> Markup:
        if amended and prev is not None and rev is not None and getter(prev) != getter(rev):
            return lines_markup(f"Previous: {getter(prev)}", f"Revised: {getter(rev)}")
        if amended and change.deleted and prev is not None:
            return lines_markup(f"Previous: {getter(prev)}", "Revised: 0")
        return lines_markup(getter(line))

    notes = "".join(
        str(markdown_to_wordml(n.body, in_table=True, ids=ids))
        for n in selection.for_line(line.number)
    )
    if not notes:
        notes = f'<w:p><w:pPr><w:pStyle w:val="{ids.line_note}"/></w:pPr></w:p>'
    return {
        "number": line.number,
        "marker": marker,
        "description": line.description,
        "masl": f"MASL {line.masl}",
        "notes": Markup(notes),
        "quantity": pair(_qty),
        "unit_cost": money(line.unit_cost),
        "total": money(line.total),
        "costs": _costs_cell(change, amended),
        "source_code": line.source_code,
        "months": pair(lambda ln: ln.months or ""),
        "type_of_assistance": line.type_of_assistance,
        "offer_release_code": line.offer_release_code or "",
        "delivery_term_code": line.delivery_term_code or "",
        "change": change,
        "line": line,
    }


def _costs_cell(change: LineChange, amended: bool) -> Markup:
    """Column (4): (a) unit and (b) total; a changed line shows both its previous and revised values."""
    prev, rev = change.previous, change.revised
    if (
        not amended
        or prev is None
        or rev is None
        or (prev.unit_cost == rev.unit_cost and prev.total == rev.total)
    ):
        line = change.line
        if amended and change.deleted:
            return lines_markup(
                "Previous:", money(line.unit_cost), money(line.total), "Revised:", "$0", "$0"
            )
        return lines_markup(money(line.unit_cost), money(line.total))
    return lines_markup(
        "Previous:", money(prev.unit_cost), money(prev.total),
        "Revised:", money(rev.unit_cost), money(rev.total),
    )  # fmt: skip


COST_ROWS = (
    ("(8) Net Estimated Cost", "net_estimated_cost"),
    ("(9) Packing, Crating, and Handling", "packing_crating_handling"),
    ("(10) Administrative Charge", "administrative_charge"),
    ("(11) Transportation", "transportation"),
    ("(12) Other", "other"),
    ("(13) Total Estimated Cost", "total_estimated_cost"),
)


def _signed(value: Decimal) -> str:
    if value == 0:
        return "$0"
    return ("+" if value > 0 else "-") + money(abs(value))


def _note_view(number: int | None, note: SelectedNote, ids: StyleIds) -> dict[str, Any]:
    heading = f"{number}. {note.title}" if number is not None else note.title
    return {
        "heading": heading,
        "title": note.title,
        "id": note.id,
        "version": note.version,
        "lines": note.lines,
        "body": markdown_to_wordml(note.body, ids=ids),
    }


def _meaning(value: Any) -> str:
    return str(value["meaning"]) if isinstance(value, dict) else str(value)


@lru_cache(maxsize=4)
def _code_tables(digest: str) -> tuple[dict[str, Any], ...]:
    ref = load_reference()
    tables = (
        ("Source Codes (SC), column (5)", ref.source_codes),
        ("Type of Assistance (TA) codes, column (5)", ref.type_of_assistance),
        ("Offer Release Codes (ORC), column (6)", ref.offer_release_codes),
        ("Delivery Term Codes (DTC), column (7)", ref.delivery_term_codes),
    )
    return tuple(
        {
            "title": escape(title),
            "rows": [{"code": escape(k), "meaning": escape(_meaning(v))} for k, v in table.items()],
        }
        for title, table in tables
    )


def code_tables(ref: Reference) -> list[dict[str, Any]]:
    """The code tables of the LOA Information page, from the reference tables."""
    return list(_code_tables(ref.digest))


CONTEXT_NAMES = frozenset(
    {
        "case", "doc", "draft", "is_fms", "is_bpc", "party", "implementing_agency",
        "purchaser_address", "purchaser_reference", "case_description", "state_description",
        "offer_expiration_date", "implementation_date", "terms_of_sale", "estimated_cost",
        "initial_deposit", "lines", "cost_rows", "surcharge_note", "schedule", "schedule_reason",
        "schedule_notes", "notes", "terms_and_conditions", "code_tables",
    }
)  # fmt: skip
"""Every variable `build_context` gives the templates (listed in the README)."""


def build_context(
    document: LoaDocument,
    selection: Selection,
    ids: StyleIds,
    *,
    draft: bool,
    terms: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """Everything the templates can use (listed in the README)."""
    case: Case = document.case
    doc = case.document
    costs = document.costs
    amended = document.changes.has_previous
    ref = load_reference()
    previous_costs = None
    if amended:
        from .costs import cost_summary

        previous_costs = cost_summary(document.chain[:-1], with_schedule=False)
    cost_rows = []
    for label, attr in COST_ROWS:
        now = getattr(costs, attr)
        row = {"label": label, "amount": money(now), "previous": "", "change": ""}
        if previous_costs is not None:
            before = getattr(previous_costs, attr)
            row.update(previous=money(before), change=_signed(now - before))
        cost_rows.append(row)
    surcharge_note = ""
    if costs.surcharge_exemption:
        surcharge_note = f"No administrative charge: {costs.surcharge_exemption}."
    elif costs.lines:
        rates = sorted({c.surcharge_rate for c in costs.lines})
        surcharge_note = (
            "Administrative charge at "
            + " and ".join(f"{r * 100:.1f}%" for r in rates)
            + (" of the Net Estimated Cost of the lines, by the date each line was written.")
        )
    in_section = [n for n in selection.notes if n.placement == "notes"]
    return {
        "case": case,
        "doc": {"kind": doc.kind, "number": doc.number, "title": document_title(case)},
        "draft": draft,
        "is_fms": case.program == "FMS",
        "is_bpc": case.program == "BPC",
        "party": party(case),
        "implementing_agency": ref.implementing_agencies.get(case.ia_code, case.ia_code),
        "purchaser_address": ", ".join(case.purchaser.address),
        "purchaser_reference": document.purchaser_reference
        + ("" if document.purchaser_reference.endswith(".") else "."),
        "case_description": document.case_description,
        "state_description": document.state_description,
        "offer_expiration_date": spell_date(doc.offer_expiration_date)
        if doc.offer_expiration_date
        else "",
        "implementation_date": spell_date(doc.implementation_date)
        if doc.implementation_date
        else "",
        "terms_of_sale": list(case.terms_of_sale),
        "estimated_cost": money(costs.total_estimated_cost),
        "initial_deposit": money(costs.initial_deposit),
        "lines": [_row(c, amended, selection, ids) for c in document.changes.lines],
        "cost_rows": cost_rows,
        "surcharge_note": surcharge_note,
        "schedule": [
            {
                "label": r.label,
                "date": spell_date(r.date) if r.date else "With acceptance",
                "amount": money(r.amount),
                "cumulative": money(r.cumulative),
            }
            for r in costs.schedule
        ],
        "schedule_reason": (costs.schedule_reason[0].upper() + costs.schedule_reason[1:] + ".")
        if costs.schedule_reason
        else "",
        "schedule_notes": [_note_view(None, n, ids) for n in selection.placed("payment_schedule")],
        "notes": [_note_view(i, n, ids) for i, n in enumerate(in_section, start=1)],
        "terms_and_conditions": list(terms) if case.program == "FMS" else [],
        "code_tables": code_tables(ref),
    }


# -- the renderer ------------------------------------------------------------------------------------


class Renderer:
    """Renders documents from the templates in one folder; each template compiles once."""

    def __init__(self, templates: Path) -> None:
        self.folder = Path(templates)
        self.env = make_environment()
        self._compiled: dict[str, CompiledTemplate] = {}
        terms_path = self.folder / TERMS_FILE
        try:
            terms_text = terms_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RenderError(
                f"cannot read the Standard Terms and Conditions: {exc.strerror}", source=terms_path
            ) from None
        # escaped once here (Markup): the same text goes into every FMS document
        self.terms = [
            {
                "heading": escape(section["heading"]),
                "paragraphs": [escape(p) for p in section["paragraphs"]],
            }
            for section in parse_terms(terms_text, source=terms_path)
        ]
        self.terms_text = terms_text

    def all_templates(self) -> dict[str, CompiledTemplate]:
        """Every template by document kind, compiled (raises RenderError for a broken one)."""
        out = {}
        for kind, name in TEMPLATE_NAMES.items():
            out[kind] = self._compile(name)
        return out

    def unknown_variables(self, template: CompiledTemplate) -> dict[str, str]:
        """Names the template uses that loagen does not give it, each with a hint."""
        return {
            name: did_you_mean(name, CONTEXT_NAMES)
            for name in sorted(template.variables(self.env) - CONTEXT_NAMES)
        }

    def template_for(self, case: Case) -> CompiledTemplate:
        return self._compile(TEMPLATE_NAMES[case.document.kind])

    def _compile(self, name: str) -> CompiledTemplate:
        if name not in self._compiled:
            path = self.folder / name
            if not path.is_file():
                raise RenderError(f"template {name} not found in {self.folder}", source=path)
            self._compiled[name] = compile_template(path, self.env, terms=self.terms_text)
        return self._compiled[name]

    def render(self, document: LoaDocument, selection: Selection, *, draft: bool = False) -> bytes:
        """The finished DOCX of `document`, as bytes (the same inputs give the same bytes)."""
        template = self.template_for(document.case)
        context = build_context(
            document, selection, template.style_ids, draft=draft, terms=self.terms
        )
        entries = []
        for name in template.order:
            if name in template.jinja_parts:
                try:
                    xml = template.jinja_parts[name].render(context)
                except TemplateError as exc:
                    raise RenderError(
                        f"cannot render {name}: {exc.message}", source=template.path
                    ) from None
                data = (template.declarations[name] + xml).encode("utf-8")
                entries.append((name, _deflate(data)))
            else:
                entries.append((name, template.static[name]))
        return _zip(entries)
