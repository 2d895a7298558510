"""The picture of a run: roles as nodes, required paths as edges coloured by verdict.

One edge per (source, destination) pair, carrying the worst verdict of its required paths and the ports;
both the Mermaid (Markdown) and the inline SVG (HTML) renderers draw from this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from ..reach import VERDICT_ORDER

if TYPE_CHECKING:
    from ..pipeline import Report

COLOURS = {"reachable": "#2e7d32", "partial": "#f59e0b", "blocked": "#d32f2f", "unknown": "#757575"}


@dataclass
class Edge:
    source: str
    destination: str
    verdict: str
    ports: list[str] = field(default_factory=list)
    optional: bool = True


@dataclass
class Diagram:
    nodes: list[tuple[str, str]]  # (endpoint name, role)
    edges: list[Edge]


def build(report: Report) -> Diagram:
    """Edge verdict: the worst of its required paths; an edge with only optional paths is drawn dashed."""
    roles: dict[str, str] = {}
    verdicts: dict[tuple[str, str], dict[bool, list[str]]] = {}
    ports: dict[tuple[str, str], list[str]] = {}
    for r in report.results:
        roles.setdefault(r.source.name, r.requirement.source)
        roles.setdefault(r.destination.name, r.requirement.destination)
        key = (r.source.name, r.destination.name)
        verdicts.setdefault(key, {True: [], False: []})[r.requirement.required].append(r.verdict)
        label = f"{r.requirement.protocol}/{r.ports}" + ("" if r.requirement.required else " (optional)")
        if label not in ports.setdefault(key, []):
            ports[key].append(label)
    edges = []
    for key in sorted(verdicts):
        required = verdicts[key][True]
        pool = required or verdicts[key][False]
        worst = max(pool, key=VERDICT_ORDER.__getitem__)
        edges.append(Edge(key[0], key[1], worst, ports[key], optional=not required))
    return Diagram(sorted(roles.items()), edges)


def _mermaid_id(name: str, ids: dict[str, str]) -> str:
    return ids.setdefault(name, f"n{len(ids)}")


def mermaid(diagram: Diagram) -> str:
    ids: dict[str, str] = {}
    lines = ["flowchart LR"]
    for name, role in diagram.nodes:
        label = f"{name}<br/><i>{role}</i>".replace('"', "'")
        lines.append(f'  {_mermaid_id(name, ids)}["{label}"]')
    styles = []
    for i, edge in enumerate(diagram.edges):
        arrow = "-.->" if edge.optional else "-->"
        label = ", ".join(edge.ports).replace('"', "'") + f" {edge.verdict}"
        lines.append(f'  {_mermaid_id(edge.source, ids)} {arrow}|"{label}"| {_mermaid_id(edge.destination, ids)}')
        styles.append(f"  linkStyle {i} stroke:{COLOURS[edge.verdict]},stroke-width:3px,color:{COLOURS[edge.verdict]}")
    return "\n".join(lines + styles)


def svg(diagram: Diagram, width: int = 760, height: int = 520) -> str:
    """A self-contained SVG: nodes on a circle, straight (or bowed, for two-way pairs) labelled edges."""
    n = max(len(diagram.nodes), 1)
    cx, cy, radius = width / 2, height / 2, min(width, height) / 2 - 80
    pos = {}
    for i, (name, _) in enumerate(diagram.nodes):
        angle = math.pi + 2 * math.pi * i / n
        pos[name] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    pairs = {(e.source, e.destination) for e in diagram.edges}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="diagram" role="img" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           "<title>Palette roles and required paths</title>", "<defs>"]
    for verdict, colour in COLOURS.items():
        out.append(f'<marker id="arrow-{verdict}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
                   f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/>'
                   "</marker>")
    out.append("</defs>")
    node_r = 46
    for edge in diagram.edges:
        (x1, y1), (x2, y2) = pos[edge.source], pos[edge.destination]
        dx, dy = x2 - x1, y2 - y1
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist
        sx, sy, ex, ey = x1 + ux * node_r, y1 + uy * node_r, x2 - ux * node_r, y2 - uy * node_r
        bow = 40 if (edge.destination, edge.source) in pairs else 0
        mx, my = (sx + ex) / 2 - uy * bow, (sy + ey) / 2 + ux * bow
        colour = COLOURS[edge.verdict]
        dash = ' stroke-dasharray="6 4"' if edge.optional else ""
        out.append(f'<path class="edge edge-{edge.verdict}" data-source="{escape(edge.source)}" '
                   f'data-destination="{escape(edge.destination)}" data-verdict="{edge.verdict}" '
                   f'd="M{sx:.1f},{sy:.1f} Q{mx:.1f},{my:.1f} {ex:.1f},{ey:.1f}" fill="none" stroke="{colour}" '
                   f'stroke-width="3"{dash} marker-end="url(#arrow-{edge.verdict})"/>')
        lx, ly = (sx + 2 * mx + ex) / 4, (sy + 2 * my + ey) / 4
        out.append(f'<text x="{lx:.1f}" y="{ly - 4:.1f}" text-anchor="middle" fill="{colour}">'
                   f'{escape(", ".join(edge.ports))} {edge.verdict}</text>')
    for name, role in diagram.nodes:
        x, y = pos[name]
        out.append(f'<g class="node" data-name="{escape(name)}"><circle cx="{x:.1f}" cy="{y:.1f}" r="{node_r}" '
                   'fill="#eef2f7" stroke="#34495e" stroke-width="2"/>'
                   f'<text x="{x:.1f}" y="{y - 2:.1f}" text-anchor="middle" font-weight="bold">{escape(name)}</text>'
                   f'<text x="{x:.1f}" y="{y + 14:.1f}" text-anchor="middle" fill="#555">{escape(role)}</text></g>')
    out.append("</svg>")
    return "\n".join(out)
