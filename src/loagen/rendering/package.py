"""The DOCX package writer: a ZIP with fixed timestamps and a fixed entry order, so the same
entries always give the same bytes."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

_FIXED_TIME = (0 << 11) | (0 << 5) | 0  # 00:00:00
_FIXED_DATE = ((1980 - 1980) << 9) | (1 << 5) | 1  # 1980-01-01


@dataclass(frozen=True)
class Entry:
    """One compressed part of the package."""

    crc: int
    size: int
    data: bytes  # raw deflate stream


_LEVEL = 1  # fast; rendered parts compress to about a fifth of their size even so


def deflate(data: bytes) -> Entry:
    comp = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    packed = comp.compress(data) + comp.flush()
    return Entry(zlib.crc32(data), len(data), packed)


def zip_entries(entries: list[tuple[str, Entry]]) -> bytes:
    """A ZIP archive with fixed timestamps and the given order: same entries, same bytes."""
    out = bytearray()
    central = bytearray()
    for name, entry in entries:
        raw_name = name.encode()
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, _FIXED_TIME, _FIXED_DATE,
            entry.crc, len(entry.data), entry.size, len(raw_name), 0,
        )  # fmt: skip
        out += raw_name + entry.data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, _FIXED_TIME, _FIXED_DATE,
            entry.crc, len(entry.data), entry.size, len(raw_name), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += raw_name
    start = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0
    )
    return bytes(out)
