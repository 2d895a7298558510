"""Proxies on a path: the proxy's access rules for the tunnelled request (CONNECT host:port), per client (S1–S4)."""

from __future__ import annotations

from validator.analysis import proxy_rules, squid
from validator.analysis.graph import Layer, NetworkGraph
from validator.analysis.layers_common import EVERYWHERE, MAX_RULES_SHOWN, describe_addresses, unique_evidence
from validator.analysis.proxy_decision import ProxyDecision
from validator.model.flows import Box
from validator.model.proxy import ProxyRules, SquidConfig
from validator.model.results import LayerResult, RuleEvidence
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet


def evaluate_proxy(graph: NetworkGraph, layer: Layer, pending: list[Box]) -> tuple[list[Box], LayerResult]:
    """The proxy's access rules for the tunnelled request (CONNECT host:port), per client (S1–S4)."""
    ctx = layer.context
    hosts = ctx["hosts"]
    what = f"CONNECT {hosts[0] or describe_addresses(graph, ctx['dst'])}:{ctx['port']}"
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
        )
        return [], result
    clients = AddressSet()
    for piece in pending:
        clients = clients | piece.src
    # every name the destination answers to must be allowed (dstdomain rules may treat them differently)
    decisions = [decide_proxy(layer.proxy, clients, host, ctx["dst"], ctx["port"], ctx["method"]) for host in hosts]
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
    return allowed, LayerResult(
        layer.name,
        "proxy",
        points,
        verdict,
        message,
        allowed_by=unique_evidence(allowed_by)[:MAX_RULES_SHOWN],
        blocked_by=unique_evidence(blocked_by)[:MAX_RULES_SHOWN],
        unknown_because=list(dict.fromkeys(unknown)),
    )


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
