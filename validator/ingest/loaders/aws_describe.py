"""``aws ec2 describe-*`` output (JSON), as the EC2 API returns it: the rules a group really has, defaults
included (``describe-security-groups``, ``describe-security-group-rules``), network ACLs and subnets, VPCs with
their IPv6 blocks (``describe-vpcs``), managed prefix lists (``describe-managed-prefix-lists``; their entries come
from ``get-managed-prefix-list-entries``, whose output names no list, so the list id is taken from a
``PrefixListId`` key or from the file name, e.g. ``pl-0123abcd.json``) and which addresses are in which groups
(``describe-network-interfaces``: a reference to a group matches these addresses).

A CIDR with host bits set is read as EC2 stores it and reported (``cidr-not-canonical``).
"""

from __future__ import annotations

import re
from typing import Any

from validator.ingest.documents import line_of
from validator.ingest.loaders.aws_nacl import nacl_rule, new_nacl
from validator.ingest.loaders.aws_sg import RuleSpec, canonical_cidr, new_group, sg_rules
from validator.model.errors import InputError
from validator.model.inventory import Inventory, LoadedFile
from validator.model.rules import PrefixList, SourceRef, Subnet, Unknown, Vpc
from validator.model.sets import AddressSet

DESCRIBE_KEYS = ("SecurityGroups", "SecurityGroupRules", "NetworkAcls", "Subnets", "PrefixLists", "Vpcs")
MORE_KEYS = ("NetworkInterfaces", "Entries")
_PREFIX_LIST_ID = re.compile(r"pl-[0-9a-f]+")


