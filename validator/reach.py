"""Reachability: for each requirement and each (source, destination) binding, a verdict with evidence.

A hop's request is the box (source addresses × destination addresses × required ports). Each layer on
the hop lets part of it through; what a layer blocks is attributed to it, with the rule that decided
(first-match layers) or the nearest rule that almost matched (allow-only layers). The verdict is
``reachable`` (all of it gets through), ``blocked`` (none), ``partial`` (some; the uncovered sources,
destinations and ports are named) or ``unknown`` (what is blocked depends on a value the configs do not
fix, such as a Terraform variable without a value). A path's verdict is the meet of its hops; a
requirement is met through a binding when any path carries it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from .flows import Box, project
from .graph import Hop, Layer, NetworkGraph
from .model import ALL_PORTS, AddressSet, PortSet, Rule, SourceRef, protocol_matches
from .requirements import Requirement
from .topology import Endpoint

VERDICT_ORDER = {"reachable": 0, "partial": 1, "unknown": 2, "blocked": 3}
EVERYWHERE = AddressSet.everything()
MAX_RULES_SHOWN = 5


@dataclass
class RuleEvidence:
    """A rule cited as evidence, with what it does."""

    source: SourceRef
    text: str
    point: str

    def to_json(self) -> dict[str, Any]:
        return {**self.source.to_json(), "rule": self.text, "point": self.point}


@dataclass
class LayerResult:
    layer: str
    kind: str
    points: list[dict[str, Any]]
    decision: str  # allow | partial | deny | unknown
    message: str
    allowed_by: list[RuleEvidence] = field(default_factory=list)
    blocked_by: list[RuleEvidence] = field(default_factory=list)
    near_misses: list[RuleEvidence] = field(default_factory=list)
    unknown_because: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"layer": self.layer, "kind": self.kind, "points": self.points, "decision": self.decision,
                "message": self.message, "allowed_by": [r.to_json() for r in self.allowed_by],
                "blocked_by": [r.to_json() for r in self.blocked_by],
                "near_misses": [r.to_json() for r in self.near_misses],
                "unknown_because": self.unknown_because}


@dataclass
class HopResult:
    source: str
    destination: str
    verdict: str
    layers: list[LayerResult]
    port: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "destination": self.destination, "verdict": self.verdict,
                "port": self.port, "layers": [layer.to_json() for layer in self.layers]}


@dataclass
class Uncovered:
    sources: AddressSet = field(default_factory=AddressSet)
    destinations: AddressSet = field(default_factory=AddressSet)
    ports: PortSet = field(default_factory=PortSet)

    def to_json(self) -> dict[str, Any]:
        return {"sources": self.sources.ranges(), "destinations": self.destinations.ranges(),
                "ports": str(self.ports) if self.ports else ""}


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

    def to_json(self) -> dict[str, Any]:
        req = self.requirement
        return {"requirement": req.id, "profile": req.profile, "required": req.required,
                "protocol": req.protocol, "ports": str(self.ports), "purpose": req.purpose,
                "source": self.source.name, "destination": self.destination.name,
                "source_role": req.source, "destination_role": req.destination,
                "cluster": self.source.cluster or self.destination.cluster,
                "verdict": self.verdict, "summary": self.summary, "uncovered": self.uncovered.to_json(),
                "hops": [h.to_json() for h in self.hops]}


def _rule_box(rule: Rule, direction: str, addresses: AddressSet) -> Box:
    if direction == "egress":
        return Box(EVERYWHERE, addresses, rule.ports)
    return Box(addresses, EVERYWHERE, rule.ports)


def _evidence(rule: Rule, point: str) -> RuleEvidence:
    return RuleEvidence(rule.source, rule.describe(), point)


def _point_json(layer: Layer) -> list[dict[str, Any]]:
    return [{"kind": p.kind, "key": p.key, "name": p.name, **p.source.to_json()} for p in layer.points]


def evaluate_layer(graph: NetworkGraph, layer: Layer, pending: list[Box], protocol: str
                   ) -> tuple[list[Box], LayerResult]:
    """Apply one allow-only layer (security groups) to the flows that reached it."""
    allowed: list[Box] = []
    allowed_by: list[RuleEvidence] = []
    maybe: list[tuple[Rule, Box, tuple[str, ...]]] = []
    near: list[RuleEvidence] = []
    remaining = list(pending)
    owner, candidates = _layer_rules(graph, layer)
    # perf: only the rules that can touch the request (protocol, ports, peer), in rule order; the
    # others neither allow a piece nor make it unknown, so skipping them changes nothing.
    for rule in _relevant(graph, layer, candidates, pending, protocol):
        addresses, unknown = graph.peer_addresses(rule)
        box = _rule_box(rule, layer.direction, addresses)
        if unknown:
            maybe.append((rule, _rule_box(rule, layer.direction, EVERYWHERE), unknown))
        if not remaining:
            continue
        hit = False
        next_remaining: list[Box] = []
        for piece in remaining:
            inter = piece.intersect(box)
            if inter.is_empty():
                next_remaining.append(piece)
                continue
            hit = True
            allowed.append(inter)
            next_remaining.extend(piece.subtract(box))
        remaining = next_remaining
        if hit:
            allowed_by.append(_evidence(rule, owner[id(rule)]))
    unknown_because: list[str] = []
    for point in layer.points:
        if point.unresolved:
            unknown_because.append(f"{point.name}: {'; '.join(point.unresolved)}")
    if remaining:
        for rule, box, reasons in maybe:
            if any(not piece.intersect(box).is_empty() for piece in remaining):
                unknown_because.extend(f"{rule.source.location()}: {r}" for r in reasons)
        near = _near_misses(graph, layer, candidates, remaining, protocol, owner)
    unknown_because = list(dict.fromkeys(unknown_because))
    names = ", ".join(p.name for p in layer.points)
    side = "to" if layer.direction == "egress" else "from"
    if not remaining:
        decision = "allow"
        message = f"{layer.direction} of {names} allows it"
    elif unknown_because:
        decision = "unknown"
        message = f"{layer.direction} of {names} may allow it, depending on values not fixed in the configs"
    elif allowed:
        decision = "partial"
        src, dst, ports = project(remaining)
        what = dst.ranges() if layer.direction == "egress" else src.ranges()
        message = (f"{layer.direction} of {names} allows only part of it: nothing for "
                   f"{protocol}/{ports} {side} {', '.join(what)}")
    else:
        decision = "deny"
        _, _, ports = project(remaining)
        message = f"{layer.direction} of {names} has no rule for {protocol}/{ports}"
    result = LayerResult(layer.name, layer.kind, _point_json(layer), decision, message,
                         allowed_by=allowed_by[:MAX_RULES_SHOWN], near_misses=near,
                         unknown_because=unknown_because)
    return allowed, result


_WIDE = 1 << 20  # peers spanning more addresses than this are checked against every request


@dataclass
class _RuleIndex:
    """The rules of one layer for one protocol and port set, indexed by peer address (perf, issue 7).

    ``wide`` rules (large or many-interval peers, unknown parts) are always candidates; the others'
    peer intervals are sorted by start, so a request finds the rules whose peers overlap it by
    bisection instead of intersecting every rule of the group (the management group has rules per
    workload cluster, so a scan would be quadratic in clusters).
    """

    rules: list[Rule]
    wide: list[int]
    starts: list[int]
    spans: list[tuple[int, int, int]]  # (lo, hi, rule position), sorted

    def lookup(self, peers: AddressSet) -> list[Rule]:
        hits = set(self.wide)
        for qlo, qhi in peers.intervals:
            i = bisect.bisect_left(self.starts, qlo - _WIDE)
            while i < len(self.spans) and self.spans[i][0] <= qhi:
                lo, hi, pos = self.spans[i]
                if hi >= qlo:
                    hits.add(pos)
                i += 1
        return [self.rules[i] for i in sorted(hits)]


def _layer_rules(graph: NetworkGraph, layer: Layer) -> tuple[dict[int, str], list[Rule]]:
    """Rule → owning point name, and the rules of the layer's direction; once per layer (perf: the
    management group's layer is met once per workload cluster)."""
    key = ("layer", tuple(p.key for p in layer.points), layer.direction)
    cached = graph.rule_index.get(key)
    if cached is None:
        owner = {id(r): p.name for p in layer.points for r in p.rules}
        candidates = [r for p in layer.points for r in p.rules if r.direction == layer.direction]
        cached = graph.rule_index[key] = (owner, candidates)
    return cached  # type: ignore[return-value]


