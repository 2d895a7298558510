"""The terminal table: one row per requirement × binding, its verdict and the evidence that decided it."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from validator.model.report import Report
    from validator.model.results import PathResult

MARK = {"reachable": "ok", "partial": "PARTIAL", "blocked": "BLOCKED", "unknown": "UNKNOWN"}


def _evidence(result: PathResult) -> str:
    """The shortest evidence that explains the verdict: the allowing rules, or what blocked."""
    parts: list[str] = []
    for hop in result.hops:
        for layer in hop.layers:
            if result.verdict == "reachable":
                rules = [r.source.location() for r in layer.allowed_by[:2]]
                if rules:
                    parts.append(f"{layer.layer}: {', '.join(rules)}")
            elif layer.decision != "allow":
                where = [r.source.location() for r in layer.blocked_by[:1]] or [
                    f"{p['file']}:{p['line']}" if p.get("line") else p["file"] for p in layer.points[:2]
                ]
                text = layer.message + (f" [{', '.join(where)}]" if where else "")
                if layer.kind == "proxy" and layer.blocked_by:
                    text += f": {layer.blocked_by[0].text}"
                if layer.decision == "partial" and layer.allowed_by:
                    oks = [f"{ok.text} at {ok.source.location()}" for ok in layer.allowed_by[:2]]
                    text += f"; allowed only by {'; '.join(oks)}"
                if layer.near_misses:
                    near = layer.near_misses[0]
                    text += f"; nearest: {near.text} at {near.source.location()}"
                if layer.unknown_because:
                    text += f"; {layer.unknown_because[0]}"
                parts.append(text)
    if not parts and not result.enforced:
        return "NOT CHECKED: no enforcement point on the way (PP-PATH-UNENFORCED)"
    return "; ".join(parts) or "no enforcement point on the way"


def _coverage(report: Report) -> list[str]:
    """Declared resources no role binds, per kind (the JSON report's ``coverage`` lists them all)."""
    from validator.model.coverage import KINDS

    cover = report.coverage
    lines = []
    for kind, word in KINDS.items():
        items = cover.of_kind(kind)
        unused = [r for r in items if not r.bound_by]
        if unused:
            names = ", ".join(r.name for r in unused[:8]) + (f", … ({len(unused) - 8} more)" if len(unused) > 8 else "")
            lines.append(f"  {len(unused)} of {len(items)} {word}s unused: {names}")
    if not lines:
        return []
    head = "COVERAGE (the topology binds nothing)" if not cover.binds_anything else "COVERAGE"
    return ["", head, *lines]


WIDTH = 140  # the table's width when it is not shown on a terminal (files, pipes, CI logs): the same every run


def render(report: Report, width: int | None = None) -> str:
    """The table; ``width``: the terminal's columns when shown on one (the CLI asks), else ``WIDTH``."""
    width = max(100, min(width or WIDTH, 200))
    rows = []
    for r in report.results:
        req = "" if r.requirement.required else " (optional)"
        rows.append(
            (
                f"{r.requirement.id}{req}",
                f"{r.source.name} -> {r.destination.name}",
                f"{r.requirement.protocol}/{r.ports}",
                MARK[r.verdict],
                _evidence(r),
            )
        )
    headers = ("REQUIREMENT", "PATH", "PORT", "VERDICT", "EVIDENCE")
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers[:4])]
    evidence_width = max(30, width - sum(widths) - 8)
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers[:4], widths, strict=True)) + "  EVIDENCE"]
    if report.topology is None:
        lines = ["NO TOPOLOGY: no palette-network.yaml, no required path checked (`palette-policy init PATH`)"]
    for row in rows:
        wrapped = textwrap.wrap(row[4], evidence_width) or [""]
        lines.append("  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + wrapped[0])
        indent = " " * (sum(widths) + 8)
        lines.extend(indent + more for more in wrapped[1:])
    for u in report.unbound:
        lines.append(f"{u.requirement.id}: not checked (no {' or '.join(u.missing)} in the topology)")
    if report.findings:
        lines.append("")
        lines.append("FINDINGS")
        for f in report.findings:
            where = ", ".join(
                f"{loc.get('file')}:{loc.get('line')}" if loc.get("line") else str(loc.get("file"))
                for loc in f.locations[:3]
            )
            suffix = f" ({where})" if where and where not in f.message else ""
            kind = "WAIVED" if "waived" in f.extra else f.kind.upper()
            lines.append(f"  {kind:5} {f.id} [{f.severity}] {f.message}{suffix}")
            if "waived" in f.extra:
                w = f.extra["waived"]
                lines.append(f"        waived until {w['expires']} by {w['owner']}: {w['reason']} ({w['source']})")
            if f.controls:
                lines.append(f"        controls: {'; '.join(f.controls)}")
    waivers = report.waivers
    if waivers.expired or waivers.stale:
        lines.append("")
        lines.append("WAIVERS")
        lines.extend(
            f"  EXPIRED {w.id} (owner {w.owner}, expired {w.expires.isoformat()}, {w.file}:{w.line}): no longer waives"
            for w in waivers.expired
        )
        lines.extend(
            f"  STALE   {w.id} (owner {w.owner}, {w.file}:{w.line}): matches no finding" for w in waivers.stale
        )
    if report.netpol:
        lines.append("")
        lines.append("NETWORKPOLICIES (no topology ties them to a cluster)")
        lines.extend(
            f"  {f['folder']}: {f['workloads']} workloads, {f['policies']} policies; ingress of "
            f"{f['isolated_ingress']} and egress of {f['isolated_egress']} workloads isolated; "
            f"{f['connections']} connections allowed (palette-policy connectivity {f['folder']})"
            for f in report.netpol
        )
    lines.extend(_coverage(report))
    skipped = report.inventory.skipped
    if skipped:
        lines.append("")
        lines.append(f"SKIPPED ({len(skipped)} files)")
        for s in sorted(skipped, key=lambda s: s.path)[:20]:
            lines.append(f"  {s.path}: {s.reason}")
        if len(skipped) > 20:
            lines.append(f"  … and {len(skipped) - 20} more (see --format json)")
    counts = report.counts()
    denies = sum(f.kind == "deny" for f in report.findings)
    warns = sum(f.kind == "warn" for f in report.findings)
    waived = sum("waived" in f.extra for f in report.findings)
    lines.append("")
    lines.append(
        f"{len(report.results)} paths: {counts['reachable']} reachable, {counts['partial']} partial, "
        f"{counts['blocked']} blocked, {counts['unknown']} unknown; {denies} deny, {warns} warn"
        f"{f', {waived} waived' if waived else ''}; "
        f"profiles {', '.join(p.name for p in report.profiles) or 'none'}; "
        f"{'FAIL' if report.failed else 'PASS'} (fail-on {report.fail_on})"
    )
    return "\n".join(lines)
