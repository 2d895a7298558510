"""Security groups, their rules (inline blocks, ``aws_security_group_rule``,
``aws_vpc_security_group_{ingress,egress}_rule``) and managed prefix lists, from evaluated instances.

Terraform removes the default allow-all egress rule from the groups it creates (A3): a group's rules are
exactly those declared. A part of a rule Terraform knows only after apply is recorded as an ``Unknown``
with the expression that makes it unknown and where it is written; the shared reader (``aws_sg``) widens
that part, so such a rule can make a path ``unknown``, never ``reachable``. A data source that looks up
a group or prefix list the repository declares (by id or name) resolves to it.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import replace
from functools import lru_cache
from typing import Any

from validator.ingest.loaders.aws_sg import UNRESOLVED, RuleSpec, check_family, new_group, sg_rules
from validator.ingest.loaders.terraform.resources import (
    Item,
    Root,
    as_bool,
    as_list,
    as_number,
    as_string,
    existence_unknown,
    unknown_of,
)
from validator.ingest.loaders.terraform.values import Pending
from validator.model.errors import InputError
from validator.model.inventory import Inventory
from validator.model.rules import EnforcementPoint, PrefixList, SourceRef
from validator.model.sets import AddressSet

GROUP_TYPES = ("aws_security_group", "aws_default_security_group")


def short_address(address: str) -> str:
    return ".".join(address.split(".")[-2:])


def load_groups(root: Root, inv: Inventory) -> None:
    groups: dict[str, EnforcementPoint] = {}
    for rtype in GROUP_TYPES:
        for item in root.items.get(rtype, []):
            if item.unknown is not None:
                continue  # its existence is unknown: an input issue says so; rules naming it are unknown
            key = root.key(item.address)
            name = item.get("name")
            if not isinstance(name, str):
                prefix = item.get("name_prefix")
                name = prefix if isinstance(prefix, str) else "default" if rtype != GROUP_TYPES[0] else ""
            shown = name or item.address.rsplit(".", 1)[-1]  # the name reports show is one a topology may use
            group = new_group(
                key,
                shown,
                item.source(),
                aliases={short_address(item.address), shown, item.address, *_unkeyed(item)},
                vpc=_vpc(root, item.get("vpc_id")),
            )
            inv.add_point(group)
            groups[key] = group
    plists, pending_lists = load_prefix_lists(root, inv)
    root.pending_lists = pending_lists
    names = _names(groups)
    for rtype in GROUP_TYPES:
        for item in root.items.get(rtype, []):
            if item.unknown is None:
                key = root.key(item.address)
                for direction in ("ingress", "egress"):
                    for block in item.blocks(direction, f"{key}.{direction}"):
                        groups[key].rules.append(_inline(root, block, direction, key, plists, names))
    for item in root.items.get("aws_security_group_rule", []):
        direction = as_string(item.get("type"))
        directions = ["ingress", "egress"] if isinstance(direction, Pending) else [direction]
        for one in directions:
            if one not in ("ingress", "egress"):
                src = item.source()
                raise InputError(f"type must be ingress or egress, not {one!r}", file=src.file, line=src.line)
            spec = _spec(item, one, item.get("protocol"))
            if isinstance(direction, Pending):
                spec.unknowns.append(unknown_of("rule", direction, spec.source))
            _cidrs(root, spec, item.get("cidr_blocks"), item.get("ipv6_cidr_blocks"))
            spec.prefix_lists = _refs(root, spec, item.get("prefix_list_ids"), "prefix_list", plists, names)
            source_group = item.get("source_security_group_id")
            if source_group is not None:
                spec.groups = _refs(root, spec, [source_group], "group", plists, names)
            _attach(root, inv, groups, names, item, spec, self_flag=item.get("self"))
    for direction in ("ingress", "egress"):
        for item in root.items.get(f"aws_vpc_security_group_{direction}_rule", []):
            spec = _spec(item, direction, item.get("ip_protocol"))
            _cidrs(root, spec, as_list(item.get("cidr_ipv4")), as_list(item.get("cidr_ipv6")), v2=True)
            spec.prefix_lists = _refs(root, spec, as_list(item.get("prefix_list_id")), "prefix_list", plists, names)
            spec.groups = _refs(root, spec, as_list(item.get("referenced_security_group_id")), "group", plists, names)
            _attach(root, inv, groups, names, item, spec, self_flag=None)


def _unkeyed(item: Item) -> list[str]:
    """A lone instance (``count = 1``) also answers to its address without the index."""
    if item.key == 0 and item.address.endswith("[0]"):
        return [item.address[:-3]]
    return []


def _vpc(root: Root, value: Any) -> str | None:
    if value is None or isinstance(value, Pending):
        return None
    return root.ref(value)


def _names(groups: dict[str, EnforcementPoint]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, group in groups.items():
        out.setdefault(group.name, []).append(key)
    return out


def _spec(item: Item, direction: str, protocol: Any) -> RuleSpec:
    src = item.source()
    spec = RuleSpec(direction, None, None, None, src, description=_text(item.get("description")))
    existence = existence_unknown(item)
    if existence is not None:
        spec.unknowns.append(existence)
    protocol = as_string(protocol)
    spec.protocol = _known(spec, "protocol", protocol)
    spec.from_port = _known(spec, "from_port", as_number(item.get("from_port")))
    spec.to_port = _known(spec, "to_port", as_number(item.get("to_port")))
    if protocol is None and not isinstance(spec.protocol, Pending):
        raise InputError("the rule has no protocol", file=src.file, line=src.line, hint="set protocol / ip_protocol")
    return spec


def _known(spec: RuleSpec, field: str, value: Any) -> Any:
    if isinstance(value, Pending):
        spec.unknowns.append(unknown_of(field, value, spec.source))
        return UNRESOLVED
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _inline(root: Root, block: Item, direction: str, group_key: str, plists: dict[str, PrefixList],
            names: dict[str, list[str]]) -> Any:  # fmt: skip
    spec = _spec(block, direction, block.get("protocol"))
    _cidrs(root, spec, block.get("cidr_blocks"), block.get("ipv6_cidr_blocks"))
    spec.prefix_lists = _refs(root, spec, block.get("prefix_list_ids"), "prefix_list", plists, names)
    spec.groups = _refs(root, spec, block.get("security_groups"), "group", plists, names)
    _self(spec, as_bool(block.get("self")), group_key)
    return _rule(spec)


def _self(spec: RuleSpec, flag: Any, group_key: str) -> None:
    if isinstance(flag, Pending):
        spec.unknowns.append(unknown_of("group", flag, spec.source))
    elif flag is True:
        spec.groups.append(group_key)


def _rule(spec: RuleSpec) -> Any:
    """``sg_rules`` with the unknowns this loader recorded (text and location) in place of its own."""
    mine = list(spec.unknowns)
    rule = sg_rules(spec)
    if not mine:
        return rule
    fields = {u.field for u in mine}
    merged = mine + [u for u in rule.unknowns if u.field not in fields and u not in mine]
    return replace(rule, unknowns=tuple(dict.fromkeys(merged)))


def _attach(root: Root, inv: Inventory, groups: dict[str, EnforcementPoint], names: dict[str, list[str]],
            item: Item, spec: RuleSpec, self_flag: Any) -> None:  # fmt: skip
    """Add a rule resource's rule to the group it names (``security_group_id``)."""
    value = item.get("security_group_id")
    target_key = _resolve(root, value, "group", names, {})
    if target_key is None:
        if item.unknown is not None:
            return  # the resource's instances are unknown: that input issue covers its rules
        reason = value.reason if isinstance(value, Pending) else "security_group_id is not set"
        expression = value.expression if isinstance(value, Pending) else ""
        root.issue(
            "rule-target-unknown",
            f"{item.address}: the group it adds a rule to is not known ({expression or 'no value'}: {reason})",
            item.source(),
            expression=expression,
        )
        return
    group = groups.get(target_key)
    if group is None:
        group = new_group(target_key, target_key, item.source(), aliases={target_key})
        group.unresolved = ("declared outside the scanned folder",)
        groups[target_key] = group
        inv.add_point(group)
    _self(spec, as_bool(self_flag), group.key)
    group.rules.append(_rule(spec))


