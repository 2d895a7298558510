"""The connlist in netpol-analyzer's formats: txt, json, csv, md, dot.

The txt form is line-compatible with np-guard's ``k8snetlint list`` so results can be diffed against it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from validator.model.connections import Connection

FORMATS = ("table", "json", "csv", "markdown", "dot")


def to_txt(conns: list[Connection]) -> str:
    return "".join(f"{c.src} => {c.dst} : {c.conn}\n" for c in conns)


def to_json(conns: list[Connection]) -> str:
    return json.dumps([c.to_json() for c in conns], indent=2) + "\n"


def to_csv(conns: list[Connection]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["src", "dst", "conn"])
    for c in conns:
        writer.writerow([c.src, c.dst, str(c.conn)])
    return buf.getvalue()


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_md(conns: list[Connection]) -> str:
    lines = ["| src | dst | conn |", "|-----|-----|------|"]
    lines += [f"| {_md_cell(c.src)} | {_md_cell(c.dst)} | {_md_cell(str(c.conn))} |" for c in conns]
    return "\n".join(lines) + "\n"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(conns: list[Connection]) -> str:
    nodes: dict[str, bool] = {}
    for c in conns:
        nodes[c.src] = c.src_external
        nodes[c.dst] = c.dst_external
    lines = ["digraph {"]
    for name in sorted(nodes):
        color = "red2" if nodes[name] else "blue"
        lines.append(f'\t{_dot_id(name)} [label={_dot_id(name)} color="{color}" fontcolor="{color}"]')
    for c in conns:
        lines.append(
            f'\t{_dot_id(c.src)} -> {_dot_id(c.dst)} [label={_dot_id(str(c.conn))} color="gold2" fontcolor="darkgreen"]'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[list[Connection]], str]] = {  # keys: commands.connectivity.FORMATS
    "table": to_txt,
    "json": to_json,
    "csv": to_csv,
    "markdown": to_md,
    "dot": to_dot,
}


def render(conns: list[Connection], fmt: str) -> str:
    return RENDERERS[fmt](conns)
