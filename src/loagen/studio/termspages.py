"""The Standard Terms page: the Terms and Conditions by section, an editor of their text, what
an edit changes before it is saved, and the save and its undo.

The text is `templates/standard_terms.md`, read by `rendering.terms.parse_terms` (a "## "
heading starts a section, blank lines part its paragraphs, `<!-- -->` is left out). An edit
is first read as policy staff wrote it, line by line (`check_terms`): what the parser would
take otherwise than meant (a paragraph before the first heading, a heading run into the line
after it, a comment never closed) is said at its line, and saving is refused while it is
there. Its impact is `loagen impact`'s (`ops.impact.compare_pipelines`): every document of the
project rendered with the Terms as saved and with the edit, their printed text compared; the
FMS documents print the Terms, so they change. Drafts, the save (refused when the file changed
since it was opened) and its undo are the note pages' own (`notepages`).
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import LoagenError, RenderError
from ..ops.impact import ImpactReport, compare_pipelines, mark_answered
from ..pipeline import Pipeline
from ..reading import LIMITS, read_limited
from ..rendering.terms import TERMS_FILE, parse_terms
from .notepages import (
    SaveWords,
    _digest,
    _Draft,
    _keep_draft,
    _kept_draft,
    _save_note,
    say_saved,
    undo_offer,
    word_diff,
)
from .security import PathRefused, confine
from .web import Studio
from .workspace import STUDIO_KEEP

TERMS_DRAFT = "standard-terms"
"""The name the edits of the Terms are kept under with the notes' (never a note's id)."""
PAGE = "/terms"
TEXT_LIMIT = LIMITS["terms file"]
"""The largest text the page takes: as large as the Terms file may be (the form's field would
otherwise stop at 1 MB, a bare error page)."""

CITED = re.compile(r"paragraphs? ((?:\d+\.\d+(?:,| and| or)? ?)+)")
"""Where a note's text cites paragraphs of the Terms ("paragraph 5.4", "paragraphs 1.2 and
3.1")."""
NUMBERED = re.compile(r"^(\d+\.\d+)\. ")


def _terms_path(studio: Studio) -> Path:
    """The Standard Terms file, refused when it is a link that leads out of the project."""
    return confine(studio.project.templates, TERMS_FILE, suffixes=(".md",))


# -- reading the text as it is written ---------------------------------------------------------


@dataclass
class TermsCheck:
    problems: list[tuple[int, str]] = field(default_factory=list)
    """(line, message): what the Terms would print otherwise than written (saving is refused)."""
    warnings: list[tuple[int, str]] = field(default_factory=list)
    """(line or 0, message): worth a second look; saving is not refused."""
    sections: list[dict[str, object]] = field(default_factory=list)
    """The sections as the documents print them (when the text reads)."""


def _without_comments(text: str) -> tuple[str, int]:
    """`text` with each `<!-- -->` comment blanked out, its line breaks kept (so that lines keep
    their numbers), and the line of a comment never closed (0: none)."""
    out = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group().count("\n"), text, flags=re.DOTALL)
    start = out.find("<!--")
    return out, (out.count("\n", 0, start) + 1 if start >= 0 else 0)


