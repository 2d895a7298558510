"""A self-contained HTML report for auditors: no external assets, the diagram as inline SVG.

Deterministic (no timestamps; the evidence bundle's manifest carries the time), so two runs on the same
inputs give byte-identical files.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from validator import __version__
from validator.model.waivers import is_waived
from validator.report import diagram
from validator.report.text import _evidence

if TYPE_CHECKING:
    from validator.model.report import Report

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;width:100%;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;
vertical-align:top;font-size:14px}th{background:#f0f3f7}.reachable{color:#2e7d32}.blocked{color:#d32f2f;font-weight:bold}
.partial{color:#b26a00;font-weight:bold}.unknown{color:#616161;font-weight:bold}.pass{color:#2e7d32}.fail{color:#d32f2f}
.waived{color:#6a1b9a}code{font-size:13px}.legend span{margin-right:1.5em}
"""


def _hops(report: Report) -> list[str]:
    """Per path, every hop and layer with its decision and the rules that decided: the audit trail."""
    e = escape
    out = []
    for r in report.results:
        items = []
        for hop in r.hops:
            layers = []
            for layer in hop.layers:
                rules = [f"allowed by {e(x.text)} ({e(x.source.location())})" for x in layer.allowed_by[:5]]
                rules += [f"blocked by {e(x.text)} ({e(x.source.location())})" for x in layer.blocked_by[:5]]
                rules += [f"nearest: {e(x.text)} ({e(x.source.location())})" for x in layer.near_misses[:2]]
                rules += [f"unknown: {e(x)}" for x in layer.unknown_because[:3]]
                layers.append(
                    f"<li>{e(layer.layer)}: <b>{e(layer.decision)}</b> — {e(layer.message)}"
                    + (f"<ul>{''.join(f'<li>{x}</li>' for x in rules)}</ul>" if rules else "")
                    + "</li>"
                )
            items.append(
                f'<li>{e(hop.source)} → {e(hop.destination)}: <span class="{hop.verdict}">{hop.verdict}'
                f"</span><ul>{''.join(layers) or '<li>NOT CHECKED: no enforcement point on the way</li>'}</ul></li>"
            )
        opened = "" if r.verdict == "reachable" else " open"
        out.append(
            f'<details class="trail"{opened}><summary>{e(r.requirement.id)}: {e(r.binding)} '
            f'<span class="{r.verdict}">{r.verdict}</span></summary><ul>{"".join(items)}</ul></details>'
        )
    return out


def render(report: Report) -> str:
    e = escape
    counts = report.counts()
    status = "FAIL" if report.failed else "PASS"
    rows = []
    for r in report.results:
        req = r.requirement
        rows.append(
            f'<tr class="path" data-verdict="{r.verdict}"><td>{e(req.id)}'
            f"{'' if req.required else ' <em>(optional)</em>'}</td><td>{e(r.binding)}</td>"
            f'<td>{e(req.protocol)}/{e(str(r.ports))}</td><td class="{r.verdict}">{r.verdict}</td>'
            f"<td>{e(req.purpose)}</td><td>{e(_evidence(r))}</td></tr>"
        )
    for u in report.unbound:
        rows.append(
            f'<tr class="unbound"><td>{e(u.requirement.id)}</td><td>—</td>'
            f"<td>{e(u.requirement.protocol)}/{e(str(u.requirement.ports))}</td><td>not checked</td>"
            f"<td>{e(u.requirement.purpose)}</td><td>no {e(' or '.join(u.missing))} in the topology</td></tr>"
        )
    findings = []
    for f in report.findings:
        where = "<br>".join(
            e(f"{loc.get('file')}:{loc.get('line')}" if loc.get("line") else str(loc.get("file")))
            + (f" <code>{e(str(loc['resource']))}</code>" if loc.get("resource") else "")
            for loc in f.locations
        )
        waived = ""
        if is_waived(f):
            w = f.extra["waived"]
            waived = (
                f'<div class="waived">waived until {e(w["expires"])} by {e(w["owner"])}: {e(w["reason"])} '
                f"({e(w['source'])})</div>"
            )
        kind = "waived" if is_waived(f) else f.kind
        findings.append(
            f'<tr class="finding" data-kind="{kind}"><td class="{"waived" if is_waived(f) else ""}">'
            f"{kind}</td><td>{e(f.id)}</td><td>{e(f.severity)}</td><td>{e(f.message)}{waived}</td>"
            f"<td>{e(f.remediation)}</td><td>{where}</td>"
            f"<td>{'<br>'.join(e(c) for c in f.controls)}</td></tr>"
        )
    waiver_rows = [
        f"<li>expired {e(w.expires.isoformat())}: <code>{e(w.id)}</code> (owner {e(w.owner)}, "
        f"{e(w.file)}:{w.line}) — no longer waives</li>"
        for w in report.waivers.expired
    ]
    waiver_rows += [
        f"<li>stale: <code>{e(w.id)}</code> (owner {e(w.owner)}, {e(w.file)}:{w.line}) matches no finding</li>"
        for w in report.waivers.stale
    ]
    legend = "".join(f'<span style="color:{c}">&#9632; {v}</span>' for v, c in diagram.COLOURS.items())
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>palette-policy report: {status}</title>",
        f"<style>{STYLE}</style></head><body>",
        f'<h1>palette-policy report: <span class="{status.lower()}" id="status">{status}</span></h1>',
        f"<p>{len(report.results)} paths: {counts['reachable']} reachable, {counts['partial']} partial, "
        f"{counts['blocked']} blocked, {counts['unknown']} unknown; profiles "
        f"{e(', '.join(p.name for p in report.profiles))}; fail-on {e(report.fail_on)}. Scanned "
        f"<code>{e(report.root)}</code>, topology <code>{e(report.topology.path if report.topology else '-')}</code>; "
        f"palette-policy {__version__}, "
        f"engine {e(report.engine['name'])} {e(report.engine['version'])}, policy bundle sha256 "
        f"<code>{report.policy_digest}</code>.</p>",
        "<h2>Roles and required paths</h2>",
        f'<p class="legend">{legend} (dashed: optional only)</p>',
        diagram.svg(diagram.build(report)),
        "<h2>Verdicts</h2>",
        '<table id="verdicts"><thead><tr><th>requirement</th><th>path</th><th>port</th>'
        "<th>verdict</th><th>purpose</th><th>evidence</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
        "<h2>Findings</h2>",
    ]
    if findings:
        parts += [
            '<table id="findings"><thead><tr><th>kind</th><th>id</th><th>severity</th><th>message</th>'
            "<th>remediation</th><th>location</th><th>controls</th></tr></thead><tbody>",
            *findings,
            "</tbody></table>",
        ]
    else:
        parts.append("<p>No findings.</p>")
    if waiver_rows:
        parts += ["<h2>Waivers</h2>", "<ul>", *waiver_rows, "</ul>"]
    parts += ["<h2>Evidence per path</h2>", *_hops(report)]
    parts.append("</body></html>")
    return "\n".join(parts)
