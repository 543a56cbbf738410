"""Reading the build record a DOCX built by loagen carries: the case files it was built from.

Every DOCX loagen builds holds a custom XML part (`customXml/itemN.xml`, namespace
`urn:loagen:build`, written by `rendering.embedded`) with the build's manifest (less what
depends on the DOCX bytes) and the text of every case file of its `previous` chain, with their
names and hashes. A reviewer who has only the DOCX can then run `explain`, `check` and `report`
on it: `load_recorded_chain` gives the same chain `loading.load_chain` gives from the case
files.

The record also holds a digest of what the document shows (`shown_digest` of its body, headers,
footers, footnotes and endnotes, as loagen wrote them): a DOCX edited after it was built (in
Word or another program) no longer matches it, and `BuildRecord.changed` says so, so that what
reads the record can tell the reader it describes the document as built, not as it reads now.
A DOCX built before the digest was recorded reads as unchanged.

The DOCX is untrusted input: it is read with a size limit, at most `MAX_PARTS` parts are
listed and only the candidate parts are expanded, each no further than `RECORD_LIMIT` bytes;
the XML may not declare a DTD or entities, and every case file must match its recorded hash.
Only the zip and XML are read here (no python-docx: rendering sits above this stage).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import CaseError, HistoryError, quoted
from ..reading import MB, read_limited
from .loading import CASE_SUFFIXES, CaseFile, load_case

NAMESPACE = "urn:loagen:build"
"""The namespace of the build record part."""
RECORD_FORMAT = 1
"""The format of the build record this loagen writes and reads."""
ROOT, MANIFEST, CASE, SHOWN = (
    f"{{{NAMESPACE}}}{name}" for name in ("build", "manifest", "case", "shown")
)
"""The elements: <build format="1"><manifest>JSON</manifest><case name= sha256= encoding=>...
<shown sha256=/> (the last since this loagen; a loagen that does not know it skips it)."""
SHOWN_PARTS = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
"""The parts that hold what a reader of the document sees."""

DOCX_LIMIT = 100 * MB
"""Largest DOCX read."""
MAX_PARTS = 2000
"""Most parts a DOCX may hold (a loagen DOCX has about twenty)."""
RECORD_LIMIT = 100 * MB
"""Most bytes the build record part may expand to."""
MAX_CHAIN = 500
"""Most case files a record may hold (as `loading.MAX_CHAIN`)."""

_ITEM = re.compile(r"^customXml/item\d+\.xml$")
_PARSER = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, remove_comments=True
)


@dataclass(frozen=True)
class RecordedFile:
    """One case file as the DOCX records it."""

    name: str
    sha256: str
    data: bytes


@dataclass(frozen=True)
class BuildRecord:
    """What a DOCX records of its build."""

    source: Path
    manifest: bytes
    """The manifest as JSON (`manifest.Manifest.from_json` reads it)."""
    files: tuple[RecordedFile, ...]
    """The case files, oldest (the Basic) first; the last is the document's own."""
    changed: bool = False
    """What the document shows is not what loagen wrote (it was edited after it was built)."""


def shown_digest(parts: Iterable[tuple[str, bytes]]) -> str:
    """The sha256 of what a document shows: its `SHOWN_PARTS` (name, bytes), in name order,
    each with its name and length."""
    digest = hashlib.sha256()
    for name, data in sorted(parts):
        _add_part(digest, name, data)
    return digest.hexdigest()


def _add_part(digest: Any, name: str, data: bytes) -> None:
    raw = name.encode("utf-8", "surrogatepass")
    digest.update(b"%d:%s:%d:" % (len(raw), raw, len(data)))
    digest.update(data)


def _shown_now(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], path: Path) -> str | None:
    """`shown_digest` of the document as it is now, a part at a time (None when its parts
    would expand past `RECORD_LIMIT` together: not what loagen wrote)."""
    digest = hashlib.sha256()
    total = 0
    for info in sorted((i for i in infos if SHOWN_PARTS.match(i.filename)),
                       key=lambda i: i.filename):  # fmt: skip
        total += info.file_size
        if total > RECORD_LIMIT:
            return None
        _add_part(digest, info.filename, _expand(archive, info, path))
    return digest.hexdigest()


