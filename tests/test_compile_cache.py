"""The compile cache: a library or template read back from it decides and renders as one
compiled from its files; a damaged, foreign or stale entry is compiled again, never run."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

import loagen.policy.library_cache as library_cache
import loagen.rendering.templates as templates
from loagen import compile_cache
from loagen.pipeline import Pipeline, selection_digest
from loagen.project import Project

from .conftest import CASES, ROOT

AMENDMENT = CASES / "BN-D-QAA" / "amendment-1.json"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LOAGEN_CACHE_DIR", str(folder))
    monkeypatch.delenv("LOAGEN_CACHE", raising=False)
    return folder


def _fresh() -> Pipeline:
    return Pipeline(Project.at(ROOT))


def _entries(cache: Path, kind: str) -> list[Path]:
    return sorted((cache / kind).glob("*.bin")) if (cache / kind).is_dir() else []


def test_a_library_read_back_decides_and_prints_as_one_loaded_from_its_files(cache, monkeypatch):
    first = _fresh()
    built = first.build(AMENDMENT, cache.parent / "one")
    assert len(_entries(cache, "library")) == 1

    def refuse(folder):  # noqa: ANN001, ANN202
        raise AssertionError("the library was loaded from its files again")

    monkeypatch.setattr(library_cache, "load_library", refuse)
    second = _fresh()
    document = second.document(AMENDMENT)
    selection = second.select(document, explained=True)
    assert selection_digest(selection) == built.manifest.selection_digest
    again = second.build(AMENDMENT, cache.parent / "two")
    assert again.docx_path.read_bytes() == built.docx_path.read_bytes()
    assert [d.reason for d in selection.decisions] == [
        d.reason for d in first.select(first.document(AMENDMENT), explained=True).decisions
    ]


def test_a_damaged_or_foreign_entry_is_loaded_again_and_never_run(cache, tmp_path):
    _fresh().library  # noqa: B018
    (entry,) = _entries(cache, "library")
    entry.write_bytes(entry.read_bytes()[:1000])  # cut short
    assert _fresh().library.digest == _fresh().library.digest
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):  # noqa: ANN204
            return (os.mkdir, (str(marker),))

    (entry,) = _entries(cache, "library")
    entry.write_bytes(pickle.dumps(Evil()))
    library = _fresh().library
    assert not marker.exists()
    assert len(list(library)) > 10
    written = library_cache._Reader(entry.read_bytes()).load()  # written again: a library
    assert written.digest == library.digest


def test_a_template_read_back_renders_the_same_bytes_without_docxtpl(cache, monkeypatch):
    built = _fresh().build(AMENDMENT, cache.parent / "one")
    assert len(_entries(cache, "template")) >= 1

    def refuse(body):  # noqa: ANN001, ANN202
        raise AssertionError("the template was prepared again")

    monkeypatch.setattr(templates, "_patch", refuse)
    again = _fresh().build(AMENDMENT, cache.parent / "two")
    assert again.docx_path.read_bytes() == built.docx_path.read_bytes()
    for entry in _entries(cache, "template"):
        entry.write_bytes(b"not marshal data")
    monkeypatch.undo()
    assert _fresh().build(AMENDMENT, cache.parent / "three").docx_path.read_bytes() == (
        built.docx_path.read_bytes()
    )


def test_the_cache_can_be_turned_off(cache, monkeypatch):
    monkeypatch.setenv("LOAGEN_CACHE", "off")
    _fresh().build(AMENDMENT, cache.parent / "out")
    assert not cache.exists()


def test_an_edit_of_loagen_code_is_a_new_key(tmp_path, monkeypatch):
    package = tmp_path / "loagen"
    package.mkdir()
    source = package / "module.py"
    source.write_text("A = 1\n")
    monkeypatch.setattr(compile_cache, "_PACKAGE", package)
    compile_cache.code_stamp.cache_clear()
    try:
        before = compile_cache.entry_key("library", "same input")
        source.write_text("A = 22\n")
        compile_cache.code_stamp.cache_clear()
        assert compile_cache.entry_key("library", "same input") != before
    finally:
        compile_cache.code_stamp.cache_clear()


def test_an_unwritable_cache_only_costs_time(cache, monkeypatch):
    cache.parent.mkdir(exist_ok=True)
    cache.write_text("a file where the folder would be")
    built = _fresh().build(AMENDMENT, cache.parent / "out")
    assert built.docx_path.is_file()
    shutil.rmtree(cache.parent / "out")


def test_only_the_newest_entries_are_kept(cache, monkeypatch):
    monkeypatch.setattr(compile_cache, "KEPT", 3)
    for i in range(6):
        compile_cache.write_entry("library", f"{i:040d}", b"x" * i)
        stamp = 1_000_000_000 + i
        os.utime(cache / "library" / f"{i:040d}.bin", (stamp, stamp))
    compile_cache.write_entry("library", "9" * 40, b"newest")
    kept = sorted(p.name[39] for p in _entries(cache, "library"))
    assert kept == ["4", "5", "9"]
    assert compile_cache.read_entry("library", "9" * 40) == b"newest"


def test_the_cache_folder_is_the_users_only(cache):
    compile_cache.write_entry("template", "1" * 40, b"code")
    for folder in (cache, cache / "template"):
        assert folder.stat().st_mode & 0o077 == 0, oct(folder.stat().st_mode)


def test_a_policy_table_is_read_back_as_parsed_and_a_damaged_entry_parsed_again(
    cache, tmp_path, monkeypatch
):
    """The 36(b) table and the package checklist come from the cache as YAML gave them; an
    entry cut short, or one that would run code, is parsed again (and written again)."""
    from loagen.reference import policy_tables

    path, text = policy_tables.table_text("cn36b")
    parsed, _ = policy_tables.parse(path, text)
    assert policy_tables.data_of(path, text) == parsed  # parsed, and kept
    (entry,) = _entries(cache, policy_tables.KIND)

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the table was parsed again")

    with monkeypatch.context() as m:
        m.setattr(policy_tables, "parse", refuse)
        assert policy_tables.data_of(path, text) == parsed  # read back
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):  # noqa: ANN204
            return (os.mkdir, (str(marker),))

    for damaged in (entry.read_bytes()[:100], pickle.dumps(Evil())):
        entry.write_bytes(damaged)
        assert policy_tables.data_of(path, text) == parsed
        assert not marker.exists()
        assert entry.read_bytes() != damaged  # written again
    assert policy_tables.data_of(path, text + "\n# another text\n") == parsed  # its own entry
    assert len(_entries(cache, policy_tables.KIND)) == 2
