"""The project: how loagen finds the folder holding templates/ and note_library/."""

from __future__ import annotations

from pathlib import Path

import pytest

from loagen.errors import ProjectError
from loagen.project import Project


def _project(folder: Path) -> Path:
    for name in ("templates", "note_library"):
        (folder / name).mkdir(parents=True)
    return folder


def test_the_project_is_found_from_a_folder_inside_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("LOAGEN_PROJECT", raising=False)
    root = _project(tmp_path / "trucks")
    inside = root / "cases" / "BN-B-GDZ"
    inside.mkdir(parents=True)
    found = Project.discover(inside)
    assert (found.root, found.found) == (root.resolve(), "folder")


def test_outside_any_project_loagen_s_own_checkout_is_used_and_says_so(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("LOAGEN_PROJECT", raising=False)
    found = Project.discover(tmp_path)
    assert found.found == "checkout"  # the command line says so, or refuses to add a case
    assert found == Project.at(found.root)  # how it was found is no part of what it is


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: p / "nowhere", "a folder that does not exist"),
        (lambda p: p, "which is not a loagen project: it has no templates/ and no note_library/"),
        (lambda p: (p / "templates").mkdir() or p, "it has no note_library/ folder"),
    ],
)
def test_loagen_project_must_name_a_project(tmp_path: Path, monkeypatch, make, said) -> None:
    """LOAGEN_PROJECT naming no project is said as such, not as a missing note library."""
    folder = make(tmp_path)
    monkeypatch.setenv("LOAGEN_PROJECT", str(folder))
    with pytest.raises(ProjectError) as info:
        Project.discover()
    assert f"LOAGEN_PROJECT names {folder}" in str(info.value) and said in str(info.value)
    assert info.value.exit_code == 8


def test_loagen_project_naming_a_project_is_used(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path / "mine")
    monkeypatch.setenv("LOAGEN_PROJECT", str(root))
    found = Project.discover(_project(tmp_path / "other"))
    assert (found.root, found.found) == (root.resolve(), "env")


def test_the_documents_of_a_folder_come_in_the_order_they_were_written(tmp_path: Path) -> None:
    """`explain`, `check` and `report` on a case folder go Basic, Amendment 1, Modification 1
    (the order of the chain, as the report's index lists them), not by file name."""
    from loagen.project import documents_under

    from .conftest import example, write_chain

    folder = tmp_path / "BN-D-QAA"
    write_chain(
        folder,
        example("BN-D-QAA/basic"),
        example("BN-D-QAA/amendment-1"),
        example("BN-D-QAA/modification-1"),
    )
    assert [p.name for p in documents_under([folder])] == [
        "basic.json",
        "amendment-1.json",
        "modification-1.json",
    ]
