"""The reference tables: one digest over every table, so a batch rebuilds on any edit."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

import loagen.reference as reference


@pytest.fixture
def tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(reference.REFERENCE_DIR, folder)
    monkeypatch.setattr(reference, "REFERENCE_DIR", folder)
    reference.load_reference.cache_clear()
    yield folder
    reference.load_reference.cache_clear()


@pytest.mark.parametrize("name", [*reference.TABLES, *reference.DIGESTED_ONLY])
def test_an_edit_of_any_table_changes_the_digest(tables: Path, name: str) -> None:
    before = reference.load_reference().digest
    path = tables / f"{name}.yaml"
    path.write_bytes(path.read_bytes() + b"\n# edited by policy staff\n")
    reference.load_reference.cache_clear()
    assert reference.load_reference().digest != before


def test_parsed_tables_read_back_from_the_compile_cache_are_the_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("LOAGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LOAGEN_CACHE", raising=False)
    parsed = reference.load_reference.__wrapped__()  # parsed, and stored
    (entry,) = (tmp_path / "cache" / reference.KIND).glob("*.bin")

    def refuse(name, raw):  # noqa: ANN001, ANN202
        raise AssertionError("a table was parsed again")

    with monkeypatch.context() as patched:
        patched.setattr(reference, "_parse", refuse)
        assert reference.load_reference.__wrapped__() == parsed

    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):  # noqa: ANN204
            return (os.mkdir, (str(marker),))

    for damaged in (entry.read_bytes()[:100], pickle.dumps(Evil()), pickle.dumps({"x": 1})):
        entry.write_bytes(damaged)
        assert reference.load_reference.__wrapped__() == parsed
        assert not marker.exists()
