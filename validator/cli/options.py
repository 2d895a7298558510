"""Options several commands share, declared once so their names, choices and help agree everywhere.

Terraform's variables (T1) for the commands that load a network (validate, input, explain, diff):
``--var-file FILE`` and ``--var NAME=VALUE`` (repeatable, applied in the order they are given on the command
line, after each root's own tfvars files), ``--workspace NAME`` (``terraform.workspace``), and the
``TF_VAR_*`` environment variables.

How the repository is read (the same commands): ``--allow-outside DIR`` (folders outside the repository that module
sources, Squid includes and links may reach), ``--keep-going`` (what cannot be read becomes a finding) and
the Terraform evaluation's limits, ``--parser-memory`` and ``--parser-timeout``.

Every option also reads ``PALETTE_POLICY_<OPTION>`` and the config file (``settings.py``); the OPA token is
the exception that proves the rule: never on the command line (it would show in ``ps``), only from
``PALETTE_POLICY_OPA_TOKEN`` or ``--opa-token-file``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import typer

from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.ingest.loaders.terraform.variables import VariableOptions
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


# --- Terraform variables -----------------------------------------------------------------------
VAR_FILE = typer.Option(
    [],
    "--var-file",
    metavar="FILE",
    help="Terraform variables file applied to every root module, after its own tfvars files (repeatable).",
)
VAR = typer.Option(
    [],
    "--var",
    metavar="NAME=VALUE",
    help="Terraform variable value for every root module; wins over the files (repeatable).",
)
WORKSPACE = typer.Option("default", "--workspace", metavar="NAME", help="Terraform workspace (terraform.workspace).")


def variable_options(var_files: list[Path], variables: list[str], workspace: str) -> VariableOptions:
    """The Terraform variable options as the loader takes them; a ``--var`` without ``=`` is a usage error."""
    for item in variables:
        name, sep, _ = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--var {item!r} is not NAME=VALUE", hint="write --var name=value")
    for path in var_files:
        if not path.is_file():
            raise InputError(f"--var-file {path} is not a file", hint="give the path of a .tfvars or .tfvars.json file")
    items = [("var-file", str(p)) for p in var_files] + [("var", v) for v in variables]
    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("TF_VAR_") and len(k) > 7))
    return VariableOptions(tuple(_command_line_order(items)), environment, workspace)


def _command_line_order(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``--var-file`` and ``--var`` in the order they appear in the process's arguments (Terraform applies
    them so); when the arguments do not show them (a program calling the command), files first."""
    seen: list[tuple[str, str]] = []
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        for flag, kind in (("--var-file", "var-file"), ("--var", "var")):
            if arg == flag and i + 1 < len(argv):
                seen.append((kind, argv[i + 1]))
            elif arg.startswith(flag + "="):
                seen.append((kind, arg[len(flag) + 1 :]))
    normalized = [(k, str(Path(v)) if k == "var-file" else v) for k, v in seen]
    return normalized if sorted(normalized) == sorted(items) else items


# --- the parse cache -------------------------------------------------------------------------------
CACHE_DIR = typer.Option(
    None,
    "--cache-dir",
    metavar="DIR",
    file_okay=False,
    help="Folder of the parse cache (default: $XDG_CACHE_HOME/palette-policy, else ~/.cache/palette-policy).",
)
NO_CACHE = typer.Option(False, "--no-cache", help="Evaluate every Terraform root afresh; read and write no cache.")


def use_cache(cache_dir: Path | None, no_cache: bool) -> None:
    """Turn the parse cache on (the default) or off for this run. A folder that cannot be used means a run
    without the cache, never a failure: a note on stderr when the folder was asked for, silence for the
    default one (a read-only home, another user's HOME)."""
    from validator.ingest import cache
    from validator.policy import parse_cache

    why = cache.use(None if no_cache else (cache_dir or cache.default_dir()))
    parse_cache.use(cache.active(), cache.fingerprint)  # the policy stage's parsed Rego, in the same folder
    if why and cache_dir is not None:
        print(f"palette-policy: note: the parse cache is off for this run: {why}", file=sys.stderr)


# --- reading the repository ----------------------------------------------------------------------
MiB = 1024 * 1024


