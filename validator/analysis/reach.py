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

from validator.analysis.graph import Hop, Layer, NetworkGraph
from validator.analysis.ordered import OrderedRule, evaluate
from validator.ingest.profiles import Requirement
from validator.ingest.topology import Endpoint
from validator.model.flows import Box, covers, minus, project
from validator.model.sets import ALL_PORTS, AddressSet, PortSet, Rule, SourceRef, protocol_matches

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
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "destination": self.destination, "verdict": self.verdict,
                "port": self.port, "note": self.note, "layers": [layer.to_json() for layer in self.layers]}


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
    """The flows a rule matches: the peer is the destination on egress, the source on ingress; a forward
    (firewall) rule names both ends."""
    if rule.direction == "forward":
        return Box(rule.sources if rule.sources is not None else EVERYWHERE, addresses, rule.ports)
    if direction == "egress":
        return Box(EVERYWHERE, addresses, rule.ports)
    return Box(addresses, EVERYWHERE, rule.ports)


def _evidence(rule: Rule, point: str) -> RuleEvidence:
    return RuleEvidence(rule.source, rule.describe(), point)


def _point_json(layer: Layer) -> list[dict[str, Any]]:
    return [{"kind": p.kind, "key": p.key, "name": p.name, **p.source.to_json()} for p in layer.points]


def _scope_box(layer: Layer) -> Box | None:
    """Flows a scoped layer sees: from its addresses (egress) or to them (ingress)."""
    if layer.scope is None:
        return None
    if layer.direction == "egress":
        return Box(layer.scope, EVERYWHERE, ALL_PORTS)
    return Box(EVERYWHERE, layer.scope, ALL_PORTS)


def _compile(graph: NetworkGraph, layer: Layer, first_match: bool) -> list[tuple[OrderedRule, Rule]]:
    """A layer's rules as one ordered list for ``ordered.evaluate``.

    First-match layers keep their rule order; a rule with an unresolved part decides what it might match
    as "unknown". Allow-only layers (union, A1) list every definite allow first, then the rules that
    might allow as "unknown": a flow is unknown only when nothing definite allowed it.
    """
    rules = [r for p in layer.points for r in p.rules if r.direction in (layer.direction, "forward")]
    if first_match:
        rules.sort(key=lambda r: r.order or 0)
    definite: list[tuple[OrderedRule, Rule]] = []
    maybe: list[tuple[OrderedRule, Rule]] = []
    for rule in rules:
        addresses, unknown = graph.peer_addresses(rule)
        if unknown:
            box = _rule_box(rule, layer.direction, EVERYWHERE)
            entry = (OrderedRule("unknown", box.src, box.dst, rule.protocol, box.ports, rule.source), rule)
            (definite if first_match else maybe).append(entry)
        box = _rule_box(rule, layer.direction, addresses)
        if not box.is_empty() and (first_match is False or not unknown):
            definite.append((OrderedRule(rule.action, box.src, box.dst, rule.protocol, box.ports, rule.source),
                             rule))
    return definite + maybe


