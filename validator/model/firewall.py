"""An on-prem firewall's ordered rules as data (``kind: FirewallRules``), and its enforcement point.

The loader (``ingest/loaders/firewall.py``) fills it from a file; ``to_enforcement_point`` gives the rules
as ``forward`` rules (``sources`` the rule's source, ``peer`` its destination), so the analysis evaluates
firewalls like any other ordered layer: first match, else the default action.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from validator.model.rules import EnforcementPoint, Peer, Rule, SourceRef
from validator.model.sets import AddressSet, PortSet


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

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "name": self.name,
            "action": self.action,
            "source": list(self.src_text),
            "destination": list(self.dst_text),
            "src": self.src.ranges(),
            "dst": self.dst.ranges(),
            "protocol": self.protocol,
            "ports": str(self.ports),
            "ref": self.source.to_json(),
        }


@dataclass
class FirewallRuleSet:
    name: str
    path: str
    zones: dict[str, AddressSet] = field(default_factory=dict)
    rules: list[FirewallRule] = field(default_factory=list)
    default_action: str = "deny"
    stateful: bool = True
    source: SourceRef | None = None

    def to_enforcement_point(self) -> EnforcementPoint:
        ref = self.source or SourceRef(self.path)
        rules = [
            Rule(
                direction="forward",
                action="allow" if r.action == "allow" else "deny",
                protocol=r.protocol,
                ports=r.ports,
                peer=Peer(addresses=r.dst),
                source=r.source,
                order=r.index,
                description=r.name,
                sources=r.src,
            )
            for r in self.rules
        ]
        return EnforcementPoint(
            kind="firewall",
            key=f"firewall:{self.name}",
            name=self.name,
            source=ref,
            rules=rules,
            semantics="first-match",
            default_action="allow" if self.default_action == "allow" else "deny",
            stateful=self.stateful,
            aliases={self.name},
        )

    def to_json(self) -> dict[str, object]:
        return {
            "kind": "firewall",
            "name": self.name,
            "path": self.path,
            "zones": {k: v.ranges() for k, v in self.zones.items()},
            "default_action": self.default_action,
            "stateful": self.stateful,
            "rules": [r.to_json() for r in self.rules],
            "source": self.source.to_json() if self.source else None,
        }
