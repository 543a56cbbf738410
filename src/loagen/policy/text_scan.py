"""Reading the free text of a case: every text field, normalised, and the scanners the
checks run on it (classification and controlled-unclassified markings, personal data, names,
terminology).

Markings and personal data are looked for in the text as a reader would see it, not as it is
spelt: `normalise` folds Unicode compatibility forms (full-width and styled letters), maps
letters that look like Latin ones (Cyrillic and Greek capitals, for example), removes
zero-width and other invisible characters and combining marks, and closes up letters written
with spaces or dots between them ("S E C R E T", "F.O.U.O."). What cannot be caught this way is
said in the README: markings in images or attachments, text spelt out in other words, and
personal data in forms no pattern here knows.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, WithJsonSchema

from ..case.model import NOT_BLANK, Case

Role = Literal["party", "reference", "title", "prose", "record"]
"""Roles of free-text fields, so each scanner reads only where its rule applies."""
T = TypeVar("T")

# The scanners below (find_markings, find_cui, find_contact_data, find_names, find_terms) keep
# no answers of their own: `checks.scanned` keeps what they find in each text, once for all of
# them, and a second cache a scanner would only cost its look-up on every new text.

# -- the free text of a case ------------------------------------------------------------------

_ROLES: dict[str, Role] = {
    "name": "party", "address": "party", "firm": "party", "reimbursed_by": "party",
    "procuring_activity": "party",
    "reference": "reference", "approval_reference": "reference", "program": "reference",
    "fiscal_year": "reference", "obligation_number": "reference", "fund_code": "reference",
    "masl": "reference",
    "document": "reference", "obligation_document": "reference",
    "appropriation_authority": "reference", "id": "reference", "version": "reference",
    "nickname": "title", "description": "title", "end_item": "title", "point": "title",
    "program_title": "title", "project_title": "title", "agreement_title": "title",
    "major_end_item": "title", "program_office": "title", "project": "title",
    "nomenclature": "title", "nomenclature_plural": "title",
}  # fmt: skip
_RECORDS = {"package", "congressional_notification", "exceptions_to_policy", "notes_in_force"}
"""Parts of a case file that record facts about the case and are not printed on the LOA: their
text is read by the marking checks (a case file must not hold classified or controlled
information), not by the wording checks of the LOA's text."""
_NOT_TEXT = {"previous", "case_id"}
"""Text fields that are not prose: a file name; the case identifier (its three-letter
designator is a code, so "BN-B-CUI" is not a CUI marking)."""


def _is_free_text(field: Any) -> bool:
    """A text field a writer types freely (not a code, a line number or a pattern)."""
    annotation = field.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, __import__("types").UnionType):
        annotation = args[0] if len(args) == 1 else annotation
    if typing.get_origin(annotation) is list:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        if base is not str:
            return False
        for item in meta:
            schema = getattr(item, "json_schema", None)
            if (
                isinstance(item, WithJsonSchema)
                and isinstance(schema, dict)
                and ("enum" in schema or schema.get("pattern", NOT_BLANK) != NOT_BLANK)
            ):
                return False
        return True
    return annotation is str


@cache
def _fields(cls: type) -> tuple[tuple[str, str], ...]:
    """(field name, "text" or "model") of a model class's fields worth reading."""
    out = []
    for name, field in cls.model_fields.items():
        if name in _NOT_TEXT:
            continue
        if _is_free_text(field):
            out.append((name, "text"))
        elif _holds_model(field.annotation):
            out.append((name, "model"))
    return tuple(out)


def _holds_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(a) for a in typing.get_args(annotation))


def free_text(case: Case) -> Iterator[tuple[str, str, Role]]:
    """Every free-text field of `case`, in any part of it: (JSON path, text, role)."""
    return iter(scan_free_text(case, _role))


def _role(text: str, role: Role) -> Role:
    return role


def scan_free_text(case: Case, scan: Callable[[str, Role], T]) -> list[tuple[str, str, T]]:
    """`scan(text, role)` of every free-text field of `case`, in the order of `free_text`:
    (JSON path, text, answer) for each field whose answer is not empty. The checks read the
    paths of the few texts they find something in: a path is made for those only."""
    found: list[tuple[str, str, T]] = []
    _collect(case, "", False, scan, found)
    return found


@cache
def _plan(cls: type, record: bool) -> tuple[tuple[str, bool, Role, bool], ...]:
    """What `_collect` reads of a model class, worked out once a class (and whether it is
    inside a record part): (field name, a text field, the role of its text, in a record part)
    for each field of `_fields`. Inside a record part every text's role is "record"."""
    out = []
    for name, kind in _fields(cls):
        unprinted = record or name in _RECORDS
        out.append(
            (name, kind == "text", "record" if unprinted else _ROLES.get(name, "prose"), unprinted)
        )
    return tuple(out)


def _collect(
    model: BaseModel,
    where: str,
    record: bool,
    scan: Callable[[str, Role], T],
    out: list[tuple[str, str, T]],
) -> None:
    """Append `scan(text, role)` of the free text of `model` (at JSON path `where`; `record`:
    inside a record part) to `out` with its path and text, in field order, when not empty. A
    plain recursion into one list: a model holds some hundred texts, and nested generators cost
    more than the walk itself."""
    values = model.__dict__  # a model's fields are there (read so, not by getattr: some 25% less)
    # A text field holds a text or a list of texts (`_is_free_text`: its model validates so), a
    # model field a model or a list of them: the two kinds are read apart, so each value is
    # asked what it is once or twice, not once for each kind.
    for name, is_text, role, unprinted in _plan(type(model), record):
        value = values[name]
        if value is None:
            continue
        if is_text:
            if isinstance(value, str):
                answer = scan(value, role)
                if answer:
                    out.append((f"{where}.{name}" if where else name, value, answer))
            else:
                for i, item in enumerate(value):
                    answer = scan(item, role)
                    if answer:
                        out.append(
                            (f"{where}.{name}[{i}]" if where else f"{name}[{i}]", item, answer)
                        )
        elif isinstance(value, list):
            path = f"{where}.{name}" if where else name
            for i, item in enumerate(value):
                _collect(item, f"{path}[{i}]", unprinted, scan, out)
        else:
            _collect(value, f"{where}.{name}" if where else name, unprinted, scan, out)


