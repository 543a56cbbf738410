"""The note library pages: every note, one note's form, and what an edit changes before it is
saved.

Checking an edit is `policy.notes.read_note` on the edited bytes (front matter, rule and
placeholders against the case model, each version's text) and `load_library` on a scratch copy
of the library holding the edit (ids, order keys and `in_force` names across notes): saving is
refused while either finds a problem. The impact is worked out as `loagen impact` works it
out (`ops.impact.compare_selections`), with the saved library on one side and the edited
copy on the other, for every case document of the project: the notes that come in or drop out
with the rule's reason, and the printed wording that changes, word by word.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import hashlib
import json
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import LoagenError, NoteError, Problem
from ..ops.impact import DocumentImpact, NoteChange, compare_selections, mark_answered
from ..output.files import atomic_write
from ..pipeline import Pipeline
from ..policy.notes import CARRY_OVER, FrontMatter, load_library, read_note
from ..policy.selection import keyed_notes
from ..reading import LIMITS, read_limited
from .forms import FieldSpec, field_id, model_form, read_form, where_words
from .notefile import (
    NoteFileError,
    compose,
    front_data,
    line_field,
    split_note,
    text_line,
    version_texts,
)
from .security import PathRefused, confine, private_folder, read_private, write_private
from .web import REBUILD_LINK, Studio
from .workspace import STUDIO_KEEP

NOTE_ID = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,99}$")
NOTE_LIMIT = LIMITS["note file"]


HELP = {
    "rule": "When the note applies: a rule over the case and its lines, e.g. "
    'lines_with(sole_source=True) or case.program == "BPC". Check says at once whether '
    "the rule reads, and Show what this changes lists the documents it puts the note on.",
    "carry_over": "What happens to the note on Amendments and Modifications: when it is "
    "printed again (each choice is said beside).",
}
"""Help of the note form's fields, where the model's own points to code."""

_HELP_WORDS = (
    ("carry_over field_changed", "Carry over “field changed”"),
    ("carry_over version_refresh", "Carry over “version refresh”"),
)


def note_form() -> FieldSpec:
    spec = model_form(FrontMatter, "Note")
    children = []
    for child in spec.children:
        changes: dict[str, Any] = {"help": HELP.get(child.name, child.help)}
        for code, words in _HELP_WORDS:
            changes["help"] = re.sub(r"\s+".join(code.split()), words, changes["help"])
        if child.name == "carry_over":
            # each choice by its words; what they mean is listed beside the box (a sentence
            # each: too long for a choice box)
            changes["options"] = tuple((v, v.replace("_", " ")) for v, _ in child.options)
        children.append(FieldSpec(**{**child.__dict__, **changes}))
    return FieldSpec(**{**spec.__dict__, "children": tuple(children)})


# -- the list --------------------------------------------------------------------------------------


async def note_list(studio: Studio, request: Request) -> Response:
    query = request.query_params.get("q", "")[:200]
    words = query.lower().split()
    problem = ""
    notes: list[Any] = []
    try:
        with studio.workspace.lock:
            library = studio.workspace.pipeline().library
        notes = list(library)
    except LoagenError as exc:
        problem = str(exc)
    shown = [
        n for n in notes
        if all(w in f"{n.id} {n.title} {n.usage or ''} {n.rule} {' '.join(n.references)}".lower()
               for w in words)
    ]  # fmt: skip
    return studio.page(
        request, "notes.html", title="Note library", section="notes", notes=shown,
        total=len(notes), query=query, problem=problem, carry_over=CARRY_OVER,
    )  # fmt: skip


# -- one note ----------------------------------------------------------------------------------------


def _note_path(studio: Studio, note_id: str) -> Path:
    if not NOTE_ID.match(note_id):
        raise PathRefused("not a note id")
    return confine(studio.project.note_library, f"{note_id}.md", suffixes=(".md",))


@dataclass
class NoteCheck:
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    """(form field, where, message) of each problem."""
    warnings: list[tuple[str, str]] = field(default_factory=list)
    """(form field, message) of what may be meant but is worth a second look (saving is not
    refused)."""

    @property
    def errs(self) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        for target, _, message in self.problems:
            out.setdefault(target, []).append(("problem", message))
        for target, message in self.warnings:
            out.setdefault(target, []).append(("warning", message))
        return out


NO_USAGE = (
    "no usage: reviewers see only the rule's code for when this note is printed. Say it in a "
    "sentence (“Documents that add night vision devices.”)."
)


def _problems(exc: LoagenError, text: str) -> list[tuple[str, str, str]]:
    out = []
    for p in exc.problems:
        target = ""
        m = re.match(r"line (\d+)", p.location or "")
        if m:
            target = line_field(text, int(m.group(1)))
        message = said(p.message.split("\n")[0], target)
        if m and re.fullmatch(r"text\[\d+\]", target):  # at its version's box in the form
            at = text_line(text, int(m.group(1)))
            message = f"Line {at} of this text: {message}" if at else message
        out.append((target, p.location or "", message))
    return out


_JINJA_WORDS = (
    # the parser's words for a placeholder or rule it cannot read, in the words of the form
    (re.compile(r"Unexpected end of template\. Jinja was looking for the following tags: .*"
                r"The innermost block that needs to be closed is '(\w+)'\."),
     r"the text ends before its {% \1 %} is closed with {% end\1 %}."),
    (re.compile(r"[Uu]nexpected end of template"), "it ends too soon"),
    (re.compile(r"^placeholders do not parse: "), "a placeholder ({{ … }} or {% … %}) is not "
     "written right: "),
)  # fmt: skip


_UNKNOWN_NAME = re.compile(r"^unknown name '([^']*)'")


def said(message: str, target: str) -> str:
    """A problem of a note's file as its field in the form shows it: without the name of the
    field, which the form shows already ("rule unknown name 'nvd'" at the Rule field ->
    "'nvd' is not a name a rule knows")."""
    name = target.rsplit(".", 1)[-1]
    if re.fullmatch(r"text\[\d+\]", name):
        name = "body"  # a version's text is the note's body to the library
    if name and message.startswith(f"{name} "):
        message = message[len(name) + 1 :]
    for pattern, words in _JINJA_WORDS:
        message = pattern.sub(words, message)
    return _UNKNOWN_NAME.sub(r"'\1' is not a name a rule knows", message)


_IN_TEXT = re.compile(r"^Line \d+ of this text: ")


def in_file(message: str) -> str:
    """A problem's message as the "As the file's text" mode shows it, after the line of the
    file (`text_words`): without the line within the version's text the form names."""
    return _IN_TEXT.sub("", message)


