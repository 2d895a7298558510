"""CloudFormation templates (YAML or JSON): security groups, split ingress/egress rules, prefix lists.

Short-form tags (``!Ref``, ``!GetAtt``, ``!Sub``) parse through ``documents``. ``Ref`` to a parameter
takes its ``Default``; ``Ref``/``GetAtt`` to a group resolves to that group; anything else CloudFormation
only knows at deploy time (``!ImportValue``, a parameter without default) leaves the rule unresolved.

A group with no egress rule at all (neither ``SecurityGroupEgress`` nor a standalone
``AWS::EC2::SecurityGroupEgress``) gets the allow-all egress rule EC2 adds on creation (A3; the
CloudFormation reference: "if you do not add egress rules, we add egress rules that allow all outbound
IPv4 and IPv6 traffic").
"""

from __future__ import annotations

from typing import Any

from validator.ingest.documents import line_of
from validator.ingest.loaders.aws_nacl import nacl_rule, new_nacl
from validator.ingest.loaders.aws_sg import (
    UNRESOLVED,
    RuleSpec,
    check_family,
    default_egress,
    is_unresolved,
    new_group,
    sg_rules,
)
from validator.model.errors import InputError
from validator.model.inventory import Inventory, LoadedFile
from validator.model.rules import EnforcementPoint, PrefixList, SourceRef, Subnet
from validator.model.sets import AddressSet

SG = "AWS::EC2::SecurityGroup"
SG_IN = "AWS::EC2::SecurityGroupIngress"
SG_OUT = "AWS::EC2::SecurityGroupEgress"
PREFIX_LIST = "AWS::EC2::PrefixList"


def is_template(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    if "AWSTemplateFormatVersion" in doc:
        return True
    resources = doc.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::") for r in resources.values()
    )


class _Template:
    def __init__(self, doc: dict[str, Any], path: str) -> None:
        self.path = path
        self.resources: dict[str, Any] = doc.get("Resources") or {}
        self.parameters: dict[str, Any] = doc.get("Parameters") or {}
        if not isinstance(self.resources, dict):
            raise InputError("Resources must be a mapping", file=path, line=line_of(self.resources))

    def line(self, logical: str) -> int | None:
        """Where a resource is declared: the line of its logical id."""
        key_lines = getattr(self.resources, "key_lines", {})
        return key_lines.get(logical) or line_of(self.resources.get(logical))

    def resolve(self, value: Any) -> Any:
        """Intrinsics we can evaluate statically; UNRESOLVED for the rest."""
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            name = value["Ref"]
            param = self.parameters.get(name)
            if isinstance(param, dict):
                return param.get("Default", UNRESOLVED)
            if name in self.resources:
                return f"{self.path}#{name}"
            return UNRESOLVED
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            if isinstance(target, list) and target and target[0] in self.resources:
                return f"{self.path}#{target[0]}"
            return UNRESOLVED
        if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str) and "${" not in value["Fn::Sub"]:
            return value["Fn::Sub"]
        return UNRESOLVED


def load_cloudformation(doc: dict[str, Any], path: str) -> Inventory:
    tpl = _Template(doc, path)
    inv = Inventory()
    groups: dict[str, EnforcementPoint] = {}
    egress_seen: set[str] = set()
    for logical, res in tpl.resources.items():
        if not isinstance(res, dict):
            continue
        if res.get("Type") == SG:
            props = res.get("Properties") or {}
            key = f"{path}#{logical}"
            name = tpl.resolve(props.get("GroupName"))
            group = new_group(
                key,
                name if isinstance(name, str) else logical,
                SourceRef(path, tpl.line(logical), logical),
                aliases={logical, name if isinstance(name, str) else ""},
            )
            groups[key] = group
            inv.add_point(group)
            for field, direction in (("SecurityGroupIngress", "ingress"), ("SecurityGroupEgress", "egress")):
                for perm in _items(props.get(field), path):
                    group.rules.append(sg_rules(_spec(tpl, perm, direction, f"{logical}.{field}", res)))
                    if direction == "egress":
                        egress_seen.add(key)
        elif res.get("Type") == PREFIX_LIST:
            props = res.get("Properties") or {}
            cidrs = [tpl.resolve(e.get("Cidr")) for e in _items(props.get("Entries"), path)]
            if any(is_unresolved(c) for c in cidrs):
                continue
            try:
                addresses = AddressSet.parse(*cidrs, strict=True)
            except ValueError as exc:
                raise InputError(str(exc), file=path, line=tpl.line(logical)) from None
            key = f"{path}#{logical}"
            plname = tpl.resolve(props.get("PrefixListName"))
            inv.prefix_lists[key] = PrefixList(
                key,
                plname if isinstance(plname, str) else logical,
                addresses,
                SourceRef(path, tpl.line(logical), logical),
                aliases={logical, plname if isinstance(plname, str) else ""},
            )
    for logical, res in tpl.resources.items():
        if not isinstance(res, dict) or res.get("Type") not in (SG_IN, SG_OUT):
            continue
        props = res.get("Properties") or {}
        direction = "ingress" if res["Type"] == SG_IN else "egress"
        target = tpl.resolve(props.get("GroupId"))
        src = SourceRef(path, tpl.line(logical), logical)
        if is_unresolved(target):
            raise InputError(
                f"{logical}: GroupId cannot be resolved statically",
                file=path,
                line=src.line,
                hint="use !Ref or !GetAtt to a group in this template, or a literal sg-… id",
            )
        found = groups.get(target)
        if found is not None:
            group = found
        else:
            group = new_group(str(target), str(target), src, aliases={str(target)})
            group.unresolved = ("declared outside the scanned folder",)
            groups[str(target)] = group
            inv.add_point(group)
        group.rules.append(sg_rules(_spec(tpl, props, direction, logical, res)))
        if direction == "egress":
            egress_seen.add(group.key)
    for key, group in groups.items():
        if key not in egress_seen and not group.unresolved:
            group.rules.append(default_egress(group.source))
    _load_network_acls(tpl, inv)
    inv.files.append(LoadedFile(path, "cloudformation", len(groups)))
    return inv


