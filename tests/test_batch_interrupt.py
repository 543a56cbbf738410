"""Batches stopped at any moment (Ctrl-C to the whole process group, as a terminal sends it, or
SIGTERM): the command exits promptly, leaves no temporary file and no DOCX without its manifest,
and the next run finishes the rest."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loagen.manifest import read_manifest

from .projects import make_corpus, make_project


def _group_gone(pgid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _consistent(out: Path) -> None:
    names = {p.name for p in out.iterdir()} if out.exists() else set()
    assert not [n for n in names if n.endswith(".tmp")], names
    docx = {n.removesuffix(".docx") for n in names if n.endswith(".docx")}
    manifests = {n.removesuffix(".manifest.json") for n in names if n.endswith(".manifest.json")}
    assert docx == manifests, docx ^ manifests
    for stem in manifests:
        assert read_manifest(out / f"{stem}.manifest.json") is not None, stem


_RENEWING = """
import sys
import loagen.__main__ as entry  # first, as the `loagen` command: its stop handlers
import loagen.ops.batch as batch
batch.WORKER_DOCUMENTS = 6  # a long batch in short: workers renewed, started afresh
sys.argv = ["loagen", *sys.argv[1:]]
entry.main()
"""


def _around_traceback(err: bytes, attempt: int) -> str:
    """What a failure shows of the batch's error output: the traceback itself, with what was
    printed just before it (the output's end is mostly the documents built)."""
    text = err.decode(errors="replace")
    at = text.find("Traceback")
    return f"attempt {attempt}:\n" + text[max(0, at - 600) : at + 4000]


@pytest.mark.parametrize("workers", ["forked", "afresh"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_batch_stopped_at_random_moments_exits_promptly_and_cleanly(
    tmp_path: Path, sig, workers: str
) -> None:
    project = make_project(tmp_path / "project")
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 80)
    out = tmp_path / "build"
    env = {**os.environ, "LOAGEN_PROJECT": str(project.root)}
    rng = random.Random(f"interrupt-{int(sig)}-{workers}")
    start = ["-m", "loagen"] if workers == "forked" else ["-c", _RENEWING]
    for attempt in range(8):
        proc = subprocess.Popen(
            [sys.executable, *start, "batch", str(corpus), "-o", str(out), "-j", "2", "--force"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        # early moments catch the loading and the start of the workers, later ones the middle of
        # the work (the first instants belong to the Python interpreter starting, not to loagen)
        time.sleep(rng.choice([0.2, 0.3, 0.4, 0.5, 0.8, 1.2, 1.8, 2.5]))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"attempt {attempt}: the batch did not exit within 30 s of {sig.name}")
        assert proc.returncode in (0, 130), (attempt, proc.returncode, err.decode()[-800:])
        assert b"Traceback" not in err, _around_traceback(err, attempt)
        assert _group_gone(proc.pid, 10), f"attempt {attempt}: workers outlived the batch"
        _consistent(out)
    done = subprocess.run(
        [sys.executable, "-m", "loagen", "batch", str(corpus), "-o", str(out), "-j", "2"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    _consistent(out)
    assert len(list(out.glob("*.docx"))) == 80


_CONVERTING_IMPORT = """
import os, signal, sys, time
import loagen.cli.common as common
real = common.import_module

def importing(name):
    try:
        os.kill(os.getpid(), signal.SIGTERM)  # a stop while the stages are imported
        time.sleep(0.05)
    except KeyboardInterrupt:
        # what Pydantic does with an exception raised while it builds a validator
        raise RuntimeError("an error of the library being imported") from None
    return real(name)

common.import_module = importing
from loagen.cli import main
sys.argv = ["loagen", "build", sys.argv[1], "-o", sys.argv[2]]
main()
"""


def test_a_stop_while_the_stages_are_imported_exits_as_interrupted(tmp_path: Path) -> None:
    """Held until the import is done: no library turns it into an error of its own."""
    from .conftest import CASES

    done = subprocess.run(
        [sys.executable, "-c", _CONVERTING_IMPORT, str(CASES / "BN-D-QAA" / "basic.json"),
         str(tmp_path / "out")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 130, done.stderr[-2000:]
    assert "interrupted" in done.stderr and "Traceback" not in done.stderr


_STOP_AFTER_THE_WORK = """
import os, signal, sys, time
from loagen.cli import main
stop = int(sys.argv[3])
sys.argv = ["loagen", "build", sys.argv[1], "-o", sys.argv[2]]
try:
    main()
except SystemExit as done:
    os.kill(os.getpid(), stop)  # the stop comes just as the process is exiting
    time.sleep(0.2)
    raise
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_after_the_work_is_done_leaves_the_exit_status_alone(tmp_path: Path, sig) -> None:
    """The work is done and written: a Ctrl-C as the process exits does not turn a success into
    a process killed by the signal (Python hands the signal back to the system as it shuts
    down)."""
    from .conftest import CASES

    done = subprocess.run(
        [sys.executable, "-c", _STOP_AFTER_THE_WORK, str(CASES / "BN-D-QAA" / "basic.json"),
         str(tmp_path / "out"), str(int(sig))],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert (tmp_path / "out" / "BN-D-QAA-basic.docx").exists()
    assert "Traceback" not in done.stderr


_STOP_IN_A_FINALIZER = """
import os, signal, sys, time
from loagen.cli import common

class Collected:
    def __del__(self):  # what a finalizer raises cannot propagate: Python prints it and goes on
        os.kill(os.getpid(), int(sys.argv[1]))
        sum(range(1000))

def work():
    Collected()
    for _ in range(1000):  # a command that would go on for ten seconds
        time.sleep(0.01)
    print("finished")

common.OWN_PROCESS = True
common._present(work, stages=False)()
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_that_arrives_inside_a_finalizer_still_stops_the_command(sig) -> None:
    """Seen in a batch stopped at random: Ctrl-C while the garbage collector ran
    `zipfile.ZipFile.__del__` was printed as "Exception ignored" with a traceback, and lost."""
    done = subprocess.run(
        [sys.executable, "-c", _STOP_IN_A_FINALIZER, str(int(sig))],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert "finished" not in done.stdout
    assert "interrupted" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_command_called_from_python_gives_back_the_callers_signal_handlers(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from loagen.cli import app

    from .conftest import CASES

    mine = signal.getsignal(signal.SIGTERM)
    # what the caller had: Python's default, or "ignored" in a process started in the
    # background by a shell (which ignores Ctrl-C for it)
    interrupt = signal.getsignal(signal.SIGINT)
    alarm, hook = signal.getsignal(signal.SIGALRM), sys.unraisablehook
    result = CliRunner().invoke(
        app, ["build", str(CASES / "BN-D-QAA" / "basic.json"), "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert signal.getsignal(signal.SIGTERM) is mine
    assert signal.getsignal(signal.SIGINT) is interrupt
    assert signal.getsignal(signal.SIGALRM) is alarm and sys.unraisablehook is hook


_TERM_IN_A_CALLBACK = """
import gc, os, signal, sys
import loagen.ops.batch as batch
signal.signal(signal.SIGTERM, batch._exit_on_term)
sys.unraisablehook = batch._term_again

class Collected:
    def __del__(self):  # C code (the collector) calls this: what it raises cannot propagate
        os.kill(os.getpid(), signal.SIGTERM)

Collected()
gc.collect()
print("still running")
"""


def test_a_worker_stopped_inside_a_callback_from_c_ends_at_once_and_quietly() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _TERM_IN_A_CALLBACK], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 128 + signal.SIGTERM, (done.returncode, done.stderr)
    assert "still running" not in done.stdout
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


@pytest.mark.parametrize("as_json", [False, True])
def test_a_stopped_batch_says_every_document_it_wrote(tmp_path: Path, as_json: bool) -> None:
    """Seen: 64 documents listed of 69 written (those of the workers' unfinished shares), and
    nothing at all with --json. Each document written is said, in the plain lines and the JSON
    report of what was done."""
    project = make_project(tmp_path / "project")
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 200)
    out = tmp_path / "build"
    env = {**os.environ, "LOAGEN_PROJECT": str(project.root)}
    command = [sys.executable, "-m", "loagen", "batch", str(corpus), "-o", str(out), "-j", "2"]
    subprocess.run(command, env=env, capture_output=True, timeout=300, check=True)
    written_at = {p: p.stat().st_mtime_ns for p in out.glob("*.docx")}

    def rewritten() -> set[str]:
        return {str(p) for p, ns in written_at.items() if p.stat().st_mtime_ns != ns}

    proc = subprocess.Popen(
        [*command, "--force", *(["--json"] if as_json else [])],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(rewritten()) < 10 and time.monotonic() < deadline:  # stopped in the middle
        time.sleep(0.01)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    output, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err.decode()[-2000:])
    if as_json:
        report = json.loads(output)
        said = {d["output"] for d in report["built"]}
        assert report["interrupted"] is True and report["ok"] is False
    else:
        said = {
            line.split(" -> ", 1)[1]
            for line in err.decode().splitlines()
            if line.startswith("built ") and " -> " in line
        }
        assert output.decode().strip().splitlines()[-1].startswith("stopped after ")
    assert said == rewritten() and 10 <= len(said) < 200
