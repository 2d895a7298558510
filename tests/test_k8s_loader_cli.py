"""Manifest loading (kinds, lists, JSON, namespaces, bad input) and the ``connectivity`` command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from validator.cli import app, register
from validator.ingest.loaders.kubernetes import load_cluster
from validator.model.errors import InputError
from validator.model.kubernetes import NAME_LABEL

register()  # every command on ``app``

ORACLE = Path(__file__).parent / "oracles" / "netpol-analyzer" / "netpol-analysis-example-minimal"
runner = CliRunner()


def _template(labels: dict, ports: list | None = None) -> dict:
    return {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "ports": ports or []}]}}


def test_every_workload_kind_and_list_and_json(tmp_path: Path) -> None:
    docs = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "n"},
            "spec": {"template": _template({"k": "d"}, [{"name": "http", "containerPort": 80}])},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "s", "namespace": "n"},
            "spec": {"template": _template({"k": "s"})},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "ds"},
            "spec": {"template": _template({"k": "ds"})},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "rs"},
            "spec": {"template": _template({"k": "rs"})},
        },
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": _template({})}},
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "cj"},
            "spec": {"jobTemplate": {"spec": {"template": _template({"k": "cj"})}}},
        },
        {
            "apiVersion": "v1",
            "kind": "ReplicationController",
            "metadata": {"name": "rc"},
            "spec": {"template": _template({"k": "rc"})},
        },
    ]
    (tmp_path / "w.yaml").write_text(yaml.safe_dump_all(docs))
    pod_list = {
        "apiVersion": "v1",
        "kind": "PodList",
        "items": [
            {
                "metadata": {
                    "name": "p-1",
                    "namespace": "m",
                    "labels": {"k": "p"},
                    "ownerReferences": [{"kind": "ReplicaSet", "name": "p", "controller": True}],
                },
                "spec": {
                    "containers": [{"name": "c", "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"}]}]
                },
            }
        ],
    }
    (tmp_path / "pods.json").write_text(json.dumps(pod_list, indent=1))
    ns_list = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "m", "labels": {"env": "x"}}}],
    }
    (tmp_path / "ns.json").write_text(json.dumps(ns_list))
    (tmp_path / "README.md").write_text("# not a manifest\n")
    (tmp_path / "values.yaml").write_text("replicas: 3\n")
    (tmp_path / "svc.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    cluster = load_cluster(str(tmp_path))
    shown = sorted(w.display for w in cluster.workloads)
    assert shown == [
        "default/cj[CronJob]",
        "default/ds[DaemonSet]",
        "default/j[Job]",
        "default/rc[ReplicationController]",
        "default/rs[ReplicaSet]",
        "m/p[ReplicaSet]",
        "n/d[Deployment]",
        "n/s[StatefulSet]",
    ]
    d = next(w for w in cluster.workloads if w.name == "d")
    assert d.named_port("http", "TCP") == 80
    p = next(w for w in cluster.workloads if w.name == "p")
    assert p.named_port("dns", "UDP") == 53 and p.source.file == "pods.json" and p.source.line == 5
    assert cluster.namespaces["m"].labels == {"env": "x", NAME_LABEL: "m"}
    assert cluster.namespaces["n"].labels == {NAME_LABEL: "n"}  # implicit
    skipped = {s.path: s.reason for s in cluster.skipped}
    assert skipped["README.md"] == "not a YAML/JSON file"
    assert skipped["values.yaml"] == "not a Kubernetes manifest"
    assert "Service" in skipped["svc.yaml"]


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: p}\nspec:\n  podSelector: {}\n"
            "  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/8]}\n",
            8,
            "not inside",
        ),
        (
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: p}\nspec:\n  podSelector: {}\n"
            "  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/33}\n",
            8,
            "not a valid",
        ),
        (
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: p}\nspec:\n"
            "  podSelector:\n    matchExpressions:\n    - {key: a, operator: Is}\n",
            7,
            "operator",
        ),
        (
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: p}\nspec:\n  podSelector: {}\n"
            "  policyTypes: [Inbound]\n",
            6,
            "policyTypes",
        ),
        (
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: p}\nspec:\n  podSelector: {}\n"
            "  ingress:\n  - from:\n    - {}\n",
            8,
            "peer needs",
        ),
        (
            "kind: NetworkPolicy\napiVersion: extensions/v1beta1\nmetadata: {name: p}\nspec: {podSelector: {}}\n",
            1,
            "apiVersion",
        ),
        ("a: [1, 2\n", 2, "invalid YAML"),
        (  # IntOrString: a quoted number is a port name, which the API server rejects (a name needs a letter)
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: p}\nspec:\n  podSelector: {}\n"
            "  policyTypes: [Egress]\n  egress:\n  - ports:\n    - port: '443'\n",
            9,
            "Kubernetes takes it as a port name and rejects it",
        ),
    ],
)
def test_bad_manifests_raise_located_input_errors(tmp_path: Path, text: str, line: int, needle: str) -> None:
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(InputError) as exc:
        load_cluster(str(tmp_path))
    assert exc.value.file == "bad.yaml" and exc.value.line == line
    assert needle in str(exc.value)
    result = runner.invoke(app, ["connectivity", str(tmp_path)])
    assert result.exit_code == 2
    assert f"bad.yaml:{line}:" in result.output and "Traceback" not in result.output


def test_txt_matches_netpol_analyzer_exactly() -> None:
    result = runner.invoke(app, ["connectivity", str(ORACLE / "input")])
    assert result.exit_code == 0, result.output
    expected = (ORACLE / "expected" / "netpol-analysis-example-minimal_connlist_output.txt").read_text()
    assert result.stdout.splitlines() == expected.splitlines()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_json_and_csv_match_netpol_analyzer_exactly(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = runner.invoke(app, ["connectivity", str(ORACLE / "input"), "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.output
    expected = (ORACLE / "expected" / f"netpol-analysis-example-minimal_connlist_output.{fmt}").read_text()
    if fmt == "json":
        assert json.loads(out.read_text()) == json.loads(expected)
    else:
        assert out.read_text().splitlines() == expected.splitlines()
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind


@pytest.mark.parametrize("fmt", ["md", "dot"])
def test_md_and_dot_list_every_connection(fmt: str) -> None:
    result = runner.invoke(app, ["connectivity", str(ORACLE / "input"), "--format", fmt])
    assert result.exit_code == 0
    expected = (ORACLE / "expected" / f"connlist_output.{fmt}").read_text()
    norm = result.stdout.replace("[External]", "")  # this older expected file omits the suffix
    assert sorted(norm.strip().splitlines()) == sorted(expected.strip().splitlines())


def test_unknown_format_and_missing_path() -> None:
    assert runner.invoke(app, ["connectivity", str(ORACLE), "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["connectivity", "/nonexistent/path"]).exit_code == 2


def test_output_is_deterministic(tmp_path: Path) -> None:
    src = Path(__file__).parent / "oracles" / "netpol-analyzer" / "ipblockstest" / "input"
    a = runner.invoke(app, ["connectivity", str(src)]).stdout
    b = runner.invoke(app, ["connectivity", str(src)]).stdout
    assert a == b and a.splitlines() == sorted(a.splitlines(), key=lambda s: tuple(s.split(" => ", 1)))
    assert os.path.isdir(src)


def test_cli_formats_match_renderers() -> None:
    from validator.cli.connectivity import FORMATS
    from validator.report.connlist import RENDERERS

    assert set(FORMATS) == set(RENDERERS)


def test_a_later_policy_definition_replaces_an_earlier_one(tmp_path: Path) -> None:
    head = "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: p}\n"
    (tmp_path / "a.yaml").write_text(head + "spec: {podSelector: {}, policyTypes: [Egress]}\n")
    (tmp_path / "b.yaml").write_text(head + "spec: {podSelector: {}}\n")
    cluster = load_cluster(str(tmp_path))
    assert len(cluster.policies) == 1
    assert cluster.policies[0].source.file == "b.yaml" and cluster.policies[0].ingress_isolates
    assert any("replaced by b.yaml:1" in s.reason for s in cluster.skipped)


def test_json_that_yaml_rejects_still_loads(tmp_path: Path) -> None:
    text = (
        '{"apiVersion":\t"v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"url": "a\\/b"}},'
        ' "spec": {"containers": []}}'
    )  # a tab after ":" is JSON, not YAML
    (tmp_path / "p.json").write_text(text)
    cluster = load_cluster(str(tmp_path))
    assert cluster.workloads[0].labels == {"url": "a/b"}


def test_helm_templates_are_skipped_not_errors(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(
        'metadata:\n  labels:\n    {{- include "x.labels" . | nindent 4 }}\nspec: {{ .Values.spec }}: x\n'
    )
    cluster = load_cluster(str(tmp_path))
    assert cluster.skipped[0].reason.startswith("a template")
