"""One run, in one direction: discover → load → model → graph → reach → policies → report.

Each stage is a function of the previous one's output; ``run`` only wires them and times them (the
timings feed the benchmark). The result is a plain ``Report`` that every reporter formats.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.analysis.coverage import coverage
from validator.analysis.graph import NetworkGraph, build_graph
from validator.analysis.proxy_facts import proxy_facts
from validator.analysis.reach import evaluate_requirements
from validator.ingest.discover import Discovery, discover
from validator.ingest.git import git_root
from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.ingest.loaders.cloudformation_values import StackInputs
from validator.ingest.loaders.registry import load_all
from validator.ingest.loaders.terraform.variables import VariableOptions
from validator.ingest.profiles import load_profiles, profiles_for
from validator.ingest.reader import ReadScope, reading
from validator.ingest.topology import load_topology
from validator.ingest.waivers import find_waivers_file, load_waivers
from validator.model.errors import InputError
from validator.model.inventory import Inventory, SkippedFile
from validator.model.report import Report
from validator.model.results import ProxyFacts
from validator.model.topology import Topology
from validator.policy.engine import get_engine
from validator.policy.evaluate import evaluate, load_policies
from validator.policy.input_doc import build_input
from validator.policy.waivers import apply_waivers


@dataclass
class Options:
    path: Path
    topology: Path | None = None
    profiles: list[str] | None = None
    profiles_dirs: list[Path] = field(default_factory=list)
    engine: str = "embedded"
    engine_options: dict[str, Any] = field(default_factory=dict)
    policy_dirs: list[Path] = field(default_factory=list)
    data_files: list[Path] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    fail_on: str = "deny"
    limits: Limits = DEFAULT_LIMITS
    strict: bool = False  # files that would be skipped are errors instead
    waivers_file: Path | None = None  # default: PATH/.palette-policy-waivers.yaml when present
    use_waivers: bool = True
    allow_outside: list[Path] = field(default_factory=list)  # folders outside PATH the repository may reach
    keep_going: bool = False  # a root or file that fails to parse becomes a finding; the rest is checked
    progress: Callable[[str], None] | None = None  # told each stage's name as it starts (terminal only)
    variables: VariableOptions | None = None  # Terraform: --var-file, --var, --workspace, TF_VAR_*
    stack: StackInputs | None = None  # CloudFormation parameter values and region (--parameter, --region)
    # called with the topology before the graph is built (explain: an address or host name as an endpoint)
    amend_topology: Callable[[Topology], None] | None = None
    use_topology: bool = True  # False: do not read a topology even when there is one (init)


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


@dataclass
class Loaded:
    """What the first stages produce: the files found, the topology (None when the folder has no
    palette-network.yaml: only what needs no topology can run), the inventory and the graph (None too)."""

    found: Discovery
    topology: Topology | None
    inventory: Inventory
    graph: NetworkGraph | None


@dataclass
class Network:
    """``Loaded`` with a topology: what commands that follow a path (explain, input) need."""

    found: Discovery
    topology: Topology
    inventory: Inventory
    graph: NetworkGraph


def read_scope(options: Options) -> ReadScope:
    """The rules of every read of this run (see ``ingest/reader.py``): the repository that holds the scanned
    folder (its git top level, else the folder), the folders ``--allow-outside`` adds, the size limit."""
    base = options.path if options.path.is_dir() else options.path.parent
    return ReadScope(
        root=Path(os.path.realpath(git_root(base) or base)),
        allowed=tuple(Path(os.path.realpath(p)) for p in options.allow_outside),
        max_bytes=options.limits.max_file_bytes,
    )


NO_TOPOLOGY_HINT = "run `palette-policy init PATH` to write a first one, or pass --topology FILE"


def load(options: Options, timings: dict[str, float] | None = None, require_topology: bool = False) -> Loaded:
    """discover → load → graph: everything up to reachability; without a topology, no graph (or, with
    ``require_topology``, an input error before anything is parsed). Every read follows ``read_scope``."""
    with reading(read_scope(options)):
        return _load(options, timings, require_topology)


def _load(options: Options, timings: dict[str, float] | None = None, require_topology: bool = False) -> Loaded:
    timings = {} if timings is None else timings
    tell = options.progress or (lambda stage: None)
    tell("discover")
    with _timed(timings, "discover"):
        found = discover(options.path, options.limits)
        topo_path = (options.topology or found.topology) if options.use_topology else None
        if topo_path is None and require_topology:
            raise InputError(f"no palette-network.yaml in {options.path}", hint=NO_TOPOLOGY_HINT)
    tell("parse")
    with _timed(timings, "parse"):
        topology = None
        if topo_path is not None:
            topology = load_topology(
                topo_path,
                found.display(topo_path) if options.topology is None else str(topo_path),
                options.limits,
                root=found.root if options.topology is None else None,
            )
        inventory = load_all(found, options.limits, options.variables, options.stack, keep_going=options.keep_going)
    tell("graph")
    graph = None
    with _timed(timings, "graph"):
        if topology is not None:
            if options.amend_topology is not None:
                options.amend_topology(topology)
            pods = None
            if inventory.kubernetes_files:  # imported only then: most runs read no manifest
                from validator.analysis.pods import place_pods
                from validator.ingest.loaders.kubernetes import cluster_manifests

                pods = place_pods(cluster_manifests(inventory, topology), topology)
            graph = build_graph(inventory, topology, pods)
        for rel in sorted(set(inventory.kubernetes_files) - inventory.kubernetes_assigned):
            inventory.skipped.append(
                SkippedFile(
                    rel,
                    "Kubernetes manifest of no cluster in the topology "
                    "(set clusters[].kubernetes or management.kubernetes)"
                    if topology is not None
                    else "Kubernetes manifest: without a topology no cluster claims it "
                    "(`palette-policy connectivity` lists what its NetworkPolicies allow)",
                )
            )
    if options.strict and inventory.skipped:
        first = sorted(inventory.skipped, key=lambda s: s.path)[0]
        raise InputError(
            f"skipped: {first.reason} ({len(inventory.skipped)} file(s) skipped in all)",
            file=first.path,
            hint="--strict makes skips errors; add the file to .palette-policy-ignore or drop --strict",
        )
    return Loaded(found, topology, inventory, graph)


def load_network(options: Options, timings: dict[str, float] | None = None) -> Network:
    """``load``, for the commands that need a topology: its absence is an input error."""
    loaded = load(options, timings, require_topology=True)
    assert loaded.topology is not None and loaded.graph is not None
    return Network(loaded.found, loaded.topology, loaded.inventory, loaded.graph)


def run(options: Options) -> Report:
    """Every stage, in order; the report every reporter formats, with the digest of every file read."""
    with reading(read_scope(options)) as scope:
        report = _run(options)
    report.inputs_read = [
        {"path": r.path, "real": r.real, "sha256": r.sha256} for r in sorted(scope.log.values(), key=lambda r: r.real)
    ]
    return report


def _run(options: Options) -> Report:
    timings: dict[str, float] = {}
    tell = options.progress or (lambda stage: None)
    loaded = _load(options, timings)
    found, topology, inventory, graph = loaded.found, loaded.topology, loaded.inventory, loaded.graph
    if topology is None and not inventory.files:
        raise InputError(
            f"nothing to check in {options.path}: no configuration file was read and there is no palette-network.yaml",
            hint="point PATH at the folder with your Terraform, CloudFormation, Kubernetes or proxy configs",
        )
    tell("model")
    with _timed(timings, "model"):
        names = profiles_for(topology, options.profiles, options.profiles_dirs) if topology else options.profiles
        profiles = load_profiles(names or [], options.profiles_dirs)
        requirements = [r for p in profiles for r in p.requirements]
    tell("reach")
    with _timed(timings, "reach"):
        # without a topology no requirement can be bound: none is checked, and the policies say so; what the
        # files declare is still listed, as bound by nothing
        results, unbound = evaluate_requirements(graph, requirements) if graph is not None else ([], [])
        covered = coverage(graph if graph is not None else build_graph(inventory, Topology.empty(), None))
    tell("policies")
    with _timed(timings, "policies"):
        bundle = load_policies(options.policy_dirs, options.data_files)
        engine = get_engine(options.engine, **options.engine_options)
        try:  # an OPA server keeps nothing of this run, whatever happens
            input_doc = build_input(
                results,
                unbound,
                inventory,
                topology,
                requirements,
                proxy_facts(inventory, topology) if topology is not None else ProxyFacts(),
                all_rules=bool(options.policy_dirs),
                profiles=[p.name for p in profiles],
                coverage=covered,
            )
            findings = evaluate(engine, bundle, input_doc, options.namespaces or None)
            engine_info = {"name": engine.name, "version": engine.version, "description": engine.description}
        finally:
            engine.close()
    netpol = _netpol_facts(inventory) if topology is None and inventory.kubernetes_files else []
    waivers_path = options.waivers_file or (find_waivers_file(options.path) if options.use_waivers else None)
    shown = None
    if waivers_path is not None:
        tell("waivers")
        shown = found.display(waivers_path) if options.waivers_file is None else str(waivers_path)
    inside = found.root if options.waivers_file is None else None  # found in the repository: no link out
    entries = load_waivers(waivers_path, shown, root=inside) if waivers_path else []
    waivers = apply_waivers(findings, entries, file=shown)
    return Report(
        root=str(options.path),
        topology=topology,
        profiles=profiles,
        inventory=inventory,
        results=results,
        unbound=unbound,
        findings=findings,
        engine=engine_info,
        policy_digest=bundle.digest,
        policy_files=bundle.files,
        ignored=found.ignored,
        timings=timings,
        fail_on=options.fail_on,
        input_doc=input_doc,
        waivers=waivers,
        netpol=netpol,
        coverage=covered,
    )


def _netpol_facts(inventory: Inventory) -> list[dict[str, Any]]:
    """Without a topology no cluster claims the manifests: what each folder's NetworkPolicies allow, in figures."""
    from validator.analysis.netpol_facts import netpol_facts
    from validator.ingest.loaders.kubernetes import add_documents
    from validator.model.kubernetes import Cluster, finish

    folders: dict[str, list[str]] = {}
    for rel in sorted(inventory.kubernetes_files):
        folders.setdefault(rel.rsplit("/", 1)[0] if "/" in rel else ".", []).append(rel)
    facts = []
    for folder, files in folders.items():
        cluster = Cluster()
        for rel in files:
            add_documents(inventory.kubernetes_files[rel], cluster, rel)
        finish(cluster)
        facts.append(netpol_facts(folder, cluster))
    return facts


