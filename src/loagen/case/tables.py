"""Reading tables of line items: a spreadsheet (.xlsx) or a CSV file, as rows of cell values.

Only reading happens here (the loading stage reads every input): which row is the header, the
cells of each row with the row number a spreadsheet shows, and plain-word errors for a file that
is not a table. What the columns mean is `ops.lines_import`'s business.

- .xlsx (and .xlsm): the first sheet, or the one named; values only (a formula gives the value
  the spreadsheet last computed), read in read-only mode.
- .csv (and .txt): UTF-8, with or without a byte order mark; comma, semicolon or tab separated
  (whichever the header row uses most).

Limits: the file size of `reading.LIMITS["spreadsheet"]`, `UNPACKED_LIMIT` bytes unpacked (a
workbook is a zip archive), `MAX_ROWS` rows and `MAX_COLUMNS` columns.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import CaseError, did_you_mean
from ..reading import read_limited, text_of

MAX_ROWS = 5_000
"""Most rows of a table read (a case has at most 999 lines and their sublines)."""
MAX_COLUMNS = 200
"""Most columns of a table read."""
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
UNPACKED_LIMIT = 200 * 1024 * 1024
"""Most bytes a workbook's parts may unpack to (a small file may hold a huge sheet)."""
MAPPING_LIMIT = 256 * 1024
"""Largest column mapping file read, in bytes."""


@dataclass(frozen=True)
class Table:
    """The rows of a table: its header, and each row after it with its number as shown."""

    path: Path
    header: tuple[str, ...]
    """The header cells, as written (empty text where a column has no header)."""
    header_row: int
    rows: tuple[tuple[int, tuple[Any, ...]], ...]
    """(row number, cells) of every row after the header that holds something."""
    decimal_comma: bool = False
    """A semicolon-separated CSV file: a comma in a number may be its decimal separator."""


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (how a spreadsheet names its columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _table(path: Path, rows: list[tuple[int, tuple[Any, ...]]], decimal_comma: bool) -> Table:
    filled = [(n, cells) for n, cells in rows if not all(_blank(c) for c in cells)]
    if not filled:
        raise CaseError("the table is empty: no header row and no lines", source=path)
    header_row, header_cells = filled[0]
    width = max(len(cells) for _, cells in filled)
    while width and all(len(cells) < width or _blank(cells[width - 1]) for _, cells in filled):
        width -= 1
    header = tuple(
        "" if _blank(c) else str(c).strip() for c in (header_cells + (None,) * width)[:width]
    )
    body = tuple((n, tuple((cells + (None,) * width)[:width])) for n, cells in filled[1:])
    if len(body) > MAX_ROWS:
        raise CaseError(
            f"the table has more than {MAX_ROWS:,} rows; a case has at most 999 lines",
            source=path,
        )
    return Table(path, header, header_row, body, decimal_comma)


def read_table(path: Path, *, sheet: str | None = None) -> Table:
    """The table in a .xlsx or .csv file. Raises CaseError for a file that cannot be read as
    one (another format, not UTF-8, too large, no such sheet)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path, sheet)
    if suffix in CSV_SUFFIXES:
        if sheet is not None:
            raise CaseError("a CSV file has no sheets: leave --sheet out", source=path)
        return _read_csv(path)
    if suffix in (".xls", ".ods", ".numbers"):
        raise CaseError(
            f"loagen reads .xlsx workbooks and CSV files, not {suffix}: save the table as "
            "Excel Workbook (.xlsx) or CSV UTF-8",
            source=path,
        )
    raise CaseError(
        f"not a table loagen reads ({suffix or 'no suffix'}): give a .xlsx or .csv file",
        source=path,
    )


def _read_csv(path: Path) -> Table:
    raw = read_limited(path, "spreadsheet", CaseError)
    try:
        text = text_of(raw)
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise CaseError(
            "the CSV file is not UTF-8 text: save it as 'CSV UTF-8 (comma delimited)'",
            source=path,
            location=f"line {line}",
        ) from None
    if "\x00" in text:
        raise CaseError(
            "the file holds NUL bytes: it is not a CSV text file (a workbook renamed .csv?)",
            source=path,
        )
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    rows: list[tuple[int, tuple[Any, ...]]] = []
    # strict: a quote left open runs to the end of the file, taking every row after it into one
    # cell, which is said rather than read
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for number, cells in enumerate(reader, start=1):
            if len(rows) > MAX_ROWS + 1:
                break
            rows.append((number, tuple(cells[:MAX_COLUMNS])))
    except csv.Error as exc:
        why = (
            'a quoted cell is not closed (a " opens it and no " ends it)'
            if "end of data" in str(exc)
            else str(exc)
        )
        raise CaseError(
            f"the CSV file does not read: {why}; fix it in the spreadsheet and save it again",
            source=path,
            location=f"row {reader.line_num}",
        ) from None
    return _table(path, rows, decimal_comma=delimiter == ";")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value if (value.hour, value.minute, value.second) != (0, 0, 0) else value.date()
    return value


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    raw = read_limited(path, "spreadsheet", CaseError)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        unpacked = 0  # not a workbook: said below
    if unpacked > UNPACKED_LIMIT:
        raise CaseError(
            f"the workbook unpacks to {unpacked:,} bytes; at most {UNPACKED_LIMIT:,} are read "
            "(save the line table alone, or as CSV)",
            source=path,
        )
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError):
        raise CaseError(
            "not an Excel workbook (.xlsx) loagen can read: save the table as Excel Workbook "
            "(.xlsx) or CSV UTF-8",
            source=path,
        ) from None
    try:
        names = list(book.sheetnames)
        if sheet is not None:
            if sheet not in names:
                raise CaseError(
                    f"the workbook has no sheet {sheet!r}{did_you_mean(sheet, names)}; its "
                    f"sheets: {', '.join(names)}",
                    source=path,
                )
            ws = book[sheet]
        else:
            if not names:
                raise CaseError("the workbook has no sheet", source=path)
            ws = book[names[0]]
        rows: list[tuple[int, tuple[Any, ...]]] = []
        try:
            for number, cells in enumerate(
                ws.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1
            ):
                if len(rows) > MAX_ROWS + 1:
                    break
                rows.append((number, tuple(_cell(c) for c in cells)))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise CaseError(f"the workbook does not read: {exc}", source=path) from None
    finally:
        book.close()
    return _table(path, rows, decimal_comma=False)


def read_column_map(path: Path) -> dict[str, str]:
    """A column mapping file: a YAML (or JSON) object of table column -> line field."""
    import yaml

    path = Path(path)
    raw = read_limited(path, "column mapping file", CaseError, limit=MAPPING_LIMIT)
    try:
        data = yaml.safe_load(text_of(raw))
    except (UnicodeDecodeError, yaml.YAMLError):
        raise CaseError(
            "the column mapping file does not read: write one `Column name: field` a line",
            source=path,
        ) from None
    if not isinstance(data, dict) or not all(
        isinstance(k, (str, int)) and isinstance(v, (str, type(None))) for k, v in data.items()
    ):
        raise CaseError(
            "the column mapping file must hold `Column name: field` lines (a field, or - to "
            "skip the column)",
            source=path,
        )
    return {str(k): ("-" if v is None else str(v)) for k, v in data.items()}


def is_date(value: Any) -> bool:
    return isinstance(value, (date, datetime))
