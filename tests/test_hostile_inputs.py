"""Hostile input that needs a live file system: links out of the repository, devices, FIFOs, unreadable
files, parser bombs, files that grow while read. Every case ends in a located one-line error (exit 2), a
finding, or a correct report; never a hang, a crash of the process or a read outside the scanned folder."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.helpers import FIXTURES

PYTHON = sys.executable


def network(tmp_path: Path, fixture: str = "saas-ok", name: str = "net") -> Path:
    net = tmp_path / name
    shutil.copytree(FIXTURES / fixture, net)
    return net


def one_line_error(result) -> str:
    """exit 2, one line on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == 2, result.stdout + result.stderr
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and "internal error" not in err, err
    assert result.stdout == ""
    return err


def cli_process(*args: object, timeout: float = 120) -> tuple[int, str, str, float]:
    """The real console script in its own process: exit code, stdout, stderr and the peak RSS (MiB) of that
    process alone (its VmHWM, read while it runs: the parser's workers are other processes)."""
    import tempfile

    exe = Path(PYTHON).parent / "palette-policy"
    peak = 0.0
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([str(exe), *map(str, args)], stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while proc.poll() is None:
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
                peak = max(peak, int(status.split("VmHWM:")[1].split()[0]) / 1024)
            except (OSError, IndexError, ValueError):
                pass
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise AssertionError(f"palette-policy {args} did not finish within {timeout} s")
            time.sleep(0.05)
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read().decode(), err.read().decode(), peak


# --- links, devices and FIFOs never reach a parser -------------------------------------------------------


def test_links_out_of_the_repository_devices_and_fifos_are_skipped_before_any_parser(cli, tmp_path: Path) -> None:
    net = network(tmp_path, "saas-nats-blocked")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # this file would change the result if it were read (another declaration of the same group): it must not be
    (elsewhere / "nats.tf").write_text((FIXTURES / "saas-ok" / "security_groups.tf").read_text())
    (net / "outside.tf").symlink_to(elsewhere / "nats.tf")
    (net / "zero.tf").symlink_to("/dev/zero")
    os.mkfifo(net / "pipe.tf")
    os.mkfifo(net / "pipe.yaml")
    start = time.monotonic()
    result = cli("validate", net, "--format", "json")
    assert time.monotonic() - start < 60
    assert result.exit_code == 1, result.stderr  # still the blocked network: nothing outside was read
    report = json.loads(result.stdout)
    skipped = {s["path"]: s["reason"] for s in report["inputs"]["skipped"]}
    assert "outside the repository" in skipped["outside.tf"]
    assert "outside the repository" in skipped["zero.tf"]
    assert "not a regular file" in skipped["pipe.tf"] and "not a regular file" in skipped["pipe.yaml"]
    verdicts = {r["requirement"]: r["verdict"] for r in report["results"]}
    assert verdicts["saas-agent-nats"] == "blocked"


def test_allow_outside_reads_a_linked_module_and_evidence_hashes_it(cli, tmp_path: Path) -> None:
    net = network(tmp_path, "saas-nats-blocked")
    shared = tmp_path / "shared"
    shared.mkdir()
    nats = shared / "nats.tf"
    nats.write_text(
        textwrap.dedent(
            """
            resource "aws_security_group_rule" "nats" {
              type              = "egress"
              security_group_id = aws_security_group.workers.id
              protocol          = "tcp"
              from_port         = 4222
              to_port           = 4222
              cidr_blocks       = ["0.0.0.0/0"]
            }
            """
        )
    )
    (net / "nats.tf").symlink_to(nats)
    refused = cli("validate", net, "--format", "json")
    assert json.loads(refused.stdout)["summary"]["exit_code"] == 1
    ev = tmp_path / "ev"
    allowed = cli("validate", net, "--allow-outside", shared, "--evidence", ev, "--format", "json")
    report = json.loads(allowed.stdout)
    assert {r["requirement"]: r["verdict"] for r in report["results"]}["saas-agent-nats"] == "reachable", allowed.stderr
    manifest = json.loads((ev / "manifest.json").read_text())
    outside = {e["path"]: e for e in manifest["inputs"]["outside_root"]}
    assert str(nats.resolve()) in outside and outside[str(nats.resolve())]["role"] == "read"
    assert cli("evidence", "verify", ev).exit_code == 0
    nats.write_text(nats.read_text().replace("4222", "4223"))  # the verdict would change: verify must see it
    result = cli("evidence", "verify", ev)
    assert result.exit_code == 1 and f"changed: read: {nats.resolve()}" in result.stdout


@pytest.mark.parametrize("option", ["--topology", "--waivers", "--data", "--config"])
def test_devices_fifos_and_folders_given_on_the_command_line_are_located_errors(
    cli, tmp_path: Path, option: str
) -> None:
    net = network(tmp_path)
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    for target, reason in (("/dev/zero", "not a regular file"), (fifo, "not a regular file"), (tmp_path, "folder")):
        start = time.monotonic()
        err = one_line_error(cli("validate", net, option, target))
        assert time.monotonic() - start < 30, f"{option} {target} took too long"
        assert str(target) in err and reason in err, err


def test_size_limit_applies_to_topology_waivers_includes_and_acl_files(cli, tmp_path: Path) -> None:
    big = "# padding\n" * 120_000  # 1.2 MB of comments: valid, only too big for --max-file-size 1
    net = network(tmp_path, "saas-ok", "topology")
    (net / "palette-network.yaml").write_text((net / "palette-network.yaml").read_text() + big)
    assert "palette-network.yaml" in one_line_error(cli("validate", net, "--max-file-size", "1"))
    net = network(tmp_path, "saas-ok", "waivers")
    (net / ".palette-policy-waivers.yaml").write_text("waivers: []\n" + big)
    assert ".palette-policy-waivers.yaml" in one_line_error(cli("validate", net, "--max-file-size", "1"))
    net = network(tmp_path, "saas-proxy-squid-default", "include")
    (net / "more.conf.inc").write_text(big)
    with (net / "squid.conf").open("a") as handle:
        handle.write("include more.conf.inc\n")
    err = one_line_error(cli("validate", net, "--max-file-size", "1"))
    assert "squid.conf" in err and "more.conf.inc" in err and "limit" in err
    net = network(tmp_path, "saas-proxy-squid-default", "acl")
    (net / "hosts.txt").write_text(big)
    with (net / "squid.conf").open("a") as handle:
        handle.write('acl listed dstdomain "hosts.txt"\n')
    err = one_line_error(cli("validate", net, "--max-file-size", "1"))
    assert "hosts.txt" in err and "limit" in err


def test_squid_include_of_stdin_or_a_fifo_is_refused_not_waited_for(cli, tmp_path: Path) -> None:
    for target in ("/dev/stdin", "fifo.conf"):
        net = network(tmp_path, "saas-proxy-squid-default", f"n-{Path(target).name}")
        if target == "fifo.conf":
            os.mkfifo(net / target)
        with (net / "squid.conf").open("a") as handle:
            handle.write(f"include {target}\n")
        start = time.monotonic()
        err = one_line_error(cli("validate", net))
        assert time.monotonic() - start < 30 and "squid.conf" in err and target in err, err


def test_a_file_that_grows_after_the_size_check_is_not_read_whole(tmp_path: Path, monkeypatch) -> None:
    """The size is checked on the open descriptor and again while reading: a file that is small when
    checked and large when read (it grew in between) stops at the limit."""
    from validator.ingest import reader
    from validator.model.errors import InputError

    path = tmp_path / "grows.yaml"
    path.write_bytes(b"a: 1\n" * 500_000)  # 2.5 MB on disk
    real_fstat = os.fstat

    class Small:  # what fstat said a moment before the file grew
        def __init__(self, st: os.stat_result) -> None:
            self.st_mode, self.st_size = st.st_mode, 10

    monkeypatch.setattr(reader.os, "fstat", lambda fd: Small(real_fstat(fd)))
    with pytest.raises(InputError, match="grew past the 1 MiB limit"):
        reader.read_bytes(path, "grows.yaml", max_bytes=1024 * 1024)


# --- unreadable files, as a user who cannot read them (tests run as root, which reads everything) --------


def _as_nobody(args: list[str]) -> tuple[int, str]:
    """Run the CLI in a forked child that has become ``nobody``; its exit code and stderr."""
    import pwd

    from validator.cli import main

    nobody = pwd.getpwnam("nobody")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop to nobody, run the command, report through the pipe
        os.close(read)
        sys.stderr = os.fdopen(write, "w")  # pytest's capture objects stay with the parent
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the child ends with os._exit
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            sys.argv = ["palette-policy", *args]
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # noqa: BLE001 - anything else is a failure the parent sees as exit 99
            sys.stderr.write(f"child failed: {type(exc).__name__}: {exc}")
            code = 99
        sys.stderr.flush()
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        err = handle.read().decode()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), err


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become the nobody user (CI runs as root)")
@pytest.mark.parametrize("victim", ["palette-network.yaml", ".palette-policy-waivers.yaml", ".palette-policy-ignore"])
def test_unreadable_files_are_located_errors_not_internal_ones(cli, tmp_path: Path, victim: str) -> None:
    base = Path(os.environ.get("TMPDIR", "/tmp")) / f"pp-nobody-{os.getpid()}-{victim.strip('.')}"
    shutil.rmtree(base, ignore_errors=True)
    net = base / "net"
    shutil.copytree(FIXTURES / "formats" / "saas-ok" / "cloudformation", net)  # no Terraform: no parser pool
    try:
        if victim == ".palette-policy-waivers.yaml":
            (net / victim).write_text("waivers: []\n")
        elif victim == ".palette-policy-ignore":
            (net / victim).write_text("*.md\n")
        for folder in (base, net):
            folder.chmod(0o755)
        for path in net.iterdir():
            path.chmod(0o644)
        # as root first: this loads every module the child needs (the interpreter's own files may be out of
        # nobody's reach), on the success path and on the error path
        assert cli("validate", net).exit_code == 0
        assert cli("validate", net, "--config", base).exit_code == 2
        assert cli("validate", net, "--no-such-option").exit_code == 2  # the usage-error printer
        (net / victim).chmod(0o000)
        code, err = _as_nobody(["validate", str(net)])
        assert code == 2, err
        assert victim in err and "permission denied" in err and len(err.strip().splitlines()) == 1, err
        config = base / "config.yaml"
        config.write_text("fail_on: deny\n")
        config.chmod(0o000)
        code, err = _as_nobody(["validate", str(net), "--config", str(config)])
        # a path named on the command line is checked by the CLI parser itself (a usage error, exit 2)
        flat = " ".join(err.replace("│", " ").split())
        assert code == 2 and f"'{config}' is not readable" in flat, err
    finally:
        shutil.rmtree(base, ignore_errors=True)


