"""Waivers: accepted risks, each with an owner, a reason and an expiry date.

A waiver matches findings by id and optional scope (requirement, cluster, resource, file; globs allowed).
The file is read by ``ingest/waivers.py`` and applied after the policies by ``policy/waivers.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from validator.model.findings import Finding


@dataclass
class Waiver:
    id: str
    reason: str
    owner: str
    expires: dt.date
    file: str
    line: int | None
    requirement: str | None = None
    cluster: str | None = None
    resource: str | None = None
    path: str | None = None  # the ``file`` scope

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def matches(self, finding: Finding) -> bool:
        if not fnmatchcase(finding.id, self.id):
            return False
        if self.requirement and not fnmatchcase(finding.requirement or "", self.requirement):
            return False
        if self.cluster:
            binding = finding.binding or {}
            clusters = (binding.get("cluster"), binding.get("source"), binding.get("destination"))
            if not any(isinstance(c, str) and fnmatchcase(c, self.cluster) for c in clusters):
                return False
        if self.resource and not any(
            fnmatchcase(str(loc.get("resource") or ""), self.resource) for loc in finding.locations
        ):
            return False
        return not (
            self.path and not any(fnmatchcase(str(loc.get("file") or ""), self.path) for loc in finding.locations)
        )

    def to_json(self) -> dict[str, Any]:
        scope = {
            k: v
            for k, v in (
                ("requirement", self.requirement),
                ("cluster", self.cluster),
                ("resource", self.resource),
                ("file", self.path),
            )
            if v
        }
        return {
            "id": self.id,
            "scope": scope,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "source": {"file": self.file, "line": self.line},
        }


@dataclass
class WaiverOutcome:
    """What the waivers did in one run: which findings they waived, which are expired or stale."""

    file: str | None = None
    waivers: list[Waiver] = field(default_factory=list)
    applied: list[tuple[Waiver, Finding]] = field(default_factory=list)
    expired: list[Waiver] = field(default_factory=list)
    stale: list[Waiver] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "applied": [
                {"waiver": w.to_json(), "finding": {"id": f.id, "requirement": f.requirement, "binding": f.binding}}
                for w, f in self.applied
            ],
            "expired": [w.to_json() for w in self.expired],
            "stale": [w.to_json() for w in self.stale],
        }


def is_waived(finding: Finding) -> bool:
    return "waived" in finding.extra
