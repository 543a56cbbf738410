"""Shared fixtures: example case data as dicts, and a builder of document chains on disk."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"
SHARED_EXAMPLES = ROOT.parent / "shared" / "examples"


def example(name: str) -> dict[str, Any]:
    """A copy of an example case file as a dict, e.g. example("BN-D-QAA/basic")."""
    return copy.deepcopy(json.loads((CASES / f"{name}.json").read_text()))


def write_chain(folder: Path, *docs: dict[str, Any]) -> Path:
    """Write documents as a chain (each one's `previous` is the one before) and return the
    path of the last. Names: basic.json, then <kind>-<number>.json."""
    folder.mkdir(parents=True, exist_ok=True)
    previous = None
    path = None
    for data in docs:
        data = copy.deepcopy(data)
        doc = data["document"]
        name = "basic" if doc["kind"] == "Basic" else f"{doc['kind'].lower()}-{doc['number']}"
        if previous is not None:
            doc["previous"] = previous
        path = folder / f"{name}.json"
        path.write_text(json.dumps(data, indent=2))
        previous = path.name
    assert path is not None
    return path


@pytest.fixture
def chain(tmp_path: Path):
    """chain(*docs) -> LoaDocument for the last of `docs` written as a chain in tmp_path."""
    from loagen.document import load_document

    counter = {"n": 0}

    def make(*docs: dict[str, Any]):
        counter["n"] += 1
        return load_document(write_chain(tmp_path / f"c{counter['n']}", *docs))

    return make


AMENDMENT = CASES / "BN-D-QAA" / "amendment-1.json"


@pytest.fixture(scope="module")
def pipeline():
    """The project's pipeline (its note library and templates), for a module's tests."""
    from loagen.pipeline import Pipeline
    from loagen.project import Project

    return Pipeline(Project.at(ROOT))


@pytest.fixture(scope="module")
def built(pipeline, tmp_path_factory) -> Path:
    """BN-D-QAA Amendment 1 built into a scratch folder: the DOCX."""
    return pipeline.build(AMENDMENT, tmp_path_factory.mktemp("built")).docx_path
