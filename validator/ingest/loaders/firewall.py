"""Ordered firewall rules (``kind: FirewallRules``): zones, first-match rules, default action.

Rules are checked top-down; the first rule matching source, destination, protocol and destination port
decides, else ``default_action``. Sources and destinations are zone names (``zones: {name: [CIDR]}``),
CIDRs, addresses, ranges or ``any``. Evaluation uses ``validator.ordered`` over boxes, so a request for a
whole subnet comes back split into allowed and denied parts, each with its deciding rule.

For the normalized model, each rule becomes a ``model.Rule`` with direction "forward": ``sources`` is the
rule's source and ``peer`` its destination, so the graph evaluates firewalls like any other ordered layer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from validator.analysis.ordered import Box, Evaluation, OrderedRule, as_addresses, evaluate
from validator.ingest.loaders.proxy_rules import parse_ports
from validator.ingest.loaders.rulefiles import line_of, parse_yaml, read_yaml, validate
from validator.model.errors import InputError
from validator.model.sets import ALL_PORTS, AddressSet, EnforcementPoint, Peer, PortSet, Rule, SourceRef

KIND = "FirewallRules"


@dataclass(frozen=True)
class FirewallRule:
    index: int
    name: str
    action: str
    src: AddressSet
    dst: AddressSet
    protocol: str  # "all" for any
    ports: PortSet
    source: SourceRef
    src_text: tuple[str, ...] = ()
    dst_text: tuple[str, ...] = ()

    def ordered(self) -> OrderedRule:
        return OrderedRule(self.action, self.src, self.dst, self.protocol, self.ports, self.source,
                           self.name)

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "name": self.name, "action": self.action,
                "source": list(self.src_text), "destination": list(self.dst_text),
                "src": self.src.ranges(), "dst": self.dst.ranges(), "protocol": self.protocol,
                "ports": str(self.ports), "ref": self.source.to_json()}


@dataclass
class FirewallRuleSet:
    name: str
    path: str
    zones: dict[str, AddressSet] = field(default_factory=dict)
    rules: list[FirewallRule] = field(default_factory=list)
    default_action: str = "deny"
    stateful: bool = True
    source: SourceRef | None = None

    def ordered_rules(self) -> list[OrderedRule]:
        return [r.ordered() for r in self.rules]

    def evaluate(self, src: AddressSet, dst: AddressSet, protocol: str,
                 ports: PortSet = ALL_PORTS) -> Evaluation:
        """First-match decision for src × dst × ports of one protocol."""
        return evaluate(self.ordered_rules(), self.default_action, Box(src, dst, ports), protocol)

    def to_enforcement_point(self) -> EnforcementPoint:
        ref = self.source or SourceRef(self.path)
        rules = [Rule(direction="forward", action="allow" if r.action == "allow" else "deny",
                      protocol=r.protocol, ports=r.ports, peer=Peer(addresses=r.dst), source=r.source,
                      order=r.index, description=r.name, sources=r.src)
                 for r in self.rules]
        return EnforcementPoint(kind="firewall", key=f"firewall:{self.name}", name=self.name, source=ref,
                                rules=rules, semantics="first-match",
                                default_action="allow" if self.default_action == "allow" else "deny",
                                stateful=self.stateful, aliases={self.name})

    def to_json(self) -> dict[str, object]:
        return {"kind": "firewall", "name": self.name, "path": self.path,
                "zones": {k: v.ranges() for k, v in self.zones.items()},
                "default_action": self.default_action, "stateful": self.stateful,
                "rules": [r.to_json() for r in self.rules],
                "source": self.source.to_json() if self.source else None}


def load_firewall(path: str | os.PathLike[str]) -> FirewallRuleSet:
    path = os.fspath(path)
    data, node = read_yaml(path)
    return build(data, node, path)


def parse_firewall_text(text: str, path: str = "firewall.yaml") -> FirewallRuleSet:
    data, node = parse_yaml(text, path)
    return build(data, node, path)


def _resolve(values: list[str], zones: dict[str, AddressSet], where: str, path: str,
             line: int | None) -> AddressSet:
    out = AddressSet()
    for v in values:
        text = str(v).strip()
        if text in zones:
            out = as_addresses(out | zones[text])
        elif text.lower() == "any":
            out = AddressSet.everything()
        else:
            try:
                out = as_addresses(out | AddressSet.parse(text))
            except ValueError:
                known = ", ".join(sorted(zones)) or "none defined"
                raise InputError(f"{where}: {text!r} is neither a zone nor an address/CIDR", file=path,
                                 line=line, hint=f"zones: {known}") from None
    return out


def build(data: Any, node: Any, path: str) -> FirewallRuleSet:
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise InputError(f"not a {KIND} document (kind: {KIND} is missing)", file=path, line=1,
                         hint=f"start the file with 'kind: {KIND}'")
    validate(data, node, "firewall.schema.json", path)
    zones: dict[str, AddressSet] = {}
    for name, cidrs in (data.get("zones") or {}).items():
        try:
            zones[name] = AddressSet.parse(*cidrs)
        except ValueError as exc:
            raise InputError(f"zones.{name}: {exc}", file=path, line=line_of(node, ["zones", name]),
                             hint="use CIDRs, addresses or first-last ranges") from None
    rules: list[FirewallRule] = []
    for i, raw in enumerate(data.get("rules") or []):
        line = line_of(node, ["rules", i])
        name = str(raw.get("name") or f"rules[{i}]")
        src_text = tuple(str(s) for s in raw.get("source", ["any"]))
        dst_text = tuple(str(s) for s in raw.get("destination", ["any"]))
        src = _resolve(list(src_text), zones, f"rules[{i}].source", path,
                       line_of(node, ["rules", i, "source"]))
        dst = _resolve(list(dst_text), zones, f"rules[{i}].destination", path,
                       line_of(node, ["rules", i, "destination"]))
        protocol = str(raw.get("protocol", "any"))
        protocol = "all" if protocol == "any" else protocol
        ports = ALL_PORTS
        if "ports" in raw:
            if protocol not in ("tcp", "udp"):
                raise InputError(f"rules[{i}].ports: ports apply only to tcp or udp, not {protocol}",
                                 file=path, line=line_of(node, ["rules", i, "ports"]),
                                 hint="set protocol: tcp or udp, or drop ports")
            ports = parse_ports(raw["ports"], path, line_of(node, ["rules", i, "ports"]))
        rules.append(FirewallRule(i, name, raw["action"], src, dst, protocol, ports,
                                  SourceRef(path, line, resource=name), src_text, dst_text))
    return FirewallRuleSet(name=data["name"], path=path, zones=zones, rules=rules,
                           default_action=data.get("default_action", "deny"),
                           stateful=bool(data.get("stateful", True)), source=SourceRef(path, 1, data["name"]))
