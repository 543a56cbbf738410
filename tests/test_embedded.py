"""The build record inside every DOCX: written by rendering.embedded, read by case.embedded.

A DOCX carries the case files of its chain and its manifest, so `explain`, `check` and `report`
work from the DOCX alone; the record keeps the DOCX deterministic, is a valid Word package
part, and a DOCX that is not loagen's, damaged, edited or too large is refused in plain words.
"""

from __future__ import annotations

import dataclasses
import json
import re
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree
from typer.testing import CliRunner

from loagen.case import embedded as reader
from loagen.case.embedded import (
    NAMESPACE,
    SHOWN,
    is_built_document,
    load_recorded_chain,
    read_build_record,
)
from loagen.case.loading import load_chain
from loagen.cli import app
from loagen.errors import CaseError
from loagen.manifest import Manifest
from loagen.pipeline import Pipeline

from .conftest import AMENDMENT, CASES, ROOT, example, write_chain


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _record_name(parts: dict[str, bytes]) -> str:
    return next(n for n, data in parts.items() if NAMESPACE.encode() in data[:1000])


def _write_zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def _with_record(built: Path, target: Path, edit) -> Path:  # noqa: ANN001
    """A copy of `built` whose record part is `edit(record bytes)`."""
    parts = _parts(built)
    name = _record_name(parts)
    parts[name] = edit(parts[name])
    return _write_zip(target, parts)


# -- round trip ------------------------------------------------------------------------------------


def test_the_record_holds_every_case_file_of_the_chain(built: Path) -> None:
    record = read_build_record(built)
    on_disk = [CASES / "BN-D-QAA" / "basic.json", AMENDMENT]
    assert [f.name for f in record.files] == ["basic.json", "amendment-1.json"]
    assert [f.data for f in record.files] == [p.read_bytes() for p in on_disk]
    manifest = Manifest.from_json(record.manifest)
    assert [i.path for i in manifest.dependencies.inputs] == ["basic.json", "amendment-1.json"]
    assert manifest.dependencies.template == "amendment.docx"
    assert manifest.docx_sha256 == ""  # nothing that depends on the DOCX bytes
    assert manifest.dependencies.library_digest == ""  # nor what a library-only edit changes
    beside = Manifest.from_json((built.parent / "BN-D-QAA-amendment-1.manifest.json").read_bytes())
    # the note file hashes too: a library edit that prints the same text keeps the DOCX
    assert [n.sha256 for n in manifest.notes] == [""] * len(beside.notes)
    assert [dataclasses.replace(n, sha256="") for n in beside.notes] == list(manifest.notes)
    assert manifest.selection_digest == beside.selection_digest
    assert manifest.findings == beside.findings and manifest.totals == beside.totals


def test_the_recorded_chain_is_the_chain_of_the_case_files(built: Path) -> None:
    from_docx = load_recorded_chain(built)
    from_files = load_chain(AMENDMENT)
    assert [f.sha256 for f in from_docx] == [f.sha256 for f in from_files]
    assert [f.case for f in from_docx] == [f.case for f in from_files]
    assert from_docx[-1].path == built / "amendment-1.json"  # named inside the DOCX


def test_any_case_text_survives_byte_for_byte(pipeline: Pipeline, tmp_path: Path) -> None:
    """YAML with comments, CRLF line ends, a byte-order mark, accents and markup characters."""
    data = example("BN-B-ZEA/basic")
    data["nickname"] = 'Radar <spares> & "tools" — Señor Ødegård'
    text = "\ufeff# a writer's comment\r\n" + json.dumps(data, ensure_ascii=False, indent=1)
    path = tmp_path / "case" / "basic.yaml"
    path.parent.mkdir()
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    result = pipeline.build(path, tmp_path / "out")
    record = read_build_record(result.docx_path)
    assert record.files[0].data == path.read_bytes()
    assert load_recorded_chain(result.docx_path)[0].case.nickname == data["nickname"]


def test_a_docx_rebuilt_from_its_record_is_byte_identical(
    pipeline: Pipeline, built: Path, tmp_path: Path
) -> None:
    again = pipeline.build(built, tmp_path).docx_path
    assert again.read_bytes() == built.read_bytes()


