"""Security groups, network ACLs and firewalls: rule lists evaluated over boxes of flows (A1–A5, N1–N4).

Allow-only layers (security groups) pass what any rule matches (A1). First-match layers (network ACLs,
firewalls) let the first matching rule decide, allow or deny, and the default action the rest (N2). Both
run through ``ordered.evaluate``; a rule with an unresolved part decides "unknown". What a layer blocks is
attributed to it, with the rule that decided (first-match layers) or the nearest rule that almost matched
(allow-only layers).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from validator.analysis.graph import Layer, NetworkGraph
from validator.analysis.layers_common import EVERYWHERE, MAX_RULES_SHOWN, describe_addresses
from validator.analysis.ordered import OrderedRule, evaluate
from validator.model.flows import Box, project
from validator.model.results import LayerResult, RuleEvidence
from validator.model.rules import Rule, protocol_matches
from validator.model.sets import ALL_PORTS, AddressSet


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
    might allow as "unknown": a flow is unknown only when nothing definite allowed it. A rule that may not
    exist at all (an unknown of field ``rule``) allows nothing definitely; it may match only its own peer
    when that is known.
    """
    rules = [r for p in layer.points for r in p.rules if r.direction in (layer.direction, "forward")]
    if first_match:
        rules.sort(key=lambda r: r.order or 0)
    definite: list[tuple[OrderedRule, Rule]] = []
    maybe: list[tuple[OrderedRule, Rule]] = []
    for rule in rules:
        addresses, unknown = graph.peer_addresses(rule)
        may_not_exist = any(u.field == "rule" for u in rule.unknowns)
        if unknown:
            only_existence = len(unknown) == len(rule.unknowns) and all(u.field == "rule" for u in rule.unknowns)
            box = _rule_box(rule, layer.direction, addresses if only_existence else EVERYWHERE)
            entry = (OrderedRule("unknown", box.src, box.dst, rule.protocol, box.ports, rule.source), rule)
            (definite if first_match else maybe).append(entry)
        box = _rule_box(rule, layer.direction, addresses)
        if not box.is_empty() and (first_match is False or not unknown) and not may_not_exist:
            definite.append((OrderedRule(rule.action, box.src, box.dst, rule.protocol, box.ports, rule.source), rule))
    return definite + maybe


def evaluate_ordered(
    graph: NetworkGraph, layer: Layer, pending: list[Box], protocol: str
) -> tuple[list[Box], LayerResult]:
    """Apply a security-group, network-ACL or firewall layer to the flows that reached it; returns what it
    lets through and why.

    Allow-only layers (security groups) pass what any rule matches (A1). First-match layers (network
    ACLs, firewalls) let the first matching rule decide, allow or deny, and the default action the rest
    (N2). Both run through ``ordered.evaluate``; a rule with an unresolved part decides "unknown".
    """
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
                text = (
                    f"default_action: {default} (no rule matched)"
                    if layer.kind == "firewall"
                    else f"* (implicit final rule) {default} all"
                )
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
    result = LayerResult(
        layer.name,
        layer.kind,
        _point_json(layer),
        decision,
        message,
        allowed_by=[allowed_by[k] for k in sorted(allowed_by)][:MAX_RULES_SHOWN],
        blocked_by=[blocked_by[k] for k in sorted(blocked_by, key=lambda k: (k < 0, k))][:MAX_RULES_SHOWN],
        near_misses=near,
        unknown_because=unknown_because,
    )
    return allowed + passthrough, result


_WIDE = 1 << 20  # peers spanning more addresses than this are checked against every request

Compiled = tuple[OrderedRule, Rule]


@dataclass
class _RuleIndex:
    """A layer's compiled rules for one protocol and port set, indexed by peer address (perf).

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


def _relevant(
    graph: NetworkGraph, layer: Layer, first_match: bool, pending: list[Box], protocol: str
) -> list[Compiled]:
    """The compiled rules that can touch the pending flows (protocol, ports, peer), in rule order."""
    _, dst, ports = project(pending)
    src = project(pending)[0]
    key = (tuple(p.key for p in layer.points), layer.direction, first_match, protocol, ports)
    index = graph.rule_index.get(key)
    if not isinstance(index, _RuleIndex):
        entries = [
            c
            for c in _compile(graph, layer, first_match)
            if protocol_matches(c[0].protocol, protocol) and c[0].ports.overlaps(ports)
        ]
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


def _near_misses(
    graph: NetworkGraph, layer: Layer, rules: list[Rule], remaining: list[Box], protocol: str, owner: dict[int, str]
) -> list[RuleEvidence]:
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
