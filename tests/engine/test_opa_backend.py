"""The OPA server backend, against a local STAND-IN of OPA's REST API (opa_standin.py, backed by the
embedded engine; no OPA binary can be installed here), and against a real OPA only when
PALETTE_POLICY_TEST_OPA_URL points at one."""

from __future__ import annotations

import json
import os
import urllib.request

import pytest

from validator.model.errors import InputError
from validator.policy.engine import evaluate_findings, get_engine, load_bundle
from validator.policy.engine.opa_engine import POLICY_PREFIX, policy_id

from .conftest import HERE, SAMPLE


def _bundle():
    return load_bundle([SAMPLE], include_tests=False)


def test_upload_query_and_findings_match_the_embedded_engine(standin) -> None:
    bundle = _bundle()
    remote = get_engine(opa_url=standin.url, opa_token="t0ken")
    remote.load(bundle.modules, bundle.data)
    local = get_engine()
    local.load(bundle.modules, bundle.data)
    for path in sorted((HERE / "inputs").glob("*.json")):
        doc = json.loads(path.read_text())
        assert evaluate_findings(remote, bundle, doc) == evaluate_findings(local, bundle, doc)
    # what went over the wire: one policy per module under our prefix, data as one JSON Patch
    state = standin.state()
    assert set(state["policies"]) == {policy_id(name) for name in bundle.modules}
    assert state["data"]["requirements"]["nats"]["port"] == 4222
    assert state["data"]["open_ports"] == [80, 443]
    assert ["PATCH", "/v1/data/"] in state["requests"]
    assert ["POST", "/v1/data/palette/sample"] in state["requests"]


def test_rego_v1_is_sent_unchanged(standin) -> None:
    bundle = _bundle()
    get_engine(opa_url=standin.url, opa_token="t0ken").load(bundle.modules, bundle.data)
    policies = standin.state()["policies"]
    for name, source in bundle.modules.items():
        assert policies[policy_id(name)] == source  # no "import rego.v1" injected


def test_no_input_means_get_and_undefined_is_none(standin) -> None:
    engine = get_engine(opa_url=standin.url, opa_token="t0ken")
    engine.load({"a.rego": "package a\nimport rego.v1\np if input.x == 1\nq := 2\n"}, {})
    assert engine.evaluate("data.a.q") == 2
    assert engine.evaluate("data.a.p") is None
    assert engine.evaluate("data.a.p", {"x": 1}) is True
    assert ["GET", "/v1/data/a/q"] in standin.state()["requests"]


def test_wrong_token_is_one_clear_error(standin) -> None:
    engine = get_engine(opa_url=standin.url, opa_token="wrong")
    with pytest.raises(InputError, match="unauthorized") as info:
        engine.load({"a.rego": "package a\nq := 2\n"}, {})
    assert "--opa-token" in (info.value.hint or "")


def test_unreachable_server(standin) -> None:
    url = standin.url
    standin.__exit__(None, None, None)
    engine = get_engine(opa_url=url)
    with pytest.raises(InputError, match="cannot reach OPA"):
        engine.load({"a.rego": "package a\nq := 2\n"}, {})


def _put_policy(url: str, pid: str, source: str) -> None:
    request = urllib.request.Request(
        f"{url}/v1/policies/{pid}", data=source.encode(), method="PUT", headers={"Authorization": "Bearer t0ken"}
    )
    urllib.request.urlopen(request, timeout=10).close()


def test_stale_policies_from_an_earlier_run_are_removed(standin) -> None:
    _put_policy(standin.url, f"{POLICY_PREFIX}/old.rego", "package old\nx := 1\n")
    _put_policy(standin.url, "someone-else/keep.rego", "package keep\nx := 1\n")
    engine = get_engine(opa_url=standin.url, opa_token="t0ken")
    engine.load({"a.rego": "package a\nq := 2\n"}, {})
    policies = standin.state()["policies"]
    assert f"{POLICY_PREFIX}/old.rego" not in policies and f"{POLICY_PREFIX}/a.rego" in policies
    assert "someone-else/keep.rego" in policies
    engine.close()
    assert f"{POLICY_PREFIX}/a.rego" not in standin.state()["policies"]


def test_server_side_evaluation_error_is_an_input_error(standin) -> None:
    engine = get_engine(opa_url=standin.url, opa_token="t0ken")
    engine.load({"a.rego": "package a\nimport rego.v1\nboom := 1 / 0\n"}, {})
    with pytest.raises(InputError, match="divide by zero"):
        engine.evaluate("data.a.boom", {})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("localhost:8181", "not an http"),
        ("ftp://x", "not an http"),
        ("http://h:8181/v1", "has a path"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        get_engine(opa_url=url)


def test_only_data_references_can_be_evaluated(standin) -> None:
    engine = get_engine(opa_url=standin.url, opa_token="t0ken")
    with pytest.raises(InputError, match="data references only"):
        engine.evaluate("1 + 1", {})


@pytest.mark.skipif(
    not os.environ.get("PALETTE_POLICY_TEST_OPA_URL"),
    reason="no real OPA here: set PALETTE_POLICY_TEST_OPA_URL "
    "(and PALETTE_POLICY_TEST_OPA_TOKEN) to run this against one",
)
def test_real_opa_gives_the_embedded_findings() -> None:
    bundle = _bundle()
    remote = get_engine(
        opa_url=os.environ["PALETTE_POLICY_TEST_OPA_URL"], opa_token=os.environ.get("PALETTE_POLICY_TEST_OPA_TOKEN")
    )
    try:
        remote.load(bundle.modules, bundle.data)
        local = get_engine()
        local.load(bundle.modules, bundle.data)
        for path in sorted((HERE / "inputs").glob("*.json")):
            doc = json.loads(path.read_text())
            assert evaluate_findings(remote, bundle, doc) == evaluate_findings(local, bundle, doc)
        assert remote.version != "unknown"
    finally:
        remote.close()  # type: ignore[attr-defined]


def test_server_compile_errors_come_back_located(standin) -> None:
    engine = get_engine(opa_url=standin.url, opa_token="t0ken")
    with pytest.raises(InputError, match="OPA rejected the policy: .*unsafe") as info:
        engine.load({"u.rego": "package u\nimport rego.v1\n\np if {\n  x > 1\n}\n"}, {})
    assert (info.value.file, info.value.line, info.value.column) == ("u.rego", 5, 3)
