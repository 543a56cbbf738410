"""The build manifest: what went into one built document and what came out, as a typed value.

The manifest beside each DOCX is the contract the incremental batch rests on: the hashes of
everything the document depends on (its case files, template, note library, reference tables,
loagen's version), the notes it prints, where its findings are and their digest, and its totals.
It holds what the batch and `loagen explain` need and nothing that can be derived again from
the case files (the rule explanations, the wording of the findings, the payment schedule, the
line-by-line changes): `loagen check` says the findings in full.

The hash of each note of the library a build saw is kept once per output folder and library,
not in every manifest (`NoteIndex`, in `.loagen/` beside the documents): after a library edit
the batch decides again only the notes whose files changed.

`Manifest.to_json` writes it with a format number and a checksum of its own content;
`Manifest.from_json` refuses anything else: a manifest that is missing, of an older format,
edited by hand or corrupt is read as "no manifest", and the document is built again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from json.encoder import c_make_encoder, encode_basestring
from pathlib import Path
from typing import Any

from .document.costs import TOTALS
from .errors import LoagenError
from .policy.checks import DEPENDS_ON_TODAY, Finding
from .reading import read_limited

FORMAT = 3
"""The manifest format this loagen writes and reads (format 1 had no number; format 2 held the
findings' wording and every library note's hash)."""
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
    """The digest of the note library the build saw (its notes' hashes: `NoteIndex`)."""
    reference_digest: str
    loagen_version: str


@dataclass(frozen=True)
class PrintedNote:
    """A note as the document prints it (a line note once for all its lines)."""

    id: str
    version: str
    placement: str
    lines: tuple[str, ...]
    sha256: str = ""
    """The first `NOTE_HASH_LENGTH` hex digits of the note file's sha256 ("" in the build
    record inside the DOCX, which a library edit that prints the same text leaves unchanged)."""


@dataclass(frozen=True)
class RecordedFinding:
    """Where a quality check finding is: its wording is worked out again by `loagen check`."""

    severity: str
    rule_id: str
    path: str


def _of_the_files(findings: Iterable[Finding]) -> list[Finding]:
    """The findings the case files and the library decide, without those of the day the checks
    run (`DEPENDS_ON_TODAY`): what a built document records."""
    return [f for f in findings if f.rule_id not in DEPENDS_ON_TODAY]


def recorded_findings(findings: Iterable[Finding]) -> tuple[RecordedFinding, ...]:
    """Findings as a manifest records them: grouped by severity and rule, in the order each
    group first appears (the manifest writes a group's rule once, with all its places)."""
    groups: dict[tuple[str, str], list[RecordedFinding]] = {}
    for f in _of_the_files(findings):
        groups.setdefault((f.severity, f.rule_id), []).append(
            RecordedFinding(f.severity, f.rule_id, f.path)
        )
    return tuple(r for group in groups.values() for r in group)


def findings_digest(findings: Iterable[Finding]) -> str:
    """A hash of the findings in full (severity, rule, place, wording and reference, in order):
    whether the checks find the same today as when a document was built."""
    # each part's UTF-8 bytes and a NUL, a \1 after each finding: hashed as one text
    text = "".join(
        f"{f.severity}\0{f.rule_id}\0{f.path}\0{f.message}\0{f.reference}\0\1"
        for f in _of_the_files(findings)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


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
    findings: tuple[RecordedFinding, ...]
    """Where the findings are, in `recorded_findings` order."""
    findings_digest: str
    """`findings_digest` of the findings in full."""
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

    def _content(self, note_hashes: bool = True) -> dict[str, Any]:
        """The manifest as plain data, in the order `to_json` writes it (the notes without
        their hashes unless `note_hashes`)."""
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
                "reference_digest": deps.reference_digest,
                "loagen_version": deps.loagen_version,
            },
            "selection_digest": self.selection_digest,
            "notes": [
                {
                    "id": n.id,
                    "version": n.version,
                    "placement": n.placement,
                    "lines": list(n.lines),
                    **({"sha256": n.sha256} if n.sha256 and note_hashes else {}),
                }
                for n in self.notes
            ],  # fmt: skip
            "note_history": [list(row) for row in self.note_history],
            "findings": _grouped(self.findings),
            "findings_digest": self.findings_digest,
            "totals": {key: f"{value:.2f}" for key, value in self.totals},
            # only when laid out: a manifest (and the build record inside the DOCX) of an
            # estimated count is the same as before page counts were recorded
            **(
                {"page_count": {"from": self.pages_from, "pages": self.pages}}
                if self.pages_from != "estimate"
                else {}
            ),
        }

    def to_json(self, *, note_hashes: bool = True) -> bytes:
        """The manifest as JSON, one top-level key a line, ending with its checksum; its notes
        without their hashes unless `note_hashes` (as a `PrintedNote` without one is written)."""
        content = self._content(note_hashes)
        body = ",\n".join(f"  {_string(k)}: {_value(v)}" for k, v in content.items())
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
                        _text(n.get("sha256", "")),
                    )
                    for n in raw["notes"]
                ),  # fmt: skip
                findings=tuple(
                    RecordedFinding(_text(severity), _text(rule_id), _text(path))
                    for severity, rule_id, paths in raw["findings"]
                    for path in paths
                ),  # fmt: skip
                findings_digest=_text(raw["findings_digest"]),
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