def text_words(target: str, where: str) -> str:
    """Where a problem is, as the note file's text shows it (the "As the file's text" mode,
    which has no form fields to point to): the line, and the field written on it ("Line 22
    (carry_over)"; "Line 40 (Text of version 2)"); the field's label when no line is known."""
    m = re.match(r"line (\d+)", where)
    if not m:
        return field_words(target) if target else where
    if not target:
        return f"Line {m.group(1)}"
    field = field_words(target) if target.startswith("text[") else target
    return f"Line {m.group(1)} ({field})"


def box_line(text: str, mode: str, target: str, where: str) -> int | None:
    """The line of its text box a problem is on (from 1), for its link to select it: the
    file's line in "As the file's text" mode, the line within a version's text in the form
    (as "Line N of this text" says it); None for a field that is not a box of text."""
    m = re.match(r"line (\d+)", where)
    if not m:
        return None
    if mode == "text":
        return int(m.group(1))
    if re.fullmatch(r"text\[\d+\]", target):
        return text_line(text, int(m.group(1)))
    return None


def field_words(target: str) -> str:
    """A field of the note form as its label says it ("Rule", "Text of version 2")."""
    m = re.fullmatch(r"text\[(\d+)\]", target)
    if m:
        return f"Text of version {int(m.group(1)) + 1}"
    return where_words(target, None, note_form())


def check_note(path: Path, text: str) -> NoteCheck:
    """The problems `read_note` finds in the edited note."""
    try:
        read_note(path, text.encode("utf-8"))
    except NoteError as exc:
        return NoteCheck(_problems(exc, text))
    try:
        usage = front_data(text).get("usage")
    except NoteFileError:
        usage = None
    if not (isinstance(usage, str) and usage.strip()):
        return NoteCheck(warnings=[("usage", NO_USAGE)])
    return NoteCheck()


@dataclass
class DocChange:
    rel: str
    title: str
    notes_in: list[NoteChange]
    notes_out: list[NoteChange]
    notes_changed: list[NoteChange]


@dataclass
class Wording:
    title: str
    diff: Markup
    documents: list[tuple[str, str]]


@dataclass
class Impact:
    problems: list[str] = field(default_factory=list)
    """Why the edited library does not load (then nothing else is worked out)."""
    documents: int = 0
    changed: list[DocChange] = field(default_factory=list)
    wording: list[Wording] = field(default_factory=list)
    broken: list[tuple[str, str]] = field(default_factory=list)
    """Documents the edited note cannot be filled for (it could before)."""
    unreadable: int = 0
    unreadable_files: list[str] = field(default_factory=list)
    """The case files that could not be read (left out), relative to the project."""
    answered: set[str] = field(default_factory=set)
    """The documents that change (their files) already answered: a later document of their
    case follows them (`ops.impact.mark_answered`, as `loagen impact` marks them)."""
    seconds: float = 0.0
    printing: int | None = None
    """How many documents print the note, with the edit or without it (None: not counted, as
    for an edit that prints the same text, worked out only where the decision differs)."""
    reworded: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Version label -> (file, kind) of each document printing that version whose printed text
    the edit changes in place (a signed document's wording rebuilt differently)."""

    @property
    def savable(self) -> bool:
        return not self.problems and not self.broken


def word_diff(old: str, new: str) -> Markup:
    """`new` against `old`, word by word: <del> for words gone, <ins> for words added."""
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))


