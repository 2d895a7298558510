"""The default, embedded engine: regorus (``gordon-to-regorus``), in-process, no server.

Chosen by measurement (see docs/engines.md): fastest in-process engine here and identical answers to
OPA on the conformance cases it supports. Results go through ``eval_query_as_json`` because the dict API
crashes on sets of arrays/objects. OPA builtins regorus lacks are registered as Python extensions
(``extensions.py``); builtins that reach the network or the host are replaced by stubs that refuse.
regorus has no instruction, time or memory limit, so each evaluation runs in a forked child with both
(``limits.run_limited``).
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import re
from typing import Any

import regorus

from validator.model.errors import InputError
from validator.policy.engine.extensions import (
    EXTENSIONS,
    SANDBOXED,
    SHIM_CALL,
    SHIM_FILE,
    SHIM_MODULE,
    SHIM_PACKAGE,
    sandbox_stub,
)
from validator.policy.engine.limits import forking, run_limited
from validator.policy.engine.rego_ast import ModuleInfo, check_sandbox, parse_module

_LOCATION = re.compile(r"-->\s*(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)\s*$", re.MULTILINE)
_EXTENSION_PREFIX = re.compile(r"^extension '[^']+' raises Python error: (?:\w+Error: )?")
_SHIMMED = "net.cidr_contains_matches"


def _message(exc: Exception) -> str:
    text = str(exc).split("Stack backtrace:")[0]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("error:")]
    message = lines[0][len("error:") :].strip() if lines else (text.strip().splitlines() or ["error"])[0]
    return _EXTENSION_PREFIX.sub("", message)


def rego_error(exc: Exception, default_file: str | None = None) -> InputError:
    """Turn a regorus error (multi-line, with a Rust backtrace) into one located InputError."""
    text = str(exc).split("Stack backtrace:")[0]
    match = _LOCATION.search(text)
    message = _message(exc)
    if match and match["file"] != SHIM_FILE:
        return InputError(
            f"Rego error: {message}", file=match["file"], line=int(match["line"]), column=int(match["col"])
        )
    return InputError(f"Rego error: {message}", file=default_file)


@functools.cache
def regorus_version() -> str:
    """The installed regorus build's version, asked once per process (perf: the package metadata lookup
    scans the installed distributions)."""
    return importlib.metadata.version("gordon-to-regorus")


def new_regorus_engine() -> regorus.Engine:
    """A regorus engine with the missing OPA builtins registered and the sandboxed ones stubbed out."""
    engine = regorus.Engine()
    for name, (nargs, func) in EXTENSIONS.items():
        engine.add_extension(name, nargs, func)
    for name, (nargs, _reason) in SANDBOXED.items():
        engine.add_extension(name, nargs, sandbox_stub(name))
    return engine


def shim_source(source: str, info: ModuleInfo) -> str:
    """Adapt calls to our extensions so regorus can run them, keeping columns where possible.

    ``net.cidr_contains_matches`` is renamed to the same-length shim (see extensions.SHIM_CALL), and the
    legacy output-argument form ``f(a, x)`` of an extension (which regorus only supports for its own
    builtins) becomes ``x = f(a)``.
    """
    raw = bytearray(source.encode())
    changed = False
    needle = _SHIMMED.encode()
    for call in info.calls:
        if call.name == _SHIMMED and raw[call.offset : call.offset + len(needle)] == needle:
            raw[call.offset : call.offset + len(needle)] = SHIM_CALL.encode()
            changed = True
    outputs = [
        call
        for call in info.calls
        if call.name in EXTENSIONS
        and call.statement
        and call.last_var
        and call.end > 0
        and len(call.args) == EXTENSIONS[call.name][0] + 1
    ]
    for call in sorted(outputs, key=lambda c: c.offset, reverse=True):
        head = bytes(raw[call.offset : call.args[-1][0]]).rstrip()  # "f(a, b," or "f("
        head = head[:-1].rstrip() if head.endswith(b",") else head
        raw[call.offset : call.end] = f"{call.last_var} = ".encode() + head + b")"
        changed = True
    return raw.decode() if changed else source


# The last bundle compiled in this process (its modules and data text → the compiled engine, never evaluated
# on, and whether it holds the shim): perf, the bundle's compile check and the evaluating engine load the same.
_COMPILED: dict[tuple[Any, ...], tuple[regorus.Engine, bool]] = {}


class RegorusEngine:
    """Embedded regorus; ``timeout`` (seconds) and ``memory_mib`` bound each evaluation (None: no limit)."""

    name = "regorus"

    def __init__(self, timeout: float | None = None, memory_mib: int | None = None) -> None:
        self.version = regorus_version()
        self.timeout = timeout
        self.memory_mib = memory_mib
        self._engine = new_regorus_engine()
        self._pristine: regorus.Engine | None = None
        self._modules: dict[str, str] = {}
        self._data: list[dict[str, Any]] = []
        self._infos: dict[str, ModuleInfo] = {}
        self._shimmed = False

    @property
    def description(self) -> str:
        return f"regorus {self.version} (gordon-to-regorus, embedded)"

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        infos = [parse_module(name, source) for name, source in modules.items()]
        check_sandbox(infos)
        data_json = json.dumps(data) if data else ""
        key = (tuple(modules.items()), data_json)
        fresh = not self._modules and not self._data and not self._shimmed
        if fresh and key in _COMPILED:  # compiled already in this process (the bundle's check): a copy
            self._pristine, self._shimmed = _COMPILED[key]
            self._engine = self._pristine.clone()
            self._infos.update({info.file: info for info in infos})
            self._modules.update(modules)
            if data:
                self._data.append(data)
            return
        for info in infos:
            self._infos[info.file] = info
            source = shim_source(modules[info.file], info)
            if SHIM_CALL in source and SHIM_CALL not in modules[info.file] and not self._shimmed:
                self._engine.add_policy(SHIM_FILE, SHIM_MODULE)
                self._shimmed = True
            try:
                self._engine.add_policy(info.file, source)
            except RuntimeError as exc:
                raise rego_error(exc, info.file) from None
        self._modules.update(modules)
        if data:
            self._engine.add_data_json(data_json)
            self._data.append(data)
        try:  # regorus compiles lazily: force it now so unsafe variables, conflicts... fail at load
            self._engine.eval_query_as_json("true")
        except RuntimeError as exc:
            raise rego_error(exc) from None
        self._pristine = self._engine.clone()  # never evaluated on: copied for each use
        if fresh:
            _COMPILED.clear()
            _COMPILED[key] = (self._pristine, self._shimmed)

    def evaluate(self, query: str, input_doc: Any = None) -> Any:
        """Value of ``query`` (first result), None when undefined; ``input_doc`` None = no input."""
        return self.evaluate_many([query], input_doc)[0]

    def evaluate_many(self, queries: list[str], input_doc: Any = None) -> list[Any]:
        """The values of several queries on one input (set once), within the limits, in one child.

        The input is encoded here, before the fork (perf: encoding it in the child touches, and so copies,
        every page of the inherited document)."""
        input_json = None if input_doc is None else json.dumps(input_doc)
        if forking() and (self.timeout is not None or self.memory_mib is not None):
            what = queries[0] if len(queries) == 1 else "the policies"
            return list(
                run_limited(
                    self._evaluate_all,
                    (queries, input_json),
                    what=what,
                    timeout=self.timeout,
                    memory_mib=self.memory_mib,
                )
            )
        return self._evaluate_all(queries, input_json)

    def _evaluate_all(self, queries: list[str], input_json: str | None) -> list[Any]:
        if input_json is not None:
            self._engine.set_input_json(input_json)
        return [self._evaluate_here(query, with_input=input_json is not None) for query in queries]

    def close(self) -> None:
        """Nothing to release: the engine lives in this process."""

    def _evaluate_here(self, query: str, with_input: bool) -> Any:
        """``query`` on the engine holding the input, or (``with_input`` False) on a copy of the engine as
        loaded, which has never held one."""
        engine = self._engine if with_input else (self._pristine or self._engine).clone()
        try:
            raw = json.loads(engine.eval_query_as_json(query))
        except RuntimeError as exc:
            raise self.evaluation_error(exc, query) from None
        results = raw.get("result") or []
        if not results:
            return None
        value = results[0]["expressions"][0]["value"]
        if self._shimmed:
            _strip_shim(query, value)
        return value

    def evaluation_error(self, exc: Exception, query: str) -> InputError:
        """An InputError naming the rule (data.pkg.rule) where evaluation failed."""
        error = rego_error(exc)
        info = self._infos.get(error.file or "")
        rule = info.rule_at(error.line) if info is not None and error.line else None
        where = f"rule data.{info.package}.{rule.name}" if info is not None and rule is not None else query
        error.message = f"evaluation error in {where}: {error.message.removeprefix('Rego error: ')}"
        return error


def _strip_shim(query: str, value: Any) -> None:
    if query.strip() == "data" and isinstance(value, dict):
        value.pop(SHIM_PACKAGE, None)
