"""`loagen lines import`: line items from a spreadsheet or CSV file into a case file; every bad row
and cell reported at once, nothing written unless all of it is valid, comments kept."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook
from typer.testing import CliRunner

from loagen.case.loading import load_case
from loagen.cli import app
from loagen.ops.lines_import import convert, field_names

from .conftest import SHARED_EXAMPLES
from .test_case_files import WRITTEN

runner = CliRunner()

HEADER = (
    "number,masl,description,quantity,unit_of_issue,unit_cost,source_code,type_of_assistance,"
    "offer_release_code,delivery_term_code,months,kind"
)


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def case(tmp_path: Path) -> Path:
    """A YAML case file with the writer's comments (lines 001-003)."""
    path = tmp_path / "BN-D-QZZ" / "basic.yaml"
    path.parent.mkdir()
    path.write_bytes(WRITTEN)
    return path


def csv_file(folder: Path, text: str, name: str = "lines.csv", **kw) -> Path:
    path = folder / name
    path.write_bytes(text.encode(kw.get("encoding", "utf-8")))
    return path


def xlsx_file(folder: Path, rows: list[list], name: str = "lines.xlsx", sheet: str = "Lines"):
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    path = folder / name
    book.save(path)
    return path


def lines_of(path: Path) -> dict[str, dict]:
    return {ln.number: ln for ln in load_case(path).case.lines}


def test_a_csv_table_updates_and_adds_lines_and_the_comments_stay(case: Path, tmp_path) -> None:
    table = csv_file(tmp_path, HEADER + ",mde\n"
        "2,P1TUG0000SPR,SPARE AND REPAIR PARTS,1,LO,\"$412,500.00\",X,4,Z,5,18-42,materiel\n"
        "4,P1TUG0000PUB,TECHNICAL MANUALS,1,lo,25000,s,3,a,5,12 - 24,Publications\n")  # fmt: skip
    result = invoke("lines", "import", case, table)
    assert result.exit_code == 0, result.output
    assert "1 added (Line 004), 1 updated (Line 002); the case has 4 lines" in result.output
    lines = lines_of(case)
    assert list(lines) == ["001", "002", "003", "004"]
    assert lines["002"].unit_cost == 412500 and lines["002"].description == "SPARE AND REPAIR PARTS"
    new = lines["004"]
    assert (new.unit_of_issue, new.source_code, new.offer_release_code) == ("LO", "S", "A")
    assert (new.months, new.kind) == ("12-24", "publications")
    text = case.read_text()
    for comment in ("# The tugs themselves.", "# Spares for the first two years.",
                    "# Crew training, CONUS.", "    quantity: 2   # two hulls",
                    "# Accessorial charges from the IA's estimate of 3 March."):  # fmt: skip
        assert comment in text
    # The line not in the table is as it was, byte for byte.
    block = WRITTEN.decode()
    training = block[block.index("  # Crew training") : block.index("# Accessorial")]
    assert training in text
    assert sorted(p.name for p in case.parent.iterdir()) == ["basic.yaml"]  # no temporary


def test_three_bad_rows_are_all_reported_and_nothing_is_written(case: Path, tmp_path) -> None:
    before = case.read_bytes()
    table = csv_file(tmp_path, HEADER + "\n"
        "4,P1TUG0000PUB,TECHNICAL MANUALS,1,LO,25000,S,3,A,5,12-24,publications\n"
        "5,P1TUG0000ENG,SPARE ENGINE,two,EA,900000,P,5,Z,5,18-30,materiel\n"
        "6,P1TUG0000ARM,DECK FITTINGS,1,LO,12000,Q,3,A,5,12-24,materiel\n"
        "7,R1TUG0000TAS,TECHNICAL ASSISTANCE,1,LO,$88.123,S,3,X,4,30-12,service\n")  # fmt: skip
    result = invoke("lines", "import", case, table)
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    assert f"{table}: 3 rows with problems; nothing was imported" in result.output
    for said in (
        f"{table}: row 3, column 'quantity' (D): got 'two'; expected a number such as 4 or 1,000",
        f"{table}: row 4, column 'source_code' (G): 'Q' is not a known Source Code",
        f"{table}: row 5, column 'unit_cost' (F): amounts are in U.S. dollars and cents: at most "
        "two decimal places",
        f"{table}: row 5, column 'months' (K): the first month (30) is after the last (12)",
        f"{table}: row 5, column 'kind' (L): got 'service'; expected one of 'materiel', 'services'",
    ):
        assert said in result.output, said
    assert "row 2" not in result.output
    assert case.read_bytes() == before
    assert sorted(p.name for p in case.parent.iterdir()) == ["basic.yaml"]


