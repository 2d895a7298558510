"""The HTML report's diagram in a real headless Chromium: on every fixture, on a network with several clusters
and on a generated enterprise-sized one, with graphviz's layout and with the built-in one, no two edge labels
intersect (boxes measured by the browser with getBBox), no label sits on a role's box, and every label is
inside the picture."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from report_helpers import FIXTURES, ROOT
from test_html_chromium import CHROMIUM, chromium, needs_chromium

from validator.cli.pipeline import Options, run
from validator.report import diagram

ENGINES = ["builtin", *(["graphviz"] if shutil.which("dot") else [])]
MEASURE = """
<script>
const overlap = (a, b) => Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0.5
  && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0.5;
const found = [];
for (const svg of document.querySelectorAll('svg')) {
  const name = svg.parentElement.id, view = svg.viewBox.baseVal;
  const labels = [...svg.querySelectorAll('text.edge-label')].map(t => [t.textContent, t.getBBox()]);
  const boxes = [...svg.querySelectorAll('g.node rect')].map(r => [r.parentElement.dataset.name, r.getBBox()]);
  labels.forEach(([text, box], i) => {
    if (box.width <= 0) found.push([name, 'not drawn', text]);
    if (box.x < 0 || box.y < 0 || box.x + box.width > view.width || box.y + box.height > view.height)
      found.push([name, 'outside the picture', text]);
    labels.slice(i + 1).forEach(([other, b]) => { if (overlap(box, b)) found.push([name, text, other]); });
    boxes.forEach(([node, b]) => { if (overlap(box, b)) found.push([name, text, 'box ' + node]); });
  });
  found.push([name, 'labels', labels.length]);
}
document.body.setAttribute('data-found', JSON.stringify(found));
</script>
"""


def _several_clusters(tmp_path: Path) -> Path:
    """Two more workload clusters beside prod, vCenter and registries: the case whose labels used to collide."""
    net = tmp_path / "several-clusters"
    shutil.copytree(FIXTURES / "self-hosted-ok", net)
    topology = net / "palette-network.yaml"
    topology.write_text(
        topology.read_text().replace("profiles: [self-hosted]", "profiles: [self-hosted, kubernetes]")
        + "  - name: staging\n    nodes: [10.20.2.0/24]\n    security_groups: [palette-workers]\n"
        "    api: 10.20.2.10:6443\n"
        "  - name: edge-site-with-a-long-name\n    nodes: [10.20.3.0/24]\n    api: 10.20.3.10:6443\n",
        encoding="utf-8",
    )
    return net


@cache
def _generated() -> Path:
    out = ROOT / ".cache" / "diagram-networks" / "S"
    if not (out / "palette-network.yaml").exists():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--size", "S", "--out", str(out)], check=True
        )
    return out


def _networks(tmp_path: Path) -> dict[str, Path]:
    found = {p.name: p for p in sorted(FIXTURES.iterdir()) if (p / "palette-network.yaml").is_file()}
    found["several-clusters"] = _several_clusters(tmp_path)
    found["generated-S"] = _generated()
    return found


@needs_chromium
@pytest.mark.parametrize("engine", ENGINES)
def test_no_two_labels_intersect_in_chromium(tmp_path: Path, engine: str) -> None:
    networks = _networks(tmp_path)
    figures = []
    for name, path in networks.items():
        picture = diagram.svg(diagram.build(run(Options(path=path))), engine=engine)
        assert f'data-layout="{engine}"' in picture
        figures.append(f'<div id="{name}">{picture}</div>')
    page = tmp_path / "diagrams.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        + "".join(figures)
        + MEASURE
        + "</body></html>",
        encoding="utf-8",
    )
    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    match = re.search(r"data-found=\"([^\"]*)\"", dom.stdout)
    assert match, dom.stdout[:500]
    found = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    counts = {name: n for name, what, n in found if what == "labels"}
    assert set(counts) == set(networks) and counts["generated-S"] >= 50 and counts["several-clusters"] >= 8
    problems = [f for f in found if f[1] != "labels"]
    assert not problems, problems[:20]


def test_layout_is_deterministic_and_self_contained() -> None:
    report = run(Options(path=FIXTURES / "self-hosted-no-6443"))
    for engine in ENGINES:
        first = diagram.svg(diagram.build(report), engine=engine)
        assert first == diagram.svg(diagram.build(report), engine=engine)
        assert not re.search(r"<(script|image|foreignObject)\b|href=", first)


def test_without_graphviz_the_builtin_layout_is_used(monkeypatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, **kw: None)
    picture = diagram.svg(diagram.build(run(Options(path=FIXTURES / "saas-ok"))))
    assert 'data-layout="builtin"' in picture


def test_chromium_is_what_measures() -> None:
    assert CHROMIUM is None or Path(CHROMIUM).exists()