# -- normalisation ------------------------------------------------------------------------------

_CONFUSABLE = str.maketrans(
    "АВЕЗІЈКМНОРСТУХЅԁаеіјорсухѕԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧοιν",
    "ABE3IJKMHOPCTYXSdaeijopcyxsqwABEZHIKMNOPTYXoiv",
)
_SPACED = re.compile(r"(?<![A-Za-z])(?:[A-Za-z][ \t.\-_*·•/]{1,2}){2,}[A-Za-z](?![A-Za-z])")
_SEPARATORS = re.compile(r"[ \t.\-_*·•/]")
_SPACING = (
    bytes(
        ord("a") if chr(b).isalpha() else ord("s") if chr(b) in " \t.-_*/" else ord("o")
        for b in range(128)
    )
    + b"o" * 128
)
"""A table for `bytes.translate`: each ASCII letter made "a", each separator of _SPACED "s",
any other byte "o" (see `_spaced`)."""


def _spaced(text: str) -> bool:
    """Whether ASCII `text` holds a match of _SPACED (letters written one by one), asked
    where such a match can start only: _SPACED is tried at every place of a text, which costs
    more than the rest of `normalise` on plain text. Every match has a second letter with a
    separator on either side ("sas" in `_SPACING`'s marks of the text), and starts one or two
    separators before it, at its first letter; `match` at a place reads the text before it
    (the look-behind), as `search` does."""
    marks = text.encode("ascii").translate(_SPACING)
    i = marks.find(b"sas")  # i: the separator before a lone letter
    while i >= 0:
        for start in (i - 1, i - 2):  # its first letter, one or two separators before
            if start >= 0 and _SPACED.match(text, start) is not None:
                return True
        i = marks.find(b"sas", i + 1)
    return False


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """`text` as a reader sees it (see the module docstring); plain text comes back as it is."""
    if text.isascii() and not _spaced(text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        ch
        for ch in decomposed
        if unicodedata.category(ch) not in ("Mn", "Me", "Cf", "Cc") or ch in "\n\t"
    )
    folded = unicodedata.normalize("NFKC", kept).translate(_CONFUSABLE)
    return _SPACED.sub(lambda m: _close_up(m.group(0)), folded)


def _close_up(run: str) -> str:
    """Letters written one by one ("S E C R E T", "F.O.U.O.") closed up, when they make a
    word of capitals; an ordinary run of initials ("U. S. A") stays as written."""
    joined = _SEPARATORS.sub("", run)
    return joined if joined.isupper() and len(joined) >= 3 else run


def _quote(text: str, start: int, end: int, *, width: int = 24) -> str:
    """The match in its context, for messages: '...text [MATCH] text...'."""
    left = text[max(0, start - width) : start]
    right = text[end : end + width]
    lead = "..." if start > width else ""
    tail = "..." if end + width < len(text) else ""
    return f'"{lead}{left}{text[start:end]}{right}{tail}"'


class TextHit(NamedTuple):
    """A scanner's match: what it found and where in the text."""

    what: str
    start: int
    end: int


# -- gates: what a text must hold for a pattern to match in it ---------------------------------
# Most texts hold none of the markings, personal data or terms looked for, and a pattern of
# alternatives is tried at every position of the text. Each scan below is therefore run only
# when the text holds something every match of its pattern holds (a literal of the pattern: its
# "needles"), which `in` finds far faster. A gate never changes what is found: a text it stops
# cannot hold a match (the needles are worked out from each pattern, beside it below).

_DIGIT = re.compile(r"\d")
r"""A digit, as `\d` reads it in the patterns (any Unicode decimal digit)."""


def _for_the_last_text(func: Callable[[str], T]) -> Callable[[str], T]:
    """`func`, its answer for the last text asked kept with that very text: the scanners of one
    text ask the same of it in turn."""
    last: tuple[str | None, Any] = (None, None)

    def call(text: str) -> T:
        nonlocal last
        kept = last  # one read: another thread may replace it
        if kept[0] is text:
            return kept[1]
        answer = func(text)
        last = (text, answer)
        return answer

    return call


_DIGITS_AS_0 = bytes.maketrans(b"0123456789", b"0000000000")
"""A table for `bytes.translate`: each ASCII digit made "0", any other byte left as it is."""


@_for_the_last_text
def _digit_shape(text: str) -> bytes | None:
    r"""ASCII `text` with each digit made "0", None for other text. In ASCII text `\d` reads
    the ten ASCII digits only, so the gates that look for digits in a given shape (a digit;
    three in a row; one, a separator and one) look for it with `in` in this form (one pass in
    C, then a plain search each) instead of a pattern tried at every place of the text. The
    scanners of one text ask it in turn."""
    return text.encode("ascii").translate(_DIGITS_AS_0) if text.isascii() else None


_SHORT = 128
"""Texts shorter than this are searched with the digit patterns themselves (`_holds_digits`)."""


