"""Every note of the library has its own tests: a Basic that must carry it, and an Amendment or
Modification that must and one that must not print it (the files in tests/notes/ declare the
notes they cover in NOTES)."""

from __future__ import annotations

import importlib
import pkgutil

from loagen.policy.notes import load_library

from ..conftest import ROOT


def test_every_library_note_has_tests() -> None:
    import tests.notes as package

    covered: set[str] = set()
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("test_") and info.name != "test_every_note_is_tested":
            module = importlib.import_module(f"tests.notes.{info.name}")
            covered |= set(getattr(module, "NOTES", ()))
    library = set(load_library(ROOT / "note_library").ids)
    assert library - covered == set(), "notes without tests"
    assert covered - library == set(), "tests of notes the library does not hold"
