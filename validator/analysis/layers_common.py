"""What every layer evaluator shares: the whole address space, how much evidence to show, how to name addresses."""

from __future__ import annotations

from validator.analysis.graph import NetworkGraph
from validator.model.results import RuleEvidence
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet

EVERYWHERE = AddressSet.everything()
MAX_RULES_SHOWN = 5


def unique_evidence(evidence: list[RuleEvidence]) -> list[RuleEvidence]:
    """The evidence without repeats (same rule, same text), in order."""
    seen: set[tuple[SourceRef, str]] = set()
    out = []
    for item in evidence:
        if (item.source, item.text) not in seen:
            seen.add((item.source, item.text))
            out.append(item)
    return out


def describe_addresses(graph: NetworkGraph, addresses: AddressSet, limit: int = 4) -> str:
    """An address set as people read it: an endpoint's name when it is exactly one, else a few ranges."""
    for endpoint in graph.topology.endpoints:
        if endpoint.addresses == addresses:
            return f"{endpoint.name} ({'internet' if endpoint.external else ', '.join(addresses.ranges()[:limit])})"
    ranges = addresses.ranges()
    if len(ranges) <= limit:
        return ", ".join(ranges)
    return f"{', '.join(ranges[:limit])} … ({len(ranges)} ranges)"
