"""HCL expressions as a tree that evaluates itself, with Terraform's rules for nulls and unknowns.

Every node keeps its source offsets, so an unknown can quote the text that made it unknown. Unknowns
(``Pending``) propagate through operators, templates and function calls as in Terraform: a result that
depends on an unknown is unknown, except where Terraform itself decides without it (``true || x``,
``false && x``, ``length`` of a list whose elements are unknown).
"""

from __future__ import annotations

from typing import Any

from validator.ingest.loaders.terraform.budget import METER, BudgetExceeded
from validator.ingest.loaders.terraform.values import (
    EvalError,
    LazyObject,
    Pending,
    is_number,
    number_text,
    to_number,
    to_string,
    type_name,
)

_MISSING = object()


class Scope:
    """What names mean where an expression is evaluated: the module instance, ``each``/``count`` and
    iterator variables (``vars``), and the attribute being evaluated (``site``: where an unknown is
    written, and the file text to quote it)."""

    __slots__ = ("module", "vars", "site")

    def __init__(self, module: Any, vars: dict[str, Any], site: Any = None) -> None:
        self.module, self.vars, self.site = module, vars, site

    def bind(self, **names: Any) -> Scope:
        return Scope(self.module, {**self.vars, **names}, self.site)

    def at(self, site: Any) -> Scope:
        """The same names, evaluating the attribute ``site`` (a parser ``Attribute``)."""
        return Scope(self.module, self.vars, site)

    def quote(self, node: Expr) -> str:
        return node.text(self.site.file.text) if self.site is not None else ""


class _NoNames:
    """The scope of constant expressions (tfvars files, ``--var`` values): no name refers to anything."""

    def lookup(self, node: Traversal, sc: Scope) -> tuple[Any, int]:
        raise EvalError(f"{node.dotted}: a variable value cannot refer to other values")


CONSTANTS = Scope(_NoNames(), {})


class Expr:
    __slots__ = ("start", "end")
    start: int
    end: int

    def ev(self, sc: Scope) -> Any:  # pragma: no cover - every node overrides it
        raise NotImplementedError

    def text(self, source: str) -> str:
        return source[self.start : self.end]


class Literal(Expr):
    __slots__ = ("value",)

    def __init__(self, value: Any, start: int, end: int) -> None:
        self.value, self.start, self.end = value, start, end

    def ev(self, sc: Scope) -> Any:
        return self.value


def get_attr(value: Any, name: str) -> Any:
    """``value.name`` (Terraform: objects and maps; unknowns stay unknown, one step longer)."""
    if isinstance(value, LazyObject):
        return value.attr(name)
    if isinstance(value, dict):
        if name in value:
            return value[name]
        raise EvalError(f"this object has no attribute {name!r}")
    if isinstance(value, Pending):
        return value.step(f".{name}")
    if value is None:
        raise EvalError(f"attempt to get attribute {name!r} from a null value")
    if isinstance(value, list) and name.isdigit():  # legacy ``list.0`` index syntax
        return index(value, int(name))
    raise EvalError(f"a {type_name(value)} has no attribute {name!r}")


def index(value: Any, key: Any) -> Any:
    """``value[key]``."""
    if isinstance(value, Pending):
        return value.step(f"[{key!r}]" if not isinstance(key, Pending) else "[?]")
    if isinstance(key, Pending):
        return key
    if isinstance(value, list):
        try:
            position = to_number(key)
        except EvalError:
            raise EvalError(f"a list index must be a number, not {key!r}") from None
        if not float(position).is_integer() or not 0 <= position < len(value):
            raise EvalError(f"index {number_text(position)} is out of range for a list of {len(value)}")
        return value[int(position)]
    if isinstance(value, dict):
        name = to_string(key)
        if isinstance(value, LazyObject):
            return value.attr(name)
        if name in value:
            return value[name]
        raise EvalError(f"this map has no element {name!r}")
    if value is None:
        raise EvalError("attempt to index a null value")
    raise EvalError(f"a {type_name(value)} cannot be indexed")


