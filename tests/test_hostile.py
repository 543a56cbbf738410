"""Hostile and careless input, written as the attack or the mistake itself: each gives a clear
error (exit code, no traceback, nothing of a refused file quoted) in bounded time and memory,
and writes nothing it should not.

The command line runs in a child process with a memory cap and a time-out, so a regression
that hangs or fills memory fails the test instead of the machine."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, example, write_chain

MEMORY_CAP = 1536 * 1024 * 1024
TIME_OUT = 120


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def loagen(*args: str, project: Path = ROOT, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOAGEN_PROJECT": str(project)}
    return subprocess.run(
        [sys.executable, "-m", "loagen", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=TIME_OUT, preexec_fn=_cap,
    )  # fmt: skip


def refused(result: subprocess.CompletedProcess, code: int, *words: str) -> str:
    text = result.stdout + result.stderr
    assert result.returncode == code, text
    assert "Traceback" not in text, text
    for word in words:
        assert word in text, text
    return text


# -- the previous chain stays in the case folder --------------------------------------------------


def _amendment(folder: Path, previous: str) -> Path:
    path = write_chain(folder, example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1"))
    data = json.loads(path.read_text())
    data["document"]["previous"] = previous
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    "previous",
    ["../../../../../../etc/passwd", "/etc/passwd", "/proc/self/environ", "/dev/zero",
     "sub/basic.json", "..", "."],
)  # fmt: skip
def test_previous_outside_the_case_folder_is_refused_unread(tmp_path: Path, previous: str):
    path = _amendment(tmp_path / "case", previous)
    text = refused(loagen("build", str(path), "-o", str(tmp_path / "out")), 3, "document.previous")
    assert "root:" not in text and "PATH=" not in text
    assert not (tmp_path / "out").exists()


def test_a_link_leading_out_of_the_folder_is_refused(tmp_path: Path):
    outside = tmp_path / "secret.json"
    outside.write_text('{"password": "hunter2"}')
    path = _amendment(tmp_path / "case", "basic-link.json")
    (tmp_path / "case" / "basic-link.json").symlink_to(outside)
    text = refused(loagen("build", str(path), "-o", str(tmp_path / "out")), 3, "leads out")
    assert "hunter2" not in text


@pytest.mark.parametrize("kind", ["fifo", "folder", "nul"])
def test_a_previous_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str):
    folder = tmp_path / "case"
    if kind == "nul":
        path = _amendment(folder, "basic\x00.json")
        refused(loagen("build", str(path), "-o", str(tmp_path / "out")), 3, "not a file name")
        return
    path = _amendment(folder, "odd.json")
    if kind == "fifo":
        os.mkfifo(folder / "odd.json")
    else:
        (folder / "odd.json").mkdir()
    refused(loagen("build", str(path), "-o", str(tmp_path / "out")), 3)


def test_a_huge_case_file_is_not_read_past_its_limit(tmp_path: Path):
    path = tmp_path / "big.json"
    with path.open("w") as fh:
        fh.write('{"case_id": "')
        fh.write("A" * (6 * 1024 * 1024))
        fh.write('"}')
    refused(loagen("check", str(path)), 3, "at most")


# -- YAML and JSON that would grow without bound ---------------------------------------------------

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
case_id: *h
"""


