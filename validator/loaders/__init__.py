"""Loaders: one module per file format, each turning a file into the normalized model.

``load_all`` reads what ``discover`` found. Document formats (YAML/JSON) are recognised by content, not
by name, through ``DOCUMENT_LOADERS``: the first whose ``detect`` accepts a document loads it. A document
nobody recognises is skipped with that reason in the report, never silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..discover import Discovery, read_text
from ..errors import InputError
from ..limits import DEFAULT_LIMITS, Limits
from ..model import Inventory, SkippedFile
from . import aws_describe, cloudformation, tfplan
from .documents import load_documents
from .terraform import load_terraform


@dataclass(frozen=True)
class DocumentLoader:
    name: str
    detect: Callable[[Any], bool]
    load: Callable[[Any, str], Inventory]


DOCUMENT_LOADERS: list[DocumentLoader] = [
    DocumentLoader("cloudformation", cloudformation.is_template, cloudformation.load_cloudformation),
    DocumentLoader("aws-describe", aws_describe.is_describe, aws_describe.load_describe),
    DocumentLoader("terraform-plan", tfplan.is_plan, tfplan.load_plan),
]


def load_all(found: Discovery, limits: Limits = DEFAULT_LIMITS) -> Inventory:
    """Load every discovered file into one inventory (InputError on the first bad file)."""
    inv = Inventory()
    covered: set[str] = set()
    for directory in found.terraform_dirs:
        files = {found.display(p) for p in directory.iterdir() if p.name.endswith((".tf", ".tf.json"))}
        if files and files <= covered:
            continue  # already read as a local module of a parent root
        part, seen = load_terraform(directory, found.display(directory))
        covered |= seen
        inv.merge(part)
    for path in found.documents:
        rel = found.display(path)
        docs = load_documents(read_text(path, rel), rel, limits)
        used = False
        for doc in docs:
            for loader in DOCUMENT_LOADERS:
                if loader.detect(doc):
                    inv.merge(_guarded(loader, doc, rel))
                    used = True
                    break
        if not used:
            inv.skipped.append(SkippedFile(rel, "YAML/JSON that is not a format palette-policy reads"))
    for path in found.squid:
        inv.skipped.append(SkippedFile(found.display(path), "proxy configuration: not placed on any path"))
    inv.skipped.extend(found.skipped)
    return inv


def _guarded(loader: DocumentLoader, doc: Any, rel: str) -> Inventory:
    """Last line of defence: a shape the loader did not expect is still a located one-line error."""
    try:
        return loader.load(doc, rel)
    except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
        raise InputError(f"not a valid {loader.name} document: unexpected structure ({type(exc).__name__}: {exc})",
                         file=rel, line=getattr(doc, "line", None),
                         hint=f"check the file against the {loader.name} format") from None