def check_terms(text: str, cited: dict[str, list[str]] | None = None) -> TermsCheck:
    """What reading `text` as the Standard Terms finds, each problem at its line; `cited` (a
    paragraph number: the notes that cite it) adds a warning for each paragraph notes cite
    that the text no longer has."""
    check = TermsCheck()
    visible, unclosed = _without_comments(text)
    if unclosed:
        check.problems.append((unclosed, "a comment starts here with <!-- and is never closed "
                               "with -->: what follows would be printed, the <!-- included. "
                               "End the comment with -->."))  # fmt: skip
    lines = visible.split("\n")
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(lines, 1):
        if line.strip():
            blocks[-1].append((number, line.strip()))
        elif blocks[-1]:
            blocks.append([])
    headings = 0
    for block in (b for b in blocks if b):
        first_line, first = block[0]
        if first.startswith("## ") and first[3:].strip():
            headings += 1
            if len(block) > 1:
                check.problems.append((block[1][0], "this line comes right under a section "
                    "heading, with no blank line between them, so it would be printed as part "
                    "of the heading. Leave a blank line after the heading."))  # fmt: skip
            continue
        if first.startswith("#"):
            check.problems.append((first_line, "a section heading is written “## ” (two # and "
                "a space) and then its title, e.g. “## 8. Notices”; this line would be printed "
                "as a paragraph, # and all."))  # fmt: skip
        elif not headings:
            check.problems.append((first_line, "this paragraph comes before the first section "
                "heading: every paragraph belongs to a section. Put a heading line such as "
                "“## 1. Obligations of the U.S. Government” above it."))  # fmt: skip
        for number, line in block[1:]:
            if line.startswith("## "):
                check.problems.append((number, "this heading comes right under a paragraph, "
                    "with no blank line between them, so it would be printed as part of that "
                    "paragraph. Leave a blank line before the heading."))  # fmt: skip
    check.problems.sort()
    if not headings and not check.problems:
        check.problems.append((1, "there is no section: the Terms are sections, each a line "
                               "“## ” and its title, then its paragraphs."))  # fmt: skip
    try:
        check.sections = parse_terms(text)
    except RenderError as exc:  # (what the lines above do not say already)
        if not check.problems:
            check.problems.append((1, exc.message))
        check.sections = []
    if check.problems:
        check.sections = []
        return check
    for section in check.sections:
        if not section["paragraphs"]:
            check.warnings.append((_line_of(text, f"## {section['heading']}"),
                                   f"the section “{section['heading']}” has no paragraph."))  # fmt: skip
    held = {m.group(1) for s in check.sections for p in s["paragraphs"]  # type: ignore[attr-defined]
            if (m := NUMBERED.match(str(p)))}  # fmt: skip
    for number, notes in sorted((cited or {}).items()):
        if number not in held:
            check.warnings.append((0, f"paragraph {number} is cited by the {'note' if len(notes) == 1 else 'notes'} "
                                   f"{', '.join(notes)}, and this text has no paragraph numbered "
                                   f"“{number}.” any more: those notes would cite a paragraph the "
                                   "document does not print."))  # fmt: skip
    return check


def _line_of(text: str, start: str) -> int:
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip().startswith(start):
            return number
    return 0


def cited_paragraphs(studio: Studio) -> dict[str, list[str]]:
    """The paragraphs of the Terms the notes of the library cite, each with the notes."""
    out: dict[str, list[str]] = {}
    try:
        with studio.workspace.lock:
            library = studio.workspace.pipeline().library
    except LoagenError:
        return out
    for note in library:
        numbers = {n for t in note.texts for found in CITED.findall(t.body)
                   for n in re.findall(r"\d+\.\d+", found)}  # fmt: skip
        for number in numbers:
            out.setdefault(number, []).append(note.id)
    return out


# -- what an edit changes ----------------------------------------------------------------------------


@dataclass
class SectionChange:
    heading: str
    """The section's heading as the edit has it (as it was, for a section removed)."""
    paragraphs: list[tuple[str, Markup]] = field(default_factory=list)
    """(what: "reworded", "added", "removed", "heading" (renamed), "section-added",
    "section-removed"; the words, <del> and <ins> marked)."""


def section_changes(
    old: list[dict[str, object]], new: list[dict[str, object]]
) -> list[SectionChange]:
    """The paragraphs (and headings) of the Terms that an edit changes, by section, word by
    word."""

    def items(sections: list[dict[str, object]]) -> list[tuple[str, str, bool]]:
        out = []
        for s in sections:
            heading = str(s["heading"])
            out.append((heading, heading, True))
            out.extend((heading, str(p), False) for p in s["paragraphs"])  # type: ignore[attr-defined]
        return out

    a, b = items(old), items(new)
    keys_a = [("#" if h else "") + t for _, t, h in a]
    keys_b = [("#" if h else "") + t for _, t, h in b]
    changes: dict[str, SectionChange] = {}

    def add(heading: str, kind: str, words: Markup) -> None:
        changes.setdefault(heading, SectionChange(heading)).paragraphs.append((kind, words))

    opcodes = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes()
    # a section kept, or only renamed, is one section: what it loses is said under its new name
    renamed = {}
    for op, i1, i2, j1, j2 in opcodes:
        if op in ("equal", "replace"):
            for was, now in zip(a[i1:i2], b[j1:j2], strict=False):
                if was[2] and now[2]:
                    renamed[was[0]] = now[0]
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            was, now = a[i1 + k], b[j1 + k]
            kind = "heading" if now[2] and was[2] else "reworded"
            add(now[0], kind, word_diff(was[1], now[1]))
        for was in a[i1 + pairs : i2]:
            kind = "section-removed" if was[2] else "removed"
            add(renamed.get(was[0], was[0]), kind, word_diff(was[1], ""))
        for now in b[j1 + pairs : j2]:
            add(now[0], "section-added" if now[2] else "added", word_diff("", now[1]))
    return list(changes.values())


