"""Redlines: a DOCX with tracked changes (insertions and deletions a reviewer accepts or rejects in
Word) of one rendered document against another, made by python-redlines' Docxodus engine."""

from __future__ import annotations

from typing import Any

from ..errors import ToolError

_ENGINE: Any = None


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
    try:
        redline, _, _ = _ENGINE.run_redline(author, old, new)
    except Exception as exc:  # EngineExecutionError and the OS errors of running it
        raise ToolError(f"python-redlines could not compare the documents: {exc}") from None
    return redline