def _holds_digits(text: str, pattern: re.Pattern[str], shapes: tuple[bytes, ...]) -> bool:
    """Whether `pattern`, digits and separators of a fixed shape, matches in `text`: for ASCII
    text, whether its `_digit_shape` holds one of `shapes`, every form of the pattern's match
    with its digits made "0" (a pattern of fixed length, read as written, matches exactly
    where its text in that form is; the tests hold each pattern to its shapes)."""
    if len(text) < _SHORT:  # (a short text: the search costs less than the forms)
        return pattern.search(text) is not None
    shape = _digit_shape(text)
    if shape is None:
        return pattern.search(text) is not None
    for form in shapes:  # noqa: SIM110 (a loop: see `_holds`)
        if form in shape:
            return True
    return False


def _has_digit(text: str) -> bool:
    """Whether `text` holds a digit (`_DIGIT`)."""
    return _holds_digits(text, _DIGIT, (b"0",))


def _holds(text: str, needles: tuple[str, ...]) -> bool:
    """Whether `text` holds one of `needles`, as written (for a pattern read case-sensitively)."""
    # a loop, not any() over a generator: half the cost, on every new text
    for n in needles:  # noqa: SIM110
        if n in text:
            return True
    return False


@_for_the_last_text
def _folded(text: str) -> str | None:
    """The lower case of ASCII `text` (what re.IGNORECASE compares in it), None for other text.
    The scanners of one text ask it in turn."""
    return text.lower() if text.isascii() else None


def _may_hold_folded(low: str | None, needles: tuple[str, ...]) -> bool:
    """`_may_hold` of a text by its `_folded` form (worked out once for several gates)."""
    if low is None:
        return True
    for n in needles:  # noqa: SIM110 (a loop: see `_holds`)
        if n in low:
            return True
    return False


def _may_hold(text: str, needles: tuple[str, ...]) -> bool:
    """Whether `text` may hold one of `needles` (lower-case ASCII) in any case, as a pattern
    read with re.IGNORECASE would: for ASCII text, its lower case holds one (for ASCII text that
    is exactly what IGNORECASE compares); other text always may (re.IGNORECASE also folds some
    other letters onto ASCII ones, such as the Kelvin sign onto "k")."""
    return _may_hold_folded(_folded(text), needles)


# -- classification and controlled unclassified markings --

# Banner words count only in capitals: "confidential" and "Secret" in ordinary prose are words,
# "CONFIDENTIAL" and "SECRET" are markings.
_BANNER = re.compile(
    r"\b(?:(?:COSMIC|NATO)\s+)?(?:TOP\s*SECRET|SECRET|CONFIDENTIAL)\b|\bNATO\s+RESTRICTED\b"
)
# Phrases that name a classification level without marking the text: the SIPRNET expansion,
# and equipment capability ("up to SECRET", "SECRET and below").
_BENIGN_LEVEL = re.compile(
    r"secret\s+internet\s+protocol"
    r"|\b(?:up\s+to|through)\s+(?:and\s+including\s+)?(?:the\s+)?(?:top\s+)?secret\b"
    r"|\b(?:top\s+)?secret\s+(?:and|or)\s+below\b"
    r"|\b(?:top\s+)?secret[-\s]+level\b",
    re.IGNORECASE,
)
# Dissemination controls and classification authority lines are markings wherever they appear.
_CONTROL = re.compile(
    r"//\s*(?:NOFORN|NF|REL(?:\s+TO)?|RELIDO|ORCON|SCI|SI|TK|HCS|FGI|SAR|IMCON|PROPIN|FISA|"
    r"FOUO|SP-[A-Z]+|BASIC|FED\s*ONLY|NOCON|DL\s*ONLY|LES)\b"
)
_REL_TO = re.compile(r"\bREL\s+TO\s+USA\b")
_CONTROL_WORD = re.compile(r"\b(?:NOFORN|ORCON|RELIDO|PROPIN|LIMDIS)\b", re.IGNORECASE)
_AUTHORITY = re.compile(r"\b(?:classified\s+by|derived\s+from|declassify\s+on)\s*:", re.IGNORECASE)
# Controlled unclassified information: CUI (its banner in capitals), its legacy markings (FOUO,
# SBU, LES, LIMDIS) and their spelt-out forms, and distribution statements B to F.
_CUI = re.compile(
    r"\bCUI\b|\bFOUO\b|\bSBU\b"
    r"|\bcontrolled\s+unclassified\s+information\b"
    r"|\bfor\s+official\s+use\s+only\b"
    r"|\bsensitive\s+but\s+unclassified\b"
    r"|\blaw\s+enforcement\s+sensitive\b"
    r"|\bdistribution\s+statement\s+[B-F]\b",
    re.IGNORECASE,
)
_CUI_CAPS_ONLY = re.compile(r"\bCUI\b|\bSBU\b")
# Portion markings: "(TS)", "(S//NF)", "(C//REL TO USA, BN)", "(S/NF)" are always markings.
# Those of controlled unclassified information, "(CUI)", "(U//FOUO)", "(CUI//SP-EXPT)", are
# not classified: `find_cui` reads them.
_PORTION = re.compile(
    r"(?<![\w(])\((?:TS|S|C|U)(?:\s*//?\s*[A-Z][^)]*|/[A-Z][^)]*)\)|(?<![\w(])\(TS\)"
)
_CUI_CONTROL = re.compile(r"//\s*(?:FOUO|SP-[A-Z]+|BASIC|FED\s*ONLY|NOCON|DL\s*ONLY|LES)\b")
"""Controls of controlled unclassified information (its categories and dissemination
controls: "CUI//SP-EXPT", "(U//FOUO)"), not of classified information."""
_AFTER_CUI = re.compile(r"\bCUI\s*$")
"""A control right after "CUI" ("CUI//NOFORN"): part of a CUI banner."""
# A bare "(S)", "(C)" or "(U)" is a marking only where a portion marking stands: at the start
# of the text or of a sentence. Glued to a word ("PART(S)") it is a plural; inside a list of
# "(A)", "(B)", "(C)" it is an enumerator; after "Copyright" it is a copyright sign.
_BARE = re.compile(r"(?:^|(?<=[.:;!?]\s)|(?<=\n))\s*\((S|C|U)\)(?=\s|$|[A-Za-z])")
_ENUMERATOR = re.compile(r"(?<![\w(])\(([A-Z])\)")
_PAREN_CAPITAL = re.compile(r"\([A-Z]")
"""What every match of _PORTION, _BARE and _ENUMERATOR holds: an opening parenthesis, then a
capital ("column (2)" holds none)."""
_BANNER_NEEDLES = ("SECRET", "CONFIDENTIAL", "RESTRICTED")
_CONTROL_WORD_NEEDLES = ("noforn", "orcon", "relido", "propin", "limdis")
# The other gates of `find_markings`: "//" (_CONTROL), "REL" (_REL_TO), ":" (_AUTHORITY), "("
# (_PORTION, _BARE, _ENUMERATOR).
_CUI_NEEDLES = (
    "cui", "fouo", "sbu", "controlled", "official", "sensitive", "enforcement", "distribution",
)  # fmt: skip


