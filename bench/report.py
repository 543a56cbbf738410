"""bench/RESULTS.md from the raw figures of a run (bench/out/results.json).

    python bench/report.py [bench/out/results.json] [--results bench/RESULTS.md]

`bench/run.py` calls `write_report` at the end of a run; running this file writes the report
again from a stored run without measuring anything.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
STAGES = ("load", "assemble", "notes_before", "select", "check", "render", "write")
STAGE_WORDS = {
    "load": "load: read and validate the case file and its `previous` chain",
    "assemble": "assemble: history, costs, wording",
    "notes_before": "notes before: the notes in force from the earlier documents",
    "select": "select: decide every note, fill the printed ones",
    "check": "check: SAMM Appendix 9 quality checks",
    "render": "render: the manifest, then the DOCX bytes from the compiled template (with its build record)",
    "write": "write: manifest JSON, DOCX and manifest written atomically",
}
FLAT_SHARE = 0.05
"""How much a worker's peak memory may grow from the small corpus to the big one and count
as flat."""
TARGETS = {
    "ratio": 10.0,
    "cpu_ms": 2.5,
    "cold_s": 0.4,
    "manifest_bytes": 5 * 1024,
    "rss_mb": 100.0,
    "per_line": 2.0,
}


# -- small helpers -------------------------------------------------------------------------------


def stats(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def fmt(values: list[float], digits: int = 2, unit: str = "") -> str:
    """median (smallest-largest) of the rounds."""
    if not values:
        return "not measured"
    med, lo, hi = stats(values)
    unit = f" {unit}" if unit else ""
    if len(values) == 1:
        return f"{med:.{digits}f}{unit}"
    return f"{med:.{digits}f}{unit} ({lo:.{digits}f}-{hi:.{digits}f})"


def times(values: list[float], digits: int = 1) -> str:
    if not values:
        return "not measured"
    med, lo, hi = stats(values)
    if len(values) == 1:
        return f"{med:.{digits}f}x"
    return f"{med:.{digits}f}x ({lo:.{digits}f}-{hi:.{digits}f})"


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _failures(batch: dict[str, Any]) -> str:
    """The check rules (or first words) of the problems of a batch's failed documents."""
    if not batch.get("failed"):
        return ""
    import re

    seen: dict[str, int] = {}
    for problem in batch.get("problems", []):
        m = re.search(r"\[([A-Z][A-Z0-9-]+)\]", problem)
        what = m.group(1) if m else problem.rsplit(": ", 1)[-1][:60]
        seen[what] = seen.get(what, 0) + 1
    listed = ", ".join(f"{k} x{v}" for k, v in seen.items())
    return f" (the first {len(batch.get('problems', []))}: {listed}; see results.json)"


# -- the figures -----------------------------------------------------------------------------------


