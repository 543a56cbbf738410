"""The document properties of a built LOA: what Word's File > Info and file managers show.

A template made with python-docx or saved by Word carries its own properties ("python-docx",
"Microsoft Macintosh Word", a page count of 1 ...). Every built document gets its own instead:
the title, subject and keywords of the LOA, loagen as author and application, and the
document's date (so the same inputs still give the same bytes). The statistics Word caches
(pages, words ...) are left out: Word works them out when it opens the file.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from lxml import etree

from .. import __version__
from ..document.assembly import LoaDocument
from .markdown_docx import xml_chars

CORE_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "dcmitype": "http://purl.org/dc/dcmitype/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
CACHED_STATISTICS = (
    "Template", "TotalTime", "Pages", "Words", "Characters", "Lines", "Paragraphs",
    "CharactersWithSpaces", "AppVersion", "Company", "Manager", "HeadingPairs", "TitlesOfParts",
)  # fmt: skip
"""What app.xml caches about the template it came from; none of it is true of the build."""


def core_properties(document: LoaDocument) -> bytes:
    """docProps/core.xml of `document`."""
    case = document.case
    fields = [
        ("dc:title", f"Letter of Offer and Acceptance {case.case_id}, {document.title}"),
        ("dc:subject", case.nickname or ""),
        ("dc:creator", "loagen"),
        ("cp:keywords", f"{case.case_id}; {case.program}; {document.title}"),
        ("dc:description", f"Built by loagen {__version__} from {document.path.name}"),
        ("cp:lastModifiedBy", "loagen"),
        ("cp:revision", "1"),
    ]
    day = document.note_date
    if day is not None:
        stamp = _stamp(day)
        fields += [("dcterms:created", stamp), ("dcterms:modified", stamp)]
    fields = [(tag, xml_chars(text)) for tag, text in fields]
    if all(text.isascii() and "\r" not in text for _, text in fields):
        return _plain_core(fields)
    return _lxml_core(fields)


_CORE_START = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<cp:coreProperties"
    + "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in CORE_NS.items())
    + ">"
)
_W3CDTF = ' xsi:type="dcterms:W3CDTF"'


def _plain_core(fields: list[tuple[str, str]]) -> bytes:
    """What `_lxml_core` writes, for ASCII text without a carriage return (lxml writes it as
    `&#13;`): the text escaped as lxml escapes it (&, < and >)."""
    out = [_CORE_START]
    for tag, text in fields:
        kind = _W3CDTF if tag.startswith("dcterms:") else ""
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out.append(f"<{tag}{kind}>{text}</{tag}>")
    out.append("</cp:coreProperties>")
    return "".join(out).encode("ascii")


def _lxml_core(fields: list[tuple[str, str]]) -> bytes:
    root = etree.Element(f"{{{CORE_NS['cp']}}}coreProperties", nsmap=CORE_NS)
    for tag, text in fields:
        prefix, name = tag.split(":")
        attrs = {}
        if prefix == "dcterms":
            attrs = {f"{{{CORE_NS['xsi']}}}type": "dcterms:W3CDTF"}
        element = etree.SubElement(root, f"{{{CORE_NS[prefix]}}}{name}", **attrs)
        element.text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


@lru_cache(maxsize=16)
def app_properties(template_app_xml: bytes) -> bytes:
    """docProps/app.xml of a build from a template's: loagen as the application, without the
    template's cached statistics."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(template_app_xml, parser)
    for name in CACHED_STATISTICS:
        for element in root.findall(f"{{{APP_NS}}}{name}"):
            root.remove(element)
    application = root.find(f"{{{APP_NS}}}Application")
    if application is None:
        application = etree.SubElement(root, f"{{{APP_NS}}}Application")
    application.text = "loagen"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
