"""Waivers: accepted risks, each with an owner, a reason and an expiry date.

A waiver matches findings by id and optional scope (requirement, cluster, resource, file; globs allowed).
A matched finding stays in every report, marked waived, but no longer fails the run. An expired waiver
waives nothing and is reported; a waiver that matches no finding is reported as stale, so the file does
not silently accumulate dead exceptions. Applied after the policies, so Rego never sees waivers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from validator.ingest.discover import read_text
from validator.ingest.documents import load_document
from validator.ingest.schemas import validate
from validator.model.errors import InputError
from validator.policy.input_doc import Finding

WAIVERS_FILE = ".palette-policy-waivers.yaml"


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
            clusters = {binding.get("cluster"), binding.get("source"), binding.get("destination")}
            if self.cluster not in clusters:
                return False
        if self.resource and not any(fnmatchcase(str(loc.get("resource") or ""), self.resource)
                                     for loc in finding.locations):
            return False
        return not (self.path and not any(fnmatchcase(str(loc.get("file") or ""), self.path)
                                          for loc in finding.locations))

    def to_json(self) -> dict[str, Any]:
        scope = {k: v for k, v in (("requirement", self.requirement), ("cluster", self.cluster),
                                   ("resource", self.resource), ("file", self.path)) if v}
        return {"id": self.id, "scope": scope, "reason": self.reason, "owner": self.owner,
                "expires": self.expires.isoformat(), "source": {"file": self.file, "line": self.line}}


@dataclass
class WaiverOutcome:
    """What the waivers did in one run: which findings they waived, which are expired or stale."""

    file: str | None = None
    waivers: list[Waiver] = field(default_factory=list)
    applied: list[tuple[Waiver, Finding]] = field(default_factory=list)
    expired: list[Waiver] = field(default_factory=list)
    stale: list[Waiver] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file,
                "applied": [{"waiver": w.to_json(), "finding": {"id": f.id, "requirement": f.requirement,
                                                                "binding": f.binding}} for w, f in self.applied],
                "expired": [w.to_json() for w in self.expired],
                "stale": [w.to_json() for w in self.stale]}


def _dates_to_text(node: Any) -> None:
    """YAML reads 2026-01-31 as a date; the schema checks text, so turn dates back into ISO text."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dt.date):
                node[key] = value.isoformat()
            else:
                _dates_to_text(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, dt.date):
                node[i] = value.isoformat()
            else:
                _dates_to_text(value)


def load_waivers(path: Path, display: str | None = None) -> list[Waiver]:
    name = display or str(path)
    doc = load_document(read_text(path, name), name)
    if doc is None:
        return []
    _dates_to_text(doc)
    validate(doc, "waivers.schema.json", name)
    out: list[Waiver] = []
    for item in doc["waivers"]:
        line = getattr(item, "line", None)
        try:
            expires = dt.date.fromisoformat(item["expires"])
        except ValueError:
            raise InputError(f"expires: {item['expires']!r} is not a date", file=name, line=line,
                             hint="write YYYY-MM-DD") from None
        out.append(Waiver(id=item["id"], reason=" ".join(str(item["reason"]).split()), owner=item["owner"],
                          expires=expires, file=name, line=line, requirement=item.get("requirement"),
                          cluster=item.get("cluster"), resource=item.get("resource"), path=item.get("file")))
    return out


def find_waivers_file(root: Path) -> Path | None:
    base = root if root.is_dir() else root.parent
    candidate = base / WAIVERS_FILE
    return candidate if candidate.is_file() else None


def apply_waivers(findings: list[Finding], waivers: list[Waiver], today: dt.date | None = None,
                  file: str | None = None) -> WaiverOutcome:
    """Mark matched findings waived (``finding.extra['waived']``); list expired and stale waivers."""
    today = today or dt.datetime.now(dt.UTC).date()
    outcome = WaiverOutcome(file=file, waivers=waivers)
    for finding in findings:  # only a waiver marks a finding waived, never a policy's own output
        finding.extra.pop("waived", None)
    for waiver in waivers:
        if waiver.expired(today):
            outcome.expired.append(waiver)
            continue
        hits = [f for f in findings if waiver.matches(f)]
        if not hits:
            outcome.stale.append(waiver)
        for finding in hits:
            if "waived" not in finding.extra:
                finding.extra["waived"] = {"reason": waiver.reason, "owner": waiver.owner,
                                           "expires": waiver.expires.isoformat(),
                                           "source": f"{waiver.file}:{waiver.line}" if waiver.line else waiver.file}
                outcome.applied.append((waiver, finding))
    return outcome


def is_waived(finding: Finding) -> bool:
    return "waived" in finding.extra
