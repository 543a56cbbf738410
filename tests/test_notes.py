"""The note library: front matter, bodies and rules checked at load, every problem at once."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loagen.case.model import field_docs
from loagen.errors import NoteError, RuleError
from loagen.policy.notes import CARRY_OVER, FrontMatter, load_library, read_note

LIBRARY = Path(__file__).resolve().parents[1] / "note_library"

FRONT = {
    "title": "Test Note",
    "versions": '[{version: "1", effective: 2020-01-01}]',
    "programs": "[FMS, BPC]",
    "level": "case",
    "placement": "notes",
    "section": "3",
    "order": "3999",
    "documents": "[Basic, Amendment, Modification]",
    "rule": "lines_with(sole_source=True)",
    "carry_over": "lines_added",
}


def write_note(
    folder: Path,
    note_id: str = "TEST-NOTE",
    body: str = "Applies to {{ refs(note_lines) }}.",
    **fields: str,
) -> Path:
    """A note file with the FRONT defaults overridden by `fields` (a value of None drops a field)."""
    folder.mkdir(parents=True, exist_ok=True)
    front = {"id": note_id, **FRONT, **fields}
    lines = ["---", *(f"{k}: {v}" for k, v in front.items() if v is not None), "---", body, ""]
    path = folder / f"{note_id}.md"
    path.write_text("\n".join(lines))
    return path


@pytest.fixture(scope="module")
def library():
    return load_library(LIBRARY)


# -- the project's library ------------------------------------------------------------------------


class TestProjectLibrary:
    def test_loads_at_least_35_notes_in_print_order(self, library):
        assert len(library) >= 35
        ranks = [n.rank for n in library]
        assert ranks == sorted(ranks)
        assert len({n.id for n in library}) == len(library)
        assert len({n.order for n in library}) == len(library)

    def test_each_note_knows_its_file_hash_and_version(self, library):
        for note in library:
            assert note.path == LIBRARY / f"{note.id}.md"
            assert note.sha256 == hashlib.sha256(note.path.read_bytes()).hexdigest()
            assert note.version

    def test_every_note_says_in_words_when_it_is_used(self, library):
        """A reviewer reads `usage` before the rule: every note of the library gives it, as
        one paragraph (the file folds it over lines), in sentences."""
        for note in library:
            assert note.usage, note.id
            assert "\n" not in note.usage and "  " not in note.usage, note.id
            assert note.usage[0].isupper() and note.usage.endswith("."), note.id

    def test_finds_a_note_by_id(self, library):
        assert (
            library["SOLE-SOURCE-FMS"].title
            == "Procurement Using Other Than Full and Open Competition"
        )
        assert "NVD-SECURITY" in library and library.get("NOPE") is None
        with pytest.raises(KeyError, match="did you mean 'CAS-SURCHARGE'"):
            library["CAS-SURCHAGE"]

    def test_a_note_named_by_a_person_is_found_in_any_case_or_its_ids_offered(self, library):
        assert library.find("cas-surcharge").id == "CAS-SURCHARGE"
        with pytest.raises(NoteError) as part:
            library.find("CAS")
        assert part.value.message == (
            "no note 'CAS' in the library (the ids that hold 'CAS': BPC-CASE-CLOSURE-LEGACY, "
            "CAS-SURCHARGE)"
        )
        with pytest.raises(NoteError, match="did you mean 'CAS-SURCHARGE'"):
            library.find("cas-surchage")

    def test_digest_is_stable_and_follows_every_file(self, library, tmp_path):
        copy = tmp_path / "notes"
        shutil.copytree(LIBRARY, copy)
        assert load_library(copy).digest == library.digest
        path = copy / "CAS-SURCHARGE.md"
        path.write_text(path.read_text().replace("contract audit,", "contract audit ,"))
        assert load_library(copy).digest != library.digest

    def test_covers_every_placement_section_and_carry_over(self, library):
        # "line" (in a line's description column) is supported (tests/test_rendering.py) but the
        # Appendix 6 line notes print in the notes section, so the library uses the other two
        assert {n.placement for n in library} == {"notes", "payment_schedule"}
        assert {n.section for n in library} == {1, 2, 3, 4, 5}
        assert {n.carry_over for n in library} >= set(CARRY_OVER) - {"basic_only"}

    def test_bodies_do_not_repeat_the_title(self, library):
        for note in library:
            assert not note.body.lstrip().startswith("#")
            assert not note.body.startswith(note.title)


# -- problems in note files -------------------------------------------------------------------------


class TestProblems:
    def test_a_good_note_loads(self, tmp_path):
        note = read_note(write_note(tmp_path))
        assert note.id == "TEST-NOTE" and note.compiled_rule.names_lines
        assert note.body == "Applies to {{ refs(note_lines) }}."

    def test_used_when_is_checked_like_a_rule_and_points_at_its_line(self, tmp_path):
        note = read_note(write_note(tmp_path / "ok", used_when="not is_modification"))
        assert note.compiled_used_when is not None
        with pytest.raises(NoteError) as info:
            read_note(write_note(tmp_path / "bad", used_when="case.bpc_sistem == 'x'"))
        problem = info.value.problems[0]
        assert problem.location == "line 13"  # the used_when line of the front matter
        assert problem.message.startswith("used_when unknown field case.bpc_sistem")
        assert "did you mean 'case.bpc_system'" in problem.message

    def test_refresh_on_is_not_read_with_once(self, tmp_path):
        path = write_note(tmp_path, refresh_on="[Amendment]", carry_over="once")
        with pytest.raises(NoteError, match="refresh_on is not read with carry_over once"):
            read_note(path)
        note = read_note(write_note(tmp_path / "ok", refresh_on="[Amendment]", carry_over="every"))
        assert note.refreshed_on == {"Amendment"}
        default = read_note(write_note(tmp_path / "vr", carry_over="version_refresh"))
        assert default.refreshed_on == {"Basic", "Amendment", "Modification"}

    def test_restate_all_lines_is_read_with_the_policies_that_decide_by_lines(self, tmp_path):
        assert read_note(write_note(tmp_path / "ok", restate_all_lines="true")).restate_all_lines
        path = write_note(tmp_path, restate_all_lines="true", carry_over="every")
        with pytest.raises(NoteError, match="restate_all_lines is only read with carry_over"):
            read_note(path)

    def test_carry_over_means_says_what_used_when_and_restate_all_lines_change(self, tmp_path):
        plain = read_note(write_note(tmp_path / "a", carry_over="every"))
        assert plain.carry_over_means == CARRY_OVER["every"]
        used = read_note(write_note(tmp_path / "b", carry_over="every", used_when="is_amendment"))
        assert used.carry_over_means.startswith(CARRY_OVER["every"])
        assert used.carry_over_means.endswith(
            "; only on documents where used_when holds (is_amendment): on the others a note the "
            "case carries stays in force, not restated"
        )
        every_line = read_note(write_note(tmp_path / "c", restate_all_lines="true"))
        assert "printed again, it is about every line the rule names" in every_line.carry_over_means

    def test_in_force_must_name_a_note_of_the_library(self, tmp_path):
        write_note(tmp_path, "FIRST", rule='in_force("SECOND") and is_fms', carry_over="every")
        with pytest.raises(NoteError, match="in_force names SECOND, which is not a note"):
            load_library(tmp_path)
        write_note(tmp_path, "SECOND", order="3998")
        assert len(load_library(tmp_path)) == 2

    def test_a_note_that_did_not_load_is_not_also_missing_from_in_force(self, tmp_path):
        """SECOND has a YAML mistake: that is its problem, the only one; FIRST's in_force
        naming it is no second mistake."""
        write_note(tmp_path, "FIRST", rule='in_force("SECOND") and is_fms', carry_over="every")
        broken = write_note(tmp_path, "SECOND", order="3998")
        broken.write_text(broken.read_text().replace("level: case", "level case"))
        with pytest.raises(NoteError) as info:
            load_library(tmp_path)
        assert [p.source.name for p in info.value.problems] == ["SECOND.md"]
        assert "in_force names" not in str(info.value)

    def test_a_field_without_its_colon_is_said_at_its_own_line(self, tmp_path):
        """YAML notices the missing ':' on the next line; the line to fix is the field's."""
        path = write_note(tmp_path)
        lines = path.read_text().splitlines()
        number = next(i for i, line in enumerate(lines, 1) if line.startswith("programs:"))
        lines[number - 1] = lines[number - 1].replace("programs:", "programs", 1)
        path.write_text("\n".join(lines) + "\n")
        with pytest.raises(NoteError) as info:
            read_note(path)
        (problem,) = info.value.problems
        assert problem.location == f"line {number}"
        assert lines[number - 1] in str(info.value)
        assert "without ':' after it" in problem.message

    @pytest.mark.parametrize("quotes", ["\u201c\u201d", "\u2018\u2019"])
    def test_a_version_in_curly_quotes_is_said_once_with_the_fix(self, tmp_path, quotes):
        """Curly quotes pasted from a word processor: YAML keeps them in the label. Said at
        the version's line, naming the straight quotes to type; its block is not also
        missing."""
        versions = (
            f'\n  - version: "1"\n    effective: 2020-01-01'
            f"\n  - version: {quotes[0]}7{quotes[1]}\n    effective: 2024-01-01"
        )
        body = "::: version 1\nOld {{ refs(note_lines) }}.\n:::\n::: version 7\nNew.\n:::"
        path = write_note(tmp_path, versions=versions, body=body)
        number = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if quotes[0] in ln)
        with pytest.raises(NoteError) as info:
            read_note(path)
        (problem,) = info.value.problems
        assert problem.location == f"line {number}"
        assert "curly quotes" in problem.message
        assert 'write straight quotes, "7"' in problem.message

    def test_a_block_not_closed_is_said_once(self, tmp_path):
        """A block not closed before the next one: its text is still its version's, so that
        version has a block (no second, false problem)."""
        versions = (
            '\n  - version: "1"\n    effective: 2020-01-01'
            '\n  - version: "2"\n    effective: 2024-01-01'
        )
        body = "::: version 1\nOld {{ refs(note_lines) }}.\n::: version 2\nNew.\n:::"
        path = write_note(tmp_path, versions=versions, body=body)
        number = path.read_text().splitlines().index("::: version 2") + 1
        with pytest.raises(NoteError) as info:
            read_note(path)
        (problem,) = info.value.problems
        assert problem.location == f"line {number}"
        assert "version 1's block is not closed" in problem.message
        last = "::: version 1\nOld {{ refs(note_lines) }}.\n:::\n::: version 2\nNew."
        unclosed = write_note(tmp_path / "end", versions=versions, body=last)
        with pytest.raises(NoteError) as info:
            read_note(unclosed)
        (problem,) = info.value.problems
        assert "version 2's block is not closed" in problem.message

    def test_unknown_front_matter_field_with_near_miss(self, tmp_path):
        path = write_note(tmp_path, carry_ovr="every", carry_over=None)
        with pytest.raises(NoteError) as info:
            read_note(path)
        text = str(info.value)
        assert "carry_ovr: unknown field 'carry_ovr' (did you mean 'carry_over'?)" in text
        assert "carry_over: required field is missing" in text

    def test_bad_values(self, tmp_path):
        path = write_note(tmp_path, programs="[FMS, BCP]", section="7", level="paragraph")
        with pytest.raises(NoteError) as info:
            read_note(path)
        assert len(info.value.problems) == 3

    def test_rule_error_names_file_line_and_near_miss(self, tmp_path):
        path = write_note(tmp_path, rule='case.catgory == "defined_order"')
        with pytest.raises(RuleError) as info:
            read_note(path)
        error = info.value
        assert error.source == path and error.location == "line 11"
        assert error.source_line == 'rule: case.catgory == "defined_order"'
        assert "did you mean 'case.category'?" in str(error)

    def test_rule_error_in_a_folded_rule_points_at_its_line(self, tmp_path):
        path = write_note(tmp_path, rule=">-\n  is_fms\n  and lines_with(sole_sorce=True)")
        with pytest.raises(RuleError) as info:
            read_note(path)
        assert info.value.location == "line 13"
        assert "did you mean 'sole_source'?" in str(info.value)

    def test_body_placeholders_are_checked_against_the_model(self, tmp_path):
        path = write_note(tmp_path, body="Firm {{ note_lines[0].sole_source.frim }}.")
        with pytest.raises(RuleError, match="unknown field note_lines\\[0\\].sole_source.frim"):
            read_note(path)

    def test_line_is_known_only_in_line_notes(self, tmp_path):
        with pytest.raises(RuleError, match="unknown name 'line'"):
            read_note(write_note(tmp_path, body="{{ line.number }}"))
        note = read_note(
            write_note(
                tmp_path, body="{{ line.number }}", level="line", section="1", order="1999",
                title='"Line {{ line.number }}"', carry_over="every",
            )
        )  # fmt: skip
        assert note.level == "line"

    def test_body_markdown_the_renderer_cannot_print(self, tmp_path):
        path = write_note(tmp_path, body="# Heading\n\nText with `code` and [a link](http://x).")
        with pytest.raises(NoteError) as info:
            read_note(path)
        text = str(info.value)
        assert "a heading" in text and "inline code" in text and "a link" in text

    def test_html_is_one_problem_per_line_at_its_line_quoting_it(self, tmp_path):
        body = (
            "Applies to {{ refs(note_lines) }}.\n\n"
            "First line of a paragraph,\n"
            "its second line,\n"
            "and a third with <b>bold</b> and <i>italic</i>.\n"
            "A fourth <script>x()</script> line."
        )
        path = write_note(tmp_path, body=body)
        first = path.read_text().splitlines().index("First line of a paragraph,") + 1
        with pytest.raises(NoteError) as info:
            read_note(path)
        problems = info.value.problems
        assert [p.location for p in problems] == [f"line {first + 2}", f"line {first + 3}"]
        assert all(
            p.message.startswith("the body uses HTML, which the renderer does not print")
            for p in problems
        )
        text = str(info.value)
        assert "and a third with <b>bold</b>" in text and "A fourth <script>" in text

    @pytest.mark.parametrize(
        ("char", "words"),
        [
            ("\x00", "a control character (U+0000)"),
            ("\x1b", "a control character (U+001B)"),
            ("\x0c", "a control character (U+000C)"),
            ("\u202e", "a bidirectional control character (U+202E)"),
        ],
    )
    def test_a_character_that_does_not_print_is_refused_at_its_line(self, tmp_path, char, words):
        body = "Applies to {{ refs(note_lines) }}.\n\nSecond\tparagraph" + char + "\x01\n"
        path = write_note(tmp_path, body=body)
        path.write_text(path.read_text().replace("title: Test", f"title: Te{char}st"))
        lines = path.read_text().split("\n")
        with pytest.raises(NoteError) as info:
            read_note(path)
        problems = info.value.problems
        title = next(n for n, ln in enumerate(lines, 1) if ln.startswith("title:"))
        second = next(n for n, ln in enumerate(lines, 1) if ln.startswith("Second"))
        assert [p.location for p in problems] == [f"line {title}", f"line {second}"]
        for problem in problems:
            assert words in problem.message and "delete it" in problem.message
        code = f"<U+{ord(char):04X}>"
        assert f"Second\tparagraph{code}<U+0001>" in str(info.value)

    def test_carry_over_by_lines_needs_a_rule_that_names_lines(self, tmp_path):
        with pytest.raises(NoteError, match="carry_over lines_added needs a rule that names lines"):
            read_note(write_note(tmp_path, rule="is_fms"))

    def test_placement_and_level_must_agree(self, tmp_path):
        with pytest.raises(NoteError, match="placement line needs level line"):
            read_note(write_note(tmp_path, placement="line"))

    def test_file_name_must_match_the_id(self, tmp_path):
        path = write_note(tmp_path)
        path.rename(tmp_path / "OTHER.md")
        with pytest.raises(NoteError, match="must be named TEST-NOTE.md"):
            read_note(tmp_path / "OTHER.md")

    def test_not_yaml_and_no_front_matter(self, tmp_path):
        bad = tmp_path / "BAD.md"
        bad.write_text("---\nid: [unclosed\n---\nbody\n")
        with pytest.raises(NoteError, match="not valid YAML"):
            read_note(bad)
        bad.write_text("just a body\n")
        with pytest.raises(NoteError, match="starts with '---'"):
            read_note(bad)

    def test_a_version_date_that_names_no_day_is_said_at_its_line(self, tmp_path):
        path = write_note(tmp_path, versions='\n  - version: "1"\n    effective: 2026-31-01')
        with pytest.raises(NoteError) as info:
            read_note(path)
        (problem,) = info.value.problems
        assert problem.location == "line 6"  # (line 4: versions, 5: the version's label)
        assert problem.message.startswith(
            "versions (the 1st).effective: got '2026-31-01': there is no month 31 (YYYY-MM-DD)"
        )

    def test_a_misspelt_field_of_a_version_is_named_at_its_line_with_the_field_meant(
        self, tmp_path
    ):
        versions = '\n  - version: "1"\n    effective: 2020-01-01\n  - version: "2"\n    efective: 2026-01-01'
        with pytest.raises(NoteError) as info:
            read_note(write_note(tmp_path, versions=versions))
        said = {p.location: p.message for p in info.value.problems}
        assert said["line 8"].startswith(
            "versions (the 2nd).efective: unknown field 'efective' (did you mean 'effective'?)"
        )
        assert said["line 7"].startswith("versions (the 2nd).effective: required field is missing")

    def test_a_version_listed_after_another_but_dated_before_it_is_a_problem(self, tmp_path):
        versions = '[{version: "1", effective: 2009-08-04}, {version: "2", effective: 2006-06-01}]'
        with pytest.raises(NoteError) as info:
            read_note(write_note(tmp_path, versions=versions))
        assert (
            "version 2 (from 2006-06-01) is listed after version 1 (from 2009-08-04) but takes "
            "effect before it"
        ) in str(info.value)

    def test_a_field_written_twice(self, tmp_path):
        path = write_note(tmp_path)
        path.write_text(path.read_text().replace("versions:", "order: 3998\nversions:"))
        with pytest.raises(NoteError, match="field 'order' is written twice"):
            read_note(path)