def summarise(res: dict[str, Any]) -> dict[str, Any]:
    """Every figure of the report, derived from the raw measurements."""
    sample = res["sample"]
    s: dict[str, Any] = {"stage_ms": {k: [] for k in STAGES}}
    loagen_all, loagen_sample, naive, ratio_sample, ratio_all = [], [], [], [], []
    loagen_wall, naive_wall = [], []
    per_doc: list[list[float]] = [[] for _ in res["round"][0]["stages"]]
    for rnd in res["round"]:
        built = [i for i, sha in enumerate(rnd["sha256"]) if sha is not None]
        total = [sum(rnd["stages"][i]) for i in built]
        all_ms = 1000 * sum(total) / len(built)
        in_sample = [i for i in sample if rnd["sha256"][i] is not None]
        sample_ms = 1000 * sum(sum(rnd["stages"][i]) for i in in_sample) / len(in_sample)
        naive_ms = 1000 * statistics.mean(v[0] for v in rnd["naive"].values())
        loagen_all.append(all_ms)
        loagen_sample.append(sample_ms)
        naive.append(naive_ms)
        ratio_sample.append(naive_ms / sample_ms)
        ratio_all.append(naive_ms / all_ms)
        loagen_wall.append(1000 * sum(rnd["wall"][i] for i in built) / len(built))
        naive_wall.append(1000 * statistics.mean(v[1] for v in rnd["naive"].values()))
        for k, name in enumerate(STAGES):
            s["stage_ms"][name].append(1000 * sum(rnd["stages"][i][k] for i in built) / len(built))
        for i in built:
            per_doc[i].append(1000 * sum(rnd["stages"][i]))
        s.setdefault("refused", []).append(len(rnd["sha256"]) - len(built))
    s.update(loagen_all=loagen_all, loagen_sample=loagen_sample, naive=naive,
             ratio_sample=ratio_sample, ratio_all=ratio_all, loagen_wall=loagen_wall,
             naive_wall=naive_wall)  # fmt: skip
    doc_medians = sorted(statistics.median(v) for v in per_doc if v)
    s["per_doc"] = {
        q: doc_medians[min(len(doc_medians) - 1, int(p * len(doc_medians)))]
        for q, p in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
    }
    s["per_doc"]["max"] = doc_medians[-1]
    s["once"] = {k: [r["once"][k] for r in res["round"]] for k in res["round"][0]["once"]}
    s["gc"] = {"loagen": [], "naive": [], "full_runs": [], "longest": []}
    for rnd in res["round"]:
        seen = rnd.get("gc")
        if seen is None:
            continue
        built = sum(sha is not None for sha in rnd["sha256"])
        for owner, count in (("loagen", built), ("naive", len(rnd["naive"]))):
            runs = seen.get(owner, {})
            s["gc"][owner].append(1000 * sum(row[1] for row in runs.values()) / max(1, count))
        full = seen.get("loagen", {}).get("2", [0, 0.0, 0.0])
        s["gc"]["full_runs"].append(full[0])
        s["gc"]["longest"].append(1000 * full[2])

    batch_ms, batch_ratio, batch_wall = [], [], []
    for k, b in enumerate(res["batch"]):
        ms = 1000 * (b["cpu"] + b["children_cpu"]) / b["built"]
        batch_ms.append(ms)
        batch_wall.append(b["wall"])
        batch_ratio.append(naive[k] / ms)
    s.update(batch_ms=batch_ms, batch_ratio=batch_ratio, batch_wall=batch_wall)

    s["noop_wall"] = [n["wall"] for n in res["noop"]]
    s["noop_cpu"] = [n["cpu"] for n in res["noop"]]
    s["noop_skipped"] = [n["skipped"] for n in res["noop"]]
    s["noop_cli"] = res["noop_cli"]
    s["naive_rebuild_s"] = [res["docs"] * ms / 1000 for ms in naive]

    for name in ("loagen", "naive", "python", "loagen_nopyc", "loagen_nocache"):
        s[f"cold_{name}_wall"] = [w for w, _ in res["cold"].get(name, [])]
        s[f"cold_{name}_cpu"] = [c for _, c in res["cold"].get(name, [])]
    pairs = zip(s["cold_loagen_wall"], s["cold_naive_wall"], strict=True)  # run in turn
    s["cold_ratio"] = [lo / n for lo, n in pairs]

    def import_groups(runs: list[dict[str, float]]) -> dict[str, list[float]]:
        names = {g for run in runs for g in run}
        return {g: [run.get(g, 0.0) for run in runs] for g in names}

    s["imports"] = import_groups([run["groups"] for run in res["imports"]])
    s["import_modules"] = import_groups([run["modules"] for run in res["imports"]])
    s["naive_imports"] = import_groups([run["groups"] for run in res["naive_imports"]])
    s["cold_split"] = {
        step: [
            [r["steps"][step][0] for r in res["cold_split"]],
            [r["steps"][step][1] for r in res["cold_split"]],
        ]  # fmt: skip
        for step in res["cold_split"][0]["steps"]
    }

    long_n = res["long"]
    s["long"] = {}
    for kind in ("basic", "amendment"):
        rows: dict[str, Any] = {}
        for lines in (40, long_n):
            reps = res["longs"][str(lines)]
            rows[lines] = {
                "total": [1000 * sum(r[kind]["stages"]) for r in reps],
                "per_line": [1000 * sum(r[kind]["stages"]) / lines for r in reps],
                "stages": {
                    st: [1000 * r[kind]["stages"][k] / lines for r in reps]
                    for k, st in enumerate(STAGES)
                },
                "naive_per_line": [1000 * r[kind]["naive"][0] / lines for r in reps],
                "built": all(r[kind]["built"] for r in reps),
            }
        short, long_ = rows[40], rows[long_n]
        rows["ratio"] = [a / b for a, b in zip(long_["per_line"], short["per_line"], strict=True)]
        rows["stage_ratio"] = {
            st: [
                a / b if b else float("nan")
                for a, b in zip(long_["stages"][st], short["stages"][st], strict=True)
            ]  # fmt: skip
            for st in STAGES
        }
        s["long"][kind] = rows
    return s


