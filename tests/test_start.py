"""`loagen new`, `loagen amend`, `loagen modify`: the new Basic and the next document of a case,
each failing to build while values are left to fill in (named with their lines), and building
once only those values are given."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

import pytest
import yaml
from typer.testing import CliRunner

from loagen.case.model import Case
from loagen.cli import app
from loagen.cli import start as cli_start

from .conftest import CASES, SHARED_EXAMPLES
from .projects import make_project

runner = CliRunner()

REPORTED = re.compile(
    r"^\s+(?P<file>\S+): line (?P<line>\d+), (?P<field>\S+)(?: \(Line \w+\))?: "
    r"fill in (?P<what>.+)$"
)


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def said(result) -> str:  # noqa: ANN001
    """What the user read, as one line of words (usage errors come in a box, wrapped)."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())


def to_fill(output: str) -> dict[str, int]:
    """Field -> line of every value a failed build says is still to fill in."""
    return {m["field"]: int(m["line"]) for m in map(REPORTED.match, output.splitlines()) if m}


def fill(path: Path, values: dict[str, str]) -> None:
    """Replace the FILL IN placeholder on the line reported for each field with `values[field]`
    (YAML or JSON text), as a writer would; nothing else of the file is touched."""
    result = invoke("check", path)
    reported = to_fill(result.output)
    assert set(reported) == set(values), result.output
    lines = path.read_text().splitlines(keepends=True)
    for name, value in values.items():
        i = reported[name] - 1
        new, n = re.subn(r'"FILL IN[^"]*"', lambda _m, v=value: v, lines[i], count=1)
        assert n == 1, lines[i]
        lines[i] = new
    path.write_text("".join(lines))


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    folder = tmp_path / "examples"
    shutil.copytree(SHARED_EXAMPLES, folder)
    return folder


def build(path: Path, out: Path):
    return invoke("build", path, "-o", out)


# -- loagen new -----------------------------------------------------------------------------------

BASIC_VALUES = {
    "category": "defined_order",
    "purchaser.name": "Ministry of Coastal Defence of the Republic of Bandaria",
    "purchaser.address[0]": "7 Lighthouse Road",
    "nickname": "Coastal Patrol Craft",
    "document.offer_expiration_date": "2026-12-15",
    "document.purpose": "provides for four coastal patrol craft and their initial spares",
    "purchaser_references[0].reference": "BN/MCD/0412",
    "purchaser_references[0].date": "2026-05-04",
    "terms_of_sale[0]": "Cash With Acceptance",
    "funding": "national",
    "lines[0].masl": "P1CPC0000BOA",
    "lines[0].description": "COASTAL PATROL CRAFT",
    "lines[0].quantity": "4",
    "lines[0].unit_of_issue": "EA",
    "lines[0].unit_cost": "3125000",
    "lines[0].source_code": "P",
    "lines[0].months": "14-26",
    "lines[0].type_of_assistance": "5",
    "lines[0].offer_release_code": "Z",
    "lines[0].delivery_term_code": "5",
    "lines[0].major_defense_equipment": "false",
    "lines[0].kind": "materiel",
}


def test_new_basic_names_each_value_to_fill_then_builds(tmp_path: Path) -> None:
    path = tmp_path / "BN-D-QCP" / "basic.yaml"
    result = invoke("new", "BN-D-QCP", "--program", "FMS", "-o", path)
    assert result.exit_code == 0, result.output
    assert "the Basic of case BN-D-QCP" in result.output
    assert "22 values to fill in" in result.output
    assert "line 24: purchaser.name" in result.output
    data = yaml.safe_load(path.read_text())
    assert data["case_id"] == "BN-D-QCP" and data["program"] == "FMS"
    assert data["document"] == {
        "kind": "Basic",
        "offer_expiration_date": "FILL IN: the offer expiration date, YYYY-MM-DD",
        "purpose": "FILL IN: what the LOA provides, as a verb phrase: 'provides for two C-130J "
        "aircraft'",
    }

    failed = build(path, tmp_path / "out")
    assert failed.exit_code == 3, failed.output
    assert "Traceback" not in failed.output
    assert "22 values still to fill in (marked FILL IN)" in failed.output
    assert set(to_fill(failed.output)) == set(BASIC_VALUES)
    # Each names the file, the line, the field and what to give.
    assert re.search(
        rf"{re.escape(str(path))}: line \d+, lines\[0\]\.unit_cost \(Line 001\): fill in the unit "
        r"cost in "
        r"U\.S\. dollars",
        failed.output,
    )
    assert not (tmp_path / "out").exists()

    fill(path, BASIC_VALUES)
    built = build(path, tmp_path / "out")
    assert built.exit_code == 0, built.output
    assert (tmp_path / "out" / "BN-D-QCP-basic.docx").is_file()
    checked = invoke("check", path)
    assert checked.exit_code == 0, checked.output


