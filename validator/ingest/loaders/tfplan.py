"""``terraform show -json`` output, of a saved plan or of state: the same resources as the HCL loader —
security groups (default group included), every rule resource, managed prefix lists and their entries,
subnets, network ACLs (default ACL included), their entries and associations — at their module addresses.

A plan leaves out of ``planned_values`` what Terraform learns at apply (a new group's id) and flags it in
``resource_changes[].change.after_unknown``. Such a value is recovered from the plan's ``configuration``,
whose expressions list what each attribute refers to (``aws_security_group.mgmt.id``); what it refers to
outside the plan stays an explicit unknown with that reference as its text. Line numbers point into the
JSON file.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from validator.ingest.documents import line_of
from validator.ingest.loaders.aws_nacl import nacl_rule, new_nacl
from validator.ingest.loaders.aws_sg import UNRESOLVED, RuleSpec, check_family, new_group, sg_rules
from validator.model.errors import InputError
from validator.model.inventory import Inventory, LoadedFile
from validator.model.rules import EnforcementPoint, PrefixList, SourceRef, Subnet, Unknown
from validator.model.sets import AddressSet

GROUP_TYPES = ("aws_security_group", "aws_default_security_group")
ACL_TYPES = ("aws_network_acl", "aws_default_network_acl")
_INDEX = re.compile(r"\[[^\]]*\]")
LATER = "known only after apply (planned value)"


def is_plan(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and "format_version" in doc
        and ("planned_values" in doc or "values" in doc or "prior_state" in doc)
    )


def _walk(module: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not module:
        return []
    out = [r for r in module.get("resources") or [] if r.get("mode", "managed") == "managed"]
    for child in module.get("child_modules") or []:
        out.extend(_walk(child))
    return out


def _config_index(module: dict[str, Any] | None, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Resource address without instance keys → its configuration expressions, across module calls."""
    index: dict[str, dict[str, Any]] = {}
    if not module:
        return index
    for res in module.get("resources") or []:
        index[prefix + res.get("address", "")] = res.get("expressions") or {}
    for name, call in (module.get("module_calls") or {}).items():
        index.update(_config_index(call.get("module"), f"{prefix}module.{name}."))
    return index


def _module_of(address: str) -> str:
    """``module.a["x"].module.b[0].aws_subnet.s[1]`` → ``module.a["x"].module.b[0].``."""
    parts = re.findall(r"module\.[^.\[]+(?:\[[^\]]*\])?\.", address)
    return "".join(parts) if address.startswith("module.") else ""


class _Plan:
    def __init__(self, doc: dict[str, Any], path: str) -> None:
        self.path = path
        root = (doc.get("planned_values") or doc.get("values") or {}).get("root_module")
        self.resources = _walk(root)
        self.by_address = {r.get("address", ""): r for r in self.resources}
        self.config = _config_index((doc.get("configuration") or {}).get("root_module"))
        self.after_unknown = {
            c.get("address", ""): (c.get("change") or {}).get("after_unknown") or {}
            for c in doc.get("resource_changes") or []
            if isinstance(c, dict)
        }
        self.ids = {str(r["values"]["id"]): r["address"] for r in self.resources if (r.get("values") or {}).get("id")}

    def source(self, res: dict[str, Any], node: Any = None, suffix: str = "") -> SourceRef:
        return SourceRef(self.path, line_of(node, line_of(res)) if node is not None else line_of(res),
                         res["address"] + suffix)  # fmt: skip

    def unknown(self, res: dict[str, Any], attr: str, block: tuple[str, int] | None = None) -> bool:
        flags: Any = self.after_unknown.get(res["address"], {})
        if block is not None:
            flags = flags.get(block[0]) if isinstance(flags, dict) else None
            flags = flags[block[1]] if isinstance(flags, list) and block[1] < len(flags) else flags
        value = flags.get(attr) if isinstance(flags, dict) else flags
        return value is True or (isinstance(value, list) and any(v is True for v in value))

    def references(self, res: dict[str, Any], attr: str, block: tuple[str, int] | None = None) -> list[str]:
        expr: Any = self.config.get(_INDEX.sub("", res["address"]), {})
        if block is not None:
            blocks = expr.get(block[0])
            expr = blocks[block[1]] if isinstance(blocks, list) and block[1] < len(blocks) else {}
        found = (expr.get(attr) or {}).get("references") if isinstance(expr, dict) else None
        return [str(r) for r in found or []]

    def refer(
        self, res: dict[str, Any], value: Any, attr: str, block: tuple[str, int] | None = None
    ) -> tuple[list[str], list[str]]:
        """A reference attribute → (resource addresses or literal ids, texts of references not in the plan)."""
        if value not in (None, "", []):
            return [self.ids.get(str(v), str(v)) for v in (value if isinstance(value, list) else [value])], []
        references = self.references(res, attr, block)
        prefix, out = _module_of(res["address"]), []
        for ref in references:
            target = prefix + re.sub(r"\.(id|default_network_acl_id|default_security_group_id)$", "", ref)
            if target in self.by_address and target not in out:
                out.append(target)
        if out:
            return out, []
        if references or self.unknown(res, attr, block):
            return [], (references or [attr])[:1]
        return [], []

    def value(self, res: dict[str, Any], values: dict[str, Any], attr: str, spec_or_list: list[Unknown], field: str,
              src: SourceRef, block: tuple[str, int] | None = None) -> Any:  # fmt: skip
        """An attribute's planned value, or UNRESOLVED with an Unknown when the plan says after apply."""
        value = values.get(attr)
        if value in (None, [], "") and self.unknown(res, attr, block):
            text = (self.references(res, attr, block) or [attr])[0]
            spec_or_list.append(Unknown(field, LATER, text, src))
            return UNRESOLVED
        return value