def evaluate_layer(graph: NetworkGraph, layer: Layer, pending: list[Box], protocol: str
                   ) -> tuple[list[Box], LayerResult]:
    """Apply one layer to the flows that reached it; returns what it lets through and why.

    Allow-only layers (security groups) pass what any rule matches (A1). First-match layers (network
    ACLs, firewalls) let the first matching rule decide, allow or deny, and the default action the rest
    (N2). Both run through ``ordered.evaluate``; a rule with an unresolved part decides "unknown".
    """
    if layer.kind == "proxy":
        return evaluate_proxy(graph, layer, pending)
    if layer.kind == "network-policy":
        return evaluate_network_policy(graph, layer, pending, protocol)
    passthrough: list[Box] = []
    scope = _scope_box(layer)
    if scope is not None:
        inside = [x for p in pending if not (x := p.intersect(scope)).is_empty()]
        passthrough = [x for p in pending for x in p.subtract(scope)]
        pending = inside
    first_match = layer.points[0].semantics == "first-match"
    default = layer.points[0].default_action if first_match else "deny"
    compiled = _relevant(graph, layer, first_match, pending, protocol) if pending else []
    ordered_rules = [c for c, _ in compiled]
    owner = {id(r): p.name for p in layer.points for r in p.rules}
    allowed: list[Box] = []
    denied: list[Box] = []
    allowed_by: dict[int, RuleEvidence] = {}
    blocked_by: dict[int, RuleEvidence] = {}
    unknown_because: list[str] = []
    for piece in pending:
        for decided in evaluate(ordered_rules, default, piece, protocol).decided:
            rule = compiled[decided.index][1] if decided.index is not None else None
            if decided.action == "allow":
                allowed.append(decided.box)
                if rule is not None:
                    allowed_by.setdefault(decided.index or 0, _evidence(rule, owner[id(rule)]))
                continue
            denied.append(decided.box)
            if decided.action == "unknown" and rule is not None:
                unknown_because.extend(f"{rule.source.location()}: {r}" for r in graph.peer_addresses(rule)[1])
            elif first_match and rule is not None:
                blocked_by.setdefault(decided.index or 0, _evidence(rule, owner[id(rule)]))
            elif first_match:
                point = layer.points[0]
                text = (f"default_action: {default} (no rule matched)" if layer.kind == "firewall"
                        else f"* (implicit final rule) {default} all")
                blocked_by.setdefault(-1, RuleEvidence(point.source, text, point.name))
    for point in layer.points:
        if point.unresolved and denied:
            unknown_because.append(f"{point.name}: {'; '.join(point.unresolved)}")
    unknown_because = list(dict.fromkeys(unknown_because))
    layer_rules = [r for p in layer.points for r in p.rules if r.direction in (layer.direction, "forward")]
    near = [] if first_match or not denied else _near_misses(graph, layer, layer_rules, denied, protocol, owner)
    names = ", ".join(p.name for p in layer.points)
    what = {"network-acl": "ACL of", "firewall": "firewall"}.get(layer.kind, f"{layer.direction} of")
    verb = layer.name if layer.reverse else f"{what} {names}"
    if not denied:
        decision, message = "allow", f"{verb} allows it"
    elif unknown_because:
        decision = "unknown"
        message = f"{verb} may allow it, depending on values not fixed in the configs"
    else:
        src, dst, ports = project(denied)
        side = describe_addresses(graph, dst if layer.direction == "egress" else src)
        preposition = "to" if layer.direction == "egress" else "from"
        if allowed:
            decision = "partial"
            message = f"{verb} allows only part of it: not {protocol}/{ports} {preposition} {side}"
        elif blocked_by and any(k >= 0 for k in blocked_by):
            decision = "deny"
            message = f"{verb} denies {protocol}/{ports} {preposition} {side}"
        else:
            decision = "deny"
            message = f"{verb} has no rule allowing {protocol}/{ports}"
    result = LayerResult(layer.name, layer.kind, _point_json(layer), decision, message,
                         allowed_by=[allowed_by[k] for k in sorted(allowed_by)][:MAX_RULES_SHOWN],
                         blocked_by=[blocked_by[k] for k in sorted(blocked_by, key=lambda k: (k < 0, k))][
                             :MAX_RULES_SHOWN],
                         near_misses=near, unknown_because=unknown_because)
    return allowed + passthrough, result


