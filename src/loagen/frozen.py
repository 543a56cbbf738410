"""A faster `__init__` for the frozen dataclasses a build makes by the hundred.

A frozen dataclass cannot set its fields the ordinary way (its `__setattr__` refuses), so the
`__init__` that `dataclasses` writes for it sets each one through `object.__setattr__`: a
look-up and a call a field, some three times the cost of a plain class's `__init__`. A build
makes some 150 such values a document (the notes printed, the payment rows, the line costs and
changes, the decisions), so `quick_init` gives the busiest of them an `__init__` that puts the
fields in the instance's `__dict__` directly, as the frozen one leaves them: the same fields,
in the same order, with the same defaults. Nothing else changes: the class is still frozen
(setting a field afterwards still raises), and compares, hashes, prints, copies and pickles as
before.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

C = TypeVar("C", bound=type)

_NO_ARGUMENT = object()
"""The default of a field with a `default_factory`: the factory is called when it is given."""


def quick_init(cls: C) -> C:
    """Give frozen dataclass `cls` an `__init__` that sets its fields in its `__dict__` directly
    (see the module doc). Only plain fields are taken (with or without a default or a
    default_factory): a class with `__post_init__`, init-only variables, fields left out of
    `__init__`, keyword-only fields or `__slots__` is refused, as its `__init__` does more."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"{cls.__name__} is not a frozen dataclass")
    if hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__}'s __init__ does more than set its fields")
    fields = dataclasses.fields(cls)
    if len(fields) != len(cls.__dataclass_fields__):  # (init-only variables are not fields)
        raise TypeError(f"{cls.__name__} has init-only variables")
    names: dict[str, Any] = {"_NO_ARGUMENT": _NO_ARGUMENT}
    arguments, body = [], []
    for f in fields:
        if not f.init or f.kw_only:
            raise TypeError(f"{cls.__name__}.{f.name} is not a plain argument of __init__")
        if not f.name.isidentifier() or f.name.startswith("__"):
            raise TypeError(f"{cls.__name__}.{f.name}: a field name this cannot take")
        if f.default is not dataclasses.MISSING:
            names[f"_default_{f.name}"] = f.default
            arguments.append(f"{f.name}=_default_{f.name}")
            body.append(f"    fields[{f.name!r}] = {f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            names[f"_factory_{f.name}"] = f.default_factory
            arguments.append(f"{f.name}=_NO_ARGUMENT")
            body.append(
                f"    fields[{f.name!r}] = _factory_{f.name}() if {f.name} is _NO_ARGUMENT "
                f"else {f.name}"
            )
        else:
            arguments.append(f.name)
            body.append(f"    fields[{f.name!r}] = {f.name}")
    # The source names only the class's own field names (checked above) and the defaults
    # passed in `names`: what `dataclasses` itself does to write an `__init__`.
    source = "\n".join(
        [f"def __init__(self, {', '.join(arguments)}):", "    fields = self.__dict__", *body]
    )
    exec(source, names)  # noqa: S102 (made from the class's own field names)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[misc]
    return cls
