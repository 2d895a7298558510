"""The policy stage: one input document in, conftest-style findings out, decided by Rego.

Python only builds the input (requirements, reachability results with evidence, normalized resources,
topology) and collects what the Rego rules ``deny``/``warn``/``violation`` produce. What is a problem,
how severe and what to do about it is in ``policies/`` (Rego and data), where users can add their own.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .discover import read_text
from .engine import PolicyEngine, get_engine
from .errors import InputError
from .loaders.documents import load_document
from .model import AddressSet, Inventory
from .reach import PathResult, Unbound
from .resources import resource_dir
from .topology import Topology

RULE_KINDS = ("deny", "violation", "warn")
ALL_V4 = AddressSet.all_ipv4()
ALL_V6 = AddressSet.all_ipv6()


@dataclass
class Finding:
    """One policy result, flattened for every reporter."""

    kind: str  # deny | warn
    id: str
    severity: str
    title: str
    message: str
    package: str
    requirement: str | None = None
    binding: dict[str, str] | None = None
    locations: list[dict[str, Any]] = field(default_factory=list)
    remediation: str = ""
    controls: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = {"kind": self.kind, "id": self.id, "severity": self.severity, "title": self.title,
               "message": self.message, "package": self.package, "requirement": self.requirement,
               "binding": self.binding, "locations": self.locations, "remediation": self.remediation,
               "controls": self.controls}
        out.update(self.extra)
        return out


@dataclass
class PolicyBundle:
    modules: dict[str, str]
    data: dict[str, Any]
    digest: str
    files: list[str]
    user_modules: bool = False  # Rego from --policy directories (they may read every rule)


def _merge(into: dict[str, Any], new: dict[str, Any], where: str) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, where)
        else:
            into[key] = value


def load_bundle(dirs: list[Path], data_files: list[Path] | None = None) -> PolicyBundle:
    """Rego modules and data files of the policy directories, in a stable order, with a digest."""
    modules: dict[str, str] = {}
    data: dict[str, Any] = {}
    digest = hashlib.sha256()
    files: list[str] = []
    user_modules = False
    shipped = resource_dir("policies")
    for directory in dirs:
        if not directory.is_dir():
            raise InputError(f"policy directory {directory} does not exist")
        for path in sorted(directory.rglob("*")):
            if not path.is_file() or "profiles" in path.relative_to(directory).parts:
                continue
            name = f"policies/{path.relative_to(shipped).as_posix()}" if directory == shipped else str(path)
            if path.suffix == ".rego":
                text = read_text(path, name)
                if path.stem.endswith("_test"):
                    continue
                modules[name] = text
                user_modules = user_modules or directory != shipped
            elif path.suffix in (".yaml", ".yml", ".json"):
                text = read_text(path, name)
                doc = load_document(text, name)
                if not isinstance(doc, dict):
                    raise InputError("a policy data file must hold a mapping", file=name)
                _merge(data, json.loads(json.dumps(doc)), name)
            else:
                continue
            files.append(name)
            digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    for path in data_files or []:
        name = str(path)
        text = read_text(path, name)
        doc = load_document(text, name)
        if not isinstance(doc, dict):
            raise InputError("a data file must hold a mapping", file=name)
        _merge(data, json.loads(json.dumps(doc)), name)
        files.append(name)
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return PolicyBundle(modules, data, digest.hexdigest(), files, user_modules)


def _rule_json(rule: Any, point: Any, shared: dict[tuple[Any, ...], dict[str, Any]]) -> dict[str, Any]:
    # perf (issue 7): rules repeat the same protocol, ports and peer thousands of times; their part of
    # the document is built once and shared (``shared``, per build_input call). Read-only, like the
    # rest of the input document.
    peer = rule.peer
    key = (rule.direction, rule.action, rule.protocol, rule.ports, peer)
    common = shared.get(key)
    if common is None:
        common = shared[key] = {
            "direction": rule.direction, "action": rule.action, "protocol": rule.protocol,
            "ports": [list(iv) for iv in rule.ports.intervals], "ports_text": str(rule.ports),
            "cidrs": peer.addresses.cidrs() if len(peer.addresses.intervals) <= 16 else peer.addresses.ranges(),
            "groups": list(peer.groups), "prefix_lists": list(peer.prefix_lists),
            "unresolved": list(peer.unresolved),
            "open_to_all_ipv4": peer.addresses.covers(ALL_V4),
            "open_to_all_ipv6": peer.addresses.covers(ALL_V6),
            "text": rule.describe()}
    return {**common, "point": point.key, **rule.source.to_json()}


def _shipped_policies_read(rule: Any) -> bool:
    """The rules the shipped policies read from ``input.resources``: ingress allows open to the whole
    internet (policies/palette/exposure.rego). A shipped policy that reads other rules must widen this."""
    return (rule.direction == "ingress" and rule.action == "allow"
            and (rule.peer.addresses.covers(ALL_V4) or rule.peer.addresses.covers(ALL_V6)))


def build_input(results: list[PathResult], unbound: list[Unbound], inventory: Inventory, topology: Topology,
                requirements: list[Any], all_rules: bool = True) -> dict[str, Any]:
    """The one document every policy sees (schema: schemas/input.schema.json).

    ``all_rules=False`` (perf, issue 7: the policy engine holds its own copy of the input, ~3 KB per
    rule) keeps every enforcement point but only the rules the shipped policies read; the pipeline
    asks for every rule whenever user policies are loaded. ``resources.rules`` says which it is.
    """
    points = []
    shared: dict[tuple[Any, ...], dict[str, Any]] = {}
    for point in sorted(inventory.points.values(), key=lambda p: p.key):
        rules = point.rules if all_rules else [r for r in point.rules if _shipped_policies_read(r)]
        points.append({"kind": point.kind, "key": point.key, "name": point.name, **point.source.to_json(),
                       "rules": [_rule_json(r, point, shared) for r in rules]})
    return {
        "tool": {"name": "palette-policy", "version": __version__},
        "profiles": topology.profiles,
        "requirements": [r.to_json() for r in requirements],
        "results": [r.to_json() for r in results],
        "unbound": [u.to_json() for u in unbound],
        "resources": {"enforcement_points": points, "rules": "all" if all_rules else "read-by-shipped-policies"},
        "topology": topology.to_json(),
    }


def evaluate(engine: PolicyEngine, bundle: PolicyBundle, input_doc: dict[str, Any],
             namespaces: list[str] | None = None) -> list[Finding]:
    engine.load(bundle.modules, bundle.data)
    value = engine.evaluate("data", input_doc) or {}
    findings: list[Finding] = []
    for package, rules in _packages(value, []):
        if namespaces and not any(package == n or package.startswith(n + ".") for n in namespaces):
            continue
        for kind in RULE_KINDS:
            for item in _as_list(rules.get(kind)):
                findings.append(_finding(item, "deny" if kind == "violation" else kind, package))
    findings.sort(key=lambda f: (f.kind != "deny", f.id, f.requirement or "", json.dumps(f.binding, sort_keys=True),
                                 f.message))
    return findings


def _packages(value: Any, path: list[str]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    if not isinstance(value, dict):
        return out
    if any(k in value for k in RULE_KINDS):
        out.append((".".join(path), value))
    for key, child in value.items():
        if isinstance(child, dict) and key not in RULE_KINDS:
            out.extend(_packages(child, [*path, key]))
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _finding(item: Any, kind: str, package: str) -> Finding:
    if isinstance(item, str):
        return Finding(kind, package.replace(".", "-").upper() or "USER", "high" if kind == "deny" else "medium",
                       item, item, package)
    if not isinstance(item, dict) or "msg" not in item:
        raise InputError(f"policy {package}: a {kind} value must be a string or an object with 'msg'",
                         hint="return {\"msg\": \"...\", \"id\": \"...\"}")
    known = {"msg", "id", "severity", "title", "remediation", "locations", "requirement", "binding", "controls"}
    return Finding(kind=kind, id=str(item.get("id") or package.replace(".", "-").upper()),
                   severity=str(item.get("severity") or ("high" if kind == "deny" else "medium")),
                   title=str(item.get("title") or item["msg"]), message=str(item["msg"]), package=package,
                   requirement=item.get("requirement"), binding=item.get("binding"),
                   locations=list(item.get("locations") or []), remediation=str(item.get("remediation") or ""),
                   controls=list(item.get("controls") or []),
                   extra={k: v for k, v in item.items() if k not in known})


def default_engine(name: str = "embedded", **options: Any) -> PolicyEngine:
    return get_engine(name, **options)
