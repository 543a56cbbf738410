"""Importing line items from a spreadsheet (.xlsx) or CSV file into a case file (`loagen lines
import`).

The table's first row names the line field of each column (see `docs/case-files.md`): `number`,
`masl`, `description`, `quantity`, `unit_of_issue`, `unit_cost`, `source_code`,
`type_of_assistance`, `offer_release_code`, `delivery_term_code`, `months`, `kind`, ... and, for
the parts of a line field, dotted names such as `sole_source.firm`. Headers are matched without
regard to case, spaces or dashes ("Unit Cost" is `unit_cost`), a few usual column names are
known (Qty, UI, SC, TA, ORC, DTC, MOS, MDE, Item No ...), a `total` column is checked against
quantity x unit cost, and `--columns` maps any other names.

By default each row updates the line with its number (a non-empty cell sets its field; an empty
cell leaves the field as the case file has it) or adds a new line; the other lines stay. With
`replace` the lines become exactly the table's rows.

Every bad row and cell is reported at once (row number, column), and the whole case is validated
as it would be after the import: nothing is written unless all of it is valid. A YAML case file
keeps its comments and layout (`output.case_files`).
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from ..case.loading import parse_case, read_case_data
from ..case.model import LINE_NUMBER, Line, other_digits
from ..case.placeholders import (
    MDE_HINT,
    find_placeholders,
    model_in,
    placeholder,
    without_placeholders,
)
from ..case.tables import Table, column_letter, read_column_map, read_table
from ..document.wording import money
from ..errors import CaseError, Problem, did_you_mean, quoted
from ..output.case_files import save_case_file

SKIP = "-"
"""A --columns target that skips the column (`skip` says the same)."""

ALIASES = {
    "line": "number",
    "line_number": "number",
    "line_no": "number",
    "item": "number",
    "item_no": "number",
    "item_number": "number",
    "masl_number": "masl",
    "desc": "description",
    "masl_description": "description",
    "qty": "quantity",
    "ui": "unit_of_issue",
    "u/i": "unit_of_issue",
    "unit": "unit_of_issue",
    "unit_price": "unit_cost",
    "sc": "source_code",
    "source": "source_code",
    "ta": "type_of_assistance",
    "orc": "offer_release_code",
    "dtc": "delivery_term_code",
    "mos": "months",
    "mde": "major_defense_equipment",
}
"""Usual column names of line tables, and the field each one is."""
TOTAL_NAMES = ("total", "line_total", "total_cost", "extended_cost")
"""Columns holding quantity x unit cost: checked, not imported."""
TOTAL = "total"

CODE_FIELDS = frozenset(
    {"unit_of_issue", "source_code", "type_of_assistance", "offer_release_code",
     "delivery_term_code"}
)  # fmt: skip
REQUIRED = tuple(name for name, f in Line.model_fields.items() if f.is_required())


def normal(name: str) -> str:
    """A column name as matched: lower case, runs of spaces and dashes as one underscore."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower()).strip("_")


# -- the fields a column may name --------------------------------------------------------------------


