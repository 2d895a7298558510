"""The command line: thin typer commands that call the pipeline stages and map errors to exit codes.

Exit codes: 0 all required paths reachable and no finding at or above --fail-on; 1 findings; 2 bad input
or usage (one line, no traceback; --debug shows it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from validator import __version__
from validator.model.errors import EXIT_INPUT, InputError

app = typer.Typer(
    name="palette-policy",
    help="Check that the network paths Spectro Cloud Palette needs get through your security groups, "
    "ACLs, NetworkPolicies, proxies and firewalls.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state: dict[str, Any] = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"palette-policy {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show a traceback for errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    _state["debug"] = debug


def fail(error: InputError) -> None:
    """Print one located line to stderr and exit 2."""
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(EXIT_INPUT)


def guarded(func: Callable[[], int]) -> None:
    """Run a command body; InputError → one line and exit 2, anything else → one line too."""
    try:
        code = func()
    except InputError as exc:
        if _state["debug"]:
            raise
        fail(exc)
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except Exception as exc:  # a bug of ours: still one line, exit 2, traceback with --debug
        if _state["debug"]:
            raise
        typer.echo(f"error: internal error: {type(exc).__name__}: {exc} (rerun with --debug)", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    raise typer.Exit(code)


# command name → its module in this package; only the one asked for is imported (faster start)
COMMAND_MODULES = {
    "validate": "validate",
    "explain": "explain",
    "connectivity": "connectivity",
    "requirements": "requirements",
    "input": "input_doc",
    "policy": "policy",
    "diff": "diff",
    "evidence": "evidence",
    "init": "init",
    "export": "export",
}


def register(name: str | None = None) -> None:
    """Register one command on ``app`` (importing its module), or every command when ``name`` is None."""
    import importlib

    for module in [COMMAND_MODULES[name]] if name is not None else sorted(COMMAND_MODULES.values()):
        importlib.import_module(f".{module}", __package__)


def _register(argv: list[str]) -> None:
    """Register the command named on the command line, or every command (for --help and mistakes)."""
    name = next((a for a in argv if not a.startswith("-")), None)
    register(name if name in COMMAND_MODULES else None)


def main() -> None:
    _register(sys.argv[1:])
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
