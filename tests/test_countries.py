"""reference/countries.yaml: the Security Cooperation customer codes (SAMM Table C4.T2).

The table is read through the reference loader like every other table; these tests check the
form of every row and the consistency rules its header states, so a row added by policy staff
that breaks them is caught here rather than in a printed LOA.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from loagen.reference import REFERENCE_DIR, load_reference

TABLE = REFERENCE_DIR / "countries.yaml"

COLUMNS = {
    "name",
    "kind",
    "nato",
    "comsec_exempt",
    "dependable_undertaking",
    "eda_grant",
    "region",
    "source",
}
OPTIONAL_COLUMNS = {"nato_since"}
FLAGS = ("nato", "comsec_exempt", "dependable_undertaking", "eda_grant")
KINDS = {"country", "organization", "regional", "pseudo"}
CODE = re.compile(r"[A-Z0-9]{2}")

# NATO member countries other than the United States (which buys nothing through FMS), with the
# year each joined (membership list at eata.ee/en/nato/nato-member-countries, Sweden from the
# 2024 accession map at interactive.guim.co.uk), and the day for the two latest members. Each
# entry lists the names a row may use for the country.
NATO_MEMBERS: dict[tuple[str, ...], int | date] = {
    ("Belgium",): 1949,
    ("Canada",): 1949,
    ("Denmark",): 1949,
    ("France",): 1949,
    ("Iceland",): 1949,
    ("Italy",): 1949,
    ("Luxembourg",): 1949,
    ("Netherlands", "The Netherlands"): 1949,
    ("Norway",): 1949,
    ("Portugal",): 1949,
    ("United Kingdom",): 1949,
    ("Greece",): 1952,
    ("Turkiye", "Türkiye", "Turkey"): 1952,
    ("Germany",): 1955,
    ("Spain",): 1982,
    ("Czechia", "Czech Republic"): 1999,
    ("Hungary",): 1999,
    ("Poland",): 1999,
    ("Bulgaria",): 2004,
    ("Estonia",): 2004,
    ("Latvia",): 2004,
    ("Lithuania",): 2004,
    ("Romania",): 2004,
    ("Slovakia",): 2004,
    ("Slovenia",): 2004,
    ("Albania",): 2009,
    ("Croatia",): 2009,
    ("Montenegro",): 2017,
    ("North Macedonia",): 2020,
    ("Finland",): date(2023, 4, 4),
    ("Sweden",): date(2024, 3, 7),
}
MEMBER_OF = {name: joined for names, joined in NATO_MEMBERS.items() for name in names}

# AECA 36(b): the non-NATO countries of the higher-threshold group, by the exact names the
# congressional notification check looks up.
PARTNERS_36B = ("Japan", "Australia", "Republic of Korea", "Israel", "New Zealand")
COMSEC_EXEMPT_NON_NATO = {"Australia", "New Zealand"}


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a mapping with a repeated key (PyYAML keeps the last one)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ValueError(
                f"key {key!r} repeated on lines {seen[key] + 1} and {key_node.start_mark.line + 1}"
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _unique_mapping,  # type: ignore[arg-type]
)


def _load_unique(text: str) -> Any:
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a safe loader)


@pytest.fixture(scope="module")
def raw() -> dict[Any, Any]:
    """The file as YAML gives it: keys exactly as written, repeated keys refused."""
    return _load_unique(Path(TABLE).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[str, Any]]:
    return load_reference().countries


def _countries(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {code: row for code, row in rows.items() if row["kind"] == "country"}


# -- form ----------------------------------------------------------------------------------------


def test_the_table_loads_through_the_reference_loader(rows: dict[str, dict[str, Any]]) -> None:
    assert isinstance(rows, dict) and rows
    # rows the examples and tests build on: the SAMM sample country, the AWACS and NSPA codes,
    # a pseudo code whose Dependable Undertaking is "No"
    for code in ("BN", "N1", "W1", "W7", "B6"):
        assert code in rows, code
    assert rows["BN"]["name"] == "Republic of Bandaria"
    # ZZ is the code the checks' tests use for "not in the table"
    assert "ZZ" not in rows


def test_the_repeated_key_guard_catches_a_repeated_code() -> None:
    with pytest.raises(ValueError, match="'AA' repeated on lines 1 and 2"):
        _load_unique('"AA": {name: one}\n"AA": {name: two}\n')


def test_codes_are_unique(raw: dict[Any, Any]) -> None:
    # the fixture itself fails on a repeated code; the file also keeps one line per code
    lines = [ln for ln in TABLE.read_text(encoding="utf-8").splitlines() if ln.startswith('"')]
    assert len(lines) == len(raw)


def test_codes_are_two_upper_case_characters_written_as_strings(raw: dict[Any, Any]) -> None:
    bad = [key for key in raw if not isinstance(key, str) or not CODE.fullmatch(key)]
    assert not bad, f"codes must be quoted two-character upper-case strings: {bad!r}"


def test_codes_are_sorted(raw: dict[Any, Any]) -> None:
    assert list(raw) == sorted(raw)


def test_every_row_has_the_documented_columns(rows: dict[str, dict[str, Any]]) -> None:
    for code, row in rows.items():
        assert isinstance(row, dict), code
        assert COLUMNS <= set(row) <= COLUMNS | OPTIONAL_COLUMNS, (code, set(row) ^ COLUMNS)
        assert isinstance(row["name"], str) and row["name"].strip(), code
        assert isinstance(row["source"], str) and row["source"].strip(), code
        assert row["kind"] in KINDS, code
        assert row["region"] is None or isinstance(row["region"], str), code
        for flag in FLAGS:
            # true, false or null (unknown) - never a string such as "yes"
            assert row[flag] is None or isinstance(row[flag], bool), (code, flag)


# -- consistency ---------------------------------------------------------------------------------


def test_a_nato_member_country_is_flagged_with_its_accession(
    rows: dict[str, dict[str, Any]],
) -> None:
    for code, row in _countries(rows).items():
        joined = MEMBER_OF.get(row["name"])
        if joined is None:
            assert row["nato"] is not True, f"{code} {row['name']} is not a NATO member"
            assert "nato_since" not in row, code
            continue
        assert row["nato"] is True, code
        assert row["comsec_exempt"] is True, code
        since = row.get("nato_since")
        assert isinstance(since, date), f"{code} {row['name']}: give nato_since (YYYY-MM-DD)"
        if isinstance(joined, date):
            assert since == joined, code
        else:
            assert since.year == joined, code


def test_nato_since_only_on_nato_member_countries(rows: dict[str, dict[str, Any]]) -> None:
    for code, row in rows.items():
        if "nato_since" in row:
            assert row["kind"] == "country" and row["nato"] is True, code
            assert isinstance(row["nato_since"], date), code
            assert row["nato_since"] <= date.today(), code


def test_comsec_exemption_follows_the_note(rows: dict[str, dict[str, Any]]) -> None:
    # the note is for countries other than NATO members, Australia and New Zealand
    for code, row in rows.items():
        if row["nato"] is True:
            assert row["comsec_exempt"] is True, code
        if row["comsec_exempt"] is True:
            assert row["nato"] is True or row["name"] in COMSEC_EXEMPT_NON_NATO, code
        if row["kind"] == "country" and row["name"] in COMSEC_EXEMPT_NON_NATO:
            assert row["comsec_exempt"] is True, code


def test_pseudo_codes_are_no_nato_member_and_leave_the_comsec_question_open(
    rows: dict[str, dict[str, Any]],
) -> None:
    pseudo = {code: row for code, row in rows.items() if row["kind"] == "pseudo"}
    assert pseudo
    for code, row in pseudo.items():
        assert row["nato"] is False, code
        # the benefitting partner, not the program code, decides the COMSEC note
        assert row["comsec_exempt"] is None, code


def test_the_36b_partner_names_each_resolve_to_one_code(rows: dict[str, dict[str, Any]]) -> None:
    for name in PARTNERS_36B:
        codes = [code for code, row in _countries(rows).items() if row["name"] == name]
        assert len(codes) <= 1, f"{name} is the name of {codes}: the 36(b) check needs one"
        for code in codes:
            assert rows[code]["nato"] is False, code


# -- coverage still missing (the codes are not confirmed by a public source yet) ----------------


@pytest.mark.xfail(
    strict=True,
    reason="NATO member country codes not yet confirmed from a public source "
    "(see 'Rows wanted' in countries.yaml)",
)
def test_every_nato_member_has_a_flagged_row(rows: dict[str, dict[str, Any]]) -> None:
    names = {row["name"] for row in _countries(rows).values() if row["nato"] is True}
    missing = [names_[0] for names_ in NATO_MEMBERS if not names.intersection(names_)]
    assert not missing, f"no NATO-flagged row for {missing}"


@pytest.mark.xfail(
    strict=True,
    reason="codes of the 36(b) partners not yet confirmed from a public source "
    "(see 'Rows wanted' in countries.yaml)",
)
def test_the_36b_partners_are_present(rows: dict[str, dict[str, Any]]) -> None:
    names = {row["name"] for row in _countries(rows).values()}
    missing = [name for name in PARTNERS_36B if name not in names]
    assert not missing, f"no row for {missing}"
