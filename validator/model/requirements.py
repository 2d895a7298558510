"""Requirements as data: the port paths Palette needs, each with its citation, grouped in profiles.

Nothing about Palette's ports is written in Python: the profiles are data in ``policies/profiles/*.yaml``,
read by ``ingest/profiles.py``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.model.rules import SourceRef
from validator.model.sets import PortSet


@dataclass(frozen=True)
class Requirement:
    id: str
    profile: str
    source: str
    destination: str
    protocol: str
    ports: PortSet
    purpose: str
    required: bool
    citation: dict[str, str]
    location: SourceRef
    via_proxy: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "profile": self.profile,
            "source": self.source,
            "destination": self.destination,
            "protocol": self.protocol,
            "ports": str(self.ports),
            "purpose": self.purpose,
            "required": self.required,
            "via_proxy": self.via_proxy,
            "citation": self.citation,
            "location": self.location.to_json(),
        }


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


def version_key(version: str) -> tuple[int, int, int]:
    """A version as a comparable triple: 4.6.12 → (4, 6, 12); a missing part counts as 0 (4.5 is 4.5.0)."""
    parts = [int(p) for p in version.split(".")] + [0, 0]
    return (parts[0], parts[1], parts[2])


def version_in(version: str, spec: str) -> bool:
    """Does ``version`` satisfy a profile's ``palette_versions`` (">= 4.0 < 4.6.12"; empty: any)?"""
    key = version_key(version)
    return all(_COMPARE[op](key, version_key(bound)) for op, bound in re.findall(r"(<=|>=|==|<|>)\s*([0-9.]+)", spec))


@dataclass
class Profile:
    name: str
    title: str
    requirements: list[Requirement]
    notes: list[str]
    path: Path
    palette_versions: str = ""  # the Palette versions it applies to; empty: any
    deployments: tuple[str, ...] = ()  # chosen for these deployments by palette_version; empty: by name only
