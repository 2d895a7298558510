"""CloudFormation's VPCs, subnets, prefix lists and network ACLs (N1–N2), as ``cloudformation`` reads them.

A VPC has IPv6 when an ``AWS::EC2::VPCCidrBlock`` of the template gives it a block (Amazon-provided, from a pool,
or written); blocks AWS allocates are unknown values of the VPC and its subnets. CIDRs with host bits set are
read as EC2 stores them and reported. An ACL entry whose direction, number or action cannot be evaluated cannot
be placed in the ordered list, so its ACL becomes unknown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from validator.ingest.documents import line_of
from validator.ingest.loaders.aws_nacl import nacl_rule, new_nacl
from validator.ingest.loaders.aws_sg import Unresolved, canonical_cidr, is_unresolved, unknown_of
from validator.ingest.loaders.cloudformation_functions import NACL, VPC, VPC_CIDR
from validator.ingest.loaders.cloudformation_values import ResourceRef, settle, truth
from validator.model.rules import PrefixList, SourceRef, Subnet, Unknown, Vpc
from validator.model.sets import AddressSet

if TYPE_CHECKING:
    from validator.ingest.loaders.cloudformation import _Template


# -- VPCs, subnets, prefix lists ------------------------------------------------------------------------------


def cidrs(t: _Template, values: list[tuple[str, Any]], src: SourceRef) -> tuple[AddressSet, list[Unknown]]:
    texts, unknowns = [], []
    for field, value in values:
        value = settle(value)
        if is_unresolved(value):
            unknowns.append(unknown_of(field, value, src))
        else:
            texts.append(canonical_cidr(str(value), src, t.inv.issues))
    try:
        return AddressSet.parse(*texts, strict=True), unknowns
    except ValueError as exc:
        raise t.stack.error(str(exc), t.stack.resources.get(src.resource)) from None


def read_vpc(t: _Template, logical: str, exists: tuple[Unknown, ...]) -> None:
    props = t.stack.properties(logical)
    src = t.source(logical)
    values = [("cidr_ipv4", props.get("CidrBlock", Unresolved("allocated from an IPAM pool", "Ipv4IpamPoolId")))]
    ipv6: bool | None = False
    for other in t.stack.resources:
        if t.stack.type_of(other) != VPC_CIDR:
            continue
        block = t.stack.properties(other)
        exists_too = t.stack.exists(other)
        if settle(block.get("VpcId")) != ResourceRef(logical, VPC) or exists_too is False:
            continue
        maybe = Unresolved(f"{other} is created only under a condition that cannot be decided", other)
        if "CidrBlock" in block:
            values.append(("cidr_ipv4", block["CidrBlock"] if exists_too is True else maybe))
        amazon = settle(block.get("AmazonProvidedIpv6CidrBlock", False))
        explicit = "Ipv6CidrBlock" in block
        six = explicit or "Ipv6IpamPoolId" in block or "Ipv6Pool" in block or truth(amazon)
        if explicit:
            values.append(("cidr_ipv6", block["Ipv6CidrBlock"] if exists_too is True else maybe))
        elif six is not False:
            values.append(("cidr_ipv6", Unresolved("an IPv6 block AWS allocates when deployed", other)))
        if six is True and exists_too is True:
            ipv6 = True
        elif six is not False and ipv6 is False:
            ipv6 = None  # it may get one
    addresses, unknowns = cidrs(t, values, src)
    name = tag_name(props) or logical
    t.inv.vpcs[t.key(logical)] = Vpc(t.key(logical), name, addresses, src, ipv6, {logical, name}, (*exists, *unknowns))


def read_subnet(t: _Template, logical: str, exists: tuple[Unknown, ...]) -> None:
    props = t.stack.properties(logical)
    src = t.source(logical)
    values = [(f, props[k]) for f, k in (("cidr_ipv4", "CidrBlock"), ("cidr_ipv6", "Ipv6CidrBlock")) if k in props]
    addresses, unknowns = cidrs(t, values, src)
    vpc = settle(props.get("VpcId"))
    name = tag_name(props) or logical
    t.inv.subnets[t.key(logical)] = Subnet(
        t.key(logical),
        name,
        addresses,
        src,
        aliases={logical, name},
        vpc=t.vpc_key(vpc),
        unknowns=(*exists, *unknowns),
    )


def read_prefix_list(t: _Template, logical: str, exists: tuple[Unknown, ...]) -> None:
    props = t.stack.properties(logical)
    src = t.source(logical)
    family = "cidr_ipv6" if str(settle(props.get("AddressFamily"))).lower() == "ipv6" else "cidr_ipv4"
    values, unknowns = [], list(exists)
    for entry, choices in t.stack.items(props.get("Entries")):
        cidr = settle(entry.get("Cidr")) if isinstance(entry, dict) else Unresolved("not an entry", str(entry))
        entry_src = replace(src, line=line_of(entry, src.line))
        if choices:
            unknowns.extend(t.chosen(choices, entry_src))
            unknowns.append(unknown_of(family, Unresolved("the entry may not exist", str(cidr)), entry_src))
        else:
            values.append((family, cidr))
    addresses, missing = cidrs(t, values, src)
    name = settle(props.get("PrefixListName"))
    name = name if isinstance(name, str) else logical
    t.inv.prefix_lists[t.key(logical)] = PrefixList(
        t.key(logical), name, addresses, src, aliases={logical, name}, unknowns=(*unknowns, *missing)
    )


# -- network ACLs -------------------------------------------------------------------------------------------


def read_nacl(t: _Template, logical: str, exists: tuple[Unknown, ...]) -> None:
    props = t.stack.properties(logical)
    vpc = settle(props.get("VpcId"))
    name = tag_name(props) or logical
    acl = new_nacl(
        t.key(logical),
        name,
        t.source(logical),
        aliases={logical, name},
        vpc=t.vpc_key(vpc),
    )
    if exists:
        acl.unresolved = (exists[0].reason,)
    t.acls[logical] = acl
    t.inv.add_point(acl)


def read_nacl_entry(t: _Template, logical: str, exists: tuple[Unknown, ...]) -> None:
    props = {k: settle(v) for k, v in t.stack.properties(logical).items()}
    src = t.source(logical)
    acl = t.target(props.get("NetworkAclId"), "NetworkAclId", logical, NACL, t.acls, props)
    fixed = {k: props.get(k) for k in ("Egress", "RuleNumber", "RuleAction")}
    open_fields = [k for k, v in fixed.items() if isinstance(v, Unresolved)]
    if open_fields:  # an entry that cannot be placed in the ordered list makes the whole ACL unknown
        acl.unresolved = (*acl.unresolved, f"{logical}: {', '.join(open_fields)} not known until deployed")
        return
    ports = props.get("PortRange")
    if isinstance(ports, Unresolved):
        ports = {"From": ports, "To": ports}
    ports = ports if isinstance(ports, dict) else {}
    rule = nacl_rule(
        egress=truth(fixed["Egress"] if fixed["Egress"] is not None else False) is True,
        number=fixed["RuleNumber"],
        action=fixed["RuleAction"],
        protocol=props.get("Protocol"),
        from_port=settle(ports.get("From")),
        to_port=settle(ports.get("To")),
        cidr=props.get("CidrBlock"),
        ipv6_cidr=props.get("Ipv6CidrBlock"),
        source=src,
        issues=t.inv.issues,
    )
    acl.rules.append(replace(rule, unknowns=(*exists, *rule.unknowns)) if exists else rule)


def read_association(t: _Template, logical: str, exists: tuple[Unknown, ...]) -> None:
    props = {k: settle(v) for k, v in t.stack.properties(logical).items()}
    subnet = props.get("SubnetId")
    subnet = t.key(subnet.logical) if isinstance(subnet, ResourceRef) else subnet
    if is_unresolved(subnet):
        return  # a subnet of another stack: no topology can name it
    acl = t.target(props.get("NetworkAclId"), "NetworkAclId", logical, NACL, t.acls, props)
    if exists:  # the subnet has this ACL or keeps the one it had: either may decide
        acl.unresolved = (*acl.unresolved, exists[0].reason)
    t.inv.nacl_associations[str(subnet)] = (acl.key, t.source(logical))


def tag_name(props: dict[str, Any]) -> str:
    tags = props.get("Tags")
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, dict) and tag.get("Key") == "Name" and isinstance(tag.get("Value"), str):
            return str(tag["Value"])
    return ""
