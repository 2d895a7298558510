"""Shared reading of the declarative rule files (ProxyRules, FirewallRules): YAML with line numbers and
JSON-Schema validation whose errors name the file and the line of the offending value.

PyYAML's ``compose`` keeps a mark on every node; a jsonschema error's ``absolute_path`` (keys and list
indexes) is walked down the node tree to the deepest node that exists, and that node's line is reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..errors import InputError

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def load_schema(name: str) -> dict[str, Any]:
    path = SCHEMA_DIR / name
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def read_yaml(path: str) -> tuple[Any, yaml.Node | None]:
    """Safe-load a YAML file and compose its node tree (for line numbers)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", file=path) from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: str) -> tuple[Any, yaml.Node | None]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InputError(f"invalid YAML: {exc.problem}", file=path,
                         line=mark.line + 1 if mark else None,
                         column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=path) from None
    return data, node


def node_at(node: yaml.Node | None, path: Iterable[Any]) -> yaml.Node | None:
    """The deepest node along a key/index path (the key node itself for a missing mapping key)."""
    current = node
    for step in path:
        if isinstance(current, yaml.MappingNode):
            found = None
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                    found = value
                    break
            if found is None:
                return current
            current = found
        elif isinstance(current, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(current.value):
                return current
            current = current.value[step]
        else:
            return current
    return current


def line_of(node: yaml.Node | None, path: Iterable[Any]) -> int | None:
    target = node_at(node, path)
    return target.start_mark.line + 1 if target is not None else None


def validate(data: Any, node: yaml.Node | None, schema: dict[str, Any], path: str) -> None:
    """Raise InputError for the first (best) schema error, located at its line."""
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    raise InputError(f"{where}: {error.message}", file=path, line=line_of(node, error.absolute_path),
                     hint=f"see schemas/{schema.get('$id', '').rsplit('/', 1)[-1] or 'the schema'}")