def _items(value: Any, path: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError("expected a list of rules", file=path, line=line_of(value))
    return [v for v in value if isinstance(v, dict)]


def _spec(tpl: _Template, perm: dict[str, Any], direction: str, resource: str, res: Any) -> RuleSpec:
    src = SourceRef(tpl.path, line_of(perm, line_of(res)), resource)
    spec = RuleSpec(
        direction,
        tpl.resolve(perm.get("IpProtocol")),
        tpl.resolve(perm.get("FromPort")),
        tpl.resolve(perm.get("ToPort")),
        src,
        description=str(perm.get("Description") or ""),
    )
    if "IpProtocol" not in perm:
        raise InputError("IpProtocol is required", file=src.file, line=src.line)
    for field, family in (("CidrIp", 4), ("CidrIpv6", 6)):
        if field in perm:
            value = tpl.resolve(perm[field])
            if is_unresolved(value):
                spec.unknown("cidr_ipv4" if family == 4 else "cidr_ipv6", f"{field} is not known until deployment")
            else:
                check_family([value], family, src, field)
                spec.cidrs.append(value)
    group_field = "SourceSecurityGroupId" if direction == "ingress" else "DestinationSecurityGroupId"
    plist_field = "SourcePrefixListId" if direction == "ingress" else "DestinationPrefixListId"
    for field, bucket, kind in ((group_field, spec.groups, "group"), (plist_field, spec.prefix_lists, "prefix_list")):
        if field in perm:
            value = tpl.resolve(perm[field])
            if is_unresolved(value):
                spec.unknown(kind, f"{field} is not known until deployment")
            else:
                bucket.append(str(value))
    if "SourceSecurityGroupName" in perm:
        value = tpl.resolve(perm["SourceSecurityGroupName"])
        if is_unresolved(value):
            spec.unknown("group", "SourceSecurityGroupName is not known until deployment")
        else:
            spec.groups.append(str(value))
    return spec


def _tag_name(props: dict[str, Any]) -> str:
    for tag in props.get("Tags") or []:
        if isinstance(tag, dict) and tag.get("Key") == "Name" and isinstance(tag.get("Value"), str):
            return str(tag["Value"])
    return ""


def _load_network_acls(tpl: _Template, inv: Inventory) -> None:
    """Subnets, NetworkAcl + NetworkAclEntry resources and subnet associations (N1–N2)."""
    path = tpl.path
    acls: dict[str, EnforcementPoint] = {}
    for logical, res in tpl.resources.items():
        if not isinstance(res, dict):
            continue
        props = res.get("Properties") or {}
        key = f"{path}#{logical}"
        src = SourceRef(path, tpl.line(logical), logical)
        if res.get("Type") == "AWS::EC2::Subnet":
            cidrs = [tpl.resolve(props.get(f)) for f in ("CidrBlock", "Ipv6CidrBlock") if props.get(f)]
            known = [str(c) for c in cidrs if not is_unresolved(c)]
            try:
                addresses = AddressSet.parse(*known, strict=True)
            except ValueError as exc:
                raise InputError(str(exc), file=path, line=src.line) from None
            name = _tag_name(props)
            inv.subnets[key] = Subnet(key, name or logical, addresses, src, aliases={logical, name})
        elif res.get("Type") == "AWS::EC2::NetworkAcl":
            name = _tag_name(props)
            acls[key] = new_nacl(key, name or logical, src, aliases={logical, name})
            inv.add_point(acls[key])
    for logical, res in tpl.resources.items():
        if not isinstance(res, dict):
            continue
        props = res.get("Properties") or {}
        src = SourceRef(path, tpl.line(logical), logical)
        if res.get("Type") == "AWS::EC2::NetworkAclEntry":
            target = tpl.resolve(props.get("NetworkAclId"))
            if is_unresolved(target):
                raise InputError(f"{logical}: NetworkAclId cannot be resolved statically", file=path, line=src.line)
            acl = acls.get(str(target))
            if acl is None:
                acl = new_nacl(str(target), str(target), src, aliases={str(target)})
                acl.unresolved = ("declared outside the scanned folder",)
                acls[str(target)] = acl
                inv.add_point(acl)
            ports = props.get("PortRange") or {}
            acl.rules.append(
                nacl_rule(
                    egress=tpl.resolve(props.get("Egress")) in (True, "true"),
                    number=tpl.resolve(props.get("RuleNumber")),
                    action=tpl.resolve(props.get("RuleAction")),
                    protocol=tpl.resolve(props.get("Protocol")),
                    from_port=tpl.resolve(ports.get("From")),
                    to_port=tpl.resolve(ports.get("To")),
                    cidr=tpl.resolve(props.get("CidrBlock")),
                    ipv6_cidr=tpl.resolve(props.get("Ipv6CidrBlock")),
                    source=src,
                )
            )
        elif res.get("Type") == "AWS::EC2::SubnetNetworkAclAssociation":
            subnet = tpl.resolve(props.get("SubnetId"))
            target = tpl.resolve(props.get("NetworkAclId"))
            if not is_unresolved(subnet) and not is_unresolved(target):
                inv.nacl_associations[str(subnet)] = (str(target), src)
