"""`loagen schema`: the JSON Schema editors check case files with. It validates every example,
gives each code and fixed word its meaning, and lets a JSON case file name it ("$schema")."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from loagen.case.loading import parse_case
from loagen.case.meanings import CODE_TABLES, WORDS, code_meanings
from loagen.case.model import case_schema
from loagen.cli import app
from loagen.reference import load_reference

from .conftest import CASES, SHARED_EXAMPLES

EXAMPLES = sorted(CASES.rglob("*.json")) + sorted(SHARED_EXAMPLES.rglob("*.json"))


@pytest.fixture(scope="module")
def schema() -> dict:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == json.loads(json.dumps(case_schema()))
    return printed


@pytest.fixture(scope="module")
def validator(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_schema_validates_every_example(validator, path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


def test_the_schema_refuses_what_loagen_refuses(validator):
    data = json.loads((CASES / "BN-P-WRS" / "basic.json").read_text())
    data["lines"][0]["source_code"] = "Q"
    data["category"] = "defined"
    data["lines"][0]["colour"] = "red"
    errors = {"/".join(map(str, e.path)): e.message for e in validator.iter_errors(data)}
    assert errors.keys() == {"lines/0/source_code", "category", "lines/0"}
    assert "'colour' was unexpected" in errors["lines/0"]


def test_the_schema_takes_what_loagen_takes(validator, tmp_path: Path):
    """Codes written as numbers and amounts written with their dollar sign and commas load:
    the editor's schema must not flag them (it still flags what loading refuses)."""
    data = json.loads((CASES / "BN-D-QAA" / "basic.json").read_text())
    line = data["lines"][1]
    line.update(type_of_assistance=5, delivery_term_code=4, unit_cost="$2,125,000.5")
    line["quantity"] = "1,200"
    data["accessorial"]["transportation"] = " 40,000 "
    assert list(validator.iter_errors(data)) == []
    case = parse_case(data)
    assert (case.lines[1].type_of_assistance, case.lines[1].unit_cost) == ("5", 2125000.5)
    for field, value in [
        ("unit_cost", "12,50"),
        ("unit_cost", "285.000"),
        ("unit_cost", "$-5"),
        ("type_of_assistance", 10),
        ("quantity", "1.2.3"),
    ]:
        wrong = json.loads(json.dumps(data))
        wrong["lines"][1][field] = value
        assert list(validator.iter_errors(wrong)), (field, value)


def _property(schema: dict, model: str, field: str) -> dict:
    definition = schema if model == "Case" else schema["$defs"][model]
    return definition["properties"][field]


def _enum_nodes(node: dict) -> list[dict]:
    found = [node] if "enum" in node else []
    for part in node.get("anyOf", []):
        found += _enum_nodes(part)
    if "items" in node:
        found += _enum_nodes(node["items"])
    return found


@pytest.mark.parametrize("model,field", sorted(CODE_TABLES), ids="-".join)
def test_every_code_says_what_it_means(schema, model: str, field: str):
    prop = _property(schema, model, field)
    table = CODE_TABLES[(model, field)][0]
    codes = sorted(getattr(load_reference(), table))
    meanings = code_meanings(table)
    node, *numbers = _enum_nodes(prop)
    assert sorted(node["enum"]) == codes
    # one meaning a code, in the order of the enum, none empty
    assert node["enumDescriptions"] == [meanings[c] for c in node["enum"]]
    assert all(node["enumDescriptions"])
    # digit codes may be written as numbers (TA 4), with the same meanings
    for written in numbers:
        assert [str(n) for n in written["enum"]] == [c for c in codes if c.isdigit()]
        assert written["enumDescriptions"] == [meanings[str(n)] for n in written["enum"]]
    # the hover text lists them too, "code: meaning" a line
    for code in codes:
        assert f"{code}: {meanings[code]}" in prop["description"].splitlines()
        assert f"- `{code}`: {meanings[code]}" in prop["markdownDescription"]


def test_the_meanings_come_from_the_reference_tables(schema):
    source = _property(schema, "Line", "source_code")["description"]
    assert "P: New procurement" in source.splitlines()
    assert source.startswith("Source Code (SC), column (5)")
    release = _property(schema, "Line", "offer_release_code")
    row = load_reference().offer_release_codes["Z"]
    assert f"Z: {row}" in release["description"]
    delivery = _property(schema, "Line", "delivery_term_code")["description"]
    assert f"9: {load_reference().delivery_term_codes['9']}" in delivery
    assistance = _property(schema, "Line", "type_of_assistance")["description"]
    assert "U: CLSSA FMSO I" in assistance.splitlines()
    unit = _property(schema, "Line", "unit_of_issue")["description"]
    assert "EA: each" in unit.splitlines()
    terms = _property(schema, "Case", "terms_of_sale")["description"]
    assert "EDA Grant: Excess Defense Articles given without charge" in terms.splitlines()


@pytest.mark.parametrize("model,field", sorted(WORDS, key=str), ids=lambda x: str(x))
def test_every_fixed_word_says_what_it_means(schema, model: str, field):
    """Each entry of case.meanings.WORDS names a field of the schema that takes fixed values,
    and gives a meaning to every one of them (a value added to the model without a meaning, or
    an entry for a field renamed, fails here)."""
    prop = _property(schema, model, field)
    nodes = _enum_nodes(prop)
    assert nodes, f"{model}.{field} takes no fixed values"
    values = [v for node in nodes for v in node["enum"]]
    assert sorted(map(str, values)) == sorted(map(str, WORDS[(model, field)]))
    for node in nodes:
        assert node["enumDescriptions"] == [WORDS[(model, field)][v] for v in node["enum"]]
    assert prop["description"].splitlines()[0]  # what the field is, before the values


def test_category_and_document_kinds_are_explained(schema):
    category = _property(schema, "Case", "category")["description"].splitlines()
    assert category[0] == "The LOA category."
    assert any(line.startswith("blanket_order: blanket order") for line in category)
    kind = _property(schema, "DocumentInfo", "kind")["description"].splitlines()
    assert kind[0] == "Which document this file is."  # the model's own docstring is kept
    assert any(line.startswith("Modification: a change within scope") for line in kind)


def test_a_json_case_file_may_name_its_schema(tmp_path: Path, validator, monkeypatch):
    data = json.loads((CASES / "BN-P-WRS" / "basic.json").read_text())
    data = {"$schema": "../case.schema.json", **data}
    assert list(validator.iter_errors(data)) == []
    assert parse_case(data).case_id == "BN-P-WRS"
    # and the file builds as it did without it
    from .projects import make_project

    project = make_project(tmp_path / "project")
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    case = tmp_path / "BN-P-WRS" / "basic.json"
    case.parent.mkdir()
    case.write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["build", str(case), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output


def test_a_yaml_case_file_with_the_editor_line_loads(tmp_path: Path, validator):
    """The first lines docs/editors.md tells YAML writers to add (VS Code's, JetBrains') are
    comments to loagen."""
    data = json.loads((CASES / "BN-P-WRS" / "basic.json").read_text())
    text = (
        "# yaml-language-server: $schema=../case.schema.json\n"
        "# $schema: ../case.schema.json\n" + yaml.safe_dump(data)
    )
    path = tmp_path / "basic.yaml"
    path.write_text(text)
    from loagen.case.loading import load_case

    assert load_case(path).case.case_id == "BN-P-WRS"
    assert list(validator.iter_errors(yaml.safe_load(text))) == []
