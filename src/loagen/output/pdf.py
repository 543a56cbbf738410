"""DOCX to PDF with LibreOffice headless: one `soffice` process converts a folder's documents."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import ToolError

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
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
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
