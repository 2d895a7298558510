"""Reachability: for each requirement and each (source, destination) binding, a verdict with evidence.

A hop's request is the box (source addresses × destination addresses × required ports). Each layer on
the hop lets part of it through (one evaluator per layer kind: ``layers_ordered`` for security groups,
network ACLs and firewalls, ``layers_netpol``, ``layers_proxy``). The verdict is ``reachable`` (all of it
gets through), ``blocked`` (none), ``partial`` (some; the uncovered sources, destinations and ports are
named) or ``unknown`` (what is blocked depends on a value the configs do not fix, such as a Terraform
variable without a value). A path's verdict is the meet of its hops; a requirement is met through a
binding when any path carries it.
"""

from __future__ import annotations

from validator.analysis.graph import Hop, Layer, NetworkGraph
from validator.analysis.layers_netpol import evaluate_network_policy
from validator.analysis.layers_ordered import evaluate_ordered
from validator.analysis.layers_proxy import evaluate_proxy
from validator.analysis.routes import route
from validator.model.flows import Box, covers, minus, project
from validator.model.requirements import Requirement
from validator.model.results import VERDICT_ORDER, HopResult, LayerResult, PathResult, Unbound, Uncovered
from validator.model.sets import PortSet
from validator.model.topology import PORT_FROM_ENDPOINT, Endpoint


def evaluate_layer(
    graph: NetworkGraph, layer: Layer, pending: list[Box], protocol: str
) -> tuple[list[Box], LayerResult]:
    """Apply one layer to the flows that reached it; returns what it lets through and why."""
    if layer.kind == "proxy":
        return evaluate_proxy(graph, layer, pending)
    if layer.kind == "network-policy":
        return evaluate_network_policy(graph, layer, pending, protocol)
    return evaluate_ordered(graph, layer, pending, protocol)


EPHEMERAL = PortSet.range(1024, 65535)  # N3: unknown client → the whole range NAT gateways/ELB use


def evaluate_hop(graph: NetworkGraph, hop: Hop, protocol: str, ports: PortSet) -> tuple[HopResult, list[Box], Box]:
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
        back = (
            "reachable"
            if all(covers(replies, r) for r in reply_request)
            else ("unknown" if "unknown" in back_decisions else ("blocked" if not replies else "partial"))
        )
        verdict = max(verdict, back, key=VERDICT_ORDER.__getitem__)
        if back == "blocked":
            pending = []
    if not hop.layers:
        results.append(
            LayerResult(
                "no enforcement point",
                "none",
                [],
                "allow",
                f"no security group or other control is declared between {hop.src.name} "
                f"and {hop.dst.name} in the scanned files",
            )
        )
    return HopResult(hop.src.name, hop.dst.name, verdict, results, port=hop.port, note=hop.note), pending, request


def _hop_verdict(request: Box, allowed: list[Box], decisions: list[str]) -> str:
    if "unknown" in decisions and not covers(allowed, request):
        return "unknown"
    if not allowed:
        return "blocked"
    return "reachable" if covers(allowed, request) else "partial"


def evaluate_binding(graph: NetworkGraph, req: Requirement, src: Endpoint, dst: Endpoint) -> PathResult:
    ports = PortSet.range(dst.port) if dst.port and req.destination in PORT_FROM_ENDPOINT else req.ports
    best: PathResult | None = None
    for hops in [route(graph, src, dst, ports.intervals[0][0], req.via_proxy)]:
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
        candidate = PathResult(
            req,
            src,
            dst,
            verdict,
            _summary(req, src, dst, verdict, hop_results, uncovered),
            ports,
            hop_results,
            uncovered,
        )
        if best is None or VERDICT_ORDER[candidate.verdict] < VERDICT_ORDER[best.verdict]:
            best = candidate
    assert best is not None
    return best


def _summary(
    req: Requirement, src: Endpoint, dst: Endpoint, verdict: str, hops: list[HopResult], uncovered: Uncovered
) -> str:
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
    return results, unbound
