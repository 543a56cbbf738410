"""The loagen benchmark: the whole pipeline against the naive docxtpl way, side by side in one run.

    python bench/run.py [--docs 1000] [--naive 200] [--rounds 3] [--big 10000] [--long 999]
                        [--jobs N] [--seed 7] [--out bench/out] [--results bench/RESULTS.md]

The machine is shared and noisy, so the figures that are compared are measured together and
repeated: every round is a fresh Python process that goes through the corpus in chunks of 20
documents, rendering a chunk's sampled documents the naive way and building the chunk with
loagen, the order of the two swapped from one chunk to the next. Each figure is the median over
the rounds with its spread (smallest and largest round), and every ratio is taken within a round.

- The naive way (issue 9): a fresh `DocxTemplate` per document, `render`, `save` to a file, with
  a plain `jinja2.Environment(autoescape=True)`. Its context is what loagen's templates read,
  prepared beforehand (by loagen, in another process) and stored as plain data, so the naive
  process imports no loagen code; the harness checks that its output is the same XML as
  loagen's.
- loagen: the `Pipeline` stage methods in the order `Pipeline.build` calls them (load, assemble,
  notes_before, select, check, rendered: the manifest and the DOCX, write), timed one by one in
  CPU time, in a process set up as a batch worker is (what is loaded once set aside from the
  garbage collector's walks, `gc.freeze`, and the collector run as seldom as there,
  `ops.batch.BUILDING_GC_THRESHOLD`).

Other measurements, each in fresh processes: `run_batch --jobs 1 --force` (planning, library,
templates and all), a cold `loagen build` of one example with its import time (`-X importtime`),
the no-op batch, the rebuild after one note edit, manifest sizes, peak RSS a worker at `--docs`
and `--big` documents, the cost per line of a `--long`-line case against a 40-line one, and a
cProfile of one pass. Everything is written under `--out` (bench/out/ by default, git-ignored):
the corpus, a copy of the project (templates/, note_library/), the outputs, `results.json`
(every raw figure) and `profile.pstats`. Never run from the tests except as a smoke run.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
EXAMPLE = ROOT / "cases" / "BN-D-QAA" / "basic.json"
STAGES = ("load", "assemble", "notes_before", "select", "check", "render", "write")
CHUNK = 20
"""Documents a chunk: the naive way and loagen alternate chunk by chunk."""
MANIFEST_TARGET = 5 * 1024

# The naive script of the cold measurement: what a user writes around docxtpl.
NAIVE_SCRIPT = """\
import pickle, sys
import jinja2
from docxtpl import DocxTemplate
template, context, out = sys.argv[1:4]
with open(context, "rb") as fh:
    data = pickle.load(fh)
tpl = DocxTemplate(template)
tpl.render(data["context"], jinja_env=jinja2.Environment(autoescape=True))
tpl.save(out)
assert not any(m.split(".")[0] == "loagen" for m in sys.modules)
"""


class Layout:
    """Where everything of a run goes, under one folder."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out).resolve()
        self.corpus = self.out / "corpus"
        self.big_corpus = self.out / "big-corpus"
        self.warmup = self.out / "warmup-corpus"
        self.long = self.out / "long"
        self.project = self.out / "project"
        self.naive = self.out / "naive"
        self.naive_out = self.out / "naive-out"
        self.rounds = self.out / "rounds"
        self.batch = self.out / "batch"
        self.scratch = self.out / "scratch"
        self.code = self.out / "code"
        self.code_nopyc = self.out / "code-nopyc"

    def long_files(self, lines: int) -> list[Path]:
        folder = self.long / f"lines-{lines}" / "BN-D-LNG"
        return [folder / "basic.json", folder / "amendment-1.json"]


# -- helpers shared by the phases ----------------------------------------------------------------


def _cpu() -> float:
    return time.process_time()


def _rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _pipeline(layout: Layout):  # noqa: ANN202
    from loagen.pipeline import Pipeline
    from loagen.project import Project

    return Pipeline(Project.at(layout.project))


def _files(folder: Path) -> list[Path]:
    from loagen.project import find_case_files

    return find_case_files([folder])


def _warm(pipeline, layout: Layout) -> dict[str, float]:  # noqa: ANN001
    """Load the library, compile the templates and build the warm-up corpus (other cases):
    the once-a-process costs, reported apart."""
    c0 = _cpu()
    pipeline.library  # noqa: B018
    c1 = _cpu()
    pipeline.renderer.all_templates()
    c2 = _cpu()
    for path in _files(layout.warmup):
        _timed_build(pipeline, path, layout.scratch / "warmup")
    c3 = _cpu()
    _as_a_worker()
    return {"library_ms": 1000 * (c1 - c0), "templates_ms": 1000 * (c2 - c1),
            "warmup_ms": 1000 * (c3 - c2)}  # fmt: skip


