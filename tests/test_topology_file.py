"""The topology file: every property documented, API servers by host name, PCGs, Edge clusters, the
infrastructure API's port; old topologies keep validating."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, ROOT, profile, verdicts, write_files
from validator.ingest.documents import load_document
from validator.ingest.topology import parse_topology
from validator.model.errors import InputError

SCHEMA = json.loads((ROOT / "schemas" / "topology.schema.json").read_text())


def _properties(node: object, path: str = "") -> list[tuple[str, dict]]:
    out = []
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            out.append((f"{path}/{name}", sub))
        for key, sub in node.items():
            out.extend(_properties(sub, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            out.extend(_properties(sub, f"{path}[{i}]"))
    return out


def test_every_schema_property_has_a_description() -> None:
    props = _properties(SCHEMA)
    assert len(props) > 60
    assert [p for p, sub in props if not sub.get("description")] == []


def test_docs_describe_every_top_level_and_cluster_field() -> None:
    doc = (ROOT / "docs" / "topology.md").read_text()
    fields = set(SCHEMA["properties"]) | set(SCHEMA["$defs"]["cluster"]["properties"])
    assert [f for f in sorted(fields) if f"`{f}`" not in doc] == []


def test_every_fixture_topology_still_validates() -> None:
    from validator.ingest.topology import load_topology

    paths = sorted(FIXTURES.glob("*/palette-network.yaml")) + sorted(FIXTURES.glob("formats/*/*/palette-network.yaml"))
    assert len(paths) > 10
    for path in paths:
        load_topology(path, str(path))


def topology(text: str):
    return parse_topology(load_document(text, "t.yaml"), "t.yaml")


BASE = """
profiles: [saas-grpc]
management: {hosts: [api.spectrocloud.com], addresses: [internet]}
clusters:
  - name: prod
    nodes: [10.20.1.0/24]
"""


@pytest.mark.parametrize(
    ("api", "hosts", "port"),
    [
        ("api.prod.example.com:6443", ("api.prod.example.com",), 6443),
        ("api.prod.example.com", ("api.prod.example.com",), None),
        ("10.20.1.10:6443", (), 6443),
        ("{hosts: [k8s.example.com], port: 443}", ("k8s.example.com",), 443),
    ],
)
def test_api_accepts_a_host_name(api: str, hosts: tuple[str, ...], port: int | None) -> None:
    topo = topology(BASE + f"    api: {api}\n")
    (endpoint,) = topo.role("workload-api")
    assert endpoint.hosts == hosts and endpoint.port == port
    if hosts:  # a host name says nothing about where it is: the nodes' addresses stand for it
        assert endpoint.addresses == topo.role("workload")[0].addresses


@pytest.mark.parametrize("api", ["not a host:6443", "api.example.com:99999", "-bad-.example.com"])
def test_a_bad_api_is_one_clear_line(api: str) -> None:
    with pytest.raises(InputError) as info:
        topology(BASE + f"    api: '{api}'\n")
    text = str(info.value) + (info.value.hint or "")
    assert "api" in text.lower() and "^(" not in text  # no raw regex
    assert info.value.file == "t.yaml" and info.value.line


PCGS = """
profiles: [saas-grpc, pcg]
management: {hosts: [api.spectrocloud.com], addresses: [internet]}
vcenter: [10.0.0.10]
pcg:
  - {name: pcg-a, addresses: [10.1.0.0/28]}
  - {name: pcg-b, addresses: [10.2.0.0/28], proxy: {https: "http://10.9.0.1:3128"}}
clusters:
  - {name: a1, nodes: [10.1.1.0/24], pcg: pcg-a}
  - {name: b1, nodes: [10.2.1.0/24], pcg: pcg-b}
  - {name: aws, nodes: [10.3.1.0/24]}
"""


def test_each_pcg_binds_only_the_clusters_it_deploys() -> None:
    topo = topology(PCGS)
    pairs = {(s.name, d.name) for s, d in topo.bindings("pcg", "workload-api")}
    assert pairs == {("pcg-a", "a1/api"), ("pcg-b", "b1/api")}
    assert topo.role("pcg")[1].extra["proxy_settings"].https_proxy is not None
    assert {(s.name, d.name) for s, d in topo.bindings("pcg", "infrastructure")} == {
        ("pcg-a", "vcenter"),
        ("pcg-b", "vcenter"),
    }


def test_without_links_every_pcg_deploys_every_cluster() -> None:
    topo = topology(BASE + "pcg: [10.9.0.0/28]\n")
    assert {(s.name, d.name) for s, d in topo.bindings("pcg", "workload-api")} == {("pcg", "prod/api")}


def test_a_cluster_naming_an_unknown_pcg_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no PCG named 'pcg-x'"):
        topology(BASE + "    pcg: pcg-x\n")


def test_edge_clusters_answer_to_the_edge_roles_only() -> None:
    topo = topology(BASE + "  - {name: shop, nodes: [192.168.1.0/28], edge: true}\n")
    assert [e.name for e in topo.role("workload")] == ["prod"]
    assert [e.name for e in topo.role("edge")] == ["shop"]
    assert [e.name for e in topo.role("edge-api")] == ["shop/api"]
    assert topo.deployments() == ["saas", "edge"]


def test_infrastructure_port_replaces_the_profiles_443(tmp_path: Path) -> None:
    # a MAAS region API at http://10.0.5.5:5240/MAAS: the PCG row is checked on 5240, where the group allows it
    net = write_files(
        tmp_path,
        {
            "palette-network.yaml": """
                profiles: [pcgtest]
                management: {hosts: [api.spectrocloud.com], addresses: [internet]}
                infrastructure: {addresses: [10.0.5.5], port: 5240, security_groups: [maas]}
                pcg: {addresses: [10.0.9.0/28]}
                clusters: [{name: c, nodes: [10.0.1.0/24]}]
            """,
            "sg.tf": """
                resource "aws_security_group" "maas" {
                  name = "maas"
                  ingress {
                    from_port   = 5240
                    to_port     = 5240
                    protocol    = "tcp"
                    cidr_blocks = ["10.0.9.0/28"]
                  }
                }
            """,
        },
    )
    rows = profile(tmp_path, "pcgtest", [("pcg-infra", "pcg", "infrastructure", "tcp", "443")])
    assert verdicts(net, rows, "pcgtest") == {"pcg-infra:pcg->infrastructure": "reachable"}
    text = (net / "palette-network.yaml").read_text().replace("port: 5240, ", "")
    (net / "palette-network.yaml").write_text(text)
    assert verdicts(net, rows, "pcgtest") == {"pcg-infra:pcg->infrastructure": "blocked"}
