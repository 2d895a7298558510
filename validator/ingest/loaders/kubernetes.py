"""Kubernetes manifests → the model's namespaces, workloads (pod groups) and NetworkPolicies (model/kubernetes.py).

Reads YAML (multi-document) and JSON, including ``*List`` kinds; each object is parsed by
``kubernetes_objects``. Every policy, rule, peer and port keeps a ``SourceRef`` (file:line) so a verdict can
name the rule that decided it. Loading is safe-only (a SafeLoader reader ``documents`` that records the
line of every mapping). Files or documents that are not Kubernetes manifests are
skipped with a note, never an error; a NetworkPolicy that is wrong raises ``InputError`` with file:line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from validator.ingest.documents import Document, LineDict, load_documents
from validator.ingest.loaders.kubernetes_objects import (
    WORKLOAD_TEMPLATE,
    Context,
    line_of,
    load_namespace,
    load_policy,
    load_workload,
)
from validator.ingest.reader import read_text
from validator.model.errors import InputError
from validator.model.inventory import Inventory
from validator.model.kubernetes import Cluster, Namespace, NetworkPolicy, SkippedManifest, Workload, finish
from validator.model.topology import Topology

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


Built = NetworkPolicy | Workload | Namespace | str | InputError  # an object, an ignored kind, or the error


def _build(ctx: Context, doc: object, out: list[Built]) -> bool:
    """The objects of one manifest, in order, into ``out`` (a kind read elsewhere: its name); False when it is
    not a Kubernetes object at all. Depends on the document and the file's name only, so it can be cached."""
    if not isinstance(doc, Mapping) or "kind" not in doc or "apiVersion" not in doc:
        return False
    kind = str(doc["kind"])
    if kind.endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            if isinstance(item, Mapping) and "kind" not in item and kind != "List":
                typed = LineDict(item, kind=kind[:-4], apiVersion=doc["apiVersion"])  # PodList items
                typed.line = line_of(item) or 0
                typed.key_lines = getattr(item, "key_lines", {})
                item = typed
            _build(ctx, item, out)
        return True
    if kind == "NetworkPolicy":
        api = str(doc["apiVersion"])
        if api != "networking.k8s.io/v1":
            raise ctx.error(f"NetworkPolicy apiVersion {api!r} is not supported", doc, hint="use networking.k8s.io/v1")
        out.append(load_policy(ctx, doc))
    elif kind in WORKLOAD_TEMPLATE:
        out.append(load_workload(ctx, doc, kind))
    elif kind == "Namespace":
        out.append(load_namespace(ctx, doc))
    else:
        out.append(kind)
    return True


def built_objects(doc: object, name: str) -> tuple[Built, ...] | None:
    """What ``doc`` of the file shown as ``name`` yields (None: not a Kubernetes object); a bad manifest yields
    its error last, raised when the objects are added. Kept on the document (``Document.derived``), where
    the parse cache stores it with the document."""
    kept = getattr(doc, "derived", None)
    if kept is not None and kept[0] == name:
        return kept[1]
    out: list[Built] = []
    try:
        found: tuple[Built, ...] | None = tuple(out) if _build(Context(name), doc, out) else None
    except InputError as exc:
        found = (*out, exc)
    if isinstance(doc, Document):
        doc.derived = (name, found)
    return found


def _add(cluster: Cluster, built: tuple[Built, ...], ignored: dict[str, int]) -> None:
    for item in built:
        if isinstance(item, NetworkPolicy):
            index = cluster.policy_index
            if item.key in index:  # like ``kubectl apply -R``: the later definition replaces the earlier
                old = cluster.policies[index[item.key]]
                cluster.skipped.append(
                    SkippedManifest(
                        old.source.location(), f"NetworkPolicy {item.key} replaced by {item.source.location()}"
                    )
                )
                cluster.policies[index[item.key]] = item
            else:
                index[item.key] = len(cluster.policies)
                cluster.policies.append(item)
        elif isinstance(item, Workload):
            cluster.workloads.append(item)
        elif isinstance(item, Namespace):
            cluster.namespaces[item.name] = item
        elif isinstance(item, InputError):
            raise item
        else:
            ignored[item] = ignored.get(item, 0) + 1


