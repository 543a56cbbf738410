"""The manifest: a typed value that survives a round trip, and anything else reads as "rebuild"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loagen.manifest import FORMAT, Manifest, ManifestInvalid, read_manifest
from loagen.ops.batch import run_batch
from loagen.pipeline import Pipeline
from loagen.project import Project

from .conftest import CASES, ROOT
from .projects import copy_cases, make_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("manifest")
    return Pipeline(Project.at(ROOT)).build(CASES / "BN-D-QAA/amendment-1.json", out)


def test_round_trip_gives_the_same_value_and_the_same_bytes(built) -> None:
    raw = built.manifest_path.read_bytes()
    manifest = Manifest.from_json(raw)
    assert manifest == built.manifest
    assert manifest.to_json() == raw
    assert manifest.dependencies.inputs[-1].path == "cases/BN-D-QAA/amendment-1.json"
    assert manifest.total["total_estimated_cost"] == built.document.costs.total_estimated_cost
    assert json.loads(raw)["format"] == FORMAT


def test_it_is_small(built) -> None:
    """A few kilobytes, whatever the size of the library: one short hash a note (what the
    batch compares after a library edit); the check findings come on top, as written."""
    raw = built.manifest_path.read_bytes()
    findings = json.dumps(json.loads(raw)["findings"], indent=2)
    assert len(raw) - len(findings) <= 5 * 1024


def _variants(raw: bytes) -> dict[str, bytes]:
    text = raw.decode()
    data = json.loads(text)
    older = dict(data)
    older.pop("format")
    older.pop("checksum")
    return {
        "truncated": raw[: len(raw) // 2],
        "not JSON": b"\x00\x01 not json",
        "empty": b"",
        "a list": b"[1, 2]",
        "hand-edited": text.replace('"draft": false', '"draft": true').encode(),
        "older format": json.dumps(older).encode(),
        "wrong types": text.replace('"kind": "Amendment"', '"kind": 7').encode(),
    }


@pytest.mark.parametrize("what", list(_variants(b'{"format": 2, "checksum": "x"}')))
def test_a_broken_manifest_is_refused(built, what: str, tmp_path: Path) -> None:
    raw = _variants(built.manifest_path.read_bytes())[what]
    with pytest.raises(ManifestInvalid):
        Manifest.from_json(raw)
    path = tmp_path / "x.manifest.json"
    path.write_bytes(raw)
    assert read_manifest(path) is None


def test_a_broken_manifest_means_rebuild_not_a_traceback(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    cases = copy_cases(tmp_path / "cases")
    out = tmp_path / "build"
    first = run_batch([cases / "BN-D-QAA"], project=project, output_dir=out, jobs=1)
    assert first.ok and not first.skipped
    manifests = sorted(out.glob("*.manifest.json"))
    manifests[0].write_text("{ corrupt")
    manifests[1].write_text(manifests[1].read_text().replace('"draft": false', '"draft": true'))
    manifests[2].unlink()
    again = run_batch([cases / "BN-D-QAA"], project=project, output_dir=out, jobs=1)
    assert again.ok
    assert len(again.built) == 3 and len(again.skipped) == len(first.built) - 3
    assert all(read_manifest(m) is not None for m in sorted(out.glob("*.manifest.json")))
