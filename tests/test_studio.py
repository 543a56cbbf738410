"""The studio's server, through Starlette's test client: what a browser sends and gets back.

Each test runs against a scratch copy of the project (templates, note library, cases), so
nothing here touches the repository's own files."""

from __future__ import annotations

import hashlib
import html
import html.parser
import json
import re
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "starlette", reason="the studio extra is not installed (pip install -e '.[studio]')"
)

from starlette.testclient import TestClient  # noqa: E402

from loagen.case.loading import parse_case_bytes  # noqa: E402
from loagen.policy.notes import load_library  # noqa: E402
from loagen.project import Project  # noqa: E402
from loagen.studio import create_app  # noqa: E402
from loagen.studio.forms import case_form, read_form, tidy  # noqa: E402
from loagen.studio.security import PathRefused, confine  # noqa: E402

from .conftest import CASES  # noqa: E402
from .projects import make_project  # noqa: E402

QAA = "cases/BN-D-QAA/amendment-1.json"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    made = make_project(tmp_path / "project")
    shutil.copytree(CASES, made.root / "cases")
    return made


@pytest.fixture
def client(project: Project) -> TestClient:
    return TestClient(create_app(project, hosts=["testserver"]), follow_redirects=False)


# -- reading pages as a browser does --------------------------------------------------------------


class _Form(html.parser.HTMLParser):
    """The fields a browser submits for the form with id `form_id` (no button pressed)."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _ in self._options[:1]
            ]
            if chosen:
                self.fields.append((self._select, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def form_fields(page: str, form_id: str) -> list[tuple[str, str]]:
    parser = _Form(form_id)
    parser.feed(page)
    return parser.fields


class _Posted:
    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self.fields = fields

    def get(self, key: str, default: Any = None) -> Any:
        return next((v for k, v in self.fields if k == key), default)

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.fields if k == key]

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self.fields)


def _replace(fields: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    assert any(k == name for k, _ in fields), f"the form has no field {name}"
    return [(k, value if k == name else v) for k, v in fields]


def post(client: TestClient, url: str, fields: list[tuple[str, str]], **kw: Any) -> Any:
    """POST form fields in order, repeated names included (as a browser sends a form)."""
    from urllib.parse import urlencode

    headers = {"content-type": "application/x-www-form-urlencoded", **kw.pop("headers", {})}
    return client.post(url, content=urlencode(fields), headers=headers, **kw)


def preview(client: TestClient, url: str, fields: list[tuple[str, str]]) -> Any:
    """POST a note form to check or preview the edit: answered with a redirect to the page of
    the edit (POST/redirect/GET), which is read."""
    answer = post(client, url, fields)
    assert answer.status_code == 303, answer.text[:2000]
    return client.get(answer.headers["location"])


def _sha(page: str) -> str:
    return re.search(r'name="_sha" value="([0-9a-f]+)"', page).group(1)


def _csrf(page: str) -> str:
    m = re.search(r'data-csrf="([0-9a-f]{64})"', page)
    assert m, "the page carries no CSRF token"
    return m.group(1)


# -- every page opens, safely ----------------------------------------------------------------------


def test_main_pages_open_with_a_content_security_policy(client: TestClient) -> None:
    for url in ["/cases", f"/doc/{QAA}", f"/edit/{QAA}", "/notes", "/notes/SOLE-SOURCE-FMS",
                "/templates", "/batch", "/help", "/cases?state=attention&q=qaa"]:  # fmt: skip
        page = client.get(url)
        assert page.status_code == 200, url
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert page.headers["x-frame-options"] == "DENY"
        assert "<script>" not in page.text and " style=" not in page.text, url


def test_the_case_list_shows_every_document_with_its_status(
    client: TestClient, project: Project
) -> None:
    page = client.get("/cases").text
    for path in sorted(project.cases.rglob("*.json")):
        assert f'href="/doc/{project.relative(path)}"' in page
    assert "Not built yet" in page  # nothing is built in a fresh copy
    assert client.get("/cases?q=C-130J").text.count('href="/doc/') == 4  # BN-D-QAA's documents


def test_a_case_file_with_a_list_as_a_key_leaves_the_other_pages_working(
    client: TestClient, project: Project
) -> None:
    (project.cases / "BN-X-KEY").mkdir()
    (project.cases / "BN-X-KEY" / "basic.yaml").write_text("case_id: BN-X-KEY\n? [a, b]\n: x\n")
    assert "BN-X-KEY" in client.get("/cases").text
    assert client.get(f"/doc/{QAA}").status_code == 200
    page = client.get("/doc/cases/BN-X-KEY/basic.yaml").text
    assert "the key is a list" in page and "ine 2, column" in page, page[-3000:]


def test_the_document_page_shows_the_preview_notes_checks_and_changes(client: TestClient) -> None:
    page = client.get(f"/doc/{QAA}").text
    assert "Letter of Offer and Acceptance" in page  # the preview of the DOCX
    assert "Estimated Cost Summary" in page and "Estimated Payment Schedule" in page
    assert 'id="note-SOLE-SOURCE-FMS"' in page  # the printed note's heading, an anchor
    assert 'href="#note-SOLE-SOURCE-FMS"' in page  # ... linked from why it is in
    assert "carry-over: field_changed" in page  # the reason of the selection
    assert "Changes against Basic" in page
    assert 'href="/edit/cases/BN-D-QAA/amendment-1.json#f-lines-5-severable"' in page


# -- safe by default ---------------------------------------------------------------------------------


def test_the_note_list_reads_titles_as_printed_and_keeps_rows_short(client: TestClient) -> None:
    page = client.get("/notes").text
    assert "Line Item nnn Description" in page and "{{ line.number }}" not in page
    row = page[page.index("/notes/LINE-ITEM-DESCRIPTION") :]
    row = row[: row.index("</tr>")]
    # ten references: two shown, the others on the note's own page
    assert "SAMM Figure C5.F6" in row and "SAMM Table AP9.T1" not in row
    # a note's address typed in small letters leads to it
    typed = client.get("/notes/cas-surcharge", follow_redirects=False)
    assert typed.status_code == 303 and typed.headers["location"] == "/notes/CAS-SURCHARGE"
    assert "and 8 more</a>" in row
    row = page[page.index("/notes/RAPS") :]
    row = row[: row.index("</tr>")]
    assert " more</a>" not in row  # three references: all shown


def test_the_form_says_what_a_row_or_a_choice_is(client: TestClient) -> None:
    page = client.get(f"/edit/{QAA}").text
    for item in ("a purchaser reference", "a cancelled document", "a payment",
                 "an exception to policy"):  # fmt: skip
        assert f"+ Add {item}</button>" in page, item
    assert " row</button>" not in page
    # a line's item traits are ticked by what they are; the file keeps the code
    assert 'value="nvd"> night vision devices</label>' in page
    assert 'value="tow_2b"> TOW-2B missiles</label>' in page


def test_a_post_without_its_csrf_token_is_refused(client: TestClient, project: Project) -> None:
    url = f"/rebuild/{QAA}"
    assert client.post(url).status_code == 403
    assert client.post(url, data={"csrf": "0" * 64}).status_code == 403
    assert not (project.build_dir / "BN-D-QAA-amendment-1.docx").exists()
    token = _csrf(client.get("/cases").text)
    other = TestClient(client.app)  # another browser: its own session, so the token is not its
    assert other.post(url, data={"csrf": token}).status_code == 403
    done = client.post(url, data={"csrf": token})
    assert done.status_code == 303
    assert (project.build_dir / "BN-D-QAA-amendment-1.docx").is_file()


def test_a_refused_post_is_a_studio_page_that_says_what_to_do(client: TestClient) -> None:
    answer = client.post(f"/rebuild/{QAA}", data={"csrf": "0" * 64})
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert "<h1>This page is out of date</h1>" in page
    assert "Nothing was saved or changed" in page and "the studio was restarted" in page
    assert "What you typed is still in that page" in page
    assert re.search(r'<a href="/cases" class="back-link" data-back>', page)  # history.back()
    assert 'src="/static/studio.js"' in page and "<script>" not in page
    assert "unsafe-inline" not in answer.headers["content-security-policy"]


def test_the_pages_of_a_studio_stay_valid_after_it_is_restarted(
    client: TestClient, project: Project
) -> None:
    token = _csrf(client.get(f"/doc/{QAA}").text)
    again = TestClient(create_app(project, hosts=["testserver"]), follow_redirects=False)
    again.cookies = client.cookies  # the same browser, its page opened before the restart
    assert again.post(f"/rebuild/{QAA}", data={"csrf": token}).status_code == 303
    folder = project.root / ".loagen"
    kept = folder / "studio-secret"
    assert kept.stat().st_mode & 0o777 == 0o600 and len(kept.read_text()) == 64
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"  # never committed
    # another project's studio does not take this one's pages
    other = make_project(project.root.parent / "other")
    elsewhere = TestClient(create_app(other, hosts=["testserver"]), follow_redirects=False)
    elsewhere.cookies = client.cookies
    assert elsewhere.post("/batch", data={"csrf": token}).status_code == 403


def test_a_kept_secret_that_others_could_read_or_that_is_a_link_is_not_used(
    project: Project, tmp_path: Path
) -> None:
    from loagen.studio.security import Secrets

    folder = project.root / ".loagen"
    folder.mkdir()
    kept = folder / "studio-secret"
    known = "ab" * 32
    kept.write_text(known)
    kept.chmod(0o644)  # readable by others: replaced by a new one
    key = Secrets.kept_in(project.root).key
    assert key != bytes.fromhex(known)
    assert kept.read_text() == key.hex() and kept.stat().st_mode & 0o777 == 0o600
    assert Secrets.kept_in(project.root).key == key  # kept from then on
    kept.unlink()
    outside = tmp_path / "planted"
    outside.write_text(known)
    outside.chmod(0o600)
    kept.symlink_to(outside)  # a link is never followed, nor written through
    key = Secrets.kept_in(project.root).key
    assert key != bytes.fromhex(known) and outside.read_text() == known
    assert not kept.is_symlink() and kept.read_text() == key.hex()
    folder.chmod(0o777)  # a folder others may write in: a secret for this run only
    try:
        first, second = Secrets.kept_in(project.root).key, Secrets.kept_in(project.root).key
        assert first != second and kept.read_text() == key.hex()
    finally:
        folder.chmod(0o700)


def test_an_uploads_token_is_a_form_field_never_in_the_url(
    client: TestClient, project: Project
) -> None:
    for url in ("/templates", f"/edit/{QAA}"):
        page = client.get(url).text
        assert not re.search(r'(action|href)="[^"]*csrf', page), url
    token = _csrf(client.get("/templates").text)
    edited = (project.templates / "basic.docx").read_bytes()
    upload = {"file": ("basic.docx", edited, "application/octet-stream")}
    assert (
        client.post(f"/templates/basic.docx/upload?csrf={token}", files=upload).status_code == 403
    )
    assert client.post("/templates/basic.docx/upload", data={"csrf": "1" * 64},
                       files=upload).status_code == 403  # fmt: skip
    sent = client.post("/templates/basic.docx/upload", data={"csrf": token}, files=upload)
    assert sent.status_code == 200, sent.text[:2000]
    # a file part named csrf is not a token
    fake = {**upload, "csrf": ("csrf", token.encode(), "text/plain")}
    assert client.post("/templates/basic.docx/upload", files=fake).status_code == 403


def test_a_host_that_is_not_the_studio_is_refused(client: TestClient) -> None:
    assert client.get("/cases", headers={"host": "evil.example"}).status_code == 400


def test_paths_outside_the_project_are_refused(
    client: TestClient, project: Project, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.json"
    outside.write_text('{"case_id": "XX-X-XXX"}')
    (project.cases / "link.json").symlink_to(outside)
    refused = [
        "/doc/../secret.json", "/doc/cases/../../secret.json", "/doc/%2e%2e/secret.json",
        "/doc/cases/%2e%2e/%2e%2e/secret.json", "/doc//etc/passwd", "/doc/cases/link.json",
        "/edit/cases/link.json", "/download/cases/link.json/docx",
        "/doc/templates/basic.docx", "/doc/cases/.hidden.json", "/notes/..%2Fcases",
        "/notes/SOLE-SOURCE-FMS%2F..%2F..%2Fx", "/templates/..%2F..%2Fsecret.json/download",
        "/templates/standard_terms.md/download",
    ]  # fmt: skip
    for url in refused:
        page = client.get(url)
        assert page.status_code in (404,), url
        assert "XX-X-XXX" not in page.text
    for bad in ("../x.json", "/etc/passwd", "cases/../../x.json", "cases\\x.json", "a\x00b.json"):
        with pytest.raises(PathRefused):
            confine(project.root, bad, suffixes=(".json",))


def test_an_upload_too_large_is_refused(client: TestClient, project: Project) -> None:
    token = _csrf(client.get("/templates").text)
    before = (project.templates / "basic.docx").read_bytes()
    big = b"x" * (21 * 1024 * 1024)
    answer = client.post(
        "/templates/basic.docx/upload",
        data={"csrf": token},
        files={"file": ("basic.docx", big, "application/octet-stream")},
    )
    assert answer.status_code == 413
    assert "larger than" in answer.text
    form = client.post(f"/edit/{QAA}", data={"csrf": token, "x": "y" * (3 * 1024 * 1024)})
    assert form.status_code == 413
    assert (project.templates / "basic.docx").read_bytes() == before


def test_hostile_case_text_is_always_escaped(client: TestClient, project: Project) -> None:
    path = project.cases / "BN-D-QAA" / "basic.json"
    data = json.loads(path.read_text())
    data["nickname"] = '<script>alert("nick")</script>'
    data["lines"][0]["description"] = '<img src=x onerror=alert("line")>'
    data["purchaser"]["name"] = "Ministry </textarea><script>alert(1)</script>"
    path.write_text(json.dumps(data))
    for url in ["/cases", "/doc/cases/BN-D-QAA/basic.json", "/edit/cases/BN-D-QAA/basic.json"]:
        page = client.get(url).text
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url
        assert "</textarea><script>" not in page, url
    assert "&lt;script&gt;alert(&#34;nick&#34;)&lt;/script&gt;" in client.get("/cases").text


# -- editing a document ---------------------------------------------------------------------------------


def test_the_form_gives_back_every_example_file_unchanged(
    client: TestClient, project: Project
) -> None:
    """What the form shows of a case file and sends back is the file's data (nothing lost or
    added), for every case file of the project."""
    spec = case_form()
    for path in sorted(project.cases.rglob("*.json")):
        rel = project.relative(path)
        fields = form_fields(client.get(f"/edit/{rel}").text, "case-form")
        original = parse_case_bytes(path.read_bytes(), path)
        data = tidy(spec, read_form(spec, _Posted(fields)), original)
        assert _canon(data) == _canon(original), rel


def _canon(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canon(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return ("n", repr(float(value)))
    return str(value)


def _save_edit(client: TestClient, changes: dict[str, str]) -> Any:
    """Save the QAA Amendment's edit form with `changes` (field name: value typed)."""
    fields = form_fields(client.get(f"/edit/{QAA}").text, "case-form")
    for name, value in changes.items():
        fields = _replace(fields, name, value)
    return post(client, f"/edit/{QAA}", [*fields, ("_action", "save")])


def test_an_error_is_shown_at_its_field_and_nothing_is_saved(
    client: TestClient, project: Project
) -> None:
    path = project.cases / "BN-D-QAA" / "amendment-1.json"
    before = path.read_bytes()
    answer = _save_edit(
        client, {"lines[2].unit_cost": "twelve", "document.offer_expiration_date": ""}
    )
    assert answer.status_code == 422
    text = answer.text
    at = text.index('id="f-lines-2-unit_cost-msgs"')
    assert "expected a number" in text[at : at + 300]
    at = text.index('id="f-document-msgs"')
    assert "needs its offer_expiration_date" in text[at : at + 300]
    assert 'value="twelve"' in text  # the writer's input comes back
    assert path.read_bytes() == before


def test_a_decimal_comma_is_refused_at_its_field_and_thousands_commas_are_read(
    client: TestClient, project: Project
) -> None:
    path = project.cases / "BN-D-QAA" / "amendment-1.json"
    before = path.read_bytes()
    answer = _save_edit(client, {"lines[2].unit_cost": "9800,50"})
    assert answer.status_code == 422
    at = answer.text.index('id="f-lines-2-unit_cost-msgs"')
    assert "a comma may only group thousands" in answer.text[at : at + 300]
    assert path.read_bytes() == before  # not saved as 980050
    answer = _save_edit(client, {"lines[2].unit_cost": "$9,800,000.50"})
    assert answer.status_code == 303, answer.text[:2000]
    assert json.loads(path.read_text())["lines"][2]["unit_cost"] == 9800000.5


def test_saving_keeps_the_yaml_comments_and_rebuilds(client: TestClient, project: Project) -> None:
    import yaml

    source = project.cases / "BN-D-TBO" / "basic.json"
    data = json.loads(source.read_text())
    text = "# Pilot training for Bandaria: the writer's own note\n" + yaml.safe_dump(
        data, sort_keys=False
    ).replace("nickname:", "# the name the case is known by\nnickname:", 1)
    source.unlink()
    target = source.with_suffix(".yaml")
    target.write_text(text)
    rel = project.relative(target)
    fields = form_fields(client.get(f"/edit/{rel}").text, "case-form")
    fields = _replace(fields, "nickname", "Pilot Training (revised)")
    answer = post(client, f"/edit/{rel}", [*fields, ("_action", "save")])
    assert answer.status_code == 303, answer.text[:2000]
    saved = target.read_text()
    assert "# Pilot training for Bandaria: the writer's own note" in saved
    assert "# the name the case is known by\nnickname: Pilot Training (revised)" in saved
    assert (project.build_dir / "BN-D-TBO-basic.docx").is_file()
    page = client.get(answer.headers["location"]).text
    assert "Saved." in page and "Up to date" in page


