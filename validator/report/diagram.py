"""The picture of a run: roles as nodes, required paths as edges coloured by verdict.

One edge per (source, destination) pair, carrying the worst verdict of its required paths and the ports;
both the Mermaid (Markdown) and the inline SVG (HTML) renderers draw from this; where the SVG's boxes and
labels go is ``diagram_layout``'s job.
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


def svg(diagram: Diagram, engine: str = "auto") -> str:
    """A self-contained SVG: one box per role, one arrow per pair coloured by verdict, labels with a halo,
    laid out by ``diagram_layout`` (graphviz when installed) so that no two labels overlap."""
    from validator.report.diagram_layout import FONT, label_text, place

    placed = place(diagram, engine)
    width, height = math.ceil(placed.width), math.ceil(placed.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="diagram" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="sans-serif" font-size="{FONT}" '
        f'data-layout="{placed.engine}">',
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
    for name, role in diagram.nodes:
        x, y, w, h = placed.nodes[name]
        out.append(
            f'<g class="node" data-name="{escape(name)}"><rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" '
            f'width="{w:.1f}" height="{h:.1f}" rx="8" fill="#eef2f7" stroke="#34495e" stroke-width="2"/>'
            f'<text x="{x:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-weight="bold">{escape(name)}</text>'
            f'<text x="{x:.1f}" y="{y + 13:.1f}" text-anchor="middle" fill="#555">{escape(role)}</text></g>'
        )
    labels = []
    for edge, d, (lx, ly) in zip(diagram.edges, placed.paths, placed.labels, strict=True):
        colour = COLOURS[edge.verdict]
        dash = ' stroke-dasharray="6 4"' if edge.optional else ""
        out.append(
            f'<path class="edge edge-{edge.verdict}" data-source="{escape(edge.source)}" '
            f'data-destination="{escape(edge.destination)}" data-verdict="{edge.verdict}" '
            f'd="{d}" fill="none" stroke="{colour}" stroke-width="3"{dash} marker-end="url(#arrow-{edge.verdict})"/>'
        )
        labels.append(
            f'<text class="edge-label" x="{lx:.1f}" y="{ly + FONT * 0.35:.1f}" text-anchor="middle" '
            f'fill="{colour}" stroke="#fff" stroke-width="4" paint-order="stroke">{escape(label_text(edge))}</text>'
        )
    out.extend(labels)  # labels last, so no line crosses them
    out.append("</svg>")
    return "\n".join(out)
