"""Palette's paths through Kubernetes NetworkPolicies: the agent's egress in a workload cluster, the serving
pods' ingress in a self-hosted management cluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers import FIXTURES, json_report


def _netpol_layers(result: dict) -> list[dict]:
    return [layer for hop in result["hops"] for layer in hop["layers"] if layer["kind"] == "network-policy"]


def test_default_deny_egress_blocks_the_agent_and_names_the_policy(cli) -> None:
    code, report = json_report(cli, FIXTURES / "saas-agent-netpol-blocked")
    assert code == 1
    blocked = {r["requirement"] for r in report["results"] if r["verdict"] == "blocked"}
    assert blocked == {"saas-agent-https", "saas-agent-nats", "saas-registry-https"}
    nats = next(r for r in report["results"] if r["requirement"] == "saas-agent-nats")
    (layer,) = _netpol_layers(nats)
    assert layer["decision"] == "deny"
    names = {b["point"] for b in layer["blocked_by"]}
    assert "cluster-6551b7e3a2/default-deny-egress" in names
    assert {(b["file"], b["line"]) for b in layer["blocked_by"]} >= {("k8s/prod/default-deny.yaml", 2)}
    finding = next(f for f in report["findings"] if f["requirement"] == "saas-agent-nats")
    assert "default-deny-egress" in finding["message"]


def test_the_missing_allow_rule_fixes_it(cli) -> None:
    code, report = json_report(cli, FIXTURES / "saas-agent-netpol-ok")
    assert code == 0
    nats = next(r for r in report["results"] if r["requirement"] == "saas-agent-nats")
    (layer,) = _netpol_layers(nats)
    assert layer["decision"] == "allow"
    assert layer["allowed_by"][0]["file"] == "k8s/prod/allow-palette.yaml"


def test_ipblock_except_leaves_private_destinations_blocked(cli, tmp_path: Path) -> None:
    """The allow rule's ipBlock excepts 10.0.0.0/8: a management platform there stays blocked (K9)."""
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-agent-netpol-ok", net)
    topo = (
        (net / "palette-network.yaml")
        .read_text()
        .replace("  addresses: [internet]\noperators", "  addresses: [10.10.1.0/24]\noperators")
    )
    (net / "palette-network.yaml").write_text(topo)
    _, report = json_report(cli, net)
    nats = next(r for r in report["results"] if r["requirement"] == "saas-agent-nats")
    assert nats["verdict"] == "blocked" and _netpol_layers(nats)[0]["decision"] == "deny"


def test_agent_namespace_convention_without_an_agent_entry(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-agent-netpol-blocked", net)
    topo = (
        (net / "palette-network.yaml")
        .read_text()
        .replace("    agent: {namespace: cluster-6551b7e3a2, labels: {app: palette-agent}}\n", "")
    )
    (net / "palette-network.yaml").write_text(topo)
    _, report = json_report(cli, net)
    nats = next(r for r in report["results"] if r["requirement"] == "saas-agent-nats")
    assert nats["verdict"] == "blocked"
    assert "cluster-6551b7e3a2/palette-agent[Pod]" in _netpol_layers(nats)[0]["message"]


MGMT_TOPOLOGY = """
profiles: [self-hosted]
management:
  addresses: [10.10.1.0/24]
  security_groups: [palette-mgmt]
  kubernetes: k8s/mgmt
  serves: [{namespace: ingress-nginx, labels: {app.kubernetes.io/name: ingress-nginx}}]
operators: [198.51.100.0/24]
vcenter: {addresses: [10.0.9.5]}
registries: {hosts: [registry.spectrocloud.com], addresses: [internet]}
clusters:
  - name: prod
    nodes: [10.20.1.0/24]
    security_groups: [palette-workers]
    api: 10.20.1.10:6443
"""

INGRESS_POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-operators, namespace: ingress-nginx}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}
  policyTypes: [Ingress]
  ingress:
    - from: [{ipBlock: {cidr: %s}}]
      ports: [{protocol: TCP, port: 443}, {protocol: TCP, port: 4222}]
"""


def test_management_ingress_policy_must_admit_the_agents(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "self-hosted-ok", net)
    (net / "palette-network.yaml").write_text(MGMT_TOPOLOGY)
    (net / "k8s" / "mgmt").mkdir(parents=True)
    (net / "k8s" / "mgmt" / "policy.yaml").write_text(INGRESS_POLICY % "198.51.100.0/24")
    code, report = json_report(cli, net)
    verdicts = {r["requirement"]: r["verdict"] for r in report["results"]}
    assert code == 1
    assert verdicts["sh-browser-https"] == "reachable"
    assert verdicts["sh-agent-https"] == verdicts["sh-agent-nats"] == "blocked"
    agent = next(r for r in report["results"] if r["requirement"] == "sh-agent-https")
    (layer,) = _netpol_layers(agent)
    assert layer["blocked_by"][0]["point"] == "ingress-nginx/only-operators"
    (net / "k8s" / "mgmt" / "policy.yaml").write_text(INGRESS_POLICY % "0.0.0.0/0")
    code, report = json_report(cli, net)
    assert code == 0, [r for r in report["results"] if r["verdict"] != "reachable"]


def test_manifests_of_no_cluster_are_skipped_with_a_reason(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-agent-netpol-blocked", net)
    shutil.copytree(net / "k8s" / "prod", net / "k8s" / "other")
    result = cli("validate", net, "--format", "json")
    skipped = {s["path"]: s["reason"] for s in json.loads(result.stdout)["inputs"]["skipped"]}
    assert "no cluster in the topology" in skipped["k8s/other/default-deny.yaml"]
    assert "k8s/prod/default-deny.yaml" not in skipped