def _resolve(root: Root, value: Any, kind: str, names: dict[str, list[str]], plists: dict[str, PrefixList]) -> Any:
    """A group / prefix-list reference → key or literal id; a data source looking up a declared one →
    that one; anything else unknown → None."""
    if not isinstance(value, Pending):
        return root.ref(value) if isinstance(value, str) else None
    lookup = value.lookup
    if not lookup:
        return None
    known_id = lookup.get("id") if kind == "group" else lookup.get("id") or lookup.get("prefix_list_id")
    if isinstance(known_id, str) and known_id:
        return root.ref(known_id)
    wanted: list[str] = [lookup["name"]] if isinstance(lookup.get("name"), str) else []
    for flt in lookup.get("filter") or []:
        if (
            isinstance(flt, dict)
            and flt.get("name") in ("group-name", "tag:Name", "prefix-list-name")
            and isinstance(flt.get("values"), list)
        ):
            wanted.extend(v for v in flt["values"] if isinstance(v, str))
    if kind == "group" and lookup.get("type") == "aws_security_group":
        found = {k for w in wanted for k in names.get(w, [])}
        return found.pop() if len(found) == 1 else None
    if kind == "prefix_list" and lookup.get("type") == "aws_ec2_managed_prefix_list":
        found = {k for k, p in plists.items() for w in wanted if p.name == w}
        return found.pop() if len(found) == 1 else None
    return None


