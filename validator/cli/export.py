"""``palette-policy export PATH``: the required flows as live probes to run where they start."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from validator.cli import app, guarded
from validator.cli.options import READING, choice_option, reading_settings
from validator.cli.outputs import emit, format_option, output_option, plan
from validator.cli.settings import source
from validator.model.errors import InputError

FORMATS = ("network-validator", "script")


@app.command()
def export(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Folder with the network configs and its palette-network.yaml."),
    output_format: str = format_option(
        FORMATS,
        "network-validator",
        "network-validator: NetworkValidator resources of validator-plugin-network (multi-document YAML); "
        "script: a POSIX shell script printing PASS/FAIL per requirement.",
    ),
    output: list[str] = output_option(),
    only: str | None = choice_option(
        "--only", ("not-proven",), None, "not-proven: only the flows the static check did not prove reachable."
    ),
    topology: Path | None = typer.Option(
        None, "--topology", "-t", help="Topology file (default: PATH/palette-network.yaml)."
    ),
    profile: list[str] = typer.Option([], "--profile", "-p", help="Requirement profile(s); overrides the topology's."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
    keep_going: bool = READING["keep_going"],
    allow_outside: list[Path] = READING["allow_outside"],
    parser_memory: int = READING["parser_memory"],
    parser_timeout: float = READING["parser_timeout"],
) -> None:
    """Write probes for every required flow, per place it starts (each workload and Edge cluster, the
    self-hosted management cluster, each PCG), to confirm live what validate checks statically."""

    def body() -> int:
        from validator.analysis.probes import plan_probes
        from validator.cli.pipeline import NO_TOPOLOGY_HINT, Options, run
        from validator.report import network_validator, probe_script

        outputs = plan(output, output_format, source(ctx, "output_format") == "command line", FORMATS)
        reading = reading_settings(keep_going, allow_outside, parser_memory, parser_timeout)
        report = run(
            Options(path=path, topology=topology, profiles=profile or None, profiles_dirs=profiles_dir, **reading)
        )
        if report.topology is None:
            raise InputError(
                f"no palette-network.yaml in {path}: probes start where the topology says", hint=NO_TOPOLOGY_HINT
            )
        probes = plan_probes(report.results, report.topology, only_not_proven=only == "not-proven")
        renderers = {"network-validator": network_validator.render, "script": probe_script.render}
        emit(outputs, lambda name: renderers[name](probes, str(path)))
        count = sum(len(loc.probes) for loc in probes.locations)
        print(f"{count} probe(s) in {len(probes.locations)} location(s)", file=sys.stderr)
        return 0

    guarded(body)
