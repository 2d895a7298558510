"""The benchmark script runs end to end on a tiny cluster (without NCA: its columns are then empty)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_benchmark_script_smoke(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "k8s_connectivity.py"),
            "--sizes",
            "40",
            "--repeat",
            "1",
            "--nca",
            str(tmp_path / "no-nca"),
            "--markdown",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| 40 | 12 |" in proc.stdout
    assert out.read_text().startswith("# Benchmark")


@pytest.mark.skipif(
    shutil.which("shellcheck") is None, reason="shellcheck is not installed (apt-get install shellcheck)"
)
def test_the_one_run_script_passes_shellcheck() -> None:
    proc = subprocess.run(
        ["shellcheck", "--severity=style", str(REPO / "benchmarks" / "all.sh")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout
