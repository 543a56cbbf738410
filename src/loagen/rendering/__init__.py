"""Rendering: the DOCX made from a Word template, the document and its notes (the only stage
that writes WordprocessingML)."""
