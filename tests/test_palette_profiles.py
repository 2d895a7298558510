"""Palette's deployments beyond the first two: PCG, Edge, the NATS-to-gRPC transition, air gap; profiles chosen
by palette_version. Expected rows are read off Palette's documentation tables (quoted in each profile's
citation), expected versions off its Announcements page (NATS deprecated in 4.0, removed in 4.6.12)."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import FIXTURES, ROOT, json_report
from validator.ingest.profiles import available_profiles, choose_profiles, load_profiles
from validator.ingest.topology import parse_topology
from validator.model.errors import InputError
from validator.model.requirements import version_in


def rows(name: str) -> set[tuple[str, str, str, str, bool]]:
    (profile,) = load_profiles([name])
    return {(r.source, r.destination, r.protocol, str(r.ports), r.required) for r in profile.requirements}


# PCG Architecture, "Network Communication": PCG -> Palette 443 (HTTPS, gRPC), PCG -> Local Network 443
# (infrastructure provider), PCG -> Local Network 6443 (deployed cluster's API server).
PCG_TABLE = {
    ("pcg", "management", "tcp", "443", True),
    ("pcg", "infrastructure", "tcp", "443", True),
    ("pcg", "workload-api", "tcp", "6443", True),
}
# Network Communication and Ports, gRPC tab (4.0 to 4.6.11): gRPC on 443 required, NATS 4222 "[Deprecated]".
TRANSITION_TABLES = {
    "saas-transition": {
        ("browser", "management", "tcp", "443", True),
        ("workload", "management", "tcp", "443", True),
        ("workload", "management", "tcp", "4222", False),
        ("workload", "registry", "tcp", "443", True),
        ("browser", "workload", "tcp", "22", False),
    },
    "self-hosted-transition": {
        ("browser", "management", "tcp", "443", True),
        ("management", "vcenter", "tcp", "443", True),
        ("management", "registry", "tcp", "443", True),
        ("management", "workload-api", "tcp", "6443", True),
        ("workload", "management", "tcp", "443", True),
        ("workload", "management", "tcp", "4222", False),
        ("workload", "vcenter", "tcp", "443", True),
        ("workload", "registry", "tcp", "443", True),
        ("browser", "workload", "tcp", "22", False),
    },
}


def test_new_profiles_are_shipped() -> None:
    assert {"pcg", "edge", "saas-transition", "self-hosted-transition", "self-hosted-airgap"} <= set(
        available_profiles()
    )


def test_pcg_profile_has_the_pcg_architecture_table() -> None:
    assert rows("pcg") >= PCG_TABLE
    assert all(source == "pcg" for source, *_ in rows("pcg"))  # every PCG path starts at the PCG


@pytest.mark.parametrize("name", sorted(TRANSITION_TABLES))
def test_transition_profiles_match_the_grpc_tab(name: str) -> None:
    assert rows(name) == TRANSITION_TABLES[name]


def test_edge_profile_requires_palette_and_registries_and_keeps_local_access_optional() -> None:
    edge = rows("edge")
    assert ("edge", "management", "tcp", "443", True) in edge
    assert ("edge", "registry", "tcp", "443", True) in edge
    assert ("edge", "edge-api", "tcp", "6443", True) in edge
    assert ("edge-control-plane", "edge-control-plane", "tcp", "2379-2380", True) in edge
    assert ("browser", "edge", "tcp", "5080", False) in edge  # Local UI default port
    assert ("browser", "edge", "tcp", "22", False) in edge
    assert all(not required for _, _, proto, _, required in edge if proto == "udp")  # Cilium: CNI-dependent


def test_airgap_uses_the_local_registry_and_no_proxy() -> None:
    (profile,) = load_profiles(["self-hosted-airgap"])
    assert not any(r.via_proxy for r in profile.requirements)
    assert ("management", "registry", "tcp", "8443", False) in rows("self-hosted-airgap")  # support VM repository
    assert ("management", "workload-api", "tcp", "6443", True) in rows("self-hosted-airgap")


def test_every_requirement_cites_page_version_and_row_in_users_words() -> None:
    internal = re.compile(r"\b(research|session|seed|ticket|issue|proposal|draft)\b", re.IGNORECASE)
    for profile in load_profiles(sorted(available_profiles())):
        text = json.dumps([r.to_json() for r in profile.requirements]) + " ".join(profile.notes) + profile.title
        assert not internal.search(text), (profile.name, internal.search(text))
        for r in profile.requirements:
            assert r.citation["document"] and r.citation["version"], r.id
            if profile.name in {"pcg", "edge", "saas-transition", "self-hosted-transition", "self-hosted-airgap"}:
                assert r.citation.get("row"), r.id
                assert "Palette documentation" in r.citation["document"] or "'" in r.citation["document"], r.id


# Palette version -> profile per deployment, from the documentation: gRPC from 4.0.0 (Network Communication and
# Ports), NATS deprecated from 4.0 and removed in 4.6.12 (Announcements, Removals).
VERSION_MAP = [
    ("3.4", ["saas"], ["saas"]),
    ("3.4", ["self-hosted"], ["self-hosted"]),
    ("4.0", ["saas"], ["saas-transition"]),
    ("4.5", ["saas", "pcg"], ["saas-transition", "pcg"]),
    ("4.6.11", ["self-hosted", "edge"], ["self-hosted-transition", "edge"]),
    ("4.6.12", ["saas"], ["saas-grpc"]),
    ("4.7", ["self-hosted", "pcg", "edge"], ["self-hosted-grpc", "pcg", "edge"]),
    ("4.5", ["self-hosted-airgap"], ["self-hosted-airgap"]),
]


@pytest.mark.parametrize(("version", "deployments", "expected"), VERSION_MAP)
def test_palette_version_chooses_the_profiles(version: str, deployments: list[str], expected: list[str]) -> None:
    assert choose_profiles(version, deployments) == expected


def test_each_deployment_has_exactly_one_shipped_profile_per_version() -> None:
    profiles = load_profiles(sorted(available_profiles()))
    versions = [f"{major}.{minor}.{patch}" for major in (3, 4, 5) for minor in range(0, 9) for patch in (0, 11, 12, 13)]
    for kind in ("saas", "self-hosted"):
        for v in versions:
            found = [p.name for p in profiles if kind in p.deployments and version_in(v, p.palette_versions)]
            assert len(found) == 1, (kind, v, found)
    for kind in ("pcg", "edge", "self-hosted-airgap"):
        for v in versions:
            found = [p.name for p in profiles if kind in p.deployments and version_in(v, p.palette_versions)]
            assert len(found) == (1 if v >= "4" else 0), (kind, v, found)


def test_a_deployment_no_profile_covers_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no requirement profile covers pcg at Palette 3.9"):
        choose_profiles("3.9", ["saas", "pcg"])


def test_version_ranges() -> None:
    assert version_in("4.5", ">= 4.0 < 4.6.12") and version_in("4.6.11", ">= 4.0 < 4.6.12")
    assert not version_in("4.6.12", ">= 4.0 < 4.6.12") and version_in("4.6.12", ">= 4.6.12")
    assert version_in("3.99", "< 4.0") and not version_in("4", "< 4.0") and version_in("1.0", "")


TOPOLOGY = """
palette_version: "4.5"
management: {management}
clusters:
  - name: prod
    nodes: [10.20.1.0/24]
