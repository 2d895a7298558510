"""Unknown is never allow: a rule part the configs do not fix can make a flow unknown, never reachable.

Every part a loader can leave unknown (``Unknown.field``) is tried on every layer kind: allow-only security
groups (union, A1), first-match network ACLs (forward and return leg, N2–N3) and firewalls, Squid's
http_access with an ACL type a static check cannot decide (S4) and a proxy whose rules were not scanned,
and NetworkPolicies for a protocol they do not name (K10). The rules are added to a bundled fixture's
inventory as a loader produces them (the unknown part widened); a few go through the real Terraform loader.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, json_report
from validator.analysis.graph import NetworkGraph, build_graph
from validator.analysis.reach import evaluate_binding, evaluate_requirements
from validator.cli.pipeline import Options, load_network
from validator.ingest.profiles import load_profiles
from validator.model.inventory import Inventory
from validator.model.requirements import Requirement
from validator.model.results import PathResult
from validator.model.rules import EnforcementPoint, Peer, Rule, SourceRef, Unknown
from validator.model.sets import ALL_PORTS, NO_ADDRESSES, AddressSet, PortSet

HERE = SourceRef("injected.tf", 7, "injected")
PEER_FIELDS = ("cidr_ipv4", "cidr_ipv6", "group", "prefix_list")
FIELDS = ("from_port", "to_port", "protocol", *PEER_FIELDS, "rule")


def unknown_rule(
    field: str, direction: str, action: str = "allow", peer: AddressSet | None = None, order: int | None = None
) -> Rule:
    """A rule as a loader leaves it when ``field`` is not known: that part widened to its whole range."""
    protocol = "all" if field == "protocol" else "tcp"
    known_peer = NO_ADDRESSES if field in PEER_FIELDS else (peer or AddressSet.everything())
    if direction == "forward":
        return Rule(
            "forward", action, protocol, ALL_PORTS, Peer(addresses=known_peer), HERE, order=order,
            sources=AddressSet.everything(), unknowns=(Unknown(field, "not known until applied", "var.x", HERE),),
        )  # fmt: skip
    return Rule(
        direction, action, protocol, ALL_PORTS, Peer(addresses=known_peer), HERE, order=order,
        unknowns=(Unknown(field, "not known until applied", "var.x", HERE),),
    )  # fmt: skip


def point_named(inventory: Inventory, name: str) -> EnforcementPoint:
    return next(p for p in inventory.points.values() if p.name == name)


def results(
    fixture: Path, change: Callable[[Inventory], None] = lambda inv: None, graph_change=None
) -> dict[str, PathResult]:
    network = load_network(Options(path=fixture))
    change(network.inventory)
    graph = build_graph(network.inventory, network.topology, dict(network.graph.pods))
    if graph_change is not None:
        graph_change(graph)
    requirements = [r for p in load_profiles(network.topology.profiles, []) for r in p.requirements]
    found, _ = evaluate_requirements(graph, requirements)
    return {r.requirement.id: r for r in found}


def layer(result: PathResult, name_part: str):
    return next(layer for hop in result.hops for layer in hop.layers if name_part in layer.layer)


@pytest.mark.parametrize("field", FIELDS)
def test_security_group_rule_with_an_unknown_part_makes_the_path_unknown(field: str) -> None:
    before = results(FIXTURES / "saas-nats-blocked")["saas-agent-nats"]
    assert before.verdict == "blocked"  # the workers' egress has no 4222 rule
    after = results(
        FIXTURES / "saas-nats-blocked",
        lambda inv: point_named(inv, "palette-workers").rules.append(unknown_rule(field, "egress")),
    )
    nats = after["saas-agent-nats"]
    assert nats.verdict == "unknown"
    egress = layer(nats, "egress of prod")
    assert egress.decision == "unknown"
    assert any(u.startswith(f"injected.tf:7: {field} var.x") for u in egress.unknown_because)
    assert after["saas-agent-https"].verdict == "reachable"  # allowed by a rule whose parts are all known


def test_a_known_peer_of_a_rule_whose_only_unknown_is_another_peer_still_allows() -> None:
    rule = Rule(
        "egress", "allow", "tcp", PortSet.range(4222), Peer(addresses=AddressSet.parse("0.0.0.0/0")), HERE,
        unknowns=(Unknown("cidr_ipv6", "not known until applied", "var.v6", HERE),),
    )  # fmt: skip
    nats = results(FIXTURES / "saas-nats-blocked", lambda inv: point_named(inv, "palette-workers").rules.append(rule))
    assert nats["saas-agent-nats"].verdict == "reachable"


def test_an_unknown_port_to_other_addresses_cannot_reach_these() -> None:
    rule = unknown_rule("from_port", "egress", peer=AddressSet.parse("10.0.0.0/8"))
    nats = results(FIXTURES / "saas-nats-blocked", lambda inv: point_named(inv, "palette-workers").rules.append(rule))
    assert nats["saas-agent-nats"].verdict == "blocked"  # the internet is not in 10.0.0.0/8, whatever the port


@pytest.mark.parametrize(
    ("reference", "field"),
    [(Peer(groups=("sg-0notdeclared",)), "group"), (Peer(prefix_lists=("pl-0elsewhere",)), "prefix_list")],
)
def test_a_reference_the_scanned_files_do_not_declare_is_unknown(reference: Peer, field: str) -> None:
    rule = Rule("egress", "allow", "tcp", PortSet.range(4222), reference, HERE)
    nats = results(FIXTURES / "saas-nats-blocked", lambda inv: point_named(inv, "palette-workers").rules.append(rule))
    egress = layer(nats["saas-agent-nats"], "egress of prod")
    assert nats["saas-agent-nats"].verdict == "unknown"
    assert any(f": {field} " in u and "not declared in the scanned files" in u for u in egress.unknown_because)


@pytest.mark.parametrize("field", FIELDS)
def test_network_acl_entry_with_an_unknown_part_ahead_of_the_deciding_rule(field: str) -> None:
    assert results(FIXTURES / "self-hosted-nacl-ok")["sh-agent-nats"].verdict == "reachable"
    deny = unknown_rule(field, "egress", action="deny", order=50)
    after = results(FIXTURES / "self-hosted-nacl-ok", lambda inv: point_named(inv, "workers-acl").rules.append(deny))
    nats = after["sh-agent-nats"]
    assert nats.verdict == "unknown"
    assert layer(nats, "outbound ACL of prod").decision == "unknown"


def test_network_acl_maybe_rule_whose_branches_agree_decides() -> None:
    allow = unknown_rule("from_port", "egress", action="allow", order=50)
    after = results(FIXTURES / "self-hosted-nacl-ok", lambda inv: point_named(inv, "workers-acl").rules.append(allow))
    assert after["sh-agent-nats"].verdict == "reachable"  # matched or not, the later entries allow it too
    late = unknown_rule("from_port", "egress", action="deny", order=32000)
    after = results(FIXTURES / "self-hosted-nacl-ok", lambda inv: point_named(inv, "workers-acl").rules.append(late))
    assert after["sh-agent-nats"].verdict == "reachable"  # behind the entry that decides: never reached


@pytest.mark.parametrize("field", FIELDS)
def test_return_leg_allowed_only_by_an_entry_with_an_unknown_part(field: str) -> None:
    before = results(FIXTURES / "self-hosted-nacl-no-return")["sh-agent-nats"]
    assert before.verdict == "partial"  # replies pass only on 32768-61000 (N3)
    allow = unknown_rule(field, "ingress", action="allow", order=1)
    after = results(
        FIXTURES / "self-hosted-nacl-no-return", lambda inv: point_named(inv, "workers-acl").rules.append(allow)
    )
    nats = after["sh-agent-nats"]
    assert nats.verdict == "unknown"
    assert layer(nats, "return traffic: inbound ACL of prod").decision == "unknown"


@pytest.mark.parametrize("field", FIELDS)
def test_firewall_rule_with_an_unknown_part(field: str) -> None:
    before = results(FIXTURES / "self-hosted-firewall")
    assert before["sh-mgmt-cluster-api"].verdict == "blocked" and before["sh-agent-https"].verdict == "reachable"

    def first(action: str) -> Callable[[NetworkGraph], None]:
        return lambda graph: graph.firewall_points["dc-edge"].rules.insert(
            0, unknown_rule(field, "forward", action, order=0)
        )

    allowed = results(FIXTURES / "self-hosted-firewall", graph_change=first("allow"))
    assert allowed["sh-mgmt-cluster-api"].verdict == "unknown"  # only the maybe rule could let 6443 through
    denied = results(FIXTURES / "self-hosted-firewall", graph_change=first("deny"))
    assert denied["sh-agent-https"].verdict == "unknown"  # the maybe deny stands before the allowing rule
    assert layer(denied["sh-agent-https"], "firewall dc-edge").decision == "unknown"


def test_squid_acl_a_static_check_cannot_decide(tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-proxy-squid-fixed", net)
    conf = (net / "squid.conf").read_text()
    head, sep, rest = conf.partition("http_access deny !Safe_ports")
    (net / "squid.conf").write_text(head + "acl office time MTWHF 08:00-18:00\nhttp_access deny office\n" + sep + rest)
    code, report = json_report(_cli(), net)
    https = next(r for r in report["results"] if r["requirement"] == "saas-agent-https")
    assert https["verdict"] == "unknown" and code == 1
    proxy = next(x for h in https["hops"] for x in h["layers"] if x["kind"] == "proxy")
    assert proxy["decision"] == "unknown" and any("'time'" in u for u in proxy["unknown_because"])


def test_a_proxy_whose_rules_were_not_scanned_is_unknown(tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-proxy-squid-fixed", net)
    topology = (net / "palette-network.yaml").read_text()
    (net / "palette-network.yaml").write_text(
        topology.replace("https: http://10.0.5.10:3128", "https: http://10.0.7.7:3128")
    )
    _, report = json_report(_cli(), net)
    https = next(r for r in report["results"] if r["requirement"] == "saas-agent-https")
    assert [h["destination"] for h in https["hops"]] == ["proxy 10.0.7.7", "management"]
    assert https["verdict"] in ("unknown", "blocked")
    proxy = next(x for x in https["hops"][0]["layers"] if x["kind"] == "proxy")
    assert proxy["decision"] == "unknown" and "not in the scanned files" in proxy["message"]


def test_network_policies_for_a_protocol_they_do_not_name(tmp_path: Path) -> None:
    icmp = Requirement("icmp", "test", "workload", "management", "icmp", ALL_PORTS, "icmp", True, {}, HERE)

    def agent_layer(path: Path):
        network = load_network(Options(path=path))
        src, dst = network.topology.endpoint("prod"), network.topology.endpoint("management")
        assert src is not None and dst is not None
        result = evaluate_binding(network.graph, icmp, src, dst)
        return result, layer(result, "NetworkPolicy egress")

    result, isolated = agent_layer(FIXTURES / "saas-agent-netpol-ok")  # a default-deny policy isolates the agent
    assert isolated.decision == "unknown" and "K10" in isolated.unknown_because[0]
    assert result.verdict == "blocked"  # the workers' group allows only tcp: it has the last word
    open_cluster = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-agent-netpol-ok", open_cluster)
    for name in ("default-deny.yaml", "allow-palette.yaml"):
        (open_cluster / "k8s" / "prod" / name).unlink()
    _, not_isolated = agent_layer(open_cluster)
    assert not_isolated.decision == "allow"
    assert "K1" in not_isolated.allowed_by[0].text and not_isolated.allowed_by[0].source.file == "docs/semantics.md"


def _cli():
    from tests.helpers import Cli

    return Cli()


@pytest.mark.parametrize(
    ("snippet", "field"),
    [
        ('from_port = var.p\n  to_port = var.p\n  protocol = "tcp"\n  cidr_blocks = ["0.0.0.0/0"]', "from_port"),
        ('from_port = 4222\n  to_port = 4222\n  protocol = var.proto\n  cidr_blocks = ["0.0.0.0/0"]', "protocol"),
        ('from_port = 4222\n  to_port = 4222\n  protocol = "tcp"\n  cidr_blocks = [var.cidr]', "cidr_ipv4"),
    ],
    ids=["port", "protocol", "cidr"],
)
def test_terraform_values_without_a_value_through_the_real_loader(tmp_path: Path, snippet: str, field: str) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-nats-blocked", net)
    with (net / "security_groups.tf").open("a") as tf:
        tf.write(
            '\nvariable "p" {\n  type = number\n}\nvariable "proto" {\n  type = string\n}\n'
            'variable "cidr" {\n  type = string\n}\n'
            'resource "aws_security_group_rule" "maybe" {\n  type = "egress"\n  '
            + snippet
            + "\n  security_group_id = aws_security_group.workers.id\n}\n"
        )
    code, report = json_report(_cli(), net)
    nats = next(r for r in report["results"] if r["requirement"] == "saas-agent-nats")
    assert nats["verdict"] == "unknown" and code == 1
    egress = next(x for x in nats["hops"][0]["layers"] if x["kind"] == "security-group")
    assert any(f": {field}" in u for u in egress["unknown_because"]), egress["unknown_because"]


def _workers_acl_entries(net: Path, entries: str) -> dict:
    with (net / "network.tf").open("a") as tf:
        tf.write('\nvariable "cidr" {\n  type = string\n}\n' + entries)
    code, report = json_report(_cli(), net)
    return {r["requirement"]: r for r in report["results"]}


def _acl_entry(name: str, number: int, action: str, cidr: str, port: int) -> str:
    return (
        f'resource "aws_network_acl_rule" "{name}" {{\n  network_acl_id = aws_network_acl.workers.id\n'
        f'  rule_number = {number}\n  egress = true\n  protocol = "tcp"\n  rule_action = "{action}"\n'
        f"  cidr_block = {cidr}\n  from_port = {port}\n  to_port = {port}\n}}\n"
    )


def test_network_acl_entry_with_an_unknown_cidr_through_the_real_loader(tmp_path: Path) -> None:
    """An entry whose CIDR is not known may match or not (N2): an allow from it ahead of a deny leaves the
    flow unknown (not reachable), a deny from it ahead of an allow leaves it unknown (not blocked)."""
    allow_then_deny = tmp_path / "allow"
    shutil.copytree(FIXTURES / "self-hosted-nacl-ok", allow_then_deny)
    found = _workers_acl_entries(
        allow_then_deny,
        _acl_entry("maybe", 40, "allow", "var.cidr", 4222) + _acl_entry("no_nats", 45, "deny", '"0.0.0.0/0"', 4222),
    )
    nats = found["sh-agent-nats"]
    assert nats["verdict"] == "unknown"
    acl = next(x for x in nats["hops"][0]["layers"] if x["layer"].startswith("outbound ACL of prod"))
    assert acl["decision"] == "unknown" and any("cidr_ipv4 var.cidr" in u for u in acl["unknown_because"])
    deny_then_allow = tmp_path / "deny"
    shutil.copytree(FIXTURES / "self-hosted-nacl-ok", deny_then_allow)
    found = _workers_acl_entries(deny_then_allow, _acl_entry("maybe", 40, "deny", "var.cidr", 4222))
    assert found["sh-agent-nats"]["verdict"] == "unknown"
    assert found["sh-agent-https"]["verdict"] == "reachable"  # another port: the entry does not apply
