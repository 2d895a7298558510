"""What a declarative proxy (``kind: ProxyRules``) decides for a request: the same first match as Squid (S1).

Rules top-down, the first rule whose given conditions all hold decides, else ``default``. Host names are
matched as requested — never resolved — so a rule listing only names does not match an IP-literal request;
IP/CIDR host entries match the destination addresses, and for a name whose addresses the caller did not
give their match is ``unknown`` (the proxy would resolve it), as for Squid's ``dst`` ACLs.
"""

from __future__ import annotations

import ipaddress

from validator.analysis.proxy_decision import (
    AclEvidence,
    CompiledLine,
    Outcome,
    ProxyDecision,
    ProxyRequest,
    assemble,
)
from validator.analysis.squid import match_domain
from validator.model.proxy import ProxyRule, ProxyRules
from validator.model.sets import AddressSet


def _ip_of(host: str | None) -> AddressSet | None:
    if host is None:
        return None
    try:
        return AddressSet.parse(str(ipaddress.ip_address(host.strip("[]"))))
    except ValueError:
        return None


def _compile(rule: ProxyRule, req: ProxyRequest) -> CompiledLine | None:
    everything = AddressSet.everything()
    evidence: list[AclEvidence] = []
    if rule.methods is not None:
        ok = req.method in rule.methods
        evidence.append(
            AclEvidence(
                "methods",
                "method",
                False,
                ok,
                f"method {req.method} {'is' if ok else 'is not'} in {','.join(sorted(rule.methods))}",
                (rule.source,),
            )
        )
        if not ok:
            return None
    if rule.ports is not None:
        ok = req.port in rule.ports
        evidence.append(
            AclEvidence(
                "ports",
                "port",
                False,
                ok,
                f"port {req.port} {'is' if ok else 'is not'} in {rule.ports}",
                (rule.source,),
            )
        )
        if not ok:
            return None
    dsts: AddressSet = everything
    unknown = False
    if rule.has_hosts:
        name_hit = False
        if req.host is not None and _ip_of(req.host) is None and rule.domains:
            name_hit = any(match_domain(req.host, d) for d in rule.domains)
        if name_hit:
            evidence.append(
                AclEvidence(
                    "hosts",
                    "dstdomain",
                    False,
                    True,
                    f"host {req.host} is in {','.join(rule.domains or ())}",
                    (rule.source,),
                )
            )
        elif rule.host_addresses is not None and req.dst is not None:
            dsts = rule.host_addresses
            evidence.append(
                AclEvidence("hosts", "dst", False, None, f"destinations in {rule.host_addresses}", (rule.source,))
            )
        elif rule.host_addresses is not None:
            unknown = True
            evidence.append(
                AclEvidence(
                    "hosts",
                    "dst",
                    False,
                    None,
                    f"the addresses of {req.host} are not known; the rule lists {rule.host_addresses}",
                    (rule.source,),
                )
            )
        else:
            what = req.host if req.host is not None else "the IP-literal request"
            evidence.append(
                AclEvidence(
                    "hosts",
                    "dstdomain",
                    False,
                    False,
                    f"{what} is not in {','.join(rule.domains or ())}",
                    (rule.source,),
                )
            )
            return None
    clients: AddressSet = everything
    if rule.clients is not None:
        clients = rule.clients
        evidence.append(AclEvidence("clients", "src", False, None, f"clients in {rule.clients}", (rule.source,)))
    frozen = tuple(evidence)

    def explain(part_clients: AddressSet, part_dsts: AddressSet | None) -> tuple[AclEvidence, ...]:
        return frozen

    return CompiledLine(rule.action, clients, dsts, rule.source, rule.text, explain, unknown=unknown)


def decide(
    config: ProxyRules, client: AddressSet, host: str | None, dst: AddressSet | None, port: int, method: str
) -> ProxyDecision:
    """First-match decision for a request (same interface as squid.decide)."""
    if dst is None:
        dst = _ip_of(host)
    req = ProxyRequest(client, host, dst, port, method.upper())
    default: Outcome = "allow" if config.default == "allow" else "deny"
    return assemble(req, [_compile(r, req) for r in config.rules], default, config.source, f"default: {config.default}")
