"""The document being built: a case snapshot with its history and every fact derived from it.

`assemble` derives each fact once (the history, the costs, the wording, the dates money and
months count from); checks, rules and rendering read them from the `LoaDocument` rather than
working them out again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..case.history import Changes, compare
from ..case.loading import CaseFile, load_chain
from ..case.model import Case
from ..reference import load_reference
from .costs import (
    CostSummary,
    bpc_indirect_charges,
    case_implementation_date,
    cost_summary,
    cwd_approval,
    without_schedule,
)
from .wording import case_description, document_title, purchaser_reference, state_description


def output_stem(case_id: str, kind: str, number: int | None, *, restated: bool) -> str:
    """'BN-D-QAA-basic', 'BN-D-QAA-amendment-1', 'BN-D-QAA-amendment-1-restated'."""
    name = "basic" if kind == "Basic" else f"{kind.lower()}-{number}"
    return f"{case_id}-{name}" + ("-restated" if restated else "")


def latest_offer_expiration(chain: tuple[Case, ...]) -> date | None:
    """The offer expiration date of the last document of `chain`, or (a Modification has none)
    of the newest document before it that has one."""
    for case in reversed(chain):
        if case.document.offer_expiration_date:
            return case.document.offer_expiration_date
    return None


def base_date(chain: tuple[Case, ...]) -> date | None:
    """The date Months of Service count from: the Basic's implementation date, or its offer
    expiration date while the case is not implemented."""
    return case_implementation_date(chain) or chain[0].document.offer_expiration_date


@dataclass(frozen=True)
class LoaDocument:
    """One document version with what loagen derives from it. Built by `assemble`."""

    files: tuple[CaseFile, ...]
    """The chain of snapshots, oldest (the Basic) first; the last is this document."""
    changes: Changes
    costs: CostSummary
    previous_costs: CostSummary | None
    """The previous document's cost summary (without its schedule); None on a Basic."""
    case_description: str
    state_description: str
    purchaser_reference: str
    implementation_date: date | None
    """The case's implementation date (see `case_implementation_date`)."""
    latest_oed: date | None
    """This document's offer expiration date, or the newest one before it on a Modification."""
    base_date: date | None
    """The date Months of Service count from (see `base_date`)."""
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    """What the later stages work out from this document, to work it out once: read and
    written through `worked_out`, which keeps it for the last documents worked on only."""

    @property
    def note_date(self) -> date | None:
        """The date that decides which version of a note this document prints: its own
        `document.date` when given, else its offer expiration date, else (a Modification) the
        latest offer expiration date of the case."""
        doc = self.case.document
        return doc.date or doc.offer_expiration_date or self.latest_oed

    @property
    def cwd_approval(self) -> date | None:
        """The date the Basic was approved for offer (see `costs.cwd_approval`)."""
        return cwd_approval(self.chain)

    @property
    def bpc_indirect_charges(self) -> bool:
        """A Title 10 BPC case developed from 14 August 2020 (see `costs.bpc_indirect_charges`):
        indirect charges instead of the administrative surcharge, CAS and accessorials."""
        return bpc_indirect_charges(self.chain, load_reference())

    @property
    def file(self) -> CaseFile:
        return self.files[-1]

    @property
    def case(self) -> Case:
        return self.files[-1].case

    @property
    def path(self) -> Path:
        return self.files[-1].path

    @property
    def kind(self) -> str:
        """'Basic', 'Amendment' or 'Modification'."""
        return self.files[-1].case.document.kind

    @property
    def program(self) -> str:
        """'FMS' or 'BPC': the program decides the party's name, the Terms and Conditions and
        the notes (the `funding` field says only who pays)."""
        return self.files[-1].case.program

    @property
    def is_bpc(self) -> bool:
        return self.program == "BPC"

    @property
    def is_fms(self) -> bool:
        return self.program == "FMS"

    @property
    def previous(self) -> Case | None:
        return self.files[-2].case if len(self.files) > 1 else None

    @property
    def chain(self) -> tuple[Case, ...]:
        """The case snapshots of `files`, oldest first."""
        return tuple(f.case for f in self.files)

    @property
    def title(self) -> str:
        """'Basic', 'Amendment 1', 'Modification 2'."""
        return document_title(self.case)

    @property
    def name(self) -> str:
        """'basic', 'amendment-1', 'modification-2': the document part of output names."""
        doc = self.case.document
        return "basic" if doc.kind == "Basic" else f"{doc.kind.lower()}-{doc.number}"

    @property
    def output_stem(self) -> str:
        """'BN-D-QAA-amendment-1' (see `output_stem`)."""
        doc = self.case.document
        return output_stem(
            self.case.case_id, doc.kind, doc.number, restated=doc.restated is not None
        )


