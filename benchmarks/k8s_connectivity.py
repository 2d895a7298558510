#!/usr/bin/env python3
"""Benchmark: ``palette-policy connectivity`` vs network-config-analyzer on generated clusters.

Sizes: 200 workloads / 60 policies, 800 / 240, 3,200 / 960 (seeded ``generate_cluster`` of
tests/k8s_cluster_gen.py: one namespace per 20 workloads, default-deny per namespace, DNS egress, targeted
allow rules by pod/namespace selectors, ipBlocks, numeric/named ports and endPort). Each tool runs as a
subprocess on the same files; wall time, CPU time and peak RSS (``os.wait4`` rusage of that child) are
measured, best of ``--repeat`` runs.
NCA comes from ``<repo>/.cache/nca-venv`` (created by the differential tests) or ``--nca PATH``.

    python benchmarks/k8s_connectivity.py [--sizes 200,800,3200] [--repeat 3] \
        [--markdown FILE]        # sh benchmarks/all.sh puts its tables in docs/benchmark-results.md
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.k8s_cluster_gen import generate, generate_cluster, write_case  # noqa: E402

SIZES = {200: 60, 800: 240, 3200: 960}


Result = tuple[float, float, float, int]  # wall s, CPU (user+sys) s, peak RSS MiB, exit code


def run(cmd: list[str], timeout: float) -> Result:
    """Wall time, CPU time, peak RSS and exit code of one child process."""
    start = time.perf_counter()
    # like a user's install: byte-code caches allowed (this sandbox sets PYTHONDONTWRITEBYTECODE)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            return float("inf"), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, -9
        time.sleep(0.005)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def best(cmd: list[str], repeat: int, timeout: float) -> Result:
    """Best wall and CPU time of ``repeat`` runs (least disturbed by other load), largest peak RSS."""
    results = [run(cmd, timeout) for _ in range(repeat)]
    return (min(r[0] for r in results), min(r[1] for r in results), max(r[2] for r in results), results[-1][3])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="200,800,3200")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--nca-repeat", type=int, default=0, help="runs of NCA (default: --repeat; 1 at 3,200)")
    ap.add_argument("--nca", default=str(REPO / ".cache" / "nca-venv" / "bin" / "nca"))
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument(
        "--generator",
        choices=["realistic", "random"],
        default="realistic",
        help="realistic: generate_cluster (default-deny namespaces, targeted allows); random: "
        "the differential-test generator at scale (dense: 10^5+ connections)",
    )
    ap.add_argument("--markdown", help="also write the table (with the machine description) to this file")
    args = ap.parse_args()
    ours_exe = shutil.which("palette-policy", path=str(Path(sys.executable).parent)) or "palette-policy"
    have_nca = Path(args.nca).exists()
    rows = []
    with tempfile.TemporaryDirectory(prefix="k8s-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            policies = SIZES.get(size, size * 3 // 10)
            if args.generator == "realistic":
                case = generate_cluster(args.seed + size, size, policies)
            else:
                case = generate(args.seed + size, n_ns=max(1, size // 20), n_workloads=size, n_policies=policies)
            folder = Path(tmp) / f"c{size}"
            files = write_case(case, folder)
            out_ours = Path(tmp) / f"ours{size}.txt"
            ours = best([ours_exe, "connectivity", str(folder), "--output", str(out_ours)], args.repeat, args.timeout)
            lines = sum(1 for _ in out_ours.open()) if out_ours.exists() else 0
            if have_nca:
                out_nca = Path(tmp) / f"nca{size}.txt"
                nca = best(
                    [
                        args.nca,
                        "--connectivity",
                        str(files["policies"]),
                        "-r",
                        str(files["ns"]),
                        "-r",
                        str(files["workloads"]),
                        "-o",
                        "txt_no_fw_rules",
                        "-f",
                        str(out_nca),
                    ],
                    1 if size >= 3200 else args.nca_repeat or args.repeat,
                    args.timeout,
                )
            else:
                nca = (float("nan"), float("nan"), float("nan"), -1)
            rows.append((size, policies, lines, ours, nca))
            print(
                f"{size}/{policies}: ours {ours[0]:.2f}s wall {ours[1]:.2f}s cpu {ours[2]:.0f} MiB "
                f"(rc {ours[3]}), nca {nca[0]:.2f}s wall {nca[1]:.2f}s cpu {nca[2]:.0f} MiB (rc {nca[3]})",
                file=sys.stderr,
            )
    header = (
        "| workloads | policies | connections | palette-policy wall / CPU | palette-policy peak RSS "
        "| NCA wall / CPU | NCA peak RSS | speed-up wall / CPU | NCA ÷ ours RSS |"
    )
    lines_out = [header, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, pols, n, ours, nca in rows:
        speed = nca[0] / ours[0] if ours[0] else float("nan")
        speed_cpu = nca[1] / ours[1] if ours[1] else float("nan")
        mem = nca[2] / ours[2] if ours[2] else float("nan")
        lines_out.append(
            f"| {size} | {pols} | {n} | {ours[0]:.2f} s / {ours[1]:.2f} s | {ours[2]:.0f} MiB "
            f"| {nca[0]:.2f} s / {nca[1]:.2f} s | {nca[2]:.0f} MiB "
            f"| {speed:.1f}× / {speed_cpu:.1f}× | {mem:.1f}× |"
        )
    table = "\n".join(lines_out)
    print(table)
    if args.markdown:
        machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        inputs = {
            "realistic": "`generate_cluster` in tests/k8s_cluster_gen.py: one namespace per 20 workloads "
            "of every controller kind, default-deny per namespace, DNS egress, targeted allow "
            "rules with pod/namespace selectors, matchExpressions, ipBlocks with except, named "
            "ports and endPort",
            "random": "`generate` in tests/k8s_cluster_gen.py, the differential-test generator at scale: "
            "random selectors (a quarter of them empty), so most pairs are connected",
        }[args.generator]
        nca_runs = args.nca_repeat or args.repeat
        Path(args.markdown).write_text(
            "# Benchmark: NetworkPolicy connectivity vs network-config-analyzer\n\n"
            f"Produced by `python benchmarks/k8s_connectivity.py --generator {args.generator} "
            f"--repeat {args.repeat} --markdown {args.markdown}` (seed {args.seed}; best of {args.repeat} "
            f"runs, NCA best of {nca_runs}, once at 3,200) on {machine}.\n"
            f"Both tools run as subprocesses on the same generated manifests ({inputs}); wall time includes "
            "interpreter start-up and parsing; CPU is the child's user+sys time (robust when other jobs "
            "share the machine); peak RSS is the child's `ru_maxrss`. NCA is network-config-analyzer 2.1.0 "
            "with `--connectivity … -o txt_no_fw_rules`.\n\n"
            f"{table}\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
