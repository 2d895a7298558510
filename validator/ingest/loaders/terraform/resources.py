"""From evaluated module instances to what the network loaders read: resource instances and their
attribute values, unknowns turned into the model's ``Unknown`` with text and location.

``Root`` gathers, across every module instance of one root, the instances of the resource types the
loaders read, and records as input issues what could not be expanded (a module whose source is not
here, a ``count`` not known until apply).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform.blocks import block_bodies
from validator.ingest.loaders.terraform.budget import BudgetExceeded, nesting
from validator.ingest.loaders.terraform.module import ModuleInstance, instance_key
from validator.ingest.loaders.terraform.parser import Block, Body
from validator.ingest.loaders.terraform.values import (
    EvalError,
    NotRead,
    Pending,
    id_address,
    to_bool,
    to_number,
    to_string,
)
from validator.model.inventory import InputIssue
from validator.model.rules import SourceRef, Unknown

NETWORK_TYPES = (
    "aws_security_group",
    "aws_default_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_ec2_managed_prefix_list",
    "aws_ec2_managed_prefix_list_entry",
    "aws_subnet",
    "aws_default_subnet",
    "aws_network_acl",
    "aws_default_network_acl",
    "aws_network_acl_rule",
    "aws_network_acl_association",
)


@dataclass
class Item:
    """One resource instance (or nested block) to read: its body, the scope its expressions see, and
    ``unknown`` when its very existence depends on a value not known until apply."""

    address: str
    body: Body
    scope: x.Scope
    block: Block
    key: Any = None
    unknown: Pending | None = None

    def source(self, resource: str | None = None) -> SourceRef:
        return SourceRef(self.block.file.path, self.block.line, resource if resource is not None else self.address)

    def get(self, name: str) -> Any:
        """An attribute's value: None when absent or null, ``Pending`` when not known until apply."""
        attr = self.body.attributes.get(name)
        if attr is None:
            return None
        try:
            return attr.expr.ev(self.scope.at(attr))
        except EvalError as exc:
            return Pending(attr.text(), f"cannot be evaluated: {exc}", attr)
        except BudgetExceeded as exc:
            raise exc.at(attr) from None
        except RecursionError:
            raise nesting().at(attr) from None

    def blocks(self, block_type: str, resource: str) -> list[Item]:
        """Nested blocks of a type (``ingress``…), ``dynamic`` ones expanded."""
        return [
            Item(resource, block.body, scope, block, key, unknown or self.unknown)
            for block, key, scope, unknown in block_bodies(self.body, block_type, self.scope)
        ]


def unknown_of(field: str, value: Pending, fallback: SourceRef) -> Unknown:
    """The model's ``Unknown`` for a value not known until apply, located where its text is written."""
    site = value.site
    where = SourceRef(site.file.path, value.line(), fallback.resource) if site is not None else fallback
    return Unknown(field, value.reason, value.expression, where)


def existence_unknown(item: Item) -> Unknown | None:
    if item.unknown is None:
        return None
    return unknown_of("rule", item.unknown, item.source())


@dataclass
class Root:
    """The network resource instances of one root module, and what could not be expanded."""

    key_prefix: str
    items: dict[str, list[Item]] = field(default_factory=dict)
    issues: list[InputIssue] = field(default_factory=list)
    pending_lists: dict[str, Pending] = field(default_factory=dict)  # prefix lists with unknown entries
    seen: set[InputIssue] = field(default_factory=set)

    def key(self, address: str) -> str:
        """A resource's key: its address, prefixed by its root folder below the scanned folder, so two
        roots (two accounts) declaring the same address stay two resources."""
        return f"{self.key_prefix}:{address}" if self.key_prefix else address

    def ref(self, value: Any, attribute: str = "id") -> str | None:
        """A reference value → a resource key (declared here) or the literal it is (``sg-…``)."""
        address = id_address(value, attribute)
        if address is not None:
            return self.key(address)
        return value if isinstance(value, str) and value else None

    def issue(self, kind: str, message: str, source: SourceRef, **details: object) -> None:
        found = InputIssue(kind, message, source, tuple(sorted(details.items())))
        if found not in self.seen:
            self.seen.add(found)
            self.issues.append(found)


def gather(top: ModuleInstance, key_prefix: str) -> Root:
    """Every instance of the network resource types, in every module instance below ``top``."""
    root = Root(key_prefix)
    for module in top.walk():
        for name, block in module.config.modules.items():
            _check_call(root, module, name, block)
        for (rtype, name), block in module.config.resources.items():
            if rtype not in NETWORK_TYPES:
                continue
            expansion = module.expansion("resource", rtype, name)
            label = f"{module.address}{rtype}.{name}"
            if expansion.unknown is not None:
                pending = expansion.unknown
                root.issue(
                    "instances-unknown",
                    f"{label}: how many instances exist is not known until apply ({pending.reason})",
                    SourceRef(block.file.path, block.line, label),
                    expression=pending.expression,
                )
                unknown_scope = module.scope.bind(count={"index": pending}, each={"key": pending, "value": pending})
                item = Item(f"{label}[*]", block.body, unknown_scope, block, None, pending)
                root.items.setdefault(rtype, []).append(item)
                continue
            for key, scope in expansion.items:
                address = f"{label}{instance_key(key)}"
                root.items.setdefault(rtype, []).append(Item(address, block.body, scope, block, key))
    return root


def _check_call(root: Root, module: ModuleInstance, name: str, block: Block) -> None:
    label = f"{module.address}module.{name}"
    try:
        children = module.children(name)
    except EvalError as exc:
        children = Pending(label, f"cannot be evaluated: {exc}", block)
    if isinstance(children, Pending):
        root.issue(
            "module-not-read" if isinstance(children, NotRead) else "module-not-expanded",
            f"{label} is not expanded: {children.reason}; the resources it declares are not read",
            SourceRef(block.file.path, block.line, label),
            expression=children.expression,
        )


# --- provider schema conversions (Terraform converts a value to the attribute's type) -----------
def as_string(value: Any) -> Any:
    if value is None or isinstance(value, (Pending, list, dict)):
        return value
    return to_string(value)


def as_number(value: Any) -> Any:
    if value is None or isinstance(value, Pending):
        return value
    try:
        return to_number(value)
    except EvalError:
        return value  # the shared readers report a located error for a non-number


def as_bool(value: Any) -> Any:
    if value is None or isinstance(value, Pending):
        return value
    try:
        return to_bool(value)
    except EvalError:
        return value


def as_list(value: Any) -> Any:
    if value is None or isinstance(value, (Pending, list)):
        return value
    return [value]
