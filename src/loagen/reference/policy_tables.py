"""Reference tables that policy modules read on their own, with their line numbers.

`load_reference` reads the code tables every stage uses. Two tables are read here instead,
because the modules that use them need the text itself (to point an error at its line):

- `package.yaml`: the LOA package checklist (SAMM Appendix 9, Table AP9.T4), read by
  `policy.package`; its ids are also what a case file's `package[].kind` may say, which the case
  model checks through `checklist_ids` (the case layer cannot reach the policy layer).
- `cn36b.yaml`: the AECA section 36(b) Congressional Notification thresholds, groups and
  review periods, read by `policy.notification`.
"""

from __future__ import annotations

import contextlib
import io
import pickle
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..compile_cache import entry_key, read_entry, write_entry
from ..errors import LoagenError
from ..reading import MB, read_limited
from . import REFERENCE_DIR, _PlainReader

if TYPE_CHECKING:
    import yaml

TABLE_LIMIT = 1 * MB
"""Largest reference table read here (bytes)."""


@cache
def table_text(name: str) -> tuple[Path, str]:
    """The path and text of reference table `name` (e.g. "package" for package.yaml)."""
    path = REFERENCE_DIR / f"{name}.yaml"
    raw = read_limited(path, "reference table", LoagenError, limit=TABLE_LIMIT)
    try:
        return path, raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LoagenError("the reference table is not UTF-8 text", source=path) from None


KIND = "policy-table"
"""The compile cache's entries of these tables' data."""


def data_of(path: Path, text: str) -> Any:
    """The data of table `text` (read from `path`): from the compile cache when the same text
    was parsed before (as `load_reference` keeps the other tables), else parsed; a YAML error
    names the line."""
    key = entry_key(KIND, text)
    kept = read_entry(KIND, key)
    if kept is not None:
        with contextlib.suppress(Exception):  # a damaged entry of any kind is no entry
            return _PlainReader(io.BytesIO(kept)).load()
    data, _ = parse(path, text, nodes=False)
    with contextlib.suppress(pickle.PicklingError, TypeError, RecursionError):
        write_entry(KIND, key, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    return data


def parse(path: Path, text: str, *, nodes: bool = True) -> tuple[Any, yaml.Node | None]:
    """The data of a table and its node tree (for line numbers; None without `nodes`); a YAML
    error names the line."""
    # here: a build reads these tables' data from the compile cache (`data_of`) and does not
    # import PyYAML (its import is 4% of a cold one-document build)
    import yaml

    # libyaml's safe loader when PyYAML was built with it (ten times faster), else PyYAML's own
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
        return data, yaml.compose(text, Loader=loader) if nodes else None  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise LoagenError(
            f"the reference table is not valid YAML: {problem}",
            source=path,
            location=f"line {mark.line + 1}" if mark else "",
        ) from None


@cache
def checklist_ids() -> tuple[str, ...]:
    """The ids of the LOA package checklist (package.yaml `documents[].id`), in table order."""
    path, text = table_text("package")
    data = data_of(path, text)
    rows = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise LoagenError("the checklist table needs a 'documents' list", source=path)
    return tuple(str(row["id"]) for row in rows if isinstance(row, dict) and "id" in row)
