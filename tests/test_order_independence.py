"""Order independence: the JSON report does not change by one byte when the inputs come in another order.

Permuted: the profiles and the requirements in them, the clusters (and every other endpoint), firewalls and
profiles of the topology, the files as discovery lists them, the resources of the inventory and the rules of
every security group, network ACL and firewall (their order is no part of their meaning: ACLs and firewalls
are ordered by rule number). Squid's http_access lines and ProxyRules keep their order: it is their meaning.
Checked on every bundled fixture and on generated networks (``tests/network_gen.py``).

``PALETTE_POLICY_ORDER_EXAMPLES`` sets the number of generated networks (CI runs a few dozen; the README
records a run of more than a thousand) and ``PALETTE_POLICY_ORDER_PERMUTATIONS`` the permutations per
fixture.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import jsonschema
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers import FIXTURES, ROOT
from tests.network_gen import generate
from validator.cli import pipeline
from validator.cli.pipeline import Options, run
from validator.report import json_report

EXAMPLES = int(os.environ.get("PALETTE_POLICY_ORDER_EXAMPLES", "25"))
PERMUTATIONS = int(os.environ.get("PALETTE_POLICY_ORDER_PERMUTATIONS", "2"))
REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
NETWORKS = sorted(
    {p.parent for p in FIXTURES.rglob("palette-network.yaml")}, key=lambda p: p.relative_to(FIXTURES).as_posix()
)


def _shuffled_dict(rng: random.Random, table: dict[Any, Any]) -> None:
    items = list(table.items())
    rng.shuffle(items)
    table.clear()
    table.update(items)


def _permute_inventory(rng: random.Random, inventory: Any) -> None:
    for table in (
        inventory.points,
        inventory.prefix_lists,
        inventory.subnets,
        inventory.nacl_associations,
        inventory.proxy_configs,
        inventory.firewall_sets,
        inventory.kubernetes_files,
    ):
        _shuffled_dict(rng, table)
    for point in inventory.points.values():
        rng.shuffle(point.rules)
    for rules in inventory.firewall_sets.values():
        rng.shuffle(rules.rules)  # first match by rule index, not by position in the list
    for items in (inventory.files, inventory.skipped, inventory.issues):
        rng.shuffle(items)


@contextmanager
def permuted(rng: random.Random) -> Iterator[None]:
    """Run the pipeline with every stage's output in a random order that must not matter."""

    def wrap(name: str, permute: Callable[[Any], None]) -> Any:
        real = getattr(pipeline, name)

        def stage(*args: Any, **kwargs: Any) -> Any:
            out = real(*args, **kwargs)
            permute(out)
            return out

        return mock.patch.object(pipeline, name, stage)

    def discovery(found: Any) -> None:
        for items in (found.terraform_dirs, found.documents, found.squid):
            rng.shuffle(items)

    def topology(topo: Any) -> None:
        for items in (topo.endpoints, topo.firewalls, topo.profiles):
            rng.shuffle(items)

    def profiles(loaded: Any) -> None:
        rng.shuffle(loaded)
        for profile in loaded:
            rng.shuffle(profile.requirements)

    with (
        wrap("discover", discovery),
        wrap("load_topology", topology),
        wrap("load_all", lambda inv: _permute_inventory(rng, inv)),
        wrap("load_profiles", profiles),
    ):
        yield


def report(path: Path, rng: random.Random | None = None) -> str:
    if rng is None:
        return json_report.render(run(Options(path=path)))
    with permuted(rng):
        return json_report.render(run(Options(path=path)))


@pytest.mark.parametrize("network", NETWORKS, ids=[p.relative_to(FIXTURES).as_posix() for p in NETWORKS])
def test_every_fixture_gives_the_same_bytes_in_any_order(network: Path) -> None:
    expected = report(network)
    for seed in range(PERMUTATIONS):
        assert report(network, random.Random(seed)) == expected, f"permutation {seed}"


@given(st.integers(min_value=0, max_value=2**32 - 1), st.randoms(use_true_random=False))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # a failing network is reported by its seed; shrinking is slow
)
def test_generated_networks_give_the_same_bytes_in_any_order(seed: int, rng: random.Random) -> None:
    with tempfile.TemporaryDirectory(prefix="pp-order-") as tmp:
        network = generate(random.Random(seed), Path(tmp) / "net")
        expected = report(network)
        assert report(network, rng) == expected
        # and the report keeps its contract: among others, no layer allows without its evidence
        jsonschema.validate(json.loads(expected), REPORT_SCHEMA)


def test_the_permutations_really_change_the_order() -> None:
    """The check above would prove nothing if the permutations did not reach the stages."""
    seen = []
    real = pipeline.evaluate_requirements

    def spy(graph: Any, requirements: Any) -> Any:
        seen.append(([r.id for r in requirements], [e.name for e in graph.topology.endpoints]))
        return real(graph, requirements)

    with mock.patch.object(pipeline, "evaluate_requirements", spy):
        report(FIXTURES / "self-hosted-ok")
        for seed in range(4):
            report(FIXTURES / "self-hosted-ok", random.Random(seed))
    assert len({tuple(ids) for ids, _ in seen}) > 1 and len({tuple(names) for _, names in seen}) > 1
