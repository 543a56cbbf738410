"""Reference tables (codes, rates, money rules) kept as YAML data files in `loagen/reference/`."""

from __future__ import annotations

import contextlib
import hashlib
import io
import pickle
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from ..compile_cache import entry_key, read_entry, write_entry
from ..errors import LoagenError

REFERENCE_DIR = Path(__file__).parent


@dataclass(frozen=True)
class SurchargeRate:
    effective_from: date
    rate: Decimal


@dataclass(frozen=True)
class Reference:
    """Every reference table, loaded once per process."""

    source_codes: dict[str, dict[str, Any]]
    type_of_assistance: dict[str, dict[str, Any]]
    offer_release_codes: dict[str, str]
    delivery_term_codes: dict[str, str]
    units_of_issue: dict[str, str]
    terms_of_sale: dict[str, dict[str, Any]]
    implementing_agencies: dict[str, str]
    countries: dict[str, dict[str, Any]]
    admin_surcharge: dict[str, Any]
    money: dict[str, Any]
    bpc_programs: dict[str, dict[str, Any]]
    digest: str
    measures: frozenset[str] = frozenset()
    """Units of issue that are units of measure (a fractional quantity is allowed)."""

    # -- convenience views used by costs, rules and checks --

    @cached_property  # read on every line of every document
    def surcharge_rates(self) -> tuple[SurchargeRate, ...]:
        rows = [
            SurchargeRate(_as_date(r["from"]), Decimal(str(r["rate"])))
            for r in self.admin_surcharge["rates"]
        ]
        return tuple(sorted(rows, key=lambda r: r.effective_from))

    def money_value(self, key: str) -> Decimal:
        return Decimal(str(self.money[key]))

    @property
    def nsr_masl(self) -> str:
        return str(self.money["nsr_masl"])

    @property
    def wwrs_seller_masl(self) -> str:
        return str(self.money["wwrs_seller_masl"])

    def procurement_source(self, code: str) -> bool:
        return bool(self.source_codes.get(code, {}).get("procurement"))

    def term_flag(self, term: str, flag: str) -> bool:
        return bool(self.terms_of_sale.get(term, {}).get(flag))

    def bpc_program(self, name: str | None) -> tuple[str, dict[str, Any]] | None:
        """The BPC program a `fund_source.program` names (by its name or an alias)."""
        if not name:
            return None
        return self._programs.get(_simple(name))

    def funds_title(self, source: Any) -> int:
        """10 or 22: the Title of a case's BPC funds (`fund_source.title`, else the row of its
        program in bpc_programs.yaml); 0 when there are none or it is not known."""
        if source is None:
            return 0
        found = self.bpc_program(source.program)
        return source.title or int((found[1] if found else {}).get("title") or 0)

    @cached_property
    def _programs(self) -> dict[str, tuple[str, dict[str, Any]]]:
        out: dict[str, tuple[str, dict[str, Any]]] = {}
        for key, row in self.bpc_programs.items():
            for alias in (key, *((row or {}).get("aliases") or ())):
                out[_simple(str(alias))] = (key, row or {})
        return out


def _simple(text: str) -> str:
    """A name without case, spaces or punctuation, to match the spellings of one program."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _parse(name: str, raw: bytes) -> Any:
    # here: the tables usually come from the compile cache, and a build that reads no YAML
    # does not import PyYAML (its import is 4% of a cold one-document build)
    import yaml

    # libyaml's safe loader when PyYAML was built with it (ten times faster), else PyYAML's own
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(raw, Loader=loader) or {}  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise LoagenError(
            f"cannot read reference table: {exc}", source=REFERENCE_DIR / f"{name}.yaml"
        ) from exc


KIND = "reference"
"""The compile cache's entries of parsed reference tables."""


class _PlainReader(pickle.Unpickler):
    """Reads back parsed tables: YAML's plain values, nothing that runs code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("datetime", "date"):
            return date
        raise pickle.UnpicklingError(f"{module}.{name} is not a value of a reference table")


def _cached_tables(key: str) -> dict[str, Any] | None:
    data = read_entry(KIND, key)
    if data is None:
        return None
    try:
        tables = _PlainReader(io.BytesIO(data)).load()
    except Exception:  # noqa: BLE001 (a damaged entry of any kind is no entry)
        return None
    if not isinstance(tables, dict) or set(tables) != set(TABLES):
        return None
    return tables


DIGESTED_ONLY = ("package", "cn36b")
"""Tables `policy_tables` reads; their bytes count in the digest, so a batch rebuilds the
documents when they change."""

TABLES = (
    "source_codes",
    "type_of_assistance",
    "offer_release_codes",
    "delivery_term_codes",
    "units_of_issue",
    "terms_of_sale",
    "implementing_agencies",
    "countries",
    "admin_surcharge",
    "money",
    "bpc_programs",
)


@cache
def load_reference() -> Reference:
    """Load every table in `loagen/reference/` (once per process; the parsed tables come from
    the compile cache when the same table files were parsed before)."""
    digest = hashlib.sha256()
    raws: dict[str, bytes] = {}
    for name in TABLES:
        path = REFERENCE_DIR / f"{name}.yaml"
        try:
            raws[name] = path.read_bytes()
        except OSError as exc:
            raise LoagenError(f"cannot read reference table: {exc}", source=path) from exc
        digest.update(name.encode() + b"\0" + raws[name] + b"\0")
    key = entry_key(KIND, digest.digest())
    tables = _cached_tables(key)
    if tables is None:
        tables = {}
        for name in TABLES:
            data = _parse(name, raws[name])
            tables[name] = {str(k): v for k, v in data.items()} if isinstance(data, dict) else data
        with contextlib.suppress(pickle.PicklingError, TypeError, RecursionError):
            write_entry(KIND, key, pickle.dumps(tables, protocol=pickle.HIGHEST_PROTOCOL))
    for name in DIGESTED_ONLY:  # read by policy modules on their own (see policy_tables)
        path = REFERENCE_DIR / f"{name}.yaml"
        try:
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError as exc:
            raise LoagenError(f"cannot read reference table: {exc}", source=path) from exc
    measures = frozenset(str(u) for u in tables["units_of_issue"].pop("measures", []) or [])
    return Reference(**tables, digest=digest.hexdigest(), measures=measures)
