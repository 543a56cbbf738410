"""Output files: written whole or not at all, in pairs, and no temporary file left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from loagen.errors import OutputError
from loagen.output.files import atomic_write, remove_stale_temporaries, write_pair


def test_atomic_write_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "doc.docx"
    atomic_write(target, b"old")
    atomic_write(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert [p.name for p in target.parent.iterdir()] == ["doc.docx"]  # no temporary left


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "doc.docx"
    atomic_write(target, b"old")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OutputError, match="the disk is full"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.docx"]


def test_a_full_disk_in_a_fresh_folder_leaves_no_docx_without_its_manifest(
    tmp_path: Path, monkeypatch
) -> None:
    real_write = os.write
    calls = {"n": 0}

    def write(fd, data):
        calls["n"] += 1
        if calls["n"] == 2:  # the manifest (each file takes one call): the disk is full by then
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    folder = tmp_path / "build"
    with pytest.raises(OutputError):
        write_pair(((folder / "a.docx", b"docx"), (folder / "a.manifest.json", b"{}")))
    assert list(folder.iterdir()) == []


def test_a_failed_second_rename_takes_back_a_new_docx(tmp_path: Path, monkeypatch) -> None:
    real = os.replace
    seen = []

    def second_fails(src, dst):
        seen.append(dst)
        if len(seen) == 2:
            raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(OutputError):
        write_pair(((tmp_path / "a.docx", b"docx"), (tmp_path / "a.manifest.json", b"{}")))
    assert list(tmp_path.iterdir()) == []


def test_a_short_write_goes_on_until_every_byte_is_written(tmp_path: Path, monkeypatch) -> None:
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:3])))
    target = tmp_path / "doc.docx"
    atomic_write(target, b"0123456789")
    assert target.read_bytes() == b"0123456789"


def test_a_folder_that_cannot_be_made_fails_as_before(tmp_path: Path) -> None:
    (tmp_path / "taken").write_bytes(b"a file where the folder should be")
    with pytest.raises(OutputError, match="taken is a file, not a folder"):
        write_pair(((tmp_path / "taken" / "a.docx", b"docx"),))
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_stale_temporaries_of_dead_runs_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = tmp_path / f".a.docx.loagen{dead.stdout.strip()}-00aa11bb.tmp"
    live = tmp_path / f".b.docx.loagen{os.getpid()}-00aa11bb.tmp"
    other = tmp_path / ".notes.tmp"
    for p in (stale, live, other):
        p.write_bytes(b"x")
    assert remove_stale_temporaries(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


def test_the_pipeline_tidies_the_note_index_folder_too(tmp_path: Path) -> None:
    from loagen.manifest import INDEX_FOLDER
    from loagen.pipeline import Pipeline

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    index = tmp_path / INDEX_FOLDER
    index.mkdir()
    stale = index / f".notes-0123.json.loagen{dead.stdout.strip()}-00aa11bb.tmp"
    stale.write_bytes(b"x")
    assert Pipeline.tidy(tmp_path) == 1
    assert not stale.exists()


@pytest.mark.parametrize("links", [True, False])
def test_a_docx_is_kept_under_a_free_name_with_or_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: bool
) -> None:
    """A changed DOCX is moved aside, and an answered one copied as built, to the first free
    name ("-2" when the first is taken), never over a file there; on a system without hard
    links (some network shares) the move is a rename and the copy a copy."""
    from loagen.output import files

    if not links:

        def no_links(src: object, dst: object) -> None:
            raise OSError(1, "Operation not permitted")

        monkeypatch.setattr(files.os, "link", no_links)
    docx = tmp_path / "X-basic.docx"
    (tmp_path / "X-basic.changed-after-build.docx").write_bytes(b"kept before")
    docx.write_bytes(b"edited")
    aside = files.keep_aside(docx)
    assert aside.name == "X-basic.changed-after-build-2.docx" and not docx.exists()
    assert aside.read_bytes() == b"edited"
    assert (tmp_path / "X-basic.changed-after-build.docx").read_bytes() == b"kept before"
    docx.write_bytes(b"as signed")
    first = files.keep_copy(docx, "2026-11-30")
    second = files.keep_copy(docx, "2026-11-30")
    assert (first.name, second.name) == (
        "X-basic.as-built-2026-11-30.docx",
        "X-basic.as-built-2026-11-30-2.docx",
    )
    assert docx.read_bytes() == first.read_bytes() == second.read_bytes() == b"as signed"


def test_a_file_where_a_folder_of_the_path_should_be_is_named(tmp_path: Path) -> None:
    from loagen.errors import OutputError

    (tmp_path / "x.yaml").write_text("a file")
    with pytest.raises(OutputError, match=r"x\.yaml is a file, not a folder"):
        atomic_write(tmp_path / "x.yaml" / "y.yaml", b"data")
