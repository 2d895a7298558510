"""Run the policy bundle on the input document and collect what the Rego rules ``deny``/``warn``/``violation``
produce as findings. What is a problem, how severe and what to do about it is in ``policies/`` (Rego and
data), where users can add their own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from validator.ingest.resources import resource_dir
from validator.model.findings import Finding
from validator.policy.engine import Bundle, PolicyEngine, RawFinding, evaluate_findings, load_bundle


def load_policies(dirs: list[Path], data_files: list[Path] | None = None) -> Bundle:
    """The shipped bundle plus the user's directories and data files (see ``engine.load_bundle``)."""
    shipped = resource_dir("policies")
    real = shipped.resolve()

    def display(path: Path) -> str:
        try:
            return f"policies/{path.resolve().relative_to(real).as_posix()}"
        except ValueError:
            return str(path)

    return load_bundle([shipped, *dirs], data_files, include_tests=False, display=display)


def evaluate(
    engine: PolicyEngine, bundle: Bundle, input_doc: dict[str, Any], namespaces: list[str] | None = None
) -> list[Finding]:
    """Run the bundle on the input; every deny/warn/violation becomes a Finding (violation counts as deny)."""
    engine.load(bundle.modules, bundle.data)
    findings = [_finding(raw) for raw in evaluate_findings(engine, bundle, input_doc, namespaces)]
    findings.sort(
        key=lambda f: (f.kind != "deny", f.id, f.requirement or "", json.dumps(f.binding, sort_keys=True), f.message)
    )
    return findings


_STRUCTURED = ("requirement", "binding", "controls")


def _finding(raw: RawFinding) -> Finding:
    kind = "deny" if raw.kind == "violation" else raw.kind
    meta = dict(raw.metadata)
    fallback_id = raw.package.replace(".", "-").upper() or "USER"
    return Finding(
        kind=kind,
        id=raw.id or fallback_id,
        severity=raw.severity or ("high" if kind == "deny" else "medium"),
        title=raw.title or raw.msg,
        message=raw.msg,
        package=raw.package,
        requirement=meta.pop("requirement", None),
        binding=meta.pop("binding", None),
        locations=[loc if isinstance(loc, dict) else {"file": str(loc)} for loc in raw.locations],
        remediation=raw.remediation or "",
        controls=list(meta.pop("controls", None) or []),
        extra=meta,
    )