def test_a_line_is_started_asking_whether_it_is_major_defense_equipment(tmp_path: Path) -> None:
    """Left false, a line of MDE would skip the AECA 36(b) test without a word: `new` (and the
    studio's new line) ask for it as for the other deciding fields."""
    from loagen.ops.start import line_to_fill

    assert line_to_fill("012")["major_defense_equipment"].startswith("FILL IN: true for Major")
    path = tmp_path / "basic.yaml"
    assert invoke("new", "BN-B-ZZM", "-o", path).exit_code == 0
    checked = invoke("check", path)
    assert "lines[0].major_defense_equipment" in to_fill(checked.output)
    assert "# true when the line is Major Defense Equipment (the MASL says so)" in path.read_text()


def test_new_with_an_output_not_yaml_is_a_bad_value(tmp_path: Path) -> None:
    """A wrong --output is a mistake on the command line (exit 2), as the README says."""
    result = invoke("new", "BN-B-ZZJ", "-o", tmp_path / "basic.json")
    assert result.exit_code == 2, result.output
    assert "name it .yaml, not basic.json" in said(result)
    assert not (tmp_path / "basic.json").exists()


def test_the_header_of_a_new_case_says_how_amounts_are_written(tmp_path: Path) -> None:
    path = tmp_path / "basic.yaml"
    assert invoke("new", "BN-B-ZZK", "-o", path).exit_code == 0
    header = " ".join(ln.lstrip("# ") for ln in path.read_text().splitlines()[:5])
    assert "$1,850,000" in header and "without $ or commas" not in header


def test_new_basic_explains_every_field_and_lists_the_codes(tmp_path: Path) -> None:
    path = tmp_path / "basic.yaml"
    assert invoke("new", "BN-P-ZZA", "-o", path).exit_code == 0
    text = path.read_text()
    prose = " ".join(  # the comments as one text, however they are wrapped
        line.strip().removeprefix("#").strip() for line in text.splitlines()
        if line.strip().startswith("#")
    )  # fmt: skip
    # The case identifier as it reads.
    assert "BN: Republic of Bandaria; P: Department of the Navy; ZZA: the case designator" in prose
    # The model's own descriptions, as comments.
    for words in (
        "Full organisation name of the Purchaser (or Benefitting Partner).",
        "Offer expiration date (OED); a Modification has none.",
        "Military Articles and Services List number.",
        "U.S. dollars; line total = quantity x unit cost.",
    ):
        assert words in prose, words
    # The codes to choose from, with their meanings, from the reference tables.
    assert "#   P  New procurement" in text
    assert "#   7  Dependable Undertaking, payment 120 days after delivery, procurement" in text
    assert "#   Z  Notice of Availability sent; held until an answer is received" in text
    assert "#   9  DoD delivers to the port of debarkation" in text
    assert "#   defined_order  specific articles and services in stated quantities" in text
    assert "#   Dependable Undertaking" in text
    assert "EA each" in text and "LO lot" in text
    # Every optional line field, commented out so that removing "# " uses it.
    line_fields = set(Case.model_fields["lines"].annotation.__args__[0].model_fields)
    for name in line_fields:
        assert re.search(rf"^(    |  - )(# )?{name}:", text, re.M), name
    assert '    # sole_source: {firm: "FILL IN: the firm", role: prime' in text
    # Every line of the file stays within the page width, but for the example lines.
    assert all(len(line) <= 100 for line in text.splitlines() if ": {" not in line)


