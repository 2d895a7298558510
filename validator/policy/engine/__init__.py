"""Rego engines behind one small interface, so the policy stage does not care which one runs.

A backend loads modules (name → source) and data, evaluates a query on an input document and returns
plain JSON values; it reports its ``name``, ``version`` and a one-line ``description`` for provenance.
``get_engine`` picks one by name; the default is the embedded regorus build. ``load_bundle`` reads and
checks a policy bundle once for every backend; ``collect_findings`` turns ``data`` into findings.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Protocol

from validator.model.errors import InputError
from validator.policy.engine.bundle import Bundle, load_bundle
from validator.policy.engine.findings import RawFinding, collect_findings

__all__ = [
    "ENGINES",
    "Bundle",
    "PolicyEngine",
    "RawFinding",
    "available_engines",
    "collect_findings",
    "evaluate_findings",
    "get_engine",
    "load_bundle",
    "provenance",
]

ENGINES = ("embedded", "regopy", "opa")


class PolicyEngine(Protocol):
    """What the policy stage needs from a Rego engine."""

    @property
    def name(self) -> str:
        """Backend name: regorus, regopy or opa."""

    @property
    def version(self) -> str:
        """Backend version (for OPA: the server's, asked once)."""

    @property
    def description(self) -> str:
        """One line for the report: engine, version, where it runs."""

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        """Add Rego modules (file name → source) and a data document; InputError on bad Rego."""

    def evaluate(self, query: str, input_doc: Any = None) -> Any:
        """Evaluate ``query`` (e.g. ``data.palette``) and return its value, or None when undefined.

        ``input_doc`` None means no input document at all (as ``opa test`` runs tests)."""

    def close(self) -> None:
        """Release what ``load`` left behind (the OPA backend removes its uploads); safe to call twice."""


def available_engines() -> list[str]:
    """Local backends installed here (the OPA server backend needs a URL, so it is not listed)."""
    names = ["embedded"]
    if importlib.util.find_spec("regopy") is not None:
        names.append("regopy")
    return names


def get_engine(
    name: str = "embedded",
    *,
    opa_url: str | None = None,
    opa_token: str | None = None,
    opa_ca_file: Path | None = None,
    opa_timeout: float = 30.0,
    timeout: float | None = None,
    memory_mib: int | None = None,
) -> PolicyEngine:
    """Build the named backend; InputError when it is unknown, not installed or misconfigured.

    ``opa_url`` selects the OPA server backend (``name`` may then be "embedded", the default, or "opa");
    ``opa_timeout`` bounds each HTTP request to it and ``opa_ca_file`` verifies its certificate.
    ``timeout`` (seconds, default ``limits.DEFAULT_TIMEOUT``) bounds each evaluation of a local engine, and
    ``memory_mib`` (default ``limits.DEFAULT_MEMORY_MIB``) what a local evaluation may add to the process's
    memory.
    """
    from validator.policy.engine.limits import DEFAULT_MEMORY_MIB, DEFAULT_TIMEOUT

    if opa_url or name == "opa":
        if name not in ("embedded", "opa"):
            raise InputError(
                f"--engine {name} cannot be combined with --opa-url", hint="drop --engine, or drop --opa-url"
            )
        if not opa_url:
            raise InputError("the opa engine needs the server's address", hint="pass --opa-url http://HOST:8181")
        from validator.policy.engine.opa_engine import OpaServerEngine

        return OpaServerEngine(opa_url, token=opa_token, timeout=opa_timeout, ca_file=opa_ca_file)
    seconds, memory = timeout or DEFAULT_TIMEOUT, memory_mib or DEFAULT_MEMORY_MIB
    if name in ("embedded", "regorus"):
        from validator.policy.engine.regorus_engine import RegorusEngine

        return RegorusEngine(timeout=seconds, memory_mib=memory)
    if name == "regopy":
        from validator.policy.engine.regopy_engine import RegopyEngine

        return RegopyEngine(timeout=seconds, memory_mib=memory)
    raise InputError(
        f"unknown policy engine {name!r}", hint=f"choose one of: {', '.join(ENGINES)} (opa needs --opa-url)"
    )


def evaluate_findings(
    engine: PolicyEngine, bundle: Bundle, input_doc: Any, namespaces: list[str] | None = None
) -> list[RawFinding]:
    """Findings of ``bundle`` on ``input_doc`` with an engine that has loaded the bundle.

    Evaluates ``data.<package>`` for each package with finding rules (not all of ``data``: an OPA server
    may hold other documents), then ``collect_findings`` with the bundle's METADATA annotations."""
    from validator.policy.engine.findings import selected

    document: dict[str, Any] = {}
    packages = [p for p in bundle.packages if selected(p, namespaces)]
    queries = [f"data.{package}" for package in packages]
    many = getattr(engine, "evaluate_many", None)  # one child and one input for every package, when it can
    values = many(queries, input_doc) if many else [engine.evaluate(q, input_doc) for q in queries]
    for package, value in zip(packages, values, strict=True):
        if value is None:
            continue
        node = document
        *parents, last = package.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    try:
        return collect_findings(document, packages=packages, modules=bundle.modules)
    except InputError as exc:  # a finding the policy shaped wrongly: name the policy's file
        rule = exc.message.split("data.", 1)[-1].split(" ", 1)[0]
        files = [i.file for i in bundle.infos.values() if rule.startswith(i.package + ".")]
        raise exc.located(files[0] if files else None) from None


def provenance(engine: PolicyEngine, bundle: Bundle) -> dict[str, Any]:
    """What the report records about the policy run: engine name/version and the bundle digest."""
    return {
        "engine": {"name": engine.name, "version": engine.version, "description": engine.description},
        "policy_bundle": {"digest": bundle.digest, "files": list(bundle.files), "packages": list(bundle.packages)},
    }