def _merged(spans: list[tuple[int, int]]) -> list[list[int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def find_markings(text: str) -> tuple[TextHit, ...]:
    """Classification markings in `text` (pass it through `normalise` first; see the patterns
    above). Parts of one marking that touch ("SECRET" and "//NOFORN") are reported as one."""
    spans: list[tuple[int, int]] = []
    # gates: every banner holds SECRET, CONFIDENTIAL or RESTRICTED (case-sensitive)
    if _holds(text, _BANNER_NEEDLES):
        banners = list(_BANNER.finditer(text))
        benign = [m.span() for m in _BENIGN_LEVEL.finditer(text)] if banners else []
        for m in banners:
            if not any(a <= m.start() and m.end() <= b for a, b in benign):
                spans.append(m.span())
    if "//" in text:
        spans.extend(
            m.span()
            for m in _CONTROL.finditer(text)
            if not _CUI_CONTROL.match(m.group(0)) and not _AFTER_CUI.search(text, 0, m.start())
        )
    if "REL" in text:
        spans.extend(m.span() for m in _REL_TO.finditer(text))
    if _may_hold(text, _CONTROL_WORD_NEEDLES):
        spans.extend(m.span() for m in _CONTROL_WORD.finditer(text))
    if ":" in text:
        spans.extend(m.span() for m in _AUTHORITY.finditer(text))
    # portion markings, bare ones and enumerators are all a capital in parentheses
    if "(" in text and _PAREN_CAPITAL.search(text) is not None:
        spans.extend(
            m.span()
            for m in _PORTION.finditer(text)
            if not (m.group(0).startswith("(U") and _CUI_CONTROL.search(m.group(0)))
        )
        enumerators = {m.group(1) for m in _ENUMERATOR.finditer(text)}
        if not (enumerators - {"S", "C", "U"} or {"S", "C"} <= enumerators):  # else (A) (B) (C)
            spans.extend((m.start(1) - 1, m.start(1) + 2) for m in _BARE.finditer(text))
    if not spans:
        return ()
    return tuple(TextHit(f"the marking {text[a:b].strip()!r}", a, b) for a, b in _merged(spans))


def find_cui(text: str) -> tuple[TextHit, ...]:
    """Controlled unclassified information markings in (normalised) `text`: CUI, FOUO
    ("For Official Use Only"), SBU, LES and distribution statements B to F."""
    spans = []
    if not _may_hold(text, _CUI_NEEDLES):
        return ()
    for m in _CUI.finditer(text):
        if _CUI_CAPS_ONLY.fullmatch(m.group(0).upper()) and not m.group(0).isupper():
            continue  # "cui" or "sbu" in lower case is not the marking
        spans.append(m.span())
    return tuple(TextHit(f"the marking {text[a:b].strip()!r}", a, b) for a, b in _merged(spans))


# -- personal data --

_WHITE_ASCII = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
r"""The ASCII characters `\s` reads as white space."""

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+\s*@\s*[A-Za-z0-9-]+(?:\s*\.\s*[A-Za-z0-9-]+)+"
)
_AT = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\.)"
_SPELT_AT = re.compile(r"[\s\[({<]at[\s\])}>]", re.IGNORECASE)
"""What every match of _EMAIL_SPELT holds (its gate): "at" with a space or a bracket on either
side (both forms of _AT), read with the same flag as the pattern."""
_EMAIL_SPELT = re.compile(
    # "name [at] army [dot] mil", "name(at)army.mil", "name at army dot mil": the bare words
    # only with a domain the address could end in, so prose ("met at the port") is not read
    rf"\b[A-Za-z0-9._%+-]+{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}"
    r"(?:mil|gov|com|org|net|edu|int|us|uk|[a-z]{2})\b",
    re.IGNORECASE,
)
_AFTER_AT = re.compile(rf"(?:\s*[\])}}>]\s*|\s+)[A-Za-z0-9-]+{_DOT}", re.IGNORECASE)


_AT_OPENS = frozenset(_WHITE_ASCII.decode() + "[({<")
_AT_CLOSES = frozenset(_WHITE_ASCII.decode() + "])}>")
r"""The characters `_SPELT_AT` reads before and after "at" in ASCII text (`\s` there is
`_WHITE_ASCII`)."""


