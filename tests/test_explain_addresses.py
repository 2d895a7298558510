"""explain takes addresses and host names as well as endpoints and roles."""

from __future__ import annotations

import json

from tests.helpers import FIXTURES


def explain(cli, fixture: str, *args: str):
    return cli("explain", FIXTURES / fixture, *args)


def test_an_address_is_narrowed_to_itself_inside_its_endpoint(cli) -> None:
    result = explain(
        cli,
        "saas-proxy-squid-default",
        "--from",
        "10.20.1.5",
        "--to",
        "api.spectrocloud.com",
        "--port",
        "443",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    (path,) = json.loads(result.stdout)
    assert (path["source"], path["destination"], path["verdict"]) == ("prod", "management", "reachable")
    # the proxy decides for this one client, and for the host name asked about
    proxy = next(layer for layer in path["hops"][0]["layers"] if layer["kind"] == "proxy")
    assert "api.spectrocloud.com" in proxy["message"] and "10.20.1.5" in json.dumps(proxy)


def test_nats_through_the_stock_squid_is_blocked_from_an_address(cli) -> None:
    result = explain(
        cli, "saas-proxy-squid-default", "--from", "10.20.1.5", "--to", "message.spectrocloud.com", "--port", "4222"
    )
    assert result.exit_code == 1
    assert "note: --from 10.20.1.5: in prod" in result.stdout
    assert "note: --to message.spectrocloud.com: a host name of management" in result.stdout
    assert "CONNECT message.spectrocloud.com:4222" in result.stdout and "squid.conf:34" in result.stdout


def test_the_most_specific_endpoint_holds_an_address(cli) -> None:
    result = explain(cli, "self-hosted-ok", "--from", "198.51.100.7", "--to", "10.20.1.10", "--port", "6443")
    assert result.exit_code == 1  # operators may not reach the API server: only management may
    assert "in operators" in result.stdout and "in prod/api" in result.stdout
    assert "operators -> prod/api tcp/6443: BLOCKED" in result.stdout
    allowed = explain(cli, "self-hosted-ok", "--from", "10.10.1.4", "--to", "10.20.1.10", "--port", "6443")
    assert allowed.exit_code == 0 and "management -> prod/api tcp/6443: REACHABLE" in allowed.stdout


def test_an_unplaced_address_meets_only_the_other_ends_controls(cli) -> None:
    result = explain(cli, "self-hosted-ok", "--from", "10.9.9.9", "--to", "management", "--port", "443")
    assert result.exit_code == 1
    assert "10.9.9.9: not in the topology" in result.stdout
    assert "ingress of palette-mgmt has no rule allowing tcp/443" in result.stdout


def test_an_unplaced_host_name_is_a_service_on_the_internet(cli) -> None:
    result = explain(cli, "self-hosted-ok", "--from", "prod", "--to", "example.org", "--port", "443")
    assert result.exit_code == 0
    assert "taken as a service on the internet" in result.stdout
    assert "allowed by workers.tf:22" in result.stdout  # the workers' egress 443 to 0.0.0.0/0


def test_what_is_neither_is_one_clear_line(cli) -> None:
    for wrong in ("no such thing!", "mangement"):  # a single word is a mistyped name, not a host
        result = explain(cli, "self-hosted-ok", "--from", wrong, "--to", "management", "--port", "443")
        assert result.exit_code == 2
        assert "no endpoint, role, address or host name" in result.stderr and "Traceback" not in result.stderr


def test_roles_and_names_still_work(cli) -> None:
    result = explain(cli, "saas-nats-blocked", "--from", "workload", "--to", "management", "--port", "4222")
    assert result.exit_code == 1 and "note:" not in result.stdout and "BLOCKED" in result.stdout


def test_two_named_clusters_are_explained_and_roles_pair_each_cluster_with_its_own(cli, tmp_path) -> None:
    import shutil

    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-nats-blocked", net)
    topology = net / "palette-network.yaml"
    topology.write_text(
        topology.read_text()
        + "  - name: stage\n    nodes: [10.30.1.0/24]\n"
        + "    security_groups: [palette-workers]\n    api: 10.30.1.10:6443\n"
    )
    across = cli("explain", net, "--from", "prod", "--to", "stage", "--port", "22")
    assert across.exit_code == 1, across.stdout  # the workers' egress allows only 443
    assert "prod -> stage tcp/22: BLOCKED" in across.stdout
    own = cli("explain", net, "--from", "workload", "--to", "workload-api", "--port", "6443", "--format", "json")
    pairs = {(p["source"], p["destination"]) for p in json.loads(own.stdout)}
    assert pairs == {("prod", "prod/api"), ("stage", "stage/api")}


def test_an_unplaced_address_inside_a_declared_subnet_is_behind_that_subnets_acl(cli, tmp_path) -> None:
    """No role binds the db subnet, but its network ACL (custom, no entries: denies all, N1) stands in front of
    every address in it: the flow is blocked by that ACL, not reachable for want of a binding."""
    from tests.helpers import write_files

    write_files(
        tmp_path,
        {
            "palette-network.yaml": (
                "profiles: [saas]\nmanagement:\n  hosts: [api.spectrocloud.com]\n  addresses: [internet]\n"
                "clusters:\n  - name: prod\n    nodes: [10.20.1.0/24]\n"
            ),
            "main.tf": (
                'resource "aws_subnet" "db" {\n  vpc_id = "vpc-1"\n  cidr_block = "10.30.1.0/24"\n}\n'
                'resource "aws_network_acl" "db" {\n  vpc_id = "vpc-1"\n  subnet_ids = [aws_subnet.db.id]\n}\n'
            ),
        },
    )
    result = cli("explain", tmp_path, "--from", "prod", "--to", "10.30.1.5", "--port", "5432")
    assert result.exit_code == 1, result.stdout
    assert "prod -> 10.30.1.5 tcp/5432: BLOCKED" in result.stdout
    assert "note: --to 10.30.1.5: not in the topology; in subnet aws_subnet.db" in result.stdout
    assert "[BLOCK] inbound ACL of 10.30.1.5 (aws_network_acl.db)" in result.stdout
    # an address in no declared subnet still meets only the other end's controls
    other = cli("explain", tmp_path, "--from", "prod", "--to", "10.40.1.5", "--port", "5432")
    assert other.exit_code == 0 and "only the other end's controls" in other.stdout
