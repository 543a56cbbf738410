"""The note library as the compile cache keeps it (see `compile_cache`).

A loaded library is plain values (notes, versions, rule trees, paths, dates) plus the functions
generated from each rule part and note body (`rules.codegen`). It is stored with `pickle`, each
generated function as its code object (`marshal`, the format of `.pyc` files), and read back by
an unpickler that reaches nothing but the classes of loagen's policy layer (notes, versions,
rules, bodies), a few value types and the one function below that gives a code object back
its guarded globals. An entry that does not read back is no entry: the library is loaded from
its files.
"""

from __future__ import annotations

import io
import marshal
import pathlib
import pickle
import types
from datetime import date
from decimal import Decimal
from typing import Any

from ..compile_cache import entry_key, read_entry, write_entry
from ..reference import load_reference
from .notes import NoteLibrary, library_digest, load_library
from .rules.codegen import guards
from .rules.compiler import environment

KIND = "library"

_VALUES: dict[tuple[str, str], Any] = {
    ("builtins", "str"): str,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("datetime", "date"): date,
    ("decimal", "Decimal"): Decimal,
    ("pathlib", "PosixPath"): pathlib.PosixPath,
    ("pathlib", "WindowsPath"): pathlib.WindowsPath,
    ("pathlib", "PurePosixPath"): pathlib.PurePosixPath,
}


def _generated(code: bytes, name: str) -> types.FunctionType:
    """Stands for a generated function in an entry; `_Reader` rebuilds it."""
    raise pickle.UnpicklingError("a generated function is rebuilt by the library reader only")


class _Writer(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        # a function made by `codegen.compile_functions`: exec'd code has no module
        if isinstance(obj, types.FunctionType) and obj.__module__ is None:
            if obj.__closure__ or obj.__defaults__ or obj.__kwdefaults__:
                raise pickle.PicklingError(f"generated function {obj.__name__} holds values")
            return _generated, (marshal.dumps(obj.__code__), obj.__name__)
        return NotImplemented


class _Reader(pickle.Unpickler):
    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.space = guards(environment())
        """The globals of every function read back: the guards and nothing else (as
        `codegen.compile_functions` runs generated code)."""

    def _rebuild(self, code: bytes, name: str) -> types.FunctionType:
        return types.FunctionType(marshal.loads(code), self.space, name)

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == (__name__, "_generated"):
            return self._rebuild
        if (module, name) in _VALUES:
            return _VALUES[(module, name)]
        if module.startswith("loagen.policy."):  # a library is notes, rules and bodies
            found = getattr(__import__(module, fromlist=[name]), name, None)
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cached library")


def load_library_cached(folder: pathlib.Path) -> NoteLibrary:
    """`notes.load_library`, read from the compile cache when the same note files were loaded
    before by the same code (checked against the same reference tables)."""
    folder = pathlib.Path(folder)
    key = entry_key(KIND, str(folder), library_digest(folder), load_reference().digest)
    library = cached_library(key)
    if library is None:
        library = load_library(folder)
        store_library(key, library)
    return library


def cached_library(key: str) -> NoteLibrary | None:
    """The library stored under `key`, or None."""
    data = read_entry(KIND, key)
    return None if data is None else library_from_bytes(data)


def store_library(key: str, library: NoteLibrary) -> None:
    """Keep `library` under `key` (nothing when it cannot be stored)."""
    data = library_to_bytes(library)
    if data is not None:
        write_entry(KIND, key, data)


def library_to_bytes(library: NoteLibrary) -> bytes | None:
    """`library` as an entry holds it (None when it cannot be stored): also how a batch hands
    its library to a worker process that is not a fork of it."""
    buffer = io.BytesIO()
    try:
        _Writer(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(library)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return None
    return buffer.getvalue()


def library_from_bytes(data: bytes) -> NoteLibrary | None:
    """The library `library_to_bytes` wrote, or None (damaged, or not a library)."""
    try:
        library = _Reader(data).load()
    except Exception:  # noqa: BLE001 (a damaged entry of any kind is no entry)
        return None
    return library if isinstance(library, NoteLibrary) else None
