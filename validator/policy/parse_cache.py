"""Parsed Rego modules remembered between runs, in the run's cache folder (off with ``--no-cache``).

Reading a module's facts (rules, calls, references) from regorus's syntax tree costs more than the rest of
loading a bundle, and the shipped modules are the same on every run. A parse is stored under the digest of
the module's name and text, this program's fingerprint and the regorus version, signed with the cache's
HMAC key and checked before it is unpickled; a missing, foreign or corrupt entry is parsed again. Only the
parse is remembered: every check on the modules (sandbox, recursion, compilation) runs on every load.

The command line turns it on with the parse cache (``use``): the policy stage does not reach into the
readers' cache (``validator.ingest.cache`` imports the loaders).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.ingest.signed import Cache, read_signed, write_signed

FORMAT = b"palette-policy rego parse 1\n"
KIND = "documents"  # the cache's folder of parsed documents (pruned with them)


@dataclass
class _Store:
    cache: Cache
    fingerprint: Callable[[], str]
    prefix: list[str] | None = None  # what every key starts with, once per process

    def path(self, file: str, source: str) -> Path:
        if self.prefix is None:
            from validator.policy.engine.regorus_engine import regorus_version

            self.prefix = [FORMAT.decode(), self.fingerprint(), regorus_version()]
        parts = [*self.prefix, file, hashlib.sha256(source.encode()).hexdigest()]
        key = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
        return self.cache.directory / KIND / key[:2] / key


_STORE: _Store | None = None


def use(folder: Cache | None, fingerprint: Callable[[], str] | None = None) -> None:
    """Remember parses in ``folder`` for this process (None: off); ``fingerprint`` names this program (the
    parse cache's, ``validator.ingest.cache.fingerprint``)."""
    global _STORE
    _STORE = None if folder is None or fingerprint is None else _Store(folder, fingerprint)


def recall(file: str, source: str, kind: type) -> Any:
    """The stored parse of ``source`` (named ``file``) when there is one, whole, signed by this cache and a
    ``kind``; else None."""
    store = _STORE
    if store is None:
        return None
    payload = read_signed(store.cache, store.path(file, source), FORMAT)
    if payload is None:
        return None
    try:
        found = pickle.loads(payload)
    except Exception:  # signed by us yet unreadable (another Python): parsed again
        return None
    return found if isinstance(found, kind) else None


def remember(file: str, source: str, parsed: object) -> None:
    """Store ``parsed`` for ``source``; written to a private temporary file and renamed into place, so a
    reader sees a whole entry or none. A folder that cannot be written leaves the run as it is."""
    store = _STORE
    if store is None:
        return
    payload = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):
        write_signed(store.cache, store.path(file, source), FORMAT, payload)
