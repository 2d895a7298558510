"""Kubernetes NetworkPolicies on a path: the pods that play an endpoint's role (K1–K13) must let the flow through."""

from __future__ import annotations

from validator.analysis.graph import Layer, NetworkGraph
from validator.analysis.layers_common import EVERYWHERE, MAX_RULES_SHOWN, unique_evidence
from validator.model.flows import Box, minus
from validator.model.kubernetes import PROTOCOLS
from validator.model.results import LayerResult, RuleEvidence
from validator.model.sets import AddressSet, PortSet


def evaluate_network_policy(
    graph: NetworkGraph, layer: Layer, pending: list[Box], protocol: str
) -> tuple[list[Box], LayerResult]:
    """The cluster's NetworkPolicies for the pods that play the endpoint's role (K1–K13): egress of the agent
    pods towards the destination, or ingress of the serving pods from the source. Every such pod must be
    allowed; per pod, NetworkPolicies allow per peer address range and port set."""
    model, workloads = layer.context["model"], layer.context["workloads"]
    folder = layer.context["folder"]
    points = [
        {"kind": "network-policy", "key": folder, "name": f"NetworkPolicies in {folder}", "file": folder, "line": None}
    ]
    k8s_protocol = protocol.upper()
    if k8s_protocol not in PROTOCOLS:
        return list(pending), LayerResult(
            layer.name, "network-policy", points, "allow", f"NetworkPolicies do not filter {protocol}"
        )
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
        decision = (
            model.check_flow(workload, peers, k8s_protocol, ports)
            if egress
            else model.check_flow(peers, workload, k8s_protocol, ports)
        )
        boxes = []
        for flow in decision.pieces:
            side = flow.egress if egress else flow.ingress
            addresses = (flow.dst_addresses if egress else flow.src_addresses) or peers
            if flow.allowed:
                boxes.append(
                    Box(EVERYWHERE, addresses, flow.allowed) if egress else Box(addresses, EVERYWHERE, flow.allowed)
                )
            for rule in side.rules:
                allowed_by.append(
                    RuleEvidence(
                        rule.rule_source,
                        f"{rule.policy} allows {protocol}/{rule.ports} for {workload.display}",
                        rule.policy,
                    )
                )
            if not flow.allowed and side.isolated_by:
                for name, source in side.isolated_by:
                    blocked_by.append(
                        RuleEvidence(
                            source,
                            f"{name} isolates {workload.display} "
                            f"({layer.direction}) and no rule allows {protocol}/{ports}",
                            name,
                        )
                    )
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
    return allowed, LayerResult(
        layer.name,
        "network-policy",
        points,
        decision_text,
        message,
        allowed_by=unique_evidence(allowed_by)[:MAX_RULES_SHOWN],
        blocked_by=unique_evidence(blocked_by)[:MAX_RULES_SHOWN],
    )
