"""The CLI imports only the command it runs; the table of commands must stay complete."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from validator.cli import COMMAND_MODULES

COMMANDS = Path(__file__).resolve().parent.parent / "validator" / "cli"
NOT_COMMANDS = {"__init__", "pipeline", "settings", "options", "outputs"}  # the app, the wiring, shared options


def test_every_command_module_is_in_the_table() -> None:
    modules = {p.stem for p in COMMANDS.glob("*.py")} - NOT_COMMANDS
    assert set(COMMAND_MODULES.values()) == modules


def test_help_lists_every_command_and_a_command_runs_alone() -> None:
    out = subprocess.run([sys.executable, "-m", "validator", "--help"], capture_output=True, text=True).stdout
    for name in COMMAND_MODULES:
        assert name in out
    probe = (
        "import sys; sys.argv = ['palette-policy', 'requirements', '--format', 'json']\n"
        "from validator.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('validator.ingest.loaders.terraform' in sys.modules, 'regorus' in sys.modules, file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.stderr.strip().splitlines()[-1] == "False False"  # no Terraform parser, no Rego engine loaded


def test_debug_shows_the_error_s_own_traceback_and_nothing_else(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    proc = subprocess.run(
        [sys.executable, "-m", "validator", "--debug", "validate", str(missing)], capture_output=True, text=True
    )
    assert proc.returncode == 1  # an uncaught exception: Python's status
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("validator.model.errors.InputError: ") and "does not exist" in last
    assert "During handling" not in proc.stderr  # the exit-code mapping did not fail while the error passed


def test_an_abort_ends_with_status_130() -> None:
    probe = (
        "import sys, typer\nsys.argv = ['palette-policy', 'requirements']\n"
        "import validator.cli.requirements as command\n"
        "def stop(*args, **kwargs):\n    raise typer.Abort()\n"
        "command.guarded = stop\n"
        "from validator.cli import main\nmain()\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr
