"""NetworkPolicy decisions as data: pod groups, compiled rules and the answers of ``NetpolModel.check_flow``.

A ``FlowDecision`` is split into pieces (source part × destination part), each with the decision of the
source's egress and of the destination's ingress (K5), and the rules (file:line) that allowed it or the
policies that isolate the side when nothing matched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from validator.model.connections import ALL_CONN, Conn
from validator.model.kubernetes import PROTOCOLS, NamedPort, NetworkPolicy, PolicyPort, PolicyRule, Workload
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet, IntervalSet, PortSet


def _ps(value: IntervalSet) -> PortSet:
    """Set algebra keeps the subclass at run time; this tells the type checker."""
    return cast(PortSet, value)


# ---------------------------------------------------------------------------------------------------------
@dataclass
class PodGroup:
    """Pods that no policy can tell apart: same namespace, labels and named ports."""

    index: int
    namespace: str
    labels: Mapping[str, str]
    named_ports: tuple[NamedPort, ...]
    workloads: list[Workload] = field(default_factory=list)

    def named_port(self, name: str, protocol: str) -> int | None:
        for p in self.named_ports:
            if p.name == name and p.protocol == protocol:
                return p.port
        return None


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its peers resolved to node ids (groups and external atoms)."""

    policy: NetworkPolicy
    rule: PolicyRule
    direction: str
    peers: frozenset[int]
    static_conn: Conn | None  # None when a named port makes it depend on the destination group
    ports: tuple[PolicyPort, ...]

    def conn_to(self, dst: PodGroup | None) -> Conn:
        """The connections this rule allows towards ``dst`` (None: an external address)."""
        if self.static_conn is not None:
            return self.static_conn
        return ports_conn(self.ports, dst)


def ports_conn(ports: tuple[PolicyPort, ...], dst: PodGroup | None) -> Conn:
    """K6/K10/K11: empty ports → everything; named ports resolved on the destination's containers."""
    if not ports:
        return ALL_CONN
    acc: list[list[tuple[int, int]]] = [[], [], []]
    for p in ports:
        i = PROTOCOLS.index(p.protocol)
        if p.name is not None:
            number = dst.named_port(p.name, p.protocol) if dst is not None else None
            if number is not None:
                acc[i].append((number, number))
        elif p.ports is None:
            acc[i].append((1, 65535))
        else:
            acc[i].extend(p.ports.intervals)
    return Conn((PortSet(acc[0]), PortSet(acc[1]), PortSet(acc[2])))


@dataclass(frozen=True)
class RuleEvidence:
    """One rule that allowed (part of) a flow, with the ports it allowed."""

    policy: str
    policy_source: SourceRef
    rule_source: SourceRef
    ports: PortSet

    def to_json(self) -> dict[str, object]:
        return {
            "policy": self.policy,
            "policy_source": self.policy_source.to_json(),
            "rule_source": self.rule_source.to_json(),
            "ports": str(self.ports),
        }


@dataclass(frozen=True)
class SideDecision:
    """The verdict of one side: source egress or destination ingress.

    ``isolated_by`` empty: no policy selects the pods for this direction (K1), everything is allowed. Else the
    allowed ports are the union of the matching ``rules``; empty rules with ports requested mean blocked:
    isolated by those policies and no rule matches.
    """

    direction: str
    subject: str
    allowed: PortSet
    isolated_by: tuple[tuple[str, SourceRef], ...]
    rules: tuple[RuleEvidence, ...]
    external: bool = False

    def explain(self) -> str:
        if self.external:
            return f"{self.direction}: {self.subject} is outside the cluster; NetworkPolicies do not apply"
        if not self.isolated_by:
            return f"{self.direction}: {self.subject} is not selected by any policy for {self.direction} (allowed)"
        if not self.rules:
            names = ", ".join(f"{n} ({s.location()})" for n, s in self.isolated_by)
            return f"{self.direction}: {self.subject} is isolated by policies {names} and no rule matches"
        allowed = "; ".join(f"{r.policy} rule at {r.rule_source.location()} allows {r.ports}" for r in self.rules)
        return f"{self.direction}: {allowed}"

    def to_json(self) -> dict[str, object]:
        return {
            "direction": self.direction,
            "subject": self.subject,
            "allowed": str(self.allowed),
            "external": self.external,
            "isolated_by": [{"policy": n, "source": s.to_json()} for n, s in self.isolated_by],
            "rules": [r.to_json() for r in self.rules],
            "explanation": self.explain(),
        }


@dataclass(frozen=True)
class FlowPiece:
    """The decision for one (source part, destination part): address endpoints split at ipBlock atoms."""

    src: str
    dst: str
    src_addresses: AddressSet | None
    dst_addresses: AddressSet | None
    egress: SideDecision
    ingress: SideDecision
    allowed: PortSet

    def to_json(self) -> dict[str, object]:
        return {
            "src": self.src,
            "dst": self.dst,
            "allowed": str(self.allowed),
            "egress": self.egress.to_json(),
            "ingress": self.ingress.to_json(),
        }


@dataclass(frozen=True)
class FlowDecision:
    """Answer to ``check_flow``: ``verdict`` allowed (every piece and port), blocked (nothing) or partial."""

    protocol: str
    ports: PortSet
    pieces: tuple[FlowPiece, ...]

    @property
    def verdict(self) -> str:
        if self.pieces and all(p.allowed.covers(self.ports) for p in self.pieces):
            return "allowed"
        if all(not p.allowed for p in self.pieces):
            return "blocked"
        return "partial"

    @property
    def allowed_everywhere(self) -> PortSet:
        """Ports allowed for every piece (what a required path can rely on)."""
        out = self.ports
        for p in self.pieces:
            out = _ps(out & p.allowed)
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "protocol": self.protocol,
            "ports": str(self.ports),
            "verdict": self.verdict,
            "allowed_everywhere": str(self.allowed_everywhere),
            "pieces": [p.to_json() for p in self.pieces],
        }
