"""Differential mode: what a change does to the required paths and the exposures, compared and rendered.

Both sides run through the same pipeline (``cli/diff.py``); results are matched by requirement and binding,
findings by id, requirement, binding and causing resources (not by line, which moves with unrelated edits). A change
*breaks* a required path when its verdict gets worse (reachable → partial/unknown/blocked, …).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from validator.model.report import SEVERITY_RANK, Report
from validator.model.results import VERDICT_ORDER
from validator.model.waivers import is_waived


@dataclass
class PathChange:
    requirement: str
    binding: str
    required: bool
    ports: str
    before: str
    after: str

    @property
    def broken(self) -> bool:
        return self.required and VERDICT_ORDER.get(self.after, 3) > VERDICT_ORDER.get(self.before, 3)

    def to_json(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "binding": self.binding,
            "required": self.required,
            "ports": self.ports,
            "before": self.before,
            "after": self.after,
            "broken": self.broken,
        }


@dataclass
class FindingChange:
    change: str  # appeared | disappeared
    id: str
    kind: str
    severity: str
    message: str
    location: str

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "id": self.id,
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "location": self.location,
        }


@dataclass
class DiffResult:
    base: str
    head: str
    paths: list[PathChange] = field(default_factory=list)
    findings: list[FindingChange] = field(default_factory=list)
    unchanged: int = 0
    fail_on: str = "none"  # also fail when a finding of this level or above appears

    @property
    def broken(self) -> list[PathChange]:
        return [p for p in self.paths if p.broken]

    @property
    def failing(self) -> list[FindingChange]:
        """Appeared (unwaived) findings at or above ``fail_on``."""
        threshold = {"deny": 2, "warn": 1, "none": 99}[self.fail_on]
        return [f for f in self.findings if f.change == "appeared" and SEVERITY_RANK.get(f.kind, 0) >= threshold]

    @property
    def exit_code(self) -> int:
        return 1 if self.broken or self.failing else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "broken": len(self.broken),
            "unchanged_paths": self.unchanged,
            "paths": [p.to_json() for p in self.paths],
            "findings": [f.to_json() for f in self.findings],
            "exit_code": self.exit_code,
        }


def _finding_key(f: Any) -> str:
    resources = sorted({str(loc.get("resource") or loc.get("file") or "") for loc in f.locations})
    return json.dumps([f.id, f.kind, f.requirement, f.binding, resources, f.title], sort_keys=True)


def compare(base: Report, head: Report) -> DiffResult:
    out = DiffResult(base=base.root, head=head.root)
    before = {(r.requirement.id, r.binding): r for r in base.results}
    after = {(r.requirement.id, r.binding): r for r in head.results}
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        ref = a or b
        assert ref is not None
        vb, va = (b.verdict if b else "absent"), (a.verdict if a else "absent")
        if vb == va:
            out.unchanged += 1
            continue
        out.paths.append(
            PathChange(key[0], key[1], ref.requirement.required, f"{ref.requirement.protocol}/{ref.ports}", vb, va)
        )
    old = {_finding_key(f): f for f in base.findings if not is_waived(f)}
    new = {_finding_key(f): f for f in head.findings if not is_waived(f)}
    for change, keys, side in (
        ("disappeared", sorted(set(old) - set(new)), old),
        ("appeared", sorted(set(new) - set(old)), new),
    ):
        for fkey in keys:
            f = side[fkey]
            loc = next(iter(f.locations), {})
            where = f"{loc.get('file')}:{loc.get('line')}" if loc.get("line") else str(loc.get("file") or "")
            out.findings.append(FindingChange(change, f.id, f.kind, f.severity, f.message, where))
    return out


def render_table(result: DiffResult) -> str:
    lines = [f"diff {result.base} -> {result.head}"]
    if result.paths:
        lines.append(f"{'REQUIREMENT':28} {'PATH':32} {'PORT':10} {'BEFORE':10} {'AFTER':10}")
        for p in result.paths:
            mark = "  BROKEN" if p.broken else ("" if p.required else "  (optional)")
            lines.append(f"{p.requirement:28} {p.binding:32} {p.ports:10} {p.before:10} {p.after:10}{mark}")
    else:
        lines.append("no required path changes verdict")
    for f in result.findings:
        sign = "+" if f.change == "appeared" else "-"
        lines.append(
            f"{sign} {f.kind.upper():5} {f.id} [{f.severity}] {f.message}" + (f" ({f.location})" if f.location else "")
        )
    lines.append(
        f"{len(result.broken)} broken, {len(result.paths)} changed, {result.unchanged} unchanged paths; "
        f"{sum(f.change == 'appeared' for f in result.findings)} findings appeared, "
        f"{sum(f.change == 'disappeared' for f in result.findings)} disappeared"
        + (f"; {len(result.failing)} at or above fail-on {result.fail_on}" if result.failing else "")
    )
    return "\n".join(lines)


def render_markdown(result: DiffResult) -> str:
    head = "❌ breaks required paths" if result.broken else "✅ no required path broken"
    if result.failing:
        head += f"; ❌ {len(result.failing)} new finding(s) at or above {result.fail_on}"
    out = [f"## palette-policy diff: {head}", ""]
    if result.paths:
        out += ["| requirement | path | port | before | after | |", "|---|---|---|---|---|---|"]
        for p in result.paths:
            out.append(
                f"| {p.requirement} | {p.binding} | {p.ports} | {p.before} | {p.after} | "
                f"{'**broken**' if p.broken else ('optional' if not p.required else 'improved')} |"
            )
    else:
        out.append("No path changes verdict.")
    if result.findings:
        out += ["", "| change | id | severity | message | location |", "|---|---|---|---|---|"]
        for f in result.findings:
            msg = " ".join(f.message.replace("|", "\\|").split())
            out.append(f"| {f.change} | {f.id} | {f.severity} | {msg} | `{f.location}` |")
    out += ["", f"{len(result.broken)} broken, {len(result.paths)} changed, {result.unchanged} unchanged paths."]
    return "\n".join(out)


def render_json(result: DiffResult) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False)


RENDERERS = {"table": render_table, "json": render_json, "markdown": render_markdown}
