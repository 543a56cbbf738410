"""recent: answers kept for the texts asked lately, bounded."""

from __future__ import annotations

from markupsafe import Markup

from loagen.recent import recent_texts


def _counted():
    calls: list[tuple] = []

    @recent_texts(size=3, longest=10)
    def upper(prefix: str, text: str) -> str:
        calls.append((prefix, text))
        return prefix + text.upper()

    return upper, calls


def test_a_short_text_is_worked_out_once_and_answered_the_same() -> None:
    upper, calls = _counted()
    assert upper(">", "abc") == ">ABC"
    assert upper(">", "abc") == ">ABC"
    assert calls == [(">", "abc")]


def test_the_other_arguments_are_part_of_the_key() -> None:
    upper, calls = _counted()
    assert upper(">", "abc") == ">ABC"
    assert upper("<", "abc") == "<ABC"
    assert len(calls) == 2


def test_long_texts_and_str_subclasses_are_worked_out_every_time() -> None:
    upper, calls = _counted()
    long = "x" * 11
    assert upper("", long) == long.upper()
    assert upper("", long) == long.upper()
    marked = Markup("abc")
    assert upper("", marked) == "ABC"
    assert upper("", marked) == "ABC"
    assert len(calls) == 4
    assert upper.cache_info().currsize == 0


def test_only_the_last_texts_are_kept() -> None:
    upper, calls = _counted()
    for text in ("a", "b", "c", "d"):
        upper("", text)
    assert upper.cache_info().currsize == 3
    upper("", "a")  # the oldest went first
    assert calls.count(("", "a")) == 2
    upper("", "d")
    assert calls.count(("", "d")) == 1


def test_used_bare_it_keeps_the_defaults() -> None:
    @recent_texts
    def same(text: str) -> str:
        return text

    assert same("abc") == "abc"
    assert same.cache_info().maxsize == 2048
