"""Optional backend: Microsoft's rego-cpp through ``regopy`` (extra ``palette-policy[regopy]``).

Kept for teams that want a second, independent implementation. Measured gaps (docs/engines.md): every
``net.*`` builtin is missing (a call would silently be undefined), as are ``json.match_schema`` and
``json.verify_schema``; ``object.union`` does not deep-merge; it is 100-500x slower than regorus. Policies
calling a missing builtin are refused at load with the call's location instead of giving wrong answers;
``opa.runtime`` (which returns the host environment in rego-cpp) is refused by the sandbox check.
Built-in errors are raised (``strict_built_in_errors``), as regorus does.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from validator.model.errors import InputError
from validator.policy.engine.extensions import EXTENSIONS, SANDBOXED
from validator.policy.engine.limits import forking, run_limited
from validator.policy.engine.rego_ast import ModuleInfo, check_sandbox, check_supported, parse_module

_LOCATION = re.compile(r"--\s*(?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+)")
# builtins rego-cpp has but whose use breaks the Python binding (regopy 1.5.2 cannot parse the output
# once a trace note is in it, and raises a JSON error instead of answering)
_BREAKS_BINDING = {"trace": "prints notes into rego-cpp's output, which the regopy binding then cannot read"}
_KNOWN_WRONG = {
    "object.union": "does not deep-merge nested objects in rego-cpp",
}


def _import() -> Any:
    try:
        import regopy
    except ImportError:
        raise InputError(
            "the regopy engine is not installed", hint="pip install 'palette-policy[regopy]' or use --engine embedded"
        ) from None
    return regopy


@lru_cache(maxsize=1)
def missing_builtins() -> dict[str, str]:
    """Builtins regorus (plus our extensions) provides that rego-cpp does not, with the reason."""
    import regorus

    regopy = _import()
    probe = regorus.Engine()
    probe.add_policy("probe.rego", "package probe\nx := opa.runtime().builtins\n")
    names = json.loads(probe.eval_query_as_json("data.probe.x"))["result"][0]["expressions"][0]["value"]
    interpreter = regopy.Interpreter()
    missing = {
        name: "is not a builtin in rego-cpp (the call would be silently undefined)"
        for name in [*names, *EXTENSIONS]
        if not name.startswith(("__", "palette_ext."))
        and name not in SANDBOXED
        and name != "trace"
        and not interpreter.is_builtin(name)
    }
    return dict(sorted(missing.items()))


def _error(text: str, default: str) -> InputError:
    match = _LOCATION.search(text)
    lines = [
        ln.strip()
        for ln in text.splitlines()
        if ln.strip() and not ln.startswith(("--", " ")) and ln.strip() != "Errors:"
    ]
    message = lines[0] if lines else default
    if match:
        return InputError(
            f"Rego error (regopy): {message}", file=match["file"], line=int(match["line"]), column=int(match["col"])
        )
    return InputError(f"Rego error (regopy): {message}")


class RegopyEngine:
    """rego-cpp via regopy; same interface as the embedded engine."""

    name = "regopy"

    def __init__(self, timeout: float | None = None, memory_mib: int | None = None) -> None:
        regopy = _import()
        self.timeout = timeout
        self.memory_mib = memory_mib
        self._regopy = regopy
        self.version = str(regopy.__version__)
        self._modules: dict[str, str] = {}
        self._data: list[dict[str, Any]] = []
        self._infos: dict[str, ModuleInfo] = {}
        self._with_input: Any = None
        self._no_input: Any = None

    @property
    def description(self) -> str:
        return f"regopy {self.version} (rego-cpp)"

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        infos = [parse_module(name, source) for name, source in modules.items()]
        check_sandbox(infos)
        check_supported(infos, {**missing_builtins(), **_BREAKS_BINDING}, self.name)
        self._infos.update({info.file: info for info in infos})
        self._modules.update(modules)
        if data:
            self._data.append(data)
        self._with_input = self._interpreter()
        self._no_input = None

    def _interpreter(self) -> Any:
        interpreter = self._regopy.Interpreter()
        interpreter.strict_built_in_errors = True
        try:
            for name, source in self._modules.items():
                interpreter.add_module(name, source)
            for part in self._data:
                interpreter.add_data_json(json.dumps(part))
        except self._regopy.RegoError as exc:
            raise _error(str(exc), "cannot load the policies") from None
        return interpreter

    def evaluate(self, query: str, input_doc: Any = None) -> Any:
        """Evaluate in a forked child with the time and memory limits: rego-cpp 1.5.2 can also crash the
        process (SIGSEGV), which then ends only the child."""
        input_json = None if input_doc is None else json.dumps(input_doc)  # before the fork (copy-on-write)
        if not forking():
            return self._evaluate_here(query, input_json)
        return run_limited(
            self._evaluate_here,
            (query, input_json),
            what=query,
            timeout=self.timeout,
            memory_mib=self.memory_mib,
            engine="rego-cpp",
        )

    def close(self) -> None:
        """Nothing to release: the engine lives in this process."""

    def _evaluate_here(self, query: str, input_json: str | None) -> Any:
        if input_json is None:
            if self._no_input is None:
                self._no_input = self._interpreter()
            interpreter = self._no_input
        else:
            if self._with_input is None:
                self._with_input = self._interpreter()
            interpreter = self._with_input
            interpreter.set_input_term(input_json)
        try:
            output = interpreter.query(f"__palette_x = {query}")
        except self._regopy.RegoError as exc:
            raise _error(str(exc), f"cannot evaluate {query}") from None
        except ValueError as exc:  # the binding could not read rego-cpp's answer
            raise InputError(
                f"evaluation of {query} with regopy failed: its answer could not be read ({type(exc).__name__})",
                hint="use --engine embedded (the default)",
            ) from None
        text = str(output)
        if not output.ok():  # rego-cpp's error node carries no readable message through regopy
            raise InputError(
                f"evaluation error in {query}: rego-cpp reported an error without details",
                hint="rerun with --engine embedded to see the rule, line and message",
            )
        if text.strip() == "undefined":
            return None
        doc = json.loads(text)
        if isinstance(doc, list):
            doc = doc[0] if doc else {}
        return doc.get("bindings", {}).get("__palette_x")
