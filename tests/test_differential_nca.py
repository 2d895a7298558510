"""Differential testing against a real peer: network-config-analyzer 2.1.0 on random policy sets.

NCA pins old dependency versions, so it lives in its own venv (``<repo>/.cache/nca-venv``, created on first
use). Many generated cases run in ONE NCA invocation (a scheme file with one config and one connectivity
query per case). Every disagreement fails with the case shrunk to a minimal one and printed as YAML.
If NCA cannot be installed the tests skip and say why; they never pass silently.

Set ``NCA_DIFF_CASES`` to run more cases (default 300).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.connlist_compare import compare, facts_of, parse_connlist
from tests.k8s_cluster_gen import Case, generate, write_case
from validator.analysis.connectivity import connectivity
from validator.analysis.netpol import NetpolModel
from validator.ingest.loaders.kubernetes import load_cluster

REPO = Path(__file__).resolve().parent.parent
NCA_VENV = REPO / ".cache" / "nca-venv"
NCA_VERSION = "2.1.0"
TOTAL = int(os.environ.get("NCA_DIFF_CASES", "300"))
BATCH = 100


@pytest.fixture(scope="session")
def nca_bin() -> Path:
    """The ``nca`` executable in its own venv, installed on first use; skip with the reason if impossible."""
    exe = NCA_VENV / "bin" / "nca"
    if not exe.exists():
        try:
            NCA_VENV.parent.mkdir(parents=True, exist_ok=True)
            venv.EnvBuilder(with_pip=True, clear=True).create(NCA_VENV)
            proc = subprocess.run(
                [
                    str(NCA_VENV / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    f"network-config-analyzer=={NCA_VERSION}",
                ],
                capture_output=True,
                text=True,
                timeout=600,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"cannot create the NCA venv at {NCA_VENV}: {exc}")
        if proc.returncode != 0 or not exe.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            pytest.skip(f"cannot install network-config-analyzer {NCA_VERSION}: {tail[0]}")
    return exe


def _run_nca(nca: Path, cases: list[Case], root: Path) -> list[str | None]:
    """One NCA run over many cases; the txt_no_fw_rules output of each (None when NCA failed on it)."""
    root.mkdir(parents=True, exist_ok=True)
    configs, queries, outs = [], [], []
    for i, case in enumerate(cases):
        files = write_case(case, root / f"c{i}")
        configs.append(
            {
                "name": f"c{i}",
                "resourceList": [str(files["ns"]), str(files["workloads"])],
                "networkPolicyList": [str(files["policies"])],
            }
        )
        out = root / f"c{i}" / "nca.txt"
        outs.append(out)
        queries.append(
            {
                "name": f"q{i}",
                "connectivityMap": [f"c{i}"],
                "outputConfiguration": {"outputFormat": "txt_no_fw_rules", "outputPath": str(out)},
            }
        )
    scheme = root / "scheme.yaml"
    scheme.write_text(yaml.safe_dump({"networkConfigList": configs, "queries": queries}))
    proc = subprocess.run([str(nca), "--scheme", str(scheme)], capture_output=True, text=True, timeout=900)
    results: list[str | None] = []
    for out in outs:
        results.append(out.read_text() if out.exists() else None)
    if all(r is None for r in results):
        raise AssertionError(f"NCA produced no output: {proc.stderr[-2000:]}")
    return results


def _ours(case: Case, folder: Path) -> list[object]:
    write_case(case, folder)
    return connectivity(NetpolModel(load_cluster(str(folder))))  # type: ignore[return-value]


def _diffs(case: Case, nca_text: str | None, folder: Path) -> list[str]:
    if nca_text is None:
        return ["NCA failed on this case"]
    return compare(facts_of(_ours(case, folder)), parse_connlist(nca_text))


def _shrink_candidates(case: Case) -> Iterator[Case]:
    """Every case with one thing removed: a policy, a rule, a peer, a port item, a workload."""
    for i in range(len(case.policies)):
        c = copy.deepcopy(case)
        del c.policies[i]
        yield c
    for i, pol in enumerate(case.policies):
        for direction, peer_key in (("ingress", "from"), ("egress", "to")):
            for j, rule in enumerate(pol["spec"].get(direction) or []):
                c = copy.deepcopy(case)
                del c.policies[i]["spec"][direction][j]
                yield c
                for key in (peer_key, "ports"):
                    for k in range(len(rule.get(key) or [])):
                        c = copy.deepcopy(case)
                        del c.policies[i]["spec"][direction][j][key][k]
                        if not c.policies[i]["spec"][direction][j][key]:
                            del c.policies[i]["spec"][direction][j][key]
                        yield c
    for i in range(len(case.workloads)):
        if len(case.workloads) > 1:
            c = copy.deepcopy(case)
            del c.workloads[i]
            yield c


def _shrink(nca: Path, case: Case, root: Path) -> tuple[Case, list[str]]:
    """Greedy shrinking: each round runs every one-removal candidate in one NCA batch."""
    current = case
    current_diffs = _diffs(case, _run_nca(nca, [case], root / "s0")[0], root / "s0" / "ours")
    for rnd in range(1, 40):
        cands = list(_shrink_candidates(current))
        if not cands:
            break
        texts = _run_nca(nca, cands, root / f"s{rnd}")
        for k, (cand, text) in enumerate(zip(cands, texts, strict=True)):
            d = _diffs(cand, text, root / f"s{rnd}" / f"ours{k}")
            if d and text is not None:
                current, current_diffs = cand, d
                break
        else:
            break
    return current, current_diffs


BATCHES = [list(range(start, min(start + BATCH, TOTAL))) for start in range(0, TOTAL, BATCH)]


@pytest.mark.parametrize("seeds", BATCHES, ids=[f"seeds{b[0]}-{b[-1]}" for b in BATCHES])
def test_connectivity_agrees_with_nca(nca_bin: Path, seeds: list[int], tmp_path: Path) -> None:
    cases = [generate(1000 + s, ns_prefix=f"s{1000 + s}-") for s in seeds]
    texts = _run_nca(nca_bin, cases, tmp_path / "batch")
    failures = []
    for case, text in zip(cases, texts, strict=True):
        if _diffs(case, text, tmp_path / f"ours{case.seed}"):
            failures.append(case)
    if failures:
        case = failures[0]
        small, diffs = _shrink(nca_bin, case, tmp_path / "shrink")
        yaml_text = yaml.safe_dump_all(small.documents(), sort_keys=False)
        pytest.fail(
            f"{len(failures)} of {len(cases)} cases disagree with NCA (seeds "
            f"{[c.seed for c in failures]}); minimal case from seed {case.seed}:\n{yaml_text}\n"
            "differences:\n" + "\n".join(diffs[:20]),
            pytrace=False,
        )


def test_generator_is_deterministic() -> None:
    assert generate(7).documents() == generate(7).documents()
    assert sys.version_info >= (3, 11)
