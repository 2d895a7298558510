"""YAML and JSON documents with line numbers, read safely.

Evidence needs file:line for every rule, and the standard loaders drop positions. This module composes the
node tree with libyaml's C parser (safe: no Python objects are ever constructed from tags) and builds plain
dicts and lists that remember the line they start on (``LineDict.line``). JSON is YAML, so one reader serves
both. Aliases are expanded with a node budget and nesting is bounded, so a "billion laughs" file or a
pathologically deep document is an InputError, not a hang. CloudFormation's short-form tags (``!Ref``,
``!GetAtt``, ``!Sub`` …) become their long-form dicts (``{"Ref": …}``).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.model.errors import InputError

try:  # libyaml is in PyYAML's wheels; fall back to the pure-Python parser elsewhere
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _BaseLoader = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
# the only plain scalars starting with a letter that YAML 1.1 does not read as strings
_WORDS = frozenset(
    [
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "null",
        "Null",
        "NULL",
    ]
)
_RESOLVED: dict[tuple[str, tuple[bool, bool]], str] = {}


class _Loader(_BaseLoader):
    """The safe loader with fast implicit-tag resolution of scalars (perf).

    PyYAML's implicit resolvers are indexed by first character; a plain scalar starting with a letter that is
    not one of YAML 1.1's boolean/null words, or with a character no resolver starts with, is a string —
    exactly what the full resolver would decide, without its regular expressions. Other short scalars
    (numbers, ports, CIDRs) repeat thousands of times, so their resolution is memoized.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        if not implicit[0]:
            return _STR  # quoted
        if value:
            first = value[0]
            if (first.isalpha() and value not in _WORDS) or first not in self.yaml_implicit_resolvers:
                return _STR
        if len(value) > 64:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = _RESOLVED.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_RESOLVED) < 100_000:
                _RESOLVED[key] = tag
        return tag


class LineDict(dict[Any, Any]):
    """A dict that knows the 1-based line where it starts, and the line of each key."""

    __slots__ = ("line", "key_lines")  # perf: one per mapping of every manifest
    line: int
    key_lines: dict[Any, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line, self.key_lines = 0, {}

    def __reduce__(self) -> tuple[Any, ...]:
        # perf: the parse cache pickles every mapping of every manifest; the generic way pickles a state
        # dict per mapping and restores it attribute by attribute
        return _line_dict, (self.line, self.key_lines), None, None, iter(self.items())


class Document(LineDict):
    """A top-level mapping of a file, which also carries what a loader built from it (``derived``: e.g. the
    Kubernetes objects of a manifest, for the name the file is shown by). The parse cache pickles it with the
    document, so a warm run reads those objects back instead of building them again."""

    __slots__ = ("derived",)
    derived: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.derived = None

    def __reduce__(self) -> tuple[Any, ...]:
        return _document, (self.line, self.key_lines, self.derived), None, None, iter(self.items())


class LineList(list[Any]):
    """A list that knows its line and the line of each item (scalars cannot carry one themselves)."""

    __slots__ = ("line", "item_lines")
    line: int
    item_lines: list[int]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line, self.item_lines = 0, []

    def __reduce__(self) -> tuple[Any, ...]:
        return _line_list, (self.line, self.item_lines), None, iter(self)


def _line_dict(line: int, key_lines: dict[Any, int]) -> LineDict:
    """An empty ``LineDict`` with its lines, which unpickling then fills."""
    out = dict.__new__(LineDict)
    out.line, out.key_lines = line, key_lines
    return out


def _document(line: int, key_lines: dict[Any, int], derived: Any) -> Document:
    out = dict.__new__(Document)
    out.line, out.key_lines, out.derived = line, key_lines, derived
    return out


def _line_list(line: int, item_lines: list[int]) -> LineList:
    out = list.__new__(LineList)
    out.line, out.item_lines = line, item_lines
    return out


def child_line(container: Any, step: Any) -> int | None:
    """The line of ``container[step]``: its own when it is a mapping or list, else where it was written."""
    try:
        child = container[step]
    except (KeyError, IndexError, TypeError):
        return None
    own = getattr(child, "line", None)
    if own:
        return int(own)
    if isinstance(container, LineDict):
        return container.key_lines.get(step)
    if isinstance(container, LineList) and isinstance(step, int) and -len(container) <= step < len(container):
        return container.item_lines[step]
    return None


_CFN_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
}
_CFN_FN_TAGS = {
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAtt",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "ToJsonString",
    "Length",
}