def _relevant(graph: NetworkGraph, layer: Layer, candidates: list[Rule], pending: list[Box], protocol: str
              ) -> list[Rule]:
    if not pending:
        return [r for r in candidates if protocol_matches(r.protocol, protocol)]
    src, dst, ports = project(pending)
    key = (tuple(p.key for p in layer.points), layer.direction, protocol, ports)
    index = graph.rule_index.get(key)
    if not isinstance(index, _RuleIndex):
        rules = [r for r in candidates if protocol_matches(r.protocol, protocol) and r.ports.overlaps(ports)]
        wide: list[int] = []
        spans: list[tuple[int, int, int]] = []
        for pos, rule in enumerate(rules):
            addresses, unknown = graph.peer_addresses(rule)
            if unknown or len(addresses.intervals) > 8 or any(hi - lo >= _WIDE for lo, hi in addresses.intervals):
                wide.append(pos)
            else:
                spans.extend((lo, hi, pos) for lo, hi in addresses.intervals)
        spans.sort()
        index = _RuleIndex(rules, wide, [s[0] for s in spans], spans)
        graph.rule_index[key] = index
    return index.lookup(dst if layer.direction == "egress" else src)


def _near_misses(graph: NetworkGraph, layer: Layer, rules: list[Rule], remaining: list[Box], protocol: str,
                 owner: dict[int, str]) -> list[RuleEvidence]:
    """Rules that match all but one thing (the port, the peer or the protocol) of what was blocked."""
    _, _, ports = project(remaining)
    peers = project(remaining)[1] if layer.direction == "egress" else project(remaining)[0]
    scored: list[tuple[int, RuleEvidence]] = []
    for rule in rules:
        addresses, _ = graph.peer_addresses(rule)
        proto_ok = protocol_matches(rule.protocol, protocol)
        port_ok = rule.ports.overlaps(ports)
        peer_ok = addresses.overlaps(peers)
        score = proto_ok + port_ok + peer_ok
        if score >= 2:
            scored.append((-(2 * port_ok + peer_ok + proto_ok), _evidence(rule, owner[id(rule)])))
    scored.sort(key=lambda item: (item[0], item[1].source))
    return [ev for _, ev in scored[:3]]


