"""Declarative ProxyRules and FirewallRules files: schema errors with lines, first-match semantics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import default_decided, sources_fully
from validator.analysis.layers_proxy import decide_proxy
from validator.analysis.ordered import Evaluation, OrderedRule, evaluate
from validator.analysis.proxy_rules import decide
from validator.ingest.loaders.firewall import load_firewall, parse_firewall_text
from validator.ingest.loaders.proxy_rules import load_proxy_rules, parse_proxy_rules_text
from validator.ingest.loaders.squid import load_squid
from validator.model.errors import InputError
from validator.model.firewall import FirewallRuleSet
from validator.model.flows import Box
from validator.model.sets import ALL_PORTS, AddressSet, PortSet

DATA = Path(__file__).parent / "data"
A = AddressSet.parse
PAL = A("44.232.106.120")  # a published Palette SaaS address


def evaluate_firewall(
    fw: FirewallRuleSet, src: AddressSet, dst: AddressSet, protocol: str, ports: PortSet = ALL_PORTS
) -> Evaluation:
    """The rule file's first-match decision (its rules in order, else its default action) for src × dst × ports;
    the path checks reach the same rules through ``FirewallRuleSet.to_enforcement_point``."""
    rules = [OrderedRule(r.action, r.src, r.dst, r.protocol, r.ports, r.source, r.name) for r in fw.rules]
    return evaluate(rules, fw.default_action, Box(src, dst, ports), protocol)


def yaml_line(path: Path, needle: str) -> int:
    hits = [i for i, ln in enumerate(path.read_text().splitlines(), 1) if needle in ln]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


# ---------------------------------------------------------------------------------------------------
# ProxyRules


def test_proxy_rules_load_and_decide() -> None:
    path = DATA / "proxy-rules.yaml"
    cfg = load_proxy_rules(path)
    assert cfg.listen_ports == PortSet.range(8080) and cfg.default == "deny" and len(cfg.rules) == 3
    d = decide(cfg, A("10.10.0.0/16"), "api.spectrocloud.com", PAL, 443, "CONNECT")
    assert d.verdict == "allow"
    assert d.rule is not None and d.rule.line == yaml_line(path, "- name: palette")
    # .spectrocloud.com also matches the apex (Squid dstdomain semantics)
    assert decide(cfg, A("10.10.1.1"), "spectrocloud.com", PAL, 443, "CONNECT").verdict == "allow"
    # exact name only
    assert decide(cfg, A("10.10.1.1"), "x.registry.example.org", PAL, 443, "CONNECT").verdict == "deny"


def test_proxy_rules_partial_clients_for_nats() -> None:
    cfg = load_proxy_rules(DATA / "proxy-rules.yaml")
    d = decide(cfg, A("10.10.0.0/23"), "message.spectrocloud.com", PAL, 4222, "CONNECT")
    assert d.verdict == "partial"
    assert d.allowed_clients == A("10.10.0.0/24")
    denied = [p for p in d.parts if p.outcome == "deny"]
    assert denied and denied[0].implicit and denied[0].clients == A("10.10.1.0/24")


def test_proxy_rules_ip_hosts_need_addresses() -> None:
    path = DATA / "proxy-rules.yaml"
    cfg = load_proxy_rules(path)
    d = decide(cfg, A("10.10.0.1"), None, A("169.254.169.254"), 80, "GET")
    assert d.verdict == "deny" and d.rule is not None and d.rule.line == yaml_line(path, "no-metadata")
    # a name whose addresses are not given: whether the IP-only deny rule matches depends on DNS, and the
    # later allow rule disagrees → unknown, citing the undecidable rule
    d = decide(cfg, A("10.10.0.1"), "api.spectrocloud.com", None, 443, "CONNECT")
    assert d.verdict == "unknown"
    assert d.parts[0].rule is not None and d.parts[0].rule.line == yaml_line(path, "no-metadata")
    # with its addresses known, the same request is allowed by the palette rule
    d = decide(cfg, A("10.10.0.1"), "api.spectrocloud.com", A("44.232.106.120"), 443, "CONNECT")
    assert d.verdict == "allow" and d.rule is not None and d.rule.line == yaml_line(path, "- name: palette")


def test_both_proxy_kinds_decide_through_one_entry_point() -> None:
    kinds = [load_proxy_rules(DATA / "proxy-rules.yaml"), load_squid(DATA / "squid-default.conf")]
    for k in kinds:
        d = decide_proxy(k, A("127.0.0.1"), "api.spectrocloud.com", A("44.232.106.120"), 443, "CONNECT")
        assert d.verdict in ("allow", "deny")
        json.dumps(k.to_json())


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("kind: ProxyRules\nname: p\nlisten: [3128]\nrules:\n  - action: permit\n", 5, "action"),
        ("kind: ProxyRules\nname: p\nlisten: [3128]\nrules:\n  - action: allow\n    ports: [70000]\n", 6, "ports"),
        ("kind: ProxyRules\nname: p\nrules: []\n", 1, "listen"),
        (
            "kind: ProxyRules\nname: p\nlisten: [3128]\nrules:\n  - action: allow\n    clients: [10.0.0.0/33]\n",
            6,
            "clients",
        ),
        ("kind: ProxyRules\nname: p\nlisten: [3128]\nrules:\n  - action: allow\n    colour: red\n", 5, "colour"),
        ("kind: Other\n", 1, "not a ProxyRules"),
        ("kind: ProxyRules\nname: [unclosed\n", 3, "invalid YAML"),
    ],
)
def test_proxy_rules_errors_name_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_proxy_rules_text(text, "p.yaml")
    assert err.value.file == "p.yaml" and err.value.line == line, str(err.value)
    assert needle in str(err.value)


# ---------------------------------------------------------------------------------------------------
# FirewallRules


def test_firewall_first_match_with_zones() -> None:
    path = DATA / "firewall.yaml"
    fw = load_firewall(path)
    assert fw.stateful and fw.default_action == "deny"
    res = evaluate_firewall(fw, A("10.10.0.0/16"), A("44.232.106.120"), "tcp", PortSet.range(443))
    assert res.verdict == "partial"
    # the bad subnet is denied by the earlier rule even though the later allow also covers it
    denied = res.denied
    assert len(denied) == 1 and denied[0].box.src == A("10.10.5.0/24")
    assert denied[0].rule is not None and denied[0].rule.source is not None
    assert denied[0].rule.source.line == yaml_line(path, "block-bad-subnet")
    assert sources_fully(res, "allow") == A("10.10.0.0/16") - A("10.10.5.0/24")


def test_firewall_default_and_ports() -> None:
    fw = load_firewall(DATA / "firewall.yaml")
    res = evaluate_firewall(fw, A("10.10.0.0/24"), A("44.232.106.120"), "tcp", PortSet.range(4222))
    assert res.verdict == "deny" and default_decided(res)
    res = evaluate_firewall(
        fw, A("10.20.0.0/24"), A("10.10.0.0/16"), "tcp", PortSet([(6443, 6443), (10250, 10250), (22, 22)])
    )
    assert res.verdict == "partial"
    assert [str(b.ports) for b in res.allowed] == ["6443,10250"]
    res = evaluate_firewall(fw, A("10.20.0.0/24"), A("10.10.0.0/16"), "udp", PortSet.range(6443))
    assert res.verdict == "deny"  # tcp rule does not match udp


def test_firewall_to_enforcement_point_and_json() -> None:
    fw = load_firewall(DATA / "firewall.yaml")
    point = fw.to_enforcement_point()
    assert point.kind == "firewall" and point.semantics == "first-match" and point.default_action == "deny"
    assert [r.order for r in point.rules] == [0, 1, 2]
    assert point.rules[1].peer.addresses == A("44.232.106.120", "44.233.247.65", "52.35.163.177")
    assert point.rules[0].protocol == "all"
    data = json.loads(json.dumps(fw.to_json()))
    assert data["zones"]["workload"] == ["10.10.0.0/16"]
    assert data["rules"][2]["ports"] == "6443,10250-10259"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("kind: FirewallRules\nname: f\nrules:\n  - action: allow\n    source: [nowhere]\n", 5, "nowhere"),
        (
            "kind: FirewallRules\nname: f\nrules:\n  - action: allow\n    protocol: icmp\n    ports: [1]\n",
            6,
            "ports apply only",
        ),
        ("kind: FirewallRules\nname: f\nzones:\n  a: [1.2.3]\nrules: []\n", 4, "zones.a"),
        ("kind: FirewallRules\nname: f\nstateful: maybe\nrules: []\n", 3, "stateful"),
        ("kind: FirewallRules\nname: f\nrules:\n  - action: allow\n    protocol: gre\n", 5, "protocol"),
    ],
)
def test_firewall_errors_name_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_firewall_text(text, "fw.yaml")
    assert err.value.file == "fw.yaml" and err.value.line == line, str(err.value)
    assert needle in str(err.value)


def test_wildcard_host_rejected_with_hint() -> None:
    text = (
        "kind: ProxyRules\nname: p\nlisten: [3128]\nrules:\n  - action: allow\n    hosts:\n"
        "      - ok.example.com\n      - '*.example.com'\n"
    )
    with pytest.raises(InputError) as err:
        parse_proxy_rules_text(text, "p.yaml")
    assert err.value.line == 8 and "'.example.com'" in str(err.value)
    assert "\n" not in str(err.value)


def test_schemas_are_valid_draft_2020_12() -> None:
    import jsonschema

    root = Path(__file__).resolve().parents[2] / "schemas"
    for name in ("proxy-rules.schema.json", "firewall.schema.json"):
        schema = json.loads((root / name).read_text())
        jsonschema.Draft202012Validator.check_schema(schema)


def test_fixture_files_validate_against_schemas() -> None:
    import jsonschema
    import yaml

    root = Path(__file__).resolve().parents[2] / "schemas"
    for data_name, schema_name in (
        ("proxy-rules.yaml", "proxy-rules.schema.json"),
        ("firewall.yaml", "firewall.schema.json"),
    ):
        schema = json.loads((root / schema_name).read_text())
        jsonschema.validate(yaml.safe_load((DATA / data_name).read_text()), schema)