def _may_spell_email(text: str, low: str | None) -> bool:
    """The gate of _EMAIL_SPELT (" at " is a common word, and the pattern backtracks over every
    word before it): every match holds its _AT, the first label of the domain and the _DOT after
    it (of the repeated group or the last). Both forms of _AT have "at" between a space or an
    opening bracket and a space or a closing bracket (a match of `_SPELT_AT`), then the rest of
    the _AT, which `_AFTER_AT` reads on with the label and the _DOT. Each match of _SPELT_AT is
    looked at, overlapping ones too (" at at "). `low`: the text's `_folded` form; in ASCII
    text the matches of _SPELT_AT are found by looking for "at" in it (what re.IGNORECASE
    compares there) and at the characters on either side, not by trying the pattern at every
    place of the text."""
    if low is not None:
        i = low.find("at", 1)  # (at 0 there is nothing before "at")
        while i >= 0:
            if (
                low[i - 1] in _AT_OPENS
                and low[i + 2 : i + 3] in _AT_CLOSES  # ('' at the end: not in the sets)
                and _AFTER_AT.match(text, i + 2) is not None
            ):
                return True
            i = low.find("at", i + 1)
        return False
    m = _SPELT_AT.search(text)
    while m is not None:
        if _AFTER_AT.match(text, m.start() + 3) is not None:
            return True
        m = _SPELT_AT.search(text, m.start() + 1)
    return False


_PHONE = re.compile(
    r"(?<![\w/.-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w/-])"
)
_PHONE_INTL = re.compile(r"(?<![\w/+])\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?![\w/])")
_PHONE_LABEL = re.compile(
    r"\b(?:tel|phone|telephone|fax|mobile|cell|DSN)\b\.?:?\s*\+?\(?\d[\d\s().-]{5,}\d",
    re.IGNORECASE,
)
_SSN = re.compile(
    r"(?<![\w-])\d{3}[- ]\d{2}[- ]\d{4}(?![\w-])"
    r"|\b(?:SSN|SSAN|social\s+security(?:\s+(?:number|no\.?|#))?)\b\s*[:#]?\s*\d",
    re.IGNORECASE,
)
_NINE_DIGITS = re.compile(r"(?<![\w/.-])(\d{3})(\d{2})(\d{4})(?![\w/.-])")
_ITEM_NUMBER_BEFORE = re.compile(
    r"(?:\b(?:NIIN|NSN|MASL|P/?N|part|stock|item|serial|model|contract|document|drawing|"
    r"catalog|lot)\b(?:\s*(?:numbers?|nos?\.?|#))?)\s*[:#.-]?\s*$",
    re.IGNORECASE,
)
"""Words a nine-digit number after which is an item's number, not a social security number
('NIIN 015235210', 'part number 123456789', 'P/N: 123456789'): a social security number is
written 3-2-4 ('123-45-6789') or named ('SSN 123456789'), which `_SSN` finds."""
_PASSPORT = re.compile(
    r"\bpassport\b(?:\s+(?:number|no\.?|#))?\s*[:#]?\s*[A-Z0-9]{6,9}\b", re.IGNORECASE
)
_BIRTH = re.compile(r"\b(?:DOB|date\s+of\s+birth|born(?:\s+on)?)\b\s*[:#]?\s*\d", re.IGNORECASE)


# Gates of the patterns that need a digit, each a part every match holds: the run of digits
# the pattern ends with or is made of, or its words (read as the pattern reads them).
_DIGIT_RUN = re.compile(r"\d\d\d")
"""Three digits in a row: what _SSN_DIGITS, _NINE_DIGITS_RUN and _PHONE_DIGITS all hold (most
texts with digits have none, and one search answers for the three)."""
_SSN_DIGITS = re.compile(r"\d{3}[- ]\d{2}[- ]\d{4}")
_SSN_WORDS = ("ssn", "ssan", "social")
_NINE_DIGITS_RUN = re.compile(r"\d{9}")
_BIRTH_WORDS = ("dob", "date", "born")
_PHONE_DIGITS = re.compile(r"\d{3}[\s.-]\d{4}")
_PHONE_WORDS = ("tel", "phone", "fax", "mobile", "cell", "dsn")
"""_PHONE ends with `_PHONE_DIGITS`; _PHONE_LABEL starts with one of these words; _PHONE_INTL
with a "+"."""


_DIGIT_SHAPES: dict[re.Pattern[str], tuple[bytes, ...]] = {
    # pattern: every form of its match, digits made "0" (`_holds_digits`)
    _DIGIT: (b"0",),
    _DIGIT_RUN: (b"000",),
    _SSN_DIGITS: tuple(b"000%c00%c0000" % (a, b) for a in b"- " for b in b"- "),
    _NINE_DIGITS_RUN: (b"0" * 9,),
    _PHONE_DIGITS: tuple(b"000%c0000" % c for c in _WHITE_ASCII + b".-"),
}
"""The digit gates of `find_contact_data` (with `_DATE_SEPARATED`'s, below), as shapes."""


def _ssn_shaped(m: re.Match[str]) -> bool:
    area, group, serial = m.groups()
    return (
        area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
    )


