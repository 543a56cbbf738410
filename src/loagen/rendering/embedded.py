"""Writing the build record into a DOCX: what the document was built from, inside the document.

The record is a custom XML part, the way Word keeps data that belongs with a document without
showing it: `customXml/itemN.xml` (the first number the template does not use) in the namespace
`urn:loagen:build`, with its properties part (`itemPropsN.xml`, naming the namespace) and a
relationship from the main document part. It holds the build's manifest as JSON (less what
depends on the DOCX bytes; see `Pipeline.record`) and the text of every case file of the
document's `previous` chain, with its name and sha256, oldest first, then the digest of what the
document shows (`case.embedded.shown_digest` of its body, headers and footers as written here),
so that an edit made after the build is seen. `case.embedded` reads it.

Case files are recorded as text (XML-escaped, so a reviewer can read them in the package); a
file holding a character XML cannot carry is recorded in base64. The same inputs give the same
bytes: nothing here depends on the time or on where the files were.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from lxml import etree

from ..case.embedded import (
    CASE,
    MANIFEST,
    NAMESPACE,
    RECORD_FORMAT,
    RECORD_LIMIT,
    ROOT,
    SHOWN_PARTS,
    shown_digest,
)
from ..errors import RenderError
from .package import Entry, deflate


class CompiledTemplate(Protocol):
    """What is read of a `templates.CompiledTemplate` (not imported: it imports this module)."""

    path: Path
    sha256: str
    order: list[str]
    static: dict[str, Entry]


CONTENT_TYPES = "[Content_Types].xml"
DOCUMENT_RELS = "word/_rels/document.xml.rels"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/customXml"
_REL_CUSTOM_XML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
_REL_PROPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps"
_PROPS_TYPE = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
_ITEM_ID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE)).upper() + "}"
"""The data store id of the record (fixed: the same inputs give the same bytes)."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What XML 1.0 cannot hold, named directly: the complement of its character ranges (tab, line
feed, carriage return, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF), as one negated class
is the same set but takes Python's `re` some milliseconds of a one-document build to compile."""
_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
_ASCII_XML = bytes([9, 10, 13, *range(0x20, 0x80)])
"""The ASCII characters XML can hold."""


def _xml_can_hold(data: bytes, text: str) -> bool:
    """XML can hold every character of `text` (the UTF-8 `data` decoded). An ASCII file, as
    case files nearly always are, is checked on its bytes: deleting the characters XML can
    hold leaves nothing (the regular expression steps through a 30 KB file in a tenth of a
    millisecond)."""
    if data.isascii():
        return not data.translate(None, _ASCII_XML)
    return not _NOT_XML.search(text)


def build_record(manifest: bytes, files: Sequence[tuple[str, str, bytes]]) -> bytes:
    """The record part: the manifest JSON and each case file (name, sha256, bytes), oldest
    first."""
    out = _ascii_record(manifest, files)
    if out is None:
        out = _record(manifest, files)
    if len(out) > RECORD_LIMIT:
        raise RenderError(
            f"the case files of this document come to {len(out):,} bytes, more than a document "
            f"can record ({RECORD_LIMIT:,}); shorten the chain of previous documents"
        )
    return out


_RECORD_START = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<build xmlns="%s" format="%d">\n<manifest>' % (NAMESPACE.encode(), RECORD_FORMAT)
)
_PLAIN_NAME = bytes(range(0x20, 0x7F)).translate(None, b'&<>"')
"""The characters a file name is written with as it is, in an attribute."""


def _ascii_record(manifest: bytes, files: Sequence[tuple[str, str, bytes]]) -> bytes | None:
    """The bytes `_record` writes, for the common case written directly: a manifest and case
    files of ASCII characters XML can hold, without a carriage return (which lxml writes as
    `&#13;`), with plain file names. Their text is escaped as lxml escapes it (&, < and >);
    None for anything else, which `_record` writes."""
    if b"\r" in manifest or not manifest.isascii() or manifest.translate(None, _ASCII_XML):
        return None
    out = [_RECORD_START, _escaped(manifest), b"</manifest>\n"]
    for name, sha256, data in files:
        text = _check(name, sha256, data)
        raw = name.encode("utf-8", "surrogatepass")
        if not raw or raw.translate(None, _PLAIN_NAME) or text is None:
            return None
        out += (b'<case name="', raw, b'" sha256="', sha256.encode(), b'" encoding="text">')
        out += (text, b"</case>\n")
    out.append(b"</build>")
    return b"".join(out)