def test_an_xlsx_workbook_with_numbers_dates_and_parts_of_fields(case: Path, tmp_path) -> None:
    table = xlsx_file(tmp_path, [
        ["Line", "MASL", "Description", "Qty", "UI", "Unit Cost", "SC", "TA", "ORC", "DTC",
         "MOS", "Kind", "MDE", "sole_source.firm", "sole_source.role",
         "sole_source.purchaser_request_date", "items"],
        [1, "P1TUG0000TUG", "HARBOUR TUG", 2, "EA", 4250000.0, "P", 5, "Z", 5, "18-30",
         "materiel", "yes", "Bandar Shipyards Ltd", "Prime", datetime(2026, 2, 10), "classified"],
        [],
        ["3a", "T1TUG0000SIM", "SIMULATOR TIME", 40, "HR", 1250.5, "S", 3, "X", 2, "12-20",
         "training", None, None, None, None, None],
    ])  # fmt: skip
    result = invoke("lines", "import", case, table, "--sheet", "Lines")
    assert result.exit_code == 0, result.output
    assert "1 added (Subline 003a), 1 updated (Line 001)" in result.output
    lines = lines_of(case)
    tug = lines["001"]
    assert tug.major_defense_equipment and tug.items == ["classified"]
    assert tug.sole_source.firm == "Bandar Shipyards Ltd" and tug.sole_source.role == "prime"
    assert tug.sole_source.purchaser_request_date.isoformat() == "2026-02-10"
    assert list(lines) == ["001", "002", "003", "003a"]
    assert lines["003a"].unit_cost == 1250.5 and lines["003a"].quantity == 40
    # Written as the file writes values: unchanged ones as they were.
    text = case.read_text()
    assert (
        "    quantity: 2   # two hulls\n    unit_of_issue: EA\n    unit_cost: 4250000.00\n" in text
    )
    assert "    type_of_assistance: '5'\n" in text


def test_a_cell_the_spreadsheet_turned_into_a_date(case: Path, tmp_path) -> None:
    table = xlsx_file(tmp_path, [
        HEADER.split(","),
        ["004", "P1TUG0000PUB", "MANUALS", 1, "LO", 25000, "S", 3, "A", 5,
         datetime(1924, 12, 1), "publications"],
    ])  # fmt: skip
    result = invoke("lines", "import", case, table)
    assert result.exit_code == 3
    assert "row 2, column 'months' (K): the spreadsheet turned this cell into a date" in (
        result.output
    )
    missing = invoke("lines", "import", case, table, "--sheet", "Sheet9")
    assert missing.exit_code == 3 and "the workbook has no sheet 'Sheet9'" in missing.output


def test_replace_makes_the_lines_those_of_the_table(case: Path, tmp_path) -> None:
    table = csv_file(tmp_path, HEADER + ",mde\n"
        "3,T1TUG0000TRN,CREW TRAINING,1,LO,230000,S,3,X,2,12-20,training\n"
        "5,P1TUG0000ENG,SPARE ENGINE,1,EA,900000,P,5,Z,5,18-30,materiel\n")  # fmt: skip
    result = invoke("lines", "import", case, table, "--replace")
    assert result.exit_code == 0, result.output
    assert (
        "1 added (Line 005), 1 updated (Line 003), 2 removed (Lines 001 and 002)" in result.output
    )
    lines = lines_of(case)
    assert list(lines) == ["003", "005"]
    assert lines["003"].training is None  # replaced: only what the table gives
    text = case.read_text()
    assert "# The tugs themselves." not in text  # went with its line
    assert "# Accessorial charges from the IA's estimate of 3 March." in text


