"""Writing build outputs: files written whole or not at all, and a DOCX never without its manifest.

Every file goes through a temporary file in the same folder and a rename, so a reader (and a
later run after a killed one) sees the old complete file or the new complete file. A DOCX and
its manifest are written as a pair: both temporary files are written first, and only when both
are complete are they renamed into place, the DOCX first and the manifest last (the manifest
vouches for the DOCX). A failure on the way (a full disk) removes what it wrote. Temporary files
carry the writing process's id, so `remove_stale_temporaries` can clear those of runs that were
killed without touching those of a run still going.

The data is not forced to disk file by file (no fsync): that would double the cost of a build
to guard against an operating-system crash, after which `loagen batch` rebuilds whatever its
manifests no longer vouch for.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import OutputError
from ..stops import STOP_SIGNALS

TEMP_SUFFIX = ".tmp"
_TEMP = re.compile(r"^\..+\.loagen(\d+)-[0-9a-f]+\.tmp$")


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _umask_mode()


def _temporary(path: Path) -> str:
    # string operations: a Path made for each temporary file showed in the profile
    folder, name = os.path.split(os.fspath(path))
    return os.path.join(folder, f".{name}.loagen{os.getpid()}-{os.urandom(4).hex()}{TEMP_SUFFIX}")


def _write_temporary(path: Path, data: bytes) -> str:
    tmp = _temporary(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(tmp, flags, _FILE_MODE)
    except OSError:
        # The folder is missing, most likely (made here, not checked before each file: that
        # cost two system calls a file); any other cause fails again just as it did.
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, _FILE_MODE)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _fail(exc: OSError, where: Path) -> OutputError:
    why = exc.strerror or type(exc).__name__
    if exc.errno == 28:  # ENOSPC
        why = "the disk is full"
    elif exc.errno in (17, 20):  # EEXIST, ENOTDIR: a file where a folder of the path should be
        blocking = next((p for p in Path(where).parents if p.is_file()), None)
        if blocking is not None:
            why = f"{blocking} is a file, not a folder"
    return OutputError(f"cannot write output: {why}; nothing was changed", source=where)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename (old or new, never half)."""
    write_pair(((path, data),))


CHANGED_AFTER_BUILD = ".changed-after-build"
"""What the name of a DOCX kept aside says: it was changed after loagen built it."""


def _free_name(
    path: Path, label_of: Callable[[int], str], no_links: Callable[[Path, OSError], None]
) -> Path:
    """A free name beside `path`, "<stem><label_of(n)><suffix>" for the first n from 1 not
    taken, given the file at `path` by a hard link (which fails when the name is taken: no file
    there is ever replaced); where the system has no hard links, `no_links(target, error)`
    gives the file at `path` to that name, found free a moment before."""
    number = 1
    while True:
        target = path.with_name(f"{path.stem}{label_of(number)}{path.suffix}")
        try:
            os.link(path, target)
        except FileExistsError:
            number += 1
            continue
        except OSError as exc:
            if target.exists():
                number += 1
                continue
            no_links(target, exc)
        return target


def keep_aside(path: Path) -> Path:
    """Move `path` (a DOCX changed since it was built, about to be written over) to a free
    name in the same folder that says what it is, "<stem>.changed-after-build.docx" (then
    "-2", "-3" ...), and return that name. The file is never deleted."""

    def moved(target: Path, exc: OSError) -> None:
        try:
            os.rename(path, target)
        except OSError:
            raise OutputError(
                f"cannot keep the changed copy of {path.name} aside ({exc.strerror or exc}); "
                "nothing was written over it: move it elsewhere yourself, then build again",
                source=path,
            ) from None

    target = _free_name(
        path, lambda n: CHANGED_AFTER_BUILD if n == 1 else f"{CHANGED_AFTER_BUILD}-{n}", moved
    )
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # linked: the old name goes (renamed: it is gone already)
    return target


AS_BUILT = ".as-built-"
"""What the name of a copy of a signed document kept before a rebuild says: the DOCX as it was
built on a date, "<stem>.as-built-<date>.docx"."""


def built_on(path: Path) -> str:
    """The day the file at `path` was written (its modification time), as 2026-01-31: the day
    a DOCX kept by `keep_copy` was built."""
    try:
        return time.strftime("%Y-%m-%d", time.localtime(path.stat().st_mtime))
    except OSError:
        return time.strftime("%Y-%m-%d")


