"""Declarative access rules for forward proxies that are not Squid (``kind: ProxyRules``).

The same first-match model as Squid's http_access (S1): rules top-down, the first rule whose given
conditions all hold decides, else ``default`` (deny unless stated). Conditions: ``clients`` (CIDRs),
``hosts`` (``name`` = that name only, ``.domain`` = the domain and its subdomains as in Squid's dstdomain
(S4), an IP/CIDR = IP destinations), ``ports`` and ``methods`` (CONNECT for TLS tunnels). A missing
condition matches anything. Host names are matched as requested — never resolved — so a rule listing
only names does not match an IP-literal request. IP/CIDR host entries match the destination addresses;
for a name whose addresses the caller did not give, their match is ``unknown`` (the proxy would resolve
it), as for Squid's ``dst`` ACLs.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from typing import Any

from validator.analysis.proxy_decision import (
    AclEvidence,
    CompiledLine,
    Outcome,
    ProxyDecision,
    ProxyRequest,
    assemble,
)
from validator.ingest.loaders.rulefiles import line_of, parse_yaml, read_yaml, validate
from validator.ingest.loaders.squid import match_domain
from validator.model.errors import InputError
from validator.model.sets import AddressSet, PortSet, SourceRef

KIND = "ProxyRules"


def parse_ports(values: list[Any], file: str, line: int | None) -> PortSet:
    intervals: list[tuple[int, int]] = []
    for v in values:
        text = str(v)
        lo_s, _, hi_s = text.partition("-")
        lo, hi = int(lo_s), int(hi_s or lo_s)
        if lo > hi or hi > 65535:
            raise InputError(f"bad port range {text!r}", file=file, line=line, hint="low-high within 0-65535")
        intervals.append((lo, hi))
    return PortSet(intervals)


def parse_addresses(values: list[str], what: str, file: str, line: int | None) -> AddressSet:
    try:
        return AddressSet.parse(*values)
    except ValueError as exc:
        raise InputError(f"{what}: {exc}", file=file, line=line,
                         hint="use CIDRs (10.0.0.0/8), addresses or first-last ranges") from None


@dataclass(frozen=True)
class ProxyRule:
    """One rule; None for a condition means "any"."""

    index: int
    action: str
    source: SourceRef
    name: str = ""
    clients: AddressSet | None = None
    domains: tuple[str, ...] | None = None  # host names / .domains (lower case)
    host_addresses: AddressSet | None = None  # IP/CIDR entries of hosts
    ports: PortSet | None = None
    methods: frozenset[str] | None = None

    @property
    def has_hosts(self) -> bool:
        return self.domains is not None or self.host_addresses is not None

    @property
    def text(self) -> str:
        parts = [self.action]
        if self.name:
            parts.append(f"[{self.name}]")
        if self.clients is not None:
            parts.append(f"clients={self.clients}")
        if self.has_hosts:
            hosts = list(self.domains or ()) + (self.host_addresses.ranges() if self.host_addresses else [])
            parts.append("hosts=" + ",".join(hosts))
        if self.ports is not None:
            parts.append(f"ports={self.ports}")
        if self.methods is not None:
            parts.append("methods=" + ",".join(sorted(self.methods)))
        return " ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "name": self.name, "action": self.action,
                "clients": self.clients.ranges() if self.clients is not None else None,
                "domains": list(self.domains) if self.domains is not None else None,
                "host_addresses": self.host_addresses.ranges() if self.host_addresses is not None else None,
                "ports": str(self.ports) if self.ports is not None else None,
                "methods": sorted(self.methods) if self.methods is not None else None,
                "text": self.text, "source": self.source.to_json()}


@dataclass
class ProxyRules:
    """A declarative proxy: listening ports, ordered rules, default action."""

    name: str
    path: str
    listen: tuple[int, ...]
    rules: list[ProxyRule] = field(default_factory=list)
    default: str = "deny"
    source: SourceRef | None = None

    @property
    def listen_ports(self) -> PortSet:
        return PortSet([(p, p) for p in self.listen])

    def decide(self, client: AddressSet, host: str | None, dst: AddressSet | None, port: int,
               method: str) -> ProxyDecision:
        return decide(self, client, host, dst, port, method)

    def to_json(self) -> dict[str, object]:
        return {"kind": "proxy-rules", "name": self.name, "path": self.path, "listen": list(self.listen),
                "listen_ports": str(self.listen_ports), "default": self.default,
                "rules": [r.to_json() for r in self.rules],
                "source": self.source.to_json() if self.source else None}


def load_proxy_rules(path: str | os.PathLike[str]) -> ProxyRules:
    path = os.fspath(path)
    data, node = read_yaml(path)
    return build(data, node, path)


def parse_proxy_rules_text(text: str, path: str = "proxy-rules.yaml") -> ProxyRules:
    data, node = parse_yaml(text, path)
    return build(data, node, path)


def build(data: Any, node: Any, path: str) -> ProxyRules:
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise InputError(f"not a {KIND} document (kind: {KIND} is missing)", file=path, line=1,
                         hint=f"start the file with 'kind: {KIND}'")
    validate(data, node, "proxy-rules.schema.json", path)
    rules: list[ProxyRule] = []
    for i, raw in enumerate(data.get("rules") or []):
        line = line_of(node, ["rules", i])
        ref = SourceRef(path, line, resource=str(raw.get("name") or f"rules[{i}]"))
        clients = None
        if "clients" in raw:
            clients = parse_addresses(raw["clients"], f"rules[{i}].clients", path,
                                      line_of(node, ["rules", i, "clients"]))
        domains: tuple[str, ...] | None = None
        host_addrs: AddressSet | None = None
        if "hosts" in raw:
            names: list[str] = []
            addrs: list[str] = []
            for j, h in enumerate(raw["hosts"]):
                text = str(h).strip()
                if text.startswith("*"):
                    raise InputError(f"rules[{i}].hosts: {text!r} — wildcards are not supported", file=path,
                                     line=line_of(node, ["rules", i, "hosts", j]),
                                     hint=f"use {text.lstrip('*')!r}: a leading dot matches the domain and "
                                          "all its subdomains")
                try:
                    ipaddress.ip_network(text, strict=False)
                    addrs.append(text)
                except ValueError:
                    names.append(text.lower().rstrip("."))
            domains = tuple(names) if names else None
            host_addrs = parse_addresses(addrs, f"rules[{i}].hosts", path,
                                         line_of(node, ["rules", i, "hosts"])) if addrs else None
        ports = parse_ports(raw["ports"], path, line_of(node, ["rules", i, "ports"])) if "ports" in raw \
            else None
        methods = frozenset(m.upper() for m in raw["methods"]) if "methods" in raw else None
        rules.append(ProxyRule(i, raw["action"], ref, str(raw.get("name") or ""), clients, domains,
                               host_addrs, ports, methods))
    return ProxyRules(name=data["name"], path=path, listen=tuple(data["listen"]), rules=rules,
                      default=data.get("default", "deny"), source=SourceRef(path, 1, data["name"]))


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
        evidence.append(AclEvidence("methods", "method", False, ok,
                                    f"method {req.method} {'is' if ok else 'is not'} in "
                                    f"{','.join(sorted(rule.methods))}", (rule.source,)))
        if not ok:
            return None
    if rule.ports is not None:
        ok = req.port in rule.ports
        evidence.append(AclEvidence("ports", "port", False, ok,
                                    f"port {req.port} {'is' if ok else 'is not'} in {rule.ports}",
                                    (rule.source,)))
        if not ok:
            return None
    dsts: AddressSet = everything
    unknown = False
    if rule.has_hosts:
        name_hit = False
        if req.host is not None and _ip_of(req.host) is None and rule.domains:
            name_hit = any(match_domain(req.host, d) for d in rule.domains)
        if name_hit:
            evidence.append(AclEvidence("hosts", "dstdomain", False, True,
                                        f"host {req.host} is in {','.join(rule.domains or ())}",
                                        (rule.source,)))
        elif rule.host_addresses is not None and req.dst is not None:
            dsts = rule.host_addresses
            evidence.append(AclEvidence("hosts", "dst", False, None,
                                        f"destinations in {rule.host_addresses}", (rule.source,)))
        elif rule.host_addresses is not None:
            unknown = True
            evidence.append(AclEvidence("hosts", "dst", False, None,
                                        f"the addresses of {req.host} are not known; the rule lists "
                                        f"{rule.host_addresses}", (rule.source,)))
        else:
            what = req.host if req.host is not None else "the IP-literal request"
            evidence.append(AclEvidence("hosts", "dstdomain", False, False,
                                        f"{what} is not in {','.join(rule.domains or ())}", (rule.source,)))
            return None
    clients: AddressSet = everything
    if rule.clients is not None:
        clients = rule.clients
        evidence.append(AclEvidence("clients", "src", False, None, f"clients in {rule.clients}",
                                    (rule.source,)))
    frozen = tuple(evidence)

    def explain(part_clients: AddressSet, part_dsts: AddressSet | None) -> tuple[AclEvidence, ...]:
        return frozen

    return CompiledLine(rule.action, clients, dsts, rule.source, rule.text, explain, unknown=unknown)


def decide(config: ProxyRules, client: AddressSet, host: str | None, dst: AddressSet | None, port: int,
           method: str) -> ProxyDecision:
    """First-match decision for a request (same interface as squid.decide)."""
    if dst is None:
        dst = _ip_of(host)
    req = ProxyRequest(client, host, dst, port, method.upper())
    default: Outcome = "allow" if config.default == "allow" else "deny"
    return assemble(req, [_compile(r, req) for r in config.rules], default, config.source,
                    f"default: {config.default}")
