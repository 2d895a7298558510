#!/usr/bin/env python3
"""Benchmark runner: ``palette-policy validate`` on generated networks, side by side with the
parse-only floor and, on request, checkov and network-config-analyzer — all as subprocesses, one run.

Per size it reports the wall time and peak RSS of the whole CLI run (``os.wait4`` rusage of that child),
the time of each stage (the CLI writes them to ``$PALETTE_POLICY_TIMINGS``), which parts of the generated
tree the product loaded, and the ratios:

- ``floor``: the same files through the parsers alone, in a fresh interpreter (import + parse,
  sequentially): every Terraform file through the product's HCL parser (text to syntax tree, no
  evaluation), YAML/JSON with libyaml — what no tool built on these parsers can beat;
- ``checkov``: ``checkov --framework terraform -d <tree>/terraform`` (its own venv, ``--setup``);
- ``nca``: network-config-analyzer on NetworkPolicies via ``benchmarks/k8s_connectivity.py`` when it is
  there (its own generator and NCA venv), else reported as not available.

    python benchmarks/run.py --size M --vs checkov --vs nca
    python benchmarks/run.py --sizes S,M,L,XL            # the scaling curve
    python benchmarks/run.py --setup                     # create benchmarks/.venvs/{checkov,nca}
    python benchmarks/run.py --smoke                     # CI: size S once, no peers, figures only
    python benchmarks/run.py --size M --shape modules --shape flat   # module instances vs the same, written out
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import SHAPES, SIZES, generate, scaled  # noqa: E402

VENVS = HERE / ".venvs"
PEERS = {"checkov": ["checkov==3.3.30"], "nca": ["network-config-analyzer==2.1.0"]}
STAGES = ("discover", "parse", "model", "graph", "reach", "policies", "report")
NCA_WORKLOADS = {"S": 200, "M": 800, "L": 1600, "XL": 3200}
# The floor: the same files through the parsers alone, nothing else — every Terraform file (and variables
# file) through the product's HCL parser, and the YAML/JSON documents the product reads (it parses them all
# to recognise their format) composed by libyaml (the C parser and composer under the product's YAML
# reader, no Python objects built).
# The product's load step alone (discover, then every file parsed and evaluated: Terraform roots, YAML, Squid),
# no cache, no analysis: what "validate" costs above it is the analysis, the policies, the report and start-up.
LOAD = """
import sys, pathlib
from validator.ingest.discover import discover
from validator.ingest.loaders.registry import load_all
load_all(discover(pathlib.Path(sys.argv[1])))
"""
# tfparse (aquasecurity, Go; a test extra of the product) on every root folder: parse and evaluate, for context.
TFPARSE = """
import sys, pathlib, tfparse
root = pathlib.Path(sys.argv[1]) / "terraform"
for d in sorted({p.parent for p in root.rglob("*.tf") if "modules" not in p.parts}):
    tfparse.load_from_path(d)
"""
FLOOR = """
import sys, pathlib, yaml
from validator.ingest.loaders.terraform.parser import parse_hcl
root = pathlib.Path(sys.argv[1])
for p in sorted(root.rglob("*")):
    if p.suffix in (".tf", ".tfvars"):
        parse_hcl(p.read_text(), str(p))
for p in sorted(root.rglob("*")):
    if p.suffix in (".yaml", ".yml", ".json") and p.name != "generated.json":
        list(yaml.compose_all(p.read_text(), Loader=yaml.CSafeLoader))
