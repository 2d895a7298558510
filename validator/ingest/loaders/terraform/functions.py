"""Terraform's built-in functions, as Terraform documents them, over plain values and ``Pending``.

A function whose result depends on an unknown argument returns that unknown; functions that read the
machine or the clock (``file``, ``timestamp``, ``uuid``…) return an unknown with that reason, since their
value is not in the repository. ``try`` and ``can`` evaluate their arguments themselves.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform import forms as f
from validator.ingest.loaders.terraform.cidr import cidrhost, cidrnetmask, cidrsubnet, cidrsubnets
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

Func = Callable[..., Any]
FUNCS: dict[str, Func] = {}
WHOLE: set[str] = set()  # functions that need every element known (they compare or print them)
NOT_IN_REPO = {
    "file": "reads a file",
    "filebase64": "reads a file",
    "fileexists": "reads the file system",
    "fileset": "reads the file system",
    "templatefile": "reads a file",
    "filemd5": "reads a file",
    "filesha1": "reads a file",
    "filesha256": "reads a file",
    "filesha512": "reads a file",
    "filebase64sha256": "reads a file",
    "filebase64sha512": "reads a file",
    "timestamp": "is the time of the run",
    "plantimestamp": "is the time of the run",
    "uuid": "is random",
    "bcrypt": "is random",
    "pathexpand": "depends on the user's home folder",
    "abspath": "depends on the current folder",
    "ephemeralasnull": "is ephemeral",
}


def fn(*names: str, whole: bool = False) -> Callable[[Func], Func]:
    def register(func: Func) -> Func:
        for name in names:
            FUNCS[name] = func
            if whole:
                WHOLE.add(name)
        return func

    return register


def call(node: x.Call, sc: x.Scope) -> Any:
    name = node.name
    if name == "try":
        for arg in node.args:
            try:
                return arg.ev(sc)
            except EvalError:
                continue
        raise EvalError("no argument of try() could be evaluated")
    if name == "can":
        try:
            value = node.args[0].ev(sc)
        except EvalError:
            return False
        return value if isinstance(value, Pending) else True
    args = [arg.ev(sc) for arg in node.args]
    if node.expand and args:
        last = args.pop()
        if isinstance(last, Pending):
            return last
        if not isinstance(last, list):
            raise EvalError(f"the expanded argument of {name}() must be a list")
        args.extend(last)
    if name in NOT_IN_REPO or "::" in name:
        why = NOT_IN_REPO.get(name, "is a provider-defined function")
        return Pending(sc.quote(node), f"{name}() {why}: its value is not in the repository", sc.site)
    func = FUNCS.get(name)
    if func is None:
        raise EvalError(f"function {name}() is not supported")
    for arg in args:
        found = first_pending(arg) if name in WHOLE else arg if isinstance(arg, Pending) else None
        if found is not None:
            return found
    try:
        return func(*args)
    except (TypeError, ValueError, KeyError, IndexError, re.error, ZeroDivisionError) as exc:
        raise EvalError(f"{name}(): {exc}") from None


def _list(value: Any, what: str = "a list") -> list[Any]:
    if isinstance(value, list):
        return value
    raise EvalError(f"expected {what}, found a {type_name(value)}")


def _fail(message: str) -> bool:
    raise EvalError(message)


def _map(value: Any) -> dict[str, Any]:
    if isinstance(value, LazyObject):
        return value.materialize()
    if isinstance(value, dict):
        return value
    raise EvalError(f"expected a map, found a {type_name(value)}")


# --- numbers -----------------------------------------------------------------------------------
fn("abs")(lambda n: abs(to_number(n)))
fn("ceil")(lambda n: math.ceil(to_number(n)))
fn("floor")(lambda n: math.floor(to_number(n)))
fn("log")(lambda n, b: math.log(to_number(n), to_number(b)))
fn("pow")(lambda a, b: to_number(a) ** to_number(b))
fn("signum")(lambda n: (to_number(n) > 0) - (to_number(n) < 0))
fn("max", whole=True)(lambda *ns: max(to_number(n) for n in ns))
fn("min", whole=True)(lambda *ns: min(to_number(n) for n in ns))
fn("sum", whole=True)(lambda ns: sum(to_number(n) for n in _list(ns)))
fn("parseint")(lambda s, base: int(to_string(s), int(to_number(base))))


# --- collections -------------------------------------------------------------------------------
fn("length")(lambda v: len(_map(v)) if isinstance(v, dict) else len(v if isinstance(v, (list, str)) else _list(v)))
fn("concat")(lambda *ls: [i for lst in ls for i in _list(lst)])
fn("reverse")(lambda v: list(reversed(_list(v))))
fn("keys")(lambda m: [k for k, _ in sorted_items(_map(m))])
fn("values")(lambda m: [v for _, v in sorted_items(_map(m))])
fn("one")(lambda v: None if not _list(v) else v[0] if len(v) == 1 else _fail("one() needs at most one element"))
fn("alltrue", whole=True)(lambda v: all(to_bool(i) for i in _list(v)))
fn("anytrue", whole=True)(lambda v: any(to_bool(i) for i in _list(v)))
fn("chunklist")(lambda v, n: [v[i : i + int(to_number(n))] for i in range(0, len(_list(v)), int(to_number(n)) or 1)])
fn("contains", whole=True)(lambda lst, v: any(f.equal(i, v) for i in _list(lst)))
fn("compact", whole=True)(lambda v: [i for i in _list(v) if i not in (None, "")])
fn("sort", whole=True)(lambda v: sorted(to_string(i) for i in _list(v)))
fn("coalescelist")(lambda *ls: next((lst for lst in ls if _list(lst)), []))
fn("transpose", whole=True)(lambda m: _transpose(_map(m)))


@fn("distinct", whole=True)
def _distinct(values: Any) -> list[Any]:
    out: list[Any] = []
    for item in _list(values):
        if not any(f.equal(item, seen) for seen in out):
            out.append(item)
    return out


@fn("element")
def _element(values: Any, position: Any) -> Any:
    items = _list(values)
    if not items:
        raise EvalError("element() of an empty list")
    if isinstance(position, Pending):
        return position
    return items[int(to_number(position)) % len(items)]


@fn("index", whole=True)
def _index(values: Any, value: Any) -> int:
    for i, item in enumerate(_list(values)):
        if f.equal(item, value):
            return i
    raise EvalError("index(): the value is not in the list")


@fn("flatten")
def _flatten(values: Any) -> Any:
    out: list[Any] = []
    for item in _list(values):
        if isinstance(item, Pending):
            return item  # the shape is unknown
        if isinstance(item, list):
            inner = _flatten(item)
            if isinstance(inner, Pending):
                return inner
            out.extend(inner)
        else:
            out.append(item)
    return out


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
        if m is None:
            continue
        out.update(_map(m))
    return out


@fn("coalesce")
def _coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, Pending):
            return value
        if value is not None and value != "":
            return value
    raise EvalError("coalesce(): no non-null, non-empty argument")


@fn("range")
def _range(*args: Any) -> list[Any]:
    nums = [to_number(a) for a in args]
    start, stop = (0, nums[0]) if len(nums) == 1 else (nums[0], nums[1])
    step = nums[2] if len(nums) > 2 else (1 if start <= stop else -1)  # counts down when start > limit
    if step == 0:
        raise EvalError("range(): the step must not be zero")
    out, value = [], start
    while (value < stop) if step > 0 else (value > stop):
        out.append(value)
        value += step
        if len(out) > 1024:
            raise EvalError("range(): more than 1024 elements")
    return out


@fn("slice")
def _slice(values: Any, start: Any, end: Any) -> list[Any]:
    items = _list(values)
    lo, hi = int(to_number(start)), int(to_number(end))
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
    return [v for v, k in zip(_list(values), _list(keys), strict=True) if any(f.equal(k, s) for s in _list(search))]


def _transpose(m: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, values in sorted(m.items()):
        for value in _list(values):
            out.setdefault(to_string(value), []).append(key)
    return out


def _set(values: Any) -> list[Any]:
    return _distinct(_list(values))


fn("setunion", whole=True)(lambda *ss: _set([i for s in ss for i in _list(s)]))
fn("setintersection", whole=True)(lambda a, *ss: [i for i in _set(a) if all(any(f.equal(i, j) for j in s) for s in ss)])
fn("setsubtract", whole=True)(lambda a, b: [i for i in _set(a) if not any(f.equal(i, j) for j in _list(b))])


@fn("setproduct", whole=True)
def _setproduct(*sets: Any) -> list[Any]:
    out: list[list[Any]] = [[]]
    for s in sets:
        out = [prefix + [item] for prefix in out for item in _list(s)]
    return out


# --- encodings, hashes, networks, types ---------------------------------------------------------
fn("base64encode")(lambda s: base64.b64encode(to_string(s).encode()).decode())
fn("base64decode")(lambda s: base64.b64decode(to_string(s)).decode())
fn("md5")(lambda s: hashlib.md5(to_string(s).encode()).hexdigest())  # noqa: S324 - Terraform's md5()
fn("sha1")(lambda s: hashlib.sha1(to_string(s).encode()).hexdigest())  # noqa: S324 - Terraform's sha1()
fn("sha256")(lambda s: hashlib.sha256(to_string(s).encode()).hexdigest())
fn("sha512")(lambda s: hashlib.sha512(to_string(s).encode()).hexdigest())
fn("jsonencode", whole=True)(lambda v: json.dumps(_plain(v), separators=(",", ":"), sort_keys=True))
fn("jsondecode")(lambda s: json.loads(to_string(s)))
fn("urlencode")(lambda s: re.sub(r"[^A-Za-z0-9_.~-]", lambda m: f"%{ord(m.group(0)):02X}", to_string(s)))
fn("cidrhost")(lambda p, n: cidrhost(to_string(p), int(to_number(n))))
fn("cidrnetmask")(lambda p: cidrnetmask(to_string(p)))
fn("cidrsubnet")(lambda p, bits, n: cidrsubnet(to_string(p), int(to_number(bits)), int(to_number(n))))
fn("cidrsubnets")(lambda p, *bits: cidrsubnets(to_string(p), [int(to_number(b)) for b in bits]))
fn("tostring")(
    lambda v: None if v is None else to_string(v) if not isinstance(v, (list, dict)) else _fail("not a string")
)
fn("tonumber")(lambda v: None if v is None else to_number(v))
fn("tobool")(lambda v: None if v is None else to_bool(v))
fn("tolist")(lambda v: _list(v) if not isinstance(v, dict) else _fail("a map cannot become a list"))
fn("toset")(lambda v: _toset(_list(v)))
fn("tomap")(lambda v: _map(v))
fn("sensitive", "nonsensitive")(lambda v: v)
fn("type")(lambda v: type_name(v))


def _toset(values: list[Any]) -> Any:
    pending = first_pending(values)
    if pending is not None:
        return pending
    unique = _distinct(values)
    if all(isinstance(v, str) for v in unique):
        return sorted(unique)
    if all(is_number(v) for v in unique):
        return sorted(unique)
    return unique


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in _map(value).items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@fn("yamldecode")
def _yamldecode(text: Any) -> Any:
    import yaml

    return yaml.safe_load(to_string(text))


@fn("csvdecode")
def _csvdecode(text: Any) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(to_string(text))))


from validator.ingest.loaders.terraform import strings as _strings  # noqa: E402  (registers the string functions)

__all__ = ["FUNCS", "call", "_strings"]