def test_the_same_case_files_anywhere_give_the_same_docx(pipeline: Pipeline, tmp_path: Path):
    a = write_chain(tmp_path / "a", example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1"))
    b = write_chain(tmp_path / "elsewhere" / "b", example("BN-D-QAA/basic"),
                    example("BN-D-QAA/amendment-1"))  # fmt: skip
    one = pipeline.build(a, tmp_path / "out1").docx_path.read_bytes()
    two = pipeline.build(b, tmp_path / "out2").docx_path.read_bytes()
    assert one == two


# -- a valid Word package ------------------------------------------------------------------------------


def test_the_record_is_a_proper_custom_xml_part(built: Path) -> None:
    parts = _parts(built)
    name = _record_name(parts)
    number = re.fullmatch(r"customXml/item(\d+)\.xml", name).group(1)
    template = _parts(ROOT / "templates" / "amendment.docx")
    own = {n for n in template if re.fullmatch(r"customXml/item\d+\.xml", n)}
    assert own <= set(parts)  # the template's own custom XML (if any) is kept
    free = next(i for i in range(1, 100) if f"customXml/item{i}.xml" not in own)
    assert number == str(free)  # the record takes the first number the template does not use
    types = etree.fromstring(parts["[Content_Types].xml"])
    overrides = {o.get("PartName"): o.get("ContentType") for o in types}
    assert overrides[f"/customXml/itemProps{number}.xml"].endswith("customXmlProperties+xml")
    rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
    targets = [r.get("Target") for r in rels if r.get("Type").endswith("/customXml")]
    assert f"../customXml/item{number}.xml" in targets
    assert len({r.get("Id") for r in rels}) == len(rels)  # no relationship id used twice
    item_rels = etree.fromstring(parts[f"customXml/_rels/item{number}.xml.rels"])
    assert item_rels[0].get("Target") == f"itemProps{number}.xml"
    props = parts[f"customXml/itemProps{number}.xml"]
    assert NAMESPACE.encode() in props
    ids = re.findall(rb'itemID="(\{[0-9A-F-]+\})"', b"".join(parts.values()))
    assert len(ids) == len(set(ids)) == 1 + len(own)
    assert docx.Document(str(built)).paragraphs  # python-docx opens it


# -- refused -----------------------------------------------------------------------------------


def test_a_docx_not_built_by_loagen_says_so(tmp_path: Path) -> None:
    plain = tmp_path / "letter.docx"
    docx.Document().save(str(plain))
    with pytest.raises(CaseError, match="carries no loagen build record") as info:
        load_recorded_chain(plain)
    assert "give its case file" in info.value.message
    result = CliRunner().invoke(app, ["check", str(plain)])
    assert result.exit_code == 3 and "not built by loagen" in result.output


def test_a_file_that_is_not_a_word_document(tmp_path: Path) -> None:
    fake = tmp_path / "notes.docx"
    fake.write_text("just text")
    with pytest.raises(CaseError, match="not a Word document"):
        read_build_record(fake)
    with pytest.raises(CaseError, match="document not found"):
        read_build_record(tmp_path / "missing.docx")


def test_an_edited_case_file_in_the_record_is_refused(built: Path, tmp_path: Path) -> None:
    edited = _with_record(
        built, tmp_path / "edited.docx", lambda x: x.replace(b"C-130J", b"C-130H", 1)
    )
    with pytest.raises(CaseError, match="damaged or was edited .*does not match its recorded hash"):
        load_recorded_chain(edited)


def test_a_record_with_a_dtd_is_refused(built: Path, tmp_path: Path) -> None:
    def add_dtd(data: bytes) -> bytes:
        head, _, rest = data.partition(b"?>")
        return head + b'?><!DOCTYPE build [<!ENTITY x "y">]>' + rest

    with pytest.raises(CaseError, match="DTD or entities"):
        read_build_record(_with_record(built, tmp_path / "dtd.docx", add_dtd))


def test_a_record_from_a_newer_loagen_asks_for_an_update(built: Path, tmp_path: Path) -> None:
    newer = _with_record(built, tmp_path / "newer.docx",
                         lambda x: x.replace(b'format="1"', b'format="9"', 1))  # fmt: skip
    with pytest.raises(CaseError, match="built by a newer loagen .*update loagen"):
        read_build_record(newer)


def test_a_broken_chain_in_the_record_is_refused(built: Path, tmp_path: Path) -> None:
    def drop_basic(data: bytes) -> bytes:
        root = etree.fromstring(data)
        root.remove(root.findall(reader.CASE)[0])
        return etree.tostring(root)

    with pytest.raises(CaseError, match="names a previous document it does not hold"):
        load_recorded_chain(_with_record(built, tmp_path / "broken.docx", drop_basic))


def test_oversized_documents_and_parts_are_refused(
    built: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(reader, "DOCX_LIMIT", 1000)
    with pytest.raises(CaseError, match="at most 1,000 are read"):
        read_build_record(built)
    monkeypatch.undo()
    monkeypatch.setattr(reader, "RECORD_LIMIT", 1000)
    with pytest.raises(CaseError, match=r"would expand to [\d,]+ bytes \(at most 1,000"):
        read_build_record(built)
    monkeypatch.undo()
    monkeypatch.setattr(reader, "MAX_PARTS", 5)
    with pytest.raises(CaseError, match=r"holds \d+ parts; a Word document has far fewer"):
        read_build_record(built)


def test_a_part_larger_than_it_says_is_not_expanded_past_the_limit(
    built: Path, tmp_path: Path, monkeypatch
) -> None:
    """A zip bomb: the part's header claims a small size; reading stops at the limit."""
    parts = _parts(built)
    name = _record_name(parts)
    parts[name] = parts[name] + b"<!--" + b" " * 5_000_000 + b"-->"
    bomb = _write_zip(tmp_path / "bomb.docx", parts)
    raw = bytearray(bomb.read_bytes())
    # lower the expanded size recorded in the central directory entry of the record part
    at = raw.rfind(b"PK\x01\x02", 0, raw.rfind(name.encode()))
    raw[at + 24 : at + 28] = (1000).to_bytes(4, "little")
    bomb.write_bytes(bytes(raw))
    monkeypatch.setattr(reader, "RECORD_LIMIT", 100_000)
    with pytest.raises(CaseError, match="larger than it says|cannot be read"):
        read_build_record(bomb)


def test_is_built_document_goes_by_the_name() -> None:
    assert is_built_document(Path("x/BN-D-QAA-basic.DOCX"))
    assert not is_built_document(Path("basic.json"))


def test_what_the_record_holds_is_readable_text(built: Path) -> None:
    """A reviewer who unzips the DOCX finds the case files as text, not as an opaque blob."""
    parts = _parts(built)
    root = etree.fromstring(parts[_record_name(parts)])
    case = root.findall(reader.CASE)[-1]
    assert case.get("encoding") == "text"
    assert json.loads(case.text)["document"]["kind"] == "Amendment"


def test_explain_and_check_from_a_docx_equal_those_from_its_case_file(
    built: Path, monkeypatch
) -> None:
    monkeypatch.setenv("LOAGEN_PROJECT", str(ROOT))
    runner = CliRunner()
    for args in (["explain"], ["explain", "--all"], ["explain", "--carried"],
                 ["explain", "--note", "SOLE-SOURCE-FMS"]):  # fmt: skip
        from_case = runner.invoke(app, [*args, str(AMENDMENT)])
        from_docx = runner.invoke(app, [*args, str(built)])
        assert from_case.exit_code == from_docx.exit_code == 0, from_docx.output
        assert from_docx.output == from_case.output
    as_json = [
        json.loads(runner.invoke(app, ["explain", "--json", str(p)]).output)
        for p in (AMENDMENT, built)
    ]
    assert as_json[0] == as_json[1]
    checked = [
        json.loads(runner.invoke(app, ["check", "--json", str(p)]).output)["documents"][0]
        for p in (AMENDMENT, built)
    ]
    for one in checked:
        one.pop("path")
    assert checked[0] == checked[1]


def test_explain_and_check_read_a_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LOAGEN_PROJECT", str(ROOT))
    folder = tmp_path / "cases"
    write_chain(folder / "qaa", example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1"))
    write_chain(folder / "zea", example("BN-B-ZEA/basic"))
    runner = CliRunner()
    explained = json.loads(runner.invoke(app, ["explain", "--json", str(folder)]).output)
    # a case's documents in the order they were written
    assert [(d["case"], d["document"]) for d in explained["documents"]] == [
        ("BN-D-QAA", "Basic"), ("BN-D-QAA", "Amendment 1"), ("BN-B-ZEA", "Basic"),
    ]  # fmt: skip
    text = runner.invoke(app, ["explain", "--carried", str(folder)])
    assert text.exit_code == 0
    assert text.output.count("notes printed") == 3
    checked = json.loads(runner.invoke(app, ["check", "--json", str(folder)]).output)
    assert len(checked["documents"]) == 3 and all(d["loaded"] for d in checked["documents"])
    (folder / "zea" / "broken.json").write_text('{"case_id": ')  # one broken document
    text = runner.invoke(app, ["explain", "--carried", str(folder)])
    assert text.exit_code == 3
    assert text.output.count("notes printed") == 3 and "broken.json" in text.output
    explained = json.loads(runner.invoke(app, ["explain", "--json", str(folder)]).output)
    assert [d.get("error", "") for d in explained["documents"]].count("") == 3
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "a.docx").write_bytes(b"")
    result = runner.invoke(app, ["check", str(empty)])
    assert result.exit_code == 3
    assert "no case files in this folder" in result.output and "name them" in result.output


def test_an_ascii_case_file_is_checked_for_xml_as_the_pattern_checks_it() -> None:
    """Whether a case file is recorded as text: its bytes checked when they are ASCII, the
    same answer as the pattern over its text."""
    from loagen.rendering.embedded import _NOT_XML, _xml_can_hold

    samples = [chr(i) for i in range(128)] + ["\u00e9", "\ufffe", "\ud7ff", "\U00010000"]
    for char in samples:
        text = f'{{"a": "x{char}y"}}\n'
        data = text.encode("utf-8")
        assert _xml_can_hold(data, text) == (_NOT_XML.search(text) is None), repr(char)


def test_a_record_of_plain_files_is_written_as_lxml_writes_it() -> None:
    """An ASCII manifest and case files are written directly, byte for byte as lxml writes
    them; anything else (a carriage return, other characters, an odd file name) by lxml."""
    import hashlib

    from loagen.rendering import embedded

    def file(name: str, data: bytes) -> tuple[str, str, bytes]:
        return name, hashlib.sha256(data).hexdigest(), data

    plain = [file("a.json", b'{"a": "x & <y> \'z\'"}\n\t'), file("b.json", b"")]
    assert embedded._ascii_record(b'{"m": "<&>"}', plain) == embedded._record(
        b'{"m": "<&>"}', plain
    )
    for odd in (
        [file("a.json", b"a\r\nb")],
        [file("a.json", "\u00e9".encode())],
        [file('a"b.json', b"x")],
        [file("a.json", b"\x01")],
    ):
        assert embedded._ascii_record(b"{}", odd) is None
        assert embedded.build_record(b"{}", odd) == embedded._record(b"{}", odd)
    assert embedded._ascii_record(b"\r", plain) is None


def test_the_characters_the_record_refuses_are_exactly_those_xml_cannot_hold() -> None:
    from loagen.rendering.embedded import _NOT_XML

    def xml_char(c: int) -> bool:  # XML 1.0, production [2] Char
        return (
            c in (0x9, 0xA, 0xD)
            or 0x20 <= c <= 0xD7FF
            or 0xE000 <= c <= 0xFFFD
            or 0x10000 <= c <= 0x10FFFF
        )

    edges = {0, 0x8, 0x9, 0xA, 0xB, 0xC, 0xD, 0xE, 0x1F, 0x20, 0x7F, 0x85, 0xD7FF, 0xD800}
    edges |= {0xDFFF, 0xE000, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x10FFFF}
    for c in sorted(edges | set(range(0, 0x110000, 977))):
        assert (_NOT_XML.search(chr(c)) is None) == xml_char(c), hex(c)


def test_case_file_bytes_are_checked_against_their_hash_every_time_they_could_differ() -> None:
    """A case file whose bytes were checked once is not hashed again (the same bytes object);
    other bytes claiming that hash are still refused."""
    import hashlib

    from loagen.rendering import embedded

    data = b'{"case": 1}\n'
    sha = hashlib.sha256(data).hexdigest()
    assert embedded._check("a.json", sha, data) == data
    assert embedded._CHECKED[sha][0] is data
    assert embedded._check("a.json", sha, data) == data
    forged = bytearray(data)
    forged[2] = ord("C")
    with pytest.raises(ValueError, match="case file b.json are not those it was loaded from"):
        embedded._check("b.json", sha, bytes(forged))
    with pytest.raises(ValueError, match="case file c.json"):
        embedded._check("c.json", hashlib.sha256(b"other").hexdigest(), data)


@pytest.mark.parametrize(
    "data",
    [b'{"a": "x & <y> z"}\n', b'{"a": "line\r\nbreak"}', '{"a": "caf\u00e9"}'.encode(), b"{\x01}"],
)
def test_a_case_file_is_written_as_it_was_the_first_time_it_was_checked(data: bytes) -> None:
    """The text of a case file remembered from its first record (escaped, or None for the
    files lxml writes) is what it is worked out to be, the first time and after."""
    import hashlib

    from loagen.rendering import embedded

    sha = hashlib.sha256(data).hexdigest()
    embedded._CHECKED.pop(sha, None)
    plain = data.isascii() and b"\r" not in data and b"\x01" not in data
    expected = embedded._escaped(data) if plain else None
    assert embedded._check("a.json", sha, data) == expected
    assert embedded._check("a.json", sha, data) == expected
    files = [("a.json", sha, data)]
    assert embedded.build_record(b"{}", files) == embedded._record(b"{}", files)


# -- a document changed after it was built ------------------------------------------------------


def _edited(built: Path, target: Path, part: str, old: bytes, new: bytes) -> Path:
    """A copy of `built` with `old` replaced by `new` in `part`, zipped anew (as Word saves)."""
    parts = _parts(built)
    assert old in parts[part], part
    parts[part] = parts[part].replace(old, new, 1)
    return _write_zip(target, parts)


@pytest.fixture
def own_docx(pipeline: Pipeline, tmp_path: Path) -> Path:
    """The DOCX of a case of my own making."""
    basic = dict(example("BN-P-WRS/basic"), case_id="BN-P-XYZ")
    path = write_chain(tmp_path / "cases", basic)
    result = pipeline.build(path, tmp_path / "out", allow_errors=True)
    return result.docx_path


def test_a_docx_as_built_reads_unchanged_and_records_what_it_shows(
    own_docx: Path, pipeline: Pipeline, tmp_path: Path
) -> None:
    assert read_build_record(own_docx).changed is False
    record = etree.fromstring(_parts(own_docx)[_record_name(_parts(own_docx))])
    assert re.fullmatch(r"[0-9a-f]{64}", record.find(SHOWN).get("sha256"))
    # deterministic: the same case file gives the same bytes, digest included
    again = pipeline.build(own_docx.parent.parent / "cases" / "basic.json", tmp_path / "again",
                           allow_errors=True).docx_path  # fmt: skip
    assert again.read_bytes() == own_docx.read_bytes()


def test_an_edit_to_the_body_or_a_footer_reads_as_changed(own_docx: Path, tmp_path: Path) -> None:
    body = _edited(own_docx, tmp_path / "body.docx", "word/document.xml", b"$", b"$9")
    assert read_build_record(body).changed is True
    footer = next(n for n in _parts(own_docx) if re.match(r"word/footer\d*\.xml$", n))
    foot = _edited(own_docx, tmp_path / "foot.docx", footer, b"</w:t>", b" (copy)</w:t>")
    assert read_build_record(foot).changed is True
    # zipped anew without an edit: what it shows is the same
    same = _write_zip(tmp_path / "same.docx", _parts(own_docx))
    assert read_build_record(same).changed is False


def test_a_docx_built_before_the_digest_reads_as_before(own_docx: Path, tmp_path: Path) -> None:
    old = _with_record(own_docx, tmp_path / "old.docx",
                       lambda r: re.sub(rb'<shown sha256="[0-9a-f]+"/>\n', b"", r))  # fmt: skip
    edited = _edited(old, tmp_path / "old-edited.docx", "word/document.xml", b"$", b"$9")
    assert read_build_record(edited).changed is False
    bad = _with_record(own_docx, tmp_path / "bad.docx",
                       lambda r: re.sub(rb'sha256="[0-9a-f]+"/>', b'sha256="x"/>', r))  # fmt: skip
    with pytest.raises(CaseError, match="its digest of the document's text"):
        read_build_record(bad)


def test_check_explain_report_and_diff_say_a_docx_was_changed_after_it_was_built(
    own_docx: Path, tmp_path: Path, monkeypatch
) -> None:
    edited = _edited(own_docx, tmp_path / "edited.docx", "word/document.xml", b"$", b"$9")
    said = (
        "edited.docx was changed after loagen built it (in Word or another program): what "
        "follows is about the document as loagen built it, not as it reads now"
    )
    monkeypatch.setenv("LOAGEN_PROJECT", str(ROOT))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for command in ("check", "explain", "package"):
        result = runner.invoke(app, [command, str(edited)])
        assert said in " ".join(result.stderr.split()), result.output
        clean = runner.invoke(app, [command, str(own_docx)])
        assert "changed after loagen built it" not in clean.output
    checked = json.loads(runner.invoke(app, ["check", "--json", str(edited)]).stdout)
    assert checked["documents"][0]["changed_after_build"] == said
    listed = json.loads(runner.invoke(app, ["package", "--json", str(edited)]).stdout)
    assert listed["documents"][0]["changed_after_build"] == said
    diff = runner.invoke(app, ["diff", str(own_docx), str(edited)])
    text = " ".join(diff.stdout.split())
    assert f"Warning: {said}; the differences in its text are not listed here" in text
    assert "no differences between the documents as loagen built them" in text
    plain = runner.invoke(app, ["diff", str(own_docx), str(own_docx)]).stdout
    assert "Warning" not in plain and "  no differences\n" in plain
    report = runner.invoke(app, ["report", str(edited), "-o", str(tmp_path / "r")])
    assert report.exit_code in (0, 1), report.output
    page = next((tmp_path / "r").glob("*.html")).read_text()
    assert said in " ".join(page.split())
