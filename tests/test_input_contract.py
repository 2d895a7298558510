"""The policy input document: what `palette-policy input` prints is what policies see, and it follows
schemas/input.schema.json on every bundled fixture."""

from __future__ import annotations

import json

import jsonschema
import pytest
from referencing import Registry, Resource

from tests.helpers import FIXTURES, ROOT

SCHEMAS = {
    name: json.loads((ROOT / "schemas" / name).read_text()) for name in ("input.schema.json", "report.schema.json")
}
REGISTRY = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()])
FIXTURE_DIRS = sorted(p for p in FIXTURES.iterdir() if (p / "palette-network.yaml").exists())


@pytest.mark.parametrize("fixture", FIXTURE_DIRS, ids=[p.name for p in FIXTURE_DIRS])
def test_input_follows_its_schema(cli, fixture) -> None:
    result = cli("input", fixture)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMAS["input.schema.json"], registry=REGISTRY).validate(doc)


def test_input_is_what_validate_evaluates(cli, tmp_path) -> None:
    """A user policy that echoes the input's result count sees exactly what `input` printed."""
    doc = json.loads(cli("input", FIXTURES / "self-hosted-ok").stdout)
    policy = tmp_path / "echo"
    policy.mkdir()
    (policy / "echo.rego").write_text(
        "package echo\n\nimport rego.v1\n\n"
        'warn contains {"msg": sprintf("%d results, %d points", [count(input.results), '
        'count(input.resources.enforcement_points)]), "id": "ECHO"} if true\n'
    )
    result = cli("validate", FIXTURES / "self-hosted-ok", "--policy", policy, "--format", "json")
    echo = [f for f in json.loads(result.stdout)["findings"] if f["id"] == "ECHO"]
    assert echo[0]["message"] == (
        f"{len(doc['results'])} results, {len(doc['resources']['enforcement_points'])} points"
    )