# --- the Terraform parser out of process -------------------------------------------------------------------


def test_a_root_that_cannot_be_read_under_keep_going_is_a_finding_on_it_and_the_rest_is_checked(
    cli, tmp_path: Path
) -> None:
    net = network(tmp_path)
    (net / "broken").mkdir()
    (net / "broken" / "variables.tf").write_text('variable "x" {\n  type = strng\n}\n')
    (net / "bomb").mkdir()
    (net / "bomb" / "main.tf").write_text(huge_literal(1_000_000))
    err = one_line_error(cli("validate", net, "--parser-memory", "128"))  # the first root in order
    assert err.startswith("error: bomb: cannot read this Terraform root") and "limit 128 MiB" in err, err
    (net / "bomb" / "main.tf").rename(net / "bomb" / "main.tf.off")
    err = one_line_error(cli("validate", net))
    assert "broken/variables.tf:2" in err and "invalid type 'strng'" in err, err
    (net / "bomb" / "main.tf.off").rename(net / "bomb" / "main.tf")
    result = cli("validate", net, "--keep-going", "--parser-memory", "128", "--format", "json")
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    incomplete = {f["locations"][0]["file"]: f for f in report["findings"] if f["id"] == "PP-INPUT-INCOMPLETE"}
    assert set(incomplete) == {"broken/variables.tf", "bomb"}, incomplete
    assert {f["kind"] for f in incomplete.values()} == {"deny"}
    assert "invalid type 'strng'" in incomplete["broken/variables.tf"]["message"]
    assert "ran out of memory (limit 128 MiB)" in incomplete["bomb"]["message"]
    assert {r["verdict"] for r in report["results"]} == {"reachable"}  # the healthy root was still checked