def evaluate_proxy(graph: NetworkGraph, layer: Layer, pending: list[Box]) -> tuple[list[Box], LayerResult]:
    """The proxy's access rules for the tunnelled request (CONNECT host:port), per client (S1–S4)."""
    ctx = layer.context
    hosts = ctx["hosts"]
    what = f"CONNECT {hosts[0] or describe_addresses(graph, ctx['dst'])}:{ctx['port']}"
    points = [{"kind": "proxy", "key": layer.endpoint.name, "name": layer.endpoint.name,
               **(layer.endpoint.source.to_json())}]
    if layer.proxy is None:
        result = LayerResult(layer.name, "proxy", points, "unknown",
                             f"proxy {layer.endpoint.name}: its access rules are not in the scanned files",
                             unknown_because=[f"no config for proxy {layer.endpoint.name} ({what} not checked)"])
        return [], result
    clients = AddressSet()
    for piece in pending:
        clients = clients | piece.src
    # every name the destination answers to must be allowed (dstdomain rules may treat them differently)
    decisions = [layer.proxy.decide(clients, host, ctx["dst"], ctx["port"], ctx["method"]) for host in hosts]
    allowed_clients = clients
    for decision in decisions:
        allowed_clients = allowed_clients & decision.allowed_clients
    worst = max((d.verdict for d in decisions), key=["allow", "partial", "unknown", "deny"].index)
    bad = [d for d in decisions if d.verdict == worst]
    if len(bad) < len(decisions) and bad[0].request.host:
        what = f"CONNECT {bad[0].request.host}:{ctx['port']}"
    allowed = [x for p in pending if not (x := p.intersect(Box(allowed_clients, EVERYWHERE))).is_empty()]
    allowed_by, blocked_by, unknown = [], [], []
    for part in (p for d in decisions for p in d.parts):
        ref = part.rule or SourceRef(layer.endpoint.extra.get("config", layer.endpoint.name))
        evidence = RuleEvidence(ref, part.explain(), layer.endpoint.name)
        if part.outcome == "allow":
            allowed_by.append(evidence)
        elif part.outcome == "deny":
            blocked_by.append(evidence)
        else:
            unknown.append(f"{ref.location()}: {part.explain()}")
    verdict = worst
    if verdict == "allow":
        message = f"proxy {layer.endpoint.name} allows {what}"
    elif verdict == "unknown":
        message = f"proxy {layer.endpoint.name} may allow {what}, depending on what a static check cannot know"
    elif verdict == "partial":
        denied = describe_addresses(graph, clients - allowed_clients)
        message = f"proxy {layer.endpoint.name} allows {what} only for some clients: not for {denied}"
    else:
        message = f"proxy {layer.endpoint.name} denies {what}"
    return allowed, LayerResult(layer.name, "proxy", points, verdict, message,
                                allowed_by=_unique(allowed_by)[:MAX_RULES_SHOWN],
                                blocked_by=_unique(blocked_by)[:MAX_RULES_SHOWN],
                                unknown_because=list(dict.fromkeys(unknown)))


def _unique(evidence: list[RuleEvidence]) -> list[RuleEvidence]:
    seen: set[tuple[SourceRef, str]] = set()
    out = []
    for item in evidence:
        if (item.source, item.text) not in seen:
            seen.add((item.source, item.text))
            out.append(item)
    return out


