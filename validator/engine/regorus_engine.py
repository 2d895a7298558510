"""The default, embedded engine: regorus (``gordon-to-regorus``), in-process, no server.

Chosen by measurement (see docs/engines.md): fastest in-process engine here and identical answers to
OPA on the conformance cases it supports. Results go through ``eval_query_as_json`` because the dict API
crashes on sets of arrays/objects.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from typing import Any

import regorus

from ..errors import InputError

_LOCATION = re.compile(r"-->\s*(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+)")


def rego_error(exc: Exception, default_file: str | None = None) -> InputError:
    """Turn a regorus error (multi-line, with a Rust backtrace) into one located InputError."""
    text = str(exc)
    match = _LOCATION.search(text)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("error:")]
    message = lines[0][len("error:"):].strip() if lines else text.strip().splitlines()[0]
    if match:
        return InputError(f"Rego error: {message}", file=match["file"], line=int(match["line"]),
                          column=int(match["col"]))
    return InputError(f"Rego error: {message}", file=default_file)


class RegorusEngine:
    name = "regorus"

    def __init__(self) -> None:
        self.version = importlib.metadata.version("gordon-to-regorus")
        self._engine = regorus.Engine()

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        for filename, source in modules.items():
            try:
                self._engine.add_policy(filename, source)
            except RuntimeError as exc:
                raise rego_error(exc, filename) from None
        if data:
            self._engine.add_data_json(json.dumps(data))

    def evaluate(self, query: str, input_doc: dict[str, Any]) -> Any:
        self._engine.set_input_json(json.dumps(input_doc))
        try:
            raw = json.loads(self._engine.eval_query_as_json(query))
        except RuntimeError as exc:
            raise rego_error(exc) from None
        results = raw.get("result") or []
        if not results:
            return None
        return results[0]["expressions"][0]["value"]
