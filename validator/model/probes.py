"""Live probes: the required flows as connections to try from where they start (``palette-policy export``).

``analysis/probes.py`` plans them from the results; ``report/network_validator.py`` writes them as
validator-plugin-network ``NetworkValidator`` documents, ``report/probe_script.py`` as a POSIX shell script.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Probe:
    """One destination of one requirement, seen from a probe location."""

    requirement: str
    required: bool
    purpose: str
    host: str  # a host name or an IP address to dial
    ports: tuple[int, ...]
    proxy: str | None  # the HTTPS proxy the location's settings send this flow through (Go's NO_PROXY rules)
    verdict: str  # what the static check said of the path
    tls: bool  # every port speaks TLS first, so a TLS handshake proves it (NetworkValidator's TCP check)
    internal: bool  # the destination is in your network (its certificate comes from your own CA)


@dataclass(frozen=True)
class Unprobed:
    """A requirement (of a location) no connect probe can prove, and why."""

    requirement: str
    what: str  # the flow, e.g. "udp/8472 store-042 -> store-042"
    reason: str


@dataclass
class ProbeLocation:
    """Where probes run: a workload or Edge cluster, the self-hosted management cluster or a PCG."""

    name: str
    kind: str  # "workload cluster", "Edge cluster", "management cluster", "PCG"
    proxy: str | None  # its HTTPS_PROXY, when it has one
    probes: list[Probe] = field(default_factory=list)
    unprobed: list[Unprobed] = field(default_factory=list)


@dataclass
class ProbePlan:
    locations: list[ProbeLocation]
    elsewhere: list[Unprobed]  # flows that start where no probe runs (the operators' machines)
