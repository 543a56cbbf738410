"""Item names as a reader writes them: the MASL description's capitals in normal case, and plurals.

A MASL description is written in capitals ("JAVELIN COMMAND LAUNCH UNIT"); the State description
and the line description notes read as sentences, so they name the item as a reader would
("60 Javelin Command Launch Units"). A case writer can give that name per line
(`nomenclature`, and `nomenclature_plural` for an irregular plural); without it, these rules
derive it from the MASL description:

- a description the writer typed in normal case, not in a MASL's capitals (as many words in
  lower case as in capitals: "C-130J aircraft w/ GFE") is kept exactly as typed, its words in
  capitals too: they are acronyms and designators (GFE, CONUS, NVG, AN/PVS-14), which the
  rules below could not all tell from ordinary words;
- a word is kept exactly as written when it is a designator or an acronym: it holds a digit
  (C-130J, AIM-9X, AN/APG-83, 4X4), a full stop or an ampersand (U.S., PC&H), is a known
  acronym (GPS, SAASM, CONUS, MDE, ...), has no vowel (NVD, MK), is a Roman numeral (II, IV), a
  single letter, or is not written in capitals at all (the writer chose its case);
- Major Defense Equipment is a named item: its words are in title case ("Javelin Command Launch
  Unit"), the small words (of, and, for, the, with, to, in, on, ...) in lower case after the
  first word, words in parentheses (qualifiers, "(excess)") in lower case;
- every other line names a category of articles or services: lower case ("support equipment",
  "initial spares and repair parts"), except the proper names of weapon systems (Hellfire,
  Abrams, Black Hawk, ...), of languages, peoples and countries ("English language
  training", "the continental United States") and of the parties the document names with a
  capital (Purchaser, U.S. Government, ...: "database for the Purchaser's ranges");
- a MASL inversion, a noun and plain modifiers, "BATTERY, LITHIUM", "LAUNCH UNIT, COMMAND" or
  "KIT, TOOL, MECHANICS", is put in reading order ("lithium battery", "Command Launch Unit",
  "mechanics tool kit"), designators and sizes first ("TRUCK, CARGO, 5 TON, M1083A1P2" ->
  "M1083A1P2 5-ton cargo truck") but never a digit first, which would stand beside a count
  ("light tactical vehicle, 4X4", "high explosive cartridge, 30MM"); anything else after a
  comma (a list, a clause) stays where it is, and `checks` asks for the writer's
  `nomenclature` when a noun is left before its modifiers ("kit, modification, with cables");
- the plural changes only the head noun: the last word before a comma, a parenthesis, a colon
  or a "with", "for", "of" clause, passing over a trailing designator ("Radios AN/PRC-117G");
  an acronym, a number or a Roman numeral as the head ("Handheld GPS", "F-16 Block 70") stays
  as it is. English rules: y after a consonant -> ies, s/x/z/ch/sh -> es, the usual f/fe -> ves,
  a few o -> oes, -man -> -men, else s; nouns with no plural (aircraft, equipment, ammunition,
  software, training, ...) and nouns already plural (spare parts, services) stay as they are;
- a count is printed once: a name that states one ("C-130J aircraft, qty 2", "boat (2)", "2 each
  radios") is printed without it beside the line's quantity ("2 C-130J aircraft"), which is the
  document's own figure (an Amendment counts what it adds);
- a count never stands beside a name that starts with a number ("4 11-meter boats"): one to ten
  is written in words ("four 11-meter rigid hull inflatable boats"), a larger count in figures
  after the name, in the form the document gives any quantity that follows a name
  ("11-meter rigid hull inflatable boats (12 EA)", as "hydraulic fluid (12 GL)").
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from ..case.model import Line
from ..reference import load_reference


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ACRONYMS = _words(
    """
    ADP AEGIS AESA AMRAAM APKWS APU ASE ATACMS BPC CAS CCI CIWS CLS CLSSA CLU COMSEC CONUS COTS
    CTS DOD DOS DSCA EDA EEUM EO EOIR ESSM ETSS FLIR FMF FMS FMSO GMLRS GOTS GPS GSE HARM HIMARS
    HMMWV IFF ILS IMET IR IRST ISO ISR IUID JDAM JLTV JSOW LAU LOA LRU MANPADS MASL MDE MIDS MLRS
    MOS MRAP MTCR MTT NATO NDI NIIN NSR NVD NVG OCONUS OEM POL QA RFID SAASM SAM SATCOM SCML SINCGARS
    SM SOCOM SOF SRU TADS TLA TMDE TOW UAS UAV UID US USA USAF USCG USMC USN WWRS
    """
)
"""Acronyms that have vowels (a word without vowels is taken for an acronym anyway). Words
that are acronyms and English words too (PAD, RAM, FAT, IT) are left out: the writer's
`nomenclature` names such an item."""

SMALL_WORDS = _words("a an and as at by for from in into of on or per the to via with without")
"""Words in lower case inside a title."""

CLAUSE_WORDS = _words("with for of w/ without including less")
"""Words that open a clause after the head noun ("KIT FOR M1A2", "SET OF TOOLS")."""

NO_PLURAL = _words(
    """
    aircraft ammunition apparatus armor armour assistance baggage chassis clothing corps data
    development documentation engineering equipment equity evaluation firmware freight fuel
    furniture gear handling hardware headquarters information integration intelligence
    logistics luggage machinery maintenance management manpower materiel means middleware news
    oil ordnance overhaul packaging personnel reconnaissance refurbishment repair research
    security series servicing sheep shipping software species storage support surveillance
    sustainment tooling training transportation
    """
)
"""Nouns that take no plural ("2 C-130J aircraft", "support equipment"); any word ending in
-craft or -ware too."""

MASS_NOUNS = _words(
    """
    ammunition armor armour baggage clothing data documentation equipment firmware freight fuel
    furniture gear hardware information luggage machinery materiel middleware oil ordnance
    packaging software tooling
    """
)
"""Nouns with no plural that name a mass, not things one counts (unlike aircraft): a count of
items reads "32 items of secure communications equipment"."""

SINGULAR_S = _words("alias atlas bias bus canvas gas iris lens")
"""Singular nouns that end in s (all others ending in s are taken to be plural already)."""

IRREGULAR = {
    "child": "children", "criterion": "criteria", "foot": "feet", "medium": "media",
    "mouse": "mice", "tooth": "teeth",
    "calf": "calves", "elf": "elves", "half": "halves", "knife": "knives", "leaf": "leaves",
    "life": "lives", "loaf": "loaves", "sheaf": "sheaves", "shelf": "shelves",
    "thief": "thieves", "wife": "wives", "wolf": "wolves",
    "cargo": "cargoes", "echo": "echoes", "hero": "heroes", "potato": "potatoes",
    "tomato": "tomatoes", "torpedo": "torpedoes", "veto": "vetoes",
}  # fmt: skip
"""Plurals no ending rule gives."""

NOT_MAN = _words("caiman german human ottoman roman shaman talisman")
"""Words ending in -man whose plural is -mans."""

ITEM_UNITS = frozenset({"EA", "AY", "KT", "SE", "OT", "UN"})
"""Units of issue that count the items named: each, assembly, kit, set, outfit, unit."""
COUNTED_AS = {
    "EA": ("item", "items"), "AY": ("assembly", "assemblies"), "KT": ("kit", "kits"),
    "SE": ("set", "sets"), "OT": ("outfit", "outfits"), "UN": ("unit", "units"),
}  # fmt: skip
"""What a count of a mass ('equipment') counts, by the unit of issue: '32 items of secure
communications equipment' (EA), '4 sets of aircraft survivability equipment' (SE): a set, a kit
or an outfit holds several items."""
LOT_UNITS = frozenset({"LO", "LT"})
"""Units of issue for a lot: the name stays as the MASL gives it ("spare parts")."""


PROPER_NAMES = {
    name.upper(): name
    for name in _words(
        """
    Abrams Apache Avenger Blackhawk Bradley Chinook Excalibur Globemaster Griffin Growler
    Harpoon Hawk Hawkeye Hellfire Hercules Hornet Humvee Javelin Kiowa Longbow Maverick Osprey
    Paladin Patriot Paveway Phalanx Raptor Reaper ScanEagle Seahawk Sidewinder Sparrow Stinger
    Stryker Tomahawk Viper
    """
    )
}
"""Names of weapon systems, capitalised even where the other words are in lower case."""

LANGUAGES_AND_PEOPLES = {
    name.upper(): name
    for name in _words(
        """
    American Arabic Chinese Dari English French German Italian Japanese Korean Pashto
    Portuguese Russian Spanish Ukrainian
    """
    )
}
"""Languages and nationalities, which English writes with a capital whatever the words around
them ("English language training", not "english language training")."""

PROPER_PHRASES = {
    p.upper(): p
    for p in ("Black Hawk", "Fighting Falcon", "Global Hawk", "Sea Hawk", "Sea Sparrow",
              "Super Hornet", "Strike Eagle", "United States", "United Kingdom")
}  # fmt: skip
"""Names of two words, capitalised together ("black" alone is an ordinary word; "training in
the continental United States")."""

DEFINED_TERMS = {"PURCHASER": "Purchaser"}
DEFINED_PHRASES = {
    p.upper(): p
    for p in ("U.S. Government", "Benefitting Partner", "Benefitting Country",
              "Implementing Agency")
}  # fmt: skip
"""The parties an LOA names with a capital (loa-facts 5.1), capitalised in an item's name as
in the rest of the document ("visual database generation for the Purchaser's operating
areas"), also in the possessive."""

_POSSESSIVE = re.compile(r"^(.+?)(['\u2019])S$")


def _defined(word: str, terms: dict[str, str]) -> str | None:
    """`word` (or words) as `terms` capitalises it, with its possessive ("PURCHASER'S" ->
    "Purchaser's"); None when it is not one of them."""
    if word in terms:
        return terms[word]
    m = _POSSESSIVE.match(word)
    if m is not None and m.group(1) in terms:
        return terms[m.group(1)] + m.group(2) + "s"
    return None


_VOWELS = set("AEIOUYaeiouy")
_ROMAN = re.compile(r"^(?:X{0,2})(?:IX|IV|V?I{0,3})$")
_TOKENS = re.compile(r"(\s+|[,;:()\[\]])")
_BREAKS = frozenset(",;:([")


def _is_kept(word: str) -> bool:
    """A word kept exactly as written: a designator, an acronym, a numeral or the writer's own
    case (see the module docstring)."""
    letters = [c for c in word if c.isalpha()]
    if not letters or not word.isupper():
        return True  # no letters, or not written in capitals: as the writer wrote it
    if any(c.isdigit() for c in word) or "." in word or "&" in word:
        return True
    if len(letters) == 1 or word in ACRONYMS:
        return True
    if not _VOWELS & set(letters):
        return True
    return bool(_ROMAN.match(word))


def _capitalised(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


QUOTES = "\"'\u201c\u201d\u2018\u2019"
"""Quotation marks around a word or a name ("MK II", \u201cMK II\u201d): a word is judged
without them."""


def _convert(word: str, *, title: bool, first: bool, quiet: bool) -> str:
    """One MASL word in normal case: title case, or lower case when not `title` (or `quiet`:
    inside parentheses); a compound (AS-IS, COMMAND/CONTROL) part by part."""
    core = word.strip(QUOTES)
    if core != word and core:
        at = word.index(core)
        converted = _convert(core, title=title, first=first, quiet=quiet)
        return word[:at] + converted + word[at + len(core) :]
    if _is_kept(word):
        return word
    if "/" in word:
        parts = word.split("/")
        return "/".join(
            p if len(p) <= 3 else _convert(p, title=title, first=first, quiet=quiet) for p in parts
        )
    if "-" in word:
        parts = word.split("-")
        return "-".join(
            _convert(p, title=title, first=first and i == 0, quiet=quiet) if p else p
            for i, p in enumerate(parts)
        )
    if word in PROPER_NAMES:
        return PROPER_NAMES[word]
    if word in LANGUAGES_AND_PEOPLES:
        return LANGUAGES_AND_PEOPLES[word]
    term = _defined(word, DEFINED_TERMS)
    if term is not None:
        return term
    lower = word.lower()
    if not title or quiet or (lower in SMALL_WORDS and not first):
        return lower
    return _capitalised(word)


MODEL_WORDS = _words(
    """
    MOD MODEL BLOCK BLK LOT PHASE INCREMENT INC VERSION VER GEN GENERATION TYPE CLASS SERIES
    MARK BATCH SPIRAL CONFIGURATION CONFIG STAGE TRANCHE BUILD RELEASE OPTION GROUP
    """
)
"""Words that number a model or a part of a program when a number follows ('MOD 3', 'BLOCK II',
'LOT 5'): they keep their capital in lower-case text ('Mod 3'). Other words before a number
('AND 2', 'FOR 12') are ordinary words."""
_NUMBERED = re.compile(r"^(?:\d+|(?=[IVX])X{0,2}(?:IX|IV|V?I{0,3}))$")
"""A number after a word: digits, or a Roman numeral."""
_PLAIN_PART = re.compile(r"^[A-Z]+(?: [A-Z]+){0,3}$")
"""A part of a MASL inversion: one to four words of plain capitals."""

SIZE_UNITS = _words("CAL CM FT GAL HP IN KG KV KVA KW LB M MM TON V W")
"""Units a MASL size is given in ('5 TON', '30MM', '10 KW')."""
_SIZE = re.compile(r"^(\d+(?:[./-]\d+)*)( ?)([A-Z]{1,3})$")
"""A size part of a MASL description: a number and a unit of `SIZE_UNITS`, with or without
a space ('5 TON', '2-1/2 TON', '30MM', '5.56MM')."""


def _size(part: str) -> str | None:
    """`part` as a size reads before a noun ('5 TON' -> '5-ton'; '30MM' as written), or None
    when it is not a size."""
    m = _SIZE.match(part)
    if m is None or m.group(3) not in SIZE_UNITS:
        return None
    number, space, unit = m.groups()
    return f"{number}-{unit.lower()}" if space else part


def _names_a_user(word: str) -> bool:
    """A modifier ending in s that is not a plural of things: a field or a trade ('MECHANICS',
    'ELECTRONICS', 'AVIONICS': 'mechanics tool kit')."""
    return word.endswith("ICS")


_NUMBER = re.compile(r"^\d+(?:[./-]\d+)*$")


def _is_acronym_word(word: str) -> bool:
    """A word of capitals that is an acronym: known, or without a vowel (HMMWV, MK, NVD)."""
    return (
        len(word) > 1
        and word.isalpha()
        and word.isupper()
        and (word in ACRONYMS or not _VOWELS & set(word))
    )


def _part_pieces(part: str) -> tuple[list[str], list[str], str] | None:
    """A part after a MASL inversion's noun that mixes a designator, a size and plain words
    ('5.56MM BALL M855', 'M1152A1 HMMWV', 'AIM-9X BLOCK II', 'MK 38 MOD 3') split into its
    designators (a designator with the acronyms and numbered model words beside it: 'M1152A1
    HMMWV', 'AIM-9X BLOCK II'), its sizes (as they read before a noun) and its plain words (at
    most four, in one run); None when it holds anything else (a clause, punctuation, two runs
    of plain words)."""
    words = part.split()
    kinds: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        following = words[i + 1] if i + 1 < len(words) else ""
        if _NUMBER.match(word) and following in SIZE_UNITS:
            kinds += ["size", "size"]  # '5 TON'
            i += 2
            continue
        if _size(word) is not None:
            kinds.append("size")
        elif _is_designator(word):
            kinds.append("designator")
        elif _NUMBERED.match(following) and (word in MODEL_WORDS or _is_acronym_word(word)):
            kinds += ["designator", "designator"]  # 'BLOCK II', 'MK 38'
            i += 2
            continue
        elif _PLAIN_PART.match(word):
            kinds.append("plain")
        else:
            return None
        i += 1
    # an acronym beside a designator is part of its name ('M1152A1 HMMWV')
    for j, word in enumerate(words):
        beside = {kinds[k] for k in (j - 1, j + 1) if 0 <= k < len(words)}
        if kinds[j] == "plain" and _is_acronym_word(word) and "designator" in beside:
            kinds[j] = "designator"
    runs: list[tuple[str, list[str]]] = []
    for word, kind in zip(words, kinds, strict=True):
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(word)
        else:
            runs.append((kind, [word]))
    plain = [ws for kind, ws in runs if kind == "plain"]
    if len(plain) > 1 or (plain and len(plain[0]) > 4):
        return None
    designators = [" ".join(ws) for kind, ws in runs if kind == "designator"]
    sizes = [_size(" ".join(ws)) or " ".join(ws) for kind, ws in runs if kind == "size"]
    return designators, sizes, " ".join(plain[0]) if plain else ""


def _uninvert(text: str) -> str:
    """A MASL inversion in reading order: the noun first, then up to three modifiers, each
    modifier read before the ones after it, designators first of all and sizes after them:
    'BATTERY, LITHIUM' -> 'LITHIUM BATTERY'; 'LAUNCH UNIT, COMMAND' -> 'COMMAND LAUNCH UNIT';
    'PUBLICATIONS, TECHNICAL, JAVELIN' -> 'JAVELIN TECHNICAL PUBLICATIONS'; 'GOGGLE, NIGHT
    VISION, AN/PVS-31A' -> 'AN/PVS-31A NIGHT VISION GOGGLE'; 'KIT, TOOL, MECHANICS' ->
    'MECHANICS TOOL KIT'; 'TRUCK, CARGO, 5 TON, M1083A1P2' -> 'M1083A1P2 5-ton CARGO TRUCK'.
    A part may mix a designator, a size and plain words: 'CARTRIDGE, 5.56MM BALL M855' ->
    'M855 5.56MM BALL CARTRIDGE', 'SPARE PARTS, M1152A1 HMMWV' -> 'M1152A1 HMMWV SPARE PARTS',
    'MISSILE, AIM-9X BLOCK II' -> 'AIM-9X BLOCK II MISSILE'; a noun of words joined by 'and'
    takes designators and sizes before it ('OPERATOR AND MAINTAINER TRAINING, M1152A1' ->
    'M1152A1 OPERATOR AND MAINTAINER TRAINING'), not plain modifiers, which could read with
    either noun. A name does not start with a digit, which would stand beside a count ("12
    4X4 vehicles"): a designator that starts with one keeps the MASL's order ('LIGHT TACTICAL
    VEHICLE, 4X4'), and sizes with no designator before them follow the noun ('CARTRIDGE,
    30MM, HIGH EXPLOSIVE' -> 'HIGH EXPLOSIVE CARTRIDGE, 30MM'). A modifier that ends in a
    plural noun ('SPARES, REPAIR PARTS': a list), or a part with a small word or a clause word
    ('KIT, MODIFICATION, WITH CABLES') leaves the text in its order (`left_inverted` tells
    such a name)."""
    parts = text.split(", ")
    if len(parts) < 2:
        return text
    head = parts[0]
    designators: list[str] = []
    sizes: list[str] = []
    modifiers: list[str] = []
    for part in parts[1:]:
        size = _size(part)
        if size is not None:
            sizes.append(size)
            continue
        if _PLAIN_PART.match(part):
            modifiers.append(part)
            continue
        pieces = _part_pieces(part)
        if pieces is None:
            return text
        designators += pieces[0]
        sizes += pieces[1]
        if pieces[2]:
            modifiers.append(pieces[2])
    if designators and designators[0][:1].isdigit():
        # '4X4' first would stand beside the count ("12 4X4 vehicles"): the name
        # keeps the MASL's order ("12 light tactical vehicles, 4X4")
        return text
    if len(modifiers) > 3 or not _PLAIN_PART.match(head):
        return text
    head_words = head.split()
    joined = "AND" in head_words[1:-1] and not modifiers
    for words in [head_words, *(m.split() for m in modifiers)]:
        for w in words:
            low = w.lower()
            if (low in SMALL_WORDS or low in CLAUSE_WORDS) and not (joined and w == "AND"):
                return text
    for modifier in modifiers:
        last = modifier.split()[-1]
        low = last.lower()
        if (
            low.endswith("s")
            and last not in ACRONYMS
            and low not in SINGULAR_S
            and not _names_a_user(last)
        ):
            return text  # a plural noun: a list of things, not a modifier
    if sizes and not designators:
        return ", ".join([" ".join([*reversed(modifiers), head]), *sizes])
    return " ".join([*designators, *sizes, *reversed(modifiers), head])


@lru_cache(maxsize=4096)
def left_inverted(description: str) -> bool:
    """Whether `description`, a MASL inversion ('KIT, MODIFICATION, WITH CABLES': a noun, then
    words that qualify it), stays in the MASL's order when put in normal case: its name then
    reads "kits, modification, with cables", and only the writer's `nomenclature` names it
    well. A noun of several words is one too when a part after it qualifies it and is not a
    list ('CARTRIDGE CASE, 4X4 BALL', 'OPERATOR AND MAINTAINER TRAINING, BASIC COURSE'). A
    list ('SPARES, REPAIR PARTS', 'FMSO I EQUITY, PATROL BOAT SPARE PARTS'), a name with a
    designator or a size after it ('LIGHT TACTICAL VEHICLE, 4X4') or in reading order already
    is not one."""
    text = " ".join(description.split())
    parts = text.split(", ")
    if len(parts) < 2 or _uninvert(text) != text:
        return False
    head = parts[0]
    if not _PLAIN_PART.match(head):
        return False
    if _ends_in_plural(head):
        return False  # a plural noun first: a list of things
    if " " not in head and any(_PLAIN_PART.match(part) for part in parts[1:]):
        return True  # words qualify the noun
    return any(
        _size(part) is None
        and not (" " not in part and _is_designator(part))
        and not _ends_in_plural(part)
        for part in parts[1:]
    )


def _ends_in_plural(part: str) -> bool:
    """Whether the last word of `part` is a plural noun ('REPAIR PARTS'), which makes the
    parts around it a list."""
    low = part.split()[-1].lower()
    return low.endswith("s") and low not in SINGULAR_S and low.upper() not in ACRONYMS


NAMES_KEPT = 4096
"""MASL descriptions (and names) whose reader's form is kept: the form depends on the text
alone, and a batch names the same few hundred standard descriptions in every document (its
costs, state description and notes)."""


_LETTER_WORDS = re.compile(r"[A-Za-z0-9.]+")


def in_writers_case(text: str) -> bool:
    """Whether `text` is typed in normal case, not in a MASL's capitals: as many of its words of
    letters alone have a letter in lower case as are in capitals ('C-130J aircraft, qty 2 w/
    GFE'; not 'M113A3 ARMORED PERSONNEL CARRIER (excess)', a MASL description with a word of the
    writer's). A unit after a figure ('30 mm') and a designator ('5.56mm', 'AN/PVS-14') count
    for neither."""
    lower = upper = 0
    for m in _LETTER_WORDS.finditer(text):
        word = m.group(0).strip(".")
        if not word.isalpha() or word.upper() in SIZE_UNITS:
            continue
        if word.isupper():
            upper += 1
        else:
            lower += 1
    return lower > 0 and lower >= upper


@lru_cache(maxsize=NAMES_KEPT)
def reader_name(description: str, *, title: bool) -> str:
    """The MASL description as a reader writes it: 'JAVELIN COMMAND LAUNCH UNIT' ->
    'Javelin Command Launch Unit' (`title`, for Major Defense Equipment) or 'SUPPORT EQUIPMENT'
    -> 'support equipment'. Designators and acronyms are kept as written; a description typed
    in normal case (`in_writers_case`) is kept whole as typed ('C-130J aircraft w/ GFE')."""
    text = " ".join(description.split())
    if in_writers_case(text):
        return text
    text = _uninvert(text)
    tokens = [t for t in _TOKENS.split(text) if t]
    out: list[str] = []
    depth = 0
    first = True
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token in ("(", "["):
            depth += 1
        elif token in (")", "]"):
            depth = max(0, depth - 1)
        if _TOKENS.fullmatch(token):
            out.append(" " if token.isspace() else token)
            continue
        following = tokens[i + 1] if i + 1 < len(tokens) and tokens[i].isspace() else ""
        pair = f"{token} {following}" if following else ""
        if pair in PROPER_PHRASES:
            out.append(PROPER_PHRASES[pair])
            i += 2
        elif pair and (term := _defined(pair, DEFINED_PHRASES)) is not None:
            out.append(term)  # 'U.S. GOVERNMENT' -> 'U.S. Government'
            i += 2
        elif _NUMBERED.match(following) and token in MODEL_WORDS:
            # a word that numbers a model: 'MOD 3', 'BLOCK II', 'LOT 5' -> 'Mod 3', 'Block II'
            out.append(_capitalised(token))
        else:
            out.append(_convert(token, title=title, first=first, quiet=depth > 0))
        first = False
    return "".join(out)


def plural_word(word: str) -> str:
    """The plural of one noun, in the case it is written in: battery -> batteries, box ->
    boxes, knife -> knives, crewman -> crewmen, aircraft -> aircraft, parts -> parts."""
    low = word.lower()
    last = re.split(r"[-/]", low)[-1]

    def ending(suffix: str, cut: int = 0) -> str:
        stem = word[: len(word) - cut] if cut else word
        return stem + (suffix.upper() if word.isupper() else suffix)

    if last in NO_PLURAL or last.endswith(("craft", "ware")):
        return word
    if last in IRREGULAR:
        tail = word[len(word) - len(last) :]
        plural = IRREGULAR[last]
        if tail.isupper():
            plural = plural.upper()
        elif tail[:1].isupper():
            plural = _capitalised(plural)
        return word[: len(word) - len(last)] + plural
    if last.endswith("man") and last not in NOT_MAN:
        return ending("en", 2)
    if last.endswith("s") and last not in SINGULAR_S:
        if last.endswith(("ss", "us")):
            return ending("es")
        if last.endswith("is"):
            return ending("es", 2)
        return word  # already plural: parts, services, spares
    if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        return ending("ies", 1)
    if last.endswith(("s", "x", "z", "ch", "sh")):
        return ending("es")
    return ending("s")


def _is_designator(word: str) -> bool:
    """A designator the head noun may stand before: letters and digits (AN/PRC-117G, M1A2)."""
    return any(c.isdigit() for c in word) and any(c.isalpha() for c in word)


def _pluralisable(word: str) -> bool:
    """A word of normal case the plural can change (not an acronym, numeral or designator)."""
    letters = [c for c in word if c.isalpha()]
    if not letters or any(c.isdigit() for c in word):
        return False
    if word.isupper():
        return False  # an acronym, a Roman numeral or a single capital
    return word.lower() not in SMALL_WORDS


def _head(tokens: list[str]) -> int | None:
    """The index in `tokens` (`_TOKENS.split` of a name) of the name's head noun: the last word
    before a comma, a parenthesis, a colon or a "with", "for", "of" clause, passing over a
    trailing quoted name and designators; None when there is none."""
    words: list[int] = []  # indexes of the words of the main phrase
    for i, token in enumerate(tokens):
        if token in _BREAKS:
            break
        if token.isspace():
            continue
        if token.lower() in CLAUSE_WORDS and words:
            break
        words.append(i)
    if len(words) > 1 and tokens[words[-1]][-1:] in QUOTES:
        # a quoted name at the end ("radio set \u201cMK II\u201d"): the head noun is before it
        while len(words) > 1 and tokens[words[-1]][:1] not in QUOTES:
            words.pop()
        words.pop()
    while len(words) > 1 and _is_designator(tokens[words[-1]]):
        words.pop()
    return words[-1] if words else None


@lru_cache(maxsize=NAMES_KEPT)
def pluralise(name: str) -> str:
    """`name` with its head noun in the plural: 'Javelin Command Launch Unit' -> 'Javelin
    Command Launch Units', 'lithium battery' -> 'lithium batteries', 'tactical radio AN/PRC-117G'
    -> 'tactical radios AN/PRC-117G'. A name whose head is an acronym, a number or a
    designator alone ('AIM-9X', 'handheld GPS') is returned as it is."""
    tokens = [t for t in _TOKENS.split(name) if t]
    head = _head(tokens)
    if head is None or not _pluralisable(tokens[head]):
        return name
    tokens[head] = plural_word(tokens[head])
    return "".join(tokens)


def is_mass_noun_name(name: str) -> bool:
    """Whether `name`'s head noun names a mass, not things one counts ('secure communications
    equipment', 'small arms ammunition'): a count of them reads '32 items of ...' (or '4 sets
    of ...', by the unit of issue: `COUNTED_AS`)."""
    tokens = [t for t in _TOKENS.split(name) if t]
    head = _head(tokens)
    return head is not None and tokens[head].lower() in MASS_NOUNS


# -- a line's name ------------------------------------------------------------------------------


def singular_name(line: Line) -> str:
    """The name of one item of `line`: the writer's `nomenclature`, else its MASL description
    in normal case (title case for Major Defense Equipment)."""
    if line.nomenclature:
        return " ".join(line.nomenclature.split())
    return reader_name(line.description, title=line.major_defense_equipment)


def plural_name(line: Line) -> str:
    """The name of several items of `line`: the writer's `nomenclature_plural`, else the
    singular name with its head noun in the plural."""
    if line.nomenclature_plural:
        return " ".join(line.nomenclature_plural.split())
    return pluralise(singular_name(line))


def counts_items(line: Line) -> bool:
    """The line's quantity counts the items named: articles (not services, whose quantity
    counts tasks) in a unit of each, assembly, kit, set, outfit or unit."""
    return line.unit_of_issue in ITEM_UNITS and not line.is_service


def line_name(line: Line, count: Decimal | None = None) -> str:
    """The name of what `line` provides, without a quantity: for `count` items (singular for
    one, else plural; the line's quantity when `count` is not given) when the quantity counts
    items; services, a lot or a measure ('technical assistance', 'support equipment',
    'hydraulic fluid') as named; packages of articles (boxes, cases, ...) hold several items,
    so plural."""
    if counts_items(line):
        count = line.quantity if count is None else count
        return singular_name(line) if count == 1 else plural_name(line)
    unit = line.unit_of_issue
    if line.is_service or unit in LOT_UNITS or unit in load_reference().measures:
        return singular_name(line)
    return plural_name(line)


_STATED_COUNT = re.compile(
    r"""
    ,?\s*\(\s*(?:qty\.?|quantity)?:?\s*\d[\d,]*\s*(?:each|ea\.?)?\s*\)   # '(2)', '(qty 2)', '(2 each)'
    | ,?\s*\b(?:qty\.?|quantity)\s*(?::\s*|of\s+)?\d[\d,]*\b             # ', qty 2', 'quantity: 2'
    | (?:^|,?\s+)\d[\d,]*\s+(?:each|ea)\b\.?                             # '2 each', '2 EA'
    """,
    re.IGNORECASE | re.VERBOSE,
)
"""A count a name states of itself: 'qty 2', 'quantity: 2', '(2)', '(qty 2)', '2 each'."""


def without_stated_count(name: str) -> str:
    """`name` without a count it states of itself (`_STATED_COUNT`): 'C-130J aircraft, qty 2
    w/ GFE' -> 'C-130J aircraft w/ GFE', 'boats (2)' -> 'boats'; the name as it is when it
    states none, or nothing else."""
    if not any(c.isdigit() for c in name):
        return name
    cut = _STATED_COUNT.sub(" ", name)
    cut = re.sub(r"\s+([,;:)\]])", r"\1", " ".join(cut.split())).strip(" ,;:")
    return cut if any(c.isalpha() for c in cut) else name


SPELLED_COUNTS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
"""The counts written in words before a name that starts with a number ('four 11-meter ...')."""


def counted_name(line: Line, count: Decimal, number: str) -> str:
    """`number` (the quantity as printed) with the name: '60 Javelin Command Launch Units',
    '1 Javelin Command Launch Unit'; on a line whose quantity does not count the items named,
    the quantity and unit follow the name: 'hydraulic fluid (12 GL)'. A count the name states
    of itself is left out ('C-130J aircraft, qty 2' -> '2 C-130J aircraft'); before a name
    that starts with a number the count is in words up to ten ('four 11-meter rigid hull
    inflatable boats'), a larger one follows the name ('11-meter rigid hull inflatable boats
    (12 EA)'): two numbers side by side would read as one."""
    name = without_stated_count(line_name(line, count))
    if not counts_items(line):
        return f"{name} ({number} {line.unit_of_issue})"
    if not line.nomenclature_plural and is_mass_noun_name(name):
        one, many = COUNTED_AS[line.unit_of_issue]
        return f"{number} {one if count == 1 else many} of {name}"
    if name[:1].isdigit():
        if count == count.to_integral_value() and 1 <= count <= len(SPELLED_COUNTS):
            return f"{SPELLED_COUNTS[int(count) - 1]} {name}"
        return f"{name} ({number} {line.unit_of_issue})"
    return f"{number} {name}"
