"""Reachability: for each requirement and each (source, destination) binding, a verdict with evidence.

A hop's request is the box (source addresses × destination addresses × required ports). Every layer on the
hop is judged on that whole request, on its own (one evaluator per layer kind: ``layers_ordered`` for
security groups, network ACLs and firewalls, ``layers_netpol``, ``layers_proxy``), so each layer's decision
and evidence is true whatever the others do; what the hop lets through is the meet (intersection) of what
its layers let through. Stateless layers on the return leg are judged on the replies to the whole request
(N3), and a flow gets through only where all its replies do. Each layer answers with what it definitely
lets through and what it may let through depending on values the configs do not fix: such a part can make
the verdict ``unknown``, never ``reachable``.

The verdict is ``reachable`` (all of it gets through), ``blocked`` (none), ``partial`` (some; the uncovered
sources, destinations and ports are named) or ``unknown``. A path's verdict is the worst of its hops; a
flow the proxy settings split into several paths is reachable only when every path is.
"""

from __future__ import annotations

from validator.analysis.graph import Hop, Layer, NetworkGraph
from validator.analysis.layers_common import LayerOutcome
from validator.analysis.layers_netpol import evaluate_network_policy
from validator.analysis.layers_ordered import evaluate_ordered
from validator.analysis.layers_proxy import evaluate_proxy
from validator.analysis.ordered import coalesce
from validator.analysis.routes import Flow, route
from validator.model.flows import Box, covers, minus, project
from validator.model.requirements import Requirement
from validator.model.results import VERDICT_ORDER, HopResult, PathResult, Unbound, Uncovered
from validator.model.sets import ALL_PORTS, PortSet
from validator.model.topology import PORT_FROM_ENDPOINT, Endpoint

EPHEMERAL = PortSet.range(1024, 65535)  # N3: unknown client → the whole range NAT gateways/ELB use


def evaluate_layer(graph: NetworkGraph, layer: Layer, request: Box, protocol: str) -> LayerOutcome:
    """One layer's answer for the whole request of its hop."""
    if layer.kind == "proxy":
        return evaluate_proxy(graph, layer, request)
    if layer.kind == "network-policy":
        return evaluate_network_policy(graph, layer, request, protocol)
    return evaluate_ordered(graph, layer, request, protocol)


def _meet(a: list[Box], b: list[Box]) -> list[Box]:
    return coalesce(x for p in a for q in b if not (x := p.intersect(q)).is_empty())


def _without_pairs(boxes: list[Box], replies_missing: list[Box]) -> list[Box]:
    """The flows whose replies all get back: drop every (source, destination) pair a missing reply names."""
    pairs = [Box(m.dst, m.src, ALL_PORTS) for m in replies_missing]
    return [x for box in boxes for x in minus(box, pairs)]


def _replies_meet(forward: list[Box], replies: list[Box]) -> bool:
    """Whether some (source, destination) pair the request gets through for has at least part of its replies
    let back (N3: then less than the whole ephemeral range is partial; no reply at all is no flow)."""
    return any(not Box(b.dst, b.src, x.ports).intersect(x).is_empty() for x in forward for b in replies)


def evaluate_hop(
    graph: NetworkGraph, hop: Hop, protocol: str, ports: PortSet, route_number: int = 1
) -> tuple[HopResult, list[Box], Box]:
    """Every layer on the whole request, the return leg on the replies to it; the hop's verdict is their meet.
    Returns the result, what definitely gets through and the request."""
    ports = hop.ports or ports
    request = Box(hop.src.addresses, hop.dst.addresses, ports)
    reply = Box(hop.dst.addresses, hop.src.addresses, EPHEMERAL)
    outcomes = [evaluate_layer(graph, layer, reply if layer.reverse else request, protocol) for layer in hop.layers]
    definite, possible = [request], [request]
    back_definite, back_possible = [reply], [reply]
    for layer, outcome in zip(hop.layers, outcomes, strict=True):
        if outcome.result.decision == "allow":
            continue  # perf: the meet with the whole request changes nothing
        if layer.reverse:
            back_definite = _meet(back_definite, outcome.allowed)
            back_possible = _meet(back_possible, outcome.allowed + outcome.maybe)
        else:
            definite = _meet(definite, outcome.allowed)
            possible = _meet(possible, outcome.allowed + outcome.maybe)
    replies_partly = _replies_meet(definite, back_definite)
    if back_definite != [reply]:
        definite = _without_pairs(definite, minus(reply, back_definite))
    if back_possible != [reply]:
        possible = _without_pairs(possible, minus(reply, back_possible))
    maybe = [] if possible == definite else [x for box in possible for x in minus(box, definite)]
    if covers(definite, request):
        verdict = "reachable"
    elif maybe:
        verdict = "unknown"
    elif definite or replies_partly:  # N3: replies allowed on part of the ephemeral range only
        verdict = "partial"
    else:
        verdict = "blocked"
    to_proxy = hop.ports is not None and any(layer.kind == "proxy" for layer in hop.layers)
    result = HopResult(
        hop.src.name,
        hop.dst.name,
        verdict,
        [outcome.result for outcome in outcomes],
        port=ports.intervals[0][0] if to_proxy else None,
        note=hop.note,
        ports=str(ports),
        route=route_number,
    )
    return result, definite, request


