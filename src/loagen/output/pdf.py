"""DOCX to PDF with LibreOffice headless: one `soffice` process converts a folder's documents;
the number of pages of a PDF, read from its page tree (no PDF library, no poppler)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterable
from pathlib import Path

from ..errors import ToolError
from ..reading import read_limited

SOFFICE_NAMES = ("soffice", "libreoffice")


def find_soffice() -> str:
    """The LibreOffice program: $LOAGEN_SOFFICE, else `soffice` or `libreoffice` on the PATH."""
    env = os.environ.get("LOAGEN_SOFFICE")
    if env:
        return env
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ToolError(
        "cannot make PDF files: LibreOffice is not installed (no `soffice` on the PATH). "
        "Install it (e.g. `apt-get install libreoffice-writer-nogui`), set LOAGEN_SOFFICE to the "
        "soffice program, or leave out --pdf; the DOCX files were written"
    )


def convert_to_pdf(docx_paths: Iterable[Path], *, timeout: float | None = None) -> list[Path]:
    """Convert each DOCX to a PDF beside it; return the PDF paths in the order given.

    One `soffice --headless --convert-to pdf` call per output folder converts all of its
    documents (LibreOffice starts once: about 0.3 s a document instead of 1.3 s). Each PDF is
    written to a scratch folder first and renamed into place, so a PDF is always complete.
    """
    paths = [Path(p) for p in docx_paths]
    if not paths:
        return []
    soffice = find_soffice()
    by_folder: dict[Path, list[Path]] = {}
    for path in paths:
        by_folder.setdefault(path.resolve().parent, []).append(path)
    for folder, group in by_folder.items():
        _convert_folder(soffice, folder, group, timeout)
    return [p.with_suffix(".pdf") for p in paths]


def _convert_folder(soffice: str, folder: Path, docs: list[Path], timeout: float | None) -> None:
    with (
        tempfile.TemporaryDirectory(prefix=".loagen-pdf-", dir=folder) as scratch,
        tempfile.TemporaryDirectory(prefix="loagen-soffice-profile-") as profile,
    ):
        # A private profile: a LibreOffice the user has open would otherwise take the job
        # and return at once, and two conversions at the same time would share one lock.
        command = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            scratch,
            *(str(d.resolve()) for d in docs),
        ]
        try:
            done = _run_in_own_group(command, timeout)
        except FileNotFoundError:
            raise ToolError(f"cannot run LibreOffice: {soffice} not found") from None
        except subprocess.TimeoutExpired:
            raise ToolError(
                f"LibreOffice did not finish converting {len(docs)} document(s) in {folder} "
                f"within {timeout:.0f} s"
            ) from None
        missing = []
        for doc in docs:
            made = Path(scratch) / (doc.stem + ".pdf")
            if made.is_file() and made.stat().st_size > 0:
                os.replace(made, doc.with_suffix(".pdf"))
            else:
                missing.append(doc)
        if missing:
            detail = (done.stderr or done.stdout or "").strip()
            names = ", ".join(str(m) for m in missing)
            raise ToolError(
                f"LibreOffice did not convert {names} (exit status {done.returncode})"
                + (f": {detail}" if detail else "")
            )


def _run_in_own_group(command: list[str], timeout: float | None) -> subprocess.CompletedProcess:
    """Run `command` in a process group of its own and wait for it. Stopped meanwhile (Ctrl-C,
    SIGTERM, the time-out), every process of the group is ended before this returns, so that
    the scratch and profile folders can be removed: `soffice` is a launcher whose converting
    program (`soffice.bin`) is a child of its own, which ending the launcher alone leaves
    running, writing PDFs into the scratch folder."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=hasattr(os, "killpg"),  # a terminal's Ctrl-C is loagen's to handle
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except BaseException:
        _end_group(process)
        raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


GROUP_GONE_WITHIN = 5.0
"""Seconds given the processes of a stopped conversion to be gone after they are killed."""


def _end_group(process: subprocess.Popen) -> None:
    """Kill `process` and every process of its group, and wait until they are gone."""
    killpg = getattr(os, "killpg", None)
    if killpg is None:
        process.kill()
        process.wait()
        return
    with contextlib.suppress(ProcessLookupError):
        killpg(process.pid, signal.SIGKILL)
    process.communicate()  # reaps it; the pipes close as the group dies
    deadline = time.monotonic() + GROUP_GONE_WITHIN
    while time.monotonic() < deadline:
        try:
            killpg(process.pid, 0)  # any process of the group left (not yet reaped)?
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.02)


def pdf_up_to_date(docx: Path) -> bool:
    """Whether the PDF beside `docx` exists and is not older than it."""
    try:
        return docx.with_suffix(".pdf").stat().st_mtime >= docx.stat().st_mtime
    except OSError:
        return False


def keep_current(pdf: Path) -> None:
    """Mark `pdf` as made after its DOCX (its modification time now), when the DOCX was written
    again with nothing a layout shows changed (only the stored page count): the PDF is still the
    DOCX's layout, and an incremental batch must not convert it again."""
    now = time.time()
    try:
        os.utime(pdf, (now, now))
    except OSError as exc:
        raise ToolError(f"cannot update the time of {pdf}: {exc.strerror}") from None


# -- the number of pages of a PDF -------------------------------------------------------------------

