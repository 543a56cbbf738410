"""Writing build outputs: the DOCX and its manifest, atomically, side by side."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import OutputError
from .reference import load_reference

if TYPE_CHECKING:
    from .build import Builder, Prepared
    from .document import LoaDocument
    from .selection import Decision

Manifest = dict[str, Any]
MANIFEST_SUFFIX = ".manifest.json"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def selection_digest(prepared: Prepared) -> str:
    """Hash of what the note selection puts on the page (ids, versions, placement, filled title
    and text): `loagen batch` rebuilds a document after a library edit only when it changes."""
    h = hashlib.sha256()
    for note in prepared.selection.notes:
        parts = (note.id, note.version, note.placement, ",".join(note.lines), note.title, note.body)
        for part in parts:
            h.update(part.encode() + b"\0")
    return h.hexdigest()


def _money(value: Any) -> str:
    return f"{value:.2f}"


def manifest_for(prepared: Prepared, builder: Builder, docx: bytes, *, draft: bool) -> Manifest:
    """What went into a build and what came out: inputs with hashes, template, notes, totals."""
    doc = prepared.document
    costs = doc.costs
    template = builder.renderer.template_for(doc.case)
    return {
        "loagen_version": __version__,
        "case_id": doc.case.case_id,
        "document": doc.name,
        "kind": doc.case.document.kind,
        "output": doc.output_stem + ".docx",
        "docx_sha256": sha256_bytes(docx),
        "draft": draft,
        "dependencies": {
            "inputs": [{"path": str(f.path), "sha256": f.sha256} for f in doc.files],
            "template": {"path": str(template.path), "sha256": template.sha256},
            "library_digest": builder.library.digest,
            "library_notes": {note.id: note.sha256 for note in builder.library},
            "reference_digest": load_reference().digest,
            "loagen_version": __version__,
        },
        "selection_digest": selection_digest(prepared),
        "notes": [
            {
                "id": n.id,
                "version": n.version,
                "placement": n.placement,
                "lines": list(n.lines),
                "sha256": n.sha256,
            }
            for n in prepared.selection.notes
        ],
        "decisions": [decision_json(d) for d in prepared.selection.decisions],
        "findings": [
            {
                "severity": f.severity,
                "rule": f.rule_id,
                "message": f.message,
                "path": f.path,
                "reference": f.reference,
            }
            for f in prepared.findings
        ],
        "changes": [
            {"line": c.number, "changes": list(c.summary), "scope": list(c.scope_reasons)}
            for c in doc.changes.touched
        ]
        if doc.changes.has_previous
        else [],
        "scope_changed": doc.changes.scope_changed,
        "totals": {
            "net_estimated_cost": _money(costs.net_estimated_cost),
            "packing_crating_handling": _money(costs.packing_crating_handling),
            "administrative_charge": _money(costs.administrative_charge),
            "transportation": _money(costs.transportation),
            "other": _money(costs.other),
            "total_estimated_cost": _money(costs.total_estimated_cost),
            "initial_deposit": _money(costs.initial_deposit),
        },
        "payment_schedule": {
            "source": costs.schedule_source,
            "reason": costs.schedule_reason,
            "rows": [
                {"date": r.date.isoformat() if r.date else None, "amount": _money(r.amount)}
                for r in costs.schedule
            ],
        },
    }


def decision_json(decision: Decision) -> dict[str, Any]:
    """A note decision as the manifest records it."""
    return {
        "note": decision.note_id,
        "included": decision.included,
        "reason": decision.reason,
        "rule": decision.rule,
        "terms": [
            {"text": t.text, "value": _jsonable(t.value), "lines": list(t.lines)}
            for t in decision.terms
        ],
        "lines": list(decision.lines),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _umask_mode()


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename: readers, and a later run
    after an interrupted one (Ctrl-C, a killed process), see the old complete file or the new
    complete file, never a truncated one. Files get the usual permissions (the umask's).

    The data is not forced to disk file by file (no fsync): that would double the cost of a
    build to guard against an operating-system crash, after which `loagen batch` rebuilds
    whatever its manifests no longer vouch for."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def manifest_bytes(manifest: Manifest) -> bytes:
    """The manifest as JSON, one top-level key a line (readable in a diff, and written by the
    fast C encoder: `indent` would use the slow pure-Python one)."""
    body = ",\n".join(
        f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in manifest.items()
    )
    return ("{\n" + body + "\n}\n").encode()


def output_stem(case_id: str, kind: str, number: int | None, *, restated: bool) -> str:
    """'BN-D-QAA-basic', 'BN-D-QAA-amendment-1', 'BN-D-QAA-amendment-1-restated'."""
    name = "basic" if kind == "Basic" else f"{kind.lower()}-{number}"
    return f"{case_id}-{name}" + ("-restated" if restated else "")


def output_paths(document: LoaDocument, output_dir: Path) -> tuple[Path, Path]:
    stem = document.output_stem
    return output_dir / f"{stem}.docx", output_dir / f"{stem}{MANIFEST_SUFFIX}"


def write_outputs(
    document: LoaDocument, docx: bytes, manifest: Manifest, output_dir: Path
) -> tuple[Path, Path]:
    """Write the DOCX, then its manifest (the manifest last: it vouches for the DOCX)."""
    docx_path, manifest_path = output_paths(document, output_dir)
    try:
        atomic_write(docx_path, docx)
        atomic_write(manifest_path, manifest_bytes(manifest))
    except OSError as exc:
        raise OutputError(
            f"cannot write output: {exc.strerror}", source=Path(exc.filename or output_dir)
        ) from None
    return docx_path, manifest_path


def read_manifest(path: Path) -> Manifest | None:
    """The manifest at `path`, or None if it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