def reading_options() -> dict[str, Any]:
    """How the repository is read: folders outside it, what to do with what cannot be read, the limits of
    one Terraform root's evaluation (as typer defaults keyed by parameter name)."""
    return {
        "keep_going": typer.Option(
            False,
            "--keep-going",
            help="A Terraform root or file that cannot be read becomes a PP-INPUT-INCOMPLETE finding; "
            "the rest is checked.",
        ),
        "allow_outside": typer.Option(
            [],
            "--allow-outside",
            metavar="DIR",
            help="Folder outside the repository (PATH's git top level, else PATH) that module sources, Squid includes "
            "and links may read (repeatable).",
        ),
        "parser_memory": typer.Option(
            DEFAULT_LIMITS.parser_memory_bytes // MiB,
            "--parser-memory",
            min=64,
            help="Memory (MiB) the evaluation of one Terraform root may use.",
        ),
        "parser_timeout": typer.Option(
            DEFAULT_LIMITS.parser_seconds,
            "--parser-timeout",
            min=0.1,
            help="Seconds the evaluation of one Terraform root may take.",
        ),
    }


def reading_settings(
    keep_going: bool,
    allow_outside: list[Path],
    parser_memory: int,
    parser_timeout: float,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """``pipeline.Options`` keyword arguments from the reading options (on top of ``limits``)."""
    return {
        "keep_going": keep_going,
        "allow_outside": allow_outside,
        "limits": dataclasses.replace(limits, parser_memory_bytes=parser_memory * MiB, parser_seconds=parser_timeout),
    }


READING = reading_options()


# --- CloudFormation parameters -------------------------------------------------------------------
def stack_options() -> dict[str, Any]:
    """What CloudFormation templates leave to deployment: parameter values and the region, as typer defaults
    keyed by parameter name (``ingest/loaders/cloudformation_params`` reads them)."""
    return {
        "parameter": typer.Option(
            [],
            "--parameter",
            help="CloudFormation parameter value NAME=VALUE (repeatable); wins over --parameter-file and defaults.",
        ),
        "parameter_file": typer.Option(
            [],
            "--parameter-file",
            dir_okay=False,
            help='CloudFormation parameters: AWS CLI JSON ([{"ParameterKey": …, "ParameterValue": …}]) or '
            '{"Parameters": {NAME: VALUE}} (repeatable, later files win).',
        ),
        "region": typer.Option(
            None,
            "--region",
            help="AWS region the templates deploy to (AWS::Region, Fn::FindInMap by region); default unknown.",
        ),
    }


def stack_inputs(parameters: list[str], parameter_files: list[Path], region: str | None) -> Any:
    """The ``StackInputs`` of the stack options (imported lazily: the CLI starts fast whatever the command)."""
    from validator.ingest.loaders.cloudformation_params import stack_inputs as build

    return build(parameters, parameter_files, region)


STACK = stack_options()


# --- the options every command that reads a network shares -----------------------------------------
@dataclasses.dataclass(frozen=True)
class NetworkReading:
    """How a command reads the repository: Terraform variables, CloudFormation parameters, the parse cache and
    the reading limits, as the command line, the environment and the config file gave them."""

    var_file: list[Path]
    var: list[str]
    workspace: str
    parameter: list[str]
    parameter_file: list[Path]
    region: str | None
    cache_dir: Path | None
    no_cache: bool
    keep_going: bool
    allow_outside: list[Path]
    parser_memory: int
    parser_timeout: float

    def settings(self, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
        """``pipeline.Options`` keyword arguments; turns the parse cache on or off for this run."""
        use_cache(self.cache_dir, self.no_cache)
        return {
            "variables": variable_options(self.var_file, self.var, self.workspace),
            "stack": stack_inputs(self.parameter, self.parameter_file, self.region),
            **reading_settings(self.keep_going, self.allow_outside, self.parser_memory, self.parser_timeout, limits),
        }


_NETWORK_OPTIONS: dict[str, tuple[Any, Any]] = {
    "var_file": (list[Path], VAR_FILE),
    "var": (list[str], VAR),
    "workspace": (str, WORKSPACE),
    "parameter": (list[str], STACK["parameter"]),
    "parameter_file": (list[Path], STACK["parameter_file"]),
    "region": (str | None, STACK["region"]),
    "cache_dir": (Path | None, CACHE_DIR),
    "no_cache": (bool, NO_CACHE),
    "keep_going": (bool, READING["keep_going"]),
    "allow_outside": (list[Path], READING["allow_outside"]),
    "parser_memory": (int, READING["parser_memory"]),
    "parser_timeout": (float, READING["parser_timeout"]),
}


def reads_network(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the shared reading options: they are added to its signature (so typer, --help, the
    environment and the config file see each of them) and reach it as one ``reading_options: NetworkReading``."""
    signature = inspect.signature(command)
    own = [p for p in signature.parameters.values() if p.name != "reading_options"]
    shared = [
        inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
        for n, (a, d) in _NETWORK_OPTIONS.items()
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        options = NetworkReading(**{name: kwargs.pop(name) for name in _NETWORK_OPTIONS})
        return command(*args, reading_options=options, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*own, *shared])  # type: ignore[attr-defined]
    return wrapper
