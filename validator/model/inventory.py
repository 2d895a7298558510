"""The inventory: everything the loaders found, merged across files and formats, and the files read or skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from validator.model.rules import EnforcementPoint, PrefixList, Rule, SourceRef, Subnet, Vpc
from validator.model.sets import AddressSet


@dataclass
class LoadedFile:
    """A file the run read, with what it contributed (for the report and the evidence manifest)."""

    path: str
    format: str
    resources: int


@dataclass
class SkippedFile:
    path: str
    reason: str


@dataclass(frozen=True)
class InputIssue:
    """Something a loader could not read completely, though the run goes on: a module it could not expand, a
    CIDR the cloud would rewrite, a root whose parser failed under ``--keep-going``.

    Loaders decide nothing about it: the shipped policies turn each ``kind`` into a finding
    (policies/palette/inputs.rego, with ids and severities as data in policies/data/input_issues.yaml), so a
    gate never passes silently on a partial read. ``details`` holds the kind's facts (plain JSON values).
    """

    kind: str
    message: str
    source: SourceRef
    details: tuple[tuple[str, object], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, **self.source.to_json(), "details": dict(self.details)}


def _declaration_rank(point: EnforcementPoint) -> tuple[bool, bool, str, int, str]:
    return (bool(point.unresolved), point.name == point.key, point.source.file, point.source.line or 0, point.name)


def _rule_place(rule: Rule) -> tuple[str, int, str]:
    return (rule.source.file, rule.source.line or 0, rule.describe())


@dataclass
class Inventory:
    """Everything the loaders found, merged across files and formats."""

    points: dict[str, EnforcementPoint] = field(default_factory=dict)
    prefix_lists: dict[str, PrefixList] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    vpcs: dict[str, Vpc] = field(default_factory=dict)
    # security-group reference (key or sg-… id) → addresses of the network interfaces in it, as the cloud
    # reports them (describe-network-interfaces); a reference matches these as well as the topology's members
    group_members: dict[str, AddressSet] = field(default_factory=dict)
    # subnet reference (key or literal id) → network ACL key (N1: exactly one NACL per subnet)
    nacl_associations: dict[str, tuple[str, SourceRef]] = field(default_factory=dict)
    # proxy configurations (squid.conf, ProxyRules) and firewall rule files, by path; placed by the topology
    proxy_configs: dict[str, Any] = field(default_factory=dict)
    firewall_sets: dict[str, Any] = field(default_factory=dict)
    kubernetes_files: dict[str, list[Any]] = field(default_factory=dict)  # manifests' documents, by file
    kubernetes_assigned: set[str] = field(default_factory=set)  # …of which a topology cluster claims
    files: list[LoadedFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    issues: list[InputIssue] = field(default_factory=list)
    # what set the Terraform variables, by source ("files", "environment", "command_line"): names, never values
    variables: dict[str, list[str]] = field(default_factory=dict)

    def add_point(self, point: EnforcementPoint) -> None:
        """Add a point; a point with the same key (a group seen in two files) gets the rules of both.

        Which of the two names the point does not depend on the order the files were read in: the
        declaration wins over a stand-in, a real name over the bare id, then the first place in file order.
        """
        existing = self.points.get(point.key)
        if existing is None or existing is point:
            self.points[point.key] = point
            return
        keep, other = sorted((existing, point), key=_declaration_rank)
        keep.rules = sorted([*existing.rules, *point.rules], key=_rule_place)
        keep.aliases = existing.aliases | point.aliases
        keep.vpc = keep.vpc or other.vpc
        self.points[point.key] = keep

    def merge(self, other: Inventory) -> None:
        for point in other.points.values():
            self.add_point(point)
        for key, plist in other.prefix_lists.items():
            mine = self.prefix_lists.get(key)
            self.prefix_lists[key] = plist if mine is None else mine.combined(plist)
        self.subnets.update(other.subnets)
        self.vpcs.update(other.vpcs)
        for group, addresses in other.group_members.items():
            self.group_members[group] = self.group_members.get(group, AddressSet()) | addresses
        self.nacl_associations.update(other.nacl_associations)
        self.proxy_configs.update(other.proxy_configs)
        self.firewall_sets.update(other.firewall_sets)
        self.kubernetes_files.update(other.kubernetes_files)
        self.files.extend(other.files)
        self.skipped.extend(other.skipped)
        self.issues.extend(other.issues)
        for source, names in other.variables.items():
            known = self.variables.setdefault(source, [])
            known.extend(n for n in names if n not in known)

    def _tables(self, kind: str) -> tuple[dict[str, Any], ...]:
        if kind == "subnet":
            return (self.subnets,)
        return (self.points,) if kind == "group" else (self.points, self.prefix_lists)

    def ambiguous_aliases(self, kind: str = "point") -> dict[str, list[str]]:
        """Names that more than one resource of a kind answers to (the same group name in two accounts…).
        ``kind``: "point" (groups, ACLs, prefix lists: what rules reference), "group" or "subnet"."""
        seen: dict[str, set[str]] = {}
        for table in self._tables(kind):
            for key, item in table.items():
                for alias in item.aliases:
                    seen.setdefault(alias, set()).add(key)
        return {alias: sorted(keys) for alias, keys in seen.items() if len(keys) > 1 and alias not in keys}

    def alias_index(self, kind: str = "point") -> dict[str, str]:
        """Every alias of every resource of a kind → its key (keys themselves included)."""
        index: dict[str, str] = {}
        for table in self._tables(kind):
            for key in table:
                index[key] = key
        for table in self._tables(kind):
            for key, item in sorted(table.items()):  # an alias two resources share: the same one whatever the order
                for alias in sorted(item.aliases):
                    index.setdefault(alias, key)
        return index