class TestLibraryProblems:
    def test_duplicate_ids_and_order_keys(self, tmp_path):
        write_note(tmp_path, "NOTE-A")
        write_note(tmp_path, "NOTE-B")
        copy = tmp_path / "NOTE-C.md"
        copy.write_text((tmp_path / "NOTE-A.md").read_text())
        with pytest.raises(NoteError) as info:
            load_library(tmp_path)
        text = str(info.value)
        assert "note id NOTE-A is also used by NOTE-A.md" in text
        assert "order key 3999 is also used by" in text

    def test_every_problem_of_every_file_at_once(self, tmp_path):
        write_note(tmp_path, "NOTE-A", rule="case.catgory")
        write_note(tmp_path, "NOTE-B", order="4000", body="{{ cse.program }}")
        with pytest.raises(NoteError) as info:
            load_library(tmp_path)
        assert len(info.value.problems) == 2
        assert "NOTE-A.md: line 11" in str(info.value) and "NOTE-B.md" in str(info.value)

    def test_missing_or_empty_folder(self, tmp_path):
        with pytest.raises(NoteError, match="not found"):
            load_library(tmp_path / "nowhere")
        with pytest.raises(NoteError, match="holds no notes"):
            load_library(tmp_path)


def test_a_usage_written_over_lines_reads_as_one_paragraph(tmp_path: Path) -> None:
    write_note(tmp_path, usage=">-\n  FMS LOAs with ammunition,\n  and Amendments   that add it.")
    assert load_library(tmp_path)["TEST-NOTE"].usage == (
        "FMS LOAs with ammunition, and Amendments that add it."
    )
    write_note(tmp_path, usage=None)  # it may be left out
    assert load_library(tmp_path)["TEST-NOTE"].usage is None


