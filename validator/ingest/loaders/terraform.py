"""Terraform HCL: security groups, their split rule resources and prefix lists, with file:line.

Parsed with tfparse (Cloud Custodian's binding of Aqua's defsec HCL evaluator): it evaluates variables,
locals and local modules, resolves references to resource ids and gives every block its line range; a
syntax error is reported with file and line. A directory is parsed as one root module; directories that
a parsed root already pulled in as a local module are not parsed again.

Terraform removes the default allow-all egress rule from the groups it creates, so a group with no
egress block and no egress rule resource allows no outbound traffic (A3, Terraform's documented
behaviour). Values Terraform knows only at apply time stay *unresolved*: the rule can then only make a
path ``unknown``, never ``reachable``.
"""

from __future__ import annotations

import posixpath
import re
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from validator.ingest.loaders.aws_nacl import nacl_rule, new_nacl
from validator.ingest.loaders.aws_sg import RuleSpec, check_family, is_unresolved, new_group, sg_rules
from validator.model.errors import InputError
from validator.model.inventory import Inventory, LoadedFile
from validator.model.rules import EnforcementPoint, PrefixList, SourceRef, Subnet
from validator.model.sets import AddressSet

GROUP_TYPES = ("aws_security_group", "aws_default_security_group")
_TF_ERROR = re.compile(r"(?P<file>[^\s:]+\.tf(?:\.json)?):(?P<line>\d+),(?P<col>\d+)(?:-[\d,]+)?:\s*(?P<msg>.*)")


def parse_directory(directory: Path, display_dir: str = "") -> dict[str, Any]:
    """tfparse one root module (imported here: only parser workers load Go); InputError with file:line."""
    import tfparse

    try:
        return tfparse.load_from_path(str(directory), stop_on_hcl_error=True)
    except tfparse.ParseError as exc:
        text = str(exc)
        match = _TF_ERROR.search(text)
        if match:
            raise InputError(
                f"invalid HCL: {match['msg'].strip()}",
                file=_display(display_dir, match["file"]),
                line=int(match["line"]),
                column=int(match["col"]),
                hint="'terraform validate' shows the error in context",
            ) from None
        raise InputError(
            f"invalid Terraform: {text.splitlines()[0] if text else 'parse error'}", file=display_dir or str(directory)
        ) from None


def _display(display_dir: str, filename: str) -> str:
    """A file's path relative to the scanned folder (tfparse names files relative to the root module)."""
    joined = f"{display_dir}/{filename}" if display_dir not in ("", ".") else filename
    return posixpath.normpath(joined)


