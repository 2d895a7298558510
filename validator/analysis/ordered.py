"""First-match evaluation of ordered rule lists over boxes of addresses and ports.

Firewalls, NACLs and proxies check rules top-down and the first matching rule decides. A requested flow is
not one packet but a *box*: a set of source addresses × a set of destination addresses × a set of
destination ports (for one protocol). Walking the rules, each rule takes the part of the still-undecided
region that it matches (box intersection) and leaves the rest (box subtraction) to the later rules:

    A − B = (A.s − B.s) × A.d × A.p
          ∪ (A.s ∩ B.s) × (A.d − B.d) × A.p
          ∪ (A.s ∩ B.s) × (A.d ∩ B.d) × (A.p − B.p)

The three pieces are disjoint, so every point of the request is decided by exactly one rule or by the
default action, and no address or port is ever enumerated. Actions are plain strings ("allow" and "deny" for
firewalls and NACLs; Squid's ssl_bump actions). A rule whose match is not known (``maybe``: a part of it is
fixed only when the configuration is applied; a proxy ACL that cannot be decided statically) splits the
evaluation in two: what it might match is "unknown" unless both branches end with the same action.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from validator.model.flows import Box
from validator.model.rules import SourceRef, normalize_protocol, protocol_matches
from validator.model.sets import ALL_PORTS, AddressSet, PortSet, as_addresses, as_ports


@dataclass(frozen=True)
class OrderedRule:
    """One rule of a first-match list. ``protocol`` "all" matches every protocol (AWS ``-1``).

    ``maybe``: whether the rule matches inside its box is not known (a part of it is fixed only when the
    configuration is applied): both branches are followed, so what it might decide is ``unknown`` unless
    every branch ends with the same action.
    """

    action: str
    src: AddressSet
    dst: AddressSet
    protocol: str = "all"
    ports: PortSet = ALL_PORTS
    source: SourceRef | None = None
    label: str = ""
    maybe: bool = False

    def box(self) -> Box:
        return Box(self.src, self.dst, self.ports)

    def to_json(self) -> dict[str, object]:
        return {
            "action": self.action,
            "src": self.src.ranges(),
            "dst": self.dst.ranges(),
            "protocol": self.protocol,
            "ports": str(self.ports),
            "label": self.label,
            "maybe": self.maybe,
            "source": self.source.to_json() if self.source else None,
        }


@dataclass(frozen=True)
class Decided:
    """A sub-box of the request and what decided it: a rule (with its index) or the default (None).

    ``pending`` are the indices of the ``maybe`` rules the box met on the way. When they could change the
    outcome, ``action`` is "unknown" and ``index`` is the first of them; otherwise ``action`` holds whether or
    not they match, and ``index`` is the rule that decides (None: the default).
    """

    box: Box
    action: str
    rule: OrderedRule | None
    index: int | None
    pending: tuple[int, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "box": self.box.to_json(),
            "action": self.action,
            "index": self.index,
            "default": self.rule is None,
            "rule": self.rule.to_json() if self.rule else None,
            "pending": list(self.pending),
        }


@dataclass
class Evaluation:
    """The request split into disjoint decided sub-boxes, in rule order (default last)."""

    request: Box
    protocol: str
    decided: list[Decided] = field(default_factory=list)

    @property
    def allowed(self) -> list[Box]:
        return [d.box for d in self.decided if d.action == "allow"]

    @property
    def denied(self) -> list[Decided]:
        return [d for d in self.decided if d.action == "deny"]

    @property
    def actions(self) -> set[str]:
        return {d.action for d in self.decided}

    @property
    def verdict(self) -> str:
        """ "allow" / "deny" when the whole request got that action, "partial" for allow+deny mixes,
        otherwise the single other action or "unknown"."""
        acts = self.actions
        if not acts:
            return "allow"  # empty request: nothing to block
        if len(acts) == 1:
            return next(iter(acts))
        if acts == {"allow", "deny"}:
            return "partial"
        return "unknown"

    def to_json(self) -> dict[str, object]:
        return {
            "request": self.request.to_json(),
            "protocol": self.protocol,
            "verdict": self.verdict,
            "decided": [d.to_json() for d in self.decided],
        }


def evaluate(rules: Sequence[OrderedRule], default_action: str, request: Box, protocol: str = "all") -> Evaluation:
    """Three-valued first-match evaluation of ``request`` (one ``protocol``) against ``rules`` in order.

    Rules whose protocol does not match ``protocol`` are skipped. Sub-boxes that no rule matches get
    ``default_action`` with ``rule=None``. Where a ``maybe`` rule's box is met, both branches are followed
    (it matched: its action; it did not: the later rules); a sub-box whose branches end in different actions
    is decided "unknown" (see ``Decided``). Output boxes are coalesced per deciding rule and pending set.
    """
    proto = normalize_protocol(protocol)
    result = Evaluation(request=request, protocol=proto)
    remaining: list[tuple[Box, tuple[int, ...]]] = [] if request.is_empty() else [(request, ())]
    decided: dict[tuple[int, tuple[int, ...]], list[Box]] = {}
    for index, rule in enumerate(rules):
        if not remaining:
            break
        if not protocol_matches(normalize_protocol(rule.protocol), proto):
            continue
        rbox = rule.box()
        if rbox.is_empty():
            continue
        rest: list[tuple[Box, tuple[int, ...]]] = []
        for box, pending in remaining:
            inter = box.intersect(rbox)
            if inter.is_empty():
                rest.append((box, pending))
                continue
            rest.extend((piece, pending) for piece in box.subtract(rbox))
            if rule.maybe:
                rest.append((inter, (*pending, index)))
            else:
                decided.setdefault((index, pending), []).append(inter)
        if len(rest) > 8:  # keep fragmentation linear: merge pieces that share a history
            groups: dict[tuple[int, ...], list[Box]] = {}
            for box, pending in rest:
                groups.setdefault(pending, []).append(box)
            rest = [(box, pending) for pending, group in groups.items() for box in coalesce(group)]
        remaining = rest
    for box, pending in remaining:
        decided.setdefault((-1, pending), []).append(box)
    for (index, pending), boxes in sorted(decided.items(), key=lambda item: (item[0][0] < 0, item[0])):
        action = default_action if index < 0 else rules[index].action
        possible = {action, *(rules[j].action for j in pending)}
        deciding = None if index < 0 else index
        if len(possible) > 1:
            action, deciding = "unknown", pending[0]
        decider = None if deciding is None else rules[deciding]
        for box in coalesce(boxes):
            result.decided.append(Decided(box, action, decider, deciding, pending))
    return result


def coalesce(boxes: Iterable[Box]) -> list[Box]:
    """Merge boxes that agree on two dimensions (union the third); repeats until stable."""
    items = [b for b in boxes if not b.is_empty()]
    changed = True
    while changed and len(items) > 1:
        changed = False
        for dim in ("src", "dst", "ports"):
            groups: dict[tuple[object, object], Box] = {}
            order: list[tuple[object, object]] = []
            for b in items:
                if dim == "src":
                    key: tuple[object, object] = (b.dst, b.ports)
                elif dim == "dst":
                    key = (b.src, b.ports)
                else:
                    key = (b.src, b.dst)
                if key in groups:
                    g = groups[key]
                    if dim == "src":
                        groups[key] = Box(as_addresses(g.src | b.src), g.dst, g.ports)
                    elif dim == "dst":
                        groups[key] = Box(g.src, as_addresses(g.dst | b.dst), g.ports)
                    else:
                        groups[key] = Box(g.src, g.dst, as_ports(g.ports | b.ports))
                    changed = True
                else:
                    groups[key] = b
                    order.append(key)
            items = [groups[k] for k in order]
    return items
