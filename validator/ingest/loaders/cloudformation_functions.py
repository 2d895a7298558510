"""CloudFormation's intrinsic functions and what ``Ref``/``Fn::GetAtt`` give by resource type and attribute.

Each function takes the ``Stack`` (for parameters, conditions and nested values), its argument and the whole
expression (for error locations and the text shown in reasons). What the template and the given parameters do
not fix is ``Unresolved`` with the reason; what CloudFormation itself would refuse (a ``Fn::Select`` out of
range, a missing mapping key) is an input error at its line.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from typing import TYPE_CHECKING, Any

from validator.ingest.loaders.aws_sg import Unresolved
from validator.ingest.loaders.cloudformation_values import (
    FALSE_WORDS,
    TRUE_WORDS,
    Choice,
    ResourceRef,
    render,
    render_short,
    scalar_text,
)

if TYPE_CHECKING:
    from validator.ingest.loaders.cloudformation_stack import Stack

_SUB = re.compile(r"\$\{([^}]*)\}")


def _args(stack: Stack, arg: Any, expr: Any, count: tuple[int, ...], name: str) -> list[Any]:
    if not isinstance(arg, list) or len(arg) not in count:
        raise stack.error(f"{name} needs a list of {' or '.join(map(str, count))} arguments", expr)
    return arg


def _sub(stack: Stack, arg: Any, expr: Any) -> Any:
    template, variables = (arg, {}) if isinstance(arg, str) else _args(stack, arg, expr, (2,), "Fn::Sub")
    if not isinstance(template, str) or not isinstance(variables, dict):
        raise stack.error("Fn::Sub needs a string, or [string, {name: value}]", expr)
    values = {k: stack.value(v) for k, v in variables.items()}
    missing: list[Unresolved] = []

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in values:
            value = values[name]
        elif "." in name and not name.startswith("AWS::"):
            value = stack.get_att(name.split(".", 1), {"Fn::GetAtt": name.split(".", 1)})
        else:
            value = stack.ref(name, {"Ref": name})
        value = stack.text(value, {"Ref": name})
        if isinstance(value, Unresolved):
            missing.append(value)
            return ""
        return str(value)

    result = _SUB.sub(one, template)
    if missing:
        return Unresolved(missing[0].reason, render(expr))
    return result


def _find_in_map(stack: Stack, arg: Any, expr: Any) -> Any:
    name, top, second = (stack.known(a) for a in _args(stack, arg, expr, (3, 4), "Fn::FindInMap")[:3])
    text = render(expr)
    if isinstance(name, Unresolved):
        return Unresolved(name.reason, text)
    table = stack.mappings.get(str(name))
    if not isinstance(table, dict):
        raise stack.error(f"Fn::FindInMap: no mapping {name!r} in Mappings", expr)
    if isinstance(top, Unresolved) or isinstance(second, Unresolved):
        because = top if isinstance(top, Unresolved) else second
        candidates = {}
        for key, row in table.items():
            if not isinstance(row, dict):
                continue
            if isinstance(second, Unresolved):
                if isinstance(top, Unresolved) or scalar_text(key) == scalar_text(top):
                    candidates.update({f"{key}/{k}": v for k, v in row.items()})
            elif second in row:
                candidates[str(key)] = row[second]
        distinct = {repr(v) for v in candidates.values()}
        if len(distinct) == 1:  # every key gives the same value: the stack deploys only with one of them
            return stack.value(next(iter(candidates.values())))
        listed = ", ".join(f"{k} → {render_short(v)}" for k, v in list(candidates.items())[:12])
        more = f", … ({len(candidates)} in all)" if len(candidates) > 12 else ""
        return Unresolved(f"{because.reason}; the mapping {name} gives {listed}{more}", text)
    row = table.get(top) if top in table else table.get(scalar_text(top))
    if not isinstance(row, dict) or (second not in row and scalar_text(second) not in row):
        raise stack.error(
            f"Fn::FindInMap: mapping {name} has no [{scalar_text(top)}][{scalar_text(second)}] "
            "(CloudFormation would fail to create the stack)",
            expr,
        )
    return stack.value(row[second] if second in row else row[scalar_text(second)])


def _select(stack: Stack, arg: Any, expr: Any) -> Any:
    index, items = _args(stack, arg, expr, (2,), "Fn::Select")
    index, items = stack.known(index), stack.value(items)
    text = render(expr)
    if isinstance(index, Unresolved):
        return Unresolved(index.reason, text)
    if isinstance(items, (Unresolved, Choice)):
        return Unresolved(items.reason, text)
    if not isinstance(items, list):
        raise stack.error("Fn::Select needs a list", expr)
    try:
        position = int(index)
    except (TypeError, ValueError):
        raise stack.error(f"Fn::Select index {index!r} is not a number", expr) from None
    if not 0 <= position < len(items):
        raise stack.error(
            f"Fn::Select index {position} is out of range for a list of {len(items)} "
            "(CloudFormation would fail to create the stack)",
            expr,
        )
    return items[position]


def _join(stack: Stack, arg: Any, expr: Any) -> Any:
    delimiter, items = _args(stack, arg, expr, (2,), "Fn::Join")
    items = stack.value(items)
    if isinstance(items, (Unresolved, Choice)):
        return Unresolved(items.reason, render(expr))
    if not isinstance(items, list):
        raise stack.error("Fn::Join needs a list of values", expr)
    parts = [stack.text(i, expr) for i in items]
    bad = next((p for p in parts if isinstance(p, Unresolved)), None)
    if bad is not None:
        return Unresolved(bad.reason, render(expr))
    return scalar_text(delimiter).join(parts)


def _split(stack: Stack, arg: Any, expr: Any) -> Any:
    delimiter, source = _args(stack, arg, expr, (2,), "Fn::Split")
    source = stack.text(stack.value(source), expr)
    if isinstance(source, Unresolved):
        return Unresolved(source.reason, render(expr))
    return str(source).split(scalar_text(delimiter))


def _cidr(stack: Stack, arg: Any, expr: Any) -> Any:
    block, count, bits = (stack.known(a) for a in _args(stack, arg, expr, (3,), "Fn::Cidr"))
    bad = next((v for v in (block, count, bits) if isinstance(v, Unresolved)), None)
    if bad is not None:
        return Unresolved(bad.reason, render(expr))
    try:
        network = ipaddress.ip_network(str(block), strict=False)
        new_prefix = network.max_prefixlen - int(bits)
        subnets = network.subnets(new_prefix=new_prefix)
        return [str(next(subnets)) for _ in range(int(count))]
    except (ValueError, StopIteration, TypeError):
        raise stack.error(f"Fn::Cidr cannot make {count} blocks of {bits} host bits from {block}", expr) from None


def _if(stack: Stack, arg: Any, expr: Any) -> Any:
    name, when_true, when_false = _args(stack, arg, expr, (3,), "Fn::If")
    decided = stack.condition(name)
    if decided is True:
        return stack.value(when_true)
    if decided is False:
        return stack.value(when_false)
    return Choice(str(name), decided.reason, decided.expression, stack.value(when_true), stack.value(when_false))


def _equals(stack: Stack, arg: Any, expr: Any) -> Any:
    left, right = (stack.known(a) for a in _args(stack, arg, expr, (2,), "Fn::Equals"))
    for side in (left, right):
        if isinstance(side, Unresolved):
            return side
        if isinstance(side, ResourceRef):
            return Unresolved(f"the physical id of {side.logical} is known only when deployed", render(expr))
    return _same(left, right)


def _same(left: Any, right: Any) -> bool:
    """Equality as CloudFormation compares parameter values (strings); an unquoted YAML boolean word
    (``Yes``, ``true``) in the template equals the same word given as a string."""
    if isinstance(left, list) or isinstance(right, list):
        return (
            isinstance(left, list)
            and isinstance(right, list)
            and len(left) == len(right)
            and all(_same(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(left, bool) != isinstance(right, bool):
        flag, other = (left, right) if isinstance(left, bool) else (right, left)
        words = TRUE_WORDS if flag else FALSE_WORDS
        return scalar_text(other).strip().lower() in words
    return scalar_text(left) == scalar_text(right)


def _logic(kind: str) -> Any:
    def evaluate(stack: Stack, arg: Any, expr: Any) -> Any:
        items = arg if isinstance(arg, list) else [arg]
        values = [stack.value(a) for a in items]
        values = [Unresolved(v.reason, v.expression) if isinstance(v, Choice) else v for v in values]
        if any(not isinstance(v, (bool, Unresolved)) for v in values) or (kind == "Not" and len(values) != 1):
            raise stack.error(f"Fn::{kind} needs conditions as arguments", expr)
        if kind == "Not":
            return values[0] if isinstance(values[0], Unresolved) else not values[0]
        decisive = kind == "Or"  # Or: any True decides; And: any False decides
        if any(v is decisive for v in values):
            return decisive
        unknown = next((v for v in values if isinstance(v, Unresolved)), None)
        return unknown if unknown is not None else not decisive

    return evaluate


def _condition(stack: Stack, arg: Any, expr: Any) -> Any:
    return stack.condition(arg)


def _import(stack: Stack, arg: Any, expr: Any) -> Any:
    name = stack.known(arg)
    shown = name if isinstance(name, str) else render(arg)
    return Unresolved(f"exported by another stack ({shown}): known only when that stack is deployed", render(expr))


def _unknown(reason: str) -> Any:
    return lambda stack, arg, expr: Unresolved(reason, render(expr))


def _length(stack: Stack, arg: Any, expr: Any) -> Any:
    items = stack.value(arg)
    return len(items) if isinstance(items, list) else Unresolved("the list is not known", render(expr))


def _base64(stack: Stack, arg: Any, expr: Any) -> Any:
    text = stack.text(stack.value(arg), expr)
    return text if isinstance(text, Unresolved) else base64.b64encode(str(text).encode()).decode()


FUNCTIONS = {
    "Ref": lambda stack, arg, expr: stack.ref(arg, expr),
    "Fn::GetAtt": lambda stack, arg, expr: stack.get_att(arg, expr),
    "Fn::Sub": _sub,
    "Fn::FindInMap": _find_in_map,
    "Fn::Select": _select,
    "Fn::Join": _join,
    "Fn::Split": _split,
    "Fn::Cidr": _cidr,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::And": _logic("And"),
    "Fn::Or": _logic("Or"),
    "Fn::Not": _logic("Not"),
    "Condition": _condition,
    "Fn::ImportValue": _import,
    "Fn::GetAZs": _unknown("the Availability Zones of the region are known only when deployed"),
    "Fn::Length": _length,
    "Fn::Base64": _base64,
    "Fn::ToJsonString": _unknown("Fn::ToJsonString is not evaluated"),
    "Fn::Transform": _unknown("a macro (Fn::Transform) is expanded by CloudFormation, not here"),
}


# -- resources: what Ref and GetAtt give, by type ------------------------------------------------------------

SG = "AWS::EC2::SecurityGroup"
VPC = "AWS::EC2::VPC"
SUBNET = "AWS::EC2::Subnet"
PREFIX_LIST = "AWS::EC2::PrefixList"
NACL = "AWS::EC2::NetworkAcl"
VPC_CIDR = "AWS::EC2::VPCCidrBlock"
ELB = "AWS::ElasticLoadBalancing::LoadBalancer"

# Ref gives the resource's id, which is what rules and associations name
REF_IS_RESOURCE = frozenset({SG, VPC, SUBNET, PREFIX_LIST, NACL})


def _self(stack: Stack, logical: str, attribute: str, text: str) -> Any:
    return ResourceRef(logical, stack.type_of(logical))


def _property(name: str) -> Any:
    def get(stack: Stack, logical: str, attribute: str, text: str) -> Any:
        props = stack.props(logical)
        if name not in props:
            return Unresolved(f"{logical} has no {name}: {attribute} is chosen when deployed", text)
        return stack.value(props[name])

    return get


def _vpc_ipv6_blocks(stack: Stack, logical: str, attribute: str, text: str) -> Any:
    blocks = []
    for other in stack.resources:
        if stack.type_of(other) != VPC_CIDR or stack.exists(other) is not True:
            continue
        props = stack.props(other)
        if stack.value(props.get("VpcId")) != ResourceRef(logical, VPC):
            continue
        block = stack.known(props.get("Ipv6CidrBlock"))
        if "Ipv6CidrBlock" in props and isinstance(block, str):
            blocks.append(block)
        else:
            return Unresolved(f"the IPv6 block of {logical} is allocated by AWS when deployed ({other})", text)
    return blocks


def _elb_group(stack: Stack, logical: str, attribute: str, text: str) -> Any:
    return ResourceRef(logical, ELB, attribute)


ATTRIBUTES = {
    (SG, "GroupId"): _self,
    (SG, "VpcId"): _property("VpcId"),
    (VPC, "VpcId"): _self,
    (VPC, "CidrBlock"): _property("CidrBlock"),
    (VPC, "Ipv6CidrBlocks"): _vpc_ipv6_blocks,
    (SUBNET, "SubnetId"): _self,
    (SUBNET, "CidrBlock"): _property("CidrBlock"),
    (SUBNET, "VpcId"): _property("VpcId"),
    (PREFIX_LIST, "PrefixListId"): _self,
    (NACL, "Id"): _self,
    (ELB, "SourceSecurityGroup.GroupName"): _elb_group,
}
