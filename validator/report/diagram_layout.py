"""Where the diagram's boxes, arrows and labels go, so that no two labels overlap.

Graphviz's ``dot`` lays the graph out when it is installed (layered, crossings reduced, every edge label a
box that the ranking keeps clear of the others); the labels are laid out at a larger size than they are drawn,
so a wider browser font still fits. Without graphviz, a built-in layered layout puts roles in columns and
places each label at the first spot along its arrow that is clear of every box and label placed before it
(width estimated generously per character), spreading the columns until all fit. Both are deterministic.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from validator.report.diagram import Diagram

FONT = 12  # px, as drawn
LABEL_LAYOUT_FONT = 14  # pt, as laid out by graphviz: room for a wider font than graphviz measured
CHAR_W, LABEL_H = 7.8, 16.0  # builtin estimate of a 12px sans-serif label (generous: digits are ~7.6px)
NODE_W, NODE_H = 150.0, 46.0
MARGIN = 20.0
Rect = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass
class Placed:
    """A laid-out diagram in SVG coordinates (y down): node centres and sizes, one path and label centre per
    edge (in ``Diagram.edges`` order), and the canvas size."""

    width: float
    height: float
    nodes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)  # cx, cy, w, h
    paths: list[str] = field(default_factory=list)
    labels: list[tuple[float, float]] = field(default_factory=list)
    engine: str = "builtin"


def label_text(edge: object) -> str:
    ports = ", ".join(getattr(edge, "ports", []))
    verdict = str(getattr(edge, "verdict", ""))
    return ports + ("" if verdict == "reachable" else " " + verdict.upper())


def node_width(name: str, role: str) -> float:
    return max(NODE_W, CHAR_W * 1.1 * max(len(name), len(role)) + 24)


def place(diagram: Diagram, engine: str = "auto") -> Placed:
    """``engine``: graphviz, builtin, or auto (graphviz when ``dot`` is installed)."""
    if engine in ("auto", "graphviz"):
        found = _graphviz(diagram)
        if found is not None or engine == "graphviz":
            if found is None:
                raise RuntimeError("graphviz's dot is not installed or failed")
            return found
    return _builtin(diagram)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _graphviz(diagram: Diagram) -> Placed | None:
    dot = shutil.which("dot")
    if dot is None:
        return None
    lines = [
        "digraph palette {",
        '  graph [rankdir=LR, nodesep=0.5, ranksep=1.1, splines=true, fontname="Helvetica"];',
        '  node [shape=box, fixedsize=true, fontname="Helvetica", fontsize=12];',
        f'  edge [fontname="Helvetica", fontsize={LABEL_LAYOUT_FONT}];',
    ]
    ids = {name: f"n{i}" for i, (name, _) in enumerate(diagram.nodes)}
    for name, role in diagram.nodes:
        width = node_width(name, role) / 72
        lines.append(f'  {ids[name]} [width={width:.3f}, height={NODE_H / 72:.3f}, label=""];')
    for i, edge in enumerate(diagram.edges):
        if edge.source == edge.destination:
            # dot keeps a loop's label out of the ranking (it may land on others): route the loop through an
            # unseen node sized by its label instead, which the ranking keeps clear like any edge label
            label = f"label={_quote(label_text(edge))}, fontsize={LABEL_LAYOUT_FONT}"
            lines.append(f"  l{i} [shape=plaintext, fixedsize=false, {label}];")
            lines.append(f"  {ids[edge.source]} -> l{i} [id=e{i}, arrowhead=none];")
            lines.append(f"  l{i} -> {ids[edge.source]} [id=f{i}];")
            continue
        lines.append(f"  {ids[edge.source]} -> {ids[edge.destination]} [id=e{i}, label={_quote(label_text(edge))}];")
    lines.append("}")
    try:
        proc = subprocess.run([dot, "-Tjson"], input="\n".join(lines), capture_output=True, text=True, timeout=60)
        doc = json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError):
        doc = None
    if not doc:
        return None
    _, _, right, top = (float(v) for v in doc["bb"].split(","))

    def point(text: str) -> tuple[float, float]:
        x, y = (float(v) for v in text.split(",")[-2:])
        return x + MARGIN, top - y + MARGIN  # graphviz's y grows upwards

    placed = Placed(right + 2 * MARGIN, top + 2 * MARGIN, engine="graphviz")
    by_id = {o["name"]: o for o in doc.get("objects", [])}
    for name, role in diagram.nodes:
        x, y = point(by_id[ids[name]]["pos"])
        placed.nodes[name] = (x, y, node_width(name, role), NODE_H)
    edges = {e["id"]: e for e in doc.get("edges", [])}

    def path(found: dict[str, str]) -> str:
        parts = found["pos"].split()
        tip = point(parts[0][2:]) if parts[0].startswith("e,") else None
        spline = [point(p) for p in parts if not p.startswith(("e,", "s,"))]
        d = f"M{spline[0][0]:.1f},{spline[0][1]:.1f}"
        for j in range(1, len(spline) - 2, 3):
            d += " C" + " ".join(f"{x:.1f},{y:.1f}" for x, y in spline[j : j + 3])
        if tip is not None:
            d += f" L{tip[0]:.1f},{tip[1]:.1f}"
        return d

    loops = {o["name"]: o for o in doc.get("objects", []) if str(o.get("name", "")).startswith("l")}
    for i in range(len(diagram.edges)):
        if f"f{i}" in edges:  # a loop: out to its label's node and back
            placed.paths.append(path(edges[f"e{i}"]) + " " + path(edges[f"f{i}"]))
            placed.labels.append(point(loops[f"l{i}"]["pos"]))
            continue
        placed.paths.append(path(edges[f"e{i}"]))
        placed.labels.append(point(edges[f"e{i}"]["lp"]))
    return placed


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


def _builtin(diagram: Diagram) -> Placed:
    for spread in (1.0, 1.4, 1.9, 2.6, 3.5, 5.0):
        placed = _columns(diagram, spread)
        if _label_everything(diagram, placed, last=spread == 5.0):
            return placed
    raise AssertionError("unreachable: the last spread stacks labels below the drawing")


def _columns(diagram: Diagram, spread: float) -> Placed:
    columns: dict[int, list[tuple[str, str]]] = {}
    for name, role in diagram.nodes:
        columns.setdefault(ROLE_COLUMN.get(role, 2), []).append((name, role))
    used = sorted(columns)
    widths = [max(node_width(n, r) for n, r in columns[c]) for c in used]
    tallest = max((len(v) for v in columns.values()), default=1)
    widest = max((CHAR_W * len(label_text(e)) for e in diagram.edges), default=0.0)
    col_gap, row_gap = max(170.0, widest + 40.0) + 60.0 * (spread - 1), 74.0 * spread
    placed = Placed(0.0, 0.0)
    left = MARGIN + 60.0 * spread  # room above and beside for arcs and loops
    for index, col in enumerate(used):
        names = columns[col]
        top = MARGIN + 60.0 * spread + (tallest - len(names)) * (NODE_H + row_gap) / 2
        for row, (name, role) in enumerate(names):
            placed.nodes[name] = (
                left + widths[index] / 2,
                top + NODE_H / 2 + row * (NODE_H + row_gap),
                node_width(name, role),
                NODE_H,
            )
        left += widths[index] + col_gap
    placed.width = left - col_gap + MARGIN + 60.0 * spread
    placed.height = MARGIN * 2 + 120.0 * spread + tallest * NODE_H + (tallest - 1) * row_gap
    return placed


def _anchor(x: float, y: float, w: float, h: float, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from a box's centre towards (tx, ty) leaves the box."""
    dx, dy = tx - x, ty - y
    if dx == 0 and dy == 0:
        return x, y
    scale = min((w / 2) / abs(dx) if dx else math.inf, (h / 2) / abs(dy) if dy else math.inf)
    return x + dx * scale, y + dy * scale