def test_a_new_line_of_a_table_without_an_mde_column_asks_whether_it_is_mde(
    case: Path, tmp_path
) -> None:
    """Whether a line is Major Defense Equipment decides the AECA 36(b) test: a line the table
    adds says it only when the table has the column (a blank cell there is a no)."""
    rows = (
        "1,P1TUG0000TUG,HARBOUR TUG,3,EA,4250000,P,5,Z,5,18-30,materiel\n"
        "7,P1TUG0000RAD,SURFACE SEARCH RADAR,2,EA,615000,P,5,Z,5,18-30,materiel\n"
    )
    silent = invoke("lines", "import", case, csv_file(tmp_path, HEADER + "\n" + rows))
    assert silent.exit_code == 0, silent.output
    assert "still to fill in (FILL IN): line 007: major_defense_equipment" in silent.output
    data = yaml.safe_load(case.read_text())
    by_number = {ln["number"]: ln for ln in data["lines"]}
    assert by_number["007"]["major_defense_equipment"].startswith("FILL IN: true for Major")
    assert by_number["001"]["quantity"] == 3  # an existing line keeps what it says
    assert "major_defense_equipment" not in by_number["001"]  # updated, not started
    told = invoke(
        "lines", "import", case, csv_file(tmp_path, HEADER + ",mde\n" + rows), "--replace"
    )
    assert told.exit_code == 0, told.output
    assert {ln.number: ln.major_defense_equipment for ln in lines_of(case).values()} == {
        "001": False,
        "007": False,
    }