@dataclass
class TermsImpact:
    problems: list[str] = field(default_factory=list)
    """Why the edit cannot be worked out or saved (then nothing else is shown)."""
    documents: int = 0
    changed: list[tuple[str, str]] = field(default_factory=list)
    """(case file, title) of each document whose printed text changes."""
    answered: set[str] = field(default_factory=set)
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(title, why) of the documents that do not render with the edit."""
    unreadable_files: list[str] = field(default_factory=list)
    sections: list[SectionChange] = field(default_factory=list)
    report: ImpactReport | None = None
    seconds: float = 0.0

    @property
    def savable(self) -> bool:
        return not self.problems and not self.failed


def terms_impact(studio: Studio, saved_text: str, text: str) -> TermsImpact:
    """What saving `text` as the Standard Terms would change on every document of the project,
    worked out as `loagen impact` works it out for the same edit."""
    started = time.perf_counter()
    impact = TermsImpact()
    check = check_terms(text)
    if check.problems:
        impact.problems = [f"Line {line}: {message}" for line, message in check.problems]
        return impact
    project, workspace = studio.project, studio.workspace
    with tempfile.TemporaryDirectory(prefix="loagen-studio-terms-") as scratch:
        folder = Path(scratch) / "templates"
        shutil.copytree(project.templates, folder)
        (folder / TERMS_FILE).write_bytes(text.encode("utf-8"))
        with workspace.lock:
            saved = workspace.pipeline()
            try:
                edited = Pipeline(
                    project, templates=folder, keep=STUDIO_KEEP, library=saved.library
                )
                report = compare_pipelines(workspace.case_files(), saved, edited,
                                           against="the Standard Terms as saved")  # fmt: skip
            except LoagenError as exc:
                impact.problems = [str(exc).replace(str(folder), "templates")]
                return impact
    mark_answered(report.changed)
    impact.report = report
    titles = {d.rel: f"{d.case_id} {d.title}" for d in workspace.documents()}
    impact.documents = len(report.documents)
    for doc in report.changed:
        rel = project.relative(doc.source)
        if doc.unrendered:
            continue
        impact.changed.append((rel, titles.get(rel, doc.document)))
        if doc.answered:
            impact.answered.add(rel)
    for failure in report.failed:
        rel = project.relative(failure.source)
        why = "; ".join(p.message for p in failure.problems)
        if failure.stage == "render":
            impact.failed.append((titles.get(rel, rel), why.replace(str(folder), "templates")))
        else:
            impact.unreadable_files.append(rel)
    try:
        impact.sections = section_changes(parse_terms(saved_text), check.sections)
    except RenderError:  # the file as saved does not read: every section is new
        impact.sections = section_changes([], check.sections)
    impact.seconds = time.perf_counter() - started
    return impact


# -- the page ------------------------------------------------------------------------------------------


async def terms_sha(studio: Studio, request: Request) -> Response:
    """The SHA-256 of the Terms file as saved now (see `editing.file_sha`)."""
    try:
        raw = read_limited(_terms_path(studio), "terms file", RenderError)
    except (PathRefused, LoagenError):
        return JSONResponse({"sha": ""})
    return JSONResponse({"sha": hashlib.sha256(raw).hexdigest()})


async def terms_check(studio: Studio, request: Request) -> Response:
    """The check of the Terms' text as policy staff type it (the page's script posts the form
    here): what the page's check says, each problem at its line, as an HTML fragment for the
    page's `#terms-problems`, and the number of problems."""
    try:
        saved_text = read_limited(_terms_path(studio), "terms file", RenderError).decode("utf-8")
    except (PathRefused, LoagenError, UnicodeDecodeError):
        return JSONResponse({"summary": "", "problems": ["the Standard Terms cannot be read"]},
                            404)  # fmt: skip
    form = await request.form(max_fields=20, max_files=0, max_part_size=TEXT_LIMIT)
    text = str(form.get("terms_text", "")).replace("\r\n", "\n")
    check = check_terms(text, await asyncio.to_thread(cited_paragraphs, studio))
    summary = studio.env.get_template("terms_check.html").render(
        check=check, text_lines=text.split("\n"), changed=text != saved_text,
        sections=check.sections, live=True,
    )  # fmt: skip
    return JSONResponse({"summary": summary, "problems": len(check.problems)})


