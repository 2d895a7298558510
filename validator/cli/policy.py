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
from validator.cli.options import OPA, engine_option, engine_settings
from validator.cli.outputs import format_option
from validator.cli.settings import App
from validator.model.errors import EXIT_FINDINGS, EXIT_OK

policy_app = App(help="Work with Rego policies (unit tests).", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@policy_app.command("test")
def test_command(
    dirs: Annotated[
        list[Path] | None, typer.Argument(help="Policy directories or .rego files (default: policies).")
    ] = None,
    data: Annotated[list[Path] | None, typer.Option("--data", help="Extra data file (JSON/YAML), repeatable.")] = None,
    output_format: str = format_option(("table", "json"), "table", "Output format.", short=False),
    engine: str = engine_option(),
    opa_url: str | None = OPA["opa_url"],
    opa_token: str | None = OPA["opa_token"],
    opa_token_file: Path | None = OPA["opa_token_file"],
    opa_ca_file: Path | None = OPA["opa_ca_file"],
    opa_timeout: float = OPA["opa_timeout"],
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

        bundle = load_bundle(list(dirs or [Path("policies")]), list(data or []))
        settings = engine_settings(opa_url, opa_token, opa_token_file, opa_ca_file, opa_timeout, timeout)
        backend = get_engine(engine, **settings)
        try:
            report = run_tests(bundle, backend, run)
        finally:
            backend.close()
        if output_format == "json":
            typer.echo(json.dumps(report.as_dict(), indent=2))
        else:
            typer.echo(format_text(report, verbose=not quiet))
        return EXIT_OK if report.ok else EXIT_FINDINGS

    guarded(body)