def test_a_new_case_takes_its_lines_from_a_table_and_builds(tmp_path: Path) -> None:
    from .test_start import fill

    path = tmp_path / "BN-D-QCP" / "basic.yaml"
    assert invoke("new", "BN-D-QCP", "--program", "FMS", "--category", "defined_order",
                  "--funding", "national", "--terms", "Cash With Acceptance",
                  "--nickname", "Harbour Tugs", "-o", path).exit_code == 0  # fmt: skip
    table = csv_file(tmp_path, HEADER + ",mde\n"
        "1,P1TUG0000TUG,HARBOUR TUG,2,EA,4250000,P,5,Z,5,18-30,materiel\n"
        "2,P1TUG0000SPR,SPARE PARTS,1,LO,380000,P,5,Z,5,18-42,materiel\n")  # fmt: skip
    kept = invoke("lines", "import", path, table)  # without --replace: the example line 001
    assert kept.exit_code == 0, kept.output
    assert "1 added (Line 002), 1 updated (Line 001)" in kept.output
    replaced = invoke("lines", "import", path, table, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "FILL IN" not in str(yaml.safe_load(path.read_text())["lines"])
    assert "# Military Articles and Services List number." in path.read_text()
    # The values replace the FILL IN ones, written plain as a writer writes them.
    assert "    masl: P1TUG0000TUG\n" in path.read_text()
    assert "    description: HARBOUR TUG\n" in path.read_text()
    fill(path, {
        "purchaser.name": "Ministry of Defence of the Republic of Bandaria",
        "purchaser.address[0]": "14 Parade Street",
        "document.offer_expiration_date": "2026-12-15",
        "document.purpose": "provides for two harbour tugs and spare parts",
        "purchaser_references[0].reference": "BN/MODAT/4001",
        "purchaser_references[0].date": "2026-05-10",
    })  # fmt: skip
    built = invoke("build", path, "-o", tmp_path / "out")
    assert built.exit_code == 0, built.output


def test_other_layouts_with_columns(case: Path, tmp_path) -> None:
    table = csv_file(tmp_path,
        "Item,Stock No,Name,How many,Unit,Price,Src,Asst,Release,Delivery,Period,Type,Remarks,MDE\n"
        "4,P1TUG0000PUB,TECHNICAL MANUALS,1,LO,25000,S,3,A,5,12-24,publications,urgent\n")  # fmt: skip
    unmapped = invoke("lines", "import", case, table)
    assert unmapped.exit_code == 3
    assert "'Stock No' is not a line field" in unmapped.output
    assert """map it with --columns "Remarks=field", or skip it with --columns "Remarks=-\"""" in (
        unmapped.output
    )
    spec = ("Stock No=masl,Name=description,How many=quantity,Unit=unit_of_issue,Price=unit_cost,"
            "Src=source_code,Asst=type_of_assistance,Release=offer_release_code,"
            "Delivery=delivery_term_code,Period=months,Type=kind,Remarks=-,MDE=mde")  # fmt: skip
    result = invoke("lines", "import", case, table, "--columns", spec)
    assert result.exit_code == 0, result.output
    assert lines_of(case)["004"].masl == "P1TUG0000PUB"
    # The same mapping as a file; a wrong field is named, with what was meant.
    mapping = tmp_path / "columns.yaml"
    mapping.write_text("Stock No: masl\nName: description\nHow many: quantiy\nRemarks: skip\n")
    wrong = invoke("lines", "import", case, table, "--columns", mapping)
    assert wrong.exit_code == 3
    assert "maps 'How many' to 'quantiy', which is not a line field (did you mean 'quantity'?)" in (
        wrong.output
    )
    absent = invoke("lines", "import", case, table, "--columns", "Qty=quantity")
    assert "names the column 'Qty', which the table does not have" in absent.output


def test_a_semicolon_csv_with_a_byte_order_mark_and_decimal_commas(case: Path, tmp_path) -> None:
    table = csv_file(tmp_path, "\ufeff" + HEADER.replace(",", ";") + ";mde\n"
        "4;P1TUG0000PUB;TECHNICAL MANUALS;1;LO;25000,5;S;3;A;5;12-24;publications\n"
        "5;P1TUG0000ENG;SPARE ENGINE;1;EA;1.234.567,25;P;5;Z;5;18-30;materiel\n"
        "6;P1TUG0000BTS;WORK BOATS;1.000;EA;US$ 1,500.00;P;5;Z;5;18-30;materiel\n")  # fmt: skip
    result = invoke("lines", "import", case, table)
    assert result.exit_code == 0, result.output
    lines = lines_of(case)
    assert lines["004"].unit_cost == 25000.5
    assert lines["005"].unit_cost == 1234567.25
    assert (lines["006"].quantity, lines["006"].unit_cost) == (1000, 1500)


def test_a_csv_with_a_quote_left_open_is_refused_at_its_row(case: Path, tmp_path) -> None:
    """A quote left open would take every row after it into one cell: said, nothing written."""
    before = case.read_bytes()
    table = csv_file(tmp_path, HEADER + "\n"
        '4,P1TUG0000PUB,"TECHNICAL MANUALS,1,LO,25000,S,3,A,5,12-24,publications\n'
        "5,P1TUG0000ENG,SPARE ENGINE,1,EA,900000,P,5,Z,5,18-30,materiel\n")  # fmt: skip
    result = invoke("lines", "import", case, table)
    assert result.exit_code == 3
    said = " ".join(result.output.split())
    assert "a quoted cell is not closed" in said and "row " in said
    assert case.read_bytes() == before


def test_a_total_column_is_checked(case: Path, tmp_path) -> None:
    table = csv_file(tmp_path, HEADER + ",Total\n"
        "4,P1TUG0000PUB,MANUALS,2,LO,25000,S,3,A,5,12-24,publications,\"$50,000.00\"\n"
        "5,P1TUG0000ENG,SPARE ENGINE,2,EA,900000,P,5,Z,5,18-30,materiel,1900000\n")  # fmt: skip
    result = invoke("lines", "import", case, table)
    assert result.exit_code == 3
    assert (
        "row 3, column 'Total' (M): the total $1,900,000 is not the quantity times the unit "
        "cost ($1,800,000)" in " ".join(result.output.split())
    )
    assert "row 2" not in result.output


def test_rows_without_number_twice_or_lacking_a_field(case: Path, tmp_path) -> None:
    table = csv_file(tmp_path,
        "number,masl,description,quantity,unit_of_issue,unit_cost\n"
        "2,P1TUG0000SPR,SPARES,1,LO,400000\n"
        ",P1TUG0000X,NO NUMBER,1,LO,1\n"
        "2,P1TUG0000SPR,SPARES AGAIN,1,LO,400000\n"
        "8,P1TUG0000NEW,NEW LINE,1,LO,1\n"
        "0,P1TUG0000NEW,ZERO,1,LO,1\n")  # fmt: skip
    result = invoke("lines", "import", case, table)
    assert result.exit_code == 3
    out = " ".join(result.output.split())
    assert "row 3, column 'number' (A): no line number: every row is a line and needs one" in out
    assert "row 4, column 'number' (A): line 002 is also on row 2: one row a line" in out
    assert ("row 5: line 008 is new: it needs source_code, type_of_assistance, kind, and the "
            "table has no column for them") in out  # fmt: skip
    assert "row 6, column 'number' (A): got '0'; expected a line number 001 to 999" in out


def test_the_case_is_checked_as_it_would_be_after_the_import(case: Path, tmp_path) -> None:
    case.write_bytes(WRITTEN.replace(b"funding: national", b"funding: cash"))
    before = case.read_bytes()
    table = csv_file(tmp_path, HEADER + "\n"
        "4,P1TUG0000PUB,MANUALS,1,LO,25000,S,3,A,5,12-24,publications\n")  # fmt: skip
    result = invoke("lines", "import", case, table)
    assert result.exit_code == 3
    assert "1 problem with the case after the import; nothing was imported" in result.output
    assert f"{case}: funding: got 'cash'; expected one of 'national', 'fmf' or 'bpc'" in (
        result.output
    )
    assert case.read_bytes() == before


def test_a_json_case_file_gets_json(tmp_path: Path) -> None:
    folder = tmp_path / "BN-D-QAA"
    shutil.copytree(SHARED_EXAMPLES / "BN-D-QAA", folder)
    case = folder / "basic.json"
    table = csv_file(tmp_path, HEADER + ",mde\n"
        "6,R1C130J00TAS,TECHNICAL ASSISTANCE,1,LO,3900000,S,3,X,4,24-60,services\n"
        "7,P1C130J0PUB2,FLIGHT MANUALS,1,LO,120000,S,3,A,4,12-36,publications\n")  # fmt: skip
    result = invoke("lines", "import", case, table)
    assert result.exit_code == 0, result.output
    data = json.loads(case.read_text())
    assert [ln["number"] for ln in data["lines"]][-1] == "007"
    built = invoke("build", case, "-o", tmp_path / "out")
    assert built.exit_code == 0, built.output


def test_excel_unicode_text_is_read(case: Path, tmp_path) -> None:
    """Excel's "Unicode Text (*.txt)": UTF-16 with a byte order mark, cells split by tabs."""
    table = csv_file(tmp_path, (HEADER + "\n4,R4K 000SPARE2,MORE SPARES,3,EA,$1,250.50,S,3,A,5,"
                                "6-18,materiel\n").replace(",", "\t").replace("$1\t250", "$1,250"),
                     name="lines.txt", encoding="utf-16")  # fmt: skip
    result = invoke("lines", "import", case, table)
    assert result.exit_code == 0, result.output
    line = yaml.safe_load(case.read_text())["lines"][-1]
    assert (line["number"], line["description"], line["unit_cost"]) == (
        "004",
        "MORE SPARES",
        1250.5,
    )


def test_files_that_are_not_tables(case: Path, tmp_path) -> None:
    latin = csv_file(tmp_path, HEADER + "\n4,X,CAFÉ,1,LO,1,S,3,A,5,12-24,materiel\n",
                     name="latin.csv", encoding="latin-1")  # fmt: skip
    result = invoke("lines", "import", case, latin)
    assert result.exit_code == 3
    assert "the CSV file is not UTF-8 text: save it as 'CSV UTF-8" in result.output
    old = tmp_path / "lines.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "save the table as Excel Workbook (.xlsx) or CSV UTF-8" in " ".join(
        invoke("lines", "import", case, old).output.split()
    )
    fake = tmp_path / "fake.xlsx"
    fake.write_text(HEADER)
    assert (
        "not an Excel workbook (.xlsx) loagen can read"
        in invoke("lines", "import", case, fake).output
    )
    empty = csv_file(tmp_path, "\n\n", name="empty.csv")
    assert "the table is empty" in invoke("lines", "import", case, empty).output
    assert case.read_bytes() == WRITTEN


