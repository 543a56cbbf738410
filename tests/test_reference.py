"""The reference tables: one digest over every table, so a batch rebuilds on any edit."""

from __future__ import annotations

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
