"""Module instances evaluated as Terraform plans them: variables, locals, resources, data sources,
module calls and outputs, every ``count`` / ``for_each`` instance, lazily and once.

Names are resolved on demand and memoized per module instance, so evaluation follows references in
whatever order the files declare things (as Terraform's graph does) and a reference to ``x.id`` never
needs ``x``'s other attributes. A module call is expanded into one child instance per key — there is no
cap: each child reads the module's parsed configuration (shared) with its own arguments. A source that
is not in the repository, a ``count`` that is not known, an expression that cannot be evaluated: each
becomes an explicit unknown, never a silent default.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform.blocks import depends_on, each_pairs
from validator.ingest.loaders.terraform.budget import METER, BudgetExceeded, instances, nested
from validator.ingest.loaders.terraform.config import ModuleConfig, Run, is_local_source
from validator.ingest.loaders.terraform.parser import Attribute, Block
from validator.ingest.loaders.terraform.types import ANY, Type, convert, parse_type
from validator.ingest.loaders.terraform.values import (
    REFERENCE_ATTRIBUTES,
    EvalError,
    LazyObject,
    NotRead,
    Pending,
    RawText,
    StaticError,
    resource_id,
    to_string,
)

AFTER_APPLY = "known only after apply"
DATA_SOURCE = "read from the cloud when Terraform plans (data source)"
_BUSY = object()
MISSING = object()  # a variable no input sets


def instance_key(key: Any) -> str:
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f'["{key}"]'


@dataclass
class Expansion:
    """The instances of a counted block: (key, scope) pairs, or why they are not known."""

    items: list[tuple[Any, x.Scope]]
    unknown: Pending | None = None


class ModuleInstance:
    """One instance of a module: ``address`` is its prefix (``module.a["k"].``, ``""`` for the root)."""

    def __init__(
        self,
        run: Run,
        config: ModuleConfig,
        address: str,
        inputs: Callable[[str], Any],
        module_key: str = "",
        parent: ModuleInstance | None = None,
    ) -> None:
        self.run, self.config, self.address, self.inputs = run, config, address, inputs
        self.module_key, self.parent = module_key, parent
        self.depth: int = parent.depth + 1 if parent is not None else 0  # module calls above this instance
        self.scope = x.Scope(self, {})
        self._vars: dict[str, Any] = {}
        self._locals: dict[str, Any] = {}
        self._outputs: dict[str, Any] = {}
        self._values: dict[tuple[str, str, str], Any] = {}
        self._expansions: dict[tuple[str, str, str], Expansion] = {}
        self._children: dict[str, list[tuple[Any, ModuleInstance]] | Pending] = {}

    # --- names ----------------------------------------------------------------------------------
    def lookup(self, node: x.Traversal, sc: x.Scope) -> tuple[Any, int]:
        root, steps = node.root, node.steps
        if root in ("each", "count"):
            raise StaticError(f"{root} is only available in a block with {'for_each' if root == 'each' else 'count'}")
        if root == "path":
            return {"module": self.path_module(), "root": ".", "cwd": str(self.run.root.resolve())}, 0
        if root == "terraform":
            return {"workspace": self.run.workspace}, 0
        if root == "self":
            return Pending("self", "self refers to the resource being created", sc.site), 0
        if not steps or steps[0][0] != "attr":
            raise StaticError(f"{root} must be followed by a name")
        name = steps[0][1]
        if root == "var":
            return self.var(name), 1
        if root == "local":
            return self.local(name), 1
        if root == "module":
            return self.module_value(name, sc), 1
        if root == "data":
            if len(steps) < 2 or steps[1][0] != "attr":
                raise StaticError("data must be followed by a type and a name")
            return self.resource_value("data", name, steps[1][1], sc), 2
        return self.resource_value("resource", root, name, sc), 1

    def path_module(self) -> str:
        if self.parent is None:
            return "."
        return posixpath.relpath(self.config.directory.resolve().as_posix(), self.run.root.resolve().as_posix())

    def _memo(self, table: dict[Any, Any], key: Any, site: Any, compute: Callable[[], Any]) -> Any:
        value = table.get(key, MISSING)
        if value is _BUSY:
            raise StaticError(f"{key} refers to itself")
        if value is MISSING:
            table[key] = _BUSY
            try:
                value = nested(site, compute)
            except EvalError as exc:
                table[key] = exc
                raise
            table[key] = value
        if isinstance(value, EvalError):
            raise value
        return value

    def var(self, name: str) -> Any:
        return self._memo(self._vars, name, self.config.variables.get(name), lambda: self._var(name))

    def _var(self, name: str) -> Any:
        decl = self.config.variables.get(name)
        if decl is None:
            raise StaticError(f"variable {name!r} is not declared")
        attrs = decl.body.attributes
        typ = self.var_type(name)
        given = self.inputs(name)
        if given is None and not _nullable(attrs, self.scope):
            given = MISSING
        if given is MISSING:
            if "default" not in attrs:
                return Pending(f"var.{name}", _unset_reason(self, name), decl, offset=decl.start)
            given = attrs["default"].expr.ev(self.scope.at(attrs["default"]))
        elif isinstance(given, RawText):
            given = given.parse(typ)
        try:
            return convert(given, typ, self.scope)
        except EvalError as exc:
            raise EvalError(f"var.{name}: {exc}") from None

    def var_type(self, name: str) -> Type:
        types = self.config.types
        if name not in types:
            attr = self.config.variables[name].body.attributes.get("type")
            types[name] = parse_type(attr.expr) if attr is not None else ANY
        return types[name]

    def local(self, name: str) -> Any:
        attr = self.config.locals.get(name)
        if attr is None:
            raise StaticError(f"local.{name} is not declared")
        return self._memo(self._locals, name, attr, lambda: attr.expr.ev(self.scope.at(attr)))

    def output(self, name: str) -> Any:
        block = self.config.outputs.get(name)
        if block is None:
            raise StaticError(f"module {self.address or 'root'} has no output {name!r}")
        attr = block.body.attributes.get("value")
        if attr is None:
            return None
        return self._memo(self._outputs, name, attr, lambda: attr.expr.ev(self.scope.at(attr)))

    # --- counted blocks ---------------------------------------------------------------------------
    def expand(self, block: Block, what: str) -> Expansion:
        """The instances of a resource, data source or module block (count / for_each)."""
        attrs = block.body.attributes
        scope = self.scope
        if "count" in attrs:
            try:
                count = attrs["count"].expr.ev(scope.at(attrs["count"]))
                if not isinstance(count, Pending):
                    count = int(float(to_string(count)))
            except (EvalError, ValueError) as exc:
                return Expansion(
                    [], Pending(attrs["count"].text(), f"count cannot be evaluated: {exc}", attrs["count"])
                )
            if isinstance(count, Pending):
                return Expansion([], depends_on(count, f"the count of {what}"))
            instances(max(count, 0), attrs["count"])
            return Expansion([(i, scope.bind(count={"index": i})) for i in range(max(count, 0))])
        if "for_each" in attrs:
            site = attrs["for_each"]
            try:
                each = site.expr.ev(scope.at(site))
                pairs = each_pairs(each)
            except EvalError as exc:
                return Expansion([], Pending(site.text(), f"for_each cannot be evaluated: {exc}", site))
            if isinstance(pairs, Pending):
                return Expansion([], depends_on(pairs, f"the for_each of {what}"))
            instances(len(pairs), site)
            return Expansion([(k, scope.bind(each={"key": k, "value": v})) for k, v in pairs])
        return Expansion([(None, scope)])

    def expansion(self, mode: str, rtype: str, name: str) -> Expansion:
        key = (mode, rtype, name)
        found = self._expansions.get(key)
        if found is None:
            table = self.config.resources if mode == "resource" else self.config.data
            block = table.get((rtype, name))
            if block is None:
                prefix = "data." if mode == "data" else ""
                raise StaticError(f"{prefix}{rtype}.{name} is not declared in {self.config.display or '.'}")
            found = self._expansions[key] = nested(block, lambda: self.expand(block, f"{self.address}{rtype}.{name}"))
        return found

    def resource_value(self, mode: str, rtype: str, name: str, sc: x.Scope) -> Any:
        """A resource or data source as an expression sees it: one object, a list (count) or a map."""
        key = (mode, rtype, name)
        if key in self._values:
            return self._values[key]
        expansion = self.expansion(mode, rtype, name)
        block = (self.config.resources if mode == "resource" else self.config.data)[(rtype, name)]
        label = f"{'data.' if mode == 'data' else ''}{rtype}.{name}"
        if expansion.unknown is not None:
            value: Any = Pending(label, expansion.unknown.reason, expansion.unknown.site)
        else:
            objects = [(k, self._object(mode, block, label, k, scope)) for k, scope in expansion.items]
            attrs = block.body.attributes
            if "count" in attrs:
                value = [o for _, o in objects]
            elif "for_each" in attrs:
                value = dict(objects)
            else:
                value = objects[0][1]
        self._values[key] = value
        return value

    def _object(self, mode: str, block: Block, label: str, key: Any, scope: x.Scope) -> LazyObject:
        address = f"{self.address}{label}{instance_key(key)}"
        attrs = block.body.attributes
        names = [n for n in attrs if n not in ("count", "for_each", "provider", "depends_on", "lifecycle")]

        def get(attr: str) -> Any:
            site = attrs.get(attr)
            return nested(site, lambda: site.expr.ev(scope.at(site))) if site is not None else missing(attr)

        def missing(attr: str) -> Any:
            if attr in REFERENCE_ATTRIBUTES and mode == "resource":
                return resource_id(address, attr)
            lookup = self._lookup_args(block, scope) if mode == "data" else None
            return Pending(f"{address}.{attr}", DATA_SOURCE if mode == "data" else AFTER_APPLY, block, lookup)

        return LazyObject(
            names + (["id"] if mode == "resource" else []), get if mode == "resource" else missing, missing
        )

    def _lookup_args(self, block: Block, scope: x.Scope) -> dict[str, Any]:
        """A data source's known arguments and filters: what it looks up."""
        args: dict[str, Any] = {"type": block.labels[0]}
        for name, attr in block.body.attributes.items():
            try:
                args[name] = attr.expr.ev(scope.at(attr))
            except EvalError:
                continue
        filters = []
        for inner in block.body.blocks:
            if inner.type == "filter":
                fa = inner.body.attributes
                try:
                    filters.append({k: fa[k].expr.ev(scope.at(fa[k])) for k in ("name", "values") if k in fa})
                except EvalError:
                    continue
        args["filter"] = filters
        return args

    # --- module calls -----------------------------------------------------------------------------
    def children(self, name: str) -> list[tuple[Any, ModuleInstance]] | Pending:
        """The instances of ``module.name``, or why they cannot be known."""
        if name not in self._children:
            self._children[name] = _BUSY  # type: ignore[assignment]
            self._children[name] = self._expand_call(name)
        found = self._children[name]
        if found is _BUSY:
            raise StaticError(f"module.{name} refers to itself")
        return found

    def _expand_call(self, name: str) -> list[tuple[Any, ModuleInstance]] | Pending:
        block = self.config.modules.get(name)
        if block is None:
            raise StaticError(f"module.{name} is not declared")
        label = f"{self.address}module.{name}"
        source_attr = block.body.attributes.get("source")
        source = source_attr.expr.ev(self.scope) if source_attr is not None else None
        if not isinstance(source, str):
            return Pending(label, "the module's source is not a literal string", block)
        module_key = f"{self.module_key}.{name}" if self.module_key else name
        if self.depth >= METER.limits.modules:  # before reading the source: a chain of folders is not read
            raise BudgetExceeded("modules", METER.limits.modules).at(block)
        config = self.source_config(source, module_key, block)
        if isinstance(config, Pending):
            return config
        ancestor: ModuleInstance | None = self
        while ancestor is not None:
            if ancestor.config is config:
                return Pending(label, f"the module source {source} calls back a module that calls it", block)
            ancestor = ancestor.parent
        expansion = self.expand(block, label)
        if expansion.unknown is not None:
            return Pending(label, expansion.unknown.reason, expansion.unknown.site)
        out = []
        for key, scope in expansion.items:
            child_address = f"{label}{instance_key(key)}."
            out.append((key, ModuleInstance(self.run, config, child_address, _inputs(block, scope), module_key, self)))
        return out

    def source_config(self, source: str, module_key: str, block: Block) -> ModuleConfig | Pending:
        label = f"{self.address}module.{block.labels[0]}"
        if is_local_source(source):
            directory = self.config.directory / source
            display = posixpath.normpath(posixpath.join(self.config.display or ".", source))
        else:
            installed = self.run.installed_dir(module_key)
            if installed is None or not installed.is_dir():
                why = f"the module source {source} is not in the repository (run terraform init to install it)"
                return Pending(label, why, block)
            directory = installed
            display = posixpath.normpath(
                posixpath.join(self.run.root_display or ".", _relative(installed, self.run.root))
            )
        config = self.run.source(source, directory, display, block, is_local_source(source))
        return NotRead(label, f"the module source {source} {config}", block) if isinstance(config, str) else config

    def module_value(self, name: str, sc: x.Scope) -> Any:
        children = self.children(name)
        if isinstance(children, Pending):
            return children
        block = self.config.modules[name]
        objects = [(k, _module_object(child)) for k, child in children]
        if "count" in block.body.attributes:
            return [o for _, o in objects]
        if "for_each" in block.body.attributes:
            return dict(objects)
        return objects[0][1]

    def walk(self) -> Iterator[ModuleInstance]:
        """This instance and every instance of every module below it, depth first."""
        stack: list[ModuleInstance] = [self]
        while stack:
            module = stack.pop()
            yield module
            for name in reversed(module.config.modules):  # pushed last to first, so taken in order
                try:
                    children = module.children(name)
                except EvalError:
                    continue
                if isinstance(children, list):
                    stack.extend(child for _, child in reversed(children))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _nullable(attrs: dict[str, Attribute], scope: x.Scope) -> bool:
    attr = attrs.get("nullable")
    return attr is None or attr.expr.ev(scope) is not False


def _unset_reason(module: ModuleInstance, name: str) -> str:
    if module.parent is None:
        return f"variable {name} has no value (no default, no tfvars file, no TF_VAR_{name}, no --var)"
    return f"variable {name} of {module.address.rstrip('.')} is given no value"


def _inputs(block: Block, scope: x.Scope) -> Callable[[str], Any]:
    attrs = block.body.attributes

    def given(name: str) -> Any:
        attr = attrs.get(name)
        if attr is None or name in ("source", "version", "count", "for_each", "providers", "depends_on"):
            return MISSING
        return attr.expr.ev(scope.at(attr))

    return given


def _module_object(child: ModuleInstance) -> LazyObject:
    names = list(child.config.outputs)

    def missing(name: str) -> Any:
        raise StaticError(f"module {child.address.rstrip('.')} has no output {name!r}")

    return LazyObject(names, child.output, missing)


def root_instance(run: Run, config: ModuleConfig, values: Callable[[str], Any]) -> ModuleInstance:
    return ModuleInstance(run, config, "", values)