def test_front_matter_fields_are_documented():
    docs = field_docs(FrontMatter)
    for name in FrontMatter.model_fields:
        assert docs.get(name), name


# -- the CLI ------------------------------------------------------------------------------------------


def _project(tmp_path: Path, notes: Path) -> Path:
    root = tmp_path / "project"
    (root / "templates").mkdir(parents=True)
    shutil.copytree(notes, root / "note_library")
    return root


def test_cli_notes_lists_and_checks_the_library(tmp_path, monkeypatch):
    from loagen.cli import app

    monkeypatch.setenv("LOAGEN_PROJECT", str(_project(tmp_path, LIBRARY)))
    runner = CliRunner()
    listed = runner.invoke(app, ["notes"])
    assert listed.exit_code == 0 and "SOLE-SOURCE-FMS" in listed.output
    checked = runner.invoke(app, ["notes", "--check"])
    assert checked.exit_code == 0, checked.output
    assert "no problems" in checked.output


def test_cli_notes_shows_versions_and_one_note_in_full(tmp_path, monkeypatch):
    import json

    from loagen.cli import app

    monkeypatch.setenv("LOAGEN_PROJECT", str(_project(tmp_path, LIBRARY)))
    runner = CliRunner()
    listed = runner.invoke(app, ["notes"])
    assert "688 from 2025-03-24" in listed.output  # ACCESSORIAL-CHARGES's second version
    one = runner.invoke(app, ["notes", "--note", "ACCESSORIAL-CHARGES"])
    assert one.exit_code == 0
    assert "688: from 2025-03-24 (DSCA 25-24 (E-Change 688))" in one.output
    assert "carry-over     every: printed on every document" in one.output
    assert "used           Every LOA that charges packing, crating and handling" in one.output
    # a note with used_when: the carry-over says where it is not restated
    cargo = " ".join(runner.invoke(app, ["notes", "--note", "CARGO-PREFERENCE"]).output.split())
    assert "only on documents where used_when holds" in cargo
    data = json.loads(runner.invoke(app, ["notes", "--json"]).output)
    by_id = {n["id"]: n for n in data["notes"]}
    assert [v["version"] for v in by_id["ACCESSORIAL-CHARGES"]["versions"]] == ["1", "688"]
    assert by_id["LINE-ITEM-NSR"]["refreshed_on"] == ["Amendment"]
    missing = runner.invoke(app, ["notes", "--note", "ACCESORIAL-CHARGES"])
    # a note the library does not hold: a wrong value on the command line (2), not a library fault
    said = " ".join(missing.output.replace("│", " ").split())
    assert missing.exit_code == 2 and "did you mean 'ACCESSORIAL-CHARGES'" in said