def test_an_unknown_column_does_not_hide_the_problems_of_the_rows(case: Path, tmp_path) -> None:
    table = csv_file(tmp_path, HEADER + ",Comments\n"
        "4,P1TUG0000PUB,TECHNICAL MANUALS,1,LO,25000,S,3,A,5,12-24,publications,rush\n"
        "5,P1TUG0000ENG,SPARE ENGINE,2,EA,900000,Q,5,Z,5,18-30,materiel,\n")  # fmt: skip
    result = invoke("lines", "import", case, table, "--replace")
    assert result.exit_code == 3
    said = " ".join(result.output.split())
    assert "1 problem with the columns, 1 row with problems; nothing was imported" in said
    assert "column 'Comments' (M): 'Comments' is not a line field" in said
    assert "row 3, column 'source_code' (G): 'Q' is not a known Source Code" in said
    assert case.read_bytes() == WRITTEN


def test_cells_in_other_digits_are_refused_as_in_a_case_file(case: Path, tmp_path) -> None:
    """Full-width or Arabic-Indic digits would be read as numbers by chance ('٤' is 4): a
    table, like a case file, takes codes, line numbers, months and amounts in 0-9."""
    fw = str.maketrans("0123456789", "０１２３４５６７８９")
    ar = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    table = csv_file(tmp_path, HEADER + "\n"
        + "4".translate(fw) + ",P1TUG0000PUB,TECHNICAL MANUALS,1,LO,25000,S,3,A,5,12-24,publications\n"
        "5,P1TUG0000ENG,SPARE ENGINE," + "2".translate(ar) + ",EA,"
        + "900000".translate(fw) + ",P,5,Z,5," + "18-30".translate(ar) + ",materiel\n"
        "6,P1TUG0000ARM,DECK FITTINGS,1,LO,12000,S," + "3".translate(fw) + ",A,5,12-24,materiel\n")  # fmt: skip
    result = invoke("lines", "import", case, table)
    assert result.exit_code == 3, result.output
    for row, column in ((2, "number"), (3, "quantity"), (3, "unit_cost"), (3, "months"),
                        (4, "type_of_assistance")):  # fmt: skip
        found = [ln for ln in result.output.splitlines() if f"row {row}, column '{column}'" in ln]
        assert found and found[0].endswith("type the digits 0-9"), (row, column, result.output)
    assert case.read_bytes() == WRITTEN


