"""Security groups, network ACLs and firewalls: rule lists evaluated over boxes of flows (A1–A5, N1–N4).

Allow-only layers (security groups) pass what any rule matches (A1). First-match layers (network ACLs,
firewalls) let the first matching rule decide, allow or deny, and the default action the rest (N2). Both
run through ``ordered.evaluate``. A rule with a part the configs do not fix (``Rule.unknowns``; a group or
prefix list the scanned files do not declare) is a *maybe* rule: what it alone might decide is ``unknown``,
never allowed. A group or ACL declared outside the scanned folder may have rules nobody here can see: what
its known rules do not allow (security group) or all of it (first-match) is ``unknown``. What a layer blocks
is attributed to it, with the rule that decided (first-match layers) or the nearest rule that almost matched
(allow-only layers).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from validator.analysis.graph import Layer, NetworkGraph
from validator.analysis.layers_common import (
    EVERYWHERE,
    MAX_RULES_SHOWN,
    LayerOutcome,
    describe_addresses,
    documented,
    point_json,
    settle,
    unknown_text,
)
from validator.analysis.ordered import OrderedRule, evaluate
from validator.model.flows import Box, project
from validator.model.results import LayerResult, RuleEvidence
from validator.model.rules import EnforcementPoint, Rule, protocol_matches
from validator.model.sets import ALL_PORTS, AddressSet

PEER_FIELDS = frozenset({"cidr_ipv4", "cidr_ipv6", "group", "prefix_list"})


@dataclass(frozen=True)
class _Entry:
    """A compiled rule: its box and action (``maybe`` when it might not match), the rule it comes from
    (None: the unseen rules of a point declared elsewhere), its point and why it is a maybe."""

    ordered: OrderedRule
    rule: Rule | None
    point: EnforcementPoint
    unknown: tuple[str, ...] = ()

    def evidence(self) -> RuleEvidence:
        if self.rule is None:
            text = f"rules of {self.point.name} not in the scanned files ({'; '.join(self.point.unresolved)})"
            return RuleEvidence(self.point.source, text, self.point.name)
        text = self.rule.describe()
        if self.rule.implicit:
            text += f" (added by the platform: {self.rule.implicit}, A3 in docs/semantics.md)"
        return RuleEvidence(self.rule.source, text, self.point.name)


def _place(rule: Rule) -> tuple[object, ...]:
    """Where a rule is written and what it says: the canonical order of rules that no order decides."""
    peer = rule.peer
    return (
        rule.source.file,
        rule.source.line or 0,
        rule.source.resource,
        rule.action,
        rule.protocol,
        rule.ports.intervals,
        peer.addresses.intervals,
        peer.groups,
        peer.prefix_lists,
    )


def _rule_box(rule: Rule, direction: str, addresses: AddressSet) -> Box:
    """The flows a rule matches: the peer is the destination on egress, the source on ingress; a forward
    (firewall) rule names both ends."""
    if rule.direction == "forward":
        return Box(rule.sources if rule.sources is not None else EVERYWHERE, addresses, rule.ports)
    if direction == "egress":
        return Box(EVERYWHERE, addresses, rule.ports)
    return Box(addresses, EVERYWHERE, rule.ports)


def _scope_box(layer: Layer) -> Box | None:
    """Flows a scoped layer sees: from its addresses (egress) or to them (ingress)."""
    if layer.scope is None:
        return None
    if layer.direction == "egress":
        return Box(layer.scope, EVERYWHERE, ALL_PORTS)
    return Box(EVERYWHERE, layer.scope, ALL_PORTS)


def _numbers_used_twice(graph: NetworkGraph, point: EnforcementPoint, rules: list[Rule]) -> dict[int, str]:
    """Rule numbers two different entries of one direction of a network ACL share on overlapping traffic. AWS
    keeps one entry per number and refuses the other (N2), and which one is created first decides: each may
    or may not exist. The reason, by number."""
    by_number: dict[int, list[Rule]] = {}
    for rule in rules:
        if rule.order is not None:
            by_number.setdefault(rule.order, []).append(rule)
    twice: dict[int, str] = {}
    for number, same in sorted(by_number.items()):
        boxes = []
        for rule in same:
            addresses, unknowns = graph.peer_addresses(rule)
            boxes.append((rule, _rule_box(rule, rule.direction, EVERYWHERE if unknowns else addresses)))
        clash = any(
            _place(a)[3:] != _place(b)[3:]
            and protocol_matches(a.protocol, b.protocol) | protocol_matches(b.protocol, a.protocol)
            and not x.intersect(y).is_empty()
            for i, (a, x) in enumerate(boxes)
            for b, y in boxes[i + 1 :]
        )
        if clash:
            where = ", ".join(sorted(r.source.location() for r in same))
            twice[number] = (
                f"{point.name}: rule number {number} is used by more than one entry ({where}); AWS creates one"
            )
            twice[number] += " and refuses the others, whichever comes first"
    return twice


def _compile(graph: NetworkGraph, layer: Layer, first_match: bool) -> list[_Entry]:
    """A layer's rules as one ordered list for ``ordered.evaluate`` (rule order for first-match layers).

    A rule whose only unknowns are in its peer definitely matches its known peer and may match any other
    address; a rule with an unknown port, protocol or existence may match its widened box (the loader
    widened the unknown part) and definitely matches nothing.
    """
    entries: list[_Entry] = []
    for point in sorted(layer.points, key=lambda p: p.key):  # canonical: no answer depends on input order
        rules = [r for r in point.rules if r.direction in (layer.direction, "forward")]
        twice = _numbers_used_twice(graph, point, rules) if first_match and point.kind == "network-acl" else {}
        for rule in sorted(rules, key=lambda r: (r.order or 0 if first_match else 0, *_place(r))):
            addresses, unknowns = graph.peer_addresses(rule)
            if rule.order in twice:
                box = _rule_box(rule, layer.direction, EVERYWHERE if unknowns else addresses)
                ordered = OrderedRule(rule.action, box.src, box.dst, rule.protocol, box.ports, rule.source, maybe=True)
                entries.append(_Entry(ordered, rule, point, (twice[rule.order],)))
                continue
            if not unknowns:
                box = _rule_box(rule, layer.direction, addresses)
                ordered = OrderedRule(rule.action, box.src, box.dst, rule.protocol, box.ports, rule.source)
                entries.append(_Entry(ordered, rule, point))
                continue
            peer_only = all(u.field in PEER_FIELDS for u in unknowns)
            if peer_only and addresses:
                box = _rule_box(rule, layer.direction, addresses)
                ordered = OrderedRule(rule.action, box.src, box.dst, rule.protocol, box.ports, rule.source)
                entries.append(_Entry(ordered, rule, point))
            peer_unknown = any(u.field in PEER_FIELDS for u in unknowns)
            box = _rule_box(rule, layer.direction, EVERYWHERE if peer_unknown else addresses)
            if peer_unknown and rule.direction == "forward":  # a firewall rule's unknown address: either end
                box = Box(EVERYWHERE, EVERYWHERE, rule.ports)
            why = tuple(unknown_text(rule.source, u) for u in unknowns)
            ordered = OrderedRule(rule.action, box.src, box.dst, rule.protocol, box.ports, rule.source, maybe=True)
            entries.append(_Entry(ordered, rule, point, why))
    for point in sorted(layer.points, key=lambda p: p.key):
        if point.unresolved:  # rules declared elsewhere: they may allow (or, first-match, deny) anything
            why = tuple(f"{point.name}: {reason}" for reason in point.unresolved)
            actions = ("allow", "deny") if first_match else ("allow",)
            unseen = [_Entry(OrderedRule(a, EVERYWHERE, EVERYWHERE, maybe=True), None, point, why) for a in actions]
            entries = [*unseen, *entries] if first_match else [*entries, *unseen]
    return entries


def evaluate_ordered(graph: NetworkGraph, layer: Layer, request: Box, protocol: str) -> LayerOutcome:
    """Apply a security-group, network-ACL or firewall layer to its hop's whole request."""
    if layer.default:
        return _documented_acl(layer, request)
    allowed: list[Box] = []
    maybe: list[Box] = []
    denied: list[Box] = []
    allowed_by: dict[int, RuleEvidence] = {}
    blocked_by: dict[int, RuleEvidence] = {}
    unknown_because: list[str] = []
    pending = [request]
    scope = _scope_box(layer)
    if scope is not None:
        allowed = request.subtract(scope)  # not behind this ACL: it does not apply
        pending = [x for x in (request.intersect(scope),) if not x.is_empty()]
        if allowed:
            text = f"addresses outside {layer.scope} are not in this ACL's subnet"
            allowed_by[-2] = RuleEvidence(layer.points[0].source, text, layer.points[0].name)
    point = layer.points[0]
    first_match = point.semantics == "first-match"
    default = point.default_action if first_match else "deny"
    compiled = _relevant(graph, layer, first_match, pending, protocol) if pending else []
    ordered_rules = [c.ordered for c in compiled]
    for piece in pending:
        for decided in evaluate(ordered_rules, default, piece, protocol).decided:
            entry = compiled[decided.index] if decided.index is not None else None
            if decided.action == "unknown":
                maybe.append(decided.box)
                for j in decided.pending:
                    unknown_because.extend(compiled[j].unknown)
            elif decided.action == "allow":
                allowed.append(decided.box)
                evidence = entry.evidence() if entry else RuleEvidence(point.source, _default_text(layer), point.name)
                allowed_by.setdefault(-1 if decided.index is None else decided.index, evidence)
            else:
                denied.append(decided.box)
                if entry is not None:
                    blocked_by.setdefault(decided.index or 0, entry.evidence())
                else:
                    implicit = [RuleEvidence(p.source, _default_text(layer), p.name) for p in layer.points]
                    blocked_by.update({-1 - i: ev for i, ev in enumerate(implicit) if -1 - i not in blocked_by})
    unknown_because = list(dict.fromkeys(unknown_because))
    near = [] if first_match or not denied else _near_misses(graph, layer, denied, protocol)
    by_rule = any(k >= 0 for k in blocked_by)
    decision, message = _decision(graph, layer, protocol, allowed, maybe, denied, by_rule)
    allowed, uncovered = settle(request, decision, allowed)
    result = LayerResult(
        layer.name,
        layer.kind,
        point_json(layer),
        decision,
        message,
        allowed_by=[allowed_by[k] for k in sorted(allowed_by)][:MAX_RULES_SHOWN],
        blocked_by=[blocked_by[k] for k in sorted(blocked_by, key=lambda k: (k < 0, abs(k)))][:MAX_RULES_SHOWN],
        near_misses=near,
        unknown_because=unknown_because,
        not_covered=uncovered,
    )
    return LayerOutcome(allowed, result, maybe)


