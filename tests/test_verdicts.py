"""Truthful verdicts on four networks that used to get wrong answers.

Each network is a bundled fixture with one change; the expected verdicts are read from the fixture's
configuration and the semantics (docs/semantics.md), not recorded from a run.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, json_report

SQUID_DEFAULT = FIXTURES / "saas-proxy-squid-default"


def _copy(name: str, dest: Path) -> Path:
    net = dest / name
    shutil.copytree(FIXTURES / name, net)
    return net


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


ORDER_PROFILE = """
profile: order
title: a proxied and a direct requirement between the same endpoints
requirements:
{rows}
"""
ROW = (
    "  - {{id: {id}, source: workload, destination: management, protocol: tcp, ports: '443', purpose: {id}, "
    "required: true, via_proxy: {via}, citation: {{document: test, version: '1'}}}}\n"
)


def _order_profile(root: Path, rows: list[tuple[str, bool]]) -> Path:
    directory = root / "profiles"
    directory.mkdir(exist_ok=True)
    text = "".join(ROW.format(id=i, via="true" if via else "false") for i, via in rows)
    (directory / "order.yaml").write_text(ORDER_PROFILE.format(rows=text))
    return directory


@pytest.fixture
def widened_proxy_egress(tmp_path: Path) -> Path:
    """saas-proxy-squid-default with the workers' egress to the proxy widened to every port."""
    net = _copy("saas-proxy-squid-default", tmp_path)
    _edit(
        net / "security_groups.tf",
        'description = "only to the proxy"\n    from_port   = 3128\n    to_port     = 3128',
        'description = "only to the proxy"\n    from_port   = 0\n    to_port     = 65535',
    )
    return net


@pytest.mark.parametrize(
    "rows",
    [[("a-proxied", True), ("b-direct", False)], [("b-direct", False), ("a-proxied", True)], [("b-direct", False)]],
    ids=["proxied-first", "direct-first", "direct-alone"],
)
def test_a_direct_requirement_is_routed_direct_whatever_comes_before(
    cli, widened_proxy_egress: Path, tmp_path: Path, rows: list[tuple[str, bool]]
) -> None:
    profiles = _order_profile(tmp_path, rows)
    _, report = json_report(cli, widened_proxy_egress, "--profiles-dir", profiles, "--profile", "order")
    direct = next(r for r in report["results"] if r["requirement"] == "b-direct")
    # the workers' only egress rule goes to the proxy (10.0.5.10/32): straight to the internet is blocked there
    assert [(h["source"], h["destination"]) for h in direct["hops"]] == [("prod", "management")]
    assert direct["verdict"] == "blocked"
    (blocking,) = direct["blocking"]
    assert blocking["layer"] == "egress of prod (palette-workers)" and blocking["decision"] == "deny"
    proxied = [r for r in report["results"] if r["requirement"] == "a-proxied"]
    if proxied:  # through the proxy: every port is open to it now, squid allows CONNECT 443 for localnet
        assert [h["destination"] for h in proxied[0]["hops"]] == ["corp-proxy", "management"]
        assert proxied[0]["verdict"] == "reachable"


