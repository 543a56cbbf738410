"""The build pipeline in order: load the case chain, select notes, check, render, write."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .checks import Finding, run_checks
from .document import LoaDocument, load_document
from .errors import CheckError, LoagenError, Problem
from .notes import NoteLibrary, load_library
from .output import Manifest, manifest_for, write_outputs
from .rendering import Renderer
from .selection import Selection, select_notes


@dataclass(frozen=True)
class Project:
    """The folders a build reads from and writes to."""

    root: Path
    templates: Path
    note_library: Path
    build_dir: Path

    @classmethod
    def at(cls, root: Path) -> Project:
        root = Path(root).resolve()
        return cls(root, root / "templates", root / "note_library", root / "build")

    @classmethod
    def discover(cls, start: Path | None = None) -> Project:
        """The project holding templates/ and note_library/: $LOAGEN_PROJECT, else the nearest
        folder at or above `start` (the current folder), else loagen's own checkout."""
        env = os.environ.get("LOAGEN_PROJECT")
        if env:
            return cls.at(Path(env))
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "templates").is_dir() and (folder / "note_library").is_dir():
                return cls.at(folder)
        checkout = Path(__file__).resolve().parents[2]
        if (checkout / "templates").is_dir() and (checkout / "note_library").is_dir():
            return cls.at(checkout)
        raise LoagenError(
            "cannot find a loagen project (a folder with templates/ and note_library/); "
            "run loagen inside one or set LOAGEN_PROJECT"
        )


@dataclass(frozen=True)
class Prepared:
    """Everything decided about one document before it is rendered."""

    document: LoaDocument
    selection: Selection
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


@dataclass(frozen=True)
class BuildResult:
    document: LoaDocument
    selection: Selection
    findings: tuple[Finding, ...]
    docx_path: Path
    manifest_path: Path
    manifest: Manifest
    draft: bool


class Builder:
    """Builds many documents in one process: the note library and templates load once."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.library: NoteLibrary = load_library(project.note_library)
        self.renderer = Renderer(project.templates)

    def prepare(self, path: Path) -> Prepared:
        """Load, select notes and run the checks; no rendering."""
        document = load_document(Path(path))
        selection = select_notes(document, self.library)
        findings = run_checks(document, selection)
        return Prepared(document, selection, findings)

    def render(self, prepared: Prepared, *, draft: bool = False) -> bytes:
        return self.renderer.render(prepared.document, prepared.selection, draft=draft)

    def build(
        self, path: Path, output_dir: Path, *, allow_errors: bool = False, strict: bool = False
    ) -> BuildResult:
        """Build one document into `output_dir`.

        Check errors (and warnings too when `strict`) stop it, writing nothing, unless
        `allow_errors`: the document is then written marked DRAFT."""
        prepared = self.prepare(path)
        blocking = prepared.findings if strict else prepared.errors
        if blocking and not allow_errors:
            n = len(blocking)
            what = "finding" if strict else "error"
            raise CheckError(
                f"{path}: {n} quality check {what}{'s' if n != 1 else ''}; nothing written "
                "(use --allow-errors for a DRAFT)",
                source=Path(path),
                problems=tuple(
                    Problem(Path(path), f.path, f"[{f.rule_id}] {f.message} ({f.reference})")
                    for f in blocking
                ),
            )
        draft = bool(prepared.errors)
        docx = self.render(prepared, draft=draft)
        manifest = manifest_for(prepared, self, docx, draft=draft)
        docx_path, manifest_path = write_outputs(
            prepared.document, docx, manifest, Path(output_dir)
        )
        return BuildResult(
            prepared.document, prepared.selection, prepared.findings,
            docx_path, manifest_path, manifest, draft,
        )  # fmt: skip
