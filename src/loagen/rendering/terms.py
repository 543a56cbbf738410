"""The Standard Terms and Conditions text (templates/standard_terms.md) parsed into sections."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..errors import RenderError

TERMS_FILE = "standard_terms.md"


def parse_terms(text: str, *, source: Path | None = None) -> list[dict[str, object]]:
    """'## heading' sections with their paragraphs (HTML comments dropped)."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    sections: list[dict[str, object]] = []
    for block in re.split(r"\n\s*\n", text):
        block = " ".join(line.strip() for line in block.strip().splitlines())
        if not block:
            continue
        if block.startswith("## "):
            sections.append({"heading": block[3:].strip(), "paragraphs": []})
        elif not sections:
            raise RenderError(
                "the terms text must start with a '## ' section heading", source=source
            )
        else:
            sections[-1]["paragraphs"].append(block)  # type: ignore[union-attr]
    return sections


def template_digest(template: bytes, terms: str) -> str:
    """The hash a build records for its template: the Word file and the Standard Terms it prints."""
    terms_sha256 = hashlib.sha256(terms.encode()).hexdigest()
    return hashlib.sha256(template + terms_sha256.encode()).hexdigest()
