"""Terraform values as plain Python: None (null), bool, int/float, str, list, dict — plus ``Pending``.

``Pending`` is a value Terraform knows only when the plan is applied or read from the cloud (a data
source, a new resource's computed attribute, a variable nobody set). It is never confused with null: an
attribute that is absent or written ``null`` evaluates to ``None``; only a reference whose value the
configuration does not fix evaluates to ``Pending``, which keeps the expression text and where it is
written, for the report.

A new resource's ``id`` is known at plan time only as "the id of that resource": it evaluates to
``resource_id(address)``, a string no real id can equal, so string functions (join, split, distinct…)
treat it as Terraform treats the real id, and the loader maps it back to the resource.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from validator.ingest.loaders.terraform.budget import METER


class EvalError(Exception):
    """An expression Terraform would reject (``try`` and ``can`` catch it)."""


class StaticError(EvalError):
    """An error Terraform reports before evaluating anything (a reference to something not declared, a cycle):
    ``try`` and ``can`` do not catch it."""


class NotEvaluated(Exception):
    """A function call palette-policy cannot evaluate faithfully (a regular expression feature Python's
    engine reads differently…): the call is unknown, never a value that may be wrong, and ``try`` / ``can``
    do not treat it as an error."""


class Pending:
    """A value not known until apply: ``expression`` is the text that refers to it, ``reason`` why."""

    __slots__ = ("expression", "reason", "site", "lookup", "offset")

    def __init__(
        self,
        expression: str,
        reason: str,
        site: Any = None,
        lookup: dict[str, Any] | None = None,
        offset: int | None = None,
    ) -> None:
        self.expression = expression
        self.reason = reason
        self.site = site  # the parser Attribute whose expression refers to it (file and line)
        self.offset = offset  # where in the site's file the referring text starts, when known
        # a data source's known arguments (``{"type": …, "args": {…}}``): lets the loader find the
        # declared resource it looks up, when the repository declares it
        self.lookup = lookup

    def step(self, text: str) -> Pending:
        """The same unknown, one traversal step further (``module.vpc`` → ``module.vpc.vpc_id``)."""
        return Pending(self.expression + text, self.reason, self.site, self.lookup, self.offset)

    def line(self) -> int | None:
        """The line the referring text is on (the site's first line when the offset is not known)."""
        return site_line(self.site, self.offset)

    def __repr__(self) -> str:
        return f"Pending({self.expression!r}: {self.reason})"


class NotRead(Pending):
    """A module whose source folder was not read (missing, or none of its files admitted by the scan)."""

    __slots__ = ()


def site_line(site: Any, offset: int | None = None) -> int | None:
    """The line of ``offset`` in the file of ``site`` (a parser Attribute or Block); its first line when the
    offset is not known."""
    if site is None:
        return None
    lexer = getattr(site.file, "lexer", None)
    if offset is not None and lexer is not None and not site.fixed_line:
        return int(lexer.line_of(offset))
    return int(site.line)


# computed attributes a plan knows as "that resource's …": the loader maps them back to the resource
REFERENCE_ATTRIBUTES = ("id", "default_network_acl_id", "default_security_group_id")


def resource_id(address: str, attribute: str = "id") -> str:
    """The plan-time stand-in for a new resource's id (see the module docstring)."""
    return f"${{{address}.{attribute}}}"


def id_address(value: object, attribute: str = "id") -> str | None:
    """The address behind ``resource_id(address, attribute)``, else None."""
    suffix = f".{attribute}}}"
    if isinstance(value, str) and value.startswith("${") and value.endswith(suffix):
        return value[2 : -len(suffix)]
    return None


class LazyObject(dict[str, Any]):
    """A resource or module instance seen as an object: attributes are evaluated when first read.

    Reading one attribute must not evaluate the others (``aws_security_group.a.id`` must not need the
    group's rules, which may refer back to ``a``). Iterating it (``merge(aws_x.y, …)``) evaluates all.
    """

    def __init__(self, names: list[str], get: Callable[[str], Any], missing: Callable[[str], Any]) -> None:
        super().__init__()
        self._names, self._get, self._missing = names, get, missing

    def attr(self, name: str) -> Any:
        if name in self:
            return dict.__getitem__(self, name)
        value = self._get(name) if name in self._names else self._missing(name)
        dict.__setitem__(self, name, value)
        return value

    def __getitem__(self, name: str) -> Any:
        return self.attr(name)

    def materialize(self) -> dict[str, Any]:
        return {n: self.attr(n) for n in self._names}


class RawText:
    """A variable's value given as text (``TF_VAR_name``, ``--var name=value``): Terraform reads it as a
    string for a primitive type and as an HCL expression for a complex one, so it is parsed only once the
    variable's type is known."""

    __slots__ = ("text", "origin")

    def __init__(self, text: str, origin: str) -> None:
        self.text, self.origin = text, origin

    def parse(self, typ: tuple[Any, ...]) -> Any:
        if typ[0] in ("string", "number", "bool", "any"):
            return self.text
        from validator.ingest.loaders.terraform.expr import CONSTANTS
        from validator.ingest.loaders.terraform.parser import parse_expression

        node, _ = parse_expression(self.text, self.origin)
        return node.ev(CONSTANTS)


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number_text(value: int | float) -> str:
    """A number as Terraform prints it: integers without a fraction."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def to_string(value: Any) -> Any:
    """A primitive converted to string (Terraform's automatic conversion); Pending stays Pending."""
    if isinstance(value, (str, Pending)):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return number_text(value)
    if value is None:
        raise EvalError("a null value cannot be used as a string here")
    raise EvalError(f"a {type_name(value)} cannot be converted to a string")


def to_number(value: Any) -> Any:
    if is_number(value) or isinstance(value, Pending):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise EvalError(f"{value!r} is not a number") from None
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    raise EvalError(f"a {type_name(value)} cannot be converted to a number")


def to_bool(value: Any) -> Any:
    if isinstance(value, (bool, Pending)):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    raise EvalError(f"{value!r} is not a bool")


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "unknown value"


def first_pending(value: Any) -> Pending | None:
    """The first unknown anywhere inside a value (None when the value is wholly known); each element walked
    is a step of the budget (a value shared 2**30 times is not walked 2**30 times)."""
    if isinstance(value, Pending):
        return value
    if not isinstance(value, (list, dict)):
        return None
    stack, walked = [value], 0
    while stack:
        item = stack.pop()
        if isinstance(item, Pending):
            METER.spend(walked)
            return item
        if isinstance(item, (list, dict)):
            items = item if isinstance(item, list) else (item.materialize() if isinstance(item, LazyObject) else item)
            children = items if isinstance(items, list) else list(items.values())
            walked += len(children)
            if walked > 4096:
                METER.spend(walked)
                walked = 0
            stack.extend(reversed(children))
    METER.spend(walked)
    return None


def sorted_items(value: dict[str, Any]) -> list[tuple[str, Any]]:
    """A map's elements in Terraform's order: lexical by key."""
    if isinstance(value, LazyObject):
        value = value.materialize()
    return sorted(value.items())
