"""Redlines: a DOCX with tracked changes (insertions and deletions a reviewer accepts or rejects in
Word) of one rendered document against another, made by python-redlines' Docxodus engine."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from ..errors import ToolError
from .package import deflate, zip_entries

_ENGINE: Any = None

_SIMPLE_PAGE_COUNT = re.compile(
    rb'<w:fldSimple\b[^>]*?w:instr="\s*NUMPAGES\b[^"]*"[^>/]*>(.*?)</w:fldSimple>', re.S
)
"""A simple NUMPAGES field of the body (not one written `<w:fldSimple .../>`, with no value),
with the runs that show its value."""
_RUN = rb"<w:r\b(?:(?!</w:r>).)*?"
_COMPLEX_PAGE_COUNT = re.compile(
    _RUN + rb'<w:fldChar\b[^>]*w:fldCharType="begin"[^>]*/>(?:(?!</w:r>).)*?</w:r>'
    rb"(?:(?!<w:fldChar\b).)*?<w:instrText\b[^>]*>\s*NUMPAGES\b(?:(?!<w:fldChar\b).)*?"
    + _RUN
    + rb'<w:fldChar\b[^>]*w:fldCharType="separate"[^>]*/>(?:(?!</w:r>).)*?</w:r>'
    rb"((?:(?!<w:fldChar\b).)*?)"
    + _RUN
    + rb'<w:fldChar\b[^>]*w:fldCharType="end"[^>]*/>(?:(?!</w:r>).)*?</w:r>',
    re.S,
)
"""A NUMPAGES field as Word writes it, from the run that begins it to the run that ends it
(its instruction in between, and the runs that show its value after the separator)."""


def page_counts_as_text(body: bytes) -> bytes:
    """`body` (a document.xml) with each NUMPAGES field, simple or as Word writes it, replaced
    by the runs that show its value."""
    return _COMPLEX_PAGE_COUNT.sub(rb"\1", _SIMPLE_PAGE_COUNT.sub(rb"\1", body))


def _page_counts_as_text(docx: bytes) -> bytes:
    """`docx` with the NUMPAGES fields of its body replaced by the count they show. In a
    redline the count is what changed between the two documents (page 6 -> page 5); as a field,
    Word and LibreOffice would lay the redline out and show its own count in both places. The
    page numbers of headers and footers stay fields: they number the redline's pages."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        body = package.read("word/document.xml")
        frozen = page_counts_as_text(body)
        if frozen == body:
            return docx
        parts = [
            (info.filename, deflate(frozen if info.filename == "word/document.xml"
                                    else package.read(info)))
            for info in package.infolist()
        ]  # fmt: skip
    return zip_entries(parts)


def redline_docx(old: bytes, new: bytes, *, author: str = "loagen") -> bytes:
    """A DOCX of `new` with tracked changes against `old`."""
    global _ENGINE
    if _ENGINE is None:
        try:
            # Imported here: the engine is an optional extra (loagen[redline]) and slow to load.
            from python_redlines.engines import DocxodusEngine, EngineNotInstalledError
        except ImportError:
            raise ToolError(
                "tracked changes need python-redlines with its Docxodus engine: "
                "pip install 'python-redlines[docxodus]' (or 'loagen[redline]')"
            ) from None
        try:
            _ENGINE = DocxodusEngine()
        except (EngineNotInstalledError, OSError) as exc:
            raise ToolError(f"the python-redlines Docxodus engine cannot run: {exc}") from None
    old, new = _page_counts_as_text(old), _page_counts_as_text(new)
    try:
        redline, _, _ = _ENGINE.run_redline(author, old, new)
    except Exception as exc:  # EngineExecutionError and the OS errors of running it
        raise ToolError(f"python-redlines could not compare the documents: {exc}") from None
    return redline
