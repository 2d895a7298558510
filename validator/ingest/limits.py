"""Input limits: how much a run agrees to read, so hostile or broken files fail fast with a clear error."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 1024 * 1024  # per config file (every file read: see ingest/reader.py)
    max_yaml_nodes: int = 2_000_000  # nodes after alias expansion (a "billion laughs" file stops here)
    max_depth: int = 200  # nesting of YAML/JSON documents
    # what one Terraform root's evaluation may add to its worker's address space (ingest/isolation.py), and
    # the time it may take (wall clock and CPU): docs/benchmarks.md has the measurements behind them
    parser_memory_bytes: int = 1024 * 1024 * 1024
    parser_seconds: float = 120.0


DEFAULT_LIMITS = Limits()