def rerun(opts: dict[str, Any], root: Path) -> Report:
    """Run again on ``root`` with the options an evidence bundle recorded (``report/evidence.py``'s
    ``manifest.json`` "options"), for ``evidence verify --rerun``."""
    return run(
        Options(
            path=root,
            topology=Path(opts["topology"]) if opts.get("topology") else None,
            profiles=opts.get("profiles"),
            profiles_dirs=[Path(p) for p in opts["profiles_dirs"]],
            policy_dirs=[Path(p) for p in opts["policy_dirs"]],
            data_files=[Path(p) for p in opts["data_files"]],
            namespaces=opts["namespaces"],
            fail_on=opts["fail_on"],
            engine=opts.get("engine", "embedded"),
            waivers_file=Path(opts["waivers_file"]) if opts.get("waivers_file") else None,
            use_waivers=opts.get("use_waivers", True),
            variables=VariableOptions(
                tuple(("var-file", f) for f in opts.get("var_files", [])),
                tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("TF_VAR_") and len(k) > 7)),
                opts.get("workspace", "default"),
            ),
            stack=StackInputs(cfn.get("parameters") or None, cfn.get("region"))
            if (cfn := opts.get("cloudformation"))
            else None,
            allow_outside=[Path(p) for p in opts.get("allow_outside", [])],
            keep_going=opts.get("keep_going", False),
        )
    )
