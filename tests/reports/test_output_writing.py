"""How one output is written: atomically onto regular files, in place onto devices and pipes, never
replacing a device node, honouring the umask; the table's width does not depend on the environment."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from report_helpers import copy_fixture

from validator.model.errors import InputError
from validator.report import write_output


def test_a_character_device_is_written_in_place_never_replaced(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    device = tmp_path / "null"
    try:  # a twin of /dev/null, so a regression cannot damage the machine's own
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        device = Path("/dev/null")
    before = os.stat(device)
    result = cli("validate", net, "--output", device)
    assert result.exit_code == 0, result.stderr
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert not list(tmp_path.glob(".null.*"))  # no temporary file left next to it


def test_a_fifo_is_written_in_place(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("validate", net, "--output", fifo)
    reader.join(30)
    assert result.exit_code == 0 and b"5 paths: 5 reachable" in received[0]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_dash_is_standard_output(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    result = cli("validate", net, "--output", "-", "--format", "json")
    assert result.exit_code == 0 and result.stdout.startswith("{")
    assert not (Path.cwd() / "-").exists()


def test_a_folder_as_output_is_a_located_error_and_nothing_is_written(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    out = tmp_path / "reports"
    out.mkdir()
    result = cli("validate", net, "--output", out)
    assert result.exit_code == 2 and result.stdout == ""
    assert f"{out}: cannot write the output: it is a folder" in result.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_new_files_follow_the_umask_and_existing_files_keep_their_mode(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        write_output(tmp_path / "new.txt", "x\n")
        existing = tmp_path / "existing.txt"
        existing.write_text("old\n")
        existing.chmod(0o640)
        write_output(existing, "new\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o666 & ~mask
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o640 and existing.read_text() == "new\n"


def test_a_link_to_a_report_is_written_through(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("old\n")
    (tmp_path / "link.txt").symlink_to(target)
    write_output(tmp_path / "link.txt", "new\n")
    assert (tmp_path / "link.txt").is_symlink() and target.read_text() == "new\n"


def test_an_unwritable_place_is_a_located_error(tmp_path: Path) -> None:
    write_output(tmp_path / "new" / "report.txt", "x")  # missing folders are made
    (tmp_path / "file.txt").write_text("")
    with pytest.raises(InputError, match="cannot write the output"):
        write_output(tmp_path / "file.txt" / "report.txt", "x")  # a file where a folder should be


def test_the_table_does_not_follow_columns_when_not_on_a_terminal(cli, tmp_path: Path, monkeypatch) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    outputs = set()
    for columns in ("40", "100", "300"):
        monkeypatch.setenv("COLUMNS", columns)
        outputs.add(cli("validate", net).stdout)
    assert len(outputs) == 1
