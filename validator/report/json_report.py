"""The JSON report: the machine-readable contract (schemas/report.schema.json), deterministic."""

from __future__ import annotations

from typing import Any

from validator import __version__
from validator.model.report import Report
from validator.model.waivers import is_waived
from validator.report.jsontext import dumps


def to_json(report: Report) -> dict[str, Any]:
    """The report as the JSON document of schemas/report.schema.json."""
    return {
        "schema_version": 1,
        "tool": {"name": "palette-policy", "version": __version__},
        "engine": report.engine,
        "policy_bundle": {"sha256": report.policy_digest, "files": report.policy_files},
        "root": report.root,
        "topology": report.topology.path if report.topology is not None else None,
        "profiles": sorted(p.name for p in report.profiles),
        "summary": {
            "verdicts": report.counts(),
            "findings": {
                "deny": sum(f.kind == "deny" for f in report.findings),
                "warn": sum(f.kind == "warn" for f in report.findings),
                "waived": sum(is_waived(f) for f in report.findings),
            },
            "fail_on": report.fail_on,
            "exit_code": report.exit_code,
        },
        "results": report.input_doc.get("results") or [r.to_json() for r in report.results],  # built once
        "unbound": [u.to_json() for u in report.unbound],
        "coverage": report.input_doc.get("coverage") or report.coverage.to_json(),  # built once
        "findings": [f.to_json() for f in report.findings],
        "inputs": {
            "loaded": [
                {"path": f.path, "format": f.format} for f in sorted(report.inventory.files, key=lambda f: f.path)
            ],
            "skipped": [
                {"path": s.path, "reason": s.reason} for s in sorted(report.inventory.skipped, key=lambda s: s.path)
            ],
            "ignored": sorted(report.ignored),
            **({"terraform_variables": report.inventory.variables} if report.inventory.variables else {}),
        },
        "waivers": report.waivers.to_json(),
        **({"networkpolicies": report.netpol} if report.netpol else {}),
    }


def render(report: Report) -> str:
    return dumps(to_json(report))  # json.dumps(…, indent=2, ensure_ascii=False), faster (jsontext)