_CHECKED: dict[str, tuple[bytes, bytes | None]] = {}
"""Case file bytes whose sha256 was checked, by that sha256, with their text as
`_ascii_record` writes it (None: `_record` writes it): the files of a chain come back on every
document of it (the pipeline keeps them loaded), and hashing them and looking at each of their
bytes again would be a third of a record's cost. A bytes object cannot change, so the very
object checked before needs no second look; any other is hashed."""
CHECKED_SIZE = 64


def _check(name: str, sha256: str, data: bytes) -> bytes | None:
    """Check that `data` has the `sha256` it was loaded with (raise ValueError if not), and
    give its text as `_ascii_record` writes it (escaped as lxml escapes it), or None when
    it is not ASCII text XML can hold without a carriage return."""
    found = _CHECKED.get(sha256)
    if found is not None and found[0] is data:
        return found[1]
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"the bytes of case file {name} are not those it was loaded from")
    text = None
    if data.isascii() and b"\r" not in data and not data.translate(None, _ASCII_XML):
        text = _escaped(data)
    if len(_CHECKED) >= CHECKED_SIZE:
        _CHECKED.clear()
    _CHECKED[sha256] = (data, text)
    return text


def _escaped(data: bytes) -> bytes:
    if b"&" in data:
        data = data.replace(b"&", b"&amp;")
    if b"<" in data:
        data = data.replace(b"<", b"&lt;")
    if b">" in data:
        data = data.replace(b">", b"&gt;")
    return data


def _record(manifest: bytes, files: Sequence[tuple[str, str, bytes]]) -> bytes:
    """The record part, written by lxml."""
    root = etree.Element(ROOT, nsmap={None: NAMESPACE})
    root.set("format", str(RECORD_FORMAT))
    root.text = "\n"
    element = etree.SubElement(root, MANIFEST)
    element.text = manifest.decode("utf-8")
    element.tail = "\n"
    for name, sha256, data in files:
        _check(name, sha256, data)
        element = etree.SubElement(root, CASE)
        element.set("name", name)
        element.set("sha256", sha256)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and _xml_can_hold(data, text):
            element.set("encoding", "text")
            element.text = text
        else:
            element.set("encoding", "base64")
            element.text = base64.b64encode(data).decode("ascii")
        element.tail = "\n"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# -- the part in the package ------------------------------------------------------------------------


_PATCHED: dict[
    tuple[str, str],
    tuple[str, list[tuple[str, Entry]], dict[str, Entry], dict[str, bytes]],
] = {}


def _xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, _PARSER)


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _part(template: CompiledTemplate, name: str) -> bytes | None:
    entry = template.static.get(name)
    return None if entry is None else zlib.decompress(entry.data, -15)


