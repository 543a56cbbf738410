"""How fast the studio answers with a thousand documents in the project.

    python bench/studio.py [--docs 1000] [--seed 7] [--out $TMPDIR/loagen-bench-studio] [--rounds 5]
                           [--record bench/STUDIO.md]

Makes a project under --out (loagen's templates and note library, and a generated corpus of
--docs documents from bench/corpus.py in cases/), builds it (so the pages show built documents,
as they would in use), then asks the studio (in this process, through Starlette's test client:
no network, the time is the server's) for:

- the case list, every document with its status (each figure the median of --rounds requests,
  after one to warm up; the first request, cold, is reported too);
- a document's page (preview, checks, notes and why, history, changes) for 20 different
  documents, each asked for once: the first view of a document, which converts its DOCX;
  then the same page again;
- the impact of a note edit before saving (a rule edit of a note many documents print).

Targets (issue 13): a case list or a document page under 200 ms, an impact preview under 5 s.
Prints a table and writes the figures to --out/results.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _corpus():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("loagen_bench_corpus", HERE / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _timed(call):  # noqa: ANN001, ANN202
    started = time.perf_counter()
    answer = call()
    return time.perf_counter() - started, answer


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--out", type=Path, default=Path(tempfile.gettempdir()) / "loagen-bench-studio"
    )
    parser.add_argument("--record", type=Path, default=None,
                        help="also write the figures as Markdown to this file (bench/STUDIO.md)")  # fmt: skip
    parser.add_argument("--note", default="LINE-ITEM-DESCRIPTION",
                        help="the note whose rule is edited (falls back to the most printed)")  # fmt: skip
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from loagen.ops.batch import run_batch
    from loagen.project import Project
    from loagen.studio import create_app

    root = args.out
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "note_library", root / "note_library")
    files = _corpus().generate(root / "cases", args.docs, args.seed)
    project = Project.at(root)
    built, report = _timed(lambda: run_batch([project.cases], project=project))
    print(f"project: {len(files)} documents under {root}; built in {built:.1f} s "
          f"({report.summary})", file=sys.stderr)  # fmt: skip

    client = TestClient(create_app(project, hosts=["testserver"]), follow_redirects=False)
    results: dict[str, object] = {"documents": len(files)}

    # -- the case list --
    cold, page = _timed(lambda: client.get("/cases"))
    assert page.status_code == 200 and page.text.count('href="/doc/') == len(files)
    warm = [_timed(lambda: client.get("/cases"))[0] for _ in range(args.rounds)]
    filtered = [_timed(lambda: client.get("/cases?q=BN-D&state=attention"))[0]
                for _ in range(args.rounds)]  # fmt: skip
    results["case_list"] = {"cold": cold, "median": statistics.median(warm), "max": max(warm),
                            "filtered_median": statistics.median(filtered)}  # fmt: skip

    # -- document pages --
    chosen = [files[i] for i in range(0, len(files), max(1, len(files) // 20))][:20]
    first, again = [], []
    for path in chosen:
        rel = project.relative(path)
        seconds, answer = _timed(lambda rel=rel: client.get(f"/doc/{rel}"))
        assert answer.status_code == 200 and "page-preview" in answer.text, rel
        first.append(seconds)
        again.append(_timed(lambda rel=rel: client.get(f"/doc/{rel}"))[0])
    results["document_page"] = {
        "first_median": statistics.median(first), "first_max": max(first),
        "again_median": statistics.median(again), "again_max": max(again),
    }  # fmt: skip

    # -- a note edit's impact, before saving --
    note_id = args.note
    if not (project.note_library / f"{note_id}.md").is_file():
        counts: dict[str, int] = {}
        for manifest in project.build_dir.glob("*.manifest.json"):
            for note in json.loads(manifest.read_text())["notes"]:
                counts[note["id"]] = counts.get(note["id"], 0) + 1
        note_id = max(counts, key=counts.get)  # type: ignore[arg-type]
    page = client.get(f"/notes/{note_id}").text
    token = re.search(r'data-csrf="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
    fields = _form_fields(page)
    rule = next(v for k, v in fields if k == "rule")
    # The edit keeps the note on Basics only: every Amendment and Modification that prints it
    # changes (loses the note), so the preview decides, fills and compares those in full.
    edited = [(k, f'({v}) and case.document.kind == "Basic"' if k == "rule" else v)
              for k, v in fields]  # fmt: skip
    body = urlencode([*edited, ("csrf", token), ("_action", "impact")])
    headers = {"content-type": "application/x-www-form-urlencoded"}
    impacts = []
    for _ in range(3):
        seconds, answer = _timed(
            lambda: client.post(f"/notes/{note_id}", content=body, headers=headers)
        )
        assert answer.status_code == 200 and "What this edit changes" in answer.text
        impacts.append(seconds)
    changed = re.search(r"<strong>(\d+)</strong> of (\d+)", answer.text)
    results["note_impact"] = {"note": note_id, "rule": rule, "median": statistics.median(impacts),
                              "max": max(impacts),
                              "changed": changed.groups() if changed else None}  # fmt: skip

    (root / "results.json").write_text(json.dumps(results, indent=2, default=str))
    c, d, n = results["case_list"], results["document_page"], results["note_impact"]
    print(
        f"\nloagen studio with {len(files)} documents (target: pages under 200 ms, impact under 5 s)"
    )
    print(
        f"  case list             median {_ms(c['median'])}, max {_ms(c['max'])} "
        f"(first request {_ms(c['cold'])}; filtered {_ms(c['filtered_median'])})"
    )
    print(
        f"  document page, first  median {_ms(d['first_median'])}, max {_ms(d['first_max'])} "
        "(20 documents, each viewed once)"
    )
    print(f"  document page, again  median {_ms(d['again_median'])}, max {_ms(d['again_max'])}")
    print(f"  note edit impact      median {n['median']:.2f} s, max {n['max']:.2f} s "
          f"({n['note']}: {n['changed'][0] if n['changed'] else '?'} of "
          f"{n['changed'][1] if n['changed'] else '?'} documents change)")  # fmt: skip
    if args.record:
        _record(args.record, results, c, d, n)


def _record(path: Path, results: dict, c: dict, d: dict, n: dict) -> None:  # noqa: ANN001
    """Write the figures as Markdown (bench/STUDIO.md), with the machine and the commit."""
    import os
    import platform
    import subprocess

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return run.stdout.strip()

    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", "src") else ""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                 if ln.startswith("model name")]  # fmt: skip
        cpu = names[0] if names else cpu
    changed = f"{n['changed'][0]} of {n['changed'][1]}" if n["changed"] else "?"
    path.write_text(f"""# loagen studio: how fast it answers

