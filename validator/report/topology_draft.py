"""The draft topology as YAML with a comment on every line: ``guess:`` what a value was read from, ``TODO:``
what to write instead of a placeholder (``palette-policy init``)."""

from __future__ import annotations

import json
import re
from typing import Any

from validator.model.draft import Draft, Guess

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./:@-]*$")
_YAML_WORDS = re.compile(r"^(y|n|yes|no|true|false|on|off|null|~|[-+]?[0-9._:]+)$", re.IGNORECASE)


def scalar(value: Any) -> str:
    """A YAML scalar: plain when it reads back as the same string, else JSON-quoted (valid YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if _PLAIN.match(text) and not _YAML_WORDS.match(text) else json.dumps(text)


def flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    return scalar(value)


def _comment(guess: Guess) -> str:
    if guess.todo:
        return f"  # TODO: {guess.todo}"
    return f"  # guess: {guess.note}" if guess.note else ""


def _section(lines: list[str], section: dict[str, Any], indent: str, first_prefix: str | None = None) -> None:
    for i, (key, value) in enumerate(section.items()):
        lead = first_prefix if (first_prefix is not None and i == 0) else indent
        if isinstance(value, Guess):
            lines.append(f"{lead}{key}: {flow(value.value)}{_comment(value)}")
        elif isinstance(value, list):
            lines.append(f"{lead}{key}:")
            for item in value:
                _section(lines, item, indent + "    ", first_prefix=indent + "  - ")
        else:
            lines.append(f"{lead}{key}:")
            _section(lines, value, indent + "  ")


def render(draft: Draft, scanned: str) -> str:
    lines = [
        f"# palette-network.yaml, written by `palette-policy init` from what {scanned} declares.",
        "# Review every guess (each says what it was read from), replace every TODO, then run",
        "# `palette-policy validate`; while a TODO is left, validate reports PP-TOPOLOGY-TODO.",
        "# Field by field: docs/topology.md (schema: schemas/topology.schema.json).",
    ]
    _section(lines, draft.fields, "")
    for todo, block in draft.commented:
        lines.append(f"# TODO: {todo}:")
        lines.extend(f"# {line}" for line in block)
    if draft.unplaced:
        lines.append("# Not placed (no name says which role it plays; add it where it belongs):")
        lines.extend(f"#   {what}" for what in draft.unplaced)
    return "\n".join(lines) + "\n"
