"""NetworkPolicy semantics K1–K13 (docs/semantics.md) on small clusters, and the check_flow API.

Each test states the rule it pins; the expected answers come from the Kubernetes API documentation cited in
the checklist (the oracle tests compare whole clusters against netpol-analyzer and NCA).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from validator.analysis.connectivity import connectivity
from validator.analysis.netpol import NetpolModel
from validator.ingest.loaders.kubernetes import load_cluster
from validator.model.sets import AddressSet, PortSet


def ns(name: str, **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def pod(name: str, namespace: str = "default", ports: list[tuple[str, str, int]] = (), **labels: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "containers": [
                {"name": "c", "ports": [{"name": n, "protocol": p, "containerPort": c} for n, p, c in ports]}
            ]
        },
    }


def netpol(name: str, spec: dict, namespace: str = "default") -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def build(tmp_path: Path, *docs: dict) -> NetpolModel:
    (tmp_path / "m.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return NetpolModel(load_cluster(str(tmp_path)))


def conns(model: NetpolModel) -> dict[tuple[str, str], str]:
    return {(c.src, c.dst): str(c.conn) for c in connectivity(model)}


A, B, C = "default/a[Pod]", "default/b[Pod]", "default/c[Pod]"
EXT = "0.0.0.0-255.255.255.255[External]"


def test_k1_no_policy_allows_everything(tmp_path: Path) -> None:
    got = conns(build(tmp_path, pod("a", app="a"), pod("b", app="b")))
    assert got == {
        (A, B): "All Connections",
        (B, A): "All Connections",
        (A, EXT): "All Connections",
        (EXT, A): "All Connections",
        (B, EXT): "All Connections",
        (EXT, B): "All Connections",
    }


def test_k1_k3_isolation_only_for_selected_pods_and_direction(tmp_path: Path) -> None:
    got = conns(
        build(
            tmp_path,
            pod("a", app="a"),
            pod("b", app="b"),
            netpol("deny-b-ingress", {"podSelector": {"matchLabels": {"app": "b"}}}),
        )
    )
    assert (A, B) not in got and (EXT, B) not in got  # b isolated for ingress, no rules: denied (K3)
    assert got[(B, A)] == "All Connections" and got[(B, EXT)] == "All Connections"  # egress untouched
    assert got[(A, EXT)] == "All Connections"  # a not selected


def test_k2_policytypes_default_adds_egress_only_with_egress_rules(tmp_path: Path) -> None:
    # egress: [] without policyTypes: the API server defaults policyTypes to [Ingress] (len(egress) == 0).
    # network-config-analyzer 2.1.0 isolates egress here; Kubernetes does not.
    got = conns(
        build(
            tmp_path,
            pod("a", app="a"),
            pod("b", app="b"),
            netpol("p", {"podSelector": {"matchLabels": {"app": "a"}}, "egress": []}),
        )
    )
    assert got[(A, B)] == "All Connections"
    assert (B, A) not in got
    got = conns(
        build(
            tmp_path,
            pod("a", app="a"),
            pod("b", app="b"),
            netpol(
                "p",
                {
                    "podSelector": {"matchLabels": {"app": "a"}},
                    "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}],
                },
            ),
        )
    )
    assert got[(A, B)] == "UDP 53" and got[(A, EXT)] == "UDP 53"
    assert (B, A) not in got  # Ingress is always implied


def test_k2_egress_only_policy_needs_explicit_type(tmp_path: Path) -> None:
    got = conns(
        build(
            tmp_path, pod("a", app="a"), pod("b", app="b"), netpol("p", {"podSelector": {}, "policyTypes": ["Egress"]})
        )
    )
    assert not any(s in (A, B) for s, _ in got)  # all egress denied
    assert got[(EXT, A)] == "All Connections"  # ingress not isolated


def test_k4_union_across_policies(tmp_path: Path) -> None:
    got = conns(
        build(
            tmp_path,
            pod("a", app="a"),
            pod("b", app="b"),
            netpol("p1", {"podSelector": {"matchLabels": {"app": "b"}}, "ingress": [{"ports": [{"port": 80}]}]}),
            netpol(
                "p2",
                {
                    "podSelector": {"matchLabels": {"app": "b"}},
                    "ingress": [{"ports": [{"port": 443}, {"port": 53, "protocol": "UDP"}]}],
                },
            ),
        )
    )
    assert got[(A, B)] == "TCP 80,443,UDP 53"


def test_k5_source_egress_and_destination_ingress_both_needed(tmp_path: Path) -> None:
    got = conns(
        build(
            tmp_path,
            pod("a", app="a"),
            pod("b", app="b"),
            netpol(
                "a-egress",
                {
                    "podSelector": {"matchLabels": {"app": "a"}},
                    "policyTypes": ["Egress"],
                    "egress": [{"ports": [{"port": 80}, {"port": 81}]}],
                },
            ),
            netpol(
                "b-ingress",
                {"podSelector": {"matchLabels": {"app": "b"}}, "ingress": [{"ports": [{"port": 81, "endPort": 90}]}]},
            ),
        )
    )
    assert got[(A, B)] == "TCP 81"


def test_k6_empty_from_is_any_peer_and_empty_ports_any_port(tmp_path: Path) -> None:
    got = conns(
        build(
            tmp_path,
            pod("a", app="a"),
            pod("b", app="b"),
            netpol("p", {"podSelector": {"matchLabels": {"app": "b"}}, "ingress": [{}]}),
        )
    )
    assert got[(A, B)] == "All Connections" and got[(EXT, B)] == "All Connections"


def test_k7_k8_selectors(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        ns("default"),
        ns("other", team="x"),
        ns("third", team="y"),
        pod("a", app="a"),
        pod("b", app="b"),
        pod("o", "other", app="a"),
        pod("t", "third", app="b"),
        netpol(
            "and",
            {
                "podSelector": {},
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {"matchLabels": {"team": "x"}},
                                "podSelector": {"matchLabels": {"app": "a"}},
                            }
                        ]
                    }
                ],
            },
        ),
        netpol(
            "or",
            {
                "podSelector": {},
                "ingress": [
                    {
                        "from": [
                            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "third"}}},
                            {"podSelector": {"matchLabels": {"app": "a"}}},
                        ]
                    }
                ],
            },
        ),
    )
    got = conns(model)
    other, third = "other/o[Pod]", "third/t[Pod]"
    assert got[(other, A)] == "All Connections"  # AND: team=x and app=a
    assert got[(third, A)] == "All Connections"  # OR item 1: namespace by its implicit name label
    assert (B, A) not in got  # default/b: app=b, not app=a, not in third
    assert got[(A, B)] == "All Connections"  # podSelector alone = policy namespace


def test_k8_match_expressions_and_exists_with_namespace_selector(tmp_path: Path) -> None:
    # A podSelector with Exists ANDed with a namespaceSelector selects labelled pods in the selected
    # namespaces (network-config-analyzer 2.1.0 wrongly restricts it to the policy's namespace).
    got = conns(
        build(
            tmp_path,
            ns("default"),
            ns("x", env="prod"),
            pod("a", app="a"),
            pod("w", "x", app="w", tier="fe"),
            pod("v", "x", app="v"),
            netpol(
                "p",
                {
                    "podSelector": {"matchLabels": {"app": "a"}},
                    "ingress": [
                        {
                            "from": [
                                {
                                    "namespaceSelector": {
                                        "matchExpressions": [
                                            {"key": "env", "operator": "In", "values": ["prod", "stage"]}
                                        ]
                                    },
                                    "podSelector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
                                }
                            ]
                        }
                    ],
                },
            ),
            netpol(
                "q",
                {
                    "podSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {"to": [{"podSelector": {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}}]}
                    ],
                },
            ),
        )
    )
    assert got[("x/w[Pod]", A)] == "All Connections"
    assert ("x/v[Pod]", A) not in got
    assert got[("x/w[Pod]", "x/v[Pod]")] == "All Connections"  # q: x/v has no tier


def test_k9_ipblock_except_and_union(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        pod("a", app="a"),
        netpol(
            "p",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]},
                    {"to": [{"ipBlock": {"cidr": "10.1.2.0/24"}}], "ports": [{"port": 443}]},
                ],
            },
        ),
    )
    d = model.check_flow(model.cluster.workloads[0], AddressSet.parse("10.1.2.5"), "TCP", PortSet.range(443))
    assert d.verdict == "allowed"  # excepted by one peer, allowed by another (K9)
    d = model.check_flow(model.cluster.workloads[0], AddressSet.parse("10.1.3.5"), "TCP", PortSet.range(443))
    assert d.verdict == "blocked"
    explain = d.pieces[0].egress.explain()
    assert "isolated by policies default/p" in explain and "no rule matches" in explain
    got = conns(model)
    assert got[(A, "10.0.0.0-10.0.255.255[External]")] == "All Connections"
    assert got[(A, "10.1.2.0-10.1.2.255[External]")] == "TCP 443"
    assert (A, "10.1.3.0-10.1.255.255[External]") not in got


def test_k9_ipblock_does_not_match_pods(tmp_path: Path) -> None:
    got = conns(
        build(
            tmp_path,
            pod("a", app="a"),
            pod("b", app="b"),
            netpol(
                "p",
                {
                    "podSelector": {"matchLabels": {"app": "b"}},
                    "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}],
                },
            ),
        )
    )
    assert (A, B) not in got and got[(EXT, B)] == "All Connections"


def test_k10_protocol_default_endport_and_exact_protocol(tmp_path: Path) -> None:
    got = conns(
        build(
            tmp_path,
            pod("a", app="a"),
            pod("b", app="b"),
            netpol(
                "p",
                {
                    "podSelector": {"matchLabels": {"app": "b"}},
                    "ingress": [
                        {
                            "ports": [
                                {"port": 8000, "endPort": 8100},
                                {"protocol": "SCTP", "port": 7},
                                {"protocol": "UDP"},
                            ]
                        }
                    ],
                },
            ),
        )
    )
    assert got[(A, B)] == "TCP 8000-8100,UDP 1-65535,SCTP 7"


def test_k11_named_ports_per_destination_and_protocol(tmp_path: Path) -> None:
    got = conns(
        build(
            tmp_path,
            pod("a", app="a", ports=[("web", "TCP", 8080)]),
            pod("b", app="b", ports=[("web", "TCP", 80), ("dns", "UDP", 53)]),
            pod("c", app="c", ports=[("web", "UDP", 9)]),
            netpol("p", {"podSelector": {}, "ingress": [{"ports": [{"port": "web"}, {"port": "dns"}]}]}),
        )
    )
    assert got[(B, A)] == "TCP 8080"
    assert got[(A, B)] == "TCP 80"  # "dns" is UDP on b, the rule asks TCP: no match
    assert (A, C) not in got  # "web" on c is UDP


def test_k12_no_self_connections_and_owner_grouping(tmp_path: Path) -> None:
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}},
    }
    got = conns(build(tmp_path, deploy, pod("a", app="a")))
    assert ("default/web[Deployment]", "default/web[Deployment]") not in got
    assert got[("default/web[Deployment]", A)] == "All Connections"


def test_check_flow_evidence_names_rule_lines(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        pod("a", app="a"),
        pod("b", app="b", ports=[("http", "TCP", 8080)]),
        netpol(
            "allow-http",
            {
                "podSelector": {"matchLabels": {"app": "b"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "a"}}}], "ports": [{"port": "http"}]}],
            },
        ),
    )
    a, b = sorted(model.cluster.workloads, key=lambda w: w.name)
    d = model.check_flow(a, b, "TCP", PortSet.range(8080))
    assert d.verdict == "allowed"
    piece = d.pieces[0]
    assert not piece.egress.isolated_by  # a is not selected for egress
    rule = piece.ingress.rules[0]
    assert rule.policy == "default/allow-http" and rule.rule_source.file == "m.yaml"
    text = (tmp_path / "m.yaml").read_text().splitlines()
    assert text[rule.rule_source.line - 1].lstrip("- ").startswith("from:")
    partial = model.check_flow(a, b, "TCP", PortSet.range(80, 8080))
    assert partial.verdict == "partial" and str(partial.allowed_everywhere) == "8080"
    doc = partial.to_json()
    assert doc["verdict"] == "partial"
    assert doc["pieces"][0]["ingress"]["rules"][0]["rule_source"]["line"] == rule.rule_source.line
    blocked = model.check_flow(b, a, "UDP", PortSet.range(53))
    assert blocked.verdict == "allowed"  # nothing isolates a's ingress or b's egress
    ext = model.check_flow(AddressSet.parse("192.0.2.0/24"), b, "TCP", PortSet.range(8080))
    assert ext.verdict == "blocked" and ext.pieces[0].egress.external
    v6 = model.check_flow(a, AddressSet.parse("2001:db8::/32"), "TCP", PortSet.range(443))
    assert v6.verdict == "allowed" and v6.pieces[0].dst == "2001:db8::/32"


@pytest.mark.parametrize(
    "bad",
    [
        {"port": 80, "endPort": 70},
        {"port": "http", "endPort": 90},
        {"protocol": "ICMP"},
    ],
)
def test_bad_ports_are_input_errors_with_line(tmp_path: Path, bad: dict) -> None:
    from validator.model.errors import InputError

    doc = netpol("p", {"podSelector": {}, "ingress": [{"ports": [bad]}]})
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(InputError) as exc:
        load_cluster(str(tmp_path))
    assert exc.value.file == "m.yaml" and exc.value.line and exc.value.line > 1


def test_check_flow_ipv6_outside_ipv4_only_universe(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        pod("a", app="a"),
        netpol(
            "p",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}, {"ports": [{"port": 53, "protocol": "UDP"}]}],
            },
        ),
    )
    a = model.cluster.workloads[0]
    v6 = AddressSet.parse("2001:db8::1")
    assert model.check_flow(a, v6, "TCP", PortSet.range(443)).verdict == "blocked"
    dns = model.check_flow(a, AddressSet.parse("2001:db8::1"), "UDP", PortSet.range(53))
    assert dns.verdict == "allowed"
    assert dns.pieces[0].egress.rules[0].rule_source.line is not None
