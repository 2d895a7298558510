"""``palette-policy policy test [DIR...]``: run the Rego unit tests of policy directories, like ``opa test``.

Exit codes: 0 every test passed, 1 a test failed or errored, 2 bad input (a syntax error is reported as
file:line:column).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from validator.cli import app, guarded
from validator.model.errors import EXIT_FINDINGS, EXIT_OK, InputError

policy_app = typer.Typer(help="Work with Rego policies (unit tests).", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@policy_app.command("test")
def test_command(
    dirs: Annotated[
        list[Path] | None, typer.Argument(help="Policy directories or .rego files (default: policies).")
    ] = None,
    data: Annotated[list[Path] | None, typer.Option("--data", help="Extra data file (JSON/YAML), repeatable.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    engine: Annotated[str, typer.Option("--engine", help="embedded (default) or regopy.")] = "embedded",
    opa_url: Annotated[str | None, typer.Option("--opa-url", help="Run the tests on this OPA server instead.")] = None,
    opa_token: Annotated[
        str | None, typer.Option("--opa-token", envvar="PALETTE_POLICY_OPA_TOKEN", help="Bearer token for --opa-url.")
    ] = None,
    run: Annotated[str | None, typer.Option("--run", help="Only tests whose full name matches this regex.")] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Time limit per test in seconds (embedded engine).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Text: show only failures and totals.")] = False,
) -> None:
    """Run Rego unit tests (test_ rules) and print pass/fail per test and totals."""

    def body() -> int:
        from validator.policy.engine import get_engine, load_bundle
        from validator.policy.rego_test import format_text, run_tests

        if output_format not in ("text", "json"):
            raise InputError(f"unknown --format {output_format!r}", hint="use text or json")
        bundle = load_bundle(list(dirs or [Path("policies")]), list(data or []))
        backend = get_engine(engine, opa_url=opa_url, opa_token=opa_token, timeout=timeout)
        report = run_tests(bundle, backend, run)
        if output_format == "json":
            typer.echo(json.dumps(report.as_dict(), indent=2))
        else:
            typer.echo(format_text(report, verbose=not quiet))
        return EXIT_OK if report.ok else EXIT_FINDINGS

    guarded(body)