def test_cells_are_read_as_their_fields_want() -> None:
    assert convert("number", 7) == "007" and convert("number", "12B") == "012b"
    assert convert("unit_cost", "$1,234.50") == convert("unit_cost", 1234.5000000001)
    assert convert("quantity", 3.0) == 3
    assert convert("type_of_assistance", 3.0) == "3"
    assert convert("major_defense_equipment", "X") is True
    assert convert("training.location", "conus") == "CONUS"
    assert convert("items", "NVD; comsec") == ["nvd", "comsec"]
    assert convert("months", "12\u201336") == "12-36"
    assert {"sole_source.firm", "training.location", "number"} <= set(field_names())
    assert not any(re.search(r"\.$", name) for name in field_names())


def test_limits_on_what_is_read(case: Path, tmp_path, monkeypatch) -> None:
    from loagen.case import tables

    table = xlsx_file(tmp_path, [HEADER.split(",")] + [
        [n, "P1TUG0000PUB", "MANUALS", 1, "LO", 1, "S", 3, "A", 5, "12-24", "publications"]
        for n in range(4, 10)
    ])  # fmt: skip
    monkeypatch.setattr(tables, "UNPACKED_LIMIT", 1000)
    big = invoke("lines", "import", case, table)
    assert big.exit_code == 3 and "at most 1,000 are read" in big.output
    monkeypatch.setattr(tables, "UNPACKED_LIMIT", 10**9)
    monkeypatch.setattr(tables, "MAX_ROWS", 5)
    many = invoke("lines", "import", case, table)
    assert many.exit_code == 3 and "the table has more than 5 rows" in many.output
    assert case.read_bytes() == WRITTEN
