"""Where each option's value comes from — one mechanism for every option of every command.

Precedence: the command line, then the environment (``PALETTE_POLICY_<OPTION>``, named after the long
option: ``--fail-on`` → ``PALETTE_POLICY_FAIL_ON``), then the repository's config file (``.palette-policy.yaml``
or ``[tool.palette-policy]``; a command's own section, e.g. ``validate:``, wins over the top level), then
the option's default. A command declared with ``app.command()`` gets all of it, and ``--config FILE``,
without code of its own: ``Command`` names the variables when it is built and reads the file when it runs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

from validator.model.errors import InputError

ENV_PREFIX = "PALETTE_POLICY_"
CONFIG_META = "palette_policy.config"  # ctx.meta key: the Config the command ran with
# Options only the command line and the environment set: what one invocation asks (the flow explain shows,
# where outputs go), and the OPA token, which has no place in a repository. Every other option has a key in
# schemas/config.schema.json (tests/test_settings.py keeps the two in step).
COMMAND_LINE_ONLY = frozenset(
    {"help", "config", "opa_token", "output", "from", "to", "port", "protocol", "direct", "git_base", "inputs"}
    | {"rerun", "run", "force"}
    | {"var"}  # Terraform variable values: they may be secrets, so never from a file in the repository
    | {"cache_dir"}  # the cache holds pickles: never a folder a repository names
    # trust the repository cannot grant itself: folders outside it to read, the signing key, the key that
    # verifies a bundle (the auditor's own)
    | {"allow_outside", "sign", "key"}
)
# keys the file accepted before settings were named after options
LEGACY_KEYS = {
    "profiles_dir": "profiles_dirs",
    "policy": "policy_dirs",
    "data": "data_files",
    "namespace": "namespaces",
}
CONFIG_FIX = "give --config (or PALETTE_POLICY_CONFIG) a readable .palette-policy.yaml or pyproject.toml"
CONFIG_HELP = (
    "Defaults file (default: .palette-policy.yaml or \\[tool.palette-policy] in pyproject.toml, "
    "from PATH up to the repository root)."
)


def option_key(param: Any) -> str:
    """``--fail-on`` → ``fail_on``: the config key of an option, and (upper-cased) its variable's suffix."""
    longs = [o for o in param.opts if o.startswith("--")]
    return str(longs[0][2:] if longs else param.name).replace("-", "_")


def env_var(param: Any) -> str:
    return ENV_PREFIX + option_key(param).upper()


def command_key(ctx: Any) -> str:
    """The config section of the running command: ``validate``, ``policy_test``, ``evidence_verify``."""
    names = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return "_".join(reversed(names)).replace("-", "_")


@cache
def _config_option() -> Any:
    """The ``--config`` option every command gets, built once by typer itself (so help and parsing match)."""
    probe = typer.Typer()

    @probe.command("probe")
    def _probe(
        config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),  # a folder: the reader says so
    ) -> None:  # pragma: no cover - never run
        pass

    @probe.command("other")
    def _other() -> None:  # pragma: no cover - two commands keep typer from flattening the app
        pass

    group: Any = typer.main.get_command(probe)
    [param] = [p for p in group.commands["probe"].params if p.name == "config"]
    param.envvar = ENV_PREFIX + "CONFIG"
    return param


class Command(TyperCommand):
    """A typer command whose options also come from the environment and the config file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        params: list[Any] = list(self.params)
        for param in params:
            if getattr(param, "opts", None) and param.param_type_name == "option" and not param.envvar:
                param.envvar = env_var(param)
                param.show_envvar = True
        if not any(p.name == "config" for p in params):
            params.append(_config_option())
        self.params = params

    def invoke(self, ctx: Any) -> Any:
        from validator.cli import fail

        try:
            apply_config(ctx)
        except InputError as exc:
            fail(exc)
        except OSError as exc:  # --config / PALETTE_POLICY_CONFIG naming a file that cannot be read
            where = exc.filename or "the config file"
            fail(InputError(f"{where}: cannot read the config file: {exc.strerror or exc}", hint=CONFIG_FIX))
        return super().invoke(ctx)


class App(typer.Typer):
    """``typer.Typer`` whose commands are ``Command``s unless they say otherwise."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)


def _scanned(ctx: Any) -> Path | None:
    """Where the config search starts: the last folder or file argument given (HEAD for ``diff``)."""
    found = None
    for param in ctx.command.params:
        if param.param_type_name != "argument":
            continue
        value = ctx.params.get(param.name)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, Path | str) and str(item):
                found = Path(item)
    return found


def apply_config(ctx: Any) -> None:
    """Fill every option the command line and the environment left at its default from the config file."""
    from validator.ingest.config import discover_config

    explicit = ctx.params.pop("config", None)
    cfg = discover_config(_scanned(ctx) or Path("."), Path(explicit) if explicit else None)
    ctx.meta[CONFIG_META] = cfg
    command = command_key(ctx)
    layers = [(command, cfg.section(command)), (None, cfg.values)]  # the command's section first
    for param in ctx.command.params:
        key = option_key(param)
        if param.param_type_name != "option" or key in COMMAND_LINE_ONLY or param.name not in ctx.params:
            continue
        found = ctx.get_parameter_source(param.name)
        if found is None or found.name not in ("DEFAULT", "DEFAULT_MAP"):
            continue
        for section, values in layers:
            name = next((k for k in (key, LEGACY_KEYS.get(key)) if k and k in values), None)
            if name is not None:
                ctx.params[param.name] = _convert(ctx, param, values[name], cfg.file, cfg.line(name, section))
                ctx.set_parameter_source(param.name, type(found).DEFAULT_MAP)
                break


def _convert(ctx: Any, param: Any, value: Any, file: str | None, line: int | None) -> Any:
    """A value from the file through the option's own type (paths arrive resolved against the file)."""
    key = option_key(param)
    if isinstance(value, list) and not param.multiple:
        raise InputError(f"{key}: one value expected, not a list", file=file, line=line)
    items = value if isinstance(value, list) else [value]
    raw = [str(v) if isinstance(v, Path) else v for v in items]
    try:
        return param.process_value(ctx, raw if param.multiple else raw[0])
    except typer.BadParameter as exc:
        hint = f"see palette-policy {ctx.info_name} --help"
        raise InputError(f"{key}: {exc.message}", file=file, line=line, hint=hint) from None


def source(ctx: Any, name: str) -> str:
    """Where the value of option ``name`` came from: command line, environment, config or default."""
    found = ctx.get_parameter_source(name)
    return {"COMMANDLINE": "command line", "ENVIRONMENT": "environment", "DEFAULT_MAP": "config"}.get(
        getattr(found, "name", ""), "default"
    )