def _curve(diagram: Diagram, placed: Placed, index: int) -> tuple[str, list[tuple[float, float]]]:
    """The arrow of edge ``index`` as a path and points along it where its label may go."""
    edge = diagram.edges[index]
    x1, y1, w1, h1 = placed.nodes[edge.source]
    x2, y2, w2, h2 = placed.nodes[edge.destination]
    if edge.source == edge.destination:  # a loop on the right of the box
        rx = x1 + w1 / 2
        d = f"M{rx:.1f},{y1 - 12:.1f} C{rx + 70:.1f},{y1 - 45:.1f} {rx + 70:.1f},{y1 + 45:.1f} {rx:.1f},{y1 + 12:.1f}"
        width = CHAR_W * len(label_text(edge))
        side = [(rx + 62 + width / 2, y1 + dy) for dy in (0.0, -20.0, 20.0)]
        stacked = [(x1, y1 + sign * (h1 / 2 + LABEL_H / 2 + 6 + k * 18)) for k in range(3) for sign in (-1, 1)]
        return d, side + stacked
    pairs = {(e.source, e.destination) for e in diagram.edges}
    dist = math.hypot(x2 - x1, y2 - y1) or 1.0
    nx, ny = -(y2 - y1) / dist, (x2 - x1) / dist
    bow = 28.0 if (edge.destination, edge.source) in pairs else 0.0
    cx, cy = (x1 + x2) / 2 + nx * bow, (y1 + y2) / 2 + ny * bow
    between = [n for n, (x, _, _, _) in placed.nodes.items() if min(x1, x2) + 1 < x < max(x1, x2) - 1]
    if abs(x1 - x2) < 1:  # same column: bow out to the side
        cx += 110.0 * (1 if y2 > y1 else -1)
    elif between:  # arc over the columns in between instead of crossing their boxes
        cy = min(y1, y2) - 70.0 - 25.0 * (index % 3)
    sx, sy = _anchor(x1, y1, w1, h1, cx, cy)
    ex, ey = _anchor(x2, y2, w2, h2, cx, cy)
    d = f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}"

    def at(t: float) -> tuple[float, float]:
        return (
            (1 - t) ** 2 * sx + 2 * (1 - t) * t * cx + t * t * ex,
            (1 - t) ** 2 * sy + 2 * (1 - t) * t * cy + t * t * ey,
        )

    spots = [at(t) for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)]
    return d, [(x, y + dy) for dy in (0.0, -18.0, 18.0, -36.0, 36.0, -54.0, 54.0) for x, y in spots]


