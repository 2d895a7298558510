"""Requirements as data: the port paths Palette needs, each with its citation, grouped in profiles.

Nothing about Palette's ports is written in Python: the profiles are data in ``policies/profiles/*.yaml``,
read by ``ingest/profiles.py``.
"""

from __future__ import annotations

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


@dataclass
class Profile:
    name: str
    title: str
    requirements: list[Requirement]
    notes: list[str]
    path: Path
