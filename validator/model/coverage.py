"""Coverage: which declared resources the topology binds to a role, and which nothing uses.

A path is only as truthful as the bindings behind it: a cluster that binds no security group crosses no
enforcement point, so its paths are "reachable" by omission. The analysis (``analysis/coverage.py``) lists
every resource the scanned files declare, per kind, with the endpoints that bind it, and every endpoint
with what it binds; the policies (``PP-UNBOUND-RESOURCE``, ``PP-PATH-UNENFORCED``) and every report read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from validator.model.rules import SourceRef

# kind → what one of them is called, in the order reports list them
KINDS = {
    "security_groups": "security group",
    "network_acls": "network ACL",
    "subnets": "subnet",
    "prefix_lists": "prefix list",
    "kubernetes_files": "Kubernetes manifest",
    "network_policy_namespaces": "NetworkPolicy namespace",
    "proxy_configs": "proxy config",
    "firewall_rules": "firewall rules file",
}


@dataclass(frozen=True)
class Resource:
    """A declared resource and what uses it: the endpoints that bind it (for a prefix list, the bound groups
    and ACLs whose rules reference it; for a namespace, the endpoints whose pods live there)."""

    kind: str
    key: str
    name: str
    source: SourceRef
    bound_by: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "file": self.source.file,
            "line": self.source.line,
            "bound_by": list(self.bound_by),
        }


@dataclass(frozen=True)
class EndpointBinding:
    """What one endpoint of the topology binds, per kind (names, sorted)."""

    name: str
    role: str
    cluster: str | None
    external: bool
    binds: tuple[tuple[str, tuple[str, ...]], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "cluster": self.cluster,
            "external": self.external,
            "binds": {kind: list(names) for kind, names in self.binds},
        }


@dataclass
class Coverage:
    resources: list[Resource] = field(default_factory=list)
    endpoints: list[EndpointBinding] = field(default_factory=list)

    @property
    def binds_anything(self) -> bool:
        """Whether the topology binds at least one declared resource (prefix lists are not bound themselves)."""
        return any(r.bound_by for r in self.resources if r.kind != "prefix_lists")

    def of_kind(self, kind: str) -> list[Resource]:
        return [r for r in self.resources if r.kind == kind]

    def to_json(self) -> dict[str, Any]:
        kinds = {}
        for kind in KINDS:
            items = self.of_kind(kind)
            kinds[kind] = {
                "declared": len(items),
                "bound": [r.to_json() for r in items if r.bound_by],
                "unused": [r.to_json() for r in items if not r.bound_by],
            }
        return {
            "binds_anything": self.binds_anything,
            "declared": len(self.resources),
            "unused": sum(not r.bound_by for r in self.resources),
            "kinds": kinds,
            "endpoints": [e.to_json() for e in self.endpoints],
        }
