"""What compiling loagen's own modules with Cython (pure-Python mode, no source change) saves.

A spike's measuring tool, not part of the product: it compiles a throwaway copy of `src/` and
measures it side by side with the interpreted code, the same documents, stage by stage.

    python bench/compiled.py build [--dest /tmp/cysrc] [--modules hot|all|PATH,...] [--jobs 2]
    python bench/compiled.py setup [--out bench/out/compiled] [--docs 300] [--seed 7]
    python bench/compiled.py same      --a SRC --b SRC [--out ...]
    python bench/compiled.py stages    --a SRC --b SRC [--out ...] [--rounds 5]
    python bench/compiled.py callgrind --a SRC --b SRC [--out ...] [--docs 50]
    python bench/compiled.py cold      --a SRC --b SRC [--out ...] [--repeat 7]

SRC is a folder holding the `loagen` package (A: this checkout's `src`, B: the compiled copy);
each measurement runs in fresh processes with SRC first on `sys.path`, so one interpreter
(a venv with Cython and loagen's dependencies, e.g. `python -m venv /tmp/cyvenv &&
/tmp/cyvenv/bin/pip install -e ".[dev,redline,studio]" cython`) serves both.

- build: copies `src/` to DEST, applies `PATCHES` and runs `cythonize -3 -i` with `DIRECTIVES`
  on the modules of the set, `--jobs` at a time, then imports each compiled module in a fresh
  process; prints which failed to compile or to import, and why. A DEST that exists is kept
  (unless `--fresh`) and the modules it has compiled are not compiled again.
- setup: a corpus (`bench/corpus.py`), a warm-up corpus and a copy of the project, as
  `bench/run.py` lays them out.
- same: `loagen batch --force` of `cases/` and of the corpus with A and with B; every DOCX and
  manifest compared byte for byte.
- stages: CPU time of each stage a document, as `bench/run.py` times them (its `_warm`,
  `_timed_build`: imported, not copied), in a fresh process a round, A and B alternating
  (ABAB.. then BABA..); medians over the rounds.
- callgrind: instructions of each stage over the first `--docs` documents of the corpus, under
  `valgrind --tool=callgrind`: each stage method is wrapped to call `os.getppid()` as it starts
  and ends, and callgrind dumps its counters on every call of `getppid`, so each dump holds one
  stage (or the gap between two) of one document. Repeatable whatever else runs.
- cold: `python -m loagen build` of one example, fresh processes alternating A and B, with the
  compile cache warm (as a user's second build) -- wall and CPU medians.

First figures (e7a32dd's successor 551cb38, the 13 `HOT` modules compiled, 300-document corpus,
Cython 3.3.1, gcc -O3): DOCX and manifests byte-identical on `cases/` and the corpus; 60.2 M
instructions a document interpreted, 53.0 M compiled (0.88); render 31.4 -> 28.8 M, check
8.1 -> 6.5 M, assemble 6.3 -> 5.0 M. Compiling the 13 modules took 700 s on the shared 2 cores.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import re
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
EXAMPLE = ROOT / "cases" / "BN-D-QAA" / "amendment-1.json"
TODAY = "2026-06-01"
STAGES = ("load", "assemble", "notes_before", "select", "check", "render", "write")
METHODS = ("load", "assemble", "notes_before", "select", "check", "rendered", "write")
HOT = [
    "rendering/pages.py", "rendering/templates.py", "rendering/context.py",
    "policy/text_scan.py", "policy/selection.py", "policy/checks.py",
    "document/costs.py", "document/wording.py", "document/assembly.py",
    "case/loading.py", "case/history.py", "manifest.py", "pipeline.py",
]  # fmt: skip
"""The modules the profile (bench/RESULTS.md) names as hot, under `loagen/`."""
DIRECTIVES = ["annotation_typing=False"]
"""Cython's directives. With annotations read as types (Cython's default) loagen does not
even import: `terms: list[...] = ()` and `skip: set[str] = frozenset()` fail as the functions
are defined, and a pydantic model passed for `cls: type[...]` fails at run time (Cython rejects
a subclass of `type`): every document fails. Read as plain Python, the compiled code behaves
as the interpreted code."""
PATCHES = {
    "case/history.py": [(
        "    (a, a_months), (b, b_months) = before, after\n",
        "    a, a_months = before\n    b, b_months = after\n",
    )],
}  # fmt: skip
"""Source changes, in the copy only, that let a module compile: Cython 3.3.1 crashes
(`'LetNode' object has no attribute '_check_const_assignment'`) on a nested unpacking of two
tuples in one statement."""


# -- build ---------------------------------------------------------------------------------------


def _all_modules(dest: Path) -> list[str]:
    """Every module of the package but `__init__` and `__main__` (a compiled `__init__` changes
    how the package is found), the hot ones first."""
    package = dest / "loagen"
    rest = sorted(
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    )
    return HOT + [m for m in rest if m not in HOT]


def cmd_build(args: argparse.Namespace) -> None:
    dest: Path = args.dest
    if args.fresh and dest.exists():
        shutil.rmtree(dest)
    if not dest.exists():
        shutil.copytree(
            ROOT / "src", dest, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.c")
        )
    for module, changes in PATCHES.items():
        path = dest / "loagen" / module
        text = path.read_text()
        for before, after in changes:
            text = text.replace(before, after)
        path.write_text(text)
    if args.modules == "hot":
        modules = HOT
    elif args.modules == "all":
        modules = _all_modules(dest)
    else:
        modules = args.modules.split(",")
    cythonize = Path(sys.executable).parent / "cythonize"
    failed = {}
    t0 = time.perf_counter()

    def built(module: str) -> bool:
        stem = (dest / "loagen" / module).with_suffix("")
        return bool(list(stem.parent.glob(stem.name + ".cpython-*.so")))

    present = [m for m in modules if (dest / "loagen" / m).is_file()]
    compiled = [m for m in present if built(m)]  # by an earlier run: kept
    todo = [m for m in present if not built(m)]
    # one cythonize per batch of `--jobs` modules: a module that fails does not stop the others
    for i in range(0, len(todo), args.jobs):
        batch = todo[i : i + args.jobs]
        done = subprocess.run(
            [str(cythonize), "-3", "-i", "-k", "-j", str(args.jobs),
             *(f"-X{d}" for d in DIRECTIVES),
             *(f"loagen/{m}" for m in batch)],
            cwd=dest, capture_output=True, text=True, check=False,
        )  # fmt: skip
        for module in batch:
            if built(module):
                compiled.append(module)
            else:
                errors = [
                    line for line in (done.stdout + done.stderr).splitlines()
                    if module in line and ("rror" in line or line.startswith("loagen/"))
                ]  # fmt: skip
                failed[module] = errors[:6] or [done.stderr[-600:]]
        print(f"{i + len(batch)}/{len(todo)} modules, {time.perf_counter() - t0:.0f} s",
              file=sys.stderr, flush=True)  # fmt: skip
    for leftover in dest.rglob("*.c"):
        leftover.unlink()
    shutil.rmtree(dest / "build", ignore_errors=True)
    build_s = time.perf_counter() - t0
    # import each compiled module in a fresh process (an error at import: a module that compiles
    # but does not run)
    broken = {}
    for module in compiled:
        name = "loagen." + module[:-3].replace("/", ".")
        done = subprocess.run(
            [sys.executable, "-c", f"import {name} as m; assert m.__file__.endswith('.so'), m.__file__"],
            env={**os.environ, "PYTHONPATH": str(dest)}, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        if done.returncode != 0:
            broken[module] = done.stderr.strip().splitlines()[-1:]
    result = {"dest": str(dest), "compiled": len(compiled), "build_seconds": round(build_s, 1),
              "failed_to_compile": failed, "failed_to_import": broken}  # fmt: skip
    (dest / "compiled.json").write_text(json.dumps({**result, "modules": compiled}, indent=1))
    print(json.dumps(result, indent=1))


# -- setup and shared helpers --------------------------------------------------------------------


def _run_module() -> Any:
    """bench/run.py, loaded from its file: its Layout, `_warm` and `_timed_build`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("loagen_bench_run", BENCH / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["loagen_bench_run"] = module
    spec.loader.exec_module(module)
    return module


def cmd_setup(args: argparse.Namespace) -> None:
    run = _run_module()
    layout = run.Layout(args.out)
    if layout.out.exists():
        shutil.rmtree(layout.out)
    corpus = run._bench_module("corpus")
    corpus.generate(layout.corpus, args.docs, args.seed)
    corpus.generate(layout.warmup, 6, args.seed + 1000)
    shutil.copytree(ROOT / "templates", layout.project / "templates")
    shutil.copytree(ROOT / "note_library", layout.project / "note_library")
    print(f"{len(run._files(layout.corpus))} documents in {layout.corpus}")


def _env(src: Path, out: Path, variant: str) -> dict[str, str]:
    """The environment of a child: SRC first on the path, its own compile cache, a fixed day."""
    return {
        **os.environ,
        "PYTHONPATH": str(Path(src).resolve()),
        "LOAGEN_CACHE_DIR": str(Path(out).resolve() / f"cache-{variant}"),
        "LOAGEN_TODAY": TODAY,
        "LOAGEN_PROJECT": str(Path(out).resolve() / "project"),
    }


def _child(phase: str, src: Path, out: Path, variant: str, *extra: str,
           prefix: list[str] | None = None) -> dict:  # fmt: skip
    argv = [*(prefix or []), sys.executable, __file__, "--child", phase, str(out), variant, *extra]
    done = subprocess.run(argv, env=_env(src, out, variant), capture_output=True, text=True,
                          check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{phase} ({variant}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _check_source(src: Path) -> None:
    import loagen

    if not Path(loagen.__file__).resolve().is_relative_to(Path(src).resolve()):
        raise SystemExit(f"loagen comes from {loagen.__file__}, not {src}")


# -- same ----------------------------------------------------------------------------------------


def cmd_same(args: argparse.Namespace) -> None:
    out: Path = args.out.resolve()
    run = _run_module()
    layout = run.Layout(out)
    report = {}
    for name, folder in (("cases", ROOT / "cases"), ("corpus", layout.corpus)):
        dirs = {}
        for variant, src in (("a", args.a), ("b", args.b)):
            target = out / "same" / f"{name}-{variant}"
            shutil.rmtree(target, ignore_errors=True)
            env = _env(src, out, variant)
            if name == "cases":  # the project's own notes and templates
                env.pop("LOAGEN_PROJECT")
            done = subprocess.run(
                [sys.executable, "-m", "loagen", "batch", str(folder), "--force", "--jobs", "1",
                 "-o", str(target), "--json"],
                env=env, capture_output=True, text=True, cwd=ROOT, check=False,
            )  # fmt: skip
            if done.returncode not in (0, 1):
                raise SystemExit(f"batch {name} {variant} failed:\n{done.stderr[-2000:]}")
            dirs[variant] = target
        files = sorted(p.relative_to(dirs["a"]) for p in dirs["a"].rglob("*") if p.is_file())
        others = sorted(p.relative_to(dirs["b"]) for p in dirs["b"].rglob("*") if p.is_file())
        differ = [str(f) for f in files if f in others and not filecmp.cmp(
            dirs["a"] / f, dirs["b"] / f, shallow=False)]  # fmt: skip
        report[name] = {
            "docx": sum(1 for f in files if f.suffix == ".docx"),
            "manifests": sum(1 for f in files if f.name.endswith(".manifest.json")),
            "files": len(files),
            "only_in_a": [str(f) for f in files if f not in others][:5],
            "only_in_b": [str(f) for f in others if f not in files][:5],
            "differ": differ[:10],
            "identical": len(files) - len(differ) if files == others else None,
        }
    print(json.dumps(report, indent=1))


# -- stages --------------------------------------------------------------------------------------


def child_stages(out: str, variant: str) -> dict:
    run = _run_module()
    layout = run.Layout(Path(out))
    pipeline = run._pipeline(layout)
    run._warm(pipeline, layout)
    files = run._files(layout.corpus)
    rows = [run._timed_build(pipeline, p, layout.out / f"rounds-{variant}") for p in files]
    import loagen

    return {"source": loagen.__file__, "stages": [r[0] for r in rows],
            "sha256": [r[2] for r in rows]}  # fmt: skip


def _per_doc_ms(stages: list[list[float]]) -> list[float]:
    n = len(stages)
    return [1000 * sum(row[i] for row in stages) / n for i in range(len(STAGES))]


def cmd_stages(args: argparse.Namespace) -> None:
    rounds: dict[str, list[list[float]]] = {"a": [], "b": []}
    sha: dict[str, list] = {}
    for r in range(args.rounds):
        order = (("a", args.a), ("b", args.b)) if r % 2 == 0 else (("b", args.b), ("a", args.a))
        for variant, src in order:
            got = _child("stages", src, args.out, variant)
            rounds[variant].append(_per_doc_ms(got["stages"]))
            sha.setdefault(variant, got["sha256"])
            total = sum(rounds[variant][-1])
            print(f"round {r + 1} {variant}: {total:.3f} ms a document ({got['source']})",
                  file=sys.stderr, flush=True)  # fmt: skip
    result = {"rounds": rounds, "same_docx": sha["a"] == sha["b"], "docs": len(sha["a"])}
    _save(args.out, "stages", result)
    print(_table(f"CPU ms a document (median of {args.rounds} rounds)", rounds, "ms", 3))


def _table(title: str, rounds: dict[str, list[list[float]]], unit: str, digits: int) -> str:
    """Stage, interpreted (A), compiled (B), ratio B/A: medians, with the spread in rounds."""
    lines = [f"### {title}", "", f"| Stage | interpreted {unit} | compiled {unit} | compiled/interpreted |",
             "|---|---|---|---|"]  # fmt: skip
    for i, stage in enumerate([*STAGES, "total"]):
        cell = {}
        for v in ("a", "b"):
            values = [sum(r) if stage == "total" else r[i] for r in rounds[v]]
            med = statistics.median(values)
            spread = (
                f" ({min(values):.{digits}f}-{max(values):.{digits}f})" if len(values) > 1 else ""
            )
            cell[v] = (med, f"{med:.{digits}f}{spread}")
        ratio = cell["b"][0] / cell["a"][0] if cell["a"][0] else float("nan")
        lines.append(f"| {stage} | {cell['a'][1]} | {cell['b'][1]} | {ratio:.2f} |")
    return "\n".join(lines)


def _save(out: Path, name: str, result: dict) -> None:
    path = Path(out) / f"{name}.json"
    path.write_text(json.dumps(result, indent=1))


# -- callgrind -----------------------------------------------------------------------------------


def child_marked(out: str, variant: str, docs: str) -> dict:
    """The `stages` child over the first `docs` documents with each stage method wrapped in two
    calls of `os.getppid` (callgrind dumps its counters on each)."""
    run = _run_module()
    layout = run.Layout(Path(out))
    pipeline = run._pipeline(layout)
    run._warm(pipeline, layout)
    mark = os.getppid
    depth = [0]  # a stage method another calls (select calls notes_before) is not marked

    def marked(method):  # noqa: ANN001, ANN202
        def call(*a, **k):  # noqa: ANN002, ANN003, ANN202
            depth[0] += 1
            if depth[0] == 1:
                mark()
            try:
                return method(*a, **k)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    mark()

        return call

    for name in METHODS:
        setattr(pipeline, name, marked(getattr(pipeline, name)))
    files = run._files(layout.corpus)[: int(docs)]
    mark()  # the end of the setup
    rows = [run._timed_build(pipeline, p, layout.out / f"marked-{variant}") for p in files]
    mark()
    return {"docs": len(files), "stopped": sum(r[2] is None for r in rows)}


_TOTALS = re.compile(rb"^(?:totals|summary): (\d+)", re.M)


def cmd_callgrind(args: argparse.Namespace) -> None:
    rounds: dict[str, list[list[float]]] = {}
    for variant, src in (("a", args.a), ("b", args.b)):
        folder = Path(args.out).resolve() / f"callgrind-{variant}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        _child("stages", src, args.out, variant)  # a warm compile cache and bytecode first
        t0 = time.perf_counter()
        got = _child("marked", src, args.out, variant, str(args.docs), prefix=[
            "valgrind", "--tool=callgrind", "--dump-before=getppid", "--dump-instr=no",
            "--dump-line=no", f"--callgrind-out-file={folder}/cg.out",
        ])  # fmt: skip
        parts = sorted(folder.glob("cg.out.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
        counts = []
        for part in parts:
            found = _TOTALS.search(part.read_bytes())
            counts.append(int(found.group(1)) if found else 0)
        # dump 1 holds everything before the first mark (imports, library, warm-up); then per
        # document, per stage: [its start mark .. its end mark] and the gap up to the next start
        expected = 1 + 2 * len(METHODS) * got["docs"] + 1
        if len(counts) < expected:
            raise SystemExit(f"{variant}: {len(counts)} dumps, expected {expected}")
        body = counts[2 : 2 + 2 * len(METHODS) * got["docs"]]
        per_stage = [0.0] * len(STAGES)
        for d in range(got["docs"]):
            for s in range(len(STAGES)):
                per_stage[s] += body[d * 2 * len(STAGES) + 2 * s]
        per_doc = [v / got["docs"] / 1e6 for v in per_stage]
        gaps = sum(body[1::2]) / got["docs"] / 1e6
        rounds[variant] = [per_doc]
        print(f"{variant}: {len(counts)} dumps, {got['docs']} documents, setup "
              f"{counts[0] / 1e6:.0f} M instructions, gaps {gaps:.3f} M a document, "
              f"{time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)  # fmt: skip
        shutil.rmtree(folder)
    _save(args.out, "callgrind", rounds)
    print(_table(f"Million instructions a document ({args.docs} documents, callgrind)",
                 rounds, "Minstr", 3))  # fmt: skip


# -- cold ----------------------------------------------------------------------------------------


def cmd_cold(args: argparse.Namespace) -> None:
    times: dict[str, list[tuple[float, float]]] = {"a": [], "b": []}
    out = Path(args.out).resolve()
    with tempfile.TemporaryDirectory() as scratch:
        for r in range(args.repeat + 1):  # the first pair warms the caches, not counted
            order = (("a", args.a), ("b", args.b)) if r % 2 == 0 else (("b", args.b), ("a", args.a))
            for variant, src in order:
                env = _env(src, out, variant)
                env.pop("LOAGEN_PROJECT")
                usage0 = os.times()
                w0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "loagen", "build", str(EXAMPLE), "-o", scratch],
                    env=env, cwd=ROOT, check=True, capture_output=True,
                )  # fmt: skip
                wall = time.perf_counter() - w0
                usage1 = os.times()
                cpu = (usage1.children_user - usage0.children_user) + (
                    usage1.children_system - usage0.children_system
                )
                if r:
                    times[variant].append((wall, cpu))
    result = {}
    for v in ("a", "b"):
        result[v] = {"wall_s": statistics.median(t[0] for t in times[v]),
                     "cpu_s": statistics.median(t[1] for t in times[v])}  # fmt: skip
    _save(out, "cold", {"runs": times, "medians": result})
    print(json.dumps(result, indent=1))


# -- main ----------------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        phase, out, variant, *extra = sys.argv[2:]
        src = os.environ["PYTHONPATH"]
        _check_source(Path(src))
        result = {"stages": child_stages, "marked": child_marked}[phase](out, variant, *extra)
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="a compiled copy of src/")
    build.add_argument("--dest", type=Path, default=Path("/tmp/cysrc"))
    build.add_argument(
        "--modules", default="hot", help="hot, all, or paths under loagen/, comma-separated"
    )
    build.add_argument("--jobs", type=int, default=2)
    build.add_argument("--fresh", action="store_true",
                       help="start from a new copy (otherwise an existing DEST is kept and the "
                            "modules it has compiled are not compiled again)")  # fmt: skip
    setup = sub.add_parser("setup", help="the corpus and project the measurements use")
    setup.add_argument("--docs", type=int, default=300)
    setup.add_argument("--seed", type=int, default=7)
    for name in ("same", "stages", "callgrind", "cold"):
        p = sub.add_parser(name)
        p.add_argument("--a", type=Path, default=ROOT / "src", help="interpreted sources")
        p.add_argument("--b", type=Path, default=Path("/tmp/cysrc"), help="compiled copy")
        if name == "stages":
            p.add_argument("--rounds", type=int, default=5)
        if name == "callgrind":
            p.add_argument("--docs", type=int, default=50)
        if name == "cold":
            p.add_argument("--repeat", type=int, default=7)
    for p in sub.choices.values():
        p.add_argument("--out", type=Path, default=BENCH / "out" / "compiled")
    args = parser.parse_args()
    {"build": cmd_build, "setup": cmd_setup, "same": cmd_same, "stages": cmd_stages,
     "callgrind": cmd_callgrind, "cold": cmd_cold}[args.command](args)  # fmt: skip


if __name__ == "__main__":
    main()
