"""CloudFormation parameter values and the region, as the command line gives them.

``--parameter-file`` takes the AWS CLI's form (``[{"ParameterKey": …, "ParameterValue": …}]``, as for
``aws cloudformation create-stack --parameters file://…``) or a template configuration file
(``{"Parameters": {NAME: VALUE}}``, as CodePipeline reads it); files apply in order and ``--parameter NAME=VALUE``
wins over them. Parameters a template does not declare are ignored, so one set can serve a folder of templates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from validator.ingest.discover import read_text
from validator.ingest.documents import line_of, load_document
from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.ingest.loaders.cloudformation_values import StackInputs
from validator.model.errors import InputError

_NAME = re.compile(r"^[A-Za-z0-9]+$")  # CloudFormation's rule for logical ids and parameter names
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
FORMS = 'a list of {"ParameterKey": …, "ParameterValue": …} or {"Parameters": {NAME: VALUE}}'


def stack_inputs(
    assignments: Iterable[str] = (),
    files: Iterable[Path] = (),
    region: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> StackInputs:
    """The parameter values and region of ``--parameter``, ``--parameter-file`` and ``--region``."""
    values: dict[str, str] = {}
    for path in files:
        values.update(read_parameter_file(path, limits))
    for text in assignments:
        name, sep, value = text.partition("=")
        if not sep or not _NAME.match(name.strip()):
            raise InputError(
                f"--parameter {text!r} is not NAME=VALUE", hint="e.g. --parameter SSHLocation=203.0.113.0/24"
            )
        values[name.strip()] = value
    if region is not None and not _REGION.match(region):
        raise InputError(f"--region {region!r} is not an AWS region name", hint="e.g. --region eu-west-1")
    return StackInputs(values or None, region)


def read_parameter_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, str]:
    shown = str(path)
    if not path.is_file():
        raise InputError("parameter file not found", file=shown, hint="pass a JSON file: " + FORMS)
    doc = load_document(read_text(path, shown), shown, limits)
    if isinstance(doc, dict) and isinstance(doc.get("Parameters"), dict):
        return {str(k): _value(v, shown, doc["Parameters"]) for k, v in doc["Parameters"].items()}
    if isinstance(doc, list):
        out = {}
        for item in doc:
            if not isinstance(item, dict) or not isinstance(item.get("ParameterKey"), str):
                raise InputError("each item needs a ParameterKey", file=shown, line=line_of(item, line_of(doc)))
            if item.get("UsePreviousValue") and "ParameterValue" not in item:
                raise InputError(
                    f"{item['ParameterKey']}: UsePreviousValue needs the deployed stack",
                    file=shown,
                    line=line_of(item),
                    hint="give the value as ParameterValue",
                )
            out[item["ParameterKey"]] = _value(item.get("ParameterValue"), shown, item)
        return out
    raise InputError("not a parameter file", file=shown, line=line_of(doc), hint="expected " + FORMS)


def _value(value: Any, shown: str, where: Any) -> str:
    if isinstance(value, list):
        return ",".join(_value(v, shown, where) for v in value)
    if isinstance(value, (dict, type(None))):
        raise InputError("a parameter value must be a string", file=shown, line=line_of(value, line_of(where)))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
