"""``palette-policy validate PATH``: the main job."""

from __future__ import annotations

from pathlib import Path

import typer

from ..cli import app, guarded
from ..errors import InputError
from ..limits import Limits
from ..pipeline import Options, run
from ..report import renderers, write

FORMATS = "table|json"


def _formats_help() -> str:
    return "Output format: " + ", ".join(sorted(renderers())) + "."


@app.command()
def validate(
    path: Path = typer.Argument(..., help="Folder (or file) with the network configs to check."),
    topology: Path | None = typer.Option(None, "--topology", "-t",
                                         help="Topology file (default: PATH/palette-network.yaml)."),
    profile: list[str] = typer.Option([], "--profile", "-p",
                                      help="Requirement profile(s) to check; overrides the topology's."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
    output_format: str = typer.Option("table", "--format", "-f", help=_formats_help()),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here (atomically)."),
    fail_on: str = typer.Option("deny", "--fail-on", help="Exit 1 on findings of this level or above: "
                                "deny, warn or none."),
    engine: str = typer.Option("embedded", "--engine", help="Rego engine: embedded (regorus, default), "
                               "regopy (optional extra), or opa with --opa-url."),
    opa_url: str | None = typer.Option(None, "--opa-url", help="Evaluate on this OPA server instead "
                                       "(modules and data are uploaded to it)."),
    opa_token: str | None = typer.Option(None, "--opa-token", help="Bearer token for --opa-url."),
    policy_timeout: float | None = typer.Option(None, "--policy-timeout",
                                                help="Seconds one policy evaluation may take."),
    policy: list[Path] = typer.Option([], "--policy", help="Extra folder of Rego policies (repeatable)."),
    data: list[Path] = typer.Option([], "--data", help="Extra data file (YAML/JSON) for the policies."),
    namespace: list[str] = typer.Option([], "--namespace", help="Only report these Rego packages."),
    max_file_size: int = typer.Option(50, "--max-file-size", help="Largest config file to read, in MiB."),
    max_yaml_nodes: int = typer.Option(2_000_000, "--max-yaml-nodes",
                                       help="Most YAML/JSON nodes per file after alias expansion."),
    max_depth: int = typer.Option(200, "--max-depth", help="Deepest YAML/JSON nesting accepted."),
    strict: bool = typer.Option(False, "--strict", help="Treat files that would be skipped as errors."),
) -> None:
    """Check that every Palette port path is reachable; exit 0 ok, 1 findings, 2 bad input."""

    def body() -> int:
        formats = renderers()
        if output_format not in formats:
            raise InputError(f"unknown format {output_format!r}", hint=f"use one of {', '.join(sorted(formats))}")
        if fail_on not in ("deny", "warn", "none"):
            raise InputError(f"--fail-on must be deny, warn or none, not {fail_on!r}")
        report = run(Options(path=path, topology=topology, profiles=profile or None, profiles_dirs=profiles_dir,
                             engine=engine, policy_dirs=policy,
                             engine_options={"opa_url": opa_url, "opa_token": opa_token, "timeout": policy_timeout},
                             data_files=data, namespaces=namespace,
                             fail_on=fail_on, strict=strict,
                             limits=Limits(max_file_size * 1024 * 1024, max_yaml_nodes, max_depth)))
        write(formats[output_format](report), output)
        return report.exit_code

    guarded(body)