# -- the report ------------------------------------------------------------------------------------


def write_report(res: dict[str, Any], path: Path) -> None:
    s = summarise(res)
    m = res["machine"]
    docs, rounds, long_n, jobs = res["docs"], res["rounds"], res["long"], res["jobs"]
    nsample = len(res["sample"])
    man = res["manifests"]
    pool, big = res["pool"], res["big"]
    edit = res["edit"]
    det = res["determinism"]
    has_cold = bool(s["cold_loagen_wall"])
    imports = s["imports"]
    runs = len(res["imports"])
    import_total = [sum(v[i] for v in imports.values()) for i in range(runs)]
    third = [g for g in imports if g not in ("loagen", "standard library")]
    third_total = [sum(imports[g][i] for g in third) for i in range(runs)]
    loagen_imp = imports.get("loagen", [0.0] * runs)
    stdlib_imp = imports.get("standard library", [0.0] * runs)
    top_third = sorted(third, key=lambda g: -statistics.median(imports[g]))[:8]
    modules = s["import_modules"]
    top_modules = sorted(modules, key=lambda g: -statistics.median(modules[g]))[:15]
    naive_imp_total = [sum(v[i] for v in s["naive_imports"].values()) for i in range(runs)]
    uncommitted = m["uncommitted"]
    code_line = f"commit {m['commit']}" + (
        f", with uncommitted changes in {len(uncommitted)} file(s) of src/, templates/ or "
        f"note_library/ at the start of the run ({', '.join(uncommitted[:8])}"
        f"{', ...' if len(uncommitted) > 8 else ''}): the working tree was measured"
        if uncommitted
        else " (clean working tree)"
    )
    la = res["load_average"]
    if res.get("snapshot"):
        code_line += (
            f". Every process imported a copy of `src/` taken at the start (digest "
            f"{m['code_digest']}, with the templates and note library copied at the same time)"
            + (
                "; the checkout changed while the run went on, which the copy kept out"
                if res.get("code_changed")
                else ""
            )
        )
    elif res.get("code_changed"):
        code_line += (
            ". **The source, templates or note library changed on disk during the run** "
            "(other people were editing them): rounds may have measured different code"
        )
    round_loads = ", ".join(f"{r['load_average']:.1f}" for r in res["round"] if "load_average" in r)

    rows = [
        (
            f"**Whole pipeline, CPU a document** (load to write, `Pipeline` stage methods, "
            f"{docs} documents"
            + (
                f"; {max(s['refused'])} stopped by check errors and left out"
                if max(s["refused"])
                else ""
            )
            + ")",
            f"**{fmt(s['loagen_all'], 2, 'ms')}**; wall {fmt(s['loagen_wall'], 2, 'ms')}",
            "-",
        ),
        (
            f"Naive docxtpl, CPU a document ({nsample} of the documents, fresh `DocxTemplate`, "
            "`render`, `save`)",
            f"{fmt(s['naive'], 1, 'ms')}; wall {fmt(s['naive_wall'], 1, 'ms')}",
            "1x",
        ),
        (
            f"Whole pipeline on the same {nsample} documents",
            fmt(s["loagen_sample"], 2, "ms"),
            f"**{times(s['ratio_sample'])}** faster",
        ),
        (
            "Whole pipeline, all documents, against the naive sample's mean",
            fmt(s["loagen_all"], 2, "ms"),
            f"{times(s['ratio_all'])} faster",
        ),
        (
            f"`run_batch --jobs 1 --force` ({docs} documents: planning, library, templates, "
            "builds), CPU a document",
            f"{fmt(s['batch_ms'], 2, 'ms')}; {fmt(s['batch_wall'], 2, 's')} wall in all",
            f"{times(s['batch_ratio'])} faster",
        ),
        (
            "Per document (whole pipeline, each document's median over the rounds)",
            f"p50 {s['per_doc']['p50']:.2f} ms, p90 {s['per_doc']['p90']:.2f} ms, "
            f"p99 {s['per_doc']['p99']:.2f} ms, max {s['per_doc']['max']:.2f} ms",
            "-",
        ),
        (
            "Of which Python's garbage collector (cyclic collections run while building, "
            "CPU a document)",
            f"{fmt(s['gc']['loagen'], 2, 'ms')}; full collections: "
            f"{fmt(s['gc']['full_runs'], 0)} a round, the longest "
            f"{fmt(s['gc']['longest'], 0, 'ms')}",
            f"naive: {fmt(s['gc']['naive'], 2, 'ms')} a document (in the same process, its "
            "collections also walk what loagen keeps: see the naive way alone below)",
        ),
        (
            "Naive docxtpl alone, in a process of its own (no loagen code or objects; one run, "
            "after the rounds)",
            f"{res['naive_rss']['ms_per_doc']:.1f} ms CPU a document, of which "
            f"{res['naive_rss']['gc_ms_per_doc']:.2f} ms garbage collection"
            if "ms_per_doc" in res["naive_rss"]
            else "not measured",
            "-",
        ),
        (
            "Once a process (not in the figures above): note library, the 3 templates (read from "
            "the compile cache, `loagen.compile_cache`, filled by the run's first build)",
            f"{fmt(s['once']['library_ms'], 0, 'ms')}, {fmt(s['once']['templates_ms'], 0, 'ms')} "
            "CPU",
            "-",
        ),
        (
            f"Manifest size ({man['count']} documents)",
            f"median {man['median']:.0f} B, p90 {man['p90']} B, max **{man['max']} B**; "
            f"{man['over_5000']} over 5,000 B, {man['over_target']} over 5 KiB; and once in the "
            "output folder, the note index of the library (`.loagen/notes-*.json`): "
            f"{', '.join(f'{b} B' for b in man.get('note_index_bytes', [])) or 'none'}",
            "naive writes none",
        ),
        (
            f"No-op batch ({docs} documents, nothing changed), `run_batch`",
            f"**{fmt(s['noop_wall'], 3, 's')}** wall, {fmt(s['noop_cpu'], 3, 's')} CPU; "
            f"{min(s['noop_skipped'])} to {max(s['noop_skipped'])} skipped",
            f"naive has no skip: rebuilding costs {fmt(s['naive_rebuild_s'], 1, 's')} CPU",
        ),
        (
            "No-op batch, the whole `loagen batch --json` command (process start to exit)",
            fmt(s["noop_cli"], 2, "s"),
            "-",
        ),
        (
            f"Rebuild after editing one note (`{edit['note']}`, printed on {edit['printing']} of "
            f"{edit['corpus']}), `run_batch --jobs 1` (one run)",
            f"{edit['wall']:.2f} s wall, {edit['cpu']:.2f} s CPU: {edit['built']} rebuilt, "
            f"{edit['refreshed']} manifests refreshed, {edit['skipped']} skipped"
            + (
                " (the outputs were out of date before the edit, the code having changed: "
                "rebuilt first)"
                if edit.get("rebuilt_before")
                else ""
            ),
            f"full rebuild {fmt(s['batch_wall'], 2, 's')}",
        ),
        (
            f"Peak RSS a worker, pool of {jobs} (`--force`, {docs} documents)",
            (
                f"**{pool['rss_worker_mb']:.0f} MB** (parent {pool['rss_self_mb']:.0f} MB); "
                if pool["rss_worker_mb"]
                else "no worker started (fewer than 4 documents): "
                f"one process, {pool['rss_self_mb']:.0f} MB; "
            )
            + f"{pool['wall']:.1f} s wall",
            f"naive process {res['naive_rss']['rss_mb']:.0f} MB",
        ),
    ]
    if has_cold:
        rows[9:9] = [
            (
                f"Cold `loagen build` of one example ({Path(res['example']).parent.name}/"
                f"{Path(res['example']).name}), process start to exit",
                f"**{fmt(s['cold_loagen_wall'], 3, 's')}** wall, {fmt(s['cold_loagen_cpu'], 3, 's')} "
                "CPU",
                f"takes {times(s['cold_ratio'], 2)} the naive script's time",
            ),
            (
                "Cold `loagen build` with an empty compile cache (the first run after an install "
                "or a note library edit: the library and template compiled, then kept in "
                "`~/.cache/loagen`)",
                f"{fmt(s['cold_loagen_nocache_wall'], 3, 's')} wall, "
                f"{fmt(s['cold_loagen_nocache_cpu'], 3, 's')} CPU",
                "-",
            ),
            (
                "Cold naive script (import docxtpl, load a stored context, render, save)",
                f"{fmt(s['cold_naive_wall'], 3, 's')} wall, {fmt(s['cold_naive_cpu'], 3, 's')} CPU",
                "1x",
            ),
            (
                "Cold `loagen build` without bytecode files (as this checkout runs it: "
                "`PYTHONDONTWRITEBYTECODE=1`, every loagen module compiled at each start)",
                f"{fmt(s['cold_loagen_nopyc_wall'], 3, 's')} wall, "
                f"{fmt(s['cold_loagen_nopyc_cpu'], 3, 's')} CPU",
                "-",
            ),
            (
                "Python start alone (`python -c pass`)",
                f"{fmt(s['cold_python_wall'], 3, 's')} wall",
                "-",
            ),
            (
                "Imports of a cold `loagen build` (`-X importtime`, self times summed)",
                f"{fmt(import_total, 0, 'ms')}: third-party {fmt(third_total, 0, 'ms')}, loagen "
                f"{fmt(loagen_imp, 0, 'ms')}, standard library {fmt(stdlib_imp, 0, 'ms')}",
                f"naive script's imports {fmt(naive_imp_total, 0, 'ms')}",
            ),
        ]
    else:
        rows.insert(9, ("Cold `loagen build`, imports", "not measured (`--cold 0`)", "-"))
    if big:
        rows.append(
            (
                f"Peak RSS a worker, pool of {jobs} ({big['docs']} documents, another seed)",
                f"**{big['rss_worker_mb']:.0f} MB** (parent {big['rss_self_mb']:.0f} MB); "
                f"{big['wall']:.1f} s wall, {big['built']} built, {big['failed']} failed"
                + _failures(big),
                "-",
            )
        )
    rows.append(
        (
            "Peak RSS, one process (`run_batch --jobs 1`)",
            fmt([b["rss_self_mb"] for b in res["batch"]], 0, "MB"),
            "-",
        )
    )
    for kind in ("basic", "amendment"):
        lg = s["long"][kind]
        rows.append(
            (
                f"Per line, {kind.capitalize()}: {long_n} lines against 40 (whole pipeline CPU "
                "a line)",
                f"{fmt(lg[long_n]['per_line'], 3, 'ms')} against {fmt(lg[40]['per_line'], 3, 'ms')}: "
                f"**{times(lg['ratio'], 2)}** a line",
                f"naive {fmt(lg[long_n]['naive_per_line'], 2, 'ms')} and "
                f"{fmt(lg[40]['naive_per_line'], 2, 'ms')} a line",
            )
        )
    rows.append(
        (
            "Same inputs, same bytes",
            f"{det['stable']} of {det['docs']} DOCX byte-identical in all {rounds} rounds; "
            f"{det['batch_same']} of {det['batch_compared']} identical between the rounds and "
            "`run_batch`",
            f"naive output: the same XML as loagen's on {res['contexts']['same_xml']} of "
            f"{res['contexts']['checked']} checked",
        )
    )
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)

    ratio = statistics.median(s["ratio_sample"])
    cpu = statistics.median(s["loagen_all"])
    big_rss = big["rss_worker_mb"] if big else None
    per_line = {k: statistics.median(s["long"][k]["ratio"]) for k in ("basic", "amendment")}
    verdicts = [
        f"- **Whole pipeline at least 10x the naive way a core**: {verdict(ratio >= 10)}: "
        f"{times(s['ratio_sample'])} on the same {nsample} documents, CPU against CPU in the "
        f"same processes ({times(s['ratio_all'])} with the whole corpus; "
        f"{times(s['batch_ratio'])} for `run_batch --jobs 1`, whose figure also holds the "
        "planning, the library load and the template compilation)"
        + (
            f". The naive way alone, in a process of its own: "
            f"{res['naive_rss']['ms_per_doc']:.1f} ms a document, "
            f"{res['naive_rss']['ms_per_doc'] / cpu:.1f}x the whole pipeline's median "
            "(not interleaved: a cross-check only)."
            if "ms_per_doc" in res["naive_rss"]
            else "."
        ),
        f"- **At most 2.5 ms of CPU a document**: {verdict(cpu <= 2.5)}: "
        f"{fmt(s['loagen_all'], 2, 'ms')} ({fmt(s['batch_ms'], 2, 'ms')} through `run_batch`).",
        (
            f"- **Cold `loagen build` at most 0.4 s**: "
            f"{verdict(statistics.median(s['cold_loagen_wall']) <= 0.4)}: "
            f"{fmt(s['cold_loagen_wall'], 3, 's')}."
            if has_cold
            else "- **Cold `loagen build` at most 0.4 s**: not measured (`--cold 0`)."
        ),
        f"- **Manifest at most 5 KB**: {verdict(man['max'] <= TARGETS['manifest_bytes'])}: "
        f"median {man['median']:.0f} B, largest {man['max']} B; {man['over_5000']} of "
        f"{man['count']} over 5,000 B, {man['over_target']} over 5 KiB (5,120 B).",
    ]
    rss_ok = pool["rss_worker_mb"] <= 100 and (big_rss is None or big_rss <= 100)
    if big_rss is not None:
        growth = big_rss - pool["rss_worker_mb"]
        flat = growth <= FLAT_SHARE * pool["rss_worker_mb"]
        verdicts.append(
            f"- **Peak RSS at most 100 MB a worker, flat from {docs} to {big['docs']} documents**: "
            f"at most 100 MB {verdict(rss_ok)}: {pool['rss_worker_mb']:.0f} MB and "
            f"{big_rss:.0f} MB; flat (within {FLAT_SHARE:.0%}) {verdict(flat)}: {growth:+.0f} MB."
        )
    else:
        verdicts.append(
            f"- **Peak RSS at most 100 MB a worker**: {verdict(rss_ok)} at {docs} documents "
            f"({pool['rss_worker_mb']:.0f} MB); flatness not measured (`--big 0`)."
        )
    verdicts.append(
        f"- **A {long_n}-line document at most 2x per line a 40-line one**: "
        f"{verdict(max(per_line.values()) <= 2)}: Basic {times(s['long']['basic']['ratio'], 2)}, "
        f"Amendment {times(s['long']['amendment']['ratio'], 2)}."
    )
    verdicts.append(
        f"- **Same inputs, byte-identical DOCX**: {verdict(det['stable'] == det['docs'] and det['batch_same'] == det['batch_compared'])} "
        f"within this run ({det['stable']} of {det['docs']}). Whether the bytes are the same as "
        "before issue 9's change is not measured by this harness."
    )

    stage_total = [sum(s["stage_ms"][k][i] for k in STAGES) for i in range(rounds)]
    stage_rows = "\n".join(
        f"| {STAGE_WORDS[k]} | {fmt(s['stage_ms'][k], 3)} | "
        f"{100 * statistics.median(s['stage_ms'][k]) / statistics.median(stage_total):.0f}% |"
        for k in STAGES
    )
    long_rows = []
    for kind in ("basic", "amendment"):
        lg = s["long"][kind]
        for k in STAGES:
            long_rows.append(
                f"| {kind.capitalize()} | {k} | {fmt(lg[40]['stages'][k], 4)} | "
                f"{fmt(lg[long_n]['stages'][k], 4)} | {times(lg['stage_ratio'][k], 2)} |"
            )
    prof = res["profile"]
    group_rows = "\n".join(
        f"| {g} | {ms / prof['docs']:.3f} | {100 * ms / prof['total_ms']:.0f}% |"
        for g, ms in prof["groups"][:16]
    )
    top_rows = "\n".join(
        f"| `{r['function']}` | {r['ncalls']} | {r['tottime_ms'] / prof['docs']:.3f} | "
        f"{r['cumtime_ms'] / prof['docs']:.3f} |"
        for r in prof["by_tottime"][:20]
    )
    cum_rows = "\n".join(
        f"| `{r['function']}` | {r['ncalls']} | {r['cumtime_ms'] / prof['docs']:.3f} |"
        for r in prof["loagen_by_cumtime"][:20]
    )
    split_rows = "\n".join(
        f"| {step} | {fmt(v[0], 0, 'ms')} | {fmt(v[1], 0, 'ms')} |"
        for step, v in s["cold_split"].items()
    )
    import_rows = "\n".join(
        f"| {g} | {fmt(imports[g], 0, 'ms')} |"
        for g in ["loagen", "standard library", *top_third]
        if g in imports
    )
    module_rows = "\n".join(f"| `{g}` | {fmt(modules[g], 1, 'ms')} |" for g in top_modules)
    if has_cold:
        import_section = f"""Imports of `python -X importtime -m loagen build` by package (self times summed, import
time's own overhead included), the largest third-party ones:

| Package | ms |
|---|---|
{import_rows}

The modules slowest to import (self time, without the modules they import):

| Module | ms |
|---|---|
{module_rows}"""
    else:
        import_section = "Imports: not measured (`--cold 0`)."
    manifest_rows = "\n".join(
        f"| `{k}` | {v:.0f} |"
        for k, v in sorted(man["key_mean_bytes"].items(), key=lambda kv: -kv[1])[:14]
    )
    memory = res.get("memory")
    if memory:
        steps = ", ".join(
            f"{n} documents: RSS {rss:.0f} MB, Python objects {held:.0f} MB"
            for n, rss, held in memory["steps"]
        )
        rows_held = "\n".join(
            f"| `{where}` | {mb:.1f} | {count} |" for where, mb, count in memory["top"]
        )
        memory_section = f"""One fresh process building the first {memory["docs"]} documents of the corpus with
`tracemalloc` on (peak RSS, and the memory Python objects hold, as it goes): {steps}.

What is still held at the end, by the source file that allocated it:

| Allocated in | MB | objects |
|---|---|---|
{rows_held}"""
    else:
        memory_section = "Not measured in this run."

    text = f"""# loagen benchmark results

Written by `{res["command"]}` in {res["seconds"] / 60:.1f} minutes (seed in the command, 7 by
default). The figures are medians over {rounds} rounds, with the smallest and largest round in
brackets; every ratio is taken within one round (the naive way and loagen measured in the same
process, alternating every {res["chunk"]} documents).

**Machine:** {m["cpu"]}, {m["cpus"]} CPUs ({m["usable_cpus"]} usable), {m["system"]}, Python {m["python"]}, loagen {m["loagen"]}.
Shared with other work: load average {la["before"][0]:.2f} at the start, {la["after"][0]:.2f} at the end (after each round: {round_loads or "not recorded"}).

**Code measured:** {code_line}.

**Corpus:** {docs} case documents from `bench/corpus.py` (Basics, Amendments and Modifications of
5 to 40 lines); the naive way renders {nsample} of them spread evenly over the corpus. The long
cases: one case of {long_n} lines and the same case cut to its first 40 lines, each a Basic and
an Amendment.

**The naive way** (issue 9): a fresh `DocxTemplate` per document, `render` with
`jinja2.Environment(autoescape=True)`, `save` to a file. Its context (what the templates read)
is prepared beforehand by loagen in another process and stored as plain data, so the naive
process runs no loagen code; its output is checked to be the same XML as loagen's. It decides
nothing: no loading or validation, history, notes or checks; the whole pipeline's figure holds
all of those.

**CPU** is `time.process_time()` (user and system time of the process) around each stage; a
document's figure is the sum of its stages, called as `Pipeline.build` calls them.

## Figures

| Measurement | Result: median (smallest-largest round) | Against the naive way, same run |
|---|---|---|
{table}

## Against issue 9's targets

{chr(10).join(verdicts)}

## Where the time goes

### By stage (whole corpus, CPU ms a document)

| Stage | ms a document | share |
|---|---|---|
{stage_rows}

### By package (cProfile of one pass over {prof["docs"]} documents, own time)

cProfile times wall-clock time (a CPU-time timer made it five times slower) and slows Python
code more than C code, so the shares are a guide, not a measurement of the unprofiled run
({prof["total_ms"] / prof["docs"]:.2f} ms a document under the profiler, on a shared machine:
a function waiting for the disk or for a CPU looks larger).

| Package | ms a document | share |
|---|---|---|
{group_rows}

### Functions by own time

| Function | calls | own ms a document | with callees, ms a document |
|---|---|---|---|
{top_rows}

### loagen's functions by time with their callees

| Function | calls | ms a document |
|---|---|---|
{cum_rows}

### A cold `loagen build`

Steps of a cold build inside one fresh process (CPU, wall; the process start and this
harness's own imports come before and are not counted):

| Step | CPU | wall |
|---|---|---|
{split_rows}

{import_section}

### Per line ({long_n} lines against 40, CPU ms a line by stage)

| Document | Stage | 40 lines | {long_n} lines | ratio |
|---|---|---|---|---|
{chr(10).join(long_rows)}

### Memory of one process building documents

{memory_section}

### What a manifest holds (mean bytes a manifest, by top-level key; `dependencies.*`: its parts)

| Key | bytes |
|---|---|
{manifest_rows}

## How to reproduce

```
source .venv/bin/activate
python bench/run.py                      # the run above ({res["seconds"] / 60:.0f} minutes here)
python bench/run.py --docs 200 --naive 50 --rounds 3 --big 0   # a quick look
python bench/report.py bench/out/results.json   # this file again from the stored figures
```

Everything the run writes is under `bench/out/` (git-ignored): the corpus, a copy of the
project, every output, `results.json` (each raw figure, document by document) and
`profile.pstats` (`python -m pstats bench/out/profile.pstats`).
"""
    Path(path).write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "results_json", type=Path, nargs="?", default=BENCH / "out" / "results.json"
    )
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    write_report(json.loads(args.results_json.read_text()), args.results)
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