def _blocks(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise ValueError(f"expected a block or a list of blocks, found {value!r}")
    return [v for v in value if isinstance(v, dict)]


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


class _Context:
    """Per-root state: uuid → resource key, display paths."""

    def __init__(self, directory: Path, display_dir: str, parsed: dict[str, Any]) -> None:
        self.directory = directory
        self.display_dir = display_dir
        self.parsed = parsed
        self.ids: dict[str, str] = {}
        self.shown: dict[str, str] = {}
        for items in parsed.values():
            for item in _list(items):
                if isinstance(item, dict) and "id" in item and "__tfmeta" in item:
                    self.ids[item["id"]] = self.key(item["__tfmeta"].get("path", ""))

    def key(self, address: str) -> str:
        """A resource's key: its address, prefixed by its root folder outside the scanned folder's root,
        so two roots (two accounts, two environments) declaring the same address stay two resources."""
        return address if self.display_dir in ("", ".") else f"{self.display_dir}:{address}"

    def source(self, meta: dict[str, Any], resource: str) -> SourceRef:
        filename = meta.get("filename", "")
        shown = self.shown.get(filename)  # perf: one normpath per file, not per block
        if shown is None:
            shown = self.shown[filename] = _display(self.display_dir, filename)
        return SourceRef(shown, meta.get("line_start"), resource)

    def reference(self, value: Any) -> tuple[str | None, str | None]:
        """A group/prefix-list reference → (key or literal id, unresolved reason)."""
        if is_unresolved(value):
            detail = value.get("__attribute__") if isinstance(value, dict) else None
            return None, f"reference {detail or 'value'} is not known until apply"
        text = str(value)
        return self.ids.get(text, text), None


def load_terraform(
    directory: Path, display_dir: str, parsed_ahead: Future[dict[str, Any]] | None = None
) -> tuple[Inventory, set[str]]:
    """Load one root module; returns the inventory and the .tf files (display paths) it covered.

    ``parsed_ahead``: the same directory's ``parse_directory`` already running in a worker thread."""
    parsed = parsed_ahead.result() if parsed_ahead is not None else parse_directory(directory, display_dir)
    try:
        return _load(parsed, directory, display_dir)
    except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
        # a shape Terraform itself would reject (an attribute where a block belongs, …): one located line
        raise InputError(
            f"unexpected Terraform structure: {exc}",
            file=display_dir or str(directory),
            hint="run 'terraform validate' on this folder",
        ) from None


def _load(parsed: dict[str, Any], directory: Path, display_dir: str) -> tuple[Inventory, set[str]]:
    ctx = _Context(directory, display_dir, parsed)
    inv = Inventory()
    covered: set[str] = set()
    for items in parsed.values():
        for item in _list(items):
            meta = item.get("__tfmeta", {}) if isinstance(item, dict) else {}
            if meta.get("filename"):
                covered.add(ctx.source(meta, "").file)

    groups: dict[str, Any] = {}
    has_egress: set[str] = set()
    for gtype in GROUP_TYPES:
        for item in _list(parsed.get(gtype)):
            meta = item["__tfmeta"]
            if meta.get("type") == "data":
                continue
            key = ctx.key(meta["path"])
            name = item.get("name") if isinstance(item.get("name"), str) else meta["path"].rsplit(".", 1)[-1]
            short = ".".join(meta["path"].split(".")[-2:])
            group = new_group(
                key, name, ctx.source(meta, meta["path"]), aliases={item["id"], short, name, meta["path"]}
            )
            inv.add_point(group)
            groups[key] = group
            for direction in ("ingress", "egress"):
                for block in _blocks(item.get(direction)):
                    if direction == "egress":
                        has_egress.add(key)
                    group.rules.append(sg_rules(_inline_spec(ctx, block, direction, key)))

    for item in _list(parsed.get("aws_security_group_rule")):
        meta = item["__tfmeta"]
        rtype = item.get("type")
        src = ctx.source(meta, meta["path"])
        if rtype not in ("ingress", "egress"):
            raise InputError(f"type must be ingress or egress, not {rtype!r}", file=src.file, line=src.line)
        target = _target(ctx, item.get("security_group_id"), groups, src, inv)
        spec = RuleSpec(
            rtype,
            item.get("protocol"),
            item.get("from_port"),
            item.get("to_port"),
            src,
            description=str(item.get("description") or ""),
        )
        _cidrs(spec, item.get("cidr_blocks"), item.get("ipv6_cidr_blocks"))
        spec.prefix_lists = _refs(ctx, item.get("prefix_list_ids"), spec, "prefix_list")
        if item.get("source_security_group_id") is not None:
            spec.groups = _refs(ctx, [item["source_security_group_id"]], spec, "group")
        if item.get("self") is True:
            spec.groups.append(target.key)
        if rtype == "egress":
            has_egress.add(target.key)
        target.rules.append(sg_rules(spec))

    for direction in ("ingress", "egress"):
        for item in _list(parsed.get(f"aws_vpc_security_group_{direction}_rule")):
            meta = item["__tfmeta"]
            src = ctx.source(meta, meta["path"])
            target = _target(ctx, item.get("security_group_id"), groups, src, inv)
            spec = RuleSpec(
                direction,
                item.get("ip_protocol"),
                item.get("from_port"),
                item.get("to_port"),
                src,
                description=str(item.get("description") or ""),
            )
            _cidrs(
                spec,
                [item["cidr_ipv4"]] if "cidr_ipv4" in item else None,
                [item["cidr_ipv6"]] if "cidr_ipv6" in item else None,
            )
            if "prefix_list_id" in item:
                spec.prefix_lists = _refs(ctx, [item["prefix_list_id"]], spec, "prefix_list")
            if "referenced_security_group_id" in item:
                spec.groups = _refs(ctx, [item["referenced_security_group_id"]], spec, "group")
            if direction == "egress":
                has_egress.add(target.key)
            target.rules.append(sg_rules(spec))

    for item in _list(parsed.get("aws_ec2_managed_prefix_list")):
        meta = item["__tfmeta"]
        if meta.get("type") == "data":
            continue
        src = ctx.source(meta, meta["path"])
        cidrs = [e.get("cidr") for e in _blocks(item.get("entry"))]
        if any(is_unresolved(c) for c in cidrs):
            continue  # an entry we cannot know: the list stays unresolved for references
        try:
            addresses = AddressSet.parse(*(str(c) for c in cidrs), strict=True)
        except ValueError as exc:
            raise InputError(str(exc), file=src.file, line=src.line) from None
        name = item.get("name") if isinstance(item.get("name"), str) else meta["path"]
        inv.prefix_lists[ctx.key(meta["path"])] = PrefixList(
            ctx.key(meta["path"]), name, addresses, src, aliases={item["id"], name}
        )

    _load_network_acls(ctx, parsed, inv)
    inv.files.extend(LoadedFile(path, "terraform", 0) for path in sorted(covered))
    return inv, covered


def _name_tag(item: dict[str, Any]) -> str:
    tags = item.get("tags")
    return str(tags.get("Name")) if isinstance(tags, dict) and isinstance(tags.get("Name"), str) else ""


def _load_network_acls(ctx: _Context, parsed: dict[str, Any], inv: Inventory) -> None:
    """Subnets, network ACLs (inline and split entries) and their subnet associations (N1–N2)."""
    for item in _list(parsed.get("aws_subnet")):
        meta = item["__tfmeta"]
        if meta.get("type") == "data":
            continue
        src = ctx.source(meta, meta["path"])
        cidrs = [c for c in (item.get("cidr_block"), item.get("ipv6_cidr_block")) if isinstance(c, str) and c]
        try:
            addresses = AddressSet.parse(*cidrs, strict=True)
        except ValueError as exc:
            raise InputError(str(exc), file=src.file, line=src.line) from None
        name = _name_tag(item)
        inv.subnets[ctx.key(meta["path"])] = Subnet(
            ctx.key(meta["path"]),
            name or meta["path"],
            addresses,
            src,
            aliases={item["id"], name, meta["path"], ".".join(meta["path"].split(".")[-2:])},
        )
    acls: dict[str, EnforcementPoint] = {}
    for rtype in ("aws_network_acl", "aws_default_network_acl"):
        for item in _list(parsed.get(rtype)):
            meta = item["__tfmeta"]
            if meta.get("type") == "data":
                continue
            key = ctx.key(meta["path"])
            name = _name_tag(item) or meta["path"]
            acl = new_nacl(
                key,
                name,
                ctx.source(meta, meta["path"]),
                aliases={item["id"], name, meta["path"], ".".join(meta["path"].split(".")[-2:])},
            )
            acls[item["id"]] = acl
            inv.add_point(acl)
            for direction in ("ingress", "egress"):
                for block in _blocks(item.get(direction)):
                    bsrc = ctx.source(block.get("__tfmeta", meta), f"{key}.{direction}")
                    acl.rules.append(
                        nacl_rule(
                            egress=direction == "egress",
                            number=block.get("rule_no"),
                            action=block.get("action"),
                            protocol=block.get("protocol"),
                            from_port=block.get("from_port"),
                            to_port=block.get("to_port"),
                            cidr=block.get("cidr_block"),
                            ipv6_cidr=block.get("ipv6_cidr_block"),
                            source=bsrc,
                        )
                    )
            for subnet in _list(item.get("subnet_ids")):
                ref, _ = ctx.reference(subnet)
                if ref:
                    inv.nacl_associations[ref] = (key, acl.source)
    for item in _list(parsed.get("aws_network_acl_rule")):
        meta = item["__tfmeta"]
        src = ctx.source(meta, meta["path"])
        found = acls.get(str(item.get("network_acl_id")))
        if found is not None:
            acl = found
        else:
            ref, _ = ctx.reference(item.get("network_acl_id"))
            if ref is None:
                raise InputError("network_acl_id cannot be resolved", file=src.file, line=src.line)
            acl = new_nacl(ref, ref, src, aliases={ref})
            acl.unresolved = ("declared outside the scanned folder",)
            acls[ref] = acl
            inv.add_point(acl)
        acl.rules.append(
            nacl_rule(
                egress=item.get("egress") is True,
                number=item.get("rule_number"),
                action=item.get("rule_action"),
                protocol=item.get("protocol"),
                from_port=item.get("from_port"),
                to_port=item.get("to_port"),
                cidr=item.get("cidr_block"),
                ipv6_cidr=item.get("ipv6_cidr_block"),
                source=src,
            )
        )
    for item in _list(parsed.get("aws_network_acl_association")):
        meta = item["__tfmeta"]
        subnet, _ = ctx.reference(item.get("subnet_id"))
        target = acls.get(str(item.get("network_acl_id")))
        if subnet and target:
            inv.nacl_associations[subnet] = (target.key, ctx.source(meta, meta["path"]))


def _inline_spec(ctx: _Context, block: dict[str, Any], direction: str, group_key: str) -> RuleSpec:
    meta = block.get("__tfmeta", {})
    src = ctx.source(meta, f"{group_key}.{direction}")
    spec = RuleSpec(
        direction,
        block.get("protocol"),
        block.get("from_port"),
        block.get("to_port"),
        src,
        description=str(block.get("description") or ""),
    )
    _cidrs(spec, block.get("cidr_blocks"), block.get("ipv6_cidr_blocks"))
    spec.prefix_lists = _refs(ctx, block.get("prefix_list_ids"), spec, "prefix_list")
    spec.groups = _refs(ctx, block.get("security_groups"), spec, "group")
    if block.get("self") is True:
        spec.groups.append(group_key)
    return spec


def _cidrs(spec: RuleSpec, v4: Any, v6: Any) -> None:
    for values, family, name in ((v4, 4, "cidr_blocks"), (v6, 6, "ipv6_cidr_blocks")):
        if values is None:
            continue
        field_name = "cidr_ipv4" if family == 4 else "cidr_ipv6"
        if is_unresolved(values):
            spec.unknown(field_name, f"{name} is not known until the configuration is applied")
            continue
        items = _list(values)
        for item in items:
            if is_unresolved(item):
                spec.unknown(field_name, f"an element of {name} is not known until the configuration is applied")
        items = [i for i in items if not is_unresolved(i)]
        check_family(items, family, spec.source, name)
        spec.cidrs.extend(items)


def _refs(ctx: _Context, values: Any, spec: RuleSpec, field_name: str) -> list[str]:
    if values is None:
        return []
    if is_unresolved(values):
        spec.unknown(field_name, "the reference is not known until the configuration is applied")
        return []
    out: list[str] = []
    for value in _list(values):
        ref, problem = ctx.reference(value)
        if problem:
            spec.unknown(field_name, problem)
        elif ref:
            out.append(ref)
    return out


def _target(ctx: _Context, value: Any, groups: dict[str, Any], src: SourceRef, inv: Inventory) -> Any:
    """The group a split rule resource attaches to; a literal ``sg-…`` id gets a stand-in group that
    merges (by key) with the same group declared in another format."""
    ref, problem = ctx.reference(value)
    if ref is None:
        raise InputError(
            f"security_group_id cannot be resolved ({problem})",
            file=src.file,
            line=src.line,
            hint="declare the group in the scanned folder or use its sg-… id",
        )
    group = groups.get(ref)
    if group is None:
        group = new_group(ref, ref, src, aliases={ref})
        group.unresolved = ("declared outside the scanned folder",)
        groups[ref] = group
        inv.add_point(group)
    return group