def _json_fallback(text: str, path: str) -> list[Any] | None:
    """Parse a ``.json`` file with the json module (no line numbers); None when it is not JSON either."""
    if not path.lower().endswith(".json"):
        return None
    try:
        return [json.loads(text)]
    except ValueError:
        return None


def load_file(path: str, cluster: Cluster, display: str | None = None, root: str | None = None) -> None:
    """Parse one file into ``cluster``; non-manifests are recorded in ``cluster.skipped``. ``root``: the
    folder the file was found in, which it must not leave through a link."""
    name = display or path
    try:
        text = read_text(Path(path), name, root=Path(root) if root else None)
    except InputError as exc:
        cluster.skipped.append(SkippedManifest(name, f"cannot read: {exc.message}"))
        return
    docs: list[Any] | None
    try:
        docs = load_documents(text, name)
    except InputError:
        docs = _json_fallback(text, path)  # JSON that YAML rejects (e.g. a tab after a colon)
        if docs is None and "{{" in text:  # a Helm/Go template renders to manifests; it is not one
            cluster.skipped.append(SkippedManifest(name, "a template (contains {{ }}), not a manifest"))
            return
        if docs is None:
            raise
    add_documents(docs, cluster, name)


def add_documents(docs: list[Any], cluster: Cluster, name: str) -> None:
    """Add a file's parsed documents (from ``documents.load_documents``) to ``cluster``."""
    ignored: dict[str, int] = {}
    manifests = 0
    for doc in docs:
        built = built_objects(doc, name)
        if built is not None:
            _add(cluster, built, ignored)
            manifests += 1
    if not manifests:
        cluster.skipped.append(SkippedManifest(name, "not a Kubernetes manifest"))
        return
    cluster.files.append(name)
    if ignored:
        kinds = ", ".join(f"{k} ({n})" for k, n in sorted(ignored.items()))
        cluster.skipped.append(SkippedManifest(name, f"ignored kinds: {kinds}"))


def iter_manifest_files(root: str) -> Iterable[tuple[str, str]]:
    """(path, display path) of every file under ``root`` in sorted order; hidden folders skipped."""
    if os.path.isfile(root):
        yield root, root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            yield full, os.path.relpath(full, root)


def load_cluster(root: str) -> Cluster:
    """Load every manifest under a folder (or one file)."""
    if not os.path.exists(root):
        raise InputError(f"path {root} does not exist")
    cluster = Cluster()
    for full, shown in iter_manifest_files(root):
        if not full.lower().endswith(MANIFEST_SUFFIXES):
            cluster.skipped.append(SkippedManifest(shown, "not a YAML/JSON file"))
            continue
        load_file(full, cluster, shown, root if os.path.isdir(root) else None)
    finish(cluster)
    return cluster


def cluster_manifests(inventory: Inventory, topology: Topology) -> dict[str, Cluster]:
    """The manifests of each endpoint whose topology names a folder (``kubernetes``), parsed into one
    ``Cluster`` per endpoint (the analysis places the pods: ``analysis/pods.py``).

    The files are marked as claimed (``inventory.kubernetes_assigned``) and their documents dropped from
    the inventory once parsed. A folder without manifests is an error located at the topology.
    """
    out: dict[str, Cluster] = {}
    for endpoint in topology.endpoints:
        folder = endpoint.extra.get("kubernetes")
        if not folder or endpoint.role not in ("workload", "management"):
            continue
        prefix = folder.rstrip("/") + "/"
        files = sorted(f for f in inventory.kubernetes_files if f.startswith(prefix) or f == folder)
        if not files:
            raise InputError(
                f"{endpoint.name}: no Kubernetes manifests under {folder!r}",
                file=topology.path,
                line=endpoint.source.line,
                hint="give the folder (relative to the scanned folder) that holds this cluster's NetworkPolicies",
            )
        cluster = Cluster()
        for rel in files:
            add_documents(inventory.kubernetes_files[rel], cluster, rel)
        for rel in files:
            inventory.kubernetes_assigned.add(rel)
        out[endpoint.name] = cluster
    for rel in inventory.kubernetes_files:  # parsed into the clusters: the documents can go
        inventory.kubernetes_files[rel] = []
    return out
