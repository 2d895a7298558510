"""The loader registry: which loader reads which discovered file.

``load_all`` reads what ``discover`` found. Document formats (YAML/JSON) are recognised by content, not
by name, through ``DOCUMENT_LOADERS``: the first whose ``detect`` accepts a document loads it. A document
nobody recognises is skipped with that reason in the report, never silently.

Terraform roots are parsed out of process (``terraform_roots``): tfparse's native code can crash or
exhaust memory on hostile input, so each root runs in a worker of ``isolation.WorkerPool`` with a memory
and a time limit, on a staged copy of the files discovery admitted (so the parser cannot read a file
discovery refused), and sends back the compact inventory part. The documents are read meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.ingest.discover import Discovery
from validator.ingest.documents import load_documents
from validator.ingest.isolation import ChildLimits, TaskFailed, WorkerPool
from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.ingest.loaders import aws_describe, cloudformation, firewall, proxy_rules, squid, tfplan
from validator.ingest.reader import current_scope, is_inside, read_bytes, read_text
from validator.model.errors import InputError
from validator.model.inventory import InputIssue, Inventory, LoadedFile, SkippedFile
from validator.model.rules import SourceRef

TERRAFORM_SUFFIXES = (".tf", ".tf.json")
WORK_PER_WORKER = 1024 * 1024  # bytes of HCL (about a second of parsing) that make one more worker worth its start


def _stage(found: Discovery, stage: Path, limits: Limits) -> int:
    """Copy what the Terraform parser may read into ``stage``, each file at its real path below it: the
    admitted .tf files of the scanned folder, and those of the ``--allow-outside`` folders (module sources
    outside the repository). Read through the one reader, so limits apply and evidence hashes them; returns
    the bytes staged."""
    files = [(path, found.display(path), found.root) for path in found.terraform_files]
    for folder in current_scope().allowed:
        for base, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            files += [
                (Path(base, n), str(Path(base, n)), folder) for n in sorted(names) if n.endswith(TERRAFORM_SUFFIXES)
            ]
    total = 0
    for path, shown, root in files:
        data = read_bytes(path, shown, max_bytes=limits.max_file_bytes, root=root)
        target = stage / os.path.realpath(path.parent).lstrip(os.sep) / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        total += len(data)
    return total


def parse_root(staged: str, display_dir: str, stage: str, permitted: tuple[str, ...]) -> tuple[Inventory, set[str]]:
    """In a worker: parse one staged root, check its local module sources, return the compact inventory.

    ``stage``: the staging folder (what follows it in a path is the real path); ``permitted``: the real
    folders module sources may point into (the scanned folder and the ``--allow-outside`` ones)."""
    from validator.ingest.loaders.terraform import load_terraform, parse_directory

    try:
        parsed = parse_directory(Path(staged), display_dir)
        issues = _module_sources(parsed, staged, display_dir, stage, permitted)
        done: Future[dict[str, Any]] = Future()
        done.set_result(parsed)
        inv, covered = load_terraform(Path(staged), display_dir, done)
    except InputError as exc:  # name real paths, never the staging folder
        exc.message = exc.message.replace(stage, "")
        exc.file = exc.file.replace(stage, "") if exc.file else exc.file
        raise
    inv.issues.extend(issues)
    return inv, covered


def _module_sources(
    parsed: dict[str, Any], staged: str, display_dir: str, stage: str, permitted: tuple[str, ...]
) -> list[InputIssue]:
    """Local module sources must stay inside the permitted folders (else an error); one the parser could not
    read (missing, ignored, an absolute path) is an input issue: its resources are not checked."""
    issues = []
    items = parsed.get("module") or []
    for item in items if isinstance(items, list) else [items]:
        source, meta = (item.get("source"), item.get("__tfmeta") or {}) if isinstance(item, dict) else (None, {})
        if not isinstance(source, str) or not (source.startswith(("./", "../", "/")) or source in (".", "..")):
            continue  # a registry or remote module: not a local folder
        filename = str(meta.get("filename", ""))
        shown = os.path.normpath(os.path.join(display_dir, filename)) if display_dir not in ("", ".") else filename
        where = SourceRef(shown, meta.get("line_start"), str(meta.get("path", "module")))
        folder = os.path.dirname(os.path.normpath(os.path.join(staged, filename)))
        target = stage + source if os.path.isabs(source) else os.path.normpath(os.path.join(folder, source))
        real = target[len(stage) :] if is_inside(target, stage) else target
        if not any(is_inside(real, p) for p in permitted):
            raise InputError(
                f"module source {source!r} is outside the scanned folder (at {real}); not read",
                file=where.file,
                line=where.line,
                hint="copy the module into the repository, or pass --allow-outside PATH",
            )
        if os.path.isabs(source) or not os.path.isdir(target):
            issues.append(
                InputIssue(
                    "module-not-read",
                    f"module {where.resource}: source {source!r} is not among the files read "
                    "(missing, ignored or an absolute path); its resources are not checked",
                    where,
                    (("source", source),),
                )
            )
    return issues


@contextmanager
def terraform_roots(found: Discovery, limits: Limits) -> Iterator[Iterator[Any]]:
    """Every Terraform root of ``found`` parsed in the worker pool; yields their outcomes in discovery order
    (an inventory part and the files it covered, an ``InputError`` or a ``TaskFailed``)."""
    if not found.terraform_dirs:
        yield iter(())
        return
    stage = Path(tempfile.mkdtemp(prefix="palette-policy-stage-"))
    pool: WorkerPool | None = None
    scope = current_scope()
    permitted = tuple(str(p) for p in ([scope.root] if scope.root else [Path(os.path.realpath(found.root))]))
    permitted += tuple(str(p) for p in scope.allowed)
    child = ChildLimits(limits.parser_memory_bytes, limits.parser_seconds)
    try:
        size = _stage(found, stage, limits)
        # one worker per core, but not more than the work needs: each one loads the parser (~0.1 s of CPU)
        workers = min(len(found.terraform_dirs), len(os.sched_getaffinity(0)), 1 + size // WORK_PER_WORKER)
        pool = WorkerPool(workers, child)
        tasks = [
            (str(stage / os.path.realpath(d).lstrip(os.sep)), found.display(d), str(stage), permitted)
            for d in found.terraform_dirs
        ]
        yield pool.map(parse_root, tasks)
    finally:
        if pool is not None:
            pool.close()
        shutil.rmtree(stage, ignore_errors=True)


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


def load_all(found: Discovery, limits: Limits = DEFAULT_LIMITS, keep_going: bool = False) -> Inventory:
    """Load every discovered file into one inventory (InputError on the first bad file).

    ``keep_going``: a Terraform root or a file that cannot be read becomes an input issue (``parse-failed``,
    a finding) and the rest is still checked."""
    inv = Inventory()
    with terraform_roots(found, limits) as outcomes:
        docs = Inventory()
        held: InputError | None = None
        try:  # documents and Squid configs are read while the workers parse Terraform
            _load_documents(found, limits, docs, keep_going)
        except InputError as exc:
            held = exc  # raised after the Terraform roots, as the sequential order would
        _merge_terraform(found, outcomes, inv, limits, keep_going)
    if held is not None:
        raise held
    inv.merge(docs)
    inv.skipped.extend(found.skipped)
    return inv


def _merge_terraform(
    found: Discovery, outcomes: Iterator[Any], inv: Inventory, limits: Limits, keep_going: bool
) -> None:
    covered: set[str] = set()
    by_folder: dict[Path, set[str]] = {}
    for path in found.terraform_files:
        by_folder.setdefault(path.parent, set()).add(found.display(path))
    for directory, outcome in zip(found.terraform_dirs, outcomes, strict=True):
        files = by_folder.get(directory, set())
        if files and files <= covered:
            continue  # already read as a local module of a parent root
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
        part, seen = outcome
        covered |= seen
        inv.merge(part)


def _failed(error: InputError, where: str) -> InputIssue:
    """An input that could not be read, under --keep-going: a finding on it instead of the run's end."""
    return InputIssue(
        "parse-failed",
        f"not read: {error}",
        SourceRef(error.file or where, error.line, where),
        (("error", error.message),),
    )


def _load_documents(found: Discovery, limits: Limits, inv: Inventory, keep_going: bool) -> None:
    for path in [*found.documents, *found.squid]:
        rel = found.display(path)
        try:
            if path in found.squid:
                _load_squid(found, path, rel, limits, inv)
            else:
                _load_document_file(path, rel, limits, inv, found.root)
        except InputError as exc:
            if not keep_going:
                raise
            inv.issues.append(_failed(exc, rel))


def _load_document_file(path: Path, rel: str, limits: Limits, inv: Inventory, root: Path) -> None:
    text = read_text(path, rel, max_bytes=limits.max_file_bytes, root=root)
    try:
        docs = load_documents(text, rel, limits)
    except InputError:
        if "{{" in text:  # a Helm/Go template renders to configs; it is not one itself
            inv.skipped.append(SkippedFile(rel, "a template (contains {{ }}), not a configuration"))
            return
        raise
    used = False
    for doc in docs:
        for loader in DOCUMENT_LOADERS:
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
