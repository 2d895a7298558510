"""What the engine layer needs to know about a Rego module, read from regorus's parser.

Every backend gets the same checks from this one parse: the package, each rule (name, head kind and
line range, for naming the rule behind an evaluation error and for finding ``test_`` rules), and every
function call (for the sandbox check and for refusing builtins a backend lacks) with its location.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import regorus

from validator.model.errors import InputError
from validator.policy import parse_cache


@dataclass(frozen=True)
class RuleInfo:
    name: str  # first segment of the head reference ("deny", "test_x", "a" for ``a.b.c := 1``)
    head: str  # Compr (complete) | Set (partial set) | Func | Default
    line: int
    end_line: int


@dataclass(frozen=True)
class CallInfo:
    name: str  # dotted function reference, e.g. "net.cidr_merge"
    line: int
    column: int
    offset: int  # byte offset of the reference in the source
    end: int = -1  # byte offset just after the call's closing parenthesis
    args: tuple[tuple[int, int], ...] = ()  # byte spans of the arguments
    statement: bool = False  # the call is a whole body statement (``f(a, x)``)
    last_var: str | None = None  # the last argument, when it is a plain variable


@dataclass
class ModuleInfo:
    file: str
    package: str  # "palette.ports" (without "data.")
    rules: list[RuleInfo] = field(default_factory=list)
    calls: list[CallInfo] = field(default_factory=list)
    imports: dict[str, str] = field(default_factory=dict)  # alias → data path
    deps: dict[str, set[str]] = field(default_factory=dict)  # rule name → dotted names it refers to

    def rule_at(self, line: int) -> RuleInfo | None:
        """The rule whose text spans ``line`` (for naming the rule behind an evaluation error)."""
        for rule in self.rules:
            if rule.line <= line <= rule.end_line:
                return rule
        return None


def ref_name(node: Any) -> str | None:
    """``a.b.c`` for a Var/RefDot chain; None for anything else (brackets, calls...)."""
    if not isinstance(node, dict) or len(node) != 1:
        return None
    kind, body = next(iter(node.items()))
    if kind == "Var":
        return str(body["value"])
    if kind == "RefDot":
        base = ref_name(body["refr"])
        return None if base is None else f"{base}.{body['field'][1]}"
    if kind == "RefBrack":
        base = ref_name(body["refr"])
        index = body.get("index", {})
        if base is not None and isinstance(index, dict) and "String" in index:
            return f"{base}.{index['String']['value']}"
    return None


def _head_root(node: Any) -> str | None:
    if not isinstance(node, dict) or len(node) != 1:
        return None
    kind, body = next(iter(node.items()))
    if kind == "Var":
        return str(body["value"])
    if kind in ("RefDot", "RefBrack"):
        return _head_root(body["refr"])
    return None


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object of the tree, depth first in document order (a stack, not nested generators: linear)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(item.values()))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _line_of(source_bytes: bytes, offset: int) -> int:
    return source_bytes.count(b"\n", 0, offset) + 1


MAX_NESTING = 12  # of [ ] and { }: regorus's parser takes about twice as long for each level more


def check_nesting(file: str, source: str) -> None:
    """Refuse, before any parser sees it, a module nesting ``[``/``{`` deeper than ``MAX_NESTING`` (outside
    strings and comments): regorus's parser is exponential in that depth (18 levels take half a minute)."""
    depth, line, i, n = 0, 1, 0, len(source)
    while i < n:
        c = source[i]
        if c == "\n":
            line += 1
        elif c == "#":
            end = source.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in '"`':
            end = i + 1
            while end < n and source[end] != c and not (c == '"' and source[end] == "\n"):
                end += 2 if c == '"' and source[end] == "\\" else 1
            line += source.count("\n", i, min(end, n))
            i = end + 1
            continue
        elif c in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise InputError(
                    f"brackets nested deeper than {MAX_NESTING} levels",
                    file=file,
                    line=line,
                    hint="the Rego parser slows down exponentially with nesting; flatten the value or the rule",
                )
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1


def parse_module(file: str, source: str) -> ModuleInfo:
    """Parse one module; InputError with file:line:column on a syntax error. Once per (file, text) and
    process (perf: the bundle check and each engine's load read the same modules; the info is read-only),
    and read back from the parse cache when it is on (``parse_cache``; the checks still run on it)."""
    key = (file, source)
    info = _PARSED.get(key)
    if info is None:
        info = parse_cache.recall(file, source, ModuleInfo)
        if info is None:
            info = _parse_module(file, source)
            parse_cache.remember(file, source, info)
        _PARSED[key] = info
    return info


_PARSED: dict[tuple[str, str], ModuleInfo] = {}


def _parse_module(file: str, source: str) -> ModuleInfo:
    from validator.policy.engine.regorus_engine import rego_error

    check_nesting(file, source)
    engine = regorus.Engine()
    try:
        engine.add_policy(file, source)
    except RuntimeError as exc:
        raise rego_error(exc, file) from None
    tree = json.loads(engine.get_ast_as_json())[0]["ast"]
    return module_info(file, source, tree)


def module_info(file: str, source: str, tree: dict[str, Any]) -> ModuleInfo:
    from validator.policy.engine.rego_deps import rule_references

    package = ref_name(tree["package"]["refr"]) or ""
    info = ModuleInfo(file=file, package=package)
    raw = source.encode()
    info.imports, info.deps = rule_references(tree, raw)
    for rule in tree.get("rules", []):
        kind, body = next(iter(rule.items()))
        span = body.get("span", {})
        if kind == "Default":
            head, name = "Default", _head_root(body.get("refr"))
        else:
            head_node = body.get("head", {})
            head = next(iter(head_node), "")
            name = _head_root(head_node.get(head, {}).get("refr"))
        if name is None or not span:
            continue
        info.rules.append(
            RuleInfo(name=name, head=head, line=int(span["line"]), end_line=_line_of(raw, int(span["end"])))
        )
    statements = {
        id(node["Expr"]["expr"]["Call"])
        for node in _walk(tree.get("rules", []))
        if isinstance(node.get("Expr"), dict)
        and isinstance(node["Expr"].get("expr"), dict)
        and isinstance(node["Expr"]["expr"].get("Call"), dict)
    }
    for node in _walk(tree.get("rules", [])):
        call = node.get("Call")
        if not isinstance(call, dict):
            continue
        fcn = call.get("fcn", {})
        name = ref_name(fcn)
        if name is None:
            continue
        start = int(next(iter(fcn.values())).get("span", {}).get("start", -1))
        if start < 0:
            continue
        line = _line_of(raw, start)
        column = len(raw[raw.rfind(b"\n", 0, start) + 1 : start].decode(errors="replace")) + 1
        params = call.get("params", [])
        spans = tuple(
            (int(p[k]["span"]["start"]), int(p[k]["span"]["end"]))
            for p in params
            for k in p
            if isinstance(p[k], dict) and "span" in p[k]
        )
        last = params[-1] if params else {}
        last_var = str(last["Var"]["value"]) if isinstance(last, dict) and "Var" in last else None
        info.calls.append(
            CallInfo(
                name=name,
                line=line,
                column=column,
                offset=start,
                end=int(call.get("span", {}).get("end", -1)),
                args=spans,
                statement=id(call) in statements,
                last_var=last_var,
            )
        )
    return info


def located(info: ModuleInfo, call: CallInfo, message: str, hint: str | None = None) -> InputError:
    return InputError(message, file=info.file, line=call.line, column=call.column, hint=hint)


def check_sandbox(infos: list[ModuleInfo]) -> None:
    """What every engine refuses before it runs a policy, each at its location: builtins that would reach
    the network or the host, builtins whose answer changes from run to run (reports and evidence must be
    reproducible), and recursion (``rego_recursion_error``, as OPA's compiler)."""
    from validator.policy.engine.extensions import NONDETERMINISTIC, SANDBOXED
    from validator.policy.engine.rego_deps import check_recursion

    for info in infos:
        for call in info.calls:
            if call.name in SANDBOXED:
                raise located(
                    info,
                    call,
                    f"{call.name} is not available: {SANDBOXED[call.name][1]} (palette-policy runs policies sandboxed)",
                    hint="put what the policy needs into the input or a --data file",
                )
            if call.name in NONDETERMINISTIC:
                raise located(
                    info,
                    call,
                    f"{call.name} is not available: {NONDETERMINISTIC[call.name]}, and palette-policy's reports "
                    "and evidence must be the same on every run",
                    hint="put the value the policy needs (a date, an id) into a --data file",
                )
    check_recursion(infos)


def check_supported(infos: list[ModuleInfo], missing: dict[str, str], engine: str) -> None:
    """Refuse, at load time, a policy calling a builtin this backend lacks (instead of silent undefined)."""
    for info in infos:
        for call in info.calls:
            if call.name in missing:
                raise located(
                    info,
                    call,
                    f"the {engine} engine cannot run this policy: {call.name} {missing[call.name]}",
                    hint="use --engine embedded (the default)",
                )
