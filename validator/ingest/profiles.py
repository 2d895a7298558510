"""Requirement profiles: the port paths Palette needs, read from ``policies/profiles/*.yaml`` (``model.requirements``).

Nothing about Palette's ports is written in Python: each profile file lists its requirements with a
citation, and a user can add profiles with ``--profiles-dir``.
"""

from __future__ import annotations

from pathlib import Path

from validator.ingest.documents import child_line, load_document
from validator.ingest.reader import read_text
from validator.ingest.resources import resource_dir
from validator.ingest.schemas import validate
from validator.model.errors import InputError
from validator.model.requirements import Profile, Requirement, version_in
from validator.model.rules import SourceRef
from validator.model.sets import PortSet
from validator.model.topology import Topology


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
    return Profile(
        doc["profile"],
        doc["title"],
        reqs,
        list(doc.get("notes") or []),
        path,
        palette_versions=str(doc.get("palette_versions") or ""),
        deployments=tuple(doc.get("deployments") or ()),
    )


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
        profiles.append(load_profile(path, _shown(path)))
    ids: dict[str, str] = {}
    for profile in profiles:
        for req in profile.requirements:
            if req.id in ids and ids[req.id] != profile.name:
                raise InputError(f"requirement id {req.id!r} is in profiles {ids[req.id]} and {profile.name}")
            ids[req.id] = profile.name
    return profiles


def _shown(path: Path) -> str:
    return f"policies/profiles/{path.name}" if path.parent == resource_dir("policies") / "profiles" else str(path)


def choose_profiles(
    palette_version: str,
    deployments: list[str],
    extra_dirs: list[Path] | None = None,
    where: str | None = None,
    line: int | None = None,
) -> list[str]:
    """The profiles for a Palette version and the deployments a topology describes: for each deployment,
    every profile that lists it and whose ``palette_versions`` include the version. A deployment no profile
    covers is an input error (never a silently empty check)."""
    candidates = [load_profile(path, _shown(path)) for _, path in sorted(available_profiles(extra_dirs).items())]
    names: list[str] = []
    for kind in deployments:
        found = [
            p.name for p in candidates if kind in p.deployments and version_in(palette_version, p.palette_versions)
        ]
        if not found:
            raise InputError(
                f"no requirement profile covers {kind} at Palette {palette_version}",
                file=where,
                line=line,
                hint="list the profiles to check under `profiles:` (palette-policy requirements shows them)",
            )
        names.extend(n for n in found if n not in names)
    return names


def profiles_for(topology: Topology, explicit: list[str] | None, extra_dirs: list[Path] | None = None) -> list[str]:
    """Which profiles a run checks: those given on the command line, else the topology's ``profiles``,
    else the ones its ``palette_version`` chooses for the deployments it describes."""
    if explicit:
        return explicit
    if topology.profiles:
        return topology.profiles
    assert topology.palette_version is not None  # the schema requires profiles or palette_version
    line = child_line(topology.raw, "palette_version")
    return choose_profiles(topology.palette_version, topology.deployments(), extra_dirs, topology.path, line)
