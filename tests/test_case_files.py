"""Writing case files (`output.case_files`): atomic, YAML keeping the writer's comments and layout
for what still exists, JSON in the examples' layout; placeholders named with their lines when
a case file is loaded; `loagen restate` keeping the comments of a YAML file."""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from loagen.case.loading import load_case, parse_case_bytes
from loagen.case.placeholders import PLACEHOLDER, placeholder
from loagen.case.round_trip import Indent, guess_indent, read_round_trip
from loagen.cli import app
from loagen.errors import CaseError, OutputError
from loagen.ops.restate import restate_file
from loagen.output.case_files import (
    case_file_bytes,
    create_case_file,
    discard_case_file,
    json_text,
    save_case_file,
)

from .conftest import SHARED_EXAMPLES

WRITTEN = b"""\
# Case BN-D-QZZ: kept by the case writer.
case_id: BN-D-QZZ   # the case
program: FMS
# The category never changes.
category: defined_order
purchaser:
  name: Ministry of Defence of the Republic of Bandaria
  address: [14 Parade Street, Port Aster]
nickname: Harbour Tugs
document:
  kind: Basic
  # Offered in May.
  offer_expiration_date: 2026-09-15
  purpose: provides for two harbour tugs
purchaser_references:
  - reference: BN/MODAT/4001
    date: 2026-02-10
terms_of_sale: [Cash Prior to Delivery]
funding: national
# -- the lines ---------------------------------------------------------
lines:
  # The tugs themselves.
  - number: '001'
    masl: P1TUG0000TUG
    description: HARBOUR TUG
    quantity: 2   # two hulls
    unit_of_issue: EA
    unit_cost: 4250000.00
    source_code: P
    months: 18-30
    type_of_assistance: '5'
    offer_release_code: Z
    delivery_term_code: '5'
    kind: materiel
  # Spares for the first two years.
  - number: '002'
    masl: P1TUG0000SPR
    description: SPARE PARTS
    quantity: 1
    unit_of_issue: LO
    unit_cost: 380000
    source_code: X
    months: 18-42
    type_of_assistance: '4'
    offer_release_code: Z
    delivery_term_code: '5'
    kind: materiel
  # Crew training, CONUS.
  - number: '003'
    masl: T1TUG0000TRN
    description: CREW TRAINING
    quantity: 1
    unit_of_issue: LO
    unit_cost: 210000
    source_code: S
    months: 12-20
    type_of_assistance: '3'
    offer_release_code: X
    delivery_term_code: '2'
    kind: training
    training: {location: CONUS, severable: true, performance_period: 8 months}
# Accessorial charges from the IA's estimate of 3 March.
accessorial: {packing_crating_handling: 42000, transportation: 180000, other: 0}
# End of file.
"""


def data_of(raw: bytes) -> dict:
    return parse_case_bytes(raw, Path("case.yaml"))


def plain(data: dict) -> dict:
    """Data as loagen compares it (dates as text, amounts as numbers)."""

    def value(o: object) -> object:
        return float(o) if isinstance(o, Decimal) else str(o)

    return json.loads(json.dumps(data, default=value), parse_float=Decimal, parse_int=Decimal)


