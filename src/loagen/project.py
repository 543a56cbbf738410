"""The project: the folders loagen reads and writes, and the case files found in them.

A project is a folder holding `templates/` and `note_library/` (and usually `cases/` and
`build/`). `CaseSources` reads each case file once per run, hashes it and peeks at what the
planning of a batch needs (without validating it): whether it is a case file, the output name
it will get, and the `previous` file it names.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .case.loading import CASE_SUFFIXES, parse_case_bytes, previous_path
from .document.assembly import output_stem
from .errors import CaseError, LoagenError, ProjectError
from .manifest import SUFFIX as MANIFEST_SUFFIX
from .reading import read_limited
from .rendering.terms import TERMS_FILE
from .rendering.terms import template_digest as digest_of


@dataclass(frozen=True)
class Project:
    """The folders a build reads from and writes to."""

    root: Path
    templates: Path
    note_library: Path
    build_dir: Path
    found: str = field(default="", compare=False)
    """How `discover` found it: "env" (LOAGEN_PROJECT), "folder" (the current folder or one
    above it), "checkout" (none of those: loagen's own checkout, which the command line says,
    since a writer running loagen elsewhere did not ask for it), "" when not discovered."""

    @classmethod
    def at(cls, root: Path, found: str = "") -> Project:
        root = Path(root).resolve()
        return cls(root, root / "templates", root / "note_library", root / "build", found)

    @classmethod
    def discover(cls, start: Path | None = None) -> Project:
        """The project holding templates/ and note_library/: $LOAGEN_PROJECT, else the nearest
        folder at or above `start` (the current folder), else loagen's own checkout (its
        `found` then says so). ProjectError when LOAGEN_PROJECT names no project, or when
        there is none at all."""
        env = os.environ.get("LOAGEN_PROJECT")
        if env:
            folder = Path(env).expanduser()
            said = f"LOAGEN_PROJECT names {env}"
            if not folder.is_dir():
                what = "a file, not a folder" if folder.exists() else "a folder that does not exist"
                raise ProjectError(
                    f"{said}, {what}: set it to your loagen project's folder (the one holding "
                    "templates/ and note_library/), or unset it to use the project around the "
                    "current folder"
                )
            lacking = [n for n in ("templates", "note_library") if not (folder / n).is_dir()]
            if lacking:
                raise ProjectError(
                    f"{said}, which is not a loagen project: it has no "
                    f"{' and no '.join(n + '/' for n in lacking)} folder; set LOAGEN_PROJECT to "
                    "the folder holding templates/ and note_library/"
                )
            return cls.at(folder, "env")
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "templates").is_dir() and (folder / "note_library").is_dir():
                return cls.at(folder, "folder")
        checkout = Path(__file__).resolve().parents[2]
        if (checkout / "templates").is_dir() and (checkout / "note_library").is_dir():
            return cls.at(checkout, "checkout")
        raise ProjectError(
            "cannot find a loagen project (a folder with templates/ and note_library/) in "
            f"{here} or above it: run loagen inside one or set LOAGEN_PROJECT to its folder"
        )

    @property
    def cases(self) -> Path:
        return self.root / "cases"

    def relative(self, path: Path) -> str:
        """`path` as the manifest records it: relative to the project when inside it (with
        forward slashes), else absolute."""
        absolute = os.path.abspath(path)
        if os.sep == "/":
            # as text: `Path.relative_to` took a third of a manifest's time (`abspath` gives
            # the path normalised, as `relative_to` compares it part by part)
            root = os.fspath(self.root)
            if absolute == root:
                return "."
            inside = root if root.endswith("/") else root + "/"
            return absolute[len(inside) :] if absolute.startswith(inside) else absolute
        try:
            return Path(absolute).relative_to(self.root).as_posix()
        except ValueError:
            return Path(absolute).as_posix()

    def absolute(self, recorded: str) -> Path:
        """The path a manifest records, on this machine."""
        path = Path(recorded)
        return path if path.is_absolute() else self.root / path

    def case_files(self) -> list[Path]:
        """The case files under the project's cases/ folder."""
        return find_case_files([self.cases]) if self.cases.is_dir() else []


# -- case files on disk ---------------------------------------------------------------------------


def path_key(path: Path) -> str:
    """The absolute, normalised form of `path`: the same file reached by two spellings counts
    once (without resolving symbolic links, which costs a system call a path component)."""
    return os.path.abspath(path)


@dataclass(frozen=True)
class SourceInfo:
    """What planning needs of one case file (kept small: the parsed data is dropped)."""

    sha256: str | None
    """None when the file cannot be read."""
    parsed: bool
    """The file holds one JSON or YAML object."""
    is_case: bool
    """It has the top-level fields of a case file."""
    stem: str | None
    previous: Path | None
    previous_ok: bool


