"""validate end to end on every backend: the same report whichever engine evaluates the shipped policies.

The OPA backend runs against the local STAND-IN of OPA's REST API (see opa_standin.py), not a real OPA."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.helpers import FIXTURES

FIXTURE = FIXTURES / "saas-proxy-squid-default"


def _findings(cli, *args: str) -> list[tuple[str, str, str]]:
    result = cli("validate", FIXTURE, "--format", "json", *args)
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    return sorted((f["kind"], f["id"], f["message"]) for f in report["findings"])


def test_validate_through_the_opa_stand_in_gives_the_embedded_findings(cli, standin) -> None:
    embedded = _findings(cli)
    assert any(f[1] == "PP-PROXY-CONNECT-REFUSED" for f in embedded)
    assert _findings(cli, "--opa-url", standin.url, "--opa-token", "t0ken") == embedded


@pytest.mark.skipif(importlib.util.find_spec("regopy") is None, reason="regopy (optional extra) not installed")
def test_validate_with_regopy_gives_the_embedded_findings(cli) -> None:
    assert _findings(cli, "--engine", "regopy") == _findings(cli)
