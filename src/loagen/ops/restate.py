"""Restated documents: the same offer, changed before signature, superseding the version offered.

`restate_file` writes the restated version of one offered document (a Basic or an Amendment) as
a new case file beside it: `amendment-1.json` -> `amendment-1-restated.json`, the same document
with `document.restated.previous_offer_date` set and, when given, a new offer expiration date.
Everything else in the file stays as the case writer wrote it: for JSON only the `document`
object's changed members are touched (spacing, field order and the other fields are kept);
YAML files keep the writer's comments, field order and layout (`output.case_files`). The
restated files are then built with the batch machinery (`restate`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..case.loading import case_files_in, follows, load_chain, read_case_data
from ..document.costs import case_implementation_date
from ..errors import HistoryError, LoagenError, Problem, RestateError
from ..output.case_files import save_case_file
from ..output.files import atomic_write
from ..pipeline import today_from_environment
from ..project import find_case_files
from ..reading import text_of

RESTATED_SUFFIX = "-restated"
OFFERED_KINDS = ("Basic", "Amendment")


def restated_path(path: Path) -> Path:
    """Where the restated version of the case file at `path` is written."""
    if path.stem.endswith(RESTATED_SUFFIX):
        return path
    return path.with_name(f"{path.stem}{RESTATED_SUFFIX}{path.suffix}")


def restate_file(
    path: Path,
    previous_offer_date: date,
    offer_expiration_date: date | None = None,
    *,
    today: date | None = None,
) -> Path:
    """Write the restated version of the offered document at `path`; return its path.

    Raises RestateError for a document that cannot be restated (a Modification, which is not
    offered for acceptance; a document another document beside it follows, which is accepted or
    cancelled; a document that already restates an offer of another date: it is offered again
    by restating it with the date it records and a new offer expiration date), for a previous
    offer date that cannot be (after `today`, by default the computer's date, or after the
    document's own offer expiration date) and CaseError for a file that cannot be read.
    """
    path = Path(path)
    data, raw = read_case_data(path)
    doc = data.get("document")
    if not isinstance(doc, dict):
        raise RestateError("no `document` object: not a case document", source=path)
    kind = doc.get("kind")
    if kind not in OFFERED_KINDS:
        raise RestateError(
            f"a {kind} cannot be restated: only a document offered to the Purchaser for "
            "acceptance (a Basic or an Amendment) is restated; a Modification is not offered, "
            "so change it with a new Modification instead",
            source=path,
            location="document.kind",
        )
    if doc.get("accepted_date") is not None:
        raise RestateError(
            f"{path.name} records that the Purchaser accepted it on {doc['accepted_date']}: an "
            "accepted document is no longer an offer to restate; change the case with its next "
            "Amendment or Modification (or, if that date is wrong, remove document.accepted_date)",
            source=path,
            location="document.accepted_date",
        )
    beside = case_files_in(path.parent, path)[0]
    _refuse_a_loop(path, doc, dict(beside))
    followers = [
        other.name
        for other, other_data in beside
        if other_data.get("case_id") == data.get("case_id") and follows(other, other_data, path)
    ]
    if followers:
        named = " and ".join(followers)
        raise RestateError(
            f"{named} {'follows' if len(followers) == 1 else 'follow'} {path.name}, so "
            f"{path.name} was accepted (or cancelled) and is no longer an offer to restate: "
            f"change the case with its next Amendment or Modification (if {named} "
            f"{'is a draft' if len(followers) == 1 else 'are drafts'} not yet offered, move "
            f"{'it' if len(followers) == 1 else 'them'} aside first)",
            source=path,
        )
    target = restated_path(path)
    existing = doc.get("restated")
    if existing is not None:
        recorded = existing.get("previous_offer_date") if isinstance(existing, dict) else None
        if str(recorded) != previous_offer_date.isoformat():
            # A restated document whose own offer expired is offered again as the same
            # restatement, with a new offer expiration date: whether a second restatement names
            # the first offer or the restated one is not settled, and restating the original
            # again would drop what was edited in this file (and is refused when this version
            # was offered after the original expired).
            raise RestateError(
                f"{path.name} already restates the offer of {recorded} (not of "
                f"{previous_offer_date}), and a restated document is not restated a second "
                f"time. To offer it again, restate {path.name} with {recorded} as the previous "
                "offer date and its new offer expiration date: its RESTATED sentence still "
                f"names the offer of {recorded}, and the rest of the file stays as it is. If "
                "its offer was only extended, edit document.offer_expiration_date in "
                f"{path.name} and build it",
                source=path,
                location="document.restated.previous_offer_date",
            )
        target = path  # redo: the same restatement, perhaps with a new offer expiration date
    elif target.exists():
        if not _restates(target, path):
            raise RestateError(
                f"{target.name} already exists and is not a restatement of {path.name}; "
                "move it aside first",
                source=path,
            )
        # written before, and perhaps edited since: never written over from the original
        raise RestateError(
            f"{target.name} already restates {path.name} and may have been edited since, so "
            f"it is not written again. To change its offer expiration date, edit "
            f"document.offer_expiration_date in {target.name} and build it; to restate "
            f"{path.name} afresh "
            f"(another previous offer date), move {target.name} aside and run this command "
            "again",
            source=path,
        )
    _check_previous_offer_date(path, previous_offer_date, doc, today or today_from_environment())
    offer_expires = offer_expiration_date or _date(doc.get("offer_expiration_date"))
    if offer_expires is not None and offer_expires <= previous_offer_date:
        given = offer_expiration_date is not None
        raise RestateError(
            f"the {'new ' if given else ''}offer expiration date {offer_expires} is not after "
            f"the previous offer date {previous_offer_date}: the restated document is offered "
            "after the version it supersedes"
            + ("" if given else "; give its new offer date with --offer-expiration-date"),
            source=path,
            location="document.offer_expiration_date",
        )
    if offer_expiration_date is not None:
        _check_new_offer_expiration_date(path, offer_expiration_date)
    changes: dict[str, Any] = {"restated": {"previous_offer_date": previous_offer_date.isoformat()}}
    if offer_expiration_date is not None:
        changes["offer_expiration_date"] = offer_expiration_date.isoformat()
    if path.suffix.lower() in (".yaml", ".yml"):
        # The writer's comments, key order and layout are kept (output.case_files).
        data["document"] = {**doc, **changes}
        save_case_file(target, data, original=raw)
        return target
    text = _json_with(text_of(raw), changes, source=path)
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    atomic_write(target, bom + text.encode("utf-8"))
    return target


def _check_previous_offer_date(path: Path, offered: date, doc: dict[str, Any], today: date) -> None:
    """Refuse a previous offer date that cannot be: the superseded version was offered on a day
    that has come, and before its offer expired (the expiration date the file holds: the
    original's, or on a restatement redone, one no sooner than it)."""
    again = "give the date the superseded version was offered to the Purchaser"
    if offered > today:
        raise RestateError(
            f"the previous offer date {offered} is after today ({today}): it is the date the "
            f"version being superseded was offered, which has already happened; {again}",
            source=path,
            location="document.restated.previous_offer_date",
        )
    expired = _date(doc.get("offer_expiration_date"))
    if expired is not None and offered > expired:
        raise RestateError(
            f"the previous offer date {offered} is after {path.name}'s offer expiration date "
            f"{expired}: that version expired before it could have been offered; {again} (on or "
            "before its offer expiration date)",
            source=path,
            location="document.restated.previous_offer_date",
        )


def _check_new_offer_expiration_date(path: Path, expires: date) -> None:
    """Refuse a new offer expiration date the restated document could not be built with, as
    the checks would (QC-OED-ORDER, QC-REFS-DATE errors): for an Amendment, one on or before
    the case's implementation date; one before a purchaser reference's date. Refused here,
    before the file is written: a restated file that does not build would stand in the way of
    the next try. (One merely passed is the checks' warning, QC-OED-PASSED.)"""
    where = {"source": path, "location": "document.offer_expiration_date"}
    chain = tuple(f.case for f in load_chain(path))
    case = chain[-1]
    implemented = case_implementation_date(chain)
    kind = case.document.kind
    if kind != "Basic" and implemented is not None and expires <= implemented:
        raise RestateError(
            f"the new offer expiration date {expires} is on or before the case's "
            f"implementation date {implemented}: an {kind} is offered after the Basic was "
            "implemented; give a later date (QC-OED-ORDER)",
            **where,
        )
    for ref in case.purchaser_references:
        if ref.date > expires:
            raise RestateError(
                f"the new offer expiration date {expires} is before the date of the purchaser "
                f"reference {ref.reference!r} ({ref.date}) the document answers; give a later "
                "date (QC-REFS-DATE)",
                **where,
            )


def _date(value: Any) -> date | None:
    """A date the file holds (YAML reads it as one; JSON as text), or None."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None  # the file's own problem, which loading it reports


def _refuse_a_loop(path: Path, doc: dict[str, Any], beside: dict[Path, dict[str, Any]]) -> None:
    """Raise HistoryError when the `previous` documents of `path` (read from the case files
    `beside` it) lead back to a document already on the way: each would then read as following
    the other, and no document of the loop is an offer to restate."""
    on_the_way, here, previous = [path.name], path, doc.get("previous")
    by_name = {p.name: (p, d) for p, d in beside.items()}
    while isinstance(previous, str) and previous.strip():
        name = Path(previous).name
        if name in on_the_way:
            raise HistoryError(
                "the chain of previous documents loops back on itself: "
                f"{' -> '.join([*on_the_way, name])}; give each document the one before it as "
                "its document.previous (the Basic names none)",
                source=here,
                location="document.previous",
            )
        if name not in by_name:
            return
        here, data = by_name[name]
        on_the_way.append(name)
        inner = data.get("document")
        previous = inner.get("previous") if isinstance(inner, dict) else None


def _restates(candidate: Path, original: Path) -> bool:
    """Whether `candidate` is a restated version of the same document as `original`."""
    try:
        data, _ = read_case_data(candidate)
        orig, _ = read_case_data(original)
    except LoagenError:
        return False
    a, b = data.get("document") or {}, orig.get("document") or {}
    return (
        data.get("case_id") == orig.get("case_id")
        and a.get("kind") == b.get("kind")
        and a.get("number") == b.get("number")
        and a.get("restated") is not None
    )


def _offered_original(path: Path) -> bool:
    try:
        data, _ = read_case_data(path)
    except LoagenError:
        return True  # let restate_file report it
    doc = data.get("document")
    if not isinstance(doc, dict):
        return True
    return doc.get("kind") in OFFERED_KINDS and doc.get("restated") is None


# -- editing a JSON file in place ----------------------------------------------------------------

_DECODER = json.JSONDecoder()
_WS = re.compile(r"\s*")


@dataclass(frozen=True)
class _Member:
    key: str
    key_start: int
    value_start: int
    value_end: int


def _ws(text: str, i: int) -> int:
    return _WS.match(text, i).end()  # type: ignore[union-attr]


def _object_members(text: str, start: int) -> tuple[list[_Member], int]:
    """The members of the JSON object opening at `start`, and the index of its closing brace."""
    if text[start] != "{":
        raise ValueError("not an object")
    members: list[_Member] = []
    i = _ws(text, start + 1)
    if text[i] == "}":
        return members, i
    while True:
        key, j = _DECODER.raw_decode(text, i)
        j = _ws(text, j)
        if text[j] != ":":
            raise ValueError("expected ':'")
        j = _ws(text, j + 1)
        _, end = _DECODER.raw_decode(text, j)
        members.append(_Member(key, i, j, end))
        k = _ws(text, end)
        if text[k] == ",":
            i = _ws(text, k + 1)
        elif text[k] == "}":
            return members, k
        else:
            raise ValueError("expected ',' or '}'")


def _json_with(text: str, changes: dict[str, Any], *, source: Path) -> str:
    """`text` with the `document` object's members in `changes` replaced or appended."""
    try:
        top, _ = _object_members(text, _ws(text, 0))
        document = next(m for m in top if m.key == "document")
        members, _ = _object_members(text, document.value_start)
    except (ValueError, StopIteration, IndexError) as exc:
        raise RestateError(f"cannot edit the case file: {exc}", source=source) from None
    edits: list[tuple[int, int, str]] = []
    by_key = {m.key: m for m in members}
    appended = []
    for key, value in changes.items():
        encoded = json.dumps(value, ensure_ascii=False)
        if key in by_key:
            m = by_key[key]
            edits.append((m.value_start, m.value_end, encoded))
        else:
            appended.append(f"{json.dumps(key)}: {encoded}")
    if appended:
        if members:
            last = members[-1]
            line_start = text.rfind("\n", 0, last.key_start) + 1
            indent = text[line_start : last.key_start]
            sep = f",\n{indent}" if indent.strip() == "" and line_start > 0 else ", "
            edits.append((last.value_end, last.value_end, sep + sep.join(appended)))
        else:
            brace = document.value_start
            edits.append((brace + 1, brace + 1, " " + ", ".join(appended) + " "))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


# -- restating many documents ------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    """A document that cannot be restated, and why."""

    source: Path
    problems: tuple[Problem, ...]


@dataclass
class RestateReport:
    written: list[Path] = field(default_factory=list)
    passed_over: list[Path] = field(default_factory=list)
    """Case files found in folders that are not offered originals (Modifications, restated)."""
    refused: list[Refused] = field(default_factory=list)


def restate(
    paths: Iterable[Path],
    previous_offer_date: date,
    offer_expiration_date: date | None = None,
    *,
    today: date | None = None,
) -> RestateReport:
    """Write the restated version of each document of `paths` (case files, or folders of them).
    Documents that cannot be restated are reported; the others still go ahead. Building the
    restated files is the caller's next step (`ops.batch.run_batch`)."""
    paths = [Path(p) for p in paths]
    named = {p.resolve() for p in paths if not p.is_dir()}
    report = RestateReport()
    for path in find_case_files(paths):
        if path.resolve() not in named and not _offered_original(path):
            # Found in a folder: only the offered originals are restated there, not its
            # Modifications or the restated files of an earlier run.
            report.passed_over.append(path)
            continue
        try:
            report.written.append(
                restate_file(path, previous_offer_date, offer_expiration_date, today=today)
            )
        except LoagenError as exc:
            report.refused.append(Refused(path, exc.problems))
    return report