def test_new_basic_in_the_project_and_never_over_a_file(tmp_path: Path, monkeypatch) -> None:
    project = make_project(tmp_path / "project")
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    monkeypatch.chdir(project.root)
    result = invoke("new", "bn-d-qcp", "--category", "blanket_order", "--funding", "fmf")
    assert result.exit_code == 0, result.output
    path = project.root / "cases" / "BN-D-QCP" / "basic.yaml"
    assert "wrote cases/BN-D-QCP/basic.yaml" in result.output
    before = path.read_bytes()
    data = yaml.safe_load(before)
    assert data["category"] == "blanket_order" and data["funding"] == "fmf"
    assert data["program"].startswith("FILL IN")
    again = invoke("new", "BN-D-QCP")
    assert again.exit_code == 3
    assert "basic.yaml already exists; loagen does not overwrite a case file" in again.output
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["basic.yaml"]  # no temporary left
    # A case folder that already holds a Basic in JSON.
    (project.root / "cases" / "BN-D-QCQ").mkdir()
    (project.root / "cases" / "BN-D-QCQ" / "basic.json").write_text("{}")
    refused = invoke("new", "BN-D-QCQ")
    assert refused.exit_code == 3
    assert "already holds a Basic (basic.json)" in refused.output


def test_commands_to_copy_quote_a_path_with_spaces(tmp_path: Path) -> None:
    import shlex

    path = tmp_path / "Bandaria cases" / "BN-D-QCS" / "basic.yaml"
    result = invoke("new", "BN-D-QCS", "-o", path)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    check = re.search(r"`(loagen check [^`]*)`", said)
    assert check is not None, said
    assert shlex.split(check.group(1)) == ["loagen", "check", str(path)]
    refused = invoke("new", "BN-D-QCS", "-o", path.with_name("basic-2.yaml"))
    assert refused.exit_code == 3
    amend = re.search(r"`(loagen amend [^`]*)`", " ".join(refused.output.split()))
    assert amend is not None and shlex.split(amend.group(1))[-1] == str(path)