class Traversal(Expr):
    """``root.a["b"][0]``: a name and literal steps (``("attr", name)`` or ``("index", key)``)."""

    __slots__ = ("root", "steps")

    def __init__(self, root: str, steps: list[tuple[str, Any]], start: int, end: int) -> None:
        self.root, self.steps, self.start, self.end = root, steps, start, end

    @property
    def dotted(self) -> str:
        return render_traversal(self.root, self.steps)

    def ev(self, sc: Scope) -> Any:
        value = sc.vars.get(self.root, _MISSING)
        used = 0
        if value is _MISSING:
            value, used = sc.module.lookup(self, sc)
        for kind, key in self.steps[used:]:
            value = get_attr(value, key) if kind == "attr" else index(value, key)
        if isinstance(value, Pending) and used and value.offset is None and _quotes(self, value):
            value = Pending(value.expression, value.reason, sc.site, value.lookup, self.start)  # where it is written
        return value


def _quotes(node: Traversal, value: Pending) -> bool:
    """Whether an unknown's text is this reference (not a variable's or local's value from elsewhere)."""
    return node.root not in ("var", "local") and value.expression.startswith(node.root)


def render_traversal(root: str, steps: list[tuple[str, Any]]) -> str:
    out = [root]
    for kind, key in steps:
        if kind == "attr":
            out.append(f".{key}")
        elif isinstance(key, str):
            out.append(f'["{key}"]')
        elif isinstance(key, bool) or key is None:
            out.append("[true]" if key is True else "[false]" if key is False else "[null]")
        else:
            out.append(f"[{number_text(key) if is_number(key) else key}]")
    return "".join(out)


class GetAttr(Expr):
    __slots__ = ("source", "name")

    def __init__(self, source: Expr, name: str, start: int, end: int) -> None:
        self.source, self.name, self.start, self.end = source, name, start, end

    def ev(self, sc: Scope) -> Any:
        return get_attr(self.source.ev(sc), self.name)


class Index(Expr):
    __slots__ = ("source", "key")

    def __init__(self, source: Expr, key: Expr, start: int, end: int) -> None:
        self.source, self.key, self.start, self.end = source, key, start, end

    def ev(self, sc: Scope) -> Any:
        return index(self.source.ev(sc), self.key.ev(sc))


class SplatItem(Expr):
    """The element a splat's remaining steps apply to."""

    __slots__ = ()

    def __init__(self, start: int) -> None:
        self.start = self.end = start

    def ev(self, sc: Scope) -> Any:
        return sc.vars["\x00splat"]


class Splat(Expr):
    """``list[*].attr``: the steps after the splat, applied to each element (a non-list is one element)."""

    __slots__ = ("source", "each")

    def __init__(self, source: Expr, each: Expr, start: int, end: int) -> None:
        self.source, self.each, self.start, self.end = source, each, start, end

    def ev(self, sc: Scope) -> Any:
        value = self.source.ev(sc)
        if isinstance(value, Pending):
            return value.step("[*]")
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        try:
            METER.spend(len(items), len(items))
        except BudgetExceeded as exc:
            raise exc.at(sc.site, self.start) from None
        return [self.each.ev(sc.bind(**{"\x00splat": item})) for item in items]


class Tuple(Expr):
    __slots__ = ("items",)

    def __init__(self, items: list[Expr], start: int, end: int) -> None:
        self.items, self.start, self.end = items, start, end

    def ev(self, sc: Scope) -> Any:
        return [item.ev(sc) for item in self.items]


class Object(Expr):
    __slots__ = ("items",)

    def __init__(self, items: list[tuple[Expr, Expr]], start: int, end: int) -> None:
        self.items, self.start, self.end = items, start, end

    def ev(self, sc: Scope) -> Any:
        out: dict[str, Any] = {}
        for key_expr, value_expr in self.items:
            key = key_expr.ev(sc)
            if isinstance(key, Pending):
                return key
            out[to_string(key)] = value_expr.ev(sc)
        return out


class Call(Expr):
    __slots__ = ("name", "args", "expand")

    def __init__(self, name: str, args: list[Expr], expand: bool, start: int, end: int) -> None:
        self.name, self.args, self.expand, self.start, self.end = name, args, expand, start, end

    def ev(self, sc: Scope) -> Any:
        from validator.ingest.loaders.terraform.functions import call

        return call(self, sc)
