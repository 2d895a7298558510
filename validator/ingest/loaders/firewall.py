"""Ordered firewall rules (``kind: FirewallRules``) → ``model.firewall``: zones, first-match rules, default action.

Sources and destinations are zone names (``zones: {name: [CIDR]}``), CIDRs, addresses, ranges or ``any``.
Rules are checked top-down and the first rule matching source, destination, protocol and destination port
decides, else ``default_action`` (the analysis does that: ``analysis/layers_ordered.py``).
"""

from __future__ import annotations

import os
from typing import Any

from validator.ingest.loaders.proxy_rules import parse_ports
from validator.ingest.loaders.rulefiles import line_of, parse_yaml, read_yaml, validate
from validator.model.errors import InputError
from validator.model.firewall import FirewallRule, FirewallRuleSet
from validator.model.rules import SourceRef
from validator.model.sets import ALL_PORTS, AddressSet, as_addresses

KIND = "FirewallRules"


def load_firewall(path: str | os.PathLike[str]) -> FirewallRuleSet:
    path = os.fspath(path)
    data, node = read_yaml(path)
    return build(data, node, path)


def parse_firewall_text(text: str, path: str = "firewall.yaml") -> FirewallRuleSet:
    data, node = parse_yaml(text, path)
    return build(data, node, path)


def _resolve(values: list[str], zones: dict[str, AddressSet], where: str, path: str, line: int | None) -> AddressSet:
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
                raise InputError(
                    f"{where}: {text!r} is neither a zone nor an address/CIDR",
                    file=path,
                    line=line,
                    hint=f"zones: {known}",
                ) from None
    return out


def build(data: Any, node: Any, path: str) -> FirewallRuleSet:
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise InputError(
            f"not a {KIND} document (kind: {KIND} is missing)",
            file=path,
            line=1,
            hint=f"start the file with 'kind: {KIND}'",
        )
    validate(data, node, "firewall.schema.json", path)
    zones: dict[str, AddressSet] = {}
    for name, cidrs in (data.get("zones") or {}).items():
        try:
            zones[name] = AddressSet.parse(*cidrs)
        except ValueError as exc:
            raise InputError(
                f"zones.{name}: {exc}",
                file=path,
                line=line_of(node, ["zones", name]),
                hint="use CIDRs, addresses or first-last ranges",
            ) from None
    rules: list[FirewallRule] = []
    for i, raw in enumerate(data.get("rules") or []):
        line = line_of(node, ["rules", i])
        name = str(raw.get("name") or f"rules[{i}]")
        src_text = tuple(str(s) for s in raw.get("source", ["any"]))
        dst_text = tuple(str(s) for s in raw.get("destination", ["any"]))
        src = _resolve(list(src_text), zones, f"rules[{i}].source", path, line_of(node, ["rules", i, "source"]))
        dst = _resolve(
            list(dst_text), zones, f"rules[{i}].destination", path, line_of(node, ["rules", i, "destination"])
        )
        protocol = str(raw.get("protocol", "any"))
        protocol = "all" if protocol == "any" else protocol
        ports = ALL_PORTS
        if "ports" in raw:
            if protocol not in ("tcp", "udp"):
                raise InputError(
                    f"rules[{i}].ports: ports apply only to tcp or udp, not {protocol}",
                    file=path,
                    line=line_of(node, ["rules", i, "ports"]),
                    hint="set protocol: tcp or udp, or drop ports",
                )
            ports = parse_ports(raw["ports"], path, line_of(node, ["rules", i, "ports"]))
        rules.append(
            FirewallRule(
                i,
                name,
                raw["action"],
                src,
                dst,
                protocol,
                ports,
                SourceRef(path, line, resource=name),
                src_text,
                dst_text,
            )
        )
    return FirewallRuleSet(
        name=data["name"],
        path=path,
        zones=zones,
        rules=rules,
        default_action=data.get("default_action", "deny"),
        stateful=bool(data.get("stateful", True)),
        source=SourceRef(path, 1, data["name"]),
    )
