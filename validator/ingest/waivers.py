"""The waivers file (``.palette-policy-waivers.yaml``, schema schemas/waivers.schema.json) → ``model.waivers``.

A bad waiver file is an input error with file:line.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from validator.ingest.documents import load_document
from validator.ingest.reader import read_text
from validator.ingest.schemas import validate
from validator.model.errors import InputError
from validator.model.waivers import Waiver

WAIVERS_FILE = ".palette-policy-waivers.yaml"


def _dates_to_text(node: Any) -> None:
    """YAML reads 2026-01-31 as a date; the schema checks text, so turn dates back into ISO text."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dt.date):
                node[key] = value.isoformat()
            else:
                _dates_to_text(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, dt.date):
                node[i] = value.isoformat()
            else:
                _dates_to_text(value)


def load_waivers(path: Path, display: str | None = None, root: Path | None = None) -> list[Waiver]:
    """``root``: the file was found in the scanned folder and must not leave it through a link."""
    name = display or str(path)
    doc = load_document(read_text(path, name, root=root), name)
    if doc is None:
        return []
    _dates_to_text(doc)
    validate(doc, "waivers.schema.json", name)
    out: list[Waiver] = []
    for item in doc["waivers"]:
        line = getattr(item, "line", None)
        try:
            expires = dt.date.fromisoformat(item["expires"])
        except ValueError:
            raise InputError(
                f"expires: {item['expires']!r} is not a date", file=name, line=line, hint="write YYYY-MM-DD"
            ) from None
        out.append(
            Waiver(
                id=item["id"],
                reason=" ".join(str(item["reason"]).split()),
                owner=item["owner"],
                expires=expires,
                file=name,
                line=line,
                requirement=item.get("requirement"),
                cluster=item.get("cluster"),
                resource=item.get("resource"),
                path=item.get("file"),
            )
        )
    return out


def find_waivers_file(root: Path) -> Path | None:
    base = root if root.is_dir() else root.parent
    candidate = base / WAIVERS_FILE
    return candidate if os.path.lexists(candidate) else None
