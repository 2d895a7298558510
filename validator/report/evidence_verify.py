"""``evidence verify``: re-check a bundle written by ``validate --evidence`` (``evidence.py``).

It checks the manifest's own digest (``bundle_sha256``: an edit to its summary, metadata or recorded
digests), the bundle's files against the manifest, every input under the scanned folder and every file
the run read outside it, the policies and the profiles; with a public key, the minisign signature; with
``rerun``, the verdicts and findings of a new run against the recorded report.

What it proves: without a signature, that nothing changed by accident since the run (a tool, a copy, an
editor); someone who can rewrite the manifest can also recompute its digest. With ``--key``, that the
manifest is the one the key's owner signed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.ingest.documents import load_document
from validator.ingest.reader import read_text
from validator.ingest.schemas import validate
from validator.model.errors import InputError
from validator.model.report import Report
from validator.report import json_report
from validator.report.evidence import (
    MANIFEST,
    SIGNATURE,
    Rerun,
    _policy_path,
    bundle_digest,
    hash_tree,
    sha256_file,
)


@dataclass
class Verification:
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)  # differences found by --rerun
    signature: str | None = None  # "good" or why not, when a key was given

    @property
    def ok(self) -> bool:
        bad_signature = self.signature is not None and self.signature != "good"
        return not (self.changed or self.missing or self.added or self.verdicts or bad_signature)

    def lines(self) -> list[str]:
        return (
            [f"changed: {p}" for p in self.changed]
            + [f"missing: {p}" for p in self.missing]
            + [f"added: {p}" for p in self.added]
            + [f"verdict: {v}" for v in self.verdicts]
            + ([f"signature: {self.signature}"] if self.signature not in (None, "good") else [])
        )


def _compare(expected: dict[str, str], actual: dict[str, str], label: str, out: Verification) -> None:
    for path, digest in expected.items():
        if path not in actual:
            out.missing.append(f"{label}{path}")
        elif actual[path] != digest:
            out.changed.append(f"{label}{path}")
    out.added.extend(f"{label}{p}" for p in actual if p not in expected)


def load_manifest(directory: Path) -> dict[str, Any]:
    """The manifest, checked against schemas/evidence-manifest.schema.json (errors located by line)."""
    path = directory / MANIFEST
    shown = str(path)
    try:
        text = read_text(path, shown)
    except InputError as exc:
        if "does not exist" in exc.message:
            raise InputError(
                f"no {MANIFEST} in {directory}", hint="pass the folder given to validate --evidence"
            ) from None
        raise
    tree = load_document(text, shown)  # duplicate keys refused; lines for the schema's errors
    if not isinstance(tree, dict) or tree.get("schema_version") != 1:
        raise InputError("not a palette-policy evidence manifest", file=shown, hint="pass a bundle's folder")
    validate(tree, "evidence-manifest.schema.json", shown)
    doc: dict[str, Any] = json.loads(text)  # the exact values, for the digest
    return doc


def verify(
    directory: Path, inputs: Path | None = None, rerun: Rerun | None = None, key: Path | None = None
) -> Verification:
    """Re-hash everything the manifest records; ``rerun``: also compare a new run's verdicts and findings;
    ``key``: also check the minisign signature of the manifest with this public key."""
    doc = load_manifest(directory)
    out = Verification()
    if bundle_digest(doc) != doc["bundle_sha256"]:
        out.changed.append(f"bundle: {MANIFEST} (its content no longer matches its bundle_sha256)")
    bundle = {
        p.name: sha256_file(p) if p.is_file() and not p.is_symlink() else f"not a file: {p.name}"
        for p in sorted(directory.iterdir())
        if p.name not in (MANIFEST, SIGNATURE)
    }
    _compare({o["path"]: o["sha256"] for o in doc["outputs"]}, bundle, "bundle: ", out)
    root = inputs or Path(doc["inputs"]["root"])
    if inputs is None and not root.exists() and doc["inputs"].get("root_absolute"):
        root = Path(doc["inputs"]["root_absolute"])
    if not root.exists():
        raise InputError(f"input folder {root} does not exist", hint="pass --inputs PATH")
    recorded = {f["path"]: f["sha256"] for f in doc["inputs"]["files"]}
    _compare(recorded, hash_tree(root, exclude=directory), "input: ", out)
    for item in doc["inputs"].get("outside_root", []):
        _compare({item["path"]: item["sha256"]}, _hash_if(Path(item["path"])), f"{item['role']}: ", out)
    for item in doc["policies"]["files"]:
        _compare({item["path"]: item["sha256"]}, _hash_if(_policy_path(item["path"]), item["path"]), "policy: ", out)
    for item in doc["profiles"]:
        _compare({item["path"]: item["sha256"]}, _hash_if(_policy_path(item["path"]), item["path"]), "profile: ", out)
    if key is not None:
        from validator.report.signing import verify_manifest

        out.signature = verify_manifest(directory / MANIFEST, directory / SIGNATURE, key)
    if rerun:
        out.verdicts.extend(_compare_rerun(rerun(doc["options"], root), directory))
    return out


def _hash_if(path: Path, name: str | None = None) -> dict[str, str]:
    return {name or str(path): sha256_file(path)} if path.is_file() else {}


def _key(result: dict[str, Any]) -> str:
    return f"{result['requirement']} {result['source']} -> {result['destination']}"


def _compare_rerun(report: Report, directory: Path) -> list[str]:
    try:
        recorded = json.loads(read_text(directory / "report.json", str(directory / "report.json")))
        before = {_key(r): r["verdict"] for r in recorded.get("results", [])}
    except (InputError, ValueError, KeyError, TypeError, AttributeError):
        return ["report.json is missing or unreadable; cannot compare verdicts"]
    after = {_key(r): r["verdict"] for r in json_report.to_json(report)["results"]}
    out = [
        f"{k}: recorded {before.get(k, 'absent')}, now {after.get(k, 'absent')}"
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    ]

    def findings(items: list[dict[str, Any]]) -> list[str]:
        return sorted(
            f"{f.get('kind')} {f.get('id')} {f.get('requirement') or ''}{' (waived)' if f.get('waived') else ''}"
            for f in items
            if isinstance(f, dict)
        )

    old, new = findings(recorded.get("findings", [])), findings(json_report.to_json(report)["findings"])
    out += [f"finding no longer produced: {f}" for f in old if f not in new]
    out += [f"new finding: {f}" for f in new if f not in old]
    if recorded.get("summary", {}).get("exit_code") != report.exit_code:
        out.append(f"exit code: recorded {recorded.get('summary', {}).get('exit_code')}, now {report.exit_code}")
    return out