def load_plan(doc: dict[str, Any], path: str) -> Inventory:
    plan = _Plan(doc, path)
    inv = Inventory()
    groups: dict[str, EnforcementPoint] = {}
    for res in plan.resources:
        if res.get("type") in GROUP_TYPES:
            address, values = res["address"], res.get("values") or {}
            name = str(values.get("name") or values.get("name_prefix") or address.rsplit(".", 1)[-1])
            aliases = {address, ".".join(address.split(".")[-2:]), name, str(values.get("id") or "")}
            groups[address] = new_group(address, name, plan.source(res), aliases=aliases)
            inv.add_point(groups[address])
    plists = _prefix_lists(plan, inv)
    for address, group in groups.items():
        res = plan.by_address[address]
        for direction in ("ingress", "egress"):
            for i, block in enumerate((res.get("values") or {}).get(direction) or []):
                spec = _spec(plan, res, block, direction, plan.source(res, block, f".{direction}"), (direction, i))
                refs, missing = plan.refer(res, block.get("security_groups"), "security_groups", (direction, i))
                spec.groups = refs
                spec.unknowns += [Unknown("group", LATER, m, spec.source) for m in missing]
                if block.get("self"):
                    spec.groups.append(address)
                group.rules.append(_rule(spec, plists))
    for res in plan.resources:
        rtype, address, values = res.get("type"), res.get("address", ""), res.get("values") or {}
        if rtype == "aws_security_group_rule":
            direction = str(values.get("type"))
            spec = _spec(plan, res, values, direction, plan.source(res))
            refs, missing = plan.refer(res, values.get("source_security_group_id"), "source_security_group_id")
        elif rtype in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
            direction = "ingress" if rtype.endswith("ingress_rule") else "egress"
            src = plan.source(res)
            spec = RuleSpec(direction, values.get("ip_protocol"), values.get("from_port"), values.get("to_port"), src,
                            description=str(values.get("description") or ""))  # fmt: skip
            for attr, family in (("cidr_ipv4", 4), ("cidr_ipv6", 6)):
                cidr = plan.value(res, values, attr, spec.unknowns, attr, src)
                if cidr not in (None, UNRESOLVED):
                    check_family([cidr], family, src, attr)
                    spec.cidrs.append(cidr)
            pl_refs, pl_missing = plan.refer(res, values.get("prefix_list_id"), "prefix_list_id")
            spec.prefix_lists = pl_refs
            spec.unknowns += [Unknown("prefix_list", LATER, m, src) for m in pl_missing]
            refs, missing = plan.refer(res, values.get("referenced_security_group_id"), "referenced_security_group_id")
        else:
            continue
        if direction not in ("ingress", "egress"):
            raise InputError(f"rule type must be ingress or egress, not {direction!r}", file=path, line=line_of(res))
        spec.groups = refs
        spec.unknowns += [Unknown("group", LATER, m, spec.source) for m in missing]
        targets, _ = plan.refer(res, values.get("security_group_id"), "security_group_id")
        if not targets:
            raise InputError(
                f"{address}: security_group_id cannot be resolved",
                file=path,
                line=line_of(res),
                hint="export the plan with its configuration: terraform show -json plan.out",
            )
        target = groups.get(targets[0])
        if target is None:
            target = groups[targets[0]] = new_group(targets[0], targets[0], spec.source, aliases={targets[0]})
            target.unresolved = ("declared outside the scanned folder",)
            inv.add_point(target)
        if values.get("self"):
            spec.groups.append(target.key)
        target.rules.append(_rule(spec, plists))
    _acls(plan, inv)
    inv.files.append(LoadedFile(path, "terraform-plan", len(groups)))
    return inv


