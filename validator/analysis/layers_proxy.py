"""Proxies on a path: the proxy's access rules for the tunnelled request (CONNECT host:port), per client (S1–S4)."""

from __future__ import annotations

from validator.analysis import proxy_rules, squid
from validator.analysis.graph import Layer, NetworkGraph
from validator.analysis.layers_common import (
    EVERYWHERE,
    MAX_RULES_SHOWN,
    LayerOutcome,
    describe_addresses,
    not_covered,
    settle,
    unique_evidence,
)
from validator.analysis.proxy_decision import ProxyDecision
from validator.model.flows import Box
from validator.model.proxy import ProxyRules, SquidConfig
from validator.model.results import LayerResult, RuleEvidence
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet, PortSet


def port_atoms(config: SquidConfig | ProxyRules | None, ports: PortSet) -> list[PortSet]:
    """``ports`` cut where any port set of the proxy's rules starts or ends: within a piece every port ACL
    (every rule's ports) holds for all ports or for none, so one port decides for the whole piece."""
    if config is None:
        return [ports]
    if isinstance(config, SquidConfig):
        sets = [acl.ports for acl in config.acls.values() if acl.type == "port"]
    else:
        sets = [rule.ports for rule in config.rules if rule.ports is not None]
    cuts = sorted({b for s in sets for lo, hi in s.intervals for b in (lo, hi + 1)})
    atoms: list[PortSet] = []
    for lo, hi in ports.intervals:
        start = lo
        for cut in cuts:
            if start < cut <= hi:
                atoms.append(PortSet.range(start, cut - 1))
                start = cut
        atoms.append(PortSet.range(start, hi))
    return atoms


def evaluate_proxy(graph: NetworkGraph, layer: Layer, request: Box) -> LayerOutcome:
    """The proxy's access rules for the tunnelled request (CONNECT host:port) of every client (S1–S4).

    The route gives the layer one piece of ``port_atoms``: its first port decides for all of it. A client is
    let through when the proxy allows it for every name the destination answers to, denied when one of them
    is denied, unknown otherwise."""
    ctx = layer.context
    hosts, ports = ctx["hosts"], ctx["ports"]
    port = ports.intervals[0][0]
    target = f"{hosts[0] or describe_addresses(graph, ctx['dst'])}:{ports}"
    what = f"CONNECT {target}"
    points = [
        {"kind": "proxy", "key": layer.endpoint.name, "name": layer.endpoint.name, **(layer.endpoint.source.to_json())}
    ]
    if layer.proxy is None:
        result = LayerResult(
            layer.name,
            "proxy",
            points,
            "unknown",
            f"proxy {layer.endpoint.name}: its access rules are not in the scanned files",
            unknown_because=[f"no config for proxy {layer.endpoint.name} ({what} not checked)"],
            not_covered=not_covered(request, []),
        )
        return LayerOutcome([], result, [request])
    clients = request.src
    # every name the destination answers to must be allowed (dstdomain rules may treat them differently)
    decisions = [decide_proxy(layer.proxy, clients, host, ctx["dst"], port, ctx["method"]) for host in hosts]
    denied_clients = AddressSet()
    unknown_clients = AddressSet()
    for decision in decisions:
        denied_clients = denied_clients | decision.denied_clients
        for part in decision.parts:
            if part.outcome == "unknown":
                unknown_clients = unknown_clients | part.clients
    unknown_clients = unknown_clients - denied_clients
    allowed_clients = clients - denied_clients - unknown_clients
    worst = max((d.verdict for d in decisions), key=["allow", "partial", "unknown", "deny"].index)
    bad = [d for d in decisions if d.verdict == worst]
    if len(bad) < len(decisions) and bad[0].request.host:
        what = f"CONNECT {bad[0].request.host}:{ports}"
    allowed = [x for x in (request.intersect(Box(allowed_clients, EVERYWHERE)),) if not x.is_empty()]
    maybe = [x for x in (request.intersect(Box(unknown_clients, EVERYWHERE)),) if not x.is_empty()]
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
    if unknown_clients:
        verdict = "unknown"
        message = f"proxy {layer.endpoint.name} may allow {what}, depending on what a static check cannot know"
    elif not denied_clients:
        verdict, message = "allow", f"proxy {layer.endpoint.name} allows {what}"
    elif allowed_clients:
        verdict = "partial"
        message = f"proxy {layer.endpoint.name} allows {what} only for some clients: not for " + describe_addresses(
            graph, denied_clients & clients
        )
    else:
        verdict, message = "deny", f"proxy {layer.endpoint.name} denies {what}"
    allowed, uncovered = settle(request, verdict, allowed)
    result = LayerResult(
        layer.name,
        "proxy",
        points,
        verdict,
        message,
        allowed_by=unique_evidence(allowed_by)[:MAX_RULES_SHOWN],
        blocked_by=unique_evidence(blocked_by)[:MAX_RULES_SHOWN],
        unknown_because=list(dict.fromkeys(unknown)),
        not_covered=uncovered,
    )
    return LayerOutcome(allowed, result, maybe)


def decide_proxy(
    config: SquidConfig | ProxyRules,
    client: AddressSet,
    host: str | None,
    dst: AddressSet | None,
    port: int,
    method: str,
) -> ProxyDecision:
    """What a proxy decides for ``method`` to ``host``/``dst``:``port`` from the ``client`` set: Squid's
    http_access (``analysis/squid.py``) or a ProxyRules file's rules (``analysis/proxy_rules.py``)."""
    if isinstance(config, SquidConfig):
        return squid.decide(config, client, host, dst, port, method)
    return proxy_rules.decide(config, client, host, dst, port, method)
