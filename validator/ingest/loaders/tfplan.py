"""``terraform show -json`` output, plan or state: the same resources as HCL, with values evaluated.

Plans leave values Terraform learns at apply (a new group's id) out of ``planned_values``; those
references are recovered from the plan's ``configuration`` section, whose expressions list what each
attribute refers to. What neither says stays unresolved. Line numbers point into the JSON file.
"""

from __future__ import annotations

from typing import Any

from validator.ingest.documents import line_of
from validator.ingest.loaders.aws_sg import RuleSpec, check_family, new_group, sg_rules
from validator.ingest.loaders.terraform.groups import GROUP_TYPES
from validator.model.errors import InputError
from validator.model.inventory import Inventory, LoadedFile
from validator.model.rules import EnforcementPoint, PrefixList, SourceRef
from validator.model.sets import AddressSet


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
    """address → expressions, across module calls."""
    index: dict[str, dict[str, Any]] = {}
    if not module:
        return index
    for res in module.get("resources") or []:
        index[prefix + res.get("address", "")] = res.get("expressions") or {}
    for name, call in (module.get("module_calls") or {}).items():
        index.update(_config_index(call.get("module"), f"{prefix}module.{name}."))
    return index


def load_plan(doc: dict[str, Any], path: str) -> Inventory:
    root = (doc.get("planned_values") or doc.get("values") or {}).get("root_module")
    resources = _walk(root)
    config = _config_index((doc.get("configuration") or {}).get("root_module"))
    inv = Inventory()
    groups: dict[str, EnforcementPoint] = {}
    ids: dict[str, str] = {}
    for res in resources:
        if res.get("type") in GROUP_TYPES:
            address = res["address"]
            values = res.get("values") or {}
            name = values.get("name") or address.rsplit(".", 1)[-1]
            short = ".".join(address.split(".")[-2:])
            group = new_group(
                address,
                str(name),
                SourceRef(path, line_of(res), address),
                aliases={address, short, str(name), str(values.get("id") or "")},
            )
            groups[address] = group
            if values.get("id"):
                ids[str(values["id"])] = address
            inv.add_point(group)

    def ref(value: Any, address: str, attr: str, block: int | None = None) -> list[str]:
        """A group reference: the known value, else what the configuration says it refers to."""
        if value not in (None, "", []):
            vals = value if isinstance(value, list) else [value]
            return [ids.get(str(v), str(v)) for v in vals]
        expr = config.get(address, {})
        if block is not None:
            blocks = expr.get(attr.split(".")[0])
            expr = blocks[block] if isinstance(blocks, list) and block < len(blocks) else {}
            attr = attr.split(".")[1]
        refs = (expr.get(attr) or {}).get("references") or [] if isinstance(expr, dict) else []
        module_prefix = address.rsplit(".", 2)[0] + "." if address.startswith("module.") else ""
        out = []
        for r in refs:
            target = module_prefix + (r[:-3] if r.endswith(".id") else r)
            if target in groups and target not in out:
                out.append(target)
        return out

    egress: set[str] = set()
    for address, group in groups.items():
        res = next(r for r in resources if r["address"] == address)
        values = res.get("values") or {}
        for direction in ("ingress", "egress"):
            for i, block in enumerate(values.get(direction) or []):
                spec = _spec(block, direction, SourceRef(path, line_of(block, line_of(res)), f"{address}.{direction}"))
                spec.groups = ref(block.get("security_groups"), address, f"{direction}.security_groups", i)
                if block.get("self"):
                    spec.groups.append(address)
                group.rules.append(sg_rules(spec))
                if direction == "egress":
                    egress.add(address)
    for res in resources:
        rtype, address, values = res.get("type"), res.get("address", ""), res.get("values") or {}
        src = SourceRef(path, line_of(res), address)
        if rtype == "aws_security_group_rule":
            direction = str(values.get("type"))
            spec = _spec(values, direction, src)
            spec.groups = ref(values.get("source_security_group_id"), address, "source_security_group_id")
            target_refs = ref(values.get("security_group_id"), address, "security_group_id")
        elif rtype in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
            direction = "ingress" if rtype.endswith("ingress_rule") else "egress"
            spec = RuleSpec(direction, values.get("ip_protocol"), values.get("from_port"), values.get("to_port"), src)
            for field, family in (("cidr_ipv4", 4), ("cidr_ipv6", 6)):
                if values.get(field):
                    check_family([values[field]], family, src, field)
                    spec.cidrs.append(values[field])
            if values.get("prefix_list_id"):
                spec.prefix_lists.append(str(values["prefix_list_id"]))
            spec.groups = ref(values.get("referenced_security_group_id"), address, "referenced_security_group_id")
            target_refs = ref(values.get("security_group_id"), address, "security_group_id")
        elif rtype == "aws_ec2_managed_prefix_list":
            cidrs = [e.get("cidr") for e in values.get("entry") or []]
            try:
                addresses = AddressSet.parse(*cidrs, strict=True)
            except (ValueError, TypeError) as exc:
                raise InputError(f"prefix list entry: {exc}", file=path, line=src.line) from None
            inv.prefix_lists[address] = PrefixList(
                address,
                str(values.get("name") or address),
                addresses,
                src,
                aliases={str(values.get("id") or ""), str(values.get("name") or "")},
            )
            continue
        else:
            continue
        if direction not in ("ingress", "egress"):
            raise InputError(f"rule type must be ingress or egress, not {direction!r}", file=path, line=src.line)
        if not target_refs:
            raise InputError(
                f"{address}: security_group_id cannot be resolved",
                file=path,
                line=src.line,
                hint="export the plan with its configuration: terraform show -json plan.out",
            )
        target = groups.get(target_refs[0])
        if target is None:
            target = new_group(target_refs[0], target_refs[0], src, aliases={target_refs[0]})
            target.unresolved = ("declared outside the scanned folder",)
            groups[target.key] = target
            inv.add_point(target)
        if values.get("self"):
            spec.groups.append(target.key)
        target.rules.append(sg_rules(spec))
    inv.files.append(LoadedFile(path, "terraform-plan", len(groups)))
    return inv


def _spec(values: dict[str, Any], direction: Any, src: SourceRef) -> RuleSpec:
    spec = RuleSpec(
        direction,
        values.get("protocol"),
        values.get("from_port"),
        values.get("to_port"),
        src,
        description=str(values.get("description") or ""),
    )
    check_family(values.get("cidr_blocks") or [], 4, src, "cidr_blocks")
    check_family(values.get("ipv6_cidr_blocks") or [], 6, src, "ipv6_cidr_blocks")
    spec.cidrs = list(values.get("cidr_blocks") or []) + list(values.get("ipv6_cidr_blocks") or [])
    spec.prefix_lists = [str(p) for p in values.get("prefix_list_ids") or []]
    return spec
