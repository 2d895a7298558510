"""Kubernetes NetworkPolicies on a path: the pods that play an endpoint's role (K1–K13) must let the flow through."""

from __future__ import annotations

from validator.analysis.graph import Layer, NetworkGraph
from validator.analysis.layers_common import (
    EVERYWHERE,
    MAX_RULES_SHOWN,
    LayerOutcome,
    documented,
    not_covered,
    settle,
    unique_evidence,
)
from validator.model.flows import Box, minus
from validator.model.kubernetes import PROTOCOLS
from validator.model.results import LayerResult, RuleEvidence


def evaluate_network_policy(graph: NetworkGraph, layer: Layer, request: Box, protocol: str) -> LayerOutcome:
    """The cluster's NetworkPolicies for the pods that play the endpoint's role (K1–K13): egress of the agent
    pods towards the destination, or ingress of the serving pods from the source. Every such pod must be
    allowed; per pod, NetworkPolicies allow per peer address range and port set. A pod no policy isolates in
    this direction is allowed by the documented default (K1)."""
    model, workloads = layer.context["model"], layer.context["workloads"]
    folder = layer.context["folder"]
    points = [
        {"kind": "network-policy", "key": folder, "name": f"NetworkPolicies in {folder}", "file": folder, "line": None}
    ]
    egress = layer.direction == "egress"
    peers = request.dst if egress else request.src
    k8s_protocol = protocol.upper()
    if k8s_protocol not in PROTOCOLS:
        return _other_protocol(layer, request, protocol, points)
    allowed = [request]
    allowed_by: list[RuleEvidence] = []
    blocked_by: list[RuleEvidence] = []
    messages: list[str] = []
    for workload in workloads:
        decision = (
            model.check_flow(workload, peers, k8s_protocol, request.ports)
            if egress
            else model.check_flow(peers, workload, k8s_protocol, request.ports)
        )
        boxes = []
        for flow in decision.pieces:
            side = flow.egress if egress else flow.ingress
            addresses = (flow.dst_addresses if egress else flow.src_addresses) or peers
            if flow.allowed:
                boxes.append(
                    Box(EVERYWHERE, addresses, flow.allowed) if egress else Box(addresses, EVERYWHERE, flow.allowed)
                )
            if not side.isolated_by and flow.allowed:
                text = f"no NetworkPolicy selects {workload.display} for {layer.direction}: not isolated"
                allowed_by.append(documented("K1", text, workload.display))
            for rule in side.rules:
                text = f"{rule.policy} allows {protocol}/{rule.ports} for {workload.display}"
                allowed_by.append(RuleEvidence(rule.rule_source, text, rule.policy))
            if not flow.allowed and side.isolated_by:
                for name, source in side.isolated_by:
                    text = f"{name} isolates {workload.display} ({layer.direction}) and no rule allows {protocol}"
                    blocked_by.append(RuleEvidence(source, f"{text}/{request.ports}", name))
                messages.append(side.explain())
        allowed = [x for piece in allowed for box in boxes if not (x := piece.intersect(box)).is_empty()]
    denied = minus(request, allowed)
    who = ", ".join(w.display for w in workloads[:3]) + (" …" if len(workloads) > 3 else "")
    if not denied:
        decision_text, message = "allow", f"NetworkPolicies allow {layer.direction} for {who}"
    elif allowed:
        decision_text = "partial"
        message = f"NetworkPolicies allow only part of it for {who}: {'; '.join(dict.fromkeys(messages))}"
    else:
        decision_text = "deny"
        message = "; ".join(dict.fromkeys(messages)) or f"NetworkPolicies block {protocol}/{request.ports} for {who}"
    allowed, uncovered = settle(request, decision_text, allowed)
    result = LayerResult(
        layer.name,
        "network-policy",
        points,
        decision_text,
        message,
        allowed_by=unique_evidence(allowed_by)[:MAX_RULES_SHOWN],
        blocked_by=unique_evidence(blocked_by)[:MAX_RULES_SHOWN],
        not_covered=uncovered,
    )
    return LayerOutcome(allowed, result)


def _other_protocol(layer: Layer, request: Box, protocol: str, points: list[dict[str, object]]) -> LayerOutcome:
    """A protocol NetworkPolicies do not name (K10): pods no policy isolates allow it (K1); for isolated pods
    what a network plugin does with it varies, so the layer cannot decide."""
    model, workloads = layer.context["model"], layer.context["workloads"]
    egress = layer.direction == "egress"
    peers = request.dst if egress else request.src
    isolating: list[RuleEvidence] = []
    for workload in workloads:
        decision = model.check_flow(workload, peers, "TCP", request.ports) if egress else None
        if decision is None:
            decision = model.check_flow(peers, workload, "TCP", request.ports)
        for flow in decision.pieces:
            side = flow.egress if egress else flow.ingress
            for name, source in side.isolated_by:
                isolating.append(RuleEvidence(source, f"{name} isolates {workload.display}", name))
    if not isolating:
        text = f"no NetworkPolicy isolates these pods for {layer.direction}: every protocol is allowed"
        result = LayerResult(
            layer.name,
            "network-policy",
            points,
            "allow",
            f"NetworkPolicies do not isolate these pods for {layer.direction}",
            allowed_by=[documented("K1", text, "NetworkPolicies")],
        )
        return LayerOutcome([request], result)
    why = (
        f"NetworkPolicies name only TCP, UDP and SCTP (K10); how a network plugin treats {protocol} "
        "for isolated pods varies"
    )
    result = LayerResult(
        layer.name,
        "network-policy",
        points,
        "unknown",
        f"NetworkPolicies may or may not let {protocol} through for isolated pods",
        blocked_by=unique_evidence(isolating)[:MAX_RULES_SHOWN],
        unknown_because=[why],
        not_covered=not_covered(request, []),
    )
    return LayerOutcome([], result, [request])