def test_cli_notes_check_fails_listing_every_problem(tmp_path, monkeypatch):
    from loagen.cli import app

    bad = tmp_path / "bad"
    write_note(bad, "NOTE-A", rule="case.catgory")
    write_note(bad, "NOTE-B", order="4000", level="sentence")
    monkeypatch.setenv("LOAGEN_PROJECT", str(_project(tmp_path, bad)))
    result = CliRunner().invoke(app, ["notes", "--check"])
    assert result.exit_code != 0
    assert "case.catgory" in result.output and "level" in result.output


def test_a_title_with_placeholders_reads_for_no_line_in_particular() -> None:
    from loagen.policy.notes import generic_title

    assert generic_title("Line Item {{ line.number }} Description") == "Line Item nnn Description"
    assert generic_title("Accessorial Charges") == "Accessorial Charges"


def test_every_paragraph_of_the_terms_a_note_cites_is_printed() -> None:
    """A note that cites "paragraph 5.4 of the Standard Terms and Conditions" cites a paragraph
    the document's Terms and Conditions hold (templates/standard_terms.md)."""
    terms = (LIBRARY.parent / "templates" / "standard_terms.md").read_text()
    held = set(re.findall(r"^(\d+\.\d+)\. ", terms, re.M))
    cited = {}
    for path in sorted(LIBRARY.glob("*.md")):
        body = path.read_text().split("\n---\n", 1)[1]
        for found in re.findall(r"paragraphs? ((?:\d+\.\d+(?:,| and| or)? ?)+)", body):
            for number in re.findall(r"\d+\.\d+", found):
                cited.setdefault(number, []).append(path.stem)
    assert cited  # the ammunition and shipment consolidation notes cite some
    assert {n: ids for n, ids in cited.items() if n not in held} == {}