def is_describe(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    if any(k in doc for k in DESCRIBE_KEYS):
        return True
    interfaces, entries = doc.get("NetworkInterfaces"), doc.get("Entries")
    return (isinstance(interfaces, list) and all(isinstance(i, dict) and "Groups" in i for i in interfaces)) or (
        isinstance(entries, list) and bool(entries) and all(isinstance(e, dict) and "Cidr" in e for e in entries)
    )


def _objects(doc: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
    """``doc[key]`` as a list of objects, or a located error naming what is wrong."""
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(
            f"{key} must be a list",
            file=path,
            line=line_of(value, line_of(doc)),
            hint="pass the unmodified JSON output of 'aws ec2 describe-…'",
        )
    for item in value:
        if not isinstance(item, dict):
            raise InputError(f"every item of {key} must be an object", file=path, line=line_of(value))
    return value


def load_describe(doc: dict[str, Any], path: str) -> Inventory:
    inv = Inventory()
    for key in (*DESCRIBE_KEYS, *MORE_KEYS):
        _objects(doc, key, path)
    groups = doc.get("SecurityGroups")
    if groups is not None and not isinstance(groups, list):
        raise InputError("SecurityGroups must be a list", file=path, line=line_of(groups))
    for sg in groups or []:
        if not isinstance(sg, dict) or "GroupId" not in sg:
            raise InputError("a security group without GroupId", file=path, line=line_of(sg))
        gid = str(sg["GroupId"])
        group = new_group(
            gid,
            str(sg.get("GroupName") or gid),
            SourceRef(path, line_of(sg), gid),
            aliases={gid, str(sg.get("GroupName") or "")},
            vpc=sg.get("VpcId"),
        )
        for field, direction in (("IpPermissions", "ingress"), ("IpPermissionsEgress", "egress")):
            perms = sg.get(field) or []
            if not isinstance(perms, list):
                raise InputError(f"{field} must be a list", file=path, line=line_of(perms, line_of(sg)))
            for perm in perms:
                group.rules.append(sg_rules(_permission(perm, direction, path, gid, sg, inv)))
        inv.add_point(group)
    for rule in doc.get("SecurityGroupRules") or []:
        if not isinstance(rule, dict) or "GroupId" not in rule:
            raise InputError("a security group rule without GroupId", file=path, line=line_of(rule))
        gid = str(rule["GroupId"])
        src = SourceRef(path, line_of(rule), str(rule.get("SecurityGroupRuleId") or gid))
        spec = RuleSpec(
            "egress" if rule.get("IsEgress") else "ingress",
            rule.get("IpProtocol"),
            rule.get("FromPort"),
            rule.get("ToPort"),
            src,
            description=str(rule.get("Description") or ""),
            issues=inv.issues,
        )
        for field in ("CidrIpv4", "CidrIpv6"):
            if rule.get(field):
                spec.cidrs.append(rule[field])
        if rule.get("PrefixListId"):
            spec.prefix_lists.append(str(rule["PrefixListId"]))
        ref = rule.get("ReferencedGroupInfo") or {}
        if ref.get("GroupId"):
            spec.groups.append(str(ref["GroupId"]))
        group = new_group(gid, gid, src, aliases={gid})
        group.rules.append(sg_rules(spec))
        inv.add_point(group)
    _load_network_acls(doc, path, inv)
    _load_vpcs(doc, path, inv)
    _load_prefix_lists(doc, path, inv)
    for eni in doc.get("NetworkInterfaces") or []:
        addresses = _addresses(eni, path, inv)
        for group in eni.get("Groups") or []:
            if isinstance(group, dict) and group.get("GroupId"):
                gid = str(group["GroupId"])
                inv.group_members[gid] = inv.group_members.get(gid, AddressSet()) | addresses
    inv.files.append(LoadedFile(path, "aws-describe", len(inv.points)))
    return inv


def _addresses(eni: dict[str, Any], path: str, inv: Inventory) -> AddressSet:
    """A network interface's private IPv4 and IPv6 addresses."""
    texts = [eni.get("PrivateIpAddress")]
    texts += [a.get("PrivateIpAddress") for a in eni.get("PrivateIpAddresses") or [] if isinstance(a, dict)]
    texts += [a.get("Ipv6Address") for a in eni.get("Ipv6Addresses") or [] if isinstance(a, dict)]
    try:
        return AddressSet.parse(*(str(t) for t in texts if t))
    except ValueError as exc:
        raise InputError(str(exc), file=path, line=line_of(eni)) from None


def _cidrs(texts: list[Any], src: SourceRef, inv: Inventory) -> AddressSet:
    try:
        return AddressSet.parse(*(canonical_cidr(str(t), src, inv.issues) for t in texts if t), strict=True)
    except ValueError as exc:
        raise InputError(str(exc), file=src.file, line=src.line) from None


def _load_vpcs(doc: dict[str, Any], path: str, inv: Inventory) -> None:
    """``describe-vpcs``: CIDR blocks (associated ones) and whether the VPC has IPv6."""
    for vpc in doc.get("Vpcs") or []:
        if "VpcId" not in vpc:
            raise InputError("a VPC without VpcId", file=path, line=line_of(vpc))
        vid, src = str(vpc["VpcId"]), SourceRef(path, line_of(vpc), str(vpc["VpcId"]))
        v4 = [a.get("CidrBlock") for a in vpc.get("CidrBlockAssociationSet") or [] if _associated(a, "CidrBlock")]
        v6 = [
            a.get("Ipv6CidrBlock")
            for a in vpc.get("Ipv6CidrBlockAssociationSet") or []
            if _associated(a, "Ipv6CidrBlock")
        ]
        name = _tag_name(vpc)
        addresses = _cidrs([*(v4 or [vpc.get("CidrBlock")]), *v6], src, inv)
        inv.vpcs[vid] = Vpc(vid, name or vid, addresses, src, bool(v6), {vid, name})


def _associated(association: Any, field: str) -> bool:
    state = (association or {}).get(f"{field}State") or {}
    return isinstance(association, dict) and state.get("State", "associated") == "associated"


def _load_prefix_lists(doc: dict[str, Any], path: str, inv: Inventory) -> None:
    """``describe-managed-prefix-lists`` (the lists, without entries) and ``get-managed-prefix-list-entries``."""
    for plist in doc.get("PrefixLists") or []:
        if "PrefixListId" not in plist:
            raise InputError("a prefix list without PrefixListId", file=path, line=line_of(plist))
        pid, src = str(plist["PrefixListId"]), SourceRef(path, line_of(plist), str(plist["PrefixListId"]))
        family = "cidr_ipv6" if str(plist.get("AddressFamily")).lower() == "ipv6" else "cidr_ipv4"
        missing = Unknown(
            family,
            "describe-managed-prefix-lists does not list entries: add the output of "
            f"'aws ec2 get-managed-prefix-list-entries --prefix-list-id {pid}' as {pid}.json",
            pid,
            src,
        )
        name = str(plist.get("PrefixListName") or pid)
        inv.prefix_lists[pid] = PrefixList(pid, name, AddressSet(), src, {pid, name}, (missing,))
    entries = doc.get("Entries")
    if entries is None:
        return
    named = doc.get("PrefixListId") or next(iter(_PREFIX_LIST_ID.findall(path.rsplit("/", 1)[-1])), None)
    if not named:
        raise InputError(
            "prefix-list entries without the list's id",
            file=path,
            line=line_of(entries),
            hint="name the file after the list (pl-0123abcd.json) or add a PrefixListId key",
        )
    pid, src = str(named), SourceRef(path, line_of(entries), str(named))
    inv.prefix_lists[pid] = PrefixList(pid, pid, _cidrs([e.get("Cidr") for e in entries], src, inv), src, {pid})


def _tag_name(item: dict[str, Any]) -> str:
    for tag in item.get("Tags") or []:
        if isinstance(tag, dict) and tag.get("Key") == "Name":
            return str(tag.get("Value") or "")
    return ""


def _load_network_acls(doc: dict[str, Any], path: str, inv: Inventory) -> None:
    """``describe-network-acls`` (entries, associations) and ``describe-subnets`` (CIDRs)."""
    for subnet in doc.get("Subnets") or []:
        if not isinstance(subnet, dict) or "SubnetId" not in subnet:
            raise InputError("a subnet without SubnetId", file=path, line=line_of(subnet))
        sid = str(subnet["SubnetId"])
        cidrs = [subnet.get("CidrBlock")] + [
            a.get("Ipv6CidrBlock") for a in subnet.get("Ipv6CidrBlockAssociationSet") or []
        ]
        addresses = _cidrs(cidrs, SourceRef(path, line_of(subnet), sid), inv)
        name = _tag_name(subnet)
        inv.subnets[sid] = Subnet(
            sid,
            name or sid,
            addresses,
            SourceRef(path, line_of(subnet), sid),
            aliases={sid, name},
            vpc=subnet.get("VpcId"),
        )
    for acl_doc in doc.get("NetworkAcls") or []:
        if not isinstance(acl_doc, dict) or "NetworkAclId" not in acl_doc:
            raise InputError("a network ACL without NetworkAclId", file=path, line=line_of(acl_doc))
        aid = str(acl_doc["NetworkAclId"])
        name = _tag_name(acl_doc)
        acl = new_nacl(
            aid, name or aid, SourceRef(path, line_of(acl_doc), aid), aliases={aid, name}, vpc=acl_doc.get("VpcId")
        )
        for entry in acl_doc.get("Entries") or []:
            ports = entry.get("PortRange") or {}
            acl.rules.append(
                nacl_rule(
                    egress=bool(entry.get("Egress")),
                    number=entry.get("RuleNumber"),
                    action=entry.get("RuleAction"),
                    protocol=entry.get("Protocol"),
                    from_port=ports.get("From"),
                    to_port=ports.get("To"),
                    cidr=entry.get("CidrBlock"),
                    ipv6_cidr=entry.get("Ipv6CidrBlock"),
                    source=SourceRef(path, line_of(entry, line_of(acl_doc)), aid),
                    issues=inv.issues,
                )
            )
        inv.add_point(acl)
        for assoc in acl_doc.get("Associations") or []:
            if isinstance(assoc, dict) and assoc.get("SubnetId"):
                inv.nacl_associations[str(assoc["SubnetId"])] = (aid, SourceRef(path, line_of(assoc), aid))


def _permission(perm: Any, direction: str, path: str, gid: str, sg: Any, inv: Inventory) -> RuleSpec:
    if not isinstance(perm, dict):
        raise InputError("a permission must be an object", file=path, line=line_of(sg))
    src = SourceRef(path, line_of(perm, line_of(sg)), gid)
    spec = RuleSpec(direction, perm.get("IpProtocol"), perm.get("FromPort"), perm.get("ToPort"), src, issues=inv.issues)
    if "IpProtocol" not in perm:
        raise InputError("IpProtocol is required", file=path, line=src.line)
    for item in perm.get("IpRanges") or []:
        spec.cidrs.append(item.get("CidrIp"))
    for item in perm.get("Ipv6Ranges") or []:
        spec.cidrs.append(item.get("CidrIpv6"))
    for item in perm.get("PrefixListIds") or []:
        spec.prefix_lists.append(str(item.get("PrefixListId")))
    for item in perm.get("UserIdGroupPairs") or []:
        spec.groups.append(str(item.get("GroupId") or item.get("GroupName")))
    descriptions = [i.get("Description") for k in ("IpRanges", "Ipv6Ranges") for i in perm.get(k) or []]
    spec.description = "; ".join(d for d in descriptions if d)
    return spec
