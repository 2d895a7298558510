"""``palette-policy validate PATH``: the main job."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from validator.cli import app, guarded
from validator.cli.options import OPA, NetworkReading, engine_option, engine_settings, fail_on_option, reads_network
from validator.cli.outputs import emit, format_option, output_option, plan
from validator.cli.settings import CONFIG_META, source
from validator.ingest.limits import Limits
from validator.model.errors import InputError
from validator.report import FORMATS, renderer

if TYPE_CHECKING:
    from validator.model.report import Report

ROOT_AWARE = ("sarif", "github")  # formats whose paths are made repository-relative


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], None] | None]:
    """A spinner on stderr naming the stage; only for people at a terminal, never in machine formats."""
    if not enabled:
        yield None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("palette-policy: starting", spinner="dots") as status:
        yield lambda stage: status.update(f"palette-policy: {stage}")


@app.command()
@reads_network
def validate(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Folder (or file) with the network configs to check."),
    topology: Path | None = typer.Option(
        None, "--topology", "-t", help="Topology file (default: PATH/palette-network.yaml)."
    ),
    profile: list[str] = typer.Option(
        [], "--profile", "-p", help="Requirement profile(s) to check; overrides the topology's."
    ),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
    output_format: str = format_option(FORMATS, "table", "Format of stdout, or of the one plain --output FILE."),
    output: list[str] = output_option(),
    fail_on: str = fail_on_option(),
    engine: str = engine_option(),
    opa_url: str | None = OPA["opa_url"],
    opa_token: str | None = OPA["opa_token"],
    opa_token_file: Path | None = OPA["opa_token_file"],
    opa_ca_file: Path | None = OPA["opa_ca_file"],
    opa_timeout: float = OPA["opa_timeout"],
    policy_timeout: float | None = typer.Option(
        None, "--policy-timeout", help="Seconds one policy evaluation may take (default 120).", min=0.1
    ),
    policy_memory: int | None = typer.Option(
        None,
        "--policy-memory",
        help="Memory (MiB) one policy evaluation may add to the process (default 2048).",
        min=64,
    ),
    policy: list[Path] = typer.Option([], "--policy", help="Extra folder of Rego policies (repeatable)."),
    data: list[Path] = typer.Option([], "--data", help="Extra data file (YAML/JSON) for the policies."),
    namespace: list[str] = typer.Option([], "--namespace", help="Only report these Rego packages."),
    max_file_size: int = typer.Option(50, "--max-file-size", min=1, help="Largest config file to read, in MiB."),
    max_yaml_nodes: int = typer.Option(
        2_000_000, "--max-yaml-nodes", help="Most YAML/JSON nodes per file after alias expansion."
    ),
    max_depth: int = typer.Option(200, "--max-depth", help="Deepest YAML/JSON nesting accepted."),
    strict: bool = typer.Option(False, "--strict", help="Treat files that would be skipped as errors."),
    waivers: Path | None = typer.Option(
        None, "--waivers", help="Waivers file (default: PATH/.palette-policy-waivers.yaml when present)."
    ),
    no_waivers: bool = typer.Option(False, "--no-waivers", help="Ignore every waiver."),
    evidence: Path | None = typer.Option(
        None,
        "--evidence",
        help="Also write an evidence bundle (report.json, report.html, manifest.json) to this folder.",
    ),
    sign: Path | None = typer.Option(
        None, "--sign", help="Sign the evidence manifest with this minisign secret key (needs --evidence)."
    ),
    sarif_root: Path | None = typer.Option(
        None,
        "--sarif-root",
        help="SARIF/GitHub paths are relative to this folder (default: the git top-level above PATH, else the cwd).",
    ),
    *,
    reading_options: NetworkReading,
) -> None:
    """Check that every Palette port path is reachable; exit 0 ok, 1 findings, 2 bad input."""

    def body() -> int:
        from validator.cli.pipeline import Options, run  # lazily: the CLI starts fast whatever the command

        cfg = ctx.meta[CONFIG_META]
        outputs = plan(output, output_format, source(ctx, "output_format") == "command line", FORMATS)
        on_stdout = [o.format for o in outputs if o.path is None]
        interactive = bool(on_stdout) and set(on_stdout) <= {"table"} and sys.stderr.isatty()
        if sign is not None and evidence is None:
            raise InputError("--sign signs an evidence bundle", hint="add --evidence DIR")
        if evidence is not None:  # refuse a folder that is not ours before the run, not after
            from validator.report.evidence import check_target

            check_target(evidence)
        options = Options(
            path=path,
            topology=topology,
            profiles=profile or None,
            profiles_dirs=profiles_dir,
            engine=engine,
            policy_dirs=policy,
            data_files=data,
            namespaces=namespace,
            fail_on=fail_on or "deny",
            engine_options={
                **engine_settings(opa_url, opa_token, opa_token_file, opa_ca_file, opa_timeout, policy_timeout),
                "memory_mib": policy_memory,
            },
            strict=strict,
            **reading_options.settings(Limits(max_file_size * 1024 * 1024, max_yaml_nodes, max_depth)),
            waivers_file=None if no_waivers else waivers,
            use_waivers=not no_waivers,
        )
        with _progress(interactive) as tell:
            options.progress = tell
            report = run(options)
            options.progress = None
        # the table takes the terminal's width only when it is shown on one; files and pipes get a fixed
        # width, so the same inputs give the same bytes
        tables = [o for o in outputs if o.format == "table"]
        width = (
            shutil.get_terminal_size().columns
            if tables and sys.stdout.isatty() and all(o.path is None for o in tables)
            else None
        )

        def render(fmt: str) -> str:
            write: Callable[..., str] = renderer(fmt)
            if fmt in ROOT_AWARE and sarif_root is not None:
                return write(report, root=sarif_root)
            if fmt == "table" and width is not None:
                return write(report, width=width)
            return write(report)

        if evidence is not None:
            from validator.report.evidence import write_bundle

            write_bundle(report, options, evidence, ["palette-policy", *sys.argv[1:]], config=cfg.file, sign=sign)
        start = time.perf_counter()
        emit(outputs, render)
        report.timings["report"] = time.perf_counter() - start
        _dump_timings(report)
        return report.exit_code

    guarded(body)


def _dump_timings(report: Report) -> None:
    """For the benchmark (benchmarks/run.py): stage timings and what was loaded, as JSON, to the file
    named by PALETTE_POLICY_TIMINGS. Unset (always, for users) it does nothing."""
    target = os.environ.get("PALETTE_POLICY_TIMINGS")
    if not target:
        return
    inventory = report.inventory
    doc = {
        "timings": report.timings,
        "loaded": dict(Counter(f.format for f in inventory.files)),
        "skipped": dict(Counter(s.reason for s in inventory.skipped)),
        "points": len(inventory.points),
        "rules": sum(len(p.rules) for p in inventory.points.values()),
        "results": len(report.results),
    }
    Path(target).write_text(json.dumps(doc), encoding="utf-8")
