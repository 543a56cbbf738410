"""`loagen restate`: the restated case file beside the original, and its document built."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import docx
import pytest
import yaml
from typer.testing import CliRunner

from loagen.cli import app
from loagen.errors import RestateError
from loagen.ops.restate import restate_file

from .conftest import CASES, example, write_chain
from .projects import make_project

# restate refuses a previous offer date after the day the checks run (conftest)
pytestmark = pytest.mark.usefixtures("offers_in_the_past")


@pytest.fixture
def qaa(tmp_path: Path) -> Path:
    folder = tmp_path / "BN-D-QAA"
    folder.mkdir()
    for path in (CASES / "BN-D-QAA").glob("*.json"):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def offer(folder: Path, name: str) -> Path:
    """The document `name` of `folder` as an offer not yet answered: the documents that follow
    it are taken away (a document another follows was accepted, and is not restated)."""
    order = ["basic.json", "amendment-1.json", "modification-1.json", "modification-2.json"]
    for later in order[order.index(name) + 1 :]:
        (folder / later).unlink(missing_ok=True)
    return folder / name


def test_an_accepted_document_is_not_restated(qaa: Path):
    with pytest.raises(RestateError) as refused:
        restate_file(qaa / "amendment-1.json", date(2026, 4, 1))
    assert refused.value.message.startswith(
        "modification-1.json follows amendment-1.json, so amendment-1.json was accepted (or "
        "cancelled) and is no longer an offer to restate"
    )
    assert "a draft not yet offered, move it aside first" in refused.value.message
    assert not (qaa / "amendment-1-restated.json").exists()
    # however `previous` writes the path
    follower = json.loads((qaa / "modification-1.json").read_text())
    follower["document"]["previous"] = "./amendment-1.json"
    (qaa / "modification-1.json").write_text(json.dumps(follower))
    with pytest.raises(RestateError, match="modification-1.json follows amendment-1.json"):
        restate_file(qaa / "amendment-1.json", date(2026, 4, 1))


def test_a_loop_of_previous_documents_is_said_as_a_loop(qaa: Path):
    """Two Amendments naming each other as `previous`: not "each follows the other"."""
    from loagen.errors import HistoryError

    offer(qaa, "amendment-1.json")
    first = json.loads((qaa / "amendment-1.json").read_text())
    second = json.loads(json.dumps(first))
    second["document"].update(number=2, previous="amendment-1.json")
    first["document"]["previous"] = "amendment-2.json"
    (qaa / "amendment-1.json").write_text(json.dumps(first))
    (qaa / "amendment-2.json").write_text(json.dumps(second))
    with pytest.raises(HistoryError) as refused:
        restate_file(qaa / "amendment-1.json", date(2026, 4, 1))
    assert "loops back on itself: amendment-1.json -> amendment-2.json -> amendment-1.json" in (
        refused.value.message
    )
    assert "follows" not in refused.value.message
    assert not (qaa / "amendment-1-restated.json").exists()


def test_a_document_recorded_as_accepted_is_not_restated(qaa: Path):
    newest = offer(qaa, "amendment-1.json")
    data = json.loads(newest.read_text())
    data["document"]["accepted_date"] = "2026-08-01"
    newest.write_text(json.dumps(data))
    with pytest.raises(RestateError) as refused:
        restate_file(newest, date(2026, 4, 1))
    assert "records that the Purchaser accepted it on 2026-08-01" in refused.value.message
    assert refused.value.location == "document.accepted_date"
    assert not (qaa / "amendment-1-restated.json").exists()


def test_restated_amendment_is_built_and_leads_with_the_restated_sentence(
    qaa: Path, tmp_path: Path, monkeypatch
):
    project = make_project(tmp_path / "project")
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "restate",
            str(offer(qaa, "amendment-1.json")),
            "--previous-offer-date",
            "2026-04-01",
            "--offer-expiration-date",
            "2026-10-15",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (qaa / "amendment-1-restated.json").is_file()
    document = docx.Document(str(out / "BN-D-QAA-amendment-1-restated.docx"))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    description = next(t for t in texts if "RESTATED" in t)
    assert description.startswith(
        "This Amendment is a RESTATED document which supersedes the previous version offered "
        "on 1 April 2026."
    )
    manifest = json.loads((out / "BN-D-QAA-amendment-1-restated.manifest.json").read_text())
    assert manifest["dependencies"]["inputs"][-1]["path"].endswith("amendment-1-restated.json")


def test_restated_file_keeps_the_original_text_and_field_order(qaa: Path):
    original = offer(qaa, "amendment-1.json")
    target = restate_file(original, date(2026, 4, 1))
    assert target == qaa / "amendment-1-restated.json"
    before, after = json.loads(original.read_text()), json.loads(target.read_text())
    assert list(after) == list(before)
    assert list(after["document"]) == [*before["document"], "restated"]
    assert after["document"]["restated"] == {"previous_offer_date": "2026-04-01"}
    assert {k: v for k, v in after.items() if k != "document"} == {
        k: v for k, v in before.items() if k != "document"
    }
    # only the document object changed: the lines keep their one-line objects
    assert original.read_text().split('"lines"')[1] == target.read_text().split('"lines"')[1]


def test_new_offer_expiration_date_replaces_the_old_one(qaa: Path):
    target = restate_file(offer(qaa, "basic.json"), date(2025, 5, 1), date(2025, 9, 30))
    doc = json.loads(target.read_text())["document"]
    assert doc["offer_expiration_date"] == "2025-09-30"
    assert target.name == "basic-restated.json"


def test_a_modification_cannot_be_restated(qaa: Path):
    with pytest.raises(RestateError, match="Modification cannot be restated") as caught:
        restate_file(qaa / "modification-1.json", date(2026, 4, 1))
    assert caught.value.problems[0].location == "document.kind"
    assert not (qaa / "modification-1-restated.json").exists()


def test_restating_again_with_the_same_date_redoes_it_and_another_date_is_refused(qaa: Path):
    first = restate_file(offer(qaa, "amendment-1.json"), date(2026, 4, 1))
    again = restate_file(first, date(2026, 4, 1), date(2026, 11, 1))
    assert again == first
    assert json.loads(first.read_text())["document"]["offer_expiration_date"] == "2026-11-01"
    with pytest.raises(RestateError, match="already restates the offer of 2026-04-01") as caught:
        restate_file(first, date(2026, 5, 1))
    said = str(caught.value)
    assert "restate amendment-1-restated.json with 2026-04-01 as the previous offer date" in said
    assert "edit document.offer_expiration_date in amendment-1-restated.json" in said


def test_a_restated_document_whose_offer_expired_is_offered_again_as_the_same_restatement(
    qaa: Path,
):
    """The restated version was offered in turn and expired: restating it with the date of its
    own offer is refused with a way out that works (restating the original again, as said
    before, was refused too, since the restated version was offered after the original
    expired, and would have dropped the edits made to the restated file)."""
    original = offer(qaa, "amendment-1.json")  # its offer expires on 2026-09-15
    first = restate_file(original, date(2026, 4, 1), date(2026, 11, 1))
    edited = first.read_text().replace('"purpose": "', '"purpose": "(edited) ', 1)
    first.write_text(edited)
    files = sorted(p.name for p in qaa.iterdir())
    with pytest.raises(RestateError) as refused:
        restate_file(first, date(2026, 10, 1), date(2027, 1, 15))  # the restated version's offer
    said = str(refused.value)
    assert refused.value.problems[0].location == "document.restated.previous_offer_date"
    assert (
        "amendment-1-restated.json already restates the offer of 2026-04-01 (not of 2026-10-01)"
        in said
    )
    assert "restate amendment-1-restated.json with 2026-04-01 as the previous offer date" in said
    assert "move" not in said and "restate amendment-1.json" not in said
    assert first.read_text() == edited and sorted(p.name for p in qaa.iterdir()) == files
    # the way out the message gives: the same restatement, offered again
    assert restate_file(first, date(2026, 4, 1), date(2027, 1, 15)) == first
    again = json.loads(first.read_text())
    assert again["document"]["restated"] == {"previous_offer_date": "2026-04-01"}
    assert again["document"]["offer_expiration_date"] == "2027-01-15"
    assert "(edited) " in again["document"]["purpose"]
    assert first.read_text() == edited.replace('"2026-11-01"', '"2027-01-15"')
    assert sorted(p.name for p in qaa.iterdir()) == files  # no other file written


def test_a_restated_file_written_before_is_never_written_over_from_the_original(qaa: Path):
    original = offer(qaa, "amendment-1.json")
    first = restate_file(original, date(2026, 4, 1))
    edited = first.read_text().replace('"purpose": "', '"purpose": "(edited) ', 1)
    first.write_text(edited)
    with pytest.raises(RestateError) as refused:
        restate_file(original, date(2026, 4, 1))
    said = str(refused.value)
    assert "amendment-1-restated.json already restates amendment-1.json" in said
    # one way out, which does not lead back to restating the original
    assert "edit document.offer_expiration_date in amendment-1-restated.json" in said
    assert "move amendment-1-restated.json aside and run this command again" in said
    assert "loagen restate" not in said
    assert first.read_text() == edited  # the writer's edit is kept
    first.rename(first.with_name("old.json"))  # as the message says, it restates afresh
    assert restate_file(original, date(2026, 5, 1)) == first


def test_an_offer_date_not_before_the_offer_expiration_date_is_refused_before_writing(qaa: Path):
    original = offer(qaa, "basic.json")
    oed = json.loads(original.read_text())["document"]["offer_expiration_date"]
    on_the_day = date.fromisoformat(oed)
    with pytest.raises(RestateError) as refused:
        restate_file(original, on_the_day)
    assert f"the offer expiration date {oed} is not after the previous offer date {oed}" in str(
        refused.value
    )
    assert "--offer-expiration-date" in str(refused.value)
    assert not (qaa / "basic-restated.json").exists()


def test_a_previous_offer_date_after_today_or_after_the_original_expired_is_refused(qaa: Path):
    """The superseded version was offered on a day that has come, before its offer expired: a
    later date is refused before anything is written, even with a new offer expiration date."""
    original = offer(qaa, "amendment-1.json")
    oed = date.fromisoformat(json.loads(original.read_text())["document"]["offer_expiration_date"])
    later = oed + timedelta(days=1)
    new_oed = oed + timedelta(days=120)
    with pytest.raises(RestateError) as refused:
        restate_file(original, later, new_oed, today=oed + timedelta(days=60))
    said = str(refused.value)
    assert (
        f"the previous offer date {later} is after amendment-1.json's offer expiration date {oed}"
        in said
    )
    assert "give the date the superseded version was offered" in said
    assert refused.value.problems[0].location == "document.restated.previous_offer_date"
    with pytest.raises(RestateError) as refused:
        restate_file(original, oed - timedelta(days=10), new_oed, today=oed - timedelta(days=11))
    assert (
        f"the previous offer date {oed - timedelta(days=10)} is after today "
        f"({oed - timedelta(days=11)})" in str(refused.value)
    )
    assert not (qaa / "amendment-1-restated.json").exists()
    # offered on or before today and the day it expires: restated
    target = restate_file(original, oed, new_oed, today=oed)
    assert json.loads(target.read_text())["document"]["restated"]["previous_offer_date"] == str(oed)


def test_a_new_offer_expiration_date_the_checks_refuse_is_refused_before_writing(
    tmp_path: Path,
):
    """On or before the case's implementation date (an Amendment), or before a purchaser
    reference's date: the restated file would not build, and once written it would stand in
    the way of the next try."""
    amendment = example("BN-D-QAA/amendment-1")
    implemented = date(2031, 3, 14)
    amendment["document"] |= {
        "implementation_date": implemented.isoformat(),
        "offer_expiration_date": "2031-10-01",
    }
    amendment["purchaser_references"][0]["date"] = "2031-04-20"
    original = write_chain(tmp_path / "case", example("BN-D-QAA/basic"), amendment)
    today = date(2031, 6, 1)
    with pytest.raises(RestateError) as refused:
        restate_file(original, date(2031, 2, 1), implemented, today=today)
    assert (
        f"the new offer expiration date {implemented} is on or before the case's implementation "
        f"date {implemented}" in str(refused.value)
    )
    assert refused.value.problems[0].location == "document.offer_expiration_date"
    with pytest.raises(RestateError) as refused:
        restate_file(original, date(2031, 3, 20), date(2031, 4, 19), today=today)
    reference = amendment["purchaser_references"][0]["reference"]
    assert (
        f"the new offer expiration date 2031-04-19 is before the date of the purchaser reference "
        f"{reference!r} (2031-04-20)" in str(refused.value)
    )
    assert not original.with_name(original.stem + "-restated.json").exists()
    target = restate_file(original, date(2031, 3, 20), date(2031, 4, 20), today=today)
    assert json.loads(target.read_text())["document"]["offer_expiration_date"] == "2031-04-20"


def test_command_refuses_a_previous_offer_date_after_today(qaa: Path, tmp_path: Path):
    """ "Today" is the day the checks run: `LOAGEN_TODAY` when it is set (this module's
    fixture), not the computer's date."""
    original = offer(qaa, "basic.json")
    tomorrow = date(2027, 6, 2)
    result = CliRunner().invoke(
        app,
        [
            "restate",
            str(original),
            "--previous-offer-date",
            tomorrow.isoformat(),
            "--offer-expiration-date",
            (tomorrow + timedelta(days=90)).isoformat(),
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 3
    assert f"the previous offer date {tomorrow} is after today" in result.stderr
    assert not (qaa / "basic-restated.json").exists()
    assert not (tmp_path / "out").exists()


def test_yaml_case_files_are_restated_as_yaml(tmp_path: Path):
    data = json.loads((CASES / "BN-P-WRS" / "basic.json").read_text())
    source = tmp_path / "basic.yaml"
    source.write_text(yaml.safe_dump(data, sort_keys=False))
    target = restate_file(source, date(2026, 1, 10))
    assert target.name == "basic-restated.yaml"
    loaded = yaml.safe_load(target.read_text())
    assert loaded["document"]["restated"]["previous_offer_date"] in (
        "2026-01-10",
        date(2026, 1, 10),
    )
    assert list(loaded) == list(data)


def test_a_yaml_restated_file_offered_again_keeps_the_writers_comments(tmp_path: Path):
    """The way to offer a restated document again (the date it records, a new offer expiration
    date) rewrites it in place: the comments written in it since stay."""
    data = json.loads((CASES / "BN-P-WRS" / "basic.json").read_text())
    source = tmp_path / "basic.yaml"
    source.write_text("# the writer's note\n" + yaml.safe_dump(data, sort_keys=False))
    restated = restate_file(source, date(2026, 1, 10))
    restated.write_text(restated.read_text().replace("document:\n", "document:  # checked\n", 1))
    assert restate_file(restated, date(2026, 1, 10), date(2027, 9, 1)) == restated
    text = restated.read_text()
    assert "# the writer's note" in text and "document:  # checked" in text
    document = yaml.safe_load(text)["document"]
    assert str(document["offer_expiration_date"]) == "2027-09-01"
    assert str(document["restated"]["previous_offer_date"]) == "2026-01-10"


def test_command_refuses_a_modification_and_still_restates_the_others(
    qaa: Path, tmp_path: Path, monkeypatch
):
    project = make_project(tmp_path / "project")
    monkeypatch.setenv("LOAGEN_PROJECT", str(project.root))
    modification = tmp_path / "elsewhere" / "modification-1.json"
    modification.parent.mkdir()
    modification.write_bytes((qaa / "modification-1.json").read_bytes())
    result = CliRunner().invoke(
        app,
        [
            "restate",
            str(modification),
            str(offer(qaa, "basic.json")),
            "--previous-offer-date",
            "2025-05-01",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 3
    assert "cannot restate" in result.stderr and "Modification" in result.stderr
    assert (tmp_path / "out" / "BN-D-QAA-basic-restated.docx").is_file()


def test_bad_date_is_a_usage_error(qaa: Path):
    result = CliRunner().invoke(
        app, ["restate", str(qaa / "basic.json"), "--previous-offer-date", "1 April"]
    )
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


@pytest.mark.parametrize(("year", "month"), [(2026, 2), (2028, 2), (2026, 4)])
def test_a_previous_offer_date_on_a_day_the_month_lacks_says_so(qaa: Path, year, month):
    """'2026-02-30' is written YYYY-MM-DD: the day is what does not exist, and how many days
    the month has is said."""
    import calendar

    days = calendar.monthrange(year, month)[1]
    written = f"{year}-{month:02d}-{days + 1:02d}"
    result = CliRunner().invoke(
        app, ["restate", str(offer(qaa, "amendment-1.json")), "--previous-offer-date", written]
    )
    said = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2, result.output
    name = calendar.month_name[month]
    assert f"{name} {year} has no day {days + 1} (it has {days} days)" in said
    assert "expected a date written YYYY-MM-DD" not in said
    assert not (qaa / "amendment-1-restated.json").exists()
