"""The command line: thin typer commands that call the pipeline stages and map errors to exit codes.

Exit codes: 0 all required paths reachable and no finding at or above --fail-on; 1 findings; 2 bad input
or usage (one line, no traceback; --debug shows it); 141 stdout was closed early (``| head``), as a
process killed by SIGPIPE, quietly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import typer

from validator.cli.settings import ENV_PREFIX, App
from validator.model.errors import EXIT_INPUT, InputError

EXIT_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE

app = App(
    name="palette-policy",
    help="Check that the network paths Spectro Cloud Palette needs get through your security groups, "
    "ACLs, NetworkPolicies, proxies and firewalls. Every option can also be set with PALETTE_POLICY_<OPTION> "
    "(e.g. PALETTE_POLICY_FAIL_ON=warn) or in .palette-policy.yaml; the command line wins, then the "
    "environment, then the file.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

_state: dict[str, Any] = {"debug": False}


def _version(value: bool) -> None:
    if value:
        import validator

        typer.echo(f"palette-policy {validator.__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", envvar=ENV_PREFIX + "DEBUG", help="Show a traceback for errors."),
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
    except BrokenPipeError:  # before the CLI library turns it into exit 1
        closed_stdout()
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
    # the click that typer runs on (typer may vendor its own copy): its exceptions module, found publicly;
    # Abort is typer's own (typer 0.28's copy of click has none)
    click = sys.modules[typer.BadParameter.__module__]
    from validator.ingest.isolation import collect_less

    collect_less()
    _register(sys.argv[1:])
    stdout_at_start = _identity(1)
    try:
        code = app(prog_name="palette-policy", standalone_mode=False)
    except click.NoArgsIsHelpError as exc:  # a bare command group: its help, as a usage error
        exc.show()
        sys.exit(EXIT_INPUT)
    except click.ClickException as exc:  # a usage mistake: one line, like every other error
        sys.exit(usage_error(exc))
    except SystemExit as exc:
        # the help printer ends a closed pipe with exit 1 after pointing stdout at /dev/null: SIGPIPE's status
        if exc.code == 1 and stdout_at_start != _identity(1) and _identity(1) == os.stat(os.devnull)[1:3]:
            sys.exit(EXIT_PIPE)
        raise
    except (KeyboardInterrupt, typer.Abort):
        sys.exit(130)
    except BrokenPipeError:
        closed_stdout()
    sys.exit(code if isinstance(code, int) else 0)


def _identity(fd: int) -> tuple[int, int] | None:
    """What a descriptor is open on (inode, device), to notice that it was swapped for /dev/null."""
    try:
        return tuple(os.fstat(fd)[1:3])  # type: ignore[return-value]
    except OSError:
        return None


def usage_error(exc: Any) -> int:
    """Print a command-line mistake as one line naming the command, and return its exit code (2)."""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "palette-policy"
    hint = f" (see '{where} --help')" if ctx is not None else ""
    typer.echo(f"error: {where}: {exc.format_message()}{hint}", err=True)
    return EXIT_INPUT if exc.exit_code in (1, 2) else int(exc.exit_code)


def closed_stdout() -> NoReturn:
    """The reader went away (``| head -1``): stop quietly with SIGPIPE's exit status. Later writes and the
    interpreter's final flush go to /dev/null so Python prints nothing about it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_PIPE)
