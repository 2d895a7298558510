"""Turn the evaluated ``data`` document into plain findings (conftest convention), engine-independent.

A package's ``deny``, ``warn`` and ``violation`` rules each yield a set (JSON array) of messages: a string,
or an object with ``msg`` and optional ``id``, ``severity``, ``title``, ``remediation``, ``locations`` and
anything else (kept in ``metadata``). A ref-head object (``deny[id] := msg``) gives the key as ``id``; a
boolean ``true`` gives one finding named after the rule. Missing fields are filled from the rule's OPA
``# METADATA`` annotation (title, description, custom.id / severity / remediation), then the package's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from validator.model.errors import InputError
from validator.policy.engine.annotations import Annotation, parse_annotations

KINDS = ("deny", "warn", "violation")
_KNOWN = ("msg", "id", "severity", "title", "remediation", "locations")


@dataclass(frozen=True)
class RawFinding:
    package: str  # "palette.ports" (no "data." prefix)
    kind: str  # deny | warn | violation
    msg: str
    id: str | None = None
    severity: str | None = None
    title: str | None = None
    remediation: str | None = None
    locations: list[Any] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.package, self.kind, self.id or "", self.msg)

    def as_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "kind": self.kind,
            "msg": self.msg,
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "remediation": self.remediation,
            "locations": self.locations,
            "metadata": self.metadata,
        }


def _subtree(data: Any, package: str) -> Any:
    node = data
    for part in package.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _packages_in(data: Any, prefix: str = "") -> Iterable[str]:
    """Paths in ``data`` holding a deny/warn/violation key (used when no package list is given)."""
    if not isinstance(data, dict):
        return
    if any(kind in data for kind in KINDS) and prefix:
        yield prefix
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _packages_in(value, f"{prefix}.{key}" if prefix else str(key))


def selected(package: str, namespaces: Iterable[str] | None) -> bool:
    if namespaces is None:
        return True
    return any(package == ns or package.startswith(ns + ".") for ns in namespaces)


def _index(modules: Mapping[str, str] | None) -> dict[tuple[str, str | None], list[Annotation]]:
    index: dict[tuple[str, str | None], list[Annotation]] = {}
    for file, source in (modules or {}).items():
        for note in parse_annotations(file, source):
            index.setdefault((note.package, note.rule), []).append(note)
    return index


def _annotation_fields(notes: list[Annotation]) -> dict[str, Any]:
    """Fields every annotation of the rule agrees on (several bodies may carry different ones)."""
    merged: dict[str, Any] = {}
    for key in ("title", "description", "id", "severity", "remediation"):
        values = {json.dumps(_field(note, key), sort_keys=True) for note in notes}
        values.discard("null")
        if len(values) == 1:
            merged[key] = json.loads(values.pop())
    return merged


def _field(note: Annotation, key: str) -> Any:
    if key in ("title", "description"):
        return getattr(note, key)
    return note.custom.get(key)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _items(value: Any) -> list[tuple[str | None, Any]]:
    if value is True:
        return [(None, True)]
    if isinstance(value, list):
        return [(None, item) for item in value]
    if isinstance(value, dict):
        if "msg" in value:  # a complete rule holding one object
            return [(None, value)]
        return [(str(key), item) for key, item in value.items()]
    if isinstance(value, str):
        return [(None, value)]
    return []


def collect_findings(
    data: Any,
    *,
    packages: Iterable[str] | None = None,
    namespaces: Iterable[str] | None = None,
    modules: Mapping[str, str] | None = None,
) -> list[RawFinding]:
    """Findings of every selected package, sorted by (package, kind, id, msg).

    ``data``: the evaluated ``data`` document. ``packages``: packages to read (e.g. ``Bundle.packages``);
    default: every path of ``data`` holding deny/warn/violation. ``namespaces``: keep only these packages
    and their sub-packages. ``modules``: file → source, for ``# METADATA`` annotations.
    """
    index = _index(modules)
    names = list(packages) if packages is not None else list(_packages_in(data))
    findings: list[RawFinding] = []
    for package in sorted(set(names)):
        if not selected(package, namespaces):
            continue
        node = _subtree(data, package)
        if not isinstance(node, dict):
            continue
        package_notes = _annotation_fields(index.get((package, None), []))
        for kind in KINDS:
            if kind not in node:
                continue
            defaults = {**package_notes, **_annotation_fields(index.get((package, kind), []))}
            for key, item in _items(node[kind]):
                findings.append(_finding(package, kind, key, item, defaults))
    return sorted(findings, key=RawFinding.sort_key)


def _location(loc: Any, rule: str) -> Any:
    """A finding's location with ``line``/``column`` as positive integers (every format prints them)."""
    if not isinstance(loc, dict):
        return loc
    out = dict(loc)
    for key in ("line", "column"):
        value = out.get(key)
        if value is None:
            continue
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
            number = int(value)
        if number is None or number < 1:
            raise InputError(
                f"a finding of data.{rule} gives {key} {value!r} in its locations; a {key} is a whole number from 1",
                hint=f"fix the policy's locations ({key}: a number, or leave it out)",
            )
        out[key] = number
    return out


def _finding(package: str, kind: str, key: str | None, item: Any, defaults: dict[str, Any]) -> RawFinding:
    fields: dict[str, Any] = {}
    if isinstance(item, dict):
        fields = dict(item)
    elif item is True:
        fields = {"msg": defaults.get("title") or f"{package}.{kind}"}
    else:
        fields = {"msg": item}
    metadata = {k: v for k, v in fields.items() if k not in _KNOWN}
    if "description" in defaults and "description" not in metadata:
        metadata["description"] = defaults["description"]
    locations = fields.get("locations")
    if locations is None:
        locations = []
    elif not isinstance(locations, list):
        locations = [locations]
    locations = [_location(loc, f"{package}.{kind}") for loc in locations]
    msg = _text(fields.get("msg", fields.get("message")))
    return RawFinding(
        package=package,
        kind=kind,
        msg=msg if msg is not None else (defaults.get("title") or f"{package}.{kind}"),
        id=_text(fields.get("id", key if key is not None else defaults.get("id"))),
        severity=_text(fields.get("severity", defaults.get("severity"))),
        title=_text(fields.get("title", defaults.get("title"))),
        remediation=_text(fields.get("remediation", defaults.get("remediation"))),
        locations=locations,
        metadata=metadata,
    )
