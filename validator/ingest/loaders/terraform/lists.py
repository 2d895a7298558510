"""Terraform's collection and type conversion functions, registered in ``functions.FUNCS``: lists, maps and
sets as Terraform's documentation describes them (a tuple of mixed primitives unified to strings, sets
without repeats and, for strings and numbers, in order), each element compared or copied a step of the
evaluation budget, results charged before they are built when their size is known."""

from __future__ import annotations

import math
from typing import Any

from validator.ingest.loaders.terraform import forms as f
from validator.ingest.loaders.terraform.budget import METER
from validator.ingest.loaders.terraform.functions import _fail, _int, _list, _map, fn
from validator.ingest.loaders.terraform.values import (
    EvalError,
    LazyObject,
    Pending,
    first_pending,
    is_number,
    sorted_items,
    to_bool,
    to_number,
    to_string,
    type_name,
)

# --- collections -------------------------------------------------------------------------------
fn("reverse")(lambda v: list(reversed(_list(v))))
fn("keys")(lambda m: [k for k, _ in sorted_items(_map(m))])
fn("values")(lambda m: [v for _, v in sorted_items(_map(m))])
fn("one")(lambda v: None if not _list(v) else v[0] if len(v) == 1 else _fail("one() needs at most one element"))
fn("alltrue", whole=True)(lambda v: all(to_bool(i) for i in _list(v)))
fn("anytrue", whole=True)(lambda v: any(to_bool(i) for i in _list(v)))
fn("contains", whole=True)(lambda lst, v: f.member(v, _list(lst)))
fn("compact", whole=True)(lambda v: [to_string(i) for i in _list(v) if i is not None and i != ""])
fn("sort", whole=True)(lambda v: sorted(to_string(i) for i in _list(v)))
fn("transpose", whole=True)(lambda m: _transpose(_map(m)))
fn("distinct", whole=True)(lambda v: f.unique(_list(v)))


def _charged(size: int) -> None:
    """Charge a result's size before building it (a concat of many large lists stops before it exists)."""
    METER.spend(1, size)


def _element_type(values: list[Any]) -> list[Any]:
    """A list's elements brought to one type, as Terraform unifies a tuple into a list: mixed primitives
    become strings; a primitive with a collection is an error."""
    kinds = {type_name(v) for v in values if v is not None}
    if len(kinds) > 1 and kinds & {"string", "number", "bool"}:
        if kinds - {"string", "number", "bool"}:
            raise EvalError("all elements must have the same type")
        return [None if v is None else to_string(v) for v in values]
    return values


@fn("concat")
def _concat(*lists: Any) -> list[Any]:
    _charged(sum(len(_list(lst)) for lst in lists))
    return [item for lst in lists for item in lst]


@fn("length")
def _length(value: Any) -> int:
    if isinstance(value, str):
        from validator.ingest.loaders.terraform.strings import graphemes

        return len(graphemes(value))
    if isinstance(value, dict):
        return len(value.materialize() if isinstance(value, LazyObject) else value)
    return len(_list(value, "a list, map or string"))


@fn("chunklist")
def _chunklist(values: Any, size: Any) -> list[Any]:
    items, n = _list(values), _int(size)
    if n < 0:
        raise EvalError("chunklist(): the size must not be negative")
    if not items:
        return []
    return [items] if n == 0 else [items[i : i + n] for i in range(0, len(items), n)]


@fn("coalescelist")
def _coalescelist(*lists: Any) -> list[Any]:
    for value in lists:
        if value is not None and _list(value):
            return value
    raise EvalError("coalescelist(): no non-empty list")


@fn("element")
def _element(values: Any, position: Any) -> Any:
    items = _list(values)
    if not items:
        raise EvalError("element() of an empty list")
    return items[_int(position) % len(items)]


@fn("index", whole=True)
def _index(values: Any, value: Any) -> int:
    items = _list(values)
    METER.spend(len(items))
    for i, item in enumerate(items):
        if f.equal(item, value):
            return i
    raise EvalError("index(): the value is not in the list")


@fn("flatten")
def _flatten(values: Any) -> Any:
    """Nested lists flattened, walked with a stack: each element visited is a step."""
    out: list[Any] = []
    stack = [iter(_list(values))]
    while stack:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
        elif isinstance(item, Pending):
            return item  # the shape is unknown
        elif isinstance(item, list):
            METER.spend(len(item))
            stack.append(iter(item))
        else:
            out.append(item)
            if len(out) & 4095 == 0:
                METER.spend(4096, 4096)
    return out


_END = object()


@fn("lookup")
def _lookup(m: Any, key: Any, *default: Any) -> Any:
    mapping = _map(m)
    if isinstance(key, Pending):
        return key
    name = to_string(key)
    if name in mapping:
        return mapping[name]
    if default:
        return default[0]
    raise EvalError(f"lookup(): no key {name!r}")


@fn("merge")
def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in maps:
        if m is not None:
            out.update(_map(m))
    return out