def test_saving_and_rebuilding_an_answered_document_keeps_its_docx_as_built(
    client: TestClient, project: Project
) -> None:
    """Amendment 1 follows the Basic: the Basic was answered. Save and rebuild of an edit that
    changes its DOCX keeps the DOCX as built beside it, says so, and the document's page
    links it; the newest document keeps none."""
    rel = "cases/BN-D-QAA/basic.json"
    page = client.get(f"/doc/{rel}").text
    assert client.post(f"/rebuild/{rel}", data={"csrf": _csrf(page)}).status_code == 303
    docx = project.build_dir / "BN-D-QAA-basic.docx"
    signed = docx.read_bytes()
    fields = form_fields(client.get(f"/edit/{rel}").text, "case-form")
    purpose = dict(fields)["document.purpose"]
    fields = _replace(fields, "document.purpose", purpose + " and spares")
    answer = post(client, f"/edit/{rel}", [*fields, ("_action", "save")])
    assert answer.status_code == 303, answer.text[:2000]
    (kept,) = project.build_dir.glob("BN-D-QAA-basic.as-built-*.docx")
    assert kept.read_bytes() == signed != docx.read_bytes()
    shown = html.unescape(client.get(answer.headers["location"]).text)
    assert f"the DOCX as built kept as {kept.name}" in shown and "already answered" in shown
    what = kept.name.removeprefix("BN-D-QAA-basic.").removesuffix(".docx")
    assert f'href="/download/{rel}/{what}"' in shown and "Word document as built on" in shown
    assert client.get(f"/download/{rel}/{what}").content == signed
    assert client.get(f"/download/{rel}/as-built-../../x").status_code == 404
    newest = "cases/BN-D-QAA/modification-2.json"
    page = client.get(f"/doc/{newest}").text
    client.post(f"/rebuild/{newest}", data={"csrf": _csrf(page)})
    assert "Word document as built on" not in client.get(f"/doc/{newest}").text


def test_a_change_to_a_document_later_ones_follow_says_they_do_not_hold_it(
    client: TestClient, project: Project
) -> None:
    """Amendment 1 follows the Basic and keeps its own copy of the case: a line changed in the
    Basic is not in it, so it now reads as undoing the change. The save says so, naming it; a
    change to the Basic's own document data (its purpose) does not."""
    rel = "cases/BN-D-QAA/basic.json"
    fields = form_fields(client.get(f"/edit/{rel}").text, "case-form")
    purpose = dict(fields)["document.purpose"]
    answer = post(client, f"/edit/{rel}", [*_replace(fields, "document.purpose", purpose + " now"),
                                           ("_action", "save")])  # fmt: skip
    assert "keeps its own copy of the case" not in html.unescape(
        client.get(answer.headers["location"]).text
    )
    fields = form_fields(client.get(f"/edit/{rel}").text, "case-form")
    quantity = dict(fields)["lines[1].quantity"]
    changed = _replace(fields, "lines[1].quantity", str(int(quantity) + 1))
    answer = post(client, f"/edit/{rel}", [*changed, ("_action", "save")])
    assert answer.status_code == 303, answer.text[:2000]
    shown = " ".join(html.unescape(client.get(answer.headers["location"]).text).split())
    assert "amendment-1.json follows this document and keeps its own copy of the case" in shown
    assert "modification-1.json follows" not in shown  # it follows Amendment 1, not the Basic


def test_a_save_over_a_changed_file_is_refused_and_nothing_is_lost(
    client: TestClient, project: Project
) -> None:
    path = project.cases / "BN-D-QAA" / "amendment-1.json"
    fields = form_fields(client.get(f"/edit/{QAA}").text, "case-form")
    theirs = json.loads(path.read_text())
    theirs["nickname"] = "Their nickname"
    path.write_text(json.dumps(theirs, indent=2))
    mine = _replace(fields, "nickname", "My nickname")
    answer = post(client, f"/edit/{QAA}", [*mine, ("_action", "save")])
    assert answer.status_code == 409
    assert "someone else changed this file" in answer.text
    assert 'value="My nickname"' in answer.text  # my edit is in the form
    assert json.loads(path.read_text())["nickname"] == "Their nickname"  # theirs is on disk
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert f'value="{sha}"' not in answer.text  # the form still carries the old hash


