"""The policy stage: one input document in, conftest-style findings out, decided by Rego.

Python only builds the input (requirements, reachability results with evidence, normalized resources,
topology) and collects what the Rego rules ``deny``/``warn``/``violation`` produce. What is a problem,
how severe and what to do about it is in ``policies/`` (Rego and data), where users can add their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator import __version__
from validator.analysis.reach import PathResult, Unbound
from validator.ingest.loaders.squid import SquidConfig, ssl_bump_decision
from validator.ingest.resources import resource_dir
from validator.ingest.topology import Topology
from validator.model.sets import AddressSet, Inventory
from validator.policy.engine import Bundle, PolicyEngine, RawFinding, evaluate_findings, get_engine, load_bundle

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


def load_policies(dirs: list[Path], data_files: list[Path] | None = None) -> Bundle:
    """The shipped bundle plus the user's directories and data files (see ``engine.load_bundle``)."""
    shipped = resource_dir("policies")

    def display(path: Path) -> str:
        try:
            return f"policies/{path.resolve().relative_to(shipped.resolve()).as_posix()}"
        except ValueError:
            return str(path)

    return load_bundle([shipped, *dirs], data_files, include_tests=False, display=display)


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
        "resources": {"enforcement_points": points, "proxies": _proxies(inventory, topology),
                      "rules": "all" if all_rules else "read-by-shipped-policies"},
        "topology": topology.to_json(),
    }


def _proxies(inventory: Inventory, topology: Topology) -> list[dict[str, Any]]:
    """Each declared proxy with facts policies need: does it SSL-bump CONNECTs to Palette's hosts on 443?"""
    out = []
    clients = AddressSet()
    for endpoint in topology.role("workload"):
        clients = clients | endpoint.addresses
    palette: list[tuple[str | None, AddressSet]] = [
        (host, endpoint.addresses) for endpoint in topology.role("management") for host in endpoint.hosts]
    for proxy in topology.role("proxy"):
        path = proxy.extra.get("config")
        config = inventory.proxy_configs.get(path) if path else None
        entry: dict[str, Any] = {"name": proxy.name, "config": path, "kind": type(config).__name__ if config else None,
                                 "location": proxy.source.to_json(), "bumps": []}
        if isinstance(config, SquidConfig):
            for host, addresses in palette or [(None, AddressSet.everything())]:
                decision = ssl_bump_decision(config, clients or AddressSet.everything(), host, addresses, 443)
                rule = decision.parts[0].rule if decision.parts else None
                entry["bumps"].append({"host": host, "verdict": decision.verdict,
                                       "explanation": decision.explain(),
                                       "location": rule.to_json() if rule else {"file": path, "line": None}})
        out.append(entry)
    return out


def evaluate(engine: PolicyEngine, bundle: Bundle, input_doc: dict[str, Any],
             namespaces: list[str] | None = None) -> list[Finding]:
    """Run the bundle on the input; every deny/warn/violation becomes a Finding (violation counts as deny)."""
    engine.load(bundle.modules, bundle.data)
    findings = [_finding(raw) for raw in evaluate_findings(engine, bundle, input_doc, namespaces)]
    findings.sort(key=lambda f: (f.kind != "deny", f.id, f.requirement or "", json.dumps(f.binding, sort_keys=True),
                                 f.message))
    return findings


_STRUCTURED = ("requirement", "binding", "controls")


def _finding(raw: RawFinding) -> Finding:
    kind = "deny" if raw.kind == "violation" else raw.kind
    meta = dict(raw.metadata)
    fallback_id = raw.package.replace(".", "-").upper() or "USER"
    return Finding(kind=kind, id=raw.id or fallback_id,
                   severity=raw.severity or ("high" if kind == "deny" else "medium"),
                   title=raw.title or raw.msg, message=raw.msg, package=raw.package,
                   requirement=meta.pop("requirement", None), binding=meta.pop("binding", None),
                   locations=[loc if isinstance(loc, dict) else {"file": str(loc)} for loc in raw.locations],
                   remediation=raw.remediation or "", controls=list(meta.pop("controls", None) or []), extra=meta)


def default_engine(name: str = "embedded", **options: Any) -> PolicyEngine:
    return get_engine(name, **options)