def line_with(text: str, words: str, after: str = "") -> int:
    """The number of the first line holding `words` (after the first holding `after`)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines) if i >= start and words in line) + 1


def comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def test_unchanged_data_writes_the_file_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "basic.yaml"
    path.write_bytes(WRITTEN)
    written = save_case_file(path, data_of(WRITTEN), original=WRITTEN)
    assert written == WRITTEN == path.read_bytes()


def test_an_edit_keeps_every_comment_of_the_fields_that_stay(tmp_path: Path) -> None:
    data = data_of(WRITTEN)
    data["lines"][0]["quantity"] = 3  # changed: its end-of-line comment stays
    data["lines"][0]["unit_cost"] = Decimal("4250000.00")  # the same amount: left as written
    del data["lines"][1]  # removed: its own comment goes, the next line's stays
    data["lines"].append({**data["lines"][0], "number": "004", "description": "PUSHER BOAT"})
    data["document"] = {"kind": "Basic", "offer_expiration_date": date(2026, 10, 1),
                        "date": "2026-05-02", "purpose": "provides for three harbour tugs"}  # fmt: skip
    del data["program"]  # its line goes; the comment above the category stays
    text = case_file_bytes(Path("basic.yaml"), data, original=WRITTEN).decode()
    kept = comments(text)
    gone = set(comments(WRITTEN.decode())) - set(kept)
    assert gone == {"# Spares for the first two years."}
    assert "    quantity: 3   # two hulls\n" in text
    assert "    unit_cost: 4250000.00\n" in text
    assert "# The category never changes.\ncategory: defined_order\n" in text
    assert "  # Crew training, CONUS.\n  - number: '003'" in text
    assert "  # Offered in May.\n  offer_expiration_date: 2026-10-01\n  date: 2026-05-02\n" in text
    # A line added after the last one: the comments that followed the list still follow it.
    tail = text[text.index("  - number: '004'") :]
    assert tail.index("description: PUSHER BOAT") < tail.index("# Accessorial charges")
    assert text.endswith("# End of file.\n")
    assert plain(data_of(text.encode())) == plain(data)
    assert [ln["number"] for ln in yaml.safe_load(text)["lines"]] == ["001", "003", "004"]


def test_new_fields_go_after_those_they_follow(tmp_path: Path) -> None:
    data = data_of(WRITTEN)
    data["document"] = {"kind": "Amendment", "number": 1, "previous": "basic.yaml",
                        **{k: v for k, v in data["document"].items() if k != "kind"}}  # fmt: skip
    text = case_file_bytes(Path("a.yaml"), data, original=WRITTEN).decode()
    assert (
        "  kind: Amendment\n  number: 1\n  previous: basic.yaml\n  # Offered in May.\n"
        "  offer_expiration_date: 2026-09-15\n"
    ) in text


def test_text_yaml_1_1_would_read_otherwise_is_quoted() -> None:
    data = data_of(WRITTEN)
    data["nickname"] = "on"
    data["purchaser"]["address"] = ["010", "2026-01-01", "12:30", "yes", "~", " padded "]
    text = case_file_bytes(Path("a.yaml"), data, original=WRITTEN)
    back = data_of(text)
    assert back["nickname"] == "on"
    assert back["purchaser"]["address"] == ["010", "2026-01-01", "12:30", "yes", "~", " padded "]


def test_a_placeholder_is_written_in_double_quotes() -> None:
    data = data_of(WRITTEN)
    data["document"]["purpose"] = placeholder("what the LOA provides, e.g. 'two tugs'")
    text = case_file_bytes(Path("a.yaml"), data, original=WRITTEN).decode()
    assert "  purpose: \"FILL IN: what the LOA provides, e.g. 'two tugs'\"\n" in text


def test_flag_comments_replace_those_of_an_earlier_run() -> None:
    data = data_of(WRITTEN)
    once = case_file_bytes(
        Path("a.yaml"), data, original=WRITTEN, notes={("document", "purpose"): "first note"}
    )
    assert b"  # loagen: first note\n  purpose:" in once
    twice = case_file_bytes(
        Path("a.yaml"), data, original=once, notes={("nickname",): "second note"}
    ).decode()
    assert "first note" not in twice
    assert "# loagen: second note\nnickname: Harbour Tugs\n" in twice
    assert "  # Offered in May.\n" in twice


def test_a_byte_order_mark_is_kept() -> None:
    raw = b"\xef\xbb\xbf" + WRITTEN
    data = data_of(WRITTEN)
    data["nickname"] = "Tugs"
    assert case_file_bytes(Path("a.yaml"), data, original=raw).startswith(b"\xef\xbb\xbf# Case")


def test_a_file_without_original_is_written_afresh(tmp_path: Path) -> None:
    data = json.loads((SHARED_EXAMPLES / "BN-D-QAA" / "amendment-1.json").read_text())
    text = save_case_file(tmp_path / "a.yaml", data).decode()
    assert "  offer_expiration_date: 2026-09-15\n" in text  # a date, as a writer writes it
    assert "    type_of_assistance: '7'\n" in text
    loaded = load_case(tmp_path / "a.yaml").case
    reference = load_case(SHARED_EXAMPLES / "BN-D-QAA" / "amendment-1.json").case
    assert loaded == reference
    # An unreadable original is no reason not to write: the data is written afresh.
    assert save_case_file(tmp_path / "b.yaml", data, original=b"a: [") == text.encode()


def test_json_is_written_in_the_examples_layout(tmp_path: Path) -> None:
    for name in ("BN-D-QAA/basic.json", "BN-D-QAA/amendment-1.json"):
        raw = (SHARED_EXAMPLES / name).read_text()
        assert json_text(json.loads(raw)) == raw
    data = json.loads((SHARED_EXAMPLES / "BN-D-QAA/basic.json").read_text())
    data["lines"][0]["unit_cost"] = Decimal("82500000.50")
    data["document"]["date"] = date(2024, 6, 1)
    written = save_case_file(tmp_path / "b.json", data)
    back = json.loads(written)
    assert back["lines"][0]["unit_cost"] == 82500000.5 and back["document"]["date"] == "2024-06-01"


def test_writing_is_atomic_and_leaves_no_temporary(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "basic.yaml"
    path.write_bytes(WRITTEN)
    data = data_of(WRITTEN)
    data["nickname"] = "Tugs"

    def refuse(src, dst):  # noqa: ANN001
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match="the disk is full; nothing was changed"):
        save_case_file(path, data, original=WRITTEN)
    assert path.read_bytes() == WRITTEN
    assert sorted(p.name for p in tmp_path.iterdir()) == ["basic.yaml"]
    monkeypatch.undo()
    save_case_file(path, data, original=WRITTEN)
    assert data_of(path.read_bytes())["nickname"] == "Tugs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["basic.yaml"]


def test_a_new_file_never_replaces_one(tmp_path: Path) -> None:
    path = tmp_path / "basic.yaml"
    create_case_file(path, WRITTEN)
    with pytest.raises(OutputError, match="basic.yaml already exists; nothing was written"):
        create_case_file(path, b"other")
    assert path.read_bytes() == WRITTEN
    assert [p.name for p in tmp_path.iterdir()] == ["basic.yaml"]


def test_values_that_cannot_be_written_are_refused() -> None:
    with pytest.raises(OutputError, match="cannot write a value of type object"):
        case_file_bytes(Path("a.yaml"), {"case_id": object()})
    with pytest.raises(OutputError, match="cannot write the number NaN"):
        case_file_bytes(Path("a.json"), {"lines": [{"unit_cost": Decimal("NaN")}]})


# -- reading for rewriting ---------------------------------------------------------------------------


def test_the_round_trip_parse_refuses_what_loading_refuses() -> None:
    with pytest.raises(CaseError, match="YAML aliases"):
        read_round_trip(b"a: &x 1\nb: *x\n", Path("c.yaml"))
    with pytest.raises(CaseError, match="written twice"):
        read_round_trip(b"a: 1\na: 2\n", Path("c.yaml"))
    rt = read_round_trip(WRITTEN, Path("c.yaml"))
    assert rt.data == data_of(WRITTEN) and rt.indent == Indent(2, 4, 2) and not rt.bom


def test_indentation_is_guessed_from_the_file() -> None:
    assert guess_indent("a:\n    b: 1\nl:\n- x: 1\n  y: 2\n") == Indent(4, 2, 0)
    assert guess_indent("a:\n  b: 1\nl:\n  - x: 1\n") == Indent(2, 4, 2)
    assert guess_indent("a: 1\n") == Indent(2, 4, 2)


# -- placeholders named when loading ---------------------------------------------------------------


def test_placeholders_are_named_with_their_lines_and_other_problems_too(tmp_path: Path) -> None:
    data = data_of(WRITTEN)
    data["document"]["offer_expiration_date"] = placeholder("the offer expiration date")
    data["lines"][1]["unit_cost"] = PLACEHOLDER
    data["lines"][2]["source_code"] = "Q"  # a problem of its own
    path = tmp_path / "basic.yaml"
    save_case_file(path, data, original=WRITTEN)
    with pytest.raises(CaseError) as caught:
        load_case(path)
    error = caught.value
    assert "2 values still to fill in (marked FILL IN) and 1 other problem" in error.message
    said = [str(p) for p in error.problems]
    text = path.read_text()
    oed, cost = line_with(text, "offer_expiration_date"), line_with(text, "unit_cost", "'002'")
    assert said[0] == (
        f"{path}: line {oed}, document.offer_expiration_date: fill in the offer expiration date"
    )
    # A bare FILL IN asks for what the case model says the field is.
    assert said[1] == (
        f"{path}: line {cost}, lines[1].unit_cost (Line 002): fill in U.S. dollars; line total = "
        "quantity x "
        "unit cost"
    )
    assert said[2].endswith("lines[2].source_code (Line 003): 'Q' is not a known Source Code; "
                            "expected one of E, F, P, R, S, X")  # fmt: skip
    assert len(said) == 3  # no "expected a date" for the placeholder itself


def test_placeholders_in_a_json_file_have_lines_too(tmp_path: Path) -> None:
    data = json.loads((SHARED_EXAMPLES / "BN-D-QAA/basic.json").read_text())
    data["nickname"] = placeholder("the nickname")
    path = tmp_path / "basic.json"
    path.write_text(json_text(data))
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 3
    line = line_with(path.read_text(), '"nickname"')
    assert f"{path}: line {line}, nickname: fill in the nickname" in result.output


# -- restate keeps a YAML file's comments ------------------------------------------------------------


@pytest.mark.usefixtures("offers_in_the_past")
def test_restate_of_a_yaml_file_keeps_its_comments(tmp_path: Path) -> None:
    path = tmp_path / "basic.yaml"
    path.write_bytes(WRITTEN)
    target = restate_file(path, date(2026, 5, 1), date(2026, 11, 30))
    text = target.read_text()
    assert comments(text) == comments(WRITTEN.decode())
    assert "  # Offered in May.\n  offer_expiration_date: 2026-11-30\n" in text
    assert "  restated:\n    previous_offer_date: 2026-05-01\n" in text
    assert (
        text.replace("2026-11-30", "2026-09-15").replace(
            "  restated:\n    previous_offer_date: 2026-05-01\n", ""
        )
        == WRITTEN.decode()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["basic-restated.yaml", "basic.yaml"]


@settings(max_examples=60, deadline=None)
@given(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_the_line_of_every_json_value_is_found(data) -> None:
    """`value_lines` of a JSON text: each value's location gives the line it starts on: a
    scalar's line holds it, an object's or a list's line opens it."""
    from loagen.case.placeholders import _json_lines

    text = json.dumps({"root": data}, indent=2)
    lines = _json_lines(text)
    rows = text.splitlines()

    def walk(value, loc, key):
        row = rows[lines[loc] - 1].rstrip().removesuffix(",")
        if key is not None:
            assert row.lstrip().startswith(json.dumps(key) + ":")
        if isinstance(value, dict):
            assert row.endswith("{" if value else "{}")
            for k, item in value.items():
                walk(item, (*loc, k), k)
        elif isinstance(value, list):
            assert row.endswith("[" if value else "[]")
            for i, item in enumerate(value):
                walk(item, (*loc, i), None)
        else:
            assert json.dumps(value) in row

    walk({"root": data}, (), None)