def _default_text(layer: Layer) -> str:
    point = layer.points[0]
    if layer.kind == "firewall":
        return f"default_action: {point.default_action} (no rule matched)"
    if point.semantics == "first-match":
        return f"* (implicit final rule) {point.default_action} all (N2 in docs/semantics.md)"
    return "no rule allows it: a security group admits only what a rule allows (A1 in docs/semantics.md)"


def _decision(
    graph: NetworkGraph,
    layer: Layer,
    protocol: str,
    allowed: list[Box],
    maybe: list[Box],
    denied: list[Box],
    by_rule: bool,
) -> tuple[str, str]:
    names = ", ".join(p.name for p in layer.points)
    what = "firewall" if layer.kind == "firewall" else f"{layer.direction} of"
    # a network ACL's layer name says which way it is crossed (inbound / outbound ACL of an endpoint)
    verb = layer.name if layer.reverse or layer.kind == "network-acl" else f"{what} {names}"
    if maybe:
        return "unknown", f"{verb} may allow it, depending on values not fixed in the configs"
    if not denied:
        return "allow", f"{verb} allows it"
    src, dst, ports = project(denied)
    side = describe_addresses(graph, dst if layer.direction == "egress" else src)
    preposition = "to" if layer.direction == "egress" else "from"
    if allowed:
        return "partial", f"{verb} allows only part of it: not {protocol}/{ports} {preposition} {side}"
    if by_rule:
        return "deny", f"{verb} denies {protocol}/{ports} {preposition} {side}"
    return "deny", f"{verb} has no rule allowing {protocol}/{ports}"


