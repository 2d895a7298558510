"""The policy input: the one document every Rego policy sees (schema: schemas/input.schema.json).

Requirements, reachability results with evidence, normalized resources, the topology and the facts the
analysis derived for the policies (``ProxyFacts``): the policy stage never re-derives a network fact.
"""

from __future__ import annotations

from typing import Any

from validator import __version__
from validator.model.coverage import Coverage
from validator.model.inventory import Inventory
from validator.model.results import PathResult, ProxyFacts, Unbound
from validator.model.sets import AddressSet
from validator.model.topology import Topology

ALL_V4 = AddressSet.all_ipv4()
ALL_V6 = AddressSet.all_ipv6()


def _rule_json(rule: Any, point: Any, shared: dict[tuple[Any, ...], dict[str, Any]]) -> dict[str, Any]:
    # perf: rules repeat the same protocol, ports and peer thousands of times; their part of
    # the document is built once and shared (``shared``, per build_input call). Read-only, like the
    # rest of the input document.
    peer = rule.peer
    key = (rule.direction, rule.action, rule.protocol, rule.ports, peer)
    common = shared.get(key)
    if common is None:
        common = shared[key] = {
            "direction": rule.direction,
            "action": rule.action,
            "protocol": rule.protocol,
            "ports": [list(iv) for iv in rule.ports.intervals],
            "ports_text": str(rule.ports),
            "cidrs": peer.addresses.cidrs() if len(peer.addresses.intervals) <= 16 else peer.addresses.ranges(),
            "groups": list(peer.groups),
            "prefix_lists": list(peer.prefix_lists),
            "open_to_all_ipv4": peer.addresses.covers(ALL_V4),
            "open_to_all_ipv6": peer.addresses.covers(ALL_V6),
            "text": rule.describe(),
        }
    return {
        **common,
        "unknown": [u.to_json() for u in rule.unknowns],
        "implicit": rule.implicit,
        "point": point.key,
        **rule.source.to_json(),
    }


def _shipped_policies_read(rule: Any) -> bool:
    """The rules the shipped policies read from ``input.resources``: ingress allows open to the whole
    internet (policies/palette/exposure.rego). A shipped policy that reads other rules must widen this."""
    return (
        rule.direction == "ingress"
        and rule.action == "allow"
        and (rule.peer.addresses.covers(ALL_V4) or rule.peer.addresses.covers(ALL_V6))
    )


def build_input(
    results: list[PathResult],
    unbound: list[Unbound],
    inventory: Inventory,
    topology: Topology,
    requirements: list[Any],
    facts: ProxyFacts,
    all_rules: bool = True,
    coverage: Coverage | None = None,
) -> dict[str, Any]:
    """The one document every policy sees (schema: schemas/input.schema.json).

    ``all_rules=False`` (perf: the policy engine holds its own copy of the input, ~3 KB per
    rule) keeps every enforcement point but only the rules the shipped policies read; the pipeline
    asks for every rule whenever user policies are loaded. ``resources.rules`` says which it is.
    """
    points = []
    shared: dict[tuple[Any, ...], dict[str, Any]] = {}
    for point in sorted(inventory.points.values(), key=lambda p: p.key):
        rules = point.rules if all_rules else [r for r in point.rules if _shipped_policies_read(r)]
        points.append(
            {
                "kind": point.kind,
                "key": point.key,
                "name": point.name,
                **point.source.to_json(),
                "rules": [_rule_json(r, point, shared) for r in rules],
            }
        )
    return {
        "tool": {"name": "palette-policy", "version": __version__},
        "profiles": topology.profiles,
        "requirements": [r.to_json() for r in sorted(requirements, key=lambda r: (r.profile, r.id))],
        "results": [r.to_json() for r in results],
        "unbound": [u.to_json() for u in unbound],
        "resources": {
            "enforcement_points": points,
            "proxies": facts.proxies,
            "rules": "all" if all_rules else "read-by-shipped-policies",
        },
        "topology": topology.to_json(facts.imds_direct),
        "coverage": (coverage or Coverage()).to_json(),
        "issues": [i.to_json() for i in sorted(inventory.issues, key=lambda i: (i.source, i.kind, i.message))],
    }
