"""Output: files written whole and in pairs (`files`), and PDFs made by LibreOffice (`pdf`)."""
