"""Type constraints of ``variable`` blocks and Terraform's conversions to them.

A value given to a variable is converted to its type as Terraform does: ``"true"`` → true for a bool,
``"443"`` → 443 for a number, numbers and bools → strings in ``map(string)`` (so
``list(map(string))`` turns ``self = true`` into ``"true"``), a list's ``any`` elements unified to one
type (mixed primitives become strings), object attributes declared ``optional(type, default)`` filled in
when absent or null, undeclared attributes dropped.
"""

from __future__ import annotations

from typing import Any

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform import forms as f
from validator.ingest.loaders.terraform.values import (
    EvalError,
    LazyObject,
    Pending,
    is_number,
    to_bool,
    to_number,
    to_string,
    type_name,
)

# ("any",) ("string",) ("number",) ("bool",) ("list", T) ("set", T) ("map", T) ("tuple", [T…])
# ("object", {name: (T, optional, default expression or None)})
Type = tuple[Any, ...]
ANY: Type = ("any",)
_PRIMITIVES = {"string", "number", "bool", "any"}
_LEGACY = {"string": ("string",), "list": ("list", ANY), "map": ("map", ANY)}


def parse_type(node: x.Expr | None) -> Type:
    """A type expression (``list(map(string))``, ``object({a = optional(number, 1)})``) → Type."""
    if node is None:
        return ANY
    if isinstance(node, x.Traversal) and not node.steps and node.root in _PRIMITIVES:
        return (node.root,)
    if isinstance(node, x.Traversal) and not node.steps and node.root in ("list", "map"):
        return _LEGACY[node.root]  # Terraform's shorthand for list(any) / map(any), kept from before 0.12
    if isinstance(node, x.Literal) and isinstance(node.value, str) and node.value in _LEGACY:
        return _LEGACY[node.value]
    if isinstance(node, x.Call):
        name, args = node.name, node.args
        if name in ("list", "set", "map") and len(args) == 1:
            return (name, parse_type(args[0]))
        if name == "tuple" and len(args) == 1 and isinstance(args[0], x.Tuple):
            return ("tuple", [parse_type(a) for a in args[0].items])
        if name == "object" and len(args) == 1 and isinstance(args[0], x.Object):
            attrs: dict[str, tuple[Type, bool, x.Expr | None]] = {}
            for key, value in args[0].items:
                if not isinstance(key, x.Literal):
                    raise EvalError("an object type's attribute names must be names")
                if isinstance(value, x.Call) and value.name == "optional":
                    default = value.args[1] if len(value.args) > 1 else None
                    attrs[str(key.value)] = (parse_type(value.args[0]), True, default)
                else:
                    attrs[str(key.value)] = (parse_type(value), False, None)
            return ("object", attrs)
    raise EvalError("not a type Terraform knows")


def convert(value: Any, typ: Type, scope: x.Scope | None = None) -> Any:
    """``value`` converted to ``typ``; EvalError where Terraform would reject it."""
    kind = typ[0]
    if value is None or isinstance(value, Pending) or kind == "any":
        return value
    if kind == "string":
        if isinstance(value, (list, dict)):
            raise EvalError(f"a string is required, not a {type_name(value)}")
        return to_string(value)
    if kind == "number":
        if isinstance(value, bool):
            raise EvalError("a number is required, not a bool")
        return to_number(value)
    if kind == "bool":
        if is_number(value):
            raise EvalError("a bool is required, not a number")
        return to_bool(value)
    if kind in ("list", "set"):
        if not isinstance(value, list):
            raise EvalError(f"a {kind} is required, not a {type_name(value)}")
        items = [convert(v, typ[1], scope) for v in value]
        if typ[1] == ANY:
            items = unify(items)
        return _dedupe(items) if kind == "set" else items
    if kind == "map":
        if not isinstance(value, dict):
            raise EvalError(f"a map is required, not a {type_name(value)}")
        if isinstance(value, LazyObject):
            value = value.materialize()
        converted = {k: convert(v, typ[1], scope) for k, v in value.items()}
        if typ[1] == ANY:
            converted = dict(zip(converted, unify(list(converted.values())), strict=True))
        return converted
    if kind == "tuple":
        if not isinstance(value, list) or len(value) != len(typ[1]):
            raise EvalError(f"a tuple of {len(typ[1])} elements is required")
        return [convert(v, t, scope) for v, t in zip(value, typ[1], strict=True)]
    if kind == "object":
        return _object(value, typ[1], scope)
    raise EvalError(f"unknown type {kind}")


def _object(value: Any, attrs: dict[str, tuple[Type, bool, x.Expr | None]], scope: x.Scope | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EvalError(f"an object is required, not a {type_name(value)}")
    if isinstance(value, LazyObject):
        value = value.materialize()
    out: dict[str, Any] = {}
    for name, (typ, optional, default) in attrs.items():
        given = value.get(name)
        if given is None and optional and default is not None:
            given = default.ev(scope) if scope is not None else None
        elif name not in value and not optional:
            raise EvalError(f"attribute {name!r} is required")
        out[name] = convert(given, typ, scope)
    return out


def _dedupe(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not any(f.equal(item, seen) for seen in out):
            out.append(item)
    if all(isinstance(i, str) for i in out) or all(is_number(i) for i in out):
        return sorted(out)
    return out


def unify(items: list[Any]) -> list[Any]:
    """Elements of an ``any`` collection brought to one type: mixed primitives become strings."""
    kinds = {type_name(i) for i in items if i is not None and not isinstance(i, Pending)}
    if len(kinds) > 1 and kinds <= {"string", "number", "bool"}:
        return [to_string(i) if i is not None and not isinstance(i, Pending) else i for i in items]
    return items
