"""``palette-policy input PATH``: the exact document the policies see (schema: schemas/input.schema.json).

With a topology (``--topology``, ``PATH/palette-network.yaml``, or one beside a single-file PATH) it is the
document ``validate`` evaluates; without one it is the inventory alone — every group, rule, ACL, subnet, VPC and
prefix list the loaders read, with what about them is unknown — to inspect a plain repository or template.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from validator.cli import app, guarded
from validator.cli.options import NetworkReading, reads_network


@app.command("input")
@reads_network
def input_command(
    path: Path = typer.Argument(..., help="Folder or file with the network configs (as for validate)."),
    topology: Path | None = typer.Option(
        None,
        "--topology",
        "-t",
        help="Topology file (default: palette-network.yaml in PATH, or beside a single-file PATH; without one "
        "the document holds the inventory only).",
    ),
    profile: list[str] = typer.Option([], "--profile", "-p", help="Requirement profile(s)."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write it here (atomically)."),
    *,
    reading_options: NetworkReading,
) -> None:
    """Print the input document your Rego policies receive, to write and test policies against it."""

    def body() -> int:
        from validator.analysis.coverage import coverage
        from validator.analysis.proxy_facts import proxy_facts
        from validator.analysis.reach import evaluate_requirements
        from validator.cli.pipeline import Options, load_network, read_scope
        from validator.ingest.discover import TOPOLOGY_NAMES, discover
        from validator.ingest.loaders.registry import load_all
        from validator.ingest.profiles import load_profiles, profiles_for
        from validator.ingest.reader import reading
        from validator.policy.input_doc import build_input, build_inventory_input
        from validator.report import write

        options = Options(
            path=path,
            topology=topology,
            profiles=profile or None,
            profiles_dirs=profiles_dir,
            **reading_options.settings(),
        )
        if options.topology is None and path.is_file():
            options.topology = next((t for n in TOPOLOGY_NAMES if (t := path.parent / n).is_file()), None)
        inventory = None
        with reading(read_scope(options)):
            found = discover(path, options.limits)
            if options.topology is None and found.topology is None:
                inventory = load_all(found, options.limits, options.variables, options.stack, options.keep_going)
        if inventory is not None:
            doc = build_inventory_input(inventory)
        else:
            network = load_network(options)
            names = profiles_for(network.topology, options.profiles, options.profiles_dirs)
            profiles = load_profiles(names, options.profiles_dirs)
            requirements = [r for p in profiles for r in p.requirements]
            results, unbound = evaluate_requirements(network.graph, requirements)
            doc = build_input(
                results,
                unbound,
                network.inventory,
                network.topology,
                requirements,
                proxy_facts(network.inventory, network.topology),
                profiles=names,
                coverage=coverage(network.graph),
            )
        write(json.dumps(doc, indent=2, ensure_ascii=False), output)
        return 0

    guarded(body)
