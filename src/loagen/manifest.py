"""The build manifest: what went into one built document and what came out, as a typed value.

The manifest beside each DOCX is the contract the incremental batch rests on: the hashes of
everything the document depends on (its case files, template, note library, reference tables,
loagen's version), the notes it prints, its findings and totals. It holds what the batch and
`loagen explain` need and nothing that can be derived again from the case files (the rule
explanations, the payment schedule, the line-by-line changes).

`Manifest.to_json` writes it with a format number and a checksum of its own content;
`Manifest.from_json` refuses anything else: a manifest that is missing, of an older format,
edited by hand or corrupt is read as "no manifest", and the document is built again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .document.costs import TOTALS
from .errors import LoagenError
from .policy.checks import Finding
from .reading import read_limited

FORMAT = 2
"""The manifest format this loagen writes and reads (format 1 had no number)."""
SUFFIX = ".manifest.json"
NOTE_HASH_LENGTH = 16
"""Hex digits kept of each note file's sha256 (enough to tell an edit, and small)."""


class ManifestInvalid(Exception):
    """A manifest that cannot be trusted; the document is built again."""


@dataclass(frozen=True)
class Input:
    """A case file of the document's chain: its path (relative to the project) and hash."""

    path: str
    sha256: str


@dataclass(frozen=True)
class Dependencies:
    """Everything a built document depends on, as hashes."""

    inputs: tuple[Input, ...]
    """The case file and each `previous` snapshot, oldest first."""
    template: str
    """The template's path relative to the project."""
    template_sha256: str
    library_digest: str
    note_hashes: tuple[tuple[str, str], ...]
    """(note id, first `NOTE_HASH_LENGTH` hex digits of its file's sha256) of every note of the
    library the build saw: a library edit decides again only the notes that changed."""
    reference_digest: str
    loagen_version: str

    @property
    def notes(self) -> dict[str, str]:
        return dict(self.note_hashes)


