"""The OPA server backend, against a local STAND-IN of OPA's REST API (opa_standin.py, backed by the
embedded engine; no OPA binary can be installed here), and against a real OPA only when
PALETTE_POLICY_TEST_OPA_URL points at one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from validator.model.errors import InputError
from validator.policy.engine import evaluate_findings, get_engine, load_bundle
from validator.policy.engine.opa_engine import DATA_ROOT, POLICY_PREFIX, STALE_AFTER, new_run_id, policy_id

from .conftest import HERE, SAMPLE


def _bundle():
    return load_bundle([SAMPLE], include_tests=False)


def _ours(state: dict) -> tuple[list[str], dict]:
    """What a palette-policy run holds on the server: its policy ids and its data documents."""
    return (
        sorted(pid for pid in state["policies"] if pid.startswith(POLICY_PREFIX + "/")),
        state["data"].get(DATA_ROOT, {}),
    )


def test_uploads_live_under_the_run_and_are_removed(standin) -> None:
    bundle = _bundle()
    _put_policy(standin.url, "someone-else/keep.rego", "package keep\nx := 1\n")
    remote = get_engine(opa_url=standin.url, opa_token="t0ken")
    remote.load(bundle.modules, bundle.data)
    local = get_engine()
    local.load(bundle.modules, bundle.data)
    for path in sorted((HERE / "inputs").glob("*.json")):
        doc = json.loads(path.read_text())
        assert evaluate_findings(remote, bundle, doc) == evaluate_findings(local, bundle, doc)
    run = remote.run  # type: ignore[attr-defined]
    state = standin.state()
    policies, runs = _ours(state)
    assert policies == sorted(policy_id(name, run) for name in bundle.modules)
    assert all(pid.startswith(f"{POLICY_PREFIX}/{run}/") for pid in policies)
    [sample] = [name for name in bundle.modules if name.endswith("palette_sample.rego")]
    assert f"package {DATA_ROOT}.{run}.palette.sample\n" in state["policies"][policy_id(sample, run)]
    assert list(runs) == [run] and runs[run]["requirements"]["nats"]["port"] == 4222
    assert set(state["data"]) == {DATA_ROOT}  # nothing at the root but the runs' own key
    assert ["PUT", f"/v1/data/{DATA_ROOT}/{run}"] in state["requests"]
    assert ["POST", f"/v1/data/{DATA_ROOT}/{run}/palette/sample"] in state["requests"]
    assert not [r for r in state["requests"] if r[0] == "PATCH"]  # the root document is never patched
    remote.close()
    after = standin.state()
    assert _ours(after) == ([], {})
    assert "someone-else/keep.rego" in after["policies"]
    assert ["DELETE", f"/v1/data/{DATA_ROOT}/{run}"] in after["requests"]
    remote.close()  # twice is harmless


def test_only_package_and_data_references_are_rewritten(standin) -> None:
    source = (
        "package a.b\n\nimport rego.v1\nimport data.lib.helpers as h\n\n"
        '# data.in.a.comment stays\nq := data.lib.x if { s := "data.in.a.string"; input.data == 1; s }\n'
        "r := h.y\n"
    )
    engine = get_engine(opa_url=standin.url, opa_token="t0ken")
    engine.load({"a.rego": source, "lib.rego": "package lib\nx := 7\n"}, {"lib": {"helpers": {"y": 3}}})
    run = engine.run  # type: ignore[attr-defined]
    sent = standin.state()["policies"][policy_id("a.rego", run)]
    root = f"{DATA_ROOT}.{run}"
    assert sent == source.replace("package a.b", f"package {root}.a.b").replace(
        "import data.lib", f"import data.{root}.lib"
    ).replace(":= data.lib.x", f":= data.{root}.lib.x")
    assert engine.evaluate("data.a.b.q", {"data": 1}) == 7
    assert engine.evaluate("data.a.b.r") == 3  # data document and policies both under the run
    engine.close()


def test_two_runs_on_one_server_do_not_see_each_other(standin) -> None:
    module = {"p.rego": "package p\nimport rego.v1\nport := data.cfg.port\n"}
    first = get_engine(opa_url=standin.url, opa_token="t0ken")
    second = get_engine(opa_url=standin.url, opa_token="t0ken")
    first.load(module, {"cfg": {"port": 4222}})
    second.load(module, {"cfg": {"port": 443}})
    assert (first.evaluate("data.p.port"), second.evaluate("data.p.port")) == (4222, 443)
    first.close()
    assert second.evaluate("data.p.port", {}) == 443  # the other run's cleanup left this one whole
    second.close()
    assert _ours(standin.state()) == ([], {})


def test_no_input_means_get_and_undefined_is_none(standin) -> None:
    engine = get_engine(opa_url=standin.url, opa_token="t0ken")
    engine.load({"a.rego": "package a\nimport rego.v1\np if input.x == 1\nq := 2\n"}, {})
    assert engine.evaluate("data.a.q") == 2
    assert engine.evaluate("data.a.p") is None
    assert engine.evaluate("data.a.p", {"x": 1}) is True
    assert ["GET", f"/v1/data/{DATA_ROOT}/{engine.run}/a/q"] in standin.state()["requests"]  # type: ignore[attr-defined]
    engine.close()


def test_wrong_token_is_one_clear_error(standin) -> None:
    engine = get_engine(opa_url=standin.url, opa_token="wrong")
    with pytest.raises(InputError, match="unauthorized") as info:
        engine.load({"a.rego": "package a\nq := 2\n"}, {})
    assert "PALETTE_POLICY_OPA_TOKEN" in (info.value.hint or "")


def test_unreachable_server(standin) -> None:
    url = standin.url
    standin.__exit__(None, None, None)
    engine = get_engine(opa_url=url, opa_timeout=2)
    with pytest.raises(InputError, match="cannot reach OPA"):
        engine.load({"a.rego": "package a\nq := 2\n"}, {})


def _put_policy(url: str, pid: str, source: str) -> None:
    request = urllib.request.Request(
        f"{url}/v1/policies/{pid}", data=source.encode(), method="PUT", headers={"Authorization": "Bearer t0ken"}
    )
    urllib.request.urlopen(request, timeout=10).close()


def test_leftovers_of_killed_runs_older_than_a_day_are_removed(standin) -> None:
    old = new_run_id(time.time() - STALE_AFTER - 60)
    recent = new_run_id(time.time() - 600)  # another run, perhaps still going: kept
    for run in (old, recent):
        _put_policy(standin.url, policy_id("x.rego", run), f"package {DATA_ROOT}.{run}.x\ny := 1\n")
    _put_policy(standin.url, "someone-else/keep.rego", "package keep\nx := 1\n")
    engine = get_engine(opa_url=standin.url, opa_token="t0ken")
    engine.load({"a.rego": "package a\nq := 2\n"}, {})
    policies = standin.state()["policies"]
    assert policy_id("x.rego", old) not in policies
    assert policy_id("x.rego", recent) in policies and "someone-else/keep.rego" in policies
    engine.close()
    assert policy_id("a.rego", engine.run) not in standin.state()["policies"]  # type: ignore[attr-defined]


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


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_https_server_verified_with_the_ca_file(tmp_path) -> None:
    from .opa_standin import OpaStandIn

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    with OpaStandIn(token="t0ken", tls=(str(cert), str(key))) as server:
        assert server.url.startswith("https://localhost:")
        unknown_ca = get_engine(opa_url=server.url, opa_token="t0ken", opa_timeout=5)
        with pytest.raises(InputError, match="TLS with OPA") as info:
            unknown_ca.load({"a.rego": "package a\nq := 2\n"}, {})
        assert "--opa-ca-file" in (info.value.hint or "")
        trusted = get_engine(opa_url=server.url, opa_token="t0ken", opa_ca_file=cert, opa_timeout=5)
        trusted.load({"a.rego": "package a\nq := 2\n"}, {})
        assert trusted.evaluate("data.a.q", {}) == 2
        trusted.close()
        assert _ours(server.state()) == ([], {})
    with pytest.raises(InputError, match="needs an https"):
        get_engine(opa_url="http://localhost:8181", opa_ca_file=cert)