def test_cli_notes_check_warns_of_documents_dated_before_a_notes_first_version(
    tmp_path, monkeypatch
):
    """A note file that lost its first version: `notes --check` names the documents of cases/
    its rule holds for that are dated before the version left, which lose the note."""
    from datetime import timedelta

    from loagen.cli import app
    from loagen.document import load_document
    from loagen.document.wording import spell_date

    from .conftest import example, write_chain

    data = example("BN-D-QAA/basic")
    data["lines"][0]["sole_source"] = {"firm": "Acme Corp.", "role": "prime"}
    notes = tmp_path / "notes"
    root = tmp_path / "project"
    case = write_chain(root / "cases" / "BN-T", data)
    day = load_document(case).note_date
    effective = day + timedelta(days=1)
    write_note(notes, "ONLY-LATER", versions=f'[{{version: "2", effective: {effective}}}]')
    (root / "templates").mkdir()
    shutil.copytree(notes, root / "note_library")
    monkeypatch.setenv("LOAGEN_PROJECT", str(root))
    result = CliRunner().invoke(app, ["notes", "--check"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert (
        f"warning: note ONLY-LATER: its rule holds on 1 document(s) dated before its first version takes effect ({spell_date(effective)})"
        in said
    )
    assert f"{case} (dated {spell_date(day)})" in said
    assert "1 warning(s)" in result.stdout
