"""What every AWS security-group format shares: one rule spec → normalized rules (semantics A1–A5).

Terraform, ``terraform show -json``, CloudFormation and ``aws ec2 describe-security-groups`` spell the same
IpPermission differently; each loader extracts the fields and calls ``sg_rules`` so the semantics live in
one place: protocol ``-1`` or any protocol other than tcp/udp/icmp/icmpv6 means all ports (A5), tcp/udp
ranges are inclusive, for ICMP the port fields are type/code and the whole protocol is kept (we do not
model ICMP types), IPv4 and IPv6 CIDRs are matched separately (A4), and a group reference or prefix list
is kept as a reference for the graph to resolve.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from validator.model.errors import InputError
from validator.model.inventory import InputIssue
from validator.model.rules import EnforcementPoint, Peer, Rule, SourceRef, Unknown, normalize_protocol
from validator.model.sets import ALL_PORTS, AddressSet, PortSet, parse_range

UNRESOLVED = object()
LATER = "not known until the configuration is applied"
NOT_CANONICAL = "cidr-not-canonical"


@dataclass(frozen=True)
class Unresolved:
    """A value a loader evaluated as far as the configs allow: why it stops there, and the text it could not
    evaluate (``!ImportValue shared-vpc``). It becomes an ``Unknown`` of the rule that holds it."""

    reason: str
    expression: str = ""


def is_unresolved(value: Any) -> bool:
    """Values a loader could not resolve: Terraform unknowns, intrinsic functions left as dicts."""
    return value is None or value is UNRESOLVED or isinstance(value, (dict, Unresolved))


@dataclass
class RuleSpec:
    """One IpPermission as the formats give it, before normalization."""

    direction: Any  # "ingress" | "egress" (checked by the loaders)
    protocol: Any
    from_port: Any
    to_port: Any
    source: SourceRef
    cidrs: list[Any] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    prefix_lists: list[str] = field(default_factory=list)
    description: str = ""
    unknowns: list[Unknown] = field(default_factory=list)
    # where CIDRs the cloud rewrites are recorded (``canonical_cidr``); None: such a CIDR is an input error
    issues: list[InputIssue] | None = None

    def unknown(self, field_name: str, reason: str, expression: str = "") -> None:
        """Record a part of this rule the configs do not fix (see ``Unknown``)."""
        self.unknowns.append(Unknown(field_name, reason, expression, self.source))


def port_number(value: Any, what: str, spec: RuleSpec) -> int | None:
    """A port field: an integer or its decimal text. A boolean or a fraction is an error, never coerced
    (``true`` is not port 1, ``443.5`` is not 443)."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, int | str) or len(str(value)) > 12:
            raise TypeError
        port = int(value)
    except (TypeError, ValueError):
        raise InputError(
            f"{what} {value!r} is not a number",
            file=spec.source.file,
            line=spec.source.line,
            hint="write a whole port number from 0 to 65535 (not true, not 443.5)",
        ) from None
    return port


def ports_for(protocol: str, from_port: int | None, to_port: int | None, spec: RuleSpec) -> PortSet:
    """The destination ports a rule admits (A5)."""
    if protocol not in ("tcp", "udp"):
        return ALL_PORTS  # all, icmp/icmpv6 (type/code), other protocol numbers: whole protocol
    if from_port is None and to_port is None:
        return ALL_PORTS
    lo = from_port if from_port is not None else to_port
    hi = to_port if to_port is not None else from_port
    assert lo is not None and hi is not None
    if lo == -1 and hi == -1:
        return ALL_PORTS
    for p in (lo, hi):
        if not 0 <= p <= 65535:
            raise InputError(
                f"port {p} is out of range 0-65535",
                file=spec.source.file,
                line=spec.source.line,
                hint="use a port between 0 and 65535",
            )
    if lo > hi:
        raise InputError(
            f"port range {lo}-{hi} is reversed",
            file=spec.source.file,
            line=spec.source.line,
            hint=f"write from_port={hi}, to_port={lo}",
        )
    return PortSet.range(lo, hi)


def sg_rules(spec: RuleSpec) -> Rule:
    """Normalize one rule spec; InputError (with the spec's location) on bad values."""
    file, line = spec.source.file, spec.source.line
    if is_unresolved(spec.protocol):
        spec.unknown("protocol", _reason(spec.protocol), _expression(spec.protocol))
        return Rule(
            spec.direction,
            "allow",
            "all",
            ALL_PORTS,
            Peer(addresses=AddressSet.everything()),
            spec.source,
            description=spec.description,
            unknowns=tuple(spec.unknowns),
        )
    try:
        protocol = normalize_protocol(spec.protocol)
    except ValueError as exc:
        raise InputError(str(exc), file=file, line=line, hint="use tcp, udp, icmp, icmpv6, -1 (all) or 0-255") from None
    ports_unknown = False
    from_port = to_port = None
    if is_unresolved(spec.from_port) or is_unresolved(spec.to_port):
        if protocol in ("tcp", "udp"):
            ports_unknown = True
            for name, value in (("from_port", spec.from_port), ("to_port", spec.to_port)):
                if is_unresolved(value):
                    spec.unknown(name, _reason(value), _expression(value))
    else:
        from_port = port_number(spec.from_port, "from_port", spec)
        to_port = port_number(spec.to_port, "to_port", spec)
    ports = ALL_PORTS if ports_unknown else ports_for(protocol, from_port, to_port, spec)
    addresses = rule_addresses(spec.cidrs, spec.source, spec.unknowns, issues=spec.issues)
    peer = Peer(addresses=addresses, groups=tuple(spec.groups), prefix_lists=tuple(spec.prefix_lists))
    return Rule(
        spec.direction,
        "allow",
        protocol,
        ports,
        peer,
        spec.source,
        description=spec.description,
        unknowns=tuple(dict.fromkeys(spec.unknowns)),
    )


