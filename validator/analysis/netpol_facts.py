"""What a folder's NetworkPolicies allow, in figures, for a run without a topology.

Without palette-network.yaml no cluster claims the manifests, so no required path crosses them; the run still
says what they do: per folder of manifests, the workloads and policies read, how many workloads each
direction isolates (K1-K2) and how many connections the policies allow (the connlist ``connectivity``
lists), so a reader sees at once whether anything was read and whether the policies shut anything out.
"""

from __future__ import annotations

from typing import Any

from validator.analysis.connectivity import connectivity
from validator.analysis.netpol import NetpolModel
from validator.model.kubernetes import Cluster


def netpol_facts(folder: str, cluster: Cluster) -> dict[str, Any]:
    model = NetpolModel(cluster)
    isolated = {
        direction: sum(len(g.workloads) for g, policies in zip(model.groups, selected, strict=True) if policies)
        for direction, selected in (("ingress", model.ingress_policies), ("egress", model.egress_policies))
    }
    return {
        "folder": folder,
        "files": len(cluster.files),
        "namespaces": len(cluster.namespaces),
        "workloads": len(cluster.workloads),
        "policies": len(cluster.policies),
        "isolated_ingress": isolated["ingress"],
        "isolated_egress": isolated["egress"],
        "connections": len(connectivity(model)),
    }
