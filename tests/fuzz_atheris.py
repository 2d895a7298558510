"""Coverage-guided fuzzing with atheris (libFuzzer for Python), for long campaigns; hypothesis
(tests/test_fuzz_loaders.py) runs in CI. ``pip install atheris``, then for example:

    python tests/fuzz_atheris.py yaml -atheris_runs=100000
    python tests/fuzz_atheris.py squid -max_total_time=600

Targets: ``yaml`` (documents and the loaders that recognise them), ``squid``, ``rego``, ``topology``. The
property is the one of the hypothesis harness: anything but the project's own InputError is a bug.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from validator.ingest.discover import discover
    from validator.ingest.documents import load_documents
    from validator.ingest.loaders.registry import load_all
    from validator.ingest.loaders.squid import parse_squid_text
    from validator.ingest.topology import parse_topology
    from validator.model.errors import InputError
    from validator.policy.engine.rego_ast import check_sandbox, parse_module


def _text(data: bytes) -> str:
    return atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))


def yaml_target(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "doc.yaml").write_text(_text(data), encoding="utf-8")
        with contextlib.suppress(InputError):
            load_all(discover(Path(tmp)))


def squid_target(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_squid_text(_text(data), "/nonexistent/squid.conf")


def rego_target(data: bytes) -> None:
    with contextlib.suppress(InputError):
        check_sandbox([parse_module("fuzz.rego", "package p\nimport rego.v1\n" + _text(data))])


def topology_target(data: bytes) -> None:
    try:
        for doc in load_documents(_text(data), "palette-network.yaml"):
            parse_topology(doc, "palette-network.yaml")
    except InputError:
        pass


TARGETS = {"yaml": yaml_target, "squid": squid_target, "rego": rego_target, "topology": topology_target}

if __name__ == "__main__":
    target = TARGETS[sys.argv.pop(1)] if len(sys.argv) > 1 and sys.argv[1] in TARGETS else yaml_target
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