def test_values_to_fill_in_of_data_with_no_text_are_named_without_a_line() -> None:
    """The studio's form has data, no file text: each value to fill in is named at its field."""
    from loagen.case.placeholders import unfilled

    data = {"case_id": "BN-D-QZZ", "nickname": placeholder("the case's name")}
    for name in ("basic.yaml", "basic.json"):
        (problem,) = unfilled(data, b"", Path(name))
        assert (problem.location, problem.line) == ("nickname", None)


def test_a_discarded_case_file_moves_to_the_trash_with_its_outputs(tmp_path: Path) -> None:
    root = tmp_path / "project"
    case, other = root / "cases" / "X" / "basic.json", root / "cases" / "Y" / "basic.json"
    built = root / "build" / "X-basic.docx"
    for path in (case, other, built):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(path.name)
    trash = root / ".loagen" / "trash"
    first = discard_case_file(case, root, trash, [built])
    assert (first / "cases" / "X" / "basic.json").read_text() == "basic.json"
    assert (first / "build" / "X-basic.docx").read_text() == "X-basic.docx"
    assert not case.exists() and not case.parent.exists()  # its folder held nothing else
    second = discard_case_file(other, root, trash, [])  # the same second: a folder of its own
    assert second != first and (second / "cases" / "Y" / "basic.json").is_file()


