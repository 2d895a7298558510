"""VPCs, subnets, network ACLs (inline entries and ``aws_network_acl_rule``) and their subnet associations
(N1–N2), from evaluated instances.

A subnet is associated with the ACL that lists it (``subnet_ids``, ``aws_network_acl_association``); a
subnet of a VPC whose default ACL Terraform manages (``aws_default_network_acl``) and that no other ACL
lists gets that default ACL, as AWS associates it implicitly.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from validator.ingest.loaders.aws_nacl import nacl_rule, new_nacl
from validator.ingest.loaders.aws_sg import UNRESOLVED
from validator.ingest.loaders.terraform.groups import canonical, short_address
from validator.ingest.loaders.terraform.resources import Item, Root, as_bool, as_list, as_number, as_string, unknown_of
from validator.ingest.loaders.terraform.values import Pending, id_address
from validator.model.errors import InputError
from validator.model.inventory import Inventory
from validator.model.rules import EnforcementPoint, Rule, SourceRef, Subnet, Unknown, Vpc
from validator.model.sets import AddressSet


def _name_tag(item: Item) -> str:
    tags = item.get("tags")
    return str(tags["Name"]) if isinstance(tags, dict) and isinstance(tags.get("Name"), str) else ""


def load_acls(root: Root, inv: Inventory) -> None:
    _vpcs(root, inv)
    vpc_of: dict[str, str | None] = {}
    for rtype in ("aws_subnet", "aws_default_subnet"):
        for item in root.items.get(rtype, []):
            if item.unknown is None:
                vpc_of[root.key(item.address)] = _subnet(root, inv, item)
    acls: dict[str, EnforcementPoint] = {}
    defaults: dict[str, tuple[EnforcementPoint, Any]] = {}
    for rtype in ("aws_network_acl", "aws_default_network_acl"):
        for item in root.items.get(rtype, []):
            if item.unknown is not None:
                continue
            key = root.key(item.address)
            name = _name_tag(item) or item.address
            acl = new_nacl(key, name, item.source(), aliases={name, item.address, short_address(item.address)})
            acls[key] = acl
            inv.add_point(acl)
            for direction in ("ingress", "egress"):
                for block in item.blocks(direction, f"{key}.{direction}"):
                    entry = _entry(root, block, direction == "egress", "rule_no", "action")
                    if entry is not None:
                        acl.rules.append(entry)
            subnets = item.get("subnet_ids")
            for subnet in as_list(subnets) or []:
                ref = root.ref(subnet) if not isinstance(subnet, Pending) else None
                if ref:
                    inv.nacl_associations[ref] = (key, acl.source)
            if rtype == "aws_default_network_acl":
                vpc = id_address(item.get("default_network_acl_id"), "default_network_acl_id")
                defaults[key] = (acl, root.key(vpc) if vpc else None)
    for item in root.items.get("aws_network_acl_rule", []):
        target = item.get("network_acl_id")
        acl_key = _acl_key(root, target)
        src = item.source()
        if acl_key is None:
            if item.unknown is not None:
                continue  # its instances are unknown: that input issue covers it
            root.issue(
                "rule-target-unknown",
                f"{item.address}: the network ACL it adds an entry to is not known "
                f"({getattr(target, 'expression', '') or 'no value'})",
                src,
            )
            continue
        target_acl = acls.get(acl_key)
        if target_acl is None:
            target_acl = new_nacl(acl_key, acl_key, src, aliases={acl_key})
            target_acl.unresolved = ("declared outside the scanned folder",)
            acls[acl_key] = target_acl
            inv.add_point(target_acl)
        entry = _entry(root, item, None, "rule_number", "rule_action")
        if entry is not None:
            target_acl.rules.append(entry)
    for item in root.items.get("aws_network_acl_association", []):
        subnet = item.get("subnet_id")
        assoc_key = _acl_key(root, item.get("network_acl_id"))
        ref = root.ref(subnet) if not isinstance(subnet, Pending) else None
        if ref and assoc_key:
            inv.nacl_associations[ref] = (assoc_key, item.source())
    for acl, vpc in defaults.values():
        for subnet_key, subnet_vpc in vpc_of.items():
            if vpc is not None and subnet_vpc == vpc and subnet_key not in inv.nacl_associations:
                inv.nacl_associations[subnet_key] = (acl.key, acl.source)


def _acl_key(root: Root, value: Any) -> str | None:
    if isinstance(value, Pending) or value is None:
        return None
    vpc = id_address(value, "default_network_acl_id")
    if vpc is not None:  # aws_vpc.x.default_network_acl_id: that VPC's default ACL, if managed here
        return None
    return root.ref(value)


def _vpcs(root: Root, inv: Inventory) -> None:
    """The inventory's VPCs: their CIDR blocks, and whether they have IPv6 (``None`` when that is decided at
    apply: an IPAM pool, or a flag known only then)."""
    six_of: dict[str, bool | None] = {}
    for item in root.items.get("aws_vpc_ipv6_cidr_block_association", []):
        vpc = root.ref(item.get("vpc_id")) if isinstance(item.get("vpc_id"), str) else None
        if vpc:
            six_of[vpc] = True if item.unknown is None else six_of.get(vpc)
    for rtype in ("aws_vpc", "aws_default_vpc"):
        for item in root.items.get(rtype, []):
            if item.unknown is not None:
                continue
            src = item.source()
            addresses, unknowns = _blocks(root, item, src)
            generated = as_bool(item.get("assign_generated_ipv6_cidr_block"))
            pool = item.get("ipv6_ipam_pool_id")
            six: bool | None = None if isinstance(generated, Pending) else generated is True
            if isinstance(item.get("ipv6_cidr_block"), str) or (pool is not None and not isinstance(pool, Pending)):
                six = True
            elif isinstance(pool, Pending) and six is False:
                six = None
            key = root.key(item.address)
            if six is not True and key in six_of:
                six = six_of[key]
            name = _name_tag(item) or item.address
            aliases = {name, item.address, short_address(item.address)}
            inv.vpcs[key] = Vpc(key, name, addresses, src, six, aliases, unknowns)


def _blocks(root: Root, item: Item, src: SourceRef) -> tuple[AddressSet, tuple[Unknown, ...]]:
    """A VPC's or subnet's CIDR blocks as AWS stores them, and those not known until apply."""
    unknowns: list[Unknown] = []
    cidrs = []
    for field in ("cidr_block", "ipv6_cidr_block"):
        value = item.get(field)
        if isinstance(value, Pending):
            unknowns.append(unknown_of(field, value, src))
        elif isinstance(value, str) and value:
            cidrs.append(canonical(root, value, src))
    try:
        return AddressSet.parse(*cidrs, strict=True), tuple(unknowns)
    except ValueError as exc:
        raise InputError(str(exc), file=src.file, line=src.line) from None


def _subnet(root: Root, inv: Inventory, item: Item) -> str | None:
    src = item.source()
    addresses, unknowns = _blocks(root, item, src)
    name = _name_tag(item)
    key = root.key(item.address)
    vpc_id = item.get("vpc_id")
    vpc = root.ref(vpc_id) if isinstance(vpc_id, str) else None
    inv.subnets[key] = Subnet(
        key,
        name or item.address,
        addresses,
        src,
        aliases={name, item.address, short_address(item.address), *([item.address[:-3]] if item.key == 0 else [])},
        vpc=vpc,
        unknowns=unknowns,
    )
    return vpc


def _entry(root: Root, item: Item, egress: bool | None, number: str, action: str) -> Rule | None:
    src = item.source()
    mine: list[Unknown] = []

    def known(field: str, value: Any) -> Any:
        if isinstance(value, Pending):
            mine.append(unknown_of(field, value, src))
            return UNRESOLVED
        return value

    if egress is None:
        flag = as_bool(item.get("egress"))
        if isinstance(flag, Pending):
            raise InputError("egress is not known until apply", file=src.file, line=src.line)
        egress = flag is True
    for field, name in (("number", number), ("action", action)):
        value = item.get(name)
        if isinstance(value, Pending):
            root.issue(
                "rule-unknown",
                f"{item.address}: the entry's {field} is not known until apply ({value.expression}: {value.reason}); "
                "its place among the ACL's entries cannot be decided",
                src,
                expression=value.expression,
            )
            return None
    cidr = known("cidr_ipv4", item.get("cidr_block"))
    ipv6 = known("cidr_ipv6", item.get("ipv6_cidr_block"))
    rule = nacl_rule(
        egress=egress,
        number=as_number(item.get(number)),
        action=as_string(item.get(action)),
        protocol=known("protocol", as_string(item.get("protocol"))),
        from_port=known("from_port", as_number(item.get("from_port"))),
        to_port=known("to_port", as_number(item.get("to_port"))),
        cidr=canonical(root, cidr, src) if isinstance(cidr, str) and cidr else None if cidr == "" else cidr,
        ipv6_cidr=canonical(root, ipv6, src) if isinstance(ipv6, str) and ipv6 else None if ipv6 == "" else ipv6,
        source=src,
    )
    if not mine:
        return rule
    fields = {u.field for u in mine}
    merged = mine + [u for u in rule.unknowns if u.field not in fields]
    return replace(rule, unknowns=tuple(merged))


__all__ = ["SourceRef", "load_acls"]
