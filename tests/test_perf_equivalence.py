"""The performance shortcuts (code comments marked "perf") change nothing a user sees.

Each shortcut is checked against the plain algorithm it replaced, on a generated network with planted
blocked/partial paths, group references, self rules and prefix lists (benchmarks/generate.py, size S).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from validator.analysis import layers_ordered
from validator.cli.pipeline import Options, run
from validator.report import json_report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate as gen  # noqa: E402


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eq") / "S"
    gen.generate(gen.SIZES["S"], out, seed=11)
    return out


def test_rule_index_matches_the_full_scan(network: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = json_report.render(run(Options(path=network)))

    def scan_all(graph, layer, first_match, pending, protocol):  # type: ignore[no-untyped-def]
        return layers_ordered._compile(graph, layer, first_match)  # every rule of the layer, as before the index

    monkeypatch.setattr(layers_ordered, "_relevant", scan_all)
    slow = json_report.render(run(Options(path=network)))
    assert fast == slow
    verdicts = {r["verdict"] for r in json.loads(fast)["results"]}
    assert {"reachable", "blocked", "partial"} <= verdicts


def test_policy_input_is_compact_only_without_user_policies(network: Path, tmp_path: Path) -> None:
    shipped = run(Options(path=network))
    rules = [r for p in shipped.input_doc["resources"]["enforcement_points"] for r in p["rules"]]
    assert shipped.input_doc["resources"]["rules"] == "read-by-shipped-policies"
    assert rules and all(
        r["direction"] == "ingress" and (r["open_to_all_ipv4"] or r["open_to_all_ipv6"]) for r in rules
    )
    # every point is still there, with its location
    assert len(shipped.input_doc["resources"]["enforcement_points"]) == len(shipped.inventory.points)

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "count.rego").write_text(
        "package mine\n\nimport rego.v1\n\nwarn contains msg if {\n"
        "\tn := count([r | some p in input.resources.enforcement_points; some r in p.rules])\n"
        '\tmsg := sprintf("%d rules", [n])\n}\n'
    )
    full = run(Options(path=network, policy_dirs=[mine]))
    total = sum(len(p.rules) for p in full.inventory.points.values())
    assert full.input_doc["resources"]["rules"] == "all"
    assert any(f.message == f"{total} rules" for f in full.findings)
    # every rule the shipped policies read is kept: the open ingress allows of the full document, one for one
    every = [r for p in full.input_doc["resources"]["enforcement_points"] for r in p["rules"]]
    read = [
        r
        for r in every
        if r["direction"] == "ingress" and r["action"] == "allow" and (r["open_to_all_ipv4"] or r["open_to_all_ipv6"])
    ]
    assert len(read) < len(every)
    assert sorted(json.dumps(r, sort_keys=True) for r in rules) == sorted(json.dumps(r, sort_keys=True) for r in read)
    # the shipped findings are the same either way
    assert [f.to_json() for f in shipped.findings] == [f.to_json() for f in full.findings if f.package != "mine"]
