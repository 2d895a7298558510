"""Results as data: per requirement and binding a verdict, its hops, each layer's decision and the evidence.

``analysis/reach.py`` produces them; the policy input (``policy/input_doc.py``) and every reporter read them.
A verdict is ``reachable``, ``partial``, ``unknown`` or ``blocked`` (``VERDICT_ORDER``, best first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from validator.model.requirements import Requirement
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet, PortSet
from validator.model.topology import Endpoint

VERDICT_ORDER = {"reachable": 0, "partial": 1, "unknown": 2, "blocked": 3}


@dataclass
class RuleEvidence:
    """A rule cited as evidence, with what it does."""

    source: SourceRef
    text: str
    point: str

    def to_json(self) -> dict[str, Any]:
        return {**self.source.to_json(), "rule": self.text, "point": self.point}


@dataclass
class Uncovered:
    sources: AddressSet = field(default_factory=AddressSet)
    destinations: AddressSet = field(default_factory=AddressSet)
    ports: PortSet = field(default_factory=PortSet)

    def to_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources.ranges(),
            "destinations": self.destinations.ranges(),
            "ports": str(self.ports) if self.ports else "",
        }


@dataclass
class LayerResult:
    """One layer's decision on the whole request of its hop, judged on its own (never on what an earlier layer
    let through), with its evidence: ``allowed_by`` the allowing rules or the documented default that allows
    (a layer never allows without one), ``blocked_by`` the blocking rules or implicit defaults, ``near_misses``
    rules that almost matched, ``unknown_because`` the unresolved values (expression, file:line), and
    ``not_covered`` what of the request it does not definitely let through. ``default`` names the semantics
    rule of a layer no scanned file declares (the VPC's default network ACL, N1)."""

    layer: str
    kind: str
    points: list[dict[str, Any]]
    decision: str  # allow | partial | deny | unknown
    message: str
    allowed_by: list[RuleEvidence] = field(default_factory=list)
    blocked_by: list[RuleEvidence] = field(default_factory=list)
    near_misses: list[RuleEvidence] = field(default_factory=list)
    unknown_because: list[str] = field(default_factory=list)
    not_covered: Uncovered = field(default_factory=Uncovered)
    default: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "kind": self.kind,
            "points": self.points,
            "decision": self.decision,
            "message": self.message,
            "allowed_by": [r.to_json() for r in self.allowed_by],
            "blocked_by": [r.to_json() for r in self.blocked_by],
            "near_misses": [r.to_json() for r in self.near_misses],
            "unknown_because": self.unknown_because,
            "not_covered": self.not_covered.to_json(),
            "default": self.default,
        }

    def locations(self) -> list[dict[str, Any]]:
        """Where to look: the deciding rules, else the enforcement points of the layer."""
        if self.blocked_by:
            return [
                {"file": b.source.file, "line": b.source.line, "resource": b.source.resource} for b in self.blocked_by
            ]
        return [{"file": p["file"], "line": p.get("line"), "resource": p["key"]} for p in self.points]


@dataclass
class HopResult:
    """A hop's verdict: the meet of its layers (``reverse`` layers judged on the replies). ``route`` numbers
    the path the hop belongs to (a flow the proxy settings split takes several), ``port`` is the proxy's
    port on the way to a proxy, ``ports`` the destination ports judged on this hop."""

    source: str
    destination: str
    verdict: str
    layers: list[LayerResult]
    port: int | None = None
    note: str = ""
    ports: str = ""
    route: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "destination": self.destination,
            "verdict": self.verdict,
            "route": self.route,
            "port": self.port,
            "ports": self.ports,
            "note": self.note,
            "layers": [layer.to_json() for layer in self.layers],
        }


@dataclass
class PathResult:
    requirement: Requirement
    source: Endpoint
    destination: Endpoint
    verdict: str
    summary: str
    ports: PortSet
    hops: list[HopResult]
    uncovered: Uncovered

    @property
    def binding(self) -> str:
        return f"{self.source.name} -> {self.destination.name}"

    @property
    def enforced(self) -> bool:
        """Whether the route crosses an enforcement point (a layer the scanned files or the topology declare)."""
        return any(not layer.default for hop in self.hops for layer in hop.layers)

    def blocking(self) -> list[dict[str, Any]]:
        """Every layer that keeps the path from being reachable (deny, partial or unknown), in route order."""
        return [
            {
                "route": hop.route,
                "hop": number,
                "layer": layer.layer,
                "kind": layer.kind,
                "decision": layer.decision,
                "message": layer.message,
                "locations": layer.locations(),
            }
            for number, hop in enumerate(self.hops, start=1)
            for layer in hop.layers
            if layer.decision != "allow"
        ]

    def to_json(self) -> dict[str, Any]:
        req = self.requirement
        return {
            "requirement": req.id,
            "profile": req.profile,
            "required": req.required,
            "protocol": req.protocol,
            "ports": str(self.ports),
            "purpose": req.purpose,
            "source": self.source.name,
            "destination": self.destination.name,
            "source_role": req.source,
            "destination_role": req.destination,
            "cluster": self.source.cluster or self.destination.cluster,
            "verdict": self.verdict,
            "summary": self.summary,
            "uncovered": self.uncovered.to_json(),
            "enforced": self.enforced,
            "blocking": self.blocking(),
            "hops": [h.to_json() for h in self.hops],
        }


@dataclass
class Unbound:
    """A requirement whose roles the topology does not bind (e.g. no vCenter declared)."""

    requirement: Requirement
    missing: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement.id,
            "profile": self.requirement.profile,
            "required": self.requirement.required,
            "missing_roles": self.missing,
        }


@dataclass
class ProxyFacts:
    """What the analysis derives about proxies for the policies (they never evaluate a proxy themselves).

    ``imds_direct``: per endpoint with proxy settings, whether the instance metadata service (169.254.169.254)
    bypasses the proxy for both http and https (Palette's docs require it; ``PP-NO-PROXY-IMDS``).
    ``proxies``: per declared proxy, its config and whether it SSL-bumps CONNECTs to Palette's hosts on 443
    (``PP-PROXY-SSL-BUMP``), as the input document's ``resources.proxies``.
    """

    imds_direct: dict[str, bool] = field(default_factory=dict)
    proxies: list[dict[str, Any]] = field(default_factory=list)