def _spec(plan: _Plan, res: dict[str, Any], values: dict[str, Any], direction: Any, src: SourceRef,
          block: tuple[str, int] | None = None) -> RuleSpec:  # fmt: skip
    spec = RuleSpec(direction, values.get("protocol"), values.get("from_port"), values.get("to_port"), src,
                    description=str(values.get("description") or ""))  # fmt: skip
    for attr, family, field in (("cidr_blocks", 4, "cidr_ipv4"), ("ipv6_cidr_blocks", 6, "cidr_ipv6")):
        cidrs = plan.value(res, values, attr, spec.unknowns, field, src, block)
        if cidrs not in (None, UNRESOLVED):
            check_family(cidrs, family, src, attr)
            spec.cidrs.extend(cidrs)
    refs, missing = plan.refer(res, values.get("prefix_list_ids"), "prefix_list_ids", block)
    spec.prefix_lists = refs
    spec.unknowns += [Unknown("prefix_list", LATER, m, src) for m in missing]
    return spec


def _rule(spec: RuleSpec, plists: dict[str, PrefixList]) -> Any:
    mine = list(spec.unknowns)
    rule = sg_rules(spec)
    fields = {u.field for u in mine}
    return replace(rule, unknowns=tuple(mine + [u for u in rule.unknowns if u.field not in fields and u not in mine]))


def _prefix_lists(plan: _Plan, inv: Inventory) -> dict[str, PrefixList]:
    entries: dict[str, list[Any]] = {}
    for res in plan.resources:
        if res.get("type") == "aws_ec2_managed_prefix_list_entry":
            targets, _ = plan.refer(res, (res.get("values") or {}).get("prefix_list_id"), "prefix_list_id")
            for target in targets[:1]:
                entries.setdefault(target, []).append((res.get("values") or {}).get("cidr"))
    for res in plan.resources:
        if res.get("type") != "aws_ec2_managed_prefix_list":
            continue
        values, address = res.get("values") or {}, res["address"]
        cidrs = [e.get("cidr") for e in values.get("entry") or []] + entries.get(address, [])
        if any(c in (None, "") for c in cidrs):
            continue  # an entry known only after apply: rules naming the list stay unknown
        try:
            addresses = AddressSet.parse(*cidrs, strict=True)
        except (ValueError, TypeError) as exc:
            raise InputError(f"prefix list entry: {exc}", file=plan.path, line=line_of(res)) from None
        name = str(values.get("name") or address)
        inv.prefix_lists[address] = PrefixList(address, name, addresses, plan.source(res),
                                               aliases={str(values.get("id") or ""), name})  # fmt: skip
    return inv.prefix_lists