"""


@dataclass
class Measure:
    wall: float
    rss_mib: float
    code: int
    stderr: str = ""
    cpu: float = 0.0  # user + system seconds of the child: steadier than wall on a shared machine

    def text(self) -> str:
        if self.code == -9:
            return "timeout"
        return f"{self.wall:.2f} s / {self.rss_mib:.0f} MiB (cpu {self.cpu:.2f} s)"


@dataclass
class Row:
    size: str
    counts: dict[str, int]
    ours: Measure
    stages: dict[str, float]
    loaded: dict[str, int]
    skipped: dict[str, int]
    floor: Measure | None = None
    peers: dict[str, Measure | str] = field(default_factory=dict)
    warm: Measure | None = None  # a re-run with the parse cache the cold run filled
    load: Measure | None = None  # the product's own load step alone: discover + parse + evaluate, no cache
    tfparse: Measure | None = None  # aquasecurity's tfparse on every root folder (context)
    roots: int = 0


def measure(cmd: list[str], timeout: float, env: dict[str, str] | None = None, cwd: Path | None = None) -> Measure:
    """Wall time (perf_counter) and peak RSS (wait4 rusage of this child only) of one subprocess."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    assert proc.stderr is not None
    deadline = start + timeout
    err_chunks: list[bytes] = []
    os.set_blocking(proc.stderr.fileno(), False)
    while True:
        chunk = proc.stderr.read()
        if chunk:
            err_chunks.append(chunk[-20000:])
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return Measure(float("inf"), usage.ru_maxrss / 1024, -9, cpu=usage.ru_utime + usage.ru_stime)
        time.sleep(0.005)
    wall = time.perf_counter() - start
    rest = proc.stderr.read()
    if rest:
        err_chunks.append(rest)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measure(
        wall,
        usage.ru_maxrss / 1024,
        proc.returncode,
        b"".join(err_chunks).decode(errors="replace")[-4000:],
        usage.ru_utime + usage.ru_stime,
    )


def median_of(runs: list[Measure]) -> Measure:
    """Median wall, CPU and peak RSS of interleaved runs (each figure on its own)."""
    ok = [m for m in runs if m.code != -9] or runs
    mid = statistics.median
    first = ok[0]
    return Measure(
        mid(m.wall for m in ok), mid(m.rss_mib for m in ok), first.code, first.stderr, mid(m.cpu for m in ok)
    )


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a measured child: byte-code caches allowed, as in a user's install."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **extra}


def run_validate(tree: Path, timeout: float, cache: Path | None) -> tuple[Measure, dict[str, object]]:
    """One ``validate`` run: with the parse cache in ``cache`` (cold when it is empty), or without it."""
    with tempfile.TemporaryDirectory(prefix="pp-bench-") as tmp:
        timings = Path(tmp) / "timings.json"
        setting = {"PALETTE_POLICY_CACHE_DIR": str(cache)} if cache else {"PALETTE_POLICY_NO_CACHE": "1"}
        cmd = [*palette_policy(), "validate", str(tree), "--format", "json", "--output", str(Path(tmp) / "r.json")]
        m = measure(cmd, timeout, env=child_env(PALETTE_POLICY_TIMINGS=str(timings), **setting))
        return m, (json.loads(timings.read_text()) if timings.exists() else {})


def best_of(cmd: list[str], repeat: int, timeout: float, **kw: object) -> Measure:
    runs = [measure(cmd, timeout, **kw) for _ in range(max(1, repeat))]  # type: ignore[arg-type]
    fastest = min(runs, key=lambda m: m.wall)
    return Measure(fastest.wall, max(m.rss_mib for m in runs), fastest.code, fastest.stderr, min(m.cpu for m in runs))


def palette_policy() -> list[str]:
    exe = Path(sys.executable).parent / "palette-policy"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "validator"]


def run_ours(tree: Path, repeat: int, timeout: float) -> tuple[Measure, dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="pp-bench-") as tmp:
        timings = Path(tmp) / "timings.json"
        env = {**os.environ, "PALETTE_POLICY_TIMINGS": str(timings)}
        runs = []
        for _ in range(max(1, repeat)):
            m = measure(
                [
                    *palette_policy(),
                    "validate",
                    str(tree),
                    "--format",
                    "json",
                    "--output",
                    str(Path(tmp) / "report.json"),
                ],
                timeout,
                env=env,
            )
            info = json.loads(timings.read_text()) if timings.exists() else {}
            runs.append((m, info))
        m, info = min(runs, key=lambda r: r[0].wall)
        return Measure(m.wall, max(r[0].rss_mib for r in runs), m.code, m.stderr, min(r[0].cpu for r in runs)), info


def setup(peers: list[str]) -> None:
    """Each peer in its own venv (they pin old dependencies): never in the project's environment."""
    VENVS.mkdir(parents=True, exist_ok=True)
    for name in peers:
        venv = VENVS / name
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *PEERS[name]], check=True)
        print(f"{name}: installed in {venv}")


