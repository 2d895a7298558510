"""The loader registry: which loader reads which discovered file.

``load_all`` reads what ``discover`` found. Document formats (YAML/JSON) are recognised by content, not
by name, through ``DOCUMENT_LOADERS``: the first whose ``detect`` accepts a document loads it. A document
nobody recognises is skipped with that reason in the report, never silently.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from validator.ingest.discover import Discovery, read_text
from validator.ingest.documents import load_documents
from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.ingest.loaders import aws_describe, cloudformation, firewall, proxy_rules, squid, tfplan
from validator.ingest.loaders.cloudformation_values import StackInputs
from validator.ingest.loaders.terraform import load_terraform, parse_directory
from validator.model.errors import InputError
from validator.model.inventory import Inventory, LoadedFile, SkippedFile


class _Ahead:
    """Terraform roots parsed a few ahead of the one being loaded (bounded, so memory stays flat)."""

    WINDOW = 4

    def __init__(self, pool: ThreadPoolExecutor | None, found: Discovery) -> None:
        self.pool, self.found = pool, found
        self.dirs = found.terraform_dirs
        self.futures: dict[Path, Future[dict[str, Any]]] = {}
        self.next = 0

    def get(self, directory: Path) -> Future[dict[str, Any]] | None:
        if self.pool is None:
            return None
        limit = self.dirs.index(directory) + self.WINDOW
        while self.next < min(limit, len(self.dirs)):
            d = self.dirs[self.next]
            self.futures[d] = self.pool.submit(parse_directory, d, self.found.display(d))
            self.next += 1
        return self.futures.pop(directory, None)


@contextmanager
def _prefetch_terraform(found: Discovery) -> Iterator[_Ahead]:
    """Parse the Terraform roots ahead, two at a time (perf: parsing is most of a run).

    tfparse's Go parser runs outside the GIL, so threads overlap it with the Python work on the roots
    already parsed. Results are consumed in discovery order and an error surfaces only when its root is
    consumed, so output and errors are those of the sequential loop. One root: no pool.
    """
    if len(found.terraform_dirs) < 2 or (os.cpu_count() or 1) < 2:
        yield _Ahead(None, found)
        return
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tfparse")
    try:
        yield _Ahead(pool, found)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class DocumentLoader:
    name: str
    detect: Callable[[Any], bool]
    load: Callable[[Any, str], Inventory]


def _kind(name: str) -> Callable[[Any], bool]:
    return lambda doc: isinstance(doc, dict) and doc.get("kind") == name


def _proxy_rules(doc: Any, rel: str) -> Inventory:
    inv = Inventory(proxy_configs={rel: proxy_rules.build(doc, doc, rel)})
    inv.files.append(LoadedFile(rel, "proxy-rules", 1))
    return inv


def _firewall(doc: Any, rel: str) -> Inventory:
    inv = Inventory(firewall_sets={rel: firewall.build(doc, doc, rel)})
    inv.files.append(LoadedFile(rel, "firewall-rules", 1))
    return inv


def _is_kubernetes(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("kind"), str) and isinstance(doc.get("apiVersion"), str)


def _kubernetes(doc: Any, rel: str) -> Inventory:
    """A Kubernetes manifest: kept as parsed, read per cluster later (``kubernetes.cluster_manifests``;
    clusters[].kubernetes says whose)."""
    inv = Inventory(kubernetes_files={rel: [doc]})
    inv.files.append(LoadedFile(rel, "kubernetes", 1))
    return inv


DOCUMENT_LOADERS: list[DocumentLoader] = [
    DocumentLoader("cloudformation", cloudformation.is_template, cloudformation.load_cloudformation),
    DocumentLoader("aws-describe", aws_describe.is_describe, aws_describe.load_describe),
    DocumentLoader("terraform-plan", tfplan.is_plan, tfplan.load_plan),
    DocumentLoader("proxy-rules", _kind(proxy_rules.KIND), _proxy_rules),
    DocumentLoader("firewall-rules", _kind(firewall.KIND), _firewall),
    DocumentLoader("kubernetes", _is_kubernetes, _kubernetes),
]


def document_loaders(stack: StackInputs | None = None) -> list[DocumentLoader]:
    """The document loaders, CloudFormation's evaluating templates with these parameters and region."""
    if stack is None:
        return DOCUMENT_LOADERS
    return [
        DocumentLoader(d.name, d.detect, partial(cloudformation.load_cloudformation, inputs=stack))
        if d.name == "cloudformation"
        else d
        for d in DOCUMENT_LOADERS
    ]


def load_all(found: Discovery, limits: Limits = DEFAULT_LIMITS, stack: StackInputs | None = None) -> Inventory:
    """Load every discovered file into one inventory (InputError on the first bad file). ``stack``: the
    CloudFormation parameter values and region given on the command line."""
    inv = Inventory()
    loaders = document_loaders(stack)
    covered: set[str] = set()
    with _prefetch_terraform(found) as parsed:
        for directory in found.terraform_dirs:
            files = {found.display(p) for p in directory.iterdir() if p.name.endswith((".tf", ".tf.json"))}
            if files and files <= covered:
                continue  # already read as a local module of a parent root
            part, seen = load_terraform(directory, found.display(directory), parsed.get(directory))
            covered |= seen
            inv.merge(part)
    for path in found.documents:
        rel = found.display(path)
        text = read_text(path, rel)
        try:
            docs = load_documents(text, rel, limits)
        except InputError:
            if "{{" in text:  # a Helm/Go template renders to configs; it is not one itself
                inv.skipped.append(SkippedFile(rel, "a template (contains {{ }}), not a configuration"))
                continue
            raise
        used = False
        for doc in docs:
            for loader in loaders:
                if loader.detect(doc):
                    if loader.name == "kubernetes" and rel in inv.kubernetes_files:
                        inv.kubernetes_files[rel].append(doc)  # another document of the same file
                    else:
                        inv.merge(_guarded(loader, doc, rel))
                    used = True
                    break
        if not used:
            inv.skipped.append(SkippedFile(rel, "YAML/JSON that is not a format palette-policy reads"))
    for path in found.squid:
        rel = found.display(path)
        if not squid.looks_like_squid(read_text(path, rel)):
            inv.skipped.append(SkippedFile(rel, "a .conf file that is not a squid.conf (no http_access/http_port)"))
            continue
        with contextlib.chdir(found.root):  # squid resolves includes from the path: keep paths scan-relative
            inv.proxy_configs[rel] = squid.load_squid(rel)
        inv.files.append(LoadedFile(rel, "squid", 1))
    inv.skipped.extend(found.skipped)
    return inv


def _guarded(loader: DocumentLoader, doc: Any, rel: str) -> Inventory:
    """Last line of defence: a shape the loader did not expect is still a located one-line error."""
    try:
        return loader.load(doc, rel)
    except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
        raise InputError(
            f"not a valid {loader.name} document: unexpected structure ({type(exc).__name__}: {exc})",
            file=rel,
            line=getattr(doc, "line", None),
            hint=f"check the file against the {loader.name} format",
        ) from None
