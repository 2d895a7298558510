"""CloudFormation values after evaluation: what an intrinsic can give besides plain values.

``ResourceRef`` is a resource of the template (what a GroupId or a peer names), ``Choice`` the two branches of an
``Fn::If`` whose condition cannot be decided, ``Unresolved`` (``aws_sg``) a value known only when deployed.
``render`` prints an intrinsic as its author wrote it, for the reasons and expressions users read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from validator.ingest.loaders.aws_sg import Unresolved

NO_VALUE = object()  # AWS::NoValue: the property or list item is removed
TRUE_WORDS = frozenset({"true", "yes", "on", "y"})
FALSE_WORDS = frozenset({"false", "no", "off", "n"})
PARTITIONS = (("cn-", "aws-cn", "amazonaws.com.cn"), ("us-gov-", "aws-us-gov", "amazonaws.com"))


@dataclass(frozen=True)
class ResourceRef:
    """A resource of this template named by ``Ref`` or ``Fn::GetAtt`` (``attribute`` empty for ``Ref``)."""

    logical: str
    type: str
    attribute: str = ""


@dataclass(frozen=True)
class Choice:
    """``Fn::If`` on a condition that cannot be decided: both branches, and why."""

    condition: str
    reason: str
    expression: str
    when_true: Any
    when_false: Any


@dataclass(frozen=True)
class StackInputs:
    """What the template itself does not say: parameter values (``--parameter``, ``--parameter-file``) and the
    region (``--region``); None: unknown."""

    parameters: Mapping[str, str] | None = None
    region: str | None = None


def render(value: Any, limit: int = 160) -> str:
    """An intrinsic as the short form a template author writes (``!FindInMap [Map, !Ref AWS::Region, Key]``)."""
    text = render_short(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_short(value: Any) -> str:
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        name = str(key).removeprefix("Fn::").removeprefix("!")  # unknown local tags are kept as "!Tag" keys
        if key == "Fn::GetAtt" and isinstance(arg, list):
            return "!GetAtt " + ".".join(str(a) for a in arg)
        if isinstance(arg, (str, int, float, bool)):
            return f"!{name} {arg}"
        return f"!{name} {render_short(arg)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {render_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render_short(v) for v in value) + "]"
    return str(value)


def scalar_text(value: Any) -> str:
    """A scalar as CloudFormation sees it: parameter values are strings, YAML booleans are true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def truth(value: Any) -> bool | None:
    """A boolean property (``Egress``, ``AmazonProvidedIpv6CidrBlock``) as written: YAML or string."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text == "true" else False if text == "false" else None


def settle(value: Any) -> Any:
    """A ``Choice`` whose branches are equal is that value; one whose branches differ is ``Unresolved``."""
    if isinstance(value, Choice):
        return value.when_true if value.when_true == value.when_false else Unresolved(value.reason, value.expression)
    return value


def negate(choice: Choice) -> Choice:
    return Choice(f"!{choice.condition}", choice.reason, choice.expression, choice.when_false, choice.when_true)
