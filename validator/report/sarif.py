"""SARIF 2.1.0 for code scanning: one rule per finding id, one result per finding, stable fingerprints.

Paths are relative to the repository root (``uriBaseId`` %SRCROOT%) so GitHub places them on the diff.
Nothing run-specific (times, absolute paths of the machine) goes in, so an unchanged repository gives a
byte-identical file. Waived findings are kept as results with an accepted external suppression.
Validated in tests against the official OASIS schema (schemas/vendor/sarif-schema-2.1.0.json).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from validator import __version__
from validator.model.waivers import is_waived
from validator.report.jsontext import dumps
from validator.report.paths import repo_path, repo_prefix

if TYPE_CHECKING:
    from validator.model.findings import Finding
    from validator.model.report import Report

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"deny": "error", "warn": "warning"}
# GitHub code scanning reads properties.security-severity (0.0-10.0) into critical/high/medium/low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}


def _rule_name(finding: Finding) -> str:
    words = re.findall(r"[A-Za-z0-9]+", finding.id.removeprefix("PP-"))
    return "".join(w.capitalize() for w in words) or "Finding"


def fingerprint(finding: Finding) -> str:
    """Requirement + binding + causing resources + id: stable across runs and line moves."""
    resources = sorted({str(loc.get("resource") or loc.get("file") or "") for loc in finding.locations})
    key = json.dumps(
        [finding.id, finding.requirement or "", finding.binding or {}, resources, finding.extra.get("port")],
        sort_keys=True,
    )
    if not finding.requirement and not finding.binding:
        key += "\0" + finding.message  # exposure-like findings: the message names port and rule
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _location(loc: dict[str, Any], prefix: str | None, root: str) -> dict[str, Any]:
    path, relative = repo_path(str(loc["file"]), prefix, root)
    artifact: dict[str, Any] = {"uri": path, "uriBaseId": "%SRCROOT%"} if relative else {"uri": Path(path).as_uri()}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if loc.get("line"):
        region: dict[str, Any] = {"startLine": int(loc["line"])}
        if loc.get("column"):
            region["startColumn"] = int(loc["column"])
        physical["region"] = region
    out: dict[str, Any] = {"physicalLocation": physical}
    if loc.get("resource"):
        out["logicalLocations"] = [{"fullyQualifiedName": str(loc["resource"]), "kind": "resource"}]
    return out


def _message(finding: Finding) -> str:
    text = finding.message
    if finding.remediation:
        text += f"\n\nRemediation: {finding.remediation}"
    if finding.controls:
        text += f"\n\nControls: {'; '.join(finding.controls)}"
    waived = finding.extra.get("waived")
    if waived:
        text += f"\n\nWaived until {waived['expires']} by {waived['owner']}: {waived['reason']}"
    return text


def build(report: Report, root: Path | None = None) -> dict[str, Any]:
    prefix = repo_prefix(report.root, root)
    findings = report.findings
    rule_ids = sorted({f.id for f in findings})
    first = {rid: next(f for f in findings if f.id == rid) for rid in rule_ids}
    rules = []
    for rid in rule_ids:
        f = first[rid]
        severities = sorted(
            {x.severity for x in findings if x.id == rid}, key=lambda s: -float(SECURITY_SEVERITY.get(s, "5.0"))
        )
        controls = sorted({c for x in findings if x.id == rid for c in x.controls})
        tags = ["security", "network", f.package] + [f"control: {c}" for c in controls]
        full = f.title + (f" Compliance controls: {'; '.join(controls)}." if controls else "")
        rules.append(
            {
                "id": rid,
                "name": _rule_name(f),
                "shortDescription": {"text": f.title},
                "fullDescription": {"text": full},
                "help": {
                    "text": f.remediation or f.title,
                    "markdown": f"**{f.title}**\n\n{f.remediation or ''}".strip(),
                },
                "defaultConfiguration": {"level": LEVEL.get(f.kind, "warning")},
                "properties": {
                    "security-severity": SECURITY_SEVERITY.get(severities[0], "5.0"),
                    "problem.severity": "error" if f.kind == "deny" else "warning",
                    "precision": "very-high",
                    "tags": tags,
                    "controls": controls,
                },
            }
        )
    index = {rid: i for i, rid in enumerate(rule_ids)}
    fallback = {"file": report.topology_file, "line": 1}
    results = []
    for f in findings:
        locations = [loc for loc in f.locations if loc.get("file")] or [fallback]
        result: dict[str, Any] = {
            "ruleId": f.id,
            "ruleIndex": index[f.id],
            "level": LEVEL.get(f.kind, "warning"),
            "message": {"text": _message(f)},
            "locations": [_location(loc, prefix, report.root) for loc in locations[:1]],
            "partialFingerprints": {"palettePolicyFinding/v1": fingerprint(f)},
            "properties": {
                "severity": f.severity,
                "requirement": f.requirement,
                "binding": f.binding,
                "controls": f.controls,
                "package": f.package,
            },
        }
        if len(locations) > 1:
            result["relatedLocations"] = [
                {"id": i, **_location(loc, prefix, report.root)} for i, loc in enumerate(locations[1:], 1)
            ]
        if is_waived(f):
            w = f.extra["waived"]
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": f"{w['reason']} (owner {w['owner']}, expires {w['expires']})",
                }
            ]
        results.append(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "palette-policy",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"palette-policy/{prefix or '.'}/"},
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {
                    "profiles": [p.name for p in report.profiles],
                    "verdicts": report.counts(),
                    "policy_bundle_sha256": report.policy_digest,
                    "engine": f"{report.engine['name']} {report.engine['version']}",
                },
            }
        ],
    }


def render(report: Report, root: Path | None = None) -> str:
    return dumps(build(report, root))
