"""The loader registry: which loader reads which discovered file.

``load_all`` reads what ``discover`` found. Document formats (YAML/JSON) are recognised by content, not
by name, through ``DOCUMENT_LOADERS``: the first whose ``detect`` accepts a document loads it. A document
nobody recognises is skipped with that reason in the report, never silently.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from validator.ingest.cache import cached, load_documents_cached, load_root_cached
from validator.ingest.discover import Discovery, read_text
from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.ingest.loaders import aws_describe, cloudformation, firewall, proxy_rules, squid, tfplan
from validator.ingest.loaders.cloudformation_values import StackInputs
from validator.ingest.loaders.terraform import TerraformRoot, VariableOptions
from validator.model.errors import InputError
from validator.model.inventory import Inventory, LoadedFile, SkippedFile


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


_LOCAL_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\.?(?:/[^"]*)?)"', re.MULTILINE)


def terraform_roots(found: Discovery) -> list[Path]:
    """The folders Terraform would run in: every folder with .tf files, except those another folder uses
    as a local module source (a module repository's own folder is not applied by itself)."""
    used: set[Path] = set()
    for directory, files in found.terraform_files.items():
        for path in files:
            if path.name.endswith(".tf"):
                text = read_text(path, found.display(path))
                targets = {(directory / m.group(1)).resolve() for m in _LOCAL_SOURCE.finditer(text)}
                used |= targets - {directory.resolve()}  # a folder calling itself is still a root
    return [d for d in found.terraform_dirs if d.resolve() not in used]


PARALLEL_BYTES = 2 * 1024 * 1024  # below this, starting worker processes costs more than it saves


def _terraform_parts(found: Discovery, variables: VariableOptions | None) -> Iterator[TerraformRoot]:
    """Every root module, evaluated; in two worker processes when there is enough Terraform to share (perf:
    evaluation is Python, so threads would not overlap it). Results come back in discovery order and an
    error surfaces when its root is reached, as in the sequential loop."""
    every = [
        (d, found.display(d), [p.name for p in found.terraform_files[d]], variables) for d in terraform_roots(found)
    ]
    stored = [cached(*job) for job in every]  # the parse cache: roots whose files did not change
    jobs = [job for job, hit in zip(every, stored, strict=True) if hit is None]
    size = sum(p.stat().st_size for d, *_ in jobs for p in found.terraform_files[d])
    if len(jobs) < 2 or size < PARALLEL_BYTES or (os.cpu_count() or 1) < 2 or "fork" not in mp.get_all_start_methods():
        done: Iterator[TerraformRoot] = (load_root_cached(*job) for job in jobs)
        yield from (hit if hit is not None else next(done) for hit in stored)
        return
    with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("fork")) as pool:
        done = pool.map(_load_job, jobs, chunksize=max(1, len(jobs) // 16))
        yield from (hit if hit is not None else next(done) for hit in stored)


def _load_job(job: tuple[Path, str, list[str], VariableOptions | None]) -> TerraformRoot:
    return load_root_cached(*job)


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


def load_all(
    found: Discovery,
    limits: Limits = DEFAULT_LIMITS,
    variables: VariableOptions | None = None,
    stack: StackInputs | None = None,
) -> Inventory:
    """Load every discovered file into one inventory (InputError on the first bad file). ``variables``: the
    Terraform variable options; ``stack``: the CloudFormation parameter values and region."""
    inv = Inventory()
    loaders = document_loaders(stack)
    for part in _terraform_parts(found, variables):
        inv.merge(part.inventory)
    for path in found.documents:
        rel = found.display(path)
        text = read_text(path, rel)
        try:
            docs = load_documents_cached(text, rel, limits)
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