def test_a_yaml_alias_bomb_is_refused(tmp_path: Path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    text = refused(loagen("check", str(path)), 3, "aliases")
    assert len(text) < 2000


def test_an_aliased_list_of_lines_is_refused(tmp_path: Path):
    data = example("BN-D-QAA/basic")
    import yaml

    text = yaml.safe_dump({**data, "lines": None}, sort_keys=False)
    text = text.replace(
        "lines: null", "spare: &l\n  - " + json.dumps(data["lines"][0]) + "\nlines: *l"
    )
    path = tmp_path / "lines.yaml"
    path.write_text(text)
    refused(loagen("check", str(path)), 3, "aliases")


def test_a_yaml_merge_key_is_refused(tmp_path: Path):
    path = tmp_path / "merge.yaml"
    path.write_text("base: &b {program: FMS}\ncase:\n  <<: *b\n")
    refused(loagen("check", str(path)), 3)


@pytest.mark.parametrize(
    ("key", "words"),
    [("? [a, b]\n: x", "the key is a list"), ("{a: 1}: x", "the key is an object"),
     ("2031-07-04: x", "the key 2031-07-04 is a date"), ("17: x", "the key 17 is a number"),
     ("false: x", "the key false is a yes/no value"), ("~: x", "the key ~ is read as empty"),
     ("lines:\n- ? [q]\n  : x", "the key is a list")],
)  # fmt: skip
def test_a_yaml_key_that_is_not_a_word_is_refused_with_its_line(
    tmp_path: Path, key: str, words: str
):
    import yaml

    data = example("BN-B-TAB/basic")
    text = yaml.safe_dump(data, sort_keys=False)
    if key.startswith("lines:"):  # an item of a list: the first item of lines becomes it
        text = text.replace("lines:\n- ", key + "\n  ", 1)
    else:
        text += key + "\n"
    path = tmp_path / "basic.yaml"
    path.write_text(text)
    bad = next(part for part in key.splitlines() if part != "lines:")
    line = text.splitlines().index(bad) + 1
    out = refused(loagen("check", str(path)), 3, words, f"line {line}, column")
    assert "datetime" not in out and "Keys should be strings" not in out


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_deeply_nested_data_is_refused(tmp_path: Path, suffix: str):
    path = tmp_path / f"deep.{suffix}"
    path.write_text('{"case_id": ' + "[" * 5000 + "]" * 5000 + "}")
    text = refused(loagen("check", str(path)), 3)
    assert len(text) < 2000


@pytest.mark.parametrize(
    ("value", "words"),
    [("1" + "0" * 40, "lines[0].unit_cost"), ("1e308", "lines[0].unit_cost"),
     ("9" * 5000, "lines[0].unit_cost"), ('"NaN"', "lines[0].unit_cost"),
     ("12.345", "two decimal places")],
)  # fmt: skip
def test_impossible_amounts_name_the_field(tmp_path: Path, value: str, words: str):
    data = json.dumps(example("BN-D-QAA/basic"))
    assert '"unit_cost": 82500000' in data
    data = data.replace('"unit_cost": 82500000', f'"unit_cost": {value}', 1)
    path = tmp_path / "basic.json"
    path.write_text(data)
    text = refused(loagen("check", str(path)), 3, words)
    assert len(text) < 3000


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d["document"].update(purpose="   "), "document.purpose: must not be blank"),
        (lambda d: d["document"].update(offer_expiration_date=20250630), "write the date as YYYY-MM-DD"),
        (lambda d: d.update(payment_schedule=[]), "an empty payment schedule"),
        (lambda d: d["lines"][0].update(quantity=1.5), "must be a whole number"),
    ],
)  # fmt: skip
def test_careless_values_are_clear_errors(tmp_path: Path, edit, words: str):
    data = example("BN-D-QAA/basic")
    edit(data)
    path = write_chain(tmp_path / "case", data)
    refused(loagen("build", str(path), "-o", str(tmp_path / "out")), 3, words)
    assert not (tmp_path / "out").exists()


# -- markings and personal data, however they are spelt ---------------------------------------------


