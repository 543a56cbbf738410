"""The case form, generated from the case model: one input for each field of `case.model.Case`.

`case_form()` walks the Pydantic models once and gives a tree of `FieldSpec`s: codes become
choices with their meanings (from the reference tables whose codes they accept), dates date
inputs, yes/no fields checkboxes, nested objects fieldsets (optional ones with a box that adds
them), lists of objects tables whose rows can be added, deleted and moved. Each input is named
by the JSON path the model's errors and the quality checks use (`lines[2].unit_cost`), so an
error is shown at the field it names.

`read_form` turns a posted form back into case data (what a case file holds), `form_paths`
lists the paths a form shows, and `place` finds, for an error's path, the field that shows it.
Nothing here validates: the case model does, through `case.loading.parse_case`.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, WithJsonSchema

from ..case.meanings import meanings_of
from ..case.model import Case, field_docs, ungrouped
from ..case.placeholders import is_placeholder
from ..ops.start import line_to_fill
from ..reference import load_reference

Kind = Literal[
    "text", "textarea", "date", "number", "integer", "bool", "optbool", "select",
    "choices", "list", "refs", "object", "objects",
]  # fmt: skip


@dataclass(frozen=True)
class FieldSpec:
    """One field of the form."""

    name: str
    label: str
    help: str
    kind: Kind
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    """(value, label) of a choice."""
    children: tuple[FieldSpec, ...] = ()
    """The fields of an object, or of each row of a list of objects."""
    default: Any = None
    model: Any = field(default=None, compare=False)
    ints: bool = False
    """The choices are whole numbers (sent back as numbers, not text)."""

    @property
    def item_label(self) -> str:
        """What one row of a list of objects is, with its article: "a purchaser reference",
        "an exception to policy" (from the row's model: `PurchaserReference` ...)."""
        name = getattr(self.model, "__name__", "") or "row"
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()
        return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


LONG_TEXT = frozenset(
    {"purpose", "reason", "line_note", "state_description", "text", "note_text",
     "justification", "training_summary", "short_oed_reason", "rule", "used_when", "usage"}
)  # fmt: skip
"""Fields written as paragraphs (a text area rather than one line)."""

_WORDS = {
    "masl": "MASL", "oed": "OED", "cas": "CAS", "eda": "EDA", "foc": "FOC", "sco": "SCO",
    "nsr": "NSR", "bpc": "BPC", "fms": "FMS", "tla": "TLA", "cwd": "CWD", "eeum": "EEUM",
    "iaa": "IAA", "moa": "MOA", "ia": "IA", "id": "ID", "pch": "PC&H", "scml": "SCML",
    "conus": "CONUS", "usg": "USG", "mde": "MDE", "dfe": "DFE", "fmf": "FMF", "fmso": "FMSO",
    "clssa": "CLSSA", "comsec": "COMSEC", "nvd": "NVD", "nsa": "NSA",
}  # fmt: skip

LABELS = {
    "case_id": "Case identifier",
    "nickname": "Case nickname",
    "masl": "MASL number",
    "months": "Months of service (MOS)",
    "type_of_assistance": "Type of assistance (TA)",
    "offer_release_code": "Offer release code (ORC)",
    "delivery_term_code": "Delivery term code (DTC)",
    "source_code": "Source code (SC)",
    "unit_cost": "Unit cost ($)",
    "iaa_moa": "IAA or MOA",
    "items": "Item traits",
    "number": "Number",
    "kind": "Kind",
    "packing_crating_handling": "Packing, crating and handling",
    "accessorial": "Accessorial charges",
}
"""Labels that say more than the field's name."""


def label_of(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    words = [_WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _meaning(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("meaning", ""))
    return str(value)


@cache
def _code_tables() -> tuple[tuple[frozenset[str], dict[str, str]], ...]:
    ref = load_reference()
    tables = []
    for name in ("source_codes", "type_of_assistance", "offer_release_codes",
                 "delivery_term_codes", "units_of_issue", "terms_of_sale"):  # fmt: skip
        table = getattr(ref, name)
        tables.append((frozenset(table), {k: _meaning(v) for k, v in table.items()}))
    return tuple(tables)


def _code_options(codes: list[str]) -> tuple[tuple[str, str], ...]:
    """The choices of a code field, each with its meaning from the reference table that holds
    exactly these codes."""
    meanings: dict[str, str] = {}
    for keys, table in _code_tables():
        if keys == frozenset(codes):
            meanings = table
            break
    out = []
    for code in codes:
        meaning = meanings.get(code, "")
        shown = f"{code} — {meaning}" if meaning and meaning != code else code
        out.append((code, shown))
    return tuple(out)


def _enum_in(metadata: Any) -> list[str] | None:
    for item in metadata or ():
        if isinstance(item, WithJsonSchema) and item.json_schema:
            enum = item.json_schema.get("enum")
            if enum:
                return [str(v) for v in enum]
    return None


def _strip(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """(the type, whether None is allowed, the Annotated metadata found on the way)."""
    optional = False
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            metadata.extend(args[1:])
            annotation = args[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, optional, metadata


def choice_label(value: str, meaning: str) -> str:
    """A choice as every page says it: a code people know by itself and its meaning ("FMS —
    Foreign Military Sales: …"); its meaning, when it names itself ("defined order: the
    articles…", "Cooperative Logistics Supply Support Arrangement, FMS Order I: the
    Purchaser's share…"); else its words and then its meaning ("national — the Purchaser's
    national funds"); its words alone when nothing says what it means."""
    words = " ".join(_WORDS.get(w, w) for w in value.split("_"))
    if not meaning:
        return words
    if value.isupper():  # a code people know by itself (FMS, BPC): said first
        return f"{value} — {meaning}"
    if meaning.lower().startswith(words.lower()) or ": " in meaning:
        return meaning
    return f"{words} — {meaning}"


def choice_options(owner: str, name: str, values: Any) -> tuple[tuple[str, str], ...]:
    """(value, label) of each choice of the field `name` of the model `owner`, labelled by
    `choice_label` from what `case.meanings` says of it."""
    meanings = meanings_of(owner, name)
    said = meanings[1] if meanings else {}
    return tuple((str(v), choice_label(str(v), str(said.get(str(v), "")))) for v in values)


def _literal_options(annotation: Any, owner: str, name: str) -> tuple[tuple[str, str], ...]:
    """The choices of a select: the case's own (program, category, funding...) said as the New
    case page says them; the others, shown in narrower places (a line's kind in the lines
    table), by their words, but for values that are codes rather than words ("nsa_specific"),
    said as what they mean."""
    values = typing.get_args(annotation)
    if owner == "Case":
        return choice_options(owner, name, values)
    meanings = meanings_of(owner, name)
    words = meanings[1] if meanings else {}
    return tuple(
        (str(v), str(words.get(v) if "_" in str(v) and words.get(v) else str(v).replace("_", " ")))
        for v in values
    )


def _described_options(annotation: Any, owner: str, name: str) -> tuple[tuple[str, str], ...]:
    """Checkboxes of fixed words, each said as what it means where `case.meanings` says it
    ("night vision devices" for `nvd`): a writer ticks what the line holds, not a code."""
    meanings = meanings_of(owner, name)
    words = meanings[1] if meanings else {}
    return tuple(
        (str(v), str(words.get(v) or str(v).replace("_", " "))) for v in typing.get_args(annotation)
    )


def _spec(name: str, info: Any, docs: dict[str, str], owner: str = "") -> FieldSpec:
    annotation, optional, metadata = _strip(info.annotation)
    metadata = [*info.metadata, *metadata]
    required = info.is_required()
    default = None if required else info.get_default(call_default_factory=True)
    base = {"name": name, "label": label_of(name), "help": studio_phrases(docs.get(name, "")),
            "required": required, "default": default}  # fmt: skip
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        item_type, _, item_meta = _strip(item)
        if isinstance(item_type, type) and issubclass(item_type, BaseModel):
            return FieldSpec(**base, kind="objects", children=_fields(item_type),
                             model=item_type)  # fmt: skip
        enum = _enum_in(item_meta)
        if enum:
            return FieldSpec(**base, kind="choices", options=_code_options(enum))
        if typing.get_origin(item_type) is Literal:
            options = _described_options(item_type, owner, name)
            return FieldSpec(**base, kind="choices", options=options)
        if name == "lines" or name.endswith("_lines"):
            return FieldSpec(**base, kind="refs")
        return FieldSpec(**base, kind="list")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return FieldSpec(**base, kind="object", children=_fields(annotation), model=annotation)
    if typing.get_origin(annotation) is Literal:
        values = typing.get_args(annotation)
        if all(isinstance(v, int) for v in values):
            options = tuple((str(v), str(v)) for v in values)
            return FieldSpec(**base, kind="select", options=options, ints=True)
        return FieldSpec(**base, kind="select", options=_literal_options(annotation, owner, name))
    enum = _enum_in(metadata)
    if enum:
        return FieldSpec(**base, kind="select", options=_code_options(enum))
    if annotation is bool:
        return FieldSpec(**base, kind="optbool" if optional else "bool")
    if annotation is date:
        return FieldSpec(**base, kind="date")
    if annotation is Decimal:
        return FieldSpec(**base, kind="number")
    if annotation is int:
        return FieldSpec(**base, kind="integer")
    return FieldSpec(**base, kind="textarea" if name in LONG_TEXT else "text")


@cache
def _fields(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    docs = field_docs(model)
    owner = model.__name__
    return tuple(_spec(name, info, docs, owner) for name, info in model.model_fields.items())


def model_form(model: type[BaseModel], label: str) -> FieldSpec:
    """The form of any model (the note form uses the note's front matter model)."""
    return FieldSpec(
        name="", label=label, help="", kind="object", required=True,
        children=_fields(model), model=model,
    )  # fmt: skip


def case_form() -> FieldSpec:
    """The form of a whole case file."""
    return FieldSpec(
        name="", label="Case", help="", kind="object", required=True,
        children=_fields(Case), model=Case,
    )  # fmt: skip


LINE_COLUMNS = (
    "number", "masl", "description", "quantity", "unit_of_issue", "unit_cost", "source_code",
    "months", "type_of_assistance", "offer_release_code", "delivery_term_code", "kind",
)  # fmt: skip
"""The fields of a line shown as columns of the lines table (the others open below a row)."""


_CHANGES = ("Amendment", "Modification")
_OFFERED = ("Basic", "Amendment")
FOR_KINDS: dict[str, tuple[str, ...]] = {
    "document.number": _CHANGES,
    "document.previous": _CHANGES,
    "document.implementation_date": _CHANGES,
    "document.reason": _CHANGES,
    "document.case_closure": _CHANGES,
    "document.cancelled": _CHANGES,
    "document.notes_in_force": _CHANGES,
    "document.offer_expiration_date": _OFFERED,
    "document.short_oed_reason": _OFFERED,
    "document.restated": _OFFERED,
}
"""The fields of a case file that only some kinds of document use (a Basic changes no earlier
document; a Modification is not offered, so it has no offer expiration date and is never
restated). The form leaves them out for the other kinds while they are empty: a value given
all the same stays in view, with what the checks say of it."""


def for_kinds(path: str) -> tuple[str, ...]:
    """The kinds of document that use the field at `path` (empty: every kind)."""
    return FOR_KINDS.get(path, ())


# -- paths ---------------------------------------------------------------------------------------


def join(prefix: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{prefix}[{name}]"
    return f"{prefix}.{name}" if prefix else name


def field_id(path: str) -> str:
    """The HTML id of the input named `path` (`lines[2].unit_cost` -> f-lines-2-unit_cost)."""
    return "f-" + (re.sub(r"[\[\].]+", "-", path).strip("-") or "case")


def form_paths(spec: FieldSpec, data: Any, prefix: str = "") -> set[str]:
    """Every path the form shows for `data` (fields, objects and rows)."""
    out = {prefix}
    for child in spec.children:
        path = join(prefix, child.name)
        out.add(path)
        value = data.get(child.name) if isinstance(data, Mapping) else None
        if child.kind == "object":
            out |= form_paths(child, value if isinstance(value, Mapping) else {}, path)
        elif child.kind == "objects" and isinstance(value, list):
            for i, row in enumerate(value):
                out |= form_paths(child, row if isinstance(row, Mapping) else {}, join(path, i))
    return out


_PART = re.compile(r"\[\d+\]$|\.[^.\[\]]+$|^[^.\[\]]+$")


def place(location: str, shown: set[str], message: str = "") -> str:
    """The path of the field that shows an error at `location`: itself, or the nearest object
    or row around it that the form shows ("" for the whole case). An error of a whole object
    or row whose `message` opens with the name of one of its fields ("quantity 1.5 of unit LO
    must be a whole number": a rule that reads two fields) is shown at that field."""
    path = "" if location in ("(top level)",) else location
    while path and path not in shown:
        m = _PART.search(path)
        if not m:
            return ""
        path = path[: m.start()]
    first = message.split(" ", 1)[0]
    if first and join(path, first) in shown:
        return join(path, first)
    return path


_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def where_words(path: str, data: Any, spec: FieldSpec | None = None) -> str:
    """A field as a writer finds it in the form, by its labels: `lines[5].severable` ->
    "Line 006 › Severable", `purchaser_references[0].date` -> "Purchaser references › row 1 ›
    Date", `terms_of_sale[0]` -> "Terms of sale › item 1", `document.offer_expiration_date` ->
    "Document › Offer expiration date". A part the form does not know is said in words too."""
    spec = spec or case_form()
    words: list[str] = []
    here: FieldSpec | None = spec
    value: Any = data
    for m in _STEP.finditer(path):
        index, name = m.group(1), m.group(2)
        if index is not None:
            i = int(index)
            row = value[i] if isinstance(value, list) and i < len(value) else None
            number = row.get("number") if isinstance(row, Mapping) else None
            if here is not None and here.name == "lines" and number:
                words[-1:] = [f"Line {number}"]
            else:
                words.append(f"{'row' if here is not None and here.kind == 'objects' else 'item'} "
                             f"{i + 1}")  # fmt: skip
            value = row
            continue
        child = next((c for c in here.children if c.name == name), None) if here else None
        words.append(child.label if child is not None else label_of(name))
        here = child
        value = value.get(name) if isinstance(value, Mapping) else None
    return " › ".join(words) or path


_FIELD_TOKEN = re.compile(
    r"(?<![\w'\"])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?:\.[a-z][a-z0-9_]*)*"
    r"|(?<![\w'\"])[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+"
)
"""A field named in a message as the file names it: `performance_period`,
`document.congressional_notification`, `sole_source.approved_by` (not a word in quotes: a
value such as 'case_module')."""


@cache
def _field_names() -> frozenset[str]:
    names: set[str] = set()

    def walk(spec: FieldSpec) -> None:
        for child in spec.children:
            names.add(child.name)
            walk(child)

    walk(case_form())
    return frozenset(names)


_TRAINING_BOX = "tick “Add training” (in the line's “More about line …”) and give its"
_STUDIO_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(said.replace(" ", r"\s+")), meant)  # a space: any (help wraps its lines)
    for said, meant in (
        (r"restate it with loagen restate\b", "restate it with Restate… on the document's page"),
        (r"\(loagen amend copies the previous one\)", "(Next Amendment… copies the previous one)"),
        (
            r"give training: \{location: CONUS or OCONUS, severable: true or false, "
            r"performance_period: '[^'{}]*'\}",
            f"{_TRAINING_BOX} location (CONUS or OCONUS), whether it is severable, and its "
            "performance period",
        ),
        (
            r"set kind: training and give training: \{location: \.\.\., severable: \.\.\., "
            r"performance_period: \.\.\.\}",
            f"set its Kind to training, then {_TRAINING_BOX} location, whether it is severable, "
            "and its performance period",
        ),
        (
            r"of kind training with its training: \{location: \.\.\., severable: \.\.\., "
            r"performance_period: \.\.\.\}",
            "of Kind training, its “Add training” ticked and filled in",
        ),
        (r"\btrue for ([^,]+), else false\b", r"Yes for \1, else No"),
        (r"\bexpected true or false\b", "expected Yes or No"),
        (r"\(true\) or (\S+) \(false\)", r"(Yes) or \1 (No)"),
        (r"see `loagen package` and ", "see "),
        (
            r"\. `loagen package` lists the ones the document needs",
            ". The document's checks name the ones it needs that the list lacks",
        ),
        (
            r"`loagen package` lists (?:the ones (?:the|a) document needs|what it needs)",
            "the document's checks name the ones it needs",
        ),
        (
            r"what `explain`, the report and the studio show",
            "what the document's page (Why each note is on this document) and the report show",
        ),
    )
)
"""What the command line says in its own terms (a command to run, a value written in YAML, a
yes/no as true or false), as the studio says it: by its buttons, boxes and choices. The
command line's messages stay as they are; only what the studio shows is said so."""


def studio_phrases(text: str, known: frozenset[str] | None = None) -> str:
    """`text` (a check's message, a problem, a field's help) with the command line's phrases
    said as the studio's (`_STUDIO_PHRASES`), and a field named in backticks (`package`) said
    by its label: any name when `known` is None (a field's help, which names only fields),
    else only the names in `known` (a message may quote other words so)."""
    for said, meant in _STUDIO_PHRASES:
        text = said.sub(meant, text)

    def label(m: re.Match[str]) -> str:
        parts = m.group(1).split(".")
        if known is not None and not all(part in known for part in parts):
            return m.group(0)
        return "“" + " › ".join(label_of(part) for part in parts) + "”"

    return _QUOTED_FIELD.sub(label, text)


_QUOTED_FIELD = re.compile(r"`([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)`")


def message_words(text: str) -> str:
    """A check's message with the fields it names said by their labels, as the form shows
    them ("give severable and “Performance period” so …", "record it in “Document › Congressional
    notification”"), and the command line's phrases as the studio's (`studio_phrases`): the
    command line names them as the file does."""
    known = _field_names()
    text = studio_phrases(text, known)

    def said(m: re.Match[str]) -> str:
        parts = m.group(0).split(".")
        if not all(part in known for part in parts):
            return m.group(0)
        return "“" + " › ".join(label_of(part) for part in parts) + "”"

    return _FIELD_TOKEN.sub(said, text)


# -- showing values --------------------------------------------------------------------------------


def shown(value: Any) -> str:
    """A value as an input shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def unanswered(spec: FieldSpec, value: Any) -> bool:
    """Whether a yes/no field is still to be answered: it holds a value still to fill in
    (`major_defense_equipment: "FILL IN: true for ... else false"`, as `loagen new` and "+ Add
    a line" write it), a word that is not yes or no, or nothing where the model needs an answer.
    A checkbox cannot show that (unticked reads as "no", a ticked box for any text as "yes"):
    such a field is a choice "To fill in / Yes / No" that keeps the value until a person
    answers."""
    if spec.kind == "optbool":
        return value is not None and not isinstance(value, bool)
    if spec.kind != "bool":
        return False
    return not isinstance(value, bool) and (value is not None or spec.required)


def shown_list(value: Any, sep: str) -> str:
    if not isinstance(value, list):
        return shown(value)
    return sep.join(shown(v) for v in value)


# -- reading a posted form ---------------------------------------------------------------------------


class Posted(typing.Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[Any]: ...
    def __contains__(self, key: object) -> bool: ...


HAS = "__has"
"""Suffix of the box that adds an optional object (`lines[0].sole_source__has`)."""
ROWS = "__rows"
"""Suffix of the hidden count of a list's rows (`lines__rows`)."""
BOOL = "__bool"
"""Suffix of the hidden marker that a checkbox was on the form."""
ORDER = "__order"
"""Suffix of the hidden order of a set of choices as the file lists them."""
FILL = "__fill"
"""Suffix of the hidden value still to fill in (`FILL IN: ...`) of a field shown empty: a field
left empty keeps it, so the file still says what to give there."""
MAX_ROWS = 2000


def _number(text: str) -> Any:
    # the model says what is wrong with a comma that does not group thousands ("12,50")
    cleaned = ungrouped(text.strip().replace("$", ""))
    if re.fullmatch(r"-?\d{1,15}", cleaned):
        return int(cleaned)
    if re.fullmatch(r"-?\d{1,15}\.\d{1,6}", cleaned):
        try:
            return float(Decimal(cleaned)) if Decimal(cleaned) == Decimal(repr(float(cleaned))) \
                else text.strip()  # fmt: skip
        except InvalidOperation:
            return text.strip()
    return text.strip()  # the model says what is wrong with it


def _scalar(spec: FieldSpec, form: Posted, path: str) -> Any:
    kind = spec.kind
    if kind == "bool":
        raw = form.get(path)
        if raw is None:
            return False  # a checkbox left unticked
        # a yes/no still to answer (`unanswered`): a choice, which keeps what it held
        return _answer(str(raw), str(form.get(path + FILL) or ""))
    if kind == "choices":
        chosen = [str(v) for v in form.getlist(path)]
        order = str(form.get(path + ORDER) or "").split("|")
        first = [v for v in order if v in chosen]  # the order the file had
        picked = first + [v for v in chosen if v not in first]
        if not picked and not spec.required and spec.default is None:
            # an optional list whose absence means something of its own (a note's refresh_on:
            # absent, every document) is left out when nothing is ticked, never written empty
            return None
        return picked
    raw = form.get(path)
    if raw is None:
        return None
    text = str(raw)
    if kind in ("list", "refs"):
        parts = text.splitlines() if kind == "list" else re.split(r"[,\s]+", text)
        items = [p.strip() for p in parts if p.strip()]
        kept = str(form.get(path + FILL) or "")
        return items or ([kept] if is_placeholder(kept) else None)
    if text.strip() == "" and kind != "optbool":
        kept = str(form.get(path + FILL) or "")
        return kept if is_placeholder(kept) else None
    if kind == "optbool":
        return _answer(text, str(form.get(path + FILL) or ""))
    if kind == "number":
        return _number(text)
    if kind == "integer" or spec.ints:
        stripped = text.strip()
        return int(stripped) if re.fullmatch(r"-?\d{1,9}", stripped) else stripped
    if kind == "textarea":
        return text.replace("\r\n", "\n")
    return text


NOT_SAID = "-"
"""The value of the choice "(not said)" of a yes/no that may be left out, when its empty choice
is "To fill in"."""


def _answer(text: str, kept: str) -> Any:
    """A yes/no chosen in the form: True, False, None when "(not said)", the kept value (a
    `FILL IN`, or a word that is not yes or no) while it is not answered."""
    if text in ("true", "false"):
        return text == "true"
    if text == NOT_SAID:
        return None
    if text.strip() == "":
        return kept if is_placeholder(kept) else None
    return text


def read_form(spec: FieldSpec, form: Posted, prefix: str = "") -> dict[str, Any]:
    """The case data a posted form holds (empty fields left out, as a writer leaves them out
    of a file)."""
    out: dict[str, Any] = {}
    for child in spec.children:
        path = join(prefix, child.name)
        if child.kind == "object":
            if not child.required and form.get(path + HAS) != "on":
                continue
            out[child.name] = read_form(child, form, path)
        elif child.kind == "objects":
            count_text = str(form.get(path + ROWS, "0"))
            count = min(int(count_text), MAX_ROWS) if count_text.isdigit() else 0
            if count == 0 and not child.required and child.default is None:
                continue
            out[child.name] = [read_form(child, form, join(path, i)) for i in range(count)]
        else:
            if child.kind == "bool" and path + BOOL not in form:
                continue
            value = _scalar(child, form, path)
            if value is not None:
                out[child.name] = value
    return out


def tidy(spec: FieldSpec, data: dict[str, Any], original: Any) -> dict[str, Any]:
    """`data` without the values the writer never wrote: a field left at its default that the
    original file does not have (a form shows every box; the file need not list them). Fields
    the form does not know, which the original has, are kept as they were."""
    original = original if isinstance(original, Mapping) else {}
    out: dict[str, Any] = {}
    known = {c.name: c for c in spec.children}
    for name, value in data.items():
        child = known.get(name)
        if child is None:
            out[name] = value
            continue
        before = original.get(name)
        if child.kind == "object" and isinstance(value, dict):
            value = tidy(child, value, before)
        elif child.kind == "objects" and isinstance(value, list):
            rows = before if isinstance(before, list) else []
            value = [
                tidy(child, row, rows[i] if i < len(rows) else None) if isinstance(row, dict)
                else row
                for i, row in enumerate(value)
            ]  # fmt: skip
        if name not in original and not child.required and _is_default(value, child.default):
            continue
        out[name] = value
    for name, value in original.items():
        if name not in known and name not in out:
            out[name] = value  # not a field of the model: the model reports it, the file keeps it
    return out


def _is_default(value: Any, default: Any) -> bool:
    if value == default:
        return True
    if isinstance(default, BaseModel):
        return isinstance(value, dict) and not value
    return False


# -- editing the rows of a list --------------------------------------------------------------------

_OP = re.compile(r"^(add|delete|up|down):([A-Za-z_][\w.\[\]]*?)(?:\[(\d+)\])?$")


def apply_op(spec: FieldSpec, data: dict[str, Any], op: str) -> str | None:
    """Add, delete or move a row of a list of objects in `data` ("add:lines",
    "delete:lines[3]", "up:lines[3]"); returns the path to show (the row), or None when the
    operation names no list of the form."""
    m = _OP.match(op)
    if not m:
        return None
    what, path, index = m.group(1), m.group(2), m.group(3)
    holder, child = _list_at(spec, data, path)
    if holder is None or child is None:
        return None
    rows = holder.setdefault(child.name, [])
    if not isinstance(rows, list):
        return None
    if what == "add":
        rows.append(_new_row(child, rows))
        return join(path, len(rows) - 1)
    if index is None:
        return None
    i = int(index)
    if not 0 <= i < len(rows):
        return None
    if what == "delete":
        rows.pop(i)
        return path
    j = i - 1 if what == "up" else i + 1
    if 0 <= j < len(rows):
        rows[i], rows[j] = rows[j], rows[i]
        return join(path, j)
    return join(path, i)


def _list_at(spec: FieldSpec, data: dict[str, Any], path: str) -> tuple[Any, Any]:
    node_spec, node = spec, data
    parts = path.split(".")
    for part in parts[:-1]:
        child = next((c for c in node_spec.children if c.name == part), None)
        if child is None or child.kind != "object":
            return None, None
        node = node.setdefault(part, {})
        node_spec = child
    child = next((c for c in node_spec.children if c.name == parts[-1]), None)
    if child is None or child.kind != "objects":
        return None, None
    return node, child


def _new_row(spec: FieldSpec, rows: list[Any]) -> dict[str, Any]:
    if spec.name == "lines":
        numbers = [
            int(r["number"][:3])
            for r in rows
            if isinstance(r, dict) and re.match(r"^\d{3}", str(r.get("number", "")))
        ]
        # every value to fill in, as the first line of a new case has them
        return line_to_fill(f"{max(numbers, default=0) + 1:03d}")
    return {}