def _refs(root: Root, spec: RuleSpec, values: Any, kind: str, plists: dict[str, PrefixList],
          names: dict[str, list[str]]) -> list[str]:  # fmt: skip
    """Group or prefix-list references; what is not known until apply becomes an Unknown."""
    if values is None:
        return []
    if isinstance(values, Pending):
        resolved = _resolve(root, values, kind, names, plists)
        if resolved is not None:
            return [resolved]
        spec.unknowns.append(unknown_of(kind, values, spec.source))
        return []
    out: list[str] = []
    for value in as_list(values):
        if value is None or value == "":
            continue
        key = _resolve(root, value, kind, names, plists)
        if key is None:
            if not isinstance(value, Pending):  # a number, a list, an object: no reference to anything
                value = Pending(json.dumps(value, default=str), f"not a {kind.replace('_', ' ')} id")
            spec.unknowns.append(unknown_of(kind, value, spec.source))
            continue
        out.append(key)
        pending = root.pending_lists.get(key) if kind == "prefix_list" else None
        if pending is not None:
            spec.unknowns.append(unknown_of("prefix_list", pending, spec.source))
    return out


def _cidrs(root: Root, spec: RuleSpec, v4: Any, v6: Any, v2: bool = False) -> None:
    for values, family in ((v4, 4), (v6, 6)):
        field = "cidr_ipv4" if family == 4 else "cidr_ipv6"
        name = field if v2 else "cidr_blocks" if family == 4 else "ipv6_cidr_blocks"
        if values is None:
            continue
        if isinstance(values, Pending):
            spec.unknowns.append(unknown_of(field, values, spec.source))
            continue
        known = []
        for value in as_list(values):
            if isinstance(value, Pending):
                spec.unknowns.append(unknown_of(field, value, spec.source))
            elif value not in (None, ""):
                known.append(canonical(root, str(value), spec.source))
        check_family(known, family, spec.source, name)
        spec.cidrs.extend(known)


def canonical(root: Root, cidr: str, source: SourceRef) -> str:
    """A CIDR as AWS stores it. Host bits set: the AWS provider rejects it when planning, so it is an input
    issue at the rule (the run goes on with the network AWS would store)."""
    network = _network_of(cidr)
    if network is None:
        return cidr
    root.issue(
        "cidr-rejected-by-provider",
        f"{cidr} has host bits set: the AWS provider rejects it when planning (the network is {network})",
        source,
        cidr=cidr,
        canonical=network,
    )
    return network


@lru_cache(maxsize=65536)
def _network_of(cidr: str) -> str | None:
    """The network of a CIDR with host bits set; None for a canonical CIDR, or text that is no CIDR (the
    shared reader reports those, located)."""
    if "/" not in cidr:
        return None
    try:
        network = ipaddress.ip_network(cidr, strict=False)
        address = ipaddress.ip_address(cidr.split("/")[0])
    except ValueError:
        return None
    return str(network) if address != network.network_address else None


def load_prefix_lists(root: Root, inv: Inventory) -> tuple[dict[str, PrefixList], dict[str, Pending]]:
    """Managed prefix lists with their inline ``entry`` blocks and ``…_prefix_list_entry`` resources.
    A list with an entry not known until apply is not registered; rules naming it carry that unknown."""
    entries: dict[str, list[tuple[Any, SourceRef]]] = {}
    for item in root.items.get("aws_ec2_managed_prefix_list_entry", []):
        target = item.get("prefix_list_id")
        key = root.ref(target) if not isinstance(target, Pending) else None
        if key is not None:
            entries.setdefault(key, []).append((item.get("cidr"), item.source()))
    known: dict[str, PrefixList] = {}
    pending: dict[str, Pending] = {}
    for item in root.items.get("aws_ec2_managed_prefix_list", []):
        if item.unknown is not None:
            continue
        key = root.key(item.address)
        cidrs = [(block.get("cidr"), block.source()) for block in item.blocks("entry", key)]
        cidrs += entries.get(key, [])
        unknown = next((c for c, _ in cidrs if isinstance(c, Pending)), None)
        if unknown is not None:
            pending[key] = unknown
            continue
        texts = [canonical(root, str(c), src) for c, src in cidrs if c not in (None, "")]
        try:
            addresses = AddressSet.parse(*texts, strict=True)
        except ValueError as exc:
            src = item.source()
            raise InputError(str(exc), file=src.file, line=src.line) from None
        name = item.get("name") if isinstance(item.get("name"), str) else item.address
        known[key] = inv.prefix_lists[key] = PrefixList(
            key, name, addresses, item.source(), aliases={name, item.address, short_address(item.address)}
        )
    return known, pending