def shows_the_same(one: bytes, other: bytes) -> bool:
    """Whether two DOCX show the same (`shown_digest` of their `SHOWN_PARTS`): two builds of a
    document whose build records differ (its manifest, a case file recording its acceptance)
    but whose text, headers and footers do not. False when either cannot be read."""
    digests = []
    for data in (one, other):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                digests.append(_shown_now(archive, archive.infolist(), Path("document.docx")))
        except (zipfile.BadZipFile, CaseError, OSError, ValueError):
            return False
    return digests[0] is not None and digests[0] == digests[1]


def changed_words(path: Path) -> str:
    """What to tell a reader of a DOCX changed after it was built, before anything read from
    its build record."""
    return (
        f"{Path(path).name} was changed after loagen built it (in Word or another program): "
        "what follows is about the document as loagen built it, not as it reads now"
    )


def is_built_document(path: Path) -> bool:
    """Whether `path` names a Word document (read through its build record) rather than a case
    file."""
    return (path if isinstance(path, Path) else Path(path)).suffix.lower() == ".docx"


def _damaged(path: Path, what: str) -> CaseError:
    return CaseError(
        f"the build record inside this document is damaged or was edited ({what}); "
        "build the document again, or give its case file",
        source=path,
    )


def read_build_record(path: Path) -> BuildRecord:
    """The build record of the DOCX at `path`. Raises CaseError for a file that is not a Word
    document, one built without a record (not by loagen, or by an older loagen), one too large
    to read safely, or a record that is damaged or edited."""
    path = Path(path)
    raw = read_limited(path, "document", CaseError, limit=DOCX_LIMIT)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise CaseError(
            "this is not a Word document (.docx) loagen can read: it cannot be opened as one "
            "(a document saved with a password cannot be read)",
            source=path,
        ) from None
    with archive:  # closed here, not left to the garbage collector
        if len(infos) > MAX_PARTS:
            raise CaseError(
                f"the document holds {len(infos):,} parts; a Word document has far fewer "
                f"(at most {MAX_PARTS:,} are read)",
                source=path,
            )
        names = {i.filename for i in infos}
        if "word/document.xml" not in names:
            raise CaseError("this is not a Word document (.docx): it has no text part", source=path)
        for info in infos:
            if not _ITEM.match(info.filename):
                continue
            data = _expand(archive, info, path)
            if NAMESPACE.encode() not in data[:1000]:
                continue  # another custom XML part (e.g. the template's own)
            record, shown = _parse_record(data, path)
            if shown is None:
                return record  # built before the digest was recorded: read as before
            return dataclasses.replace(record, changed=_shown_now(archive, infos, path) != shown)
        raise CaseError(
            "this Word document carries no loagen build record: it was not built by loagen, or by "
            "an older loagen that did not record its case files; give its case file instead "
            "(or build the document again with this loagen)",
            source=path,
        )