def _rect(cx: float, cy: float, w: float, h: float, pad: float = 0.0) -> Rect:
    return (cx - w / 2 - pad, cy - h / 2 - pad, cx + w / 2 + pad, cy + h / 2 + pad)


def _clear(rect: Rect, taken: list[Rect]) -> bool:
    return all(rect[2] <= o[0] or o[2] <= rect[0] or rect[3] <= o[1] or o[3] <= rect[1] for o in taken)


def _label_everything(diagram: Diagram, placed: Placed, last: bool) -> bool:
    taken = [_rect(*box, pad=4.0) for box in placed.nodes.values()]
    placed.paths, placed.labels = [], []
    for index, edge in enumerate(diagram.edges):
        d, spots = _curve(diagram, placed, index)
        width = CHAR_W * len(label_text(edge))
        boxes = [(s, _rect(s[0], s[1], width, LABEL_H, 3.0)) for s in spots]
        spot = next((s for s, box in boxes if box[0] >= 0 and box[1] >= 0 and _clear(box, taken)), None)
        if spot is None:
            if not last:
                return False
            spot = (MARGIN + width / 2, placed.height + LABEL_H)  # stacked below the drawing, one per line
            placed.height += LABEL_H + 6
        taken.append(_rect(spot[0], spot[1], width, LABEL_H, 3.0))
        placed.paths.append(d)
        placed.labels.append(spot)
        placed.width = max(placed.width, spot[0] + width / 2 + MARGIN)
        placed.height = max(placed.height, spot[1] + LABEL_H + MARGIN)
    return True
