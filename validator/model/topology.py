"""The topology as data: which addresses, groups and subnets play which Palette role.

Each role becomes one or more ``Endpoint``s; requirements name roles, and ``Topology.bindings`` pairs
their endpoints (per cluster where both sides are per cluster). The topology file is read by
``ingest/topology.py``.

Edge clusters are clusters like any other (their endpoints play workload, workload-api and
workload-control-plane, so every layer applies to them the same way), but requirements reach them through
their own role names, ``edge``, ``edge-api`` and ``edge-control-plane``: the workload rows of the SaaS and
self-hosted profiles do not apply to Edge hosts, the edge profile's rows apply only to them.
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
# requirement role → the endpoint role of an Edge cluster's endpoints that plays it
EDGE_ROLES = {"edge": "workload", "edge-api": "workload-api", "edge-control-plane": "workload-control-plane"}
# requirement role → the endpoint roles that play it (the vCenter is one infrastructure API)
ROLE_MEMBERS = {"infrastructure": ("infrastructure", "vcenter")}
# Deployment kinds a topology describes (``Topology.deployments``); profiles say which they apply to.
DEPLOYMENTS = ("saas", "self-hosted", "self-hosted-airgap", "pcg", "edge")
SAAS_DOMAIN = "spectrocloud.com"
# requirement destinations whose port the topology may set (the API server's port, the infrastructure URL's)
PORT_FROM_ENDPOINT = ("workload-api", "edge-api", "infrastructure")


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
    edge: bool = False  # an Edge cluster's endpoint (requirements reach it as edge, edge-api, edge-control-plane)

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
        if self.edge:
            out["edge"] = True
        if self.port is not None:
            out["port"] = self.port
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
    profiles: list[str]  # as the file lists them (empty when palette_version chooses them)
    endpoints: list[Endpoint]
    raw: dict[str, Any]
    firewalls: list[FirewallPlacement] = field(default_factory=list)
    palette_version: str | None = None
    airgap: bool = False
    cluster_pcg: dict[str, str] = field(default_factory=dict)  # cluster name → the PCG that deploys it
    todos: list[tuple[int, str]] = field(default_factory=list)  # (line, text) of the file's "# TODO" comments

    @classmethod
    def empty(cls) -> Topology:
        """No topology: nothing bound (what the files declare is then listed as bound by nothing)."""
        return cls(path="", profiles=[], endpoints=[], raw={})

    def role(self, role: str) -> list[Endpoint]:
        """The endpoints a requirement naming ``role`` binds (edge clusters only under the edge roles)."""
        role = ROLE_ALIASES.get(role, role)
        if role in EDGE_ROLES:
            return [e for e in self.endpoints if e.edge and e.role == EDGE_ROLES[role]]
        members = ROLE_MEMBERS.get(role, (role,))
        return [e for e in self.endpoints if e.role in members and not e.edge]

    def bindings(self, source_role: str, destination_role: str) -> list[tuple[Endpoint, Endpoint]]:
        """Every (source, destination) pair a requirement applies to; same cluster when both are per cluster;
        a PCG only to the clusters it deploys (all of them when no cluster names its PCG)."""
        sources, destinations = self.role(source_role), self.role(destination_role)
        pairs = []
        for s in sources:
            for d in destinations:
                if s.cluster and d.cluster and s.cluster != d.cluster:
                    continue
                if not (self._deploys(s, d) and self._deploys(d, s)):
                    continue
                pairs.append((s, d))
        return pairs

    def _deploys(self, pcg: Endpoint, other: Endpoint) -> bool:
        if pcg.role != "pcg" or other.cluster is None or not self.cluster_pcg:
            return True
        return self.cluster_pcg.get(other.cluster) == pcg.name

    def deployments(self) -> list[str]:
        """What the topology describes, in ``DEPLOYMENTS`` order: SaaS when the management platform is
        Spectro Cloud's (every host name under spectrocloud.com, or only 'internet' addresses without host
        names), else self-hosted (self-hosted-airgap with ``airgap: true``); pcg with a PCG; edge with an
        Edge cluster."""
        kinds = []
        for mgmt in self.role("management")[:1]:
            saas = mgmt.external and all(
                h.lower().rstrip(".") == SAAS_DOMAIN or h.lower().rstrip(".").endswith("." + SAAS_DOMAIN)
                for h in mgmt.hosts
            )
            kinds.append("saas" if saas else "self-hosted-airgap" if self.airgap else "self-hosted")
        if self.role("pcg"):
            kinds.append("pcg")
        if self.role("edge"):
            kinds.append("edge")
        return kinds

    def endpoint(self, name: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.name == name), None)

    def to_json(self, imds_direct: Mapping[str, bool] | None = None) -> dict[str, Any]:
        """``imds_direct``: per endpoint name, whether its proxy settings send the instance metadata service
        direct (a fact the analysis derives; see ``analysis/proxy_facts.py``)."""
        imds = imds_direct or {}
        return {
            "file": self.path,
            "profiles": self.profiles,
            "palette_version": self.palette_version,
            "deployments": self.deployments(),
            "todos": [{"line": line, "text": text} for line, text in self.todos],
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
