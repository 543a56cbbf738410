"""The DOCX package writer: a ZIP with fixed timestamps and a fixed entry order, so the same
entries always give the same bytes."""

from __future__ import annotations

import struct
from dataclasses import dataclass

import deflate as libdeflate

_FIXED_TIME = (0 << 11) | (0 << 5) | 0  # 00:00:00
_FIXED_DATE = ((1980 - 1980) << 9) | (1 << 5) | 1  # 1980-01-01


@dataclass(frozen=True)
class Entry:
    """One compressed part of the package."""

    crc: int
    size: int
    data: bytes  # raw deflate stream


_LEVEL = 1  # fast; rendered parts compress to about a tenth of their size even so


def deflate(data: bytes) -> Entry:
    """`data` as a raw deflate stream at `_LEVEL`, with its CRC-32: by libdeflate, which
    writes a document's parts in about half the time zlib takes at its fastest level, in a
    stream of about the same size (the same library version gives the same stream)."""
    return Entry(libdeflate.crc32(data), len(data), libdeflate.deflate_compress(data, _LEVEL))


_LOCAL = struct.Struct("<IHHHHHIIIHH")
"""A local file header (before each part's name and data)."""
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
"""A central directory record (before each part's name, at the end of the archive)."""


def zip_entries(entries: list[tuple[str, Entry]]) -> bytes:
    """A ZIP archive with fixed timestamps and the given order: same entries, same bytes.
    (Its pieces are joined once, at the end: each part's data is copied once.)"""
    pieces: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, entry in entries:
        raw_name = name.encode()
        header = _LOCAL.pack(
            0x04034B50, 20, 0, 8, _FIXED_TIME, _FIXED_DATE,
            entry.crc, len(entry.data), entry.size, len(raw_name), 0,
        )  # fmt: skip
        pieces += (header, raw_name, entry.data)
        central += (
            _CENTRAL.pack(
                0x02014B50, 20, 20, 0, 8, _FIXED_TIME, _FIXED_DATE,
                entry.crc, len(entry.data), entry.size, len(raw_name), 0, 0, 0, 0, 0, offset,
            ),
            raw_name,
        )  # fmt: skip
        offset += len(header) + len(raw_name) + len(entry.data)
    directory = b"".join(central)
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), offset, 0
    )
    return b"".join((*pieces, directory, end))
