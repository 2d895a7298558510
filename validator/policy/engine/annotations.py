"""OPA ``# METADATA`` annotations read from module source (regorus does not expose them).

A ``# METADATA`` comment block holds YAML and applies to the statement right after it: the package
(scope package) or the next rule (scope rule). Only what findings need is kept: title, description,
custom (id, severity, remediation, ...), and where the block is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from validator.model.errors import InputError

_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)")
_RULE = re.compile(r"^\s*(?:default\s+)?([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Annotation:
    file: str
    line: int
    package: str
    rule: str | None  # None: applies to the package
    title: str | None = None
    description: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def parse_annotations(file: str, source: str) -> list[Annotation]:
    """Every METADATA block in one module, attached to the package or rule that follows it."""
    lines = source.splitlines()
    package = ""
    pending: list[tuple[int, dict[str, Any]]] = []
    result: list[Annotation] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped == "# METADATA":
            start = i + 1
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i].lstrip().startswith("#"):
                text = lines[i].lstrip()[1:]
                body.append(text[1:] if text.startswith(" ") else text)
                i += 1
            try:
                doc = yaml.safe_load("\n".join(body)) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                raise InputError(
                    f"invalid METADATA annotation: {getattr(exc, 'problem', exc)}",
                    file=file,
                    line=start + 1 + (mark.line if mark is not None else 0),
                    hint="the lines after '# METADATA' must be YAML",
                ) from None
            if not isinstance(doc, dict):
                raise InputError("invalid METADATA annotation: expected a YAML mapping", file=file, line=start)
            pending.append((start, doc))
            continue
        if not stripped or stripped.startswith("#") or re.match(r"import\s", stripped):
            i += 1
            continue
        pkg = _PACKAGE.match(lines[i])
        rule = None if pkg else _RULE.match(lines[i])
        if pkg:
            package = pkg.group(1)
        for start, doc in pending:
            raw_custom = doc.get("custom")
            custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
            scope = doc.get("scope")
            target = None if pkg or scope in ("package", "subpackages") else (rule.group(1) if rule else None)
            result.append(
                Annotation(
                    file=file,
                    line=start,
                    package=package,
                    rule=target,
                    title=_str(doc.get("title")),
                    description=_str(doc.get("description")),
                    custom=dict(custom),
                    raw=doc,
                )
            )
        pending = []
        i += 1
    return result


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