def huge_literal(elements: int) -> str:
    """A root whose one list literal has ``elements`` elements: parsing it (before any evaluation, so before
    the evaluation budget) takes a few hundred bytes per element."""
    return "locals {\n  x = [" + ",".join(["1"] * elements) + "]\n}\n"


def doubling_locals(levels: int) -> str:
    """A root whose locals double ``levels`` times (2^levels strings: many GB if let run), used by a
    resource argument the loader evaluates (a group's name)."""
    lines = ["locals {", '  l0 = ["a", "b"]']
    lines += [f"  l{i} = concat(local.l{i - 1}, local.l{i - 1})" for i in range(1, levels)]
    lines += ["}", 'resource "aws_security_group" "bomb" {', f'  name = join("", local.l{levels - 1})', "}"]
    return "\n".join(lines) + "\n"


def test_parser_bombs_stop_at_a_limit_and_the_main_process_stays_small(tmp_path: Path) -> None:
    # parsing: a 6 MB list literal needs about 1 GiB of syntax tree; the worker's memory limit stops it
    net = network(tmp_path)
    (net / "huge").mkdir()
    (net / "huge" / "main.tf").write_text(huge_literal(3_000_000))
    code, out, err, rss = cli_process("validate", net, "--parser-memory", "256", timeout=180)
    assert code == 2 and "huge: cannot read this Terraform root: the parser ran out of memory (limit 256 MiB)" in err
    assert len(err.strip().splitlines()) == 1, err
    assert rss < 400, f"the main process grew to {rss:.0f} MiB"
    # evaluation: locals that double 28 times, modules that call modules fifty times five deep (312 million
    # instances): the evaluation budget stops each root, a finding on it; the other root is still checked
    net = network(tmp_path, name="evaluation")
    (net / "bomb").mkdir()
    (net / "bomb" / "main.tf").write_text(doubling_locals(28))
    (net / "fan").mkdir()
    (net / "fan" / "main.tf").write_text('module "m" {\n  source = "./mods/m1"\n  count = 50\n}\n')
    for i in range(1, 6):
        (net / "fan" / "mods" / f"m{i}").mkdir(parents=True)
        body = (
            f'module "m" {{\n  source = "../m{i + 1}"\n  count = 50\n}}\n'
            if i < 5
            else 'resource "aws_security_group" "g" {\n  name = "g"\n}\n'
        )
        (net / "fan" / "mods" / f"m{i}" / "main.tf").write_text(body)
    code, out, err, rss = cli_process("validate", net, "--format", "json", timeout=180)
    assert code == 1, err
    assert rss < 400, f"the main process grew to {rss:.0f} MiB"
    report = json.loads(out)
    stopped = {
        f["locations"][0]["file"].split("/")[0] for f in report["findings"] if "evaluation stopped" in f["message"]
    }
    assert stopped == {"bomb", "fan"}, report["findings"]
    assert {r["verdict"] for r in report["results"]} == {"reachable"}
    # a module that calls itself is refused by the evaluator: a finding, not a bomb
    net = network(tmp_path, name="self")
    (net / "self.tf").write_text('module "me" {\n  source = "./"\n}\n')
    code, out, err, _ = cli_process("validate", net, "--format", "json", timeout=180)
    assert code == 1, err
    messages = [f["message"] for f in json.loads(out)["findings"] if f["id"] == "PP-INPUT-INCOMPLETE"]
    assert any("module.me is not expanded" in m and "calls back" in m for m in messages), messages


