"""The command-line options that fill in what CloudFormation templates leave to deployment, shared by validate,
input, explain and diff: parameter values and the region (``ingest/loaders/cloudformation_params``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

PARAMETER = typer.Option(
    [],
    "--parameter",
    help="CloudFormation parameter value NAME=VALUE (repeatable); wins over --parameter-file and defaults.",
)
PARAMETER_FILE = typer.Option(
    [],
    "--parameter-file",
    help='CloudFormation parameters: AWS CLI JSON ([{"ParameterKey": …, "ParameterValue": …}]) or '
    '{"Parameters": {NAME: VALUE}} (repeatable, later files win).',
)
REGION = typer.Option(
    None, "--region", help="AWS region the templates deploy to (AWS::Region, Fn::FindInMap by region); default unknown."
)


def stack_inputs(parameters: list[str], parameter_files: list[Path], region: str | None) -> Any:
    """The ``StackInputs`` of these options (imported lazily: the CLI starts fast whatever the command)."""
    from validator.ingest.loaders.cloudformation_params import stack_inputs as build

    return build(parameters, parameter_files, region)
