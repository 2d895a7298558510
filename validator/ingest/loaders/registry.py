"""The loader registry: which loader reads which discovered file.

``load_all`` reads what ``discover`` found. Document formats (YAML/JSON) are recognised by content, not
by name, through ``DOCUMENT_LOADERS``: the first whose ``detect`` accepts a document loads it. A document
nobody recognises is skipped with that reason in the report, never silently.

Terraform root modules are evaluated out of process. ``load_root`` is plain Python, but what it evaluates
is a program: locals that double, modules that call modules thousands of times can ask for any amount of
memory or time. Each root runs in a worker of ``isolation.WorkerPool`` (forked: no interpreter start) with
a memory, a CPU and a wall-clock limit; the worker reads through the one reader under the run's read scope
and sends back the root's inventory part with the record of what it read, so evidence hashes module
sources and variables files too. A crash or a limit ends that root only: one located error, or under
``--keep-going`` a ``parse-failed`` input issue. Meanwhile the main process reads the documents and the
Squid configurations.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from validator.ingest import cache
from validator.ingest.discover import DEFAULT_IGNORES, Discovery
from validator.ingest.isolation import ChildLimits, TaskFailed, WorkerPool, cores
from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.ingest.loaders import aws_describe, cloudformation, firewall, proxy_rules, squid, tfplan
from validator.ingest.loaders.cloudformation_values import StackInputs
from validator.ingest.loaders.terraform import VariableOptions
from validator.ingest.reader import ReadScope, current_scope, read_text, reading
from validator.model.errors import InputError
from validator.model.inventory import InputIssue, Inventory, LoadedFile, SkippedFile
from validator.model.rules import SourceRef

# bytes of Terraform that make one more worker worth its start (a fork and its first page faults, a few
# milliseconds, against about 0.1 s of evaluation); below it the roots share one worker
WORK_PER_WORKER = 128 * 1024


# --- Terraform ---------------------------------------------------------------------------------------
_LOCAL_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\.?(?:/[^"]*)?)"', re.MULTILINE)


def terraform_roots(found: Discovery) -> list[Path]:
    """The folders Terraform would run in: every folder with .tf files, except those another folder uses
    as a local module source (a module repository's own folder is not applied by itself)."""
    used: set[Path] = set()
    for directory, files in found.terraform_files.items():
        for path in files:
            if path.name.endswith(".tf"):
                text = read_text(path, found.display(path), root=found.root)
                targets = {(directory / m.group(1)).resolve() for m in _LOCAL_SOURCE.finditer(text)}
                used |= targets - {directory.resolve()}  # a folder calling itself is still a root
    return [d for d in found.terraform_dirs if d.resolve() not in used]


def not_admitted(found: Discovery) -> frozenset[str]:
    """What the scan did not admit, as display paths (folders end with ``/``): a local module's files there
    are not read. Not among them: the folders ignored by default (``.terraform`` is where ``terraform init``
    installs modules, read through its manifest) and links to folders (the reader keeps what the loader
    reads through them inside the scanned folder)."""
    user = {i for i in found.ignored if i.rstrip("/").rsplit("/", 1)[-1] not in DEFAULT_IGNORES}
    refused = {s.path for s in found.skipped if s.path.endswith((".tf", ".tf.json"))}
    return frozenset(user | refused)


def evaluate_root(
    directory: Path,
    display: str,
    names: list[str],
    variables: VariableOptions | None,
    excluded: frozenset[str],
    rules: ReadScope,
) -> bytes:
    """In a worker: one root module evaluated under the run's read rules, with the record of what it read,
    pickled here: the parent unpickles these bytes and stores the same bytes in the parse cache, instead of
    pickling the root a second time."""
    from validator.ingest.loaders.terraform.evaluate import load_root  # the parent imported it before the fork

    with reading(ReadScope(rules.root, rules.allowed, rules.max_bytes)) as scope:
        loaded = load_root(directory, display, names, variables, excluded=excluded)
    return pickle.dumps((loaded, list(scope.log.values())), protocol=pickle.HIGHEST_PROTOCOL)


@contextmanager
def evaluating(
    found: Discovery, roots: list[Path], limits: Limits, variables: VariableOptions | None
) -> Iterator[Iterator[Any]]:
    """The root modules evaluated in the worker pool (started at once, so the caller works meanwhile);
    yields their outcomes in the order of ``roots``: ``evaluate_root``'s value, an ``InputError`` or a
    ``TaskFailed``. One worker per core, but one more only per ``WORK_PER_WORKER`` bytes of Terraform."""
    if not roots:
        yield iter(())
        return
    scope = current_scope()
    rules = ReadScope(scope.root or Path(os.path.realpath(found.root)), scope.allowed, limits.max_file_bytes)
    excluded = not_admitted(found)
    tasks = [
        (d, found.display(d), [p.name for p in found.terraform_files[d]], variables, excluded, rules) for d in roots
    ]
    started, key = time.time(), (sorted(excluded), str(rules.root), [str(a) for a in rules.allowed], rules.max_bytes)
    stored = [cache.cached(d, shown, names, options, key) for d, shown, names, options, *_ in tasks]
    tasks = [task for task, hit in zip(tasks, stored, strict=True) if hit is None]  # the parse cache's misses
    size = sum(p.stat().st_size for d, *_ in tasks for p in found.terraform_files[d])
    workers = min(len(tasks), cores(), 1 + size // WORK_PER_WORKER)
    if not tasks:
        yield iter(stored)
        return
    import validator.ingest.loaders.terraform.evaluate  # noqa: F401 - once, here: the forked workers inherit it

    with WorkerPool(workers, ChildLimits(limits.parser_memory_bytes, limits.parser_seconds)) as pool:
        yield _with_stored(stored, tasks, pool.map(evaluate_root, tasks), started, key)


def _with_stored(
    stored: list[Any], tasks: list[Any], outcomes: Iterator[Any], started: float, key: Any
) -> Iterator[Any]:
    """The outcomes in the order of the roots: the cache's, and the workers' (those kept for the next run)."""
    done = zip(tasks, outcomes, strict=True)
    for hit in stored:
        if hit is None:
            (directory, shown, names, options, *_), hit = next(done)
            if isinstance(hit, bytes):  # evaluated: (root, read records), pickled by the worker
                payload, hit = hit, pickle.loads(hit)
                files = tuple(record.real for record in hit[1])  # everything the reader gave the worker
                cache.remember(hit[0], started, directory, shown, names, options, key, payload, files)
        yield hit


def _merge_terraform(
    found: Discovery, roots: list[Path], outcomes: Iterator[Any], inv: Inventory, limits: Limits, keep_going: bool
) -> None:
    log = current_scope().log
    for directory, outcome in zip(roots, outcomes, strict=True):
        shown = found.display(directory)
        shown = str(found.root) if shown == "." else shown  # name the folder, not "."
        if isinstance(outcome, TaskFailed):
            why = outcome.text(ChildLimits(limits.parser_memory_bytes, limits.parser_seconds))
            outcome = InputError(
                f"cannot read this Terraform root: {why}",
                file=shown,
                hint="run 'terraform validate' on it; raise --parser-memory / --parser-timeout if it is just big",
            )
        if isinstance(outcome, InputError):
            if not keep_going:
                raise outcome
            inv.issues.append(_failed(outcome, shown))
            continue
        loaded, records = outcome
        log.update((r.real, r) for r in records)
        inv.merge(loaded.inventory)


def _failed(error: InputError, where: str) -> InputIssue:
    """An input that could not be read, under --keep-going: a finding on it instead of the run's end."""
    return InputIssue(
        "parse-failed",
        f"not read: {error}",
        SourceRef(error.file or where, error.line, where),
        (("error", error.message),),
    )


# --- documents -------------------------------------------------------------------------------------
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


def _kubernetes_objects(doc: Any, rel: str) -> None:
    """A manifest's Kubernetes objects, built and kept on it (``kubernetes.built_objects``) before the parse
    cache stores the document, so a warm run does not build them again."""
    if _is_kubernetes(doc):
        from validator.ingest.loaders.kubernetes import built_objects  # imported only then

        built_objects(doc, rel)


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


def load_all(
    found: Discovery,
    limits: Limits = DEFAULT_LIMITS,
    variables: VariableOptions | None = None,
    stack: StackInputs | None = None,
    keep_going: bool = False,
) -> Inventory:
    """Load every discovered file into one inventory (InputError on the first bad file). ``variables``: the
    Terraform variable options; ``stack``: the CloudFormation parameter values and region; ``keep_going``:
    a Terraform root or a file that cannot be read becomes an input issue (``parse-failed``, a finding) and
    the rest is still checked."""
    inv = Inventory()
    roots = terraform_roots(found)
    with evaluating(found, roots, limits, variables) as outcomes:
        docs = Inventory()
        held: InputError | None = None
        try:  # documents and Squid configs are read while the workers evaluate Terraform
            _load_documents(found, limits, docs, document_loaders(stack), keep_going)
        except InputError as exc:
            held = exc  # raised after the Terraform roots, as the sequential order would
        _merge_terraform(found, roots, outcomes, inv, limits, keep_going)
    if held is not None:
        raise held
    inv.merge(docs)
    inv.skipped.extend(found.skipped)
    return inv


def _load_documents(
    found: Discovery, limits: Limits, inv: Inventory, loaders: list[DocumentLoader], keep_going: bool
) -> None:
    for path in [*found.documents, *found.squid]:
        rel = found.display(path)
        try:
            if path in found.squid:
                _load_squid(found, path, rel, limits, inv)
            else:
                _load_document_file(path, rel, limits, inv, found.root, loaders)
        except InputError as exc:
            if not keep_going:
                raise
            inv.issues.append(_failed(exc, rel))


def _load_document_file(
    path: Path, rel: str, limits: Limits, inv: Inventory, root: Path, loaders: list[DocumentLoader]
) -> None:
    text = read_text(path, rel, max_bytes=limits.max_file_bytes, root=root)
    try:
        docs = cache.load_documents_cached(text, rel, limits, derive=_kubernetes_objects)
    except InputError:
        if "{{" in text:  # a Helm/Go template renders to configs; it is not one itself
            inv.skipped.append(SkippedFile(rel, "a template (contains {{ }}), not a configuration"))
            return
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


def _load_squid(found: Discovery, path: Path, rel: str, limits: Limits, inv: Inventory) -> None:
    if not squid.looks_like_squid(read_text(path, rel, max_bytes=limits.max_file_bytes, root=found.root)):
        inv.skipped.append(SkippedFile(rel, "a .conf file that is not a squid.conf (no http_access/http_port)"))
        return
    with contextlib.chdir(found.root):  # squid resolves includes from the path: keep paths scan-relative
        inv.proxy_configs[rel] = squid.load_squid(rel)
    inv.files.append(LoadedFile(rel, "squid", 1))


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