_VALUE_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""What `json.dumps(value, ensure_ascii=False, separators=(",", ":"))` uses, made once
(`json.dumps` with any option makes an encoder at each call)."""
_string = encode_basestring
"""A key as a JSON string (its keys are ASCII: as `json.dumps` writes them)."""
_ENCODE = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None, _VALUE_JSON.default, encode_basestring, None, ":", ",", False, False, True
    )
)
"""The C encoder `_VALUE_JSON.encode` makes afresh for each list or dictionary it writes,
made once (its arguments are `_VALUE_JSON`'s options: no indent, separators "," and ":",
keys unsorted, none skipped, NaN allowed; without the check for a value that contains
itself, which a manifest, built here of new lists and dictionaries, never does)."""


def _value(value: Any) -> str:
    """`_VALUE_JSON.encode(value)`: a string written directly, a list or dictionary by
    `_ENCODE`, anything else (a number, true, false, null) by the encoder."""
    if type(value) is str:
        return encode_basestring(value)
    if _ENCODE is not None and type(value) in (list, dict):
        return "".join(_ENCODE(value, 0))
    return _VALUE_JSON.encode(value)


def _grouped(findings: tuple[RecordedFinding, ...]) -> list[list[Any]]:
    """[severity, rule, [path, ...]] for each run of findings of one severity and rule."""
    out: list[list[Any]] = []
    for f in findings:
        if out and out[-1][0] == f.severity and out[-1][1] == f.rule_id:
            out[-1][2].append(f.path)
        else:
            out.append([f.severity, f.rule_id, [f.path]])
    return out


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


# -- the note hashes of a library, once per output folder ---------------------------------------

INDEX_FOLDER = ".loagen"
"""The folder, inside an output folder, of the note indexes of the libraries it was built with."""


@dataclass(frozen=True)
class NoteIndex:
    """The hash of every note of one note library (the first `NOTE_HASH_LENGTH` hex digits of
    each file's sha256), written once beside the documents built with it: after a library
    edit, the batch compares it with today's library and decides again only the notes that
    changed, for every document whose manifest names this library's digest."""

    library_digest: str
    notes: tuple[tuple[str, str], ...]

    @property
    def hashes(self) -> dict[str, str]:
        return dict(self.notes)

    def to_json(self) -> bytes:
        body = json.dumps(
            {"format": FORMAT, "library_digest": self.library_digest, "notes": dict(self.notes)},
            ensure_ascii=False, indent=1, sort_keys=False,
        )  # fmt: skip
        return (body + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes, library_digest: str) -> NoteIndex:
        """Read an index written by `to_json` for `library_digest`; ManifestInvalid otherwise."""
        try:
            raw = json.loads(data.decode("utf-8"))
            if not isinstance(raw, dict) or raw.get("format") != FORMAT:
                raise ManifestInvalid("not a note index of this format")
            if raw.get("library_digest") != library_digest:
                raise ManifestInvalid("the index of another note library")
            notes = tuple((_text(k), _text(v)) for k, v in dict(raw["notes"]).items())
        except ManifestInvalid:
            raise
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ManifestInvalid(f"{type(exc).__name__}: {exc}") from None
        return cls(library_digest, notes)


def note_index_path(output_dir: Path, library_digest: str) -> Path:
    """Where the note index of the library `library_digest` is kept in `output_dir`."""
    return Path(output_dir) / INDEX_FOLDER / f"notes-{library_digest[:16]}.json"


def read_note_index(output_dir: Path, library_digest: str) -> NoteIndex | None:
    """The note index of `library_digest` in `output_dir`, or None when it is missing, of
    another format or damaged (the batch then decides every note again)."""
    try:
        data = read_limited(note_index_path(output_dir, library_digest), "note index", LoagenError)
        return NoteIndex.from_json(data, library_digest)
    except (LoagenError, ManifestInvalid):
        return None