def _plain_annotation(annotation: Any) -> Any:
    """`X | None` -> X, `Annotated[X, ...]` -> X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _field(path: str) -> tuple[type[BaseModel], str, Any] | None:
    """(model, name, annotation) of dotted line field `path`, or None when there is none."""
    model: Any = Line
    parts = path.split(".")
    for part in parts[:-1]:
        f = model.model_fields.get(part)
        inner = model_in(f.annotation) if f is not None else None
        if inner is None:
            return None
        model = inner
    f = model.model_fields.get(parts[-1])
    if f is None or model_in(f.annotation) is not None:
        return None  # an object: its parts are columns of their own
    return model, parts[-1], _plain_annotation(f.annotation)


def field_names() -> list[str]:
    """Every line field a column may name (dotted for the parts of objects)."""
    out: list[str] = []

    def walk(model: Any, prefix: str) -> None:
        for name, f in model.model_fields.items():
            inner = model_in(f.annotation)
            if inner is not None and typing.get_origin(_plain_annotation(f.annotation)) is not list:
                walk(inner, f"{prefix}{name}.")
            elif inner is None:
                out.append(prefix + name)

    walk(Line, "")
    return out


# -- reading a cell -------------------------------------------------------------------------------------


class _Bad(ValueError):
    """A cell that cannot be a value of its field (the message says what was expected)."""


_MONEY_SIGNS = re.compile(r"^(?:US\$|USD|\$)\s*|\s*(?:USD|US\$|\$)$", re.IGNORECASE)


def _expected(money: bool) -> str:
    return "an amount such as 1250000 or $1,250,000.50" if money else "a number such as 4 or 1,000"


def _number_text(text: str, decimal_comma: bool, money: bool = True) -> Decimal:
    if other := other_digits(text):
        raise _Bad(other)
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    s = _MONEY_SIGNS.sub("", s)
    if s.startswith("(") and s.endswith(")") or s.startswith("-"):
        raise _Bad(f"got {quoted(text)}; an amount or quantity is not negative")
    if "," in s and "." in s:
        decimal_mark = "," if s.rfind(",") > s.rfind(".") else "."
        s = s.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    elif "," in s:
        if decimal_comma and re.fullmatch(r"[0-9]+,[0-9]{1,2}", s):
            s = s.replace(",", ".")
        elif re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", s):
            s = s.replace(",", "")
        else:
            raise _Bad(f"got {quoted(text)}; expected {_expected(money)}")
    elif (s.count(".") > 1 or decimal_comma) and re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", s):
        s = s.replace(".", "")  # 1.234.567, or 1.000 where a comma marks decimals
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", s) or len(s) > 30:
        raise _Bad(f"got {quoted(text)}; expected {_expected(money)}")
    return Decimal(s)


def _number(value: Any, decimal_comma: bool, money: bool = True) -> Any:
    if isinstance(value, bool):
        raise _Bad(f"got {value!r}; expected a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _Bad("expected a number")
        if abs(value - round(value, 2)) < 1e-6:
            value = round(value, 2)  # a spreadsheet's binary fraction, e.g. 1234.5000000001
        number = Decimal(repr(value))
    elif isinstance(value, (date, datetime)):
        raise _Bad("got a date; expected a number (is the column formatted as dates?)")
    else:
        number = _number_text(str(value), decimal_comma, money)
    return int(number) if number == number.to_integral_value() else number


def _line_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= 999:
            raise _Bad(f"got {value}; a line number is 001 to 999")
        return f"{value:03d}"
    text = str(value).strip()
    if other := other_digits(text):
        raise _Bad(other)
    m = re.fullmatch(r"([0-9]{1,3})([A-Za-z]?)", text)
    if not m or int(m.group(1)) == 0:
        raise _Bad(
            f"got {quoted(text)}; expected a line number 001 to 999, optionally with a "
            "subline letter (001a)"
        )
    number = f"{int(m.group(1)):03d}{m.group(2).lower()}"
    assert LINE_NUMBER.match(number)
    return number


_TRUE = {"true", "yes", "y", "x", "1", "✓", "✔"}
_FALSE = {"false", "no", "n", "0"}


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad(f"got {quoted(str(value))}; expected yes or no (true or false)")


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _months(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        raise _Bad(
            "the spreadsheet turned this cell into a date; format the column as text and type "
            "the months again (e.g. 12-36)"
        )
    text = re.sub(r"\s*[-\u2010-\u2015]\s*", "-", _text(value))
    return text


def _choice(value: Any, choices: tuple[Any, ...]) -> Any:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    for choice in choices:
        if value == choice or (isinstance(choice, str) and _text(value).lower() == choice.lower()):
            return choice
    return _text(value)  # the case model says what the choices are


def _date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)):
        raise _Bad(f"got {value!r}; expected a date (YYYY-MM-DD, or a date cell)")
    return _text(value)


def convert(path: str, value: Any, *, decimal_comma: bool = False) -> Any:
    """The value of line field `path` that cell `value` gives."""
    found = _field(path)
    assert found is not None
    _, name, annotation = found
    if path == "number":
        return _line_number(value)
    if path == "months":
        return _months(value)
    if path in CODE_FIELDS:
        return _text(value).upper()
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        parts = [p for p in re.split(r"[,;]", _text(value)) if p.strip()]
        if typing.get_origin(item) is Literal:
            return [_choice(p.strip(), typing.get_args(item)) for p in parts]
        if item is str or typing.get_origin(item) is typing.Annotated:
            return [_line_number(p) if name.endswith("lines") else p.strip() for p in parts]
        return [p.strip() for p in parts]
    if origin is Literal:
        return _choice(value, typing.get_args(annotation))
    if annotation is bool:
        return _boolean(value)
    if annotation is Decimal:
        return _number(value, decimal_comma, money=not name.endswith("quantity"))
    if annotation is int:
        number = _number(value, decimal_comma, money=False)
        if not isinstance(number, int):
            raise _Bad(f"got {quoted(str(value))}; expected a whole number")
        return number
    if annotation is date:
        return _date(value)
    return _text(value)


# -- columns --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    target: str
    """The line field (dotted), TOTAL, or SKIP."""

    @property
    def name(self) -> str:
        """How messages name the column: its header and letter."""
        return (
            f"{self.header!r} ({column_letter(self.index)})"
            if self.header
            else (f"column {column_letter(self.index)}")
        )


def parse_columns(spec: str | None) -> dict[str, str]:
    """A --columns value: 'Header=field,Other=field' (or '-' to skip a column), or the path of
    a YAML file of `Header: field` lines."""
    if not spec:
        return {}
    if spec.lower().endswith((".yaml", ".yml", ".json")) and "=" not in spec:
        return read_column_map(Path(spec))
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise CaseError(
                f"--columns: {part.strip()!r} is not 'Column=field' (e.g. --columns "
                '"Line=number,Qty=quantity", or "Notes=-" to skip a column)'
            )
        header, target = part.split("=", 1)
        mapping[header.strip()] = target.strip() or SKIP
    return mapping


def _target(name: str) -> str | None:
    key = normal(name)
    if key in TOTAL_NAMES:
        return TOTAL
    key = ALIASES.get(key, key)
    return key if _field(key) is not None else None


def map_columns(table: Table, spec: dict[str, str]) -> tuple[list[Column], list[Problem]]:
    """The field of each column, and every problem with the header and the mapping."""
    problems: list[Problem] = []
    known = field_names()
    by_header = {h: i for i, h in enumerate(table.header)}
    by_normal = {normal(h): i for i, h in enumerate(table.header) if h}
    mapped: dict[int, str] = {}
    for header, target in spec.items():
        index = by_header.get(header, by_normal.get(normal(header)))
        if index is None:
            listed = ", ".join(repr(h) for h in table.header if h)
            problems.append(Problem(
                table.path, "--columns",
                f"names the column {header!r}, which the table does not have "
                f"{did_you_mean(header, [h for h in table.header if h])}(its columns: {listed})",
            ))  # fmt: skip
            continue
        if target in (SKIP, "skip"):
            mapped[index] = SKIP
            continue
        field_name = _target(target) if normal(target) not in TOTAL_NAMES else TOTAL
        if field_name is None:
            problems.append(Problem(
                table.path, "--columns",
                f"maps {header!r} to {target!r}, which is not a line field"
                f"{did_you_mean(normal(target), known)}",
            ))  # fmt: skip
            continue
        mapped[index] = field_name
    columns: list[Column] = []
    for index, header in enumerate(table.header):
        target = mapped.get(index) or (_target(header) if header else None)
        if target is None and not header:
            if any(cells[index] not in (None, "") for _, cells in table.rows):
                problems.append(Problem(
                    table.path, f"header row {table.header_row}, column {column_letter(index)}",
                    "this column has values but no header: name its field in the header row",
                ))  # fmt: skip
            continue
        if target is None:
            problems.append(Problem(
                table.path,
                f"header row {table.header_row}, column {header!r} ({column_letter(index)})",
                f"{header!r} is not a line field{did_you_mean(normal(header), known)}: rename "
                f'the column, map it with --columns "{header}=field", or skip it with '
                f'--columns "{header}=-"',
            ))  # fmt: skip
            continue
        columns.append(Column(index, header, target))
    seen: dict[str, Column] = {}
    for column in columns:
        if column.target in (SKIP, TOTAL):
            continue
        if column.target in seen:
            problems.append(Problem(
                table.path, f"header row {table.header_row}, column {column.name}",
                f"gives {column.target}, as column {seen[column.target].name} does: keep one",
            ))  # fmt: skip
        seen[column.target] = column
    if "number" not in seen and not problems:
        problems.append(Problem(
            table.path, f"header row {table.header_row}",
            "no column gives the line number (a column named number, Line or Item No, or "
            'mapped with --columns "Your name=number")',
        ))  # fmt: skip
    return columns, problems


# -- the import -----------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or would do: `written` is False when nothing was written)."""

    case_path: Path
    table_path: Path
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    total_lines: int = 0
    written: bool = False
    to_fill: list[str] = field(default_factory=list)
    """Line fields still holding a FILL IN placeholder after the import."""


