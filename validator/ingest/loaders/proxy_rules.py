"""Declarative access rules for forward proxies that are not Squid (``kind: ProxyRules``) → ``model.proxy``.

The file lists ``listen`` ports, ordered ``rules`` and a ``default`` (deny unless stated). Conditions of a
rule: ``clients`` (CIDRs), ``hosts`` (``name`` = that name only, ``.domain`` = the domain and its
subdomains as in Squid's dstdomain (S4), an IP/CIDR = IP destinations), ``ports`` and ``methods`` (CONNECT
for TLS tunnels); a missing condition matches anything. What such a proxy decides — first match, as
Squid's http_access (S1) — is ``analysis/proxy_rules.py``.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from validator.ingest.loaders.rulefiles import line_of, parse_yaml, read_yaml, validate
from validator.model.errors import InputError
from validator.model.proxy import ProxyRule, ProxyRules
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet, PortSet

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
        raise InputError(
            f"{what}: {exc}", file=file, line=line, hint="use CIDRs (10.0.0.0/8), addresses or first-last ranges"
        ) from None


def load_proxy_rules(path: str | os.PathLike[str]) -> ProxyRules:
    path = os.fspath(path)
    data, node = read_yaml(path)
    return build(data, node, path)


def parse_proxy_rules_text(text: str, path: str = "proxy-rules.yaml") -> ProxyRules:
    data, node = parse_yaml(text, path)
    return build(data, node, path)


def build(data: Any, node: Any, path: str) -> ProxyRules:
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise InputError(
            f"not a {KIND} document (kind: {KIND} is missing)",
            file=path,
            line=1,
            hint=f"start the file with 'kind: {KIND}'",
        )
    validate(data, node, "proxy-rules.schema.json", path)
    rules: list[ProxyRule] = []
    for i, raw in enumerate(data.get("rules") or []):
        line = line_of(node, ["rules", i])
        ref = SourceRef(path, line, resource=str(raw.get("name") or f"rules[{i}]"))
        clients = None
        if "clients" in raw:
            clients = parse_addresses(
                raw["clients"], f"rules[{i}].clients", path, line_of(node, ["rules", i, "clients"])
            )
        domains: tuple[str, ...] | None = None
        host_addrs: AddressSet | None = None
        if "hosts" in raw:
            names: list[str] = []
            addrs: list[str] = []
            for j, h in enumerate(raw["hosts"]):
                text = str(h).strip()
                if text.startswith("*"):
                    raise InputError(
                        f"rules[{i}].hosts: {text!r} — wildcards are not supported",
                        file=path,
                        line=line_of(node, ["rules", i, "hosts", j]),
                        hint=f"use {text.lstrip('*')!r}: a leading dot matches the domain and all its subdomains",
                    )
                try:
                    ipaddress.ip_network(text, strict=False)
                    addrs.append(text)
                except ValueError:
                    names.append(text.lower().rstrip("."))
            domains = tuple(names) if names else None
            host_addrs = (
                parse_addresses(addrs, f"rules[{i}].hosts", path, line_of(node, ["rules", i, "hosts"]))
                if addrs
                else None
            )
        ports = parse_ports(raw["ports"], path, line_of(node, ["rules", i, "ports"])) if "ports" in raw else None
        methods = frozenset(m.upper() for m in raw["methods"]) if "methods" in raw else None
        rules.append(
            ProxyRule(i, raw["action"], ref, str(raw.get("name") or ""), clients, domains, host_addrs, ports, methods)
        )
    return ProxyRules(
        name=data["name"],
        path=path,
        listen=tuple(data["listen"]),
        rules=rules,
        default=data.get("default", "deny"),
        source=SourceRef(path, 1, data["name"]),
    )