def evaluate_hop(graph: NetworkGraph, hop: Hop, protocol: str, ports: PortSet) -> tuple[HopResult, list[Box], Box]:
    request = Box(hop.src.addresses, hop.dst.addresses, ports)
    pending = [request]
    results: list[LayerResult] = []
    verdicts: list[str] = []
    for layer in hop.layers:
        pending, result = evaluate_layer(graph, layer, pending, protocol)
        results.append(result)
        verdicts.append(result.decision)
    if not hop.layers:
        results.append(LayerResult("no enforcement point", "none", [], "allow",
                                   f"no security group or other control is declared between {hop.src.name} "
                                   f"and {hop.dst.name} in the scanned files"))
    verdict = _hop_verdict(request, pending, verdicts)
    return HopResult(hop.src.name, hop.dst.name, verdict, results, port=hop.port), pending, request


def _hop_verdict(request: Box, allowed: list[Box], decisions: list[str]) -> str:
    if "unknown" in decisions and not _covers(allowed, request):
        return "unknown"
    if not allowed:
        return "blocked"
    return "reachable" if _covers(allowed, request) else "partial"


def _covers(pieces: list[Box], request: Box) -> bool:
    remaining = [request]
    for piece in pieces:
        next_remaining: list[Box] = []
        for r in remaining:
            next_remaining.extend(r.subtract(piece))
        remaining = next_remaining
        if not remaining:
            return True
    return not remaining