def _patched(
    template: CompiledTemplate,
) -> tuple[str, list[tuple[str, Entry]], dict[str, Entry], dict[str, bytes]]:
    """For one template (worked out once): the record's part name, the parts to add after the
    template's (the record's properties and relationships), the template parts that change
    (the content types and the main document's relationships, now naming the record), and the
    parts a reader sees that the template holds without tags (copied as they are)."""
    key = (str(template.path), template.sha256)
    found = _PATCHED.get(key)
    if found is not None:
        return found
    taken = set(template.order)
    number = 1
    while f"customXml/item{number}.xml" in taken or f"customXml/itemProps{number}.xml" in taken:
        number += 1
    item, props = f"customXml/item{number}.xml", f"customXml/itemProps{number}.xml"

    types = _xml(_part(template, CONTENT_TYPES) or b"<Types xmlns='%s'/>" % _CT_NS.encode())
    defaults = {d.get("Extension", "").lower() for d in types.findall(f"{{{_CT_NS}}}Default")}
    override = etree.SubElement(types, f"{{{_CT_NS}}}Override")
    override.set("PartName", "/" + props)
    override.set("ContentType", _PROPS_TYPE)
    if "xml" not in defaults:
        override = etree.SubElement(types, f"{{{_CT_NS}}}Override")
        override.set("PartName", "/" + item)
        override.set("ContentType", "application/xml")
    if "rels" not in defaults:
        default = etree.Element(f"{{{_CT_NS}}}Default")
        default.set("Extension", "rels")
        default.set("ContentType", "application/vnd.openxmlformats-package.relationships+xml")
        types.insert(0, default)

    rels = _xml(_part(template, DOCUMENT_RELS) or b"<Relationships xmlns='%s'/>" % _REL_NS.encode())
    ids = {r.get("Id") for r in rels}
    n = 1
    while f"rId{n}" in ids:
        n += 1
    rel = etree.SubElement(rels, f"{{{_REL_NS}}}Relationship")
    rel.set("Id", f"rId{n}")
    rel.set("Type", _REL_CUSTOM_XML)
    rel.set("Target", f"../{item}")

    props_xml = etree.Element(f"{{{_DS_NS}}}datastoreItem", nsmap={"ds": _DS_NS})
    props_xml.set(f"{{{_DS_NS}}}itemID", _ITEM_ID)
    refs = etree.SubElement(props_xml, f"{{{_DS_NS}}}schemaRefs")
    etree.SubElement(refs, f"{{{_DS_NS}}}schemaRef").set(f"{{{_DS_NS}}}uri", NAMESPACE)
    item_rels = etree.Element(f"{{{_REL_NS}}}Relationships", nsmap={None: _REL_NS})
    link = etree.SubElement(item_rels, f"{{{_REL_NS}}}Relationship")
    link.set("Id", "rId1")
    link.set("Type", _REL_PROPS)
    link.set("Target", f"itemProps{number}.xml")

    changed = {CONTENT_TYPES: deflate(_bytes(types)), DOCUMENT_RELS: deflate(_bytes(rels))}
    added = [
        (props, deflate(_bytes(props_xml))),
        (f"customXml/_rels/item{number}.xml.rels", deflate(_bytes(item_rels))),
    ]
    shown = {
        name: _part(template, name) or b""
        for name in template.order
        if SHOWN_PARTS.match(name) and name in template.static
    }
    if len(_PATCHED) > 16:
        _PATCHED.clear()
    found = _PATCHED[key] = (item, added, changed, shown)
    return found


_RECORD_END = b"</build>"


def with_shown(record: bytes, digest: str) -> bytes:
    """`record` (as `build_record` writes it) holding `digest`, the `shown_digest` of the
    document, as its last element."""
    if not record.endswith(_RECORD_END):
        raise ValueError("not a build record written by build_record")
    end = len(record) - len(_RECORD_END)
    return record[:end] + b'<shown sha256="%s"/>\n' % digest.encode("ascii") + _RECORD_END


def with_record(
    template: CompiledTemplate,
    entries: list[tuple[str, Entry]],
    record: bytes,
    rendered: dict[str, bytes],
) -> list[tuple[str, Entry]]:
    """The package entries of a rendered document with the build record added, recording the
    digest of what the document shows: the `rendered` parts (name -> bytes as written) and
    the template's parts a reader sees that have no tag."""
    item, added, changed, static = _patched(template)
    shown = [(n, d) for n, d in rendered.items() if SHOWN_PARTS.match(n)]
    shown += [(n, d) for n, d in static.items() if n not in rendered]
    record = with_shown(record, shown_digest(shown))
    out = [(name, changed.get(name, entry)) for name, entry in entries]
    present = {name for name, _ in out}
    for name in (CONTENT_TYPES, DOCUMENT_RELS):
        if name not in present:
            out.insert(0 if name == CONTENT_TYPES else len(out), (name, changed[name]))
    return [*out, (item, deflate(record)), *added]