def _set(target: dict[str, Any], dotted_path: str, value: Any) -> None:
    parts = dotted_path.split(".")
    for part in parts[:-1]:
        inner = target.get(part)
        if not isinstance(inner, dict):
            inner = target[part] = {}
        target = inner
    target[parts[-1]] = value


def _same_value(old: Any, new: Any) -> bool:
    """Whether a cell's value says what the case file already says (TA 3 written as a number
    and read as text, 1250000 and 1250000.00): the file's value is then kept as written."""
    if isinstance(old, bool) or isinstance(new, bool) or old is None:
        return old == new and type(old) is type(new)
    if isinstance(old, (int, float, Decimal)) and isinstance(new, (int, float, Decimal)):
        return Decimal(str(old)) == Decimal(str(new))
    if isinstance(old, (date, datetime)) or isinstance(new, (date, datetime)):
        return _text(old) == _text(new)
    if isinstance(old, (int, str)) and isinstance(new, (int, str)):
        return str(old) == str(new)
    return old == new


def _merge(existing: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    out = dict(existing)
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif key not in out or not _same_value(out[key], value):
            out[key] = value
    return out


def _ordered(line: dict[str, Any]) -> dict[str, Any]:
    """A new line's fields in the case model's order."""
    order = list(Line.model_fields)
    return {k: line[k] for k in sorted(line, key=lambda k: order.index(k) if k in order else 99)}


def _line_key(number: str) -> tuple[int, str]:
    return (int(number[:3]), number[3:]) if LINE_NUMBER.match(number) else (9999, number)


def import_lines(
    case_path: Path,
    table_path: Path,
    *,
    replace: bool = False,
    columns: str | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """Fill (or with `replace`, replace) the lines of the case file at `case_path` from the
    table at `table_path`. Raises CaseError listing every problem (nothing written then)."""
    case_path, table_path = Path(case_path), Path(table_path)
    data, raw = read_case_data(case_path)
    table = read_table(table_path, sheet=sheet)
    cols, problems = map_columns(table, parse_columns(columns))
    by_target = {c.target: c for c in cols if c.target not in (SKIP, TOTAL)}
    if problems and "number" not in by_target:
        raise _failed(table_path, problems)  # rows without their line numbers say nothing
    # Otherwise a column that is not a line field (or not mapped) is left out and every row's
    # other cells are still checked: every problem of the table is said at once.
    existing_lines = data.get("lines") if isinstance(data.get("lines"), list) else []
    existing = {
        str(ln.get("number")): ln for ln in existing_lines if isinstance(ln, dict)
    }  # the file's lines by number

    missing_required = [f for f in REQUIRED if f not in by_target]
    rows: list[tuple[int, dict[str, Any]]] = []  # (row number, line data)
    failed_fields: dict[int, set[str]] = {}
    totals: dict[int, tuple[Column, Any]] = {}
    first_row_of: dict[str, int] = {}
    for row_number, cells in table.rows:
        line: dict[str, Any] = {}
        bad: set[str] = set()
        for column in cols:
            value = cells[column.index]
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if column.target == SKIP:
                continue
            if column.target == TOTAL:
                totals[row_number] = (column, value)
                continue
            try:
                _set(line, column.target, convert(
                    column.target, value, decimal_comma=table.decimal_comma))  # fmt: skip
            except _Bad as exc:
                bad.add(column.target)
                problems.append(
                    Problem(table_path, f"row {row_number}, column {column.name}", str(exc))
                )
        number = line.get("number")
        if number is None:
            if "number" not in bad:
                problems.append(Problem(
                    table_path, f"row {row_number}, column {by_target['number'].name}",
                    "no line number: every row is a line and needs one",
                ))  # fmt: skip
            continue
        if number in first_row_of:
            problems.append(Problem(
                table_path, f"row {row_number}, column {by_target['number'].name}",
                f"line {number} is also on row {first_row_of[number]}: one row a line",
            ))  # fmt: skip
            continue
        first_row_of[number] = row_number
        if number not in existing or replace:
            lacking = [f for f in missing_required if f not in line]
            if lacking:
                problems.append(Problem(
                    table_path, f"row {row_number}",
                    f"line {number} is {'new' if number not in existing else 'replaced'}: it "
                    f"needs {', '.join(lacking)}, and the table has no column for "
                    f"{'it' if len(lacking) == 1 else 'them'}",
                ))  # fmt: skip
                continue
            if "major_defense_equipment" not in line and "major_defense_equipment" not in bad:
                # a blank cell of an MDE column says "no"; a table without the column says
                # nothing, and false would skip the AECA 36(b) test without a word
                mde = "major_defense_equipment" in by_target
                line["major_defense_equipment"] = False if mde else placeholder(MDE_HINT)
        failed_fields[len(rows)] = bad
        rows.append((row_number, line))

    # The lines after the import.
    report = ImportReport(case_path, table_path)
    new_lines: list[dict[str, Any]] = []
    origin: list[int | None] = []  # the row each line comes from (None: left as it was)
    imported = {line["number"]: (row_number, line) for row_number, line in rows}
    if replace:
        for row_number, line in rows:
            new_lines.append(_ordered(line))
            origin.append(row_number)
        report.removed = [n for n in existing if n not in imported]
    else:
        for ln in existing_lines:
            number = str(ln.get("number")) if isinstance(ln, dict) else None
            if number in imported:
                row_number, given = imported[number]
                new_lines.append(_merge(ln, given))
                origin.append(row_number)
            else:
                new_lines.append(ln)
                origin.append(None)
        added = [(r, line) for r, line in rows if line["number"] not in existing]
        numbers = [str(ln.get("number")) for ln in existing_lines if isinstance(ln, dict)]
        in_order = numbers == sorted(numbers, key=_line_key)
        for row_number, line in added:
            at = len(new_lines)
            if in_order:
                at = next(
                    (i for i, ln in enumerate(new_lines)
                     if isinstance(ln, dict) and _line_key(str(ln.get("number")))
                     > _line_key(line["number"])),
                    len(new_lines),
                )  # fmt: skip
            new_lines.insert(at, _ordered(line))
            origin.insert(at, row_number)
    for _row, line in rows:
        number = line["number"]
        if number not in existing:
            report.added.append(number)
        elif (
            replace
            and line != existing[number]
            or not replace
            and _merge(existing[number], line) != existing[number]
        ):
            report.updated.append(number)
        else:
            report.unchanged.append(number)
    report.total_lines = len(new_lines)

    # Totals: quantity x unit cost.
    by_number_row = {r: line for r, line in rows}
    for row_number, (column, value) in totals.items():
        line = by_number_row.get(row_number)
        if line is None:
            continue
        merged = line if replace else _merge(existing.get(line["number"], {}), line)
        try:
            stated = _number(value, table.decimal_comma)
            computed = Decimal(str(merged["quantity"])) * Decimal(str(merged["unit_cost"]))
        except (_Bad, KeyError, InvalidOperation, TypeError):
            continue  # the quantity or unit cost is reported on its own
        if Decimal(str(stated)) != computed:
            problems.append(Problem(
                table_path, f"row {row_number}, column {column.name}",
                f"the total {money(Decimal(str(stated)))} is not the quantity times the unit "
                f"cost ({money(computed)}); correct the row",
            ))  # fmt: skip

    # Validate the case as it would be, and say each problem where the table has it.
    candidate = dict(data)
    candidate["lines"] = new_lines
    row_problems, case_problems = _validate(candidate, origin, rows, cols, failed_fields, table)
    problems.extend(row_problems)
    problems.sort(key=_row_order)
    if problems or case_problems:
        raise _failed(table_path, problems, case_problems, case_path)
    report.to_fill = [
        f"line {new_lines[loc[1]].get('number')}: {'.'.join(str(p) for p in loc[2:])}"
        for loc, _ in find_placeholders(candidate)
        if loc[:1] == ("lines",) and isinstance(loc[1], int)
    ]
    if new_lines != existing_lines or (not existing_lines and new_lines):
        save_case_file(case_path, candidate, original=raw)
        report.written = True
    return report


_ROW = re.compile(r"^row (\d+)")
_LETTERS = re.compile(r"\(([A-Z]+)\)$")


def _row_order(problem: Problem) -> tuple[int, int]:
    """Problems row by row, and in a row column by column."""
    m = _ROW.match(problem.location)
    letters = _LETTERS.search(problem.location)
    column = 0
    for ch in letters.group(1) if letters else "":
        column = column * 26 + ord(ch) - ord("A") + 1
    return (int(m.group(1)) if m else 0, column)


_LINE_LOC = re.compile(r"^lines\[(\d+)\](?:\.(.*))?$")


def _validate(
    candidate: dict[str, Any],
    origin: list[int | None],
    rows: list[tuple[int, dict[str, Any]]],
    cols: list[Column],
    failed_fields: dict[int, set[str]],
    table: Table,
) -> tuple[list[Problem], list[Problem]]:
    """Validate the case after the import: problems of imported lines said by row and column,
    the others as the case file's own (fields still to fill in are not problems here)."""
    try:
        parse_case(candidate, source=None)
        return [], []
    except CaseError as exc:
        found = without_placeholders(exc.problems, candidate)
    by_target = {c.target: c for c in cols if c.target not in (SKIP, TOTAL)}
    row_index = {row_number: i for i, (row_number, _) in enumerate(rows)}
    row_problems: list[Problem] = []
    case_problems: list[Problem] = []
    for problem in found:
        m = _LINE_LOC.match(problem.location)
        row_number = origin[int(m.group(1))] if m and int(m.group(1)) < len(origin) else None
        if m is None or row_number is None:
            case_problems.append(problem)
            continue
        where = m.group(2) or ""
        where = re.sub(r"\[\d+\]", "", where)
        if any(
            where == f or where.startswith(f + ".")
            for f in failed_fields.get(row_index[row_number], ())
        ):
            continue  # its cell is already reported
        column = by_target.get(where) or next(
            (c for t, c in by_target.items() if where and t.startswith(where + ".")), None
        )
        place = f"row {row_number}, column {column.name}" if column else f"row {row_number}"
        message = f"{where}: {problem.message}" if not column and where else problem.message
        row_problems.append(Problem(table.path, place, message))
    return row_problems, case_problems


def _failed(
    table_path: Path,
    problems: list[Problem],
    case_problems: list[Problem] | None = None,
    case_path: Path | None = None,
) -> CaseError:
    """The error of an import refused: what is wrong, counted, then every problem."""
    case_problems = case_problems or []
    rows = {m.group(1) for p in problems if (m := _ROW.match(p.location))}
    header = sum(1 for p in problems if not _ROW.match(p.location))
    parts = []
    if header:
        parts.append(f"{header} problem{'s' if header != 1 else ''} with the columns")
    if rows:
        parts.append(f"{len(rows)} row{'s' if len(rows) != 1 else ''} with problems")
    if case_problems:
        n = len(case_problems)
        parts.append(f"{n} problem{'s' if n != 1 else ''} with the case after the import")
    fixed = tuple(
        Problem(case_path, p.location, p.message) if p.source is None else p for p in case_problems
    )
    return CaseError(
        f"{table_path}: {', '.join(parts)}; nothing was imported",
        source=table_path,
        problems=tuple(problems) + fixed,
    )
