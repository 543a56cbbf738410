"""`frozen.quick_init`: the same values as the `__init__` of `dataclasses`, made faster."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from loagen.frozen import quick_init


@dataclass(frozen=True)
class Plain:
    name: str
    count: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


@quick_init
@dataclass(frozen=True)
class Quick:
    """`Plain`, with `quick_init`."""

    name: str
    count: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [(("a",), {}), (("a", 2), {}), (("a",), {"tags": ("x",)}), ((), {"name": "a", "notes": ["n"]})],
)
def test_the_same_fields_in_the_same_order(args: tuple, kwargs: dict) -> None:
    plain, quick = Plain(*args, **kwargs), Quick(*args, **kwargs)
    assert list(quick.__dict__.items()) == list(plain.__dict__.items())
    assert dataclasses.astuple(quick) == dataclasses.astuple(plain)
    assert repr(quick).removeprefix("Quick") == repr(plain).removeprefix("Plain")


def test_a_default_factory_makes_a_new_value_each_time() -> None:
    first, second = Quick("a"), Quick("b")
    assert first.notes == [] and first.notes is not second.notes
    given = ["n"]
    assert Quick("a", notes=given).notes is given


def test_still_frozen_comparable_hashable_and_copied() -> None:
    one = Quick("a", 1, ("t",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.name = "b"  # type: ignore[misc]
    same = Quick("a", 1, ("t",))
    assert one == same and one != Quick("a", 2, ("t",))
    assert hash(Quick("a", tags=("t",), notes=None)) == hash(Quick("a", tags=("t",), notes=None))  # type: ignore[arg-type]
    assert copy.copy(one) == one and pickle.loads(pickle.dumps(one)) == one
    assert dataclasses.replace(one, count=5) == Quick("a", 5, ("t",))


def test_arguments_are_checked_as_before() -> None:
    with pytest.raises(TypeError):
        Quick()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick("a", unknown=1)  # type: ignore[call-arg]


def test_classes_whose_init_does_more_are_refused() -> None:
    @dataclass(frozen=True)
    class Later:
        name: str

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True)
    class Hidden:
        name: str
        kept: int = field(default=0, init=False)

    @dataclass(frozen=True)
    class Named:
        name: str = field(kw_only=True)

    @dataclass
    class Open:
        name: str

    for cls in (Later, Hidden, Named, Open):
        with pytest.raises(TypeError):
            quick_init(cls)
