"""Which live probes prove the required flows: one set per place the flows start (``palette-policy export``).

A flow starts in a workload or Edge cluster, in the self-hosted management cluster or in a PCG; a probe
there dials each destination host on each port, through the location's HTTPS proxy when its settings send
the flow there (Go's NO_PROXY rules, as Palette's agent applies them). What a connect probe cannot prove is
listed with the reason (udp, a destination known only as a range, a port range too wide to try), never
dropped.
"""

from __future__ import annotations

from validator.analysis.proxy_env import proxy_for
from validator.model.probes import Probe, ProbeLocation, ProbePlan, Unprobed
from validator.model.results import PathResult
from validator.model.topology import Endpoint, Topology

# Ports whose servers speak TLS first in Palette's paths: HTTPS and gRPC (443), the Kubernetes API (6443),
# the Edge Local UI (5080), the airgap repository (8443), etcd (2379-2380) and the kubelet (10250) with
# kubeadm's certificates. NATS (4222) sends a plaintext INFO line first; SSH (22) and MAAS (5240) are not TLS.
TLS_FIRST = frozenset({443, 6443, 5080, 8443, 2379, 2380, 10250})
MAX_PORTS = 16  # a wider range (NodePorts) is not tried port by port


def _location(topology: Topology, endpoint: Endpoint) -> tuple[str, str, Endpoint] | None:
    """The probe location a flow from ``endpoint`` starts at: (name, kind, the endpoint with its proxy)."""
    if endpoint.cluster and endpoint.role in ("workload", "workload-control-plane"):
        nodes = next(e for e in topology.endpoints if e.name == endpoint.cluster)
        return endpoint.cluster, "Edge cluster" if endpoint.edge else "workload cluster", nodes
    if endpoint.role == "management" and not endpoint.external:
        return endpoint.name, "management cluster", endpoint
    if endpoint.role == "pcg":
        return endpoint.name, "PCG", endpoint
    return None


def _targets(dst: Endpoint) -> tuple[list[str], str]:
    """What to dial: the destination's host names, else its one address; else why nothing can be."""
    if dst.hosts:
        return list(dst.hosts), ""
    if dst.external:
        return [], f"{dst.name} is the internet at large: give its host names in the topology"
    if dst.addresses.size() == 1:
        return dst.addresses.ranges(), ""
    ranges = ", ".join(dst.addresses.ranges()[:2])
    return [], f"{dst.name} is a range ({ranges}): give it a host name or one address in the topology"


def _proxy(origin: Endpoint, result: PathResult, host: str, port: int) -> str | None:
    settings = origin.extra.get("proxy_settings")
    if settings is None or not result.requirement.via_proxy:
        return None
    route = proxy_for(settings, host, None, port, scheme="https")
    return str(route.proxy) if route.proxy is not None else None


def _probes(result: PathResult, origin: Endpoint) -> tuple[list[Probe], str]:
    req = result.requirement
    if req.protocol != "tcp":
        return [], f"{req.protocol}: a connect probe cannot prove it (no handshake)"
    ports = [p for lo, hi in result.ports.intervals for p in range(lo, hi + 1)]
    if len(ports) > MAX_PORTS:
        return [], f"tcp/{result.ports} is too wide a range to try port by port"
    hosts, why = _targets(result.destination)
    probes = []
    for host in hosts:
        for proxy in dict.fromkeys(_proxy(origin, result, host, port) for port in ports):
            mine = tuple(p for p in ports if _proxy(origin, result, host, p) == proxy)
            probes.append(
                Probe(
                    req.id,
                    req.required,
                    req.purpose,
                    host,
                    mine,
                    proxy,
                    result.verdict,
                    all(p in TLS_FIRST for p in mine),
                    not result.destination.external,
                )
            )
    return probes, why


def plan_probes(results: list[PathResult], topology: Topology, only_not_proven: bool = False) -> ProbePlan:
    """The probes of every location, in the topology's order; ``only_not_proven``: only the flows whose
    static verdict is not reachable."""
    locations: dict[str, ProbeLocation] = {}
    elsewhere: list[Unprobed] = []
    for result in results:
        if only_not_proven and result.verdict == "reachable":
            continue
        what = f"{result.requirement.protocol}/{result.ports} {result.source.name} -> {result.destination.name}"
        place = _location(topology, result.source)
        if place is None:
            elsewhere.append(Unprobed(result.requirement.id, what, f"it starts at {result.source.name}"))
            continue
        name, kind, origin = place
        settings = origin.extra.get("proxy_settings")
        https = settings.https_proxy if settings is not None else None
        location = locations.setdefault(name, ProbeLocation(name, kind, str(https) if https else None))
        probes, why = _probes(result, origin)
        for probe in probes:
            if probe not in location.probes:
                location.probes.append(probe)
        if why:
            location.unprobed.append(Unprobed(result.requirement.id, what, why))
    order = {e.name: i for i, e in enumerate(topology.endpoints)}
    return ProbePlan(sorted(locations.values(), key=lambda loc: order.get(loc.name, len(order))), elsewhere)
