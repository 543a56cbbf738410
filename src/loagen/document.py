"""The document being built: a case snapshot with its history and every derived figure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .case import Case, CaseFile, load_chain
from .costs import CostSummary, cost_summary
from .history import Changes, compare
from .wording import case_description, purchaser_reference, state_description


@dataclass(frozen=True)
class LoaDocument:
    """One document version with what loagen derives from it. Built by `assemble`."""

    files: tuple[CaseFile, ...]
    """The chain of snapshots, oldest (the Basic) first; the last is this document."""
    changes: Changes
    costs: CostSummary
    case_description: str
    state_description: str
    purchaser_reference: str

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
    def previous(self) -> Case | None:
        return self.files[-2].case if len(self.files) > 1 else None

    @property
    def chain(self) -> tuple[Case, ...]:
        return tuple(f.case for f in self.files)

    @property
    def name(self) -> str:
        """'basic', 'amendment-1', 'modification-2': the document part of output names."""
        doc = self.case.document
        return "basic" if doc.kind == "Basic" else f"{doc.kind.lower()}-{doc.number}"

    @property
    def output_stem(self) -> str:
        """'BN-D-QAA-amendment-1' (see `output.output_stem`)."""
        from .output import output_stem

        doc = self.case.document
        return output_stem(
            self.case.case_id, doc.kind, doc.number, restated=doc.restated is not None
        )


def assemble(files: tuple[CaseFile, ...]) -> LoaDocument:
    """Derive history, costs and wording for the last snapshot of `files`."""
    chain = tuple(f.case for f in files)
    case = chain[-1]
    changes = compare(chain[-2] if len(chain) > 1 else None, case)
    return LoaDocument(
        files=files,
        changes=changes,
        costs=cost_summary(chain),
        case_description=case_description(case, changes),
        state_description=state_description(case, changes),
        purchaser_reference=purchaser_reference(case),
    )


def load_document(path: Path) -> LoaDocument:
    """Load a case file with its `previous` chain and assemble the document."""
    return assemble(load_chain(Path(path)))