def test_the_order_of_requirements_changes_no_byte_of_the_report(
    cli, widened_proxy_egress: Path, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    second = tmp_path / "second"
    first.mkdir()
    second.mkdir()
    a = cli(
        "validate",
        widened_proxy_egress,
        "--profiles-dir",
        _order_profile(first, [("a-proxied", True), ("b-direct", False)]),
        "--profile",
        "order",
        "--format",
        "json",
    ).stdout
    b = cli(
        "validate",
        widened_proxy_egress,
        "--profiles-dir",
        _order_profile(second, [("b-direct", False), ("a-proxied", True)]),
        "--profile",
        "order",
        "--format",
        "json",
    ).stdout
    assert a == b


@pytest.fixture
def proxy_listens_elsewhere(tmp_path: Path) -> Path:
    """saas-proxy-squid-default whose proxy group admits 3129 instead of the proxy's port 3128."""
    net = _copy("saas-proxy-squid-default", tmp_path)
    _edit(
        net / "security_groups.tf",
        'description = "proxy clients"\n    from_port   = 3128\n    to_port     = 3128',
        'description = "proxy clients"\n    from_port   = 3129\n    to_port     = 3129',
    )
    return net


def test_every_layer_after_a_block_is_judged_with_its_evidence(cli, proxy_listens_elsewhere: Path) -> None:
    squid = (proxy_listens_elsewhere / "squid.conf").read_text().splitlines()
    result = cli("explain", proxy_listens_elsewhere, "--from", "prod", "--to", "management", "--port", "4222")
    assert result.exit_code == 1
    text = result.stdout
    assert "[BLOCK] ingress of palette-proxy has no rule allowing tcp/3128" in text
    assert "[BLOCK] proxy corp-proxy denies CONNECT api.spectrocloud.com:4222" in text
    assert "[pass] proxy" not in text
    assert "blocking (2, each must change" in text
    explained = json.loads(
        cli(
            "explain", proxy_listens_elsewhere, "--from", "prod", "--to", "management", "--port", "4222", "-f", "json"
        ).stdout
    )[0]
    layers = {layer["kind"]: layer for layer in explained["hops"][0]["layers"] if layer["kind"] != "security-group"}
    proxy = layers["proxy"]
    assert proxy["decision"] == "deny"
    assert squid[proxy["blocked_by"][0]["line"] - 1] == "http_access deny CONNECT !SSL_ports"
    assert [b["kind"] for b in explained["blocking"]] == ["security-group", "proxy"]
    # the JSON report (and the evidence bundle's copy of it) say the same
    _, report = json_report(cli, proxy_listens_elsewhere)
    nats = next(r for r in report["results"] if r["requirement"] == "saas-agent-nats")
    assert [(b["kind"], b["decision"]) for b in nats["blocking"]] == [("security-group", "deny"), ("proxy", "deny")]
    https = next(r for r in report["results"] if r["requirement"] == "saas-agent-https")
    # on 443 squid allows the CONNECT (localnet) while the group still blocks: each layer says its own truth
    decisions = {layer["kind"]: layer["decision"] for layer in https["hops"][0]["layers"]}
    assert decisions["proxy"] == "allow" and https["verdict"] == "blocked"
    allow = next(layer for layer in https["hops"][0]["layers"] if layer["kind"] == "proxy")
    assert squid[allow["allowed_by"][0]["line"] - 1] == "http_access allow localnet"


def test_no_layer_allows_without_a_rule_or_a_documented_default(cli) -> None:
    for fixture in sorted(p for p in FIXTURES.iterdir() if (p / "palette-network.yaml").exists()):
        _, report = json_report(cli, fixture)
        for r in report["results"]:
            for hop in r["hops"]:
                for layer in hop["layers"]:
                    if layer["decision"] == "allow":
                        assert layer["allowed_by"], (fixture.name, r["requirement"], layer["layer"])


@pytest.fixture
def nats_port_from_a_variable(tmp_path: Path) -> Path:
    """saas-nats-blocked plus an egress rule whose port is a variable without a value."""
    net = _copy("saas-nats-blocked", tmp_path)
    with (net / "security_groups.tf").open("a") as tf:
        tf.write(
            '\nvariable "p" {\n  type = number\n}\n\n'
            'resource "aws_security_group_rule" "nats" {\n'
            '  type              = "egress"\n'
            "  from_port         = var.p\n"
            "  to_port           = var.p\n"
            '  protocol          = "tcp"\n'
            '  cidr_blocks       = ["0.0.0.0/0"]\n'
            "  security_group_id = aws_security_group.workers.id\n"
            "}\n"
        )
    return net


def test_a_port_not_known_until_apply_is_unknown_never_allowed(cli, nats_port_from_a_variable: Path) -> None:
    lines = (nats_port_from_a_variable / "security_groups.tf").read_text().splitlines()
    first = lines.index('resource "aws_security_group_rule" "nats" {') + 1
    # where the unresolved value comes from: the rule (or its attribute), or the variable without a value
    rule_lines = [lines.index('variable "p" {') + 1, *range(first, first + 8)]
    code, report = json_report(cli, nats_port_from_a_variable)
    assert code == 1
    nats = next(r for r in report["results"] if r["requirement"] == "saas-agent-nats")
    assert nats["verdict"] == "unknown"
    (egress,) = [layer for layer in nats["hops"][0]["layers"] if layer["kind"] == "security-group"]
    assert egress["decision"] == "unknown"
    assert any(
        u.startswith(f"security_groups.tf:{n}: from_port") for u in egress["unknown_because"] for n in rule_lines
    )
    finding = next(f for f in report["findings"] if f["id"] == "PP-PATH-UNKNOWN")
    assert finding["requirement"] == "saas-agent-nats"
    assert any(f"security_groups.tf:{n}: from_port" in finding["message"] for n in rule_lines)
    assert "var.p" in finding["message"]
    # the other paths do not change: 443 is allowed by a rule whose every part is known
    https = next(r for r in report["results"] if r["requirement"] == "saas-agent-https")
    assert https["verdict"] == "reachable"


@pytest.fixture
def nothing_bound(tmp_path: Path) -> Path:
    """self-hosted-nacl-ok whose topology binds no security group and no subnet (the configs still declare them)."""
    net = _copy("self-hosted-nacl-ok", tmp_path)
    topology = net / "palette-network.yaml"
    kept = [ln for ln in topology.read_text().splitlines() if "security_groups:" not in ln and "subnets:" not in ln]
    topology.write_text("\n".join(kept) + "\n")
    return net


def test_a_topology_that_binds_nothing_is_loud_in_every_format(cli, nothing_bound: Path) -> None:
    _, report = json_report(cli, nothing_bound)
    required = [r for r in report["results"] if r["required"]]
    assert required and all(r["verdict"] == "reachable" and not r["enforced"] for r in required)
    unenforced = {f["requirement"] for f in report["findings"] if f["id"] == "PP-PATH-UNENFORCED"}
    assert unenforced == {r["requirement"] for r in required}
    agent = next(
        f for f in report["findings"] if f["id"] == "PP-PATH-UNENFORCED" and f["requirement"] == "sh-agent-https"
    )
    assert "cluster prod binds no security group or subnet" in agent["message"]
    assert "the repo declares security groups palette-mgmt, palette-workers" in agent["message"]
    (summary,) = [f for f in report["findings"] if f["id"] == "PP-UNBOUND-RESOURCE"]
    assert summary["severity"] == "high" and "binds none of the 6 resources" in summary["message"]
    cover = report["coverage"]
    assert cover["binds_anything"] is False
    assert [u["name"] for u in cover["kinds"]["security_groups"]["unused"]] == ["palette-mgmt", "palette-workers"]
    assert [u["name"] for u in cover["kinds"]["network_acls"]["unused"]] == ["mgmt-acl", "workers-acl"]
    outputs = {
        fmt: cli("validate", nothing_bound, "--format", fmt).stdout
        for fmt in ("table", "markdown", "sarif", "junit", "github", "html")
    }
    for fmt, out in outputs.items():
        assert "PP-UNBOUND-RESOURCE" in out and "PP-PATH-UNENFORCED" in out, fmt
    assert "NOT CHECKED" in outputs["table"] and "COVERAGE (the topology binds nothing)" in outputs["table"]
    assert cli("validate", nothing_bound, "--fail-on", "warn").exit_code == 1


def test_unused_resources_are_listed_once_per_kind(cli, tmp_path: Path) -> None:
    net = _copy("saas-ok", tmp_path)
    with (net / "security_groups.tf").open("a") as tf:
        tf.write(
            '\nresource "aws_security_group" "legacy" {\n  name   = "legacy-bastion"\n  vpc_id = "vpc-0a1b2c3d"\n}\n'
        )
    _, report = json_report(cli, net)
    (unused,) = [f for f in report["findings"] if f["id"] == "PP-UNBOUND-RESOURCE"]
    assert unused["kind"] == "warn" and unused["severity"] == "info"
    assert unused["message"] == "1 of 2 security groups bound by no topology role: legacy-bastion"
    assert unused["locations"][0]["file"] == "security_groups.tf"
    assert [u["name"] for u in report["coverage"]["kinds"]["security_groups"]["bound"]] == ["palette-workers"]


@pytest.mark.skipif(importlib.util.find_spec("regopy") is None, reason="regopy (optional extra) not installed")
def test_coverage_findings_are_the_same_on_the_regopy_engine(cli, nothing_bound: Path) -> None:
    def findings(*args: str) -> list[tuple[str, str]]:
        _, report = json_report(cli, nothing_bound, *args)
        return [(f["id"], f["message"]) for f in report["findings"]]

    embedded = findings()
    assert {"PP-PATH-UNENFORCED", "PP-UNBOUND-RESOURCE"} <= {i for i, _ in embedded}
    assert findings("--engine", "regopy") == embedded