def _as_a_worker() -> None:
    """Set what is loaded so far aside from the garbage collector's walks and run the
    collector as seldom as a batch worker does once it has its library and templates
    (`ops.batch.BUILDING_GC_THRESHOLD`), so that a document's figures are what it costs in a
    worker. The naive way, timed in the same process, runs under the same settings."""
    import gc

    from loagen.ops.batch import BUILDING_GC_THRESHOLD

    gc.freeze()
    gc.set_threshold(*BUILDING_GC_THRESHOLD)


def _timed_build(pipeline, path: Path, out: Path) -> tuple[list[float], float, str | None]:  # noqa: ANN001
    """Build one document through the stage methods, in the order `Pipeline.build` calls them:
    (CPU seconds of each stage, wall seconds, sha256 of the DOCX or None when check errors
    stopped it, as `build` would)."""
    import hashlib

    from loagen.pipeline import Prepared

    w0 = time.perf_counter()
    t0 = _cpu()
    files = pipeline.load(path)
    t1 = _cpu()
    document = pipeline.assemble(files)
    t2 = _cpu()
    pipeline.notes_before(document)
    t3 = _cpu()
    selection = pipeline.select(document)
    t4 = _cpu()
    findings = pipeline.check(document, selection)
    t5 = _cpu()
    prepared = Prepared(document, selection, findings)
    if prepared.errors:  # build() stops here: nothing rendered or written
        return [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, 0.0, 0.0], 0.0, None
    docx, manifest = pipeline.rendered(prepared)  # the manifest, worked out once, and the DOCX
    t6 = _cpu()
    pipeline.write(document, docx, manifest, out)
    t7 = _cpu()
    wall = time.perf_counter() - w0
    stages = [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6]
    return stages, wall, hashlib.sha256(docx).hexdigest()


class _Naive:
    """The naive way: a fresh DocxTemplate per document, render, save."""

    def __init__(self, layout: Layout) -> None:
        import jinja2
        from docxtpl import DocxTemplate

        self.layout = layout
        self.DocxTemplate = DocxTemplate
        self.env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        layout.naive_out.mkdir(parents=True, exist_ok=True)

    def render(self, name: str) -> tuple[float, float]:
        """(CPU seconds, wall seconds) of the naive render of a stored context."""
        with open(self.layout.naive / f"{name}.pickle", "rb") as fh:
            data = pickle.load(fh)  # not timed: the naive way's input, ready
        w0 = time.perf_counter()
        c0 = _cpu()
        tpl = self.DocxTemplate(data["template"])
        tpl.render(data["context"], jinja_env=self.env)
        tpl.save(self.layout.naive_out / f"{name}.docx")
        return _cpu() - c0, time.perf_counter() - w0


# -- phases (each runs in its own process and prints one JSON object) --------------------------


