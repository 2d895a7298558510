"""Rego engines behind one small interface, so the policy stage does not care which one runs.

A backend loads modules (name → source) and data, evaluates a query on an input document and returns
plain JSON values. ``get_engine`` picks one by name; the default is the embedded regorus build.
"""

from __future__ import annotations

from typing import Any, Protocol


class PolicyEngine(Protocol):
    """What the policy stage needs from a Rego engine."""

    name: str
    version: str

    def load(self, modules: dict[str, str], data: dict[str, Any]) -> None:
        """Add Rego modules (file name → source) and a data document; InputError on bad Rego."""

    def evaluate(self, query: str, input_doc: dict[str, Any]) -> Any:
        """Evaluate ``query`` (e.g. ``data.palette``) and return its value, or None when undefined."""


def get_engine(name: str = "embedded", **options: Any) -> PolicyEngine:
    """Build the named backend; InputError when it is unknown or not installed."""
    from ..errors import InputError

    if name in ("embedded", "regorus"):
        from .regorus_engine import RegorusEngine

        return RegorusEngine()
    raise InputError(f"unknown policy engine {name!r}", hint="use --engine embedded")
