"""A first topology as data: each value with what it was guessed from, or the TODO that stands for it.

``analysis/draft.py`` guesses it from the inventory; ``report/topology_draft.py`` writes it as the commented
YAML of ``palette-policy init``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# RFC 5737 TEST-NET-1, "for use in documentation": a stand-in address no real host has (init's placeholders)
PLACEHOLDER_NETWORK = "192.0.2"


@dataclass
class Guess:
    """One value of the draft. ``note`` says what it was guessed from; ``todo`` (when set) says what the user
    must write instead: the value is then a placeholder that keeps the draft valid."""

    value: Any
    note: str = ""
    todo: str = ""


# A draft section: field name → a Guess, a nested section, or a list of sections (clusters, proxies)
Section = dict[str, Any]


@dataclass
class Draft:
    """The draft topology, plus comments for what it could not place (``unplaced``) and TODO blocks to
    uncomment when filled in (``commented``: lines of YAML)."""

    fields: Section
    unplaced: list[str]
    commented: list[tuple[str, list[str]]]  # (TODO text, YAML lines written as comments)

    def todos(self) -> int:
        def count(node: Any) -> int:
            if isinstance(node, Guess):
                return 1 if node.todo else 0
            if isinstance(node, dict):
                return sum(count(v) for v in node.values())
            if isinstance(node, list):
                return sum(count(v) for v in node)
            return 0

        return count(self.fields) + len(self.commented)
