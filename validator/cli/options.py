"""Options several commands share, declared once so their names, choices and help agree everywhere.

Every option also reads ``PALETTE_POLICY_<OPTION>`` and the config file (``settings.py``); the OPA token is
the exception that proves the rule: never on the command line (it would show in ``ps``), only from
``PALETTE_POLICY_OPA_TOKEN`` or ``--opa-token-file``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from validator.model.errors import InputError

FAIL_ON = ("deny", "warn", "none")
ENGINES = ("embedded", "regopy", "opa")
TOKEN_ENV = "PALETTE_POLICY_OPA_TOKEN"


def choice_option(name: str, choices: Sequence[str], default: str | None, help: str) -> Any:
    """An option taking one of ``choices``, shown in --help and offered by shell completion."""

    def parse(value: str) -> str:
        if value not in choices:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}")
        return value

    return typer.Option(
        default,
        name,
        parser=parse,
        metavar="[" + "|".join(choices) + "]",
        autocompletion=lambda: list(choices),
        help=help,
    )


def fail_on_option() -> Any:
    return choice_option(
        "--fail-on", FAIL_ON, None, "Exit 1 on findings of this level or above (default deny; none: never)."
    )


def engine_option(default: str = "embedded") -> Any:
    return choice_option(
        "--engine",
        ENGINES,
        default,
        "Rego engine: embedded (regorus), regopy (optional extra), or opa (an OPA server, with --opa-url).",
    )


def _refuse_command_line_token(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> str | None:
    found = ctx.get_parameter_source(param.name or "")
    if value is not None and getattr(found, "name", "") == "COMMANDLINE":
        raise typer.BadParameter(
            f"a token on the command line shows in ps and the shell history; set {TOKEN_ENV} or use --opa-token-file"
        )
    return value


def opa_options() -> dict[str, Any]:
    """The OPA server options, as typer defaults keyed by parameter name."""
    return {
        "opa_url": typer.Option(
            None, "--opa-url", help="Evaluate on this OPA server (policies and data go under a per-run path)."
        ),
        "opa_token": typer.Option(
            None, "--opa-token", hidden=True, envvar=TOKEN_ENV, show_envvar=False, callback=_refuse_command_line_token
        ),
        "opa_token_file": typer.Option(
            None,
            "--opa-token-file",
            dir_okay=False,
            help=f"File holding the Bearer token for --opa-url (or set {TOKEN_ENV}; never on the command line).",
        ),
        "opa_ca_file": typer.Option(
            None, "--opa-ca-file", dir_okay=False, help="CA bundle (PEM) to verify an https --opa-url's certificate."
        ),
        "opa_timeout": typer.Option(
            30.0, "--opa-timeout", min=0.1, help="Seconds each request to the OPA server may take."
        ),
    }


def engine_settings(
    opa_url: str | None,
    opa_token: str | None,
    opa_token_file: Path | None,
    opa_ca_file: Path | None,
    opa_timeout: float,
    policy_timeout: float | None,
) -> dict[str, Any]:
    """``get_engine`` keyword arguments from the engine options (the token read from its file)."""
    if opa_token and opa_token_file:
        raise InputError(f"{TOKEN_ENV} and --opa-token-file both give a token", hint="keep one of them")
    token = opa_token
    if opa_token_file is not None:
        from validator.ingest.discover import read_text

        token = read_text(opa_token_file, str(opa_token_file)).strip()
        if not token:
            raise InputError("the token file is empty", file=str(opa_token_file))
    return {
        "opa_url": opa_url,
        "opa_token": token,
        "opa_ca_file": opa_ca_file,
        "opa_timeout": opa_timeout,
        "timeout": policy_timeout,
    }


OPA = opa_options()
