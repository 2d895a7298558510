"""The JSON report: the machine-readable contract (schemas/report.schema.json), deterministic."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from validator.cli.pipeline import Report


def render(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=False, ensure_ascii=False)
