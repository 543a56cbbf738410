"""Building real documents for the note tests and reading them as a reader would.

Each note test writes a small chain of case documents (a Basic, then Amendments and
Modifications), builds the last one with the whole pipeline (the notes in force before it come
from the chain) and reads the DOCX text. Start from an example case and change what the note's
usage rule speaks of:

    chain = Chain(qaa())                     # the example Basic BN-D-QAA
    chain.amend(lambda d: add_line(d, ...))  # Amendment 1: the Basic with a change
    chain.modify()                           # Modification 1: no change of scope
    text = chain.text()                      # what the last document prints
    assert printed(text, "Ammunition and Other Explosives")
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx

from loagen.pipeline import Pipeline, Prepared
from loagen.policy.selection import Selection
from loagen.project import Project
from loagen.studio.preview import Numbering

from ..conftest import ROOT, example

Doc = dict[str, Any]
PIPELINE = Pipeline(Project.at(ROOT))


def qaa() -> Doc:
    """The FMS example Basic BN-D-QAA (2025: C-130J aircraft, training, sole source, NC waiver)."""
    return example("BN-D-QAA/basic")


def zea() -> Doc:
    """The FMS example Basic BN-B-ZEA (grant EDA M113s, night vision devices, OCONUS training)."""
    return example("BN-B-ZEA/basic")


def tab() -> Doc:
    """The BPC example Basic BN-B-TAB (Section 333, FY26 vehicles, parts, training)."""
    return example("BN-B-TAB/basic")


def wrs() -> Doc:
    """The FMS example Basic BN-P-WRS (a stand-alone WWRS seller case)."""
    return example("BN-P-WRS/basic")


def line(data: Doc, number: str) -> dict[str, Any]:
    """The line `number` of case data (to change it in place)."""
    return next(ln for ln in data["lines"] if ln["number"] == number)


def new_line(number: str, **fields: Any) -> dict[str, Any]:
    """A plain stock materiel line, changed by `fields`."""
    base = {
        "number": number, "masl": "A1XYZ000PART", "description": "SUPPORT EQUIPMENT",
        "quantity": 4, "unit_of_issue": "EA", "unit_cost": 25000, "source_code": "S",
        "months": "12-24", "type_of_assistance": "3", "offer_release_code": "A",
        "delivery_term_code": "5", "kind": "materiel",
    }  # fmt: skip
    base.update(fields)
    return base


class Chain:
    """A chain of case documents of one case, written to a temporary folder when built."""

    def __init__(self, basic: Doc) -> None:
        self.docs: list[Doc] = [copy.deepcopy(basic)]

    @property
    def last(self) -> Doc:
        return self.docs[-1]

    def _next(self, kind: str, edit: Callable[[Doc], Any] | None, **document: Any) -> Chain:
        data = copy.deepcopy(self.last)
        number = 1 + sum(d["document"]["kind"] == kind for d in self.docs)
        basic = self.docs[0]["document"]
        doc = data["document"]
        for key in ("restated", "short_oed_reason", "cancelled", "date", "reason",
                    "notes_in_force", "case_closure", "cwd_approval_date"):  # fmt: skip
            doc.pop(key, None)
        doc.update(kind=kind, number=number, purpose=f"changes the case ({kind} {number})")
        doc.setdefault("implementation_date", self._implemented(basic))
        if kind == "Modification":
            doc.pop("offer_expiration_date", None)
            data["purchaser_references"] = []
        else:
            doc["offer_expiration_date"] = self._later(self._latest_oed(), 120)
        doc.update(document)
        if edit is not None:
            edit(data)
        self.docs.append(data)
        return self

    def amend(self, edit: Callable[[Doc], Any] | None = None, **document: Any) -> Chain:
        """Add an Amendment: the last document with `edit` applied and `document` fields set."""
        return self._next("Amendment", edit, **document)

    def modify(self, edit: Callable[[Doc], Any] | None = None, **document: Any) -> Chain:
        """Add a Modification (no offer expiration date, no purchaser references)."""
        return self._next("Modification", edit, **document)

    def _latest_oed(self) -> str:
        for d in reversed(self.docs):
            oed = d["document"].get("offer_expiration_date")
            if oed:
                return oed
        raise AssertionError("no offer expiration date in the chain")

    @staticmethod
    def _later(day: str, days: int) -> str:
        from datetime import date, timedelta

        return (date.fromisoformat(day) + timedelta(days=days)).isoformat()

    def _implemented(self, basic: dict[str, Any]) -> str:
        return basic.get("implementation_date") or self._later(basic["offer_expiration_date"], 20)

    def write(self, folder: Path) -> Path:
        """Write the chain (basic.json, amendment-1.json ...) and return the last file."""
        folder.mkdir(parents=True, exist_ok=True)
        previous = None
        path = folder
        for data in self.docs:
            data = copy.deepcopy(data)
            doc = data["document"]
            name = "basic" if doc["kind"] == "Basic" else f"{doc['kind'].lower()}-{doc['number']}"
            if previous:
                doc["previous"] = previous
            path = folder / f"{name}.json"
            path.write_text(json.dumps(data, indent=2))
            previous = path.name
        return path

    def prepared(self, folder: Path) -> Prepared:
        return PIPELINE.prepare(self.write(folder))

    def selection(self, folder: Path) -> Selection:
        return self.prepared(folder).selection

    def text(self, folder: Path) -> str:
        """Everything the last document prints, paragraphs and table cells, as plain text."""
        prepared = self.prepared(folder)
        return docx_text(PIPELINE.render(prepared, draft=bool(prepared.errors)))


def docx_text(data: bytes) -> str:
    """The text a reader sees: each paragraph, a numbered one (a note's heading) with the
    number Word shows before it ("5. Line Item 005 Description"), then the table cells."""
    d = docx.Document(io.BytesIO(data))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        numbering = Numbering(
            z.read("word/numbering.xml") if "word/numbering.xml" in names else None,
            z.read("word/styles.xml"),
        )
    parts = []
    for p in d.paragraphs:
        label = numbering.label(p._p)
        parts.append(f"{label} {p.text}" if label else p.text)
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def printed(text: str, title: str) -> bool:
    """Whether a note titled `title` is printed (its heading "N. title", or a line note's
    title in the line's description)."""
    return any(title in ln for ln in text.splitlines())