class _Builder:
    def __init__(self, filename: str, limits: Limits) -> None:
        self.filename = filename
        self.max_nodes = limits.max_yaml_nodes
        self.max_depth = limits.max_depth
        self.count = 0
        self._scalar = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > self.max_nodes:
            raise InputError(
                f"document expands to more than {self.max_nodes:,} nodes (YAML alias bomb?)",
                file=self.filename,
                line=node.start_mark.line + 1,
                hint="remove the repeated aliases, or raise --max-yaml-nodes",
            )
        if depth > self.max_depth:
            raise InputError(
                f"document nested deeper than {self.max_depth} levels",
                file=self.filename,
                line=node.start_mark.line + 1,
                hint="raise --max-depth if this is intended",
            )
        tag = node.tag or ""
        if tag.startswith("!") and not tag.startswith("!!"):
            return self._cfn_tag(node, tag, depth)
        if isinstance(node, yaml.MappingNode):
            out = dict.__new__(LineDict) if depth else _document(0, {}, None)  # perf: fields set right here
            out.line = node.start_mark.line + 1
            out.key_lines = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    merged = self.build(value_node, depth + 1)
                    for item in merged if isinstance(merged, list) else [merged]:
                        if isinstance(item, dict):
                            for k, v in item.items():
                                out.setdefault(k, v)
                    continue
                key = self.build(key_node, depth + 1)
                if isinstance(key, (dict, list)):
                    raise InputError(
                        "a mapping key must be a plain value", file=self.filename, line=key_node.start_mark.line + 1
                    )
                first = out.key_lines.get(key)
                if first is not None:
                    raise InputError(
                        f"duplicate key {key!r} (first at line {first})",
                        file=self.filename,
                        line=key_node.start_mark.line + 1,
                        hint="name each key once: readers disagree on which of two values wins",
                    )
                out[key] = self.build(value_node, depth + 1)
                out.key_lines[key] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            seq = LineList(self.build(item, depth + 1) for item in node.value)
            seq.line = node.start_mark.line + 1
            seq.item_lines = [item.start_mark.line + 1 for item in node.value]
            return seq
        if tag == _STR:  # fast path: a string needs no constructor
            return node.value
        try:
            return self._scalar.construct_object(node, deep=False)
        except yaml.constructor.ConstructorError as exc:
            raise InputError(f"bad value: {exc.problem}", file=self.filename, line=node.start_mark.line + 1) from None
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            # a scalar whose tag or look promises a type it does not hold: 2020-02-30, !!int abc, !!bool maybe
            shown = node.value if len(node.value) <= 40 else node.value[:40] + "..."
            kind = tag.rsplit(":", 1)[-1]
            raise InputError(
                f"bad value {shown!r}: not a valid {kind}{_reason(exc)}",
                file=self.filename,
                line=node.start_mark.line + 1,
                hint="quote the value to keep it as text, or write a valid one",
            ) from None

    def _cfn_tag(self, node: yaml.Node, tag: str, depth: int) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = node.value
        else:
            value = self.build(_untagged(node), depth + 1)
        name = tag[1:]
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        if tag in _CFN_TAGS:
            out[_CFN_TAGS[tag]] = value
        elif name in _CFN_FN_TAGS:
            if name == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
            out[f"Fn::{name}"] = value
        else:
            out[tag] = value  # unknown local tag: kept, never executed
        return out


def _reason(exc: Exception) -> str:
    """`` (why)`` for errors that say why in words; nothing for bare KeyErrors and the like."""
    text = str(exc).split("\n")[0].strip()
    if "integer string conversion" in text:  # Python's guard against huge integers
        return " (too many digits)"
    return f" ({text[:120]})" if text and isinstance(exc, ValueError | OverflowError) else ""


def _untagged(node: yaml.Node) -> yaml.Node:
    if isinstance(node, yaml.MappingNode):
        return yaml.MappingNode("tag:yaml.org,2002:map", node.value, node.start_mark, node.end_mark)
    return yaml.SequenceNode("tag:yaml.org,2002:seq", node.value, node.start_mark, node.end_mark)


def load_documents(text: str, filename: str, limits: Limits = DEFAULT_LIMITS) -> list[Any]:
    """All documents of a YAML/JSON text, with line numbers; InputError on bad syntax.

    A ``.json`` file is first checked by the strict JSON parser: YAML accepts things JSON does not
    (trailing commas, comments), and a file that says it is JSON must be JSON.
    """
    if filename.endswith(".json"):
        _check_json(text, filename)
    try:
        loader = _Loader(text)
    except Exception as exc:  # pragma: no cover - loader construction does not parse
        raise InputError(f"cannot read: {exc}", file=filename) from None
    builder = _Builder(filename, limits)
    docs: list[Any] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                docs.append(builder.build(node))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "bad syntax"
        raise InputError(
            f"invalid YAML/JSON: {problem}",
            file=filename,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            hint="check indentation, quotes and brackets at that position",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML/JSON: {exc}", file=filename) from None
    except RecursionError:
        raise InputError(f"document nested too deeply (over {limits.max_depth} levels)", file=filename) from None
    finally:
        loader.dispose()
    return docs


def _check_json(text: str, filename: str) -> None:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg}",
            file=filename,
            line=exc.lineno,
            column=exc.colno,
            hint="fix the JSON at that position (trailing commas and comments are not JSON)",
        ) from None
    except RecursionError:
        raise InputError(
            "document nested too deeply", file=filename, hint="raise --max-depth if this nesting is intended"
        ) from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise InputError(f"invalid JSON{_reason(exc)}", file=filename, hint="fix the value") from None


def load_document(text: str, filename: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Exactly one document (JSON files, topology); an empty file is None."""
    docs = load_documents(text, filename, limits)
    if len(docs) > 1:
        raise InputError("expected one document, found several", file=filename, line=getattr(docs[1], "line", None))
    return docs[0] if docs else None


def line_of(value: Any, default: int | None = None) -> int | None:
    return getattr(value, "line", None) or default
