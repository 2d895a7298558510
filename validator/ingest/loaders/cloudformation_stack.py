"""CloudFormation's intrinsic functions, evaluated as CloudFormation does at deploy time, as far as the template
and the given parameters fix them.

``Stack.value`` turns a property into plain values, ``ResourceRef`` (a resource of this template, named by
``Ref``/``GetAtt``: what a GroupId or a peer is) or ``Unresolved`` (why not: an import, a nested stack's output,
a parameter without a value, the region); ``Stack.condition`` decides a condition or says why it cannot.
``Fn::If`` on a condition that cannot be decided gives a ``Choice`` of both branches, which rule lists expand
into rules whose existence is unknown (``Stack.items``).

Evaluated: ``Ref`` (parameters, pseudo parameters, resources by type), ``Fn::GetAtt`` (by resource type and
attribute: ``ATTRIBUTES``), ``Fn::Sub`` (both forms), ``Fn::FindInMap`` (a key that depends on the region
lists each region's value), ``Fn::Select``, ``Fn::Join``, ``Fn::Split``, ``Fn::Cidr``, ``Fn::If``,
``Fn::Equals``/``And``/``Or``/``Not``/``Condition``, ``Fn::Length``, ``Fn::Base64``. Left unresolved with a
reason: ``Fn::ImportValue``, ``Fn::GetAZs``, nested stacks' outputs, custom resources' attributes, SSM
parameter types, ``AWS::AccountId`` and the other per-deployment pseudo parameters.
"""

from __future__ import annotations

from typing import Any

from validator.ingest.documents import LineDict, LineList, line_of
from validator.ingest.loaders.aws_sg import Unresolved
from validator.ingest.loaders.cloudformation_functions import ATTRIBUTES, FUNCTIONS, REF_IS_RESOURCE
from validator.ingest.loaders.cloudformation_values import (
    NO_VALUE,
    PARTITIONS,
    Choice,
    ResourceRef,
    StackInputs,
    negate,
    render,
    scalar_text,
    settle,
)
from validator.model.errors import InputError