def test_a_form_whose_file_was_deleted_since_keeps_the_typing_and_can_save_it_again(
    client: TestClient, project: Project
) -> None:
    from .conftest import example, write_chain

    docs = [example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")]
    for data in docs:
        data["case_id"] = "BN-D-QGO"
    path = write_chain(project.cases / "BN-D-QGO", *docs)
    rel = "cases/BN-D-QGO/amendment-1.json"
    page = client.get(f"/edit/{rel}").text
    fields = _replace(form_fields(page, "case-form"), "nickname", "Typed before the delete")
    moved = path.with_name("elsewhere.json.bak")
    path.rename(moved)  # deleted (or moved) in another tab
    check = post(client, f"/check/{rel}", fields, headers={"x-csrf-token": _csrf(page)})
    assert check.status_code == 410 and "was deleted (or moved) after" in check.json()["gone"]
    answer = post(client, f"/edit/{rel}", [*fields, ("_action", "save")])
    assert answer.status_code == 410
    assert "Not saved: cases/BN-D-QGO/amendment-1.json was deleted (or moved)" in answer.text
    assert 'value="Typed before the delete"' in answer.text  # the typing is not lost
    again = form_fields(answer.text, "case-form")
    assert '<button type="submit" name="_action" value="recreate" class="primary">Save again ' \
        "as amendment-1.json</button>" in answer.text  # fmt: skip
    # a file of that name made again meanwhile is never written over
    path.write_bytes(moved.read_bytes())
    refused = post(client, f"/edit/{rel}", [*again, ("_action", "recreate")])
    assert refused.status_code == 409 and "is not written over" in refused.text
    assert json.loads(path.read_text())["nickname"] != "Typed before the delete"
    path.unlink()
    saved = post(client, f"/edit/{rel}", [*again, ("_action", "recreate")])
    assert saved.status_code == 303 and saved.headers["location"] == f"/doc/{rel}"
    written = json.loads(path.read_text())
    assert written["nickname"] == "Typed before the delete"
    assert written["document"] == json.loads(moved.read_text())["document"]
    assert "Saved again as cases/BN-D-QGO/amendment-1.json" in client.get(f"/doc/{rel}").text


def test_an_open_form_can_ask_whether_its_file_was_saved_since(
    client: TestClient, project: Project
) -> None:
    page = client.get(f"/edit/{QAA}").text
    assert f'data-sha-url="/sha/{QAA}"' in page
    assert client.get(f"/sha/{QAA}").json()["sha"] == _sha(page)
    (project.root / QAA).write_bytes((project.root / QAA).read_bytes() + b"\n")
    assert client.get(f"/sha/{QAA}").json()["sha"] != _sha(page)
    note = client.get("/notes/CAS-SURCHARGE").text
    assert 'data-sha-url="/notes/CAS-SURCHARGE/sha"' in note
    assert client.get("/notes/CAS-SURCHARGE/sha").json()["sha"] == _sha(note)
    assert client.get("/sha/../pyproject.toml").status_code in (403, 404)


def test_the_same_save_sent_twice_is_saved_once_not_refused_as_a_conflict(
    client: TestClient, project: Project
) -> None:
    path = project.cases / "BN-D-QAA" / "amendment-1.json"
    fields = form_fields(client.get(f"/edit/{QAA}").text, "case-form")
    mine = [*_replace(fields, "nickname", "C-130J (clicked twice)"), ("_action", "save")]
    first = post(client, f"/edit/{QAA}", mine)
    assert first.status_code == 303
    saved = path.read_bytes()
    second = post(client, f"/edit/{QAA}", mine)  # the second click, with the form's old hash
    assert second.status_code == 303 and second.headers["location"] == f"/doc/{QAA}"
    assert path.read_bytes() == saved
    page = client.get(second.headers["location"]).text
    assert "Not saved" not in page and "someone else" not in page
    assert page.count("Saved. Built BN-D-QAA-amendment-1.docx.") == 1
    # the same values saved from somewhere else are no conflict either; other values are
    path.write_text(json.dumps(json.loads(saved), indent=4))
    again = post(client, f"/edit/{QAA}", mine)
    assert again.status_code == 303
    assert "Saved: the file already held these values." in client.get(f"/doc/{QAA}").text
    other = [*_replace(fields, "nickname", "Another nickname"), ("_action", "save")]
    assert post(client, f"/edit/{QAA}", other).status_code == 409
    assert json.loads(path.read_text())["nickname"] == "C-130J (clicked twice)"


def test_a_form_saved_with_nothing_changed_leaves_the_file_as_it_is(
    client: TestClient, project: Project
) -> None:
    from .conftest import example, write_chain

    docs = [example("BN-B-TAB/basic")]
    for data in docs:
        data["case_id"] = "BN-B-TNC"
    path = write_chain(project.cases / "BN-B-TNC", *docs)
    # laid out as a person might (wider indent, keys in another order): a save would redo it
    path.write_text(json.dumps(dict(reversed(json.loads(path.read_text()).items())), indent=5))
    before = path.read_bytes()
    rel = "cases/BN-B-TNC/basic.json"
    fields = [*form_fields(client.get(f"/edit/{rel}").text, "case-form"), ("_action", "save")]
    first = post(client, f"/edit/{rel}", fields)
    assert first.status_code == 303 and path.read_bytes() == before
    page = client.get(first.headers["location"]).text
    assert "Nothing changed: nothing saved. Built BN-B-TNC-basic.docx." in page  # out of date
    again = post(client, f"/edit/{rel}", fields)
    assert again.status_code == 303 and path.read_bytes() == before
    page = client.get(again.headers["location"]).text
    assert "Nothing changed: nothing saved. The document is up to date" in page
    assert "Built BN-B-TNC" not in page  # up to date: not rebuilt
    changed = _replace(fields, "nickname", "Another nickname")
    assert post(client, f"/edit/{rel}", changed).status_code == 303
    assert json.loads(path.read_text())["nickname"] == "Another nickname"


def test_a_note_saved_twice_is_saved_once_not_refused_as_a_conflict(
    client: TestClient, project: Project
) -> None:
    fields = form_fields(client.get("/notes/GPS-SAASM").text, "note-form")
    rule = next(v for k, v in fields if k == "rule")
    fields = _replace(fields, "rule", f'{rule} and case.program == "BPC"')
    shown = preview(client, "/notes/GPS-SAASM", [*fields, ("_action", "impact")])
    save = [*form_fields(shown.text, "note-form"), ("_action", "save")]
    assert post(client, "/notes/GPS-SAASM", save).status_code == 303
    saved = (project.note_library / "GPS-SAASM.md").read_text()
    again = post(client, "/notes/GPS-SAASM", save)
    assert again.status_code == 303, again.text[:2000]
    page = client.get("/notes/GPS-SAASM").text
    assert "someone else" not in page and page.count("Saved GPS-SAASM.md.") == 1
    assert (project.note_library / "GPS-SAASM.md").read_text() == saved


def test_a_notes_usage_is_shown_and_edited_in_words(client: TestClient, project: Project) -> None:
    """What a note is used for, in words, heads its page and the document's "why" list, and
    policy staff edit it in the form like any field: saved folded in the file, read whole."""
    page = html.unescape(client.get("/notes/GPS-SAASM").text)
    assert "Used</dt><dd>Documents that add GPS Precise Positioning Service (SAASM) equipment." in (
        page
    )
    fields = form_fields(page, "note-form")
    assert ("usage", "Documents that add GPS Precise Positioning Service (SAASM) equipment.") in (
        fields
    )
    new = "Documents that add GPS receivers with SAASM, on FMS and BPC cases alike."
    shown = preview(client, "/notes/GPS-SAASM", [*_replace(fields, "usage", new),
                                                 ("_action", "impact")])  # fmt: skip
    save = [*form_fields(shown.text, "note-form"), ("_action", "save")]
    assert post(client, "/notes/GPS-SAASM", save).status_code == 303
    assert load_library(project.note_library)["GPS-SAASM"].usage == new
    why = html.unescape(client.get(f"/doc/{QAA}").text)
    assert "Every document of a case with a line bought from contractors" in why


def test_a_notes_usage_is_kept_one_paragraph_and_an_empty_one_is_warned_of(
    client: TestClient, project: Project
) -> None:
    import yaml

    from loagen.studio.notefile import split_note

    note_id = "TLA-APPROVAL"
    fields = form_fields(client.get(f"/notes/{note_id}").text, "note-form")
    # the list shows what a note is used for in words, the rule beside it
    listed = html.unescape(client.get("/notes").text)
    row = listed[listed.index(f"/notes/{note_id}") :]
    assert dict(fields)["usage"] in row[: row.index("</tr>")]
    # emptied: said at the field as the form checks it, live too; saving is not refused
    emptied = _replace(fields, "usage", "")
    shown = preview(client, f"/notes/{note_id}", [*emptied, ("_action", "impact")]).text
    at = shown.index('id="f-usage-msgs"')
    assert '<p class="field-msg warning">no usage: reviewers see only the rule' in shown[at:]
    live = post(client, f"/notes/{note_id}/check", emptied, headers={"x-csrf-token": _csrf(shown)})
    assert "no usage" in live.json()["fields"]["f-usage"] and not live.json()["problems"]
    # two paragraphs, spaces doubled: saved as one paragraph
    written = "Documents that add training\n\nwith a Travel and Living   Allowance."
    shown = preview(client, f"/notes/{note_id}", [*_replace(fields, "usage", written),
                                                   ("_action", "impact")])  # fmt: skip
    save = [*form_fields(shown.text, "note-form"), ("_action", "save")]
    assert post(client, f"/notes/{note_id}", save).status_code == 303
    text = (project.note_library / f"{note_id}.md").read_text()
    front = yaml.safe_load(split_note(text).front)
    assert front["usage"] == "Documents that add training with a Travel and Living Allowance."
    assert "no usage" not in client.get(f"/notes/{note_id}").text


def test_a_note_form_leaves_out_an_unticked_box_its_file_never_had(
    client: TestClient, project: Project
) -> None:
    note_id = next(
        p.stem for p in sorted(project.note_library.glob("*.md"))
        if "restate_all_lines" not in p.read_text()
    )  # fmt: skip
    fields = form_fields(client.get(f"/notes/{note_id}").text, "note-form")
    fields = _replace(fields, "usage", dict(fields)["usage"] + " Edited.")
    shown = preview(client, f"/notes/{note_id}", [*fields, ("_action", "impact")]).text
    form = form_fields(shown, "note-form")
    assert post(client, f"/notes/{note_id}", [*form, ("_action", "save")]).status_code == 303
    assert "restate_all_lines" not in (project.note_library / f"{note_id}.md").read_text()


@pytest.mark.parametrize("note_id", ["NVD-SECURITY", "MTCR", "ADMIN-SURCHARGE-RATE-CHANGE"])
def test_a_note_saved_from_the_form_keeps_what_its_file_leaves_out(
    client: TestClient, project: Project, note_id: str
) -> None:
    """A note file without refresh_on (absent: every document) stays without it: the form's
    unticked boxes once wrote `refresh_on: []` (no document at all), turning the refresh off,
    or making notes of other carry-overs impossible to save."""
    path = project.note_library / f"{note_id}.md"
    before = path.read_text()
    assert "refresh_on" not in before
    fields = form_fields(client.get(f"/notes/{note_id}").text, "note-form")
    shown = preview(client, f"/notes/{note_id}", [*fields, ("_action", "impact")])
    assert "would not load" not in shown.text, note_id
    fields = _replace(form_fields(shown.text, "note-form"), "text[0]",
                      next(v for k, v in fields if k == "text[0]") + " Edited.")  # fmt: skip
    shown = preview(client, f"/notes/{note_id}", [*fields, ("_action", "impact")])
    saved = post(client, f"/notes/{note_id}", [*form_fields(shown.text, "note-form"),
                                                ("_action", "save")])  # fmt: skip
    assert saved.status_code == 303, html.unescape(saved.text)[:3000]
    after = path.read_text()
    assert after != before and "refresh_on" not in after


def _save_note_form(client: TestClient, note_id: str, changes: dict[str, str]) -> Any:
    """The note's form sent as a writer sends it: `changes` typed in, then Show what this
    changes, then Save."""
    fields = form_fields(client.get(f"/notes/{note_id}").text, "note-form")
    for name, value in changes.items():
        fields = _replace(fields, name, value)
    shown = preview(client, f"/notes/{note_id}", [*fields, ("_action", "impact")])
    return post(client, f"/notes/{note_id}", [*form_fields(shown.text, "note-form"),
                                              ("_action", "save")])  # fmt: skip


def test_a_note_saved_from_the_form_keeps_an_empty_refresh_on(
    client: TestClient, project: Project
) -> None:
    """`refresh_on: []` (refresh on no document) is not absent (every document): the form shows
    both as boxes left unticked, and saving keeps what the file said."""
    path = project.note_library / "NVD-SECURITY.md"
    path.write_text(path.read_text().replace("\ncarry_over: version_refresh\n",
                                             "\ncarry_over: version_refresh\nrefresh_on: []\n"))  # fmt: skip
    assert "refresh_on: []" in path.read_text()
    text = next(v for k, v in form_fields(client.get("/notes/NVD-SECURITY").text, "note-form")
                if k == "text[1]")  # fmt: skip
    saved = _save_note_form(client, "NVD-SECURITY", {"text[1]": text + " Edited."})
    assert saved.status_code == 303, html.unescape(saved.text)[:3000]
    after = path.read_text()
    assert "Edited." in after and "refresh_on: []" in after
    from loagen.policy.notes import load_library

    assert load_library(project.note_library)["NVD-SECURITY"].refresh_on == []


def test_a_note_form_strips_the_spaces_around_one_line_fields_only(
    client: TestClient, project: Project
) -> None:
    path = project.note_library / "NVD-SECURITY.md"
    saved = _save_note_form(client, "NVD-SECURITY", {
        "title": "  Night vision devices, kept safe ",
        "versions[1].issued_by": " DSCA 26-99  ",
        "rule": 'lines_with_item("nvd")\n  and case.program == "FMS"',
    })  # fmt: skip
    assert saved.status_code == 303, html.unescape(saved.text)[:3000]
    after = path.read_text()
    assert "title: Night vision devices, kept safe\n" in after
    assert "issued_by: DSCA 26-99\n" in after
    from loagen.policy.notes import load_library

    note = load_library(project.note_library)["NVD-SECURITY"]
    assert note.rule == 'lines_with_item("nvd")\n  and case.program == "FMS"'  # kept as typed


SPARES = (
    "number,masl,description,quantity,unit_of_issue,unit_cost,source_code,type_of_assistance,"
    "offer_release_code,delivery_term_code,months,kind\n"
    "003,A1C130J00SPR,INITIAL SPARES AND REPAIR PARTS,1,LO,14900000,X,4,Y,4,24-54,materiel\n"
)


def _import(client: TestClient, fields: list[tuple[str, str]], table: str | None) -> Any:
    """The edit page's import: its whole case form, sent with the spreadsheet (multipart)."""
    files = {"table": ("lines.csv", table.encode(), "text/csv")} if table is not None else None
    data: dict[str, Any] = {}
    for name, value in [*fields, ("_action", "import")]:
        data.setdefault(name, []).append(value)
    return client.post(f"/import/{QAA}", data=data, files=files or {"none": ("", b"", "")})


def test_an_import_with_changes_not_saved_is_refused_and_the_changes_come_back(
    client: TestClient, project: Project
) -> None:
    path = project.cases / "BN-D-QAA" / "amendment-1.json"
    before = path.read_bytes()
    page = client.get(f"/edit/{QAA}").text
    # the import's controls belong to the case form: the import sends the whole form
    assert re.search(r'<input id="table" type="file" name="table"[^>]*form="case-form"', page)
    assert re.search(r'<button type="submit" form="case-form" formaction="/import/[^"]+" '
                     r'formenctype="multipart/form-data"', page)  # fmt: skip
    fields = form_fields(page, "case-form")
    typed = _replace(fields, "nickname", "Typed, not saved")
    answer = _import(client, typed, SPARES)
    assert answer.status_code == 409
    assert "Not imported: the form holds changes that are not saved yet" in answer.text
    assert 'value="Typed, not saved"' in answer.text  # the changes are in the form
    at = answer.text.index('id="import-errors"')
    assert "press Save and rebuild first" in answer.text[at : at + 600]
    assert path.read_bytes() == before
    # no file chosen: said in the import's panel, the changes kept
    answer = _import(client, typed, None)
    assert answer.status_code == 409 and 'value="Typed, not saved"' in answer.text
    answer = _import(client, fields, None)
    assert (
        answer.status_code == 422 and "choose the spreadsheet (.xlsx or .csv) first" in answer.text
    )
    # a file saved elsewhere since the page opened: a conflict, said as one, whatever the form
    theirs = json.loads(before)
    theirs["nickname"] = "Their nickname"
    path.write_text(json.dumps(theirs, indent=2))
    answer = _import(client, fields, SPARES)
    assert answer.status_code == 409
    assert "changed by someone else (or in another tab)" in answer.text
    assert "holds changes that are not saved" not in answer.text
    path.write_bytes(before)
    # a bad cell: said once that nothing was imported, with the row and column
    answer = _import(client, fields, SPARES.replace(",1,LO,", ",fifty,LO,"))
    assert answer.status_code == 422 and path.read_bytes() == before
    assert answer.text.lower().count("nothing was imported") == 1
    assert "row 2, column" in answer.text and "fifty" in answer.text
    # the form as saved: imported and rebuilt
    answer = _import(client, fields, SPARES)
    assert answer.status_code == 303, answer.text[:3000]
    assert json.loads(path.read_text())["lines"][2]["unit_cost"] == 14900000
    assert "Lines imported from lines.csv: 1 updated" in client.get(answer.headers["location"]).text


def test_lines_can_be_added_moved_and_deleted(client: TestClient) -> None:
    fields = form_fields(client.get(f"/edit/{QAA}").text, "case-form")
    added = post(client, f"/edit/{QAA}", [*fields, ("_op", "add:lines")]).text
    fields = form_fields(added, "case-form")
    assert ("lines__rows", "8") in fields and ("lines[7].number", "008") in fields
    # its values are to fill in, as a new case's first line has them: its codes too
    assert (
        "lines[7].offer_release_code",
        "FILL IN: an Offer Release Code from the list above",
    ) in fields
    assert "fill in an Offer Release Code from its choices" in added
    moved = post(client, f"/edit/{QAA}", [*fields, ("_op", "up:lines[7]")]).text
    fields = form_fields(moved, "case-form")
    assert ("lines[6].number", "008") in fields and ("lines[7].number", "007") in fields
    deleted = post(client, f"/edit/{QAA}", [*fields, ("_op", "delete:lines[6]")]).text
    fields = form_fields(deleted, "case-form")
    assert ("lines__rows", "7") in fields and ("lines[6].number", "007") in fields


def test_a_yes_or_no_still_to_fill_in_stays_so_until_a_person_answers_it(
    client: TestClient, project: Project
) -> None:
    import yaml

    from loagen.case.placeholders import is_placeholder

    page = client.get("/new").text
    started = post(client, "/new", [("csrf", _csrf(page)), ("case_id", "BN-D-QYN")])
    rel = "cases/BN-D-QYN/basic.yaml"
    written = project.cases / "BN-D-QYN" / "basic.yaml"
    asked = yaml.safe_load(written.read_text())["lines"][0]["major_defense_equipment"]
    assert is_placeholder(asked)
    form = client.get(started.headers["location"]).text
    # not a ticked (or unticked) box: a choice to make, counted among the values to fill in
    box = re.search(r'<select id="f-lines-0-major_defense_equipment"[^>]*>(.*?)</select>',
                    form, re.S)  # fmt: skip
    assert box and '<option value="" selected>Choose… (to fill in)</option>' in box.group(1)
    assert 'type="checkbox" value="true" checked' not in form
    n = int(re.search(r"<h2>(\d+) values to fill in</h2>", form).group(1))
    # checked, saved as it is, and with a line added: still to fill in, never `true`
    fields = form_fields(form, "case-form")
    checked = post(client, f"/edit/{rel}", [*fields, ("_action", "check")]).text
    assert re.search(rf"<h2>{n} values to fill in</h2>", checked)
    post(client, f"/edit/{rel}", [*form_fields(checked, "case-form"), ("_action", "save")])
    assert yaml.safe_load(written.read_text())["lines"][0]["major_defense_equipment"] == asked
    added = post(
        client,
        f"/edit/{rel}",
        [*form_fields(client.get(f"/edit/{rel}").text, "case-form"), ("_op", "add:lines")],
    ).text
    fields = form_fields(added, "case-form")
    assert ("lines[1].major_defense_equipment", "") in fields
    at = added.index('id="f-lines-1-major_defense_equipment-msgs"')
    assert '<p class="field-msg problem">fill in' in added[at : at + 300]
    post(client, f"/edit/{rel}", [*fields, ("_action", "save")])
    lines = yaml.safe_load(written.read_text())["lines"]
    assert [is_placeholder(line["major_defense_equipment"]) for line in lines] == [True, True]
    # answered: Yes and No are written as the file says them
    fields = _replace(form_fields(client.get(f"/edit/{rel}").text, "case-form"),
                      "lines[0].major_defense_equipment", "false")  # fmt: skip
    fields = _replace(fields, "lines[1].major_defense_equipment", "true")
    post(client, f"/edit/{rel}", [*fields, ("_action", "save")])
    lines = yaml.safe_load(written.read_text())["lines"]
    assert [line["major_defense_equipment"] for line in lines] == [False, True]
    # answered, it is a box again
    form = client.get(f"/edit/{rel}").text
    assert 'name="lines[1].major_defense_equipment" type="checkbox" value="true" checked' in form


def test_every_yes_or_no_of_the_form_keeps_a_value_not_answered_yet() -> None:
    from loagen.studio.forms import FILL, _scalar, unanswered

    def walk(spec: Any, prefix: str = "") -> list[tuple[str, Any]]:
        out = []
        for child in spec.children:
            path = f"{prefix}.{child.name}" if prefix else child.name
            if child.kind in ("bool", "optbool"):
                out.append((path, child))
            out += walk(child, path)
        return out

    def read(spec: Any, path: str, value: str, kept: str = "") -> Any:
        fields = [(path, value), (path + "__bool", "1")]
        fields += [(path + FILL, kept)] if kept else []
        return _scalar(spec, _Posted(fields), path)

    yes_no = walk(case_form())
    assert len(yes_no) > 10
    asked = "FILL IN: yes or no"
    for path, spec in yes_no:
        assert unanswered(spec, asked) and unanswered(spec, "maybe")
        assert not unanswered(spec, True) and not unanswered(spec, False)
        assert unanswered(spec, None) == (spec.kind == "bool" and spec.required), path
        # the choice left at "to fill in" keeps the placeholder; "maybe" is kept as written
        # for the model to refuse; Yes and No are answers
        assert read(spec, path, "", asked) == asked, path
        assert read(spec, path, "maybe") == "maybe"
        assert read(spec, path, "true") is True and read(spec, path, "false") is False
        assert read(spec, path, "") is None


def test_the_live_check_answers_with_the_messages_of_each_field(client: TestClient) -> None:
    page = client.get(f"/edit/{QAA}").text
    fields = _replace(form_fields(page, "case-form"), "lines[0].source_code", "Q")
    answer = post(client, f"/check/{QAA}", fields, headers={"x-csrf-token": _csrf(page)})
    reply = answer.json()
    assert reply["problems"] == 1
    assert "not a known Source Code" in reply["fields"]["f-lines-0-source_code"]


def test_a_field_left_to_loagen_shows_what_the_document_reads(
    client: TestClient, project: Project
) -> None:
    import html

    from loagen.document.nomenclature import plural_name, singular_name
    from loagen.pipeline import Pipeline

    pipeline = Pipeline(project)
    document = pipeline.document(project.root / QAA)  # what a build of the file writes

    def said(page: str, fid: str) -> str:
        at = page.index(f'id="{fid}-computed"')
        return html.unescape(
            re.sub(r"<[^>]+>", "", page[page.index(">", at) + 1 : page.index("</p>", at)])
        )

    page = client.get(f"/edit/{QAA}").text
    assert said(page, "f-state_description") == (
        f"Left empty, the document reads: {document.state_description}"
    )
    assert "2 C-130J Aircraft" in document.state_description  # line 007 adds two
    line = document.case.lines[0]  # no nomenclature: named from its MASL description
    assert said(page, "f-lines-0-nomenclature").endswith(singular_name(line))
    assert said(page, "f-lines-0-nomenclature_plural").endswith(plural_name(line))

    # The live check says it again as the form changes; a field written in says nothing.
    fields = _replace(form_fields(page, "case-form"), "lines[6].quantity", "5")
    reply = post(client, f"/check/{QAA}", fields, headers={"x-csrf-token": _csrf(page)}).json()
    assert "5 C-130J Aircraft" in reply["computed"]["f-state_description"]
    fields = _replace(fields, "state_description", "Our own words.")
    reply = post(client, f"/check/{QAA}", fields, headers={"x-csrf-token": _csrf(page)}).json()
    assert "f-state_description" not in reply["computed"]
    page = post(client, f"/edit/{QAA}", [*fields, ("_action", "check")]).text
    assert 'id="f-state_description-computed"' not in page


def _wrapper_of(page: str, fid: str) -> str:
    """The opening tag of the element that wraps the input `fid` (its field or fieldset)."""
    at = page.index(f'for="{fid}"') if f'for="{fid}"' in page else page.index(f'id="{fid}"')
    start = max(page.rfind('<div class="field', 0, at), page.rfind("<fieldset", 0, at))
    return page[start : page.index(">", start) + 1]


def test_a_form_leaves_out_the_fields_its_kind_of_document_does_not_use(
    client: TestClient, project: Project
) -> None:
    basic = client.get("/edit/cases/BN-D-QAA/basic.json").text
    for fid in ("f-document-number", "f-document-previous", "f-document-implementation_date",
                "f-document-reason", "f-document-cancelled", "f-document-notes_in_force"):  # fmt: skip
        assert " hidden" in _wrapper_of(basic, fid), fid
    assert " hidden" not in _wrapper_of(basic, "f-document-offer_expiration_date")
    assert 'data-kinds="Basic Amendment"' in _wrapper_of(basic, "f-document-restated")

    amendment = client.get(f"/edit/{QAA}").text
    for fid in ("f-document-number", "f-document-previous", "f-document-reason"):
        assert " hidden" not in _wrapper_of(amendment, fid), fid
    modification = client.get("/edit/cases/BN-D-QAA/modification-1.json").text
    assert " hidden" in _wrapper_of(modification, "f-document-offer_expiration_date")
    assert " hidden" not in _wrapper_of(modification, "f-document-implementation_date")

    # A value given all the same stays in view, with what the checks say of it.
    path = project.root / "cases/BN-D-QAA/basic.json"
    data = json.loads(path.read_text())
    data["document"]["reason"] = "Typed on the Basic by mistake."
    path.write_text(json.dumps(data))
    basic = client.get("/edit/cases/BN-D-QAA/basic.json").text
    assert " hidden" not in _wrapper_of(basic, "f-document-reason")
    assert " hidden" in _wrapper_of(basic, "f-document-number")


@pytest.mark.parametrize("url", ["/cases", f"/doc/{QAA}", f"/edit/{QAA}", "/notes",
                                 "/notes/GPS-SAASM", "/templates", "/batch", "/help", "/new"])  # fmt: skip
def test_every_page_starts_with_a_link_that_skips_to_its_content(
    client: TestClient, url: str
) -> None:
    page = client.get(url).text
    body = page[page.index("<body") :]
    first = re.search(r"<(a|header|main|nav)\b[^>]*>", body[body.index(">") + 1 :]).group(0)
    assert first == '<a class="skip-link" href="#content">'
    assert '<main id="content" tabindex="-1">' in page


def test_a_new_case_opens_with_the_focus_on_the_first_value_to_fill_in(
    client: TestClient,
) -> None:
    page = client.get("/new").text
    answer = post(client, "/new", [("csrf", _csrf(page)), ("case_id", "BN-D-QFF"),
                                   ("nickname", "Focus Test")])  # fmt: skip
    form = client.get(answer.headers["location"]).text
    focus = re.search(r'data-focus-field="([^"]+)"', form).group(1)
    first = re.search(r'id="([^"]+)-msgs"[^>]*>\s*<p class="field-msg problem">fill in', form)
    assert first and focus == first.group(1), (focus, first and first.group(0))
    assert f'id="{focus}"' in form
    # opened again later (not just started): the page does not take the focus
    assert "data-focus-field" not in client.get("/edit/cases/BN-D-QFF/basic.yaml").text


def test_a_row_added_takes_the_keyboard_to_its_first_field(
    client: TestClient, project: Project
) -> None:
    from .conftest import example, write_chain

    data = example("BN-B-TAB/basic")
    data["case_id"] = "BN-B-TKF"
    write_chain(project.cases / "BN-B-TKF", data)
    rel = "cases/BN-B-TKF/basic.json"
    fields = form_fields(client.get(f"/edit/{rel}").text, "case-form")
    n = len(data["lines"])
    added = post(client, f"/edit/{rel}", [*fields, ("_op", "add:lines")]).text
    assert re.search(r'data-focus-field="([^"]+)"', added).group(1) == f"f-lines-{n}"
    assert f'id="f-lines-{n}"' in added  # the new line's row, whose first input takes it
    checked = post(client, f"/edit/{rel}", [*fields, ("_action", "check")]).text
    assert "data-focus-field" not in checked  # only a row added moves the keyboard


def test_the_case_list_counts_a_failed_build_as_its_page_does(
    client: TestClient, project: Project
) -> None:
    """A build the quality checks stopped: the list counts errors and warnings, worded as the
    document's page counts its checks, not "1 problem"."""
    from .conftest import example, write_chain

    data = example("BN-D-QAA/basic")
    data["case_id"] = "BN-D-QCT"
    trained = next(line for line in data["lines"] if line.get("training"))
    trained.pop("training")  # an error of the checks: a training line without its data
    write_chain(project.cases / "BN-D-QCT", data)
    rel = "cases/BN-D-QCT/basic.json"
    page = client.get(f"/doc/{rel}").text
    assert post(client, f"/rebuild/{rel}", [("csrf", _csrf(page))]).status_code == 303
    page = client.get(f"/doc/{rel}").text
    assert "Not built: 1 error (listed on this page)" in page
    heading = re.search(r"<h2>Quality checks: ([^<]+)</h2>", page).group(1)
    errors, warnings = re.fullmatch(r"(\d+) errors?, (\d+) warnings?", heading).groups()
    listed = client.get("/cases?q=BN-D-QCT").text
    row = listed[listed.index(f'href="/doc/{rel}"') :]
    row = row[: row.index("</tr>")]
    counts = re.findall(r'<span class="count (\w+)">([^<]+)</span>', row)
    said = [
        (kind, f"{n} {kind}{'' if n == '1' else 's'}")
        for kind, n in (("error", errors), ("warning", warnings))
    ]
    assert counts == said, (counts, heading)
    assert "problem" not in row


def test_a_case_still_to_fill_in_is_said_so_not_said_to_have_errors(
    client: TestClient, project: Project
) -> None:
    page = client.get("/new").text
    # the page marks as required what the case model (and so the edit form) requires
    for name in ("case_id", "nickname"):
        at = page.index(f'for="f-{name}"')
        assert (
            '<span class="req" title="required">*</span>' in page[at : page.index("</label>", at)]
        )
    started = post(client, "/new", [("csrf", _csrf(page)), ("case_id", "BN-D-QFI"),
                                    ("program", "FMS")])  # fmt: skip
    assert started.status_code == 303
    rel = "cases/BN-D-QFI/basic.yaml"
    form = client.get(f"/edit/{rel}").text
    saved = post(client, f"/edit/{rel}", [*form_fields(form, "case-form"), ("_action", "save")])
    flash = html.unescape(client.get(saved.headers["location"]).text)
    n = int(re.search(r"Not built yet: (\d+) values still to fill in", flash).group(1))
    assert _states(client)[rel] == ("tofill", f"To fill in: {n} values")
    page = client.get(f"/doc/{rel}").text
    assert f"To fill in: {n} values</h2>" in page and "cannot be read" not in page
    listed = client.get("/cases").text
    assert '<option value="tofill">To fill in (1)</option>' in listed
    assert '<option value="failed">Has errors (0)</option>' in listed
    assert rel in client.get("/cases?state=tofill").text


def test_a_document_started_and_never_built_is_listed_as_to_fill_in(
    client: TestClient, project: Project
) -> None:
    """A document started (its values to fill in) and left before any save or build is listed
    as "To fill in", with as many values as its page lists, not only as "Not built yet"."""
    page = client.get("/new").text
    started = post(client, "/new", [("csrf", _csrf(page)), ("case_id", "BN-D-QFJ"),
                                    ("program", "FMS")])  # fmt: skip
    assert started.status_code == 303
    rel = "cases/BN-D-QFJ/basic.yaml"
    state, words = _states(client)[rel]
    n = int(re.fullmatch(r"To fill in: (\d+) values?", words).group(1))
    assert state == "tofill" and n > 0
    assert f"To fill in: {n} value" in client.get(f"/doc/{rel}").text
    assert rel in client.get("/cases?state=tofill").text
    # filled in (no placeholder left), it is a document not built yet again
    source = project.root / rel
    source.write_text(source.read_text().replace("FILL IN", "filled"))
    assert _states(client)[rel][0] != "tofill"


def test_a_new_case_is_started_as_loagen_new_starts_it_and_opens_in_the_form(
    client: TestClient, project: Project
) -> None:
    import yaml

    from loagen.ops.start import CATEGORIES, FUNDING, PROGRAMS, describe, new_basic

    assert 'href="/new"' in client.get("/cases").text
    page = client.get("/new").text
    for name, values in (("program", PROGRAMS), ("category", CATEGORIES), ("funding", FUNDING),
                         ("terms_of_sale", ["Cash Prior to Delivery", "FMS Credit"])):  # fmt: skip
        for value in values:
            assert f'name="{name}" value="{value}"' in page, (name, value)
    assert describe("nickname") in page and "CC-I-XXX" in page
    token = _csrf(page)
    chosen = [("csrf", token), ("program", "FMS"), ("category", "defined_order"),
              ("funding", "national"), ("terms_of_sale", "Cash Prior to Delivery"),
              ("terms_of_sale", "Dependable Undertaking"), ("nickname", "Patrol Boats")]  # fmt: skip
    # a case identifier that is not one: the words `loagen new` says it in, nothing written
    answer = post(client, "/new", [("case_id", "bn-x"), *chosen])
    assert answer.status_code == 422
    assert "is not a case identifier: expected CC-I-XXX" in answer.text
    assert 'value="Patrol Boats"' in answer.text  # what was given comes back
    # a case the project has: never written over
    basic = project.cases / "BN-D-QAA" / "basic.json"
    before = basic.read_bytes()
    answer = post(client, "/new", [("case_id", "BN-D-QAA"), *chosen])
    assert answer.status_code == 422
    assert "Case BN-D-QAA already has a Basic (cases/BN-D-QAA/basic.json)" in answer.text
    assert basic.read_bytes() == before and not (basic.parent / "basic.yaml").exists()
    assert post(client, "/new", [("case_id", "BN-D-QAB"), ("csrf", token),
                                 ("program", "XYZ")]).status_code == 422  # fmt: skip
    # a program and a funding that do not go together: said at the funding, in the form's words
    answer = post(client, "/new", [("case_id", "B6-B-QAB"), ("csrf", token), ("program", "BPC"),
                                   ("funding", "national")])  # fmt: skip
    assert answer.status_code == 422 and not (project.cases / "B6-B-QAB").exists()
    at = answer.text.index('id="f-funding-msgs"')
    said = html.unescape(answer.text[at : at + 400])
    assert "Program BPC with funding 'national': BPC cases, and only they" in said
    assert "--funding" not in answer.text
    assert not (project.cases / "BN-D-QAB").exists()
    # a new one: the very file `loagen new` writes, opened in the form
    answer = post(client, "/new", [("case_id", " bn-d-qab "), *chosen])
    assert answer.status_code == 303
    assert answer.headers["location"] == "/edit/cases/BN-D-QAB/basic.yaml?started=1"
    written = project.cases / "BN-D-QAB" / "basic.yaml"
    expected, _ = new_basic(
        "BN-D-QAB", program="FMS", category="defined_order", funding="national",
        terms_of_sale=("Cash Prior to Delivery", "Dependable Undertaking"),
        nickname="Patrol Boats", path=Path("cases/BN-D-QAB/basic.yaml"),
    )  # fmt: skip
    assert written.read_bytes() == expected
    form = client.get(answer.headers["location"])
    assert form.status_code == 200
    assert (
        "Started case BN-D-QAB" in form.text and "fill in the full organisation name" in form.text
    )
    # values to fill in, not mistakes; the hints point to each field's choices, not to a list
    # above as the file's comments have it
    assert re.search(r"<h2>\d+ values to fill in</h2>", form.text)
    assert "problems to fix" not in form.text
    said = re.findall(r'<p class="field-msg problem">([^<]*)</p>', form.text)
    assert "fill in a Source Code from its choices" in said
    assert not [m for m in said if "from the list above" in m]
    # a box still to fill in is shown empty, what to give in grey; left empty, the file keeps
    # its FILL IN (a choice shows "Choose… (to fill in)")
    fields = form_fields(form.text, "case-form")
    assert ("lines[0].unit_cost", "") in fields
    assert ("purchaser.address", "") in fields  # a list still to fill in: empty too
    assert 'placeholder="the unit cost in U.S. dollars' in form.text
    assert "Choose… (to fill in)</option>" in form.text
    fields = _replace(fields, "nickname", "Patrol Boats II")
    saved = post(client, "/edit/cases/BN-D-QAB/basic.yaml", [*fields, ("_action", "save")])
    assert saved.status_code == 303, saved.text[:2000]
    shown = client.get(saved.headers["location"]).text  # saved part way: nothing is wrong
    assert re.search(r"Not built yet: \d+ values still to fill in", shown)
    assert "FILL IN" not in shown.split("<main")[1].split("</h1>")[0]  # no FILL IN as a name
    started = post(client, "/new", [("case_id", "BN-D-QAC"), ("csrf", token)])  # no nickname
    assert started.status_code == 303
    listed = client.get("/cases").text
    assert "BN-D-QAC" in listed and "FILL IN: the nickname" not in listed
    kept = yaml.safe_load(written.read_text())
    assert kept["nickname"] == "Patrol Boats II"
    assert kept["lines"][0]["unit_cost"].startswith("FILL IN: the unit cost")
    assert kept["lines"][0]["unit_of_issue"].startswith("FILL IN: a Unit of Issue code")
    assert kept["purchaser"]["address"][0].startswith("FILL IN: the first line")
    expected = written.read_bytes()
    answer = post(client, "/new", [("case_id", "BN-D-QAB"), *chosen])  # not twice
    assert answer.status_code == 422 and "already has a Basic" in answer.text
    assert written.read_bytes() == expected


@pytest.mark.usefixtures("offers_in_the_past")
def test_restate_writes_and_builds_the_restated_document(
    client: TestClient, project: Project
) -> None:
    # Modification 1 follows Amendment 1, which was therefore accepted: no Restate offered
    assert 'href="/restate/' not in client.get(f"/doc/{QAA}").text
    for later in ("modification-1.json", "modification-2.json"):  # an offer not yet answered
        (project.cases / "BN-D-QAA" / later).unlink()
    assert f'href="/restate/{QAA}"' in client.get(f"/doc/{QAA}").text
    page = client.get(f"/restate/{QAA}").text
    answer = client.post(
        f"/restate/{QAA}",
        data={"csrf": _csrf(page), "previous_offer_date": "2026-04-01",
              "offer_expiration_date": "2026-10-15"},
    )  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == "/doc/cases/BN-D-QAA/amendment-1-restated.json"
    assert (project.build_dir / "BN-D-QAA-amendment-1-restated.docx").is_file()


@pytest.mark.usefixtures("offers_in_the_past")
def test_restating_a_restated_document_keeps_the_date_it_records(
    client: TestClient, project: Project
) -> None:
    """A restated document whose offer expired is offered again as the same restatement: its
    Restate page says so and gives the date it records; the date of its own offer is refused
    with the way out, and the file is left as it was."""
    for later in ("modification-1.json", "modification-2.json"):  # an offer not yet answered
        (project.cases / "BN-D-QAA" / later).unlink()
    page = client.get(f"/restate/{QAA}").text
    assert 'id="restates"' not in page and 'name="previous_offer_date" type="date" value=""' in page
    client.post(f"/restate/{QAA}", data={
        "csrf": _csrf(page), "previous_offer_date": "2026-04-01",
        "offer_expiration_date": "2026-11-01"})  # fmt: skip
    restated = "cases/BN-D-QAA/amendment-1-restated.json"
    file = project.root / restated
    kept = file.read_bytes()
    page = client.get(f"/restate/{restated}").text
    said = html.unescape(page)
    assert "already restates the offer of 1 April 2026" in said
    assert 'name="previous_offer_date" type="date" value="2026-04-01"' in page
    answer = client.post(f"/restate/{restated}", data={
        "csrf": _csrf(page), "previous_offer_date": "2026-10-01",
        "offer_expiration_date": "2027-01-15"})  # fmt: skip
    assert answer.status_code == 200 and file.read_bytes() == kept
    said = html.unescape(answer.text)
    assert (
        "Not restated: amendment-1-restated.json already restates the offer of 2026-04-01" in said
    )
    assert 'value="2026-10-01"' in answer.text  # what was typed is kept to correct
    answer = client.post(f"/restate/{restated}", data={
        "csrf": _csrf(page), "previous_offer_date": "2026-04-01",
        "offer_expiration_date": "2027-01-15"})  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == f"/doc/{restated}"
    again = json.loads(file.read_text())["document"]
    assert again["offer_expiration_date"] == "2027-01-15"
    assert again["restated"] == {"previous_offer_date": "2026-04-01"}


@pytest.mark.usefixtures("offers_in_the_past")
def test_a_restated_original_is_shown_superseded_by_its_restated_version(
    client: TestClient, project: Project
) -> None:
    from .conftest import example, write_chain

    docs = [example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")]
    for data in docs:
        data["case_id"] = "BN-D-QRS"
    write_chain(project.cases / "BN-D-QRS", *docs)
    original, restated = (
        "cases/BN-D-QRS/amendment-1.json",
        "cases/BN-D-QRS/amendment-1-restated.json",
    )
    page = client.get(f"/restate/{original}").text
    assert f'<a href="/doc/{original}">BN-D-QRS Amendment 1</a> › Restate' in page  # not a path
    answer = client.post(f"/restate/{original}", data={
        "csrf": _csrf(page), "previous_offer_date": "2026-04-01",
        "offer_expiration_date": "2026-10-15"})  # fmt: skip
    assert answer.headers["location"] == f"/doc/{restated}"

    words = "Superseded by its restated version"
    assert _states(client)[original] == ("superseded", words)
    assert _states(client)[restated][0] == "current"
    assert f'<option value="superseded">{words} (1)</option>' in client.get("/cases").text
    page = client.get(f"/doc/{original}").text
    line = page[page.index('id="superseded"') :]
    assert f'<a href="/doc/{restated}">BN-D-QRS Amendment 1 (restated)</a>' in line
    for refused in ("/next/", "/restate/"):  # buttons that would only refuse are not offered
        assert f'href="{refused}{original}' not in page, refused
    delete = client.get(f"/delete/{original}").text
    assert "started by mistake" not in delete and "superseded by its restated version" in delete
    assert f'<a href="/doc/{original}">BN-D-QRS Amendment 1</a> › Delete' in delete
    edit = client.get(f"/edit/{restated}").text
    assert "<h1>Edit BN-D-QRS Amendment 1 (restated)</h1>" in edit
    # the restated version itself is a document like the others
    page = client.get(f"/doc/{restated}").text
    assert 'id="superseded"' not in page and f'href="/next/{restated}?kind=amendment"' in page
    assert "started by mistake" in client.get(f"/delete/{restated}").text


def test_a_document_started_by_mistake_moves_to_the_trash_and_can_come_back(
    client: TestClient, project: Project
) -> None:
    newest = "cases/BN-D-QAA/modification-2.json"
    source = project.root / newest
    content = source.read_bytes()
    assert client.post(f"/rebuild/{newest}", data={"csrf": _csrf(client.get(f"/doc/{newest}").text)}
                       ).status_code == 303  # fmt: skip
    built = project.build_dir / "BN-D-QAA-modification-2.docx"
    assert built.is_file()

    # A document another follows is not deleted, nor offered to be.
    assert 'href="/delete/' not in client.get(f"/doc/{QAA}").text
    refused = client.get(f"/delete/{QAA}").text
    assert "cannot be deleted" in refused and "modification-1.json" in refused
    assert client.post(f"/delete/{QAA}", data={"csrf": _csrf(refused)}).status_code == 200
    assert (project.root / QAA).is_file()

    # A file changed after the page was opened is not deleted either.
    page = client.get(f"/delete/{newest}").text
    assert f'href="/delete/{newest}"' in client.get(f"/doc/{newest}").text
    assert "BN-D-QAA-modification-2.docx" in page
    source.write_bytes(content + b"\n")
    answer = client.post(f"/delete/{newest}", data={"csrf": _csrf(page), "_sha": _sha(page)})
    assert "Not deleted: the file was changed" in html.unescape(answer.text)
    assert source.is_file()

    page = client.get(f"/delete/{newest}").text
    answer = client.post(f"/delete/{newest}", data={"csrf": _csrf(page), "_sha": _sha(page)})
    assert answer.status_code == 303 and answer.headers["location"] == "/cases#deleted"
    assert not source.exists() and not built.exists()
    (kept,) = (project.root / ".loagen" / "trash").iterdir()
    assert (kept / newest).read_bytes() == content + b"\n"
    assert (kept / "build" / "BN-D-QAA-modification-2.docx").is_file()
    assert (kept / "build" / "BN-D-QAA-modification-2.manifest.json").is_file()
    listing = client.get("/cases").text
    assert f"moved, with what was built from it, to .loagen/trash/{kept.name}/" in (
        html.unescape(listing)
    )
    assert "/doc/cases/BN-D-QAA/modification-2.json" not in listing
    # Modification 1 is the newest now: it can be deleted in turn.
    assert (
        'href="/delete/cases/BN-D-QAA/modification-1.json"'
        in client.get("/doc/cases/BN-D-QAA/modification-1.json").text
    )

    # Restore, beside it under Deleted documents, brings it back with what was built from it,
    # but not over a file of the same name written since.
    assert 'id="deleted"' in listing and "Restore</button>" in listing
    source.write_text("{}")
    refused = client.post("/restore", data={"csrf": _csrf(listing), "folder": kept.name})
    assert refused.status_code == 303
    said = html.unescape(client.get(refused.headers["location"]).text)
    assert "Not restored: cases/BN-D-QAA/modification-2.json exists now" in said
    assert source.read_text() == "{}" and (kept / newest).is_file()
    source.unlink()
    back = client.post("/restore", data={"csrf": _csrf(listing), "folder": kept.name})
    said = html.unescape(client.get(back.headers["location"]).text)
    assert f"Restored {newest}, with what was built from it." in said
    assert source.read_bytes() == content + b"\n" and built.is_file()
    assert not kept.exists() and 'id="deleted"' not in said
    assert f"/doc/{newest}" in said
    # a folder the trash does not hold is no folder to restore from
    outside = client.post("/restore", data={"csrf": _csrf(listing), "folder": "../cases"})
    assert "no longer in the trash" in html.unescape(client.get(outside.headers["location"]).text)


# -- the note library -------------------------------------------------------------------------------


def test_a_note_rule_edit_shows_its_impact_before_saving(
    client: TestClient, project: Project
) -> None:
    note = project.note_library / "GPS-SAASM.md"
    before = note.read_text()
    page = client.get("/notes/GPS-SAASM").text
    fields = form_fields(page, "note-form")
    rule = next(v for k, v in fields if k == "rule")
    fields = _replace(fields, "rule", f'{rule} and case.program == "BPC"')
    shown = preview(client, "/notes/GPS-SAASM", [*fields, ("_action", "impact")])
    assert shown.status_code == 200
    assert "What this edit changes" in shown.text
    assert "now out" in shown.text and "BN-D-QAA Amendment 1" in shown.text
    assert note.read_text() == before  # nothing saved yet
    fields = form_fields(shown.text, "note-form")
    saved = post(client, "/notes/GPS-SAASM", [*fields, ("_action", "save")])
    assert saved.status_code == 303
    assert 'case.program == "BPC"' in note.read_text()
    assert "# " in note.read_text() or "#" not in before  # comments kept when there were some


def test_a_note_preview_is_a_page_of_its_own_that_back_and_reload_open_again(
    client: TestClient, project: Project
) -> None:
    note = project.note_library / "CAS-SURCHARGE.md"
    fields = form_fields(client.get("/notes/CAS-SURCHARGE").text, "note-form")
    rule = next(v for k, v in fields if k == "rule")
    edited = _replace(fields, "rule", f"{rule} and case.case_id != 'BN-Q-NOT'")
    answer = post(client, "/notes/CAS-SURCHARGE", [*edited, ("_action", "impact")])
    assert answer.status_code == 303  # POST/redirect/GET: no page answers the form itself
    shown_at = answer.headers["location"]
    assert shown_at.startswith("/notes/CAS-SURCHARGE?draft=")
    for _ in range(2):  # opened again (Back, Reload): the same edit and its changes
        shown = client.get(shown_at)
        assert shown.status_code == 200 and "What this edit changes" in shown.text
        assert "BN-Q-NOT" in shown.text
    checked = post(client, "/notes/CAS-SURCHARGE", [*edited, ("_action", "check")])
    assert checked.status_code == 303 and "BN-Q-NOT" in client.get(checked.headers["location"]).text
    saved = post(client, "/notes/CAS-SURCHARGE",
                 [*form_fields(shown.text, "note-form"), ("_action", "save")])  # fmt: skip
    assert saved.status_code == 303 and "BN-Q-NOT" in note.read_text()
    client.get(saved.headers["location"])
    back = client.get(shown_at)  # Back after the save: the note, said to be saved so
    assert back.status_code == 200 and "The note as saved reads as this edit" in back.text
    gone = client.get("/notes/CAS-SURCHARGE?draft=0123456789abcdef")
    assert gone.status_code == 200 and "no longer kept" in gone.text


def test_a_note_edit_being_checked_is_shown_again_after_a_restart(
    client: TestClient, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    from loagen.studio import notepages

    fields = form_fields(client.get("/notes/NVD-SECURITY").text, "note-form")
    rule = next(v for k, v in fields if k == "rule")
    edited = _replace(fields, "rule", f"{rule} and case.case_id != 'BN-Q-KEPT'")
    shown_at = post(client, "/notes/NVD-SECURITY", [*edited, ("_action", "impact")]).headers[
        "location"
    ]
    restarted = TestClient(create_app(project, hosts=["testserver"]), follow_redirects=False)
    page = restarted.get(shown_at).text
    assert "BN-Q-KEPT" in page and "What this edit changes" in page and "no longer kept" not in page
    # kept in the project, for its owner only
    folder = project.root / ".loagen" / notepages.DRAFT_FOLDER
    (kept,) = folder.iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # a file changed by hand under its name is not taken for the edit
    kept.write_text(kept.read_text().replace("BN-Q-KEPT", "BN-Q-FORGED"))
    restarted = TestClient(create_app(project, hosts=["testserver"]), follow_redirects=False)
    page = restarted.get(shown_at).text
    assert "no longer kept" in page and "BN-Q-FORGED" not in page
    # bounded: the oldest go first
    monkeypatch.setattr(notepages, "DRAFTS_KEPT", 2)
    for n in range(4):
        again = _replace(fields, "rule", f"{rule} and case.case_id != 'BN-Q-{n:03d}'")
        assert (
            post(client, "/notes/NVD-SECURITY", [*again, ("_action", "check")]).status_code == 303
        )
        time.sleep(0.01)
    kept = sorted(p.read_text() for p in folder.iterdir())
    assert len(kept) == 2 and all("BN-Q-002" in t or "BN-Q-003" in t for t in kept)


def test_a_note_that_would_not_load_cannot_be_saved(client: TestClient, project: Project) -> None:
    note = project.note_library / "GPS-SAASM.md"
    before = note.read_text()
    fields = form_fields(client.get("/notes/GPS-SAASM").text, "note-form")
    fields = _replace(fields, "rule", "lines_with(itemz=['gps_saasm'])")
    shown = preview(client, "/notes/GPS-SAASM", [*fields, ("_action", "impact")])
    assert "cannot be saved" in shown.text
    at = shown.text.index('id="f-rule-msgs"')
    assert "itemz" in shown.text[at : at + 500]
    forced = post(
        client, "/notes/GPS-SAASM", [*form_fields(shown.text, "note-form"), ("_action", "save")]
    )
    assert forced.status_code == 200 and "Not saved" in forced.text
    assert note.read_text() == before


def test_a_yaml_error_in_the_file_text_names_its_line_and_the_field_written_there(
    client: TestClient, project: Project
) -> None:
    """In "As the file's text" mode there are no form fields to point to: a problem names the
    line of the file and the field on it. A '[' left open is the line it opens on, not the
    field after it where YAML notices it."""
    page = client.get("/notes/GPS-SAASM?mode=text").text
    fields = form_fields(page, "note-form")
    text = next(v for k, v in fields if k == "file_text")
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("placement:"))
    lines[at] = lines[at].replace("placement: ", "placement: [", 1)
    broken = _replace(fields, "file_text", "\n".join(lines))
    shown = html.unescape(preview(client, "/notes/GPS-SAASM", [*broken, ("_action", "check")]).text)
    problems = shown[shown.index('id="note-problems"') : shown.index('id="note-form"')]
    said = re.search(r'<a class="where" href="#f-file_text" data-line="(\d+)">([^<]*)</a>\s*'
                     r'<span class="msg">([^<]*)</span>', problems)  # fmt: skip
    assert said, problems
    assert said.group(1) == str(at + 1)  # its link selects the line in the box
    assert said.group(2) == f"Line {at + 1} (placement)"
    assert "the '[' on this line is not closed with ']'" in said.group(3)
    live = post(client, "/notes/GPS-SAASM/check", broken, headers={"x-csrf-token": _csrf(page)})
    box = html.unescape(live.json()["fields"]["f-case"])
    assert f"Line {at + 1} (placement): front matter is not valid YAML" in box
    assert live.json()["problems"][0].startswith(f"Line {at + 1} (placement): ")


def _cas_surcharge_endif_broken(client: TestClient) -> tuple[str, Any, str, int, Any]:
    """The CAS-SURCHARGE note's page, its form's fields and its first version's text; then the
    index of the line whose "{% endif %}" is written wrong ("{% endif }"), and the form with
    that line so written."""
    page = client.get("/notes/CAS-SURCHARGE").text
    fields = form_fields(page, "note-form")
    text = next(v for k, v in fields if k == "text[0]")
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if "{% endif %}" in line)
    lines[at] = lines[at].replace("{% endif %}", "{% endif }")
    return page, fields, text, at, _replace(fields, "text[0]", "\n".join(lines))


def test_a_placeholder_written_wrong_names_the_line_of_its_text_in_words(
    client: TestClient,
) -> None:
    """A policy officer sees a version's text in a box, not the note file: a placeholder
    written wrong is said at that box with the line of the text it is on (the file's line in
    "As the file's text" mode), without the library's words ("body", "template")."""
    page, fields, text, at, broken = _cas_surcharge_endif_broken(client)
    live = post(client, "/notes/CAS-SURCHARGE/check", broken, headers={"x-csrf-token": _csrf(page)})
    box = html.unescape(live.json()["fields"]["f-text-0"])
    assert f"Line {at + 1} of this text: a placeholder" in box and "not written right" in box
    assert "body" not in box
    unclosed = _replace(fields, "text[0]", text + "\n{% if case.cas %}")
    live = post(
        client, "/notes/CAS-SURCHARGE/check", unclosed, headers={"x-csrf-token": _csrf(page)}
    )
    box = html.unescape(live.json()["fields"]["f-text-0"])
    assert "ends before its {% if %} is closed with {% endif %}" in box, box
    assert "Jinja" not in box and "template" not in box
    shown = html.unescape(
        preview(client, "/notes/CAS-SURCHARGE", [*broken, ("_action", "check")]).text
    )
    assert f"Line {at + 1} of this text" in shown[shown.index('id="f-text-0"') :]
    rule = _replace(fields, "rule", 'lines_with(source_code=["P", "X"]')
    live = post(client, "/notes/CAS-SURCHARGE/check", rule, headers={"x-csrf-token": _csrf(page)})
    assert "does not parse: it ends too soon" in html.unescape(live.json()["fields"]["f-rule"])
    # the file's text: its line, once
    page = client.get("/notes/CAS-SURCHARGE?mode=text").text
    file_fields = form_fields(page, "note-form")
    file_text = next(v for k, v in file_fields if k == "file_text")
    file_text = file_text.replace("{% endif %}", "{% endif }", 1)
    live = post(client, "/notes/CAS-SURCHARGE/check",
                _replace(file_fields, "file_text", file_text),
                headers={"x-csrf-token": _csrf(page)})  # fmt: skip
    box = html.unescape(live.json()["fields"]["f-case"])
    assert re.search(r"Line \d+ \(Text of version 1\): a placeholder", box), box
    assert "of this text" not in box


def test_a_rule_that_fails_on_documents_says_why_in_words(client: TestClient) -> None:
    fields = form_fields(client.get("/notes/RAPS").text, "note-form")
    for rule, words in (("costs.transportation / 0 > 1", "division by zero"),
                        ("lines[3].quantity > 1", "this document has no 4th line")):  # fmt: skip
        shown = preview(client, "/notes/RAPS",
                     [*_replace(fields, "rule", rule), ("_action", "impact")]).text  # fmt: skip
        impact = shown[shown.index('id="impact"') :]
        assert words in impact, rule
        assert "&lt;class" not in impact and "StrictUndefined" not in impact, rule
        # the heading says first that it cannot be saved, and on how many documents
        heading = re.search(r"<h3>It cannot be saved: the edited note cannot be worked out on "
                            r"(\d+) of (\d+) documents?</h3>", impact)  # fmt: skip
        assert heading, rule
        assert impact.index("It cannot be saved") < impact.index("</h3>")
        assert " of 11 documents change" not in impact  # not "0 of 11 change" above it
        broken, total = int(heading.group(1)), int(heading.group(2))
        if broken < total:
            assert f"On the other {total - broken} document" in impact
        assert 'value="save"' not in shown


def test_a_note_edit_marks_the_answered_documents_it_changes_as_impact_does(
    client: TestClient, project: Project
) -> None:
    """Show what this changes marks each document already answered (a later document of its
    case follows it) and warns, as `loagen impact` does, also for a new version dated before
    them (it changes them too); a case file that cannot be read is named, with a link."""
    from loagen.manifest import read_manifest
    from loagen.ops.batch import run_batch

    from .conftest import example, write_chain

    docs = [example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")]
    for data in docs:
        data["case_id"] = "BN-D-QRX"
    write_chain(project.cases / "BN-D-QRX", *docs)
    (project.cases / "BN-D-QRX" / "modification-9.json").write_text("{ not json")
    run_batch([project.cases / "BN-D-QRX"], project=project, jobs=1)
    basic = read_manifest(project.build_dir / "BN-D-QRX-basic.manifest.json")
    library = load_library(project.note_library)
    # a note the Basic prints in its latest version: a version dated later would print there
    note_id, label = min(
        (n.id, n.version) for n in basic.notes
        if n.placement == "notes" and library[n.id].versions[-1].version == n.version
        and library[n.id].versions[-1].effective.year < 2024
    )  # fmt: skip
    fields = form_fields(client.get(f"/notes/{note_id}").text, "note-form")
    labels = [v for k, v in fields if re.fullmatch(r"versions\[\d+\]\.version", k)]
    at = labels.index(label)
    edited = _replace(fields, f"text[{at}]", dict(fields)[f"text[{at}]"] + " Reworded.")
    shown = html.unescape(
        preview(client, f"/notes/{note_id}", [*edited, ("_action", "impact")]).text
    )
    impact = shown[shown.index('id="impact"') :]
    row = re.search(r'<a href="/doc/cases/BN-D-QRX/basic.json">[^<]*</a>([^<]*<span[^>]*>[^<]*)',
                    impact)  # fmt: skip
    assert row and "(answered: a later document follows it)" in row.group(1)
    newest = re.search(r'<a href="/doc/cases/BN-D-QRX/amendment-1.json">[^<]*</a>(.{0,80})',
                       impact, re.S)  # fmt: skip
    assert newest is None or "answered" not in newest.group(1)
    warning = re.search(r'<p class="alert answered"[^>]*>(.*?)</p>', impact, re.S).group(1)
    assert "already answered" in warning and "dated after the documents already" in warning
    # the case file that cannot be read is named, with a link to it
    unread = re.search(r'<p class="muted" id="unreadable">(.*?)</p>', impact, re.S).group(1)
    assert 'href="/doc/cases/BN-D-QRX/modification-9.json"' in unread
    # the wording as a new version dated before the answered documents: it changes them too
    fields = _replace(edited, f"text[{at}]", dict(fields)[f"text[{at}]"])
    rows = int(dict(fields)["versions__rows"])
    added = preview(client, f"/notes/{note_id}", [*fields, ("_op", "add:versions")]).text
    added = form_fields(added, "note-form")
    from datetime import date, timedelta

    latest = max(date.fromisoformat(v) for k, v in fields if k.endswith("].effective") and v)
    soon = (latest + timedelta(days=1)).isoformat()  # before the documents of the case
    added = _replace(added, f"versions[{rows}].effective", soon)
    added = _replace(added, f"text[{rows}]", dict(added)[f"text[{rows}]"] + " Reworded.")
    shown = html.unescape(
        preview(client, f"/notes/{note_id}", [*added, ("_action", "impact")]).text
    )
    assert 'class="alert answered"' in shown, shown[shown.index('id="impact"') :][:3000]


def test_an_edit_of_a_printed_versions_text_warns_and_offers_a_new_version_instead(
    client: TestClient, project: Project
) -> None:
    from loagen.manifest import read_manifest
    from loagen.ops.batch import run_batch
    from loagen.policy.notes import load_library

    from .conftest import example, write_chain

    docs = [example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")]
    for data in docs:
        data["case_id"] = "BN-D-QRW"
    write_chain(project.cases / "BN-D-QRW", *docs)
    run_batch([project.cases], project=project, jobs=1)
    printing: dict[tuple[str, str], list[str]] = {}
    for manifest_file in sorted(project.build_dir.glob("*.manifest.json")):
        for printed in read_manifest(manifest_file).notes:
            names = printing.setdefault((printed.id, printed.version), [])
            if manifest_file.name not in names:
                names.append(manifest_file.name)
    mine = read_manifest(project.build_dir / "BN-D-QRW-amendment-1.manifest.json")
    note_id, label = min((n.id, n.version) for n in mine.notes if n.placement == "notes")
    documents = printing[(note_id, label)]
    offered = sum("-basic." in d or "-amendment-" in d for d in documents)

    page = client.get(f"/notes/{note_id}").text
    fields = form_fields(page, "note-form")
    labels = [v for k, v in fields if re.fullmatch(r"versions\[\d+\]\.version", k)]
    at = labels.index(label)
    old_text = dict(fields)[f"text[{at}]"]
    edited = _replace(fields, f"text[{at}]", old_text + " Reworded by the test.")
    shown = preview(client, f"/notes/{note_id}", [*edited, ("_action", "impact")]).text
    warning = html.unescape(re.search(r'<p class="alert rewording"[^>]*>(.*?)</p>', shown, re.S)
                            .group(1))  # fmt: skip
    assert warning.startswith(f"This changes the text of version {label}, which "
                              f"{len(documents)} documents already print")  # fmt: skip
    if offered < len(documents):
        assert f"the {offered} Basics and Amendments offered among them" in warning
    assert "their signed text will not change, but rebuilding them will print the new " \
        "wording. To change the wording for new documents, add a new version instead" in warning  # fmt: skip
    assert shown.index("alert rewording") < shown.index('value="save"')  # above the button
    # the link: the same edit as a new version, the version printed keeping its text
    link = html.unescape(re.search(r'<a href="([^"]+)">make this wording a new version', shown)
                         .group(1))  # fmt: skip
    fields = form_fields(client.get(link).text, "note-form")
    assert dict(fields)[f"text[{at}]"] == old_text
    last = int(dict(fields)["versions__rows"]) - 1
    assert last == len(labels) and dict(fields)[f"text[{last}]"].endswith("Reworded by the test.")
    shown = preview(client, f"/notes/{note_id}", [*fields, ("_action", "impact")]).text
    assert "alert rewording" not in shown  # new wording for new documents: nothing to warn of
    saved = post(client, f"/notes/{note_id}", [*form_fields(shown, "note-form"),
                                               ("_action", "save")])  # fmt: skip
    assert saved.status_code == 303
    note = load_library(project.note_library)[note_id]
    assert note.texts[at].body.strip() == old_text.strip() and len(note.texts) == len(labels) + 1


def test_a_note_page_opens_at_what_its_button_brings_at_the_foot_of_the_form(
    client: TestClient,
) -> None:
    """The note form is some three screens long: "Show what this changes" opens its page at
    the changes, "+ Add a new version" at the version added (said at the top too), not at the
    top of the form, where nothing seems to have happened."""
    fields = form_fields(client.get("/notes/CAS-SURCHARGE").text, "note-form")
    rule = next(v for k, v in fields if k == "rule")
    edited = _replace(fields, "rule", f"{rule} and case.case_id != 'BN-Q-NOT'")
    shown = post(client, "/notes/CAS-SURCHARGE", [*edited, ("_action", "impact")])
    assert shown.status_code == 303 and shown.headers["location"].endswith("#impact")
    page = client.get(shown.headers["location"]).text
    assert 'id="impact"' in page
    checked = post(client, "/notes/CAS-SURCHARGE", [*edited, ("_action", "check")])
    assert "#" not in checked.headers["location"]  # Check: its problems are at the top
    rows = int(dict(fields)["versions__rows"])
    added = post(client, "/notes/CAS-SURCHARGE", [*fields, ("_op", "add:versions")])
    assert added.headers["location"].endswith(f"#f-versions-{rows}")
    page = client.get(added.headers["location"]).text
    assert f'id="f-versions-{rows}"' in page
    assert f"Version {rows + 1} added below, taking effect today" in page


def test_a_note_save_can_be_undone_through_a_preview_of_the_note_as_it_was(
    client: TestClient, project: Project
) -> None:
    note = project.note_library / "CAS-SURCHARGE.md"
    before = note.read_text()
    fields = form_fields(client.get("/notes/CAS-SURCHARGE").text, "note-form")
    rule = next(v for k, v in fields if k == "rule")
    edited = _replace(fields, "rule", f"{rule} and case.case_id != 'BN-Q-NOT'")
    shown = preview(client, "/notes/CAS-SURCHARGE", [*edited, ("_action", "impact")])
    saved = post(client, "/notes/CAS-SURCHARGE",
                 [*form_fields(shown.text, "note-form"), ("_action", "save")])  # fmt: skip
    assert saved.status_code == 303 and "BN-Q-NOT" in note.read_text()
    page = client.get(saved.headers["location"]).text
    undo = re.search(r'<a href="([^"]+)">Undo this save</a>', page)
    assert undo, page[:3000]
    assert html.unescape(undo.group(1)).endswith("#impact")
    undoing = client.get(html.unescape(undo.group(1)))
    assert "What this edit changes" in undoing.text
    assert dict(form_fields(undoing.text, "note-form"))["rule"] == rule  # the rule as it was
    assert "BN-Q-NOT" in note.read_text()  # nothing written by opening it
    undone = post(client, "/notes/CAS-SURCHARGE",
                  [*form_fields(undoing.text, "note-form"), ("_action", "save")])  # fmt: skip
    assert undone.status_code == 303 and note.read_text() == before
    # offered only while the save it undoes is the last one: not once the file changed again
    note.write_text(before.replace("SAMM C9.4", "SAMM C9.4.1"))
    assert "Undo this save" not in client.get(saved.headers["location"]).text


def test_a_wording_edit_of_a_note_no_document_prints_says_so(client: TestClient) -> None:
    """No case of the project has ammunition: "0 of 11 documents change ... its printed
    wording does not change" read as if the edit had not been taken. It says why."""
    fields = form_fields(client.get("/notes/AMMUNITION-EXPLOSIVES").text, "note-form")
    text = next(v for k, v in fields if k == "text[0]")
    edited = _replace(fields, "text[0]", text.replace("its own insurer", "its own insurer,", 1))
    shown = preview(client, "/notes/AMMUNITION-EXPLOSIVES", [*edited, ("_action", "impact")])
    assert "No document of the project prints this note" in shown.text
    # a note printed on documents: not said
    fields = form_fields(client.get("/notes/CAS-SURCHARGE").text, "note-form")
    text = next(v for k, v in fields if k == "text[0]")
    edited = _replace(fields, "text[0]", text.replace("charges are included", "are included", 1))
    shown = preview(client, "/notes/CAS-SURCHARGE", [*edited, ("_action", "impact")])
    assert "What this edit changes" in shown.text
    assert "No document of the project prints this note" not in shown.text


def test_a_new_version_of_a_note_takes_effect_on_its_date(
    client: TestClient, project: Project
) -> None:
    fields = form_fields(client.get("/notes/GPS-SAASM").text, "note-form")
    added = preview(client, "/notes/GPS-SAASM", [*fields, ("_op", "add:versions")]).text
    fields = form_fields(added, "note-form")
    rows = int(dict(fields)["versions__rows"])
    last = rows - 1
    fields = _replace(fields, f"versions[{last}].effective", "2027-01-01")
    fields = _replace(fields, f"versions[{last}].issued_by", "DSCA 27-01")
    fields = _replace(
        fields, f"text[{last}]", "A new text for GPS equipment on {{ refs(note_lines) }}."
    )
    shown = preview(client, "/notes/GPS-SAASM", [*fields, ("_action", "impact")])
    assert "cannot be saved" not in shown.text, shown.text[:3000]
    saved = post(
        client, "/notes/GPS-SAASM", [*form_fields(shown.text, "note-form"), ("_action", "save")]
    )
    assert saved.status_code == 303
    text = (project.note_library / "GPS-SAASM.md").read_text()
    assert "effective: 2027-01-01" in text and "issued_by: DSCA 27-01" in text
    assert "::: version" in text and "A new text for GPS equipment" in text
    from loagen.policy.notes import load_library

    note = load_library(project.note_library)["GPS-SAASM"]
    assert len(note.texts) == rows and str(note.texts[-1].effective) == "2027-01-01"


# -- templates ---------------------------------------------------------------------------------------------


def _upload_basic(client: TestClient, docx: bytes) -> Any:
    """The templates page's upload of `docx` as an edited basic.docx (checked, not saved)."""
    token = _csrf(client.get("/templates").text)
    return client.post(
        "/templates/basic.docx/upload",
        data={"csrf": token},
        files={"file": ("basic-edited.docx", docx, "application/octet-stream")},
    )


def _with_document_xml(template: Path, change) -> bytes:  # noqa: ANN001
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = change(data.decode()).encode()
            z.writestr(info, data)
    return out.getvalue()


def test_a_template_with_a_broken_tag_is_refused_naming_the_paragraph(
    client: TestClient, project: Project
) -> None:
    current = project.templates / "basic.docx"
    before = current.read_bytes()
    broken = _with_document_xml(
        current, lambda xml: xml.replace("Case Description", "{% if case %}Case Description", 1)
    )
    answer = _upload_basic(client, broken)
    assert answer.status_code == 422
    assert "cannot replace basic.docx" in answer.text
    assert re.search(r"paragraph \d+", answer.text)
    assert "Case Description" in answer.text
    assert "Replace basic.docx" not in answer.text
    assert current.read_bytes() == before


def test_a_template_change_marks_the_answered_documents_it_changes_as_impact_does(
    client: TestClient, project: Project
) -> None:
    """A template has no dated versions: a change rewords the documents already answered too
    when they are rebuilt. Its check says so, as `loagen impact` and a note's preview do."""
    current = project.templates / "basic.docx"
    edited = _with_document_xml(
        current, lambda xml: xml.replace("Case Description", "Description of the Case", 1)
    )
    answer = _upload_basic(client, edited)
    assert answer.status_code == 200 and "can replace basic.docx" in answer.text
    page = html.unescape(answer.text)
    summaries = dict(re.findall(r'<summary><a href="/doc/([^"]+)">[^<]*</a>(.*?)</summary>', page))
    assert "answered" in summaries["cases/BN-D-QAA/basic.json"]  # Amendment 1 follows it
    assert "answered" not in summaries["cases/BN-P-KAA/basic.json"]  # the newest of its case
    n = sum("answered" in s for s in summaries.values())
    assert f"{n} of the documents that change are already answered" in page
    assert "A template has no dated versions" in page


def test_a_template_that_lost_a_part_of_the_loa_is_refused(
    client: TestClient, project: Project
) -> None:
    """Its tags compile and it names only what loagen gives, but it no longer prints the
    estimated cost: refused, saying so, and not offered as a replacement."""
    current = project.templates / "basic.docx"
    before = current.read_bytes()
    lost = _with_document_xml(current, lambda xml: xml.replace("{{ estimated_cost }}", "", 1))
    answer = _upload_basic(client, lost)
    assert answer.status_code == 422
    page = html.unescape(answer.text)
    assert "basic-edited.docx: the document prints no estimated cost" in page
    assert "the {{ estimated_cost }} tag is gone" in page
    assert "Replace basic.docx" not in answer.text
    assert current.read_bytes() == before


def test_an_upload_that_is_not_a_word_file_is_named_and_gets_advice_that_applies(
    client: TestClient, project: Project
) -> None:
    token = _csrf(client.get("/templates").text)
    before = (project.templates / "basic.docx").read_bytes()
    for uploaded, content, what in (
        ("offer.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "offer.pdf is a PDF, not a Word"),
        ("renamed.docx", b"Just some text, renamed to .docx\n", "Save As"),
    ):
        answer = client.post("/templates/basic.docx/upload", data={"csrf": token},
                             files={"file": (uploaded, content, "application/octet-stream")})  # fmt: skip
        assert answer.status_code == 422
        page = answer.text
        assert f"{uploaded}: the template is not a Word document" in page, page[:3000]
        assert "the uploaded basic.docx" not in page
        assert what in page and "Word Document (*.docx)" in page
        assert "a tag opened with" not in page  # advice about tags does not apply
    assert (project.templates / "basic.docx").read_bytes() == before


def test_an_upload_without_a_file_says_to_choose_one(client: TestClient) -> None:
    token = _csrf(client.get("/templates").text)
    for files in ({"file": ("", b"", "application/octet-stream")}, {"other": ("x", b"x", "a/b")}):
        answer = client.post("/templates/amendment.docx/upload", data={"csrf": token}, files=files)
        assert answer.status_code == 422
        at = answer.text.index('id="upload-refused-amendment"')
        assert "Choose a file first" in answer.text[at : at + 300]
        assert answer.text.count("Choose a file first") == 1  # in the card of that template
    empty = {"file": ("mine.docx", b"", "application/octet-stream")}
    answer = client.post("/templates/basic.docx/upload", data={"csrf": token}, files=empty)
    assert answer.status_code == 422 and "mine.docx is empty" in answer.text


def _one_heading_renamed(project: Project) -> tuple[Path, bytes]:
    """The project's basic.docx, and its bytes with one heading renamed (one paragraph)."""
    current = project.templates / "basic.docx"
    return current, _with_document_xml(
        current, lambda xml: xml.replace("Case Description", "Description of the Case", 1)
    )


def test_counts_are_said_with_the_right_form_of_the_word(
    client: TestClient, project: Project
) -> None:
    _, edited = _one_heading_renamed(project)
    token = _csrf(client.get("/templates").text)
    answer = client.post("/templates/basic.docx/upload", data={"csrf": token},
                         files={"file": ("basic.docx", edited, "application/octet-stream")})  # fmt: skip
    assert ": 1 paragraph differs</summary>" in answer.text
    assert "1 paragraph differ<" not in answer.text


def test_a_good_template_shows_its_changes_then_replaces(
    client: TestClient, project: Project
) -> None:
    current, edited = _one_heading_renamed(project)
    token = _csrf(client.get("/templates").text)
    answer = client.post(
        "/templates/basic.docx/upload",
        data={"csrf": token},
        files={"file": ("basic.docx", edited, "application/octet-stream")},
    )
    assert answer.status_code == 200, answer.text[:3000]
    assert "Description of the Case" in answer.text and "paragraph" in answer.text
    assert current.read_bytes() != edited  # not replaced yet
    staged = re.search(r'name="token" value="([0-9a-f]+)"', answer.text)
    assert staged
    done = client.post(
        "/templates/basic.docx/replace", data={"csrf": token, "token": staged.group(1)}
    )
    assert done.status_code == 303
    assert current.read_bytes() == edited
    page = client.get(done.headers["location"]).text
    assert 'rebuild them from “<a href="/batch">Rebuild all</a>”.' in page


# -- the batch ------------------------------------------------------------------------------------------------


def test_rebuild_all_shows_progress_and_the_broken_documents(
    client: TestClient, project: Project
) -> None:
    broken = project.cases / "BN-D-TBO" / "basic.json"
    data = json.loads(broken.read_text())
    data["lines"][0]["source_code"] = "Q"
    broken.write_text(json.dumps(data))
    token = _csrf(client.get("/batch").text)
    assert client.post("/batch", data={"csrf": token}).status_code == 303
    deadline = time.monotonic() + 60
    while True:
        progress = client.get("/batch/progress").json()
        if progress["state"] in ("done", "stopped") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert progress["state"] == "done"
    assert progress["counts"]["failed"] == 1
    assert progress["failed"][0]["document"] == "cases/BN-D-TBO/basic.json"
    assert "not a known Source Code" in " ".join(progress["failed"][0]["problems"])
    page = client.get("/batch").text
    assert "Documents that failed" in page and "BN-D-TBO/basic.json" in page
    listing = client.get("/cases?state=failed").text
    assert "BN-D-TBO" in listing and "Has errors" in listing


def _run_the_batch(client: TestClient) -> dict[str, Any]:
    """Start "Rebuild all" and wait for its end: its last progress."""
    token = _csrf(client.get("/batch").text)
    assert client.post("/batch", data={"csrf": token}).status_code == 303
    deadline = time.monotonic() + 60
    while True:
        progress = client.get("/batch/progress").json()
        if progress["state"] in ("done", "stopped") or time.monotonic() > deadline:
            return progress
        time.sleep(0.1)


def test_rebuild_all_says_what_is_out_of_date_since_its_last_run_and_why_unchanged(
    client: TestClient, project: Project
) -> None:
    from .conftest import example, write_chain

    mine = example("BN-B-ZEA/basic")
    mine["case_id"] = "BN-B-ZZY"
    path = write_chain(project.cases / "BN-B-ZZY", mine)
    total = len(_states(client))
    assert _run_the_batch(client)["state"] == "done"
    page = client.get("/batch").text
    assert f"Now: 0 of {total} documents are out of date" in page
    assert "Check again" in page
    # a later edit: the page says so, not only the run before it
    mine["nickname"] = "Changed after the run"
    path.write_text(json.dumps(mine))
    page = client.get("/batch").text
    assert f"Now: 1 of {total} documents is out of date" in page
    assert "Waiting to be built" in page and "BN-B-ZZY Basic" in page
    assert "Rebuild everything out of date" in page and "Check again" not in page
    # a note edit that changes no document: they are checked, and said unchanged by the note
    # library or templates (not "by the library edit" alone)
    note = project.note_library / "RAPS.md"
    note.write_text(note.read_text() + "\n")
    progress = _run_the_batch(client)
    assert progress["counts"]["refreshed"] >= 1, progress
    assert (
        "unchanged (checked again after a change to the note library or templates"
        in (progress["summary"])
    )
    assert "library edit" not in progress["summary"]
    assert progress["counts_text"].startswith(f"{progress['done']} of {progress['to_do']} to check")


def test_rebuild_all_lists_the_answered_documents_kept_as_built(
    client: TestClient, project: Project
) -> None:
    """A note edit rebuilds a document a later one already answers: the page says so and
    names the file its DOCX as built was kept in, as `loagen batch` does."""
    assert _run_the_batch(client)["state"] == "done"
    note = project.note_library / "CAS-SURCHARGE.md"
    note.write_text(note.read_text().rstrip("\n") + " Charged as the contracts are paid.\n")
    progress = _run_the_batch(client)
    assert progress["state"] == "done", progress
    assert "already answered (a later document of the case follows)" in progress["summary"]
    kept = {k["file"]: k["what"] for k in progress["kept"]}
    name = next(n for n in kept if n.startswith("BN-D-QAA-basic.as-built-"))
    assert kept[name] == "Kept as built (the document was already answered)"
    assert (project.build_dir / name).is_file()
    page = html.unescape(client.get("/batch").text)
    assert "Files kept aside or removed" in page and name in page


def test_a_download_built_before_the_latest_changes_says_so(
    client: TestClient, project: Project
) -> None:
    def downloads() -> str:
        page = client.get(f"/doc/{QAA}").text
        at = page.index('<div class="downloads')
        return page[at : page.index("</div>", at)]

    assert "not built yet" in downloads()
    token = _csrf(client.get(f"/doc/{QAA}").text)
    assert client.post(f"/rebuild/{QAA}", data={"csrf": token}).status_code == 303
    shown = downloads()  # up to date: a plain link
    assert '">Word document (.docx)</a>' in shown and "last built" not in shown
    path = project.cases / "BN-D-QAA" / "amendment-1.json"
    data = json.loads(path.read_text())
    data["nickname"] = "Changed after the build"
    path.write_text(json.dumps(data, indent=2))
    shown = downloads()
    assert re.search(r">Word document \(\.docx\) as last built, \d{1,2} [A-Z][a-z]+ \d{4} "
                     r"\d\d:\d\d</a>", shown), shown  # fmt: skip
    assert "Built before your latest changes, and does not hold them" in shown
    assert 'class="downloads old-build"' in shown
    data["lines"][0]["source_code"] = "Q"  # the document as it is now cannot be built
    path.write_text(json.dumps(data, indent=2))
    assert client.post(f"/rebuild/{QAA}", data={"csrf": token}).status_code == 303
    shown = downloads()
    assert "as last built" in shown and "does not hold them" in shown
    assert "has errors and is not built" in shown
    # the link still gives that build (said for what it is), never the wrong one silently
    answer = client.get(f"/download/{QAA}/docx")
    assert answer.status_code == 200
    assert answer.content == (project.build_dir / "BN-D-QAA-amendment-1.docx").read_bytes()


@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="LibreOffice is needed to make a PDF",
)
def test_the_pdf_download_stores_the_true_page_count(client: TestClient, project: Project) -> None:
    from loagen.manifest import read_manifest
    from loagen.ops.batch import run_batch
    from loagen.output.pdf import pdf_page_count

    run_batch([project.cases / "BN-D-QAA" / "amendment-1.json"], project=project)
    answer = client.get(f"/download/{QAA}/pdf")
    assert answer.status_code == 200, answer.text[:2000]
    assert answer.headers["content-type"] == "application/pdf"
    docx = project.build_dir / "BN-D-QAA-amendment-1.docx"
    pages = pdf_page_count(docx.with_suffix(".pdf"))
    manifest = read_manifest(docx.with_name("BN-D-QAA-amendment-1.manifest.json"))
    assert manifest is not None and manifest.pages_from == "layout" and manifest.pages == pages
    import zipfile

    with zipfile.ZipFile(docx) as z:
        text = re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode())
    assert f"page 1 through page {pages}." in text


def test_the_documents_are_assembled_in_the_background_after_start(project: Project) -> None:
    """The studio assembles every document once it starts, so that the first preview of a note
    edit does not wait for them."""
    from loagen.studio.workspace import Workspace

    workspace = Workspace(project)
    pipeline = workspace.pipeline()
    wanted = len(workspace.case_files())
    for _ in range(200):
        if len(pipeline._documents) >= wanted:
            break
        time.sleep(0.05)
    assert len(pipeline._documents) == wanted


# -- what "out of date" says after an edit of the library or a template ---------------------------


def _states(client: TestClient) -> dict[str, tuple[str, str]]:
    """Each document of the case list: its file -> (state, the words its badge shows)."""
    page = client.get("/cases").text
    found = re.findall(r'<td><a href="/doc/([^"]+)">[^<]*</a></td>\s*<td><span class="badge '
                       r'state-(\w+)">([^<]*)</span>', page)  # fmt: skip
    return {rel: (state, words) for rel, state, words in found}


def test_a_note_edit_leaves_up_to_date_the_documents_whose_print_it_does_not_change(
    client: TestClient, project: Project
) -> None:
    from loagen.manifest import read_manifest
    from loagen.ops.batch import run_batch

    from .conftest import example, write_chain

    mine = example("BN-D-QAA/basic")
    mine["case_id"] = "BN-D-QZZ"
    write_chain(project.cases / "BN-D-QZZ", mine)
    run_batch([project.cases], project=project, jobs=1)
    states = _states(client)
    assert states and all(state == "current" for state, _ in states.values()), states
    # a note of one text printed by some of the documents, not all: its text edited
    printed: dict[str, set[str]] = {}
    for manifest_file in project.build_dir.glob("*.manifest.json"):
        manifest = read_manifest(manifest_file)
        for note_id in manifest.printed_ids:
            printed.setdefault(note_id, set()).add(manifest_file.name)
    note = min(
        project.note_library / f"{n}.md" for n, docs in printed.items()
        if 1 <= len(docs) < len(states)
        and "::: version" not in (project.note_library / f"{n}.md").read_text()
    )  # fmt: skip
    note.write_text(note.read_text().rstrip("\n") + "\n\nA sentence added by the test.\n")

    states = _states(client)
    stale = {rel for rel, (state, _) in states.items() if state == "stale"}
    current = {rel for rel, (state, _) in states.items() if state == "current"}
    assert stale and current and stale | current == set(states), states
    assert {states[rel][1] for rel in stale} == {"Out of date"}
    # "Rebuild all" builds exactly the documents said to be out of date
    report = run_batch([project.cases], project=project, jobs=1)
    assert {project.relative(r.source) for r in report.built} == stale
    assert {project.relative(r.source) for r in report.refreshed} == current

    # a document the edit does not change is not said to lack it on its page
    note.write_text(note.read_text().replace("added by the test", "edited again by the test"))
    page = client.get(f"/doc/{min(current)}").text
    assert "does not hold them" not in page and "last built" not in page


def test_after_a_template_edit_its_documents_may_be_out_of_date(
    client: TestClient, project: Project
) -> None:
    from loagen.ops.batch import run_batch

    from .conftest import example, write_chain

    mine = example("BN-B-ZEA/basic")
    mine["case_id"] = "BN-B-ZZZ"
    write_chain(project.cases / "BN-B-ZZZ", mine)
    run_batch([project.cases], project=project, jobs=1)
    template, edited = _one_heading_renamed(project)
    template.write_bytes(edited)
    states = _states(client)
    assert states["cases/BN-B-ZZZ/basic.json"] == ("stale", "May be out of date")
    # the Show filter has the words the rows say, and counts the row under them
    unsure = sum(words == "May be out of date" for _, words in states.values())
    listed = client.get("/cases").text
    assert f'<option value="unsure">May be out of date ({unsure})</option>' in listed
    assert '<option value="stale">Out of date (0)</option>' in listed
    assert "BN-B-ZZZ/basic.json" in client.get("/cases?state=unsure").text
    assert "BN-B-ZZZ/basic.json" not in client.get("/cases?state=stale").text
    page = client.get("/doc/cases/BN-B-ZZZ/basic.json").text
    assert "May be out of date:</strong> a template" in page
    assert "does not hold them" not in page
    # a case file changed: surely out of date
    path = project.cases / "BN-B-ZZZ" / "basic.json"
    data = json.loads(path.read_text())
    data["nickname"] = "Renamed by the test"
    path.write_text(json.dumps(data))
    assert _states(client)["cases/BN-B-ZZZ/basic.json"] == ("stale", "Out of date")


# -- words a reader understands -----------------------------------------------------------------


def test_why_a_build_failed_names_the_line_and_field_by_their_labels(
    client: TestClient, project: Project
) -> None:
    from .conftest import example, write_chain

    mine = example("BN-D-QAA/basic")
    mine["case_id"] = "BN-D-QZY"
    line = mine["lines"][0]
    line["kind"] = "training"
    line.pop("training", None)
    write_chain(project.cases / "BN-D-QZY", mine)
    rel = "cases/BN-D-QZY/basic.json"
    token = _csrf(client.get(f"/doc/{rel}").text)
    assert client.post(f"/rebuild/{rel}", data={"csrf": token}).status_code == 303
    page = client.get(f"/doc/{rel}").text
    failed = page[page.index('id="build-problems"') :]
    failed = failed[: failed.index("</section>")]
    assert f'<span class="where">Line {line["number"]} › Training</span>' in failed, failed
    assert "lines[" not in failed and "[QC-" not in failed
    assert '<span class="ref">QC-TRAINING-DATA</span>' in failed
    # a file that does not load: its problems named the same way
    line["source_code"] = "Q"
    (project.cases / "BN-D-QZY" / "basic.json").write_text(json.dumps(mine))
    page = client.get(f"/doc/{rel}").text
    unread = page[page.index("This document cannot be read") :]
    assert f"Line {line['number']} › Source code (SC)" in unread and "lines[0]" not in unread


def test_the_changes_against_the_previous_document_are_said_in_words_and_money(
    client: TestClient, project: Project
) -> None:
    from .conftest import example, write_chain

    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    for data in (basic, amendment):
        data["case_id"] = "BN-D-QZX"
    basic.setdefault("accessorial", {})["packing_crating_handling"] = 12345
    amendment.setdefault("accessorial", {})["packing_crating_handling"] = 67890
    path = write_chain(project.cases / "BN-D-QZX", basic, amendment)
    page = client.get(f"/doc/{project.relative(path)}").text
    changes = page[page.index('id="changes"') :]
    changes = changes[: changes.index("</section>")]
    assert "Packing, crating and handling: $12,345 → $67,890" in changes, changes
    assert "accessorial." not in changes and "->" not in changes
    assert "Kind:" not in changes and "kind:" not in changes
    assert "Number:" not in changes and "number:" not in changes


def test_a_rule_mistake_and_the_rule_help_are_said_without_code_names(
    client: TestClient,
) -> None:
    fields = form_fields(client.get("/notes/CAS-SURCHARGE").text, "note-form")
    page = preview(client, "/notes/CAS-SURCHARGE",
                   [*_replace(fields, "rule", "nvdz"), ("_action", "check")]).text  # fmt: skip
    problems = page[page.index('id="note-problems"') :]
    problems = problems[: problems.index("</section>")]
    assert '">Rule</a>' in problems and "&#39;nvdz&#39; is not a name a rule knows" in problems
    assert "rule rule" not in problems and "unknown name" not in problems
    assert "loagen.policy.rules" not in page and "CARRY_OVER" not in page
    assert not re.search(r"carry_over\s+(field_changed|version_refresh)", page)


def test_the_next_amendment_of_a_case_not_implemented_says_what_to_do_in_the_studio(
    client: TestClient, project: Project
) -> None:
    from .conftest import example, write_chain

    mine = example("BN-D-QAA/basic")
    mine["case_id"] = "BN-D-QZW"
    mine["document"].pop("implementation_date", None)
    write_chain(project.cases / "BN-D-QZW", mine)
    rel = "cases/BN-D-QZW/basic.json"
    page = client.get(f"/next/{rel}?kind=amendment").text
    assert "BN-D-QZW ›" in page[page.index('class="crumbs"') :][:300]
    answer = post(client, f"/next/{rel}", [("csrf", _csrf(page)), ("kind", "amendment"),
                                           ("implementation_date", "")])  # fmt: skip
    assert answer.status_code == 422
    error = answer.text[answer.text.index("Not started:") :][:1500]
    assert "implementation date" in error.lower()
    assert "--" not in error and "loagen " not in error, error


def test_a_choice_of_the_case_reads_the_same_on_the_new_case_page_and_in_the_form(
    client: TestClient,
) -> None:
    from loagen.studio.editing import new_case_fields

    offered = {f.name: dict(f.options) for f in new_case_fields() if f.options}
    form = {c.name: dict(c.options) for c in case_form().children if c.kind == "select"}
    for name in ("program", "category", "funding"):
        assert offered[name] == form[name], name
        labels = form[name].values()
        assert not any("_" in label for label in labels), labels  # no codes
        assert len({" — " in label for label in labels}) == 1, labels  # one style
    page = client.get("/new").text
    assert "clssa_fmso_i —" not in page and "clssa fmso i" not in page
    edit = client.get(f"/edit/{QAA}").text
    assert "clssa fmso i" not in edit


def test_the_count_of_notes_printed_agrees_with_their_numbers_and_a_new_lines_note_is_added(
    client: TestClient, project: Project
) -> None:
    from .conftest import example, write_chain

    basic, amendment = example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")
    for data in (basic, amendment):
        data["case_id"] = "BN-D-QZV"
    numbers = {ln["number"] for ln in basic["lines"]}
    new_lines = [ln["number"] for ln in amendment["lines"] if ln["number"] not in numbers]
    assert new_lines
    path = write_chain(project.cases / "BN-D-QZV", basic, amendment)
    page = client.get(f"/doc/{project.relative(path)}").text
    notes = page[page.index('id="notes"') :]
    notes = notes[: notes.index("<h3>")]
    count = int(re.search(r"<h2>Notes printed \((\d+)\)</h2>", notes).group(1))
    places = re.findall(r'<a href="#note-[^"]+">([^<]+)</a>', notes)
    numbered = [int(n) for p in places for n in re.findall(r"\d+", p)[-1:] if p.startswith("Note")]
    assert count == max(numbered) + sum(not p.startswith("Note") for p in places), (count, places)
    # a note printed again only for lines this document adds is said to be added for them
    assert "added for the new line" in notes
    tags = re.findall(r'<span class="tag">([^<]+)</span>', notes)
    assert "restated" in tags  # the notes printed again for the lines that were there


def test_a_lines_code_like_choices_are_said_in_words() -> None:
    """Fields whose values are codes ("nsa_specific") offer what each means, under a label
    with its acronym in capitals; those whose values are words (a line's kind) keep them."""
    lines = next(c for c in case_form().children if c.name == "lines")
    fields = {c.name: c for c in lines.children}
    comsec = fields["comsec_release"]
    assert comsec.label == "COMSEC release" and fields["nvd_mount"].label == "NVD mount"
    said = dict(comsec.options)
    assert said["nsa_specific"].startswith("released by the National Security Agency")
    assert "_" not in " ".join(dict(fields["nvd_mount"].options).values())
    assert dict(fields["kind"].options)["materiel"] == "materiel"


def test_a_findings_message_names_fields_by_their_labels(client: TestClient) -> None:
    """The command line names a field as the file does (performance_period); the studio as its
    form does ("Performance period"), leaving values in quotes as written."""
    from loagen.studio.forms import message_words

    page = html.unescape(client.get(f"/doc/{QAA}").text)
    assert "give severable and “Performance period” so its line description" in page
    assert "performance_period" not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    assert message_words("give bpc_system ('case_module' or 'bpc_module')") == (
        "give “BPC system” ('case_module' or 'bpc_module')"
    )
    assert message_words("see loagen.policy.rules") == "see loagen.policy.rules"


def test_messages_and_help_speak_of_the_studio_not_of_commands_and_yaml(
    client: TestClient, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line's advice (run loagen restate, write training: {...}, true or false)
    is said in the studio by the buttons, boxes and choices the page offers; the command
    line's own messages are left as they are."""
    from loagen.document import load_document
    from loagen.policy.checks import run_checks
    from loagen.policy.selection import select_notes

    from .conftest import example, write_chain

    data = example("BN-D-QAA/basic")
    data["case_id"] = "BN-D-QWD"
    data["document"]["offer_expiration_date"] = "2025-03-09"  # expired, and never answered
    monkeypatch.setenv("LOAGEN_TODAY", "2025-04-01")
    trained = next(line for line in data["lines"] if line.get("training"))
    trained.pop("training")  # a training line without its training data
    path = write_chain(project.cases / "BN-D-QWD", data)
    rel = "cases/BN-D-QWD/basic.json"
    commands = ("loagen restate", "loagen amend", "loagen package", "`", "true or false",
                "give training:", ": {", "else false")  # fmt: skip

    def main(page: str) -> str:
        return html.unescape(page.split("<main", 1)[-1].split("</main>", 1)[0])

    def checks(page: str) -> str:  # the messages of the checks, not the rules shown elsewhere
        return " ".join(re.findall(r"give.{0,200}|restate.{0,200}", main(page)))

    for page in (main(client.get(f"/doc/{rel}").text), main(client.get(f"/edit/{rel}").text)):
        assert "restate it with Restate… on the document's page" in page
        assert "tick “Add training” (in the line's “More about line …”) and give its" in page
        assert not [c for c in commands if c in checks(page)], checks(page)
    # a line added: its Major Defense Equipment is a Yes/No choice, and asked for so
    fields = form_fields(client.get(f"/edit/{rel}").text, "case-form")
    added = main(post(client, f"/edit/{rel}", [*fields, ("_op", "add:lines")]).text)
    assert "fill in Yes for Major Defense Equipment (see the MASL), else No" in added
    assert "fill in true for" not in added
    # the form's help: the package list and the note's usage, without commands or backticks
    assert "The document's checks name the ones it needs that the list lacks" in added
    note = main(client.get("/notes/SOLE-SOURCE-FMS").text)
    assert "what the document's page (Why each note is on this document)" in note
    assert "`explain`" not in note and "loagen package" not in note
    # the command line says it as it did
    document = load_document(path)
    library = load_library(project.note_library)
    selection = select_notes(document, library)
    said = [m.message for m in run_checks(document, selection, today=date(2025, 4, 1), newest=True)]
    assert any("restate it with loagen restate" in m for m in said)
    assert any("give training: {location: CONUS or OCONUS" in m for m in said)


# -- the Standard Terms -----------------------------------------------------------------------------

TERMS = "templates/standard_terms.md"


def _terms_edit(client: TestClient, text: str, action: str = "impact") -> Any:
    """The Terms page after `text` is typed in its box and `action` pressed (check, impact)."""
    fields = _replace(form_fields(client.get("/terms").text, "terms-form"), "terms_text", text)
    return preview(client, "/terms", [*fields, ("_action", action)])


def _terms_save(client: TestClient, page: str) -> Any:
    """Press "Save this change" on a Terms page showing what an edit changes."""
    assert 'value="save"' in page, page[:3000]
    return post(client, "/terms", [*form_fields(page, "terms-form"), ("_action", "save")])


def _changed_documents(page: str) -> tuple[set[str], set[str]]:
    """The case files of the documents a Terms preview says change, and those marked answered."""
    listed = page.split('id="changed-documents"', 1)[1].split("</ul>", 1)[0]
    items = re.findall(r'<li><a href="/doc/([^"]+)">.*?</li>', listed)
    answered = re.findall(r'<li><a href="/doc/([^"]+)">[^<]*</a> <span class="answered-mark">',
                          listed)  # fmt: skip
    return set(items), set(answered)


def test_the_standard_terms_have_a_page_with_their_sections_and_their_text(
    client: TestClient, project: Project
) -> None:
    assert 'href="/terms"' in client.get("/notes").text  # beside the notes and templates
    page = client.get("/terms")
    assert page.status_code == 200
    saved = (project.root / TERMS).read_text()
    assert dict(form_fields(page.text, "terms-form"))["terms_text"] == saved
    assert "<summary>5. Transportation and Discrepancy Provisions" in page.text
    assert "section heading" in page.text and "never renumbered" in page.text  # the help


def test_a_standard_terms_post_without_its_csrf_token_is_refused(
    client: TestClient, project: Project
) -> None:
    before = (project.root / TERMS).read_bytes()
    fields = dict(form_fields(client.get("/terms").text, "terms-form"))
    fields.update(_action="save", terms_text="## 1. Nothing\n\nGone.\n")
    fields.pop("csrf")
    assert client.post("/terms", data=fields).status_code == 403
    assert client.post("/terms", data={**fields, "csrf": "0" * 64}).status_code == 403
    assert (project.root / TERMS).read_bytes() == before


def test_a_standard_terms_file_that_leads_out_of_the_project_is_refused(
    client: TestClient, project: Project, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("## 1. Secret\n\nXX-SECRET-XX\n")
    token = _csrf(client.get("/cases").text)
    (project.root / TERMS).unlink()
    (project.root / TERMS).symlink_to(outside)
    page = client.get("/terms")
    assert page.status_code == 404 and "XX-SECRET-XX" not in page.text
    sent = client.post("/terms", data={"csrf": token, "_action": "save", "_sha": "",
                                       "terms_text": "## 1. Mine\n\nMine.\n"})  # fmt: skip
    assert sent.status_code == 404
    assert outside.read_text() == "## 1. Secret\n\nXX-SECRET-XX\n"
    assert client.get("/terms/sha").json() == {"sha": ""}


def test_a_standard_terms_edit_that_does_not_read_is_said_at_its_line_and_kept(
    client: TestClient, project: Project
) -> None:
    saved = (project.root / TERMS).read_bytes()
    text = saved.decode().replace("-->\n\n## 1.", "-->\n\nOpening words.\n\n## 1.", 1)
    text = text.replace("## 4. Financial Terms\n\n", "## 4. Financial Terms\n", 1)
    lines = text.split("\n")
    first, second = lines.index("Opening words.") + 1, lines.index("## 4. Financial Terms") + 2
    page = _terms_edit(client, text).text
    problems = html.unescape(re.sub(r"<[^>]+>", "", page.split('id="terms-problems"')[1]))
    # each at its line, the line quoted (a box of text has no line numbers to count)
    assert f"Line {first} Opening words. this paragraph comes before the first section" in problems
    assert re.search(f"Line {second} {re.escape(lines[second - 1][:40])}.* this line comes right "
                     "under a section heading", problems)  # fmt: skip
    assert "cannot be saved" in page and 'value="save"' not in page
    assert dict(form_fields(page, "terms-form"))["terms_text"] == text  # nothing typed lost
    for word in ("RenderError", "Markdown block", "Traceback", "parse"):
        assert word not in problems
    # a save sent all the same is refused, and the file stays as it was
    fields = [*form_fields(page, "terms-form"), ("_action", "save")]
    sent = post(client, "/terms", fields)
    assert sent.status_code == 200 and "fix the problems listed first" in sent.text
    assert (project.root / TERMS).read_bytes() == saved


def test_a_standard_terms_edit_shows_what_loagen_impact_shows_and_is_saved_exactly(
    client: TestClient, project: Project
) -> None:
    """The documents a Terms edit changes, and those already answered, are those `loagen
    impact` finds for the same edit; the save writes the text typed, byte for byte; its undo
    puts the file back as it was."""
    import subprocess

    from loagen.ops.impact import impact

    root = project.root
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "start"]):
        subprocess.run([*git, *args], cwd=root, check=True, capture_output=True)
    saved = (root / TERMS).read_bytes()
    text = saved.decode().replace("2.2. The Purchaser will protect", "2.2. The Purchaser shall "
                                  "protect", 1) + "\n## 8. Notices\n\n8.1. Notices are in writing.\n"  # fmt: skip
    page = _terms_edit(client, text).text
    assert (root / TERMS).read_bytes() == saved  # a preview writes nothing
    diff = page.split('id="impact"', 1)[1]
    assert "<del>will</del>" in diff and "<ins>shall</ins>" in diff
    assert "New section:" in diff and "New paragraph:" in diff
    assert "8.1. Notices are in writing." in diff
    changed, answered = _changed_documents(page)
    count = re.search(r'id="impact-count"><strong>(\d+)</strong> of (\d+)', page)
    assert int(count.group(1)) == len(changed) and answered
    sent = _terms_save(client, page)
    assert sent.status_code == 303
    assert (root / TERMS).read_bytes() == text.encode()  # exactly the text, nothing added
    report = impact([project.cases], project=project, against="HEAD")
    assert report.terms_changed
    assert {project.relative(d.source) for d in report.changed} == changed
    assert {project.relative(d.source) for d in report.changed if d.answered} == answered
    assert int(count.group(2)) == len(report.documents)
    # the save can be undone: the Terms as they were, previewed, then saved
    after = client.get(sent.headers["location"]).text
    assert f"Saved standard_terms.md. The {len(changed)} documents" in after
    undo = re.search(r'<a href="([^"]+)">Undo this save</a>', after)
    assert undo, after[:3000]
    back = client.get(html.unescape(undo.group(1)).split("#")[0]).text
    assert _changed_documents(back)[0] == changed
    assert _terms_save(client, back).status_code == 303
    assert (root / TERMS).read_bytes() == saved


def test_a_standard_terms_save_over_a_file_changed_since_is_refused(
    client: TestClient, project: Project
) -> None:
    saved = (project.root / TERMS).read_text()
    mine = saved.replace("within one year of delivery", "within two years of delivery")
    page = _terms_edit(client, mine).text
    theirs = saved.replace("in U.S. dollars", "in United States dollars")
    (project.root / TERMS).write_text(theirs)
    sent = _terms_save(client, page)
    assert sent.status_code == 409
    assert "someone else changed the Standard Terms" in sent.text
    assert (project.root / TERMS).read_text() == theirs
    assert dict(form_fields(sent.text, "terms-form"))["terms_text"] == mine


def test_a_terms_paragraph_a_note_cites_is_warned_of_when_it_goes(client: TestClient) -> None:
    text = dict(form_fields(client.get("/terms").text, "terms-form"))["terms_text"]
    gone = "\n".join(line for line in text.split("\n") if not line.startswith("5.4. "))
    page = _terms_edit(client, gone, "check").text
    warnings = html.unescape(page.split('id="terms-warnings"', 1)[1].split("</ul>", 1)[0])
    assert "paragraph 5.4 is cited by the note" in warnings
    assert 'class="problem"' not in page.split('id="terms-problems"', 1)[1].split("</div>", 1)[0]


def test_a_terms_edit_is_shown_by_section_a_heading_renamed_and_a_paragraph_gone() -> None:
    from loagen.rendering.terms import parse_terms
    from loagen.studio.termspages import section_changes

    old = parse_terms(
        "## 1. Duties\n\n1.1. We deliver.\n\n1.2. We insure.\n\n## 2. Money\n\n2.1. Pay.\n"
    )
    new = parse_terms("## 1. Obligations\n\n1.1. We deliver.\n\n## 2. Money\n\n2.1. Pay on time.\n")
    shown = [(c.heading, [(kind, str(words)) for kind, words in c.paragraphs])
             for c in section_changes(old, new)]  # fmt: skip
    assert shown == [
        ("1. Obligations", [("heading", "1. <del>Duties</del><ins>Obligations</ins>"),
                            ("removed", "<del>1.2. We insure.</del>")]),
        ("2. Money", [("reworded", "2.1. <del>Pay.</del><ins>Pay on time.</ins>")]),
    ]  # fmt: skip


# -- "Discard my edit", the link of a save's message, a note text's problem at its line ---------


def _discard(page: str) -> str:
    """How a page offers "Discard my edit": "shown", "hidden" (until something is typed) or ""."""
    m = re.search(
        r'<a href="[^"]*" class="discard"( data-edited="1"| hidden)>Discard my edit', page
    )
    return "" if m is None else ("shown" if "edited" in m.group(1) else "hidden")


def test_discard_my_edit_is_offered_only_when_there_is_an_edit(
    client: TestClient, project: Project
) -> None:
    page = client.get("/notes/GPS-SAASM").text
    assert _discard(page) == "hidden"  # the note as saved: nothing to discard
    fields = form_fields(page, "note-form")
    assert _discard(preview(client, "/notes/GPS-SAASM", [*fields, ("_action", "check")]).text) == (
        "shown"  # a draft is open (its address kept): discarding goes back to the note as saved
    )
    rule = next(v for k, v in fields if k == "rule")
    edited = _replace(fields, "rule", f'{rule} and case.program == "BPC"')
    shown = preview(client, "/notes/GPS-SAASM", [*edited, ("_action", "impact")])
    assert _discard(shown.text) == "shown"
    saved = post(client, "/notes/GPS-SAASM", [*form_fields(shown.text, "note-form"),
                                              ("_action", "save")])  # fmt: skip
    assert saved.status_code == 303
    assert _discard(client.get(saved.headers["location"]).text) == "hidden"  # saved: none left
    assert _discard(client.get("/notes/GPS-SAASM?mode=text").text) == "hidden"
    # the Standard Terms page likewise
    assert _discard(client.get("/terms").text) == "hidden"
    text = (project.root / TERMS).read_text()
    edit = _terms_edit(client, text.replace("within one year", "within two years"), "check")
    assert _discard(edit.text) == "shown"


def test_a_saves_message_links_to_rebuild_all_and_stays_escaped(
    client: TestClient, project: Project
) -> None:
    from loagen.studio.web import REBUILD_LINK, linked

    assert linked("<b>Rebuild all</b> from “Rebuild all”.", REBUILD_LINK) == (
        '&lt;b&gt;<a href="/batch">Rebuild all</a>&lt;/b&gt; from “Rebuild all”.'
    )
    assert linked("No document changes.", REBUILD_LINK) == "No document changes."
    fields = form_fields(client.get("/notes/GPS-SAASM").text, "note-form")
    rule = next(v for k, v in fields if k == "rule")
    edited = _replace(fields, "rule", f'{rule} and case.program == "BPC"')
    shown = preview(client, "/notes/GPS-SAASM", [*edited, ("_action", "impact")])
    saved = post(client, "/notes/GPS-SAASM", [*form_fields(shown.text, "note-form"),
                                              ("_action", "save")])  # fmt: skip
    page = client.get(saved.headers["location"]).text
    flash = next(p for p in page.split('<p class="flash') if "Saved GPS-SAASM.md." in p)
    assert 'rebuild them from “<a href="/batch">Rebuild all</a>”.' in flash
    # the Standard Terms' save says it so too
    text = (project.root / TERMS).read_text()
    shown = _terms_edit(client, text.replace("within one year", "within two years"))
    page = client.get(_terms_save(client, shown.text).headers["location"]).text
    assert 'rebuild them from “<a href="/batch">Rebuild all</a>”.' in page


def test_a_problem_of_a_notes_text_links_to_its_line_in_the_box(client: TestClient) -> None:
    """The link of a problem "Line N of this text" selects that line of the version's box (as
    the Standard Terms' problems do, studio.js's a[data-line]); in "As the file's text" mode,
    the file's line."""
    page, fields, text, at, broken = _cas_surcharge_endif_broken(client)
    shown = preview(client, "/notes/CAS-SURCHARGE", [*broken, ("_action", "check")]).text
    problems = shown.split('id="note-problems"', 1)[1].split("</section>", 1)[0]
    assert f'<a class="where" href="#f-text-0" data-line="{at + 1}">Text of version 1</a>' in (
        problems
    )
    assert f"Line {at + 1} of this text" in html.unescape(problems)
    # a field that is not a box of text has no line to select
    rule = _replace(fields, "rule", 'lines_with(source_code=["P", "X"]')
    shown = preview(client, "/notes/CAS-SURCHARGE", [*rule, ("_action", "check")]).text
    problems = shown.split('id="note-problems"', 1)[1].split("</section>", 1)[0]
    assert 'href="#f-rule">' in problems and "data-line" not in problems
    # the file's text: the file's line
    page = client.get("/notes/CAS-SURCHARGE?mode=text").text
    file_fields = form_fields(page, "note-form")
    file_text = next(v for k, v in file_fields if k == "file_text")
    line = file_text[: file_text.index("{% endif %}")].count("\n") + 1
    file_text = file_text.replace("{% endif %}", "{% endif }", 1)
    shown = preview(client, "/notes/CAS-SURCHARGE",
                    [*_replace(file_fields, "file_text", file_text), ("_action", "check")]).text  # fmt: skip
    problems = shown.split('id="note-problems"', 1)[1].split("</section>", 1)[0]
    assert f'<a class="where" href="#f-file_text" data-line="{line}">Line {line} (' in problems


# -- a save's outcome, said on a note's page and the Standard Terms' ---------------------------


def _flashes(page: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", m))
            for m in re.findall(r'<p class="flash flash-\w+" role="status">(.*?)</p>', page)]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "form", "box", "file", "words"),
    [
        ("/notes/GPS-SAASM?mode=text", "note-form", "file_text", "note_library/GPS-SAASM.md",
         {"unchanged": "Nothing to save: the note is as it was.",
          "conflict": "Not saved: this note was changed by someone else after you opened it. "
                      "Your edit is below, not saved.",
          "held": "Saved: GPS-SAASM.md already read so.",
          "saved": "Saved GPS-SAASM.md. The documents it changes are now out of date: rebuild "
                   "them from “Rebuild all”."}),
        ("/terms", "terms-form", "terms_text", TERMS,
         {"unchanged": "Nothing to save: the Standard Terms are as they were.",
          "conflict": "Not saved: the Standard Terms were changed by someone else after you "
                      "opened them. Your edit is below, not saved.",
          "held": "Saved: standard_terms.md already read so.",
          "saved": re.compile(r"Saved standard_terms\.md\. The \d+ documents it changes are now "
                              "out of date: rebuild them from “Rebuild all”.")}),
    ],
)  # fmt: skip
def test_each_outcome_of_a_save_is_said_in_the_pages_words(
    client: TestClient, project: Project, url: str, form: str, box: str, file: str, words: dict
) -> None:
    """Both pages say a save's outcome through one helper (`notepages.say_saved`), each in its
    own words: nothing to save, refused over a file changed since, already saved so, saved."""
    path = project.root / file
    saved = path.read_text()
    page_url = url.split("?")[0]

    def save(fields: list[tuple[str, str]]) -> Any:
        return post(client, page_url, [*fields, ("_action", "save")])

    def edit(text: str) -> str:
        fields = _replace(form_fields(client.get(url).text, form), box, text)
        return preview(client, page_url, [*fields, ("_action", "impact")]).text

    answer = save(form_fields(client.get(url).text, form))  # the text as saved
    assert answer.status_code == 200 and words["unchanged"] in _flashes(answer.text)
    old, new = (("Selective Availability", "Selective availability") if box == "file_text"
                else ("within one year of delivery", "within two years of delivery"))  # fmt: skip
    assert old in saved
    mine, theirs = saved.replace(old, new), saved.replace(old, new + " (theirs)")
    shown = edit(mine)
    path.write_text(theirs)
    answer = save(form_fields(shown, form))
    assert answer.status_code == 409 and words["conflict"] in _flashes(answer.text)
    path.write_text(saved)
    shown = edit(mine)
    path.write_text(mine)  # saved so from another page
    answer = save(form_fields(shown, form))
    assert answer.status_code == 303
    assert words["held"] in _flashes(client.get(answer.headers["location"]).text)
    path.write_text(saved)
    answer = save(form_fields(edit(mine), form))
    assert answer.status_code == 303 and "?undo=" in answer.headers["location"]
    said = _flashes(client.get(answer.headers["location"]).text)
    expected = words["saved"]
    assert any(expected.fullmatch(s) if isinstance(expected, re.Pattern) else s == expected
               for s in said), said  # fmt: skip


