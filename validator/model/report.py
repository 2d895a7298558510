"""The report: everything one run found, what every reporter formats (``report/``).

``failed`` and ``exit_code`` apply ``--fail-on``: a waived finding never fails the run. The JSON form
(``schemas/report.schema.json``) is ``report/json_report.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from validator.model.coverage import Coverage
from validator.model.findings import Finding
from validator.model.inventory import Inventory
from validator.model.requirements import Profile
from validator.model.results import PathResult, Unbound
from validator.model.topology import Topology
from validator.model.waivers import WaiverOutcome, is_waived

SEVERITY_RANK = {"deny": 2, "warn": 1}


@dataclass
class Report:
    """Everything a reporter needs; also the JSON report (schemas/report.schema.json)."""

    root: str
    topology: Topology | None  # None: the folder has no palette-network.yaml (no required path checked)
    profiles: list[Profile]
    inventory: Inventory
    results: list[PathResult]
    unbound: list[Unbound]
    findings: list[Finding]
    engine: dict[str, str]
    policy_digest: str
    policy_files: list[str]
    ignored: list[str]
    timings: dict[str, float]
    fail_on: str
    input_doc: dict[str, Any]
    waivers: WaiverOutcome = field(default_factory=WaiverOutcome)
    # every file the run read: {"path": as shown, "real": resolved path, "sha256": of the bytes read}
    inputs_read: list[dict[str, str]] = field(default_factory=list)
    # without a topology: per folder of manifests, what its NetworkPolicies allow (analysis/netpol_facts.py)
    netpol: list[dict[str, Any]] = field(default_factory=list)

    @property
    def topology_file(self) -> str:
        """The topology's path, or where it is looked for when there is none (findings without a location)."""
        return self.topology.path if self.topology is not None else "palette-network.yaml"

    coverage: Coverage = field(default_factory=Coverage)

    @property
    def failed(self) -> bool:
        """A waived finding never fails the run (it is still reported, marked waived)."""
        threshold = {"deny": 2, "warn": 1, "none": 99}[self.fail_on]
        return any(SEVERITY_RANK.get(f.kind, 0) >= threshold for f in self.findings if not is_waived(f))

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def counts(self) -> dict[str, int]:
        out = {"reachable": 0, "partial": 0, "blocked": 0, "unknown": 0}
        for r in self.results:
            out[r.verdict] += 1
        return out
