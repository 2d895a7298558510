"""Pickling by field values, for the model classes the parse cache holds by the ten thousand (the rules of a
Terraform root, the NetworkPolicies of a manifest).

A frozen dataclass with slots pickles through dataclasses' generic ``__getstate__``/``__setstate__``: a list
of every field out, and on the way back one ``object.__setattr__`` per field from a Python loop that looks
the fields up again for every object. ``by_fields`` pickles such a class as its constructor and the field
values instead; unpickling calls the constructor once, which makes reading a cached root of 10,000 rules
about twice as fast (the parse cache and the parser workers both pickle these objects).
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")


def by_fields(cls: type[T]) -> type[T]:
    """Class decorator (put above ``@dataclass``): pickle instances as ``cls(*field values)``. Every field
    must be an ``__init__`` parameter, so the constructor rebuilds the object exactly."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    if any(not f.init for f in fields(cls)):  # type: ignore[arg-type]
        raise TypeError(f"{cls.__name__}: a field outside __init__ cannot be rebuilt by the constructor")
    get = attrgetter(*names)
    values = get if len(names) > 1 else (lambda obj: (get(obj),))

    def __reduce__(self: Any) -> tuple[type[T], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls
