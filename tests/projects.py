"""Scratch loagen projects for the batch, restate, impact and diff tests: a copy of the templates
and note library, the example cases and a small generated corpus, all under tmp_path."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

from .conftest import CASES, ROOT

TEMPLATES = ROOT / "templates"
LIBRARY = ROOT / "note_library"


def make_project(root: Path, *, library: Path | None = None):
    """A project folder at `root` with copies of loagen's templates and note library."""
    from loagen.project import Project

    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(TEMPLATES, root / "templates")
    shutil.copytree(library or LIBRARY, root / "note_library")
    return Project.at(root)


def copy_cases(target: Path) -> Path:
    shutil.copytree(CASES, target)
    return target


def corpus_module():
    if "loagen_bench_corpus" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "loagen_bench_corpus", ROOT / "bench" / "corpus.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["loagen_bench_corpus"] = module
        spec.loader.exec_module(module)
    return sys.modules["loagen_bench_corpus"]


def make_corpus(target: Path, docs: int, seed: int = 7) -> list[Path]:
    """A generated corpus of `docs` case documents (see bench/corpus.py)."""
    return corpus_module().generate(target, docs, seed)


def used_notes(build_dir: Path) -> dict[str, set[str]]:
    """Output stem -> ids of the notes printed on it, from the manifests in `build_dir`."""
    out = {}
    for manifest in build_dir.glob("*.manifest.json"):
        data = json.loads(manifest.read_text())
        out[manifest.name.removesuffix(".manifest.json")] = {n["id"] for n in data["notes"]}
    return out


def note_file(library: Path, note_id: str) -> Path:
    """The file of note `note_id` in a note library folder."""
    candidates = [p for p in library.rglob("*") if p.is_file() and p.stem == note_id]
    if not candidates:
        candidates = [
            p for p in library.rglob("*.md") if f"id: {note_id}\n" in p.read_text(encoding="utf-8")
        ]
    assert len(candidates) == 1, f"cannot find the file of note {note_id}: {candidates}"
    return candidates[0]


def add_text(note: Path, words: str = " Added text.") -> None:
    """Add `words` to the end of a note's (newest) text, inside its version block if it has one."""
    lines = note.read_text(encoding="utf-8").rstrip("\n").split("\n")
    at = len(lines) - 1
    if lines[at].strip() == ":::":
        at -= 1
        while at > 0 and not lines[at].strip():
            at -= 1
    lines[at] += words
    note.write_text("\n".join(lines) + "\n", encoding="utf-8")


def documents_passed_to(monkeypatch, module, name: str) -> list[str]:  # noqa: ANN001
    """Wrap `module.name`, a stage function whose first argument is a document: the list it
    returns fills with the output stem of each document the function is called with."""
    seen: list[str] = []
    real = getattr(module, name)

    def counted(document, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(document.output_stem)
        return real(document, *args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return seen