def test_new_bpc_basic_gives_funding_and_asks_for_the_fund_source(tmp_path: Path) -> None:
    path = tmp_path / "basic.yaml"
    result = invoke(
        "new", "BN-B-QCX", "--program", "BPC", "--category", "defined_order",
        "--terms", "U.S. Government Grant", "--nickname", "Bandaria, 333, FY26, BPC", "-o", path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(path.read_text())
    assert data["funding"] == "bpc"
    assert data["terms_of_sale"] == ["U.S. Government Grant"]
    assert set(data["fund_source"]) == {"program", "fiscal_year"}
    assert "#   Section 333" in path.read_text()
    # a BPC case cites the funds and the Memorandum of Request (SAMM Table C15.T5)
    assert "Memorandum of Request" in data["purchaser_references"][0]["reference"]
    values = {k: v for k, v in BASIC_VALUES.items() if k not in (
        "category", "terms_of_sale[0]", "funding", "nickname")}  # fmt: skip
    values.update({
        "purchaser.name": "Bandarian Coast Guard",
        "fund_source.program": "Section 333",
        "fund_source.fiscal_year": "FY26",
        "document.offer_expiration_date": "2026-09-30",
        "lines[0].type_of_assistance": "5",
        "lines[0].delivery_term_code": "9",
    })  # fmt: skip
    fill(path, values)
    built = build(path, tmp_path / "out")
    assert built.exit_code == 0, built.output


def test_new_refuses_a_case_identifier_of_another_shape(tmp_path: Path) -> None:
    result = invoke("new", "BN-D-QA", "-o", tmp_path / "b.yaml")
    assert result.exit_code == 2
    assert "'BN-D-QA' is not a case identifier: expected CC-I-XXX" in said(result)
    bad_term = invoke(
        "new", "BN-D-QAZ", "--terms", "Cash Prior Delivery", "-o", tmp_path / "b.yaml"
    )
    assert bad_term.exit_code == 3
    assert "did you mean 'Cash Prior to Delivery'?" in bad_term.output
    assert not (tmp_path / "b.yaml").exists()
    json_file = invoke("new", "BN-D-QAZ", "-o", tmp_path / "b.json")
    assert json_file.exit_code == 2 and "name it .yaml" in said(json_file)
    both = invoke("new", "B6-B-QAZ", "--program", "BPC", "--funding", "national",
                  "-o", tmp_path / "b.yaml")  # fmt: skip
    assert both.exit_code == 3
    assert "program BPC with funding 'national': BPC cases, and only they" in said(both)
    assert not (tmp_path / "b.yaml").exists()


def test_new_says_when_the_country_code_is_unknown(tmp_path: Path) -> None:
    result = invoke("new", "QQ-D-ABC", "-o", tmp_path / "basic.yaml")
    assert result.exit_code == 0
    assert "the country code QQ is not in the reference table" in result.output


def test_the_command_line_choices_are_the_case_model_s() -> None:
    for choices, field in ((cli_start.PROGRAMS, "program"), (cli_start.CATEGORIES, "category"),
                           (cli_start.FUNDING, "funding")):  # fmt: skip
        assert choices == get_args(Case.model_fields[field].annotation)
    wrong = invoke("new", "BN-D-QCP", "--category", "defined")
    assert wrong.exit_code == 2
    assert "'defined' is not one of defined_order, blanket_order" in said(wrong)


# -- loagen amend / modify --------------------------------------------------------------------------

AMENDMENT_VALUES = {
    "document.offer_expiration_date": '"2026-12-15"',
    "document.purpose": '"provides for additional pilot training and increases the spares line"',
    "document.reason": '"at the Purchaser\'s request"',
}


def test_amend_of_amendment_1_is_refused_while_modification_1_follows_it(examples: Path) -> None:
    source = examples / "BN-D-QAA" / "amendment-1.json"
    result = invoke("amend", source)
    assert result.exit_code == 3
    assert (
        "modification-1.json (Modification 1) already follows amendment-1.json: the next "
        "document of the case starts from the newest one (modification-1.json: loagen amend "
    ) in " ".join(result.output.split())  # the newest, not the one that follows
    assert "give --branch" in result.output
    assert not (source.parent / "amendment-2.json").exists()
    # from the Basic, which Amendment 1 follows: the newest document is still Modification 1
    result = invoke("amend", source.parent / "basic.json")
    said = " ".join(result.output.split())
    assert "amendment-1.json (Amendment 1) already follows basic.json" in said
    assert "the newest one (modification-1.json: loagen amend" in said


def test_amend_of_bn_d_qaa_amendment_1_builds_after_the_writer_s_edits(
    examples: Path, tmp_path: Path
) -> None:
    source = examples / "BN-D-QAA" / "amendment-1.json"
    result = invoke("amend", source, "--branch")
    assert result.exit_code == 0, result.output
    path = source.parent / "amendment-2.json"
    assert "wrote" in result.output and "Amendment 2, following amendment-1.json" in result.output
    data = json.loads(path.read_text())
    before = json.loads(source.read_text())
    # Laid out as the example files are.
    assert '    {"reference": "BN/MODAT/2312", "date": "2024-02-14"},\n' in path.read_text()
    assert data["document"]["kind"] == "Amendment" and data["document"]["number"] == 2
    assert data["document"]["previous"] == "amendment-1.json"
    assert data["document"]["implementation_date"] == "2025-07-21"
    assert data["purchaser_references"] == before["purchaser_references"]
    assert data["lines"] == before["lines"]
    assert data["document"]["offer_expiration_date"].startswith("FILL IN")
    assert "after 2026-09-15" in data["document"]["offer_expiration_date"]

    failed = build(path, tmp_path / "out")
    assert failed.exit_code == 3
    assert set(to_fill(failed.output)) == set(AMENDMENT_VALUES)
    fill(path, AMENDMENT_VALUES)
    # the values asked for alone make an Amendment that changes nothing (QC-AMD-EMPTY): the
    # writer makes the change it is for
    empty = build(path, tmp_path / "out")
    assert empty.exit_code == 1 and "QC-AMD-EMPTY" in empty.output
    data = json.loads(path.read_text())
    data["lines"][1]["quantity"] += 1
    path.write_text(json.dumps(data, indent=2))
    built = build(path, tmp_path / "out")
    assert built.exit_code == 0, built.output
    assert (tmp_path / "out" / "BN-D-QAA-amendment-2.docx").is_file()


def test_the_day_a_document_was_accepted_is_not_carried_to_the_next(examples: Path) -> None:
    """accepted_date belongs to the document signed: a Modification has none at all."""
    source = examples / "BN-D-QAA" / "amendment-1.json"
    data = json.loads(source.read_text())
    data["document"]["accepted_date"] = "2025-08-01"
    source.write_text(json.dumps(data, indent=2))
    result = invoke("modify", source, "--branch")
    assert result.exit_code == 0, result.output
    written = json.loads((source.parent / "modification-2.json").read_text())
    assert "accepted_date" not in written["document"]


def test_a_modification_is_dated_the_day_it_is_written(
    examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Undated, a Modification is taken as written on the latest offer expiration date, which
    can be long past: its schedule could then lower payments already due since. `modify` dates
    it today (LOAGEN_TODAY, else the computer's date) and says what the date decides; an
    Amendment keeps no date of its own (its offer expiration date stands for it)."""
    monkeypatch.setenv("LOAGEN_TODAY", "2026-11-30")
    source = examples / "BN-D-QAA" / "amendment-1.json"
    modified = invoke("modify", source, "--branch", "--yaml")
    assert modified.exit_code == 0, modified.output
    text = (source.parent / "modification-2.yaml").read_text()
    written = yaml.safe_load(text)["document"]
    assert str(written["date"]) == "2026-11-30"
    assert "the day this Modification is written (30 November 2026)" in text
    amended = invoke("amend", source, "--branch")
    assert amended.exit_code == 0, amended.output
    amendment = json.loads((source.parent / "amendment-2.json").read_text())["document"]
    assert "date" not in amendment


def test_a_modification_offers_no_optional_field_it_already_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`new` offers `date` among the document's optional fields, commented out; `modify` dates
    the Modification itself, so the offer, uncommented, would give it a second date (a
    duplicate key). The offers it does not give stay."""
    monkeypatch.setenv("LOAGEN_TODAY", "2026-11-30")
    path = tmp_path / "BN-D-QCP" / "basic.yaml"
    assert invoke("new", "BN-D-QCP", "--program", "FMS", "-o", path).exit_code == 0
    fill(path, BASIC_VALUES)
    assert "  # date: " in path.read_text()
    modified = invoke("modify", path, "--implementation-date", "2026-10-01")
    assert modified.exit_code == 0, modified.output
    text = (path.parent / "modification-1.yaml").read_text()
    assert "\n  date: 2026-11-30\n" in text
    assert "# date:" not in text and "The date the document is written" not in text
    assert "  # cwd_approval_date: " in text and "  # short_oed_reason: " in text
    assert str(yaml.safe_load(text)["document"]["date"]) == "2026-11-30"


def test_amend_and_modify_the_newest_document_number_after_the_folder(
    examples: Path, tmp_path: Path
) -> None:
    newest = examples / "BN-D-QAA" / "modification-1.json"
    amended = invoke("amend", newest)
    assert amended.exit_code == 0, amended.output
    amendment = newest.parent / "amendment-2.json"
    # Modification 1 cites no reference: the Amendment starts with the case's.
    refs = json.loads(amendment.read_text())["purchaser_references"]
    assert [r["reference"] for r in refs] == ["BN/MODAT/2312", "BN/MODAT/2398", "BN/MODAT/2733"]
    fill(amendment, AMENDMENT_VALUES)
    assert build(amendment, tmp_path / "out").exit_code == 0

    modified = invoke("modify", amendment)
    assert modified.exit_code == 0, modified.output
    modification = newest.parent / "modification-2.json"  # modification-1 is taken
    data = json.loads(modification.read_text())
    assert data["document"]["number"] == 2 and data["document"]["previous"] == "amendment-2.json"
    assert "offer_expiration_date" not in data["document"]
    assert data["purchaser_references"] == []
    failed = build(modification, tmp_path / "out")
    assert set(to_fill(failed.output)) == {"document.purpose", "document.reason"}
    fill(modification, {
        "document.purpose": '"decreases the spares line to reflect contract award prices"',
        "document.reason": '"contract award"',
    })  # fmt: skip
    built = build(modification, tmp_path / "out")
    assert built.exit_code == 0, built.output


def test_amend_and_modify_of_a_case_folder_follow_its_newest_document(examples: Path) -> None:
    folder = examples / "BN-D-QAA"  # basic, amendment-1, modification-1 (the newest)
    amended = invoke("amend", folder)
    assert amended.exit_code == 0, amended.output
    assert "Amendment 2, following modification-1.json" in amended.output
    data = json.loads((folder / "amendment-2.json").read_text())
    assert data["document"]["previous"] == "modification-1.json"
    # The Amendment just written, once filled in, is now the newest: the folder follows it.
    fill(folder / "amendment-2.json", AMENDMENT_VALUES)
    modified = invoke("modify", folder)
    assert modified.exit_code == 0, modified.output
    data = json.loads((folder / "modification-2.json").read_text())
    assert data["document"]["previous"] == "amendment-2.json"


def _document_file(folder: Path, name: str, **document: object) -> None:
    """A case file of BN-D-QAA in `folder` whose document is `document` (over the Basic's)."""
    data = json.loads((SHARED_EXAMPLES / "BN-D-QAA" / "basic.json").read_text())
    data["document"] = {**data["document"], **document}
    (folder / name).write_text(json.dumps(data))


def test_the_newest_document_of_a_folder_skips_cancelled_and_restated_ones(
    tmp_path: Path,
) -> None:
    from loagen.errors import ScaffoldError
    from loagen.ops.start import newest_document

    folder = tmp_path / "BN-D-QAA"
    folder.mkdir()
    _document_file(folder, "basic.json")
    _document_file(folder, "amendment-1.json", kind="Amendment", number=1, previous="basic.json")
    # Amendment 1 was cancelled without acceptance; Amendment 2 follows the Basic instead.
    _document_file(folder, "amendment-2.json", kind="Amendment", number=2,
                   previous="basic.json", cancelled=[{"kind": "Amendment", "number": 1}])  # fmt: skip
    assert newest_document(folder) == folder / "amendment-2.json"
    # Amendment 2 restated: the restated version is the one to follow.
    _document_file(folder, "amendment-2-restated.json", kind="Amendment", number=2,
                   previous="basic.json", cancelled=[{"kind": "Amendment", "number": 1}],
                   restated={"previous_offer_date": "2025-01-10"})  # fmt: skip
    assert newest_document(folder) == folder / "amendment-2-restated.json"
    # `previous` is a path from the document's folder: "./basic.json" names the same file.
    _document_file(folder, "amendment-3.json", kind="Amendment", number=3,
                   previous="./amendment-2-restated.json")  # fmt: skip
    assert newest_document(folder) == folder / "amendment-3.json"
    (folder / "amendment-3.json").unlink()
    # Files that are not case files are not documents of the case.
    (folder / "notes.txt").write_text("call the IA")
    (folder / "contacts.json").write_text('{"desk officer": "J. Smith"}')
    assert newest_document(folder) == folder / "amendment-2-restated.json"
    # A case file that does not read may be the newest: it is named, nothing is guessed.
    (folder / "modification-1.json").write_text('{"case_id": "BN-D-QAA",')
    with pytest.raises(ScaffoldError) as refused:
        newest_document(folder)
    assert str(refused.value.message).startswith(
        "modification-1.json does not read, so which document is the newest cannot be told (line 1"
    )


def test_a_case_folder_whose_newest_document_is_not_plain_is_refused_with_what_to_do(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "BN-D-QAA"
    folder.mkdir()
    empty = invoke("amend", folder)
    assert empty.exit_code == 3
    assert "this folder holds no case file to follow" in said(empty)

    _document_file(folder, "basic.json")
    _document_file(folder, "amendment-1.json", kind="Amendment", number=1, previous="basic.json")
    _document_file(folder, "amendment-2.json", kind="Amendment", number=2, previous="basic.json")
    two = invoke("amend", folder)
    assert two.exit_code == 3
    assert (
        "more than one document could be the newest: amendment-1.json (Amendment 1), "
        "amendment-2.json (Amendment 2); give the case file of the one to follow"
    ) in said(two)
    assert "document.cancelled" in said(two)
    assert sorted(p.name for p in folder.iterdir()) == [
        "amendment-1.json",
        "amendment-2.json",
        "basic.json",
    ]  # nothing written

    other = json.loads((folder / "basic.json").read_text())
    other["case_id"] = "BN-D-QAB"
    (folder / "other.json").write_text(json.dumps(other))
    mixed = invoke("modify", folder)
    assert mixed.exit_code == 3
    assert "this folder holds documents of 2 cases (BN-D-QAA, BN-D-QAB)" in said(mixed)


def test_numbers_skip_those_the_case_folder_already_has(tmp_path: Path) -> None:
    folder = tmp_path / "BN-D-QAA"
    shutil.copytree(CASES / "BN-D-QAA", folder)  # basic, amendment-1, modification-1 and -2
    closed = invoke("modify", folder / "modification-2.json")  # processed for case closure
    assert closed.exit_code == 3
    assert "Modification 2 is processed for case closure: no document follows it" in closed.output
    assert invoke("modify", folder / "amendment-1.json", "--branch").exit_code == 0
    data = json.loads((folder / "modification-3.json").read_text())
    assert data["document"]["number"] == 3 and data["document"]["previous"] == "amendment-1.json"


def test_an_amendment_of_an_unimplemented_basic_needs_its_implementation_date(
    examples: Path, tmp_path: Path
) -> None:
    basic = examples / "BN-B-ZEA" / "basic.json"
    refused = invoke("amend", basic)
    assert refused.exit_code == 3
    assert "the case is not implemented yet" in refused.output
    assert "--implementation-date YYYY-MM-DD" in refused.output
    assert "loagen restate" in refused.output
    bad = invoke("amend", basic, "--implementation-date", "1 May 2026")
    assert bad.exit_code == 2 and "expected a date written YYYY-MM-DD" in said(bad)
    done = invoke("modify", basic, "--implementation-date", "2026-05-20")
    assert done.exit_code == 0, done.output
    modification = basic.parent / "modification-1.json"
    data = json.loads(modification.read_text())
    assert data["document"]["implementation_date"] == "2026-05-20"
    fill(modification, {"document.purpose": '"corrects the delivery term of Line 001"',
                        "document.reason": '"to correct an error"'})  # fmt: skip
    assert build(modification, tmp_path / "out").exit_code == 0
    # The case's date, once a document gives it, is not contradicted.
    clash = invoke("amend", basic.parent / "modification-1.json", "--implementation-date",
                   "2026-06-01")  # fmt: skip
    assert clash.exit_code == 3
    assert "the case's implementation date is 2026-05-20" in clash.output


@pytest.mark.usefixtures("offers_in_the_past")
def test_no_document_follows_a_case_closure_or_an_offer_restated(tmp_path: Path) -> None:
    folder = tmp_path / "BN-D-QAA"
    shutil.copytree(SHARED_EXAMPLES / "BN-D-QAA", folder)
    data = json.loads((folder / "modification-1.json").read_text())
    data["document"]["case_closure"] = True
    (folder / "modification-1.json").write_text(json.dumps(data))
    closed = invoke("amend", folder / "modification-1.json")
    assert closed.exit_code == 3
    assert "Modification 1 is processed for case closure: no document follows it" in closed.output
    # an offer restated is followed by its restated version (the Basic, not yet accepted)
    offered = tmp_path / "offered" / "basic.json"
    offered.parent.mkdir()
    offered.write_bytes((folder / "basic.json").read_bytes())
    restated = invoke("restate", offered, "--previous-offer-date", "2024-06-01",
                      "-o", tmp_path / "out")  # fmt: skip
    assert restated.exit_code == 0, restated.output
    refused = invoke("amend", offered, "--branch")
    assert refused.exit_code == 3
    assert "basic-restated.json restates the Basic" in refused.output


def test_amend_of_a_yaml_file_keeps_its_comments_and_flags_what_to_change(tmp_path: Path) -> None:
    # A case no one here wrote: started with `new`, filled in, with the writer's own comments.
    basic = tmp_path / "BN-D-QCP" / "basic.yaml"
    assert invoke("new", "BN-D-QCP", "--program", "FMS", "-o", basic).exit_code == 0
    fill(basic, BASIC_VALUES)
    text = basic.read_text().replace(
        "  - number: '001'",
        "  # Writer: hull numbers 101-104, per the minutes of 12 April.\n  - number: '001'",
    )
    text = text.replace("    quantity: 4\n", "    quantity: 4  # four hulls\n")
    basic.write_text(text)

    result = invoke("amend", basic, "--implementation-date", "2026-08-03")
    assert result.exit_code == 0, result.output
    amendment = basic.parent / "amendment-1.yaml"
    new = amendment.read_text()
    # The writer's comments and loagen's explanations are carried over as they were.
    assert (
        "  # Writer: hull numbers 101-104, per the minutes of 12 April.\n  - number: '001'" in new
    )
    assert "    quantity: 4  # four hulls\n" in new
    assert "#   P  New procurement" in new
    # Unchanged parts are byte for byte the same.
    old_lines = text[text.index("lines:") :]
    assert old_lines in new
    # The fields to change are flagged.
    assert "  # loagen: the Basic's offer expiration date was 15 December 2026" in new
    assert (
        "  # loagen: the Basic said: provides for four coastal patrol craft and their initial "
        'spares\n  purpose: "FILL IN: what this Amendment does'
    ) in new
    data = yaml.safe_load(new)
    assert data["document"]["implementation_date"].isoformat() == "2026-08-03"
    assert list(data["document"])[:4] == ["kind", "number", "previous", "offer_expiration_date"]

    fill(amendment, AMENDMENT_VALUES | {"document.offer_expiration_date": "2027-03-01"})
    text = amendment.read_text().replace("    quantity: 4  # four hulls", "    quantity: 6  # six")
    amendment.write_text(text)
    built = build(amendment, tmp_path / "out")
    assert built.exit_code == 0, built.output

    # The next one: the flags of this Amendment's making are gone, its own are there.
    modified = invoke("modify", amendment)
    assert modified.exit_code == 0, modified.output
    modification = (basic.parent / "modification-1.yaml").read_text()
    assert "# loagen: the Basic" not in modification
    assert "# loagen: Amendment 1 said: provides for additional pilot training" in modification
    assert "    quantity: 6  # six\n" in modification
    assert "# Writer: hull numbers 101-104" in modification


def test_amend_of_a_json_file_as_yaml(examples: Path, tmp_path: Path) -> None:
    source = examples / "BN-D-QAA" / "modification-1.json"
    result = invoke("amend", source, "--yaml")
    assert result.exit_code == 0, result.output
    path = source.parent / "amendment-2.yaml"
    text = path.read_text()
    assert "previous: modification-1.json" in text
    assert "# loagen: Modification 1 said: extends the Months" in text
    assert "implementation_date: 2025-07-21" in text
    fill(path, {
        "document.offer_expiration_date": "2026-12-15",
        "document.purpose": "provides for additional spares",
        "document.reason": "at the Purchaser's request",
    })  # fmt: skip
    assert build(path, tmp_path / "out").exit_code == 0


def test_a_broken_source_is_reported_as_loading_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "basic.yaml"
    assert invoke("new", "BN-D-QCP", "-o", path).exit_code == 0
    result = invoke("amend", path)
    assert result.exit_code == 3
    assert "values still to fill in" in result.output
    assert "Traceback" not in result.output
    missing = invoke("modify", tmp_path / "nope.json")
    assert missing.exit_code == 3 and "case file not found" in missing.output


def test_the_next_document_starts_its_own_package_and_notification(examples: Path) -> None:
    newest = examples / "BN-D-QAA" / "modification-1.json"
    data = json.loads(newest.read_text())
    data["package"] = [
        {"kind": "SOLE-SOURCE-REQUEST-LETTER", "reference": "BN/MODAT/2312", "date": "2024-02-14"}
    ]
    data["document"]["congressional_notification"] = {"number": "24-17", "date": "2024-03-01"}
    newest.write_text(json.dumps(data, indent=2))
    assert invoke("amend", newest).exit_code == 0
    amendment = json.loads((newest.parent / "amendment-2.json").read_text())
    assert amendment["package"] == []  # the Amendment's own supporting documents
    assert "congressional_notification" not in amendment["document"]


def test_an_amendment_of_a_basic_accepted_early_may_expire_before_the_basics_offer(
    examples: Path,
) -> None:
    """The Basic implemented before its offer expired: the next Amendment's offer may expire
    any day after the implementation (QC-OED-ORDER), and its fill-in says so."""
    basic = examples / "BN-B-ZEA" / "basic.json"
    oed = json.loads(basic.read_text())["document"]["offer_expiration_date"]
    implemented = (date.fromisoformat(oed) - timedelta(days=30)).isoformat()
    assert invoke("amend", basic, "--implementation-date", implemented).exit_code == 0
    data = json.loads((basic.parent / "amendment-1.json").read_text())
    assert f"after {implemented}" in data["document"]["offer_expiration_date"]