def keep_copy(path: Path, built_on: str) -> Path:
    """Keep a copy of `path` (the DOCX of a document already answered, about to be written over
    by a rebuild) under a free name in the same folder that says what it is and when it was
    built, "<stem>.as-built-<built_on>.docx" (then "-2", "-3" ...), and return that name. The
    file at `path` stays where it is; the copy is a hard link where the system has them (the
    rebuild replaces the name, never the file's bytes), else a copy."""

    def copied(target: Path, exc: OSError) -> None:
        try:
            data = path.read_bytes()
        except OSError:
            raise OutputError(
                f"cannot keep a copy of {path.name} as built ({exc.strerror or exc}); "
                "nothing was written over it: copy it elsewhere yourself, then build again",
                source=path,
            ) from None
        atomic_write(target, data)

    return _free_name(path, lambda n: f"{AS_BUILT}{built_on}" + ("" if n == 1 else f"-{n}"), copied)


_AS_BUILT_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:-(\d+))?\.docx")
"""What follows "<stem>.as-built-" in the name of a copy `keep_copy` kept."""


def as_built_copies(docx: Path) -> list[tuple[str, Path]]:
    """The copies `keep_copy` kept of the DOCX at `docx`, oldest first, each with what its name
    says after the stem ("as-built-2026-11-30", then "as-built-2026-11-30-2")."""
    prefix = docx.stem + AS_BUILT
    try:
        names = os.listdir(docx.parent)
    except OSError:
        return []
    found = []
    for name in names:
        m = _AS_BUILT_DAY.fullmatch(name[len(prefix) :]) if name.startswith(prefix) else None
        if m:
            order = (m.group(1), int(m.group(2) or 1))
            found.append((order, name[len(docx.stem) + 1 : -len(".docx")], docx.parent / name))
    return [(what, path) for _, what, path in sorted(found)]


@contextlib.contextmanager
def _signals_held():  # noqa: ANN202
    """Hold Ctrl-C and SIGTERM while files are written and renamed (a few milliseconds): a stop
    asked for meanwhile takes effect right after, never between creating a temporary file and
    recording it for clean-up."""
    block = getattr(signal, "pthread_sigmask", None)
    if block is None:
        yield
        return
    old = block(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, old)


def write_pair(files: tuple[tuple[Path, bytes], ...]) -> None:
    """Write files as one: every temporary file first, then the renames in order. On a failure
    nothing new is left behind (a new file whose partner could not be renamed is removed when
    there was no old one); a stop signal waits until the files are written or cleaned up."""
    with _signals_held():
        _write_pair(files)


def _write_pair(files: tuple[tuple[Path, bytes], ...]) -> None:
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            temps.append((_write_temporary(path, data), path))
    except OSError as exc:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise _fail(exc, files[len(temps)][0] if len(temps) < len(files) else files[0][0]) from None
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    done: list[tuple[Path, bool]] = []
    last = len(temps) - 1
    try:
        for i, (tmp, path) in enumerate(temps):
            # whether it existed matters only if a later rename fails: not asked of the last
            existed = i < last and os.path.exists(path)
            os.replace(tmp, path)
            done.append((path, existed))
    except BaseException as exc:
        for tmp, _ in temps[len(done) :]:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for path, existed in done:
            if not existed:  # a fresh folder: no DOCX without its manifest
                with contextlib.suppress(OSError):
                    os.unlink(path)
        if isinstance(exc, OSError):
            raise _fail(exc, temps[0][1]) from None
        raise


BATCH_LOCK = ".loagen-batch.lock"
"""The file a batch locks in its output folder while it writes there (`batch_lock`)."""


@contextlib.contextmanager
def batch_lock(folder: Path) -> Iterator[Path]:
    """Hold the output folder `folder` for one batch at a time: a lock on the file
    `BATCH_LOCK` in it, which holds the process id of the batch that has it. A second batch on
    the same folder raises OutputError naming that process; a batch that died (killed, the
    machine restarted) holds nothing (the system releases a lock when its process ends), so
    the file it left is taken over. Two batches writing one folder at once would each take the
    other's DOCX for files changed since they were built. Where the system has no file locks
    (Windows), nothing is locked."""
    try:
        import fcntl  # Unix only
    except ImportError:
        yield folder / BATCH_LOCK
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    lock = Path(folder) / BATCH_LOCK
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, _FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            owner = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (process {owner})" if owner.isdigit() else ""
            raise OutputError(
                f"another batch is writing to this folder{who}; wait for it to finish or stop "
                "it, then run this one again",
                source=Path(folder),
            ) from None
        # the file may have been removed by the batch that had it, between our opening and
        # locking it: then lock the file now there instead
        try:
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield lock
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)  # removed while still locked: no other batch takes it meanwhile
        os.close(fd)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(folder: Path) -> int:
    """Remove the temporary files that runs killed before their rename left in `folder` (those
    of a run still going are left alone). Returns how many were removed."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        m = _TEMP.match(name)
        if m and not _alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(folder / name)
                removed += 1
    return removed