def test_the_standard_terms_are_checked_as_they_are_typed(
    client: TestClient, project: Project
) -> None:
    """The page's script posts the text as it is typed to /terms/check (with the page's CSRF
    token, as the note pages' check): what Check would say, each problem at its line, its
    link selecting that line."""
    page = client.get("/terms").text
    assert 'data-check-url="/terms/check"' in page
    fields = form_fields(page, "terms-form")
    saved = (project.root / TERMS).read_text()
    broken = saved.replace("## 6. Warranties\n\n", "## 6. Warranties\n", 1)
    line = broken.split("\n").index("## 6. Warranties") + 2
    sent = _replace(fields, "terms_text", broken)
    without = [(k, v) for k, v in sent if k != "csrf"]
    assert post(client, "/terms/check", without).status_code == 403  # no token: refused
    live = post(client, "/terms/check", sent, headers={"x-csrf-token": _csrf(page)})
    assert live.status_code == 200 and live.json()["problems"] == 1
    summary = live.json()["summary"]
    assert f'<a class="where" href="#terms-text" data-line="{line}">Line {line}</a>' in summary
    said = html.unescape(re.sub(r"<[^>]+>", "", summary))
    assert "this line comes right under a section heading" in said
    assert "kept below" not in said  # nothing was sent: the text is in the box as typed
    # what the page says after Check, the same
    checked = _terms_edit(client, broken, "check").text
    shown = checked.split('id="terms-problems" class="summary-box">', 1)[1].split("<form", 1)[0]
    listed = re.search(r'<ul class="findings">.*?</ul>', summary, re.DOTALL)
    assert listed and listed.group() in shown
    # fixed: no problem, and the edit reads; a cited paragraph gone is warned of
    gone = "\n".join(line for line in saved.split("\n") if not line.startswith("5.4. "))
    live = post(client, "/terms/check", _replace(fields, "terms_text", gone),
                headers={"x-csrf-token": _csrf(page)})  # fmt: skip
    assert live.json()["problems"] == 0
    assert "The edited text reads well" in live.json()["summary"]
    assert "paragraph 5.4 is cited by the note" in html.unescape(live.json()["summary"])
    # the text as saved: nothing to say
    live = post(client, "/terms/check", fields, headers={"x-csrf-token": _csrf(page)})
    assert live.json() == {"summary": live.json()["summary"], "problems": 0}
    assert not live.json()["summary"].replace("\n", "").split("#}")[-1].strip()


