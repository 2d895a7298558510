"""``palette-policy init``: a first topology from what a folder declares, valid at once, every guess commented.

Expected guesses are read off the configurations (names, subnets' CIDRs, rules), never recorded from output.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers import FIXTURES, ROOT, json_report

SCHEMA = json.loads((ROOT / "schemas" / "topology.schema.json").read_text())
FIXTURE_DIRS = sorted(p.parent for p in FIXTURES.glob("*/palette-network.yaml")) + sorted(
    p.parent for p in FIXTURES.glob("formats/*/*/palette-network.yaml")
)
EKS = ROOT / "tests" / "corpus" / "terraform" / "_repos" / "terraform-aws-eks"  # SOURCE.md, LICENSE in it


def without_topology(tmp_path: Path, fixture: Path) -> Path:
    net = tmp_path / "net"
    shutil.copytree(fixture, net)
    (net / "palette-network.yaml").unlink(missing_ok=True)
    return net


def init(cli, net: Path, *args: str) -> dict:
    result = cli("init", net, *args)
    assert result.exit_code == 0, result.stderr
    text = (net / "palette-network.yaml").read_text()
    doc = yaml.safe_load(text)
    jsonschema.validate(doc, SCHEMA)
    return doc


@pytest.mark.parametrize("fixture", FIXTURE_DIRS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_init_on_every_fixture_writes_a_topology_validate_runs_on(cli, tmp_path: Path, fixture: Path) -> None:
    net = without_topology(tmp_path, fixture)
    init(cli, net)
    code, report = json_report(cli, net)
    assert code in (0, 1)
    text = (net / "palette-network.yaml").read_text()
    todo = [f for f in report["findings"] if f["id"] == "PP-TOPOLOGY-TODO"]
    assert bool(todo) == ("# TODO" in text)  # placeholders are never silent
    assert not [f for f in report["findings"] if f["id"] == "PP-NO-TOPOLOGY"]


def test_guesses_on_a_self_hosted_network_match_its_configs(cli, tmp_path: Path) -> None:
    # network.tf: subnets palette-mgmt 10.10.1.0/24 and palette-workers 10.20.1.0/24; management.tf and
    # workers.tf: groups palette-mgmt and palette-workers, 443 and 22 open to 198.51.100.0/24
    net = without_topology(tmp_path, FIXTURES / "self-hosted-nacl-ok")
    doc = init(cli, net, "--palette-version", "3.9")
    assert doc["palette_version"] == "3.9"
    assert doc["management"] == {
        "addresses": ["10.10.1.0/24"],
        "security_groups": ["palette-mgmt"],
        "subnets": ["palette-mgmt"],
    }
    assert doc["operators"] == ["198.51.100.0/24"]
    (cluster,) = doc["clusters"]
    assert cluster == {
        "name": "workers",
        "nodes": ["10.20.1.0/24"],
        "security_groups": ["palette-workers"],
        "subnets": ["palette-workers"],
    }
    # the draft binds the same parts as the hand-written topology: the paths both check get the same verdicts
    _, drafted = json_report(cli, net)
    _, written = json_report(cli, FIXTURES / "self-hosted-nacl-ok")
    by_req = {r["requirement"]: r["verdict"] for r in written["results"]}
    common = {r["requirement"]: r["verdict"] for r in drafted["results"] if r["requirement"] in by_req}
    assert len(common) >= 5 and common == {k: by_req[k] for k in common}


def test_the_broken_network_stays_broken_in_the_draft(cli, tmp_path: Path) -> None:
    net = without_topology(tmp_path, FIXTURES / "self-hosted-nacl-no-return")
    init(cli, net, "--palette-version", "3.9")
    code, report = json_report(cli, net)
    assert code == 1
    assert {r["verdict"] for r in report["results"] if r["requirement"] == "sh-agent-nats"} == {"partial"}


def test_kubernetes_folder_and_agent_namespace_are_guessed(cli, tmp_path: Path) -> None:
    # k8s/prod/namespace.yaml declares the namespace cluster-6551b7e3a2 (Palette's agent namespace)
    net = without_topology(tmp_path, FIXTURES / "saas-agent-netpol-ok")
    (cluster,) = init(cli, net)["clusters"]
    assert cluster["kubernetes"] == "k8s/prod"
    assert cluster["agent"] == {"namespace": "cluster-6551b7e3a2"}


def test_proxy_is_guessed_from_squid_conf_and_its_group(cli, tmp_path: Path) -> None:
    # squid.conf: http_port 3128; security_groups.tf: group palette-proxy
    net = without_topology(tmp_path, FIXTURES / "saas-proxy-squid-default")
    doc = init(cli, net)
    (proxy,) = doc["proxies"]
    assert (proxy["port"], proxy["config"], proxy["security_groups"]) == (3128, "squid.conf", ["palette-proxy"])
    assert doc["management"] == {"hosts": ["api.spectrocloud.com"], "addresses": ["internet"]}  # no mgmt group
    assert "# proxy: {https:" in (net / "palette-network.yaml").read_text()  # the clients' settings: a TODO


def test_edge_hosts_and_operators_from_firewall_zones(cli, tmp_path: Path) -> None:
    # firewall.yaml zones: edge-hosts 192.168.10.0/24, head-office 198.51.100.0/24
    net = without_topology(tmp_path, FIXTURES / "edge-store-ok")
    doc = init(cli, net)
    (cluster,) = doc["clusters"]
    assert (cluster["nodes"], cluster["edge"]) == (["192.168.10.0/24"], True)
    assert doc["operators"] == ["198.51.100.0/24"]
    assert "# firewalls:" in (net / "palette-network.yaml").read_text()


def test_eks_module_instances_become_clusters(cli, tmp_path: Path) -> None:
    # examples/eks-auto-mode/main.tf: module "eks" and module "eks_auto_custom_node_pools" (module
    # "disabled_eks" has create = false); the root module's node_groups.tf declares the node group
    # (aws_security_group.node, "EKS node shared security group") and main.tf the cluster group
    # (aws_security_group.cluster, "EKS cluster security group", on the control plane's interfaces).
    src = tmp_path / "src"
    shutil.copytree(EKS, src)
    net = src / "examples" / "eks-auto-mode"
    # the modules are the repository's own root ("../.."): read when the repository holds both (a checkout),
    # else only with --allow-outside
    refused = cli("init", net)
    assert refused.exit_code == 2 and "module source '../..' is outside the repository" in refused.stderr
    assert not (net / "palette-network.yaml").exists()
    allowed = cli("init", net, "--allow-outside", src, "--output", "-")
    assert allowed.exit_code == 0 and "module.eks.aws_security_group.node[0]" in allowed.stdout, allowed.stderr
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    doc = init(cli, net)
    clusters = {c["name"]: c for c in doc["clusters"]}
    assert set(clusters) == {"eks", "eks-auto-custom-node-pools"}
    for name, module in (("eks", "eks"), ("eks-auto-custom-node-pools", "eks_auto_custom_node_pools")):
        assert clusters[name]["security_groups"] == [f"module.{module}.aws_security_group.node[0]"]
        assert clusters[name]["control_plane_security_groups"] == [f"module.{module}.aws_security_group.cluster[0]"]
    assert doc["management"]["hosts"] == ["api.spectrocloud.com"]  # nothing named like a self-hosted platform
    text = (net / "palette-network.yaml").read_text()
    assert "# guess: named like a control plane's" in text
    assert text.count("# TODO: the addresses of the nodes of cluster") == 2  # no subnet in the repo says
    code, _ = json_report(cli, net)
    assert code in (0, 1)


def test_never_overwrites_without_force(cli, tmp_path: Path) -> None:
    net = without_topology(tmp_path, FIXTURES / "saas-ok")
    init(cli, net)
    (net / "palette-network.yaml").write_text("profiles: [\n")  # even a broken one is kept
    again = cli("init", net)
    assert again.exit_code == 2 and "exists" in again.stderr and "--force" in again.stderr
    assert (net / "palette-network.yaml").read_text() == "profiles: [\n"
    init(cli, net, "--force")  # and --force does not need to read it


def test_output_to_stdout_or_elsewhere(cli, tmp_path: Path) -> None:
    net = without_topology(tmp_path, FIXTURES / "saas-ok")
    result = cli("init", net, "--output", "-")
    assert result.exit_code == 0 and result.stdout.startswith("# palette-network.yaml, written by")
    assert not (net / "palette-network.yaml").exists()
    other = tmp_path / "drafts" / "net.yaml"
    assert cli("init", net, "-o", other).exit_code == 0 and other.exists()
    assert "TODO" in result.stderr  # the count of TODOs and their lines


def test_nothing_to_start_from(cli, tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("nothing\n")
    result = cli("init", tmp_path)
    assert result.exit_code == 2 and "nothing to start from" in result.stderr
    assert not (tmp_path / "palette-network.yaml").exists()
    assert cli("init", tmp_path, "--palette-version", "x").exit_code == 2


def test_clusters_are_told_apart_by_the_rest_of_their_names(cli, tmp_path: Path) -> None:
    from tests.helpers import write_files

    sg = 'resource "aws_security_group" "{r}" {{\n  name = "{n}"\n}}\n'
    subnet = (
        'resource "aws_subnet" "{r}" {{\n  vpc_id = "vpc-1"\n  cidr_block = "{c}"\n  tags = {{ Name = "{n}" }}\n}}\n'
    )
    net = write_files(
        tmp_path / "net",
        {
            "groups.tf": "".join(
                sg.format(r=r, n=n)
                for r, n in (("a", "prod-workers"), ("b", "prod-cp"), ("c", "staging-workers"), ("d", "bastion"))
            ),
            "subnets.tf": "".join(
                subnet.format(r=r, n=n, c=c)
                for r, n, c in (
                    ("a", "prod-workers-a", "10.1.1.0/24"),
                    ("b", "prod-workers-b", "10.1.3.0/24"),
                    ("c", "staging-workers-a", "10.2.1.0/24"),
                )
            ),
        },
    )
    doc = init(cli, net)
    clusters = {c["name"]: c for c in doc["clusters"]}
    assert clusters["prod"]["nodes"] == ["10.1.1.0/24", "10.1.3.0/24"]
    assert clusters["prod"]["security_groups"] == ["prod-workers"]
    assert clusters["prod"]["control_plane_security_groups"] == ["prod-cp"]
    assert clusters["staging"] == {
        "name": "staging",
        "nodes": ["10.2.1.0/24"],
        "security_groups": ["staging-workers"],
        "subnets": ["staging-workers-a"],
    }
    assert "#   security group bastion" in (net / "palette-network.yaml").read_text()  # a group has no addresses


def test_another_commands_output_setting_is_refused_not_obeyed(cli, tmp_path: Path, monkeypatch) -> None:
    net = without_topology(tmp_path, FIXTURES / "saas-ok")
    monkeypatch.setenv("PALETTE_POLICY_OUTPUT", "sarif=report.sarif")  # meant for validate
    result = cli("init", net)
    assert result.exit_code == 2 and "unknown format 'sarif'" in result.stderr
    assert not (net / "palette-network.yaml").exists()
    monkeypatch.setenv("PALETTE_POLICY_OUTPUT", f"yaml={tmp_path / 'draft.yaml'}")
    assert cli("init", net).exit_code == 0 and (tmp_path / "draft.yaml").exists()
