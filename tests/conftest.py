"""Shared fixtures: example case data as dicts, and a builder of document chains on disk."""

from __future__ import annotations

import atexit
import copy
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"
SHARED_EXAMPLES = ROOT.parent / "shared" / "examples"
"""The input contract's examples, beside the repository. A checkout without them (a fresh clone
elsewhere) tests against their copies in `cases/` (the same files), gathered in a folder of
their own."""
CONTRACT_EXAMPLES = (
    "BN-B-TAB/basic.json", "BN-B-ZEA/basic.json", "BN-D-QAA/basic.json",
    "BN-D-QAA/amendment-1.json", "BN-D-QAA/modification-1.json", "BN-P-WRS/basic.json",
)  # fmt: skip
if not SHARED_EXAMPLES.is_dir():
    SHARED_EXAMPLES = Path(tempfile.mkdtemp(prefix="loagen-examples-"))
    atexit.register(shutil.rmtree, SHARED_EXAMPLES, ignore_errors=True)
    for _name in CONTRACT_EXAMPLES:
        (SHARED_EXAMPLES / _name).parent.mkdir(exist_ok=True)
        shutil.copyfile(CASES / _name, SHARED_EXAMPLES / _name)

# The compile cache (`loagen.compile_cache`) of this test run: a folder of its own, not the
# user's, and kept across the run so that most tests load the library from it, as users do;
# tests/test_compile_cache.py tests the cache itself.
# Removed when the run ends, so that runs do not leave folders behind in /tmp.
os.environ["LOAGEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="loagen-cache-")
atexit.register(shutil.rmtree, os.environ["LOAGEN_CACHE_DIR"], ignore_errors=True)
os.environ.pop("LOAGEN_CACHE", None)
# The day the checks run (`loagen.pipeline.today_from_environment`): fixed, and before every
# document the tests write, so that the findings do not change with the computer's date and an
# offer expires (QC-OED-PASSED) only where a test sets the day.
os.environ["LOAGEN_TODAY"] = "2000-01-01"


def case_text(text: str) -> bool:
    """Whether the case contract takes `text` as a text field's value: not blank, and without
    a character it refuses (`loagen.case.model.UNSEEN`: control and bidirectional control
    characters), for the strategies that draw any text."""
    from loagen.case.model import NOT_BLANK

    return re.search(NOT_BLANK, text) is not None


def unseen_characters() -> str:
    """Every character the case contract refuses in text (`loagen.case.model.UNSEEN`), for
    strategies that draw text without them (filtering them out would discard too much)."""
    from loagen.case.model import UNSEEN

    unseen = re.compile(f"[{UNSEEN}]")
    return "".join(c for c in map(chr, range(0x2100)) if unseen.match(c))


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


@pytest.fixture
def offers_in_the_past(monkeypatch: pytest.MonkeyPatch) -> None:
    """The day the checks run set after every offer date the tests restate: the session's day
    (2000-01-01) is before every document the tests write, and restate refuses a previous offer
    date after the day `LOAGEN_TODAY` gives."""
    monkeypatch.setenv("LOAGEN_TODAY", "2027-06-01")
