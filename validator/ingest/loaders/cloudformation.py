"""CloudFormation templates (YAML or JSON) as AWS deploys them: security groups and their rules, network ACLs,
subnets, VPCs and prefix lists.

Intrinsics are evaluated with the parameters' defaults or given values and the region (``cloudformation_stack``);
a resource whose ``Condition`` is false is not created, and one whose condition cannot be decided is read with
a ``rule`` unknown on everything it adds. What only deployment fixes becomes an ``Unknown`` of the rule, with the
reason and the expression.

Default egress (A3, docs/semantics.md): when the group's own ``SecurityGroupEgress`` property lists no rule, AWS
adds allow-all egress to ``0.0.0.0/0``, and to ``::/0`` when the VPC has an IPv6 block (an
``AWS::EC2::VPCCidrBlock`` of the template's VPC); for a VPC outside the template that rule's existence is
unknown. Standalone ``AWS::EC2::SecurityGroupEgress`` resources are added after creation and do not remove it.
CIDRs with host bits set are read as EC2 stores them, and reported (``cidr-not-canonical``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from validator.ingest.documents import line_of
from validator.ingest.loaders import cloudformation_network as network
from validator.ingest.loaders.aws_nacl import new_nacl
from validator.ingest.loaders.aws_sg import (
    RuleSpec,
    Unresolved,
    check_family,
    default_egress,
    is_unresolved,
    new_group,
    sg_rules,
    unknown_of,
)
from validator.ingest.loaders.cloudformation_functions import ELB, NACL, PREFIX_LIST, SG, SUBNET, VPC
from validator.ingest.loaders.cloudformation_stack import Stack
from validator.ingest.loaders.cloudformation_values import Choice, ResourceRef, StackInputs, render, settle
from validator.model.inventory import InputIssue, Inventory, LoadedFile
from validator.model.rules import EnforcementPoint, SourceRef, Unknown

SG_IN = "AWS::EC2::SecurityGroupIngress"
SG_OUT = "AWS::EC2::SecurityGroupEgress"
NACL_ENTRY = "AWS::EC2::NetworkAclEntry"
NACL_ASSOCIATION = "AWS::EC2::SubnetNetworkAclAssociation"
NOT_EXPANDED = "cfn-not-expanded"  # an input issue: macros, Fn::ForEach, modules
# transforms that do not rewrite EC2 network resources
HARMLESS_TRANSFORMS = frozenset({"AWS::Serverless-2016-10-31", "AWS::LanguageExtensions"})


def is_template(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    if "AWSTemplateFormatVersion" in doc:
        return True
    resources = doc.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::") for r in resources.values()
    )


def load_cloudformation(doc: dict[str, Any], path: str, inputs: StackInputs | None = None) -> Inventory:
    return _Template(Stack(doc, path, inputs or StackInputs()), doc).load()


class _Template:
    def __init__(self, stack: Stack, doc: dict[str, Any]) -> None:
        self.stack, self.doc, self.path = stack, doc, stack.path
        self.inv = Inventory()
        self.groups: dict[str, EnforcementPoint] = {}
        self.acls: dict[str, EnforcementPoint] = {}

    def key(self, logical: str) -> str:
        return f"{self.path}#{logical}"

    def source(self, logical: str, line: int | None = None) -> SourceRef:
        return SourceRef(self.path, line or self.stack.line(logical), logical)

    def vpc_key(self, vpc: Any) -> str | None:
        """A ``VpcId`` as the inventory names VPCs: the key of the template's VPC or a literal id."""
        return self.key(vpc.logical) if isinstance(vpc, ResourceRef) else vpc if isinstance(vpc, str) else None

    def load(self) -> Inventory:
        self._transforms()
        for rtype, read in READERS:
            for logical in self.stack.resources:
                if self.stack.type_of(logical) == rtype:
                    exists = self._existence(logical)
                    if exists is not None:
                        read(self, logical, exists)
        self.inv.files.append(LoadedFile(self.path, "cloudformation", len(self.groups)))
        return self.inv

    def _transforms(self) -> None:
        """Macros rewrite the template before CloudFormation reads it: what they add is not here."""
        declared = self.doc.get("Transform")
        names = declared if isinstance(declared, list) else [declared] if declared else []
        for name in names:
            if not (isinstance(name, str) and name in HARMLESS_TRANSFORMS):
                self._issue(NOT_EXPANDED, f"the template is rewritten by the macro {name} before it deploys")
        for logical in self.stack.resources:
            if str(logical).startswith("Fn::ForEach"):
                self._issue(NOT_EXPANDED, f"{logical}: resources made by Fn::ForEach are not expanded", logical)
        for logical in self.stack.modules:
            rtype = render(self.stack.resources[logical].get("Type"))
            message = (
                f"{logical} is a module ({rtype}): the resources it adds are not expanded; package the template first"
            )
            self._issue(NOT_EXPANDED, message, logical)

    def _issue(self, kind: str, message: str, logical: str | None = None) -> None:
        where = self.source(logical) if logical else SourceRef(self.path, line_of(self.doc), "")
        self.inv.issues.append(InputIssue(kind, message, where))

    def _existence(self, logical: str) -> tuple[Unknown, ...] | None:
        """None when the resource is not created; else the unknowns every rule it adds carries."""
        decided = self.stack.exists(logical)
        if decided is True:
            return ()
        if decided is False:
            return None
        cond = self.stack.resources[logical].get("Condition")
        reason = f"{logical} is created only when condition {cond} is true: {decided.reason}"
        return (Unknown("rule", reason, decided.expression or f"Condition: {cond}", self.source(logical)),)

    # -- security groups ----------------------------------------------------------------------------------------

    def group(self, logical: str, exists: tuple[Unknown, ...]) -> None:
        props = self.stack.properties(logical)
        name = settle(props.get("GroupName"))
        name = name if isinstance(name, str) else logical
        vpc = settle(props.get("VpcId"))
        src = self.source(logical)
        group = new_group(
            self.key(logical),
            name,
            src,
            aliases={logical, name},
            vpc=self.vpc_key(vpc),
        )
        self.groups[logical] = group
        self.inv.add_point(group)
        own_egress = []
        for field, direction in (("SecurityGroupIngress", "ingress"), ("SecurityGroupEgress", "egress")):
            for perm, choices in self.stack.items(props.get(field)):
                unknowns = exists + self.chosen(choices, src)
                group.rules.append(self._rule(perm, direction, logical, unknowns, line_of(perm, src.line)))
                if direction == "egress":
                    own_egress.append(choices)
        if any(not choices for choices in own_egress):
            return  # the group's own egress rules replace the default ones (A3)
        if own_egress:  # only rules under undecided conditions: the default exists when none of them does
            exists += (Unknown("rule", "AWS adds it only if none of the group's own egress rules is created", "", src),)
        group.rules.append(default_egress(src, "0.0.0.0/0", exists))
        ipv6 = self._ipv6_of(vpc, props)
        if ipv6 is True:
            group.rules.append(default_egress(src, "::/0", exists))
        elif isinstance(ipv6, Unresolved):
            group.rules.append(
                default_egress(src, "::/0", (*exists, Unknown("rule", ipv6.reason, ipv6.expression, src)))
            )

    def chosen(self, choices: tuple[Choice, ...], src: SourceRef) -> tuple[Unknown, ...]:
        out = []
        for c in choices:
            name, value = (c.condition[1:], "false") if c.condition.startswith("!") else (c.condition, "true")
            out.append(Unknown("rule", f"written for condition {name} = {value}: {c.reason}", c.expression, src))
        return tuple(out)

    def _ipv6_of(self, vpc: Any, props: dict[str, Any]) -> bool | Unresolved:
        """Whether the group's VPC has an IPv6 block (AWS adds the ``::/0`` default egress only then)."""
        prefix = "AWS adds the ::/0 egress rule only in a VPC with an IPv6 CIDR block; "
        if "VpcId" not in props:
            return Unresolved(prefix + "no VpcId: the group is in the region's default VPC", "default VPC")
        if isinstance(vpc, ResourceRef) and vpc.type == VPC:
            known = self.inv.vpcs.get(self.key(vpc.logical))
            if known is not None and known.ipv6 is not None:
                return known.ipv6
            return Unresolved(prefix + f"whether {vpc.logical} gets one is not known", vpc.logical)
        if isinstance(vpc, Unresolved):
            return Unresolved(prefix + f"the VPC is not known: {vpc.reason}", vpc.expression)
        return Unresolved(prefix + f"VPC {vpc} is not declared in this template", str(vpc))

    def _rule(self, perm: Any, direction: str, declared_by: str, unknowns: tuple[Unknown, ...], line: Any) -> Any:
        src = SourceRef(self.path, line, declared_by)
        if isinstance(perm, Unresolved):  # the whole rule list is not known: a rule that may be anything
            everything = [*unknowns, unknown_of("rule", perm, src), unknown_of("cidr_ipv4", perm, src)]
            return sg_rules(RuleSpec(direction, perm, None, None, src, unknowns=everything))
        if not isinstance(perm, dict):
            raise self.stack.error("expected a rule (a mapping with IpProtocol)", perm or self.stack.resources)
        if "IpProtocol" not in perm:
            raise self.stack.error("IpProtocol is required", perm)
        value = {k: settle(v) for k, v in perm.items()}
        if str(value.get("IpProtocol")).lower() in ("tcp", "udp", "6", "17"):
            for field in ("FromPort", "ToPort"):  # EC2 refuses a tcp/udp permission without its port range
                value.setdefault(field, Unresolved(f"{field} is missing: EC2 requires it for tcp and udp rules"))
        spec = RuleSpec(
            direction,
            value.get("IpProtocol"),
            value.get("FromPort"),
            value.get("ToPort"),
            src,
            description=str(value.get("Description") or "") if not is_unresolved(value.get("Description")) else "",
            unknowns=list(unknowns),
            issues=self.inv.issues,
        )
        for field, family in (("CidrIp", 4), ("CidrIpv6", 6)):
            if field not in value:
                continue
            if is_unresolved(value[field]):
                spec.unknowns.append(unknown_of(f"cidr_ipv{family}", value[field], src))
            else:
                check_family([str(value[field])], family, src, field)
                spec.cidrs.append(str(value[field]))
        peer = "Source" if direction == "ingress" else "Destination"
        for field, bucket, kind in (
            (f"{peer}SecurityGroupId", spec.groups, "group"),
            ("SourceSecurityGroupName", spec.groups, "group"),
            (f"{peer}PrefixListId", spec.prefix_lists, "prefix_list"),
        ):
            if field in value:
                ref = self._reference(value[field], field, perm, SG if kind == "group" else PREFIX_LIST)
                if isinstance(ref, Unresolved):
                    spec.unknowns.append(unknown_of(kind, ref, src))
                else:
                    bucket.append(ref)
        return sg_rules(spec)

    def _reference(self, value: Any, field: str, where: Any, rtype: str) -> str | Unresolved:
        """A group or prefix-list reference: the key of a resource of this template, an id, or unresolved."""
        if isinstance(value, Unresolved) or is_unresolved(value):
            return (
                value
                if isinstance(value, Unresolved)
                else Unresolved("an intrinsic that is not evaluated", render(value))
            )
        if isinstance(value, ResourceRef):
            if value.type == rtype:
                return self.key(value.logical)
            if value.type == ELB and rtype == SG:  # the group Elastic Load Balancing creates for a classic ELB
                return self.key(value.logical) + ".SourceSecurityGroup"
            raise self.stack.error(f"{field} names {value.logical}, a {value.type}", where)
        return str(value)

    def standalone(self, logical: str, exists: tuple[Unknown, ...]) -> None:
        """``AWS::EC2::SecurityGroupIngress``/``Egress``: one rule added to a group after it is created."""
        props = self.stack.properties(logical)
        direction = "ingress" if self.stack.type_of(logical) == SG_IN else "egress"
        src = self.source(logical)
        field = "GroupId" if "GroupId" in props or direction == "egress" else "GroupName"
        group = self.target(settle(props.get(field)), field, logical, SG, self.groups, props)
        group.rules.append(self._rule(props, direction, logical, exists, src.line))

    def target(
        self, value: Any, field: str, logical: str, rtype: str, table: dict[str, EnforcementPoint], where: Any
    ) -> EnforcementPoint:
        """The group (or ACL) a standalone resource adds to; one declared elsewhere is a stand-in that says so."""
        src = self.source(logical)
        if isinstance(value, ResourceRef) and value.type == rtype and value.logical in table:
            return table[value.logical]
        if isinstance(value, ResourceRef):
            raise self.stack.error(
                f"{field} names {value.logical}, a {value.type} this template does not create", where
            )
        if value is None:
            raise self.stack.error(f"{logical}: {field} is required", where)
        if isinstance(value, Unresolved) or is_unresolved(value):
            reason = value.reason if isinstance(value, Unresolved) else "an intrinsic that is not evaluated"
            expression = value.expression if isinstance(value, Unresolved) else render(value)
            key, name, why = f"{self.path}#{expression}", expression, f"{field} {expression} is not known: {reason}"
        else:
            key = name = str(value)
            why = "declared outside the scanned folder"
        point = table.get(key)
        if point is None:
            make = new_group if rtype == SG else new_nacl
            point = make(key, name, src, aliases={key})
            point.unresolved = (why,)
            table[key] = point
            self.inv.add_point(point)
        return point


# resource types in the order they are read: VPCs before their groups, groups before the rules added to them
READERS: tuple[tuple[str, Callable[[_Template, str, tuple[Unknown, ...]], None]], ...] = (
    (VPC, network.read_vpc),
    (SG, _Template.group),
    (PREFIX_LIST, network.read_prefix_list),
    (SUBNET, network.read_subnet),
    (NACL, network.read_nacl),
    (SG_IN, _Template.standalone),
    (SG_OUT, _Template.standalone),
    (NACL_ENTRY, network.read_nacl_entry),
    (NACL_ASSOCIATION, network.read_association),
)