def test_a_slow_root_stops_at_the_time_limit(tmp_path: Path) -> None:
    net = network(tmp_path)
    block = 'resource "aws_security_group" "g{i}" {{\n  name = "g{i}"\n  description = "{pad}"\n}}\n'
    (net / "big.tf").write_text("".join(block.format(i=i, pad="x" * 200) for i in range(40_000)))
    start = time.monotonic()
    code, out, err, _ = cli_process("validate", net, "--parser-timeout", "1", timeout=120)
    assert code == 2 and "took longer than the 1 s limit" in err, err
    assert time.monotonic() - start < 30


def test_the_parser_sees_only_admitted_files(cli, tmp_path: Path) -> None:
    """An ignored .tf file in a root would open the NATS port: the parser must not read it."""
    net = network(tmp_path, "saas-nats-blocked")
    saas_ok = (FIXTURES / "saas-ok" / "security_groups.tf").read_text()
    rule = saas_ok[saas_ok.index('resource "aws_security_group_rule" "workers_nats"') :]
    (net / "nats.tf").write_text(rule[: rule.index("}\n") + 2])
    (net / ".palette-policy-ignore").write_text("nats.tf\n")
    result = cli("validate", net, "--format", "json")
    verdicts = {r["requirement"]: r["verdict"] for r in json.loads(result.stdout)["results"]}
    assert verdicts["saas-agent-nats"] == "blocked", result.stderr
    (net / ".palette-policy-ignore").write_text("# nothing ignored\n")
    result = cli("validate", net, "--format", "json")  # the same file, admitted: now it is read
    verdicts = {r["requirement"]: r["verdict"] for r in json.loads(result.stdout)["results"]}
    assert verdicts["saas-agent-nats"] == "reachable", result.stderr