def test_an_edit_that_does_not_read_is_refused_in_the_impact_in_the_pages_words(
    client: TestClient, project: Project
) -> None:
    """ "Show what this changes" on an edit whose problems the page lists already says to fix
    those, not the library's own words for them again (the file's line, "body")."""
    fields = form_fields(client.get("/notes/GPS-SAASM").text, "note-form")
    text = next(v for k, v in fields if k == "text[0]")
    broken = _replace(fields, "text[0]", text.replace("{{ party }}", "{{ partee }}", 1))
    page = preview(client, "/notes/GPS-SAASM", [*broken, ("_action", "impact")]).text
    impact = html.unescape(re.sub(r"<[^>]+>", "", page.split('id="impact"', 1)[1]))
    assert "It cannot be saved: this note has 1 problem" in impact
    assert "Fix it first (listed above, each at its field)" in impact
    for word in ("note_library/", "body", "line 3"):
        assert word not in impact, word
    assert 'href="#note-problems"' in page.split('id="impact"', 1)[1]
    problems = html.unescape(page.split('id="note-problems"', 1)[1].split("</section>", 1)[0])
    assert "'partee' is not a name a rule knows" in problems
    # the Standard Terms likewise: the problems are those above, at their lines
    saved = (project.root / TERMS).read_text()
    page = _terms_edit(client, saved.replace("## 6. Warranties\n\n", "## 6. Warranties\n", 1)).text
    impact = html.unescape(re.sub(r"<[^>]+>", "", page.split('id="impact"', 1)[1]))
    assert "It cannot be saved: this text has 1 problem" in impact
    assert "right under a section heading" not in impact  # said once, above
    assert "right under a section heading" in page.split('id="terms-problems"', 1)[1]


