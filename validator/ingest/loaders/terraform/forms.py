"""The expression forms that combine values: templates and their directives, ``for`` expressions,
conditionals and operators — with Terraform's rules for unknowns (see ``expr``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from validator.ingest.loaders.terraform.budget import METER, BudgetExceeded
from validator.ingest.loaders.terraform.expr import Expr, Scope
from validator.ingest.loaders.terraform.values import (
    EvalError,
    LazyObject,
    Pending,
    is_number,
    sorted_items,
    to_bool,
    to_number,
    to_string,
    type_name,
)


class Template(Expr):
    """A string template; a lone ``"${x}"`` gives x's value unconverted, as in Terraform."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[Any], start: int, end: int) -> None:
        self.parts, self.start, self.end = parts, start, end

    def ev(self, sc: Scope) -> Any:
        parts = self.parts
        if len(parts) == 1 and isinstance(parts[0], Expr):
            return parts[0].ev(sc)
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = part.ev(sc)
            if isinstance(value, Pending):
                return value
            if value is None:
                raise EvalError("a template interpolates a null value")
            out.append(to_string(value))
        text = "".join(out)
        try:
            METER.spend(1, len(text))
        except BudgetExceeded as exc:
            raise exc.at(sc.site, self.start) from None
        return text


class TemplateJoin(Expr):
    """``%{ for }`` / ``%{ if }`` directives: parts already expanded into string or unknown."""

    __slots__ = ("kind", "names", "collection", "body", "otherwise")

    def __init__(self, kind: str, names: tuple[str, ...], collection: Expr, body: Template, otherwise: Template | None,
                 start: int, end: int) -> None:  # fmt: skip
        self.kind, self.names, self.collection, self.body, self.otherwise = kind, names, collection, body, otherwise
        self.start, self.end = start, end

    def ev(self, sc: Scope) -> Any:
        value = self.collection.ev(sc)
        if isinstance(value, Pending):
            return value
        if self.kind == "if":
            branch = self.body if to_bool(value) else self.otherwise
            return "" if branch is None else to_string(branch.ev(sc))
        out = []
        pairs = _iterate(value)
        charge(len(pairs), 0, sc, self)
        for key, item in pairs:
            bound = sc.bind(**dict(zip(self.names, (key, item) if len(self.names) == 2 else (item,), strict=True)))
            text = self.body.ev(bound)
            if isinstance(text, Pending):
                return text
            out.append(to_string(text))
        return "".join(out)


def charge(steps: int, size: int, sc: Scope, node: Expr) -> None:
    """Spend budget for an expression's work, located at the expression when it runs out."""
    try:
        METER.spend(steps, size)
    except BudgetExceeded as exc:
        raise exc.at(sc.site, node.start) from None


def _iterate(value: Any) -> list[tuple[Any, Any]]:
    if isinstance(value, dict):
        return sorted_items(value)
    if isinstance(value, list):
        return list(enumerate(value))
    if value is None:
        raise EvalError("cannot iterate over a null value")
    raise EvalError(f"cannot iterate over a {type_name(value)}")


class For(Expr):
    """``[for k, v in c : e if cond]`` and ``{for k, v in c : key => value... if cond}``."""

    __slots__ = ("key_var", "value_var", "collection", "key", "value", "cond", "group")

    def __init__(self, key_var: str | None, value_var: str, collection: Expr, key: Expr | None, value: Expr,
                 cond: Expr | None, group: bool, start: int, end: int) -> None:  # fmt: skip
        self.key_var, self.value_var, self.collection = key_var, value_var, collection
        self.key, self.value, self.cond, self.group = key, value, cond, group
        self.start, self.end = start, end

    def ev(self, sc: Scope) -> Any:
        coll = self.collection.ev(sc)
        if isinstance(coll, Pending):
            return coll
        items: list[Any] = []
        pairs: dict[str, Any] = {}
        elements = _iterate(coll)
        charge(len(elements), len(elements), sc, self)
        for k, v in elements:
            names = {self.value_var: v}
            if self.key_var is not None:
                names[self.key_var] = k
            inner = sc.bind(**names)
            if self.cond is not None:
                keep = self.cond.ev(inner)
                if isinstance(keep, Pending):
                    return keep
                if not to_bool(keep):
                    continue
            if self.key is None:
                items.append(self.value.ev(inner))
                continue
            key = self.key.ev(inner)
            if isinstance(key, Pending):
                return key
            key = to_string(key)
            if self.group:
                pairs.setdefault(key, []).append(self.value.ev(inner))
            elif key in pairs:
                raise EvalError(f"duplicate key {key!r} in a for expression (use ... to group)")
            else:
                pairs[key] = self.value.ev(inner)
        return items if self.key is None else pairs


