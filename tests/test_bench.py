"""The benchmark harness (bench/run.py) keeps working with loagen's API: a smoke run on 3
documents, its phases called in this process instead of fresh ones and without the cold-start
processes (`--cold 0`). No figure is checked against a speed: only that every measurement is
made and the report is complete."""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bench(name: str):
    key = f"loagen_bench_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, ROOT / "bench" / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def _in_process(name: str, *args: object) -> dict:
    """A phase as `bench/run.py` runs it, here: its answer goes through JSON the same way."""
    run = _bench("run")
    return json.loads(json.dumps(run.PHASES[name](*json.loads(json.dumps(list(args))))))


def test_smoke_run_on_three_documents(tmp_path: Path) -> None:
    run, report = _bench("run"), _bench("report")
    args = argparse.Namespace(
        docs=3, naive=0, rounds=1, big=0, long=41, profile=3, cold=0, jobs=1, seed=7,
        example=run.EXAMPLE, project=ROOT, out=tmp_path / "out", snapshot=False,
    )  # fmt: skip
    results = run.measure(args, _in_process, lambda text: None)

    assert results["docs"] == 3 and results["sample"] == [0, 1, 2]
    contexts = results["contexts"]
    assert contexts["errors"] == [] and contexts["checked"] == contexts["same_xml"] > 0
    (rnd,) = results["round"]
    assert all(sha for sha in rnd["sha256"]), "every corpus document is built"
    assert isinstance(rnd["gc"], dict)
    assert all(len(stages) == len(run.STAGES) for stages in rnd["stages"])
    assert all(t >= 0 for stages in rnd["stages"] for t in stages)
    assert sorted(rnd["naive"], key=int) == ["0", "1", "2"]
    (batch,) = results["batch"]
    assert (batch["built"], batch["failed"]) == (3, 0)
    assert results["noop"][0]["skipped"] == 3
    assert results["determinism"] == {
        "docs": 3, "stable": 3, "batch_compared": 3, "batch_same": 3,
    }  # fmt: skip
    assert results["manifests"]["count"] == 3
    for lines in ("40", "41"):
        (long,) = results["longs"][lines]
        assert long["basic"]["built"] and long["amendment"]["built"]
    assert len(results["cold_split"][0]["steps"]) == 6
    assert results["profile"]["by_tottime"] and results["profile"]["groups"]
    assert results["memory"]["steps"][-1][0] == 3 and results["memory"]["top"]
    edit = results["edit"]
    assert edit["built"] + edit["refreshed"] == 3 and edit["built"] >= 1

    path = tmp_path / "RESULTS.md"
    report.write_report(results, path)
    text = path.read_text()
    for heading in ("## Figures", "## Against issue 9's targets", "## Where the time goes",
                    "### By stage", "### Per line", "## How to reproduce"):  # fmt: skip
        assert heading in text
    assert "nan" not in text.replace("naive", "")
    assert "not measured (`--cold 0`)" in text


def test_importtime_is_read_by_package() -> None:
    run = _bench("run")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import json, jinja2"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    groups = run._importtime(done.stderr)
    assert "jinja2" in groups["groups"] and "standard library" in groups["groups"]
    assert "json.decoder" in groups["modules"]
    assert all(ms >= 0 for ms in groups["modules"].values())


def test_the_corpus_updates_a_note_that_states_its_lines_quantity(tmp_path: Path) -> None:
    """bench/corpus.py changes a line's quantity as a careful writer does: a line note that
    states the count states the new one, so QC-LINE-NOTE-QUANTITY finds nothing in the corpus
    (it found 254 notes left saying the quantity before the Amendment in 1,000 documents); the
    same seed still writes the same files."""
    from loagen.document import load_document
    from loagen.policy.checks import run_checks

    corpus = _bench("corpus")
    files = corpus.generate(tmp_path / "a", 120, seed=7)
    again = corpus.generate(tmp_path / "b", 120, seed=7)
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in again]
    rewritten = 0
    for path in files:
        data = json.loads(path.read_text())
        if data["document"]["kind"] == "Basic":
            continue
        before = json.loads((path.parent / data["document"]["previous"]).read_text())
        old = {ln["number"]: ln for ln in before["lines"]}
        rewritten += sum(
            ln["number"] in old
            and ln["quantity"] != old[ln["number"]]["quantity"]
            and ln.get("line_note", "").startswith("This line provides for")
            for ln in data["lines"]
        )
        found = run_checks(load_document(path))
        assert not [f for f in found if f.rule_id == "QC-LINE-NOTE-QUANTITY"], path
    assert rewritten > 10, "the corpus raises lines whose notes state their count"