def _plain(value: Any) -> Any:
    """A template context as plain data (no loagen class): what a naive script would be given."""
    import dataclasses
    from datetime import date
    from decimal import Decimal
    from enum import Enum

    from markupsafe import Markup
    from pydantic import BaseModel

    if isinstance(value, Markup):
        return value
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, str):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, Decimal, date)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, BaseModel):
        return _plain(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a naive context")


def _c14n_parts(docx: Path | bytes, names: list[str]) -> dict[str, bytes]:
    """The template-rendered parts of a DOCX in canonical XML, the page count its NUMPAGES
    fields show set to 0 and the hyphens of designators non-breaking (loagen does both after
    rendering; the naive way does neither)."""
    import io
    import zipfile

    from lxml import etree

    try:
        from loagen.rendering.pages import with_page_count
    except ImportError:  # a loagen without the page count estimate

        def with_page_count(xml: str, count: int) -> str:
            return xml

    try:
        from loagen.rendering.hyphens import keep_designators_whole
    except ImportError:  # a loagen that lets lines end inside a designator

        def keep_designators_whole(xml: str) -> str:
            return xml

    source = io.BytesIO(docx) if isinstance(docx, bytes) else docx
    out = {}
    with zipfile.ZipFile(source) as archive:
        for name in names:
            xml = with_page_count(archive.read(name).decode("utf-8"), 0)
            if name == "word/document.xml":
                xml = keep_designators_whole(xml)
            out[name] = etree.tostring(etree.fromstring(xml.encode("utf-8")), method="c14n")
    return out


def phase_contexts(out: str, sample: list[int], long_lines: list[int], check: int) -> dict:
    """Store the naive way's input (the template and its context, as plain data) for the sampled
    documents, the warm-up document and the long cases; check on `check` of them that the naive
    way gives the same XML as loagen."""
    from loagen.pipeline import Prepared
    from loagen.rendering.context import build_context

    layout = Layout(Path(out))
    pipeline = _pipeline(layout)
    layout.naive.mkdir(parents=True, exist_ok=True)
    files = _files(layout.corpus)
    wanted: list[tuple[str, Path]] = [(f"doc-{i}", files[i]) for i in sample]
    wanted.append(("warmup", _files(layout.warmup)[0]))
    for lines in long_lines:
        basic, amendment = layout.long_files(lines)
        wanted += [(f"long-{lines}-basic", basic), (f"long-{lines}-amendment", amendment)]
    naive = _Naive(layout)
    checked = same = 0
    errors = []
    for name, path in wanted:
        prepared: Prepared = pipeline.prepare(path)
        if prepared.errors:
            errors.append(str(path))
            continue
        renderer = pipeline.renderer
        template = renderer.template_for(prepared.document.case)
        context = build_context(
            prepared.document, prepared.selection, template.style_ids, draft=False,
            terms=renderer.terms,
        )  # fmt: skip
        with open(layout.naive / f"{name}.pickle", "wb") as fh:
            pickle.dump({"template": str(template.path), "context": _plain(context)}, fh)
        if checked < check:
            naive.render(name)
            parts = sorted(template.jinja_parts)
            ours = _c14n_parts(pipeline.render(prepared), parts)
            theirs = _c14n_parts(layout.naive_out / f"{name}.docx", parts)
            checked += 1
            same += ours == theirs
    return {"stored": len(wanted) - len(errors), "errors": errors, "checked": checked,
            "same_xml": same}  # fmt: skip


class _GcTime:
    """CPU time of the garbage collector's runs, by whose work triggered them and by
    generation: {owner: {generation: [runs, CPU seconds, longest run]}}."""

    def __init__(self) -> None:
        import gc

        self.owner = "other"
        self.seen: dict[str, dict[str, list[float]]] = {}
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = _cpu()
            return
        spent = _cpu() - self._started
        row = self.seen.setdefault(self.owner, {}).setdefault(
            str(info["generation"]), [0, 0.0, 0.0]
        )
        row[0] += 1
        row[1] += spent
        row[2] = max(row[2], spent)

    def stop(self) -> None:
        import gc

        gc.callbacks.remove(self._callback)


def phase_round(out: str, round_no: int, sample: list[int]) -> dict:
    """One round: the corpus in chunks, the naive way and loagen alternating chunk by chunk."""
    layout = Layout(Path(out))
    pipeline = _pipeline(layout)
    once = _warm(pipeline, layout)
    naive = _Naive(layout)
    naive.render("warmup")  # docxtpl's and lxml's first-call costs, not timed
    _as_a_worker()  # the naive way's modules too
    files = _files(layout.corpus)
    in_sample = set(sample)
    target = layout.rounds
    loagen: list[Any] = [None] * len(files)
    naive_times: dict[int, tuple[float, float]] = {}
    gc_time = _GcTime()
    for c, start in enumerate(range(0, len(files), CHUNK)):
        chunk = range(start, min(start + CHUNK, len(files)))

        def run_loagen(chunk: range = chunk) -> None:
            gc_time.owner = "loagen"
            for i in chunk:
                loagen[i] = _timed_build(pipeline, files[i], target)

        def run_naive(chunk: range = chunk) -> None:
            gc_time.owner = "naive"
            for i in chunk:
                if i in in_sample:
                    naive_times[i] = naive.render(f"doc-{i}")

        first, second = (
            (run_naive, run_loagen) if (c + round_no) % 2 == 0 else (run_loagen, run_naive)
        )
        first()
        second()
    gc_time.stop()
    return {
        "once": once,
        "gc": gc_time.seen,
        "stages": [row[0] for row in loagen],
        "wall": [row[1] for row in loagen],
        "sha256": [row[2] for row in loagen],
        "naive": {str(i): list(t) for i, t in naive_times.items()},
        "rss_mb": _rss_mb(),
    }


def phase_batch(out: str, jobs: int, force: bool, output: str, corpus: str) -> dict:
    """`run_batch` as `loagen batch` calls it: CPU of this process and of its workers."""
    from loagen.ops.batch import run_batch
    from loagen.project import Project

    layout = Layout(Path(out))
    c0, k0, w0 = _cpu(), _children_cpu(), time.perf_counter()
    report = run_batch(
        [Path(corpus)], project=Project.at(layout.project), output_dir=Path(output),
        jobs=jobs, force=force,
    )  # fmt: skip
    wall = time.perf_counter() - w0
    cpu, children = _cpu() - c0, _children_cpu() - k0
    # the workers of a batch long enough to renew them are forked by its zygote, not by this
    # process, so they are not its children: every worker says its own CPU time and peak
    # memory as it stops
    if report.worker_cpu is not None:
        children = report.worker_cpu
    worker_rss = (
        report.worker_peak_rss / 2**20
        if report.worker_peak_rss
        else _rss_mb(resource.RUSAGE_CHILDREN)
    )
    problems = [f"{r.source}: {p}" for r in report.failed for p in r.problems][:5]
    return {
        "wall": wall,
        "cpu": cpu,
        "children_cpu": children,
        "built": len(report.built),
        "refreshed": len(report.refreshed),
        "skipped": len(report.skipped),
        "failed": len(report.failed),
        "problems": problems,
        "rss_self_mb": _rss_mb(),
        "rss_worker_mb": worker_rss,
    }


def phase_cold_split(out: str, example: str) -> dict:
    """Where a cold build's time goes, step by step in one fresh process (this harness's own
    imports, argparse and json, come first and are not counted)."""
    layout = Layout(Path(out))
    steps: dict[str, list[float]] = {}
    c, w = _cpu(), time.perf_counter()

    def mark(name: str) -> None:
        nonlocal c, w
        steps[name] = [1000 * (_cpu() - c), 1000 * (time.perf_counter() - w)]
        c, w = _cpu(), time.perf_counter()

    import loagen.cli  # noqa: F401  (every import the command line makes at start)

    mark("import loagen.cli (what the command line imports at start)")
    import loagen.pipeline  # noqa: F401

    mark("import loagen.pipeline (the stages)")
    pipeline = _pipeline(layout)
    pipeline.library  # noqa: B018
    mark("load the note library")
    files = pipeline.load(Path(example))
    mark("read and validate the case file")
    pipeline.renderer.template_for(files[-1].case)
    mark("compile its template")
    pipeline.build(Path(example), layout.scratch / "cold-split")
    mark("build the document (case file already validated)")
    return {"steps": steps}


def phase_long(out: str, lines: int, reverse: bool) -> dict:
    """The case of `lines` lines (Basic, then its Amendment): loagen stage by stage and the
    naive way, alternating, in a fresh process."""
    layout = Layout(Path(out))
    pipeline = _pipeline(layout)
    _warm(pipeline, layout)
    naive = _Naive(layout)
    naive.render("warmup")
    result: dict[str, Any] = {}
    for kind, path in zip(("basic", "amendment"), layout.long_files(lines), strict=True):
        name = f"long-{lines}-{kind}"
        if reverse:
            naive_time = naive.render(name)
            stages, wall, sha = _timed_build(pipeline, path, layout.scratch / "long")
        else:
            stages, wall, sha = _timed_build(pipeline, path, layout.scratch / "long")
            naive_time = naive.render(name)
        result[kind] = {"stages": stages, "wall": wall, "built": sha is not None,
                        "naive": list(naive_time)}  # fmt: skip
    return result


def phase_naive_rss(out: str, names: list[str]) -> dict:
    """The naive way alone in a process (no loagen imported): its CPU a document, the garbage
    collector's share of it, and its peak RSS."""
    layout = Layout(Path(out))
    naive = _Naive(layout)
    naive.render("warmup")
    gc_time = _GcTime()
    gc_time.owner = "naive"
    cpu = [naive.render(name)[0] for name in names]
    gc_time.stop()
    gc_cpu = sum(row[1] for row in gc_time.seen.get("naive", {}).values())
    return {"rss_mb": _rss_mb(), "loagen_imported": any(m.split(".")[0] == "loagen" for m in sys.modules),
            "ms_per_doc": 1000 * sum(cpu) / len(cpu), "gc_ms_per_doc": 1000 * gc_cpu / len(cpu)}  # fmt: skip


def phase_profile(out: str, limit: int, top: int) -> dict:
    """cProfile of one pass over the first `limit` documents (after the warm-up)."""
    import cProfile
    import pstats

    layout = Layout(Path(out))
    pipeline = _pipeline(layout)
    _warm(pipeline, layout)
    files = _files(layout.corpus)[:limit]
    profile = cProfile.Profile()
    profile.enable()
    for path in files:
        _timed_build(pipeline, path, layout.scratch / "profile")
    profile.disable()
    dump = layout.out / "profile.pstats"
    profile.dump_stats(dump)
    stats = pstats.Stats(str(dump)).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values())
    rows = [
        {
            "function": _where(key),
            "ncalls": row[1],
            "tottime_ms": 1000 * row[2],
            "cumtime_ms": 1000 * row[3],
        }  # fmt: skip
        for key, row in stats.items()
    ]
    groups: dict[str, float] = {}
    for key, row in stats.items():
        group = _group(key)
        groups[group] = groups.get(group, 0.0) + 1000 * row[2]
    own = [r for r in rows if r["function"].startswith("loagen")]
    return {
        "docs": len(files),
        "total_ms": 1000 * total,
        "by_tottime": sorted(rows, key=lambda r: -r["tottime_ms"])[:top],
        "loagen_by_cumtime": sorted(own, key=lambda r: -r["cumtime_ms"])[:top],
        "groups": sorted(([g, ms] for g, ms in groups.items()), key=lambda r: -r[1])[:top],
    }


