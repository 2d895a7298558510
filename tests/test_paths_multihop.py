"""Paths with more than one hop or in-path layers: proxies (S1–S4 via Squid), NO_PROXY routing, firewalls."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers import FIXTURES, json_report


def _layers(result: dict, kind: str) -> list[dict]:
    return [layer for hop in result["hops"] for layer in hop["layers"] if layer["kind"] == kind]


def test_stock_squid_blocks_nats_and_cites_the_connect_line(cli) -> None:
    code, report = json_report(cli, FIXTURES / "saas-proxy-squid-default")
    assert code == 1
    verdicts = {r["requirement"]: r["verdict"] for r in report["results"]}
    assert verdicts == {
        "saas-browser-https": "reachable",
        "saas-agent-https": "reachable",
        "saas-agent-nats": "blocked",
        "saas-registry-https": "reachable",
        "saas-ssh": "reachable",
    }
    nats = next(r for r in report["results"] if r["requirement"] == "saas-agent-nats")
    assert [h["destination"] for h in nats["hops"]] == ["corp-proxy", "management"]
    assert nats["hops"][0]["port"] == 3128
    (proxy,) = _layers(nats, "proxy")
    assert proxy["decision"] == "deny"
    squid = (FIXTURES / "saas-proxy-squid-default" / "squid.conf").read_text().splitlines()
    line = proxy["blocked_by"][0]["line"]
    assert squid[line - 1] == "http_access deny CONNECT !SSL_ports"
    assert "4222 is not in SSL_ports" in proxy["blocked_by"][0]["rule"]
    https = next(r for r in report["results"] if r["requirement"] == "saas-agent-https")
    assert squid[_layers(https, "proxy")[0]["allowed_by"][0]["line"] - 1] == "http_access allow localnet"
    refused = [f for f in report["findings"] if f["id"] == "PP-PROXY-CONNECT-REFUSED"]
    assert refused and "SSL_ports port 4222" in refused[0]["remediation"]


def test_extending_ssl_ports_fixes_it(cli) -> None:
    code, report = json_report(cli, FIXTURES / "saas-proxy-squid-fixed")
    assert code == 0
    assert {r["verdict"] for r in report["results"]} == {"reachable"}


def test_no_proxy_sends_matching_destinations_direct(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-proxy-squid-default", net)
    topo = (
        (net / "palette-network.yaml")
        .read_text()
        .replace("no_proxy: [10.0.0.0/8,", "no_proxy: [.spectrocloud.com, 10.0.0.0/8,")
    )
    (net / "palette-network.yaml").write_text(topo)
    code, report = json_report(cli, net)
    nats = next(r for r in report["results"] if r["requirement"] == "saas-agent-nats")
    # direct now: the workers' group only lets 3128 to the proxy out, so the direct path is blocked there
    assert [h["destination"] for h in nats["hops"]] == ["management"]
    assert "NO_PROXY entry '.spectrocloud.com'" in nats["hops"][0]["note"]
    assert nats["verdict"] == "blocked" and _layers(nats, "security-group")[0]["decision"] == "deny"


def test_missing_imds_in_no_proxy_warns(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-proxy-squid-fixed", net)
    topo = (net / "palette-network.yaml").read_text().replace(", 169.254.169.254]", "]")
    (net / "palette-network.yaml").write_text(topo)
    code, report = json_report(cli, net)
    assert code == 0
    assert [f["id"] for f in report["findings"] if f["kind"] == "warn"] == ["PP-NO-PROXY-IMDS", "PP-PATH-UNENFORCED"]


def test_ssl_bump_on_palette_hosts_warns(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-proxy-squid-fixed", net)
    conf = (net / "squid.conf").read_text().replace("http_port 3128", "http_port 3128 ssl-bump cert=/etc/squid/ca.pem")
    (net / "squid.conf").write_text(conf + "acl step1 at_step SslBump1\nssl_bump peek step1\nssl_bump bump all\n")
    _, report = json_report(cli, net)
    bumps = [f for f in report["findings"] if f["id"] == "PP-PROXY-SSL-BUMP"]
    assert bumps and bumps[0]["locations"][0]["file"] == "squid.conf"


def test_firewall_admits_443_but_not_6443(cli) -> None:
    code, report = json_report(cli, FIXTURES / "self-hosted-firewall")
    assert code == 1
    bad = [r for r in report["results"] if r["verdict"] != "reachable"]
    assert [(r["requirement"], r["verdict"]) for r in bad] == [("sh-mgmt-cluster-api", "blocked")]
    (wall,) = _layers(bad[0], "firewall")
    assert wall["blocked_by"][0]["rule"].startswith("default_action: deny")
    agent = next(r for r in report["results"] if r["requirement"] == "sh-agent-https")
    assert _layers(agent, "firewall")[0]["allowed_by"][0]["line"] == 17  # rule sites-to-palette
    inside = next(r for r in report["results"] if r["requirement"] == "sh-mgmt-vcenter")
    assert not _layers(inside, "firewall")  # both ends behind the firewall: it is not crossed


def test_stateless_firewall_needs_a_rule_for_replies(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "self-hosted-firewall", net)
    rules = (net / "firewall.yaml").read_text().replace("stateful: true", "stateful: false")
    (net / "firewall.yaml").write_text(rules)
    _, report = json_report(cli, net)
    agent = next(r for r in report["results"] if r["requirement"] == "sh-agent-https")
    assert agent["verdict"] == "blocked"
    reply = next(layer for layer in _layers(agent, "firewall") if layer["layer"].startswith("return traffic"))
    assert reply["decision"] == "deny"
    allow_replies = rules.replace(
        "rules:\n",
        "rules:\n  - {name: replies, action: allow, source: [any], "
        "destination: [any], protocol: tcp, ports: ['1024-65535']}\n",
    )
    (net / "firewall.yaml").write_text(allow_replies)
    _, report = json_report(cli, net)
    agent = next(r for r in report["results"] if r["requirement"] == "sh-agent-https")
    assert agent["verdict"] == "reachable"


def test_explain_prints_every_hop(cli) -> None:
    result = cli(
        "explain", FIXTURES / "saas-proxy-squid-default", "--from", "prod", "--to", "management", "--port", "4222"
    )
    assert result.exit_code == 1
    text = result.stdout
    assert "hop 1: prod -> corp-proxy (port 3128): blocked" in text
    assert "blocked by squid.conf:34" in text and "hop 2: corp-proxy -> management" in text
    ok = cli(
        "explain",
        FIXTURES / "saas-proxy-squid-default",
        "--from",
        "prod",
        "--to",
        "management",
        "--port",
        "443",
        "--format",
        "json",
    )
    assert ok.exit_code == 0 and json.loads(ok.stdout)[0]["verdict"] == "reachable"
    assert cli("explain", FIXTURES / "saas-ok", "--from", "nowhere", "--to", "management", "--port", "1").exit_code == 2
