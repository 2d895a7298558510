"""What every layer evaluator shares: what a layer answers, the whole address space, how much evidence to show,
how to cite a documented default and how to name addresses."""

from __future__ import annotations

from dataclasses import dataclass, field

from validator.analysis.graph import Layer, NetworkGraph
from validator.model.flows import Box, minus, project
from validator.model.results import LayerResult, RuleEvidence, Uncovered
from validator.model.rules import SourceRef, Unknown
from validator.model.sets import AddressSet

EVERYWHERE = AddressSet.everything()
MAX_RULES_SHOWN = 5
SEMANTICS = "docs/semantics.md"  # where the documented defaults are defined, with their sources


@dataclass
class LayerOutcome:
    """A layer's answer for the whole request of its hop: the part it definitely lets through (``allowed``),
    the part it may let through depending on values the configs do not fix (``maybe``; the rest is denied),
    and the result with its evidence."""

    allowed: list[Box]
    result: LayerResult
    maybe: list[Box] = field(default_factory=list)


def documented(rule: str, text: str, point: str) -> RuleEvidence:
    """Evidence that cites a documented default (a semantics rule of docs/semantics.md) instead of a rule."""
    return RuleEvidence(SourceRef(SEMANTICS, None, rule), f"{text} ({rule} in {SEMANTICS})", point)


def unknown_text(location: SourceRef, unknown: Unknown) -> str:
    """One unresolved value, as the evidence names it: where, which part, the expression and why."""
    where = (unknown.source or location).location()
    expression = f" {unknown.expression}" if unknown.expression else ""
    return f"{where}: {unknown.field}{expression}: {unknown.reason}"


def not_covered(request: Box, allowed: list[Box]) -> Uncovered:
    """What of the request a layer does not definitely let through."""
    src, dst, ports = project(minus(request, allowed))
    return Uncovered(src, dst, ports)


def settle(request: Box, decision: str, allowed: list[Box]) -> tuple[list[Box], Uncovered]:
    """What a layer lets through and what not, in the cheapest form: the request itself when it allows it all
    (perf: the hop's meet then skips the layer)."""
    if decision == "allow":
        return [request], Uncovered()
    return allowed, not_covered(request, allowed)


def point_json(layer: Layer) -> list[dict[str, object]]:
    return [{"kind": p.kind, "key": p.key, "name": p.name, **p.source.to_json()} for p in layer.points]


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
    """An address set as people read it: an endpoint's name when exactly one endpoint has these addresses (two
    on the same addresses, such as management and registries on the internet, are not told apart by them),
    else a few ranges."""
    same = [endpoint for endpoint in graph.topology.endpoints if endpoint.addresses == addresses]
    if len(same) == 1:
        endpoint = same[0]
        return f"{endpoint.name} ({'internet' if endpoint.external else ', '.join(addresses.ranges()[:limit])})"
    if same and all(endpoint.external for endpoint in same):
        return "internet"
    ranges = addresses.ranges()
    if len(ranges) <= limit:
        return ", ".join(ranges)
    return f"{', '.join(ranges[:limit])} … ({len(ranges)} ranges)"