def _module_of(filename: str) -> str:
    """A source file as a dotted module name (site-packages and src/ stripped)."""
    path = filename.replace("\\", "/")
    for marker in ("/site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.rsplit(marker, 1)[1]
            if marker == "/lib/python3":
                path = path.split("/", 1)[1] if "/" in path else path
            break
    return path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")


def _where(key: tuple[str, int, str]) -> str:
    filename, line, func = key
    if filename == "~":
        return func
    return f"{_module_of(filename)}:{line}({func})"


def _group(key: tuple[str, int, str]) -> str:
    """The package a profiled function belongs to: loagen's subpackages, the third-party
    package, the standard library, or the C function called."""
    filename, _, func = key
    if filename == "~":
        if "of '" in func:  # {method 'join' of 'str' objects}
            return "C: " + func.split("of '", 1)[1].split("'", 1)[0].split(".")[0] + " methods"
        name = func.strip("{}<>").removeprefix("built-in method ").split(" ")[0]
        return "C: " + (name.split(".")[0] if "." in name else "builtins")
    module = _module_of(filename)
    parts = module.split(".")
    if parts[0] == "loagen":
        return (
            ".".join(parts[:3]) if len(parts) > 2 and parts[1] == "policy" else ".".join(parts[:2])
        )
    if parts[0] in sys.stdlib_module_names:
        return f"stdlib: {parts[0]}"
    return parts[0]


def phase_memory(out: str, limit: int, every: int) -> dict:
    """Peak RSS and the memory Python holds (tracemalloc) while one process builds the first
    `limit` documents; at the end, the source files that allocated what is still held."""
    import tracemalloc

    layout = Layout(Path(out))
    pipeline = _pipeline(layout)
    _warm(pipeline, layout)
    files = _files(layout.corpus)[:limit]
    tracemalloc.start(1)
    steps = []
    for i, path in enumerate(files, start=1):
        _timed_build(pipeline, path, layout.scratch / "memory")
        if i % every == 0 or i == len(files):
            steps.append([i, _rss_mb(), tracemalloc.get_traced_memory()[0] / 2**20])
    held = tracemalloc.take_snapshot().statistics("filename")
    tracemalloc.stop()
    top = [[_module_of(stat.traceback[0].filename), stat.size / 2**20, stat.count]
           for stat in held[:12]]  # fmt: skip
    return {"docs": len(files), "steps": steps, "top": top}


PHASES = {
    "memory": phase_memory,
    "contexts": phase_contexts,
    "round": phase_round,
    "batch": phase_batch,
    "cold_split": phase_cold_split,
    "long": phase_long,
    "naive_rss": phase_naive_rss,
    "profile": phase_profile,
}


def _phase(name: str, *args: object) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", name, json.dumps(list(args))],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- process-level measurements (from this process) ---------------------------------------------


def _run_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds from start to exit, CPU seconds of the child, stderr) of one process."""
    k0 = _children_cpu()
    w0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - w0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, _children_cpu() - k0, done.stderr


def _loagen_command() -> list[str]:
    script = Path(sys.executable).parent / "loagen"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "loagen"]


def _importtime(stderr: str) -> dict[str, Any]:
    """Self import time (ms) grouped: loagen, the standard library, each third-party package;
    and under "modules" the self time of every module."""
    groups: dict[str, Any] = {}
    modules: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line[len("import time:") :].split("|")
        top = name.strip().split(".")[0]
        if top == "loagen":
            group = "loagen"
        elif top in sys.stdlib_module_names or top.startswith("_") or top == "encodings":
            group = "standard library"
        else:
            group = top
        groups[group] = groups.get(group, 0.0) + int(self_us) / 1000
        modules[name.strip()] = modules.get(name.strip(), 0.0) + int(self_us) / 1000
    return {"groups": groups, "modules": modules}


# -- the run -------------------------------------------------------------------------------------


def _bench_module(name: str) -> Any:
    """bench/corpus.py or bench/report.py, loaded from its file (as tests/projects.py does)."""
    import importlib.util

    key = f"loagen_bench_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, BENCH / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                              check=False, timeout=30)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.rstrip("\n")


def _code_digest(src: Path, project: Path) -> str:
    """A digest of loagen's source (under `src`), templates and note library (under `project`),
    without bytecode."""
    import hashlib

    h = hashlib.sha256()
    for folder in (src / "src", project / "templates", project / "note_library"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(folder.parent)).encode() + b"\0")
                try:
                    h.update(path.read_bytes())
                except OSError:
                    h.update(b"unreadable")
    return h.hexdigest()[:16]


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from loagen import __version__

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    dirty = _git("status", "--porcelain", "--", "src", "templates", "note_library")
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "usable_cpus": usable,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "loagen": __version__,
        "commit": _git("rev-parse", "--short", "HEAD").strip(),
        "uncommitted": [line[3:] for line in dirty.splitlines()],
    }


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}  # fmt: skip


def _snapshot(args: argparse.Namespace, layout: Layout) -> None:
    """Copy loagen's source as it is now into `--out`, compiled to bytecode (as an installed
    package is), and a second copy left uncompiled; every process of the run then imports the
    compiled copy (PYTHONPATH), so edits others make while the run goes on are not measured."""
    import compileall

    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "src", layout.code / "src", ignore=ignore)
    shutil.copytree(ROOT / "src", layout.code_nopyc / "src", ignore=ignore)
    compileall.compile_dir(layout.code / "src", quiet=1)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(layout.code / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    sys.path.insert(0, str(layout.code / "src"))
    example = layout.out / "example" / args.example.parent.name / args.example.name
    example.parent.mkdir(parents=True)
    shutil.copy(args.example, example)
    args.example = example


def _setup(args: argparse.Namespace, layout: Layout) -> None:
    corpus = _bench_module("corpus")
    shutil.rmtree(layout.out, ignore_errors=True)
    layout.out.mkdir(parents=True)
    if args.snapshot:
        _snapshot(args, layout)
    corpus.generate(layout.corpus, args.docs, args.seed)
    corpus.generate(layout.warmup, 6, args.seed + 1000)
    for lines in sorted({40, args.long}):
        corpus.long_case(layout.long / f"lines-{lines}", lines, args.seed)
    shutil.copytree(args.project / "templates", layout.project / "templates")
    shutil.copytree(args.project / "note_library", layout.project / "note_library")
    layout.scratch.mkdir()


def _edit_one_note(layout: Layout, target_share: float = 0.1) -> tuple[str, int, int]:
    """Add words to the note printed on the share of built documents nearest `target_share`
    (inside its newest text); return its id, the documents printing it and the corpus size."""
    from loagen.manifest import read_manifest
    from loagen.policy.notes import load_library

    counts: dict[str, int] = {}
    manifests = sorted(layout.batch.glob("*.manifest.json"))
    for path in manifests:
        manifest = read_manifest(path)
        for note in manifest.printed_ids if manifest else ():
            counts[note] = counts.get(note, 0) + 1
    want = target_share * len(manifests)
    note = min(counts, key=lambda n: (abs(counts[n] - want), n))
    file = next(n.path for n in load_library(layout.project / "note_library") if n.id == note)
    lines = Path(file).read_text(encoding="utf-8").rstrip("\n").split("\n")
    at = len(lines) - 1
    if lines[at].strip() == ":::":
        at -= 1
        while at > 0 and not lines[at].strip():
            at -= 1
    lines[at] += " (Benchmark edit.)"
    Path(file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return note, counts[note], len(manifests)


def _manifests(folder: Path) -> dict[str, Any]:
    sizes = []
    keys: dict[str, int] = {}
    for path in sorted(folder.glob("*.manifest.json")):
        data = path.read_bytes()
        sizes.append(len(data))
        for line in data.decode("utf-8").splitlines()[1:-1]:
            key = line.strip().split(":", 1)[0].strip('"')
            keys[key] = keys.get(key, 0) + len(line.encode()) + 1
        try:
            deps = json.loads(data).get("dependencies", {})
        except (ValueError, AttributeError):
            deps = {}
        for key, value in deps.items() if isinstance(deps, dict) else ():
            name = f"dependencies.{key}"
            size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
            keys[name] = keys.get(name, 0) + size
    sizes.sort()
    index = [p.stat().st_size for p in sorted((folder / ".loagen").glob("notes-*.json"))]
    return {
        "note_index_bytes": index,
        "count": len(sizes),
        "median": statistics.median(sizes),
        "p90": sizes[int(0.9 * (len(sizes) - 1))],
        "max": sizes[-1],
        "min": sizes[0],
        "over_target": sum(s > MANIFEST_TARGET for s in sizes),
        "over_5000": sum(s > 5000 for s in sizes),
        "key_mean_bytes": {
            k: v / len(sizes) for k, v in sorted(keys.items(), key=lambda kv: -kv[1])
        },
    }


def _determinism(layout: Layout, rounds: list[dict]) -> dict[str, int]:
    """Documents whose DOCX hash is the same in every round, and DOCX files identical between
    the last round's output and `run_batch`'s."""
    import hashlib

    shas = [r["sha256"] for r in rounds]
    docs = [i for i, sha in enumerate(shas[0]) if sha is not None]
    stable = sum(len({s[i] for s in shas}) == 1 for i in docs)
    compared = same = 0
    for path in sorted(layout.rounds.glob("*.docx")):
        other = layout.batch / path.name
        if other.is_file():
            compared += 1
            same += (
                hashlib.sha256(path.read_bytes()).digest()
                == hashlib.sha256(other.read_bytes()).digest()
            )
    return {"docs": len(docs), "stable": stable, "batch_compared": compared, "batch_same": same}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="documents in the corpus")
    parser.add_argument("--naive", type=int, default=200,
                        help="documents rendered the naive way each round (spread over the corpus; 0: all)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of each measurement")
    parser.add_argument("--big", type=int, default=10000,
                        help="documents of the second corpus for peak RSS (0: skip)")  # fmt: skip
    parser.add_argument("--long", type=int, default=999, help="lines of the long case")
    parser.add_argument("--profile", type=int, default=250,
                        help="documents profiled (cProfile, then tracemalloc)")  # fmt: skip
    parser.add_argument("--cold", type=int, default=2, help="cold builds a round")
    parser.add_argument("--jobs", type=int, default=None, help="workers of the pool runs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--example", type=Path, default=EXAMPLE, help="case file of the cold build")
    parser.add_argument("--project", type=Path, default=ROOT,
                        help="where templates/ and note_library/ come from")  # fmt: skip
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--no-snapshot", dest="snapshot", action="store_false",
                        help="import loagen from the checkout instead of a copy taken at the start")  # fmt: skip
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](*json.loads(args.args or "[]"))))
        return
    if args.long <= 40:
        parser.error("--long must be more than 40 (it is measured against a 40-line case)")
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {text}", flush=True)

    results = measure(args, _phase, say)
    results["command"] = " ".join([Path(sys.executable).name, "bench/run.py", *sys.argv[1:]])
    (Path(args.out) / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    _bench_module("report").write_report(results, args.results)
    say(f"wrote {args.results} and {Path(args.out) / 'results.json'}")


def measure(args: argparse.Namespace, phase: Any = _phase, say: Any = print) -> dict[str, Any]:
    """The whole run; `phase(name, *args)` runs one phase (in a fresh process: `_phase`)."""
    started = time.perf_counter()
    layout = Layout(args.out)
    out = str(layout.out)
    load_before = os.getloadavg()
    _setup(args, layout)
    machine = _machine()
    measured = layout.code if args.snapshot else ROOT
    machine["code_digest"] = _code_digest(measured, layout.project)
    from loagen.ops.batch import default_jobs

    jobs = args.jobs or default_jobs()
    count = len(_files(layout.corpus))
    wanted = count if args.naive <= 0 else min(args.naive, count)
    sample = sorted({round(k * count / wanted) for k in range(wanted)} - {count})
    say(f"corpus: {count} documents; naive sample {len(sample)}; {args.rounds} rounds")
    contexts = phase("contexts", out, sample, sorted({40, args.long}), 10)
    if contexts["errors"]:
        raise SystemExit(f"documents with check errors in the naive sample: {contexts['errors']}")
    say(f"naive contexts stored; same XML as loagen on {contexts['same_xml']} of "
        f"{contexts['checked']}")  # fmt: skip

    # the compile cache (loagen.compile_cache) of this run: filled by its first build, as a
    # user's is by theirs; every process started here (phases included) uses it
    os.environ["LOAGEN_CACHE_DIR"] = str(layout.scratch / "compile-cache")
    env = {**os.environ, "LOAGEN_PROJECT": str(layout.project)}
    loagen_cmd = _loagen_command()
    naive_ctx = str(layout.naive / "doc-0.pickle")
    rounds: list[dict] = []
    batches: list[dict] = []
    noops: list[dict] = []
    noop_cli: list[float] = []
    cold: dict[str, list[list[float]]] = {"loagen": [], "naive": [], "python": []}
    imports: list[dict[str, float]] = []
    naive_imports: list[dict[str, float]] = []
    splits: list[dict] = []
    longs: dict[int, list[dict]] = {40: [], args.long: []}
    with open(naive_ctx, "rb") as fh:
        naive_template = pickle.load(fh)["template"]
    batch_args = (out, 1, True, str(layout.batch), str(layout.corpus))
    for r in range(args.rounds):
        if r % 2 == 1:
            batches.append(phase("batch", *batch_args))
        rounds.append(phase("round", out, r, sample))
        if r % 2 == 0:
            batches.append(phase("batch", *batch_args))
        noops.append(phase("batch", out, 1, False, str(layout.batch), str(layout.corpus)))
        splits.append(phase("cold_split", out, str(args.example)))
        for lines in (40, args.long) if r % 2 == 0 else (args.long, 40):
            longs[lines].append(phase("long", out, lines, r % 2 == 1))
        if args.cold > 0:  # processes started from here, timed start to exit
            wall, _, _ = _run_child(
                [*loagen_cmd, "batch", str(layout.corpus), "-o", str(layout.batch), "--json"], env
            )
            noop_cli.append(wall)
            cold_runs = {
                "loagen": [*loagen_cmd, "build", str(args.example), "-o",
                           str(layout.scratch / "cold")],
                "naive": [sys.executable, "-c", NAIVE_SCRIPT, naive_template, naive_ctx,
                          str(layout.scratch / "cold-naive.docx")],
                "python": [sys.executable, "-c", "pass"],
            }  # fmt: skip
            if args.snapshot:  # the same code, as this checkout runs it: no bytecode written
                cold_runs["loagen_nopyc"] = cold_runs["loagen"]
                nopyc_env = {**env, "PYTHONPATH": str(layout.code_nopyc / "src"),
                             "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip
            # the first run of a new loagen, or after the compile cache was deleted: it
            # compiles the library and template (and writes them to a cache of its own)
            cold_runs["loagen_nocache"] = cold_runs["loagen"]
            base = ["loagen", "naive", "python", "loagen_nocache"]
            order = base if r % 2 == 0 else base[::-1]
            if args.snapshot:
                order.append("loagen_nopyc")
            for _ in range(args.cold):
                for name in order:
                    run_env = nopyc_env if name == "loagen_nopyc" else env
                    if name == "loagen_nocache":
                        empty = Path(tempfile.mkdtemp(dir=layout.scratch, prefix="cache-"))
                        run_env = {**env, "LOAGEN_CACHE_DIR": str(empty)}
                    wall, cpu, _ = _run_child(cold_runs[name], run_env)
                    cold.setdefault(name, []).append([wall, cpu])
            _, _, stderr = _run_child(
                [sys.executable, "-X", "importtime", "-m", "loagen", "build", str(args.example),
                 "-o", str(layout.scratch / "cold")], env,
            )  # fmt: skip
            imports.append(_importtime(stderr))
            _, _, stderr = _run_child(
                [sys.executable, "-X", "importtime", *cold_runs["naive"][1:]], env
            )
            naive_imports.append(_importtime(stderr))
        last = rounds[-1]
        last["load_average"] = os.getloadavg()[0]
        say(
            f"round {r + 1}: loagen {1000 * sum(map(sum, last['stages'])) / count:.2f} ms CPU/doc, "
            f"naive {1000 * statistics.mean(v[0] for v in last['naive'].values()):.1f} ms; "
            f"batch --jobs 1 {batches[-1]['wall']:.1f} s; no-op {noops[-1]['wall']:.3f} s"
            + (f"; cold build {cold['loagen'][-1][0]:.2f} s" if cold["loagen"] else "")
        )
    manifests = _manifests(layout.rounds)
    determinism = _determinism(layout, rounds)
    naive_rss = phase("naive_rss", out, [f"doc-{i}" for i in sample])
    pool = phase("batch", out, jobs, True, str(layout.out / "pool"), str(layout.corpus))
    say(f"pool of {jobs}: {pool['wall']:.1f} s, worker peak RSS {pool['rss_worker_mb']:.0f} MB")
    big = None
    if args.big > 0:
        _bench_module("corpus").generate(layout.big_corpus, args.big, args.seed + 1)
        big = phase("batch", out, jobs, True, str(layout.out / "pool-big"), str(layout.big_corpus))
        big["docs"] = args.big
        say(f"pool of {jobs}, {args.big} documents: {big['wall']:.1f} s, "
            f"worker peak RSS {big['rss_worker_mb']:.0f} MB")  # fmt: skip
        shutil.rmtree(layout.big_corpus, ignore_errors=True)
        shutil.rmtree(layout.out / "pool-big", ignore_errors=True)
    profile = phase("profile", out, min(args.profile, count), 25)
    memory = phase("memory", out, min(args.profile, count), max(1, min(args.profile, count) // 5))
    say("profiled")
    before_edit = phase("batch", out, 1, False, str(layout.batch), str(layout.corpus))
    if before_edit["skipped"] != count:  # the code changed under the run: start from a build
        phase("batch", *batch_args)
    edited = _edit_one_note(layout)
    edit = phase("batch", out, 1, False, str(layout.batch), str(layout.corpus))
    say(f"one note edited ({edited[0]}, printed on {edited[1]}): {edit['wall']:.2f} s")
    return {
        "command": "",
        "machine": machine,
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "snapshot": args.snapshot,
        "code_changed": _code_digest(ROOT, ROOT) != machine["code_digest"],
        "seconds": time.perf_counter() - started,
        "docs": count,
        "chunk": CHUNK,
        "sample": sample,
        "rounds": args.rounds,
        "jobs": jobs,
        "long": args.long,
        "example": str(args.example),
        "contexts": contexts,
        "round": rounds,
        "batch": batches,
        "noop": noops,
        "noop_cli": noop_cli,
        "cold": cold,
        "imports": imports,
        "naive_imports": naive_imports,
        "cold_split": splits,
        "longs": {str(k): v for k, v in longs.items()},
        "manifests": manifests,
        "determinism": determinism,
        "naive_rss": naive_rss,
        "pool": pool,
        "big": big,
        "profile": profile,
        "memory": memory,
        "edit": {
            "note": edited[0],
            "printing": edited[1],
            "corpus": edited[2],
            "rebuilt_before": before_edit["skipped"] != count,
            **edit,
        },  # fmt: skip
    }


if __name__ == "__main__":
    main()