def test_a_local_module_the_scan_does_not_admit_is_not_read_and_says_so(cli, tmp_path: Path) -> None:
    """A module whose files are all ignored would open the NATS port if read: it is not read, and the
    module call is a PP-INPUT-INCOMPLETE finding (module-not-read), as is a source that is no folder."""
    net = network(tmp_path, "saas-nats-blocked")
    saas_ok = (FIXTURES / "saas-ok" / "security_groups.tf").read_text()
    rule = saas_ok[saas_ok.index('resource "aws_security_group_rule" "workers_nats"') :]
    (net / "mods" / "nats").mkdir(parents=True)
    (net / "mods" / "nats" / "main.tf").write_text(
        rule[: rule.index("}\n") + 2].replace("aws_security_group.workers.id", "var.group") + 'variable "group" {}\n'
    )
    (net / "calls.tf").write_text(
        'module "nats" {\n  source = "./mods/nats"\n  group  = aws_security_group.workers.id\n}\n'
        'module "gone" {\n  source = "./nowhere"\n}\n'
    )
    (net / ".palette-policy-ignore").write_text("mods/\n")
    result = cli("validate", net, "--format", "json")
    report = json.loads(result.stdout)
    assert {r["requirement"]: r["verdict"] for r in report["results"]}["saas-agent-nats"] == "blocked", result.stderr
    messages = sorted(f["message"] for f in report["findings"] if f["id"] == "PP-INPUT-INCOMPLETE")
    assert any("module.nats is not expanded" in m and "files the scan does not read" in m for m in messages), messages
    assert any("module.gone is not expanded" in m and "not a folder" in m for m in messages), messages
    (net / ".palette-policy-ignore").write_text("# nothing ignored\n")
    report = json.loads(cli("validate", net, "--format", "json").stdout)  # admitted: now it is read
    assert {r["requirement"]: r["verdict"] for r in report["results"]}["saas-agent-nats"] == "reachable"


# --- Squid regular expressions in linear time ---------------------------------------------------------------


def test_a_catastrophic_regex_on_a_long_host_name_answers_at_once() -> None:
    from validator.ingest.loaders.squid import parse_squid_text

    config = parse_squid_text("http_port 3128\nacl evil dstdom_regex ^(a|aa)+$\nhttp_access allow evil\n")
    regex = config.acls["evil"].regexes[0]
    host = "a" * 100_000 + "b"  # exponential for a backtracking engine
    start = time.monotonic()
    assert regex.search(host) is None and regex.search("a" * 1000)
    assert time.monotonic() - start < 1


# --- kill -9 never leaves a torn evidence bundle -----------------------------------------------------------


