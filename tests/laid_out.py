"""Reading what a built DOCX shows before it is laid out (shared by the PDF and layout tests)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

_NUMPAGES = re.compile(r"NUMPAGES.*?<w:t(?:\s[^>]*)?>(\d+)</w:t>", re.S)


def stored_counts(docx: Path) -> set[int]:
    """The values the NUMPAGES fields of a DOCX show until it is laid out (body and footers)."""
    with zipfile.ZipFile(docx) as zf:
        xml = "".join(
            zf.read(n).decode() for n in zf.namelist() if re.match(r"word/(document|footer)", n)
        )
    return {int(n) for n in _NUMPAGES.findall(xml)}
