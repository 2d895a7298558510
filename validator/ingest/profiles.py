"""Requirement profiles: the port paths Palette needs, read from ``policies/profiles/*.yaml`` (``model.requirements``).

Nothing about Palette's ports is written in Python: each profile file lists its requirements with a
citation, and a user can add profiles with ``--profiles-dir``.
"""

from __future__ import annotations

from pathlib import Path

from validator.ingest.documents import load_document
from validator.ingest.reader import read_text
from validator.ingest.resources import resource_dir
from validator.ingest.schemas import validate
from validator.model.errors import InputError
from validator.model.requirements import Profile, Requirement
from validator.model.rules import SourceRef
from validator.model.sets import PortSet


def _parse_ports(text: str, where: SourceRef) -> PortSet:
    lo, _, hi = text.partition("-")
    first, last = int(lo), int(hi or lo)
    if not (0 <= first <= last <= 65535):
        raise InputError(f"ports {text!r} are out of range or reversed", file=where.file, line=where.line)
    return PortSet.range(first, last)


def load_profile(path: Path, display: str) -> Profile:
    doc = load_document(read_text(path, display, root=path.parent), display)  # no link out of its folder
    validate(doc, "profile.schema.json", display)
    reqs = []
    seen: set[str] = set()
    for row in doc["requirements"]:
        where = SourceRef(display, getattr(row, "line", None), row["id"])
        if row["id"] in seen:
            raise InputError(f"requirement id {row['id']!r} appears twice", file=display, line=where.line)
        seen.add(row["id"])
        reqs.append(
            Requirement(
                row["id"],
                doc["profile"],
                row["source"],
                row["destination"],
                row["protocol"],
                _parse_ports(row["ports"], where),
                row["purpose"],
                row["required"],
                dict(row["citation"]),
                where,
                bool(row.get("via_proxy", False)),
            )
        )
    return Profile(doc["profile"], doc["title"], reqs, list(doc.get("notes") or []), path)


def available_profiles(extra_dirs: list[Path] | None = None) -> dict[str, Path]:
    """Profile name → file, shipped first, then user directories (which may override)."""
    found: dict[str, Path] = {}
    for directory in [resource_dir("policies") / "profiles", *(extra_dirs or [])]:
        for path in sorted(directory.glob("*.y*ml")):
            found[path.stem] = path
    return found


def load_profiles(names: list[str], extra_dirs: list[Path] | None = None) -> list[Profile]:
    known = available_profiles(extra_dirs)
    profiles = []
    for name in names:
        if name not in known:
            raise InputError(f"unknown profile {name!r}", hint=f"choose from {', '.join(sorted(known))}")
        path = known[name]
        profiles.append(
            load_profile(
                path,
                f"policies/profiles/{path.name}" if path.parent == resource_dir("policies") / "profiles" else str(path),
            )
        )
    ids: dict[str, str] = {}
    for profile in profiles:
        for req in profile.requirements:
            if req.id in ids and ids[req.id] != profile.name:
                raise InputError(f"requirement id {req.id!r} is in profiles {ids[req.id]} and {profile.name}")
            ids[req.id] = profile.name
    return profiles
