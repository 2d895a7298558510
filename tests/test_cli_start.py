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
