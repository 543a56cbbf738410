"""Answers kept for the texts asked lately.

A batch builds a case's documents one after the other, and they print mostly the same texts: a
line's description, its notes, the party's name. The pure functions of a text that the profile
shows (tidying a note, escaping a value, scanning a line note) keep their answers for the last
texts they were asked, as `functools.lru_cache` keeps them, but only for plain `str` texts of at
most `longest` characters, so that the memory a cache holds is bounded whatever the case files
hold (`size` texts of `longest` characters each, and their answers)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

SIZE = 2048
"""How many answers a function keeps (the oldest go first)."""
LONGEST = 2048
"""The longest text whose answer is kept."""


def recent_texts(func: F | None = None, *, size: int = SIZE, longest: int = LONGEST) -> Any:
    """`func`, its answers kept for the last `size` texts (its last argument) of at most
    `longest` characters. Any other argument must be hashable and is part of the key; a text
    that is not a plain `str` (`Markup`, a subclass) or is longer is worked out every time."""

    def wrap(func: F) -> F:
        kept = lru_cache(maxsize=size)(func)

        @wraps(func)
        def call(*args: Any) -> Any:
            text = args[-1]
            if type(text) is str and len(text) <= longest:
                return kept(*args)
            return func(*args)

        call.cache_clear = kept.cache_clear  # type: ignore[attr-defined]
        call.cache_info = kept.cache_info  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return wrap if func is None else wrap(func)
