"""A cache of compiled policy and templates across runs, as Python keeps `.pyc` files.

Loading the note library (reading the YAML and Markdown of every note, checking each rule and
body against the case model, generating and compiling their code) and compiling a Word template
(docxtpl's tag clean-up, Jinja's compiler) take most of a one-document `loagen build`, and
parsing the reference tables' YAML a few milliseconds more. Each gives the same result for the
same inputs, so the result is kept in the user's cache folder and read back the next time:

- the key of an entry is a hash of everything that shapes the result: the input bytes (every
  note file, the template part, or the tables), loagen's own code (the size and time of each of its source
  files: any edit of loagen's code is a new key), the Python version and the versions of the
  libraries that compile (Jinja2, MarkupSafe, Pydantic);
- an entry that is missing, unreadable or damaged is compiled again and written again: the
  cache only ever saves time;
- entries are written through a temporary file and a rename, in a folder only the user can
  read (`~/.cache/loagen`, or `$XDG_CACHE_HOME/loagen`), and the newest `KEPT` of each kind
  are kept;
- `LOAGEN_CACHE_DIR` names another folder, `LOAGEN_CACHE=off` turns the cache off.

Reading an entry runs no code of its own: the library is rebuilt by an unpickler that only
reaches loagen's classes and a short list of value types, and generated rule code comes back as
the code objects Python's `marshal` wrote (the same format as `.pyc` files).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import sys
import tempfile
from functools import cache
from pathlib import Path

import pydantic
import pydantic_core

CACHE_FORMAT = "1"
"""Bumped when what an entry holds changes shape."""
MAX_ENTRY = 64 * 1024 * 1024
"""Largest entry read back (bytes); anything larger is compiled again."""
KEPT = 64
"""Entries kept of each kind (the oldest written go first): a note library edited in the studio
makes a new entry at each preview."""
_PACKAGE = Path(__file__).resolve().parent


def cache_folder() -> Path | None:
    """Where entries are kept, or None when the cache is off."""
    if os.environ.get("LOAGEN_CACHE", "").strip().lower() in {"off", "0", "no", "false"}:
        return None
    named = os.environ.get("LOAGEN_CACHE_DIR")
    if named:
        return Path(named)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "loagen"


@cache
def code_stamp() -> str:
    """What identifies the code that compiles: loagen's source files (name, size, time), the
    Python version and the versions of the compiling libraries."""
    h = hashlib.sha256(f"{CACHE_FORMAT}\0{sys.version}\0".encode())
    h.update(f"pydantic={pydantic.VERSION}\0{pydantic_core.__version__}\0".encode())
    folders = [_PACKAGE]
    for name in ("jinja2", "markupsafe", "docxtpl"):
        # found, not imported (docxtpl takes 70 ms to import): their files stand for their
        # versions, as loagen's own do
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            folders.append(Path(spec.origin).parent)
    for folder in folders:
        h.update(f"{folder}\0".encode())
        for path in sorted(folder.rglob("*.py")):
            try:
                info = path.stat()
            except OSError:
                continue
            h.update(f"{path.relative_to(folder)}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return h.hexdigest()


def entry_key(kind: str, *parts: bytes | str) -> str:
    """The key of an entry of `kind` ("library", "template", "reference", "policy-table") made
    from `parts`."""
    h = hashlib.sha256(f"{kind}\0{code_stamp()}\0".encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def _entry(kind: str, key: str) -> Path | None:
    folder = cache_folder()
    return None if folder is None else folder / kind / f"{key[:40]}.bin"


def read_entry(kind: str, key: str) -> bytes | None:
    """The bytes stored under `key`, or None (no cache, no entry, or an unreadable one)."""
    path = _entry(kind, key)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_ENTRY + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_ENTRY else None


def write_entry(kind: str, key: str, data: bytes) -> None:
    """Store `data` under `key`; a cache that cannot be written is skipped without a word."""
    path = _entry(kind, key)
    if path is None or len(data) > MAX_ENTRY:
        return
    try:
        path.parent.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the user's only
        path.parent.mkdir(exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    _prune(path.parent)


def _prune(folder: Path) -> None:
    """Keep the newest `KEPT` entries of a kind."""
    try:
        entries = [
            (e.stat().st_mtime_ns, e.path) for e in os.scandir(folder) if e.name.endswith(".bin")
        ]
    except OSError:
        return
    for _, old in sorted(entries)[: max(0, len(entries) - KEPT)]:
        with contextlib.suppress(OSError):
            os.unlink(old)
