"""Which rules a Rego rule depends on, and the refusal of recursion at compile time, as OPA does.

OPA's compiler rejects a rule that depends on itself, directly or through other rules and functions
(``rego_recursion_error: rule data.x.f is recursive: data.x.f -> data.x.f``); regorus does not, and a
recursive function such as ``f(x) := f(x + 1)`` overflows its stack and kills the process. This module
reads the references of every rule from regorus's syntax tree (names of the same package, ``data.…``
paths, imports), leaves out the rule's own local variables, and finds cycles between rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from validator.model.errors import InputError

if TYPE_CHECKING:
    from validator.policy.engine.rego_ast import ModuleInfo


def _span_text(node: Any, raw: bytes) -> str | None:
    """The source text of a bare span (``{"line", "col", "start", "end"}``), as some names are given."""
    if isinstance(node, dict) and "start" in node and "end" in node and "value" not in node:
        return raw[int(node["start"]) : int(node["end"])].decode(errors="replace")
    return None


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _var_names(node: Any) -> set[str]:
    return {n["Var"]["value"] for n in _nodes(node) if isinstance(n.get("Var"), dict) and "value" in n["Var"]}


def _locals(rule: Any, raw: bytes) -> set[str]:
    """Names a rule binds itself: function arguments, ``:=`` targets, ``some`` and ``every`` variables."""
    names: set[str] = set()
    for node in _nodes(rule):
        if isinstance(node.get("Func"), dict):
            names |= _var_names(node["Func"].get("args", []))
        assign = node.get("AssignExpr")
        if isinstance(assign, dict) and assign.get("op") == "ColEq":
            names |= _var_names(assign.get("lhs"))
        some_in = node.get("SomeIn")
        if isinstance(some_in, dict):
            names |= _var_names([some_in.get("key"), some_in.get("value")])
        for key, fields in (("SomeVars", ("vars",)), ("Every", ("key", "value"))):
            part = node.get(key)
            if isinstance(part, dict):
                for field in fields:
                    value = part.get(field)
                    for item in value if isinstance(value, list) else [value]:
                        text = _span_text(item, raw)
                        if text:
                            names.add(text)
    return names


def _references(node: Any, out: set[str]) -> None:
    """Dotted names (``a``, ``data.x.y``, ``alias.y``) referenced anywhere in ``node``."""
    from validator.policy.engine.rego_ast import ref_name

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        if len(item) == 1:
            kind, body = next(iter(item.items()))
            if kind == "Var" and isinstance(body, dict):
                out.add(str(body.get("value")))
                continue
            if kind in ("RefDot", "RefBrack") and isinstance(body, dict):
                name = ref_name(item)
                if name is not None:
                    out.add(name)
                else:
                    stack.append(body.get("refr"))
                if kind == "RefBrack":
                    stack.append(body.get("index"))
                continue
        stack.extend(item.values())


def rule_references(tree: dict[str, Any], raw: bytes) -> tuple[dict[str, str], dict[str, set[str]]]:
    """The module's import aliases (alias → data path) and, per rule name, what its heads and bodies refer to."""
    from validator.policy.engine.rego_ast import _head_root, ref_name

    imports: dict[str, str] = {}
    for item in tree.get("imports", []):
        path = ref_name(item.get("refr")) or ""
        if not path.startswith("data."):
            continue
        alias = _span_text(item.get("as"), raw) or path.rsplit(".", 1)[-1]
        imports[alias] = path
    deps: dict[str, set[str]] = {}
    for rule in tree.get("rules", []):
        kind, body = next(iter(rule.items()))
        if not isinstance(body, dict):
            continue
        if kind == "Default":
            name, parts = _head_root(body.get("refr")), [body.get("value")]
        else:
            head_kind, head = next(iter((body.get("head") or {"": {}}).items()))
            name = _head_root(head.get("refr")) if isinstance(head, dict) else None
            parts = [
                [v for k, v in head.items() if k not in ("refr", "span")] if isinstance(head, dict) else [],
                body.get("bodies"),
            ]
            if isinstance(head, dict) and isinstance(head.get("refr"), dict) and head_kind:
                parts.append(_brackets(head["refr"]))  # p[x] := … : x may refer to rules
        if name is None:
            continue
        found: set[str] = set()
        _references(parts, found)
        local = _locals(rule, raw)
        deps.setdefault(name, set()).update(r for r in found if r.split(".", 1)[0] not in local)
    return imports, deps


def _brackets(refr: dict[str, Any]) -> list[Any]:
    return [n["RefBrack"].get("index") for n in _nodes(refr) if isinstance(n.get("RefBrack"), dict)]


def _resolve(name: str, info: ModuleInfo, rules: set[str]) -> list[str]:
    """The rule ids (``data.pkg.rule``) a dotted reference in ``info`` may mean."""
    parts = name.split(".")
    root = parts[0]
    if root == "data":
        full = parts
    elif root in info.imports:
        full = info.imports[root].split(".") + parts[1:]
    elif root in {r.name for r in info.rules}:
        full = ["data", *info.package.split("."), *parts]
    else:
        return []
    text = ".".join(full)
    return [r for r in rules if text == r or text.startswith(r + ".") or r.startswith(text + ".")]


def rule_graph(infos: list[ModuleInfo]) -> tuple[dict[str, set[str]], dict[str, tuple[str, int]]]:
    """Rule id (``data.pkg.rule``) → the rule ids it depends on; and where each rule is first defined."""
    where: dict[str, tuple[str, int]] = {}
    for info in infos:
        for rule in info.rules:
            where.setdefault(f"data.{info.package}.{rule.name}", (info.file, rule.line))
    edges: dict[str, set[str]] = {rule: set() for rule in where}
    for info in infos:
        for name, refs in info.deps.items():
            source = f"data.{info.package}.{name}"
            for ref in refs:
                edges[source].update(_resolve(ref, info, set(where)))
    return edges, where


def check_recursion(infos: list[ModuleInfo]) -> None:
    """Refuse a rule that depends on itself (OPA's ``rego_recursion_error``), located at its first definition."""
    edges, where = rule_graph(infos)
    cycle = _first_cycle(edges)
    if cycle:
        file, line = where[cycle[0]]
        raise InputError(
            f"rego_recursion_error: rule {cycle[0]} is recursive: {' -> '.join(cycle)}",
            file=file,
            line=line,
            hint="Rego rules and functions cannot call themselves; write the iteration with a comprehension",
        )


def _first_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the dependency graph (deterministic: nodes and edges in sorted order), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(edges):
        if state.get(start):
            continue
        path: list[str] = [start]
        stack: list[Iterator[str]] = [iter(sorted(edges[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(edges.get(nxt, ()))))
    return None