def test_a_very_long_text_is_taken_up_to_the_files_limit_and_refused_in_words_past_it(
    client: TestClient, project: Project
) -> None:
    """The Standard Terms' box takes a text as large as the Terms file may be (1.5 MB: the
    form's field stopped at 1 MB, with a bare "Field exceeded maximum size of 1024KB."); a
    note's text past what one box takes is refused on the studio's page, in its words."""
    page = client.get("/terms").text
    fields = form_fields(page, "terms-form")
    long = "## 1. Long\n\n" + "word " * 300_000 + "\n"
    answer = post(client, "/terms", [*_replace(fields, "terms_text", long), ("_action", "check")])
    assert answer.status_code == 303  # kept as an edit, its page shown
    assert client.get(answer.headers["location"]).status_code == 200
    note = form_fields(client.get("/notes/GPS-SAASM?mode=text").text, "note-form")
    text = next(v for k, v in note if k == "file_text") + "word " * 220_000
    answer = post(client, "/notes/GPS-SAASM", [*_replace(note, "file_text", text),
                                               ("_action", "check")])  # fmt: skip
    assert answer.status_code == 413
    said = html.unescape(re.sub(r"<[^>]+>", "", answer.text))
    assert "larger than the studio takes in one box (1 MB)" in said
    assert "Nothing was saved or changed" in said and "loagen studio" in said
    assert "Field exceeded" not in said
