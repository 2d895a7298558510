"""The benchmark's generator and runner: the generated network is what it claims to be, and
the runner measures what it says it measures."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from validator.cli.pipeline import Options, run

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate as gen  # noqa: E402
import run as runner  # noqa: E402


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, gen.Counts]:
    out = tmp_path_factory.mktemp("net") / "S"
    return out, gen.generate(gen.SIZES["S"], out)


def test_same_seed_same_bytes(small: tuple[Path, gen.Counts], tmp_path: Path) -> None:
    out, _ = small
    again = tmp_path / "again"
    gen.generate(gen.SIZES["S"], again)
    assert _digest(out) == _digest(again)
    other = tmp_path / "other"
    gen.generate(gen.SIZES["S"], other, seed=8)
    assert _digest(out) != _digest(other)


def test_counts_match_the_files(small: tuple[Path, gen.Counts]) -> None:
    out, counts = small
    tf = list(out.rglob("*.tf"))
    text = "".join(p.read_text() for p in tf)
    assert counts.tf_files == len(tf) and counts.tf_bytes == len(text.encode())
    # every group resource counted, and about 5 rules each, as the benchmark sizes them (docs/benchmarks.md)
    assert text.count('resource "aws_security_group" ') == counts.groups == 201
    assert 900 <= counts.sg_rules <= 1200
    assert text.count('resource "aws_network_acl" ') == 3 * 2
    assert len(list((out / "k8s").rglob("*.yaml"))) == counts.k8s_files
    k8s = "".join(p.read_text() for p in (out / "k8s").rglob("*.yaml"))
    assert k8s.count("kind: NetworkPolicy") == counts.netpols
    assert counts.squid_lines >= 300
    assert (out / "palette-network.yaml").read_text().count("- name: c") == gen.SIZES["S"].clusters


def test_generated_network_validates_with_the_breakage_it_planted(small: tuple[Path, gen.Counts]) -> None:
    """The oracle is the generator's own plan (``broken``), not the product's output."""
    out, counts = small
    report = run(Options(path=out))
    groups = [p for p in report.inventory.points.values() if p.kind == "security-group"]
    acls = [p for p in report.inventory.points.values() if p.kind == "network-acl"]
    assert sum(len(p.rules) for p in groups) == counts.sg_rules
    assert len(groups) == counts.groups
    assert sum(len(p.rules) for p in acls) == counts.nacl_rules
    by = {(r.requirement.id, r.source.cluster or r.destination.cluster): r.verdict for r in report.results}
    for i in range(gen.SIZES["S"].clusters):
        name = f"c{i:04d}"
        kind = gen.broken(i)
        assert by[("sh-agent-nats", name)] == ("blocked" if kind == "no-nats" else "reachable"), name
        assert by[("sh-mgmt-cluster-api", name)] == ("partial" if kind == "api-half" else "reachable"), name
        assert by[("sh-agent-https", name)] == "reachable"
        assert by[("k8s-kubelet", name)] == "reachable"  # the node group's self rule


def test_measure_reports_the_child_peak_rss_and_exit_code() -> None:
    # a child that holds 80 MiB: wait4's ru_maxrss must see it (and not the parent's)
    m = runner.measure(
        [sys.executable, "-c", "b = bytearray(80 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"], timeout=60
    )
    assert m.code == 0 and 80 <= m.rss_mib < 400 and m.wall > 0
    failed = runner.measure([sys.executable, "-c", "import sys; sys.stderr.write('boom'); sys.exit(3)"], timeout=60)
    assert failed.code == 3 and "boom" in failed.stderr


def test_runner_prints_ratios_and_curve() -> None:
    counts = dict(
        sg_rules=1000, groups=200, tf_files=10, tf_bytes=1 << 20, nacl_rules=6, netpols=5, squid_lines=3, k8s_files=1
    )
    a = runner.Row(
        "S", counts, runner.Measure(2.0, 100, 0), {"parse": 1.0}, {"terraform": 10}, {}, runner.Measure(1.0, 50, 0)
    )
    a.peers["checkov"] = runner.Measure(40.0, 400, 1)
    a.peers["nca"] = "not available"
    b = runner.Row(
        "M", {**counts, "sg_rules": 2000}, runner.Measure(4.2, 120, 0), {}, {}, {}, runner.Measure(2.0, 50, 0)
    )
    text = runner.render([a, b])
    assert "| S | checkov | 40.00 s / 400 MiB" in text and "| 20.0× | 4.0× |" in text
    assert "| 2.0× |" in text  # validate ÷ floor
    assert "input ×2.0, time ×2.10" in text
    assert "not available" in text


def test_smoke_exits_zero_and_prints_figures(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["run.py", "--smoke"])
    assert runner.main() == 0
    out = capsys.readouterr().out
    assert "| S | 1," in out and "machine:" in out and "loaded terraform" in out