def _expression(value: Any) -> str:
    """The text of a value a loader could not evaluate, when the parser kept it."""
    if isinstance(value, Unresolved):
        return value.expression
    if isinstance(value, dict):
        return str(value.get("__attribute__") or value.get("__name__") or next(iter(value), ""))
    return ""


def _reason(value: Any) -> str:
    return value.reason if isinstance(value, Unresolved) else LATER


def unknown_of(field_name: str, value: Any, source: SourceRef) -> Unknown:
    """The ``Unknown`` for an unresolved value of a rule's field."""
    return Unknown(field_name, _reason(value), _expression(value), source)


def rule_addresses(
    values: Iterable[Any],
    source: SourceRef,
    unknowns: list[Unknown],
    field_name: str = "cidr_ipv4",
    issues: list[InputIssue] | None = None,
) -> AddressSet:
    """A rule's CIDRs (security group or ACL); values known only at apply time go to ``unknowns``.

    A CIDR with host bits set is read as the cloud stores it when ``issues`` is given (``canonical_cidr``),
    else it is an input error."""
    texts: list[str] = []
    for value in values:
        if value == "":
            continue
        if is_unresolved(value):
            unknowns.append(unknown_of(field_name, value, source))
        elif issues is not None:
            texts.append(canonical_cidr(str(value), source, issues))
        else:
            texts.append(str(value))
    try:
        return AddressSet.parse(*texts, strict=True)
    except ValueError as exc:
        raise InputError(
            str(exc), file=source.file, line=source.line, hint="AWS rule CIDRs must be network addresses"
        ) from None


def canonical_cidr(text: str, source: SourceRef, issues: list[InputIssue], what: str = "CIDR") -> str:
    """The CIDR as EC2 stores it: host bits cleared (``192.168.1.0/0`` is ``0.0.0.0/0``, A3). A rewritten
    value is recorded as a ``cidr-not-canonical`` issue (written and canonical form; the policies decide
    how serious it is); text that is no CIDR at all is returned as it is, for the caller's error."""
    text = text.strip()
    canonical = _canonical(text)
    if canonical == text:
        return text
    issues.append(
        InputIssue(
            NOT_CANONICAL,
            f"{what} {text} has host bits set: AWS stores it as {canonical}",
            source,
            (("written", text), ("canonical", canonical)),
        )
    )
    return canonical


@functools.lru_cache(maxsize=1 << 16)
def _canonical(text: str) -> str:
    """``text`` when it is a network address or no CIDR at all, else its network (once per text: perf)."""
    try:
        parse_range(text, strict=True)
        return text
    except ValueError:
        pass
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return text


def check_family(cidrs: Iterable[Any], family: int, spec_source: SourceRef, field_name: str) -> None:
    """IPv6 in an IPv4 field (or the reverse) is an error AWS would reject too."""
    for cidr in cidrs:
        if isinstance(cidr, str) and cidr and (":" in cidr) != (family == 6):
            raise InputError(
                f"{field_name} holds {cidr!r}, which is not IPv{family}",
                file=spec_source.file,
                line=spec_source.line,
                hint=f"move it to the IPv{10 - family} field",
            )


def new_group(
    key: str, name: str, source: SourceRef, aliases: Iterable[str] = (), vpc: str | None = None
) -> EnforcementPoint:
    return EnforcementPoint(
        kind="security-group", key=key, name=name, source=source, aliases={a for a in aliases if a}, vpc=vpc
    )


def default_egress(source: SourceRef, cidr: str = "0.0.0.0/0", unknowns: tuple[Unknown, ...] = ()) -> Rule:
    """One allow-all egress rule AWS adds to a new group declared without egress rules (A3): ``0.0.0.0/0``,
    and ``::/0`` when the VPC has an IPv6 block (``unknowns`` holds a ``rule`` unknown when that is not known)."""
    return Rule(
        "egress",
        "allow",
        "all",
        ALL_PORTS,
        Peer(addresses=AddressSet.parse(cidr)),
        source,
        description="default egress rule AWS adds when none is declared",
        unknowns=unknowns,
        implicit="aws-default-egress",
    )
