"""Which pods play an endpoint's role in its cluster, and the cluster's NetworkPolicy model to check them with.

The agent in a workload cluster (``agent``; default: the pods of the ``cluster-*`` namespaces), the serving
pods of a self-hosted management cluster (``serves``). Pods the manifests do not declare (Palette deploys
the agent itself) are added from the topology's labels. The manifests were parsed per endpoint by the
ingest stage (``ingest/loaders/kubernetes.cluster_manifests``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from validator.analysis.netpol import NetpolModel
from validator.model.kubernetes import Cluster, LabelSelector, Workload, finish
from validator.model.rules import SourceRef
from validator.model.topology import Topology

AGENT_NAMESPACE_PREFIX = "cluster-"  # Palette's agent runs in namespace cluster-<cluster uid>


def place_pods(clusters: Mapping[str, Cluster], topology: Topology) -> dict[str, tuple[Any, list[Any], str]]:
    """Per endpoint name (of ``clusters``, whose manifests were read): its NetworkPolicy model, the pods that
    play its role and its manifests folder — for ``NetworkGraph.pods``."""
    out: dict[str, tuple[Any, list[Any], str]] = {}
    for endpoint in topology.endpoints:
        cluster = clusters.get(endpoint.name)
        if cluster is None:
            continue
        folder = endpoint.extra["kubernetes"]
        wanted = endpoint.extra.get("agent") if endpoint.role == "workload" else None
        roles = [wanted] if wanted else list(endpoint.extra.get("serves") or [])
        found: list[Any] = []
        for spec in roles:
            selector = LabelSelector(tuple(sorted((spec.get("labels") or {}).items())))
            match = [
                w
                for w in cluster.workloads
                if w.namespace == spec["namespace"]
                and selector.matches(w.labels)
                and (not spec.get("name") or w.name == spec["name"])
            ]
            if not match:
                match = [
                    Workload(
                        spec["namespace"],
                        spec.get("name") or "palette-agent",
                        "Pod",
                        dict(spec.get("labels") or {}),
                        (),
                        SourceRef(topology.path, endpoint.source.line, endpoint.name),
                    )
                ]
                cluster.workloads.extend(match)
            found.extend(match)
        finish(cluster)
        if endpoint.role == "workload" and not wanted:
            agent_namespaces = sorted(n for n in cluster.namespaces if n.startswith(AGENT_NAMESPACE_PREFIX))
            for namespace in agent_namespaces:
                if not any(w.namespace == namespace for w in cluster.workloads):
                    cluster.workloads.append(
                        Workload(
                            namespace,
                            "palette-agent",
                            "Pod",
                            {},
                            (),
                            SourceRef(topology.path, endpoint.source.line, endpoint.name),
                        )
                    )
            finish(cluster)
            found = [w for w in cluster.workloads if w.namespace in agent_namespaces]
        if found:
            out[endpoint.name] = (NetpolModel(cluster), found, folder)
    return out
