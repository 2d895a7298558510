"""Which declared resources the topology binds, and which nothing uses (``model.coverage``).

A security group, subnet or firewall rules file is bound when a topology endpoint names it; a network ACL when
it is associated with a bound subnet; a prefix list when a bound group's or ACL's rule references it; a
Kubernetes manifest when a cluster's ``kubernetes`` folder claims it; a namespace holding NetworkPolicies
when the pods that play a role live there; a proxy config when a topology proxy names it.
"""

from __future__ import annotations

from collections import defaultdict

from validator.analysis.graph import NetworkGraph
from validator.model.coverage import KINDS, Coverage, EndpointBinding, Resource
from validator.model.rules import SourceRef


def coverage(graph: NetworkGraph) -> Coverage:
    inventory, topology = graph.inventory, graph.topology
    used: dict[str, dict[str, set[str]]] = {kind: defaultdict(set) for kind in KINDS}
    binds: dict[str, dict[str, set[str]]] = {e.name: defaultdict(set) for e in topology.endpoints}
    points = inventory.points
    for endpoint in topology.endpoints:
        mine = binds[endpoint.name]
        for ref in endpoint.security_groups:
            used["security_groups"][graph.alias[ref]].add(endpoint.name)
            mine["security_groups"].add(points[graph.alias[ref]].name)
        for ref in endpoint.subnets:
            key = graph.subnet_alias.get(ref, ref)
            used["subnets"][key].add(endpoint.name)
            mine["subnets"].add(inventory.subnets[key].name if key in inventory.subnets else str(ref))
        for acl, _ in graph.nacls_of(endpoint)[0]:
            used["network_acls"][acl.key].add(endpoint.name)
            mine["network_acls"].add(acl.name)
        if endpoint.name in graph.pods:
            model, workloads, folder = graph.pods[endpoint.name]
            mine["network_policies"].add(folder)
            for namespace in {w.namespace for w in workloads}:
                used["network_policy_namespaces"][f"{folder}:{namespace}"].add(endpoint.name)
        if "kubernetes" in endpoint.extra:
            prefix = endpoint.extra["kubernetes"].rstrip("/") + "/"
            for rel in inventory.kubernetes_assigned:
                if rel.startswith(prefix) or rel == endpoint.extra["kubernetes"]:
                    used["kubernetes_files"][rel].add(endpoint.name)
        if endpoint.role == "proxy" and endpoint.extra.get("config"):
            used["proxy_configs"][endpoint.extra["config"]].add(endpoint.name)
    for placement in topology.firewalls:
        used["firewall_rules"][placement.rules].add(placement.name)
        for endpoint in placement.protects:
            binds[endpoint.name]["firewalls"].add(placement.name)
    for edge in graph.edges:
        if edge.kind == "to-proxy" and edge.src in binds:
            binds[edge.src]["proxies"].add(edge.dst)
    bound_points = [p for p in points.values() if used["security_groups"].get(p.key) or used["network_acls"].get(p.key)]
    for point in bound_points:
        for rule in point.rules:
            for ref in rule.peer.prefix_lists:
                listed = graph.alias.get(ref)
                if listed is not None and listed in inventory.prefix_lists:
                    used["prefix_lists"][listed].add(point.name)
    resources = [
        *(
            Resource(_kind(p.kind), p.key, p.name, p.source, _sorted(used[_kind(p.kind)].get(p.key)))
            for p in points.values()
            if p.kind in ("security-group", "network-acl")
        ),
        *(
            Resource("subnets", s.key, s.name, s.source, _sorted(used["subnets"].get(s.key)))
            for s in inventory.subnets.values()
        ),
        *(
            Resource("prefix_lists", p.key, p.name, p.source, _sorted(used["prefix_lists"].get(p.key)))
            for p in inventory.prefix_lists.values()
        ),
        *(
            Resource("kubernetes_files", rel, rel, SourceRef(rel), _sorted(used["kubernetes_files"].get(rel)))
            for rel in inventory.kubernetes_files
        ),
        *_namespaces(graph, used["network_policy_namespaces"]),
        *(
            Resource("proxy_configs", path, path, SourceRef(path), _sorted(used["proxy_configs"].get(path)))
            for path in inventory.proxy_configs
        ),
        *(
            Resource("firewall_rules", path, path, SourceRef(path), _sorted(used["firewall_rules"].get(path)))
            for path in inventory.firewall_sets
        ),
    ]
    order = list(KINDS)
    resources.sort(key=lambda r: (order.index(r.kind), r.key))
    endpoints = [
        EndpointBinding(
            e.name,
            e.role,
            e.cluster,
            e.external,
            tuple((kind, _sorted(names)) for kind, names in sorted(binds[e.name].items())),
        )
        for e in sorted(topology.endpoints, key=lambda e: e.name)
    ]
    return Coverage(resources, endpoints)


def _kind(point_kind: str) -> str:
    return "security_groups" if point_kind == "security-group" else "network_acls"


def _sorted(names: set[str] | None) -> tuple[str, ...]:
    return tuple(sorted(names or ()))


def _namespaces(graph: NetworkGraph, used: dict[str, set[str]]) -> list[Resource]:
    """The namespaces of each claimed manifests folder that hold NetworkPolicies."""
    out: dict[str, Resource] = {}
    for model, _workloads, folder in graph.pods.values():
        for policy in model.cluster.policies:
            key = f"{folder}:{policy.namespace}"
            if key not in out:
                out[key] = Resource(
                    "network_policy_namespaces", key, policy.namespace, policy.source, _sorted(used.get(key))
                )
    return list(out.values())