def _acls(plan: _Plan, inv: Inventory) -> None:
    """Subnets, network ACLs (inline entries, ``aws_network_acl_rule``) and associations (N1–N2)."""
    vpc_of: dict[str, str] = {}
    for res in plan.resources:
        if res.get("type") in ("aws_subnet", "aws_default_subnet"):
            values, address = res.get("values") or {}, res["address"]
            cidrs = [c for c in (values.get("cidr_block"), values.get("ipv6_cidr_block")) if isinstance(c, str) and c]
            try:
                addresses = AddressSet.parse(*cidrs, strict=True)
            except ValueError as exc:
                raise InputError(str(exc), file=plan.path, line=line_of(res)) from None
            tags = values.get("tags") or {}
            tags = tags if isinstance(tags, dict) else {}
            name = str(tags.get("Name") or "")
            vpcs, _ = plan.refer(res, values.get("vpc_id"), "vpc_id")
            vpc_of[address] = vpcs[0] if vpcs else ""
            inv.subnets[address] = Subnet(address, name or address, addresses, plan.source(res), vpc=vpc_of[address],
                                          aliases={name, address, ".".join(address.split(".")[-2:]),
                                                   str(values.get("id") or "")})  # fmt: skip
    acls: dict[str, EnforcementPoint] = {}
    defaults: list[tuple[EnforcementPoint, str]] = []
    for res in plan.resources:
        if res.get("type") not in ACL_TYPES:
            continue
        values, address = res.get("values") or {}, res["address"]
        tags = values.get("tags") or {}
        tags = tags if isinstance(tags, dict) else {}
        name = str(tags.get("Name") or address)
        acl = acls[address] = new_nacl(
            address, name, plan.source(res), aliases={address, name, str(values.get("id") or "")}
        )
        inv.add_point(acl)
        for direction in ("ingress", "egress"):
            for i, entry in enumerate(values.get(direction) or []):
                src = plan.source(res, entry, f".{direction}")
                acl.rules.append(
                    _entry(plan, res, entry, direction == "egress", "rule_no", "action", src, (direction, i))
                )
        subnets, _ = plan.refer(res, values.get("subnet_ids"), "subnet_ids")
        for subnet in subnets:
            inv.nacl_associations[subnet] = (address, acl.source)
        if res.get("type") == "aws_default_network_acl":
            vpcs, _ = plan.refer(res, values.get("default_network_acl_id"), "default_network_acl_id")
            defaults.extend((acl, vpc) for vpc in vpcs[:1])
    for res in plan.resources:
        rtype, values = res.get("type"), res.get("values") or {}
        if rtype == "aws_network_acl_rule":
            targets, _ = plan.refer(res, values.get("network_acl_id"), "network_acl_id")
            owner = acls.get(targets[0]) if targets else None
            if owner is None:
                raise InputError(f"{res['address']}: network_acl_id cannot be resolved", file=plan.path,
                                 line=line_of(res), hint="export the plan with its configuration")  # fmt: skip
            owner.rules.append(_entry(plan, res, values, values.get("egress") is True, "rule_number", "rule_action",
                                      plan.source(res)))  # fmt: skip
        elif rtype == "aws_network_acl_association":
            subnets, _ = plan.refer(res, values.get("subnet_id"), "subnet_id")
            targets, _ = plan.refer(res, values.get("network_acl_id"), "network_acl_id")
            for subnet in subnets[:1]:
                if targets:
                    inv.nacl_associations[subnet] = (targets[0], plan.source(res))
    for acl, vpc in defaults:  # AWS associates the VPC's default ACL with every subnet no other ACL lists
        for subnet, subnet_vpc in vpc_of.items():
            if subnet_vpc == vpc and subnet not in inv.nacl_associations:
                inv.nacl_associations[subnet] = (acl.key, acl.source)


def _entry(plan: _Plan, res: dict[str, Any], values: dict[str, Any], egress: bool, number: str, action: str,
           src: SourceRef, block: tuple[str, int] | None = None) -> Any:  # fmt: skip
    mine: list[Unknown] = []
    cidr = plan.value(res, values, "cidr_block", mine, "cidr_ipv4", src, block)
    ipv6 = plan.value(res, values, "ipv6_cidr_block", mine, "cidr_ipv6", src, block)
    rule = nacl_rule(egress=egress, number=values.get(number), action=values.get(action),
                     protocol=values.get("protocol"), from_port=values.get("from_port"), to_port=values.get("to_port"),
                     cidr=cidr or None, ipv6_cidr=ipv6 or None, source=src)  # fmt: skip
    if not mine:
        return rule
    fields = {u.field for u in mine}
    return replace(rule, unknowns=tuple(mine + [u for u in rule.unknowns if u.field not in fields]))
