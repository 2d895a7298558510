"""JSON Schema validation that points at the line: the schemas in ``schemas/`` are the contract.

Documents come from ``ingest/documents.py`` with line numbers on every mapping and list, so the first
schema error is reported as ``file:line: <where>: <what>`` instead of a JSON path.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from typing import Any

from validator.ingest.documents import child_line
from validator.ingest.resources import resource_path
from validator.model.errors import InputError


@cache
def load_schema(name: str) -> dict[str, Any]:
    with resource_path("schemas", name).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def line_at(doc: Any, path: list[Any]) -> int | None:
    """The line of the deepest value along a key/index path that exists in a ``documents`` tree."""
    line = getattr(doc, "line", None)
    node = doc
    for part in path:
        found = child_line(node, part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        line = found or line
    return line


def validate(doc: Any, schema_name: str, filename: str) -> None:
    """Raise InputError for the first (most specific) schema violation, located by line. A document the
    parse cache saw pass this schema before passes without the validator (perf: its import alone costs
    more than the rest of a small run's start)."""
    cache = sys.modules.get("validator.ingest.cache")  # on only when a command turned it on (and imported it)
    if cache is None:
        _validate(doc, schema_name, filename)
        return
    mark = cache.schema_mark(doc, load_schema(schema_name))
    if mark is None or not cache.has_mark(mark):
        _validate(doc, schema_name, filename)
        if mark is not None:
            cache.write_mark(mark)


def _validate(doc: Any, schema_name: str, filename: str) -> None:
    import jsonschema  # only when a document is validated: keeps the CLI's start fast

    validator = jsonschema.Draft202012Validator(load_schema(schema_name))
    errors = sorted(validator.iter_errors(doc), key=lambda e: (-len(e.absolute_path), str(e.absolute_path)))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors) or errors[0]
    path = list(error.absolute_path)
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "(top level)"
    message = error.message
    if len(message) > 200:
        message = message[:197] + "..."
    raise InputError(f"{where}: {message}", file=filename, line=line_at(doc, path), hint=f"see schemas/{schema_name}")
