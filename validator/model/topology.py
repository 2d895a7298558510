"""The topology as data: which addresses, groups and subnets play which Palette role.

Each role becomes one or more ``Endpoint``s; requirements name roles, and ``Topology.bindings`` pairs
their endpoints (per cluster where both sides are per cluster). The topology file is read by
``ingest/topology.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from validator.model.rules import SourceRef
from validator.model.sets import AddressSet

# Public IPv4 space: everything but the special-purpose blocks of RFC 6890 that are never on the internet.
_NOT_INTERNET = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
)
INTERNET = AddressSet.all_ipv4() - AddressSet.parse(*_NOT_INTERNET)

ROLE_ALIASES = {"operators": "browser", "admin": "browser", "registries": "registry"}


@dataclass
class Endpoint:
    """A named group of addresses playing one role, with the security groups on its interfaces."""

    name: str
    role: str
    addresses: AddressSet
    source: SourceRef
    security_groups: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    subnets: tuple[str, ...] = ()  # subnet ids / addresses / names: which network ACL applies
    cluster: str | None = None
    port: int | None = None  # the port it serves on, where the topology overrides a requirement's
    external: bool = False  # addresses outside the scanned configs (the internet, a SaaS)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self, imds_direct: bool | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "role": self.role,
            "cluster": self.cluster,
            "addresses": self.addresses.ranges(),
            "hosts": list(self.hosts),
            "security_groups": list(self.security_groups),
            "subnets": list(self.subnets),
            "external": self.external,
            "location": self.source.to_json(),
        }
        settings = self.extra.get("proxy_settings")
        if settings is not None:
            out["proxy"] = dict(settings.to_json())
            if imds_direct is not None:  # does the instance metadata service bypass the proxy (analysis)
                out["proxy"]["imds_direct"] = imds_direct
        if "config" in self.extra:
            out["config"] = self.extra["config"]
        return out


@dataclass
class FirewallPlacement:
    """A firewall rule file and the endpoints behind it (traffic crossing its boundary meets its rules)."""

    name: str
    rules: str
    protects: list[Endpoint]
    source: SourceRef


@dataclass
class Topology:
    path: str
    profiles: list[str]
    endpoints: list[Endpoint]
    raw: dict[str, Any]
    firewalls: list[FirewallPlacement] = field(default_factory=list)

    def role(self, role: str) -> list[Endpoint]:
        role = ROLE_ALIASES.get(role, role)
        return [e for e in self.endpoints if e.role == role]

    def bindings(self, source_role: str, destination_role: str) -> list[tuple[Endpoint, Endpoint]]:
        """Every (source, destination) pair a requirement applies to; same cluster when both are per cluster."""
        sources, destinations = self.role(source_role), self.role(destination_role)
        pairs = []
        for s in sources:
            for d in destinations:
                if s.cluster and d.cluster and s.cluster != d.cluster:
                    continue
                pairs.append((s, d))
        return pairs

    def endpoint(self, name: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.name == name), None)

    def to_json(self, imds_direct: Mapping[str, bool] | None = None) -> dict[str, Any]:
        """``imds_direct``: per endpoint name, whether its proxy settings send the instance metadata service
        direct (a fact the analysis derives; see ``analysis/proxy_facts.py``)."""
        imds = imds_direct or {}
        return {
            "file": self.path,
            "profiles": self.profiles,
            "endpoints": [e.to_json(imds.get(e.name)) for e in self.endpoints],
            "firewalls": [
                {
                    "name": f.name,
                    "rules": f.rules,
                    "protects": [e.name for e in f.protects],
                    "location": f.source.to_json(),
                }
                for f in self.firewalls
            ],
        }
