"""Reading input files: only regular files, never more than a size limit, errors in plain words.

Every file loagen reads (case files, note files, templates, the Standard Terms, manifests)
comes through `read_limited`, so a device, a FIFO, a folder or a huge file is refused before it
is read, and nothing is read past the limit for its kind (`LIMITS`, printed in the README).
Files a writer makes (case files, tables, column maps) are read as text by `text_of`.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from .errors import LoagenError

MB = 1024 * 1024
LIMITS = {
    "case file": 5 * MB,
    "note file": 1 * MB,
    "template": 20 * MB,
    "terms file": 2 * MB,
    "manifest": 2 * MB,
    "note index": 2 * MB,
    "spreadsheet": 20 * MB,
}
"""Largest file of each kind loagen reads, in bytes."""


def read_limited(
    path: Path, what: str, error: type[LoagenError], *, limit: int | None = None
) -> bytes:
    """The bytes of the regular file at `path` (a `what`: "case file" ...), raising `error` for
    a missing file, a folder, a device or FIFO, or a file over its size limit."""
    limit = LIMITS[what] if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise error(f"{what} not found", source=path) from None
    except IsADirectoryError:
        raise error(f"this is a folder, not a {what}", source=path) from None
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror}", source=path) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"this is a folder, not a {what}", source=path)
        if not stat.S_ISREG(info.st_mode):
            raise error(
                f"this is not a regular file (a device, a pipe or a socket), not a {what}",
                source=path,
            )
        if info.st_size > limit:
            raise error(
                f"the {what} is {info.st_size:,} bytes; at most {limit:,} are read", source=path
            )
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror}", source=path) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error(f"the {what} is larger than {limit:,} bytes; nothing more is read", source=path)
    return data


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def text_of(raw: bytes) -> str:
    """The text of a file read as bytes: UTF-8 (a byte order mark dropped), or UTF-16 when the
    file starts with its byte order mark (what Excel's "Unicode Text" and Windows PowerShell 5
    write). Raises UnicodeDecodeError for bytes that are neither."""
    if raw.startswith(_UTF16_BOMS):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")