def _expand(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    if info.file_size > RECORD_LIMIT:
        raise CaseError(
            f"part {info.filename} of the document would expand to {info.file_size:,} bytes "
            f"(at most {RECORD_LIMIT:,} are read)",
            source=path,
        )
    try:
        with archive.open(info) as fh:
            data = fh.read(RECORD_LIMIT + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError, zlib.error) as exc:  # fmt: skip
        raise CaseError(
            f"part {info.filename} of the document cannot be read: {exc}", source=path
        ) from None
    if len(data) > RECORD_LIMIT or len(data) > info.file_size:
        raise CaseError(
            f"part {info.filename} of the document is larger than it says: refused", source=path
        )
    return data


def _parse_record(data: bytes, path: Path) -> tuple[BuildRecord, str | None]:
    """The record, and the digest of what the document showed when built (None: not
    recorded)."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _damaged(path, "it declares a DTD or entities")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _damaged(path, f"not well-formed XML: {exc}") from None
    if root.tag != ROOT:
        raise _damaged(path, "not a build record")
    found = root.get("format")
    if found != str(RECORD_FORMAT):
        if found is not None and found.isdigit() and int(found) > RECORD_FORMAT:
            raise CaseError(
                f"this document was built by a newer loagen (build record format {found}; this "
                f"loagen reads format {RECORD_FORMAT}): update loagen, or give its case file",
                source=path,
            )
        raise _damaged(path, f"format {quoted(found)}")
    manifests = root.findall(MANIFEST)
    if len(manifests) != 1:
        raise _damaged(path, "no manifest")
    files = []
    seen: set[str] = set()
    for element in root.findall(CASE):
        if len(files) >= MAX_CHAIN:
            raise _damaged(path, f"more than {MAX_CHAIN} case files")
        files.append(_recorded_file(element, path, seen))
    if not files:
        raise _damaged(path, "no case file")
    shown = root.findall(SHOWN)
    if len(shown) > 1 or (shown and not re.fullmatch(r"[0-9a-f]{64}", shown[0].get("sha256", ""))):
        raise _damaged(path, "its digest of the document's text")
    record = BuildRecord(path, (manifests[0].text or "").encode("utf-8"), tuple(files))
    return record, shown[0].get("sha256") if shown else None


def _recorded_file(element: etree._Element, path: Path, seen: set[str]) -> RecordedFile:
    name = element.get("name") or ""
    sha = element.get("sha256") or ""
    if (
        not name.lower().endswith(CASE_SUFFIXES)
        or name.startswith(".")
        or re.search(r"[/\\\x00]", name)
        or name in seen
    ):
        raise _damaged(path, f"a case file named {quoted(name, 60)}")
    seen.add(name)
    text = element.text or ""
    encoding = element.get("encoding")
    if encoding == "text":
        data = text.encode("utf-8")
    elif encoding == "base64":
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise _damaged(path, f"{name} is not readable") from None
    else:
        raise _damaged(path, f"{name} is recorded in an unknown way")
    if hashlib.sha256(data).hexdigest() != sha:
        raise _damaged(path, f"{name} does not match its recorded hash")
    return RecordedFile(name, sha, data)


def recorded_path(docx: Path, name: str) -> Path:
    """Where a recorded case file is said to be: inside the DOCX ("X.docx/basic.json"), so a
    message about it names both."""
    return Path(docx) / name


def load_recorded_chain(
    path: Path, cache: dict[str, CaseFile] | None = None
) -> tuple[CaseFile, ...]:
    """The chain of case files a DOCX records, validated as `loading.load_chain` validates the
    files on disk, oldest first. Each file's path is `recorded_path` (the DOCX, then its name).

    `cache` is the one `load_chain` takes: a file already validated is not validated again."""
    record = read_build_record(path)
    chain: list[CaseFile] = []
    for item in record.files:
        where = recorded_path(path, item.name)
        key = os.path.abspath(where)
        loaded = cache.get(key) if cache is not None else None
        if loaded is None or loaded.sha256 != item.sha256 or loaded.path != where:
            loaded = load_case(where, item.data)
            if cache is not None:
                if len(cache) > 256:
                    cache.clear()
                cache[key] = loaded
        if chain:
            earlier = chain[-1]
            named = (loaded.case.document.previous or "").strip()
            if named != earlier.path.name:
                raise HistoryError(
                    f"the build record's chain is broken: {item.name} follows "
                    f"{quoted(named or None, 60)}, not {earlier.path.name}",
                    source=path,
                )
            if loaded.case.case_id != earlier.case.case_id:
                raise HistoryError(
                    f"the build record's chain is broken: {item.name} belongs to case "
                    f"{loaded.case.case_id}, not {earlier.case.case_id}",
                    source=path,
                )
        elif loaded.case.document.previous:
            raise _damaged(path, f"{item.name} names a previous document it does not hold")
        chain.append(loaded)
    if chain[0].case.document.kind != "Basic":
        raise HistoryError(
            "the chain of previous documents does not start with a Basic", source=chain[0].path
        )
    return tuple(chain)
