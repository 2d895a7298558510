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

from . import __version__
from .engine import Bundle, PolicyEngine, RawFinding, evaluate_findings, get_engine, load_bundle
from .model import AddressSet, Inventory
from .reach import PathResult, Unbound
from .resources import resource_dir
from .topology import Topology

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


def _rule_json(rule: Any, point: Any) -> dict[str, Any]:
    peer = rule.peer
    return {"direction": rule.direction, "action": rule.action, "protocol": rule.protocol,
            "ports": [list(iv) for iv in rule.ports.intervals], "ports_text": str(rule.ports),
            "cidrs": peer.addresses.cidrs() if len(peer.addresses.intervals) <= 16 else peer.addresses.ranges(),
            "groups": list(peer.groups), "prefix_lists": list(peer.prefix_lists),
            "unresolved": list(peer.unresolved),
            "open_to_all_ipv4": peer.addresses.covers(ALL_V4),
            "open_to_all_ipv6": peer.addresses.covers(ALL_V6),
            "text": rule.describe(), "point": point.key, **rule.source.to_json()}


def build_input(results: list[PathResult], unbound: list[Unbound], inventory: Inventory, topology: Topology,
                requirements: list[Any]) -> dict[str, Any]:
    """The one document every policy sees (schema: schemas/input.schema.json)."""
    points = []
    for point in sorted(inventory.points.values(), key=lambda p: p.key):
        points.append({"kind": point.kind, "key": point.key, "name": point.name, **point.source.to_json(),
                       "rules": [_rule_json(r, point) for r in point.rules]})
    return {
        "tool": {"name": "palette-policy", "version": __version__},
        "profiles": topology.profiles,
        "requirements": [r.to_json() for r in requirements],
        "results": [r.to_json() for r in results],
        "unbound": [u.to_json() for u in unbound],
        "resources": {"enforcement_points": points},
        "topology": topology.to_json(),
    }


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