def find_contact_data(text: str, *, digits: bool = True) -> tuple[TextHit, ...]:
    """E-mail addresses, phone numbers, social security numbers (with or without separators),
    passport numbers and dates of birth in (normalised) `text`. `digits`: also read a
    lone nine-digit number as a social security number (not in reference fields, where
    document numbers stand)."""
    hits: list[TextHit] = []
    # gates: "@" (_EMAIL); "at" between spaces or brackets (_EMAIL_SPELT); "passport"
    # (_PASSPORT); a digit (every other pattern), and each pattern's own (above)
    has_digit = _has_digit(text)
    digit_run = has_digit and _holds_digits(text, _DIGIT_RUN, _DIGIT_SHAPES[_DIGIT_RUN])
    low = _folded(text)  # for the gates of the words, read in any case
    if "@" in text:
        hits.extend(TextHit("an e-mail address", m.start(), m.end()) for m in _EMAIL.finditer(text))
    if _may_spell_email(text, low):
        hits.extend(
            TextHit("an e-mail address", m.start(), m.end()) for m in _EMAIL_SPELT.finditer(text)
        )
    if has_digit and (
        (digit_run and _holds_digits(text, _SSN_DIGITS, _DIGIT_SHAPES[_SSN_DIGITS]))
        or _may_hold_folded(low, _SSN_WORDS)
    ):
        hits.extend(
            TextHit("a social security number", m.start(), m.end()) for m in _SSN.finditer(text)
        )
    if (
        digits
        and digit_run
        and _holds_digits(text, _NINE_DIGITS_RUN, _DIGIT_SHAPES[_NINE_DIGITS_RUN])
    ):
        hits.extend(
            TextHit("a social security number", m.start(), m.end())
            for m in _NINE_DIGITS.finditer(text)
            if _ssn_shaped(m)
            and not _ITEM_NUMBER_BEFORE.search(text, max(0, m.start() - 40), m.start())
        )
    if _may_hold_folded(low, ("passport",)):
        hits.extend(
            TextHit("a passport number", m.start(), m.end()) for m in _PASSPORT.finditer(text)
        )
    if not has_digit:
        return tuple(sorted(set(hits), key=lambda h: (h.start, h.end, h.what))) if hits else ()
    if _may_hold_folded(low, _BIRTH_WORDS):
        hits.extend(TextHit("a date of birth", m.start(), m.end()) for m in _BIRTH.finditer(text))
    taken = [(h.start, h.end) for h in hits]
    phones = (
        (_PHONE, digit_run and _holds_digits(text, _PHONE_DIGITS, _DIGIT_SHAPES[_PHONE_DIGITS])),
        (_PHONE_LABEL, _may_hold_folded(low, _PHONE_WORDS)),
        (_PHONE_INTL, "+" in text),
    )
    for pattern, gate in phones:
        if not gate:
            continue
        for m in pattern.finditer(text):
            if pattern is _PHONE_INTL and len(re.sub(r"\D", "", m.group(0))) < 8:
                continue
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append(m.span())
            hits.append(TextHit("a phone number", m.start(), m.end()))
    return tuple(sorted(set(hits), key=lambda h: (h.start, h.end, h.what))) if hits else ()


_NAME = r"[A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)?"
_HONORIFIC = re.compile(
    rf"\b(?:Mr|Mrs|Ms|Mx|Dr|Miss|Prof)\.?\s+(?:[A-Z]\.\s+)?{_NAME}(?:\s+{_NAME})?"
)
# Ranks that are also common abbreviations ("MG" machine gun, "LT", "Gen", "Col") need a first
# and a last name after them; the others need one name.
_RANKS = (
    "LTG|COL|LTC|MAJ|CPT|1LT|2LT|CW[2-5]|WO1|CSM|SGM|1SG|MSG|SFC|SSG|SGT|PFC"
    "|Lt Gen|Maj Gen|Brig Gen|Lt Col|Capt|1st Lt|2nd Lt|CMSgt|SMSgt|MSgt|TSgt|SSgt"
    "|SrA|A1C|ADM|VADM|RADM|CAPT|LCDR|LTJG|CWO|MCPO|SCPO|Sgt"
)
_AMBIGUOUS_RANKS = "GEN|MG|BG|LT|Gen|Col|Maj|Lt|CDR|Cdr|Adm|ENS|CPO|CPL|SPC"
_RANK = re.compile(
    rf"(?<![\w-])(?:(?:{_RANKS})\.?\s+(?:[A-Z]\.\s+)?{_NAME}(?:\s+{_NAME})?"
    rf"|(?:{_AMBIGUOUS_RANKS})\.?\s+{_NAME}\s+(?:[A-Z]\.\s+)?{_NAME})"
)
_CONTACT = re.compile(
    r"\b(?:POC|Attn|ATTN|Attention|Point of Contact|Contact)\s*[:\-]\s*"
    rf"(?:{_NAME}\.?\s+)?{_NAME}\s+{_NAME}"
)
_RANK_NEEDLES = (
    "LT", "Lt", "COL", "Col", "MAJ", "Maj", "CPT", "CW", "WO1", "CSM", "SG", "SFC", "PFC", "Brig",
    "Capt", "CAPT", "Sgt", "SrA", "A1C", "ADM", "Adm", "CDR", "Cdr", "CPO", "GEN", "Gen", "MG",
    "BG", "ENS", "CPL", "SPC",
)  # fmt: skip
"""What every match of _RANK starts with (as written): a part of each rank of _RANKS and
_AMBIGUOUS_RANKS ("LT" of "LTG", "1LT" and "LTJG", "SG" of "SGM", "MSG" and "SGT", "Sgt" of
"CMSgt", "ADM" of "VADM", "CDR" of "LCDR", "CPO" of "MCPO", "CW" of "CWO")."""
_RANK_GATE = re.compile("|".join(_RANK_NEEDLES))
"""The gate of _RANK: one of `_RANK_NEEDLES` (one search of literals costs less than looking
for each, and far less than _RANK, which is tried at every place of a text)."""
_HONORIFIC_NEEDLES = ("Mr", "Ms", "Mx", "Dr", "Miss", "Prof")
_CONTACT_NEEDLES = ("POC", "Attn", "ATTN", "Attention", "Contact")
"""The words every match of _HONORIFIC, of _CONTACT starts with (as written: "Mrs" holds "Mr",
"Point of Contact" holds "Contact")."""
_NAME_GATE = re.compile("|".join((*_RANK_NEEDLES, *_HONORIFIC_NEEDLES, *_CONTACT_NEEDLES)))
"""One of the needles of the three name patterns, the gate of them all: one search of literals
(most text holds none, and then none of the three gates is asked)."""
_SPACE_NAME = re.compile(r"\s[A-Z][a-z]")
r"""What every match of _HONORIFIC, _RANK and _CONTACT holds: a space, then a name's capital and
its next letter (the initial of `(?:[A-Z]\.\s+)?` is followed by the name after a space too)."""


