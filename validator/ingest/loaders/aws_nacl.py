"""What every AWS network-ACL format shares: one entry → a normalized ordered rule (N1–N2).

Entries are evaluated in ascending rule number per direction, first match wins, and a final ``*`` entry
denies (the EnforcementPoint's default action). IPv4 and IPv6 entries are separate: an entry matches only
addresses of its own family, which the address sets give for free.
"""

from __future__ import annotations

from typing import Any

from validator.ingest.loaders.aws_sg import (
    RuleSpec,
    is_unresolved,
    port_number,
    ports_for,
    rule_addresses,
    unknown_of,
)
from validator.model.errors import InputError
from validator.model.inventory import InputIssue
from validator.model.rules import (
    Action,
    Direction,
    EnforcementPoint,
    Peer,
    Rule,
    SourceRef,
    Unknown,
    normalize_protocol,
)
from validator.model.sets import ALL_PORTS


def new_nacl(key: str, name: str, source: SourceRef, aliases: set[str], vpc: str | None = None) -> EnforcementPoint:
    return EnforcementPoint(
        kind="network-acl",
        key=key,
        name=name,
        source=source,
        semantics="first-match",
        default_action="deny",
        stateful=False,
        aliases={a for a in aliases if a},
        vpc=vpc,
    )


def nacl_rule(
    *,
    egress: bool,
    number: Any,
    action: Any,
    protocol: Any,
    from_port: Any,
    to_port: Any,
    cidr: Any,
    ipv6_cidr: Any,
    source: SourceRef,
    issues: list[InputIssue] | None = None,
) -> Rule:
    """One NACL entry; InputError (at the entry's line) for values AWS would reject. With ``issues``, a CIDR
    with host bits set is read as AWS stores it and recorded there (``aws_sg.canonical_cidr``)."""
    try:
        order = int(number)
    except (TypeError, ValueError):
        raise InputError(f"rule number {number!r} is not a number", file=source.file, line=source.line) from None
    if not 1 <= order <= 32767:
        raise InputError(
            f"rule number {order} is out of range 1-32766",
            file=source.file,
            line=source.line,
            hint="32767 is the implicit final rule; use 1-32766",
        )
    act = str(action).lower()
    if act not in ("allow", "deny"):
        raise InputError(
            f"rule action must be allow or deny, not {action!r}",
            file=source.file,
            line=source.line,
            hint="RuleAction is allow or deny",
        )
    direction: Direction = "egress" if egress else "ingress"
    decision: Action = "allow" if act == "allow" else "deny"
    unknowns: list[Unknown] = []
    try:
        proto = "all" if is_unresolved(protocol) else normalize_protocol(protocol)
    except ValueError as exc:
        raise InputError(
            str(exc), file=source.file, line=source.line, hint="use tcp, udp, icmp, -1 (all) or a protocol number"
        ) from None
    if is_unresolved(protocol):
        unknowns.append(unknown_of("protocol", protocol, source))
    spec = RuleSpec(direction, proto, None, None, source)
    lo = None if is_unresolved(from_port) else port_number(from_port, "from_port", spec)
    hi = None if is_unresolved(to_port) else port_number(to_port, "to_port", spec)
    if proto in ("tcp", "udp") and (is_unresolved(from_port) or is_unresolved(to_port)):
        # an entry whose ports are unknown may match any port: widen, and say so
        unknowns.extend(
            unknown_of(name, v, source)
            for name, v in (("from_port", from_port), ("to_port", to_port))
            if is_unresolved(v)
        )
        lo = hi = None
    ports = ALL_PORTS if proto not in ("tcp", "udp") else ports_for(proto, lo, hi, spec)
    addresses = rule_addresses([cidr] if cidr is not None else [], source, unknowns, issues=issues)
    addresses = addresses | rule_addresses(
        [ipv6_cidr] if ipv6_cidr is not None else [], source, unknowns, "cidr_ipv6", issues=issues
    )
    # an unknown CIDR stays out of the peer: the analysis widens it as a *maybe* match (never a definite one)
    peer = Peer(addresses=addresses)
    return Rule(
        direction,
        decision,
        proto,
        ports,
        peer,
        source,
        order=order,
        description=f"rule {order}",
        unknowns=tuple(unknowns),
    )
