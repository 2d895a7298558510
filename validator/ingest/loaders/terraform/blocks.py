"""Counted and repeated blocks: the keys ``for_each`` gives, and ``dynamic`` blocks expanded into the blocks
they generate (nested ones too), each with the scope its ``content`` is evaluated in."""

from __future__ import annotations

from typing import Any

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform.parser import Block, Body
from validator.ingest.loaders.terraform.values import EvalError, Pending, sorted_items, to_string


def each_pairs(value: Any) -> list[tuple[Any, Any]] | Pending:
    if isinstance(value, Pending):
        return value
    if isinstance(value, dict):
        return sorted_items(value)
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Pending):
                return item
        keys = sorted({to_string(item) for item in value})
        return [(k, k) for k in keys]
    if value is None:
        raise EvalError("for_each is null")
    raise EvalError("for_each must be a map or a set of strings")


def block_bodies(body: Body, block_type: str, scope: x.Scope) -> list[tuple[Block, Any, x.Scope, Pending | None]]:
    """The nested blocks of a type, ``dynamic`` blocks expanded: (block, dynamic key, scope, unknown)."""
    out: list[tuple[Block, Any, x.Scope, Pending | None]] = []
    for block in body.blocks:
        if block.type == block_type:
            out.append((block, None, scope, None))
        elif block.type == "dynamic" and block.labels == [block_type]:
            out.extend(_dynamic(block, scope))
    return out


def _dynamic(block: Block, scope: x.Scope) -> list[tuple[Block, Any, x.Scope, Pending | None]]:
    attrs = block.body.attributes
    content = next((b for b in block.body.blocks if b.type == "content"), None)
    if content is None or "for_each" not in attrs:
        return []
    iterator = block.labels[0]
    if "iterator" in attrs and isinstance(attrs["iterator"].expr, x.Traversal):
        iterator = attrs["iterator"].expr.root
    site = attrs["for_each"]
    try:
        pairs = _dynamic_pairs(site.expr.ev(scope.at(site)))
    except EvalError as exc:
        pairs = Pending(site.text(), f"the dynamic block's for_each cannot be evaluated: {exc}", site)
    view = Block(block.type, block.labels, content.body, block.file, block.start, block.fixed_line)
    if isinstance(pairs, Pending):
        unknown = depends_on(pairs, f"the for_each of dynamic {block.labels[0]!r}")
        return [(view, None, scope.bind(**{iterator: unknown}), unknown)]
    return [(view, k, scope.bind(**{iterator: {"key": k, "value": v}}), None) for k, v in pairs]


def _dynamic_pairs(value: Any) -> list[tuple[Any, Any]] | Pending:
    """A dynamic block iterates any collection: a list by index, a map by key, a set by value."""
    if isinstance(value, Pending):
        return value
    if isinstance(value, dict):
        return sorted_items(value)
    if isinstance(value, list):
        return list(enumerate(value))
    if value is None:
        raise EvalError("for_each is null")
    raise EvalError("for_each must be a collection")


def depends_on(pending: Pending, what: str) -> Pending:
    """An unknown that decides how many instances exist, said so."""
    return Pending(pending.expression, f"{what} depends on {pending.expression}, {pending.reason}", pending.site)