Written by `python bench/studio.py --record bench/STUDIO.md` on {time.strftime("%Y-%m-%d")}:
{results["documents"]} generated documents in the project, built; the requests go through
Starlette's test client in the same process (no network: the time is the server's).

**Machine:** {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}; load average
{os.getloadavg()[0]:.2f} at the end. **Code:** commit {git("rev-parse", "--short", "HEAD")}{dirty}.

| Request (issue 13's target) | Median | Largest |
|---|---|---|
| Case list, every document with its status (200 ms) | {_ms(c["median"])} | {_ms(c["max"])} (the first request after start: {_ms(c["cold"])}) |
| Case list, filtered | {_ms(c["filtered_median"])} | - |
| A document's page, first view (200 ms) | {_ms(d["first_median"])} | {_ms(d["first_max"])} |
| A document's page, again | {_ms(d["again_median"])} | {_ms(d["again_max"])} |
| Impact of a note edit before saving (5 s): {n["note"]} kept on Basics only, {changed} documents change | {n["median"]:.2f} s | {n["max"]:.2f} s (the first preview: in the first seconds after start the studio is still assembling every document in the background) |
""")


def _form_fields(page: str) -> list[tuple[str, str]]:
    """The fields of the note form, as a browser sends them (enough for this page)."""
    sys.path.insert(0, str(ROOT))
    from tests.test_studio import form_fields

    return form_fields(page, "note-form")


if __name__ == "__main__":
    main()
