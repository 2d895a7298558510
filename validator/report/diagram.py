"""The picture of a run: roles as nodes, required paths as edges coloured by verdict.

One edge per (source, destination) pair, carrying the worst verdict of its required paths and the ports;
both the Mermaid (Markdown) and the inline SVG (HTML) renderers draw from this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from validator.model.results import VERDICT_ORDER

if TYPE_CHECKING:
    from validator.model.report import Report

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


# Columns left to right: who starts the traffic, the platform, the clusters, what they all depend on.
ROLE_COLUMN = {
    "browser": 0,
    "management": 1,
    "workload": 2,
    "workload-control-plane": 2,
    "workload-api": 3,
    "vcenter": 3,
    "registry": 3,
}
NODE_W, NODE_H, COL_GAP, ROW_GAP = 150, 46, 300, 120


def layout(diagram: Diagram) -> dict[str, tuple[float, float]]:
    """Nodes in role columns, stacked in name order: deterministic and readable for a handful of roles."""
    columns: dict[int, list[str]] = {}
    for name, role in diagram.nodes:
        columns.setdefault(ROLE_COLUMN.get(role, 2), []).append(name)
    used = sorted(columns)
    tallest = max((len(v) for v in columns.values()), default=1)
    pos = {}
    for index, col in enumerate(used):
        names = columns[col]
        top = 40 + 30 * max(len(used) - 2, 0) + (tallest - len(names)) * ROW_GAP / 2
        for row, name in enumerate(names):
            pos[name] = (40 + NODE_W / 2 + index * COL_GAP, top + NODE_H / 2 + row * ROW_GAP)
    return pos


def _anchor(x: float, y: float, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from a node's centre towards (tx, ty) leaves its box."""
    dx, dy = tx - x, ty - y
    if dx == 0 and dy == 0:
        return x, y
    scale = min((NODE_W / 2) / abs(dx) if dx else float("inf"), (NODE_H / 2) / abs(dy) if dy else float("inf"))
    return x + dx * scale, y + dy * scale


def svg(diagram: Diagram) -> str:
    """A self-contained SVG: role columns, one curved arrow per pair coloured by verdict, labels with a halo."""
    pos = layout(diagram)
    width = int(max((x for x, _ in pos.values()), default=0) + NODE_W / 2 + 40)
    height = int(max((y for _, y in pos.values()), default=0) + NODE_H / 2 + 40)
    pairs = {(e.source, e.destination) for e in diagram.edges}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="diagram" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        "<title>Palette roles and required paths</title>",
        "<defs>",
    ]
    for verdict, colour in COLOURS.items():
        out.append(
            f'<marker id="arrow-{verdict}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/>'
            "</marker>"
        )
    out.append("</defs>")
    labels: list[str] = []
    right = float(width)
    for i, edge in enumerate(diagram.edges):
        (x1, y1), (x2, y2) = pos[edge.source], pos[edge.destination]
        colour = COLOURS[edge.verdict]
        text = escape(", ".join(edge.ports)) + ("" if edge.verdict == "reachable" else " " + edge.verdict.upper())
        anchor = "middle"
        if edge.source == edge.destination:  # within one role (e.g. node to node): a loop on the right
            rx = x1 + NODE_W / 2
            d = (
                f"M{rx:.1f},{y1 - 12:.1f} C{rx + 70:.1f},{y1 - 45:.1f} {rx + 70:.1f},{y1 + 45:.1f} "
                f"{rx:.1f},{y1 + 12:.1f}"
            )
            lx, ly, anchor = rx + 58, y1 + 4, "start"
        elif abs(x1 - x2) < 1:  # same column: bow out to the right (down) or the left (up)
            side = 1 if y2 > y1 else -1
            ex_ = x1 + side * NODE_W / 2
            cx = ex_ + side * 90
            d = f"M{ex_:.1f},{y1:.1f} Q{cx:.1f},{(y1 + y2) / 2:.1f} {ex_:.1f},{y2:.1f}"
            lx, ly, anchor = ex_ + side * 48, (y1 + y2) / 2 + 4, "start" if side > 0 else "end"
        else:
            dist = math.hypot(x2 - x1, y2 - y1) or 1.0
            nx, ny = -(y2 - y1) / dist, (x2 - x1) / dist  # unit normal
            bow = 28.0 if (edge.destination, edge.source) in pairs else 0.0
            cx, cy = (x1 + x2) / 2 + nx * bow, (y1 + y2) / 2 + ny * bow
            span = round(abs(x2 - x1) / COL_GAP)
            if span > 1:  # arc over the columns in between instead of crossing their nodes
                cy -= 55 * span + (12 if y2 < y1 else 0)
            sx, sy = _anchor(x1, y1, cx, cy)
            ex, ey = _anchor(x2, y2, cx, cy)
            d = f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}"
            t = 0.5 if i % 2 == 0 else 0.4  # stagger labels of neighbouring edges
            lx = (1 - t) ** 2 * sx + 2 * (1 - t) * t * cx + t * t * ex
            ly = (1 - t) ** 2 * sy + 2 * (1 - t) * t * cy + t * t * ey - 5
        dash = ' stroke-dasharray="6 4"' if edge.optional else ""
        out.append(
            f'<path class="edge edge-{edge.verdict}" data-source="{escape(edge.source)}" '
            f'data-destination="{escape(edge.destination)}" data-verdict="{edge.verdict}" '
            f'd="{d}" fill="none" stroke="{colour}" '
            f'stroke-width="3"{dash} marker-end="url(#arrow-{edge.verdict})"/>'
        )
        plain = len(", ".join(edge.ports)) + 10
        right = max(right, lx + 6.5 * plain if anchor == "start" else lx + 3.3 * plain)
        labels.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" fill="{colour}" '
            f'stroke="#fff" stroke-width="4" paint-order="stroke">{text}</text>'
        )
    for name, role in diagram.nodes:
        x, y = pos[name]
        out.append(
            f'<g class="node" data-name="{escape(name)}"><rect x="{x - NODE_W / 2:.1f}" '
            f'y="{y - NODE_H / 2:.1f}" width="{NODE_W}" height="{NODE_H}" rx="8" fill="#eef2f7" '
            'stroke="#34495e" stroke-width="2"/>'
            f'<text x="{x:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-weight="bold">{escape(name)}</text>'
            f'<text x="{x:.1f}" y="{y + 13:.1f}" text-anchor="middle" fill="#555">{escape(role)}</text></g>'
        )
    out.extend(labels)  # labels last, so no line crosses them
    out.append("</svg>")
    if right > width:  # widen the canvas for labels that run past the last column
        grown = int(right + 10)
        out[0] = out[0].replace(
            f'viewBox="0 0 {width} {height}" width="{width}"', f'viewBox="0 0 {grown} {height}" width="{grown}"'
        )
    return "\n".join(out)
