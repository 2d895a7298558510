"""Reading the declarative rule files (ProxyRules, FirewallRules) through the shared readers.

``documents`` keeps a line on every mapping and list; ``schemas.validate`` locates schema errors by
line. This module only adapts them to the rule-file loaders: the parsed document doubles as its own
"node" for ``line_of`` lookups by key path.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from validator.ingest import schemas
from validator.ingest.documents import load_document
from validator.ingest.reader import current_scope, read_text
from validator.model.errors import InputError


def read_yaml(path: str) -> tuple[Any, Any]:
    """A rule file's document (with line numbers), twice: as data and as the node tree for ``line_of``."""
    try:
        text = read_text(Path(path), path, root=current_scope().root)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", file=path) from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: str) -> tuple[Any, Any]:
    doc = load_document(text, path)
    return doc, doc


def line_of(node: Any, path: Iterable[Any]) -> int | None:
    """The line of the deepest value along a key/index path that exists."""
    return schemas.line_at(node, list(path))


def validate(data: Any, node: Any, schema_name: str, path: str) -> None:
    """Raise InputError for the first schema error, located at its line (see ``schemas.validate``)."""
    schemas.validate(data, schema_name, path)
