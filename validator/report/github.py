"""GitHub Actions workflow commands: ``::error file=…,line=…,title=…::message`` per finding.

Escaping follows the runner's rules: in the message ``%``, CR and LF become %25, %0D, %0A; in property
values ``:`` and ``,`` are escaped too (%3A, %2C). Paths are repository-relative like SARIF's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from validator.model.waivers import is_waived
from validator.report.paths import repo_path, repo_prefix

if TYPE_CHECKING:
    from validator.model.report import Report

LEVEL = {"deny": "error", "warn": "warning"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **props: str | int | None) -> str:
    fields = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v not in (None, ""))
    return f"::{level}{(' ' + fields) if fields else ''}::{escape_data(message)}"


def render(report: Report, root: Path | None = None) -> str:
    prefix = repo_prefix(report.root, root)
    lines = []
    for f in report.findings:
        loc: dict[str, Any] = next((x for x in f.locations if x.get("file")), {"file": report.topology_file, "line": 1})
        path, _ = repo_path(str(loc["file"]), prefix, report.root)
        message = f.message
        if f.remediation:
            message += f"\nRemediation: {f.remediation}"
        if f.controls:
            message += f"\nControls: {'; '.join(f.controls)}"
        level = LEVEL.get(f.kind, "warning")
        title = f"{f.id} [{f.severity}] {f.title}"
        if is_waived(f):
            w = f.extra["waived"]
            level = "notice"
            title = f"WAIVED {title}"
            message += f"\nWaived until {w['expires']} by {w['owner']}: {w['reason']}"
        lines.append(command(level, message, file=path, line=loc.get("line"), col=loc.get("column"), title=title))
    for w in report.waivers.expired:
        lines.append(
            command(
                "warning",
                f"waiver for {w.id} expired on {w.expires.isoformat()} (owner {w.owner}); it no longer waives anything",
                file=w.file,
                line=w.line,
                title="expired waiver",
            )
        )
    for w in report.waivers.stale:
        lines.append(
            command(
                "notice",
                f"waiver for {w.id} matches no finding; remove it",
                file=w.file,
                line=w.line,
                title="stale waiver",
            )
        )
    counts = report.counts()
    summary = (
        f"{len(report.results)} paths: {counts['reachable']} reachable, {counts['partial']} partial, "
        f"{counts['blocked']} blocked, {counts['unknown']} unknown; "
        f"{'FAIL' if report.failed else 'PASS'} (fail-on {report.fail_on})"
    )
    lines.append(command("notice", summary, title="palette-policy"))
    return "\n".join(lines)
