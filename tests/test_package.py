"""The DOCX package writer: a valid ZIP with fixed timestamps, the same bytes for the same parts."""

from __future__ import annotations

import io
import zipfile

from loagen.rendering.package import deflate, zip_entries


def test_package_is_a_valid_zip_with_fixed_timestamps() -> None:
    data = zip_entries([("a.xml", deflate(b"<a/>")), ("b/c.xml", deflate(b"<c>" * 1000))])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert zf.namelist() == ["a.xml", "b/c.xml"]
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert zf.read("b/c.xml") == b"<c>" * 1000
    assert zip_entries([("a.xml", deflate(b"<a/>"))]) == zip_entries([("a.xml", deflate(b"<a/>"))])


def test_a_part_is_a_raw_deflate_stream_of_its_bytes() -> None:
    """`deflate` (libdeflate's) gives a raw deflate stream any inflater reads back (zlib's,
    as Word's and LibreOffice's do), with zlib's CRC-32 and the size, for small parts and
    parts of many deflate blocks; the same bytes give the same stream."""
    import random
    import zlib

    rng = random.Random(4)
    samples = [b"", b"<a/>", b"<w:t>x</w:t>" * 20_000]
    samples.append(bytes(rng.randrange(256) for _ in range(200_000)))
    samples.append(
        b"".join(
            rng.choice([b"<w:p>", b"text ", b"</w:p>", b"\xe2\x80\xa2"]) for _ in range(60_000)
        )
    )
    for data in samples:
        entry = deflate(data)
        assert zlib.decompress(entry.data, -15) == data
        assert (entry.crc, entry.size) == (zlib.crc32(data), len(data))
        assert deflate(bytes(data)).data == entry.data