"""


@pytest.mark.parametrize(
    ("management", "extra", "expected"),
    [
        ("{hosts: [api.spectrocloud.com], addresses: [internet]}", "", ["saas"]),
        ("{addresses: [internet]}", "", ["saas"]),
        ("{addresses: [10.10.1.0/24]}", "", ["self-hosted"]),
        ("{hosts: [palette.example.com], addresses: [internet]}", "", ["self-hosted"]),
        ("{addresses: [10.10.1.0/24]}", "airgap: true\n", ["self-hosted-airgap"]),
        ("{addresses: [internet]}", "pcg: [10.0.9.0/28]\n", ["saas", "pcg"]),
    ],
)
def test_deployments_are_derived_from_the_topology(management: str, extra: str, expected: list[str]) -> None:
    from validator.ingest.documents import load_document

    doc = load_document(TOPOLOGY.format(management=management) + extra, "t.yaml")
    assert parse_topology(doc, "t.yaml").deployments() == expected


def test_requirements_command_prints_cited_rows_and_versions(cli) -> None:
    for name in ("pcg", "edge", "saas-transition", "self-hosted-transition"):
        result = cli("requirements", "--profile", name)
        assert result.exit_code == 0, result.stderr
        assert "applies to: Palette >= 4.0" in result.stdout
        assert result.stdout.count("source: Palette documentation") == len(load_profiles([name])[0].requirements)
    pcg = cli("requirements", "--profile", "pcg").stdout
    assert "6443 | HTTPS | PCG | Local Network" in pcg  # the documentation's row, quoted
    listed = cli("requirements", "--palette-version", "4.5", "--format", "json")
    names = {p["profile"] for p in json.loads(listed.stdout)}
    assert names == {"saas-transition", "self-hosted-transition", "self-hosted-airgap", "pcg", "edge", "kubernetes"}
    versions = {p["profile"]: p["palette_versions"] for p in json.loads(cli("requirements", "--format", "json").stdout)}
    assert versions["saas-grpc"] == ">= 4.6.12" and versions["saas"] == "< 4.0" and versions["kubernetes"] is None
    assert cli("requirements", "--palette-version", "four").exit_code == 2


def _verdicts(report: dict) -> dict[str, str]:
    return {f"{r['requirement']}:{r['source']}->{r['destination']}": r["verdict"] for r in report["results"]}


def test_pcg_fixtures(cli) -> None:
    code, ok = json_report(cli, FIXTURES / "pcg-vsphere-ok")
    assert code == 0 and ok["profiles"] == ["pcg", "saas-grpc"]
    assert set(_verdicts(ok).values()) == {"reachable"}
    assert {
        "pcg-palette:pcg-dc1->management",
        "pcg-infrastructure-api:pcg-dc1->vcenter",
        "pcg-cluster-api:pcg-dc1->dc1/api",
        "pcg-registry:pcg-dc1->registries",
    } <= set(_verdicts(ok))
    # firewall.yaml has no rule for pcg -> clusters tcp/6443 and denies by default: that path alone breaks
    code, broken = json_report(cli, FIXTURES / "pcg-vsphere-no-6443")
    assert code == 1
    changed = {k: v for k, v in _verdicts(broken).items() if v != "reachable"}
    assert changed == {"pcg-cluster-api:pcg-dc1->dc1/api": "blocked"}
    (finding,) = [f for f in broken["findings"] if f["kind"] == "deny"]
    assert finding["id"] == "PP-PATH-BLOCKED" and finding["locations"][0]["file"] == "firewall.yaml"


def test_edge_fixtures(cli) -> None:
    code, ok = json_report(cli, FIXTURES / "edge-store-ok")
    assert code == 0 and ok["profiles"] == ["edge", "saas-grpc"]
    verdicts = _verdicts(ok)
    assert verdicts["edge-palette:store-042->management"] == "reachable"
    assert verdicts["edge-registry:store-042->registries"] == "reachable"
    assert verdicts["edge-local-ui:operators->store-042"] == "reachable"
    assert verdicts["edge-ssh:operators->store-042"] == "blocked"  # optional: the shop's firewall has no 22
    # no PP-ROLE-UNBOUND noise; the paths inside the Edge cluster cross nothing the files declare: said, not hidden
    assert {f["id"] for f in ok["findings"]} == {"PP-OPTIONAL-UNREACHABLE", "PP-PATH-UNENFORCED"}
    # the https-out rule admits only 192.168.10.11; hosts .12 and .13 are not covered
    code, broken = json_report(cli, FIXTURES / "edge-store-one-host")
    assert code == 1
    for req in ("edge-palette:store-042->management", "edge-registry:store-042->registries"):
        result = next(r for r in broken["results"] if f"{r['requirement']}:{r['source']}->{r['destination']}" == req)
        assert result["verdict"] == "partial"
        assert "192.168.10.12/31" in result["summary"]
    assert sorted(f["id"] for f in broken["findings"] if f["kind"] == "deny") == ["PP-PATH-PARTIAL"] * 2


def test_edge_clusters_bind_only_the_edge_rows(cli) -> None:
    code, report = json_report(cli, FIXTURES / "edge-store-ok", "--profile", "self-hosted-grpc")
    # the self-hosted workload rows (management -> workload API 6443, workload -> vCenter) never bind Edge hosts
    assert report["results"] and all(r["destination"] != "store-042/api" for r in report["results"])
    assert {f["id"] for f in report["findings"]} >= {"PP-ROLE-UNBOUND"}  # and the gap is reported, not hidden


def test_profile_files_validate_against_the_schema() -> None:
    import jsonschema
    import yaml

    schema = json.loads((ROOT / "schemas" / "profile.schema.json").read_text())
    for path in sorted((ROOT / "policies" / "profiles").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
