"""Markdown for a pull-request comment: the verdict, a table of paths, findings and a Mermaid diagram."""

from __future__ import annotations

from typing import TYPE_CHECKING

from validator.model.waivers import is_waived
from validator.report import diagram
from validator.report.text import _evidence

if TYPE_CHECKING:
    from validator.model.report import Report

ICON = {"reachable": "🟢 reachable", "partial": "🟠 partial", "blocked": "🔴 **blocked**", "unknown": "⚪ unknown"}


def cell(text: str) -> str:
    """Table cells cannot hold pipes or newlines."""
    return " ".join(str(text).replace("|", "\\|").split())


def render(report: Report) -> str:
    counts = report.counts()
    verdict = "❌ FAIL" if report.failed else "✅ PASS"
    out = [
        f"## palette-policy: {verdict}",
        "",
        f"{len(report.results)} paths: {counts['reachable']} reachable, {counts['partial']} partial, "
        f"{counts['blocked']} blocked, {counts['unknown']} unknown · profiles "
        f"{', '.join(p.name for p in report.profiles)} · fail-on {report.fail_on}",
        "",
        "| requirement | path | port | verdict | evidence |",
        "|---|---|---|---|---|",
    ]
    for r in report.results:
        req = r.requirement.id + ("" if r.requirement.required else " (optional)")
        out.append(
            f"| {cell(req)} | {cell(r.binding)} | {r.requirement.protocol}/{r.ports} | {ICON[r.verdict]} | "
            f"{cell(_evidence(r))} |"
        )
    for u in report.unbound:
        out.append(
            f"| {cell(u.requirement.id)} | — | {u.requirement.protocol}/{u.requirement.ports} | not checked | "
            f"no {' or '.join(u.missing)} in the topology |"
        )
    if report.findings:
        out += [
            "",
            "### Findings",
            "",
            "| | id | severity | message | location | controls |",
            "|---|---|---|---|---|---|",
        ]
        for f in report.findings:
            mark = "waived" if is_waived(f) else f.kind
            where = ", ".join(
                f"`{loc.get('file')}:{loc.get('line')}`" if loc.get("line") else f"`{loc.get('file')}`"
                for loc in f.locations[:3]
            )
            message = f.message + (f" — *{f.remediation}*" if f.remediation else "")
            if is_waived(f):
                w = f.extra["waived"]
                message += f" (waived until {w['expires']} by {w['owner']}: {w['reason']})"
            out.append(
                f"| {mark} | {f.id} | {f.severity} | {cell(message)} | {where} | {cell('; '.join(f.controls))} |"
            )
    waivers = report.waivers
    if waivers.expired or waivers.stale:
        out += ["", "### Waivers", ""]
        out += [
            f"- ⚠️ expired {w.expires.isoformat()}: `{w.id}` (owner {w.owner}, {w.file}:{w.line}) — no longer waives"
            for w in waivers.expired
        ]
        out += [f"- stale: `{w.id}` (owner {w.owner}, {w.file}:{w.line}) matches no finding" for w in waivers.stale]
    out += [
        "",
        "<details open><summary>Roles and required paths</summary>",
        "",
        "```mermaid",
        diagram.mermaid(diagram.build(report)),
        "```",
        "",
        "</details>",
    ]
    return "\n".join(out)
