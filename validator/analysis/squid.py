"""What Squid decides for a request: http_access (S1–S4) and ssl_bump, from a parsed squid.conf.

Semantics follow squid-cache/squid ``src/cf.data.pre`` (acl, http_access, ssl_bump) and ``src/anyp/Uri.h``
(matchDomainName), see docs/semantics.md S1–S4:

- http_access lines are checked top-down and the first line whose ACLs all match decides; ACLs on a line are
  ANDed, ``!`` negates one, values of one ACL are ORed.
- No line matches → the opposite of the last line's action; no http_access lines at all → deny.
- dstdomain ``.example.com`` matches example.com and every subdomain; ``example.com`` only itself; case is
  ignored. For an IP-literal request Squid would try a reverse lookup, so without ``-n`` the match is
  unknown.
- Addresses are interval sets: a request is evaluated for a whole client address set (and destination
  set) at once and may come out partial. An ACL type this module does not model (there are dozens) makes
  every decision that depends on it ``unknown`` — never a silent allow or deny. So does a ``dst`` ACL when
  the destination addresses are not given (Squid would resolve the host name).

tests/layers/test_layers_squid_oracle.py checks these semantics against a real Squid when one is installed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from validator.analysis.proxy_decision import (
    AclEvidence,
    CompiledLine,
    DecisionPart,
    Outcome,
    ProxyDecision,
    ProxyRequest,
    assemble,
    first_match,
    verdict_of,
)
from validator.model.flows import Box
from validator.model.proxy import AccessLine, Acl, AclRef, SquidConfig
from validator.model.sets import AddressSet, as_addresses


def match_domain(host: str, pattern: str) -> bool:
    """Squid dstdomain (Uri.h matchDomainName): ``.example.com`` matches example.com and its
    subdomains, ``example.com`` only itself; case-insensitive; a trailing dot on the host is ignored."""
    h = host.lower().rstrip(".")
    p = pattern.lower()
    if p.startswith("."):
        return h == p[1:] or h.endswith(p)
    return h == p


def _host_ip(host: str | None) -> AddressSet | None:
    if host is None:
        return None
    text = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return None
    return AddressSet.parse(text)


@dataclass(frozen=True)
class _Cond:
    """One compiled item of an access line for a given request."""

    ref: AclRef
    acl: Acl
    scalar: bool | None = None  # for host/port/method ACLs: the raw match
    src: AddressSet | None = None  # for src ACLs: matching clients (raw)
    dst: AddressSet | None = None  # for dst ACLs: matching destinations (raw)
    unknown: str = ""  # non-empty: why it cannot be decided


def _condition(acl: Acl, ref: AclRef, req: ProxyRequest, step: int | None = None) -> _Cond:
    typ = acl.type
    if typ == "at_step":
        if step is None:
            return _Cond(ref, acl, unknown=f"{acl.name} is an at_step ACL outside ssl_bump")
        return _Cond(ref, acl, scalar=f"sslbump{step}" in acl.methods)
    if typ in ("ssl::server_name", "ssl::server_name_regex"):
        # the CONNECT host at step 1, the TLS SNI later; Go clients send the dialled host as SNI
        typ = "dstdomain" if typ == "ssl::server_name" else "dstdom_regex"
    if typ == "src":
        if acl.unresolved:
            return _Cond(
                ref,
                acl,
                unknown=f"{acl.name} lists host names ({', '.join(acl.unresolved)}) that Squid resolves at startup",
            )
        return _Cond(ref, acl, src=acl.addresses)
    if typ == "dst":
        if acl.unresolved:
            return _Cond(
                ref,
                acl,
                unknown=f"{acl.name} lists host names ({', '.join(acl.unresolved)}) that Squid resolves at startup",
            )
        if req.dst is None:
            return _Cond(
                ref,
                acl,
                unknown=f"{acl.name} is a dst ACL and the destination addresses of "
                f"{req.host} are not known (Squid resolves the name)",
            )
        return _Cond(ref, acl, dst=acl.addresses)
    if typ == "port":
        return _Cond(ref, acl, scalar=req.port in acl.ports)
    if typ == "method":
        return _Cond(ref, acl, scalar=req.method.upper() in acl.methods)
    if typ == "manager":
        return _Cond(ref, acl, scalar=False)
    if typ in ("dstdomain", "dstdom_regex"):
        host = req.host
        if host is None or _host_ip(host) is not None:
            if acl.no_reverse_lookup:
                literal = (host or "").strip("[]").lower()
                if typ == "dstdomain":
                    return _Cond(ref, acl, scalar=bool(literal) and literal in acl.domains)
                return _Cond(ref, acl, scalar=bool(literal) and any(r.search(literal) for r in acl.regexes))
            return _Cond(
                ref,
                acl,
                unknown=f"{acl.name} is a {acl.type} ACL and the request names an IP "
                "address; Squid would try a reverse DNS lookup (use -n to "
                "disable it)",
            )
        if typ == "dstdomain":
            return _Cond(ref, acl, scalar=any(match_domain(host, d) for d in acl.domains))
        return _Cond(ref, acl, scalar=any(r.search(host.lower().rstrip(".")) for r in acl.regexes))
    return _Cond(
        ref, acl, unknown=f"ACL type {typ!r} ({acl.name}) is not modelled; its match cannot be decided statically"
    )


def _ev(cond: _Cond, matched: bool | None, text: str) -> AclEvidence:
    acl = cond.acl
    if acl.predefined and not acl.lines:
        text += " (predefined)"
    return AclEvidence(acl.name, acl.type, cond.ref.negated, matched, text, acl.sources)


def _detail(cond: _Cond, req: ProxyRequest, clients: AddressSet, dsts: AddressSet | None) -> AclEvidence:
    acl = cond.acl
    if cond.unknown:
        return _ev(cond, None, cond.unknown)
    if cond.scalar is not None:
        matched = cond.scalar
        verb = "is" if matched else "is not"
        if acl.type == "port":
            text = f"port {req.port} {verb} in {acl.name}"
        elif acl.type == "method":
            text = f"method {req.method.upper()} {verb} {acl.name}"
        elif acl.type == "manager":
            text = f"the request {verb} a cache-manager request ({acl.name})"
        elif acl.type == "at_step":
            text = f"this step {verb} in {acl.name}"
        else:
            text = f"host {req.host} {verb} in {acl.name}"
        return _ev(cond, matched, text)
    if cond.src is not None:
        inside = clients & cond.src
        if inside == clients:
            return _ev(cond, True, f"clients {clients} are in {acl.name}")
        if not inside:
            return _ev(cond, False, f"clients {clients} are not in {acl.name}")
        return _ev(cond, None, f"clients {inside} of {clients} are in {acl.name}")
    assert cond.dst is not None
    targets = dsts if dsts is not None else AddressSet.everything()
    inside = targets & cond.dst
    if inside == targets:
        return _ev(cond, True, f"destination {targets} is in {acl.name}")
    if not inside:
        return _ev(cond, False, f"destination {targets} is not in {acl.name}")
    return _ev(cond, None, f"destinations {inside} of {targets} are in {acl.name}")


def _compile_line(
    config: SquidConfig, line: AccessLine, req: ProxyRequest, step: int | None = None
) -> CompiledLine | None:
    everything = AddressSet.everything()
    clients: AddressSet = everything
    dsts: AddressSet = everything
    unknown = False
    conds: list[_Cond] = []
    for ref in line.acls:
        acl = config.acl(ref.name)
        cond = _condition(acl, ref, req, step)
        conds.append(cond)
        if cond.unknown:
            unknown = True
        elif cond.scalar is not None:
            if cond.scalar == ref.negated:  # item is false: the whole line cannot match
                return None
        elif cond.src is not None:
            clients = as_addresses(clients & (everything - cond.src if ref.negated else cond.src))
        elif cond.dst is not None:
            dsts = as_addresses(dsts & (everything - cond.dst if ref.negated else cond.dst))
    action = line.action
    frozen = tuple(conds)

    def evidence(part_clients: AddressSet, part_dsts: AddressSet | None) -> tuple[AclEvidence, ...]:
        return tuple(_detail(c, req, part_clients, part_dsts) for c in frozen)

    return CompiledLine(action, clients, dsts, line.source, line.text, evidence, unknown=unknown)


def _request(client: AddressSet, host: str | None, dst: AddressSet | None, port: int, method: str) -> ProxyRequest:
    if dst is None:
        dst = _host_ip(host)  # an IP-literal URL names its destination
    return ProxyRequest(client, host, dst, port, method.upper())


def decide(
    config: SquidConfig, client: AddressSet, host: str | None, dst: AddressSet | None, port: int, method: str
) -> ProxyDecision:
    """What Squid's http_access says for ``method`` to ``host``/``dst``:``port`` from the ``client`` set.

    ``host`` is the requested name (None for an IP-literal request given by ``dst``); ``dst`` the
    destination addresses if known. Returns allow / deny / partial / unknown with the deciding line.
    """
    req = _request(client, host, dst, port, method)
    lines = [_compile_line(config, line, req) for line in config.http_access]
    if not config.http_access:
        return assemble(req, lines, "deny", None, "no http_access lines: Squid denies every request")
    last = config.http_access[-1]
    default: Outcome = "deny" if last.action == "allow" else "allow"
    return assemble(req, lines, default, last.source, last.text)


BUMP_FINAL = {
    "bump": True,
    "client-first": True,
    "server-first": True,
    "splice": False,
    "none": False,
    "terminate": False,
}


def ssl_bump_decision(
    config: SquidConfig, client: AddressSet, host: str | None, dst: AddressSet | None, port: int
) -> ProxyDecision:
    """Whether Squid would bump (decrypt) a CONNECT to ``host``:``port`` — HTTP/2 gRPC breaks there.

    Read the parts' ``outcome`` "allow" as *bumped*, "deny" as *not bumped* (spliced, tunnelled or
    terminated), "unknown" where it depends on an ACL that cannot be decided. Modelled from cf.data.pre
    ssl_bump: nothing is bumped unless some http_port/https_port has the ``ssl-bump`` option; the lines
    are evaluated first-match at step 1 (CONNECT), 2 (ClientHello) and 3 (ServerHello) with ``at_step``
    true at its step; splice/bump/terminate (and the old client-first/server-first/none) end the
    decision, peek/stare go on to the next step; after ``peek`` at step 2 only splice is possible, after
    ``stare`` only bump; no matching line means no bumping (Squid's default: become a TCP tunnel).
    ``ssl::server_name`` matches the CONNECT host (the SNI of a Go client) like dstdomain.
    """
    req = _request(client, host, dst, port, "CONNECT")
    if not any(li.ssl_bump for li in config.listeners):
        return assemble(req, [], "deny", None, "no http_port/https_port has the ssl-bump option")
    everything = AddressSet.everything()
    start = Box(req.client, req.dst if req.dst is not None else everything)
    parts: list[DecisionPart] = []
    dst_known = req.dst is not None

    def walk(box: Box, step: int, trail: tuple[str, ...], last_action: str | None) -> None:
        compiled = [_compile_line(config, line, req, step) for line in config.ssl_bump]
        kept = [c for c in compiled if c is not None]
        for (action, index, _pending), boxes in first_match(box, kept, "(no match)"):
            line = kept[index] if index >= 0 else None
            where = f"step{step} {action}" + (f" ({line.source.location()})" if line and line.source else "")
            here = (*trail, where)
            for b in boxes:
                dsts = b.dst if dst_known else None
                if action == "unknown":
                    outcome: Outcome = "unknown"
                elif action in BUMP_FINAL:
                    outcome = "allow" if BUMP_FINAL[action] else "deny"
                    if last_action == "peek" and step == 3 and action == "bump":
                        outcome = "deny"  # cannot bump after peeking at step 2
                    if last_action == "stare" and step == 3 and action == "splice":
                        outcome = "allow"  # cannot splice after staring at step 2
                elif action in ("peek", "stare") and step < 3:
                    walk(b, step + 1, here, action)
                    continue
                else:  # no matching line (or peek/stare at step 3)
                    outcome = "allow" if last_action == "stare" else "deny"
                text = " → ".join(here)
                ev = line.evidence(b.src, dsts) if line else ()
                parts.append(
                    DecisionPart(
                        outcome, b.src, dsts, line.source if line else None, text, implicit=line is None, acls=ev
                    )
                )

    walk(start, 1, (), None)
    return ProxyDecision(verdict_of({p.outcome for p in parts}), req, tuple(parts))