@pytest.mark.parametrize(
    ("field", "text", "rule"),
    [
        ("purpose", "provides SЕCRET radar parts", "QC-CLASSIFIED"),  # Cyrillic Е
        ("purpose", "provides SE\u200bCRET radar parts", "QC-CLASSIFIED"),  # zero-width space
        ("purpose", "provides S E C R E T radar parts", "QC-CLASSIFIED"),
        ("purpose", "provides ＳＥＣＲＥＴ radar parts", "QC-CLASSIFIED"),  # full-width
        ("purpose", "(S) provides radar parts", "QC-CLASSIFIED"),
        ("purpose", "(U//FOUO) provides radar parts", "QC-CUI"),  # controlled, not classified
        ("purpose", "provides radar parts. CUI", "QC-CUI"),
        ("nickname", "Radar (FOUO)", "QC-CUI"),
        ("line_note", "For Official Use Only: spare parts list", "QC-CUI"),
        ("line_note", "F.O.U.O. spare parts list", "QC-CUI"),
        ("line_note", "Controlled Unclassified Information follows", "QC-CUI"),
        ("line_note", "Distribution Statement D applies", "QC-CUI"),
        ("line_note", "Pilot SSN 123456789 on file", "QC-PII"),
        ("line_note", "Pilot record 123 45 6789", "QC-PII"),
        ("line_note", "Passport No. X1234567 to be provided", "QC-PII"),
        ("line_note", "Questions to ops (at) mod (dot) bn", "QC-PII"),
    ],
)  # fmt: skip
def test_markings_and_personal_data_cannot_be_slipped_past(tmp_path: Path, field, text, rule):
    data = example("BN-D-QAA/basic")
    if field == "line_note":
        data["lines"][1]["line_note"] = text
    elif field == "nickname":
        data["nickname"] = text
    else:
        data["document"][field] = text
    path = write_chain(tmp_path / "case", data)
    refused(loagen("build", str(path), "-o", str(tmp_path / "out")), 1, rule, "nothing written")
    assert not (tmp_path / "out").exists()


def test_every_free_text_field_is_read(tmp_path: Path):
    data = example("BN-B-TAB/basic")
    data["foc"] = {"authority": "333", "program_title": "FY26 Tranche 1 (FOUO)",
                   "program_office": "Office", "major_end_item": "Vehicle"}  # fmt: skip
    path = write_chain(tmp_path / "case", data)
    refused(loagen("check", str(path)), 1, "QC-CUI", "foc.program_title")


# -- policy content with runaway loops or allocations ----------------------------------------------


def _project(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "project"
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "note_library", root / "note_library")
    return root


def _hostile_note(root: Path, rule: str, body: str) -> None:
    (root / "note_library" / "ZZ-HOSTILE.md").write_text(
        "---\nid: ZZ-HOSTILE\ntitle: Hostile\nversions: [{version: '1', effective: 2000-01-01}]\n"
        "programs: [FMS, BPC]\nlevel: case\nplacement: notes\nsection: 3\norder: 3999\n"
        f"documents: [Basic, Amendment, Modification]\nrule: {rule}\ncarry_over: every\n---\n"
        f"{body}\n"
    )


def test_nested_loops_in_a_note_body_stop_at_the_loop_budget(tmp_path: Path):
    root = _project(tmp_path)
    body = ("{% for a in lines %}{% for b in lines %}{% for c in lines %}{{ a.number }}"
            "{% endfor %}{% endfor %}{% endfor %}")  # fmt: skip
    _hostile_note(root, "is_fms", body)
    data = example("BN-D-QAA/basic")
    data["lines"] = [dict(data["lines"][0], number=f"{i:03d}") for i in range(1, 120)]
    path = write_chain(tmp_path / "case", data)
    refused(
        loagen("build", str(path), "-o", str(tmp_path / "out"), project=root), 4, "loops ran more"
    )


def test_a_rule_that_would_allocate_gigabytes_is_refused_when_the_library_loads(tmp_path: Path):
    root = _project(tmp_path)
    _hostile_note(root, 'is_bpc and ("x" * 2000000000)', "text")
    refused(loagen("notes", "--check", project=root), 4, "would build a value")


def test_a_body_that_builds_huge_text_is_refused(tmp_path: Path):
    root = _project(tmp_path)
    _hostile_note(root, "is_fms", "{{ case.nickname * 100000000 }}")
    path = write_chain(tmp_path / "case", example("BN-D-QAA/basic"))
    refused(loagen("build", str(path), "-o", str(tmp_path / "out"), project=root), 4)