@dataclass(frozen=True)
class PrintedNote:
    """A note as the document prints it (a line note once for all its lines)."""

    id: str
    version: str
    placement: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    case_id: str
    document: str
    """'basic', 'amendment-1' ..."""
    kind: str
    output: str
    """The DOCX file name."""
    docx_sha256: str
    draft: bool
    dependencies: Dependencies
    selection_digest: str
    """Hash of the notes as printed (ids, versions, placement, lines, title and text)."""
    notes: tuple[PrintedNote, ...]
    findings: tuple[Finding, ...]
    totals: tuple[tuple[str, Decimal], ...]
    """(key of `document.costs.TOTALS`, amount)."""
    loagen_version: str
    note_history: tuple[tuple[str, str, str], ...] = ()
    """(note id, version, the document that added it) of every note in force on the case
    after this document."""
    pages_from: str = "estimate"
    """Where the page count the DOCX stores (its NUMPAGES fields) comes from: "estimate"
    (`rendering.pages`, without a word processor) or "layout" (LibreOffice laid the document
    out and made its PDF, see `Pipeline.lay_out`)."""
    pages: int | None = None
    """The number of pages LibreOffice laid the DOCX out to (with `pages_from` "layout");
    None for an estimate, which is not recorded as a fact."""

    @property
    def total(self) -> dict[str, Decimal]:
        return dict(self.totals)

    @property
    def printed_ids(self) -> frozenset[str]:
        return frozenset(n.id for n in self.notes)

    # -- JSON --

    def _content(self) -> dict[str, Any]:
        deps = self.dependencies
        return {
            "format": FORMAT,
            "loagen_version": self.loagen_version,
            "case_id": self.case_id,
            "document": self.document,
            "kind": self.kind,
            "output": self.output,
            "docx_sha256": self.docx_sha256,
            "draft": self.draft,
            "dependencies": {
                "inputs": [{"path": i.path, "sha256": i.sha256} for i in deps.inputs],
                "template": {"path": deps.template, "sha256": deps.template_sha256},
                "library_digest": deps.library_digest,
                "library_notes": dict(deps.note_hashes),
                "reference_digest": deps.reference_digest,
                "loagen_version": deps.loagen_version,
            },
            "selection_digest": self.selection_digest,
            "notes": [
                {"id": n.id, "version": n.version, "placement": n.placement, "lines": list(n.lines)}
                for n in self.notes
            ],
            "note_history": [list(row) for row in self.note_history],
            "findings": [f.to_dict() for f in self.findings],
            "totals": {key: f"{value:.2f}" for key, value in self.totals},
            # only when laid out: a manifest (and the build record inside the DOCX) of an
            # estimated count is the same as before page counts were recorded
            **(
                {"page_count": {"from": self.pages_from, "pages": self.pages}}
                if self.pages_from != "estimate"
                else {}
            ),
        }

    def to_json(self) -> bytes:
        """The manifest as JSON, one top-level key a line, ending with its checksum."""
        content = self._content()
        body = ",\n".join(
            f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False, separators=(',', ':'))}"
            for key, value in content.items()
        )
        checksum = hashlib.sha256(body.encode()).hexdigest()[:32]
        return ("{\n" + body + f',\n  "checksum": "{checksum}"\n}}\n').encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Read a manifest written by `to_json`; raise ManifestInvalid for anything else."""
        try:
            text = data.decode("utf-8")
            raw = json.loads(text)
            head, _, tail = text.rpartition(',\n  "checksum": ')
            if not isinstance(raw, dict) or raw.get("format") != FORMAT:
                raise ManifestInvalid("not a manifest of this format")
            if hashlib.sha256(head[2:].encode()).hexdigest()[:32] != raw.get("checksum"):
                raise ManifestInvalid("the checksum does not match: edited or damaged")
            deps = raw["dependencies"]
            template = deps["template"]
            return cls(
                case_id=_text(raw["case_id"]),
                document=_text(raw["document"]),
                kind=_text(raw["kind"]),
                output=_text(raw["output"]),
                docx_sha256=_text(raw["docx_sha256"]),
                draft=bool(raw["draft"]),
                dependencies=Dependencies(
                    inputs=tuple(
                        Input(_text(i["path"]), _text(i["sha256"])) for i in deps["inputs"]
                    ),
                    template=_text(template["path"]),
                    template_sha256=_text(template["sha256"]),
                    library_digest=_text(deps["library_digest"]),
                    note_hashes=tuple(
                        (_text(k), _text(v)) for k, v in dict(deps["library_notes"]).items()
                    ),
                    reference_digest=_text(deps["reference_digest"]),
                    loagen_version=_text(deps["loagen_version"]),
                ),
                selection_digest=_text(raw["selection_digest"]),
                notes=tuple(
                    PrintedNote(
                        _text(n["id"]),
                        _text(n["version"]),
                        _text(n["placement"]),
                        tuple(_text(x) for x in n["lines"]),
                    )
                    for n in raw["notes"]
                ),  # fmt: skip
                findings=tuple(
                    Finding(
                        f["severity"],
                        _text(f["rule_id"]),
                        _text(f["message"]),
                        _text(f["path"]),
                        _text(f["reference"]),
                    )
                    for f in raw["findings"]
                ),  # fmt: skip
                totals=tuple((k, Decimal(_text(raw["totals"][k]))) for k, _ in TOTALS),
                loagen_version=_text(raw["loagen_version"]),
                note_history=tuple(
                    (_text(a), _text(b), _text(c)) for a, b, c in raw.get("note_history", [])
                ),
                **_page_count(raw.get("page_count")),
            )
        except ManifestInvalid:
            raise
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError,
                InvalidOperation) as exc:  # fmt: skip
            raise ManifestInvalid(f"{type(exc).__name__}: {exc}") from None


def _page_count(value: Any) -> dict[str, Any]:
    """The `pages_from` and `pages` of a manifest's "page_count" (absent: an estimate)."""
    if value is None:
        return {}
    source, pages = value["from"], value["pages"]
    if source != "layout" or not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
        raise ValueError(f"a page count from {source!r} of {pages!r} pages")
    return {"pages_from": source, "pages": pages}


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def manifest_path(docx: Path) -> Path:
    """The manifest beside a DOCX: BN-D-QAA-basic.docx -> BN-D-QAA-basic.manifest.json."""
    return docx.with_name(docx.name.removesuffix(".docx") + SUFFIX)


def read_manifest(path: Path) -> Manifest | None:
    """The manifest at `path`, or None when it is missing, of another format, edited or
    corrupt (the document is then built again)."""
    try:
        return Manifest.from_json(read_limited(path, "manifest", LoagenError))
    except (LoagenError, ManifestInvalid):
        return None
