"""The graph is built once and never changes while it is queried; routes are a pure function of it and the flow."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, json_report
from validator.analysis.graph import NetworkGraph, build_graph
from validator.analysis.routes import Flow, Route, route
from validator.cli.pipeline import Options, load_network
from validator.model.sets import PortSet


def _graph(fixture: Path) -> NetworkGraph:
    network = load_network(Options(path=fixture))
    return build_graph(network.inventory, network.topology, dict(network.graph.pods))


def _flows(graph: NetworkGraph) -> list[Flow]:
    ends = list(graph.topology.endpoints)
    return [
        Flow(src, dst, "tcp", PortSet.range(port), via)
        for src in ends
        for dst in ends
        for port in (443, 4222)
        for via in (True, False)
    ]


def _shape(r: Route) -> list[list[tuple[str, str, str, str, tuple[str, ...]]]]:
    return [
        [(h.src.name, h.dst.name, str(h.ports), h.note, tuple(layer.name for layer in h.layers)) for h in path.hops]
        for path in r.paths
    ]


@pytest.mark.parametrize("fixture", ["saas-proxy-squid-default", "self-hosted-firewall", "self-hosted-nacl-ok"])
def test_routes_do_not_depend_on_the_order_of_the_questions(fixture: str) -> None:
    first, second = _graph(FIXTURES / fixture), _graph(FIXTURES / fixture)
    nodes, edges = dict(first.nodes), first.edges
    flows = _flows(first)
    forward = {i: _shape(route(first, f)) for i, f in enumerate(flows)}
    backward = {i: _shape(route(second, flows[i])) for i in reversed(range(len(flows)))}
    assert forward == backward
    again = {i: _shape(route(first, f)) for i, f in enumerate(flows)}  # asking twice changes nothing either
    assert again == forward
    assert dict(first.nodes) == nodes and first.edges == edges


def test_the_graph_cannot_be_changed() -> None:
    graph = _graph(FIXTURES / "saas-proxy-squid-default")
    with pytest.raises(dataclasses.FrozenInstanceError):
        graph.edges = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        graph.nodes["intruder"] = graph.nodes["prod"]  # type: ignore[index]
    hop = route(graph, _flows(graph)[0]).paths[0].hops[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        hop.note = "changed"  # type: ignore[misc]


def test_proxy_edges_are_known_when_the_graph_is_built() -> None:
    graph = _graph(FIXTURES / "saas-proxy-squid-default")
    edges = {(e.src, e.dst, e.kind) for e in graph.edges}
    assert ("prod", "corp-proxy", "to-proxy") in edges
    assert {("corp-proxy", d, "from-proxy") for d in ("management", "prod", "registries", "operators")} <= edges


def test_a_proxy_url_no_declared_proxy_answers_to_is_a_node_from_the_start(tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-proxy-squid-default", net)
    topology = net / "palette-network.yaml"
    topology.write_text(topology.read_text().replace("https: http://10.0.5.10:3128", "https: http://10.0.7.7:3128"))
    graph = _graph(net)
    assert "proxy 10.0.7.7" in graph.nodes
    assert ("prod", "proxy 10.0.7.7", "to-proxy") in {(e.src, e.dst, e.kind) for e in graph.edges}


def test_a_flow_the_proxy_settings_split_takes_one_route_per_part(cli, tmp_path: Path) -> None:
    """NO_PROXY names one of management's two host names: that one goes direct, the other through the proxy."""
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-proxy-squid-default", net)
    topology = net / "palette-network.yaml"
    topology.write_text(topology.read_text().replace("no_proxy: [", "no_proxy: [message.spectrocloud.com, "))
    _, report = json_report(cli, net)
    https = next(r for r in report["results"] if r["requirement"] == "saas-agent-https")
    routes = {}
    for hop in https["hops"]:
        routes.setdefault(hop["route"], []).append(hop["destination"])
    assert sorted(routes.values()) == [["corp-proxy", "management"], ["management"]]
    direct = next(h for h in https["hops"] if h["destination"] == "management" and h["source"] == "prod")
    assert "message.spectrocloud.com" in direct["note"] and direct["verdict"] == "blocked"  # only 3128 may leave
    # through the proxy the CONNECT to api.spectrocloud.com:443 is allowed (localnet): part of it gets through
    assert https["verdict"] == "partial"
    text = cli("explain", net, "--from", "prod", "--to", "management", "--port", "443").stdout
    assert "[route 1 of 2" in text and "[route 2 of 2" in text


def test_a_port_range_through_a_proxy_is_decided_per_piece_of_its_port_acls(cli) -> None:
    """Squid's stock config: CONNECT only to SSL_ports (443); 444-445 are not even Safe_ports (S3)."""
    result = cli(
        "explain", FIXTURES / "saas-proxy-squid-fixed", "--from", "prod", "--to", "management", "--port", "443-445",
        "--format", "json",
    )  # fmt: skip
    (flow,) = json.loads(result.stdout)
    proxied = [(h["route"], layer) for h in flow["hops"] for layer in h["layers"] if layer["kind"] == "proxy"]
    decisions = {layer["message"].split("CONNECT ")[1].split()[0]: layer["decision"] for _, layer in proxied}
    assert decisions == {"api.spectrocloud.com:443": "allow", "api.spectrocloud.com:444-445": "deny"}
    assert flow["verdict"] == "partial" and result.exit_code == 1