def evaluate_network_policy(graph: NetworkGraph, layer: Layer, pending: list[Box], protocol: str
                            ) -> tuple[list[Box], LayerResult]:
    """The cluster's NetworkPolicies for the pods that play the endpoint's role (K1–K13): egress of the agent
    pods towards the destination, or ingress of the serving pods from the source. Every such pod must be
    allowed; per pod, NetworkPolicies allow per peer address range and port set."""
    from validator.ingest.loaders.kubernetes import PROTOCOLS

    model, workloads = layer.context["model"], layer.context["workloads"]
    folder = layer.context["folder"]
    points = [{"kind": "network-policy", "key": folder, "name": f"NetworkPolicies in {folder}",
               "file": folder, "line": None}]
    k8s_protocol = protocol.upper()
    if k8s_protocol not in PROTOCOLS:
        return list(pending), LayerResult(layer.name, "network-policy", points, "allow",
                                          f"NetworkPolicies do not filter {protocol}")
    egress = layer.direction == "egress"
    peers = AddressSet()
    ports = PortSet()
    for piece in pending:
        peers = peers | (piece.dst if egress else piece.src)
        ports = ports | piece.ports
    allowed = list(pending)
    allowed_by: list[RuleEvidence] = []
    blocked_by: list[RuleEvidence] = []
    messages: list[str] = []
    for workload in workloads:
        decision = (model.check_flow(workload, peers, k8s_protocol, ports) if egress
                    else model.check_flow(peers, workload, k8s_protocol, ports))
        boxes = []
        for flow in decision.pieces:
            side = flow.egress if egress else flow.ingress
            addresses = (flow.dst_addresses if egress else flow.src_addresses) or peers
            if flow.allowed:
                boxes.append(Box(EVERYWHERE, addresses, flow.allowed) if egress
                             else Box(addresses, EVERYWHERE, flow.allowed))
            for rule in side.rules:
                allowed_by.append(RuleEvidence(rule.rule_source, f"{rule.policy} allows {protocol}/{rule.ports} "
                                               f"for {workload.display}", rule.policy))
            if not flow.allowed and side.isolated_by:
                for name, source in side.isolated_by:
                    blocked_by.append(RuleEvidence(source, f"{name} isolates {workload.display} "
                                                   f"({layer.direction}) and no rule allows {protocol}/{ports}", name))
                messages.append(side.explain())
        allowed = [x for piece in allowed for box in boxes if not (x := piece.intersect(box)).is_empty()]
    denied = [x for piece in pending for x in minus(piece, allowed)]
    who = ", ".join(w.display for w in workloads[:3]) + (" …" if len(workloads) > 3 else "")
    if not denied:
        decision_text, message = "allow", f"NetworkPolicies allow {layer.direction} for {who}"
    elif allowed:
        decision_text = "partial"
        message = f"NetworkPolicies allow only part of it for {who}: {'; '.join(dict.fromkeys(messages))}"
    else:
        decision_text = "deny"
        message = "; ".join(dict.fromkeys(messages)) or f"NetworkPolicies block {protocol}/{ports} for {who}"
    return allowed, LayerResult(layer.name, "network-policy", points, decision_text, message,
                                allowed_by=_unique(allowed_by)[:MAX_RULES_SHOWN],
                                blocked_by=_unique(blocked_by)[:MAX_RULES_SHOWN])


def describe_addresses(graph: NetworkGraph, addresses: AddressSet, limit: int = 4) -> str:
    """An address set as people read it: an endpoint's name when it is exactly one, else a few ranges."""
    for endpoint in graph.topology.endpoints:
        if endpoint.addresses == addresses:
            return f"{endpoint.name} ({'internet' if endpoint.external else ', '.join(addresses.ranges()[:limit])})"
    ranges = addresses.ranges()
    if len(ranges) <= limit:
        return ", ".join(ranges)
    return f"{', '.join(ranges[:limit])} … ({len(ranges)} ranges)"


_WIDE = 1 << 20  # peers spanning more addresses than this are checked against every request

Compiled = tuple[OrderedRule, Rule]


@dataclass
class _RuleIndex:
    """A layer's compiled rules for one protocol and port set, indexed by peer address (perf, issue 7).

    ``wide`` entries (large or many-interval peers) are always candidates; the others' peer intervals are
    sorted by start, so a request finds the rules whose peers overlap it by bisection instead of
    intersecting every rule (the management group has rules per workload cluster: a scan would be
    quadratic in clusters). Entries keep their order, so first-match semantics are untouched: a rule
    whose peer does not overlap the request can neither allow nor deny any of it.
    """

    entries: list[Compiled]
    wide: list[int]
    starts: list[int]
    spans: list[tuple[int, int, int]]  # (lo, hi, entry position), sorted

    def lookup(self, peers: AddressSet) -> list[Compiled]:
        hits = set(self.wide)
        for qlo, qhi in peers.intervals:
            i = bisect.bisect_left(self.starts, qlo - _WIDE)
            while i < len(self.spans) and self.spans[i][0] <= qhi:
                lo, hi, pos = self.spans[i]
                if hi >= qlo:
                    hits.add(pos)
                i += 1
        return [self.entries[i] for i in sorted(hits)]