@fn("coalesce", whole=True)
def _coalesce(*values: Any) -> Any:
    for value in _element_type(list(values)):
        if value is not None and value != "":
            return value
    raise EvalError("coalesce(): no non-null, non-empty argument")


@fn("range")
def _range(*args: Any) -> list[Any]:
    """At most 1,024 numbers: Terraform's own limit (its range() fails on the 1,025th)."""
    nums = [to_number(a) for a in args]
    if not 1 <= len(nums) <= 3:
        raise EvalError("range() takes one to three arguments")
    start, stop = (0, nums[0]) if len(nums) == 1 else (nums[0], nums[1])
    step = nums[2] if len(nums) > 2 else (1 if start <= stop else -1)  # counts down when start > limit
    if step == 0:
        raise EvalError("range(): the step must not be zero")
    out: list[Any] = []
    value = start
    while (value < stop) if step > 0 else (value > stop):
        if len(out) == 1024:
            raise EvalError("range(): more than 1024 values were generated")
        out.append(value)
        value += step
    return out


@fn("slice")
def _slice(values: Any, start: Any, end: Any) -> list[Any]:
    items = _list(values)
    lo, hi = _int(start), _int(end)
    if not 0 <= lo <= hi <= len(items):
        raise EvalError(f"slice(): indexes {lo}, {hi} out of range for a list of {len(items)}")
    return items[lo:hi]


@fn("zipmap", whole=True)
def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    if len(_list(keys)) != len(_list(values)):
        raise EvalError("zipmap(): the lists have different lengths")
    return {to_string(k): v for k, v in zip(keys, values, strict=True)}


@fn("matchkeys", whole=True)
def _matchkeys(values: Any, keys: Any, search: Any) -> list[Any]:
    wanted = f.members(_list(search))
    return [v for v, k in zip(_list(values), _list(keys), strict=True) if wanted(k)]


def _transpose(m: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, values in sorted(m.items()):
        for value in _list(values):
            out.setdefault(to_string(value), []).append(key)
    return out


def _sets(sets: tuple[Any, ...]) -> list[list[Any]]:
    """Set arguments with duplicates removed and their elements brought to one type across all of them."""
    lists = [_list(s, "a set") for s in sets]
    flat = _element_type([i for s in lists for i in s])
    out: list[list[Any]] = []
    at = 0
    for s in lists:
        out.append(f.unique(flat[at : at + len(s)]))
        at += len(s)
    return out


def _ordered(items: list[Any]) -> list[Any]:
    """A set as Terraform orders it: strings and numbers sorted."""
    if all(isinstance(v, str) for v in items) or all(is_number(v) for v in items):
        return sorted(items)
    return items


fn("setunion", whole=True)(lambda *sets: _ordered(f.unique([i for s in _sets(sets) for i in s])))


@fn("setintersection", whole=True)
def _setintersection(*sets: Any) -> list[Any]:
    first, *others = _sets(sets)
    tests = [f.members(s) for s in others]
    return _ordered([i for i in first if all(test(i) for test in tests)])


@fn("setsubtract", whole=True)
def _setsubtract(a: Any, b: Any) -> list[Any]:
    first, second = _sets((a, b))
    test = f.members(second)
    return _ordered([i for i in first if not test(i)])


@fn("setproduct", whole=True)
def _setproduct(*sets: Any) -> list[Any]:
    if len(sets) < 2:
        raise EvalError("setproduct() needs at least two sets")
    lists = [f.unique(_element_type(_list(s))) for s in sets]
    _charged(math.prod(len(s) for s in lists) * len(lists))
    out: list[list[Any]] = [[]]
    for s in lists:
        out = [prefix + [item] for prefix in out for item in s]
    return out


# --- type conversions -----------------------------------------------------------------------------
fn("tostring")(
    lambda v: None if v is None else to_string(v) if not isinstance(v, (list, dict)) else _fail("not a string")
)
fn("tonumber")(lambda v: None if v is None else to_number(v))
fn("tobool")(lambda v: None if v is None else to_bool(v))
fn("tolist")(lambda v: None if v is None else _element_type(_list(v, "a list, set or tuple")))
fn("toset")(lambda v: None if v is None else _toset(_list(v, "a list, set or tuple")))
fn("tomap")(lambda v: None if v is None else dict(zip(_map(v), _element_type(list(_map(v).values())), strict=True)))
fn("sensitive", "nonsensitive")(lambda v: v)
fn("type")(lambda v: _fail("type() is available only in terraform console"))
fn("list")(lambda *v: _fail("the list function was removed in Terraform v0.15: write tolist([...])"))
fn("map")(lambda *v: _fail("the map function was removed in Terraform v0.15: write tomap({...})"))


def _toset(values: list[Any]) -> Any:
    pending = first_pending(values)
    if pending is not None:
        return pending
    return _ordered(f.unique(_element_type(values)))