class Stack:
    """One template with its parameter values and region: evaluates its intrinsics."""

    def __init__(self, doc: dict[str, Any], path: str, inputs: StackInputs) -> None:
        self.path = path
        self.inputs = inputs
        self.resources: dict[str, Any] = _mapping(doc, "Resources", path)
        self.declared: dict[str, Any] = _mapping(doc, "Parameters", path)
        self.mappings: dict[str, Any] = _mapping(doc, "Mappings", path)
        self.conditions: dict[str, Any] = _mapping(doc, "Conditions", path)
        self._decided: dict[str, bool | Unresolved] = {}
        self._deciding: set[str] = set()
        # modules (registry ``…::MODULE`` types, ``!Rain::Module``) add resources named after them when packaged
        self.modules = [k for k, r in self.resources.items() if isinstance(r, dict) and is_module(r.get("Type"))]

    # -- errors and lines -------------------------------------------------------------------------------------

    def error(self, message: str, where: Any, hint: str | None = None) -> InputError:
        return InputError(message, file=self.path, line=line_of(where), hint=hint)

    def line(self, logical: str) -> int | None:
        """Where a resource is declared: the line of its logical id."""
        key_lines = getattr(self.resources, "key_lines", {})
        return key_lines.get(logical) or line_of(self.resources.get(logical))

    def type_of(self, logical: str) -> str:
        res = self.resources.get(logical)
        return str(res.get("Type", "")) if isinstance(res, dict) else ""

    def props(self, logical: str) -> dict[str, Any]:
        res = self.resources.get(logical)
        props = res.get("Properties") if isinstance(res, dict) else None
        return props if isinstance(props, dict) else {}

    def properties(self, logical: str) -> dict[str, Any]:
        """A resource's properties with their intrinsics evaluated."""
        value = self.value(self.props(logical))
        if not isinstance(value, dict):
            raise self.error(f"{logical}: Properties must be a mapping", self.props(logical))
        return value

    # -- parameters -------------------------------------------------------------------------------------------

    def parameter(self, name: str, expression: str) -> Any:
        decl = self.declared.get(name)
        kind = str(decl.get("Type", "String")) if isinstance(decl, dict) else "String"
        given = (self.inputs.parameters or {}).get(name)
        if kind.startswith("AWS::SSM::Parameter::Value"):
            return Unresolved(
                f"parameter {name} ({kind}) is read from SSM Parameter Store when the stack is deployed", expression
            )
        if given is not None:
            value: Any = given
        elif isinstance(decl, dict) and "Default" in decl:
            value = decl["Default"]
        else:
            return Unresolved(
                f"parameter {name} has no default and no value was given (--parameter {name}=…)", expression
            )
        if kind.startswith("List<") or kind == "CommaDelimitedList" or "List<" in kind:
            if isinstance(value, list):
                return [scalar_text(v) for v in value]
            return [v.strip() for v in scalar_text(value).split(",")]
        return value

    def pseudo(self, name: str, expression: str) -> Any:
        region = self.inputs.region
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::Region":
            return region or Unresolved("the region the stack is deployed in (give it with --region)", expression)
        if name in ("AWS::Partition", "AWS::URLSuffix") and region:
            partition, suffix = next(
                ((p, s) for pre, p, s in PARTITIONS if region.startswith(pre)), ("aws", "amazonaws.com")
            )
            return partition if name == "AWS::Partition" else suffix
        return Unresolved(f"{name} is known only when the stack is deployed", expression)

    # -- values -----------------------------------------------------------------------------------------------

    def value(self, value: Any) -> Any:
        """``value`` with every intrinsic evaluated (see the module docstring); mappings and lists keep the
        line they were written on."""
        if isinstance(value, list):
            items = LineList(v for v in (self.value(v) for v in value) if v is not NO_VALUE)
            items.line, items.item_lines = line_of(value) or 0, []
            return items
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = FUNCTIONS.get(key)
            if handler is not None:
                return handler(self, arg, value)
        out = LineDict((k, self.value(v)) for k, v in value.items())
        out.line, out.key_lines = line_of(value) or 0, dict(getattr(value, "key_lines", {}))
        for k in [k for k, v in out.items() if v is NO_VALUE]:
            del out[k]
        return out

    def known(self, value: Any) -> Any:
        """``value`` evaluated to something usable as a scalar: a ``Choice`` whose branches differ and a resource
        (its physical id) become ``Unresolved``."""
        return settle(self.value(value))

    def text(self, value: Any, expression: Any) -> Any:
        """A string for ``Sub``/``Join``: resources' physical ids are known only when deployed."""
        value = settle(value)
        if isinstance(value, ResourceRef):
            return Unresolved(
                f"the physical id of {value.logical} is known only when the stack is deployed", render(expression)
            )
        if isinstance(value, (list, dict)):
            return Unresolved("a list or mapping where a string is expected", render(expression))
        return value if isinstance(value, Unresolved) else scalar_text(value)

    def items(self, result: Any) -> list[tuple[Any, tuple[Choice, ...]]]:
        """An evaluated list property's items, each with the undecided ``Fn::If`` choices it depends on (none:
        the item certainly exists)."""
        return self._items(result, ())

    def _items(self, result: Any, under: tuple[Choice, ...]) -> list[tuple[Any, tuple[Choice, ...]]]:
        if isinstance(result, Choice):
            return self._items(result.when_true, (*under, result)) + self._items(
                result.when_false, (*under, negate(result))
            )
        if result is None or result is NO_VALUE:
            return []
        if not isinstance(result, list):
            return [(result, under)]
        out: list[tuple[Any, tuple[Choice, ...]]] = []
        for item in result:
            if isinstance(item, Choice):
                out.extend(self._items([item.when_true], (*under, item)))
                out.extend(self._items([item.when_false], (*under, negate(item))))
            elif item is not NO_VALUE:
                out.append((item, under))
        return out

    # -- conditions -------------------------------------------------------------------------------------------

    def condition(self, name: Any) -> bool | Unresolved:
        """A named condition: True, False, or why it cannot be decided."""
        name = str(name)
        if name in self._decided:
            return self._decided[name]
        if name not in self.conditions:
            raise self.error(f"condition {name!r} is not defined in Conditions", self.conditions)
        if name in self._deciding:
            raise self.error(f"condition {name!r} depends on itself", self.conditions.get(name))
        self._deciding.add(name)
        try:
            result = self.truth_of(self.conditions[name], name)
        finally:
            self._deciding.discard(name)
        self._decided[name] = result
        return result

    def truth_of(self, expr: Any, name: str) -> bool | Unresolved:
        value = self.value(expr)
        if isinstance(value, bool):
            return value
        if isinstance(value, Unresolved):
            return Unresolved(f"condition {name} cannot be decided: {value.reason}", value.expression)
        if isinstance(value, Choice):
            return Unresolved(f"condition {name} cannot be decided: {value.reason}", value.expression)
        raise self.error(f"condition {name} is not a condition function (Fn::Equals, Fn::And, …)", expr)

    def exists(self, logical: str) -> bool | Unresolved:
        """Whether a resource is created: its ``Condition``, decided."""
        res = self.resources.get(logical)
        cond = res.get("Condition") if isinstance(res, dict) else None
        return True if cond is None else self.condition(cond)

    # -- resources --------------------------------------------------------------------------------------------

    def ref(self, name: Any, expr: Any) -> Any:
        name = self.value(name)
        if not isinstance(name, str):
            raise self.error("Ref needs the name of a parameter or resource", expr)
        text = render(expr)
        if name.startswith("AWS::"):
            return self.pseudo(name, text)
        if name in self.declared:
            return self.parameter(name, text)
        if name in self.resources:
            rtype = self.type_of(name)
            if rtype in REF_IS_RESOURCE:
                return ResourceRef(name, rtype)
            return Unresolved(f"the id of {name} ({rtype}) is known only when the stack is deployed", text)
        return self._from_module(name, text) or self._missing(f"Ref to {name!r}", expr)

    def get_att(self, arg: Any, expr: Any) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not isinstance(arg, list) or len(arg) != 2:
            raise self.error("Fn::GetAtt needs [resource, attribute]", expr)
        logical, attribute = self.value(arg[0]), self.known(arg[1])
        text = render(expr)
        if isinstance(attribute, Unresolved):
            return Unresolved(f"the attribute name is not known: {attribute.reason}", text)
        if logical not in self.resources:
            return self._from_module(str(logical), text) or self._missing(f"Fn::GetAtt names {logical!r}", expr)
        rtype = self.type_of(str(logical))
        handler = ATTRIBUTES.get((rtype, str(attribute)))
        if handler is not None:
            return handler(self, str(logical), str(attribute), text)
        if rtype == "AWS::CloudFormation::Stack" and str(attribute).startswith("Outputs."):
            url = render(self.props(str(logical)).get("TemplateURL", "?"))
            return Unresolved(f"output {attribute[8:]} of nested stack {logical} ({url}) is not evaluated", text)
        return Unresolved(
            f"attribute {attribute} of {logical} ({rtype}) is known only when the stack is deployed", text
        )

    def _from_module(self, name: str, text: str) -> Unresolved | None:
        module = next((m for m in self.modules if name.startswith(m)), None)
        if module is None:
            return None
        return Unresolved(f"{name} is made by module {module}, which is not expanded here", text)

    def _missing(self, what: str, expr: Any) -> Any:
        raise self.error(f"{what}, which is neither a parameter nor a resource of this template", expr)


def is_module(rtype: Any) -> bool:
    """A resource that is a module: expanded into more resources when the template is packaged."""
    return not isinstance(rtype, str) or rtype.endswith("::MODULE")


def _mapping(doc: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{key} must be a mapping", file=path, line=line_of(value, line_of(doc)))
    return value