def test_a_killed_run_leaves_no_torn_bundle(tmp_path: Path) -> None:
    net = network(tmp_path)
    ev = tmp_path / "ev"
    exe = Path(PYTHON).parent / "palette-policy"
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5, 2.0):
        proc = subprocess.Popen(
            [str(exe), "validate", str(net), "--evidence", str(ev)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        if ev.exists():  # absent, or whole: a bundle that verifies
            verified = subprocess.run([str(exe), "evidence", "verify", str(ev)], capture_output=True, text=True)
            assert verified.returncode == 0, verified.stdout + verified.stderr
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".palette-policy-evidence-")]
    done = subprocess.run([str(exe), "validate", str(net), "--evidence", str(ev)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr  # a later run replaces it
    verified = subprocess.run([str(exe), "evidence", "verify", str(ev)], capture_output=True, text=True)
    assert verified.returncode == 0 and "no change" in verified.stdout, verified.stdout
    assert not (ev / "added").exists() and set(os.listdir(ev)) == {"report.json", "report.html", "manifest.json"}
    del leftovers  # temp folders of killed runs are siblings, ignored by the scan and never part of a bundle


def test_the_workers_are_forked_and_the_cli_loads_no_foreign_parser() -> None:
    """Workers are forked from the main process (every module already imported: no interpreter start per
    run); the CLI runs only the product's own Terraform reader, never the test oracles' Go parsers."""
    code = (
        "import sys\n"
        "import validator.cli.pipeline, validator.cli.validate, validator.ingest.loaders.registry\n"
        "from validator.ingest.isolation import _context\n"
        "assert not {'tfparse', 'pygohcl'} & set(sys.modules), 'the CLI imported a foreign parser'\n"
        "assert _context().get_start_method() == 'fork'\n"
    )
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_two_concurrent_runs_leave_one_whole_bundle(tmp_path: Path) -> None:
    ok, blocked = network(tmp_path, "saas-ok", "ok"), network(tmp_path, "saas-nats-blocked", "blocked")
    ev = tmp_path / "ev"
    exe = str(Path(PYTHON).parent / "palette-policy")
    for _ in range(3):
        runs = [
            subprocess.Popen([exe, "validate", str(net), "--evidence", str(ev)], stdout=subprocess.DEVNULL)
            for net in (ok, blocked)
        ]
        assert all(run.wait(120) in (0, 1) for run in runs)
        manifest = json.loads((ev / "manifest.json").read_text())
        report = json.loads((ev / "report.json").read_text())
        assert manifest["summary"] == report["summary"]  # the manifest and the report of the same run
        verified = subprocess.run([exe, "evidence", "verify", str(ev)], capture_output=True, text=True)
        assert verified.returncode == 0, verified.stdout


def test_a_waiver_cluster_scope_is_a_glob_as_documented() -> None:
    import datetime as dt

    from validator.model.findings import Finding
    from validator.model.waivers import Waiver

    finding = Finding(
        kind="deny", id="PP-PATH-BLOCKED", severity="critical", title="t", message="m", package="p",
        binding={"source": "prod-eu", "destination": "management"},
    )  # fmt: skip
    waiver = Waiver("PP-*", "r", "o", dt.date(2999, 1, 1), "w.yaml", 1, cluster="pr*")
    assert waiver.matches(finding)
    assert not Waiver("PP-*", "r", "o", dt.date(2999, 1, 1), "w.yaml", 1, cluster="st*").matches(finding)


@pytest.mark.parametrize("fixture", ["self-hosted-ok", "formats/saas-ok/cloudformation"])
def test_a_temporary_folder_that_cannot_be_written_is_one_located_line(cli, monkeypatch, tmp_path: Path, fixture: str):
    """Parser workers and policy evaluation keep their stderr in a temporary file: TMPDIR pointing nowhere is the
    user's setting, said as such (the Terraform fixture meets the parser pool first, the CloudFormation one the
    policy evaluation)."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    result = cli("validate", FIXTURES / fixture)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "cannot create a file in the temporary folder" in result.stderr and "TMPDIR" in result.stderr
    assert "internal error" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_children_die_with_a_killed_run_and_leave_its_output(tmp_path: Path) -> None:
    """``kill -9`` of the run alone (a CI step cancelled): the parser worker busy with a large root must not
    keep the step's output pipe open until it finishes, nor live on."""
    net = tmp_path / "net"
    net.mkdir()
    groups = "".join(
        f'resource "aws_security_group" "g{i}" {{\n  name = "g{i}"\n'
        f'  ingress {{\n    from_port = {i % 60000}\n    to_port = {i % 60000}\n    protocol = "tcp"\n'
        f'    cidr_blocks = ["10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}/32"]\n  }}\n}}\n'
        for i in range(60000)
    )
    (net / "main.tf").write_text(groups)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "validator", "validate", str(net), "--no-cache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    assert proc.stdout is not None
    time.sleep(3)  # the worker is parsing the 60,000 groups by now
    children = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) >= 2, "no worker was running: the test did not test anything"
    proc.kill()
    start = time.monotonic()
    proc.stdout.read()  # returns at EOF: when no process holds the pipe any more
    assert time.monotonic() - start < 5, "a child held the run's output open after the run was killed"
    proc.wait()

    def alive() -> list[str]:  # a dead child not yet reaped by its new parent is a zombie, not alive
        pids = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
        states = {
            pid: subprocess.run(["ps", "-o", "stat=", "-p", pid], capture_output=True, text=True).stdout for pid in pids
        }
        return [pid for pid, state in states.items() if state.strip() and not state.startswith("Z")]

    deadline = time.monotonic() + 5
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive() == [], f"children outlived the run: {alive()}"