class Conditional(Expr):
    __slots__ = ("cond", "yes", "no")

    def __init__(self, cond: Expr, yes: Expr, no: Expr, start: int, end: int) -> None:
        self.cond, self.yes, self.no, self.start, self.end = cond, yes, no, start, end

    def ev(self, sc: Scope) -> Any:
        cond = self.cond.ev(sc)
        if isinstance(cond, Pending):
            return cond
        if cond is None:
            raise EvalError("the condition is null")
        return self.yes.ev(sc) if to_bool(cond) else self.no.ev(sc)


class Unary(Expr):
    __slots__ = ("op", "operand")

    def __init__(self, op: str, operand: Expr, start: int, end: int) -> None:
        self.op, self.operand, self.start, self.end = op, operand, start, end

    def ev(self, sc: Scope) -> Any:
        value = self.operand.ev(sc)
        if isinstance(value, Pending):
            return value
        if self.op == "!":
            return not to_bool(value)
        return -to_number(value)


def equal(a: Any, b: Any) -> bool:
    """Terraform's ``==``: values of different types are never equal (``1 == "1"`` is false)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if is_number(a) and is_number(b):
        return bool(a == b)
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if isinstance(a, dict):
        a = a.materialize() if isinstance(a, LazyObject) else a
        b = b.materialize() if isinstance(b, LazyObject) else b
        METER.spend(len(a))
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        METER.spend(len(a))
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _key(value: Any) -> tuple[str, Any] | None:
    """A primitive's identity under ``equal`` (1 and 1.0 alike, true and 1 not); None for a collection."""
    if isinstance(value, bool):
        return ("bool", value)
    if is_number(value):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null", None)
    return None


def unique(values: list[Any]) -> list[Any]:
    """The values without repeats (``equal``), first occurrences in order: primitives by hash, so a set of
    100,000 strings is not compared pairwise."""
    METER.spend(len(values))
    out: list[Any] = []
    seen: set[tuple[str, Any]] = set()
    collections: list[Any] = []
    for item in values:
        key = _key(item)
        if key is not None:
            if key not in seen:
                seen.add(key)
                out.append(item)
        elif not any(equal(item, other) for other in collections):
            collections.append(item)
            out.append(item)
    return out


def member(value: Any, values: list[Any]) -> bool:
    """Whether ``values`` holds an element ``equal`` to ``value``."""
    return members(values)(value)


def members(values: list[Any]) -> Callable[[Any], bool]:
    """A test of membership in ``values`` under ``equal``, primitives by hash (for repeated tests)."""
    METER.spend(len(values))
    keys = {k for k in map(_key, values) if k is not None}
    collections = [v for v in values if _key(v) is None]

    def test(value: Any) -> bool:
        key = _key(value)
        return key in keys if key is not None else any(equal(value, item) for item in collections)

    return test


class Binary(Expr):
    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Expr, right: Expr, start: int, end: int) -> None:
        self.op, self.left, self.right, self.start, self.end = op, left, right, start, end

    def ev(self, sc: Scope) -> Any:
        op = self.op
        left = self.left.ev(sc)
        if op in ("&&", "||"):
            if not isinstance(left, Pending):
                left = to_bool(left)
                if left is (op == "||"):
                    return left  # decided without the right operand
            right = self.right.ev(sc)
            if isinstance(right, Pending):
                return right
            right = to_bool(right)
            if isinstance(left, Pending):
                return right if right is (op == "||") else left
            return right
        right = self.right.ev(sc)
        if isinstance(left, Pending):
            return left
        if isinstance(right, Pending):
            return right
        if op == "==":
            return equal(left, right)
        if op == "!=":
            return not equal(left, right)
        a, b = to_number(left), to_number(right)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                raise EvalError("division by zero")
            result = a / b
            return int(result) if result.is_integer() else result
        if op == "%":
            if b == 0:
                raise EvalError("modulo by zero")
            return a % b
        if op == "<":
            return a < b
        if op == ">":
            return a > b
        if op == "<=":
            return a <= b
        return a >= b