WORKED_OUT_KEPT = 16
"""Documents whose `memo` is kept (the others' is emptied)."""

_WORKED_OUT: deque[LoaDocument] = deque()


def worked_out(document: LoaDocument) -> dict[Any, Any]:
    """The memo of `document`, where the stages after assembly keep what they work out from it
    (the names its rules see, the lines their conditions pick, its notes' decisions). A
    document is a frozen value, so these hold as long as it does; they are kept for the last
    `WORKED_OUT_KEPT` documents to ask only, because that is where they are asked for again (a
    case's documents are built together: a document's notes are decided when it is selected
    and again for the notes in force before the next one, whose package checklist reads it
    too), and what a long batch keeps costs memory and garbage collection time."""
    memo = document.memo
    if not memo:  # new here, or emptied since
        _WORKED_OUT.append(document)
        if len(_WORKED_OUT) > WORKED_OUT_KEPT:
            _WORKED_OUT.popleft().memo.clear()
    return memo


_ASSEMBLED: dict[tuple[tuple[str, str], ...], LoaDocument] = {}
ASSEMBLED_KEPT = 32
"""Documents `assemble` remembers (the earlier documents of a case are assembled again for its
notes in force, its package checklist and its 36(b) history). A case's documents are built
together, so a few dozen suffice; each holds its validated case files, so more would only
grow a batch worker's memory with the number of documents (issue 9: flat memory)."""


def _assembled(files: tuple[CaseFile, ...]) -> LoaDocument | None:
    """The document of `files` if `assemble` remembers it (assembled from these very files)."""
    found = _ASSEMBLED.get(tuple((str(f.path), f.sha256) for f in files))
    if found is not None and all(a is b for a, b in zip(found.files, files, strict=True)):
        return found
    return None


def assemble(files: tuple[CaseFile, ...]) -> LoaDocument:
    """Derive history, costs, wording and dates for the last snapshot of `files` (a document is
    a frozen value: the same chain of file contents gives the same one, worked out once)."""
    found = _assembled(files)
    if found is not None:
        return found
    earlier = None
    if len(files) > 1:
        # The previous document, assembled too when it is not yet (its costs are this one's
        # previous totals): a batch, which builds a case's documents in the order of their
        # names (amendment-1 before basic), assembles it next anyway, for the notes in force
        # before this one and to build it. Its own previous totals are worked out as before
        # (`_assemble` with none given), so that a long chain is not assembled whole.
        earlier = _assembled(files[:-1])
        if earlier is None:
            earlier = _remember(files[:-1], _assemble(files[:-1]))
    return _remember(files, _assemble(files, earlier))


def _remember(files: tuple[CaseFile, ...], document: LoaDocument) -> LoaDocument:
    """Keep `document`, assembled from `files`, for `_assembled` (at most ASSEMBLED_KEPT)."""
    key = tuple((str(f.path), f.sha256) for f in files)
    if len(_ASSEMBLED) >= ASSEMBLED_KEPT:
        del _ASSEMBLED[next(iter(_ASSEMBLED))]
    _ASSEMBLED[key] = document
    return document


def _assemble(files: tuple[CaseFile, ...], earlier: LoaDocument | None = None) -> LoaDocument:
    """The document of `files`; `earlier`: the document of `files[:-1]`, when assembled."""
    chain = tuple(f.case for f in files)
    case = chain[-1]
    previous = chain[-2] if len(chain) > 1 else None
    changes = compare(previous, case)
    base = base_date(chain)
    latest = latest_offer_expiration(chain)
    if previous is not None and earlier is None:
        earlier = _assembled(files[:-1])
    previous_costs = full = None
    if earlier is not None:
        full = earlier.costs
        previous_costs = without_schedule(full)
    elif previous is not None:
        # An Amendment needs the previous document's schedule too: what it made due before the
        # Amendment's acceptance is not due again with it (`costs.cost_summary`).
        cases = chain[:-1]
        full = cost_summary(
            cases,
            base_date=base_date(cases),
            latest_oed=latest_offer_expiration(cases),
            with_schedule=case.document.kind == "Amendment",
        )
        previous_costs = without_schedule(full)
    return LoaDocument(
        files=files,
        changes=changes,
        costs=cost_summary(chain, base_date=base, latest_oed=latest, earlier=full),
        previous_costs=previous_costs,
        case_description=case_description(case, changes),
        state_description=state_description(case, changes),
        purchaser_reference=purchaser_reference(case),
        implementation_date=case_implementation_date(chain),
        latest_oed=latest,
        base_date=base,
    )


def load_document(path: Path) -> LoaDocument:
    """Load a case file with its `previous` chain and assemble it (for tests and scripts:
    commands go through `pipeline.Pipeline`)."""
    return assemble(load_chain(Path(path)))
