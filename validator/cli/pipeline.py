"""One run, in one direction: discover → load → model → graph → reach → policies → report.

Each stage is a function of the previous one's output; ``run`` only wires them and times them (the
timings feed the benchmark). The result is a plain ``Report`` that every reporter formats.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator import __version__
from validator.analysis.graph import NetworkGraph, build_graph
from validator.analysis.reach import PathResult, Unbound, evaluate_requirements
from validator.ingest.discover import Discovery, discover
from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.ingest.loaders.registry import load_all
from validator.ingest.profiles import Profile, load_profiles
from validator.ingest.topology import Topology, load_topology
from validator.model.errors import InputError
from validator.model.sets import Inventory, SkippedFile
from validator.model.waivers import WaiverOutcome, apply_waivers, find_waivers_file, is_waived, load_waivers
from validator.policy.engine import get_engine
from validator.policy.input_doc import Finding, build_input, evaluate, load_policies

SEVERITY_RANK = {"deny": 2, "warn": 1}


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
    progress: Callable[[str], None] | None = None  # told each stage's name as it starts (terminal only)


@dataclass
class Report:
    """Everything a reporter needs; also the JSON report (schemas/report.schema.json)."""

    root: str
    topology: Topology
    profiles: list[Profile]
    inventory: Inventory
    results: list[PathResult]
    unbound: list[Unbound]
    findings: list[Finding]
    engine: dict[str, str]
    policy_digest: str
    policy_files: list[str]
    ignored: list[str]
    timings: dict[str, float]
    fail_on: str
    input_doc: dict[str, Any]
    waivers: WaiverOutcome = field(default_factory=WaiverOutcome)

    @property
    def failed(self) -> bool:
        """A waived finding never fails the run (it is still reported, marked waived)."""
        threshold = {"deny": 2, "warn": 1, "none": 99}[self.fail_on]
        return any(SEVERITY_RANK.get(f.kind, 0) >= threshold for f in self.findings if not is_waived(f))

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def counts(self) -> dict[str, int]:
        out = {"reachable": 0, "partial": 0, "blocked": 0, "unknown": 0}
        for r in self.results:
            out[r.verdict] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "tool": {"name": "palette-policy", "version": __version__},
            "engine": self.engine,
            "policy_bundle": {"sha256": self.policy_digest, "files": self.policy_files},
            "root": self.root,
            "topology": self.topology.path,
            "profiles": [p.name for p in self.profiles],
            "summary": {"verdicts": self.counts(), "findings": {
                "deny": sum(f.kind == "deny" for f in self.findings),
                "warn": sum(f.kind == "warn" for f in self.findings),
                "waived": sum(is_waived(f) for f in self.findings)},
                "fail_on": self.fail_on, "exit_code": self.exit_code},
            "results": self.input_doc.get("results") or [r.to_json() for r in self.results],  # built once
            "unbound": [u.to_json() for u in self.unbound],
            "findings": [f.to_json() for f in self.findings],
            "inputs": {
                "loaded": [{"path": f.path, "format": f.format} for f in
                           sorted(self.inventory.files, key=lambda f: f.path)],
                "skipped": [{"path": s.path, "reason": s.reason} for s in
                            sorted(self.inventory.skipped, key=lambda s: s.path)],
                "ignored": sorted(self.ignored),
            },
            "waivers": self.waivers.to_json(),
        }


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


@dataclass
class Network:
    """What the first stages produce: the files found, the topology, the inventory and the graph."""

    found: Discovery
    topology: Topology
    inventory: Inventory
    graph: NetworkGraph


def load_network(options: Options, timings: dict[str, float] | None = None) -> Network:
    """discover → load → graph: everything up to reachability (shared by validate and explain)."""
    timings = {} if timings is None else timings
    tell = options.progress or (lambda stage: None)
    tell("discover")
    with _timed(timings, "discover"):
        found = discover(options.path, options.limits)
        topo_path = options.topology or found.topology
        if topo_path is None:
            raise InputError(f"no palette-network.yaml in {options.path}",
                             hint="write one (see the README's topology section) or pass --topology FILE")
    tell("parse")
    with _timed(timings, "parse"):
        topology = load_topology(topo_path, found.display(topo_path) if options.topology is None
                                 else str(topo_path), options.limits)
        inventory = load_all(found, options.limits)
    tell("graph")
    with _timed(timings, "graph"):
        graph = build_graph(inventory, topology)
        for rel in sorted(set(inventory.kubernetes_files) - inventory.kubernetes_assigned):
            inventory.skipped.append(SkippedFile(rel, "Kubernetes manifest of no cluster in the topology "
                                                 "(set clusters[].kubernetes or management.kubernetes)"))
    if options.strict and inventory.skipped:
        first = sorted(inventory.skipped, key=lambda s: s.path)[0]
        raise InputError(f"skipped: {first.reason} ({len(inventory.skipped)} file(s) skipped in all)",
                         file=first.path, hint="--strict makes skips errors; add the file to "
                         ".palette-policy-ignore or drop --strict")
    return Network(found, topology, inventory, graph)


def run(options: Options) -> Report:
    timings: dict[str, float] = {}
    tell = options.progress or (lambda stage: None)
    network = load_network(options, timings)
    found, topology, inventory, graph = network.found, network.topology, network.inventory, network.graph
    tell("model")
    with _timed(timings, "model"):
        profiles = load_profiles(options.profiles or topology.profiles, options.profiles_dirs)
        requirements = [r for p in profiles for r in p.requirements]
    tell("reach")
    with _timed(timings, "reach"):
        results, unbound = evaluate_requirements(graph, requirements)
    tell("policies")
    with _timed(timings, "policies"):
        bundle = load_policies(options.policy_dirs, options.data_files)
        engine = get_engine(options.engine, **options.engine_options)
        input_doc = build_input(results, unbound, inventory, topology, requirements,
                                all_rules=bool(options.policy_dirs))
        findings = evaluate(engine, bundle, input_doc, options.namespaces or None)
    waivers_path = options.waivers_file or (find_waivers_file(options.path) if options.use_waivers else None)
    shown = None
    if waivers_path is not None:
        tell("waivers")
        shown = found.display(waivers_path) if options.waivers_file is None else str(waivers_path)
    waivers = apply_waivers(findings, load_waivers(waivers_path, shown) if waivers_path else [], file=shown)
    return Report(root=str(options.path), topology=topology, profiles=profiles, inventory=inventory,
                  results=results, unbound=unbound, findings=findings,
                  engine={"name": engine.name, "version": engine.version, "description": engine.description},
                  policy_digest=bundle.digest,
                  policy_files=bundle.files, ignored=found.ignored, timings=timings, fail_on=options.fail_on,
                  input_doc=input_doc, waivers=waivers)
