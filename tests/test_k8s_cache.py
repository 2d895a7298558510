"""Kubernetes manifests through the parse cache: the documents and the objects built from them come back whole,
are used instead of building again, and are never stale.

The oracle is a fresh read: what comes back from the cache equals, field by field and line by line, what
``load_documents`` and the object builders produce from the same text now; after an edit, the new text's.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import FIXTURES, ROOT
from validator.ingest import cache
from validator.ingest.documents import Document, LineDict, LineList, load_documents
from validator.ingest.loaders import kubernetes
from validator.ingest.loaders.kubernetes import add_documents, built_objects
from validator.model.errors import InputError
from validator.model.kubernetes import Cluster, finish

# every YAML/JSON file the repository holds as real-world input: fixtures, the oracles' corpora, bad inputs
_SOURCES = [FIXTURES, ROOT / "tests" / "oracles", ROOT / "tests" / "bad_inputs", ROOT / "tests" / "corpus"]
_FILES = sorted(p for base in _SOURCES for p in base.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))


def _readable(path: Path) -> tuple[str, list[Any]] | None:
    try:
        text = path.read_text(encoding="utf-8")
        return text, load_documents(text, str(path.relative_to(ROOT)))
    except (InputError, UnicodeDecodeError):
        return None


def _same(a: Any, b: Any, where: str = "") -> None:
    """``a`` and ``b`` are equal, of the same types, with the same lines all the way down."""
    assert type(a) is type(b), where
    if isinstance(a, LineDict):
        assert (a.line, a.key_lines) == (b.line, b.key_lines), where
        assert list(a) == list(b), where  # the same keys in the same order
        for key in a:
            _same(a[key], b[key], f"{where}.{key}")
        if isinstance(a, Document):
            _same_built(a.derived, b.derived, where)
    elif isinstance(a, list):  # a LineList, or the list of a file's documents
        if isinstance(a, LineList):
            assert (a.line, a.item_lines) == (b.line, b.item_lines), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def _same_built(a: Any, b: Any, where: str) -> None:
    if a is None or b is None:
        assert a is b, where
        return
    assert a[0] == b[0], where
    _same_objects(a[1], b[1], where)


def _same_objects(a: Any, b: Any, where: str) -> None:
    assert (a is None) == (b is None), where
    for x, y in zip(a or (), b or (), strict=True):
        assert type(x) is type(y), where
        if isinstance(x, InputError):
            assert (str(x), x.file, x.line) == (str(y), y.file, y.line), where
        else:
            assert x == y and _typed(x) == _typed(y), where


def _typed(value: Any) -> Any:
    """``value`` with the type of every part (equality alone lets a PortSet equal an AddressSet of the same
    intervals), the members of a set in a fixed order (their iteration order is no part of them)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value), tuple(_typed(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, set | frozenset):
        return type(value), tuple(sorted((_typed(v) for v in value), key=repr))
    if isinstance(value, Mapping):
        return type(value), tuple((_typed(k), _typed(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return type(value), tuple(_typed(v) for v in value)
    return type(value), value


def test_the_repository_holds_kubernetes_manifests_to_check() -> None:
    policies = sum(1 for p in _FILES if "NetworkPolicy" in p.read_text(encoding="utf-8", errors="replace"))
    assert len(_FILES) > 300 and policies > 40


@pytest.mark.parametrize("path", _FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_manifest_and_its_objects_survive_pickling(path: Path) -> None:
    read = _readable(path)
    if read is None:
        pytest.skip("not a document the reader accepts")
    _, docs = read
    name = str(path.relative_to(ROOT))
    for doc in docs:
        built_objects(doc, name)
    back = pickle.loads(pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL))
    _same(back, docs, name)
    for doc in back:  # what came back is what is used: the same objects a fresh build yields
        if isinstance(doc, Document) and doc.derived is not None:
            _same_objects(built_objects(doc, name), built_objects(_fresh(doc), name), name)


def _fresh(doc: Document) -> Document:
    out = Document(doc)
    out.line, out.key_lines = doc.line, doc.key_lines
    return out


def test_the_model_objects_copy_and_pickle_to_equals() -> None:
    text = (FIXTURES / "saas-agent-netpol-ok" / "k8s" / "prod" / "allow-palette.yaml").read_text()
    cluster = Cluster()
    add_documents(load_documents(text, "allow-palette.yaml"), cluster, "allow-palette.yaml")
    finish(cluster)
    assert cluster.policies and all(rule.peers or rule.ports for p in cluster.policies for rule in p.egress)
    for value in (*cluster.policies, *cluster.namespaces.values(), *cluster.workloads):
        for again in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
            assert again == value and _typed(again) == _typed(value)


POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: prod
spec:
  podSelector: {}
  egress:
    - to:
        - ipBlock:
            cidr: 10.0.0.0/8
      ports:
        - port: 443
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
"""


def _cluster(docs: list[Any], *names: str) -> Cluster:
    cluster = Cluster()
    for name in names:
        add_documents(docs, cluster, name)
    finish(cluster)
    return cluster


def test_a_rerun_uses_the_stored_objects_and_an_edit_the_new_ones(tmp_path: Path, monkeypatch) -> None:
    assert cache.use(tmp_path / "cache") is None
    cold = cache.load_documents_cached(POLICY, "k8s/web.yaml", derive=built_objects)
    warm = cache.load_documents_cached(POLICY, "k8s/web.yaml", derive=built_objects)
    assert warm is not cold and warm[0].derived is not None  # read back, with its objects
    _same(warm, cold)

    def no_build(*args: object) -> object:
        raise AssertionError("built again")

    monkeypatch.setattr(kubernetes, "load_policy", no_build)  # the name the builder calls
    cluster = _cluster(warm, "k8s/web.yaml")
    assert cluster.policies[0] is warm[0].derived[1][0]  # the stored object itself
    assert [str(p.ports) for rule in cluster.policies[0].egress for p in rule.ports] == ["443"]
    assert [s.reason for s in cluster.skipped] == ["ignored kinds: ConfigMap (1)"]
    monkeypatch.undo()

    edited = cache.load_documents_cached(
        POLICY.replace("port: 443", "port: 8443"), "k8s/web.yaml", derive=built_objects
    )
    policy = _cluster(edited, "k8s/web.yaml").policies[0]
    assert [str(p.ports) for rule in policy.egress for p in rule.ports] == ["8443"]
    assert policy.egress[0].ports[0].source.line == 13

    shown = _cluster(
        cache.load_documents_cached(POLICY, "k8s/web.yaml", derive=built_objects), "other/web.yaml"
    ).policies[0]
    assert shown.source.file == "other/web.yaml"  # shown by another name: built for that name


def test_a_policy_defined_twice_is_still_reported_replaced_from_the_cache(tmp_path: Path) -> None:
    assert cache.use(tmp_path / "cache") is None
    cache.load_documents_cached(POLICY, "k8s/web.yaml", derive=built_objects)
    warm = cache.load_documents_cached(POLICY, "k8s/web.yaml", derive=built_objects)
    cluster = _cluster(warm, "k8s/web.yaml", "k8s/web.yaml")
    assert len(cluster.policies) == 1
    assert "NetworkPolicy prod/web replaced by k8s/web.yaml:1" in [s.reason for s in cluster.skipped]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("cidr: 10.0.0.0/8", "k8s/bad.yaml:11: ipBlock cidr 'ten' is not a CIDR (hint: write it as a.b.c.d/n)"),
        ("networking.k8s.io/v1", "k8s/bad.yaml:1: NetworkPolicy apiVersion 'extensions/v1beta1' is not supported"),
    ],
)
def test_a_bad_manifest_is_the_same_located_error_cold_and_warm(tmp_path: Path, change: str, expected: str) -> None:
    replacement = {"cidr: 10.0.0.0/8": "cidr: ten", "networking.k8s.io/v1": "extensions/v1beta1"}[change]
    text = POLICY.replace(change, replacement, 1)
    assert cache.use(tmp_path / "cache") is None
    errors = []
    for _ in range(2):  # the first run stores the error with the documents, the second reads it back
        docs = cache.load_documents_cached(text, "k8s/bad.yaml", derive=built_objects)
        with pytest.raises(InputError) as caught:
            _cluster(docs, "k8s/bad.yaml")
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and errors[0].startswith(expected)


def test_a_warm_validate_reports_the_same_bytes_and_an_edited_policy_is_read(cli, tmp_path: Path, monkeypatch) -> None:
    import shutil

    net = tmp_path / "net"
    shutil.copytree(FIXTURES / "saas-agent-netpol-ok", net)
    store, reports = str(tmp_path / "cache"), []
    for run in range(2):
        out = tmp_path / f"report{run}.json"
        assert cli("validate", net, "--cache-dir", store, "-o", f"json={out}").exit_code == 0
        reports.append(out.read_bytes())
        monkeypatch.setattr(kubernetes, "load_policy", None)  # the warm run builds no policy again
    monkeypatch.undo()
    assert reports[0] == reports[1] and list((tmp_path / "cache" / "documents").rglob("*"))
    policy = net / "k8s" / "prod" / "allow-palette.yaml"
    policy.write_text(policy.read_text().replace("port: 4222", "port: 4223"))
    edited = cli("validate", net, "--cache-dir", store)
    assert edited.exit_code == 1 and "4222" in edited.output  # the agent's NATS port is now cut off