PDF_LIMIT = 512 * 1024 * 1024
"""Largest PDF whose pages are counted (bytes)."""
_OBJECT = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_LENGTH = re.compile(rb"/Length\s+(\d+)(\s+\d+\s+R)?")
_ROOT = re.compile(rb"/Root\s+(\d+)\s+\d+\s+R")
_PAGES = re.compile(rb"/Pages\s+(\d+)\s+\d+\s+R")
_COUNT = re.compile(rb"/Count\s+(\d+)(\s+\d+\s+R)?")
_INTEGER = re.compile(rb"^\s*(\d+)\s*$")


def pdf_page_count(path: Path) -> int:
    """The number of pages of the PDF at `path`: the /Count of the root of its page tree (the
    document catalog's /Pages), reading objects written plainly or packed in object streams,
    and the newest definition of each (a PDF may be updated by appending). Raises ToolError when
    the file is not a PDF whose page count can be read."""
    data = read_limited(path, "PDF", ToolError, limit=PDF_LIMIT)
    if not data.startswith(b"%PDF-"):
        raise ToolError(f"{path} is not a PDF file")
    try:
        return _page_count(data)
    except (ValueError, LookupError, zlib.error) as exc:
        raise ToolError(f"cannot read the number of pages of {path}: {exc}") from None


def _page_count(data: bytes) -> int:
    objects, dictionaries = _objects(data)
    roots = [int(m.group(1)) for m in _ROOT.finditer(dictionaries)]
    for root in reversed(roots):  # the newest trailer names the catalog in force
        catalog = objects.get(root)
        if catalog is None or b"/Catalog" not in catalog:
            continue
        pages = _PAGES.search(catalog)
        if pages is None:
            raise ValueError("its catalog names no page tree")
        tree = objects.get(int(pages.group(1)))
        if tree is None:
            raise ValueError("its page tree is missing")
        count = _COUNT.search(tree)
        if count is None:
            raise ValueError("its page tree has no /Count")
        if count.group(2):  # /Count n 0 R: the number is an object of its own
            value = _INTEGER.match(objects.get(int(count.group(1)), b""))
            if value is None:
                raise ValueError("its page count is not a number")
            return int(value.group(1))
        return int(count.group(1))
    raise ValueError("no document catalog found")


def _objects(data: bytes) -> tuple[dict[int, bytes], bytes]:
    """Every object of `data` by number (the dictionary part of a stream object; the last
    definition wins), and the trailer and cross-reference stream dictionaries joined, where
    /Root is named. Streams are skipped by their /Length, so bytes inside them are never read
    as objects."""
    objects: dict[int, tuple[int, bytes]] = {}
    packed: list[tuple[int, bytes, bytes]] = []
    trailers: list[bytes] = []
    at = 0
    while True:
        m = _OBJECT.search(data, at)
        if m is None:
            break
        for trailer in re.finditer(rb"trailer\s*(<<.*?>>)", data[at : m.start()], re.S):
            trailers.append(trailer.group(1))
        start = m.end()
        end = data.find(b"endobj", start)
        if end < 0:
            end = len(data)
        stream = data.find(b"stream", start, end)
        if stream < 0:
            objects[int(m.group(1))] = (start, data[start:end])
            at = end + 6
            continue
        head = data[start:stream]
        body_start = stream + len(b"stream")
        body_start += 2 if data[body_start : body_start + 2] == b"\r\n" else 1
        length = _LENGTH.search(head)
        if length is not None and not length.group(2):
            body_end = body_start + int(length.group(1))
        else:
            body_end = data.find(b"endstream", body_start)
            if body_end < 0:
                raise ValueError("a stream has no end")
        objects[int(m.group(1))] = (start, head)
        if b"/XRef" in head:
            trailers.append(head)
        if b"/ObjStm" in head:
            packed.append((start, head, data[body_start:body_end]))
        end = data.find(b"endobj", body_end)
        at = (end if end >= 0 else body_end) + 6
    trailers.extend(re.findall(rb"trailer\s*(<<.*?>>)", data[at:], re.S))
    for where, head, body in packed:
        for number, text in _unpacked(head, body).items():
            if number not in objects or objects[number][0] < where:  # the newer definition
                objects[number] = (where, text)
    return {number: text for number, (_, text) in objects.items()}, b"\n".join(trailers)


def _unpacked(head: bytes, body: bytes) -> dict[int, bytes]:
    """The objects of an object stream (PDF 1.5): `head` its dictionary, `body` its data."""
    if b"/FlateDecode" in head:
        body = zlib.decompress(body)
    elif b"/Filter" in head:
        raise ValueError("an object stream is compressed in a way not read here")
    count = re.search(rb"/N\s+(\d+)", head)
    first = re.search(rb"/First\s+(\d+)", head)
    if count is None or first is None:
        raise ValueError("an object stream without /N or /First")
    offset = int(first.group(1))
    numbers = [int(n) for n in body[:offset].split()]
    pairs = list(zip(numbers[0::2], numbers[1::2], strict=False))[: int(count.group(1))]
    out = {}
    for i, (number, start) in enumerate(pairs):
        stop = pairs[i + 1][1] if i + 1 < len(pairs) else len(body) - offset
        out[number] = body[offset + start : offset + stop]
    return out