async def terms_page(studio: Studio, request: Request) -> Response:
    try:
        path = _terms_path(studio)
    except PathRefused as exc:
        return studio.refused(request, str(exc))
    try:
        saved_raw = read_limited(path, "terms file", RenderError)
        saved_text = saved_raw.decode("utf-8")
    except (LoagenError, UnicodeDecodeError) as exc:
        why = str(exc) if isinstance(exc, LoagenError) else f"{TERMS_FILE} is not UTF-8 text"
        return studio.page(request, "message.html", title="Cannot open", status_code=409,
                           heading="The Standard Terms file cannot be read", text=why)  # fmt: skip
    sha = hashlib.sha256(saved_raw).hexdigest()
    text, action, impact, conflict = saved_text, "view", None, False
    drafted = False  # an edit kept is shown: "Discard my edit" drops it
    draft_key = request.query_params.get("draft", "")
    if request.method == "GET" and draft_key:
        draft = await asyncio.to_thread(_kept_draft, studio, TERMS_DRAFT, draft_key)
        if draft is None:
            studio.say(request, "warn", "That edit is no longer kept: the Standard Terms are "
                       "shown as saved.")  # fmt: skip
        elif draft.text == saved_text and draft.action == "impact":
            studio.say(request, "ok", "The Standard Terms as saved read as this edit: they "
                       "are shown below.")  # fmt: skip
        else:
            text, sha, action = draft.text, draft.sha, draft.action
            drafted = True
            if action == "impact":
                impact = await asyncio.to_thread(terms_impact, studio, saved_text, text)
    if request.method == "POST":
        form = await request.form(max_fields=20, max_files=0, max_part_size=TEXT_LIMIT)
        sha = str(form.get("_sha", sha))
        action = str(form.get("_action", "check"))
        text = str(form.get("terms_text", "")).replace("\r\n", "\n")
        if action == "save" and form.get("_previewed") != _digest(text):
            action = "impact"
            studio.say(request, "warn", "Look at what this edit changes first: the edit is not "
                       "the one whose changes were shown. Then save.")  # fmt: skip
        if action != "save":
            action = "impact" if action == "impact" else "check"
            kept = _keep_draft(studio, TERMS_DRAFT, _Draft(text, sha, "text", action), PAGE)
            return studio.redirect(kept + ("#impact" if action == "impact" else "#edit"))
        impact = await asyncio.to_thread(terms_impact, studio, saved_text, text)
        outcome = await asyncio.to_thread(
            _save_note, studio, path, sha, text, impact, "terms file", RenderError
        )
        words = SaveWords(
            file=TERMS_FILE, page=PAGE, draft_name=TERMS_DRAFT,
            changed_since="the Standard Terms were changed by someone else after you opened them",
            as_it_was="the Standard Terms are as they were",
            changes=len(impact.changed), counted=True,
        )  # fmt: skip
        before = _Draft(saved_text, _digest(text), "text", "impact")
        answer = say_saved(studio, request, outcome, words, before)
        if answer is not None:
            return answer
        conflict = outcome == "conflict"
    check = check_terms(text, await asyncio.to_thread(cited_paragraphs, studio))
    undo = await undo_offer(studio, request, TERMS_DRAFT, PAGE, sha, saved_text)
    try:
        saved_sections = parse_terms(saved_text)
    except RenderError:
        saved_sections = []
    return studio.page(
        request, "terms.html", title="Standard Terms", section="terms", text=text,
        text_lines=text.split("\n"),
        changed=text != saved_text, edited=text != saved_text or drafted, sha=sha, check=check,
        impact=impact, action=action,
        conflict=conflict, undo=undo, previewed=_digest(text), rel=f"templates/{TERMS_FILE}",
        sections=check.sections or saved_sections, edited_sections=bool(check.sections),
        status_code=409 if conflict else 200,
    )  # fmt: skip
