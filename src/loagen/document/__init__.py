"""The document: a case snapshot assembled with its history, wording and costs."""

from .assembly import LoaDocument, assemble, load_document

__all__ = ["LoaDocument", "assemble", "load_document"]
