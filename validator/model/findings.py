"""A finding: one policy result, flattened for every reporter (conftest's convention: deny/warn with an id,
severity, title, message, locations, remediation and compliance controls)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Finding:
    """One policy result, flattened for every reporter."""

    kind: str  # deny | warn
    id: str
    severity: str
    title: str
    message: str
    package: str
    requirement: str | None = None
    binding: dict[str, str] | None = None
    locations: list[dict[str, Any]] = field(default_factory=list)
    remediation: str = ""
    controls: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "package": self.package,
            "requirement": self.requirement,
            "binding": self.binding,
            "locations": self.locations,
            "remediation": self.remediation,
            "controls": self.controls,
        }
        out.update(self.extra)
        return out
