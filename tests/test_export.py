"""``palette-policy export``: the required flows as NetworkValidator resources (valid against the plugin's CRD,
copied in tests/data/network-validator with its license) and as a POSIX shell script run against real
listeners and a real Squid."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers import FIXTURES, ROOT, write_files

NV = ROOT / "tests" / "data" / "network-validator"
CRD = yaml.safe_load((NV / "validation.spectrocloud.labs_networkvalidators.yaml").read_text())
SCHEMA = CRD["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
RULE_LISTS = ("tcpConnRules", "dnsRules", "icmpRules", "ipRangeRules", "mtuRules", "httpFileRules")
SHELLS = [s for s in ("sh", "dash") if shutil.which(s)]


def check_against_crd(doc: dict) -> None:
    """The CRD's openAPIV3Schema (maxItems 5 included) plus its CEL rule: unique names in each list."""
    jsonschema.validate(doc, SCHEMA)
    assert doc["apiVersion"] == "validation.spectrocloud.labs/v1alpha1" and doc["kind"] == "NetworkValidator"
    for key in RULE_LISTS:
        names = [rule["name"] for rule in doc["spec"].get(key, [])]
        assert len(names) == len(set(names)) <= 5, (key, names)


def export(cli, path: Path, *args: str) -> str:
    result = cli("export", path, *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def documents(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def test_the_crd_check_accepts_the_upstream_samples_and_refuses_six_rules() -> None:
    samples = [d for p in sorted((NV / "samples").glob("networkvalidator-*.yaml")) for d in documents(p.read_text())]
    assert len(samples) == 6
    for sample in samples:
        check_against_crd(sample)
    too_many = {**samples[-1], "spec": {"dnsRules": [{"name": f"r{i}", "host": "h"} for i in range(6)]}}
    with pytest.raises(jsonschema.ValidationError):
        check_against_crd(too_many)
    twice = {**samples[-1], "spec": {"dnsRules": [{"name": "r", "host": "a"}, {"name": "r", "host": "b"}]}}
    with pytest.raises(AssertionError):
        check_against_crd(twice)


@pytest.mark.parametrize("fixture", sorted(p.parent.name for p in FIXTURES.glob("*/palette-network.yaml")))
def test_every_fixture_exports_valid_network_validators(cli, fixture: str) -> None:
    docs = documents(export(cli, FIXTURES / fixture))
    for doc in docs:
        check_against_crd(doc)
    names = [d["metadata"]["name"] for d in docs]
    assert len(names) == len(set(names))


def _rules(docs: list[dict], location: str) -> set[tuple[str, int]]:
    return {
        (rule["host"], port)
        for d in docs
        if d["metadata"]["labels"]["palette-policy/location"] == location
        for rule in d["spec"].get("tcpConnRules", [])
        for port in rule["ports"]
    }


def test_self_hosted_probes_cover_every_required_host_and_port(cli) -> None:
    # fixtures/self-hosted-ok: management 10.10.1.0/24 (a range: no single host to dial), vcenter 10.0.9.5,
    # registries registry.spectrocloud.com, prod's API 10.20.1.10:6443; profile self-hosted (NATS era)
    text = export(cli, FIXTURES / "self-hosted-ok")
    docs = documents(text)
    assert _rules(docs, "management") == {("10.0.9.5", 443), ("registry.spectrocloud.com", 443), ("10.20.1.10", 6443)}
    assert _rules(docs, "prod") == {("10.0.9.5", 443), ("registry.spectrocloud.com", 443)}
    # internal destinations present your own CA's certificates; public ones are verified
    tcp = {r["host"]: r for d in docs for r in d["spec"].get("tcpConnRules", [])}
    assert tcp["10.20.1.10"].get("insecureSkipTlsVerify") is True
    assert "insecureSkipTlsVerify" not in tcp["registry.spectrocloud.com"]
    assert {"resolve registry.spectrocloud.com"} == {r["name"] for d in docs for r in d["spec"].get("dnsRules", [])}
    # the workers' flows to the management range cannot be a probe, and say so
    assert "not probed: sh-agent-nats tcp/4222 prod -> management: management is a range (10.10.1.0/24)" in text


def test_proxied_and_non_tls_flows_are_comments_and_script_probes(cli) -> None:
    # fixtures/saas-proxy-squid-default: prod's HTTPS_PROXY is http://10.0.5.10:3128 and NO_PROXY does not
    # match Palette's hosts; profile saas: api/message.spectrocloud.com on 443 and 4222, the registry on 443
    path = FIXTURES / "saas-proxy-squid-default"
    text = export(cli, path)
    assert documents(text) == []  # nothing the plugin can prove: it dials direct
    expected = {
        ("api.spectrocloud.com", 443),
        ("message.spectrocloud.com", 443),
        ("api.spectrocloud.com", 4222),
        ("message.spectrocloud.com", 4222),
        ("registry.spectrocloud.com", 443),
    }
    for host, port in expected:
        assert f"not a rule: {host}:{port} " in text and "goes through the proxy http://10.0.5.10:3128" in text
    script = export(cli, path, "--format", "script")
    probes = {tuple(line.split()[1:4]) for line in script.splitlines() if line.strip().startswith("probe ")}
    assert probes == {(host, str(port), "http://10.0.5.10:3128") for host, port in expected}


def test_saas_nats_is_a_comment_for_the_plugin(cli) -> None:
    # fixtures/saas-ok: no proxy; NATS 4222 does not speak TLS first, so the plugin's TLS dial would fail it
    text = export(cli, FIXTURES / "saas-ok")
    docs = documents(text)
    assert _rules(docs, "prod") == {
        ("api.spectrocloud.com", 443),
        ("message.spectrocloud.com", 443),
        ("registry.spectrocloud.com", 443),
    }
    assert "not a rule: api.spectrocloud.com:4222 (saas-agent-nats) does not speak TLS first" in text


def test_rules_spill_into_more_documents_five_at_a_time(cli, tmp_path: Path) -> None:
    hosts = [f"registry{i}.example.com" for i in range(12)]
    net = write_files(
        tmp_path,
        {
            "palette-network.yaml": f"""
                profiles: [saas-grpc]
                management: {{hosts: [api.spectrocloud.com], addresses: [internet]}}
                registries: {{hosts: [{", ".join(hosts)}], addresses: [internet]}}
                clusters: [{{name: prod, nodes: [10.0.1.0/24]}}]
            """,
            "sg.tf": 'resource "aws_security_group" "x" {\n  name = "x"\n}\n',
        },
    )
    docs = documents(export(cli, net))
    assert len(docs) == 3  # 13 TCP rules and 13 DNS rules: 5 + 5 + 3 each
    for doc in docs:
        check_against_crd(doc)
    assert _rules(docs, "prod") == {(h, 443) for h in [*hosts, "api.spectrocloud.com"]}


def test_only_not_proven(cli) -> None:
    # fixtures/saas-nats-blocked: only prod -> management tcp/4222 is blocked
    script = export(cli, FIXTURES / "saas-nats-blocked", "--format", "script", "--only", "not-proven")
    assert [line.split()[1] for line in script.splitlines() if line.strip().startswith("requirement ")] == [
        "saas-agent-nats"
    ]
    assert "saas-agent-https" not in script
    assert cli("export", FIXTURES / "saas-nats-blocked", "--only", "everything").exit_code == 2


def test_pcg_and_edge_locations(cli) -> None:
    docs = documents(export(cli, FIXTURES / "pcg-vsphere-ok"))
    assert _rules(docs, "pcg-dc1") == {("10.50.0.10", 443), ("10.50.2.10", 6443)}  # vCenter, the cluster's API
    edge = documents(export(cli, FIXTURES / "edge-store-ok"))
    # the Edge hosts dial Palette and the registries direct, the cluster VIP on 6443 and the one control-plane
    # host's etcd on 2379-2380; the kubelet (10250) of every host is a range, not one address to dial
    assert _rules(edge, "store-042") == {
        ("api.spectrocloud.com", 443),
        ("us-docker.pkg.dev", 443),
        ("gcr.io", 443),
        ("192.168.10.100", 6443),
        ("192.168.10.11", 2379),
        ("192.168.10.11", 2380),
    }


def test_export_needs_a_topology(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "saas-ok", tmp_path / "n")
    (tmp_path / "n" / "palette-network.yaml").unlink()
    result = cli("export", tmp_path / "n")
    assert result.exit_code == 2 and "palette-policy init" in result.stderr


# --- the script, run ----------------------------------------------------------------------------------------


@contextmanager
def listener() -> Iterator[int]:
    """A TCP listener on loopback that accepts and holds connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port = int(server.getsockname()[1])
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield port
    finally:
        server.close()
        for conn in held:
            conn.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ROW = (
    "  - {{id: {id}, source: workload, destination: {dst}, protocol: tcp, ports: '{port}', purpose: {id},"
    " required: {required}, via_proxy: true, citation: {{document: test, version: '1'}}}}\n"
)
PROFILE = "profile: probes\ntitle: probes under test\nrequirements:\n"


def _profile(open_port: int, closed: int) -> str:
    rows = [("open-port", "management", open_port, "true"), ("closed-port", "management", closed, "true")]
    rows.append(("optional-closed", "registry", closed, "false"))
    return PROFILE + "".join(ROW.format(id=i, dst=d, port=p, required=r) for i, d, p, r in rows)


def network(tmp_path: Path, open_port: int, closed: int, topology: str) -> Path:
    net = write_files(
        tmp_path / "net",
        {"palette-network.yaml": topology, "sg.tf": 'resource "aws_security_group" "x" {\n  name = "x"\n}\n'},
    )
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "probes.yaml").write_text(_profile(open_port, closed))
    return net


def script_for(cli, net: Path, tmp_path: Path) -> Path:
    out = tmp_path / "probes.sh"
    result = cli("export", net, "--format", "script", "--profiles-dir", tmp_path / "profiles", "-o", out)
    assert result.exit_code == 0, result.stderr
    return out


def run_script(shell: str, script: Path, location: str, path_dirs: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PALETTE_PROBE_TIMEOUT": "2"}
    if path_dirs is not None:
        env["PATH"] = path_dirs
    return subprocess.run([shell, str(script), location], capture_output=True, text=True, timeout=60, env=env)


def without_nc(tmp_path: Path) -> str:
    """A PATH with the tools the script uses but no nc (the curl fallback)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("curl", "cat", "dash", "sh"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


@pytest.mark.parametrize("shell", SHELLS)
def test_script_syntax(cli, shell: str, tmp_path: Path) -> None:
    for fixture in ("saas-proxy-squid-default", "pcg-vsphere-ok", "edge-store-ok", "self-hosted-ok"):
        out = tmp_path / f"{fixture}.sh"
        assert cli("export", FIXTURES / fixture, "--format", "script", "-o", out).exit_code == 0
        check = subprocess.run([shell, "-n", str(out)], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr


@pytest.mark.skipif(not SHELLS or not shutil.which("curl"), reason="needs sh/dash and curl")
@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("tool", ["nc", "curl"])
def test_script_direct_probes_against_local_listeners(cli, tmp_path: Path, shell: str, tool: str) -> None:
    if tool == "nc" and not shutil.which("nc"):
        pytest.skip("nc is not installed")
    with listener() as open_port:
        closed = closed_port()
        topology = """
            profiles: [probes]
            management: {addresses: [127.0.0.1]}
            registries: {addresses: [127.0.0.1]}
            clusters: [{name: prod, nodes: [10.0.1.0/24]}]
        """
        script = script_for(cli, network(tmp_path, open_port, closed, textwrap.dedent(topology)), tmp_path)
        done = run_script(shell, script, "prod", None if tool == "nc" else without_nc(tmp_path))
    lines = sorted(done.stdout.splitlines())  # one line per requirement, in the report's requirement order
    assert lines == sorted(
        [
            f"PASS open-port 127.0.0.1:{open_port}",
            f"FAIL closed-port 127.0.0.1:{closed}",
            f"FAIL optional-closed 127.0.0.1:{closed} (optional)",
        ]
    ), done.stderr
    assert done.returncode == 1  # a required probe failed
    assert run_script(shell, script, "nowhere").returncode == 2


SQUID = shutil.which("squid") or ("/usr/sbin/squid" if os.path.exists("/usr/sbin/squid") else None)


@pytest.mark.skipif(SQUID is None or not shutil.which("curl"), reason="needs squid and curl")
def test_script_tunnels_through_a_real_squid(cli, tmp_path: Path) -> None:
    from tests.layers.squid_oracle import Squid

    with listener() as open_port:
        closed = closed_port()
        denied = closed_port()
        config = textwrap.dedent(f"""
            acl SSL_ports port {open_port} {closed}
            acl CONNECT method CONNECT
            http_access deny CONNECT !SSL_ports
            http_access allow localhost
            http_access deny all
        """)
        with Squid(config, {"palette.test": "127.0.0.1"}) as squid:
            topology = f"""
                profiles: [probes]
                management: {{hosts: [palette.test], addresses: [internet]}}
                registries: {{hosts: [palette.test], addresses: [internet]}}
                clusters:
                  - name: prod
                    nodes: [10.0.1.0/24]
                    proxy: {{https: "http://127.0.0.1:{squid.port}"}}
            """
            net = network(tmp_path, open_port, closed, textwrap.dedent(topology))
            script = script_for(cli, net, tmp_path)
            text = script.read_text()
            proxy = f"http://127.0.0.1:{squid.port}"
            assert f"probe palette.test {open_port} {proxy}" in text
            script.write_text(
                text + f"\ntunnel {proxy} palette.test {denied} && echo DENIED-PASSED || echo DENIED-FAILED\n"
            )
            done = run_script("sh", script, "prod")
    lines = done.stdout.splitlines()
    assert sorted(lines[:3]) == sorted(
        [
            f"PASS open-port palette.test:{open_port}",  # Squid reached the listener: 200
            f"FAIL closed-port palette.test:{closed}(via {proxy})",  # allowed, nothing listens: 503
            f"FAIL optional-closed palette.test:{closed}(via {proxy}) (optional)",
        ]
    ), done.stderr
    assert lines[3] == "DENIED-FAILED"  # CONNECT to a port not in SSL_ports: 403


def test_both_formats_from_one_run(cli, tmp_path: Path, monkeypatch) -> None:
    nv, script = tmp_path / "nv.yaml", tmp_path / "probes.sh"
    monkeypatch.setenv("PALETTE_POLICY_ONLY", "not-proven")  # every option also reads the environment
    result = cli("export", FIXTURES / "saas-nats-blocked", "-o", f"network-validator={nv}", "-o", f"script={script}")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "requirement saas-agent-nats required" in script.read_text() and "saas-agent-https" not in script.read_text()
    assert "not a rule: api.spectrocloud.com:4222 (saas-agent-nats)" in nv.read_text()