def evaluate_binding(graph: NetworkGraph, req: Requirement, src: Endpoint, dst: Endpoint) -> PathResult:
    ports = PortSet.range(dst.port) if dst.port and req.destination == "workload-api" else req.ports
    best: PathResult | None = None
    for hops in graph.paths(src, dst):
        hop_results: list[HopResult] = []
        uncovered = Uncovered()
        for hop in hops:
            hop_ports = PortSet.range(hop.port) if hop.port else ports
            result, allowed, request = evaluate_hop(graph, hop, req.protocol, hop_ports)
            hop_results.append(result)
            if result.verdict != "reachable":
                rest = [request]
                for piece in allowed:
                    rest = [x for r in rest for x in r.subtract(piece)]
                s, d, p = project(rest)
                uncovered = Uncovered(uncovered.sources | s, uncovered.destinations | d, uncovered.ports | p)
        verdict = max((h.verdict for h in hop_results), key=VERDICT_ORDER.__getitem__, default="reachable")
        candidate = PathResult(req, src, dst, verdict, _summary(req, src, dst, verdict, hop_results, uncovered),
                               ports, hop_results, uncovered)
        if best is None or VERDICT_ORDER[candidate.verdict] < VERDICT_ORDER[best.verdict]:
            best = candidate
    assert best is not None
    return best


def _summary(req: Requirement, src: Endpoint, dst: Endpoint, verdict: str, hops: list[HopResult],
             uncovered: Uncovered) -> str:
    what = f"{req.protocol}/{req.ports} {src.name} -> {dst.name}"
    if verdict == "reachable":
        return f"{what}: reachable"
    failing = [layer for h in hops for layer in h.layers if layer.decision != "allow"]
    first = failing[0] if failing else None
    detail = first.message if first else ""
    if first and first.blocked_by:
        detail += f" ({first.blocked_by[0].source.location()})"
    elif first and first.points:
        point = first.points[0]
        detail += f" ({point['file']}:{point['line']})" if point.get("line") else f" ({point['file']})"
    if verdict == "partial":
        parts = []
        if uncovered.sources:
            parts.append(f"sources not covered: {', '.join(uncovered.sources.ranges())}")
        if uncovered.destinations and uncovered.destinations != dst.addresses:
            parts.append(f"destinations not covered: {', '.join(uncovered.destinations.ranges())}")
        detail += "; " + "; ".join(parts) if parts else ""
    if verdict == "unknown" and first:
        detail += "; " + "; ".join(first.unknown_because[:2])
    return f"{what}: {verdict} — {detail}"


@dataclass
class Unbound:
    """A requirement whose roles the topology does not bind (e.g. no vCenter declared)."""

    requirement: Requirement
    missing: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"requirement": self.requirement.id, "profile": self.requirement.profile,
                "required": self.requirement.required, "missing_roles": self.missing}


def evaluate_requirements(graph: NetworkGraph, requirements: list[Requirement]
                          ) -> tuple[list[PathResult], list[Unbound]]:
    results: list[PathResult] = []
    unbound: list[Unbound] = []
    topo = graph.topology
    for req in requirements:
        pairs = topo.bindings(req.source, req.destination)
        if not pairs:
            missing = [r for r in (req.source, req.destination) if not topo.role(r)]
            unbound.append(Unbound(req, missing or [req.source, req.destination]))
            continue
        for src, dst in pairs:
            results.append(evaluate_binding(graph, req, src, dst))
    return results, unbound


__all__ = ["ALL_PORTS", "PathResult", "Unbound", "evaluate_requirements", "evaluate_binding"]
