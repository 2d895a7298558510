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
from validator.model.rules import IMPLICIT_SOURCES
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
    out = {
        **common,
        "unknown": [u.to_json() for u in rule.unknowns],
        "implicit": rule.implicit,
        "point": point.key,
        "order": rule.order,
        "declared_by": rule.source.resource,
        **rule.source.to_json(),
    }
    if rule.implicit:
        out["implicit_source"] = IMPLICIT_SOURCES.get(rule.implicit, "")
    return out


def _shipped_policies_read(rule: Any, open_to_all: dict[int, bool]) -> bool:
    """The rules the shipped policies read from ``input.resources``: ingress allows open to the whole
    internet (policies/palette/exposure.rego). A shipped policy that reads other rules must widen this.
    ``open_to_all``: the answer per address set (perf: thousands of rules share a few dozen sets; by
    identity, within one build, while every set is alive)."""
    if rule.direction != "ingress" or rule.action != "allow":
        return False
    addresses = rule.peer.addresses
    found = open_to_all.get(id(addresses))
    if found is None:
        found = open_to_all[id(addresses)] = addresses.covers(ALL_V4) or addresses.covers(ALL_V6)
    return found


def build_input(
    results: list[PathResult],
    unbound: list[Unbound],
    inventory: Inventory,
    topology: Topology | None,
    requirements: list[Any],
    facts: ProxyFacts,
    all_rules: bool = True,
    profiles: list[str] | None = None,
    coverage: Coverage | None = None,
) -> dict[str, Any]:
    """The one document every policy sees (schema: schemas/input.schema.json).

    ``all_rules=False`` (perf: the policy engine holds its own copy of the input, ~3 KB per
    rule) keeps every enforcement point but only the rules the shipped policies read; the pipeline
    asks for every rule whenever user policies are loaded. ``resources.rules`` says which it is.
    ``topology`` None (no palette-network.yaml): ``topology`` is null and no requirement was bound, which
    the shipped policies report (``PP-NO-TOPOLOGY``). ``profiles``: the profiles in use (default: the
    topology's).
    """
    return {
        "tool": {"name": "palette-policy", "version": __version__},
        "profiles": profiles if profiles is not None else (topology.profiles if topology is not None else []),
        "requirements": [r.to_json() for r in sorted(requirements, key=lambda r: (r.profile, r.id))],
        "results": [r.to_json() for r in results],
        "unbound": [u.to_json() for u in unbound],
        "resources": _resources(inventory, all_rules, facts.proxies),
        "topology": topology.to_json(facts.imds_direct) if topology is not None else None,
        "coverage": (coverage or Coverage()).to_json(),
        "issues": _issues(inventory),
    }


def build_inventory_input(inventory: Inventory) -> dict[str, Any]:
    """The same document for an inventory read without a topology (``palette-policy input`` on a plain
    repository): every resource and rule, no requirements, results or topology."""
    return {
        "tool": {"name": "palette-policy", "version": __version__},
        "profiles": [],
        "requirements": [],
        "results": [],
        "unbound": [],
        "resources": _resources(inventory, True, []),
        "topology": None,
        "coverage": None,
        "issues": _issues(inventory),
        "files": [{"path": f.path, "format": f.format} for f in inventory.files],
        "skipped": [{"path": s.path, "reason": s.reason} for s in inventory.skipped],
    }


def _issues(inventory: Inventory) -> list[dict[str, Any]]:
    return [i.to_json() for i in sorted(inventory.issues, key=lambda i: (i.source, i.kind, i.message))]


def _resources(inventory: Inventory, all_rules: bool, proxies: list[Any]) -> dict[str, Any]:
    points = []
    shared: dict[tuple[Any, ...], dict[str, Any]] = {}
    open_to_all: dict[int, bool] = {}
    for point in sorted(inventory.points.values(), key=lambda p: p.key):
        rules = point.rules if all_rules else [r for r in point.rules if _shipped_policies_read(r, open_to_all)]
        points.append(
            {
                "kind": point.kind,
                "key": point.key,
                "name": point.name,
                **point.source.to_json(),
                "vpc": point.vpc,
                "unresolved": list(point.unresolved),
                "rules": [_rule_json(r, point, shared) for r in rules],
            }
        )
    return {
        "enforcement_points": points,
        "proxies": proxies,
        "rules": "all" if all_rules else "read-by-shipped-policies",
        "prefix_lists": [_block(p, {}) for p in sorted(inventory.prefix_lists.values(), key=lambda p: p.key)],
        "subnets": [_block(s, {"vpc": s.vpc}) for s in sorted(inventory.subnets.values(), key=lambda s: s.key)],
        "vpcs": [_block(v, {"ipv6": v.ipv6}) for v in sorted(inventory.vpcs.values(), key=lambda v: v.key)],
        "network_acl_associations": [
            {"subnet": subnet, "network_acl": acl, **src.to_json()}
            for subnet, (acl, src) in sorted(inventory.nacl_associations.items())
        ],
        "group_members": [
            {"group": group, "cidrs": addresses.cidrs()} for group, addresses in sorted(inventory.group_members.items())
        ],
    }


def _block(item: Any, extra: dict[str, Any]) -> dict[str, Any]:
    """A prefix list, subnet or VPC: its addresses, and what about them is unknown."""
    return {
        "key": item.key,
        "name": item.name,
        **item.source.to_json(),
        "cidrs": item.addresses.cidrs(),
        **extra,
        "unknown": [u.to_json() for u in item.unknowns],
    }