def run_checkov(tree: Path, repeat: int, timeout: float) -> Measure | str:
    exe = VENVS / "checkov" / "bin" / "checkov"
    if not exe.exists():
        return "not installed (run with --setup)"
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false", "LOG_LEVEL": "ERROR"}
    # exit 1 = checks failed (expected: the tree has findings); anything else is an error
    m = best_of(
        [
            str(exe),
            "--framework",
            "terraform",
            "-d",
            str(tree / "terraform"),
            "--quiet",
            "--compact",
            "--skip-download",
            "-o",
            "json",
        ],
        repeat,
        timeout,
        env=env,
        cwd=tree,
    )
    if m.code not in (0, 1, -9):
        return f"failed (exit {m.code}): {m.stderr.strip().splitlines()[-1] if m.stderr.strip() else ''}"
    return m


def run_nca(size: str, repeat: int, timeout: float) -> Measure | str:
    """Delegated to benchmarks/k8s_connectivity.py (the NetworkPolicy benchmark), which prints its table."""
    script = HERE / "k8s_connectivity.py"
    # the runner's own venv, else the one the differential tests create (.cache/nca-venv)
    exe = next(
        (p for p in (VENVS / "nca" / "bin" / "nca", HERE.parent / ".cache" / "nca-venv" / "bin" / "nca") if p.exists()),
        VENVS / "nca" / "bin" / "nca",
    )
    if not script.exists():
        return "not available (benchmarks/k8s_connectivity.py is not in this tree yet)"
    if not exe.exists():
        return "not installed (run with --setup)"
    cmd = [
        sys.executable,
        str(script),
        "--sizes",
        str(NCA_WORKLOADS[size]),
        "--repeat",
        str(repeat),
        "--nca",
        str(exe),
        "--timeout",
        str(timeout),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    print(proc.stdout, end="")
    if proc.returncode:
        return f"failed (exit {proc.returncode}): {proc.stderr.strip()[-300:]}"
    return "see the NetworkPolicy table above"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(
            next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal"))
        )
        mem = f"{mem_kb / 1048576:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        mem = "unknown RAM"
    return f"{os.cpu_count()} cores ({cpu}), {mem}, Linux {platform.release()}, Python {platform.python_version()}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b and a != float("inf") else "—"


def render(rows: list[Row]) -> str:
    out = [f"machine: {machine()}", ""]
    head = (
        "| size | SG rules | groups | TF files / MiB | validate (wall / peak RSS) | "
        + " | ".join(STAGES)
        + " | other¹ | parse-only floor | validate ÷ floor |"
    )
    out += [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        c = r.counts
        other = r.ours.wall - sum(r.stages.values())
        stages = " | ".join(f"{r.stages.get(s, 0.0):.2f}" for s in STAGES)
        floor = r.floor.text() if r.floor else "—"
        out.append(
            f"| {r.size} | {c['sg_rules']:,} | {c['groups']:,} | {c['tf_files']} / "
            f"{c['tf_bytes'] / 1048576:.1f} | {r.ours.text()} | {stages} | {other:.2f} | {floor} | "
            f"{ratio(r.ours.wall, r.floor.wall) if r.floor else '—'}"
            f"{f' (cpu {ratio(r.ours.cpu, r.floor.cpu)})' if r.floor and r.floor.cpu else ''} |"
        )
    out += [
        "",
        "¹ interpreter start-up, imports and exit (wall minus the stages). cpu = the child's user+system "
        "time, steadier than wall when other jobs share the machine.",
        "",
    ]
    if any(r.warm or r.load for r in rows):
        out += [
            "| tree | roots | validate cold: wall / peak RSS (cpu) | warm re-run | load step alone² | "
            "cold ÷ load (cpu) | tfparse² | HCL+YAML syntax² | checkov wall ÷ warm wall |",
            "|---|---:|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            peer = r.peers.get("checkov")
            versus = ratio(peer.wall, r.warm.wall) if isinstance(peer, Measure) and r.warm else "—"
            load_ratio = ratio(r.ours.cpu, r.load.cpu) if r.load else "—"
            out.append(
                f"| {r.size} | {r.roots} | {r.ours.text()} | {_text(r.warm)} | {_text(r.load)} | {load_ratio} | "
                f"{_text(r.tfparse)} | {_text(r.floor)} | {versus} |"
            )
        out += [
            "",
            "² each in a fresh interpreter, sequential: the load step = discover + every file parsed and evaluated "
            "(the product's own HCL evaluator, YAML, Squid; no cache); tfparse = aquasecurity's Go evaluator on "
            "each root folder; syntax = every .tf/.tfvars through the HCL parser and the YAML through libyaml.",
            "",
        ]
    if any(r.peers for r in rows):
        out += [
            "| size | peer | peer (wall / peak RSS) | peer ÷ validate (time) | peer ÷ validate (RSS) |",
            "|---|---|---|---|---|",
        ]
        for r in rows:
            for name, m in r.peers.items():
                if isinstance(m, Measure):
                    cpu = f" (cpu {ratio(m.cpu, r.ours.cpu)})" if m.cpu and r.ours.cpu else ""
                    out.append(
                        f"| {r.size} | {name} | {m.text()} | {ratio(m.wall, r.ours.wall)}{cpu} | "
                        f"{ratio(m.rss_mib, r.ours.rss_mib)} |"
                    )
                else:
                    out.append(f"| {r.size} | {name} | {m} | — | — |")
        out.append("")
    steps = [
        (a, b)
        for a, b in zip(rows, rows[1:], strict=False)
        if a.size.partition("/")[2] == b.size.partition("/")[2] and b.counts["sg_rules"] / a.counts["sg_rules"] >= 1.05
    ]  # bigger inputs of one shape: the scaling to read
    if steps:
        out += ["Scaling (time ratio per input ratio, SG rules):", ""]
        for a, b in steps:
            grow = b.counts["sg_rules"] / a.counts["sg_rules"]
            t = b.ours.wall / a.ours.wall
            out.append(
                f"- {a.size} → {b.size}: input ×{grow:.1f}, time ×{t:.2f} "
                f"(per doubling ×{2 ** (_log2(t) / _log2(grow)) if grow > 1 else 0:.2f})"
                + (
                    f"; cpu ×{b.ours.cpu / a.ours.cpu:.2f} (per doubling "
                    f"×{2 ** (_log2(b.ours.cpu / a.ours.cpu) / _log2(grow)) if grow > 1 else 0:.2f})"
                    if a.ours.cpu and b.ours.cpu
                    else ""
                )
            )
        out.append("")
    for r in rows:
        loaded = ", ".join(f"{k}: {v}" for k, v in r.loaded.items()) or "nothing"
        skipped = "; ".join(f"{v} × {k}" for k, v in r.skipped.items()) or "nothing"
        out.append(
            f"- {r.size}: loaded {loaded} files; not yet loaded by the product: {skipped}; "
            f"also generated: {r.counts['nacl_rules']} NACL rules (Terraform aws_network_acl), "
            f"{r.counts['netpols']} NetworkPolicies, {r.counts['squid_lines']} Squid ACL lines"
        )
    return "\n".join(out) + "\n"


def _log2(x: float) -> float:
    import math

    return math.log2(x) if x > 0 else 0.0


def measure_tree(label: str, tree: Path, counts: dict[str, int], args: argparse.Namespace) -> Row | str:
    """Every tool on ``tree``, interleaved round by round (``--repeat`` rounds), medians per tool."""
    runs: dict[str, list[Measure]] = {}
    info: dict[str, object] = {}

    def add(name: str, m: Measure) -> None:
        runs.setdefault(name, []).append(m)

    run_validate(tree, args.timeout, None)  # not measured: writes the byte-code caches a user's install has
    for _ in range(max(1, args.repeat)):
        with tempfile.TemporaryDirectory(prefix="pp-cache-") as tmp:
            cold, info = run_validate(tree, args.timeout, Path(tmp) / "cache")  # an empty cache: cold
            if cold.code not in (0, 1):
                return f"validate failed on {label} (exit {cold.code}):\n{cold.stderr}"
            add("cold", cold)
            if not args.no_warm:
                add("warm", run_validate(tree, args.timeout, Path(tmp) / "cache")[0])
        add("floor", measure([sys.executable, "-c", FLOOR, str(tree)], args.timeout, env=child_env()))
        if args.floors:
            add("load", measure([sys.executable, "-c", LOAD, str(tree)], args.timeout, env=child_env()))
            add("tfparse", measure([sys.executable, "-c", TFPARSE, str(tree)], args.timeout, env=child_env()))
        if "checkov" in args.vs:
            peer = run_checkov(tree, 1, args.timeout)
            if isinstance(peer, str):
                return peer
            add("checkov", peer)
    medians = {name: median_of(ms) for name, ms in runs.items()}
    row = Row(
        label,
        counts,
        medians["cold"],
        dict(info.get("timings", {})),  # type: ignore[call-overload]
        dict(info.get("loaded", {})),  # type: ignore[call-overload]
        dict(info.get("skipped", {})),  # type: ignore[call-overload]
        medians["floor"],
        warm=medians.get("warm"),
        load=medians.get("load"),
        tfparse=medians.get("tfparse"),
        roots=counts.get("tf_roots", 0),
    )
    if "checkov" in medians:
        row.peers["checkov"] = medians["checkov"]
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", action="append", default=[], choices=sorted(SIZES))
    ap.add_argument("--sizes", help="comma-separated names (S,M,L,XL) or group counts (1000,2000,…: M's proportions)")
    ap.add_argument("--vs", action="append", default=[], choices=sorted(PEERS))
    ap.add_argument(
        "--setup",
        action="store_true",
        help="create benchmarks/.venvs/<peer> for --vs peers (both when none is named) and exit unless sizes are given",
    )
    ap.add_argument("--smoke", action="store_true", help="CI: size S once, no peers, figures only")
    ap.add_argument(
        "--shape",
        action="append",
        default=[],
        choices=SHAPES,
        help="tree shape(s) (benchmarks/generate.py): accounts (default), modules, flat",
    )
    ap.add_argument("--roots", type=int, help="accounts shape: this many root modules (default: one per 100 groups)")
    ap.add_argument("--repeat", type=int, default=1, help="interleaved rounds; medians of them are reported")
    ap.add_argument("--no-warm", action="store_true", help="skip the warm re-run (the parse cache filled)")
    ap.add_argument("--floors", action="store_true", help="also the product's load step alone, and tfparse")
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, help="write the generated trees here (default: a temporary folder)")
    ap.add_argument("--markdown", type=Path, help="also append the table to this file")
    args = ap.parse_args()

    sizes = [s for part in (args.sizes or "").split(",") if (s := part.strip())] + args.size
    if args.setup:
        setup(args.vs or sorted(PEERS))
        if not sizes:
            return 0
    if args.smoke:
        sizes, args.vs, args.repeat, args.no_warm = ["S"], [], 1, True
    sizes = sizes or ["M"]
    for s in sizes:
        if s not in SIZES and not s.isdigit():
            ap.error(f"unknown size {s!r}: use {', '.join(SIZES)} or a number of groups")
    shapes = args.shape or ["accounts"]

    rows: list[Row] = []
    base = args.keep or Path(tempfile.mkdtemp(prefix="pp-nets-"))
    try:
        for name in sizes:
            size = scaled(int(name)) if name.isdigit() else SIZES[name]
            for shape in shapes:
                label = size.name if shape == "accounts" and not args.roots else f"{size.name}/{shape}"
                label += f"×{args.roots}" if args.roots and shape == "accounts" else ""
                tree = base / f"net-{size.name}-{shape}"
                counts = vars(generate(size, tree, args.seed, shape, args.roots if shape == "accounts" else None))
                counts["tf_roots"] = len({p.parent for p in (tree / "terraform").rglob("*.tf")} - _module_dirs(tree))
                row = measure_tree(label, tree, counts, args)
                if isinstance(row, str):
                    print(row, file=sys.stderr)
                    return 1
                rows.append(row)
                warm = f", warm {row.warm.text()}" if row.warm else ""
                print(f"[{label}] validate {row.ours.text()}{warm}, floor {_text(row.floor)}", file=sys.stderr)
        if "nca" in args.vs:
            for name in sizes:
                if name in NCA_WORKLOADS:
                    run_nca(name, args.repeat, args.timeout)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    table = render(rows)
    print(table)
    if args.markdown:
        with args.markdown.open("a", encoding="utf-8") as fh:
            fh.write(table + "\n")
    return 0


def _module_dirs(tree: Path) -> set[Path]:
    return {p.parent for p in (tree / "terraform").rglob("*.tf") if "modules" in p.relative_to(tree).parts}


def _text(m: Measure | None) -> str:
    return m.text() if m else "—"


if __name__ == "__main__":
    raise SystemExit(main())
