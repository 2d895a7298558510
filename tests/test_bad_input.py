"""Bad input: one line naming file and line, exit 2, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())


def run_bad(cli, folder: Path) -> str:
    """Validate a bad folder: exit 2, one line on stderr with a hint, nothing on stdout, no traceback."""
    result = cli("validate", folder)
    assert result.exit_code == 2, result.stdout + result.stderr
    err = result.stderr.strip()
    assert "Traceback" not in result.stdout + result.stderr
    assert len(err.splitlines()) == 1, err
    assert result.stdout == ""  # nothing half-written
    return err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(cli, case: Path) -> None:
    """Each folder of tests/bad_inputs is a scanned folder; its EXPECTED file lists what the error must say."""
    err = run_bad(cli, case)
    for fragment in (case / "EXPECTED").read_text(encoding="utf-8").splitlines():
        assert fragment in err, f"{case.name}: {fragment!r} not in {err!r}"
    assert "(hint: " in err, f"{case.name}: no hint in {err!r}"


def test_binary_and_non_utf8_files(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "saas-ok", tmp_path / "n")
    (tmp_path / "n" / "x.json").write_bytes(b'{"a": "caf\xe9"}\n')
    err = run_bad(cli, tmp_path / "n")
    assert "x.json:1" in err and "not UTF-8" in err
    shutil.copytree(FIXTURES / "saas-ok", tmp_path / "b")
    (tmp_path / "b" / "y.yaml").write_bytes(b"\x00\x01\x02binary")
    assert "binary file" in run_bad(cli, tmp_path / "b")


def test_missing_topology_and_missing_folder(cli, tmp_path: Path) -> None:
    result = cli("validate", tmp_path)
    assert result.exit_code == 2 and "no palette-network.yaml" in result.stderr
    result = cli("validate", tmp_path / "nope")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_unknown_files_are_skipped_with_a_reason(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "saas-ok", tmp_path / "n")
    (tmp_path / "n" / "README.md").write_text("# hello\n")
    (tmp_path / "n" / "values.yaml").write_text("replicas: 3\n")
    result = cli("validate", tmp_path / "n", "--format", "json")
    assert result.exit_code == 0
    import json

    skipped = {s["path"]: s["reason"] for s in json.loads(result.stdout)["inputs"]["skipped"]}
    assert "README.md" in skipped and "values.yaml" in skipped


def test_oversized_file_is_refused(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "saas-ok", tmp_path / "n")
    (tmp_path / "n" / "big.json").write_text('{"x": "' + "a" * (2 * 1024 * 1024) + '"}')
    result = cli("validate", tmp_path / "n", "--max-file-size", "1")
    assert result.exit_code == 2 and "big.json" in result.stderr and "limit" in result.stderr


def test_bad_usage_is_exit_2(cli) -> None:
    assert cli("validate", FIXTURES / "saas-ok", "--format", "xml").exit_code == 2
    assert cli("validate", FIXTURES / "saas-ok", "--fail-on", "sometimes").exit_code == 2


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["validate", "--no-such-option"], "palette-policy validate: No such option: --no-such-option"),
        (["validate", ".", "--fail-on", "sometimes"], "palette-policy validate: Invalid value for '--fail-on'"),
        (["no-such-command"], "palette-policy: No such command 'no-such-command'"),
        (["explain"], "palette-policy explain: Missing argument 'path'"),
    ],
)
def test_a_usage_mistake_is_one_line_naming_the_command(argv: list[str], said: str) -> None:
    """The installed entry point, not the test runner: what a user at a terminal or a CI log sees."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "validator", *argv], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: " + said), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "╭" not in proc.stderr, proc.stderr


def test_symlink_loop_and_special_files_are_skipped_with_reasons(cli, tmp_path: Path) -> None:
    import json
    import os

    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-ok", net)
    (net / "loop").symlink_to(net / "loop")  # a link to itself
    (net / "back").symlink_to(net, target_is_directory=True)  # a folder link back up: not followed
    os.mkfifo(net / "pipe.json")
    result = cli("validate", net, "--format", "json")
    assert result.exit_code == 0, result.stderr
    skipped = {s["path"]: s["reason"] for s in json.loads(result.stdout)["inputs"]["skipped"]}
    assert "link loop" in skipped["loop"]
    assert "not followed" in skipped["back/"]
    assert "not a regular file" in skipped["pipe.json"]
    strict = cli("validate", net, "--strict")
    assert strict.exit_code == 2 and "skipped" in strict.stderr and "--strict" in strict.stderr


def test_a_100_mb_file_is_refused_before_it_is_read(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-ok", net)
    with (net / "huge.json").open("wb") as handle:  # sparse: 100 MB on paper, nothing on disk
        handle.truncate(100 * 1024 * 1024)
    err = run_bad(cli, net)
    assert "huge.json" in err and "100 MiB" in err and "limit" in err


def test_ignore_file_and_default_ignores(cli, tmp_path: Path) -> None:
    import json

    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-ok", net)
    (net / "broken.json").write_text("{not json")
    (net / ".terraform").mkdir()
    (net / ".terraform" / "junk.tf").write_text("this is not HCL {{{")
    assert cli("validate", net).exit_code == 2
    (net / ".palette-policy-ignore").write_text("# generated\nbroken.json\n")
    result = cli("validate", net, "--format", "json")
    assert result.exit_code == 0, result.stderr
    ignored = json.loads(result.stdout)["inputs"]["ignored"]
    assert "broken.json" in ignored and ".terraform/" in ignored


def test_empty_folder(cli, tmp_path: Path) -> None:
    result = cli("validate", tmp_path)
    assert result.exit_code == 2 and "no palette-network.yaml" in result.stderr and "hint" in result.stderr


def test_no_traceback_from_the_real_command_on_the_whole_corpus() -> None:
    """The console script itself (not the test runner) on every corpus folder: grep finds no Traceback."""
    import subprocess
    import sys

    script = (
        "import sys\nfrom validator.cli import main\nfor case in sys.argv[1:]:\n"
        "    sys.argv = ['palette-policy', 'validate', case]\n"
        "    try:\n        main()\n    except SystemExit as exc:\n        print('exit', exc.code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, *map(str, CASES)], capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.count("exit 2") == len(CASES)
