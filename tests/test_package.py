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


def test_a_part_is_deflated_as_a_compressor_object_deflates_it() -> None:
    """`deflate`'s one call gives the stream a compressor object (level 1, raw) gives, for
    small parts and parts of many deflate blocks."""
    import random
    import zlib

    from loagen.rendering import package

    rng = random.Random(4)
    samples = [b"", b"<a/>", b"<w:t>x</w:t>" * 20_000]
    samples.append(bytes(rng.randrange(256) for _ in range(200_000)))
    samples.append(
        b"".join(
            rng.choice([b"<w:p>", b"text ", b"</w:p>", b"\xe2\x80\xa2"]) for _ in range(60_000)
        )
    )
    for data in samples:
        comp = zlib.compressobj(package._LEVEL, zlib.DEFLATED, -15)
        assert package.deflate(data).data == comp.compress(data) + comp.flush()
