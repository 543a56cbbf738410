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