def _combine(verdicts: list[str]) -> str:
    """The verdict of a flow split into parts that each take their own path."""
    if len(set(verdicts)) == 1:
        return verdicts[0]
    return "unknown" if "unknown" in verdicts else "partial"


def evaluate_binding(graph: NetworkGraph, req: Requirement, src: Endpoint, dst: Endpoint) -> PathResult:
    ports = PortSet.range(dst.port) if dst.port and req.destination in PORT_FROM_ENDPOINT else req.ports
    flow = Flow(src, dst, req.protocol, ports, req.via_proxy)
    hop_results: list[HopResult] = []
    uncovered = Uncovered()
    verdicts = []
    for number, path in enumerate(route(graph, flow).paths, start=1):
        worst = "reachable"
        for hop in path.hops:
            result, allowed, request = evaluate_hop(graph, hop, req.protocol, ports, number)
            hop_results.append(result)
            worst = max(worst, result.verdict, key=VERDICT_ORDER.__getitem__)
            if result.verdict != "reachable":
                s, d, p = project(minus(request, allowed))
                uncovered = Uncovered(uncovered.sources | s, uncovered.destinations | d, uncovered.ports | p)
        verdicts.append(worst)
    verdict = _combine(verdicts)
    summary = _summary(req, src, dst, verdict, hop_results, uncovered, ports)
    return PathResult(req, src, dst, verdict, summary, ports, hop_results, uncovered)


def _summary(
    req: Requirement,
    src: Endpoint,
    dst: Endpoint,
    verdict: str,
    hops: list[HopResult],
    uncovered: Uncovered,
    ports: PortSet,
) -> str:
    what = f"{req.protocol}/{ports} {src.name} -> {dst.name}"
    if verdict == "reachable":
        enforced = any(not layer.default for h in hops for layer in h.layers)
        return f"{what}: reachable" + ("" if enforced else " — no enforcement point on the way checks it")
    details = []
    for layer in (layer for h in hops for layer in h.layers if layer.decision != "allow"):
        detail = layer.message
        if layer.blocked_by:
            detail += f" ({layer.blocked_by[0].source.location()})"
        elif layer.points:
            point = layer.points[0]
            detail += f" ({point['file']}:{point['line']})" if point.get("line") else f" ({point['file']})"
        if layer.decision == "unknown":
            detail += ": " + "; ".join(layer.unknown_because[:2])
        details.append(detail)
    text = "; and ".join(dict.fromkeys(details))
    if verdict == "partial":
        parts = []
        if uncovered.sources and uncovered.sources != src.addresses:
            parts.append(f"sources not covered: {', '.join(uncovered.sources.ranges()[:4])}")
        if uncovered.destinations and uncovered.destinations != dst.addresses:
            parts.append(f"destinations not covered: {', '.join(uncovered.destinations.ranges()[:4])}")
        text += "; " + "; ".join(parts) if parts else ""
    return f"{what}: {verdict} — {text}"


def evaluate_requirements(
    graph: NetworkGraph, requirements: list[Requirement]
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
    # one order whatever the order of profiles, requirements and clusters in their files
    results.sort(key=lambda r: (r.requirement.profile, r.requirement.id, r.source.name, r.destination.name))
    unbound.sort(key=lambda u: (u.requirement.profile, u.requirement.id))
    return results, unbound