def _relevant(graph: NetworkGraph, layer: Layer, first_match: bool, pending: list[Box], protocol: str
              ) -> list[Compiled]:
    """The compiled rules that can touch the pending flows (protocol, ports, peer), in rule order."""
    _, dst, ports = project(pending)
    src = project(pending)[0]
    key = (tuple(p.key for p in layer.points), layer.direction, first_match, protocol, ports)
    index = graph.rule_index.get(key)
    if not isinstance(index, _RuleIndex):
        entries = [c for c in _compile(graph, layer, first_match)
                   if protocol_matches(c[0].protocol, protocol) and c[0].ports.overlaps(ports)]
        wide: list[int] = []
        spans: list[tuple[int, int, int]] = []
        for pos, (ordered, _rule) in enumerate(entries):
            peer = ordered.src if layer.direction == "ingress" else ordered.dst
            if len(peer.intervals) > 8 or any(hi - lo >= _WIDE for lo, hi in peer.intervals):
                wide.append(pos)
            else:
                spans.extend((lo, hi, pos) for lo, hi in peer.intervals)
        spans.sort()
        index = _RuleIndex(entries, wide, [s[0] for s in spans], spans)
        graph.rule_index[key] = index
    return index.lookup(src if layer.direction == "ingress" else dst)


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


EPHEMERAL = PortSet.range(1024, 65535)  # N3: unknown client → the whole range NAT gateways/ELB use


def evaluate_hop(graph: NetworkGraph, hop: Hop, protocol: str, ports: PortSet
                 ) -> tuple[HopResult, list[Box], Box]:
    """Forward layers on the request, then return-leg layers on what got through (N3–N4)."""
    request = Box(hop.src.addresses, hop.dst.addresses, ports)
    pending = [request]
    results: list[LayerResult] = []
    decisions: list[str] = []
    forward = [layer for layer in hop.layers if not layer.reverse]
    backward = [layer for layer in hop.layers if layer.reverse]
    for layer in forward:
        pending, result = evaluate_layer(graph, layer, pending, protocol)
        results.append(result)
        decisions.append(result.decision)
    verdict = _hop_verdict(request, pending, decisions)
    if backward and pending:
        replies = [Box(p.dst, p.src, EPHEMERAL) for p in pending]
        reply_request = list(replies)
        back_decisions: list[str] = []
        for layer in backward:
            replies, result = evaluate_layer(graph, layer, replies, protocol)
            results.append(result)
            back_decisions.append(result.decision)
        back = "reachable" if all(covers(replies, r) for r in reply_request) else (
            "unknown" if "unknown" in back_decisions else ("blocked" if not replies else "partial"))
        verdict = max(verdict, back, key=VERDICT_ORDER.__getitem__)
        if back == "blocked":
            pending = []
    if not hop.layers:
        results.append(LayerResult("no enforcement point", "none", [], "allow",
                                   f"no security group or other control is declared between {hop.src.name} "
                                   f"and {hop.dst.name} in the scanned files"))
    return HopResult(hop.src.name, hop.dst.name, verdict, results, port=hop.port, note=hop.note), pending, request


def _hop_verdict(request: Box, allowed: list[Box], decisions: list[str]) -> str:
    if "unknown" in decisions and not covers(allowed, request):
        return "unknown"
    if not allowed:
        return "blocked"
    return "reachable" if covers(allowed, request) else "partial"


def evaluate_binding(graph: NetworkGraph, req: Requirement, src: Endpoint, dst: Endpoint) -> PathResult:
    ports = PortSet.range(dst.port) if dst.port and req.destination == "workload-api" else req.ports
    best: PathResult | None = None
    for hops in [graph.route(src, dst, ports.intervals[0][0], req.via_proxy)]:
        hop_results: list[HopResult] = []
        uncovered = Uncovered()
        for hop in hops:
            hop_ports = PortSet.range(hop.port) if hop.port else ports
            result, allowed, request = evaluate_hop(graph, hop, req.protocol, hop_ports)
            hop_results.append(result)
            if result.verdict != "reachable":
                s, d, p = project(minus(request, allowed))
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
        if uncovered.sources and uncovered.sources != src.addresses:
            parts.append(f"sources not covered: {', '.join(uncovered.sources.ranges()[:4])}")
        if uncovered.destinations and uncovered.destinations != dst.addresses:
            parts.append(f"destinations not covered: {', '.join(uncovered.destinations.ranges()[:4])}")
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
