"""Rules and what applies them: the normalized form every loader produces and the analysis reads.

A ``Rule`` is one allow or deny of an ``EnforcementPoint`` (a security group, a network ACL, a firewall),
with its peer and the ``SourceRef`` (file, line, resource) an auditor follows. Protocol spellings of AWS
and Kubernetes are normalized to one name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from validator.model.compact import by_fields
from validator.model.sets import NO_ADDRESSES, AddressSet, PortSet

Protocol = str  # "tcp" | "udp" | "icmp" | "icmpv6" | "sctp" | "all" | an IP protocol number as text
Direction = Literal["ingress", "egress", "forward"]  # forward: an in-path firewall rule (both ends)
Action = Literal["allow", "deny"]

_PROTOCOL_NAMES = {
    "-1": "all",
    "all": "all",
    "6": "tcp",
    "17": "udp",
    "1": "icmp",
    "58": "icmpv6",
    "132": "sctp",
    "tcp": "tcp",
    "udp": "udp",
    "icmp": "icmp",
    "icmpv6": "icmpv6",
    "sctp": "sctp",
    "any": "all",
    "*": "all",
}


def normalize_protocol(value: object) -> Protocol:
    """AWS/Kubernetes protocol spellings to one name; ValueError for anything unknown."""
    text = str(value).strip().lower()
    if text in _PROTOCOL_NAMES:
        return _PROTOCOL_NAMES[text]
    if text.isdigit() and 0 <= int(text) <= 255:
        return text
    raise ValueError(f"unknown protocol {value!r} (expected tcp, udp, icmp, icmpv6, -1/all or 0-255)")


def protocol_matches(rule_protocol: Protocol, flow_protocol: Protocol) -> bool:
    return rule_protocol == "all" or rule_protocol == flow_protocol


@by_fields
@dataclass(frozen=True, order=True, slots=True)  # slots (perf): one per rule, peer and location
class SourceRef:
    """Where a rule or resource is declared: the evidence an auditor follows."""

    file: str
    line: int | None = None
    resource: str = ""
    column: int | None = None

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"file": self.file, "line": self.line, "resource": self.resource}
        if self.column:
            out["column"] = self.column
        return out


# The parts of a rule that can be unknown (``rule``: whether the rule exists at all).
UNKNOWN_FIELDS = ("cidr_ipv4", "cidr_ipv6", "group", "prefix_list", "from_port", "to_port", "protocol", "rule")


@by_fields
@dataclass(frozen=True, slots=True)
class Unknown:
    """A part of a rule the configs do not fix: known only when applied or deployed.

    ``field`` names the part (``rule`` when the rule's very existence is unknown), ``expression`` the text that
    could not be evaluated (``var.p``, ``aws_vpc.main.cidr_block``, ``!ImportValue Shared``) and ``source`` where
    it is written. The loader widens that part to its whole range (all ports, every address, every protocol), so
    the rule may match more than it will: the analysis treats such a rule as "may allow", which can make a flow
    ``unknown`` but never ``reachable``.
    """

    field: str
    reason: str
    expression: str = ""
    source: SourceRef | None = None

    def describe(self) -> str:
        where = f" at {self.source.location()}" if self.source else ""
        expr = f" ({self.expression})" if self.expression else ""
        return f"{self.field}{expr}: {self.reason}{where}"

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"field": self.field, "reason": self.reason, "expression": self.expression}
        if self.source is not None:
            out["file"], out["line"] = self.source.file, self.source.line
        return out


@by_fields
@dataclass(frozen=True, slots=True)
class Peer:
    """The other side of a rule: addresses, and references resolved later by the graph.

    ``groups`` are security-group keys (members' addresses), ``prefix_lists`` managed prefix list keys.
    What a loader could not fix is not here but in ``Rule.unknowns``.
    """

    addresses: AddressSet = NO_ADDRESSES
    groups: tuple[str, ...] = ()
    prefix_lists: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [
            *self.addresses.ranges(),
            *(f"sg:{g}" for g in self.groups),
            *(f"pl:{p}" for p in self.prefix_lists),
        ]
        return ", ".join(parts) if parts else "(nothing)"


@by_fields
@dataclass(frozen=True, slots=True)
class Rule:
    """One normalized rule of an enforcement point.

    ``ports`` are destination ports (for ICMP the whole set; A5). ``order`` is the position in
    first-match lists (NACL rule number, firewall/proxy line order); None in union semantics.
    ``unknowns`` are the parts the configs do not fix (see ``Unknown``): such a rule is never a definite match.
    ``implicit`` names a rule nobody wrote that the platform adds by itself (``aws-default-egress``), so the
    evidence can say where it comes from (docs/semantics.md).
    """

    direction: Direction
    action: Action
    protocol: Protocol
    ports: PortSet
    peer: Peer
    source: SourceRef
    order: int | None = None
    description: str = ""
    # Forward (firewall) rules also match the sender: ``sources``; ``peer`` is then the destination.
    sources: AddressSet | None = None
    unknowns: tuple[Unknown, ...] = ()
    implicit: str = ""

    def describe(self) -> str:
        what = f"{self.action} {self.direction} {self.protocol}"
        if self.protocol in ("tcp", "udp", "sctp"):
            what += f"/{self.ports}"
        if self.direction == "forward":
            return f"{what} from {self.sources or 'any'} to {self.peer.describe()}"
        side = "from" if self.direction == "ingress" else "to"
        unknown = "".join(f", {u.field} unknown ({u.expression or u.reason})" for u in self.unknowns)
        return f"{what} {side} {self.peer.describe()}{unknown}"


# where each ``Rule.implicit`` kind is documented by the platform that adds the rule
IMPLICIT_SOURCES = {
    "aws-default-egress": "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html",
}

EnforcementKind = Literal["security-group", "network-acl", "network-policy", "proxy", "firewall"]
Semantics = Literal["union", "first-match"]


@dataclass
class EnforcementPoint:
    """Something that applies rules to traffic: a security group, a NACL, a proxy, a firewall.

    ``semantics`` says how rules combine: ``union`` (allow-only, any match allows: security groups,
    NetworkPolicies) or ``first-match`` (ordered, first matching rule decides, else ``default_action``).
    ``stateful`` points admit replies by themselves; stateless ones need a rule for the return leg.
    ``aliases`` are every name a reference may use (sg-… id, Terraform address, CFN logical id, name).
    """

    kind: EnforcementKind
    key: str
    name: str
    source: SourceRef
    rules: list[Rule] = field(default_factory=list)
    semantics: Semantics = "union"
    default_action: Action = "deny"
    stateful: bool = True
    aliases: set[str] = field(default_factory=set)
    vpc: str | None = None
    unresolved: tuple[str, ...] = ()


@dataclass
class PrefixList:
    """A managed prefix list declared in the repo (A4): its entries' CIDRs.

    ``unknowns`` lists entries the configs do not fix (field ``cidr_ipv4``/``cidr_ipv6``, or ``rule`` for the
    whole list when only its id is known): a rule naming such a list is never a definite match.
    """

    key: str
    name: str
    addresses: AddressSet
    source: SourceRef
    aliases: set[str] = field(default_factory=set)
    unknowns: tuple[Unknown, ...] = ()

    def combined(self, other: PrefixList) -> PrefixList:
        """The same list read from two files (its description and its entries, from two describe calls): the
        entries of both; what one of them lists completely is no longer unknown."""
        complete = not self.unknowns or not other.unknowns
        named = self if self.name != self.key else other
        return PrefixList(
            self.key,
            named.name,
            self.addresses | other.addresses,
            named.source,
            self.aliases | other.aliases,
            () if complete else self.unknowns + other.unknowns,
        )


@dataclass
class Subnet:
    """A subnet declared in the repo: its CIDR (when known) lets the graph scope its network ACL.

    ``unknowns``: the blocks the configs do not fix (an Amazon-provided IPv6 block, a parameter)."""

    key: str
    name: str
    addresses: AddressSet
    source: SourceRef
    aliases: set[str] = field(default_factory=set)
    vpc: str | None = None
    unknowns: tuple[Unknown, ...] = ()


@dataclass
class Vpc:
    """A VPC declared in the repo: its CIDR blocks and whether it has IPv6, which decides whether AWS adds the
    ``::/0`` default egress rule to its new groups (A3). ``ipv6`` is None when the configs do not say."""

    key: str
    name: str
    addresses: AddressSet
    source: SourceRef
    ipv6: bool | None = False
    aliases: set[str] = field(default_factory=set)
    unknowns: tuple[Unknown, ...] = ()