def find_names(text: str) -> tuple[TextHit, ...]:
    """Personal names where they can be told apart: after an honorific, a rank or 'POC:'."""
    hits = []
    # gate: each pattern ends with a name after a space (`\s+{_NAME}`)
    if _SPACE_NAME.search(text) is None or _NAME_GATE.search(text) is None:
        return ()
    patterns = (
        (_HONORIFIC, _holds(text, _HONORIFIC_NEEDLES)),
        (_RANK, _RANK_GATE.search(text) is not None),
        (_CONTACT, _holds(text, _CONTACT_NEEDLES)),
    )
    for pattern, gate in patterns:
        if not gate:
            continue
        for m in pattern.finditer(text):
            hits.append(TextHit(f"the personal name {m.group(0)!r}", m.start(), m.end()))
    if not hits:
        return ()
    # one name found by two patterns ("POC: Maj. John Smith" after "POC:" and after "Maj.") is
    # said once, as the longest match that holds it
    kept: list[TextHit] = []
    for h in sorted(set(hits), key=lambda h: (h.start, -h.end, h.what)):
        if kept and h.start < kept[-1].end:
            continue
        kept.append(h)
    return tuple(kept)


# -- terminology --

_CUSTOMER = re.compile(
    r"\bcustomers?(?:['’]s)?\b(?!\s+request)(?!\s+and\s+regional)", re.IGNORECASE
)
_PURCHASER = re.compile(r"\bpurchasers?(?:['’]s?)?(?![\w])", re.IGNORECASE)
_US_VERBS = (
    "will|shall|may|must|can|could|would|should|is|are|was|were|has|have|had|does|did|agrees"
    "|provides|to|in|at|for|from|by|of|with|under|via|through|during|before|after|until|which"
    "|that|who|but|nor|on|into|within|where|when"
)
_SENTENCE_STARTS = "The|This|That|These|Those|It|Its|They|A|An|All|Each|If|When|Any|No"
_US_NOUN = re.compile(
    rf"\bU\.S\.(?!A\.)(?=\s*$|\s*[,;:!?)\]]|\s+(?:{_US_VERBS})\b|\s+(?:{_SENTENCE_STARTS})\s)"
)
_MONTH_ABBR = r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
_MONTH_FULL = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_NUMERIC_DATE = re.compile(
    r"(?<![\w/.-])(?:\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4}"
    r"|\d{1,2}\.\d{1,2}\.\d{4}|\d{4}/\d{1,2}/\d{1,2})(?![\w/-])"
    rf"|\b\d{{1,2}}[-\s]?{_MONTH_ABBR}[-\s]?\d{{2,4}}\b"
    rf"|\b(?:{_MONTH_FULL}|{_MONTH_ABBR})\s+\d{{1,2}}(?:st|nd|rd|th)?,\s*\d{{4}}\b",
    re.IGNORECASE,
)
_USG = re.compile(r"\bUSG\b")
_LINE_ITEM = re.compile(r"\bline[-\s]items?\b", re.IGNORECASE)
_SLS = re.compile(r"\babove\s+(?:the\s+)?(?:standard\s+level\s+of\s+service|SLS)\b", re.IGNORECASE)
_MOS_TERMS = re.compile(
    r"\bPoPs?\b|(?i:\b(?:periods?\s+of\s+performance|performance\s+periods?|lead[-\s]?times?)\b)"
)
"""What LSG-1 says to write as "Months of Service (MOS)": PoP, period of performance, lead time."""
_LINE_NUMBER_STYLE = re.compile(
    r"\blines?\s+\d"  # "line 002": Line takes its capital
    r"|\bLines?\s+\d{1,2}(?![\d,.])"  # "Line 2": three digits
    r"|\bLines\s+\d{3}[a-z]?(?:\s+[-\u2013]\s*|\s*[-\u2013]\s+)\d+[a-z]?"  # "Lines 004 - 005"
)
"""Line numbers not written as LSG-1 writes them: "Line 001", "Lines 001-005"."""
_LINE_NUMBER_GATE = re.compile(r"ines?\s+\d")
"""What every match of _LINE_NUMBER_STYLE holds, read as it reads it: "ine", maybe "s", white
space and a digit. Nearly every line note says "this line", so a gate of "ine" alone passes it
to the pattern, which is tried at every place of the text; this one search of a literal start
costs a twentieth of that."""


_TERM_GATES: dict[re.Pattern[str], tuple[bool, tuple[str, ...]]] = {
    # pattern: (read case-insensitively, needles every match holds)
    _CUSTOMER: (True, ("customer",)),
    _PURCHASER: (True, ("purchaser",)),
    _US_NOUN: (False, ("U.S.",)),
    _USG: (False, ("USG",)),
    _LINE_ITEM: (True, ("item",)),
    _SLS: (True, ("above",)),
}
"""Gates of the terminology patterns (see the gates above); _NUMERIC_DATE's is
`_may_hold_date`."""


