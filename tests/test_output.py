"""Output: atomic writes, deterministic packages, manifests."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from loagen.output import atomic_write, read_manifest
from loagen.rendering import _deflate, _zip


def test_atomic_write_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "doc.docx"
    atomic_write(target, b"old")
    atomic_write(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert [p.name for p in target.parent.iterdir()] == ["doc.docx"]  # no temporary left


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "doc.docx"
    atomic_write(target, b"old")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.docx"]


def test_package_is_a_valid_zip_with_fixed_timestamps() -> None:
    data = _zip([("a.xml", _deflate(b"<a/>")), ("b/c.xml", _deflate(b"<c>" * 1000))])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert zf.namelist() == ["a.xml", "b/c.xml"]
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert zf.read("b/c.xml") == b"<c>" * 1000
    assert _zip([("a.xml", _deflate(b"<a/>"))]) == _zip([("a.xml", _deflate(b"<a/>"))])


def test_read_manifest_tolerates_missing_or_broken_files(tmp_path: Path) -> None:
    assert read_manifest(tmp_path / "none.json") is None
    (tmp_path / "bad.json").write_text("{")
    assert read_manifest(tmp_path / "bad.json") is None