def _documented_acl(layer: Layer, request: Box) -> LayerOutcome:
    """A subnet with no declared ACL association: the VPC's default network ACL allows everything (N1)."""
    text = "the VPC's default network ACL allows all inbound and outbound traffic, replies included"
    result = LayerResult(
        layer.name,
        layer.kind,
        [],
        "allow",
        f"{layer.name}: no network ACL is associated in the scanned files; {text}",
        allowed_by=[documented(layer.default, text, "default network ACL")],
        default=layer.default,
    )
    return LayerOutcome([request], result)


_WIDE = 1 << 20  # peers spanning more addresses than this are checked against every request


@dataclass
class _RuleIndex:
    """A layer's compiled rules for one protocol and port set, indexed by peer address (perf).

    ``wide`` entries (large or many-interval peers) are always candidates; the others' peer intervals are
    sorted by start, so a request finds the rules whose peers overlap it by bisection instead of
    intersecting every rule (the management group has rules per workload cluster: a scan would be
    quadratic in clusters). Entries keep their order, so first-match semantics are untouched: a rule
    whose peer does not overlap the request can neither allow nor deny any of it.
    """

    entries: list[_Entry]
    wide: list[int]
    starts: list[int]
    spans: list[tuple[int, int, int]]  # (lo, hi, entry position), sorted

    def lookup(self, peers: AddressSet) -> list[_Entry]:
        hits = set(self.wide)
        for qlo, qhi in peers.intervals:
            i = bisect.bisect_left(self.starts, qlo - _WIDE)
            while i < len(self.spans) and self.spans[i][0] <= qhi:
                lo, hi, pos = self.spans[i]
                if hi >= qlo:
                    hits.add(pos)
                i += 1
        return [self.entries[i] for i in sorted(hits)]