def test_a_discarded_case_file_comes_back_unless_its_place_is_taken(tmp_path: Path) -> None:
    from loagen.errors import OutputError
    from loagen.output.case_files import restore_discarded

    root = tmp_path / "project"
    case, built = root / "cases" / "X" / "basic.json", root / "build" / "X-basic.docx"
    for path in (case, built):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(path.name)
    folder = discard_case_file(case, root, root / ".loagen" / "trash", [built])
    case.parent.mkdir(parents=True)
    case.write_text("written since")
    with pytest.raises(OutputError, match="exists now"):
        restore_discarded(folder, root)
    assert case.read_text() == "written since" and not built.exists()  # nothing moved
    case.unlink()
    assert sorted(restore_discarded(folder, root)) == sorted([case, built])
    assert case.read_text() == "basic.json" and built.read_text() == "X-basic.docx"
    assert not folder.exists()


def test_a_case_file_that_cannot_be_moved_stays_where_it_was(tmp_path: Path) -> None:
    from loagen.errors import OutputError

    root = tmp_path / "project"
    case = root / "cases" / "X" / "basic.json"
    case.parent.mkdir(parents=True)
    case.write_text("{}")
    trash = root / ".loagen" / "trash"
    trash.parent.mkdir()
    trash.write_text("a file where the trash folder goes")
    with pytest.raises(OutputError, match="the case file is where it was"):
        discard_case_file(case, root, trash, [])
    assert case.read_text() == "{}"
