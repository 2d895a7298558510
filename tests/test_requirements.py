"""Requirement profiles: valid data, the NATS-era documentation tables exactly, listed by the CLI."""

from __future__ import annotations

import json

from tests.helpers import ROOT
from validator.ingest.profiles import available_profiles, load_profiles

NATS_ERA_TABLES = {  # (source, destination, protocol, port, required) read off the NATS-era page's tables
    "saas": {
        ("browser", "management", "tcp", "443", True),
        ("workload", "management", "tcp", "443", True),
        ("workload", "management", "tcp", "4222", True),
        ("workload", "registry", "tcp", "443", True),
        ("browser", "workload", "tcp", "22", False),
    },
    "self-hosted": {
        ("browser", "management", "tcp", "443", True),
        ("workload", "management", "tcp", "4222", True),
        ("management", "vcenter", "tcp", "443", True),
        ("management", "registry", "tcp", "443", True),
        ("management", "workload-api", "tcp", "6443", True),
        ("workload", "management", "tcp", "443", True),
        ("workload", "vcenter", "tcp", "443", True),
        ("workload", "registry", "tcp", "443", True),
        ("browser", "workload", "tcp", "22", False),
    },
}


def rows(name: str) -> list[tuple[str, str, str, str, bool]]:
    (profile,) = load_profiles([name])
    return [(r.source, r.destination, r.protocol, str(r.ports), r.required) for r in profile.requirements]


def test_shipped_profiles() -> None:
    assert {"saas", "self-hosted", "saas-grpc", "self-hosted-grpc", "kubernetes"} <= set(available_profiles())


def test_nats_era_profiles_match_the_documentation_without_duplicates() -> None:
    for name, expected in NATS_ERA_TABLES.items():
        got = rows(name)
        assert len(got) == len(set(got)), f"{name} has a duplicated requirement"
        assert set(got) == expected


def test_duplicated_documentation_row_yields_one_requirement_and_is_recorded() -> None:
    (saas,) = load_profiles(["saas"])
    nats = [r for r in saas.requirements if str(r.ports) == "4222"]
    assert len(nats) == 1
    assert "duplicated" in " ".join(saas.notes)


def test_grpc_profiles_have_no_4222() -> None:
    for name in ("saas-grpc", "self-hosted-grpc"):
        assert all(port != "4222" for _, _, _, port, _ in rows(name))
        assert ("workload", "management", "tcp", "443", True) in rows(name)
    assert ("management", "workload-api", "tcp", "6443", True) in rows("self-hosted-grpc")
    assert all(port != "6443" for _, _, _, port, _ in rows("saas-grpc"))


def test_every_requirement_cites_a_document_and_version() -> None:
    for profile in load_profiles(sorted(available_profiles())):
        for r in profile.requirements:
            assert r.citation["document"] and r.citation["version"], r.id


def test_requirements_command(cli) -> None:
    result = cli("requirements", "--profile", "saas", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [p["profile"] for p in data] == ["saas"]
    assert {r["ports"] for r in data[0]["requirements"]} == {"443", "4222", "22"}
    table = cli("requirements")
    assert table.exit_code == 0 and "self-hosted-grpc" in table.stdout and "kubernetes" in table.stdout
    assert cli("requirements", "--profile", "nope").exit_code == 2


def test_profiles_validate_against_their_schema() -> None:
    import jsonschema
    import yaml

    schema = json.loads((ROOT / "schemas" / "profile.schema.json").read_text())
    for path in sorted((ROOT / "policies" / "profiles").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