# -- hostile templates --------------------------------------------------------------------------


def _replace_part(template: Path, part: str, data: bytes) -> None:
    with zipfile.ZipFile(template) as zf:
        entries = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, blob in entries:
            zf.writestr(info.filename, data if info.filename == part else blob)


def test_a_zip_bomb_template_is_refused_before_it_is_expanded(tmp_path: Path):
    root = _project(tmp_path)
    _replace_part(
        root / "templates" / "basic.docx", "word/styles.xml", b"<a/>" + b" " * 400_000_000
    )
    assert (root / "templates" / "basic.docx").stat().st_size < 3 * 1024 * 1024
    refused(loagen("templates", "--check", project=root), 5, "would expand to")
    # one part packed a thousand times over is refused even when the whole is small
    _replace_part(root / "templates" / "basic.docx", "word/styles.xml", b"<a/>" + b" " * 40_000_000)
    refused(loagen("templates", "--check", project=root), 5, "zip bomb")


def test_a_template_declaring_entities_is_refused_with_its_part_named(tmp_path: Path):
    root = _project(tmp_path)
    template = root / "templates" / "basic.docx"
    with zipfile.ZipFile(template) as zf:
        styles = zf.read("word/settings.xml")
    evil = styles.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
    _replace_part(template, "word/settings.xml", evil)
    text = refused(loagen("templates", "--check", project=root), 5, "word/settings.xml", "DTD")
    assert "root:" not in text


def test_a_template_with_a_runaway_loop_stops(tmp_path: Path):
    root = _project(tmp_path)
    template = root / "templates" / "basic.docx"
    with zipfile.ZipFile(template) as zf:
        body = zf.read("word/document.xml").decode()
    loop = ("{% for a in lines %}{% for b in lines %}{% for c in lines %}{% for d in lines %}"
            "{{ a.number }}{% endfor %}{% endfor %}{% endfor %}{% endfor %}")  # fmt: skip
    body = body.replace("{{ case_description }}", "{{ case_description }}" + loop, 1)
    _replace_part(template, "word/document.xml", body.encode())
    data = example("BN-D-QAA/basic")
    data["lines"] = [dict(data["lines"][1], number=f"{i:03d}") for i in range(1, 60)]
    path = write_chain(tmp_path / "case", data)
    result = loagen("build", str(path), "-o", str(tmp_path / "out"), "--allow-errors", project=root)
    refused(result, 5, "loops ran more")


def test_a_template_that_is_not_a_word_file_is_a_clear_error(tmp_path: Path):
    root = _project(tmp_path)
    (root / "templates" / "basic.docx").write_bytes(b"not a zip at all")
    refused(loagen("templates", "--check", project=root), 5, "not a Word document")


def test_the_shape_check_refuses_as_the_walk_with_paths_does(monkeypatch) -> None:
    """`_check_shape` looks at a level at a time and leaves saying where to `_refuse_shape`:
    the same data is refused, with the same message and place, by both."""
    import random

    from loagen.case import loading

    monkeypatch.setattr(loading, "MAX_DEPTH", 5)
    monkeypatch.setattr(loading, "MAX_NODES", 60)
    rng = random.Random(7)

    def grow(depth: int) -> object:
        if depth > 7 or rng.random() < 0.3:
            return rng.choice([1, "x", None])
        if rng.random() < 0.5:
            return [grow(depth + 1) for _ in range(rng.randint(0, 4))]
        return {f"k{i}": grow(depth + 1) for i in range(rng.randint(0, 4))}

    def outcome(check, data) -> tuple[str, str] | None:
        try:
            check(data)
        except loading._Refused as exc:
            return exc.message, exc.where
        return None

    refused = 0
    for _ in range(3000):
        data = {"a": grow(1), "b": grow(1)}
        found = outcome(loading._refuse_shape, data)
        assert outcome(loading._check_shape, data) == found
        refused += found is not None
    assert 100 < refused < 2900