class CaseSources:
    """Each case file read, hashed and peeked at once per run."""

    def __init__(self) -> None:
        self._info: dict[str, SourceInfo] = {}

    def info(self, path: Path) -> SourceInfo:
        key = path_key(path)
        found = self._info.get(key)
        if found is None:
            found = self._info[key] = _read_info(Path(path))
        return found

    def chain_hashes(self, path: Path) -> list[str] | None:
        """The sha256 of the case file and of every `previous` snapshot, oldest first (the
        order of the manifest's inputs), or None when the chain cannot be followed."""
        hashes: list[str] = []
        seen: set[str] = set()
        current: Path | None = path
        while current is not None:
            key = path_key(current)
            if key in seen:
                return None
            seen.add(key)
            info = self.info(current)
            if info.sha256 is None or not info.parsed or not info.previous_ok:
                return None
            hashes.append(info.sha256)
            current = info.previous
        hashes.reverse()
        return hashes


def _read_info(path: Path) -> SourceInfo:
    try:
        raw = read_limited(path, "case file", LoagenError)
    except LoagenError:
        return SourceInfo(None, False, False, None, None, False)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        data = parse_case_bytes(raw, path)
    except LoagenError:
        return SourceInfo(digest, False, False, None, None, False)
    doc = data.get("document")
    previous = doc.get("previous") if isinstance(doc, dict) else None
    previous_ok, target = previous is None, None
    if isinstance(previous, str):
        try:
            target, previous_ok = previous_path(path, previous), True
        except LoagenError:
            previous_ok = False
    return SourceInfo(
        digest,
        True,
        "case_id" in data or "document" in data,
        planned_stem(data),
        target,
        previous_ok,
    )


def planned_stem(data: Any) -> str | None:
    """The output name `LoaDocument.output_stem` will give this case data, or None when the
    data is too broken to tell (the build then reports the problems)."""
    try:
        case_id = data["case_id"]
        doc = data["document"]
        kind = doc["kind"]
        if not isinstance(case_id, str) or kind not in ("Basic", "Amendment", "Modification"):
            return None
        number = None if kind == "Basic" else int(doc["number"])
        return output_stem(case_id, kind, number, restated=doc.get("restated") is not None)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def find_case_files(paths: Iterable[Path], sources: CaseSources | None = None) -> list[Path]:
    """Every case file under `paths`: files given by name, and the JSON and YAML files found in
    folders (recursively; hidden folders, manifests and files that are plainly not case files,
    such as other JSON documents, are left out). Sorted, each file once."""
    sources = sources or CaseSources()
    found: dict[str, Path] = {}
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for folder, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    path = Path(folder) / name
                    if _looks_like_case_file(path, sources):
                        found.setdefault(path_key(path), path)
        else:
            # A file named on the command line is always a case file (missing: reported).
            found.setdefault(path_key(given), given)
    return sorted(found.values(), key=lambda p: str(p))


def documents_under(paths: Iterable[Path]) -> list[Path]:
    """The documents `paths` name: case files and built DOCX named one by one, and every case
    file in (and under) a folder. Raises CaseError for a folder that holds none."""
    out: list[Path] = []
    sources = CaseSources()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            found = in_written_order(find_case_files([given], sources), sources)
            if not found:
                hint = ""
                if any(given.glob("*.docx")):
                    hint = (
                        f"; to read the Word documents in it, name them (e.g. {given / '*.docx'})"
                    )
                raise CaseError(f"no case files in this folder{hint}", source=given)
            out.extend(found)
        else:
            out.append(given)
    return out


def in_written_order(paths: list[Path], sources: CaseSources | None = None) -> list[Path]:
    """Case files in the order their documents were written: folder by folder, each document
    after those of its `previous` chain (the Basic, then Amendment 1...; a restated version
    after the one it restates), as the review report lists them, not by file name, which puts
    amendment-1 before basic. Files whose chain cannot be followed come last, by name."""
    sources = sources or CaseSources()
    folders: dict[Path, int] = {}
    for path in paths:
        folders.setdefault(path.parent, len(folders))  # the folders stay in the order given

    def key(path: Path) -> tuple[int, int, str]:
        chain = sources.chain_hashes(path)
        return (folders[path.parent], len(chain) if chain else 1_000_000, path.name)

    return sorted(paths, key=key)


def _looks_like_case_file(path: Path, sources: CaseSources) -> bool:
    name = path.name
    if name.startswith(".") or name.endswith(MANIFEST_SUFFIX):
        return False
    if path.suffix.lower() not in CASE_SUFFIXES:
        return False
    info = sources.info(path)
    if not info.parsed:
        return info.sha256 is not None  # broken JSON among case files is reported, not ignored
    return info.is_case


def template_file_digest(path: Path) -> str | None:
    """The digest a build records for the template at `path` and the Standard Terms beside it
    (what `rendering.templates.CompiledTemplate.sha256` records), without compiling it."""
    try:
        raw = read_limited(path, "template", LoagenError)
        terms = read_limited(path.parent / TERMS_FILE, "terms file", LoagenError).decode("utf-8")
    except (LoagenError, UnicodeDecodeError):
        return None
    return digest_of(raw, terms)
