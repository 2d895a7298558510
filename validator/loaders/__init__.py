"""Loaders: one module per file format, each turning a file into the normalized model.

``load_all`` reads what ``discover`` found. Document formats (YAML/JSON) are recognised by content, not
by name, through ``DOCUMENT_LOADERS``: the first whose ``detect`` accepts a document loads it. A document
nobody recognises is skipped with that reason in the report, never silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..discover import Discovery, read_text
from ..model import Inventory, SkippedFile
from . import aws_describe, cloudformation, tfplan
from .documents import load_documents
from .terraform import load_terraform, parse_directory


class _Ahead:
    """Terraform roots parsed a few ahead of the one being loaded (bounded, so memory stays flat)."""

    WINDOW = 4

    def __init__(self, pool: ThreadPoolExecutor | None, found: Discovery) -> None:
        self.pool, self.found = pool, found
        self.dirs = found.terraform_dirs
        self.futures: dict[Path, Future[dict[str, Any]]] = {}
        self.next = 0

    def get(self, directory: Path) -> Future[dict[str, Any]] | None:
        if self.pool is None:
            return None
        limit = self.dirs.index(directory) + self.WINDOW
        while self.next < min(limit, len(self.dirs)):
            d = self.dirs[self.next]
            self.futures[d] = self.pool.submit(parse_directory, d, self.found.display(d))
            self.next += 1
        return self.futures.pop(directory, None)


@contextmanager
def _prefetch_terraform(found: Discovery) -> Iterator[_Ahead]:
    """Parse the Terraform roots ahead, two at a time (perf, issue 7: parsing is most of a run).

    tfparse's Go parser runs outside the GIL, so threads overlap it with the Python work on the roots
    already parsed. Results are consumed in discovery order and an error surfaces only when its root is
    consumed, so output and errors are those of the sequential loop. One root: no pool.
    """
    if len(found.terraform_dirs) < 2 or (os.cpu_count() or 1) < 2:
        yield _Ahead(None, found)
        return
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tfparse")
    try:
        yield _Ahead(pool, found)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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


def load_all(found: Discovery) -> Inventory:
    """Load every discovered file into one inventory (InputError on the first bad file)."""
    inv = Inventory()
    covered: set[str] = set()
    with _prefetch_terraform(found) as parsed:
        for directory in found.terraform_dirs:
            files = {found.display(p) for p in directory.iterdir() if p.name.endswith((".tf", ".tf.json"))}
            if files and files <= covered:
                continue  # already read as a local module of a parent root
            part, seen = load_terraform(directory, found.display(directory), parsed.get(directory))
            covered |= seen
            inv.merge(part)
    for path in found.documents:
        rel = found.display(path)
        docs = load_documents(read_text(path, rel), rel)
        used = False
        for doc in docs:
            for loader in DOCUMENT_LOADERS:
                if loader.detect(doc):
                    inv.merge(loader.load(doc, rel))
                    used = True
                    break
        if not used:
            inv.skipped.append(SkippedFile(rel, "YAML/JSON that is not a format palette-policy reads"))
    for path in found.squid:
        inv.skipped.append(SkippedFile(found.display(path), "proxy configuration: not placed on any path"))
    inv.skipped.extend(found.skipped)
    return inv