def _relevant(graph: NetworkGraph, layer: Layer, first_match: bool, pending: list[Box], protocol: str) -> list[_Entry]:
    """The compiled rules that can touch the pending flows (protocol, ports, peer), in rule order."""
    src, dst, ports = project(pending)
    key = (tuple(p.key for p in layer.points), layer.direction, first_match, protocol, ports)
    cache = graph.cache("rule-index")
    index = cache.get(key)
    if index is None:
        entries = [
            c
            for c in _compile(graph, layer, first_match)
            if protocol_matches(c.ordered.protocol, protocol) and c.ordered.ports.overlaps(ports)
        ]
        wide: list[int] = []
        spans: list[tuple[int, int, int]] = []
        for pos, entry in enumerate(entries):
            peer = entry.ordered.src if layer.direction == "ingress" else entry.ordered.dst
            if len(peer.intervals) > 8 or any(hi - lo >= _WIDE for lo, hi in peer.intervals):
                wide.append(pos)
            else:
                spans.extend((lo, hi, pos) for lo, hi in peer.intervals)
        spans.sort()
        index = cache[key] = _RuleIndex(entries, wide, [s[0] for s in spans], spans)
    return index.lookup(src if layer.direction == "ingress" else dst)


def _near_misses(graph: NetworkGraph, layer: Layer, remaining: list[Box], protocol: str) -> list[RuleEvidence]:
    """Rules that match all but one thing (the port, the peer or the protocol) of what was blocked."""
    rules = [r for p in layer.points for r in p.rules if r.direction in (layer.direction, "forward")]
    owner = {id(r): p.name for p in layer.points for r in p.rules}
    src, dst, ports = project(remaining)
    peers = dst if layer.direction == "egress" else src
    scored: list[tuple[int, RuleEvidence]] = []
    for rule in rules:
        addresses, _ = graph.peer_addresses(rule)
        proto_ok = protocol_matches(rule.protocol, protocol)
        port_ok = rule.ports.overlaps(ports)
        peer_ok = addresses.overlaps(peers)
        score = proto_ok + port_ok + peer_ok
        if score >= 2:
            evidence = RuleEvidence(rule.source, rule.describe(), owner[id(rule)])
            scored.append((-(2 * port_ok + peer_ok + proto_ok), evidence))
    scored.sort(key=lambda item: (item[0], item[1].source))
    return [ev for _, ev in scored[:3]]