_DATE_SEPARATED = re.compile(r"\d[/.-]\d")
"""What every all-digit date of _NUMERIC_DATE holds ("1/2", "2025-1", "1.2")."""
_DIGIT_SHAPES[_DATE_SEPARATED] = (b"0/0", b"0.0", b"0-0")
_MONTH_NEEDLES = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
"""What every date of _NUMERIC_DATE with a month's name holds (its first three letters)."""


_DATE_NAMED = re.compile(
    r"\d[-\s]?(?:jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+\d",
    re.IGNORECASE,
)
"""What every date of _NUMERIC_DATE with a month's name holds, read as the pattern reads it: a
digit then the month ("5-Jan-25", "3Sept25"), or the month's name then a space and a digit
("January 5, 2025", "Sept. 5"). Month names are common words ("may", "march", "separate"), so
this is asked where the needles are in the text; in ASCII text, at each needle only
(`_DAY_BEFORE`, `_DAY_AFTER`: the two sides of this pattern around the month)."""
_DAY_BEFORE = re.compile(r"\d[-\s]?")
_DAY_AFTER = re.compile(r"\w*\.?\s+\d")


def _named_date_at_needle(low: str) -> bool:
    """Whether ASCII text in lower case `low` holds a match of `_DATE_NAMED` (lower case is what
    re.IGNORECASE compares for ASCII text): looked for around each month's needle."""
    for needle in _MONTH_NEEDLES:
        i = low.find(needle)
        while i >= 0:
            if _DAY_AFTER.match(low, i + 3) is not None:
                return True
            if i >= 1 and (
                _DAY_BEFORE.fullmatch(low, i - 1, i) is not None
                or (i >= 2 and _DAY_BEFORE.fullmatch(low, i - 2, i) is not None)
            ):
                return True
            i = low.find(needle, i + 1)
    return False


def _may_hold_date(text: str) -> bool:
    """The gate of _NUMERIC_DATE: digits with a separator between them, or a digit and a
    month's name (`_DATE_NAMED`)."""
    if not _has_digit(text):  # (both kinds of date hold a digit)
        return False
    if _holds_digits(text, _DATE_SEPARATED, _DIGIT_SHAPES[_DATE_SEPARATED]):
        return True
    if not text.isascii():
        return _DATE_NAMED.search(text) is not None
    # (no need to ask first whether a needle is in the text: this looks for each with `find`)
    return _named_date_at_needle(_folded(text))  # type: ignore[arg-type]  (ASCII text)


_LINE_ITEM_LOW = re.compile(r"line[-\s]item")
"""What every match of _LINE_ITEM holds, read in the lower case of ASCII text (what
re.IGNORECASE compares there): the second gate of _LINE_ITEM, after its "item". Many texts
speak of an "end item" or "items"; one search of this costs less than trying _LINE_ITEM at
each "line" of them."""


_TERM_STARTS: dict[re.Pattern[str], str] = {
    _CUSTOMER: "customer",
    _PURCHASER: "purchaser",
    _LINE_ITEM: "line",
    _SLS: "above",
    _US_NOUN: "U.S.",
    _USG: "USG",
}
"""What every match of a terminology pattern starts with (after its `\b`), read as the gate
of `_TERM_GATES` reads it (case-insensitively or as written)."""


def find_terms(pattern: re.Pattern[str], text: str) -> tuple[TextHit, ...]:
    if pattern is _NUMERIC_DATE:
        if not _may_hold_date(text):
            return ()
        found: Iterable[re.Match[str]] = pattern.finditer(text)
    else:
        gate = _TERM_GATES.get(pattern)
        if gate is None:
            found = pattern.finditer(text)
        else:
            folded, needles = gate
            if not (_may_hold if folded else _holds)(text, needles):
                return ()
            if pattern is _LINE_ITEM and not _may_hold_line_item(text):
                return ()
            found = matches_from(pattern, text, _TERM_STARTS[pattern])
    return tuple(TextHit(m.group(0), m.start(), m.end()) for m in found)


def _may_hold_line_item(text: str) -> bool:
    """Whether `text` may hold a match of _LINE_ITEM: for ASCII text, whether its lower case
    holds `_LINE_ITEM_LOW`; other text always may."""
    low = _folded(text)
    return low is None or _LINE_ITEM_LOW.search(low) is not None


_IGNORECASE = int(re.IGNORECASE)
"""The flag as a plain number: `int & re.IGNORECASE` runs the flag enum's own `&`, in Python."""


def matches_from(pattern: re.Pattern[str], text: str, start: str) -> Iterator[re.Match[str]]:
    """What `pattern.finditer(text)` finds, for a pattern every match of which starts with
    `start` (lower case for a pattern read with re.IGNORECASE): in ASCII text, or in any text for
    a pattern read as written, the pattern is tried where `start` is only, not at every place of
    the text (in the text's lower case for re.IGNORECASE, which for ASCII text is what it
    compares, index for index). Like finditer, the next match is looked for from the end of the
    last one; `match` at a place still reads the text before it (`\b`, look-behinds)."""
    if not pattern.flags & _IGNORECASE:
        seen = text
    elif text.isascii():
        seen = _folded(text)  # type: ignore[assignment]  (ASCII text)
    else:
        yield from pattern.finditer(text)
        return
    end = 0
    i = seen.find(start)
    while i >= 0:
        if i >= end:
            m = pattern.match(text, i)
            if m is not None:
                yield m
                end = m.end()
        i = seen.find(start, i + 1)