def _changes(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """The words that change between two texts (what is removed, what is added), without the
    words that stay: the same edit on documents whose texts differ elsewhere is one change."""
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    return tuple(
        ("".join(a[i1:i2]), "".join(b[j1:j2]))
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        if op != "equal"
    )


def edit_impact(studio: Studio, path: Path, note_id: str, text: str) -> Impact:
    """What saving `text` as the note file at `path` would change."""
    started = time.perf_counter()
    impact = Impact()
    workspace = studio.workspace
    project = studio.project
    with tempfile.TemporaryDirectory(prefix="loagen-studio-notes-") as scratch:
        folder = Path(scratch) / "note_library"
        folder.mkdir()
        for source in sorted(project.note_library.glob("*.md")):
            if source.name != path.name and source.is_file():
                shutil.copyfile(source, folder / source.name)
        (folder / path.name).write_text(text, encoding="utf-8")
        try:
            load_library(folder)
        except NoteError as exc:
            impact.problems = [
                str(p).replace(str(folder), "note_library") for p in exc.problems
            ]  # fmt: skip
            impact.seconds = time.perf_counter() - started
            return impact
        edited = Pipeline(project, note_library=folder, keep=STUDIO_KEEP)
        with workspace.lock:
            saved = workspace.pipeline()
            try:
                old_notes = [saved.library[note_id]] if note_id in saved.library else []
            except LoagenError:
                old_notes = []
            new_notes = [edited.library[note_id]] if note_id in edited.library else []
            same_text = len(old_notes) == len(new_notes) == 1 and _printed_alike(
                old_notes[0], new_notes[0]
            )
            wording: dict[tuple[Any, ...], Wording] = {}
            sources: dict[str, Path] = {}
            if not same_text:
                impact.printing = 0
            for source in workspace.case_files():
                try:
                    document = saved.document(source)
                except LoagenError:
                    impact.unreadable += 1
                    impact.unreadable_files.append(project.relative(source))
                    continue
                impact.documents += 1
                rel = project.relative(source)
                sources[rel] = source
                title = f"{document.case.case_id} {document.title}"
                if same_text:
                    # Deciding is cheap, filling and explaining are not: a document whose
                    # decision on the note is the same with both versions prints it the same.
                    try:
                        was = saved.decide(document, old_notes)
                        now = edited.decide(document, new_notes)
                    except LoagenError:
                        pass
                    else:
                        if [_outcome(d) for d in was] == [_outcome(d) for d in now]:
                            continue
                try:
                    before = saved.select(document, notes=old_notes, explained=True)
                except LoagenError:
                    before = None
                try:
                    after = edited.select(document, notes=new_notes, explained=True)
                except LoagenError as exc:
                    if before is not None:
                        impact.broken.append((title, str(exc.message)))
                    continue
                if before is None:
                    continue
                if impact.printing is not None and any(
                    n.id == note_id for n in (*before.notes, *after.notes)
                ):
                    impact.printing += 1
                notes_in, notes_out, notes_changed = compare_selections(before, after)
                if notes_in or notes_out or notes_changed:
                    impact.changed.append(DocChange(rel, title, notes_in, notes_out, notes_changed))
                old_keyed, new_keyed = keyed_notes(before.notes, after.notes)
                reworded = False
                for key, note in new_keyed.items():
                    was = old_keyed.get(key)
                    if was is None or (was.body == note.body and was.title == note.title):
                        continue
                    if was.id == note_id and was.version == note.version and not reworded:
                        reworded = True  # the same version printed with other words
                        impact.reworded.setdefault(note.version, []).append((rel, document.kind))
                    group = (_changes(was.title, note.title), _changes(was.body, note.body))
                    if group not in wording:
                        diff = word_diff(was.body, note.body)
                        if was.title != note.title:
                            diff = Markup("<strong>") + word_diff(was.title, note.title) + \
                                Markup("</strong><br>") + diff  # fmt: skip
                        wording[group] = Wording(note.title, diff, [])
                    wording[group].documents.append((rel, title))
    impact.wording = list(wording.values())
    impact.answered = _answered(impact, sources)
    impact.seconds = time.perf_counter() - started
    return impact


def _answered(impact: Impact, sources: dict[str, Path]) -> set[str]:
    """Of the documents the edit changes (their files), those already answered, as `loagen
    impact` marks them (`ops.impact.mark_answered`)."""
    changing = {d.rel for d in impact.changed}
    changing |= {rel for w in impact.wording for rel, _ in w.documents}
    marked = [DocumentImpact(sources[rel], rel) for rel in sorted(changing) if rel in sources]
    mark_answered(marked)
    return {d.document for d in marked if d.answered}


def _printed_alike(old: Any, new: Any) -> bool:
    """Whether two versions of a note print the same text where they are printed (their rule,
    carry-over and the documents they are for may differ)."""
    return (old.title, old.level, old.placement, old.section, old.order) == (
        new.title,
        new.level,
        new.placement,
        new.section,
        new.order,
    ) and [(t.version, t.effective, t.until, t.body) for t in old.texts] == [
        (t.version, t.effective, t.until, t.body) for t in new.texts
    ]


def _outcome(decision: Any) -> tuple[Any, ...]:
    """What a decision does to the page (not the words that explain it)."""
    return (decision.included, decision.status, decision.version, tuple(decision.lines))


def _form_text(spec: FieldSpec, form: Any, text: str) -> tuple[str, dict[str, Any], list[str]]:
    """The note file the form describes, the front matter values and the version texts.

    One-line fields are read without the spaces around them (a title's trailing space is not a
    thing to print); a list of choices the form reads as nothing ticked keeps the `[]` of a file
    that says it (`refresh_on: []`: no document), as absent stays absent (every document)."""
    front = _trimmed(spec, read_form(spec, form))
    saved = front_data(text)
    front["id"] = saved.get("id", front.get("id"))
    for child in spec.children:
        if child.kind == "choices" and child.name not in front and saved.get(child.name) == []:
            front[child.name] = []
        if child.kind == "bool" and front.get(child.name) is False is child.default \
                and child.name not in saved:  # fmt: skip
            del front[child.name]  # an unticked box the file never had stays absent
    if isinstance(front.get("usage"), str):
        # one paragraph, as it is shown under the rule ("Used: ...")
        front["usage"] = " ".join(front["usage"].split())
    count = len(front.get("versions") or [])
    texts = [str(form.get(f"text[{i}]", "")) for i in range(count)]
    return compose(text, front, texts), front, texts


def _trimmed(spec: FieldSpec, data: Any) -> Any:
    """`data` (as `read_form` reads it) with its one-line text values stripped of leading and
    trailing spaces; multi-line text is kept as written."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for child in spec.children:
        value = out.get(child.name)
        if child.kind == "text" and isinstance(value, str):
            out[child.name] = value.strip()
        elif child.kind == "object":
            out[child.name] = _trimmed(child, value)
        elif child.kind == "objects" and isinstance(value, list):
            out[child.name] = [_trimmed(child, row) for row in value]
    return out


async def note_page(studio: Studio, request: Request) -> Response:
    note_id = request.path_params["note_id"]
    if (
        request.method == "GET"
        and note_id != note_id.upper()
        and NOTE_ID.fullmatch(note_id.upper())
    ):
        return studio.redirect(f"/notes/{note_id.upper()}")  # ids are written in capitals
    try:
        path = _note_path(studio, note_id)
    except PathRefused as exc:
        return studio.refused(request, str(exc))
    if not path.is_file():
        return studio.not_found(request, f"There is no note {note_id} in the library.")
    try:
        saved_raw = read_limited(path, "note file", NoteError)
        saved_text = saved_raw.decode("utf-8")
    except (LoagenError, UnicodeDecodeError) as exc:
        return studio.page(request, "message.html", title="Cannot open", status_code=409,
                           heading="This note file cannot be read", text=str(exc))  # fmt: skip
    sha = hashlib.sha256(saved_raw).hexdigest()
    spec = note_form()
    mode = request.query_params.get("mode", "form")
    impact: Impact | None = None
    action = "view"
    conflict = False
    text = saved_text
    drafted = False  # an edit kept (`_keep_draft`) is shown: "Discard my edit" drops it
    draft_key = request.query_params.get("draft", "")
    if request.method == "GET" and draft_key:
        draft = await asyncio.to_thread(_kept_draft, studio, note_id, draft_key)
        if draft is None:
            studio.say(request, "warn", "That edit is no longer kept (many edits were checked "
                       f"since, or it is more than {DRAFT_DAYS} days old): the note is shown as "
                       "saved.")  # fmt: skip
        elif draft.text == saved_text and draft.action == "impact":
            studio.say(request, "ok", "The note as saved reads as this edit: it is shown below.")
        else:
            text, sha, mode, action = draft.text, draft.sha, draft.mode, draft.action
            drafted = True
            if action == "impact":
                impact = await asyncio.to_thread(edit_impact, studio, path, note_id, text)
    if request.method == "POST":
        form = await request.form(max_fields=5000, max_files=0)
        added: tuple[int, str] | None = None
        sha = str(form.get("_sha", sha))
        action = str(form.get("_action", "check"))
        mode = "text" if form.get("_mode") == "text" else "form"
        try:
            if mode == "text":
                text = str(form.get("file_text", "")).replace("\r\n", "\n")
            else:
                text, _, _ = _form_text(spec, form, saved_text)
                if form.get("_op") == "add:versions":
                    text = _with_new_version(text)
                    action = "check"
                    added = _newest_version(text)
        except NoteFileError as exc:
            studio.say(request, "error", f"The note file cannot be followed: {exc}")
            text = saved_text
        if action == "save" and form.get("_previewed") != _digest(text):
            action = "impact"
            studio.say(request, "warn", "Look at what this edit changes first: the edit is not "
                       "the one whose changes were shown. Then save.")  # fmt: skip
        if action in ("check", "impact"):
            # answered with a page of its own address (POST/redirect/GET): the browser's Back
            # and Reload then show the edit again, never a form to send again; scrolled to what
            # the button brings (the changes, the version added), at the foot of a long form
            at = _draft_anchor(action, added)
            if added is not None:
                studio.say(request, "ok", f"Version {added[1]} added below, taking effect "
                           "today, with a copy of the newest text: change its text and its "
                           "date, then “Show what this changes”.")  # fmt: skip
            kept = _keep_draft(studio, note_id, _Draft(text, sha, mode, action))
            return studio.redirect(kept + at)
        if action == "save":
            impact = await asyncio.to_thread(edit_impact, studio, path, note_id, text)
        if action == "save":
            outcome = await asyncio.to_thread(_save_note, studio, path, sha, text, impact)
            words = SaveWords(
                file=path.name, page=f"/notes/{note_id}", draft_name=note_id,
                changed_since="this note was changed by someone else after you opened it",
                as_it_was="the note is as it was",
                changes=len(impact.changed) + len(impact.wording) if impact else 0,
            )  # fmt: skip
            before = _Draft(saved_text, _digest(text), "form", "impact")
            answer = say_saved(studio, request, outcome, words, before)
            if answer is not None:
                return answer
            conflict = outcome == "conflict"
    check = check_note(path, text)
    undo = await undo_offer(studio, request, note_id, f"/notes/{note_id}", sha, saved_text)
    return _render_note(studio, request, path, note_id, text, saved_text, sha, spec, check,
                        impact, mode, action, conflict, undo, drafted)  # fmt: skip


@dataclass(frozen=True)
class _Draft:
    """An edit of a note checked or previewed, kept for the page that shows it."""

    text: str
    sha: str
    """The hash of the note file the edit was made on."""
    mode: str
    action: str
    """"check" or "impact"."""


DRAFTS_KEPT = 64
"""Edits of notes kept for their pages (the oldest goes first)."""
DRAFT_DAYS = 14
"""Days an edit of a note is kept in the project after it was last checked."""
DRAFT_FOLDER = "note-drafts"
"""Where the edits are kept, in the project's `.loagen/` folder (readable by their owner only),
so that Reload after the studio was restarted shows the edit again."""
DRAFT_KEY = re.compile(r"^[0-9a-f]{32}$")


def _drafts(studio: Studio) -> dict[tuple[str, str], _Draft]:
    with studio.lock:
        return studio.extras.setdefault("note_drafts", {})


DRAFT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,99}$")
"""What edits are kept under: a note's id, or the name of another page's text (the Standard
Terms' `termspages.TERMS_DRAFT`, in small letters: never a note's id)."""


def _draft_file(studio: Studio, note_id: str, key: str) -> Path | None:
    if not DRAFT_NAME.fullmatch(note_id) or not DRAFT_KEY.fullmatch(key):
        return None
    folder = private_folder(studio.project.root, DRAFT_FOLDER)
    return folder / f"{note_id}.{key}.json" if folder is not None else None


def _keep_draft(studio: Studio, note_id: str, draft: _Draft, page: str = "") -> str:
    """Keep `draft` (in memory and in the project, see `DRAFT_FOLDER`) and give the address of
    its page (`page`, or the note's)."""
    key = _digest(f"{draft.sha}\n{draft.mode}\n{draft.action}\n{draft.text}")[:32]
    drafts = _drafts(studio)
    with studio.lock:
        drafts.pop((note_id, key), None)
        drafts[(note_id, key)] = draft
        while len(drafts) > DRAFTS_KEPT:
            drafts.pop(next(iter(drafts)))
    path = _draft_file(studio, note_id, key)
    if path is not None:
        content = json.dumps({"text": draft.text, "sha": draft.sha, "mode": draft.mode,
                              "action": draft.action}).encode("utf-8")  # fmt: skip
        with contextlib.suppress(OSError):  # not kept after a restart, then: said if asked
            write_private(path, content)
            _prune_drafts(path.parent)
    return f"{page or '/notes/' + note_id}?draft={key}"


def _prune_drafts(folder: Path) -> None:
    """Keep the newest `DRAFTS_KEPT` edits of the last `DRAFT_DAYS` days."""
    files = []
    for path in folder.glob("*.json"):
        with contextlib.suppress(OSError):
            files.append((path.lstat().st_mtime, path))
    files.sort(reverse=True)
    too_old = time.time() - DRAFT_DAYS * 86400
    for i, (mtime, path) in enumerate(files):
        if i >= DRAFTS_KEPT or mtime < too_old:
            with contextlib.suppress(OSError):
                path.unlink()


async def undo_offer(
    studio: Studio, request: Request, name: str, page: str, sha: str, saved_text: str
) -> str:
    """The address of "Undo this save" on the page opened after a save (`?undo=<key>`): the
    text as it was before, kept under `name` as an edit, while that save is still the last one
    (the file is as it saved it, `sha`); "" when there is nothing to undo."""
    undo_key = request.query_params.get("undo", "")
    if request.method != "GET" or not undo_key or request.query_params.get("draft"):
        return ""
    before = await asyncio.to_thread(_kept_draft, studio, name, undo_key)
    if before is None or before.sha != sha or before.text == saved_text:
        return ""
    return f"{page}?draft={undo_key}#impact"


def _kept_draft(studio: Studio, note_id: str, key: str) -> _Draft | None:
    """The edit kept under `key`: from memory, or from the project after a restart."""
    draft = _drafts(studio).get((note_id, key))
    if draft is not None:
        return draft
    path = _draft_file(studio, note_id, key)
    raw = read_private(path, 4 * NOTE_LIMIT) if path is not None else None
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
        draft = _Draft(str(data["text"]), str(data["sha"]), str(data["mode"]),
                       str(data["action"]))  # fmt: skip
    except (ValueError, KeyError, TypeError):
        return None
    if draft.mode not in ("form", "text") or draft.action not in ("check", "impact"):
        return None
    if _digest(f"{draft.sha}\n{draft.mode}\n{draft.action}\n{draft.text}")[:32] != key:
        return None  # (not the edit kept under this name)
    return draft


NOTE_SAVE_LOCK = threading.Lock()
"""Held from the check of a note file's hash to its write."""


def _save_note(
    studio: Studio, path: Path, sha: str, text: str, impact: Any,
    kind: str = "note file", error: type[LoagenError] = NoteError,
) -> str | LoagenError:  # fmt: skip
    """Write `text` over the note file (or the file of another `kind` of text, read as
    `reading.read_limited` reads it, raising `error`) opened with hash `sha`: "saved", or why
    not ("conflict", "refused": `impact` not savable, "unchanged"); "repeated" when this very
    save was made already, "held" when the file changed since but reads `text` already."""
    with NOTE_SAVE_LOCK:
        try:
            raw = read_limited(path, kind, error)
        except LoagenError as exc:
            return exc
        now = hashlib.sha256(raw).hexdigest()
        if now != sha:
            if raw != text.encode("utf-8"):
                return "conflict"
            return "repeated" if studio.saved_from(path, sha) == now else "held"
        if impact is not None and not impact.savable:
            return "refused"
        if raw == text.encode("utf-8"):
            return "unchanged"
        try:
            atomic_write(path, text.encode("utf-8"))
        except LoagenError as exc:
            return exc
        studio.remember_save(path, sha, _digest(text))
    return "saved"


@dataclass(frozen=True)
class SaveWords:
    """What differs between the pages that save a text (a note, the Standard Terms) in the
    messages a save's outcome is said with."""

    file: str
    """The file's name, as "Saved GPS-SAASM.md." says it."""
    page: str
    """The page's address, opened again after the save."""
    draft_name: str
    """What the text's edits are kept under (`_keep_draft`): the undo is one."""
    changed_since: str
    """Why a save over a file changed since is refused: "this note was changed by someone else
    after you opened it"."""
    as_it_was: str
    """Why there is nothing to save: "the note is as it was"."""
    changes: int
    """How many changes the save makes to documents (0: "No document changes.")."""
    counted: bool = False
    """`changes` counts documents, said with their number ("The 3 documents it changes are now
    out of date"; otherwise "The documents it changes ...")."""

    def out_of_date(self) -> str:
        """What follows "Saved FILE." after a save: the documents now out of date."""
        n = self.changes
        if not n:
            return "No document changes."
        if not self.counted:
            subject = "The documents it changes are"
        else:
            subject = f"The {n} {'document' if n == 1 else 'documents'} it changes " + (
                "is" if n == 1 else "are"
            )
        return f"{subject} now out of date: rebuild them from “Rebuild all”."


def say_saved(
    studio: Studio, request: Request, outcome: str | LoagenError, words: SaveWords,
    before: _Draft,
) -> Response | None:  # fmt: skip
    """Say the `outcome` of `_save_note` in `words`: the page to open next (after a save,
    itself with "Undo this save", `before` kept as the edit that undoes it), or None when the
    page is shown again with the edit (refused, conflict, nothing to save)."""
    if outcome == "conflict":
        studio.say(request, "error", f"Not saved: {words.changed_since}. Your edit is below, "
                   "not saved.")  # fmt: skip
    elif outcome == "refused":
        studio.say(request, "error", "Not saved: fix the problems listed first.")
    elif outcome == "unchanged":
        studio.say(request, "ok", f"Nothing to save: {words.as_it_was}.")
    elif outcome in ("repeated", "held"):
        # the same save sent twice (the first one says what it did), or the same text saved
        # from another page: nothing is lost
        if outcome == "held":
            studio.say(request, "ok", f"Saved: {words.file} already read so.")
        return studio.redirect(words.page)
    elif isinstance(outcome, LoagenError):
        studio.say(request, "error", f"Not saved: {outcome}")
    else:
        studio.say(request, "ok", f"Saved {words.file}. {words.out_of_date()}", links=REBUILD_LINK)
        # the text as it was, kept as an edit of the text as saved: undoing the save is that
        # edit, previewed and saved as every edit is
        kept = _keep_draft(studio, words.draft_name, before, words.page).rsplit("=", 1)[-1]
        return studio.redirect(f"{words.page}?undo={kept}")
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _with_new_version(text: str, new_text: str | None = None) -> str:
    """The note with one more version: its label the next number, taking effect today, its
    text `new_text`, or a copy of the newest (policy staff then change the text and the
    date)."""
    from datetime import date

    front = front_data(text)
    versions = list(front.get("versions") or [])
    labels = [str(v.get("version", "")) for v in versions]
    numbers = [int(v) for v in labels if v.isdigit()]
    label = str(max(numbers) + 1) if numbers else f"{len(labels) + 1}"
    texts = version_texts(text, labels)
    versions.append({"version": label, "effective": date.today().isoformat()})
    front["versions"] = versions
    if new_text is None:
        new_text = texts[-1] if texts else ""
    return compose(text, front, [*texts, new_text])


def _newest_version(text: str) -> tuple[int, str] | None:
    """The place (from 0) and label of the note's last version, or None."""
    try:
        versions = list(front_data(text).get("versions") or [])
    except NoteFileError:
        return None
    if not versions:
        return None
    return len(versions) - 1, str(versions[-1].get("version", ""))


def _draft_anchor(action: str, added: tuple[int, str] | None) -> str:
    """Where the page of a checked or previewed edit opens: at what this edit changes after
    "Show what this changes", at the version just added after "+ Add a new version"."""
    if action == "impact":
        return "#impact"
    if added is not None:
        return f"#{field_id(f'versions[{added[0]}]')}"
    return ""


def _as_new_version(saved_text: str, text: str, label: str) -> str:
    """The edit `text` with the text of version `label` as saved again, and the wording the
    edit gave it in a new version (everything else the edit changed kept)."""
    front = front_data(text)
    labels = [str(v.get("version", "")) for v in front.get("versions") or []]
    texts = version_texts(text, labels)
    saved_labels = [str(v.get("version", "")) for v in front_data(saved_text).get("versions") or []]
    saved = dict(zip(saved_labels, version_texts(saved_text, saved_labels), strict=True))
    at = labels.index(label)
    edited = texts[at]
    texts[at] = saved.get(label, edited)
    return _with_new_version(compose(text, front, texts), edited)


@dataclass(frozen=True)
class Rewording:
    """An edit of the text of a version documents print already, as the page warns of it."""

    label: str
    documents: int
    offered: int
    """How many of them are Basics and Amendments (offered to the Purchaser for signature)."""
    new_version: str
    """The address of the edit made a new version instead."""


def _rewordings(
    studio: Studio, note_id: str, saved_text: str, text: str, sha: str, impact: Impact | None
) -> list[Rewording]:
    """The versions whose text the edit changes in place on documents that print them."""
    if impact is None or not impact.reworded:
        return []
    out = []
    for label, documents in sorted(impact.reworded.items()):
        try:
            edit = _as_new_version(saved_text, text, label)
        except (NoteFileError, ValueError):
            continue
        offered = sum(kind in ("Basic", "Amendment") for _, kind in documents)
        link = _keep_draft(studio, note_id, _Draft(edit, sha, "form", "check"))
        link += _draft_anchor("check", _newest_version(edit))
        out.append(Rewording(label, len(documents), offered, link))
    return out


def _render_note(
    studio: Studio, request: Request, path: Path, note_id: str, text: str, saved_text: str,
    sha: str, spec: FieldSpec, check: NoteCheck, impact: Impact | None, mode: str, action: str,
    conflict: bool, undo: str = "", drafted: bool = False,
) -> Response:  # fmt: skip
    try:
        front = front_data(text)
        split_note(text)
        labels = [str(v.get("version", "")) for v in front.get("versions") or []]
        texts = version_texts(text, labels)
    except Exception:  # a file that does not follow the note layout: the text editor shows it
        front, labels, texts = {}, [], []
        mode = "text"
    saved_note = None
    try:
        with studio.workspace.lock:
            library = studio.workspace.pipeline().library
        saved_note = library.get(note_id)
    except LoagenError:
        saved_note = None
    usage = _usage(studio, note_id)
    rewordings = _rewordings(studio, note_id, saved_text, text, sha, impact)
    return studio.page(
        request, "note.html", title=note_id, section="notes", note_id=note_id, spec=spec,
        front=front, labels=labels, texts=texts, text=text, changed=text != saved_text, sha=sha,
        check=check, errs=check.errs, impact=impact, mode=mode, action=action, conflict=conflict,
        saved=saved_note, usage=usage, carry_over=CARRY_OVER, rel=f"note_library/{path.name}",
        field_words=field_words, text_words=text_words, in_file=in_file, rewordings=rewordings,
        previewed=_digest(text), undo=undo, edited=text != saved_text or drafted,
        line_attr=lambda target, where: _line_attr(box_line(text, mode, target, where)),
        status_code=409 if conflict else 200,
    )  # fmt: skip


def _line_attr(line: int | None) -> Markup:
    """The attribute that makes a problem's link select its line in the box (studio.js)."""
    return Markup(' data-line="{}"').format(line) if line else Markup("")


def _usage(studio: Studio, note_id: str) -> list[tuple[str, str]]:
    """The documents whose last build printed the note (from their manifests)."""
    out = []
    for doc in studio.workspace.documents():
        if doc.docx is None or not doc.stem:
            continue
        manifest = studio.workspace._manifest(doc.docx.with_name(doc.stem + ".manifest.json"))
        if manifest is not None and note_id in manifest.printed_ids:
            out.append((doc.rel, f"{doc.case_id} {doc.title}"))
    return out


async def note_sha(studio: Studio, request: Request) -> Response:
    """The SHA-256 of the note file as saved now (see `editing.file_sha`)."""
    try:
        raw = read_limited(_note_path(studio, request.path_params["note_id"]), "note file",
                           NoteError)  # fmt: skip
    except (PathRefused, LoagenError):
        return JSONResponse({"sha": ""})
    return JSONResponse({"sha": hashlib.sha256(raw).hexdigest()})


async def note_check(studio: Studio, request: Request) -> Response:
    """The live check of the note form (rule, placeholders, front matter): the problems by
    field, as the page's script shows them."""
    note_id = request.path_params["note_id"]
    try:
        path = _note_path(studio, note_id)
        saved_text = read_limited(path, "note file", NoteError).decode("utf-8")
    except (PathRefused, LoagenError, UnicodeDecodeError):
        return JSONResponse({"fields": {}, "problems": ["this note cannot be read"]}, 404)
    form = await request.form(max_fields=5000, max_files=0)
    try:
        if form.get("_mode") == "text":
            text = str(form.get("file_text", ""))
        else:
            text, _, _ = _form_text(note_form(), form, saved_text)
    except NoteFileError as exc:
        return JSONResponse({"fields": {}, "problems": [str(exc)]})
    check = await asyncio.to_thread(check_note, path, text)
    fields: dict[str, str] = {}
    text_mode = form.get("_mode") == "text"
    for target, where, message in check.problems:
        if text_mode:  # one box, under the file's text: each message says its line
            key, message = "f-case", f"{text_words(target, where)}: {in_file(message)}"
        else:
            key = field_id(target) if target else "f-case"
        fields[key] = fields.get(key, "") + f'<p class="field-msg problem">{escape(message)}</p>'
    for target, message in check.warnings:
        key = field_id(target)
        if text_mode:
            key, message = "f-case", f"{text_words(target, '')}: {message}"
        fields[key] = fields.get(key, "") + f'<p class="field-msg warning">{escape(message)}</p>'
    return JSONResponse(
        {
            "fields": fields,
            "problems": [
                f"{text_words(t, w)}: {in_file(m)}"
                if text_mode and (w or t)
                else f"{field_words(t)}: {m}"
                if t
                else f"{w}: {m}"
                if w
                else m
                for t, w, m in check.problems
            ],
        }
    )


def problem_text(p: Problem) -> str:
    return str(p)
